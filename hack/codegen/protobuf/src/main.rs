//! Generates `apimachinery/src/codec/protobuf/generated.rs`, the protobuf field table of the
//! built-in API types, from two crates.io packages: k8s-pb's prost messages (field numbers,
//! wire types, proto field names) and k8s-openapi's v1.35 types (JSON names and order, required
//! properties, kinds), and from `go-fields.txt`: which fields Go holds by pointer and marks
//! `omitempty`, as `go-fields.py` reads them from a kubectl v1.35 binary's type data. See
//! `render::go_flags` and `render::flags` for how omitempty and pointer flags are derived.
//!
//! `cargo run -p codegen-protobuf` rewrites the table; `-- --check` fails when it is stale.

mod openapi_src;
mod prost_src;
mod render;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// This crate's directory: as cargo names it to the running process (`cargo run`, `cargo
/// test`), else where it was built.
fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn table_path() -> PathBuf {
    crate_dir().join("../../../apimachinery/src/codec/protobuf/generated.rs")
}

/// Produces the table file's text.
fn generate(workspace_manifest: &Path) -> Result<(String, Vec<String>)> {
    let pb_manifest = prost_src::package_manifest(workspace_manifest, "k8s-pb")?;
    let pb = prost_src::read(&prost_src::src_dir(&pb_manifest)?)?;
    let oa_manifest = prost_src::package_manifest(workspace_manifest, "k8s-openapi")?;
    let oa = openapi_src::read(&openapi_src::version_dir(&oa_manifest)?)?;
    let go_path = crate_dir().join("go-fields.txt");
    let go_text = std::fs::read_to_string(&go_path)
        .with_context(|| format!("reading {}", go_path.display()))?;
    let go = render::parse_go_fields(&go_text).map_err(anyhow::Error::msg)?;
    Ok(render::render(&pb, &oa, &go))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let manifest = crate_dir().join("../../../Cargo.toml");
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["--check"] => {
            let (text, notes) = generate(&manifest)?;
            for n in &notes {
                eprintln!("note: {n}");
            }
            let path = table_path();
            if args.is_empty() {
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                bail!("{} is stale: run `cargo run -p codegen-protobuf`", path.display());
            }
        }
        _ => bail!("usage: codegen-protobuf [--check]"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated code is committed and must match what the generator writes today.
    #[test]
    fn generated_table_is_current() {
        let manifest = crate_dir().join("../../../Cargo.toml");
        let (text, _) = generate(&manifest).expect("generate");
        let committed = std::fs::read_to_string(table_path()).unwrap_or_default();
        assert!(committed == text, "generated.rs is stale: run `cargo run -p codegen-protobuf`");
    }

    #[test]
    fn k8s_openapi_types_are_read() {
        let manifest = crate_dir().join("../../../Cargo.toml");
        let oa_manifest = prost_src::package_manifest(&manifest, "k8s-openapi").expect("locate");
        let oa =
            openapi_src::read(&openapi_src::version_dir(&oa_manifest).expect("dir")).expect("read");
        let deployment = &oa["api.apps.v1"]["Deployment"];
        assert_eq!(deployment.kind, Some(("apps/v1".to_string(), "Deployment".to_string())));
        let spec = &oa["api.apps.v1"]["DeploymentSpec"];
        let json: Vec<&str> = spec.fields.iter().map(|f| f.json.as_str()).collect();
        assert_eq!(json[0], "minReadySeconds");
        let selector = spec.fields.iter().find(|f| f.json == "selector").expect("selector");
        assert!(selector.required);
        let replicas = spec.fields.iter().find(|f| f.json == "replicas").expect("replicas");
        assert!(!replicas.required && replicas.doc.contains("pointer"));
    }
}
