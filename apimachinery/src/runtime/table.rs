//! The resource table: what each served resource is called, where it lives, what it supports,
//! and the API groups in discovery order. The apiserver installs routes and discovery from it;
//! clients use it as their built-in RESTMapper (see `mapper.rs`).

use std::collections::HashMap;

use thiserror::Error;

use crate::schema::{
    GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource,
};

/// One served resource at one group/version, with the facts discovery publishes for it
/// (an `APIResource` in `/apis/<group>/<version>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group; empty for the core group.
    pub group: String,
    /// Version within the group.
    pub version: String,
    /// Kind of the objects (`Deployment`).
    pub kind: String,
    /// Resource name, the lower-case plural used in URLs (`deployments`).
    pub resource: String,
    /// Lower-case singular name (`deployment`); kubectl accepts it in place of the plural.
    pub singular_name: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names kubectl expands (`deploy`), in upstream's order.
    pub short_names: Vec<String>,
    /// Categories the resource belongs to (`all`, `api-extensions`).
    pub categories: Vec<String>,
    /// Verbs the resource serves, sorted as discovery lists them.
    pub verbs: Vec<String>,
    /// Subresources, sorted by name.
    pub subresources: Vec<SubresourceInfo>,
}

impl ResourceInfo {
    /// `group/version, Resource=plural`.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.resource)
    }

    /// `group/version, Kind=Kind`.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// The group/version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// The group and plural resource name.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.resource)
    }

    /// The group and kind.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(&self.group, &self.kind)
    }

    /// The `apiVersion` string of the objects (`apps/v1`, `v1`).
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }

    /// Whether `verb` (`list`, `watch`, ...) is served.
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// Whether the resource is in `category`.
    pub fn in_category(&self, category: &str) -> bool {
        self.categories.iter().any(|c| c == category)
    }

    /// The subresource called `name` (`status`, `scale`), if served.
    pub fn subresource(&self, name: &str) -> Option<&SubresourceInfo> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// Whether `name` is the plural or the singular name (the names kubectl matches exactly).
    pub(super) fn is_named(&self, name: &str) -> bool {
        self.resource == name || self.singular_name == name
    }
}

/// A subresource (`pods/log`, `deployments/scale`) and the kind its requests and responses use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubresourceInfo {
    /// Name after the slash (`status`).
    pub name: String,
    /// Group of the subresource's kind; differs from the parent's for e.g. `scale`
    /// (`autoscaling`) and `eviction` (`policy`). Discovery prints group and version only when
    /// they differ from the parent's.
    pub group: String,
    /// Version of the subresource's kind.
    pub version: String,
    /// Kind sent and returned (`Scale`, `Eviction`, `PodExecOptions`, or the parent's kind).
    pub kind: String,
    /// Verbs served, sorted.
    pub verbs: Vec<String>,
}

impl SubresourceInfo {
    /// The full kind of the subresource.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }
}

/// The priority an `APIService` carries for a built-in group/version: groups are listed by
/// descending `group`, versions within a group by descending `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiServicePriority {
    /// `spec.groupPriorityMinimum`.
    pub group: i32,
    /// `spec.versionPriority`.
    pub version: i32,
}

/// One served version of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersionInfo {
    /// The version (`v1`).
    pub version: String,
    /// The APIService priority; `None` where no APIService is registered
    /// (`apiregistration.k8s.io`, which the aggregator serves itself).
    pub priority: Option<ApiServicePriority>,
}

/// An API group and its served versions, preferred version first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiGroupInfo {
    /// Group name; empty for the core (legacy, `/api`) group.
    pub name: String,
    /// Served versions in discovery order; the first is the preferred version.
    pub versions: Vec<ApiVersionInfo>,
}

impl ApiGroupInfo {
    /// The preferred version (the first listed), if the group has any version.
    pub fn preferred_version(&self) -> Option<&str> {
        self.versions.first().map(|v| v.version.as_str())
    }

