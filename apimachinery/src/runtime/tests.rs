//! Tests for the built-in resource table and the RESTMapper lookups. Expected values are what
//! a kube-apiserver v1.35 serves (its discovery documents, `kubectl api-resources`,
//! `kubectl api-versions`) and what client-go's mappers answer.

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

use super::*;
use crate::schema::{
    GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource,
};

fn table() -> &'static ResourceTable {
    ResourceTable::builtin()
}

fn gvr(group: &str, version: &str, resource: &str) -> GroupVersionResource {
    GroupVersionResource::new(group, version, resource)
}

fn gvk(group: &str, version: &str, kind: &str) -> GroupVersionKind {
    GroupVersionKind::new(group, version, kind)
}

// ---------------------------------------------------------------------------------------------
// The table against k8s-openapi

/// What the k8s-openapi type says a resource is: group, version, kind, plural, namespaced.
fn openapi_facts<T: k8s_openapi::Resource>(namespaced: bool) -> (GroupVersionKind, String, bool) {
    (gvk(T::GROUP, T::VERSION, T::KIND), T::URL_PATH_SEGMENT.to_string(), namespaced)
}

/// Scope is a type in k8s-openapi; this turns it into the flag for the comparison.
trait Namespaced {
    const YES: bool;
}
impl Namespaced for k8s_openapi::NamespaceResourceScope {
    const YES: bool = true;
}
impl Namespaced for k8s_openapi::ClusterResourceScope {
    const YES: bool = false;
}

fn facts<T>() -> (GroupVersionKind, String, bool)
where
    T: k8s_openapi::Resource,
    T::Scope: Namespaced,
{
    openapi_facts::<T>(<T::Scope as Namespaced>::YES)
}

/// Every type kube-apiserver v1.35 serves by default, listed independently of the table.
fn served_types() -> Vec<(GroupVersionKind, String, bool)> {
    vec![
        facts::<core::Binding>(),
        facts::<core::ComponentStatus>(),
        facts::<core::ConfigMap>(),
        facts::<core::Endpoints>(),
        facts::<core::Event>(),
        facts::<core::LimitRange>(),
        facts::<core::Namespace>(),
        facts::<core::Node>(),
        facts::<core::PersistentVolumeClaim>(),
        facts::<core::PersistentVolume>(),
        facts::<core::Pod>(),
        facts::<core::PodTemplate>(),
        facts::<core::ReplicationController>(),
        facts::<core::ResourceQuota>(),
        facts::<core::Secret>(),
        facts::<core::ServiceAccount>(),
        facts::<core::Service>(),
        facts::<admissionregistration::MutatingWebhookConfiguration>(),
        facts::<admissionregistration::ValidatingAdmissionPolicy>(),
        facts::<admissionregistration::ValidatingAdmissionPolicyBinding>(),
        facts::<admissionregistration::ValidatingWebhookConfiguration>(),
        facts::<apiextensions::CustomResourceDefinition>(),
        facts::<apiregistration::APIService>(),
        facts::<apps::ControllerRevision>(),
        facts::<apps::DaemonSet>(),
        facts::<apps::Deployment>(),
        facts::<apps::ReplicaSet>(),
        facts::<apps::StatefulSet>(),
        facts::<authentication::SelfSubjectReview>(),
        facts::<authentication::TokenReview>(),
        facts::<authorization::LocalSubjectAccessReview>(),
        facts::<authorization::SelfSubjectAccessReview>(),
        facts::<authorization::SelfSubjectRulesReview>(),
        facts::<authorization::SubjectAccessReview>(),
        facts::<autoscaling_v1::HorizontalPodAutoscaler>(),
        facts::<autoscaling_v2::HorizontalPodAutoscaler>(),
        facts::<batch::CronJob>(),
        facts::<batch::Job>(),
        facts::<certificates::CertificateSigningRequest>(),
        facts::<coordination::Lease>(),
        facts::<discovery::EndpointSlice>(),
        facts::<events::Event>(),
        facts::<flowcontrol::FlowSchema>(),
        facts::<flowcontrol::PriorityLevelConfiguration>(),
        facts::<networking::IngressClass>(),
        facts::<networking::Ingress>(),
        facts::<networking::IPAddress>(),
        facts::<networking::NetworkPolicy>(),
        facts::<networking::ServiceCIDR>(),
        facts::<node::RuntimeClass>(),
        facts::<policy::PodDisruptionBudget>(),
        facts::<rbac::ClusterRoleBinding>(),
        facts::<rbac::ClusterRole>(),
        facts::<rbac::RoleBinding>(),
        facts::<rbac::Role>(),
        facts::<resource::DeviceClass>(),
        facts::<resource::ResourceClaim>(),
        facts::<resource::ResourceClaimTemplate>(),
        facts::<resource::ResourceSlice>(),
        facts::<scheduling::PriorityClass>(),
        facts::<storage::CSIDriver>(),
        facts::<storage::CSINode>(),
        facts::<storage::CSIStorageCapacity>(),
        facts::<storage::StorageClass>(),
        facts::<storage::VolumeAttachment>(),
        facts::<storage::VolumeAttributesClass>(),
    ]
}

#[test]
fn test_every_entry_matches_k8s_openapi() {
    let served = served_types();
    assert_eq!(table().resources().len(), served.len(), "entry count");
    for (kind, plural, namespaced) in &served {
        let info = table().by_gvk(kind).unwrap_or_else(|| panic!("{kind} missing from the table"));
        assert_eq!(&info.resource, plural, "{kind}");
        assert_eq!(info.namespaced, *namespaced, "{kind}");
        assert_eq!(info.gvk(), *kind);
        assert_eq!(table().by_gvr(&info.gvr()).map(ResourceInfo::gvk), Some(kind.clone()));
    }
}

