//! [`Client`]: sends requests to one API server with the kubeconfig's credentials, throttled by
//! a token bucket, retried on `Retry-After`, bounded by the request timeout, and turns failure
//! answers into [`Error::Api`].

use std::sync::Arc;
use std::time::Duration;

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupResource;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;

use super::config::{Config, default_user_agent};
use super::error::{BoxError, Error, url_error_op};
use super::flowcontrol::TokenBucket;
use super::request::Request;
use super::transport::{
    Auth, Connector, ProxyEnv, Route, UsedCredentials, exec_authenticator, route_for, tls_config,
};
use super::watch::EventStream;
use crate::config::ResolvedConfig;

/// Requests throttled longer than this are logged at debug level.
const LONG_THROTTLE_LATENCY: Duration = Duration::from_millis(50);
/// Requests throttled longer than this are logged at info level.
const EXTRA_LONG_THROTTLE_LATENCY: Duration = Duration::from_secs(1);
/// The most of an error body kept in a message built from it.
const MAX_UNSTRUCTURED_RESPONSE_TEXT_BYTES: usize = 2048;

/// A client for one API server. Cloning is cheap and clones share connections and the rate
/// limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// `scheme://authority` of the server.
    origin: String,
    /// A path prefix from the server URL (`https://host/prefix`), without a trailing `/`.
    base_path: String,
    namespace: String,
    http: HyperClient<Connector, Full<Bytes>>,
    auth: Auth,
    /// Basic credentials for an HTTP proxy that plain-HTTP requests are sent through.
    proxy_authorization: Option<HeaderValue>,
    impersonate: Option<HeaderValue>,
    user_agent: HeaderValue,
    accept: HeaderValue,
    limiter: Option<TokenBucket>,
    timeout: Option<Duration>,
    max_retries: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &format!("{}{}", self.inner.origin, self.inner.base_path))
            .finish_non_exhaustive()
    }
}

/// A complete response to a request that succeeded (2xx).
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode(&self.body)
    }
}

pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|source| Error::Decode {
        what: format!("the response body as {}", short_type_name::<T>()),
        source,
    })
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Why a response may be retried, and after how long (client-go's `checkWait`): `429` or any
/// `5xx` carrying an integer `Retry-After`.
pub(crate) fn check_wait(status: StatusCode, headers: &HeaderMap) -> Option<u64> {
    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
        return None;
    }
    retry_after_seconds(headers)
}

fn retry_after_seconds(headers: &HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok()
}

/// Whether a transport error means the connection dropped under the request (client-go retries
/// those for GET: a reset connection or an unexpected EOF).
pub(crate) fn is_connection_lost(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_closed())
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The message of an error and its causes, `a: b: c`, skipping causes already quoted.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let m = e.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        cur = e.source();
    }
    out
}

fn is_text_response(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(ct) => ct.trim().to_ascii_lowercase().starts_with("text/"),
    }
}

/// The error a failed answer stands for: its `Status` body when it has one, else a `Status`
/// built from the HTTP code as client-go's `newUnstructuredResponseError` does.
pub(crate) fn response_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    req: &Request,
) -> Error {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Ok(s) = StatusError::from_value(value)
        && s.status().status.as_deref() == Some("Failure")
    {
        return Error::Api(s);
    }
    let body = &body[..body.len().min(MAX_UNSTRUCTURED_RESPONSE_TEXT_BYTES)];
    let message = if is_text_response(headers) {
        String::from_utf8_lossy(body).trim().to_string()
    } else {
        "unknown".to_string()
    };
    let resource = if req.resource.is_empty() {
        GroupResource::new("", "")
    } else {
        GroupResource::new(&req.group, &req.resource)
    };
    let retry_after =
        retry_after_seconds(headers).map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX));
    Error::Api(StatusError::new_generic_server_response(
        i32::from(status.as_u16()),
        req.method.as_str(),
        &resource,
        &req.name,
        &message,
        retry_after,
        true,
    ))
}

/// What to do before the first attempt of a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Throttle {
    /// Take a token first (ordinary requests and log streams).
    First,
    /// Only throttle retries (watches, as client-go does).
    RetriesOnly,
}

