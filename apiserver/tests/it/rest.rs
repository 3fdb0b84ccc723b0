//! Request/response behaviour of the verbs, mirroring upstream's apiserver integration tests.

use serde_json::{Value, json};

use super::{Server, assert_status, configmap, warnings};

const CM: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn test_create_get_list_delete_configmap() {
    let s = Server::new().await;
    let r = s.post(CM, &configmap("a", json!({"k": "v"}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["kind"], "ConfigMap");
    assert_eq!(r.body["metadata"]["namespace"], "default");
    assert!(!r.body["metadata"]["uid"].as_str().unwrap().is_empty());
    let rv = r.body["metadata"]["resourceVersion"].as_str().unwrap().to_string();

    let g = s.get(&format!("{CM}/a")).await;
    assert_eq!(g.code, 200);
    assert_eq!(g.body["data"]["k"], "v");
    assert_eq!(g.body["metadata"]["resourceVersion"], rv.as_str());

    let l = s.get(CM).await;
    assert_eq!(l.body["kind"], "ConfigMapList");
    assert_eq!(l.body["apiVersion"], "v1");
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    // Typed lists carry no type on their items.
    assert!(l.body["items"][0].get("kind").is_none());

    let d = s.delete(&format!("{CM}/a")).await;
    assert_eq!(d.code, 200);
    assert_eq!(d.body["status"], "Success");
    assert_eq!(d.body["details"]["name"], "a");
    assert_eq!(d.body["details"]["kind"], "configmaps");
    let g = s.get(&format!("{CM}/a")).await;
    assert_status(&g, 404, "NotFound", "configmaps \"a\" not found");
}

#[tokio::test]
async fn test_already_exists_and_conflict() {
    let s = Server::new().await;
    s.post(CM, &configmap("a", json!({}))).await;
    let r = s.post(CM, &configmap("a", json!({}))).await;
    assert_status(&r, 409, "AlreadyExists", "configmaps \"a\" already exists");
    assert_eq!(r.body["details"], json!({"name": "a", "kind": "configmaps"}));

    let mut stale = configmap("a", json!({"x": "1"}));
    stale["metadata"]["resourceVersion"] = json!("1");
    let r = s.put(&format!("{CM}/a"), &stale).await;
    assert_status(
        &r,
        409,
        "Conflict",
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again",
    );
    // Without a resourceVersion the update is unconditional.
    let r = s.put(&format!("{CM}/a"), &configmap("a", json!({"x": "2"}))).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(s.get(&format!("{CM}/a")).await.body["data"]["x"], "2");
}

#[tokio::test]
async fn test_bad_input_writes_nothing() {
    let s = Server::new().await;
    // Malformed JSON.
    let r = s.call("POST", CM, &[("content-type", "application/json")], b"{\"kind\": ").await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    assert_eq!(r.body["reason"], "BadRequest");
    // Unsupported content type.
    let r = s.call("POST", CM, &[("content-type", "text/plain")], b"x").await;
    assert_eq!(r.code, 415, "{:?}", r.body);
    assert_eq!(r.body["reason"], "UnsupportedMediaType");
    // A namespace that does not match the URL.
    let mut other = configmap("b", json!({}));
    other["metadata"]["namespace"] = json!("kube-system");
    let r = s.post(CM, &other).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    );
    // A kind that does not match the URL.
    let r =
        s.post(CM, &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}})).await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    // Over the 3 MiB limit.
    let big = configmap("d", json!({"k": "x".repeat(3 * 1024 * 1024 + 1)}));
    let r = s.post(CM, &big).await;
    assert_eq!(r.code, 413, "{:?}", r.body);
    assert_eq!(r.body["reason"], "RequestEntityTooLarge");
    // The name on the URL must match the body's.
    let r = s.put(&format!("{CM}/x"), &configmap("y", json!({}))).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "the name of the object (y) does not match the name on the URL (x)",
    );
    // A missing namespace.
    let r = s.post("/api/v1/namespaces/nope/configmaps", &configmap("e", json!({}))).await;
    assert_status(&r, 404, "NotFound", "namespaces \"nope\" not found");
    // Bad selectors.
    let r = s.get(&format!("{CM}?fieldSelector=spec.foo%3Dbar")).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
    );
    let r = s.get("/api/v1/pods?fieldSelector=spec.foo%3Dbar").await;
    assert_status(&r, 400, "BadRequest", "field label not supported: spec.foo");
    let r = s.get(&format!("{CM}?labelSelector=a%20b")).await;
    assert_eq!(r.code, 400);
    // Nothing was written.
    assert_eq!(s.get(CM).await.body["items"], json!([]));
}

