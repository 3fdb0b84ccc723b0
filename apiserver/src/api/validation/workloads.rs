//! Validation of the workload kinds built on pod templates (pkg/apis/apps/validation and
//! pkg/apis/batch/validation): deployments, replica sets, stateful sets, daemon sets,
//! replication controllers, jobs and cron jobs.

use std::collections::BTreeMap;

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use apimachinery::labels::{Set, label_selector_as_selector};
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::core_kinds::validate_pod_template_spec;
use super::meta::{
    FIELD_IMMUTABLE_ERROR_MSG, validate_annotations, validate_immutable, validate_label_selector,
    validate_labels, validate_nonnegative, validate_object_meta, validate_object_meta_update,
};

const SELECTOR_MISMATCH: &str = "`selector` does not match template `labels`";

fn template_labels(t: &core::PodTemplateSpec) -> BTreeMap<String, String> {
    t.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default()
}

fn restart_policy(t: &core::PodTemplateSpec) -> String {
    t.spec.as_ref().and_then(|s| s.restart_policy.clone()).unwrap_or_default()
}

/// Whether `selector` matches the labels; a selector that does not convert matches nothing.
fn selector_matches(selector: Option<&LabelSelector>, labels: &BTreeMap<String, String>) -> bool {
    label_selector_as_selector(selector).is_ok_and(|s| s.matches(&Set(labels.clone())))
}

fn selector_is_empty(selector: Option<&LabelSelector>) -> bool {
    label_selector_as_selector(selector).is_ok_and(|s| s.is_empty())
}

/// The selector checks shared by deployments, replica sets and stateful sets: required,
/// well-formed, not empty.
fn validate_required_selector(
    selector: Option<&LabelSelector>,
    kind: &str,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    match selector {
        None => errs.push(Error::required(path, "")),
        Some(sel) => {
            errs.extend(validate_label_selector(
                Some(sel),
                LabelSelectorValidationOptions::default(),
                path,
            ));
            let n = sel.match_labels.as_ref().map_or(0, BTreeMap::len)
                + sel.match_expressions.as_ref().map_or(0, Vec::len);
            if n == 0 {
                errs.push(Error::invalid(
                    path,
                    BadValue::json(sel),
                    format!("empty selector is invalid for {kind}"),
                ));
            }
        }
    }
    errs
}

/// `ValidatePodTemplateSpecForReplicaSet` (also used by deployments).
fn validate_template_for_replica_set(
    t: Option<&core::PodTemplateSpec>,
    selector: Option<&LabelSelector>,
    path: &Path,
    kind_name: &str,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(t) = t else {
        errs.push(Error::required(path, ""));
        return errs;
    };
    let labels = template_labels(t);
    if let Ok(sel) = label_selector_as_selector(selector)
        && !sel.is_empty()
        && !sel.matches(&Set(labels.clone()))
    {
        errs.push(Error::invalid(
            &path.child("metadata").child("labels"),
            BadValue::json(&labels),
            SELECTOR_MISMATCH,
        ));
    }
    errs.extend(validate_pod_template_spec(t, path));
    let rp = restart_policy(t);
    if rp != "Always" {
        errs.push(Error::not_supported(
            &path.child("spec").child("restartPolicy"),
            rp,
            &["Always"],
        ));
    }
    if let Some(ads) = t.spec.as_ref().and_then(|s| s.active_deadline_seconds) {
        errs.push(Error::invalid(
            &path.child("spec").child("activeDeadlineSeconds"),
            ads,
            format!("activeDeadlineSeconds in {kind_name} is not Supported"),
        ));
    }
    errs
}

