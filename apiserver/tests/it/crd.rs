//! CustomResourceDefinitions: establishment, discovery, serving, printer columns, removal of the
//! objects with their definition; validation of definitions; validation, pruning
//! (fieldValidation), defaulting, versions, status and scale of custom objects. Cases mirror
//! upstream's apiextensions-apiserver integration tests and their messages.

use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use super::{Reply, Server, assert_status, warnings};

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const WIDGETS: &str = "/apis/example.com/v1/namespaces/default/widgets";

fn widget_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            }],
        },
    })
}

/// A definition of `widgets.example.com` with one version `v1` and this schema.
fn crd_with_schema(schema: Value) -> Value {
    let mut crd = widget_crd();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = schema;
    crd
}

fn widget(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec})
}

/// Polls until `check` holds (10 s at most).
async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "condition not reached in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Creates a definition and waits until it is established and every listed resource path
/// answers.
async fn establish(s: &Server, crd: &Value, paths: &[&str]) {
    let r = s.post(CRDS, crd).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let name = crd["metadata"]["name"].as_str().unwrap();
    eventually(|| async {
        let crd = s.get(&format!("{CRDS}/{name}")).await.body;
        crd["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"))
    })
    .await;
    for path in paths {
        eventually(|| async { s.get(path).await.code == 200 }).await;
    }
}

async fn call_json(s: &Server, method: &str, path: &str, body: &Value) -> Reply {
    s.call(method, path, &[("content-type", "application/json")], body.to_string().as_bytes()).await
}

#[tokio::test]
async fn test_crd_established_served_and_deleted() {
    let s = Server::new().await;
    let r = s.post(CRDS, &widget_crd()).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["status"]["storedVersions"], json!(["v1"]));
    assert_eq!(r.body["spec"]["conversion"], json!({"strategy": "None"}));
    eventually(|| async {
        let crd = s.get(&format!("{CRDS}/widgets.example.com")).await.body;
        crd["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"))
    })
    .await;
    let crd = s.get(&format!("{CRDS}/widgets.example.com")).await.body;
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Widget");
    assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));

    // The aggregator keeps an APIService for the group version.
    let api_service = "/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com";
    eventually(|| async { s.get(api_service).await.code == 200 }).await;
    let registered = s.get(api_service).await.body;
    assert_eq!(
        registered["spec"],
        json!({"group": "example.com", "version": "v1", "groupPriorityMinimum": 1000, "versionPriority": 100})
    );
    assert_eq!(
        registered["metadata"]["labels"]["kube-aggregator.kubernetes.io/automanaged"],
        "true"
    );
    assert_eq!(registered["status"]["conditions"][0]["reason"], "Local");

    // Discovery lists the group and the resource.
    let groups = s.get("/apis").await.body;
    assert!(groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == "example.com"));
    let list = s.get("/apis/example.com/v1").await.body;
    assert_eq!(list["resources"][0]["name"], "widgets");
    assert_eq!(list["resources"][0]["shortNames"], json!(["wd"]));
    assert_eq!(list["resources"][1]["name"], "widgets/status");

    // Objects are served, typed on their items, with the definition's columns.
    let path = WIDGETS;
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 12}});
    let r = s.post(path, &w).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let l = s.get(path).await.body;
    assert_eq!(l["kind"], "WidgetList");
    assert_eq!(l["items"][0]["kind"], "Widget");
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let t = s.call("GET", path, &[("accept", accept)], b"").await.body;
    let headers: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(headers, ["Name", "Size"]);
    assert_eq!(t["rows"][0]["cells"], json!(["w1", 12]));
    // Strategic merge patch is not offered for custom resources.
    let r =
        s.patch(&format!("{path}/w1"), "application/strategic-merge-patch+json", &json!({})).await;
    assert_eq!(r.code, 415);
    let r = s
        .patch(&format!("{path}/w1"), "application/merge-patch+json", &json!({"spec": {"size": 3}}))
        .await;
    assert_eq!(r.body["spec"]["size"], 3);
    let r = s.get(&format!("{path}/nope")).await;
    assert_eq!(r.body["message"], "widgets.example.com \"nope\" not found");

    // Deleting the definition deletes its objects, then the definition.
    let r = s.delete(&format!("{CRDS}/widgets.example.com")).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    eventually(|| async { s.get(&format!("{CRDS}/widgets.example.com")).await.code == 404 }).await;
    assert_eq!(s.get(path).await.code, 404);
    assert_eq!(s.get("/apis/example.com/v1").await.code, 404);
    eventually(|| async { s.get(api_service).await.code == 404 }).await;
}

/// A definition mutated by a case.
type Mutate = fn(&mut Value);

