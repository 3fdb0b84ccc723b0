//! The `kubelet` binary: flags in, [`kubelet::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match kubelet::run(kubelet::Options::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
