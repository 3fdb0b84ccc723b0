//! The basic FIFO work queue: deduplicates waiting items and never hands the
//! same item to two workers at once.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::metrics::{self, MetricsProvider, QueueMetrics, QueueMetricsSnapshot};

/// How often the in-progress gauges are pushed to a metrics provider.
const UNFINISHED_WORK_UPDATE_PERIOD: Duration = Duration::from_millis(500);

/// Options for [`Queue::with_config`].
#[derive(Clone, Default)]
pub struct QueueConfig {
    /// The queue's name. Metrics are only kept for named queues.
    pub name: String,
    /// Where metrics go; falls back to the provider installed with
    /// [`set_provider`](super::set_provider). Snapshots are kept either way.
    pub metrics_provider: Option<Arc<dyn MetricsProvider>>,
}

impl QueueConfig {
    /// A config carrying only a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), metrics_provider: None }
    }
}

impl fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueConfig")
            .field("name", &self.name)
            .field("metrics_provider", &self.metrics_provider.is_some())
            .finish()
    }
}

struct State<T> {
    /// Items ready to be handed out, in order. Every entry is also in `dirty`
    /// and never in `processing`.
    queue: VecDeque<T>,
    /// Items that need processing (waiting in `queue`, or re-added while
    /// being processed).
    dirty: HashSet<T>,
    /// Items handed to a worker and not yet marked done.
    processing: HashSet<T>,
    shutting_down: bool,
    drain: bool,
    metrics: Option<QueueMetrics<T>>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    /// Wakes workers blocked in `get`.
    item_ready: Notify,
    /// Wakes `shut_down_with_drain` when processing may have emptied.
    processing_changed: Notify,
    /// Flips to `true` once; background tasks watch it to stop.
    shutdown: watch::Sender<bool>,
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state stays consistent even if a holder panicked: every
        // critical section finishes its updates before anything can panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A work queue with client-go's semantics, for tokio workers.
///
/// * Items are handed out in the order they were added.
/// * Adding an item that is already waiting does nothing.
/// * An item being processed is never handed to another worker; if it is
///   re-added meanwhile, it is queued again when [`done`](Queue::done) is
///   called, so the re-add is never lost.
/// * After shutdown, new adds are ignored but items already queued are still
///   handed out; [`get`](Queue::get) returns `None` once the queue is empty.
///
/// Cloning is cheap and every clone refers to the same queue. A queue that
/// has metrics and a provider updates the in-progress gauges from a tokio
/// task when created inside a runtime; everything else works without one.
pub struct Queue<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("Queue")
            .field("len", &state.queue.len())
            .field("processing", &state.processing.len())
            .field("shutting_down", &state.shutting_down)
            .finish()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> Queue<T> {
    /// An unnamed queue without metrics.
    pub fn new() -> Self {
        Self::with_config(QueueConfig::default())
    }

    /// A queue with a name (which turns metrics on) and an optional provider.
    pub fn with_config(config: QueueConfig) -> Self {
        let metrics = if config.name.is_empty() {
            None
        } else {
            let provider = config.metrics_provider.or_else(metrics::global_provider);
            Some(QueueMetrics::new(&config.name, provider.as_deref()))
        };
        let wants_updates = metrics.as_ref().is_some_and(QueueMetrics::has_instruments);
        let (shutdown, _) = watch::channel(false);
        let queue = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    dirty: HashSet::new(),
                    processing: HashSet::new(),
                    shutting_down: false,
                    drain: false,
                    metrics,
                }),
                item_ready: Notify::new(),
                processing_changed: Notify::new(),
                shutdown,
            }),
        };
        if wants_updates {
            queue.spawn_unfinished_work_updates(UNFINISHED_WORK_UPDATE_PERIOD);
        }
        queue
    }

    fn spawn_unfinished_work_updates(&self, period: Duration) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "work queue created outside a tokio runtime; \
                 unfinished-work gauges will not be updated"
            );
            return;
        };
        let weak: Weak<Inner<T>> = Arc::downgrade(&self.inner);
        let mut stopped = self.inner.shutdown.subscribe();
        // Built here rather than in the task so the schedule starts at
        // creation, not whenever the task first runs.
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        handle.spawn(async move {
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    // Errors mean the queue itself is gone.
                    _ = stopped.wait_for(|down| *down) => return,
                }
                let Some(inner) = weak.upgrade() else { return };
                let state = inner.lock();
                if !state.shutting_down
                    && let Some(m) = &state.metrics
                {
                    m.update_unfinished_work();
                }
            }
        });
    }

    /// Marks `item` as needing processing. Ignored after shutdown and when the
    /// item is already waiting.
    pub fn add(&self, item: T) {
        let mut guard = self.inner.lock();
        let state = &mut *guard;
        if state.shutting_down || state.dirty.contains(&item) {
            return;
        }
        if let Some(m) = &mut state.metrics {
            m.add(&item);
        }
        let processing = state.processing.contains(&item);
        if processing {
            // Queued by `done`, so no second worker sees it meanwhile.
            state.dirty.insert(item);
            return;
        }
        state.dirty.insert(item.clone());
        state.queue.push_back(item);
        drop(guard);
        self.inner.item_ready.notify_one();
    }

    /// Number of items ready to be handed out (items re-added while being
    /// processed are not counted until they are done).
    pub fn len(&self) -> usize {
        self.inner.lock().queue.len()
    }

    /// Whether no item is ready to be handed out.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for the next item and marks it as being processed; the caller
    /// must pass it to [`done`](Queue::done) when finished. Returns `None`
    /// once the queue is shut down and empty.
    ///
    /// Cancel-safe: dropping the future before it completes takes no item.
    pub async fn get(&self) -> Option<T> {
        loop {
            // Register for a wake-up before looking at the state, so an add
            // between the check and the wait cannot be missed.
            let mut notified = pin!(self.inner.item_ready.notified());
            notified.as_mut().enable();
            {
                let mut guard = self.inner.lock();
                let state = &mut *guard;
                if let Some(item) = state.queue.pop_front() {
                    if let Some(m) = &mut state.metrics {
                        m.get(&item);
                    }
                    state.dirty.remove(&item);
                    state.processing.insert(item.clone());
                    return Some(item);
                }
                if state.shutting_down {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Marks `item` as no longer being processed. If it was re-added while
    /// being processed, it is queued again now.
    pub fn done(&self, item: &T) {
        let mut guard = self.inner.lock();
        let state = &mut *guard;
        if let Some(m) = &mut state.metrics {
            m.done(item);
        }
        state.processing.remove(item);
        let requeued = state.dirty.contains(item);
        if requeued {
            state.queue.push_back(item.clone());
        }
        let idle = state.processing.is_empty();
        drop(guard);
        if requeued {
            self.inner.item_ready.notify_one();
        }
        if idle {
            self.inner.processing_changed.notify_waiters();
        }
    }

    /// Stops accepting new items and wakes every waiting worker. Items still
    /// queued are handed out; workers see `None` once it is empty. Also ends
    /// a pending [`shut_down_with_drain`](Queue::shut_down_with_drain)
    /// without waiting for work in progress.
    pub fn shut_down(&self) {
        {
            let mut state = self.inner.lock();
            state.drain = false;
            state.shutting_down = true;
        }
        self.signal_shutdown();
    }

    /// Like [`shut_down`](Queue::shut_down), then waits until every item being
    /// processed has been marked done (including items re-queued by `done`
    /// and processed again). Workers must keep calling `get` and `done` for
    /// this to finish; a later [`shut_down`](Queue::shut_down) cuts it short.
    pub async fn shut_down_with_drain(&self) {
        {
            let mut state = self.inner.lock();
            state.drain = true;
            state.shutting_down = true;
        }
        self.signal_shutdown();
        loop {
            let mut notified = pin!(self.inner.processing_changed.notified());
            notified.as_mut().enable();
            {
                let state = self.inner.lock();
                if state.processing.is_empty() || !state.drain {
                    return;
                }
            }
            notified.await;
        }
    }

    fn signal_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        self.inner.item_ready.notify_waiters();
        self.inner.processing_changed.notify_waiters();
    }

    /// Whether [`shut_down`](Queue::shut_down) or
    /// [`shut_down_with_drain`](Queue::shut_down_with_drain) was called.
    pub fn shutting_down(&self) -> bool {
        self.inner.lock().shutting_down
    }

    /// A snapshot of the queue's metrics; `None` for unnamed queues.
    pub fn metrics(&self) -> Option<QueueMetricsSnapshot> {
        self.inner.lock().metrics.as_ref().map(QueueMetrics::snapshot)
    }

    /// Counts a delayed add in this queue's retry metric.
    pub(super) fn record_retry(&self) {
        if let Some(m) = &mut self.inner.lock().metrics {
            m.retry();
        }
    }

    /// A receiver that turns `true` when the queue shuts down.
    pub(super) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Number of items currently being processed.
    #[cfg(test)]
    pub(super) fn processing_len(&self) -> usize {
        self.inner.lock().processing.len()
    }
}
