//! One CustomResourceDefinition as the server applies it to its objects (upstream's
//! `pkg/registry/customresource` strategy and validator, and the handler's codec): pruning,
//! defaulting and validation against each version's schema, the status and scale
//! subresources, versions served by rewriting `apiVersion` (conversion `None`) with objects
//! stored at the storage version, and deprecation warnings.

use std::cmp::Ordering;

use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error, ErrorList, Path};
use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::GroupKind;
use apimachinery::unstructured as nested;
use apimachinery::validation as v;
use serde_json::{Value, json};

use super::{defaulting, listtype, objectmeta, pruning, schema, validator};
use crate::registry::ObjectMetaExt;
use crate::strategy::Strategy;

/// The scale subresource of a version: where replicas and the selector live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// `specReplicasPath` (`.spec.replicas`).
    pub spec_replicas_path: String,
    /// `statusReplicasPath` (`.status.replicas`).
    pub status_replicas_path: String,
    /// `labelSelectorPath`, when set.
    pub label_selector_path: Option<String>,
}

/// Splits a simple JSON path (`.spec.replicas`) into its fields.
pub fn path_fields(path: &str) -> Vec<&str> {
    path.trim_start_matches('.').split('.').collect()
}

/// One version of a definition.
#[derive(Debug, Clone)]
pub struct Version {
    /// `name`.
    pub name: String,
    /// `served`.
    pub served: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// `deprecationWarning`, when set.
    pub deprecation_warning: Option<String>,
    /// `schema.openAPIV3Schema`, with its defaults pruned.
    pub schema: Option<Value>,
    /// Whether the schema has `x-kubernetes-validations` rules anywhere.
    pub rules: bool,
    /// Whether the status subresource is enabled.
    pub status: bool,
    /// The scale subresource, when enabled.
    pub scale: Option<Scale>,
}

/// A definition's behaviour towards its objects; one per definition, shared by the stores of
/// all its versions (which pass their own version in the resource info).
#[derive(Debug, Clone)]
pub struct Definition {
    /// `spec.group`.
    pub group: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// `spec.names.plural`.
    pub plural: String,
    /// Whether objects are namespaced.
    pub namespaced: bool,
    /// `spec.preserveUnknownFields`: nothing is pruned.
    pub preserve_unknown_fields: bool,
    /// The version objects are stored at.
    pub storage_version: String,
    /// Every version, served or not, in definition order.
    pub versions: Vec<Version>,
}

/// Upstream's `CompareKubeAwareVersionStrings`: `Greater` when `a` has the higher priority
/// (GA over beta over alpha over other strings, then higher major and minor numbers; other
/// strings in alphabetical order).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parse(v: &str) -> Option<(u64, u8, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let major: u64 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        if tail.is_empty() {
            return Some((major, 2, 0));
        }
        let (kind, num) = if let Some(n) = tail.strip_prefix("alpha") {
            (0, n)
        } else if let Some(n) = tail.strip_prefix("beta") {
            (1, n)
        } else {
            return None;
        };
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((major, kind, num.parse().ok()?))
    }
    if a == b {
        return Ordering::Equal;
    }
    match (parse(a), parse(b)) {
        (None, None) => b.cmp(a),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some((am, at, an)), Some((bm, bt, bn))) => at.cmp(&bt).then(am.cmp(&bm)).then(an.cmp(&bn)),
    }
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_string()
}

/// What kind of write a request is, for how strict field validation reports problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// POST or PUT of a whole object.
    Body,
    /// A JSON or merge patch.
    Patch,
}