impl Client {
    /// A client for the server `resolved` names, with `config`'s options.
    pub fn new(resolved: &ResolvedConfig, config: Config) -> Result<Client, Error> {
        Self::with_proxy_env(resolved, config, &ProxyEnv::from_process())
    }

    /// [`Client::new`] with the proxy variables taken from `env` instead of the process.
    pub(crate) fn with_proxy_env(
        resolved: &ResolvedConfig,
        config: Config,
        env: &ProxyEnv,
    ) -> Result<Client, Error> {
        if resolved.server.is_empty() {
            return Err(Error::Config(
                "host must be a URL or a host:port pair: the server is empty".into(),
            ));
        }
        // A bare host:port means https, as client-go's DefaultServerURL assumes with TLS.
        let server = if resolved.server.contains("://") {
            resolved.server.clone()
        } else {
            format!("https://{}", resolved.server)
        };
        let uri: Uri = server.parse().map_err(|e| {
            Error::Config(format!("host must be a URL or a host:port pair: {server:?}: {e}"))
        })?;
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        if scheme != "https" && scheme != "http" {
            return Err(Error::Config(format!("unsupported URL scheme {scheme:?} in {server:?}")));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| {
                Error::Config(format!("host must be a URL or a host:port pair: {server:?}"))
            })?
            .to_string();
        let base_path = uri.path().trim_end_matches('/').to_string();
        let exec = exec_authenticator(resolved)?;
        let tls = if scheme == "https" { Some(tls_config(resolved, exec.as_ref())?) } else { None };
        let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let route = route_for(resolved.proxy_url.as_deref(), env, &scheme, host, uri.port_u16())
            .map_err(|e| {
                Error::Config(format!(
                    "invalid 'proxy-url' {}: {e}",
                    apimachinery::gofmt::quote(resolved.proxy_url.as_deref().unwrap_or(""))
                ))
            })?;
        let (proxy_tls, proxy_authorization) = match &route {
            Route::Proxy(p) => {
                let tls = if p.scheme == "https" {
                    Some(tls_config(resolved, exec.as_ref())?)
                } else {
                    None
                };
                let plain_http_proxy = scheme == "http" && !p.scheme.starts_with("socks5");
                let auth = p
                    .basic_auth()
                    .filter(|_| plain_http_proxy)
                    .map(|a| {
                        HeaderValue::from_str(&a).map(|mut v| {
                            v.set_sensitive(true);
                            v
                        })
                    })
                    .transpose()
                    .map_err(|e| Error::Config(format!("invalid proxy credentials: {e}")))?;
                (tls, auth)
            }
            _ => (None, None),
        };
        let tracker = exec.as_ref().map(|a| a.tracker().clone());
        let connector =
            Connector::new(tls, resolved.tls_server_name.as_deref(), route, proxy_tls, tracker)?;
        let http = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .http2_keep_alive_interval(Duration::from_secs(30))
            .http2_keep_alive_timeout(Duration::from_secs(15))
            .build(connector);
        let header = |what: &str, v: &str| {
            HeaderValue::from_str(v)
                .map_err(|e| Error::Config(format!("invalid {what} {v:?}: {e}")))
        };
        let user_agent =
            header("user agent", &config.user_agent.clone().unwrap_or_else(default_user_agent))?;
        let accept = header("accept type", &config.accept)?;
        let impersonate = resolved
            .impersonate
            .as_deref()
            .map(|u| header("user to impersonate", u))
            .transpose()?;
        let limiter = (config.qps > 0.0).then(|| TokenBucket::new(config.qps, config.burst));
        Ok(Client {
            inner: Arc::new(Inner {
                origin: format!("{scheme}://{authority}"),
                base_path,
                namespace: resolved.namespace.clone(),
                http,
                auth: Auth::from_config(resolved, config.token_refresh, exec)?,
                proxy_authorization,
                impersonate,
                user_agent,
                accept,
                limiter,
                timeout: config.timeout,
                max_retries: config.max_retries,
            }),
        })
    }

    /// A client with the default options.
    pub fn try_default(resolved: &ResolvedConfig) -> Result<Client, Error> {
        Self::new(resolved, Config::default())
    }

    /// The namespace of the kubeconfig's context (`default` when it names none).
    pub fn default_namespace(&self) -> &str {
        if self.inner.namespace.is_empty() { "default" } else { &self.inner.namespace }
    }

