//! The structure of a kind as field tracking needs it: which objects are structs (named
//! fields), granular or atomic maps, and which lists are atomic, sets or maps keyed by some
//! fields. Read from OpenAPI schemas (`$ref`s into a definitions map, `x-kubernetes-*`
//! extensions, patch strategies, and the built-in markers); anything without a schema is
//! "deduced": objects are granular maps and lists are atomic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

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

/// A position in a schema: a node of the compiled schema, or no schema at all.
#[derive(Debug, Clone, Copy)]
pub enum Ty<'a> {
    /// A compiled position.
    Node(&'a Position),
    /// No schema.
    Deduced,
}

/// What the schema says about one position, worked out once: its shape, the positions of its
/// fields and items, and the defaults that matter for field tracking.
#[derive(Debug)]
pub struct Position {
    shape: Shape,
    /// Declared fields (`properties`): the index of their position, `None` when the schema
    /// does not describe them.
    fields: HashMap<Box<str>, Option<u32>, BuildHasherDefault<FastHasher>>,
    /// The position of undeclared keys (`additionalProperties`).
    additional: Option<Option<u32>>,
    /// The position of list items.
    items: Option<Option<u32>>,
    /// Field defaults (`properties.<field>.default`), for list keys items leave out.
    defaults: Vec<(Box<str>, Value)>,
    /// Fields whose default is the empty object (what a typed zero value holds).
    empty_defaults: Vec<Box<str>>,
    /// The definition the position is, for the built-in markers.
    def: Option<Box<str>>,
}

/// The schema of one kind: its positions, compiled from a root node and the definitions its
/// references point into (every position reachable from the root, once).
#[derive(Debug, Clone)]
pub struct TypeSchema {
    positions: Arc<Vec<Position>>,
    root: Option<u32>,
    zero: Arc<OnceLock<Value>>,
}

/// A position of the source schema: its node, definition and field of origin, by address.
type SourceKey = (usize, usize, usize, usize);

/// A node of the source schema, with the definition it is (when reached through a reference)
/// and the definition and field it was reached from (for the built-in markers).
#[derive(Clone, Copy)]
struct Source<'a> {
    node: &'a Value,
    def: Option<&'a str>,
    origin: Option<(&'a str, &'a str)>,
}

impl Source<'_> {
    fn key(&self) -> SourceKey {
        let addr = |s: Option<&str>| s.map_or(0, |s| s.as_ptr() as usize);
        (
            std::ptr::from_ref(self.node) as usize,
            addr(self.def),
            addr(self.origin.map(|o| o.0)),
            addr(self.origin.map(|o| o.1)),
        )
    }
}

/// A fast unkeyed hash for field names and addresses (multiply-rotate, a word at a time).
#[derive(Default)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        let last = rest.iter().rev().fold(0u64, |w, b| (w << 8) | u64::from(*b));
        self.add(last ^ ((rest.len() as u64) << 56));
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
}

fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// Follows references (`$ref`, and `allOf` around a single reference); `None` when a
/// reference points nowhere.
fn resolve<'a>(
    defs: &'a Map<String, Value>,
    node: &'a Value,
    origin: Option<(&'a str, &'a str)>,
) -> Option<Source<'a>> {
    let mut node = node;
    let mut def = None;
    for _ in 0..64 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let (name, target) = defs.get_key_value(ref_name(r))?;
            node = target;
            def = Some(name.as_str());
            continue;
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
    Some(Source { node, def, origin })
}

/// Compiles the positions reachable from a root.
struct Compiler<'a> {
    defs: &'a Map<String, Value>,
    seen: HashMap<SourceKey, u32, BuildHasherDefault<FastHasher>>,
    positions: Vec<Position>,
}

