//! The structure of a kind as field tracking needs it: which objects are structs (named
//! fields), granular or atomic maps, and which lists are atomic, sets or maps keyed by some
//! fields. Read from OpenAPI schemas (`$ref`s into a definitions map, `x-kubernetes-*`
//! extensions, patch strategies, and the built-in markers); anything without a schema is
//! "deduced": objects are granular maps and lists are atomic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use serde_json::{Map, Value, json};

use super::markers::{self, Marker};

/// The definition name of `ObjectMeta`.
pub const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// How the items of a list are identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// The list is one value, replaced whole.
    Atomic,
    /// A set of scalars, each its own value.
    Set,
    /// Objects identified by these key fields.
    Map(Vec<String>),
}

/// The shape a schema node describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A scalar (or anything replaced whole).
    Scalar,
    /// An object with named fields.
    Struct {
        /// Replaced whole.
        atomic: bool,
    },
    /// An object with arbitrary keys.
    Map {
        /// Replaced whole.
        atomic: bool,
    },
    /// A list.
    List(ListKind),
    /// No structural information: objects are granular maps, lists are atomic.
    Deduced,
}

/// A position in a schema.
#[derive(Debug, Clone, Copy)]
pub enum Ty<'a> {
    /// A schema node, with the definition it is (when it was reached through a reference) and
    /// the definition and field it was reached from (for the built-in markers).
    Node {
        /// The resolved node.
        node: &'a Value,
        /// The definition the node is.
        def: Option<&'a str>,
        /// `(definition, field)` of the property the node was reached through.
        origin: Option<(&'a str, &'a str)>,
    },
    /// No schema.
    Deduced,
}

/// The schema of one kind: a root node and the definitions its references point into.
///
/// Every write walks the schema once per field it touches, so the shape of each position is
/// worked out once and remembered (positions are keyed by the address of their schema node,
/// which the shared, never-mutated nodes keep for the schema's lifetime).
#[derive(Debug, Clone)]
pub struct TypeSchema {
    defs: Arc<Map<String, Value>>,
    root: Arc<Value>,
    shapes: Arc<RwLock<HashMap<ShapeKey, Shape, BuildHasherDefault<AddressHasher>>>>,
    zero: Arc<OnceLock<Value>>,
}

/// A position: its node, definition and field of origin, by address.
type ShapeKey = (usize, usize, usize, usize);

fn shape_key(ty: &Ty<'_>) -> Option<ShapeKey> {
    let Ty::Node { node, def, origin } = ty else { return None };
    let addr = |s: Option<&str>| s.map_or(0, |s| s.as_ptr() as usize);
    Some((
        std::ptr::from_ref(*node) as usize,
        addr(*def),
        addr(origin.map(|o| o.0)),
        addr(origin.map(|o| o.1)),
    ))
}

/// Hashes the addresses of [`ShapeKey`]s (multiply-rotate; no need for a keyed hash).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

impl TypeSchema {
    /// A schema rooted at `root` (a node, or `{"$ref": ...}`) over `defs`.
    pub fn new(defs: Arc<Map<String, Value>>, root: Value) -> TypeSchema {
        TypeSchema { defs, root: Arc::new(root), shapes: Arc::default(), zero: Arc::default() }
    }

    /// The schema of a definition in `defs`.
    pub fn definition(defs: Arc<Map<String, Value>>, name: &str) -> TypeSchema {
        TypeSchema::new(defs, json!({"$ref": format!("#/definitions/{name}")}))
    }

    /// A schema that knows nothing (every object granular, every list atomic).
    pub fn deduced() -> TypeSchema {
        TypeSchema::new(Arc::new(Map::new()), Value::Null)
    }

    /// The schema of a custom resource: its `openAPIV3Schema` (when it has one) with
    /// `metadata` described by `ObjectMeta` from `defs`.
    pub fn custom(defs: Arc<Map<String, Value>>, schema: Option<&Value>) -> TypeSchema {
        let mut root = match schema {
            Some(s) if s.is_object() => s.clone(),
            _ => json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
        };
        if defs.contains_key(OBJECT_META)
            && let Some(obj) = root.as_object_mut()
        {
            let props = obj.entry("properties").or_insert_with(|| json!({}));
            if let Some(props) = props.as_object_mut() {
                props.insert(
                    "metadata".into(),
                    json!({"$ref": format!("#/definitions/{OBJECT_META}")}),
                );
            }
        }
        TypeSchema::new(defs, root)
    }

