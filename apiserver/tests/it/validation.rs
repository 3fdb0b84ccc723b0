//! Validation of Endpoints, Events, LimitRanges, ResourceQuotas, PersistentVolumes and their
//! claims, EndpointSlices and the storage.k8s.io CSI kinds through the REST API: the objects
//! kubectl and charts create pass, and invalid ones get upstream's 422 `Status` with its message
//! and causes.

use serde_json::{Value, json};

use super::{Server, assert_status};

const QUOTAS: &str = "/api/v1/namespaces/default/resourcequotas";
const PVCS: &str = "/api/v1/namespaces/default/persistentvolumeclaims";

fn causes(body: &Value) -> Vec<(String, String, String)> {
    body["details"]["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("reason"), s("field"), s("message"))
        })
        .collect()
}

/// `TestValidateEndpointsCreate` through the API: the bootstrap service's shape passes with a
/// routable address; a loopback address is refused.
#[tokio::test]
async fn endpoints_are_validated() {
    let s = Server::new().await;
    let path = "/api/v1/namespaces/default/endpoints";
    let endpoints = |ip: &str| {
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
            "subsets": [{"addresses": [{"ip": ip}],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}]})
    };
    let r = s.post(path, &endpoints("10.1.2.3")).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let mut bad = endpoints("127.0.0.1");
    bad["metadata"]["name"] = json!("local");
    let r = s.post(path, &bad).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Endpoints \"local\" is invalid: subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
    );
    assert_eq!(r.body["details"]["kind"], "Endpoints");
    assert_eq!(
        causes(&r.body),
        [(
            "FieldValueInvalid".to_string(),
            "subsets[0].addresses[0].ip".to_string(),
            "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
                .to_string(),
        )]
    );

    // An update is checked as a create.
    let mut stored = s.get(&format!("{path}/web")).await.body;
    stored["subsets"][0]["ports"][0]["protocol"] = json!("HTTP");
    let r = s.put(&format!("{path}/web"), &stored).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Endpoints \"web\" is invalid: subsets[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    );
}

/// Upstream's reconciler cannot write the `kubernetes` Endpoints for a loopback advertise
/// address (the test server's): the service is there, its endpoints are not.
#[tokio::test]
async fn a_loopback_advertise_address_leaves_the_kubernetes_service_without_endpoints() {
    let s = Server::new().await;
    assert_eq!(s.get("/api/v1/namespaces/default/services/kubernetes").await.code, 200);
    assert_eq!(s.get("/api/v1/namespaces/default/endpoints/kubernetes").await.code, 404);
    let slice = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes";
    assert_eq!(s.get(slice).await.code, 404);
}

/// `kubectl create quota` passes; names, values and scopes are checked, on create, update and
/// status writes.
#[tokio::test]
async fn resource_quotas_are_validated() {
    let s = Server::new().await;
    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "my-quota"},
        "spec": {"hard": {"cpu": "1", "memory": "1G", "pods": "2", "services": "3",
            "replicationcontrollers": "2", "resourcequotas": "1", "secrets": "5",
            "persistentvolumeclaims": "10", "count/deployments.apps": "2"}}});
    let r = s.post(QUOTAS, &quota).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let scoped = json!({"apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "scoped"},
        "spec": {"hard": {"pods": "2", "cpu": "1"}, "scopes": ["NotBestEffort"]}});
    let r = s.post(QUOTAS, &scoped).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let bad = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "bad"},
        "spec": {"hard": {"pods": "1.5", "foo": "1"}}});
    let r = s.post(QUOTAS, &bad).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ResourceQuota \"bad\" is invalid: [spec.hard[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified, spec.hard[foo]: Invalid value: \"foo\": must be a standard resource for quota, spec.hard[pods]: Invalid value: 1500m: must be an integer]",
    );

    let mut stored = s.get(&format!("{QUOTAS}/scoped")).await.body;
    stored["spec"]["scopes"] = json!(["BestEffort"]);
    stored["spec"]["hard"] = json!({"pods": "2"});
    let r = s.put(&format!("{QUOTAS}/scoped"), &stored).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ResourceQuota \"scoped\" is invalid: spec.scopes: Invalid value: [\"BestEffort\"]: field is immutable",
    );

    let mut status = s.get(&format!("{QUOTAS}/my-quota")).await.body;
    status["status"] = json!({"hard": {"pods": "2"}, "used": {"pods": "-1"}});
    let r = s.put(&format!("{QUOTAS}/my-quota/status"), &status).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ResourceQuota \"my-quota\" is invalid: status.used[pods]: Invalid value: \"-1\": must be greater than or equal to 0",
    );
    status["status"]["used"]["pods"] = json!("1");
    let r = s.put(&format!("{QUOTAS}/my-quota/status"), &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
}

