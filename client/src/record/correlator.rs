//! The event correlator (client-go's `events_cache.go`): before an event is written it is
//! aggregated with similar ones, folded into an earlier identical one (a count bump sent as a
//! patch), and rate limited per source and object so one noisy object cannot flood the server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

/// How many keys each correlator cache keeps (client-go's `maxLruCacheEntries`).
pub const MAX_LRU_CACHE_ENTRIES: usize = 4096;
/// How many distinct messages for one aggregate key are written before they are combined.
pub const DEFAULT_AGGREGATE_MAX_EVENTS: usize = 10;
/// How long similar events stay grouped after the last one.
pub const DEFAULT_AGGREGATE_INTERVAL: Duration = Duration::from_secs(600);
/// Events allowed at once per source and object before the spam filter drops.
pub const DEFAULT_SPAM_BURST: u32 = 25;
/// The spam filter's refill rate: one event per five minutes.
pub const DEFAULT_SPAM_QPS: f64 = 1.0 / 300.0;

/// The time source of the correlator and recorder (injectable for tests).
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Timestamp {
        wall_now()
    }
}

/// The system time as a timestamp.
pub(crate) fn wall_now() -> Timestamp {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let nanos = i32::try_from(since.subsec_nanos()).unwrap_or(0);
    Timestamp::new(secs, nanos).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Splits an event into the key it aggregates under and the key that tells similar events apart.
pub type AggregatorKeyFunc = Arc<dyn Fn(&Event) -> (String, String) + Send + Sync>;
/// The message of an aggregated event.
pub type AggregatorMessageFunc = Arc<dyn Fn(&Event) -> String + Send + Sync>;
/// The key the spam filter rate limits under.
pub type SpamKeyFunc = Arc<dyn Fn(&Event) -> String + Send + Sync>;

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or("")
}

fn source_parts(e: &Event) -> (&str, &str) {
    e.source.as_ref().map(|src| (s(&src.component), s(&src.host))).unwrap_or(("", ""))
}

/// The key of identical events: source, object (with field path), type, reason and message.
pub fn event_key(e: &Event) -> String {
    let (component, host) = source_parts(e);
    let o = &e.involved_object;
    [
        component,
        host,
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.field_path),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
        s(&e.reason),
        s(&e.message),
    ]
    .concat()
}

/// The spam filter's key: source, object and type.
pub fn spam_key(e: &Event) -> String {
    let (component, host) = source_parts(e);
    let o = &e.involved_object;
    [
        component,
        host,
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
    ]
    .concat()
}

/// Groups events by source, object, type, reason and reporter; the message tells them apart.
pub fn aggregator_by_reason(e: &Event) -> (String, String) {
    let (component, host) = source_parts(e);
    let o = &e.involved_object;
    let key = [
        component,
        host,
        s(&o.kind),
        s(&o.namespace),
        s(&o.name),
        s(&o.uid),
        s(&o.api_version),
        s(&e.type_),
        s(&e.reason),
        s(&e.reporting_component),
        s(&e.reporting_instance),
    ]
    .concat();
    (key, s(&e.message).to_string())
}

/// The message of a combined event.
pub fn aggregator_by_reason_message(e: &Event) -> String {
    format!("(combined from similar events): {}", s(&e.message))
}

/// A string-keyed cache that forgets the least recently used key when full.
struct Lru<V> {
    cap: usize,
    tick: u64,
    map: HashMap<String, (V, u64)>,
    order: BTreeMap<u64, String>,
}

impl<V> Lru<V> {
    fn new(cap: usize) -> Self {
        Lru { cap: cap.max(1), tick: 0, map: HashMap::new(), order: BTreeMap::new() }
    }

