//! Defaults of the smaller groups: networking, rbac, autoscaling, storage, scheduling,
//! discovery, admissionregistration and flowcontrol (their pkg/apis/<group>/v1*/defaults.go).

use k8s_openapi::api::admissionregistration::v1 as admission;
use k8s_openapi::api::autoscaling::{v1 as autoscaling_v1, v2 as autoscaling};
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::flowcontrol::v1 as flowcontrol;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn set_str_if_empty(slot: &mut Option<String>, value: &str) {
    if slot.as_deref().unwrap_or_default().is_empty() {
        *slot = Some(value.to_string());
    }
}

/// Network policy defaults: ports' protocol `TCP`; policy types `Ingress`, plus `Egress` when
/// egress rules are given.
pub fn default_network_policy(np: &mut networking::NetworkPolicy) {
    let spec = np.spec.get_or_insert_with(Default::default);
    let ingress_ports =
        spec.ingress.iter_mut().flatten().flat_map(|r| r.ports.iter_mut().flatten());
    let egress_ports = spec.egress.iter_mut().flatten().flat_map(|r| r.ports.iter_mut().flatten());
    for port in ingress_ports.chain(egress_ports) {
        set_str_if_empty(&mut port.protocol, "TCP");
    }
    if spec.policy_types.as_ref().is_none_or(Vec::is_empty) {
        let mut types = vec!["Ingress".to_string()];
        if !spec.egress.as_deref().unwrap_or_default().is_empty() {
            types.push("Egress".to_string());
        }
        spec.policy_types = Some(types);
    }
}

/// Ingress class defaults: parameters are cluster-scoped unless told otherwise.
pub fn default_ingress_class(ic: &mut networking::IngressClass) {
    if let Some(p) = ic.spec.as_mut().and_then(|s| s.parameters.as_mut()) {
        p.scope.get_or_insert_with(|| "Cluster".to_string());
    }
}

fn default_subjects(subjects: &mut Option<Vec<rbac::Subject>>) {
    for s in subjects.iter_mut().flatten() {
        if s.api_group.as_deref().unwrap_or_default().is_empty()
            && (s.kind == "User" || s.kind == "Group")
        {
            s.api_group = Some(RBAC_GROUP.to_string());
        }
    }
}

/// Role binding defaults: subjects' and the role reference's API group.
pub fn default_role_binding(rb: &mut rbac::RoleBinding) {
    if rb.role_ref.api_group.is_empty() {
        rb.role_ref.api_group = RBAC_GROUP.to_string();
    }
    default_subjects(&mut rb.subjects);
}

/// Cluster role binding defaults: subjects' and the role reference's API group.
pub fn default_cluster_role_binding(rb: &mut rbac::ClusterRoleBinding) {
    if rb.role_ref.api_group.is_empty() {
        rb.role_ref.api_group = RBAC_GROUP.to_string();
    }
    default_subjects(&mut rb.subjects);
}

fn policy(type_: &str, value: i32) -> autoscaling::HPAScalingPolicy {
    autoscaling::HPAScalingPolicy { type_: type_.to_string(), value, period_seconds: 15 }
}

fn default_scaling_rules(
    rules: &mut Option<autoscaling::HPAScalingRules>,
    window: i32,
    policies: Vec<autoscaling::HPAScalingPolicy>,
) {
    let r = rules.get_or_insert_with(Default::default);
    r.stabilization_window_seconds.get_or_insert(window);
    r.select_policy.get_or_insert_with(|| "Max".to_string());
    r.policies.get_or_insert(policies);
}

/// Horizontal pod autoscaler (v2) defaults: one minimum replica, 80% CPU utilisation as the
/// metric, and the scaling behavior's missing parts when a behavior is given.
pub fn default_hpa_v2(hpa: &mut autoscaling::HorizontalPodAutoscaler) {
    let spec = hpa.spec.get_or_insert_with(Default::default);
    spec.min_replicas.get_or_insert(1);
    if spec.metrics.as_ref().is_none_or(Vec::is_empty) {
        spec.metrics = Some(vec![autoscaling::MetricSpec {
            type_: "Resource".to_string(),
            resource: Some(autoscaling::ResourceMetricSource {
                name: "cpu".to_string(),
                target: autoscaling::MetricTarget {
                    type_: "Utilization".to_string(),
                    average_utilization: Some(80),
                    ..Default::default()
                },
            }),
            ..Default::default()
        }]);
    }
    if let Some(b) = &mut spec.behavior {
        default_scaling_rules(&mut b.scale_up, 0, vec![policy("Pods", 4), policy("Percent", 100)]);
        default_scaling_rules(&mut b.scale_down, 300, vec![policy("Percent", 100)]);
    }
}

/// Horizontal pod autoscaler (v1) defaults: one minimum replica.
pub fn default_hpa_v1(hpa: &mut autoscaling_v1::HorizontalPodAutoscaler) {
    hpa.spec.get_or_insert_with(Default::default).min_replicas.get_or_insert(1);
}

/// Storage class defaults: reclaim policy `Delete`, binding mode `Immediate`.
pub fn default_storage_class(sc: &mut storage::StorageClass) {
    sc.reclaim_policy.get_or_insert_with(|| "Delete".to_string());
    sc.volume_binding_mode.get_or_insert_with(|| "Immediate".to_string());
}

/// CSI driver defaults.
pub fn default_csi_driver(d: &mut storage::CSIDriver) {
    let spec = &mut d.spec;
    spec.attach_required.get_or_insert(true);
    spec.pod_info_on_mount.get_or_insert(false);
    spec.storage_capacity.get_or_insert(false);
    spec.fs_group_policy.get_or_insert_with(|| "ReadWriteOnceWithFSType".to_string());
    if spec.volume_lifecycle_modes.as_ref().is_none_or(Vec::is_empty) {
        spec.volume_lifecycle_modes = Some(vec!["Persistent".to_string()]);
    }
    spec.requires_republish.get_or_insert(false);
    spec.se_linux_mount.get_or_insert(false);
}

