//! A work queue whose items can be added after a delay.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::metrics::QueueMetricsSnapshot;
use super::queue::{Queue, QueueConfig};

/// One scheduled add. Ordered so that `BinaryHeap` (a max-heap) pops the
/// earliest ready time first, and among equal times the oldest request.
struct Entry<T> {
    ready_at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ready_at, other.seq).cmp(&(self.ready_at, self.seq))
    }
}

/// Items waiting for their ready time. Moving an item earlier pushes a new
/// heap entry and leaves the old one behind; `by_item` records which entry is
/// current, and stale ones are discarded when they surface.
struct Waiting<T> {
    heap: BinaryHeap<Entry<T>>,
    by_item: HashMap<T, (Instant, u64)>,
    next_seq: u64,
}

impl<T: Clone + Eq + Hash> Waiting<T> {
    fn insert(&mut self, item: T, ready_at: Instant) {
        if let Some((existing, _)) = self.by_item.get(&item)
            && *existing <= ready_at
        {
            return;
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.by_item.insert(item.clone(), (ready_at, seq));
        self.heap.push(Entry { ready_at, seq, item });
    }

    /// Removes every item due at `now`, returning them in ready order and the
    /// next ready time still pending.
    fn take_ready(&mut self, now: Instant) -> (Vec<T>, Option<Instant>) {
        let mut ready = Vec::new();
        while let Some(top) = self.heap.peek() {
            let current = self.by_item.get(&top.item) == Some(&(top.ready_at, top.seq));
            if current && top.ready_at > now {
                return (ready, Some(top.ready_at));
            }
            let Some(entry) = self.heap.pop() else { break };
            if current {
                self.by_item.remove(&entry.item);
                ready.push(entry.item);
            }
        }
        (ready, None)
    }
}

struct Shared<T> {
    waiting: Mutex<Waiting<T>>,
    /// Wakes the background task to re-read the heap.
    wake: Notify,
    /// Set when the last handle is dropped.
    closed: AtomicBool,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Waiting<T>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Held only by queue handles: when the last one goes, the background task
/// is told to stop even if the queue was never shut down.
struct Owner<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Drop for Owner<T> {
    fn drop(&mut self) {
        self.shared.closed.store(true, AtomicOrdering::SeqCst);
        self.shared.wake.notify_one();
    }
}

/// A [`Queue`] plus [`add_after`](DelayingQueue::add_after).
///
/// Delayed items wait in a min-heap of ready times, served by one background
/// tokio task that the queue owns; the task ends when the queue shuts down or
/// the last handle is dropped, and items still waiting then are discarded.
/// Cloning is cheap and clones share the queue.
pub struct DelayingQueue<T> {
    queue: Queue<T>,
    owner: Arc<Owner<T>>,
}

impl<T> Clone for DelayingQueue<T> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone(), owner: Arc::clone(&self.owner) }
    }
}

impl<T> fmt::Debug for DelayingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayingQueue")
            .field("queue", &self.queue)
            .field("waiting", &self.owner.shared.lock().by_item.len())
            .finish()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> DelayingQueue<T> {
    /// An unnamed delaying queue without metrics.
    ///
    /// # Panics
    ///
    /// Must be called from within a tokio runtime (it spawns the task that
    /// moves items whose delay has passed into the queue).
    #[expect(
        clippy::new_without_default,
        reason = "construction spawns a task; a panicking Default would surprise"
    )]
    pub fn new() -> Self {
        Self::with_queue(Queue::new())
    }

    /// A delaying queue over a new [`Queue`] built from `config`.
    ///
    /// # Panics
    ///
    /// Must be called from within a tokio runtime.
    pub fn with_config(config: QueueConfig) -> Self {
        Self::with_queue(Queue::with_config(config))
    }

    /// A delaying queue feeding an existing queue.
    ///
    /// # Panics
    ///
    /// Must be called from within a tokio runtime.
    pub fn with_queue(queue: Queue<T>) -> Self {
        let shared = Arc::new(Shared {
            waiting: Mutex::new(Waiting {
                heap: BinaryHeap::new(),
                by_item: HashMap::new(),
                next_seq: 0,
            }),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
        });
        tokio::spawn(waiting_loop(queue.clone(), Arc::clone(&shared)));
        Self { queue, owner: Arc::new(Owner { shared }) }
    }

    /// Adds `item` once `delay` has passed; a zero delay adds it now. If the
    /// item is already waiting, it keeps the earlier of the two ready times.
    /// Ignored after shutdown.
    pub fn add_after(&self, item: T, delay: Duration) {
        if self.queue.shutting_down() {
            return;
        }
        self.queue.record_retry();
        if delay.is_zero() {
            self.queue.add(item);
            return;
        }
        let ready_at = deadline_after(Instant::now(), delay);
        self.owner.shared.lock().insert(item, ready_at);
        self.owner.shared.wake.notify_one();
    }

    /// The underlying queue (shares state with this one).
    pub fn queue(&self) -> &Queue<T> {
        &self.queue
    }

    /// See [`Queue::add`].
    pub fn add(&self, item: T) {
        self.queue.add(item);
    }

    /// See [`Queue::len`]; items still waiting for their delay are not
    /// counted.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// See [`Queue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// See [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.queue.get().await
    }

    /// See [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.queue.done(item);
    }

    /// See [`Queue::shut_down`]; also stops the delay task.
    pub fn shut_down(&self) {
        self.queue.shut_down();
    }

    /// See [`Queue::shut_down_with_drain`]; also stops the delay task.
    pub async fn shut_down_with_drain(&self) {
        self.queue.shut_down_with_drain().await;
    }

    /// See [`Queue::shutting_down`].
    pub fn shutting_down(&self) -> bool {
        self.queue.shutting_down()
    }

    /// See [`Queue::metrics`].
    pub fn metrics(&self) -> Option<QueueMetricsSnapshot> {
        self.queue.metrics()
    }

    /// Number of items waiting for their delay to pass.
    #[cfg(test)]
    pub(super) fn waiting_len(&self) -> usize {
        self.owner.shared.lock().by_item.len()
    }

    /// When `item` is due, if it is waiting.
    #[cfg(test)]
    pub(super) fn ready_at(&self, item: &T) -> Option<Instant> {
        self.owner.shared.lock().by_item.get(item).map(|(at, _)| *at)
    }
}

/// `now + delay`, clamped to the furthest instant representable so absurd
/// delays (such as an exhausted token bucket's "never") cannot overflow.
fn deadline_after(now: Instant, delay: Duration) -> Instant {
    let mut delay = delay;
    loop {
        if let Some(t) = now.checked_add(delay) {
            return t;
        }
        delay /= 2;
    }
}

async fn waiting_loop<T: Clone + Eq + Hash + Send + Sync + 'static>(
    queue: Queue<T>,
    shared: Arc<Shared<T>>,
) {
    let mut stopped = queue.shutdown_signal();
    loop {
        let mut woken = pin!(shared.wake.notified());
        woken.as_mut().enable();
        if shared.closed.load(AtomicOrdering::SeqCst) || *stopped.borrow() {
            return;
        }
        let (ready, next) = shared.lock().take_ready(Instant::now());
        for item in ready {
            queue.add(item);
        }
        let next_ready = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = woken => {}
            _ = next_ready => {}
            // An error means the queue is gone, which also means stop.
            _ = stopped.wait_for(|down| *down) => return,
        }
    }
}
