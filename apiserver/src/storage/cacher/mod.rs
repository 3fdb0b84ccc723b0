//! The watch cache: one [`Cacher`] per resource prefix sits in front of any [`Storage`], keeps the
//! prefix's objects and a window of recent events in memory, and serves lists and watches from
//! them (the counterpart of k8s.io/apiserver's pkg/storage/cacher).
//!
//! A reflector task lists the prefix, then watches it from the list's revision. When that watch
//! breaks it resumes from the cache's revision; when it cannot (the revision was compacted, or
//! storage failed) it lists again, which ends every watcher served so far, as upstream does.
//!
//! What is served where:
//! - LIST with `revision: Some(0)` ("any"): the cached state, paged by `limit` with a continue
//!   token that storage serves.
//! - LIST with `revision: None` (consistent): storage's current revision is fetched and the cache
//!   waits (up to [`CacherOptions::freshness_timeout`]) to reach it, then serves; on timeout the
//!   list goes to storage. An idle prefix only catches up through the backend's progress
//!   bookmarks (e.g. `EmbeddedOptions::progress_interval`), so enable them.
//! - LIST with an exact revision other than the cache's, with `limit` on a non-"any" read, or with
//!   a continue token: delegated to storage, which keeps the whole history. (Rebuilding an older
//!   state from the window is not possible: events do not carry the previous modification
//!   revision of what they replaced.)
//! - WATCH: from the window (a start older than the window or than storage's compaction is
//!   expired); `get`, `count`, writes and compaction pass through to storage.
//!
//! Indexes (upstream's `IndexerFuncs` and `Indexers`): a resource may declare named [`Indexer`]s
//! over its stored bytes (pods: `spec.nodeName`). Each object's values are computed once as it
//! enters the cache, each event's new values once per event (the previous ones are the cached
//! object's). A caller whose selector pins an indexed field to one value passes it as a
//! [`MatchValue`]:
//! - LIST ([`Cacher::list_with`]) served from the cached state ("any" and consistent reads, as
//!   upstream uses indexes only for its latest-state lists) takes the candidates from the index
//!   instead of scanning, all of them in key order and unpaged: the caller applies its predicate
//!   and its `limit` to them. Exact revisions and continue tokens are served as above, without
//!   the index.
//! - WATCH ([`WatchOptions::matches`]): the watcher is registered under the value and offered
//!   only events whose object has that value after or before the change (so it still sees an
//!   object arrive and leave), plus bookmarks; its initial state comes from the index and its
//!   replay from the window is narrowed the same way. Watchers without such a value get every
//!   event.
//!
//! An object whose value cannot be computed is a candidate for every value. Indexes only narrow
//! what the caller's predicate is applied to; they never decide a match.

mod index;
mod state;
#[cfg(test)]
mod tests;
mod watcher;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{
    KeyValue, ListOptions, ListResult, Storage, StorageError, StorageFuture, Watch, WatchEvent,
    encode_continue, recursive_prefix, validate_key,
};
use index::Values;
pub use index::{IndexFunc, Indexer, MatchValue};
use state::{KeyFilter, Start, State, Window};
pub use watcher::{CacheEvent, CacheWatch, WatchOptions};

/// Tuning knobs of a [`Cacher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacherOptions {
    /// How many recent events the window keeps at least, for watches that start in the past
    /// (upstream's lower bound, 100).
    pub history_capacity: usize,
    /// The most events the window grows to (upstream's upper bound, 100 * 1024); below
    /// `history_capacity` it is `history_capacity`.
    pub history_max_capacity: usize,
    /// How long the window tries to keep events (upstream's 75 s `eventFreshDuration`): a full
    /// window whose oldest event is younger doubles (up to the upper bound), one whose newest
    /// quarter is older halves (down to the lower bound), so a watcher that falls behind
    /// under a burst of writes can still resume from where it was.
    pub event_fresh_duration: Duration,
    /// Events buffered per watcher before it counts as too slow and is ended.
    pub watcher_buffer: usize,
    /// How often watchers that asked for bookmarks get one.
    pub bookmark_interval: Duration,
    /// How long a request waits for the first list before failing.
    pub ready_timeout: Duration,
    /// How long a read waits for the cache to reach a revision (upstream's 3s `blockTimeout`).
    pub freshness_timeout: Duration,
    /// The pause before listing again after a failed list.
    pub relist_backoff: Duration,
}

