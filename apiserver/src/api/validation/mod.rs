//! Upstream's validation of built-in objects on create, update and status update, with its
//! exact field error messages (pkg/apis/*/validation and the registry strategies that call it).

use apimachinery::errors::field::{Error, ErrorList, Path};
use apimachinery::runtime::ResourceTable;
use apimachinery::validation as v;
use k8s_openapi::api::{
    admissionregistration::v1 as admission_api, apps::v1 as apps, autoscaling, batch::v1 as batch,
    coordination::v1 as coordination, core::v1 as core, flowcontrol::v1 as flowcontrol_api,
    policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as scheduling, storage::v1 as storage,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde_json::Value;

pub mod admission;
pub mod certificates;
pub mod core_kinds;
pub mod core_resources;
pub mod flowcontrol;
pub mod meta;
pub mod networking;
pub mod other;
pub mod volumes;
pub mod workloads;

#[cfg(test)]
mod tests;

use core_kinds as corev;
use core_resources::{self as resources, EventApi};

/// The value of an optional field, or its default, borrowed when present (validation only reads
/// it).
pub(crate) fn or_default<T: Clone + Default>(field: &Option<T>) -> std::borrow::Cow<'_, T> {
    match field {
        Some(v) => std::borrow::Cow::Borrowed(v),
        None => std::borrow::Cow::Owned(T::default()),
    }
}

/// Decodes `obj` as `T`; an object that does not fit its type is reported as an internal
/// error on the root, which a client sees as an invalid object.
fn decode_whole<T: DeserializeOwned>(obj: &Value) -> Result<T, ErrorList> {
    // Read from the tree in place: cloning it first would copy every string twice.
    T::deserialize(obj).map_err(|e| ErrorList(vec![Error::internal(&Path::nil(), e)]))
}

/// [`decode_whole`] without the field sets of `metadata.managedFields`: validation reads each
/// entry's operation, fields type, manager and subresource but never its `fieldsV1`, often the
/// largest part of an object (copying it into the typed object cost more than the rest of a
/// pod).
fn decode<T>(obj: &Value) -> Result<T, ErrorList>
where
    T: DeserializeOwned + k8s_openapi::Metadata<Ty = ObjectMeta>,
{
    let internal = |e: serde_json::Error| ErrorList(vec![Error::internal(&Path::nil(), e)]);
    let (Some(top), Some(entries)) =
        (obj.as_object(), obj.pointer("/metadata/managedFields").and_then(Value::as_array))
    else {
        return decode_whole(obj);
    };
    let Some(Value::Object(meta)) = top.get("metadata") else { return decode_whole(obj) };
    let entries = entries
        .iter()
        .map(|e| match e {
            Value::Object(m) => {
                ManagedFieldsEntry::deserialize(Altered { map: m, key: "fieldsV1", with: None })
            }
            other => ManagedFieldsEntry::deserialize(other),
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    let meta: serde_json::Map<String, Value> = meta
        .iter()
        .filter(|(k, _)| k.as_str() != "managedFields")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let meta = Value::Object(meta);
    let mut typed = T::deserialize(Altered { map: top, key: "metadata", with: Some(&meta) })
        .map_err(internal)?;
    typed.metadata_mut().managed_fields = Some(entries);
    Ok(typed)
}

/// A JSON object read as a map with one member's value replaced, or left out (`with: None`).
struct Altered<'a> {
    map: &'a serde_json::Map<String, Value>,
    key: &'static str,
    with: Option<&'a Value>,
}

/// The members an [`Altered`] map yields.
struct Members<'a, I: Iterator<Item = (&'a String, &'a Value)>> {
    members: I,
    value: Option<&'a Value>,
}

impl<'de, I: Iterator<Item = (&'de String, &'de Value)>> MapAccess<'de> for Members<'de, I> {
    type Error = serde_json::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((k, v)) = self.members.next() else { return Ok(None) };
        self.value = Some(v);
        seed.deserialize(de::value::BorrowedStrDeserializer::new(k.as_str())).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("value without a key")),
        }
    }
}

