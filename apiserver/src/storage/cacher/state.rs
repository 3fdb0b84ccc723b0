//! The cache's in-memory state: the live objects with their indexes, the window of recent events
//! and the watchers fed from it. Everything here runs under one lock held for short,
//! non-blocking steps only.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::Instant;

use super::super::{
    Bytes, Event, KeyValue, ListResult, Memo, StorageError, WatchEvent, recursive_prefix,
};
use super::index::{self, Index, Indexer, Trigger, Values};

/// Which keys a watcher or list covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyFilter {
    Exact(String),
    Prefix(String),
}

impl KeyFilter {
    pub(super) fn new(key: &str, recursive: bool) -> Self {
        if recursive {
            KeyFilter::Prefix(recursive_prefix(key))
        } else {
            KeyFilter::Exact(key.to_string())
        }
    }

    pub(super) fn matches(&self, key: &str) -> bool {
        match self {
            KeyFilter::Exact(k) => k == key,
            KeyFilter::Prefix(p) => key.starts_with(p.as_str()),
        }
    }

    pub(super) fn start(&self) -> &str {
        match self {
            KeyFilter::Exact(k) | KeyFilter::Prefix(k) => k,
        }
    }
}

/// The key an object event is about.
pub(super) fn event_key(ev: &WatchEvent) -> Option<&str> {
    match ev {
        WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) => Some(&e.key),
        WatchEvent::Bookmark { .. } | WatchEvent::Error(_) => None,
    }
}

/// The `Added` event that starts a watcher's view of a live object.
pub(super) fn added_event(kv: KeyValue) -> Arc<WatchEvent> {
    Arc::new(WatchEvent::Added(Event::added(kv)))
}

/// Gives a logged event a memo slot if it has none (replacing the window's copy when others
/// hold it; those keep theirs).
fn give_memo(ev: &mut Arc<WatchEvent>) {
    if let WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) = &**ev
        && !e.memo.has_slot()
        && let WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) =
            Arc::make_mut(ev)
    {
        e.memo = Memo::shared();
    }
}

/// One registered watcher as the dispatcher sees it.
pub(super) struct Slot {
    filter: KeyFilter,
    /// Events at or below this revision were handed over at registration (or predate the start).
    after: u64,
    bookmarks: bool,
    tx: mpsc::Sender<Arc<WatchEvent>>,
    overflowed: Arc<AtomicBool>,
}

/// The registered watchers: those whose selector pins an indexed field are kept under that
/// value (upstream's `valueWatchers`), so an event is offered only to the watchers of the values
/// it concerns plus those without one (`allWatchers`).
struct Watchers {
    all: Vec<Slot>,
    /// Per index (in declaration order), the watchers by the value they wait for.
    by_value: Vec<HashMap<Arc<str>, Vec<Slot>>>,
}

impl Watchers {
    fn new(indexes: usize) -> Self {
        Watchers { all: Vec::new(), by_value: (0..indexes).map(|_| HashMap::new()).collect() }
    }

    fn is_empty(&self) -> bool {
        self.all.is_empty() && self.by_value.iter().all(HashMap::is_empty)
    }

