//! Options of the write verbs (`CreateOptions`, `UpdateOptions`, `PatchOptions`,
//! `DeleteOptions`, `PodLogOptions`) and their query-string or body forms.

use bytes::Bytes;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::error::Error;

/// How the server treats unknown or duplicate fields in a body (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and answer with a warning.
    Warn,
    /// Refuse the request.
    Strict,
}

impl FieldValidation {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        }
    }
}

/// Options of create and replace (`CreateOptions`/`UpdateOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostParams {
    /// Validate and default, but persist nothing (`dryRun=All`).
    pub dry_run: bool,
    /// The manager recorded in `managedFields`.
    pub field_manager: Option<String>,
    /// Unknown-field handling.
    pub field_validation: Option<FieldValidation>,
}

impl PostParams {
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if self.dry_run {
            q.push(("dryRun", "All".to_string()));
        }
        if let Some(m) = &self.field_manager {
            q.push(("fieldManager", m.clone()));
        }
        if let Some(v) = self.field_validation {
            q.push(("fieldValidation", v.as_str().to_string()));
        }
        q
    }
}

/// Options of a patch (`PatchOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchParams {
    /// Persist nothing (`dryRun=All`).
    pub dry_run: bool,
    /// The manager recorded in `managedFields`; required for server-side apply.
    pub field_manager: Option<String>,
    /// Unknown-field handling.
    pub field_validation: Option<FieldValidation>,
    /// Take ownership of conflicting fields (server-side apply only).
    pub force: bool,
}

impl PatchParams {
    /// Options for server-side apply as `manager`.
    pub fn apply(manager: &str) -> Self {
        PatchParams { field_manager: Some(manager.to_string()), ..Default::default() }
    }

    /// The same options with conflicts forced.
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if self.dry_run {
            q.push(("dryRun", "All".to_string()));
        }
        if self.force {
            q.push(("force", "true".to_string()));
        }
        if let Some(m) = &self.field_manager {
            q.push(("fieldManager", m.clone()));
        }
        if let Some(v) = self.field_validation {
            q.push(("fieldValidation", v.as_str().to_string()));
        }
        q
    }
}

/// A patch and its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch<P: Serialize> {
    /// RFC 6902 JSON patch: `P` serializes to the list of operations.
    Json(P),
    /// RFC 7386 JSON merge patch.
    Merge(P),
    /// Strategic merge patch (built-in kinds only).
    Strategic(P),
    /// Server-side apply of the object `P` (needs a field manager).
    Apply(P),
}

impl<P: Serialize> Patch<P> {
    /// The `Content-Type` naming the patch type.
    pub fn content_type(&self) -> &'static str {
        match self {
            Patch::Json(_) => "application/json-patch+json",
            Patch::Merge(_) => "application/merge-patch+json",
            Patch::Strategic(_) => "application/strategic-merge-patch+json",
            Patch::Apply(_) => "application/apply-patch+yaml",
        }
    }

    /// The body: JSON (which YAML-accepting apply also takes).
    pub fn body(&self) -> Result<Bytes, Error> {
        let p = match self {
            Patch::Json(p) | Patch::Merge(p) | Patch::Strategic(p) | Patch::Apply(p) => p,
        };
        serde_json::to_vec(p).map(Bytes::from).map_err(Error::Encode)
    }
}

/// What happens to an object's dependents when it is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropagationPolicy {
    /// Leave dependents in place, without owner references to the deleted object.
    Orphan,
    /// Delete the object now and its dependents in the background.
    Background,
    /// Delete dependents first, then the object.
    Foreground,
}

impl PropagationPolicy {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Orphan => "Orphan",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
        }
    }
}

/// Conditions the object must still meet for a delete to go ahead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// The object's UID.
    pub uid: Option<String>,
    /// The object's resourceVersion.
    pub resource_version: Option<String>,
}

/// Options of delete and deletecollection (`DeleteOptions`), sent as the request body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteParams {
    /// Persist nothing.
    pub dry_run: bool,
    /// Seconds before the object is removed (`0` deletes at once).
    pub grace_period_seconds: Option<i64>,
    /// How dependents are handled.
    pub propagation_policy: Option<PropagationPolicy>,
    /// Delete only if these still hold.
    pub preconditions: Option<Preconditions>,
}

impl DeleteParams {
    /// The `DeleteOptions` body.
    pub(crate) fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!("DeleteOptions"));
        m.insert("apiVersion".into(), json!("v1"));
        if let Some(g) = self.grace_period_seconds {
            m.insert("gracePeriodSeconds".into(), json!(g));
        }
        if let Some(p) = &self.preconditions {
            let mut pre = Map::new();
            if let Some(uid) = &p.uid {
                pre.insert("uid".into(), json!(uid));
            }
            if let Some(rv) = &p.resource_version {
                pre.insert("resourceVersion".into(), json!(rv));
            }
            m.insert("preconditions".into(), Value::Object(pre));
        }
        if let Some(p) = self.propagation_policy {
            m.insert("propagationPolicy".into(), json!(p.as_str()));
        }
        if self.dry_run {
            m.insert("dryRun".into(), json!(["All"]));
        }
        Value::Object(m)
    }
}

/// What a delete answered: the object (still present while finalizers or a grace period run,
/// or as it was) or a `Status` saying it is gone.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteResponse<K> {
    /// The object.
    Object(K),
    /// A success `Status`.
    Status(Box<Status>),
}

/// Options of `pods/log` (`PodLogOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogParams {
    /// The container; needed when the pod has more than one.
    pub container: Option<String>,
    /// Stream new lines as they are written.
    pub follow: bool,
    /// The previous (terminated) instance of the container.
    pub previous: bool,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Only the last this many lines.
    pub tail_lines: Option<i64>,
    /// Prefix each line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// Stop after this many bytes.
    pub limit_bytes: Option<i64>,
    /// Do not verify the kubelet's serving certificate.
    pub insecure_skip_tls_verify_backend: bool,
}

impl LogParams {
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(c) = &self.container {
            q.push(("container", c.clone()));
        }
        if self.follow {
            q.push(("follow", "true".to_string()));
        }
        if self.previous {
            q.push(("previous", "true".to_string()));
        }
        if let Some(s) = self.since_seconds {
            q.push(("sinceSeconds", s.to_string()));
        }
        if let Some(t) = self.tail_lines {
            q.push(("tailLines", t.to_string()));
        }
        if self.timestamps {
            q.push(("timestamps", "true".to_string()));
        }
        if let Some(l) = self.limit_bytes {
            q.push(("limitBytes", l.to_string()));
        }
        if self.insecure_skip_tls_verify_backend {
            q.push(("insecureSkipTLSVerifyBackend", "true".to_string()));
        }
        q
    }
}
