//! Upstream's v1 defaulters (`SetObjectDefaults_*`) for the built-in kinds, run on every object
//! a client sends and on every object read back from storage.

use serde_json::Value;

use super::{api_version_of, with_typed};

pub mod apps;
pub mod batch;
pub mod core;
pub mod other;

#[cfg(test)]
mod tests;

/// Applies upstream's defaults for `group`/`kind` to `obj` in place; unknown kinds, and objects
/// that do not read as their kind, are left unchanged.
pub fn default_object(group: &str, kind: &str, obj: &mut Value) {
    use k8s_openapi::api::core::v1 as co;
    match (group, kind) {
        ("", "Pod") => with_typed(obj, core::default_pod),
        ("", "PodTemplate") => with_typed(obj, |t: &mut co::PodTemplate| {
            if let Some(t) = &mut t.template {
                core::default_pod_template_spec(t);
            }
        }),
        ("", "ReplicationController") => with_typed(obj, core::default_replication_controller),
        ("", "Service") => with_typed(obj, core::default_service),
        ("", "Namespace") => with_typed(obj, core::default_namespace),
        ("", "Secret") => with_typed(obj, core::default_secret),
        ("", "Node") => with_typed(obj, core::default_node),
        ("", "PersistentVolume") => with_typed(obj, core::default_persistent_volume),
        ("", "PersistentVolumeClaim") => with_typed(obj, core::default_persistent_volume_claim),
        ("", "Endpoints") => with_typed(obj, core::default_endpoints),
        ("", "LimitRange") => with_typed(obj, core::default_limit_range),
        ("", "ResourceQuota") => with_typed(obj, core::default_resource_quota),
        ("apps", "Deployment") => {
            keep_selector_absent(obj, |o| with_typed(o, apps::default_deployment))
        }
        ("apps", "ReplicaSet") => {
            keep_selector_absent(obj, |o| with_typed(o, apps::default_replica_set))
        }
        ("apps", "StatefulSet") => {
            keep_selector_absent(obj, |o| with_typed(o, apps::default_stateful_set))
        }
        ("apps", "DaemonSet") => {
            keep_selector_absent(obj, |o| with_typed(o, apps::default_daemon_set))
        }
        ("apps", "ControllerRevision") => {}
        ("batch", "Job") => with_typed(obj, batch::default_job),
        ("batch", "CronJob") => with_typed(obj, batch::default_cron_job),
        ("autoscaling", "HorizontalPodAutoscaler") => match api_version_of(obj) {
            "v1" => with_typed(obj, other::default_hpa_v1),
            _ => with_typed(obj, other::default_hpa_v2),
        },
        ("networking.k8s.io", "NetworkPolicy") => with_typed(obj, other::default_network_policy),
        ("networking.k8s.io", "IngressClass") => with_typed(obj, other::default_ingress_class),
        ("rbac.authorization.k8s.io", "RoleBinding") => {
            with_typed(obj, other::default_role_binding)
        }
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            with_typed(obj, other::default_cluster_role_binding)
        }
        ("storage.k8s.io", "StorageClass") => with_typed(obj, other::default_storage_class),
        ("storage.k8s.io", "CSIDriver") => with_typed(obj, other::default_csi_driver),
        ("storage.k8s.io", "VolumeAttachment") => with_typed(obj, other::default_volume_attachment),
        ("scheduling.k8s.io", "PriorityClass") => with_typed(obj, other::default_priority_class),
        ("discovery.k8s.io", "EndpointSlice") => with_typed(obj, other::default_endpoint_slice),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => {
            with_typed(obj, other::default_flow_schema)
        }
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => {
            with_typed(obj, other::default_priority_level_configuration)
        }
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
            with_typed(obj, other::default_validating_webhook_configuration)
        }
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration") => {
            with_typed(obj, other::default_mutating_webhook_configuration)
        }
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => {
            with_typed(obj, other::default_validating_admission_policy)
        }
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding") => {
            with_typed(obj, other::default_validating_admission_policy_binding)
        }
        _ => {}
    }
}

/// Runs `f` without letting it add `spec.selector`: the wire types hold the apps selectors as
/// required values and would write `{}` where the client sent none, which validation must still
/// see as missing.
fn keep_selector_absent(obj: &mut Value, f: impl FnOnce(&mut Value)) {
    let had = obj.pointer("/spec/selector").is_some_and(|s| !s.is_null());
    f(obj);
    if !had && let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("selector");
    }
}