impl Default for CacherOptions {
    fn default() -> Self {
        CacherOptions {
            history_capacity: 100,
            history_max_capacity: 100 * 1024,
            event_fresh_duration: Duration::from_secs(75),
            watcher_buffer: 1000,
            bookmark_interval: Duration::from_secs(1),
            ready_timeout: Duration::from_secs(3),
            freshness_timeout: Duration::from_secs(3),
            relist_backoff: Duration::from_millis(100),
        }
    }
}

/// What waiting requests look at: updated after every change to the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Progress {
    ready: bool,
    revision: u64,
}

struct Shared {
    prefix: String,
    options: CacherOptions,
    indexers: Arc<[Indexer]>,
    state: Mutex<State>,
    progress: watch::Sender<Progress>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is only touched by short, panic-free steps; a poisoned lock still holds a
        // consistent value.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (result, progress) = {
            let mut state = self.lock();
            let result = f(&mut state);
            (result, Progress { ready: state.ready, revision: state.revision })
        };
        self.progress.send_if_modified(|p| {
            let changed = *p != progress;
            *p = progress;
            changed
        });
        result
    }

    /// The index values of an event's new object, computed before the state is locked.
    fn values_of(&self, ev: &WatchEvent) -> Values {
        match ev {
            WatchEvent::Added(e) | WatchEvent::Modified(e) if !self.indexers.is_empty() => {
                index::compute(&self.indexers, &e.value)
            }
            _ => Values::default(),
        }
    }

    /// The index and value one of `matches` selects, if an index answers it.
    fn pick(&self, matches: &[MatchValue]) -> Option<(usize, Arc<str>)> {
        index::pick(&self.indexers, matches)
    }

    fn not_ready_error(&self) -> StorageError {
        let message = match &self.lock().last_error {
            Some(e) => format!("storage is (re)initializing: {e}"),
            None => "storage is (re)initializing".to_string(),
        };
        StorageError::Unavailable(message)
    }

    /// Waits until the first list is loaded.
    async fn wait_ready(&self) -> Result<(), StorageError> {
        let mut rx = self.progress.subscribe();
        match tokio::time::timeout(self.options.ready_timeout, rx.wait_for(|p| p.ready)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(self.not_ready_error()),
        }
    }

    /// Waits until the cache is ready and has reached `revision`.
    async fn wait_fresh(&self, storage: &dyn Storage, revision: u64) -> Freshness {
        let deadline = tokio::time::Instant::now() + self.options.freshness_timeout;
        let mut rx = self.progress.subscribe();
        loop {
            if rx.borrow_and_update().ready && rx.borrow().revision >= revision {
                return Freshness::Fresh;
            }
            // An idle prefix sees no events: ask storage to confirm progress, as upstream's
            // consistent reads from cache do, and ask again if the answer is slow.
            // A backend that cannot confirm progress (etcd before 3.4.31) is read directly.
            if storage.request_progress().await.is_err() {
                return Freshness::Unconfirmable;
            }
            let step = (tokio::time::Instant::now() + Duration::from_millis(50)).min(deadline);
            let fresh = rx.wait_for(|p| p.ready && p.revision >= revision);
            match tokio::time::timeout_at(step, fresh).await {
                Ok(Ok(_)) => return Freshness::Fresh,
                Ok(Err(_)) => return Freshness::TimedOut,
                Err(_) if tokio::time::Instant::now() >= deadline => return Freshness::TimedOut,
                Err(_) => {}
            }
        }
    }
}

