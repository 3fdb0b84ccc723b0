//! The configuration a pod uses to reach its own API server (client-go's `InClusterConfig`).

use super::ConfigError;
use super::loader::FileSystem;
use super::resolve::ResolvedConfig;

/// Where the kubelet mounts the service-account token.
pub const SERVICE_ACCOUNT_TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/// Where the kubelet mounts the cluster CA bundle.
pub const SERVICE_ACCOUNT_CA_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

/// Environment lookup, injectable so tests need not touch the process environment.
pub trait InClusterEnv {
    /// The value of a variable, if set.
    fn var(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> InClusterEnv for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// Builds the in-cluster configuration from `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted
/// service-account files. A missing or unreadable CA leaves `ca_data` empty, as client-go only
/// logs that case; a missing token is an error.
pub fn in_cluster_config(
    env: &dyn InClusterEnv,
    fs: &dyn FileSystem,
) -> Result<ResolvedConfig, ConfigError> {
    let host = env.var("KUBERNETES_SERVICE_HOST").unwrap_or_default();
    let port = env.var("KUBERNETES_SERVICE_PORT").unwrap_or_default();
    if host.is_empty() || port.is_empty() {
        return Err(ConfigError::NotInCluster);
    }
    let token = match fs.read(SERVICE_ACCOUNT_TOKEN_PATH) {
        Ok(Some(t)) => String::from_utf8_lossy(&t).into_owned(),
        Ok(None) => {
            return Err(ConfigError::Read(format!(
                "open {SERVICE_ACCOUNT_TOKEN_PATH}: no such file or directory"
            )));
        }
        Err(e) => return Err(ConfigError::Read(e)),
    };
    let ca_data = fs.read(SERVICE_ACCOUNT_CA_PATH).ok().flatten();
    // Go's net.JoinHostPort brackets any host containing a colon.
    let hostport =
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    Ok(ResolvedConfig {
        server: format!("https://{hostport}"),
        namespace: String::new(),
        ca_data,
        token: Some(token),
        token_file: Some(SERVICE_ACCOUNT_TOKEN_PATH.to_string()),
        ..ResolvedConfig::default()
    })
}
