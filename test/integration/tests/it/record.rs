//! Event recording against the server: repeated identical events on a ConfigMap end up as one
//! Event whose count is the number of repeats.

use std::sync::Arc;
use std::time::{Duration, Instant};

use client::cache::ListOptions;
use client::record::{ClientEventSink, EVENT_TYPE_NORMAL, EventBroadcaster, object_reference};
use client::rest::{Api, PostParams};
use k8s_openapi::api::core::v1::{ConfigMap, Event, EventSource};
use serde_json::json;

use crate::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_events_on_a_config_map_are_counted_on_one_event() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let cms = Api::<ConfigMap>::namespaced(cluster.client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "recorded"}, "data": {"k": "v"}}))?;
    let cm = cms.create(&PostParams::default(), &cm).await?;

    let broadcaster = EventBroadcaster::default();
    broadcaster.start_recording_to_sink(Arc::new(ClientEventSink::new(cluster.client.clone())));
    broadcaster.start_logging();
    let recorder = broadcaster.new_recorder(EventSource {
        component: Some("it-controller".into()),
        host: Some("it-host".into()),
    });
    let reference = object_reference(&cm);
    for _ in 0..3 {
        recorder.event(&reference, EVENT_TYPE_NORMAL, "Synced", "config map synced");
    }

    let events = Api::<Event>::namespaced(cluster.client.clone(), "default");
    let deadline = Instant::now() + Duration::from_secs(20);
    let event = loop {
        let list = events.list(&ListOptions::default()).await?;
        let ours: Vec<Event> = list
            .items
            .into_iter()
            .filter(|e| e.involved_object.name.as_deref() == Some("recorded"))
            .collect();
        if let [e] = ours.as_slice()
            && e.count == Some(3)
        {
            break e.clone();
        }
        assert!(ours.len() <= 1, "repeats were written as separate events: {ours:?}");
        assert!(Instant::now() < deadline, "no event with count 3: {ours:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(event.reason.as_deref(), Some("Synced"));
    assert_eq!(event.message.as_deref(), Some("config map synced"));
    assert_eq!(event.type_.as_deref(), Some("Normal"));
    assert_eq!(event.involved_object.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(event.involved_object.uid, cm.metadata.uid);
    assert_eq!(event.source.as_ref().and_then(|s| s.component.as_deref()), Some("it-controller"));
    assert!(event.metadata.name.as_deref().is_some_and(|n| n.starts_with("recorded.")));
    assert!(event.first_timestamp.is_some() && event.last_timestamp.is_some());

    broadcaster.shutdown().await;
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_v1_repeats_become_a_series_on_one_event() -> anyhow::Result<()> {
    use client::record::events::{ClientEventsV1Sink, EventsV1Broadcaster};
    use k8s_openapi::api::events::v1::Event as V1Event;

    let cluster = Cluster::start().await?;
    let cms = Api::<ConfigMap>::namespaced(cluster.client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "series"}, "data": {"k": "v"}}))?;
    let cm = cms.create(&PostParams::default(), &cm).await?;

    let broadcaster =
        EventsV1Broadcaster::new(Arc::new(ClientEventsV1Sink::new(cluster.client.clone())));
    let stop = client::leaderelection::CancellationToken::new();
    broadcaster.start_recording_to_sink(&stop)?;
    let recorder = broadcaster.new_recorder("it-controller", "it-controller-host");
    let reference = object_reference(&cm);
    let events = Api::<V1Event>::namespaced(cluster.client.clone(), "default");
    let ours = || async {
        let list = events.list(&ListOptions::default()).await?;
        anyhow::Ok(
            list.items
                .into_iter()
                .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("series"))
                .collect::<Vec<_>>(),
        )
    };
    let record =
        || recorder.eventf(&reference, None, EVENT_TYPE_NORMAL, "Synced", "Sync", "synced");
    // Wait for the first write before repeating, so the repeat patches it.
    record();
    let deadline = Instant::now() + Duration::from_secs(20);
    while ours().await?.is_empty() {
        assert!(Instant::now() < deadline, "the first event was not written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    record();
    let event = loop {
        let found = ours().await?;
        assert_eq!(found.len(), 1, "a repeat was written as a new event: {found:?}");
        if found[0].series.as_ref().map(|s| s.count) == Some(2) {
            break found[0].clone();
        }
        assert!(Instant::now() < deadline, "no series of 2: {found:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(event.reporting_controller.as_deref(), Some("it-controller"));
    assert_eq!(event.action.as_deref(), Some("Sync"));
    assert_eq!(event.note.as_deref(), Some("synced"));

    broadcaster.shutdown().await;
    cluster.stop().await;
    Ok(())
}
