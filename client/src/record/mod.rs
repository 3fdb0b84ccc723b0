//! Event recording (client-go's `tools/record`): an [`EventRecorder`] turns "this happened to
//! that object" into a core/v1 Event and hands it to an [`EventBroadcaster`], which fans it out
//! to watchers: a sink that writes it to the API server through an [`EventCorrelator`], a
//! logger, or any handler.
//!
//! **Boundary:** recording never blocks and never fails the caller: when a watcher's queue is
//! full the event is dropped and logged.

mod correlator;
pub mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::{Metadata, Resource};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub(crate) use correlator::wall_now;
pub use correlator::{
    AggregatorKeyFunc, AggregatorMessageFunc, Clock, CorrelateResult, CorrelatorOptions,
    DEFAULT_AGGREGATE_INTERVAL, DEFAULT_AGGREGATE_MAX_EVENTS, DEFAULT_SPAM_BURST, DEFAULT_SPAM_QPS,
    EventCorrelator, MAX_LRU_CACHE_ENTRIES, RealClock, SpamKeyFunc, aggregator_by_reason,
    aggregator_by_reason_message, event_key, spam_key,
};

use crate::cache::BoxFuture;
use crate::rest::{Api, Client, Error, Patch, PatchParams, PostParams};

/// The type of an event about normal operation.
pub const EVENT_TYPE_NORMAL: &str = "Normal";
/// The type of an event about something that may need attention.
pub const EVENT_TYPE_WARNING: &str = "Warning";

/// How many times a sink write is attempted before the event is given up.
pub const MAX_TRIES_PER_EVENT: usize = 12;
/// The default pause between sink write attempts.
pub const DEFAULT_SLEEP_DURATION: Duration = Duration::from_secs(10);
/// Events queued per watcher before new ones are dropped.
pub const MAX_QUEUED_EVENTS: usize = 1000;

/// Where recorded events are written.
pub trait EventSink: Send + Sync {
    /// Creates `event`.
    fn create<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Event, Error>>;
    /// Applies the strategic merge patch `patch` to the stored `event` (named by its
    /// namespace and name).
    fn patch<'a>(
        &'a self,
        event: &'a Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Event, Error>>;
}

/// Writes events to the API server in each event's own namespace.
#[derive(Debug, Clone)]
pub struct ClientEventSink {
    client: Client,
}

impl ClientEventSink {
    /// A sink writing through `client`.
    pub fn new(client: Client) -> Self {
        ClientEventSink { client }
    }

    fn api(&self, event: &Event) -> Api<Event> {
        match event.metadata.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => Api::namespaced(self.client.clone(), ns),
            _ => Api::all(self.client.clone()),
        }
    }
}

impl EventSink for ClientEventSink {
    fn create<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(async move { self.api(event).create(&PostParams::default(), event).await })
    }

    fn patch<'a>(
        &'a self,
        event: &'a Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(async move {
            let name = event.metadata.name.as_deref().unwrap_or_default();
            self.api(event).patch(name, &PatchParams::default(), &Patch::Strategic(patch)).await
        })
    }
}

