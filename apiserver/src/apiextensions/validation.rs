//! Validation of CustomResourceDefinitions themselves on create, update and status update
//! (upstream's `pkg/apis/apiextensions/validation`): names, group, scope, versions (exactly one
//! storage version, unique DNS-1035 names, deprecation warnings), schemas (structural, with
//! pruned and valid defaults, list and map extensions), subresources, printer columns,
//! conversion, stored versions, API approval of protected groups; with upstream's messages.
//!
//! Upstream validates its internal form, where per-version schemas, subresources and columns
//! that are identical in every version move to `spec.validation`, `spec.subresources` and
//! `spec.additionalPrinterColumns`; errors name those paths the same way here.

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use apimachinery::validation as v;
use serde_json::{Map, Value};

use super::objectmeta;
use super::schema::{self, Additional};
use super::{defaulting, rules, validator};

/// The annotation protected groups must carry.
const API_APPROVAL_ANNOTATION: &str = "api-approved.kubernetes.io";

/// What a write may require of the schemas (upstream's `validationOptions`): creates require
/// everything; updates keep accepting what an existing definition already had.
#[derive(Debug, Clone)]
struct Options {
    allow_defaults: bool,
    disallow_defaults_reason: String,
    require_recognized_conversion_review_version: bool,
    require_immutable_names: bool,
    require_openapi_schema: bool,
    require_valid_property_type: bool,
    require_structural_schema: bool,
    require_pruned_defaults: bool,
    require_atomic_set_type: bool,
    require_map_list_keys_map_set_validation: bool,
}

impl Options {
    fn create() -> Self {
        Options {
            allow_defaults: true,
            disallow_defaults_reason: String::new(),
            require_recognized_conversion_review_version: true,
            require_immutable_names: false,
            require_openapi_schema: true,
            require_valid_property_type: true,
            require_structural_schema: true,
            require_pruned_defaults: true,
            require_atomic_set_type: true,
            require_map_list_keys_map_set_validation: true,
        }
    }

    fn update(old: &Value) -> Self {
        let old_spec = old.get("spec").cloned().unwrap_or_default();
        let old_view = View::of(&old_spec);
        let schemas: Vec<&Value> = old_view.all_schemas();
        let review_versions_ok = match old_spec.pointer("/conversion/conversionReviewVersions") {
            Some(Value::Array(a)) if !a.is_empty() => {
                a.iter().any(|v| matches!(v.as_str(), Some("v1" | "v1beta1")))
            }
            _ => true,
        };
        Options {
            allow_defaults: true,
            disallow_defaults_reason: String::new(),
            require_recognized_conversion_review_version: review_versions_ok,
            require_immutable_names: condition_true(old, "Established"),
            require_openapi_schema: old_view.all_versions_have_schema(),
            require_valid_property_type: !schemas.iter().any(|s| has(s, &|x| invalid_type(x))),
            require_structural_schema: !schemas.iter().any(|s| !is_structural(s)),
            require_pruned_defaults: !schemas.iter().any(|s| has_unpruned_defaults(s)),
            require_atomic_set_type: !schemas.iter().any(|s| has(s, &non_atomic_set_items)),
            require_map_list_keys_map_set_validation: !schemas
                .iter()
                .any(|s| has(s, &|x| !map_list_keys_map_set(x, &Path::new("")).is_empty())),
        }
    }
}

/// Whether a definition's condition of `type_` is `True`.
pub fn condition_true(crd: &Value, type_: &str) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == type_ && c["status"] == "True"))
}

/// The definition as upstream's internal form sees it: per-version fields that are identical
/// in every version are top-level ones.
struct View<'a> {
    spec: &'a Value,
    versions: &'a [Value],
    top_schema: Option<&'a Value>,
    per_version_schemas: bool,
    top_subresources: Option<&'a Value>,
    per_version_subresources: bool,
    top_columns: Option<&'a Value>,
    per_version_columns: bool,
}

/// Go's `Semantic.DeepEqual` of optional fields: absent, null and empty lists are equal.
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    fn norm(x: Option<&Value>) -> Option<&Value> {
        match x {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.is_empty() => None,
            Some(v) => Some(v),
        }
    }
    norm(a) == norm(b)
}

fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

