//! Validation of the core (`v1`) kinds (pkg/apis/core/validation): pods and pod templates,
//! services, namespaces, config maps, secrets, service accounts and nodes.

use std::collections::{BTreeMap, BTreeSet};

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use apimachinery::resource::Quantity as ParsedQuantity;
use apimachinery::validation as v;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{
    FIELD_IMMUTABLE_ERROR_MSG, IS_NEGATIVE_ERROR_MSG, invalid_each, validate_annotations,
    validate_dns1123_label, validate_dns1123_subdomain, validate_immutable, validate_labels,
    validate_nonnegative, validate_object_meta, validate_object_meta_update,
    validate_qualified_name,
};

/// The most data a config map or secret may hold: 1 MiB.
pub const MAX_SECRET_SIZE: i64 = 1024 * 1024;
const FILE_MODE_ERROR_MSG: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const IS_NOT_INTEGER_ERROR_MSG: &str = "must be an integer";
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";
const MULTIPLE_VOLUME_TYPES: &str = "may not specify more than 1 volume type";
const MULTIPLE_HANDLER_TYPES: &str = "may not specify more than 1 handler type";

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or_default()
}

/// An `Invalid` error whose value Go prints through `String()` (unquoted), as for quantities.
pub(crate) fn invalid_stringer(path: &Path, shown: &str, detail: &str) -> Error {
    Error::new(ErrorType::Invalid, path, BadValue::Omitted, format!("{shown}: {detail}"))
}

/// `IsValidIP` (sloppy parsing, as the legacy fields use).
pub fn validate_ip(value: &str, path: &Path) -> ErrorList {
    if v::parse_ip_sloppy(value).is_some() {
        ErrorList::new()
    } else {
        ErrorList(vec![Error::invalid(
            path,
            value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        )])
    }
}

// ---------------------------------------------------------------------------------------------
// Paths.

pub(crate) fn validate_path_no_backsteps(target: &str, path: &Path) -> ErrorList {
    if target.split('/').any(|p| p == "..") {
        return ErrorList(vec![Error::invalid(path, target, "must not contain '..'")]);
    }
    ErrorList::new()
}

fn validate_local_descending_path(target: &str, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if target.starts_with('/') {
        errs.push(Error::invalid(path, target, "must be a relative path"));
    }
    errs.extend(validate_path_no_backsteps(target, path));
    errs
}

fn validate_local_non_reserved_path(target: &str, path: &Path) -> ErrorList {
    let mut errs = validate_local_descending_path(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(Error::invalid(path, target, "must not start with '..'"));
    }
    errs
}

fn validate_mode(mode: Option<i32>, path: &Path) -> ErrorList {
    match mode {
        Some(m) if !(0..=0o777).contains(&m) => {
            ErrorList(vec![Error::invalid(path, m, FILE_MODE_ERROR_MSG)])
        }
        _ => ErrorList::new(),
    }
}

fn validate_key_to_path(kp: &core::KeyToPath, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if kp.key.is_empty() {
        errs.push(Error::required(&path.child("key"), ""));
    }
    if kp.path.is_empty() {
        errs.push(Error::required(&path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(&kp.path, &path.child("path")));
    errs.extend(validate_mode(kp.mode, &path.child("mode")));
    errs
}

// ---------------------------------------------------------------------------------------------
// Volumes.

fn validate_object_field_selector(
    fs: &core::ObjectFieldSelector,
    expressions: &[&str],
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let api_version = s(&fs.api_version);
    if api_version.is_empty() {
        errs.push(Error::required(&path.child("apiVersion"), ""));
        return errs;
    }
    if fs.field_path.is_empty() {
        errs.push(Error::required(&path.child("fieldPath"), ""));
        return errs;
    }
    if api_version != "v1" {
        errs.push(Error::invalid(
            &path.child("fieldPath"),
            &fs.field_path,
            format!("error converting fieldPath: field label not supported: {}", fs.field_path),
        ));
        return errs;
    }
    let fp = fs.field_path.as_str();
    if let Some((p, rest)) = fp.split_once('[')
        && let Some(sub) = rest.strip_suffix(']')
    {
        let sub = sub.trim_matches('\'');
        match p {
            "metadata.annotations" => {
                errs.extend(validate_qualified_name(&sub.to_lowercase(), path));
            }
            "metadata.labels" => errs.extend(validate_qualified_name(sub, path)),
            _ => errs.push(Error::invalid(path, p, "does not support subscript")),
        }
    } else if !expressions.contains(&fp) {
        let mut sorted: Vec<&str> = expressions.to_vec();
        sorted.sort_unstable();
        errs.push(Error::not_supported(&path.child("fieldPath"), fp, &sorted));
    }
    errs
}

const VOLUME_DOWNWARD_API_FIELDS: [&str; 5] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
    "metadata.annotations",
    "metadata.uid",
];
const ENV_DOWNWARD_API_FIELDS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];
const CONTAINER_RESOURCE_FIELDS: [&str; 6] = [
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
];

fn validate_resource_field_selector(
    fs: &core::ResourceFieldSelector,
    path: &Path,
    volume: bool,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if volume && s(&fs.container_name).is_empty() {
        errs.push(Error::required(&path.child("containerName"), ""));
    } else if fs.resource.is_empty() {
        errs.push(Error::required(&path.child("resource"), ""));
    } else if !CONTAINER_RESOURCE_FIELDS.contains(&fs.resource.as_str())
        && !fs.resource.starts_with("requests.hugepages-")
        && !fs.resource.starts_with("limits.hugepages-")
    {
        let mut sorted = CONTAINER_RESOURCE_FIELDS.to_vec();
        sorted.sort_unstable();
        errs.push(Error::not_supported(&path.child("resource"), &fs.resource, &sorted));
    }
    errs
}

