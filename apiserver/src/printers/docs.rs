//! Column descriptions. Upstream's printers describe each column with the API documentation of
//! the field it shows; we read that documentation from the `k8s-openapi` schemas at runtime, so
//! the served text always follows the published API types.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use k8s_openapi::api::apiserverinternal::v1alpha1 as apiserverinternal;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::certificates::{v1 as certificates, v1beta1 as certificates_beta};
use k8s_openapi::api::coordination::{v1 as coordination, v1alpha2 as coordination_alpha};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::flowcontrol::v1 as flowcontrol;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::resource::{v1 as resource, v1alpha3 as resource_alpha};
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Where a column's description comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Doc {
    /// The documentation of property `field` in the schema `schema` returns.
    Field {
        /// The cached schema of the type holding the field.
        schema: fn() -> &'static Schema,
        /// The field's JSON name.
        field: &'static str,
    },
    /// A fixed text, for columns that show no single API field.
    Text(&'static str),
}

impl Doc {
    /// The documentation of `field` of `T`.
    pub(super) const fn field<T: JsonSchema + 'static>(field: &'static str) -> Self {
        Doc::Field { schema: schema_of::<T>, field }
    }

    /// The description text; empty when the schema does not document the field.
    pub(super) fn text(self) -> &'static str {
        match self {
            Doc::Field { schema, field } => schema()
                .get("properties")
                .and_then(|p| p.get(field))
                .and_then(|p| p.get("description"))
                .and_then(|d| d.as_str())
                .unwrap_or(""),
            Doc::Text(text) => text,
        }
    }
}

/// `T`'s schema, generated on first use and kept for the life of the process (one per type, so
/// the memory is bounded by the number of documented types).
fn schema_of<T: JsonSchema + 'static>() -> &'static Schema {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static Schema>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(T::json_schema(&mut SchemaGenerator::default()))))
}

pub(super) const META_NAME: Doc = Doc::field::<ObjectMeta>("name");
pub(super) const META_CREATION: Doc = Doc::field::<ObjectMeta>("creationTimestamp");
pub(super) const POD_IP: Doc = Doc::field::<core::PodStatus>("podIP");
pub(super) const POD_NODE_NAME: Doc = Doc::field::<core::PodSpec>("nodeName");
pub(super) const POD_NOMINATED_NODE: Doc = Doc::field::<core::PodStatus>("nominatedNodeName");
pub(super) const POD_READINESS_GATES: Doc = Doc::field::<core::PodSpec>("readinessGates");
pub(super) const POD_NODE_SELECTOR: Doc = Doc::field::<core::PodSpec>("nodeSelector");
pub(super) const RC_SPEC_REPLICAS: Doc = Doc::field::<core::ReplicationControllerSpec>("replicas");
pub(super) const RC_STATUS_REPLICAS: Doc =
    Doc::field::<core::ReplicationControllerStatus>("replicas");
pub(super) const RC_STATUS_READY: Doc =
    Doc::field::<core::ReplicationControllerStatus>("readyReplicas");
pub(super) const RC_SPEC_SELECTOR: Doc = Doc::field::<core::ReplicationControllerSpec>("selector");
pub(super) const SVC_TYPE: Doc = Doc::field::<core::ServiceSpec>("type");
pub(super) const SVC_CLUSTER_IP: Doc = Doc::field::<core::ServiceSpec>("clusterIP");
pub(super) const SVC_EXTERNAL_IPS: Doc = Doc::field::<core::ServiceSpec>("externalIPs");
pub(super) const SVC_PORTS: Doc = Doc::field::<core::ServiceSpec>("ports");
pub(super) const SVC_SELECTOR: Doc = Doc::field::<core::ServiceSpec>("selector");
pub(super) const ENDPOINTS_SUBSETS: Doc = Doc::field::<core::Endpoints>("subsets");
pub(super) const NODE_KUBELET_VERSION: Doc = Doc::field::<core::NodeSystemInfo>("kubeletVersion");
pub(super) const NODE_OS_IMAGE: Doc = Doc::field::<core::NodeSystemInfo>("osImage");
pub(super) const NODE_KERNEL_VERSION: Doc = Doc::field::<core::NodeSystemInfo>("kernelVersion");
pub(super) const NODE_CONTAINER_RUNTIME: Doc =
    Doc::field::<core::NodeSystemInfo>("containerRuntimeVersion");
