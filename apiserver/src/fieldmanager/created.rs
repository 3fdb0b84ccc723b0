//! The fields a create records for its manager, worked out in one walk: every field of the new
//! object that differs from the kind's empty object, built bottom-up straight into the
//! `fieldsV1` trie, without the field sets of the general comparison. The walk mirrors
//! [`Walker::compare`] of the empty object with the new one, keeping what it reports added or
//! modified; where the empty object holds something the walk does not expect (a list), it
//! gives up and the general comparison runs.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{Map, Value};

use super::fieldpath::{PathElement, value_eq};
use super::schema::{FastHasher, Ty};
use super::typed::{Kind, Walker, is_empty_container};
use super::updater::ResetFields;
use super::{UNOWNED_METADATA, UNOWNED_TOP};

/// One position of the trie: whether the position itself is a member, and what lies below.
#[derive(Debug, Default)]
pub(super) struct Node {
    member: bool,
    children: Vec<(PathElement, Node)>,
}

impl Node {
    pub(super) fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    fn push(&mut self, pe: PathElement, child: Node) {
        if !child.is_empty() {
            self.children.push((pe, child));
        }
    }

    fn child_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.children
            .iter_mut()
            .find(|(pe, _)| matches!(pe, PathElement::Field(f) if f == name))
            .map(|(_, n)| n)
    }

    fn remove_child(&mut self, name: &str) {
        self.children.retain(|(pe, _)| !matches!(pe, PathElement::Field(f) if f == name));
    }

    /// Leaves out the fields no manager owns through a write (the server's own metadata, the
    /// type) and those the write resets.
    pub(super) fn strip(&mut self, reset: ResetFields) {
        if reset == ResetFields::Status {
            self.remove_child("status");
        }
        for name in UNOWNED_TOP {
            if let Some(child) = self.child_mut(name) {
                child.member = false;
            }
        }
        if let Some(meta) = self.child_mut("metadata") {
            for name in UNOWNED_METADATA {
                if let Some(child) = meta.child_mut(name) {
                    child.member = false;
                }
            }
            meta.children.retain(|(_, n)| !n.is_empty());
        }
        self.children.retain(|(_, n)| !n.is_empty());
    }

    /// The `fieldsV1` form (members in the order of their path elements, `.` for a member
    /// that also has fields below it). Objects made from one template (the pods of one
    /// ReplicaSet) record the same fields, so the forms of recent tries are kept: copying one
    /// costs a fraction of building it, as no key is formatted or hashed again.
    pub(super) fn into_fields_v1(mut self) -> Value {
        self.sort();
        let mut hasher = FastHasher::default();
        self.hash(&mut hasher);
        let hash = hasher.finish();
        let cached = RECENT.lock().unwrap_or_else(|e| e.into_inner()).get(&hash).cloned();
        if let Some(cached) = cached
            && cached.0.same(&self)
        {
            return cached.1.clone();
        }
        let value = Value::Object(self.emit(false));
        let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= RECENT_FORMS {
            recent.clear();
        }
        recent.insert(hash, Arc::new((self, value.clone())));
        value
    }

    fn sort(&mut self) {
        self.children.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, child) in &mut self.children {
            child.sort();
        }
    }

    /// Emits a sorted trie.
    fn emit(&self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::with_capacity(self.children.len() + usize::from(include_self));
        if include_self {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        for (pe, child) in &self.children {
            let value =
                if child.children.is_empty() { Map::new() } else { child.emit(child.member) };
            out.insert(pe.serialize(), Value::Object(value));
        }
        out
    }

    /// Whether two tries emit the same form: the same steps, compared exactly (path
    /// elements' own order counts `1` and `1.0` the same, which print differently).
    fn same(&self, other: &Node) -> bool {
        self.member == other.member
            && self.children.len() == other.children.len()
            && self.children.iter().zip(&other.children).all(|((a, an), (b, bn))| {
                let step = match (a, b) {
                    (PathElement::Field(a), PathElement::Field(b)) => a == b,
                    (PathElement::Key(a), PathElement::Key(b)) => a == b,
                    (PathElement::Value(a), PathElement::Value(b)) => a == b,
                    (PathElement::Index(a), PathElement::Index(b)) => a == b,
                    _ => false,
                };
                step && an.same(bn)
            })
    }

    /// A hash agreeing with [`Node::same`].
    fn hash(&self, h: &mut FastHasher) {
        h.write_u8(u8::from(self.member));
        h.write_usize(self.children.len());
        for (pe, child) in &self.children {
            match pe {
                PathElement::Field(f) => {
                    h.write_u8(0);
                    h.write(f.as_bytes());
                }
                PathElement::Key(fields) => {
                    h.write_u8(1);
                    for (k, v) in fields {
                        h.write(k.as_bytes());
                        hash_value(v, h);
                    }
                }
                PathElement::Value(v) => {
                    h.write_u8(2);
                    hash_value(v, h);
                }
                PathElement::Index(i) => {
                    h.write_u8(3);
                    h.write_usize(*i);
                }
            }
            child.hash(h);
        }
    }
}

/// How many `fieldsV1` forms are kept; all are dropped when a new one would exceed it.
const RECENT_FORMS: usize = 32;

type Form = Arc<(Node, Value)>;

/// Recent `fieldsV1` forms of creates by the hash of their (sorted) trie.
static RECENT: LazyLock<Mutex<HashMap<u64, Form>>> = LazyLock::new(Default::default);