impl<'de> de::Deserializer<'de> for Altered<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let (key, with) = (self.key, self.with);
        let members = self.map.iter().filter_map(move |(k, v)| match k == key {
            true => with.map(|w| (k, w)),
            false => Some((k, v)),
        });
        visitor.visit_map(Members { members, value: None })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The name rule and scope of a built-in resource validated only for its metadata.
fn generic_meta_rule(group: &str, resource: &str) -> Option<(bool, v::ValidateNameFn)> {
    let info = ResourceTable::builtin()
        .resources()
        .iter()
        .find(|r| r.group == group && r.resource == resource)?;
    Some((info.namespaced, v::name_is_dns_subdomain))
}

fn meta_of(obj: &Value) -> ObjectMeta {
    obj.get("metadata").and_then(|m| serde_json::from_value(m.clone()).ok()).unwrap_or_default()
}

fn hpa_as_v2(obj: &Value) -> Result<autoscaling::v2::HorizontalPodAutoscaler, ErrorList> {
    if super::api_version_of(obj) != "v1" {
        return decode(obj);
    }
    let old: autoscaling::v1::HorizontalPodAutoscaler = decode(obj)?;
    let spec = old.spec.map(|s| autoscaling::v2::HorizontalPodAutoscalerSpec {
        max_replicas: s.max_replicas,
        min_replicas: s.min_replicas,
        scale_target_ref: autoscaling::v2::CrossVersionObjectReference {
            api_version: s.scale_target_ref.api_version,
            kind: s.scale_target_ref.kind,
            name: s.scale_target_ref.name,
        },
        ..Default::default()
    });
    Ok(autoscaling::v2::HorizontalPodAutoscaler { metadata: old.metadata, spec, status: None })
}

/// Validates a new object of `group`/`resource` as its strategy's `Validate` does. Resources
/// without kind-specific rules get the generic metadata checks; unknown resources pass.
pub fn validate_create(group: &str, resource: &str, obj: &Value) -> ErrorList {
    match create_errors(group, resource, obj) {
        Ok(errs) | Err(errs) => errs,
    }
}