impl<'a> View<'a> {
    fn of(spec: &'a Value) -> Self {
        let versions =
            spec.get("versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let identical = |key: &str| versions.iter().all(|v| same(v.get(key), versions[0].get(key)));
        let (top_schema, per_version_schemas) = match versions.first() {
            Some(first) if identical("schema") => {
                (first.get("schema").filter(|s| !s.is_null()), false)
            }
            Some(_) => (None, true),
            None => (None, false),
        };
        let (top_subresources, per_version_subresources) = match versions.first() {
            Some(first) if identical("subresources") => {
                (first.get("subresources").filter(|s| !s.is_null()), false)
            }
            Some(_) => (None, true),
            None => (None, false),
        };
        let (top_columns, per_version_columns) = match versions.first() {
            Some(first) if identical("additionalPrinterColumns") => {
                (first.get("additionalPrinterColumns").filter(|c| present(Some(c))), false)
            }
            Some(_) => (None, true),
            None => (None, false),
        };
        View {
            spec,
            versions,
            top_schema,
            per_version_schemas,
            top_subresources,
            per_version_subresources,
            top_columns,
            per_version_columns,
        }
    }

    fn version_schema(&self, v: &'a Value) -> Option<&'a Value> {
        if self.per_version_schemas { v.get("schema").filter(|s| !s.is_null()) } else { None }
    }

    fn version_subresources(&self, v: &'a Value) -> Option<&'a Value> {
        if self.per_version_subresources {
            v.get("subresources").filter(|s| !s.is_null())
        } else {
            None
        }
    }

    /// The subresources that apply to a version (`getSubresourcesForVersion`).
    fn subresources_for(&self, v: &'a Value) -> Option<&'a Value> {
        if self.per_version_subresources {
            self.version_subresources(v)
        } else {
            self.top_subresources
        }
    }

    fn any_status(&self) -> bool {
        let has_status =
            |s: Option<&Value>| s.and_then(|s| s.get("status")).is_some_and(|s| !s.is_null());
        has_status(self.top_subresources)
            || self.versions.iter().any(|v| has_status(self.version_subresources(v)))
    }

    fn all_schemas(&self) -> Vec<&'a Value> {
        let mut out = Vec::new();
        if let Some(s) = self.top_schema.and_then(|s| s.get("openAPIV3Schema")) {
            out.push(s);
        }
        for v in self.versions {
            if let Some(s) = self.version_schema(v).and_then(|s| s.get("openAPIV3Schema")) {
                out.push(s);
            }
        }
        out
    }

    fn all_versions_have_schema(&self) -> bool {
        if self.top_schema.and_then(|s| s.get("openAPIV3Schema")).is_some() {
            return true;
        }
        self.versions
            .iter()
            .all(|v| self.version_schema(v).and_then(|s| s.get("openAPIV3Schema")).is_some())
    }

    fn preserve_unknown_fields(&self) -> bool {
        self.spec.get("preserveUnknownFields").and_then(Value::as_bool).unwrap_or(false)
    }
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Go's `%#v` of a `[]string`.
fn go_strings(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| apimachinery::gofmt::quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// An `Invalid` error whose value Go prints in a form the generic renderings lack.
fn invalid_shown(path: &Path, shown: String, detail: &str) -> Error {
    Error::new(ErrorType::Invalid, path, BadValue::Omitted, format!("{shown}: {detail}"))
}

/// The versions list as Go prints it, shortened to what identifies each version.
fn go_versions(versions: &[Value]) -> String {
    let items: Vec<String> = versions
        .iter()
        .map(|v| {
            format!(
                "apiextensions.CustomResourceDefinitionVersion{{Name:{}, Served:{}, Storage:{}, Deprecated:{}, ...}}",
                apimachinery::gofmt::quote(str_of(v, "/name")),
                v.get("served").and_then(Value::as_bool).unwrap_or(false),
                v.get("storage").and_then(Value::as_bool).unwrap_or(false),
                v.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            )
        })
        .collect();
    format!("[]apiextensions.CustomResourceDefinitionVersion{{{}}}", items.join(", "))
}

/// The stored versions after upstream's `PrepareForCreate`/`PrepareForUpdate`: the previous
/// ones plus the current storage version.
pub fn stored_versions(crd: &Value, previous: &[String]) -> Vec<String> {
    let mut out = previous.to_vec();
    let storage = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .and_then(|v| v.get("name").and_then(Value::as_str));
    if let Some(s) = storage
        && !out.iter().any(|x| x == s)
    {
        out.push(s.to_string());
    }
    out
}

/// The v1 defaults of a definition (`SetDefaults_CustomResourceDefinition`): singular and
/// list kind from the kind, conversion `None`.
pub fn default_crd(crd: &mut Value) {
    let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut) else { return };
    let kind = spec.get("names").map(|n| str_of(n, "/kind").to_string()).unwrap_or_default();
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        if names.get("singular").and_then(Value::as_str).unwrap_or("").is_empty() {
            names.insert("singular".into(), Value::String(kind.to_lowercase()));
        }
        if names.get("listKind").and_then(Value::as_str).unwrap_or("").is_empty()
            && !kind.is_empty()
        {
            names.insert("listKind".into(), Value::String(format!("{kind}List")));
        }
    }
    if spec.get("conversion").is_none_or(Value::is_null) {
        spec.insert("conversion".into(), serde_json::json!({"strategy": "None"}));
    }
}

/// Upstream's `PrepareForCreate`/`PrepareForUpdate` of a definition: a new one starts with an
/// empty status; either way the storage version joins `status.storedVersions` (the store has
/// already carried the old status over on updates).
pub fn prepare_crd(crd: &mut Value, old: Option<&Value>) {
    let Some(m) = crd.as_object_mut() else { return };
    let previous = match old {
        None => {
            m.insert("status".into(), Value::Object(Map::new()));
            Vec::new()
        }
        Some(o) => strings_at(o, "/status/storedVersions"),
    };
    let stored = stored_versions(crd, &previous);
    if stored.is_empty() {
        return;
    }
    if let Some(status) =
        crd.as_object_mut().map(|m| m.entry("status").or_insert_with(|| Value::Object(Map::new())))
        && let Some(status) = status.as_object_mut()
    {
        status.insert("storedVersions".into(), serde_json::json!(stored));
    }
}

fn strings_at(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// `ValidateCustomResourceDefinition`.
pub fn validate_create(crd: &Value) -> ErrorList {
    let mut errs = validate_meta(crd);
    let spec = crd.get("spec").cloned().unwrap_or_default();
    errs.extend(validate_spec(&spec, &Options::create(), &Path::new("spec")));
    errs.extend(validate_status(crd));
    errs.extend(validate_stored_versions(crd));
    errs.extend(validate_api_approval(crd, None));
    errs.extend(validate_preserve_unknown_fields(crd, None));
    errs
}

/// `ValidateCustomResourceDefinitionUpdate`.
pub fn validate_update(new: &Value, old: &Value) -> ErrorList {
    let opts = Options::update(old);
    let path = Path::new("metadata");
    let mut errs =
        objectmeta::validate_object_meta_update(new.get("metadata"), old.get("metadata"), &path);
    let spec = new.get("spec").cloned().unwrap_or_default();
    let old_spec = old.get("spec").cloned().unwrap_or_default();
    let spec_path = Path::new("spec");
    errs.extend(validate_spec(&spec, &opts, &spec_path));
    let immutable = |field: &Path, n: &Value, o: &Value| -> Option<Error> {
        (n != o).then(|| {
            validator::error_with_value(ErrorType::Invalid, field, n, "field is immutable")
        })
    };
    let at = |v: &Value, p: &str| v.pointer(p).cloned().unwrap_or(Value::String(String::new()));
    if opts.require_immutable_names {
        errs.extend(immutable(
            &spec_path.child("scope"),
            &at(&spec, "/scope"),
            &at(&old_spec, "/scope"),
        ));
        errs.extend(immutable(
            &spec_path.child("names").child("kind"),
            &at(&spec, "/names/kind"),
            &at(&old_spec, "/names/kind"),
        ));
    }
    errs.extend(immutable(
        &spec_path.child("group"),
        &at(&spec, "/group"),
        &at(&old_spec, "/group"),
    ));
    errs.extend(immutable(
        &spec_path.child("names").child("plural"),
        &at(&spec, "/names/plural"),
        &at(&old_spec, "/names/plural"),
    ));
    errs.extend(validate_status(new));
    errs.extend(validate_stored_versions(new));
    errs.extend(validate_api_approval(new, Some(old)));
    errs.extend(validate_preserve_unknown_fields(new, Some(old)));
    errs
}

/// `ValidateUpdateCustomResourceDefinitionStatus`.
pub fn validate_status_update(new: &Value, old: &Value) -> ErrorList {
    let mut errs = objectmeta::validate_object_meta_update(
        new.get("metadata"),
        old.get("metadata"),
        &Path::new("metadata"),
    );
    errs.extend(validate_status(new));
    errs
}

fn validate_meta(crd: &Value) -> ErrorList {
    let path = Path::new("metadata");
    let mut errs = objectmeta::validate_object_meta(
        crd.get("metadata"),
        false,
        v::name_is_dns_subdomain,
        &path,
    );
    let name = str_of(crd, "/metadata/name");
    let required = format!("{}.{}", str_of(crd, "/spec/names/plural"), str_of(crd, "/spec/group"));
    if !name.is_empty() && name != required {
        let at = errs
            .iter()
            .rposition(|e| e.field == "metadata.name" || e.field == "metadata.generateName")
            .map(|i| i + 1)
            .unwrap_or(0);
        errs.insert(
            at,
            Error::invalid(
                &path.child("name"),
                name,
                r#"must be spec.names.plural+"."+spec.group"#,
            ),
        );
    }
    errs
}

fn validate_status(crd: &Value) -> ErrorList {
    let names = crd.pointer("/status/acceptedNames").cloned().unwrap_or_default();
    validate_names(&names, &Path::new("status").child("acceptedNames"))
}

fn validate_stored_versions(crd: &Value) -> ErrorList {
    let path = Path::new("status").child("storedVersions");
    let stored = strings_at(crd, "/status/storedVersions");
    let stored_refs: Vec<&str> = stored.iter().map(String::as_str).collect();
    if stored.is_empty() {
        return ErrorList(vec![invalid_shown(
            &path,
            "[]string(nil)".into(),
            "must have at least one stored version",
        )]);
    }
    let mut errs = ErrorList::new();
    let mut remaining: Vec<(usize, &str)> = stored_refs.iter().copied().enumerate().collect();
    for v in crd.pointer("/spec/versions").and_then(Value::as_array).into_iter().flatten() {
        let name = str_of(v, "/name");
        let found = remaining.iter().any(|(_, s)| *s == name);
        if v.get("storage").and_then(Value::as_bool) == Some(true) && !stored_refs.contains(&name) {
            errs.push(invalid_shown(
                &path,
                go_strings(&stored_refs),
                &format!("must have the storage version {name}"),
            ));
        }
        if found {
            remaining.retain(|(_, s)| *s != name);
        }
    }
    for (i, v) in remaining {
        errs.push(Error::invalid(
            &path.index(i),
            v,
            format!(
                "missing from spec.versions; {v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in {v} and removes {v} from status.storedVersions"
            ),
        ));
    }
    errs
}

fn is_protected_group(group: &str) -> bool {
    group == "k8s.io"
        || group.ends_with(".k8s.io")
        || group == "kubernetes.io"
        || group.ends_with(".kubernetes.io")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approval {
    Invalid,
    Approved,
    Bypassed,
    Missing,
}

fn approval_state(crd: &Value) -> (Approval, String) {
    let a = crd
        .pointer("/metadata/annotations")
        .and_then(|m| m.get(API_APPROVAL_ANNOTATION))
        .and_then(Value::as_str)
        .unwrap_or("");
    let q = apimachinery::gofmt::quote(API_APPROVAL_ANNOTATION);
    let has_scheme_and_host = a.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty() && !rest.is_empty() && !rest.starts_with('/')
    });
    if a.is_empty() {
        (
            Approval::Missing,
            format!(
                "protected groups must have approval annotation {q}, see https://github.com/kubernetes/enhancements/pull/1111"
            ),
        )
    } else if a.starts_with("unapproved") {
        (Approval::Bypassed, String::new())
    } else if has_scheme_and_host {
        (Approval::Approved, String::new())
    } else {
        (
            Approval::Invalid,
            format!(
                "protected groups must have approval annotation {q} with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111"
            ),
        )
    }
}

fn validate_api_approval(new: &Value, old: Option<&Value>) -> ErrorList {
    if !is_protected_group(str_of(new, "/spec/group")) {
        return ErrorList::new();
    }
    let (state, reason) = approval_state(new);
    if let Some(old) = old
        && approval_state(old).0 == state
    {
        return ErrorList::new();
    }
    let path = Path::new("metadata").child("annotations").key(API_APPROVAL_ANNOTATION);
    let value = new
        .pointer("/metadata/annotations")
        .and_then(|m| m.get(API_APPROVAL_ANNOTATION))
        .and_then(Value::as_str)
        .unwrap_or("");
    match state {
        Approval::Approved | Approval::Bypassed => ErrorList::new(),
        Approval::Missing => ErrorList(vec![Error::required(&path, reason)]),
        Approval::Invalid => ErrorList(vec![Error::invalid(&path, value, reason)]),
    }
}

fn validate_preserve_unknown_fields(new: &Value, old: Option<&Value>) -> ErrorList {
    let set =
        |v: &Value| v.pointer("/spec/preserveUnknownFields").and_then(Value::as_bool) == Some(true);
    if old.is_some_and(set) || !set(new) {
        return ErrorList::new();
    }
    ErrorList(vec![Error::invalid(
        &Path::new("spec").child("preserveUnknownFields"),
        true,
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
    )])
}

fn enum_string(path: &Path, value: &str, accepted: &[&str]) -> ErrorList {
    if value.is_empty() {
        return ErrorList(vec![Error::required(path, "")]);
    }
    if accepted.contains(&value) {
        return ErrorList::new();
    }
    ErrorList(vec![Error::not_supported(path, value, accepted)])
}

fn validate_spec(spec: &Value, opts: &Options, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut opts = opts.clone();
    let view = View::of(spec);
    let group = str_of(spec, "/group");
    if group.is_empty() {
        errs.push(Error::required(&path.child("group"), ""));
    } else {
        let problems = v::is_dns1123_subdomain(group);
        if !problems.is_empty() {
            errs.push(Error::invalid(&path.child("group"), group, problems.join(",")));
        } else if group.split('.').count() < 2 {
            errs.push(Error::invalid(
                &path.child("group"),
                group,
                "should be a domain with at least one dot",
            ));
        }
    }
    errs.extend(enum_string(
        &path.child("scope"),
        str_of(spec, "/scope"),
        &["Cluster", "Namespaced"],
    ));
    if !view.preserve_unknown_fields() {
        opts.require_structural_schema = true;
    }
    if opts.require_openapi_schema {
        if view.top_schema.and_then(|s| s.get("openAPIV3Schema")).is_none() {
            for (i, v) in view.versions.iter().enumerate() {
                if v.pointer("/schema/openAPIV3Schema").is_none_or(Value::is_null) {
                    errs.push(Error::required(
                        &path.child("versions").index(i).child("schema").child("openAPIV3Schema"),
                        "",
                    ));
                }
            }
        }
    } else if !view.preserve_unknown_fields()
        && view.top_schema.and_then(|s| s.get("openAPIV3Schema")).is_none()
    {
        for (i, v) in view.versions.iter().enumerate() {
            if v.get("served").and_then(Value::as_bool) == Some(true)
                && v.pointer("/schema/openAPIV3Schema").is_none_or(Value::is_null)
            {
                errs.push(Error::required(
                    &path.child("versions").index(i).child("schema").child("openAPIV3Schema"),
                    "because otherwise all fields are pruned",
                ));
            }
        }
    }
    let schemas = view.all_schemas();
    if opts.allow_defaults
        && schemas.iter().any(|s| has(s, &|x| schema::default_value(x).is_some()))
    {
        opts.require_structural_schema = true;
        if view.preserve_unknown_fields() {
            errs.push(Error::invalid(
                &path.child("preserveUnknownFields"),
                true,
                "must be false in order to use defaults in the schema",
            ));
        }
    }
    if schemas.iter().any(|s| has(s, &has_kubernetes_extensions)) {
        opts.require_structural_schema = true;
    }

    let mut storage_count = 0;
    let mut seen: Vec<&str> = Vec::new();
    let mut unique = true;
    for (i, version) in view.versions.iter().enumerate() {
        let vp = path.child("versions").index(i);
        if version.get("storage").and_then(Value::as_bool) == Some(true) {
            storage_count += 1;
        }
        let name = str_of(version, "/name");
        if seen.contains(&name) {
            unique = false;
        } else {
            seen.push(name);
        }
        let problems = v::is_dns1035_label(name);
        if !problems.is_empty() {
            errs.push(Error::invalid(&vp.child("name"), name, problems.join(",")));
        }
        let status_enabled = view
            .subresources_for(version)
            .and_then(|s| s.get("status"))
            .is_some_and(|s| !s.is_null());
        errs.extend(validate_version(version, &view, &vp, status_enabled, &opts));
    }
    if !unique {
        errs.push(invalid_shown(
            &path.child("versions"),
            go_versions(view.versions),
            "must contain unique version names",
        ));
    }
    if storage_count != 1 {
        errs.push(invalid_shown(
            &path.child("versions"),
            go_versions(view.versions),
            "must have exactly one version marked as storage version",
        ));
    }
    let names_path = path.child("names");
    for field in ["plural", "singular", "kind", "listKind"] {
        if str_of(spec, &format!("/names/{field}")).is_empty() {
            errs.push(Error::required(&names_path.child(field), ""));
        }
    }
    errs.extend(validate_names(&spec.get("names").cloned().unwrap_or_default(), &names_path));
    errs.extend(validate_validation(
        view.top_schema,
        view.any_status(),
        &opts,
        &path.child("validation"),
    ));
    errs.extend(validate_subresources(view.top_subresources, &path.child("subresources")));
    for (i, col) in view.top_columns.and_then(Value::as_array).into_iter().flatten().enumerate() {
        errs.extend(validate_column(col, &path.child("additionalPrinterColumns").index(i)));
    }
    let strategy = str_of(spec, "/conversion/strategy");
    if spec.get("conversion").is_some_and(|c| !c.is_null())
        && strategy != "None"
        && view.preserve_unknown_fields()
    {
        errs.push(Error::invalid(
            &path.child("conversion").child("strategy"),
            strategy,
            "must be None if spec.preserveUnknownFields is true",
        ));
    }
    if let Some(conversion) = spec.get("conversion").filter(|c| !c.is_null()) {
        errs.extend(validate_conversion(conversion, &opts, &path.child("conversion")));
    }
    errs
}

fn validate_conversion(c: &Value, opts: &Options, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let strategy = str_of(c, "/strategy");
    errs.extend(enum_string(&path.child("strategy"), strategy, &["None", "Webhook"]));
    let client_config = c.pointer("/webhook/clientConfig").or_else(|| c.get("webhookClientConfig"));
    let review_versions = c
        .pointer("/webhook/conversionReviewVersions")
        .or_else(|| c.get("conversionReviewVersions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if strategy == "Webhook" {
        match client_config.filter(|cc| !cc.is_null()) {
            None => errs.push(Error::required(
                &path.child("webhookClientConfig"),
                "required when strategy is set to Webhook",
            )),
            Some(cc) => {
                let has_url = cc.get("url").is_some_and(|u| !u.is_null());
                let has_service = cc.get("service").is_some_and(|s| !s.is_null());
                if has_url == has_service {
                    errs.push(Error::required(
                        &path.child("webhookClientConfig"),
                        "exactly one of url or service is required",
                    ));
                }
            }
        }
        let rp = path.child("conversionReviewVersions");
        if review_versions.is_empty() {
            errs.push(Error::required(&rp, ""));
        } else {
            let mut seen = Vec::new();
            let mut accepted = false;
            for (i, rv) in review_versions.iter().enumerate() {
                let rv = rv.as_str().unwrap_or("");
                if seen.contains(&rv) {
                    errs.push(Error::invalid(&rp.index(i), rv, "duplicate version"));
                    continue;
                }
                seen.push(rv);
                for problem in v::is_dns1035_label(rv) {
                    errs.push(Error::invalid(&rp.index(i), rv, problem));
                }
                accepted |= rv == "v1" || rv == "v1beta1";
            }
            if opts.require_recognized_conversion_review_version && !accepted {
                errs.push(invalid_shown(
                    &rp,
                    go_strings(&seen),
                    "must include at least one of v1, v1beta1",
                ));
            }
        }
    } else {
        if client_config.is_some_and(|cc| !cc.is_null()) {
            errs.push(Error::forbidden(
                &path.child("webhookClientConfig"),
                "should not be set when strategy is not set to Webhook",
            ));
        }
        if !review_versions.is_empty() {
            errs.push(Error::forbidden(
                &path.child("conversionReviewVersions"),
                "should not be set when strategy is not set to Webhook",
            ));
        }
    }
    errs
}

fn validate_version(
    version: &Value,
    view: &View<'_>,
    path: &Path,
    status_enabled: bool,
    opts: &Options,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let deprecated = version.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
    if let Some(w) = version.get("deprecationWarning").filter(|w| !w.is_null()) {
        let w = w.as_str().unwrap_or("");
        let wp = path.child("deprecationWarning");
        let mut problems = Vec::new();
        if !deprecated {
            problems.push("can only be set for deprecated versions".to_string());
        } else {
            if w.len() > 256 {
                problems.push("must be <= 256 characters long".into());
            }
            if w.is_empty() {
                problems.push("must not be an empty string".into());
            }
            for (i, c) in w.char_indices() {
                if c.is_control() {
                    problems.push(format!(
                        "must only contain printable UTF-8 characters; control character found at index {i}"
                    ));
                    break;
                }
            }
        }
        for p in problems {
            errs.push(Error::invalid(&wp, w, p));
        }
    }
    errs.extend(validate_validation(
        view.version_schema(version),
        status_enabled,
        opts,
        &path.child("schema"),
    ));
    errs.extend(validate_subresources(
        view.version_subresources(version),
        &path.child("subresources"),
    ));
    if view.per_version_columns {
        for (i, col) in version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            errs.extend(validate_column(col, &path.child("additionalPrinterColumns").index(i)));
        }
    }
    errs
}

fn validate_names(names: &Value, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for field in ["plural", "singular"] {
        let n = str_of(names, &format!("/{field}"));
        let problems = v::is_dns1035_label(n);
        if !n.is_empty() && !problems.is_empty() {
            errs.push(Error::invalid(&path.child(field), n, problems.join(",")));
        }
    }
    for field in ["kind", "listKind"] {
        let n = str_of(names, &format!("/{field}"));
        let problems = v::is_dns1035_label(&n.to_lowercase());
        if !n.is_empty() && !problems.is_empty() {
            errs.push(Error::invalid(
                &path.child(field),
                n,
                format!("may have mixed case, but should otherwise match: {}", problems.join(",")),
            ));
        }
    }
    for (i, short) in strings_at(names, "/shortNames").iter().enumerate() {
        let problems = v::is_dns1035_label(short);
        if !problems.is_empty() {
            errs.push(Error::invalid(
                &path.child("shortNames").index(i),
                short,
                problems.join(","),
            ));
        }
    }
    let kind = str_of(names, "/kind");
    if !kind.is_empty() && kind == str_of(names, "/listKind") {
        errs.push(Error::invalid(
            &path.child("listKind"),
            kind,
            "kind and listKind may not be the same",
        ));
    }
    for (i, c) in strings_at(names, "/categories").iter().enumerate() {
        let problems = v::is_dns1035_label(c);
        if !problems.is_empty() {
            errs.push(Error::invalid(&path.child("categories").index(i), c, problems.join(",")));
        }
    }
    errs
}

fn validate_column(col: &Value, path: &Path) -> ErrorList {
    const TYPES: &str = "boolean,date,integer,number,string";
    const FORMATS: &str = "byte,date,date-time,double,float,int32,int64,password";
    let mut errs = ErrorList::new();
    if str_of(col, "/name").is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    }
    let t = str_of(col, "/type");
    if t.is_empty() {
        errs.push(Error::required(&path.child("type"), format!("must be one of {TYPES}")));
    } else if !TYPES.split(',').any(|x| x == t) {
        errs.push(Error::invalid(&path.child("type"), t, format!("must be one of {TYPES}")));
    }
    let f = str_of(col, "/format");
    if !f.is_empty() && !FORMATS.split(',').any(|x| x == f) {
        errs.push(Error::invalid(&path.child("format"), f, format!("must be one of {FORMATS}")));
    }
    let jp = str_of(col, "/jsonPath");
    if jp.is_empty() {
        errs.push(Error::required(&path.child("JSONPath"), ""));
    } else {
        errs.extend(simple_json_path(jp, &path.child("JSONPath")));
    }
    errs
}

fn simple_json_path(s: &str, path: &Path) -> ErrorList {
    if s.is_empty() {
        return ErrorList(vec![Error::invalid(path, s, "must not be empty")]);
    }
    if !s.starts_with('.') {
        return ErrorList(vec![Error::invalid(
            path,
            s,
            "must be a simple json path starting with .",
        )]);
    }
    ErrorList::new()
}

fn validate_subresources(sub: Option<&Value>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(scale) = sub.and_then(|s| s.get("scale")).filter(|s| !s.is_null()) else {
        return errs;
    };
    for (key, prefix, detail) in [
        ("specReplicasPath", ".spec.", "should be a json path under .spec"),
        ("statusReplicasPath", ".status.", "should be a json path under .status"),
    ] {
        let p = path.child(format!("scale.{key}"));
        let value = str_of(scale, &format!("/{key}"));
        if value.is_empty() {
            errs.push(Error::required(&p, ""));
        } else {
            let e = simple_json_path(value, &p);
            if !e.is_empty() {
                errs.extend(e);
            } else if !value.starts_with(prefix) {
                errs.push(Error::invalid(&p, value, detail));
            }
        }
    }
    let selector = str_of(scale, "/labelSelectorPath");
    if !selector.is_empty() {
        let p = path.child("scale.labelSelectorPath");
        let e = simple_json_path(selector, &p);
        if !e.is_empty() {
            errs.extend(e);
        } else if !selector.starts_with(".spec.") && !selector.starts_with(".status.") {
            errs.push(Error::invalid(
                &p,
                selector,
                "should be a json path under either .spec or .status",
            ));
        }
    }
    errs
}

/// `JSONSchemaProps` fields in declaration order, by their JSON names.
const SCHEMA_FIELDS: &[(&str, &str)] = &[
    ("id", "ID"),
    ("$schema", "Schema"),
    ("$ref", "Ref"),
    ("description", "Description"),
    ("type", "Type"),
    ("nullable", "Nullable"),
    ("format", "Format"),
    ("title", "Title"),
    ("default", "Default"),
    ("maximum", "Maximum"),
    ("exclusiveMaximum", "ExclusiveMaximum"),
    ("minimum", "Minimum"),
    ("exclusiveMinimum", "ExclusiveMinimum"),
    ("maxLength", "MaxLength"),
    ("minLength", "MinLength"),
    ("pattern", "Pattern"),
    ("maxItems", "MaxItems"),
    ("minItems", "MinItems"),
    ("uniqueItems", "UniqueItems"),
    ("multipleOf", "MultipleOf"),
    ("enum", "Enum"),
    ("maxProperties", "MaxProperties"),
    ("minProperties", "MinProperties"),
    ("required", "Required"),
    ("items", "Items"),
    ("allOf", "AllOf"),
    ("oneOf", "OneOf"),
    ("anyOf", "AnyOf"),
    ("not", "Not"),
    ("properties", "Properties"),
    ("additionalProperties", "AdditionalProperties"),
    ("patternProperties", "PatternProperties"),
    ("dependencies", "Dependencies"),
    ("additionalItems", "AdditionalItems"),
    ("definitions", "Definitions"),
    ("externalDocs", "ExternalDocs"),
    ("example", "Example"),
    ("x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields"),
    ("x-kubernetes-embedded-resource", "XEmbeddedResource"),
    ("x-kubernetes-int-or-string", "XIntOrString"),
    ("x-kubernetes-list-map-keys", "XListMapKeys"),
    ("x-kubernetes-list-type", "XListType"),
    ("x-kubernetes-map-type", "XMapType"),
    ("x-kubernetes-validations", "XValidations"),
];

const ALLOWED_AT_ROOT_WITH_STATUS: &[&str] = &[
    "Description",
    "Type",
    "Format",
    "Title",
    "Maximum",
    "ExclusiveMaximum",
    "Minimum",
    "ExclusiveMinimum",
    "MaxLength",
    "MinLength",
    "Pattern",
    "MaxItems",
    "MinItems",
    "UniqueItems",
    "MultipleOf",
    "Required",
    "Items",
    "Properties",
    "ExternalDocs",
    "Example",
    "XPreserveUnknownFields",
    "XValidations",
];

/// Whether a schema keyword holds something other than its Go zero value.
fn non_zero(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
        Value::Bool(true) => true,
    }
}

fn validate_validation(
    validation: Option<&Value>,
    status_enabled: bool,
    opts: &Options,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(s) = validation.and_then(|v| v.get("openAPIV3Schema")).filter(|s| !s.is_null()) else {
        return errs;
    };
    let root_path = path.child("openAPIV3Schema");
    if status_enabled && let Some(m) = s.as_object() {
        for (key, name) in SCHEMA_FIELDS {
            let Some(v) = m.get(*key).filter(|v| non_zero(v)) else { continue };
            if *name == "Type" {
                if schema::ty(s) != "object" {
                    errs.push(validator::error_with_value(
                        ErrorType::Invalid,
                        &path.child("openAPIV3Schema.type"),
                        v,
                        r#"only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
                    ));
                    break;
                }
                continue;
            }
            if !ALLOWED_AT_ROOT_WITH_STATUS.contains(name) {
                errs.push(invalid_shown(
                    &path.child("openAPIV3Schema"),
                    "apiextensions.JSONSchemaProps{...}".into(),
                    &format!(
                        "only [{}] fields are allowed at the root of the schema if the status subresource is enabled",
                        ALLOWED_AT_ROOT_WITH_STATUS.join(" ")
                    ),
                ));
                break;
            }
        }
    }
    if schema::nullable(s) {
        errs.push(Error::forbidden(
            &path.child("openAPIV3Schema.nullable"),
            "nullable cannot be true at the root",
        ));
    }
    let ssv = Ssv {
        allow_defaults: opts.allow_defaults,
        disallow_defaults_reason: opts.disallow_defaults_reason.clone(),
        inside_resource_meta: false,
        require_valid_property_type: opts.require_valid_property_type,
    };
    let mut init_errs = ErrorList::new();
    if opts.require_structural_schema {
        if let Some(e) = schema::structural_conversion_error(s) {
            init_errs.push(Error::invalid(&root_path, "", e));
        } else {
            let structural = schema::validate_structural(&root_path, s);
            if !structural.is_empty() {
                errs.extend(structural);
            } else {
                errs.extend(validate_defaults_of(&root_path, s, opts.require_pruned_defaults));
            }
        }
    }
    errs.extend(validate_openapi_schema(s, &root_path, &ssv, true, opts));
    if errs.is_empty() {
        errs.extend(init_errs);
    }
    errs
}

fn validate_defaults_of(path: &Path, s: &Value, require_pruned: bool) -> ErrorList {
    let errs = defaulting::validate_defaults(path, s);
    if require_pruned {
        errs
    } else {
        errs.into_iter().filter(|e| e.detail != "must not have unknown fields").collect()
    }
}

/// Upstream's `specStandardValidatorV3`.
#[derive(Debug, Clone)]
struct Ssv {
    allow_defaults: bool,
    disallow_defaults_reason: String,
    inside_resource_meta: bool,
    require_valid_property_type: bool,
}

impl Ssv {
    fn forbid_defaults(&self, reason: &str) -> Ssv {
        Ssv { allow_defaults: false, disallow_defaults_reason: reason.to_string(), ..self.clone() }
    }