impl Definition {
    /// Reads a (validated) definition.
    pub fn from_crd(crd: &Value) -> Definition {
        let spec = crd.get("spec").cloned().unwrap_or_default();
        let mut versions = Vec::new();
        let mut storage_version = String::new();
        for v in spec.get("versions").and_then(Value::as_array).into_iter().flatten() {
            let name = text(v, "/name");
            if v.get("storage").and_then(Value::as_bool) == Some(true) {
                storage_version = name.clone();
            }
            let mut schema =
                v.pointer("/schema/openAPIV3Schema").filter(|s| s.is_object()).cloned();
            if let Some(s) = schema.as_mut() {
                defaulting::prune_defaults(s);
            }
            let scale = v.pointer("/subresources/scale").filter(|s| s.is_object()).map(|s| Scale {
                spec_replicas_path: text(s, "/specReplicasPath"),
                status_replicas_path: text(s, "/statusReplicasPath"),
                label_selector_path: s
                    .get("labelSelectorPath")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(String::from),
            });
            versions.push(Version {
                name,
                served: v.get("served").and_then(Value::as_bool) == Some(true),
                deprecated: v.get("deprecated").and_then(Value::as_bool) == Some(true),
                deprecation_warning: v
                    .get("deprecationWarning")
                    .and_then(Value::as_str)
                    .map(String::from),
                rules: schema.as_ref().is_some_and(super::rules::present),
                schema,
                status: v.pointer("/subresources/status").is_some_and(|s| !s.is_null()),
                scale,
            });
        }
        if storage_version.is_empty()
            && let Some(first) = versions.first()
        {
            storage_version = first.name.clone();
        }
        Definition {
            group: text(&spec, "/group"),
            kind: text(&spec, "/names/kind"),
            plural: text(&spec, "/names/plural"),
            namespaced: text(&spec, "/scope") != "Cluster",
            preserve_unknown_fields: spec.get("preserveUnknownFields").and_then(Value::as_bool)
                == Some(true),
            storage_version,
            versions,
        }
    }

