//! Event recording through the `events.k8s.io/v1` API (client-go's `tools/events`): repeats of
//! an event (same regarding/related objects, type, reason, action and reporter) become an
//! `EventSeries` on the first one instead of new objects; series are re-sent periodically while
//! active and forgotten once quiet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Clock, EVENT_TYPE_NORMAL, EVENT_TYPE_WARNING, MAX_QUEUED_EVENTS, MAX_TRIES_PER_EVENT};
use crate::cache::BoxFuture;
use crate::rest::{Api, Client, Error, Patch, PatchParams, PostParams};

/// How long a series (or a single event) stays cached after it was last seen.
pub const SERIES_FINISH_TIME: Duration = Duration::from_secs(6 * 60);
/// How often active series are re-sent so their objects do not expire on the server.
pub const SERIES_REFRESH_TIME: Duration = Duration::from_secs(30 * 60);
/// How many tasks write events concurrently.
pub const RECORD_WORKERS: usize = 8;

/// Where `events.k8s.io/v1` events are written.
pub trait EventsV1Sink: Send + Sync {
    /// Creates `event`.
    fn create<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Event, Error>>;
    /// Applies the strategic merge patch `patch` to the stored `event`.
    fn patch<'a>(
        &'a self,
        event: &'a Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Event, Error>>;
}

/// Writes `events.k8s.io/v1` events to the API server.
#[derive(Debug, Clone)]
pub struct ClientEventsV1Sink {
    client: Client,
}

impl ClientEventsV1Sink {
    /// A sink writing through `client`.
    pub fn new(client: Client) -> Self {
        ClientEventsV1Sink { client }
    }

    fn api(&self, event: &Event, verb: &str) -> Result<Api<Event>, Error> {
        match event.metadata.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => Ok(Api::namespaced(self.client.clone(), ns)),
            _ => Err(Error::Request(format!("can't {verb} an event with empty namespace"))),
        }
    }
}

impl EventsV1Sink for ClientEventsV1Sink {
    fn create<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(
            async move { self.api(event, "create")?.create(&PostParams::default(), event).await },
        )
    }

    fn patch<'a>(
        &'a self,
        event: &'a Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(async move {
            let name = event.metadata.name.as_deref().unwrap_or_default();
            self.api(event, "patch")?
                .patch(name, &PatchParams::default(), &Patch::Strategic(patch))
                .await
        })
    }
}

/// The identity of "the same event happening again".
fn series_key(e: &Event) -> String {
    let key = (
        &e.type_,
        &e.action,
        &e.reason,
        &e.reporting_controller,
        &e.reporting_instance,
        &e.regarding,
        &e.related,
    );
    serde_json::to_string(&key).unwrap_or_default()
}

struct Shared {
    sink: Arc<dyn EventsV1Sink>,
    clock: Arc<dyn Clock>,
    sleep_duration: Duration,
    cache: Mutex<HashMap<String, Event>>,
    queue: Mutex<Option<mpsc::Sender<Event>>>,
    logging: std::sync::atomic::AtomicBool,
    stop: Mutex<Option<CancellationToken>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// Folds `event` into the series cache and queues what must be written.
    fn observe(&self, event: Event) {
        if self.logging.load(std::sync::atomic::Ordering::Relaxed) {
            tracing::info!(
                object = ?event.regarding.as_ref().map(|r| (&r.namespace, &r.name)),
                kind = ?event.regarding.as_ref().and_then(|r| r.kind.as_deref()),
                r#type = event.type_.as_deref().unwrap_or_default(),
                reason = event.reason.as_deref().unwrap_or_default(),
                action = event.action.as_deref().unwrap_or_default(),
                note = event.note.as_deref().unwrap_or_default(),
                "Event occurred"
            );
        }
        let Some(queue) = self.queue.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
            return;
        };
        let to_write = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let key = series_key(&event);
            let now = MicroTime(self.clock.now());
            match cache.get_mut(&key) {
                Some(cached) => match &mut cached.series {
                    Some(series) => {
                        series.count += 1;
                        series.last_observed_time = now;
                        None
                    }
                    None => {
                        cached.series = Some(EventSeries { count: 2, last_observed_time: now });
                        Some(cached.clone())
                    }
                },
                None => {
                    cache.insert(key, event.clone());
                    Some(event)
                }
            }
        };
        if let Some(e) = to_write
            && queue.try_send(e).is_err()
        {
            tracing::error!("Unable to record event: too many queued events, dropped event");
        }
    }

    /// Re-sends every active series.
    async fn refresh_existing_series(&self) {
        let snapshots: Vec<(String, Event)> = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .iter()
                .filter(|(_, e)| e.series.is_some())
                .map(|(k, e)| (k.clone(), e.clone()))
                .collect()
        };
        for (key, snapshot) in snapshots {
            let (recorded, retry) = record_event(self.sink.as_ref(), snapshot.clone()).await;
            let Some(recorded) = recorded.filter(|_| !retry) else {
                continue;
            };
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.get(&key) == Some(&snapshot) {
                cache.insert(key, recorded);
            }
        }
    }

    /// Sends the final state of series quiet for [`SERIES_FINISH_TIME`] and forgets them (and
    /// single events as old).
    async fn finish_series(&self) {
        let now = self.clock.now();
        let limit = i128::try_from(SERIES_FINISH_TIME.as_nanos()).unwrap_or(i128::MAX);
        let old = |t: &MicroTime| now.as_nanosecond() - t.0.as_nanosecond() > limit;
        let snapshots: Vec<(String, Event, bool)> = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .iter()
                .filter_map(|(k, e)| match &e.series {
                    Some(s) if old(&s.last_observed_time) => Some((k.clone(), e.clone(), true)),
                    None if e.event_time.as_ref().is_some_and(old) => {
                        Some((k.clone(), e.clone(), false))
                    }
                    _ => None,
                })
                .collect()
        };
        for (key, snapshot, send) in snapshots {
            if send && record_event(self.sink.as_ref(), snapshot.clone()).await.1 {
                continue;
            }
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.get(&key) == Some(&snapshot) {
                cache.remove(&key);
            }
        }
    }
}

