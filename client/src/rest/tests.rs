//! Unit tests of the REST client: URL and query building, the token bucket, retries on
//! `Retry-After`, `Status` error mapping, watch decoding across chunk boundaries, credentials.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use apimachinery::errors::StatusReason;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Frame;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use k8s_openapi::api::rbac::v1::ClusterRole;
use serde_json::{Value, json};

use super::client::{check_wait, response_error};
use super::error::BoxError;
use super::raw::{decode_delete, go_duration_seconds, list_query};
use super::testserver::{TestServer, json, reply};
use super::transport::TokenSource;
use super::watch::{FrameDecoder, decode_event};
use super::*;
use crate::cache::{ListOptions, ListerWatcher, WatchEvent};
use crate::config::ResolvedConfig;

fn offline_client() -> Client {
    // Nothing listens here; these tests only build requests.
    Client::try_default(&ResolvedConfig {
        server: "http://127.0.0.1:9".into(),
        ..Default::default()
    })
    .expect("client")
}

#[test]
fn resource_paths_match_client_go() {
    let c = offline_client();
    let cases: Vec<(Result<String, Error>, &str)> = vec![
        (
            Api::<Pod>::namespaced(c.clone(), "ns").resource_path().item("web"),
            "/api/v1/namespaces/ns/pods/web",
        ),
        (Api::<Pod>::all(c.clone()).resource_path().collection(), "/api/v1/pods"),
        (
            Api::<Namespace>::cluster(c.clone()).resource_path().item("kube-system"),
            "/api/v1/namespaces/kube-system",
        ),
        (
            Api::<Deployment>::namespaced(c.clone(), "d")
                .resource_path()
                .subresource("web", "scale"),
            "/apis/apps/v1/namespaces/d/deployments/web/scale",
        ),
        (
            Api::<ClusterRole>::cluster(c.clone()).resource_path().item("admin"),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin",
        ),
        (
            Api::<ConfigMap>::namespaced(c.clone(), "a").resource_path().create(),
            "/api/v1/namespaces/a/configmaps",
        ),
        (
            ResourcePath::new("example.com", "v1alpha1", "widgets", Some("x"))
                .subresource("w", "status"),
            "/apis/example.com/v1alpha1/namespaces/x/widgets/w/status",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got.expect("path"), want);
    }
}

#[test]
fn invalid_names_are_refused_with_client_go_messages() {
    let c = offline_client();
    let pods = Api::<Pod>::namespaced(c.clone(), "ns");
    let empty_ns = Api::<Pod>::namespaced(c, "");
    let cases: Vec<(Result<String, Error>, &str)> = vec![
        (pods.resource_path().item(""), "resource name may not be empty"),
        (pods.resource_path().item("a/b"), "invalid resource name \"a/b\": [may not contain '/']"),
        (pods.resource_path().item(".."), "invalid resource name \"..\": [may not be '..']"),
        (
            pods.resource_path().item("a%/b"),
            "invalid resource name \"a%/b\": [may not contain '/' may not contain '%']",
        ),
        (empty_ns.resource_path().create(), "an empty namespace may not be set during creation"),
        (
            empty_ns.resource_path().item("x"),
            "an empty namespace may not be set when a resource name is provided",
        ),
        (
            ResourcePath::new("", "v1", "pods", Some("a/b")).collection(),
            "invalid namespace \"a/b\": [may not contain '/']",
        ),
    ];
    for (got, want) in cases {
        match got {
            Err(Error::Request(m)) => assert_eq!(m, want),
            other => panic!("expected {want:?}, got {other:?}"),
        }
    }
    // An empty namespace still lists across namespaces, as client-go allows.
    assert_eq!(empty_ns.resource_path().collection().expect("path"), "/api/v1/pods");
}

