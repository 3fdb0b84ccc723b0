//! The kind-specific mutations of upstream's registry strategies (`PrepareForCreate`,
//! `PrepareForUpdate` and the status strategies' `PrepareForUpdate` and `GetResetFields` in
//! pkg/registry/*). Generic metadata (uid, creationTimestamp, generation, resourceVersion) is
//! the caller's business.

use std::collections::BTreeMap;

use apimachinery::resource::Quantity as ParsedQuantity;
use k8s_openapi::api::core::v1 as core;
use serde_json::{Map, Value, json};

use super::defaults::core::default_pod;
use super::{api_version_of, default_object, with_typed};
use crate::kinds::KindOps;
use crate::registry::ObjectMetaExt;

/// The status a new object of `group`/`kind` starts with, as a Go server writes it (fields
/// without `omitempty` appear as zeroes); `None` when the kind keeps what the client sent.
fn initial_status(group: &str, kind: &str, obj: &Value) -> Option<Value> {
    Some(match (group, kind) {
        ("", "Service") | ("networking.k8s.io", "Ingress") => json!({"loadBalancer": {}}),
        ("", "Namespace") => json!({"phase": "Active"}),
        ("", "ReplicationController") | ("apps", "ReplicaSet") => json!({"replicas": 0}),
        ("", "PersistentVolume") => json!({"phase": "Pending"}),
        ("", "PersistentVolumeClaim") => json!({"phase": "Pending"}),
        ("", "ResourceQuota")
        | ("apps", "Deployment")
        | ("batch", "Job")
        | ("batch", "CronJob")
        | ("storage.k8s.io", "VolumeAttachment")
        | ("certificates.k8s.io", "CertificateSigningRequest")
        | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration") => {
            json!({})
        }
        ("apps", "StatefulSet") => json!({"replicas": 0, "availableReplicas": 0}),
        ("apps", "DaemonSet") => json!({
            "currentNumberScheduled": 0,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": 0,
            "numberReady": 0,
        }),
        ("autoscaling", "HorizontalPodAutoscaler") => match api_version_of(obj) {
            "v1" => json!({"currentReplicas": 0, "desiredReplicas": 0}),
            _ => json!({"desiredReplicas": 0}),
        },
        // A local APIService (no service behind it) is available from the start.
        ("apiregistration.k8s.io", "APIService") => match obj.pointer("/spec/service") {
            Some(service) if !service.is_null() => json!({}),
            _ => json!({"conditions": [{
                "type": "Available",
                "status": "True",
                "lastTransitionTime": crate::registry::now_rfc3339(),
                "reason": "Local",
                "message": "Local APIServices are always available",
            }]}),
        },
        ("policy", "PodDisruptionBudget") => json!({
            "disruptionsAllowed": 0,
            "currentHealthy": 0,
            "desiredHealthy": 0,
            "expectedPods": 0,
        }),
        _ => return None,
    })
}

/// Whether updates of `group`/`kind` through the main resource keep the stored status.
fn has_status_subresource(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "",
            "Pod"
                | "Service"
                | "Namespace"
                | "Node"
                | "ReplicationController"
                | "PersistentVolume"
                | "PersistentVolumeClaim"
                | "ResourceQuota"
        ) | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job" | "CronJob")
            | ("autoscaling", "HorizontalPodAutoscaler")
            | ("policy", "PodDisruptionBudget")
            | ("networking.k8s.io", "Ingress" | "ServiceCIDR")
            | ("storage.k8s.io", "VolumeAttachment")
            | ("certificates.k8s.io", "CertificateSigningRequest")
            | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration")
            | ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")
    )
}

fn object_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    obj.as_object_mut()
}

/// Applies the create-time mutations of `group`/`kind`'s strategy: the status a new object
/// starts with and kind-specific fields (a pod's phase and QoS class, a namespace's
/// `kubernetes` finalizer, a job's generated selector, a service's IP families). A job's
/// selector uses `metadata.uid`, so set the uid first. Defaults are applied before, and again
/// afterwards, as a Go server does when it reads the stored object back.
pub fn prepare_for_create(group: &str, kind: &str, obj: &mut Value) {
    if (group, kind) == ("", "Pod") {
        // The busiest kind reads its wire type once for all three steps.
        with_typed(obj, |pod: &mut core::Pod| {
            default_pod(pod);
            prepare_pod_for_create(pod);
            default_pod(pod);
        });
        return;
    }
    // Upstream decodes (and so defaults) before the strategy runs; doing it again is harmless.
    default_object(group, kind, obj);
    match (group, kind) {
        ("", "Namespace") => prepare_namespace_for_create(obj),
        ("", "Service") => with_typed(obj, default_service_ip_families),
        ("", "Node") => {
            with_typed(obj, |n: &mut core::Node| {
                if let Some(spec) = &mut n.spec {
                    spec.config_source = None;
                }
                if let Some(status) = &mut n.status {
                    status.config = None;
                }
            });
        }
        ("batch", "Job") => with_typed(obj, generate_job_selector),
        _ => {}
    }
    if let Some(status) = initial_status(group, kind, obj)
        && let Some(map) = object_mut(obj)
    {
        map.insert("status".to_string(), status);
    }
    default_object(group, kind, obj);
}

/// Whether decoding a request body of `group`/`kind` applies the kind's defaults in the same
/// pass that reads it into its wire type ([`body_reads`]), as upstream's decoding does.
/// Only the busiest kind: for it a create then skips reading the whole object into its type a
/// second time ([`prepare_defaulted_for_create`]).
pub fn defaults_on_decode(group: &str, kind: &str) -> bool {
    (group, kind) == ("", "Pod")
}

