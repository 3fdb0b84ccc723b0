//! Object metadata validation on create and update (k8s.io/apimachinery
//! `pkg/api/validation/objectmeta.go` and the finalizer checks of core's `ValidateObjectMeta`),
//! plus the small field helpers every kind's validation shares.

use std::collections::BTreeMap;

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::validation::{
    self as v, Issue, IssueKind, LabelSelectorValidationOptions, ValidateNameFn,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};

/// `must be greater than or equal to 0`.
pub const IS_NEGATIVE_ERROR_MSG: &str = "must be greater than or equal to 0";
/// `must be greater than zero`.
pub const IS_NOT_POSITIVE_ERROR_MSG: &str = "must be greater than zero";
/// `field is immutable`.
pub const FIELD_IMMUTABLE_ERROR_MSG: &str = "field is immutable";

/// Turns the issues of a multi-field check into field errors under `path`.
pub fn issues_to_errors(issues: Vec<Issue>, path: &Path) -> ErrorList {
    issues
        .into_iter()
        .map(|i| {
            let p = if i.path.is_empty() { path.clone() } else { extend_path(path, &i.path) };
            match i.kind {
                IssueKind::Invalid => Error::invalid(&p, i.value.unwrap_or_default(), i.detail),
                IssueKind::Required => Error::required(&p, i.detail),
                IssueKind::Forbidden => Error::forbidden(&p, i.detail),
                IssueKind::TooLong => Error::new(
                    apimachinery::errors::field::ErrorType::TooLong,
                    &p,
                    BadValue::Omitted,
                    i.detail,
                ),
            }
        })
        .collect()
}

/// Appends a relative path in field-path syntax (`matchExpressions[0].key`) to `base`.
fn extend_path(base: &Path, rel: &str) -> Path {
    let mut out = base.clone();
    for part in rel.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out = out.child(name);
        }
        for key in rest.split('[').filter(|s| !s.is_empty()) {
            let key = key.trim_end_matches(']');
            out = match key.parse::<usize>() {
                Ok(i) => out.index(i),
                Err(_) => out.key(key),
            };
        }
    }
    out
}

/// One `Invalid` error per message of a string check.
pub fn invalid_each(path: &Path, value: &str, msgs: Vec<String>) -> ErrorList {
    msgs.into_iter().map(|m| Error::invalid(path, value, m)).collect()
}

/// `ValidateNonnegativeField`.
pub fn validate_nonnegative(value: i64, path: &Path) -> ErrorList {
    if value < 0 {
        ErrorList(vec![Error::invalid(path, value, IS_NEGATIVE_ERROR_MSG)])
    } else {
        ErrorList::new()
    }
}

/// `ValidateImmutableField` over any comparable value, reported with the new value.
pub fn validate_immutable<T: PartialEq>(
    new: &T,
    old: &T,
    new_value: impl Into<BadValue>,
    path: &Path,
) -> ErrorList {
    if new == old {
        ErrorList::new()
    } else {
        ErrorList(vec![Error::invalid(path, new_value, FIELD_IMMUTABLE_ERROR_MSG)])
    }
}

/// `ValidateDNS1123Label`.
pub fn validate_dns1123_label(value: &str, path: &Path) -> ErrorList {
    invalid_each(path, value, v::is_dns1123_label(value))
}

/// `ValidateDNS1123Subdomain`.
pub fn validate_dns1123_subdomain(value: &str, path: &Path) -> ErrorList {
    invalid_each(path, value, v::is_dns1123_subdomain(value))
}

/// `ValidateQualifiedName`.
pub fn validate_qualified_name(value: &str, path: &Path) -> ErrorList {
    invalid_each(path, value, v::is_qualified_name(value))
}

/// `ValidateLabels` (meta/v1 validation).
pub fn validate_labels(labels: Option<&BTreeMap<String, String>>, path: &Path) -> ErrorList {
    labels.map(|l| issues_to_errors(v::validate_labels(l), path)).unwrap_or_default()
}

/// `ValidateAnnotations`.
pub fn validate_annotations(
    annotations: Option<&BTreeMap<String, String>>,
    path: &Path,
) -> ErrorList {
    annotations.map(|a| issues_to_errors(v::validate_annotations(a), path)).unwrap_or_default()
}

