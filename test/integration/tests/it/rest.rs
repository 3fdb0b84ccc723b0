//! The typed client against the server: ConfigMap and Pod verbs, watches, subresources
//! (scale, binding, eviction, status), error mapping, credentials and TLS.

use std::time::Duration;

use anyhow::Context as _;
use client::cache::{ListOptions, ListerWatcher, WatchEvent};
use client::config::ResolvedConfig;
use client::rest::{
    Api, DeleteParams, DeleteResponse, Error, Patch, PatchParams, PostParams, Preconditions,
    Request,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Binding, ConfigMap, Namespace, Pod};
use k8s_openapi::api::policy::v1::Eviction;
use serde_json::json;

use crate::{Cluster, within};

fn config_map(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"}
    }))
    .expect("config map")
}

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": "it"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    }))
    .expect("pod")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_map_create_get_list_replace_patch_delete() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let api = Api::<ConfigMap>::default_namespaced(cluster.client.clone());
    assert_eq!(api.namespace(), Some("default"));

    let created =
        api.create(&PostParams::default(), &config_map("one", json!({"team": "a"}))).await?;
    assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
    assert!(created.metadata.uid.is_some());
    api.create(&PostParams::default(), &config_map("two", json!({"team": "b"}))).await?;

    let dup = api.create(&PostParams::default(), &config_map("one", json!({}))).await;
    let err = dup.expect_err("duplicate");
    assert!(err.is_already_exists(), "{err}");
    assert_eq!(err.to_string(), "configmaps \"one\" already exists");

    let got = api.get("one").await?;
    assert_eq!(got.data.as_ref().and_then(|d| d.get("k")).map(String::as_str), Some("v"));

    let only_a =
        api.list(&ListOptions { label_selector: "team=a".into(), ..Default::default() }).await?;
    assert_eq!(only_a.items.len(), 1);
    assert!(!only_a.resource_version.is_empty());

    // Paging.
    let page = api.list(&ListOptions { limit: 1, ..Default::default() }).await?;
    assert_eq!(page.items.len(), 1);
    assert!(!page.continue_token.is_empty());
    let rest = api
        .list(&ListOptions {
            limit: 1,
            continue_token: page.continue_token.clone(),
            ..Default::default()
        })
        .await?;
    assert_eq!(rest.items.len(), 1);
    assert_ne!(rest.items[0].metadata.name, page.items[0].metadata.name);

    // Replace with the current resourceVersion succeeds; with a stale one it conflicts.
    let mut updated = got.clone();
    updated.data = Some([("k".to_string(), "v2".to_string())].into());
    let replaced = api.replace("one", &PostParams::default(), &updated).await?;
    assert_eq!(replaced.data.as_ref().and_then(|d| d.get("k")).map(String::as_str), Some("v2"));
    let stale = api.replace("one", &PostParams::default(), &updated).await.expect_err("stale");
    assert!(stale.is_conflict(), "{stale}");
    assert_eq!(stale.code(), Some(409));

    // Dry run persists nothing.
    let dry = PostParams { dry_run: true, ..Default::default() };
    api.create(&dry, &config_map("dry", json!({}))).await?;
    assert!(api.get_opt("dry").await?.is_none());

    // Every patch type.
    let merged = api
        .patch("one", &PatchParams::default(), &Patch::Merge(json!({"data": {"m": "1"}})))
        .await?;
    assert_eq!(merged.data.as_ref().map(|d| d.len()), Some(2));
    let strategic = api
        .patch(
            "one",
            &PatchParams::default(),
            &Patch::Strategic(json!({"metadata": {"labels": {"s": "1"}}})),
        )
        .await?;
    assert_eq!(
        strategic.metadata.labels.as_ref().and_then(|l| l.get("s")).map(String::as_str),
        Some("1")
    );
    let json_patched = api
        .patch(
            "one",
            &PatchParams::default(),
            &Patch::Json(json!([{"op": "remove", "path": "/data/m"}])),
        )
        .await?;
    assert!(json_patched.data.as_ref().is_some_and(|d| !d.contains_key("m")));
    let applied = api
        .patch(
            "applied",
            &PatchParams::apply("integration").force(),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "b"}})),
        )
        .await?;
    assert_eq!(applied.data.as_ref().and_then(|d| d.get("a")).map(String::as_str), Some("b"));

    // Delete with a wrong precondition fails; with the right one succeeds.
    let wrong = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some("not-the-uid".into()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let err = api.delete("one", &wrong).await.expect_err("precondition");
    assert!(err.is_conflict(), "{err}");
    let right = DeleteParams {
        preconditions: Some(Preconditions {
            uid: created.metadata.uid.clone(),
            resource_version: None,
        }),
        ..Default::default()
    };
    match api.delete("one", &right).await? {
        DeleteResponse::Object(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("one")),
        DeleteResponse::Status(s) => assert_eq!(s.status.as_deref(), Some("Success")),
    }
    let gone = api.get("one").await.expect_err("deleted");
    assert!(gone.is_not_found());
    assert_eq!(gone.code(), Some(404));
    assert_eq!(gone.to_string(), "configmaps \"one\" not found");

    // Delete a collection by label.
    api.delete_collection(
        &DeleteParams::default(),
        &ListOptions { label_selector: "team=b".into(), ..Default::default() },
    )
    .await?;
    assert!(api.get_opt("two").await?.is_none());
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_delivers_added_modified_deleted_and_bookmarks() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "watched"}}))?;
    Api::<Namespace>::cluster(cluster.client.clone()).create(&PostParams::default(), &ns).await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client.clone(), "watched");
    let list = api.list(&ListOptions::default()).await?;
    let mut watch = api
        .watch(&ListOptions {
            resource_version: list.resource_version.clone(),
            allow_watch_bookmarks: true,
            timeout_seconds: Some(60),
            ..Default::default()
        })
        .await?;
    api.create(&PostParams::default(), &config_map("w", json!({}))).await?;
    api.patch("w", &PatchParams::default(), &Patch::Merge(json!({"data": {"x": "y"}}))).await?;
    api.delete("w", &DeleteParams::default()).await?;

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = within(Duration::from_secs(20), watch.next()).await.expect("stream open")?;
        match event {
            WatchEvent::Added(cm) => seen.push(("ADDED", cm.metadata.name)),
            WatchEvent::Modified(cm) => seen.push(("MODIFIED", cm.metadata.name)),
            WatchEvent::Deleted(cm) => seen.push(("DELETED", cm.metadata.name)),
            WatchEvent::Bookmark { resource_version, .. } => assert!(!resource_version.is_empty()),
            WatchEvent::Error(s) => panic!("watch error {s:?}"),
        }
    }
    let name = Some("w".to_string());
    assert_eq!(seen, vec![("ADDED", name.clone()), ("MODIFIED", name.clone()), ("DELETED", name)]);

    // The client's request timeout does not cut a watch short.
    let short =
        client::rest::Config { timeout: Some(Duration::from_millis(500)), ..Cluster::config() };
    let short_api = Api::<ConfigMap>::namespaced(
        client::rest::Client::new(&cluster.resolved, short)?,
        "watched",
    );
    let rv = short_api.list(&ListOptions::default()).await?.resource_version;
    let mut long_watch =
        short_api.watch(&ListOptions { resource_version: rv, ..Default::default() }).await?;
    // Deliberately outlive the timeout before anything happens.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    api.create(&PostParams::default(), &config_map("late", json!({}))).await?;
    match within(Duration::from_secs(20), long_watch.next()).await {
        Some(Ok(WatchEvent::Added(cm))) => assert_eq!(cm.metadata.name.as_deref(), Some("late")),
        other => panic!("unexpected {other:?}"),
    }

    // The same through the ListerWatcher seam a reflector uses.
    let lw: &dyn ListerWatcher<ConfigMap> = &api;
    let listed = lw.list(ListOptions::default()).await?;
    let mut w = lw
        .watch(ListOptions { resource_version: listed.resource_version, ..Default::default() })
        .await?;
    api.create(&PostParams::default(), &config_map("via-seam", json!({}))).await?;
    match within(Duration::from_secs(20), w.next()).await {
        Some(Ok(WatchEvent::Added(cm))) => {
            assert_eq!(cm.metadata.name.as_deref(), Some("via-seam"))
        }
        other => panic!("unexpected {other:?}"),
    }
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_binding_sets_the_node() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let pods = Api::<Pod>::namespaced(cluster.client.clone(), "default");
    pods.create(&PostParams::default(), &pod("bound")).await?;
    let binding: Binding = serde_json::from_value(json!({
        "metadata": {"name": "bound"},
        "target": {"kind": "Node", "name": "node-1"}
    }))?;
    pods.create_binding(&binding, &PostParams::default()).await.context("binding")?;
    let got = pods.get("bound").await?;
    assert_eq!(got.spec.as_ref().and_then(|s| s.node_name.as_deref()), Some("node-1"));
    let scheduled = got
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.type_ == "PodScheduled")
        .map(|c| c.status);
    assert_eq!(scheduled.as_deref(), Some("True"));
    let again = pods.create_binding(&binding, &PostParams::default()).await.expect_err("bound");
    assert!(again.is_conflict(), "{again}");
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_patch_status_and_evict() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let pods = Api::<Pod>::namespaced(cluster.client.clone(), "default");
    pods.create(&PostParams::default(), &pod("running")).await?;
    let patched = pods
        .patch_status(
            "running",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Running"}})),
        )
        .await
        .context("patching the status")?;
    assert_eq!(patched.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Running"));
    let status = pods.get_status("running").await?;
    assert_eq!(status.status.and_then(|s| s.phase), Some("Running".into()));

    pods.create(&PostParams::default(), &pod("evicted")).await?;
    let eviction: Eviction =
        serde_json::from_value(json!({"metadata": {"name": "evicted", "namespace": "default"}}))?;
    pods.create_eviction("evicted", &eviction).await?;
    // An unscheduled pod goes at once; a scheduled one would be marked for deletion.
    match pods.get_opt("evicted").await? {
        None => {}
        Some(p) => assert!(p.metadata.deletion_timestamp.is_some()),
    }
    let eviction: Eviction =
        serde_json::from_value(json!({"metadata": {"name": "nope", "namespace": "default"}}))?;
    let missing = pods.create_eviction("nope", &eviction).await.expect_err("no such pod");
    assert!(missing.is_not_found(), "{missing}");
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_scale_subresource() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let api = Api::<Deployment>::namespaced(cluster.client.clone(), "default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        }
    }))?;
    api.create(&PostParams::default(), &d).await?;
    let mut scale = api.get_scale("web").await?;
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(1));
    scale.spec.get_or_insert_with(Default::default).replicas = Some(3);
    let replaced = api.replace_scale("web", &PostParams::default(), &scale).await?;
    assert_eq!(replaced.spec.and_then(|s| s.replicas), Some(3));
    assert_eq!(api.get("web").await?.spec.and_then(|s| s.replicas), Some(3));
    let patched = api
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await?;
    assert_eq!(patched.spec.and_then(|s| s.replicas), Some(5));
    assert_eq!(api.get("web").await?.spec.and_then(|s| s.replicas), Some(5));
    cluster.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_credentials_and_tls() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    // ALPN picks HTTP/2 with this server.
    let resp = cluster.client.send_streaming(Request::get("/version")).await?;
    assert_eq!(format!("{:?}", resp.version()), "HTTP/2.0");
    drop(resp);
    // A path nothing serves is a 404 NotFound.
    let err = cluster
        .client
        .send(Request::get("/apis/nope.example.com/v1/things"))
        .await
        .expect_err("404");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.code(), Some(404));
    // A missing namespace is NotFound with the namespace's name.
    let err =
        Api::<Namespace>::cluster(cluster.client.clone()).get("absent").await.expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "namespaces \"absent\" not found");

    // A wrong token is 401.
    let wrong = ResolvedConfig { token: Some("wrong".into()), ..cluster.resolved.clone() };
    let err = Api::<ConfigMap>::namespaced(cluster.client_for(&wrong)?, "default")
        .list(&ListOptions::default())
        .await
        .expect_err("401");
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.code(), Some(401));

    // Without the CA the server's self-signed certificate is refused, unless verification is
    // turned off.
    let no_ca = ResolvedConfig { ca_data: None, ..cluster.resolved.clone() };
    match cluster.client_for(&no_ca) {
        Ok(c) => {
            let err = c.send(Request::get("/version")).await.expect_err("untrusted");
            assert!(matches!(err, Error::Transport { .. }), "{err}");
        }
        Err(Error::Config(_)) => {} // no system CA bundle on this machine
        Err(e) => panic!("unexpected {e}"),
    }
    let insecure = ResolvedConfig { ca_data: None, insecure: true, ..cluster.resolved.clone() };
    let c = cluster.client_for(&insecure)?;
    let v = client::discovery::DiscoveryClient::new(c).server_version().await?;
    assert_eq!(v.major, "1");

    // A wrong TLS server name fails verification; the right one passes.
    let bad_name =
        ResolvedConfig { tls_server_name: Some("example.com".into()), ..cluster.resolved.clone() };
    let err =
        cluster.client_for(&bad_name)?.send(Request::get("/version")).await.expect_err("name");
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    let good_name =
        ResolvedConfig { tls_server_name: Some("localhost".into()), ..cluster.resolved.clone() };
    cluster.client_for(&good_name)?.send(Request::get("/version")).await?;

    // The identity the server sees: the token's user, or the client certificate's subject.
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let who: serde_json::Value =
        cluster.client.send_json(Request::post(path).json(&review)?).await?;
    assert_eq!(who["status"]["userInfo"]["username"], "admin");
    let cert = ResolvedConfig {
        token: None,
        client_cert_data: Some(cluster.jane_cert.clone()),
        client_key_data: Some(cluster.jane_key.clone()),
        ..cluster.resolved.clone()
    };
    let who: serde_json::Value =
        cluster.client_for(&cert)?.send_json(Request::post(path).json(&review)?).await?;
    assert_eq!(who["status"]["userInfo"]["username"], "jane");
    assert_eq!(who["status"]["userInfo"]["groups"][0], "devs");
    assert!(cluster.dir().exists());
    cluster.stop().await;
    Ok(())
}
