//! `metadata.managedFields` in memory: who owns which fields, keyed as upstream keys managers
//! (manager, operation, API version for updates, subresource), and the entries' wire form.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::fieldpath::Set;

/// The operation an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Any other write (create, update, patch).
    Update,
}

impl Operation {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// Identifies one manager: entries with the same identity merge. Apply entries do not
/// include their API version in the identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ManagerKey {
    /// `manager`.
    pub manager: String,
    /// `operation`.
    pub operation: Operation,
    /// `apiVersion` (empty for Apply).
    pub api_version: String,
    /// `subresource` (empty for the main resource).
    pub subresource: String,
}

impl ManagerKey {
    /// The identity of a manager writing at `api_version` through `subresource`.
    pub fn new(manager: &str, operation: Operation, api_version: &str, subresource: &str) -> Self {
        ManagerKey {
            manager: if manager.is_empty() { "unknown".into() } else { manager.to_string() },
            operation,
            api_version: match operation {
                Operation::Apply => String::new(),
                Operation::Update => api_version.to_string(),
            },
            subresource: subresource.to_string(),
        }
    }

    /// The identity as upstream spells it (a JSON entry without fields and time), which is
    /// what conflicts are ordered by.
    pub fn identifier(&self) -> String {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        m.insert("operation".into(), json!(self.operation.as_str()));
        if !self.api_version.is_empty() {
            m.insert("apiVersion".into(), json!(self.api_version));
        }
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m).to_string()
    }
}

/// The fields one manager owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedSet {
    /// The fields.
    pub set: Set,
    /// The API version the paths are in.
    pub api_version: String,
    /// Whether they were applied (an Apply entry).
    pub applied: bool,
}

/// Every manager's fields and the time of its last change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Managed {
    /// Fields per manager.
    pub fields: BTreeMap<ManagerKey, VersionedSet>,
    /// `time` per manager (absent for some entries).
    pub times: BTreeMap<ManagerKey, String>,
}

impl Managed {
    /// Whether no manager owns anything.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Drops managers that own nothing.
    pub fn prune_empty(&mut self) {
        self.fields.retain(|_, v| !v.set.is_empty());
        let fields = &self.fields;
        self.times.retain(|k, _| fields.contains_key(k));
    }

    /// Decodes `metadata.managedFields` (absent or null is empty).
    pub fn decode(entries: Option<&Value>) -> Result<Managed, String> {
        let mut out = Managed::default();
        let entries = match entries {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Array(a)) => a,
            Some(_) => return Err("managedFields must be a list".into()),
        };
        for (i, e) in entries.iter().enumerate() {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("");
            let operation = match s("operation") {
                "Apply" => Operation::Apply,
                "Update" => Operation::Update,
                _ => return Err("operation must be `Apply` or `Update`".into()),
            };
            let api_version = s("apiVersion");
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match s("fieldsType") {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ));
                }
            }
            let key = ManagerKey {
                manager: s("manager").to_string(),
                operation,
                api_version: match operation {
                    Operation::Apply => String::new(),
                    Operation::Update => api_version.to_string(),
                },
                subresource: s("subresource").to_string(),
            };
            let set = match e.get("fieldsV1") {
                None | Some(Value::Null) => Set::new(),
                Some(v) => Set::from_fields_v1(v).map_err(|err| {
                    format!(
                        "error decoding versioned set from entry {i}: error decoding set: {err}"
                    )
                })?,
            };
            let applied = operation == Operation::Apply;
            out.fields.insert(
                key.clone(),
                VersionedSet { set, api_version: api_version.to_string(), applied },
            );
            match e.get("time").and_then(Value::as_str) {
                Some(t) => {
                    out.times.insert(key, t.to_string());
                }
                None => {
                    out.times.remove(&key);
                }
            }
        }
        Ok(out)
    }

    /// The entries in upstream's order (operation, time, manager, API version,
    /// subresource); `None` when no manager owns anything.
    pub fn encode(&self) -> Option<Value> {
        if self.fields.is_empty() {
            return None;
        }
        let mut entries: Vec<(&ManagerKey, &VersionedSet, Option<&String>)> =
            self.fields.iter().map(|(k, v)| (k, v, self.times.get(k))).collect();
        let seconds = |t: Option<&String>| -> i64 {
            t.and_then(|t| t.parse::<jiff::Timestamp>().ok()).map_or(0, |t| t.as_second())
        };
        entries.sort_by(|a, b| {
            let op = |e: &(&ManagerKey, &VersionedSet, Option<&String>)| {
                if e.1.applied { Operation::Apply } else { e.0.operation }
            };
            op(a)
                .as_str()
                .cmp(op(b).as_str())
                .then_with(|| seconds(a.2).cmp(&seconds(b.2)))
                .then_with(|| a.0.manager.cmp(&b.0.manager))
                .then_with(|| a.1.api_version.cmp(&b.1.api_version))
                .then_with(|| a.0.subresource.cmp(&b.0.subresource))
        });
        let out = entries
            .into_iter()
            .map(|(k, v, time)| {
                let mut m = Map::new();
                m.insert("manager".into(), json!(k.manager));
                let op = if v.applied { Operation::Apply } else { k.operation };
                m.insert("operation".into(), json!(op.as_str()));
                m.insert("apiVersion".into(), json!(v.api_version));
                if let Some(t) = time {
                    m.insert("time".into(), json!(t));
                }
                m.insert("fieldsType".into(), json!("FieldsV1"));
                m.insert("fieldsV1".into(), v.set.to_fields_v1());
                if !k.subresource.is_empty() {
                    m.insert("subresource".into(), json!(k.subresource));
                }
                Value::Object(m)
            })
            .collect();
        Some(Value::Array(out))
    }
}

