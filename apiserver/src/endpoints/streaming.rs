//! `pods/<name>/exec`, `attach` and `portforward` (upstream's `ExecREST`, `AttachREST` and
//! `PortForwardREST` over `streamLocation` and the upgrade-aware proxy): the request names a
//! container of a pod on a node; the apiserver dials that node's kubelet, passes the request on
//! without the client's credentials and, once the kubelet switches protocols (WebSocket or
//! SPDY), joins the two connections byte for byte. Upgrades need HTTP/1.1: a request that asks
//! for none is refused as upstream refuses it.

use std::sync::Arc;

use apimachinery::errors::StatusError;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::{ApiServer, Body, Ctx};
use crate::registry::Store;

/// The largest kubelet answer relayed when it refuses to switch protocols.
const MAX_REFUSAL_BODY: usize = 64 << 10;

/// Upstream's `streamLocation` container choice: a named container must be one of the pod's
/// (init and ephemeral ones included); with none named, a pod of one container means that one.
fn choose_container(container: &str, pod: &Value, name: &str) -> Result<String, StatusError> {
    let names = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect()
    };
    let containers = names("containers");
    if !container.is_empty() {
        let known = ["initContainers", "containers", "ephemeralContainers"]
            .iter()
            .any(|f| names(f).iter().any(|c| c == container));
        if known {
            return Ok(container.to_string());
        }
        return Err(StatusError::new_bad_request(&format!(
            "container {container} is not valid for pod {name}"
        )));
    }
    match containers.len() {
        1 => Ok(containers[0].clone()),
        0 => Err(StatusError::new_bad_request(&format!(
            "a container name must be specified for pod {name}"
        ))),
        _ => {
            let mut message = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            let init = names("initContainers");
            if !init.is_empty() {
                message.push_str(&format!(" or one of the init containers: [{}]", init.join(" ")));
            }
            Err(StatusError::new_bad_request(&message))
        }
    }
}

/// The kubelet query of an exec or attach (upstream's `streamParams`): the streams asked for
/// and, for exec, the command, sorted by key as `url.Values.Encode` does.
fn stream_params(ctx: &Ctx, exec: bool) -> Result<Vec<(String, String)>, StatusError> {
    let mut params = Vec::new();
    for (option, param) in
        [("stdin", "input"), ("stdout", "output"), ("stderr", "error"), ("tty", "tty")]
    {
        if ctx.param(option).map(super::logs::parse_bool).transpose()?.unwrap_or(false) {
            params.push((param.to_string(), "1".to_string()));
        }
    }
    if exec {
        for (k, v) in &ctx.query {
            if k == "command" {
                params.push(("command".to_string(), v.clone()));
            }
        }
    }
    // A stable sort keeps the command's words in order.
    params.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(params)
}

/// The kubelet query of a port forward: the requested ports, comma-separated under `port`.
fn port_params(ctx: &Ctx) -> Result<Vec<(String, String)>, StatusError> {
    let mut ports = Vec::new();
    for (k, v) in &ctx.query {
        if k == "ports" {
            let port: i32 = v.parse().map_err(|_| {
                StatusError::new_bad_request(&format!(
                    "strconv.ParseInt: parsing {v:?}: invalid syntax"
                ))
            })?;
            ports.push(port.to_string());
        }
    }
    Ok(if ports.is_empty() { Vec::new() } else { vec![("port".to_string(), ports.join(","))] })
}

/// Whether the request asks to switch protocols (`httpstream.IsUpgradeRequest`).
fn is_upgrade_request(ctx: &Ctx) -> bool {
    ctx.headers
        .get_all(header::CONNECTION)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains("upgrade")))
}

fn internal(e: impl std::fmt::Display) -> StatusError {
    StatusError::new_internal_error(e.to_string())
}

