//! Defaults of the core (`v1`) kinds: pods and pod templates, services, namespaces, secrets,
//! volumes, nodes and persistent volumes (pkg/apis/core/v1/defaults.go and the declarative
//! defaults of k8s.io/api/core/v1).

use std::collections::BTreeMap;

use apimachinery::resource::{MILLI, Quantity as ParsedQuantity};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The mode of files projected from secrets, config maps and the downward API (0644).
const DEFAULT_VOLUME_MODE: i32 = 0o644;

type ResourceList = BTreeMap<String, Quantity>;

fn set_if_none<T>(slot: &mut Option<T>, value: T) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

fn set_str_if_empty(slot: &mut Option<String>, value: &str) {
    if slot.as_deref().unwrap_or_default().is_empty() {
        *slot = Some(value.to_string());
    }
}

/// Rounds every quantity up to milli precision and writes it in canonical form, as a Go
/// server does when it stores and re-encodes the list.
pub fn default_resource_list(list: &mut Option<ResourceList>) {
    for q in list.iter_mut().flat_map(|l| l.values_mut()) {
        if let Ok(mut parsed) = ParsedQuantity::parse(&q.0) {
            parsed.round_up(MILLI);
            q.0 = parsed.canonical_string();
        }
    }
}

/// The tag of an image reference: `latest` when it names neither a tag nor a digest, empty when
/// the reference does not parse.
fn image_tag(image: &str) -> Option<&str> {
    if image.is_empty() || image.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    // The repository path (after any registry host) must be lower case.
    let path = repo.split_once('/').map_or(repo, |(host, rest)| {
        if host.contains('.') || host.contains(':') || host == "localhost" { rest } else { repo }
    });
    if path.is_empty() || path.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) => Some(t),
        (None, None) => Some("latest"),
        (None, Some(_)) => Some(""),
    }
}

/// The pull policy an image gets when none is given: `Always` for `:latest` (or no tag),
/// `IfNotPresent` otherwise.
pub fn default_pull_policy(image: &str) -> &'static str {
    if image_tag(image) == Some("latest") { "Always" } else { "IfNotPresent" }
}

fn default_http_get(action: &mut core::HTTPGetAction) {
    set_str_if_empty(&mut action.path, "/");
    set_str_if_empty(&mut action.scheme, "HTTP");
}

fn default_probe(probe: &mut Option<core::Probe>) {
    let Some(p) = probe else { return };
    for (slot, value) in [
        (&mut p.timeout_seconds, 1),
        (&mut p.period_seconds, 10),
        (&mut p.success_threshold, 1),
        (&mut p.failure_threshold, 3),
    ] {
        if slot.unwrap_or_default() == 0 {
            *slot = Some(value);
        }
    }
    if let Some(h) = &mut p.http_get {
        default_http_get(h);
    }
}

fn default_lifecycle(lifecycle: &mut Option<core::Lifecycle>) {
    let Some(l) = lifecycle else { return };
    for handler in [&mut l.post_start, &mut l.pre_stop].into_iter().flatten() {
        if let Some(h) = &mut handler.http_get {
            default_http_get(h);
        }
    }
}

fn default_field_selector(sel: &mut Option<core::ObjectFieldSelector>) {
    if let Some(s) = sel {
        set_str_if_empty(&mut s.api_version, "v1");
    }
}

/// Container defaults (`SetDefaults_Container` plus the nested defaulters).
pub fn default_container(c: &mut core::Container) {
    if c.image_pull_policy.as_deref().unwrap_or_default().is_empty() {
        c.image_pull_policy =
            Some(default_pull_policy(c.image.as_deref().unwrap_or_default()).to_string());
    }
    set_str_if_empty(&mut c.termination_message_path, "/dev/termination-log");
    set_str_if_empty(&mut c.termination_message_policy, "File");
    for port in c.ports.iter_mut().flatten() {
        set_str_if_empty(&mut port.protocol, "TCP");
    }
    for env in c.env.iter_mut().flatten() {
        if let Some(from) = &mut env.value_from {
            default_field_selector(&mut from.field_ref);
        }
    }
    // Go always writes the (struct-valued) resources field, empty or not.
    let resources = c.resources.get_or_insert_with(Default::default);
    default_resource_list(&mut resources.limits);
    default_resource_list(&mut resources.requests);
    default_probe(&mut c.liveness_probe);
    default_probe(&mut c.readiness_probe);
    default_probe(&mut c.startup_probe);
    default_lifecycle(&mut c.lifecycle);
}

