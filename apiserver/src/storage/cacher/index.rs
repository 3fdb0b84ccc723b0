//! Indexes over selected fields of the cached objects, the counterpart of upstream's
//! `storage.IndexerFuncs` (watch triggers) and `cache.Indexers` (indexed lists) in one concept.
//!
//! A resource declares named index functions over its stored bytes. The cache computes an
//! object's values once when the object enters it (an event's new value once per event; the
//! previous value is the cached object's), keeps the keys of its objects by value, and uses
//! them to pick a list's candidates and the watchers an event is offered to. Indexes only
//! narrow: the layer above still applies its whole predicate to what they select.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

/// Computes one indexed field's value from an object's stored bytes. `None` means the value
/// could not be read (the bytes do not decode): such an object is a candidate for every value.
pub type IndexFunc = Arc<dyn Fn(&[u8]) -> Option<String> + Send + Sync>;

/// One named index over the cached objects. The name is the field selector key whose exact
/// match the index answers (`spec.nodeName`), and the function must compute exactly the value
/// that key reads from the object, since the index decides which objects the predicate sees.
#[derive(Clone)]
pub struct Indexer {
    name: Arc<str>,
    func: IndexFunc,
}

impl Indexer {
    /// An index named after the field selector key it answers.
    pub fn new(name: &str, func: impl Fn(&[u8]) -> Option<String> + Send + Sync + 'static) -> Self {
        Indexer { name: name.into(), func: Arc::new(func) }
    }

    /// The field selector key the index answers.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A selector's requirement that an indexed field equal one value (upstream's `MatchValue`):
/// only an exact `field=value` (or `==`) requirement qualifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchValue {
    /// The index name (the field selector key).
    pub index: String,
    /// The value the selector pins.
    pub value: String,
}

/// One object's value of every index, in the order the indexers were declared; `None` where
/// the value could not be computed.
pub(super) type Values = Box<[Option<Arc<str>>]>;

/// Computes an object's values of every index.
pub(super) fn compute(indexers: &[Indexer], bytes: &[u8]) -> Values {
    indexers.iter().map(|i| (i.func)(bytes).map(Arc::from)).collect()
}

/// The first of `matches` an index answers: its position among the indexers and the value.
pub(super) fn pick(indexers: &[Indexer], matches: &[MatchValue]) -> Option<(usize, Arc<str>)> {
    matches.iter().find_map(|m| {
        let i = indexers.iter().position(|x| *x.name == *m.index)?;
        Some((i, Arc::from(m.value.as_str())))
    })
}

/// Which watchers of one index an event concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Trigger {
    /// Those registered under one of these values: the object's value after the change and,
    /// when it differs, before it (so a watcher sees an object leave its value too). Held
    /// inline: the event window keeps one per event.
    Values(Arc<str>, Option<Arc<str>>),
    /// Every watcher of the index: a value could not be computed.
    Any,
}

impl Trigger {
    /// The trigger of an event whose object had `prev` (if it existed) and now has `new`.
    pub(super) fn of(new: Option<&Arc<str>>, prev: Option<Option<&Arc<str>>>) -> Trigger {
        match (new, prev) {
            (None, _) | (_, Some(None)) => Trigger::Any,
            (Some(new), None) => Trigger::Values(new.clone(), None),
            (Some(new), Some(Some(prev))) if new == prev => Trigger::Values(new.clone(), None),
            (Some(new), Some(Some(prev))) => Trigger::Values(new.clone(), Some(prev.clone())),
        }
    }

    /// Whether a watcher registered under `value` is concerned.
    pub(super) fn admits(&self, value: &str) -> bool {
        match self {
            Trigger::Values(new, prev) => **new == *value || prev.as_deref() == Some(value),
            Trigger::Any => true,
        }
    }
}

/// The triggers of an event, one per index (empty when the resource has no indexes).
pub(super) fn triggers(
    new: &[Option<Arc<str>>],
    prev: Option<&[Option<Arc<str>>]>,
) -> Box<[Trigger]> {
    new.iter()
        .enumerate()
        .map(|(i, n)| Trigger::of(n.as_ref(), prev.map(|p| p.get(i).and_then(Option::as_ref))))
        .collect()
}

/// The keys of the cached objects by their value of one index.
#[derive(Debug, Default)]
pub(super) struct Index {
    by_value: HashMap<Arc<str>, BTreeSet<Arc<str>>>,
    /// Objects whose value could not be computed: candidates for every value.
    unknown: BTreeSet<Arc<str>>,
}

impl Index {
    pub(super) fn insert(&mut self, key: &Arc<str>, value: Option<&Arc<str>>) {
        match value {
            Some(v) => {
                self.by_value.entry(v.clone()).or_default().insert(key.clone());
            }
            None => {
                self.unknown.insert(key.clone());
            }
        }
    }