#[test]
fn query_strings_are_escaped_and_sorted_like_go() {
    assert_eq!(query_escape("app=web,env in (a b)"), "app%3Dweb%2Cenv+in+%28a+b%29");
    assert_eq!(query_escape("a-b_c.d~e"), "a-b_c.d~e");
    assert_eq!(query_escape("ü/"), "%C3%BC%2F");
    let opts = ListOptions {
        label_selector: "app=web".into(),
        resource_version: "42".into(),
        timeout_seconds: Some(431),
        allow_watch_bookmarks: true,
        ..Default::default()
    };
    let req = Request::get("/api/v1/pods").queries(list_query(&opts, true));
    assert_eq!(
        req.path_and_query(),
        "/api/v1/pods?allowWatchBookmarks=true&labelSelector=app%3Dweb&resourceVersion=42&timeout=7m11s&timeoutSeconds=431&watch=true"
    );
    assert_eq!(Request::get("/version").path_and_query(), "/version");
}

#[test]
fn go_duration_strings() {
    for (secs, want) in
        [(0, "0s"), (5, "5s"), (60, "1m0s"), (431, "7m11s"), (3600, "1h0m0s"), (3723, "1h2m3s")]
    {
        assert_eq!(go_duration_seconds(secs), want);
    }
}

#[test]
fn write_options_query_and_bodies() {
    let pp = PostParams {
        dry_run: true,
        field_manager: Some("kubectl".into()),
        field_validation: Some(FieldValidation::Strict),
    };
    let q = Request::post("/x").queries(pp.query()).path_and_query();
    assert_eq!(q, "/x?dryRun=All&fieldManager=kubectl&fieldValidation=Strict");
    let patch = PatchParams::apply("mgr").force();
    assert_eq!(
        Request::patch("/x").queries(patch.query()).path_and_query(),
        "/x?fieldManager=mgr&force=true"
    );
    let dp = DeleteParams {
        grace_period_seconds: Some(0),
        propagation_policy: Some(PropagationPolicy::Foreground),
        preconditions: Some(Preconditions { uid: Some("u1".into()), resource_version: None }),
        dry_run: true,
    };
    assert_eq!(
        dp.body(),
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
               "preconditions": {"uid": "u1"}, "propagationPolicy": "Foreground", "dryRun": ["All"]})
    );
    assert_eq!(
        DeleteParams::default().body(),
        json!({"kind": "DeleteOptions", "apiVersion": "v1"})
    );
    let lp = LogParams {
        container: Some("c".into()),
        tail_lines: Some(10),
        timestamps: true,
        ..Default::default()
    };
    assert_eq!(
        Request::get("/log").queries(lp.query()).path_and_query(),
        "/log?container=c&tailLines=10&timestamps=true"
    );
    let cases = [
        (Patch::Json(json!([])).content_type(), "application/json-patch+json"),
        (Patch::Merge(json!({})).content_type(), "application/merge-patch+json"),
        (Patch::Strategic(json!({})).content_type(), "application/strategic-merge-patch+json"),
        (Patch::Apply(json!({})).content_type(), "application/apply-patch+yaml"),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn user_agent_has_client_go_shape() {
    let ua = config::user_agent_for("kubectl");
    let platform = crate::version::get().platform;
    assert_eq!(ua, format!("kubectl/v1.35.0 ({platform}) kubernetes/unknown"));
    assert!(default_user_agent().contains("/v1.35.0 ("));
}

#[tokio::test(start_paused = true)]
async fn token_bucket_allows_a_burst_then_paces_requests() {
    let bucket = TokenBucket::new(2.0, 3);
    let mut waits = Vec::new();
    for _ in 0..6 {
        waits.push(bucket.acquire().await);
    }
    let ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
    // Three at once, then one every half second.
    assert_eq!(ms, vec![0, 0, 0, 500, 500, 500]);
    assert!(!bucket.try_accept());
    tokio::time::advance(Duration::from_secs(10)).await;
    // The bucket refills up to the burst, not beyond.
    assert!(bucket.try_accept() && bucket.try_accept() && bucket.try_accept());
    assert!(!bucket.try_accept());
}

#[tokio::test(start_paused = true)]
async fn token_bucket_serves_waiters_in_order() {
    let bucket = Arc::new(TokenBucket::new(1.0, 1));
    assert_eq!(bucket.acquire().await, Duration::ZERO);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let b = bucket.clone();
        tasks.push(tokio::spawn(async move { b.acquire().await }));
    }
    let mut waited = Vec::new();
    for t in tasks {
        waited.push(t.await.expect("task").as_secs());
    }
    waited.sort_unstable();
    assert_eq!(waited, vec![1, 2, 3]);
}