fn default_ephemeral_container(c: &mut core::EphemeralContainer) {
    if c.image_pull_policy.as_deref().unwrap_or_default().is_empty() {
        c.image_pull_policy =
            Some(default_pull_policy(c.image.as_deref().unwrap_or_default()).to_string());
    }
    set_str_if_empty(&mut c.termination_message_path, "/dev/termination-log");
    set_str_if_empty(&mut c.termination_message_policy, "File");
    for port in c.ports.iter_mut().flatten() {
        set_str_if_empty(&mut port.protocol, "TCP");
    }
    for env in c.env.iter_mut().flatten() {
        if let Some(from) = &mut env.value_from {
            default_field_selector(&mut from.field_ref);
        }
    }
    let resources = c.resources.get_or_insert_with(Default::default);
    default_resource_list(&mut resources.limits);
    default_resource_list(&mut resources.requests);
    default_probe(&mut c.liveness_probe);
    default_probe(&mut c.readiness_probe);
    default_probe(&mut c.startup_probe);
    default_lifecycle(&mut c.lifecycle);
}

fn volume_has_source(v: &core::Volume) -> bool {
    v.aws_elastic_block_store.is_some()
        || v.azure_disk.is_some()
        || v.azure_file.is_some()
        || v.cephfs.is_some()
        || v.cinder.is_some()
        || v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.fc.is_some()
        || v.flex_volume.is_some()
        || v.flocker.is_some()
        || v.gce_persistent_disk.is_some()
        || v.git_repo.is_some()
        || v.glusterfs.is_some()
        || v.host_path.is_some()
        || v.image.is_some()
        || v.iscsi.is_some()
        || v.nfs.is_some()
        || v.persistent_volume_claim.is_some()
        || v.photon_persistent_disk.is_some()
        || v.portworx_volume.is_some()
        || v.projected.is_some()
        || v.quobyte.is_some()
        || v.rbd.is_some()
        || v.scale_io.is_some()
        || v.secret.is_some()
        || v.storageos.is_some()
        || v.vsphere_volume.is_some()
}

/// `SetDefaults_AzureDiskVolumeSource`: read-write caching, ext4, shared blob disks.
fn default_azure_disk(s: &mut core::AzureDiskVolumeSource) {
    set_str_if_empty(&mut s.caching_mode, "ReadWrite");
    set_str_if_empty(&mut s.fs_type, "ext4");
    set_if_none(&mut s.read_only, false);
    set_str_if_empty(&mut s.kind, "Shared");
}

