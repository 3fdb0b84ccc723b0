//! Pod subresources that write part of the spec: `ephemeralcontainers` (what `kubectl debug`
//! adds) and `resize` (in-place resource changes), each narrowed to what it may change and
//! validated as upstream does; and `binding` (with the legacy `bindings` resource), which
//! assigns a pod to a node.

use super::*;

const PODS: &str = "/api/v1/namespaces/default/pods";

async fn pod(s: &Server, name: &str) -> Value {
    let body = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{
            "name": "app", "image": "nginx",
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                          "limits": {"memory": "128Mi"}},
        }]},
    });
    let r = s.post(PODS, &body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    r.body
}

const MERGE: &str = "application/strategic-merge-patch+json";

#[tokio::test]
async fn test_ephemeral_containers_are_added_and_kept() {
    let s = Server::new().await;
    pod(&s, "web").await;
    let url = format!("{PODS}/web/ephemeralcontainers");
    let debugger = json!({"name": "debugger", "image": "busybox", "targetContainerName": "app"});
    let patch = json!({"spec": {"ephemeralContainers": [debugger]}});
    let r = s.patch(&url, MERGE, &patch).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let added = &r.body["spec"]["ephemeralContainers"][0];
    assert_eq!(added["name"], "debugger");
    assert_eq!(added["terminationMessagePolicy"], "File");
    assert_eq!(r.body["spec"]["containers"][0]["image"], "nginx");

    // An existing one cannot be changed.
    let mut whole = s.get(&format!("{PODS}/web")).await.body;
    whole["spec"]["ephemeralContainers"][0]["image"] = json!("alpine");
    let r = s.put(&url, &whole).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Pod \"web\" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger\" may not be changed\n",
    );

    // Anything else in the write is ignored.
    let patch = json!({"spec": {"containers": [{"name": "app", "image": "httpd"}],
        "ephemeralContainers": [{"name": "second", "image": "busybox"}]}});
    let r = s.patch(&url, MERGE, &patch).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["containers"][0]["image"], "nginx");
    assert_eq!(r.body["metadata"]["generation"], 3);
    let names: Vec<&str> = r.body["spec"]["ephemeralContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // Strategic merge puts the patch's new items before the live ones (upstream's order).
    assert_eq!(names, ["second", "debugger"]);

    // Workload-only fields, a missing target and a taken name are refused.
    let bad = json!({"spec": {"ephemeralContainers": [
        {"name": "app", "image": "busybox", "ports": [{"containerPort": 80}],
         "targetContainerName": "nope"}]}});
    let r = s.patch(&url, MERGE, &bad).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    for part in [
        "spec.ephemeralContainers[0].name: Duplicate value: \"app\"",
        "spec.ephemeralContainers[0].targetContainerName: Not found: \"nope\"",
        "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
}

#[tokio::test]
async fn test_resize_changes_cpu_and_memory_only() {
    let s = Server::new().await;
    pod(&s, "web").await;
    let url = format!("{PODS}/web/resize");
    let patch = json!({"spec": {"containers": [{"name": "app", "image": "httpd",
        "resources": {"requests": {"cpu": "200m"}, "limits": {"memory": "256Mi"}}}]}});
    let r = s.patch(&url, MERGE, &patch).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let c = &r.body["spec"]["containers"][0];
    assert_eq!(c["image"], "nginx");
    assert_eq!(
        c["resources"],
        json!({"requests": {"cpu": "200m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}})
    );

    // The spec changed, so the generation moved (as the ephemeral containers' write does).
    assert_eq!(r.body["metadata"]["generation"], 2);

    // Containers may not be renamed (nor added, removed or reordered).
    let mut renamed = s.get(&format!("{PODS}/web")).await.body;
    renamed["spec"]["containers"][0]["name"] = json!("other");
    let r = s.put(&url, &renamed).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Pod \"web\" is invalid: spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize",
    );

    let other = json!({"spec": {"containers": [{"name": "app",
        "resources": {"requests": {"ephemeral-storage": "1Gi"}}}]}});
    let r = s.patch(&url, MERGE, &other).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Pod \"web\" is invalid: spec: Forbidden: only cpu and memory resources are mutable",
    );

    // Burstable stays Burstable.
    let guaranteed = json!({"spec": {"containers": [{"name": "app", "resources": {
        "requests": {"cpu": "200m", "memory": "256Mi"},
        "limits": {"cpu": "200m", "memory": "256Mi"}}}]}});
    let r = s.patch(&url, MERGE, &guaranteed).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Pod \"web\" is invalid: spec: Invalid value: \"Burstable\": Pod QOS Class may not change as a result of resizing",
    );
}

#[tokio::test]
async fn test_resize_leaves_init_containers_but_sidecars_alone() {
    let s = Server::new().await;
    let requests = json!({"requests": {"cpu": "100m", "memory": "64Mi"}});
    let body = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "init"},
        "spec": {
            "initContainers": [
                {"name": "setup", "image": "busybox", "resources": requests},
                {"name": "proxy", "image": "envoy", "restartPolicy": "Always", "resources": requests},
            ],
            "containers": [{"name": "app", "image": "nginx", "resources": requests}],
        },
    });
    assert_eq!(s.post(PODS, &body).await.code, 201);
    let url = format!("{PODS}/init/resize");
    let cpu = json!({"requests": {"cpu": "200m", "memory": "64Mi"}});
    let sidecar = json!({"spec": {"initContainers": [{"name": "proxy", "resources": cpu}]}});
    let r = s.patch(&url, MERGE, &sidecar).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["initContainers"][1]["resources"]["requests"]["cpu"], "200m");
    let setup = json!({"spec": {"initContainers": [{"name": "setup", "resources": cpu}]}});
    let r = s.patch(&url, MERGE, &setup).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Pod \"init\" is invalid: spec: Forbidden: only cpu and memory resources are mutable",
    );
}

