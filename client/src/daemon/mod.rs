//! Daemon plumbing every component shares (the roles of k8s.io/apiserver's server helpers and
//! component-base): a shutdown token cancelled by SIGTERM or SIGINT ([`setup_signal_handler`],
//! a second signal exits at once), and the HTTPS endpoint ([`Server`]) with upstream's
//! `/healthz`, `/livez`, `/readyz` ([`HealthCheck`]) and `/metrics`, serving a self-signed
//! certificate when no files are given.
//!
//! A component's `run` typically reads:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use client::daemon::{Endpoints, Server, ServingOptions, setup_signal_handler, shutdown_check};
//! let stop = setup_signal_handler()?;
//! let endpoints = Endpoints { readyz: vec![shutdown_check(stop.clone())], ..Endpoints::default() };
//! let server = Server::start(&ServingOptions::default(), endpoints, stop.clone()).await?;
//! // ... controllers run until `stop` is cancelled ...
//! server.stopped().await;
//! # Ok(())
//! # }
//! ```

mod healthz;
mod serving;
mod signal;

#[cfg(test)]
mod tests;

pub use healthz::{HealthCheck, HealthChecks, named_check, ping, shutdown_check};
pub use serving::{Endpoints, ServeError, Server, ServingOptions, ServingTls};
pub use signal::{request_shutdown, setup_signal_handler};
