//! Versioned key-value storage behind the API server: the counterpart of k8s.io/apiserver's
//! `storage.Interface`, with etcd's MVCC model (one global revision, compaction, watch from a revision).
//!
//! Values are opaque bytes. The store never rewrites them: every read and every event carries the
//! revision next to the value, and the layer above turns it into `metadata.resourceVersion`.
//!
//! Values read back are shared, immutable [`Bytes`]: one allocation per stored revision, which the
//! backend's current state, the watch cache's objects, its window of events and every watcher
//! hold by reference count instead of copying.

pub mod cacher;
mod continuation;
pub mod embedded;
pub mod etcd3;

#[cfg(test)]
pub(crate) mod suite;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;

pub use bytes::Bytes;
use tokio::sync::mpsc;

pub use continuation::{decode_continue, encode_continue};
pub use embedded::{Embedded, EmbeddedOptions};

/// A boxed, sendable future returned by every [`Storage`] method (keeps the trait object-safe).
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// One live key with its value and the revisions at which it was created and last modified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The full storage key, e.g. `/registry/pods/default/nginx`.
    pub key: String,
    /// The stored bytes, exactly as written (shared, not copied, by every holder).
    pub value: Bytes,
    /// The revision of the write that created this incarnation of the key.
    pub create_revision: u64,
    /// The revision of the latest write to the key (its resourceVersion).
    pub mod_revision: u64,
}

/// Options of [`Storage::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// The revision to read at: `None` (or `Some(0)`) is the current revision, anything else is
    /// exact and fails with [`StorageError::ResourceExpired`] once compacted away.
    pub revision: Option<u64>,
    /// The most items to return; 0 means no limit.
    pub limit: u64,
    /// A token from a previous page's [`ListResult::continue_key`]; it fixes the start key and the
    /// revision, so `revision` is ignored when it is set.
    pub continue_key: Option<String>,
    /// When true the key is a prefix (a `/` is appended if missing) and every key below it is
    /// listed; when false at most the one exact key is returned.
    pub recursive: bool,
}

impl ListOptions {
    /// Options for listing everything below a prefix at the current revision.
    pub fn recursive() -> Self {
        ListOptions { recursive: true, ..ListOptions::default() }
    }
}

/// One page of a [`Storage::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListResult {
    /// The live keys, in key order.
    pub items: Vec<KeyValue>,
    /// The revision the list was served at (the list's resourceVersion).
    pub revision: u64,
    /// Set when more items follow: pass it back in [`ListOptions::continue_key`].
    pub continue_key: Option<String>,
    /// How many items follow this page, when there is a next page.
    pub remaining: Option<u64>,
}

/// A change to one key as seen by a watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The key that changed (shared with the watch cache's entry for it).
    pub key: std::sync::Arc<str>,
    /// The new value; for a deletion, the last value the key held.
    pub value: Bytes,
    /// The value before this change, when there was one.
    pub prev_value: Option<Bytes>,
    /// The revision of the write that created the key's current incarnation.
    pub create_revision: u64,
    /// The revision of this change.
    pub revision: u64,
    /// Shared by every clone of this event: lets the layer above encode it once for all the
    /// watchers it fans out to.
    pub memo: Memo,
}

impl Event {
    /// The event of `kv` appearing: what starts a watcher's view of a live key.
    pub fn added(kv: KeyValue) -> Event {
        Event {
            key: kv.key.into(),
            value: kv.value,
            prev_value: None,
            create_revision: kv.create_revision,
            revision: kv.mod_revision,
            memo: Memo::default(),
        }
    }
}

/// A write-once slot shared by all clones of an [`Event`], holding the bytes a layer above
/// derived from it under a key naming the encoding. It is not part of the event's identity:
/// events compare equal whatever their memos hold.
///
/// The default memo has no slot (and costs no allocation): it remembers nothing. Whoever fans
/// an event out to several watchers gives it one with [`Memo::shared`] first (the watch cache
/// does so for live events with watchers, and for events of its window a watcher replays).
#[derive(Clone, Default)]
pub struct Memo(Option<std::sync::Arc<std::sync::OnceLock<(String, bytes::Bytes)>>>);

impl Memo {
    /// A memo with an empty slot.
    pub fn shared() -> Memo {
        Memo(Some(std::sync::Arc::default()))
    }

    /// Whether the memo has a slot (clones share it).
    pub fn has_slot(&self) -> bool {
        self.0.is_some()
    }

