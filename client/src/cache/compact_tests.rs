//! Tests of [`Compact`]: metadata read out of the JSON, decoding equal to the typed decoding
//! (errors included), and the cache machinery (keys, indexers, listers, the shared informer
//! over the fake lister-watcher) working unchanged on compact objects.

use std::sync::Arc;
use std::time::Duration;

use apimachinery::labels::Selector;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::*;
use crate::cache::fake::{FakeListerWatcher, shared};
use crate::cache::shared_informer::tests::{Recorder, eventually, spawn, stop_and_join, synced};
use crate::cache::{
    DeltaObject, Indexer, Indexers, Lister, NAMESPACE_INDEX, ResourceEventHandler,
    SharedIndexInformer, SharedIndexInformerOptions, matches_selector, meta_namespace_index_func,
    meta_namespace_key_func,
};

type CPod = Compact<Pod>;

/// A pod as a server writes it, with the parts that make typed pods large.
fn pod_value(ns: &str, name: &str, labels: Value) -> Value {
    json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": format!("uid-{ns}-{name}"),
            "resourceVersion": "7",
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "labels": labels,
            "annotations": {"owner": "team-a", "note": "x < y & \"z\""},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                "uid": "u-rs", "controller": true}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                "apiVersion": "v1", "time": "2026-01-02T03:04:05Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}}}}}}],
        },
        "spec": {
            "containers": [{"name": "web", "image": "nginx:1.27",
                "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
                "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
            "restartPolicy": "Always",
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
    })
}

fn compact(ns: &str, name: &str, labels: Value) -> CPod {
    CPod::from_json(&pod_value(ns, name, labels).to_string()).expect("compact pod")
}

#[test]
fn metadata_is_read_out_of_the_json() {
    let json = pod_value("prod", "web-1", json!({"app": "web", "tier": "front"})).to_string();
    let c = CPod::from_json(&json).expect("compact");
    assert_eq!(c.namespace(), "prod");
    assert_eq!(c.name(), "web-1");
    assert_eq!(c.resource_version(), "7");
    assert_eq!(c.uid(), "uid-prod-web-1");
    assert_eq!(c.labels().collect::<Vec<_>>(), [("app", "web"), ("tier", "front")]);
    assert_eq!(c.label("tier"), Some("front"));
    assert_eq!(c.label("none"), None);
    assert_eq!(c.raw(), json.as_bytes());
    // Plain strings are located in the JSON, not copied.
    assert_eq!(c.data.len(), json.len());
    let meta = c.meta().expect("meta");
    assert_eq!((meta.namespace, meta.name, meta.resource_version), ("prod", "web-1", "7"));
    assert_eq!(meta_namespace_key_func(&c).expect("key"), "prod/web-1");
    assert_eq!(meta_namespace_index_func(&c), ["prod"]);
}

#[test]
fn escaped_metadata_strings_are_unescaped() {
    let json = r#"{"metadata":{"name":"a\u002db","namespace":"n\u0073","labels":{"k\u0031":"v \"q\"","plain":"p"}}}"#;
    let c = CPod::from_json(json).expect("compact");
    assert_eq!((c.namespace(), c.name()), ("ns", "a-b"));
    assert_eq!(c.labels().collect::<Vec<_>>(), [("k1", "v \"q\""), ("plain", "p")]);
    assert_eq!(c.raw(), json.as_bytes());
    assert_eq!(c.decode().expect("decode").metadata.name.as_deref(), Some("a-b"));
}

#[test]
fn a_repeated_label_keeps_its_last_value_as_the_typed_decoding_does() {
    let json = r#"{"metadata":{"labels":{"a":"1","b":"2","a":"3"}}}"#;
    let c = CPod::from_json(json).expect("compact");
    let typed: Pod = serde_json::from_str(json).expect("typed");
    let typed_labels: Vec<(&str, &str)> =
        typed.metadata.labels.iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut labels: Vec<(&str, &str)> = c.labels().collect();
    labels.sort();
    assert_eq!(labels, typed_labels);
}

#[test]
fn objects_without_metadata_read_as_empty_as_in_the_typed_decoding() {
    for json in [
        "{}",
        r#"{"metadata":null}"#,
        r#"{"metadata":{}}"#,
        r#"{"kind":"Pod","apiVersion":"v1","spec":{}}"#,
        r#"{"metadata":{"name":null,"labels":null}}"#,
    ] {
        let typed: Pod = serde_json::from_str(json).expect(json);
        let c = CPod::from_json(json).expect(json);
        assert_eq!(c.decode().expect(json), typed, "{json}");
        assert_eq!((c.namespace(), c.name(), c.resource_version(), c.uid()), ("", "", "", ""));
        assert_eq!(c.labels().count(), 0);
        assert_eq!(
            meta_namespace_key_func(&c).expect(json),
            meta_namespace_key_func(&typed).expect(json)
        );
        assert_eq!(c.decode_metadata().expect(json), typed.metadata);
    }
}

/// A decoding error's message without serde_json's ` at line L column C`.
fn without_position(message: &str) -> &str {
    message.rfind(" at line ").map_or(message, |i| &message[..i])
}

