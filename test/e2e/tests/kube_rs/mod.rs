//! The `kube-rs` case: kube-rs' typed client, discovery and runtime watcher against the
//! cluster, as a Rust controller would use them.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use e2e::{Ctx, expect_eq};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
    WatchEvent, WatchParams,
};
use kube::runtime::watcher;
use serde_json::json;

/// How long any one step may wait for the server.
const STEP: Duration = Duration::from_secs(30);

pub fn kube_rs(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("kube-rs")?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let client = client(ctx.cluster.kubeconfig()).await?;
        let version = client.apiserver_version().await?;
        expect_eq(
            "kube-rs apiserver_version",
            &format!("{}.{}", version.major, version.minor),
            "1.35",
        )?;
        typed(&client, &ns).await.context("typed client")?;
        apply(&client, &ns).await.context("server-side apply")?;
        status(&client, &ns).await.context("status subresource")?;
        watchers(&client, &ns).await.context("watcher")?;
        dynamic(&client, &ns).await.context("discovery and dynamic objects")
    })
}

async fn client(kubeconfig: &Path) -> Result<kube::Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let options = kube::config::KubeConfigOptions::default();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    Ok(kube::Client::try_from(config)?)
}

fn config_map(name: &str, data: &[(&str, &str)]) -> Result<ConfigMap> {
    let data: serde_json::Map<String, serde_json::Value> =
        data.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    Ok(serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"suite": "kube-rs"}},
        "data": data,
    }))?)
}

/// The API error a call failed with.
fn api_error<T: std::fmt::Debug>(
    what: &str,
    r: kube::Result<T>,
) -> Result<Box<kube::core::Status>> {
    match r {
        Err(kube::Error::Api(status)) => Ok(status),
        other => bail!("{what}: expected an API error, got {other:?}"),
    }
}

fn data_of(cm: &ConfigMap, key: &str) -> String {
    cm.data.as_ref().and_then(|d| d.get(key)).cloned().unwrap_or_default()
}