/// An int-or-string shown as Go shows it through `String()` (unquoted).
fn int_or_string_shown(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn invalid_int_or_string(path: &Path, value: &IntOrString, detail: &str) -> Error {
    Error::new(
        ErrorType::Invalid,
        path,
        BadValue::Omitted,
        format!("{}: {detail}", int_or_string_shown(value)),
    )
}

fn validate_positive_int_or_percent(value: &IntOrString, path: &Path) -> ErrorList {
    match value {
        IntOrString::String(s) => v::is_valid_percent(s)
            .into_iter()
            .map(|m| invalid_int_or_string(path, value, &m))
            .collect(),
        IntOrString::Int(i) => validate_nonnegative(i64::from(*i), path),
    }
}

/// The value of an int or a percentage, as `getIntOrPercentValue`.
fn int_or_percent_value(value: &IntOrString) -> i64 {
    match value {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) => s.strip_suffix('%').and_then(|d| d.parse().ok()).unwrap_or(0),
    }
}

fn not_more_than_100_percent(value: &IntOrString, path: &Path) -> ErrorList {
    match value {
        IntOrString::String(s) if s.ends_with('%') && int_or_percent_value(value) > 100 => {
            ErrorList(vec![invalid_int_or_string(path, value, "must not be greater than 100%")])
        }
        _ => ErrorList::new(),
    }
}

