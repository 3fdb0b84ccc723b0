//! Tests of the protobuf codec: messages built with k8s-pb and prost (so the bytes are the real
//! wire format) decode to the JSON upstream's serializer writes (keys in k8s-openapi's order),
//! JSON round-trips through protobuf, and malformed input is refused.

use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::authentication::v1 as authn;
use k8s_pb::api::authorization::v1 as authz;
use k8s_pb::api::batch::v1 as batch;
use k8s_pb::api::core::v1 as core;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message as _;
use serde_json::{Value, json};

use super::{ListEncoder, ProtobufError, decode, decode_watch_event, encode, encode_watch_event};

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn map<V: Clone>(entries: &[(&str, V)]) -> std::collections::BTreeMap<String, V> {
    entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The envelope upstream's serializer writes around a message.
fn envelope(api_version: &str, kind: &str, msg: &impl prost::Message) -> Vec<u8> {
    let unk = Unknown {
        type_meta: Some(TypeMeta { api_version: s(api_version), kind: s(kind) }),
        raw: Some(msg.encode_to_vec()),
        content_encoding: s(""),
        content_type: s(""),
    };
    let mut out = b"k8s\x00".to_vec();
    out.extend(unk.encode_to_vec());
    out
}

/// ObjectMeta as a Go client sends it: the non-pointer creationTimestamp is always on the wire.
fn object_meta(name: &str) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: s(name),
        creation_timestamp: Some(meta::Time::default()),
        ..Default::default()
    }
}

/// Decodes `data`, compares with `want`, and checks that `want` survives JSON -> protobuf -> JSON.
fn check(name: &str, data: Vec<u8>, want: Value) {
    let got = decode(&data).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
    assert_eq!(got, want, "{name}: decoded JSON");
    assert_eq!(
        serde_json::to_string(&got).ok(),
        serde_json::to_string(&want).ok(),
        "{name}: key order"
    );
    let encoded = encode(&want).unwrap_or_else(|e| panic!("{name}: encode: {e}"));
    let again = decode(&encoded).unwrap_or_else(|e| panic!("{name}: decode after encode: {e}"));
    assert_eq!(again, want, "{name}: round trip");
}