#[test]
fn bad_objects_fail_as_the_typed_decoding_does() {
    let cases = [
        "",
        "null",
        "5",
        r#""pod""#,
        "[]",
        r#"["v1","Pod"]"#,
        r#"{"kind":"Service"}"#,
        r#"{"apiVersion":"apps/v1","kind":"Pod"}"#,
        r#"{"kind":5}"#,
        r#"{"metadata":5}"#,
        r#"{"metadata":[]}"#,
        r#"{"metadata":{"name":5}}"#,
        r#"{"metadata":{"namespace":true}}"#,
        r#"{"metadata":{"resourceVersion":{}}}"#,
        r#"{"metadata":{"uid":[]}}"#,
        r#"{"metadata":{"labels":[]}}"#,
        r#"{"metadata":{"labels":{"a":1}}}"#,
        r#"{"metadata":{"labels":{"a":null}}}"#,
        r#"{"metadata":{"name":"x"}"#,
        r#"{"metadata":{}} trailing"#,
        r#"{"metadata":{}},"#,
        r#"{"spec":{"containers":[}}"#,
    ];
    for json in cases {
        let typed = serde_json::from_str::<Pod>(json).expect_err(json).to_string();
        let compact = CPod::from_json(json).expect_err(json).to_string();
        assert_eq!(without_position(&compact), without_position(&typed), "{json}");
    }
    assert!(CPod::from_slice(b"{\"metadata\":{\"name\":\"\xff\"}}").is_err());
    assert!(CPod::from_slice(b"{\"metadata\":{\"name\":\"a\"}}").is_ok());
}

#[test]
fn the_rest_of_the_object_is_checked_when_decoded() {
    // A container list that is not a list: the typed decoding refuses it, a compact object
    // is kept (its metadata is fine) and refuses to decode.
    let json = r#"{"metadata":{"name":"a"},"spec":{"containers":5}}"#;
    let typed = serde_json::from_str::<Pod>(json).expect_err("typed").to_string();
    let c = CPod::from_json(json).expect("compact");
    assert_eq!(c.name(), "a");
    assert_eq!(c.decode().expect_err("decode").to_string(), typed);
}

#[test]
fn decoding_gives_the_typed_object() {
    let json = pod_value("prod", "web-1", json!({"app": "web"})).to_string();
    let typed: Pod = serde_json::from_str(&json).expect("typed");
    let c = CPod::from_json(&json).expect("compact");
    assert_eq!(c.decode().expect("decode"), typed);
    assert_eq!(c.decode_metadata().expect("metadata"), typed.metadata);
    assert!(typed.metadata.managed_fields.is_some());

    // Encoding a typed object gives the same object back, and the same metadata.
    let again = CPod::from_object(&typed).expect("from_object");
    assert_eq!(again.decode().expect("decode"), typed);
    assert_eq!(
        (again.namespace(), again.name(), again.resource_version(), again.uid()),
        (c.namespace(), c.name(), c.resource_version(), c.uid())
    );
    assert_eq!(again.labels().collect::<Vec<_>>(), c.labels().collect::<Vec<_>>());

    // A partial view decodes only what it names.
    #[derive(serde::Deserialize)]
    struct Phase {
        status: Status,
    }
    #[derive(serde::Deserialize)]
    struct Status {
        phase: String,
    }
    assert_eq!(c.decode_as::<Phase>().expect("phase").status.phase, "Running");
}

#[test]
fn compact_objects_work_with_indexers_listers_and_selectors() {
    let indexers = Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<CPod, _>);
    let indexer = Arc::new(Indexer::new(meta_namespace_key_func::<CPod, _>, indexers));
    for c in [
        compact("a", "one", json!({"app": "web"})),
        compact("a", "two", json!({"app": "db"})),
        compact("b", "three", json!({"app": "web", "tier": "front"})),
    ] {
        indexer.add(Arc::new(c)).expect("add");
    }
    let names = |objs: Vec<Arc<CPod>>| {
        let mut names: Vec<String> =
            objs.iter().map(|o| format!("{}/{}", o.namespace(), o.name())).collect();
        names.sort();
        names
    };
    assert_eq!(names(indexer.by_index(NAMESPACE_INDEX, "a").expect("index")), ["a/one", "a/two"]);
    let lister = Lister::new(Arc::clone(&indexer));
    let web = Selector::parse("app=web").expect("selector");
    assert_eq!(names(lister.list(&web)), ["a/one", "b/three"]);
    assert_eq!(names(lister.namespaced("a").list(&web)), ["a/one"]);
    assert_eq!(
        names(lister.list(&Selector::parse("tier,app!=db").expect("selector"))),
        ["b/three"]
    );
    assert_eq!(lister.namespaced("b").get("three").expect("get").label("tier"), Some("front"));
    assert!(lister.namespaced("b").get("one").is_none());
    let one = compact("a", "one", json!({"app": "web"}));
    assert!(matches_selector(&one, &web));
    assert!(!matches_selector(&one, &Selector::parse("app in (db)").expect("selector")));
}

