//! The `kube-scheduler` binary: flags in, [`scheduler::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match scheduler::run(scheduler::Options::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