#[test]
fn check_wait_follows_client_go() {
    let with = |v: &str| {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_str(v).expect("value"));
        h
    };
    let none = HeaderMap::new();
    let cases = [
        (429, with("3"), Some(3)),
        (503, with("1"), Some(1)),
        (500, with("0"), Some(0)),
        (429, none.clone(), None),
        (500, none, None),
        (404, with("1"), None),
        (200, with("1"), None),
        (503, with("soon"), None),
    ];
    for (code, headers, want) in cases {
        assert_eq!(check_wait(StatusCode::from_u16(code).expect("code"), &headers), want, "{code}");
    }
}

#[tokio::test]
async fn retries_on_retry_after_until_success() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = TestServer::start(move |_| match c.fetch_add(1, Ordering::SeqCst) {
        0 => reply(429, &[("retry-after", "0")], "slow down"),
        1 => reply(503, &[("retry-after", "0")], ""),
        _ => {
            json(200, &json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}}))
        }
    })
    .await;
    let cm: ConfigMap = server
        .unthrottled()
        .send_json(Request::post("/api/v1/namespaces/d/configmaps").json(&json!({})).expect("body"))
        .await
        .expect("created after retries");
    assert_eq!(cm.metadata.name.as_deref(), Some("x"));
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    // The body is replayed on every attempt.
    assert!(seen.iter().all(|r| r.body.as_ref() == b"{}"));
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = TestServer::start(|_| reply(503, &[("retry-after", "0")], "busy")).await;
    let client = server.client(Config { qps: 0.0, max_retries: 3, ..Config::default() });
    let err = client.send(Request::get("/api/v1/pods")).await.expect_err("fails");
    assert_eq!(server.seen().len(), 4);
    assert_eq!(err.code(), Some(503));
    assert_eq!(err.reason(), StatusReason::ServiceUnavailable);
}

#[tokio::test]
async fn errors_without_retry_after_are_not_retried() {
    let server = TestServer::start(|_| reply(500, &[], "boom")).await;
    let err = server.unthrottled().send(Request::get("/api/v1/pods")).await.expect_err("fails");
    assert_eq!(server.seen().len(), 1);
    assert_eq!(err.code(), Some(500));
}

#[tokio::test]
async fn retry_after_seconds_are_honoured() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = TestServer::start(move |_| match c.fetch_add(1, Ordering::SeqCst) {
        0 => reply(429, &[("retry-after", "1")], ""),
        _ => json(200, &json!({})),
    })
    .await;
    let start = std::time::Instant::now();
    server.unthrottled().send(Request::get("/x")).await.expect("ok");
    assert!(start.elapsed() >= Duration::from_secs(1), "waited {:?}", start.elapsed());
    assert_eq!(server.seen().len(), 2);
}

fn req(method: Method, resource: &str, name: &str) -> Request {
    Request::new(method, "/x").for_resource("", resource, name)
}

#[test]
fn status_bodies_become_api_errors() {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "configmaps \"x\" not found", "reason": "NotFound",
        "details": {"name": "x", "kind": "configmaps"}, "code": 404});
    let err = response_error(
        StatusCode::NOT_FOUND,
        &HeaderMap::new(),
        body.to_string().as_bytes(),
        &req(Method::GET, "configmaps", "x"),
    );
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "configmaps \"x\" not found");
    assert_eq!(err.code(), Some(404));
    assert_eq!(
        err.status().and_then(|s| s.details.as_ref()).and_then(|d| d.name.as_deref()),
        Some("x")
    );
    let lw: crate::cache::ListWatchError = err.into();
    assert_eq!(lw.code(), Some(404));
}