fn create_errors(group: &str, resource: &str, obj: &Value) -> Result<ErrorList, ErrorList> {
    let metadata = Path::new("metadata");
    Ok(match (group, resource) {
        ("", "pods") => corev::validate_pod_create(&decode(obj)?),
        ("", "podtemplates") => corev::validate_pod_template(&decode(obj)?),
        ("", "replicationcontrollers") => workloads::validate_replication_controller(&decode(obj)?),
        ("", "services") => corev::validate_service(&decode(obj)?),
        ("", "namespaces") => corev::validate_namespace(&decode(obj)?),
        ("", "configmaps") => corev::validate_config_map(&decode(obj)?),
        ("", "secrets") => corev::validate_secret(&decode(obj)?),
        ("", "serviceaccounts") => corev::validate_service_account(&decode(obj)?),
        ("", "nodes") => corev::validate_node(&decode(obj)?),
        ("", "endpoints") => resources::validate_endpoints(&decode(obj)?),
        ("", "events") => resources::validate_event_create(&decode(obj)?, EventApi::Legacy),
        ("events.k8s.io", "events") => {
            resources::validate_event_create(&decode(obj)?, EventApi::Strict)
        }
        ("", "limitranges") => resources::validate_limit_range(&decode(obj)?),
        ("", "resourcequotas") => resources::validate_resource_quota(&decode(obj)?),
        ("", "persistentvolumes") => volumes::validate_persistent_volume(&decode(obj)?),
        ("", "persistentvolumeclaims") => volumes::validate_persistent_volume_claim(&decode(obj)?),
        ("discovery.k8s.io", "endpointslices") => resources::validate_endpoint_slice(&decode(obj)?),
        ("storage.k8s.io", "csidrivers") => volumes::validate_csi_driver(&decode(obj)?),
        ("storage.k8s.io", "csinodes") => volumes::validate_csi_node(&decode(obj)?),
        ("storage.k8s.io", "volumeattachments") => {
            volumes::validate_volume_attachment(&decode(obj)?)
        }
        ("certificates.k8s.io", "certificatesigningrequests") => {
            certificates::validate_create(&decode(obj)?)
        }
        ("apiregistration.k8s.io", "apiservices") => other::validate_api_service(&decode(obj)?),
        ("apps", "deployments") => {
            workloads::validate_deployment(&decode::<apps::Deployment>(obj)?, obj)
        }
        ("apps", "replicasets") => {
            workloads::validate_replica_set(&decode::<apps::ReplicaSet>(obj)?, obj)
        }
        ("apps", "statefulsets") => {
            workloads::validate_stateful_set(&decode::<apps::StatefulSet>(obj)?, obj)
        }
        ("apps", "daemonsets") => {
            workloads::validate_daemon_set(&decode::<apps::DaemonSet>(obj)?, obj)
        }
        ("batch", "jobs") => workloads::validate_job(&decode::<batch::Job>(obj)?),
        ("batch", "cronjobs") => workloads::validate_cron_job(&decode::<batch::CronJob>(obj)?),
        ("rbac.authorization.k8s.io", "roles") => {
            let r: rbac::Role = decode(obj)?;
            other::validate_role(&r.metadata, r.rules.as_deref().unwrap_or_default(), true)
        }
        ("rbac.authorization.k8s.io", "clusterroles") => {
            let r: rbac::ClusterRole = decode(obj)?;
            other::validate_role(&r.metadata, r.rules.as_deref().unwrap_or_default(), false)
        }
        ("rbac.authorization.k8s.io", "rolebindings") => {
            let b: rbac::RoleBinding = decode(obj)?;
            other::validate_binding(
                &b.metadata,
                &b.role_ref,
                b.subjects.as_deref().unwrap_or_default(),
                true,
            )
        }
        ("rbac.authorization.k8s.io", "clusterrolebindings") => {
            let b: rbac::ClusterRoleBinding = decode(obj)?;
            other::validate_binding(
                &b.metadata,
                &b.role_ref,
                b.subjects.as_deref().unwrap_or_default(),
                false,
            )
        }
        ("coordination.k8s.io", "leases") => {
            other::validate_lease(&decode::<coordination::Lease>(obj)?)
        }
        ("policy", "poddisruptionbudgets") => {
            other::validate_pdb(&decode::<policy::PodDisruptionBudget>(obj)?)
        }
        ("scheduling.k8s.io", "priorityclasses") => {
            other::validate_priority_class(&decode::<scheduling::PriorityClass>(obj)?)
        }
        ("storage.k8s.io", "storageclasses") => {
            other::validate_storage_class(&decode::<storage::StorageClass>(obj)?)
        }
        ("autoscaling", "horizontalpodautoscalers") => other::validate_hpa(&hpa_as_v2(obj)?),
        ("networking.k8s.io", "networkpolicies") => {
            networking::validate_network_policy(&decode(obj)?)
        }
        ("networking.k8s.io", "ingresses") => networking::validate_ingress(&decode(obj)?),
        ("networking.k8s.io", "ingressclasses") => {
            networking::validate_ingress_class(&decode(obj)?)
        }
        ("networking.k8s.io", "servicecidrs") => networking::validate_service_cidr(&decode(obj)?),
        ("networking.k8s.io", "ipaddresses") => networking::validate_ip_address(&decode(obj)?),
        ("node.k8s.io", "runtimeclasses") => other::validate_runtime_class(&decode(obj)?),
        ("flowcontrol.apiserver.k8s.io", "flowschemas") => {
            flowcontrol::validate_flow_schema(&decode(obj)?)
        }
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations") => {
            flowcontrol::validate_priority_level(&decode(obj)?)
        }
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations") => {
            admission::validate_validating_webhook_configuration(&decode(obj)?, None)
        }
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations") => {
            admission::validate_mutating_webhook_configuration(&decode(obj)?, None)
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
            admission::validate_policy(&decode(obj)?, None)
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings") => {
            admission::validate_policy_binding(&decode(obj)?)
        }
        _ => match generic_meta_rule(group, resource) {
            Some((namespaced, name_fn)) => {
                meta::validate_object_meta(&meta_of(obj), namespaced, name_fn, &metadata)
            }
            None => ErrorList::new(),
        },
    })
}

