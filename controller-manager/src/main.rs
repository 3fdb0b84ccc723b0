//! The `kube-controller-manager` binary: flags in, [`controller_manager::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    client::cli::exit(controller_manager::run(controller_manager::Options::parse()))
}
