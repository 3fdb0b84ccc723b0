//! A definition's OpenAPI v3 schema read the way upstream reads its structural schema
//! (k8s.io/apiextensions-apiserver `pkg/apiserver/schema`): accessors over the schema's JSON,
//! and the check that a schema is structural (`ValidateStructural`), with upstream's messages.
//!
//! Schemas stay the JSON the definition carries (already checked against the
//! `JSONSchemaProps` type when the definition was decoded), so nothing is converted twice.

use apimachinery::errors::field::{Error, ErrorList, Path};
use serde_json::{Map, Value, json};

/// The `type` of a schema (empty when unset).
pub fn ty(s: &Value) -> &str {
    s.get("type").and_then(Value::as_str).unwrap_or("")
}

/// A string keyword (empty when unset).
pub fn text<'a>(s: &'a Value, key: &str) -> &'a str {
    s.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A boolean keyword (`false` when unset).
pub fn flag(s: &Value, key: &str) -> bool {
    s.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `properties`.
pub fn properties(s: &Value) -> Option<&Map<String, Value>> {
    s.get("properties").and_then(Value::as_object)
}

/// One of `properties`.
pub fn property<'a>(s: &'a Value, name: &str) -> Option<&'a Value> {
    properties(s).and_then(|p| p.get(name))
}

/// `items` when it is a single schema (an array of schemas is not structural).
pub fn items(s: &Value) -> Option<&Value> {
    s.get("items").filter(|i| i.is_object())
}

/// `additionalProperties`: a boolean or a schema.
#[derive(Debug, Clone, Copy)]
pub enum Additional<'a> {
    /// `additionalProperties: true|false`.
    Bool(bool),
    /// `additionalProperties: {...}`.
    Schema(&'a Value),
}

impl<'a> Additional<'a> {
    /// The schema, when it is one.
    pub fn schema(self) -> Option<&'a Value> {
        match self {
            Additional::Schema(s) => Some(s),
            Additional::Bool(_) => None,
        }
    }
}

/// `additionalProperties`, when set.
pub fn additional(s: &Value) -> Option<Additional<'_>> {
    match s.get("additionalProperties")? {
        Value::Bool(b) => Some(Additional::Bool(*b)),
        v @ Value::Object(_) => Some(Additional::Schema(v)),
        _ => None,
    }
}

/// `x-kubernetes-preserve-unknown-fields: true`.
pub fn preserves_unknown(s: &Value) -> bool {
    flag(s, "x-kubernetes-preserve-unknown-fields")
}

/// `x-kubernetes-embedded-resource: true`.
pub fn embedded(s: &Value) -> bool {
    flag(s, "x-kubernetes-embedded-resource")
}

/// `x-kubernetes-int-or-string: true`.
pub fn int_or_string(s: &Value) -> bool {
    flag(s, "x-kubernetes-int-or-string")
}

/// `nullable: true`.
pub fn nullable(s: &Value) -> bool {
    flag(s, "nullable")
}

/// `default`, when set (a JSON null default counts as unset, as upstream's nil).
pub fn default_value(s: &Value) -> Option<&Value> {
    s.get("default").filter(|d| !d.is_null())
}

/// `x-kubernetes-list-type`.
pub fn list_type(s: &Value) -> Option<&str> {
    s.get("x-kubernetes-list-type").and_then(Value::as_str)
}

/// `x-kubernetes-list-map-keys`.
pub fn list_map_keys(s: &Value) -> Vec<&str> {
    s.get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The schema of an object's field: its property, else the `additionalProperties` schema.
pub fn field_schema<'a>(s: &'a Value, name: &str) -> Option<&'a Value> {
    property(s, name).or_else(|| additional(s).and_then(Additional::schema))
}

/// A list of schemas under `key` (`allOf`, `anyOf`, `oneOf`).
pub fn schemas<'a>(s: &'a Value, key: &str) -> &'a [Value] {
    s.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// Whether a keyword is set to something other than its zero value (as a Go field would be).