#[test]
fn non_status_bodies_become_generic_errors() {
    let text = {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("text/plain; charset=utf-8"));
        h
    };
    let json_ct = {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h
    };
    let cases: Vec<(u16, HeaderMap, &str, Request, &str, StatusReason)> = vec![
        (
            404,
            text.clone(),
            "404 page not found\n",
            req(Method::GET, "pods", "web"),
            "the server could not find the requested resource (get pods web)",
            StatusReason::NotFound,
        ),
        (
            409,
            HeaderMap::new(),
            "",
            req(Method::POST, "pods", "web"),
            "the server reported a conflict (post pods web)",
            StatusReason::AlreadyExists,
        ),
        (
            409,
            HeaderMap::new(),
            "",
            req(Method::PUT, "pods", "web"),
            "the server reported a conflict (put pods web)",
            StatusReason::Conflict,
        ),
        (
            500,
            json_ct,
            "{\"not\":\"a status\"}",
            req(Method::GET, "pods", ""),
            "an error on the server (\"unknown\") has prevented the request from succeeding (get pods)",
            StatusReason::InternalError,
        ),
        (
            500,
            text,
            "database exploded",
            Request::get("/healthz"),
            "an error on the server (\"database exploded\") has prevented the request from succeeding",
            StatusReason::InternalError,
        ),
        (
            429,
            HeaderMap::new(),
            "",
            Request::get("/api"),
            "the server has received too many requests and has asked us to try again later",
            StatusReason::TooManyRequests,
        ),
    ];
    for (code, headers, body, r, message, reason) in cases {
        let err = response_error(
            StatusCode::from_u16(code).expect("code"),
            &headers,
            body.as_bytes(),
            &r,
        );
        assert_eq!(err.to_string(), message);
        assert_eq!(err.reason(), reason);
        assert_eq!(err.code(), Some(i32::from(code)));
        let cause = err.status_error().and_then(|s| s.cause("UnexpectedServerResponse"));
        assert!(cause.is_some(), "{message}");
    }
    let e =
        response_error(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b"", &Request::get("/"));
    assert!(e.is_too_many_requests());
    let e = response_error(StatusCode::GONE, &HeaderMap::new(), br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}"#, &Request::get("/"));
    assert!(e.is_gone());
    let e = response_error(StatusCode::CONFLICT, &HeaderMap::new(), br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"AlreadyExists","code":409}"#, &Request::get("/"));
    assert!(e.is_already_exists() && !e.is_conflict());
}

#[test]
fn delete_answers_decode_to_object_or_status() {
    let ok = decode_delete::<ConfigMap>(
        br#"{"kind":"Status","apiVersion":"v1","status":"Success","details":{"name":"x"}}"#,
    )
    .expect("status");
    assert!(matches!(ok, DeleteResponse::Status(s) if s.status.as_deref() == Some("Success")));
    let obj = decode_delete::<ConfigMap>(
        br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#,
    )
    .expect("object");
    assert!(matches!(obj, DeleteResponse::Object(c) if c.metadata.name.as_deref() == Some("x")));
    let failed = decode_delete::<ConfigMap>(
        br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409}"#,
    );
    assert!(failed.is_err_and(|e| e.is_conflict()));
}

const EVENTS: &str = concat!(
    r#"{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"5"},"data":{"k":"v with \"quotes\" and } braces"}}}"#,
    "\n",
    r#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"7","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
    "\n",
    r#"{"type":"DELETED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"8"}}}"#,
    "\n",
    r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (8)","reason":"Expired","code":410}}"#,
    "\n",
);

