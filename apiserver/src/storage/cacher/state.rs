//! The cache's in-memory state: the live objects, the window of recent events and the watchers
//! fed from it. Everything here runs under one lock held for short, non-blocking steps only.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::{self, error::TrySendError};

use super::super::{
    Bytes, Event, KeyValue, ListResult, StorageError, WatchEvent, recursive_prefix,
};

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
        WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) => {
            Some(e.key.as_str())
        }
        WatchEvent::Bookmark { .. } | WatchEvent::Error(_) => None,
    }
}

/// The `Added` event that starts a watcher's view of a live object.
pub(super) fn added_event(kv: KeyValue) -> Arc<WatchEvent> {
    Arc::new(WatchEvent::Added(Event {
        key: kv.key,
        value: kv.value,
        prev_value: None,
        create_revision: kv.create_revision,
        revision: kv.mod_revision,
        memo: Default::default(),
    }))
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
    store: BTreeMap<Box<str>, Cached>,
    history: VecDeque<Arc<WatchEvent>>,
    capacity: usize,
    watchers: Vec<Slot>,
}

impl State {
    pub(super) fn new(capacity: usize) -> Self {
        State {
            ready: false,
            last_error: None,
            revision: 0,
            list_revision: 0,
            compacted: 0,
            removed_since_relist: false,
            store: BTreeMap::new(),
            history: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            watchers: Vec::new(),
        }
    }

    /// Loads a fresh list: the window restarts at its revision and every watcher is ended,
    /// since events between the old state and the new one were never seen.
    pub(super) fn replace(&mut self, list: ListResult) {
        self.store = list
            .items
            .into_iter()
            .map(|kv| {
                let cached = Cached {
                    value: kv.value,
                    create_revision: kv.create_revision,
                    mod_revision: kv.mod_revision,
                };
                (kv.key.into_boxed_str(), cached)
            })
            .collect();
        self.revision = list.revision;
        self.list_revision = list.revision;
        self.removed_since_relist = false;
        self.history.clear();
        self.watchers.clear();
        self.ready = true;
        self.last_error = None;
    }

    /// Applies one event from the storage watch and fans it out.
    pub(super) fn apply(&mut self, mut ev: WatchEvent) {
        let Some(revision) = ev.revision() else { return };
        let key = match &mut ev {
            WatchEvent::Added(e) | WatchEvent::Modified(e) => {
                let cached = Cached {
                    value: e.value.clone(),
                    create_revision: e.create_revision,
                    mod_revision: e.revision,
                };
                match self.store.get_mut(e.key.as_str()) {
                    Some(slot) => {
                        share_previous(&mut e.prev_value, &slot.value);
                        *slot = cached;
                    }
                    None => {
                        self.store.insert(e.key.as_str().into(), cached);
                    }
                }
                e.key.clone()
            }
            WatchEvent::Deleted(e) => {
                if let Some(gone) = self.store.remove(e.key.as_str()) {
                    share_previous(&mut e.prev_value, &gone.value);
                    if !same_buffer(&e.value, &gone.value) && e.value == gone.value {
                        e.value = gone.value;
                    }
                }
                e.key.clone()
            }
            WatchEvent::Bookmark { .. } | WatchEvent::Error(_) => {
                self.revision = self.revision.max(revision);
                return;
            }
        };
        self.revision = self.revision.max(revision);
        let ev = Arc::new(ev);
        if self.history.len() >= self.capacity {
            self.history.pop_front();
            self.removed_since_relist = true;
        }
        self.history.push_back(Arc::clone(&ev));
        self.dispatch(&ev, &key, revision);
    }

    fn dispatch(&mut self, ev: &Arc<WatchEvent>, key: &str, revision: u64) {
        self.watchers.retain(|w| {
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
        });
    }

    /// Queues a progress bookmark at the cache revision for every watcher that asked for them.
    /// A watcher with a full buffer just misses this one: bookmarks never end a watch.
    pub(super) fn send_bookmarks(&mut self) {
        let revision = self.revision;
        let ev = Arc::new(WatchEvent::Bookmark { revision });
        self.watchers.retain(|w| {
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
                .and_then(|e| e.revision())
                .map_or(self.revision, |r| r.saturating_sub(1))
        };
        window.max(self.compacted)
    }

    /// Registers a watcher and collects what it must see before live events.
    pub(super) fn register(
        &mut self,
        filter: KeyFilter,
        start: Start,
        bookmarks: bool,
        buffer: usize,
    ) -> Result<Registration, StorageError> {
        let (initial, after) = match start {
            Start::State => {
                let initial = self.matching(&filter).map(added_event).collect();
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
                let first = self.history.partition_point(|e| e.revision().unwrap_or(0) <= from);
                let initial = self
                    .history
                    .range(first..)
                    .filter(|e| event_key(e).is_some_and(|k| filter.matches(k)))
                    .cloned()
                    .collect();
                (initial, from.max(self.revision))
            }
        };
        let (tx, rx) = mpsc::channel(buffer.max(1));
        let overflowed = Arc::new(AtomicBool::new(false));
        self.watchers.push(Slot {
            filter,
            after,
            bookmarks,
            tx,
            overflowed: Arc::clone(&overflowed),
        });
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
            .map(|(k, c)| KeyValue {
                key: k.to_string(),
                value: c.value.clone(),
                create_revision: c.create_revision,
                mod_revision: c.mod_revision,
            })
    }

    /// How many watchers are registered (ended ones may linger until the next event).
    pub(super) fn watcher_count(&self) -> usize {
        self.watchers.iter().filter(|w| !w.tx.is_closed()).count()
    }

    /// The revisions the window holds, oldest first (for tests and diagnostics).
    #[cfg(test)]
    pub(super) fn window(&self) -> Vec<u64> {
        self.history.iter().filter_map(|e| e.revision()).collect()
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