/// Volume attachment defaults: those of the inline volume spec's sources.
pub fn default_volume_attachment(va: &mut storage::VolumeAttachment) {
    if let Some(spec) = &mut va.spec.source.inline_volume_spec {
        super::core::default_persistent_volume_spec(spec);
    }
}

/// Priority class defaults: preempts lower priorities.
pub fn default_priority_class(pc: &mut scheduling::PriorityClass) {
    pc.preemption_policy.get_or_insert_with(|| "PreemptLowerPriority".to_string());
}

/// Endpoint slice defaults: ports' name empty and protocol `TCP`.
pub fn default_endpoint_slice(es: &mut discovery::EndpointSlice) {
    for port in es.ports.iter_mut().flatten() {
        port.name.get_or_insert_with(String::new);
        port.protocol.get_or_insert_with(|| "TCP".to_string());
    }
}

fn default_rules(rules: &mut Option<Vec<admission::RuleWithOperations>>) {
    for r in rules.iter_mut().flatten() {
        r.scope.get_or_insert_with(|| "*".to_string());
    }
}

fn default_client_config(c: &mut admission::WebhookClientConfig) {
    if let Some(s) = &mut c.service {
        s.port.get_or_insert(443);
    }
}

/// Validating webhook configuration defaults: fail closed, equivalent matching, empty
/// selectors, ten second timeouts, rules of any scope, service port 443.
pub fn default_validating_webhook_configuration(c: &mut admission::ValidatingWebhookConfiguration) {
    for w in c.webhooks.iter_mut().flatten() {
        w.failure_policy.get_or_insert_with(|| "Fail".to_string());
        w.match_policy.get_or_insert_with(|| "Equivalent".to_string());
        w.namespace_selector.get_or_insert_with(Default::default);
        w.object_selector.get_or_insert_with(Default::default);
        w.timeout_seconds.get_or_insert(10);
        default_rules(&mut w.rules);
        default_client_config(&mut w.client_config);
    }
}

/// Mutating webhook configuration defaults: as validating ones, plus no reinvocation.
pub fn default_mutating_webhook_configuration(c: &mut admission::MutatingWebhookConfiguration) {
    for w in c.webhooks.iter_mut().flatten() {
        w.failure_policy.get_or_insert_with(|| "Fail".to_string());
        w.match_policy.get_or_insert_with(|| "Equivalent".to_string());
        w.namespace_selector.get_or_insert_with(Default::default);
        w.object_selector.get_or_insert_with(Default::default);
        w.timeout_seconds.get_or_insert(10);
        w.reinvocation_policy.get_or_insert_with(|| "Never".to_string());
        default_rules(&mut w.rules);
        default_client_config(&mut w.client_config);
    }
}

fn default_match_resources(m: &mut Option<admission::MatchResources>) {
    let Some(m) = m else { return };
    m.match_policy.get_or_insert_with(|| "Equivalent".to_string());
    m.namespace_selector.get_or_insert_with(Default::default);
    m.object_selector.get_or_insert_with(Default::default);
    let rules =
        m.resource_rules.iter_mut().flatten().chain(m.exclude_resource_rules.iter_mut().flatten());
    for r in rules {
        r.scope.get_or_insert_with(|| "*".to_string());
    }
}

/// Validating admission policy defaults: fail closed and the match constraints' defaults.
pub fn default_validating_admission_policy(p: &mut admission::ValidatingAdmissionPolicy) {
    let spec = p.spec.get_or_insert_with(Default::default);
    spec.failure_policy.get_or_insert_with(|| "Fail".to_string());
    default_match_resources(&mut spec.match_constraints);
}

/// Validating admission policy binding defaults: the match resources' defaults.
pub fn default_validating_admission_policy_binding(
    b: &mut admission::ValidatingAdmissionPolicyBinding,
) {
    if let Some(spec) = &mut b.spec {
        default_match_resources(&mut spec.match_resources);
    }
}

/// Flow schema defaults: matching precedence 1000 when unset or zero.
pub fn default_flow_schema(fs: &mut flowcontrol::FlowSchema) {
    let spec = fs.spec.get_or_insert_with(Default::default);
    if spec.matching_precedence.unwrap_or_default() == 0 {
        spec.matching_precedence = Some(1000);
    }
}

/// Priority level defaults: a limited level gets 30 nominal concurrency shares, nothing
/// lendable and, when it queues, 64 queues, hands of 8 and queues of at most 50 requests; an
/// exempt level gets zero shares and nothing lendable.
pub fn default_priority_level_configuration(pl: &mut flowcontrol::PriorityLevelConfiguration) {
    let Some(spec) = &mut pl.spec else { return };
    if let Some(limited) = &mut spec.limited {
        limited.nominal_concurrency_shares.get_or_insert(30);
        limited.lendable_percent.get_or_insert(0);
        if let Some(q) = limited.limit_response.as_mut().and_then(|r| r.queuing.as_mut()) {
            for (slot, value) in
                [(&mut q.hand_size, 8), (&mut q.queues, 64), (&mut q.queue_length_limit, 50)]
            {
                if slot.unwrap_or_default() == 0 {
                    *slot = Some(value);
                }
            }
        }
    }
    if let Some(exempt) = &mut spec.exempt {
        exempt.nominal_concurrency_shares.get_or_insert(0);
        exempt.lendable_percent.get_or_insert(0);
    }
}
