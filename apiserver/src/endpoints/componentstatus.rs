//! `componentstatuses` (deprecated upstream since v1.19, still served): the health of the
//! scheduler and the controller-manager, probed at `/healthz` on their secure ports as
//! upstream's prober does (any certificate accepted, 20 s at most), and of the storage
//! (`etcd-0`). Nothing is stored; every read probes.

use std::sync::Arc;
use std::time::Duration;

use apimachinery::errors::StatusError;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::ApiServer;

/// The `Warning` every request for the resource gets.
pub(super) const DEPRECATED: &str = "v1 ComponentStatus is deprecated in v1.19+";

/// Upstream's probe timeout.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// The most of a probe's body kept as its message (upstream's prober reads 10 KiB).
const MAX_BODY: usize = 10 * 1024;

/// A component and how its health is read.
enum Check {
    /// `https://127.0.0.1:<port>/healthz`.
    Healthz(u16),
    /// A read of the storage.
    Storage,
}

/// The components upstream lists, with the secure ports of kube-scheduler and
/// kube-controller-manager.
const COMPONENTS: &[(&str, Check)] = &[
    ("scheduler", Check::Healthz(10259)),
    ("controller-manager", Check::Healthz(10257)),
    ("etcd-0", Check::Storage),
];

/// GET of one component (`name`) or the list (`None`).
pub(super) async fn read(server: &ApiServer, name: Option<&str>) -> Result<Value, StatusError> {
    match name {
        Some(name) => match COMPONENTS.iter().find(|(n, _)| *n == name) {
            Some((n, check)) => Ok(status(server, n, check).await),
            None => Err(StatusError::new_internal_error(format!("Component not found: {name}"))),
        },
        None => {
            // The probes run at once, as upstream's do.
            let (scheduler, manager, storage) = tokio::join!(
                status(server, COMPONENTS[0].0, &COMPONENTS[0].1),
                status(server, COMPONENTS[1].0, &COMPONENTS[1].1),
                status(server, COMPONENTS[2].0, &COMPONENTS[2].1),
            );
            let items = [scheduler, manager, storage];
            Ok(
                json!({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items}),
            )
        }
    }
}

/// One component's status object: a `Healthy` condition, `True` when the probe succeeded.
async fn status(server: &ApiServer, name: &str, check: &Check) -> Value {
    let (ok, message) = match check {
        Check::Storage => {
            let ok = server.registry.storage_healthy(Duration::from_secs(2)).await;
            (ok, if ok { "ok".to_string() } else { "the storage did not answer".to_string() })
        }
        Check::Healthz(port) => probe(*port).await,
    };
    let mut condition = json!({"type": "Healthy", "status": if ok { "True" } else { "False" }});
    if !message.is_empty() {
        condition["message"] = json!(message);
    }
    json!({
        "kind": "ComponentStatus",
        "apiVersion": "v1",
        "metadata": {"name": name, "creationTimestamp": null},
        "conditions": [condition],
    })
}

/// Probes `https://127.0.0.1:<port>/healthz`: healthy on a 2xx or 3xx answer, with the body as
/// the message; otherwise the failure as Go's HTTP client words it.
async fn probe(port: u16) -> (bool, String) {
    let url = format!("https://127.0.0.1:{port}/healthz");
    match tokio::time::timeout(PROBE_TIMEOUT, get(port)).await {
        Ok(Ok((code, body))) if (200..400).contains(&code) => (true, body),
        Ok(Ok((code, _))) => (false, format!("HTTP probe failed with statuscode: {code}")),
        Ok(Err(e)) => (false, format!("Get {url:?}: {e}")),
        Err(_) => (
            false,
            format!(
                "Get {url:?}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
            ),
        ),
    }
}

/// One HTTP/1.1 GET of `/healthz` over TLS: the status code and the body.
async fn get(port: u16) -> Result<(u16, String), String> {
    let addr = format!("127.0.0.1:{port}");
    let tcp = tokio::net::TcpStream::connect(&addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            format!("dial tcp {addr}: connect: connection refused")
        }
        _ => format!("dial tcp {addr}: {e}"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        // Upstream's prober does not verify the components' serving certificates either.
        .with_custom_certificate_verifier(Arc::new(client::rest::SkipVerify::new(provider)))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
    let mut stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("remote error: tls: {e}"))?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.35\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&chunk[..n]);
                if raw.len() > MAX_BODY + 4096 {
                    break;
                }
            }
            // A peer that closes without close_notify still sent its answer.
            Err(_) if !raw.is_empty() => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("malformed HTTP response")?;
    let body: String = body.chars().take(MAX_BODY).collect();
    Ok((code, body))
}