fn is_set(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// The reason a schema cannot even be read as a structural one (upstream's `NewStructural`
/// errors), if any.
pub fn structural_conversion_error(s: &Value) -> Option<String> {
    let m = s.as_object()?;
    let checks = [
        ("id", "OpenAPIV3Schema 'id' is not supported"),
        ("$schema", "OpenAPIV3Schema 'schema' is not supported"),
        ("$ref", "OpenAPIV3Schema '$ref' is not supported"),
    ];
    for (key, msg) in checks {
        if is_set(m.get(key)) {
            return Some(msg.into());
        }
    }
    let non_empty = |k: &str| match m.get(k) {
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if non_empty("patternProperties") {
        return Some("OpenAPIV3Schema 'patternProperties' is not supported".into());
    }
    if non_empty("dependencies") {
        return Some("OpenAPIV3Schema 'dependencies' is not supported".into());
    }
    if m.get("additionalItems").is_some_and(|v| !v.is_null()) {
        return Some("OpenAPIV3Schema 'additionalItems' is not supported".into());
    }
    if non_empty("definitions") {
        return Some("OpenAPIV3Schema 'definitions' is not supported".into());
    }
    if m.get("items").is_some_and(Value::is_array) {
        return Some("OpenAPIV3Schema 'items' must be a schema, but is an array".into());
    }
    if m.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        return Some(
            "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
                .into(),
        );
    }
    let children = m
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
        .chain(m.get("items").filter(|i| i.is_object()))
        .chain(m.get("additionalProperties").filter(|a| a.is_object()))
        .chain(m.get("not").filter(|n| n.is_object()))
        .chain(["allOf", "anyOf", "oneOf"].iter().flat_map(|k| schemas(s, k)));
    for child in children {
        if let Some(e) = structural_conversion_error(child) {
            return Some(e);
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

fn int_or_string_any_of() -> Value {
    json!([{"type": "integer"}, {"type": "string"}])
}

fn is_int_or_string_any_of(s: &Value) -> bool {
    s.get("anyOf") == Some(&int_or_string_any_of())
}

fn is_int_or_string_all_of(s: &Value) -> bool {
    schemas(s, "allOf").first().is_some_and(is_int_or_string_any_of)
}

/// Upstream's `ValidateStructural`: the invariants of a structural schema and the
/// completeness of its value validations, sorted by message as upstream sorts them.
pub fn validate_structural(path: &Path, s: &Value) -> ErrorList {
    let mut errs = ErrorList::new();
    invariants(s, Level::Root, path, &mut errs);
    completeness(s, s, path, path, &mut errs);
    errs.sort_by_key(|e| e.to_string());
    errs
}

fn invariants(s: &Value, lvl: Level, path: &Path, errs: &mut ErrorList) {
    if ty(s) == "array" && items(s).is_none() {
        errs.push(Error::required(&path.child("items"), "must be specified"));
    }
    if let Some(i) = items(s) {
        invariants(i, Level::Item, &path.child("items"), errs);
    }
    for (k, v) in properties(s).into_iter().flatten() {
        invariants(v, Level::Field, &path.child("properties").key(k), errs);
    }
    if let Some(a) = additional(s) {
        if lvl == Level::Root {
            errs.push(Error::forbidden(
                &path.child("additionalProperties"),
                "must not be used at the root",
            ));
        }
        if let Some(a) = a.schema() {
            invariants(a, Level::Field, &path.child("additionalProperties"), errs);
        }
    }
    if int_or_string(s) && preserves_unknown(s) {
        errs.push(Error::invalid(
            &path.child("x-kubernetes-preserve-unknown-fields"),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string(s) && embedded(s) {
        errs.push(Error::invalid(
            &path.child("x-kubernetes-embedded-resource"),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    value_validation(s, is_int_or_string_any_of(s), is_int_or_string_all_of(s), path, errs);

    let check_metadata = lvl == Level::Root || embedded(s);
    if embedded(s) && ty(s) != "object" {
        if ty(s).is_empty() {
            errs.push(Error::required(
                &path.child("type"),
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        } else {
            errs.push(Error::invalid(
                &path.child("type"),
                ty(s),
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        }
    } else if ty(s).is_empty() && !int_or_string(s) && !preserves_unknown(s) {
        let detail = match lvl {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(Error::required(&path.child("type"), detail));
    }
    if embedded(s) && additional(s).is_some() {
        errs.push(Error::forbidden(
            &path.child("additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if lvl == Level::Root && !ty(s).is_empty() && ty(s) != "object" {
        errs.push(Error::invalid(&path.child("type"), ty(s), "must be object at the root"));
    }
    for meta in ["kind", "apiVersion"] {
        if let Some(p) = property(s, meta)
            && check_metadata
            && ty(p) != "string"
        {
            errs.push(Error::invalid(
                &path.child("properties").key(meta).child("type"),
                ty(p),
                "must be string",
            ));
        }
    }
    if let Some(m) = property(s, "metadata") {
        metadata_invariants(
            m,
            check_metadata,
            lvl,
            &path.child("properties").key("metadata"),
            errs,
        );
    }
    if embedded(s) && !preserves_unknown(s) && properties(s).is_none_or(Map::is_empty) {
        errs.push(Error::required(
            &path.child("properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

fn metadata_invariants(
    s: &Value,
    check_metadata: bool,
    lvl: Level,
    path: &Path,
    errs: &mut ErrorList,
) {
    if check_metadata && ty(s) != "object" {
        errs.push(Error::invalid(&path.child("type"), ty(s), "must be object"));
    }
    if lvl != Level::Root {
        return;
    }
    // At the root only name and generateName may be restricted; everything else about
    // metadata is implied by ObjectMeta.
    let Some(m) = s.as_object() else { return };
    let props_ok = match m.get("properties") {
        None | Some(Value::Null) => true,
        Some(Value::Object(p)) => {
            !p.is_empty() && p.keys().all(|k| k == "name" || k == "generateName")
        }
        Some(_) => false,
    };
    let others = m
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "default" | "properties"))
        .any(|(_, v)| is_set(Some(v)));
    if others || !props_ok {
        errs.push(Error::forbidden(
            path,
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ));
    }
}

fn value_validation(
    s: &Value,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    path: &Path,
    errs: &mut ErrorList,
) {
    if !skip_any_of {
        for (i, v) in schemas(s, "anyOf").iter().enumerate() {
            nested(v, false, false, &path.child("anyOf").index(i), errs);
        }
    }
    for (i, v) in schemas(s, "allOf").iter().enumerate() {
        nested(v, skip_first_all_of_any_of && i == 0, false, &path.child("allOf").index(i), errs);
    }
    for (i, v) in schemas(s, "oneOf").iter().enumerate() {
        nested(v, false, false, &path.child("oneOf").index(i), errs);
    }
    if let Some(not) = s.get("not").filter(|n| n.is_object()) {
        nested(not, false, false, &path.child("not"), errs);
    }
    let pattern = text(s, "pattern");
    if !pattern.is_empty()
        && let Err(e) = super::validator::compile_pattern(pattern)
    {
        errs.push(Error::invalid(
            &path.child("pattern"),
            pattern,
            format!("must be a valid regular expression, but isn't: {e}"),
        ));
    }
}

/// A schema under `allOf`/`anyOf`/`oneOf`/`not`: only value validations may be there.
fn nested(
    v: &Value,
    skip_any_of: bool,
    skip_all_of_any_of: bool,
    path: &Path,
    errs: &mut ErrorList,
) {
    value_validation(v, skip_any_of, skip_all_of_any_of, path, errs);
    if let Some(i) = items(v) {
        nested(i, false, false, &path.child("items"), errs);
    }
    for (k, p) in properties(v).into_iter().flatten() {
        nested(p, false, false, &path.child("properties").key(k), errs);
    }
    if !ty(v).is_empty() {
        errs.push(Error::forbidden(&path.child("type"), "must be empty to be structural"));
    }
    match additional(v) {
        Some(Additional::Schema(_)) | Some(Additional::Bool(true)) => {
            errs.push(Error::forbidden(
                &path.child("additionalProperties"),
                "must be undefined to be structural",
            ));
        }
        _ => {}
    }
    if default_value(v).is_some() {
        errs.push(Error::forbidden(&path.child("default"), "must be undefined to be structural"));
    }
    for key in ["title", "description"] {
        if !text(v, key).is_empty() {
            errs.push(Error::forbidden(&path.child(key), "must be empty to be structural"));
        }
    }
    if nullable(v) {
        errs.push(Error::forbidden(&path.child("nullable"), "must be false to be structural"));
    }
    for key in [
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string",
    ] {
        if flag(v, key) {
            errs.push(Error::forbidden(&path.child(key), "must be false to be structural"));
        }
    }
    if !list_map_keys(v).is_empty() {
        errs.push(Error::forbidden(
            &path.child("x-kubernetes-list-map-keys"),
            "must be empty to be structural",
        ));
    }
    for key in ["x-kubernetes-list-type", "x-kubernetes-map-type"] {
        if v.get(key).is_some_and(|t| !t.is_null()) {
            errs.push(Error::forbidden(&path.child(key), "must be undefined to be structural"));
        }
    }
    if v.get("x-kubernetes-validations").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
        errs.push(Error::forbidden(
            &path.child("x-kubernetes-validations"),
            "must be empty to be structural",
        ));
    }
    if property(v, "metadata").is_some() {
        errs.push(Error::forbidden(
            &path.child("properties").key("metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Every field a value validation speaks of must exist in the structural part of the schema
/// (checked for the root's junctors, as upstream does).
fn completeness(v: &Value, s: &Value, s_path: &Path, v_path: &Path, errs: &mut ErrorList) {
    let nested_at = |key: &str| -> Vec<(Path, &Value)> {
        schemas(v, key).iter().enumerate().map(|(i, x)| (v_path.child(key).index(i), x)).collect()
    };
    let mut clauses = Vec::new();
    if let Some(not) = v.get("not").filter(|n| n.is_object()) {
        clauses.push((v_path.child("not"), not));
    }
    clauses.extend(nested_at("allOf"));
    clauses.extend(nested_at("anyOf"));
    clauses.extend(nested_at("oneOf"));
    for (p, clause) in clauses {
        nested_completeness(clause, Some(s), s_path, &p, errs);
    }
}

fn nested_completeness(
    v: &Value,
    s: Option<&Value>,
    s_path: &Path,
    v_path: &Path,
    errs: &mut ErrorList,
) {
    let Some(s) = s else {
        errs.push(Error::required(s_path, format!("because it is defined in {v_path}")));
        return;
    };
    completeness(v, s, s_path, v_path, errs);
    if let Some(vi) = items(v) {
        nested_completeness(vi, items(s), &s_path.child("items"), &v_path.child("items"), errs);
    }
    for (k, vp) in properties(v).into_iter().flatten() {
        match property(s, k) {
            Some(sp) => nested_completeness(
                vp,
                Some(sp),
                &s_path.child("properties").key(k),
                &v_path.child("properties").key(k),
                errs,
            ),
            None => errs.push(Error::required(
                &s_path.child("properties").key(k),
                format!("because it is defined in {}", v_path.child("properties").key(k)),
            )),
        }
    }
}
