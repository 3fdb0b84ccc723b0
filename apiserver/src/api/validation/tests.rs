//! Table tests for validation, named after upstream's validation_test.go cases. Objects go
//! through defaulting and the strategy first, as the registry sends them, and the exact
//! rendered field errors are compared.

use serde_json::{Value, json};

use super::super::{default_object, prepare_for_create, prepare_for_update};
use super::{validate_create, validate_status_update, validate_update};

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// What a case does: create an object, update one (new, old), or update its status.
pub(super) enum Op {
    Create(Value),
    Update(Value, Value),
    Status(Value, Value),
}

/// One table case; the kinds' own test modules share this table and [`check`].
pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) group: &'static str,
    pub(super) kind: &'static str,
    pub(super) resource: &'static str,
    pub(super) op: Op,
    /// The rendered errors; `…` in an entry stands for any text.
    pub(super) want: Vec<String>,
}

pub(super) fn check(cases: Vec<Case>) {
    for c in cases {
        let errs = match c.op {
            Op::Create(mut obj) => {
                prepare_for_create(c.group, c.kind, &mut obj);
                validate_create(c.group, c.resource, &obj)
            }
            Op::Update(mut new, mut old) => {
                default_object(c.group, c.kind, &mut old);
                default_object(c.group, c.kind, &mut new);
                prepare_for_update(c.group, c.kind, &mut new, &old);
                validate_update(c.group, c.resource, &new, &old)
            }
            Op::Status(new, old) => {
                validate_status_update(c.group, c.resource, "status", &new, &old)
            }
        };
        let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let matches = got.len() == c.want.len()
            && got.iter().zip(&c.want).all(|(g, w)| match w.split_once('…') {
                Some((prefix, suffix)) => g.starts_with(prefix) && g.ends_with(suffix),
                None => g == w,
            });
        assert!(matches, "{}:\n got: {got:#?}\nwant: {:#?}", c.name, c.want);
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

fn pod(name: &str, containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
        "spec": {"containers": containers}})
}

pub(super) fn stored(mut obj: Value, rv: &str) -> Value {
    obj["metadata"]["resourceVersion"] = json!(rv);
    obj["metadata"]["uid"] = json!("uid-1");
    obj
}