fn check_events(events: Vec<WatchEvent<ConfigMap>>) {
    assert_eq!(events.len(), 4);
    match &events[0] {
        WatchEvent::Added(cm) => {
            assert_eq!(cm.metadata.name.as_deref(), Some("a"));
            assert_eq!(
                cm.data.as_ref().and_then(|d| d.get("k")).map(String::as_str),
                Some("v with \"quotes\" and } braces")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        events[1],
        WatchEvent::Bookmark { resource_version: "7".into(), initial_events_end: true }
    );
    assert!(
        matches!(&events[2], WatchEvent::Deleted(cm) if cm.metadata.resource_version.as_deref() == Some("8"))
    );
    match &events[3] {
        WatchEvent::Error(s) => {
            assert_eq!(s.code, Some(410));
            assert_eq!(s.reason.as_deref(), Some("Expired"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn watch_frames_decode_whatever_the_chunking() {
    let bytes = EVENTS.as_bytes();
    let decode_chunks = |chunks: Vec<&[u8]>| {
        let mut d = FrameDecoder::default();
        let mut out = Vec::new();
        for c in chunks {
            for v in d.push(c) {
                out.push(decode_event::<ConfigMap>(v.expect("frame")).expect("event"));
            }
        }
        assert!(!d.has_partial());
        out
    };
    // Every split point into two chunks.
    for i in 0..=bytes.len() {
        check_events(decode_chunks(vec![&bytes[..i], &bytes[i..]]));
    }
    // One byte at a time.
    check_events(decode_chunks(bytes.chunks(1).collect()));
    // Events written back to back without newlines.
    let joined = EVENTS.replace('\n', "");
    check_events(decode_chunks(vec![joined.as_bytes()]));
}

#[test]
fn bookmarks_without_the_annotation_are_plain_bookmarks() {
    let e = decode_event::<ConfigMap>(
        json!({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}}),
    )
    .expect("event");
    assert_eq!(e, WatchEvent::Bookmark { resource_version: "9".into(), initial_events_end: false });
    assert!(decode_event::<ConfigMap>(json!({"type": "NOPE", "object": {}})).is_err());
}

/// A body that yields the given chunks (shared with the list-watch tests).
pub(crate) struct Chunks(pub(crate) VecDeque<Result<Bytes, BoxError>>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.0.pop_front().map(|r| r.map(Frame::data)))
    }
}

fn stream_of(chunks: Vec<Result<Bytes, BoxError>>) -> EventStream<ConfigMap> {
    EventStream::from_body(Chunks(chunks.into()).boxed())
}

#[tokio::test]
async fn event_stream_buffers_across_chunks() {
    let bytes = EVENTS.as_bytes();
    let chunks = bytes.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let mut s = stream_of(chunks);
    let mut events = Vec::new();
    while let Some(e) = s.next().await {
        events.push(e.expect("event"));
    }
    check_events(events);
}

#[tokio::test]
async fn event_stream_reports_garbage_once_then_ends() {
    let mut s = stream_of(vec![
        Ok(Bytes::from_static(
            b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n",
        )),
        Ok(Bytes::from_static(b"not json\n{\"type\":\"ADDED\",\"object\":{}}\n")),
    ]);
    assert!(matches!(s.next().await, Some(Ok(WatchEvent::Added(_)))));
    assert!(matches!(s.next().await, Some(Err(Error::Decode { .. }))));
    assert!(s.next().await.is_none());

    let mut truncated = stream_of(vec![Ok(Bytes::from_static(b"{\"type\":\"ADDED\""))]);
    assert!(matches!(truncated.next().await, Some(Err(Error::Decode { .. }))));
    assert!(truncated.next().await.is_none());

    let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
    let mut dropped = stream_of(vec![Err(Box::new(reset))]);
    assert!(dropped.next().await.is_none(), "a dropped connection ends the watch quietly");
}

#[tokio::test]
async fn watch_over_http_implements_lister_watcher() {
    let server = TestServer::start(|r| {
        if r.uri.contains("watch=true") {
            reply(200, &[("content-type", "application/json")], EVENTS)
        } else {
            json(
                200,
                &json!({"kind": "ConfigMapList", "apiVersion": "v1",
                "metadata": {"resourceVersion": "12", "continue": "tok", "remainingItemCount": 3},
                "items": [{"metadata": {"name": "a", "namespace": "d"}}]}),
            )
        }
    })
    .await;
    let api = Api::<ConfigMap>::namespaced(server.unthrottled(), "d");
    let lw: &dyn ListerWatcher<ConfigMap> = &api;
    let list = lw.list(ListOptions { limit: 1, ..Default::default() }).await.expect("list");
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.resource_version, "12");
    assert_eq!(list.continue_token, "tok");
    assert_eq!(list.remaining_item_count, Some(3));
    let mut w = lw
        .watch(ListOptions {
            resource_version: "12".into(),
            allow_watch_bookmarks: true,
            ..Default::default()
        })
        .await
        .expect("watch");
    let mut events = Vec::new();
    while let Some(e) = w.next().await {
        match e {
            Ok(WatchEvent::Error(s)) => events.push(WatchEvent::Error(s)),
            Ok(other) => events.push(other),
            Err(err) => panic!("{err}"),
        }
    }
    check_events(events);
    let seen = server.seen();
    assert_eq!(seen[0].uri, "/api/v1/namespaces/d/configmaps?limit=1");
    assert_eq!(
        seen[1].uri,
        "/api/v1/namespaces/d/configmaps?allowWatchBookmarks=true&resourceVersion=12&watch=true"
    );
}

#[tokio::test]
async fn watch_errors_are_status_errors() {
    let server = TestServer::start(|_| {
        json(410, &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired", "code": 410, "message": "too old"}))
    })
    .await;
    let api = Api::<ConfigMap>::all(server.unthrottled());
    let err = api.watch(&ListOptions::default()).await.expect_err("gone");
    assert!(err.is_gone());
    let lw: &dyn ListerWatcher<ConfigMap> = &api;
    let err = lw.watch(ListOptions::default()).await.err().expect("gone");
    assert!(err.is_gone());
}

#[tokio::test]
async fn requests_carry_identity_headers() {
    let server =
        TestServer::start(|_| json(200, &json!({"kind": "ConfigMap", "apiVersion": "v1"}))).await;
    let resolved = ResolvedConfig {
        server: server.url.clone(),
        token: Some("s3cret".into()),
        impersonate: Some("jane".into()),
        ..Default::default()
    };
    let client =
        Client::new(&resolved, Config { user_agent: Some("test/1".into()), ..Config::default() })
            .expect("client");
    let _: ConfigMap = Api::<ConfigMap>::namespaced(client, "d").get("x").await.expect("get");
    let basic = Client::try_default(&ResolvedConfig {
        server: server.url.clone(),
        basic_auth: Some(("u".into(), "p".into())),
        ..Default::default()
    })
    .expect("client");
    basic.send(Request::get("/api")).await.expect("get");
    let seen = server.seen();
    let h = &seen[0].headers;
    assert_eq!(h["authorization"], "Bearer s3cret");
    assert_eq!(h["impersonate-user"], "jane");
    assert_eq!(h["user-agent"], "test/1");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(seen[0].uri, "/api/v1/namespaces/d/configmaps/x");
    assert_eq!(seen[1].headers["authorization"], "Basic dTpw");
}

#[tokio::test]
async fn verbs_send_the_expected_requests() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "DELETE" => json(200, &json!({"kind": "Status", "apiVersion": "v1", "status": "Success"})),
        _ if r.uri.contains("/log") => reply(200, &[("content-type", "text/plain")], "line 1\nline 2\n"),
        _ if r.uri.contains("/token") => json(201, &json!({"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "spec": {"audiences": []}, "status": {"token": "t", "expirationTimestamp": "2030-01-01T00:00:00Z"}})),
        _ if r.uri.contains("/scale") => json(200, &json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "spec": {"replicas": 3}})),
        _ if r.uri.contains("/eviction") || r.uri.contains("/binding") => json(201, &json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201})),
        _ => json(200, &json!({"metadata": {"name": "web"}})),
    })
    .await;
    let client = server.unthrottled();
    let pods = Api::<Pod>::namespaced(client.clone(), "d");
    let logs = pods
        .logs("web", &LogParams { container: Some("c".into()), follow: true, ..Default::default() })
        .await
        .expect("logs");
    assert_eq!(logs, "line 1\nline 2\n");
    let mut stream = pods
        .log_stream("web", &LogParams { follow: true, ..Default::default() })
        .await
        .expect("stream");
    let mut streamed = Vec::new();
    while let Some(chunk) = stream.next().await {
        streamed.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(streamed, b"line 1\nline 2\n");
    pods.create_eviction("web", &Default::default()).await.expect("evict");
    let binding = k8s_openapi::api::core::v1::Binding {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("web".into()),
            ..Default::default()
        },
        target: k8s_openapi::api::core::v1::ObjectReference {
            kind: Some("Node".into()),
            name: Some("n1".into()),
            ..Default::default()
        },
    };
    pods.create_binding(&binding, &PostParams::default()).await.expect("bind");
    let deployments = Api::<Deployment>::namespaced(client.clone(), "d");
    let scale = deployments.get_scale("web").await.expect("scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(3));
    deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .expect("patch scale");
    let sas = Api::<k8s_openapi::api::core::v1::ServiceAccount>::namespaced(client.clone(), "d");
    let tr = sas
        .create_token("default", &Default::default(), &PostParams::default())
        .await
        .expect("token");
    assert_eq!(tr.status.map(|s| s.token), Some("t".to_string()));
    let deleted = pods
        .delete("web", &DeleteParams { grace_period_seconds: Some(0), ..Default::default() })
        .await
        .expect("delete");
    assert!(matches!(deleted, DeleteResponse::Status(_)));
    pods.patch_status("web", &PatchParams::default(), &Patch::Strategic(json!({"status": {}})))
        .await
        .expect("patch status");
    let applied = pods
        .patch(
            "web",
            &PatchParams::apply("me").force(),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Pod"})),
        )
        .await;
    assert!(applied.is_ok());

    let seen: Vec<(String, String, Option<String>)> = server
        .seen()
        .iter()
        .map(|r| {
            let ct = r.headers.get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
            (r.method.clone(), r.uri.clone(), ct)
        })
        .collect();
    let want: Vec<(&str, &str, Option<&str>)> = vec![
        ("GET", "/api/v1/namespaces/d/pods/web/log?container=c", None),
        ("GET", "/api/v1/namespaces/d/pods/web/log?follow=true", None),
        ("POST", "/api/v1/namespaces/d/pods/web/eviction", Some("application/json")),
        ("POST", "/api/v1/namespaces/d/pods/web/binding", Some("application/json")),
        ("GET", "/apis/apps/v1/namespaces/d/deployments/web/scale", None),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/d/deployments/web/scale",
            Some("application/merge-patch+json"),
        ),
        ("POST", "/api/v1/namespaces/d/serviceaccounts/default/token", Some("application/json")),
        ("DELETE", "/api/v1/namespaces/d/pods/web", Some("application/json")),
        (
            "PATCH",
            "/api/v1/namespaces/d/pods/web/status",
            Some("application/strategic-merge-patch+json"),
        ),
        (
            "PATCH",
            "/api/v1/namespaces/d/pods/web?fieldManager=me&force=true",
            Some("application/apply-patch+yaml"),
        ),
    ];
    let want: Vec<(String, String, Option<String>)> = want
        .into_iter()
        .map(|(m, u, c)| (m.to_string(), u.to_string(), c.map(str::to_string)))
        .collect();
    assert_eq!(seen, want);
    let delete_body: Value = serde_json::from_slice(&server.seen()[7].body).expect("json");
    assert_eq!(delete_body["gracePeriodSeconds"], 0);
}

