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
    // From a revision the watch cache holds (its window starts where it began).
    let rv = s.get(CM).await.body["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let mut w =
        Stream::open(&s, &format!("{CM}?watch=1&labelSelector=app%3Dx&resourceVersion={rv}")).await;
    let mut cm = configmap("t", json!({}));
    s.post(CM, &cm).await;
    cm["metadata"]["labels"] = json!({"app": "x"});
    s.put(&format!("{CM}/t"), &cm).await;
    let e = w.next().await;
    assert_eq!(e["type"], "ADDED", "an object that starts matching is ADDED: {e}");
    cm["metadata"]["labels"] = json!({"app": "y"});
    s.put(&format!("{CM}/t"), &cm).await;
    let e = w.next().await;
    assert_eq!(e["type"], "DELETED", "an object that stops matching is DELETED");
    // It shows the object as it last matched, at the revision of the change.
    assert_eq!(e["object"]["metadata"]["labels"]["app"], "x");
    let current = s.get(&format!("{CM}/t")).await;
    assert_eq!(
        e["object"]["metadata"]["resourceVersion"],
        current.body["metadata"]["resourceVersion"]
    );
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

const PODS: &str = "/api/v1/pods";

fn pod(name: &str, node: &str) -> Value {
    json!({"metadata": {"name": name}, "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]}})
}

fn pods_in(namespace: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/pods")
}

/// The `namespace/name` of every item of a list.
fn listed(r: &super::Reply) -> Vec<String> {
    assert_eq!(r.code, 200, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["metadata"]["namespace"].as_str().unwrap(),
                p["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// The type and `namespace/name` of a watch event.
fn seen(e: &Value) -> (String, String) {
    let meta = &e["object"]["metadata"];
    (
        e["type"].as_str().unwrap().to_string(),
        format!("{}/{}", meta["namespace"].as_str().unwrap(), meta["name"].as_str().unwrap()),
    )
}

/// Reads as many events as `want` names, checks their types and pods, and returns them.
async fn expect(w: &mut Stream, want: &[(&str, &str)]) -> Vec<Value> {
    let mut events = Vec::new();
    for _ in want {
        events.push(w.next().await);
    }
    let got: Vec<(String, String)> = events.iter().map(seen).collect();
    let want: Vec<(String, String)> =
        want.iter().map(|(t, n)| (t.to_string(), n.to_string())).collect();
    assert_eq!(got, want);
    events
}

/// Rewrites a pod's node the way only the server can (pods' spec.nodeName is immutable through
/// the API once set), to move it between nodes.
async fn move_pod(s: &Server, namespace: &str, name: &str, node: &'static str) -> Value {
    let store = s.api().registry.store("", "pods").unwrap();
    let to_node = move |old: Option<&Value>| {
        let mut pod = old.cloned().unwrap();
        pod["spec"]["nodeName"] = json!(node);
        Ok::<_, apimachinery::errors::StatusError>(pod)
    };
    let options = apiserver::registry::WriteOptions::default();
    store.update_unchecked_in(namespace, name, &to_node, &options).await.unwrap().0
}

/// What kubelets do (upstream's pod `NodeNameTriggerFunc`/`NodeNameIndexFunc` serve it): list and
/// watch pods with `fieldSelector=spec.nodeName=<node>`. Lists return exactly the node's pods
/// (paged too), watches start with them, skip other nodes' traffic, and see a pod arriving on
/// the node (bound, or moved) as ADDED and one leaving as DELETED.
#[tokio::test]
async fn test_pods_by_node_name_list_and_watch() {
    let s = Server::new().await;
    for (namespace, name, node) in [
        ("default", "a1", "node-a"),
        ("kube-system", "a2", "node-a"),
        ("default", "b1", "node-b"),
        ("default", "free", ""),
    ] {
        let r = s.post(&pods_in(namespace), &pod(name, node)).await;
        assert_eq!(r.code, 201, "{:?}", r.body);
    }
    let on_a = "fieldSelector=spec.nodeName%3Dnode-a";
    let server = &s;
    let list = |query: String| async move { listed(&server.get(&format!("{PODS}?{query}")).await) };
    assert_eq!(list(on_a.into()).await, ["default/a1", "kube-system/a2"]);
    assert_eq!(list(format!("{on_a}&resourceVersion=0")).await, ["default/a1", "kube-system/a2"]);
    assert_eq!(listed(&s.get(&format!("{}?{on_a}", pods_in("default"))).await), ["default/a1"]);
    assert_eq!(list("fieldSelector=spec.nodeName%3D".into()).await, ["default/free"]);
    assert_eq!(
        list("fieldSelector=spec.nodeName!%3Dnode-a".into()).await,
        ["default/b1", "default/free"]
    );
    assert_eq!(list(format!("{on_a},metadata.name%3Da2")).await, ["kube-system/a2"]);
    assert!(list("fieldSelector=spec.nodeName%3Dnode-z".into()).await.is_empty());
    // Paged: the limit counts selected pods, and the next page continues after them.
    let first = s.get(&format!("{PODS}?{on_a}&limit=1")).await;
    assert_eq!(listed(&first), ["default/a1"]);
    let token = first.body["metadata"]["continue"].as_str().expect("a continue token");
    let next = s.get(&format!("{PODS}?{on_a}&limit=1&continue={token}")).await;
    assert_eq!(listed(&next), ["kube-system/a2"]);
    assert!(next.body["metadata"]["continue"].as_str().unwrap_or("").is_empty());

    let watch = |selector: &str| format!("{PODS}?watch=1&fieldSelector={selector}");
    let mut wa = Stream::open(&s, &watch("spec.nodeName%3Dnode-a")).await;
    expect(&mut wa, &[("ADDED", "default/a1"), ("ADDED", "kube-system/a2")]).await;
    let mut wb = Stream::open(&s, &watch("spec.nodeName%3Dnode-b")).await;
    expect(&mut wb, &[("ADDED", "default/b1")]).await;
    let mut unscheduled = Stream::open(&s, &watch("spec.nodeName%3D")).await;
    expect(&mut unscheduled, &[("ADDED", "default/free")]).await;

    assert_eq!(s.post(&pods_in("default"), &pod("b2", "node-b")).await.code, 201);
    let binding =
        json!({"metadata": {"name": "free"}, "target": {"kind": "Node", "name": "node-a"}});
    let r = s.post(&format!("{}/free/binding", pods_in("default")), &binding).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    move_pod(&s, "default", "b1", "node-a").await;
    let moved = move_pod(&s, "default", "a1", "node-b").await;
    assert_eq!(s.post(&pods_in("default"), &pod("a3", "node-a")).await.code, 201);
    let got = expect(
        &mut wa,
        &[
            ("ADDED", "default/free"),
            ("ADDED", "default/b1"),
            ("DELETED", "default/a1"),
            ("ADDED", "default/a3"),
        ],
    )
    .await;
    assert_eq!(got[0]["object"]["spec"]["nodeName"], "node-a", "bound to the node");
    // Leaving, the pod shows as it was on the node, at the revision of the move.
    assert_eq!(got[2]["object"]["spec"]["nodeName"], "node-a");
    assert_eq!(
        got[2]["object"]["metadata"]["resourceVersion"],
        moved["metadata"]["resourceVersion"]
    );
    expect(&mut wb, &[("ADDED", "default/b2"), ("DELETED", "default/b1"), ("ADDED", "default/a1")])
        .await;
    expect(&mut unscheduled, &[("DELETED", "default/free")]).await;
    // The lists follow the moves.
    assert_eq!(
        list(on_a.into()).await,
        ["default/a3", "default/b1", "default/free", "kube-system/a2"]
    );
    assert_eq!(
        list("fieldSelector=spec.nodeName%3Dnode-b".into()).await,
        ["default/a1", "default/b2"]
    );
    assert!(list("fieldSelector=spec.nodeName%3D".into()).await.is_empty());
}
