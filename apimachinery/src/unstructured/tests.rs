//! Tests mirroring upstream's unstructured helpers_test.go, unstructured_test.go and
//! unstructured_list_test.go.

use super::*;
use serde_json::json;

fn obj(v: Value) -> Object {
    match v {
        Value::Object(m) => m,
        _ => panic!("test fixture must be an object"),
    }
}

#[test]
fn test_remove_nested_field() {
    let mut o = obj(json!({"x": {"y": 1, "a": "foo"}}));
    remove_nested_field(&mut o, &["x", "a"]);
    assert_eq!(o["x"].as_object().map(|m| m.len()), Some(1));
    remove_nested_field(&mut o, &["x", "y"]);
    assert_eq!(o["x"], json!({}));
    remove_nested_field(&mut o, &["x"]);
    assert!(o.is_empty());
    remove_nested_field(&mut o, &["x"]);
    assert!(o.is_empty());
    // A non-object parent is ignored.
    let mut o = obj(json!({"x": "s"}));
    remove_nested_field(&mut o, &["x", "y"]);
    assert_eq!(o["x"], json!("s"));
}

fn check_field(o: &Object, path: &[&str], expect: Result<Option<Value>, &str>) {
    let got = nested_field(o, path).map(|v| v.cloned()).map_err(|e| e.to_string());
    assert_eq!(got, expect.map_err(str::to_string), "path {path:?}");
}

#[test]
fn test_nested_field_no_copy() {
    let o = obj(json!({"a": {"b": {"foo": "bar"}, "c": null, "d": ["foo"], "e": [{"f": "bar"}]}}));
    check_field(&o, &["a", "b"], Ok(Some(json!({"foo": "bar"}))));
    check_field(&o, &["a", "c"], Ok(Some(Value::Null)));
    check_field(
        &o,
        &["a", "d", "foo"],
        Err(
            ".a.d.foo accessor error: [foo] is of the type []interface {}, expected map[string]interface{}",
        ),
    );
    check_field(&o, &["a", "g"], Ok(None));
    check_field(&o, &["a", "g", "f"], Ok(None));
    check_field(&o, &["a", "c", "f"], Ok(None));
    check_field(&o, &["a", "e[0]"], Ok(None));
    check_field(
        &o,
        &["a", "b", "foo", "x"],
        Err(
            ".a.b.foo.x accessor error: bar is of the type string, expected map[string]interface{}",
        ),
    );
}

#[test]
fn test_nested_field_copy() {
    let mut o = obj(json!({"a": {"b": {"foo": "bar"}, "c": null, "d": ["foo"]}}));
    let copy = nested_map(&o, &["a", "b"]).unwrap().unwrap();
    if let Some(Value::Object(b)) = nested_field_mut(&mut o, &["a", "b"]).unwrap() {
        b.insert("foo".into(), json!("baz"));
    }
    assert_eq!(copy["foo"], json!("bar"), "result should be a copy");
    assert_eq!(o["a"]["b"]["foo"], json!("baz"));
    check_field(&o, &["a", "e"], Ok(None));
}