/// The typed reads of a request body of `group`/`kind` (`ops` are the kind's): the kind's own,
/// or, for a kind [`defaults_on_decode`] names, the same reads applying its defaults.
pub fn body_reads(group: &str, kind: &str, ops: KindOps) -> KindOps {
    if !defaults_on_decode(group, kind) {
        return ops;
    }
    KindOps {
        roundtrip: |v| crate::kinds::roundtrip_with::<core::Pod>(v, default_pod),
        decode_json: |body| crate::kinds::decode_json_with::<core::Pod>(body, default_pod),
        ..ops
    }
}

/// [`prepare_for_create`] for an object whose defaults were applied when it was decoded
/// ([`body_reads`]): a pod's initial status is built from the few fields it depends on
/// instead of reading the whole pod into its type again.
pub fn prepare_defaulted_for_create(group: &str, kind: &str, obj: &mut Value) {
    if !defaults_on_decode(group, kind) {
        return prepare_for_create(group, kind, obj);
    }
    use serde::Deserialize;
    use serde::de::IgnoredAny;
    #[derive(Deserialize)]
    struct ContainerView {
        resources: Option<core::ResourceRequirements>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SpecView {
        containers: Option<Vec<ContainerView>>,
        init_containers: Option<Vec<ContainerView>>,
        resources: Option<core::ResourceRequirements>,
        scheduling_gates: Option<Vec<IgnoredAny>>,
    }
    let Some(spec) = obj.get("spec").and_then(|s| SpecView::deserialize(s).ok()) else {
        // Not a readable pod: the general path does what it can with it.
        return prepare_for_create(group, kind, obj);
    };
    let gated = spec.scheduling_gates.as_ref().is_some_and(|g| !g.is_empty());
    let containers = spec.init_containers.iter().flatten().chain(spec.containers.iter().flatten());
    let qos = qos_class(spec.resources.as_ref(), containers.map(|c| c.resources.as_ref()));
    if let (Some(map), Ok(status)) =
        (obj.as_object_mut(), serde_json::to_value(initial_pod_status(gated, qos)))
    {
        map.insert("status".to_string(), status);
    }
}

/// Applies the update-time mutations of `group`/`kind`'s strategy for an update through the
/// main resource: the stored status is kept (it changes only through `/status`), and a
/// namespace's finalizers only through `/finalize`.
pub fn prepare_for_update(group: &str, kind: &str, new: &mut Value, old: &Value) {
    if has_status_subresource(group, kind) {
        copy_field(new, old, "status");
    }
    if (group, kind) == ("certificates.k8s.io", "CertificateSigningRequest") {
        // A request is immutable but through its subresources.
        copy_field(new, old, "spec");
    }
    if (group, kind) == ("", "Namespace") {
        let finalizers = old.pointer("/spec/finalizers").cloned();
        if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
            match finalizers {
                Some(f) => {
                    spec.insert("finalizers".to_string(), f);
                }
                None => {
                    spec.remove("finalizers");
                }
            }
        }
    }
    if (group, kind) == ("apps", "Deployment") && annotations_changed(new, old) {
        // A deployment's annotations are copied to its replica sets: changing them is a new
        // generation, as a spec change is.
        let g = old.meta().and_then(|m| m.get("generation")).and_then(Value::as_i64);
        new.meta_mut().insert("generation".into(), json!(g.unwrap_or(0) + 1));
    }
    default_object(group, kind, new);
}

/// Whether the annotations differ (absent, null and empty are the same).
fn annotations_changed(new: &Value, old: &Value) -> bool {
    let of = |v: &Value| {
        v.meta()
            .and_then(|m| m.get("annotations"))
            .filter(|a| !a.is_null() && a.as_object().is_none_or(|m| !m.is_empty()))
            .cloned()
    };
    of(new) != of(old)
}

/// `metav1.ResetObjectMetaForStatus`: the metadata a strategy that uses it takes from the
/// stored object.
const RESET_FOR_STATUS: &[&str] = &[
    "deletionTimestamp",
    "generation",
    "selfLink",
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
];

/// What a status strategy (upstream's `<kind>StatusStrategy.PrepareForUpdate`) does with the
/// metadata of a write; every one of them keeps the stored spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusMeta {
    /// The metadata as written (the generic fields aside, which every update keeps).
    Written,
    /// These metadata fields are the stored object's.
    Stored(&'static [&'static str]),
    /// All of it is the stored object's but managedFields.
    AllStored,
}