#[test]
fn test_subresource_kinds_match_k8s_openapi() {
    use k8s_openapi::Resource;
    let scale = gvk(
        autoscaling_v1::Scale::GROUP,
        autoscaling_v1::Scale::VERSION,
        autoscaling_v1::Scale::KIND,
    );
    for r in table().resources() {
        if let Some(sub) = r.subresource("scale") {
            assert_eq!(sub.gvk(), scale, "{}", r.resource);
        }
    }
    let eviction = table().subresource_kind(&gvr("", "v1", "pods"), "eviction");
    assert_eq!(
        eviction,
        Some(gvk(policy::Eviction::GROUP, policy::Eviction::VERSION, policy::Eviction::KIND))
    );
    let token = table().subresource_kind(&gvr("", "v1", "serviceaccounts"), "token");
    assert_eq!(
        token,
        Some(gvk(
            authentication::TokenRequest::GROUP,
            authentication::TokenRequest::VERSION,
            authentication::TokenRequest::KIND
        ))
    );
}

#[test]
fn test_singular_names_are_lower_case_kinds() {
    for r in table().resources() {
        assert_eq!(r.singular_name, r.kind.to_lowercase(), "{}", r.resource);
    }
}

#[test]
fn test_verbs_and_subresources_sorted() {
    for r in table().resources() {
        let mut verbs = r.verbs.clone();
        verbs.sort();
        assert_eq!(verbs, r.verbs, "{}", r.resource);
        let names: Vec<&str> = r.subresources.iter().map(|s| s.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "{}", r.resource);
    }
}

#[test]
fn test_short_names_unique() {
    // A short name may be shared only by versions (and groups) of the same resource name, as
    // `ev` is by core and events.k8s.io events.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for r in table().resources() {
        for short in &r.short_names {
            if let Some((_, owner)) = seen.iter().find(|(s, _)| s == short) {
                assert_eq!(*owner, r.resource.as_str(), "short name {short}");
            } else {
                seen.push((short, &r.resource));
            }
            assert!(
                table().resources().iter().all(|o| !o.is_named(short)),
                "short name {short} shadows a resource name"
            );
        }
    }
    assert_eq!(seen.len(), 30);
}

// ---------------------------------------------------------------------------------------------
// `kubectl api-resources` and `kubectl api-versions`

/// `kubectl api-resources` of a default v1.35 cluster: NAME|SHORTNAMES|APIVERSION|NAMESPACED|KIND.
const API_RESOURCES: &str = "\
bindings||v1|true|Binding
componentstatuses|cs|v1|false|ComponentStatus
configmaps|cm|v1|true|ConfigMap
endpoints|ep|v1|true|Endpoints
events|ev|v1|true|Event
limitranges|limits|v1|true|LimitRange
namespaces|ns|v1|false|Namespace
nodes|no|v1|false|Node
persistentvolumeclaims|pvc|v1|true|PersistentVolumeClaim
persistentvolumes|pv|v1|false|PersistentVolume
pods|po|v1|true|Pod
podtemplates||v1|true|PodTemplate
replicationcontrollers|rc|v1|true|ReplicationController
resourcequotas|quota|v1|true|ResourceQuota
secrets||v1|true|Secret
serviceaccounts|sa|v1|true|ServiceAccount
services|svc|v1|true|Service
mutatingwebhookconfigurations||admissionregistration.k8s.io/v1|false|MutatingWebhookConfiguration
validatingadmissionpolicies||admissionregistration.k8s.io/v1|false|ValidatingAdmissionPolicy
validatingadmissionpolicybindings||admissionregistration.k8s.io/v1|false|ValidatingAdmissionPolicyBinding
validatingwebhookconfigurations||admissionregistration.k8s.io/v1|false|ValidatingWebhookConfiguration
customresourcedefinitions|crd,crds|apiextensions.k8s.io/v1|false|CustomResourceDefinition
apiservices||apiregistration.k8s.io/v1|false|APIService
controllerrevisions||apps/v1|true|ControllerRevision
daemonsets|ds|apps/v1|true|DaemonSet
deployments|deploy|apps/v1|true|Deployment
replicasets|rs|apps/v1|true|ReplicaSet
statefulsets|sts|apps/v1|true|StatefulSet
selfsubjectreviews||authentication.k8s.io/v1|false|SelfSubjectReview
tokenreviews||authentication.k8s.io/v1|false|TokenReview
localsubjectaccessreviews||authorization.k8s.io/v1|true|LocalSubjectAccessReview
selfsubjectaccessreviews||authorization.k8s.io/v1|false|SelfSubjectAccessReview
selfsubjectrulesreviews||authorization.k8s.io/v1|false|SelfSubjectRulesReview
subjectaccessreviews||authorization.k8s.io/v1|false|SubjectAccessReview
horizontalpodautoscalers|hpa|autoscaling/v2|true|HorizontalPodAutoscaler
cronjobs|cj|batch/v1|true|CronJob
jobs||batch/v1|true|Job
certificatesigningrequests|csr|certificates.k8s.io/v1|false|CertificateSigningRequest
leases||coordination.k8s.io/v1|true|Lease
endpointslices||discovery.k8s.io/v1|true|EndpointSlice
events|ev|events.k8s.io/v1|true|Event
flowschemas||flowcontrol.apiserver.k8s.io/v1|false|FlowSchema
prioritylevelconfigurations||flowcontrol.apiserver.k8s.io/v1|false|PriorityLevelConfiguration
ingressclasses||networking.k8s.io/v1|false|IngressClass
ingresses|ing|networking.k8s.io/v1|true|Ingress
ipaddresses|ip|networking.k8s.io/v1|false|IPAddress
networkpolicies|netpol|networking.k8s.io/v1|true|NetworkPolicy
servicecidrs||networking.k8s.io/v1|false|ServiceCIDR
runtimeclasses||node.k8s.io/v1|false|RuntimeClass
poddisruptionbudgets|pdb|policy/v1|true|PodDisruptionBudget
clusterrolebindings||rbac.authorization.k8s.io/v1|false|ClusterRoleBinding
clusterroles||rbac.authorization.k8s.io/v1|false|ClusterRole
rolebindings||rbac.authorization.k8s.io/v1|true|RoleBinding
roles||rbac.authorization.k8s.io/v1|true|Role
deviceclasses||resource.k8s.io/v1|false|DeviceClass
resourceclaims||resource.k8s.io/v1|true|ResourceClaim
resourceclaimtemplates||resource.k8s.io/v1|true|ResourceClaimTemplate
resourceslices||resource.k8s.io/v1|false|ResourceSlice
priorityclasses|pc|scheduling.k8s.io/v1|false|PriorityClass
csidrivers||storage.k8s.io/v1|false|CSIDriver
csinodes||storage.k8s.io/v1|false|CSINode
csistoragecapacities||storage.k8s.io/v1|true|CSIStorageCapacity
storageclasses|sc|storage.k8s.io/v1|false|StorageClass
volumeattachments||storage.k8s.io/v1|false|VolumeAttachment
volumeattributesclasses|vac|storage.k8s.io/v1|false|VolumeAttributesClass
";

