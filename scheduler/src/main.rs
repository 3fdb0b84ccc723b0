//! The `kube-scheduler` binary: flags in, [`scheduler::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    client::cli::exit(scheduler::run(scheduler::Options::parse()))
}
