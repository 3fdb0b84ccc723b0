//! Typed facts about every built-in kind that need its k8s-openapi type: the strategic merge
//! patch schema, strict (unknown and duplicate field) checking, and the typed round trip that
//! rejects values of the wrong JSON type as upstream's decoder does.

use std::collections::HashMap;
use std::sync::OnceLock;

use apimachinery::codec::{CodecError, Format, Seen, StrictDecodingError};
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
    /// Decodes a JSON body straight into the type and encodes it as JSON, telling what the
    /// type let pass (unknown or repeated members, whether the body names its type).
    pub decode_json: fn(&[u8]) -> Result<Decoded, serde_json::Error>,
}

/// A body read into its type and encoded back, with what the type let pass.
pub type Decoded = (Value, Seen);

impl std::fmt::Debug for KindOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KindOps")
    }
}

fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &Value,
) -> Result<Value, serde_json::Error> {
    roundtrip_with::<T>(v, |_| {})
}

/// The typed round trip, with `prepare` applied to the typed object on the way.
pub fn roundtrip_with<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &Value,
    prepare: impl FnOnce(&mut T),
) -> Result<Value, serde_json::Error> {
    let mut typed = T::deserialize(v)?;
    prepare(&mut typed);
    serde_json::to_value(typed)
}

fn decode_json<T: serde::de::DeserializeOwned + serde::Serialize>(
    body: &[u8],
) -> Result<Decoded, serde_json::Error> {
    decode_json_with::<T>(body, |_| {})
}

/// The straight read of a JSON body, with `prepare` applied to the typed object on the way.
pub fn decode_json_with<T: serde::de::DeserializeOwned + serde::Serialize>(
    body: &[u8],
    prepare: impl FnOnce(&mut T),
) -> Result<Decoded, serde_json::Error> {
    let (mut typed, seen) = apimachinery::codec::decode_json_tracked::<T>(body)?;
    prepare(&mut typed);
    Ok((serde_json::to_value(typed)?, seen))
}

fn ops<T>() -> KindOps
where
    T: Resource + schemars::JsonSchema + serde::de::DeserializeOwned + serde::Serialize + 'static,
{
    KindOps {
        patch_schema: PatchSchema::of::<T>,
        strict: apimachinery::codec::strict_check::<T>,
        roundtrip: roundtrip::<T>,
        decode_json: decode_json::<T>,
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn body(group: &str, version: &str, kind: &str, extra: Value) -> Vec<u8> {
        let api_version =
            if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
        let mut obj = json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": "x", "namespace": "default", "labels": {"a": "b"},
                         "annotations": {"k": "v \"q\" \u{e9}"}, "creationTimestamp": null},
        });
        if let (Some(o), Some(e)) = (obj.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        serde_json::to_vec(&obj).unwrap()
    }

    /// Reading a body straight into the type gives what the round trip through a parsed
    /// document gives, for every built-in kind.
    #[test]
    fn straight_decode_matches_the_round_trip() {
        let specs: [(&str, Value); 6] = [
            (
                "Deployment",
                json!({"spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}],
                        "resources": {"limits": {"cpu": "1.5", "memory": "1Gi"}}}]}}}}),
            ),
            (
                "Service",
                json!({"spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"a": "b"}}}),
            ),
            ("ConfigMap", json!({"data": {"a": "1", "b": ""}, "binaryData": {"c": "AAE="}})),
            (
                "Job",
                json!({"spec": {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "c", "image": "i", "command": ["sh", "-c", "exit 0"]}]}}}}),
            ),
            (
                "Pod",
                json!({"spec": {"containers": [{"name": "c", "image": "i", "env": [{"name": "X", "value": "1"}]}]},
                "status": {}}),
            ),
            (
                "Ingress",
                json!({"spec": {"rules": [{"host": "a.example", "http": {"paths": [{"path": "/",
                "pathType": "Prefix", "backend": {"service": {"name": "s", "port": {"number": 80}}}}]}}]}}),
            ),
        ];
        for ((group, version, kind), ops) in table() {
            let extra = specs.iter().find(|(k, _)| k == kind).map_or(json!({}), |(_, v)| v.clone());
            let body = body(group, version, kind, extra);
            let parsed: Value = serde_json::from_slice(&body).unwrap();
            let expected = (ops.roundtrip)(&parsed).unwrap();
            let (got, seen) = (ops.decode_json)(&body).unwrap();
            assert_eq!(got, expected, "{group}/{version} {kind}");
            assert!(seen.clean() && seen.kind && seen.api_version, "{kind}: {seen:?}");
        }
    }

    /// A body the type cannot read fails the straight read as it fails the round trip.
    #[test]
    fn straight_decode_fails_where_the_round_trip_does() {
        let ops = lookup("apps", "v1", "Deployment").unwrap();
        for bad in [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "2"}}),
            json!({"apiVersion": "v1", "kind": "Deployment"}),
            json!({"apiVersion": "apps/v1", "kind": "Pod"}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"a": 1}}}),
        ] {
            assert!((ops.roundtrip)(&bad).is_err(), "{bad}");
            assert!((ops.decode_json)(&serde_json::to_vec(&bad).unwrap()).is_err(), "{bad}");
        }
    }
}
