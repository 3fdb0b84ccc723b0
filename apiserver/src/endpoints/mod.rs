//! The HTTP surface: routes a request to discovery, health, version, OpenAPI or a resource
//! handler, and encodes every answer (objects, lists, tables, `Status` errors) as upstream does.

mod componentstatus;
pub mod discovery;
mod eviction;
mod lifecycle;
mod logs;
mod proxy;
pub mod request_info;
mod resource;
mod response;
mod streaming;
mod subresources;
mod watch;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupVersion;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use serde_json::{Value, json};
use tokio::sync::watch as tokio_watch;

use crate::authn::UserInfo;
use crate::registry::Registry;
pub use response::{full, status_response};

/// The response body type of every handler.
pub type Body = BoxBody<Bytes, Infallible>;

/// The largest request body upstream accepts (3 MiB).
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything the handlers share.
pub struct ApiServer {
    /// The stores of every resource.
    pub registry: Registry,
    /// Pre-built discovery documents.
    pub discovery: discovery::Discovery,
    /// The OpenAPI documents (custom resources are added and removed as they come and go).
    pub openapi: std::sync::RwLock<crate::openapi::OpenApi>,
    /// Set once startup work (bootstrap objects) is done; `/readyz` reports it.
    pub ready: AtomicBool,
    /// Flips to true when the server shuts down, ending watches.
    pub shutdown: tokio_watch::Receiver<bool>,
    /// Allocates ClusterIPs and NodePorts for Services.
    pub services: crate::service::Allocators,
    /// Authenticates requests (client certificates, tokens).
    pub authn: crate::authn::Authenticator,
    /// Request, watch and storage metrics served at `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Issues and checks service account tokens (`None`: the token subresource is not served).
    pub service_accounts: Option<Arc<crate::serviceaccount::TokenIssuer>>,
    /// Reaches kubelets for `pods/log` (the `--kubelet-*` flags).
    pub kubelets: crate::kubelet::KubeletClients,
    /// Refuses new objects in missing or terminating namespaces.
    pub namespaces: lifecycle::NamespaceLifecycle,
}

impl ApiServer {
    /// Assembles the server state; `server_address` (`host:port`) is what `/api` advertises.
    pub fn new(
        registry: Registry,
        server_address: &str,
        services: crate::service::Allocators,
        authn: crate::authn::Authenticator,
        shutdown: tokio_watch::Receiver<bool>,
    ) -> Self {
        let discovery = discovery::Discovery::new(registry.table(), server_address);
        ApiServer {
            registry,
            discovery,
            openapi: std::sync::RwLock::new(crate::openapi::OpenApi::builtin(
                client::version::GIT_VERSION,
            )),
            ready: AtomicBool::new(false),
            shutdown,
            services,
            authn,
            metrics: Arc::new(crate::metrics::Metrics::new()),
            service_accounts: None,
            kubelets: Default::default(),
            namespaces: Default::default(),
        }
    }
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer").finish_non_exhaustive()
    }
}

/// A request as the handlers see it: parsed path and query, headers, the authenticated user.
#[derive(Debug)]
pub struct Ctx {
    /// Method.
    pub method: Method,
    /// Parsed request info.
    pub info: request_info::RequestInfo,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Raw query string.
    pub raw_query: String,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// The authenticated user.
    pub user: UserInfo,
    /// The connection's upgrade, for a request that asks to switch protocols over HTTP/1.1
    /// (taken by the handler that completes it).
    pub upgrade: std::sync::Mutex<Option<hyper::upgrade::OnUpgrade>>,
}

impl Ctx {
    /// A query parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header's value (empty when absent or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Splits and percent-decodes a query string.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Serves one request.
pub async fn handle<B>(server: Arc<ApiServer>, req: Request<B>, user: UserInfo) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let (mut parts, body) = req.into_parts();
    let upgrade = std::sync::Mutex::new(parts.extensions.remove::<hyper::upgrade::OnUpgrade>());
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let query = parse_query(&raw_query);
    let path = parts.uri.path().to_string();
    let info = request_info::parse(parts.method.as_str(), &path, &query);
    let ctx =
        Ctx { method: parts.method, info, query, raw_query, headers: parts.headers, user, upgrade };
    let head = ctx.method == Method::HEAD;
    let started = std::time::Instant::now();
    let mut response = route(&server, &ctx, body).await;
    if ctx.info.verb != "watch" {
        let apply = ctx.header("content-type").starts_with("application/apply-patch");
        let dry_run = ctx.param("dryRun").is_some_and(|v| !v.is_empty());
        let labels = crate::metrics::request_labels(&ctx.info, ctx.method.as_str(), apply, dry_run);
        server.metrics.observe(&labels, response.status().as_u16(), started.elapsed());
    }
    tracing::debug!(
        verb = %ctx.info.verb,
        uri = %format!("{}?{}", ctx.info.path, ctx.raw_query),
        accept = %ctx.header("accept"),
        content_type = %ctx.header("content-type"),
        user = %ctx.user.name,
        status = response.status().as_u16(),
        "request"
    );
    if head {
        *response.body_mut() = response::empty();
    }
    response
}