    /// The group/versions in discovery order.
    pub fn group_versions(&self) -> Vec<GroupVersion> {
        self.versions.iter().map(|v| GroupVersion::new(&self.name, &v.version)).collect()
    }

    /// Whether `version` is served.
    pub fn has_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v.version == version)
    }
}

/// A table that does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TableError {
    /// A resource names a group/version no group lists.
    #[error("resource {resource} is in group/version {group_version}, which no API group serves")]
    UnknownGroupVersion {
        /// The resource's group/resource.
        resource: GroupResource,
        /// Its group/version.
        group_version: GroupVersion,
    },
    /// The same resource appears twice at one group/version.
    #[error("duplicate resource {0}")]
    DuplicateResource(GroupVersionResource),
    /// The same kind is served by two resources at one group/version.
    #[error("duplicate kind {0}")]
    DuplicateKind(GroupVersionKind),
    /// A group is listed twice.
    #[error("duplicate API group {0:?}")]
    DuplicateGroup(String),
}

/// Resources and API groups in discovery order, with lookups by every name a client may use.
///
/// Resources are ordered as discovery lists them: by group (the order of
/// [`ResourceTable::groups`]), then by version (the group's order), then by resource name.
#[derive(Debug, Clone)]
pub struct ResourceTable {
    groups: Vec<ApiGroupInfo>,
    resources: Vec<ResourceInfo>,
    by_gvr: HashMap<GroupVersionResource, usize>,
    by_gvk: HashMap<GroupVersionKind, usize>,
}

