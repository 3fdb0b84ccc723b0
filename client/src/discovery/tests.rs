//! Unit tests of discovery and the RESTMapper: document conversion, the aggregated and legacy
//! paths against a scripted server, caching, and reset-on-miss.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apimachinery::schema::{GroupKind, GroupVersion, GroupVersionResource};
use serde_json::{Value, json};

use super::documents::{GroupDiscoveryList, from_aggregated};
use super::*;
use crate::rest::testserver::{TestServer, json, reply};

#[test]
fn aggregated_content_types_are_recognised() {
    let cases = [
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", true),
        (
            "application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList; charset=utf-8",
            true,
        ),
        ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", false),
        ("application/json", false),
        ("application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", false),
        ("", false),
    ];
    for (ct, want) in cases {
        assert_eq!(is_aggregated_content_type(ct), want, "{ct}");
    }
}

fn aggregated_apis(extra_widgets: bool) -> Value {
    let mut widget_resources = vec![json!({
        "resource": "gadgets", "responseKind": {"group": "", "version": "", "kind": "Gadget"},
        "scope": "Cluster", "singularResource": "gadget", "verbs": ["get", "list"]
    })];
    if extra_widgets {
        widget_resources.push(json!({
            "resource": "widgets", "responseKind": {"group": "", "version": "", "kind": "Widget"},
            "scope": "Namespaced", "singularResource": "widget", "shortNames": ["wd"],
            "verbs": ["create", "get", "list", "watch"]
        }));
    }
    json!({
        "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
        "items": [
            {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "freshness": "Current", "resources": [
                {"resource": "deployments", "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                 "scope": "Namespaced", "singularResource": "deployment", "shortNames": ["deploy"],
                 "categories": ["all"], "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                 "subresources": [
                    {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}, "verbs": ["get", "patch", "update"]},
                    {"subresource": "status", "responseKind": {"group": "", "version": "", "kind": "Deployment"}, "verbs": ["get"]}
                 ]}
            ]}]},
            {"metadata": {"name": "example.com"}, "versions": [
                {"version": "v2", "freshness": "Stale", "resources": [
                    {"resource": "stale", "responseKind": {"kind": "Stale"}, "scope": "Cluster", "verbs": ["get"]}]},
                {"version": "v1", "resources": widget_resources}
            ]}
        ]
    })
}

fn aggregated_core() -> Value {
    json!({
        "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
        "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": [
            {"resource": "pods", "responseKind": {"group": "", "version": "", "kind": "Pod"}, "scope": "Namespaced",
             "singularResource": "pod", "shortNames": ["po"], "categories": ["all"], "verbs": ["get", "list"],
             "subresources": [{"subresource": "eviction", "responseKind": {"group": "policy", "version": "v1", "kind": "Eviction"}, "verbs": ["create"]}]},
            {"resource": "namespaces", "responseKind": {"group": "", "version": "", "kind": "Namespace"}, "scope": "Cluster",
             "singularResource": "namespace", "shortNames": ["ns"], "verbs": ["get", "list"]},
            {"resource": "nokind", "scope": "Cluster", "verbs": ["get"]}
        ]}]}]
    })
}

#[test]
fn aggregated_documents_convert_to_resources() {
    let list: GroupDiscoveryList = serde_json::from_value(aggregated_apis(true)).expect("decode");
    let groups = from_aggregated(list);
    assert_eq!(groups.len(), 2);
    let apps = &groups[0];
    assert_eq!(apps.info.name, "apps");
    let d = &apps.resources[0];
    assert_eq!(
        (d.kind.as_str(), d.resource.as_str(), d.singular_name.as_str()),
        ("Deployment", "deployments", "deployment")
    );
    assert!(d.namespaced);
    assert_eq!(d.short_names, vec!["deploy"]);
    let scale = d.subresource("scale").expect("scale");
    assert_eq!(
        (scale.group.as_str(), scale.version.as_str(), scale.kind.as_str()),
        ("autoscaling", "v1", "Scale")
    );
    let status = d.subresource("status").expect("status");
    assert_eq!((status.group.as_str(), status.version.as_str()), ("apps", "v1"));
    // The stale version is dropped; the current one kept.
    let example = &groups[1];
    assert_eq!(
        example.info.versions.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(),
        vec!["v1"]
    );
    assert!(example.resources.iter().all(|r| r.resource != "stale"));
    // A resource without a response kind is skipped.
    let core: GroupDiscoveryList = serde_json::from_value(aggregated_core()).expect("decode");
    let core = from_aggregated(core);
    assert!(core[0].resources.iter().all(|r| r.resource != "nokind"));
}

