//! Objects every cluster starts with: the system namespaces and the `kubernetes` Service with
//! its Endpoints and EndpointSlice pointing at this server.

use apimachinery::errors::StatusError;
use serde_json::{Value, json};

use crate::registry::{Registry, WriteOptions};

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

/// Creates what is missing.
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
    ensure(registry, "endpoints", "", "default", endpoints).await?;
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
    ensure(registry, "endpointslices", "discovery.k8s.io", "default", slice).await
}
