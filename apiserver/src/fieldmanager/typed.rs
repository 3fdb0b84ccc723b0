//! Operations on objects guided by their schema: the field set an object sets, the comparison
//! of two objects (fields added, modified, removed), the merge of an applied configuration into
//! a live object, and the removal of fields — the structured-merge core of server-side apply.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::fieldpath::{Path, PathElement, Set, path_string, value_eq};
use super::schema::{ListKind, Shape, Ty, TypeSchema};

/// How a node is walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// One value (scalars, atomic maps and lists, type mismatches).
    Leaf,
    /// An object walked field by field.
    Map,
    /// An associative list walked item by item: keyed (`Some`) or a set (`None`).
    List(Option<Vec<String>>),
}

/// What changed between two objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Fields only the new object has.
    pub added: Set,
    /// Fields whose value changed.
    pub modified: Set,
    /// Fields only the old object has.
    pub removed: Set,
}

impl Comparison {
    /// Applies `f` to each of the three sets.
    pub fn map(&self, f: impl Fn(&Set) -> Set) -> Comparison {
        Comparison { added: f(&self.added), modified: f(&self.modified), removed: f(&self.removed) }
    }
}

/// An object that does not fit its schema (as upstream's typed conversion reports it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct TypeError {
    /// Where (`.spec.containers`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

pub(super) fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Walks objects of one schema.
pub struct Walker<'s> {
    schema: &'s TypeSchema,
}

impl<'s> Walker<'s> {
    /// A walker over `schema`.
    pub fn new(schema: &'s TypeSchema) -> Walker<'s> {
        Walker { schema }
    }

    /// The schema walked.
    pub(super) fn schema(&self) -> &'s TypeSchema {
        self.schema
    }

    fn kind(&self, ty: Ty<'s>, v: &Value) -> Kind {
        match self.schema.shape_of(ty) {
            Shape::Scalar => Kind::Leaf,
            Shape::Struct { atomic } | Shape::Map { atomic } => {
                if !*atomic && matches!(v, Value::Object(_) | Value::Null) {
                    Kind::Map
                } else {
                    Kind::Leaf
                }
            }
            Shape::List(ListKind::Atomic) => Kind::Leaf,
            Shape::List(kind) => match v {
                Value::Array(_) | Value::Null => Kind::List(match kind {
                    ListKind::Map(keys) => Some(keys.clone()),
                    _ => None,
                }),
                _ => Kind::Leaf,
            },
            Shape::Deduced => match v {
                Value::Object(_) => Kind::Map,
                _ => Kind::Leaf,
            },
        }
    }

    /// The kind of a node seen on one or both sides; sides that disagree are a leaf.
    pub(super) fn pair_kind(&self, ty: Ty<'s>, l: Option<&Value>, r: Option<&Value>) -> Kind {
        match (l, r) {
            (Some(l), Some(r)) => {
                let (kl, kr) = (self.kind(ty, l), self.kind(ty, r));
                // A null side takes the other side's form.
                if l.is_null() {
                    kr
                } else if r.is_null() || kl == kr {
                    kl
                } else {
                    Kind::Leaf
                }
            }
            (Some(v), None) | (None, Some(v)) => self.kind(ty, v),
            (None, None) => Kind::Leaf,
        }
    }

    /// The path element of a list item.
    pub(super) fn item_element(
        &self,
        list: Ty<'s>,
        keys: Option<&[String]>,
        item: &Value,
    ) -> Result<PathElement, String> {
        match keys {
            Some(keys) => {
                let Value::Object(m) = item else {
                    return Err(if item.is_null() {
                        "associative list with keys may not have a null element".into()
                    } else {
                        "associative list with keys may not have non-map elements".into()
                    });
                };
                let elem = self.schema.elem(list);
                let mut fields = Vec::new();
                for k in keys {
                    if let Some(v) = m.get(k) {
                        fields.push((k.clone(), v.clone()));
                    } else if let Some(d) = self.schema.key_default(elem, k) {
                        fields.push((k.clone(), d));
                    }
                }
                if fields.is_empty() {
                    let quoted: Vec<String> =
                        keys.iter().map(|k| apimachinery::gofmt::quote(k)).collect();
                    return Err(format!(
                        "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
                        quoted.join(" ")
                    ));
                }
                Ok(PathElement::key(fields))
            }
            None => match item {
                Value::Object(_) => {
                    Err("associative list without keys has an element that's a map type".into())
                }
                Value::Array(_) => {
                    Err("not supported: associative list with lists as elements".into())
                }
                Value::Null => {
                    Err("associative list without keys has an element that's an explicit null"
                        .into())
                }
                v => Ok(PathElement::Value(v.clone())),
            },
        }
    }

