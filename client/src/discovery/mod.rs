//! Discovery (client-go's `discovery` and `restmapper`): which groups, versions and resources a
//! server serves, read from aggregated discovery (`/api` and `/apis` as
//! `APIGroupDiscoveryList`) or, from servers without it, from the legacy per-group documents;
//! cached in memory until [`DiscoveryClient::invalidate`]; and a [`RestMapper`] over it that
//! maps kinds to resources and back, reloading discovery once when a name is unknown.

mod documents;
mod mapper;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError};

use apimachinery::runtime::{ApiGroupInfo, ResourceInfo, ResourceTable};
use apimachinery::schema::GroupVersion;
use http::HeaderValue;
use http::header::{ACCEPT, CONTENT_TYPE};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList, APIVersions};
use k8s_openapi::apimachinery::pkg::version::Info;

use crate::rest::{Client, Error, Request, Response};
use documents::{DiscoveredGroup, GroupDiscoveryList};

pub use mapper::RestMapper;

/// The `Accept` value asking for aggregated discovery v2.
pub const ACCEPT_AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
/// The `Accept` value of discovery requests: aggregated v2 preferred, plain JSON accepted.
pub const ACCEPT_DISCOVERY: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// Whether a `Content-Type` is aggregated discovery v2 (client-go's `ContentTypeIsGVK`).
pub fn is_aggregated_content_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let base = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut g = "";
    let mut v = "";
    let mut kind = "";
    for p in parts {
        if let Some((k, val)) = p.split_once('=') {
            let val = val.trim().trim_matches('"');
            match k.trim() {
                "g" => g = val,
                "v" => v = val,
                "as" => kind = val,
                _ => {}
            }
        }
    }
    base == "application/json"
        && g == "apidiscovery.k8s.io"
        && v == "v2"
        && kind == "APIGroupDiscoveryList"
}

/// Reads what a server serves, caching the answer.
#[derive(Clone)]
pub struct DiscoveryClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    cache: Mutex<Option<Arc<ResourceTable>>>,
    /// Held while fetching, so concurrent callers share one fetch.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for DiscoveryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryClient")
            .field("client", &self.inner.client)
            .finish_non_exhaustive()
    }
}

