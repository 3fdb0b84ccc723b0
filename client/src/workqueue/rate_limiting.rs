//! A delaying work queue that asks a rate limiter how long retries wait.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use super::delaying::DelayingQueue;
use super::metrics::QueueMetricsSnapshot;
use super::queue::{Queue, QueueConfig};
use super::rate_limiters::RateLimiter;

/// A [`DelayingQueue`] plus a [`RateLimiter`]: the queue controllers use.
///
/// The usual worker loop is `get`, process, then either `forget` (success)
/// or `add_rate_limited` (failure), and always `done`. Cloning is cheap and
/// clones share the queue and the limiter.
pub struct RateLimitingQueue<T> {
    delaying: DelayingQueue<T>,
    limiter: Arc<dyn RateLimiter<T>>,
}

impl<T> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        Self { delaying: self.delaying.clone(), limiter: Arc::clone(&self.limiter) }
    }
}

impl<T> fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitingQueue")
            .field("delaying", &self.delaying)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> RateLimitingQueue<T> {
    /// An unnamed queue using `limiter`.
    ///
    /// # Panics
    ///
    /// Must be called from within a tokio runtime (see [`DelayingQueue`]).
    pub fn new(limiter: impl RateLimiter<T> + 'static) -> Self {
        Self::with_config(limiter, QueueConfig::default())
    }

    /// A queue built from `config` using `limiter`.
    ///
    /// # Panics
    ///
    /// Must be called from within a tokio runtime.
    pub fn with_config(limiter: impl RateLimiter<T> + 'static, config: QueueConfig) -> Self {
        Self::with_delaying_queue(DelayingQueue::with_config(config), limiter)
    }

    /// Rate-limits adds to an existing delaying queue.
    pub fn with_delaying_queue(
        delaying: DelayingQueue<T>,
        limiter: impl RateLimiter<T> + 'static,
    ) -> Self {
        Self { delaying, limiter: Arc::new(limiter) }
    }

    /// Adds `item` after the delay the rate limiter chooses (which counts it
    /// as a retry).
    pub fn add_rate_limited(&self, item: T) {
        let delay = self.limiter.when(&item);
        self.delaying.add_after(item, delay);
    }

    /// Tells the rate limiter to stop tracking `item`; the queue itself is
    /// unaffected.
    pub fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    /// How many times `item` has been rate-limited since it was forgotten.
    pub fn num_requeues(&self, item: &T) -> u32 {
        self.limiter.num_requeues(item)
    }

    /// The underlying delaying queue.
    pub fn delaying_queue(&self) -> &DelayingQueue<T> {
        &self.delaying
    }

    /// The underlying plain queue.
    pub fn queue(&self) -> &Queue<T> {
        self.delaying.queue()
    }

    /// See [`DelayingQueue::add_after`].
    pub fn add_after(&self, item: T, delay: Duration) {
        self.delaying.add_after(item, delay);
    }

    /// See [`Queue::add`].
    pub fn add(&self, item: T) {
        self.delaying.add(item);
    }

    /// See [`Queue::len`].
    pub fn len(&self) -> usize {
        self.delaying.len()
    }

    /// See [`Queue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.delaying.is_empty()
    }

    /// See [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.delaying.get().await
    }

    /// See [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.delaying.done(item);
    }

    /// See [`Queue::shut_down`].
    pub fn shut_down(&self) {
        self.delaying.shut_down();
    }

    /// See [`Queue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.delaying.shut_down_with_drain().await;
    }

    /// See [`Queue::shutting_down`].
    pub fn shutting_down(&self) -> bool {
        self.delaying.shutting_down()
    }

    /// See [`Queue::metrics`].
    pub fn metrics(&self) -> Option<QueueMetricsSnapshot> {
        self.delaying.metrics()
    }
}
