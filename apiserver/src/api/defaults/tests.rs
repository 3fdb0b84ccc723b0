//! Table tests for the defaulters and the strategy mutations, named after upstream's
//! pkg/apis/*/v1/defaults_test.go and pkg/registry/*/strategy_test.go cases.

use serde_json::{Value, json};

use super::super::{prepare_for_create, prepare_for_status_update, prepare_for_update};
use super::default_object;

struct Case {
    name: &'static str,
    group: &'static str,
    kind: &'static str,
    input: Value,
    want: Value,
}

fn check(cases: Vec<Case>, apply: impl Fn(&str, &str, &mut Value)) {
    for c in cases {
        let mut got = c.input.clone();
        apply(c.group, c.kind, &mut got);
        let mut diffs = Vec::new();
        diff("", &got, &c.want, &mut diffs);
        assert!(diffs.is_empty(), "{}:\n{}", c.name, diffs.join("\n"));
    }
}

/// The paths where two JSON values differ, with both sides.
fn diff(path: &str, got: &Value, want: &Value, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, gv) in g {
                match w.get(k) {
                    Some(wv) => diff(&format!("{path}.{k}"), gv, wv, out),
                    None => out.push(format!("{path}.{k}: unexpected {gv}")),
                }
            }
            for (k, wv) in w {
                if !g.contains_key(k) {
                    out.push(format!("{path}.{k}: missing {wv}"));
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                diff(&format!("{path}[{i}]"), gv, wv, out);
            }
        }
        _ if got != want => out.push(format!("{path}: got {got}, want {want}")),
        _ => {}
    }
}

fn defaulted_container(name: &str, image: &str, pull: &str) -> Value {
    json!({
        "name": name,
        "image": image,
        "imagePullPolicy": pull,
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    })
}

fn defaulted_template_spec(containers: Value) -> Value {
    json!({
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
    })
}

#[test]
fn test_set_defaults_core() {
    let mut pod_spec =
        defaulted_template_spec(json!([defaulted_container("c", "nginx", "Always")]));
    pod_spec["enableServiceLinks"] = json!(true);
    check(
        vec![
            Case {
                name: "TestSetDefaultPod: minimal pod",
                group: "",
                kind: "Pod",
                input: json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
                want: json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                    "spec": pod_spec}),
            },
            Case {
                name: "TestSetDefaultRequestsPod: requests default to limits, quantities canonical",
                group: "",
                kind: "Pod",
                input: json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                    "spec": {"containers": [{"name": "c", "image": "nginx:1.25",
                        "resources": {"limits": {"cpu": "1000m", "memory": "0.5Gi"},
                                      "requests": {"cpu": "100m"}},
                        "ports": [{"containerPort": 80}],
                        "readinessProbe": {"httpGet": {"port": 80}},
                        "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]}}),
                want: {
                    let mut c = defaulted_container("c", "nginx:1.25", "IfNotPresent");
                    c["resources"] = json!({"limits": {"cpu": "1", "memory": "512Mi"},
                        "requests": {"cpu": "100m", "memory": "512Mi"}});
                    c["ports"] = json!([{"containerPort": 80, "protocol": "TCP"}]);
                    c["readinessProbe"] = json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3});
                    c["env"] = json!([{"name": "N", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}]);
                    let mut spec = defaulted_template_spec(json!([c]));
                    spec["enableServiceLinks"] = json!(true);
                    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
                },
            },
            Case {
                name: "TestSetDefaultPodSpecHostNetwork: host ports follow container ports",
                group: "",
                kind: "Pod",
                input: json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x@sha256:abc",
                    "ports": [{"containerPort": 8080}]}]}}),
                want: {
                    let mut c = defaulted_container("c", "x@sha256:abc", "IfNotPresent");
                    c["ports"] =
                        json!([{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]);
                    let mut spec = defaulted_template_spec(json!([c]));
                    spec["enableServiceLinks"] = json!(true);
                    spec["hostNetwork"] = json!(true);
                    json!({"spec": spec})
                },
            },
            Case {
                name: "TestSetDefaultVolume: empty source becomes emptyDir, modes 0644",
                group: "",
                kind: "PodTemplate",
                input: json!({"template": {"spec": {"containers": [{"name": "c", "image": "busybox:latest"}],
                    "volumes": [{"name": "a"}, {"name": "b", "secret": {"secretName": "s"}},
                                {"name": "c", "configMap": {"name": "cm"}},
                                {"name": "d", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
                                {"name": "e", "hostPath": {"path": "/x"}}]}}}),
                want: {
                    let mut spec = defaulted_template_spec(json!([defaulted_container(
                        "c",
                        "busybox:latest",
                        "Always"
                    )]));
                    spec["volumes"] = json!([
                        {"name": "a", "emptyDir": {}},
                        {"name": "b", "secret": {"secretName": "s", "defaultMode": 420}},
                        {"name": "c", "configMap": {"name": "cm", "defaultMode": 420}},
                        {"name": "d", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"path": "t", "expirationSeconds": 3600}}]}},
                        {"name": "e", "hostPath": {"path": "/x", "type": ""}},
                    ]);
                    json!({"template": {"spec": spec}})
                },
            },
            Case {
                name: "TestSetDefaultService: ClusterIP, None affinity, TCP, targetPort = port",
                group: "",
                kind: "Service",
                input: json!({"spec": {"ports": [{"port": 80}], "selector": {"app": "a"}}}),
                want: json!({"spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                    "selector": {"app": "a"}, "type": "ClusterIP", "sessionAffinity": "None",
                    "internalTrafficPolicy": "Cluster"}}),
            },
            Case {
                name: "TestSetDefaultServiceSessionAffinityConfig and LoadBalancer defaults",
                group: "",
                kind: "Service",
                input: json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
                    "ports": [{"port": 443, "targetPort": "https"}]}}),
                want: json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
                    "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
                    "ports": [{"port": 443, "targetPort": "https", "protocol": "TCP"}],
                    "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                    "allocateLoadBalancerNodePorts": true}}),
            },
            Case {
                name: "TestSetDefaultNamespace: name label and Active phase",
                group: "",
                kind: "Namespace",
                input: json!({"metadata": {"name": "ns"}}),
                want: json!({"metadata": {"name": "ns", "labels": {"kubernetes.io/metadata.name": "ns"}},
                    "status": {"phase": "Active"}}),
            },
            Case {
                name: "TestSetDefaultSecret: Opaque, stringData merged into data",
                group: "",
                kind: "Secret",
                input: json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}}),
                want: json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}}),
            },
            Case {
                name: "TestSetDefaultPersistentVolumeClaim",
                group: "",
                kind: "PersistentVolumeClaim",
                input: json!({"spec": {"resources": {"requests": {"storage": "1Gi"}}}}),
                want: json!({"spec": {"resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "Filesystem"},
                    "status": {"phase": "Pending"}}),
            },
            Case {
                name: "TestSetDefaultNodeStatusAllocatable",
                group: "",
                kind: "Node",
                input: json!({"status": {"capacity": {"cpu": "2"}}}),
                want: json!({"status": {"capacity": {"cpu": "2"}, "allocatable": {"cpu": "2"}}}),
            },
            Case {
                name: "unknown kinds are left alone",
                group: "example.com",
                kind: "Widget",
                input: json!({"spec": {}}),
                want: json!({"spec": {}}),
            },
        ],
        default_object,
    );
}