#[tokio::test]
async fn test_dry_run_and_generate_name() {
    let s = Server::new().await;
    let r = s.post(&format!("{CM}?dryRun=All"), &configmap("dry", json!({}))).await;
    assert_eq!(r.code, 201);
    assert_eq!(s.get(&format!("{CM}/dry")).await.code, 404);
    let r = s.post(CM, &json!({"metadata": {"generateName": "gen-"}})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let name = r.body["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    let r = s.post(CM, &json!({"metadata": {}})).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    assert_eq!(r.body["reason"], "Invalid");
}

#[tokio::test]
async fn test_list_selectors_and_paging() {
    let s = Server::new().await;
    for i in 0..5 {
        let mut cm = configmap(&format!("cm{i}"), json!({}));
        cm["metadata"]["labels"] = json!({"parity": if i % 2 == 0 { "even" } else { "odd" }});
        assert_eq!(s.post(CM, &cm).await.code, 201);
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = s.get(&format!("{CM}?labelSelector=parity%3Deven")).await;
    assert_eq!(names(&r.body), ["cm0", "cm2", "cm4"]);
    let r = s.get(&format!("{CM}?fieldSelector=metadata.name%3Dcm3")).await;
    assert_eq!(names(&r.body), ["cm3"]);
    let r = s.get(&format!("{CM}?fieldSelector=metadata.name!%3Dcm3")).await;
    assert_eq!(names(&r.body).len(), 4);

    let first = s.get(&format!("{CM}?limit=2")).await;
    assert_eq!(names(&first.body), ["cm0", "cm1"]);
    assert_eq!(first.body["metadata"]["remainingItemCount"], 3);
    let token = first.body["metadata"]["continue"].as_str().unwrap().to_string();
    let second = s.get(&format!("{CM}?limit=2&continue={token}")).await;
    assert_eq!(names(&second.body), ["cm2", "cm3"]);
    assert_eq!(
        second.body["metadata"]["resourceVersion"],
        first.body["metadata"]["resourceVersion"]
    );
    // Paging with a label selector fills pages with matches.
    let r = s.get(&format!("{CM}?limit=2&labelSelector=parity%3Dodd")).await;
    assert_eq!(names(&r.body), ["cm1", "cm3"]);
    let r = s.get(&format!("{CM}?limit=2&continue={token}&resourceVersion=5")).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "specifying resource version is not allowed when using continue",
    );
}

/// Lists of built-in objects in plain JSON are written from the stored bytes; what they say
/// must be what the decoded list (as `pretty` output prints it) says, member for member.
#[tokio::test]
async fn test_plain_json_lists_match_decoded_lists() {
    let s = Server::new().await;
    for i in 0..4 {
        let mut cm = configmap(&format!("cm{i}"), json!({"k": format!("\"v\"\n\u{1}é{i}")}));
        cm["metadata"]["labels"] = json!({"parity": if i % 2 == 0 { "even" } else { "odd" }});
        assert_eq!(s.post(CM, &cm).await.code, 201);
    }
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d", "apiVersion": "apps/v1"},
                 "maxReplicas": 3}});
    let hpas = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
    assert_eq!(s.post(hpas, &hpa).await.code, 201);
    for path in [
        CM.to_string(),
        format!("{CM}?labelSelector=parity%3Deven"),
        format!("{CM}?fieldSelector=metadata.name!%3Dcm1&limit=2"),
        "/api/v1/namespaces".into(),
        "/api/v1/configmaps?limit=1".into(),
        hpas.into(),
        "/apis/autoscaling/v1/horizontalpodautoscalers".into(),
    ] {
        let plain = s.get(&path).await;
        assert_eq!(plain.code, 200, "{path}: {:?}", plain.body);
        let sep = if path.contains('?') { '&' } else { '?' };
        let pretty = s.get(&format!("{path}{sep}pretty=true")).await;
        let decoded = serde_json::to_vec(&pretty.body).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&plain.raw),
            String::from_utf8_lossy(&decoded),
            "{path}"
        );
        assert!(!plain.body["items"].as_array().unwrap().is_empty(), "{path}");
        // So are metadata-only lists and tables.
        for accept in [
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
            "application/json;as=Table;v=v1;g=meta.k8s.io",
        ] {
            let plain = s.call("GET", &path, &[("accept", accept)], b"").await;
            let pretty =
                s.call("GET", &format!("{path}{sep}pretty=true"), &[("accept", accept)], b"").await;
            assert_eq!(plain.code, 200, "{path} {accept}: {:?}", plain.body);
            // A table's last column is the age, which may tick between the two reads.
            let without_age = |mut v: Value| {
                for row in v["rows"].as_array_mut().into_iter().flatten() {
                    row["cells"].as_array_mut().unwrap().pop();
                }
                serde_json::to_string(&v).unwrap()
            };
            let raw: Value = serde_json::from_slice(&plain.raw).unwrap();
            assert_eq!(
                serde_json::to_string(&raw).unwrap().len(),
                plain.raw.len(),
                "{path} {accept}: compact JSON"
            );
            assert_eq!(without_age(raw), without_age(pretty.body), "{path} {accept}");
        }
        // Protobuf lists are encoded item by item; the bytes are the whole list's encoding.
        let pb =
            s.call("GET", &path, &[("accept", "application/vnd.kubernetes.protobuf")], b"").await;
        assert_eq!(pb.code, 200, "{path}");
        let want = apimachinery::codec::protobuf::encode(&plain.body).unwrap();
        assert!(pb.raw[..] == want[..], "{path}: protobuf list differs");
    }
}