/// A kind's status strategy: what a write keeps of the stored metadata, and the fields its
/// writer cannot own (upstream's `GetResetFields`, paths of field names).
#[derive(Debug, Clone, Copy)]
struct StatusRule {
    meta: StatusMeta,
    reset_fields: &'static [&'static [&'static str]],
}

const SPEC: &[&[&str]] = &[&["spec"]];
const SPEC_AND_METADATA: &[&[&str]] = &[&["metadata"], &["spec"]];

/// The status strategy of built-in `group`/`kind` for writes through `subresource` (`status`,
/// or a request's `approval`), as kube-apiserver 1.35's; `None` for anything else (custom
/// resources, a pod's spec subresources).
fn status_rule(group: &str, kind: &str, subresource: &str) -> Option<StatusRule> {
    use StatusMeta::{AllStored, Stored, Written};
    let rule = |meta, reset_fields| Some(StatusRule { meta, reset_fields });
    match ((group, kind), subresource) {
        (("certificates.k8s.io", "CertificateSigningRequest"), "status") => {
            rule(Written, &[&["spec"], &["status", "conditions"]])
        }
        (("certificates.k8s.io", "CertificateSigningRequest"), "approval") => {
            rule(Written, &[&["spec"], &["status", "certificate"]])
        }
        (_, "status") => match (group, kind) {
            // Old kubelets corrupt owner references through pods/status; the deletion
            // timestamp is cleared, and the generic update brings the stored one back.
            ("", "Pod") => rule(
                Stored(&["deletionTimestamp", "ownerReferences"]),
                &[&["spec"], &["metadata", "deletionTimestamp"], &["metadata", "ownerReferences"]],
            ),
            (
                "",
                "Service"
                | "Namespace"
                | "Node"
                | "ReplicationController"
                | "PersistentVolume"
                | "PersistentVolumeClaim"
                | "ResourceQuota",
            )
            | ("apps", "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job" | "CronJob")
            | ("autoscaling", "HorizontalPodAutoscaler")
            | ("policy", "PodDisruptionBudget")
            | ("networking.k8s.io", "Ingress" | "ServiceCIDR") => rule(Written, SPEC),
            ("apps", "Deployment") => {
                rule(Stored(&["labels"]), &[&["spec"], &["metadata", "labels"]])
            }
            ("storage.k8s.io", "VolumeAttachment")
            | ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")
            | ("resource.k8s.io", "ResourceClaim") => {
                rule(Stored(RESET_FOR_STATUS), SPEC_AND_METADATA)
            }
            ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration") => {
                rule(AllStored, SPEC_AND_METADATA)
            }
            ("apiregistration.k8s.io", "APIService") => rule(
                Stored(&["labels", "annotations", "finalizers", "ownerReferences"]),
                SPEC_AND_METADATA,
            ),
            // Upstream's strategy resets the new metadata to itself, which keeps what was
            // written, while its reset fields name all of it.
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                rule(Written, SPEC_AND_METADATA)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The fields a write of built-in `group`/`kind` through `subresource` cannot own, as paths
/// of field names (upstream's status strategies' `GetResetFields`); `None` when the kind has
/// no such strategy here (custom resources, a pod's spec subresources).
pub fn status_reset_fields(
    group: &str,
    kind: &str,
    subresource: &str,
) -> Option<&'static [&'static [&'static str]]> {
    status_rule(group, kind, subresource).map(|r| r.reset_fields)
}

/// Applies a status strategy's update mutations (an update through `/status`, a request's
/// `/approval`, or a pod's `/ephemeralcontainers` and `/resize`): the stored spec is kept (a
/// pod's spec subresources keep the parts they write), and of the metadata what the kind's
/// upstream strategy keeps ([`status_rule`]). Generic metadata (uid, creationTimestamp,
/// deletionTimestamp, deletionGracePeriodSeconds, generation) is the caller's business.
pub fn prepare_for_status_update(
    group: &str,
    kind: &str,
    subresource: &str,
    new: &mut Value,
    old: &Value,
) {
    if (group, kind) == ("", "Pod") && matches!(subresource, "ephemeralcontainers" | "resize") {
        // As for a status write, the metadata is reset and the stored status kept: of the
        // write only the parts of its spec each subresource changes count.
        crate::registry::keep_written_part(new, old, "spec");
        narrow_pod_spec(subresource, new, old);
        default_object(group, kind, new);
        return;
    }
    copy_field(new, old, "spec");
    match status_rule(group, kind, subresource).map_or(StatusMeta::Written, |r| r.meta) {
        StatusMeta::Written => {}
        StatusMeta::Stored(fields) => {
            for field in fields {
                copy_meta_field(new, old, field);
            }
        }
        StatusMeta::AllStored => {
            let managed = new.pointer("/metadata/managedFields").cloned();
            copy_field(new, old, "metadata");
            match managed {
                Some(m) => {
                    new.meta_mut().insert("managedFields".into(), m);
                }
                None => {
                    if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                        meta.remove("managedFields");
                    }
                }
            }
        }
    }
    match (group, kind) {
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            prepare_csr_status(subresource, new, old)
        }
        ("", "Pod") => prepare_pod_status(new, old),
        ("", "Node") => {
            // `status.config` is written only once the stored node has one.
            if old.pointer("/status/config").is_none_or(Value::is_null)
                && let Some(status) = new.get_mut("status").and_then(Value::as_object_mut)
            {
                status.remove("config");
            }
        }
        ("", "PersistentVolume") => prepare_persistent_volume_status(new, old),
        ("resource.k8s.io", "ResourceClaim") => drop_deallocated_devices(new, old),
        _ => {}
    }
    default_object(group, kind, new);
}

/// Makes `new.metadata[field]` what `old.metadata[field]` is (absent when absent).
fn copy_meta_field(new: &mut Value, old: &Value, field: &str) {
    let old_value = old.get("metadata").and_then(|m| m.get(field)).cloned();
    match old_value {
        Some(v) => {
            new.meta_mut().insert(field.to_string(), v);
        }
        None => {
            if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove(field);
            }
        }
    }
}

/// A JSON integer that is absent, null or zero (Go's zero value, left out of its JSON).
fn zero(v: Option<&Value>) -> bool {
    v.is_none_or(|v| v.is_null() || v.as_i64() == Some(0))
}

