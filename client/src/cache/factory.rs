//! [`SharedInformerFactory`]: hands out one shared informer per resource (and object type), so
//! every controller of a process watches each resource once, and starts, syncs and stops them
//! together (client-go's `informers/factory.go`).

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cache::reflector::{ReflectorOptions, TweakListOptions};
use crate::cache::shared_informer::{SharedIndexInformer, SharedIndexInformerOptions};
use crate::cache::{
    BoxFuture, Indexers, ListOptions, ListerWatcher, MetaAccess, NAMESPACE_INDEX,
    meta_namespace_index_func,
};

/// Options of a [`SharedInformerFactory`].
#[derive(Clone, Default)]
pub struct SharedInformerFactoryOptions {
    /// The resync period of informers without a custom one; zero disables resyncs.
    pub default_resync: Duration,
    /// The namespace informers watch (empty: all namespaces); handed to the constructor of
    /// each informer's lister-watcher.
    pub namespace: String,
    /// Applied to the options of every list and watch call of every informer.
    pub tweak_list_options: Option<TweakListOptions>,
    /// Resync periods by informer key, overriding `default_resync`.
    pub custom_resync: HashMap<String, Duration>,
    /// The reflector options every informer starts from (backoff, streaming lists, ...).
    pub reflector: ReflectorOptions,
}

impl fmt::Debug for SharedInformerFactoryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedInformerFactoryOptions")
            .field("default_resync", &self.default_resync)
            .field("namespace", &self.namespace)
            .field("tweak_list_options", &self.tweak_list_options.is_some())
            .field("custom_resync", &self.custom_resync)
            .field("reflector", &self.reflector)
            .finish()
    }
}

impl SharedInformerFactoryOptions {
    /// Options with `default_resync` and everything else at its default.
    pub fn new(default_resync: Duration) -> Self {
        Self { default_resync, ..Default::default() }
    }

    /// Restricts the informers to `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Rewrites every list and watch call's options with `tweak`.
    pub fn tweak_list_options(
        mut self,
        tweak: impl Fn(&mut ListOptions) + Send + Sync + 'static,
    ) -> Self {
        self.tweak_list_options = Some(Arc::new(tweak));
        self
    }

    /// Gives the informer `key` its own resync period.
    pub fn custom_resync(mut self, key: impl Into<String>, resync: Duration) -> Self {
        self.custom_resync.insert(key.into(), resync);
        self
    }

    /// The reflector options every informer starts from.
    pub fn reflector(mut self, reflector: ReflectorOptions) -> Self {
        self.reflector = reflector;
        self
    }
}

type RunFn = Box<dyn Fn(CancellationToken) -> BoxFuture<'static, ()> + Send + Sync>;
type WaitFn = Box<dyn Fn(CancellationToken) -> BoxFuture<'static, bool> + Send + Sync>;

struct Registered {
    key: String,
    informer: Arc<dyn Any + Send + Sync>,
    run: RunFn,
    wait: WaitFn,
    started: bool,
}

#[derive(Default)]
struct FactoryState {
    informers: HashMap<(TypeId, String), Registered>,
    tasks: Vec<JoinHandle<()>>,
    shutting_down: bool,
}

/// Shares informers by key and object type. See the module docs.
pub struct SharedInformerFactory {
    options: SharedInformerFactoryOptions,
    state: Mutex<FactoryState>,
}

impl fmt::Debug for SharedInformerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        let mut keys: Vec<&str> = state.informers.values().map(|r| r.key.as_str()).collect();
        keys.sort_unstable();
        f.debug_struct("SharedInformerFactory")
            .field("options", &self.options)
            .field("informers", &keys)
            .finish()
    }
}

impl SharedInformerFactory {
    /// A factory whose informers resync every `default_resync` (zero: never), in all
    /// namespaces.
    pub fn new(default_resync: Duration) -> Self {
        Self::with_options(SharedInformerFactoryOptions::new(default_resync))
    }

