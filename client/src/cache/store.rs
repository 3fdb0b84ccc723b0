//! [`Indexer`]: a keyed object store with indices, and the store traits the cache's parts share.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::cache::{
    BoxError, CacheError, DeltaObject, Indexers, KeyFunc, ThreadSafeStore, TransformFunc,
};

/// Lists keys and fetches objects by key: what a [`crate::cache::DeltaFIFO`] needs to know
/// about the objects a consumer already holds.
pub trait KeyListerGetter<T>: Send + Sync {
    /// Every key currently known.
    fn list_keys(&self) -> Vec<String>;
    /// The object stored under `key`, if any.
    fn get_by_key(&self, key: &str) -> Result<Option<Arc<T>>, CacheError>;
}

/// The write side of a store, as driven by a reflector (list, then watch).
pub trait ReflectorStore<T>: Send + Sync {
    /// An object was created.
    fn add(&self, obj: Arc<T>) -> Result<(), CacheError>;
    /// An object changed.
    fn update(&self, obj: Arc<T>) -> Result<(), CacheError>;
    /// An object (or a tombstone for it) was deleted.
    fn delete(&self, obj: DeltaObject<T>) -> Result<(), CacheError>;
    /// A full list: the content becomes exactly `list`, as of `resource_version`.
    fn replace(&self, list: Vec<Arc<T>>, resource_version: &str) -> Result<(), CacheError>;
    /// Periodic resynchronisation; a no-op for plain stores.
    fn resync(&self) -> Result<(), CacheError>;
}

/// A store of shared objects keyed by a [`KeyFunc`], with named secondary indices
/// (upstream's `NewIndexer`; with no indexers it is upstream's `NewStore`).
pub struct Indexer<T> {
    storage: ThreadSafeStore<T>,
    key_func: KeyFunc<T>,
    transformer: Option<TransformFunc<T>>,
}

impl<T> fmt::Debug for Indexer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Indexer").field("storage", &self.storage).finish_non_exhaustive()
    }
}

fn key_error(err: CacheError) -> CacheError {
    CacheError::Key(Box::new(err))
}

impl<T> Indexer<T> {
    /// An empty store keyed by `key_func` and indexed by `indexers`.
    pub fn new(
        key_func: impl Fn(&T) -> Result<String, CacheError> + Send + Sync + 'static,
        indexers: Indexers<T>,
    ) -> Self {
        Self {
            storage: ThreadSafeStore::new(indexers),
            key_func: Arc::new(key_func),
            transformer: None,
        }
    }

    /// Rewrites every object added, updated or replaced before storing it (typically to
    /// strip fields and save memory).
    pub fn with_transformer(
        mut self,
        transformer: impl Fn(Arc<T>) -> Result<Arc<T>, BoxError> + Send + Sync + 'static,
    ) -> Self {
        self.transformer = Some(Arc::new(transformer));
        self
    }

    fn transform(&self, obj: Arc<T>) -> Result<Arc<T>, CacheError> {
        match &self.transformer {
            Some(transform) => transform(obj)
                .map_err(|e| CacheError::Transforming(Box::new(CacheError::TransformFailed(e)))),
            None => Ok(obj),
        }
    }

    /// The key `obj` is (or would be) stored under.
    pub fn key_of(&self, obj: &T) -> Result<String, CacheError> {
        (self.key_func)(obj).map_err(key_error)
    }

    /// Inserts or replaces `obj`.
    pub fn add(&self, obj: Arc<T>) -> Result<(), CacheError> {
        let key = self.key_of(&obj)?;
        self.storage.add(key, self.transform(obj)?);
        Ok(())
    }

    /// Inserts or replaces `obj`.
    pub fn update(&self, obj: Arc<T>) -> Result<(), CacheError> {
        let key = self.key_of(&obj)?;
        self.storage.update(key, self.transform(obj)?);
        Ok(())
    }

