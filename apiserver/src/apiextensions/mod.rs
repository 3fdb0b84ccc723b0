//! CustomResourceDefinitions (k8s.io/apiextensions-apiserver).
//!
//! - This module: the controller that serves each definition's resources (marking it
//!   `NamesAccepted` and `Established`, publishing discovery, OpenAPI and an APIService per
//!   served group version) and removes them with all their objects when the definition is
//!   deleted.
//! - [`validation`]: validation of the definitions themselves (structural schemas, names,
//!   versions, subresources, columns, conversion, stored versions).
//! - [`definition`]: the strategy of custom objects: [`Definition`] prunes unknown fields
//!   ([`pruning`]), applies defaults ([`defaulting`]), validates against the version's schema
//!   ([`validator`], [`formats`]), embedded object metadata ([`objectmeta`]) and list types
//!   ([`listtype`]), evaluates `x-kubernetes-validations` rules ([`rules`]), splits spec and
//!   status, bumps the generation, keeps objects at the storage
//!   version while serving every version (conversion `None`), and backs the scale subresource.
//! - [`schema`]: schemas read as structural schemas and checked to be structural.
//! - [`table`]: tables from `additionalPrinterColumns`.
//!
//! Rules are parsed when a definition is written but not type-checked or cost-estimated, and
//! webhook conversion is served as `None`.

pub mod defaulting;
pub mod definition;
pub mod formats;
pub mod listtype;
pub mod objectmeta;
pub mod pruning;
pub mod rules;
pub mod schema;
pub mod table;
pub mod validation;
pub mod validator;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use apimachinery::errors::StatusError;
use apimachinery::runtime::{ResourceInfo, SubresourceInfo};
use serde_json::{Value, json};

pub use definition::{Definition, WriteKind, finalizer_warnings};
pub use table::table;

use crate::endpoints::ApiServer;
use crate::registry::{
    CustomResource, DeleteOptions, ListParams, ObjectMetaExt, Predicate, PrinterColumn, StoreEvent,
    WatchParams, WriteOptions, now_rfc3339,
};

/// The finalizer that holds a definition until its objects are gone.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

const ALL_VERBS: &[&str] =
    &["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The served versions of a definition as the registry serves them, highest priority first
/// (the order discovery lists them in, the first being the preferred version).
pub fn served_versions(crd: &Value) -> Vec<CustomResource> {
    let definition = Arc::new(Definition::from_crd(crd));
    let spec = crd.get("spec").cloned().unwrap_or_default();
    let group = spec.get("group").and_then(Value::as_str).unwrap_or("").to_string();
    let names = spec.get("names").cloned().unwrap_or_default();
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let plural = s(&names, "plural");
    let kind = s(&names, "kind");
    let mut singular = s(&names, "singular");
    if singular.is_empty() {
        singular = kind.to_lowercase();
    }
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    let mut verbs: Vec<String> = ALL_VERBS.iter().map(|v| v.to_string()).collect();
    verbs.sort();
    let mut out = Vec::new();
    for v in spec.get("versions").and_then(Value::as_array).cloned().unwrap_or_default() {
        if v.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let version = s(&v, "name");
        let mut subresources = Vec::new();
        let subs = v.get("subresources").cloned().unwrap_or_default();
        let gpu = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        if subs.get("scale").is_some() {
            subresources.push(SubresourceInfo {
                name: "scale".into(),
                group: "autoscaling".into(),
                version: "v1".into(),
                kind: "Scale".into(),
                verbs: gpu(&["get", "patch", "update"]),
            });
        }
        if subs.get("status").is_some() {
            subresources.push(SubresourceInfo {
                name: "status".into(),
                group: group.clone(),
                version: version.clone(),
                kind: kind.clone(),
                verbs: gpu(&["get", "patch", "update"]),
            });
        }
        let info = ResourceInfo {
            group: group.clone(),
            version: version.clone(),
            kind: kind.clone(),
            resource: plural.clone(),
            singular_name: singular.clone(),
            namespaced,
            short_names: strings(names.get("shortNames")),
            categories: strings(names.get("categories")),
            verbs: verbs.clone(),
            subresources,
        };
        let columns = v
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .map(|c| PrinterColumn {
                        name: s(c, "name"),
                        type_: s(c, "type"),
                        format: s(c, "format"),
                        description: s(c, "description"),
                        priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0) as i32,
                        json_path: s(c, "jsonPath"),
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| {
                vec![PrinterColumn {
                    name: "Age".into(),
                    type_: "date".into(),
                    format: String::new(),
                    description: String::new(),
                    priority: 0,
                    json_path: ".metadata.creationTimestamp".into(),
                }]
            });
        let mut list_kind = s(&names, "listKind");
        if list_kind.is_empty() {
            list_kind = format!("{kind}List");
        }
        let schema = v.pointer("/schema/openAPIV3Schema").cloned();
        out.push(CustomResource {
            info,
            columns,
            list_kind,
            schema,
            definition: definition.clone(),
        });
    }
    out.sort_by(|a, b| definition::compare_versions(&b.info.version, &a.info.version));
    out
}

fn condition(type_: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": type_,
        "status": "True",
        "lastTransitionTime": now_rfc3339(),
        "reason": reason,
        "message": message,
    })
}