#[tokio::test]
async fn dynamic_lists_carry_item_kinds() {
    let server = TestServer::start(|_| {
        json(200, &json!({"kind": "WidgetList", "apiVersion": "example.com/v1", "metadata": {"resourceVersion": "3"},
            "items": [{"metadata": {"name": "a"}}, {"kind": "Widget", "apiVersion": "example.com/v1", "metadata": {"name": "b"}}]}))
    })
    .await;
    let gvr = apimachinery::schema::GroupVersionResource::new("example.com", "v1", "widgets");
    let api = DynamicApi::namespaced(server.unthrottled(), gvr, "d");
    let list = api.list(&ListOptions::default()).await.expect("list");
    assert_eq!(list.resource_version, "3");
    for item in &list.items {
        assert_eq!(item["kind"], "Widget");
        assert_eq!(item["apiVersion"], "example.com/v1");
    }
    assert_eq!(server.seen()[0].uri, "/apis/example.com/v1/namespaces/d/widgets");
}

#[tokio::test]
async fn successful_answers_holding_a_failure_status_are_errors() {
    let server = TestServer::start(|_| {
        json(200, &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409, "message": "x"}))
    })
    .await;
    let err = Api::<ConfigMap>::namespaced(server.unthrottled(), "d")
        .get("x")
        .await
        .expect_err("failure");
    assert!(err.is_conflict());
}