/// Upstream's `TestForProperValidationErrors`-style checks of definitions on create: each bad
/// definition is refused with 422 and upstream's field errors.
#[tokio::test]
async fn test_crd_validation_errors() {
    let s = Server::new().await;
    let prefix =
        r#"CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: "#;
    let cases: &[(&str, Mutate, &str)] = &[
        (
            "no type at the root",
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"] =
                    json!({"properties": {"spec": {"type": "object"}}})
            },
            "spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root",
        ),
        (
            "no type for a property",
            |c| c["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}),
            "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
        ),
        (
            "per-version schemas keep their path",
            |c| {
                let mut v2 = c["spec"]["versions"][0].clone();
                v2["name"] = json!("v2");
                v2["storage"] = json!(false);
                v2["schema"]["openAPIV3Schema"] =
                    json!({"type": "object", "properties": {"items": {"type": "array"}}});
                c["spec"]["versions"].as_array_mut().unwrap().push(v2);
            },
            "spec.versions[1].schema.openAPIV3Schema.properties[items].items: Required value: must be specified",
        ),
        (
            "two storage versions",
            |c| {
                let mut v2 = c["spec"]["versions"][0].clone();
                v2["name"] = json!("v2");
                c["spec"]["versions"].as_array_mut().unwrap().push(v2);
            },
            r#"[spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, ...}, apiextensions.CustomResourceDefinitionVersion{Name:"v2", Served:true, Storage:true, Deprecated:false, ...}}: must have exactly one version marked as storage version, status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2]"#,
        ),
        (
            "missing schema",
            |c| {
                c["spec"]["versions"][0].as_object_mut().unwrap().remove("schema");
            },
            "spec.versions[0].schema.openAPIV3Schema: Required value",
        ),
        (
            "name is not plural.group",
            |c| c["metadata"]["name"] = json!("gadgets.example.com"),
            r#"metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group"#,
        ),
        (
            "nullable root",
            |c| {
                c["spec"]["versions"][0].as_object_mut().unwrap().remove("subresources");
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = json!({"type": "object", "nullable": true, "x-kubernetes-preserve-unknown-fields": true});
            },
            "spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root",
        ),
        (
            "bad default",
            |c| {
                c["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = json!({"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"size": {"type": "integer", "default": "big"}}},
                }})
            },
            r#"spec.validation.openAPIV3Schema.properties[spec].properties[size].default: Invalid value: "string":  in body must be of type integer: "string""#,
        ),
        (
            "scale paths",
            |c| {
                c["spec"]["versions"][0]["subresources"]["scale"] = json!({"specReplicasPath": ".replicas", "statusReplicasPath": ".status.replicas"})
            },
            r#"spec.subresources.scale.specReplicasPath: Invalid value: ".replicas": should be a json path under .spec"#,
        ),
        (
            "several problems at once",
            |c| {
                c["spec"]["scope"] = json!("Everywhere");
                c["spec"]["versions"][0]["name"] = json!("V1");
            },
            r#"[spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced", spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]"#,
        ),
    ];
    for (name, mutate, want) in cases {
        let mut crd = widget_crd();
        mutate(&mut crd);
        let r = s.post(CRDS, &crd).await;
        let prefix =
            prefix.replace("widgets.example.com", crd["metadata"]["name"].as_str().unwrap());
        assert_status(&r, 422, "Invalid", &format!("{prefix}{want}"));
        assert_eq!(r.body["details"]["kind"], "CustomResourceDefinition", "{name}");
        assert_eq!(r.body["details"]["group"], "apiextensions.k8s.io", "{name}");
    }
    // Causes carry each field error.
    let mut crd = widget_crd();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = json!({});
    let r = s.post(CRDS, &crd).await;
    assert_eq!(
        r.body["details"]["causes"],
        json!([{
            "reason": "FieldValueRequired",
            "message": "Required value: must not be empty at the root",
            "field": "spec.validation.openAPIV3Schema.type",
        }])
    );
    // Nothing was created.
    assert_eq!(s.get(&format!("{CRDS}/widgets.example.com")).await.code, 404);

    // Updates keep the group and the plural, and, once established, the kind and scope.
    establish(&s, &widget_crd(), &[WIDGETS]).await;
    let mut crd = s.get(&format!("{CRDS}/widgets.example.com")).await.body;
    crd["spec"]["group"] = json!("example.org");
    crd["spec"]["names"]["kind"] = json!("Gadget");
    let r = s.put(&format!("{CRDS}/widgets.example.com"), &crd).await;
    assert_status(
        &r,
        422,
        "Invalid",
        &format!(
            r#"{prefix}[spec.names.kind: Invalid value: "Gadget": field is immutable, spec.group: Invalid value: "example.org": field is immutable]"#
        ),
    );
}

/// Upstream's `TestStoredVersions`-style checks: every storage version a definition had stays
/// in `status.storedVersions`, and such a version cannot leave `spec.versions`.
#[tokio::test]
async fn test_crd_stored_versions() {
    let s = Server::new().await;
    establish(&s, &widget_crd(), &[WIDGETS]).await;
    let crd_path = format!("{CRDS}/widgets.example.com");
    let mut crd = s.get(&crd_path).await.body;
    let mut v2 = crd["spec"]["versions"][0].clone();
    v2["name"] = json!("v2");
    crd["spec"]["versions"][0]["storage"] = json!(false);
    crd["spec"]["versions"].as_array_mut().unwrap().push(v2);
    let r = s.put(&crd_path, &crd).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["storedVersions"], json!(["v1", "v2"]));
    assert_eq!(r.body["metadata"]["generation"], 2);
    eventually(|| async {
        s.get(&format!("{CRDS}/widgets.example.com")).await.body["status"]["storedVersions"]
            == json!(["v1", "v2"])
            && s.get("/apis/example.com/v2/namespaces/default/widgets").await.code == 200
    })
    .await;

    let mut crd = s.get(&crd_path).await.body;
    crd["spec"]["versions"].as_array_mut().unwrap().remove(0);
    let r = s.put(&crd_path, &crd).await;
    assert_status(
        &r,
        422,
        "Invalid",
        r#"CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions"#,
    );
}