/// `TestValidateLimitRange` through the API.
#[tokio::test]
async fn limit_ranges_are_validated() {
    let s = Server::new().await;
    let path = "/api/v1/namespaces/default/limitranges";
    let lr = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"cpu": "100m"}}]}});
    let r = s.post(path, &lr).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // The defaults came from the bounds.
    assert_eq!(r.body["spec"]["limits"][0]["default"], json!({"cpu": "2"}));

    let bad = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "bad"},
        "spec": {"limits": [{"type": "Pod", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}});
    let r = s.post(path, &bad).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "LimitRange \"bad\" is invalid: spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1",
    );
}

/// Core Events keep the legacy rules; events.k8s.io/v1 writes, stored as core Events, get the
/// strict ones.
#[tokio::test]
async fn events_are_validated_by_the_api_they_are_written_through() {
    let s = Server::new().await;
    let core = "/api/v1/namespaces/default/events";
    let event = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "Web.1"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Started", "message": "Started container", "type": "Normal",
        "source": {"component": "kubelet"}, "count": 1,
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:00:00Z"});
    let r = s.post(core, &event).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let mut elsewhere = event.clone();
    elsewhere["metadata"]["name"] = json!("web.2");
    elsewhere["involvedObject"]["namespace"] = json!("other");
    let r = s.post(core, &elsewhere).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Event \"web.2\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not match event.namespace",
    );

    let events = "/apis/events.k8s.io/v1/namespaces/default/events";
    let new_event = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "web.3"}, "eventTime": "2024-01-01T00:00:00.000000Z",
        "reportingController": "example.com/controller", "reportingInstance": "instance-1",
        "action": "Scale", "reason": "Scaled", "type": "Normal",
        "regarding": {"kind": "Deployment", "name": "web", "namespace": "default"}});
    let r = s.post(events, &new_event).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let mut strict = new_event.clone();
    strict["metadata"]["name"] = json!("Web.4");
    strict["type"] = json!("Info");
    strict["deprecatedCount"] = json!(3);
    let r = s.post(events, &strict).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Event \"Web.4\" is invalid: [metadata.name: Invalid value: \"Web.4\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), type: Invalid value: \"\": has invalid value: Info, count: Invalid value: \"\": needs to be unset]",
    );

    // Through events.k8s.io only the series may change; the core API may change the rest.
    let mut stored = s.get(&format!("{events}/web.3")).await.body;
    stored["note"] = json!("changed");
    let r = s.put(&format!("{events}/web.3"), &stored).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Event \"web.3\" is invalid: message: Invalid value: \"changed\": field is immutable",
    );
    let mut stored = s.get(&format!("{core}/web.3")).await.body;
    stored["message"] = json!("changed");
    let r = s.put(&format!("{core}/web.3"), &stored).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
}

/// A chart's claim passes; claims are fixed but for binding, growing when bound, and
/// moving the class from nothing to a name.
#[tokio::test]
async fn persistent_volume_claims_are_validated() {
    let s = Server::new().await;
    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}}}});
    let r = s.post(PVCS, &pvc).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["spec"]["volumeMode"], "Filesystem");

    let empty = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "empty"}, "spec": {}});
    let r = s.post(PVCS, &empty).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PersistentVolumeClaim \"empty\" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]",
    );

    let mut stored = s.get(&format!("{PVCS}/data")).await.body;
    stored["spec"]["storageClassName"] = json!("standard");
    let r = s.put(&format!("{PVCS}/data"), &stored).await;
    assert_eq!(r.code, 200, "{:?}", r.body);

    let mut stored = r.body.clone();
    stored["spec"]["resources"]["requests"]["storage"] = json!("16Gi");
    let r = s.put(&format!("{PVCS}/data"), &stored).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"),
        "{message}"
    );
}

