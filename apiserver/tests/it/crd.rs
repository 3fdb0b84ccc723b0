//! CustomResourceDefinitions: establishment, discovery, serving, printer columns, and removal of
//! the objects with their definition.

use std::time::Duration;

use serde_json::{Value, json};

use super::Server;

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

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

#[tokio::test]
async fn test_crd_established_served_and_deleted() {
    let s = Server::new().await;
    let r = s.post(CRDS, &widget_crd()).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
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

    // Discovery lists the group and the resource.
    let groups = s.get("/apis").await.body;
    assert!(groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == "example.com"));
    let list = s.get("/apis/example.com/v1").await.body;
    assert_eq!(list["resources"][0]["name"], "widgets");
    assert_eq!(list["resources"][0]["shortNames"], json!(["wd"]));
    assert_eq!(list["resources"][1]["name"], "widgets/status");

    // Objects are served, typed on their items, with the definition's columns.
    let path = "/apis/example.com/v1/namespaces/default/widgets";
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
}