#[test]
fn test_kubectl_api_resources() {
    // kubectl sorts the preferred resources by group, then by name.
    let mut rows = table().preferred_resources();
    rows.sort_by(|a, b| a.group.cmp(&b.group).then_with(|| a.resource.cmp(&b.resource)));
    let got: String = rows
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}\n",
                r.resource,
                r.short_names.join(","),
                r.api_version(),
                r.namespaced,
                r.kind
            )
        })
        .collect();
    let expected: Vec<&str> = API_RESOURCES.lines().collect();
    let got_lines: Vec<&str> = got.lines().collect();
    for (g, e) in got_lines.iter().zip(&expected) {
        assert_eq!(g, e);
    }
    assert_eq!(got_lines.len(), expected.len());
}

#[test]
fn test_kubectl_api_versions() {
    let expected = [
        "admissionregistration.k8s.io/v1",
        "apiextensions.k8s.io/v1",
        "apiregistration.k8s.io/v1",
        "apps/v1",
        "authentication.k8s.io/v1",
        "authorization.k8s.io/v1",
        "autoscaling/v1",
        "autoscaling/v2",
        "batch/v1",
        "certificates.k8s.io/v1",
        "coordination.k8s.io/v1",
        "discovery.k8s.io/v1",
        "events.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1",
        "networking.k8s.io/v1",
        "node.k8s.io/v1",
        "policy/v1",
        "rbac.authorization.k8s.io/v1",
        "resource.k8s.io/v1",
        "scheduling.k8s.io/v1",
        "storage.k8s.io/v1",
        "v1",
    ];
    assert_eq!(table().api_versions(), expected);
}

#[test]
fn test_discovery_group_order() {
    // `/apis` order: apiregistration first (the aggregator's own group), then by APIService
    // group priority, ties by name.
    let names: Vec<&str> = table().groups().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "",
            "apiregistration.k8s.io",
            "apps",
            "events.k8s.io",
            "authentication.k8s.io",
            "authorization.k8s.io",
            "autoscaling",
            "batch",
            "certificates.k8s.io",
            "networking.k8s.io",
            "policy",
            "rbac.authorization.k8s.io",
            "storage.k8s.io",
            "admissionregistration.k8s.io",
            "apiextensions.k8s.io",
            "scheduling.k8s.io",
            "coordination.k8s.io",
            "node.k8s.io",
            "discovery.k8s.io",
            "resource.k8s.io",
            "flowcontrol.apiserver.k8s.io",
        ]
    );
    // The listed order agrees with the priorities it comes from.
    let prios: Vec<(i32, &str)> = table()
        .groups()
        .iter()
        .skip(2)
        .map(|g| {
            let p = g.versions.iter().filter_map(|v| v.priority).map(|p| p.group).max();
            (-p.unwrap_or(0), g.name.as_str())
        })
        .collect();
    let mut sorted = prios.clone();
    sorted.sort();
    assert_eq!(prios, sorted);
}

#[test]
fn test_preferred_versions() {
    let cases = [
        ("", Some("v1"), vec!["v1"]),
        ("autoscaling", Some("v2"), vec!["v2", "v1"]),
        ("apps", Some("v1"), vec!["v1"]),
        ("resource.k8s.io", Some("v1"), vec!["v1"]),
    ];
    for (group, preferred, versions) in cases {
        let g = table().group(group).expect(group);
        assert_eq!(g.preferred_version(), preferred, "{group}");
        let got: Vec<&str> = g.versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(got, versions, "{group}");
    }
    assert!(table().group("extensions").is_none());
    assert!(table().group("storagemigration.k8s.io").is_none());
    assert_eq!(
        table().group("autoscaling").map(|g| g.group_versions()),
        Some(vec![GroupVersion::new("autoscaling", "v2"), GroupVersion::new("autoscaling", "v1")])
    );
    assert_eq!(
        table().group("autoscaling").and_then(|g| g.versions[0].priority),
        Some(ApiServicePriority { group: 17500, version: 30 })
    );
    assert_eq!(table().group("apiregistration.k8s.io").map(|g| g.versions[0].priority), Some(None));
}

#[test]
fn test_resources_in_group_version() {
    let check = |gv: GroupVersion, expected: &[&str]| {
        let got: Vec<&str> = table().resources_in(&gv).map(|r| r.resource.as_str()).collect();
        assert_eq!(got, expected, "{gv}");
    };
    check(
        GroupVersion::new("apps", "v1"),
        &["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"],
    );
    check(GroupVersion::new("autoscaling", "v1"), &["horizontalpodautoscalers"]);
    check(
        GroupVersion::new("resource.k8s.io", "v1"),
        &["deviceclasses", "resourceclaims", "resourceclaimtemplates", "resourceslices"],
    );
    check(
        GroupVersion::new("authorization.k8s.io", "v1"),
        &[
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews",
        ],
    );
    check(GroupVersion::new("apps", "v1beta1"), &[]);
    assert_eq!(table().resources_in(&GroupVersion::new("", "v1")).count(), 17);
}

