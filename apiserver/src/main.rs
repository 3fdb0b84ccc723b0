//! The `kube-apiserver` binary: flags in, [`apiserver::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match apiserver::run(apiserver::Options::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
