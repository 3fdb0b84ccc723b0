//! meta.k8s.io/v1 types k8s-openapi does not provide: `Table`, `TableOptions`,
//! `PartialObjectMetadata` and `PartialObjectMetadataList`, with upstream's JSON shape.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The group/version of the meta types.
pub const META_API_VERSION: &str = "meta.k8s.io/v1";

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

/// A tabular rendering of objects (`kubectl get`'s server-side printing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Always `Table` on output.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub kind: String,
    /// `meta.k8s.io/v1`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub api_version: String,
    /// List metadata; Go never omits this struct.
    #[serde(default)]
    pub metadata: ListMeta,
    /// Column descriptions.
    #[serde(default)]
    pub column_definitions: Vec<TableColumnDefinition>,
    /// One row per object.
    #[serde(default)]
    pub rows: Vec<TableRow>,
}

impl Table {
    /// An empty table with its type set.
    pub fn new() -> Self {
        Self { kind: "Table".into(), api_version: META_API_VERSION.into(), ..Default::default() }
    }
}

/// One column of a [`Table`]; every field is always written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableColumnDefinition {
    /// Column header.
    #[serde(default)]
    pub name: String,
    /// OpenAPI type (`string`, `integer`, ...).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// OpenAPI format (`name`, `date-time`, ...).
    #[serde(default)]
    pub format: String,
    /// Human readable description.
    #[serde(default)]
    pub description: String,
    /// 0 is shown by default; higher values only in wide output.
    #[serde(default)]
    pub priority: i32,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// Cell values, one per column.
    #[serde(default)]
    pub cells: Vec<Value>,
    /// Row conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<TableRowCondition>,
    /// The object (or its metadata) per `includeObject`; `null` when not included, since Go
    /// never omits the embedded RawExtension.
    #[serde(default)]
    pub object: Value,
}

/// A condition on a table row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRowCondition {
    /// Condition type (`Completed`).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: String,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub reason: String,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub message: String,
}

/// Options for table conversion (`?includeObject=`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableOptions {
    /// `TableOptions`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub kind: String,
    /// `meta.k8s.io/v1`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub api_version: String,
    /// `None`, `Metadata` (the default) or `Object`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub include_object: String,
}

/// An object reduced to its type and metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `PartialObjectMetadata`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub kind: String,
    /// `meta.k8s.io/v1`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub api_version: String,
    /// The object's metadata; Go never omits this struct.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl PartialObjectMetadata {
    /// Metadata with the type set to `meta.k8s.io/v1, PartialObjectMetadata`.
    pub fn new(metadata: ObjectMeta) -> Self {
        Self {
            kind: "PartialObjectMetadata".into(),
            api_version: META_API_VERSION.into(),
            metadata,
        }
    }
}

/// A list of [`PartialObjectMetadata`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadataList {
    /// `PartialObjectMetadataList`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub kind: String,
    /// `meta.k8s.io/v1`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub api_version: String,
    /// List metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// Items (always written, `[]` when empty).
    #[serde(default)]
    pub items: Vec<PartialObjectMetadata>,
}

impl PartialObjectMetadataList {
    /// An empty list with its type set.
    pub fn new() -> Self {
        Self {
            kind: "PartialObjectMetadataList".into(),
            api_version: META_API_VERSION.into(),
            ..Default::default()
        }
    }
}