/// A schema exercising the value validations, list types and extensions.
fn rich_schema() -> Value {
    json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["x"], "properties": {
        "x": {"type": "string"},
        "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
        "mode": {"type": "string", "enum": ["a", "b"]},
        "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
        "short": {"type": "string", "minLength": 2},
        "tags": {"type": "array", "maxItems": 2, "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}},
        "when": {"type": "string", "format": "date-time"},
        "data": {"type": "string", "format": "byte"},
        "size": {"x-kubernetes-int-or-string": true},
        "labels": {"type": "object", "maxProperties": 2, "additionalProperties": {"type": "string"}},
        "opt": {"type": "string", "nullable": true},
        "template": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
        "count": {"type": "integer", "format": "int32"},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
    }}}})
}

/// Upstream's `TestCustomResourceValidationErrors`: objects against their version's schema.
#[tokio::test]
async fn test_custom_resource_validation() {
    let s = Server::new().await;
    establish(&s, &crd_with_schema(rich_schema()), &[WIDGETS]).await;
    let prefix = r#"Widget.example.com "w" is invalid: "#;
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "valid",
            json!({"x": "1", "replicas": 3, "mode": "a", "tags": ["a", "b"], "size": "50%", "count": 9_999_999_999_i64, "opt": null}),
            None,
        ),
        ("int or string as an integer", json!({"x": "1", "size": 5}), None),
        (
            "wrong type",
            json!({"x": "1", "replicas": "string"}),
            Some(
                r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            ),
        ),
        ("missing required", json!({}), Some("spec.x: Required value")),
        (
            "enum",
            json!({"x": "1", "mode": "c"}),
            Some(r#"spec.mode: Unsupported value: "c": supported values: "a", "b""#),
        ),
        (
            "maximum",
            json!({"x": "1", "replicas": 11}),
            Some(
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            ),
        ),
        (
            "exclusive minimum",
            json!({"x": "1", "ratio": 0}),
            Some("spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"),
        ),
        (
            "max length",
            json!({"x": "1", "name": "abcdef"}),
            Some("spec.name: Too long: may not be more than 5 bytes"),
        ),
        (
            "pattern",
            json!({"x": "1", "name": "AB"}),
            Some(r#"spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'"#),
        ),
        (
            "min length",
            json!({"x": "1", "short": "a"}),
            Some(
                r#"spec.short: Invalid value: "a": spec.short in body should be at least 2 chars long"#,
            ),
        ),
        (
            "max items",
            json!({"x": "1", "tags": ["a", "b", "c"]}),
            Some("spec.tags: Too many: 3: must have at most 2 items"),
        ),
        (
            "set",
            json!({"x": "1", "tags": ["a", "a"]}),
            Some(r#"spec.tags[1]: Duplicate value: "a""#),
        ),
        (
            "map keys",
            json!({"x": "1", "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}]}),
            Some(r#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}"#),
        ),
        (
            "date-time",
            json!({"x": "1", "when": "tomorrow"}),
            Some(
                r#"spec.when: Invalid value: "tomorrow": spec.when in body must be of type date-time: "tomorrow""#,
            ),
        ),
        (
            "byte",
            json!({"x": "1", "data": "not base64!"}),
            Some(
                r#"spec.data: Invalid value: "not base64!": spec.data in body must be of type byte: "not base64!""#,
            ),
        ),
        (
            "int or string",
            json!({"x": "1", "size": true}),
            Some(
                r#"spec.size: Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean""#,
            ),
        ),
        (
            "max properties",
            json!({"x": "1", "labels": {"a": "1", "b": "2", "c": "3"}}),
            Some("spec.labels: Too many: 3: must have at most 2 items"),
        ),
        (
            "additional properties",
            json!({"x": "1", "labels": {"a": 1}}),
            Some(
                r#"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#,
            ),
        ),
        (
            "embedded resource",
            json!({"x": "1", "template": {"metadata": {"name": "t"}}}),
            Some("[spec.template.apiVersion: Required value, spec.template.kind: Required value]"),
        ),
        (
            "several errors",
            json!({"replicas": -1, "mode": "z"}),
            Some(
                r#"[spec.mode: Unsupported value: "z": supported values: "a", "b", spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0, spec.x: Required value]"#,
            ),
        ),
    ];
    for (i, (name, spec, want)) in cases.into_iter().enumerate() {
        let mut w = widget("w", spec);
        if want.is_none() {
            w["metadata"]["name"] = json!(format!("ok{i}"));
        }
        let r = s.post(WIDGETS, &w).await;
        match want {
            None => assert_eq!(r.code, 201, "{name}: {:?}", r.body),
            Some(want) => {
                assert_status(&r, 422, "Invalid", &format!("{prefix}{want}"));
                assert_eq!(r.body["details"]["group"], "example.com", "{name}");
                assert_eq!(r.body["details"]["kind"], "Widget", "{name}");
            }
        }
    }
    // A cause per field error.
    let r = s.post(WIDGETS, &widget("w", json!({"x": "1", "mode": "c"}))).await;
    assert_eq!(
        r.body["details"]["causes"],
        json!([{"reason": "FieldValueNotSupported", "message": "Unsupported value: \"c\": supported values: \"a\", \"b\"", "field": "spec.mode"}])
    );
    // Metadata is validated as for any object.
    let r = s.post(WIDGETS, &widget("W_1", json!({"x": "1"}))).await;
    assert_status(
        &r,
        422,
        "Invalid",
        r#"Widget.example.com "W_1" is invalid: metadata.name: Invalid value: "W_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
    );
    // Wrong kinds are refused before anything else.
    let mut w = widget("w", json!({"x": "1"}));
    w["kind"] = json!("Gadget");
    let r = s.post(WIDGETS, &w).await;
    assert_eq!(r.code, 400, "{:?}", r.body);

    // Updates ratchet: an invalid value already stored may stay, new invalid values may not.
    let crd_path = format!("{CRDS}/widgets.example.com");
    let r = s.post(WIDGETS, &widget("old", json!({"x": "1", "name": "abcdefgh"}))).await;
    assert_eq!(r.code, 422, "the long name is invalid now");
    let mut crd = s.get(&crd_path).await.body;
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["name"]
        ["maxLength"] = json!(10);
    assert_eq!(s.put(&crd_path, &crd).await.code, 200);
    eventually(|| async {
        s.post(WIDGETS, &widget("old", json!({"x": "1", "name": "abcdefgh"}))).await.code == 201
    })
    .await;
    let mut crd = s.get(&crd_path).await.body;
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["name"]
        ["maxLength"] = json!(5);
    assert_eq!(s.put(&crd_path, &crd).await.code, 200);
    eventually(|| async {
        s.post(WIDGETS, &widget("probe", json!({"x": "1", "name": "abcdefgh"}))).await.code == 422
    })
    .await;
    let r = s
        .patch(
            &format!("{WIDGETS}/old"),
            "application/merge-patch+json",
            &json!({"spec": {"mode": "b"}}),
        )
        .await;
    assert_eq!(r.code, 200, "unchanged invalid fields ratchet: {:?}", r.body);
    let r = s
        .patch(
            &format!("{WIDGETS}/old"),
            "application/merge-patch+json",
            &json!({"spec": {"name": "abcdefghi"}}),
        )
        .await;
    assert_status(
        &r,
        422,
        "Invalid",
        r#"Widget.example.com "old" is invalid: spec.name: Too long: may not be more than 5 bytes"#,
    );
}

/// Upstream's pruning and field validation tests (`TestPruningCreate`, `TestFieldValidation*`):
/// unknown fields are dropped; Strict refuses them, Warn (the default) warns, Ignore is silent.
#[tokio::test]
async fn test_pruning_and_field_validation() {
    let s = Server::new().await;
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "x": {"type": "string"},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "list": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "integer"}}}},
    }}}});
    establish(&s, &crd_with_schema(schema), &[WIDGETS]).await;
    let body = |name: &str| {
        let mut w = widget(
            name,
            json!({"x": "1", "unknown": true, "free": {"kept": 1}, "list": [{"a": 1, "b": 2}]}),
        );
        w["metadata"]["bogus"] = json!("x");
        w["extra"] = json!(1);
        w
    };

    // Warn is the default.
    let r = s.post(WIDGETS, &body("warn")).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        warnings(&r),
        [
            r#"unknown field "metadata.bogus""#,
            r#"unknown field "extra""#,
            r#"unknown field "spec.list[0].b""#,
            r#"unknown field "spec.unknown""#,
        ]
    );
    assert_eq!(r.body["spec"], json!({"x": "1", "free": {"kept": 1}, "list": [{"a": 1}]}));
    assert!(r.body.get("extra").is_none());
    assert!(r.body["metadata"].get("bogus").is_none());
    let g = s.get(&format!("{WIDGETS}/warn")).await;
    assert_eq!(g.body["spec"], json!({"x": "1", "free": {"kept": 1}, "list": [{"a": 1}]}));

    // Ignore prunes silently.
    let r = s.post(&format!("{WIDGETS}?fieldValidation=Ignore"), &body("ignore")).await;
    assert_eq!(r.code, 201);
    assert!(warnings(&r).is_empty());

    // Strict refuses the write.
    let r = s.post(&format!("{WIDGETS}?fieldValidation=Strict"), &body("strict")).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        r#"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "metadata.bogus", unknown field "extra", unknown field "spec.list[0].b", unknown field "spec.unknown""#,
    );
    assert_eq!(s.get(&format!("{WIDGETS}/strict")).await.code, 404);
    let dup = br#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"dup"},"spec":{"x":"a","x":"b"}}"#;
    let r = s
        .call(
            "POST",
            &format!("{WIDGETS}?fieldValidation=Strict"),
            &[("content-type", "application/json")],
            dup,
        )
        .await;
    assert_status(
        &r,
        400,
        "BadRequest",
        r#"Widget in version "v1" cannot be handled as a Widget: strict decoding error: duplicate field "spec.x""#,
    );
    let r = s.call("POST", WIDGETS, &[("content-type", "application/json")], dup).await;
    assert_eq!(r.code, 201);
    assert_eq!(warnings(&r), [r#"duplicate field "spec.x""#]);

    // Updates are checked the same way.
    let mut w = s.get(&format!("{WIDGETS}/warn")).await.body;
    w["spec"]["again"] = json!(1);
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/warn?fieldValidation=Strict"), &w).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        r#"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.again""#,
    );
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/warn"), &w).await;
    assert_eq!(r.code, 200);
    assert_eq!(warnings(&r), [r#"unknown field "spec.again""#]);
    assert!(r.body["spec"].get("again").is_none());

    // Patches refuse unknown fields in the patched object with 422.
    let r = s
        .call(
            "PATCH",
            &format!("{WIDGETS}/warn?fieldValidation=Strict"),
            &[("content-type", "application/merge-patch+json")],
            br#"{"spec":{"bogus":1}}"#,
        )
        .await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    assert_eq!(r.body["reason"], "Invalid");
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            r#" "" is invalid: patch: Invalid value: "{\"apiVersion\":\"example.com/v1\""#
        ),
        "{message}"
    );
    assert!(
        message.ends_with(r#": strict decoding error: unknown field "spec.bogus""#),
        "{message}"
    );
    let r = s
        .patch(
            &format!("{WIDGETS}/warn"),
            "application/merge-patch+json",
            &json!({"spec": {"bogus": 1}}),
        )
        .await;
    assert_eq!(r.code, 200);
    assert_eq!(warnings(&r), [r#"unknown field "spec.bogus""#]);
    assert!(r.body["spec"].get("bogus").is_none());

    // Finalizers that are not domain-qualified are warned about.
    let mut w = widget("fin", json!({"x": "1"}));
    w["metadata"]["finalizers"] = json!(["cleanup"]);
    let r = s.post(WIDGETS, &w).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        warnings(&r),
        [
            r#"metadata.finalizers: "cleanup": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers"#
        ]
    );
}

/// Upstream's defaulting tests (`TestCustomResourceDefaultingWithWatchCache`): defaults apply
/// on create and update, to nested objects of a defaulted parent, and on read from storage.
#[tokio::test]
async fn test_defaulting() {
    let s = Server::new().await;
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "default": {}, "properties": {
        "replicas": {"type": "integer", "default": 1},
        "nested": {"type": "object", "default": {}, "properties": {"level": {"type": "integer", "default": 3}}},
        "ports": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer", "default": 80}}}},
        "nullable": {"type": "string", "nullable": true, "default": "d"},
        "dropped": {"type": "string"},
    }}}});
    establish(&s, &crd_with_schema(schema), &[WIDGETS]).await;

    let mut w = widget("a", json!({"ports": [{}, {"port": 8080}], "dropped": null}));
    w.as_object_mut().unwrap();
    let r = s.post(WIDGETS, &w).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        r.body["spec"],
        json!({"ports": [{"port": 80}, {"port": 8080}], "nested": {"level": 3}, "nullable": "d", "replicas": 1})
    );
    // The parent is defaulted, then its children.
    let mut bare = widget("b", json!(null));
    bare.as_object_mut().unwrap().remove("spec");
    let r = s.post(WIDGETS, &bare).await;
    assert_eq!(r.body["spec"], json!({"nested": {"level": 3}, "nullable": "d", "replicas": 1}));
    // An explicit null is kept where the schema allows it.
    let r = s.post(WIDGETS, &widget("c", json!({"nullable": null}))).await;
    assert_eq!(r.body["spec"]["nullable"], Value::Null);

    // A default added later shows on objects already stored, when they are read.
    let crd_path = format!("{CRDS}/widgets.example.com");
    let mut crd = s.get(&crd_path).await.body;
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["mode"] =
        json!({"type": "string", "default": "fast"});
    assert_eq!(s.put(&crd_path, &crd).await.code, 200);
    eventually(|| async { s.get(&format!("{WIDGETS}/a")).await.body["spec"]["mode"] == "fast" })
        .await;
    let l = s.get(WIDGETS).await.body;
    assert!(l["items"].as_array().unwrap().iter().all(|i| i["spec"]["mode"] == "fast"));
}