fn aggregated_server(
    widgets_after: usize,
) -> (
    Arc<AtomicUsize>,
    impl Fn(&crate::rest::testserver::Recorded) -> http::Response<http_body_util::Full<bytes::Bytes>>
    + Send
    + Sync
    + 'static,
) {
    let apis_calls = Arc::new(AtomicUsize::new(0));
    let calls = apis_calls.clone();
    let handler = move |r: &crate::rest::testserver::Recorded| {
        let ct = [("content-type", ACCEPT_AGGREGATED)];
        assert_eq!(r.headers["accept"], ACCEPT_DISCOVERY, "discovery asks for aggregated first");
        match r.uri.as_str() {
            "/api" => reply(200, &ct, aggregated_core().to_string()),
            "/apis" => {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                reply(200, &ct, aggregated_apis(n >= widgets_after).to_string())
            }
            _ => reply(404, &[], "not found"),
        }
    };
    (apis_calls, handler)
}

#[tokio::test]
async fn aggregated_discovery_is_fetched_once_and_cached() {
    let (apis_calls, handler) = aggregated_server(0);
    let server = TestServer::start(handler).await;
    let discovery = DiscoveryClient::new(server.unthrottled());
    let table = discovery.resources().await.expect("discovery");
    assert_eq!(
        table.groups().iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        vec!["", "apps", "example.com"]
    );
    assert!(table.by_gvr(&GroupVersionResource::new("apps", "v1", "deployments")).is_some());
    let again = discovery.resources().await.expect("cached");
    assert!(Arc::ptr_eq(&table, &again));
    assert_eq!(apis_calls.load(Ordering::SeqCst), 1);
    discovery.invalidate();
    discovery.resources().await.expect("refetched");
    assert_eq!(apis_calls.load(Ordering::SeqCst), 2);
    let groups = discovery.server_groups().await.expect("groups");
    assert_eq!(groups[1].preferred_version(), Some("v1"));
    let core = discovery
        .server_resources_for_group_version(&GroupVersion::new("", "v1"))
        .await
        .expect("core");
    assert_eq!(
        core.iter().map(|r| r.resource.as_str()).collect::<Vec<_>>(),
        vec!["namespaces", "pods"]
    );
    // Only /api and /apis were asked for: no per-group requests with aggregated discovery.
    assert!(server.seen().iter().all(|r| r.uri == "/api" || r.uri == "/apis"));
}

#[tokio::test]
async fn legacy_discovery_is_used_when_the_server_has_no_aggregated_documents() {
    let server = TestServer::start(|r| match r.uri.as_str() {
        "/api" => json(200, &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": null})),
        "/apis" => json(200, &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
            {"name": "batch", "versions": [{"groupVersion": "batch/v1beta1", "version": "v1beta1"}, {"groupVersion": "batch/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}},
            {"name": "broken", "versions": [{"groupVersion": "broken/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "broken/v1", "version": "v1"}}
        ]})),
        "/api/v1" => json(200, &json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": ["get", "list"], "shortNames": ["po"]},
            {"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]},
            {"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get", "patch"]}
        ]})),
        "/apis/apps/v1" => json(200, &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources": [
            {"name": "deployments", "singularName": "", "namespaced": true, "kind": "Deployment", "verbs": ["get"], "shortNames": ["deploy"]}
        ]})),
        "/apis/batch/v1" => json(200, &json!({"groupVersion": "batch/v1", "resources": [
            {"name": "jobs", "singularName": "job", "namespaced": true, "kind": "Job", "verbs": ["get"]}]})),
        "/apis/batch/v1beta1" => json(200, &json!({"groupVersion": "batch/v1beta1", "resources": [
            {"name": "jobs", "singularName": "job", "namespaced": true, "kind": "Job", "verbs": ["get"]}]})),
        _ => reply(503, &[], "unavailable"),
    })
    .await;
    let discovery = DiscoveryClient::new(server.unthrottled());
    let table = discovery.resources().await.expect("discovery");
    let pods = table.by_gvr(&GroupVersionResource::new("", "v1", "pods")).expect("pods");
    assert_eq!(
        pods.subresource("eviction").map(|s| (s.group.as_str(), s.kind.as_str())),
        Some(("policy", "Eviction"))
    );
    assert_eq!(
        pods.subresource("status").map(|s| (s.group.as_str(), s.version.as_str())),
        Some(("", "v1"))
    );
    let deploy =
        table.by_gvr(&GroupVersionResource::new("apps", "v1", "deployments")).expect("deployments");
    assert_eq!(
        deploy.singular_name, "deployment",
        "an empty singular name falls back to the lower-cased kind"
    );
    // Preferred version first, whatever the order of `versions`.
    assert_eq!(table.group("batch").and_then(|g| g.preferred_version()), Some("v1"));
    // A failing group/version is left out without failing discovery.
    assert!(table.group("broken").is_some());
    assert!(table.resources().iter().all(|r| r.group != "broken"));
    let mapper = RestMapper::new(discovery);
    let gvk = mapper.kind_for(&GroupVersionResource::new("", "", "jobs")).await.expect("jobs");
    assert_eq!(gvk.version, "v1");
}

