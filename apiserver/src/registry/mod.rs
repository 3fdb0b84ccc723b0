//! The registry: one generic [`Store`] per served resource over the [`Storage`] backend, and the
//! table of stores the REST handlers look resources up in.
//!
//! Adding a built-in resource is a row in apimachinery's resource table (and, where upstream has
//! them, its defaults, validation and printer columns); never a new handler.

mod object;
mod selectors;
mod store;

use std::collections::HashMap;
use std::sync::Arc;

use apimachinery::runtime::{ResourceInfo, ResourceTable};
use apimachinery::schema::GroupResource;

use crate::storage::Storage;
use crate::storage::cacher::Cacher;
use crate::strategy::{BuiltinStrategy, Strategy};

pub use object::{ObjectMetaExt, now_rfc3339, string_map};
pub use selectors::{ListParams, Predicate, WatchParams, parse_bool as parse_bool_query};
pub use store::{
    DeleteOptions, DeleteOutcome, ListPage, Store, StoreEvent, WriteOptions, storage_error,
};

/// Every store the server serves, by group and resource (all versions of a resource share one
/// store and one storage prefix).
pub struct Registry {
    stores: HashMap<GroupResource, Arc<Store>>,
    table: &'static ResourceTable,
    strategy: Arc<dyn Strategy>,
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
        // events.k8s.io/v1 Events are a different shape from core Events until conversion
        // between them exists, so they keep their own prefix.
        ("events.k8s.io", r) => format!("{group}/{r}"),
        (_, r) => r.to_string(),
    };
    format!("{base}/{rest}")
}

impl Registry {
    /// Builds a store (with a watch cache in front when `cache` is set) for every built-in
    /// resource. Must run inside a tokio runtime (the caches start reflectors).
    pub fn new(storage: Arc<dyn Storage>, prefix: &str, cache: bool) -> Self {
        let table = ResourceTable::builtin();
        let mut stores = HashMap::new();
        let strategy: Arc<dyn Strategy> = Arc::new(BuiltinStrategy);
        for info in table.preferred_resources() {
            let gr = info.group_resource();
            if stores.contains_key(&gr) {
                continue;
            }
            let key_prefix = key_prefix(prefix, &info.group, &info.resource);
            let cacher = if cache && info.has_verb("watch") {
                Cacher::new(storage.clone(), &key_prefix).ok().map(Arc::new)
            } else {
                None
            };
            let backend: Arc<dyn Storage> = match &cacher {
                Some(c) => c.clone(),
                None => storage.clone(),
            };
            let store = Store::new(info.clone(), key_prefix, backend, cacher, strategy.clone());
            stores.insert(gr, Arc::new(store));
        }
        Registry { stores, table, strategy }
    }

    /// The store serving `group`/`resource`.
    pub fn store(&self, group: &str, resource: &str) -> Option<&Arc<Store>> {
        self.stores.get(&GroupResource::new(group, resource))
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
    pub fn resource(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceInfo> {
        self.table
            .by_gvr(&apimachinery::schema::GroupVersionResource::new(group, version, resource))
    }
}