    fn validate(&self, s: &Value, path: &Path) -> ErrorList {
        let mut errs = ErrorList::new();
        let t = schema::ty(s);
        const TYPES: [&str; 6] = ["array", "boolean", "integer", "number", "object", "string"];
        if self.require_valid_property_type && !t.is_empty() && !TYPES.contains(&t) {
            errs.push(Error::not_supported(&path.child("type"), t, &TYPES));
        }
        if schema::default_value(s).is_some() && !self.allow_defaults {
            let mut detail = "must not be set".to_string();
            if !self.disallow_defaults_reason.is_empty() {
                detail.push(' ');
                detail.push_str(&self.disallow_defaults_reason);
            }
            errs.push(Error::forbidden(&path.child("default"), detail));
        }
        if !schema::text(s, "id").is_empty() {
            errs.push(Error::forbidden(&path.child("id"), "id is not supported"));
        }
        if s.get("additionalItems").is_some_and(|v| !v.is_null()) {
            errs.push(Error::forbidden(
                &path.child("additionalItems"),
                "additionalItems is not supported",
            ));
        }
        let non_empty_map =
            |k: &str| s.get(k).and_then(Value::as_object).is_some_and(|m| !m.is_empty());
        if non_empty_map("patternProperties") {
            errs.push(Error::forbidden(
                &path.child("patternProperties"),
                "patternProperties is not supported",
            ));
        }
        if non_empty_map("definitions") {
            errs.push(Error::forbidden(&path.child("definitions"), "definitions is not supported"));
        }
        if s.get("dependencies").is_some_and(|v| !v.is_null()) {
            errs.push(Error::forbidden(
                &path.child("dependencies"),
                "dependencies is not supported",
            ));
        }
        if s.get("$ref").is_some_and(|v| !v.is_null()) {
            errs.push(Error::forbidden(&path.child("$ref"), "$ref is not supported"));
        }
        if t == "null" {
            errs.push(Error::forbidden(
                &path.child("type"),
                "type cannot be set to null, use nullable as an alternative",
            ));
        }
        if s.get("items").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
            errs.push(Error::forbidden(
                &path.child("items"),
                "items must be a schema object and not an array",
            ));
        }
        if self.inside_resource_meta && schema::embedded(s) {
            errs.push(Error::forbidden(
                &path.child("x-kubernetes-embedded-resource"),
                "must not be used inside of resource meta",
            ));
        }
        errs
    }
}

