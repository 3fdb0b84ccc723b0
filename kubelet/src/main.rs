//! The `kubelet` binary: flags in, [`kubelet::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    client::cli::exit(kubelet::run(kubelet::Options::parse()))
}