/// One write: patch the series onto the stored event (or create it); returns the stored event
/// and whether a retry could help.
async fn record_event(sink: &dyn EventsV1Sink, mut event: Event) -> (Option<Event>, bool) {
    let series = event.series.is_some();
    let mut result = None;
    if let Some(s) = &event.series {
        let patch = json!({ "series": s });
        result = Some(sink.patch(&event, &patch).await);
    }
    let create = match &result {
        None => true,
        Some(Err(e)) => e.is_not_found(),
        Some(Ok(_)) => false,
    };
    if create {
        event.metadata.resource_version = None;
        result = Some(sink.create(&event).await);
    }
    let name = event.metadata.name.clone();
    match result {
        Some(Ok(stored)) => (Some(stored), false),
        Some(Err(Error::Api(e))) => {
            if e.reason() == apimachinery::errors::StatusReason::AlreadyExists {
                if series {
                    return (None, true);
                }
                tracing::debug!(event = ?name, error = %e, "Server rejected event (will not retry!)");
            } else {
                tracing::error!(event = ?name, error = %e, "Server rejected event (will not retry!)");
            }
            (None, false)
        }
        Some(Err(e @ (Error::Request(_) | Error::Encode(_) | Error::Config(_)))) => {
            tracing::error!(event = ?name, error = %e, "Unable to construct event (will not retry!)");
            (None, false)
        }
        Some(Err(e)) => {
            tracing::error!(event = ?name, error = %e, "Unable to write event (may retry after sleeping)");
            (None, true)
        }
        None => (None, false),
    }
}

/// Writes `events.k8s.io/v1` events to one sink, folding repeats into series.
#[derive(Clone)]
pub struct EventsV1Broadcaster {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventsV1Broadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsV1Broadcaster").finish_non_exhaustive()
    }
}

/// Why recording could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("broadcaster is already recording to a sink")]
pub struct AlreadyRecording;

impl EventsV1Broadcaster {
    /// A broadcaster for `sink`; nothing is written until [`Self::start_recording_to_sink`].
    pub fn new(sink: Arc<dyn EventsV1Sink>) -> Self {
        Self::with_options(sink, super::DEFAULT_SLEEP_DURATION, Arc::new(super::RealClock))
    }

