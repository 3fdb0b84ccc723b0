//! Defaulting, registry-strategy mutations and validation of the built-in kinds, applied by the
//! generic registry before an object is stored (pkg/apis/*/v1 defaulters, pkg/registry/*
//! strategies and pkg/apis/*/validation of kubernetes/kubernetes).
//!
//! Objects arrive as the decoded JSON a client sent (already read once into their wire type, so
//! in its field order). Each kind is read into its k8s-openapi wire type, worked on, and written
//! back in the wire type's field order, the type (`kind`, `apiVersion`) leading when it led.
//! Kinds without rules here are left alone.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub mod defaults;
pub mod strategy;
pub mod validation;

pub use defaults::default_object;
pub use strategy::{
    prepare_for_create, prepare_for_status_update, prepare_for_update, status_reset_fields,
};
pub use validation::{validate_create, validate_status_update, validate_update};

/// Reads `obj` as a `T`, lets `f` change it, and writes the result back into `obj`. An object
/// that does not read as a `T` is left unchanged: decoding has already reported such input.
pub(crate) fn with_typed<T, F>(obj: &mut Value, f: F)
where
    T: DeserializeOwned + Serialize,
    F: FnOnce(&mut T),
{
    let Ok(mut typed) = T::deserialize(&*obj) else {
        return;
    };
    f(&mut typed);
    if let Ok(mut out) = serde_json::to_value(&typed) {
        // The wire types always write their type and metadata; add none the client left out.
        if let (Some(o), Some(orig)) = (out.as_object_mut(), obj.as_object()) {
            for key in ["apiVersion", "kind"] {
                if !orig.contains_key(key) {
                    o.shift_remove(key);
                }
            }
            let empty_meta =
                o.get("metadata").is_some_and(|m| m.as_object().is_some_and(|m| m.is_empty()));
            if !orig.contains_key("metadata") && empty_meta {
                o.shift_remove("metadata");
            }
            // The type leads as it did (served objects start with kind, then apiVersion).
            let first = |m: &serde_json::Map<String, Value>| m.keys().next().cloned();
            if first(orig).as_deref() == Some("kind") && first(o).as_deref() != Some("kind") {
                let mut led = serde_json::Map::with_capacity(o.len());
                for key in ["kind", "apiVersion"] {
                    if let Some(v) = o.shift_remove(key) {
                        led.insert(key.to_string(), v);
                    }
                }
                led.extend(std::mem::take(o));
                *o = led;
            }
        }
        *obj = out;
    }
}

/// The version part of an object's `apiVersion` (`v2` for `autoscaling/v2`), empty when unset.
pub(crate) fn api_version_of(obj: &Value) -> &str {
    let av = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    av.rsplit('/').next().unwrap_or_default()
}