    fn touch(&mut self, key: &str) {
        if let Some((_, t)) = self.map.get_mut(key) {
            self.order.remove(t);
            self.tick += 1;
            *t = self.tick;
            self.order.insert(self.tick, key.to_string());
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.touch(key);
        self.map.get_mut(key).map(|(v, _)| v)
    }

    fn insert(&mut self, key: String, value: V) {
        if let Some((_, t)) = self.map.remove(&key) {
            self.order.remove(&t);
        } else if self.map.len() >= self.cap
            && let Some((_, oldest)) = self.order.pop_first()
        {
            self.map.remove(&oldest);
        }
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.map.insert(key, (value, self.tick));
    }
}

/// A token bucket driven by the correlator's clock (never waits, only answers).
struct PassiveBucket {
    tokens: f64,
    burst: f64,
    qps: f64,
    last: Timestamp,
}

impl PassiveBucket {
    fn try_accept(&mut self, now: Timestamp) -> bool {
        let elapsed = (now.as_nanosecond() - self.last.as_nanosecond()).max(0) as f64 / 1e9;
        self.tokens = (self.tokens + elapsed * self.qps).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct SpamFilter {
    cache: Lru<PassiveBucket>,
    burst: u32,
    qps: f64,
    key: SpamKeyFunc,
}

impl SpamFilter {
    /// True when the event must be dropped.
    fn filter(&mut self, e: &Event, now: Timestamp) -> bool {
        let key = (self.key)(e);
        if self.cache.get_mut(&key).is_none() {
            let bucket = PassiveBucket {
                tokens: f64::from(self.burst),
                burst: f64::from(self.burst),
                qps: self.qps,
                last: now,
            };
            self.cache.insert(key.clone(), bucket);
        }
        match self.cache.get_mut(&key) {
            Some(b) => !b.try_accept(now),
            None => false,
        }
    }
}

struct AggregateRecord {
    local_keys: HashSet<String>,
    last: Timestamp,
}

struct Aggregator {
    cache: Lru<AggregateRecord>,
    key: AggregatorKeyFunc,
    message: AggregatorMessageFunc,
    max_events: usize,
    max_interval: Duration,
}

impl Aggregator {
    /// The event to write and the key its observations are cached under.
    fn aggregate(&mut self, e: &Event, now: Timestamp) -> (Event, String) {
        let (aggregate_key, local_key) = (self.key)(e);
        let max_interval = i128::try_from(self.max_interval.as_nanos()).unwrap_or(i128::MAX);
        let fresh = match self.cache.get_mut(&aggregate_key) {
            Some(r) => now.as_nanosecond() - r.last.as_nanosecond() > max_interval,
            None => true,
        };
        if fresh {
            self.cache.insert(
                aggregate_key.clone(),
                AggregateRecord { local_keys: HashSet::new(), last: now },
            );
        }
        let Some(record) = self.cache.get_mut(&aggregate_key) else {
            return (e.clone(), event_key(e));
        };
        record.local_keys.insert(local_key);
        record.last = now;
        if record.local_keys.len() < self.max_events {
            return (e.clone(), event_key(e));
        }
        // Keep the set one short of the limit so every further message is combined too.
        if let Some(any) = record.local_keys.iter().next().cloned() {
            record.local_keys.remove(&any);
        }
        let t = Time(now);
        let combined = Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{:x}", s(&e.involved_object.name), now.as_nanosecond())),
                namespace: e.metadata.namespace.clone(),
                ..Default::default()
            },
            count: Some(1),
            first_timestamp: Some(t.clone()),
            involved_object: e.involved_object.clone(),
            last_timestamp: Some(t),
            message: Some((self.message)(e)),
            type_: e.type_.clone(),
            reason: e.reason.clone(),
            source: e.source.clone(),
            ..Default::default()
        };
        (combined, aggregate_key)
    }
}

#[derive(Clone, Default)]
struct EventLog {
    count: i32,
    first_timestamp: Option<Time>,
    name: Option<String>,
    resource_version: Option<String>,
}

impl EventLog {
    fn of(e: &Event) -> Self {
        EventLog {
            count: e.count.unwrap_or(0),
            first_timestamp: e.first_timestamp.clone(),
            name: e.metadata.name.clone(),
            resource_version: e.metadata.resource_version.clone(),
        }
    }
}

/// The patch that turns the stored copy of a repeated event into `e`: the fields a repeat
/// changes (count, last timestamp, message).
fn repeat_patch(e: &Event) -> Value {
    let mut patch = json!({ "count": e.count.unwrap_or(0) });
    if let Some(t) = &e.last_timestamp {
        patch["lastTimestamp"] = serde_json::to_value(t).unwrap_or(Value::Null);
    }
    if let Some(m) = e.message.as_deref().filter(|m| !m.is_empty()) {
        patch["message"] = Value::String(m.to_string());
    }
    patch
}

/// Tuning of an [`EventCorrelator`]; the defaults are client-go's.
#[derive(Clone)]
pub struct CorrelatorOptions {
    /// Entries per cache.
    pub lru_cache_size: usize,
    /// Spam filter burst per key.
    pub burst_size: u32,
    /// Spam filter refill, events per second.
    pub qps: f64,
    /// Aggregation key function.
    pub key_func: AggregatorKeyFunc,
    /// The combined event's message.
    pub message_func: AggregatorMessageFunc,
    /// Distinct messages per aggregate key before combining.
    pub max_events: usize,
    /// How long an aggregate group lives after its last event.
    pub max_interval: Duration,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Spam filter key function.
    pub spam_key_func: SpamKeyFunc,
}

impl Default for CorrelatorOptions {
    fn default() -> Self {
        CorrelatorOptions {
            lru_cache_size: MAX_LRU_CACHE_ENTRIES,
            burst_size: DEFAULT_SPAM_BURST,
            qps: DEFAULT_SPAM_QPS,
            key_func: Arc::new(aggregator_by_reason),
            message_func: Arc::new(aggregator_by_reason_message),
            max_events: DEFAULT_AGGREGATE_MAX_EVENTS,
            max_interval: DEFAULT_AGGREGATE_INTERVAL,
            clock: Arc::new(RealClock),
            spam_key_func: Arc::new(spam_key),
        }
    }
}

impl std::fmt::Debug for CorrelatorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrelatorOptions")
            .field("lru_cache_size", &self.lru_cache_size)
            .field("burst_size", &self.burst_size)
            .field("qps", &self.qps)
            .field("max_events", &self.max_events)
            .field("max_interval", &self.max_interval)
            .finish_non_exhaustive()
    }
}