    fn push(&mut self, slot: Slot, trigger: Option<(usize, Arc<str>)>) {
        match trigger {
            Some((i, value)) if i < self.by_value.len() => {
                self.by_value[i].entry(value).or_default().push(slot);
            }
            _ => self.all.push(slot),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.all.iter().chain(self.by_value.iter().flat_map(|m| m.values().flatten()))
    }

    /// Keeps the watchers `keep` accepts, dropping emptied values.
    fn retain_all(&mut self, mut keep: impl FnMut(&Slot) -> bool) {
        self.all.retain(&mut keep);
        for buckets in &mut self.by_value {
            buckets.retain(|_, slots| {
                slots.retain(&mut keep);
                !slots.is_empty()
            });
        }
    }

    /// Offers an event to the watchers its triggers concern (index by index).
    fn retain_triggered(&mut self, triggers: &[Trigger], mut keep: impl FnMut(&Slot) -> bool) {
        self.all.retain(&mut keep);
        for (i, buckets) in self.by_value.iter_mut().enumerate() {
            match triggers.get(i) {
                Some(Trigger::Values(new, prev)) => {
                    for value in std::iter::once(new).chain(prev) {
                        if let Some(slots) = buckets.get_mut(&**value) {
                            slots.retain(&mut keep);
                            if slots.is_empty() {
                                buckets.remove(&**value);
                            }
                        }
                    }
                }
                Some(Trigger::Any) | None => buckets.retain(|_, slots| {
                    slots.retain(&mut keep);
                    !slots.is_empty()
                }),
            }
        }
    }

    fn clear(&mut self) {
        self.all.clear();
        self.by_value.iter_mut().for_each(HashMap::clear);
    }
}

/// Hands an event to a watcher it concerns; false when the watcher is to be dropped.
fn offer(w: &Slot, ev: &Arc<WatchEvent>, key: &str, revision: u64) -> bool {
    if revision <= w.after || !w.filter.matches(key) {
        return !w.tx.is_closed();
    }
    match w.tx.try_send(Arc::clone(ev)) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            // Dropping the sender ends the watcher once it drains what it was given.
            w.overflowed.store(true, Ordering::SeqCst);
            false
        }
        Err(TrySendError::Closed(_)) => false,
    }
}

/// What a new watcher starts with.
pub(super) struct Registration {
    pub(super) initial: VecDeque<Arc<WatchEvent>>,
    pub(super) rx: mpsc::Receiver<Arc<WatchEvent>>,
    pub(super) overflowed: Arc<AtomicBool>,
    /// The cache revision at registration: where the initial state ends.
    pub(super) revision: u64,
}

/// How a watcher wants to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// The current state as `Added` events, then changes.
    State,
    /// Every change after this revision.
    After(u64),
    /// Every change after the cache revision at registration.
    Now,
}

/// One cached object. Its value is the buffer the storage event carried, shared with the window
/// and every watcher that was sent it.
struct Cached {
    value: Bytes,
    create_revision: u64,
    mod_revision: u64,
    /// Its value of every index, computed once when it entered the cache.
    index: Values,
}

/// One event of the window, with the index values it concerns.
struct Logged {
    ev: Arc<WatchEvent>,
    triggers: Box<[Trigger]>,
    /// When the cache received it.
    at: Instant,
}

/// How the window of recent events is sized (see [`super::CacherOptions`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// Events kept at least.
    pub(super) min: usize,
    /// Events kept at most.
    pub(super) max: usize,
    /// How long events should stay.
    pub(super) fresh: Duration,
}

/// The cached view of one resource prefix.
pub(super) struct State {
    pub(super) ready: bool,
    pub(super) last_error: Option<StorageError>,
    /// The revision the cache reflects (the newest event or progress bookmark applied).
    pub(super) revision: u64,
    /// The revision of the latest full list.
    list_revision: u64,
    /// Storage's latest known compaction: history before it is gone there, so it is refused here
    /// too even while the window still holds it.
    pub(super) compacted: u64,
    /// Whether the window dropped an event since the latest list (so it no longer reaches back
    /// to `list_revision`).
    removed_since_relist: bool,
    store: BTreeMap<Arc<str>, Cached>,
    indexers: Arc<[Indexer]>,
    /// One per indexer: the keys of the cached objects by value.
    indexes: Vec<Index>,
    history: VecDeque<Logged>,
    /// The window's current size, between `window.min` and `window.max`.
    capacity: usize,
    window: Window,
    watchers: Watchers,
}

impl State {
    pub(super) fn new(window: Window, indexers: Arc<[Indexer]>) -> Self {
        let min = window.min.max(1);
        let window = Window { min, max: window.max.max(min), fresh: window.fresh };
        State {
            ready: false,
            last_error: None,
            revision: 0,
            list_revision: 0,
            compacted: 0,
            removed_since_relist: false,
            store: BTreeMap::new(),
            indexes: (0..indexers.len()).map(|_| Index::default()).collect(),
            watchers: Watchers::new(indexers.len()),
            indexers,
            history: VecDeque::with_capacity(min.min(4096)),
            capacity: min,
            window,
        }
    }

