//! Nested-field accessors over JSON objects, with upstream's accessor error messages.
//!
//! Field paths are object keys only: there is no list-index syntax, exactly as upstream.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::gofmt::{format_value, type_name};

/// A JSON object, the content of an [`crate::unstructured::Unstructured`].
pub type Object = Map<String, Value>;

/// An accessor failed because a value had an unexpected type; the message is upstream's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AccessorError(pub String);

/// Renders a field path the way upstream does: `.a.b.c`.
pub fn json_path(fields: &[&str]) -> String {
    format!(".{}", fields.join("."))
}

fn type_error(fields: &[&str], v: &Value, expected: &str) -> AccessorError {
    AccessorError(format!(
        "{} accessor error: {} is of the type {}, expected {expected}",
        json_path(fields),
        format_value(v),
        type_name(v)
    ))
}

/// Returns a reference to a nested field: `Ok(None)` when it (or a null parent) is missing,
/// an error when a parent is not an object.
pub fn nested_field<'a>(
    obj: &'a Object,
    fields: &[&str],
) -> Result<Option<&'a Value>, AccessorError> {
    let mut current: Option<&Value> = None;
    for (i, field) in fields.iter().enumerate() {
        let map = match current {
            None => obj,
            Some(Value::Null) => return Ok(None),
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(type_error(&fields[..=i], other, "map[string]interface{}"));
            }
        };
        match map.get(*field) {
            Some(v) => current = Some(v),
            None => return Ok(None),
        }
    }
    Ok(current)
}

/// Like [`nested_field`] but mutable.
pub fn nested_field_mut<'a>(
    obj: &'a mut Object,
    fields: &[&str],
) -> Result<Option<&'a mut Value>, AccessorError> {
    let Some((last, parents)) = fields.split_last() else {
        return Ok(None);
    };
    let mut map = obj;
    for (i, field) in parents.iter().enumerate() {
        match map.get_mut(*field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(m)) => map = m,
            Some(other) => {
                return Err(type_error(&fields[..=i + 1], other, "map[string]interface{}"));
            }
        }
    }
    Ok(map.get_mut(*last))
}

/// The nested field converted by `get`: `Ok(None)` when missing, a type error naming
/// `expected` when `get` rejects the value.
fn nested_as<T>(
    obj: &Object,
    fields: &[&str],
    expected: &str,
    get: impl FnOnce(&Value) -> Option<T>,
) -> Result<Option<T>, AccessorError> {
    match nested_field(obj, fields)? {
        None => Ok(None),
        Some(v) => get(v).map(Some).ok_or_else(|| type_error(fields, v, expected)),
    }
}

/// Returns a nested string.
pub fn nested_string(obj: &Object, fields: &[&str]) -> Result<Option<String>, AccessorError> {
    nested_as(obj, fields, "string", |v| v.as_str().map(str::to_string))
}

/// Returns a nested bool.
pub fn nested_bool(obj: &Object, fields: &[&str]) -> Result<Option<bool>, AccessorError> {
    nested_as(obj, fields, "bool", Value::as_bool)
}

/// Returns a nested int64 (a JSON integer that fits in i64).
pub fn nested_i64(obj: &Object, fields: &[&str]) -> Result<Option<i64>, AccessorError> {
    nested_as(obj, fields, "int64", Value::as_i64)
}

/// Returns a nested float64 (a JSON number that is not an int64).
pub fn nested_f64(obj: &Object, fields: &[&str]) -> Result<Option<f64>, AccessorError> {
    nested_as(obj, fields, "float64", |v| v.as_f64().filter(|_| !v.is_i64()))
}

/// Returns a nested number as float64, rejecting int64 values that would lose precision.
pub fn nested_number_as_f64(obj: &Object, fields: &[&str]) -> Result<Option<f64>, AccessorError> {
    match nested_field(obj, fields)? {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => {
                let f = i as f64;
                // Exact only if the round trip gives back the same integer (and no saturation).
                if f >= i64::MAX as f64 || f as i64 != i {
                    Err(AccessorError(format!(
                        "{} accessor error: int64 value {i} cannot be losslessly converted to float64",
                        json_path(fields)
                    )))
                } else {
                    Ok(Some(f))
                }
            }
            None => Ok(n.as_f64()),
        },
        Some(v) => Err(type_error(fields, v, "float64 or int64")),
    }
}

