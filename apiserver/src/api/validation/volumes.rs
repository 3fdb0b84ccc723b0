//! Validation of PersistentVolumes and PersistentVolumeClaims (pkg/apis/core/validation and
//! pkg/volume/validation) and of CSIDrivers, CSINodes and VolumeAttachments
//! (pkg/apis/storage/validation), as their registry strategies call it, with the feature gates
//! at their 1.35 defaults (RecoverVolumeExpansionFailure, VolumeAttributesClass,
//! SELinuxMountReadWriteOncePod and MutableCSINodeAllocatableCount on).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::resource::Quantity as ParsedQuantity;
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use regex::Regex;
use serde_json::Value;

use super::core_kinds::{
    is_native_resource, spec_diff, validate_path_no_backsteps, validate_resource_quantity_value,
};
use super::meta::{
    FIELD_IMMUTABLE_ERROR_MSG, IS_NOT_POSITIVE_ERROR_MSG, invalid_each, validate_dns1123_label,
    validate_dns1123_subdomain, validate_immutable, validate_label_selector, validate_nonnegative,
    validate_object_meta, validate_object_meta_update, validate_qualified_name,
};

const MULTIPLE_VOLUME_TYPES: &str = "may not specify more than 1 volume type";
const INLINE: &str = "may not be specified in the context of inline volumes";
const STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
const MOUNT_OPTIONS_ANNOTATION: &str = "volume.beta.kubernetes.io/mount-options";
const ACCESS_MODES: [&str; 4] =
    ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];

fn meta_path() -> Path {
    Path::new("metadata")
}

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or_default()
}

fn parse(q: &Quantity) -> ParsedQuantity {
    ParsedQuantity::parse(&q.0).unwrap_or_default()
}

/// Whether two objects are equal as upstream's `Semantic.DeepEqual` sees them: an absent list
/// or map is the same as an empty one.
fn semantic_eq<T: serde::Serialize>(a: &T, b: &T) -> bool {
    pruned(serde_json::to_value(a).unwrap_or_default())
        == pruned(serde_json::to_value(b).unwrap_or_default())
}

fn pruned(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter().map(|(k, v)| (k, pruned(v))).filter(|(_, v)| !is_empty(v)).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(pruned).collect()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// `ValidateClassName` (a DNS subdomain) reported as `Invalid` errors.
fn validate_class_name(name: &str, path: &Path) -> ErrorList {
    invalid_each(path, name, v::name_is_dns_subdomain(name, false))
}

/// `Required` when a string field is empty.
fn required_if_empty(value: &str, path: &Path) -> ErrorList {
    if value.is_empty() { ErrorList(vec![Error::required(path, "")]) } else { ErrorList::new() }
}

// ---------------------------------------------------------------------------------------------
// Volume sources.

/// `validateHostPathVolumeSource`.
pub(crate) fn validate_host_path_volume_source(
    h: &core::HostPathVolumeSource,
    path: &Path,
) -> ErrorList {
    if h.path.is_empty() {
        return ErrorList(vec![Error::required(&path.child("path"), "")]);
    }
    let mut errs = validate_path_no_backsteps(&h.path, &path.child("path"));
    const TYPES: [&str; 8] = [
        "",
        "BlockDevice",
        "CharDevice",
        "Directory",
        "DirectoryOrCreate",
        "File",
        "FileOrCreate",
        "Socket",
    ];
    if let Some(ty) = &h.type_
        && !TYPES.contains(&ty.as_str())
    {
        errs.push(Error::not_supported(&path.child("type"), ty, &TYPES));
    }
    errs
}

/// `validateNFSVolumeSource`.
pub(crate) fn validate_nfs_volume_source(n: &core::NFSVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&n.server, &path.child("server"));
    errs.extend(required_if_empty(&n.path, &path.child("path")));
    if !n.path.starts_with('/') {
        errs.push(Error::invalid(&path.child("path"), &n.path, "must be an absolute path"));
    }
    errs
}

fn validate_partition(partition: Option<i32>, path: &Path) -> ErrorList {
    match partition.unwrap_or_default() {
        p if !(0..=255).contains(&p) => {
            ErrorList(vec![Error::invalid(path, p, v::inclusive_range_error(1, 255))])
        }
        _ => ErrorList::new(),
    }
}

/// `validateGCEPersistentDiskVolumeSource`.
pub(crate) fn validate_gce_persistent_disk(
    pd: &core::GCEPersistentDiskVolumeSource,
    path: &Path,
) -> ErrorList {
    let mut errs = required_if_empty(&pd.pd_name, &path.child("pdName"));
    errs.extend(validate_partition(pd.partition, &path.child("partition")));
    errs
}

/// `validateAWSElasticBlockStoreVolumeSource`.
pub(crate) fn validate_aws_elastic_block_store(
    pd: &core::AWSElasticBlockStoreVolumeSource,
    path: &Path,
) -> ErrorList {
    let mut errs = required_if_empty(&pd.volume_id, &path.child("volumeID"));
    errs.extend(validate_partition(pd.partition, &path.child("partition")));
    errs
}

/// `validateFlockerVolumeSource`.
pub(crate) fn validate_flocker(f: &core::FlockerVolumeSource, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (name, uuid) = (s(&f.dataset_name), s(&f.dataset_uuid));
    if name.is_empty() && uuid.is_empty() {
        errs.push(Error::required(path, "one of datasetName and datasetUUID is required"));
    }
    if !name.is_empty() && !uuid.is_empty() {
        errs.push(Error::invalid(
            path,
            "resource",
            "datasetName and datasetUUID can not be specified simultaneously",
        ));
    }
    if name.contains('/') {
        errs.push(Error::invalid(&path.child("datasetName"), name, "must not contain '/'"));
    }
    errs
}

/// Whether Go's `net.SplitHostPort` accepts `hostport`: a port after the last colon, and a
/// host with no colon unless bracketed, no stray brackets anywhere.
fn is_host_port(hostport: &str) -> bool {
    let Some(i) = hostport.rfind(':') else { return false };
    let (host, port) = (&hostport[..i], &hostport[i + 1..]);
    let host_ok = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').is_some_and(|h| !h.contains(['[', ']'])),
        None => !host.contains([':', '[', ']']),
    };
    host_ok && !port.contains(['[', ']'])
}

/// `validateQuobyteVolumeSource`.
pub(crate) fn validate_quobyte(q: &core::QuobyteVolumeSource, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let msg = "must be a host:port pair or multiple pairs separated by commas";
    if q.registry.is_empty() {
        errs.push(Error::required(&path.child("registry"), msg));
    } else if s(&q.tenant).len() >= 65 {
        errs.push(Error::required(
            &path.child("tenant"),
            "must be a UUID and may not exceed a length of 64 characters",
        ));
    } else {
        for pair in q.registry.split(',') {
            if !is_host_port(pair) {
                errs.push(Error::invalid(&path.child("registry"), &q.registry, msg));
            }
        }
    }
    errs.extend(required_if_empty(&q.volume, &path.child("volume")));
    errs
}

/// `validateFCVolumeSource`.
pub(crate) fn validate_fc(fc: &core::FCVolumeSource, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let wwns = fc.target_wwns.as_deref().unwrap_or_default();
    let wwids = fc.wwids.as_deref().unwrap_or_default();
    if wwns.is_empty() && wwids.is_empty() {
        errs.push(Error::required(
            &path.child("targetWWNs"),
            "must specify either targetWWNs or wwids, but not both",
        ));
    }
    if !wwns.is_empty() && !wwids.is_empty() {
        errs.push(Error::invalid(
            &path.child("targetWWNs"),
            BadValue::json(wwns),
            "targetWWNs and wwids can not be specified simultaneously",
        ));
    }
    if !wwns.is_empty() {
        match fc.lun {
            None => errs.push(Error::required(
                &path.child("lun"),
                "lun is required if targetWWNs is specified",
            )),
            Some(lun) if !(0..=255).contains(&lun) => {
                errs.push(Error::invalid(
                    &path.child("lun"),
                    lun,
                    v::inclusive_range_error(0, 255),
                ));
            }
            Some(_) => {}
        }
    }
    errs
}

/// `validateAzureDisk`.
pub(crate) fn validate_azure_disk(a: &core::AzureDiskVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&a.disk_name, &path.child("diskName"));
    errs.extend(required_if_empty(&a.disk_uri, &path.child("diskURI")));
    const CACHING: [&str; 3] = ["None", "ReadOnly", "ReadWrite"];
    const KINDS: [&str; 3] = ["Dedicated", "Managed", "Shared"];
    if let Some(mode) = &a.caching_mode
        && !CACHING.contains(&mode.as_str())
    {
        errs.push(Error::not_supported(&path.child("cachingMode"), mode, &CACHING));
    }
    if let Some(kind) = &a.kind
        && !KINDS.contains(&kind.as_str())
    {
        errs.push(Error::not_supported(&path.child("kind"), kind, &KINDS));
    }
    match a.kind.as_deref() {
        Some("Managed") if !a.disk_uri.starts_with("/subscriptions/") => {
            errs.push(Error::not_supported(
                &path.child("diskURI"),
                &a.disk_uri,
                &["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"],
            ));
        }
        Some(kind) if kind != "Managed" && !a.disk_uri.starts_with("https://") => {
            errs.push(Error::not_supported(
                &path.child("diskURI"),
                &a.disk_uri,
                &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"],
            ));
        }
        _ => {}
    }
    errs
}

fn iscsi_iqn_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"iqn\.[0-9]{4}-[0-9]{2}\.([[:alnum:]\-.]+)(:[^,;*&$|\t\n\x0C\r ]+)$")
            .expect("the iqn pattern compiles")
    })
}

fn iscsi_eui_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^eui.[[:alnum:]]{16}$").expect("the eui pattern compiles"))
}

fn iscsi_naa_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^naa.[[:alnum:]]{32}$").expect("the naa pattern compiles"))
}

/// Whether an iSCSI name with a known prefix has that prefix's form.
fn iscsi_name_malformed(name: &str) -> bool {
    (name.starts_with("iqn") && !iscsi_iqn_re().is_match(name))
        || (!name.starts_with("iqn") && name.starts_with("eui") && !iscsi_eui_re().is_match(name))
        || (!name.starts_with("iqn")
            && !name.starts_with("eui")
            && name.starts_with("naa")
            && !iscsi_naa_re().is_match(name))
}

fn has_iscsi_prefix(name: &str) -> bool {
    name.starts_with("iqn") || name.starts_with("eui") || name.starts_with("naa")
}