    /// The bytes stored under `key`, computing and storing them first when the slot is empty.
    /// A slot already holding another key's bytes is left alone and `make` runs uncached, as
    /// it does without a slot.
    pub fn get_or_make(&self, key: &str, make: impl FnOnce() -> bytes::Bytes) -> bytes::Bytes {
        let Some(slot) = &self.0 else { return make() };
        if let Some((k, v)) = slot.get() {
            return if k == key { v.clone() } else { make() };
        }
        let v = make();
        // Two watchers may race to fill it; either's bytes are the same.
        let _ = slot.set((key.to_string(), v.clone()));
        v
    }

    /// The bytes stored under `key`, if that is what the slot holds.
    pub fn get(&self, key: &str) -> Option<bytes::Bytes> {
        self.0.as_ref()?.get().filter(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Memo {}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

/// What a watch delivers, in revision order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The key was created.
    Added(Event),
    /// The key was overwritten.
    Modified(Event),
    /// The key was deleted.
    Deleted(Event),
    /// Progress: every change up to this revision has been delivered.
    Bookmark {
        /// The revision reached.
        revision: u64,
    },
    /// The watch failed and ends after this event.
    Error(StorageError),
}

impl WatchEvent {
    /// The revision this event stands for (`None` for errors).
    pub fn revision(&self) -> Option<u64> {
        match self {
            WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) => {
                Some(e.revision)
            }
            WatchEvent::Bookmark { revision } => Some(*revision),
            WatchEvent::Error(_) => None,
        }
    }
}

/// The receiving end of a watch; dropping it stops the watch.
#[derive(Debug)]
pub struct Watch {
    rx: mpsc::Receiver<WatchEvent>,
}

impl Watch {
    /// Wraps a channel a backend feeds; the backend stops when it sees the channel closed.
    pub fn new(rx: mpsc::Receiver<WatchEvent>) -> Self {
        Watch { rx }
    }

    /// The next event, or `None` once the watch has ended.
    pub async fn recv(&mut self) -> Option<WatchEvent> {
        self.rx.recv().await
    }
}

/// Storage failures; the `Display` texts follow upstream's wording so they can reach clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The key does not exist (upstream code 1).
    #[error(
        "StorageError: key not found, Code: 1, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: <nil>"
    )]
    KeyNotFound {
        /// The missing key.
        key: String,
    },
    /// A create found the key already live (upstream code 2).
    #[error(
        "StorageError: key exists, Code: 2, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: <nil>"
    )]
    KeyExists {
        /// The existing key.
        key: String,
    },
    /// A conditional write named a revision that is no longer the key's latest (upstream code 3).
    #[error(
        "StorageError: resource version conflicts, Code: 3, Key: {key}, ResourceVersion: {revision}, AdditionalErrorMsg: <nil>"
    )]
    Conflict {
        /// The key written.
        key: String,
        /// The key's current modification revision.
        revision: u64,
    },
    /// The requested revision was compacted away (HTTP 410 Gone, reason Expired).
    #[error("{message}")]
    ResourceExpired {
        /// Upstream's message for the situation.
        message: String,
        /// For an expired continue token: a token that resumes at the latest revision instead.
        continue_token: Option<String>,
    },
    /// The requested revision is newer than any committed one.
    #[error("Too large resource version: {requested}, current: {current}")]
    TooLargeResourceVersion {
        /// The revision asked for.
        requested: u64,
        /// The current revision.
        current: u64,
    },
    /// The key is empty or not a clean path (upstream's `PrepareKey` checks).
    #[error("{0}")]
    InvalidKey(String),
    /// A continue token could not be decoded.
    #[error("{0}")]
    InvalidContinue(String),
    /// The backend failed (I/O, corrupt record).
    #[error("internal error: {0}")]
    Internal(String),
    /// The backend is closed or cannot be reached.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// The operations the API server needs from a storage backend.
///
/// Writes are durable when their future resolves, and a read started after a write resolved sees it.
pub trait Storage: Send + Sync {
    /// Creates `key`; fails with [`StorageError::KeyExists`] when it is live. Returns the new revision.
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> StorageFuture<'a, u64>;

    /// The current state of `key`, if it is live.
    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<KeyValue>>;

    /// Lists `key` (or everything below it when recursive); see [`ListOptions`].
    fn list<'a>(&'a self, key: &'a str, options: ListOptions) -> StorageFuture<'a, ListResult>;

