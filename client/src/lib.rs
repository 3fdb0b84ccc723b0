//! The Kubernetes client library (the role of client-go) and the daemon plumbing every component
//! shares (the role of component-base). For now: the version every binary reports.

pub mod cli;
pub mod version;