/// `validateISCSIPersistentVolumeSource`.
fn validate_iscsi_pv(
    i: &core::ISCSIPersistentVolumeSource,
    pv_name: &str,
    path: &Path,
) -> ErrorList {
    let mut errs = required_if_empty(&i.target_portal, &path.child("targetPortal"));
    if i.initiator_name.is_some() && pv_name.len() + 1 + i.target_portal.len() > 64 {
        errs.push(Error::invalid(
            &path.child("targetportal"),
            &i.target_portal,
            "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.",
        ));
    }
    let iqn_path = path.child("iqn");
    if i.iqn.is_empty() {
        errs.push(Error::required(&iqn_path, ""));
    } else if !has_iscsi_prefix(&i.iqn) || iscsi_name_malformed(&i.iqn) {
        errs.push(Error::invalid(&iqn_path, &i.iqn, "must be valid format"));
    }
    if !(0..=255).contains(&i.lun) {
        errs.push(Error::invalid(&path.child("lun"), i.lun, v::inclusive_range_error(0, 255)));
    }
    let chap = i.chap_auth_discovery.unwrap_or_default() || i.chap_auth_session.unwrap_or_default();
    if chap && i.secret_ref.is_none() {
        errs.push(Error::required(&path.child("secretRef"), ""));
    }
    if let Some(r) = &i.secret_ref
        && s(&r.name).is_empty()
    {
        errs.push(Error::required(&path.child("secretRef").child("name"), ""));
    }
    if let Some(initiator) = &i.initiator_name {
        let p = path.child("initiatorname");
        if !has_iscsi_prefix(initiator) {
            errs.push(Error::invalid(&p, initiator, "must be valid format"));
        }
        if iscsi_name_malformed(initiator) {
            errs.push(Error::invalid(&p, initiator, "must be valid format"));
        }
    }
    errs
}

/// `validateFlexPersistentVolumeSource`.
fn validate_flex_pv(f: &core::FlexPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&f.driver, &path.child("driver"));
    for k in f.options.iter().flat_map(BTreeMap::keys) {
        let namespace = k.split_once('/').map_or(k.as_str(), |(ns, _)| ns);
        let normalized = format!(".{}", namespace.to_lowercase());
        if normalized.ends_with(".kubernetes.io") || normalized.ends_with(".k8s.io") {
            errs.push(Error::invalid(
                &path.child("options").key(k),
                k,
                "kubernetes.io and k8s.io namespaces are reserved",
            ));
        }
    }
    errs
}

/// `ValidateCSIDriverName`.
pub(crate) fn validate_csi_driver_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if name.is_empty() {
        errs.push(Error::required(path, ""));
    }
    if name.len() > 63 {
        errs.push(Error::too_long(path, 63));
    }
    errs.extend(invalid_each(path, name, v::is_dns1123_subdomain(&name.to_lowercase())));
    errs
}

/// `validatePVSecretReference`.
fn validate_pv_secret_reference(r: &core::SecretReference, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (name, namespace) = (s(&r.name), s(&r.namespace));
    if name.is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    } else {
        errs.extend(validate_dns1123_subdomain(name, &path.child("name")));
    }
    if namespace.is_empty() {
        errs.push(Error::required(&path.child("namespace"), ""));
    } else {
        errs.extend(validate_dns1123_label(namespace, &path.child("namespace")));
    }
    errs
}

/// `validateCSIPersistentVolumeSource`.
fn validate_csi_pv(c: &core::CSIPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = validate_csi_driver_name(&c.driver, &path.child("driver"));
    errs.extend(required_if_empty(&c.volume_handle, &path.child("volumeHandle")));
    let refs = [
        (&c.controller_publish_secret_ref, "controllerPublishSecretRef"),
        (&c.controller_expand_secret_ref, "controllerExpandSecretRef"),
        (&c.node_publish_secret_ref, "nodePublishSecretRef"),
        (&c.node_expand_secret_ref, "nodeExpandSecretRef"),
    ];
    for (r, name) in refs {
        if let Some(r) = r {
            errs.extend(validate_pv_secret_reference(r, &path.child(name)));
        }
    }
    errs
}

fn validate_glusterfs_pv(g: &core::GlusterfsPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&g.endpoints, &path.child("endpoints"));
    errs.extend(required_if_empty(&g.path, &path.child("path")));
    if let Some(ns) = &g.endpoints_namespace {
        let p = path.child("endpointsNamespace");
        if ns.is_empty() {
            errs.push(Error::invalid(
                &p,
                ns,
                "if the endpointnamespace is set, it must be a valid namespace name",
            ));
        } else {
            errs.extend(invalid_each(&p, ns, v::validate_namespace_name(ns, false)));
        }
    }
    errs
}

fn validate_cinder_pv(c: &core::CinderPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&c.volume_id, &path.child("volumeID"));
    if let Some(r) = &c.secret_ref {
        let p = path.child("secretRef");
        errs.extend(required_if_empty(s(&r.name), &p.child("name")));
        errs.extend(required_if_empty(s(&r.namespace), &p.child("namespace")));
    }
    errs
}

fn validate_azure_file_pv(a: &core::AzureFilePersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&a.secret_name, &path.child("secretName"));
    errs.extend(required_if_empty(&a.share_name, &path.child("shareName")));
    if a.secret_namespace.as_deref() == Some("") {
        errs.push(Error::required(&path.child("secretNamespace"), ""));
    }
    errs
}

fn validate_scale_io_pv(sio: &core::ScaleIOPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = required_if_empty(&sio.gateway, &path.child("gateway"));
    errs.extend(required_if_empty(&sio.system, &path.child("system")));
    errs.extend(required_if_empty(s(&sio.volume_name), &path.child("volumeName")));
    errs
}

fn validate_local(l: &core::LocalVolumeSource, path: &Path) -> ErrorList {
    if l.path.is_empty() {
        return ErrorList(vec![Error::required(&path.child("path"), "")]);
    }
    validate_path_no_backsteps(&l.path, &path.child("path"))
}