/// `ValidateCustomResourceDefinitionOpenAPISchema`.
fn validate_openapi_schema(
    s: &Value,
    path: &Path,
    ssv: &Ssv,
    is_root: bool,
    opts: &Options,
) -> ErrorList {
    let mut errs = ssv.validate(s, path);
    if schema::flag(s, "uniqueItems") {
        errs.push(Error::forbidden(
            &path.child("uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    let props = schema::properties(s).filter(|p| !p.is_empty());
    if let Some(a) = schema::additional(s) {
        if props.is_some() && !matches!(a, Additional::Bool(true)) {
            errs.push(Error::forbidden(
                &path.child("additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        let sub = if ssv.inside_resource_meta {
            ssv.forbid_defaults("inside additionalProperties applying to object metadata")
        } else {
            ssv.clone()
        };
        if let Some(a) = a.schema() {
            errs.extend(validate_openapi_schema(
                a,
                &path.child("additionalProperties"),
                &sub,
                false,
                opts,
            ));
        }
    }
    if let Some(props) = props {
        let mut names: Vec<&String> = props.keys().collect();
        names.sort();
        for name in names {
            let mut sub = ssv.clone();
            if (is_root || schema::embedded(s))
                && matches!(name.as_str(), "metadata" | "kind" | "apiVersion")
            {
                sub.inside_resource_meta = true;
                if is_root {
                    sub = sub.forbid_defaults(&format!("in top-level {name}"));
                }
            }
            errs.extend(validate_openapi_schema(
                &props[name],
                &path.child("properties").key(name),
                &sub,
                false,
                opts,
            ));
        }
    }
    if let Some(not) = s.get("not").filter(|n| n.is_object()) {
        errs.extend(validate_openapi_schema(not, &path.child("not"), ssv, false, opts));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, x) in schema::schemas(s, key).iter().enumerate() {
            errs.extend(validate_openapi_schema(x, &path.child(key).index(i), ssv, false, opts));
        }
    }
    if let Some(defs) = s.get("definitions").and_then(Value::as_object) {
        for (k, d) in defs {
            errs.extend(validate_openapi_schema(
                d,
                &path.child("definitions").key(k),
                ssv,
                false,
                opts,
            ));
        }
    }
    match s.get("items") {
        Some(i @ Value::Object(_)) => {
            errs.extend(validate_openapi_schema(i, &path.child("items"), ssv, false, opts));
        }
        Some(Value::Array(items)) => {
            for (i, x) in items.iter().enumerate() {
                errs.extend(validate_openapi_schema(
                    x,
                    &path.child("items").index(i),
                    ssv,
                    false,
                    opts,
                ));
            }
        }
        _ => {}
    }
    if s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errs.push(Error::invalid(
            &path.child("x-kubernetes-preserve-unknown-fields"),
            false,
            "must be true or undefined",
        ));
    }
    let t = schema::ty(s);
    let type_required = |errs: &mut ErrorList, want: &str, what: &str| {
        let detail = format!("must be {want} if {what} is specified");
        if t.is_empty() {
            errs.push(Error::required(&path.child("type"), detail));
        } else {
            errs.push(Error::invalid(&path.child("type"), t, detail));
        }
    };
    let map_type = s.get("x-kubernetes-map-type").and_then(Value::as_str);
    if map_type.is_some() && t != "object" {
        type_required(&mut errs, "object", "x-kubernetes-map-type");
    }
    if let Some(mt) = map_type
        && mt != "atomic"
        && mt != "granular"
    {
        errs.push(Error::not_supported(
            &path.child("x-kubernetes-map-type"),
            mt,
            &["atomic", "granular"],
        ));
    }
    let list_type = schema::list_type(s);
    if list_type.is_some() && t != "array" {
        type_required(&mut errs, "array", "x-kubernetes-list-type");
    } else if opts.require_atomic_set_type
        && list_type == Some("set")
        && let Some(is) = schema::items(s)
    {
        match schema::ty(is) {
            "array" => {
                if let Some(lt) = schema::list_type(is)
                    && lt != "atomic"
                {
                    errs.push(Error::invalid(
                        &path.child("items").child("x-kubernetes-list-type"),
                        lt,
                        "must be atomic as item of a list with x-kubernetes-list-type=set",
                    ));
                }
            }
            "object"
                if is.get("x-kubernetes-map-type").and_then(Value::as_str) != Some("atomic") =>
            {
                // Upstream shows the items' list type here.
                let shown = schema::list_type(is).unwrap_or("null");
                errs.push(Error::invalid(
                    &path.child("items").child("x-kubernetes-map-type"),
                    shown,
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                ));
            }
            _ => {}
        }
    }
    if let Some(lt) = list_type
        && !matches!(lt, "atomic" | "set" | "map")
    {
        errs.push(Error::not_supported(
            &path.child("x-kubernetes-list-type"),
            lt,
            &["atomic", "set", "map"],
        ));
    }
    let keys = schema::list_map_keys(s);
    if !keys.is_empty() {
        match list_type {
            None => errs.push(Error::required(
                &path.child("x-kubernetes-list-type"),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(lt) => errs.push(Error::invalid(
                &path.child("x-kubernetes-list-type"),
                lt,
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type == Some("map") {
        if keys.is_empty() {
            errs.push(Error::required(
                &path.child("x-kubernetes-list-map-keys"),
                "must not be empty if x-kubernetes-list-type is map",
            ));
        }
        match s.get("items") {
            None | Some(Value::Null) => errs.push(Error::required(
                &path.child("items"),
                "must have a schema if x-kubernetes-list-type is map",
            )),
            Some(Value::Array(_)) => errs.push(invalid_shown(
                &path.child("items"),
                "&apiextensions.JSONSchemaPropsOrArray{...}".into(),
                "must only have a single schema if x-kubernetes-list-type is map",
            )),
            Some(is) => {
                if schema::ty(is) != "object" {
                    errs.push(Error::invalid(
                        &path.child("items").child("type"),
                        schema::ty(is),
                        "must be object if parent array's x-kubernetes-list-type is map",
                    ));
                } else {
                    let mut seen = Vec::new();
                    for k in &keys {
                        match schema::property(is, k) {
                            Some(p) => {
                                if matches!(schema::ty(p), "array" | "object") {
                                    errs.push(Error::invalid(
                                        &path.child("items").child("properties").key(*k).child("type"),
                                        schema::ty(is),
                                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                    ));
                                }
                            }
                            None => errs.push(invalid_shown(
                                &path.child("x-kubernetes-list-map-keys"),
                                go_strings(&keys),
                                "entries must all be names of item properties",
                            )),
                        }
                        if seen.contains(k) {
                            errs.push(invalid_shown(
                                &path.child("x-kubernetes-list-map-keys"),
                                go_strings(&keys),
                                "must not contain duplicate entries",
                            ));
                        }
                        seen.push(*k);
                    }
                }
            }
        }
    }
    if opts.require_map_list_keys_map_set_validation {
        errs.extend(map_list_keys_map_set(s, path));
    }
    errs.extend(validation_rules(s, path));
    errs
}

/// `validateMapListKeysMapSet`.
fn map_list_keys_map_set(s: &Value, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (Some(is), Some(lt)) = (schema::items(s), schema::list_type(s)) else { return errs };
    if lt != "set" && lt != "map" {
        return errs;
    }
    if schema::nullable(is) {
        errs.push(Error::forbidden(
            &path.child("items").child("nullable"),
            format!("cannot be nullable when x-kubernetes-list-type is {lt}"),
        ));
    }
    if lt == "map" {
        let required: Vec<&str> = is
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for k in schema::list_map_keys(s) {
            let Some(p) = schema::property(is, k) else { continue };
            let kp = path.child("items").child("properties").key(k);
            if !required.contains(&k) && schema::default_value(p).is_none() {
                errs.push(Error::required(
                    &kp.child("default"),
                    "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                ));
            }
            if schema::nullable(p) {
                errs.push(Error::forbidden(
                    &kp.child("nullable"),
                    "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                ));
            }
        }
    }
    errs
}

/// The checks of `x-kubernetes-validations` entries: their static shape, then that their
/// expressions parse.
fn validation_rules(s: &Value, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let has_newlines = |x: &str| x.contains('\n') || x.contains('\r');
    for (i, rule) in schema::schemas(s, "x-kubernetes-validations").iter().enumerate() {
        let rp = path.child("x-kubernetes-validations").index(i);
        let static_errors = errs.len();
        let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        let (r, msg, msg_expr, fp) =
            (text("rule"), text("message"), text("messageExpression"), text("fieldPath"));
        if r.trim().is_empty() {
            errs.push(Error::required(&rp.child("rule"), "rule is not specified"));
        } else if !msg.is_empty() && msg.trim().is_empty() {
            errs.push(Error::invalid(&rp.child("message"), msg, "must be non-empty if specified"));
        } else if has_newlines(msg.trim()) {
            errs.push(Error::invalid(&rp.child("message"), msg, "must not contain line breaks"));
        } else if has_newlines(r.trim()) && msg.trim().is_empty() {
            errs.push(Error::required(
                &rp.child("message"),
                "message must be specified if rule contains line breaks",
            ));
        }
        if !msg_expr.is_empty() && msg_expr.trim().is_empty() {
            errs.push(Error::required(
                &rp.child("messageExpression"),
                "messageExpression must be non-empty if specified",
            ));
        }
        if let Some(reason) = rule.get("reason").and_then(Value::as_str) {
            let allowed = [
                "FieldValueDuplicate",
                "FieldValueForbidden",
                "FieldValueInvalid",
                "FieldValueRequired",
            ];
            if !allowed.contains(&reason) {
                errs.push(Error::not_supported(&rp.child("reason"), reason, &allowed));
            }
        }
        if !fp.is_empty() && fp.trim().is_empty() {
            errs.push(Error::invalid(&rp.child("fieldPath"), fp, "must be non-empty if specified"));
        }
        if has_newlines(fp) {
            errs.push(Error::invalid(&rp.child("fieldPath"), fp, "must not contain line breaks"));
        }
        if errs.len() > static_errors || r.trim().is_empty() {
            continue;
        }
        match rules::compile(r) {
            Err(e) => errs.push(Error::invalid(&rp.child("rule"), rule_value(rule), e)),
            Ok(c)
                if !c.transition
                    && rule.get("optionalOldSelf").and_then(Value::as_bool) == Some(true) =>
            {
                errs.push(Error::invalid(
                    &rp.child("optionalOldSelf"),
                    true,
                    "may not be set if oldSelf is not used in rule",
                ));
            }
            Ok(_) => {}
        }
        if !msg_expr.trim().is_empty()
            && let Err(e) = rules::compile(msg_expr)
        {
            errs.push(Error::invalid(
                &rp.child("messageExpression"),
                rule_value(rule),
                format!("messageExpression {e}"),
            ));
        }
    }
    errs
}

/// A rule as upstream shows it in errors: its internal struct marshalled with field names.
fn rule_value(rule: &Value) -> BadValue {
    let text = |k: &str| Value::String(rule.get(k).and_then(Value::as_str).unwrap_or("").into());
    let opt = |k: &str| rule.get(k).cloned().unwrap_or(Value::Null);
    let mut m = serde_json::Map::new();
    m.insert("Rule".into(), text("rule"));
    m.insert("Message".into(), text("message"));
    m.insert("MessageExpression".into(), text("messageExpression"));
    m.insert("Reason".into(), opt("reason"));
    m.insert("FieldPath".into(), text("fieldPath"));
    m.insert("OptionalOldSelf".into(), opt("optionalOldSelf"));
    BadValue::Json(Value::Object(m))
}

/// Whether any schema node in `s` satisfies `pred` (upstream's `SchemaHas`).
fn has(s: &Value, pred: &dyn Fn(&Value) -> bool) -> bool {
    if !s.is_object() {
        return false;
    }
    if pred(s) {
        return true;
    }
    let m: &Map<String, Value> = s.as_object().expect("checked");
    let children = m
        .get("items")
        .into_iter()
        .flat_map(|i| match i {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .chain(["allOf", "anyOf", "oneOf"].iter().flat_map(|k| schema::schemas(s, k)))
        .chain(m.get("not"))
        .chain(m.get("properties").and_then(Value::as_object).into_iter().flat_map(|p| p.values()))
        .chain(m.get("additionalProperties").filter(|a| a.is_object()))
        .chain(
            m.get("patternProperties")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|p| p.values()),
        )
        .chain(m.get("additionalItems").filter(|a| a.is_object()))
        .chain(m.get("definitions").and_then(Value::as_object).into_iter().flat_map(|p| p.values()))
        .chain(
            m.get("dependencies").and_then(Value::as_object).into_iter().flat_map(|p| p.values()),
        );
    children.into_iter().any(|c| has(c, pred))
}

fn has_kubernetes_extensions(s: &Value) -> bool {
    schema::embedded(s)
        || s.get("x-kubernetes-preserve-unknown-fields").is_some_and(|v| !v.is_null())
        || schema::int_or_string(s)
        || !schema::list_map_keys(s).is_empty()
        || s.get("x-kubernetes-list-type").is_some_and(|v| !v.is_null())
        || s.get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
}

fn invalid_type(s: &Value) -> bool {
    let t = schema::ty(s);
    !t.is_empty() && !["string", "number", "integer", "boolean", "array", "object"].contains(&t)
}

fn is_structural(s: &Value) -> bool {
    schema::structural_conversion_error(s).is_none()
        && schema::validate_structural(&Path::nil(), s).is_empty()
}

fn has_unpruned_defaults(s: &Value) -> bool {
    if !has(s, &|x| schema::default_value(x).is_some()) || !is_structural(s) {
        return false;
    }
    let mut pruned = s.clone();
    defaulting::prune_defaults(&mut pruned);
    &pruned != s
}

fn non_atomic_set_items(s: &Value) -> bool {
    if schema::list_type(s) != Some("set") {
        return false;
    }
    let Some(is) = schema::items(s) else { return false };
    match schema::ty(is) {
        "array" => schema::list_type(is).is_some_and(|lt| lt != "atomic"),
        "object" => is.get("x-kubernetes-map-type").and_then(Value::as_str) != Some("atomic"),
        _ => false,
    }
}