    /// A factory built from `options`.
    pub fn with_options(options: SharedInformerFactoryOptions) -> Self {
        Self { options, state: Mutex::new(FactoryState::default()) }
    }

    /// The factory's options.
    pub fn options(&self) -> &SharedInformerFactoryOptions {
        &self.options
    }

    fn lock(&self) -> MutexGuard<'_, FactoryState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lookup<T: Send + Sync + 'static>(
        state: &FactoryState,
        id: &(TypeId, String),
    ) -> Option<Arc<SharedIndexInformer<T>>> {
        let registered = state.informers.get(id)?;
        // The key holds T's TypeId, so the downcast cannot fail.
        Arc::clone(&registered.informer).downcast::<SharedIndexInformer<T>>().ok()
    }

    /// The shared informer for objects of type `T` under `key` (for example `"pods"` or
    /// `"apps/v1/deployments"`), created on first use over the lister-watcher `make` builds
    /// for the factory's namespace. `make` runs without the factory's lock held; informers
    /// start with the next [`SharedInformerFactory::start`].
    pub fn informer_for<T, V: 'static>(
        &self,
        key: &str,
        make: impl FnOnce(&str) -> Arc<dyn ListerWatcher<T>>,
    ) -> Arc<SharedIndexInformer<T>>
    where
        T: MetaAccess<V> + Send + Sync + 'static,
    {
        let id = (TypeId::of::<T>(), key.to_string());
        if let Some(informer) = Self::lookup::<T>(&self.lock(), &id) {
            return informer;
        }
        let lw = make(&self.options.namespace);
        let resync =
            self.options.custom_resync.get(key).copied().unwrap_or(self.options.default_resync);
        let mut reflector = self.options.reflector.clone();
        if reflector.name.is_empty() {
            reflector.name = key.to_string();
        }
        if self.options.tweak_list_options.is_some() {
            reflector.tweak_list_options = self.options.tweak_list_options.clone();
        }
        let indexers = Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<T, V>);
        let informer = Arc::new(SharedIndexInformer::with_options(
            lw,
            SharedIndexInformerOptions { resync_period: resync, indexers, reflector },
        ));

        let mut state = self.lock();
        // Another caller may have registered the same informer while `make` ran.
        if let Some(existing) = Self::lookup::<T>(&state, &id) {
            return existing;
        }
        let for_run = Arc::clone(&informer);
        let for_wait = Arc::clone(&informer);
        state.informers.insert(
            id,
            Registered {
                key: key.to_string(),
                informer: informer.clone(),
                run: Box::new(move |stop| {
                    let informer = Arc::clone(&for_run);
                    Box::pin(async move { informer.run(stop).await })
                }),
                wait: Box::new(move |stop| {
                    let informer = Arc::clone(&for_wait);
                    Box::pin(async move { informer.wait_for_sync(&stop).await })
                }),
                started: false,
            },
        );
        informer
    }

    /// Starts every informer not started yet, each until `stop` fires; call again after
    /// asking for more informers. Does nothing once shutting down. Must be called within a
    /// tokio runtime (outside one it logs an error and starts nothing).
    pub fn start(&self, stop: &CancellationToken) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::error!("SharedInformerFactory::start called outside a tokio runtime");
            return;
        };
        let mut state = self.lock();
        if state.shutting_down {
            return;
        }
        let mut runs = Vec::new();
        for registered in state.informers.values_mut().filter(|r| !r.started) {
            registered.started = true;
            runs.push((registered.run)(stop.clone()));
        }
        for run in runs {
            state.tasks.push(handle.spawn(run));
        }
    }

    /// Waits until every started informer has synced or `stop` fires; tells for each started
    /// informer (by key) whether it synced.
    pub async fn wait_for_cache_sync(&self, stop: &CancellationToken) -> BTreeMap<String, bool> {
        let waits: Vec<(String, BoxFuture<'static, bool>)> = {
            let state = self.lock();
            state
                .informers
                .values()
                .filter(|r| r.started)
                .map(|r| (r.key.clone(), (r.wait)(stop.clone())))
                .collect()
        };
        let mut synced = BTreeMap::new();
        // Sequential waits take as long as the slowest: each returns at once when its informer
        // has already synced or `stop` has fired.
        for (key, wait) in waits {
            synced.insert(key, wait.await);
        }
        synced
    }

    /// Marks the factory as shutting down (later starts do nothing) and waits for the started
    /// informers to stop, which they do when the token given to
    /// [`SharedInformerFactory::start`] fires.
    pub async fn shutdown(&self) {
        let tasks = {
            let mut state = self.lock();
            state.shutting_down = true;
            std::mem::take(&mut state.tasks)
        };
        for task in tasks {
            if let Err(err) = task.await {
                tracing::error!(%err, "informer task failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::fake::{FakeListerWatcher, shared};
    use k8s_openapi::api::core::v1::{ConfigMap, Secret};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn cm(name: &str) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                namespace: Some("ns".into()),
                name: Some(name.into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn factory_returns_the_same_informer_for_the_same_key() {
        let factory = SharedInformerFactory::new(Duration::ZERO);
        let fake = Arc::new(FakeListerWatcher::<ConfigMap>::new());
        let mut made = 0;
        let a = factory.informer_for::<ConfigMap, _>("configmaps", |_| {
            made += 1;
            shared(&fake)
        });
        let b = factory.informer_for::<ConfigMap, _>("configmaps", |_| {
            made += 1;
            shared(&fake)
        });
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(made, 1);
        // Another key, or another type under the same key, is another informer.
        let c = factory.informer_for::<ConfigMap, _>("other", |_| shared(&fake));
        assert!(!Arc::ptr_eq(&a, &c));
        let secrets = Arc::new(FakeListerWatcher::<Secret>::new());
        let _s = factory.informer_for::<Secret, _>("configmaps", |_| shared(&secrets));
        assert_eq!(factory.lock().informers.len(), 3);
    }

    #[tokio::test]
    async fn factory_starts_syncs_and_shuts_down() {
        let factory = SharedInformerFactory::with_options(
            SharedInformerFactoryOptions::new(Duration::ZERO)
                .namespace("ns")
                .tweak_list_options(|o| o.label_selector = "app=web".into()),
        );
        let fake = Arc::new(FakeListerWatcher::<ConfigMap>::new());
        fake.add(cm("a"));
        let mut seen_namespace = String::new();
        let informer = factory.informer_for::<ConfigMap, _>("configmaps", |ns| {
            seen_namespace = ns.to_string();
            shared(&fake)
        });
        assert_eq!(seen_namespace, "ns");
        let stop = CancellationToken::new();
        // Not started yet: nothing to wait for.
        assert!(factory.wait_for_cache_sync(&stop).await.is_empty());
        factory.start(&stop);
        factory.start(&stop); // idempotent
        let synced =
            tokio::time::timeout(Duration::from_secs(10), factory.wait_for_cache_sync(&stop))
                .await
                .expect("sync timed out");
        assert_eq!(synced, BTreeMap::from([("configmaps".to_string(), true)]));
        assert_eq!(informer.get_indexer().len(), 1);
        assert!(fake.list_calls().iter().all(|o| o.label_selector == "app=web"));

        // A later informer starts with a later start.
        let late = factory.informer_for::<ConfigMap, _>("late", |_| shared(&fake));
        factory.start(&stop);
        let synced =
            tokio::time::timeout(Duration::from_secs(10), factory.wait_for_cache_sync(&stop))
                .await
                .expect("sync timed out");
        assert_eq!(synced.len(), 2);
        assert!(late.has_synced());

        stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), factory.shutdown())
            .await
            .expect("shutdown timed out");
        assert!(informer.is_stopped() && late.is_stopped());
    }
}
