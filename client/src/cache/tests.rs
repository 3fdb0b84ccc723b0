//! Tests mirroring client-go's tools/cache store, thread-safe store, index and key tests;
//! the DeltaFIFO ones live in `delta_fifo_tests.rs`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

use crate::cache::*;

fn pod(namespace: &str, name: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        ..Pod::default()
    }
}

// ---- keys ----

#[test]
fn test_meta_namespace_key_func() {
    fn check(p: &Pod, expect: &str) {
        assert_eq!(meta_namespace_key_func(p).unwrap(), expect, "{p:?}");
    }
    check(&pod("ns", "name"), "ns/name");
    check(&pod("", "name"), "name");
    check(&pod("kube-system", "coredns-1"), "kube-system/coredns-1");
    check(&pod("", ""), "");
    check(&Pod::default(), "");
}

#[test]
fn test_meta_namespace_key_func_json() {
    fn check(v: serde_json::Value, expect: Result<&str, &str>) {
        let got = meta_namespace_key_func(&v).map_err(|e| e.to_string());
        assert_eq!(got.as_deref(), expect.map_err(|e| e.to_string()).as_deref(), "{v}");
    }
    check(json!({"metadata": {"namespace": "ns", "name": "a"}}), Ok("ns/a"));
    check(json!({"metadata": {"name": "node-1"}}), Ok("node-1"));
    check(json!({"metadata": {"namespace": "", "name": "b"}}), Ok("b"));
    check(json!({"kind": "Pod"}), Ok(""));
    check(json!({"metadata": {"name": 5}}), Ok(""));
    let no_meta = Err("object has no meta: object does not implement the Object interfaces");
    check(json!("pod"), no_meta);
    check(json!([1, 2]), no_meta);
    check(json!(null), no_meta);
}

#[test]
fn test_meta_access() {
    let mut p = pod("ns", "n");
    p.metadata.resource_version = Some("42".to_string());
    let m = p.meta().unwrap();
    assert_eq!((m.namespace, m.name, m.resource_version), ("ns", "n", "42"));
    let v = json!({"metadata": {"namespace": "x", "name": "y", "resourceVersion": "7"}});
    let m = v.meta().unwrap();
    assert_eq!((m.namespace, m.name, m.resource_version), ("x", "y", "7"));
}

