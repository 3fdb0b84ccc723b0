//! `nodes/<name>/proxy`, `pods/<name>/proxy` and `services/<name>/proxy` (upstream's
//! `ProxyREST`): requests relayed to a node's kubelet (a small HTTPS server stands in for one)
//! with their method, path, query and body, answers relayed with their status, headers and
//! body; and the refusals before anything is dialled.

use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

use super::*;

/// A kubelet that answers every request with what it was asked, and 418 for `/teapot`.
async fn echo_kubelet() -> u16 {
    let (acceptor, listener, port) = tls_listener().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else { return };
                let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let method = req.method().to_string();
                    let uri = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
                    let ct = req
                        .headers()
                        .get("content-type")
                        .map(|v| v.to_str().unwrap_or("").to_string())
                        .unwrap_or_default();
                    let auth = req.headers().contains_key("authorization");
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    let text = format!(
                        "{method} {uri} ct={ct} auth={auth} body={}",
                        String::from_utf8_lossy(&body)
                    );
                    let status = if uri.starts_with("/teapot") { 418 } else { 200 };
                    let resp = http::Response::builder()
                        .status(status)
                        .header("content-type", "text/x-echo")
                        .header("x-kubelet", "yes")
                        .body(Full::new(Bytes::from(text)))
                        .unwrap();
                    Ok::<_, std::convert::Infallible>(resp)
                });
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    port
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_node_proxy_relays_to_the_kubelet() {
    let s = Server::new().await;
    let port = echo_kubelet().await;
    let r = s.post("/api/v1/nodes", &json!({"metadata": {"name": "n1"}})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let status = json!({"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}});
    let r = s.patch("/api/v1/nodes/n1/status", "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);

    let r = s.call("GET", "/api/v1/nodes/n1/proxy/metrics/cadvisor?x=1&y=a%20b", &[], b"").await;
    assert_eq!(r.code, 200, "{:?}", r.raw);
    assert_eq!(text(&r), "GET /metrics/cadvisor?x=1&y=a%20b ct= auth=false body=");
    assert_eq!(r.headers["content-type"], "text/x-echo");
    assert_eq!(r.headers["x-kubelet"], "yes");
    let r = s.call("GET", "/api/v1/nodes/n1/proxy", &[], b"").await;
    assert_eq!(text(&r), "GET / ct= auth=false body=");
    let r = s.call("GET", &format!("/api/v1/nodes/n1:{port}/proxy/pods/"), &[], b"").await;
    assert_eq!(text(&r), "GET /pods/ ct= auth=false body=");
    let headers = [("content-type", "application/x-thing"), ("authorization", "Bearer secret")];
    let r = s.call("POST", "/api/v1/nodes/n1/proxy/run", &headers, b"payload").await;
    assert_eq!(text(&r), "POST /run ct=application/x-thing auth=false body=payload");
    // The kubelet's own status comes back as it answered.
    let r =
        s.call("DELETE", "/api/v1/nodes/n1/proxy/teapot", &[("accept", "text/html")], b"").await;
    assert_eq!(r.code.as_u16(), 418);

    // Refusals: a malformed name, a node without a reachable address fit for other ports,
    // a missing node.
    let r = s.get("/api/v1/nodes/ftp:n1:21/proxy/").await;
    assert_eq!(
        (r.code.as_u16(), r.body["message"].as_str()),
        (400, Some("invalid node request \"ftp:n1:21\""))
    );
    let r = s.get("/api/v1/nodes/n1:8080/proxy/").await;
    assert_eq!((r.code.as_u16(), r.body["message"].as_str()), (400, Some("address not allowed")));
    let r = s.get("/api/v1/nodes/gone/proxy/").await;
    assert_eq!(
        (r.code.as_u16(), r.body["message"].as_str()),
        (404, Some("nodes \"gone\" not found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pod_and_service_proxies_refuse_what_they_cannot_reach() {
    let s = Server::new().await;
    let pods = "/api/v1/namespaces/default/pods";
    let pod = json!({"metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]}});
    assert_eq!(s.post(pods, &pod).await.code, 201);
    // Without an IP yet, and with a loopback one.
    let r = s.get(&format!("{pods}/p/proxy/")).await;
    assert_eq!((r.code.as_u16(), r.body["message"].as_str()), (400, Some("address not allowed")));
    let status = json!({"status": {"podIP": "127.0.0.1"}});
    let r = s.patch(&format!("{pods}/p/status"), "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let r = s.get(&format!("{pods}/http:p:80/proxy/x")).await;
    assert_eq!((r.code.as_u16(), r.body["message"].as_str()), (400, Some("address not allowed")));
    let r = s.get(&format!("{pods}/a:b:c:d/proxy/x")).await;
    assert_eq!(r.code.as_u16(), 400);

    // The kubernetes service has no endpoints on a loopback-advertised server.
    let r = s.get("/api/v1/namespaces/default/services/kubernetes:https/proxy/healthz").await;
    assert_eq!(r.code.as_u16(), 503, "{:?}", r.body);
    assert_eq!(r.body["message"], "no endpoints available for service \"kubernetes\"");
    let r = s.get("/api/v1/namespaces/default/services/missing/proxy/").await;
    assert_eq!(r.code.as_u16(), 404, "{:?}", r.body);
}
