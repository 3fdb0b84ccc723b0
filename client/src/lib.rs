//! The Kubernetes client library (the role of client-go) and the daemon plumbing every component
//! shares (the role of component-base): kubeconfig loading, the REST client (typed, dynamic,
//! discovery; exec credential plugins; HTTP, HTTPS and SOCKS5 proxies), informers and their
//! caches, workqueues, the daemon helpers (shutdown on SIGTERM/SIGINT, the health and metrics
//! endpoint), the command-line plumbing and the version every binary reports.

pub mod cache;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod discovery;
#[cfg(test)]
mod interleavings;
pub mod leaderelection;
pub mod record;
pub mod rest;
pub mod version;
pub mod workqueue;
