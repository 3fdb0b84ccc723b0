//! Conversion of built-in kinds between the versions they are served at and the one they are
//! stored at, as upstream converts through its internal types: HorizontalPodAutoscalers are
//! served as `autoscaling/v1` and `autoscaling/v2` and stored as v2; Events are served as core
//! `v1` and `events.k8s.io/v1` and stored as core Events under the core prefix.
//!
//! The storage version of each kind has the fields of upstream's internal type, so the store,
//! the strategies (defaulting, preparation, validation) and the table printers all work on it;
//! request bodies are converted to it once decoded in their own version, and every object
//! served is converted back to the version of the request. Conversions are pure functions over
//! JSON values and never fail: what another version cannot say is carried in annotations (HPA)
//! or dropped, as upstream does.

mod autoscaling;
mod events;
mod gojson;
#[cfg(test)]
mod tests;

use apimachinery::errors::StatusError;
use apimachinery::runtime::ResourceInfo;
use serde_json::{Value, json};

use crate::registry::{ListParams, ObjectMetaExt, Predicate};

pub use autoscaling::{
    BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION,
    METRIC_STATUSES_ANNOTATION, TOLERANCE_SCALE_DOWN_ANNOTATION, TOLERANCE_SCALE_UP_ANNOTATION,
};
pub use events::field_selector_to_core as event_field_selector_to_core;

/// The kinds whose versions differ in shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    HorizontalPodAutoscaler,
    Event,
}

fn family(group: &str, kind: &str) -> Option<Family> {
    match (group, kind) {
        ("autoscaling", "HorizontalPodAutoscaler") => Some(Family::HorizontalPodAutoscaler),
        ("" | "events.k8s.io", "Event") => Some(Family::Event),
        _ => None,
    }
}

/// The group and version objects of `group`/`kind` are stored at, for the kinds served in
/// more than one shape.
pub fn storage_version(group: &str, kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match family(group, kind)? {
        Family::HorizontalPodAutoscaler => ("autoscaling", "v2"),
        Family::Event => ("", "v1"),
    })
}

/// The group and resource whose store holds `group`/`resource` when it is another one
/// (events.k8s.io Events live with the core Events).
pub fn storage_resource(group: &str, resource: &str) -> Option<(&'static str, &'static str)> {
    match (group, resource) {
        ("events.k8s.io", "events") => Some(("", "events")),
        _ => None,
    }
}

