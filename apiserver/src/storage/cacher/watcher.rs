//! The receiving side of a watch served by the cache: the events handed over at registration
//! first, then the live ones the dispatcher shares with every other watcher.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::super::{StorageError, WatchEvent};

/// How a watch served by the cache starts and what extra events it wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchOptions {
    /// Where to start. `None` is upstream's unset resourceVersion: changes after the cache's
    /// current revision (with `send_initial_events`, the cache first catches up with storage's
    /// current revision, a consistent read). `Some(0)` starts with the current
    /// cached state as `Added` events (upstream's legacy "0" watch). `Some(n)` delivers every
    /// change after `n`, which must still be in the cache's window.
    pub from_revision: Option<u64>,
    /// Watch every key below the key rather than the one key.
    pub recursive: bool,
    /// Deliver periodic [`WatchEvent::Bookmark`]s with the cache revision (`allowWatchBookmarks`).
    pub bookmarks: bool,
    /// Start with the state as `Added` events and mark their end with
    /// [`CacheEvent::InitialEventsEnd`] (`sendInitialEvents=true`); with `Some(n)` the cache
    /// first waits until it has reached revision `n`.
    pub send_initial_events: bool,
    /// The indexed fields the watch's selector pins to one value. The first one an index of
    /// the cache answers registers the watcher under that value (upstream's trigger): it is
    /// then sent only events of objects that have or had the value, the rest being events its
    /// selector rejects anyway.
    pub matches: Vec<super::MatchValue>,
}

/// One item a [`CacheWatch`] delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheEvent {
    /// A storage event, shared with every other watcher that receives it.
    Event(Arc<WatchEvent>),
    /// The initial state has been sent in full; upstream sends this as a bookmark annotated
    /// `k8s.io/initial-events-end: "true"`.
    InitialEventsEnd {
        /// The revision the initial state was taken at.
        revision: u64,
    },
}

impl CacheEvent {
    /// The event as the storage layer spells it (the end marker becomes a plain bookmark).
    pub fn into_watch_event(self) -> WatchEvent {
        match self {
            CacheEvent::Event(ev) => Arc::unwrap_or_clone(ev),
            CacheEvent::InitialEventsEnd { revision } => WatchEvent::Bookmark { revision },
        }
    }
}

/// A watch served from the cache; dropping it unregisters the watcher.
#[derive(Debug)]
pub struct CacheWatch {
    initial: VecDeque<Arc<WatchEvent>>,
    end_marker: Option<u64>,
    rx: mpsc::Receiver<Arc<WatchEvent>>,
    overflowed: Arc<AtomicBool>,
    key: String,
    ended: bool,
}

impl CacheWatch {
    pub(super) fn new(
        initial: VecDeque<Arc<WatchEvent>>,
        end_marker: Option<u64>,
        rx: mpsc::Receiver<Arc<WatchEvent>>,
        overflowed: Arc<AtomicBool>,
        key: String,
    ) -> Self {
        CacheWatch { initial, end_marker, rx, overflowed, key, ended: false }
    }

    /// The next event, or `None` once the watch has ended. A watcher that fell too far behind
    /// gets one [`WatchEvent::Error`] with [`StorageError::Unavailable`] and then `None`; a
    /// watch ended because the cache reloaded its state just ends.
    pub async fn recv(&mut self) -> Option<CacheEvent> {
        if let Some(ev) = self.initial.pop_front() {
            return Some(CacheEvent::Event(ev));
        }
        if let Some(revision) = self.end_marker.take() {
            return Some(CacheEvent::InitialEventsEnd { revision });
        }
        if self.ended {
            return None;
        }
        match self.rx.recv().await {
            Some(ev) => Some(CacheEvent::Event(ev)),
            None => {
                self.ended = true;
                if self.overflowed.load(Ordering::SeqCst) {
                    let message =
                        format!("watch of {} terminated: the consumer fell behind", self.key);
                    Some(CacheEvent::Event(Arc::new(WatchEvent::Error(StorageError::Unavailable(
                        message,
                    )))))
                } else {
                    None
                }
            }
        }
    }
}