async fn route<B>(server: &Arc<ApiServer>, ctx: &Ctx, body: B) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let path = ctx.info.path.as_str();
    if ctx.info.is_resource_request && !ctx.info.resource.is_empty() {
        let body = match read_body(body).await {
            Ok(b) => b,
            Err(e) => return status_response(&e),
        };
        return resource::serve(server, ctx, body).await;
    }
    let get = ctx.method == Method::GET || ctx.method == Method::HEAD;
    if !get {
        return not_found_response(path);
    }
    let accept = ctx.header("accept");
    match path.trim_end_matches('/') {
        "/api" => {
            if discovery::wants_aggregated(accept) {
                response::json_with_type(
                    &server.discovery.aggregated_core,
                    discovery::AGGREGATED_V2,
                )
            } else {
                response::json(StatusCode::OK, &server.discovery.api_versions)
            }
        }
        "/apis" => {
            if discovery::wants_aggregated(accept) {
                let custom = server.registry.custom_resources();
                response::json_with_type(
                    &server.discovery.aggregated_groups_with(&custom),
                    discovery::AGGREGATED_V2,
                )
            } else {
                let custom = server.registry.custom_resources();
                response::json(StatusCode::OK, &server.discovery.api_groups_with(&custom))
            }
        }
        "/version" => response::json(StatusCode::OK, &version_json()),
        "" => response::json(StatusCode::OK, &root_paths(server)),
        p if p.starts_with("/healthz") || p.starts_with("/livez") || p.starts_with("/readyz") => {
            health(server, ctx, p).await
        }
        p if p.starts_with("/openapi/") => openapi(server, ctx, p),
        "/metrics" => metrics(server).await,
        "/.well-known/openid-configuration" => {
            match server.service_accounts.as_deref().and_then(|i| i.openid_configuration()) {
                Some(doc) => response::json(StatusCode::OK, &doc),
                None => not_found_response(path),
            }
        }
        "/openid/v1/jwks" => {
            match server.service_accounts.as_deref().filter(|i| i.openid_configuration().is_some())
            {
                Some(i) => response::json_with_type(&i.jwks(), "application/jwk-set+json"),
                None => not_found_response(path),
            }
        }
        p if p.starts_with("/apis/") || p.starts_with("/api/") => {
            let info = &ctx.info;
            if info.api_prefix == "api" && !info.api_version.is_empty() {
                let gv = GroupVersion::new("", &info.api_version);
                return match server.discovery.resource_list(&gv) {
                    Some(v) if info.api_version == "v1" => response::json(StatusCode::OK, &v),
                    _ => not_found_response(path),
                };
            }
            let custom = server.registry.custom_resources();
            if info.api_prefix == "apis" && info.api_version.is_empty() {
                return match server.discovery.group_with(&info.api_group, &custom) {
                    Some(v) => response::json(StatusCode::OK, &v),
                    None => not_found_response(path),
                };
            }
            let gv = GroupVersion::new(&info.api_group, &info.api_version);
            match server.discovery.resource_list_with(&gv, &custom) {
                Some(v) => response::json(StatusCode::OK, &v),
                None => not_found_response(path),
            }
        }
        _ => not_found_response(path),
    }
}

/// Serves `/metrics`, refreshing the stored-object counts first.
async fn metrics(server: &ApiServer) -> Response<Body> {
    for store in server.registry.stores() {
        let info = store.info();
        if let Ok(n) = store.storage().count(store.prefix()).await {
            server.metrics.set_object_count(&info.group, &info.resource, n);
        }
    }
    let mut r = Response::new(full(server.metrics.encode()));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// Reads a request body, refusing more than upstream's limit.
async fn read_body<B>(body: B) -> Result<Bytes, StatusError>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let limited = http_body_util::Limited::new(body, MAX_REQUEST_BODY_BYTES);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(StatusError::new_request_entity_too_large(&format!(
                "limit is {MAX_REQUEST_BODY_BYTES}"
            )))
        }
        Err(e) => Err(StatusError::new_bad_request(&e.to_string())),
    }
}

/// The `/version` body.
pub fn version_json() -> Value {
    let v = client::version::get();
    json!({
        "major": v.major,
        "minor": v.minor,
        "emulationMajor": v.major,
        "emulationMinor": v.minor,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "34",
        "gitVersion": v.git_version,
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": v.compiler,
        "platform": v.platform,
    })
}

fn root_paths(server: &ApiServer) -> Value {
    let mut paths = vec!["/api".to_string(), "/api/v1".to_string(), "/apis".to_string()];
    for gv in server.registry.table().group_versions() {
        if !gv.group.is_empty() {
            paths.push(format!("/apis/{}", gv.group));
            paths.push(format!("/apis/{gv}"));
        }
    }
    paths.extend(
        ["/healthz", "/livez", "/metrics", "/openapi/v2", "/openapi/v3", "/readyz", "/version"]
            .map(String::from),
    );
    paths.sort();
    paths.dedup();
    json!({ "paths": paths })
}