#[test]
fn test_split_meta_namespace_key() {
    fn check(key: &str, expect: Result<(&str, &str), &str>) {
        let got = split_meta_namespace_key(key).map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(str::to_string), "{key:?}");
    }
    check("ns/name", Ok(("ns", "name")));
    check("name", Ok(("", "name")));
    check("", Ok(("", "")));
    check("/", Ok(("", "")));
    check("ns/", Ok(("ns", "")));
    check("/name", Ok(("", "name")));
    check("a/b/c", Err(r#"unexpected key format: "a/b/c""#));
    check("//", Err(r#"unexpected key format: "//""#));
    check("a\"b/c/d", Err(r#"unexpected key format: "a\"b/c/d""#));
    check("a\tb/c/\u{1}", Err(r#"unexpected key format: "a\tb/c/\x01""#));
}

#[test]
fn test_object_key_round_trip() {
    for (ns, name) in [("ns", "a"), ("", "b"), ("default", "kubernetes")] {
        let key = object_key(ns, name);
        assert_eq!(split_meta_namespace_key(&key).unwrap(), (ns, name));
        assert_eq!(meta_namespace_key_func(&pod(ns, name)).unwrap(), key);
    }
}

#[test]
fn test_deletion_handling_meta_namespace_key_func() {
    fn check(obj: DeltaObject<Pod>, expect: &str) {
        assert_eq!(deletion_handling_meta_namespace_key_func(&obj).unwrap(), expect);
    }
    check(Arc::new(pod("ns", "a")).into(), "ns/a");
    check(Arc::new(pod("", "a")).into(), "a");
    let stale = Arc::new(pod("other", "x"));
    check(DeletedFinalStateUnknown { key: "ns/b".into(), obj: Some(stale) }.into(), "ns/b");
    check(DeletedFinalStateUnknown { key: "c".into(), obj: None }.into(), "c");
}

#[test]
fn test_meta_namespace_index_func() {
    assert_eq!(meta_namespace_index_func(&pod("ns", "a")), vec!["ns"]);
    assert_eq!(meta_namespace_index_func(&pod("", "a")), vec![""]);
    assert_eq!(meta_namespace_index_func(&json!({"metadata": {"namespace": "j"}})), vec!["j"]);
    assert_eq!(meta_namespace_index_func(&json!(3)), vec![""]);
    assert_eq!(NAMESPACE_INDEX, "namespace");
}

#[test]
fn test_delta_object_accessors() {
    let p = Arc::new(pod("ns", "a"));
    let live: DeltaObject<Pod> = Arc::clone(&p).into();
    assert!(Arc::ptr_eq(live.object().unwrap(), &p));
    assert!(live.tombstone().is_none());
    let dead: DeltaObject<Pod> =
        DeletedFinalStateUnknown { key: "k".into(), obj: Some(Arc::clone(&p)) }.into();
    assert!(Arc::ptr_eq(dead.object().unwrap(), &p));
    assert_eq!(dead.tombstone().unwrap().key, "k");
    let empty: DeltaObject<Pod> = DeletedFinalStateUnknown { key: "k".into(), obj: None }.into();
    assert!(empty.object().is_none());
}

// ---- store_test.go ----

#[derive(Debug, Clone, PartialEq)]
struct StoreObj {
    id: String,
    val: String,
}

fn mk(id: &str, val: &str) -> Arc<StoreObj> {
    Arc::new(StoreObj { id: id.into(), val: val.into() })
}

fn store_key(o: &StoreObj) -> Result<String, CacheError> {
    Ok(o.id.clone())
}

fn store_indexers() -> Indexers<StoreObj> {
    Indexers::new().with("by_val", |o: &StoreObj| vec![o.val.clone()])
}

fn vals(list: Vec<Arc<StoreObj>>) -> BTreeSet<String> {
    list.iter().map(|o| o.val.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn do_test_store(store: &Indexer<StoreObj>) {
    store.add(mk("foo", "bar")).unwrap();
    assert_eq!(store.get(&mk("foo", "")).unwrap().unwrap().val, "bar");
    store.update(mk("foo", "baz")).unwrap();
    assert_eq!(store.get(&mk("foo", "")).unwrap().unwrap().val, "baz");
    store.delete(mk("foo", "")).unwrap();
    assert!(store.get(&mk("foo", "")).unwrap().is_none());

    store.add(mk("a", "b")).unwrap();
    store.add(mk("c", "d")).unwrap();
    store.add(mk("e", "e")).unwrap();
    assert_eq!(vals(store.list()), set(&["b", "d", "e"]));
    assert_eq!(store.list().len(), 3);

    store.replace(vec![mk("foo", "foo"), mk("bar", "bar")], "0").unwrap();
    assert_eq!(vals(store.list()), set(&["foo", "bar"]));
    assert_eq!(store.list_keys().into_iter().collect::<BTreeSet<_>>(), set(&["bar", "foo"]));
}

#[test]
fn test_cache() {
    do_test_store(&Indexer::new(store_key, Indexers::new()));
}

#[test]
fn test_index() {
    let indexer = Indexer::new(store_key, store_indexers());
    do_test_store(&indexer);

    let indexer = Indexer::new(store_key, store_indexers());
    for (id, val) in [("a", "b"), ("c", "b"), ("e", "f"), ("g", "h")] {
        indexer.add(mk(id, val)).unwrap();
    }
    let expected: [(&str, &[&str]); 4] =
        [("b", &["a", "c"]), ("f", &["e"]), ("h", &["g"]), ("zz", &[])];
    for (val, ids) in expected {
        let found: BTreeSet<String> =
            indexer.index("by_val", &mk("", val)).unwrap().iter().map(|o| o.id.clone()).collect();
        assert_eq!(found, set(ids), "index value {val}");
    }
}

#[test]
fn test_key_error() {
    let failing =
        Indexer::new(|_: &StoreObj| Err(CacheError::Custom("error".into())), Indexers::new());
    let err = failing.add(mk("a", "b")).unwrap_err();
    assert_eq!(err.to_string(), "couldn't create key for object: error");
    assert!(matches!(err, CacheError::Key(inner) if matches!(*inner, CacheError::Custom(_))));
    assert!(failing.update(mk("a", "b")).is_err());
    assert!(failing.delete(mk("a", "b")).is_err());
    assert!(failing.get(&mk("a", "b")).is_err());
    assert!(failing.replace(vec![mk("a", "b")], "1").is_err());
    assert!(failing.is_empty());
}

#[test]
fn test_store_shares_objects() {
    let store = Indexer::new(store_key, store_indexers());
    let o = mk("a", "b");
    store.add(Arc::clone(&o)).unwrap();
    assert!(Arc::ptr_eq(&store.get_by_key("a").unwrap(), &o));
    assert!(Arc::ptr_eq(&store.by_index("by_val", "b").unwrap()[0], &o));
}

#[test]
fn test_store_delete_tombstone() {
    let store = Indexer::new(store_key, store_indexers());
    store.add(mk("a", "b")).unwrap();
    store.add(mk("c", "b")).unwrap();
    store.delete(DeletedFinalStateUnknown { key: "a".to_string(), obj: None }).unwrap();
    assert_eq!(store.list_keys(), vec!["c"]);
    assert_eq!(store.index_keys("by_val", "b").unwrap(), vec!["c"]);
    // Deleting what is not there is fine.
    store.delete(mk("zz", "")).unwrap();
    assert_eq!(store.len(), 1);
}

#[test]
fn test_store_with_pod_namespace_index() {
    let store: Indexer<Pod> = Indexer::new(
        meta_namespace_key_func,
        Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func),
    );
    for (ns, name) in [("a", "p1"), ("a", "p2"), ("b", "p1"), ("", "node-scoped")] {
        store.add(Arc::new(pod(ns, name))).unwrap();
    }
    assert_eq!(store.index_keys(NAMESPACE_INDEX, "a").unwrap(), vec!["a/p1", "a/p2"]);
    assert_eq!(store.index_keys(NAMESPACE_INDEX, "b").unwrap(), vec!["b/p1"]);
    assert_eq!(store.index_keys(NAMESPACE_INDEX, "").unwrap(), vec!["node-scoped"]);
    assert_eq!(store.list_index_func_values(NAMESPACE_INDEX), vec!["", "a", "b"]);
    assert_eq!(store.get_by_key("a/p2").unwrap().metadata.name.as_deref(), Some("p2"));
    let same_ns = store.index(NAMESPACE_INDEX, &pod("a", "other")).unwrap();
    assert_eq!(same_ns.len(), 2);
}

#[test]
fn test_store_as_reflector_store_and_key_lister() {
    let store = Arc::new(Indexer::new(store_key, store_indexers()));
    let rs: Arc<dyn ReflectorStore<StoreObj>> = store.clone();
    rs.add(mk("a", "1")).unwrap();
    rs.update(mk("a", "2")).unwrap();
    rs.add(mk("b", "3")).unwrap();
    rs.delete(mk("b", "").into()).unwrap();
    rs.resync().unwrap();
    let kl: Arc<dyn KeyListerGetter<StoreObj>> = store.clone();
    assert_eq!(kl.list_keys(), vec!["a"]);
    assert_eq!(kl.get_by_key("a").unwrap().unwrap().val, "2");
    assert!(kl.get_by_key("b").unwrap().is_none());
    rs.replace(vec![mk("c", "4")], "9").unwrap();
    assert_eq!(kl.list_keys(), vec!["c"]);
    assert_eq!(store.list_index_func_values("by_val"), vec!["4"]);
}

// ---- thread_safe_store_test.go ----

fn string_store(indexers: Indexers<String>) -> ThreadSafeStore<String> {
    ThreadSafeStore::new(indexers)
}

fn s(v: &str) -> Arc<String> {
    Arc::new(v.to_string())
}

#[test]
fn test_thread_safe_store_delete_removes_empty_sets_from_index() {
    let store = string_store(Indexers::new().with("testIndexer", |o: &String| vec![o.clone()]));
    store.add("testKey", s("testKey"));
    assert_eq!(store.index_keys("testIndexer", "testKey").unwrap(), vec!["testKey"]);
    store.delete("testKey");
    assert!(store.index_keys("testIndexer", "testKey").unwrap().is_empty());
    assert!(store.list_index_func_values("testIndexer").is_empty());
}

#[test]
fn test_thread_safe_store_add_keeps_non_empty_set_post_delete_from_index() {
    let store = string_store(
        Indexers::new().with("testIndexer", |_: &String| vec!["testIndex".to_string()]),
    );
    store.add("retain", s("retain"));
    store.add("delete", s("delete"));
    assert_eq!(store.index_keys("testIndexer", "testIndex").unwrap().len(), 2);
    store.delete("delete");
    assert_eq!(store.index_keys("testIndexer", "testIndex").unwrap(), vec!["retain"]);
    assert_eq!(store.list_index_func_values("testIndexer"), vec!["testIndex"]);
}

enum Op {
    Add(&'static str, &'static str),
    Update(&'static str, &'static str),
    Delete(&'static str),
}

#[test]
fn test_thread_safe_store_indexing_functions_with_multiple_values() {
    let store = string_store(
        Indexers::new()
            .with("testIndexer", |o: &String| o.split(',').map(str::to_string).collect()),
    );
    type Expect = [(&'static str, &'static [&'static str]); 3];
    let steps: Vec<(Op, Expect)> = vec![
        (Op::Add("key1", "foo"), [("foo", &["key1"]), ("bar", &[]), ("baz", &[])]),
        (Op::Add("key2", "bar"), [("foo", &["key1"]), ("bar", &["key2"]), ("baz", &[])]),
        (
            Op::Update("key2", "foo,bar"),
            [("foo", &["key1", "key2"]), ("bar", &["key2"]), ("baz", &[])],
        ),
        (
            Op::Update("key1", "foo,bar"),
            [("foo", &["key1", "key2"]), ("bar", &["key1", "key2"]), ("baz", &[])],
        ),
        (
            Op::Add("key3", "foo,bar,baz"),
            [
                ("foo", &["key1", "key2", "key3"]),
                ("bar", &["key1", "key2", "key3"]),
                ("baz", &["key3"]),
            ],
        ),
        (
            Op::Update("key1", "foo"),
            [("foo", &["key1", "key2", "key3"]), ("bar", &["key2", "key3"]), ("baz", &["key3"])],
        ),
        (
            Op::Update("key2", "bar"),
            [("foo", &["key1", "key3"]), ("bar", &["key2", "key3"]), ("baz", &["key3"])],
        ),
        (Op::Delete("key1"), [("foo", &["key3"]), ("bar", &["key2", "key3"]), ("baz", &["key3"])]),
        (Op::Delete("key3"), [("foo", &[]), ("bar", &["key2"]), ("baz", &[])]),
        (Op::Delete("key2"), [("foo", &[]), ("bar", &[]), ("baz", &[])]),
    ];
    for (i, (op, expect)) in steps.into_iter().enumerate() {
        match op {
            Op::Add(k, v) => store.add(k, s(v)),
            Op::Update(k, v) => store.update(k, s(v)),
            Op::Delete(k) => store.delete(k),
        }
        for (value, keys) in expect {
            assert_eq!(
                store.index_keys("testIndexer", value).unwrap(),
                keys,
                "step {i}, value {value}"
            );
            let objs: Vec<String> = store
                .by_index("testIndexer", value)
                .unwrap()
                .iter()
                .map(|o| o.to_string())
                .collect();
            assert_eq!(objs.len(), keys.len(), "step {i}, value {value}");
        }
    }
    assert!(store.list_index_func_values("testIndexer").is_empty());
    assert!(store.is_empty());
}

#[test]
fn test_thread_safe_store_index_errors() {
    let store = string_store(Indexers::new().with("idx", |o: &String| vec![o.clone()]));
    fn check<X: std::fmt::Debug>(r: Result<X, CacheError>, msg: &str) {
        assert_eq!(r.unwrap_err().to_string(), msg);
    }
    check(store.index("nope", &"x".to_string()), "Index with name nope does not exist");
    check(store.by_index("nope", "x"), "Index with name nope does not exist");
    check(store.index_keys("", "x"), "Index with name  does not exist");
    assert!(store.list_index_func_values("nope").is_empty());
    // A registered index with no entries yet is not an error.
    assert!(store.by_index("idx", "x").unwrap().is_empty());
    assert!(store.index("idx", &"x".to_string()).unwrap().is_empty());
}

#[test]
fn test_thread_safe_store_add_indexers() {
    let store = string_store(Indexers::new().with("first", |o: &String| vec![o[..1].to_string()]));
    store.add("k1", s("apple"));
    store.add("k2", s("avocado"));
    store.add("k3", s("banana"));
    // Registered later, the new index covers objects already stored.
    store
        .add_indexers(Indexers::new().with("len", |o: &String| vec![o.len().to_string()]))
        .unwrap();
    assert_eq!(store.index_keys("len", "5").unwrap(), vec!["k1"]);
    assert_eq!(store.index_keys("len", "7").unwrap(), vec!["k2"]);
    assert_eq!(store.list_index_func_values("len"), vec!["5", "6", "7"]);
    store.add("k4", s("cherry"));
    assert_eq!(store.index_keys("len", "6").unwrap(), vec!["k3", "k4"]);
    assert_eq!(store.indexers().names(), vec!["first", "len"]);

    let conflict = store.add_indexers(
        Indexers::new()
            .with("len", |_: &String| vec![])
            .with("first", |_: &String| vec![])
            .with("fresh", |_: &String| vec![]),
    );
    assert_eq!(conflict.unwrap_err().to_string(), "indexer conflict: map[first:{} len:{}]");
    // A rejected call registers nothing.
    assert_eq!(store.indexers().len(), 2);
    let one = store.add_indexers(Indexers::new().with("first", |_: &String| vec![]));
    assert_eq!(one.unwrap_err().to_string(), "indexer conflict: map[first:{}]");
}

#[test]
fn test_thread_safe_store_replace_rebuilds_indices() {
    let store = string_store(Indexers::new().with("idx", |o: &String| vec![o.clone()]));
    store.add("a", s("x"));
    store.add("b", s("y"));
    let items: HashMap<String, Arc<String>> =
        [("c".to_string(), s("y")), ("d".to_string(), s("z"))].into_iter().collect();
    store.replace(items);
    assert!(store.get("a").is_none());
    assert_eq!(store.list_index_func_values("idx"), vec!["y", "z"]);
    assert_eq!(store.index_keys("idx", "y").unwrap(), vec!["c"]);
    assert!(store.index_keys("idx", "x").unwrap().is_empty());
    let mut keys = store.list_keys();
    keys.sort();
    assert_eq!(keys, vec!["c", "d"]);
    assert_eq!(store.list().len(), 2);
}

#[test]
fn test_thread_safe_store_update_moves_index_entry() {
    // The update/delete consistency cases: old values disappear, new ones appear.
    let store = string_store(Indexers::new().with("idx", |o: &String| vec![o.clone()]));
    type Case = (&'static str, &'static str, &'static [&'static str]);
    let cases: [Case; 4] = [
        ("a", "v1", &["v1"]),
        ("a", "v2", &["v2"]),
        ("a", "v2", &["v2"]),
        ("b", "v1", &["v1", "v2"]),
    ];
    for (key, value, expect) in cases {
        store.update(key, s(value));
        assert_eq!(store.list_index_func_values("idx"), expect, "{key}={value}");
    }
    assert_eq!(store.index_keys("idx", "v2").unwrap(), vec!["a"]);
    store.delete("missing");
    store.delete("a");
    assert_eq!(store.list_index_func_values("idx"), vec!["v1"]);
}

#[test]
fn test_thread_safe_store_concurrent_readers() {
    let store = Arc::new(string_store(Indexers::new().with("idx", |o: &String| vec![o.clone()])));
    for i in 0..100 {
        store.add(format!("k{i}"), Arc::new(format!("v{}", i % 10)));
    }
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let keys = store.index_keys("idx", "v3").unwrap();
                    assert!(keys.len() >= 10, "{keys:?}");
                    assert!(store.list().len() >= 100);
                }
            })
        })
        .collect();
    for i in 100..200 {
        store.add(format!("k{i}"), Arc::new(format!("v{}", i % 10)));
    }
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(store.index_keys("idx", "v3").unwrap().len(), 20);
}

// ---- index_test.go ----

fn labelled(name: &str, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Arc<Pod> {
    let mut p = pod("", name);
    let map = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    p.metadata.labels = Some(map(labels));
    p.metadata.annotations = Some(map(annotations));
    Arc::new(p)
}

#[test]
fn test_get_index_func_values() {
    let index = Indexer::new(
        meta_namespace_key_func,
        Indexers::new().with("testmodes", |p: &Pod| {
            vec![p.metadata.labels.as_ref().and_then(|l| l.get("foo")).cloned().unwrap_or_default()]
        }),
    );
    index.add(labelled("one", &[("foo", "bar")], &[])).unwrap();
    index.add(labelled("two", &[("foo", "bar")], &[])).unwrap();
    index.add(labelled("tre", &[("foo", "biz")], &[])).unwrap();
    assert_eq!(index.list_index_func_values("testmodes"), vec!["bar", "biz"]);
}

fn users_index_func(p: &Pod) -> Vec<String> {
    let users =
        p.metadata.annotations.as_ref().and_then(|a| a.get("users")).cloned().unwrap_or_default();
    users.split(',').map(str::to_string).collect()
}

#[test]
fn test_multi_index_keys() {
    let index =
        Indexer::new(meta_namespace_key_func, Indexers::new().with("byUser", users_index_func));
    let pod2 = labelled("two", &[], &[("users", "bert,oscar")]);
    let pod3 = labelled("tre", &[], &[("users", "ernie,elmo")]);
    index.add(labelled("one", &[], &[("users", "ernie,bert")])).unwrap();
    index.add(Arc::clone(&pod2)).unwrap();
    index.add(Arc::clone(&pod3)).unwrap();

    let names = |value: &str| -> BTreeSet<String> {
        index
            .by_index("byUser", value)
            .unwrap()
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect()
    };
    let expected: [(&str, &[&str]); 5] = [
        ("ernie", &["one", "tre"]),
        ("bert", &["one", "two"]),
        ("elmo", &["tre"]),
        ("oscar", &["two"]),
        ("elmo1", &[]),
    ];
    for (user, pods) in expected {
        assert_eq!(names(user), set(pods), "user {user}");
    }

    index.delete(pod3).unwrap();
    assert_eq!(names("ernie"), set(&["one"]));
    assert_eq!(names("elmo"), set(&[]));

    let mut copy_of_pod2 = (*pod2).clone();
    copy_of_pod2
        .metadata
        .annotations
        .get_or_insert_default()
        .insert("users".into(), "oscar".into());
    index.update(Arc::new(copy_of_pod2)).unwrap();
    assert_eq!(names("bert"), set(&["one"]));
    assert_eq!(names("oscar"), set(&["two"]));
}

#[test]
fn test_cache_with_transformer() {
    let called = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&called);
    let store =
        Indexer::new(store_key, Indexers::new()).with_transformer(move |o: Arc<StoreObj>| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(o)
        });
    do_test_store(&store);
    // add, update, 3 adds, and the two replaced objects.
    assert_eq!(called.load(std::sync::atomic::Ordering::SeqCst), 7);
}

#[test]
fn test_cache_transformer_rewrites_and_fails() {
    let store = Indexer::new(store_key, store_indexers()).with_transformer(|o: Arc<StoreObj>| {
        if o.val == "bad" {
            return Err("wrong object type".into());
        }
        Ok(Arc::new(StoreObj { id: o.id.clone(), val: o.val.to_uppercase() }))
    });
    store.add(mk("a", "x")).unwrap();
    assert_eq!(store.get_by_key("a").unwrap().val, "X");
    assert_eq!(store.index_keys("by_val", "X").unwrap(), vec!["a"]);
    let err = store.update(mk("a", "bad")).unwrap_err();
    assert_eq!(err.to_string(), "transforming: wrong object type");
    assert_eq!(store.get_by_key("a").unwrap().val, "X");
    let err = store.replace(vec![mk("b", "ok"), mk("c", "bad")], "1").unwrap_err();
    assert_eq!(err.to_string(), "transforming: wrong object type");
    // A failed replace leaves the old content.
    assert_eq!(store.list_keys(), vec!["a"]);
}