    /// One version.
    pub fn version(&self, name: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.name == name)
    }

    /// A version's schema.
    pub fn schema(&self, version: &str) -> Option<&Value> {
        self.version(version).and_then(|v| v.schema.as_ref())
    }

    /// Evaluates the version's `x-kubernetes-validations` rules on `obj` after the other
    /// checks found `errs`; errors that make the object unfit for them are reported instead.
    fn check_rules(&self, version: &str, errs: &mut ErrorList, obj: &Value, old: Option<&Value>) {
        let Some(v) = self.version(version).filter(|v| v.rules) else { return };
        let Some(s) = v.schema.as_ref() else { return };
        match super::rules::blocking_error(errs) {
            Some(e) => errs.push(e),
            None => errs.extend(super::rules::validate(s, obj, old)),
        }
    }

    /// The scale subresource of a version.
    pub fn scale(&self, version: &str) -> Option<&Scale> {
        self.version(version).and_then(|v| v.scale.as_ref())
    }

    /// The `Warning` a request to a deprecated version gets: its `deprecationWarning`, else
    /// upstream's text naming the best newer served version.
    pub fn deprecation_warning(&self, version: &str) -> Option<String> {
        let v = self.version(version).filter(|v| v.deprecated)?;
        if let Some(w) = &v.deprecation_warning {
            return Some(w.clone());
        }
        let mut msg = format!("{}/{} {} is deprecated", self.group, version, self.kind);
        let best = self
            .versions
            .iter()
            .filter(|o| {
                o.served && !o.deprecated && compare_versions(version, &o.name) == Ordering::Less
            })
            .max_by(|a, b| compare_versions(&a.name, &b.name));
        if let Some(best) = best {
            msg.push_str(&format!("; use {}/{} {}", self.group, best.name, self.kind));
        }
        Some(msg)
    }

    /// What upstream's decoder does to a request's object at `version`: unknown metadata
    /// fields dropped, unknown fields pruned, disallowed nulls removed, defaults applied.
    pub fn coerce(&self, version: &str, obj: &mut Value) {
        let s = self.schema(version);
        if let Some(m) = obj.as_object_mut() {
            let _ = objectmeta::coerce_metadata(m, "metadata");
        }
        if !self.preserve_unknown_fields {
            pruning::prune(obj, s, true);
            defaulting::prune_nulls(obj, s);
        }
        let _ = objectmeta::coerce_embedded(&Path::nil(), obj, s);
        defaulting::apply(obj, s);
    }

    /// The problems strict decoding reports for `obj` at `version` (unknown fields, pruned or
    /// in metadata), or the error that makes it undecodable.
    pub fn unknown_fields(&self, version: &str, obj: &Value) -> Result<Vec<String>, String> {
        let mut copy = obj.clone();
        let s = self.schema(version);
        let mut out = match copy.as_object_mut() {
            Some(m) => objectmeta::coerce_metadata(m, "metadata")?,
            None => Vec::new(),
        };
        if !self.preserve_unknown_fields {
            out.extend(pruning::prune(&mut copy, s, true));
            defaulting::prune_nulls(&mut copy, s);
        }
        out.extend(
            objectmeta::coerce_embedded(&Path::nil(), &mut copy, s).map_err(|e| e.to_string())?,
        );
        Ok(out
            .into_iter()
            .map(|p| format!("unknown field {}", apimachinery::gofmt::quote(&p)))
            .collect())
    }

    /// Applies `fieldValidation` to a write of `obj` at `version`: `duplicates` are the
    /// problems of the request body itself. Strict fails on any problem (400 for bodies, 422
    /// for patches, as upstream); Warn (the default) returns them as warnings; Ignore drops
    /// them. An object whose metadata cannot be read fails whatever the directive.
    pub fn check_fields(
        &self,
        version: &str,
        obj: &Value,
        duplicates: Vec<String>,
        directive: &str,
        kind: WriteKind,
    ) -> Result<Vec<String>, StatusError> {
        let fail = |message: String| -> StatusError {
            match kind {
                WriteKind::Body => StatusError::new_bad_request(&format!(
                    "{} in version {} cannot be handled as a {}: {message}",
                    self.kind,
                    apimachinery::gofmt::quote(version),
                    self.kind
                )),
                WriteKind::Patch => StatusError::new_invalid(
                    &GroupKind::default(),
                    "",
                    &ErrorList(vec![Error::invalid(
                        &Path::new("patch"),
                        apimachinery::gofmt::marshal_json(obj, None),
                        message,
                    )]),
                ),
            }
        };
        let mut problems = duplicates;
        problems.extend(self.unknown_fields(version, obj).map_err(&fail)?);
        match directive {
            "Strict" if !problems.is_empty() => {
                Err(fail(format!("strict decoding error: {}", problems.join(", "))))
            }
            "Ignore" | "Strict" => Ok(Vec::new()),
            _ => Ok(problems),
        }
    }

    fn type_meta(&self, info: &ResourceInfo, obj: &Value) -> ErrorList {
        let mut errs = ErrorList::new();
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind != self.kind {
            errs.push(Error::invalid(&Path::new("kind"), kind, format!("must be {}", self.kind)));
        }
        let want = format!("{}/{}", self.group, info.version);
        let av = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if av != want {
            errs.push(Error::invalid(&Path::new("apiVersion"), av, format!("must be {want}")));
        }
        errs
    }

    fn replicas_errors(obj: &Value, path: &str) -> ErrorList {
        let Some(m) = obj.as_object() else { return ErrorList::new() };
        let p = Path::new(path);
        match nested::nested_i64(m, &path_fields(path)) {
            Err(e) => ErrorList(vec![Error::invalid(&p, 0, e.to_string())]),
            Ok(Some(r)) if r < 0 => {
                ErrorList(vec![Error::invalid(&p, r, "should be a non-negative integer")])
            }
            Ok(Some(r)) if r > i64::from(i32::MAX) => ErrorList(vec![Error::invalid(
                &p,
                r,
                format!("should be less than or equal to {}", i32::MAX),
            )]),
            Ok(_) => ErrorList::new(),
        }
    }

    fn scale_spec(&self, version: &str, obj: &Value) -> ErrorList {
        match self.scale(version) {
            Some(s) => Self::replicas_errors(obj, &s.spec_replicas_path),
            None => ErrorList::new(),
        }
    }

    fn scale_status(&self, version: &str, obj: &Value) -> ErrorList {
        let Some(s) = self.scale(version) else { return ErrorList::new() };
        let mut errs = Self::replicas_errors(obj, &s.status_replicas_path);
        if let (Some(sel), Some(m)) = (&s.label_selector_path, obj.as_object())
            && let Err(e) = nested::nested_string(m, &path_fields(sel))
        {
            errs.push(Error::invalid(&Path::new(sel.as_str()), "", e.to_string()));
        }
        errs
    }

    /// The version part of an object's `apiVersion` of this group (the storage version when
    /// it names none).
    fn version_of<'a>(&'a self, obj: &'a Value) -> &'a str {
        obj.get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|av| av.strip_prefix(&format!("{}/", self.group)))
            .filter(|v| self.version(v).is_some())
            .unwrap_or(&self.storage_version)
    }
}

