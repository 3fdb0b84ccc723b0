//! Tests of [`CompactApi`] against a scripted server: its lists and watches must give what the
//! typed [`Api`] gives, object for object and error kind for error kind.

use bytes::Bytes;
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;
use crate::rest::tests::Chunks;
use crate::rest::testserver::{TestServer, json, reply};

fn pod_value(name: &str, rv: &str) -> Value {
    json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": "d",
            "uid": format!("uid-{name}"),
            "resourceVersion": rv,
            "labels": {"app": "web"},
            "annotations": {"note": "a \"quoted\" } brace"},
            "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}}],
        },
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Pending"},
    })
}

/// The server's watch body: one event of each type, each on its own line.
fn events_body() -> String {
    let lines = [
        json!({"type": "ADDED", "object": pod_value("a", "5")}),
        json!({"type": "MODIFIED", "object": pod_value("a", "6")}),
        json!({"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"resourceVersion": "7",
                "annotations": {"k8s.io/initial-events-end": "true"}}}}),
        json!({"type": "DELETED", "object": pod_value("a", "8")}),
        json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": "too old resource version: 1 (8)",
            "reason": "Expired", "code": 410}}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The typed events a compact event must match: the same variant, the decoded object equal.
fn same_event(compact: &WatchEvent<Compact<Pod>>, typed: &WatchEvent<Pod>) -> bool {
    match (compact, typed) {
        (WatchEvent::Added(c), WatchEvent::Added(t))
        | (WatchEvent::Modified(c), WatchEvent::Modified(t))
        | (WatchEvent::Deleted(c), WatchEvent::Deleted(t)) => c.decode().ok().as_ref() == Some(t),
        (
            WatchEvent::Bookmark { resource_version: a, initial_events_end: x },
            WatchEvent::Bookmark { resource_version: b, initial_events_end: y },
        ) => a == b && x == y,
        (WatchEvent::Error(a), WatchEvent::Error(b)) => a == b,
        _ => false,
    }
}

async fn drain<T>(stream: &mut dyn WatchStream<T>) -> Vec<Result<WatchEvent<T>, ListWatchError>> {
    let mut out = Vec::new();
    while let Some(e) = stream.next().await {
        out.push(e);
    }
    out
}

#[tokio::test]
async fn compact_list_and_watch_match_the_typed_ones() {
    let body = events_body();
    let server = TestServer::start(move |r| {
        if r.uri.contains("watch=true") {
            reply(200, &[("content-type", "application/json")], body.clone())
        } else {
            json(
                200,
                &json!({"kind": "PodList", "apiVersion": "v1",
                    "metadata": {"resourceVersion": "12", "continue": "tok", "remainingItemCount": 3},
                    "items": [pod_value("a", "10"), pod_value("b", "11")]}),
            )
        }
    })
    .await;
    let api = Api::<Pod>::namespaced(server.unthrottled(), "d");
    let typed: &dyn ListerWatcher<Pod> = &api;
    let compact_api = api.compact();
    let compact: &dyn ListerWatcher<Compact<Pod>> = &compact_api;
    let opts = ListOptions { limit: 2, ..Default::default() };

    let want = typed.list(opts.clone()).await.expect("typed list");
    let got = compact.list(opts.clone()).await.expect("compact list");
    assert_eq!(
        (&got.resource_version, &got.continue_token, got.remaining_item_count),
        (&want.resource_version, &want.continue_token, want.remaining_item_count)
    );
    let decoded: Vec<Pod> = got.items.iter().map(|c| c.decode().expect("decode")).collect();
    assert_eq!(decoded, want.items);
    assert_eq!(
        got.items
            .iter()
            .map(|c| (c.namespace(), c.name(), c.resource_version(), c.uid()))
            .collect::<Vec<_>>(),
        [("d", "a", "10", "uid-a"), ("d", "b", "11", "uid-b")]
    );
    assert_eq!(got.items[0].label("app"), Some("web"));
    // The items are kept exactly as the server wrote them.
    assert_eq!(got.items[1].raw(), pod_value("b", "11").to_string().as_bytes());

    let watch_opts = ListOptions {
        resource_version: "12".into(),
        allow_watch_bookmarks: true,
        ..Default::default()
    };
    let mut typed_stream = typed.watch(watch_opts.clone()).await.expect("typed watch");
    let typed_events: Vec<WatchEvent<Pod>> =
        drain(typed_stream.as_mut()).await.into_iter().map(|e| e.expect("event")).collect();
    let mut compact_stream = compact.watch(watch_opts).await.expect("compact watch");
    let compact_events: Vec<WatchEvent<Compact<Pod>>> =
        drain(compact_stream.as_mut()).await.into_iter().map(|e| e.expect("event")).collect();
    assert_eq!(compact_events.len(), 5);
    assert_eq!(compact_events.len(), typed_events.len());
    for (c, t) in compact_events.iter().zip(&typed_events) {
        assert!(same_event(c, t), "{c:?} vs {t:?}");
    }

    // The same requests as the typed API.
    let seen: Vec<String> = server.seen().into_iter().map(|r| r.uri).collect();
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], "/api/v1/namespaces/d/pods?limit=2");
    assert_eq!(seen[2], seen[3]);
    assert_eq!(
        seen[2],
        "/api/v1/namespaces/d/pods?allowWatchBookmarks=true&resourceVersion=12&watch=true"
    );
}

