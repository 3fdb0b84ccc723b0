//! A key-addressed, indexed, thread-safe object map: the storage under [`crate::cache::Indexer`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::cache::CacheError;

/// Computes the values under which an object is indexed (none, one or many).
pub type IndexFunc<T> = Arc<dyn Fn(&T) -> Vec<String> + Send + Sync>;

/// Named index functions.
pub struct Indexers<T> {
    funcs: HashMap<String, IndexFunc<T>>,
}

impl<T> Default for Indexers<T> {
    fn default() -> Self {
        Self { funcs: HashMap::new() }
    }
}

impl<T> Clone for Indexers<T> {
    fn clone(&self) -> Self {
        Self { funcs: self.funcs.clone() }
    }
}

impl<T> fmt::Debug for Indexers<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl<T> Indexers<T> {
    /// No index functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the index function called `name`, builder style.
    pub fn with(
        mut self,
        name: impl Into<String>,
        func: impl Fn(&T) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.insert(name, func);
        self
    }

    /// Adds (or replaces) the index function called `name`.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        func: impl Fn(&T) -> Vec<String> + Send + Sync + 'static,
    ) {
        self.funcs.insert(name.into(), Arc::new(func));
    }

    /// The index function called `name`.
    pub fn get(&self, name: &str) -> Option<&IndexFunc<T>> {
        self.funcs.get(name)
    }

    /// Index names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.funcs.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Number of index functions.
    pub fn len(&self) -> usize {
        self.funcs.len()
    }

    /// Whether there are no index functions.
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty()
    }
}

/// index name -> indexed value -> keys of the objects with that value.
type Indices = HashMap<String, HashMap<String, HashSet<String>>>;

struct Inner<T> {
    items: HashMap<String, Arc<T>>,
    indexers: Indexers<T>,
    indices: Indices,
}

impl<T> Inner<T> {
    /// Moves `key` from the values `old` was indexed under to those of `new`, for one index.
    fn update_single_index(&mut self, name: &str, old: Option<&T>, new: Option<&T>, key: &str) {
        let Some(func) = self.indexers.get(name) else {
            return;
        };
        let old_values = old.map(|o| func(o)).unwrap_or_default();
        let new_values = new.map(|n| func(n)).unwrap_or_default();
        let index = self.indices.entry(name.to_string()).or_default();
        // The common case of an unchanged single value needs no set churn.
        if old_values.len() == 1 && new_values.len() == 1 && old_values[0] == new_values[0] {
            return;
        }
        for value in &old_values {
            if let Some(keys) = index.get_mut(value) {
                keys.remove(key);
                // Empty sets are dropped so that listed index values stay meaningful.
                if keys.is_empty() {
                    index.remove(value);
                }
            }
        }
        for value in new_values {
            index.entry(value).or_default().insert(key.to_string());
        }
    }

    fn update_indices(&mut self, old: Option<&T>, new: Option<&T>, key: &str) {
        let names: Vec<String> = self.indexers.funcs.keys().cloned().collect();
        for name in names {
            self.update_single_index(&name, old, new, key);
        }
    }

    fn update(&mut self, key: String, obj: Arc<T>) {
        let old = self.items.insert(key.clone(), Arc::clone(&obj));
        self.update_indices(old.as_deref(), Some(&obj), &key);
    }

    fn delete(&mut self, key: &str) {
        if let Some(old) = self.items.remove(key) {
            self.update_indices(Some(&old), None, key);
        }
    }

    fn index_keys(&self, name: &str, value: &str) -> Result<Option<&HashSet<String>>, CacheError> {
        if self.indexers.get(name).is_none() {
            return Err(CacheError::IndexNotFound(name.to_string()));
        }
        Ok(self.indices.get(name).and_then(|index| index.get(value)))
    }

    /// Objects for `keys`, in key order so results are deterministic.
    fn objects<'a>(&self, keys: impl IntoIterator<Item = &'a String>) -> Vec<Arc<T>> {
        let sorted: BTreeSet<&String> = keys.into_iter().collect();
        sorted.into_iter().filter_map(|k| self.items.get(k).cloned()).collect()
    }
}

/// A thread-safe map from keys to shared objects, with secondary indices.
///
/// Readers share a read lock and never block each other; writers are exclusive.
/// Objects are stored as `Arc<T>` and must not be mutated once stored.
pub struct ThreadSafeStore<T> {
    inner: RwLock<Inner<T>>,
}

impl<T> fmt::Debug for ThreadSafeStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.read();
        f.debug_struct("ThreadSafeStore")
            .field("items", &inner.items.len())
            .field("indexers", &inner.indexers)
            .finish()
    }
}

impl<T> Default for ThreadSafeStore<T> {
    fn default() -> Self {
        Self::new(Indexers::new())
    }
}

