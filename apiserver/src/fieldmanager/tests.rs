//! Tests of field tracking and server-side apply over a small hand-written schema, named after
//! the upstream behaviours they mirror (structured-merge-diff's merge and apply cases,
//! apiserver's fieldmanager tests).

use std::sync::Arc;

use apimachinery::runtime::{ResourceInfo, SubresourceInfo};
use serde_json::{Map, Value, json};

use super::fieldpath::{PathElement, Set};
use super::schema::{ListKind, Shape, TypeSchema};
use super::typed::Walker;
use super::{FieldManager, manager_or_user_agent, validate_field_manager};

/// Definitions shaped like the built-in ones: a `Widget` kind with a struct spec, a keyed
/// list, an atomic list, a set, granular and atomic maps.
fn defs() -> Arc<Map<String, Value>> {
    let defs = json!({
        "Meta": {"type": "object", "properties": {
            "name": {"type": "string"},
            "namespace": {"type": "string"},
            "uid": {"type": "string"},
            "resourceVersion": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            "finalizers": {"type": "array", "items": {"type": "string"},
                           "x-kubernetes-patch-strategy": "merge"},
            "managedFields": {"type": "array", "items": {"type": "object"}},
        }},
        "Widget": {"type": "object", "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": "#/definitions/Meta"}], "default": {}},
            "spec": {"allOf": [{"$ref": "#/definitions/Spec"}], "default": {}},
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}},
                       "default": {}},
        }},
        "Spec": {"type": "object", "properties": {
            "replicas": {"type": "integer"},
            "color": {"type": "string"},
            "args": {"type": "array", "items": {"type": "string"}},
            "containers": {"type": "array", "items": {"$ref": "#/definitions/Container"},
                           "x-kubernetes-patch-strategy": "merge",
                           "x-kubernetes-patch-merge-key": "name"},
            "ports": {"type": "array", "items": {"$ref": "#/definitions/Port"},
                      "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["port", "protocol"]},
            "selector": {"allOf": [{"$ref": "#/definitions/Selector"}]},
            "data": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
        "Container": {"type": "object", "properties": {
            "name": {"type": "string"},
            "image": {"type": "string"},
        }},
        "Port": {"type": "object", "properties": {
            "port": {"type": "integer"},
            "protocol": {"type": "string", "default": "TCP"},
        }},
        "Selector": {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
    });
    match defs {
        Value::Object(m) => Arc::new(m),
        _ => unreachable!(),
    }
}

fn schema() -> Arc<TypeSchema> {
    Arc::new(TypeSchema::definition(defs(), "Widget"))
}

fn info(status: bool) -> ResourceInfo {
    let mut subresources = Vec::new();
    if status {
        subresources.push(SubresourceInfo {
            name: "status".into(),
            group: "example.com".into(),
            version: "v1".into(),
            kind: "Widget".into(),
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
    }
    ResourceInfo {
        group: "example.com".into(),
        version: "v1".into(),
        kind: "Widget".into(),
        resource: "widgets".into(),
        singular_name: "widget".into(),
        namespaced: true,
        short_names: Vec::new(),
        categories: Vec::new(),
        verbs: Vec::new(),
        subresources,
    }
}

fn manager() -> FieldManager {
    FieldManager::new(schema(), &info(true), "")
}

fn widget(spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
           "metadata": {"name": "w", "namespace": "ns"}, "spec": spec})
}

/// The live object as the store would keep it after a write.
fn stored(mut obj: Value) -> Value {
    obj["metadata"]["uid"] = json!("uid-1");
    obj
}

/// `manager -> (operation, fieldsV1)` of an object's managedFields.
fn owners(obj: &Value) -> Vec<(String, String, Value)> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                        e["fieldsV1"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn f(name: &str) -> PathElement {
    PathElement::field(name)
}

#[test]
fn schema_shapes() {
    let s = schema();
    let root = s.root();
    assert_eq!(s.shape(root), Shape::Struct { atomic: false });
    let (spec, named) = s.field(root, "spec");
    assert!(named);
    let shape = |name: &str| s.shape(s.field(spec, name).0);
    assert_eq!(shape("containers"), Shape::List(ListKind::Map(vec!["name".into()])));
    assert_eq!(shape("ports"), Shape::List(ListKind::Map(vec!["port".into(), "protocol".into()])));
    assert_eq!(shape("args"), Shape::List(ListKind::Atomic));
    assert_eq!(shape("selector"), Shape::Struct { atomic: true });
    assert_eq!(shape("data"), Shape::Map { atomic: false });
    let (meta, _) = s.field(root, "metadata");
    assert_eq!(s.shape(s.field(meta, "finalizers").0), Shape::List(ListKind::Set));
    assert_eq!(s.shape(s.field(spec, "unknown").0), Shape::Deduced);
    assert_eq!(*s.zero_object(), json!({"metadata": {}, "spec": {}, "status": {}}));
}

#[test]
fn field_set_of_lists_and_maps() {
    let s = schema();
    let w = Walker::new(&s);
    let obj = widget(json!({
        "replicas": 1,
        "args": ["a", "b"],
        "containers": [{"name": "app", "image": "x"}],
        "ports": [{"port": 80}],
        "selector": {"matchLabels": {"a": "b"}},
        "data": {"k": "v"},
    }));
    let mut obj = obj;
    obj["metadata"]["finalizers"] = json!(["f1"]);
    obj["metadata"]["labels"] = json!({});
    let set = w.field_set(&obj, true).unwrap();
    assert_eq!(
        serde_json::to_string(&set.to_fields_v1()).unwrap(),
        concat!(
            r#"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:finalizers":{"v:\"f1\"":{}},"#,
            r#""f:labels":{},"f:name":{},"f:namespace":{}},"f:spec":{"f:args":{},"#,
            r#""f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}},"#,
            r#""f:data":{"f:k":{}},"#,
            r#""f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}},"#,
            r#""f:replicas":{},"f:selector":{}}}"#
        )
    );
    // A configuration must identify its items.
    let dup = widget(json!({"containers": [{"name": "a"}, {"name": "a"}]}));
    let err = w.field_set(&dup, true).unwrap_err();
    assert_eq!(err.to_string(), r#".spec.containers: duplicate entries for key [name="a"]"#);
    let keyless = widget(json!({"containers": [{"image": "a"}]}));
    assert!(w.field_set(&keyless, true).unwrap_err().message.contains("omits all key fields"));
    // Deduced schemas: every object key is a member, lists are atomic.
    let deduced = TypeSchema::deduced();
    let set = Walker::new(&deduced).field_set(&json!({"spec": {"a": [1, 2]}}), true).unwrap();
    assert_eq!(set.to_fields_v1(), json!({"f:spec": {".": {}, "f:a": {}}}));
}

#[test]
fn compare_reports_added_modified_removed() {
    let s = schema();
    let w = Walker::new(&s);
    let old = widget(json!({"replicas": 1, "containers": [{"name": "a", "image": "x"}]}));
    let new = widget(json!({"replicas": 2, "containers": [{"name": "b", "image": "y"}],
                            "data": {"k": "v"}}));
    let c = w.compare(&old, &new);
    let a = PathElement::key(vec![("name".into(), json!("a"))]);
    let b = PathElement::key(vec![("name".into(), json!("b"))]);
    assert_eq!(c.modified.paths(), vec![vec![f("spec"), f("replicas")]]);
    assert!(c.added.has(&[f("spec"), f("containers"), b.clone()]));
    assert!(c.added.has(&[f("spec"), f("containers"), b, f("image")]));
    assert!(c.added.has(&[f("spec"), f("data")]));
    assert!(c.added.has(&[f("spec"), f("data"), f("k")]));
    assert!(c.removed.has(&[f("spec"), f("containers"), a.clone()]));
    assert!(c.removed.has(&[f("spec"), f("containers"), a, f("name")]));
}

#[test]
fn merge_keeps_both_orders() {
    let s = schema();
    let w = Walker::new(&s);
    for (live, config, want) in [
        (json!(["a", "b", "c"]), json!(["b", "d"]), json!(["a", "b", "c", "d"])),
        (json!(["a", "b"]), json!(["x", "b", "a"]), json!(["x", "b", "a"])),
        (json!(["a", "b", "c"]), json!(["c", "a"]), json!(["b", "c", "a"])),
        (json!(["a"]), json!(["b"]), json!(["a", "b"])),
    ] {
        let item = |n: &Value| json!({"name": n});
        let list = |v: &Value| Value::Array(v.as_array().unwrap().iter().map(item).collect());
        let merged = w.merge(
            &widget(json!({"containers": list(&live)})),
            &widget(json!({"containers": list(&config)})),
        );
        assert_eq!(merged["spec"]["containers"], list(&want), "{live} + {config}");
    }
    // Atomic lists and maps are replaced; granular maps merge.
    let merged = w.merge(
        &widget(json!({"args": ["a", "b"], "selector": {"matchLabels": {"a": "1", "b": "2"}},
                       "data": {"x": "1"}})),
        &widget(
            json!({"args": ["c"], "selector": {"matchLabels": {"c": "3"}}, "data": {"y": "2"}}),
        ),
    );
    assert_eq!(merged["spec"]["args"], json!(["c"]));
    assert_eq!(merged["spec"]["selector"], json!({"matchLabels": {"c": "3"}}));
    assert_eq!(merged["spec"]["data"], json!({"x": "1", "y": "2"}));
}

#[test]
fn apply_creates_and_owns_exactly_the_configuration() {
    let fm = manager();
    let config = widget(json!({"replicas": 1, "containers": [{"name": "app", "image": "x"}]}));
    let obj = fm.apply(None, &config, "mgr", false).unwrap();
    assert_eq!(obj["spec"], config["spec"]);
    let owners = owners(&obj);
    assert_eq!(owners.len(), 1);
    assert_eq!((owners[0].0.as_str(), owners[0].1.as_str()), ("mgr", "Apply"));
    assert_eq!(
        owners[0].2,
        json!({"f:spec": {
            "f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}}},
            "f:replicas": {},
        }})
    );
    let entry = &obj["metadata"]["managedFields"][0];
    assert_eq!(entry["apiVersion"], "example.com/v1");
    assert_eq!(entry["fieldsType"], "FieldsV1");
    assert!(entry["time"].is_string());
}

#[test]
fn reapplying_the_same_configuration_changes_nothing() {
    let fm = manager();
    let config = widget(json!({"replicas": 1}));
    let live = stored(fm.apply(None, &config, "mgr", false).unwrap());
    let again = fm.apply(Some(&live), &config, "mgr", false).unwrap();
    assert_eq!(again, live);
}

#[test]
fn apply_removes_fields_no_longer_applied() {
    let fm = manager();
    let first = widget(json!({"replicas": 1, "color": "red", "data": {"a": "1", "b": "2"},
                              "containers": [{"name": "a"}, {"name": "b"}]}));
    let live = stored(fm.apply(None, &first, "mgr", false).unwrap());
    let second = widget(json!({"replicas": 1, "data": {"a": "1"}, "containers": [{"name": "a"}]}));
    let obj = fm.apply(Some(&live), &second, "mgr", false).unwrap();
    assert_eq!(
        obj["spec"],
        json!({"replicas": 1, "data": {"a": "1"}, "containers": [{"name": "a"}]})
    );
    assert_eq!(obj["metadata"]["uid"], "uid-1");
    // Dropping a whole section removes it.
    let third = widget(json!({"replicas": 1}));
    let obj = fm.apply(Some(&stored(obj)), &third, "mgr", false).unwrap();
    assert_eq!(obj["spec"], json!({"replicas": 1}));
}

#[test]
fn fields_another_manager_owns_stay_when_no_longer_applied() {
    let fm = manager();
    let live = stored(fm.apply(None, &widget(json!({"color": "red"})), "a", false).unwrap());
    // Manager b co-owns the field with the same value.
    let live = stored(fm.apply(Some(&live), &widget(json!({"color": "red"})), "b", false).unwrap());
    assert_eq!(owners(&live).len(), 2);
    let obj = fm.apply(Some(&live), &widget(json!({"replicas": 2})), "a", false).unwrap();
    assert_eq!(obj["spec"], json!({"color": "red", "replicas": 2}));
    let owners = owners(&obj);
    let a = owners.iter().find(|o| o.0 == "a").unwrap();
    assert_eq!(a.2, json!({"f:spec": {"f:replicas": {}}}));
    let b = owners.iter().find(|o| o.0 == "b").unwrap();
    assert_eq!(b.2, json!({"f:spec": {"f:color": {}}}));
}

#[test]
fn conflicting_apply_fails_with_upstream_status() {
    let fm = manager();
    let live = stored(
        fm.apply(None, &widget(json!({"replicas": 1, "color": "red"})), "a", false).unwrap(),
    );
    let err = fm.apply(Some(&live), &widget(json!({"replicas": 2})), "b", false).unwrap_err();
    assert_eq!(err.code(), 409);
    assert_eq!(err.message(), r#"Apply failed with 1 conflict: conflict with "a": .spec.replicas"#);
    let causes = err.causes();
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0].reason.as_deref(), Some("FieldManagerConflict"));
    assert_eq!(causes[0].message.as_deref(), Some(r#"conflict with "a""#));
    assert_eq!(causes[0].field.as_deref(), Some(".spec.replicas"));
    let err = fm
        .apply(Some(&live), &widget(json!({"replicas": 2, "color": "blue"})), "b", false)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.color\n- .spec.replicas"
    );
}

#[test]
fn update_managers_conflict_with_their_version() {
    let fm = manager();
    let mut created = widget(json!({"replicas": 1}));
    fm.update(None, &mut created, "kubectl-client-side-apply");
    let live = stored(created);
    assert_eq!(owners(&live)[0].1, "Update");
    let err = fm.apply(Some(&live), &widget(json!({"replicas": 3})), "ssa", false).unwrap_err();
    assert_eq!(
        err.message(),
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using example.com/v1: .spec.replicas"#
    );
}

#[test]
fn force_takes_ownership() {
    let fm = manager();
    let live = stored(
        fm.apply(None, &widget(json!({"replicas": 1, "color": "red"})), "a", false).unwrap(),
    );
    let obj = fm.apply(Some(&live), &widget(json!({"replicas": 2})), "b", true).unwrap();
    assert_eq!(obj["spec"], json!({"replicas": 2, "color": "red"}));
    let o = owners(&obj);
    assert_eq!(o.iter().find(|o| o.0 == "a").unwrap().2, json!({"f:spec": {"f:color": {}}}));
    assert_eq!(o.iter().find(|o| o.0 == "b").unwrap().2, json!({"f:spec": {"f:replicas": {}}}));
    // Taking every field leaves the old manager with nothing: its entry goes.
    let live = stored(obj);
    let obj = fm.apply(Some(&live), &widget(json!({"color": "blue"})), "b", true).unwrap();
    let names: Vec<String> = owners(&obj).into_iter().map(|o| o.0).collect();
    assert_eq!(names, ["b"]);
    // b stopped applying replicas, which nobody else owned.
    assert_eq!(obj["spec"], json!({"color": "blue"}));
}

#[test]
fn updates_take_changed_fields_and_merge_per_manager() {
    let fm = manager();
    let mut created = widget(json!({"replicas": 1, "color": "red"}));
    fm.update(None, &mut created, "creator");
    let live = stored(created);
    let mut next = live.clone();
    next["spec"]["replicas"] = json!(5);
    fm.update(Some(&live), &mut next, "scaler");
    let o = owners(&next);
    assert_eq!(o.iter().find(|o| o.0 == "creator").unwrap().2, json!({"f:spec": {"f:color": {}}}));
    assert_eq!(
        o.iter().find(|o| o.0 == "scaler").unwrap().2,
        json!({"f:spec": {"f:replicas": {}}})
    );
    // The same manager again: one entry, owning both.
    let live = stored(next);
    let mut next = live.clone();
    next["spec"]["color"] = json!("blue");
    fm.update(Some(&live), &mut next, "scaler");
    let o = owners(&next);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].2, json!({"f:spec": {"f:color": {}, "f:replicas": {}}}));
    // A write that changes nothing adds nothing.
    let live = stored(next);
    let mut same = live.clone();
    fm.update(Some(&live), &mut same, "other");
    assert_eq!(same, live);
}

#[test]
fn client_managed_fields_reset_and_untracked_objects() {
    let fm = manager();
    let mut created = widget(json!({"replicas": 1}));
    fm.update(None, &mut created, "creator");
    let live = stored(created);
    // An empty list clears managedFields; the update is then not tracked.
    let mut next = live.clone();
    next["metadata"]["managedFields"] = json!([]);
    next["spec"]["replicas"] = json!(2);
    fm.update(Some(&live), &mut next, "editor");
    assert_eq!(next["metadata"].get("managedFields"), None);
    // Omitted managedFields keep the live ones.
    let mut next = live.clone();
    next["metadata"].as_object_mut().unwrap().remove("managedFields");
    next["spec"]["color"] = json!("x");
    fm.update(Some(&live), &mut next, "editor");
    assert_eq!(owners(&next).len(), 2);
    // Sent managedFields are taken as they are.
    let mut next = live.clone();
    next["metadata"]["managedFields"] = json!([{"manager": "someone", "operation": "Update",
        "apiVersion": "example.com/v1", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:replicas": {}}}}]);
    fm.update(Some(&live), &mut next, "editor");
    assert_eq!(owners(&next)[0].0, "someone");
}

#[test]
fn status_is_owned_through_the_status_subresource_only() {
    let main = manager();
    let mut created = widget(json!({"replicas": 1}));
    created["status"] = json!({"ready": true});
    main.update(None, &mut created, "creator");
    assert_eq!(owners(&created)[0].2, json!({"f:spec": {"f:replicas": {}}}));
    let status = FieldManager::new(schema(), &info(true), "status");
    let live = stored(created);
    let mut config = widget(json!({}));
    config.as_object_mut().unwrap().remove("spec");
    config["status"] = json!({"ready": false});
    let obj = status.apply(Some(&live), &config, "controller", false).unwrap();
    let entry = obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "controller")
        .unwrap();
    assert_eq!(entry["subresource"], "status");
    assert_eq!(entry["fieldsV1"], json!({"f:status": {"f:ready": {}}}));
}

#[test]
fn before_first_apply_owns_untracked_fields() {
    let fm = manager();
    let live = stored(widget(json!({"replicas": 1, "color": "red"})));
    let err = fm.apply(Some(&live), &widget(json!({"replicas": 2})), "a", false).unwrap_err();
    assert_eq!(
        err.message(),
        r#"Apply failed with 1 conflict: conflict with "before-first-apply" using example.com/v1: .spec.replicas"#
    );
    let obj = fm.apply(Some(&live), &widget(json!({"color": "red"})), "a", false).unwrap();
    let names: Vec<String> = owners(&obj).into_iter().map(|o| o.0).collect();
    assert_eq!(names, ["a", "before-first-apply"]);
}

#[test]
fn kubectl_upgrading_from_client_side_apply_is_forgiven() {
    let fm = manager();
    let mut created = widget(json!({"replicas": 1}));
    let last = super::last_applied_of(&created);
    created["metadata"]["annotations"] = json!({super::LAST_APPLIED_ANNOTATION: last});
    fm.update(None, &mut created, "kubectl-client-side-apply");
    let live = stored(created);
    // Another manager conflicts ...
    assert!(fm.apply(Some(&live), &widget(json!({"replicas": 2})), "other", false).is_err());
    // ... kubectl itself takes over fields that still hold the last applied values, and
    // keeps the annotation up to date.
    let obj = fm.apply(Some(&live), &widget(json!({"replicas": 2})), "kubectl", false).unwrap();
    assert_eq!(obj["spec"]["replicas"], 2);
    let ann = obj["metadata"]["annotations"][super::LAST_APPLIED_ANNOTATION].as_str().unwrap();
    assert!(ann.contains(r#""replicas":2"#), "{ann}");
}

#[test]
fn apply_checks_the_configuration() {
    let fm = manager();
    let mut other = widget(json!({}));
    other["kind"] = json!("Gadget");
    let err = fm.apply(None, &other, "m", false).unwrap_err();
    assert_eq!(err.code(), 400);
    assert_eq!(err.message(), "invalid object type: example.com/v1, Kind=Gadget");
    let mut with_managed = widget(json!({}));
    with_managed["metadata"]["managedFields"] = json!([]);
    let err = fm.apply(None, &with_managed, "m", false).unwrap_err();
    assert_eq!(err.message(), "metadata.managedFields must be nil");
    let err = fm
        .apply(None, &widget(json!({"containers": [{"name": "a"}, {"name": "a"}]})), "m", false)
        .unwrap_err();
    assert_eq!(err.code(), 500);
}

#[test]
fn manager_names() {
    assert_eq!(manager_or_user_agent(Some("mine"), "kubectl/v1.35.0"), "mine");
    assert_eq!(manager_or_user_agent(None, "kubectl/v1.35.0 (linux/amd64)"), "kubectl");
    assert_eq!(manager_or_user_agent(Some(""), "kubectl-edit/v1.35.0"), "kubectl-edit");
    assert_eq!(manager_or_user_agent(None, "Helm/3.14"), "Helm");
    assert_eq!(manager_or_user_agent(None, "a\u{7}b/1"), "ab");
    assert_eq!(manager_or_user_agent(None, &"x".repeat(200)).len(), 128);
    assert!(validate_field_manager("ok", "PatchOptions").is_ok());
    let err = validate_field_manager(&"x".repeat(129), "PatchOptions").unwrap_err();
    assert_eq!(err.code(), 422);
    assert!(err.message().starts_with("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager"));
}

#[test]
fn removal_drops_emptied_sections() {
    let s = schema();
    let w = Walker::new(&s);
    let obj = widget(json!({"data": {"a": "1"}, "replicas": 1}));
    let set = Set::from_paths([&[f("spec"), f("data"), f("a")][..]]);
    assert_eq!(w.remove(&obj, &set)["spec"], json!({"replicas": 1}));
    let named = w.with_named_fields(&set);
    assert!(named.has(&[f("spec")]));
    assert!(named.has(&[f("spec"), f("data")]));
    assert!(!named.has(&[f("spec"), f("data"), f("a"), f("x")]));
}

#[test]
fn in_place_set_operations_match_the_copying_ones() {
    use super::fieldpath::{PathElement, Set};
    let f = PathElement::field;
    let a = Set::from_paths([
        &[f("apiVersion")][..],
        &[f("metadata"), f("name")][..],
        &[f("metadata"), f("labels"), f("app")][..],
        &[f("spec"), f("replicas")][..],
        &[f("status"), f("phase")][..],
    ]);
    let b = Set::from_paths([
        &[f("apiVersion")][..],
        &[f("metadata"), f("name")][..],
        &[f("metadata"), f("labels")][..],
        &[f("status"), f("phase")][..],
        &[f("other")][..],
    ]);
    let mut c = a.clone();
    c.subtract(&b);
    assert_eq!(c, a.difference(&b));
    assert!(c.has(&[f("spec"), f("replicas")]));
    assert!(!c.has(&[f("metadata"), f("name")]));
    assert_eq!(a.clone().union_owned(b.clone()), a.union(&b));
    assert_eq!(Set::new().union_owned(b.clone()), b);
    assert_eq!(a.clone().union_owned(Set::new()), a);
    let mut d = a.clone();
    d.insert(&[f("metadata"), f("labels"), f("app")]);
    assert_eq!(d, a, "inserting a present path changes nothing");
    d.insert(&[f("metadata"), f("labels"), f("tier")]);
    assert!(d.has(&[f("metadata"), f("labels"), f("tier")]));
}

/// The managedFields entry of a create by the general bookkeeping and by the one-walk path,
/// without their times (which differ by when they were taken).
fn create_entries(fm: &FieldManager, obj: &Value) -> (Option<Value>, Option<Value>) {
    let zero = fm.schema.zero_object();
    let mut new = obj.clone();
    super::remove_managed(&mut new);
    let untimed = |mut e: Value| {
        e.as_object_mut().unwrap().remove("time");
        e
    };
    let fast = fm.created_entry(zero, &new, "creator").expect("the one-walk path applies");
    let mut managed = super::Managed::default();
    fm.record_update(zero, &new, &mut managed, "creator");
    let general = managed.encode().map(|entries| entries[0].clone());
    (fast.map(untimed), general.map(untimed))
}

fn builtin_manager(doc: &str, def: &str, group: &str, kind: &str, status: bool) -> FieldManager {
    builtin_manager_of(doc, def, group, kind, status, "")
}

/// [`builtin_manager`] for writes through `subresource`.
fn builtin_manager_of(
    doc: &str,
    def: &str,
    group: &str,
    kind: &str,
    status: bool,
    subresource: &str,
) -> FieldManager {
    let openapi = crate::openapi::OpenApi::builtin(client::version::GIT_VERSION);
    let (bytes, _) = openapi.v3_group_version(doc).unwrap();
    let parsed: Value = serde_json::from_slice(bytes).unwrap();
    let defs = parsed.pointer("/components/schemas").unwrap().as_object().unwrap().clone();
    let schema = Arc::new(TypeSchema::definition(Arc::new(defs), def));
    let mut info = info(status);
    info.group = group.into();
    info.kind = kind.into();
    FieldManager::new(schema, &info, subresource)
}

/// A create's fields come out the same from the one-walk path as from the general comparison,
/// over built-in kinds and the hand-written schema, including duplicate and unidentifiable
/// list items, nulls, empty objects and fields the schema does not know.
#[test]
fn create_fields_match_the_general_comparison() {
    let pod = builtin_manager("api/v1", "io.k8s.api.core.v1.Pod", "", "Pod", true);
    let service = builtin_manager("api/v1", "io.k8s.api.core.v1.Service", "", "Service", true);
    let configmap =
        builtin_manager("api/v1", "io.k8s.api.core.v1.ConfigMap", "", "ConfigMap", false);
    let deployment = builtin_manager(
        "apis/apps/v1",
        "io.k8s.api.apps.v1.Deployment",
        "apps",
        "Deployment",
        true,
    );
    let container = json!({
        "name": "app", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443},
                  {"containerPort": 80, "protocol": "UDP", "name": "dns"}],
        "env": [{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {"fieldRef":
                 {"fieldPath": "metadata.name"}}}, {"name": "A", "value": "dup"}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {}},
        "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10},
        "securityContext": null,
        "args": ["-v", "-v"],
        "terminationMessagePath": "/dev/termination-log"
    });
    let cases = [
        (
            &pod,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "default", "uid": "u",
                             "creationTimestamp": "2026-01-01T00:00:00Z",
                             "labels": {"app": "web", "tier": ""}, "annotations": {},
                             "finalizers": ["a", "a", "b"], "generateName": "p-",
                             "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o",
                                                  "uid": "ou"}]},
                "spec": {"containers": [container.clone(), {"name": "side", "image": "busybox"},
                                        {"image": "no-name"}, 5, null],
                         "initContainers": [], "volumes": [{"name": "v", "emptyDir": {}}],
                         "tolerations": [{"key": "k", "operator": "Exists"}],
                         "nodeSelector": {"disk": "ssd"}, "restartPolicy": "Always",
                         "unknownField": {"x": [1, 2]}, "dnsConfig": {},
                         "securityContext": {}, "schedulerName": "default-scheduler"},
                "status": {"phase": "Pending", "qosClass": "Burstable"}
            }),
        ),
        (
            &pod,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"},
                      "spec": null}),
        ),
        (&pod, json!({"metadata": {"name": "r"}, "spec": {"containers": null}, "status": {}})),
        (
            &service,
            json!({
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 80, "protocol": "UDP"},
                                   {"port": 53, "protocol": "UDP", "name": "dns"}],
                         "selector": {"app": "web"}, "type": "ClusterIP",
                         "clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"],
                         "ipFamilies": ["IPv4"], "sessionAffinity": "None"},
                "status": {"loadBalancer": {}}
            }),
        ),
        (
            &configmap,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "c", "labels": {"a": "b"}},
                            "data": {"k": "v", "empty": ""}, "binaryData": {},
                            "immutable": false}),
        ),
        (&configmap, json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}})),
        (
            &deployment,
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "generation": 1},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                         "strategy": {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
                         "template": {"metadata": {"labels": {"app": "web"},
                                                   "creationTimestamp": null},
                                      "spec": {"containers": [container]}}},
                "status": {}
            }),
        ),
        (
            &manager(),
            widget(json!({
                "replicas": 1, "args": ["a", "a"], "color": null,
                "containers": [{"name": "x", "image": "i"}, {"name": "x"}, {"image": "anon"}],
                "ports": [{"port": 1}, {"port": 1, "protocol": "TCP"}, {"port": 2, "protocol": "UDP"}],
                "selector": {"matchLabels": {"a": "b"}}, "data": {}
            })),
        ),
        (&FieldManager::new(schema(), &info(false), ""), widget(json!({"replicas": 2}))),
        (
            &manager(),
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                            "metadata": {"name": "bare"}}),
        ),
    ];
    for (fm, obj) in cases {
        let (fast, general) = create_entries(fm, &obj);
        assert_eq!(fast, general, "{obj}");
    }
    let (fast, _) = create_entries(
        &service,
        &json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}], "type": "NodePort"}}),
    );
    assert_eq!(
        fast.unwrap()["fieldsV1"],
        json!({"f:spec": {"f:ports": {
            ".": {},
            "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}
        }, "f:type": {}}})
    );
    // Every field of the pod but the server's own metadata and the status is recorded.
    let (fast, _) = create_entries(&pod, &json!({"metadata": {"name": "p"}, "status": {"x": 1}}));
    assert_eq!(fast, None);
}