/// Lists of one body through both APIs: both succeed or both fail with the same error kind.
#[tokio::test]
async fn bad_list_items_fail_as_in_the_typed_list() {
    let cases: Vec<(&str, Value, bool)> = vec![
        ("an item without metadata", json!([{"kind": "Pod", "apiVersion": "v1"}]), true),
        ("an empty item", json!([{}]), true),
        ("no items", Value::Null, true),
        ("an item that is not an object", json!([5]), false),
        ("a null item", json!([null]), false),
        ("an item of another kind", json!([{"kind": "Service", "metadata": {"name": "x"}}]), false),
        ("metadata that is not an object", json!([{"metadata": "x"}]), false),
        ("a name that is not a string", json!([{"metadata": {"name": 1}}]), false),
        ("labels that are not strings", json!([{"metadata": {"labels": {"a": 1}}}]), false),
    ];
    for (what, items, ok) in cases {
        let body = json!({"kind": "PodList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "3"}, "items": items});
        let server = TestServer::start(move |_| json(200, &body)).await;
        let api = Api::<Pod>::namespaced(server.unthrottled(), "d");
        let typed = ListerWatcher::<Pod>::list(&api, ListOptions::default()).await;
        let compact = ListerWatcher::list(&api.compact(), ListOptions::default()).await;
        assert_eq!(typed.is_ok(), ok, "{what}: typed {typed:?}");
        assert_eq!(compact.is_ok(), ok, "{what}: compact {compact:?}");
        match (typed, compact) {
            (Ok(t), Ok(c)) => {
                let decoded: Vec<Pod> = c.items.iter().map(|c| c.decode().expect(what)).collect();
                assert_eq!(decoded, t.items, "{what}");
                for (c, t) in c.items.iter().zip(&t.items) {
                    assert_eq!(c.name(), t.metadata.name.as_deref().unwrap_or(""), "{what}");
                }
            }
            (Err(ListWatchError::Transport(t)), Err(ListWatchError::Transport(c))) => {
                assert!(t.starts_with("failed to decode"), "{what}: {t}");
                assert!(c.starts_with("failed to decode"), "{what}: {c}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }

    // A truncated body and a failure Status are the typed list's errors too.
    let server = TestServer::start(|r| {
        if r.uri.contains("limit=1") {
            reply(200, &[("content-type", "application/json")], r#"{"kind":"PodList","items":[{"#)
        } else {
            json(
                410,
                &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "reason": "Expired", "code": 410, "message": "too old"}),
            )
        }
    })
    .await;
    let api = Api::<Pod>::namespaced(server.unthrottled(), "d");
    let truncated = ListOptions { limit: 1, ..Default::default() };
    let err = ListerWatcher::list(&api.compact(), truncated).await.expect_err("truncated");
    assert!(matches!(err, ListWatchError::Transport(ref m) if m.starts_with("failed to decode")));
    let err = ListerWatcher::list(&api.compact(), ListOptions::default()).await.expect_err("gone");
    assert!(err.is_gone(), "{err}");
    let err = api.compact().watch(&ListOptions::default()).await.expect_err("gone");
    assert!(err.is_gone(), "{err}");
}

fn streams_of(chunks: &[&[u8]]) -> (EventStream<Pod>, EventStream<Compact<Pod>>) {
    let body = || {
        let chunks = chunks.iter().map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        Chunks(chunks).boxed()
    };
    let typed = EventStream::<Pod>::from_body(body());
    let compact = EventStream::<Value>::from_body(body()).with_frames(compact_frames::<Pod>);
    (typed, compact)
}

async fn events_of<T>(mut stream: EventStream<T>) -> Vec<Result<WatchEvent<T>, ListWatchError>> {
    let mut out = Vec::new();
    while let Some(e) = stream.next().await {
        out.push(e.map_err(Into::into));
    }
    out
}

#[tokio::test]
async fn compact_watch_frames_decode_whatever_the_chunking() {
    let body = events_body();
    let bytes = body.as_bytes();
    let joined = body.replace('\n', "");
    let mut splits: Vec<Vec<&[u8]>> = vec![bytes.chunks(1).collect(), vec![joined.as_bytes()]];
    for i in (0..=bytes.len()).step_by(7) {
        splits.push(vec![&bytes[..i], &bytes[i..]]);
    }
    for chunks in splits {
        let (typed, compact) = streams_of(&chunks);
        let typed = events_of(typed).await;
        let compact = events_of(compact).await;
        assert_eq!(compact.len(), 5);
        for (c, t) in compact.iter().zip(&typed) {
            let (c, t) = (c.as_ref().expect("compact"), t.as_ref().expect("typed"));
            assert!(same_event(c, t), "{c:?} vs {t:?}");
        }
    }
}

/// A decoding error's message without serde_json's ` at line L column C`.
fn without_position(message: &str) -> &str {
    message.rfind(" at line ").map_or(message, |i| &message[..i])
}

#[tokio::test]
async fn malformed_watch_events_fail_as_in_the_typed_watch() {
    let added = json!({"type": "ADDED", "object": pod_value("a", "5")}).to_string();
    let cases: Vec<(&str, String)> = vec![
        ("a line that is not JSON", format!("{added}\nnot json\n{added}\n")),
        ("an unknown event type", format!("{added}\n{{\"type\":\"NOPE\",\"object\":{{}}}}\n")),
        ("an event without a type", format!("{added}\n{{\"object\":{{}}}}\n")),
        ("an event that is not an object", format!("{added}\n5\n{added}\n")),
        ("a type that is not a string", format!("{added}\n{{\"type\":1,\"object\":{{}}}}\n")),
        ("an ADDED event without an object", format!("{added}\n{{\"type\":\"ADDED\"}}\n")),
        (
            "an ADDED event of another kind",
            format!("{added}\n{{\"type\":\"ADDED\",\"object\":{{\"kind\":\"Service\"}}}}\n"),
        ),
        (
            "a MODIFIED event with a null object",
            format!("{added}\n{{\"type\":\"MODIFIED\",\"object\":null}}\n"),
        ),
        (
            "an ERROR event that is not a Status",
            format!("{added}\n{{\"type\":\"ERROR\",\"object\":{{\"code\":\"x\"}}}}\n"),
        ),
        ("a stream that ends inside an event", format!("{added}\n{{\"type\":\"ADD")),
    ];
    for (what, body) in cases {
        let (typed, compact) = streams_of(&[body.as_bytes()]);
        let typed = events_of(typed).await;
        let compact = events_of(compact).await;
        assert_eq!(compact.len(), 2, "{what}: {compact:?}");
        assert_eq!(typed.len(), 2, "{what}: {typed:?}");
        assert!(same_event(compact[0].as_ref().expect(what), typed[0].as_ref().expect(what)));
        match (&typed[1], &compact[1]) {
            (Err(ListWatchError::Transport(t)), Err(ListWatchError::Transport(c))) => {
                assert!(t.starts_with("failed to decode"), "{what}: {t}");
                // The compact path reads an event's object on its own, so positions may differ.
                assert_eq!(without_position(c), without_position(t), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}