async fn read_stored(s: &Server, key: &str) -> Value {
    let store = s.api().registry.store("example.com", "widgets").unwrap();
    let kv = store.storage().get(key).await.unwrap().expect("stored");
    serde_json::from_slice(&kv.value).unwrap()
}

/// Reads watch events from a streaming response, one JSON line at a time.
async fn watch_events(s: &Server, path: &str, count: usize) -> Vec<Value> {
    let req = Request::builder().method("GET").uri(path).body(Full::new(Bytes::new())).unwrap();
    let resp =
        apiserver::endpoints::handle(s.api(), req, apiserver::authn::UserInfo::anonymous()).await;
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while out.len() < count {
        if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            out.push(serde_json::from_slice(&line).unwrap());
            continue;
        }
        match tokio::time::timeout_at(deadline, body.frame()).await.expect("no event in time") {
            Some(Ok(f)) => buf.extend_from_slice(&f.into_data().unwrap_or_default()),
            _ => panic!("watch ended"),
        }
    }
    out
}

/// Upstream's `TestVersionedNamespacedScopedCRD` and deprecation tests: conversion `None` serves
/// every version by rewriting apiVersion; objects are stored at the storage version; deprecated
/// versions warn.
#[tokio::test]
async fn test_versions_served_and_stored() {
    let s = Server::new().await;
    let mut crd = crd_with_schema(
        json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}),
    );
    let v1 = crd["spec"]["versions"][0].clone();
    let mut v1beta1 = v1.clone();
    v1beta1["name"] = json!("v1beta1");
    v1beta1["storage"] = json!(false);
    v1beta1["deprecated"] = json!(true);
    let mut v2 = v1.clone();
    v2["name"] = json!("v2");
    v2["storage"] = json!(false);
    v2["deprecated"] = json!(true);
    v2["deprecationWarning"] = json!("v2 is going away");
    let mut v3 = v1.clone();
    v3["name"] = json!("v3");
    v3["storage"] = json!(false);
    v3["served"] = json!(false);
    crd["spec"]["versions"] = json!([v1beta1, v1, v2, v3]);
    let at = |v: &str| format!("/apis/example.com/{v}/namespaces/default/widgets");
    establish(&s, &crd, &[&at("v1"), &at("v1beta1"), &at("v2")]).await;
    assert_eq!(s.get(&at("v3")).await.code, 404, "unserved versions are not served");

    // Discovery prefers the highest-priority version.
    let g = s.get("/apis/example.com").await.body;
    assert_eq!(g["preferredVersion"]["version"], "v2");
    let versions: Vec<&str> =
        g["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["v2", "v1", "v1beta1"]);

    let mut w = widget("w", json!({"size": 1}));
    w["apiVersion"] = json!("example.com/v2");
    let r = s.post(&at("v2"), &w).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["apiVersion"], "example.com/v2");
    assert_eq!(warnings(&r), ["v2 is going away"]);
    let stored = read_stored(&s, "/registry/example.com/widgets/default/w").await;
    assert_eq!(stored["apiVersion"], "example.com/v1", "stored at the storage version");

    let g = s.get(&format!("{}/w", at("v1"))).await;
    assert_eq!(g.body["apiVersion"], "example.com/v1");
    assert!(warnings(&g).is_empty());
    let g = s.get(&format!("{}/w", at("v1beta1"))).await;
    assert_eq!(g.body["apiVersion"], "example.com/v1beta1");
    assert_eq!(
        warnings(&g),
        ["example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget"]
    );
    let l = s.get(&at("v1beta1")).await;
    assert_eq!(l.body["apiVersion"], "example.com/v1beta1");
    assert_eq!(l.body["items"][0]["apiVersion"], "example.com/v1beta1");
    assert_eq!(warnings(&l).len(), 1);
    // Errors warn too.
    let missing = s.get(&format!("{}/nope", at("v2"))).await;
    assert_eq!(missing.code, 404);
    assert_eq!(warnings(&missing), ["v2 is going away"]);

    // An update at one version keeps the object stored at the storage version and changes
    // nothing when nothing changed.
    let mut g = s.get(&format!("{}/w", at("v1beta1"))).await.body;
    let rv = g["metadata"]["resourceVersion"].clone();
    let r = call_json(&s, "PUT", &format!("{}/w", at("v1beta1")), &g).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["metadata"]["resourceVersion"], rv, "a no-op update writes nothing");
    g["spec"]["size"] = json!(2);
    let r = call_json(&s, "PUT", &format!("{}/w", at("v1beta1")), &g).await;
    assert_eq!(r.body["apiVersion"], "example.com/v1beta1");
    assert_eq!(r.body["metadata"]["generation"], 2);
    let stored = read_stored(&s, "/registry/example.com/widgets/default/w").await;
    assert_eq!(stored["apiVersion"], "example.com/v1");
    assert_eq!(stored["spec"]["size"], 2);
    let r = s
        .patch(
            &format!("{}/w", at("v2")),
            "application/merge-patch+json",
            &json!({"spec": {"size": 3}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["apiVersion"], "example.com/v2");
    assert_eq!(r.body["spec"]["size"], 3);

    // Watches at a version see objects at that version.
    let events = watch_events(&s, &format!("{}?watch=true", at("v2")), 1).await;
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["apiVersion"], "example.com/v2");
    assert_eq!(events[0]["object"]["spec"]["size"], 3);
}

