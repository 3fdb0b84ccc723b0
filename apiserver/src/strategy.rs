//! Per-resource behaviour the generic store delegates to (upstream's `RESTCreateStrategy`,
//! `RESTUpdateStrategy` and `RESTDeleteStrategy`): defaulting, create/update preparation,
//! validation, graceful deletion, create-on-update, and the conversion of objects on their way
//! to and from storage. Custom resources have their own strategy
//! ([`crate::apiextensions::Definition`]); CustomResourceDefinitions themselves are validated
//! by [`crate::apiextensions::validation`].

use apimachinery::errors::field::ErrorList;
use apimachinery::runtime::ResourceInfo;
use serde_json::{Value, json};

use crate::registry::ObjectMetaExt;

/// What the generic store asks of a resource.
pub trait Strategy: Send + Sync {
    /// Applies the kind's defaults (part of decoding upstream; idempotent).
    fn default(&self, info: &ResourceInfo, obj: &mut Value);
    /// Clears what clients may not set on create and sets what the server owns.
    fn prepare_for_create(&self, info: &ResourceInfo, obj: &mut Value);
    /// [`Strategy::prepare_for_create`] for an object whose defaults were applied as it was
    /// decoded ([`crate::registry::WriteOptions::defaulted`]).
    fn prepare_defaulted_for_create(&self, info: &ResourceInfo, obj: &mut Value) {
        self.prepare_for_create(info, obj);
    }
    /// Carries over what an update may not change.
    fn prepare_for_update(&self, info: &ResourceInfo, new: &mut Value, old: &Value);
    /// Validates a new object.
    fn validate_create(&self, info: &ResourceInfo, obj: &Value) -> ErrorList;
    /// Validates an update of the main resource.
    fn validate_update(&self, info: &ResourceInfo, new: &Value, old: &Value) -> ErrorList;
    /// Validates an update through a subresource that writes part of the object: `status`, or
    /// a CertificateSigningRequest's `approval`.
    fn validate_status_update(
        &self,
        info: &ResourceInfo,
        subresource: &str,
        new: &Value,
        old: &Value,
    ) -> ErrorList;
    /// Carries over what such an update (`subresource`) may not change: `new` is the write
    /// as sent, so everything but the part the subresource writes and what its strategy lets
    /// through comes from `old` here (uid, timestamps and generation the store keeps itself).
    fn prepare_for_status_update(
        &self,
        info: &ResourceInfo,
        subresource: &str,
        new: &mut Value,
        old: &Value,
    );
    /// The grace period a delete waits (0 deletes at once).
    fn grace_period(&self, info: &ResourceInfo, obj: &Value, requested: Option<i64>) -> i64;
    /// Whether a PUT of a missing object creates it.
    fn allow_create_on_update(&self, info: &ResourceInfo) -> bool;
    /// Adjusts an object read from storage for the version the store serves (custom
    /// resources: pruning and defaulting as the stored version's schema says, then the
    /// served version).
    fn after_read(&self, _info: &ResourceInfo, _obj: &mut Value) {}
    /// The form an object is written to storage in, when it is not the object itself (custom
    /// resources served at another version: the storage version).
    fn storage_form(&self, _info: &ResourceInfo, _obj: &Value) -> Option<Value> {
        None
    }
}

fn is_crd(info: &ResourceInfo) -> bool {
    (info.group.as_str(), info.resource.as_str())
        == ("apiextensions.k8s.io", "customresourcedefinitions")
}

/// The strategy of every built-in resource, dispatching on group and resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinStrategy;

/// Resources whose objects carry `metadata.generation` (those with a spec/status split).
fn tracks_generation(info: &ResourceInfo) -> bool {
    info.subresource("status").is_some()
        && !matches!(info.resource.as_str(), "namespaces" | "nodes")
}

/// A new object of a resource with a spec/status split starts at generation 1.
fn start_generation(info: &ResourceInfo, obj: &mut Value) {
    if tracks_generation(info) {
        obj.meta_mut().insert("generation".into(), json!(1));
    }
}

