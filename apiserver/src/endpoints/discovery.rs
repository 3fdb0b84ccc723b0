//! Discovery documents: `/api`, `/apis`, `/apis/<group>`, `/api/v1` and `/apis/<group>/<version>`
//! (legacy discovery) and aggregated discovery v2 (`APIGroupDiscoveryList`), built once from the
//! resource table.

use apimachinery::runtime::{ResourceInfo, ResourceTable};
use apimachinery::schema::GroupVersion;
use serde_json::{Value, json};

use crate::registry::CustomResource;

/// The media type of aggregated discovery responses (what clients ask for with `as=`).
pub const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Pre-built discovery documents.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// `/api`.
    pub api_versions: Value,
    /// `/apis`.
    pub api_groups: Value,
    /// Aggregated `/api`.
    pub aggregated_core: Value,
    /// Aggregated `/apis`.
    pub aggregated_groups: Value,
    table: &'static ResourceTable,
}

fn group_version_entry(gv: &GroupVersion) -> Value {
    json!({"groupVersion": gv.to_string(), "version": gv.version})
}

fn api_group(table: &ResourceTable, name: &str) -> Option<Value> {
    let group = table.group(name)?;
    let versions: Vec<Value> = group.group_versions().iter().map(group_version_entry).collect();
    let preferred = versions.first().cloned()?;
    Some(json!({"name": name, "versions": versions, "preferredVersion": preferred}))
}

