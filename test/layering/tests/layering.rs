//! Runs `cargo metadata` on this workspace and checks the layering holds; then shows that each
//! kind of forbidden edge would be caught.

use std::path::Path;
use std::process::Command;

use layering::{Graph, violations};

fn workspace_graph() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Cargo names the crate's directory to the test process; the built-in path is the fallback.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
    let root = dir.join("../..");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(&root)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    Graph::from_metadata(&json).expect("metadata has a resolve graph")
}

#[test]
fn workspace_layering_holds() {
    let graph = workspace_graph();
    for member in [
        "apimachinery",
        "client",
        "apiserver",
        "scheduler",
        "controller-manager",
        "kubelet",
        "kubectl",
    ] {
        assert!(graph.members.contains(member), "{member} is not a workspace member");
    }
    assert!(graph.closure("client").contains("apimachinery"));
    assert_eq!(violations(&graph), Vec::<String>::new());
}

#[test]
fn forbidden_edges_are_caught() {
    let base = workspace_graph();
    let cases = [
        ("scheduler", "apiserver", "component scheduler depends on component apiserver"),
        ("kubectl", "kubelet", "component kubectl depends on component kubelet"),
        (
            "client",
            "apiserver",
            "client depends on workspace crate apiserver; it may use only apimachinery",
        ),
        ("apimachinery", "client", "apimachinery depends on workspace crate client"),
        ("apimachinery", "tokio", "apimachinery reaches the I/O crate tokio; it must do no I/O"),
        ("apimachinery", "hyper", "apimachinery reaches the I/O crate hyper; it must do no I/O"),
        ("apimachinery", "tonic", "apimachinery reaches the I/O crate tonic; it must do no I/O"),
    ];
    for (from, to, want) in cases {
        let mut g = base.clone();
        g.add_edge(from, to);
        assert!(
            violations(&g).iter().any(|v| v == want),
            "{from} -> {to}: got {:?}",
            violations(&g)
        );
    }
    // An I/O crate pulled in through an intermediate dependency is caught too.
    let mut g = base.clone();
    g.add_edge("serde_json", "mio");
    assert!(violations(&g).iter().any(|v| v.contains("I/O crate mio")));
}