/// What to do with one event.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelateResult {
    /// The event to write (possibly combined, possibly a repeat with a higher count).
    pub event: Event,
    /// For a repeat, the strategic merge patch to apply to the stored event.
    pub patch: Option<Value>,
    /// The spam filter dropped the event: write nothing.
    pub skip: bool,
}

/// Aggregation, repeat counting and spam filtering of events bound for one sink.
pub struct EventCorrelator {
    clock: Arc<dyn Clock>,
    spam: SpamFilter,
    aggregator: Aggregator,
    logs: Lru<EventLog>,
}

impl std::fmt::Debug for EventCorrelator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventCorrelator").finish_non_exhaustive()
    }
}

impl Default for EventCorrelator {
    fn default() -> Self {
        Self::new(CorrelatorOptions::default())
    }
}

impl EventCorrelator {
    /// A correlator tuned by `options`.
    pub fn new(options: CorrelatorOptions) -> Self {
        EventCorrelator {
            clock: options.clock,
            spam: SpamFilter {
                cache: Lru::new(options.lru_cache_size),
                burst: options.burst_size,
                qps: options.qps,
                key: options.spam_key_func,
            },
            aggregator: Aggregator {
                cache: Lru::new(options.lru_cache_size),
                key: options.key_func,
                message: options.message_func,
                max_events: options.max_events,
                max_interval: options.max_interval,
            },
            logs: Lru::new(options.lru_cache_size),
        }
    }

    /// Decides how `event` is written.
    pub fn correlate(&mut self, event: &Event) -> CorrelateResult {
        let now = self.clock.now();
        let (mut event, key) = self.aggregator.aggregate(event, now);
        let mut patch = None;
        let last = self.logs.get_mut(&key).cloned().unwrap_or_default();
        if last.count > 0 {
            event.metadata.name = last.name;
            event.metadata.resource_version = last.resource_version;
            event.first_timestamp = last.first_timestamp;
            event.count = Some(last.count + 1);
            patch = Some(repeat_patch(&event));
        }
        self.logs.insert(key, EventLog::of(&event));
        let skip = self.spam.filter(&event, now);
        CorrelateResult { event, patch, skip }
    }

    /// Records what the server stored, so the next repeat patches the right object.
    pub fn update_state(&mut self, stored: &Event) {
        self.logs.insert(event_key(stored), EventLog::of(stored));
    }
}
