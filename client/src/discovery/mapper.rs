//! [`RestMapper`]: kind <-> resource mapping over discovered resources, in the manner of
//! client-go's `DeferredDiscoveryRESTMapper` around the shortcut expander: discovery is fetched
//! on first use, and a lookup that fails against cached data resets the cache and is tried
//! once more, so resources added since (a new CRD) are found.

use apimachinery::runtime::{ResourceInfo, ResourceTable};
use apimachinery::schema::{GroupKind, GroupVersionKind, GroupVersionResource};

use super::DiscoveryClient;
use crate::rest::Error;

/// Maps between kinds and resources using what the server serves.
#[derive(Debug, Clone)]
pub struct RestMapper {
    discovery: DiscoveryClient,
}

impl RestMapper {
    /// A mapper over `discovery`'s cache.
    pub fn new(discovery: DiscoveryClient) -> Self {
        RestMapper { discovery }
    }

    /// The discovery client.
    pub fn discovery(&self) -> &DiscoveryClient {
        &self.discovery
    }

    /// Forgets the discovered resources; the next lookup fetches them again.
    pub fn reset(&self) {
        self.discovery.invalidate();
    }

    /// Runs a lookup; when it fails on data that was cached before this call, resets the
    /// cache and runs it once more on fresh data.
    async fn lookup<T>(&self, f: impl Fn(&ResourceTable) -> Result<T, Error>) -> Result<T, Error> {
        let (table, fresh) = self.discovery.resources_fresh().await?;
        match f(&table) {
            Err(_) if !fresh => {
                self.reset();
                let (table, _) = self.discovery.resources_fresh().await?;
                f(&table)
            }
            result => result,
        }
    }

    /// The one kind a (partial) resource names: `deployments`, `deploy`, `deployments.apps`
    /// with an empty version, or a full group/version/resource (`KindFor`).
    pub async fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, Error> {
        self.lookup(|t| Ok(t.kind_for(resource)?)).await
    }

    /// Every kind a partial resource may name, most preferred first (`KindsFor`).
    pub async fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, Error> {
        self.lookup(|t| Ok(t.kinds_for(resource)?)).await
    }

    /// The one resource a partial resource names (`ResourceFor`).
    pub async fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, Error> {
        self.lookup(|t| Ok(t.resource_for(resource)?)).await
    }

    /// Every resource a partial resource may name, most preferred first (`ResourcesFor`).
    pub async fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, Error> {
        self.lookup(|t| Ok(t.resources_for(resource)?)).await
    }

    /// The resource serving `group_kind`, at the first of `versions` that serves it, else at
    /// the most preferred version (`RESTMapping`). Its `gvr()` is where to send requests and
    /// `namespaced` its scope.
    pub async fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<ResourceInfo, Error> {
        self.lookup(|t| Ok(t.rest_mapping(group_kind, versions)?.clone())).await
    }

    /// Every resource serving `group_kind` (`RESTMappings`).
    pub async fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<ResourceInfo>, Error> {
        self.lookup(|t| Ok(t.rest_mappings(group_kind, versions)?.into_iter().cloned().collect()))
            .await
    }

    /// The mapping of a full group/version/kind.
    pub async fn rest_mapping_for_gvk(
        &self,
        gvk: &GroupVersionKind,
    ) -> Result<ResourceInfo, Error> {
        self.rest_mapping(&gvk.group_kind(), &[gvk.version.as_str()]).await
    }

    /// The singular name of a plural resource (`ResourceSingularizer`).
    pub async fn resource_singularizer(&self, resource: &str) -> Result<String, Error> {
        self.lookup(|t| {
            t.resources()
                .iter()
                .find(|r| r.resource == resource)
                .map(|r| r.singular_name.clone())
                .ok_or_else(|| {
                    Error::Request(format!("no singular of resource {resource} has been defined"))
                })
        })
        .await
    }

    /// Expands a short name (`deploy` -> `deployments.apps`), leaving other names as they are.
    pub async fn expand_shortcut(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, Error> {
        let table = self.discovery.resources().await?;
        Ok(table.expand_shortcut(resource).0)
    }

    /// Resolves what a user typed as kubectl does (`po`, `deployments.apps`,
    /// `deployments.v1.apps`, `Deployment`): the resource, and warnings to print.
    pub async fn resolve(&self, arg: &str) -> Result<(ResourceInfo, Vec<String>), Error> {
        self.lookup(|t| {
            let r = t.resolve(arg)?;
            Ok((r.info.clone(), r.warnings))
        })
        .await
    }
}
