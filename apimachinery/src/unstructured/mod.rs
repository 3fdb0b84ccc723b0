//! Schemaless Kubernetes objects (k8s.io/apimachinery `apis/meta/v1/unstructured`): a JSON object
//! with typed accessors for its type and object metadata, lists of them, and conversion to and
//! from typed objects.

mod helpers;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, OwnerReference, Time};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::gofmt::type_name;

pub use crate::schema::GroupVersionKind;

pub use helpers::{
    AccessorError, Object, json_path, nested_bool, nested_f64, nested_field, nested_field_mut,
    nested_i64, nested_map, nested_null_coercing_string_map, nested_number_as_f64, nested_slice,
    nested_string, nested_string_map, nested_string_slice, remove_nested_field, set_nested_field,
    set_nested_string_map, set_nested_string_slice,
};

/// Converting between unstructured content and a typed object failed.
#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    /// The typed value did not serialize to a JSON object.
    #[error("unable to convert to unstructured: expected a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// serde reported an error.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// A Kubernetes object held as its JSON object form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unstructured {
    /// The object content.
    pub object: Object,
}

impl Serialize for Unstructured {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.object.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Unstructured {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self { object: Object::deserialize(d)? })
    }
}

impl From<Object> for Unstructured {
    fn from(object: Object) -> Self {
        Self { object }
    }
}

impl TryFrom<Value> for Unstructured {
    type Error = ConversionError;
    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match v {
            Value::Object(object) => Ok(Self { object }),
            other => Err(ConversionError::NotAnObject(type_name(&other))),
        }
    }
}

impl From<Unstructured> for Value {
    fn from(u: Unstructured) -> Self {
        Value::Object(u.object)
    }
}

fn get_string(obj: &Object, fields: &[&str]) -> String {
    nested_string(obj, fields).ok().flatten().unwrap_or_default()
}

fn set_or_remove_string(obj: &mut Object, value: &str, fields: &[&str]) {
    if value.is_empty() {
        remove_nested_field(obj, fields);
    } else {
        // Setters follow upstream: a non-object parent makes the call a silent no-op.
        let _ = set_nested_field(obj, Value::String(value.to_string()), fields);
    }
}

fn parse_time(s: &str) -> Option<Time> {
    if s.is_empty() {
        return None;
    }
    serde_json::from_value(Value::String(s.to_string())).ok()
}

fn format_time(t: &Time) -> Option<Value> {
    serde_json::to_value(t).ok()
}

impl Unstructured {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An object with `apiVersion` and `kind` set.
    pub fn with_type(api_version: &str, kind: &str) -> Self {
        let mut u = Self::new();
        u.set_api_version(api_version);
        u.set_kind(kind);
        u
    }

    /// Converts any serializable typed object.
    pub fn from_typed<T: Serialize + ?Sized>(typed: &T) -> Result<Self, ConversionError> {
        Self::try_from(serde_json::to_value(typed)?)
    }

    /// Converts to a typed object.
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, ConversionError> {
        Ok(T::deserialize(Value::Object(self.object.clone()))?)
    }

    /// Consumes the object and converts it to a typed object.
    pub fn into_typed<T: DeserializeOwned>(self) -> Result<T, ConversionError> {
        Ok(serde_json::from_value(Value::Object(self.object))?)
    }

    /// True when the object has an `items` list (upstream's `IsList`).
    pub fn is_list(&self) -> bool {
        matches!(self.object.get("items"), Some(Value::Array(_)))
    }