fn validate_storage_os_pv(so: &core::StorageOSPersistentVolumeSource, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = s(&so.volume_name);
    if name.is_empty() {
        errs.push(Error::required(&path.child("volumeName"), ""));
    } else {
        errs.extend(validate_dns1123_label(name, &path.child("volumeName")));
    }
    let namespace = s(&so.volume_namespace);
    if !namespace.is_empty() {
        errs.extend(validate_dns1123_label(namespace, &path.child("volumeNamespace")));
    }
    if let Some(r) = &so.secret_ref {
        let p = path.child("secretRef");
        errs.extend(required_if_empty(s(&r.name), &p.child("name")));
        errs.extend(required_if_empty(s(&r.namespace), &p.child("namespace")));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Node selectors (a PersistentVolume's node affinity).

fn validate_node_selector_requirement(
    rq: &core::NodeSelectorRequirement,
    allow_invalid_label_value: bool,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let values = rq.values.as_deref().unwrap_or_default();
    match rq.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => errs.push(Error::required(
            &path.child("values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        )),
        "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(Error::forbidden(
            &path.child("values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )),
        "Gt" | "Lt" if values.len() != 1 => errs.push(Error::required(
            &path.child("values"),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
        )),
        "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
        op => {
            errs.push(Error::invalid(&path.child("operator"), op, "not a valid selector operator"))
        }
    }
    errs.extend(validate_qualified_name(&rq.key, &path.child("key")));
    if !allow_invalid_label_value {
        for (i, value) in values.iter().enumerate() {
            errs.extend(invalid_each(
                &path.child("values").index(i),
                value,
                v::is_valid_label_value(value),
            ));
        }
    }
    errs
}

fn validate_node_field_selector_requirement(
    rq: &core::NodeSelectorRequirement,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let values = rq.values.as_deref().unwrap_or_default();
    match rq.operator.as_str() {
        "In" | "NotIn" if values.len() != 1 => errs.push(Error::required(
            &path.child("values"),
            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        )),
        "In" | "NotIn" => {}
        op => {
            errs.push(Error::invalid(&path.child("operator"), op, "not a valid selector operator"))
        }
    }
    if rq.key == "metadata.name" {
        for (i, value) in values.iter().enumerate() {
            errs.extend(invalid_each(
                &path.child("values").index(i),
                value,
                v::name_is_dns_subdomain(value, false),
            ));
        }
    } else {
        errs.push(Error::invalid(&path.child("key"), &rq.key, "not a valid field selector key"));
    }
    errs
}

/// `ValidateNodeSelector`.
fn validate_node_selector(
    selector: &core::NodeSelector,
    allow_invalid_label_value: bool,
    path: &Path,
) -> ErrorList {
    let terms_path = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        return ErrorList(vec![Error::required(
            &terms_path,
            "must have at least one node selector term",
        )]);
    }
    let mut errs = ErrorList::new();
    for (i, term) in selector.node_selector_terms.iter().enumerate() {
        let p = terms_path.index(i);
        for (j, rq) in term.match_expressions.iter().flatten().enumerate() {
            errs.extend(validate_node_selector_requirement(
                rq,
                allow_invalid_label_value,
                &p.child("matchExpressions").index(j),
            ));
        }
        for (j, rq) in term.match_fields.iter().flatten().enumerate() {
            errs.extend(validate_node_field_selector_requirement(
                rq,
                &p.child("matchFields").index(j),
            ));
        }
    }
    errs
}

/// `validateVolumeNodeAffinity`: whether it is set, and its errors.
fn validate_volume_node_affinity(
    affinity: &core::VolumeNodeAffinity,
    allow_invalid_label_value: bool,
    path: &Path,
) -> ErrorList {
    match &affinity.required {
        Some(required) => {
            validate_node_selector(required, allow_invalid_label_value, &path.child("required"))
        }
        None => ErrorList(vec![Error::required(
            &path.child("required"),
            "must specify required node constraints",
        )]),
    }
}

/// The beta node labels whose GA successors a PersistentVolume's node affinity may switch to.
fn ga_label(beta: &str) -> Option<&'static str> {
    Some(match beta {
        "failure-domain.beta.kubernetes.io/zone" => "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region" => "topology.kubernetes.io/region",
        "beta.kubernetes.io/os" => "kubernetes.io/os",
        "beta.kubernetes.io/arch" => "kubernetes.io/arch",
        "beta.kubernetes.io/instance-type" => "node.kubernetes.io/instance-type",
        _ => return None,
    })
}

/// `validatePvNodeAffinity`: node affinity is immutable once set, but for moving a beta label
/// to its GA name.
fn validate_pv_node_affinity(
    new: Option<&core::VolumeNodeAffinity>,
    old: &core::VolumeNodeAffinity,
    path: &Path,
) -> ErrorList {
    let mut masked = old.clone();
    if let (Some(new_terms), Some(old_req)) =
        (new.and_then(|n| n.required.as_ref()), masked.required.as_mut())
    {
        for (old_term, new_term) in
            old_req.node_selector_terms.iter_mut().zip(&new_terms.node_selector_terms)
        {
            let pairs = [
                (&mut old_term.match_expressions, &new_term.match_expressions),
                (&mut old_term.match_fields, &new_term.match_fields),
            ];
            for (old_reqs, new_reqs) in pairs {
                for (o, n) in old_reqs.iter_mut().flatten().zip(new_reqs.iter().flatten()) {
                    if o.key != n.key && ga_label(&o.key) == Some(n.key.as_str()) {
                        o.key = n.key.clone();
                    }
                }
            }
        }
    }
    let same = match new {
        Some(n) => semantic_eq(n, &masked),
        None => false,
    };
    if same {
        return ErrorList::new();
    }
    ErrorList(vec![Error::invalid(
        path,
        new.map_or(BadValue::Null, BadValue::json),
        format!("{FIELD_IMMUTABLE_ERROR_MSG}, except for updating from beta label to GA"),
    )])
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumes.

/// `PersistentVolumeSpecValidationOptions` (VolumeAttributesClass is on in 1.35).
#[derive(Debug, Clone, Copy, Default)]
pub struct PvOptions {
    /// Accept invalid label values in the required node affinity (an old object had them).
    pub allow_invalid_label_value_in_required_node_affinity: bool,
}

impl PvOptions {
    /// `ValidationOptionsForPersistentVolume`.
    pub fn for_update(old: Option<&core::PersistentVolume>) -> Self {
        let terms = old
            .and_then(|o| o.spec.as_ref())
            .and_then(|s| s.node_affinity.as_ref())
            .and_then(|a| a.required.as_ref())
            .map(|r| r.node_selector_terms.as_slice())
            .unwrap_or_default();
        let invalid = terms
            .iter()
            .flat_map(|t| t.match_expressions.iter().flatten())
            .flat_map(|e| e.values.iter().flatten())
            .any(|value| !v::is_valid_label_value(value).is_empty());
        Self { allow_invalid_label_value_in_required_node_affinity: invalid }
    }
}

/// A volume source of a PersistentVolumeSpec: the name it is reported under when it is one
/// too many (empty for one never reported), and its checks.
type SourceCheck<'a> = (&'static str, Box<dyn Fn() -> ErrorList + 'a>);

/// The volume sources a PersistentVolumeSpec sets, in upstream's checking order.
fn pv_sources<'a>(
    spec: &'a core::PersistentVolumeSpec,
    pv_name: &'a str,
    path: &'a Path,
) -> Vec<SourceCheck<'a>> {
    let mut out: Vec<SourceCheck<'a>> = Vec::new();
    macro_rules! source {
        ($field:ident, $name:literal, $f:expr) => {
            if let Some(src) = &spec.$field {
                out.push(($name, Box::new(move || ($f)(src))));
            }
        };
    }
    source!(host_path, "hostPath", |h| validate_host_path_volume_source(
        h,
        &path.child("hostPath")
    ));
    source!(gce_persistent_disk, "gcePersistentDisk", |pd| validate_gce_persistent_disk(
        pd,
        &path.child("persistentDisk")
    ));
    source!(aws_elastic_block_store, "awsElasticBlockStore", |pd| {
        validate_aws_elastic_block_store(pd, &path.child("awsElasticBlockStore"))
    });
    source!(glusterfs, "glusterfs", |g| validate_glusterfs_pv(g, &path.child("glusterfs")));
    source!(flocker, "flocker", |f| validate_flocker(f, &path.child("flocker")));
    source!(nfs, "nfs", |n| validate_nfs_volume_source(n, &path.child("nfs")));
    source!(rbd, "rbd", |r: &core::RBDPersistentVolumeSource| {
        let p = path.child("rbd");
        let mut errs = ErrorList::new();
        if r.monitors.is_empty() {
            errs.push(Error::required(&p.child("monitors"), ""));
        }
        errs.extend(required_if_empty(&r.image, &p.child("image")));
        errs
    });
    source!(quobyte, "quobyte", |q| validate_quobyte(q, &path.child("quobyte")));
    source!(cephfs, "cephFS", |c: &core::CephFSPersistentVolumeSource| {
        if c.monitors.is_empty() {
            ErrorList(vec![Error::required(&path.child("cephfs").child("monitors"), "")])
        } else {
            ErrorList::new()
        }
    });
    source!(iscsi, "iscsi", |i| validate_iscsi_pv(i, pv_name, &path.child("iscsi")));
    source!(cinder, "cinder", |c| validate_cinder_pv(c, &path.child("cinder")));
    source!(fc, "fc", |f| validate_fc(f, &path.child("fc")));
    // A flex volume counts as a source but is never reported as an extra one.
    source!(flex_volume, "", |f| validate_flex_pv(f, &path.child("flexVolume")));
    source!(azure_file, "azureFile", |a| validate_azure_file_pv(a, &path.child("azureFile")));
    source!(vsphere_volume, "vsphereVolume", |vs: &core::VsphereVirtualDiskVolumeSource| {
        required_if_empty(&vs.volume_path, &path.child("vsphereVolume").child("volumePath"))
    });
    source!(
        photon_persistent_disk,
        "photonPersistentDisk",
        |pd: &core::PhotonPersistentDiskVolumeSource| {
            required_if_empty(&pd.pd_id, &path.child("photonPersistentDisk").child("pdID"))
        }
    );
    source!(portworx_volume, "portworxVolume", |pw: &core::PortworxVolumeSource| {
        required_if_empty(&pw.volume_id, &path.child("portworxVolume").child("volumeID"))
    });
    source!(azure_disk, "azureDisk", |a| validate_azure_disk(a, &path.child("azureDisk")));
    source!(scale_io, "scaleIO", |sio| validate_scale_io_pv(sio, &path.child("scaleIO")));
    source!(local, "local", |l| validate_local(l, &path.child("local")));
    source!(storageos, "storageos", |so| validate_storage_os_pv(so, &path.child("storageos")));
    source!(csi, "csi", |c| validate_csi_pv(c, &path.child("csi")));
    out
}

/// Go's `path.Clean(p) == "/"`.
fn cleans_to_root(p: &str) -> bool {
    p.starts_with('/') && p.split('/').all(|part| matches!(part, "" | "." | ".."))
}

/// `ValidatePersistentVolumeSpec`; `inline` for the spec a VolumeAttachment carries.
pub(crate) fn validate_persistent_volume_spec(
    spec: &core::PersistentVolumeSpec,
    pv_name: &str,
    inline: bool,
    path: &Path,
    opts: PvOptions,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let capacity = spec.capacity.as_ref();
    if inline {
        if spec.claim_ref.is_some() {
            errs.push(Error::forbidden(&path.child("claimRef"), INLINE));
        }
        if capacity.is_some_and(|c| !c.is_empty()) {
            errs.push(Error::forbidden(&path.child("capacity"), INLINE));
        }
        if spec.csi.is_none() {
            errs.push(Error::required(
                &path.child("csi"),
                "has to be specified in the context of inline volumes",
            ));
        }
    }
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    let modes_path = path.child("accessModes");
    if modes.is_empty() {
        errs.push(Error::required(&modes_path, ""));
    }
    errs.extend(validate_access_modes(modes, &modes_path));
    if !inline {
        let capacity_path = path.child("capacity");
        if capacity.is_none_or(BTreeMap::is_empty) {
            errs.push(Error::required(&capacity_path, ""));
        }
        if capacity.is_none_or(|c| !c.contains_key("storage") || c.len() > 1) {
            errs.push(Error::not_supported(
                &capacity_path,
                capacity.map_or(BadValue::Null, BadValue::json),
                &["storage"],
            ));
        }
        for (name, q) in capacity.into_iter().flatten() {
            let at = capacity_path.key(name);
            errs.extend(validate_basic_resource(q, &at));
            errs.extend(validate_positive_quantity(q, &at));
        }
    }
    let reclaim = s(&spec.persistent_volume_reclaim_policy);
    if !reclaim.is_empty() {
        let p = path.child("persistentVolumeReclaimPolicy");
        if inline {
            if reclaim != "Retain" {
                errs.push(Error::forbidden(
                    &p,
                    "may only be Retain in the context of inline volumes",
                ));
            }
        } else if !["Delete", "Recycle", "Retain"].contains(&reclaim) {
            errs.push(Error::not_supported(&p, reclaim, &["Delete", "Recycle", "Retain"]));
        }
    }
    let mut node_affinity_set = false;
    if let Some(affinity) = &spec.node_affinity {
        if inline {
            errs.push(Error::forbidden(&path.child("nodeAffinity"), INLINE));
        } else {
            node_affinity_set = true;
            errs.extend(validate_volume_node_affinity(
                affinity,
                opts.allow_invalid_label_value_in_required_node_affinity,
                &path.child("nodeAffinity"),
            ));
        }
    }
    let mut count = 0;
    for (name, check) in pv_sources(spec, pv_name, path) {
        if count > 0 && !name.is_empty() {
            errs.push(Error::forbidden(&path.child(name), MULTIPLE_VOLUME_TYPES));
            continue;
        }
        count += 1;
        errs.extend(check());
        if name == "local" && !node_affinity_set {
            errs.push(Error::required(
                &path.child("nodeAffinity"),
                "Local volume requires node affinity",
            ));
        }
    }
    if count == 0 {
        errs.push(Error::required(path, "must specify a volume type"));
    }
    if spec.host_path.as_ref().is_some_and(|h| cleans_to_root(&h.path)) && reclaim == "Recycle" {
        errs.push(Error::forbidden(
            &path.child("persistentVolumeReclaimPolicy"),
            "may not be 'recycle' for a hostPath mount of '/'",
        ));
    }
    let class = s(&spec.storage_class_name);
    if !class.is_empty() {
        if inline {
            errs.push(Error::forbidden(&path.child("storageClassName"), INLINE));
        } else {
            errs.extend(validate_class_name(class, &path.child("storageClassName")));
        }
    }
    if let Some(mode) = &spec.volume_mode {
        if inline {
            if mode != "Filesystem" {
                errs.push(Error::forbidden(
                    &path.child("volumeMode"),
                    "may not specify volumeMode other than Filesystem in the context of inline volumes",
                ));
            }
        } else if !VOLUME_MODES.contains(&mode.as_str()) {
            errs.push(Error::not_supported(&path.child("volumeMode"), mode, &VOLUME_MODES));
        }
    }
    if let Some(vac) = &spec.volume_attributes_class_name {
        let p = path.child("volumeAttributesClassName");
        if vac.is_empty() {
            errs.push(Error::required(&p, "an empty string is disallowed"));
        } else {
            errs.extend(validate_class_name(vac, &p));
        }
        if spec.csi.is_none() {
            errs.push(Error::required(
                &path.child("csi"),
                "has to be specified when using volumeAttributesClassName",
            ));
        }
    }
    errs
}

fn validate_access_modes(modes: &[String], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (mut rwop, mut other) = (false, false);
    for mode in modes {
        if !ACCESS_MODES.contains(&mode.as_str()) {
            errs.push(Error::not_supported(path, mode, &ACCESS_MODES));
        } else if mode == "ReadWriteOncePod" {
            rwop = true;
        } else {
            other = true;
        }
    }
    if rwop && other {
        errs.push(Error::forbidden(path, "may not use ReadWriteOncePod with other access modes"));
    }
    errs
}

/// `validateBasicResource`: the quantity's whole value is not negative.
fn validate_basic_resource(q: &Quantity, path: &Path) -> ErrorList {
    let value = parse(q).value();
    if value < 0 {
        ErrorList(vec![Error::invalid(path, value, "must be a valid resource quantity")])
    } else {
        ErrorList::new()
    }
}

/// `ValidatePositiveQuantityValue`.
fn validate_positive_quantity(q: &Quantity, path: &Path) -> ErrorList {
    let parsed = parse(q);
    if parsed.sign() <= 0 {
        ErrorList(vec![Error::invalid(path, parsed.to_string(), IS_NOT_POSITIVE_ERROR_MSG)])
    } else {
        ErrorList::new()
    }
}

/// `checkMountOption` (pkg/volume/validation): the mount-options annotation only on volume
/// types that support mount options.
fn validate_pv_mount_options(pv: &core::PersistentVolume) -> ErrorList {
    let spec = super::or_default(&pv.spec);
    let supported = spec.gce_persistent_disk.is_some()
        || spec.aws_elastic_block_store.is_some()
        || spec.glusterfs.is_some()
        || spec.nfs.is_some()
        || spec.rbd.is_some()
        || spec.quobyte.is_some()
        || spec.iscsi.is_some()
        || spec.cinder.is_some()
        || spec.cephfs.is_some()
        || spec.azure_file.is_some()
        || spec.vsphere_volume.is_some()
        || spec.azure_disk.is_some()
        || spec.photon_persistent_disk.is_some();
    let annotated =
        pv.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(MOUNT_OPTIONS_ANNOTATION));
    if supported || !annotated {
        return ErrorList::new();
    }
    ErrorList(vec![Error::forbidden(
        &meta_path().child("annotations").child(MOUNT_OPTIONS_ANNOTATION),
        "may not specify mount options for this volume type",
    )])
}

fn pv_body(pv: &core::PersistentVolume, opts: PvOptions) -> ErrorList {
    let name = s(&pv.metadata.name);
    let mut errs = validate_persistent_volume_spec(
        &super::or_default(&pv.spec),
        name,
        false,
        &Path::new("spec"),
        opts,
    );
    errs.extend(validate_pv_mount_options(pv));
    errs
}

/// A new PersistentVolume: `ValidatePersistentVolume` and the volume plugins' checks.
pub fn validate_persistent_volume(pv: &core::PersistentVolume) -> ErrorList {
    let mut errs =
        validate_object_meta(&pv.metadata, false, v::name_is_dns_subdomain, &meta_path());
    errs.extend(pv_body(pv, PvOptions::for_update(None)));
    errs
}

/// The fields of a PersistentVolumeSpec that make up its `PersistentVolumeSource`.
const PV_SOURCE_FIELDS: [&str; 22] = [
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "hostPath",
    "glusterfs",
    "nfs",
    "rbd",
    "iscsi",
    "cinder",
    "cephfs",
    "fc",
    "flocker",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "local",
    "storageos",
    "csi",
];

fn pv_source(spec: &core::PersistentVolumeSpec) -> Value {
    let all = serde_json::to_value(spec).unwrap_or_default();
    let fields = all
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| PV_SOURCE_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(fields)
}

/// A PersistentVolume update (`ValidatePersistentVolumeUpdate`): the volume itself, its source
/// and volume mode fixed, its node affinity fixed once set.
pub fn validate_persistent_volume_update(
    new: &core::PersistentVolume,
    old: &core::PersistentVolume,
) -> ErrorList {
    let opts = PvOptions::for_update(Some(old));
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(pv_body(new, opts));
    let (new_spec, old_spec) = (super::or_default(&new.spec), super::or_default(&old.spec));
    let mut compared = new_spec.clone().into_owned();
    // A controller-expand secret may be added to a CSI volume that had none.
    if let (Some(old_csi), Some(new_csi)) = (&old_spec.csi, &mut compared.csi)
        && old_csi.controller_expand_secret_ref.is_none()
    {
        new_csi.controller_expand_secret_ref = None;
    }
    let (old_source, new_source) = (pv_source(&old_spec), pv_source(&compared));
    if pruned(old_source.clone()) != pruned(new_source.clone()) {
        let diff = spec_diff("core.PersistentVolumeSource", &old_source, &new_source);
        errs.push(Error::forbidden(
            &Path::new("spec").child("persistentvolumesource"),
            format!("spec.persistentvolumesource is immutable after creation\n{diff}"),
        ));
    }
    errs.extend(validate_immutable(
        &new_spec.volume_mode,
        &old_spec.volume_mode,
        BadValue::from(new_spec.volume_mode.clone()),
        &Path::new("volumeMode"),
    ));
    if let Some(old_affinity) = &old_spec.node_affinity {
        errs.extend(validate_pv_node_affinity(
            new_spec.node_affinity.as_ref(),
            old_affinity,
            &Path::new("nodeAffinity"),
        ));
    }
    if old_spec.volume_attributes_class_name.is_some()
        && new_spec.volume_attributes_class_name.is_none()
    {
        errs.push(Error::forbidden(
            &Path::new("spec").child("volumeAttributesClassName"),
            "update from non-nil value to nil is forbidden",
        ));
    }
    errs
}

/// `ValidatePersistentVolumeStatusUpdate`.
pub fn validate_persistent_volume_status_update(
    new: &core::PersistentVolume,
    old: &core::PersistentVolume,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    if s(&new.metadata.resource_version).is_empty() {
        errs.push(Error::required(&Path::new("resourceVersion"), ""));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaims.

/// `PersistentVolumeClaimSpecValidationOptions` (recovery from expansion failure and volume
/// attributes classes are on in 1.35).
#[derive(Debug, Clone, Copy, Default)]
pub struct PvcOptions {
    /// Accept invalid label values in the selector (an old object had them).
    pub allow_invalid_label_value_in_selector: bool,
    /// Accept an API group that is not a DNS subdomain (an old object named one).
    pub allow_invalid_api_group: bool,
}

impl PvcOptions {
    /// `ValidationOptionsForPersistentVolumeClaim`.
    pub fn for_update(old: Option<&core::PersistentVolumeClaim>) -> Self {
        let Some(spec) = old.and_then(|o| o.spec.as_ref()) else { return Self::default() };
        let api_group = spec.data_source.as_ref().is_some_and(|d| d.api_group.is_some())
            || spec.data_source_ref.as_ref().is_some_and(|d| d.api_group.is_some());
        let invalid_selector = !validate_label_selector(
            spec.selector.as_ref(),
            LabelSelectorValidationOptions::default(),
            &Path::nil(),
        )
        .is_empty();
        Self {
            allow_invalid_label_value_in_selector: invalid_selector,
            allow_invalid_api_group: api_group,
        }
    }
}

fn validate_data_source_fields(
    name: &str,
    kind: &str,
    api_group: Option<&str>,
    allow_invalid_api_group: bool,
    path: &Path,
) -> ErrorList {
    let mut errs = required_if_empty(name, &path.child("name"));
    errs.extend(required_if_empty(kind, &path.child("kind")));
    let group = api_group.unwrap_or_default();
    if group.is_empty() && kind != "PersistentVolumeClaim" {
        errs.push(Error::invalid(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !group.is_empty() && !allow_invalid_api_group {
        errs.extend(invalid_each(&path.child("apiGroup"), group, v::is_dns1123_subdomain(group)));
    }
    errs
}

/// `ValidatePersistentVolumeClaimSpec`.
pub(crate) fn validate_pvc_spec(
    spec: &core::PersistentVolumeClaimSpec,
    path: &Path,
    opts: PvcOptions,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    if modes.is_empty() {
        errs.push(Error::required(
            &path.child("accessModes"),
            "at least 1 access mode is required",
        ));
    }
    if let Some(selector) = &spec.selector {
        let selector_opts = LabelSelectorValidationOptions {
            allow_invalid_label_value_in_selector: opts.allow_invalid_label_value_in_selector,
            ..Default::default()
        };
        errs.extend(validate_label_selector(
            Some(selector),
            selector_opts,
            &path.child("selector"),
        ));
    }
    errs.extend(validate_access_modes(modes, &path.child("accessModes")));
    let storage_path = path.child("resources").key("storage");
    let requests = spec.resources.as_ref().and_then(|r| r.requests.as_ref());
    match requests.and_then(|r| r.get("storage")) {
        None => errs.push(Error::required(&storage_path, "")),
        Some(q) => {
            let positive = validate_positive_quantity(q, &storage_path);
            if positive.is_empty() {
                errs.extend(validate_resource_quantity_value("storage", q, &storage_path));
            } else {
                errs.extend(positive);
            }
        }
    }
    let class = s(&spec.storage_class_name);
    if !class.is_empty() {
        errs.extend(validate_class_name(class, &path.child("storageClassName")));
    }
    if let Some(mode) = &spec.volume_mode
        && !VOLUME_MODES.contains(&mode.as_str())
    {
        errs.push(Error::not_supported(&path.child("volumeMode"), mode, &VOLUME_MODES));
    }
    if let Some(ds) = &spec.data_source {
        errs.extend(validate_data_source_fields(
            &ds.name,
            &ds.kind,
            ds.api_group.as_deref(),
            opts.allow_invalid_api_group,
            &path.child("dataSource"),
        ));
    }
    if let Some(r) = &spec.data_source_ref {
        let p = path.child("dataSourceRef");
        errs.extend(validate_data_source_fields(
            &r.name,
            &r.kind,
            r.api_group.as_deref(),
            opts.allow_invalid_api_group,
            &p,
        ));
        let namespace = s(&r.namespace);
        if !namespace.is_empty() {
            errs.extend(invalid_each(
                &p.child("namespace"),
                namespace,
                v::validate_namespace_name(namespace, false),
            ));
        }
    }
    let data_source_path = BadValue::GoSyntax(path.child("dataSource").to_string());
    let cross_namespace = |r: &core::TypedObjectReference| !s(&r.namespace).is_empty();
    match (&spec.data_source, &spec.data_source_ref) {
        (Some(_), Some(r)) if cross_namespace(r) => errs.push(Error::invalid(
            path,
            data_source_path,
            "may not be specified when dataSourceRef.namespace is specified",
        )),
        (_, Some(r)) if cross_namespace(r) => {}
        (Some(ds), Some(r))
            if ds.api_group != r.api_group || ds.kind != r.kind || ds.name != r.name =>
        {
            errs.push(Error::invalid(path, data_source_path, "must match dataSourceRef"));
        }
        _ => {}
    }
    let vac = s(&spec.volume_attributes_class_name);
    if !vac.is_empty() {
        errs.extend(validate_class_name(vac, &path.child("volumeAttributesClassName")));
    }
    errs
}

fn pvc_body(pvc: &core::PersistentVolumeClaim, opts: PvcOptions) -> ErrorList {
    validate_pvc_spec(&super::or_default(&pvc.spec), &Path::new("spec"), opts)
}

/// `ValidatePersistentVolumeClaim`.
pub fn validate_persistent_volume_claim(pvc: &core::PersistentVolumeClaim) -> ErrorList {
    let mut errs =
        validate_object_meta(&pvc.metadata, true, v::name_is_dns_subdomain, &meta_path());
    errs.extend(pvc_body(pvc, PvcOptions::for_update(None)));
    errs
}

fn annotation<'a>(pvc: &'a core::PersistentVolumeClaim, key: &str) -> Option<&'a str> {
    pvc.metadata.annotations.as_ref().and_then(|a| a.get(key)).map(String::as_str)
}

fn storage_request(spec: &core::PersistentVolumeClaimSpec) -> Option<&Quantity> {
    spec.resources.as_ref()?.requests.as_ref()?.get("storage")
}

/// `ValidatePersistentVolumeClaimUpdate`: the spec is fixed but for binding to a volume once,
/// moving the storage class from the beta annotation (or from nothing) to the field, and, for
/// bound claims, the requested size and the volume attributes class.
pub fn validate_persistent_volume_claim_update(
    new: &core::PersistentVolumeClaim,
    old: &core::PersistentVolumeClaim,
) -> ErrorList {
    let opts = PvcOptions::for_update(Some(old));
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(pvc_body(new, opts));
    let new_spec = super::or_default(&new.spec).into_owned();
    let old_spec = super::or_default(&old.spec).into_owned();
    let (mut new_clone, mut old_clone) = (new_spec.clone(), old_spec.clone());
    if s(&old_spec.volume_name).is_empty() {
        old_clone.volume_name = new_clone.volume_name.clone();
    }
    let old_class_annotation = annotation(old, STORAGE_CLASS_ANNOTATION);
    let new_class_annotation = annotation(new, STORAGE_CLASS_ANNOTATION);
    let from_annotation = old_class_annotation.is_some_and(|oa| {
        old_spec.storage_class_name.is_none()
            && new_spec.storage_class_name.as_deref() == Some(oa)
            && new_class_annotation.is_none_or(|na| na == oa)
    });
    if from_annotation {
        new_clone.storage_class_name = None;
    } else {
        let (new_value, old_value) =
            (new_class_annotation.unwrap_or_default(), old_class_annotation.unwrap_or_default());
        if new_value != old_value {
            errs.push(Error::invalid(
                &meta_path().child("annotations").child(STORAGE_CLASS_ANNOTATION),
                new_value,
                FIELD_IMMUTABLE_ERROR_MSG,
            ));
        }
        let from_nil = new_spec.storage_class_name.as_ref().is_some_and(|class| {
            old_spec.storage_class_name.is_none()
                && old_class_annotation.is_none_or(|oa| oa == class.as_str())
        });
        if from_nil {
            new_clone.storage_class_name = old_clone.storage_class_name.clone();
        }
    }
    let bound = new.status.as_ref().and_then(|st| st.phase.as_deref()) == Some("Bound");
    if bound && let Some(requests) = new_clone.resources.as_mut().and_then(|r| r.requests.as_mut())
    {
        let old_storage = storage_request(&old_spec).cloned().unwrap_or(Quantity("0".into()));
        requests.insert("storage".to_string(), old_storage);
    }
    if bound && new_clone.volume_attributes_class_name.is_some() {
        new_clone.volume_attributes_class_name = old_clone.volume_attributes_class_name.clone();
    }
    if !semantic_eq(
        &canonical_quantities(new_clone.clone()),
        &canonical_quantities(old_clone.clone()),
    ) {
        let diff = spec_diff(
            "core.PersistentVolumeClaimSpec",
            &serde_json::to_value(&old_clone).unwrap_or_default(),
            &serde_json::to_value(&new_clone).unwrap_or_default(),
        );
        errs.push(Error::forbidden(
            &Path::new("spec"),
            format!(
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n{diff}"
            ),
        ));
    }
    let zero = ParsedQuantity::default();
    let old_size = storage_request(&old_spec).map(parse).unwrap_or_default();
    let new_size = storage_request(&new_spec).map(parse).unwrap_or_default();
    let status_size = old
        .status
        .as_ref()
        .and_then(|st| st.capacity.as_ref())
        .and_then(|c| c.get("storage"))
        .map(parse)
        .unwrap_or(zero);
    if new_size < old_size && new_size <= status_size {
        errs.push(Error::forbidden(
            &Path::from_names(["spec", "resources", "requests", "storage"]),
            "field can not be less than status.capacity",
        ));
    }
    errs.extend(validate_immutable(
        &new_spec.volume_mode,
        &old_spec.volume_mode,
        BadValue::from(new_spec.volume_mode.clone()),
        &Path::new("volumeMode"),
    ));
    if old_spec.volume_attributes_class_name.is_some() {
        let p = Path::new("spec").child("volumeAttributesClassName");
        match new_spec.volume_attributes_class_name.as_deref() {
            None => {
                errs.push(Error::forbidden(&p, "update from non-nil value to nil is forbidden"))
            }
            Some("") if old_spec.volume_attributes_class_name.as_deref() != Some("") => {
                errs.push(Error::forbidden(
                    &p,
                    "update from non-nil value to an empty string is forbidden",
                ));
            }
            _ => {}
        }
    }
    errs
}

/// A claim spec with its quantities in canonical form: upstream compares quantities by value
/// (`1Gi` equals `1073741824`).
fn canonical_quantities(
    mut spec: core::PersistentVolumeClaimSpec,
) -> core::PersistentVolumeClaimSpec {
    if let Some(r) = &mut spec.resources {
        for q in r.requests.iter_mut().chain(r.limits.iter_mut()).flat_map(|l| l.values_mut()) {
            if let Ok(parsed) = ParsedQuantity::parse(&q.0) {
                q.0 = parsed.canonical_string();
            }
        }
    }
    spec
}

const RESIZE_STATUSES: [&str; 5] = [
    "ControllerResizeInProgress",
    "ControllerResizeInfeasible",
    "NodeResizeInProgress",
    "NodeResizeInfeasible",
    "NodeResizePending",
];

/// `validatePersistentVolumeClaimResourceKey`.
fn validate_pvc_resource_key(key: &str, path: &Path) -> ErrorList {
    let errs = validate_qualified_name(key, path);
    if !errs.is_empty() {
        return errs;
    }
    if is_native_resource(key) && key != "storage" {
        return ErrorList(vec![Error::not_supported(path, key, &["storage"])]);
    }
    errs
}

/// `ValidatePersistentVolumeClaimStatusUpdate`.
pub fn validate_persistent_volume_claim_status_update(
    new: &core::PersistentVolumeClaim,
    old: &core::PersistentVolumeClaim,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    if s(&new.metadata.resource_version).is_empty() {
        errs.push(Error::required(&Path::new("resourceVersion"), ""));
    }
    let spec = super::or_default(&new.spec);
    if spec.access_modes.as_ref().is_none_or(Vec::is_empty) {
        errs.push(Error::required(&Path::new("Spec").child("accessModes"), ""));
    }
    let status = super::or_default(&new.status);
    let capacity_path = Path::new("status").child("capacity");
    for (name, q) in status.capacity.iter().flatten() {
        errs.extend(validate_basic_resource(q, &capacity_path.key(name)));
    }
    let resize_path = Path::new("status").child("allocatedResourceStatus");
    for (key, value) in status.allocated_resource_statuses.iter().flatten() {
        errs.extend(validate_pvc_resource_key(key, &resize_path));
        if !RESIZE_STATUSES.contains(&value.as_str()) {
            errs.push(Error::not_supported(&resize_path, key, &RESIZE_STATUSES));
        }
    }
    let allocated_path = Path::new("status").child("allocatedResources");
    for (name, q) in status.allocated_resources.iter().flatten() {
        let key_errs = validate_pvc_resource_key(name, &allocated_path);
        if !key_errs.is_empty() {
            errs.extend(key_errs);
            continue;
        }
        let at = allocated_path.key(name);
        let basic = validate_basic_resource(q, &at);
        if basic.is_empty() {
            errs.extend(validate_resource_quantity_value("storage", q, &at));
        } else {
            errs.extend(basic);
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// CSIDrivers.

fn required_flag(value: Option<bool>, path: &Path) -> ErrorList {
    if value.is_none() { ErrorList(vec![Error::required(path, "")]) } else { ErrorList::new() }
}

fn validate_csi_driver_spec(spec: &storage::CSIDriverSpec, path: &Path) -> ErrorList {
    let mut errs = required_flag(spec.attach_required, &path.child("attachedRequired"));
    errs.extend(required_flag(spec.pod_info_on_mount, &path.child("podInfoOnMount")));
    errs.extend(required_flag(spec.storage_capacity, &path.child("storageCapacity")));
    const FS_GROUP_POLICIES: [&str; 3] = ["File", "None", "ReadWriteOnceWithFSType"];
    if let Some(policy) = &spec.fs_group_policy
        && !FS_GROUP_POLICIES.contains(&policy.as_str())
    {
        errs.push(Error::not_supported(&path.child("fsGroupPolicy"), policy, &FS_GROUP_POLICIES));
    }
    let mut audiences = BTreeSet::new();
    for (i, tr) in spec.token_requests.iter().flatten().enumerate() {
        let p = path.child("tokenRequests").index(i);
        if !audiences.insert(tr.audience.as_str()) {
            errs.push(Error::duplicate(&p.child("audience"), tr.audience.as_str()));
            continue;
        }
        let Some(seconds) = tr.expiration_seconds else { continue };
        if seconds < 600 {
            errs.push(Error::invalid(
                &p.child("expirationSeconds"),
                seconds,
                "may not specify a duration less than 10 minutes",
            ));
        }
        if seconds > 1 << 32 {
            errs.push(Error::invalid(
                &p.child("expirationSeconds"),
                seconds,
                "may not specify a duration larger than 2^32 seconds",
            ));
        }
    }
    for mode in spec.volume_lifecycle_modes.iter().flatten() {
        if mode != "Persistent" && mode != "Ephemeral" {
            errs.push(Error::not_supported(
                &path.child("volumeLifecycleModes"),
                mode,
                &["Persistent", "Ephemeral"],
            ));
        }
    }
    errs.extend(required_flag(spec.se_linux_mount, &path.child("seLinuxMount")));
    if let Some(period) = spec.node_allocatable_update_period_seconds
        && period < 10
    {
        errs.push(Error::invalid(
            &path.child("nodeAllocatableUpdatePeriodSeconds"),
            period,
            "must be greater than or equal to 10 seconds",
        ));
    }
    errs
}

/// `ValidateCSIDriver`.
pub fn validate_csi_driver(d: &storage::CSIDriver) -> ErrorList {
    let mut errs = validate_object_meta(&d.metadata, false, v::name_is_dns_subdomain, &meta_path());
    errs.extend(validate_csi_driver_spec(&d.spec, &Path::new("spec")));
    errs
}

/// `ValidateCSIDriverUpdate`: attachment and lifecycle modes are fixed.
pub fn validate_csi_driver_update(new: &storage::CSIDriver, old: &storage::CSIDriver) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(validate_csi_driver_spec(&new.spec, &Path::new("spec")));
    errs.extend(validate_immutable(
        &new.spec.attach_required,
        &old.spec.attach_required,
        BadValue::from(new.spec.attach_required),
        &Path::new("spec").child("attachedRequired"),
    ));
    let modes = |d: &storage::CSIDriver| d.spec.volume_lifecycle_modes.clone().unwrap_or_default();
    errs.extend(validate_immutable(
        &modes(new),
        &modes(old),
        new.spec.volume_lifecycle_modes.as_ref().map_or(BadValue::Null, BadValue::json),
        &Path::new("spec").child("volumeLifecycleModes"),
    ));
    errs
}

// ---------------------------------------------------------------------------------------------
// CSINodes.

const CSI_NODE_ID_MAX_LENGTH: usize = 192;
const CSI_NODE_ID_LONGER_MAX_LENGTH: usize = 256;

fn validate_csi_node_driver(
    driver: &storage::CSINodeDriver,
    names: &mut BTreeSet<String>,
    allow_long_node_id: bool,
    path: &Path,
) -> ErrorList {
    let mut errs = validate_csi_driver_name(&driver.name, &path.child("name"));
    let id_path = path.child("nodeID");
    if driver.node_id.is_empty() {
        errs.push(Error::required(&id_path, ""));
    }
    let max =
        if allow_long_node_id { CSI_NODE_ID_LONGER_MAX_LENGTH } else { CSI_NODE_ID_MAX_LENGTH };
    if driver.node_id.len() > max {
        errs.push(Error::invalid(
            &id_path,
            &driver.node_id,
            format!("must be {max} characters or less"),
        ));
    }
    if let Some(count) = driver.allocatable.as_ref().and_then(|a| a.count) {
        errs.extend(validate_nonnegative(
            i64::from(count),
            &path.child("allocatable").child("count"),
        ));
    }
    if !names.insert(driver.name.clone()) {
        errs.push(Error::duplicate(&path.child("name"), &driver.name));
    }
    let mut keys = BTreeSet::new();
    for key in driver.topology_keys.iter().flatten() {
        if key.is_empty() {
            errs.push(Error::required(path, ""));
        }
        if !keys.insert(key.as_str()) {
            errs.push(Error::duplicate(path, key));
        }
        errs.extend(validate_qualified_name(key, path));
    }
    errs
}

fn csi_node_body(n: &storage::CSINode, allow_long_node_id: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, d) in n.spec.drivers.iter().enumerate() {
        let p = Path::new("spec").child("drivers").index(i);
        errs.extend(validate_csi_node_driver(d, &mut names, allow_long_node_id, &p));
    }
    errs
}

/// `ValidateCSINode` as a create checks it (node IDs of at most 192 characters).
pub fn validate_csi_node(n: &storage::CSINode) -> ErrorList {
    let mut errs = validate_object_meta(&n.metadata, false, v::name_is_dns_subdomain, &meta_path());
    errs.extend(csi_node_body(n, false));
    errs
}

/// `ValidateCSINodeUpdate`: a driver's entry may change only its allocatable count; longer node
/// IDs stay allowed once the object has one.
pub fn validate_csi_node_update(new: &storage::CSINode, old: &storage::CSINode) -> ErrorList {
    let long = old.spec.drivers.iter().any(|d| d.node_id.len() > CSI_NODE_ID_MAX_LENGTH);
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(csi_node_body(new, long));
    let without_allocatable =
        |d: &storage::CSINodeDriver| storage::CSINodeDriver { allocatable: None, ..d.clone() };
    for old_driver in &old.spec.drivers {
        for new_driver in new.spec.drivers.iter().filter(|d| d.name == old_driver.name) {
            let (n, o) = (without_allocatable(new_driver), without_allocatable(old_driver));
            if !semantic_eq(&n, &o) {
                errs.push(Error::invalid(
                    &Path::new("spec").child("drivers"),
                    BadValue::json(&n),
                    FIELD_IMMUTABLE_ERROR_MSG,
                ));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// VolumeAttachments.

const MAX_ATTACHED_VOLUME_METADATA_SIZE: i64 = 256 * (1 << 10);
const MAX_VOLUME_ERROR_MESSAGE_SIZE: usize = 1024;

fn validate_volume_error(e: &Option<storage::VolumeError>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(e) = e else { return errs };
    if s(&e.message).len() > MAX_VOLUME_ERROR_MESSAGE_SIZE {
        errs.push(Error::too_long(&path.child("message"), MAX_ATTACHED_VOLUME_METADATA_SIZE));
    }
    if let Some(code) = e.error_code
        && code < 0
    {
        errs.push(Error::invalid(
            &path.child("errorCode"),
            code,
            v::inclusive_range_error(0, i64::from(i32::MAX)),
        ));
    }
    errs
}

fn validate_volume_attachment_status(status: &storage::VolumeAttachmentStatus) -> ErrorList {
    let p = Path::new("status");
    let mut errs = ErrorList::new();
    let size: usize =
        status.attachment_metadata.iter().flatten().map(|(k, v)| k.len() + v.len()).sum();
    if size as i64 > MAX_ATTACHED_VOLUME_METADATA_SIZE {
        errs.push(Error::too_long(
            &p.child("attachmentMetadata"),
            MAX_ATTACHED_VOLUME_METADATA_SIZE,
        ));
    }
    errs.extend(validate_volume_error(&status.attach_error, &p.child("attachError")));
    errs.extend(validate_volume_error(&status.detach_error, &p.child("detachError")));
    errs
}

fn volume_attachment_body(va: &storage::VolumeAttachment) -> ErrorList {
    let p = Path::new("spec");
    let spec = &va.spec;
    let mut errs = required_if_empty(&spec.attacher, &p.child("attacher"));
    let source_path = p.child("source");
    let source = &spec.source;
    match (&source.inline_volume_spec, &source.persistent_volume_name) {
        (None, None) => errs.push(Error::required(
            &source_path,
            "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
        )),
        (Some(_), Some(_)) => errs.push(Error::forbidden(
            &source_path,
            "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
        )),
        (None, Some(name)) => {
            if name.is_empty() {
                errs.push(Error::required(
                    &source_path.child("persistentVolumeName"),
                    "must specify non empty persistentVolumeName",
                ));
            }
        }
        (Some(inline), None) => errs.extend(validate_persistent_volume_spec(
            inline,
            "",
            true,
            &source_path.child("inlineVolumeSpec"),
            PvOptions::default(),
        )),
    }
    errs.extend(invalid_each(
        &p.child("nodeName"),
        &spec.node_name,
        v::name_is_dns_subdomain(&spec.node_name, false),
    ));
    errs.extend(validate_volume_attachment_status(&super::or_default(&va.status)));
    errs
}

/// `ValidateVolumeAttachment`.
fn validate_volume_attachment_common(va: &storage::VolumeAttachment) -> ErrorList {
    let mut errs =
        validate_object_meta(&va.metadata, false, v::name_is_dns_subdomain, &meta_path());
    errs.extend(volume_attachment_body(va));
    errs
}

/// A new VolumeAttachment: `ValidateVolumeAttachment` and the v1 API's stricter
/// `ValidateVolumeAttachmentV1`.
pub fn validate_volume_attachment(va: &storage::VolumeAttachment) -> ErrorList {
    let mut errs = validate_volume_attachment_common(va);
    errs.extend(validate_csi_driver_name(&va.spec.attacher, &Path::new("spec.attacher")));
    if let Some(name) = &va.spec.source.persistent_volume_name {
        errs.extend(invalid_each(
            &Path::new("spec.source.persistentVolumeName"),
            name,
            v::name_is_dns_subdomain(name, false),
        ));
    }
    errs
}

/// `ValidateVolumeAttachmentUpdate` (also what a status write is checked with): the spec is
/// read-only.
pub fn validate_volume_attachment_update(
    new: &storage::VolumeAttachment,
    old: &storage::VolumeAttachment,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(volume_attachment_body(new));
    if !semantic_eq(&new.spec, &old.spec) {
        errs.push(Error::invalid(
            &Path::new("spec"),
            BadValue::json(&new.spec),
            FIELD_IMMUTABLE_ERROR_MSG,
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    //! Cases named after upstream's validation_test.go (TestValidatePersistentVolume*,
    //! TestValidatePersistentVolumeClaim*, TestValidatePVCUpdate*) and storage's
    //! TestValidateCSIDriver*, TestValidateCSINode*, TestValidateVolumeAttachment*.

    use serde_json::{Value, json};

    use crate::api::validation::core_resources::tests::{Case, Op, check, stored};

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    fn pv(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
            "spec": spec})
    }

    fn host_path_pv() -> Value {
        pv(json!({"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/mnt/data"}, "storageClassName": "manual"}))
    }

    fn pv_case(name: &'static str, obj: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "PersistentVolume",
            resource: "persistentvolumes",
            op: Op::Create(obj),
            want: strs(want),
        }
    }

    fn pv_update(name: &'static str, new: Value, old: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "PersistentVolume",
            resource: "persistentvolumes",
            op: Op::Update(new, old),
            want: strs(want),
        }
    }

    fn affinity(key: &str, values: Value) -> Value {
        json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": key, "operator": "In", "values": values}]}]}})
    }

    #[test]
    fn test_validate_persistent_volume() {
        check(vec![
            pv_case("a hostPath volume", host_path_pv(), &[]),
            pv_case(
                "an NFS volume with mount options",
                {
                    let mut p = pv(json!({"capacity": {"storage": "1Gi"},
                        "accessModes": ["ReadWriteMany"], "nfs": {"server": "nfs.local",
                        "path": "/exports"}, "mountOptions": ["hard"],
                        "persistentVolumeReclaimPolicy": "Recycle"}));
                    p["metadata"]["annotations"] =
                        json!({"volume.beta.kubernetes.io/mount-options": "hard"});
                    p
                },
                &[],
            ),
            pv_case(
                "a CSI volume with node affinity and a volume attributes class",
                pv(json!({"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOncePod"],
                    "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1",
                        "nodePublishSecretRef": {"name": "s", "namespace": "ns"}},
                    "volumeAttributesClassName": "gold", "volumeMode": "Block",
                    "nodeAffinity": affinity("topology.kubernetes.io/zone", json!(["a"]))})),
                &[],
            ),
            pv_case(
                "nothing set",
                pv(json!({})),
                &[
                    "spec.accessModes: Required value",
                    "spec.capacity: Required value",
                    "spec.capacity: Unsupported value: null: supported values: \"storage\"",
                    "spec: Required value: must specify a volume type",
                ],
            ),
            pv_case(
                "modes, capacity and policies",
                pv(json!({"capacity": {"storage": "0", "cpu": "1"},
                    "accessModes": ["ReadWriteOncePod", "ReadWriteOnce", "Sometimes"],
                    "hostPath": {"path": "/"}, "persistentVolumeReclaimPolicy": "Recycle",
                    "storageClassName": "Fast", "volumeMode": "Raw"})),
                &[
                    "spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                    "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
                    "spec.capacity: Unsupported value: {\"cpu\":\"1\",\"storage\":\"0\"}: supported values: \"storage\"",
                    "spec.capacity[storage]: Invalid value: \"0\": must be greater than zero",
                    "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
                    "spec.storageClassName: Invalid value: \"Fast\": a lowercase RFC 1123 subdomain…",
                    "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"",
                ],
            ),
            pv_case(
                "more than one source",
                pv(json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "hostPath": {"path": "/a", "type": "Dir"}, "nfs": {"server": "s", "path": "p"},
                    "persistentVolumeReclaimPolicy": "Keep"})),
                &[
                    "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"",
                    "spec.hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
                    "spec.nfs: Forbidden: may not specify more than 1 volume type",
                ],
            ),
            pv_case(
                "local volumes need node affinity; mount options only where supported",
                {
                    let mut p = pv(json!({"capacity": {"storage": "1Gi"},
                        "accessModes": ["ReadWriteOnce"], "local": {"path": "/mnt/../disk"}}));
                    p["metadata"]["annotations"] =
                        json!({"volume.beta.kubernetes.io/mount-options": "ro"});
                    p
                },
                &[
                    "spec.local.path: Invalid value: \"/mnt/../disk\": must not contain '..'",
                    "spec.nodeAffinity: Required value: Local volume requires node affinity",
                    "metadata.annotations.volume.beta.kubernetes.io/mount-options: Forbidden: may not specify mount options for this volume type",
                ],
            ),
            pv_case(
                "CSI source and node affinity",
                pv(json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "csi": {"driver": "Bad_Driver", "volumeHandle": "",
                        "controllerPublishSecretRef": {"name": "s"}},
                    "volumeAttributesClassName": "",
                    "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                        {"key": "zone", "operator": "Exists", "values": ["a"]}],
                        "matchFields": [{"key": "metadata.uid", "operator": "In",
                            "values": ["a"]}]}]}}})),
                &[
                    "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    "spec.nodeAffinity.required.nodeSelectorTerms[0].matchFields[0].key: Invalid value: \"metadata.uid\": not a valid field selector key",
                    "spec.csi.driver: Invalid value: \"Bad_Driver\": a lowercase RFC 1123 subdomain…",
                    "spec.csi.volumeHandle: Required value",
                    "spec.csi.controllerPublishSecretRef.namespace: Required value",
                    "spec.volumeAttributesClassName: Required value: an empty string is disallowed",
                ],
            ),
            pv_case(
                "quobyte registries are host:port pairs",
                pv(json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "quobyte": {"registry": "a:7861,[::1]:7861,b", "volume": ""}})),
                &[
                    "spec.quobyte.registry: Invalid value: \"a:7861,[::1]:7861,b\": must be a host:port pair or multiple pairs separated by commas",
                    "spec.quobyte.volume: Required value",
                ],
            ),
            pv_case(
                "GCE disks are checked under persistentDisk",
                pv(json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "gcePersistentDisk": {"pdName": "", "partition": 256}})),
                &[
                    "spec.persistentDisk.pdName: Required value",
                    "spec.persistentDisk.partition: Invalid value: 256: must be between 1 and 255, inclusive",
                ],
            ),
            pv_case(
                "in-tree sources",
                pv(json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "iscsi": {"targetPortal": "", "iqn": "iqn.2001-04.com.example", "lun": 300,
                        "chapAuthSession": true, "initiatorName": "eui.1234"}})),
                &[
                    "spec.iscsi.targetPortal: Required value",
                    "spec.iscsi.iqn: Invalid value: \"iqn.2001-04.com.example\": must be valid format",
                    "spec.iscsi.lun: Invalid value: 300: must be between 0 and 255, inclusive",
                    "spec.iscsi.secretRef: Required value",
                    "spec.iscsi.initiatorname: Invalid value: \"eui.1234\": must be valid format",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_persistent_volume_update() {
        let old = stored(host_path_pv());
        let mut moved = old.clone();
        moved["spec"]["hostPath"]["path"] = json!("/mnt/other");
        let mut block = old.clone();
        block["spec"]["volumeMode"] = json!("Block");
        let mut resized = old.clone();
        resized["spec"]["capacity"]["storage"] = json!("20Gi");
        resized["spec"]["persistentVolumeReclaimPolicy"] = json!("Delete");
        let mut zoned_old = host_path_pv();
        zoned_old["spec"]["nodeAffinity"] =
            affinity("failure-domain.beta.kubernetes.io/zone", json!(["a"]));
        let zoned_old = stored(zoned_old);
        let mut zoned_ga = zoned_old.clone();
        zoned_ga["spec"]["nodeAffinity"] = affinity("topology.kubernetes.io/zone", json!(["a"]));
        let mut zoned_other = zoned_old.clone();
        zoned_other["spec"]["nodeAffinity"] = affinity("topology.kubernetes.io/zone", json!(["b"]));
        check(vec![
            pv_update("capacity and reclaim policy may change", resized, old.clone(), &[]),
            pv_update(
                "the source may not",
                moved,
                old.clone(),
                &[
                    "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n  core.PersistentVolumeSource{\n…",
                ],
            ),
            pv_update(
                "nor the volume mode",
                block,
                old,
                &["volumeMode: Invalid value: \"Block\": field is immutable"],
            ),
            pv_update("node affinity may move to the GA label", zoned_ga, zoned_old.clone(), &[]),
            pv_update(
                "but not change otherwise",
                zoned_other,
                zoned_old,
                &[
                    "nodeAffinity: Invalid value: {\"required\":…}: field is immutable, except for updating from beta label to GA",
                ],
            ),
        ]);
    }

    fn pvc(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "ns"}, "spec": spec})
    }

    fn helm_pvc() -> Value {
        pvc(json!({"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
            "resources": {"requests": {"storage": "8Gi"}}}))
    }

    fn pvc_case(name: &'static str, obj: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "PersistentVolumeClaim",
            resource: "persistentvolumeclaims",
            op: Op::Create(obj),
            want: strs(want),
        }
    }

    fn pvc_update(name: &'static str, new: Value, old: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "PersistentVolumeClaim",
            resource: "persistentvolumeclaims",
            op: Op::Update(new, old),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_persistent_volume_claim() {
        check(vec![
            pvc_case("a chart's claim", helm_pvc(), &[]),
            pvc_case(
                "a clone with a selector",
                pvc(json!({"accessModes": ["ReadWriteOncePod"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "selector": {"matchLabels": {"app": "db"}},
                    "dataSource": {"kind": "PersistentVolumeClaim", "name": "src"},
                    "dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "src"}})),
                &[],
            ),
            pvc_case(
                "nothing set",
                pvc(json!({})),
                &[
                    "spec.accessModes: Required value: at least 1 access mode is required",
                    "spec.resources[storage]: Required value",
                ],
            ),
            pvc_case(
                "size, class, mode",
                pvc(json!({"accessModes": ["ReadWriteOnce", "ReadWriteOncePod"],
                    "resources": {"requests": {"storage": "0"}},
                    "storageClassName": "Bad Class", "volumeMode": "Raw",
                    "selector": {"matchLabels": {"app": "-"}}})),
                &[
                    "spec.selector.matchLabels: Invalid value: \"-\": a valid label must be…",
                    "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
                    "spec.resources[storage]: Invalid value: \"0\": must be greater than zero",
                    "spec.storageClassName: Invalid value: \"Bad Class\": a lowercase RFC 1123 subdomain…",
                    "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"",
                ],
            ),
            pvc_case(
                "data sources",
                pvc(json!({"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "dataSource": {"kind": "Snapshot", "name": "snap"},
                    "dataSourceRef": {"apiGroup": "Snap_Shots", "kind": "VolumeSnapshot",
                        "name": "snap"}})),
                &[
                    "spec.dataSource: Invalid value: \"Snapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
                    "spec.dataSourceRef.apiGroup: Invalid value: \"Snap_Shots\": a lowercase RFC 1123 subdomain…",
                    "spec: Invalid value: spec.dataSource: must match dataSourceRef",
                ],
            ),
            pvc_case(
                "a cross-namespace data source reference",
                pvc(json!({"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "dataSource": {"kind": "PersistentVolumeClaim", "name": "src"},
                    "dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "src",
                        "namespace": "other"}})),
                &[
                    "spec: Invalid value: spec.dataSource: may not be specified when dataSourceRef.namespace is specified",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_persistent_volume_claim_update() {
        let old = stored(helm_pvc());
        let mut bound_old = old.clone();
        bound_old["spec"]["volumeName"] = json!("pv-1");
        bound_old["status"] = json!({"phase": "Bound", "capacity": {"storage": "8Gi"}});
        let mut named = old.clone();
        named["spec"]["volumeName"] = json!("pv-1");
        let mut grown = old.clone();
        grown["spec"]["resources"]["requests"]["storage"] = json!("16Gi");
        let mut bound_grown = bound_old.clone();
        bound_grown["spec"]["resources"]["requests"]["storage"] = json!("16Gi");
        let mut bound_shrunk = bound_old.clone();
        bound_shrunk["spec"]["resources"]["requests"]["storage"] = json!("4Gi");
        let mut renamed = bound_old.clone();
        renamed["spec"]["volumeName"] = json!("pv-2");
        let mut classless = helm_pvc();
        classless["spec"]["storageClassName"] = json!(null);
        let classless = stored(classless);
        let mut classed = classless.clone();
        classed["spec"]["storageClassName"] = json!("fast");
        let mut annotated = old.clone();
        annotated["metadata"]["annotations"] =
            json!({"volume.beta.kubernetes.io/storage-class": "fast"});
        check(vec![
            pvc_update("binding to a volume once", named, old.clone(), &[]),
            pvc_update("a bound claim grows", bound_grown, bound_old.clone(), &[]),
            pvc_update("a class is set where none was", classed, classless, &[]),
            pvc_update(
                "an unbound claim may not resize",
                grown,
                old.clone(),
                &[
                    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n…",
                ],
            ),
            pvc_update(
                "a bound claim may not shrink below its capacity",
                bound_shrunk,
                bound_old.clone(),
                &[
                    "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity",
                ],
            ),
            pvc_update(
                "nor move to another volume",
                renamed,
                bound_old,
                &[
                    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n…",
                ],
            ),
            pvc_update(
                "the beta class annotation is immutable",
                annotated,
                old,
                &[
                    "metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: \"fast\": field is immutable",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_persistent_volume_claim_status_update() {
        let old = stored(helm_pvc());
        let mut ok = old.clone();
        ok["status"] = json!({"phase": "Bound", "capacity": {"storage": "8Gi"},
            "allocatedResources": {"storage": "8Gi"},
            "allocatedResourceStatuses": {"storage": "NodeResizePending"}});
        let mut bad = old.clone();
        bad["status"] = json!({"allocatedResources": {"cpu": "1"},
            "allocatedResourceStatuses": {"storage": "Resizing"}});
        check(vec![
            Case {
                name: "a resize in progress",
                group: "",
                kind: "PersistentVolumeClaim",
                resource: "persistentvolumeclaims",
                op: Op::Status(ok, old.clone()),
                want: vec![],
            },
            Case {
                name: "unknown keys and states",
                group: "",
                kind: "PersistentVolumeClaim",
                resource: "persistentvolumeclaims",
                op: Op::Status(bad, old),
                want: strs(&[
                    "status.allocatedResourceStatus: Unsupported value: \"storage\": supported values: \"ControllerResizeInProgress\", \"ControllerResizeInfeasible\", \"NodeResizeInProgress\", \"NodeResizeInfeasible\", \"NodeResizePending\"",
                    "status.allocatedResources: Unsupported value: \"cpu\": supported values: \"storage\"",
                ]),
            },
        ]);
    }

    fn storage_case(
        name: &'static str,
        kind: &'static str,
        resource: &'static str,
        op: Op,
        want: &[&str],
    ) -> Case {
        Case { name, group: "storage.k8s.io", kind, resource, op, want: strs(want) }
    }

    fn csi_driver(spec: Value) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
            "metadata": {"name": "ebs.csi.aws.com"}, "spec": spec})
    }

    #[test]
    fn test_validate_csi_driver() {
        let old = stored(csi_driver(json!({})));
        let mut detached = old.clone();
        detached["spec"]["attachRequired"] = json!(false);
        detached["spec"]["podInfoOnMount"] = json!(true);
        check(vec![
            storage_case(
                "defaults fill the spec",
                "CSIDriver",
                "csidrivers",
                Op::Create(csi_driver(json!({}))),
                &[],
            ),
            storage_case(
                "policies, modes and tokens",
                "CSIDriver",
                "csidrivers",
                Op::Create(csi_driver(json!({"fsGroupPolicy": "Always",
                    "volumeLifecycleModes": ["Persistent", "Temporary"],
                    "nodeAllocatableUpdatePeriodSeconds": 5,
                    "tokenRequests": [{"audience": "a", "expirationSeconds": 60},
                        {"audience": "a"}, {"audience": "b", "expirationSeconds": 8589934593_i64}]}))),
                &[
                    "spec.fsGroupPolicy: Unsupported value: \"Always\": supported values: \"File\", \"None\", \"ReadWriteOnceWithFSType\"",
                    "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
                    "spec.tokenRequests[1].audience: Duplicate value: \"a\"",
                    "spec.tokenRequests[2].expirationSeconds: Invalid value: 8589934593: may not specify a duration larger than 2^32 seconds",
                    "spec.volumeLifecycleModes: Unsupported value: \"Temporary\": supported values: \"Persistent\", \"Ephemeral\"",
                    "spec.nodeAllocatableUpdatePeriodSeconds: Invalid value: 5: must be greater than or equal to 10 seconds",
                ],
            ),
            storage_case(
                "attachment is fixed",
                "CSIDriver",
                "csidrivers",
                Op::Update(detached, old),
                &["spec.attachedRequired: Invalid value: false: field is immutable"],
            ),
        ]);
    }

    fn csi_node(drivers: Value) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
            "metadata": {"name": "node-1"}, "spec": {"drivers": drivers}})
    }

    #[test]
    fn test_validate_csi_node() {
        let old = stored(csi_node(json!([{"name": "ebs.csi.aws.com", "nodeID": "i-1",
            "topologyKeys": ["topology.ebs.csi.aws.com/zone"], "allocatable": {"count": 25}}])));
        let mut counted = old.clone();
        counted["spec"]["drivers"][0]["allocatable"]["count"] = json!(24);
        let mut moved = old.clone();
        moved["spec"]["drivers"][0]["nodeID"] = json!("i-2");
        check(vec![
            storage_case("a node's drivers", "CSINode", "csinodes", Op::Create(old.clone()), &[]),
            storage_case(
                "driver entries",
                "CSINode",
                "csinodes",
                Op::Create(csi_node(json!([
                    {"name": "d.example.com", "nodeID": "", "allocatable": {"count": -1},
                        "topologyKeys": ["", "a/b/c", "a/b/c"]},
                    {"name": "d.example.com", "nodeID": "x".repeat(193)}]))),
                &[
                    "spec.drivers[0].nodeID: Required value",
                    "spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0",
                    "spec.drivers[0]: Required value",
                    "spec.drivers[0]: Invalid value: \"\": name part must be non-empty",
                    "spec.drivers[0]: Invalid value: \"\": name part must consist of…",
                    "spec.drivers[0]: Invalid value: \"a/b/c\": a valid label key must consist of…",
                    "spec.drivers[0]: Duplicate value: \"a/b/c\"",
                    "spec.drivers[0]: Invalid value: \"a/b/c\": a valid label key must consist of…",
                    "spec.drivers[1].nodeID: Invalid value: \"xxx…\": must be 192 characters or less",
                    "spec.drivers[1].name: Duplicate value: \"d.example.com\"",
                ],
            ),
            storage_case(
                "the allocatable count may change",
                "CSINode",
                "csinodes",
                Op::Update(counted, old.clone()),
                &[],
            ),
            storage_case(
                "the rest of an entry may not",
                "CSINode",
                "csinodes",
                Op::Update(moved, old),
                &[
                    "spec.drivers: Invalid value: {\"name\":\"ebs.csi.aws.com\",\"nodeID\":\"i-2\",\"topologyKeys\":[\"topology.ebs.csi.aws.com/zone\"]}: field is immutable",
                ],
            ),
        ]);
    }

    fn attachment(source: Value) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
            "metadata": {"name": "csi-123"},
            "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "node-1", "source": source}})
    }

    #[test]
    fn test_validate_volume_attachment() {
        let old = stored(attachment(json!({"persistentVolumeName": "pv-1"})));
        let mut moved = old.clone();
        moved["spec"]["nodeName"] = json!("node-2");
        let mut failed = old.clone();
        failed["status"] = json!({"attached": false,
            "attachError": {"message": "boom", "errorCode": -1}});
        check(vec![
            storage_case(
                "an attachment",
                "VolumeAttachment",
                "volumeattachments",
                Op::Create(old.clone()),
                &[],
            ),
            storage_case(
                "an inline volume",
                "VolumeAttachment",
                "volumeattachments",
                Op::Create(attachment(json!({"inlineVolumeSpec": {
                    "accessModes": ["ReadWriteOnce"],
                    "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}}}))),
                &[],
            ),
            storage_case(
                "no source",
                "VolumeAttachment",
                "volumeattachments",
                Op::Create(attachment(json!({}))),
                &[
                    "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
                ],
            ),
            storage_case(
                "both sources, bad names",
                "VolumeAttachment",
                "volumeattachments",
                Op::Create({
                    let mut a = attachment(json!({"persistentVolumeName": "PV",
                        "inlineVolumeSpec": {}}));
                    a["spec"]["attacher"] = json!("Bad/Attacher");
                    a
                }),
                &[
                    "spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
                    "spec.attacher: Invalid value: \"Bad/Attacher\": a lowercase RFC 1123 subdomain…",
                    "spec.source.persistentVolumeName: Invalid value: \"PV\": a lowercase RFC 1123 subdomain…",
                ],
            ),
            storage_case(
                "inline volumes are CSI volumes without capacity or class",
                "VolumeAttachment",
                "volumeattachments",
                Op::Create(attachment(
                    json!({"inlineVolumeSpec": {"accessModes": ["ReadWriteOnce"],
                    "capacity": {"storage": "1Gi"}, "storageClassName": "x",
                    "persistentVolumeReclaimPolicy": "Delete",
                    "hostPath": {"path": "/x"}}}),
                )),
                &[
                    "spec.source.inlineVolumeSpec.capacity: Forbidden: may not be specified in the context of inline volumes",
                    "spec.source.inlineVolumeSpec.csi: Required value: has to be specified in the context of inline volumes",
                    "spec.source.inlineVolumeSpec.persistentVolumeReclaimPolicy: Forbidden: may only be Retain in the context of inline volumes",
                    "spec.source.inlineVolumeSpec.storageClassName: Forbidden: may not be specified in the context of inline volumes",
                ],
            ),
            storage_case(
                "the spec is read-only",
                "VolumeAttachment",
                "volumeattachments",
                Op::Update(moved, old.clone()),
                &[
                    "spec: Invalid value: {\"attacher\":\"ebs.csi.aws.com\",\"nodeName\":\"node-2\",\"source\":{\"persistentVolumeName\":\"pv-1\"}}: field is immutable",
                ],
            ),
            storage_case(
                "status errors",
                "VolumeAttachment",
                "volumeattachments",
                Op::Status(failed, old),
                &[
                    "status.attachError.errorCode: Invalid value: -1: must be between 0 and 2147483647, inclusive",
                ],
            ),
        ]);
    }
}