    /// A broadcaster with its retry pause (jittered by a quarter) and clock chosen.
    pub fn with_options(
        sink: Arc<dyn EventsV1Sink>,
        sleep_duration: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        EventsV1Broadcaster {
            shared: Arc::new(Shared {
                sink,
                clock,
                sleep_duration,
                cache: Mutex::new(HashMap::new()),
                queue: Mutex::new(None),
                logging: Default::default(),
                stop: Mutex::new(None),
                tasks: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Starts the writers and the periodic series refresh and finish, until `stop` or
    /// [`Self::shutdown`].
    pub fn start_recording_to_sink(
        &self,
        stop: &CancellationToken,
    ) -> Result<(), AlreadyRecording> {
        let mut slot = self.shared.stop.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return Err(AlreadyRecording);
        }
        let stop = stop.child_token();
        *slot = Some(stop.clone());
        let (tx, rx) = mpsc::channel::<Event>(MAX_QUEUED_EVENTS);
        *self.shared.queue.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..RECORD_WORKERS {
            let (rx, shared, stop) = (rx.clone(), self.shared.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let event = tokio::select! {
                        biased;
                        _ = stop.cancelled() => return,
                        e = async { rx.lock().await.recv().await } => match e {
                            Some(e) => e,
                            None => return,
                        },
                    };
                    attempt_recording(&shared, event, &stop).await;
                }
            }));
        }
        for (period, refresh) in [(SERIES_REFRESH_TIME, true), (SERIES_FINISH_TIME, false)] {
            let (shared, stop) = (self.shared.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let work = async {
                        if refresh {
                            shared.refresh_existing_series().await;
                        } else {
                            shared.finish_series().await;
                        }
                    };
                    tokio::select! {
                        biased;
                        _ = stop.cancelled() => return,
                        _ = work => {}
                    }
                    tokio::select! {
                        biased;
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(period) => {}
                    }
                }
            }));
        }
        Ok(())
    }

    /// Logs every event recorded from now on at info level.
    pub fn start_logging(&self) {
        self.shared.logging.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// A recorder reporting as `reporting_controller` (for example `kube-scheduler`) from
    /// `reporting_instance` (conventionally `<controller>-<hostname>`).
    pub fn new_recorder(
        &self,
        reporting_controller: impl Into<String>,
        reporting_instance: impl Into<String>,
    ) -> EventsV1Recorder {
        EventsV1Recorder {
            shared: self.shared.clone(),
            reporting_controller: reporting_controller.into(),
            reporting_instance: reporting_instance.into(),
        }
    }

    /// Sends final states of quiet series now (the periodic task does this every
    /// [`SERIES_FINISH_TIME`]).
    pub async fn finish_series(&self) {
        self.shared.finish_series().await;
    }

    /// Stops writing, abandoning queued events, and waits for the tasks to end.
    pub async fn shutdown(&self) {
        if let Some(stop) = self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            stop.cancel();
        }
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
        let tasks =
            std::mem::take(&mut *self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }
}

async fn attempt_recording(shared: &Shared, event: Event, stop: &CancellationToken) {
    let mut tries = 0;
    loop {
        if !record_event(shared.sink.as_ref(), event.clone()).await.1 {
            return;
        }
        tries += 1;
        if tries >= MAX_TRIES_PER_EVENT {
            tracing::error!(event = ?event.metadata.name, "Unable to write event (retry limit exceeded!)");
            return;
        }
        let delay = shared.sleep_duration + shared.sleep_duration.mul_f64(fastrand::f64() * 0.25);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Records `events.k8s.io/v1` events on behalf of one reporting controller and instance.
#[derive(Clone)]
pub struct EventsV1Recorder {
    shared: Arc<Shared>,
    reporting_controller: String,
    reporting_instance: String,
}

impl std::fmt::Debug for EventsV1Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsV1Recorder")
            .field("reporting_controller", &self.reporting_controller)
            .field("reporting_instance", &self.reporting_instance)
            .finish_non_exhaustive()
    }
}

impl EventsV1Recorder {
    /// Records that `action` was taken on `regarding` (and `related`, if any) for `reason`;
    /// `type_` is `Normal` or `Warning` (others are logged and dropped).
    pub fn eventf(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        type_: &str,
        reason: &str,
        action: &str,
        note: &str,
    ) {
        if type_ != EVENT_TYPE_NORMAL && type_ != EVENT_TYPE_WARNING {
            tracing::error!(event_type = type_, "Unsupported event type");
            return;
        }
        self.shared.observe(self.make_event(regarding, related, type_, reason, action, note));
    }

    fn make_event(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        type_: &str,
        reason: &str,
        action: &str,
        note: &str,
    ) -> Event {
        let now = self.shared.clock.now();
        let namespace = match regarding.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns.to_string(),
            _ => "default".to_string(),
        };
        Event {
            metadata: ObjectMeta {
                name: Some(super::generate_event_name(
                    regarding.name.as_deref().unwrap_or_default(),
                    now.as_nanosecond(),
                )),
                namespace: Some(namespace),
                ..Default::default()
            },
            event_time: Some(MicroTime(now)),
            reporting_controller: Some(self.reporting_controller.clone()),
            reporting_instance: Some(self.reporting_instance.clone()),
            action: Some(action.to_string()),
            reason: Some(reason.to_string()),
            regarding: Some(regarding.clone()),
            related: related.cloned(),
            note: Some(note.to_string()),
            type_: Some(type_.to_string()),
            ..Default::default()
        }
    }
}
