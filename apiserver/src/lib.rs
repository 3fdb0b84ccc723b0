//! kube-apiserver: The Kubernetes API server: validates and stores API objects and serves the REST API.
//!
//! The binary `kube-apiserver` is a thin wrapper: it parses [`Options`] and calls [`run`]. For now the
//! component answers `--help` and `--version` only.

use client::version::VersionFlag;

/// Command-line options, spelled as upstream's kube-apiserver spells them.
#[derive(Debug, clap::Parser)]
#[command(
    name = "kube-apiserver",
    about = "The Kubernetes API server: validates and stores API objects and serves the REST API.",
    disable_version_flag = true
)]
pub struct Options {
    /// Print version information and quit; --version=raw prints more detail.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "version[=true]")]
    pub version: Option<String>,
}

/// Why the component stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag had a value the component cannot use.
    #[error("{0}")]
    InvalidFlag(String),
    /// The component's control loop does not exist yet.
    #[error("kube-apiserver does not run yet: only --help and --version are implemented")]
    NotImplemented,
}

impl Error {
    /// The process exit code: 64 (usage) for bad flags, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidFlag(_) => 64,
            Error::NotImplemented => 1,
        }
    }
}

/// Runs the component with validated options.
pub fn run(options: Options) -> Result<(), Error> {
    let version = VersionFlag::parse(options.version.as_deref()).map_err(Error::InvalidFlag)?;
    if let Some(text) = version.text() {
        println!("{text}");
        return Ok(());
    }
    Err(Error::NotImplemented)
}
