//! The list and map types of the built-in API that the patch strategies do not tell: the
//! `+listType`, `+listMapKey`, `+mapType` and `+structType` markers of k8s.io/api (v1.35) where
//! they differ from what a field's patch strategy implies, and the defaults of list-map keys
//! that items may omit.

/// How a field's value merges, when its markers say more than its patch strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    /// A list of objects identified by these key fields.
    Map(&'static [&'static str]),
    /// A list of distinct scalars.
    Set,
    /// A list replaced as a whole.
    Atomic,
    /// A map replaced as a whole.
    AtomicMap,
}

/// `(definition, JSON field, marker)`.
pub(super) const FIELD_MARKERS: &[(&str, &str, Marker)] = &[
    (
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec",
        "validationActions",
        Marker::Set,
    ),
    (
        "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus",
        "conditions",
        Marker::Map(&["type"]),
    ),
    ("io.k8s.api.batch.v1.JobStatus", "conditions", Marker::Atomic),
    ("io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement", "values", Marker::Set),
    ("io.k8s.api.batch.v1.UncountedTerminatedPods", "failed", Marker::Set),
    ("io.k8s.api.batch.v1.UncountedTerminatedPods", "succeeded", Marker::Set),
    (
        "io.k8s.api.certificates.v1.CertificateSigningRequestStatus",
        "conditions",
        Marker::Map(&["type"]),
    ),
    ("io.k8s.api.core.v1.Container", "ports", Marker::Map(&["containerPort", "protocol"])),
    ("io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes", "values", Marker::Set),
    ("io.k8s.api.core.v1.EphemeralContainer", "ports", Marker::Map(&["containerPort", "protocol"])),
    ("io.k8s.api.core.v1.PodSpec", "nodeSelector", Marker::AtomicMap),
    (
        "io.k8s.api.core.v1.PodSpec",
        "topologySpreadConstraints",
        Marker::Map(&["topologyKey", "whenUnsatisfiable"]),
    ),
    ("io.k8s.api.core.v1.PodStatus", "hostIPs", Marker::Atomic),
    ("io.k8s.api.core.v1.ReplicationControllerSpec", "selector", Marker::AtomicMap),
    ("io.k8s.api.core.v1.ResourceRequirements", "claims", Marker::Map(&["name"])),
    ("io.k8s.api.core.v1.ResourceStatus", "resources", Marker::Map(&["resourceID"])),
    ("io.k8s.api.core.v1.ServiceSpec", "ports", Marker::Map(&["port", "protocol"])),
    ("io.k8s.api.core.v1.ServiceSpec", "selector", Marker::AtomicMap),
    ("io.k8s.api.discovery.v1.Endpoint", "addresses", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.NonResourcePolicyRule", "nonResourceURLs", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.NonResourcePolicyRule", "verbs", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.ResourcePolicyRule", "apiGroups", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.ResourcePolicyRule", "namespaces", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.ResourcePolicyRule", "resources", Marker::Set),
    ("io.k8s.api.flowcontrol.v1.ResourcePolicyRule", "verbs", Marker::Set),
    ("io.k8s.api.node.v1.Scheduling", "nodeSelector", Marker::AtomicMap),
    ("io.k8s.api.resource.v1.AllocatedDeviceStatus", "conditions", Marker::Map(&["type"])),
    (
        "io.k8s.api.resource.v1.ResourceClaimStatus",
        "devices",
        Marker::Map(&["driver", "device", "pool", "shareID"]),
    ),
    ("io.k8s.api.storage.v1.CSIDriverSpec", "volumeLifecycleModes", Marker::Set),
];

/// Struct types replaced as a whole (`+structType=atomic`).
pub(super) const ATOMIC_STRUCTS: &[&str] = &[
    "io.k8s.api.admissionregistration.v1.MatchResources",
    "io.k8s.api.admissionregistration.v1.NamedRuleWithOperations",
    "io.k8s.api.admissionregistration.v1.ParamKind",
    "io.k8s.api.admissionregistration.v1.ParamRef",
    "io.k8s.api.admissionregistration.v1.Variable",
    "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
    "io.k8s.api.core.v1.ConfigMapKeySelector",
    "io.k8s.api.core.v1.EndpointAddress",
    "io.k8s.api.core.v1.EndpointPort",
    "io.k8s.api.core.v1.FileKeySelector",
    "io.k8s.api.core.v1.LocalObjectReference",
    "io.k8s.api.core.v1.NodeSelector",
    "io.k8s.api.core.v1.NodeSelectorTerm",
    "io.k8s.api.core.v1.ObjectFieldSelector",
    "io.k8s.api.core.v1.ObjectReference",
    "io.k8s.api.core.v1.ResourceFieldSelector",
    "io.k8s.api.core.v1.ScopeSelector",
    "io.k8s.api.core.v1.SecretKeySelector",
    "io.k8s.api.core.v1.SecretReference",
    "io.k8s.api.core.v1.TopologySelectorTerm",
    "io.k8s.api.core.v1.TypedLocalObjectReference",
    "io.k8s.api.discovery.v1.EndpointPort",
    "io.k8s.api.networking.v1.ServiceBackendPort",
    "io.k8s.api.rbac.v1.RoleRef",
    "io.k8s.api.rbac.v1.Subject",
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
];

/// Defaults of list-map key fields, used when an item leaves the key out:
/// `(item definition, field, default)`.
pub(super) const KEY_DEFAULTS: &[(&str, &str, &str)] = &[
    ("io.k8s.api.core.v1.ContainerPort", "protocol", "TCP"),
    ("io.k8s.api.core.v1.ServicePort", "protocol", "TCP"),
];

/// The marker of a field, if it has one.
pub(super) fn field_marker(definition: &str, field: &str) -> Option<Marker> {
    FIELD_MARKERS.iter().find(|(d, f, _)| *d == definition && *f == field).map(|(_, _, m)| *m)
}

/// Whether a struct type is atomic.
pub(super) fn atomic_struct(definition: &str) -> bool {
    ATOMIC_STRUCTS.contains(&definition)
}

/// The default of a list-map key field.
pub(super) fn key_default(definition: &str, field: &str) -> Option<&'static str> {
    KEY_DEFAULTS.iter().find(|(d, f, _)| *d == definition && *f == field).map(|(_, _, v)| *v)
}