/// Upstream's warnings for finalizers a write adds that are not domain-qualified.
pub fn finalizer_warnings(new: &Value, old: Option<&Value>) -> Vec<String> {
    let previous = old.map(|o| o.finalizers()).unwrap_or_default();
    let mut added: Vec<String> =
        new.finalizers().into_iter().filter(|f| !previous.contains(f)).collect();
    added.sort();
    added.dedup();
    let path = "metadata.finalizers";
    let mut out = Vec::new();
    for f in added {
        let q = apimachinery::gofmt::quote(&f);
        for msg in v::is_qualified_name(&f) {
            out.push(format!("{path}: {q}: {msg}"));
        }
        if !f.contains('/') && !["orphan", "foregroundDeletion", "kubernetes"].contains(&f.as_str())
        {
            if f.contains('.') {
                out.push(format!(
                    "{path}: {q}: prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers"
                ));
            } else {
                out.push(format!(
                    "{path}: {q}: prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers"
                ));
            }
        }
    }
    out
}

/// Everything but metadata (what a change of bumps the generation).
fn without_metadata(v: &Value) -> serde_json::Map<String, Value> {
    let mut m = v.as_object().cloned().unwrap_or_default();
    m.remove("metadata");
    m
}

impl Strategy for Definition {
    fn default(&self, info: &ResourceInfo, obj: &mut Value) {
        self.coerce(&info.version, obj);
    }

    fn prepare_for_create(&self, info: &ResourceInfo, obj: &mut Value) {
        self.coerce(&info.version, obj);
        if self.version(&info.version).is_some_and(|v| v.status)
            && let Some(m) = obj.as_object_mut()
        {
            m.shift_remove("status");
        }
        obj.meta_mut().insert("generation".into(), json!(1));
    }