#[tokio::test]
async fn requests_time_out() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let client = Client::new(
        &ResolvedConfig { server: format!("http://{addr}"), ..Default::default() },
        Config { timeout: Some(Duration::from_millis(200)), ..Config::default() },
    )
    .expect("client");
    let err = client.send(Request::get("/api")).await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(err.to_string().starts_with(&format!("Get \"http://{addr}/api\"")), "{err}");
    hold.abort();
}

#[tokio::test]
async fn connection_failures_name_the_url() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::try_default(&ResolvedConfig {
        server: format!("http://{addr}"),
        ..Default::default()
    })
    .expect("client");
    let err = client.send(Request::post("/api/v1/namespaces")).await.expect_err("refused");
    assert!(matches!(err, Error::Transport { .. }));
    assert!(
        err.to_string().starts_with(&format!("Post \"http://{addr}/api/v1/namespaces\": ")),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn token_files_are_reread_after_the_refresh_period() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("token");
    std::fs::write(&path, "one\n").expect("write");
    let file = path.to_string_lossy().into_owned();
    let source = TokenSource::new(Some("one".into()), Some(file), Duration::from_secs(50));
    assert_eq!(source.token().await.as_deref(), Some("one"));
    std::fs::write(&path, "two\n").expect("write");
    assert_eq!(source.token().await.as_deref(), Some("one"), "cached within the period");
    tokio::time::advance(Duration::from_secs(51)).await;
    assert_eq!(source.token().await.as_deref(), Some("two"));
    std::fs::remove_file(&path).expect("remove");
    tokio::time::advance(Duration::from_secs(51)).await;
    assert_eq!(source.token().await.as_deref(), Some("two"), "a failed read keeps the old token");
}