/// `pods/<name>/binding` and the legacy `POST bindings` (the pod named in the body) bind a pod
/// once, store no Binding, and answer bad bindings as upstream's BindingREST does: a name
/// mismatch 400, field errors a plain 500, preconditions and a second binding 409.
#[tokio::test]
async fn test_bindings_assign_pods_once() {
    let s = Server::new().await;
    let uid = pod(&s, "a").await["metadata"]["uid"].as_str().unwrap().to_string();
    pod(&s, "b").await;
    let bindings = "/api/v1/namespaces/default/bindings";
    let binding = |name: &str, node: &str| {
        json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
               "target": {"kind": "Node", "name": node}})
    };

    let r = s.post(&format!("{PODS}/a/binding"), &binding("b", "n1")).await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    assert_eq!(r.body["message"], "name in URL does not match name in Binding object");
    let r = s.post(bindings, &json!({"metadata": {"name": "a"}, "target": {"kind": "Pod"}})).await;
    assert_eq!(r.code, 500, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        "[target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\", \
         target.name: Required value]"
    );
    assert!(r.body.get("reason").is_none(), "{:?}", r.body);
    let mut stale = binding("a", "n1");
    stale["metadata"]["uid"] = json!("other-uid");
    let r = s.post(bindings, &stale).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        format!(
            "Operation cannot be fulfilled on pods \"a\": Precondition failed: UID in \
             precondition: other-uid, UID in object meta: {uid}"
        )
    );

    let mut good = binding("a", "n1");
    good["metadata"]["uid"] = json!(uid);
    good["metadata"]["annotations"] = json!({"scheduled-by": "test"});
    let r = s.post(bindings, &good).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!((&r.body["kind"], &r.body["status"]), (&json!("Status"), &json!("Success")));
    let got = s.get(&format!("{PODS}/a")).await.body;
    assert_eq!(got["spec"]["nodeName"], "n1");
    assert_eq!(got["metadata"]["annotations"]["scheduled-by"], "test");
    let scheduled = got["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled");
    assert_eq!(scheduled.map(|c| &c["status"]), Some(&json!("True")));
    let r = s.post(bindings, &binding("a", "n2")).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        "Operation cannot be fulfilled on pods/binding \"a\": pod a is already assigned to node \"n1\""
    );
    let r = s.post(&format!("{PODS}/b/binding"), &binding("b", "n2")).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(s.get(&format!("{PODS}/b")).await.body["spec"]["nodeName"], "n2");
    // Nothing was stored under bindings, and a binding of a missing pod is a 404 on pods.
    let r = s.get(&format!("{bindings}/a")).await;
    assert_eq!(r.code, 405, "{:?}", r.body);
    let r = s.post(bindings, &binding("missing", "n1")).await;
    assert_eq!(r.code, 404, "{:?}", r.body);
    assert_eq!(r.body["message"], "pods \"missing\" not found");
}