/// Whether the cache reached a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freshness {
    Fresh,
    /// Not within [`CacherOptions::freshness_timeout`].
    TimedOut,
    /// The backend cannot confirm progress on demand (etcd before 3.4.31 / 3.5.13), so a
    /// quiet prefix may never catch up: read storage instead.
    Unconfirmable,
}

/// The watch cache for one resource prefix; see the module docs. Implements [`Storage`] so it
/// can stand wherever a backend does. Dropping it stops its reflector.
pub struct Cacher {
    storage: Arc<dyn Storage>,
    shared: Arc<Shared>,
    reflector: JoinHandle<()>,
}

impl std::fmt::Debug for Cacher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cacher").field("prefix", &self.shared.prefix).finish_non_exhaustive()
    }
}

impl Drop for Cacher {
    fn drop(&mut self) {
        self.reflector.abort();
    }
}

impl Cacher {
    /// Starts caching everything below `prefix` (e.g. `/registry/pods`) with default options.
    /// Must be called inside a tokio runtime: the reflector is spawned onto it.
    pub fn new(storage: Arc<dyn Storage>, prefix: &str) -> Result<Self, StorageError> {
        Self::with_options(storage, prefix, CacherOptions::default())
    }

    /// Like [`Cacher::new`] with explicit options.
    pub fn with_options(
        storage: Arc<dyn Storage>,
        prefix: &str,
        options: CacherOptions,
    ) -> Result<Self, StorageError> {
        Self::with_indexers(storage, prefix, options, Vec::new())
    }

    /// Like [`Cacher::with_options`], keeping the given indexes of the cached objects (see the
    /// module docs). Index names must be distinct.
    pub fn with_indexers(
        storage: Arc<dyn Storage>,
        prefix: &str,
        options: CacherOptions,
        indexers: Vec<Indexer>,
    ) -> Result<Self, StorageError> {
        validate_key(prefix)?;
        for (i, indexer) in indexers.iter().enumerate() {
            if indexers[..i].iter().any(|x| x.name() == indexer.name()) {
                return Err(StorageError::Internal(format!(
                    "watch cache of {prefix}: index {} declared twice",
                    indexer.name()
                )));
            }
        }
        let indexers: Arc<[Indexer]> = indexers.into();
        let shared = Arc::new(Shared {
            prefix: recursive_prefix(prefix),
            state: Mutex::new(State::new(
                Window {
                    min: options.history_capacity,
                    max: options.history_max_capacity,
                    fresh: options.event_fresh_duration,
                },
                Arc::clone(&indexers),
            )),
            indexers,
            options,
            progress: watch::channel(Progress::default()).0,
        });
        let reflector = tokio::spawn(reflect(Arc::clone(&shared), Arc::clone(&storage)));
        Ok(Cacher { storage, shared, reflector })
    }

    /// The names of the indexes the cache keeps, in declaration order.
    pub fn index_names(&self) -> impl Iterator<Item = &str> {
        self.shared.indexers.iter().map(Indexer::name)
    }

    /// The prefix this cache covers, with its trailing `/`.
    pub fn prefix(&self) -> &str {
        &self.shared.prefix
    }

    /// Whether the cache holds a complete list and is following storage.
    pub fn is_ready(&self) -> bool {
        self.shared.lock().ready
    }

    /// Waits (up to [`CacherOptions::ready_timeout`]) until the first list is loaded.
    pub async fn wait_ready(&self) -> Result<(), StorageError> {
        self.shared.wait_ready().await
    }

    /// The revision the cache has reached.
    pub fn revision(&self) -> u64 {
        self.shared.lock().revision
    }

    /// How many watchers the cache is feeding.
    pub fn watcher_count(&self) -> usize {
        self.shared.lock().watcher_count()
    }

    /// The cached object at `key`, with the cache revision, without asking storage (upstream's
    /// get with resourceVersion "0").
    pub async fn get_cached(&self, key: &str) -> Result<(Option<KeyValue>, u64), StorageError> {
        validate_key(key)?;
        self.shared.wait_ready().await?;
        let state = self.shared.lock();
        let filter = KeyFilter::Exact(key.to_string());
        Ok((state.matching(&filter).next(), state.revision))
    }