/// Create, get, list (labels, fields, pages, metadata only), replace with a stale version,
/// patches, delete and delete-collection, with the errors kube-rs decodes.
async fn typed(client: &kube::Client, ns: &str) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let pp = PostParams::default();
    let a = cms.create(&pp, &config_map("a", &[("k", "1")])?).await?;
    let uid = a.metadata.uid.clone().unwrap_or_default();
    expect_eq("created uid set", &(!uid.is_empty()).to_string(), "true")?;
    cms.create(&pp, &config_map("b", &[("k", "2")])?).await?;
    let dup = api_error("second create", cms.create(&pp, &config_map("a", &[])?).await)?;
    expect_eq(
        "duplicate create",
        &format!("{} {} {}", dup.code, dup.reason, dup.message),
        "409 AlreadyExists configmaps \"a\" already exists",
    )?;
    let missing = api_error("get missing", cms.get("missing").await)?;
    expect_eq(
        "get missing",
        &format!("{} {} {}", missing.code, missing.reason, missing.message),
        "404 NotFound configmaps \"missing\" not found",
    )?;
    expect_eq("get_opt missing", &format!("{:?}", cms.get_opt("missing").await?), "None")?;

    let names = |list: Vec<ConfigMap>| -> String {
        list.iter().filter_map(|c| c.metadata.name.clone()).collect::<Vec<_>>().join(",")
    };
    let all = cms.list(&ListParams::default().labels("suite=kube-rs")).await?;
    expect_eq("list by label", &names(all.items), "a,b")?;
    let one = cms.list(&ListParams::default().fields("metadata.name=b")).await?;
    expect_eq("list by field", &names(one.items), "b")?;
    let page = cms.list(&ListParams::default().limit(1)).await?;
    let token = page.metadata.continue_.clone().unwrap_or_default();
    let rest = cms.list(&ListParams::default().limit(1).continue_token(&token)).await?;
    expect_eq("pages", &format!("{} then {}", names(page.items), names(rest.items)), "a then b")?;
    let bad = api_error("bad selector", cms.list(&ListParams::default().labels("a in (")).await)?;
    expect_eq("bad selector code", &format!("{} {}", bad.code, bad.reason), "400 BadRequest")?;
    let meta = cms.list_metadata(&ListParams::default().labels("suite=kube-rs")).await?;
    let meta_names: Vec<_> = meta.items.iter().filter_map(|m| m.metadata.name.clone()).collect();
    expect_eq("list_metadata", &meta_names.join(","), "a,b")?;
    let a_meta = cms.get_metadata("a").await?;
    expect_eq("get_metadata uid", a_meta.metadata.uid.as_deref().unwrap_or_default(), &uid)?;

    let mut changed = a.clone();
    changed.data = config_map("a", &[("k", "3")])?.data;
    let replaced = cms.replace("a", &pp, &changed).await?;
    expect_eq("replaced", &data_of(&replaced, "k"), "3")?;
    let stale = api_error("stale replace", cms.replace("a", &pp, &changed).await)?;
    expect_eq("stale replace", &format!("{} {}", stale.code, stale.reason), "409 Conflict")?;

    let merge = Patch::Merge(json!({"data": {"m": "merged"}}));
    let patched = cms.patch("a", &PatchParams::default(), &merge).await?;
    let json = Patch::Json::<()>(serde_json::from_value(
        json!([{"op": "replace", "path": "/data/k", "value": "4"}]),
    )?);
    let patched2 = cms.patch("a", &PatchParams::default(), &json).await?;
    let strategic = Patch::Strategic(json!({"metadata": {"labels": {"extra": "yes"}}}));
    let patched3 = cms.patch("a", &PatchParams::default(), &strategic).await?;
    expect_eq(
        "patches",
        &format!(
            "{} {} {}",
            data_of(&patched, "m"),
            data_of(&patched2, "k"),
            patched3
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("extra"))
                .cloned()
                .unwrap_or_default()
        ),
        "merged 4 yes",
    )?;
    let dry = cms
        .patch("a", &PatchParams::default().dry_run(), &Patch::Merge(json!({"data": {"k": "dry"}})))
        .await?;
    expect_eq("dry-run patch answer", &data_of(&dry, "k"), "dry")?;
    expect_eq("dry-run patch stored", &data_of(&cms.get("a").await?, "k"), "4")?;

    let precondition = DeleteParams {
        preconditions: Some(kube::api::Preconditions {
            uid: Some("wrong".into()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let refused = api_error("delete with a wrong uid", cms.delete("a", &precondition).await)?;
    expect_eq("precondition", &format!("{} {}", refused.code, refused.reason), "409 Conflict")?;
    // Config maps answer a delete with a Status naming what went (pods answer with the pod).
    let deleted = cms.delete("a", &DeleteParams::default()).await?;
    let details = deleted.right().and_then(|s| s.details).context("delete answer: no details")?;
    expect_eq(
        "delete answer",
        &format!("{} {} {}", details.name, details.kind, details.uid == uid),
        "a configmaps true",
    )?;
    cms.delete_collection(&DeleteParams::default(), &ListParams::default().labels("suite=kube-rs"))
        .await?;
    let left = cms.list(&ListParams::default().labels("suite=kube-rs")).await?;
    expect_eq("after delete_collection", &names(left.items), "")
}

/// Server-side apply: a second manager conflicts until it forces, and managed fields record
/// who owns what.
async fn apply(client: &kube::Client, ns: &str) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let body = |v: &str| {
        Patch::Apply(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "ssa"}, "data": {"owned": v},
        }))
    };
    let first = cms.patch("ssa", &PatchParams::apply("kube-rs-one"), &body("1")).await?;
    expect_eq("applied", &data_of(&first, "owned"), "1")?;
    let conflict = api_error(
        "conflicting apply",
        cms.patch("ssa", &PatchParams::apply("kube-rs-two"), &body("2")).await,
    )?;
    expect_eq(
        "conflict",
        &format!("{} {} {}", conflict.code, conflict.reason, conflict.message),
        "409 Conflict Apply failed with 1 conflict: conflict with \"kube-rs-one\": .data.owned",
    )?;
    let forced = cms.patch("ssa", &PatchParams::apply("kube-rs-two").force(), &body("2")).await?;
    let managers: Vec<String> = forced
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|m| {
            format!(
                "{}:{}",
                m.manager.clone().unwrap_or_default(),
                m.operation.clone().unwrap_or_default()
            )
        })
        .collect();
    expect_eq("forced", &data_of(&forced, "owned"), "2")?;
    expect_eq("managers after force", &managers.join(","), "kube-rs-two:Apply")
}