/// `GET`/`POST pods/<name>/{exec,attach,portforward}`.
pub(super) async fn serve(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    pods: &Arc<Store>,
    namespace: &str,
    name: &str,
    subresource: &str,
) -> Result<Response<Body>, StatusError> {
    let pod = pods.get(namespace, name).await?;
    let (path, params) = if subresource == "portforward" {
        (format!("/portForward/{namespace}/{name}"), port_params(ctx)?)
    } else {
        let container = choose_container(ctx.param("container").unwrap_or(""), &pod, name)?;
        let params = stream_params(ctx, subresource == "exec")?;
        (format!("/{subresource}/{namespace}/{name}/{container}"), params)
    };
    let node_name = pod.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
    if node_name.is_empty() {
        return Err(StatusError::new_bad_request(&format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let nodes = server.registry.store("", "nodes").ok_or_else(|| internal("no nodes store"))?;
    let node = nodes.get("", node_name).await?;
    let info = server.kubelets.connection_info(&node)?;
    let upgrade = if is_upgrade_request(ctx) {
        ctx.upgrade.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    } else {
        None
    };
    let Some(upgrade) = upgrade else {
        return Err(StatusError::new_bad_request("Upgrade request required"));
    };

    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!("{}={}", client::rest::query_escape(k), client::rest::query_escape(v))
        })
        .collect();
    let target = if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) };
    let io = server.kubelets.dial_upgradable(&info).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(internal)?;
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!(error = %e, "kubelet stream connection ended");
        }
    });
    let mut request = http::Request::builder().method(ctx.method.clone()).uri(&target);
    for (k, v) in &ctx.headers {
        // The client's credentials were for this server; the kubelet sees the apiserver's.
        if k == header::AUTHORIZATION || k == header::HOST || k.as_str().starts_with("impersonate-")
        {
            continue;
        }
        request = request.header(k, v);
    }
    let host = info.base_url().trim_start_matches("https://").to_string();
    let request = request
        .header(header::HOST, host)
        .body(http_body_util::Empty::<Bytes>::new())
        .map_err(internal)?;
    let mut answer = sender
        .send_request(request)
        .await
        .map_err(|e| internal(format!("error dialing backend: {e}")))?;

    let mut response = Response::builder().status(answer.status());
    for (k, v) in answer.headers() {
        response = response.header(k, v);
    }
    if answer.status() != StatusCode::SWITCHING_PROTOCOLS {
        // The kubelet refused to switch: its answer goes back as it is.
        let body = http_body_util::Limited::new(answer.into_body(), MAX_REFUSAL_BODY)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        return response.body(super::response::full(body)).map_err(internal);
    }
    let backend = hyper::upgrade::on(&mut answer);
    tokio::spawn(async move {
        let (client_side, kubelet_side) = match tokio::try_join!(upgrade, backend) {
            Ok(both) => both,
            Err(e) => {
                tracing::debug!(error = %e, "stream upgrade failed");
                return;
            }
        };
        let (mut a, mut b) = (TokioIo::new(client_side), TokioIo::new(kubelet_side));
        if let Err(e) = tokio::io::copy_bidirectional(&mut a, &mut b).await {
            tracing::debug!(error = %e, "stream ended");
        }
    });
    let mut response = response.body(super::response::empty()).map_err(internal)?;
    if !response.headers().contains_key(header::CONNECTION) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn containers_are_chosen_as_stream_location_does() {
        let one = json!({"spec": {"containers": [{"name": "app"}]}});
        assert_eq!(choose_container("", &one, "p").unwrap(), "app");
        let many = json!({"spec": {"initContainers": [{"name": "init"}],
            "containers": [{"name": "a"}, {"name": "b"}],
            "ephemeralContainers": [{"name": "debug"}]}});
        assert_eq!(
            choose_container("", &many, "p").unwrap_err().message(),
            "a container name must be specified for pod p, choose one of: [a b] or one of the \
             init containers: [init]"
        );
        for c in ["init", "b", "debug"] {
            assert_eq!(choose_container(c, &many, "p").unwrap(), c);
        }
        assert_eq!(
            choose_container("c", &many, "p").unwrap_err().message(),
            "container c is not valid for pod p"
        );
        assert_eq!(
            choose_container("", &json!({"spec": {}}), "p").unwrap_err().message(),
            "a container name must be specified for pod p"
        );
    }
}
