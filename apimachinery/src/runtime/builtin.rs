//! The resources kube-apiserver v1.35 serves with its default configuration: every GA
//! group/version (no beta or alpha version is on by default since v1.24's policy, and none is in
//! v1.35), with the discovery facts upstream's REST storages declare.
//!
//! Group, version, kind, plural and scope come from k8s-openapi's `Resource` trait so they cannot
//! drift from the API types; only what the trait does not carry (singular name, short names,
//! categories, verbs, subresources) is written here, taken from upstream's discovery documents.

use std::sync::OnceLock;

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

use super::table::{
    ApiGroupInfo, ApiServicePriority, ApiVersionInfo, ResourceInfo, ResourceTable, SubresourceInfo,
};

/// Maps k8s-openapi's scope marker types to a flag usable in a `static`.
trait ScopeFlag {
    const NAMESPACED: bool;
}

impl ScopeFlag for k8s_openapi::NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl ScopeFlag for k8s_openapi::ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// Where a subresource's kind comes from.
enum SubKind {
    /// The parent's own kind (`status`, `log`, `ephemeralcontainers`, ...).
    Parent,
    /// A kind in the parent's group/version that k8s-openapi has no `Resource` for
    /// (`PodExecOptions`, `NodeProxyOptions`, ...).
    Local(&'static str),
    /// A kind from another type (`autoscaling/v1 Scale`, `policy/v1 Eviction`, ...).
    Typed { group: &'static str, version: &'static str, kind: &'static str },
}

struct SubRow {
    name: &'static str,
    kind: SubKind,
    verbs: &'static [&'static str],
}

struct Row {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    singular: &'static str,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    verbs: &'static [&'static str],
    subresources: &'static [SubRow],
}

/// Every verb a generic registry store serves.
const ALL: &[&str] =
    &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
/// Namespaces: deletion goes through finalization, so no `deletecollection`.
const NO_COLLECTION_DELETE: &[&str] =
    &["create", "delete", "get", "list", "patch", "update", "watch"];
const CREATE: &[&str] = &["create"];
const GET_LIST: &[&str] = &["get", "list"];
const GET: &[&str] = &["get"];
const UPDATE: &[&str] = &["update"];
/// Subresources served by a getter/updater (`status`, `scale`, `approval`, ...).
const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];
/// Proxy connecters accept GET/POST/PUT/PATCH/DELETE (HEAD and OPTIONS have no discovery verb).
const PROXY: &[&str] = &["create", "delete", "get", "patch", "update"];
/// Streaming connecters (`exec`, `attach`, `portforward`) accept GET and POST.
const STREAM: &[&str] = &["create", "get"];

const fn parent(name: &'static str, verbs: &'static [&'static str]) -> SubRow {
    SubRow { name, kind: SubKind::Parent, verbs }
}

const fn local(name: &'static str, kind: &'static str, verbs: &'static [&'static str]) -> SubRow {
    SubRow { name, kind: SubKind::Local(kind), verbs }
}

const fn typed<T: Resource>(name: &'static str, verbs: &'static [&'static str]) -> SubRow {
    SubRow {
        name,
        kind: SubKind::Typed { group: T::GROUP, version: T::VERSION, kind: T::KIND },
        verbs,
    }
}

const STATUS: SubRow = parent("status", GET_PATCH_UPDATE);
const SCALE: SubRow = typed::<autoscaling_v1::Scale>("scale", GET_PATCH_UPDATE);

/// `row!(Type, singular, short names, categories, verbs, subresources)`: the rest comes from
/// the type's `Resource` impl.
macro_rules! row {
    ($ty:ty, $singular:expr, $short:expr, $cat:expr, $verbs:expr, $subs:expr $(,)?) => {
        Row {
            group: <$ty as Resource>::GROUP,
            version: <$ty as Resource>::VERSION,
            kind: <$ty as Resource>::KIND,
            plural: <$ty as Resource>::URL_PATH_SEGMENT,
            namespaced: <<$ty as Resource>::Scope as ScopeFlag>::NAMESPACED,
            singular: $singular,
            short_names: $short,
            categories: $cat,
            verbs: $verbs,
            subresources: $subs,
        }
    };
}

static ROWS: &[Row] = &[
    // core/v1
    row!(core::Binding, "binding", &[], &[], CREATE, &[]),
    row!(core::ComponentStatus, "componentstatus", &["cs"], &[], GET_LIST, &[]),
    row!(core::ConfigMap, "configmap", &["cm"], &[], ALL, &[]),
    row!(core::Endpoints, "endpoints", &["ep"], &[], ALL, &[]),
    row!(core::Event, "event", &["ev"], &[], ALL, &[]),
    row!(core::LimitRange, "limitrange", &["limits"], &[], ALL, &[]),
    row!(
        core::Namespace,
        "namespace",
        &["ns"],
        &[],
        NO_COLLECTION_DELETE,
        &[parent("finalize", UPDATE), STATUS]
    ),
    row!(
        core::Node,
        "node",
        &["no"],
        &[],
        ALL,
        &[local("proxy", "NodeProxyOptions", PROXY), STATUS]
    ),
    row!(core::PersistentVolumeClaim, "persistentvolumeclaim", &["pvc"], &[], ALL, &[STATUS]),
    row!(core::PersistentVolume, "persistentvolume", &["pv"], &[], ALL, &[STATUS]),
    row!(
        core::Pod,
        "pod",
        &["po"],
        &["all"],
        ALL,
        &[
            local("attach", "PodAttachOptions", STREAM),
            typed::<core::Binding>("binding", CREATE),
            parent("ephemeralcontainers", GET_PATCH_UPDATE),
            typed::<policy::Eviction>("eviction", CREATE),
            local("exec", "PodExecOptions", STREAM),
            parent("log", GET),
            local("portforward", "PodPortForwardOptions", STREAM),
            local("proxy", "PodProxyOptions", PROXY),
            parent("resize", GET_PATCH_UPDATE),
            STATUS,
        ]
    ),
    row!(core::PodTemplate, "podtemplate", &[], &[], ALL, &[]),
    row!(
        core::ReplicationController,
        "replicationcontroller",
        &["rc"],
        &["all"],
        ALL,
        &[SCALE, STATUS]
    ),
    row!(core::ResourceQuota, "resourcequota", &["quota"], &[], ALL, &[STATUS]),
    row!(core::Secret, "secret", &[], &[], ALL, &[]),
    row!(
        core::ServiceAccount,
        "serviceaccount",
        &["sa"],
        &[],
        ALL,
        &[typed::<authentication::TokenRequest>("token", CREATE)]
    ),
    row!(
        core::Service,
        "service",
        &["svc"],
        &["all"],
        ALL,
        &[local("proxy", "ServiceProxyOptions", PROXY), STATUS]
    ),
    // apiregistration.k8s.io/v1
    row!(apiregistration::APIService, "apiservice", &[], &["api-extensions"], ALL, &[STATUS]),
    // apps/v1
    row!(apps::ControllerRevision, "controllerrevision", &[], &[], ALL, &[]),
    row!(apps::DaemonSet, "daemonset", &["ds"], &["all"], ALL, &[STATUS]),
    row!(apps::Deployment, "deployment", &["deploy"], &["all"], ALL, &[SCALE, STATUS]),
    row!(apps::ReplicaSet, "replicaset", &["rs"], &["all"], ALL, &[SCALE, STATUS]),
    row!(apps::StatefulSet, "statefulset", &["sts"], &["all"], ALL, &[SCALE, STATUS]),
    // events.k8s.io/v1 shares core events' storage, short name included.
    row!(events::Event, "event", &["ev"], &[], ALL, &[]),
    // authentication.k8s.io/v1
    row!(authentication::SelfSubjectReview, "selfsubjectreview", &[], &[], CREATE, &[]),
    row!(authentication::TokenReview, "tokenreview", &[], &[], CREATE, &[]),
    // authorization.k8s.io/v1
    row!(
        authorization::LocalSubjectAccessReview,
        "localsubjectaccessreview",
        &[],
        &[],
        CREATE,
        &[]
    ),
    row!(authorization::SelfSubjectAccessReview, "selfsubjectaccessreview", &[], &[], CREATE, &[]),
    row!(authorization::SelfSubjectRulesReview, "selfsubjectrulesreview", &[], &[], CREATE, &[]),
    row!(authorization::SubjectAccessReview, "subjectaccessreview", &[], &[], CREATE, &[]),
    // autoscaling/v2 and autoscaling/v1
    row!(
        autoscaling_v2::HorizontalPodAutoscaler,
        "horizontalpodautoscaler",
        &["hpa"],
        &["all"],
        ALL,
        &[STATUS]
    ),
    row!(
        autoscaling_v1::HorizontalPodAutoscaler,
        "horizontalpodautoscaler",
        &["hpa"],
        &["all"],
        ALL,
        &[STATUS]
    ),
    // batch/v1
    row!(batch::CronJob, "cronjob", &["cj"], &["all"], ALL, &[STATUS]),
    row!(batch::Job, "job", &[], &["all"], ALL, &[STATUS]),
    // certificates.k8s.io/v1
    row!(
        certificates::CertificateSigningRequest,
        "certificatesigningrequest",
        &["csr"],
        &[],
        ALL,
        &[parent("approval", GET_PATCH_UPDATE), STATUS]
    ),
    // networking.k8s.io/v1
    row!(networking::IngressClass, "ingressclass", &[], &[], ALL, &[]),
    row!(networking::Ingress, "ingress", &["ing"], &[], ALL, &[STATUS]),
    row!(networking::IPAddress, "ipaddress", &["ip"], &[], ALL, &[]),
    row!(networking::NetworkPolicy, "networkpolicy", &["netpol"], &[], ALL, &[]),
    row!(networking::ServiceCIDR, "servicecidr", &[], &[], ALL, &[STATUS]),
    // policy/v1
    row!(policy::PodDisruptionBudget, "poddisruptionbudget", &["pdb"], &[], ALL, &[STATUS]),
    // rbac.authorization.k8s.io/v1
    row!(rbac::ClusterRoleBinding, "clusterrolebinding", &[], &[], ALL, &[]),
    row!(rbac::ClusterRole, "clusterrole", &[], &[], ALL, &[]),
    row!(rbac::RoleBinding, "rolebinding", &[], &[], ALL, &[]),
    row!(rbac::Role, "role", &[], &[], ALL, &[]),
    // storage.k8s.io/v1
    row!(storage::CSIDriver, "csidriver", &[], &[], ALL, &[]),
    row!(storage::CSINode, "csinode", &[], &[], ALL, &[]),
    row!(storage::CSIStorageCapacity, "csistoragecapacity", &[], &[], ALL, &[]),
    row!(storage::StorageClass, "storageclass", &["sc"], &[], ALL, &[]),
    row!(storage::VolumeAttachment, "volumeattachment", &[], &[], ALL, &[STATUS]),
    row!(storage::VolumeAttributesClass, "volumeattributesclass", &["vac"], &[], ALL, &[]),
    // admissionregistration.k8s.io/v1
    row!(
        admissionregistration::MutatingWebhookConfiguration,
        "mutatingwebhookconfiguration",
        &[],
        &["api-extensions"],
        ALL,
        &[]
    ),
    row!(
        admissionregistration::ValidatingAdmissionPolicy,
        "validatingadmissionpolicy",
        &[],
        &["api-extensions"],
        ALL,
        &[STATUS]
    ),
    row!(
        admissionregistration::ValidatingAdmissionPolicyBinding,
        "validatingadmissionpolicybinding",
        &[],
        &["api-extensions"],
        ALL,
        &[]
    ),
    row!(
        admissionregistration::ValidatingWebhookConfiguration,
        "validatingwebhookconfiguration",
        &[],
        &["api-extensions"],
        ALL,
        &[]
    ),
    // apiextensions.k8s.io/v1
    row!(
        apiextensions::CustomResourceDefinition,
        "customresourcedefinition",
        &["crd", "crds"],
        &["api-extensions"],
        ALL,
        &[STATUS]
    ),
    // scheduling.k8s.io/v1
    row!(scheduling::PriorityClass, "priorityclass", &["pc"], &[], ALL, &[]),
    // coordination.k8s.io/v1
    row!(coordination::Lease, "lease", &[], &[], ALL, &[]),
    // node.k8s.io/v1
    row!(node::RuntimeClass, "runtimeclass", &[], &[], ALL, &[]),
    // discovery.k8s.io/v1
    row!(discovery::EndpointSlice, "endpointslice", &[], &[], ALL, &[]),
    // resource.k8s.io/v1
    row!(resource::DeviceClass, "deviceclass", &[], &[], ALL, &[]),
    row!(resource::ResourceClaim, "resourceclaim", &[], &[], ALL, &[STATUS]),
    row!(resource::ResourceClaimTemplate, "resourceclaimtemplate", &[], &[], ALL, &[]),
    row!(resource::ResourceSlice, "resourceslice", &[], &[], ALL, &[]),
    // flowcontrol.apiserver.k8s.io/v1
    row!(flowcontrol::FlowSchema, "flowschema", &[], &[], ALL, &[STATUS]),
    row!(
        flowcontrol::PriorityLevelConfiguration,
        "prioritylevelconfiguration",
        &[],
        &[],
        ALL,
        &[STATUS]
    ),
];

/// Group name, then each served version with its APIService priority
/// (`GroupPriorityMinimum`, `VersionPriority`) as kube-apiserver registers it.
/// `apiregistration.k8s.io` is served by the aggregator itself, which always lists it first and
/// registers no APIService for it.
type GroupRow = (&'static str, &'static [(&'static str, Option<(i32, i32)>)]);

static GROUPS: &[GroupRow] = &[
    ("", &[("v1", Some((18000, 1)))]),
    ("apiregistration.k8s.io", &[("v1", None)]),
    ("apps", &[("v1", Some((17800, 15)))]),
    ("events.k8s.io", &[("v1", Some((17750, 15)))]),
    ("authentication.k8s.io", &[("v1", Some((17700, 15)))]),
    ("authorization.k8s.io", &[("v1", Some((17600, 15)))]),
    ("autoscaling", &[("v2", Some((17500, 30))), ("v1", Some((17500, 15)))]),
    ("batch", &[("v1", Some((17400, 15)))]),
    ("certificates.k8s.io", &[("v1", Some((17300, 15)))]),
    ("networking.k8s.io", &[("v1", Some((17200, 15)))]),
    ("policy", &[("v1", Some((17100, 15)))]),
    ("rbac.authorization.k8s.io", &[("v1", Some((17000, 15)))]),
    ("storage.k8s.io", &[("v1", Some((16800, 15)))]),
    ("admissionregistration.k8s.io", &[("v1", Some((16700, 15)))]),
    ("apiextensions.k8s.io", &[("v1", Some((16700, 15)))]),
    ("scheduling.k8s.io", &[("v1", Some((16600, 15)))]),
    ("coordination.k8s.io", &[("v1", Some((16500, 15)))]),
    ("node.k8s.io", &[("v1", Some((16300, 15)))]),
    ("discovery.k8s.io", &[("v1", Some((16200, 15)))]),
    ("resource.k8s.io", &[("v1", Some((16200, 21)))]),
    ("flowcontrol.apiserver.k8s.io", &[("v1", Some((16100, 21)))]),
];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

fn resource_info(row: &Row) -> ResourceInfo {
    let subresources = row
        .subresources
        .iter()
        .map(|sub| {
            let (group, version, kind) = match sub.kind {
                SubKind::Parent => (row.group, row.version, row.kind),
                SubKind::Local(kind) => (row.group, row.version, kind),
                SubKind::Typed { group, version, kind } => (group, version, kind),
            };
            SubresourceInfo {
                name: sub.name.to_string(),
                group: group.to_string(),
                version: version.to_string(),
                kind: kind.to_string(),
                verbs: strings(sub.verbs),
            }
        })
        .collect();
    ResourceInfo {
        group: row.group.to_string(),
        version: row.version.to_string(),
        kind: row.kind.to_string(),
        resource: row.plural.to_string(),
        singular_name: row.singular.to_string(),
        namespaced: row.namespaced,
        short_names: strings(row.short_names),
        categories: strings(row.categories),
        verbs: strings(row.verbs),
        subresources,
    }
}

fn group_info(&(name, versions): &GroupRow) -> ApiGroupInfo {
    ApiGroupInfo {
        name: name.to_string(),
        versions: versions
            .iter()
            .map(|&(version, priority)| ApiVersionInfo {
                version: version.to_string(),
                priority: priority.map(|(group, version)| ApiServicePriority { group, version }),
            })
            .collect(),
    }
}

/// Builds the built-in table once.
pub(super) fn builtin_table() -> &'static ResourceTable {
    static TABLE: OnceLock<ResourceTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let groups = GROUPS.iter().map(group_info).collect();
        let resources = ROWS.iter().map(resource_info).collect();
        // The rows and groups above are fixed data checked by the tests; a mismatch is a bug
        // in this file, not bad input.
        match ResourceTable::new(groups, resources) {
            Ok(table) => table,
            Err(err) => panic!("built-in resource table is inconsistent: {err}"),
        }
    })
}
