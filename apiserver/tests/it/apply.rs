//! Server-side apply and managedFields through the REST API, mirroring upstream's apply
//! integration tests (test/integration/apiserver/apply): creation by apply, no-op re-applies,
//! conflicts and their `Status`, forcing, Update managers from create, update and patch, and
//! client-side apply followed by server-side apply.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Reply, Server, assert_status};

const CM: &str = "/api/v1/namespaces/default/configmaps";
const DEPLOY: &str = "/apis/apps/v1/namespaces/default/deployments";
const APPLY: &str = "application/apply-patch+yaml";

impl Server {
    /// An apply request (`body` is JSON, which is YAML too).
    async fn apply(&self, path: &str, query: &str, body: &Value) -> Reply {
        let uri = format!("{path}?{query}");
        self.call("PATCH", &uri, &[("content-type", APPLY)], body.to_string().as_bytes()).await
    }
}

fn cm(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

/// `(manager, operation, fieldsV1)` of each managedFields entry.
fn entries(obj: &Value) -> Vec<(String, String, Value)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
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

fn rv(r: &Reply) -> String {
    r.body["metadata"]["resourceVersion"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn test_apply_creates_then_reapply_is_a_noop() {
    let s = Server::new().await;
    let path = format!("{CM}/ssa");
    let r = s.apply(&path, "fieldManager=mgr-a", &cm("ssa", json!({"key": "one"}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["data"]["key"], "one");
    let g = s.get(&path).await;
    let e = entries(&g.body);
    assert_eq!(e, vec![("mgr-a".into(), "Apply".into(), json!({"f:data": {"f:key": {}}}))]);
    let entry = &g.body["metadata"]["managedFields"][0];
    assert_eq!(entry["apiVersion"], "v1");
    assert_eq!(entry["fieldsType"], "FieldsV1");
    assert!(entry["time"].as_str().is_some_and(|t| t.ends_with('Z')));

    // Applying the same configuration again writes nothing.
    let again = s.apply(&path, "fieldManager=mgr-a", &cm("ssa", json!({"key": "one"}))).await;
    assert_eq!(again.code, 200, "{:?}", again.body);
    assert_eq!(rv(&again), rv(&g));
    assert_eq!(again.body["metadata"]["managedFields"], g.body["metadata"]["managedFields"]);
}

#[tokio::test]
async fn test_apply_conflict_status_and_force() {
    let s = Server::new().await;
    let path = format!("{CM}/ssa");
    let r = s.apply(&path, "fieldManager=mgr-a", &cm("ssa", json!({"key": "one"}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let r = s.apply(&path, "fieldManager=mgr-b", &cm("ssa", json!({"key": "two"}))).await;
    assert_status(
        &r,
        409,
        "Conflict",
        "Apply failed with 1 conflict: conflict with \"mgr-a\": .data.key",
    );
    assert_eq!(
        r.body["details"],
        json!({"causes": [{"reason": "FieldManagerConflict",
                           "message": "conflict with \"mgr-a\"", "field": ".data.key"}]})
    );
    assert_eq!(s.get(&path).await.body["data"]["key"], "one");

    // The same value is no conflict: both managers own the field.
    let r = s.apply(&path, "fieldManager=mgr-b", &cm("ssa", json!({"key": "one"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    // mgr-b's entry has no time: the apply changed nothing (and so sorts first).
    let managers: Vec<String> = entries(&r.body).into_iter().map(|e| e.0).collect();
    assert_eq!(managers, ["mgr-b", "mgr-a"]);
    assert_eq!(r.body["metadata"]["managedFields"][0].get("time"), None);

    // Forcing takes the field; mgr-a owned nothing else, so its entry goes.
    let r =
        s.apply(&path, "fieldManager=mgr-b&force=true", &cm("ssa", json!({"key": "two"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["data"]["key"], "two");
    let managers: Vec<String> =
        entries(&s.get(&path).await.body).into_iter().map(|e| e.0).collect();
    assert_eq!(managers, ["mgr-b"]);

    // Several conflicts are listed per manager.
    let r = s
        .apply(&path, "fieldManager=mgr-c", &cm("ssa", json!({"key": "three", "other": "x"})))
        .await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    let r = s.apply(&path, "fieldManager=mgr-b", &cm("ssa", json!({"key": "two", "b": "2"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let r =
        s.apply(&path, "fieldManager=mgr-c", &cm("ssa", json!({"key": "three", "b": "3"}))).await;
    assert_status(
        &r,
        409,
        "Conflict",
        "Apply failed with 2 conflicts: conflicts with \"mgr-b\":\n- .data.b\n- .data.key",
    );
}

#[tokio::test]
async fn test_apply_removes_fields_it_no_longer_applies() {
    let s = Server::new().await;
    let path = format!("{CM}/prune");
    let r = s.apply(&path, "fieldManager=m", &cm("prune", json!({"a": "1", "b": "2"}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let r = s.apply(&path, "fieldManager=m", &cm("prune", json!({"a": "1"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["data"], json!({"a": "1"}));
    assert_eq!(entries(&r.body)[0].2, json!({"f:data": {"f:a": {}}}));
}

#[tokio::test]
async fn test_apply_request_checks() {
    let s = Server::new().await;
    let path = format!("{CM}/x");
    let r = s.apply(&path, "", &cm("x", json!({}))).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
    );
    let r = s
        .call(
            "PATCH",
            &format!("{path}?force=true"),
            &[("content-type", "application/merge-patch+json")],
            b"{}",
        )
        .await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch",
    );
    let mut wrong = cm("x", json!({}));
    wrong["kind"] = json!("Secret");
    let r = s.apply(&path, "fieldManager=m", &wrong).await;
    assert_status(&r, 400, "BadRequest", "invalid object type: /v1, Kind=Secret");
    let r = s.apply(&format!("{CM}/other"), "fieldManager=m", &cm("x", json!({}))).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "the name of the object (x) does not match the name on the URL (other)",
    );
}

#[tokio::test]
async fn test_create_update_and_patch_record_update_managers() {
    let s = Server::new().await;
    let ua = "kubectl-create/v1.35.0 (linux/amd64) kubernetes/abcdef";
    let body = cm("u", json!({"a": "1"}));
    let r = s
        .call(
            "POST",
            CM,
            &[("content-type", "application/json"), ("user-agent", ua)],
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        entries(&r.body),
        vec![("kubectl-create".into(), "Update".into(), json!({"f:data": {".": {}, "f:a": {}}}))]
    );
    assert_eq!(r.body["metadata"]["managedFields"][0]["apiVersion"], "v1");

    // A PUT without managedFields keeps the live ones and adds the editor's fields.
    let mut next = r.body.clone();
    next["metadata"].as_object_mut().unwrap().remove("managedFields");
    next["data"]["b"] = json!("2");
    let r = s
        .call(
            "PUT",
            &format!("{CM}/u?fieldManager=editor"),
            &[("content-type", "application/json")],
            next.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let e = entries(&r.body);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.contains(&("editor".into(), "Update".into(), json!({"f:data": {"f:b": {}}}))));

    // A merge patch changing a's value takes it from the creator.
    let r = s
        .call(
            "PATCH",
            &format!("{CM}/u?fieldManager=patcher"),
            &[("content-type", "application/merge-patch+json")],
            br#"{"data":{"a":"9"}}"#,
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let e = entries(&r.body);
    assert!(e.contains(&("patcher".into(), "Update".into(), json!({"f:data": {"f:a": {}}}))));
    // The creator keeps owning the map itself.
    assert!(e.contains(&("kubectl-create".into(), "Update".into(), json!({"f:data": {}}))));

    // A PUT with an empty list clears them; later updates are not tracked.
    let mut next = r.body.clone();
    next["metadata"]["managedFields"] = json!([]);
    let r = s
        .call(
            "PUT",
            &format!("{CM}/u"),
            &[("content-type", "application/json")],
            next.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["metadata"].get("managedFields"), None);
}

/// What `kubectl apply` (client-side) sends: a create carrying the last-applied annotation,
/// then strategic merge patches, as manager `kubectl-client-side-apply`.
#[tokio::test]
async fn test_client_side_apply_then_server_side_apply_conflicts() {
    let s = Server::new().await;
    let csa = "fieldManager=kubectl-client-side-apply&fieldValidation=Strict";
    let mut body = cm("csa", json!({"key": "one"}));
    let last = format!("{}\n", body);
    body["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": last});
    let r = s
        .call(
            "POST",
            &format!("{CM}?{csa}"),
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let patch = json!({"data": {"key": "two"}});
    let r = s
        .call(
            "PATCH",
            &format!("{CM}/csa?{csa}"),
            &[("content-type", "application/strategic-merge-patch+json")],
            patch.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let e = entries(&r.body);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "kubectl-client-side-apply");

    let path = format!("{CM}/csa");
    let r = s.apply(&path, "fieldManager=ssa", &cm("csa", json!({"key": "three"}))).await;
    assert_status(
        &r,
        409,
        "Conflict",
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.key",
    );
    assert_eq!(
        r.body["details"]["causes"][0]["message"],
        "conflict with \"kubectl-client-side-apply\" using v1"
    );
    let r =
        s.apply(&path, "fieldManager=ssa&force=true", &cm("csa", json!({"key": "three"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["data"]["key"], "three");
}

fn deployment(containers: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": containers},
            },
        },
    })
}

#[tokio::test]
async fn test_apply_merges_keyed_lists_of_built_in_kinds() {
    let s = Server::new().await;
    let path = format!("{DEPLOY}/web");
    let first = deployment(json!([{"name": "app", "image": "nginx"}]));
    let r = s.apply(&path, "fieldManager=a", &first).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // Defaults were applied but are owned by nobody.
    assert_eq!(r.body["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(
        entries(&r.body)[0].2,
        json!({"f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
                    ".": {}, "f:image": {}, "f:name": {},
                }}},
            },
        }})
    );

    // A second manager adds a container by key; the first one's stays.
    let mut sidecar = deployment(json!([{"name": "sidecar", "image": "busybox"}]));
    sidecar["spec"].as_object_mut().unwrap().remove("replicas");
    let r = s.apply(&path, "fieldManager=b", &sidecar).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let names: Vec<&str> = r.body["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "sidecar"]);

    // Changing the replicas another manager owns conflicts with it.
    let mut scale = deployment(json!([{"name": "sidecar", "image": "busybox"}]));
    scale["spec"]["replicas"] = json!(3);
    let r = s.apply(&path, "fieldManager=b", &scale).await;
    assert_status(
        &r,
        409,
        "Conflict",
        "Apply failed with 1 conflict: conflict with \"a\": .spec.replicas",
    );

    // The first manager drops its container: it goes, the sidecar stays.
    let r = s.apply(&path, "fieldManager=a", &deployment(json!([]))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let names: Vec<&str> = r.body["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sidecar"]);
}

#[tokio::test]
async fn test_created_objects_own_their_defaults() {
    let s = Server::new().await;
    let r = s
        .call(
            "POST",
            &format!("{DEPLOY}?fieldManager=kubectl-create"),
            &[("content-type", "application/json")],
            deployment(json!([{"name": "app", "image": "nginx"}])).to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let e = entries(&r.body);
    assert_eq!(e.len(), 1, "{e:?}");
    let spec = &e[0].2["f:spec"];
    // The spec existed in the empty object: no "." for it; defaults are owned.
    assert!(spec.get(".").is_none(), "{spec}");
    assert!(spec.get("f:progressDeadlineSeconds").is_some(), "{spec}");
    assert_eq!(spec["f:selector"], json!({}));
    let app = &spec["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"];
    assert!(app.get("f:imagePullPolicy").is_some(), "{spec}");
    assert!(e[0].2.get("f:status").is_none());
}

#[tokio::test]
async fn test_apply_to_status_subresource() {
    let s = Server::new().await;
    let path = format!("{DEPLOY}/web");
    let r =
        s.apply(&path, "fieldManager=a", &deployment(json!([{"name": "app", "image": "x"}]))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let status = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "web"}, "status": {"observedGeneration": 7}});
    let r = s.apply(&format!("{path}/status"), "fieldManager=ctl", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["observedGeneration"], 7);
    let entry = r.body["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "ctl")
        .cloned()
        .unwrap();
    assert_eq!(entry["subresource"], "status");
    assert_eq!(entry["operation"], "Apply");
    assert_eq!(entry["fieldsV1"], json!({"f:status": {"f:observedGeneration": {}}}));
    // The main resource's apply still owns the spec only.
    let a = entries(&r.body).into_iter().find(|e| e.0 == "a").unwrap();
    assert!(a.2.get("f:status").is_none());
}

#[tokio::test]
async fn test_apply_custom_resource_uses_its_schema() {
    let s = Server::new().await;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Gadget", "listKind": "GadgetList", "plural": "gadgets", "singular": "gadget"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "properties": {
                    "ports": {"type": "array", "x-kubernetes-list-type": "map",
                              "x-kubernetes-list-map-keys": ["name"],
                              "items": {"type": "object", "required": ["name"], "properties": {
                                  "name": {"type": "string"}, "port": {"type": "integer"}}}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                }}},
            }}}],
        },
    });
    let r = s.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crd).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let path = "/apis/example.com/v1/namespaces/default/gadgets/g";
    let gadget = |ports: Value, tag: &str| {
        json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"},
               "spec": {"ports": ports, "tags": [tag]}})
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let r = loop {
        let r = s
            .apply(path, "fieldManager=a", &gadget(json!([{"name": "http", "port": 80}]), "a"))
            .await;
        if r.code != 404 || tokio::time::Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        entries(&r.body)[0].2,
        json!({"f:spec": {
            "f:ports": {"k:{\"name\":\"http\"}": {".": {}, "f:name": {}, "f:port": {}}},
            "f:tags": {},
        }})
    );
    // Items merge by key; the atomic list conflicts as a whole.
    let https = json!([{"name": "https", "port": 443}]);
    let r = s.apply(path, "fieldManager=b", &gadget(https.clone(), "a")).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["ports"].as_array().unwrap().len(), 2);
    let r = s.apply(path, "fieldManager=b", &gadget(https, "b")).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    assert_eq!(r.body["message"], "Apply failed with 1 conflict: conflict with \"a\": .spec.tags");
}