    /// The fields `v` sets (upstream's `ToFieldSet`): leaves, list items, map keys that are not
    /// declared struct fields, and empty or null objects. `strict` rejects items that cannot be
    /// identified and duplicate items (an applied configuration); otherwise they are skipped.
    pub fn field_set(&self, v: &Value, strict: bool) -> Result<Set, TypeError> {
        let mut out = Set::new();
        self.to_set(v, self.schema.root(), &mut Vec::new(), &mut out, strict)?;
        Ok(out)
    }

    fn to_set(
        &self,
        v: &Value,
        ty: Ty<'s>,
        path: &mut Path,
        out: &mut Set,
        strict: bool,
    ) -> Result<(), TypeError> {
        match self.kind(ty, v) {
            Kind::Leaf => out.insert(path),
            Kind::Map => {
                if let Value::Object(m) = v {
                    for (k, child) in m {
                        let (cty, named) = self.schema.field(ty, k);
                        path.push(PathElement::field(k.as_str()));
                        self.to_set(child, cty, path, out, strict)?;
                        let empty_object = matches!(child, Value::Object(c) if c.is_empty());
                        if child.is_null() || empty_object || !named {
                            out.insert(path);
                        }
                        path.pop();
                    }
                }
            }
            Kind::List(keys) => {
                if let Value::Array(items) = v {
                    let elem = self.schema.elem(ty);
                    let mut seen = BTreeSet::new();
                    for (i, item) in items.iter().enumerate() {
                        let pe = match self.item_element(ty, keys.as_deref(), item) {
                            Ok(pe) => pe,
                            Err(message) if strict => {
                                return Err(TypeError {
                                    path: path_string(path),
                                    message: format!("element {i}: {message}"),
                                });
                            }
                            Err(_) => continue,
                        };
                        if !seen.insert(pe.clone()) && strict {
                            return Err(TypeError {
                                path: path_string(path),
                                message: format!("duplicate entries for key {pe}"),
                            });
                        }
                        path.push(pe);
                        self.to_set(item, elem, path, out, strict)?;
                        out.insert(path);
                        path.pop();
                    }
                }
            }
        }
        Ok(())
    }

    /// Compares two objects (upstream's `Compare`).
    pub fn compare(&self, old: &Value, new: &Value) -> Comparison {
        let mut out = Comparison::default();
        self.cmp(Some(old), Some(new), self.schema.root(), &mut Vec::new(), &mut out);
        out
    }

    fn cmp_leaf(l: Option<&Value>, r: Option<&Value>, path: &Path, out: &mut Comparison) {
        match (l, r) {
            (None, Some(_)) => out.added.insert(path),
            (Some(_), None) => out.removed.insert(path),
            (Some(l), Some(r)) if !value_eq(l, r) => out.modified.insert(path),
            _ => {}
        }
    }

    fn cmp(
        &self,
        l: Option<&Value>,
        r: Option<&Value>,
        ty: Ty<'s>,
        path: &mut Path,
        out: &mut Comparison,
    ) {
        if l.is_none() && r.is_none() {
            return;
        }
        let both_empty = l.is_none_or(is_empty_container) && r.is_none_or(is_empty_container);
        match self.pair_kind(ty, l, r) {
            Kind::Leaf => return Self::cmp_leaf(l, r, path, out),
            _ if both_empty => return Self::cmp_leaf(l, r, path, out),
            Kind::Map => {
                let empty = Map::new();
                let lm = l.and_then(Value::as_object).unwrap_or(&empty);
                let rm = r.and_then(Value::as_object).unwrap_or(&empty);
                for (k, lv) in lm {
                    let (cty, _) = self.schema.field(ty, k);
                    path.push(PathElement::field(k.as_str()));
                    self.cmp(Some(lv), rm.get(k), cty, path, out);
                    path.pop();
                }
                for (k, rv) in rm {
                    if lm.contains_key(k) {
                        continue;
                    }
                    let (cty, _) = self.schema.field(ty, k);
                    path.push(PathElement::field(k.as_str()));
                    self.cmp(None, Some(rv), cty, path, out);
                    path.pop();
                }
            }
            Kind::List(keys) => self.cmp_list(ty, keys.as_deref(), l, r, path, out),
        }
        match (l, r) {
            (None, Some(_)) => out.added.insert(path),
            (Some(_), None) => out.removed.insert(path),
            _ => {}
        }
    }

