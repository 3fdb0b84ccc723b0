//! Table-driven tests named after upstream's printers_test.go cases (and the duration package's
//! tests). Every case runs at one fixed `now`; timestamps are given relative to it.

use k8s_openapi::api::core::v1::PodStatus;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::JsonSchema;
use serde_json::{Value, json};

use super::*;

const NOW: &str = "2024-06-01T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// RFC 3339 time `secs` seconds before `now`.
fn ago(secs: i64) -> String {
    let t = now().checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(secs)).unwrap();
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The published documentation of `field` of `T`, read straight from its schema.
fn field_doc<T: JsonSchema>(field: &str) -> String {
    let schema = T::json_schema(&mut schemars::SchemaGenerator::default());
    let doc =
        schema.get("properties").and_then(|p| p.get(field)).and_then(|f| f.get("description"));
    doc.and_then(Value::as_str).unwrap_or_default().to_string()
}

const YEAR: i64 = 365 * 24 * 3600;

/// Prints `obj` as `group`/`resource` and compares the cells; also checks the row carries a
/// cell for every declared column, as the server's wide printing does.
#[track_caller]
fn check(group: &str, resource: &str, obj: Value, expected: Value) {
    let got = row(group, resource, &obj, now());
    assert_eq!(Value::Array(got.cells.clone()), expected, "{group}/{resource}: {obj}");
    let columns = column_definitions(group, resource);
    assert!(got.cells.len() >= columns.len(), "{group}/{resource}: fewer cells than columns");
}

fn containers(n: usize) -> Value {
    Value::Array((0..n).map(|_| json!({})).collect())
}

#[test]
fn human_duration_matches_upstream() {
    let cases: &[(i64, &str)] = &[
        (-2_000_000_000, "<invalid>"),
        (-1_900_000_000, "0s"),
        (0, "0s"),
        (1_000_000_000, "1s"),
        (119_000_000_000, "119s"),
        (120_000_000_000, "2m"),
        (150_000_000_000, "2m30s"),
        (9 * 60_000_000_000 + 59_000_000_000, "9m59s"),
        (10 * 60_000_000_000, "10m"),
        (179 * 60_000_000_000, "179m"),
        (3 * 3_600_000_000_000, "3h"),
        (3 * 3_600_000_000_000 + 60_000_000_000, "3h1m"),
        (8 * 3_600_000_000_000, "8h"),
        (47 * 3_600_000_000_000, "47h"),
        (48 * 3_600_000_000_000, "2d"),
        (49 * 3_600_000_000_000, "2d1h"),
        (8 * 24 * 3_600_000_000_000, "8d"),
        (729 * 24 * 3_600_000_000_000, "729d"),
        (730 * 24 * 3_600_000_000_000, "2y"),
        (731 * 24 * 3_600_000_000_000, "2y1d"),
        (8 * 365 * 24 * 3_600_000_000_000, "8y"),
        (i64::MAX, "292y"),
    ];
    for &(nanos, want) in cases {
        assert_eq!(human_duration(nanos), want, "{nanos}");
    }
}

#[test]
fn short_human_duration_matches_upstream() {
    let cases: &[(i64, &str)] = &[
        (-2_000_000_000, "<invalid>"),
        (-1_000_000_000, "0s"),
        (59_000_000_000, "59s"),
        (60_000_000_000, "1m"),
        (3_600_000_000_000, "1h"),
        (24 * 3_600_000_000_000, "1d"),
        (365 * 24 * 3_600_000_000_000, "1y"),
    ];
    for &(nanos, want) in cases {
        assert_eq!(short_human_duration(nanos), want, "{nanos}");
    }
}