    /// The values of `bytes` unless `values` already holds them (computed outside the lock).
    /// An object's values of every index, sharing the allocations the indexes already hold
    /// for them (so objects with the same value, say the same node, hold it once).
    fn values_of(&self, values: Values, bytes: &[u8]) -> Values {
        let mut values = if values.len() == self.indexers.len() {
            values
        } else {
            index::compute(&self.indexers, bytes)
        };
        for (index, value) in self.indexes.iter().zip(values.iter_mut()) {
            if let Some(v) = value
                && let Some(shared) = index.shared_value(v)
            {
                *v = shared;
            }
        }
        values
    }

    /// Loads a fresh list: the window restarts at its revision and every watcher is ended,
    /// since events between the old state and the new one were never seen. `values` are the
    /// items' index values when computed beforehand (in item order), or empty.
    pub(super) fn replace(&mut self, list: ListResult, values: Vec<Values>) {
        let mut values = values.into_iter();
        self.store.clear();
        self.indexes.iter_mut().for_each(|i| *i = Index::default());
        for kv in list.items {
            let own = self.values_of(values.next().unwrap_or_default(), &kv.value);
            let key: Arc<str> = kv.key.into();
            add_to_indexes(&mut self.indexes, &key, &own);
            let cached = Cached {
                value: kv.value,
                create_revision: kv.create_revision,
                mod_revision: kv.mod_revision,
                index: own,
            };
            self.store.insert(key, cached);
        }
        self.revision = list.revision;
        self.list_revision = list.revision;
        self.removed_since_relist = false;
        self.history.clear();
        self.watchers.clear();
        self.ready = true;
        self.last_error = None;
    }

