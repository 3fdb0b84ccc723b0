//! Listers: read-only, label-selectable views of an informer's [`Indexer`], cluster-wide or
//! per namespace (client-go's `tools/cache/listers.go` and its generated listers).

use std::marker::PhantomData;
use std::sync::Arc;

use apimachinery::labels::{Labels, Selector};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::cache::{
    CacheError, Indexer, MetaAccess, NAMESPACE_INDEX, ViaJson, ViaMetadata, object_key,
};

/// Read access to an object's `metadata.labels`. `Via` plays the same role as in
/// [`MetaAccess`]: it lets typed `k8s_openapi` resources and `serde_json::Value` both be
/// covered; callers leave it to inference.
pub trait LabelAccess<Via = ViaMetadata> {
    /// The value of the label `key`, if set.
    fn label(&self, key: &str) -> Option<&str>;
}

impl<M> LabelAccess<ViaMetadata> for M
where
    M: k8s_openapi::Metadata<Ty = ObjectMeta>,
{
    fn label(&self, key: &str) -> Option<&str> {
        self.metadata().labels.as_ref()?.get(key).map(String::as_str)
    }
}

impl LabelAccess<ViaJson> for serde_json::Value {
    fn label(&self, key: &str) -> Option<&str> {
        self.get("metadata")?.get("labels")?.get(key)?.as_str()
    }
}

/// An object's labels as the selector matcher reads them.
struct ObjectLabels<'a, T, V>(&'a T, PhantomData<fn() -> V>);

impl<T: LabelAccess<V>, V> Labels for ObjectLabels<'_, T, V> {
    fn lookup(&self, label: &str) -> Option<&str> {
        self.0.label(label)
    }
}

/// Whether `obj`'s labels satisfy `selector`.
pub fn matches_selector<T: LabelAccess<V>, V>(obj: &T, selector: &Selector) -> bool {
    selector.is_empty() || selector.matches(&ObjectLabels::<T, V>(obj, PhantomData))
}

/// Every object of `indexer` whose labels match `selector` (upstream's `ListAll`).
pub fn list_all<T: LabelAccess<V>, V>(indexer: &Indexer<T>, selector: &Selector) -> Vec<Arc<T>> {
    let all = indexer.list();
    if selector.is_empty() {
        return all;
    }
    all.into_iter().filter(|o| matches_selector::<T, V>(o, selector)).collect()
}

/// The objects of `namespace` (all namespaces when empty) whose labels match `selector`,
/// through the namespace index when the indexer has it (upstream's `ListAllByNamespace`).
pub fn list_all_by_namespace<T, V>(
    indexer: &Indexer<T>,
    namespace: &str,
    selector: &Selector,
) -> Vec<Arc<T>>
where
    T: LabelAccess<V> + MetaAccess<V>,
{
    if namespace.is_empty() {
        return list_all::<T, V>(indexer, selector);
    }
    let in_namespace = match indexer.by_index(NAMESPACE_INDEX, namespace) {
        Ok(objs) => objs,
        Err(CacheError::IndexNotFound(_)) => {
            tracing::debug!(
                "namespace index not found; listing every object to filter by namespace"
            );
            indexer
                .list()
                .into_iter()
                .filter(|o| o.meta().is_ok_and(|m| m.namespace == namespace))
                .collect()
        }
        Err(err) => {
            tracing::error!(%err, namespace, "listing by namespace index");
            Vec::new()
        }
    };
    if selector.is_empty() {
        return in_namespace;
    }
    in_namespace.into_iter().filter(|o| matches_selector::<T, V>(o, selector)).collect()
}

/// Lists and gets the objects of one resource from an informer's cache. Cheap to clone.
pub struct Lister<T> {
    indexer: Arc<Indexer<T>>,
}

impl<T> Clone for Lister<T> {
    fn clone(&self) -> Self {
        Self { indexer: Arc::clone(&self.indexer) }
    }
}

impl<T> std::fmt::Debug for Lister<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lister").field("len", &self.indexer.len()).finish()
    }
}

impl<T> Lister<T> {
    /// A lister over `indexer`.
    pub fn new(indexer: Arc<Indexer<T>>) -> Self {
        Self { indexer }
    }

    /// The underlying indexer.
    pub fn indexer(&self) -> &Arc<Indexer<T>> {
        &self.indexer
    }

    /// Every object (of every namespace) whose labels match `selector`.
    pub fn list<V>(&self, selector: &Selector) -> Vec<Arc<T>>
    where
        T: LabelAccess<V>,
    {
        list_all::<T, V>(&self.indexer, selector)
    }

    /// The cluster-scoped object called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<T>> {
        self.indexer.get_by_key(name)
    }

    /// The view of one namespace.
    pub fn namespaced(&self, namespace: &str) -> NamespaceLister<T> {
        NamespaceLister { indexer: Arc::clone(&self.indexer), namespace: namespace.to_string() }
    }
}

