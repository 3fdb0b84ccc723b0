//! The `kube-apiserver` binary: flags in, [`apiserver::run`] out.

use std::process::ExitCode;

use clap::Parser;

// The apiserver allocates and frees many small JSON nodes per request; glibc's allocator spent
// a quarter of the CPU of a create-heavy load. Only the binary picks the allocator: programs
// embedding the library keep their own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    client::cli::exit(apiserver::run(apiserver::Options::parse()))
}