    /// Overwrites a live key. With `expected_mod_revision` the write happens only if it is still the
    /// key's latest revision ([`StorageError::Conflict`] otherwise). Writing bytes identical to the
    /// stored ones changes nothing and returns the existing revision, as upstream's update does.
    fn update<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
        value: Vec<u8>,
    ) -> StorageFuture<'a, u64>;

    /// Deletes a live key (conditionally, like [`Storage::update`]). Returns its last value, with
    /// `mod_revision` set to the revision of the deletion (as upstream's Delete does).
    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
    ) -> StorageFuture<'a, KeyValue>;

    /// Watches `key` (or everything below it when recursive). `from_revision` 0 first delivers the
    /// current state as [`WatchEvent::Added`] events; any other value delivers every change after
    /// that revision, replaying history first, or fails with [`StorageError::ResourceExpired`] when
    /// that history was compacted.
    fn watch<'a>(
        &'a self,
        key: &'a str,
        from_revision: u64,
        recursive: bool,
    ) -> StorageFuture<'a, Watch>;

    /// The latest committed revision.
    fn current_revision(&self) -> StorageFuture<'_, u64>;

    /// The revision of the latest compaction (0 before the first); reads below it are expired.
    fn compacted_revision(&self) -> StorageFuture<'_, u64>;

    /// Discards history older than `revision`: afterwards reads and watches must start at or
    /// after it. Compacting at or below an earlier compaction does nothing.
    fn compact(&self, revision: u64) -> StorageFuture<'_, ()>;

    /// The number of live keys below `prefix` (a `/` is appended if missing).
    fn count<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, u64>;

    /// Asks every open watch to report its progress soon with a [`WatchEvent::Bookmark`] at
    /// the revision it has delivered up to (etcd's `RequestProgress`). Caches use it to confirm
    /// they are current without waiting for a write to their prefix. The default does nothing.
    /// An error means progress cannot be confirmed this way (callers read storage instead).
    fn request_progress(&self) -> StorageFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// Rejects keys upstream's `PrepareKey` rejects: empty, `/`, and any with `.` or `..` segments.
/// (The resource-prefix check belongs to the layer that knows the resource.)
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    if key.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(StorageError::InvalidKey(format!(
            "invalid key: {}",
            apimachinery::gofmt::quote(key)
        )));
    }
    if key.is_empty() || key == "/" {
        return Err(StorageError::InvalidKey(format!(
            "empty key: {}",
            apimachinery::gofmt::quote(key)
        )));
    }
    Ok(())
}

/// The prefix a recursive operation ranges over: the key with a trailing `/`.
pub(crate) fn recursive_prefix(key: &str) -> String {
    if key.ends_with('/') { key.to_string() } else { format!("{key}/") }
}

#[cfg(test)]
mod memo_tests {
    use super::Memo;

    /// The watch cache keeps a window of events, each behind an `Arc`: with its two counters
    /// an event must stay within the allocator's 128-byte class (a field more moves every
    /// windowed event to the 160-byte one).
    #[test]
    fn windowed_event_fits_128_bytes() {
        let arc = 2 * std::mem::size_of::<usize>();
        assert!(arc + std::mem::size_of::<super::WatchEvent>() <= 128);
    }

    #[test]
    fn memo_without_a_slot_remembers_nothing() {
        let memo = Memo::default();
        let clone = memo.clone();
        memo.get_or_make("json:v1", || bytes::Bytes::from_static(b"a"));
        let b = clone.get_or_make("json:v1", || bytes::Bytes::from_static(b"b"));
        assert_eq!((b.as_ref(), memo.get("json:v1")), (b"b".as_ref(), None));
    }

    #[test]
    fn memo_is_shared_by_clones_and_keyed() {
        let memo = Memo::shared();
        let clone = memo.clone();
        let mut calls = 0;
        let a = memo.get_or_make("json:v1", || {
            calls += 1;
            bytes::Bytes::from_static(b"a")
        });
        let b = clone.get_or_make("json:v1", || {
            calls += 1;
            bytes::Bytes::from_static(b"b")
        });
        assert_eq!((a.as_ref(), b.as_ref(), calls), (b"a".as_ref(), b"a".as_ref(), 1));
        assert_eq!(clone.get("json:v1").as_deref(), Some(b"a".as_ref()));
        // Another encoding is computed, not cached over the first.
        let c = clone.get_or_make("json:v2", || bytes::Bytes::from_static(b"c"));
        assert_eq!((c.as_ref(), clone.get("json:v2")), (b"c".as_ref(), None));
    }
}