    /// Whether a request for `key` falls inside this cache's prefix.
    fn covers(&self, key: &str, recursive: bool) -> bool {
        let prefix = &self.shared.prefix;
        if recursive {
            recursive_prefix(key).starts_with(prefix.as_str())
        } else {
            key.starts_with(prefix.as_str())
        }
    }

    /// Lists like [`Storage::list`], taking the candidates from an index when one answers one of
    /// `matches` and the list is served from the cached state (see the module docs). Then the
    /// result holds every candidate in key order, unpaged: the caller filters them with its
    /// whole predicate and applies `limit` itself.
    pub async fn list_with(
        &self,
        key: &str,
        options: ListOptions,
        matches: &[MatchValue],
    ) -> Result<ListResult, StorageError> {
        self.list_impl(key, options, matches).await
    }

    /// Lists from the cache where it can, as described in the module docs.
    async fn list_impl(
        &self,
        key: &str,
        options: ListOptions,
        matches: &[MatchValue],
    ) -> Result<ListResult, StorageError> {
        validate_key(key)?;
        if !self.covers(key, options.recursive) || options.continue_key.is_some() {
            return self.storage.list(key, options).await;
        }
        match options.revision {
            Some(0) => {
                if options.limit > 0 && !self.is_ready() {
                    // A paged list can be served by storage while the cache starts (KEP 4568).
                    return self.storage.list(key, options).await;
                }
                self.shared.wait_ready().await?;
                self.serve(key, &options, matches)
            }
            None if options.limit == 0 => {
                self.shared.wait_ready().await?;
                let current = self.storage.current_revision().await?;
                if self.shared.wait_fresh(self.storage.as_ref(), current).await == Freshness::Fresh
                {
                    self.serve(key, &options, matches)
                } else {
                    self.storage.list(key, options).await
                }
            }
            Some(exact) if options.limit == 0 => {
                {
                    let state = self.shared.lock();
                    if state.ready && state.revision == exact {
                        drop(state);
                        // Upstream answers exact revisions from a snapshot, without indexes.
                        return self.serve(key, &options, &[]);
                    }
                }
                self.storage.list(key, options).await
            }
            _ => self.storage.list(key, options).await,
        }
    }

    /// Builds a list from the cached state at the cache revision; through an index when one
    /// answers `matches` (then unpaged, see [`Cacher::list_with`]).
    fn serve(
        &self,
        key: &str,
        options: &ListOptions,
        matches: &[MatchValue],
    ) -> Result<ListResult, StorageError> {
        let filter = KeyFilter::new(key, options.recursive);
        let picked = self.shared.pick(matches);
        let state = self.shared.lock();
        let revision = state.revision;
        if let Some((index, value)) = picked {
            let items = state.candidates(&filter, index, &value);
            return Ok(ListResult { items, revision, continue_key: None, remaining: None });
        }
        let limit = usize::try_from(options.limit).unwrap_or(usize::MAX);
        if !options.recursive || limit == 0 {
            let items = state.matching(&filter).collect();
            return Ok(ListResult { items, revision, continue_key: None, remaining: None });
        }
        let mut matching = state.matching(&filter);
        let items: Vec<KeyValue> = matching.by_ref().take(limit).collect();
        let rest = matching.count() as u64;
        drop(state);
        let (continue_key, remaining) = match (rest, items.last()) {
            (0, _) | (_, None) => (None, None),
            (rest, Some(last)) => {
                // The token resumes just after the last key, at the revision this page shows;
                // storage serves the following pages.
                let next = format!("{}\u{0}", last.key);
                let rv = i64::try_from(revision).map_err(|_| {
                    StorageError::Internal(format!("revision {revision} too large"))
                })?;
                (Some(encode_continue(&next, filter.start(), rv)?), Some(rest))
            }
        };
        Ok(ListResult { items, revision, continue_key, remaining })
    }