/// Volume defaults (`SetDefaults_Volume` and the per-source defaulters).
pub fn default_volume(v: &mut core::Volume) {
    if !volume_has_source(v) {
        v.empty_dir = Some(Default::default());
    }
    if let Some(image) = &mut v.image
        && image.pull_policy.as_deref().unwrap_or_default().is_empty()
    {
        let tag = image_tag(image.reference.as_deref().unwrap_or_default());
        let policy = if tag == Some("latest") { "Always" } else { "IfNotPresent" };
        image.pull_policy = Some(policy.to_string());
    }
    if let Some(h) = &mut v.host_path {
        set_if_none(&mut h.type_, String::new());
    }
    if let Some(s) = &mut v.secret {
        set_if_none(&mut s.default_mode, DEFAULT_VOLUME_MODE);
    }
    if let Some(s) = &mut v.config_map {
        set_if_none(&mut s.default_mode, DEFAULT_VOLUME_MODE);
    }
    if let Some(s) = &mut v.downward_api {
        set_if_none(&mut s.default_mode, DEFAULT_VOLUME_MODE);
        for item in s.items.iter_mut().flatten() {
            default_field_selector(&mut item.field_ref);
        }
    }
    if let Some(s) = &mut v.projected {
        set_if_none(&mut s.default_mode, DEFAULT_VOLUME_MODE);
        for src in s.sources.iter_mut().flatten() {
            if let Some(d) = &mut src.downward_api {
                for item in d.items.iter_mut().flatten() {
                    default_field_selector(&mut item.field_ref);
                }
            }
            if let Some(t) = &mut src.service_account_token {
                set_if_none(&mut t.expiration_seconds, 3600);
            }
        }
    }
    if let Some(s) = &mut v.iscsi {
        set_str_if_empty(&mut s.iscsi_interface, "default");
    }
    if let Some(s) = &mut v.rbd {
        set_str_if_empty(&mut s.pool, "rbd");
        set_str_if_empty(&mut s.user, "admin");
        set_str_if_empty(&mut s.keyring, "/etc/ceph/keyring");
    }
    if let Some(s) = &mut v.azure_disk {
        default_azure_disk(s);
    }
    if let Some(s) = &mut v.scale_io {
        set_str_if_empty(&mut s.storage_mode, "ThinProvisioned");
        set_str_if_empty(&mut s.fs_type, "xfs");
    }
    if let Some(e) = &mut v.ephemeral
        && let Some(t) = &mut e.volume_claim_template
    {
        default_pvc_spec(&mut t.spec);
    }
}

/// `SetDefaults_PersistentVolumeClaimSpec` with its resource lists.
pub fn default_pvc_spec(spec: &mut core::PersistentVolumeClaimSpec) {
    set_if_none(&mut spec.volume_mode, "Filesystem".to_string());
    if let Some(r) = &mut spec.resources {
        default_resource_list(&mut r.limits);
        default_resource_list(&mut r.requests);
    }
}

/// Pod spec defaults shared by pods and every pod template (`SetDefaults_PodSpec` and the
/// nested defaulters; not the pod-only `SetDefaults_Pod`).
pub fn default_pod_spec(spec: &mut core::PodSpec) {
    set_str_if_empty(&mut spec.dns_policy, "ClusterFirst");
    set_str_if_empty(&mut spec.restart_policy, "Always");
    set_if_none(&mut spec.security_context, Default::default());
    set_if_none(&mut spec.termination_grace_period_seconds, 30);
    set_str_if_empty(&mut spec.scheduler_name, "default-scheduler");
    for v in spec.volumes.iter_mut().flatten() {
        default_volume(v);
    }
    for c in spec.init_containers.iter_mut().flatten() {
        default_container(c);
    }
    for c in &mut spec.containers {
        default_container(c);
    }
    for c in spec.ephemeral_containers.iter_mut().flatten() {
        default_ephemeral_container(c);
    }
    default_resource_list(&mut spec.overhead);
}

/// Pod template defaults: the template's pod spec.
pub fn default_pod_template_spec(t: &mut core::PodTemplateSpec) {
    default_pod_spec(t.spec.get_or_insert_with(Default::default));
}