    /// Removes the object with `obj`'s key (a tombstone's stored key); absent keys are ignored.
    pub fn delete(&self, obj: impl Into<DeltaObject<T>>) -> Result<(), CacheError> {
        let key = obj.into().key_with(&*self.key_func).map_err(key_error)?;
        self.storage.delete(&key);
        Ok(())
    }

    /// The stored object with `obj`'s key.
    pub fn get(&self, obj: &T) -> Result<Option<Arc<T>>, CacheError> {
        Ok(self.storage.get(&self.key_of(obj)?))
    }

    /// The object stored under `key`.
    pub fn get_by_key(&self, key: &str) -> Option<Arc<T>> {
        self.storage.get(key)
    }

    /// All objects, in no particular order.
    pub fn list(&self) -> Vec<Arc<T>> {
        self.storage.list()
    }

    /// All keys, in no particular order.
    pub fn list_keys(&self) -> Vec<String> {
        self.storage.list_keys()
    }

    /// Number of stored objects.
    pub fn len(&self) -> usize {
        self.storage.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.storage.is_empty()
    }

    /// Makes `list` the whole content; fails without changing anything if a key cannot be made.
    pub fn replace(&self, list: Vec<Arc<T>>, _resource_version: &str) -> Result<(), CacheError> {
        let mut items = HashMap::with_capacity(list.len());
        for obj in list {
            let key = self.key_of(&obj)?;
            items.insert(key, self.transform(obj)?);
        }
        self.storage.replace(items);
        Ok(())
    }

    /// Objects sharing an index value with `obj` under `index_name`.
    pub fn index(&self, index_name: &str, obj: &T) -> Result<Vec<Arc<T>>, CacheError> {
        self.storage.index(index_name, obj)
    }

    /// Sorted keys of the objects indexed under `indexed_value`.
    pub fn index_keys(
        &self,
        index_name: &str,
        indexed_value: &str,
    ) -> Result<Vec<String>, CacheError> {
        self.storage.index_keys(index_name, indexed_value)
    }

    /// Objects indexed under `indexed_value`, ordered by key.
    pub fn by_index(
        &self,
        index_name: &str,
        indexed_value: &str,
    ) -> Result<Vec<Arc<T>>, CacheError> {
        self.storage.by_index(index_name, indexed_value)
    }

    /// The values present in the index `index_name`, sorted.
    pub fn list_index_func_values(&self, index_name: &str) -> Vec<String> {
        self.storage.list_index_func_values(index_name)
    }

    /// The registered index functions.
    pub fn indexers(&self) -> Indexers<T> {
        self.storage.indexers()
    }

    /// Registers more index functions, indexing the objects already stored.
    pub fn add_indexers(&self, indexers: Indexers<T>) -> Result<(), CacheError> {
        self.storage.add_indexers(indexers)
    }
}

impl<T: Send + Sync> KeyListerGetter<T> for Indexer<T> {
    fn list_keys(&self) -> Vec<String> {
        Indexer::list_keys(self)
    }

    fn get_by_key(&self, key: &str) -> Result<Option<Arc<T>>, CacheError> {
        Ok(Indexer::get_by_key(self, key))
    }
}

impl<T: Send + Sync> ReflectorStore<T> for Indexer<T> {
    fn add(&self, obj: Arc<T>) -> Result<(), CacheError> {
        Indexer::add(self, obj)
    }

    fn update(&self, obj: Arc<T>) -> Result<(), CacheError> {
        Indexer::update(self, obj)
    }

    fn delete(&self, obj: DeltaObject<T>) -> Result<(), CacheError> {
        Indexer::delete(self, obj)
    }

    fn replace(&self, list: Vec<Arc<T>>, resource_version: &str) -> Result<(), CacheError> {
        Indexer::replace(self, list, resource_version)
    }

    fn resync(&self) -> Result<(), CacheError> {
        Ok(())
    }
}
