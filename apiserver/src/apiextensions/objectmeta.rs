//! Object metadata in custom objects (upstream's `schema/objectmeta`): the root's and embedded
//! resources' `metadata` read as `ObjectMeta` (unknown fields dropped and reported), embedded
//! resources' type and object metadata validated, and the metadata rules custom resources
//! share with every object.

use apimachinery::errors::field::{Error, ErrorList, ErrorType, Path};
use apimachinery::validation as v;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value};

use super::{schema, validator};
use crate::api::validation::meta;

/// The fields of `ObjectMeta`.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Reads `metadata` of `obj` as `ObjectMeta`: drops the fields `ObjectMeta` does not have and
/// returns their paths (prefixed with `prefix`), or the decoding error when a known field has
/// the wrong type.
pub fn coerce_metadata(obj: &mut Map<String, Value>, prefix: &str) -> Result<Vec<String>, String> {
    let Some(metadata) = obj.get_mut("metadata") else { return Ok(Vec::new()) };
    if metadata.is_null() {
        return Ok(Vec::new());
    }
    let Some(m) = metadata.as_object_mut() else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type v1.ObjectMeta",
            json_kind(metadata)
        ));
    };
    let mut unknown = Vec::new();
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        if !OBJECT_META_FIELDS.contains(&k.as_str()) {
            unknown.push(format!("{prefix}.{k}"));
            m.shift_remove(&k);
        }
    }
    if let Err(e) = serde_json::from_value::<ObjectMeta>(Value::Object(m.clone())) {
        return Err(format!("json: {e}"));
    }
    unknown.sort();
    Ok(unknown)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "object",
    }
}

/// Upstream's `Coerce` for embedded resources below the root: their `apiVersion` and `kind`
/// must be strings and their `metadata` is read as `ObjectMeta`. Returns the paths of the
/// dropped metadata fields, or the first error.
pub fn coerce_embedded(
    path: &Path,
    x: &mut Value,
    s: Option<&Value>,
) -> Result<Vec<String>, Error> {
    let mut unknown = Vec::new();
    coerce_at(path, x, s, &mut unknown)?;
    unknown.sort();
    Ok(unknown)
}