#[test]
fn test_validate_object_meta() {
    check(vec![
        Case {
            name: "TestValidateObjectMetaNamespaces: invalid subdomain name",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(json!({"metadata": {"name": "Foo", "namespace": "ns"}})),
            want: vec![format!("metadata.name: Invalid value: \"Foo\": {SUBDOMAIN_MSG}")],
        },
        Case {
            name: "TestValidateObjectMeta: name required, namespace required",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(json!({"metadata": {}})),
            want: vec![
                s("metadata.name: Required value: name or generateName is required"),
                s("metadata.namespace: Required value"),
            ],
        },
        Case {
            name: "TestValidateObjectMeta: generateName checked as a prefix",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(
                json!({"metadata": {"name": "ok-abcde", "generateName": "Bad-", "namespace": "ns"}}),
            ),
            want: vec![format!("metadata.generateName: Invalid value: \"Bad-\": {SUBDOMAIN_MSG}")],
        },
        Case {
            name: "TestValidateNamespace: namespace forbidden on cluster-scoped kinds",
            group: "",
            kind: "Namespace",
            resource: "namespaces",
            op: Op::Create(json!({"metadata": {"name": "a.b", "namespace": "x"}})),
            want: vec![
                s("metadata.name: Invalid value: \"a.b\": must not contain dots"),
                s("metadata.namespace: Forbidden: not allowed on this type"),
            ],
        },
        Case {
            name: "TestValidateObjectMeta: labels, annotations, finalizers, generation",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(json!({"metadata": {"name": "a", "namespace": "ns", "generation": -1,
                "labels": {"k": "bad value"}, "annotations": {"a/b/c": ""},
                "finalizers": ["foo", "example.com/ok"]}})),
            want: vec![
                s("metadata.generation: Invalid value: -1: must be greater than or equal to 0"),
                s(
                    "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                ),
                s(
                    "metadata.annotations: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ),
                s(
                    "metadata.finalizers[0]: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified",
                ),
            ],
        },
        Case {
            name: "TestValidateObjectMetaOwnerReferences: only one controller",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(
                json!({"metadata": {"name": "a", "namespace": "ns", "ownerReferences": [
                {"apiVersion": "v1", "kind": "A", "name": "x", "uid": "1", "controller": true},
                {"apiVersion": "", "kind": "B", "name": "y", "uid": "2", "controller": true}]}}),
            ),
            want: vec![
                s(
                    "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
                ),
                s("metadata.ownerReferences: Invalid value: …"),
            ],
        },
        Case {
            name: "TestValidateObjectMetaUpdateIgnoresCreationTimestamp: immutable name, rv required",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Update(
                json!({"metadata": {"name": "b", "namespace": "ns", "uid": "uid-1"}}),
                stored(json!({"metadata": {"name": "a", "namespace": "ns"}}), "5"),
            ),
            want: vec![
                s("metadata.resourceVersion: Invalid value: \"\": must be specified for an update"),
                s("metadata.name: Invalid value: \"b\": field is immutable"),
            ],
        },
        Case {
            name: "unknown resources pass",
            group: "example.com",
            kind: "Widget",
            resource: "widgets",
            op: Op::Create(json!({"metadata": {"name": "Not_Valid"}})),
            want: vec![],
        },
        Case {
            name: "other built-in resources get the metadata checks",
            group: "discovery.k8s.io",
            kind: "EndpointSlice",
            resource: "endpointslices",
            op: Op::Create(
                json!({"addressType": "IPv4", "endpoints": [], "metadata": {"name": "x"}}),
            ),
            want: vec![s("metadata.namespace: Required value")],
        },
    ]);
}

#[test]
fn test_validate_pod() {
    check(vec![
        Case {
            name: "TestValidatePodCreate: valid",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(pod(
                "p",
                json!([{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"}],
                "env": [{"name": "A", "value": "1"}], "resources": {"limits": {"cpu": "1"}}}]),
            )),
            want: vec![],
        },
        Case {
            name: "TestValidatePodSpec: containers required",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(pod("p", json!([]))),
            want: vec![s("spec.containers: Required value")],
        },
        Case {
            name: "TestValidateContainers: name, image, ports, env",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(pod(
                "p",
                json!([{"name": "C_1", "ports": [{"containerPort": 70000, "protocol": "HTTP"}],
                "env": [{"name": ""}]}]),
            )),
            want: vec![
                format!("spec.containers[0].name: Invalid value: \"C_1\": {LABEL_MSG}"),
                s("spec.containers[0].image: Required value"),
                s(
                    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                ),
                s(
                    "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                ),
                s("spec.containers[0].env[0].name: Required value"),
            ],
        },
        Case {
            name: "TestValidateContainers: duplicate names, unknown volume mount",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(pod(
                "p",
                json!([{"name": "c", "image": "a"},
                {"name": "c", "image": "b", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}]),
            )),
            want: vec![
                s("spec.containers[1].volumeMounts[0].name: Not found: \"v\""),
                s("spec.containers[1].name: Duplicate value: \"c\""),
            ],
        },
        Case {
            name: "TestValidateResourceRequirements: requests above limits",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(pod(
                "p",
                json!([{"name": "c", "image": "a",
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"memory": "2Gi", "foo": "1"}}}]),
            )),
            want: vec![
                s(
                    "spec.containers[0].resources.requests[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
                ),
                s(
                    "spec.containers[0].resources.requests[foo]: Invalid value: \"foo\": must be a standard resource for containers",
                ),
                s(
                    "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi",
                ),
            ],
        },
        Case {
            name: "TestValidatePodSpec: restart and DNS policy",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(json!({"metadata": {"name": "p", "namespace": "ns"}, "spec": {
                "restartPolicy": "Sometimes", "dnsPolicy": "Bogus",
                "containers": [{"name": "c", "image": "a"}]}})),
            want: vec![
                s(
                    "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
                ),
                s(
                    "spec.dnsPolicy: Unsupported value: \"Bogus\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
                ),
            ],
        },
        Case {
            name: "TestValidateVolumes: name and source",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(json!({"metadata": {"name": "p", "namespace": "ns"}, "spec": {
                "volumes": [{"name": "a", "secret": {"secretName": ""}}, {"name": "a", "emptyDir": {}},
                            {"name": "b", "configMap": {"name": "x", "defaultMode": 1000}}],
                "containers": [{"name": "c", "image": "a"}]}})),
            want: vec![
                // The first "a" is invalid, so upstream does not count it for duplicates.
                s("spec.volumes[0].secret.secretName: Required value"),
                s(
                    "spec.volumes[2].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
                ),
            ],
        },
        Case {
            name: "TestValidatePodCreateWithSchedulingGates: nodeName with gates",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Create(json!({"metadata": {"name": "p", "namespace": "ns"}, "spec": {
                "nodeName": "n1", "schedulingGates": [{"name": "g"}],
                "containers": [{"name": "c", "image": "a"}]}})),
            want: vec![s(
                "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared",
            )],
        },
        Case {
            name: "TestValidatePodUpdate: image may change",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Update(
                stored(pod("p", json!([{"name": "c", "image": "b"}])), "2"),
                stored(pod("p", json!([{"name": "c", "image": "a"}])), "2"),
            ),
            want: vec![],
        },
        Case {
            name: "TestValidatePodUpdate: other spec fields may not",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Update(
                stored(pod("p", json!([{"name": "c", "image": "a", "workingDir": "/x"}])), "2"),
                stored(pod("p", json!([{"name": "c", "image": "a"}])), "2"),
            ),
            want: vec![s(
                "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n…",
            )],
        },
        Case {
            name: "TestValidatePodUpdate: containers may not be added",
            group: "",
            kind: "Pod",
            resource: "pods",
            op: Op::Update(
                stored(
                    pod("p", json!([{"name": "c", "image": "a"}, {"name": "d", "image": "a"}])),
                    "2",
                ),
                stored(pod("p", json!([{"name": "c", "image": "a"}])), "2"),
            ),
            want: vec![s(
                "spec.containers: Forbidden: pod updates may not add or remove containers",
            )],
        },
    ]);
}

fn template(labels: Value, restart: &str) -> Value {
    json!({"metadata": {"labels": labels},
        "spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": "nginx"}]}})
}