impl<'a> Compiler<'a> {
    fn position(&mut self, source: Option<Source<'a>>) -> Option<u32> {
        let source = source?;
        let key = source.key();
        if let Some(id) = self.seen.get(&key) {
            return Some(*id);
        }
        let id = u32::try_from(self.positions.len()).ok()?;
        self.seen.insert(key, id);
        self.positions.push(Position {
            shape: compute_shape(source),
            fields: HashMap::default(),
            additional: None,
            items: None,
            defaults: Vec::new(),
            empty_defaults: Vec::new(),
            def: source.def.map(Into::into),
        });
        let Source { node, def, .. } = source;
        let mut fields = HashMap::default();
        let (mut defaults, mut empty_defaults) = (Vec::new(), Vec::new());
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let origin = Some((def.unwrap_or(""), name.as_str()));
                let child = self.position(resolve(self.defs, prop, origin));
                fields.insert(name.as_str().into(), child);
                if let Some(d) = prop.get("default") {
                    if d.as_object().is_some_and(Map::is_empty) {
                        empty_defaults.push(name.as_str().into());
                    }
                    defaults.push((name.as_str().into(), d.clone()));
                }
            }
        }
        let additional = match node.get("additionalProperties") {
            Some(ap) if ap.is_object() => Some(self.position(resolve(self.defs, ap, None))),
            _ => None,
        };
        let items = match node.get("items") {
            Some(items) if items.is_object() => {
                Some(self.position(resolve(self.defs, items, None)))
            }
            _ => None,
        };
        let p = &mut self.positions[id as usize];
        (p.fields, p.additional, p.items) = (fields, additional, items);
        (p.defaults, p.empty_defaults) = (defaults, empty_defaults);
        Some(id)
    }
}

fn compute_shape(source: Source<'_>) -> Shape {
    let Source { node, def, origin } = source;
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
        let atomic = node.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic")
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

static DEDUCED: Shape = Shape::Deduced;

impl TypeSchema {
    /// A schema rooted at `root` (a node, or `{"$ref": ...}`) over `defs`.
    pub fn new(defs: Arc<Map<String, Value>>, root: Value) -> TypeSchema {
        let mut compiler =
            Compiler { defs: &defs, seen: HashMap::default(), positions: Vec::new() };
        let root =
            if root.is_null() { None } else { compiler.position(resolve(&defs, &root, None)) };
        TypeSchema { positions: Arc::new(compiler.positions), root, zero: Arc::default() }
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

    fn at(&self, id: Option<u32>) -> Ty<'_> {
        match id.and_then(|id| self.positions.get(id as usize)) {
            Some(p) => Ty::Node(p),
            None => Ty::Deduced,
        }
    }

    /// The root position.
    pub fn root(&self) -> Ty<'_> {
        self.at(self.root)
    }

    /// The shape at a position.
    pub fn shape(&self, ty: Ty<'_>) -> Shape {
        self.shape_of(ty).clone()
    }

    /// The shape at a position, borrowed.
    pub fn shape_of<'a>(&self, ty: Ty<'a>) -> &'a Shape {
        match ty {
            Ty::Node(p) => &p.shape,
            Ty::Deduced => &DEDUCED,
        }
    }

    /// The type of field `name` of an object, and whether it is a declared (named) field.
    pub fn field<'a>(&'a self, ty: Ty<'a>, name: &str) -> (Ty<'a>, bool) {
        let Ty::Node(p) = ty else { return (Ty::Deduced, false) };
        if let Some(child) = p.fields.get(name) {
            return (self.at(*child), true);
        }
        match p.additional {
            Some(child) => (self.at(child), false),
            None => (Ty::Deduced, false),
        }
    }

    /// The type of a list's items.
    pub fn elem<'a>(&'a self, ty: Ty<'a>) -> Ty<'a> {
        match ty {
            Ty::Node(Position { items: Some(child), .. }) => self.at(*child),
            _ => Ty::Deduced,
        }
    }

    /// The default of key field `key` of a list item type, for items that leave it out.
    pub fn key_default(&self, elem: Ty<'_>, key: &str) -> Option<Value> {
        let Ty::Node(p) = elem else { return None };
        if let Some((_, d)) = p.defaults.iter().find(|(k, _)| &**k == key) {
            return Some(d.clone());
        }
        p.def
            .as_deref()
            .and_then(|d| markers::key_default(d, key))
            .map(|v| Value::String(v.to_string()))
    }

    /// The kind's empty object as a typed zero value holds it: the object-valued fields whose
    /// schema defaults to `{}`, recursively (what a created object is compared against).
    pub fn zero_object(&self) -> &Value {
        self.zero.get_or_init(|| self.zero_at(self.root(), 0))
    }

    fn zero_at(&self, ty: Ty<'_>, depth: usize) -> Value {
        let mut out = Map::new();
        if let Ty::Node(p) = ty
            && depth < 8
        {
            for name in &p.empty_defaults {
                let (child, _) = self.field(ty, name);
                if matches!(self.shape_of(child), Shape::Struct { atomic: false }) {
                    out.insert(name.to_string(), self.zero_at(child, depth + 1));
                }
            }
        }
        Value::Object(out)
    }

    /// Whether a struct position declares field `name`.
    pub fn is_named_field(&self, ty: Ty<'_>, name: &str) -> bool {
        matches!(self.shape_of(ty), Shape::Struct { .. }) && self.field(ty, name).1
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