/// Returns a copy of a nested list of strings.
pub fn nested_string_slice(
    obj: &Object,
    fields: &[&str],
) -> Result<Option<Vec<String>>, AccessorError> {
    match nested_field(obj, fields)? {
        None => Ok(None),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => {
                        return Err(AccessorError(format!(
                            "{} accessor error: contains non-string key in the slice: {} is of the type {}, expected string",
                            json_path(fields),
                            format_value(other),
                            type_name(other)
                        )));
                    }
                }
            }
            Ok(Some(out))
        }
        Some(v) => Err(type_error(fields, v, "[]interface{}")),
    }
}

/// Returns a copy of a nested list.
pub fn nested_slice(obj: &Object, fields: &[&str]) -> Result<Option<Vec<Value>>, AccessorError> {
    nested_as(obj, fields, "[]interface{}", |v| v.as_array().cloned())
}

/// Returns a copy of a nested object.
pub fn nested_map(obj: &Object, fields: &[&str]) -> Result<Option<Object>, AccessorError> {
    nested_as(obj, fields, "map[string]interface{}", |v| v.as_object().cloned())
}

fn string_map(
    fields: &[&str],
    m: &Object,
    null_as_empty: bool,
) -> Result<BTreeMap<String, String>, AccessorError> {
    let mut out = BTreeMap::new();
    for (k, v) in m {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            Value::Null if null_as_empty => {
                out.insert(k.clone(), String::new());
            }
            other => {
                return Err(AccessorError(format!(
                    "{} accessor error: contains non-string value in the map under key \"{k}\": {} is of the type {}, expected string",
                    json_path(fields),
                    format_value(other),
                    type_name(other)
                )));
            }
        }
    }
    Ok(out)
}

/// Returns a copy of a nested map of strings.
pub fn nested_string_map(
    obj: &Object,
    fields: &[&str],
) -> Result<Option<BTreeMap<String, String>>, AccessorError> {
    match nested_field(obj, fields)? {
        None => Ok(None),
        Some(Value::Object(m)) => string_map(fields, m, false).map(Some),
        Some(v) => Err(type_error(fields, v, "map[string]interface{}")),
    }
}

/// Like [`nested_string_map`], but an explicit `null` map is found-and-empty (`Ok(Some(None))`)
/// and `null` values inside the map become empty strings, as JSON decoding into Go does.
pub fn nested_null_coercing_string_map(
    obj: &Object,
    fields: &[&str],
) -> Result<Option<Option<BTreeMap<String, String>>>, AccessorError> {
    match nested_field(obj, fields)? {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Object(m)) => string_map(fields, m, true).map(|m| Some(Some(m))),
        Some(v) => Err(type_error(fields, v, "map[string]interface{}")),
    }
}

/// Sets a nested field, creating intermediate objects; fails when a parent is not an object.
/// An empty path is a no-op.
pub fn set_nested_field(
    obj: &mut Object,
    value: Value,
    fields: &[&str],
) -> Result<(), AccessorError> {
    let Some((last, parents)) = fields.split_last() else {
        return Ok(());
    };
    let mut map = obj;
    for (i, field) in parents.iter().enumerate() {
        let entry = map.entry((*field).to_string()).or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(m) => map = m,
            _ => {
                return Err(AccessorError(format!(
                    "value cannot be set because {} is not a map[string]interface{{}}",
                    json_path(&fields[..=i])
                )));
            }
        }
    }
    map.insert((*last).to_string(), value);
    Ok(())
}

/// Sets a nested list of strings.
pub fn set_nested_string_slice(
    obj: &mut Object,
    value: &[String],
    fields: &[&str],
) -> Result<(), AccessorError> {
    let items = value.iter().cloned().map(Value::String).collect();
    set_nested_field(obj, Value::Array(items), fields)
}

/// Sets a nested map of strings.
pub fn set_nested_string_map(
    obj: &mut Object,
    value: &BTreeMap<String, String>,
    fields: &[&str],
) -> Result<(), AccessorError> {
    let m = value.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    set_nested_field(obj, Value::Object(m), fields)
}

/// Removes a nested field; missing parents (or non-object parents) make it a no-op.
pub fn remove_nested_field(obj: &mut Object, fields: &[&str]) {
    let Some((last, parents)) = fields.split_last() else {
        return;
    };
    let mut map = obj;
    for field in parents {
        match map.get_mut(*field) {
            Some(Value::Object(m)) => map = m,
            _ => return,
        }
    }
    // `shift_remove` keeps the remaining keys in their original order.
    map.shift_remove(*last);
}