/// `ValidateLabelSelector` (meta/v1 validation).
pub fn validate_label_selector(
    selector: Option<&LabelSelector>,
    opts: LabelSelectorValidationOptions,
    path: &Path,
) -> ErrorList {
    issues_to_errors(v::validate_label_selector(selector, opts), path)
}

/// How a Go server prints a `metav1.Time` in an error (`time.Time.String()`).
pub fn go_time_string(t: &Time) -> String {
    // RFC 3339 in UTC, as the wire format carries it: 2006-01-02T15:04:05Z.
    let s = serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string));
    let s = s.unwrap_or_default();
    match s.strip_suffix('Z').and_then(|x| x.split_once('T')) {
        Some((date, time)) => format!("{date} {time} +0000 UTC"),
        None => s,
    }
}

fn parse_group_version(api_version: &str) -> Option<(&str, &str)> {
    match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [] | [""] => Some(("", "")),
        [v] => Some(("", v)),
        [g, v] => Some((g, v)),
        _ => None,
    }
}

/// `ValidateOwnerReferences`.
pub fn validate_owner_references(
    refs: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference],
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut first_controller = String::new();
    for r in refs {
        let (group, version) = parse_group_version(&r.api_version).unwrap_or(("", ""));
        if version.is_empty() {
            errs.push(Error::invalid(
                &path.child("apiVersion"),
                &r.api_version,
                "version must not be empty",
            ));
        }
        if r.kind.is_empty() {
            errs.push(Error::invalid(&path.child("kind"), &r.kind, "must not be empty"));
        }
        if r.name.is_empty() {
            errs.push(Error::invalid(&path.child("name"), &r.name, "must not be empty"));
        }
        if r.uid.is_empty() {
            errs.push(Error::invalid(&path.child("uid"), &r.uid, "must not be empty"));
        }
        if group.is_empty() && version == "v1" && r.kind == "Event" {
            errs.push(Error::invalid(
                path,
                BadValue::json(r),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if r.controller == Some(true) {
            let current = format!("{}/{}", r.kind, r.name);
            if first_controller.is_empty() {
                first_controller = current;
            } else {
                errs.push(Error::invalid(
                    path,
                    BadValue::json(refs),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first_controller} and {current}"
                    ),
                ));
            }
        }
    }
    errs
}