    /// The root position.
    pub fn root(&self) -> Ty<'_> {
        if self.root.is_null() {
            return Ty::Deduced;
        }
        self.resolve(&self.root, None)
    }

    /// Follows references (`$ref`, and `allOf` around a single reference).
    fn resolve<'a>(&'a self, node: &'a Value, origin: Option<(&'a str, &'a str)>) -> Ty<'a> {
        let mut node = node;
        let mut def = None;
        for _ in 0..64 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                match self.defs.get_key_value(ref_name(r)) {
                    Some((name, target)) => {
                        node = target;
                        def = Some(name.as_str());
                        continue;
                    }
                    None => return Ty::Deduced,
                }
            }
            if let Some([only]) = node.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
                && only.get("$ref").is_some()
                && node.get("type").is_none()
                && node.get("properties").is_none()
            {
                node = only;
                continue;
            }
            break;
        }
        Ty::Node { node, def, origin }
    }

    /// The shape at a position.
    pub fn shape(&self, ty: Ty<'_>) -> Shape {
        let Some(key) = shape_key(&ty) else { return Shape::Deduced };
        if let Some(shape) = self.shapes.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return shape.clone();
        }
        let shape = self.compute_shape(ty);
        self.shapes.write().unwrap_or_else(PoisonError::into_inner).insert(key, shape.clone());
        shape
    }

    fn compute_shape(&self, ty: Ty<'_>) -> Shape {
        let Ty::Node { node, def, origin } = ty else { return Shape::Deduced };
        if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            return Shape::Scalar;
        }
        let marker = origin.and_then(|(d, f)| markers::field_marker(d, f));
        let type_ = node.get("type").and_then(Value::as_str).unwrap_or("");
        if type_ == "array" || node.get("items").is_some() {
            return Shape::List(list_kind(node, marker));
        }
        let props = node.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty());
        let additional = node.get("additionalProperties").filter(|a| a.is_object());
        let preserve = node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        if type_ == "object" || props.is_some() || additional.is_some() || preserve {
            let atomic = node.get("x-kubernetes-map-type").and_then(Value::as_str)
                == Some("atomic")
                || def.is_some_and(markers::atomic_struct)
                || marker == Some(Marker::AtomicMap);
            if props.is_some() {
                return Shape::Struct { atomic };
            }
            if additional.is_some() {
                return Shape::Map { atomic };
            }
            return if atomic { Shape::Scalar } else { Shape::Deduced };
        }
        match type_ {
            "string" | "integer" | "number" | "boolean" => Shape::Scalar,
            _ => Shape::Deduced,
        }
    }

    /// The type of field `name` of an object, and whether it is a declared (named) field.
    pub fn field<'a>(&'a self, ty: Ty<'a>, name: &str) -> (Ty<'a>, bool) {
        let Ty::Node { node, def, .. } = ty else { return (Ty::Deduced, false) };
        if let Some((key, prop)) =
            node.get("properties").and_then(Value::as_object).and_then(|p| p.get_key_value(name))
        {
            return (self.resolve(prop, Some((def.unwrap_or(""), key.as_str()))), true);
        }
        match node.get("additionalProperties") {
            Some(ap) if ap.is_object() => (self.resolve(ap, None), false),
            _ => (Ty::Deduced, false),
        }
    }

    /// The type of a list's items.
    pub fn elem<'a>(&'a self, ty: Ty<'a>) -> Ty<'a> {
        let Ty::Node { node, .. } = ty else { return Ty::Deduced };
        match node.get("items") {
            Some(items) if items.is_object() => self.resolve(items, None),
            _ => Ty::Deduced,
        }
    }

    /// The default of key field `key` of a list item type, for items that leave it out.
    pub fn key_default(&self, elem: Ty<'_>, key: &str) -> Option<Value> {
        let Ty::Node { node, def, .. } = elem else { return None };
        if let Some(d) = node.pointer(&format!("/properties/{key}/default")) {
            return Some(d.clone());
        }
        def.and_then(|d| markers::key_default(d, key)).map(|v| Value::String(v.to_string()))
    }

    /// The kind's empty object as a typed zero value holds it: the object-valued fields whose
    /// schema defaults to `{}`, recursively (what a created object is compared against).
    pub fn zero_object(&self) -> &Value {
        self.zero.get_or_init(|| self.zero_at(self.root(), 0))
    }

    fn zero_at(&self, ty: Ty<'_>, depth: usize) -> Value {
        let mut out = Map::new();
        if let Ty::Node { node, .. } = ty
            && depth < 8
            && let Some(props) = node.get("properties").and_then(Value::as_object)
        {
            for (k, p) in props {
                if !p.get("default").and_then(Value::as_object).is_some_and(Map::is_empty) {
                    continue;
                }
                let (child, _) = self.field(ty, k);
                if matches!(self.shape(child), Shape::Struct { atomic: false }) {
                    out.insert(k.clone(), self.zero_at(child, depth + 1));
                }
            }
        }
        Value::Object(out)
    }

    /// Whether a struct position declares field `name`.
    pub fn is_named_field(&self, ty: Ty<'_>, name: &str) -> bool {
        matches!(self.shape(ty), Shape::Struct { .. }) && self.field(ty, name).1
    }
}

/// A list's kind from its extensions: `x-kubernetes-list-type` first, then the built-in
/// marker, then the patch strategy (merge with a key is a map, merge without one a set);
/// atomic otherwise.
fn list_kind(node: &Value, marker: Option<Marker>) -> ListKind {
    let keys_of = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let set_or_map = |keys: Vec<String>| {
        if keys.is_empty() { ListKind::Set } else { ListKind::Map(keys) }
    };
    if let Some(t) = node.get("x-kubernetes-list-type").and_then(Value::as_str) {
        return match t {
            "set" => ListKind::Set,
            "map" => {
                let keys = keys_of(node.get("x-kubernetes-list-map-keys"));
                if keys.is_empty() { ListKind::Atomic } else { ListKind::Map(keys) }
            }
            _ => ListKind::Atomic,
        };
    }
    match marker {
        Some(Marker::Map(keys)) => return set_or_map(keys.iter().map(|k| k.to_string()).collect()),
        Some(Marker::Set) => return ListKind::Set,
        Some(Marker::Atomic) => return ListKind::Atomic,
        _ => {}
    }
    match node.get("x-kubernetes-patch-strategy").and_then(Value::as_str) {
        Some(s) if s.split(',').any(|p| p == "merge") => {
            match node.get("x-kubernetes-patch-merge-key").and_then(Value::as_str) {
                Some(k) if !k.is_empty() => ListKind::Map(vec![k.to_string()]),
                _ => ListKind::Set,
            }
        }
        _ => ListKind::Atomic,
    }
}
