//! Object keys: how cached objects are named (`namespace/name`) and how their metadata is read.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::cache::CacheError;

/// The identifying metadata of an object, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetaRef<'a> {
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: &'a str,
    /// Object name.
    pub name: &'a str,
    /// Resource version; empty when unset.
    pub resource_version: &'a str,
}

/// Selects the [`MetaAccess`] implementation for typed `k8s_openapi` resources.
#[derive(Debug)]
pub enum ViaMetadata {}

/// Selects the [`MetaAccess`] implementation for `serde_json::Value` objects.
#[derive(Debug)]
pub enum ViaJson {}

/// Read access to an object's `metadata`, the counterpart of upstream's `meta.Accessor`.
///
/// `Via` exists only so that the blanket implementation for every
/// `k8s_openapi::Metadata<Ty = ObjectMeta>` type can coexist with the one for
/// `serde_json::Value` (coherence forbids two unmarked impls); callers leave it to inference.
/// Own types implement `MetaAccess` (with the default marker) directly.
pub trait MetaAccess<Via = ViaMetadata> {
    /// Borrows the object's identifying metadata, or fails when the object has none.
    fn meta(&self) -> Result<MetaRef<'_>, CacheError>;
}

impl<M> MetaAccess<ViaMetadata> for M
where
    M: k8s_openapi::Metadata<Ty = ObjectMeta>,
{
    fn meta(&self) -> Result<MetaRef<'_>, CacheError> {
        let meta = self.metadata();
        Ok(MetaRef {
            namespace: meta.namespace.as_deref().unwrap_or_default(),
            name: meta.name.as_deref().unwrap_or_default(),
            resource_version: meta.resource_version.as_deref().unwrap_or_default(),
        })
    }
}

impl MetaAccess<ViaJson> for serde_json::Value {
    /// Mirrors `unstructured.Unstructured`: any JSON object has (possibly empty) metadata,
    /// anything else has none.
    fn meta(&self) -> Result<MetaRef<'_>, CacheError> {
        let Some(object) = self.as_object() else {
            return Err(CacheError::NoMeta(
                "object does not implement the Object interfaces".to_string(),
            ));
        };
        let field = |name: &str| {
            object
                .get("metadata")
                .and_then(|m| m.get(name))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
        };
        Ok(MetaRef {
            namespace: field("namespace"),
            name: field("name"),
            resource_version: field("resourceVersion"),
        })
    }
}

/// Computes an object's cache key; see [`meta_namespace_key_func`] for the standard one.
pub type KeyFunc<T> = Arc<dyn Fn(&T) -> Result<String, CacheError> + Send + Sync>;

/// The standard key: `namespace/name`, or just `name` for cluster-scoped objects.
pub fn meta_namespace_key_func<T: MetaAccess<V>, V>(obj: &T) -> Result<String, CacheError> {
    let meta = obj.meta()?;
    Ok(object_key(meta.namespace, meta.name))
}

/// Joins a namespace and a name into a cache key (`name` alone when the namespace is empty).
pub fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() { name.to_string() } else { format!("{namespace}/{name}") }
}

/// Splits a key made by [`meta_namespace_key_func`] into `(namespace, name)`.
pub fn split_meta_namespace_key(key: &str) -> Result<(&str, &str), CacheError> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, _) => Ok(("", name)),
        (Some(namespace), Some(name), None) => Ok((namespace, name)),
        _ => Err(CacheError::UnexpectedKeyFormat(key.to_string())),
    }
}

/// The last known state of an object whose deletion was missed (for example while a watch
/// was down): the object may be stale, or absent when it was never known.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedFinalStateUnknown<T> {
    /// The key the object was stored under.
    pub key: String,
    /// The last state the cache saw, if any.
    pub obj: Option<Arc<T>>,
}

/// What a delta carries and what stores delete: a live object or a tombstone.
#[derive(Debug, PartialEq)]
pub enum DeltaObject<T> {
    /// A regular object.
    Object(Arc<T>),
    /// A deletion whose final state is unknown.
    Tombstone(DeletedFinalStateUnknown<T>),
}

// Written by hand: deriving would wrongly require `T: Clone`.
impl<T> Clone for DeltaObject<T> {
    fn clone(&self) -> Self {
        match self {
            DeltaObject::Object(obj) => DeltaObject::Object(Arc::clone(obj)),
            DeltaObject::Tombstone(t) => DeltaObject::Tombstone(DeletedFinalStateUnknown {
                key: t.key.clone(),
                obj: t.obj.clone(),
            }),
        }
    }
}

impl<T> From<Arc<T>> for DeltaObject<T> {
    fn from(obj: Arc<T>) -> Self {
        DeltaObject::Object(obj)
    }
}

impl<T> From<DeletedFinalStateUnknown<T>> for DeltaObject<T> {
    fn from(tombstone: DeletedFinalStateUnknown<T>) -> Self {
        DeltaObject::Tombstone(tombstone)
    }
}

impl<T> DeltaObject<T> {
    /// The live object, or the tombstone's last known state.
    pub fn object(&self) -> Option<&Arc<T>> {
        match self {
            DeltaObject::Object(obj) => Some(obj),
            DeltaObject::Tombstone(t) => t.obj.as_ref(),
        }
    }

    /// The tombstone, when this is one.
    pub fn tombstone(&self) -> Option<&DeletedFinalStateUnknown<T>> {
        match self {
            DeltaObject::Tombstone(t) => Some(t),
            DeltaObject::Object(_) => None,
        }
    }

    /// The key under `key_func`; a tombstone yields the key it was stored under
    /// (upstream's `DeletionHandlingMetaNamespaceKeyFunc` behaviour).
    pub fn key_with(
        &self,
        key_func: &(dyn Fn(&T) -> Result<String, CacheError> + '_),
    ) -> Result<String, CacheError> {
        match self {
            DeltaObject::Object(obj) => key_func(obj),
            DeltaObject::Tombstone(t) => Ok(t.key.clone()),
        }
    }
}

/// [`meta_namespace_key_func`] that also accepts tombstones, yielding their stored key.
pub fn deletion_handling_meta_namespace_key_func<T: MetaAccess<V>, V>(
    obj: &DeltaObject<T>,
) -> Result<String, CacheError> {
    obj.key_with(&meta_namespace_key_func::<T, V>)
}

/// Index name under which [`meta_namespace_index_func`] is conventionally registered.
pub const NAMESPACE_INDEX: &str = "namespace";

/// Indexes objects by namespace (the empty string for cluster-scoped or metadata-less objects).
pub fn meta_namespace_index_func<T: MetaAccess<V>, V>(obj: &T) -> Vec<String> {
    vec![obj.meta().map(|m| m.namespace.to_string()).unwrap_or_default()]
}