/// `ValidateFinalizers` plus core's check that unqualified names are standard ones.
pub fn validate_finalizers(finalizers: &[String], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for f in finalizers {
        errs.extend(validate_qualified_name(f, path));
    }
    if finalizers.iter().any(|f| f == "orphan")
        && finalizers.iter().any(|f| f == "foregroundDeletion")
    {
        errs.push(Error::invalid(
            path,
            BadValue::json(finalizers),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errs
}

/// Core's `validateKubeFinalizerName`: a name without a `/` must be a standard finalizer.
pub fn validate_kube_finalizer_name(name: &str, path: &Path) -> ErrorList {
    let standard = ["kubernetes", "orphan", "foregroundDeletion"];
    if !name.contains('/') && !standard.contains(&name) {
        return ErrorList(vec![Error::invalid(
            path,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
        )]);
    }
    ErrorList::new()
}

fn validate_managed_fields(meta: &ObjectMeta, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, f) in meta.managed_fields.iter().flatten().enumerate() {
        let p = path.index(i);
        let op = f.operation.as_deref().unwrap_or_default();
        if op != "Apply" && op != "Update" {
            errs.push(Error::invalid(&p.child("operation"), op, "must be `Apply` or `Update`"));
        }
        let fields_type = f.fields_type.as_deref().unwrap_or_default();
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(Error::invalid(&p.child("fieldsType"), fields_type, "must be `FieldsV1`"));
        }
        let manager = f.manager.as_deref().unwrap_or_default();
        if manager.len() > 128 {
            errs.push(Error::too_long(&p.child("manager"), 128));
        }
        if manager.chars().any(|c| c.is_control() || (c != ' ' && c.is_whitespace())) {
            errs.push(Error::invalid(
                &p.child("manager"),
                manager,
                "must only contain printable characters",
            ));
        }
        if f.subresource.as_deref().unwrap_or_default().len() > 256 {
            errs.push(Error::too_long(&p.child("subresource"), 256));
        }
    }
    errs
}

/// Parts of metadata validation shared by create and update.
fn validate_meta_common(meta: &ObjectMeta, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    errs.extend(validate_labels(meta.labels.as_ref(), &path.child("labels")));
    errs.extend(validate_annotations(meta.annotations.as_ref(), &path.child("annotations")));
    errs.extend(validate_owner_references(
        meta.owner_references.as_deref().unwrap_or_default(),
        &path.child("ownerReferences"),
    ));
    errs
}

/// `ValidateObjectMeta` as core calls it: generateName and name through `name_fn`, the
/// namespace required or forbidden, generation, labels, annotations, owner references,
/// finalizers (unqualified ones must be standard) and managed fields.
pub fn validate_object_meta(
    meta: &ObjectMeta,
    requires_namespace: bool,
    name_fn: ValidateNameFn,
    path: &Path,
) -> ErrorList {
    let mut errs = validate_generic_object_meta(meta, requires_namespace, name_fn, path);
    for (i, f) in meta.finalizers.iter().flatten().enumerate() {
        errs.extend(validate_kube_finalizer_name(f, &path.child("finalizers").index(i)));
    }
    errs
}

/// apimachinery's own `ValidateObjectMeta` (the kinds outside core's validation package call
/// it): [`validate_object_meta`] without the check that unqualified finalizers are standard.
pub fn validate_generic_object_meta(
    meta: &ObjectMeta,
    requires_namespace: bool,
    name_fn: ValidateNameFn,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let generate_name = meta.generate_name.as_deref().unwrap_or_default();
    if !generate_name.is_empty() {
        errs.extend(invalid_each(
            &path.child("generateName"),
            generate_name,
            name_fn(generate_name, true),
        ));
    }
    let name = meta.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        errs.push(Error::required(&path.child("name"), "name or generateName is required"));
    } else {
        errs.extend(invalid_each(&path.child("name"), name, name_fn(name, false)));
    }
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    if requires_namespace {
        if namespace.is_empty() {
            errs.push(Error::required(&path.child("namespace"), ""));
        } else {
            errs.extend(invalid_each(
                &path.child("namespace"),
                namespace,
                v::validate_namespace_name(namespace, false),
            ));
        }
    } else if !namespace.is_empty() {
        errs.push(Error::forbidden(&path.child("namespace"), "not allowed on this type"));
    }
    errs.extend(validate_nonnegative(
        meta.generation.unwrap_or_default(),
        &path.child("generation"),
    ));
    errs.extend(validate_meta_common(meta, path));
    let finalizers = meta.finalizers.as_deref().unwrap_or_default();
    errs.extend(validate_finalizers(finalizers, &path.child("finalizers")));
    errs.extend(validate_managed_fields(meta, &path.child("managedFields")));
    errs
}

/// `ValidateObjectMetaUpdate` as core calls it: apimachinery's, then the check that
/// unqualified finalizers are standard.
pub fn validate_object_meta_update(new: &ObjectMeta, old: &ObjectMeta, path: &Path) -> ErrorList {
    let mut errs = validate_generic_object_meta_update(new, old, path);
    for (i, f) in new.finalizers.iter().flatten().enumerate() {
        errs.extend(validate_kube_finalizer_name(f, &path.child("finalizers").index(i)));
    }
    errs
}

