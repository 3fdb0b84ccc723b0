//! Reading JSON the way Go's `encoding/json` fills a typed value, for data kept in annotations
//! (where upstream unmarshals it and ignores it when that fails), and writing values the way
//! Go marshals them (canonical quantities, sorted label maps).
//!
//! Keys match struct fields case-insensitively and the last matching key wins; `null` leaves a
//! field at its zero value; a value of the wrong JSON type, an integer that does not fit, a bad
//! quantity or time rejects the whole document.

use apimachinery::resource::Quantity;
use serde_json::{Map, Value};

/// Input Go's decoder rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rejected;

/// The result of reading one value.
pub(super) type Decoded<T> = Result<T, Rejected>;

/// The value a struct field `name` gets from a JSON object.
pub(super) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).next_back()
}

/// A nested struct (pointer or not): `None` when absent or `null`.
pub(super) fn object(v: Option<&Value>) -> Decoded<Option<&Map<String, Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Rejected),
    }
}

/// A slice: `None` when absent or `null`.
pub(super) fn array(v: Option<&Value>) -> Decoded<Option<&Vec<Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(Rejected),
    }
}

/// A string field: `None` when absent or `null`.
pub(super) fn string(v: Option<&Value>) -> Decoded<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Rejected),
    }
}

/// An `int32` field: `None` when absent or `null`.
pub(super) fn int32(v: Option<&Value>) -> Decoded<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => Ok(Some(i)),
            _ => Err(Rejected),
        },
        Some(_) => Err(Rejected),
    }
}

/// A `resource.Quantity` field (a string or a bare number), in canonical form: `None` when
/// absent or `null`.
pub(super) fn quantity(v: Option<&Value>) -> Decoded<Option<Value>> {
    let text = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(Rejected),
    };
    Quantity::parse(&text).map(|q| Some(Value::String(q.canonical_string()))).map_err(|_| Rejected)
}

/// A `metav1.Time` field: an RFC 3339 string, `None` when absent or `null`.
pub(super) fn time(v: Option<&Value>) -> Decoded<Option<Value>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(t @ Value::String(s)) if s.parse::<jiff::Timestamp>().is_ok() => Ok(Some(t.clone())),
        Some(_) => Err(Rejected),
    }
}

/// A `*metav1.LabelSelector` field, as Go writes it back.
pub(super) fn selector(v: Option<&Value>) -> Decoded<Option<Value>> {
    let Some(sel) = object(v)? else { return Ok(None) };
    let mut out = Map::new();
    if let Some(labels) = object(field(sel, "matchLabels"))? {
        let mut pairs = Vec::new();
        for (k, v) in labels {
            pairs.push((k.clone(), Value::String(string(Some(v))?.unwrap_or_default())));
        }
        if !pairs.is_empty() {
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            out.insert("matchLabels".into(), Value::Object(pairs.into_iter().collect()));
        }
    }
    if let Some(exprs) = array(field(sel, "matchExpressions"))? {
        let mut list = Vec::new();
        for e in exprs {
            let e = object(Some(e))?.cloned().unwrap_or_default();
            let mut r = Map::new();
            r.insert("key".into(), Value::String(string(field(&e, "key"))?.unwrap_or_default()));
            let op = string(field(&e, "operator"))?.unwrap_or_default();
            r.insert("operator".into(), Value::String(op));
            if let Some(values) = array(field(&e, "values"))?.filter(|v| !v.is_empty()) {
                let values: Decoded<Vec<Value>> = values
                    .iter()
                    .map(|v| string(Some(v)).map(|s| Value::String(s.unwrap_or_default())))
                    .collect();
                r.insert("values".into(), Value::Array(values?));
            }
            list.push(Value::Object(r));
        }
        if !list.is_empty() {
            out.insert("matchExpressions".into(), Value::Array(list));
        }
    }
    Ok(Some(Value::Object(out)))
}

/// A quantity of a stored object as Go writes it (canonical), left as it is when it does not
/// parse.
pub(super) fn canonical_quantity(v: &Value) -> Value {
    quantity(Some(v)).ok().flatten().unwrap_or_else(|| v.clone())
}

/// A label selector of a stored object as Go writes it, left as it is when it does not read.
pub(super) fn canonical_selector(v: &Value) -> Value {
    selector(Some(v)).ok().flatten().unwrap_or_else(|| v.clone())
}

/// The value at `key` of an object, unless absent or `null`.
pub(super) fn present<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// Copies `obj[key]` into `out[out_key]` when present and not `null`.
pub(super) fn copy(out: &mut Map<String, Value>, out_key: &str, obj: &Value, key: &str) {
    if let Some(v) = present(obj, key) {
        out.insert(out_key.to_string(), v.clone());
    }
}

/// Copies a string or number field, leaving out Go's zero values (`omitempty`).
pub(super) fn copy_nonzero(out: &mut Map<String, Value>, out_key: &str, obj: &Value, key: &str) {
    match present(obj, key) {
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => {}
        Some(v) => {
            out.insert(out_key.to_string(), v.clone());
        }
        None => {}
    }
}
