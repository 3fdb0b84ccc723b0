//! Loading rules: which kubeconfig files are read, how they merge, and how relative paths inside
//! them are made absolute. File access goes through [`FileSystem`] so tests run in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::types::{AuthInfo, Config, ConfigV1};

/// The file access the loader needs.
pub trait FileSystem {
    /// Reads a whole file; `Ok(None)` means it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFs;

impl FileSystem for OsFs {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// An in-memory file system keyed by path.
#[derive(Debug, Clone, Default)]
pub struct MemoryFs {
    /// File contents by path.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl MemoryFs {
    /// Adds a file.
    pub fn with(mut self, path: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.to_string(), contents.into());
        self
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.files.get(path).cloned())
    }
}

/// Splits a `KUBECONFIG` value on the platform's list separator, dropping repeats (first kept).
pub fn split_kubeconfig_env(value: &str) -> Vec<String> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    let mut out: Vec<String> = Vec::new();
    for p in value.split(sep) {
        if !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    out
}

/// Decodes one kubeconfig document (YAML or JSON). An empty document is an empty config.
pub fn decode(data: &[u8]) -> Result<Config, String> {
    let text = std::str::from_utf8(data).map_err(|e| e.to_string())?;
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    let v1: ConfigV1 = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())?
    };
    v1.into_config()
}

/// Which files to read (client-go's `ClientConfigLoadingRules`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadingRules {
    /// Files merged in order when no explicit path is given; missing ones are skipped.
    pub precedence: Vec<String>,
    /// The `--kubeconfig` file; it must exist and is used alone.
    pub explicit_path: String,
}

impl LoadingRules {
    /// The default rules: the `KUBECONFIG` list when set and non-empty, else `<home>/.kube/config`.
    pub fn from_env(kubeconfig_env: Option<&str>, home: Option<&str>) -> Self {
        let precedence = match kubeconfig_env {
            Some(v) if !v.is_empty() => split_kubeconfig_env(v),
            _ => {
                let home = home.unwrap_or("");
                vec![Path::new(home).join(".kube").join("config").to_string_lossy().into_owned()]
            }
        };
        LoadingRules { precedence, explicit_path: String::new() }
    }

    /// Reads and merges the files. The first file to define a cluster, user or context by name
    /// wins that name outright, and the first non-empty `current-context` wins. Relative paths
    /// inside each file are resolved against that file's directory.
    pub fn load(&self, fs: &dyn FileSystem) -> Result<Config, ConfigError> {
        let files: Vec<&String> = if self.explicit_path.is_empty() {
            self.precedence.iter().collect()
        } else {
            vec![&self.explicit_path]
        };
        let mut merged = Config::default();
        let mut errors = Vec::new();
        for path in files {
            if path.is_empty() {
                continue;
            }
            let data = match fs.read(path) {
                Ok(Some(d)) => d,
                Ok(None) if *path == self.explicit_path => {
                    return Err(ConfigError::ExplicitFileMissing(path.clone()));
                }
                Ok(None) => continue,
                Err(e) => {
                    errors.push(ConfigError::Load { path: path.clone(), message: e });
                    continue;
                }
            };
            let mut cfg = match decode(&data) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(ConfigError::Load { path: path.clone(), message: e });
                    continue;
                }
            };
            set_origin_and_resolve(&mut cfg, path);
            merge_into(&mut merged, cfg);
        }
        match errors.len() {
            0 => Ok(merged),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Read(format!(
                "[{}]",
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// Earlier values win: entries are only added under names not yet present.
fn merge_into(into: &mut Config, from: Config) {
    if into.current_context.is_empty() {
        into.current_context = from.current_context;
    }
    if into.preferences.is_none() {
        into.preferences = from.preferences;
    }
    if into.extensions.is_none() {
        into.extensions = from.extensions;
    }
    for (k, v) in from.clusters {
        into.clusters.entry(k).or_insert(v);
    }
    for (k, v) in from.auth_infos {
        into.auth_infos.entry(k).or_insert(v);
    }
    for (k, v) in from.contexts {
        into.contexts.entry(k).or_insert(v);
    }
}

fn absolutize(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

/// Joins a relative reference onto `base`; empty and absolute ones are left alone.
fn resolve_ref(r: &mut String, base: &Path) {
    if !r.is_empty() && !Path::new(r.as_str()).is_absolute() {
        *r = clean(&base.join(r.as_str()));
    }
}

/// Lexically removes `.` and `..` components, as Go's `filepath.Join` does.
fn clean(p: &Path) -> String {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().into_owned()
}

fn auth_refs(a: &mut AuthInfo) -> Vec<&mut String> {
    let mut refs = vec![&mut a.client_certificate, &mut a.client_key, &mut a.token_file];
    // PATH-looked-up commands stay as they are; only ones naming a path are resolved.
    if let Some(exec) = a.exec.as_mut()
        && exec.command.contains(std::path::MAIN_SEPARATOR)
    {
        refs.push(&mut exec.command);
    }
    refs
}

fn set_origin_and_resolve(cfg: &mut Config, file: &str) {
    let abs = absolutize(file);
    let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    for c in cfg.clusters.values_mut() {
        c.location_of_origin = file.to_string();
        resolve_ref(&mut c.certificate_authority, &base);
    }
    for a in cfg.auth_infos.values_mut() {
        a.location_of_origin = file.to_string();
        for r in auth_refs(a) {
            resolve_ref(r, &base);
        }
    }
    for c in cfg.contexts.values_mut() {
        c.location_of_origin = file.to_string();
    }
}