/// The 404 for paths nothing serves (upstream's NotFound handler body).
fn not_found_response(_path: &str) -> Response<Body> {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404
    });
    response::json(StatusCode::NOT_FOUND, &body)
}

/// How long the storage checks of the health endpoints wait for an answer (upstream's
/// `--etcd-healthcheck-timeout` and `--etcd-readycheck-timeout`).
const STORAGE_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn health(server: &ApiServer, ctx: &Ctx, path: &str) -> Response<Body> {
    let (endpoint, check) = match path.trim_start_matches('/').split_once('/') {
        Some((e, c)) => (e, Some(c)),
        None => (path.trim_start_matches('/'), None),
    };
    let ready = server.ready.load(Ordering::SeqCst);
    let shutting_down = *server.shutdown.borrow();
    // The storage is asked only when a check that needs it is wanted.
    let storage_ok = match check {
        Some(c) if !c.starts_with("etcd") => true,
        _ => server.registry.storage_healthy(STORAGE_CHECK_TIMEOUT).await,
    };
    let mut checks: Vec<(&str, bool)> = vec![("ping", true), ("log", true), ("etcd", storage_ok)];
    if endpoint == "readyz" {
        checks.push(("etcd-readiness", storage_ok));
        checks.push(("informer-sync", true));
        checks.push(("poststarthook/bootstrap-controller", ready));
        checks.push(("shutdown", !shutting_down));
    } else {
        checks.push(("poststarthook/bootstrap-controller", ready || endpoint == "livez"));
    }
    if let Some(name) = check {
        return match checks.iter().find(|(n, _)| *n == name) {
            Some((_, true)) => response::text(StatusCode::OK, "ok"),
            Some((n, false)) => response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("internal server error: {n} failed"),
            ),
            None => not_found_response(path),
        };
    }
    let all_ok = checks.iter().all(|(_, ok)| *ok);
    let verbose = ctx.query.iter().any(|(k, _)| k == "verbose");
    if !verbose && all_ok {
        return response::text(StatusCode::OK, "ok");
    }
    let mut out = String::new();
    for (name, ok) in &checks {
        if *ok {
            out.push_str(&format!("[+]{name} ok\n"));
        } else {
            out.push_str(&format!("[-]{name} failed: reason withheld\n"));
        }
    }
    if all_ok {
        out.push_str(&format!("{endpoint} check passed\n"));
        response::text(StatusCode::OK, &out)
    } else {
        out.push_str(&format!("{endpoint} check failed\n"));
        response::text(StatusCode::INTERNAL_SERVER_ERROR, &out)
    }
}

fn openapi(server: &ApiServer, ctx: &Ctx, path: &str) -> Response<Body> {
    use crate::openapi::Response as R;
    let if_none = ctx.headers.get(http::header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let set_headers = |r: &mut Response<Body>, headers: Vec<(&str, String)>| {
        for (k, v) in headers {
            let v = if k == "Expires" {
                // One year from now, as an HTTP date.
                let at = jiff::Timestamp::now()
                    .checked_add(jiff::SignedDuration::from_hours(24 * 365))
                    .unwrap_or_else(|_| jiff::Timestamp::now());
                jiff::fmt::rfc2822::DateTimePrinter::new()
                    .timestamp_to_rfc9110_string(&at)
                    .unwrap_or_default()
            } else {
                v
            };
            if let (Ok(name), Ok(value)) =
                (http::HeaderName::from_bytes(k.as_bytes()), http::HeaderValue::from_str(&v))
            {
                r.headers_mut().insert(name, value);
            }
        }
    };
    let served = {
        let openapi = server.openapi.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        openapi.serve(path, &ctx.raw_query, ctx.header("accept"), if_none)
    };
    match served {
        Some(R::Ok { content_type, body, headers }) => {
            let mut r = response::bytes(StatusCode::OK, content_type, body, None);
            set_headers(&mut r, headers);
            r
        }
        Some(R::NotModified { headers }) => {
            let mut r = Response::new(response::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            set_headers(&mut r, headers);
            r
        }
        Some(R::MovedPermanently { location }) => {
            let mut r = Response::new(response::empty());
            *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
            if let Ok(v) = http::HeaderValue::from_str(&location) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            r
        }
        Some(R::NotAcceptable) => status_response(&StatusError::new_not_acceptable(&[
            "application/json",
            crate::openapi::V2_PROTOBUF_CONTENT_TYPE,
        ])),
        Some(R::NotFound) | None => not_found_response(path),
    }
}

/// Whether the server is shutting down.
pub fn shutting_down(server: &ApiServer) -> bool {
    *server.shutdown.borrow()
}