fn validate_downward_api_file(file: &core::DownwardAPIVolumeFile, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if file.path.is_empty() {
        errs.push(Error::required(&path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(&file.path, &path.child("path")));
    if let Some(fr) = &file.field_ref {
        errs.extend(validate_object_field_selector(
            fr,
            &VOLUME_DOWNWARD_API_FIELDS,
            &path.child("fieldRef"),
        ));
        if file.resource_field_ref.is_some() {
            errs.push(Error::invalid(
                path,
                "resource",
                "fieldRef and resourceFieldRef can not be specified simultaneously",
            ));
        }
    } else if let Some(rf) = &file.resource_field_ref {
        errs.extend(validate_resource_field_selector(rf, &path.child("resourceFieldRef"), true));
    } else {
        errs.push(Error::required(path, "one of fieldRef and resourceFieldRef is required"));
    }
    errs.extend(validate_mode(file.mode, &path.child("mode")));
    errs
}

fn validate_projected(p: &core::ProjectedVolumeSource, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut all_paths = BTreeSet::new();
    for (i, src) in p.sources.iter().flatten().enumerate() {
        let src_path = path.child("sources").index(i);
        let mut num = 0;
        let mut check_dup = |errs: &mut ErrorList, p: &str, shown: &str| {
            if !p.is_empty() && !all_paths.insert(p.to_string()) {
                errs.push(Error::invalid(path, shown, "conflicting duplicate paths"));
            }
        };
        if let Some(sec) = &src.secret {
            num += 1;
            let pp = src_path.child("secret");
            if sec.name.is_empty() {
                errs.push(Error::required(&pp.child("name"), ""));
            }
            for (j, kp) in sec.items.iter().flatten().enumerate() {
                errs.extend(validate_key_to_path(kp, &pp.child("items").index(j)));
                check_dup(&mut errs, &kp.path, sec.name.as_str());
            }
        }
        if let Some(cm) = &src.config_map {
            num += 1;
            let pp = src_path.child("configMap");
            if cm.name.is_empty() {
                errs.push(Error::required(&pp.child("name"), ""));
            }
            for (j, kp) in cm.items.iter().flatten().enumerate() {
                errs.extend(validate_key_to_path(kp, &pp.child("items").index(j)));
                check_dup(&mut errs, &kp.path, cm.name.as_str());
            }
        }
        if let Some(d) = &src.downward_api {
            num += 1;
            let pp = src_path.child("downwardAPI");
            for f in d.items.iter().flatten() {
                errs.extend(validate_downward_api_file(f, &pp));
                check_dup(&mut errs, &f.path, &f.path);
            }
        }
        if let Some(t) = &src.service_account_token {
            num += 1;
            let pp = src_path.child("serviceAccountToken");
            let exp = t.expiration_seconds.unwrap_or(3600);
            if exp < 600 {
                errs.push(Error::invalid(
                    &pp.child("expirationSeconds"),
                    exp,
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if exp > 1 << 32 {
                errs.push(Error::invalid(
                    &pp.child("expirationSeconds"),
                    exp,
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
            if t.path.is_empty() {
                errs.push(Error::required(&path.child("path"), ""));
            } else {
                errs.extend(validate_local_non_reserved_path(&t.path, &path.child("path")));
            }
        }
        if src.cluster_trust_bundle.is_some() {
            num += 1;
        }
        if src.pod_certificate.is_some() {
            num += 1;
        }
        if num > 1 {
            errs.push(Error::forbidden(
                &src_path,
                "may not specify more than 1 volume type per source",
            ));
        }
    }
    errs
}

/// The sources a volume names, in upstream's checking order, with their field names.
fn volume_sources(v: &core::Volume) -> Vec<&'static str> {
    let mut out = Vec::new();
    let checks: [(&'static str, bool); 30] = [
        ("emptyDir", v.empty_dir.is_some()),
        ("hostPath", v.host_path.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("secret", v.secret.is_some()),
        ("nfs", v.nfs.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("flocker", v.flocker.is_some()),
        ("persistentVolumeClaim", v.persistent_volume_claim.is_some()),
        ("rbd", v.rbd.is_some()),
        ("cinder", v.cinder.is_some()),
        ("cephFS", v.cephfs.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("downwarAPI", v.downward_api.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("configMap", v.config_map.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("storageos", v.storageos.is_some()),
        ("projected", v.projected.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("csi", v.csi.is_some()),
        ("ephemeral", v.ephemeral.is_some()),
        ("image", v.image.is_some()),
    ];
    for (name, set) in checks {
        if set {
            out.push(name);
        }
    }
    out
}

fn validate_volume_source(v: &core::Volume, path: &Path, pod_name: Option<&str>) -> ErrorList {
    let mut errs = ErrorList::new();
    let sources = volume_sources(v);
    if sources.is_empty() {
        errs.push(Error::required(path, "must specify a volume type"));
        return errs;
    }
    for extra in &sources[1..] {
        errs.push(Error::forbidden(&path.child(*extra), MULTIPLE_VOLUME_TYPES));
    }
    match sources[0] {
        "emptyDir" => {
            let negative = v
                .empty_dir
                .as_ref()
                .and_then(|e| e.size_limit.as_ref())
                .and_then(|q| ParsedQuantity::parse(&q.0).ok())
                .is_some_and(|q| q.sign() < 0);
            if negative {
                errs.push(Error::forbidden(
                    &path.child("emptyDir").child("sizeLimit"),
                    "SizeLimit field must be a valid resource quantity",
                ));
            }
        }
        "hostPath" => {
            if let Some(h) = &v.host_path {
                errs.extend(super::volumes::validate_host_path_volume_source(
                    h,
                    &path.child("hostPath"),
                ));
            }
        }
        "secret" => {
            if let Some(sec) = &v.secret {
                let p = path.child("secret");
                if s(&sec.secret_name).is_empty() {
                    errs.push(Error::required(&p.child("secretName"), ""));
                }
                errs.extend(validate_mode(sec.default_mode, &p.child("defaultMode")));
                for (i, kp) in sec.items.iter().flatten().enumerate() {
                    errs.extend(validate_key_to_path(kp, &p.child("items").index(i)));
                }
            }
        }
        "configMap" => {
            if let Some(cm) = &v.config_map {
                let p = path.child("configMap");
                if cm.name.is_empty() {
                    errs.push(Error::required(&p.child("name"), ""));
                }
                errs.extend(validate_mode(cm.default_mode, &p.child("defaultMode")));
                for (i, kp) in cm.items.iter().flatten().enumerate() {
                    errs.extend(validate_key_to_path(kp, &p.child("items").index(i)));
                }
            }
        }
        "persistentVolumeClaim"
            if v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name.is_empty()) =>
        {
            errs.push(Error::required(&path.child("persistentVolumeClaim").child("claimName"), ""));
        }
        "nfs" => {
            if let Some(n) = &v.nfs {
                errs.extend(super::volumes::validate_nfs_volume_source(n, &path.child("nfs")));
            }
        }
        "downwarAPI" => {
            if let Some(d) = &v.downward_api {
                let p = path.child("downwardAPI");
                errs.extend(validate_mode(d.default_mode, &p.child("defaultMode")));
                for f in d.items.iter().flatten() {
                    errs.extend(validate_downward_api_file(f, &p));
                }
            }
        }
        "projected" => {
            if let Some(p) = &v.projected {
                let pp = path.child("projected");
                errs.extend(validate_projected(p, &pp));
                errs.extend(validate_mode(p.default_mode, &pp.child("defaultMode")));
            }
        }
        "ephemeral" => {
            if let Some(pod_name) = pod_name.filter(|n| !n.is_empty())
                && !v.name.is_empty()
            {
                let pvc_name = format!("{pod_name}-{}", v.name);
                for msg in v::name_is_dns_subdomain(&pvc_name, false) {
                    errs.push(Error::invalid(
                        &path.child("name"),
                        &v.name,
                        format!("PVC name {}: {msg}", apimachinery::gofmt::quote(&pvc_name)),
                    ));
                }
            }
        }
        "gitRepo" => {
            if let Some(g) = &v.git_repo {
                let p = path.child("gitRepo");
                if g.repository.is_empty() {
                    errs.push(Error::required(&p.child("repository"), ""));
                }
                errs.extend(validate_local_descending_path(s(&g.directory), &p.child("directory")));
            }
        }
        _ => {}
    }
    errs
}

/// `ValidateVolumes`: names (required, DNS labels, unique) and sources. Returns the valid
/// volumes by name with whether each is claim-backed.
fn validate_volumes(
    volumes: &[core::Volume],
    pod_name: Option<&str>,
    path: &Path,
) -> (BTreeMap<String, bool>, ErrorList) {
    let mut errs = ErrorList::new();
    let mut names = BTreeMap::new();
    let created: BTreeSet<String> = match pod_name.filter(|n| !n.is_empty()) {
        Some(pod) => volumes
            .iter()
            .filter(|v| v.ephemeral.is_some())
            .map(|v| format!("{pod}-{}", v.name))
            .collect(),
        None => BTreeSet::new(),
    };
    for (i, vol) in volumes.iter().enumerate() {
        let idx = path.index(i);
        let name_path = idx.child("name");
        let mut el = validate_volume_source(vol, &idx, pod_name);
        if vol.name.is_empty() {
            el.push(Error::required(&name_path, ""));
        } else {
            el.extend(validate_dns1123_label(&vol.name, &name_path));
        }
        if names.contains_key(&vol.name) {
            el.push(Error::duplicate(&name_path, &vol.name));
        }
        if el.is_empty() {
            let claim = vol.persistent_volume_claim.is_some() || vol.ephemeral.is_some();
            names.insert(vol.name.clone(), claim);
        } else {
            errs.extend(el);
        }
        if let Some(c) = &vol.persistent_volume_claim
            && created.contains(&c.claim_name)
        {
            errs.push(Error::invalid(
                &idx.child("persistentVolumeClaim").child("claimName"),
                &c.claim_name,
                "must not reference a PVC that gets created for an ephemeral volume",
            ));
        }
    }
    (names, errs)
}

// ---------------------------------------------------------------------------------------------
// Containers.

fn validate_port_num_or_name(port: &IntOrString, path: &Path) -> ErrorList {
    match port {
        IntOrString::Int(n) => v::is_valid_port_num(i64::from(*n))
            .into_iter()
            .map(|m| Error::invalid(path, *n, m))
            .collect(),
        IntOrString::String(name) => invalid_each(path, name, v::is_valid_port_name(name)),
    }
}

fn validate_container_ports(ports: &[core::ContainerPort], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = path.index(i);
        let name = s(&port.name);
        if !name.is_empty() {
            let msgs = v::is_valid_port_name(name);
            if !msgs.is_empty() {
                errs.extend(invalid_each(&idx.child("name"), name, msgs));
            } else if !names.insert(name.to_string()) {
                errs.push(Error::duplicate(&idx.child("name"), name));
            }
        }
        if port.container_port == 0 {
            errs.push(Error::required(&idx.child("containerPort"), ""));
        } else {
            for m in v::is_valid_port_num(i64::from(port.container_port)) {
                errs.push(Error::invalid(&idx.child("containerPort"), port.container_port, m));
            }
        }
        let host_port = port.host_port.unwrap_or_default();
        if host_port != 0 {
            for m in v::is_valid_port_num(i64::from(host_port)) {
                errs.push(Error::invalid(&idx.child("hostPort"), host_port, m));
            }
        }
        errs.extend(validate_protocol(&port.protocol, &idx.child("protocol")));
    }
    errs
}

fn validate_protocol(protocol: &Option<String>, path: &Path) -> ErrorList {
    let p = s(protocol);
    if p.is_empty() {
        ErrorList(vec![Error::required(path, "")])
    } else if !["SCTP", "TCP", "UDP"].contains(&p) {
        ErrorList(vec![Error::not_supported(path, p, &["SCTP", "TCP", "UDP"])])
    } else {
        ErrorList::new()
    }
}

fn validate_key_selector(name: &str, key: &str, path: &Path) -> ErrorList {
    let mut errs = invalid_each(&path.child("name"), name, v::name_is_dns_subdomain(name, false));
    if key.is_empty() {
        errs.push(Error::required(&path.child("key"), ""));
    } else {
        errs.extend(invalid_each(&path.child("key"), key, v::is_config_map_key(key)));
    }
    errs
}

fn validate_env(vars: &[core::EnvVar], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, ev) in vars.iter().enumerate() {
        let idx = path.index(i);
        if ev.name.is_empty() {
            errs.push(Error::required(&idx.child("name"), ""));
        } else {
            errs.extend(invalid_each(
                &idx.child("name"),
                &ev.name,
                v::is_relaxed_env_var_name(&ev.name),
            ));
        }
        let Some(from) = &ev.value_from else { continue };
        let fp = idx.child("valueFrom");
        let mut num = 0;
        if let Some(fr) = &from.field_ref {
            num += 1;
            errs.extend(validate_object_field_selector(
                fr,
                &ENV_DOWNWARD_API_FIELDS,
                &fp.child("fieldRef"),
            ));
        }
        if let Some(rf) = &from.resource_field_ref {
            num += 1;
            errs.extend(validate_resource_field_selector(rf, &fp.child("resourceFieldRef"), false));
        }
        if let Some(k) = &from.config_map_key_ref {
            num += 1;
            errs.extend(validate_key_selector(&k.name, &k.key, &fp.child("configMapKeyRef")));
        }
        if let Some(k) = &from.secret_key_ref {
            num += 1;
            errs.extend(validate_key_selector(&k.name, &k.key, &fp.child("secretKeyRef")));
        }
        if from.file_key_ref.is_some() {
            num += 1;
        }
        if num == 0 {
            errs.push(Error::invalid(
                &fp,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            ));
        } else if !s(&ev.value).is_empty() {
            errs.push(Error::invalid(&fp, "", "may not be specified when `value` is not empty"));
        } else if num > 1 {
            errs.push(Error::invalid(
                &fp,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

fn validate_env_from(sources: &[core::EnvFromSource], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, ev) in sources.iter().enumerate() {
        let idx = path.index(i);
        let prefix = s(&ev.prefix);
        if !prefix.is_empty() {
            errs.extend(invalid_each(
                &idx.child("prefix"),
                prefix,
                v::is_relaxed_env_var_name(prefix),
            ));
        }
        let mut num = 0;
        if let Some(cm) = &ev.config_map_ref {
            num += 1;
            let name = cm.name.as_str();
            errs.extend(invalid_each(
                &idx.child("configMapRef").child("name"),
                name,
                v::name_is_dns_subdomain(name, false),
            ));
        }
        if let Some(sec) = &ev.secret_ref {
            num += 1;
            let name = sec.name.as_str();
            errs.extend(invalid_each(
                &idx.child("secretRef").child("name"),
                name,
                v::name_is_dns_subdomain(name, false),
            ));
        }
        if num == 0 {
            errs.push(Error::invalid(
                &idx,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if num > 1 {
            errs.push(Error::invalid(
                &idx,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

fn validate_volume_mounts(
    container: &core::Container,
    volumes: &BTreeMap<String, bool>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut mount_points = BTreeSet::new();
    let devices: BTreeMap<&str, &str> = container
        .volume_devices
        .iter()
        .flatten()
        .map(|d| (d.name.as_str(), d.device_path.as_str()))
        .collect();
    for (i, m) in container.volume_mounts.iter().flatten().enumerate() {
        let idx = path.index(i);
        if m.name.is_empty() {
            errs.push(Error::required(&idx.child("name"), ""));
        }
        if !volumes.contains_key(&m.name) {
            errs.push(Error::not_found(&idx.child("name"), &m.name));
        }
        if m.mount_path.is_empty() {
            errs.push(Error::required(&idx.child("mountPath"), ""));
        }
        if !mount_points.insert(m.mount_path.clone()) {
            errs.push(Error::invalid(&idx.child("mountPath"), &m.mount_path, "must be unique"));
        }
        if devices.contains_key(m.name.as_str()) {
            errs.push(Error::invalid(
                &idx.child("name"),
                &m.name,
                "must not already exist in volumeDevices",
            ));
        }
        if devices.values().any(|p| *p == m.mount_path) {
            errs.push(Error::invalid(
                &idx.child("mountPath"),
                &m.mount_path,
                "must not already exist as a path in volumeDevices",
            ));
        }
        let sub_path = s(&m.sub_path);
        if !sub_path.is_empty() {
            errs.extend(validate_local_descending_path(sub_path, &path.child("subPath")));
        }
        let expr = s(&m.sub_path_expr);
        if !expr.is_empty() {
            if !sub_path.is_empty() {
                errs.push(Error::invalid(
                    &idx.child("subPathExpr"),
                    expr,
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            errs.extend(validate_local_descending_path(expr, &path.child("subPathExpr")));
        }
    }
    errs
}

fn validate_volume_devices(
    container: &core::Container,
    volumes: &BTreeMap<String, bool>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mounts: BTreeMap<&str, &str> = container
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| (m.name.as_str(), m.mount_path.as_str()))
        .collect();
    let mut device_paths = BTreeSet::new();
    let mut device_names = BTreeSet::new();
    for (i, d) in container.volume_devices.iter().flatten().enumerate() {
        let idx = path.index(i);
        let matched = volumes.get(&d.name);
        if d.name.is_empty() {
            errs.push(Error::required(&idx.child("name"), ""));
        }
        if device_names.contains(&d.name) {
            errs.push(Error::invalid(&idx.child("name"), &d.name, "must be unique"));
        }
        if matched == Some(&false) {
            errs.push(Error::invalid(
                &idx.child("name"),
                &d.name,
                "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
            ));
        }
        if matched.is_none() {
            errs.push(Error::not_found(&idx.child("name"), &d.name));
        }
        if d.device_path.is_empty() {
            errs.push(Error::required(&idx.child("devicePath"), ""));
        }
        if device_paths.contains(&d.device_path) {
            errs.push(Error::invalid(&idx.child("devicePath"), &d.device_path, "must be unique"));
        }
        if !d.device_path.is_empty() && d.device_path.split('/').any(|p| p == "..") {
            errs.push(Error::invalid(
                &idx.child("devicePath"),
                &d.device_path,
                "can not contain backsteps ('..')",
            ));
        } else {
            device_paths.insert(d.device_path.clone());
        }
        if mounts.contains_key(d.name.as_str()) {
            errs.push(Error::invalid(
                &idx.child("name"),
                &d.name,
                "must not already exist in volumeMounts",
            ));
        }
        if mounts.values().any(|p| *p == d.device_path) {
            errs.push(Error::invalid(
                &idx.child("devicePath"),
                &d.device_path,
                "must not already exist as a path in volumeMounts",
            ));
        }
        if !d.name.is_empty() {
            device_names.insert(d.name.clone());
        }
    }
    errs
}

pub(crate) fn is_native_resource(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_huge_page(name: &str) -> bool {
    name.starts_with("hugepages-")
}

pub(crate) fn is_overcommit_allowed(name: &str) -> bool {
    is_native_resource(name) && !is_huge_page(name)
}

fn is_extended_resource(name: &str) -> bool {
    if is_native_resource(name) || name.starts_with("requests.") {
        return false;
    }
    v::is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// `IsIntegerResourceName`: object counts and extended resources.
fn is_integer_resource(name: &str) -> bool {
    const INTEGER: [&str; 9] = [
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    ];
    INTEGER.contains(&name) || is_extended_resource(name)
}

fn is_standard_container_resource(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage") || is_huge_page(name)
}

fn is_standard_resource_name(name: &str) -> bool {
    const STANDARD: [&str; 19] = [
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
    ];
    STANDARD.contains(&name)
        || name == "services.loadbalancers"
        || is_huge_page(name)
        || name.starts_with("requests.hugepages-")
}

/// `validateResourceName`: a qualified name, and a standard resource when unprefixed.
pub(crate) fn validate_resource_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_qualified_name(name, path);
    if errs.is_empty() && !name.contains('/') && !is_standard_resource_name(name) {
        errs.push(Error::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        ));
    }
    errs
}

/// `validateContainerResourceName`.
pub(crate) fn validate_container_resource_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_resource_name(name, path);
    if !name.contains('/') {
        if !is_standard_container_resource(name) {
            errs.push(Error::invalid(path, name, "must be a standard resource for containers"));
        }
    } else if !is_native_resource(name) && !is_extended_resource(name) {
        errs.push(Error::invalid(path, name, "doesn't follow extended resource name standard"));
    }
    errs
}

/// `ValidateResourceQuantityValue`: not negative, and whole for integer resources.
pub(crate) fn validate_resource_quantity_value(name: &str, q: &Quantity, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Ok(parsed) = ParsedQuantity::parse(&q.0) else { return errs };
    if parsed.sign() < 0 {
        errs.push(Error::invalid(path, parsed.to_string(), IS_NEGATIVE_ERROR_MSG));
    }
    if is_integer_resource(name) && parsed.milli_value() % 1000 != 0 {
        errs.push(invalid_stringer(path, &parsed.to_string(), IS_NOT_INTEGER_ERROR_MSG));
    }
    errs
}

/// `ValidateContainerResourceRequirements` (claims are checked against the pod's claims).
pub(crate) fn validate_resource_requirements(
    r: &core::ResourceRequirements,
    pod_claims: &BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let limits = super::or_default(&r.limits);
    let (mut lim_cpu_mem, mut req_cpu_mem, mut lim_huge, mut req_huge) =
        (false, false, false, false);
    for (name, q) in limits.iter() {
        let fp = lim_path.key(name);
        errs.extend(validate_container_resource_name(name, &fp));
        errs.extend(validate_resource_quantity_value(name, q, &fp));
        lim_huge |= is_huge_page(name);
        lim_cpu_mem |= name == "cpu" || name == "memory";
    }
    for (name, q) in r.requests.iter().flatten() {
        let fp = req_path.key(name);
        errs.extend(validate_container_resource_name(name, &fp));
        errs.extend(validate_resource_quantity_value(name, q, &fp));
        let req = ParsedQuantity::parse(&q.0).ok();
        if let Some(limit) = limits.get(name) {
            let lim = ParsedQuantity::parse(&limit.0).ok();
            if let (Some(req), Some(lim)) = (req, lim) {
                if req != lim && !is_overcommit_allowed(name) {
                    errs.push(Error::invalid(
                        &req_path,
                        req.to_string(),
                        format!("must be equal to {name} limit of {lim}"),
                    ));
                } else if req > lim {
                    errs.push(Error::invalid(
                        &req_path,
                        req.to_string(),
                        format!("must be less than or equal to {name} limit of {lim}"),
                    ));
                }
            }
        } else if !is_overcommit_allowed(name) {
            errs.push(Error::required(
                &lim_path,
                "Limit must be set for non overcommitable resources",
            ));
        }
        req_huge |= is_huge_page(name);
        req_cpu_mem |= name == "cpu" || name == "memory";
    }
    if !lim_cpu_mem && !req_cpu_mem && (req_huge || lim_huge) {
        errs.push(Error::forbidden(path, "HugePages require cpu or memory"));
    }
    let mut names = BTreeSet::new();
    for (i, claim) in r.claims.iter().flatten().enumerate() {
        let idx = path.child("claims").index(i);
        if claim.name.is_empty() {
            errs.push(Error::required(&idx, ""));
            continue;
        }
        let request = s(&claim.request);
        let key = if request.is_empty() {
            claim.name.clone()
        } else {
            errs.extend(validate_dns1123_label(request, &idx.child("request")));
            format!("{}/{request}", claim.name)
        };
        if names.contains(&claim.name) || !names.insert(key.clone()) {
            errs.push(Error::duplicate(&idx, key));
        }
        if !pod_claims.contains(&claim.name) {
            let detail = if pod_claims.is_empty() {
                "must be one of the names in pod.spec.resourceClaims which is empty".to_string()
            } else {
                let list: Vec<&str> = pod_claims.iter().map(String::as_str).collect();
                format!("must be one of the names in pod.spec.resourceClaims: {}", list.join(", "))
            };
            errs.push(Error::new(ErrorType::NotFound, &idx, &claim.name, detail));
        }
    }
    errs
}

fn validate_http_get(h: &core::HTTPGetAction, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if s(&h.path).is_empty() {
        errs.push(Error::required(&path.child("path"), ""));
    }
    errs.extend(validate_port_num_or_name(&h.port, &path.child("port")));
    let scheme = s(&h.scheme);
    if scheme != "HTTP" && scheme != "HTTPS" {
        errs.push(Error::not_supported(&path.child("scheme"), scheme, &["HTTP", "HTTPS"]));
    }
    for header in h.http_headers.iter().flatten() {
        errs.extend(invalid_each(
            &path.child("httpHeaders"),
            &header.name,
            v::is_http_header_name(&header.name),
        ));
    }
    errs
}

struct Handler<'a> {
    exec: Option<&'a core::ExecAction>,
    http_get: Option<&'a core::HTTPGetAction>,
    tcp_socket: Option<&'a core::TCPSocketAction>,
    grpc: Option<&'a core::GRPCAction>,
    sleep: Option<&'a core::SleepAction>,
}

fn validate_handler(h: Handler<'_>, grace: Option<i64>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut num = 0;
    let mut one = |errs: &mut ErrorList, name: &str, check: &mut dyn FnMut(&Path) -> ErrorList| {
        if num > 0 {
            errs.push(Error::forbidden(&path.child(name), MULTIPLE_HANDLER_TYPES));
        } else {
            num += 1;
            errs.extend(check(&path.child(name)));
        }
    };
    if let Some(e) = h.exec {
        one(&mut errs, "exec", &mut |p| {
            if e.command.as_ref().is_none_or(Vec::is_empty) {
                ErrorList(vec![Error::required(&p.child("command"), "")])
            } else {
                ErrorList::new()
            }
        });
    }
    if let Some(g) = h.http_get {
        one(&mut errs, "httpGet", &mut |p| validate_http_get(g, p));
    }
    if let Some(t) = h.tcp_socket {
        one(&mut errs, "tcpSocket", &mut |p| validate_port_num_or_name(&t.port, &p.child("port")));
    }
    if let Some(g) = h.grpc {
        one(&mut errs, "grpc", &mut |p| {
            validate_port_num_or_name(&IntOrString::Int(g.port), &p.child("port"))
        });
    }
    if let Some(sl) = h.sleep {
        one(&mut errs, "sleep", &mut |p| match grace {
            Some(g) if sl.seconds < 0 || sl.seconds > g => ErrorList(vec![Error::invalid(
                p,
                sl.seconds,
                format!("must be non-negative and less than terminationGracePeriodSeconds ({g})"),
            )]),
            _ => ErrorList::new(),
        });
    }
    if num == 0 {
        errs.push(Error::required(path, "must specify a handler type"));
    }
    errs
}

fn validate_probe(probe: &core::Probe, grace: Option<i64>, path: &Path) -> ErrorList {
    let mut errs = validate_handler(
        Handler {
            exec: probe.exec.as_ref(),
            http_get: probe.http_get.as_ref(),
            tcp_socket: probe.tcp_socket.as_ref(),
            grpc: probe.grpc.as_ref(),
            sleep: None,
        },
        grace,
        path,
    );
    for (name, value) in [
        ("initialDelaySeconds", probe.initial_delay_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("periodSeconds", probe.period_seconds),
        ("successThreshold", probe.success_threshold),
        ("failureThreshold", probe.failure_threshold),
    ] {
        errs.extend(validate_nonnegative(i64::from(value.unwrap_or_default()), &path.child(name)));
    }
    if let Some(t) = probe.termination_grace_period_seconds
        && t <= 0
    {
        errs.push(Error::invalid(
            &path.child("terminationGracePeriodSeconds"),
            t,
            "must be greater than 0",
        ));
    }
    errs
}

fn validate_probes(c: &core::Container, grace: Option<i64>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(p) = &c.liveness_probe {
        let pp = path.child("livenessProbe");
        errs.extend(validate_probe(p, grace, &pp));
        let st = p.success_threshold.unwrap_or_default();
        if st != 1 {
            errs.push(Error::invalid(&pp.child("successThreshold"), st, "must be 1"));
        }
    }
    if let Some(p) = &c.readiness_probe {
        let pp = path.child("readinessProbe");
        errs.extend(validate_probe(p, grace, &pp));
        if let Some(t) = p.termination_grace_period_seconds {
            errs.push(Error::invalid(
                &pp.child("terminationGracePeriodSeconds"),
                t,
                "must not be set for readinessProbes",
            ));
        }
    }
    if let Some(p) = &c.startup_probe {
        let pp = path.child("startupProbe");
        errs.extend(validate_probe(p, grace, &pp));
        let st = p.success_threshold.unwrap_or_default();
        if st != 1 {
            errs.push(Error::invalid(&pp.child("successThreshold"), st, "must be 1"));
        }
    }
    errs
}

fn validate_lifecycle(l: &core::Lifecycle, grace: Option<i64>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (name, h) in [("postStart", &l.post_start), ("preStop", &l.pre_stop)] {
        if let Some(h) = h {
            errs.extend(validate_handler(
                Handler {
                    exec: h.exec.as_ref(),
                    http_get: h.http_get.as_ref(),
                    tcp_socket: h.tcp_socket.as_ref(),
                    grpc: None,
                    sleep: h.sleep.as_ref(),
                },
                grace,
                &path.child(name),
            ));
        }
    }
    errs
}

fn validate_security_context(sc: Option<&core::SecurityContext>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(sc) = sc else { return errs };
    if let Some(u) = sc.run_as_user {
        errs.extend(
            v::is_valid_user_id(u)
                .into_iter()
                .map(|m| Error::invalid(&path.child("runAsUser"), u, m)),
        );
    }
    if let Some(g) = sc.run_as_group {
        errs.extend(
            v::is_valid_group_id(g)
                .into_iter()
                .map(|m| Error::invalid(&path.child("runAsGroup"), g, m)),
        );
    }
    if sc.privileged == Some(true) && sc.allow_privilege_escalation == Some(false) {
        errs.push(Error::invalid(
            path,
            BadValue::json(sc),
            "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
        ));
    }
    let has_sys_admin = sc
        .capabilities
        .as_ref()
        .and_then(|c| c.add.as_ref())
        .is_some_and(|a| a.iter().any(|c| c == "CAP_SYS_ADMIN" || c == "SYS_ADMIN"));
    if has_sys_admin && sc.allow_privilege_escalation == Some(false) {
        errs.push(Error::invalid(
            path,
            BadValue::json(sc),
            "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
        ));
    }
    errs
}

fn validate_pull_policy(policy: &Option<String>, path: &Path) -> ErrorList {
    match s(policy) {
        "Always" | "IfNotPresent" | "Never" => ErrorList::new(),
        "" => ErrorList(vec![Error::required(path, "")]),
        other => {
            ErrorList(vec![Error::not_supported(path, other, &["Always", "IfNotPresent", "Never"])])
        }
    }
}

fn validate_container_common(
    c: &core::Container,
    volumes: &BTreeMap<String, bool>,
    pod_claims: &BTreeSet<String>,
    path: &Path,
    restart_policy: &str,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if c.name.is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    } else {
        errs.extend(validate_dns1123_label(&c.name, &path.child("name")));
    }
    if s(&c.image).is_empty() {
        errs.push(Error::required(&path.child("image"), ""));
    }
    match s(&c.termination_message_policy) {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(Error::required(&path.child("terminationMessagePolicy"), "")),
        other => errs.push(Error::not_supported(
            &path.child("terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    errs.extend(validate_container_ports(
        c.ports.as_deref().unwrap_or_default(),
        &path.child("ports"),
    ));
    errs.extend(validate_env(c.env.as_deref().unwrap_or_default(), &path.child("env")));
    errs.extend(validate_env_from(
        c.env_from.as_deref().unwrap_or_default(),
        &path.child("envFrom"),
    ));
    errs.extend(validate_volume_mounts(c, volumes, &path.child("volumeMounts")));
    errs.extend(validate_volume_devices(c, volumes, &path.child("volumeDevices")));
    errs.extend(validate_pull_policy(&c.image_pull_policy, &path.child("imagePullPolicy")));
    let resources = super::or_default(&c.resources);
    errs.extend(validate_resource_requirements(&resources, pod_claims, &path.child("resources")));
    errs.extend(validate_resize_policy(c, &path.child("resizePolicy"), restart_policy));
    errs.extend(validate_security_context(
        c.security_context.as_ref(),
        &path.child("securityContext"),
    ));
    errs
}

fn validate_resize_policy(c: &core::Container, path: &Path, restart_policy: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = BTreeSet::new();
    for (i, p) in c.resize_policy.iter().flatten().enumerate() {
        if !seen.insert(p.resource_name.clone()) {
            errs.push(Error::duplicate(&path.index(i), &p.resource_name));
        }
        match p.resource_name.as_str() {
            "cpu" | "memory" => {}
            "" => errs.push(Error::required(path, "")),
            other => errs.push(Error::not_supported(path, other, &["cpu", "memory"])),
        }
        match p.restart_policy.as_str() {
            "NotRequired" | "RestartContainer" => {}
            "" => errs.push(Error::required(path, "")),
            other => {
                errs.push(Error::not_supported(path, other, &["NotRequired", "RestartContainer"]))
            }
        }
        if restart_policy == "Never" && p.restart_policy != "NotRequired" {
            errs.push(Error::invalid(
                path,
                &p.restart_policy,
                "must be 'NotRequired' when `restartPolicy` is 'Never'",
            ));
        }
    }
    errs
}

fn check_host_port_conflicts(
    containers: &[&core::Container],
    path: &Path,
    base_index: &[usize],
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = BTreeSet::new();
    for (c, ci) in containers.iter().zip(base_index) {
        for (pi, port) in c.ports.iter().flatten().enumerate() {
            let hp = port.host_port.unwrap_or_default();
            if hp == 0 {
                continue;
            }
            let key = format!("{}/{}/{hp}", s(&port.protocol), s(&port.host_ip));
            if !seen.insert(key.clone()) {
                errs.push(Error::duplicate(
                    &path.index(*ci).child("ports").index(pi).child("hostPort"),
                    key,
                ));
            }
        }
    }
    errs
}

fn validate_containers(
    spec: &core::PodSpec,
    volumes: &BTreeMap<String, bool>,
    pod_claims: &BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let restart = s(&spec.restart_policy);
    let grace = spec.termination_grace_period_seconds;
    if spec.containers.is_empty() {
        errs.push(Error::required(path, ""));
        return errs;
    }
    let mut names = BTreeSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(c, volumes, pod_claims, &p, restart));
        if !names.insert(c.name.clone()) {
            errs.push(Error::duplicate(&p.child("name"), &c.name));
        }
        if let Some(l) = &c.lifecycle {
            errs.extend(validate_lifecycle(l, grace, &p.child("lifecycle")));
        }
        errs.extend(validate_probes(c, grace, &p));
        if c.restart_policy.is_some() {
            errs.push(Error::forbidden(
                &p.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    let all: Vec<&core::Container> = spec.containers.iter().collect();
    let idx: Vec<usize> = (0..all.len()).collect();
    errs.extend(check_host_port_conflicts(&all, path, &idx));
    errs
}

/// `validateEphemeralContainers`: the common container checks, a name unique across every
/// container of the pod, an existing non-ephemeral target, and none of what a workload
/// container relies on (ports, probes, lifecycle, resources, sub-path mounts, restart policy).
fn validate_ephemeral_containers(
    spec: &core::PodSpec,
    volumes: &BTreeMap<String, bool>,
    pod_claims: &BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let ephemeral = spec.ephemeral_containers.as_deref().unwrap_or_default();
    let others: BTreeSet<&str> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .map(|c| c.name.as_str())
        .collect();
    let mut all = others.clone();
    let restart = s(&spec.restart_policy);
    for (i, ec) in ephemeral.iter().enumerate() {
        let p = path.index(i);
        let c = as_container(ec);
        errs.extend(validate_container_common(&c, volumes, pod_claims, &p, restart));
        if !all.insert(ec.name.as_str()) {
            errs.push(Error::duplicate(&p.child("name"), &ec.name));
        }
        if let Some(target) = ec.target_container_name.as_deref()
            && !target.is_empty()
            && !others.contains(target)
        {
            errs.push(Error::not_found(&p.child("targetContainerName"), target));
        }
        let set = [
            ("lifecycle", ec.lifecycle.is_some()),
            ("livenessProbe", ec.liveness_probe.is_some()),
            ("ports", ec.ports.as_ref().is_some_and(|v| !v.is_empty())),
            ("readinessProbe", ec.readiness_probe.is_some()),
            ("resizePolicy", ec.resize_policy.as_ref().is_some_and(|v| !v.is_empty())),
            ("resources", ec.resources.as_ref().is_some_and(|r| r != &Default::default())),
            ("restartPolicy", ec.restart_policy.is_some()),
            ("startupProbe", ec.startup_probe.is_some()),
            ("volumeDevices", ec.volume_devices.as_ref().is_some_and(|v| !v.is_empty())),
        ];
        for (field, _) in set.iter().filter(|(_, set)| *set) {
            errs.push(Error::forbidden(
                &p.child(*field),
                "cannot be set for an Ephemeral Container",
            ));
        }
        for (j, m) in ec.volume_mounts.iter().flatten().enumerate() {
            for (field, value) in [("subPath", &m.sub_path), ("subPathExpr", &m.sub_path_expr)] {
                if !s(value).is_empty() {
                    errs.push(Error::forbidden(
                        &p.child("volumeMounts").index(j).child(field),
                        "cannot be set for an Ephemeral Container",
                    ));
                }
            }
        }
    }
    errs
}

/// An ephemeral container's common part as a container (the same fields).
fn as_container(ec: &core::EphemeralContainer) -> core::Container {
    core::Container {
        args: ec.args.clone(),
        command: ec.command.clone(),
        env: ec.env.clone(),
        env_from: ec.env_from.clone(),
        image: ec.image.clone(),
        image_pull_policy: ec.image_pull_policy.clone(),
        lifecycle: ec.lifecycle.clone(),
        liveness_probe: ec.liveness_probe.clone(),
        name: ec.name.clone(),
        ports: ec.ports.clone(),
        readiness_probe: ec.readiness_probe.clone(),
        resize_policy: ec.resize_policy.clone(),
        resources: ec.resources.clone(),
        restart_policy: ec.restart_policy.clone(),
        security_context: ec.security_context.clone(),
        startup_probe: ec.startup_probe.clone(),
        stdin: ec.stdin,
        stdin_once: ec.stdin_once,
        termination_message_path: ec.termination_message_path.clone(),
        termination_message_policy: ec.termination_message_policy.clone(),
        tty: ec.tty,
        volume_devices: ec.volume_devices.clone(),
        volume_mounts: ec.volume_mounts.clone(),
        working_dir: ec.working_dir.clone(),
        ..Default::default()
    }
}

/// What every write of part of a pod (`ephemeralcontainers`, `resize`) is checked for first:
/// the metadata update rules and the pod as a whole. A static (mirror) pod refuses the write
/// with `refusal` alone (`Err`).
fn validate_pod_part_update(
    new: &core::Pod,
    old: &core::Pod,
    refusal: &str,
) -> Result<ErrorList, ErrorList> {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_pod_metadata_and_spec(new));
    let mirror = old.metadata.annotations.as_ref();
    if mirror.is_some_and(|a| a.contains_key("kubernetes.io/config.mirror")) {
        return Err(ErrorList(vec![Error::forbidden(&Path::nil(), refusal)]));
    }
    Ok(errs)
}

/// `ValidatePodEphemeralContainersUpdate` (`pods/ephemeralcontainers`): the pod as a whole,
/// and existing ephemeral containers neither removed nor changed.
pub fn validate_pod_ephemeral_containers_update(new: &core::Pod, old: &core::Pod) -> ErrorList {
    let refusal = "static pods do not support ephemeral containers";
    let mut errs = match validate_pod_part_update(new, old, refusal) {
        Ok(errs) => errs,
        Err(refused) => return refused,
    };
    let path = Path::new("spec").child("ephemeralContainers");
    let ephemeral = |p: &core::Pod| {
        p.spec.as_ref().and_then(|s| s.ephemeral_containers.clone()).unwrap_or_default()
    };
    let now = ephemeral(new);
    for was in ephemeral(old) {
        match now.iter().find(|c| c.name == was.name) {
            None => errs.push(Error::forbidden(
                &path,
                format!("existing ephemeral containers {:?} may not be removed\n", was.name),
            )),
            Some(c) if *c != was => errs.push(Error::forbidden(
                &path,
                format!("existing ephemeral containers {:?} may not be changed\n", was.name),
            )),
            Some(_) => {}
        }
    }
    errs
}

/// `ValidatePodResize` (`pods/resize`): the pod as a whole; the same containers in the same
/// order; only cpu and memory requests and limits changed, none removed; the QoS class kept.
pub fn validate_pod_resize(new: &core::Pod, old: &core::Pod) -> ErrorList {
    let mut errs = match validate_pod_part_update(new, old, "static pods cannot be resized") {
        Ok(errs) => errs,
        Err(refused) => return refused,
    };
    let spec_path = Path::new("spec");
    let (new_spec, old_spec) = (super::or_default(&new.spec), super::or_default(&old.spec));
    if crate::api::strategy::pod_qos_class(old) != crate::api::strategy::pod_qos_class(new) {
        errs.push(Error::invalid(
            &spec_path,
            new.status.as_ref().and_then(|s| s.qos_class.clone()).unwrap_or_default(),
            "Pod QOS Class may not change as a result of resizing",
        ));
    }
    let lists: [(&str, &[core::Container], &[core::Container]); 2] = [
        ("containers", &new_spec.containers, &old_spec.containers),
        (
            "initContainers",
            new_spec.init_containers.as_deref().unwrap_or_default(),
            old_spec.init_containers.as_deref().unwrap_or_default(),
        ),
    ];
    for (field, now, was) in lists {
        let path = spec_path.child(field);
        if now.len() != was.len() {
            errs.push(Error::forbidden(&path, "containers may not be added or removed on resize"));
            return errs;
        }
        for (i, (n, o)) in now.iter().zip(was.iter()).enumerate() {
            if n.name != o.name {
                errs.push(Error::forbidden(
                    &path.index(i).child("name"),
                    "containers may not be renamed or reordered on resize",
                ));
                return errs;
            }
        }
        for (i, (n, o)) in now.iter().zip(was.iter()).enumerate() {
            let res = path.index(i).child("resources");
            let get = |c: &core::Container, limits: bool| {
                c.resources
                    .as_ref()
                    .and_then(|r| if limits { r.limits.clone() } else { r.requests.clone() })
                    .unwrap_or_default()
            };
            for (limits, what) in [(false, "requests"), (true, "limits")] {
                let (n_map, o_map) = (get(n, limits), get(o, limits));
                for resource in ["cpu", "memory"] {
                    if o_map.contains_key(resource) && !n_map.contains_key(resource) {
                        errs.push(Error::forbidden(
                            &res.child(what).key(resource),
                            format!("resource {what} for {resource} cannot be removed"),
                        ));
                    }
                }
            }
        }
    }
    // Everything but cpu and memory requests and limits, and resize policies, stays as it was;
    // an init container's resources only change if it is a sidecar (restartPolicy Always).
    let without_cpu_memory = |spec: &core::PodSpec| {
        let mut spec = spec.clone();
        let strip = |m: &mut Option<BTreeMap<String, Quantity>>| {
            if let Some(map) = m {
                map.retain(|k, _| k != "cpu" && k != "memory");
            }
            if m.as_ref().is_some_and(BTreeMap::is_empty) {
                *m = None;
            }
        };
        let sidecars =
            spec.init_containers.iter_mut().flatten().filter(|c| s(&c.restart_policy) == "Always");
        for c in spec.containers.iter_mut().chain(sidecars) {
            if let Some(r) = &mut c.resources {
                strip(&mut r.requests);
                strip(&mut r.limits);
            }
            c.resize_policy = None;
        }
        spec
    };
    let (original, new_norm) = (without_cpu_memory(&old_spec), without_cpu_memory(&new_spec));
    if original != new_norm {
        errs.push(Error::forbidden(&spec_path, "only cpu and memory resources are mutable"));
    }
    errs
}

fn validate_init_containers(
    spec: &core::PodSpec,
    volumes: &BTreeMap<String, bool>,
    pod_claims: &BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let restart = s(&spec.restart_policy);
    let grace = spec.termination_grace_period_seconds;
    let mut names: BTreeSet<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(c, volumes, pod_claims, &p, restart));
        let mut restart_always = false;
        if let Some(rp) = &c.restart_policy {
            if rp == "Always" {
                restart_always = true;
            } else {
                errs.push(Error::not_supported(&p.child("restartPolicy"), rp, &["Always"]));
            }
        }
        if names.contains(&c.name) {
            errs.push(Error::duplicate(&p.child("name"), &c.name));
        } else if !c.name.is_empty() {
            names.insert(c.name.clone());
        }
        errs.extend(check_host_port_conflicts(&[c], path, &[i]));
        if restart_always {
            if let Some(l) = &c.lifecycle {
                errs.extend(validate_lifecycle(l, grace, &p.child("lifecycle")));
            }
            errs.extend(validate_probes(c, grace, &p));
        } else {
            const MSG: &str = "may not be set for init containers without restartPolicy=Always";
            if c.lifecycle.is_some() {
                errs.push(Error::forbidden(&p.child("lifecycle"), MSG));
            }
            if c.liveness_probe.is_some() {
                errs.push(Error::forbidden(&p.child("livenessProbe"), MSG));
            }
            if c.readiness_probe.is_some() {
                errs.push(Error::forbidden(&p.child("readinessProbe"), MSG));
            }
            if c.startup_probe.is_some() {
                errs.push(Error::forbidden(&p.child("startupProbe"), MSG));
            }
        }
    }
    errs
}

pub(crate) fn validate_tolerations(tolerations: &[core::Toleration], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, t) in tolerations.iter().enumerate() {
        let idx = path.index(i);
        let key = s(&t.key);
        let op = s(&t.operator);
        let effect = s(&t.effect);
        let value = s(&t.value);
        if !key.is_empty() {
            errs.extend(invalid_each(&idx.child("key"), key, v::is_qualified_name(key)));
        }
        if key.is_empty() && op != "Exists" {
            errs.push(Error::invalid(
                &idx.child("operator"),
                op,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(Error::invalid(
                &idx.child("effect"),
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match op {
            "Equal" | "" => {
                let msgs = v::is_valid_label_value(value);
                if !msgs.is_empty() {
                    errs.push(Error::invalid(&idx.child("operator"), value, msgs.join(";")));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(Error::invalid(
                        &idx.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => {
                errs.push(Error::not_supported(&idx.child("operator"), other, &["Equal", "Exists"]))
            }
        }
        if !effect.is_empty() && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
        {
            errs.push(Error::not_supported(
                &idx.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errs
}

fn validate_pod_security_context(spec: &core::PodSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(sc) = &spec.security_context else { return errs };
    let p = path.child("securityContext");
    if let Some(g) = sc.fs_group {
        errs.extend(
            v::is_valid_group_id(g).into_iter().map(|m| Error::invalid(&p.child("fsGroup"), g, m)),
        );
    }
    if let Some(u) = sc.run_as_user {
        errs.extend(
            v::is_valid_user_id(u).into_iter().map(|m| Error::invalid(&p.child("runAsUser"), u, m)),
        );
    }
    if let Some(g) = sc.run_as_group {
        errs.extend(
            v::is_valid_group_id(g)
                .into_iter()
                .map(|m| Error::invalid(&p.child("runAsGroup"), g, m)),
        );
    }
    for (i, g) in sc.supplemental_groups.iter().flatten().enumerate() {
        errs.extend(
            v::is_valid_group_id(*g)
                .into_iter()
                .map(|m| Error::invalid(&p.child("supplementalGroups").index(i), *g, m)),
        );
    }
    if spec.share_process_namespace == Some(true) && spec.host_pid == Some(true) {
        errs.push(Error::invalid(
            &p.child("shareProcessNamespace"),
            true,
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    if let Some(policy) = &sc.fs_group_change_policy
        && policy != "OnRootMismatch"
        && policy != "Always"
    {
        errs.push(Error::not_supported(
            &p.child("fsGroupChangePolicy"),
            policy,
            &["Always", "OnRootMismatch"],
        ));
    }
    errs
}

fn validate_dns_config(spec: &core::PodSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let policy = s(&spec.dns_policy);
    if policy == "None" {
        match &spec.dns_config {
            None => {
                errs.push(Error::required(
                    path,
                    "must provide `dnsConfig` when `dnsPolicy` is None",
                ));
                return errs;
            }
            Some(c) if c.nameservers.as_ref().is_none_or(Vec::is_empty) => {
                errs.push(Error::required(
                    &path.child("nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                ));
                return errs;
            }
            _ => {}
        }
    }
    let Some(c) = &spec.dns_config else { return errs };
    let ns = c.nameservers.as_deref().unwrap_or_default();
    if ns.len() > 3 {
        errs.push(Error::invalid(
            &path.child("nameservers"),
            BadValue::json(ns),
            "must not have more than 3 nameservers",
        ));
    }
    for (i, n) in ns.iter().enumerate() {
        errs.extend(validate_ip(n, &path.child("nameservers").index(i)));
    }
    let searches = c.searches.as_deref().unwrap_or_default();
    if searches.len() > 32 {
        errs.push(Error::invalid(
            &path.child("searches"),
            BadValue::json(searches),
            "must not have more than 32 search paths",
        ));
    }
    if searches.join(" ").len() > 2048 {
        errs.push(Error::invalid(
            &path.child("searches"),
            BadValue::json(searches),
            "must not have more than 2048 characters (including spaces) in the search list",
        ));
    }
    for (i, search) in searches.iter().enumerate() {
        if search != "." {
            let trimmed = search.strip_suffix('.').unwrap_or(search);
            errs.extend(invalid_each(
                &path.child("searches").index(i),
                trimmed,
                v::is_dns1123_subdomain_with_underscore(trimmed),
            ));
        }
    }
    for (i, o) in c.options.iter().flatten().enumerate() {
        if s(&o.name).is_empty() {
            errs.push(Error::required(&path.child("options").index(i), "must not be empty"));
        }
    }
    errs
}

/// The options a pod spec is validated with.
#[derive(Clone, Copy, Default)]
pub struct PodValidationOptions {
    /// The spec is a pod's own, not a template's.
    pub resource_is_pod: bool,
}

/// `ValidatePodSpec`.
pub fn validate_pod_spec(
    spec: &core::PodSpec,
    pod_name: Option<&str>,
    path: &Path,
    opts: PodValidationOptions,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if spec.termination_grace_period_seconds.is_none() {
        errs.push(Error::required(&path.child("terminationGracePeriodSeconds"), ""));
    }
    let (volumes, verrs) = validate_volumes(
        spec.volumes.as_deref().unwrap_or_default(),
        pod_name,
        &path.child("volumes"),
    );
    errs.extend(verrs);
    let mut pod_claims = BTreeSet::new();
    for (i, claim) in spec.resource_claims.iter().flatten().enumerate() {
        let p = path.child("resourceClaims").index(i);
        if claim.name.is_empty() {
            errs.push(Error::required(&p.child("name"), ""));
        } else if pod_claims.contains(&claim.name) {
            errs.push(Error::duplicate(&p.child("name"), &claim.name));
        } else {
            errs.extend(validate_dns1123_label(&claim.name, &p.child("name")));
            pod_claims.insert(claim.name.clone());
        }
    }
    errs.extend(validate_containers(spec, &volumes, &pod_claims, &path.child("containers")));
    errs.extend(validate_init_containers(
        spec,
        &volumes,
        &pod_claims,
        &path.child("initContainers"),
    ));
    errs.extend(validate_ephemeral_containers(
        spec,
        &volumes,
        &pod_claims,
        &path.child("ephemeralContainers"),
    ));
    if spec.host_network == Some(true) {
        for (i, c) in spec.containers.iter().enumerate() {
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let hp = port.host_port.unwrap_or_default();
                if (opts.resource_is_pod || hp != 0) && hp != port.container_port {
                    errs.push(Error::invalid(
                        &path
                            .child("containers")
                            .index(i)
                            .child("ports")
                            .index(j)
                            .child("hostPort"),
                        hp,
                        "must match `containerPort` when `hostNetwork` is true",
                    ));
                }
            }
        }
    }
    match s(&spec.restart_policy) {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(Error::required(&path.child("restartPolicy"), "")),
        other => errs.push(Error::not_supported(
            &path.child("restartPolicy"),
            other,
            &["Always", "OnFailure", "Never"],
        )),
    }
    match s(&spec.dns_policy) {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(Error::required(&path.child("dnsPolicy"), "")),
        other => errs.push(Error::not_supported(
            &path.child("dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    errs.extend(validate_labels(spec.node_selector.as_ref(), &path.child("nodeSelector")));
    errs.extend(validate_pod_security_context(spec, path));
    errs.extend(validate_dns_config(spec, &path.child("dnsConfig")));
    for (i, g) in spec.readiness_gates.iter().flatten().enumerate() {
        errs.extend(validate_qualified_name(
            &g.condition_type,
            &path.child("readinessGates").index(i).child("conditionType"),
        ));
    }
    let mut gates = BTreeSet::new();
    for (i, g) in spec.scheduling_gates.iter().flatten().enumerate() {
        let p = path.child("schedulingGates").index(i);
        errs.extend(validate_qualified_name(&g.name, &p));
        if !gates.insert(g.name.clone()) {
            errs.push(Error::duplicate(&p, &g.name));
        }
    }
    let sa = s(&spec.service_account_name);
    if !sa.is_empty() {
        errs.extend(invalid_each(
            &path.child("serviceAccountName"),
            sa,
            v::name_is_dns_subdomain(sa, false),
        ));
    }
    let node = s(&spec.node_name);
    if !node.is_empty() {
        errs.extend(invalid_each(
            &path.child("nodeName"),
            node,
            v::name_is_dns_subdomain(node, false),
        ));
    }
    if let Some(ads) = spec.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&ads)
    {
        errs.push(Error::invalid(
            &path.child("activeDeadlineSeconds"),
            ads,
            v::inclusive_range_error(1, i64::from(i32::MAX)),
        ));
    }
    let hostname = s(&spec.hostname);
    if !hostname.is_empty() {
        errs.extend(validate_dns1123_label(hostname, &path.child("hostname")));
    }
    let subdomain = s(&spec.subdomain);
    if !subdomain.is_empty() {
        errs.extend(validate_dns1123_label(subdomain, &path.child("subdomain")));
    }
    errs.extend(validate_tolerations(
        spec.tolerations.as_deref().unwrap_or_default(),
        &path.child("tolerations"),
    ));
    for (i, alias) in spec.host_aliases.iter().flatten().enumerate() {
        let p = path.child("hostAliases").index(i);
        errs.extend(validate_ip(&alias.ip, &p.child("ip")));
        for (j, h) in alias.hostnames.iter().flatten().enumerate() {
            errs.extend(validate_dns1123_subdomain(h, &p.child("hostnames").index(j)));
        }
    }
    let pc = s(&spec.priority_class_name);
    if !pc.is_empty() {
        errs.extend(invalid_each(
            &path.child("priorityClassName"),
            pc,
            v::name_is_dns_subdomain(pc, false),
        ));
    }
    if let Some(rc) = &spec.runtime_class_name {
        errs.extend(invalid_each(
            &path.child("runtimeClassName"),
            rc,
            v::name_is_dns_subdomain(rc, false),
        ));
    }
    if let Some(pp) = &spec.preemption_policy {
        match pp.as_str() {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(Error::required(&path.child("preemptionPolicy"), "")),
            other => errs.push(Error::not_supported(
                &path.child("preemptionPolicy"),
                other,
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    if let Some(os) = &spec.os
        && os.name != "linux"
        && os.name != "windows"
    {
        errs.push(Error::not_supported(
            &path.child("os").child("name"),
            &os.name,
            &["linux", "windows"],
        ));
    }
    errs
}

/// `ValidatePodTemplateSpec`.
pub fn validate_pod_template_spec(t: &core::PodTemplateSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let meta = super::or_default(&t.metadata);
    errs.extend(validate_labels(meta.labels.as_ref(), &path.child("labels")));
    errs.extend(validate_annotations(meta.annotations.as_ref(), &path.child("annotations")));
    let spec = super::or_default(&t.spec);
    errs.extend(validate_pod_spec(
        &spec,
        None,
        &path.child("spec"),
        PodValidationOptions::default(),
    ));
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(Error::forbidden(
            &path.child("spec").child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

fn validate_pod_metadata_and_spec(pod: &core::Pod) -> ErrorList {
    let meta_path = Path::new("metadata");
    let spec_path = Path::new("spec");
    let mut errs = validate_object_meta(&pod.metadata, true, v::name_is_dns_subdomain, &meta_path);
    let spec = super::or_default(&pod.spec);
    if let Some(value) =
        pod.metadata.annotations.as_ref().and_then(|a| a.get("kubernetes.io/config.mirror"))
        && s(&spec.node_name).is_empty()
    {
        errs.push(Error::invalid(
            &meta_path.child("annotations").key("kubernetes.io/config.mirror"),
            value,
            "must set spec.nodeName if mirror pod annotation is set",
        ));
    }
    errs.extend(validate_pod_spec(
        &spec,
        pod.metadata.name.as_deref(),
        &spec_path,
        PodValidationOptions { resource_is_pod: true },
    ));
    if s(&spec.service_account_name).is_empty() {
        for (vi, vol) in spec.volumes.iter().flatten().enumerate() {
            for (si, src) in
                vol.projected.iter().flat_map(|p| p.sources.iter().flatten()).enumerate()
            {
                if src.service_account_token.is_some() {
                    errs.push(Error::forbidden(
                        &spec_path
                            .child("volumes")
                            .index(vi)
                            .child("projected")
                            .child("sources")
                            .index(si)
                            .child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    ));
                }
            }
        }
    }
    for (field, list) in
        [("containers", Some(&spec.containers)), ("initContainers", spec.init_containers.as_ref())]
    {
        for (i, c) in list.into_iter().flatten().enumerate() {
            let image = s(&c.image);
            if image.len() != image.trim().len() {
                errs.push(Error::invalid(
                    &spec_path.child(field).index(i).child("image"),
                    image,
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }
    errs
}

/// `ValidatePodCreate`.
pub fn validate_pod_create(pod: &core::Pod) -> ErrorList {
    let mut errs = validate_pod_metadata_and_spec(pod);
    let spec = super::or_default(&pod.spec);
    let spec_path = Path::new("spec");
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(Error::forbidden(
            &spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    if !s(&spec.node_name).is_empty()
        && spec.scheduling_gates.as_ref().is_some_and(|g| !g.is_empty())
    {
        errs.push(Error::forbidden(
            &spec_path.child("nodeName"),
            "cannot be set until all schedulingGates have been cleared",
        ));
    }
    errs
}

const UPDATABLE_POD_SPEC_FIELDS: [&str; 5] = [
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

fn validate_container_updates(
    new: &[core::Container],
    old: &[core::Container],
    path: &Path,
) -> (ErrorList, bool) {
    let mut errs = ErrorList::new();
    if new.len() != old.len() {
        errs.push(Error::forbidden(path, "pod updates may not add or remove containers"));
        return (errs, true);
    }
    for (i, c) in new.iter().enumerate() {
        let image = s(&c.image);
        if image.is_empty() {
            errs.push(Error::required(&path.index(i).child("image"), ""));
        }
        if image.trim().len() != image.len() {
            errs.push(Error::invalid(
                &path.index(i).child("image"),
                image,
                "must not have leading or trailing whitespace",
            ));
        }
    }
    (errs, false)
}

/// A line-per-field description of what differs between two specs, standing in for the Go
/// structure diff upstream appends to its message.
/// A rendering of what changed between two objects of Go type `type_name`, in the shape of the
/// `cmp.Diff` upstream appends to its immutability errors (whose exact text go-cmp keeps
/// deliberately unstable).
pub(crate) fn spec_diff(
    type_name: &str,
    old: &serde_json::Value,
    new: &serde_json::Value,
) -> String {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else { return String::new() };
    let mut keys: BTreeSet<&String> = o.keys().collect();
    keys.extend(n.keys());
    let mut out = format!("  {type_name}{{\n");
    for k in keys {
        let (ov, nv) = (o.get(k), n.get(k));
        if ov != nv {
            if let Some(ov) = ov {
                out.push_str(&format!("- \t{k}: {ov},\n"));
            }
            if let Some(nv) = nv {
                out.push_str(&format!("+ \t{k}: {nv},\n"));
            }
        }
    }
    out.push_str("  }\n");
    out
}

/// `ValidatePodUpdate`: the metadata and spec revalidated, then only the mutable fields may
/// differ.
pub fn validate_pod_update(new: &core::Pod, old: &core::Pod) -> ErrorList {
    let meta_path = Path::new("metadata");
    let spec_path = Path::new("spec");
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path);
    errs.extend(validate_pod_metadata_and_spec(new));
    let new_spec = super::or_default(&new.spec);
    let old_spec = super::or_default(&old.spec);
    let (e, stop) = validate_container_updates(
        &new_spec.containers,
        &old_spec.containers,
        &spec_path.child("containers"),
    );
    errs.extend(e);
    if stop {
        return errs;
    }
    let (e, stop) = validate_container_updates(
        new_spec.init_containers.as_deref().unwrap_or_default(),
        old_spec.init_containers.as_deref().unwrap_or_default(),
        &spec_path.child("initContainers"),
    );
    errs.extend(e);
    if stop {
        return errs;
    }
    if let Some(n) = new_spec.active_deadline_seconds {
        if !(0..=i64::from(i32::MAX)).contains(&n) {
            errs.push(Error::invalid(
                &spec_path.child("activeDeadlineSeconds"),
                n,
                v::inclusive_range_error(0, i64::from(i32::MAX)),
            ));
            return errs;
        }
        if let Some(o) = old_spec.active_deadline_seconds
            && o < n
        {
            errs.push(Error::invalid(
                &spec_path.child("activeDeadlineSeconds"),
                n,
                "must be less than or equal to previous value",
            ));
            return errs;
        }
    } else if old_spec.active_deadline_seconds.is_some() {
        errs.push(Error::invalid(
            &spec_path.child("activeDeadlineSeconds"),
            BadValue::Null,
            "must not update from a positive integer to nil value",
        ));
    }
    let new_tol = super::or_default(&new_spec.tolerations);
    let old_tol = super::or_default(&old_spec.tolerations);
    for o in old_tol.iter() {
        let found = new_tol.iter().any(|n| {
            let mut clone = o.clone();
            clone.toleration_seconds = n.toleration_seconds;
            clone == *n
        });
        if !found {
            errs.push(Error::forbidden(
                &spec_path.child("tolerations"),
                "existing toleration can not be modified except its tolerationSeconds",
            ));
            break;
        }
    }
    if old_tol.iter().all(|o| {
        new_tol.iter().any(|n| {
            let mut clone = o.clone();
            clone.toleration_seconds = n.toleration_seconds;
            clone == *n
        })
    }) {
        errs.extend(validate_tolerations(&new_tol, &spec_path.child("tolerations")));
    }
    let old_gates: BTreeSet<String> =
        old_spec.scheduling_gates.iter().flatten().map(|g| g.name.clone()).collect();
    for (i, g) in new_spec.scheduling_gates.iter().flatten().enumerate() {
        if !old_gates.contains(&g.name) {
            errs.push(Error::forbidden(
                &spec_path.child("schedulingGates").index(i).child("name"),
                format!("only deletion is allowed, but found new scheduling gate '{}'", g.name),
            ));
        }
    }
    if new_spec == old_spec {
        return errs;
    }
    let mut munged = new_spec.clone().into_owned();
    for (c, o) in munged.containers.iter_mut().zip(&old_spec.containers) {
        c.image = o.image.clone();
    }
    if let (Some(n), Some(o)) = (munged.init_containers.as_mut(), old_spec.init_containers.as_ref())
    {
        for (c, o) in n.iter_mut().zip(o) {
            c.image = o.image.clone();
        }
    }
    munged.active_deadline_seconds = old_spec.active_deadline_seconds;
    munged.scheduling_gates = old_spec.scheduling_gates.clone();
    munged.tolerations = old_spec.tolerations.clone();
    if old_spec.termination_grace_period_seconds.is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old_spec.termination_grace_period_seconds;
    }
    if !old_gates.is_empty() {
        // Gated pods may gain node selector entries and change node affinity.
        munged.node_selector = old_spec.node_selector.clone();
        let old_node_affinity = old_spec.affinity.as_ref().and_then(|a| a.node_affinity.clone());
        if let Some(a) = munged.affinity.as_mut() {
            a.node_affinity = old_node_affinity;
            if old_spec.affinity.is_none()
                && a.pod_affinity.is_none()
                && a.pod_anti_affinity.is_none()
            {
                munged.affinity = None;
            }
        } else if let Some(na) = old_node_affinity {
            munged.affinity =
                Some(core::Affinity { node_affinity: Some(na), ..Default::default() });
        }
    }
    if munged != *old_spec {
        let diff = spec_diff(
            "core.PodSpec",
            &serde_json::to_value(&old_spec).unwrap_or_default(),
            &serde_json::to_value(&munged).unwrap_or_default(),
        );
        errs.push(Error::forbidden(
            &spec_path,
            format!(
                "pod updates may not change fields other than {}\n{diff}",
                UPDATABLE_POD_SPEC_FIELDS.join(",")
            ),
        ));
    }
    errs
}

/// `ValidatePodTemplate` (the `PodTemplate` kind).
pub fn validate_pod_template(t: &core::PodTemplate) -> ErrorList {
    let mut errs =
        validate_object_meta(&t.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let template = super::or_default(&t.template);
    errs.extend(validate_pod_template_spec(&template, &Path::new("template")));
    errs
}

// ---------------------------------------------------------------------------------------------
// Services.

fn service_cluster_ips(spec: &core::ServiceSpec) -> Vec<String> {
    match &spec.cluster_ips {
        Some(ips) if !ips.is_empty() => ips.clone(),
        _ => spec.cluster_ip.clone().filter(|ip| !ip.is_empty()).into_iter().collect(),
    }
}

fn is_headless(spec: &core::ServiceSpec) -> bool {
    service_cluster_ips(spec).first().is_some_and(|ip| ip == "None")
}

/// `ValidateService`.
pub fn validate_service(svc: &core::Service) -> ErrorList {
    let meta_path = Path::new("metadata");
    let mut errs = validate_object_meta(&svc.metadata, true, v::name_is_dns1035_label, &meta_path);
    let spec_path = Path::new("spec");
    let spec = super::or_default(&svc.spec);
    let ty = s(&spec.type_);
    let ports = super::or_default(&spec.ports);
    let headless = is_headless(&spec);
    let cluster_ips = service_cluster_ips(&spec);
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(Error::required(&spec_path.child("ports"), ""));
    }
    match ty {
        "LoadBalancer" | "NodePort" if headless => {
            errs.push(Error::invalid(
                &spec_path.child("clusterIPs").index(0),
                &cluster_ips[0],
                format!("may not be set to 'None' for {ty} services"),
            ));
        }
        "ExternalName" => {
            if !cluster_ips.is_empty() {
                errs.push(Error::forbidden(
                    &spec_path.child("clusterIPs"),
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(Error::forbidden(
                    &spec_path.child("ipFamilies"),
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(Error::forbidden(
                    &spec_path.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                ));
            }
            let name = s(&spec.external_name);
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(Error::required(&spec_path.child("externalName"), ""));
            } else {
                errs.extend(validate_dns1123_subdomain(cname, &spec_path.child("externalName")));
            }
        }
        _ => {}
    }
    let mut port_names = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = spec_path.child("ports").index(i);
        let name = s(&p.name);
        if ports.len() > 1 && name.is_empty() {
            errs.push(Error::required(&pp.child("name"), ""));
        } else if !name.is_empty() {
            errs.extend(validate_dns1123_label(name, &pp.child("name")));
            if !port_names.insert(name.to_string()) {
                errs.push(Error::duplicate(&pp.child("name"), name));
            }
        }
        for m in v::is_valid_port_num(i64::from(p.port)) {
            errs.push(Error::invalid(&pp.child("port"), p.port, m));
        }
        errs.extend(validate_protocol(&p.protocol, &pp.child("protocol")));
        let target = p.target_port.clone().unwrap_or(IntOrString::Int(0));
        errs.extend(validate_port_num_or_name(&target, &pp.child("targetPort")));
        if let Some(ap) = &p.app_protocol {
            errs.extend(validate_qualified_name(ap, &pp.child("appProtocol")));
        }
    }
    errs.extend(validate_labels(spec.selector.as_ref(), &spec_path.child("selector")));
    match s(&spec.session_affinity) {
        "" => errs.push(Error::required(&spec_path.child("sessionAffinity"), "")),
        "ClientIP" => {
            let p = spec_path.child("sessionAffinityConfig");
            let msg = "when session affinity type is ClientIP";
            match spec.session_affinity_config.as_ref() {
                None => errs.push(Error::required(&p, msg)),
                Some(c) => match c.client_ip.as_ref() {
                    None => errs.push(Error::required(&p.child("clientIP"), msg)),
                    Some(ip) => match ip.timeout_seconds {
                        None => errs.push(Error::required(
                            &p.child("clientIP").child("timeoutSeconds"),
                            msg,
                        )),
                        Some(t) if t <= 0 || t > 86400 => errs.push(Error::invalid(
                            &p.child("clientIP").child("timeoutSeconds"),
                            t,
                            "must be greater than 0 and less than 86400",
                        )),
                        _ => {}
                    },
                },
            }
        }
        "None" => {
            if spec.session_affinity_config.is_some() {
                errs.push(Error::forbidden(
                    &spec_path.child("sessionAffinityConfig"),
                    "must not be set when session affinity is None",
                ));
            }
        }
        other => errs.push(Error::not_supported(
            &spec_path.child("sessionAffinity"),
            other,
            &["ClientIP", "None"],
        )),
    }
    errs.extend(validate_cluster_ips(&spec, &cluster_ips, &spec_path));
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        errs.extend(validate_ip(ip, &spec_path.child("externalIPs").index(i)));
    }
    const TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if ty.is_empty() {
        errs.push(Error::required(&spec_path.child("type"), ""));
    } else if !TYPES.contains(&ty) {
        errs.push(Error::not_supported(&spec_path.child("type"), ty, &TYPES));
    }
    if ty == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if p.node_port.unwrap_or_default() != 0 {
                errs.push(Error::forbidden(
                    &spec_path.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let np = p.node_port.unwrap_or_default();
        if np != 0 && !node_ports.insert((s(&p.protocol).to_string(), np)) {
            errs.push(Error::duplicate(&spec_path.child("ports").index(i).child("nodePort"), np));
        }
    }
    let mut seen_ports = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        if !seen_ports.insert((s(&p.protocol).to_string(), p.port)) {
            let key = core::ServicePort {
                port: p.port,
                protocol: p.protocol.clone(),
                ..Default::default()
            };
            errs.push(Error::duplicate(&spec_path.child("ports").index(i), BadValue::json(&key)));
        }
    }
    let ranges = super::or_default(&spec.load_balancer_source_ranges);
    if !ranges.is_empty() {
        let fp = spec_path.child("LoadBalancerSourceRanges");
        if ty != "LoadBalancer" {
            errs.push(Error::forbidden(&fp, "may only be used when `type` is 'LoadBalancer'"));
        }
        for (i, r) in ranges.iter().enumerate() {
            let r = r.trim();
            if !is_cidr(r) {
                errs.push(Error::invalid(
                    &fp.index(i),
                    r,
                    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                ));
            }
        }
    }
    if spec.allocate_load_balancer_node_ports.is_some() && ty != "LoadBalancer" {
        errs.push(Error::forbidden(
            &spec_path.child("allocateLoadBalancerNodePorts"),
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if ty == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        errs.push(Error::required(&Path::new("allocateLoadBalancerNodePorts"), ""));
    }
    if let Some(class) = &spec.load_balancer_class {
        if ty != "LoadBalancer" {
            errs.push(Error::forbidden(
                &spec_path.child("loadBalancerClass"),
                "may only be used when `type` is 'LoadBalancer'",
            ));
        } else {
            errs.extend(validate_qualified_name(class, &spec_path.child("loadBalancerClass")));
        }
    }
    let externally_accessible = ty == "LoadBalancer"
        || ty == "NodePort"
        || (ty == "ClusterIP" && spec.external_ips.as_ref().is_some_and(|e| !e.is_empty()));
    let etp = s(&spec.external_traffic_policy);
    if !externally_accessible {
        if !etp.is_empty() {
            errs.push(Error::invalid(
                &spec_path.child("externalTrafficPolicy"),
                etp,
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(Error::required(&spec_path.child("externalTrafficPolicy"), ""));
    } else if etp != "Cluster" && etp != "Local" {
        errs.push(Error::not_supported(
            &spec_path.child("externalTrafficPolicy"),
            etp,
            &["Cluster", "Local"],
        ));
    }
    let needs_health_check = ty == "LoadBalancer" && etp == "Local";
    let hc = spec.health_check_node_port.unwrap_or_default();
    if !needs_health_check {
        if hc != 0 {
            errs.push(Error::invalid(
                &spec_path.child("healthCheckNodePort"),
                hc,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if hc == 0 {
        errs.push(Error::required(&spec_path.child("healthCheckNodePort"), ""));
    } else {
        for m in v::is_valid_port_num(i64::from(hc)) {
            errs.push(Error::invalid(&spec_path.child("healthCheckNodePort"), hc, m));
        }
    }
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(ty, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errs.push(Error::required(&spec_path.child("internalTrafficPolicy"), ""));
        }
        Some(p) if p != "Cluster" && p != "Local" => {
            errs.push(Error::not_supported(
                &spec_path.child("internalTrafficPolicy"),
                p,
                &["Cluster", "Local"],
            ));
        }
        _ => {}
    }
    if let Some(td) = &spec.traffic_distribution {
        const DISTRIBUTIONS: [&str; 3] = ["PreferClose", "PreferSameZone", "PreferSameNode"];
        if !DISTRIBUTIONS.contains(&td.as_str()) {
            errs.push(Error::not_supported(
                &spec_path.child("trafficDistribution"),
                td,
                &DISTRIBUTIONS,
            ));
        }
    }
    errs
}

fn is_cidr(value: &str) -> bool {
    let Some((ip, bits)) = value.split_once('/') else { return false };
    let Ok(ip) = ip.parse::<std::net::IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.parse::<u8>().is_ok_and(|b| b <= max) && !bits.starts_with('+')
}

fn validate_cluster_ips(spec: &core::ServiceSpec, ips: &[String], spec_path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let ty = s(&spec.type_);
    if ty == "ExternalName" {
        return errs;
    }
    let policy = spec.ip_family_policy.as_deref();
    if let Some(p) = policy
        && !["SingleStack", "PreferDualStack", "RequireDualStack"].contains(&p)
    {
        errs.push(Error::not_supported(
            &spec_path.child("ipFamilyPolicy"),
            p,
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        ));
    }
    let families = super::or_default(&spec.ip_families);
    for (i, f) in families.iter().enumerate() {
        if f != "IPv4" && f != "IPv6" {
            errs.push(Error::not_supported(
                &spec_path.child("ipFamilies").index(i),
                f,
                &["IPv4", "IPv6"],
            ));
        }
    }
    if families.len() == 2 && families[0] == families[1] {
        errs.push(Error::duplicate(&spec_path.child("ipFamilies").index(1), &families[1]));
    }
    if families.len() > 2 {
        errs.push(Error::invalid(
            &spec_path.child("ipFamilies"),
            BadValue::json(&families),
            "may not have more than two entries",
        ));
    }
    if let Some(first) = spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty())
        && ips.first().is_some_and(|ip| ip != first)
    {
        errs.push(Error::invalid(
            &spec_path.child("clusterIPs"),
            BadValue::json(ips),
            "first value must match `clusterIP`",
        ));
    }
    if ips.len() > 2 {
        errs.push(Error::invalid(
            &spec_path.child("clusterIPs"),
            BadValue::json(ips),
            "may only hold up to 2 values",
        ));
    }
    for (i, ip) in ips.iter().enumerate() {
        if ip == "None" && i == 0 {
            continue;
        }
        if ip == "None" {
            errs.push(Error::invalid(
                &spec_path.child("clusterIPs").index(i),
                ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
            continue;
        }
        errs.extend(validate_ip(ip, &spec_path.child("clusterIPs").index(i)));
    }
    errs
}

/// `ValidateServiceUpdate`: cluster IPs and IP families keep their primary value; then the
/// whole service is validated again.
pub fn validate_service_update(new: &core::Service, old: &core::Service) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    let ns = super::or_default(&new.spec);
    let os = super::or_default(&old.spec);
    let spec_path = Path::new("spec");
    let involves_external_name = s(&ns.type_) == "ExternalName" || s(&os.type_) == "ExternalName";
    if !involves_external_name {
        let (new_ips, old_ips) = (service_cluster_ips(&ns), service_cluster_ips(&os));
        if !old_ips.is_empty() && new_ips.first() != old_ips.first() {
            errs.push(Error::invalid(
                &spec_path.child("clusterIPs").index(0),
                BadValue::json(&new_ips),
                "may not change once set",
            ));
        }
        if old_ips.len() > 1 && new_ips.len() > 1 && new_ips[1] != old_ips[1] {
            errs.push(Error::invalid(
                &spec_path.child("clusterIPs").index(1),
                BadValue::json(&new_ips),
                "may not change once set",
            ));
        }
        let (nf, of) = (
            ns.ip_families.clone().unwrap_or_default(),
            os.ip_families.clone().unwrap_or_default(),
        );
        if !of.is_empty() && !nf.is_empty() && nf[0] != of[0] {
            errs.push(Error::invalid(
                &spec_path.child("ipFamilies").index(0),
                BadValue::json(&nf),
                "may not change once set",
            ));
        }
    }
    let old_class = os.load_balancer_class.as_ref();
    let new_class = ns.load_balancer_class.as_ref();
    if s(&os.type_) == "LoadBalancer" && s(&ns.type_) == "LoadBalancer" && old_class != new_class {
        errs.push(Error::invalid(
            &spec_path.child("loadBalancerClass"),
            BadValue::from(new_class.cloned()),
            "may not change once set",
        ));
    }
    let needs = |sp: &core::ServiceSpec| {
        s(&sp.type_) == "LoadBalancer" && s(&sp.external_traffic_policy) == "Local"
    };
    if needs(&os) && needs(&ns) && os.health_check_node_port != ns.health_check_node_port {
        errs.push(Error::forbidden(
            &spec_path.child("healthCheckNodePort"),
            FIELD_IMMUTABLE_ERROR_MSG,
        ));
    }
    errs.extend(validate_service(new));
    errs
}

// ---------------------------------------------------------------------------------------------
// Namespaces, config maps, secrets, service accounts, nodes.

fn validate_namespace_finalizer(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_qualified_name(name, path);
    errs.extend(super::meta::validate_kube_finalizer_name(name, path));
    errs
}

/// `ValidateNamespace`.
pub fn validate_namespace(ns: &core::Namespace) -> ErrorList {
    let mut errs = validate_object_meta(
        &ns.metadata,
        false,
        v::validate_namespace_name,
        &Path::new("metadata"),
    );
    let path = Path::from_names(["spec", "finalizers"]);
    for f in ns.spec.iter().flat_map(|s| s.finalizers.iter().flatten()) {
        errs.extend(validate_namespace_finalizer(f, &path));
    }
    errs
}

/// `ValidateNamespaceStatusUpdate`.
pub fn validate_namespace_status_update(new: &core::Namespace, old: &core::Namespace) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    let phase = new.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    let path = Path::from_names(["status", "Phase"]);
    if new.metadata.deletion_timestamp.is_none() {
        if phase != "Active" {
            errs.push(Error::invalid(
                &path,
                phase,
                "may only be 'Active' if `deletionTimestamp` is empty",
            ));
        }
    } else if phase != "Terminating" {
        errs.push(Error::invalid(
            &path,
            phase,
            "may only be 'Terminating' if `deletionTimestamp` is not empty",
        ));
    }
    errs
}

/// `ValidateConfigMap`.
pub fn validate_config_map(cm: &core::ConfigMap) -> ErrorList {
    let mut errs =
        validate_object_meta(&cm.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let mut total: i64 = 0;
    let binary = super::or_default(&cm.binary_data);
    for (k, value) in cm.data.iter().flatten() {
        let p = Path::new("data").key(k);
        errs.extend(invalid_each(&p, k, v::is_config_map_key(k)));
        if binary.contains_key(k) {
            errs.push(Error::invalid(&p, k, "duplicate of key present in binaryData"));
        }
        total += i64::try_from(value.len()).unwrap_or(i64::MAX);
    }
    for (k, value) in binary.iter() {
        errs.extend(invalid_each(&Path::new("binaryData").key(k), k, v::is_config_map_key(k)));
        total += i64::try_from(value.0.len()).unwrap_or(i64::MAX);
    }
    if total > MAX_SECRET_SIZE {
        errs.push(Error::too_long(&Path::new(""), MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate`.
pub fn validate_config_map_update(new: &core::ConfigMap, old: &core::ConfigMap) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(Error::forbidden(&Path::new("immutable"), IMMUTABLE_WHEN_SET));
        }
        if new.data.clone().unwrap_or_default() != old.data.clone().unwrap_or_default() {
            errs.push(Error::forbidden(&Path::new("data"), IMMUTABLE_WHEN_SET));
        }
        if new.binary_data.clone().unwrap_or_default()
            != old.binary_data.clone().unwrap_or_default()
        {
            errs.push(Error::forbidden(&Path::new("binaryData"), IMMUTABLE_WHEN_SET));
        }
    }
    errs.extend(validate_config_map(new));
    errs
}

/// `ValidateSecret`: keys, the 1 MiB limit and the keys each secret type requires.
pub fn validate_secret(secret: &core::Secret) -> ErrorList {
    let mut errs = validate_object_meta(
        &secret.metadata,
        true,
        v::name_is_dns_subdomain,
        &Path::new("metadata"),
    );
    let data_path = Path::new("data");
    let data = super::or_default(&secret.data);
    let mut total: i64 = 0;
    for (k, value) in data.iter() {
        errs.extend(invalid_each(&data_path.key(k), k, v::is_config_map_key(k)));
        total += i64::try_from(value.0.len()).unwrap_or(i64::MAX);
    }
    if total > MAX_SECRET_SIZE {
        errs.push(Error::too_long(&data_path, MAX_SECRET_SIZE));
    }
    let json_error = |key: &str, errs: &mut ErrorList| {
        if let Some(bytes) = data.get(key)
            && let Err(e) =
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes.0)
        {
            errs.push(Error::invalid(
                &data_path.key(key),
                "<secret contents redacted>",
                go_json_error(&e),
            ));
        }
    };
    match s(&secret.type_) {
        "kubernetes.io/service-account-token" => {
            let name = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .cloned()
                .unwrap_or_default();
            if name.is_empty() {
                errs.push(Error::required(
                    &Path::from_names(["metadata", "annotations"])
                        .key("kubernetes.io/service-account.name"),
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" => {
            if data.contains_key(".dockercfg") {
                json_error(".dockercfg", &mut errs);
            } else {
                errs.push(Error::required(&data_path.key(".dockercfg"), ""));
            }
        }
        "kubernetes.io/dockerconfigjson" => {
            if data.contains_key(".dockerconfigjson") {
                json_error(".dockerconfigjson", &mut errs);
            } else {
                errs.push(Error::required(&data_path.key(".dockerconfigjson"), ""));
            }
        }
        "kubernetes.io/basic-auth"
            if !data.contains_key("username") && !data.contains_key("password") =>
        {
            errs.push(Error::required(&data_path.key("username"), ""));
            errs.push(Error::required(&data_path.key("password"), ""));
        }
        "kubernetes.io/ssh-auth" if data.get("ssh-privatekey").is_none_or(|b| b.0.is_empty()) => {
            errs.push(Error::required(&data_path.key("ssh-privatekey"), ""));
        }
        "kubernetes.io/tls" => {
            if !data.contains_key("tls.crt") {
                errs.push(Error::required(&data_path.key("tls.crt"), ""));
            }
            if !data.contains_key("tls.key") {
                errs.push(Error::required(&data_path.key("tls.key"), ""));
            }
        }
        _ => {}
    }
    errs
}

/// The wording Go's `encoding/json` uses for the most common malformed-JSON cases.
fn go_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".to_string(),
        Category::Data => {
            "json: cannot unmarshal value into Go value of type map[string]interface {}".to_string()
        }
        _ => format!("invalid character in JSON at line {} column {}", e.line(), e.column()),
    }
}

/// `ValidateSecretUpdate`.
pub fn validate_secret_update(new: &core::Secret, old: &core::Secret) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_immutable(
        &new.type_,
        &old.type_,
        s(&new.type_).to_string(),
        &Path::new("type"),
    ));
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(Error::forbidden(&Path::new("immutable"), IMMUTABLE_WHEN_SET));
        }
        if new.data.clone().unwrap_or_default() != old.data.clone().unwrap_or_default() {
            errs.push(Error::forbidden(&Path::new("data"), IMMUTABLE_WHEN_SET));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

/// `ValidateServiceAccount`.
pub fn validate_service_account(sa: &core::ServiceAccount) -> ErrorList {
    validate_object_meta(
        &sa.metadata,
        true,
        v::validate_service_account_name,
        &Path::new("metadata"),
    )
}

fn validate_taints(taints: &[core::Taint], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut unique: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, t) in taints.iter().enumerate() {
        let idx = path.index(i);
        errs.extend(invalid_each(&idx.child("key"), &t.key, v::is_qualified_name(&t.key)));
        let value = s(&t.value);
        let msgs = v::is_valid_label_value(value);
        if !msgs.is_empty() {
            errs.push(Error::invalid(&idx.child("value"), value, msgs.join(";")));
        }
        if t.effect.is_empty() {
            errs.push(Error::required(&idx.child("effect"), ""));
        } else if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&t.effect.as_str()) {
            errs.push(Error::not_supported(
                &idx.child("effect"),
                &t.effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
        if !unique.insert((t.effect.clone(), t.key.clone())) {
            errs.push(Error::new(
                ErrorType::Duplicate,
                &idx,
                BadValue::json(t),
                "taints must be unique by key and effect pair",
            ));
        }
    }
    errs
}

/// `ValidateNode` (metadata, taints and pod CIDRs).
pub fn validate_node(node: &core::Node) -> ErrorList {
    let meta_path = Path::new("metadata");
    let mut errs =
        validate_object_meta(&node.metadata, false, v::name_is_dns_subdomain, &meta_path);
    let spec = super::or_default(&node.spec);
    if let Some(t) = &spec.taints
        && !t.is_empty()
    {
        errs.extend(validate_taints(t, &meta_path.child("taints")));
    }
    let cidrs = super::or_default(&spec.pod_cidrs);
    for (i, c) in cidrs.iter().enumerate() {
        if !is_cidr(c) {
            errs.push(Error::invalid(
                &Path::from_names(["spec", "podCIDRs"]).index(i),
                c,
                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            ));
        }
    }
    if cidrs.len() > 2 {
        errs.push(Error::invalid(
            &Path::from_names(["spec", "podCIDRs"]),
            BadValue::json(&cidrs),
            "may specify no more than one CIDR for each IP family",
        ));
    }
    errs
}

/// `ValidateNodeUpdate` (the parts a client can get wrong: pod CIDRs and provider ID are
/// write-once).
pub fn validate_node_update(new: &core::Node, old: &core::Node) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    errs.extend(validate_node(new));
    let (ns, os) = (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    let (new_cidrs, old_cidrs) =
        (ns.pod_cidrs.clone().unwrap_or_default(), os.pod_cidrs.clone().unwrap_or_default());
    if !old_cidrs.is_empty() {
        if new_cidrs.len() != old_cidrs.len() {
            errs.push(Error::forbidden(
                &Path::from_names(["spec", "podCIDRs"]),
                "node updates may not change podCIDR except from \"\" to valid",
            ));
        } else {
            for (i, (n, o)) in new_cidrs.iter().zip(&old_cidrs).enumerate() {
                if n != o {
                    errs.push(Error::forbidden(
                        &Path::from_names(["spec", "podCIDRs"]).index(i),
                        "node updates may not change podCIDR except from \"\" to valid",
                    ));
                }
            }
        }
    }
    let old_provider = s(&os.provider_id);
    if !old_provider.is_empty() && s(&ns.provider_id) != old_provider {
        errs.push(Error::forbidden(
            &Path::from_names(["spec", "providerID"]),
            "node updates may not change providerID except from \"\" to valid",
        ));
    }
    errs
}
