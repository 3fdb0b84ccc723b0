//! Shared pieces of the printers: column definitions, tolerant reads from served JSON (a
//! missing or mistyped field reads as Go's zero value, never a panic) and the formatting
//! helpers upstream's print functions share.

use std::collections::BTreeMap;

use apimachinery::codec::{TableColumnDefinition, TableRow};
use apimachinery::labels;
use apimachinery::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs::{self, Doc};
use super::duration::{human_duration, nanos_between};

/// One column as upstream declares it in `AddHandlers`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Col {
    pub name: &'static str,
    pub ty: &'static str,
    pub format: &'static str,
    pub desc: Doc,
    pub priority: i32,
}

impl Col {
    pub(super) fn definition(&self) -> TableColumnDefinition {
        TableColumnDefinition {
            name: self.name.to_string(),
            type_: self.ty.to_string(),
            format: self.format.to_string(),
            description: self.desc.text().to_string(),
            priority: self.priority,
        }
    }
}

/// A column shown by default.
pub(super) const fn col(name: &'static str, ty: &'static str, desc: Doc) -> Col {
    Col { name, ty, format: "", desc, priority: 0 }
}

/// A column shown only in wide output.
pub(super) const fn wide(name: &'static str, ty: &'static str, desc: Doc) -> Col {
    Col { name, ty, format: "", desc, priority: 1 }
}

/// The `Name` column every printer starts with.
pub(super) const NAME: Col =
    Col { name: "Name", ty: "string", format: "name", desc: docs::META_NAME, priority: 0 };
/// The `Age` column.
pub(super) const AGE: Col = col("Age", "string", docs::META_CREATION);
/// Wide `Containers` column of workload printers.
pub(super) const CONTAINERS: Col =
    wide("Containers", "string", Doc::Text("Names of each container in the template."));
/// Wide `Images` column of workload printers.
pub(super) const IMAGES: Col =
    wide("Images", "string", Doc::Text("Images referenced by each container in the template."));

/// A registered printer: the columns and the function producing one row.
pub(super) struct Printer {
    pub group: &'static str,
    pub resource: &'static str,
    pub columns: &'static [Col],
    pub print: fn(&Value, Timestamp) -> TableRow,
}

/// A row holding just these cells.
pub(super) fn cells(cells: Vec<Value>) -> TableRow {
    TableRow { cells, ..Default::default() }
}

/// The value at `path`, if every step exists.
pub(super) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(key)).filter(|v| !v.is_null())
}

/// The string at `path`, or `""`.
pub(super) fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    opt_s(v, path).unwrap_or("")
}

/// The string at `path`, if present (a pointer field that is set).
pub(super) fn opt_s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

/// The integer at `path`, or 0.
pub(super) fn int(v: &Value, path: &[&str]) -> i64 {
    opt_int(v, path).unwrap_or(0)
}