/// A pod written through `/status` keeps its QoS class when the write leaves it out (old
/// kubelets dropped it), and the observed generations of its status and conditions the write
/// leaves unset (each condition's from the stored condition of its type at the same place
/// among those of that type).
fn prepare_pod_status(new: &mut Value, old: &Value) {
    let Some(status) = new.get_mut("status").and_then(Value::as_object_mut) else { return };
    if status.get("qosClass").and_then(Value::as_str).is_none_or(str::is_empty)
        && let Some(qos) = old.pointer("/status/qosClass").filter(|q| !q.is_null())
    {
        status.insert("qosClass".into(), qos.clone());
    }
    if zero(status.get("observedGeneration"))
        && let Some(g) = old.pointer("/status/observedGeneration").filter(|g| !zero(Some(g)))
    {
        status.insert("observedGeneration".into(), g.clone());
    }
    let old_conditions = old.pointer("/status/conditions").and_then(Value::as_array);
    let mut stored: BTreeMap<&str, Vec<Option<&Value>>> = BTreeMap::new();
    for c in old_conditions.into_iter().flatten() {
        let kind = c.get("type").and_then(Value::as_str).unwrap_or("");
        stored.entry(kind).or_default().push(c.get("observedGeneration"));
    }
    let mut next: BTreeMap<String, usize> = BTreeMap::new();
    let conditions = status.get_mut("conditions").and_then(Value::as_array_mut);
    for c in conditions.into_iter().flatten().filter_map(Value::as_object_mut) {
        let kind = c.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        let at = next.entry(kind.clone()).or_insert(0);
        let was = stored.get(kind.as_str()).and_then(|g| g.get(*at)).copied().flatten();
        *at += 1;
        if zero(c.get("observedGeneration"))
            && let Some(g) = was.filter(|g| !zero(Some(g)))
        {
            c.insert("observedGeneration".into(), g.clone());
        }
    }
}

/// A persistent volume written through `/status` gets a new `lastPhaseTransitionTime` (now)
/// when its phase changes and the write did not set a new one, and keeps the stored one when
/// the phase stays and the write left it out.
fn prepare_persistent_volume_status(new: &mut Value, old: &Value) {
    let old_phase = old.pointer("/status/phase").cloned();
    let old_time = old.pointer("/status/lastPhaseTransitionTime").filter(|t| !t.is_null());
    let Some(status) = new.get_mut("status").and_then(Value::as_object_mut) else { return };
    let time = status.get("lastPhaseTransitionTime").filter(|t| !t.is_null());
    let phase_of = |p: Option<&Value>| p.and_then(Value::as_str).unwrap_or("").to_string();
    let changed = phase_of(status.get("phase")) != phase_of(old_phase.as_ref());
    if !changed && time.is_none() {
        if let Some(t) = old_time {
            status.insert("lastPhaseTransitionTime".into(), t.clone());
        }
    } else if changed && (time.is_none() || time == old_time) {
        let now = Value::String(crate::registry::now_rfc3339());
        status.insert("lastPhaseTransitionTime".into(), now);
    }
}

/// A resource claim written through `/status` loses the device statuses of devices its
/// stored allocation had and the written one no longer has (stale after a deallocation).
fn drop_deallocated_devices(new: &mut Value, old: &Value) {
    type DeviceId = (Value, Value, Value, Value);
    let id = |d: &Value| -> DeviceId {
        let field = |name: &str| d.get(name).cloned().unwrap_or(Value::Null);
        (field("driver"), field("pool"), field("device"), field("shareID"))
    };
    let results = |obj: &Value| -> Vec<DeviceId> {
        obj.pointer("/status/allocation/devices/results")
            .and_then(Value::as_array)
            .map(|r| r.iter().map(id).collect())
            .unwrap_or_default()
    };
    let still = results(new);
    let gone: Vec<DeviceId> = results(old).into_iter().filter(|d| !still.contains(d)).collect();
    if gone.is_empty() {
        return;
    }
    let Some(status) = new.get_mut("status").and_then(Value::as_object_mut) else { return };
    if let Some(devices) = status.get_mut("devices").and_then(Value::as_array_mut) {
        devices.retain(|d| !gone.contains(&id(d)));
        if devices.is_empty() {
            status.remove("devices");
        }
    }
}

/// A pod written through `pods/ephemeralcontainers` changes its ephemeral containers only;
/// through `pods/resize`, its containers' and init containers' resources and resize policies
/// only, each taken from the written container at the same place. A write that adds, removes,
/// renames or reorders containers keeps its lists as written, so validation refuses it.
fn narrow_pod_spec(subresource: &str, new: &mut Value, old: &Value) {
    let written = new.get("spec").cloned().unwrap_or(Value::Null);
    let mut spec = old.get("spec").cloned().unwrap_or_else(|| json!({}));
    let Some(target) = spec.as_object_mut() else { return };
    let set = |target: &mut Map<String, Value>, field: &str, value: Option<&Value>| match value {
        Some(v) => {
            target.insert(field.to_string(), v.clone());
        }
        None => {
            target.remove(field);
        }
    };
    if subresource == "ephemeralcontainers" {
        set(target, "ephemeralContainers", written.get("ephemeralContainers"));
    } else {
        let list = |spec: &Value, field: &str| {
            spec.get(field).and_then(Value::as_array).cloned().unwrap_or_default()
        };
        let same_shape = ["containers", "initContainers"].iter().all(|field| {
            let (now, was) = (list(&written, field), list(&old["spec"], field));
            now.len() == was.len()
                && now.iter().zip(&was).all(|(n, w)| n.get("name") == w.get("name"))
        });
        for field in ["containers", "initContainers"] {
            if !same_shape {
                set(target, field, written.get(field));
                continue;
            }
            let sent = list(&written, field);
            let kept = target.get_mut(field).and_then(Value::as_array_mut);
            for (c, from) in kept.into_iter().flatten().zip(&sent) {
                if let Some(c) = c.as_object_mut() {
                    set(c, "resources", from.get("resources"));
                    set(c, "resizePolicy", from.get("resizePolicy"));
                }
            }
        }
    }
    if let Some(o) = new.as_object_mut() {
        o.insert("spec".to_string(), spec);
    }
}

