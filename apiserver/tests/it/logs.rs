//! `pods/log` relayed from a kubelet (upstream's `LogREST`/`LogLocation`): options validation,
//! container choice, the node's kubelet address, and the kubelet's answers, against a small
//! HTTPS server standing in for a kubelet.

use std::sync::Mutex;

use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

use super::*;

const PODS: &str = "/api/v1/namespaces/default/pods";

/// A kubelet that answers `/containerLogs/...` with the path and query it was asked for, and
/// 404s for the container "gone".
struct FakeKubelet {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn fake_kubelet() -> FakeKubelet {
    let (acceptor, listener, port) = tls_listener().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else { return };
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let uri = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
                    log.lock().unwrap().push(uri.clone());
                    async move {
                        let resp = if uri.contains("/gone") {
                            http::Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::from("container not found (\"gone\")")))
                        } else {
                            http::Response::builder()
                                .header("content-type", "text/plain")
                                .body(Full::new(Bytes::from(format!("line one\nasked {uri}\n"))))
                        };
                        Ok::<_, std::convert::Infallible>(resp.unwrap())
                    }
                });
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    FakeKubelet { port, seen }
}

async fn node(s: &Server, name: &str, port: u16) {
    let node = json!({"metadata": {"name": name}});
    let r = s.post("/api/v1/nodes", &node).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let status = json!({"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}});
    let r = s
        .patch(&format!("/api/v1/nodes/{name}/status"), "application/merge-patch+json", &status)
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
}

async fn pod(s: &Server, name: &str, node: &str, containers: &[&str]) {
    let containers: Vec<Value> =
        containers.iter().map(|c| json!({"name": c, "image": "x"})).collect();
    let pod =
        json!({"metadata": {"name": name}, "spec": {"nodeName": node, "containers": containers}});
    let r = s.post(PODS, &pod).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pod_logs_are_relayed_from_the_kubelet() {
    let s = Server::new().await;
    let kubelet = fake_kubelet().await;
    node(&s, "n1", kubelet.port).await;
    pod(&s, "web", "n1", &["app"]).await;

    let r = s.get(&format!("{PODS}/web/log")).await;
    assert_eq!(r.code, 200, "{}", text(&r));
    assert_eq!(r.headers["content-type"], "text/plain");
    assert_eq!(text(&r), "line one\nasked /containerLogs/default/web/app\n");

    let r = s
        .get(&format!(
            "{PODS}/web/log?container=app&tailLines=5&timestamps=true&follow=true&limitBytes=100&previous=1"
        ))
        .await;
    assert_eq!(r.code, 200, "{}", text(&r));
    assert_eq!(
        text(&r),
        "line one\nasked /containerLogs/default/web/app?follow=true&limitBytes=100&previous=true&tailLines=5&timestamps=true\n"
    );
    assert_eq!(kubelet.seen.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pod_logs_errors() {
    let s = Server::new().await;
    let kubelet = fake_kubelet().await;
    node(&s, "n1", kubelet.port).await;
    pod(&s, "multi", "n1", &["a", "b"]).await;

    let r = s.get(&format!("{PODS}/multi/log")).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "a container name must be specified for pod multi, choose one of: [a b]",
    );
    let r = s.get(&format!("{PODS}/multi/log?container=c")).await;
    assert_status(&r, 400, "BadRequest", "container c is not valid for pod multi");
    let r = s.get(&format!("{PODS}/multi/log?container=a&tailLines=-1")).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PodLogOptions \"multi\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0",
    );
    let r = s
        .get(&format!("{PODS}/multi/log?container=a&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z"))
        .await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let r = s.get(&format!("{PODS}/multi/log?container=a&follow=maybe")).await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    let r = s.get(&format!("{PODS}/missing/log")).await;
    assert_status(&r, 404, "NotFound", "pods \"missing\" not found");
    assert!(kubelet.seen.lock().unwrap().is_empty(), "bad requests never reach the kubelet");

    // The kubelet's own refusal comes back with its code and words.
    pod(&s, "gone", "n1", &["gone"]).await;
    let r = s.get(&format!("{PODS}/gone/log")).await;
    assert_eq!(r.code, 404, "{:?}", r.body);
    assert_eq!(r.body["reason"], "NotFound");
    assert_eq!(
        r.body["message"],
        "the server could not find the requested resource ( pods/log gone)"
    );

    // An unscheduled pod has no logs yet; a pod on a missing node or a dead kubelet fails.
    pod(&s, "pending", "", &["app"]).await;
    let r = s.get(&format!("{PODS}/pending/log")).await;
    assert_eq!(r.code, 200);
    assert_eq!(text(&r), "");
    pod(&s, "orphan", "nowhere", &["app"]).await;
    let r = s.get(&format!("{PODS}/orphan/log")).await;
    assert_status(&r, 404, "NotFound", "nodes \"nowhere\" not found");
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    node(&s, "n2", dead_port).await;
    pod(&s, "stranded", "n2", &["app"]).await;
    let r = s.get(&format!("{PODS}/stranded/log")).await;
    assert_eq!(r.code, 500, "{:?}", r.body);
    assert_eq!(r.body["reason"], "InternalError");
}