/// A reference to `obj` as events name it (client-go's `reference.GetReference`).
pub fn object_reference<K>(obj: &K) -> ObjectReference
where
    K: Resource + Metadata<Ty = ObjectMeta>,
{
    let meta = obj.metadata();
    ObjectReference {
        api_version: Some(K::API_VERSION.to_string()),
        kind: Some(K::KIND.to_string()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

/// The name of a new event about `object_name` recorded at `unix_nanos`: `<name>.<hex nanos>`,
/// or a random UUID when that would not be a valid object name.
pub fn generate_event_name(object_name: &str, unix_nanos: i128) -> String {
    let name = format!("{object_name}.{unix_nanos:x}");
    if apimachinery::validation::name_is_dns_subdomain(&name, false).is_empty() {
        return name;
    }
    let (a, b) = (fastrand::u64(..), fastrand::u64(..));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// How a broadcaster writes to sinks.
#[derive(Debug, Clone)]
pub struct BroadcasterOptions {
    /// The correlator of each sink.
    pub correlator: CorrelatorOptions,
    /// The pause between failed sink writes (the first one is a random fraction of it).
    pub sleep_duration: Duration,
}

impl Default for BroadcasterOptions {
    fn default() -> Self {
        BroadcasterOptions {
            correlator: CorrelatorOptions::default(),
            sleep_duration: DEFAULT_SLEEP_DURATION,
        }
    }
}

struct Shared {
    watchers: Mutex<Vec<mpsc::Sender<Event>>>,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    options: BroadcasterOptions,
}

impl Shared {
    fn publish(&self, event: Event) {
        let watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
        for w in watchers.iter() {
            if w.try_send(event.clone()).is_err() && !w.is_closed() {
                tracing::error!(
                    event = ?event.metadata.name,
                    "Unable to record event: too many queued events, dropped event"
                );
            }
        }
    }
}

/// Fans recorded events out to watchers (a sink, a logger, handlers), each on its own task.
#[derive(Clone)]
pub struct EventBroadcaster {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventBroadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBroadcaster").finish_non_exhaustive()
    }
}

impl Default for EventBroadcaster {
    fn default() -> Self {
        Self::new(BroadcasterOptions::default())
    }
}

impl EventBroadcaster {
    /// A broadcaster with no watchers yet.
    pub fn new(options: BroadcasterOptions) -> Self {
        EventBroadcaster {
            shared: Arc::new(Shared {
                watchers: Mutex::new(Vec::new()),
                stop: CancellationToken::new(),
                tasks: Mutex::new(Vec::new()),
                options,
            }),
        }
    }

    fn spawn_watcher<F, Fut>(&self, mut handler: F) -> CancellationToken
    where
        F: FnMut(Event) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel(MAX_QUEUED_EVENTS);
        let stop = self.shared.stop.child_token();
        if !self.shared.stop.is_cancelled() {
            self.shared.watchers.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        }
        let token = stop.clone();
        let task = tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    biased;
                    _ = token.cancelled() => return,
                    e = rx.recv() => match e {
                        Some(e) => e,
                        None => return,
                    },
                };
                tokio::select! {
                    biased;
                    _ = token.cancelled() => return,
                    _ = handler(event) => {}
                }
            }
        });
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
        stop
    }

    /// Calls `handler` with every event recorded from now on. Cancel the returned token to
    /// stop this watcher alone.
    pub fn start_event_watcher(
        &self,
        mut handler: impl FnMut(&Event) + Send + 'static,
    ) -> CancellationToken {
        self.spawn_watcher(move |e| {
            handler(&e);
            std::future::ready(())
        })
    }

    /// Writes every event recorded from now on to `sink`, through a correlator of its own.
    pub fn start_recording_to_sink(&self, sink: Arc<dyn EventSink>) -> CancellationToken {
        let correlator = Arc::new(tokio::sync::Mutex::new(EventCorrelator::new(
            self.shared.options.correlator.clone(),
        )));
        let sleep = self.shared.options.sleep_duration;
        let stop = self.shared.stop.clone();
        self.spawn_watcher(move |event| {
            let (sink, correlator, stop) = (sink.clone(), correlator.clone(), stop.clone());
            async move {
                let mut correlator = correlator.lock().await;
                record_to_sink(sink.as_ref(), &mut correlator, &event, sleep, &stop).await;
            }
        })
    }

    /// Logs every event recorded from now on at info level.
    pub fn start_logging(&self) -> CancellationToken {
        self.start_event_watcher(|e| {
            tracing::info!(
                "Event({:?}): type: '{}' reason: '{}' {}",
                e.involved_object,
                e.type_.as_deref().unwrap_or_default(),
                e.reason.as_deref().unwrap_or_default(),
                e.message.as_deref().unwrap_or_default()
            );
        })
    }

    /// A recorder whose events carry `source` (component and host).
    pub fn new_recorder(&self, source: EventSource) -> EventRecorder {
        EventRecorder {
            shared: self.shared.clone(),
            source,
            clock: self.shared.options.correlator.clock.clone(),
        }
    }

    /// Stops every watcher, abandoning queued events and pending retries, and waits for their
    /// tasks to end. Events recorded afterwards are dropped.
    pub async fn shutdown(&self) {
        self.shared.stop.cancel();
        self.shared.watchers.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let tasks =
            std::mem::take(&mut *self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }
}