    /// The full URL a request goes to.
    pub fn url(&self, req: &Request) -> String {
        format!("{}{}{}", self.inner.origin, self.inner.base_path, req.path_and_query())
    }

    async fn throttle(&self, req: &Request, reason: Option<&str>) {
        let Some(limiter) = &self.inner.limiter else { return };
        let waited = limiter.acquire().await;
        if waited > LONG_THROTTLE_LATENCY {
            let reason = reason.unwrap_or("client-side throttling, not priority and fairness");
            let url = self.url(req);
            let message =
                format!("Waited for {waited:?} due to {reason}, request: {}:{url}", req.method);
            if waited > EXTRA_LONG_THROTTLE_LATENCY {
                tracing::info!("{message}");
            } else {
                tracing::debug!("{message}");
            }
        }
    }

    /// The HTTP request for `req`, with what authenticated it. Credentials a request carries
    /// itself win over the configured ones, as in client-go.
    async fn build(
        &self,
        req: &Request,
    ) -> Result<(http::Request<Full<Bytes>>, UsedCredentials), Error> {
        let url = self.url(req);
        let mut b = http::Request::builder().method(req.method.clone()).uri(&url);
        let headers =
            b.headers_mut().ok_or_else(|| Error::Request(format!("invalid URL {url:?}")))?;
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(ACCEPT, self.inner.accept.clone());
        let mut used = UsedCredentials::Static;
        if !req.headers.contains_key(AUTHORIZATION) {
            let (auth, from) = self
                .inner
                .auth
                .authorize()
                .await
                .map_err(|e| self.transport_error(req, e.into()))?;
            if let Some(auth) = auth {
                headers.insert(AUTHORIZATION, auth);
            }
            used = from;
        }
        if let Some(proxy_auth) = &self.inner.proxy_authorization {
            headers.insert(HeaderName::from_static("proxy-authorization"), proxy_auth.clone());
        }
        if let Some(user) = &self.inner.impersonate {
            headers.insert(HeaderName::from_static("impersonate-user"), user.clone());
        }
        for (k, v) in &req.headers {
            headers.insert(k.clone(), v.clone());
        }
        let body = Full::new(req.body.clone().unwrap_or_default());
        let built =
            b.body(body).map_err(|e| Error::Request(format!("invalid request to {url:?}: {e}")))?;
        Ok((built, used))
    }

    fn transport_error(&self, req: &Request, source: BoxError) -> Error {
        Error::Transport { op: url_error_op(req.method.as_str()), url: self.url(req), source }
    }

    /// Sends `req` until it gets an answer that is not to be retried: `429`/`5xx` with
    /// `Retry-After` is retried after the given seconds (up to `max_retries` times), and so is
    /// a GET whose connection dropped (after a second). Each retry waits for the rate limiter.
    async fn send_with_retries(
        &self,
        req: &Request,
        throttle: Throttle,
    ) -> Result<http::Response<Incoming>, Error> {
        if throttle == Throttle::First {
            self.throttle(req, None).await;
        }
        let mut attempts: u32 = 0;
        loop {
            let (hyper_req, used) = self.build(req).await?;
            let (wait, reason) = match self.inner.http.request(hyper_req).await {
                Ok(resp) => {
                    if resp.status() == StatusCode::UNAUTHORIZED {
                        self.inner.auth.unauthorized(&used).await;
                    }
                    let Some(seconds) = check_wait(resp.status(), resp.headers()) else {
                        return Ok(resp);
                    };
                    if attempts >= self.inner.max_retries {
                        return Ok(resp);
                    }
                    attempts += 1;
                    let why = if resp.status() == StatusCode::TOO_MANY_REQUESTS {
                        let uid = resp
                            .headers()
                            .get("X-Kubernetes-PF-FlowSchema-UID")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        format!(
                            "due to server-side throttling, FlowSchema UID: {}",
                            apimachinery::gofmt::quote(uid)
                        )
                    } else {
                        resp.status().as_u16().to_string()
                    };
                    (
                        Duration::from_secs(seconds),
                        format!(
                            "retries: {attempts}, retry-after: {seconds}s - retry-reason: {why}"
                        ),
                    )
                }
                Err(e) => {
                    let retryable = req.method == Method::GET && is_connection_lost(&e);
                    if !retryable || attempts >= self.inner.max_retries {
                        return Err(self.transport_error(req, Box::new(e)));
                    }
                    attempts += 1;
                    (
                        Duration::from_secs(1),
                        format!(
                            "retries: {attempts}, retry-after: 1s - retry-reason: due to retryable error, error: {}",
                            error_chain(&e)
                        ),
                    )
                }
            };
            tokio::time::sleep(wait).await;
            self.throttle(req, Some(&reason)).await;
            tracing::debug!(delay = ?wait, attempt = attempts, url = %self.url(req), "Got a Retry-After response");
        }
    }