#[tokio::test]
async fn test_deployment_generation_status_and_scale() {
    let s = Server::new().await;
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
        "status": {"replicas": 7},
    });
    let r = s.post(path, &d).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["metadata"]["generation"], 1);

    // The main resource does not write status; a spec change bumps the generation.
    let mut d2 = r.body.clone();
    d2["spec"]["replicas"] = json!(2);
    d2["status"] = json!({"replicas": 9});
    let r = s.put(&format!("{path}/web"), &d2).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["metadata"]["generation"], 2);
    assert!(r.body["status"].get("replicas").is_none() || r.body["status"]["replicas"] != 9);

    // The status subresource writes status only and keeps the generation.
    let mut d3 = r.body.clone();
    d3["status"] = json!({"replicas": 2});
    d3["spec"]["replicas"] = json!(5);
    let r = s.put(&format!("{path}/web/status"), &d3).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["replicas"], 2);
    assert_eq!(r.body["spec"]["replicas"], 2);
    assert_eq!(r.body["metadata"]["generation"], 2);

    let r = s.get(&format!("{path}/web/scale")).await;
    assert_eq!(r.body["kind"], "Scale");
    assert_eq!(r.body["apiVersion"], "autoscaling/v1");
    assert_eq!(r.body["spec"]["replicas"], 2);
    assert_eq!(r.body["status"]["selector"], "app=web");
    let r = s
        .patch(
            &format!("{path}/web/scale"),
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 4}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let got = s.get(&format!("{path}/web")).await.body;
    assert_eq!((&got["spec"]["replicas"], &got["metadata"]["generation"]), (&json!(4), &json!(3)));

    // A deployment's annotations move its generation too (they reach its replica sets);
    // its labels do not, and neither do a config map's or a replica set's annotations.
    let merge = "application/merge-patch+json";
    let r =
        s.patch(&format!("{path}/web"), merge, &json!({"metadata": {"labels": {"l": "1"}}})).await;
    assert_eq!(r.body["metadata"]["generation"], 3, "{:?}", r.body);
    let note = json!({"metadata": {"annotations": {"note": "1"}}});
    let r = s.patch(&format!("{path}/web"), merge, &note).await;
    assert_eq!(r.body["metadata"]["generation"], 4, "{:?}", r.body);
    let r = s.patch(&format!("{path}/web"), merge, &note).await;
    assert_eq!(r.body["metadata"]["generation"], 4, "an unchanged annotation: {:?}", r.body);
    let rs_path = "/apis/apps/v1/namespaces/default/replicasets";
    let mut rs = d.clone();
    rs["kind"] = json!("ReplicaSet");
    let r = s.post(rs_path, &rs).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let r = s.patch(&format!("{rs_path}/web"), merge, &note).await;
    assert_eq!(r.body["metadata"]["generation"], 1, "{:?}", r.body);
}

