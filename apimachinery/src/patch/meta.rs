//! Schema lookups for strategic merge patch: which fields merge lists by key, replace maps,
//! or retain keys (upstream's `LookupPatchMeta`), built from k8s-openapi's JSON Schemas plus
//! the built-in patch strategy table, or by hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use super::errors::PatchError;
use super::strategies::BUILTIN_PATCH_STRATEGIES;
use crate::gofmt::quote;

/// One `patchStrategy` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Lists merge element by element (by merge key for lists of objects); maps merge.
    Merge,
    /// The whole value is replaced.
    Replace,
    /// Keys missing from the patch's `$retainKeys` list are cleared.
    RetainKeys,
    /// Any other tag value (kept so bad combinations report upstream's error).
    Other(String),
}

impl Strategy {
    /// The tag spelling (`merge`, `replace`, `retainKeys`).
    pub fn as_str(&self) -> &str {
        match self {
            Strategy::Merge => "merge",
            Strategy::Replace => "replace",
            Strategy::RetainKeys => "retainKeys",
            Strategy::Other(s) => s,
        }
    }

    /// Parses one tag value.
    pub fn parse(s: &str) -> Strategy {
        match s {
            "merge" => Strategy::Merge,
            "replace" => Strategy::Replace,
            "retainKeys" => Strategy::RetainKeys,
            other => Strategy::Other(other.to_string()),
        }
    }

    /// Parses a comma-separated tag (`merge,retainKeys`); the empty tag means no strategy.
    pub fn parse_list(s: &str) -> Vec<Strategy> {
        if s.is_empty() { Vec::new() } else { s.split(',').map(Strategy::parse).collect() }
    }
}

/// The patch metadata of one field: its strategies and, for lists of objects, the merge key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchMeta {
    /// The field's patch strategies (at most one of merge/replace, optionally retainKeys).
    pub strategies: Vec<Strategy>,
    /// The key identifying list elements when merging (`patchMergeKey`).
    pub merge_key: Option<String>,
}

impl PatchMeta {
    /// Metadata from tag strings as written in Go types (`"merge"`, `"name"`).
    pub fn new(strategy: &str, merge_key: &str) -> PatchMeta {
        PatchMeta {
            strategies: Strategy::parse_list(strategy),
            merge_key: (!merge_key.is_empty()).then(|| merge_key.to_string()),
        }
    }

    pub(crate) fn merge_key_str(&self) -> &str {
        self.merge_key.as_deref().unwrap_or("")
    }
}

/// The result of a schema lookup: the field's own schema and its patch metadata.
pub type Lookup<'a> = (Box<dyn LookupPatchMeta + 'a>, PatchMeta);

/// A source of patch metadata, navigated field by field (upstream's `LookupPatchMeta`).
pub trait LookupPatchMeta {
    /// Looks up an object-valued field; returns its schema and patch metadata.
    fn lookup_map(&self, field: &str) -> Result<Lookup<'_>, PatchError>;
    /// Looks up a list-valued field; returns the schema of its elements and its patch metadata.
    fn lookup_list(&self, field: &str) -> Result<Lookup<'_>, PatchError>;
    /// A short name of the schema's type, used in error messages.
    fn name(&self) -> String;
}

/// The shape of a value in a [`PatchSchema`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// An object with named fields, by type name (registered in the schema).
    Struct(String),
    /// An object with arbitrary keys and values of one type.
    Map(Box<FieldType>),
    /// A list with elements of one type.
    List(Box<FieldType>),
    /// A scalar, named by its Go kind (`string`, `int64`, `bool`, ...).
    Primitive(String),
    /// A pointer to another type (as a list, a pointer to a struct stands for its element).
    Pointer(Box<FieldType>),
}

impl FieldType {
    /// A string scalar.
    pub fn string() -> FieldType {
        FieldType::Primitive("string".into())
    }

    /// An int64 scalar.
    pub fn int() -> FieldType {
        FieldType::Primitive("int64".into())
    }

    /// A named struct type.
    pub fn structure(name: &str) -> FieldType {
        FieldType::Struct(name.into())
    }

    /// A list of `elem`.
    pub fn list(elem: FieldType) -> FieldType {
        FieldType::List(Box::new(elem))
    }

    /// A map with values of type `value`.
    pub fn map(value: FieldType) -> FieldType {
        FieldType::Map(Box::new(value))
    }

    fn kind(&self) -> &str {
        match self {
            FieldType::Struct(_) => "struct",
            FieldType::Map(_) => "map",
            FieldType::List(_) => "slice",
            FieldType::Primitive(k) => k,
            FieldType::Pointer(_) => "ptr",
        }
    }
}

