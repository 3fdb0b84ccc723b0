//! Typed facts about every built-in kind that need its k8s-openapi type: the strategic merge
//! patch schema, strict (unknown and duplicate field) checking, and the typed round trip that
//! rejects values of the wrong JSON type as upstream's decoder does.

use std::collections::HashMap;
use std::sync::OnceLock;

use apimachinery::codec::{CodecError, Format, StrictDecodingError};
use apimachinery::patch::PatchSchema;
use k8s_openapi::Resource;
use k8s_openapi::api::{
    admissionregistration::v1 as admissionregistration, apps::v1 as apps,
    authentication::v1 as authentication, authorization::v1 as authorization,
    autoscaling::v1 as autoscaling_v1, autoscaling::v2 as autoscaling_v2, batch::v1 as batch,
    certificates::v1 as certificates, coordination::v1 as coordination, core::v1 as core,
    discovery::v1 as discovery, events::v1 as events, flowcontrol::v1 as flowcontrol,
    networking::v1 as networking, node::v1 as node, policy::v1 as policy, rbac::v1 as rbac,
    resource::v1 as resource, scheduling::v1 as scheduling, storage::v1 as storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use serde_json::Value;

/// What the server can do with one built-in kind through its type.
#[derive(Clone, Copy)]
pub struct KindOps {
    /// The strategic merge patch schema.
    pub patch_schema: fn() -> PatchSchema,
    /// Strict problems of a request body.
    pub strict: fn(&[u8], Format) -> Result<Option<StrictDecodingError>, CodecError>,
    /// Decodes into the type (failing on wrong JSON types) and encodes back.
    pub roundtrip: fn(&Value) -> Result<Value, serde_json::Error>,
}

impl std::fmt::Debug for KindOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KindOps")
    }
}

fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &Value,
) -> Result<Value, serde_json::Error> {
    let typed: T = T::deserialize(v)?;
    serde_json::to_value(typed)
}

fn ops<T>() -> KindOps
where
    T: Resource + schemars::JsonSchema + serde::de::DeserializeOwned + serde::Serialize + 'static,
{
    KindOps {
        patch_schema: PatchSchema::of::<T>,
        strict: apimachinery::codec::strict_check::<T>,
        roundtrip: roundtrip::<T>,
    }
}

macro_rules! kinds {
    ($($ty:ty),* $(,)?) => {
        vec![$(((<$ty as Resource>::GROUP, <$ty as Resource>::VERSION, <$ty as Resource>::KIND), ops::<$ty>())),*]
    };
}

fn table() -> &'static HashMap<(&'static str, &'static str, &'static str), KindOps> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str, &'static str), KindOps>> =
        OnceLock::new();
    TABLE.get_or_init(|| {
        kinds![
            core::Binding,
            core::ComponentStatus,
            core::ConfigMap,
            core::Endpoints,
            core::Event,
            core::LimitRange,
            core::Namespace,
            core::Node,
            core::PersistentVolumeClaim,
            core::PersistentVolume,
            core::Pod,
            core::PodTemplate,
            core::ReplicationController,
            core::ResourceQuota,
            core::Secret,
            core::ServiceAccount,
            core::Service,
            apiregistration::APIService,
            apps::ControllerRevision,
            apps::DaemonSet,
            apps::Deployment,
            apps::ReplicaSet,
            apps::StatefulSet,
            events::Event,
            authentication::SelfSubjectReview,
            authentication::TokenReview,
            authentication::TokenRequest,
            authorization::LocalSubjectAccessReview,
            authorization::SelfSubjectAccessReview,
            authorization::SelfSubjectRulesReview,
            authorization::SubjectAccessReview,
            autoscaling_v2::HorizontalPodAutoscaler,
            autoscaling_v1::HorizontalPodAutoscaler,
            autoscaling_v1::Scale,
            batch::CronJob,
            batch::Job,
            certificates::CertificateSigningRequest,
            networking::IngressClass,
            networking::Ingress,
            networking::IPAddress,
            networking::NetworkPolicy,
            networking::ServiceCIDR,
            policy::PodDisruptionBudget,
            policy::Eviction,
            rbac::ClusterRoleBinding,
            rbac::ClusterRole,
            rbac::RoleBinding,
            rbac::Role,
            storage::CSIDriver,
            storage::CSINode,
            storage::CSIStorageCapacity,
            storage::StorageClass,
            storage::VolumeAttachment,
            storage::VolumeAttributesClass,
            admissionregistration::MutatingWebhookConfiguration,
            admissionregistration::ValidatingAdmissionPolicy,
            admissionregistration::ValidatingAdmissionPolicyBinding,
            admissionregistration::ValidatingWebhookConfiguration,
            apiextensions::CustomResourceDefinition,
            scheduling::PriorityClass,
            coordination::Lease,
            node::RuntimeClass,
            discovery::EndpointSlice,
            resource::DeviceClass,
            resource::ResourceClaim,
            resource::ResourceClaimTemplate,
            resource::ResourceSlice,
            flowcontrol::FlowSchema,
            flowcontrol::PriorityLevelConfiguration,
        ]
        .into_iter()
        .collect()
    })
}

/// The operations of a built-in kind, or `None` (custom resources).
pub fn lookup(group: &str, version: &str, kind: &str) -> Option<KindOps> {
    table().get(&(group, version, kind)).copied()
}