/// Upstream's status subresource tests (`TestStatusSubresource`,
/// `TestValidateOnlyStatus`, `TestGeneration`).
#[tokio::test]
async fn test_status_subresource_and_generation() {
    let s = Server::new().await;
    let schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    }});
    establish(&s, &crd_with_schema(schema.clone()), &[WIDGETS]).await;
    let mut w = widget("w", json!({"size": 1}));
    w["status"] = json!({"ready": true});
    let r = s.post(WIDGETS, &w).await;
    assert_eq!(r.code, 201);
    assert!(r.body.get("status").is_none(), "create cannot set status");
    assert_eq!(r.body["metadata"]["generation"], 1);

    // The main resource ignores status; metadata changes keep the generation.
    let mut cur = r.body.clone();
    cur["status"] = json!({"ready": true});
    cur["metadata"]["labels"] = json!({"a": "b"});
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/w"), &cur).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert!(r.body.get("status").is_none());
    assert_eq!(r.body["metadata"]["generation"], 1);
    // Spec changes bump it.
    let mut cur = r.body.clone();
    cur["spec"]["size"] = json!(2);
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/w"), &cur).await;
    assert_eq!(r.body["metadata"]["generation"], 2);

    // The status subresource changes status only, and does not bump the generation.
    let mut cur = r.body.clone();
    cur["spec"]["size"] = json!(99);
    cur["status"] = json!({"ready": true});
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/w/status"), &cur).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["size"], 2);
    assert_eq!(r.body["status"], json!({"ready": true}));
    assert_eq!(r.body["metadata"]["generation"], 2);
    // Status is validated against the status schema.
    let r = s
        .patch(
            &format!("{WIDGETS}/w/status"),
            "application/merge-patch+json",
            &json!({"status": {"ready": "yes"}}),
        )
        .await;
    assert_status(
        &r,
        422,
        "Invalid",
        r#"Widget.example.com "w" is invalid: status.ready: Invalid value: "string": ready in body must be of type boolean: "string""#,
    );

    // Without the status subresource, status is part of the object and its changes count.
    s.delete(&format!("{CRDS}/widgets.example.com")).await;
    eventually(|| async { s.get(&format!("{CRDS}/widgets.example.com")).await.code == 404 }).await;
    let mut crd = crd_with_schema(schema);
    crd["spec"]["versions"][0].as_object_mut().unwrap().remove("subresources");
    establish(&s, &crd, &[WIDGETS]).await;
    let mut w = widget("plain", json!({"size": 1}));
    w["status"] = json!({"ready": false});
    let r = s.post(WIDGETS, &w).await;
    assert_eq!(r.body["status"], json!({"ready": false}));
    let mut cur = r.body.clone();
    cur["status"]["ready"] = json!(true);
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/plain"), &cur).await;
    assert_eq!(r.body["status"], json!({"ready": true}));
    assert_eq!(r.body["metadata"]["generation"], 2);
    assert_eq!(s.get(&format!("{WIDGETS}/plain/status")).await.code, 404);
}