    /// Opens a watch served from the cache. `key` must lie inside the cache's prefix.
    pub async fn watch_with(
        &self,
        key: &str,
        options: WatchOptions,
    ) -> Result<CacheWatch, StorageError> {
        validate_key(key)?;
        if !self.covers(key, options.recursive) {
            return Err(StorageError::InvalidKey(format!(
                "key {key} is outside the cached prefix {}",
                self.shared.prefix
            )));
        }
        self.shared.wait_ready().await?;
        // Initial events are a consistent read: they wait for the cache to reach storage's
        // current revision (unset start) or the requested one.
        let wait_for = match options.from_revision {
            None if options.send_initial_events => Some(self.storage.current_revision().await?),
            Some(n) if options.send_initial_events && n > 0 => Some(n),
            _ => None,
        };
        if let Some(target) = wait_for {
            let freshness = self.shared.wait_fresh(self.storage.as_ref(), target).await;
            if freshness == Freshness::Unconfirmable && options.from_revision.is_none() {
                return self.watch_from_storage_list(key, &options).await;
            }
            if freshness != Freshness::Fresh {
                return Err(StorageError::TooLargeResourceVersion {
                    requested: target,
                    current: self.revision(),
                });
            }
        }
        let start = match options.from_revision {
            _ if options.send_initial_events => Start::State,
            Some(0) => Start::State,
            Some(n) => Start::After(n),
            None => Start::Now,
        };
        if let Start::After(from) = start
            && from > 0
        {
            // Compaction is checked on every such watch so the cache refuses exactly what
            // storage refuses.
            let compacted = self.storage.compacted_revision().await?;
            self.shared.with_state(|s| s.compacted = s.compacted.max(compacted));
        }
        let filter = KeyFilter::new(key, options.recursive);
        let trigger = self.shared.pick(&options.matches);
        let buffer = self.shared.options.watcher_buffer;
        let reg = self
            .shared
            .with_state(|s| s.register(filter, trigger, start, options.bookmarks, buffer))?;
        let end_marker = options.send_initial_events.then_some(reg.revision);
        Ok(CacheWatch::new(reg.initial, end_marker, reg.rx, reg.overflowed, key.to_string()))
    }
}

impl Cacher {
    /// A consistent start the cache cannot confirm it is current for (a backend without
    /// progress requests and a quiet prefix): the initial state is a list from storage, and
    /// the watch goes on through the cache from the list's revision.
    async fn watch_from_storage_list(
        &self,
        key: &str,
        options: &WatchOptions,
    ) -> Result<CacheWatch, StorageError> {
        let list_options = ListOptions { recursive: options.recursive, ..ListOptions::default() };
        let list = self.storage.list(key, list_options).await?;
        let mut initial: VecDeque<Arc<WatchEvent>> =
            list.items.into_iter().map(state::added_event).collect();
        let filter = KeyFilter::new(key, options.recursive);
        let trigger = self.shared.pick(&options.matches);
        let buffer = self.shared.options.watcher_buffer;
        let reg = self.shared.with_state(|s| {
            s.register(filter, trigger, Start::After(list.revision), options.bookmarks, buffer)
        })?;
        initial.extend(reg.initial);
        let end_marker = options.send_initial_events.then_some(list.revision);
        Ok(CacheWatch::new(initial, end_marker, reg.rx, reg.overflowed, key.to_string()))
    }
}

/// Lists the prefix and opens the watch that follows it.
async fn relist(shared: &Shared, storage: &dyn Storage) -> Result<Watch, StorageError> {
    let list = storage.list(&shared.prefix, ListOptions::recursive()).await?;
    let watch = storage.watch(&shared.prefix, list.revision, true).await?;
    let values = if shared.indexers.is_empty() {
        Vec::new()
    } else {
        list.items.iter().map(|kv| index::compute(&shared.indexers, &kv.value)).collect()
    };
    shared.with_state(|s| s.replace(list, values));
    Ok(watch)
}

