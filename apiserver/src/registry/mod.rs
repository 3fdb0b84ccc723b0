//! The registry: one generic [`Store`] per served resource over the [`Storage`] backend, and the
//! table of stores the REST handlers look resources up in.
//!
//! Adding a built-in resource is a row in apimachinery's resource table (and, where upstream has
//! them, its defaults, validation and printer columns); never a new handler.
//!
//! Custom resources get one store per served version over one storage prefix and one watch
//! cache; the version's store carries the definition's strategy, which converts objects between
//! the served version and the storage version.

mod object;
mod selectors;
mod store;

use std::collections::HashMap;
use std::sync::Arc;

use apimachinery::runtime::{ResourceInfo, ResourceTable};
use apimachinery::schema::{GroupResource, GroupVersionResource};

use crate::storage::Storage;
use crate::storage::cacher::{Cacher, CacherOptions};
use crate::strategy::{BuiltinStrategy, Strategy};

pub use object::{ObjectMetaExt, check_preconditions, keep_written_part, now_rfc3339, string_map};
pub use selectors::{ListParams, Predicate, WatchParams, parse_bool as parse_bool_query};
pub use store::{
    DeleteOptions, DeleteOutcome, ListPage, Store, StoreEvent, WriteOptions, Written, storage_error,
};

/// A column of a custom resource's table (`additionalPrinterColumns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Header.
    pub name: String,
    /// OpenAPI type (`integer`, `string`, `date`, ...).
    pub type_: String,
    /// OpenAPI format.
    pub format: String,
    /// Description.
    pub description: String,
    /// 0 for default output, higher for wide.
    pub priority: i32,
    /// The JSONPath (`.spec.size`).
    pub json_path: String,
}

/// A custom resource version served from a CustomResourceDefinition.
#[derive(Debug, Clone)]
pub struct CustomResource {
    /// Discovery facts of this version.
    pub info: ResourceInfo,
    /// Its table columns.
    pub columns: Vec<PrinterColumn>,
    /// `spec.names.listKind`.
    pub list_kind: String,
    /// The version's `openAPIV3Schema`, if any.
    pub schema: Option<serde_json::Value>,
    /// The definition the version belongs to: the strategy of its objects.
    pub definition: Arc<crate::apiextensions::Definition>,
}

impl CustomResource {
    /// The `Warning` requests to this version get, when it is deprecated.
    pub fn deprecation_warning(&self) -> Option<String> {
        self.definition.deprecation_warning(&self.info.version)
    }
}

#[derive(Default)]
struct Custom {
    /// Each custom resource's store at its storage version (for callers without a version).
    stores: HashMap<GroupResource, Arc<Store>>,
    /// The store of each served version.
    versioned: HashMap<GroupVersionResource, Arc<Store>>,
    /// Each custom resource's watch cache, kept across changes of its definition.
    cachers: HashMap<GroupResource, Option<Arc<Cacher>>>,
    versions: Vec<CustomResource>,
}

/// Every store the server serves, by group and resource (all versions of a resource share one
/// store and one storage prefix, at the resource's storage version, and events.k8s.io Events
/// share the core Events' store): the built-in ones, fixed at start, and those of custom
/// resources, which come and go with their definitions.
pub struct Registry {
    stores: HashMap<GroupResource, Arc<Store>>,
    table: &'static ResourceTable,
    strategy: Arc<dyn Strategy>,
    storage: Arc<dyn Storage>,
    base: String,
    /// The watch cache's settings; `None` when there is no watch cache.
    cache: Option<CacherOptions>,
    custom: std::sync::RwLock<Custom>,
    generation: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("stores", &self.stores.len()).finish_non_exhaustive()
    }
}

/// The storage key prefix upstream's storage factory uses for a resource (a few core resources
/// kept their historical names).
pub fn key_prefix(base: &str, group: &str, resource: &str) -> String {
    let base = base.trim_end_matches('/');
    let rest = match (group, resource) {
        ("", "services") => "services/specs".to_string(),
        ("", "endpoints") => "services/endpoints".to_string(),
        ("", "nodes") => "minions".to_string(),
        ("apiextensions.k8s.io" | "apiregistration.k8s.io", r) => format!("{group}/{r}"),
        // events.k8s.io Events are core Events (one storage, converted when served).
        (_, r) => r.to_string(),
    };
    format!("{base}/{rest}")
}