fn hash_value(v: &Value, h: &mut FastHasher) {
    match v {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => h.write_u8(if *b { 2 } else { 1 }),
        Value::Number(n) => {
            h.write_u8(3);
            match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => h.write_i64(i),
                (_, Some(u), _) => h.write_u64(u),
                (_, _, f) => h.write_u64(f.unwrap_or_default().to_bits() ^ 1),
            }
        }
        Value::String(s) => {
            h.write_u8(4);
            h.write(s.as_bytes());
        }
        Value::Array(items) => {
            h.write_u8(5);
            items.iter().for_each(|i| hash_value(i, h));
        }
        Value::Object(m) => {
            h.write_u8(6);
            for (k, v) in m {
                h.write(k.as_bytes());
                hash_value(v, h);
            }
        }
    }
}

impl<'s> Walker<'s> {
    /// The fields `new` adds to or changes from `zero` (the kind's empty object), or `None`
    /// when the general comparison must work them out.
    pub(super) fn created_fields(&self, zero: &Value, new: &Value) -> Option<Node> {
        self.created(Some(zero), new, self.schema().root())
    }

    fn created(&self, l: Option<&Value>, r: &Value, ty: Ty<'s>) -> Option<Node> {
        let mut node = Node::default();
        let changed = match l {
            None => true,
            Some(l) => !value_eq(l, r),
        };
        let both_empty = l.is_none_or(is_empty_container) && is_empty_container(r);
        match self.pair_kind(ty, l, Some(r)) {
            Kind::Leaf => {
                node.member = changed;
                return Some(node);
            }
            _ if both_empty => {
                node.member = changed;
                return Some(node);
            }
            Kind::Map => {
                let empty = Map::new();
                let lm = l.and_then(Value::as_object).unwrap_or(&empty);
                let rm = r.as_object().unwrap_or(&empty);
                for (k, lv) in lm {
                    // Fields only the empty object has are removals, which nobody records.
                    if let Some(rv) = rm.get(k) {
                        let (cty, _) = self.schema().field(ty, k);
                        node.push(PathElement::field(k.as_str()), self.created(Some(lv), rv, cty)?);
                    }
                }
                for (k, rv) in rm {
                    if !lm.contains_key(k) {
                        let (cty, _) = self.schema().field(ty, k);
                        node.push(PathElement::field(k.as_str()), self.created(None, rv, cty)?);
                    }
                }
            }
            Kind::List(keys) => {
                if l.is_some() {
                    return None;
                }
                let elem = self.schema().elem(ty);
                let mut items: Vec<(PathElement, &Value)> = Vec::new();
                for item in r.as_array().map(Vec::as_slice).unwrap_or_default() {
                    // Items that cannot be identified are skipped, as the comparison skips them.
                    if let Ok(pe) = self.item_element(ty, keys.as_deref(), item) {
                        items.push((pe, item));
                    }
                }
                // Stable: the first of equal items stays first.
                items.sort_by(|a, b| a.0.cmp(&b.0));
                let mut i = 0;
                while i < items.len() {
                    let mut j = i + 1;
                    while j < items.len() && items[j].0 == items[i].0 {
                        j += 1;
                    }
                    let pe = items[i].0.clone();
                    if j - i == 1 {
                        node.push(pe, self.created(None, items[i].1, elem)?);
                    } else {
                        // Duplicates are owned as one item, nothing below it.
                        node.push(pe, Node { member: true, children: Vec::new() });
                    }
                    i = j;
                }
            }
        }
        node.member = l.is_none();
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn leaf() -> Node {
        Node { member: true, children: Vec::new() }
    }

    fn trie(port: Value, name: &str) -> Node {
        let item = Node {
            member: true,
            children: vec![
                (PathElement::field("protocol"), leaf()),
                (PathElement::field("containerPort"), leaf()),
            ],
        };
        let ports = Node {
            member: false,
            children: vec![(
                PathElement::key(vec![
                    ("containerPort".into(), port),
                    ("protocol".into(), json!("TCP")),
                ]),
                item,
            )],
        };
        Node {
            member: false,
            children: vec![
                (
                    PathElement::field("spec"),
                    Node {
                        member: false,
                        children: vec![
                            (PathElement::field(name), leaf()),
                            (PathElement::field("ports"), ports),
                            (PathElement::Index(2), leaf()),
                            (PathElement::Value(json!("x")), leaf()),
                        ],
                    },
                ),
                (
                    PathElement::field("metadata"),
                    Node { member: false, children: vec![(PathElement::field("name"), leaf())] },
                ),
            ],
        }
    }

    fn built(mut node: Node) -> Value {
        node.sort();
        Value::Object(node.emit(false))
    }

    /// A form taken from the recent ones is the one building it gives, for tries seen
    /// before, tries that differ in one step, and more distinct tries than are kept.
    #[test]
    fn recent_forms_are_the_built_ones() {
        let first = trie(json!(80), "a").into_fields_v1();
        assert_eq!(first, built(trie(json!(80), "a")));
        assert_eq!(
            first.pointer("/f:spec/f:ports").unwrap().as_object().unwrap().keys().next().unwrap(),
            r#"k:{"containerPort":80,"protocol":"TCP"}"#
        );
        assert_eq!(trie(json!(80), "a").into_fields_v1(), first);
        for n in 0..3 * RECENT_FORMS {
            let name = format!("f{}", n % (RECENT_FORMS + 5));
            let port = if n % 2 == 0 { json!(80) } else { json!(8080) };
            let got = trie(port.clone(), &name).into_fields_v1();
            assert_eq!(got, built(trie(port, &name)), "{name}");
        }
        // 80 and 80.0 are one path element to the field set but not one form.
        let float = trie(json!(80.0), "a");
        assert!(!float.same(&trie(json!(80), "a")));
        assert_eq!(float.into_fields_v1(), built(trie(json!(80.0), "a")));
    }
}
