//! Reading k8s-pb's prost-generated sources: every message with its fields' tags, wire types
//! and referenced message types, by plain text parsing of the `#[prost(...)]` attributes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A field's scalar or message type, as prost names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbType {
    /// A scalar (`string`, `bytes`, `bool`, `int32`, `int64`, `double`).
    Scalar(String),
    /// A message: (module path, Rust struct name).
    Message(String, String),
}

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// `optional`.
    Single,
    /// `repeated`.
    Repeated,
    /// `map<string, T>`; the field type is the value type.
    Map,
}

/// One message field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbField {
    /// Rust field name (`r#` stripped).
    pub name: String,
    /// Protobuf field number.
    pub tag: u32,
    /// Element type (the value type for maps).
    pub ty: PbType,
    /// Cardinality.
    pub card: Card,
}

/// Messages by (module path, Rust struct name), each with fields in declaration order.
pub type PbMessages = BTreeMap<(String, String), Vec<PbField>>;

/// Finds the `Cargo.toml` of the crates.io package `name` through `cargo metadata`.
pub fn package_manifest(workspace_manifest: &Path, name: &str) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    // Only this platform's packages are downloaded; asking for others would need the network.
    let rustc =
        std::process::Command::new("rustc").arg("-vV").output().context("running rustc -vV")?;
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .context("rustc -vV printed no host")?;
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host])
        .arg("--manifest-path")
        .arg(workspace_manifest)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let packages = meta["packages"].as_array().context("cargo metadata: no packages")?;
    for p in packages {
        if p["name"] == name {
            let manifest = p["manifest_path"].as_str().context("no manifest_path")?;
            return Ok(PathBuf::from(manifest));
        }
    }
    bail!("{name} is not in the dependency graph")
}

/// k8s-pb's `src` directory.
pub fn src_dir(manifest: &Path) -> Result<PathBuf> {
    Ok(manifest.parent().context("k8s-pb: manifest has no parent")?.join("src"))
}

/// Parses every `mod.rs` under k8s-pb's `src`.
pub fn read(src: &Path) -> Result<PbMessages> {
    let mut files = Vec::new();
    walk(src, &mut files)?;
    files.sort();
    let mut messages = PbMessages::new();
    for f in files {
        let rel = f.parent().and_then(|p| p.strip_prefix(src).ok()).context("module path")?;
        let module: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let text = std::fs::read_to_string(&f)?;
        parse_module(&module, &text, &mut messages)
            .with_context(|| format!("parsing {}", f.display()))?;
    }
    Ok(messages)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.file_name().is_some_and(|n| n == "mod.rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn parse_module(module: &[String], text: &str, out: &mut PbMessages) -> Result<()> {
    let key = module.join(".");
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut current: Option<(String, Vec<PbField>)> = None;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(rest) = line.strip_prefix("pub struct ") {
            let is_message = i > 0 && lines[i - 1].contains("::prost::Message");
            if is_message && let Some(name) = rest.strip_suffix(" {}") {
                out.insert((key.clone(), name.to_string()), Vec::new());
            } else if is_message && let Some(name) = rest.strip_suffix(" {") {
                current = Some((name.to_string(), Vec::new()));
            }
        } else if line == "}" {
            if let Some((name, fields)) = current.take() {
                out.insert((key.clone(), name), fields);
            }
        } else if let Some(attr) = line.strip_prefix("#[prost(").and_then(|a| a.strip_suffix(")]"))
            && let Some((_, fields)) = current.as_mut()
        {
            // The declaration may wrap over several lines; it ends at a `,` outside `<...>`.
            let mut decl = String::new();
            i += 1;
            while i < lines.len() {
                decl.push_str(lines[i].trim());
                let depth = decl.matches('<').count() as i64 - decl.matches('>').count() as i64;
                if depth == 0 && decl.ends_with(',') {
                    break;
                }
                i += 1;
            }
            fields.push(parse_field(module, attr, &decl)?);
        }
        i += 1;
    }
    Ok(())
}

fn parse_field(module: &[String], attr: &str, decl: &str) -> Result<PbField> {
    let decl = decl.strip_prefix("pub ").context("field declaration")?;
    let (name, ty) = decl.split_once(':').context("field declaration")?;
    let name = name.trim().trim_start_matches("r#").to_string();
    let ty: String =
        ty.trim().trim_end_matches(',').chars().filter(|c| !c.is_whitespace()).collect();
    let tag = attr
        .split("tag = \"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .and_then(|t| t.parse().ok())
        .context("no tag")?;
    let first = attr.split([',', ' ', '=']).next().unwrap_or_default();
    if first == "btree_map" || first == "map" {
        let kinds = attr.split('"').nth(1).context("map kinds")?;
        let (k, v) = kinds.split_once(", ").context("map kinds")?;
        if k != "string" {
            bail!("map key {k} unsupported");
        }
        let value_ty = ty.split_once(',').map(|(_, v)| v).unwrap_or_default();
        let ty = if v == "message" {
            message_ref(module, value_ty)?
        } else {
            PbType::Scalar(v.to_string())
        };
        return Ok(PbField { name, tag, ty, card: Card::Map });
    }
    let card = if attr.contains("repeated") { Card::Repeated } else { Card::Single };
    let ty = if first == "message" {
        message_ref(module, &ty)?
    } else {
        PbType::Scalar(first.to_string())
    };
    Ok(PbField { name, tag, ty, card })
}

/// Resolves the innermost type path of a (wrapped) Rust type relative to `module`.
fn message_ref(module: &[String], ty: &str) -> Result<PbType> {
    let mut path = ty;
    for wrapper in
        ["::core::option::Option<", "::prost::alloc::vec::Vec<", "::prost::alloc::boxed::Box<"]
    {
        if let Some(inner) = path.strip_prefix(wrapper) {
            path = inner;
        }
        if let Some(inner) = path.strip_prefix(wrapper) {
            path = inner;
        }
    }
    // Multi-line generics end in `,>`.
    let path = path.trim_end_matches(['>', ',']);
    let mut segs: Vec<&str> = path.split("::").collect();
    let name = segs.pop().context("empty type")?.to_string();
    let mut m: Vec<String> = module.to_vec();
    for s in segs {
        match s {
            "super" => {
                m.pop();
            }
            "crate" => m.clear(),
            other => m.push(other.to_string()),
        }
    }
    Ok(PbType::Message(m.join("."), name))
}