#[test]
fn test_nested_field_mut_errors() {
    let mut o = obj(json!({"a": {"d": ["foo"]}}));
    let err = nested_field_mut(&mut o, &["a", "d", "foo"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".a.d.foo accessor error: [foo] is of the type []interface {}, expected map[string]interface{}"
    );
    assert!(nested_field_mut(&mut o, &["a", "zz", "q"]).unwrap().is_none());
}

#[test]
fn test_set_nested_string_slice() {
    let mut o = obj(json!({"x": {"y": 1, "a": "foo"}}));
    set_nested_string_slice(&mut o, &["bar".to_string()], &["x", "z"]).unwrap();
    assert_eq!(o["x"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(o["x"]["z"], json!(["bar"]));
}

#[test]
fn test_set_nested_slice() {
    let mut o = obj(json!({"x": {"y": 1, "a": "foo"}}));
    set_nested_field(&mut o, json!(["bar"]), &["x", "z"]).unwrap();
    assert_eq!(o["x"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(nested_slice(&o, &["x", "z"]).unwrap(), Some(vec![json!("bar")]));
}

#[test]
fn test_set_nested_string_map() {
    let mut o = obj(json!({"x": {"y": 1, "a": "foo"}}));
    let m: BTreeMap<String, String> = [("b".to_string(), "bar".to_string())].into();
    set_nested_string_map(&mut o, &m, &["x", "z"]).unwrap();
    assert_eq!(o["x"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(o["x"]["z"]["b"], json!("bar"));
}

#[test]
fn test_set_nested_map() {
    let mut o = obj(json!({"x": {"y": 1, "a": "foo"}}));
    set_nested_field(&mut o, json!({"b": "bar"}), &["x", "z"]).unwrap();
    assert_eq!(o["x"]["z"]["b"], json!("bar"));
    // Intermediate maps are created.
    set_nested_field(&mut o, json!(1), &["p", "q", "r"]).unwrap();
    assert_eq!(o["p"], json!({"q": {"r": 1}}));
    // A non-map parent is an error.
    let err = set_nested_field(&mut o, json!(1), &["x", "a", "b"]).unwrap_err();
    assert_eq!(err.to_string(), "value cannot be set because .x.a is not a map[string]interface{}");
}

fn check_f64(o: Value, path: &[&str], want: Result<Option<f64>, &str>) {
    let got = nested_number_as_f64(&obj(o), path).map_err(|e| e.to_string());
    assert_eq!(got, want.map_err(str::to_string));
}

#[test]
fn test_nested_number_as_float64() {
    check_f64(json!({}), &["missing"], Ok(None));
    check_f64(json!({"value": 42.0}), &["value"], Ok(Some(42.0)));
    check_f64(
        json!({"value": true}),
        &["value"],
        Err(".value accessor error: true is of the type bool, expected float64 or int64"),
    );
    check_f64(json!({"value": 42}), &["value"], Ok(Some(42.0)));
    check_f64(
        json!({"value": i64::MAX}),
        &["value"],
        Err(
            ".value accessor error: int64 value 9223372036854775807 cannot be losslessly converted to float64",
        ),
    );
    check_f64(json!({"value": 1i64 << 53}), &["value"], Ok(Some(9007199254740992.0)));
    check_f64(
        json!({"value": (1i64 << 53) + 1}),
        &["value"],
        Err(
            ".value accessor error: int64 value 9007199254740993 cannot be losslessly converted to float64",
        ),
    );
}

type CoerceWant<'a> = Result<Option<Option<Vec<(&'a str, &'a str)>>>, &'a str>;

fn check_coerce(o: Value, want: CoerceWant<'_>) {
    let got = nested_null_coercing_string_map(&obj(o), &["path"]).map_err(|e| e.to_string());
    let want = want
        .map(|o| {
            o.map(|o| {
                o.map(|kv| {
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<BTreeMap<_, _>>()
                })
            })
        })
        .map_err(str::to_string);
    match (&got, &want) {
        (Err(g), Err(w)) => assert!(g.contains(w.as_str()), "{g} does not contain {w}"),
        _ => assert_eq!(got, want),
    }
}

#[test]
fn test_nested_null_coercing_string_map() {
    check_coerce(json!({}), Ok(None));
    check_coerce(json!({"path": null}), Ok(Some(None)));
    check_coerce(json!({"path": 0}), Err("type int64"));
    check_coerce(json!({"path": {}}), Ok(Some(Some(vec![]))));
    check_coerce(
        json!({"path": {"a": "1", "b": "2"}}),
        Ok(Some(Some(vec![("a", "1"), ("b", "2")]))),
    );
    check_coerce(
        json!({"path": {"a": "1", "b": null}}),
        Ok(Some(Some(vec![("a", "1"), ("b", "")]))),
    );
    check_coerce(json!({"path": {"a": "1", "b": null, "c": 0}}), Err("key \"c\": 0"));
}

#[test]
fn test_nested_typed_accessor_errors() {
    let o = obj(
        json!({"s": "x", "i": 3, "f": 1.5, "b": true, "l": [1, "a"], "m": {"k": 1}, "big": 1e6}),
    );
    let cases: Vec<(Result<(), AccessorError>, &str)> = vec![
        (
            nested_string(&o, &["i"]).map(drop),
            ".i accessor error: 3 is of the type int64, expected string",
        ),
        (
            nested_bool(&o, &["s"]).map(drop),
            ".s accessor error: x is of the type string, expected bool",
        ),
        (
            nested_i64(&o, &["f"]).map(drop),
            ".f accessor error: 1.5 is of the type float64, expected int64",
        ),
        (
            nested_f64(&o, &["i"]).map(drop),
            ".i accessor error: 3 is of the type int64, expected float64",
        ),
        (
            nested_slice(&o, &["m"]).map(drop),
            ".m accessor error: map[k:1] is of the type map[string]interface {}, expected []interface{}",
        ),
        (
            nested_string_slice(&o, &["l"]).map(drop),
            ".l accessor error: contains non-string key in the slice: 1 is of the type int64, expected string",
        ),
        (
            nested_map(&o, &["l"]).map(drop),
            ".l accessor error: [1 a] is of the type []interface {}, expected map[string]interface{}",
        ),
        (
            nested_string_map(&o, &["m"]).map(drop),
            ".m accessor error: contains non-string value in the map under key \"k\": 1 is of the type int64, expected string",
        ),
        (
            nested_string(&o, &["big"]).map(drop),
            ".big accessor error: 1e+06 is of the type float64, expected string",
        ),
        (
            nested_string(&o, &["b"]).map(drop),
            ".b accessor error: true is of the type bool, expected string",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got.unwrap_err().to_string(), want);
    }
    assert_eq!(nested_string(&o, &["s"]).unwrap(), Some("x".into()));
    assert_eq!(nested_i64(&o, &["i"]).unwrap(), Some(3));
    assert_eq!(nested_f64(&o, &["f"]).unwrap(), Some(1.5));
    assert_eq!(nested_bool(&o, &["b"]).unwrap(), Some(true));
    assert_eq!(nested_string(&o, &["nope"]).unwrap(), None);
}

#[test]
fn test_group_version_kind_accessors() {
    for (api_version, kind, want) in [
        ("", "Pod", GroupVersionKind::new("", "", "Pod")),
        ("v1", "Pod", GroupVersionKind::new("", "v1", "Pod")),
        ("apps/v1", "Deployment", GroupVersionKind::new("apps", "v1", "Deployment")),
        ("meta.k8s.io/v1beta1", "Table", GroupVersionKind::new("meta.k8s.io", "v1beta1", "Table")),
        ("a/b/c", "X", GroupVersionKind::default()),
    ] {
        let mut u = Unstructured::default();
        u.set_api_version(api_version);
        u.set_kind(kind);
        let mut want = want;
        if api_version == "a/b/c" {
            want.kind = kind.to_string();
        }
        assert_eq!(u.group_version_kind(), want, "{api_version}");
    }
    let mut u = Unstructured::default();
    u.set_group_version_kind(&GroupVersionKind::new("", "v1", "Pod"));
    assert_eq!(u.api_version(), "v1");
    u.set_group_version_kind(&GroupVersionKind::new("apps", "v1", "Deployment"));
    assert_eq!(u.api_version(), "apps/v1");
    assert_eq!(u.kind(), "Deployment");
}

#[test]
fn test_nil_unstructured_content() {
    let u = Unstructured::default();
    assert!(u.object.is_empty());
    assert_eq!(u.name(), "");
    assert_eq!(u.labels(), None);
    assert_eq!(serde_json::to_string(&u).unwrap(), "{}");
}

#[test]
fn test_unstructured_metadata_omitempty() {
    let mut u = Unstructured::from(obj(json!({"metadata": {
        "name": "n", "generateName": "g", "namespace": "ns", "selfLink": "/x", "uid": "u",
        "resourceVersion": "1", "generation": 3, "creationTimestamp": "2024-01-02T03:04:05Z",
        "deletionTimestamp": "2024-01-02T03:04:05Z", "deletionGracePeriodSeconds": 30,
        "labels": {"a": "b"}, "annotations": {"c": "d"},
        "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "x"}],
        "finalizers": ["f"], "managedFields": [{"manager": "m"}]
    }})));
    u.set_name("");
    u.set_generate_name("");
    u.set_namespace("");
    u.set_self_link("");
    u.set_uid("");
    u.set_resource_version("");
    u.set_generation(0);
    u.set_creation_timestamp(None);
    u.set_deletion_timestamp(None);
    u.set_deletion_grace_period_seconds(None);
    u.set_labels(None);
    u.set_annotations(None);
    u.set_owner_references(None);
    u.set_finalizers(None);
    u.set_managed_fields(None);
    assert_eq!(Value::from(u), json!({"metadata": {}}));
}

#[test]
fn test_unstructured_metadata_round_trip() {
    let src = Unstructured::from(obj(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": "n", "generateName": "g", "namespace": "ns", "uid": "u",
            "resourceVersion": "1", "generation": 3, "creationTimestamp": "2024-01-02T03:04:05Z",
            "deletionTimestamp": "2024-05-06T07:08:09Z", "deletionGracePeriodSeconds": 30,
            "labels": {"a": "b"}, "annotations": {"c": "d"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "x", "controller": true}],
            "finalizers": ["f"],
            "managedFields": [{"manager": "m", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": {"f:a": {}}}]
        }}),
    ));
    let mut dst = Unstructured::with_type("apps/v1", "Deployment");
    dst.set_name(&src.name());
    dst.set_generate_name(&src.generate_name());
    dst.set_namespace(&src.namespace());
    dst.set_uid(&src.uid());
    dst.set_resource_version(&src.resource_version());
    dst.set_generation(src.generation());
    dst.set_creation_timestamp(src.creation_timestamp().as_ref());
    dst.set_deletion_timestamp(src.deletion_timestamp().as_ref());
    dst.set_deletion_grace_period_seconds(src.deletion_grace_period_seconds());
    dst.set_labels(src.labels().as_ref());
    dst.set_annotations(src.annotations().as_ref());
    dst.set_owner_references(src.owner_references().as_deref());
    dst.set_finalizers(src.finalizers().as_deref());
    dst.set_managed_fields(src.managed_fields().as_deref());
    assert_eq!(Value::from(dst), Value::from(src.clone()));
    assert_eq!(src.group_version_kind(), GroupVersionKind::new("apps", "v1", "Deployment"));
}

#[test]
fn test_unstructured_getters_tolerate_bad_types() {
    let u = Unstructured::from(obj(json!({"apiVersion": 1, "metadata": {
        "name": 5, "generation": "x", "labels": {"a": 1}, "finalizers": "f",
        "ownerReferences": ["bad"], "creationTimestamp": "yesterday"
    }})));
    assert_eq!(u.api_version(), "");
    assert_eq!(u.name(), "");
    assert_eq!(u.generation(), 0);
    assert_eq!(u.labels(), None);
    assert_eq!(u.finalizers(), None);
    assert_eq!(u.owner_references(), None);
    assert_eq!(u.creation_timestamp(), None);
    let u =
        Unstructured::from(obj(json!({"metadata": {"labels": null, "annotations": {"a": null}}})));
    assert_eq!(u.labels(), None);
    assert_eq!(u.annotations(), Some([("a".to_string(), String::new())].into()));
}

#[test]
fn test_unstructured_setters_create_metadata() {
    let mut u = Unstructured::new();
    u.set_namespace("default");
    u.set_name("x");
    u.set_generation(2);
    u.set_labels(Some(&[("app".to_string(), "web".to_string())].into()));
    assert_eq!(
        Value::from(u.clone()),
        json!({"metadata": {"namespace": "default", "name": "x", "generation": 2, "labels": {"app": "web"}}})
    );
    assert_eq!(u.generation(), 2);
    assert_eq!(u.namespace(), "default");
}

#[test]
fn test_typed_round_trip() {
    use k8s_openapi::api::core::v1::{ConfigMap, Pod};
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("c".into());
    cm.data = Some([("k".to_string(), "v".to_string())].into());
    let u = Unstructured::from_typed(&cm).unwrap();
    assert_eq!(u.name(), "c");
    assert_eq!(u.kind(), "ConfigMap");
    assert_eq!(u.api_version(), "v1");
    let back: ConfigMap = u.to_typed().unwrap();
    assert_eq!(back, cm);
    let pod_err =
        Unstructured::from(obj(json!({"spec": {"containers": "nope"}}))).to_typed::<Pod>();
    assert!(pod_err.is_err());
    assert!(Unstructured::from_typed(&5).is_err());
}

#[test]
fn test_unstructured_list() {
    let list: UnstructuredList = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "10", "continue": "c", "remainingItemCount": 4},
        "items": [{"metadata": {"name": "a"}}, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}]
    }))
    .unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].kind(), "Pod");
    assert_eq!(list.items[0].api_version(), "v1");
    assert_eq!(list.resource_version(), "10");
    assert_eq!(list.continue_token(), "c");
    assert_eq!(list.remaining_item_count(), Some(4));
    let v = serde_json::to_value(&list).unwrap();
    assert_eq!(v["items"][1]["metadata"]["name"], json!("b"));
    let typed: k8s_openapi::List<k8s_openapi::api::core::v1::Pod> = list.to_typed().unwrap();
    assert_eq!(typed.items.len(), 2);
    let mut l2 = UnstructuredList::with_type("v1", "List");
    l2.set_remaining_item_count(Some(1));
    l2.set_continue_token("x");
    l2.set_resource_version("");
    assert_eq!(
        serde_json::to_value(&l2).unwrap(),
        json!({"apiVersion": "v1", "kind": "List", "metadata": {"remainingItemCount": 1, "continue": "x"}, "items": []})
    );
    assert!(serde_json::from_value::<UnstructuredList>(json!({"items": 1})).is_err());
    assert!(serde_json::from_value::<UnstructuredList>(json!({"items": [1]})).is_err());
}

#[test]
fn test_unstructured_to_list() {
    let u = Unstructured::from(obj(json!({"kind": "List", "items": [{"kind": "Pod"}]})));
    assert!(u.is_list());
    let l = u.to_list().unwrap();
    assert_eq!(l.items.len(), 1);
    assert!(!Unstructured::from(obj(json!({"items": 1}))).is_list());
    assert!(Unstructured::from(obj(json!({"items": [1]}))).to_list().is_err());
}