impl<T> ThreadSafeStore<T> {
    /// An empty store with the given index functions.
    pub fn new(indexers: Indexers<T>) -> Self {
        Self {
            inner: RwLock::new(Inner { items: HashMap::new(), indexers, indices: HashMap::new() }),
        }
    }

    // A panic while holding the lock cannot leave the maps half-updated in a way readers
    // could observe as unsafe, so a poisoned lock is simply taken over.
    fn read(&self) -> RwLockReadGuard<'_, Inner<T>> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner<T>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `obj` under `key` (same as [`ThreadSafeStore::update`]).
    pub fn add(&self, key: impl Into<String>, obj: Arc<T>) {
        self.update(key, obj);
    }

    /// Stores `obj` under `key`, re-indexing it.
    pub fn update(&self, key: impl Into<String>, obj: Arc<T>) {
        self.write().update(key.into(), obj);
    }

    /// Removes `key` and its index entries; unknown keys are ignored.
    pub fn delete(&self, key: &str) {
        self.write().delete(key);
    }

    /// The object stored under `key`.
    pub fn get(&self, key: &str) -> Option<Arc<T>> {
        self.read().items.get(key).cloned()
    }

    /// All objects, in no particular order.
    pub fn list(&self) -> Vec<Arc<T>> {
        self.read().items.values().cloned().collect()
    }

    /// All keys, in no particular order.
    pub fn list_keys(&self) -> Vec<String> {
        self.read().items.keys().cloned().collect()
    }

    /// Number of stored objects.
    pub fn len(&self) -> usize {
        self.read().items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.read().items.is_empty()
    }

    /// Swaps the whole content for `items` and rebuilds every index.
    pub fn replace(&self, items: HashMap<String, Arc<T>>) {
        let mut inner = self.write();
        inner.items = HashMap::new();
        inner.indices = HashMap::new();
        for (key, obj) in items {
            inner.update(key, obj);
        }
    }

    /// Objects sharing any index value with `obj` under the index `index_name`.
    pub fn index(&self, index_name: &str, obj: &T) -> Result<Vec<Arc<T>>, CacheError> {
        let inner = self.read();
        let Some(func) = inner.indexers.get(index_name) else {
            return Err(CacheError::IndexNotFound(index_name.to_string()));
        };
        let values = func(obj);
        let Some(index) = inner.indices.get(index_name) else {
            return Ok(Vec::new());
        };
        let keys: HashSet<&String> = values.iter().filter_map(|v| index.get(v)).flatten().collect();
        Ok(inner.objects(keys))
    }

    /// Sorted keys of the objects indexed under `indexed_value` in `index_name`.
    pub fn index_keys(
        &self,
        index_name: &str,
        indexed_value: &str,
    ) -> Result<Vec<String>, CacheError> {
        let inner = self.read();
        let mut keys: Vec<String> = inner
            .index_keys(index_name, indexed_value)?
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        keys.sort_unstable();
        Ok(keys)
    }

    /// Objects indexed under `indexed_value` in `index_name`, ordered by key.
    pub fn by_index(
        &self,
        index_name: &str,
        indexed_value: &str,
    ) -> Result<Vec<Arc<T>>, CacheError> {
        let inner = self.read();
        let keys = inner.index_keys(index_name, indexed_value)?;
        Ok(keys.map(|set| inner.objects(set)).unwrap_or_default())
    }

    /// The values currently present in the index `index_name`, sorted (empty for unknown names).
    pub fn list_index_func_values(&self, index_name: &str) -> Vec<String> {
        let inner = self.read();
        let mut values: Vec<String> = inner
            .indices
            .get(index_name)
            .map(|index| index.keys().cloned().collect())
            .unwrap_or_default();
        values.sort_unstable();
        values
    }

    /// The registered index functions.
    pub fn indexers(&self) -> Indexers<T> {
        self.read().indexers.clone()
    }

    /// Registers more index functions and indexes the stored objects with them.
    ///
    /// Fails, changing nothing, when a name is already registered.
    pub fn add_indexers(&self, new_indexers: Indexers<T>) -> Result<(), CacheError> {
        let mut inner = self.write();
        let mut conflicts: Vec<String> = new_indexers
            .funcs
            .keys()
            .filter(|name| inner.indexers.funcs.contains_key(*name))
            .cloned()
            .collect();
        if !conflicts.is_empty() {
            conflicts.sort_unstable();
            return Err(CacheError::IndexerConflict(conflicts));
        }
        let names: Vec<String> = new_indexers.funcs.keys().cloned().collect();
        inner.indexers.funcs.extend(new_indexers.funcs);
        let items: Vec<(String, Arc<T>)> =
            inner.items.iter().map(|(k, v)| (k.clone(), Arc::clone(v))).collect();
        for (key, obj) in items {
            for name in &names {
                inner.update_single_index(name, None, Some(&obj), &key);
            }
        }
        Ok(())
    }
}
