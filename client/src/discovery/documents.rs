//! The discovery documents and their conversion into a [`ResourceTable`]: aggregated discovery
//! (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`, which k8s-openapi does not carry) and the
//! legacy `APIVersions`, `APIGroupList` and `APIResourceList`.

use apimachinery::runtime::{ApiGroupInfo, ApiVersionInfo, ResourceInfo, SubresourceInfo};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResourceList};
use serde::{Deserialize, Deserializer};

/// Reads `null` as the default value, since Go writes `null` for nil slices.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `APIGroupDiscoveryList`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupDiscoveryList {
    #[serde(default, deserialize_with = "nullable")]
    pub items: Vec<GroupDiscovery>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiscoveryMeta {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// `APIGroupDiscovery`: one group, its versions in preference order.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupDiscovery {
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: DiscoveryMeta,
    #[serde(default, deserialize_with = "nullable")]
    pub versions: Vec<VersionDiscovery>,
}

/// `APIVersionDiscovery`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionDiscovery {
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    #[serde(default, deserialize_with = "nullable")]
    pub resources: Vec<ResourceDiscovery>,
    #[serde(default, deserialize_with = "nullable")]
    pub freshness: String,
}

/// A `GroupVersionKind` as discovery writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiscoveryKind {
    #[serde(default, deserialize_with = "nullable")]
    pub group: String,
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    #[serde(default, deserialize_with = "nullable")]
    pub kind: String,
}

/// `APIResourceDiscovery`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceDiscovery {
    #[serde(default, deserialize_with = "nullable")]
    pub resource: String,
    #[serde(default)]
    pub response_kind: Option<DiscoveryKind>,
    #[serde(default, deserialize_with = "nullable")]
    pub scope: String,
    #[serde(default, deserialize_with = "nullable")]
    pub singular_resource: String,
    #[serde(default, deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub short_names: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub categories: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub subresources: Vec<SubresourceDiscovery>,
}

/// `APISubresourceDiscovery`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubresourceDiscovery {
    #[serde(default, deserialize_with = "nullable")]
    pub subresource: String,
    #[serde(default)]
    pub response_kind: Option<DiscoveryKind>,
    #[serde(default, deserialize_with = "nullable")]
    pub verbs: Vec<String>,
}

/// One group as discovered: its versions (preferred first) and the resources at each.
#[derive(Debug, Clone)]
pub(crate) struct DiscoveredGroup {
    pub info: ApiGroupInfo,
    pub resources: Vec<ResourceInfo>,
}

fn version_info(version: &str) -> ApiVersionInfo {
    ApiVersionInfo { version: version.to_string(), priority: None }
}

/// The groups of an aggregated document. Versions marked stale are left out, as client-go
/// reports them failed rather than serving outdated resources; so are resources without a
/// response kind.
pub(crate) fn from_aggregated(list: GroupDiscoveryList) -> Vec<DiscoveredGroup> {
    let mut out = Vec::new();
    for group in list.items {
        let name = group.metadata.name;
        let mut d = DiscoveredGroup {
            info: ApiGroupInfo { name: name.clone(), versions: Vec::new() },
            resources: Vec::new(),
        };
        for v in group.versions {
            if v.freshness == "Stale" {
                tracing::warn!(group = %name, version = %v.version, "skipping stale discovery data");
                continue;
            }
            d.info.versions.push(version_info(&v.version));
            for r in v.resources {
                let Some(kind) = r.response_kind else { continue };
                let subresources = r
                    .subresources
                    .into_iter()
                    .map(|s| {
                        let k = s.response_kind.unwrap_or_default();
                        SubresourceInfo {
                            name: s.subresource,
                            group: if k.group.is_empty() && k.version.is_empty() {
                                name.clone()
                            } else {
                                k.group
                            },
                            version: if k.version.is_empty() {
                                v.version.clone()
                            } else {
                                k.version
                            },
                            kind: k.kind,
                            verbs: s.verbs,
                        }
                    })
                    .collect();
                d.resources.push(ResourceInfo {
                    group: name.clone(),
                    version: v.version.clone(),
                    singular_name: if r.singular_resource.is_empty() {
                        kind.kind.to_lowercase()
                    } else {
                        r.singular_resource
                    },
                    kind: kind.kind,
                    resource: r.resource,
                    namespaced: r.scope == "Namespaced",
                    short_names: r.short_names,
                    categories: r.categories,
                    verbs: r.verbs,
                    subresources,
                });
            }
        }
        out.push(d);
    }
    out
}

/// A legacy `APIGroup`'s versions, preferred first.
pub(crate) fn legacy_group(group: &APIGroup) -> ApiGroupInfo {
    let mut versions: Vec<ApiVersionInfo> = Vec::new();
    if let Some(p) = &group.preferred_version {
        versions.push(version_info(&p.version));
    }
    for v in &group.versions {
        if !versions.iter().any(|x| x.version == v.version) {
            versions.push(version_info(&v.version));
        }
    }
    ApiGroupInfo { name: group.name.clone(), versions }
}

/// The resources of a legacy `APIResourceList` for `group`/`version`; `name/sub` entries become
/// subresources of `name`.
pub(crate) fn from_resource_list(
    group: &str,
    version: &str,
    list: &APIResourceList,
) -> Vec<ResourceInfo> {
    let mut out: Vec<ResourceInfo> = Vec::new();
    for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
        out.push(ResourceInfo {
            group: group.to_string(),
            version: version.to_string(),
            kind: r.kind.clone(),
            resource: r.name.clone(),
            singular_name: if r.singular_name.is_empty() {
                r.kind.to_lowercase()
            } else {
                r.singular_name.clone()
            },
            namespaced: r.namespaced,
            short_names: r.short_names.clone().unwrap_or_default(),
            categories: r.categories.clone().unwrap_or_default(),
            verbs: r.verbs.clone(),
            subresources: Vec::new(),
        });
    }
    for r in &list.resources {
        let Some((parent, sub)) = r.name.split_once('/') else { continue };
        let Some(p) = out.iter_mut().find(|p| p.resource == parent) else { continue };
        p.subresources.push(SubresourceInfo {
            name: sub.to_string(),
            group: r.group.clone().filter(|g| !g.is_empty()).unwrap_or_else(|| group.to_string()),
            version: r
                .version
                .clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| version.to_string()),
            kind: r.kind.clone(),
            verbs: r.verbs.clone(),
        });
    }
    out
}
