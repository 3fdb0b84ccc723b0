//! The fields a create records for its manager, worked out in one walk: every field of the new
//! object that differs from the kind's empty object, built bottom-up straight into the
//! `fieldsV1` trie, without the field sets of the general comparison. The walk mirrors
//! [`Walker::compare`] of the empty object with the new one, keeping what it reports added or
//! modified; where the empty object holds something the walk does not expect (a list), it
//! gives up and the general comparison runs.

use serde_json::{Map, Value};

use super::fieldpath::{PathElement, value_eq};
use super::schema::Ty;
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
    /// that also has fields below it).
    pub(super) fn into_fields_v1(self) -> Value {
        Value::Object(self.emit(false))
    }

    fn emit(mut self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::with_capacity(self.children.len() + usize::from(include_self));
        if include_self {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        self.children.sort_by(|a, b| a.0.cmp(&b.0));
        for (pe, child) in self.children {
            let value = if child.children.is_empty() {
                Map::new()
            } else {
                let member = child.member;
                child.emit(member)
            };
            out.insert(pe.serialize(), Value::Object(value));
        }
        out
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