/// A CertificateSigningRequest written through `/status` keeps its Approved and Denied
/// conditions (where the write keeps their count; validation refuses the rest); through
/// `/approval` it keeps its certificate. Either way conditions get their timestamps: the
/// update time now when missing, and the transition time of the stored condition of the same
/// type and status (or now) when missing.
fn prepare_csr_status(subresource: &str, new: &mut Value, old: &Value) {
    let old_conditions = old.pointer("/status/conditions").and_then(Value::as_array);
    let old_conditions: &[Value] = old_conditions.map_or(&[], Vec::as_slice);
    if subresource == "approval" {
        let certificate = old.pointer("/status/certificate").cloned();
        if let Some(status) = new.get_mut("status").and_then(Value::as_object_mut) {
            match certificate {
                Some(c) => status.insert("certificate".to_string(), c),
                None => status.remove("certificate"),
            };
        }
    } else if let Some(conditions) =
        new.pointer_mut("/status/conditions").and_then(Value::as_array_mut)
    {
        for kind in ["Approved", "Denied"] {
            let of = |c: &&Value| c.get("type").and_then(Value::as_str) == Some(kind);
            let was: Vec<&Value> = old_conditions.iter().filter(of).collect();
            let at: Vec<usize> = (0..conditions.len()).filter(|i| of(&&conditions[*i])).collect();
            if was.len() == at.len() {
                for (i, c) in at.into_iter().zip(was) {
                    conditions[i] = c.clone();
                }
            }
        }
    }
    let Some(conditions) = new.pointer_mut("/status/conditions").and_then(Value::as_array_mut)
    else {
        return;
    };
    let now = crate::registry::now_rfc3339();
    let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
    for c in conditions.iter_mut().filter_map(Value::as_object_mut) {
        if unset(c.get("lastUpdateTime")) {
            c.insert("lastUpdateTime".to_string(), Value::String(now.clone()));
        }
        if unset(c.get("lastTransitionTime")) {
            let same = |o: &&Value| {
                o.get("type") == c.get("type")
                    && o.get("status") == c.get("status")
                    && !unset(o.get("lastTransitionTime"))
            };
            let at = old_conditions
                .iter()
                .find(same)
                .and_then(|o| o.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| Value::String(now.clone()));
            c.insert("lastTransitionTime".to_string(), at);
        }
    }
}

/// Makes `new[field]` what `old[field]` is (absent when absent).
fn copy_field(new: &mut Value, old: &Value, field: &str) {
    let Some(map) = object_mut(new) else { return };
    match old.get(field) {
        Some(v) => {
            map.insert(field.to_string(), v.clone());
        }
        None => {
            map.remove(field);
        }
    }
}

fn prepare_pod_for_create(pod: &mut core::Pod) {
    let gated = pod
        .spec
        .as_ref()
        .is_some_and(|s| !s.scheduling_gates.as_deref().unwrap_or_default().is_empty());
    pod.status = Some(initial_pod_status(gated, pod_qos_class(pod)));
}

/// A new pod's status: `Pending` with its QoS class, and not scheduled while it has scheduling
/// gates.
fn initial_pod_status(gated: bool, qos: &str) -> core::PodStatus {
    let mut conditions = Vec::new();
    if gated {
        conditions.push(core::PodCondition {
            type_: "PodScheduled".to_string(),
            status: "False".to_string(),
            reason: Some("SchedulingGated".to_string()),
            message: Some("Scheduling is blocked due to non-empty scheduling gates".to_string()),
            ..Default::default()
        });
    }
    core::PodStatus {
        phase: Some("Pending".to_string()),
        qos_class: Some(qos.to_string()),
        conditions: Some(conditions).filter(|c| !c.is_empty()),
        ..Default::default()
    }
}

fn prepare_namespace_for_create(obj: &mut Value) {
    with_typed(obj, |ns: &mut core::Namespace| {
        let spec = ns.spec.get_or_insert_with(Default::default);
        let finalizers = spec.finalizers.get_or_insert_with(Vec::new);
        if !finalizers.iter().any(|f| f == "kubernetes") {
            finalizers.push("kubernetes".to_string());
        }
    });
}

/// The resources that decide a pod's QoS class.
const QOS_RESOURCES: [&str; 2] = ["cpu", "memory"];

fn positive(q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity) -> Option<ParsedQuantity> {
    ParsedQuantity::parse(&q.0).ok().filter(|p| p.sign() > 0)
}

/// A pod's quality-of-service class (`ComputePodQOS`): `BestEffort` without any CPU or memory
/// request or limit, `Guaranteed` when every container limits both and requests equal limits,
/// `Burstable` otherwise. Pod-level resources, when set, decide alone.
pub fn pod_qos_class(pod: &core::Pod) -> &'static str {
    let Some(spec) = &pod.spec else { return "BestEffort" };
    let containers = spec.init_containers.iter().flatten().chain(&spec.containers);
    qos_class(spec.resources.as_ref(), containers.map(|c| c.resources.as_ref()))
}

/// [`pod_qos_class`] from the pod-level resources and each container's.
fn qos_class<'a>(
    pod_level: Option<&core::ResourceRequirements>,
    containers: impl Iterator<Item = Option<&'a core::ResourceRequirements>>,
) -> &'static str {
    let mut requests: BTreeMap<&str, ParsedQuantity> = BTreeMap::new();
    let mut limits: BTreeMap<&str, ParsedQuantity> = BTreeMap::new();
    let mut guaranteed = true;
    let add = |sum: &mut BTreeMap<&str, ParsedQuantity>,
               list: Option<&BTreeMap<String, _>>|
     -> Vec<&'static str> {
        let mut found = Vec::new();
        for name in QOS_RESOURCES {
            if let Some(q) = list.and_then(|l| l.get(name)).and_then(positive) {
                found.push(name);
                *sum.entry(name).or_insert_with(|| ParsedQuantity::new(0, q.format())) += &q;
            }
        }
        found
    };
    let pod_level = pod_level.filter(|r| {
        r.requests.as_ref().is_some_and(|m| !m.is_empty())
            || r.limits.as_ref().is_some_and(|m| !m.is_empty())
    });
    if let Some(r) = pod_level {
        add(&mut requests, r.requests.as_ref());
        if add(&mut limits, r.limits.as_ref()).len() != QOS_RESOURCES.len() {
            guaranteed = false;
        }
    } else {
        for r in containers {
            add(&mut requests, r.and_then(|r| r.requests.as_ref()));
            if add(&mut limits, r.and_then(|r| r.limits.as_ref())).len() != QOS_RESOURCES.len() {
                guaranteed = false;
            }
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed
        && requests.iter().all(|(name, req)| limits.get(name) == Some(req))
        && requests.len() == limits.len()
    {
        return "Guaranteed";
    }
    "Burstable"
}

/// The IP family of an address literal.
fn ip_family(ip: &str) -> &'static str {
    if ip.contains(':') { "IPv6" } else { "IPv4" }
}