    /// Splits a list-shaped object into an [`UnstructuredList`]; a non-list becomes a list with
    /// no items and this object's fields.
    pub fn to_list(&self) -> Result<UnstructuredList, String> {
        let mut object = self.object.clone();
        let items = match object.shift_remove("items") {
            Some(Value::Array(items)) => items,
            Some(other) => {
                object.insert("items".into(), other);
                return Ok(UnstructuredList { object, items: Vec::new() });
            }
            None => return Ok(UnstructuredList { object, items: Vec::new() }),
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Object(m) => out.push(Unstructured { object: m }),
                other => {
                    return Err(format!("items member is not an object: {}", type_name(&other)));
                }
            }
        }
        Ok(UnstructuredList { object, items: out })
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> String {
        get_string(&self.object, &["apiVersion"])
    }
    /// Sets `apiVersion`.
    pub fn set_api_version(&mut self, v: &str) {
        self.object.insert("apiVersion".into(), Value::String(v.into()));
    }
    /// `kind`.
    pub fn kind(&self) -> String {
        get_string(&self.object, &["kind"])
    }
    /// Sets `kind`.
    pub fn set_kind(&mut self, v: &str) {
        self.object.insert("kind".into(), Value::String(v.into()));
    }
    /// Group, version and kind; empty when `apiVersion` cannot be parsed.
    pub fn group_version_kind(&self) -> GroupVersionKind {
        GroupVersionKind::from_api_version_and_kind(&self.api_version(), &self.kind())
    }
    /// Sets `apiVersion` and `kind` from a GVK.
    pub fn set_group_version_kind(&mut self, gvk: &GroupVersionKind) {
        self.set_api_version(&gvk.group_version().to_string());
        self.set_kind(&gvk.kind);
    }

