//! The `kube-apiserver` binary: flags in, [`apiserver::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    client::cli::exit(apiserver::run(apiserver::Options::parse()))
}