/// Fills a service's IP family policy and families the way the service REST storage does
/// before it allocates cluster IPs, for a single-stack IPv4 cluster: none for `ExternalName`,
/// `RequireDualStack` for headless services without a selector, `SingleStack` otherwise.
pub fn default_service_ip_families(svc: &mut core::Service) {
    let has_selector =
        svc.spec.as_ref().is_some_and(|s| s.selector.as_ref().is_some_and(|m| !m.is_empty()));
    let spec = svc.spec.get_or_insert_with(Default::default);
    if spec.type_.as_deref() == Some("ExternalName") {
        spec.ip_families = None;
        spec.ip_family_policy = None;
        return;
    }
    let headless = spec.cluster_ip.as_deref() == Some("None");
    if spec.ip_family_policy.is_none() {
        let policy = if headless && !has_selector { "RequireDualStack" } else { "SingleStack" };
        spec.ip_family_policy = Some(policy.to_string());
    }
    if spec.ip_families.as_ref().is_none_or(Vec::is_empty) {
        let from_ips: Vec<String> = spec
            .cluster_ips
            .iter()
            .flatten()
            .filter(|ip| !ip.is_empty() && *ip != "None")
            .map(|ip| ip_family(ip).to_string())
            .collect();
        spec.ip_families =
            Some(if from_ips.is_empty() { vec!["IPv4".to_string()] } else { from_ips });
    }
}