    /// `metadata.name`.
    pub fn name(&self) -> String {
        get_string(&self.object, &["metadata", "name"])
    }
    /// Sets `metadata.name`; empty removes it.
    pub fn set_name(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "name"]);
    }
    /// `metadata.namespace`.
    pub fn namespace(&self) -> String {
        get_string(&self.object, &["metadata", "namespace"])
    }
    /// Sets `metadata.namespace`; empty removes it.
    pub fn set_namespace(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "namespace"]);
    }
    /// `metadata.generateName`.
    pub fn generate_name(&self) -> String {
        get_string(&self.object, &["metadata", "generateName"])
    }
    /// Sets `metadata.generateName`; empty removes it.
    pub fn set_generate_name(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "generateName"]);
    }
    /// `metadata.uid`.
    pub fn uid(&self) -> String {
        get_string(&self.object, &["metadata", "uid"])
    }
    /// Sets `metadata.uid`; empty removes it.
    pub fn set_uid(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "uid"]);
    }
    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> String {
        get_string(&self.object, &["metadata", "resourceVersion"])
    }
    /// Sets `metadata.resourceVersion`; empty removes it.
    pub fn set_resource_version(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "resourceVersion"]);
    }
    /// `metadata.selfLink`.
    pub fn self_link(&self) -> String {
        get_string(&self.object, &["metadata", "selfLink"])
    }
    /// Sets `metadata.selfLink`; empty removes it.
    pub fn set_self_link(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "selfLink"]);
    }
    /// `metadata.generation` (0 when absent or not an integer).
    pub fn generation(&self) -> i64 {
        nested_i64(&self.object, &["metadata", "generation"]).ok().flatten().unwrap_or(0)
    }
    /// Sets `metadata.generation`; 0 removes it.
    pub fn set_generation(&mut self, v: i64) {
        if v == 0 {
            remove_nested_field(&mut self.object, &["metadata", "generation"]);
        } else {
            let _ = set_nested_field(&mut self.object, Value::from(v), &["metadata", "generation"]);
        }
    }
    /// `metadata.creationTimestamp` (None when absent or unparsable).
    pub fn creation_timestamp(&self) -> Option<Time> {
        parse_time(&get_string(&self.object, &["metadata", "creationTimestamp"]))
    }
    /// Sets `metadata.creationTimestamp`; None removes it.
    pub fn set_creation_timestamp(&mut self, t: Option<&Time>) {
        self.set_time(t, "creationTimestamp");
    }
    /// `metadata.deletionTimestamp`.
    pub fn deletion_timestamp(&self) -> Option<Time> {
        parse_time(&get_string(&self.object, &["metadata", "deletionTimestamp"]))
    }
    /// Sets `metadata.deletionTimestamp`; None removes it.
    pub fn set_deletion_timestamp(&mut self, t: Option<&Time>) {
        self.set_time(t, "deletionTimestamp");
    }
    fn set_time(&mut self, t: Option<&Time>, field: &str) {
        match t.and_then(format_time) {
            Some(v) => {
                let _ = set_nested_field(&mut self.object, v, &["metadata", field]);
            }
            None => remove_nested_field(&mut self.object, &["metadata", field]),
        }
    }
    /// `metadata.deletionGracePeriodSeconds`.
    pub fn deletion_grace_period_seconds(&self) -> Option<i64> {
        nested_i64(&self.object, &["metadata", "deletionGracePeriodSeconds"]).ok().flatten()
    }
    /// Sets `metadata.deletionGracePeriodSeconds`; None removes it.
    pub fn set_deletion_grace_period_seconds(&mut self, v: Option<i64>) {
        let path = ["metadata", "deletionGracePeriodSeconds"];
        match v {
            Some(v) => {
                let _ = set_nested_field(&mut self.object, Value::from(v), &path);
            }
            None => remove_nested_field(&mut self.object, &path),
        }
    }
    /// `metadata.labels` (None when absent, null or malformed).
    pub fn labels(&self) -> Option<BTreeMap<String, String>> {
        nested_null_coercing_string_map(&self.object, &["metadata", "labels"])
            .ok()
            .flatten()
            .flatten()
    }
    /// Sets `metadata.labels`; None removes them.
    pub fn set_labels(&mut self, v: Option<&BTreeMap<String, String>>) {
        self.set_string_map(v, "labels");
    }
    /// `metadata.annotations`.
    pub fn annotations(&self) -> Option<BTreeMap<String, String>> {
        nested_null_coercing_string_map(&self.object, &["metadata", "annotations"])
            .ok()
            .flatten()
            .flatten()
    }
    /// Sets `metadata.annotations`; None removes them.
    pub fn set_annotations(&mut self, v: Option<&BTreeMap<String, String>>) {
        self.set_string_map(v, "annotations");
    }
    fn set_string_map(&mut self, v: Option<&BTreeMap<String, String>>, field: &str) {
        match v {
            Some(m) => {
                let _ = set_nested_string_map(&mut self.object, m, &["metadata", field]);
            }
            None => remove_nested_field(&mut self.object, &["metadata", field]),
        }
    }
    /// `metadata.finalizers`.
    pub fn finalizers(&self) -> Option<Vec<String>> {
        nested_string_slice(&self.object, &["metadata", "finalizers"]).ok().flatten()
    }
    /// Sets `metadata.finalizers`; None removes them.
    pub fn set_finalizers(&mut self, v: Option<&[String]>) {
        match v {
            Some(f) => {
                let _ = set_nested_string_slice(&mut self.object, f, &["metadata", "finalizers"]);
            }
            None => remove_nested_field(&mut self.object, &["metadata", "finalizers"]),
        }
    }
    /// `metadata.ownerReferences`; None when absent or any entry is not an object.
    pub fn owner_references(&self) -> Option<Vec<OwnerReference>> {
        let Ok(Some(Value::Array(items))) =
            nested_field(&self.object, &["metadata", "ownerReferences"])
        else {
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Value::Object(m) = item else { return None };
            // Field by field, as upstream: a malformed field becomes its zero value.
            out.push(OwnerReference {
                api_version: get_string(m, &["apiVersion"]),
                kind: get_string(m, &["kind"]),
                name: get_string(m, &["name"]),
                uid: get_string(m, &["uid"]),
                controller: nested_bool(m, &["controller"]).ok().flatten(),
                block_owner_deletion: nested_bool(m, &["blockOwnerDeletion"]).ok().flatten(),
            });
        }
        Some(out)
    }
    /// Sets `metadata.ownerReferences`; None removes them.
    pub fn set_owner_references(&mut self, v: Option<&[OwnerReference]>) {
        self.set_typed_list(v, "ownerReferences");
    }
    /// `metadata.managedFields`; None when absent or any entry fails to convert.
    pub fn managed_fields(&self) -> Option<Vec<ManagedFieldsEntry>> {
        let Ok(Some(Value::Array(items))) =
            nested_field(&self.object, &["metadata", "managedFields"])
        else {
            return None;
        };
        items.iter().map(|i| ManagedFieldsEntry::deserialize(i).ok()).collect()
    }
    /// Sets `metadata.managedFields`; None removes them.
    pub fn set_managed_fields(&mut self, v: Option<&[ManagedFieldsEntry]>) {
        self.set_typed_list(v, "managedFields");
    }
    fn set_typed_list<T: Serialize>(&mut self, v: Option<&[T]>, field: &str) {
        match v.map(serde_json::to_value) {
            Some(Ok(list)) => {
                let _ = set_nested_field(&mut self.object, list, &["metadata", field]);
            }
            Some(Err(_)) => {}
            None => remove_nested_field(&mut self.object, &["metadata", field]),
        }
    }
    /// `metadata.continue` (list objects).
    pub fn continue_token(&self) -> String {
        get_string(&self.object, &["metadata", "continue"])
    }
    /// `metadata.remainingItemCount` (list objects).
    pub fn remaining_item_count(&self) -> Option<i64> {
        nested_i64(&self.object, &["metadata", "remainingItemCount"]).ok().flatten()
    }
}