impl Registry {
    /// Whether the storage answers a read within `timeout` (the health checks' `etcd`).
    pub async fn storage_healthy(&self, timeout: std::time::Duration) -> bool {
        matches!(tokio::time::timeout(timeout, self.storage.current_revision()).await, Ok(Ok(_)))
    }

    /// Builds a store (with a watch cache in front when `cache` is set) for every built-in
    /// resource. Must run inside a tokio runtime (the caches start reflectors).
    pub fn new(storage: Arc<dyn Storage>, prefix: &str, cache: bool) -> Self {
        Self::with_cache(storage, prefix, cache.then(CacherOptions::default))
    }

    /// [`Registry::new`] with the watch cache's settings (`None`: no watch cache).
    pub fn with_cache(
        storage: Arc<dyn Storage>,
        prefix: &str,
        cache: Option<CacherOptions>,
    ) -> Self {
        let table = ResourceTable::builtin();
        let mut stores = HashMap::new();
        let strategy: Arc<dyn Strategy> = Arc::new(BuiltinStrategy);
        for info in table.preferred_resources() {
            let gr = info.group_resource();
            if stores.contains_key(&gr)
                || crate::conversion::storage_resource(&gr.group, &gr.resource).is_some()
            {
                continue;
            }
            // Kinds served in several shapes are stored (and their store works) at one version.
            let info = crate::conversion::storage_version(&info.group, &info.kind)
                .and_then(|(g, v)| table.by_gvr(&GroupVersionResource::new(g, v, &info.resource)))
                .unwrap_or(info);
            let store = make_store(
                &storage,
                info.clone(),
                key_prefix(prefix, &info.group, &info.resource),
                cache.as_ref(),
                &strategy,
            );
            stores.insert(gr, store);
        }
        Registry {
            stores,
            table,
            strategy,
            storage,
            base: prefix.to_string(),
            cache,
            custom: Default::default(),
            generation: tokio::sync::watch::channel(0).0,
        }
    }

    fn custom(&self) -> std::sync::RwLockReadGuard<'_, Custom> {
        self.custom.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store serving `group`/`resource`: for a resource kept with another one
    /// (events.k8s.io Events), that one's store, whose objects are in its own version.
    pub fn store(&self, group: &str, resource: &str) -> Option<Arc<Store>> {
        let (group, resource) =
            crate::conversion::storage_resource(group, resource).unwrap_or((group, resource));
        let gr = GroupResource::new(group, resource);
        self.stores.get(&gr).cloned().or_else(|| self.custom().stores.get(&gr).cloned())
    }

    /// The store serving `group`/`version`/`resource`: a custom resource's store for that
    /// version, else the resource's store.
    pub fn store_at(&self, group: &str, version: &str, resource: &str) -> Option<Arc<Store>> {
        let gvr = GroupVersionResource::new(group, version, resource);
        if let Some(s) = self.custom().versioned.get(&gvr) {
            return Some(s.clone());
        }
        self.store(group, resource)
    }

    /// The served custom resource version at `group`/`version`/`resource`.
    pub fn custom_resource(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<CustomResource> {
        let gvr = GroupVersionResource::new(group, version, resource);
        self.custom().versions.iter().find(|c| c.info.gvr() == gvr).cloned()
    }

    /// Every store, built-in and custom.
    pub fn stores(&self) -> Vec<Arc<Store>> {
        let mut all: Vec<Arc<Store>> = self.stores.values().cloned().collect();
        all.extend(self.custom().stores.values().cloned());
        all
    }

    /// Whether a PUT of a missing object of this resource creates it.
    pub fn allow_create_on_update(&self, info: &ResourceInfo) -> bool {
        self.strategy.allow_create_on_update(info)
    }

    /// The resource table the registry was built from.
    pub fn table(&self) -> &'static ResourceTable {
        self.table
    }