// ---------------------------------------------------------------------------------------------
// Verbs, categories, subresources

#[test]
fn test_verbs() {
    const ALL: &[&str] =
        &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("", "v1", "pods", ALL),
        ("", "v1", "services", ALL),
        ("", "v1", "nodes", ALL),
        ("", "v1", "bindings", &["create"]),
        ("", "v1", "componentstatuses", &["get", "list"]),
        ("", "v1", "namespaces", &["create", "delete", "get", "list", "patch", "update", "watch"]),
        ("apps", "v1", "deployments", ALL),
        ("authentication.k8s.io", "v1", "tokenreviews", &["create"]),
        ("authentication.k8s.io", "v1", "selfsubjectreviews", &["create"]),
        ("authorization.k8s.io", "v1", "subjectaccessreviews", &["create"]),
        ("authorization.k8s.io", "v1", "localsubjectaccessreviews", &["create"]),
        ("events.k8s.io", "v1", "events", ALL),
        ("apiextensions.k8s.io", "v1", "customresourcedefinitions", ALL),
    ];
    for (group, version, resource, verbs) in cases {
        let info = table().by_gvr(&gvr(group, version, resource)).expect(resource);
        assert_eq!(&info.verbs, verbs, "{resource}");
    }
    let pods = table().by_gvr(&gvr("", "v1", "pods")).expect("pods");
    assert!(pods.has_verb("watch"));
    assert!(!pods.has_verb("proxy"));
}

/// Parent group, version, resource; subresource; its kind's group, version, kind; verbs.
type SubresourceCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (&'static str, &'static str, &'static str),
    &'static [&'static str],
);