/// Validates an update of `group`/`resource` from `old` to `new`, as its strategy's
/// `ValidateUpdate` does (metadata update rules, immutable fields, then the object itself).
pub fn validate_update(group: &str, resource: &str, new: &Value, old: &Value) -> ErrorList {
    match update_errors(group, resource, new, old) {
        Ok(errs) | Err(errs) => errs,
    }
}

/// A CertificateSigningRequest update through `through`, with the metadata update rules.
fn csr_update(
    new: &Value,
    old: &Value,
    through: certificates::Through,
) -> Result<ErrorList, ErrorList> {
    let (n, o) = (decode(new)?, decode(old)?);
    let mut errs = certificates::validate_update(&n, &o, through);
    errs.extend(meta_update(&n.metadata, &o.metadata));
    Ok(errs)
}

fn meta_update(new: &ObjectMeta, old: &ObjectMeta) -> ErrorList {
    meta::validate_object_meta_update(new, old, &Path::new("metadata"))
}

/// apimachinery's metadata update rules, for the kinds whose validation is not core's.
fn generic_meta_update<T: k8s_openapi::Metadata<Ty = ObjectMeta>>(new: &T, old: &T) -> ErrorList {
    meta::validate_generic_object_meta_update(
        new.metadata(),
        old.metadata(),
        &Path::new("metadata"),
    )
}

/// The errors of a create-time validator other than its metadata ones (which the update
/// checks report on their own).
fn without_meta(errs: ErrorList) -> ErrorList {
    errs.into_iter().filter(|e| !e.field.starts_with("metadata")).collect()
}

