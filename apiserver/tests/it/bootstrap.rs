//! What a new cluster starts with beyond its namespaces: the system PriorityClasses and a local
//! APIService per built-in group version; and upstream's validation of APIServices.

use super::*;

const APISERVICES: &str = "/apis/apiregistration.k8s.io/v1/apiservices";

#[tokio::test]
async fn test_system_priority_classes_exist() {
    let s = Server::new().await;
    let r = s.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical").await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["value"], 2_000_001_000);
    assert_eq!(r.body["preemptionPolicy"], "PreemptLowerPriority");
    let r = s.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical").await;
    assert_eq!(r.body["value"], 2_000_000_000);
}

#[tokio::test]
async fn test_local_api_services_are_registered_and_available() {
    let s = Server::new().await;
    let list = s.get(APISERVICES).await.body;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    for name in
        ["v1.", "v1.apps", "v2.autoscaling", "v1.autoscaling", "v1.flowcontrol.apiserver.k8s.io"]
    {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n.ends_with("apiregistration.k8s.io")), "{names:?}");
    let apps = s.get(&format!("{APISERVICES}/v1.apps")).await.body;
    assert_eq!(
        apps["spec"],
        json!({"group": "apps", "version": "v1", "groupPriorityMinimum": 17800, "versionPriority": 15})
    );
    let condition = &apps["status"]["conditions"][0];
    assert_eq!((&condition["type"], &condition["status"]), (&json!("Available"), &json!("True")));
    assert_eq!(condition["reason"], "Local");
    assert_eq!(apps["metadata"]["labels"]["kube-aggregator.kubernetes.io/automanaged"], "onstart");
}

#[tokio::test]
async fn test_api_service_validation() {
    let s = Server::new().await;
    let body = json!({
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta2", "groupPriorityMinimum": 0,
                 "versionPriority": 100, "service": {"name": "metrics-server", "port": 0}},
    });
    let r = s.post(APISERVICES, &body).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    for part in [
        "metadata.name: Invalid value: \"v1beta1.metrics.k8s.io\": must be `spec.version+\".\"+spec.group`: \"v1beta2.metrics.k8s.io\"",
        "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
        "spec.service.namespace: Required value",
        "spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }

    // A service-backed APIService starts without conditions; a local one is available.
    let mut good = body.clone();
    good["spec"]["version"] = json!("v1beta1");
    good["spec"]["groupPriorityMinimum"] = json!(100);
    good["spec"]["service"] = json!({"name": "metrics-server", "namespace": "kube-system"});
    good["status"] = json!({"conditions": [{"type": "Available", "status": "True"}]});
    let r = s.post(APISERVICES, &good).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], json!({}));
}