#[derive(Debug, Clone)]
struct FieldDef {
    json: String,
    ty: FieldType,
    meta: PatchMeta,
}

#[derive(Debug, Clone, Default)]
struct StructDef {
    display: String,
    fields: Vec<FieldDef>,
}

#[derive(Debug, Default)]
struct Graph {
    structs: HashMap<String, StructDef>,
}

/// A typed schema for strategic merge patch: a graph of struct types whose fields carry patch
/// metadata, positioned at one type. Cheap to clone.
///
/// Build one for a built-in type with [`PatchSchema::of`], or by hand with
/// [`PatchSchemaBuilder`].
#[derive(Debug, Clone)]
pub struct PatchSchema {
    graph: Arc<Graph>,
    ty: FieldType,
}

impl PatchSchema {
    /// A builder for a hand-made schema.
    pub fn builder() -> PatchSchemaBuilder {
        PatchSchemaBuilder::default()
    }

    /// The schema of a k8s-openapi type, with the patch strategies of the built-in API.
    /// Results are cached per type, so repeated calls are cheap.
    pub fn of<T: schemars::JsonSchema>() -> PatchSchema {
        static CACHE: OnceLock<Mutex<HashMap<String, PatchSchema>>> = OnceLock::new();
        let key = T::schema_name().into_owned();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let mut generator = schemars::SchemaGenerator::default();
        let root = generator.root_schema_for::<T>();
        let schema = PatchSchema::from_json_schema(&key, root.as_value());
        if let Ok(mut c) = cache.lock() {
            c.insert(key, schema.clone());
        }
        schema
    }

    /// Builds a schema from a JSON Schema document whose `$defs` (or `definitions`) hold the
    /// referenced types, naming the root type `root_name`; patch metadata comes from the
    /// built-in table and from `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`
    /// extensions when present.
    pub fn from_json_schema(root_name: &str, root: &Value) -> PatchSchema {
        let empty = Map::new();
        let defs = root
            .get("$defs")
            .or_else(|| root.get("definitions"))
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut conv = Converter { defs, graph: Graph::default(), anonymous: 0 };
        conv.define(root_name, root);
        PatchSchema { graph: Arc::new(conv.graph), ty: FieldType::Struct(root_name.to_string()) }
    }

    /// The type this schema is positioned at.
    pub fn field_type(&self) -> &FieldType {
        &self.ty
    }

    fn at(&self, ty: FieldType) -> PatchSchema {
        PatchSchema { graph: Arc::clone(&self.graph), ty }
    }

    fn field(&self, field: &str) -> Result<(FieldType, PatchMeta), PatchError> {
        let FieldType::Struct(name) = &self.ty else {
            return Err(PatchError::Lookup(format!(
                "merging an object in json but data type is not struct, instead is: {}",
                self.ty.kind()
            )));
        };
        let def = self.graph.structs.get(name);
        let fields = def.map(|d| d.fields.as_slice()).unwrap_or_default();
        let found = fields
            .iter()
            .find(|f| f.json == field)
            .or_else(|| fields.iter().find(|f| f.json.eq_ignore_ascii_case(field)));
        match found {
            Some(f) => Ok((f.ty.clone(), f.meta.clone())),
            None => Err(PatchError::Lookup(format!(
                "unable to find api field in struct {} for the json field {}",
                def.map(|d| d.display.as_str()).unwrap_or(name),
                quote(field)
            ))),
        }
    }
}

impl LookupPatchMeta for PatchSchema {
    fn lookup_map(&self, field: &str) -> Result<Lookup<'_>, PatchError> {
        let (ty, meta) = self.field(field)?;
        let ty = match ty {
            FieldType::Pointer(inner) => *inner,
            other => other,
        };
        Ok((Box::new(self.at(ty)), meta))
    }

    fn lookup_list(&self, field: &str) -> Result<Lookup<'_>, PatchError> {
        let (ty, meta) = self.field(field)?;
        match ty {
            FieldType::Pointer(inner) => {
                let elem = match *inner {
                    FieldType::List(elem) => *elem,
                    other => other,
                };
                Ok((Box::new(self.at(elem)), meta))
            }
            FieldType::List(elem) => {
                if matches!(*elem, FieldType::List(_)) {
                    return Err(PatchError::Lookup("unexpected slice of slice".into()));
                }
                Ok((Box::new(self.at(*elem)), meta))
            }
            _ => Err(PatchError::Lookup(format!(
                "expected slice or array type, but got: {}",
                self.ty.kind()
            ))),
        }
    }

    fn name(&self) -> String {
        self.ty.kind().to_string()
    }
}