/// Reacts to one definition: serve it and mark it established, or clean it up when deleted.
async fn sync(api: &Arc<ApiServer>, crd: &Value) -> Result<(), StatusError> {
    let Some(crds) = api.registry.store("apiextensions.k8s.io", "customresourcedefinitions") else {
        return Ok(());
    };
    let name = crd.name().to_string();
    let versions = served_versions(crd);
    let (group, plural) = versions
        .first()
        .map(|c| (c.info.group.clone(), c.info.resource.clone()))
        .unwrap_or_default();
    if crd.is_being_deleted() {
        if !group.is_empty() {
            delete_all(api, &group, &plural).await?;
            api.registry.remove_custom(&group, &plural);
        }
        let update = |cur: Option<&Value>| -> Result<Value, StatusError> {
            let mut next = cur.cloned().unwrap_or_default();
            let rest: Vec<String> =
                next.finalizers().into_iter().filter(|f| f != CLEANUP_FINALIZER).collect();
            next.meta_mut().insert("finalizers".into(), json!(rest));
            Ok(next)
        };
        match crds.update("", &name, None, &update, false, &WriteOptions::default()).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    if versions.is_empty() {
        return Ok(());
    }
    api.registry.set_custom(versions);
    let established = crd
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
    let has_finalizer = crd.finalizers().iter().any(|f| f == CLEANUP_FINALIZER);
    if established && has_finalizer {
        return Ok(());
    }
    let update = |cur: Option<&Value>| -> Result<Value, StatusError> {
        let mut next = cur.cloned().unwrap_or_default();
        let mut finalizers = next.finalizers();
        if !finalizers.iter().any(|f| f == CLEANUP_FINALIZER) {
            finalizers.push(CLEANUP_FINALIZER.into());
        }
        next.meta_mut().insert("finalizers".into(), json!(finalizers));
        let names = next.pointer("/spec/names").cloned().unwrap_or_default();
        let previous: Vec<String> = next
            .pointer("/status/storedVersions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default();
        let stored = validation::stored_versions(&next, &previous);
        next["status"] = json!({
            "conditions": [
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ],
            "acceptedNames": names,
            "storedVersions": stored,
        });
        Ok(next)
    };
    // Through the store without the status split: the controller owns both changes.
    match crds.update_unchecked(&name, &update, &WriteOptions::default()).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Deletes every object of a custom resource (the definition is going away).
async fn delete_all(api: &ApiServer, group: &str, plural: &str) -> Result<(), StatusError> {
    let Some(store) = api.registry.store(group, plural) else { return Ok(()) };
    let page = store.list(None, &ListParams::default(), &Predicate::everything()).await?;
    let options = DeleteOptions { grace_period_seconds: Some(0), ..Default::default() };
    for obj in page.items {
        // Objects with finalizers of their own are left marked; upstream waits for them too.
        match store.delete(obj.namespace(), obj.name(), &options).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Publishes the custom resources the registry serves in the OpenAPI documents, withdrawing
/// those it no longer serves.
fn refresh_openapi(api: &ApiServer, published: &mut Vec<(String, String, String)>) {
    let current = api.registry.custom_resources();
    let mut openapi = api.openapi.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    for (g, v, r) in published.drain(..) {
        openapi.remove_custom_resource(&g, &v, &r);
    }
    for c in current {
        let i = &c.info;
        published.push((i.group.clone(), i.version.clone(), i.resource.clone()));
        openapi.add_custom_resource(crate::openapi::CustomResourceVersion {
            group: i.group.clone(),
            version: i.version.clone(),
            kind: i.kind.clone(),
            list_kind: c.list_kind.clone(),
            plural: i.resource.clone(),
            namespaced: i.namespaced,
            schema: c.schema.clone(),
            status: i.subresource("status").is_some(),
            scale: i.subresource("scale").is_some(),
        });
    }
}

/// The label the aggregator puts on the APIServices it keeps for custom resources' group
/// versions (`"true"`; the built-in ones it registers at start say `"onstart"`).
const AUTOMANAGED: &str = "kube-aggregator.kubernetes.io/automanaged";

/// Keeps an APIService for every group version custom resources are served at (low group
/// priority, as upstream's CRD registration gives them) and removes those of group versions no
/// longer served.
async fn sync_api_services(api: &ApiServer) -> Result<(), StatusError> {
    let Some(store) = api.registry.store("apiregistration.k8s.io", "apiservices") else {
        return Ok(());
    };
    let mut wanted = std::collections::BTreeSet::new();
    for c in api.registry.custom_resources() {
        wanted.insert((c.info.group.clone(), c.info.version.clone()));
    }
    let page = store.list(None, &ListParams::default(), &Predicate::everything()).await?;
    let mut present = std::collections::BTreeSet::new();
    for obj in &page.items {
        let managed = obj.pointer(&format!("/metadata/labels/{}", AUTOMANAGED.replace('/', "~1")));
        let group = obj.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
        let version = obj.pointer("/spec/version").and_then(Value::as_str).unwrap_or("");
        let key = (group.to_string(), version.to_string());
        if managed == Some(&json!("true")) && !wanted.contains(&key) {
            let options = DeleteOptions::default();
            match store.delete("", obj.name(), &options).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        present.insert(key);
    }
    for (group, version) in wanted.difference(&present) {
        let service = json!({
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": format!("{version}.{group}"), "labels": {AUTOMANAGED: "true"}},
            "spec": {
                "group": group,
                "version": version,
                "groupPriorityMinimum": 1000,
                "versionPriority": 100,
            },
        });
        match store.create("", service, &WriteOptions::default()).await {
            Ok(_) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Runs the definition controller until the server shuts down: every definition is synced on
/// start and on each change.
pub async fn run(api: Arc<ApiServer>) {
    let mut published = Vec::new();
    let Some(crds) = api.registry.store("apiextensions.k8s.io", "customresourcedefinitions") else {
        return;
    };
    let mut shutdown = api.shutdown.clone();
    loop {
        let params = WatchParams::default();
        let mut events = match crds.watch(None, None, &params, Predicate::everything()).await {
            Ok(rx) => rx,
            Err(e) => {
                tracing::warn!(error = %e, "watching CustomResourceDefinitions failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let ev = tokio::select! {
                ev = events.recv() => ev,
                _ = shutdown.wait_for(|s| *s) => return,
            };
            match ev {
                Some(StoreEvent::Object { kind, object, .. }) => {
                    if kind == "DELETED" {
                        for c in served_versions(&object).into_iter().take(1) {
                            api.registry.remove_custom(&c.info.group, &c.info.resource);
                        }
                    } else if let Err(e) = sync(&api, &object).await {
                        tracing::warn!(crd = object.name(), error = %e, "syncing a CustomResourceDefinition failed");
                    }
                    refresh_openapi(&api, &mut published);
                    if let Err(e) = sync_api_services(&api).await {
                        tracing::warn!(error = %e, "registering APIServices of custom resources failed");
                    }
                }
                // No memo key is set, so nothing arrives pre-encoded.
                Some(StoreEvent::Bookmark { .. } | StoreEvent::Encoded(_)) => {}
                Some(StoreEvent::Error(_)) | None => break,
            }
        }
    }
}