fn legacy_resource(r: &ResourceInfo) -> Vec<Value> {
    let mut out = Vec::new();
    let mut main = json!({
        "name": r.resource,
        "singularName": r.singular_name,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        main["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        main["categories"] = json!(r.categories);
    }
    out.push(main);
    for s in &r.subresources {
        let mut sub = json!({
            "name": format!("{}/{}", r.resource, s.name),
            "singularName": "",
            "namespaced": r.namespaced,
        });
        if s.group != r.group || s.version != r.version {
            sub["group"] = json!(s.group);
            sub["version"] = json!(s.version);
        }
        sub["kind"] = json!(s.kind);
        sub["verbs"] = json!(s.verbs);
        out.push(sub);
    }
    out
}

fn aggregated_resource(r: &ResourceInfo) -> Value {
    let mut v = json!({
        "resource": r.resource,
        "responseKind": {"group": "", "version": "", "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular_name,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                let (g, ver) = if s.group != r.group || s.version != r.version {
                    (s.group.as_str(), s.version.as_str())
                } else {
                    ("", "")
                };
                json!({
                    "subresource": s.name,
                    "responseKind": {"group": g, "version": ver, "kind": s.kind},
                    "verbs": s.verbs,
                })
            })
            .collect();
        v["subresources"] = json!(subs);
    }
    v
}

fn aggregated_group(table: &ResourceTable, name: &str) -> Value {
    let versions: Vec<Value> = table
        .group(name)
        .map(|g| g.group_versions())
        .unwrap_or_default()
        .iter()
        .map(|gv| {
            let resources: Vec<Value> = table.resources_in(gv).map(aggregated_resource).collect();
            json!({"version": gv.version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let metadata = if name.is_empty() {
        json!({"creationTimestamp": null})
    } else {
        json!({"name": name, "creationTimestamp": null})
    };
    json!({"metadata": metadata, "versions": versions})
}

impl Discovery {
    /// Builds every document; `server_address` is `host:port` clients are told to use.
    pub fn new(table: &'static ResourceTable, server_address: &str) -> Self {
        let groups: Vec<Value> = table
            .groups()
            .iter()
            .filter(|g| !g.name.is_empty())
            .filter_map(|g| api_group(table, &g.name))
            .collect();
        let group_items: Vec<Value> = table
            .groups()
            .iter()
            .filter(|g| !g.name.is_empty())
            .map(|g| aggregated_group(table, &g.name))
            .collect();
        Discovery {
            api_versions: json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
            }),
            api_groups: json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
            aggregated_core: json!({
                "kind": "APIGroupDiscoveryList",
                "apiVersion": "apidiscovery.k8s.io/v2",
                "metadata": {},
                "items": [aggregated_group(table, "")],
            }),
            aggregated_groups: json!({
                "kind": "APIGroupDiscoveryList",
                "apiVersion": "apidiscovery.k8s.io/v2",
                "metadata": {},
                "items": group_items,
            }),
            table,
        }
    }

    /// `/apis/<group>`.
    pub fn group(&self, name: &str) -> Option<Value> {
        let mut g = api_group(self.table, name)?;
        let obj = g.as_object_mut()?;
        let mut out = serde_json::Map::new();
        out.insert("kind".into(), json!("APIGroup"));
        out.insert("apiVersion".into(), json!("v1"));
        out.append(obj);
        Some(Value::Object(out))
    }

    /// `/api/v1` or `/apis/<group>/<version>`.
    pub fn resource_list(&self, gv: &GroupVersion) -> Option<Value> {
        let group = self.table.group(&gv.group)?;
        if !group.has_version(&gv.version) {
            return None;
        }
        let resources: Vec<Value> = self.table.resources_in(gv).flat_map(legacy_resource).collect();
        Some(json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv.to_string(),
            "resources": resources,
        }))
    }
}

/// Whether an `Accept` header asks for aggregated discovery v2 (or v2beta1, answered as v2).
pub fn wants_aggregated(accept: &str) -> bool {
    apimachinery::codec::media::parse_accept(accept).iter().any(|c| {
        let p = |k: &str| c.params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        p("as") == Some("APIGroupDiscoveryList")
            && p("g") == Some("apidiscovery.k8s.io")
            && p("v") == Some("v2")
    })
}

/// The custom groups in first-seen order, each with its versions in definition order.
fn custom_groups(custom: &[CustomResource]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for c in custom {
        let i = &c.info;
        match groups.iter_mut().find(|(g, _)| *g == i.group) {
            Some((_, versions)) => {
                if !versions.contains(&i.version) {
                    versions.push(i.version.clone());
                }
            }
            None => groups.push((i.group.clone(), vec![i.version.clone()])),
        }
    }
    groups
}

fn custom_api_group(name: &str, versions: &[String]) -> Value {
    let entries: Vec<Value> =
        versions.iter().map(|v| group_version_entry(&GroupVersion::new(name, v))).collect();
    json!({"name": name, "versions": entries, "preferredVersion": entries.first().cloned().unwrap_or(Value::Null)})
}

impl Discovery {
    /// `/apis` including the groups of custom resources.
    pub fn api_groups_with(&self, custom: &[CustomResource]) -> Value {
        let mut v = self.api_groups.clone();
        if let Some(groups) = v.get_mut("groups").and_then(Value::as_array_mut) {
            for (name, versions) in custom_groups(custom) {
                if !groups.iter().any(|g| g["name"] == name.as_str()) {
                    groups.push(custom_api_group(&name, &versions));
                }
            }
        }
        v
    }

    /// Aggregated `/apis` including the groups of custom resources.
    pub fn aggregated_groups_with(&self, custom: &[CustomResource]) -> Value {
        let mut v = self.aggregated_groups.clone();
        if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
            for (name, versions) in custom_groups(custom) {
                let versions: Vec<Value> = versions
                    .iter()
                    .map(|ver| {
                        let resources: Vec<Value> = custom
                            .iter()
                            .filter(|c| c.info.group == name && c.info.version == *ver)
                            .map(|c| aggregated_resource(&c.info))
                            .collect();
                        json!({"version": ver, "resources": resources, "freshness": "Current"})
                    })
                    .collect();
                items.push(json!({
                    "metadata": {"name": name, "creationTimestamp": null},
                    "versions": versions,
                }));
            }
        }
        v
    }

    /// `/apis/<group>` for built-in or custom groups.
    pub fn group_with(&self, name: &str, custom: &[CustomResource]) -> Option<Value> {
        if let Some(g) = self.group(name) {
            return Some(g);
        }
        let (_, versions) = custom_groups(custom).into_iter().find(|(g, _)| g == name)?;
        let mut out = serde_json::Map::new();
        out.insert("kind".into(), json!("APIGroup"));
        out.insert("apiVersion".into(), json!("v1"));
        if let Value::Object(m) = custom_api_group(name, &versions) {
            out.extend(m);
        }
        Some(Value::Object(out))
    }

    /// `/apis/<group>/<version>` for built-in or custom group/versions.
    pub fn resource_list_with(
        &self,
        gv: &GroupVersion,
        custom: &[CustomResource],
    ) -> Option<Value> {
        if let Some(l) = self.resource_list(gv) {
            return Some(l);
        }
        let resources: Vec<Value> = custom
            .iter()
            .filter(|c| c.info.group == gv.group && c.info.version == gv.version)
            .flat_map(|c| legacy_resource(&c.info))
            .collect();
        if resources.is_empty() {
            return None;
        }
        Some(json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv.to_string(),
            "resources": resources,
        }))
    }
}
