//! The uniqueness of `x-kubernetes-list-type: set` items and `map` keys (upstream's
//! `schema/listtype`).

use apimachinery::errors::field::{ErrorList, ErrorType, Path};
use serde_json::{Map, Value};

use super::{schema, validator};

/// Validates every set and map list in `obj` (the root object) against `s`.
pub fn validate(path: &Path, s: Option<&Value>, obj: &Value) -> ErrorList {
    let mut errs = ErrorList::new();
    if let (Some(s), Some(m)) = (s, obj.as_object()) {
        object(path, s, m, &mut errs);
    }
    errs
}

fn object(path: &Path, s: &Value, m: &Map<String, Value>, errs: &mut ErrorList) {
    if let Some(a) = schema::additional(s).and_then(schema::Additional::schema) {
        for (k, v) in m {
            value(&path.key(k), a, v, errs);
        }
    }
    if schema::properties(s).is_some() {
        for (k, v) in m {
            if let Some(p) = schema::property(s, k) {
                value(&path.child(k), p, v, errs);
            }
        }
    }
}

fn value(path: &Path, s: &Value, v: &Value, errs: &mut ErrorList) {
    match v {
        Value::Array(items) => array(path, s, items, errs),
        Value::Object(m) => object(path, s, m, errs),
        _ => {}
    }
}

fn array(path: &Path, s: &Value, items: &[Value], errs: &mut ErrorList) {
    match schema::list_type(s) {
        Some("set") => {
            for i in non_unique(items) {
                errs.push(validator::error_with_value(
                    ErrorType::Duplicate,
                    &path.index(i),
                    &items[i],
                    "",
                ));
            }
        }
        Some("map") => map_list(path, s, items, errs),
        _ => {}
    }
    if let Some(is) = schema::items(s) {
        for (i, item) in items.iter().enumerate() {
            value(&path.index(i), is, item, errs);
        }
    }
}

/// The indices of the second occurrence of each repeated value.
fn non_unique(values: &[Value]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let before = values[..i].iter().filter(|x| *x == v).count();
        if before == 1 {
            out.push(i);
        }
    }
    out
}

fn map_list(path: &Path, s: &Value, items: &[Value], errs: &mut ErrorList) {
    for (i, x) in items.iter().enumerate() {
        if !x.is_null() && !x.is_object() {
            errs.push(validator::error_with_value(
                ErrorType::Invalid,
                &path.index(i),
                x,
                "must be an object for an array of list-type map",
            ));
            return;
        }
    }
    if items.len() <= 1 {
        return;
    }
    let keys = schema::list_map_keys(s);
    let key_of = |x: &Value| -> Value {
        let mut key = Map::new();
        if let Some(m) = x.as_object() {
            for k in &keys {
                if let Some(v) = m.get(*k) {
                    key.insert((*k).to_string(), v.clone());
                }
            }
        }
        Value::Object(key)
    };
    let all: Vec<Value> = items.iter().map(key_of).collect();
    for i in non_unique(&all) {
        errs.push(validator::error_with_value(ErrorType::Duplicate, &path.index(i), &all[i], ""));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sets_and_maps_are_unique() {
        let s = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}},
        }}}});
        let obj = json!({"spec": {
            "tags": ["a", "b", "a", "a"],
            "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}],
        }});
        let msgs: Vec<String> =
            validate(&Path::nil(), Some(&s), &obj).iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                r#"spec.tags[2]: Duplicate value: "a""#,
                r#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}"#,
            ]
        );
    }
}