#[test]
fn decodes_what_kubectl_sends() {
    let cases: Vec<(&str, Vec<u8>, Value)> = vec![
        (
            "create namespace",
            envelope(
                "v1",
                "Namespace",
                &core::Namespace {
                    metadata: Some(object_meta("foo")),
                    spec: Some(core::NamespaceSpec::default()),
                    status: Some(core::NamespaceStatus::default()),
                },
            ),
            json!({"kind": "Namespace", "apiVersion": "v1",
                   "metadata": {"creationTimestamp": null, "name": "foo"},
                   "spec": {}, "status": {}}),
        ),
        (
            "create configmap with data and binaryData",
            envelope(
                "v1",
                "ConfigMap",
                &core::ConfigMap {
                    metadata: Some(meta::ObjectMeta {
                        namespace: s("default"),
                        ..object_meta("cm")
                    }),
                    data: map(&[("b", "2".to_string()), ("a", "1".to_string())]),
                    binary_data: map(&[("bin", vec![0u8, 1, 2, 255])]),
                    immutable: None,
                },
            ),
            json!({"kind": "ConfigMap", "apiVersion": "v1",
                   "binaryData": {"bin": "AAEC/w=="}, "data": {"a": "1", "b": "2"},
                   "metadata": {"creationTimestamp": null, "name": "cm", "namespace": "default"}}),
        ),
        (
            "create secret generic: bytes are base64 in JSON",
            envelope(
                "v1",
                "Secret",
                &core::Secret {
                    metadata: Some(object_meta("s")),
                    data: map(&[("password", b"hunter2".to_vec())]),
                    r#type: s("Opaque"),
                    ..Default::default()
                },
            ),
            json!({"kind": "Secret", "apiVersion": "v1",
                   "data": {"password": "aHVudGVyMg=="},
                   "metadata": {"creationTimestamp": null, "name": "s"}, "type": "Opaque"}),
        ),
        ("create deployment", deployment(), deployment_json()),
        ("create service", service(), service_json()),
        (
            "auth can-i",
            envelope(
                "authorization.k8s.io/v1",
                "SelfSubjectAccessReview",
                &authz::SelfSubjectAccessReview {
                    metadata: Some(meta::ObjectMeta {
                        creation_timestamp: Some(meta::Time::default()),
                        ..Default::default()
                    }),
                    spec: Some(authz::SelfSubjectAccessReviewSpec {
                        resource_attributes: Some(authz::ResourceAttributes {
                            namespace: s("default"),
                            verb: s("get"),
                            group: s(""),
                            version: s(""),
                            resource: s("pods"),
                            subresource: s(""),
                            name: s(""),
                            ..Default::default()
                        }),
                        non_resource_attributes: None,
                    }),
                    status: Some(authz::SubjectAccessReviewStatus {
                        allowed: Some(false),
                        denied: Some(false),
                        reason: s(""),
                        evaluation_error: s(""),
                    }),
                },
            ),
            json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                   "metadata": {"creationTimestamp": null},
                   "spec": {"resourceAttributes": {"namespace": "default", "resource": "pods",
                                                   "verb": "get"}},
                   "status": {"allowed": false}}),
        ),
        (
            "create token: expirationSeconds is int64",
            envelope(
                "authentication.k8s.io/v1",
                "TokenRequest",
                &authn::TokenRequest {
                    metadata: Some(object_meta("default")),
                    spec: Some(authn::TokenRequestSpec {
                        audiences: vec!["https://kubernetes.default.svc".into()],
                        expiration_seconds: Some(8_589_934_592),
                        bound_object_ref: None,
                    }),
                    status: Some(authn::TokenRequestStatus {
                        token: s(""),
                        expiration_timestamp: Some(meta::Time::default()),
                    }),
                },
            ),
            json!({"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                   "metadata": {"creationTimestamp": null, "name": "default"},
                   "spec": {"audiences": ["https://kubernetes.default.svc"],
                            "expirationSeconds": 8_589_934_592_i64},
                   "status": {"expirationTimestamp": null, "token": ""}}),
        ),
        ("pod with timestamps", pod(), pod_json()),
    ];
    for (name, data, want) in cases {
        check(name, data, want);
    }
}

fn deployment() -> Vec<u8> {
    let labels = map(&[("app", "nginx".to_string())]);
    let container = core::Container {
        name: s("nginx"),
        image: s("nginx"),
        ports: vec![core::ContainerPort {
            container_port: Some(80),
            protocol: s("TCP"),
            ..Default::default()
        }],
        resources: Some(core::ResourceRequirements {
            limits: map(&[("cpu", Quantity { string: s("500m") })]),
            ..Default::default()
        }),
        ..Default::default()
    };
    envelope(
        "apps/v1",
        "Deployment",
        &apps::Deployment {
            metadata: Some(meta::ObjectMeta { labels: labels.clone(), ..object_meta("nginx") }),
            spec: Some(apps::DeploymentSpec {
                replicas: Some(0),
                selector: Some(meta::LabelSelector {
                    match_labels: labels.clone(),
                    match_expressions: vec![],
                }),
                template: Some(core::PodTemplateSpec {
                    metadata: Some(meta::ObjectMeta {
                        labels,
                        creation_timestamp: Some(meta::Time::default()),
                        ..Default::default()
                    }),
                    spec: Some(core::PodSpec { containers: vec![container], ..Default::default() }),
                }),
                strategy: Some(apps::DeploymentStrategy {
                    r#type: s("RollingUpdate"),
                    rolling_update: Some(apps::RollingUpdateDeployment {
                        max_unavailable: Some(IntOrString {
                            r#type: Some(0),
                            int_val: Some(1),
                            str_val: s(""),
                        }),
                        max_surge: Some(IntOrString {
                            r#type: Some(1),
                            int_val: Some(0),
                            str_val: s("25%"),
                        }),
                    }),
                }),
                min_ready_seconds: Some(0),
                paused: Some(false),
                ..Default::default()
            }),
            status: Some(apps::DeploymentStatus::default()),
        },
    )
}

