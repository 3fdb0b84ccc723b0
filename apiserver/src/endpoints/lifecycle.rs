//! Namespace lifecycle for writes (upstream's NamespaceLifecycle admission): new objects are
//! refused in missing or terminating namespaces.
//!
//! As upstream's plugin reads a namespace informer, the check reads the namespaces' watch cache
//! and asks storage only when the cache cannot be trusted: the namespace is not cached yet (it
//! may have been created a moment ago), the cache says it is terminating (it may since have been
//! deleted and created again), or this server was asked to delete it within the last
//! [`LIVE_LOOKUP_TTL`] (the cache may not have seen the deletion yet).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupResource;
use serde::Deserialize;

use super::ApiServer;
use apimachinery::runtime::ResourceInfo;

use crate::registry::Store;

/// How long after a deletion request a namespace is always looked up in storage (upstream's
/// `forceLiveLookupTTL`).
pub const LIVE_LOOKUP_TTL: Duration = Duration::from_secs(30);

/// Namespaces this server was recently asked to delete.
#[derive(Debug, Default)]
pub struct NamespaceLifecycle {
    deleted: Mutex<HashMap<String, Instant>>,
}

/// The part of a namespace the check reads.
#[derive(Deserialize)]
struct NamespaceState {
    #[serde(default)]
    metadata: StateMeta,
    #[serde(default)]
    status: StateStatus,
}

#[derive(Deserialize, Default)]
struct StateMeta {
    #[serde(default, rename = "deletionTimestamp")]
    deletion_timestamp: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct StateStatus {
    #[serde(default)]
    phase: Option<String>,
}

impl NamespaceState {
    fn terminating(&self) -> bool {
        self.metadata.deletion_timestamp.is_some()
            || self.status.phase.as_deref() == Some("Terminating")
    }
}

impl NamespaceLifecycle {
    /// Notes that `name` is being deleted: its cached state is not trusted for a while.
    pub fn deleting(&self, name: &str) {
        let now = Instant::now();
        let mut deleted = self.deleted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        deleted.retain(|_, at| now.duration_since(*at) < LIVE_LOOKUP_TTL);
        deleted.insert(name.to_string(), now);
    }

    fn recently_deleted(&self, name: &str) -> bool {
        let deleted = self.deleted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        deleted.get(name).is_some_and(|at| at.elapsed() < LIVE_LOOKUP_TTL)
    }

    /// Refuses the creation of `name` (of `info`) in a missing or terminating `namespace`.
    pub async fn check_create(
        &self,
        server: &ApiServer,
        info: &ResourceInfo,
        namespace: &str,
        name: &str,
    ) -> Result<(), StatusError> {
        if !info.namespaced || namespace.is_empty() {
            return Ok(());
        }
        let Some(store) = server.registry.store("", "namespaces") else { return Ok(()) };
        if !self.recently_deleted(namespace)
            && let Some(cached) = cached_state(&store, namespace).await
            && !cached.terminating()
        {
            return Ok(());
        }
        match live_state(&store, namespace).await? {
            None => {
                Err(StatusError::new_not_found(&GroupResource::new("", "namespaces"), namespace))
            }
            Some(state) if state.terminating() => Err(StatusError::new_forbidden(
                &info.group_resource(),
                name,
                format!(
                    "unable to create new content in namespace {namespace} because it is being terminated"
                ),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// The namespace as the watch cache holds it (`None` when not cached or not decodable).
async fn cached_state(store: &Store, name: &str) -> Option<NamespaceState> {
    let bytes = store.get_cached_bytes("", name).await?;
    serde_json::from_slice(&bytes).ok()
}

/// The namespace as storage holds it now.
async fn live_state(store: &Store, name: &str) -> Result<Option<NamespaceState>, StatusError> {
    match store.get("", name).await {
        Ok(ns) => Ok(Some(serde_json::from_value(ns).map_err(StatusError::new_internal_error)?)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