fn copy_limits_to_requests(containers: &mut [core::Container]) {
    for c in containers {
        let Some(r) = &mut c.resources else { continue };
        let Some(limits) = &r.limits else { continue };
        let requests = r.requests.get_or_insert_with(Default::default);
        for (k, v) in limits {
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

fn default_host_network_ports(containers: &mut [core::Container]) {
    for port in containers.iter_mut().flat_map(|c| c.ports.iter_mut().flatten()) {
        if port.host_port.unwrap_or_default() == 0 {
            port.host_port = Some(port.container_port);
        }
    }
}

/// Pod defaults (`SetObjectDefaults_Pod`): requests default to limits, service links on,
/// host-network ports, then the pod spec defaults.
pub fn default_pod(pod: &mut core::Pod) {
    let spec = pod.spec.get_or_insert_with(Default::default);
    copy_limits_to_requests(&mut spec.containers);
    copy_limits_to_requests(spec.init_containers.as_deref_mut().unwrap_or_default());
    set_if_none(&mut spec.enable_service_links, true);
    if spec.host_network == Some(true) {
        default_host_network_ports(&mut spec.containers);
        default_host_network_ports(spec.init_containers.as_deref_mut().unwrap_or_default());
    }
    default_pod_spec(spec);
}

/// Service defaults (`SetDefaults_Service`).
pub fn default_service(svc: &mut core::Service) {
    let spec = svc.spec.get_or_insert_with(Default::default);
    set_str_if_empty(&mut spec.session_affinity, "None");
    match spec.session_affinity.as_deref() {
        Some("None") => spec.session_affinity_config = None,
        Some("ClientIP") => {
            let has_timeout = spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .is_some();
            if !has_timeout {
                spec.session_affinity_config = Some(core::SessionAffinityConfig {
                    client_ip: Some(core::ClientIPConfig { timeout_seconds: Some(10800) }),
                });
            }
        }
        _ => {}
    }
    set_str_if_empty(&mut spec.type_, "ClusterIP");
    for port in spec.ports.iter_mut().flatten() {
        set_str_if_empty(&mut port.protocol, "TCP");
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    let ty = spec.type_.clone().unwrap_or_default();
    let externally_accessible = ty == "LoadBalancer"
        || ty == "NodePort"
        || (ty == "ClusterIP" && !spec.external_ips.as_deref().unwrap_or_default().is_empty());
    if externally_accessible {
        set_str_if_empty(&mut spec.external_traffic_policy, "Cluster");
    }
    if spec.internal_traffic_policy.is_none()
        && matches!(ty.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP")
    {
        spec.internal_traffic_policy = Some("Cluster".to_string());
    }
    if ty == "LoadBalancer" {
        set_if_none(&mut spec.allocate_load_balancer_node_ports, true);
        let ingress = svc
            .status
            .as_mut()
            .and_then(|s| s.load_balancer.as_mut())
            .and_then(|lb| lb.ingress.as_mut());
        for ing in ingress.into_iter().flatten() {
            if !ing.ip.as_deref().unwrap_or_default().is_empty() && ing.ip_mode.is_none() {
                ing.ip_mode = Some("VIP".to_string());
            }
        }
    }
}

/// Namespace defaults: the `kubernetes.io/metadata.name` label and the `Active` phase.
pub fn default_namespace(ns: &mut core::Namespace) {
    if let Some(name) = ns.metadata.name.clone().filter(|n| !n.is_empty()) {
        ns.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("kubernetes.io/metadata.name".to_string(), name);
    }
    let status = ns.status.get_or_insert_with(Default::default);
    set_str_if_empty(&mut status.phase, "Active");
}

/// Secret defaults: type `Opaque`; `stringData` merged into `data` (what decoding into the
/// internal type does upstream, so `stringData` is never stored).
pub fn default_secret(s: &mut core::Secret) {
    set_str_if_empty(&mut s.type_, "Opaque");
    if let Some(string_data) = s.string_data.take() {
        let data = s.data.get_or_insert_with(Default::default);
        for (k, v) in string_data {
            data.insert(k, k8s_openapi::ByteString(v.into_bytes()));
        }
    }
}

/// Node defaults: allocatable defaults to capacity.
pub fn default_node(n: &mut core::Node) {
    let Some(status) = &mut n.status else { return };
    if status.allocatable.is_none() && status.capacity.is_some() {
        status.allocatable = status.capacity.clone();
    }
    default_resource_list(&mut status.capacity);
    default_resource_list(&mut status.allocatable);
}

/// Persistent volume defaults: phase `Pending`, reclaim policy `Retain`, volume mode
/// `Filesystem`.
pub fn default_persistent_volume(pv: &mut core::PersistentVolume) {
    let status = pv.status.get_or_insert_with(Default::default);
    set_str_if_empty(&mut status.phase, "Pending");
    let spec = pv.spec.get_or_insert_with(Default::default);
    set_str_if_empty(&mut spec.persistent_volume_reclaim_policy, "Retain");
    set_if_none(&mut spec.volume_mode, "Filesystem".to_string());
    default_persistent_volume_spec(spec);
}

/// The defaults of a PersistentVolumeSpec's capacity and volume sources (also those of the
/// inline spec a VolumeAttachment carries).
pub fn default_persistent_volume_spec(spec: &mut core::PersistentVolumeSpec) {
    default_resource_list(&mut spec.capacity);
    if let Some(h) = &mut spec.host_path {
        set_if_none(&mut h.type_, String::new());
    }
    if let Some(s) = &mut spec.iscsi {
        set_str_if_empty(&mut s.iscsi_interface, "default");
    }
    if let Some(s) = &mut spec.rbd {
        set_str_if_empty(&mut s.pool, "rbd");
        set_str_if_empty(&mut s.user, "admin");
        set_str_if_empty(&mut s.keyring, "/etc/ceph/keyring");
    }
    if let Some(s) = &mut spec.azure_disk {
        default_azure_disk(s);
    }
    if let Some(s) = &mut spec.scale_io {
        set_str_if_empty(&mut s.storage_mode, "ThinProvisioned");
        set_str_if_empty(&mut s.fs_type, "xfs");
    }
}

/// Persistent volume claim defaults: phase `Pending`, volume mode `Filesystem`.
pub fn default_persistent_volume_claim(pvc: &mut core::PersistentVolumeClaim) {
    let status = pvc.status.get_or_insert_with(Default::default);
    set_str_if_empty(&mut status.phase, "Pending");
    default_resource_list(&mut status.capacity);
    default_resource_list(&mut status.allocated_resources);
    default_pvc_spec(pvc.spec.get_or_insert_with(Default::default));
}

/// Endpoints defaults: ports' protocol `TCP`.
pub fn default_endpoints(e: &mut core::Endpoints) {
    for port in e.subsets.iter_mut().flatten().flat_map(|s| s.ports.iter_mut().flatten()) {
        set_str_if_empty(&mut port.protocol, "TCP");
    }
}

/// Limit range defaults: container limits default from max, default requests from the
/// default limits and then from min.
pub fn default_limit_range(lr: &mut core::LimitRange) {
    let Some(spec) = &mut lr.spec else { return };
    for item in &mut spec.limits {
        if item.type_ == "Container" {
            let mut default = item.default.clone().unwrap_or_default();
            for (k, v) in item.max.iter().flatten() {
                default.entry(k.clone()).or_insert_with(|| v.clone());
            }
            let mut request = item.default_request.clone().unwrap_or_default();
            for (k, v) in default.iter().chain(item.min.iter().flatten()) {
                request.entry(k.clone()).or_insert_with(|| v.clone());
            }
            // Empty maps are not written by a Go server.
            item.default = Some(default).filter(|m| !m.is_empty());
            item.default_request = Some(request).filter(|m| !m.is_empty());
        }
        default_resource_list(&mut item.max);
        default_resource_list(&mut item.min);
        default_resource_list(&mut item.default);
        default_resource_list(&mut item.default_request);
        default_resource_list(&mut item.max_limit_request_ratio);
    }
}

/// Replication controller defaults: selector and labels from the template, one replica.
pub fn default_replication_controller(rc: &mut core::ReplicationController) {
    let spec = rc.spec.get_or_insert_with(Default::default);
    let labels = spec.template.as_ref().and_then(|t| t.metadata.as_ref()?.labels.clone());
    if let Some(labels) = labels {
        if spec.selector.as_ref().is_none_or(BTreeMap::is_empty) {
            spec.selector = Some(labels.clone());
        }
        if rc.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty) {
            rc.metadata.labels = Some(labels);
        }
    }
    set_if_none(&mut spec.replicas, 1);
    if let Some(t) = &mut spec.template {
        default_pod_template_spec(t);
    }
}

/// Resource quota defaults: quantities in canonical form.
pub fn default_resource_quota(q: &mut core::ResourceQuota) {
    if let Some(spec) = &mut q.spec {
        default_resource_list(&mut spec.hard);
    }
    if let Some(status) = &mut q.status {
        default_resource_list(&mut status.hard);
        default_resource_list(&mut status.used);
    }
}