/// Writes through `/status` keep the metadata each kind's upstream status strategy keeps
/// (pkg/registry/core/pod and apps/deployment `StatusStrategy.PrepareForUpdate`): pods/status
/// takes new labels and annotations but not owner references; deployments/status takes new
/// annotations but not labels; neither moves the generation. A server-side apply through
/// pods/status owns the labels it sets, and not the owner references it cannot change.
#[tokio::test]
async fn test_status_writes_keep_what_each_status_strategy_keeps() {
    let s = Server::new().await;
    let owner = |name: &str| {
        json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name,
                "uid": format!("uid-{name}")}])
    };
    let pods = "/api/v1/namespaces/default/pods";
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": "p", "labels": {"app": "web"}, "ownerReferences": owner("a")},
                     "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    let r = s.post(pods, &pod).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let mut write = r.body.clone();
    write["metadata"]["labels"] = json!({"app": "web", "tier": "front"});
    write["metadata"]["annotations"] = json!({"note": "from the kubelet"});
    write["metadata"]["ownerReferences"] = owner("b");
    write["spec"]["activeDeadlineSeconds"] = json!(5);
    write["status"]["phase"] = json!("Running");
    let r = s.put(&format!("{pods}/p/status"), &write).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    for body in [r.body, s.get(&format!("{pods}/p")).await.body] {
        assert_eq!(body["metadata"]["labels"], json!({"app": "web", "tier": "front"}));
        assert_eq!(body["metadata"]["annotations"], json!({"note": "from the kubelet"}));
        assert_eq!(body["metadata"]["ownerReferences"], owner("a"));
        assert_eq!(body["metadata"]["generation"], 1);
        assert!(body["spec"].get("activeDeadlineSeconds").is_none(), "{body}");
        assert_eq!(body["status"]["phase"], "Running");
    }

    let apply = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "p", "labels": {"ready": "yes"}, "ownerReferences": owner("c"),
    }, "status": {"phase": "Running"}});
    let r = s
        .call(
            "PATCH",
            &format!("{pods}/p/status?fieldManager=kubelet"),
            &[("content-type", "application/apply-patch+yaml")],
            apply.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["metadata"]["labels"]["ready"], "yes");
    assert_eq!(r.body["metadata"]["ownerReferences"], owner("a"));
    let entry = r.body["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "kubelet" && e["operation"] == "Apply")
        .cloned()
        .unwrap();
    assert_eq!(entry["subresource"], "status");
    assert_eq!(
        entry["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:ready": {}}}, "f:status": {"f:phase": {}}})
    );

    let deployments = "/apis/apps/v1/namespaces/default/deployments";
    let d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    });
    assert_eq!(s.post(deployments, &d).await.code, 201);
    let patch = json!({"metadata": {"labels": {"app": "other"}, "annotations": {"note": "n"}},
                       "spec": {"replicas": 3}, "status": {"replicas": 1}});
    let r =
        s.patch(&format!("{deployments}/web/status"), "application/merge-patch+json", &patch).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    for body in [r.body, s.get(&format!("{deployments}/web")).await.body] {
        assert_eq!(body["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(body["metadata"]["annotations"], json!({"note": "n"}));
        assert_eq!(body["metadata"]["generation"], 1);
        assert_eq!(body["spec"]["replicas"], 1);
        assert_eq!(body["status"]["replicas"], 1);
    }
}

#[tokio::test]
async fn test_patch_types() {
    let s = Server::new().await;
    let path = "/api/v1/namespaces/default/pods";
    let pod = json!({"metadata": {"name": "p", "labels": {"a": "1"}},
                     "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
    assert_eq!(s.post(path, &pod).await.code, 201);
    let p = format!("{path}/p");
    // Strategic merge patch merges containers by name.
    let r = s
        .patch(
            &p,
            "application/strategic-merge-patch+json",
            &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let images: Vec<&str> = r.body["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image"].as_str().unwrap())
        .collect();
    assert_eq!(images, ["x", "z"]);
    // Merge patch replaces lists and deletes with null.
    let r = s
        .patch(
            &p,
            "application/merge-patch+json",
            &json!({"metadata": {"labels": {"a": null, "b": "2"}}}),
        )
        .await;
    assert_eq!(r.body["metadata"]["labels"], json!({"b": "2"}));
    // JSON patch.
    let r = s
        .patch(
            &p,
            "application/json-patch+json",
            &json!([{"op": "add", "path": "/metadata/labels/c", "value": "3"}]),
        )
        .await;
    assert_eq!(r.body["metadata"]["labels"]["c"], "3");
    let r = s
        .patch(
            &p,
            "application/json-patch+json",
            &json!([{"op": "test", "path": "/metadata/labels/c", "value": "4"}]),
        )
        .await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    assert_eq!(r.body["reason"], "Invalid");
    // Removing the last label drops the map, as Go's omitempty does.
    let r =
        s.patch(&p, "application/merge-patch+json", &json!({"metadata": {"labels": null}})).await;
    assert!(r.body["metadata"].get("labels").is_none(), "{:?}", r.body);
    let r = s.patch(&p, "text/plain", &json!({})).await;
    assert_eq!(r.code, 415);
    let r = s.patch(&format!("{path}/missing"), "application/merge-patch+json", &json!({})).await;
    assert_status(&r, 404, "NotFound", "pods \"missing\" not found");
}

#[tokio::test]
async fn test_finalizers_and_graceful_pod_deletion() {
    let s = Server::new().await;
    let mut cm = configmap("f", json!({}));
    cm["metadata"]["finalizers"] = json!(["example.com/hold"]);
    s.post(CM, &cm).await;
    let r = s.delete(&format!("{CM}/f")).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert!(r.body["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(s.get(&format!("{CM}/f")).await.code, 200);
    let r = s
        .patch(
            &format!("{CM}/f"),
            "application/merge-patch+json",
            &json!({"metadata": {"finalizers": null}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(s.get(&format!("{CM}/f")).await.code, 404);

    // A scheduled pod waits out its grace period; an unscheduled one goes at once.
    let pods = "/api/v1/namespaces/default/pods";
    let pod = |name: &str, node: &str| json!({"metadata": {"name": name}, "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]}});
    s.post(pods, &pod("bound", "n1")).await;
    s.post(pods, &pod("free", "")).await;
    let r = s.delete(&format!("{pods}/bound")).await;
    assert_eq!(r.body["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(s.get(&format!("{pods}/bound")).await.code, 200);
    s.delete(&format!("{pods}/free")).await;
    assert_eq!(s.get(&format!("{pods}/free")).await.code, 404);
    let r = s.call("DELETE", &format!("{pods}/bound?gracePeriodSeconds=0"), &[], b"").await;
    assert_eq!(r.code, 200);
    assert_eq!(s.get(&format!("{pods}/bound")).await.code, 404);
}

#[tokio::test]
async fn test_delete_preconditions() {
    let s = Server::new().await;
    s.post(CM, &configmap("p", json!({}))).await;
    let body = json!({"preconditions": {"uid": "other"}}).to_string();
    let r = s
        .call(
            "DELETE",
            &format!("{CM}/p"),
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("Precondition failed: UID in precondition: other")
    );
    assert_eq!(s.get(&format!("{CM}/p")).await.code, 200);

    // A namespace's delete (which marks it terminating) checks both preconditions too.
    let ns = s.post("/api/v1/namespaces", &json!({"metadata": {"name": "pre"}})).await;
    assert_eq!(ns.code, 201, "{:?}", ns.body);
    let rv = ns.body["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let s = &s;
    let delete = |body: Value| async move {
        let body = body.to_string();
        s.call(
            "DELETE",
            "/api/v1/namespaces/pre",
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .await
    };
    let r = delete(json!({"preconditions": {"resourceVersion": "1"}})).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        format!(
            "Operation cannot be fulfilled on namespaces \"pre\": Precondition failed: \
             ResourceVersion in precondition: 1, ResourceVersion in object meta: {rv}"
        )
    );
    let r = delete(json!({"preconditions": {"uid": "other"}})).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    let r = delete(json!({"preconditions": {"resourceVersion": rv}})).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["phase"], "Terminating");
}

#[tokio::test]
async fn test_service_cluster_ip_allocation() {
    let s = Server::new().await;
    let path = "/api/v1/namespaces/default/services";
    let svc =
        json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}});
    let r = s.post(path, &svc).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let ip = r.body["spec"]["clusterIP"].as_str().unwrap();
    assert!(ip.starts_with("10.0.0.") && ip != "10.0.0.1", "{ip}");
    let port = r.body["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&port));
    let k = s.get(&format!("{path}/kubernetes")).await;
    assert_eq!(k.body["spec"]["clusterIP"], "10.0.0.1");
}

#[tokio::test]
async fn test_discovery_documents() {
    let s = Server::new().await;
    let r = s.get("/api").await;
    assert_eq!(r.body["kind"], "APIVersions");
    assert_eq!(r.body["versions"], json!(["v1"]));
    let r = s.get("/apis").await;
    assert_eq!(r.body["kind"], "APIGroupList");
    assert!(r.body["groups"].as_array().unwrap().iter().any(|g| g["name"] == "apps"));
    let r = s.get("/apis/apps/v1").await;
    assert_eq!(r.body["groupVersion"], "apps/v1");
    let deploy = r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "deployments")
        .unwrap()
        .clone();
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let r = s.call("GET", "/apis", &[("accept", accept)], b"").await;
    assert_eq!(
        r.headers["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    assert_eq!(r.body["kind"], "APIGroupDiscoveryList");
    let r = s.get("/apis/nope.example.com/v1").await;
    assert_eq!(r.code, 404);
    let r = s.get("/version").await;
    assert_eq!(r.body["gitVersion"], "v1.35.0");
    let r = s.get("/readyz?verbose").await;
    assert!(String::from_utf8_lossy(&r.raw).contains("readyz check passed"), "{:?}", r.raw);
}

#[tokio::test]
async fn test_table_and_partial_metadata_output() {
    let s = Server::new().await;
    s.post(CM, &configmap("t", json!({}))).await;
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let r = s.call("GET", CM, &[("accept", accept)], b"").await;
    assert_eq!(r.body["kind"], "Table");
    assert_eq!(r.body["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(r.body["columnDefinitions"][0]["name"], "Name");
    assert_eq!(r.body["rows"][0]["cells"][0], "t");
    assert_eq!(r.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let accept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";
    let r = s.call("GET", CM, &[("accept", accept)], b"").await;
    assert_eq!(r.body["kind"], "PartialObjectMetadataList");
    assert_eq!(r.body["items"][0]["metadata"]["name"], "t");
    let r = s.call("GET", &format!("{CM}/t"), &[("accept", "application/yaml")], b"").await;
    assert!(String::from_utf8_lossy(&r.raw).contains("kind: ConfigMap"));
    let r = s.call("GET", &format!("{CM}/t"), &[("accept", "text/html")], b"").await;
    assert_eq!(r.code, 406);
}

#[tokio::test]
async fn test_namespace_termination() {
    let s = Server::new().await;
    let r = s
        .post(
            "/api/v1/namespaces",
            &json!({"metadata": {"name": "doomed"}, "spec": {"finalizers": ["kubernetes"]}}),
        )
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let r = s.delete("/api/v1/namespaces/doomed").await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["phase"], "Terminating");
    let r = s.post("/api/v1/namespaces/doomed/configmaps", &configmap("x", json!({}))).await;
    assert_status(
        &r,
        403,
        "Forbidden",
        "configmaps \"x\" is forbidden: unable to create new content in namespace doomed because it is being terminated",
    );
    let mut ns = s.get("/api/v1/namespaces/doomed").await.body;
    ns["spec"]["finalizers"] = json!([]);
    let r = s.put("/api/v1/namespaces/doomed/finalize", &ns).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(s.get("/api/v1/namespaces/doomed").await.code, 404);
    let r = s.post("/api/v1/namespaces/doomed/configmaps", &configmap("x", json!({}))).await;
    assert_status(&r, 404, "NotFound", "namespaces \"doomed\" not found");
    // Created again under the same name, it takes new objects at once, whatever the watch cache
    // still holds of its previous incarnation.
    let r = s.post("/api/v1/namespaces", &json!({"metadata": {"name": "doomed"}})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let r = s.post("/api/v1/namespaces/doomed/configmaps", &configmap("x", json!({}))).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // Deleted again, it refuses new objects right after.
    assert_eq!(s.delete("/api/v1/namespaces/doomed").await.code, 200);
    let r = s.post("/api/v1/namespaces/doomed/configmaps", &configmap("y", json!({}))).await;
    assert_eq!(r.code, 403, "{:?}", r.body);
}

/// Creates in a namespace served from the namespace watch cache still see every change made
/// through this server at once: many namespaces created, used, deleted and used again.
#[tokio::test]
async fn test_namespace_lifecycle_follows_writes() {
    let s = Server::new().await;
    for i in 0..20 {
        let ns = format!("churn-{i}");
        let path = format!("/api/v1/namespaces/{ns}/configmaps");
        let r = s.post("/api/v1/namespaces", &json!({"metadata": {"name": ns}})).await;
        assert_eq!(r.code, 201, "{:?}", r.body);
        for j in 0..3 {
            let r = s.post(&path, &configmap(&format!("c{j}"), json!({}))).await;
            assert_eq!(r.code, 201, "{:?}", r.body);
        }
        assert_eq!(s.delete(&format!("/api/v1/namespaces/{ns}")).await.code, 200);
        let r = s.post(&path, &configmap("late", json!({}))).await;
        assert_eq!(r.code, 403, "{:?}", r.body);
    }
}

/// `/metrics` counts requests with upstream's names and labels, and reports stored objects.
#[tokio::test]
async fn test_metrics() {
    let s = Server::new().await;
    s.post(CM, &configmap("m", json!({}))).await;
    s.get(&format!("{CM}/m")).await;
    s.get(&format!("{CM}/missing")).await;
    // A watch counts once it has ended.
    s.get(&format!("{CM}?watch=true&timeoutSeconds=1")).await;
    let r = s.get("/metrics").await;
    assert_eq!(r.code, 200);
    let text = String::from_utf8_lossy(&r.raw).into_owned();
    let has = |line_part: &[&str]| {
        text.lines().any(|l| {
            l.starts_with("apiserver_request_total{") && line_part.iter().all(|p| l.contains(p))
        })
    };
    assert!(
        has(&["verb=\"POST\"", "resource=\"configmaps\"", "scope=\"namespace\"", "code=\"201\""]),
        "{text}"
    );
    assert!(has(&["verb=\"GET\"", "scope=\"resource\"", "code=\"200\""]), "{text}");
    assert!(has(&["verb=\"GET\"", "code=\"404\""]), "{text}");
    assert!(has(&["verb=\"WATCH\"", "scope=\"namespace\"", "code=\"200\""]), "{text}");
    assert!(text.contains("apiserver_longrunning_requests{"), "{text}");
    assert!(text.contains("apiserver_request_duration_seconds_bucket{"), "{text}");
    // The bootstrap namespaces are stored.
    let namespaces = text
        .lines()
        .find(|l| l.starts_with("apiserver_storage_objects{resource=\"namespaces\"}"))
        .unwrap_or_default();
    let n: u64 = namespaces.rsplit(' ').next().unwrap_or("0").parse().unwrap_or(0);
    assert!(n >= 4, "{namespaces}");
}

/// Unconditional writes retry lost compare-and-swap races until they land (GuaranteedUpdate):
/// many concurrent merge patches of one object all succeed and none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_concurrent_unconditional_patches_all_land() {
    let s = std::sync::Arc::new(Server::new().await);
    s.post(CM, &configmap("hot", json!({}))).await;
    let writers: Vec<_> = (0..48)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let patch = json!({"data": {format!("k{i}"): "v"}});
                s.patch(&format!("{CM}/hot"), "application/merge-patch+json", &patch).await.code
            })
        })
        .collect();
    for w in writers {
        assert_eq!(w.await.unwrap(), 200);
    }
    let data = s.get(&format!("{CM}/hot")).await.body["data"].clone();
    assert_eq!(data.as_object().unwrap().len(), 48, "{data}");
}

/// A create answers with the object exactly as a read of it gives it back.
#[tokio::test]
async fn test_create_answer_matches_get() {
    let s = Server::new().await;
    let mut cm = configmap("echo", json!({"k": "v \"quoted\" \u{e9}"}));
    cm["metadata"]["labels"] = json!({});
    cm["metadata"]["annotations"] = json!({"a": "b"});
    let r = s.post(CM, &cm).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert!(r.body["metadata"].get("labels").is_none(), "{:?}", r.body);
    let g = s.get(&format!("{CM}/echo")).await;
    assert_eq!(r.body, g.body);
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "echo"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    });
    let r = s.post("/api/v1/namespaces/default/pods", &pod).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // The answer starts with the type, as every served object does.
    assert!(r.raw.starts_with(br#"{"kind":"Pod","apiVersion":"v1","#), "{:?}", r.body);
    let g = s.get("/api/v1/namespaces/default/pods/echo").await;
    assert_eq!(r.body, g.body);
    assert_eq!(r.body["metadata"]["resourceVersion"], g.body["metadata"]["resourceVersion"]);
}

/// Without `fieldValidation` (Warn) unknown and duplicate fields of built-in objects come back
/// as warnings and the object is written without them; Ignore says nothing; Strict refuses.
#[tokio::test]
async fn test_field_validation_warn_for_builtin_kinds() {
    let s = Server::new().await;
    let json = [("content-type", "application/json")];
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w","labels":{"a":"b"},"bogus":1},"data":{"k":"v"},"extra":{"x":null}}"#;
    let r = s.call("POST", CM, &json, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(warnings(&r), [r#"unknown field "metadata.bogus""#, r#"unknown field "extra""#]);
    assert!(r.body.get("extra").is_none());
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"k":"1","k":"2"}}"#;
    let r = s.call("POST", CM, &json, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(warnings(&r), [r#"duplicate field "data.k""#]);
    assert_eq!(r.body["data"]["k"], "2");
    // A clean body, nulls of known fields and PUTs: the same rules.
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","creationTimestamp":null},"data":{"k":"v"}}"#;
    let r = s.call("POST", CM, &json, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert!(warnings(&r).is_empty(), "{:?}", warnings(&r));
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"},"nope":[]}"#;
    let r = s.call("PUT", &format!("{CM}/c"), &json, body).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(warnings(&r), [r#"unknown field "nope""#]);
    let r = s.call("PUT", &format!("{CM}/c?fieldValidation=Ignore"), &json, body).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert!(warnings(&r).is_empty());
    let r = s.call("PUT", &format!("{CM}/c?fieldValidation=Strict"), &json, body).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "nope""#,
    );
    // Pods (decoded with their defaults) likewise, in containers and in label maps.
    let pods = "/api/v1/namespaces/default/pods";
    let body = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1","a":"2"}},"spec":{"containers":[{"name":"c","image":"i","imagePullPolicyy":"Never"}]}}"#;
    let r = s.call("POST", pods, &json, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(
        warnings(&r),
        [
            r#"duplicate field "metadata.labels.a""#,
            r#"unknown field "spec.containers[0].imagePullPolicyy""#
        ]
    );
    assert_eq!(r.body["metadata"]["labels"]["a"], "2");
    assert_eq!(r.body["spec"]["containers"][0]["imagePullPolicy"], "Always");
    let r = s.call("POST", &format!("{pods}?fieldValidation=Strict"), &json, body).await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    let r = s.call("POST", &format!("{pods}?fieldValidation=Bogus"), &json, body).await;
    assert_status(&r, 400, "BadRequest", "fieldValidation parameter unsupported value: Bogus");
    // A body that leaves out its type is filled in from the URL as before.
    let body = br#"{"metadata":{"name":"q"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#;
    let r = s.call("POST", pods, &json, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["kind"], "Pod");
    assert!(warnings(&r).is_empty(), "{:?}", warnings(&r));
    // YAML bodies too.
    let yaml = [("content-type", "application/yaml")];
    let body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\nsurplus: 1\n";
    let r = s.call("POST", CM, &yaml, body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(warnings(&r), [r#"unknown field "surplus""#]);
}
