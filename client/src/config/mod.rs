//! Kubeconfig handling in the manner of client-go's clientcmd: the file types, the loading and
//! merging rules, kubectl's override flags, validation (exec plugins, `proxy-url`), and the
//! in-cluster configuration. Exec credential plugins and proxies are carried out by
//! [`crate::rest`]'s transport.

mod in_cluster;
mod loader;
mod proxy;
mod resolve;
mod types;

#[cfg(test)]
mod tests;

pub use in_cluster::{
    InClusterEnv, SERVICE_ACCOUNT_CA_PATH, SERVICE_ACCOUNT_TOKEN_PATH, in_cluster_config,
};
pub use loader::{FileSystem, LoadingRules, MemoryFs, OsFs, decode, split_kubeconfig_env};
pub use proxy::ProxyUrl;
pub(crate) use proxy::{default_port, join_host_port, split_host_port};
pub use resolve::{ConfigOverrides, ResolvedConfig, confirm_usable, namespace, resolve};
pub use types::{AuthInfo, AuthProviderConfig, Cluster, Config, Context, ExecConfig, ExecEnvVar};

/// Everything that can go wrong while loading or resolving a kubeconfig. Display strings are
/// client-go's, since users and scripts match on them.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A file named with `--kubeconfig` does not exist.
    #[error("stat {0}: no such file or directory")]
    ExplicitFileMissing(String),
    /// A file could not be read or decoded.
    #[error("error loading config file \"{path}\": {message}")]
    Load {
        /// The file that failed.
        path: String,
        /// Why it failed.
        message: String,
    },
    /// The configuration failed validation; the inner messages are joined like Go's aggregate.
    #[error("invalid configuration: {}", aggregate(.0))]
    Invalid(Vec<String>),
    /// A base64 or file value that must be read could not be.
    #[error("{0}")]
    Read(String),
    /// Not running in a pod: the service environment variables are unset.
    #[error(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
    )]
    NotInCluster,
}

/// The message of the empty-configuration error, as client-go words it.
pub const EMPTY_CONFIG_MESSAGE: &str =
    "no configuration has been provided, try setting KUBERNETES_MASTER environment variable";

/// Formats a list of messages the way apimachinery's aggregate error does.
fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}
