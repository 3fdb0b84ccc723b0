//! Metadata accessors on JSON objects (`serde_json::Value`), the form every object takes inside
//! the server.

use serde_json::{Map, Value};

/// Read and write access to `metadata` of a JSON object.
pub trait ObjectMetaExt {
    /// `metadata`, if the object has one.
    fn meta(&self) -> Option<&Map<String, Value>>;
    /// `metadata`, created when missing (and when the value is not an object, replaced).
    fn meta_mut(&mut self) -> &mut Map<String, Value>;

    /// A string field of `metadata` (empty when absent).
    fn meta_str(&self, field: &str) -> &str {
        self.meta().and_then(|m| m.get(field)).and_then(Value::as_str).unwrap_or("")
    }
    /// `metadata.name`.
    fn name(&self) -> &str {
        self.meta_str("name")
    }
    /// `metadata.namespace`.
    fn namespace(&self) -> &str {
        self.meta_str("namespace")
    }
    /// `metadata.resourceVersion`.
    fn resource_version(&self) -> &str {
        self.meta_str("resourceVersion")
    }
    /// `metadata.uid`.
    fn uid(&self) -> &str {
        self.meta_str("uid")
    }
    /// Sets (or with an empty value removes) a string field of `metadata`.
    fn set_meta_str(&mut self, field: &str, value: &str) {
        let meta = self.meta_mut();
        if value.is_empty() {
            meta.remove(field);
        } else {
            meta.insert(field.to_string(), Value::String(value.to_string()));
        }
    }
    /// `metadata.labels` as a label set.
    fn labels(&self) -> apimachinery::labels::Set {
        apimachinery::labels::Set(string_map(self.meta().and_then(|m| m.get("labels"))))
    }
    /// `metadata.finalizers`.
    fn finalizers(&self) -> Vec<String> {
        self.meta()
            .and_then(|m| m.get("finalizers"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }
    /// Whether `metadata.deletionTimestamp` is set.
    fn is_being_deleted(&self) -> bool {
        self.meta().and_then(|m| m.get("deletionTimestamp")).is_some_and(|v| !v.is_null())
    }
}

impl ObjectMetaExt for Value {
    fn meta(&self) -> Option<&Map<String, Value>> {
        self.get("metadata").and_then(Value::as_object)
    }

    fn meta_mut(&mut self) -> &mut Map<String, Value> {
        if !self.is_object() {
            *self = Value::Object(Map::new());
        }
        let Value::Object(obj) = self else { unreachable!("made an object above") };
        let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        match meta {
            Value::Object(m) => m,
            _ => unreachable!("made an object above"),
        }
    }
}

/// A JSON object of strings as a sorted map (non-string values are skipped).
pub fn string_map(v: Option<&Value>) -> std::collections::BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect()
        })
        .unwrap_or_default()
}

/// The current time as metav1.Time serializes it (RFC 3339, whole seconds, UTC).
pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second()).map(|t| t.to_string()).unwrap_or_default()
}

/// Makes `new` the stored object `old` with only `part` (`status`, or `spec`) taken from the
/// write, keeping the write's resourceVersion and, when it brings any, its managedFields
/// (a write of one part changes that part and the ownership of its fields, nothing else).
pub fn keep_written_part(new: &mut Value, old: &Value, part: &str) {
    let written = new.get(part).cloned();
    let rv = new.resource_version().to_string();
    let managed = new
        .pointer("/metadata/managedFields")
        .filter(|m| m.as_array().is_some_and(|a| !a.is_empty()))
        .cloned();
    *new = old.clone();
    if let Some(managed) = managed {
        new.meta_mut().insert("managedFields".into(), managed);
    }
    if let Some(o) = new.as_object_mut() {
        match written {
            Some(w) => o.insert(part.into(), w),
            None => o.remove(part),
        };
    }
    new.set_meta_str("resourceVersion", &rv);
}

/// Upstream's `Preconditions.Check`: the UID and resourceVersion a request requires of the
/// stored object `current`, as a Conflict on `gr`/`name` naming the mismatch.
pub fn check_preconditions(
    gr: &apimachinery::schema::GroupResource,
    name: &str,
    uid: Option<&str>,
    resource_version: Option<&str>,
    current: &Value,
) -> Result<(), apimachinery::errors::StatusError> {
    let conflict =
        |message: String| Err(apimachinery::errors::StatusError::new_conflict(gr, name, message));
    if let Some(uid) = uid
        && uid != current.uid()
    {
        return conflict(format!(
            "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
            current.uid()
        ));
    }
    if let Some(rv) = resource_version
        && rv != current.resource_version()
    {
        return conflict(format!(
            "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in \
             object meta: {}",
            current.resource_version()
        ));
    }
    Ok(())
}