    /// Groups list items by path element, in first-seen order.
    fn index_items<'v>(
        &self,
        ty: Ty<'s>,
        keys: Option<&[String]>,
        list: Option<&'v Value>,
    ) -> (Vec<PathElement>, BTreeMap<PathElement, Vec<&'v Value>>) {
        let mut order = Vec::new();
        let mut groups: BTreeMap<PathElement, Vec<&'v Value>> = BTreeMap::new();
        for item in list.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let Ok(pe) = self.item_element(ty, keys, item) else { continue };
            let group = groups.entry(pe.clone()).or_default();
            if group.is_empty() {
                order.push(pe);
            }
            group.push(item);
        }
        (order, groups)
    }

    fn cmp_list(
        &self,
        ty: Ty<'s>,
        keys: Option<&[String]>,
        l: Option<&Value>,
        r: Option<&Value>,
        path: &mut Path,
        out: &mut Comparison,
    ) {
        let elem = self.schema.elem(ty);
        let (lorder, lgroups) = self.index_items(ty, keys, l);
        let (rorder, rgroups) = self.index_items(ty, keys, r);
        let mut all = lorder;
        for pe in rorder {
            if !lgroups.contains_key(&pe) {
                all.push(pe);
            }
        }
        let none = Vec::new();
        for pe in all {
            let ls = lgroups.get(&pe).unwrap_or(&none);
            let rs = rgroups.get(&pe).unwrap_or(&none);
            path.push(pe);
            match (ls.len(), rs.len()) {
                (0 | 1, 0 | 1) => {
                    self.cmp(ls.first().copied(), rs.first().copied(), elem, path, out);
                }
                (a, b) if a >= 2 && b >= 2 => {
                    let same = a == b && ls.iter().zip(rs.iter()).all(|(x, y)| value_eq(x, y));
                    if !same {
                        out.modified.insert(path);
                    }
                }
                (a, _) if a >= 2 => {
                    if let Some(first) = rs.first() {
                        self.cmp(None, Some(first), elem, path, out);
                    }
                    out.removed.insert(path);
                }
                _ => {
                    if let Some(first) = ls.first() {
                        self.cmp(Some(first), None, elem, path, out);
                    }
                    out.added.insert(path);
                }
            }
            path.pop();
        }
    }

    /// Merges `config` into `live` (upstream's `Merge`): the configuration wins on every
    /// value it sets; objects merge field by field and associative lists item by item, in an
    /// order that keeps both sides' relative orders.
    pub fn merge(&self, live: &Value, config: &Value) -> Value {
        self.merge_at(Some(live), Some(config), self.schema.root()).unwrap_or(Value::Null)
    }

    fn merge_at(&self, l: Option<&Value>, r: Option<&Value>, ty: Ty<'s>) -> Option<Value> {
        let (l, r) = match (l, r) {
            (None, None) => return None,
            (Some(l), None) => return Some(l.clone()),
            (None, Some(r)) => return Some(r.clone()),
            (Some(l), Some(r)) => (l, r),
        };
        if is_empty_container(l) && is_empty_container(r) {
            return Some(r.clone());
        }
        match self.pair_kind(ty, Some(l), Some(r)) {
            Kind::Leaf => Some(r.clone()),
            Kind::Map => {
                let empty = Map::new();
                let lm = l.as_object().unwrap_or(&empty);
                let rm = r.as_object().unwrap_or(&empty);
                let mut out = Map::new();
                for (k, lv) in lm {
                    let (cty, _) = self.schema.field(ty, k);
                    if let Some(v) = self.merge_at(Some(lv), rm.get(k), cty) {
                        out.insert(k.clone(), v);
                    }
                }
                for (k, rv) in rm {
                    if !lm.contains_key(k) {
                        out.insert(k.clone(), rv.clone());
                    }
                }
                Some(Value::Object(out))
            }
            Kind::List(keys) => Some(self.merge_list(ty, keys.as_deref(), l, r)),
        }
    }

    fn merge_list(&self, ty: Ty<'s>, keys: Option<&[String]>, l: &Value, r: &Value) -> Value {
        let elem = self.schema.elem(ty);
        let items = |v: &Value| -> Vec<(PathElement, Value)> {
            v.as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|i| self.item_element(ty, keys, i).ok().map(|pe| (pe, i.clone())))
                .collect()
        };
        let lhs = items(l);
        let rhs = items(r);
        // An element seen twice on the live side merges as if it were absent there.
        let mut observed_l: BTreeMap<PathElement, Option<&Value>> = BTreeMap::new();
        for (pe, v) in &lhs {
            observed_l.entry(pe.clone()).and_modify(|e| *e = None).or_insert(Some(v));
        }
        let observed_r: BTreeMap<&PathElement, &Value> = rhs.iter().map(|(p, v)| (p, v)).collect();
        let mut shared: std::collections::VecDeque<&PathElement> =
            rhs.iter().map(|(p, _)| p).filter(|p| observed_l.contains_key(*p)).collect();
        let mut next_shared = shared.pop_front();
        let mut merged_rhs: BTreeSet<&PathElement> = BTreeSet::new();
        let mut out = Vec::new();
        let (mut li, mut ri) = (0, 0);
        while li < lhs.len() || ri < rhs.len() {
            if li < lhs.len() && ri < rhs.len() {
                let pe = &lhs[li].0;
                if *pe == rhs[ri].0 {
                    merged_rhs.insert(pe);
                    let lv = observed_l.get(pe).copied().flatten();
                    out.extend(self.merge_at(lv, observed_r.get(pe).copied(), elem));
                    li += 1;
                    ri += 1;
                    next_shared = shared.pop_front();
                    continue;
                }
                if observed_r.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                    li += 1;
                    continue;
                }
            }
            if li < lhs.len() {
                let pe = &lhs[li].0;
                if !observed_r.contains_key(pe) {
                    out.extend(self.merge_at(Some(&lhs[li].1), None, elem));
                    li += 1;
                    continue;
                } else if merged_rhs.contains(pe) {
                    li += 1;
                }
            }
            if ri < rhs.len() {
                let pe = &rhs[ri].0;
                merged_rhs.insert(pe);
                let lv = observed_l.get(pe).copied().flatten();
                out.extend(self.merge_at(lv, observed_r.get(pe).copied(), elem));
                ri += 1;
                if next_shared.is_some_and(|n| n == pe) {
                    next_shared = shared.pop_front();
                }
            }
        }
        Value::Array(out)
    }

    /// `v` without the fields in `set` (a member removes its whole subtree). Objects and
    /// lists emptied by the removal disappear.
    pub fn remove(&self, v: &Value, set: &Set) -> Value {
        if set.is_empty() {
            return v.clone();
        }
        self.remove_at(v, set, self.schema.root()).unwrap_or_else(|| Value::Object(Map::new()))
    }

    fn remove_at(&self, v: &Value, set: &Set, ty: Ty<'s>) -> Option<Value> {
        match self.kind(ty, v) {
            Kind::Leaf => Some(v.clone()),
            Kind::Map => {
                let Value::Object(m) = v else { return Some(v.clone()) };
                let mut out = Map::new();
                for (k, child) in m {
                    let pe = PathElement::field(k.as_str());
                    if set.has_member(&pe) {
                        continue;
                    }
                    match set.child(&pe) {
                        Some(sub) => {
                            let (cty, _) = self.schema.field(ty, k);
                            if let Some(c) = self.remove_at(child, sub, cty) {
                                out.insert(k.clone(), c);
                            }
                        }
                        None => {
                            out.insert(k.clone(), child.clone());
                        }
                    }
                }
                (!out.is_empty() || m.is_empty()).then_some(Value::Object(out))
            }
            Kind::List(keys) => {
                let Value::Array(items) = v else { return Some(v.clone()) };
                let elem = self.schema.elem(ty);
                let mut out = Vec::new();
                for item in items {
                    let Ok(pe) = self.item_element(ty, keys.as_deref(), item) else {
                        out.push(item.clone());
                        continue;
                    };
                    if set.has_member(&pe) {
                        continue;
                    }
                    match set.child(&pe) {
                        Some(sub) => out.extend(self.remove_at(item, sub, elem)),
                        None => out.push(item.clone()),
                    }
                }
                (!out.is_empty() || items.is_empty()).then_some(Value::Array(out))
            }
        }
    }

    /// `set` plus, for every subtree under a declared struct field, that field itself
    /// (upstream's `EnsureNamedFieldsAreMembers`).
    pub fn with_named_fields(&self, set: &Set) -> Set {
        let mut out = Set::new();
        self.named_at(set, self.schema.root(), &mut Vec::new(), &mut out);
        out
    }

    fn named_at(&self, set: &Set, ty: Ty<'s>, path: &mut Path, out: &mut Set) {
        for m in set.members() {
            path.push(m.clone());
            out.insert(path);
            path.pop();
        }
        for (pe, child) in set.children() {
            let cty = match pe {
                PathElement::Field(name) => {
                    if self.schema.is_named_field(ty, name) {
                        path.push(pe.clone());
                        out.insert(path);
                        path.pop();
                    }
                    self.schema.field(ty, name).0
                }
                _ => self.schema.elem(ty),
            };
            path.push(pe.clone());
            self.named_at(child, cty, path, out);
            path.pop();
        }
    }
}
