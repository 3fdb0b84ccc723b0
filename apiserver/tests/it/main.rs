//! Integration tests of the REST API: an in-process server over a fresh embedded store, driven
//! through the same handler the HTTPS server calls (no sockets), checking status codes and
//! bodies against upstream's.

use std::sync::Arc;

use apiserver::authn::{Authenticator, UserInfo};
use apiserver::endpoints::{self, ApiServer};
use apiserver::registry::Registry;
use apiserver::service::{Allocators, Ipv4Range};
use apiserver::storage::Embedded;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

mod apply;
mod bootstrap;
mod certificates;
mod conversion;
mod crd;
mod eviction;
mod health;
mod logs;
mod pods;
mod proxy;
mod rest;
mod serviceaccount;
mod streaming;
mod validation;
mod validation_config;
mod watch;

/// A TLS listener on a loopback port with a self-signed certificate, for a kubelet stand-in:
/// its acceptor, the listener and the port.
pub async fn tls_listener() -> (tokio_rustls::TlsAcceptor, tokio::net::TcpListener, u16) {
    let (cert, key) = apiserver::server::certs::self_signed(&["127.0.0.1".into()]).unwrap();
    let tls = apiserver::server::tls_config(cert.as_bytes(), key.as_bytes(), None).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (acceptor, listener, port)
}

/// The service account token issuer of test servers.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// An in-process server.
pub struct Server {
    api: Arc<ApiServer>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::watch::Sender<bool>,
}

/// A response, decoded.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub code: StatusCode,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// The body as JSON (`null` when it is not JSON).
    pub body: Value,
    /// The body as sent.
    pub raw: Bytes,
}

impl Server {
    /// A server over a fresh store, with the system objects created.
    pub async fn new() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let storage = Arc::new(Embedded::open(dir.path()).unwrap());
        Server::with_storage(storage, dir).await
    }

    /// A server over `storage` (`dir` is kept for as long as the server lives).
    pub async fn with_storage(
        storage: Arc<dyn apiserver::storage::Storage>,
        dir: tempfile::TempDir,
    ) -> Server {
        let registry = Registry::new(storage, "/registry", true);
        let services = Allocators {
            cluster_ips: Ipv4Range::parse("10.0.0.0/24").unwrap(),
            node_ports: (30000, 32767),
        };
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let mut api = ApiServer::new(
            registry,
            "127.0.0.1:6443",
            services,
            Authenticator::default(),
            shutdown,
        );
        let issuer = apiserver::serviceaccount::TokenIssuer::load(
            &apiserver::serviceaccount::IssuerConfig {
                issuers: vec![ISSUER.into()],
                extend_expiration: true,
                ..Default::default()
            },
        )
        .unwrap();
        api.service_accounts = Some(Arc::new(issuer));
        let api = Arc::new(api);
        apiserver::bootstrap::run(&api.registry, "10.0.0.1", "127.0.0.1", 6443).await.unwrap();
        api.ready.store(true, std::sync::atomic::Ordering::SeqCst);
        tokio::spawn(apiserver::apiextensions::run(api.clone()));
        Server { api, _dir: dir, _stop: stop }
    }

    /// The shared server state.
    pub fn api(&self) -> Arc<ApiServer> {
        self.api.clone()
    }

    /// Sends a request and reads the whole response.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
        let resp = endpoints::handle(self.api.clone(), req, UserInfo::anonymous()).await;
        let (parts, body) = resp.into_parts();
        let raw = body.collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply { code: parts.status, headers: parts.headers, body, raw }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, &[], b"").await
    }

    /// POST of a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(
            "POST",
            path,
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await
    }

    /// PUT of a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call("PUT", path, &[("content-type", "application/json")], body.to_string().as_bytes())
            .await
    }

    /// PATCH with a content type.
    pub async fn patch(&self, path: &str, content_type: &str, body: &Value) -> Reply {
        self.call("PATCH", path, &[("content-type", content_type)], body.to_string().as_bytes())
            .await
    }

    /// DELETE without a body.
    pub async fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, &[], b"").await
    }
}

/// The `Warning` headers of a reply, unquoted.
pub fn warnings(r: &Reply) -> Vec<String> {
    r.headers
        .get_all("warning")
        .iter()
        .map(|v| {
            let v = v.to_str().unwrap();
            let quoted = v.strip_prefix("299 - ").expect("warning code");
            serde_json::from_str::<String>(quoted).expect("quoted warning")
        })
        .collect()
}

/// A ConfigMap body.
pub fn configmap(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

/// Asserts a `Status` failure body.
#[track_caller]
pub fn assert_status(r: &Reply, code: u16, reason: &str, message: &str) {
    assert_eq!(r.code.as_u16(), code, "{:?}", r.body);
    assert_eq!(r.body["kind"], "Status", "{:?}", r.body);
    assert_eq!(r.body["status"], "Failure");
    assert_eq!(r.body["reason"], reason, "{:?}", r.body);
    assert_eq!(r.body["message"], message, "{:?}", r.body);
    assert_eq!(r.body["code"], code);
}