    /// Applies one event from the storage watch and fans it out. `values` are the index values
    /// of the event's new object when computed beforehand (outside the lock), or empty.
    pub(super) fn apply(&mut self, mut ev: WatchEvent, values: Values) {
        let Some(revision) = ev.revision() else { return };
        let modified = matches!(ev, WatchEvent::Modified(_));
        let (key, triggers) = match &mut ev {
            WatchEvent::Added(e) | WatchEvent::Modified(e) => {
                let values = self.values_of(values, &e.value);
                let State { store, indexes, .. } = self;
                // The event (kept in the window) shares the cached entry's key.
                if let Some((key, _)) = store.get_key_value(&*e.key) {
                    e.key = Arc::clone(key);
                }
                let triggers = match store.get_mut(&*e.key) {
                    Some(slot) => {
                        if e.prev_value.is_some() {
                            share_previous(&mut e.prev_value, &slot.value);
                        } else if modified {
                            // The cached object is what the change replaced (upstream's
                            // watch cache takes the previous object from its own store).
                            e.prev_value = Some(slot.value.clone());
                        }
                        let triggers = index::triggers(&values, Some(&slot.index));
                        if slot.index != values {
                            remove_from_indexes(indexes, &e.key, &slot.index);
                            add_to_indexes(indexes, &e.key, &values);
                        }
                        *slot = Cached {
                            value: e.value.clone(),
                            create_revision: e.create_revision,
                            mod_revision: e.revision,
                            index: values,
                        };
                        triggers
                    }
                    None => {
                        let triggers = index::triggers(&values, None);
                        let key = Arc::clone(&e.key);
                        add_to_indexes(indexes, &key, &values);
                        let cached = Cached {
                            value: e.value.clone(),
                            create_revision: e.create_revision,
                            mod_revision: e.revision,
                            index: values,
                        };
                        store.insert(key, cached);
                        triggers
                    }
                };
                (e.key.clone(), triggers)
            }
            WatchEvent::Deleted(e) => {
                let values = match self.store.remove_entry(&*e.key) {
                    Some((key, gone)) => {
                        e.key = key;
                        share_previous(&mut e.prev_value, &gone.value);
                        if !same_buffer(&e.value, &gone.value) && e.value == gone.value {
                            e.value = gone.value;
                        }
                        remove_from_indexes(&mut self.indexes, &e.key, &gone.index);
                        gone.index
                    }
                    None => index::compute(&self.indexers, &e.value),
                };
                (e.key.clone(), index::triggers(&values, None))
            }
            WatchEvent::Bookmark { .. } | WatchEvent::Error(_) => {
                self.revision = self.revision.max(revision);
                return;
            }
        };
        self.revision = self.revision.max(revision);
        // Watchers share one encoding of the event through its memo. The window alone needs
        // none: a watcher that replays the event later gives it one (see `register`).
        if !self.watchers.is_empty()
            && let WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) = &mut ev
        {
            e.memo = Memo::shared();
        }
        let ev = Arc::new(ev);
        let at = Instant::now();
        self.resize(at);
        while self.history.len() >= self.capacity {
            self.history.pop_front();
            self.removed_since_relist = true;
        }
        self.watchers.retain_triggered(&triggers, |w| offer(w, &ev, &key, revision));
        self.history.push_back(Logged { ev, triggers, at });
    }

    /// Sizes a full window for an event arriving `now` (upstream's `resizeCacheLocked`): it
    /// doubles while its oldest event is younger than the fresh duration, and halves once even
    /// its newest quarter is older.
    fn resize(&mut self, now: Instant) {
        if self.history.len() < self.capacity {
            return;
        }
        let age = |e: &Logged| now.saturating_duration_since(e.at);
        if self.history.front().is_some_and(|e| age(e) < self.window.fresh) {
            self.capacity = (self.capacity * 2).min(self.window.max);
            return;
        }
        let quarter = self.capacity / 4;
        let newest_quarter =
            self.history.len().checked_sub(quarter).and_then(|i| self.history.get(i));
        if quarter > 0 && newest_quarter.is_some_and(|e| age(e) > self.window.fresh) {
            self.capacity = (self.capacity / 2).max(self.window.min);
        }
    }

    /// The window's current size (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn window_capacity(&self) -> usize {
        self.capacity
    }

    /// Queues a progress bookmark at the cache revision for every watcher that asked for them.
    /// A watcher with a full buffer just misses this one: bookmarks never end a watch.
    pub(super) fn send_bookmarks(&mut self) {
        let revision = self.revision;
        let ev = Arc::new(WatchEvent::Bookmark { revision });
        self.watchers.retain_all(|w| {
            if w.bookmarks && revision >= w.after {
                !matches!(w.tx.try_send(Arc::clone(&ev)), Err(TrySendError::Closed(_)))
            } else {
                !w.tx.is_closed()
            }
        });
    }

    /// The oldest revision a watch may start after.
    fn oldest_start(&self) -> u64 {
        let window = if !self.removed_since_relist {
            self.list_revision
        } else {
            self.history
                .front()
                .and_then(|e| e.ev.revision())
                .map_or(self.revision, |r| r.saturating_sub(1))
        };
        window.max(self.compacted)
    }

    /// Registers a watcher and collects what it must see before live events. A watcher with a
    /// `trigger` (an index and the value its selector pins) is offered only the events of
    /// objects that have or had that value, and starts from the index's candidates.
    pub(super) fn register(
        &mut self,
        filter: KeyFilter,
        trigger: Option<(usize, Arc<str>)>,
        start: Start,
        bookmarks: bool,
        buffer: usize,
    ) -> Result<Registration, StorageError> {
        let (initial, after) = match start {
            Start::State => {
                let initial = match &trigger {
                    Some((i, value)) => {
                        self.candidates(&filter, *i, value).into_iter().map(added_event).collect()
                    }
                    None => self.matching(&filter).map(added_event).collect(),
                };
                (initial, self.revision)
            }
            Start::Now => (VecDeque::new(), self.revision),
            Start::After(from) => {
                let oldest = self.oldest_start();
                if from < oldest {
                    return Err(StorageError::ResourceExpired {
                        message: format!("too old resource version: {from} ({oldest})"),
                        continue_token: None,
                    });
                }
                let first = self.history.partition_point(|e| e.ev.revision().unwrap_or(0) <= from);
                let concerns = |l: &Logged| match &trigger {
                    Some((i, value)) => l.triggers.get(*i).is_none_or(|t| t.admits(value)),
                    None => true,
                };
                // An event the window took while nobody watched gets its memo now, so the
                // watchers replaying it (a burst of them resuming after falling behind) encode
                // it once between them.
                let initial = self
                    .history
                    .range_mut(first..)
                    .filter(|l| event_key(&l.ev).is_some_and(|k| filter.matches(k)))
                    .filter(|l| concerns(l))
                    .map(|l| {
                        give_memo(&mut l.ev);
                        Arc::clone(&l.ev)
                    })
                    .collect();
                (initial, from.max(self.revision))
            }
        };
        let (tx, rx) = mpsc::channel(buffer.max(1));
        let overflowed = Arc::new(AtomicBool::new(false));
        let slot = Slot { filter, after, bookmarks, tx, overflowed: Arc::clone(&overflowed) };
        self.watchers.push(slot, trigger);
        Ok(Registration { initial, rx, overflowed, revision: self.revision })
    }

    /// The cached objects the filter covers, in key order (their values shared, not copied).
    pub(super) fn matching<'a>(
        &'a self,
        filter: &'a KeyFilter,
    ) -> impl Iterator<Item = KeyValue> + 'a {
        self.store
            .range::<str, _>((Bound::Included(filter.start()), Bound::Unbounded))
            .take_while(move |(k, _)| filter.matches(k))
            .map(|(k, c)| key_value(k, c))
    }

    /// The cached objects the filter covers whose value of index `index` is `value` (or could
    /// not be computed), in key order, found through the index rather than by a scan.
    pub(super) fn candidates(
        &self,
        filter: &KeyFilter,
        index: usize,
        value: &str,
    ) -> Vec<KeyValue> {
        let Some(index) = self.indexes.get(index) else {
            return self.matching(filter).collect();
        };
        let keys = index.candidates(value, filter.start(), |k| filter.matches(k));
        keys.iter().filter_map(|k| self.store.get(&**k).map(|c| key_value(k, c))).collect()
    }

    /// How many watchers are registered (ended ones may linger until the next event).
    pub(super) fn watcher_count(&self) -> usize {
        self.watchers.iter().filter(|w| !w.tx.is_closed()).count()
    }

    /// How many watchers wait under `value` of index `index` (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn triggered_watchers(&self, index: usize, value: &str) -> usize {
        self.watchers.by_value.get(index).and_then(|m| m.get(value)).map_or(0, Vec::len)
    }

    /// The index `index` (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn index_at(&self, index: usize) -> &Index {
        &self.indexes[index]
    }

    /// The index values of the cached object at `key` (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn values_at(&self, key: &str) -> Option<Values> {
        self.store.get(key).map(|c| c.index.clone())
    }

    /// The revisions the window holds, oldest first (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn window(&self) -> Vec<u64> {
        self.history.iter().filter_map(|e| e.ev.revision()).collect()
    }
}

/// Files `key` under its values in every index.
fn add_to_indexes(indexes: &mut [Index], key: &Arc<str>, values: &[Option<Arc<str>>]) {
    for (index, value) in indexes.iter_mut().zip(values) {
        index.insert(key, value.as_ref());
    }
}

/// Removes `key` from under its values in every index.
fn remove_from_indexes(indexes: &mut [Index], key: &str, values: &[Option<Arc<str>>]) {
    for (index, value) in indexes.iter_mut().zip(values) {
        index.remove(key, value.as_ref());
    }
}

fn key_value(key: &str, c: &Cached) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: c.value.clone(),
        create_revision: c.create_revision,
        mod_revision: c.mod_revision,
    }
}

/// Points an event's previous value at the cached buffer holding the same bytes, so a backend
/// that sends its own copy (etcd's `prev_kv`) does not keep a second one alive in the window.
pub(super) fn share_previous(prev: &mut Option<Bytes>, cached: &Bytes) {
    if let Some(p) = prev
        && !same_buffer(p, cached)
        && p == cached
    {
        *p = cached.clone();
    }
}

/// Whether two values are the one shared buffer already (then comparing bytes is wasted work).
fn same_buffer(a: &Bytes, b: &Bytes) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}