/// The fields of a status apply's entry for `manager`.
fn applied_fields(obj: &Value, manager: &str) -> Value {
    owners(obj).into_iter().find(|o| o.0 == manager).map(|o| o.2).unwrap_or(Value::Null)
}

/// An apply through a built-in kind's `/status` owns what its upstream status strategy lets
/// through and none of its reset fields (`GetResetFields`): pods/status owns new labels but
/// not owner references, deployments/status owner references but not labels,
/// flowschemas/status no metadata.
#[test]
fn status_apply_owns_what_the_status_strategy_keeps() {
    let cases = [
        ("api/v1", "io.k8s.api.core.v1.Pod", "", "Pod", "v1", json!({"f:labels": {"f:a": {}}})),
        (
            "apis/apps/v1",
            "io.k8s.api.apps.v1.Deployment",
            "apps",
            "Deployment",
            "apps/v1",
            json!({"f:ownerReferences": {"k:{\"uid\":\"u\"}": {}}}),
        ),
        (
            "apis/flowcontrol.apiserver.k8s.io/v1",
            "io.k8s.api.flowcontrol.v1.FlowSchema",
            "flowcontrol.apiserver.k8s.io",
            "FlowSchema",
            "flowcontrol.apiserver.k8s.io/v1",
            json!(null),
        ),
    ];
    for (doc, def, group, kind, api_version, metadata) in cases {
        let main = builtin_manager_of(doc, def, group, kind, true, "");
        let status = builtin_manager_of(doc, def, group, kind, true, "status");
        let mut created = json!({"apiVersion": api_version, "kind": kind,
                                 "metadata": {"name": "o", "namespace": "ns"}, "spec": {}});
        main.update(None, &mut created, "creator");
        let live = stored(created);
        let config = json!({"apiVersion": api_version, "kind": kind, "metadata": {
            "name": "o", "namespace": "ns", "labels": {"a": "b"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "n", "uid": "u"}],
        }, "status": {"observedGeneration": 1}});
        let obj = status.apply(Some(&live), &config, "controller", false).unwrap();
        let mut want = json!({"f:status": {"f:observedGeneration": {}}});
        if !metadata.is_null() {
            want["f:metadata"] = metadata;
        }
        assert_eq!(applied_fields(&obj, "controller"), want, "{kind}");
    }
}