#[test]
fn test_subresources() {
    let status: &[&str] = &["get", "patch", "update"];
    let cases: &[SubresourceCase] = &[
        ("", "v1", "pods", "status", ("", "v1", "Pod"), status),
        ("", "v1", "pods", "binding", ("", "v1", "Binding"), &["create"]),
        ("", "v1", "pods", "eviction", ("policy", "v1", "Eviction"), &["create"]),
        ("", "v1", "pods", "log", ("", "v1", "Pod"), &["get"]),
        ("", "v1", "pods", "exec", ("", "v1", "PodExecOptions"), &["create", "get"]),
        ("", "v1", "pods", "attach", ("", "v1", "PodAttachOptions"), &["create", "get"]),
        ("", "v1", "pods", "portforward", ("", "v1", "PodPortForwardOptions"), &["create", "get"]),
        (
            "",
            "v1",
            "pods",
            "proxy",
            ("", "v1", "PodProxyOptions"),
            &["create", "delete", "get", "patch", "update"],
        ),
        ("", "v1", "pods", "ephemeralcontainers", ("", "v1", "Pod"), status),
        ("", "v1", "pods", "resize", ("", "v1", "Pod"), status),
        (
            "",
            "v1",
            "nodes",
            "proxy",
            ("", "v1", "NodeProxyOptions"),
            &["create", "delete", "get", "patch", "update"],
        ),
        (
            "",
            "v1",
            "services",
            "proxy",
            ("", "v1", "ServiceProxyOptions"),
            &["create", "delete", "get", "patch", "update"],
        ),
        (
            "",
            "v1",
            "serviceaccounts",
            "token",
            ("authentication.k8s.io", "v1", "TokenRequest"),
            &["create"],
        ),
        ("", "v1", "namespaces", "finalize", ("", "v1", "Namespace"), &["update"]),
        ("", "v1", "namespaces", "status", ("", "v1", "Namespace"), status),
        ("", "v1", "replicationcontrollers", "scale", ("autoscaling", "v1", "Scale"), status),
        ("apps", "v1", "deployments", "scale", ("autoscaling", "v1", "Scale"), status),
        ("apps", "v1", "statefulsets", "scale", ("autoscaling", "v1", "Scale"), status),
        ("apps", "v1", "daemonsets", "status", ("apps", "v1", "DaemonSet"), status),
        (
            "certificates.k8s.io",
            "v1",
            "certificatesigningrequests",
            "approval",
            ("certificates.k8s.io", "v1", "CertificateSigningRequest"),
            status,
        ),
        (
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "status",
            ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            status,
        ),
        (
            "resource.k8s.io",
            "v1",
            "resourceclaims",
            "status",
            ("resource.k8s.io", "v1", "ResourceClaim"),
            status,
        ),
    ];
    for (group, version, resource, sub, (kg, kv, kk), verbs) in cases {
        let parent = gvr(group, version, resource);
        let info = table().subresource(&parent, sub).unwrap_or_else(|| panic!("{resource}/{sub}"));
        assert_eq!(info.gvk(), gvk(kg, kv, kk), "{resource}/{sub}");
        assert_eq!(&info.verbs, verbs, "{resource}/{sub}");
    }
    let names = |g: &str, r: &str| -> Vec<String> {
        table()
            .by_gvr(&gvr(g, "v1", r))
            .map(|i| i.subresources.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        names("", "pods"),
        [
            "attach",
            "binding",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "proxy",
            "resize",
            "status"
        ]
    );
    assert!(names("", "configmaps").is_empty());
    assert!(names("networking.k8s.io", "networkpolicies").is_empty());
    assert!(table().subresource(&gvr("", "v1", "configmaps"), "status").is_none());
    assert!(table().subresource_kind(&gvr("", "v1", "nothing"), "status").is_none());
}

#[test]
fn test_categories() {
    let all: Vec<String> = table().expand_category("all").iter().map(ToString::to_string).collect();
    assert_eq!(
        all,
        [
            "pods",
            "replicationcontrollers",
            "services",
            "daemonsets.apps",
            "deployments.apps",
            "replicasets.apps",
            "statefulsets.apps",
            "horizontalpodautoscalers.autoscaling",
            "cronjobs.batch",
            "jobs.batch",
        ]
    );
    let ext: Vec<String> =
        table().expand_category("api-extensions").iter().map(ToString::to_string).collect();
    assert_eq!(
        ext,
        [
            "apiservices.apiregistration.k8s.io",
            "mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "validatingadmissionpolicies.admissionregistration.k8s.io",
            "validatingadmissionpolicybindings.admissionregistration.k8s.io",
            "validatingwebhookconfigurations.admissionregistration.k8s.io",
            "customresourcedefinitions.apiextensions.k8s.io",
        ]
    );
    assert!(table().expand_category("nothing").is_empty());
    assert!(table().expand_category("").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Direct lookups

#[test]
fn test_lookups() {
    let hpa = GroupResource::new("autoscaling", "horizontalpodautoscalers");
    assert_eq!(table().by_group_resource(&hpa).map(|r| r.version.as_str()), Some("v2"));
    let versions: Vec<&str> = table().versions_of(&hpa).map(|r| r.version.as_str()).collect();
    assert_eq!(versions, ["v2", "v1"]);
    assert_eq!(
        table().by_group_kind(&GroupKind::new("apps", "Deployment")).map(|r| r.resource.as_str()),
        Some("deployments")
    );
    assert!(table().by_group_kind(&GroupKind::new("", "Deployment")).is_none());
    assert!(table().by_gvr(&gvr("apps", "v1beta1", "deployments")).is_none());
    assert!(table().by_gvk(&gvk("extensions", "v1beta1", "Ingress")).is_none());
    let ev = table().by_gvk(&gvk("events.k8s.io", "v1", "Event")).expect("event");
    assert_eq!(ev.gvr(), gvr("events.k8s.io", "v1", "events"));
    assert_eq!(ev.api_version(), "events.k8s.io/v1");
    assert_eq!(ev.group_kind(), GroupKind::new("events.k8s.io", "Event"));
    let preferred = table().preferred_resources();
    assert_eq!(preferred.len(), 65);
    assert_eq!(
        preferred
            .iter()
            .filter(|r| r.resource == "horizontalpodautoscalers")
            .map(|r| r.version.as_str())
            .collect::<Vec<_>>(),
        ["v2"]
    );
}

// ---------------------------------------------------------------------------------------------
// kubectl's resolution of typed names

/// A resolved `(group, version, resource)` or the error message.
type ResolveExpect = Result<(&'static str, &'static str, &'static str), &'static str>;

/// Resolves `arg` and compares the resulting resource (`group/version/resource`) or error.
fn check_resolve(arg: &str, expect: ResolveExpect) {
    let got = table().resolve(arg).map(|r| r.info.gvr()).map_err(|e| e.to_string());
    let expect = expect.map(|(g, v, r)| gvr(g, v, r)).map_err(ToString::to_string);
    assert_eq!(got, expect, "resolve({arg:?})");
}

#[test]
fn test_resolve() {
    let ok = Ok;
    let cases: &[(&str, ResolveExpect)] = &[
        ("pods", ok(("", "v1", "pods"))),
        ("pod", ok(("", "v1", "pods"))),
        ("po", ok(("", "v1", "pods"))),
        ("Pod", ok(("", "v1", "pods"))),
        ("PODS", ok(("", "v1", "pods"))),
        ("pods.v1.", ok(("", "v1", "pods"))),
        ("deploy", ok(("apps", "v1", "deployments"))),
        ("deployment", ok(("apps", "v1", "deployments"))),
        ("Deployment", ok(("apps", "v1", "deployments"))),
        ("deployments.apps", ok(("apps", "v1", "deployments"))),
        ("deployments.v1.apps", ok(("apps", "v1", "deployments"))),
        ("deploy.apps", ok(("apps", "v1", "deployments"))),
        ("deploy.v1.apps", ok(("apps", "v1", "deployments"))),
        ("Deployment.apps", ok(("apps", "v1", "deployments"))),
        ("Deployment.v1.apps", ok(("apps", "v1", "deployments"))),
        ("deployments.app", ok(("apps", "v1", "deployments"))),
        ("svc", ok(("", "v1", "services"))),
        ("cm", ok(("", "v1", "configmaps"))),
        ("ns", ok(("", "v1", "namespaces"))),
        ("no", ok(("", "v1", "nodes"))),
        ("pv", ok(("", "v1", "persistentvolumes"))),
        ("pvc", ok(("", "v1", "persistentvolumeclaims"))),
        ("sa", ok(("", "v1", "serviceaccounts"))),
        ("ep", ok(("", "v1", "endpoints"))),
        ("endpoints", ok(("", "v1", "endpoints"))),
        ("limits", ok(("", "v1", "limitranges"))),
        ("quota", ok(("", "v1", "resourcequotas"))),
        ("rc", ok(("", "v1", "replicationcontrollers"))),
        ("cs", ok(("", "v1", "componentstatuses"))),
        ("ds", ok(("apps", "v1", "daemonsets"))),
        ("rs", ok(("apps", "v1", "replicasets"))),
        ("sts", ok(("apps", "v1", "statefulsets"))),
        ("hpa", ok(("autoscaling", "v2", "horizontalpodautoscalers"))),
        ("hpa.autoscaling", ok(("autoscaling", "v2", "horizontalpodautoscalers"))),
        (
            "horizontalpodautoscalers.v1.autoscaling",
            ok(("autoscaling", "v1", "horizontalpodautoscalers")),
        ),
        (
            "HorizontalPodAutoscaler.v1.autoscaling",
            ok(("autoscaling", "v1", "horizontalpodautoscalers")),
        ),
        ("cj", ok(("batch", "v1", "cronjobs"))),
        ("jobs", ok(("batch", "v1", "jobs"))),
        ("pdb", ok(("policy", "v1", "poddisruptionbudgets"))),
        ("ing", ok(("networking.k8s.io", "v1", "ingresses"))),
        ("ing.networking", ok(("networking.k8s.io", "v1", "ingresses"))),
        ("netpol", ok(("networking.k8s.io", "v1", "networkpolicies"))),
        ("ip", ok(("networking.k8s.io", "v1", "ipaddresses"))),
        ("sc", ok(("storage.k8s.io", "v1", "storageclasses"))),
        ("vac", ok(("storage.k8s.io", "v1", "volumeattributesclasses"))),
        ("pc", ok(("scheduling.k8s.io", "v1", "priorityclasses"))),
        ("crd", ok(("apiextensions.k8s.io", "v1", "customresourcedefinitions"))),
        ("crds", ok(("apiextensions.k8s.io", "v1", "customresourcedefinitions"))),
        ("csr", ok(("certificates.k8s.io", "v1", "certificatesigningrequests"))),
        ("apiservices", ok(("apiregistration.k8s.io", "v1", "apiservices"))),
        ("ev", ok(("", "v1", "events"))),
        ("events", ok(("", "v1", "events"))),
        ("event", ok(("", "v1", "events"))),
        ("events.events.k8s.io", ok(("events.k8s.io", "v1", "events"))),
        ("ev.events.k8s.io", ok(("events.k8s.io", "v1", "events"))),
        ("events.v1.events.k8s.io", ok(("events.k8s.io", "v1", "events"))),
        ("Event.v1.events.k8s.io", ok(("events.k8s.io", "v1", "events"))),
        ("ingresses.networking.k8s.io", ok(("networking.k8s.io", "v1", "ingresses"))),
        ("leases", ok(("coordination.k8s.io", "v1", "leases"))),
        ("resourceclaims", ok(("resource.k8s.io", "v1", "resourceclaims"))),
        ("DeviceClass", ok(("resource.k8s.io", "v1", "deviceclasses"))),
        ("flowschemas", ok(("flowcontrol.apiserver.k8s.io", "v1", "flowschemas"))),
        ("tokenreviews", ok(("authentication.k8s.io", "v1", "tokenreviews"))),
        ("bindings", ok(("", "v1", "bindings"))),
        // Short names and kinds are matched case-sensitively.
        ("PO", Err(r#"the server doesn't have a resource type "PO""#)),
        ("Deploy", Err(r#"the server doesn't have a resource type "Deploy""#)),
        ("foo", Err(r#"the server doesn't have a resource type "foo""#)),
        ("", Err(r#"the server doesn't have a resource type """#)),
        (
            "deployments.v1beta1.extensions",
            Err(r#"the server doesn't have a resource type "deployments""#),
        ),
        ("pods.metrics.k8s.io", Err(r#"the server doesn't have a resource type "pods""#)),
        ("deploy.batch", Err(r#"the server doesn't have a resource type "deploy""#)),
        ("po.apps", Err(r#"the server doesn't have a resource type "po""#)),
        ("pods/status", Err(r#"the server doesn't have a resource type "pods/status""#)),
        (r#"a"b"#, Err(r#"the server doesn't have a resource type "a\"b""#)),
    ];
    for (arg, expect) in cases {
        check_resolve(arg, *expect);
    }
}

#[test]
fn test_resolve_warnings() {
    let cases: &[(&str, &[&str])] = &[
        (
            "ev",
            &[r#"short name "ev" could also match lower priority resource events.events.k8s.io"#],
        ),
        ("ev.events.k8s.io", &[]),
        ("hpa", &[]),
        ("po", &[]),
        ("events", &[]),
    ];
    for (arg, expect) in cases {
        let got = table().resolve(arg).map(|r| r.warnings);
        assert_eq!(got, Ok(expect.iter().map(ToString::to_string).collect()), "{arg}");
    }
}

// ---------------------------------------------------------------------------------------------
// RESTMapper operations (upstream's restmapper_test.go / priority_test.go shapes)

#[test]
fn test_kinds_for() {
    let cases: &[(GroupVersionResource, Result<Vec<GroupVersionKind>, &str>)] = &[
        (gvr("", "", "pods"), Ok(vec![gvk("", "v1", "Pod")])),
        (gvr("", "", "pod"), Ok(vec![gvk("", "v1", "Pod")])),
        (gvr("", "", "po"), Ok(vec![gvk("", "v1", "Pod")])),
        (
            gvr("", "", "events"),
            Ok(vec![gvk("", "v1", "Event"), gvk("events.k8s.io", "v1", "Event")]),
        ),
        (
            gvr("autoscaling", "", "horizontalpodautoscalers"),
            Ok(vec![
                gvk("autoscaling", "v2", "HorizontalPodAutoscaler"),
                gvk("autoscaling", "v1", "HorizontalPodAutoscaler"),
            ]),
        ),
        (
            gvr("autoscaling", "v1", "hpa"),
            Ok(vec![
                gvk("autoscaling", "v2", "HorizontalPodAutoscaler"),
                gvk("autoscaling", "v1", "HorizontalPodAutoscaler"),
            ]),
        ),
        (
            gvr("", "v1", "horizontalpodautoscaler"),
            Ok(vec![gvk("autoscaling", "v1", "HorizontalPodAutoscaler")]),
        ),
        (
            gvr("", "v2", "horizontalpodautoscalers"),
            Ok(vec![gvk("autoscaling", "v2", "HorizontalPodAutoscaler")]),
        ),
        (gvr("apps", "__internal", "deployments"), Ok(vec![gvk("apps", "v1", "Deployment")])),
        (gvr("", "", ""), Err("a resource must be present, got: /, Resource=")),
        (gvr("", "", "foo"), Err("no matches for /, Resource=foo")),
        (gvr("apps", "v2", "deployments"), Err("no matches for apps/v2, Resource=deployments")),
        (gvr("apps", "", "Foos"), Err("no matches for apps/, Resource=Foos")),
    ];
    for (input, expect) in cases {
        let got = table().kinds_for(input).map_err(|e| e.to_string());
        let expect = expect.clone().map_err(ToString::to_string);
        assert_eq!(got, expect, "kinds_for({input})");
    }
}

#[test]
fn test_resources_for() {
    let cases: &[(GroupVersionResource, Result<Vec<GroupVersionResource>, &str>)] = &[
        (gvr("", "", "Pod"), Ok(vec![gvr("", "v1", "pods")])),
        // The expanded short name keeps only the core group, which matches every group.
        (
            gvr("", "", "ev"),
            Ok(vec![gvr("", "v1", "events"), gvr("events.k8s.io", "v1", "events")]),
        ),
        (
            gvr("", "", "event"),
            Ok(vec![gvr("", "v1", "events"), gvr("events.k8s.io", "v1", "events")]),
        ),
        (gvr("events", "", "events"), Ok(vec![gvr("events.k8s.io", "v1", "events")])),
        (gvr("", "", "nothing"), Err("no matches for /, Resource=nothing")),
    ];
    for (input, expect) in cases {
        let got = table().resources_for(input).map_err(|e| e.to_string());
        let expect = expect.clone().map_err(ToString::to_string);
        assert_eq!(got, expect, "resources_for({input})");
    }
}

#[test]
fn test_kind_for_and_resource_for_priority() {
    let kind_cases: &[(GroupVersionResource, GroupVersionKind)] = &[
        (gvr("", "", "events"), gvk("", "v1", "Event")),
        (gvr("events.k8s.io", "", "events"), gvk("events.k8s.io", "v1", "Event")),
        (gvr("", "", "hpa"), gvk("autoscaling", "v2", "HorizontalPodAutoscaler")),
        (
            gvr("autoscaling", "v1", "horizontalpodautoscalers"),
            gvk("autoscaling", "v1", "HorizontalPodAutoscaler"),
        ),
        (gvr("", "", "ep"), gvk("", "v1", "Endpoints")),
    ];
    for (input, expect) in kind_cases {
        assert_eq!(table().kind_for(input).as_ref(), Ok(expect), "kind_for({input})");
    }
    assert_eq!(table().resource_for(&gvr("", "", "event")), Ok(gvr("", "v1", "events")));
    assert_eq!(
        table().resource_for(&gvr("autoscaling", "", "hpa")),
        Ok(gvr("autoscaling", "v2", "horizontalpodautoscalers"))
    );
    assert_eq!(
        table().resource_for(&gvr("", "", "x")).map_err(|e| e.to_string()),
        Err("no matches for /, Resource=x".to_string())
    );
}

#[test]
fn test_rest_mapping() {
    let cases: &[(GroupKind, &[&str], Result<GroupVersionResource, &str>)] = &[
        (GroupKind::new("", "Pod"), &[""], Ok(gvr("", "v1", "pods"))),
        (GroupKind::new("", "pod"), &[], Ok(gvr("", "v1", "pods"))),
        (GroupKind::new("apps", "Deployment"), &["v1"], Ok(gvr("apps", "v1", "deployments"))),
        (
            GroupKind::new("autoscaling", "HorizontalPodAutoscaler"),
            &[],
            Ok(gvr("autoscaling", "v2", "horizontalpodautoscalers")),
        ),
        (
            GroupKind::new("autoscaling", "HorizontalPodAutoscaler"),
            &["v1"],
            Ok(gvr("autoscaling", "v1", "horizontalpodautoscalers")),
        ),
        (
            GroupKind::new("autoscaling", "HorizontalPodAutoscaler"),
            &["v3", "v1"],
            Ok(gvr("autoscaling", "v1", "horizontalpodautoscalers")),
        ),
        (GroupKind::new("events.k8s.io", "Event"), &[""], Ok(gvr("events.k8s.io", "v1", "events"))),
        (
            GroupKind::new("", "Deployment"),
            &[""],
            Err(r#"no matches for kind "Deployment" in version """#),
        ),
        (
            GroupKind::new("apps", "Deployment"),
            &["v1beta2"],
            Err(r#"no matches for kind "Deployment" in version "apps/v1beta2""#),
        ),
        (GroupKind::new("apps", "Foo"), &[], Err(r#"no matches for kind "Foo" in group "apps""#)),
        (
            GroupKind::new("apps", "Foo"),
            &["v2", "v1"],
            Err(r#"no matches for kind "Foo" in versions ["apps/v1" "apps/v2"]"#),
        ),
        (GroupKind::new("", "POD"), &["v1"], Err(r#"no matches for kind "POD" in version "v1""#)),
    ];
    for (gk, versions, expect) in cases {
        let got =
            table().rest_mapping(gk, versions).map(ResourceInfo::gvr).map_err(|e| e.to_string());
        let expect = expect.clone().map_err(ToString::to_string);
        assert_eq!(got, expect, "rest_mapping({gk}, {versions:?})");
    }
    let all = table()
        .rest_mappings(&GroupKind::new("autoscaling", "HorizontalPodAutoscaler"), &[])
        .map(|m| m.iter().map(|r| r.version.clone()).collect::<Vec<_>>());
    assert_eq!(all, Ok(vec!["v2".to_string(), "v1".to_string()]));
}

#[test]
fn test_expand_shortcut() {
    let cases: &[(GroupVersionResource, GroupVersionResource)] = &[
        (gvr("", "", "po"), gvr("", "", "pods")),
        (gvr("", "v1", "po"), gvr("", "", "pods")),
        (gvr("", "", "pods"), gvr("", "", "pods")),
        (gvr("", "", "pods/status"), gvr("", "", "pods/status")),
        (gvr("apps", "", "deploy"), gvr("apps", "", "deployments")),
        (gvr("app", "v1", "deploy"), gvr("apps", "v1", "deployments")),
        (gvr("batch", "", "deploy"), gvr("batch", "", "deploy")),
        (gvr("", "", "crd"), gvr("apiextensions.k8s.io", "", "customresourcedefinitions")),
        (gvr("", "", "PO"), gvr("", "", "PO")),
        (gvr("", "", "unknown"), gvr("", "", "unknown")),
    ];
    for (input, expect) in cases {
        assert_eq!(&table().expand_shortcut(input).0, expect, "expand({input})");
    }
}

// ---------------------------------------------------------------------------------------------
// Error messages (upstream's errors.go formats)

#[test]
fn test_error_messages() {
    let cases: Vec<(MapperError, &str)> = vec![
        (
            MapperError::AmbiguousResource {
                partial: gvr("", "", "foo"),
                resources: vec![gvr("a", "v1", "foo"), gvr("b", "v1", "foo")],
                kinds: vec![],
            },
            "/, Resource=foo matches multiple resources [a/v1, Resource=foo b/v1, Resource=foo]",
        ),
        (
            MapperError::AmbiguousResource {
                partial: gvr("", "", "foo"),
                resources: vec![],
                kinds: vec![gvk("a", "v1", "Foo"), gvk("b", "v1", "Foo")],
            },
            "/, Resource=foo matches multiple kinds [a/v1, Kind=Foo b/v1, Kind=Foo]",
        ),
        (
            MapperError::AmbiguousKind {
                partial: gvk("a", "", "Foo"),
                resources: vec![gvr("a", "v1", "foos")],
                kinds: vec![gvk("a", "v1", "Foo")],
            },
            "a/, Kind=Foo matches multiple resources [a/v1, Resource=foos] and kinds [a/v1, Kind=Foo]",
        ),
        (
            MapperError::AmbiguousKind {
                partial: gvk("a", "", "Foo"),
                resources: vec![],
                kinds: vec![],
            },
            "a/, Kind=Foo matches multiple resources or kinds",
        ),
        (
            MapperError::NoKindMatch {
                group_kind: GroupKind::new("", "Foo"),
                searched_versions: vec!["v1".into(), "v1".into()],
            },
            r#"no matches for kind "Foo" in version "v1""#,
        ),
        (
            MapperError::UnknownResourceType("tab\there".into()),
            r#"the server doesn't have a resource type "tab\there""#,
        ),
    ];
    for (err, expect) in cases {
        assert_eq!(err.to_string(), expect);
    }
    assert!(MapperError::NoResourceMatch(gvr("", "", "x")).is_no_match());
    assert!(!MapperError::UnknownResourceType("x".into()).is_no_match());
    assert!(
        MapperError::AmbiguousKind { partial: gvk("", "", ""), resources: vec![], kinds: vec![] }
            .is_ambiguous()
    );
}

// ---------------------------------------------------------------------------------------------
// Custom tables

fn custom_resource(group: &str, version: &str, kind: &str, plural: &str) -> ResourceInfo {
    ResourceInfo {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        resource: plural.into(),
        singular_name: kind.to_lowercase(),
        namespaced: true,
        short_names: vec!["wd".into()],
        categories: vec!["all".into()],
        verbs: vec!["watch".into(), "get".into()],
        subresources: vec![],
    }
}

fn custom_group(name: &str, versions: &[&str]) -> ApiGroupInfo {
    ApiGroupInfo {
        name: name.into(),
        versions: versions
            .iter()
            .map(|v| ApiVersionInfo {
                version: (*v).into(),
                priority: Some(ApiServicePriority { group: 1000, version: 100 }),
            })
            .collect(),
    }
}

#[test]
fn test_custom_table() {
    let mut groups = table().groups().to_vec();
    groups.push(custom_group("example.com", &["v1", "v1beta1"]));
    let mut resources = table().resources().to_vec();
    resources.push(custom_resource("example.com", "v1beta1", "Widget", "widgets"));
    resources.push(custom_resource("example.com", "v1", "Widget", "widgets"));
    let custom = ResourceTable::new(groups, resources).expect("table");
    let widgets = custom.resolve("wd").expect("wd");
    assert_eq!(widgets.info.gvr(), gvr("example.com", "v1", "widgets"));
    assert_eq!(widgets.info.verbs, ["get", "watch"]);
    assert_eq!(
        custom.resolve("widgets.v1beta1.example.com").map(|r| r.info.version.as_str()),
        Ok("v1beta1")
    );
    assert_eq!(custom.expand_category("all").len(), 11);
    assert_eq!(custom.resources().last().map(|r| r.version.as_str()), Some("v1beta1"));
}

#[test]
fn test_custom_table_errors() {
    let cases: Vec<(Vec<ApiGroupInfo>, Vec<ResourceInfo>, &str)> = vec![
        (
            vec![custom_group("example.com", &["v1"])],
            vec![custom_resource("example.com", "v2", "Widget", "widgets")],
            "resource widgets.example.com is in group/version example.com/v2, which no API group serves",
        ),
        (
            vec![custom_group("example.com", &["v1"])],
            vec![
                custom_resource("example.com", "v1", "Widget", "widgets"),
                custom_resource("example.com", "v1", "Gadget", "widgets"),
            ],
            "duplicate resource example.com/v1, Resource=widgets",
        ),
        (
            vec![custom_group("example.com", &["v1"])],
            vec![
                custom_resource("example.com", "v1", "Widget", "widgets"),
                custom_resource("example.com", "v1", "Widget", "gadgets"),
            ],
            "duplicate kind example.com/v1, Kind=Widget",
        ),
        (
            vec![custom_group("a", &["v1"]), custom_group("a", &["v2"])],
            vec![],
            r#"duplicate API group "a""#,
        ),
    ];
    for (groups, resources, expect) in cases {
        let got = ResourceTable::new(groups, resources).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(got, Err(expect.to_string()));
    }
}