/// Upstream's `TestScaleSubresource`: the Scale of a custom resource comes from the paths its
/// definition names, and scaling writes the spec replicas path (what `kubectl scale` does).
#[tokio::test]
async fn test_scale_subresource() {
    let s = Server::new().await;
    let mut crd = crd_with_schema(json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "selector": {"type": "string"}}},
    }}));
    crd["spec"]["versions"][0]["subresources"] = json!({
        "status": {},
        "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.selector"},
    });
    establish(&s, &crd, &[WIDGETS]).await;
    let list = s.get("/apis/example.com/v1").await.body;
    let scale_resource = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "widgets/scale")
        .unwrap()
        .clone();
    assert_eq!(scale_resource["group"], "autoscaling");
    assert_eq!(scale_resource["kind"], "Scale");

    let created = s.post(WIDGETS, &widget("w", json!({"replicas": 2}))).await.body;
    let r = s
        .patch(
            &format!("{WIDGETS}/w/status"),
            "application/merge-patch+json",
            &json!({"status": {"replicas": 1, "selector": "app=w"}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let g = s.get(&format!("{WIDGETS}/w/scale")).await;
    assert_eq!(g.code, 200, "{:?}", g.body);
    assert_eq!(
        g.body,
        json!({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {
                "name": "w", "namespace": "default", "uid": created["metadata"]["uid"],
                "resourceVersion": r.body["metadata"]["resourceVersion"],
                "creationTimestamp": created["metadata"]["creationTimestamp"],
            },
            "spec": {"replicas": 2},
            "status": {"replicas": 1, "selector": "app=w"},
        })
    );

    // kubectl scale: a merge patch of the Scale.
    let r = s
        .patch(
            &format!("{WIDGETS}/w/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 5}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["replicas"], 5);
    let w = s.get(&format!("{WIDGETS}/w")).await.body;
    assert_eq!(w["spec"]["replicas"], 5);
    assert_eq!(w["status"]["replicas"], 1);
    assert_eq!(w["metadata"]["generation"], 2);

    // PUT with a stale resourceVersion conflicts; without one it replaces the replicas.
    let mut scale = r.body.clone();
    scale["metadata"]["resourceVersion"] = json!("1");
    scale["spec"]["replicas"] = json!(3);
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/w/scale"), &scale).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    scale["metadata"].as_object_mut().unwrap().remove("resourceVersion");
    let r = call_json(&s, "PUT", &format!("{WIDGETS}/w/scale"), &scale).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(s.get(&format!("{WIDGETS}/w")).await.body["spec"]["replicas"], 3);

    // Replicas are validated on the custom resource.
    let r = s
        .patch(
            &format!("{WIDGETS}/w/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": -1}}),
        )
        .await;
    assert_status(
        &r,
        422,
        "Invalid",
        r#"Widget.example.com "w" is invalid: .spec.replicas: Invalid value: -1: should be a non-negative integer"#,
    );
    let r = s
        .patch(
            &format!("{WIDGETS}/w/scale"),
            "application/strategic-merge-patch+json",
            &json!({"spec": {"replicas": 1}}),
        )
        .await;
    assert_eq!(r.code, 415);

    // An object without spec replicas has no scale to read, and a write must set them.
    s.post(WIDGETS, &widget("empty", json!({}))).await;
    let r = s.get(&format!("{WIDGETS}/empty/scale")).await;
    assert_status(
        &r,
        500,
        "InternalError",
        r#"Internal error occurred: the spec replicas field ".spec.replicas" does not exist"#,
    );
    let r = s
        .patch(
            &format!("{WIDGETS}/empty/scale"),
            "application/merge-patch+json",
            &json!({"metadata": {"labels": {"a": "b"}}}),
        )
        .await;
    assert_status(
        &r,
        400,
        "BadRequest",
        r#"the spec replicas field ".spec.replicas" cannot be empty"#,
    );
    let r = s
        .patch(
            &format!("{WIDGETS}/empty/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 1}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(s.get(&format!("{WIDGETS}/empty")).await.body["spec"]["replicas"], 1);
    assert_eq!(s.get(&format!("{WIDGETS}/nope/scale")).await.code, 404);
}

/// A schema whose `spec` and `status` carry `x-kubernetes-validations` rules.
fn ruled_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    {"rule": "self.replicas <= self.max", "message": "replicas above max",
                     "fieldPath": ".replicas"},
                    {"rule": "self.replicas >= oldSelf.replicas", "reason": "FieldValueForbidden",
                     "messageExpression": "'may not scale down from ' + string(oldSelf.replicas)"}
                ],
                "properties": {
                    "replicas": {"type": "integer"},
                    "max": {"type": "integer"},
                    "mode": {"type": "string", "enum": ["a", "b"],
                             "x-kubernetes-validations": [{"rule": "self != 'b'"}]}
                }
            },
            "status": {
                "type": "object",
                "properties": {"ready": {"type": "integer",
                    "x-kubernetes-validations": [{"rule": "self >= 0", "message": "negative"}]}}
            }
        }
    })
}