impl ResourceTable {
    /// The resources kube-apiserver v1.35 serves by default (GA group/versions only), built once.
    pub fn builtin() -> &'static ResourceTable {
        super::builtin::builtin_table()
    }

    /// A table of `resources` served under `groups`. Groups keep the given order (discovery
    /// order: the core group first when present, then as `/apis` lists them); each group's
    /// versions keep theirs (preferred first). Resources are sorted into discovery order and
    /// their verbs and subresources sorted.
    pub fn new(
        groups: Vec<ApiGroupInfo>,
        mut resources: Vec<ResourceInfo>,
    ) -> Result<Self, TableError> {
        let mut position = HashMap::new();
        for (gi, group) in groups.iter().enumerate() {
            if groups[..gi].iter().any(|g| g.name == group.name) {
                return Err(TableError::DuplicateGroup(group.name.clone()));
            }
            for (vi, version) in group.versions.iter().enumerate() {
                position.insert(GroupVersion::new(&group.name, &version.version), (gi, vi));
            }
        }
        let mut keyed = Vec::with_capacity(resources.len());
        for mut info in resources.drain(..) {
            let Some(&pos) = position.get(&info.group_version()) else {
                return Err(TableError::UnknownGroupVersion {
                    resource: info.group_resource(),
                    group_version: info.group_version(),
                });
            };
            info.verbs.sort();
            info.subresources.sort_by(|a, b| a.name.cmp(&b.name));
            for sub in &mut info.subresources {
                sub.verbs.sort();
            }
            keyed.push((pos, info));
        }
        keyed.sort_by(|(pa, a), (pb, b)| pa.cmp(pb).then_with(|| a.resource.cmp(&b.resource)));
        let resources: Vec<ResourceInfo> = keyed.into_iter().map(|(_, info)| info).collect();

        let mut by_gvr = HashMap::new();
        let mut by_gvk = HashMap::new();
        for (i, info) in resources.iter().enumerate() {
            if by_gvr.insert(info.gvr(), i).is_some() {
                return Err(TableError::DuplicateResource(info.gvr()));
            }
            if by_gvk.insert(info.gvk(), i).is_some() {
                return Err(TableError::DuplicateKind(info.gvk()));
            }
        }
        Ok(Self { groups, resources, by_gvr, by_gvk })
    }

    /// Every resource, in discovery order.
    pub fn resources(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// Every API group in discovery order, the core group (name `""`, served at `/api`) first;
    /// the others are what `/apis` lists.
    pub fn groups(&self) -> &[ApiGroupInfo] {
        &self.groups
    }

    /// The group called `name` (`""` for core).
    pub fn group(&self, name: &str) -> Option<&ApiGroupInfo> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Every served group/version in discovery order.
    pub fn group_versions(&self) -> Vec<GroupVersion> {
        self.groups.iter().flat_map(|g| g.group_versions()).collect()
    }

    /// The served group/versions as `kubectl api-versions` prints them: `group/version`
    /// strings (plain `v1` for core), sorted.
    pub fn api_versions(&self) -> Vec<String> {
        let mut out: Vec<String> = self.group_versions().iter().map(|gv| gv.to_string()).collect();
        out.sort();
        out
    }

    /// The resources of one group/version, sorted by name (the `resources` of its
    /// `APIResourceList`); empty when the group/version is not served.
    pub fn resources_in<'a>(
        &'a self,
        gv: &'a GroupVersion,
    ) -> impl Iterator<Item = &'a ResourceInfo> + 'a {
        self.resources.iter().filter(move |r| r.group == gv.group && r.version == gv.version)
    }

    /// The resource at an exact group/version/resource.
    pub fn by_gvr(&self, gvr: &GroupVersionResource) -> Option<&ResourceInfo> {
        self.by_gvr.get(gvr).map(|&i| &self.resources[i])
    }

    /// The resource serving an exact group/version/kind.
    pub fn by_gvk(&self, gvk: &GroupVersionKind) -> Option<&ResourceInfo> {
        self.by_gvk.get(gvk).map(|&i| &self.resources[i])
    }

    /// The resource `group`/`resource` (plural) at the group's most preferred version serving it.
    pub fn by_group_resource(&self, gr: &GroupResource) -> Option<&ResourceInfo> {
        self.resources.iter().find(|r| r.group == gr.group && r.resource == gr.resource)
    }

    /// The resource serving `group`/`kind` at the most preferred version serving it.
    pub fn by_group_kind(&self, gk: &GroupKind) -> Option<&ResourceInfo> {
        self.resources.iter().find(|r| r.group == gk.group && r.kind == gk.kind)
    }

    /// Every version of `group`/`resource`, most preferred first.
    pub fn versions_of<'a>(
        &'a self,
        gr: &'a GroupResource,
    ) -> impl Iterator<Item = &'a ResourceInfo> + 'a {
        self.resources.iter().filter(move |r| r.group == gr.group && r.resource == gr.resource)
    }

    /// Each group/resource once, at its most preferred version, in discovery order: what
    /// client-go's `ServerPreferredResources` (and so `kubectl api-resources`) works from.
    pub fn preferred_resources(&self) -> Vec<&ResourceInfo> {
        let mut out: Vec<&ResourceInfo> = Vec::new();
        for r in &self.resources {
            if !out.iter().any(|o| o.group == r.group && o.resource == r.resource) {
                out.push(r);
            }
        }
        out
    }

    /// The subresource `name` of the resource at `gvr`.
    pub fn subresource(&self, gvr: &GroupVersionResource, name: &str) -> Option<&SubresourceInfo> {
        self.by_gvr(gvr).and_then(|r| r.subresource(name))
    }

    /// The kind a subresource request carries (`deployments/scale` -> `autoscaling/v1 Scale`).
    pub fn subresource_kind(
        &self,
        gvr: &GroupVersionResource,
        name: &str,
    ) -> Option<GroupVersionKind> {
        self.subresource(gvr, name).map(SubresourceInfo::gvk)
    }

    /// The members of a category (`all`), each group/resource once, in discovery order — what
    /// kubectl expands `kubectl get all` to. Empty for an unknown category.
    pub fn expand_category(&self, category: &str) -> Vec<GroupResource> {
        let mut out: Vec<GroupResource> = Vec::new();
        for r in self.resources.iter().filter(|r| r.in_category(category)) {
            let gr = r.group_resource();
            if !out.contains(&gr) {
                out.push(gr);
            }
        }
        out
    }
}
