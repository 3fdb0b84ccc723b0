//! client-go's `tools/cache`: object keys, the indexed thread-safe store ([`Indexer`]), the
//! [`DeltaFIFO`] queue, the [`Reflector`] that lists and watches into it, the
//! [`SharedIndexInformer`] that keeps a cache and notifies handlers, listers over the cache,
//! and the [`SharedInformerFactory`] that shares informers within a process.
//!
//! Objects are generic and shared: stores hold `Arc<T>` and hand out clones of the `Arc`,
//! never of the object. Stored objects must be treated as immutable. [`Compact`] objects keep
//! each object as its JSON, for caches that hold many and decode few.

pub mod backoff;
mod compact;
mod delta_fifo;
mod factory;
pub mod fake;
mod keys;
mod listers;
mod listwatch;
mod reflector;
mod shared_informer;
mod store;
mod thread_safe_store;

#[cfg(test)]
mod delta_fifo_interleavings;
#[cfg(test)]
mod delta_fifo_tests;
#[cfg(test)]
mod tests;

pub use backoff::{Backoff, BackoffManager};
pub use compact::Compact;
pub use delta_fifo::{
    BoxError, Delta, DeltaFIFO, DeltaFifoOptions, DeltaType, Deltas, ProcessError, TransformFunc,
};
pub use factory::{SharedInformerFactory, SharedInformerFactoryOptions};
pub use keys::{
    DeletedFinalStateUnknown, DeltaObject, KeyFunc, MetaAccess, MetaRef, NAMESPACE_INDEX, ViaJson,
    ViaMetadata, deletion_handling_meta_namespace_key_func, meta_namespace_index_func,
    meta_namespace_key_func, object_key, split_meta_namespace_key,
};
pub use listers::{
    LabelAccess, Lister, NamespaceLister, list_all, list_all_by_namespace, matches_selector,
};
pub use listwatch::{
    BoxFuture, ListOptions, ListWatchError, ListerWatcher, ObjectList, WatchEvent, WatchStream,
};
pub use reflector::{
    DEFAULT_MIN_WATCH_TIMEOUT, DEFAULT_PAGE_SIZE, MetaFn, Reflector, ReflectorError,
    ReflectorOptions, ShouldResync, TweakListOptions, WatchErrorHandler, is_expired_error,
    is_too_large_resource_version_error, is_too_many_requests_error,
};
pub use shared_informer::{
    FilteringResourceEventHandler, HandlerRegistration, InformerError, MINIMUM_RESYNC_PERIOD,
    ResourceEventHandler, ResourceEventHandlerFuncs, SYNCED_POLL_PERIOD, SharedIndexInformer,
    SharedIndexInformerOptions, wait_for_cache_sync, wait_for_named_cache_sync,
};
pub use store::{Indexer, KeyListerGetter, ReflectorStore};
pub use thread_safe_store::{IndexFunc, Indexers, ThreadSafeStore};

/// Errors of the cache types; messages match client-go's.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The object has no readable metadata.
    #[error("object has no meta: {0}")]
    NoMeta(String),
    /// A key is not `name` or `namespace/name`.
    #[error("unexpected key format: {}", apimachinery::gofmt::quote(.0))]
    UnexpectedKeyFormat(String),
    /// No key could be computed for an object.
    #[error("couldn't create key for object: {0}")]
    Key(Box<CacheError>),
    /// A [`Deltas`] list was empty, so it names no object.
    #[error("0 length Deltas object; can't get key")]
    ZeroLengthDeltas,
    /// The named index is not registered.
    #[error("Index with name {0} does not exist")]
    IndexNotFound(String),
    /// [`Indexer::add_indexers`] was given names that are already registered (sorted).
    #[error("indexer conflict: map[{}]", .0.iter().map(|n| format!("{n}:{{}}")).collect::<Vec<_>>().join(" "))]
    IndexerConflict(Vec<String>),
    /// The queue is closed.
    #[error("DeltaFIFO: manipulating with closed queue")]
    FifoClosed,
    /// Queueing one object of a [`DeltaFIFO::replace`] failed.
    #[error("couldn't enqueue object: {0}")]
    Enqueue(Box<CacheError>),
    /// Queueing one object of a [`DeltaFIFO::resync`] failed.
    #[error("couldn't queue object: {0}")]
    QueueObject(Box<CacheError>),
    /// A [`DeltaFIFO::pop`] callback failed.
    #[error(transparent)]
    Process(BoxError),
    /// A transformer rejected an object.
    #[error(transparent)]
    TransformFailed(BoxError),
    /// An [`Indexer`]'s transformer rejected an object.
    #[error("transforming: {0}")]
    Transforming(Box<CacheError>),
    /// A caller-supplied key or lookup function failed.
    #[error("{0}")]
    Custom(String),
}
