//! Strict decoding (fieldValidation=Strict|Warn): unknown and duplicate fields reported with
//! their JSON paths in sigs.k8s.io/json's words, unknown fields found by walking the document
//! against the target type's JSON Schema.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// At most this many strict errors are kept, as upstream.
const MAX_STRICT_ERRORS: usize = 100;

/// The strict-decoding problems found in one document. Displays as upstream's
/// `strict decoding error: unknown field "spec.foo", duplicate field "replicas"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct StrictDecodingError {
    /// Each problem in upstream's words, in the order upstream reports them. A YAML document's
    /// duplicate keys form one entry starting `yaml: unmarshal errors:`.
    pub errors: Vec<String>,
}

impl fmt::Display for StrictDecodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strict decoding error: {}", self.errors.join(", "))
    }
}

impl StrictDecodingError {
    /// One warning per problem, as the apiserver sends them for fieldValidation=Warn (a YAML
    /// duplicate-key entry is split into its lines).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.errors {
            let rest = e.strip_prefix("yaml: unmarshal errors:\n").or_else(|| {
                e.strip_prefix("error converting YAML to JSON: yaml: unmarshal errors:\n")
            });
            match rest {
                Some(r) => out.extend(r.split('\n').map(|l| l.trim().to_string())),
                None => out.push(e.clone()),
            }
        }
        out
    }
}

/// A JSON value that keeps every member of an object, duplicates included, in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum RawNode {
    /// A scalar (never an object or array).
    Scalar(Value),
    /// An array.
    Array(Vec<RawNode>),
    /// An object's members as written.
    Object(Vec<(String, RawNode)>),
}

