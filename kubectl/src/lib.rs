//! kubectl: the command-line client. The binary is a thin wrapper over [`run`].
//!
//! For now the command tree holds `version --client`; commands that talk to a server follow.

use client::version;

/// kubectl's top-level command line.
#[derive(Debug, clap::Parser)]
#[command(name = "kubectl", about = "kubectl controls the Kubernetes cluster manager.")]
pub struct Options {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the client and server version information.
    Version(VersionOptions),
}

/// Flags of `kubectl version`.
#[derive(Debug, clap::Args)]
pub struct VersionOptions {
    /// If true, shows client version only (no server required).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub client: Option<bool>,
    /// One of 'yaml' or 'json'.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag had a value kubectl cannot use.
    #[error("{0}")]
    InvalidFlag(String),
    /// The command needs a server connection, which is not built yet.
    #[error("talking to a server is not implemented yet; use --client")]
    NoServer,
}

impl Error {
    /// The process exit code (kubectl exits 1 on every error).
    pub fn exit_code(&self) -> u8 {
        1
    }
}

/// Runs a parsed command line and returns what it prints.
pub fn run(options: Options) -> Result<String, Error> {
    match options.command {
        Command::Version(v) => version_command(&v),
    }
}

fn version_command(options: &VersionOptions) -> Result<String, Error> {
    if options.client != Some(true) {
        return Err(Error::NoServer);
    }
    let info = version::get();
    match options.output.as_deref() {
        None => Ok(format!("Client Version: {}", info.git_version)),
        Some("json") => Ok(format!(
            "{{\n  \"clientVersion\": {{\n    \"major\": \"{}\",\n    \"minor\": \"{}\",\n    \"gitVersion\": \"{}\",\n    \"compiler\": \"{}\",\n    \"platform\": \"{}\"\n  }}\n}}",
            info.major, info.minor, info.git_version, info.compiler, info.platform
        )),
        Some("yaml") => Ok(format!(
            "clientVersion:\n  compiler: {}\n  gitVersion: {}\n  major: \"{}\"\n  minor: \"{}\"\n  platform: {}",
            info.compiler, info.git_version, info.major, info.minor, info.platform
        )),
        Some(_) => Err(Error::InvalidFlag("--output must be 'yaml' or 'json'".into())),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn check(args: &[&str], want: Result<&str, &str>) {
        let options = Options::try_parse_from(args).expect("arguments parse");
        let got = run(options).map_err(|e| e.to_string());
        match want {
            Ok(w) => assert!(got.as_deref().is_ok_and(|g| g.contains(w)), "{args:?}: {got:?}"),
            Err(w) => assert_eq!(got.unwrap_err(), w, "{args:?}"),
        }
    }

    #[test]
    fn version_command() {
        check(&["kubectl", "version", "--client"], Ok("Client Version: v1.35.0"));
        check(
            &["kubectl", "version", "--client=true", "-o", "json"],
            Ok("\"gitVersion\": \"v1.35.0\""),
        );
        check(&["kubectl", "version", "--client", "-o", "yaml"], Ok("gitVersion: v1.35.0"));
        check(
            &["kubectl", "version", "--client", "-o", "xml"],
            Err("--output must be 'yaml' or 'json'"),
        );
        check(
            &["kubectl", "version"],
            Err("talking to a server is not implemented yet; use --client"),
        );
    }
}