/// The reflector: keeps the cache in step with storage until the cacher is dropped.
async fn reflect(shared: Arc<Shared>, storage: Arc<dyn Storage>) {
    let period = shared.options.bookmark_interval.max(Duration::from_millis(1));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut resumed: Option<Watch> = None;
    let mut failures: u32 = 0;
    loop {
        let mut stream = match resumed.take() {
            Some(w) => w,
            None => match relist(&shared, storage.as_ref()).await {
                Ok(w) => {
                    failures = 0;
                    w
                }
                Err(e) => {
                    tracing::warn!(prefix = %shared.prefix, error = %e, "watch cache list failed");
                    shared.with_state(|s| {
                        s.ready = false;
                        s.last_error = Some(e);
                    });
                    let backoff =
                        shared.options.relist_backoff.saturating_mul(1 << failures.min(6));
                    failures = failures.saturating_add(1);
                    tokio::time::sleep(backoff.min(Duration::from_secs(30))).await;
                    continue;
                }
            },
        };
        let ended_with = loop {
            tokio::select! {
                ev = stream.recv() => match ev {
                    Some(WatchEvent::Error(e)) => break Some(e),
                    Some(ev) => {
                        let values = shared.values_of(&ev);
                        shared.with_state(|s| s.apply(ev, values));
                    }
                    None => break None,
                },
                _ = ticker.tick() => shared.with_state(State::send_bookmarks),
            }
        };
        drop(stream);
        // Resuming keeps the window and the watchers; it fails once the revision is compacted.
        let revision = shared.lock().revision;
        if revision > 0 {
            match storage.watch(&shared.prefix, revision, true).await {
                Ok(w) => {
                    resumed = Some(w);
                    continue;
                }
                Err(e) => {
                    tracing::info!(prefix = %shared.prefix, error = %e, "watch cache relisting");
                }
            }
        }
        shared.with_state(|s| {
            s.ready = false;
            s.last_error = ended_with;
        });
    }
}

impl Storage for Cacher {
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> StorageFuture<'a, u64> {
        self.storage.create(key, value)
    }

    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<KeyValue>> {
        // A plain get is a consistent read; storage answers it more cheaply than a wait.
        self.storage.get(key)
    }

    fn list<'a>(&'a self, key: &'a str, options: ListOptions) -> StorageFuture<'a, ListResult> {
        Box::pin(self.list_impl(key, options, &[]))
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
        value: Vec<u8>,
    ) -> StorageFuture<'a, u64> {
        self.storage.update(key, expected_mod_revision, value)
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
    ) -> StorageFuture<'a, KeyValue> {
        self.storage.delete(key, expected_mod_revision)
    }

    fn watch<'a>(
        &'a self,
        key: &'a str,
        from_revision: u64,
        recursive: bool,
    ) -> StorageFuture<'a, Watch> {
        Box::pin(async move {
            validate_key(key)?;
            if !self.covers(key, recursive) {
                return self.storage.watch(key, from_revision, recursive).await;
            }
            let options = WatchOptions {
                from_revision: Some(from_revision),
                recursive,
                ..WatchOptions::default()
            };
            let mut cached = self.watch_with(key, options).await?;
            let (tx, rx) = mpsc::channel(self.shared.options.watcher_buffer.max(1));
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tx.closed() => return,
                        ev = cached.recv() => match ev {
                            Some(ev) => {
                                if tx.send(ev.into_watch_event()).await.is_err() {
                                    return;
                                }
                            }
                            None => return,
                        },
                    }
                }
            });
            Ok(Watch::new(rx))
        })
    }

    fn current_revision(&self) -> StorageFuture<'_, u64> {
        self.storage.current_revision()
    }

    fn compacted_revision(&self) -> StorageFuture<'_, u64> {
        self.storage.compacted_revision()
    }

    fn compact(&self, revision: u64) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.storage.compact(revision).await?;
            self.shared.with_state(|s| s.compacted = s.compacted.max(revision));
            Ok(())
        })
    }

    fn count<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, u64> {
        self.storage.count(prefix)
    }

    fn request_progress(&self) -> StorageFuture<'_, ()> {
        self.storage.request_progress()
    }
}
