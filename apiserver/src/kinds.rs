//! Typed facts about every built-in kind that need its k8s-openapi type: the strategic merge
//! patch schema, strict (unknown and duplicate field) checking, and the typed round trip that
//! rejects values of the wrong JSON type as upstream's decoder does.

use std::collections::HashMap;
use std::sync::OnceLock;

use apimachinery::codec::{CodecError, Format, StrictDecodingError};
use apimachinery::patch::PatchSchema;
use k8s_openapi::Resource;
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

/// Expands `$callback!(<args> T, T, ...)` with every built-in kind that has typed operations and
/// an OpenAPI definition: the served resources and the kinds their subresources carry. The one
/// list of them; the typed-operations table here and the OpenAPI definitions both expand it.
macro_rules! for_each_builtin_kind {
    ($callback:ident!($($args:tt)*)) => {
        $callback!(
            $($args)*
            ::k8s_openapi::api::core::v1::Binding,
            ::k8s_openapi::api::core::v1::ComponentStatus,
            ::k8s_openapi::api::core::v1::ConfigMap,
            ::k8s_openapi::api::core::v1::Endpoints,
            ::k8s_openapi::api::core::v1::Event,
            ::k8s_openapi::api::core::v1::LimitRange,
            ::k8s_openapi::api::core::v1::Namespace,
            ::k8s_openapi::api::core::v1::Node,
            ::k8s_openapi::api::core::v1::PersistentVolumeClaim,
            ::k8s_openapi::api::core::v1::PersistentVolume,
            ::k8s_openapi::api::core::v1::Pod,
            ::k8s_openapi::api::core::v1::PodTemplate,
            ::k8s_openapi::api::core::v1::ReplicationController,
            ::k8s_openapi::api::core::v1::ResourceQuota,
            ::k8s_openapi::api::core::v1::Secret,
            ::k8s_openapi::api::core::v1::ServiceAccount,
            ::k8s_openapi::api::core::v1::Service,
            ::k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
            ::k8s_openapi::api::apps::v1::ControllerRevision,
            ::k8s_openapi::api::apps::v1::DaemonSet,
            ::k8s_openapi::api::apps::v1::Deployment,
            ::k8s_openapi::api::apps::v1::ReplicaSet,
            ::k8s_openapi::api::apps::v1::StatefulSet,
            ::k8s_openapi::api::events::v1::Event,
            ::k8s_openapi::api::authentication::v1::SelfSubjectReview,
            ::k8s_openapi::api::authentication::v1::TokenReview,
            ::k8s_openapi::api::authentication::v1::TokenRequest,
            ::k8s_openapi::api::authorization::v1::LocalSubjectAccessReview,
            ::k8s_openapi::api::authorization::v1::SelfSubjectAccessReview,
            ::k8s_openapi::api::authorization::v1::SelfSubjectRulesReview,
            ::k8s_openapi::api::authorization::v1::SubjectAccessReview,
            ::k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler,
            ::k8s_openapi::api::autoscaling::v1::Scale,
            ::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
            ::k8s_openapi::api::batch::v1::CronJob,
            ::k8s_openapi::api::batch::v1::Job,
            ::k8s_openapi::api::certificates::v1::CertificateSigningRequest,
            ::k8s_openapi::api::networking::v1::IngressClass,
            ::k8s_openapi::api::networking::v1::Ingress,
            ::k8s_openapi::api::networking::v1::IPAddress,
            ::k8s_openapi::api::networking::v1::NetworkPolicy,
            ::k8s_openapi::api::networking::v1::ServiceCIDR,
            ::k8s_openapi::api::policy::v1::Eviction,
            ::k8s_openapi::api::policy::v1::PodDisruptionBudget,
            ::k8s_openapi::api::rbac::v1::ClusterRoleBinding,
            ::k8s_openapi::api::rbac::v1::ClusterRole,
            ::k8s_openapi::api::rbac::v1::RoleBinding,
            ::k8s_openapi::api::rbac::v1::Role,
            ::k8s_openapi::api::storage::v1::CSIDriver,
            ::k8s_openapi::api::storage::v1::CSINode,
            ::k8s_openapi::api::storage::v1::CSIStorageCapacity,
            ::k8s_openapi::api::storage::v1::StorageClass,
            ::k8s_openapi::api::storage::v1::VolumeAttachment,
            ::k8s_openapi::api::storage::v1::VolumeAttributesClass,
            ::k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
            ::k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy,
            ::k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
            ::k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
            ::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
            ::k8s_openapi::api::scheduling::v1::PriorityClass,
            ::k8s_openapi::api::coordination::v1::Lease,
            ::k8s_openapi::api::node::v1::RuntimeClass,
            ::k8s_openapi::api::discovery::v1::EndpointSlice,
            ::k8s_openapi::api::resource::v1::DeviceClass,
            ::k8s_openapi::api::resource::v1::ResourceClaim,
            ::k8s_openapi::api::resource::v1::ResourceClaimTemplate,
            ::k8s_openapi::api::resource::v1::ResourceSlice,
            ::k8s_openapi::api::flowcontrol::v1::FlowSchema,
            ::k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration,
        )
    };
}
pub(crate) use for_each_builtin_kind;

macro_rules! kinds {
    ($($ty:ty),* $(,)?) => {
        vec![$(((<$ty as Resource>::GROUP, <$ty as Resource>::VERSION, <$ty as Resource>::KIND), ops::<$ty>())),*]
    };
}

fn table() -> &'static HashMap<(&'static str, &'static str, &'static str), KindOps> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str, &'static str), KindOps>> =
        OnceLock::new();
    TABLE.get_or_init(|| for_each_builtin_kind!(kinds!()).into_iter().collect())
}

/// The operations of a built-in kind, or `None` (custom resources).
pub fn lookup(group: &str, version: &str, kind: &str) -> Option<KindOps> {
    table().get(&(group, version, kind)).copied()
}
