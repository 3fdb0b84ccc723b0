//! Field paths and sets of them, and their wire form: the `fieldsV1` trie of managedFields
//! (`f:<field>`, `k:<key object>`, `v:<value>`, `i:<index>`, `.` for the node itself).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use apimachinery::gofmt;
use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Debug, Clone)]
pub enum PathElement {
    /// A field of an object (struct field or map key).
    Field(String),
    /// The item of an associative list with these key fields (sorted by name).
    Key(Vec<(String, Value)>),
    /// The item of a set with this value.
    Value(Value),
    /// The item at this index of an atomic list.
    Index(usize),
}

impl PathElement {
    /// A field step.
    pub fn field(name: impl Into<String>) -> PathElement {
        PathElement::Field(name.into())
    }

    /// A key step; the fields are sorted by name.
    pub fn key(mut fields: Vec<(String, Value)>) -> PathElement {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        PathElement::Key(fields)
    }

    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    /// The `fieldsV1` key of this step.
    pub fn serialize(&self) -> String {
        match self {
            PathElement::Field(name) => {
                let mut key = String::with_capacity(name.len() + 2);
                key.push_str("f:");
                key.push_str(name);
                key
            }
            PathElement::Key(fields) => {
                let mut map = Map::new();
                for (k, v) in fields {
                    map.insert(k.clone(), v.clone());
                }
                format!("k:{}", gofmt::marshal_json(&Value::Object(map), None))
            }
            PathElement::Value(v) => format!("v:{}", gofmt::marshal_json(v, None)),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `fieldsV1` key; `Ok(None)` for a kind of step this server does not know
    /// (skipped, as upstream skips them).
    pub fn deserialize(s: &str) -> Result<Option<PathElement>, String> {
        let (kind, rest) = match s.split_once(':') {
            Some((k, r)) if k.len() == 1 => (k, r),
            _ => {
                if s.len() < 2 {
                    return Err("key must be 2 characters long:".into());
                }
                return Err(format!("missing colon: {s}"));
            }
        };
        match kind {
            "f" => Ok(Some(PathElement::Field(rest.to_string()))),
            "v" => {
                let v: Value = serde_json::from_str(rest).map_err(|e| e.to_string())?;
                Ok(Some(PathElement::Value(v)))
            }
            "k" => {
                let v: Map<String, Value> =
                    serde_json::from_str(rest).map_err(|e| e.to_string())?;
                Ok(Some(PathElement::key(v.into_iter().collect())))
            }
            "i" => rest.parse().map(|i| Some(PathElement::Index(i))).map_err(|e| format!("{e}")),
            _ => Ok(None),
        }
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    let c = ka.cmp(kb).then_with(|| value_cmp(va, vb));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (PathElement::Value(a), PathElement::Value(b)) => value_cmp(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// How a value prints inside a path (`"text"` quoted, numbers and booleans bare).
fn value_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => gofmt::format_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => gofmt::quote(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(value_string).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(m) => m.iter().map(|(k, v)| format!("{k}={}", value_string(v))).collect(),
    }
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                let parts: Vec<String> =
                    fields.iter().map(|(k, v)| format!("{k}={}", value_string(v))).collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={}]", value_string(v)),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path from the root of an object.
pub type Path = Vec<PathElement>;

/// A path as conflicts print it (`.spec.containers[name="app"].image`).
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

fn number_class(v: &Value) -> Option<(bool, f64, i128)> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some((false, i as f64, i128::from(i)));
    }
    if let Some(u) = n.as_u64() {
        return Some((false, u as f64, i128::from(u)));
    }
    Some((true, n.as_f64().unwrap_or(f64::NAN), 0))
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    }
}

/// A total order over JSON values, as upstream orders them: numbers (compared numerically),
/// then strings, booleans, lists, maps and null.
pub fn value_cmp(a: &Value, b: &Value) -> Ordering {
    if let (Some(x), Some(y)) = (number_class(a), number_class(b)) {
        return match (x.0, y.0) {
            (false, false) => x.2.cmp(&y.2),
            _ => x.1.partial_cmp(&y.1).unwrap_or(Ordering::Equal),
        };
    }
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (i, j) in x.iter().zip(y) {
                let c = value_cmp(i, j);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(&ys) {
                let c = kx.cmp(ky).then_with(|| value_cmp(vx, vy));
                if c != Ordering::Equal {
                    return c;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => Ordering::Equal,
    }
}

/// Deep equality of JSON values with numbers compared by value (`1` equals `1.0`).
pub fn value_eq(a: &Value, b: &Value) -> bool {
    value_cmp(a, b) == Ordering::Equal
}

/// A set of field paths, kept as a trie: the steps that are members at this level and the
/// subtrees below. **Invariant:** no subtree is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, Set>,
}

impl Set {
    /// The empty set.
    pub fn new() -> Set {
        Set::default()
    }

    /// A set of the given paths.
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a [PathElement]>) -> Set {
        let mut s = Set::new();
        for p in paths {
            s.insert(p);
        }
        s
    }

    /// Whether the set holds no path.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// Adds a path (the empty path is ignored).
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                if !self.members.contains(last) {
                    self.members.insert(last.clone());
                }
            }
            // Steps are cloned only where the set does not have them yet.
            [first, rest @ ..] => match self.children.get_mut(first) {
                Some(child) => child.insert(rest),
                None => self.children.entry(first.clone()).or_default().insert(rest),
            },
        }
    }

    /// The union, reusing whichever side is bigger.
    pub fn union_owned(self, other: Set) -> Set {
        match (self.is_empty(), other.is_empty()) {
            (true, _) => other,
            (_, true) => self,
            _ => self.union(&other),
        }
    }

    /// Removes the paths of `other` (the [`Set::difference`] in place).
    pub fn subtract(&mut self, other: &Set) {
        if !other.members.is_empty() {
            self.members.retain(|pe| !other.members.contains(pe));
        }
        for (pe, theirs) in &other.children {
            if let Some(mine) = self.children.get_mut(pe) {
                mine.subtract(theirs);
            }
        }
        self.children.retain(|_, child| !child.is_empty());
    }

    /// Whether the path is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// Whether the step is a member at this level.
    pub fn has_member(&self, pe: &PathElement) -> bool {
        self.members.contains(pe)
    }

    /// The subtree below a step, if any.
    pub fn child(&self, pe: &PathElement) -> Option<&Set> {
        self.children.get(pe)
    }

    /// The members at this level.
    pub fn members(&self) -> impl Iterator<Item = &PathElement> {
        self.members.iter()
    }

    /// The subtrees at this level.
    pub fn children(&self) -> impl Iterator<Item = (&PathElement, &Set)> {
        self.children.iter()
    }

    /// Paths in either set.
    pub fn union(&self, other: &Set) -> Set {
        if self.is_empty() {
            return other.clone();
        }
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (pe, child) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    /// Paths of this set that are not in `other` (members only: a removed member keeps its
    /// subtree).
    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, child) in &self.children {
            let rest = match other.children.get(pe) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                children.insert(pe.clone(), rest);
            }
        }
        Set { members, children }
    }

    /// Paths in both sets.
    pub fn intersection(&self, other: &Set) -> Set {
        let members = self.members.intersection(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, child) in &self.children {
            if let Some(theirs) = other.children.get(pe) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    children.insert(pe.clone(), both);
                }
            }
        }
        Set { members, children }
    }

    /// This set without every path that has a member of `other` as a prefix (or is one).
    pub fn recursive_difference(&self, other: &Set) -> Set {
        let members =
            self.members.iter().filter(|pe| !other.members.contains(*pe)).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, child) in &self.children {
            if other.members.contains(pe) {
                continue;
            }
            let rest = match other.children.get(pe) {
                Some(theirs) => child.recursive_difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                children.insert(pe.clone(), rest);
            }
        }
        Set { members, children }
    }

    /// Removes `pe` and everything below it (the recursive difference with the set `{pe}`).
    pub fn remove_prefix(&mut self, pe: &PathElement) {
        self.members.remove(pe);
        self.children.remove(pe);
    }

    /// Only the paths at or below the top-level step `pe`.
    pub fn retain_prefix(&self, pe: &PathElement) -> Set {
        let mut out = Set::new();
        if self.members.contains(pe) {
            out.members.insert(pe.clone());
        }
        if let Some(child) = self.children.get(pe) {
            out.children.insert(pe.clone(), child.clone());
        }
        out
    }

    /// Every member path: the members of a level first, then each subtree in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(p);
        }
        for (pe, child) in &self.children {
            prefix.push(pe.clone());
            child.collect(prefix, out);
            prefix.pop();
        }
    }

    /// The `fieldsV1` form.
    pub fn to_fields_v1(&self) -> Value {
        Value::Object(self.emit(false))
    }

    fn emit(&self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::new();
        if include_self {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        let mut members = self.members.iter().peekable();
        let mut children = self.children.iter().peekable();
        loop {
            let order = match (members.peek(), children.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(m), Some((c, _))) => (*m).cmp(*c),
            };
            match order {
                Ordering::Less => {
                    if let Some(m) = members.next() {
                        out.insert(m.serialize(), Value::Object(Map::new()));
                    }
                }
                Ordering::Greater => {
                    if let Some((pe, child)) = children.next() {
                        out.insert(pe.serialize(), Value::Object(child.emit(false)));
                    }
                }
                Ordering::Equal => {
                    members.next();
                    if let Some((pe, child)) = children.next() {
                        out.insert(pe.serialize(), Value::Object(child.emit(true)));
                    }
                }
            }
        }
        out
    }

    /// Parses the `fieldsV1` form.
    pub fn from_fields_v1(v: &Value) -> Result<Set, String> {
        let Value::Object(map) = v else {
            return Err("expected an object".into());
        };
        Ok(Set::read(map).0)
    }

    /// Reads one level: the subtree and whether the node itself is a member.
    fn read(map: &Map<String, Value>) -> (Set, bool) {
        let mut set = Set::new();
        let mut is_member = false;
        for (key, child) in map {
            if key == "." {
                is_member = true;
                continue;
            }
            let pe = match PathElement::deserialize(key) {
                Ok(Some(pe)) => pe,
                // Unknown kinds of steps and malformed keys are skipped.
                _ => continue,
            };
            let (grandchildren, child_member) = match child {
                Value::Object(m) => Set::read(m),
                _ => (Set::new(), true),
            };
            if child_member {
                set.members.insert(pe.clone());
            }
            if !grandchildren.is_empty() {
                set.children.insert(pe, grandchildren);
            }
        }
        if set.is_empty() {
            is_member = true;
        }
        (set, is_member)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn f(name: &str) -> PathElement {
        PathElement::field(name)
    }

    #[test]
    fn fields_v1_round_trip_keeps_upstream_order() {
        let raw = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:containers": {
                    "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}},
                },
                "f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}},
                "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}}},
                "f:args": {"i:0": {}},
                "f:replicas": {},
            },
        });
        let set = Set::from_fields_v1(&raw).unwrap();
        assert!(set.has(&[f("spec"), f("replicas")]));
        assert!(set.has(&[f("metadata"), f("labels"), f("app")]));
        let item = PathElement::key(vec![("name".into(), json!("nginx"))]);
        assert!(set.has(&[f("spec"), f("containers"), item.clone()]));
        assert!(set.has(&[f("spec"), f("containers"), item, f("image")]));
        assert!(set.has(&[f("spec"), f("finalizers"), PathElement::Value(json!("b"))]));
        assert!(set.has(&[f("spec"), f("args"), PathElement::Index(0)]));
        let port = PathElement::key(vec![
            ("protocol".into(), json!("TCP")),
            ("containerPort".into(), json!(80)),
        ]);
        assert!(set.has(&[f("spec"), f("ports"), port]));
        let out = set.to_fields_v1();
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            concat!(
                r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:args":{"i:0":{}},"#,
                r#""f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}},"#,
                r#""f:finalizers":{"v:\"a\"":{},"v:\"b\"":{}},"#,
                r#""f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{}},"f:replicas":{}}}"#
            )
        );
        assert_eq!(Set::from_fields_v1(&out).unwrap(), set);
    }

    #[test]
    fn unknown_steps_are_skipped() {
        let set = Set::from_fields_v1(&json!({"x:y": {}, "f:a": {}})).unwrap();
        assert_eq!(set.paths(), vec![vec![f("a")]]);
        assert!(Set::from_fields_v1(&json!([])).is_err());
    }

    #[test]
    fn set_algebra() {
        let a = Set::from_paths([
            &[f("a")][..],
            &[f("b"), f("c")][..],
            &[f("b"), f("d")][..],
            &[f("e")][..],
        ]);
        let b = Set::from_paths([&[f("b"), f("c")][..], &[f("e")][..], &[f("x")][..]]);
        assert_eq!(a.difference(&b).paths(), vec![vec![f("a")], vec![f("b"), f("d")]]);
        assert_eq!(a.intersection(&b).paths(), vec![vec![f("e")], vec![f("b"), f("c")]]);
        assert_eq!(a.union(&b).paths().len(), 5);
        let prefix = Set::from_paths([&[f("b")][..]]);
        assert_eq!(a.recursive_difference(&prefix).paths(), vec![vec![f("a")], vec![f("e")]]);
        assert_eq!(a.retain_prefix(&f("b")).paths().len(), 2);
        // Differences never leave empty subtrees behind.
        let only_b = Set::from_paths([&[f("b"), f("c")][..], &[f("b"), f("d")][..]]);
        assert!(only_b.difference(&a).is_empty());
    }

    #[test]
    fn path_strings() {
        let path = vec![
            f("spec"),
            f("ports"),
            PathElement::key(vec![("port".into(), json!(80)), ("protocol".into(), json!("TCP"))]),
            f("name"),
        ];
        assert_eq!(path_string(&path), r#".spec.ports[port=80,protocol="TCP"].name"#);
        assert_eq!(path_string(&[f("x"), PathElement::Value(json!("a"))]), r#".x[="a"]"#);
        assert_eq!(path_string(&[f("x"), PathElement::Index(2)]), ".x[2]");
    }

    #[test]
    fn values_order_like_upstream() {
        assert_eq!(value_cmp(&json!(1), &json!(1.0)), Ordering::Equal);
        assert_eq!(value_cmp(&json!(2), &json!(10)), Ordering::Less);
        assert_eq!(value_cmp(&json!(5), &json!("a")), Ordering::Less);
        assert_eq!(value_cmp(&json!("b"), &json!(true)), Ordering::Less);
        assert_eq!(value_cmp(&json!(null), &json!({})), Ordering::Greater);
        assert!(value_eq(&json!({"a": [1, 2]}), &json!({"a": [1.0, 2]})));
    }
}