/// `replicas: 0` stays (a pointer that was set); `minReadySeconds: 0` and `paused: false` go
/// (omitempty non-pointers); `resources` and `strategy` are structs, never omitted.
fn deployment_json() -> Value {
    json!({"kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"creationTimestamp": null, "labels": {"app": "nginx"}, "name": "nginx"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "nginx"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
                         "type": "RollingUpdate"},
            "template": {
                "metadata": {"creationTimestamp": null, "labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "image": "nginx", "name": "nginx",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {"limits": {"cpu": "500m"}}
                }]}
            }
        },
        "status": {}})
}

fn service() -> Vec<u8> {
    let port = |name: &str, port: i32, target: IntOrString| core::ServicePort {
        name: s(name),
        protocol: s("TCP"),
        port: Some(port),
        target_port: Some(target),
        node_port: Some(0),
        app_protocol: None,
    };
    envelope(
        "v1",
        "Service",
        &core::Service {
            metadata: Some(object_meta("web")),
            spec: Some(core::ServiceSpec {
                ports: vec![
                    port(
                        "http",
                        80,
                        IntOrString { r#type: Some(0), int_val: Some(8080), str_val: s("") },
                    ),
                    port(
                        "https",
                        443,
                        IntOrString { r#type: Some(1), int_val: Some(0), str_val: s("https") },
                    ),
                ],
                selector: map(&[("app", "web".to_string())]),
                cluster_ip: s(""),
                r#type: s("ClusterIP"),
                session_affinity: s(""),
                ..Default::default()
            }),
            status: Some(core::ServiceStatus {
                load_balancer: Some(core::LoadBalancerStatus::default()),
                conditions: vec![],
            }),
        },
    )
}

fn service_json() -> Value {
    json!({"kind": "Service", "apiVersion": "v1",
        "metadata": {"creationTimestamp": null, "name": "web"},
        "spec": {
            "ports": [
                {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                {"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}
            ],
            "selector": {"app": "web"},
            "type": "ClusterIP"
        },
        "status": {"loadBalancer": {}}})
}

fn pod() -> Vec<u8> {
    let t = |secs: i64| Some(meta::Time { seconds: Some(secs), nanos: Some(0) });
    envelope(
        "v1",
        "Pod",
        &core::Pod {
            metadata: Some(meta::ObjectMeta {
                namespace: s("default"),
                uid: s("6b1f6a1e-0000-4000-8000-000000000001"),
                resource_version: s("42"),
                generation: Some(0),
                creation_timestamp: t(1_700_000_000),
                deletion_timestamp: t(1_700_000_300),
                deletion_grace_period_seconds: Some(30),
                managed_fields: vec![meta::ManagedFieldsEntry {
                    manager: s("kubectl"),
                    operation: s("Update"),
                    api_version: s("v1"),
                    time: t(1_700_000_000),
                    fields_type: s("FieldsV1"),
                    fields_v1: Some(meta::FieldsV1 { raw: Some(br#"{"f:spec":{}}"#.to_vec()) }),
                    subresource: s(""),
                }],
                ..object_meta("p")
            }),
            spec: Some(core::PodSpec {
                containers: vec![core::Container {
                    name: s("c"),
                    image: s("busybox"),
                    stdin: Some(false),
                    ..Default::default()
                }],
                termination_grace_period_seconds: Some(30),
                ..Default::default()
            }),
            status: Some(core::PodStatus {
                phase: s("Running"),
                conditions: vec![core::PodCondition {
                    r#type: s("Ready"),
                    status: s("True"),
                    last_probe_time: Some(meta::Time::default()),
                    last_transition_time: t(1_700_000_100),
                    ..Default::default()
                }],
                start_time: t(1_700_000_001),
                ..Default::default()
            }),
        },
    )
}

fn pod_json() -> Value {
    json!({"kind": "Pod", "apiVersion": "v1",
    "metadata": {
        "creationTimestamp": "2023-11-14T22:13:20Z",
        "deletionGracePeriodSeconds": 30,
        "deletionTimestamp": "2023-11-14T22:18:20Z",
        "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:spec": {}}, "manager": "kubectl",
                           "operation": "Update", "time": "2023-11-14T22:13:20Z"}],
        "name": "p", "namespace": "default", "resourceVersion": "42",
        "uid": "6b1f6a1e-0000-4000-8000-000000000001"
    },
    "spec": {
        "containers": [{"image": "busybox", "name": "c", "resources": {}}],
        "terminationGracePeriodSeconds": 30
    },
    "status": {
        "conditions": [{"lastProbeTime": null, "lastTransitionTime": "2023-11-14T22:15:00Z",
                        "status": "True", "type": "Ready"}],
        "phase": "Running",
        "startTime": "2023-11-14T22:13:21Z"
    }})
}

#[test]
fn special_types_round_trip() {
    let cases = [
        (
            "MicroTime keeps microseconds",
            json!({"kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
                   "metadata": {"name": "l", "creationTimestamp": null},
                   "spec": {"holderIdentity": "a", "renewTime": "2024-02-29T23:59:59.123456Z",
                            "leaseDurationSeconds": 15}}),
        ),
        (
            "ResourceQuota hard limits",
            json!({"kind": "ResourceQuota", "apiVersion": "v1",
                   "metadata": {"name": "q", "creationTimestamp": null},
                   "spec": {"hard": {"cpu": "2", "memory": "1Gi"}},
                   "status": {}}),
        ),
        (
            "List kinds and RawExtension",
            json!({"kind": "ControllerRevisionList", "apiVersion": "apps/v1",
                   "metadata": {"resourceVersion": "7"},
                   "items": [{"metadata": {"name": "r", "creationTimestamp": null},
                              "data": {"spec": {"replicas": 2}}, "revision": 3}]}),
        ),
        (
            "Status",
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "pods \"x\" not found", "reason": "NotFound",
                   "details": {"name": "x", "kind": "pods"}, "code": 404}),
        ),
        (
            "APIResourceList verbs",
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
                   "resources": [{"name": "pods", "singularName": "pod", "namespaced": true,
                                  "kind": "Pod", "verbs": ["get", "list"],
                                  "shortNames": ["po"]}]}),
        ),
        (
            "CRD schema unions",
            json!({"kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1",
                   "metadata": {"name": "foos.example.com", "creationTimestamp": null},
                   "spec": {"group": "example.com",
                            "names": {"plural": "foos", "kind": "Foo"},
                            "scope": "Namespaced",
                            "versions": [{"name": "v1", "served": true, "storage": true,
                                "schema": {"openAPIV3Schema": {"type": "object",
                                    "additionalProperties": false,
                                    "properties": {"a": {"type": "array",
                                        "items": {"type": "string"}, "default": ["x"]}}}}}]},
                   "status": {"conditions": [], "acceptedNames": {"plural": "", "kind": ""},
                              "storedVersions": ["v1"]}}),
        ),
    ];
    for (name, obj) in cases {
        let data = encode(&obj).unwrap_or_else(|e| panic!("{name}: encode: {e}"));
        let got = decode(&data).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
        // Empty lists are not on the wire, so they come back absent, as from Go.
        let mut want = obj.clone();
        if let Some(status) = want.pointer_mut("/status").and_then(Value::as_object_mut) {
            status.retain(|_, v| v != &json!([]));
        }
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn encode_matches_prost_bytes_of_the_same_message() {
    // Namespace as gogo writes it: every non-pointer field present, zero or not.
    let obj = json!({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": "foo", "creationTimestamp": null}});
    let data = encode(&obj).expect("encode");
    let unk = Unknown::decode(&data[4..]).expect("envelope");
    assert_eq!(unk.type_meta.as_ref().and_then(|t| t.kind.as_deref()), Some("Namespace"));
    let ns = core::Namespace::decode(unk.raw.as_deref().unwrap_or_default()).expect("message");
    let md = ns.metadata.expect("metadata");
    assert_eq!(md.name.as_deref(), Some("foo"));
    assert_eq!(md.generate_name.as_deref(), Some(""));
    assert_eq!(md.generation, Some(0));
    assert_eq!(md.creation_timestamp, Some(meta::Time::default()));
    assert_eq!(md.deletion_timestamp, None);
    assert!(ns.spec.is_some() && ns.status.is_some());
}

/// Go holds optional scalars such as `activeDeadlineSeconds`, `suspend` or
/// `deletionGracePeriodSeconds` by pointer: unset they stay off the wire (a Go client reads
/// them as nil, not as a zero that would fail a job at once or mark a pod as being deleted),
/// and a zero that is set is written and kept.
#[test]
fn pointer_fields_are_written_only_when_set() {
    let job = json!({"apiVersion": "batch/v1", "kind": "Job",
                     "metadata": {"name": "j", "creationTimestamp": null},
                     "spec": {"template": {"metadata": {"creationTimestamp": null},
                                           "spec": {"containers": []}}}});
    let data = encode(&job).expect("encode");
    let unk = Unknown::decode(&data[4..]).expect("envelope");
    let got = batch::Job::decode(unk.raw.as_deref().unwrap_or_default()).expect("message");
    let md = got.metadata.expect("metadata");
    assert_eq!((md.deletion_grace_period_seconds, md.generation), (None, Some(0)));
    let spec = got.spec.expect("spec");
    assert_eq!(spec.active_deadline_seconds, None);
    assert_eq!(spec.ttl_seconds_after_finished, None);
    assert_eq!(spec.suspend, None);
    assert_eq!(spec.parallelism, None);
    let pod = spec.template.and_then(|t| t.spec).expect("pod spec");
    assert_eq!(pod.active_deadline_seconds, None);
    assert_eq!(pod.automount_service_account_token, None);
    // Non-pointer scalars are on the wire even when zero.
    assert_eq!(pod.host_network, Some(false));
    assert_eq!(pod.restart_policy.as_deref(), Some(""));

    let mut zeros = job.clone();
    zeros["spec"]["activeDeadlineSeconds"] = json!(0);
    zeros["spec"]["suspend"] = json!(false);
    let data = encode(&zeros).expect("encode");
    let unk = Unknown::decode(&data[4..]).expect("envelope");
    let got = batch::Job::decode(unk.raw.as_deref().unwrap_or_default()).expect("message");
    let spec = got.spec.expect("spec");
    assert_eq!((spec.active_deadline_seconds, spec.suspend), (Some(0), Some(false)));
    let back = decode(&data).expect("decode");
    assert_eq!(back["spec"]["activeDeadlineSeconds"], json!(0));
    assert_eq!(back["spec"]["suspend"], json!(false));
    assert!(back["spec"].get("ttlSecondsAfterFinished").is_none());
    assert!(back["metadata"].get("deletionGracePeriodSeconds").is_none());
}

/// Go's embedded structs (`json:",inline"`: a volume's source, a probe's handler, an ingress
/// rule's value) are one message on the wire and the parent's own fields in JSON.
#[test]
fn embedded_structs_are_inlined() {
    let probe = core::Probe {
        handler: Some(core::ProbeHandler {
            http_get: Some(core::HttpGetAction {
                path: s("/healthz"),
                port: Some(IntOrString { r#type: Some(0), int_val: Some(8080), str_val: s("") }),
                host: s(""),
                scheme: s("HTTP"),
                http_headers: vec![],
            }),
            ..Default::default()
        }),
        period_seconds: Some(5),
        ..Default::default()
    };
    let volume = core::Volume {
        name: s("config"),
        volume_source: Some(core::VolumeSource {
            config_map: Some(core::ConfigMapVolumeSource {
                local_object_reference: Some(core::LocalObjectReference { name: s("app") }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let pod = core::Pod {
        metadata: Some(object_meta("p")),
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: s("c"),
                image: s("nginx"),
                readiness_probe: Some(probe),
                ..Default::default()
            }],
            volumes: vec![volume],
            ..Default::default()
        }),
        status: Some(core::PodStatus::default()),
    };
    let got = decode(&envelope("v1", "Pod", &pod)).expect("decode");
    let spec = &got["spec"];
    assert_eq!(spec["volumes"][0], json!({"name": "config", "configMap": {"name": "app"}}));
    let probe = &spec["containers"][0]["readinessProbe"];
    assert_eq!(probe["httpGet"]["path"], json!("/healthz"));
    assert_eq!(probe["httpGet"]["port"], json!(8080));
    assert_eq!(probe["periodSeconds"], json!(5));
    assert!(probe.get("").is_none() && spec["volumes"][0].get("").is_none());

    // And back: the parent's JSON fields fill the embedded message.
    let data = encode(&got).expect("encode");
    let unk = Unknown::decode(&data[4..]).expect("envelope");
    let again = core::Pod::decode(unk.raw.as_deref().unwrap_or_default()).expect("message");
    let spec = again.spec.expect("spec");
    let source = spec.volumes[0].volume_source.as_ref().expect("volume source");
    let config_map = source.config_map.as_ref().expect("configMap");
    let name = config_map.local_object_reference.as_ref().and_then(|r| r.name.as_deref());
    assert_eq!(name, Some("app"));
    let probe = spec.containers[0].readiness_probe.as_ref().expect("probe");
    let get = probe.handler.as_ref().and_then(|h| h.http_get.as_ref()).expect("httpGet");
    assert_eq!(get.path.as_deref(), Some("/healthz"));
    assert_eq!(decode(&data).expect("decode"), got);

    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "i", "creationTimestamp": null},
        "spec": {"rules": [{"host": "foo.com", "http": {"paths": [{"path": "/bar",
            "pathType": "Exact",
            "backend": {"service": {"name": "svc1", "port": {"number": 8080}}}}]}}]},
        "status": {"loadBalancer": {}}});
    let back = decode(&encode(&ingress).expect("encode")).expect("decode");
    assert_eq!(back["spec"], ingress["spec"]);
}

#[test]
fn watch_event_frames() {
    let obj = json!({"kind": "ConfigMap", "apiVersion": "v1",
                     "metadata": {"name": "cm", "creationTimestamp": null},
                     "data": {"k": "v"}});
    let frame = encode_watch_event("ADDED", &obj).expect("encode");
    let len = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
    assert_eq!(len, frame.len() - 4);
    let ev = meta::WatchEvent::decode(&frame[4..]).expect("prost decodes the frame");
    assert_eq!(ev.r#type.as_deref(), Some("ADDED"));
    let (ty, got) = decode_watch_event(&frame[4..]).expect("decode");
    assert_eq!((ty.as_str(), got), ("ADDED", obj));
}

#[test]
fn refuses_malformed_input() {
    let good = envelope("v1", "Namespace", &core::Namespace::default());
    let mut truncated_varint = b"k8s\x00".to_vec();
    truncated_varint.extend([0x0a, 0x80]);
    let mut bad_length = b"k8s\x00".to_vec();
    bad_length.extend([0x12, 0x10, 0x01]);
    let mut bad_inner = b"k8s\x00".to_vec();
    bad_inner.extend(
        Unknown {
            type_meta: Some(TypeMeta { api_version: s("v1"), kind: s("Namespace") }),
            raw: Some(vec![0x0a, 0x05, 0x01]),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let cases: Vec<(&str, Vec<u8>, ProtobufError)> = vec![
        ("empty data", vec![], ProtobufError::EmptyData),
        ("bad magic", b"{\"kind\":\"Pod\"}".to_vec(), ProtobufError::NotProtobuf),
        ("magic only", b"k8s\x00".to_vec(), ProtobufError::EmptyBody),
        ("truncated varint", truncated_varint, ProtobufError::Malformed("unexpected EOF".into())),
        ("length past the end", bad_length, ProtobufError::Malformed("unexpected EOF".into())),
        ("truncated inner message", bad_inner, ProtobufError::Malformed("unexpected EOF".into())),
        (
            "custom resource",
            envelope("example.com/v1", "Foo", &core::Namespace::default()),
            ProtobufError::UnknownKind { api_version: "example.com/v1".into(), kind: "Foo".into() },
        ),
        ("no kind", envelope("v1", "", &core::Namespace::default()), ProtobufError::MissingKind),
    ];
    assert!(decode(&good).is_ok());
    for (name, data, want) in cases {
        assert_eq!(decode(&data), Err(want), "{name}");
    }
    let unknown = json!({"apiVersion": "example.com/v1", "kind": "Foo"});
    assert!(matches!(encode(&unknown), Err(ProtobufError::UnknownKind { .. })));
    let wrong_type = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": 5}});
    assert!(matches!(encode(&wrong_type), Err(ProtobufError::Encode(_))));
}

#[test]
fn time_and_duration_spellings() {
    use super::timefmt::{format_duration, format_rfc3339, parse_duration, parse_rfc3339};
    assert_eq!(format_rfc3339(0, None), "1970-01-01T00:00:00Z");
    assert_eq!(format_rfc3339(951_868_800, Some(5)), "2000-03-01T00:00:00.000005Z");
    assert_eq!(parse_rfc3339("2023-11-14T23:13:20+01:00"), Some((1_700_000_000, 0)));
    assert_eq!(parse_rfc3339("2023-11-14T22:13:20.5Z"), Some((1_700_000_000, 500_000_000)));
    assert_eq!(parse_rfc3339("2023-11-14 22:13:20Z"), None);
    for (nanos, text) in [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (2_000_000, "2ms"),
        (1_500_000_000, "1.5s"),
        (90_000_000_000, "1m30s"),
        (3_600_000_000_000, "1h0m0s"),
        (-5_000_000_000, "-5s"),
    ] {
        assert_eq!(format_duration(nanos), text);
        assert_eq!(parse_duration(text), Some(nanos), "{text}");
    }
    assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
    assert_eq!(parse_duration("5"), None);
}

#[test]
fn lists_encoded_item_by_item_match_whole_lists() {
    let pod = |name: &str| {
        json!({"metadata": {"name": name, "namespace": "default", "resourceVersion": "7"},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]},
               "status": {"phase": "Pending"}})
    };
    let list = json!({
        "kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "9", "continue": "abc", "remainingItemCount": 3},
        "items": [pod("a"), pod("b"), {}],
    });
    let mut enc = ListEncoder::new("v1", "PodList").unwrap();
    for item in list["items"].as_array().unwrap() {
        enc.push(item).unwrap();
    }
    assert_eq!(enc.finish(&list).unwrap(), encode(&list).unwrap());
    let empty = json!({"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {}});
    let enc = ListEncoder::new("v1", "ConfigMapList").unwrap();
    assert_eq!(enc.finish(&empty).unwrap(), encode(&empty).unwrap());
    let enc = ListEncoder::new("v1", "ConfigMapList").unwrap();
    assert!(enc.finish(&list).is_err(), "another list kind");
    assert!(ListEncoder::new("v1", "Pod").is_err());
    assert!(ListEncoder::new("x/v1", "WidgetList").is_err());
}
