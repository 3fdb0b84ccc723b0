//! Work queue metrics: the provider hook that exporters plug into, and the
//! in-process snapshot every named queue keeps.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

/// A gauge that moves up and down by one (queue depth).
pub trait GaugeMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
    /// Subtracts one.
    fn dec(&self);
}

/// A gauge that is overwritten with an absolute value.
pub trait SettableGaugeMetric: Send + Sync {
    /// Replaces the current value.
    fn set(&self, value: f64);
}

/// A monotonically increasing counter.
pub trait CounterMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
}

/// A distribution of observations, in seconds.
pub trait HistogramMetric: Send + Sync {
    /// Records one observation.
    fn observe(&self, value: f64);
}

/// A metric that records nothing; what a provider hands out for metrics it
/// does not export.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopMetric;

impl GaugeMetric for NoopMetric {
    fn inc(&self) {}
    fn dec(&self) {}
}

impl SettableGaugeMetric for NoopMetric {
    fn set(&self, _value: f64) {}
}

impl CounterMetric for NoopMetric {
    fn inc(&self) {}
}

impl HistogramMetric for NoopMetric {
    fn observe(&self, _value: f64) {}
}

/// Creates the metric instruments for a named queue. Every method defaults to
/// a [`NoopMetric`], so an exporter only implements what it publishes.
///
/// The names mirror client-go's provider so a Prometheus exporter can register
/// `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
/// `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
/// `workqueue_longest_running_processor_seconds` and `workqueue_retries_total`,
/// each labelled with the queue name.
pub trait MetricsProvider: Send + Sync {
    /// Current number of items waiting to be processed.
    fn new_depth_metric(&self, _name: &str) -> Arc<dyn GaugeMetric> {
        Arc::new(NoopMetric)
    }
    /// Total number of adds (deduplicated adds are not counted).
    fn new_adds_metric(&self, _name: &str) -> Arc<dyn CounterMetric> {
        Arc::new(NoopMetric)
    }
    /// Seconds an item waited between being added and being handed out.
    fn new_latency_metric(&self, _name: &str) -> Arc<dyn HistogramMetric> {
        Arc::new(NoopMetric)
    }
    /// Seconds between an item being handed out and being marked done.
    fn new_work_duration_metric(&self, _name: &str) -> Arc<dyn HistogramMetric> {
        Arc::new(NoopMetric)
    }
    /// Sum of the ages of all work in progress, refreshed periodically.
    fn new_unfinished_work_seconds_metric(&self, _name: &str) -> Arc<dyn SettableGaugeMetric> {
        Arc::new(NoopMetric)
    }
    /// Age of the oldest work in progress, refreshed periodically.
    fn new_longest_running_processor_seconds_metric(
        &self,
        _name: &str,
    ) -> Arc<dyn SettableGaugeMetric> {
        Arc::new(NoopMetric)
    }
    /// Total number of delayed (retry) adds.
    fn new_retries_metric(&self, _name: &str) -> Arc<dyn CounterMetric> {
        Arc::new(NoopMetric)
    }
}

static GLOBAL_PROVIDER: OnceLock<Arc<dyn MetricsProvider>> = OnceLock::new();

/// Installs the process-wide provider used by named queues created without
/// their own. Only the first call wins (later calls return `false`), and
/// queues created before the call keep the provider they were built with.
pub fn set_provider(provider: Arc<dyn MetricsProvider>) -> bool {
    GLOBAL_PROVIDER.set(provider).is_ok()
}

pub(super) fn global_provider() -> Option<Arc<dyn MetricsProvider>> {
    GLOBAL_PROVIDER.get().cloned()
}

/// Count, total and maximum of a series of durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationSummary {
    /// Number of observations.
    pub count: u64,
    /// Sum of all observations.
    pub sum: Duration,
    /// Largest observation.
    pub max: Duration,
    /// Most recent observation.
    pub last: Duration,
}

impl DurationSummary {
    fn observe(&mut self, d: Duration) {
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(d);
        self.max = self.max.max(d);
        self.last = d;
    }
}

/// A point-in-time copy of a named queue's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueMetricsSnapshot {
    /// The queue's name.
    pub name: String,
    /// Items added and not yet handed out (including items re-added while
    /// being processed).
    pub depth: u64,
    /// Adds that were not deduplicated.
    pub adds_total: u64,
    /// Time from add to get.
    pub queue_latency: DurationSummary,
    /// Time from get to done.
    pub work_duration: DurationSummary,
    /// Sum of the ages of all items currently being processed.
    pub unfinished_work: Duration,
    /// Age of the item that has been processed the longest.
    pub longest_running_processor: Duration,
    /// Delayed adds (`add_after` and rate-limited adds).
    pub retries_total: u64,
}