#[test]
fn the_fake_sets_resource_versions_in_the_json() {
    let fake = FakeListerWatcher::<CPod>::new();
    let stored = fake.add(compact("ns", "a", json!({"app": "web"})));
    assert_eq!(stored.resource_version(), "2");
    assert_eq!(stored.decode().expect("decode").metadata.resource_version.as_deref(), Some("2"));
    assert_eq!(stored.label("app"), Some("web"));
    assert_eq!(fake.get("ns/a").expect("stored"), stored);
}

// The recorder reads compact objects without decoding them, and decodes each live update to
// check it is whole.

fn key(c: &CPod) -> String {
    meta_namespace_key_func(c).unwrap_or_default()
}

impl ResourceEventHandler<CPod> for Recorder {
    fn on_add(&self, obj: Arc<CPod>, is_in_initial_list: bool) {
        let initial = if is_in_initial_list { " initial" } else { "" };
        self.push(format!("add {}{initial}", key(&obj)));
    }
    fn on_update(&self, old: Arc<CPod>, new: Arc<CPod>) {
        if old.resource_version() == new.resource_version() {
            self.push(format!("resync {}", key(&new)));
            return;
        }
        let pod = new.decode().expect("a cached object decodes");
        let app = pod.metadata.labels.unwrap_or_default().remove("app").unwrap_or_default();
        self.push(format!("update {} app={app}", key(&new)));
    }
    fn on_delete(&self, obj: DeltaObject<CPod>) {
        match obj {
            DeltaObject::Object(o) => self.push(format!("delete {}", key(&o))),
            DeltaObject::Tombstone(t) => self.push(format!("tombstone {}", t.key)),
        }
    }
}

fn informer(
    fake: &Arc<FakeListerWatcher<CPod>>,
    resync: Duration,
) -> Arc<SharedIndexInformer<CPod>> {
    let indexers = Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<CPod, _>);
    Arc::new(SharedIndexInformer::with_options(
        shared(fake),
        SharedIndexInformerOptions { resync_period: resync, indexers, ..Default::default() },
    ))
}

#[tokio::test(start_paused = true)]
async fn shared_informer_of_compact_pods_delivers_adds_updates_and_deletes() {
    let fake = Arc::new(FakeListerWatcher::<CPod>::new());
    fake.add(compact("ns", "a", json!({"app": "web"})));
    fake.add(compact("other", "b", json!({"app": "db"})));
    let inf = informer(&fake, Duration::ZERO);
    let rec = Arc::new(Recorder::default());
    let reg = inf.add_event_handler(Arc::clone(&rec)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    eventually("handler synced", || reg.has_synced()).await;
    let mut initial = rec.events();
    initial.sort();
    assert_eq!(initial, ["add ns/a initial", "add other/b initial"]);

    fake.add(compact("ns", "c", json!({"app": "web"})));
    fake.update(compact("ns", "a", json!({"app": "api"})));
    fake.delete("other/b");
    eventually("live events", || rec.events().len() == 5).await;
    assert_eq!(rec.events()[2..], ["add ns/c", "update ns/a app=api", "delete other/b"]);

    let indexer = inf.get_indexer();
    let mut in_ns: Vec<String> = indexer
        .by_index(NAMESPACE_INDEX, "ns")
        .expect("namespace index")
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    in_ns.sort();
    assert_eq!(in_ns, ["a", "c"]);
    assert!(indexer.by_index(NAMESPACE_INDEX, "other").expect("namespace index").is_empty());
    let cached = indexer.get_by_key("ns/a").expect("cached");
    assert_eq!(cached.resource_version(), fake.get("ns/a").expect("stored").resource_version());
    assert_eq!(cached.label("app"), Some("api"));
    let web = inf.lister().namespaced("ns").list(&Selector::parse("app=web").unwrap());
    assert_eq!(web.iter().map(|c| c.name()).collect::<Vec<_>>(), ["c"]);
    assert_eq!(inf.last_sync_resource_version(), fake.resource_version());
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn compact_informer_transforms_and_resyncs() {
    let fake = Arc::new(FakeListerWatcher::<CPod>::new());
    fake.add(compact("ns", "a", json!({"app": "web"})));
    let inf = informer(&fake, Duration::from_secs(1));
    // Drop managedFields by re-encoding, as a controller that never reads them would.
    inf.set_transform(|obj: Arc<CPod>| {
        let mut pod = obj.decode()?;
        pod.metadata.managed_fields = None;
        Ok(Arc::new(CPod::from_object(&pod)?))
    })
    .unwrap();
    let rec = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&rec)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    eventually("two resyncs", || rec.count("resync ns/a") >= 2).await;
    fake.update(compact("ns", "a", json!({"app": "api"})));
    eventually("the update", || rec.count("update ns/a app=api") == 1).await;
    let cached = inf.get_indexer().get_by_key("ns/a").expect("cached");
    let pod = cached.decode().expect("decode");
    assert!(pod.metadata.managed_fields.is_none());
    assert_eq!(
        pod.metadata.annotations.unwrap_or_default().get("owner").map(String::as_str),
        Some("team-a")
    );
    assert!(!cached.json().contains("managedFields"));
    assert_eq!(cached.label("app"), Some("api"));
    stop_and_join(stop, task).await;
}