#[tokio::test]
async fn rest_mapper_resolves_names_like_kubectl() {
    let (_, handler) = aggregated_server(0);
    let server = TestServer::start(handler).await;
    let mapper = RestMapper::new(DiscoveryClient::new(server.unthrottled()));
    for arg in [
        "deployments",
        "deploy",
        "deployment",
        "Deployment",
        "deployments.apps",
        "deployments.v1.apps",
        "Deployment.apps",
    ] {
        let (info, _) = mapper.resolve(arg).await.expect(arg);
        assert_eq!(info.gvr(), GroupVersionResource::new("apps", "v1", "deployments"), "{arg}");
        assert!(info.namespaced);
    }
    let mapping =
        mapper.rest_mapping(&GroupKind::new("apps", "Deployment"), &["v1"]).await.expect("mapping");
    assert_eq!(mapping.resource, "deployments");
    let gvk = mapper.kind_for(&GroupVersionResource::new("", "", "po")).await.expect("po");
    assert_eq!(gvk.kind, "Pod");
    assert_eq!(mapper.resource_singularizer("namespaces").await.expect("singular"), "namespace");
    let expanded =
        mapper.expand_shortcut(&GroupVersionResource::new("", "", "deploy")).await.expect("expand");
    assert_eq!(expanded, GroupVersionResource::new("apps", "", "deployments"));
}

#[tokio::test]
async fn rest_mapper_reloads_discovery_once_on_a_miss() {
    // The first /apis answer lacks widgets; the second has them.
    let (apis_calls, handler) = aggregated_server(1);
    let server = TestServer::start(handler).await;
    let mapper = RestMapper::new(DiscoveryClient::new(server.unthrottled()));
    // Warm the cache without widgets.
    mapper.resolve("deploy").await.expect("deploy");
    assert_eq!(apis_calls.load(Ordering::SeqCst), 1);
    let (widget, _) = mapper.resolve("wd").await.expect("found after a reload");
    assert_eq!(widget.gvr(), GroupVersionResource::new("example.com", "v1", "widgets"));
    assert_eq!(apis_calls.load(Ordering::SeqCst), 2);
    // A name that does not exist costs one reload, not a loop.
    let err = mapper.resolve("nothing").await.expect_err("unknown");
    assert!(err.is_no_match(), "{err}");
    assert_eq!(err.to_string(), "the server doesn't have a resource type \"nothing\"");
    assert_eq!(apis_calls.load(Ordering::SeqCst), 3);
    // Right after a fetch, a miss is not retried.
    mapper.reset();
    assert!(mapper.kind_for(&GroupVersionResource::new("", "", "nothing")).await.is_err());
    assert_eq!(apis_calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn server_version_reads_version_info() {
    let server = TestServer::start(|_| {
        json(200, &json!({"major": "1", "minor": "35", "gitVersion": "v1.35.0", "platform": "linux/amd64"}))
    })
    .await;
    let v = DiscoveryClient::new(server.unthrottled()).server_version().await.expect("version");
    assert_eq!(
        (v.major.as_str(), v.minor.as_str(), v.git_version.as_str()),
        ("1", "35", "v1.35.0")
    );
    assert_eq!(server.seen()[0].uri, "/version");
}
