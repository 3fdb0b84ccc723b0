//! Client options beyond the kubeconfig (client-go's `rest.Config` knobs): throttling, timeout,
//! user agent, content type and retries.

use std::time::Duration;

/// Options of a [`super::Client`]. The kubeconfig part (server, TLS, credentials) comes from a
/// [`crate::config::ResolvedConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Sustained requests per second the client allows itself (client-go's `QPS`); `0` or less
    /// turns client-side throttling off.
    pub qps: f32,
    /// Requests allowed in a burst above `qps`.
    pub burst: u32,
    /// The longest a non-streaming request may take, retries included; `None` waits forever.
    /// Watches and log streams are not bound by it.
    pub timeout: Option<Duration>,
    /// The `User-Agent` header; `None` uses [`default_user_agent`].
    pub user_agent: Option<String>,
    /// The `Accept` header of requests that do not set their own.
    pub accept: String,
    /// How many times a request answered with `429` or `5xx` plus `Retry-After` is retried.
    pub max_retries: u32,
    /// How long a token read from a token file is used before the file is read again.
    pub token_refresh: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            qps: 5.0,
            burst: 10,
            timeout: None,
            user_agent: None,
            accept: "application/json".to_string(),
            max_retries: 10,
            token_refresh: Duration::from_secs(50),
        }
    }
}

/// The user agent client-go sends by default, `<command>/<version> (<os>/<arch>)
/// kubernetes/<commit>`, with this build's version and the running program's name.
pub fn default_user_agent() -> String {
    let command = std::env::args()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a).file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    user_agent_for(&command)
}

pub(crate) fn user_agent_for(command: &str) -> String {
    let info = crate::version::get();
    // client-go keeps the version up to the first '-' (no pre-release or build suffix).
    let version = info.git_version.split('-').next().unwrap_or(info.git_version);
    format!("{command}/{version} ({}) kubernetes/unknown", info.platform)
}