/// The integer at `path`, if present.
pub(super) fn opt_int(v: &Value, path: &[&str]) -> Option<i64> {
    get(v, path).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// The boolean at `path`, if present.
pub(super) fn opt_bool(v: &Value, path: &[&str]) -> Option<bool> {
    get(v, path).and_then(Value::as_bool)
}

/// The array at `path`, or an empty slice.
pub(super) fn arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// The number of entries of the map at `path`.
pub(super) fn map_len(v: &Value, path: &[&str]) -> i64 {
    get(v, path).and_then(Value::as_object).map_or(0, |m| m.len() as i64)
}

/// The string map at `path` (labels, selectors), skipping non-string values.
pub(super) fn string_map(v: &Value, path: &[&str]) -> BTreeMap<String, String> {
    get(v, path)
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// `metadata.name`.
pub(super) fn name(v: &Value) -> &str {
    s(v, &["metadata", "name"])
}

/// Go's zero `time.Time`, 0001-01-01T00:00:00Z.
pub(super) fn go_zero() -> Timestamp {
    Timestamp::from_second(GO_ZERO_SECONDS).unwrap_or(Timestamp::MIN)
}

const GO_ZERO_SECONDS: i64 = -62_135_596_800;

/// A timestamp at `path`; `None` for Go's zero time (absent, null, or year 1).
pub(super) fn time(v: &Value, path: &[&str]) -> Option<Timestamp> {
    let t: Timestamp = opt_s(v, path)?.parse().ok()?;
    (t.as_second() != GO_ZERO_SECONDS || t.subsec_nanosecond() != 0).then_some(t)
}

/// `translateTimestampSince`: the age of a timestamp, `<unknown>` when it is zero.
pub(super) fn since(t: Option<Timestamp>, now: Timestamp) -> String {
    match t {
        Some(t) => human_duration(nanos_between(t, now)),
        None => "<unknown>".to_string(),
    }
}

/// The AGE cell: the age of `metadata.creationTimestamp`.
pub(super) fn age(v: &Value, now: Timestamp) -> Value {
    since(time(v, &["metadata", "creationTimestamp"]), now).into()
}

/// `labels.FormatLabels` of the map at `path`.
pub(super) fn format_labels(v: &Value, path: &[&str]) -> String {
    labels::format_labels(&string_map(v, path))
}

/// The label selector at `path`, `None` when absent or malformed.
pub(super) fn label_selector(v: &Value, path: &[&str]) -> Option<LabelSelector> {
    get(v, path).and_then(|s| serde_json::from_value(s.clone()).ok())
}

/// `metav1.FormatLabelSelector` of the selector at `path`.
pub(super) fn format_selector(v: &Value, path: &[&str]) -> String {
    labels::format_label_selector(label_selector(v, path).as_ref())
}

/// `layoutContainerCells`: container names and images, comma-separated.
pub(super) fn layout_containers(containers: &[Value]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| s(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| s(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

/// `listWithMoreString`: the first entries, `+ N more...` past `max`, `<unset>` when empty.
pub(super) fn list_with_more(list: &[String], more: bool, count: usize, max: usize) -> String {
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - max);
    }
    if ret.is_empty() { "<unset>".to_string() } else { ret }
}

/// Collects up to `max` items as `listWithMoreString` expects them.
pub(super) fn capped_list(items: impl IntoIterator<Item = String>, max: usize) -> String {
    let mut list = Vec::new();
    let mut more = false;
    let mut count = 0;
    for item in items {
        if list.len() < max {
            list.push(item);
        } else if list.len() == max {
            more = true;
        }
        count += 1;
    }
    list_with_more(&list, more, count, max)
}

/// `Quantity.String()` of a JSON quantity; a missing one is Go's zero quantity, `0`.
pub(super) fn quantity(v: Option<&Value>) -> String {
    match v {
        None => "0".to_string(),
        Some(Value::String(text)) => {
            Quantity::parse(text).map(|q| q.canonical_string()).unwrap_or_else(|_| text.clone())
        }
        Some(Value::Number(n)) => Quantity::parse(&n.to_string())
            .map(|q| q.canonical_string())
            .unwrap_or_else(|_| n.to_string()),
        Some(_) => "0".to_string(),
    }
}

/// `(*Quantity).String()` of an optional quantity: `<nil>` when unset.
pub(super) fn quantity_ptr(v: Option<&Value>) -> String {
    if v.is_none() { "<nil>".to_string() } else { quantity(v) }
}

/// `IntOrString.String()`.
pub(super) fn int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string()),
        _ => "0".to_string(),
    }
}

/// `printBoolPtr`: `True`, `False`, or `<unset>`.
pub(super) fn bool_ptr(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
}

/// `s`, or `<none>` when empty.
pub(super) fn or_none(s: &str) -> String {
    if s.is_empty() { "<none>".to_string() } else { s.to_string() }
}

/// The Go `schema.GroupKind.String()` form: `Kind.group`, or `Kind` for the core group.
pub(super) fn group_kind(group: &str, kind: &str) -> String {
    if group.is_empty() { kind.to_string() } else { format!("{kind}.{group}") }
}
