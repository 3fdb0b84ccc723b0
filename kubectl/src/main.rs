//! The `kubectl` binary: flags in, [`kubectl::run`] out.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match kubectl::run(kubectl::Options::parse()) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
