//! Command-line plumbing every component binary shares: the `--version` flag, the error a
//! component stops with, and the exit code it maps to.

use std::process::ExitCode;

use crate::version::VersionFlag;

/// Why a component stopped.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// A flag had a value the component cannot use.
    #[error("{0}")]
    InvalidFlag(String),
    /// The component's serving or control loop does not exist yet.
    #[error("{0} does not run yet: only --help and --version are implemented")]
    NotImplemented(&'static str),
    /// The component could not start or stopped with an error.
    #[error("{0}")]
    Failed(String),
}

impl ComponentError {
    /// The process exit code: 64 (usage) for bad flags, before any port opens; 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::InvalidFlag(_) => 64,
            Self::NotImplemented(_) | Self::Failed(_) => 1,
        }
    }
}

/// Handles a daemon's `--version[=true|false|raw]` value: prints the version when asked and
/// returns true when the process should stop there.
pub fn print_version(flag: Option<&str>) -> Result<bool, ComponentError> {
    let flag = VersionFlag::parse(flag).map_err(ComponentError::InvalidFlag)?;
    match flag.text() {
        Some(text) => {
            println!("{text}");
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Turns a component's result into the process exit code, printing the error.
pub fn exit(result: Result<(), ComponentError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Installs the process-wide log subscriber every daemon uses: text lines on stderr, filtered
/// by `RUST_LOG` (default `info`). Calling it twice is harmless.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_flag_and_errors() {
        assert!(matches!(print_version(None), Ok(false)));
        assert!(matches!(print_version(Some("false")), Ok(false)));
        assert!(matches!(print_version(Some("true")), Ok(true)));
        let err = print_version(Some("maybe")).unwrap_err();
        assert_eq!(err.exit_code(), 64);
        assert_eq!(err.to_string(), "invalid argument \"maybe\" for \"--version\" flag");
        let err = ComponentError::NotImplemented("kube-scheduler");
        assert_eq!(err.exit_code(), 1);
        assert_eq!(
            err.to_string(),
            "kube-scheduler does not run yet: only --help and --version are implemented"
        );
    }
}
