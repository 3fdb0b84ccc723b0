//! Defaulting from a structural schema (upstream's `schema/defaulting`): `default` values fill
//! missing fields (and non-nullable nulls) top down, so the defaults of a defaulted parent's
//! children apply too; non-nullable nulls without a default are dropped first; defaults
//! themselves are pruned by their schema and checked against it when a definition is written.

use apimachinery::errors::field::{ErrorList, Path};
use serde_json::Value;

use super::{objectmeta, pruning, schema, validator};

fn non_nullable_null(x: &Value, s: Option<&Value>) -> bool {
    x.is_null() && s.is_some_and(|s| !schema::nullable(s))
}

/// Applies the defaults of `s` to `x` (upstream's `Default`).
pub fn apply(x: &mut Value, s: Option<&Value>) {
    let Some(s) = s else { return };
    match x {
        Value::Object(m) => {
            if let Some(props) = schema::properties(s) {
                let mut names: Vec<&String> = props.keys().collect();
                names.sort();
                for k in names {
                    let prop = &props[k];
                    let Some(d) = schema::default_value(prop) else { continue };
                    let missing = match m.get(k) {
                        None => true,
                        Some(v) => non_nullable_null(v, Some(prop)),
                    };
                    if missing {
                        m.insert(k.clone(), d.clone());
                    }
                }
            }
            let additional = schema::additional(s).and_then(schema::Additional::schema);
            for (k, v) in m.iter_mut() {
                if let Some(prop) = schema::property(s, k) {
                    apply(v, Some(prop));
                } else if let Some(a) = additional {
                    if non_nullable_null(v, Some(a)) {
                        *v = schema::default_value(a).cloned().unwrap_or(Value::Null);
                    }
                    apply(v, Some(a));
                }
            }
        }
        Value::Array(items) => {
            let item_schema = schema::items(s);
            for v in items.iter_mut() {
                if let Some(is) = item_schema
                    && non_nullable_null(v, Some(is))
                {
                    *v = schema::default_value(is).cloned().unwrap_or(Value::Null);
                }
                apply(v, item_schema);
            }
        }
        _ => {}
    }
}

/// Drops nulls the schema does not allow and has no default for (upstream's
/// `PruneNonNullableNullsWithoutDefaults`); nulls with a default are defaulted later.
pub fn prune_nulls(x: &mut Value, s: Option<&Value>) {
    match x {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let fs = s.and_then(|s| schema::field_schema(s, &k));
                let drop = m.get(&k).is_some_and(|v| {
                    v.is_null()
                        && fs.is_some_and(|fs| {
                            !schema::nullable(fs) && schema::default_value(fs).is_none()
                        })
                });
                if drop {
                    m.shift_remove(&k);
                } else if let Some(v) = m.get_mut(&k) {
                    prune_nulls(v, fs);
                }
            }
        }
        Value::Array(items) => {
            let item_schema = s.and_then(schema::items);
            for v in items.iter_mut() {
                prune_nulls(v, item_schema);
            }
        }
        _ => {}
    }
}

/// Prunes every default in the schema by the schema of its field (upstream's
/// `PruneDefaults`), so a default never brings in fields pruning would drop.
pub fn prune_defaults(s: &mut Value) {
    let Some(m) = s.as_object_mut() else { return };
    if let Some(d) = m.get("default").filter(|d| !d.is_null()).cloned() {
        let mut d = d;
        let node = Value::Object(m.clone());
        pruning::prune(&mut d, Some(&node), schema::embedded(&node));
        m.insert("default".into(), d);
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        for p in props.values_mut() {
            prune_defaults(p);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(v @ Value::Object(_)) = m.get_mut(key) {
            prune_defaults(v);
        }
    }
}

/// Upstream's `ValidateDefaults`: every default must be pruned (`requirePrunedDefaults`), have
/// valid embedded metadata, and validate against the schema of its field.
pub fn validate_defaults(path: &Path, s: &Value) -> ErrorList {
    let mut errs = ErrorList::new();
    walk_defaults(path, s, true, false, &mut errs);
    errs
}

fn walk_defaults(path: &Path, s: &Value, root: bool, inside_meta: bool, errs: &mut ErrorList) {
    let resource = root || schema::embedded(s);
    let inside_meta = inside_meta && !schema::embedded(s);
    if let Some(d) = schema::default_value(s)
        && !inside_meta
    {
        let mut pruned = d.clone();
        pruning::prune(&mut pruned, Some(s), schema::embedded(s));
        let default_path = path.child("default");
        if &pruned != d {
            errs.push(validator::error_with_value(
                apimachinery::errors::field::ErrorType::Invalid,
                &default_path,
                d,
                "must not have unknown fields",
            ));
        }
        let meta = objectmeta::validate(&default_path, d, Some(s), schema::embedded(s));
        if !meta.is_empty() {
            errs.extend(meta);
        } else {
            errs.extend(validator::validate(&default_path, s, d, None));
        }
    }
    if let Some(i) = schema::items(s) {
        walk_defaults(&path.child("items"), i, false, inside_meta, errs);
    }
    for (k, p) in schema::properties(s).into_iter().flatten() {
        let meta = resource && matches!(k.as_str(), "metadata" | "apiVersion" | "kind");
        walk_defaults(&path.child("properties").key(k), p, false, inside_meta || meta, errs);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_fill_missing_fields_and_nested_defaults() {
        let s = json!({"type": "object", "properties": {"spec": {"type": "object", "default": {}, "properties": {
            "replicas": {"type": "integer", "default": 1},
            "mode": {"type": "string", "default": "fast"},
            "nested": {"type": "object", "default": {"on": false}, "properties": {
                "on": {"type": "boolean"},
                "level": {"type": "integer", "default": 3},
            }},
            "list": {"type": "array", "items": {"type": "object", "properties": {"p": {"type": "integer", "default": 80}}}},
            "maybe": {"type": "string", "nullable": true, "default": "x"},
            "gone": {"type": "string"},
        }}}});
        let mut obj = json!({"list": [{}, {"p": 1}], "maybe": null, "gone": null});
        obj = json!({"spec": obj});
        prune_nulls(&mut obj, Some(&s));
        apply(&mut obj, Some(&s));
        assert_eq!(
            obj,
            json!({"spec": {
                "list": [{"p": 80}, {"p": 1}],
                "maybe": null,
                "mode": "fast",
                "nested": {"on": false, "level": 3},
                "replicas": 1,
            }})
        );
        let mut empty = json!({});
        apply(&mut empty, Some(&s));
        assert_eq!(
            empty,
            json!({"spec": {"maybe": "x", "mode": "fast", "nested": {"on": false, "level": 3}, "replicas": 1}})
        );
    }

    #[test]
    fn defaults_are_pruned_and_validated() {
        let mut s = json!({"type": "object", "properties": {"spec": {"type": "object",
            "default": {"a": 1, "junk": true},
            "properties": {"a": {"type": "integer"}, "b": {"type": "string", "default": 5}},
        }}});
        let errs: Vec<String> =
            validate_defaults(&Path::new("s"), &s).iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            [
                r#"s.properties[spec].default: Invalid value: map[string]interface {}{"a":1, "junk":true}: must not have unknown fields"#,
                r#"s.properties[spec].properties[b].default: Invalid value: "integer":  in body must be of type string: "integer""#,
            ]
        );
        prune_defaults(&mut s);
        assert_eq!(s["properties"]["spec"]["default"], json!({"a": 1}));
    }
}
