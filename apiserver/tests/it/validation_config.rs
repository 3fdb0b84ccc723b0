//! Upstream's validation and defaulting of the configuration kinds through the REST API: API
//! Priority and Fairness flow schemas and priority levels, admission webhook configurations and
//! policies, ingress classes, service CIDRs, IP addresses and runtime classes.

use super::*;

const FLOW_SCHEMAS: &str = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas";
const PRIORITY_LEVELS: &str = "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations";
const ADMISSION: &str = "/apis/admissionregistration.k8s.io/v1";
const NETWORKING: &str = "/apis/networking.k8s.io/v1";
const RUNTIME_CLASSES: &str = "/apis/node.k8s.io/v1/runtimeclasses";

/// `SetDefaults_FlowSchemaSpec` and the priority level defaults, as a client reads them back
/// from the create and from a get; the status a client sends is dropped.
#[tokio::test]
async fn test_minimal_apf_objects_come_back_defaulted() {
    let s = Server::new().await;
    let schema = json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
        "metadata": {"name": "tenants"},
        "spec": {"priorityLevelConfiguration": {"name": "tenants"}},
        "status": {"conditions": [{"type": "Dangling"}, {"type": "Dangling"}]},
    });
    let r = s.post(FLOW_SCHEMAS, &schema).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let want =
        json!({"priorityLevelConfiguration": {"name": "tenants"}, "matchingPrecedence": 1000});
    assert_eq!(r.body["spec"], want);
    assert_eq!(r.body["status"], json!({}));
    assert_eq!(s.get(&format!("{FLOW_SCHEMAS}/tenants")).await.body["spec"], want);

    let level = json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": {"name": "tenants"},
        "spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {}}}},
    });
    let r = s.post(PRIORITY_LEVELS, &level).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let want = json!({"type": "Limited", "limited": {"nominalConcurrencyShares": 30,
        "lendablePercent": 0, "limitResponse": {"type": "Queue",
            "queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}}});
    assert_eq!(r.body["spec"], want);
    assert_eq!(s.get(&format!("{PRIORITY_LEVELS}/tenants")).await.body["spec"], want);
}

#[tokio::test]
async fn test_invalid_apf_objects_are_refused() {
    let s = Server::new().await;
    let schema = json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
        "metadata": {"name": "greedy"},
        "spec": {"priorityLevelConfiguration": {"name": "exempt"}, "matchingPrecedence": 1,
            "rules": [{"subjects": [{"kind": "Robot"}],
                "resourceRules": [{"verbs": ["get", "*"], "apiGroups": ["*"], "resources": ["*"],
                    "namespaces": ["*"]}]}]},
    });
    let r = s.post(FLOW_SCHEMAS, &schema).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "FlowSchema.flowcontrol.apiserver.k8s.io \"greedy\" is invalid: [spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1, spec.rules[0].subjects[0].kind: Unsupported value: \"Robot\": supported values: \"Group\", \"ServiceAccount\", \"User\", spec.rules[0].resourceRules[0].verbs: Invalid value: [\"get\",\"*\"]: if '*' is present, must not specify other verbs]",
    );
    let causes = r.body["details"]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 3);
    assert_eq!(
        causes[1],
        json!({"reason": "FieldValueNotSupported", "field": "spec.rules[0].subjects[0].kind",
            "message": "Unsupported value: \"Robot\": supported values: \"Group\", \"ServiceAccount\", \"User\""})
    );

    let level = json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": {"name": "narrow"},
        "spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Queue",
            "queuing": {"queues": 4, "handSize": 5}}}},
    });
    let r = s.post(PRIORITY_LEVELS, &level).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io \"narrow\" is invalid: spec.limited.limitResponse.queuing.handSize: Invalid value: 5: should not be greater than queues (4)",
    );
}

#[tokio::test]
async fn test_invalid_admission_configuration_is_refused() {
    let s = Server::new().await;
    let config = json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "checks"},
        "webhooks": [{"name": "check", "admissionReviewVersions": ["v1"],
            "clientConfig": {"url": "http://checks.example.com/validate"}}],
    });
    let r = s.post(&format!("{ADMISSION}/validatingwebhookconfigurations"), &config).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"checks\" is invalid: [webhooks[0].name: Invalid value: \"check\": should be a domain with at least three segments separated by dots, webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun, webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]]",
    );

    let policy = json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "replicas"},
        "spec": {"matchConstraints": {"resourceRules": [{"operations": ["CREATE"],
            "apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"]}]}},
    });
    let r = s.post(&format!("{ADMISSION}/validatingadmissionpolicies"), &policy).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ValidatingAdmissionPolicy.admissionregistration.k8s.io \"replicas\" is invalid: [spec.validations: Required value: validations or auditAnnotations must contain at least one item, spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item]",
    );
    let mut good = policy.clone();
    good["spec"]["validations"] = json!([{"expression": "object.spec.replicas <= 5"}]);
    let r = s.post(&format!("{ADMISSION}/validatingadmissionpolicies"), &good).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["spec"]["failurePolicy"], "Fail");

    let binding = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "replicas"},
        "spec": {"policyName": "replicas", "validationActions": ["Deny", "Warn"]},
    });
    let r = s.post(&format!("{ADMISSION}/validatingadmissionpolicybindings"), &binding).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io \"replicas\" is invalid: spec.validationActions: Invalid value: [\"Deny\",\"Warn\"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
    );
}

#[tokio::test]
async fn test_invalid_networking_and_node_objects_are_refused() {
    let s = Server::new().await;
    let class = json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": {"name": "nginx"}, "spec": {"controller": "nginx"}});
    let r = s.post(&format!("{NETWORKING}/ingressclasses"), &class).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "IngressClass.networking.k8s.io \"nginx\" is invalid: spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")",
    );

    let range = json!({"apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR",
        "metadata": {"name": "extra"}, "spec": {"cidrs": ["10.1.0.1/16"]}});
    let r = s.post(&format!("{NETWORKING}/servicecidrs"), &range).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "ServiceCIDR.networking.k8s.io \"extra\" is invalid: spec.cidrs[0]: Invalid value: \"10.1.0.1/16\": must not have bits set beyond the prefix length",
    );

    let address = json!({"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
        "metadata": {"name": "10.01.0.5"},
        "spec": {"parentRef": {"resource": "services", "namespace": "default", "name": "web"}}});
    let r = s.post(&format!("{NETWORKING}/ipaddresses"), &address).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "IPAddress.networking.k8s.io \"10.01.0.5\" is invalid: metadata.name: Invalid value: \"10.01.0.5\": must not have leading 0s",
    );

    let runtime = json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
        "metadata": {"name": "gvisor"}, "handler": "runsc"});
    let r = s.post(RUNTIME_CLASSES, &runtime).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let mut changed = r.body.clone();
    changed["handler"] = json!("runsc_v2");
    let r = s.put(&format!("{RUNTIME_CLASSES}/gvisor"), &changed).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "RuntimeClass.node.k8s.io \"gvisor\" is invalid: handler: Invalid value: \"runsc_v2\": field is immutable",
    );
}