/// Correlates `event` and writes the result, retrying transport failures.
async fn record_to_sink(
    sink: &dyn EventSink,
    correlator: &mut EventCorrelator,
    event: &Event,
    sleep: Duration,
    stop: &CancellationToken,
) {
    let result = correlator.correlate(event);
    if result.skip {
        return;
    }
    let CorrelateResult { mut event, patch, .. } = result;
    let update = event.count.unwrap_or(0) > 1;
    let mut tries = 0;
    loop {
        if record_event(sink, &mut event, patch.as_ref(), update, correlator).await {
            return;
        }
        tries += 1;
        if tries >= MAX_TRIES_PER_EVENT {
            tracing::error!(event = ?event.metadata.name, "Unable to write event (retry limit exceeded!)");
            return;
        }
        let delay = if tries == 1 { sleep.mul_f64(fastrand::f64()) } else { sleep };
        tokio::select! {
            _ = stop.cancelled() => {
                tracing::error!(event = ?event.metadata.name, "Unable to write event (broadcaster is shut down)");
                return;
            }
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// One write attempt; true when done (written, or failed in a way retrying cannot fix).
async fn record_event(
    sink: &dyn EventSink,
    event: &mut Event,
    patch: Option<&Value>,
    update: bool,
    correlator: &mut EventCorrelator,
) -> bool {
    let mut result = None;
    if update && let Some(p) = patch {
        result = Some(sink.patch(event, p).await);
    }
    let create = match &result {
        None => true,
        Some(Err(e)) => e.is_not_found(),
        Some(Ok(_)) => false,
    };
    if create {
        event.metadata.resource_version = None;
        result = Some(sink.create(event).await);
    }
    let name = event.metadata.name.clone();
    match result {
        Some(Ok(stored)) => {
            correlator.update_state(&stored);
            true
        }
        Some(Err(Error::Api(e))) => {
            if e.reason() == apimachinery::errors::StatusReason::AlreadyExists
                || apimachinery::errors::has_status_cause(&e, "NamespaceTerminating")
            {
                tracing::debug!(event = ?name, error = %e, "Server rejected event (will not retry!)");
            } else {
                tracing::error!(event = ?name, error = %e, "Server rejected event (will not retry!)");
            }
            true
        }
        Some(Err(e @ (Error::Request(_) | Error::Encode(_) | Error::Config(_)))) => {
            tracing::error!(event = ?name, error = %e, "Unable to construct event (will not retry!)");
            true
        }
        Some(Err(e)) => {
            tracing::error!(event = ?name, error = %e, "Unable to write event (may retry after sleeping)");
            false
        }
        None => true,
    }
}

/// Records events about objects on behalf of one source (component and host).
#[derive(Clone)]
pub struct EventRecorder {
    shared: Arc<Shared>,
    source: EventSource,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder").field("source", &self.source).finish_non_exhaustive()
    }
}

impl EventRecorder {
    /// Records that `reason` (a short UpperCamelCase word) happened to `object`; `type_` is
    /// [`EVENT_TYPE_NORMAL`] or [`EVENT_TYPE_WARNING`] (others are logged and dropped).
    pub fn event(&self, object: &ObjectReference, type_: &str, reason: &str, message: &str) {
        self.generate(object, None, type_, reason, message);
    }

    /// [`EventRecorder::event`] with a formatted message (`format_args!`).
    pub fn eventf(
        &self,
        object: &ObjectReference,
        type_: &str,
        reason: &str,
        args: std::fmt::Arguments<'_>,
    ) {
        self.generate(object, None, type_, reason, &args.to_string());
    }

    /// [`EventRecorder::event`] with annotations on the Event object.
    pub fn annotated_event(
        &self,
        object: &ObjectReference,
        annotations: BTreeMap<String, String>,
        type_: &str,
        reason: &str,
        message: &str,
    ) {
        self.generate(object, Some(annotations), type_, reason, message);
    }

    fn generate(
        &self,
        object: &ObjectReference,
        annotations: Option<BTreeMap<String, String>>,
        type_: &str,
        reason: &str,
        message: &str,
    ) {
        if type_ != EVENT_TYPE_NORMAL && type_ != EVENT_TYPE_WARNING {
            tracing::error!(event_type = type_, "Unsupported event type");
            return;
        }
        let event = self.make_event(object, annotations, type_, reason, message);
        self.shared.publish(event);
    }

    fn make_event(
        &self,
        object: &ObjectReference,
        annotations: Option<BTreeMap<String, String>>,
        type_: &str,
        reason: &str,
        message: &str,
    ) -> Event {
        let now = self.clock.now();
        let namespace = match object.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns.to_string(),
            _ => "default".to_string(),
        };
        let name =
            generate_event_name(object.name.as_deref().unwrap_or_default(), now.as_nanosecond());
        Event {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(namespace),
                annotations,
                ..Default::default()
            },
            involved_object: object.clone(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            count: Some(1),
            type_: Some(type_.to_string()),
            source: Some(self.source.clone()),
            reporting_component: Some(self.source.component.clone().unwrap_or_default()),
            reporting_instance: Some(self.source.host.clone().unwrap_or_default()),
            ..Default::default()
        }
    }
}
