//! Pod subresources that write part of the spec: `ephemeralcontainers` (what `kubectl debug`
//! adds) and `resize` (in-place resource changes), each narrowed to what it may change and
//! validated as upstream does.

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