    /// The allocation this index holds for `value`, when some object has it.
    pub(super) fn shared_value(&self, value: &str) -> Option<Arc<str>> {
        self.by_value.get_key_value(value).map(|(v, _)| Arc::clone(v))
    }

    pub(super) fn remove(&mut self, key: &str, value: Option<&Arc<str>>) {
        match value {
            Some(v) => {
                if let Some(keys) = self.by_value.get_mut(&**v) {
                    keys.remove(key);
                    if keys.is_empty() {
                        self.by_value.remove(&**v);
                    }
                }
            }
            None => {
                self.unknown.remove(key);
            }
        }
    }

    /// The keys indexed under `value`, or whose value is unknown, from `start` on while
    /// `within` holds, in key order.
    pub(super) fn candidates(
        &self,
        value: &str,
        start: &str,
        within: impl Fn(&str) -> bool,
    ) -> Vec<Arc<str>> {
        let from = |set: &BTreeSet<Arc<str>>| -> Vec<Arc<str>> {
            set.range::<str, _>((Bound::Included(start), Bound::Unbounded))
                .take_while(|k| within(k))
                .cloned()
                .collect()
        };
        let mut keys = self.by_value.get(value).map(from).unwrap_or_default();
        if !self.unknown.is_empty() {
            // The two sets are disjoint: a key has one value per index.
            keys.extend(from(&self.unknown));
            keys.sort_unstable();
        }
        keys
    }

    /// How many objects the index holds under `value` (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn count(&self, value: &str) -> usize {
        self.by_value.get(value).map_or(0, BTreeSet::len)
    }

    /// Whether the index holds nothing (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn value_count(&self) -> usize {
        self.by_value.len() + usize::from(!self.unknown.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn trigger_holds_new_and_differing_previous_value() {
        let (a, b) = (arc("a"), arc("b"));
        assert_eq!(Trigger::of(Some(&a), None), Trigger::Values(a.clone(), None));
        assert_eq!(Trigger::of(Some(&a), Some(Some(&a))), Trigger::Values(a.clone(), None));
        let moved = Trigger::of(Some(&a), Some(Some(&b)));
        assert!(moved.admits("a") && moved.admits("b") && !moved.admits("c"));
        assert_eq!(Trigger::of(None, Some(Some(&a))), Trigger::Any);
        assert_eq!(Trigger::of(Some(&a), Some(None)), Trigger::Any);
        assert!(Trigger::Any.admits("anything"));
    }

    #[test]
    fn index_candidates_are_key_ordered_and_include_unknown_values() {
        let mut index = Index::default();
        for (key, value) in [("/p/c", Some("n1")), ("/p/a", Some("n1")), ("/p/b", None)] {
            index.insert(&arc(key), value.map(arc).as_ref());
        }
        index.insert(&arc("/p/d"), Some(&arc("n2")));
        let keys = |index: &Index, v: &str, start: &str| -> Vec<String> {
            index
                .candidates(v, start, |k| k.starts_with("/p/"))
                .iter()
                .map(|k| k.to_string())
                .collect()
        };
        assert_eq!(keys(&index, "n1", "/p/"), ["/p/a", "/p/b", "/p/c"]);
        assert_eq!(keys(&index, "n1", "/p/b"), ["/p/b", "/p/c"]);
        assert_eq!(keys(&index, "n2", "/p/"), ["/p/b", "/p/d"]);
        assert_eq!(keys(&index, "n3", "/p/"), ["/p/b"]);
        index.insert(&arc("/q/a"), Some(&arc("n1")));
        assert_eq!(
            keys(&index, "n1", "/p/"),
            ["/p/a", "/p/b", "/p/c"],
            "keys past the range stay out"
        );
        index.remove("/p/b", None);
        index.remove("/p/a", Some(&arc("n1")));
        assert_eq!(keys(&index, "n1", "/p/"), ["/p/c"]);
        index.remove("/p/c", Some(&arc("n1")));
        assert_eq!(index.count("n1"), 1);
        index.remove("/q/a", Some(&arc("n1")));
        assert_eq!(index.count("n1"), 0);
        assert_eq!(index.value_count(), 1, "an emptied value is dropped");
    }

    #[test]
    fn pick_takes_the_first_match_an_index_answers() {
        let indexers = [Indexer::new("spec.nodeName", |_| None)];
        let m = |index: &str, value: &str| MatchValue { index: index.into(), value: value.into() };
        assert_eq!(pick(&indexers, &[]), None);
        assert_eq!(pick(&indexers, &[m("status.phase", "Running")]), None);
        assert_eq!(
            pick(&indexers, &[m("status.phase", "Running"), m("spec.nodeName", "n1")]),
            Some((0, arc("n1")))
        );
    }
}
