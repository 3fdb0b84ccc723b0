//! Validation of the smaller groups' kinds: RBAC roles and bindings, leases, pod disruption
//! budgets, priority classes, storage classes, horizontal pod autoscalers, API services and
//! runtime classes.

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::node::v1 as node;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{
    IS_NEGATIVE_ERROR_MSG, invalid_each, validate_generic_object_meta,
    validate_generic_object_meta_update, validate_immutable, validate_label_selector,
    validate_labels, validate_object_meta, validate_object_meta_update, validate_qualified_name,
};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn validate_policy_rule(rule: &rbac::PolicyRule, namespaced: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if rule.verbs.is_empty() {
        errs.push(Error::required(&path.child("verbs"), "verbs must contain at least one value"));
    }
    let urls = rule.non_resource_urls.clone().unwrap_or_default();
    if !urls.is_empty() {
        if namespaced {
            errs.push(Error::invalid(
                &path.child("nonResourceURLs"),
                BadValue::json(&urls),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        let has_resources = rule.api_groups.as_ref().is_some_and(|g| !g.is_empty())
            || rule.resources.as_ref().is_some_and(|r| !r.is_empty())
            || rule.resource_names.as_ref().is_some_and(|r| !r.is_empty());
        if has_resources {
            errs.push(Error::invalid(
                &path.child("nonResourceURLs"),
                BadValue::json(&urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if rule.api_groups.as_ref().is_none_or(Vec::is_empty) {
        errs.push(Error::required(
            &path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if rule.resources.as_ref().is_none_or(Vec::is_empty) {
        errs.push(Error::required(
            &path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

/// `ValidateRole` / `ValidateClusterRole`.
pub fn validate_role(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    rules: &[rbac::PolicyRule],
    namespaced: bool,
) -> ErrorList {
    let mut errs = validate_object_meta(
        meta,
        namespaced,
        v::validate_path_segment_name,
        &Path::new("metadata"),
    );
    for (i, rule) in rules.iter().enumerate() {
        errs.extend(validate_policy_rule(rule, namespaced, &Path::new("rules").index(i)));
    }
    errs
}

fn validate_subject(s: &rbac::Subject, namespaced: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if s.name.is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    }
    let api_group = s.api_group.as_deref().unwrap_or_default();
    match s.kind.as_str() {
        "ServiceAccount" => {
            if !s.name.is_empty() {
                errs.extend(invalid_each(
                    &path.child("name"),
                    &s.name,
                    v::validate_service_account_name(&s.name, false),
                ));
            }
            if !api_group.is_empty() {
                errs.push(Error::not_supported(&path.child("apiGroup"), api_group, &[""]));
            }
            if !namespaced && s.namespace.as_deref().unwrap_or_default().is_empty() {
                errs.push(Error::required(&path.child("namespace"), ""));
            }
        }
        "User" | "Group" => {
            if api_group != RBAC_GROUP {
                errs.push(Error::not_supported(&path.child("apiGroup"), api_group, &[RBAC_GROUP]));
            }
        }
        other => errs.push(Error::not_supported(
            &path.child("kind"),
            other,
            &["ServiceAccount", "User", "Group"],
        )),
    }
    errs
}

/// `ValidateRoleBinding` / `ValidateClusterRoleBinding`.
pub fn validate_binding(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    role_ref: &rbac::RoleRef,
    subjects: &[rbac::Subject],
    namespaced: bool,
) -> ErrorList {
    let mut errs = validate_object_meta(
        meta,
        namespaced,
        v::validate_path_segment_name,
        &Path::new("metadata"),
    );
    let rp = Path::new("roleRef");
    if role_ref.api_group != RBAC_GROUP {
        errs.push(Error::not_supported(&rp.child("apiGroup"), &role_ref.api_group, &[RBAC_GROUP]));
    }
    let kinds: &[&str] = if namespaced { &["Role", "ClusterRole"] } else { &["ClusterRole"] };
    if !kinds.contains(&role_ref.kind.as_str()) {
        errs.push(Error::not_supported(&rp.child("kind"), &role_ref.kind, kinds));
    }
    if role_ref.name.is_empty() {
        errs.push(Error::required(&rp.child("name"), ""));
    } else {
        errs.extend(invalid_each(
            &rp.child("name"),
            &role_ref.name,
            v::validate_path_segment_name(&role_ref.name, false),
        ));
    }
    for (i, s) in subjects.iter().enumerate() {
        errs.extend(validate_subject(s, namespaced, &Path::new("subjects").index(i)));
    }
    errs
}

/// The `roleRef` of a binding may not change.
pub fn validate_role_ref_update(new: &rbac::RoleRef, old: &rbac::RoleRef) -> ErrorList {
    if new == old {
        ErrorList::new()
    } else {
        ErrorList(vec![Error::invalid(
            &Path::new("roleRef"),
            BadValue::json(new),
            "cannot change roleRef",
        )])
    }
}

/// `ValidateLease`.
pub fn validate_lease(lease: &coordination::Lease) -> ErrorList {
    let mut errs = validate_object_meta(
        &lease.metadata,
        true,
        v::name_is_dns_subdomain,
        &Path::new("metadata"),
    );
    let spec = super::or_default(&lease.spec);
    let p = Path::new("spec");
    if let Some(d) = spec.lease_duration_seconds
        && d <= 0
    {
        errs.push(Error::invalid(&p.child("leaseDurationSeconds"), d, "must be greater than 0"));
    }
    if let Some(t) = spec.lease_transitions
        && t < 0
    {
        errs.push(Error::invalid(&p.child("leaseTransitions"), t, IS_NEGATIVE_ERROR_MSG));
    }
    if let Some(s) = &spec.strategy {
        errs.extend(validate_qualified_name(s, &p.child("strategy")));
    }
    let holder = spec.preferred_holder.as_deref().unwrap_or_default();
    if !holder.is_empty() && spec.strategy.as_deref().unwrap_or_default().is_empty() {
        errs.push(Error::forbidden(
            &p.child("preferredHolder"),
            "may only be specified if `strategy` is defined",
        ));
    }
    errs
}

fn shown(value: &IntOrString) -> String {
    match value {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn validate_int_or_percent(value: &IntOrString, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    match value {
        IntOrString::String(s) => {
            for m in v::is_valid_percent(s) {
                errs.push(Error::new(
                    ErrorType::Invalid,
                    path,
                    BadValue::Omitted,
                    format!("{s}: {m}"),
                ));
            }
            let pct = s.strip_suffix('%').and_then(|d| d.parse::<i64>().ok());
            if pct.is_some_and(|p| p > 100) {
                errs.push(Error::new(
                    ErrorType::Invalid,
                    path,
                    BadValue::Omitted,
                    format!("{}: must not be greater than 100%", shown(value)),
                ));
            }
        }
        IntOrString::Int(i) if *i < 0 => {
            errs.push(Error::invalid(path, i64::from(*i), IS_NEGATIVE_ERROR_MSG));
        }
        IntOrString::Int(_) => {}
    }
    errs
}

/// `ValidatePodDisruptionBudget` with its metadata.
pub fn validate_pdb(pdb: &policy::PodDisruptionBudget) -> ErrorList {
    let mut errs =
        validate_object_meta(&pdb.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&pdb.spec);
    let p = Path::new("spec");
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        errs.push(Error::invalid(
            &p,
            BadValue::json(&spec),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    if let Some(m) = &spec.min_available {
        errs.extend(validate_int_or_percent(m, &p.child("minAvailable")));
    }
    if let Some(m) = &spec.max_unavailable {
        errs.extend(validate_int_or_percent(m, &p.child("maxUnavailable")));
    }
    errs.extend(validate_label_selector(
        spec.selector.as_ref(),
        LabelSelectorValidationOptions::default(),
        &p.child("selector"),
    ));
    if let Some(policy) = &spec.unhealthy_pod_eviction_policy
        && policy != "IfHealthyBudget"
        && policy != "AlwaysAllow"
    {
        errs.push(Error::not_supported(
            &p.child("unhealthyPodEvictionPolicy"),
            policy,
            &["AlwaysAllow", "IfHealthyBudget"],
        ));
    }
    errs
}

const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;

/// `ValidatePriorityClass`.
pub fn validate_priority_class(pc: &scheduling::PriorityClass) -> ErrorList {
    let meta_path = Path::new("metadata");
    let mut errs = validate_object_meta(&pc.metadata, false, v::name_is_dns_subdomain, &meta_path);
    let name = pc.metadata.name.clone().unwrap_or_default();
    if name.starts_with("system-") {
        let known = match name.as_str() {
            "system-node-critical" => Some(2_000_001_000),
            "system-cluster-critical" => Some(2_000_000_000),
            _ => None,
        };
        let err = match known {
            None => Some(format!("{name} is not a known system priority class")),
            Some(value) if value != pc.value => {
                Some(format!("value of {name} PriorityClass must be {value}"))
            }
            Some(_) if pc.global_default == Some(true) => {
                Some(format!("globalDefault of {name} PriorityClass must be false"))
            }
            Some(_) => None,
        };
        if let Some(err) = err {
            errs.push(Error::forbidden(
                &meta_path.child("name"),
                format!(
                    "priority class names with 'system-' prefix are reserved for system use only. error: {err}"
                ),
            ));
        }
    } else if pc.value > HIGHEST_USER_DEFINABLE_PRIORITY {
        errs.push(Error::forbidden(
            &Path::new("value"),
            format!("maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"),
        ));
    }
    if let Some(policy) = &pc.preemption_policy {
        match policy.as_str() {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(Error::required(&Path::new("preemptionPolicy"), "")),
            other => errs.push(Error::not_supported(
                &Path::new("preemptionPolicy"),
                other,
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    errs
}

/// `ValidatePriorityClassUpdate`.
pub fn validate_priority_class_update(
    new: &scheduling::PriorityClass,
    old: &scheduling::PriorityClass,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    if new.value != old.value {
        errs.push(Error::forbidden(&Path::new("value"), "may not be changed in an update."));
    }
    errs.extend(validate_immutable(
        &new.preemption_policy,
        &old.preemption_policy,
        BadValue::from(new.preemption_policy.clone()),
        &Path::new("preemptionPolicy"),
    ));
    errs
}

/// `ValidateStorageClass`.
pub fn validate_storage_class(sc: &storage::StorageClass) -> ErrorList {
    let mut errs =
        validate_object_meta(&sc.metadata, false, v::name_is_dns_subdomain, &Path::new("metadata"));
    let pp = Path::new("provisioner");
    if sc.provisioner.is_empty() {
        errs.push(Error::required(&pp, ""));
    } else {
        errs.extend(validate_qualified_name(&sc.provisioner.to_lowercase(), &pp));
    }
    let params = sc.parameters.clone().unwrap_or_default();
    let mut total = 0;
    for (k, val) in &params {
        if k.is_empty() {
            errs.push(Error::invalid(&Path::new("parameters"), k, "field can not be empty."));
        }
        total += k.len() + val.len();
    }
    if total > 256 * 1024 {
        errs.push(Error::too_long(&Path::new("parameters"), 256 * 1024));
    }
    if let Some(rp) = sc.reclaim_policy.as_deref()
        && !rp.is_empty()
        && rp != "Delete"
        && rp != "Retain"
    {
        errs.push(Error::not_supported(&Path::new("reclaimPolicy"), rp, &["Delete", "Retain"]));
    }
    match sc.volume_binding_mode.as_deref() {
        None => errs.push(Error::required(&Path::new("volumeBindingMode"), "")),
        Some("Immediate" | "WaitForFirstConsumer") => {}
        Some(other) => errs.push(Error::not_supported(
            &Path::new("volumeBindingMode"),
            other,
            &["Immediate", "WaitForFirstConsumer"],
        )),
    }
    errs
}

/// `ValidateStorageClassUpdate`.
pub fn validate_storage_class_update(
    new: &storage::StorageClass,
    old: &storage::StorageClass,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    if new.parameters.clone().unwrap_or_default() != old.parameters.clone().unwrap_or_default() {
        errs.push(Error::forbidden(
            &Path::new("parameters"),
            "updates to parameters are forbidden.",
        ));
    }
    if new.provisioner != old.provisioner {
        errs.push(Error::forbidden(
            &Path::new("provisioner"),
            "updates to provisioner are forbidden.",
        ));
    }
    if new.reclaim_policy != old.reclaim_policy {
        errs.push(Error::forbidden(
            &Path::new("reclaimPolicy"),
            "updates to reclaimPolicy are forbidden.",
        ));
    }
    errs.extend(validate_immutable(
        &new.volume_binding_mode,
        &old.volume_binding_mode,
        BadValue::from(new.volume_binding_mode.clone()),
        &Path::new("volumeBindingMode"),
    ));
    errs
}

/// `ValidateHorizontalPodAutoscaler` (replica bounds and the scale target).
pub fn validate_hpa(hpa: &autoscaling::HorizontalPodAutoscaler) -> ErrorList {
    let mut errs =
        validate_object_meta(&hpa.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&hpa.spec);
    let p = Path::new("spec");
    if let Some(min) = spec.min_replicas
        && min < 1
    {
        errs.push(Error::invalid(
            &p.child("minReplicas"),
            min,
            "must be greater than or equal to 1",
        ));
    }
    if spec.max_replicas < 1 {
        errs.push(Error::invalid(
            &p.child("maxReplicas"),
            spec.max_replicas,
            "must be greater than 0",
        ));
    }
    if let Some(min) = spec.min_replicas
        && spec.max_replicas < min
    {
        errs.push(Error::invalid(
            &p.child("maxReplicas"),
            spec.max_replicas,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let r = p.child("scaleTargetRef");
    for (name, value) in
        [("kind", &spec.scale_target_ref.kind), ("name", &spec.scale_target_ref.name)]
    {
        if value.is_empty() {
            errs.push(Error::required(&r.child(name), ""));
        } else {
            errs.extend(invalid_each(&r.child(name), value, v::is_valid_path_segment_name(value)));
        }
    }
    errs
}

/// kube-aggregator's `ValidateAPIService`: named `<version>.<group>`, a DNS group (empty only
/// for `v1`, the legacy core group), a DNS-1035 version, priorities in range, and a service
/// reference (name, namespace, port) unless the group version is served locally, in which case
/// neither a CA bundle nor insecureSkipTLSVerify.
pub fn validate_api_service(
    api: &k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
) -> ErrorList {
    let spec = api.spec.clone().unwrap_or_default();
    let (group, version) = (spec.group.unwrap_or_default(), spec.version.unwrap_or_default());
    let meta_path = Path::new("metadata");
    let name_fn: v::ValidateNameFn = |name, _| v::is_valid_path_segment_name(name);
    let mut errs = super::meta::validate_object_meta(&api.metadata, false, name_fn, &meta_path);
    // Upstream's name function also requires `<version>.<group>`; its error stands where the
    // name's do (after those of generateName).
    let name = api.metadata.name.as_deref().unwrap_or_default();
    let required = format!("{version}.{group}");
    if !name.is_empty() && v::is_valid_path_segment_name(name).is_empty() && name != required {
        let at = errs.iter().position(|e| e.field != "metadata.generateName");
        let msg = format!("must be `spec.version+\".\"+spec.group`: {required:?}");
        errs.0
            .insert(at.unwrap_or(errs.len()), Error::invalid(&meta_path.child("name"), name, msg));
    }
    let spec_path = Path::new("spec");
    if group.is_empty() && version != "v1" {
        errs.push(Error::required(
            &spec_path.child("group"),
            "only v1 may have an empty group and it better be legacy kube",
        ));
    }
    if !group.is_empty() {
        for msg in v::is_dns1123_subdomain(&group) {
            errs.push(Error::invalid(&spec_path.child("group"), &group, msg));
        }
    }
    for msg in v::is_dns1035_label(&version) {
        errs.push(Error::invalid(&spec_path.child("version"), &version, msg));
    }
    if !(1..=20000).contains(&spec.group_priority_minimum) {
        errs.push(Error::invalid(
            &spec_path.child("groupPriorityMinimum"),
            spec.group_priority_minimum,
            "must be positive and less than 20000",
        ));
    }
    if !(1..=1000).contains(&spec.version_priority) {
        errs.push(Error::invalid(
            &spec_path.child("versionPriority"),
            spec.version_priority,
            "must be positive and less than 1000",
        ));
    }
    let ca_bundle = spec.ca_bundle.as_ref().map_or(0, |b| b.0.len());
    let insecure = spec.insecure_skip_tls_verify.unwrap_or_default();
    let Some(service) = &spec.service else {
        if ca_bundle != 0 {
            errs.push(Error::invalid(
                &spec_path.child("caBundle"),
                format!("{ca_bundle} bytes"),
                "local APIServices may not have a caBundle",
            ));
        }
        if insecure {
            errs.push(Error::invalid(
                &spec_path.child("insecureSkipTLSVerify"),
                insecure,
                "local APIServices may not have insecureSkipTLSVerify",
            ));
        }
        return errs;
    };
    let service_path = spec_path.child("service");
    if service.namespace.as_deref().unwrap_or_default().is_empty() {
        errs.push(Error::required(&service_path.child("namespace"), ""));
    }
    if service.name.as_deref().unwrap_or_default().is_empty() {
        errs.push(Error::required(&service_path.child("name"), ""));
    }
    let port = service.port.unwrap_or(443);
    let problems = v::is_valid_port_num(i64::from(port));
    if !problems.is_empty() {
        errs.push(Error::invalid(
            &service_path.child("port"),
            port,
            format!("port is not valid: {}", problems.join(", ")),
        ));
    }
    if insecure && ca_bundle > 0 {
        errs.push(Error::invalid(
            &spec_path.child("insecureSkipTLSVerify"),
            insecure,
            "may not be true if caBundle is present",
        ));
    }
    errs
}

/// `ValidateRuntimeClass`: a DNS-label handler, the overhead as container limits, and the
/// scheduling constraints (node selector labels, tolerations without repeats).
pub fn validate_runtime_class(rc: &node::RuntimeClass) -> ErrorList {
    let mut errs = validate_generic_object_meta(
        &rc.metadata,
        false,
        v::name_is_dns_subdomain,
        &Path::new("metadata"),
    );
    errs.extend(invalid_each(
        &Path::new("handler"),
        &rc.handler,
        v::name_is_dns_label(&rc.handler, false),
    ));
    if let Some(overhead) = &rc.overhead {
        let limits =
            core::ResourceRequirements { limits: overhead.pod_fixed.clone(), ..Default::default() };
        errs.extend(super::core_kinds::validate_resource_requirements(
            &limits,
            &Default::default(),
            &Path::new("overhead"),
        ));
    }
    if let Some(scheduling) = &rc.scheduling {
        let sp = Path::new("scheduling");
        errs.extend(validate_labels(scheduling.node_selector.as_ref(), &sp.child("nodeSelector")));
        let tolerations = scheduling.tolerations.as_deref().unwrap_or_default();
        let tp = sp.child("tolerations");
        errs.extend(super::core_kinds::validate_tolerations(tolerations, &tp));
        let mut seen = Vec::new();
        for (i, t) in tolerations.iter().enumerate() {
            let part = |o: &Option<String>| o.clone().unwrap_or_default();
            let key = (part(&t.key), part(&t.operator), part(&t.value), part(&t.effect));
            if seen.contains(&key) {
                // Upstream shows the internal struct, whose fields carry no JSON names.
                let shown = serde_json::json!({
                    "Key": t.key.as_deref().unwrap_or_default(),
                    "Operator": t.operator.as_deref().unwrap_or_default(),
                    "Value": t.value.as_deref().unwrap_or_default(),
                    "Effect": t.effect.as_deref().unwrap_or_default(),
                    "TolerationSeconds": t.toleration_seconds,
                });
                errs.push(Error::duplicate(&tp.index(i), BadValue::Json(shown)));
            } else {
                seen.push(key);
            }
        }
    }
    errs
}

/// `ValidateRuntimeClassUpdate`: the metadata update rules and an unchanged handler.
pub fn validate_runtime_class_update(
    new: &node::RuntimeClass,
    old: &node::RuntimeClass,
) -> ErrorList {
    let mut errs =
        validate_generic_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_immutable(
        &new.handler,
        &old.handler,
        new.handler.as_str(),
        &Path::new("handler"),
    ));
    errs
}