fn validate_deployment_strategy(s: Option<&apps::DeploymentStrategy>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let strategy = s.cloned().unwrap_or_default();
    match strategy.type_.as_deref().unwrap_or_default() {
        "Recreate" => {
            if strategy.rolling_update.is_some() {
                errs.push(Error::forbidden(
                    &path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match &strategy.rolling_update {
            None => errs.push(Error::required(
                &path.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(ru) => {
                let p = path.child("rollingUpdate");
                let zero = IntOrString::Int(0);
                let unavailable = ru.max_unavailable.as_ref().unwrap_or(&zero);
                let surge = ru.max_surge.as_ref().unwrap_or(&zero);
                errs.extend(validate_positive_int_or_percent(
                    unavailable,
                    &p.child("maxUnavailable"),
                ));
                errs.extend(validate_positive_int_or_percent(surge, &p.child("maxSurge")));
                if int_or_percent_value(unavailable) == 0 && int_or_percent_value(surge) == 0 {
                    errs.push(invalid_int_or_string(
                        &p.child("maxUnavailable"),
                        unavailable,
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errs.extend(not_more_than_100_percent(unavailable, &p.child("maxUnavailable")));
            }
        },
        _ => errs.push(Error::not_supported(
            path,
            BadValue::json(&strategy),
            &["Recreate", "RollingUpdate"],
        )),
    }
    errs
}

/// `ValidateDeployment` (metadata and spec).
pub fn validate_deployment(d: &apps::Deployment, raw: &serde_json::Value) -> ErrorList {
    let mut errs =
        validate_object_meta(&d.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&d.spec);
    let p = Path::new("spec");
    errs.extend(validate_nonnegative(
        i64::from(spec.replicas.unwrap_or_default()),
        &p.child("replicas"),
    ));
    let selector = raw_selector(raw, &spec.selector);
    errs.extend(validate_required_selector(selector, "deployment", &p.child("selector")));
    if label_selector_as_selector(selector).is_err() {
        errs.push(Error::invalid(
            &p.child("selector"),
            BadValue::json(&selector),
            "invalid label selector",
        ));
    } else {
        errs.extend(validate_template_for_replica_set(
            Some(&spec.template),
            selector,
            &p.child("template"),
            "ReplicaSet",
        ));
    }
    errs.extend(validate_deployment_strategy(spec.strategy.as_ref(), &p.child("strategy")));
    let min_ready = spec.min_ready_seconds.unwrap_or_default();
    errs.extend(validate_nonnegative(i64::from(min_ready), &p.child("minReadySeconds")));
    if let Some(r) = spec.revision_history_limit {
        errs.extend(validate_nonnegative(i64::from(r), &p.child("revisionHistoryLimit")));
    }
    if let Some(pd) = spec.progress_deadline_seconds {
        errs.extend(validate_nonnegative(i64::from(pd), &p.child("progressDeadlineSeconds")));
        if pd <= min_ready {
            errs.push(Error::invalid(
                &p.child("progressDeadlineSeconds"),
                pd,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

/// A workload's selector, `None` when the client sent none (the wire type cannot tell).
fn raw_selector<'a>(
    raw: &serde_json::Value,
    typed: &'a LabelSelector,
) -> Option<&'a LabelSelector> {
    match raw.pointer("/spec/selector") {
        None | Some(serde_json::Value::Null) => None,
        Some(_) => Some(typed),
    }
}

fn validate_selector_immutable(
    new: Option<&LabelSelector>,
    old: Option<&LabelSelector>,
) -> ErrorList {
    validate_immutable(&new, &old, BadValue::json(&new), &Path::from_names(["spec", "selector"]))
}

/// `ValidateDeploymentUpdate` with the apps/v1 selector immutability.
pub fn validate_deployment_update(
    new: &apps::Deployment,
    old: &apps::Deployment,
    raw_new: &serde_json::Value,
    raw_old: &serde_json::Value,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(
        validate_deployment(new, raw_new).into_iter().filter(|e| !e.field.starts_with("metadata")),
    );
    let (ns, os) = (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    errs.extend(validate_selector_immutable(
        raw_selector(raw_new, &ns.selector),
        raw_selector(raw_old, &os.selector),
    ));
    errs
}

/// `ValidateReplicaSet`.
pub fn validate_replica_set(rs: &apps::ReplicaSet, raw: &serde_json::Value) -> ErrorList {
    let mut errs =
        validate_object_meta(&rs.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&rs.spec);
    let p = Path::new("spec");
    errs.extend(validate_nonnegative(
        i64::from(spec.replicas.unwrap_or_default()),
        &p.child("replicas"),
    ));
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or_default()),
        &p.child("minReadySeconds"),
    ));
    let selector = raw_selector(raw, &spec.selector);
    errs.extend(validate_required_selector(selector, "deployment", &p.child("selector")));
    if label_selector_as_selector(selector).is_err() {
        errs.push(Error::invalid(
            &p.child("selector"),
            BadValue::json(&selector),
            "invalid label selector",
        ));
    } else {
        errs.extend(validate_template_for_replica_set(
            spec.template.as_ref(),
            selector,
            &p.child("template"),
            "ReplicaSet",
        ));
    }
    errs
}

/// `ValidateReplicaSetUpdate` with the apps/v1 selector immutability.
pub fn validate_replica_set_update(
    new: &apps::ReplicaSet,
    old: &apps::ReplicaSet,
    raw_new: &serde_json::Value,
    raw_old: &serde_json::Value,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(
        validate_replica_set(new, raw_new).into_iter().filter(|e| !e.field.starts_with("metadata")),
    );
    let (ns, os) = (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    errs.extend(validate_selector_immutable(
        raw_selector(raw_new, &ns.selector),
        raw_selector(raw_old, &os.selector),
    ));
    errs
}

/// `ValidateStatefulSet`. Upstream checks only the template's metadata, not its pod spec.
pub fn validate_stateful_set(ss: &apps::StatefulSet, raw: &serde_json::Value) -> ErrorList {
    let mut errs =
        validate_object_meta(&ss.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&ss.spec);
    let p = Path::new("spec");
    match spec.pod_management_policy.as_deref().unwrap_or_default() {
        "" => errs.push(Error::required(&p.child("podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(Error::invalid(
            &p.child("podManagementPolicy"),
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let strategy = super::or_default(&spec.update_strategy);
    match strategy.type_.as_deref().unwrap_or_default() {
        "" => errs.push(Error::required(&p.child("updateStrategy"), "")),
        "OnDelete" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.push(Error::invalid(
                    &p.child("updateStrategy").child("rollingUpdate"),
                    BadValue::json(ru),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = &strategy.rolling_update {
                let rp = p.child("updateStrategy").child("rollingUpdate");
                errs.extend(validate_nonnegative(
                    i64::from(ru.partition.unwrap_or_default()),
                    &rp.child("partition"),
                ));
                if let Some(mu) = &ru.max_unavailable {
                    errs.extend(validate_positive_int_or_percent(mu, &rp.child("maxUnavailable")));
                    if int_or_percent_value(mu) == 0 {
                        errs.push(invalid_int_or_string(
                            &rp.child("maxUnavailable"),
                            mu,
                            "cannot be 0",
                        ));
                    }
                    errs.extend(not_more_than_100_percent(mu, &rp.child("maxUnavailable")));
                }
            }
        }
        _ => errs.push(Error::invalid(
            &p.child("updateStrategy"),
            BadValue::json(&strategy),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    if let Some(r) = spec.revision_history_limit {
        errs.extend(validate_nonnegative(i64::from(r), &p.child("revisionHistoryLimit")));
    }
    errs.extend(validate_nonnegative(
        i64::from(spec.replicas.unwrap_or_default()),
        &p.child("replicas"),
    ));
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or_default()),
        &p.child("minReadySeconds"),
    ));
    if let Some(o) = &spec.ordinals {
        errs.extend(validate_nonnegative(
            i64::from(o.start.unwrap_or_default()),
            &p.child("ordinals.start"),
        ));
    }
    let selector = raw_selector(raw, &spec.selector);
    errs.extend(validate_required_selector(selector, "statefulset", &p.child("selector")));
    if label_selector_as_selector(selector).is_err() {
        errs.push(Error::invalid(&p.child("selector"), BadValue::json(&selector), ""));
    } else {
        let tp = p.child("template");
        let labels = template_labels(&spec.template);
        if let Ok(sel) = label_selector_as_selector(selector)
            && !sel.is_empty()
            && !sel.matches(&Set(labels.clone()))
        {
            errs.push(Error::invalid(
                &tp.child("metadata").child("labels"),
                BadValue::json(&labels),
                SELECTOR_MISMATCH,
            ));
        }
        let meta = super::or_default(&spec.template.metadata);
        errs.extend(validate_labels(meta.labels.as_ref(), &tp.child("labels")));
        errs.extend(validate_annotations(meta.annotations.as_ref(), &tp.child("annotations")));
    }
    let rp = restart_policy(&spec.template);
    if rp != "Always" {
        errs.push(Error::not_supported(
            &p.child("template").child("spec").child("restartPolicy"),
            rp,
            &["Always"],
        ));
    }
    if spec.template.spec.as_ref().and_then(|s| s.active_deadline_seconds).is_some() {
        errs.push(Error::forbidden(
            &p.child("template").child("spec").child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    errs
}

/// `ValidateStatefulSetUpdate`: only some spec fields may change.
pub fn validate_stateful_set_update(
    new: &apps::StatefulSet,
    old: &apps::StatefulSet,
    raw_new: &serde_json::Value,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(
        validate_stateful_set(new, raw_new)
            .into_iter()
            .filter(|e| !e.field.starts_with("metadata")),
    );
    let mut ns = new.spec.clone().unwrap_or_default();
    let os = super::or_default(&old.spec);
    ns.replicas = os.replicas;
    ns.ordinals = os.ordinals.clone();
    ns.template = os.template.clone();
    ns.update_strategy = os.update_strategy.clone();
    ns.revision_history_limit = os.revision_history_limit;
    ns.persistent_volume_claim_retention_policy =
        os.persistent_volume_claim_retention_policy.clone();
    ns.min_ready_seconds = os.min_ready_seconds;
    if ns != *os {
        errs.push(Error::forbidden(
            &Path::new("spec"),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ));
    }
    errs
}

/// `ValidateDaemonSet`.
pub fn validate_daemon_set(ds: &apps::DaemonSet, raw: &serde_json::Value) -> ErrorList {
    let mut errs =
        validate_object_meta(&ds.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&ds.spec);
    let p = Path::new("spec");
    let selector = raw_selector(raw, &spec.selector);
    errs.extend(validate_label_selector(
        selector,
        LabelSelectorValidationOptions::default(),
        &p.child("selector"),
    ));
    let labels = template_labels(&spec.template);
    if label_selector_as_selector(selector).is_ok() && !selector_matches(selector, &labels) {
        errs.push(Error::invalid(
            &p.child("template").child("metadata").child("labels"),
            BadValue::json(&labels),
            SELECTOR_MISMATCH,
        ));
    }
    if let Some(sel) = selector
        && selector_is_empty(Some(sel))
        && sel.match_expressions.as_ref().is_none_or(Vec::is_empty)
    {
        errs.push(Error::invalid(
            &p.child("selector"),
            BadValue::json(sel),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(validate_pod_template_spec(&spec.template, &p.child("template")));
    let rp = restart_policy(&spec.template);
    if rp != "Always" {
        errs.push(Error::not_supported(
            &p.child("template").child("spec").child("restartPolicy"),
            rp,
            &["Always"],
        ));
    }
    if let Some(ads) = spec.template.spec.as_ref().and_then(|s| s.active_deadline_seconds) {
        errs.push(Error::invalid(
            &p.child("template").child("spec").child("activeDeadlineSeconds"),
            ads,
            "activeDeadlineSeconds in DaemonSet is not Supported",
        ));
    }
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or_default()),
        &p.child("minReadySeconds"),
    ));
    errs.extend(validate_nonnegative(0, &p.child("templateGeneration")));
    let strategy = super::or_default(&spec.update_strategy);
    let sp = p.child("updateStrategy");
    match strategy.type_.as_deref().unwrap_or_default() {
        "OnDelete" => {}
        "RollingUpdate" => match &strategy.rolling_update {
            None => errs.push(Error::required(&sp.child("rollingUpdate"), "")),
            Some(ru) => {
                let rp = sp.child("rollingUpdate");
                let zero = IntOrString::Int(0);
                let unavailable = ru.max_unavailable.as_ref().unwrap_or(&zero);
                let surge = ru.max_surge.as_ref().unwrap_or(&zero);
                errs.extend(validate_positive_int_or_percent(
                    unavailable,
                    &rp.child("maxUnavailable"),
                ));
                errs.extend(validate_positive_int_or_percent(surge, &rp.child("maxSurge")));
                errs.extend(not_more_than_100_percent(unavailable, &rp.child("maxUnavailable")));
                errs.extend(not_more_than_100_percent(surge, &rp.child("maxSurge")));
                let has_unavailable = int_or_percent_value(unavailable) != 0;
                let has_surge = int_or_percent_value(surge) != 0;
                if has_unavailable && has_surge {
                    errs.push(invalid_int_or_string(
                        &rp.child("maxSurge"),
                        surge,
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_unavailable && !has_surge {
                    errs.push(Error::required(
                        &rp.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    ));
                }
            }
        },
        _ => errs.push(Error::not_supported(
            &sp,
            BadValue::json(&strategy),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    if let Some(r) = spec.revision_history_limit {
        errs.extend(validate_nonnegative(i64::from(r), &p.child("revisionHistoryLimit")));
    }
    errs
}

/// `ValidateDaemonSetUpdate` with the apps/v1 selector immutability.
pub fn validate_daemon_set_update(
    new: &apps::DaemonSet,
    old: &apps::DaemonSet,
    raw_new: &serde_json::Value,
    raw_old: &serde_json::Value,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(
        validate_daemon_set(new, raw_new).into_iter().filter(|e| !e.field.starts_with("metadata")),
    );
    let (ns, os) = (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    errs.extend(validate_selector_immutable(
        raw_selector(raw_new, &ns.selector),
        raw_selector(raw_old, &os.selector),
    ));
    errs
}

/// `ValidateReplicationController`.
pub fn validate_replication_controller(rc: &core::ReplicationController) -> ErrorList {
    let mut errs =
        validate_object_meta(&rc.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&rc.spec);
    let p = Path::new("spec");
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or_default()),
        &p.child("minReadySeconds"),
    ));
    let selector = super::or_default(&spec.selector);
    if selector.is_empty() {
        errs.push(Error::required(&p.child("selector"), ""));
    }
    errs.extend(validate_nonnegative(
        i64::from(spec.replicas.unwrap_or_default()),
        &p.child("replicas"),
    ));
    let tp = p.child("template");
    match &spec.template {
        None => errs.push(Error::required(&tp, "")),
        Some(t) => {
            let labels = template_labels(t);
            if !selector.is_empty() && !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                errs.push(Error::invalid(
                    &tp.child("metadata").child("labels"),
                    BadValue::json(&labels),
                    SELECTOR_MISMATCH,
                ));
            }
            errs.extend(validate_pod_template_spec(t, &tp));
            let rp = restart_policy(t);
            if rp != "Always" {
                errs.push(Error::not_supported(
                    &tp.child("spec").child("restartPolicy"),
                    rp,
                    &["Always"],
                ));
            }
            if t.spec.as_ref().and_then(|s| s.active_deadline_seconds).is_some() {
                errs.push(Error::forbidden(
                    &tp.child("spec").child("activeDeadlineSeconds"),
                    "activeDeadlineSeconds in ReplicationController is not Supported",
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Jobs.

const MAX_PARALLELISM_FOR_INDEXED_JOB: i32 = 100_000;

/// The job spec checks shared by jobs and cron job templates (no selector checks).
fn validate_job_spec_common(spec: &batch::JobSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (name, value) in [
        ("parallelism", spec.parallelism.map(i64::from)),
        ("completions", spec.completions.map(i64::from)),
        ("activeDeadlineSeconds", spec.active_deadline_seconds),
        ("backoffLimit", spec.backoff_limit.map(i64::from)),
        ("ttlSecondsAfterFinished", spec.ttl_seconds_after_finished.map(i64::from)),
    ] {
        if let Some(v) = value {
            errs.extend(validate_nonnegative(v, &path.child(name)));
        }
    }
    if let Some(mode) = &spec.completion_mode {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(Error::not_supported(
                &path.child("completionMode"),
                mode,
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" {
            if spec.completions.is_none() {
                errs.push(Error::required(
                    &path.child("completions"),
                    "when completion mode is Indexed",
                ));
            }
            if let Some(p) = spec.parallelism
                && p > MAX_PARALLELISM_FOR_INDEXED_JOB
            {
                errs.push(Error::invalid(
                    &path.child("parallelism"),
                    p,
                    format!("must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed"),
                ));
            }
        }
    }
    if let Some(prp) = &spec.pod_replacement_policy {
        if prp != "TerminatingOrFailed" && prp != "Failed" {
            errs.push(Error::not_supported(
                &path.child("podReplacementPolicy"),
                prp,
                &["TerminatingOrFailed", "Failed"],
            ));
        } else if prp == "TerminatingOrFailed" && spec.pod_failure_policy.is_some() {
            errs.push(Error::not_supported(&path.child("podReplacementPolicy"), prp, &["Failed"]));
        }
    }
    let tp = path.child("template");
    errs.extend(validate_pod_template_spec(&spec.template, &tp));
    let rp = restart_policy(&spec.template);
    if rp != "OnFailure" && rp != "Never" {
        errs.push(Error::not_supported(
            &tp.child("spec").child("restartPolicy"),
            rp.as_str(),
            &["OnFailure", "Never"],
        ));
    }
    if spec.pod_failure_policy.is_some() && rp != "Never" {
        errs.push(Error::invalid(
            &tp.child("spec").child("restartPolicy"),
            rp,
            "only \"Never\" is supported when podFailurePolicy is specified",
        ));
    }
    errs
}

fn validate_has_label(
    meta_path: &Path,
    labels: &BTreeMap<String, String>,
    key: &str,
    expected: &str,
) -> ErrorList {
    let p = meta_path.child("labels").key(key);
    match labels.get(key) {
        None => ErrorList(vec![Error::required(&p, format!("must be '{expected}'"))]),
        Some(actual) if actual != expected => ErrorList(vec![Error::invalid(
            &p,
            BadValue::json(labels),
            format!("must be '{expected}'"),
        )]),
        _ => ErrorList::new(),
    }
}

/// `ValidateJob`: metadata, the generated selector and labels, and the spec.
pub fn validate_job(job: &batch::Job) -> ErrorList {
    let mut errs =
        validate_object_meta(&job.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&job.spec);
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let name = job.metadata.name.clone().unwrap_or_default();
    if spec.manual_selector != Some(true) && spec.selector.is_some() {
        let labels = template_labels(&spec.template);
        let mp = Path::from_names(["spec", "template", "metadata"]);
        errs.extend(validate_has_label(&mp, &labels, "controller-uid", &uid));
        errs.extend(validate_has_label(&mp, &labels, "job-name", &name));
        errs.extend(validate_has_label(&mp, &labels, "batch.kubernetes.io/controller-uid", &uid));
        errs.extend(validate_has_label(&mp, &labels, "batch.kubernetes.io/job-name", &name));
        let expected: BTreeMap<String, String> =
            [("batch.kubernetes.io/controller-uid".to_string(), uid.clone())].into();
        let selector = spec.selector.as_ref();
        let matches = label_selector_as_selector(selector).is_ok_and(|s| s.matches(&Set(expected)));
        if !matches {
            errs.push(Error::invalid(
                &Path::from_names(["spec", "selector"]),
                BadValue::json(&selector),
                "`selector` not auto-generated",
            ));
        }
    }
    let p = Path::new("spec");
    errs.extend(validate_job_spec_common(&spec, &p));
    match &spec.selector {
        None => errs.push(Error::required(&p.child("selector"), "")),
        Some(sel) => errs.extend(validate_label_selector(
            Some(sel),
            LabelSelectorValidationOptions::default(),
            &p.child("selector"),
        )),
    }
    let labels = template_labels(&spec.template);
    if let Ok(sel) = label_selector_as_selector(spec.selector.as_ref())
        && !sel.matches(&Set(labels.clone()))
    {
        errs.push(Error::invalid(
            &p.child("template").child("metadata").child("labels"),
            BadValue::json(&labels),
            SELECTOR_MISMATCH,
        ));
    }
    errs
}

/// `ValidateJobUpdate`: the job is validated again and most of its spec is immutable.
pub fn validate_job_update(new: &batch::Job, old: &batch::Job) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_job(new).into_iter().filter(|e| !e.field.starts_with("metadata")));
    let (ns, os) = (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    let p = Path::new("spec");
    let elastic =
        ns.completion_mode.as_deref() == Some("Indexed") && ns.completions == ns.parallelism;
    if !elastic {
        errs.extend(validate_immutable(
            &ns.completions,
            &os.completions,
            ns.completions,
            &p.child("completions"),
        ));
    }
    errs.extend(validate_immutable(
        &ns.selector,
        &os.selector,
        BadValue::json(&ns.selector),
        &p.child("selector"),
    ));
    let suspended_not_started = os.suspend == Some(true)
        && old.status.as_ref().and_then(|s| s.start_time.as_ref()).is_none();
    let mut new_template = ns.template.clone();
    if suspended_not_started
        && let (Some(n), Some(o)) = (new_template.spec.as_mut(), os.template.spec.as_ref())
    {
        // Scheduling directives may change while a suspended job has never started.
        n.node_selector = o.node_selector.clone();
        n.affinity = o.affinity.clone();
        n.tolerations = o.tolerations.clone();
        n.scheduling_gates = o.scheduling_gates.clone();
        if let (Some(nm), Some(om)) =
            (new_template.metadata.as_mut(), os.template.metadata.as_ref())
        {
            nm.labels = om.labels.clone();
            nm.annotations = om.annotations.clone();
        }
    }
    if new_template != os.template {
        errs.push(Error::invalid(
            &p.child("template"),
            BadValue::json(&ns.template),
            FIELD_IMMUTABLE_ERROR_MSG,
        ));
    }
    errs.extend(validate_immutable(
        &ns.completion_mode,
        &os.completion_mode,
        BadValue::from(ns.completion_mode.clone()),
        &p.child("completionMode"),
    ));
    errs.extend(validate_immutable(
        &ns.pod_failure_policy,
        &os.pod_failure_policy,
        BadValue::json(&ns.pod_failure_policy),
        &p.child("podFailurePolicy"),
    ));
    errs.extend(validate_immutable(
        &ns.backoff_limit_per_index,
        &os.backoff_limit_per_index,
        ns.backoff_limit_per_index,
        &p.child("backoffLimitPerIndex"),
    ));
    errs.extend(validate_immutable(
        &ns.managed_by,
        &os.managed_by,
        BadValue::from(ns.managed_by.clone()),
        &p.child("managedBy"),
    ));
    errs.extend(validate_immutable(
        &ns.success_policy,
        &os.success_policy,
        BadValue::json(&ns.success_policy),
        &p.child("successPolicy"),
    ));
    errs
}

fn validate_schedule(schedule: &str, path: &Path) -> ErrorList {
    let trimmed = schedule.trim();
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
    let descriptor = trimmed.starts_with('@');
    if descriptor {
        const DESCRIPTORS: [&str; 8] = [
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
            "@every",
        ];
        if !DESCRIPTORS
            .iter()
            .any(|d| trimmed == *d || (*d == "@every" && trimmed.starts_with("@every ")))
        {
            return ErrorList(vec![Error::invalid(
                path,
                schedule,
                format!("unrecognized descriptor: {trimmed}"),
            )]);
        }
        return ErrorList::new();
    }
    if fields.len() != 5 {
        return ErrorList(vec![Error::invalid(
            path,
            schedule,
            format!("expected exactly 5 fields, found {}: [{}]", fields.len(), fields.join(" ")),
        )]);
    }
    ErrorList::new()
}

/// `ValidateCronJobCreate`.
pub fn validate_cron_job(cj: &batch::CronJob) -> ErrorList {
    let meta_path = Path::new("metadata");
    let mut errs = validate_object_meta(&cj.metadata, true, v::name_is_dns_subdomain, &meta_path);
    let name = cj.metadata.name.clone().unwrap_or_default();
    if name.len() > 52 {
        errs.push(Error::invalid(
            &meta_path.child("name"),
            name,
            "must be no more than 52 characters",
        ));
    }
    let spec = super::or_default(&cj.spec);
    let p = Path::new("spec");
    if spec.schedule.is_empty() {
        errs.push(Error::required(&p.child("schedule"), ""));
    } else {
        errs.extend(validate_schedule(&spec.schedule, &p.child("schedule")));
        if spec.schedule.contains("TZ") {
            errs.push(Error::invalid(
                &p.child("schedule"),
                &spec.schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
    }
    if let Some(sd) = spec.starting_deadline_seconds {
        errs.extend(validate_nonnegative(sd, &p.child("startingDeadlineSeconds")));
    }
    match spec.concurrency_policy.as_deref().unwrap_or_default() {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(Error::required(&p.child("concurrencyPolicy"), "")),
        other => errs.push(Error::not_supported(
            &p.child("concurrencyPolicy"),
            other,
            &["Allow", "Forbid", "Replace"],
        )),
    }
    let jt = p.child("jobTemplate");
    let job_spec = super::or_default(&spec.job_template.spec);
    errs.extend(validate_job_spec_common(&job_spec, &jt.child("spec")));
    if let Some(sel) = &job_spec.selector {
        errs.push(Error::invalid(
            &jt.child("spec").child("selector"),
            BadValue::json(sel),
            "`selector` will be auto-generated",
        ));
    }
    if job_spec.manual_selector == Some(true) {
        errs.push(Error::not_supported(
            &jt.child("spec").child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    if let Some(limit) = spec.successful_jobs_history_limit {
        errs.extend(validate_nonnegative(i64::from(limit), &p.child("successfulJobsHistoryLimit")));
    }
    if let Some(limit) = spec.failed_jobs_history_limit {
        errs.extend(validate_nonnegative(i64::from(limit), &p.child("failedJobsHistoryLimit")));
    }
    errs
}

/// `ValidateCronJobUpdate`.
pub fn validate_cron_job_update(new: &batch::CronJob, old: &batch::CronJob) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_cron_job(new).into_iter().filter(|e| !e.field.starts_with("metadata")));
    errs
}