impl Strategy for BuiltinStrategy {
    fn default(&self, info: &ResourceInfo, obj: &mut Value) {
        if is_crd(info) {
            crate::apiextensions::validation::default_crd(obj);
            return;
        }
        crate::api::default_object(&info.group, &info.kind, obj);
    }

    fn prepare_for_create(&self, info: &ResourceInfo, obj: &mut Value) {
        start_generation(info, obj);
        if is_crd(info) {
            self.default(info, obj);
            crate::apiextensions::validation::prepare_crd(obj, None);
            return;
        }
        // Defaults first, then the strategy's mutations (and defaults again).
        crate::api::prepare_for_create(&info.group, &info.kind, obj);
    }

    fn prepare_defaulted_for_create(&self, info: &ResourceInfo, obj: &mut Value) {
        if !crate::api::strategy::defaults_on_decode(&info.group, &info.kind) {
            return self.prepare_for_create(info, obj);
        }
        start_generation(info, obj);
        crate::api::strategy::prepare_defaulted_for_create(&info.group, &info.kind, obj);
    }

    fn prepare_for_update(&self, info: &ResourceInfo, new: &mut Value, old: &Value) {
        self.default(info, new);
        if is_crd(info) {
            crate::apiextensions::validation::prepare_crd(new, Some(old));
            return;
        }
        crate::api::prepare_for_update(&info.group, &info.kind, new, old);
    }

    fn validate_create(&self, info: &ResourceInfo, obj: &Value) -> ErrorList {
        if is_crd(info) {
            return crate::apiextensions::validation::validate_create(obj);
        }
        crate::api::validate_create(&info.group, &info.resource, obj)
    }

    fn validate_update(&self, info: &ResourceInfo, new: &Value, old: &Value) -> ErrorList {
        if is_crd(info) {
            return crate::apiextensions::validation::validate_update(new, old);
        }
        crate::api::validate_update(&info.group, &info.resource, new, old)
    }

    fn validate_status_update(
        &self,
        info: &ResourceInfo,
        subresource: &str,
        new: &Value,
        old: &Value,
    ) -> ErrorList {
        if is_crd(info) {
            return crate::apiextensions::validation::validate_status_update(new, old);
        }
        crate::api::validate_status_update(&info.group, &info.resource, subresource, new, old)
    }

    fn prepare_for_status_update(
        &self,
        info: &ResourceInfo,
        subresource: &str,
        new: &mut Value,
        old: &Value,
    ) {
        crate::api::prepare_for_status_update(&info.group, &info.kind, subresource, new, old);
    }

    fn grace_period(&self, info: &ResourceInfo, obj: &Value, requested: Option<i64>) -> i64 {
        if (info.group.as_str(), info.resource.as_str()) != ("", "pods") {
            return 0;
        }
        // Unscheduled and finished pods have nothing to stop.
        let node = obj.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
        let phase = obj.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
        if node.is_empty() || phase == "Succeeded" || phase == "Failed" {
            return 0;
        }
        let spec = obj.pointer("/spec/terminationGracePeriodSeconds").and_then(Value::as_i64);
        let grace = requested.or(spec).unwrap_or(30).max(0);
        match obj.meta().and_then(|m| m.get("deletionGracePeriodSeconds")).and_then(Value::as_i64) {
            Some(current) if obj.is_being_deleted() => grace.min(current),
            _ => grace,
        }
    }

    fn after_read(&self, info: &ResourceInfo, obj: &mut Value) {
        crate::conversion::normalize_stored(info, obj);
    }

    fn storage_form(&self, info: &ResourceInfo, obj: &Value) -> Option<Value> {
        crate::conversion::needs_normalizing(info, obj).then(|| {
            let mut obj = obj.clone();
            crate::conversion::normalize_stored(info, &mut obj);
            obj
        })
    }

    fn allow_create_on_update(&self, info: &ResourceInfo) -> bool {
        matches!(
            (info.group.as_str(), info.resource.as_str()),
            ("", "endpoints")
                | ("", "events")
                | ("", "limitranges")
                | ("events.k8s.io", "events")
                | ("coordination.k8s.io", "leases")
                | ("discovery.k8s.io", "endpointslices")
                | ("rbac.authorization.k8s.io", _)
        )
    }
}