/// `TestValidatePersistentVolumes` and the source's immutability through the API.
#[tokio::test]
async fn persistent_volumes_are_validated() {
    let s = Server::new().await;
    let path = "/api/v1/persistentvolumes";
    let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/mnt/data"}}});
    let r = s.post(path, &pv).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(r.body["status"]["phase"], "Pending");

    let two = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-2"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/a"}, "nfs": {"server": "nfs", "path": "/b"}}});
    let r = s.post(path, &two).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PersistentVolume \"pv-2\" is invalid: spec.nfs: Forbidden: may not specify more than 1 volume type",
    );

    let mut stored = s.get(&format!("{path}/pv-1")).await.body;
    stored["spec"]["hostPath"]["path"] = json!("/mnt/elsewhere");
    stored["spec"]["volumeMode"] = json!("Block");
    let r = s.put(&format!("{path}/pv-1"), &stored).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let reasons: Vec<_> =
        causes(&r.body).into_iter().map(|(reason, field, _)| (reason, field)).collect();
    assert_eq!(
        reasons,
        [
            ("FieldValueForbidden".to_string(), "spec.persistentvolumesource".to_string()),
            ("FieldValueInvalid".to_string(), "volumeMode".to_string()),
        ]
    );
}

/// `TestValidateEndpointSlice*` through the API: the bootstrap slice's shape passes with a
/// routable address.
#[tokio::test]
async fn endpoint_slices_are_validated() {
    let s = Server::new().await;
    let path = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
    let slice = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]});
    let r = s.post(path, &slice).await;
    assert_eq!(r.code, 201, "{:?}", r.body);

    let mut bad = slice.clone();
    bad["metadata"]["name"] = json!("web-def");
    bad["addressType"] = json!("IP");
    let r = s.post(path, &bad).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "EndpointSlice.discovery.k8s.io \"web-def\" is invalid: addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"",
    );
    assert_eq!(r.body["details"]["group"], "discovery.k8s.io");

    let mut stored = s.get(&format!("{path}/web-abc")).await.body;
    stored["addressType"] = json!("IPv6");
    stored["endpoints"] = json!([]);
    let r = s.put(&format!("{path}/web-abc"), &stored).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "EndpointSlice.discovery.k8s.io \"web-abc\" is invalid: addressType: Invalid value: \"IPv6\": field is immutable",
    );
}

/// The CSI kinds of storage.k8s.io.
#[tokio::test]
async fn csi_objects_are_validated() {
    let s = Server::new().await;
    let drivers = "/apis/storage.k8s.io/v1/csidrivers";
    let driver = json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
        "metadata": {"name": "ebs.csi.aws.com"}, "spec": {"attachRequired": true}});
    let r = s.post(drivers, &driver).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let mut stored = r.body.clone();
    stored["spec"]["attachRequired"] = json!(false);
    let r = s.put(&format!("{drivers}/ebs.csi.aws.com"), &stored).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CSIDriver.storage.k8s.io \"ebs.csi.aws.com\" is invalid: spec.attachedRequired: Invalid value: false: field is immutable",
    );

    let nodes = "/apis/storage.k8s.io/v1/csinodes";
    let node = json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
        "metadata": {"name": "node-1"},
        "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": ""}]}});
    let r = s.post(nodes, &node).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CSINode.storage.k8s.io \"node-1\" is invalid: spec.drivers[0].nodeID: Required value",
    );

    let attachments = "/apis/storage.k8s.io/v1/volumeattachments";
    let attachment = json!({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
        "metadata": {"name": "csi-1"},
        "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "node-1", "source": {}}});
    let r = s.post(attachments, &attachment).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "VolumeAttachment.storage.k8s.io \"csi-1\" is invalid: spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
    );
}
