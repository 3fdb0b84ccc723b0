//! The dynamic client against the server: ConfigMaps as JSON values, and its ListerWatcher.

use std::time::Duration;

use apimachinery::schema::GroupVersionResource;
use client::cache::{ListOptions, ListerWatcher, WatchEvent};
use client::rest::{DeleteParams, DynamicApi, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::{Cluster, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_config_map_round_trip() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let gvr = GroupVersionResource::new("", "v1", "configmaps");
    let api = DynamicApi::namespaced(cluster.client.clone(), gvr, "default");
    let created = api
        .create(
            &PostParams::default(),
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn", "labels": {"via": "dynamic"}}, "data": {"a": "1"}}),
        )
        .await?;
    assert_eq!(created["metadata"]["namespace"], "default");
    let got = api.get("dyn").await?;
    assert_eq!(got["data"]["a"], "1");

    let list = api
        .list(&ListOptions { label_selector: "via=dynamic".into(), ..Default::default() })
        .await?;
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0]["kind"], "ConfigMap");
    assert_eq!(list.items[0]["apiVersion"], "v1");

    let lw: &dyn ListerWatcher<Value> = &api;
    let mut watch = lw
        .watch(ListOptions {
            resource_version: list.resource_version.clone(),
            ..Default::default()
        })
        .await?;
    let patched = api
        .patch("dyn", &PatchParams::default(), &Patch::Merge(json!({"data": {"a": "2"}})))
        .await?;
    assert_eq!(patched["data"]["a"], "2");
    match within(Duration::from_secs(20), watch.next()).await {
        Some(Ok(WatchEvent::Modified(v))) => assert_eq!(v["data"]["a"], "2"),
        other => panic!("unexpected {other:?}"),
    }

    let mut replaced = patched.clone();
    replaced["data"]["b"] = json!("3");
    let replaced = api.replace("dyn", &PostParams::default(), &replaced).await?;
    assert_eq!(replaced["data"]["b"], "3");

    api.delete("dyn", &DeleteParams::default()).await?;
    let err = api.get("dyn").await.expect_err("deleted");
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "configmaps \"dyn\" not found");
    cluster.stop().await;
    Ok(())
}
