//! Objects every cluster starts with: the system namespaces, the `kubernetes` Service with
//! its Endpoints and EndpointSlice pointing at this server (none, as upstream, when the
//! advertise address is one an endpoint may not hold, such as loopback), the system
//! PriorityClasses, a local APIService for every built-in group version, and upstream's default
//! API Priority and Fairness configuration (`flowcontrol`: priority levels and flow schemas;
//! existing ones are brought back to their defaults by upstream's rules).

use apimachinery::errors::StatusError;
use apimachinery::runtime::ResourceTable;
use serde_json::{Value, json};

use crate::registry::{Registry, WriteOptions};

pub(crate) mod flowcontrol;

/// The namespaces upstream creates at start.
pub const SYSTEM_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

async fn ensure(
    registry: &Registry,
    resource: &str,
    group: &str,
    namespace: &str,
    obj: Value,
) -> Result<(), StatusError> {
    let Some(store) = registry.store(group, resource) else { return Ok(()) };
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    match store.get(namespace, &name).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => {
            match store.create(namespace, obj, &WriteOptions::default()).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_already_exists() => Ok(()),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// [`ensure`], logging an object the validation refuses instead of failing the start.
async fn ensure_or_log(
    registry: &Registry,
    resource: &str,
    group: &str,
    namespace: &str,
    obj: Value,
) -> Result<(), StatusError> {
    match ensure(registry, resource, group, namespace, obj).await {
        Err(e) if e.is_invalid() => {
            tracing::error!(error = %e, "unable to perform initial Kubernetes service initialization");
            Ok(())
        }
        other => other,
    }
}

/// The PriorityClasses upstream's scheduling post-start hook creates: name, value, description.
pub const SYSTEM_PRIORITY_CLASSES: &[(&str, i64, &str)] = &[
    (
        "system-node-critical",
        2_000_001_000,
        "Used for system critical pods that must not be moved from their current node.",
    ),
    (
        "system-cluster-critical",
        2_000_000_000,
        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
];

/// The APIServices the aggregator registers for the group versions this server serves itself
/// (`v1.`, `v1.apps`, ...): no service, so available from the start.
fn local_api_services() -> Vec<Value> {
    let mut out = Vec::new();
    for group in ResourceTable::builtin().groups() {
        for version in &group.versions {
            let Some(priority) = &version.priority else { continue };
            out.push(json!({
                "apiVersion": "apiregistration.k8s.io/v1",
                "kind": "APIService",
                "metadata": {
                    "name": format!("{}.{}", version.version, group.name),
                    "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"},
                },
                "spec": {
                    "group": group.name,
                    "version": version.version,
                    "groupPriorityMinimum": priority.group,
                    "versionPriority": priority.version,
                },
            }));
        }
    }
    out
}

/// Creates what is missing (and brings the APF configuration's defaults up to date).
pub async fn run(
    registry: &Registry,
    service_ip: &str,
    advertise_address: &str,
    port: u16,
) -> Result<(), StatusError> {
    for ns in SYSTEM_NAMESPACES {
        let obj = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        ensure(registry, "namespaces", "", "", obj).await?;
    }
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": port}],
            "clusterIP": service_ip,
            "clusterIPs": [service_ip],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    });
    ensure(registry, "services", "", "default", service).await?;
    let endpoints = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{
            "addresses": [{"ip": advertise_address}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }],
    });
    // Upstream's endpoint reconciler writes these through the API; an advertise address
    // endpoints may not hold (loopback, link-local) leaves the service without them, logged.
    ensure_or_log(registry, "endpoints", "", "default", endpoints).await?;
    let slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [advertise_address], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    });
    ensure_or_log(registry, "endpointslices", "discovery.k8s.io", "default", slice).await?;
    for (name, value, description) in SYSTEM_PRIORITY_CLASSES {
        let class = json!({
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
            "description": description,
        });
        ensure(registry, "priorityclasses", "scheduling.k8s.io", "", class).await?;
    }
    for service in local_api_services() {
        ensure(registry, "apiservices", "apiregistration.k8s.io", "", service).await?;
    }
    flowcontrol::run(registry).await?;
    Ok(())
}
