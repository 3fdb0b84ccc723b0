//! The `kube-controller-manager` binary: flags in, [`controller_manager::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match controller_manager::run(controller_manager::Options::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