    /// The served resource at a group/version.
    pub fn resource(&self, group: &str, version: &str, resource: &str) -> Option<ResourceInfo> {
        let gvr = apimachinery::schema::GroupVersionResource::new(group, version, resource);
        if let Some(info) = self.table.by_gvr(&gvr) {
            return Some(info.clone());
        }
        self.custom().versions.iter().find(|c| c.info.gvr() == gvr).map(|c| c.info.clone())
    }

    /// The table columns of a custom resource, when it has its own.
    pub fn custom_columns(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<Vec<PrinterColumn>> {
        self.custom()
            .versions
            .iter()
            .find(|c| {
                c.info.group == group && c.info.version == version && c.info.resource == resource
            })
            .map(|c| c.columns.clone())
    }

    /// The custom resource versions served now.
    pub fn custom_resources(&self) -> Vec<CustomResource> {
        self.custom().versions.clone()
    }

    /// A counter that moves whenever the set of custom resources changes (discovery and OpenAPI
    /// rebuild on it).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// Serves (or re-serves) the versions of one custom resource; `versions` all share the group,
    /// the plural and the definition. The stores are rebuilt with the definition's strategy;
    /// the watch cache stays.
    pub fn set_custom(&self, versions: Vec<CustomResource>) {
        let Some(first) = versions.first() else { return };
        let gr = first.info.group_resource();
        let definition = first.definition.clone();
        let strategy: Arc<dyn Strategy> = definition.clone();
        let prefix = format!("{}/{}/{}", self.base.trim_end_matches('/'), gr.group, gr.resource);
        let mut custom = self.custom.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let cacher = custom
            .cachers
            .entry(gr.clone())
            .or_insert_with(|| {
                make_cacher(&self.storage, &first.info, &prefix, self.cache.as_ref())
            })
            .clone();
        let backend: Arc<dyn Storage> = match &cacher {
            Some(c) => c.clone(),
            None => self.storage.clone(),
        };
        let store_for = |info: ResourceInfo| {
            Arc::new(Store::new(
                info,
                prefix.clone(),
                backend.clone(),
                cacher.clone(),
                strategy.clone(),
            ))
        };
        custom.versioned.retain(|gvr, _| gvr.group_resource() != gr);
        for c in &versions {
            custom.versioned.insert(c.info.gvr(), store_for(c.info.clone()));
        }
        let storage_info = versions
            .iter()
            .find(|c| c.info.version == definition.storage_version)
            .map(|c| c.info.clone())
            .unwrap_or_else(|| ResourceInfo {
                version: definition.storage_version.clone(),
                ..first.info.clone()
            });
        custom.stores.insert(gr.clone(), store_for(storage_info));
        custom.versions.retain(|c| c.info.group_resource() != gr);
        custom.versions.extend(versions);
        drop(custom);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Stops serving a custom resource.
    pub fn remove_custom(&self, group: &str, resource: &str) {
        let gr = GroupResource::new(group, resource);
        let mut custom = self.custom.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        custom.stores.remove(&gr);
        custom.cachers.remove(&gr);
        custom.versioned.retain(|gvr, _| gvr.group_resource() != gr);
        custom.versions.retain(|c| c.info.group_resource() != gr);
        drop(custom);
        self.generation.send_modify(|g| *g += 1);
    }
}

fn make_cacher(
    storage: &Arc<dyn Storage>,
    info: &ResourceInfo,
    key_prefix: &str,
    cache: Option<&CacherOptions>,
) -> Option<Arc<Cacher>> {
    if let Some(options) = cache
        && info.has_verb("watch")
    {
        let indexers = selectors::indexers(&info.group, &info.resource);
        Cacher::with_indexers(storage.clone(), key_prefix, options.clone(), indexers)
            .ok()
            .map(Arc::new)
    } else {
        None
    }
}

fn make_store(
    storage: &Arc<dyn Storage>,
    info: ResourceInfo,
    key_prefix: String,
    cache: Option<&CacherOptions>,
    strategy: &Arc<dyn Strategy>,
) -> Arc<Store> {
    let cacher = make_cacher(storage, &info, &key_prefix, cache);
    let backend: Arc<dyn Storage> = match &cacher {
        Some(c) => c.clone(),
        None => storage.clone(),
    };
    Arc::new(Store::new(info, key_prefix, backend, cacher, strategy.clone()))
}
