//! JSON patch (RFC 6902) and JSON merge patch (RFC 7396): applying them, creating merge
//! patches (two- and three-way, as kubectl apply does for custom resources), and the patch
//! content types.

use serde_json::{Map, Value};

use super::errors::PatchError;
use super::strategic::{Precondition, check_preconditions, sort_keys, to_map};
use crate::codec::to_yaml;

type JsonMap = Map<String, Value>;

/// The content type of a PATCH request body (upstream's `types.PatchType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7396).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// Every patch type.
    pub const ALL: [PatchType; 4] =
        [PatchType::Json, PatchType::Merge, PatchType::StrategicMerge, PatchType::Apply];

    /// The media type string.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }

    /// Parses a `Content-Type` value, ignoring parameters (`; charset=utf-8`) and case;
    /// `None` when it is not a patch type.
    pub fn from_media_type(media_type: &str) -> Option<PatchType> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        PatchType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(essence))
    }
}

impl std::fmt::Display for PatchType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PatchType {
    type Err = PatchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatchType::from_media_type(s)
            .ok_or_else(|| PatchError::Invalid(format!("unknown patch type: {s}")))
    }
}

/// Applies an RFC 6902 JSON patch (a JSON array of operations) to `doc`.
///
/// A patch that is not a list of valid operations is [`PatchError::InvalidJsonPatch`]; a
/// failing operation (missing path, failed `test`) is [`PatchError::JsonPatchFailed`].
pub fn apply_json_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| PatchError::InvalidJsonPatch(e.to_string()))?;
    let mut out = doc.clone();
    json_patch::patch(&mut out, &ops).map_err(|e| PatchError::JsonPatchFailed(e.to_string()))?;
    Ok(out)
}

/// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes a key and
/// everything else (lists included) replaces.
pub fn apply_merge_patch(doc: &Value, patch: &Value) -> Value {
    let mut out = doc.clone();
    json_patch::merge(&mut out, patch);
    out
}

/// Computes the JSON merge patch turning `original` into `modified` (evanphx
/// `CreateMergePatch`); both must be objects. Keys come out sorted.
pub fn create_merge_patch(original: &Value, modified: &Value) -> Result<Value, PatchError> {
    let (Value::Object(o), Value::Object(m)) = (original, modified) else {
        return Err(PatchError::BadJsonDoc);
    };
    let mut patch = Value::Object(diff_objects(o, m));
    sort_keys(&mut patch);
    Ok(patch)
}

fn diff_objects(original: &JsonMap, modified: &JsonMap) -> JsonMap {
    let mut patch = JsonMap::new();
    for (k, ov) in original {
        match modified.get(k) {
            None => {
                patch.insert(k.clone(), Value::Null);
            }
            Some(Value::Object(mv)) if ov.is_object() => {
                let sub = diff_objects(ov.as_object().unwrap_or(&JsonMap::new()), mv);
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            Some(mv) if !json_equal(ov, mv) => {
                patch.insert(k.clone(), mv.clone());
            }
            Some(_) => {}
        }
    }
    for (k, mv) in modified {
        if !original.contains_key(k) {
            patch.insert(k.clone(), mv.clone());
        }
    }
    patch
}

/// Equality with numbers compared by value, as evanphx decodes all numbers to float64.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// True when two patches set the same key to different values (upstream's
/// `mergepatch.HasConflicts`); lists conflict unless identical element by element.
pub fn has_conflicts(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            l.iter().any(|(k, lv)| r.get(k).is_some_and(|rv| has_conflicts(lv, rv)))
        }
        (Value::Object(_), _) => true,
        (Value::Array(l), Value::Array(r)) => {
            l.len() != r.len() || l.iter().zip(r).any(|(a, b)| has_conflicts(a, b))
        }
        (Value::Array(_), _) => true,
        _ => left != right,
    }
}

/// Keeps only the nulls (`keep_null`) or only the non-null values of a merge patch, dropping
/// maps left empty (upstream's `keepOrDeleteNullInObj`).
fn keep_or_delete_null(m: &JsonMap, keep_null: bool) -> JsonMap {
    let mut out = JsonMap::new();
    for (k, v) in m {
        match v {
            Value::Null if keep_null => {
                out.insert(k.clone(), Value::Null);
            }
            Value::Null => {}
            Value::Object(sub) if sub.is_empty() => {
                if !keep_null {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(sub) => {
                let filtered = keep_or_delete_null(sub, keep_null);
                if !filtered.is_empty() {
                    out.insert(k.clone(), Value::Object(filtered));
                }
            }
            _ => {
                if !keep_null {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// Computes the JSON merge patch kubectl's client-side apply sends for types without a
/// strategic merge schema (upstream's `jsonmergepatch.CreateThreeWayJSONMergePatch`):
/// additions and changes from `current` to `modified`, plus deletions from `original` to
/// `modified`. Fails with [`PatchError::Conflict`] when both touch the same key differently.
pub fn create_three_way_json_merge_patch(
    original: &Value,
    modified: &Value,
    current: &Value,
    preconditions: &[Precondition],
) -> Result<Value, PatchError> {
    let original = to_map(original)?;
    let modified = to_map(modified)?;
    let current = to_map(current)?;
    let add_and_change = keep_or_delete_null(&diff_objects(&current, &modified), false);
    let deletions = keep_or_delete_null(&diff_objects(&original, &modified), true);
    let add_and_change = Value::Object(add_and_change);
    let deletions = Value::Object(deletions);
    if has_conflicts(&add_and_change, &deletions) {
        return Err(PatchError::Conflict {
            patch: to_yaml(&add_and_change),
            current: to_yaml(&deletions),
        });
    }
    let mut patch = deletions;
    json_patch::merge(&mut patch, &add_and_change);
    if let Value::Object(m) = &patch {
        check_preconditions(m, preconditions)?;
    }
    sort_keys(&mut patch);
    Ok(patch)
}