pub(super) const NODE_ADDRESSES: Doc = Doc::field::<core::NodeStatus>("addresses");
pub(super) const EVENT_LAST_TIMESTAMP: Doc = Doc::field::<core::Event>("lastTimestamp");
pub(super) const EVENT_TYPE: Doc = Doc::field::<core::Event>("type");
pub(super) const EVENT_REASON: Doc = Doc::field::<core::Event>("reason");
pub(super) const EVENT_INVOLVED_OBJECT: Doc = Doc::field::<core::Event>("involvedObject");
pub(super) const EVENT_SOURCE: Doc = Doc::field::<core::Event>("source");
pub(super) const EVENT_MESSAGE: Doc = Doc::field::<core::Event>("message");
pub(super) const EVENT_FIRST_TIMESTAMP: Doc = Doc::field::<core::Event>("firstTimestamp");
pub(super) const EVENT_COUNT: Doc = Doc::field::<core::Event>("count");
pub(super) const OBJECT_REFERENCE_FIELD_PATH: Doc =
    Doc::field::<core::ObjectReference>("fieldPath");
pub(super) const SECRET_TYPE: Doc = Doc::field::<core::Secret>("type");
pub(super) const SECRET_DATA: Doc = Doc::field::<core::Secret>("data");
pub(super) const PV_CAPACITY: Doc = Doc::field::<core::PersistentVolumeSpec>("capacity");
pub(super) const PV_ACCESS_MODES: Doc = Doc::field::<core::PersistentVolumeSpec>("accessModes");
pub(super) const PV_RECLAIM_POLICY: Doc =
    Doc::field::<core::PersistentVolumeSpec>("persistentVolumeReclaimPolicy");
pub(super) const PV_CLAIM_REF: Doc = Doc::field::<core::PersistentVolumeSpec>("claimRef");
pub(super) const PV_VOLUME_MODE: Doc = Doc::field::<core::PersistentVolumeSpec>("volumeMode");
pub(super) const PV_STATUS_PHASE: Doc = Doc::field::<core::PersistentVolumeStatus>("phase");
pub(super) const PV_STATUS_REASON: Doc = Doc::field::<core::PersistentVolumeStatus>("reason");
pub(super) const PVC_STATUS_PHASE: Doc = Doc::field::<core::PersistentVolumeClaimStatus>("phase");
pub(super) const PVC_STATUS_CAPACITY: Doc =
    Doc::field::<core::PersistentVolumeClaimStatus>("capacity");
pub(super) const PVC_STATUS_ACCESS_MODES: Doc =
    Doc::field::<core::PersistentVolumeClaimStatus>("accessModes");
pub(super) const PVC_VOLUME_NAME: Doc = Doc::field::<core::PersistentVolumeClaimSpec>("volumeName");
pub(super) const PVC_VOLUME_MODE: Doc = Doc::field::<core::PersistentVolumeClaimSpec>("volumeMode");
pub(super) const CONFIGMAP_DATA: Doc = Doc::field::<core::ConfigMap>("data");
pub(super) const RS_SPEC_REPLICAS: Doc = Doc::field::<apps::ReplicaSetSpec>("replicas");
pub(super) const RS_SPEC_SELECTOR: Doc = Doc::field::<apps::ReplicaSetSpec>("selector");
pub(super) const RS_STATUS_REPLICAS: Doc = Doc::field::<apps::ReplicaSetStatus>("replicas");
pub(super) const RS_STATUS_READY: Doc = Doc::field::<apps::ReplicaSetStatus>("readyReplicas");
pub(super) const DS_DESIRED: Doc = Doc::field::<apps::DaemonSetStatus>("desiredNumberScheduled");
pub(super) const DS_CURRENT: Doc = Doc::field::<apps::DaemonSetStatus>("currentNumberScheduled");
pub(super) const DS_READY: Doc = Doc::field::<apps::DaemonSetStatus>("numberReady");
pub(super) const DS_UPDATED: Doc = Doc::field::<apps::DaemonSetStatus>("updatedNumberScheduled");
pub(super) const DS_AVAILABLE: Doc = Doc::field::<apps::DaemonSetStatus>("numberAvailable");
pub(super) const DS_SELECTOR: Doc = Doc::field::<apps::DaemonSetSpec>("selector");
pub(super) const DEPLOY_UPDATED: Doc = Doc::field::<apps::DeploymentStatus>("updatedReplicas");
pub(super) const DEPLOY_AVAILABLE: Doc = Doc::field::<apps::DeploymentStatus>("availableReplicas");
pub(super) const DEPLOY_SELECTOR: Doc = Doc::field::<apps::DeploymentSpec>("selector");
pub(super) const NETPOL_POD_SELECTOR: Doc =
    Doc::field::<networking::NetworkPolicySpec>("podSelector");