/// Builds a [`PatchSchema`] by hand, type by type (like upstream's test structs).
#[derive(Debug, Default)]
pub struct PatchSchemaBuilder {
    graph: Graph,
}

impl PatchSchemaBuilder {
    /// Declares struct type `name` with fields `(json name, type, patchStrategy tag,
    /// patchMergeKey tag)`.
    pub fn structure(mut self, name: &str, fields: &[(&str, FieldType, &str, &str)]) -> Self {
        let def = StructDef {
            display: name.to_string(),
            fields: fields
                .iter()
                .map(|(json, ty, strategy, key)| FieldDef {
                    json: (*json).to_string(),
                    ty: ty.clone(),
                    meta: PatchMeta::new(strategy, key),
                })
                .collect(),
        };
        self.graph.structs.insert(name.to_string(), def);
        self
    }

    /// Finishes the schema, positioned at struct type `root`.
    pub fn build(self, root: &str) -> PatchSchema {
        PatchSchema { graph: Arc::new(self.graph), ty: FieldType::Struct(root.to_string()) }
    }
}

fn builtin_meta(definition: &str, field: &str) -> Option<PatchMeta> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), PatchMeta>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            BUILTIN_PATCH_STRATEGIES
                .iter()
                .map(|(d, f, s, k)| ((*d, *f), PatchMeta::new(s, k)))
                .collect()
        })
        .get(&(definition, field))
        .cloned()
}

struct Converter<'a> {
    defs: &'a Map<String, Value>,
    graph: Graph,
    anonymous: usize,
}

impl Converter<'_> {
    /// Registers struct `name` from its schema (once; recursion through `$ref` is cut by the
    /// placeholder inserted first).
    fn define(&mut self, name: &str, schema: &Value) {
        if self.graph.structs.contains_key(name) {
            return;
        }
        let display = name.rsplit('.').next().unwrap_or(name).to_string();
        self.graph
            .structs
            .insert(name.to_string(), StructDef { display: display.clone(), fields: Vec::new() });
        let mut fields = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (json, prop) in props {
                let ty = self.field_type(prop);
                let mut meta = builtin_meta(name, json).unwrap_or_default();
                if let Some(s) = prop.get("x-kubernetes-patch-strategy").and_then(Value::as_str) {
                    meta.strategies = Strategy::parse_list(s);
                }
                if let Some(k) = prop.get("x-kubernetes-patch-merge-key").and_then(Value::as_str) {
                    meta.merge_key = Some(k.to_string());
                }
                fields.push(FieldDef { json: json.clone(), ty, meta });
            }
        }
        self.graph.structs.insert(name.to_string(), StructDef { display, fields });
    }

    fn field_type(&mut self, schema: &Value) -> FieldType {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r);
            let defs = self.defs;
            return match defs.get(name) {
                Some(target) => self.named_type(name, target),
                None => FieldType::Struct(name.to_string()),
            };
        }
        if let Some(first) = schema.get("allOf").and_then(Value::as_array).and_then(|a| a.first()) {
            return self.field_type(first);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                FieldType::List(Box::new(self.field_type(&items)))
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => FieldType::Map(Box::new(self.field_type(v))),
                Some(Value::Bool(true)) => {
                    FieldType::Map(Box::new(FieldType::Primitive("interface".into())))
                }
                _ => {
                    self.anonymous += 1;
                    let anon = format!("<anonymous {}>", self.anonymous);
                    self.define(&anon, schema);
                    if let Some(d) = self.graph.structs.get_mut(&anon) {
                        d.display = String::new();
                    }
                    FieldType::Struct(anon)
                }
            },
            Some("string") if schema.get("format").and_then(Value::as_str) == Some("byte") => {
                FieldType::List(Box::new(FieldType::Primitive("uint8".into())))
            }
            Some("string") => FieldType::string(),
            Some("integer") => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => FieldType::Primitive("int32".into()),
                _ => FieldType::int(),
            },
            Some("number") => FieldType::Primitive("float64".into()),
            Some("boolean") => FieldType::Primitive("bool".into()),
            _ => FieldType::Primitive("interface".into()),
        }
    }

    /// A referenced definition: maps stay maps; everything else is a (possibly field-less)
    /// struct, as the Go types behind Quantity, Time, IntOrString and RawExtension are.
    fn named_type(&mut self, name: &str, schema: &Value) -> FieldType {
        let is_map = schema.get("properties").is_none()
            && schema.get("additionalProperties").is_some_and(Value::is_object);
        if is_map || schema.get("type").and_then(Value::as_str) == Some("array") {
            return self.field_type(schema);
        }
        self.define(name, schema);
        FieldType::Struct(name.to_string())
    }
}