/// Whether objects of `info` are stored in a shape other than the one `info` serves.
pub fn differs_from_storage(info: &ResourceInfo) -> bool {
    storage_version(&info.group, &info.kind)
        .is_some_and(|(g, v)| (g, v) != (info.group.as_str(), info.version.as_str()))
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// Converts an object of a kind served in several shapes (read from its `apiVersion`) to
/// `group`/`version`. Objects of other kinds, and objects without an `apiVersion`, are
/// returned as they are.
pub fn convert(obj: Value, group: &str, version: &str, kind: &str) -> Value {
    let Some(target) = family(group, kind) else { return obj };
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    if api_version.is_empty() {
        return obj;
    }
    let (from_group, from_version) = split_api_version(api_version);
    let from_kind = obj.get("kind").and_then(Value::as_str).unwrap_or(kind);
    if family(from_group, from_kind) != Some(target) {
        return obj;
    }
    match target {
        Family::HorizontalPodAutoscaler => {
            let internal = match from_version {
                "v1" => autoscaling::v1_to_v2(&obj),
                _ => autoscaling::v2_to_v2(obj),
            };
            match version {
                "v1" => autoscaling::v2_to_v1(&internal),
                _ => internal,
            }
        }
        Family::Event => {
            let from_events = from_group == "events.k8s.io";
            match (from_events, group == "events.k8s.io") {
                (false, true) => events::core_to_v1(&obj),
                (true, false) => events::v1_to_core(&obj),
                _ => obj,
            }
        }
    }
}

/// A request body, decoded in the request's version (`info`), in the version it is stored at:
/// the request version's defaults first, as upstream's decoder applies them.
pub fn to_storage(mut obj: Value, info: &ResourceInfo) -> Value {
    let Some((group, version)) = storage_version(&info.group, &info.kind) else { return obj };
    if differs_from_storage(info) {
        crate::api::default_object(&info.group, &info.kind, &mut obj);
    }
    convert(obj, group, version, &info.kind)
}

/// A stored object in the version of the request (`info`).
pub fn to_served(obj: Value, info: &ResourceInfo) -> Value {
    convert(obj, &info.group, &info.version, &info.kind)
}

/// Brings an object read from (or about to be written to) the store of `info` into the
/// store's version when it is in another one (objects kept by older servers).
pub fn normalize_stored(info: &ResourceInfo, obj: &mut Value) {
    if needs_normalizing(info, obj) {
        *obj = convert(std::mem::take(obj), &info.group, &info.version, &info.kind);
    }
}

/// Whether [`normalize_stored`] would change `obj`.
pub fn needs_normalizing(info: &ResourceInfo, obj: &Value) -> bool {
    if family(&info.group, &info.kind).is_none() {
        return false;
    }
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    !api_version.is_empty() && api_version != info.api_version()
}

/// Whether objects of `info` are served exactly as stored (no version family to convert
/// between).
pub fn served_as_stored(info: &ResourceInfo) -> bool {
    family(&info.group, &info.kind).is_none()
}

/// The label and field predicate of a list or watch of `info`, over the stored objects: field
/// labels of events.k8s.io are those upstream converts to the core fields.
pub fn predicate(info: &ResourceInfo, params: &ListParams) -> Result<Predicate, StatusError> {
    if let Some((group, resource)) = storage_resource(&info.group, &info.resource) {
        let selector = events::field_selector_to_core(&params.field_selector)
            .map_err(|e| StatusError::new_bad_request(&e.to_string()))?;
        let params = ListParams { field_selector: selector, ..params.clone() };
        return Predicate::new(group, resource, info.namespaced, &params);
    }
    Predicate::new(&info.group, &info.resource, info.namespaced, params)
}

/// The resource whose printer renders tables of `info`: upstream prints from the internal
/// object, which the stored one stands for.
pub fn printer_resource(info: &ResourceInfo) -> (&str, &str) {
    storage_resource(&info.group, &info.resource)
        .unwrap_or((info.group.as_str(), info.resource.as_str()))
}

/// Runs `track` (field ownership of a write of `info`) on the request version's forms of the
/// stored `live` and `new` objects and keeps the managedFields it writes: upstream's field
/// manager works on the versioned object of the request.
pub fn track_served(
    info: &ResourceInfo,
    live: Option<&Value>,
    new: &mut Value,
    track: impl FnOnce(Option<&Value>, &mut Value),
) {
    if !differs_from_storage(info) {
        return track(live, new);
    }
    let live = live.map(|l| to_served(l.clone(), info));
    let mut served = to_served(new.clone(), info);
    track(live.as_ref(), &mut served);
    match served.pointer("/metadata/managedFields") {
        Some(m) => {
            new.meta_mut().insert("managedFields".into(), m.clone());
        }
        None => {
            new.meta_mut().remove("managedFields");
        }
    }
}

/// The `apiVersion` a converted object of `group`/`version` carries.
fn api_version(group: &str, version: &str) -> Value {
    if group.is_empty() { json!(version) } else { json!(format!("{group}/{version}")) }
}

/// Converts a request body sent in another version of the request's group (which the
/// endpoint accepts) to the request's version (`info`).
pub fn to_request_version(obj: Value, info: &ResourceInfo) -> Value {
    let given = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    if family(&info.group, &info.kind).is_none()
        || given.is_empty()
        || split_api_version(given).0 != info.group
        || api_version(&info.group, &info.version) == given
    {
        return obj;
    }
    to_served(obj, info)
}