pub(super) const JOB_SUCCEEDED: Doc = Doc::field::<batch::JobStatus>("succeeded");
pub(super) const JOB_SELECTOR: Doc = Doc::field::<batch::JobSpec>("selector");
pub(super) const CRONJOB_SCHEDULE: Doc = Doc::field::<batch::CronJobSpec>("schedule");
pub(super) const CRONJOB_TIME_ZONE: Doc = Doc::field::<batch::CronJobSpec>("timeZone");
pub(super) const CRONJOB_SUSPEND: Doc = Doc::field::<batch::CronJobSpec>("suspend");
pub(super) const CRONJOB_ACTIVE: Doc = Doc::field::<batch::CronJobStatus>("active");
pub(super) const CRONJOB_LAST_SCHEDULE: Doc =
    Doc::field::<batch::CronJobStatus>("lastScheduleTime");
pub(super) const HPA_SCALE_TARGET_REF: Doc =
    Doc::field::<autoscaling::HorizontalPodAutoscalerSpec>("scaleTargetRef");
pub(super) const HPA_METRICS: Doc =
    Doc::field::<autoscaling::HorizontalPodAutoscalerSpec>("metrics");
pub(super) const HPA_MIN_REPLICAS: Doc =
    Doc::field::<autoscaling::HorizontalPodAutoscalerSpec>("minReplicas");
pub(super) const HPA_MAX_REPLICAS: Doc =
    Doc::field::<autoscaling::HorizontalPodAutoscalerSpec>("maxReplicas");
pub(super) const HPA_CURRENT_REPLICAS: Doc =
    Doc::field::<autoscaling::HorizontalPodAutoscalerStatus>("currentReplicas");
pub(super) const ROLEBINDING_ROLE_REF: Doc = Doc::field::<rbac::RoleBinding>("roleRef");
pub(super) const CLUSTERROLEBINDING_ROLE_REF: Doc =
    Doc::field::<rbac::ClusterRoleBinding>("roleRef");
pub(super) const CSR_SIGNER_NAME: Doc =
    Doc::field::<certificates::CertificateSigningRequestSpec>("signerName");
pub(super) const CSR_REQUEST: Doc =
    Doc::field::<certificates::CertificateSigningRequestSpec>("request");
pub(super) const CSR_EXPIRATION_SECONDS: Doc =
    Doc::field::<certificates::CertificateSigningRequestSpec>("expirationSeconds");
pub(super) const CSR_CONDITIONS: Doc =
    Doc::field::<certificates::CertificateSigningRequestStatus>("conditions");
pub(super) const CTB_SIGNER_NAME: Doc =
    Doc::field::<certificates_beta::ClusterTrustBundleSpec>("signerName");
pub(super) const PCR_POD_NAME: Doc =
    Doc::field::<certificates_beta::PodCertificateRequestSpec>("podName");
pub(super) const PCR_SERVICE_ACCOUNT_NAME: Doc =
    Doc::field::<certificates_beta::PodCertificateRequestSpec>("serviceAccountName");
pub(super) const PCR_NODE_NAME: Doc =
    Doc::field::<certificates_beta::PodCertificateRequestSpec>("nodeName");
pub(super) const PCR_SIGNER_NAME: Doc =
    Doc::field::<certificates_beta::PodCertificateRequestSpec>("signerName");
pub(super) const LEASE_HOLDER: Doc = Doc::field::<coordination::LeaseSpec>("holderIdentity");
pub(super) const LEASE_CANDIDATE_LEASE_NAME: Doc =
    Doc::field::<coordination_alpha::LeaseCandidateSpec>("leaseName");
pub(super) const SC_PROVISIONER: Doc = Doc::field::<storage::StorageClass>("provisioner");
pub(super) const SC_RECLAIM_POLICY: Doc = Doc::field::<storage::StorageClass>("reclaimPolicy");
pub(super) const SC_BINDING_MODE: Doc = Doc::field::<storage::StorageClass>("volumeBindingMode");
pub(super) const SC_ALLOW_EXPANSION: Doc =
    Doc::field::<storage::StorageClass>("allowVolumeExpansion");
pub(super) const VAC_DRIVER_NAME: Doc = Doc::field::<storage::VolumeAttributesClass>("driverName");
pub(super) const VA_ATTACHER: Doc = Doc::field::<storage::VolumeAttachmentSpec>("attacher");
pub(super) const VA_PV: Doc = Doc::field::<storage::VolumeAttachmentSource>("persistentVolumeName");
pub(super) const VA_NODE: Doc = Doc::field::<storage::VolumeAttachmentSpec>("nodeName");
pub(super) const VA_ATTACHED: Doc = Doc::field::<storage::VolumeAttachmentStatus>("attached");
pub(super) const CSIDRIVER_ATTACH_REQUIRED: Doc =
    Doc::field::<storage::CSIDriverSpec>("attachRequired");
