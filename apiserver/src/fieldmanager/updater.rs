//! Ownership bookkeeping of one write (upstream's structured-merge `Updater`): an update takes
//! the fields it changed from their previous owners; an apply merges a configuration, removes
//! the fields its manager stopped applying that nobody else owns, and fails on fields other
//! managers own with a different value unless forced.

use serde_json::Value;

use super::fieldpath::{Path, PathElement, Set, value_eq};
use super::managed::{Managed, ManagerKey, VersionedSet};
use super::typed::{Comparison, TypeError, Walker};

/// Fields the store resets on a write, which no manager can own through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetFields {
    /// Nothing is reset.
    None,
    /// A write of the main resource keeps the status (there is a status subresource).
    Status,
    /// A write of the status subresource changes the status only (custom resources).
    AllButStatus,
    /// The fields at and below these paths of field names (a built-in kind's status
    /// strategy, upstream's `GetResetFields`).
    Paths(&'static [&'static [&'static str]]),
}

impl ResetFields {
    /// `set` without the reset fields.
    pub fn filter(self, set: &Set) -> Set {
        self.filter_owned(set.clone())
    }

    /// [`ResetFields::filter`] reusing `set`.
    pub fn filter_owned(self, mut set: Set) -> Set {
        let status = PathElement::field("status");
        match self {
            ResetFields::None => set,
            ResetFields::Status => {
                set.remove_prefix(&status);
                set
            }
            ResetFields::AllButStatus => set.retain_prefix(&status),
            ResetFields::Paths(paths) => {
                let paths: Vec<Vec<PathElement>> = paths
                    .iter()
                    .map(|p| p.iter().map(|name| PathElement::field(*name)).collect())
                    .collect();
                set.recursive_difference(&Set::from_paths(paths.iter().map(Vec::as_slice)))
            }
        }
    }
}

/// One field another manager owns that a write would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The owner.
    pub manager: ManagerKey,
    /// The field.
    pub path: Path,
}

/// Why an apply failed.
#[derive(Debug)]
pub enum ApplyError {
    /// Fields owned by other managers would change.
    Conflicts(Vec<Conflict>),
    /// The configuration does not fit the schema.
    Type(TypeError),
}

/// The bookkeeping of writes at one API version.
pub struct Updater<'s> {
    /// The schema walker.
    pub walker: Walker<'s>,
    /// The API version of the write.
    pub api_version: String,
    /// Fields the write cannot own.
    pub reset: ResetFields,
}

impl Updater<'_> {
    /// Compares `live` and `new`, takes the changed fields away from managers other than
    /// `workflow` (failing on them unless `force`), and drops removed fields from everyone.
    fn update(
        &self,
        live: &Value,
        new: &Value,
        managed: &mut Managed,
        workflow: &ManagerKey,
        force: bool,
    ) -> Result<Comparison, Vec<Conflict>> {
        let cmp = self.walker.compare(live, new);
        let cmp = Comparison {
            added: self.reset.filter_owned(cmp.added),
            modified: self.reset.filter_owned(cmp.modified),
            removed: self.reset.filter_owned(cmp.removed),
        };
        let others = managed.fields.keys().any(|k| k != workflow);
        let changed = if others { cmp.modified.union(&cmp.added) } else { Set::new() };
        let mut conflicts: Vec<(ManagerKey, Set)> = Vec::new();
        for (key, vs) in &managed.fields {
            if key == workflow {
                continue;
            }
            let c = vs.set.intersection(&changed);
            if !c.is_empty() {
                conflicts.push((key.clone(), c));
            }
        }
        if !force && !conflicts.is_empty() {
            let mut out = Vec::new();
            conflicts.sort_by_key(|(k, _)| k.identifier());
            for (manager, set) in conflicts {
                for path in set.paths() {
                    out.push(Conflict { manager: manager.clone(), path });
                }
            }
            return Err(out);
        }
        for (key, c) in conflicts {
            if let Some(vs) = managed.fields.get_mut(&key) {
                vs.set = vs.set.difference(&c);
            }
        }
        if !cmp.removed.is_empty() {
            for (key, vs) in managed.fields.iter_mut() {
                if key != workflow {
                    vs.set = vs.set.difference(&cmp.removed);
                }
            }
        }
        managed.prune_empty();
        Ok(cmp)
    }

    /// Records a write that changed `live` into `new`: returns the fields it changed or added
    /// (without reset fields), which every manager but `workflow` loses; removed fields leave
    /// every manager but `workflow`.
    pub fn update_fields(
        &self,
        live: &Value,
        new: &Value,
        managed: &mut Managed,
        workflow: &ManagerKey,
    ) -> Set {
        // The comparison is already without the reset fields.
        match self.update(live, new, managed, workflow, true) {
            Ok(cmp) => cmp.modified.union_owned(cmp.added),
            Err(_) => Set::new(),
        }
    }

    /// Applies `config` for `manager` over `live`. Returns the new object (`None` when it
    /// equals `live`) and the new ownership; `managed` is left as it was.
    pub fn apply(
        &self,
        live: &Value,
        config: &Value,
        managed: &Managed,
        manager: &ManagerKey,
        force: bool,
    ) -> Result<(Option<Value>, Managed), ApplyError> {
        let set = self.walker.field_set(config, true).map_err(ApplyError::Type)?;
        let merged = self.walker.merge(live, config);
        let last = managed.fields.get(manager).map(|v| v.set.clone());
        let mut next = managed.clone();
        next.fields.insert(
            manager.clone(),
            VersionedSet {
                set: self.reset.filter(&set),
                api_version: self.api_version.clone(),
                applied: true,
            },
        );
        let pruned = match last {
            Some(last) if !last.is_empty() => self.prune(&merged, &next, &last),
            _ => merged,
        };
        self.update(live, &pruned, &mut next, manager, force).map_err(ApplyError::Conflicts)?;
        let changed = !value_eq(live, &pruned);
        Ok((changed.then_some(pruned), next))
    }

    /// Removes from `merged` the fields of `last` (the manager's previous applied set) that no
    /// manager owns any more, keeping everything else.
    fn prune(&self, merged: &Value, managed: &Managed, last: &Set) -> Value {
        let w = &self.walker;
        let named = |s: &Set| w.with_named_fields(s);
        let last = named(last);
        let owned = named(&managed.fields.values().fold(Set::new(), |acc, vs| acc.union(&vs.set)));
        let merged_set = named(&w.field_set(merged, false).unwrap_or_default());
        let first = w.remove(merged, &last);
        let first_set = named(&w.field_set(&first, false).unwrap_or_default());
        let second = w.remove(merged, &merged_set.difference(&first_set.union(&owned)));
        let second_set = named(&w.field_set(&second, false).unwrap_or_default());
        w.remove(merged, &merged_set.difference(&second_set).intersection(&last))
    }
}
