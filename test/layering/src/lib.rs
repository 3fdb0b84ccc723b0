//! The crate layering of ARCHITECTURE.md, checked over `cargo metadata`.
//!
//! Components (the daemons and the CLI) sit on `client`, which sits on `apimachinery`. No component
//! depends on another component, `client` depends on no component, and `apimachinery` depends on
//! no workspace crate and on nothing that does I/O, directly or through its dependencies.

use std::collections::{BTreeMap, BTreeSet};

/// The daemon and CLI crates: none may depend on another.
pub const COMPONENTS: &[&str] =
    &["apiserver", "scheduler", "controller-manager", "kubelet", "kubectl"];

/// Crates whose presence in `apimachinery`'s dependency closure means it can do I/O.
pub const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "hyper-util",
    "h2",
    "tower",
    "tonic",
    "reqwest",
    "rustls",
    "tokio-rustls",
    "etcd-client",
    "async-std",
    "smol",
    "redb",
];

/// The normal (non-dev, non-build) dependency edges of every package in the workspace's
/// resolved graph, keyed and valued by package name.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    /// Package name to the names of its normal dependencies.
    pub edges: BTreeMap<String, BTreeSet<String>>,
    /// The names of the workspace's own packages.
    pub members: BTreeSet<String>,
}

impl Graph {
    /// Reads the graph from the JSON that `cargo metadata --format-version 1` prints.
    pub fn from_metadata(metadata: &serde_json::Value) -> Result<Self, String> {
        let packages = metadata["packages"].as_array().ok_or("metadata has no packages")?;
        let name_of: BTreeMap<&str, &str> = packages
            .iter()
            .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
            .collect();
        let members = metadata["workspace_members"]
            .as_array()
            .ok_or("metadata has no workspace_members")?
            .iter()
            .filter_map(|id| name_of.get(id.as_str()?).map(|n| n.to_string()))
            .collect();
        let nodes =
            metadata["resolve"]["nodes"].as_array().ok_or("metadata has no resolve graph")?;
        let mut edges = BTreeMap::new();
        for node in nodes {
            let Some(name) = node["id"].as_str().and_then(|id| name_of.get(id)) else { continue };
            let deps: BTreeSet<String> = node["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                })
                .filter_map(|d| name_of.get(d["pkg"].as_str()?).map(|n| n.to_string()))
                .collect();
            edges.entry(name.to_string()).or_insert_with(BTreeSet::new).extend(deps);
        }
        Ok(Self { edges, members })
    }

    /// Every package reachable from `root` over normal dependency edges (excluding `root`).
    pub fn closure(&self, root: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root.to_string()];
        while let Some(p) = stack.pop() {
            for d in self.edges.get(&p).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    }

    /// Adds an edge; tests use it to show that a forbidden edge is caught.
    pub fn add_edge(&mut self, from: &str, to: &str) {
        self.edges.entry(from.to_string()).or_default().insert(to.to_string());
    }
}

/// Every way `graph` breaks the layering, one sentence each; empty when it holds.
pub fn violations(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    let direct = |p: &str| graph.edges.get(p).cloned().unwrap_or_default();
    for c in COMPONENTS {
        for d in direct(c) {
            if COMPONENTS.contains(&d.as_str()) {
                out.push(format!("component {c} depends on component {d}"));
            }
        }
    }
    for d in direct("client") {
        if graph.members.contains(&d) && d != "apimachinery" {
            out.push(format!(
                "client depends on workspace crate {d}; it may use only apimachinery"
            ));
        }
    }
    for d in direct("apimachinery") {
        if graph.members.contains(&d) {
            out.push(format!("apimachinery depends on workspace crate {d}"));
        }
    }
    for d in graph.closure("apimachinery") {
        if IO_CRATES.contains(&d.as_str()) {
            out.push(format!("apimachinery reaches the I/O crate {d}; it must do no I/O"));
        }
    }
    out
}