struct Instruments {
    depth: Arc<dyn GaugeMetric>,
    adds: Arc<dyn CounterMetric>,
    latency: Arc<dyn HistogramMetric>,
    work_duration: Arc<dyn HistogramMetric>,
    unfinished: Arc<dyn SettableGaugeMetric>,
    longest: Arc<dyn SettableGaugeMetric>,
    retries: Arc<dyn CounterMetric>,
}

impl Instruments {
    fn new(provider: &dyn MetricsProvider, name: &str) -> Self {
        Self {
            depth: provider.new_depth_metric(name),
            adds: provider.new_adds_metric(name),
            latency: provider.new_latency_metric(name),
            work_duration: provider.new_work_duration_metric(name),
            unfinished: provider.new_unfinished_work_seconds_metric(name),
            longest: provider.new_longest_running_processor_seconds_metric(name),
            retries: provider.new_retries_metric(name),
        }
    }
}

/// Per-queue bookkeeping, kept under the queue's lock so the numbers always
/// agree with the queue's state.
pub(super) struct QueueMetrics<T> {
    name: String,
    instruments: Option<Instruments>,
    depth: u64,
    adds_total: u64,
    retries_total: u64,
    latency: DurationSummary,
    work_duration: DurationSummary,
    add_times: HashMap<T, Instant>,
    processing_start_times: HashMap<T, Instant>,
}

impl<T: Clone + Eq + Hash> QueueMetrics<T> {
    pub(super) fn new(name: &str, provider: Option<&dyn MetricsProvider>) -> Self {
        Self {
            name: name.to_string(),
            instruments: provider.map(|p| Instruments::new(p, name)),
            depth: 0,
            adds_total: 0,
            retries_total: 0,
            latency: DurationSummary::default(),
            work_duration: DurationSummary::default(),
            add_times: HashMap::new(),
            processing_start_times: HashMap::new(),
        }
    }

    pub(super) fn has_instruments(&self) -> bool {
        self.instruments.is_some()
    }

    pub(super) fn add(&mut self, item: &T) {
        self.adds_total = self.adds_total.saturating_add(1);
        self.depth = self.depth.saturating_add(1);
        if let Some(i) = &self.instruments {
            i.adds.inc();
            i.depth.inc();
        }
        // Keep the first add time: latency measures how long the item waited
        // since it first became dirty.
        self.add_times.entry(item.clone()).or_insert_with(Instant::now);
    }

    pub(super) fn get(&mut self, item: &T) {
        let now = Instant::now();
        self.depth = self.depth.saturating_sub(1);
        if let Some(i) = &self.instruments {
            i.depth.dec();
        }
        self.processing_start_times.insert(item.clone(), now);
        if let Some(start) = self.add_times.remove(item) {
            let waited = now.saturating_duration_since(start);
            self.latency.observe(waited);
            if let Some(i) = &self.instruments {
                i.latency.observe(waited.as_secs_f64());
            }
        }
    }

    pub(super) fn done(&mut self, item: &T) {
        if let Some(start) = self.processing_start_times.remove(item) {
            let worked = Instant::now().saturating_duration_since(start);
            self.work_duration.observe(worked);
            if let Some(i) = &self.instruments {
                i.work_duration.observe(worked.as_secs_f64());
            }
        }
    }

    pub(super) fn retry(&mut self) {
        self.retries_total = self.retries_total.saturating_add(1);
        if let Some(i) = &self.instruments {
            i.retries.inc();
        }
    }

    fn unfinished(&self) -> (Duration, Duration) {
        let now = Instant::now();
        self.processing_start_times
            .values()
            .map(|start| now.saturating_duration_since(*start))
            .fold((Duration::ZERO, Duration::ZERO), |(total, oldest), age| {
                (total.saturating_add(age), oldest.max(age))
            })
    }

    /// Pushes the in-progress gauges to the provider; called periodically
    /// because those values change with time rather than with events.
    pub(super) fn update_unfinished_work(&self) {
        if let Some(i) = &self.instruments {
            let (total, oldest) = self.unfinished();
            i.unfinished.set(total.as_secs_f64());
            i.longest.set(oldest.as_secs_f64());
        }
    }

    pub(super) fn snapshot(&self) -> QueueMetricsSnapshot {
        let (unfinished_work, longest_running_processor) = self.unfinished();
        QueueMetricsSnapshot {
            name: self.name.clone(),
            depth: self.depth,
            adds_total: self.adds_total,
            queue_latency: self.latency,
            work_duration: self.work_duration,
            unfinished_work,
            longest_running_processor,
            retries_total: self.retries_total,
        }
    }
}