/// A status write through `pods/status` changes the status only.
async fn status(client: &kube::Client, ns: &str) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }))?;
    let created = pods.create(&PostParams::default(), &pod).await?;
    expect_eq(
        "new pod phase",
        created.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or_default(),
        "Pending",
    )?;
    let patch = Patch::Merge(json!({
        "spec": {"activeDeadlineSeconds": 5},
        "status": {"phase": "Running", "podIP": "10.1.2.3"},
    }));
    pods.patch_status("p", &PatchParams::default(), &patch).await?;
    let got = pods.get_status("p").await?;
    let status = got.status.clone().unwrap_or_default();
    expect_eq(
        "status after patch_status",
        &format!(
            "{} {} deadline={:?}",
            status.phase.unwrap_or_default(),
            status.pod_ip.unwrap_or_default(),
            got.spec.and_then(|s| s.active_deadline_seconds)
        ),
        "Running 10.1.2.3 deadline=None",
    )?;
    pods.delete("p", &DeleteParams::default().grace_period(0)).await?;
    Ok(())
}

/// The raw watch from a list's resourceVersion and the runtime watcher with both
/// initial list strategies: paged list then watch, and streaming lists (sendInitialEvents).
async fn watchers(client: &kube::Client, ns: &str) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let labels = "suite=kube-rs-watch";
    let labelled = |name: &str, v: &str| -> Result<ConfigMap> {
        let mut cm = config_map(name, &[("v", v)])?;
        cm.metadata.labels = Some([("suite".to_string(), "kube-rs-watch".to_string())].into());
        Ok(cm)
    };
    cms.create(&PostParams::default(), &labelled("w1", "1")?).await?;
    let list = cms.list(&ListParams::default().labels(labels)).await?;
    let rv = list.metadata.resource_version.clone().unwrap_or_default();

    let mut raw = cms.watch(&WatchParams::default().labels(labels).timeout(30), &rv).await?.boxed();
    cms.create(&PostParams::default(), &labelled("w2", "1")?).await?;
    cms.patch("w1", &PatchParams::default(), &Patch::Merge(json!({"data": {"v": "2"}}))).await?;
    cms.delete("w2", &DeleteParams::default()).await?;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let ev = tokio::time::timeout(STEP, raw.try_next()).await?.context("raw watch")?;
        match ev.ok_or_else(|| anyhow!("raw watch ended"))? {
            WatchEvent::Added(c) => {
                seen.push(format!("ADDED {}", c.metadata.name.unwrap_or_default()))
            }
            WatchEvent::Modified(c) => seen.push(format!(
                "MODIFIED {} v={}",
                c.metadata.name.clone().unwrap_or_default(),
                data_of(&c, "v")
            )),
            WatchEvent::Deleted(c) => {
                seen.push(format!("DELETED {}", c.metadata.name.unwrap_or_default()))
            }
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => bail!("raw watch error: {e:?}"),
        }
    }
    expect_eq("raw watch", &seen.join(", "), "ADDED w2, MODIFIED w1 v=2, DELETED w2")?;

    for (strategy, config) in [
        ("list-watch", watcher::Config::default().labels(labels)),
        ("streaming", watcher::Config::default().labels(labels).streaming_lists()),
    ] {
        let mut stream = watcher(cms.clone(), config).boxed();
        let mut initial = Vec::new();
        loop {
            let ev = tokio::time::timeout(STEP, stream.try_next())
                .await
                .with_context(|| format!("{strategy}: initial list"))??;
            match ev.ok_or_else(|| anyhow!("{strategy}: watcher ended"))? {
                watcher::Event::Init => initial.push("Init".to_string()),
                watcher::Event::InitApply(c) => initial.push(c.metadata.name.unwrap_or_default()),
                watcher::Event::InitDone => {
                    initial.push("InitDone".to_string());
                    break;
                }
                other => bail!("{strategy}: unexpected {other:?} before InitDone"),
            }
        }
        expect_eq(&format!("{strategy} initial events"), &initial.join(" "), "Init w1 InitDone")?;
        let name = format!("w-{strategy}");
        cms.create(&PostParams::default(), &labelled(&name, "1")?).await?;
        cms.delete(&name, &DeleteParams::default()).await?;
        let mut live = Vec::new();
        while live.len() < 2 {
            let ev = tokio::time::timeout(STEP, stream.try_next())
                .await
                .with_context(|| format!("{strategy}: live events"))??;
            match ev.ok_or_else(|| anyhow!("{strategy}: watcher ended"))? {
                watcher::Event::Apply(c) => {
                    live.push(format!("Apply {}", c.metadata.name.unwrap_or_default()))
                }
                watcher::Event::Delete(c) => {
                    live.push(format!("Delete {}", c.metadata.name.unwrap_or_default()))
                }
                other => bail!("{strategy}: unexpected {other:?}"),
            }
        }
        expect_eq(
            &format!("{strategy} live events"),
            &live.join(", "),
            &format!("Apply {name}, Delete {name}"),
        )?;
    }
    Ok(())
}