#[tokio::test]
async fn test_validation_rules() {
    let s = Server::new().await;
    establish(&s, &crd_with_schema(ruled_schema()), &[WIDGETS]).await;
    let invalid = |r: &Reply, message: &str| {
        assert_eq!(r.code, 422, "{:?}", r.body);
        assert_eq!(r.body["message"], format!(r#"Widget.example.com "w" is invalid: {message}"#));
    };
    // Create: the rule at spec reports on its fieldPath; the transition rule does not run.
    let r = s.post(WIDGETS, &widget("w", json!({"replicas": 5, "max": 3}))).await;
    invalid(&r, "spec.replicas: Invalid value: replicas above max");
    assert_eq!(r.body["details"]["causes"][0]["field"], "spec.replicas");
    let r = s.post(WIDGETS, &widget("w", json!({"replicas": 1, "max": 3, "mode": "b"}))).await;
    invalid(&r, r#"spec.mode: Invalid value: "b": failed rule: self != 'b'"#);
    // An enum failure blocks the rules.
    let r = s.post(WIDGETS, &widget("w", json!({"replicas": 9, "max": 3, "mode": "c"}))).await;
    invalid(
        &r,
        r#"[spec.mode: Unsupported value: "c": supported values: "a", "b", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"#,
    );
    assert_eq!(s.get(&format!("{WIDGETS}/w")).await.code, 404, "nothing was written");

    let r = s.post(WIDGETS, &widget("w", json!({"replicas": 2, "max": 3}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // Update: the transition rule sees the stored value.
    let merge = "application/merge-patch+json";
    let r = s.patch(&format!("{WIDGETS}/w"), merge, &json!({"spec": {"replicas": 1}})).await;
    invalid(&r, "spec: Forbidden: may not scale down from 2");
    let r = s.patch(&format!("{WIDGETS}/w"), merge, &json!({"spec": {"replicas": 3}})).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    // Status writes run the rules too.
    let r = s.patch(&format!("{WIDGETS}/w/status"), merge, &json!({"status": {"ready": -1}})).await;
    invalid(&r, "status.ready: Invalid value: -1: negative");
    let r = s.patch(&format!("{WIDGETS}/w/status"), merge, &json!({"status": {"ready": 1}})).await;
    assert_eq!(r.code, 200, "{:?}", r.body);

    // A rule that does not parse makes the definition invalid.
    let mut bad = ruled_schema();
    bad["properties"]["spec"]["x-kubernetes-validations"][0]["rule"] = json!("self.replicas <=");
    let mut crd = crd_with_schema(bad);
    crd["metadata"]["name"] = json!("gadgets.example.com");
    crd["spec"]["names"] = json!({"kind": "Gadget", "plural": "gadgets"});
    let r = s.post(CRDS, &crd).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            r#"CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.replicas \u003c=","Message":"replicas above max","MessageExpression":"","Reason":null,"FieldPath":".replicas","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:17: Syntax error: "#
        ),
        "{message}"
    );
}
