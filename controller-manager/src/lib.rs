//! kube-controller-manager: The Kubernetes controller manager: runs the control loops that drive actual state toward desired state.
//!
//! The binary `kube-controller-manager` is a thin wrapper: it parses [`Options`] and calls [`run`]. For now the
//! component answers `--help` and `--version` only.

use client::cli::{self, ComponentError};

/// Command-line options, spelled as upstream's kube-controller-manager spells them.
#[derive(Debug, clap::Parser)]
#[command(
    name = "kube-controller-manager",
    about = "The Kubernetes controller manager: runs the control loops that drive actual state toward desired state.",
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
    Err(ComponentError::NotImplemented("kube-controller-manager"))
}