/// Adds the job-name and controller-uid labels to a job's pod template and selects on the
/// uid, unless the job asks for a manual selector (`generateSelector`).
fn generate_job_selector(job: &mut k8s_openapi::api::batch::v1::Job) {
    let name = job.metadata.name.clone().unwrap_or_default();
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let Some(spec) = &mut job.spec else { return };
    if spec.manual_selector == Some(true) {
        return;
    }
    let labels = spec
        .template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default);
    for key in ["job-name", "batch.kubernetes.io/job-name"] {
        labels.entry(key.to_string()).or_insert_with(|| name.clone());
    }
    for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
        labels.entry(key.to_string()).or_insert_with(|| uid.clone());
    }
    let selector = spec.selector.get_or_insert_with(Default::default);
    selector
        .match_labels
        .get_or_insert_with(Default::default)
        .entry("batch.kubernetes.io/controller-uid".to_string())
        .or_insert(uid);
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn container(name: &str, resources: Value) -> Value {
        json!({"name": name, "image": "registry.k8s.io/pause:3.10", "resources": resources})
    }

    fn pod(spec: Value, status: Option<Value>) -> Value {
        let mut pod = json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": "p", "namespace": "default", "labels": {"app": "a"}},
            "spec": spec,
        });
        if let Some(status) = status {
            pod["status"] = status;
        }
        pod
    }

    /// A pod decoded with its defaults and then prepared from the fields its status depends on
    /// ends up exactly as one prepared the general way (defaults, status, defaults again, each
    /// reading the whole pod into its type), QoS classes and scheduling gates included.
    #[test]
    fn defaulted_pod_prepares_like_the_general_path() {
        let both = json!({"requests": {"cpu": "100m", "memory": "64Mi"},
                          "limits": {"cpu": "100m", "memory": "64Mi"}});
        let cases = [
            pod(json!({"containers": [container("a", json!({}))]}), None),
            pod(json!({"containers": [container("a", both.clone())]}), None),
            // Limits only: defaulting copies them to requests, so the pod is Guaranteed.
            pod(
                json!({"containers": [container("a", json!({"limits": {"cpu": "1", "memory": "1Gi"}}))]}),
                None,
            ),
            pod(
                json!({"initContainers": [container("i", json!({"requests": {"cpu": "1"}}))],
                       "containers": [container("a", both.clone())]}),
                None,
            ),
            pod(
                json!({"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                       "containers": [container("a", json!({}))]}),
                None,
            ),
            pod(
                json!({"schedulingGates": [{"name": "example.com/gate"}],
                       "containers": [container("a", json!({}))]}),
                Some(json!({"phase": "Running", "podIP": "10.0.0.1"})),
            ),
            pod(
                json!({"hostNetwork": true,
                       "containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}]}),
                Some(json!({})),
            ),
        ];
        let ops = crate::kinds::lookup("", "v1", "Pod").unwrap();
        let reads = super::body_reads("", "Pod", ops);
        for raw in cases {
            let mut general = (ops.roundtrip)(&raw).unwrap();
            super::prepare_for_create("", "Pod", &mut general);
            let mut defaulted = (reads.roundtrip)(&raw).unwrap();
            // A JSON body read straight into the type gets the same defaults.
            let (straight, seen) = (reads.decode_json)(&serde_json::to_vec(&raw).unwrap()).unwrap();
            assert_eq!(straight, defaulted, "{raw}");
            assert!(seen.clean(), "{raw}");
            super::prepare_defaulted_for_create("", "Pod", &mut defaulted);
            assert_eq!(defaulted, general, "{raw}");
        }
    }

    /// The metadata fields a status write may change, each set to a value naming `side`.
    fn status_meta(side: &str, when: &str, generation: i64) -> Value {
        json!({
            "name": "o",
            "namespace": "default",
            "labels": {"side": side},
            "annotations": {"side": side},
            "finalizers": [format!("example.com/{side}")],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": side,
                                 "uid": format!("uid-{side}")}],
            "deletionTimestamp": when,
            "generation": generation,
            "selfLink": format!("/{side}"),
            "managedFields": [{"manager": side, "operation": "Update"}],
        })
    }

    const META_FIELDS: [&str; 8] = [
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "deletionTimestamp",
        "generation",
        "selfLink",
        "managedFields",
    ];

    /// What `metav1.ResetObjectMetaForStatus` takes from the stored object: all of the
    /// above but managedFields.
    const RESET_FOR_STATUS: &[&str] = META_FIELDS.split_at(7).0;

    /// Writes `group`/`kind` through `subresource` with every metadata field and the spec
    /// changed, and checks that exactly the fields of `stored` (and the spec) are the stored
    /// object's afterwards, the rest the write's.
    #[track_caller]
    fn check_status_meta(group: &str, kind: &str, subresource: &str, stored: &[&str]) {
        let object = |side: &str, when: &str, generation: i64| {
            json!({
                "kind": kind,
                "metadata": status_meta(side, when, generation),
                "spec": {"side": side},
                "status": {},
            })
        };
        let old = object("stored", "2024-01-01T00:00:00Z", 1);
        let written = object("written", "2025-01-01T00:00:00Z", 2);
        let mut new = written.clone();
        super::prepare_for_status_update(group, kind, subresource, &mut new, &old);
        // Compared with each side as its defaults leave it (a namespace's name label).
        let defaulted = |obj: &Value| {
            let mut obj = obj.clone();
            super::default_object(group, kind, &mut obj);
            obj
        };
        let (old, written) = (defaulted(&old), defaulted(&written));
        let what = format!("{kind} through {subresource}");
        for field in META_FIELDS {
            let from = if stored.contains(&field) { &old } else { &written };
            assert_eq!(new["metadata"][field], from["metadata"][field], "{what}: {field}");
        }
        assert_eq!(new["spec"], old["spec"], "{what}: spec");
    }

    /// Each kind's status strategy (pkg/registry/<group>/<kind>/strategy.go, the
    /// `StatusStrategy`'s `PrepareForUpdate`, as in upstream's `TestStatusUpdates` and
    /// `TestPodStrategyStatusUpdate` cases): most keep the metadata a status write changes;
    /// pods keep their owner references (and deletion timestamp), deployments their labels,
    /// volume attachments, admission policies and resource claims what
    /// `ResetObjectMetaForStatus` resets, API Priority and Fairness objects all of it, API
    /// services their labels, annotations, finalizers and owner references.
    #[test]
    fn status_writes_keep_the_metadata_each_strategy_keeps() {
        let all_but_managed: Vec<&str> =
            META_FIELDS.iter().copied().filter(|f| *f != "managedFields").collect();
        let cases: &[(&str, &str, &str, &[&str])] = &[
            ("", "Pod", "status", &["deletionTimestamp", "ownerReferences"]),
            ("", "Pod", "ephemeralcontainers", &all_but_managed),
            ("", "Pod", "resize", &all_but_managed),
            ("", "Service", "status", &[]),
            ("", "Namespace", "status", &[]),
            ("", "Node", "status", &[]),
            ("", "ReplicationController", "status", &[]),
            ("", "PersistentVolume", "status", &[]),
            ("", "PersistentVolumeClaim", "status", &[]),
            ("", "ResourceQuota", "status", &[]),
            ("apps", "Deployment", "status", &["labels"]),
            ("apps", "ReplicaSet", "status", &[]),
            ("apps", "StatefulSet", "status", &[]),
            ("apps", "DaemonSet", "status", &[]),
            ("batch", "Job", "status", &[]),
            ("batch", "CronJob", "status", &[]),
            ("autoscaling", "HorizontalPodAutoscaler", "status", &[]),
            ("policy", "PodDisruptionBudget", "status", &[]),
            ("networking.k8s.io", "Ingress", "status", &[]),
            ("networking.k8s.io", "ServiceCIDR", "status", &[]),
            ("storage.k8s.io", "VolumeAttachment", "status", RESET_FOR_STATUS),
            ("certificates.k8s.io", "CertificateSigningRequest", "status", &[]),
            ("certificates.k8s.io", "CertificateSigningRequest", "approval", &[]),
            ("flowcontrol.apiserver.k8s.io", "FlowSchema", "status", &all_but_managed),
            (
                "flowcontrol.apiserver.k8s.io",
                "PriorityLevelConfiguration",
                "status",
                &all_but_managed,
            ),
            (
                "admissionregistration.k8s.io",
                "ValidatingAdmissionPolicy",
                "status",
                RESET_FOR_STATUS,
            ),
            ("resource.k8s.io", "ResourceClaim", "status", RESET_FOR_STATUS),
            (
                "apiregistration.k8s.io",
                "APIService",
                "status",
                &["labels", "annotations", "finalizers", "ownerReferences"],
            ),
            ("apiextensions.k8s.io", "CustomResourceDefinition", "status", &[]),
        ];
        for (group, kind, subresource, stored) in cases {
            check_status_meta(group, kind, subresource, stored);
        }
    }

    /// The fields a status writer cannot own follow the same strategies (`GetResetFields`).
    #[test]
    fn status_reset_fields_follow_the_strategies() {
        use super::status_reset_fields as reset;
        let pod: &[&[&str]] =
            &[&["spec"], &["metadata", "deletionTimestamp"], &["metadata", "ownerReferences"]];
        assert_eq!(reset("", "Pod", "status"), Some(pod));
        assert_eq!(reset("", "Node", "status"), Some(&[&["spec"][..]][..]));
        assert_eq!(
            reset("apps", "Deployment", "status"),
            Some(&[&["spec"][..], &["metadata", "labels"][..]][..])
        );
        assert_eq!(
            reset("flowcontrol.apiserver.k8s.io", "FlowSchema", "status"),
            Some(&[&["metadata"][..], &["spec"][..]][..])
        );
        assert_eq!(
            reset("certificates.k8s.io", "CertificateSigningRequest", "approval"),
            Some(&[&["spec"][..], &["status", "certificate"][..]][..])
        );
        // Custom resources and a pod's spec subresources have rules of their own.
        assert_eq!(reset("example.com", "Widget", "status"), None);
        assert_eq!(reset("", "Pod", "resize"), None);
    }

    /// pods/status (`podStatusStrategy.PrepareForUpdate`): a write without a QoS class keeps
    /// the stored one, and unset observed generations keep the stored ones, per condition
    /// type in order.
    #[test]
    fn pod_status_keeps_qos_class_and_observed_generations() {
        let old = pod(
            json!({"containers": [container("a", json!({}))]}),
            Some(json!({"qosClass": "BestEffort", "observedGeneration": 3, "conditions": [
                {"type": "Ready", "status": "True", "observedGeneration": 2},
                {"type": "Ready", "status": "True", "observedGeneration": 3},
                {"type": "PodScheduled", "status": "True"},
            ]})),
        );
        let mut new = old.clone();
        new["status"] = json!({"phase": "Running", "conditions": [
            {"type": "Ready", "status": "False"},
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": "True", "observedGeneration": 5},
            {"type": "Initialized", "status": "True"},
        ]});
        super::prepare_for_status_update("", "Pod", "status", &mut new, &old);
        assert_eq!(new["status"]["qosClass"], "BestEffort");
        assert_eq!(new["status"]["observedGeneration"], 3);
        let generations: Vec<&Value> = new["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["observedGeneration"])
            .collect();
        assert_eq!(generations, [&json!(2), &Value::Null, &json!(5), &Value::Null]);
        // A class the write names is the write's.
        let mut named = old.clone();
        named["status"] = json!({"qosClass": "Burstable"});
        super::prepare_for_status_update("", "Pod", "status", &mut named, &old);
        assert_eq!(named["status"]["qosClass"], "Burstable");
    }

    /// persistentvolumes/status: a phase change stamps `lastPhaseTransitionTime` unless the
    /// write sets a new one; an unchanged phase keeps the stored time.
    #[test]
    fn persistent_volume_status_stamps_phase_transitions() {
        let pv = |status: Value| {
            json!({"kind": "PersistentVolume", "metadata": {"name": "v"},
                                         "spec": {}, "status": status})
        };
        let then = "2024-01-01T00:00:00Z";
        let old = pv(json!({"phase": "Available", "lastPhaseTransitionTime": then}));
        let prepared = |status: Value| {
            let mut new = pv(status);
            super::prepare_for_status_update("", "PersistentVolume", "status", &mut new, &old);
            new["status"]["lastPhaseTransitionTime"].clone()
        };
        assert_eq!(prepared(json!({"phase": "Available"})), then);
        let stamped = prepared(json!({"phase": "Bound"}));
        assert!(stamped.as_str().is_some_and(|t| t > then), "{stamped}");
        let stamped = prepared(json!({"phase": "Bound", "lastPhaseTransitionTime": then}));
        assert!(stamped.as_str().is_some_and(|t| t > then), "{stamped}");
        let set = "2030-01-01T00:00:00Z";
        assert_eq!(prepared(json!({"phase": "Bound", "lastPhaseTransitionTime": set})), set);
    }

    /// nodes/status writes `status.config` only once the stored node has one.
    #[test]
    fn node_status_config_only_once_in_use() {
        let node = |status: Value| {
            json!({"kind": "Node", "metadata": {"name": "n"},
                                           "spec": {}, "status": status})
        };
        let config = json!({"error": "x"});
        let mut new = node(json!({"config": config}));
        super::prepare_for_status_update("", "Node", "status", &mut new, &node(json!({})));
        assert!(new["status"].get("config").is_none(), "{new}");
        let mut new = node(json!({"config": config}));
        let old = node(json!({"config": {"error": "y"}}));
        super::prepare_for_status_update("", "Node", "status", &mut new, &old);
        assert_eq!(new["status"]["config"], config);
    }

    /// resourceclaims/status drops the device statuses of devices deallocated by the write.
    #[test]
    fn resource_claim_status_drops_deallocated_devices() {
        let device = |name: &str| json!({"driver": "d", "pool": "p", "device": name});
        let claim = |results: Vec<Value>, devices: Vec<Value>| {
            json!({"kind": "ResourceClaim", "metadata": {"name": "c", "namespace": "default"},
                   "spec": {}, "status": {
                       "allocation": {"devices": {"results": results}},
                       "devices": devices}})
        };
        let with_request = |d: Value| {
            let mut d = d;
            d["request"] = json!("r");
            d
        };
        let old = claim(
            vec![with_request(device("a")), with_request(device("b"))],
            vec![device("a"), device("b")],
        );
        let mut new = claim(vec![with_request(device("a"))], vec![device("a"), device("b")]);
        super::prepare_for_status_update(
            "resource.k8s.io",
            "ResourceClaim",
            "status",
            &mut new,
            &old,
        );
        let names: Vec<&Value> =
            new["status"]["devices"].as_array().unwrap().iter().map(|d| &d["device"]).collect();
        assert_eq!(names, [&json!("a")]);
    }
}
