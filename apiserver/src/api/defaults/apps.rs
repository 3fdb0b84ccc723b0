//! Defaults of the `apps/v1` kinds (pkg/apis/apps/v1/defaults.go): deployments, replica sets,
//! stateful sets and daemon sets, with their pod templates.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::core::{default_pod_template_spec, default_pvc_spec};

/// Deployment defaults: one replica, a 25%/25% rolling update, ten old replica sets kept and a
/// 600 second progress deadline.
pub fn default_deployment(d: &mut apps::Deployment) {
    let spec = d.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    let strategy = spec.strategy.get_or_insert_with(Default::default);
    if strategy.type_.as_deref().unwrap_or_default().is_empty() {
        strategy.type_ = Some("RollingUpdate".to_string());
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let ru = strategy.rolling_update.get_or_insert_with(Default::default);
        ru.max_unavailable.get_or_insert_with(|| IntOrString::String("25%".to_string()));
        ru.max_surge.get_or_insert_with(|| IntOrString::String("25%".to_string()));
    }
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    default_pod_template_spec(&mut spec.template);
}

/// Daemon set defaults: a rolling update of one unavailable pod and no surge, ten revisions.
pub fn default_daemon_set(ds: &mut apps::DaemonSet) {
    let spec = ds.spec.get_or_insert_with(Default::default);
    let strategy = spec.update_strategy.get_or_insert_with(Default::default);
    if strategy.type_.as_deref().unwrap_or_default().is_empty() {
        strategy.type_ = Some("RollingUpdate".to_string());
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let ru = strategy.rolling_update.get_or_insert_with(Default::default);
        ru.max_unavailable.get_or_insert(IntOrString::Int(1));
        ru.max_surge.get_or_insert(IntOrString::Int(0));
    }
    spec.revision_history_limit.get_or_insert(10);
    default_pod_template_spec(&mut spec.template);
}

/// Stateful set defaults: ordered pod management, a rolling update from partition 0, claims
/// retained, one replica, ten revisions.
pub fn default_stateful_set(ss: &mut apps::StatefulSet) {
    let spec = ss.spec.get_or_insert_with(Default::default);
    if spec.pod_management_policy.as_deref().unwrap_or_default().is_empty() {
        spec.pod_management_policy = Some("OrderedReady".to_string());
    }
    let strategy = spec.update_strategy.get_or_insert_with(Default::default);
    if strategy.type_.as_deref().unwrap_or_default().is_empty() {
        strategy.type_ = Some("RollingUpdate".to_string());
        strategy.rolling_update.get_or_insert_with(Default::default);
    }
    if strategy.type_.as_deref() == Some("RollingUpdate")
        && let Some(ru) = &mut strategy.rolling_update
    {
        ru.partition.get_or_insert(0);
    }
    let retention =
        spec.persistent_volume_claim_retention_policy.get_or_insert_with(Default::default);
    for slot in [&mut retention.when_deleted, &mut retention.when_scaled] {
        if slot.as_deref().unwrap_or_default().is_empty() {
            *slot = Some("Retain".to_string());
        }
    }
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    default_pod_template_spec(&mut spec.template);
    for pvc in spec.volume_claim_templates.iter_mut().flatten() {
        let status = pvc.status.get_or_insert_with(Default::default);
        if status.phase.as_deref().unwrap_or_default().is_empty() {
            status.phase = Some("Pending".to_string());
        }
        default_pvc_spec(pvc.spec.get_or_insert_with(Default::default));
    }
}

/// Replica set defaults: one replica.
pub fn default_replica_set(rs: &mut apps::ReplicaSet) {
    let spec = rs.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    if let Some(t) = &mut spec.template {
        default_pod_template_spec(t);
    }
}