    async fn send_and_read(&self, req: &Request) -> Result<Response, Error> {
        let resp = self.send_with_retries(req, Throttle::RetriesOnly).await?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| {
            self.transport_error(
                req,
                format!(
                    "unexpected error when reading response body. Please retry. Original error: {}",
                    error_chain(&e)
                )
                .into(),
            )
        })?;
        let body = body.to_bytes();
        if !parts.status.is_success() {
            return Err(response_error(parts.status, &parts.headers, &body, req));
        }
        Ok(Response { status: parts.status, headers: parts.headers, body })
    }

    /// Sends a request and reads the whole answer; a non-2xx answer is an error.
    pub async fn send(&self, req: Request) -> Result<Response, Error> {
        self.throttle(&req, None).await;
        match req.timeout.or(self.inner.timeout) {
            Some(timeout) => tokio::time::timeout(timeout, self.send_and_read(&req))
                .await
                .map_err(|_| Error::Timeout {
                    op: url_error_op(req.method.as_str()),
                    url: self.url(&req),
                    timeout,
                })?,
            None => self.send_and_read(&req).await,
        }
    }

    /// Sends a request and decodes the answer as JSON. A 2xx answer that is a failure
    /// `Status` is an error too.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let resp = self.send(req).await?;
        failure_status(&resp.body)?;
        resp.json()
    }

    /// Sends a request and hands back the answer's streaming body once its headers are in
    /// (log follows, raw watches). Not bound by the client timeout.
    pub async fn send_streaming(&self, req: Request) -> Result<http::Response<Incoming>, Error> {
        self.streaming(&req, Throttle::First).await
    }

    /// Like [`Client::send_streaming`], but hands back any answer, whatever its status, for
    /// callers that relay another server's response (the apiserver proxying to kubelets).
    pub async fn send_streaming_unchecked(
        &self,
        req: Request,
    ) -> Result<http::Response<Incoming>, Error> {
        self.send_with_retries(&req, Throttle::First).await
    }

    async fn streaming(
        &self,
        req: &Request,
        throttle: Throttle,
    ) -> Result<http::Response<Incoming>, Error> {
        let resp = self.send_with_retries(req, throttle).await?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let (parts, body) = resp.into_parts();
        let body = collect_limited(body, 64 * 1024).await;
        Err(response_error(parts.status, &parts.headers, &body, req))
    }

    /// Opens a watch (`req` must carry `watch=true` or be a watch path) and decodes its JSON
    /// events. Watches are not throttled (as in client-go) nor bound by the client timeout.
    pub async fn watch<T: DeserializeOwned>(&self, req: Request) -> Result<EventStream<T>, Error> {
        let resp = self.streaming(&req, Throttle::RetriesOnly).await?;
        if resp.status() != StatusCode::OK {
            return Err(response_error(resp.status(), resp.headers(), b"", &req));
        }
        Ok(EventStream::new(resp.into_body(), self.url(&req)))
    }
}

/// Reads at most `limit` bytes of a body (an error body, to build a message from).
async fn collect_limited(mut body: Incoming, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
            _ => break,
        }
    }
    out.truncate(limit);
    out
}

/// An error when a successful answer's body is a failure `Status` (client-go's `Result.Into`).
pub(crate) fn failure_status(body: &[u8]) -> Result<(), Error> {
    // Only a body that starts like a Status is worth a second parse.
    if !body.windows(8).any(|w| w == b"\"Status\"") {
        return Ok(());
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Ok(s) = StatusError::from_value(value)
        && s.status().status.as_deref() != Some("Success")
    {
        return Err(Error::Api(s));
    }
    Ok(())
}
