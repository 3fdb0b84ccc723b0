//! Watch behaviour over HTTP: the event stream, resuming from a resourceVersion, selector
//! transitions, bookmarks and the end of initial events.

use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use super::{Server, configmap};

const CM: &str = "/api/v1/namespaces/default/configmaps";

/// An open watch stream decoding one JSON event per line.
struct Stream {
    body: http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>,
    buf: Vec<u8>,
}

impl Stream {
    async fn open(s: &Server, path: &str) -> Stream {
        let req = Request::builder().method("GET").uri(path).body(Full::new(Bytes::new())).unwrap();
        let resp =
            apiserver::endpoints::handle(s.api(), req, apiserver::authn::UserInfo::anonymous())
                .await;
        assert_eq!(resp.status(), 200);
        Stream { body: resp.into_body(), buf: Vec::new() }
    }

    async fn next(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return serde_json::from_slice(&line).unwrap();
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .expect("no event in time");
            match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                _ => panic!("watch ended"),
            }
        }
    }
}

#[tokio::test]
async fn test_watch_from_now_and_resume() {
    let s = Server::new().await;
    let r = s.post(CM, &configmap("a", json!({}))).await;
    let rv = r.body["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    // Without a resourceVersion the current state comes first as ADDED.
    let mut w = Stream::open(&s, &format!("{CM}?watch=true")).await;
    let e = w.next().await;
    assert_eq!(e["type"], "ADDED");
    assert_eq!(e["object"]["metadata"]["name"], "a");
    assert_eq!(e["object"]["kind"], "ConfigMap");
    s.post(CM, &configmap("b", json!({}))).await;
    let e = w.next().await;
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("b"))
    );
    s.put(&format!("{CM}/a"), &configmap("a", json!({"x": "1"}))).await;
    assert_eq!(w.next().await["type"], "MODIFIED");
    s.delete(&format!("{CM}/b")).await;
    let e = w.next().await;
    assert_eq!(e["type"], "DELETED");
    assert_eq!(e["object"]["metadata"]["name"], "b");

    // Resuming from the first create's revision replays everything after it.
    let mut w = Stream::open(
        &s,
        &format!("/api/v1/watch/namespaces/default/configmaps?resourceVersion={rv}"),
    )
    .await;
    let types: Vec<String> = [w.next().await, w.next().await, w.next().await]
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn test_watch_label_selector_transitions() {
    let s = Server::new().await;
    let mut w =
        Stream::open(&s, &format!("{CM}?watch=1&labelSelector=app%3Dx&resourceVersion=1")).await;
    let mut cm = configmap("t", json!({}));
    s.post(CM, &cm).await;
    cm["metadata"]["labels"] = json!({"app": "x"});
    s.put(&format!("{CM}/t"), &cm).await;
    let e = w.next().await;
    assert_eq!(e["type"], "ADDED", "an object that starts matching is ADDED");
    cm["metadata"]["labels"] = json!({"app": "y"});
    s.put(&format!("{CM}/t"), &cm).await;
    let e = w.next().await;
    assert_eq!(e["type"], "DELETED", "an object that stops matching is DELETED");
}

#[tokio::test]
async fn test_watch_send_initial_events_bookmark() {
    let s = Server::new().await;
    s.post(CM, &configmap("a", json!({}))).await;
    let mut w = Stream::open(
        &s,
        &format!("{CM}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"),
    )
    .await;
    assert_eq!(w.next().await["type"], "ADDED");
    let e = loop {
        let e = w.next().await;
        if e["object"]["metadata"]["annotations"].is_object() {
            break e;
        }
    };
    assert_eq!(e["type"], "BOOKMARK");
    assert_eq!(e["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
}