    fn prepare_for_update(&self, info: &ResourceInfo, new: &mut Value, old: &Value) {
        self.coerce(&info.version, new);
        let old_generation =
            old.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0);
        let generation = if without_metadata(new) != without_metadata(old) {
            old_generation + 1
        } else {
            old_generation
        };
        if generation > 0 {
            new.meta_mut().insert("generation".into(), json!(generation));
        }
    }

    fn validate_create(&self, info: &ResourceInfo, obj: &Value) -> ErrorList {
        let errs = self.type_meta(info, obj);
        if !errs.is_empty() {
            return errs;
        }
        let s = self.schema(&info.version);
        let mut errs = objectmeta::validate_object_meta(
            obj.get("metadata"),
            self.namespaced,
            v::name_is_dns_subdomain,
            &Path::new("metadata"),
        );
        if let Some(s) = s {
            errs.extend(validator::validate(&Path::nil(), s, obj, None));
        }
        errs.extend(self.scale_spec(&info.version, obj));
        errs.extend(self.scale_status(&info.version, obj));
        errs.extend(objectmeta::validate(&Path::nil(), obj, s, false));
        errs.extend(listtype::validate(&Path::nil(), s, obj));
        self.check_rules(&info.version, &mut errs, obj, None);
        errs
    }

    fn validate_update(&self, info: &ResourceInfo, new: &Value, old: &Value) -> ErrorList {
        let errs = self.type_meta(info, new);
        if !errs.is_empty() {
            return errs;
        }
        let s = self.schema(&info.version);
        let mut errs = objectmeta::validate_object_meta_update(
            new.get("metadata"),
            old.get("metadata"),
            &Path::new("metadata"),
        );
        if let Some(s) = s {
            errs.extend(validator::validate(&Path::nil(), s, new, Some(old)));
        }
        errs.extend(self.scale_spec(&info.version, new));
        errs.extend(self.scale_status(&info.version, new));
        errs.extend(objectmeta::validate(&Path::nil(), new, s, false));
        if listtype::validate(&Path::nil(), s, old).is_empty() {
            errs.extend(listtype::validate(&Path::nil(), s, new));
        }
        self.check_rules(&info.version, &mut errs, new, Some(old));
        errs
    }

    fn validate_status_update(
        &self,
        info: &ResourceInfo,
        _subresource: &str,
        new: &Value,
        old: &Value,
    ) -> ErrorList {
        let errs = self.type_meta(info, new);
        if !errs.is_empty() {
            return errs;
        }
        let s = self.schema(&info.version);
        let mut errs = objectmeta::validate_object_meta_update(
            new.get("metadata"),
            old.get("metadata"),
            &Path::new("metadata"),
        );
        if let (Some(status), Some(status_schema)) =
            (new.get("status"), s.and_then(|s| schema::property(s, "status")))
        {
            errs.extend(validator::validate(
                &Path::new("status"),
                status_schema,
                status,
                old.get("status"),
            ));
        }
        errs.extend(self.scale_status(&info.version, new));
        let new_list = listtype::validate(&Path::nil(), s, new);
        if !new_list.is_empty() && listtype::validate(&Path::nil(), s, old).is_empty() {
            errs.extend(new_list);
        }
        // Rules see the whole object, whichever part the write may change.
        self.check_rules(&info.version, &mut errs, new, Some(old));
        errs
    }

    fn prepare_for_status_update(
        &self,
        info: &ResourceInfo,
        _subresource: &str,
        new: &mut Value,
        old: &Value,
    ) {
        // A custom resource's status write keeps the stored object but its status (and the
        // ownership of its fields).
        crate::registry::keep_written_part(new, old, "status");
        self.coerce(&info.version, new);
    }

    fn grace_period(&self, _info: &ResourceInfo, _obj: &Value, _requested: Option<i64>) -> i64 {
        0
    }

    fn allow_create_on_update(&self, _info: &ResourceInfo) -> bool {
        false
    }

    fn after_read(&self, info: &ResourceInfo, obj: &mut Value) {
        let stored = self.version_of(obj).to_string();
        let s = self.schema(&stored);
        if !self.preserve_unknown_fields {
            pruning::prune(obj, s, true);
            defaulting::prune_nulls(obj, s);
        }
        defaulting::apply(obj, s);
        if obj.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0) == 0
            && obj.get("metadata").is_some()
        {
            obj.meta_mut().insert("generation".into(), json!(1));
        }
        if stored != info.version {
            if let Some(m) = obj.as_object_mut() {
                m.insert("apiVersion".into(), json!(info.api_version()));
            }
            if !self.preserve_unknown_fields {
                pruning::prune(obj, self.schema(&info.version), true);
            }
        }
    }

    fn storage_form(&self, info: &ResourceInfo, obj: &Value) -> Option<Value> {
        if info.version == self.storage_version {
            return None;
        }
        let mut obj = obj.clone();
        if let Some(m) = obj.as_object_mut() {
            m.insert(
                "apiVersion".into(),
                json!(format!("{}/{}", self.group, self.storage_version)),
            );
        }
        if !self.preserve_unknown_fields {
            pruning::prune(&mut obj, self.schema(&self.storage_version), true);
        }
        Some(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_kube_aware() {
        let mut v =
            vec!["v1alpha1", "foo", "v2", "v1beta2", "v1", "v1beta1", "v11alpha2", "bar", "v10"];
        v.sort_by(|a, b| compare_versions(b, a));
        assert_eq!(
            v,
            ["v10", "v2", "v1", "v1beta2", "v1beta1", "v11alpha2", "v1alpha1", "bar", "foo"]
        );
    }
}
