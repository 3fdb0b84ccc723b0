//! Reading k8s-openapi's generated sources (the `v1_35` tree): every struct with its fields'
//! JSON names in serialization order, whether each is required (not wrapped in `Option<>`), its
//! doc text, and the kind of each `Resource` impl, by plain text parsing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One struct field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OaField {
    /// JSON property name.
    pub json: String,
    /// Not `Option<>`: the schema lists it under `required`.
    pub required: bool,
    /// The field's doc comment, joined.
    pub doc: String,
}

/// One struct (or newtype/enum, then without fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OaStruct {
    /// `(apiVersion, kind)` when the type implements `Resource`.
    pub kind: Option<(String, String)>,
    /// Fields in k8s-openapi's serialization order.
    pub fields: Vec<OaField>,
}

/// Modules (k8s-pb's dotted module path, `api.apps.v1`) with their types by Rust name.
pub type OaTypes = BTreeMap<String, BTreeMap<String, OaStruct>>;

/// The `v1_35` source directory of the k8s-openapi package whose manifest is `manifest`.
pub fn version_dir(manifest: &Path) -> Result<PathBuf> {
    let dir = manifest.parent().context("k8s-openapi: manifest has no parent")?;
    Ok(dir.join("src").join("v1_35"))
}

/// Parses every type file under `root` (k8s-openapi's `src/v1_35`).
pub fn read(root: &Path) -> Result<OaTypes> {
    let mut files = Vec::new();
    walk(root, &mut files)?;
    files.sort();
    let mut out = OaTypes::new();
    for f in files {
        let rel = f.parent().and_then(|p| p.strip_prefix(root).ok()).context("module path")?;
        let module: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if module.is_empty() {
            continue;
        }
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        let types = out.entry(module.join(".")).or_default();
        parse_file(&text, types);
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("mod.rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn parse_file(text: &str, out: &mut BTreeMap<String, OaStruct>) {
    // Rust field name -> (required, doc), in declaration order.
    let mut decls: Vec<(String, bool, String)> = Vec::new();
    // Rust field name -> JSON name, from the deserializer's key match.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut name = None;
    let mut in_struct = false;
    let mut doc = String::new();
    let mut kind = (None, None);
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) =
            line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum "))
        {
            let n: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            in_struct = line.starts_with("pub struct ") && rest.ends_with('{');
            name.get_or_insert(n);
            doc.clear();
        } else if in_struct {
            if line.starts_with('}') {
                in_struct = false;
            } else if let Some(d) = t.strip_prefix("///") {
                if !doc.is_empty() {
                    doc.push(' ');
                }
                doc.push_str(d.trim());
            } else if let Some(decl) = t.strip_prefix("pub ") {
                if let Some((field, ty)) = decl.split_once(':') {
                    let required = !ty.trim().starts_with("Option<");
                    decls.push((field.trim().to_string(), required, std::mem::take(&mut doc)));
                }
            } else if t.is_empty() {
                doc.clear();
            }
        } else if let Some((key, field)) = t.split_once(" => Field::Key_") {
            if let Some(json) = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                names.insert(field.trim_end_matches(',').to_string(), json.to_string());
            }
        } else if let Some(v) = const_str(t, "API_VERSION") {
            kind.0 = Some(v);
        } else if let Some(v) = const_str(t, "KIND") {
            kind.1 = Some(v);
        }
    }
    let Some(name) = name else { return };
    let fields = decls
        .into_iter()
        .filter_map(|(field, required, doc)| {
            let key = field.trim_start_matches("r#");
            names.get(key).map(|json| OaField { json: json.clone(), required, doc })
        })
        .collect();
    let kind = match kind {
        (Some(av), Some(k)) => Some((av, k)),
        _ => None,
    };
    out.insert(name, OaStruct { kind, fields });
}

/// The value of `const NAME: &'static str = "...";`.
fn const_str(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix(&format!("const {name}: &'static str = \""))?;
    Some(rest.strip_suffix("\";")?.to_string())
}
