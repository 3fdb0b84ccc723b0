//! kube-apiserver: The Kubernetes API server: validates and stores API objects and serves the REST API.
//!
//! The binary `kube-apiserver` is a thin wrapper: it parses [`Options`] and calls [`run`]. For now the
//! component answers `--help` and `--version` only.

use client::cli::{self, ComponentError};

pub mod storage;

/// Command-line options, spelled as upstream's kube-apiserver spells them.
#[derive(Debug, clap::Parser)]
#[command(
    name = "kube-apiserver",
    about = "The Kubernetes API server: validates and stores API objects and serves the REST API.",
    disable_version_flag = true
)]
pub struct Options {
    /// Print version information and quit; --version=raw prints more detail.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "version")]
    pub version: Option<String>,
}

/// Runs the component with parsed options.
pub fn run(options: Options) -> Result<(), ComponentError> {
    if cli::print_version(options.version.as_deref())? {
        return Ok(());
    }
    Err(ComponentError::NotImplemented("kube-apiserver"))
}