#[test]
fn test_validate_workloads() {
    let deploy = |sel: Value, labels: Value| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"},
            "spec": {"selector": sel, "template": template(labels, "Always")}})
    };
    check(vec![
        Case {
            name: "TestValidateDeployment: valid",
            group: "apps",
            kind: "Deployment",
            resource: "deployments",
            op: Op::Create(deploy(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}))),
            want: vec![],
        },
        Case {
            name: "TestValidateDeployment: selector does not match template labels",
            group: "apps",
            kind: "Deployment",
            resource: "deployments",
            op: Op::Create(deploy(json!({"matchLabels": {"app": "a"}}), json!({"app": "b"}))),
            want: vec![s(
                "spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`",
            )],
        },
        Case {
            name: "TestValidateDeployment: selector required",
            group: "apps",
            kind: "Deployment",
            resource: "deployments",
            op: Op::Create(json!({"metadata": {"name": "d", "namespace": "ns"},
                "spec": {"template": template(json!({"app": "a"}), "Always")}})),
            want: vec![
                s("spec.selector: Required value"),
                s(
                    "spec.template.metadata.labels: Invalid value: {\"app\":\"a\"}: `selector` does not match template `labels`",
                ),
            ],
        },
        Case {
            name: "TestValidateDeployment: rolling update percentages",
            group: "apps",
            kind: "Deployment",
            resource: "deployments",
            op: Op::Create({
                let mut d = deploy(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}));
                d["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "110%", "maxSurge": "x"}});
                d
            }),
            want: vec![
                s(
                    "spec.strategy.rollingUpdate.maxSurge: Invalid value: x: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                ),
                s(
                    "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 110%: must not be greater than 100%",
                ),
            ],
        },
        Case {
            name: "TestValidateDeploymentUpdate: selector is immutable in apps/v1",
            group: "apps",
            kind: "Deployment",
            resource: "deployments",
            op: Op::Update(
                stored(
                    deploy(
                        json!({"matchLabels": {"app": "a", "x": "y"}}),
                        json!({"app": "a", "x": "y"}),
                    ),
                    "3",
                ),
                stored(deploy(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"})), "3"),
            ),
            want: vec![s(
                "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"a\",\"x\":\"y\"}}: field is immutable",
            )],
        },
        Case {
            name: "TestValidateDaemonSet: restart policy must be Always",
            group: "apps",
            kind: "DaemonSet",
            resource: "daemonsets",
            op: Op::Create(json!({"metadata": {"name": "ds", "namespace": "ns"},
                "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template(json!({"app": "a"}), "Never")}})),
            want: vec![s(
                "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
            )],
        },
        Case {
            name: "TestValidateStatefulSetUpdate: only some fields may change",
            group: "apps",
            kind: "StatefulSet",
            resource: "statefulsets",
            op: Op::Update(
                stored(
                    json!({"metadata": {"name": "s", "namespace": "ns"}, "spec": {"serviceName": "b",
                    "selector": {"matchLabels": {"app": "a"}}, "template": template(json!({"app": "a"}), "Always")}}),
                    "4",
                ),
                stored(
                    json!({"metadata": {"name": "s", "namespace": "ns"}, "spec": {"serviceName": "a",
                    "selector": {"matchLabels": {"app": "a"}}, "template": template(json!({"app": "a"}), "Always")}}),
                    "4",
                ),
            ),
            want: vec![s(
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            )],
        },
        Case {
            name: "TestValidateJob: pods of jobs may not restart Always",
            group: "batch",
            kind: "Job",
            resource: "jobs",
            op: Op::Create(json!({"metadata": {"name": "j", "namespace": "ns", "uid": "u"},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})),
            want: vec![s(
                "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
            )],
        },
        Case {
            name: "TestValidateJob: valid generated selector",
            group: "batch",
            kind: "Job",
            resource: "jobs",
            op: Op::Create(json!({"metadata": {"name": "j", "namespace": "ns", "uid": "u"},
                "spec": {"template": template(json!({"app": "a"}), "Never")}})),
            want: vec![],
        },
        Case {
            name: "TestValidateCronJob: schedule and name length",
            group: "batch",
            kind: "CronJob",
            resource: "cronjobs",
            op: Op::Create(json!({"metadata": {"name": "a".repeat(53), "namespace": "ns"},
                "spec": {"schedule": "bad", "jobTemplate": {"spec": {"template": template(json!({}), "OnFailure")}}}})),
            want: vec![
                format!(
                    "metadata.name: Invalid value: \"{}\": must be no more than 52 characters",
                    "a".repeat(53)
                ),
                s(
                    "spec.schedule: Invalid value: \"bad\": expected exactly 5 fields, found 1: [bad]",
                ),
            ],
        },
    ]);
}

#[test]
fn test_validate_core_kinds() {
    check(vec![
        Case {
            name: "TestValidateService: ports required, name must be a DNS-1035 label",
            group: "",
            kind: "Service",
            resource: "services",
            op: Op::Create(json!({"metadata": {"name": "1svc", "namespace": "ns"}, "spec": {}})),
            want: vec![
                s(
                    "metadata.name: Invalid value: \"1svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                ),
                s("spec.ports: Required value"),
            ],
        },
        Case {
            name: "TestValidateService: multiple ports need names; nodePort on ClusterIP",
            group: "",
            kind: "Service",
            resource: "services",
            op: Op::Create(json!({"metadata": {"name": "svc", "namespace": "ns"}, "spec": {
                "ports": [{"port": 80, "nodePort": 30000}, {"port": 81, "name": "b"}]}})),
            want: vec![
                s("spec.ports[0].name: Required value"),
                s("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
            ],
        },
        Case {
            name: "TestValidateServiceUpdate: clusterIP may not change",
            group: "",
            kind: "Service",
            resource: "services",
            op: Op::Update(
                stored(
                    json!({"metadata": {"name": "svc", "namespace": "ns"}, "spec": {"clusterIP": "10.0.0.2",
                    "clusterIPs": ["10.0.0.2"], "ports": [{"port": 80}], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}}),
                    "7",
                ),
                stored(
                    json!({"metadata": {"name": "svc", "namespace": "ns"}, "spec": {"clusterIP": "10.0.0.1",
                    "clusterIPs": ["10.0.0.1"], "ports": [{"port": 80}], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}}),
                    "7",
                ),
            ),
            want: vec![s(
                "spec.clusterIPs[0]: Invalid value: [\"10.0.0.2\"]: may not change once set",
            )],
        },
        Case {
            name: "TestValidateSecret: TLS keys required",
            group: "",
            kind: "Secret",
            resource: "secrets",
            op: Op::Create(
                json!({"metadata": {"name": "s", "namespace": "ns"}, "type": "kubernetes.io/tls"}),
            ),
            want: vec![s("data[tls.crt]: Required value"), s("data[tls.key]: Required value")],
        },
        Case {
            name: "TestValidateSecretUpdate: immutable data and type",
            group: "",
            kind: "Secret",
            resource: "secrets",
            op: Op::Update(
                stored(
                    json!({"metadata": {"name": "s", "namespace": "ns"}, "type": "Other", "immutable": true, "data": {"k": "Yg=="}}),
                    "2",
                ),
                stored(
                    json!({"metadata": {"name": "s", "namespace": "ns"}, "immutable": true, "data": {"k": "YQ=="}}),
                    "2",
                ),
            ),
            want: vec![
                s("type: Invalid value: \"Other\": field is immutable"),
                s("data: Forbidden: field is immutable when `immutable` is set"),
            ],
        },
        Case {
            name: "TestValidateConfigMap: keys and binaryData duplicates",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(
                json!({"metadata": {"name": "c", "namespace": "ns"}, "data": {"a b": "", "k": ""},
                "binaryData": {"k": ""}}),
            ),
            want: vec![
                s(
                    "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                ),
                s("data[k]: Invalid value: \"k\": duplicate of key present in binaryData"),
            ],
        },
        Case {
            name: "TestValidateConfigMap: 1 MiB limit",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Create(
                json!({"metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "x".repeat(1024 * 1024 + 1)}}),
            ),
            want: vec![s("[]: Too long: may not be more than 1048576 bytes")],
        },
        Case {
            name: "TestValidateConfigMapUpdate: immutable",
            group: "",
            kind: "ConfigMap",
            resource: "configmaps",
            op: Op::Update(
                stored(
                    json!({"metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "2"}}),
                    "2",
                ),
                stored(
                    json!({"metadata": {"name": "c", "namespace": "ns"}, "immutable": true, "data": {"k": "1"}}),
                    "2",
                ),
            ),
            want: vec![
                s("immutable: Forbidden: field is immutable when `immutable` is set"),
                s("data: Forbidden: field is immutable when `immutable` is set"),
            ],
        },
        Case {
            name: "TestValidateNamespaceStatusUpdate",
            group: "",
            kind: "Namespace",
            resource: "namespaces",
            op: Op::Status(
                json!({"metadata": {"name": "n", "resourceVersion": "1"}, "status": {"phase": "Terminating"}}),
                json!({"metadata": {"name": "n", "resourceVersion": "1"}, "status": {"phase": "Active"}}),
            ),
            want: vec![s(
                "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
            )],
        },
    ]);
}

#[test]
fn test_validate_other_kinds() {
    let binding = |role: &str| {
        json!({"metadata": {"name": "b", "namespace": "ns"}, "roleRef": {"kind": "Role", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": "default"}]})
    };
    check(vec![
        Case {
            name: "TestValidateRole: rules need verbs, groups and resources",
            group: "rbac.authorization.k8s.io",
            kind: "Role",
            resource: "roles",
            op: Op::Create(
                json!({"metadata": {"name": "r:x", "namespace": "ns"}, "rules": [{"verbs": []}]}),
            ),
            want: vec![
                s("rules[0].verbs: Required value: verbs must contain at least one value"),
                s(
                    "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
                ),
                s(
                    "rules[0].resources: Required value: resource rules must supply at least one resource",
                ),
            ],
        },
        Case {
            name: "TestValidateRoleBinding: subjects and names as path segments",
            group: "rbac.authorization.k8s.io",
            kind: "RoleBinding",
            resource: "rolebindings",
            op: Op::Create(
                json!({"metadata": {"name": "a/b", "namespace": "ns"}, "roleRef": {"kind": "Thing", "name": "r"},
                "subjects": [{"kind": "Robot", "name": "x"}]}),
            ),
            want: vec![
                s("metadata.name: Invalid value: \"a/b\": may not contain '/'"),
                s(
                    "roleRef.kind: Unsupported value: \"Thing\": supported values: \"Role\", \"ClusterRole\"",
                ),
                s(
                    "subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
                ),
            ],
        },
        Case {
            name: "TestValidateRoleBindingUpdate: roleRef is immutable",
            group: "rbac.authorization.k8s.io",
            kind: "RoleBinding",
            resource: "rolebindings",
            op: Op::Update(stored(binding("new"), "2"), stored(binding("old"), "2")),
            want: vec![s("roleRef: Invalid value: …: cannot change roleRef")],
        },
        Case {
            name: "TestValidateLease: duration must be positive",
            group: "coordination.k8s.io",
            kind: "Lease",
            resource: "leases",
            op: Op::Create(
                json!({"metadata": {"name": "l", "namespace": "ns"}, "spec": {"leaseDurationSeconds": 0}}),
            ),
            want: vec![s("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0")],
        },
        Case {
            name: "TestValidatePriorityClass: user values are bounded",
            group: "scheduling.k8s.io",
            kind: "PriorityClass",
            resource: "priorityclasses",
            op: Op::Create(json!({"metadata": {"name": "high"}, "value": 2_000_000_000})),
            want: vec![s(
                "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
            )],
        },
        Case {
            name: "TestValidatePodDisruptionBudgetSpec: not both bounds",
            group: "policy",
            kind: "PodDisruptionBudget",
            resource: "poddisruptionbudgets",
            op: Op::Create(json!({"metadata": {"name": "p", "namespace": "ns"},
                "spec": {"minAvailable": 1, "maxUnavailable": "120%"}})),
            want: vec![
                s("spec: Invalid value: …: minAvailable and maxUnavailable cannot be both set"),
                s("spec.maxUnavailable: Invalid value: 120%: must not be greater than 100%"),
            ],
        },
        Case {
            name: "TestValidateStorageClass: provisioner and binding mode",
            group: "storage.k8s.io",
            kind: "StorageClass",
            resource: "storageclasses",
            op: Op::Create(
                json!({"metadata": {"name": "sc"}, "provisioner": "", "volumeBindingMode": "Later"}),
            ),
            want: vec![
                s("provisioner: Required value"),
                s(
                    "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\"",
                ),
            ],
        },
        Case {
            name: "TestValidateHorizontalPodAutoscaler: replica bounds",
            group: "autoscaling",
            kind: "HorizontalPodAutoscaler",
            resource: "horizontalpodautoscalers",
            op: Op::Create(
                json!({"apiVersion": "autoscaling/v1", "metadata": {"name": "h", "namespace": "ns"},
                "spec": {"minReplicas": 5, "maxReplicas": 2, "scaleTargetRef": {"kind": "Deployment", "name": ""}}}),
            ),
            want: vec![
                s(
                    "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
                ),
                s("spec.scaleTargetRef.name: Required value"),
            ],
        },
        Case {
            name: "TestValidateNetworkPolicy: ports and peers",
            group: "networking.k8s.io",
            kind: "NetworkPolicy",
            resource: "networkpolicies",
            op: Op::Create(
                json!({"metadata": {"name": "np", "namespace": "ns"}, "spec": {"podSelector": {},
                "ingress": [{"ports": [{"port": "http", "endPort": 90}], "from": [{}]}]}}),
            ),
            want: vec![
                s(
                    "spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
                ),
                s("spec.ingress[0].from[0]: Required value: must specify a peer"),
            ],
        },
        Case {
            name: "TestValidateIngress: rules or default backend, path types",
            group: "networking.k8s.io",
            kind: "Ingress",
            resource: "ingresses",
            op: Op::Create(
                json!({"metadata": {"name": "i", "namespace": "ns"}, "spec": {"rules": [
                {"host": "1.2.3.4", "http": {"paths": [{"path": "a", "pathType": "Prefix",
                    "backend": {"service": {"name": "svc"}}}]}}]}}),
            ),
            want: vec![
                s(
                    "spec.rules[0].host: Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address",
                ),
                s(
                    "spec.rules[0].http.paths[0].path: Invalid value: \"a\": must be an absolute path",
                ),
                s(
                    "spec.rules[0].http.paths[0].backend: Required value: port name or number is required",
                ),
            ],
        },
        Case {
            name: "TestValidateIngress: empty spec",
            group: "networking.k8s.io",
            kind: "Ingress",
            resource: "ingresses",
            op: Op::Create(json!({"metadata": {"name": "i", "namespace": "ns"}, "spec": {}})),
            want: vec![s(
                "spec: Invalid value: null: either `defaultBackend` or `rules` must be specified",
            )],
        },
    ]);
}

/// Objects are validated without copying their managed field sets: the typed pod read that way is
/// the one read whole, but for `fieldsV1`, and a bad entry or a mistyped member is still found.
#[test]
fn objects_decode_without_field_sets() {
    use k8s_openapi::api::core::v1::Pod;
    let pod = serde_json::json!({
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {
            "name": "p", "namespace": "default", "labels": {"a": "b"},
            "managedFields": [{
                "manager": "kubectl", "operation": "Update", "apiVersion": "v1",
                "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:a": {}}}}
            }]
        },
        "spec": {"containers": [{"name": "c", "image": "i"}]}
    });
    let light: Pod = super::decode(&pod).unwrap();
    let mut whole: Pod = super::decode_whole(&pod).unwrap();
    for e in whole.metadata.managed_fields.iter_mut().flatten() {
        e.fields_v1 = None;
    }
    assert_eq!(light, whole);

    let mut bad = pod.clone();
    bad["metadata"]["managedFields"][0]["operation"] = serde_json::json!("Bogus");
    let errs = super::validate_create("", "pods", &bad);
    assert!(errs.0.iter().any(|e| e.field == "metadata.managedFields[0].operation"), "{errs:?}");
    let mut mistyped = pod.clone();
    mistyped["metadata"]["labels"] = serde_json::json!(7);
    assert!(super::decode::<Pod>(&mistyped).is_err());
    mistyped = pod;
    mistyped["metadata"]["managedFields"][0]["manager"] = serde_json::json!(7);
    assert!(super::decode::<Pod>(&mistyped).is_err());
}

fn case(
    name: &'static str,
    group: &'static str,
    kind: &'static str,
    resource: &'static str,
    op: Op,
    want: &[&str],
) -> Case {
    Case { name, group, kind, resource, op, want: want.iter().map(|w| s(w)).collect() }
}

/// Mirrors `TestValidateIngressClass` and `TestValidateIngressClassUpdate`.
#[test]
fn test_validate_ingress_classes() {
    let class = |spec: Value| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": "test123"}, "spec": spec})
    };
    let ic = |name, spec, want: &[&str]| {
        case(
            name,
            "networking.k8s.io",
            "IngressClass",
            "ingressclasses",
            Op::Create(class(spec)),
            want,
        )
    };
    let long = format!("example.com/{}", "a".repeat(239));
    check(vec![
        ic(
            "valid name, valid controller",
            json!({"controller": "foo.co/bar",
            "parameters": {"apiGroup": "example.com", "kind": "foo", "name": "bar"}}),
            &[],
        ),
        ic("empty controller", json!({}), &["spec.controller: Required value"]),
        ic(
            "invalid controller",
            json!({"controller": "foo"}),
            &[
                "spec.controller: Invalid value: \"foo\": must be a domain-prefixed path (such as \"acme.io/foo\")",
            ],
        ),
        ic(
            "controller length exceeds max length",
            json!({"controller": long}),
            &["spec.controller: Too long: may not be more than 250 bytes"],
        ),
        ic(
            "bad parameters",
            json!({"controller": "foo.co/bar", "parameters": {"kind": "", "name": "a/b",
                "scope": "Namespace"}}),
            &[
                "spec.parameters.kind: Required value",
                "spec.parameters.name: Invalid value: \"a/b\": may not contain '/'",
                "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
            ],
        ),
        ic(
            "cluster scope with a namespace; unknown scope",
            json!({"controller": "foo.co/bar", "parameters": {"kind": "k", "name": "n",
                "scope": "Cluster", "namespace": "ns"}}),
            &["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"],
        ),
        ic(
            "unknown scope",
            json!({"controller": "foo.co/bar", "parameters": {"kind": "k", "name": "n",
                "scope": "Galaxy"}}),
            &[
                "spec.parameters.scope: Unsupported value: \"Galaxy\": supported values: \"Cluster\", \"Namespace\"",
            ],
        ),
    ]);
    let old = stored(class(json!({"controller": "foo.co/bar"})), "3");
    let mut new = old.clone();
    new["spec"]["controller"] = json!("foo.co/baz");
    check(vec![case(
        "controller change should fail",
        "networking.k8s.io",
        "IngressClass",
        "ingressclasses",
        Op::Update(new, old),
        &["spec.controller: Invalid value: \"foo.co/baz\": field is immutable"],
    )]);
}

/// Mirrors `TestValidateServiceCIDR` and `TestValidateServiceCIDRUpdate`.
#[test]
fn test_validate_service_cidrs() {
    let range = |cidrs: Value| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR",
            "metadata": {"name": "test-name"}, "spec": {"cidrs": cidrs}})
    };
    let sc = |name, cidrs, want: &[&str]| {
        case(
            name,
            "networking.k8s.io",
            "ServiceCIDR",
            "servicecidrs",
            Op::Create(range(cidrs)),
            want,
        )
    };
    check(vec![
        sc("dual-stack", json!(["10.96.0.0/12", "fd00:1234::/64"]), &[]),
        sc("empty", json!([]), &["spec.cidrs: Required value: at least one CIDR required"]),
        sc(
            "three",
            json!(["10.0.0.0/24", "fd00::/64", "10.1.0.0/24"]),
            &[
                "spec.cidrs: Invalid value: {\"CIDRs\":[\"10.0.0.0/24\",\"fd00::/64\",\"10.1.0.0/24\"]}: may only hold up to 2 values",
            ],
        ),
        sc(
            "bad values",
            json!(["10.0.0.1/24", "FD00::/64"]),
            &[
                "spec.cidrs[0]: Invalid value: \"10.0.0.1/24\": must not have bits set beyond the prefix length",
                "spec.cidrs[1]: Invalid value: \"FD00::/64\": must be in canonical form (\"fd00::/64\")",
            ],
        ),
        sc(
            "same family twice",
            json!(["10.0.0.0/24", "10.1.0.0/24"]),
            &[
                "spec.cidrs: Invalid value: [\"10.0.0.0/24\",\"10.1.0.0/24\"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
            ],
        ),
    ]);
    let old = stored(range(json!(["10.0.0.0/24"])), "3");
    let update = |name, cidrs: Value, want: &[&str]| {
        let mut new = old.clone();
        new["spec"]["cidrs"] = cidrs;
        case(
            name,
            "networking.k8s.io",
            "ServiceCIDR",
            "servicecidrs",
            Op::Update(new, old.clone()),
            want,
        )
    };
    check(vec![
        update("add the other family", json!(["10.0.0.0/24", "fd00::/64"]), &[]),
        update(
            "change",
            json!(["10.0.1.0/24"]),
            &["spec.cidrs[0]: Invalid value: \"10.0.1.0/24\": field is immutable"],
        ),
        update(
            "add the same family",
            json!(["10.0.0.0/24", "10.1.0.0/24"]),
            &[
                "spec.cidrs: Invalid value: [\"10.0.0.0/24\",\"10.1.0.0/24\"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
            ],
        ),
        update("remove", json!([]), &["spec.cidrs: Invalid value: []: field is immutable"]),
    ]);
}

/// Mirrors `TestValidateIPAddress` and `TestValidateIPAddressUpdate`.
#[test]
fn test_validate_ip_addresses() {
    let address = |name: &str, parent: Value| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
            "metadata": {"name": name}, "spec": {"parentRef": parent}})
    };
    let parent = json!({"group": "", "resource": "services", "name": "foo", "namespace": "bar"});
    let ip = |name, obj, want: &[&str]| {
        case(name, "networking.k8s.io", "IPAddress", "ipaddresses", Op::Create(obj), want)
    };
    check(vec![
        ip("valid IPv4", address("192.168.1.5", parent.clone()), &[]),
        ip("valid IPv6", address("2001:db8::1", parent.clone()), &[]),
        ip(
            "leading zeros",
            address("192.168.01.5", parent.clone()),
            &["metadata.name: Invalid value: \"192.168.01.5\": must not have leading 0s"],
        ),
        ip(
            "not canonical",
            address("2001:DB8::1", parent.clone()),
            &[
                "metadata.name: Invalid value: \"2001:DB8::1\": must be in canonical form (\"2001:db8::1\")",
            ],
        ),
        ip(
            "not an address",
            address("foo", parent.clone()),
            &[
                "metadata.name: Invalid value: \"foo\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ],
        ),
        ip(
            "missing parent reference",
            json!({"metadata": {"name": "10.0.0.1"}, "spec": {}}),
            &["spec.parentRef: Required value"],
        ),
        ip(
            "bad parent reference",
            address("10.0.0.1", json!({"group": "Bad", "resource": "a/b", "name": "n"})),
            &[
                format!("spec.parentRef.group: Invalid value: \"Bad\": {SUBDOMAIN_MSG}").as_str(),
                "spec.parentRef.resource: Invalid value: \"a/b\": may not contain '/'",
            ],
        ),
    ]);
    let old = stored(address("10.0.0.1", parent), "3");
    let mut new = old.clone();
    new["spec"]["parentRef"]["name"] = json!("other");
    check(vec![case(
        "parent reference change",
        "networking.k8s.io",
        "IPAddress",
        "ipaddresses",
        Op::Update(new, old),
        &[
            "spec.parentRef: Invalid value: {\"Group\":\"\",\"Resource\":\"services\",\"Namespace\":\"bar\",\"Name\":\"other\"}: field is immutable",
        ],
    )]);
}

/// Mirrors `TestValidateRuntimeClass`, `TestValidateOverhead`, `TestValidateScheduling` and
/// `TestValidateRuntimeUpdate`.
#[test]
fn test_validate_runtime_classes() {
    let rc = |handler: &str, extra: Value| {
        let mut obj = json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": "gvisor"}, "handler": handler});
        obj.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        obj
    };
    let create = |name, obj, want: &[&str]| {
        case(name, "node.k8s.io", "RuntimeClass", "runtimeclasses", Op::Create(obj), want)
    };
    let toleration = json!({"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"});
    check(vec![
        create(
            "valid",
            rc(
                "runsc",
                json!({"overhead": {"podFixed": {"cpu": "250m"}},
            "scheduling": {"nodeSelector": {"sandboxed": "true"}}}),
            ),
            &[],
        ),
        create(
            "invalid handler",
            rc("", json!({})),
            &[format!("handler: Invalid value: \"\": {LABEL_MSG}").as_str()],
        ),
        create(
            "negative overhead",
            rc("runsc", json!({"overhead": {"podFixed": {"cpu": "-1"}}})),
            &["overhead.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"],
        ),
        create(
            "scheduling: bad node selector, repeated toleration",
            rc(
                "runsc",
                json!({"scheduling": {"nodeSelector": {"a b": "c"},
                "tolerations": [toleration.clone(), toleration]}}),
            ),
            &[
                "scheduling.nodeSelector: Invalid value: \"a b\": …",
                "scheduling.tolerations[1]: Duplicate value: {\"Key\":\"k\",\"Operator\":\"Equal\",\"Value\":\"v\",\"Effect\":\"NoSchedule\",\"TolerationSeconds\":null}",
            ],
        ),
        create(
            "apimachinery's metadata rules: any qualified finalizer",
            {
                let mut obj = rc("runsc", json!({}));
                obj["metadata"]["finalizers"] = json!(["custom"]);
                obj
            },
            &[],
        ),
    ]);
    let old = stored(rc("runsc", json!({})), "3");
    let mut new = old.clone();
    new["handler"] = json!("crun");
    check(vec![case(
        "handler change",
        "node.k8s.io",
        "RuntimeClass",
        "runtimeclasses",
        Op::Update(new, old),
        &["handler: Invalid value: \"crun\": field is immutable"],
    )]);
}