impl RawNode {
    /// Builds the value Go's decoder would produce: for duplicate members the last one wins.
    pub fn to_value(&self) -> Value {
        match self {
            RawNode::Scalar(v) => v.clone(),
            RawNode::Array(items) => Value::Array(items.iter().map(RawNode::to_value).collect()),
            RawNode::Object(members) => {
                let mut m = Map::new();
                for (k, v) in members {
                    m.insert(k.clone(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }

    /// Wraps a value that has no duplicates.
    pub fn from_value(v: &Value) -> RawNode {
        match v {
            Value::Array(items) => RawNode::Array(items.iter().map(RawNode::from_value).collect()),
            Value::Object(m) => RawNode::Object(
                m.iter().map(|(k, v)| (k.clone(), RawNode::from_value(v))).collect(),
            ),
            other => RawNode::Scalar(other.clone()),
        }
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::String(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::String(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode::Scalar(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(RawNode::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, RawNode>()? {
                    members.push((k, v));
                }
                Ok(RawNode::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

/// A type's JSON Schema with its definitions, for the unknown-field walk.
#[derive(Debug)]
pub struct TypeSchema {
    root: Value,
}

/// The compiled schema of `T`, generated once per type.
pub fn schema_for<T: schemars::JsonSchema + 'static>() -> Arc<TypeSchema> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Arc<TypeSchema>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = TypeId::of::<T>();
    if let Ok(guard) = cache.lock()
        && let Some(s) = guard.get(&key)
    {
        return s.clone();
    }
    let root = schemars::SchemaGenerator::default().into_root_schema_for::<T>().to_value();
    let schema = Arc::new(TypeSchema { root });
    if let Ok(mut guard) = cache.lock() {
        guard.insert(key, schema.clone());
    }
    schema
}

impl TypeSchema {
    /// Wraps an already generated root schema (with `$defs`).
    pub fn from_root(root: Value) -> Self {
        Self { root }
    }

    fn resolve<'a>(&'a self, mut s: &'a Value) -> &'a Value {
        // Follow `$ref` chains (bounded, so a malformed self-reference cannot loop forever).
        for _ in 0..32 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else { return s };
            let Some(pointer) = r.strip_prefix('#') else { return s };
            match self.root.pointer(pointer) {
                Some(t) => s = t,
                None => return s,
            }
        }
        s
    }
}

#[derive(Clone, Copy)]
enum Shape<'a> {
    /// No schema: a Go `interface{}` target; only duplicates are checked.
    Untyped,
    /// A struct: known properties, everything else unknown.
    Struct(&'a Map<String, Value>),
    /// A map with typed values.
    MapOf(&'a Value),
    /// An array with typed items.
    ArrayOf(&'a Value),
    /// A value decoded by a custom unmarshaler (RawExtension, IntOrString, Quantity, free-form
    /// objects): nothing inside is checked.
    Opaque,
}

fn shape<'a>(schema: &'a TypeSchema, s: &'a Value) -> Shape<'a> {
    let s = schema.resolve(s);
    if s.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true) {
        return Shape::Opaque;
    }
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        return Shape::Struct(p);
    }
    if let Some(ap) = s.get("additionalProperties")
        && ap.is_object()
    {
        return Shape::MapOf(ap);
    }
    if let Some(items) = s.get("items")
        && items.is_object()
    {
        return Shape::ArrayOf(items);
    }
    Shape::Opaque
}

struct Walker {
    errors: Vec<String>,
    seen: HashSet<String>,
    stack: Vec<String>,
}

impl Walker {
    fn new() -> Self {
        Self { errors: Vec::new(), seen: HashSet::new(), stack: Vec::new() }
    }

    fn report(&mut self, kind: &str, field: &str) {
        let path = if self.stack.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.stack.concat())
        };
        let msg = format!("{kind} {}", crate::gofmt::quote(&path));
        if self.errors.len() < MAX_STRICT_ERRORS && self.seen.insert(msg.clone()) {
            self.errors.push(msg);
        }
    }

    fn push_key(&mut self, key: &str) {
        if self.stack.is_empty() {
            self.stack.push(key.to_string());
        } else {
            self.stack.push(format!(".{key}"));
        }
    }

    fn walk(&mut self, node: &RawNode, schema: Option<&TypeSchema>, s: Option<&Value>) {
        let sh = match (schema, s) {
            (Some(ts), Some(s)) => shape(ts, s),
            _ => Shape::Untyped,
        };
        match (node, sh) {
            (_, Shape::Opaque) | (RawNode::Scalar(_), _) => {}
            (RawNode::Object(members), Shape::Struct(props)) => {
                let mut present = HashSet::new();
                for (k, v) in members {
                    match props.get(k) {
                        Some(ps) => {
                            if !present.insert(k.as_str()) {
                                self.report("duplicate field", k);
                            }
                            self.push_key(k);
                            self.walk(v, schema, Some(ps));
                            self.stack.pop();
                        }
                        None => self.report("unknown field", k),
                    }
                }
            }
            (RawNode::Object(members), Shape::MapOf(_) | Shape::Untyped) => {
                let mut present = HashSet::new();
                for (k, v) in members {
                    if !present.insert(k.as_str()) {
                        self.report("duplicate field", k);
                    }
                    self.push_key(k);
                    let child = if let Shape::MapOf(vs) = sh { Some(vs) } else { None };
                    self.walk(v, schema, child);
                    self.stack.pop();
                }
            }
            (RawNode::Array(items), Shape::ArrayOf(is)) => self.walk_items(items, schema, Some(is)),
            (RawNode::Array(items), Shape::Untyped) => self.walk_items(items, None, None),
            // A type mismatch is the typed decoder's error to report, not a strict one.
            _ => {}
        }
    }

    fn walk_items(&mut self, items: &[RawNode], schema: Option<&TypeSchema>, s: Option<&Value>) {
        for (i, item) in items.iter().enumerate() {
            self.stack.push(format!("[{i}]"));
            self.walk(item, schema, s);
            self.stack.pop();
        }
    }
}

/// Strict problems of a document against a typed schema (unknown and duplicate fields, in
/// document order), or, with no schema, duplicate fields only (an untyped target).
pub fn strict_errors(node: &RawNode, schema: Option<&TypeSchema>) -> Vec<String> {
    let mut w = Walker::new();
    match schema {
        Some(ts) => w.walk(node, Some(ts), Some(&ts.root)),
        None => w.walk(node, None, None),
    }
    w.errors
}