/// A custom resource definition made through the typed client, found by aggregated discovery
/// and used through dynamic objects; deleting the definition removes its objects.
async fn dynamic(client: &kube::Client, ns: &str) -> Result<()> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "metadata": {"name": "gizmos.kube-rs.example.com"},
        "spec": {
            "group": "kube-rs.example.com",
            "names": {"kind": "Gizmo", "plural": "gizmos", "singular": "gizmo", "listKind": "GizmoList"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"size": {"type": "integer", "default": 1}}},
                    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
                }}},
            }],
        },
    }))?;
    let uid = crds.create(&PostParams::default(), &crd).await?.metadata.uid.unwrap_or_default();
    let established = kube::runtime::wait::await_condition(
        crds.clone(),
        "gizmos.kube-rs.example.com",
        kube::runtime::wait::conditions::is_crd_established(),
    );
    tokio::time::timeout(STEP, established).await.context("CRD not established")??;

    // Discovery may lag the condition by a moment: retry until the group shows.
    let gvk = GroupVersionKind::gvk("kube-rs.example.com", "v1", "Gizmo");
    let mut found = None;
    for _ in 0..50 {
        let discovery = kube::Discovery::new(client.clone()).run_aggregated().await?;
        if let Some(hit) = discovery.resolve_gvk(&gvk) {
            let apps = discovery.get("apps").map(|g| g.preferred_version_or_latest().to_string());
            expect_eq("apps preferred version", &apps.unwrap_or_default(), "v1")?;
            found = Some(hit);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (resource, caps) = found.context("Gizmo never appeared in aggregated discovery")?;
    expect_eq(
        "discovered",
        &format!(
            "{} {:?} status={}",
            resource.plural,
            caps.scope,
            caps.subresources.iter().any(|(s, _)| s.plural == "status")
        ),
        "gizmos Namespaced status=true",
    )?;

    let gizmos: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
    let mut obj = DynamicObject::new("g1", &resource);
    obj.data = json!({"spec": {}});
    let created = gizmos.create(&PostParams::default(), &obj).await?;
    expect_eq("defaulted size", &created.data["spec"]["size"].to_string(), "1")?;
    let status = Patch::Merge(json!({"status": {"ready": true}, "spec": {"size": 9}}));
    let after = gizmos.patch_status("g1", &PatchParams::default(), &status).await?;
    expect_eq(
        "custom resource status",
        &format!("ready={} size={}", after.data["status"]["ready"], after.data["spec"]["size"]),
        "ready=true size=1",
    )?;

    crds.delete("gizmos.kube-rs.example.com", &DeleteParams::default()).await?;
    let gone = kube::runtime::wait::await_condition(
        crds,
        "gizmos.kube-rs.example.com",
        kube::runtime::wait::conditions::is_deleted(&uid),
    );
    tokio::time::timeout(STEP, gone).await.context("CRD not deleted")??;
    Ok(())
}
