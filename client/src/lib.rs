//! The Kubernetes client library (the role of client-go) and the daemon plumbing every component
//! shares (the role of component-base). So far: the in-memory caches informers feed (indexer, DeltaFIFO), the command-line plumbing and
//! the version every binary reports.

pub mod cache;
pub mod cli;
pub mod config;
pub mod version;
pub mod workqueue;
