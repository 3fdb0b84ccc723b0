//! `nodes/<name>/proxy/...`, `pods/<name>/proxy/...` and `services/<name>/proxy/...`
//! (upstream's `ProxyREST` over each kind's `ResourceLocation`): the request goes on to the
//! node's kubelet, the pod's IP, or a ready endpoint of the service, with the path after
//! `proxy`, the query, and the body; the answer comes back with its status, headers and body.
//! The name may carry a scheme and a port: `[scheme:]name[:port]` (for services, the port by
//! name or number).

use std::net::IpAddr;
use std::sync::Arc;

use apimachinery::errors::StatusError;
use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::BodyExt;
use serde_json::Value;

use super::logs::Relay;
use super::{ApiServer, Body, Ctx};
use crate::registry::{ListParams, Predicate, Store};

/// `utilnet.SplitSchemeNamePort`: `name`, `name:port` or `scheme:name:port`, where the scheme
/// is empty, `http` or `https`; `None` when malformed.
fn split_scheme_name_port(id: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = id.split(':').collect();
    let (scheme, name, port) = match parts.as_slice() {
        [name] => ("", *name, ""),
        [name, port] => ("", *name, *port),
        [scheme, name, port] => (*scheme, *name, *port),
        _ => return None,
    };
    (!name.is_empty() && matches!(scheme, "" | "http" | "https")).then_some((scheme, name, port))
}

/// Where a proxied request goes.
struct Target {
    /// `scheme://host:port`.
    base: String,
    /// Whether the kubelet's client (its certificates) carries it.
    kubelet: Option<crate::kubelet::ConnectionInfo>,
}

fn host_port(host: &str, port: &str) -> String {
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    if port.is_empty() { host } else { format!("{host}:{port}") }
}

/// Upstream refuses to proxy to addresses that are not global unicast.
fn proxyable(ip: &str) -> Result<(), StatusError> {
    let ok = match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            !(v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast())
        }
        Ok(IpAddr::V6(v6)) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
        Err(_) => false,
    };
    if ok { Ok(()) } else { Err(StatusError::new_bad_request("address not allowed")) }
}

async fn node_target(server: &ApiServer, id: &str) -> Result<Target, StatusError> {
    let Some((scheme, name, port)) = split_scheme_name_port(id) else {
        return Err(StatusError::new_bad_request(&format!("invalid node request {id:?}")));
    };
    let nodes = server.registry.store("", "nodes").ok_or_else(no_store)?;
    let node = nodes.get("", name).await?;
    let info = server.kubelets.connection_info(&node)?;
    if port.is_empty() || port == info.port.to_string() {
        return Ok(Target { base: info.base_url(), kubelet: Some(info) });
    }
    // Another port of the node is proxied only to an address fit for it.
    if info.hostname.parse::<IpAddr>().is_ok() {
        proxyable(&info.hostname)?;
    }
    let scheme = if scheme.is_empty() { "http" } else { scheme };
    Ok(Target { base: format!("{scheme}://{}", host_port(&info.hostname, port)), kubelet: None })
}

async fn pod_target(pods: &Store, namespace: &str, id: &str) -> Result<Target, StatusError> {
    let Some((scheme, name, port)) = split_scheme_name_port(id) else {
        return Err(StatusError::new_bad_request(&format!("invalid pod request {id:?}")));
    };
    let pod = pods.get(namespace, name).await?;
    // Without a port, the first one a container declares.
    let declared = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|c| c.pointer("/ports/0/containerPort").and_then(Value::as_i64))
        .map(|p| p.to_string());
    let port = if port.is_empty() { declared.unwrap_or_default() } else { port.to_string() };
    let ip = pod.pointer("/status/podIP").and_then(Value::as_str).unwrap_or("");
    proxyable(ip)?;
    let scheme = if scheme.is_empty() { "http" } else { scheme };
    Ok(Target { base: format!("{scheme}://{}", host_port(ip, &port)), kubelet: None })
}