/// Whether a client's managedFields ask to clear all entries: an empty list, or one empty
/// entry.
pub fn is_reset(entries: Option<&Value>) -> bool {
    match entries {
        Some(Value::Array(a)) => {
            a.is_empty() || (a.len() == 1 && a[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    }
}

/// Bounds the number of Update managers (upstream's cap of 10): the oldest ones are folded
/// into one `ancient-changes` manager per API version.
pub fn cap_update_managers(managed: &mut Managed, max: usize) {
    let mut updaters: Vec<ManagerKey> =
        managed.fields.iter().filter(|(_, v)| !v.applied).map(|(k, _)| k.clone()).collect();
    if updaters.len() <= max {
        return;
    }
    let seconds = |k: &ManagerKey| -> i64 {
        managed
            .times
            .get(k)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map_or(0, |t| t.as_second())
    };
    updaters.sort_by(|a, b| {
        seconds(a).cmp(&seconds(b)).then_with(|| a.identifier().cmp(&b.identifier()))
    });
    let mut first_per_version: BTreeMap<String, ManagerKey> = BTreeMap::new();
    let mut length = updaters.len();
    for manager in updaters {
        if length <= max {
            break;
        }
        let Some(vs) = managed.fields.get(&manager).cloned() else { continue };
        let time = managed.times.get(&manager).cloned();
        let bucket = ManagerKey::new("ancient-changes", Operation::Update, &vs.api_version, "");
        match first_per_version.get(&vs.api_version) {
            Some(first) => {
                if !managed.fields.contains_key(&bucket)
                    && let Some(s) = managed.fields.remove(first)
                {
                    managed.times.remove(first);
                    managed.fields.insert(bucket.clone(), s);
                }
                let merged = match managed.fields.get(&bucket) {
                    Some(b) => vs.set.union(&b.set),
                    None => vs.set.clone(),
                };
                managed.fields.insert(
                    bucket.clone(),
                    VersionedSet {
                        set: merged,
                        api_version: vs.api_version.clone(),
                        applied: false,
                    },
                );
                managed.fields.remove(&manager);
                managed.times.remove(&manager);
                length -= 1;
                match time {
                    Some(t) => managed.times.insert(bucket, t),
                    None => managed.times.remove(&bucket),
                };
            }
            None => {
                first_per_version.insert(vs.api_version.clone(), manager);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn entries_round_trip_in_upstream_order() {
        let entries = json!([
            {"manager": "b", "operation": "Update", "apiVersion": "v1",
             "time": "2024-01-01T00:00:02Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {"f:b": {}}}},
            {"manager": "a", "operation": "Update", "apiVersion": "v1",
             "time": "2024-01-01T00:00:01Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {"f:a": {}}}, "subresource": "status"},
            {"manager": "z", "operation": "Apply", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:z": {}}}},
        ]);
        let managed = Managed::decode(Some(&entries)).unwrap();
        assert_eq!(managed.fields.len(), 3);
        let out = managed.encode().unwrap();
        let managers: Vec<&str> =
            out.as_array().unwrap().iter().map(|e| e["manager"].as_str().unwrap()).collect();
        assert_eq!(managers, ["z", "a", "b"]);
        assert_eq!(out[0].get("time"), None);
        assert_eq!(out[1]["subresource"], "status");
        assert_eq!(Managed::decode(Some(&out)).unwrap(), managed);
    }

    #[test]
    fn bad_entries_are_rejected() {
        for (entry, want) in [
            (json!({"operation": "Merge", "apiVersion": "v1"}), "operation must be"),
            (json!({"operation": "Update"}), "apiVersion must not be empty"),
            (json!({"operation": "Update", "apiVersion": "v1"}), "missing fieldsType"),
            (
                json!({"operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV2"}),
                "invalid fieldsType",
            ),
        ] {
            let err = Managed::decode(Some(&json!([entry]))).unwrap_err();
            assert!(err.contains(want), "{err}");
        }
        assert!(is_reset(Some(&json!([]))));
        assert!(is_reset(Some(&json!([{}]))));
        assert!(!is_reset(None));
        assert!(!is_reset(Some(&json!([{"manager": "x"}]))));
    }

    #[test]
    fn update_managers_are_capped() {
        let mut managed = Managed::default();
        for i in 0..12 {
            let key = ManagerKey::new(&format!("m{i:02}"), Operation::Update, "v1", "");
            let set =
                Set::from_paths([
                    &[super::super::fieldpath::PathElement::field(format!("f{i}"))][..]
                ]);
            managed.fields.insert(
                key.clone(),
                VersionedSet { set, api_version: "v1".into(), applied: false },
            );
            managed.times.insert(key, format!("2024-01-01T00:00:{i:02}Z"));
        }
        cap_update_managers(&mut managed, 10);
        assert_eq!(managed.fields.len(), 10);
        let bucket = ManagerKey::new("ancient-changes", Operation::Update, "v1", "");
        assert_eq!(managed.fields[&bucket].set.paths().len(), 3);
        assert_eq!(managed.times[&bucket], "2024-01-01T00:00:02Z");
    }
}