fn coerce_at(
    path: &Path,
    x: &mut Value,
    s: Option<&Value>,
    unknown: &mut Vec<String>,
) -> Result<(), Error> {
    let Some(s) = s else { return Ok(()) };
    match x {
        Value::Object(m) => {
            if schema::embedded(s) {
                for k in ["apiVersion", "kind"] {
                    if let Some(v) = m.get(k)
                        && !v.is_string()
                    {
                        return Err(validator::error_with_value(
                            ErrorType::Invalid,
                            &path.child(k),
                            v,
                            "must be a string",
                        ));
                    }
                }
                let prefix = path.child("metadata").to_string();
                match coerce_metadata(m, &prefix) {
                    Ok(paths) => unknown.extend(paths),
                    Err(e) => {
                        let v = m.get("metadata").cloned().unwrap_or(Value::Null);
                        return Err(validator::error_with_value(
                            ErrorType::Invalid,
                            &path.child("metadata"),
                            &v,
                            &e,
                        ));
                    }
                }
            }
            for (k, v) in m.iter_mut() {
                if let Some(p) = schema::property(s, k) {
                    coerce_at(&path.child(k), v, Some(p), unknown)?;
                } else if let Some(a) = schema::additional(s) {
                    coerce_at(&path.key(k), v, a.schema(), unknown)?;
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                coerce_at(&path.index(i), v, schema::items(s), unknown)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Validates `metadata` as generic object metadata (apimachinery's `ValidateObjectMeta`;
/// core's stricter finalizer-name rule is a warning for custom resources, not an error).
pub fn validate_object_meta(
    meta_value: Option<&Value>,
    requires_namespace: bool,
    name_fn: v::ValidateNameFn,
    path: &Path,
) -> ErrorList {
    let m: ObjectMeta =
        meta_value.and_then(|m| serde_json::from_value(m.clone()).ok()).unwrap_or_default();
    without_kube_finalizer_rule(meta::validate_object_meta(&m, requires_namespace, name_fn, path))
}

/// Validates a metadata update as apimachinery's `ValidateObjectMetaUpdate` does.
pub fn validate_object_meta_update(
    new: Option<&Value>,
    old: Option<&Value>,
    path: &Path,
) -> ErrorList {
    let read = |m: Option<&Value>| -> ObjectMeta {
        m.and_then(|m| serde_json::from_value(m.clone()).ok()).unwrap_or_default()
    };
    without_kube_finalizer_rule(meta::validate_object_meta_update(&read(new), &read(old), path))
}

fn without_kube_finalizer_rule(errs: ErrorList) -> ErrorList {
    errs.into_iter()
        .filter(|e| {
            e.detail != "name is neither a standard finalizer name nor is it fully qualified"
        })
        .collect()
}

/// Upstream's `objectmeta.Validate`: the type and object metadata of embedded resources (and
/// of the root when `is_resource_root`).
pub fn validate(path: &Path, x: &Value, s: Option<&Value>, is_resource_root: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    walk(path, x, s, is_resource_root, &mut errs);
    errs
}

fn walk(path: &Path, x: &Value, s: Option<&Value>, resource: bool, errs: &mut ErrorList) {
    let Some(s) = s else {
        if resource && let Value::Object(m) = x {
            embedded_resource(path, m, errs);
        }
        return;
    };
    match x {
        Value::Object(m) => {
            if resource || schema::embedded(s) {
                embedded_resource(path, m, errs);
            }
            for (k, v) in m {
                if let Some(p) = schema::property(s, k) {
                    walk(&path.child(k), v, Some(p), false, errs);
                } else if let Some(a) = schema::additional(s) {
                    walk(&path.key(k), v, a.schema(), false, errs);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(&path.index(i), v, schema::items(s), false, errs);
            }
        }
        _ => {}
    }
}

fn embedded_resource(path: &Path, m: &Map<String, Value>, errs: &mut ErrorList) {
    if !m.contains_key("apiVersion") {
        errs.push(Error::required(&path.child("apiVersion"), ""));
    }
    if !m.contains_key("kind") {
        errs.push(Error::required(&path.child("kind"), ""));
    }
    if let Some(av) = m.get("apiVersion") {
        let p = path.child("apiVersion");
        match av.as_str() {
            None => errs.push(validator::error_with_value(
                ErrorType::Invalid,
                &p,
                av,
                "must be a string",
            )),
            Some("") => errs.push(Error::invalid(&p, "", "must not be empty")),
            Some(s) => {
                if let Err(e) = apimachinery::schema::GroupVersion::parse(s) {
                    errs.push(Error::invalid(&p, s, e.to_string()));
                }
            }
        }
    }
    if let Some(kind) = m.get("kind") {
        let p = path.child("kind");
        match kind.as_str() {
            None => errs.push(validator::error_with_value(
                ErrorType::Invalid,
                &p,
                kind,
                "must be a string",
            )),
            Some("") => errs.push(Error::invalid(&p, "", "must not be empty")),
            Some(k) => {
                let problems = v::is_dns1035_label(&k.to_lowercase());
                if !problems.is_empty() {
                    errs.push(Error::invalid(
                        &p,
                        k,
                        format!(
                            "may have mixed case, but should otherwise match: {}",
                            problems.join(",")
                        ),
                    ));
                }
            }
        }
    }
    if let Some(md) = m.get("metadata") {
        let p = path.child("metadata");
        match serde_json::from_value::<ObjectMeta>(md.clone()) {
            Err(e) => errs.push(validator::error_with_value(
                ErrorType::Invalid,
                &p,
                md,
                &format!("json: {e}"),
            )),
            Ok(mut om) => {
                if om.name.as_deref().unwrap_or_default().is_empty() {
                    om.name = Some("fakename".into());
                }
                let requires_namespace = om.namespace.as_deref().is_some_and(|n| !n.is_empty());
                errs.extend(without_kube_finalizer_rule(meta::validate_object_meta(
                    &om,
                    requires_namespace,
                    v::validate_path_segment_name,
                    &p,
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn embedded_resources_are_checked() {
        let s = json!({"type": "object", "properties": {"template": {
            "type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true,
        }}});
        let msgs = |x: Value| -> Vec<String> {
            validate(&Path::new("spec"), &x, Some(&s), false)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            msgs(json!({"template": {"metadata": {"name": "a"}}})),
            ["spec.template.apiVersion: Required value", "spec.template.kind: Required value"]
        );
        assert_eq!(
            msgs(json!({"template": {"apiVersion": "a/b/c", "kind": "Bad_Kind"}})),
            [
                r#"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
                r#"spec.template.kind: Invalid value: "Bad_Kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
            ]
        );
        assert!(
            msgs(
                json!({"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}})
            )
            .is_empty()
        );
    }

    #[test]
    fn metadata_unknown_fields_are_dropped() {
        let mut obj = json!({"metadata": {"name": "a", "bogus": 1, "labels": {"a": "b"}}});
        let m = obj.as_object_mut().unwrap();
        assert_eq!(coerce_metadata(m, "metadata").unwrap(), ["metadata.bogus"]);
        assert_eq!(obj, json!({"metadata": {"name": "a", "labels": {"a": "b"}}}));
        let mut bad = json!({"metadata": {"labels": {"a": 1}}});
        assert!(coerce_metadata(bad.as_object_mut().unwrap(), "metadata").is_err());
    }
}
