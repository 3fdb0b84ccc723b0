//! Event between core `v1` and `events.k8s.io/v1` (upstream's
//! `pkg/apis/events/v1/conversion.go`). Both are stored as core Events, whose fields are those
//! of upstream's internal type; the events.k8s.io names are renames of them
//! (`involvedObject` -> `regarding`, `message` -> `note`, `source` -> `deprecatedSource`,
//! `firstTimestamp`/`lastTimestamp`/`count` -> `deprecated*`, `reportingComponent` ->
//! `reportingController`).

use apimachinery::fields;
use serde_json::{Map, Value, json};

use super::gojson::{copy, copy_nonzero, present};

/// The field labels events.k8s.io/v1 selects by, and the core fields they stand for
/// (`AddFieldLabelConversionsForEvent` of events/v1).
const FIELD_LABELS: &[(&str, &str)] = &[
    ("reason", "reason"),
    ("regarding.kind", "involvedObject.kind"),
    ("regarding.namespace", "involvedObject.namespace"),
    ("regarding.name", "involvedObject.name"),
    ("regarding.uid", "involvedObject.uid"),
    ("regarding.apiVersion", "involvedObject.apiVersion"),
    ("regarding.resourceVersion", "involvedObject.resourceVersion"),
    ("regarding.fieldPath", "involvedObject.fieldPath"),
    ("reportingController", "reportingComponent"),
    ("type", "type"),
    ("metadata.namespace", "metadata.namespace"),
    ("metadata.name", "metadata.name"),
];

/// Rewrites an events.k8s.io/v1 field selector in the core fields the objects are stored with.
pub fn field_selector_to_core(selector: &str) -> Result<String, fields::Error> {
    let parsed =
        fields::Selector::parse_and_transform(selector, |label, value| {
            match FIELD_LABELS.iter().find(|(from, _)| *from == label) {
                Some((_, to)) => Ok(((*to).to_string(), value.to_string())),
                None => {
                    Err(fields::Error::Transform(format!("field label not supported: {label}")))
                }
            }
        })?;
    Ok(parsed.to_string())
}

fn metadata(ev: &Value) -> Value {
    ev.get("metadata").filter(|m| m.is_object()).cloned().unwrap_or_else(|| json!({}))
}

/// A core `ObjectReference` field, which Go always writes (a struct, not a pointer).
fn reference(ev: &Value, key: &str) -> Value {
    present(ev, key).filter(|r| r.is_object()).cloned().unwrap_or_else(|| json!({}))
}

/// core/v1 -> events.k8s.io/v1 (`Convert_core_Event_To_v1_Event`).
pub fn core_to_v1(ev: &Value) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!("events.k8s.io/v1"));
    out.insert("metadata".into(), metadata(ev));
    copy(&mut out, "eventTime", ev, "eventTime");
    copy(&mut out, "series", ev, "series");
    copy_nonzero(&mut out, "reportingController", ev, "reportingComponent");
    copy_nonzero(&mut out, "reportingInstance", ev, "reportingInstance");
    copy_nonzero(&mut out, "action", ev, "action");
    copy_nonzero(&mut out, "reason", ev, "reason");
    out.insert("regarding".into(), reference(ev, "involvedObject"));
    copy(&mut out, "related", ev, "related");
    copy_nonzero(&mut out, "note", ev, "message");
    copy_nonzero(&mut out, "type", ev, "type");
    copy(&mut out, "deprecatedSource", ev, "source");
    copy(&mut out, "deprecatedFirstTimestamp", ev, "firstTimestamp");
    copy(&mut out, "deprecatedLastTimestamp", ev, "lastTimestamp");
    copy_nonzero(&mut out, "deprecatedCount", ev, "count");
    Value::Object(out)
}

/// events.k8s.io/v1 -> core/v1 (`Convert_v1_Event_To_core_Event`).
pub fn v1_to_core(ev: &Value) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!("v1"));
    out.insert("metadata".into(), metadata(ev));
    out.insert("involvedObject".into(), reference(ev, "regarding"));
    copy_nonzero(&mut out, "reason", ev, "reason");
    copy_nonzero(&mut out, "message", ev, "note");
    copy(&mut out, "source", ev, "deprecatedSource");
    copy(&mut out, "firstTimestamp", ev, "deprecatedFirstTimestamp");
    copy(&mut out, "lastTimestamp", ev, "deprecatedLastTimestamp");
    copy_nonzero(&mut out, "count", ev, "deprecatedCount");
    copy_nonzero(&mut out, "type", ev, "type");
    copy(&mut out, "eventTime", ev, "eventTime");
    copy(&mut out, "series", ev, "series");
    copy_nonzero(&mut out, "action", ev, "action");
    copy(&mut out, "related", ev, "related");
    copy_nonzero(&mut out, "reportingComponent", ev, "reportingController");
    copy_nonzero(&mut out, "reportingInstance", ev, "reportingInstance");
    Value::Object(out)
}