fn update_errors(
    group: &str,
    resource: &str,
    new: &Value,
    old: &Value,
) -> Result<ErrorList, ErrorList> {
    Ok(match (group, resource) {
        ("", "pods") => corev::validate_pod_update(&decode(new)?, &decode(old)?),
        ("", "services") => corev::validate_service_update(&decode(new)?, &decode(old)?),
        ("", "configmaps") => corev::validate_config_map_update(&decode(new)?, &decode(old)?),
        ("", "secrets") => corev::validate_secret_update(&decode(new)?, &decode(old)?),
        ("", "nodes") => corev::validate_node_update(&decode(new)?, &decode(old)?),
        ("", "endpoints") => resources::validate_endpoints_update(&decode(new)?, &decode(old)?),
        ("", "events") => {
            resources::validate_event_update(&decode(new)?, &decode(old)?, EventApi::Legacy)
        }
        ("events.k8s.io", "events") => {
            resources::validate_event_update(&decode(new)?, &decode(old)?, EventApi::Strict)
        }
        ("", "limitranges") => resources::validate_limit_range_update(&decode(new)?, &decode(old)?),
        ("", "resourcequotas") => {
            resources::validate_resource_quota_update(&decode(new)?, &decode(old)?)
        }
        ("", "persistentvolumes") => {
            volumes::validate_persistent_volume_update(&decode(new)?, &decode(old)?)
        }
        ("", "persistentvolumeclaims") => {
            volumes::validate_persistent_volume_claim_update(&decode(new)?, &decode(old)?)
        }
        ("discovery.k8s.io", "endpointslices") => {
            resources::validate_endpoint_slice_update(&decode(new)?, &decode(old)?)
        }
        ("storage.k8s.io", "csidrivers") => {
            volumes::validate_csi_driver_update(&decode(new)?, &decode(old)?)
        }
        ("storage.k8s.io", "csinodes") => {
            volumes::validate_csi_node_update(&decode(new)?, &decode(old)?)
        }
        ("storage.k8s.io", "volumeattachments") => {
            volumes::validate_volume_attachment_update(&decode(new)?, &decode(old)?)
        }
        ("", "namespaces") => {
            let (n, o): (core::Namespace, core::Namespace) = (decode(new)?, decode(old)?);
            meta_update(&n.metadata, &o.metadata)
        }
        ("", "serviceaccounts") => {
            let (n, o): (core::ServiceAccount, core::ServiceAccount) = (decode(new)?, decode(old)?);
            let mut errs = meta_update(&n.metadata, &o.metadata);
            errs.extend(corev::validate_service_account(&n));
            errs
        }
        ("", "podtemplates") => {
            let (n, o): (core::PodTemplate, core::PodTemplate) = (decode(new)?, decode(old)?);
            let mut errs = meta_update(&n.metadata, &o.metadata);
            errs.extend(without_meta(corev::validate_pod_template(&n)));
            errs
        }
        ("", "replicationcontrollers") => {
            let (n, o): (core::ReplicationController, core::ReplicationController) =
                (decode(new)?, decode(old)?);
            let mut errs = meta_update(&n.metadata, &o.metadata);
            errs.extend(without_meta(workloads::validate_replication_controller(&n)));
            errs
        }
        ("apps", "deployments") => {
            workloads::validate_deployment_update(&decode(new)?, &decode(old)?, new, old)
        }
        ("apps", "replicasets") => {
            workloads::validate_replica_set_update(&decode(new)?, &decode(old)?, new, old)
        }
        ("apps", "statefulsets") => {
            workloads::validate_stateful_set_update(&decode(new)?, &decode(old)?, new)
        }
        ("apps", "daemonsets") => {
            workloads::validate_daemon_set_update(&decode(new)?, &decode(old)?, new, old)
        }
        ("batch", "jobs") => workloads::validate_job_update(&decode(new)?, &decode(old)?),
        ("batch", "cronjobs") => workloads::validate_cron_job_update(&decode(new)?, &decode(old)?),
        ("rbac.authorization.k8s.io", "rolebindings") => {
            let (n, o): (rbac::RoleBinding, rbac::RoleBinding) = (decode(new)?, decode(old)?);
            let mut errs = without_meta(create_errors(group, resource, new)?);
            errs.extend(meta_update(&n.metadata, &o.metadata));
            errs.extend(other::validate_role_ref_update(&n.role_ref, &o.role_ref));
            errs
        }
        ("rbac.authorization.k8s.io", "clusterrolebindings") => {
            let (n, o): (rbac::ClusterRoleBinding, rbac::ClusterRoleBinding) =
                (decode(new)?, decode(old)?);
            let mut errs = without_meta(create_errors(group, resource, new)?);
            errs.extend(meta_update(&n.metadata, &o.metadata));
            errs.extend(other::validate_role_ref_update(&n.role_ref, &o.role_ref));
            errs
        }
        ("scheduling.k8s.io", "priorityclasses") => {
            other::validate_priority_class_update(&decode(new)?, &decode(old)?)
        }
        ("certificates.k8s.io", "certificatesigningrequests") => {
            csr_update(new, old, certificates::Through::Main)?
        }
        ("storage.k8s.io", "storageclasses") => {
            let mut errs = without_meta(create_errors(group, resource, new)?);
            errs.extend(other::validate_storage_class_update(&decode(new)?, &decode(old)?));
            errs
        }
        ("networking.k8s.io", "ingressclasses") => {
            networking::validate_ingress_class_update(&decode(new)?, &decode(old)?)
        }
        ("networking.k8s.io", "servicecidrs") => {
            networking::validate_service_cidr_update(&decode(new)?, &decode(old)?)
        }
        ("networking.k8s.io", "ipaddresses") => {
            networking::validate_ip_address_update(&decode(new)?, &decode(old)?)
        }
        ("node.k8s.io", "runtimeclasses") => {
            other::validate_runtime_class_update(&decode(new)?, &decode(old)?)
        }
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations") => {
            let (n, o) = (decode(new)?, decode(old)?);
            let mut errs = generic_meta_update(&n, &o);
            let checks = admission::validate_validating_webhook_configuration(&n, Some(&o));
            errs.extend(without_meta(checks));
            errs
        }
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations") => {
            let (n, o) = (decode(new)?, decode(old)?);
            let mut errs = generic_meta_update(&n, &o);
            let checks = admission::validate_mutating_webhook_configuration(&n, Some(&o));
            errs.extend(without_meta(checks));
            errs
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
            let (n, o) = (decode(new)?, decode(old)?);
            let mut errs = generic_meta_update(&n, &o);
            errs.extend(without_meta(admission::validate_policy(&n, Some(&o))));
            errs
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings") => {
            let (n, o) = (decode(new)?, decode(old)?);
            let mut errs = generic_meta_update(&n, &o);
            errs.extend(without_meta(admission::validate_policy_binding(&n)));
            errs
        }
        _ => {
            let mut errs = meta_update(&meta_of(new), &meta_of(old));
            errs.extend(without_meta(create_errors(group, resource, new)?));
            errs
        }
    })
}

