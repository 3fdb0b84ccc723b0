//! The Kubernetes client library (the role of client-go) and the daemon plumbing every component
//! shares (the role of component-base): kubeconfig loading, the REST client (typed, dynamic,
//! discovery), informers and their caches, workqueues, the command-line plumbing and the version
//! every binary reports.

pub mod cache;
pub mod cli;
pub mod config;
pub mod discovery;
#[cfg(test)]
mod interleavings;
pub mod leaderelection;
pub mod record;
pub mod rest;
pub mod version;
pub mod workqueue;