#[test]
fn test_set_defaults_apps_batch() {
    let template_in = json!({"metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    let template_out = json!({"metadata": {"labels": {"app": "a"}},
        "spec": defaulted_template_spec(json!([defaulted_container("c", "nginx", "Always")]))});
    let mut job_template = template_out.clone();
    job_template["spec"]["restartPolicy"] = json!("Never");
    let mut job_template_in = template_in.clone();
    job_template_in["spec"]["restartPolicy"] = json!("Never");
    check(
        vec![
            Case {
                name: "TestSetDefaultDeployment",
                group: "apps",
                kind: "Deployment",
                input: json!({"spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template_in}}),
                want: json!({"spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template_out,
                    "replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}}}),
            },
            Case {
                name: "TestSetDefaultDaemonSetSpec",
                group: "apps",
                kind: "DaemonSet",
                input: json!({"spec": {"template": template_in}}),
                want: json!({"spec": {"template": template_out, "revisionHistoryLimit": 10,
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}}}),
            },
            Case {
                name: "TestSetDefaultStatefulSet",
                group: "apps",
                kind: "StatefulSet",
                input: json!({"spec": {"template": template_in}}),
                want: json!({"spec": {"template": template_out, "replicas": 1,
                    "revisionHistoryLimit": 10, "podManagementPolicy": "OrderedReady",
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                    "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}}),
            },
            Case {
                name: "TestSetDefaultReplicaSetReplicas",
                group: "apps",
                kind: "ReplicaSet",
                input: json!({"spec": {"selector": {}}}),
                want: json!({"spec": {"selector": {}, "replicas": 1}}),
            },
            Case {
                name: "TestSetDefaultJob: non-parallel job",
                group: "batch",
                kind: "Job",
                input: json!({"spec": {"template": job_template_in}}),
                want: json!({"metadata": {"labels": {"app": "a"}}, "spec": {"template": job_template,
                    "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
                    "suspend": false, "podReplacementPolicy": "TerminatingOrFailed", "manualSelector": false}}),
            },
            Case {
                name: "TestSetDefaultCronJob",
                group: "batch",
                kind: "CronJob",
                input: json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": job_template_in}}}}),
                want: json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": job_template}},
                    "concurrencyPolicy": "Allow", "suspend": false, "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 1}}),
            },
            Case {
                name: "TestSetDefaultHorizontalPodAutoscaler (v2)",
                group: "autoscaling",
                kind: "HorizontalPodAutoscaler",
                input: json!({"apiVersion": "autoscaling/v2", "spec": {"maxReplicas": 3,
                    "scaleTargetRef": {"kind": "Deployment", "name": "d"}, "behavior": {}}}),
                want: json!({"apiVersion": "autoscaling/v2", "spec": {"maxReplicas": 3, "minReplicas": 1,
                    "scaleTargetRef": {"kind": "Deployment", "name": "d"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80}}}],
                    "behavior": {
                        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                            {"type": "Pods", "value": 4, "periodSeconds": 15},
                            {"type": "Percent", "value": 100, "periodSeconds": 15}]},
                        "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
                            {"type": "Percent", "value": 100, "periodSeconds": 15}]}}}}),
            },
            Case {
                name: "TestSetDefaultNetworkPolicy: egress rules add the Egress type",
                group: "networking.k8s.io",
                kind: "NetworkPolicy",
                input: json!({"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}}),
                want: json!({"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}],
                    "policyTypes": ["Ingress", "Egress"]}}),
            },
            Case {
                name: "TestSetDefaultRoleBinding: subject and roleRef API groups",
                group: "rbac.authorization.k8s.io",
                kind: "RoleBinding",
                input: json!({"roleRef": {"kind": "Role", "name": "r"},
                    "subjects": [{"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "sa"}]}),
                want: json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
                    "subjects": [{"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"},
                                 {"kind": "ServiceAccount", "name": "sa"}]}),
            },
            Case {
                name: "TestSetDefaultStorageClass and PriorityClass",
                group: "storage.k8s.io",
                kind: "StorageClass",
                input: json!({"provisioner": "p"}),
                want: json!({"provisioner": "p", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}),
            },
        ],
        default_object,
    );
}

#[test]
fn test_image_pull_policy_defaults() {
    for (image, want) in [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry.example.com:5000/team/app", "Always"),
        ("registry.example.com:5000/team/app:v1", "IfNotPresent"),
        ("nginx@sha256:0123", "IfNotPresent"),
        ("nginx:latest@sha256:0123", "Always"),
        ("", "IfNotPresent"),
        ("Nginx", "IfNotPresent"),
    ] {
        assert_eq!(super::core::default_pull_policy(image), want, "{image:?}");
    }
}

#[test]
fn test_strategy_prepare_for_create() {
    check(
        vec![
            Case {
                name: "TestPodStrategyPrepareForCreate: Pending and QoS class",
                group: "",
                kind: "Pod",
                input: json!({"spec": {"containers": [{"name": "c", "image": "nginx",
                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}, "status": {"phase": "Running"}}),
                want: {
                    let mut c = defaulted_container("c", "nginx", "Always");
                    c["resources"] = json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}});
                    let mut spec = defaulted_template_spec(json!([c]));
                    spec["enableServiceLinks"] = json!(true);
                    json!({"spec": spec, "status": {"phase": "Pending", "qosClass": "Guaranteed"}})
                },
            },
            Case {
                name: "TestPodStrategyPrepareForCreate: scheduling gates add PodScheduled=False",
                group: "",
                kind: "Pod",
                input: json!({"spec": {"schedulingGates": [{"name": "g"}],
                    "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}}),
                want: {
                    let mut c = defaulted_container("c", "nginx", "Always");
                    c["resources"] = json!({"requests": {"cpu": "1"}});
                    let mut spec = defaulted_template_spec(json!([c]));
                    spec["enableServiceLinks"] = json!(true);
                    spec["schedulingGates"] = json!([{"name": "g"}]);
                    json!({"spec": spec, "status": {"phase": "Pending", "qosClass": "Burstable",
                        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
                            "message": "Scheduling is blocked due to non-empty scheduling gates"}]}})
                },
            },
            Case {
                name: "TestNamespaceStrategy: kubernetes finalizer and Active phase",
                group: "",
                kind: "Namespace",
                input: json!({"metadata": {"name": "ns"}, "status": {"phase": "Terminating"}}),
                want: json!({"metadata": {"name": "ns", "labels": {"kubernetes.io/metadata.name": "ns"}},
                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
            },
            Case {
                name: "TestServiceStrategy: status cleared, single-stack IPv4",
                group: "",
                kind: "Service",
                input: json!({"spec": {"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                    "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]},
                    "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}),
                want: json!({"spec": {"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                    "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                    "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]},
                    "status": {"loadBalancer": {}}}),
            },
            Case {
                name: "TestJobStrategy: generated selector and labels",
                group: "batch",
                kind: "Job",
                input: json!({"metadata": {"name": "j", "uid": "u1"}, "spec": {"manualSelector": false,
                    "template": {"metadata": {"labels": {"app": "a"}}}}}),
                want: json!({"metadata": {"name": "j", "uid": "u1", "labels": {"app": "a"}},
                    "spec": {"manualSelector": false,
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                    "template": {"metadata": {"labels": {"app": "a", "job-name": "j",
                        "batch.kubernetes.io/job-name": "j", "controller-uid": "u1",
                        "batch.kubernetes.io/controller-uid": "u1"}},
                        "spec": defaulted_template_spec(json!([]))},
                    "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
                    "suspend": false, "podReplacementPolicy": "TerminatingOrFailed"},
                    "status": {}}),
            },
            Case {
                name: "TestStatefulSetStrategy: status zeroes as Go writes them",
                group: "apps",
                kind: "StatefulSet",
                input: json!({"status": {"replicas": 3}}),
                want: {
                    let mut got = json!({"status": {"replicas": 0, "availableReplicas": 0}});
                    default_object("apps", "StatefulSet", &mut got);
                    got
                },
            },
        ],
        prepare_for_create,
    );
}

#[test]
fn test_strategy_prepare_for_update() {
    let old = json!({"metadata": {"name": "d", "labels": {"a": "1"}}, "spec": {"replicas": 1},
        "status": {"replicas": 1}});
    let mut new = json!({"metadata": {"name": "d", "labels": {"a": "2"}}, "spec": {"replicas": 5},
        "status": {"replicas": 9}});
    prepare_for_update("", "ReplicationController", &mut new, &old);
    assert_eq!(new["status"], json!({"replicas": 1}), "update keeps the stored status");
    assert_eq!(new["spec"]["replicas"], json!(5));

    let mut status = json!({"metadata": {"name": "d", "labels": {"a": "2"}}, "spec": {"replicas": 5},
        "status": {"replicas": 9}});
    prepare_for_status_update("", "ReplicationController", "status", &mut status, &old);
    assert_eq!(status["spec"]["replicas"], json!(1), "status update keeps the stored spec");
    assert_eq!(status["metadata"]["labels"], json!({"a": "2"}), "but the written labels");
    assert_eq!(status["status"], json!({"replicas": 9}));

    let ns_old = json!({"metadata": {"name": "n"}, "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}});
    let mut ns_new = json!({"metadata": {"name": "n"}, "spec": {"finalizers": []}, "status": {"phase": "Terminating"}});
    prepare_for_update("", "Namespace", &mut ns_new, &ns_old);
    assert_eq!(ns_new["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns_new["status"]["phase"], json!("Active"));
}

#[test]
fn test_pod_qos_class() {
    use k8s_openapi::api::core::v1::Pod;
    for (name, pod, want) in [
        ("best effort", json!({"spec": {"containers": [{"name": "c"}]}}), "BestEffort"),
        (
            "guaranteed",
            json!({"spec": {"containers": [{"name": "c", "resources": {
                "limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1Gi"}}}]}}),
            "Guaranteed",
        ),
        (
            "burstable: requests below limits",
            json!({"spec": {"containers": [{"name": "c", "resources": {
                "limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}}}]}}),
            "Burstable",
        ),
        (
            "burstable: one container without limits",
            json!({"spec": {"containers": [
                {"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}}},
                {"name": "b"}]}}),
            "Burstable",
        ),
        (
            "extended resources do not count",
            json!({"spec": {"containers": [{"name": "c", "resources": {"limits": {"example.com/gpu": "1"}}}]}}),
            "BestEffort",
        ),
    ] {
        let pod: Pod = serde_json::from_value(pod).unwrap_or_default();
        assert_eq!(super::super::strategy::pod_qos_class(&pod), want, "{name}");
    }
}

/// Defaulting and preparation keep the object's members where they were: the type first as the
/// decoder put it (so the stored JSON is what a create answers with), new members after.
#[test]
fn test_prepare_keeps_type_first() {
    let mut pod = json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}
    });
    prepare_for_create("", "Pod", &mut pod);
    let keys: Vec<&str> = pod.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys[..4], ["kind", "apiVersion", "metadata", "spec"]);
    assert!(pod.get("status").is_some());
    // Without a type, none is added.
    let mut bare = json!({"metadata": {"name": "p"}, "spec": {"containers": []}});
    prepare_for_create("", "Pod", &mut bare);
    assert!(bare.get("kind").is_none() && bare.get("apiVersion").is_none());
    assert_eq!(bare.as_object().unwrap().keys().next().map(String::as_str), Some("metadata"));
}