/// Validates an update through a subresource that writes part of the object (`status`, and a
/// request's `approval`): the metadata update rules plus the kind's checks where they exist (a
/// namespace's phase, a request's conditions and certificate).
pub fn validate_status_update(
    group: &str,
    resource: &str,
    subresource: &str,
    new: &Value,
    old: &Value,
) -> ErrorList {
    let result = match (group, resource) {
        ("", "namespaces") => decode::<core::Namespace>(new).and_then(|n| {
            decode::<core::Namespace>(old).map(|o| corev::validate_namespace_status_update(&n, &o))
        }),
        ("", "pods") if subresource == "ephemeralcontainers" => {
            decode::<core::Pod>(new).and_then(|n| {
                decode(old).map(|o| corev::validate_pod_ephemeral_containers_update(&n, &o))
            })
        }
        ("", "pods") if subresource == "resize" => decode::<core::Pod>(new)
            .and_then(|n| decode(old).map(|o| corev::validate_pod_resize(&n, &o))),
        ("", "persistentvolumes") => decode::<core::PersistentVolume>(new).and_then(|n| {
            decode(old).map(|o| volumes::validate_persistent_volume_status_update(&n, &o))
        }),
        ("", "persistentvolumeclaims") => {
            decode::<core::PersistentVolumeClaim>(new).and_then(|n| {
                decode(old).map(|o| volumes::validate_persistent_volume_claim_status_update(&n, &o))
            })
        }
        ("", "resourcequotas") => decode::<core::ResourceQuota>(new).and_then(|n| {
            decode(old).map(|o| resources::validate_resource_quota_status_update(&n, &o))
        }),
        ("storage.k8s.io", "volumeattachments") => decode::<storage::VolumeAttachment>(new)
            .and_then(|n| decode(old).map(|o| volumes::validate_volume_attachment_update(&n, &o))),
        ("flowcontrol.apiserver.k8s.io", "flowschemas") => {
            decode::<flowcontrol_api::FlowSchema>(new).and_then(|n| {
                decode::<flowcontrol_api::FlowSchema>(old).map(|o| {
                    let mut errs = meta_update(&n.metadata, &o.metadata);
                    errs.extend(flowcontrol::validate_flow_schema_status(&n));
                    errs
                })
            })
        }
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations") => {
            decode::<flowcontrol_api::PriorityLevelConfiguration>(new).and_then(|n| {
                decode::<flowcontrol_api::PriorityLevelConfiguration>(old).map(|o| {
                    let mut errs = meta_update(&n.metadata, &o.metadata);
                    errs.extend(flowcontrol::validate_priority_level_status(&n));
                    errs
                })
            })
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
            decode::<admission_api::ValidatingAdmissionPolicy>(new).and_then(|n| {
                decode::<admission_api::ValidatingAdmissionPolicy>(old).map(|o| {
                    let mut errs = generic_meta_update(&n, &o);
                    errs.extend(admission::validate_policy_status(&n));
                    errs
                })
            })
        }
        ("certificates.k8s.io", "certificatesigningrequests") => {
            let through = match subresource {
                "approval" => certificates::Through::Approval,
                _ => certificates::Through::Status,
            };
            csr_update(new, old, through)
        }
        _ => Ok(meta_update(&meta_of(new), &meta_of(old))),
    };
    match result {
        Ok(errs) | Err(errs) => errs,
    }
}
