//! Tests of the event correlator (aggregation, repeat counting, spam filtering) and of the
//! broadcaster writing to an in-memory sink.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupResource;
use k8s_openapi::api::core::v1::{ConfigMap, Event, EventSource, ObjectReference};
use k8s_openapi::api::events::v1::Event as V1Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::cache::BoxFuture;
use crate::rest::Error;

struct FakeClock(Mutex<Timestamp>);

impl FakeClock {
    fn new() -> Arc<Self> {
        Arc::new(FakeClock(Mutex::new(Timestamp::new(1_700_000_000, 0).unwrap())))
    }

    fn advance(&self, d: Duration) {
        let mut t = self.0.lock().unwrap();
        *t = t.checked_add(d).unwrap();
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

fn pod_ref() -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Pod".into()),
        name: Some("web-0".into()),
        namespace: Some("prod".into()),
        uid: Some("uid-1".into()),
        ..Default::default()
    }
}

fn event(reason: &str, message: &str) -> Event {
    Event {
        metadata: ObjectMeta {
            name: Some(format!("web-0.{}", fastrand::u32(..))),
            namespace: Some("prod".into()),
            ..Default::default()
        },
        involved_object: pod_ref(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        type_: Some(EVENT_TYPE_NORMAL.into()),
        count: Some(1),
        first_timestamp: Some(Time(Timestamp::new(1_700_000_000, 0).unwrap())),
        last_timestamp: Some(Time(Timestamp::new(1_700_000_000, 0).unwrap())),
        source: Some(EventSource {
            component: Some("kubelet".into()),
            host: Some("node-1".into()),
        }),
        ..Default::default()
    }
}

fn correlator(clock: &Arc<FakeClock>) -> EventCorrelator {
    EventCorrelator::new(CorrelatorOptions { clock: clock.clone(), ..Default::default() })
}

#[test]
fn identical_events_become_one_with_a_rising_count() {
    let clock = FakeClock::new();
    let mut c = correlator(&clock);
    let first = c.correlate(&event("Pulled", "image pulled"));
    assert!(!first.skip);
    assert_eq!(first.patch, None);
    assert_eq!(first.event.count, Some(1));
    let name = first.event.metadata.name.clone();

    clock.advance(Duration::from_secs(3));
    let second = c.correlate(&event("Pulled", "image pulled"));
    assert_eq!(second.event.metadata.name, name, "a repeat keeps the first event's name");
    assert_eq!(second.event.count, Some(2));
    let patch = second.patch.expect("a repeat is written as a patch");
    assert_eq!(patch["count"], json!(2));
    assert_eq!(patch["message"], json!("image pulled"));
    assert!(patch.get("lastTimestamp").is_some());

    // The server's copy (with its resourceVersion) is what the next repeat builds on.
    let mut stored = second.event.clone();
    stored.metadata.resource_version = Some("42".into());
    c.update_state(&stored);
    let third = c.correlate(&event("Pulled", "image pulled"));
    assert_eq!(third.event.count, Some(3));
    assert_eq!(third.event.metadata.resource_version.as_deref(), Some("42"));

    // A different message is a different event.
    let other = c.correlate(&event("Pulled", "another image pulled"));
    assert_eq!(other.event.count, Some(1));
    assert_eq!(other.patch, None);
}

#[test]
fn similar_events_are_combined_from_the_tenth_distinct_message() {
    let clock = FakeClock::new();
    let mut c = correlator(&clock);
    for i in 1..DEFAULT_AGGREGATE_MAX_EVENTS {
        let r = c.correlate(&event("BackOff", &format!("attempt {i}")));
        assert_eq!(r.event.message.as_deref(), Some(format!("attempt {i}").as_str()), "event {i}");
        assert_eq!(r.event.count, Some(1));
    }
    let tenth = c.correlate(&event("BackOff", "attempt 10"));
    assert_eq!(tenth.event.message.as_deref(), Some("(combined from similar events): attempt 10"));
    assert_eq!(tenth.event.count, Some(1));
    let eleventh = c.correlate(&event("BackOff", "attempt 11"));
    assert_eq!(
        eleventh.event.message.as_deref(),
        Some("(combined from similar events): attempt 11")
    );
    assert_eq!(eleventh.event.count, Some(2), "further messages fold into the combined event");
    assert_eq!(eleventh.event.metadata.name, tenth.event.metadata.name);
    assert!(eleventh.patch.is_some());

    // Another reason is aggregated separately.
    let other = c.correlate(&event("Failed", "attempt 12"));
    assert_eq!(other.event.message.as_deref(), Some("attempt 12"));
}

#[test]
fn aggregation_restarts_after_the_interval() {
    let clock = FakeClock::new();
    let mut c = correlator(&clock);
    for i in 1..DEFAULT_AGGREGATE_MAX_EVENTS {
        c.correlate(&event("BackOff", &format!("attempt {i}")));
    }
    clock.advance(DEFAULT_AGGREGATE_INTERVAL + Duration::from_secs(1));
    let r = c.correlate(&event("BackOff", "attempt 10"));
    assert_eq!(r.event.message.as_deref(), Some("attempt 10"));
}

#[test]
fn spam_filter_drops_after_the_burst_and_refills_slowly() {
    let clock = FakeClock::new();
    let mut c = correlator(&clock);
    for i in 0..DEFAULT_SPAM_BURST {
        let r = c.correlate(&event("Pulled", "image pulled"));
        assert!(!r.skip, "event {i} of the burst was dropped");
    }
    assert!(c.correlate(&event("Pulled", "image pulled")).skip);
    // The key is source + object + type: another reason or message is dropped too.
    assert!(c.correlate(&event("Killing", "stopping")).skip);
    // Another object has its own bucket.
    let mut other = event("Pulled", "image pulled");
    other.involved_object.name = Some("web-1".into());
    assert!(!c.correlate(&other).skip);

    clock.advance(Duration::from_secs(299));
    assert!(c.correlate(&event("Pulled", "image pulled")).skip);
    clock.advance(Duration::from_secs(1));
    assert!(!c.correlate(&event("Pulled", "image pulled")).skip, "one token per five minutes");
    assert!(c.correlate(&event("Pulled", "image pulled")).skip);
}

#[test]
fn event_names_are_object_name_and_hex_nanoseconds() {
    assert_eq!(generate_event_name("web-0", 0x1234abcd), "web-0.1234abcd");
    let fallback = generate_event_name("Not_Valid", 1);
    assert_eq!(fallback.len(), 36, "{fallback}");
    assert!(apimachinery::validation::name_is_dns_subdomain(&fallback, false).is_empty());
}

#[test]
fn object_reference_names_kind_and_identity() {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("cfg".into()),
            namespace: Some("ns".into()),
            uid: Some("u".into()),
            resource_version: Some("7".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let r = object_reference(&cm);
    assert_eq!(r.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(r.api_version.as_deref(), Some("v1"));
    assert_eq!(r.name.as_deref(), Some("cfg"));
    assert_eq!(r.namespace.as_deref(), Some("ns"));
    assert_eq!(r.uid.as_deref(), Some("u"));
    assert_eq!(r.resource_version.as_deref(), Some("7"));
}

/// A sink keeping events by name; it can fail its first writes with a transport error.
#[derive(Default)]
struct FakeSink {
    events: Mutex<BTreeMap<String, Event>>,
    creates: Mutex<usize>,
    patches: Mutex<usize>,
    fail_first: Mutex<usize>,
}

impl FakeSink {
    fn failing(&self) -> Option<Error> {
        let mut n = self.fail_first.lock().unwrap();
        if *n == 0 {
            return None;
        }
        *n -= 1;
        Some(Error::Transport {
            op: "Post".into(),
            url: "https://server/api/v1/namespaces/prod/events".into(),
            source: "connection refused".into(),
        })
    }
}

impl EventSink for FakeSink {
    fn create<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(async move {
            if let Some(e) = self.failing() {
                return Err(e);
            }
            *self.creates.lock().unwrap() += 1;
            let mut stored = event.clone();
            stored.metadata.resource_version = Some("1".into());
            let name = stored.metadata.name.clone().unwrap_or_default();
            self.events.lock().unwrap().insert(name, stored.clone());
            Ok(stored)
        })
    }

    fn patch<'a>(
        &'a self,
        event: &'a Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Event, Error>> {
        Box::pin(async move {
            *self.patches.lock().unwrap() += 1;
            let name = event.metadata.name.clone().unwrap_or_default();
            let mut events = self.events.lock().unwrap();
            let Some(stored) = events.get_mut(&name) else {
                return Err(Error::Api(StatusError::new_not_found(
                    &GroupResource::new("", "events"),
                    &name,
                )));
            };
            let mut value = serde_json::to_value(&*stored).unwrap();
            for (k, v) in patch.as_object().unwrap() {
                value[k] = v.clone();
            }
            *stored = serde_json::from_value(value).unwrap();
            Ok(stored.clone())
        })
    }
}

async fn eventually(limit: Duration, what: &str, f: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn source() -> EventSource {
    EventSource { component: Some("test-controller".into()), host: Some("node-1".into()) }
}

#[tokio::test(start_paused = true)]
async fn broadcaster_writes_repeats_as_patches_of_one_event() {
    let broadcaster = EventBroadcaster::default();
    let sink = Arc::new(FakeSink::default());
    broadcaster.start_recording_to_sink(sink.clone());
    let logged = Arc::new(Mutex::new(Vec::new()));
    let l = logged.clone();
    broadcaster.start_event_watcher(move |e| l.lock().unwrap().push(e.reason.clone()));
    let recorder = broadcaster.new_recorder(source());
    for _ in 0..3 {
        recorder.event(&pod_ref(), EVENT_TYPE_WARNING, "BackOff", "restarting failed container");
    }
    eventually(Duration::from_secs(5), "three writes", || {
        *sink.creates.lock().unwrap() + *sink.patches.lock().unwrap() == 3
    })
    .await;
    assert_eq!(*sink.creates.lock().unwrap(), 1);
    let events = sink.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    let stored = events.values().next().unwrap();
    assert_eq!(stored.count, Some(3));
    assert_eq!(stored.type_.as_deref(), Some("Warning"));
    assert_eq!(stored.reporting_component.as_deref(), Some("test-controller"));
    assert_eq!(stored.metadata.namespace.as_deref(), Some("prod"));
    assert!(stored.metadata.name.as_deref().unwrap().starts_with("web-0."));
    eventually(Duration::from_secs(5), "the watcher", || logged.lock().unwrap().len() == 3).await;
    broadcaster.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn broadcaster_retries_transport_failures_and_drops_bad_types() {
    let broadcaster = EventBroadcaster::new(BroadcasterOptions {
        sleep_duration: Duration::from_secs(1),
        ..Default::default()
    });
    let sink = Arc::new(FakeSink::default());
    *sink.fail_first.lock().unwrap() = 2;
    broadcaster.start_recording_to_sink(sink.clone());
    let recorder = broadcaster.new_recorder(source());
    recorder.event(&pod_ref(), "Bogus", "Nope", "not a valid type");
    recorder.eventf(&pod_ref(), EVENT_TYPE_NORMAL, "Scaled", format_args!("to {} replicas", 3));
    eventually(Duration::from_secs(10), "the write", || *sink.creates.lock().unwrap() == 1).await;
    let events = sink.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events.values().next().unwrap().message.as_deref(), Some("to 3 replicas"));
    broadcaster.shutdown().await;
    // After shutdown, recording is a no-op.
    recorder.event(&pod_ref(), EVENT_TYPE_NORMAL, "Late", "ignored");
}

#[test]
fn recorder_defaults_the_namespace_of_cluster_scoped_objects() {
    let broadcaster = EventBroadcaster::default();
    let recorder = broadcaster.new_recorder(source());
    let node = ObjectReference {
        kind: Some("Node".into()),
        name: Some("node-1".into()),
        ..Default::default()
    };
    let e = recorder.make_event(&node, None, EVENT_TYPE_NORMAL, "Ready", "ready");
    assert_eq!(e.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(e.count, Some(1));
    assert_eq!(e.first_timestamp, e.last_timestamp);
    assert_eq!(e.reporting_instance.as_deref(), Some("node-1"));
}

/// An `events.k8s.io/v1` sink keeping events by name.
#[derive(Default)]
struct FakeV1Sink {
    events: Mutex<BTreeMap<String, V1Event>>,
    writes: Mutex<Vec<&'static str>>,
}

impl events::EventsV1Sink for FakeV1Sink {
    fn create<'a>(&'a self, event: &'a V1Event) -> BoxFuture<'a, Result<V1Event, Error>> {
        Box::pin(async move {
            self.writes.lock().unwrap().push("create");
            let name = event.metadata.name.clone().unwrap_or_default();
            self.events.lock().unwrap().insert(name, event.clone());
            Ok(event.clone())
        })
    }

    fn patch<'a>(
        &'a self,
        event: &'a V1Event,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<V1Event, Error>> {
        Box::pin(async move {
            self.writes.lock().unwrap().push("patch");
            let name = event.metadata.name.clone().unwrap_or_default();
            let mut all = self.events.lock().unwrap();
            let stored = all.get_mut(&name).expect("patched event exists");
            stored.series = Some(serde_json::from_value(patch["series"].clone()).unwrap());
            Ok(stored.clone())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn events_v1_repeats_become_a_series_finished_when_quiet() {
    let clock = FakeClock::new();
    let sink = Arc::new(FakeV1Sink::default());
    let broadcaster = events::EventsV1Broadcaster::with_options(
        sink.clone(),
        Duration::from_secs(1),
        clock.clone(),
    );
    let stop = tokio_util::sync::CancellationToken::new();
    broadcaster.start_recording_to_sink(&stop).unwrap();
    assert_eq!(
        broadcaster.start_recording_to_sink(&stop).unwrap_err().to_string(),
        "broadcaster is already recording to a sink"
    );
    let recorder = broadcaster.new_recorder("test-controller", "test-controller-node-1");
    let record =
        || recorder.eventf(&pod_ref(), None, EVENT_TYPE_NORMAL, "Scheduled", "Binding", "assigned");
    record();
    eventually(Duration::from_secs(5), "the create", || sink.writes.lock().unwrap().len() == 1)
        .await;
    record();
    eventually(Duration::from_secs(5), "the series patch", || {
        sink.writes.lock().unwrap().len() == 2
    })
    .await;
    record();
    // The third occurrence only bumps the cached series; nothing is written yet.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(*sink.writes.lock().unwrap(), vec!["create", "patch"]);
    let stored = sink.events.lock().unwrap().values().next().cloned().unwrap();
    assert_eq!(stored.series.as_ref().map(|s| s.count), Some(2));
    assert_eq!(stored.reporting_controller.as_deref(), Some("test-controller"));
    assert_eq!(stored.action.as_deref(), Some("Binding"));

    clock.advance(events::SERIES_FINISH_TIME + Duration::from_secs(1));
    broadcaster.finish_series().await;
    assert_eq!(*sink.writes.lock().unwrap(), vec!["create", "patch", "patch"]);
    let stored = sink.events.lock().unwrap().values().next().cloned().unwrap();
    assert_eq!(stored.series.as_ref().map(|s| s.count), Some(3));
    // Forgotten: the next occurrence starts a new event.
    record();
    eventually(Duration::from_secs(5), "a new event", || sink.writes.lock().unwrap().len() == 4)
        .await;
    assert_eq!(sink.writes.lock().unwrap()[3], "create");
    broadcaster.shutdown().await;
}