#[test]
fn bad_configurations_are_refused() {
    let base = ResolvedConfig { server: "https://127.0.0.1:6443".into(), ..Default::default() };
    let cases: Vec<(ResolvedConfig, &str)> = vec![
        (
            ResolvedConfig { insecure: true, ca_data: Some(b"x".to_vec()), ..base.clone() },
            "specifying a root certificates file with the insecure flag is not allowed",
        ),
        (
            ResolvedConfig { ca_data: Some(b"not pem".to_vec()), ..base.clone() },
            "unable to load root certificates",
        ),
        (
            ResolvedConfig {
                insecure: true,
                client_cert_data: Some(b"x".to_vec()),
                ..base.clone()
            },
            "client certificate and key must be given together",
        ),
        (
            ResolvedConfig { proxy_url: Some("ftp://proxy:3128".into()), ..base.clone() },
            "invalid 'proxy-url' \"ftp://proxy:3128\": unsupported scheme \"ftp\", must be http, https, or socks5",
        ),
        (
            ResolvedConfig { exec: Some(Default::default()), ..base.clone() },
            "exec plugin: invalid apiVersion \"\"",
        ),
        (ResolvedConfig { server: String::new(), ..base.clone() }, "host must be a URL"),
        (ResolvedConfig { server: "ftp://x".into(), ..base }, "unsupported URL scheme"),
    ];
    for (config, want) in cases {
        let err = Client::try_default(&config).expect_err(want);
        assert!(err.to_string().contains(want), "{err} does not contain {want}");
    }
    // insecure alone is fine, and a bare host:port means https.
    let c = Client::try_default(&ResolvedConfig {
        server: "127.0.0.1:6443".into(),
        insecure: true,
        ..Default::default()
    })
    .expect("client");
    assert_eq!(c.url(&Request::get("/api")), "https://127.0.0.1:6443/api");
    let prefixed = Client::try_default(&ResolvedConfig {
        server: "http://h:1/prefix/".into(),
        ..Default::default()
    })
    .expect("client");
    assert_eq!(prefixed.url(&Request::get("/api")), "http://h:1/prefix/api");
    assert_eq!(prefixed.default_namespace(), "default");
}

#[tokio::test]
async fn throttled_requests_wait_for_tokens() {
    let server = TestServer::start(|_| json(200, &json!({}))).await;
    let client = server.client(Config { qps: 20.0, burst: 1, ..Config::default() });
    let start = std::time::Instant::now();
    for _ in 0..3 {
        client.send(Request::get("/x")).await.expect("ok");
    }
    // One token at once, then one every 50 ms.
    assert!(start.elapsed() >= Duration::from_millis(95), "{:?}", start.elapsed());
}