pub(super) const CSIDRIVER_POD_INFO: Doc = Doc::field::<storage::CSIDriverSpec>("podInfoOnMount");
pub(super) const CSIDRIVER_STORAGE_CAPACITY: Doc =
    Doc::field::<storage::CSIDriverSpec>("storageCapacity");
pub(super) const CSIDRIVER_TOKEN_REQUESTS: Doc =
    Doc::field::<storage::CSIDriverSpec>("tokenRequests");
pub(super) const CSIDRIVER_REQUIRES_REPUBLISH: Doc =
    Doc::field::<storage::CSIDriverSpec>("requiresRepublish");
pub(super) const CSIDRIVER_MODES: Doc =
    Doc::field::<storage::CSIDriverSpec>("volumeLifecycleModes");
pub(super) const CSISC_CLASS: Doc = Doc::field::<storage::CSIStorageCapacity>("storageClassName");
pub(super) const CSISC_CAPACITY: Doc = Doc::field::<storage::CSIStorageCapacity>("capacity");
pub(super) const CONTROLLER_REVISION_REVISION: Doc =
    Doc::field::<apps::ControllerRevision>("revision");
pub(super) const PC_VALUE: Doc = Doc::field::<scheduling::PriorityClass>("value");
pub(super) const PC_GLOBAL_DEFAULT: Doc = Doc::field::<scheduling::PriorityClass>("globalDefault");
pub(super) const PC_PREEMPTION_POLICY: Doc =
    Doc::field::<scheduling::PriorityClass>("preemptionPolicy");
pub(super) const EPS_ADDRESS_TYPE: Doc = Doc::field::<discovery::EndpointSlice>("addressType");
pub(super) const EPS_PORTS: Doc = Doc::field::<discovery::EndpointSlice>("ports");
pub(super) const EPS_ENDPOINTS: Doc = Doc::field::<discovery::EndpointSlice>("endpoints");
pub(super) const FS_PRIORITY_LEVEL: Doc =
    Doc::field::<flowcontrol::PriorityLevelConfigurationReference>("name");
pub(super) const FS_MATCHING_PRECEDENCE: Doc =
    Doc::field::<flowcontrol::FlowSchemaSpec>("matchingPrecedence");
pub(super) const FS_DISTINGUISHER: Doc =
    Doc::field::<flowcontrol::FlowSchemaSpec>("distinguisherMethod");
pub(super) const PL_TYPE: Doc = Doc::field::<flowcontrol::PriorityLevelConfigurationSpec>("type");
pub(super) const PL_NCS: Doc =
    Doc::field::<flowcontrol::LimitedPriorityLevelConfiguration>("nominalConcurrencyShares");
pub(super) const PL_QUEUES: Doc = Doc::field::<flowcontrol::QueuingConfiguration>("queues");
pub(super) const PL_HAND_SIZE: Doc = Doc::field::<flowcontrol::QueuingConfiguration>("handSize");
pub(super) const PL_QUEUE_LENGTH: Doc =
    Doc::field::<flowcontrol::QueuingConfiguration>("queueLengthLimit");
pub(super) const SV_COMMON_ENCODING: Doc =
    Doc::field::<apiserverinternal::StorageVersionStatus>("commonEncodingVersion");
pub(super) const SV_STORAGE_VERSIONS: Doc =
    Doc::field::<apiserverinternal::StorageVersionStatus>("storageVersions");
pub(super) const RSLICE_NODE: Doc = Doc::field::<resource::ResourceSliceSpec>("nodeName");
pub(super) const RSLICE_DRIVER: Doc = Doc::field::<resource::ResourceSliceSpec>("driver");
pub(super) const RSLICE_POOL: Doc = Doc::field::<resource::ResourcePool>("name");
pub(super) const TAINT_KEY: Doc = Doc::field::<resource_alpha::DeviceTaint>("key");
pub(super) const TAINT_VALUE: Doc = Doc::field::<resource_alpha::DeviceTaint>("value");
pub(super) const TAINT_EFFECT: Doc = Doc::field::<resource_alpha::DeviceTaint>("effect");
pub(super) const TAINT_TIME_ADDED: Doc = Doc::field::<resource_alpha::DeviceTaint>("timeAdded");
pub(super) const SCIDR_CIDRS: Doc = Doc::field::<networking::ServiceCIDRSpec>("cidrs");
pub(super) const IPADDR_PARENT_REF: Doc = Doc::field::<networking::IPAddressSpec>("parentRef");