#[test]
fn test_print_pod() {
    let running = json!({"running": {}});
    let cases = vec![
        // name, containers, restarts, readiness
        (
            json!({"metadata": {"name": "test1"}, "spec": {"containers": containers(2)},
                "status": {"phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": running},
                    {"restartCount": 3}]}}),
            json!([
                "test1",
                "1/2",
                "podPhase",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // a container error overwrites the pod phase
        (
            json!({"metadata": {"name": "test2"}, "spec": {"containers": containers(2)},
                "status": {"phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": running},
                    {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}}]}}),
            json!([
                "test2",
                "1/2",
                "ContainerWaitingReason",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // the first container's state wins (statuses are walked backwards)
        (
            json!({"metadata": {"name": "test3"}, "spec": {"containers": containers(2)},
                "status": {"phase": "podPhase", "containerStatuses": [
                    {"restartCount": 3, "state": {"waiting": {"reason": "ContainerWaitingReason"}}},
                    {"restartCount": 3, "state": {"terminated": {"reason": "ContainerTerminatedReason"}}}]}}),
            json!([
                "test3",
                "0/2",
                "ContainerWaitingReason",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // a pod reason overrides the phase
        (
            json!({"metadata": {"name": "test5"}, "spec": {"containers": containers(2)},
                "status": {"reason": "podReason", "phase": "podPhase", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": running},
                    {"ready": true, "restartCount": 3}]}}),
            json!([
                "test5",
                "1/2",
                "podReason",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // one running, one completed, no Ready condition
        (
            json!({"metadata": {"name": "test6"}, "spec": {"containers": containers(2)},
                "status": {"phase": "Running", "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                    {"ready": true, "restartCount": 3, "state": running}]}}),
            json!([
                "test6",
                "1/2",
                "NotReady",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // the same with the Ready condition
        (
            json!({"metadata": {"name": "test6"}, "spec": {"containers": containers(2)},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                    "containerStatuses": [
                    {"ready": true, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                    {"ready": true, "restartCount": 3, "state": running}]}}),
            json!([
                "test6",
                "1/2",
                "Running",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // a restarting init container
        (
            json!({"metadata": {"name": "test7"},
                "spec": {"initContainers": containers(1), "containers": containers(1)},
                "status": {"phase": "podPhase",
                    "initContainerStatuses": [{"restartCount": 3, "state": running,
                        "lastState": {"terminated": {"finishedAt": ago(10)}}}],
                    "containerStatuses": [{"state": {"waiting": {}}}]}}),
            json!([
                "test7",
                "0/1",
                "Init:0/1",
                "3 (10s ago)",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // the first of two init containers restarting
        (
            json!({"metadata": {"name": "test8"},
                "spec": {"initContainers": containers(2), "containers": containers(1)},
                "status": {"phase": "podPhase",
                    "initContainerStatuses": [
                        {"restartCount": 3, "state": running,
                            "lastState": {"terminated": {"finishedAt": ago(10)}}},
                        {"state": {"waiting": {}}}],
                    "containerStatuses": [{"state": {"waiting": {}}}]}}),
            json!([
                "test8",
                "0/1",
                "Init:0/2",
                "3 (10s ago)",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // the first init container done, the second restarting
        (
            json!({"metadata": {"name": "test9"},
                "spec": {"initContainers": containers(2), "containers": containers(1)},
                "status": {"phase": "podPhase",
                    "initContainerStatuses": [
                        {"state": {"terminated": {}}},
                        {"restartCount": 3, "state": running,
                            "lastState": {"terminated": {"finishedAt": ago(10)}}}],
                    "containerStatuses": [{"state": {"waiting": {}}}]}}),
            json!([
                "test9",
                "0/1",
                "Init:1/2",
                "3 (10s ago)",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // init container failures
        (
            json!({"metadata": {"name": "test10"},
                "spec": {"initContainers": containers(1), "containers": containers(1)},
                "status": {"phase": "Pending", "initContainerStatuses": [
                    {"state": {"terminated": {"exitCode": 1, "signal": 9}}}]}}),
            json!([
                "test10",
                "0/1",
                "Init:Signal:9",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        (
            json!({"metadata": {"name": "test11"},
                "spec": {"initContainers": containers(1), "containers": containers(1)},
                "status": {"phase": "Pending", "initContainerStatuses": [
                    {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
            json!([
                "test11",
                "0/1",
                "Init:CrashLoopBackOff",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // exit code and signal without a reason
        (
            json!({"metadata": {"name": "test12"}, "spec": {"containers": containers(1)},
                "status": {"phase": "Running", "containerStatuses": [
                    {"state": {"terminated": {"exitCode": 137}}}]}}),
            json!([
                "test12",
                "0/1",
                "ExitCode:137",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        (
            json!({"metadata": {"name": "test13"}, "spec": {"containers": containers(1)},
                "status": {"phase": "Running", "containerStatuses": [
                    {"state": {"terminated": {"signal": 15}}}]}}),
            json!([
                "test13",
                "0/1",
                "Signal:15",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // SchedulingGated
        (
            json!({"metadata": {"name": "gated"}, "spec": {"containers": containers(1)},
                "status": {"phase": "Pending", "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}}),
            json!([
                "gated",
                "0/1",
                "SchedulingGated",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
    ];
    for (pod, want) in cases {
        check("", "pods", pod, want);
    }
}

#[test]
fn test_print_pod_with_restartable_init_container() {
    let spec = json!({"initContainers": [
            {"name": "init1"}, {"name": "sidecar", "restartPolicy": "Always"}],
        "containers": [{"name": "main"}]});
    let cases = vec![
        // sidecar started and ready: counted among ready containers once init is done
        (
            json!({"metadata": {"name": "sidecar-running"}, "spec": spec,
                "status": {"phase": "Running",
                    "conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [
                        {"name": "init1", "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                        {"name": "sidecar", "ready": true, "started": true, "restartCount": 2,
                            "state": {"running": {}},
                            "lastState": {"terminated": {"finishedAt": ago(300)}}}],
                    "containerStatuses": [{"name": "main", "ready": true, "state": {"running": {}}}]}}),
            json!([
                "sidecar-running",
                "2/2",
                "Running",
                "2 (5m ago)",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
        // sidecar not started yet
        (
            json!({"metadata": {"name": "sidecar-starting"}, "spec": spec,
                "status": {"phase": "Pending",
                    "initContainerStatuses": [
                        {"name": "init1", "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
                        {"name": "sidecar", "started": false, "state": {"running": {}}}],
                    "containerStatuses": [{"name": "main", "state": {"waiting": {"reason": "PodInitializing"}}}]}}),
            json!([
                "sidecar-starting",
                "0/2",
                "Init:1/2",
                "0",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ]),
        ),
    ];
    for (pod, want) in cases {
        check("", "pods", pod, want);
    }
}

#[test]
fn test_print_pod_wide() {
    let pod = json!({"metadata": {"name": "test1", "creationTimestamp": ago(2 * 3600)},
        "spec": {"containers": containers(2), "nodeName": "test1",
            "readinessGates": [{"conditionType": "condition1"}, {"conditionType": "condition2"}]},
        "status": {"phase": "podPhase",
            "conditions": [{"type": "condition1", "status": "True"}],
            "podIPs": [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
            "nominatedNodeName": "node1",
            "containerStatuses": [
                {"ready": true, "restartCount": 3, "state": {"running": {}}},
                {"restartCount": 3}]}});
    check(
        "",
        "pods",
        pod,
        json!(["test1", "1/2", "podPhase", "6", "120m", "1.1.1.1", "test1", "node1", "1/2"]),
    );
}

#[test]
fn test_print_pod_conditions() {
    let succeeded = json!({"metadata": {"name": "ok"}, "spec": {"containers": containers(1)},
        "status": {"phase": "Succeeded"}});
    let r = row("", "pods", &succeeded, now());
    assert_eq!(r.conditions.len(), 1);
    assert_eq!(
        (
            r.conditions[0].type_.as_str(),
            r.conditions[0].status.as_str(),
            r.conditions[0].reason.as_str()
        ),
        ("Completed", "True", "Succeeded")
    );
    assert_eq!(r.conditions[0].message, "The pod has completed successfully.");
    let failed = json!({"metadata": {"name": "bad"}, "status": {"phase": "Failed"}});
    assert_eq!(row("", "pods", &failed, now()).conditions[0].message, "The pod failed.");
    let running = json!({"metadata": {"name": "r"}, "status": {"phase": "Running"}});
    assert!(row("", "pods", &running, now()).conditions.is_empty());
}

#[test]
fn test_print_terminating_pod() {
    let cases = vec![
        (
            json!({"metadata": {"name": "t", "deletionTimestamp": ago(1)},
                "spec": {"containers": containers(1)}, "status": {"phase": "Running"}}),
            "Terminating",
        ),
        (
            json!({"metadata": {"name": "t", "deletionTimestamp": ago(1)},
                "spec": {"containers": containers(1)},
                "status": {"phase": "Running", "reason": "NodeLost"}}),
            "Unknown",
        ),
        (
            json!({"metadata": {"name": "t", "deletionTimestamp": ago(1)},
                "spec": {"containers": containers(1)}, "status": {"phase": "Succeeded"}}),
            "Succeeded",
        ),
    ];
    for (pod, status) in cases {
        let cells = row("", "pods", &pod, now()).cells;
        assert_eq!(cells[2], json!(status), "{pod}");
    }
}

#[test]
fn test_print_pod_template() {
    check(
        "",
        "podtemplates",
        json!({"metadata": {"name": "pod-template-1"}, "template": {
            "metadata": {"labels": {"foo": "bar"}},
            "spec": {"containers": [{"name": "fake-container1", "image": "fake-image1"},
                {"name": "fake-container2", "image": "fake-image2"}]}}}),
        json!([
            "pod-template-1",
            "fake-container1,fake-container2",
            "fake-image1,fake-image2",
            "foo=bar"
        ]),
    );
    check(
        "",
        "podtemplates",
        json!({"metadata": {"name": "pod-template-2"}, "template": {"spec": {}}}),
        json!(["pod-template-2", "", "", "<none>"]),
    );
}

#[test]
fn test_print_replication_controller() {
    check(
        "",
        "replicationcontrollers",
        json!({"metadata": {"name": "rc1", "creationTimestamp": ago(1)},
            "spec": {"replicas": 5, "selector": {"a": "b"}, "template": {"spec": {"containers": [
                {"name": "test", "image": "test_image"}]}}},
            "status": {"replicas": 5, "readyReplicas": 2}}),
        json!(["rc1", 5, 5, 2, "1s", "test", "test_image", "a=b"]),
    );
}

#[test]
fn test_print_service() {
    let cases = vec![
        (
            json!({"metadata": {"name": "test1", "creationTimestamp": ago(10)},
                "spec": {"type": "ClusterIP", "clusterIP": "10.9.8.7", "clusterIPs": ["10.9.8.7"],
                    "ports": [{"protocol": "TCP", "port": 2233}], "selector": {"foo": "bar"}}}),
            json!(["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/TCP", "10s", "foo=bar"]),
        ),
        (
            json!({"metadata": {"name": "test2"},
                "spec": {"type": "NodePort", "clusterIPs": ["10.9.8.7"],
                    "ports": [{"protocol": "TCP", "port": 8888, "nodePort": 9999}]}}),
            json!([
                "test2",
                "NodePort",
                "10.9.8.7",
                "<none>",
                "8888:9999/TCP",
                "<unknown>",
                "<none>"
            ]),
        ),
        (
            json!({"metadata": {"name": "test3"},
                "spec": {"type": "LoadBalancer", "clusterIPs": ["10.9.8.7"],
                    "ports": [{"protocol": "TCP", "port": 8888}]}}),
            json!([
                "test3",
                "LoadBalancer",
                "10.9.8.7",
                "<pending>",
                "8888/TCP",
                "<unknown>",
                "<none>"
            ]),
        ),
        (
            json!({"metadata": {"name": "test4"},
                "spec": {"type": "LoadBalancer", "clusterIPs": ["10.9.8.7"], "externalIPs": ["80.11.12.10"],
                    "ports": [{"protocol": "TCP", "port": 8888}]},
                "status": {"loadBalancer": {"ingress": [{"ip": "3.4.5.6", "hostname": "test.cluster.com"}]}}}),
            json!([
                "test4",
                "LoadBalancer",
                "10.9.8.7",
                "3.4.5.6,80.11.12.10",
                "8888/TCP",
                "<unknown>",
                "<none>"
            ]),
        ),
        (
            json!({"metadata": {"name": "test5"},
                "spec": {"type": "ExternalName", "externalName": "my.database.example.com"}}),
            json!([
                "test5",
                "ExternalName",
                "<none>",
                "my.database.example.com",
                "<none>",
                "<unknown>",
                "<none>"
            ]),
        ),
        // TestPrintServiceLoadBalancer: the server prints wide, so nothing is elided
        (
            json!({"metadata": {"name": "service4"},
                "spec": {"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"],
                    "ports": [{"port": 80, "protocol": "TCP"}, {"port": 8090, "protocol": "UDP"}]},
                "status": {"loadBalancer": {"ingress": [
                    {"ip": "2.3.4.5"}, {"ip": "3.4.5.6"}, {"ip": "5.6.7.8", "hostname": "host5678"}]}}}),
            json!([
                "service4",
                "LoadBalancer",
                "1.5.6.7",
                "2.3.4.5,3.4.5.6,5.6.7.8",
                "80/TCP,8090/UDP",
                "<unknown>",
                "<none>"
            ]),
        ),
    ];
    for (svc, want) in cases {
        check("", "services", svc, want);
    }
}

#[test]
fn test_print_endpoint() {
    let cases = vec![
        (json!({"metadata": {"name": "e0"}}), "<none>"),
        (
            json!({"metadata": {"name": "e1"}, "subsets": [{"addresses": [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}]}]}),
            "1.2.3.4,5.6.7.8",
        ),
        (
            json!({"metadata": {"name": "e2"}, "subsets": [{"addresses": [{"ip": "1.2.3.4"}],
                "ports": [{"port": 8001, "protocol": "TCP"}, {"port": 8002, "protocol": "TCP"}]}]}),
            "1.2.3.4:8001,1.2.3.4:8002",
        ),
        (
            json!({"metadata": {"name": "e3"}, "subsets": [
                {"addresses": [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}], "ports": [{"port": 8001}]},
                {"addresses": [{"ip": "9.8.7.6"}, {"ip": "fe80::1"}], "ports": [{"port": 8002}]}]}),
            "1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8002 + 1 more...",
        ),
        (
            json!({"metadata": {"name": "e4"}, "subsets": [{"addresses": [{"ip": "fe80::1"}], "ports": [{"port": 80}]}]}),
            "[fe80::1]:80",
        ),
    ];
    for (ep, want) in cases {
        let name = ep["metadata"]["name"].clone();
        check("", "endpoints", ep, json!([name, want, "<unknown>"]));
    }
}

#[test]
fn test_print_node_status() {
    let cases = vec![
        (json!({"conditions": [{"type": "Ready", "status": "True"}]}), false, "Ready"),
        (
            json!({"conditions": [{"type": "Ready", "status": "True"}]}),
            true,
            "Ready,SchedulingDisabled",
        ),
        (
            json!({"conditions": [{"type": "Ready", "status": "True"}, {"type": "Ready", "status": "True"}]}),
            false,
            "Ready",
        ),
        (json!({"conditions": [{"type": "Ready", "status": "False"}]}), false, "NotReady"),
        (
            json!({"conditions": [{"type": "Ready", "status": "False"}]}),
            true,
            "NotReady,SchedulingDisabled",
        ),
        (json!({"conditions": [{"type": "InvalidValue", "status": "True"}]}), false, "Unknown"),
        (json!({"conditions": [{}]}), false, "Unknown"),
        (
            json!({"conditions": [{"type": "InvalidValue", "status": "True"}]}),
            true,
            "Unknown,SchedulingDisabled",
        ),
    ];
    for (status, unschedulable, want) in cases {
        let node = json!({"metadata": {"name": "foo"}, "spec": {"unschedulable": unschedulable}, "status": status});
        let cells = row("", "nodes", &node, now()).cells;
        assert_eq!(cells[1], json!(want), "{node}");
    }
}

#[test]
fn test_print_node() {
    let cases = vec![
        // TestPrintNodeRole
        (
            json!({"metadata": {"name": "foo10", "labels": {"node-role.kubernetes.io/master": "",
                "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/proxy": "",
                "kubernetes.io/role": "node"}}}),
            json!([
                "foo10",
                "Unknown",
                "control-plane,master,node,proxy",
                "<unknown>",
                "",
                "<none>",
                "<none>",
                "<unknown>",
                "<unknown>",
                "<unknown>"
            ]),
        ),
        (
            json!({"metadata": {"name": "foo11", "labels": {"kubernetes.io/role": "node"}}}),
            json!([
                "foo11",
                "Unknown",
                "node",
                "<unknown>",
                "",
                "<none>",
                "<none>",
                "<unknown>",
                "<unknown>",
                "<unknown>"
            ]),
        ),
        // TestPrintNodeOSImage, TestPrintNodeKernelVersion, TestPrintNodeContainerRuntimeVersion
        (
            json!({"metadata": {"name": "foo1"}, "status": {
                "nodeInfo": {"osImage": "fake-os-image", "kernelVersion": "fake-kernel-version",
                    "containerRuntimeVersion": "foo://1.2.3", "kubeletVersion": "v1.35.0"},
                "addresses": [{"type": "ExternalIP", "address": "1.1.1.1"}]}}),
            json!([
                "foo1",
                "Unknown",
                "<none>",
                "<unknown>",
                "v1.35.0",
                "<none>",
                "1.1.1.1",
                "fake-os-image",
                "fake-kernel-version",
                "foo://1.2.3"
            ]),
        ),
        // TestPrintNodeExternalIP / TestPrintNodeInternalIP: the first address of each type
        (
            json!({"metadata": {"name": "foo3"}, "status": {"addresses": [
                {"type": "ExternalIP", "address": "2.2.2.2"}, {"type": "InternalIP", "address": "3.3.3.3"},
                {"type": "ExternalIP", "address": "4.4.4.4"}]}}),
            json!([
                "foo3",
                "Unknown",
                "<none>",
                "<unknown>",
                "",
                "3.3.3.3",
                "2.2.2.2",
                "<unknown>",
                "<unknown>",
                "<unknown>"
            ]),
        ),
    ];
    for (node, want) in cases {
        check("", "nodes", node, want);
    }
}

#[test]
fn test_print_event() {
    let cases = vec![
        // the count and times come from the legacy fields
        (
            "",
            json!({"metadata": {"name": "event1"}, "type": "Normal", "reason": "Event Reason",
                "message": "Message Data", "count": 6,
                "source": {"component": "kubelet", "host": "Node1"},
                "involvedObject": {"kind": "Deployment", "name": "Deployment Name", "fieldPath": "spec.containers{foo}"},
                "firstTimestamp": ago(3 * 24 * 3600), "lastTimestamp": ago(2 * 24 * 3600)}),
            json!([
                "2d",
                "Normal",
                "Event Reason",
                "deployment/Deployment Name",
                "spec.containers{foo}",
                "kubelet, Node1",
                "Message Data",
                "3d",
                6,
                "event1"
            ]),
        ),
        // a series overrides the last time and count; the event time stands in for the first
        (
            "",
            json!({"metadata": {"name": "event2"}, "type": "Normal", "reason": "Event Reason",
                "message": "Message Data", "reportingComponent": "kubelet", "reportingInstance": "Node1",
                "involvedObject": {"kind": "Deployment"},
                "eventTime": format!("{}.000000Z", ago(2 * 24 * 3600).trim_end_matches('Z')),
                "series": {"count": 2, "lastObservedTime": format!("{}.000000Z", ago(24 * 3600).trim_end_matches('Z'))}}),
            json!([
                "24h",
                "Normal",
                "Event Reason",
                "deployment",
                "",
                "kubelet, Node1",
                "Message Data",
                "2d",
                2,
                "event2"
            ]),
        ),
        // singleton events count as 1; missing times print <unknown>
        (
            "",
            json!({"metadata": {"name": "event3"}, "type": "Warning", "message": "  trimmed \n",
                "involvedObject": {"kind": "Pod", "name": "p"}}),
            json!([
                "<unknown>",
                "Warning",
                "",
                "pod/p",
                "",
                "",
                "trimmed",
                "<unknown>",
                1,
                "event3"
            ]),
        ),
        // events.k8s.io/v1 names for the same fields
        (
            "events.k8s.io",
            json!({"apiVersion": "events.k8s.io/v1", "metadata": {"name": "event4"}, "type": "Normal",
                "reason": "Started", "note": "Started container",
                "regarding": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
                "reportingController": "kubelet", "reportingInstance": "node-1",
                "deprecatedFirstTimestamp": ago(600), "deprecatedLastTimestamp": ago(60), "deprecatedCount": 3}),
            json!([
                "60s",
                "Normal",
                "Started",
                "pod/p",
                "spec.containers{c}",
                "kubelet, node-1",
                "Started container",
                "10m",
                3,
                "event4"
            ]),
        ),
    ];
    for (group, ev, want) in cases {
        check(group, "events", ev, want);
    }
}

#[test]
fn test_print_namespace_secret_configmap_service_account() {
    check(
        "",
        "namespaces",
        json!({"metadata": {"name": "ns", "creationTimestamp": ago(90)},
        "status": {"phase": "Active"}}),
        json!(["ns", "Active", "90s"]),
    );
    check(
        "",
        "secrets",
        json!({"metadata": {"name": "s"}, "type": "Opaque",
        "data": {"a": "eA==", "b": "eQ=="}}),
        json!(["s", "Opaque", 2, "<unknown>"]),
    );
    check(
        "",
        "configmaps",
        json!({"metadata": {"name": "cm"}, "data": {"a": "x"},
        "binaryData": {"b": "eQ=="}}),
        json!(["cm", 2, "<unknown>"]),
    );
    check(
        "",
        "serviceaccounts",
        json!({"metadata": {"name": "sa1", "creationTimestamp": ago(0)}}),
        json!(["sa1", "0s"]),
    );
}

#[test]
fn test_print_persistent_volume() {
    check(
        "",
        "persistentvolumes",
        json!({"metadata": {"name": "test1"},
            "spec": {"claimRef": {"name": "test", "namespace": "default"},
                "accessModes": ["ReadOnlyMany", "ReadWriteOnce"], "volumeMode": "Filesystem",
                "persistentVolumeReclaimPolicy": "Retain", "capacity": {"storage": "4Gi"},
                "storageClassName": "fast"},
            "status": {"phase": "Bound"}}),
        json!([
            "test1",
            "4Gi",
            "RWO,ROX",
            "Retain",
            "Bound",
            "default/test",
            "fast",
            "<unset>",
            "",
            "<unknown>",
            "Filesystem"
        ]),
    );
    check(
        "",
        "persistentvolumes",
        json!({"metadata": {"name": "test2", "deletionTimestamp": ago(1),
                "annotations": {"volume.beta.kubernetes.io/storage-class": "beta"}},
            "spec": {"accessModes": ["ReadWriteOncePod"], "capacity": {"storage": "5000M"},
                "volumeAttributesClassName": "vac", "storageClassName": "ignored"},
            "status": {"phase": "Failed", "reason": "Recycling"}}),
        json!([
            "test2",
            "5G",
            "RWOP",
            "",
            "Terminating",
            "",
            "beta",
            "vac",
            "Recycling",
            "<unknown>",
            "<unset>"
        ]),
    );
}

#[test]
fn test_print_persistent_volume_claim() {
    check(
        "",
        "persistentvolumeclaims",
        json!({"metadata": {"name": "test1"},
            "spec": {"volumeName": "my-volume", "volumeMode": "Filesystem", "storageClassName": "c"},
            "status": {"phase": "Bound", "accessModes": ["ReadOnlyMany"], "capacity": {"storage": "4Gi"}}}),
        json!([
            "test1",
            "Bound",
            "my-volume",
            "4Gi",
            "ROX",
            "c",
            "<unset>",
            "<unknown>",
            "Filesystem"
        ]),
    );
    // capacity and access modes show only once bound to a volume
    check(
        "",
        "persistentvolumeclaims",
        json!({"metadata": {"name": "test2"}, "spec": {"volumeAttributesClassName": "vac"},
            "status": {"phase": "Pending", "accessModes": ["ReadOnlyMany"], "capacity": {"storage": "4Gi"}}}),
        json!(["test2", "Pending", "", "", "", "", "vac", "<unknown>", "<unset>"]),
    );
}

#[test]
fn test_print_resource_quota() {
    check(
        "",
        "resourcequotas",
        json!({"metadata": {"name": "rq", "creationTimestamp": ago(3600)},
            "status": {"hard": {"limits.cpu": "2", "requests.memory": "1Gi", "pods": "10", "limits.memory": "2Gi"},
                "used": {"limits.cpu": "500m", "requests.memory": "512Mi", "pods": "3"}}}),
        json!([
            "rq",
            "pods: 3/10, requests.memory: 512Mi/1Gi",
            "limits.cpu: 500m/2, limits.memory: 0/2Gi",
            "60m"
        ]),
    );
}

#[test]
fn test_print_component_status() {
    check(
        "",
        "componentstatuses",
        json!({"metadata": {"name": "etcd-0"},
        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]}),
        json!(["etcd-0", "Healthy", "ok", ""]),
    );
    check(
        "",
        "componentstatuses",
        json!({"metadata": {"name": "scheduler"},
        "conditions": [{"type": "Healthy", "status": "False", "error": "refused"}]}),
        json!(["scheduler", "Unhealthy", "", "refused"]),
    );
    check(
        "",
        "componentstatuses",
        json!({"metadata": {"name": "x"}}),
        json!(["x", "Unknown", "", ""]),
    );
}

fn pod_template() -> Value {
    json!({"spec": {"containers": [{"name": "fake-container1", "image": "fake-image1"},
        {"name": "fake-container2", "image": "fake-image2"}]}})
}

#[test]
fn test_print_deployment() {
    check(
        "apps",
        "deployments",
        json!({"metadata": {"name": "test1", "creationTimestamp": ago(10)},
            "spec": {"replicas": 5, "template": pod_template(),
                "selector": {"matchLabels": {"foo": "bar"}}},
            "status": {"replicas": 10, "updatedReplicas": 2, "availableReplicas": 1, "unavailableReplicas": 4}}),
        json!([
            "test1",
            "0/5",
            2,
            1,
            "10s",
            "fake-container1,fake-container2",
            "fake-image1,fake-image2",
            "foo=bar"
        ]),
    );
    // a nil selector prints as empty, an invalid one as <invalid>
    check(
        "apps",
        "deployments",
        json!({"metadata": {"name": "test2"}, "spec": {"replicas": 1}, "status": {"readyReplicas": 1}}),
        json!(["test2", "1/1", 0, 0, "<unknown>", "", "", ""]),
    );
    check(
        "apps",
        "deployments",
        json!({"metadata": {"name": "test3"}, "spec": {"selector": {"matchExpressions": [
            {"key": "a", "operator": "Bogus"}]}}}),
        json!(["test3", "0/0", 0, 0, "<unknown>", "", "", "<invalid>"]),
    );
}

#[test]
fn test_print_replica_set() {
    check(
        "apps",
        "replicasets",
        json!({"metadata": {"name": "test1", "creationTimestamp": ago(0)},
            "spec": {"replicas": 5, "template": pod_template(), "selector": {"matchLabels": {"foo": "bar"}}},
            "status": {"replicas": 5, "readyReplicas": 2}}),
        json!([
            "test1",
            5,
            5,
            2,
            "0s",
            "fake-container1,fake-container2",
            "fake-image1,fake-image2",
            "foo=bar"
        ]),
    );
}

#[test]
fn test_print_stateful_set() {
    check(
        "apps",
        "statefulsets",
        json!({"metadata": {"name": "test1", "creationTimestamp": ago(0)},
            "spec": {"replicas": 5, "template": pod_template()},
            "status": {"replicas": 5, "readyReplicas": 2}}),
        json!(["test1", "2/5", "0s", "fake-container1,fake-container2", "fake-image1,fake-image2"]),
    );
}

#[test]
fn test_print_daemon_set() {
    check(
        "apps",
        "daemonsets",
        json!({"metadata": {"name": "test1", "creationTimestamp": ago(0)},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}],
                "nodeSelector": {"kubernetes.io/os": "linux"}}},
                "selector": {"matchLabels": {"foo": "bar"}}},
            "status": {"currentNumberScheduled": 2, "desiredNumberScheduled": 3,
                "numberReady": 1, "updatedNumberScheduled": 2, "numberAvailable": 0}}),
        json!(["test1", 3, 2, 1, 2, 0, "kubernetes.io/os=linux", "0s", "c", "i", "foo=bar"]),
    );
}

#[test]
fn test_print_controller_revision() {
    let cases = vec![
        (
            json!([{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "foo", "controller": true}]),
            "daemonset.apps/foo",
        ),
        (json!([{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "foo"}]), "<none>"),
        (
            json!([{"apiVersion": "v1", "kind": "ReplicationController", "name": "rc", "controller": true}]),
            "replicationcontroller/rc",
        ),
        (json!([]), "<none>"),
    ];
    for (owners, want) in cases {
        check(
            "apps",
            "controllerrevisions",
            json!({"metadata": {"name": "test1", "ownerReferences": owners}, "revision": 1}),
            json!(["test1", want, 1, "<unknown>"]),
        );
    }
}

fn job(spec: Value, status: Value) -> Value {
    json!({"metadata": {"name": "job1", "creationTimestamp": ago(0)},
        "spec": spec, "status": status})
}

#[test]
fn test_print_job() {
    let tmpl = pod_template();
    let sel = json!({"matchLabels": {"job-name": "job1"}});
    let cases = vec![
        (
            job(
                json!({"completions": 2, "template": tmpl, "selector": sel}),
                json!({"succeeded": 1}),
            ),
            json!([
                "job1",
                "Running",
                "1/2",
                "",
                "0s",
                "fake-container1,fake-container2",
                "fake-image1,fake-image2",
                "job-name=job1"
            ]),
        ),
        // no completions, parallelism above one
        (
            job(json!({"parallelism": 2}), json!({"succeeded": 0, "startTime": ago(3600)})),
            json!(["job1", "Running", "0/1 of 2", "60m", "0s", "", "", "<none>"]),
        ),
        (
            job(json!({}), json!({"succeeded": 0, "startTime": ago(10)})),
            json!(["job1", "Running", "0/1", "10s", "0s", "", "", "<none>"]),
        ),
        // completed: duration from start to completion
        (
            job(
                json!({"completions": 2}),
                json!({"succeeded": 2, "startTime": ago(7200),
                "completionTime": ago(7200 - 1830),
                "conditions": [{"type": "Complete", "status": "True"}]}),
            ),
            json!(["job1", "Complete", "2/2", "30m", "0s", "", "", "<none>"]),
        ),
        (
            job(
                json!({"completions": 2}),
                json!({"conditions": [{"type": "Failed", "status": "True"}]}),
            ),
            json!(["job1", "Failed", "0/2", "", "0s", "", "", "<none>"]),
        ),
        (
            job(
                json!({"completions": 2}),
                json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
            ),
            json!(["job1", "Suspended", "0/2", "", "0s", "", "", "<none>"]),
        ),
        (
            job(
                json!({"completions": 2}),
                json!({"conditions": [{"type": "FailureTarget", "status": "True"}]}),
            ),
            json!(["job1", "FailureTarget", "0/2", "", "0s", "", "", "<none>"]),
        ),
        (
            job(
                json!({"completions": 2}),
                json!({"conditions": [{"type": "SuccessCriteriaMet", "status": "True"}]}),
            ),
            json!(["job1", "SuccessCriteriaMet", "0/2", "", "0s", "", "", "<none>"]),
        ),
        // a condition that is not True does not count
        (
            job(
                json!({"completions": 2}),
                json!({"conditions": [{"type": "Complete", "status": "False"}]}),
            ),
            json!(["job1", "Running", "0/2", "", "0s", "", "", "<none>"]),
        ),
    ];
    for (j, want) in cases {
        check("batch", "jobs", j, want);
    }
    let mut terminating = job(json!({"completions": 1}), json!({}));
    terminating["metadata"]["deletionTimestamp"] = json!(ago(1));
    check(
        "batch",
        "jobs",
        terminating,
        json!(["job1", "Terminating", "0/1", "", "0s", "", "", "<none>"]),
    );
}

#[test]
fn test_print_cron_job() {
    let spec = json!({"schedule": "0/5 * * * ?", "suspend": false, "jobTemplate": {"spec": {
        "template": pod_template(), "selector": {"matchLabels": {"a": "b"}}}}});
    let cases = vec![
        (
            json!({"metadata": {"name": "cronjob1", "creationTimestamp": ago(0)}, "spec": spec,
                "status": {"lastScheduleTime": ago(30)}}),
            json!([
                "cronjob1",
                "0/5 * * * ?",
                "<none>",
                "False",
                0,
                "30s",
                "0s",
                "fake-container1,fake-container2",
                "fake-image1,fake-image2",
                "a=b"
            ]),
        ),
        (
            json!({"metadata": {"name": "cronjob2", "creationTimestamp": ago(300)},
                "spec": {"schedule": "0/5 * * * ?", "timeZone": "Asia/Tokyo", "jobTemplate": {"spec": {}}},
                "status": {"active": [{"name": "j1"}, {"name": "j2"}]}}),
            json!([
                "cronjob2",
                "0/5 * * * ?",
                "Asia/Tokyo",
                "<unset>",
                2,
                "<none>",
                "5m",
                "",
                "",
                "<none>"
            ]),
        ),
    ];
    for (cj, want) in cases {
        check("batch", "cronjobs", cj, want);
    }
}

#[test]
fn test_print_hpa() {
    let base = |metrics: Value, current: Value| {
        json!({"apiVersion": "autoscaling/v2", "metadata": {"name": "some-hpa"},
            "spec": {"scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
                "minReplicas": 2, "maxReplicas": 10, "metrics": metrics},
            "status": {"currentReplicas": 4, "desiredReplicas": 5, "currentMetrics": current}})
    };
    let cases = vec![
        (base(json!([]), json!([])), "<none>"),
        (
            base(
                json!([{"type": "External", "external": {"metric": {"name": "q"},
                "target": {"type": "AverageValue", "averageValue": "100m"}}}]),
                json!([]),
            ),
            "<unknown>/100m (avg)",
        ),
        (
            base(
                json!([{"type": "External", "external": {"metric": {"name": "q"},
                "target": {"type": "Value", "value": "100m"}}}]),
                json!([{"type": "External", "external": {"metric": {"name": "q"}, "current": {"value": "50m"}}}]),
            ),
            "50m/100m",
        ),
        (
            base(
                json!([{"type": "Pods", "pods": {"metric": {"name": "qps"},
                "target": {"type": "AverageValue", "averageValue": "100m"}}}]),
                json!([{"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "50m"}}}]),
            ),
            "50m/100m",
        ),
        (
            base(
                json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]),
                json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50}}}]),
            ),
            "cpu: 50%/80%",
        ),
        (
            base(
                json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "AverageValue", "averageValue": "100m"}}}]),
                json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "50m"}}}]),
            ),
            "cpu: 50m/100m",
        ),
        (
            base(
                json!([{"type": "ContainerResource", "containerResource": {"name": "memory", "container": "c",
                "target": {"type": "Utilization"}}}]),
                json!([]),
            ),
            "memory: <unknown>/<auto>",
        ),
        (
            base(
                json!([
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 70}}},
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1"}}}]),
                json!([]),
            ),
            "cpu: <unknown>/80%, memory: <unknown>/70% + 1 more...",
        ),
    ];
    for (hpa, targets) in cases {
        check(
            "autoscaling",
            "horizontalpodautoscalers",
            hpa,
            json!(["some-hpa", "ReplicationController/some-rc", targets, "2", 10, 4, "<unknown>"]),
        );
    }
    // an autoscaling/v1 object: the CPU target is the Resource metric it converts to
    check(
        "autoscaling",
        "horizontalpodautoscalers",
        json!({"apiVersion": "autoscaling/v1", "metadata": {"name": "v1-hpa"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                "targetCPUUtilizationPercentage": 60},
            "status": {"currentReplicas": 1, "currentCPUUtilizationPercentage": 12}}),
        json!(["v1-hpa", "Deployment/web", "cpu: 12%/60%", "<unset>", 3, 1, "<unknown>"]),
    );
}

#[test]
fn test_print_pod_disruption_budget() {
    check(
        "policy",
        "poddisruptionbudgets",
        json!({"metadata": {"name": "pdb1", "creationTimestamp": ago(0)},
        "spec": {"minAvailable": 22}, "status": {"disruptionsAllowed": 5}}),
        json!(["pdb1", "22", "N/A", 5, "0s"]),
    );
    check(
        "policy",
        "poddisruptionbudgets",
        json!({"metadata": {"name": "pdb2"},
        "spec": {"maxUnavailable": "11%"}, "status": {"disruptionsAllowed": 5}}),
        json!(["pdb2", "N/A", "11%", 5, "<unknown>"]),
    );
}

#[test]
fn test_print_ingress() {
    check(
        "networking.k8s.io",
        "ingresses",
        json!({"metadata": {"name": "test1", "creationTimestamp": ago(10 * YEAR)},
            "spec": {"ingressClassName": "foo", "defaultBackend": {"service": {"name": "default-backend",
                "port": {"number": 80}}}},
            "status": {"loadBalancer": {"ingress": [{"ip": "2.3.4.5", "hostname": "localhost.localdomain"}]}}}),
        json!(["test1", "foo", "*", "2.3.4.5", "80", "10y"]),
    );
    check(
        "networking.k8s.io",
        "ingresses",
        json!({"metadata": {"name": "test2"},
            "spec": {"tls": [{"hosts": ["a"]}], "rules": [{"host": "a"}, {"host": ""}, {"host": "b"}, {"host": "c"}, {"host": "d"}]}}),
        json!(["test2", "<none>", "a,b,c + 2 more...", "", "80, 443", "<unknown>"]),
    );
}

#[test]
fn test_print_ingress_class() {
    let cases = vec![
        (json!({"kind": "customgroup", "name": "example"}), "customgroup/example"),
        (
            json!({"apiGroup": "example.com", "kind": "customgroup", "name": "example"}),
            "customgroup.example.com/example",
        ),
    ];
    for (params, want) in cases {
        check(
            "networking.k8s.io",
            "ingressclasses",
            json!({"metadata": {"name": "test1", "creationTimestamp": ago(10 * YEAR)},
            "spec": {"controller": "example.com/controller", "parameters": params}}),
            json!(["test1", "example.com/controller", want, "10y"]),
        );
    }
    check(
        "networking.k8s.io",
        "ingressclasses",
        json!({"metadata": {"name": "test2", "creationTimestamp": ago(11 * YEAR + 3 * 24 * 3600)},
        "spec": {"controller": "example.com/controller2"}}),
        json!(["test2", "example.com/controller2", "<none>", "11y"]),
    );
}

#[test]
fn test_print_network_policy() {
    check(
        "networking.k8s.io",
        "networkpolicies",
        json!({"metadata": {"name": "np"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}),
        json!(["np", "app=web", "<unknown>"]),
    );
    check(
        "networking.k8s.io",
        "networkpolicies",
        json!({"metadata": {"name": "all"},
        "spec": {"podSelector": {}}}),
        json!(["all", "<none>", "<unknown>"]),
    );
}

#[test]
fn test_print_endpoint_slice() {
    check(
        "discovery.k8s.io",
        "endpointslices",
        json!({"metadata": {"name": "abcslice.123", "creationTimestamp": ago(10 * YEAR)},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.1.2.3", "2001:db8::1234:5678"]}]}),
        json!(["abcslice.123", "IPv4", "80", "10.1.2.3,2001:db8::1234:5678", "10y"]),
    );
    check(
        "discovery.k8s.io",
        "endpointslices",
        json!({"metadata": {"name": "longerslicename.123"}, "addressType": "IPv6",
            "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}, {"name": "named"}, {}, {"port": 1}],
            "endpoints": [{"addresses": ["10.1.2.3", "2001:db8::1234:5678"]},
                {"addresses": ["10.2.3.4", "2001:db8::2345:6789"]}]}),
        json!([
            "longerslicename.123",
            "IPv6",
            "80,443,named + 2 more...",
            "10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...",
            "<unknown>"
        ]),
    );
    check(
        "discovery.k8s.io",
        "endpointslices",
        json!({"metadata": {"name": "empty"}, "addressType": "FQDN"}),
        json!(["empty", "FQDN", "<unset>", "<unset>", "<unknown>"]),
    );
}

#[test]
fn test_print_service_cidr_and_ip_address() {
    check(
        "networking.k8s.io",
        "servicecidrs",
        json!({"metadata": {"name": "kubernetes"},
        "spec": {"cidrs": ["10.96.0.0/12", "fd00::/108"]}}),
        json!(["kubernetes", "10.96.0.0/12,fd00::/108", "<unknown>"]),
    );
    check(
        "networking.k8s.io",
        "ipaddresses",
        json!({"metadata": {"name": "192.168.2.2", "creationTimestamp": ago(10 * YEAR)},
        "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "foo-svc"}}}),
        json!(["192.168.2.2", "services/default/foo-svc", "10y"]),
    );
    check(
        "networking.k8s.io",
        "ipaddresses",
        json!({"metadata": {"name": "2001:db8::2"},
        "spec": {"parentRef": {"group": "mygroup", "resource": "MyResource", "name": "foo"}}}),
        json!(["2001:db8::2", "myresource.mygroup/foo", "<unknown>"]),
    );
}

#[test]
fn test_print_storage_class() {
    check(
        "storage.k8s.io",
        "storageclasses",
        json!({"metadata": {"name": "sc1", "creationTimestamp": ago(0)},
        "provisioner": "kubernetes.io/glusterfs"}),
        json!(["sc1", "kubernetes.io/glusterfs", "Delete", "Immediate", false, "0s"]),
    );
    check(
        "storage.k8s.io",
        "storageclasses",
        json!({"metadata": {"name": "sc2",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "kubernetes.io/nfs", "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true}),
        json!([
            "sc2 (default)",
            "kubernetes.io/nfs",
            "Retain",
            "WaitForFirstConsumer",
            true,
            "<unknown>"
        ]),
    );
}

#[test]
fn test_print_csi_driver() {
    check(
        "storage.k8s.io",
        "csidrivers",
        json!({"metadata": {"name": "driver1", "creationTimestamp": ago(10 * YEAR)},
        "spec": {"attachRequired": true, "podInfoOnMount": true, "storageCapacity": true,
            "volumeLifecycleModes": ["Persistent"]}}),
        json!(["driver1", true, true, true, "<unset>", false, "Persistent", "10y"]),
    );
    check(
        "storage.k8s.io",
        "csidrivers",
        json!({"metadata": {"name": "driver2"},
        "spec": {"attachRequired": false, "tokenRequests": [{"audience": "a"}, {"audience": "b"}],
            "requiresRepublish": true, "volumeLifecycleModes": ["Ephemeral", "Persistent"]}}),
        json!(["driver2", false, false, false, "a,b", true, "Ephemeral,Persistent", "<unknown>"]),
    );
    check(
        "storage.k8s.io",
        "csidrivers",
        json!({"metadata": {"name": "driver3"}, "spec": {}}),
        json!(["driver3", true, false, false, "<unset>", false, "<none>", "<unknown>"]),
    );
}

#[test]
fn test_print_csi_node_volume_attachment_capacity() {
    check(
        "storage.k8s.io",
        "csinodes",
        json!({"metadata": {"name": "csinode1"},
        "spec": {"drivers": [{"name": "d1"}, {"name": "d2"}]}}),
        json!(["csinode1", 2, "<unknown>"]),
    );
    check(
        "storage.k8s.io",
        "volumeattachments",
        json!({"metadata": {"name": "va1"},
        "spec": {"attacher": "a", "nodeName": "n", "source": {"persistentVolumeName": "pv"}},
        "status": {"attached": true}}),
        json!(["va1", "a", "pv", "n", true, "<unknown>"]),
    );
    check(
        "storage.k8s.io",
        "csistoragecapacities",
        json!({"metadata": {"name": "cap"},
        "storageClassName": "sc", "capacity": "1024Mi"}),
        json!(["cap", "sc", "1Gi"]),
    );
    check(
        "storage.k8s.io",
        "csistoragecapacities",
        json!({"metadata": {"name": "cap2"},
        "storageClassName": "sc"}),
        json!(["cap2", "sc", "<unset>"]),
    );
    check(
        "storage.k8s.io",
        "volumeattributesclasses",
        json!({"metadata": {"name": "vac"},
        "driverName": "d"}),
        json!(["vac", "d", "<unknown>"]),
    );
}

#[test]
fn test_print_role_binding() {
    let subjects = json!([{"kind": "User", "name": "system:kube-controller-manager"},
        {"kind": "Group", "name": "g1"}, {"kind": "Group", "name": "g2"},
        {"kind": "ServiceAccount", "namespace": "kube-system", "name": "default"},
        {"kind": "Other", "name": "x"}]);
    for resource in ["rolebindings", "clusterrolebindings"] {
        check(
            "rbac.authorization.k8s.io",
            resource,
            json!({"metadata": {"name": "binding1", "creationTimestamp": ago(10 * YEAR)},
            "subjects": subjects, "roleRef": {"kind": "Role", "name": "extension-apiserver-authentication-reader"}}),
            json!([
                "binding1",
                "Role/extension-apiserver-authentication-reader",
                "10y",
                "system:kube-controller-manager",
                "g1, g2",
                "kube-system/default"
            ]),
        );
    }
}

#[test]
fn test_print_certificate_signing_request() {
    let cases = vec![
        (json!({}), json!({}), "<none>", "<none>", "Pending"),
        (
            json!({"signerName": "example.com/signer", "expirationSeconds": 7200}),
            json!({"conditions": [{"type": "Approved"}]}),
            "example.com/signer",
            "120m",
            "Approved",
        ),
        (
            json!({"expirationSeconds": 600}),
            json!({"conditions": [{"type": "Approved"}, {"type": "Denied"}, {"type": "Failed"}], "certificate": "Y2VydA=="}),
            "<none>",
            "10m",
            "Denied,Failed,Issued",
        ),
    ];
    for (mut spec, status, signer, duration, condition) in cases {
        spec["username"] = json!("CSRRequestor");
        check(
            "certificates.k8s.io",
            "certificatesigningrequests",
            json!({"metadata": {"name": "csr1", "creationTimestamp": ago(10 * YEAR)}, "spec": spec, "status": status}),
            json!(["csr1", "10y", signer, "CSRRequestor", duration, condition]),
        );
    }
}

#[test]
fn test_print_certificates_and_coordination() {
    check(
        "certificates.k8s.io",
        "clustertrustbundles",
        json!({"metadata": {"name": "ctb1"},
        "spec": {"signerName": "foo.com/bar"}}),
        json!(["ctb1", "foo.com/bar"]),
    );
    check(
        "certificates.k8s.io",
        "clustertrustbundles",
        json!({"metadata": {"name": "ctb2"}, "spec": {}}),
        json!(["ctb2", "<none>"]),
    );
    check(
        "certificates.k8s.io",
        "podcertificaterequests",
        json!({"metadata": {"name": "pcr"},
        "spec": {"podName": "p", "serviceAccountName": "sa", "nodeName": "n", "signerName": "s"},
        "status": {"conditions": [{"type": "Issued", "status": "True"}]}}),
        json!(["pcr", "p", "sa", "n", "s", "Issued"]),
    );
    check(
        "coordination.k8s.io",
        "leases",
        json!({"metadata": {"name": "l", "creationTimestamp": ago(0)},
        "spec": {"holderIdentity": "me"}}),
        json!(["l", "me", "0s"]),
    );
    check(
        "coordination.k8s.io",
        "leases",
        json!({"metadata": {"name": "l2"}, "spec": {}}),
        json!(["l2", "", "<unknown>"]),
    );
    check(
        "coordination.k8s.io",
        "leasecandidates",
        json!({"metadata": {"name": "lc"},
        "spec": {"leaseName": "kube-scheduler", "binaryVersion": "1.35.0", "emulationVersion": "1.35"}}),
        json!(["lc", "kube-scheduler", "1.35.0", "1.35", "<unknown>"]),
    );
}

#[test]
fn test_print_priority_and_runtime_class() {
    check(
        "scheduling.k8s.io",
        "priorityclasses",
        json!({"metadata": {"name": "pc1", "creationTimestamp": ago(10 * YEAR)},
        "value": 1}),
        json!(["pc1", 1, false, "10y", ""]),
    );
    check(
        "scheduling.k8s.io",
        "priorityclasses",
        json!({"metadata": {"name": "pc2"},
        "value": 1_000_000_000, "globalDefault": true, "preemptionPolicy": "PreemptLowerPriority"}),
        json!(["pc2", 1_000_000_000, true, "<unknown>", "PreemptLowerPriority"]),
    );
    check(
        "node.k8s.io",
        "runtimeclasses",
        json!({"metadata": {"name": "rc1", "creationTimestamp": ago(10 * YEAR)},
        "handler": "h1"}),
        json!(["rc1", "h1", "10y"]),
    );
}

#[test]
fn test_print_admission_configuration() {
    for resource in ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"] {
        check(
            "admissionregistration.k8s.io",
            resource,
            json!({"metadata": {"name": "wh"},
            "webhooks": [{"name": "a"}, {"name": "b"}]}),
            json!(["wh", 2, "<unknown>"]),
        );
    }
    check(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        json!({"metadata": {"name": "vap"},
        "spec": {"paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}, "validations": [{"expression": "true"}]}}),
        json!(["vap", 1, "v1/ConfigMap", "<unknown>"]),
    );
    check(
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicies",
        json!({"metadata": {"name": "map"},
        "spec": {"mutations": []}}),
        json!(["map", 0, "<unset>", "<unknown>"]),
    );
}

#[test]
fn test_print_validating_admission_policy_binding() {
    let cases = vec![
        (json!(null), "<unset>"),
        (json!({"name": "p", "namespace": "ns"}), "ns/p"),
        (json!({"name": "p"}), "*/p"),
        (
            json!({"selector": {"matchLabels": {"b": "2", "a": "1"},
                "matchExpressions": [{"key": "k", "operator": "In", "values": ["x", "y"]}]}}),
            "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}",
        ),
    ];
    for (param_ref, want) in cases {
        for resource in ["validatingadmissionpolicybindings", "mutatingadmissionpolicybindings"] {
            check(
                "admissionregistration.k8s.io",
                resource,
                json!({"metadata": {"name": "b"},
                "spec": {"policyName": "policy", "paramRef": param_ref}}),
                json!(["b", "policy", want, "<unknown>"]),
            );
        }
    }
}

#[test]
fn test_print_flow_control() {
    check(
        "flowcontrol.apiserver.k8s.io",
        "flowschemas",
        json!({"metadata": {"name": "all-matcher"},
        "spec": {"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 1000,
            "distinguisherMethod": {"type": "ByUser"}},
        "status": {"conditions": [{"type": "Dangling", "status": "True"}]}}),
        json!(["all-matcher", "global-default", 1000, "ByUser", "<unknown>", "True"]),
    );
    check(
        "flowcontrol.apiserver.k8s.io",
        "flowschemas",
        json!({"metadata": {"name": "x"},
        "spec": {"priorityLevelConfiguration": {"name": "p"}}}),
        json!(["x", "p", 0, "<none>", "<unknown>", "?"]),
    );
    check(
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
        json!({"metadata": {"name": "exempt"},
        "spec": {"type": "Exempt"}}),
        json!(["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "<unknown>"]),
    );
    check(
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
        json!({"metadata": {"name": "global-default"},
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 20,
            "limitResponse": {"type": "Queue", "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}}}),
        json!(["global-default", "Limited", 20, 128, 6, 50, "<unknown>"]),
    );
    check(
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
        json!({"metadata": {"name": "reject"},
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}}}}),
        json!(["reject", "Limited", 5, "<none>", "<none>", "<none>", "<unknown>"]),
    );
}

#[test]
fn test_print_api_service_and_storage_versions() {
    check(
        "apiregistration.k8s.io",
        "apiservices",
        json!({"metadata": {"name": "v1."},
        "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local"}]}}),
        json!(["v1.", "Local", "True", "<unknown>"]),
    );
    check(
        "apiregistration.k8s.io",
        "apiservices",
        json!({"metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
        "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}}),
        json!([
            "v1beta1.metrics.k8s.io",
            "kube-system/metrics-server",
            "False (MissingEndpoints)",
            "<unknown>"
        ]),
    );
    check(
        "apiregistration.k8s.io",
        "apiservices",
        json!({"metadata": {"name": "v1.x"}}),
        json!(["v1.x", "Local", "Unknown", "<unknown>"]),
    );
    check(
        "internal.apiserver.k8s.io",
        "storageversions",
        json!({"metadata": {"name": "sv"},
        "status": {"storageVersions": [{"apiServerID": "a", "encodingVersion": "v1"},
            {"apiServerID": "b", "encodingVersion": "v1"}, {"apiServerID": "c", "encodingVersion": "v1"},
            {"apiServerID": "d", "encodingVersion": "v2"}]}}),
        json!(["sv", "<unset>", "a=v1,b=v1,c=v1 + 1 more...", "<unknown>"]),
    );
    check(
        "storagemigration.k8s.io",
        "storageversionmigrations",
        json!({"metadata": {"name": "m"},
        "spec": {"resource": {"group": "apps", "resource": "deployments"}}}),
        json!(["m", "deployments.apps"]),
    );
}

#[test]
fn test_print_resource() {
    let g = "resource.k8s.io";
    check(
        g,
        "deviceclasses",
        json!({"metadata": {"name": "gpu", "creationTimestamp": ago(0)}}),
        json!(["gpu", "0s"]),
    );
    check(
        g,
        "resourceclaimtemplates",
        json!({"metadata": {"name": "t"}}),
        json!(["t", "<unknown>"]),
    );
    let claims = vec![
        (json!({}), json!({}), "pending"),
        (json!({"deletionTimestamp": ago(1)}), json!({}), "deleted"),
        (json!({}), json!({"allocation": {}}), "allocated"),
        (
            json!({}),
            json!({"allocation": {}, "reservedFor": [{"name": "p"}]}),
            "allocated,reserved",
        ),
        (
            json!({"deletionTimestamp": ago(1)}),
            json!({"allocation": {}, "reservedFor": [{"name": "p"}]}),
            "deleted,allocated,reserved",
        ),
    ];
    for (mut meta, status, want) in claims {
        meta["name"] = json!("c");
        check(
            g,
            "resourceclaims",
            json!({"metadata": meta, "status": status}),
            json!(["c", want, "<unknown>"]),
        );
    }
    check(
        g,
        "resourceslices",
        json!({"metadata": {"name": "s"},
        "spec": {"nodeName": "n", "driver": "d", "pool": {"name": "p"}}}),
        json!(["s", "n", "d", "p", "<unknown>"]),
    );
    check(
        g,
        "resourceslices",
        json!({"metadata": {"name": "s2"}, "spec": {"allNodes": true, "driver": "d", "pool": {"name": "p"}}}),
        json!(["s2", "", "d", "p", "<unknown>"]),
    );
    check(
        g,
        "devicetaintrules",
        json!({"metadata": {"name": "r", "creationTimestamp": ago(3600)},
        "spec": {"taint": {"key": "k", "value": "v", "effect": "NoExecute", "timeAdded": ago(600)}}}),
        json!(["r", "k", "v", "NoExecute", "10m", "60m"]),
    );
    check(
        g,
        "devicetaintrules",
        json!({"metadata": {"name": "r2"}, "spec": {"taint": {"key": "k", "effect": "NoSchedule"}}}),
        json!(["r2", "k", "", "NoSchedule", "", "<unknown>"]),
    );
}

#[test]
fn default_table_convertor() {
    // kinds served with rest.NewDefaultTableConvertor: Name and "Created At" in RFC 3339
    for (group, resource) in [
        ("", "limitranges"),
        ("rbac.authorization.k8s.io", "roles"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("example.com", "widgets"),
    ] {
        assert!(!has_printer(group, resource));
        let columns = column_definitions(group, resource);
        let names: Vec<_> = columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_.as_str(), c.format.as_str()))
            .collect();
        assert_eq!(names, [("Name", "string", "name"), ("Created At", "date", "")]);
        check(
            group,
            resource,
            json!({"metadata": {"name": "x", "creationTimestamp": "2024-01-02T03:04:05Z"}}),
            json!(["x", "2024-01-02T03:04:05Z"]),
        );
        check(
            group,
            resource,
            json!({"metadata": {"name": "y"}}),
            json!(["y", "0001-01-01T00:00:00Z"]),
        );
    }
}

#[test]
fn column_definitions_match_upstream() {
    let pod = column_definitions("", "pods");
    let shape: Vec<_> =
        pod.iter().map(|c| (c.name.as_str(), c.type_.as_str(), c.priority)).collect();
    assert_eq!(
        shape,
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ]
    );
    assert_eq!(pod[0].format, "name");
    assert_eq!(pod[0].description, field_doc::<ObjectMeta>("name"));
    assert_eq!(pod[4].description, field_doc::<ObjectMeta>("creationTimestamp"));
    assert_eq!(pod[5].description, field_doc::<PodStatus>("podIP"));

    let events = column_definitions("events.k8s.io", "events");
    let names: Vec<_> = events.iter().map(|c| (c.name.as_str(), c.priority)).collect();
    assert_eq!(
        names,
        [
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Subobject", 1),
            ("Source", 1),
            ("Message", 0),
            ("First Seen", 1),
            ("Count", 1),
            ("Name", 1),
        ]
    );
    assert_eq!(events[9].format, "name");

    // every printer declares Name first (events aside) and a cell per column
    for printer in ALL.iter().flat_map(|p| p.iter()) {
        let cols = column_definitions(printer.group, printer.resource);
        assert!(!cols.is_empty());
        let r = row(printer.group, printer.resource, &json!({"metadata": {"name": "n"}}), now());
        assert!(r.cells.len() >= cols.len(), "{}/{}", printer.group, printer.resource);
        if printer.resource != "events" {
            assert_eq!(cols[0].name, "Name", "{}/{}", printer.group, printer.resource);
        }
    }
}

#[test]
fn malformed_objects_never_panic() {
    let junk = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({"metadata": 3, "spec": [], "status": "bad"}),
    ];
    for printer in ALL.iter().flat_map(|p| p.iter()) {
        for obj in &junk {
            let _ = row(printer.group, printer.resource, obj, now());
        }
    }
}

#[test]
fn to_table_fills_columns_and_rows() {
    let objs = [json!({"metadata": {"name": "a"}}), json!({"metadata": {"name": "b"}})];
    let table = to_table("", "namespaces", &objs, now());
    assert_eq!(table.kind, "Table");
    assert_eq!(table.api_version, "meta.k8s.io/v1");
    assert_eq!(table.column_definitions.len(), 3);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[1].cells, vec![json!("b"), json!(""), json!("<unknown>")]);
    assert_eq!(table.rows[1].object, Value::Null);
}

#[test]
fn every_documented_column_has_a_description() {
    // a field renamed or dropped in the published schemas would leave its column blank
    for printer in ALL.iter().flat_map(|p| p.iter()) {
        for column in printer.columns {
            if let docs::Doc::Field { field, .. } = column.desc {
                assert!(
                    !column.desc.text().is_empty(),
                    "{}/{} column {:?}: field {field} has no documentation",
                    printer.group,
                    printer.resource,
                    column.name
                );
            }
        }
    }
    assert!(DEFAULT_COLUMNS.iter().all(|c| !c.desc.text().is_empty()));
}
