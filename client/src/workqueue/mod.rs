//! Work queues for controllers, with client-go's `util/workqueue` semantics.
//!
//! * [`Queue`]: a deduplicating FIFO that never hands one item to two workers
//!   at once and never loses an item re-added while it is being processed.
//! * [`DelayingQueue`]: adds [`add_after`](DelayingQueue::add_after).
//! * [`RateLimitingQueue`]: adds [`add_rate_limited`](RateLimitingQueue::add_rate_limited)
//!   driven by a [`RateLimiter`] such as [`default_controller_rate_limiter`].
//! * Metrics: every named queue keeps a [`QueueMetricsSnapshot`] and reports to
//!   a [`MetricsProvider`] for export.
//!
//! A typical worker:
//!
//! ```
//! use client::workqueue::{RateLimitingQueue, default_controller_rate_limiter};
//!
//! async fn reconcile(_key: &str) -> Result<(), ()> {
//!     Ok(())
//! }
//!
//! async fn worker(queue: RateLimitingQueue<String>) {
//!     while let Some(key) = queue.get().await {
//!         match reconcile(&key).await {
//!             Ok(()) => queue.forget(&key),
//!             Err(()) => queue.add_rate_limited(key.clone()),
//!         }
//!         queue.done(&key);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let queue = RateLimitingQueue::new(default_controller_rate_limiter());
//! queue.add("default/web".to_string());
//! queue.shut_down();
//! worker(queue).await;
//! # }
//! ```

mod delaying;
mod metrics;
mod queue;
mod rate_limiters;
mod rate_limiting;

#[cfg(test)]
mod interleavings_tests;
#[cfg(test)]
mod tests;

pub use delaying::DelayingQueue;
pub use metrics::{
    CounterMetric, DurationSummary, GaugeMetric, HistogramMetric, MetricsProvider, NoopMetric,
    QueueMetricsSnapshot, SettableGaugeMetric, set_provider,
};
pub use queue::{Queue, QueueConfig};
pub use rate_limiters::{
    BucketRateLimiter, ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter,
    MaxOfRateLimiter, RateLimiter, WithMaxWaitRateLimiter, default_controller_rate_limiter,
    default_item_based_rate_limiter,
};
pub use rate_limiting::RateLimitingQueue;
