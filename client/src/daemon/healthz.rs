//! Health endpoints as k8s.io/apiserver's `healthz` package serves them: `/healthz`,
//! `/livez` and `/readyz` run their named checks (`?verbose` lists each, `?exclude=name`
//! skips one), `/<path>/<name>` runs one check, and a failure answers 500 without saying why
//! (the reason goes to the log).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use tokio_util::sync::CancellationToken;

/// A named health check (upstream's `HealthChecker`).
pub trait HealthCheck: Send + Sync {
    /// The name served under `/<path>/<name>` and listed in verbose output.
    fn name(&self) -> &str;
    /// `Err(reason)` when unhealthy; the reason is logged, never served by the root path.
    fn check(&self) -> Result<(), String>;
}

struct NamedCheck<F> {
    name: String,
    check: F,
}

impl<F: Fn() -> Result<(), String> + Send + Sync> HealthCheck for NamedCheck<F> {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), String> {
        (self.check)()
    }
}

/// A check from a name and a function (upstream's `NamedCheck`).
pub fn named_check(
    name: impl Into<String>,
    check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
) -> Arc<dyn HealthCheck> {
    Arc::new(NamedCheck { name: name.into(), check })
}

/// The check that always passes (upstream's `PingHealthz`), installed when a path has none.
pub fn ping() -> Arc<dyn HealthCheck> {
    named_check("ping", || Ok(()))
}

/// Fails once `stop` is cancelled (upstream's `NewShutdownHealthz`), so a load balancer stops
/// sending traffic while the process drains.
pub fn shutdown_check(stop: CancellationToken) -> Arc<dyn HealthCheck> {
    named_check("shutdown", move || {
        if stop.is_cancelled() { Err("process is shutting down".into()) } else { Ok(()) }
    })
}

/// The checks of one health path.
#[derive(Clone)]
pub struct HealthChecks {
    /// `/healthz`, `/livez` or `/readyz`.
    path: String,
    /// The first path segment, used in the final line (`healthz check passed`).
    name: String,
    checks: Vec<Arc<dyn HealthCheck>>,
}

impl std::fmt::Debug for HealthChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|c| c.name()).collect();
        f.debug_struct("HealthChecks").field("path", &self.path).field("checks", &names).finish()
    }
}

impl HealthChecks {
    /// The checks served under `path`; with none, the ping check (as upstream installs).
    pub fn new(path: &str, checks: Vec<Arc<dyn HealthCheck>>) -> Self {
        let checks = if checks.is_empty() { vec![ping()] } else { checks };
        let name = path.trim_start_matches('/').split('/').next().unwrap_or("").to_string();
        HealthChecks { path: path.to_string(), name, checks }
    }

    /// The answer for `path` and `query` when this path serves it.
    pub fn handle(&self, path: &str, query: &str) -> Option<Response<Full<Bytes>>> {
        if path == self.path {
            return Some(self.handle_root(query));
        }
        let name = path.strip_prefix(self.path.as_str())?.strip_prefix('/')?;
        let check = self.checks.iter().find(|c| c.name() == name)?;
        Some(match check.check() {
            Ok(()) => text(StatusCode::OK, "ok".into()),
            Err(e) => {
                error(StatusCode::INTERNAL_SERVER_ERROR, &format!("internal server error: {e}"))
            }
        })
    }

    fn handle_root(&self, query: &str) -> Response<Full<Bytes>> {
        let params = parse_query(query);
        let excluded: Vec<String> =
            params.iter().filter(|(k, _)| k == "exclude").map(|(_, v)| v.clone()).collect();
        let mut unknown_excluded: Vec<String> = excluded.clone();
        unknown_excluded.sort();
        unknown_excluded.dedup();
        let mut output = String::new();
        let mut failed_log = String::new();
        let mut failed: Vec<&str> = Vec::new();
        for check in &self.checks {
            let name = check.name();
            if excluded.iter().any(|e| e == name) {
                unknown_excluded.retain(|e| e != name);
                output.push_str(&format!("[+]{name} excluded: ok\n"));
                continue;
            }
            match check.check() {
                Ok(()) => output.push_str(&format!("[+]{name} ok\n")),
                Err(e) => {
                    // The endpoint is public: the reason goes to the log only.
                    output.push_str(&format!("[-]{name} failed: reason withheld\n"));
                    failed_log.push_str(&format!("[-]{name} failed: {e}\n"));
                    failed.push(name);
                }
            }
        }
        if !unknown_excluded.is_empty() {
            output.push_str(&format!(
                "warn: some health checks cannot be excluded: no matches for {}\n",
                format_quoted(&unknown_excluded)
            ));
        }
        if !failed.is_empty() {
            tracing::info!("{} check failed: {}\n{failed_log}", failed.join(","), self.name);
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("{output}{} check failed", self.name),
            );
        }
        if !params.iter().any(|(k, _)| k == "verbose") {
            return text(StatusCode::OK, "ok".into());
        }
        output.push_str(&format!("{} check passed\n", self.name));
        text(StatusCode::OK, output)
    }
}

fn format_quoted(names: &[String]) -> String {
    names.iter().map(|n| apimachinery::gofmt::quote(n)).collect::<Vec<_>>().join(",")
}

/// A `text/plain` answer as upstream's handlers write it.
fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

/// Go's `http.Error`: the message and a newline.
pub(crate) fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    text(status, format!("{message}\n"))
}

/// Go's `url.ParseQuery`, keeping the order: `+` is a space, `%XX` an escaped byte.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
