//! The kind-specific mutations of upstream's registry strategies (`PrepareForCreate`,
//! `PrepareForUpdate` and the status strategies' `PrepareForUpdate` in pkg/registry/*). Generic
//! metadata (uid, creationTimestamp, generation, resourceVersion) is the caller's business.

use std::collections::BTreeMap;

use apimachinery::resource::Quantity as ParsedQuantity;
use k8s_openapi::api::core::v1 as core;
use serde_json::{Map, Value, json};

use super::defaults::core::default_pod;
use super::{api_version_of, default_object, with_typed};
use crate::kinds::KindOps;

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
            | ("networking.k8s.io", "Ingress" | "ServiceCIDR" | "IPAddress")
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
    default_object(group, kind, new);
}

/// Applies a status strategy's update mutations (an update through `/status`, or a request's
/// `/approval`): the stored spec is kept, and so is the metadata a status writer may not
/// change (labels, annotations, finalizers, owner references, deletion timestamp, generation).
pub fn prepare_for_status_update(
    group: &str,
    kind: &str,
    subresource: &str,
    new: &mut Value,
    old: &Value,
) {
    match ((group, kind), subresource) {
        (("", "Pod"), "ephemeralcontainers" | "resize") => narrow_pod_spec(subresource, new, old),
        _ => copy_field(new, old, "spec"),
    }
    if (group, kind) == ("certificates.k8s.io", "CertificateSigningRequest") {
        prepare_csr_status(subresource, new, old);
    }
    for field in [
        "deletionTimestamp",
        "generation",
        "selfLink",
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
    ] {
        let old_value = old.get("metadata").and_then(|m| m.get(field)).cloned();
        if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
            match old_value {
                Some(v) => {
                    meta.insert(field.to_string(), v);
                }
                None => {
                    meta.remove(field);
                }
            }
        }
    }
    default_object(group, kind, new);
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
}