async fn service_target(
    server: &ApiServer,
    services: &Store,
    namespace: &str,
    id: &str,
) -> Result<Target, StatusError> {
    let Some((scheme, name, port)) = split_scheme_name_port(id) else {
        return Err(StatusError::new_bad_request(&format!("invalid service request {id:?}")));
    };
    let service = services.get(namespace, name).await?;
    let ports: Vec<&Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    // The service port asked for, by name or number; with none asked for, the only one.
    let wanted = ports.iter().find(|p| {
        if port.is_empty() {
            ports.len() == 1
        } else {
            p["name"].as_str() == Some(port)
                || p["port"].as_i64().map(|n| n.to_string()) == Some(port.to_string())
        }
    });
    let Some(wanted) = wanted else {
        return Err(StatusError::new_service_unavailable(&format!(
            "no service port {port:?} found for service {name:?}"
        )));
    };
    let port_name = wanted["name"].as_str().unwrap_or("");
    let slices =
        server.registry.store("discovery.k8s.io", "endpointslices").ok_or_else(no_store)?;
    let list =
        slices.list(Some(namespace), &ListParams::default(), &Predicate::everything()).await?;
    for slice in list.items.iter().filter(|s| {
        s.pointer("/metadata/labels/kubernetes.io~1service-name").and_then(Value::as_str)
            == Some(name)
    }) {
        let slice_port = slice
            .pointer("/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|p| p["name"].as_str().unwrap_or("") == port_name)
            .and_then(|p| p["port"].as_i64());
        let Some(slice_port) = slice_port else { continue };
        let ready = slice
            .pointer("/endpoints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| e.pointer("/conditions/ready").and_then(Value::as_bool) != Some(false))
            .find_map(|e| e.pointer("/addresses/0").and_then(Value::as_str));
        if let Some(ip) = ready {
            proxyable(ip)?;
            let scheme = if scheme.is_empty() { "http" } else { scheme };
            let base = format!("{scheme}://{}", host_port(ip, &slice_port.to_string()));
            return Ok(Target { base, kubelet: None });
        }
    }
    Err(StatusError::new_service_unavailable(&format!(
        "no endpoints available for service {}",
        apimachinery::gofmt::quote(name)
    )))
}

fn no_store() -> StatusError {
    StatusError::new_internal_error("no such store")
}

/// Any method on `<resource>/<id>/proxy[/<path>]`; `path` keeps its leading slash.
#[allow(clippy::too_many_arguments)]
pub(super) async fn serve(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    store: &Arc<Store>,
    resource: &str,
    namespace: &str,
    id: &str,
    path: &str,
    body: Bytes,
) -> Result<Response<Body>, StatusError> {
    let target = match resource {
        "nodes" => node_target(server, id).await?,
        "pods" => pod_target(store, namespace, id).await?,
        _ => service_target(server, store, namespace, id).await?,
    };
    let client = match &target.kubelet {
        Some(info) => server.kubelets.client(info, false)?,
        None => {
            let resolved = client::config::ResolvedConfig {
                server: target.base.clone(),
                insecure: target.base.starts_with("https:"),
                ..Default::default()
            };
            let config = client::rest::Config { qps: 0.0, max_retries: 0, ..Default::default() };
            client::rest::Client::new(&resolved, config)
                .map_err(|e| StatusError::new_internal_error(e.to_string()))?
        }
    };
    let path = if path.is_empty() { "/" } else { path };
    // The query goes on as sent.
    let target_path = if ctx.raw_query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", ctx.raw_query)
    };
    let mut req = client::rest::Request::new(ctx.method.clone(), target_path);
    if !body.is_empty() {
        // Sent with the client's content type when it named one (copied below).
        req = req.body(body, "application/octet-stream");
    }
    for name in [header::ACCEPT, header::ACCEPT_ENCODING, header::CONTENT_TYPE, header::USER_AGENT]
    {
        if let Some(v) = ctx.headers.get(&name) {
            req = req.header(name, v.clone());
        }
    }
    let answer = client.send_streaming_unchecked(req).await.map_err(|e| {
        // Upstream's proxy hands the error on as it is: a plain error's 500.
        StatusError::from_plain_error(e)
    })?;
    let mut response = Response::builder().status(answer.status());
    for (k, v) in answer.headers() {
        if k == header::CONNECTION || k == header::TRANSFER_ENCODING {
            continue;
        }
        response = response.header(k, v);
    }
    let mut response = response
        .body(Relay(answer.into_body()).boxed())
        .map_err(|e| StatusError::new_internal_error(e.to_string()))?;
    if !response.headers().contains_key(header::CONTENT_TYPE) {
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_as_upstream() {
        assert_eq!(split_scheme_name_port("web"), Some(("", "web", "")));
        assert_eq!(split_scheme_name_port("web:8080"), Some(("", "web", "8080")));
        assert_eq!(split_scheme_name_port("https:web:443"), Some(("https", "web", "443")));
        assert_eq!(split_scheme_name_port("ftp:web:21"), None);
        assert_eq!(split_scheme_name_port(":80"), None);
        assert_eq!(split_scheme_name_port("a:b:c:d"), None);
    }

    #[test]
    fn only_global_unicast_addresses_are_proxied() {
        for ip in ["10.1.2.3", "192.0.2.7", "2001:db8::1"] {
            assert!(proxyable(ip).is_ok(), "{ip}");
        }
        for ip in ["", "127.0.0.1", "169.254.1.1", "0.0.0.0", "::1", "fe80::1", "224.0.0.1"] {
            assert_eq!(proxyable(ip).unwrap_err().message(), "address not allowed", "{ip}");
        }
    }
}