/// Lists and gets the objects of one namespace.
pub struct NamespaceLister<T> {
    indexer: Arc<Indexer<T>>,
    namespace: String,
}

impl<T> Clone for NamespaceLister<T> {
    fn clone(&self) -> Self {
        Self { indexer: Arc::clone(&self.indexer), namespace: self.namespace.clone() }
    }
}

impl<T> std::fmt::Debug for NamespaceLister<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceLister").field("namespace", &self.namespace).finish()
    }
}

impl<T> NamespaceLister<T> {
    /// The namespace this view covers.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The namespace's objects whose labels match `selector`.
    pub fn list<V>(&self, selector: &Selector) -> Vec<Arc<T>>
    where
        T: LabelAccess<V> + MetaAccess<V>,
    {
        list_all_by_namespace::<T, V>(&self.indexer, &self.namespace, selector)
    }

    /// The object called `name` in this namespace.
    pub fn get(&self, name: &str) -> Option<Arc<T>> {
        self.indexer.get_by_key(&object_key(&self.namespace, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{Indexers, meta_namespace_index_func, meta_namespace_key_func};
    use k8s_openapi::api::core::v1::ConfigMap;
    use std::collections::BTreeMap;

    fn cm(ns: &str, name: &str, labels: &[(&str, &str)]) -> Arc<ConfigMap> {
        let labels: BTreeMap<String, String> =
            labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Arc::new(ConfigMap {
            metadata: ObjectMeta {
                namespace: (!ns.is_empty()).then(|| ns.to_string()),
                name: Some(name.to_string()),
                labels: (!labels.is_empty()).then_some(labels),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    fn names<T: MetaAccess<V>, V>(objs: &[Arc<T>]) -> Vec<String> {
        let mut names: Vec<String> =
            objs.iter().map(|o| meta_namespace_key_func::<T, V>(o).unwrap_or_default()).collect();
        names.sort();
        names
    }

    fn indexed(with_ns_index: bool) -> Arc<Indexer<ConfigMap>> {
        let indexers = if with_ns_index {
            Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<ConfigMap, _>)
        } else {
            Indexers::new()
        };
        let indexer = Indexer::new(meta_namespace_key_func::<ConfigMap, _>, indexers);
        for obj in [
            cm("a", "one", &[("app", "web")]),
            cm("a", "two", &[("app", "db")]),
            cm("b", "three", &[("app", "web"), ("tier", "front")]),
            cm("", "global", &[]),
        ] {
            indexer.add(obj).unwrap();
        }
        Arc::new(indexer)
    }

    #[test]
    fn list_filters_by_label_selector() {
        let lister = Lister::new(indexed(true));
        let cases = [
            ("", vec!["a/one", "a/two", "b/three", "global"]),
            ("app=web", vec!["a/one", "b/three"]),
            ("app!=web", vec!["a/two", "global"]),
            ("tier", vec!["b/three"]),
            ("app in (db,web),!tier", vec!["a/one", "a/two"]),
        ];
        for (selector, want) in cases {
            let sel = Selector::parse(selector).unwrap();
            assert_eq!(names(&lister.list(&sel)), want, "selector {selector:?}");
        }
        assert!(lister.list(&Selector::nothing()).is_empty());
    }

    #[test]
    fn namespaced_list_and_get_with_and_without_the_namespace_index() {
        for with_index in [true, false] {
            let lister = Lister::new(indexed(with_index));
            let a = lister.namespaced("a");
            assert_eq!(names(&a.list(&Selector::everything())), ["a/one", "a/two"]);
            let web = Selector::parse("app=web").unwrap();
            assert_eq!(names(&a.list(&web)), ["a/one"]);
            assert_eq!(names(&lister.namespaced("").list(&web)), ["a/one", "b/three"]);
            assert!(a.get("one").is_some());
            assert!(a.get("three").is_none());
            assert!(lister.namespaced("none").list(&Selector::everything()).is_empty());
        }
    }

    #[test]
    fn get_cluster_scoped_by_name() {
        let lister = Lister::new(indexed(true));
        assert_eq!(lister.get("global").unwrap().metadata.name.as_deref(), Some("global"));
        assert!(lister.get("one").is_none());
    }

    #[test]
    fn json_objects_expose_labels() {
        let obj = serde_json::json!({"metadata": {"name": "x", "labels": {"app": "web"}}});
        assert!(matches_selector(&obj, &Selector::parse("app=web").unwrap()));
        assert!(!matches_selector(&obj, &Selector::parse("app=db").unwrap()));
        assert!(!matches_selector(&serde_json::json!(1), &Selector::parse("app").unwrap()));
    }
}
