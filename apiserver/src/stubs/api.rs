//! Defaulting and validation of the built-in kinds (placeholder until the kind tables land).

use apimachinery::errors::field::ErrorList;
use serde_json::Value;

/// Applies the kind's defaults.
pub fn default_object(_group: &str, _kind: &str, _obj: &mut Value) {}
/// Strategy-level create preparation.
pub fn prepare_for_create(_group: &str, _kind: &str, _obj: &mut Value) {}
/// Strategy-level update preparation.
pub fn prepare_for_update(_group: &str, _kind: &str, _new: &mut Value, _old: &Value) {}
/// Validates a new object.
pub fn validate_create(_group: &str, _resource: &str, _obj: &Value) -> ErrorList {
    ErrorList::new()
}
/// Validates an update.
pub fn validate_update(_group: &str, _resource: &str, _new: &Value, _old: &Value) -> ErrorList {
    ErrorList::new()
}