/// A list of unstructured objects: the list's own fields (`apiVersion`, `kind`, `metadata`)
/// plus its items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnstructuredList {
    /// The list's fields other than `items`.
    pub object: Object,
    /// The items.
    pub items: Vec<Unstructured>,
}

impl Serialize for UnstructuredList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = self.object.clone();
        m.insert(
            "items".into(),
            Value::Array(self.items.iter().map(|i| Value::Object(i.object.clone())).collect()),
        );
        m.serialize(s)
    }
}

impl<'de> Deserialize<'de> for UnstructuredList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut object = Object::deserialize(d)?;
        let items = match object.shift_remove("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "items is of the type {}, expected []interface{{}}",
                    type_name(&other)
                )));
            }
        };
        let mut list = UnstructuredList { object, items: Vec::with_capacity(items.len()) };
        let (api_version, item_kind) =
            (list.api_version(), list.kind().trim_end_matches("List").to_string());
        for item in items {
            let Value::Object(m) = item else {
                return Err(serde::de::Error::custom("items member is not an object"));
            };
            let mut u = Unstructured { object: m };
            // Typed lists omit the items' type; infer it from the list as upstream does.
            if u.kind().is_empty() && u.api_version().is_empty() {
                u.set_kind(&item_kind);
                u.set_api_version(&api_version);
            }
            list.items.push(u);
        }
        Ok(list)
    }
}

impl UnstructuredList {
    /// An empty list with `apiVersion` and `kind` set.
    pub fn with_type(api_version: &str, kind: &str) -> Self {
        let mut object = Map::new();
        object.insert("apiVersion".into(), Value::String(api_version.into()));
        object.insert("kind".into(), Value::String(kind.into()));
        Self { object, items: Vec::new() }
    }
    /// Converts any serializable typed list (e.g. `PodList`).
    pub fn from_typed<T: Serialize + ?Sized>(typed: &T) -> Result<Self, ConversionError> {
        Ok(serde_json::from_value(serde_json::to_value(typed)?)?)
    }
    /// Converts to a typed list.
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, ConversionError> {
        Ok(serde_json::from_value(serde_json::to_value(self)?)?)
    }
    /// `apiVersion`.
    pub fn api_version(&self) -> String {
        get_string(&self.object, &["apiVersion"])
    }
    /// `kind`.
    pub fn kind(&self) -> String {
        get_string(&self.object, &["kind"])
    }
    /// Group, version and kind.
    pub fn group_version_kind(&self) -> GroupVersionKind {
        GroupVersionKind::from_api_version_and_kind(&self.api_version(), &self.kind())
    }
    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> String {
        get_string(&self.object, &["metadata", "resourceVersion"])
    }
    /// Sets `metadata.resourceVersion`; empty removes it.
    pub fn set_resource_version(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "resourceVersion"]);
    }
    /// `metadata.continue`.
    pub fn continue_token(&self) -> String {
        get_string(&self.object, &["metadata", "continue"])
    }
    /// Sets `metadata.continue`; empty removes it.
    pub fn set_continue_token(&mut self, v: &str) {
        set_or_remove_string(&mut self.object, v, &["metadata", "continue"]);
    }
    /// `metadata.remainingItemCount`.
    pub fn remaining_item_count(&self) -> Option<i64> {
        nested_i64(&self.object, &["metadata", "remainingItemCount"]).ok().flatten()
    }
    /// Sets `metadata.remainingItemCount`; None removes it.
    pub fn set_remaining_item_count(&mut self, v: Option<i64>) {
        let path = ["metadata", "remainingItemCount"];
        match v {
            Some(v) => {
                let _ = set_nested_field(&mut self.object, Value::from(v), &path);
            }
            None => remove_nested_field(&mut self.object, &path),
        }
    }
}