impl DiscoveryClient {
    /// A discovery client over `client`.
    pub fn new(client: Client) -> Self {
        DiscoveryClient {
            inner: Arc::new(Inner {
                client,
                cache: Mutex::new(None),
                fetching: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The REST client.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The server's `/version`.
    pub async fn server_version(&self) -> Result<Info, Error> {
        self.inner.client.send_json(Request::get("/version")).await
    }

    /// Forgets the cached discovery data; the next lookup fetches it again.
    pub fn invalidate(&self) {
        *self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn cached(&self) -> Option<Arc<ResourceTable>> {
        self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every group, version and resource the server serves, in discovery order (cached).
    pub async fn resources(&self) -> Result<Arc<ResourceTable>, Error> {
        Ok(self.resources_fresh().await?.0)
    }

    /// The table, and whether it was fetched by this call (or while it waited for a fetch).
    pub(crate) async fn resources_fresh(&self) -> Result<(Arc<ResourceTable>, bool), Error> {
        if let Some(t) = self.cached() {
            return Ok((t, false));
        }
        let _fetching = self.inner.fetching.lock().await;
        if let Some(t) = self.cached() {
            return Ok((t, true));
        }
        let table = Arc::new(self.fetch().await?);
        *self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(table.clone());
        Ok((table, true))
    }

    /// The served groups, the core group (name `""`) first, each with its versions, preferred
    /// first.
    pub async fn server_groups(&self) -> Result<Vec<ApiGroupInfo>, Error> {
        Ok(self.resources().await?.groups().to_vec())
    }

    /// The resources served at one group/version.
    pub async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<Vec<ResourceInfo>, Error> {
        Ok(self.resources().await?.resources_in(gv).cloned().collect())
    }

    /// Each group/resource once, at its group's most preferred version serving it
    /// (`ServerPreferredResources`).
    pub async fn server_preferred_resources(&self) -> Result<Vec<ResourceInfo>, Error> {
        Ok(self.resources().await?.preferred_resources().into_iter().cloned().collect())
    }

    async fn get(&self, path: &str, accept: &'static str) -> Result<Response, Error> {
        let req = Request::get(path).header(ACCEPT, HeaderValue::from_static(accept));
        self.inner.client.send(req).await
    }

    /// Fetches `/api` or `/apis`: aggregated when the server answers so, otherwise the legacy
    /// list plus one `APIResourceList` per group/version.
    async fn download(&self, path: &str) -> Result<Vec<DiscoveredGroup>, Error> {
        let resp = match self.get(path, ACCEPT_DISCOVERY).await {
            Ok(r) => r,
            // A server without the legacy core group answers /api with 404.
            Err(e) if path == "/api" && e.is_not_found() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let content_type =
            resp.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if is_aggregated_content_type(content_type) {
            let list: GroupDiscoveryList = resp.json()?;
            return Ok(documents::from_aggregated(list));
        }
        let groups: Vec<ApiGroupInfo> = if path == "/api" {
            let versions: APIVersions = resp.json()?;
            if versions.versions.is_empty() {
                return Ok(Vec::new());
            }
            vec![ApiGroupInfo {
                name: String::new(),
                versions: versions
                    .versions
                    .iter()
                    .map(|v| apimachinery::runtime::ApiVersionInfo {
                        version: v.clone(),
                        priority: None,
                    })
                    .collect(),
            }]
        } else {
            let list: APIGroupList = resp.json()?;
            list.groups.iter().map(documents::legacy_group).collect()
        };
        self.download_resources(groups).await
    }

    /// Fetches every group/version's `APIResourceList` concurrently. A group/version that
    /// fails is left out (and logged), as client-go reports partial discovery.
    async fn download_resources(
        &self,
        groups: Vec<ApiGroupInfo>,
    ) -> Result<Vec<DiscoveredGroup>, Error> {
        let mut tasks = tokio::task::JoinSet::new();
        for (gi, group) in groups.iter().enumerate() {
            for gv in group.group_versions() {
                let this = self.clone();
                tasks.spawn(async move {
                    let path = crate::rest::api_prefix(&gv.group, &gv.version);
                    let result = this
                        .get(&path, "application/json")
                        .await
                        .and_then(|r| r.json::<APIResourceList>());
                    (gi, gv, result)
                });
            }
        }
        let mut out: Vec<DiscoveredGroup> = groups
            .into_iter()
            .map(|info| DiscoveredGroup { info, resources: Vec::new() })
            .collect();
        while let Some(joined) = tasks.join_next().await {
            let Ok((gi, gv, result)) = joined else { continue };
            match result {
                Ok(list) => out[gi].resources.extend(documents::from_resource_list(
                    &gv.group,
                    &gv.version,
                    &list,
                )),
                Err(e) => {
                    tracing::warn!(group_version = %gv, error = %e, "unable to retrieve the resources of a group version");
                }
            }
        }
        Ok(out)
    }

    async fn fetch(&self) -> Result<ResourceTable, Error> {
        let mut groups = self.download("/api").await?;
        groups.extend(self.download("/apis").await?);
        build_table(groups)
    }
}

/// A [`ResourceTable`] of discovered groups. A repeated group or a second resource with a
/// kind already served at its group/version is dropped (the first wins), so one odd
/// aggregated server cannot make discovery fail as a whole.
fn build_table(groups: Vec<DiscoveredGroup>) -> Result<ResourceTable, Error> {
    let mut infos: Vec<ApiGroupInfo> = Vec::new();
    let mut resources: Vec<ResourceInfo> = Vec::new();
    for g in groups {
        if infos.iter().any(|i| i.name == g.info.name) {
            continue;
        }
        for r in g.resources {
            let duplicate = resources.iter().any(|o| {
                o.group == r.group
                    && o.version == r.version
                    && (o.resource == r.resource || o.kind == r.kind)
            });
            if !duplicate {
                resources.push(r);
            }
        }
        infos.push(g.info);
    }
    ResourceTable::new(infos, resources).map_err(|e| Error::Config(format!("discovery: {e}")))
}