/// apimachinery's own `ValidateObjectMetaUpdate`: immutable identity, resourceVersion,
/// generation, finalizers of an object being deleted, labels, annotations, owner references
/// and managed fields.
pub fn validate_generic_object_meta_update(
    new: &ObjectMeta,
    old: &ObjectMeta,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let new_finalizers = new.finalizers.as_deref().unwrap_or_default();
    if old.deletion_timestamp.is_some() {
        let old_finalizers = old.finalizers.as_deref().unwrap_or_default();
        let mut extra: Vec<&String> =
            new_finalizers.iter().filter(|f| !old_finalizers.contains(f)).collect();
        extra.sort();
        extra.dedup();
        if !extra.is_empty() {
            let quoted: Vec<String> = extra.iter().map(|f| apimachinery::gofmt::quote(f)).collect();
            errs.push(Error::forbidden(
                &path.child("finalizers"),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    quoted.join(", ")
                ),
            ));
        }
    }
    let rv = new.resource_version.as_deref().unwrap_or_default();
    if rv.is_empty() {
        errs.push(Error::invalid(
            &path.child("resourceVersion"),
            rv,
            "must be specified for an update",
        ));
    }
    let (new_gen, old_gen) =
        (new.generation.unwrap_or_default(), old.generation.unwrap_or_default());
    if new_gen < old_gen {
        errs.push(Error::invalid(&path.child("generation"), new_gen, "must not be decremented"));
    }
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    errs.extend(validate_immutable(&new.name, &old.name, s(&new.name), &path.child("name")));
    errs.extend(validate_immutable(
        &new.namespace,
        &old.namespace,
        s(&new.namespace),
        &path.child("namespace"),
    ));
    errs.extend(validate_immutable(&new.uid, &old.uid, s(&new.uid), &path.child("uid")));
    let time_value = |t: &Option<Time>| match t {
        Some(t) => BadValue::String(go_time_string(t)),
        None => BadValue::String("0001-01-01 00:00:00 +0000 UTC".to_string()),
    };
    errs.extend(validate_immutable(
        &new.creation_timestamp,
        &old.creation_timestamp,
        time_value(&new.creation_timestamp),
        &path.child("creationTimestamp"),
    ));
    let deletion_value = match &new.deletion_timestamp {
        Some(t) => BadValue::String(go_time_string(t)),
        None => BadValue::Null,
    };
    errs.extend(validate_immutable(
        &new.deletion_timestamp,
        &old.deletion_timestamp,
        deletion_value,
        &path.child("deletionTimestamp"),
    ));
    errs.extend(validate_immutable(
        &new.deletion_grace_period_seconds,
        &old.deletion_grace_period_seconds,
        new.deletion_grace_period_seconds,
        &path.child("deletionGracePeriodSeconds"),
    ));
    errs.extend(validate_meta_common(new, path));
    errs.extend(validate_managed_fields(new, &path.child("managedFields")));
    errs
}

const CONDITION_REASON_FMT: &str = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?";
const CONDITION_REASON_ERR_MSG: &str = "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";

/// metav1's `ValidateConditions`: each condition's type (a qualified name, not repeated),
/// status, observed generation, transition time, reason and message.
pub fn validate_conditions(
    conditions: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition],
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in conditions.iter().enumerate() {
        let cp = path.index(i);
        if !seen.insert(c.type_.as_str()) {
            errs.push(Error::duplicate(&cp.child("type"), c.type_.as_str()));
        }
        errs.extend(validate_qualified_name(&c.type_, &cp.child("type")));
        if !["False", "True", "Unknown"].contains(&c.status.as_str()) {
            errs.push(Error::not_supported(
                &cp.child("status"),
                c.status.as_str(),
                &["False", "True", "Unknown"],
            ));
        }
        if let Some(g) = c.observed_generation
            && g < 0
        {
            errs.push(Error::invalid(
                &cp.child("observedGeneration"),
                g,
                "must be greater than or equal to zero",
            ));
        }
        // The wire type cannot hold Go's zero time; a missing one reads as the Unix epoch.
        let epoch = c.last_transition_time.0.as_second() == 0;
        if epoch {
            errs.push(Error::required(&cp.child("lastTransitionTime"), ""));
        }
        let rp = cp.child("reason");
        if c.reason.is_empty() {
            errs.push(Error::required(&rp, ""));
        } else {
            let b = c.reason.as_bytes();
            let ok = b[0].is_ascii_alphabetic()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b',' | b':'))
                && (b.len() == 1
                    || b[b.len() - 1].is_ascii_alphanumeric()
                    || b[b.len() - 1] == b'_');
            if !ok {
                errs.push(Error::invalid(
                    &rp,
                    c.reason.as_str(),
                    v::regex_error(
                        CONDITION_REASON_ERR_MSG,
                        CONDITION_REASON_FMT,
                        &["my_name", "MY_NAME", "MyName", "ReasonA,ReasonB", "ReasonA:ReasonB"],
                    ),
                ));
            }
            if c.reason.len() > 1024 {
                errs.push(Error::too_long(&rp, 1024));
            }
        }
        if c.message.len() > 32 * 1024 {
            errs.push(Error::too_long(&cp.child("message"), 32 * 1024));
        }
    }
    errs
}
