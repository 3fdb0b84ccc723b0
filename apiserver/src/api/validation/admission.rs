//! Validation of the admissionregistration.k8s.io/v1 kinds (pkg/apis/admissionregistration/
//! validation): validating and mutating webhook configurations, validating admission policies
//! and their bindings.
//!
//! CEL expressions are checked for presence and shape only: compiling them (and reporting
//! their compile errors) needs a CEL environment this server does not have.

use std::collections::BTreeSet;

use super::meta::{
    invalid_each, issues_to_errors, validate_conditions, validate_generic_object_meta,
    validate_label_selector, validate_qualified_name,
};
use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::gourl;
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::admissionregistration::v1 as ar;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

const FAILURE_POLICIES: &[&str] = &["Fail", "Ignore"];
const MATCH_POLICIES: &[&str] = &["Equivalent", "Exact"];
const SIDE_EFFECT_CLASSES: &[&str] = &["None", "NoneOnDryRun", "Some", "Unknown"];
const NO_SIDE_EFFECT_CLASSES: &[&str] = &["None", "NoneOnDryRun"];
const OPERATIONS: &[&str] = &["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const REINVOCATION_POLICIES: &[&str] = &["IfNeeded", "Never"];
const SCOPES: &[&str] = &["*", "Cluster", "Namespaced"];
const POLICY_REASONS: &[&str] = &["Forbidden", "Invalid", "RequestEntityTooLarge"];
const VALIDATION_ACTIONS: &[&str] = &["Audit", "Deny", "Warn"];
/// The AdmissionReview versions this server (and the one before it) understands.
const ACCEPTED_REVIEW_VERSIONS: &[&str] = &["v1", "v1beta1"];
const MAX_MATCH_CONDITIONS: usize = 64;
const MAX_AUDIT_ANNOTATIONS: usize = 20;
const MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH: usize = 5 * 1024;

/// What upstream's `validationOptions` relax on update, where the stored object already broke
/// a rule that came later.
#[derive(Clone, Copy, Debug)]
struct Options {
    ignore_match_conditions: bool,
    require_no_side_effects: bool,
    require_recognized_review_version: bool,
    require_unique_webhook_names: bool,
    allow_invalid_label_value_in_selector: bool,
}

impl Options {
    const CREATE: Options = Options {
        ignore_match_conditions: false,
        require_no_side_effects: true,
        require_recognized_review_version: true,
        require_unique_webhook_names: true,
        allow_invalid_label_value_in_selector: false,
    };
}

fn has_wildcard(items: &[String]) -> bool {
    items.iter().any(|i| i == "*")
}

// ---------------------------------------------------------------------------------------------
// Webhook configurations.

/// The fields validating and mutating webhooks share, plus the mutating one's reinvocation
/// policy.
struct Hook<'a> {
    name: &'a str,
    rules: &'a [ar::RuleWithOperations],
    failure_policy: Option<&'a str>,
    match_policy: Option<&'a str>,
    /// `None` when unset. The wire type reads a missing value as empty, so an empty one is
    /// taken for missing, the usual case (upstream tells an explicit `""` apart).
    side_effects: Option<&'a str>,
    timeout_seconds: Option<i32>,
    namespace_selector: Option<&'a LabelSelector>,
    object_selector: Option<&'a LabelSelector>,
    reinvocation_policy: Option<Option<&'a str>>,
    client_config: &'a ar::WebhookClientConfig,
    match_conditions: &'a Option<Vec<ar::MatchCondition>>,
    admission_review_versions: &'a [String],
}

fn given(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn validating_hooks(c: &ar::ValidatingWebhookConfiguration) -> Vec<Hook<'_>> {
    c.webhooks
        .iter()
        .flatten()
        .map(|w| Hook {
            name: &w.name,
            rules: w.rules.as_deref().unwrap_or_default(),
            failure_policy: w.failure_policy.as_deref(),
            match_policy: w.match_policy.as_deref(),
            side_effects: given(&w.side_effects),
            timeout_seconds: w.timeout_seconds,
            namespace_selector: w.namespace_selector.as_ref(),
            object_selector: w.object_selector.as_ref(),
            reinvocation_policy: None,
            client_config: &w.client_config,
            match_conditions: &w.match_conditions,
            admission_review_versions: &w.admission_review_versions,
        })
        .collect()
}

fn mutating_hooks(c: &ar::MutatingWebhookConfiguration) -> Vec<Hook<'_>> {
    c.webhooks
        .iter()
        .flatten()
        .map(|w| Hook {
            name: &w.name,
            rules: w.rules.as_deref().unwrap_or_default(),
            failure_policy: w.failure_policy.as_deref(),
            match_policy: w.match_policy.as_deref(),
            side_effects: given(&w.side_effects),
            timeout_seconds: w.timeout_seconds,
            namespace_selector: w.namespace_selector.as_ref(),
            object_selector: w.object_selector.as_ref(),
            reinvocation_policy: Some(w.reinvocation_policy.as_deref()),
            client_config: &w.client_config,
            match_conditions: &w.match_conditions,
            admission_review_versions: &w.admission_review_versions,
        })
        .collect()
}

/// The relaxations an update gets from the webhooks already stored (`old`).
fn update_options(new: &[Hook<'_>], old: &[Hook<'_>]) -> Options {
    let strict = LabelSelectorValidationOptions::default();
    let selector_invalid = |s: Option<&LabelSelector>| {
        s.is_some_and(|s| !v::validate_label_selector(Some(s), strict).is_empty())
    };
    let mut names = BTreeSet::new();
    Options {
        ignore_match_conditions: new.len() == old.len()
            && new.iter().zip(old).all(|(n, o)| n.match_conditions == o.match_conditions),
        require_no_side_effects: old
            .iter()
            .all(|h| h.side_effects.is_some_and(|s| NO_SIDE_EFFECT_CLASSES.contains(&s))),
        require_recognized_review_version: old.iter().all(|h| {
            h.admission_review_versions.is_empty()
                || h.admission_review_versions
                    .iter()
                    .any(|v| ACCEPTED_REVIEW_VERSIONS.contains(&v.as_str()))
        }),
        require_unique_webhook_names: old.iter().all(|h| names.insert(h.name)),
        allow_invalid_label_value_in_selector: old
            .iter()
            .any(|h| selector_invalid(h.namespace_selector) || selector_invalid(h.object_selector)),
    }
}

fn validate_configuration(meta: &ObjectMeta, hooks: &[Hook<'_>], opts: Options) -> ErrorList {
    let mut errs =
        validate_generic_object_meta(meta, false, v::name_is_dns_subdomain, &Path::new("metadata"));
    let mut names = BTreeSet::new();
    for (i, hook) in hooks.iter().enumerate() {
        let hp = Path::new("webhooks").index(i);
        errs.extend(validate_hook(hook, opts, &hp));
        errs.extend(validate_review_versions(
            hook.admission_review_versions,
            opts.require_recognized_review_version,
            &hp.child("admissionReviewVersions"),
        ));
        if opts.require_unique_webhook_names && !hook.name.is_empty() && !names.insert(hook.name) {
            errs.push(Error::duplicate(&hp.child("name"), hook.name));
        }
    }
    errs
}

/// `ValidateValidatingWebhookConfiguration`, or its update when `old` is given.
pub fn validate_validating_webhook_configuration(
    c: &ar::ValidatingWebhookConfiguration,
    old: Option<&ar::ValidatingWebhookConfiguration>,
) -> ErrorList {
    let hooks = validating_hooks(c);
    let opts = match old {
        Some(o) => update_options(&hooks, &validating_hooks(o)),
        None => Options::CREATE,
    };
    validate_configuration(&c.metadata, &hooks, opts)
}

/// `ValidateMutatingWebhookConfiguration`, or its update when `old` is given.
pub fn validate_mutating_webhook_configuration(
    c: &ar::MutatingWebhookConfiguration,
    old: Option<&ar::MutatingWebhookConfiguration>,
) -> ErrorList {
    let hooks = mutating_hooks(c);
    let opts = match old {
        Some(o) => update_options(&hooks, &mutating_hooks(o)),
        None => Options::CREATE,
    };
    validate_configuration(&c.metadata, &hooks, opts)
}

fn validate_hook(hook: &Hook<'_>, opts: Options, path: &Path) -> ErrorList {
    let mut errs = issues_to_errors(v::is_fully_qualified_name(hook.name), &path.child("name"));
    for (i, rule) in hook.rules.iter().enumerate() {
        errs.extend(validate_rule_with_operations(
            &rule.operations,
            &rule.api_groups,
            &rule.api_versions,
            &rule.resources,
            &rule.scope,
            &path.child("rules").index(i),
        ));
    }
    if let Some(p) = hook.failure_policy
        && !FAILURE_POLICIES.contains(&p)
    {
        errs.push(Error::not_supported(&path.child("failurePolicy"), p, FAILURE_POLICIES));
    }
    if let Some(p) = hook.match_policy
        && !MATCH_POLICIES.contains(&p)
    {
        errs.push(Error::not_supported(&path.child("matchPolicy"), p, MATCH_POLICIES));
    }
    let allowed =
        if opts.require_no_side_effects { NO_SIDE_EFFECT_CLASSES } else { SIDE_EFFECT_CLASSES };
    match hook.side_effects {
        None => errs.push(Error::required(
            &path.child("sideEffects"),
            format!("must specify one of {}", allowed.join(", ")),
        )),
        Some(s) if !allowed.contains(&s) => {
            errs.push(Error::not_supported(&path.child("sideEffects"), s, allowed))
        }
        Some(_) => {}
    }
    if let Some(t) = hook.timeout_seconds
        && !(1..=30).contains(&t)
    {
        errs.push(Error::invalid(
            &path.child("timeoutSeconds"),
            t,
            "the timeout value must be between 1 and 30 seconds",
        ));
    }
    let selector_opts = LabelSelectorValidationOptions {
        allow_invalid_label_value_in_selector: opts.allow_invalid_label_value_in_selector,
        ..Default::default()
    };
    for (field, selector) in
        [("namespaceSelector", hook.namespace_selector), ("objectSelector", hook.object_selector)]
    {
        if selector.is_some() {
            errs.extend(validate_label_selector(selector, selector_opts, &path.child(field)));
        }
    }
    if let Some(Some(p)) = hook.reinvocation_policy
        && !REINVOCATION_POLICIES.contains(&p)
    {
        errs.push(Error::not_supported(
            &path.child("reinvocationPolicy"),
            p,
            REINVOCATION_POLICIES,
        ));
    }
    let cc = hook.client_config;
    let cp = path.child("clientConfig");
    match (&cc.url, &cc.service) {
        (Some(url), None) => errs.extend(validate_webhook_url(url, &cp.child("url"))),
        (None, Some(s)) => errs.extend(validate_webhook_service(s, &cp.child("service"))),
        _ => errs.push(Error::required(&cp, "exactly one of url or service is required")),
    }
    if !opts.ignore_match_conditions {
        errs.extend(validate_match_conditions(
            hook.match_conditions.as_deref().unwrap_or_default(),
            &path.child("matchConditions"),
        ));
    }
    errs
}

fn validate_review_versions(
    versions: &[String],
    require_recognized: bool,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if versions.is_empty() {
        errs.push(Error::required(
            path,
            format!("must specify one of {}", ACCEPTED_REVIEW_VERSIONS.join(", ")),
        ));
        return errs;
    }
    let mut seen = BTreeSet::new();
    let mut accepted = false;
    for (i, version) in versions.iter().enumerate() {
        if !seen.insert(version.as_str()) {
            errs.push(Error::invalid(&path.index(i), version, "duplicate version"));
            continue;
        }
        errs.extend(invalid_each(&path.index(i), version, v::is_dns1035_label(version)));
        accepted |= ACCEPTED_REVIEW_VERSIONS.contains(&version.as_str());
    }
    if require_recognized && !accepted {
        errs.push(Error::invalid(
            path,
            BadValue::json(versions),
            format!("must include at least one of {}", ACCEPTED_REVIEW_VERSIONS.join(", ")),
        ));
    }
    errs
}

const URL_FORM: &str = "; desired format: https://host[/path]";

/// `webhook.ValidateWebhookURL` with HTTPS required.
fn validate_webhook_url(url: &str, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let u = match gourl::parse(url) {
        Ok(u) => u,
        Err(reason) => {
            errs.push(Error::required(
                path,
                format!("url must be a valid URL: {}{URL_FORM}", gourl::parse_error(url, &reason)),
            ));
            return errs;
        }
    };
    if u.scheme != "https" {
        errs.push(Error::invalid(
            path,
            u.scheme.as_str(),
            format!("'https' is the only allowed URL scheme{URL_FORM}"),
        ));
    }
    if u.host.is_empty() {
        errs.push(Error::invalid(
            path,
            u.host.as_str(),
            format!("host must be specified{URL_FORM}"),
        ));
    }
    if let Some(user) = &u.user {
        errs.push(Error::invalid(
            path,
            user.to_string(),
            "user information is not permitted in the URL",
        ));
    }
    if !u.fragment.is_empty() {
        errs.push(Error::invalid(
            path,
            u.fragment.as_str(),
            "fragments are not permitted in the URL",
        ));
    }
    if !u.raw_query.is_empty() {
        errs.push(Error::invalid(
            path,
            u.raw_query.as_str(),
            "query parameters are not permitted in the URL",
        ));
    }
    errs
}

/// `webhook.ValidateWebhookService`: name, namespace, port, and a path of DNS-subdomain
/// segments.
fn validate_webhook_service(s: &ar::ServiceReference, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if s.name.is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    }
    if s.namespace.is_empty() {
        errs.push(Error::required(&path.child("namespace"), ""));
    }
    let port = s.port.unwrap_or(443);
    let problems = v::is_valid_port_num(i64::from(port));
    if !problems.is_empty() {
        errs.push(Error::invalid(
            &path.child("port"),
            port,
            format!("port is not valid: {}", problems.join(", ")),
        ));
    }
    let Some(url_path) = s.path.as_deref() else { return errs };
    if url_path.is_empty() || url_path == "/" {
        return errs;
    }
    let pp = path.child("path");
    if url_path == "//" {
        errs.push(Error::invalid(&pp, url_path, "segment[0] may not be empty"));
        return errs;
    }
    if !url_path.starts_with('/') {
        errs.push(Error::invalid(&pp, url_path, "must start with a '/'"));
    }
    // Upstream drops the first byte whatever it is, then one trailing slash.
    let rest = String::from_utf8_lossy(&url_path.as_bytes()[1..]).into_owned();
    let rest = rest.strip_suffix('/').unwrap_or(&rest);
    for (i, step) in rest.split('/').enumerate() {
        if step.is_empty() {
            errs.push(Error::invalid(&pp, url_path, format!("segment[{i}] may not be empty")));
            continue;
        }
        for failure in v::is_dns1123_subdomain(step) {
            errs.push(Error::invalid(&pp, url_path, format!("segment[{i}]: {failure}")));
        }
    }
    errs
}

fn validate_rule_with_operations(
    operations: &Option<Vec<String>>,
    api_groups: &Option<Vec<String>>,
    api_versions: &Option<Vec<String>>,
    resources: &Option<Vec<String>>,
    scope: &Option<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let ops = operations.as_deref().unwrap_or_default();
    let op_path = path.child("operations");
    if ops.is_empty() {
        errs.push(Error::required(&op_path, ""));
    }
    if ops.len() > 1 && has_wildcard(ops) {
        errs.push(Error::invalid(
            &op_path,
            BadValue::json(ops),
            "if '*' is present, must not specify other operations",
        ));
    }
    for (i, op) in ops.iter().enumerate() {
        if !OPERATIONS.contains(&op.as_str()) {
            errs.push(Error::not_supported(&op_path.index(i), op, OPERATIONS));
        }
    }
    let groups = api_groups.as_deref().unwrap_or_default();
    let gp = path.child("apiGroups");
    if groups.is_empty() {
        errs.push(Error::required(&gp, ""));
    }
    if groups.len() > 1 && has_wildcard(groups) {
        errs.push(Error::invalid(
            &gp,
            BadValue::json(groups),
            "if '*' is present, must not specify other API groups",
        ));
    }
    let versions = api_versions.as_deref().unwrap_or_default();
    let vp = path.child("apiVersions");
    if versions.is_empty() {
        errs.push(Error::required(&vp, ""));
    }
    if versions.len() > 1 && has_wildcard(versions) {
        errs.push(Error::invalid(
            &vp,
            BadValue::json(versions),
            "if '*' is present, must not specify other API versions",
        ));
    }
    for (i, version) in versions.iter().enumerate() {
        if version.is_empty() {
            errs.push(Error::required(&vp.index(i), ""));
        }
    }
    errs.extend(validate_resources(
        resources.as_deref().unwrap_or_default(),
        &path.child("resources"),
    ));
    if let Some(scope) = scope
        && !SCOPES.contains(&scope.as_str())
    {
        errs.push(Error::not_supported(&path.child("scope"), scope, SCOPES));
    }
    errs
}

/// Resources with optional subresources (`pods/status`, `*/scale`) and their wildcard rules.
fn validate_resources(resources: &[String], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if resources.is_empty() {
        errs.push(Error::required(path, ""));
    }
    let mut resources_with_any_subresource = BTreeSet::new();
    let mut subresources_of_any_resource = BTreeSet::new();
    let (mut double_wildcard, mut single_wildcard) = (false, false);
    // As upstream, this says whether the last plain resource seen was not `*`.
    let mut has_plain_resource = false;
    for (i, res_sub) in resources.iter().enumerate() {
        if res_sub.is_empty() {
            errs.push(Error::required(&path.index(i), ""));
            continue;
        }
        double_wildcard |= res_sub == "*/*";
        single_wildcard |= res_sub == "*";
        let Some((res, sub)) = res_sub.split_once('/') else {
            has_plain_resource = res_sub != "*";
            continue;
        };
        if resources_with_any_subresource.contains(res) {
            errs.push(Error::invalid(
                &path.index(i),
                res_sub,
                format!("if '{res}/*' is present, must not specify {res_sub}"),
            ));
        }
        if subresources_of_any_resource.contains(sub) {
            errs.push(Error::invalid(
                &path.index(i),
                res_sub,
                format!("if '*/{sub}' is present, must not specify {res_sub}"),
            ));
        }
        if sub == "*" {
            resources_with_any_subresource.insert(res);
        }
        if res == "*" {
            subresources_of_any_resource.insert(sub);
        }
    }
    if resources.len() > 1 && double_wildcard {
        errs.push(Error::invalid(
            path,
            BadValue::json(resources),
            "if '*/*' is present, must not specify other resources",
        ));
    }
    if single_wildcard && has_plain_resource {
        errs.push(Error::invalid(
            path,
            BadValue::json(resources),
            "if '*' is present, must not specify other resources without subresources",
        ));
    }
    errs
}

fn validate_match_conditions(conditions: &[ar::MatchCondition], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if conditions.len() > MAX_MATCH_CONDITIONS {
        errs.push(Error::too_many(path, conditions.len() as i64, MAX_MATCH_CONDITIONS as i64));
    }
    let mut names = BTreeSet::new();
    for (i, c) in conditions.iter().enumerate() {
        let cp = path.index(i);
        if c.expression.trim().is_empty() {
            errs.push(Error::required(&cp.child("expression"), ""));
        }
        if c.name.is_empty() {
            errs.push(Error::required(&cp.child("name"), ""));
        } else {
            errs.extend(validate_qualified_name(&c.name, &cp.child("name")));
            if !names.insert(c.name.as_str()) {
                errs.push(Error::duplicate(&cp.child("name"), c.name.as_str()));
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Validating admission policies.

/// `ValidateValidatingAdmissionPolicy`, or its update when `old` is given (match conditions
/// are not checked again when neither they nor the parameter kind changed).
pub fn validate_policy(
    p: &ar::ValidatingAdmissionPolicy,
    old: Option<&ar::ValidatingAdmissionPolicy>,
) -> ErrorList {
    let mut errs = validate_generic_object_meta(
        &p.metadata,
        false,
        v::name_is_dns_subdomain,
        &Path::new("metadata"),
    );
    let spec = super::or_default(&p.spec);
    let ignore_match_conditions = old.is_some_and(|o| {
        let os = super::or_default(&o.spec);
        os.param_kind == spec.param_kind && os.match_conditions == spec.match_conditions
    });
    let sp = Path::new("spec");
    match spec.failure_policy.as_deref() {
        None => errs.push(Error::required(&sp.child("failurePolicy"), "")),
        Some(f) if !FAILURE_POLICIES.contains(&f) => {
            errs.push(Error::not_supported(&sp.child("failurePolicy"), f, FAILURE_POLICIES))
        }
        Some(_) => {}
    }
    if let Some(kind) = &spec.param_kind {
        errs.extend(validate_param_kind(kind, &sp.child("paramKind")));
    }
    match &spec.match_constraints {
        None => errs.push(Error::required(&sp.child("matchConstraints"), "")),
        Some(mc) => {
            let mp = sp.child("matchConstraints");
            errs.extend(validate_match_resources(mc, &mp));
            if mc.resource_rules.as_ref().is_none_or(Vec::is_empty) {
                errs.push(Error::required(&mp.child("resourceRules"), ""));
            }
        }
    }
    if !ignore_match_conditions {
        errs.extend(validate_match_conditions(
            spec.match_conditions.as_deref().unwrap_or_default(),
            &sp.child("matchConditions"),
        ));
    }
    for (i, variable) in spec.variables.iter().flatten().enumerate() {
        let vp = sp.child("variables").index(i);
        if variable.name.trim().is_empty() {
            errs.push(Error::required(&vp.child("name"), "name is not specified"));
        } else if !is_cel_identifier(&variable.name) {
            errs.push(Error::invalid(
                &vp.child("name"),
                variable.name.as_str(),
                "name is not a valid CEL identifier",
            ));
        }
        if variable.expression.trim().is_empty() {
            errs.push(Error::required(&vp.child("expression"), "expression is not specified"));
        }
    }
    let validations = spec.validations.as_deref().unwrap_or_default();
    let audit_annotations = spec.audit_annotations.as_deref().unwrap_or_default();
    if validations.is_empty() && audit_annotations.is_empty() {
        let detail = "validations or auditAnnotations must contain at least one item";
        errs.push(Error::required(&sp.child("validations"), detail));
        errs.push(Error::required(&sp.child("auditAnnotations"), detail));
        return errs;
    }
    for (i, validation) in validations.iter().enumerate() {
        errs.extend(validate_validation(validation, &sp.child("validations").index(i)));
    }
    if let Some(annotations) = &spec.audit_annotations {
        let ap = sp.child("auditAnnotations");
        if annotations.len() > MAX_AUDIT_ANNOTATIONS {
            errs.push(Error::invalid(
                &ap,
                BadValue::json(annotations),
                format!("must not have more than {MAX_AUDIT_ANNOTATIONS} auditAnnotations"),
            ));
        }
        let mut keys = BTreeSet::new();
        let name = p.metadata.name.as_deref().unwrap_or_default();
        for (i, a) in annotations.iter().enumerate() {
            let ip = ap.index(i);
            if name.is_empty() {
                errs.push(Error::invalid(
                    &ip.child("key"),
                    a.key.as_str(),
                    "requires metadata.name be non-empty",
                ));
            } else {
                errs.extend(validate_qualified_name(
                    &format!("{name}/{}", a.key),
                    &ip.child("key"),
                ));
            }
            let value = a.value_expression.trim();
            if value.is_empty() {
                errs.push(Error::required(
                    &ip.child("valueExpression"),
                    "valueExpression is not specified",
                ));
            } else if value.len() > MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH {
                errs.push(Error::required(
                    &ip.child("valueExpression"),
                    format!(
                        "must not exceed {MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH} bytes in length"
                    ),
                ));
            }
            if !keys.insert(a.key.as_str()) {
                errs.push(Error::duplicate(&ip.child("key"), a.key.as_str()));
            }
        }
    }
    errs
}

fn is_cel_identifier(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !crate::apiextensions::rules::RESERVED.contains(&name)
}

fn validate_validation(val: &ar::Validation, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if val.expression.trim().is_empty() {
        errs.push(Error::required(&path.child("expression"), "expression is not specified"));
    }
    let message_expression = val.message_expression.as_deref().unwrap_or_default();
    if !message_expression.is_empty() && message_expression.trim().is_empty() {
        errs.push(Error::invalid(
            &path.child("messageExpression"),
            message_expression,
            "must be non-empty if specified",
        ));
    }
    let message = val.message.as_deref().unwrap_or_default();
    if !message.is_empty() && message.trim().is_empty() {
        errs.push(Error::invalid(
            &path.child("message"),
            message,
            "message must be non-empty if specified",
        ));
    } else if message.trim().contains(['\n', '\r']) {
        errs.push(Error::invalid(
            &path.child("message"),
            message,
            "message must not contain line breaks",
        ));
    }
    if let Some(reason) = &val.reason
        && !POLICY_REASONS.contains(&reason.as_str())
    {
        errs.push(Error::not_supported(&path.child("reason"), reason, POLICY_REASONS));
    }
    errs
}

/// Go's `parseGroupVersion` of the policy validation: `group/version`, `version`, or nothing.
fn parse_group_version(gv: &str) -> Result<(&str, &str), String> {
    if gv.is_empty() || gv == "/" {
        return Ok(("", ""));
    }
    match gv.matches('/').count() {
        0 => Ok(("", gv)),
        1 => Ok(gv.split_once('/').unwrap_or(("", gv))),
        _ => Err(format!("unexpected GroupVersion string: {gv}")),
    }
}

fn validate_param_kind(kind: &ar::ParamKind, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let api_version = kind.api_version.as_deref().unwrap_or_default();
    let ap = path.child("apiVersion");
    if api_version.is_empty() {
        errs.push(Error::required(&ap, ""));
    } else {
        match parse_group_version(api_version) {
            Err(e) => errs.push(Error::invalid(&ap, api_version, e)),
            Ok((group, version)) => {
                let problems = v::is_dns1123_subdomain(group);
                if !group.is_empty() && !problems.is_empty() {
                    errs.push(Error::invalid(&ap, group, problems.join(",")));
                }
                if version.is_empty() {
                    errs.push(Error::invalid(&ap, api_version, "version must be specified"));
                } else {
                    let problems = v::is_dns1035_label(version);
                    if !problems.is_empty() {
                        errs.push(Error::invalid(&ap, version, problems.join(",")));
                    }
                }
            }
        }
    }
    let k = kind.kind.as_deref().unwrap_or_default();
    if k.is_empty() {
        errs.push(Error::required(&path.child("kind"), ""));
    } else {
        let problems = v::is_dns1035_label(&k.to_lowercase());
        if !problems.is_empty() {
            errs.push(Error::invalid(
                &path.child("kind"),
                k,
                format!("may have mixed case, but should otherwise match: {}", problems.join(",")),
            ));
        }
    }
    errs
}

fn validate_match_resources(mc: &ar::MatchResources, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    match mc.match_policy.as_deref() {
        None => errs.push(Error::required(&path.child("matchPolicy"), "")),
        Some(p) if !MATCH_POLICIES.contains(&p) => {
            errs.push(Error::not_supported(&path.child("matchPolicy"), p, MATCH_POLICIES))
        }
        Some(_) => {}
    }
    for (field, selector) in [
        ("namespaceSelector", mc.namespace_selector.as_ref()),
        ("objectSelector", mc.object_selector.as_ref()),
    ] {
        match selector {
            None => errs.push(Error::required(&path.child(field), "")),
            Some(s) => errs.extend(validate_label_selector(
                Some(s),
                LabelSelectorValidationOptions::default(),
                &path.child(field),
            )),
        }
    }
    for (field, rules) in [
        ("resourceRules", &mc.resource_rules),
        ("excludeResourceRules", &mc.exclude_resource_rules),
    ] {
        for (i, rule) in rules.iter().flatten().enumerate() {
            let rp = path.child(field).index(i);
            let mut names = BTreeSet::new();
            for (j, name) in rule.resource_names.iter().flatten().enumerate() {
                let np = rp.child("resourceNames").index(j);
                errs.extend(invalid_each(&np, name, v::validate_path_segment_name(name, false)));
                if !names.insert(name.as_str()) {
                    errs.push(Error::duplicate(&np, name.as_str()));
                }
            }
            errs.extend(validate_rule_with_operations(
                &rule.operations,
                &rule.api_groups,
                &rule.api_versions,
                &rule.resources,
                &rule.scope,
                &rp,
            ));
        }
    }
    errs
}

/// `ValidateValidatingAdmissionPolicyStatusUpdate`: type-checking warnings and conditions.
pub fn validate_policy_status(p: &ar::ValidatingAdmissionPolicy) -> ErrorList {
    let status = super::or_default(&p.status);
    let sp = Path::new("status");
    let mut errs = ErrorList::new();
    if let Some(tc) = &status.type_checking {
        for (i, w) in tc.expression_warnings.iter().flatten().enumerate() {
            let wp = sp.child("typeChecking").child("expressionWarnings").index(i);
            if w.warning.is_empty() {
                errs.push(Error::required(&wp.child("warning"), ""));
            }
            let field_ref = w.field_ref.trim();
            let fp = wp.child("fieldRef");
            if field_ref.is_empty() {
                errs.push(Error::required(&fp, ""));
            } else if let Err(e) =
                apimachinery::jsonpath::JsonPath::parse("spec", &format!("{{{field_ref}}}"))
            {
                errs.push(Error::invalid(&fp, field_ref, format!("invalid JSONPath: {e}")));
            }
        }
    }
    errs.extend(validate_conditions(
        status.conditions.as_deref().unwrap_or_default(),
        &sp.child("conditions"),
    ));
    errs
}

// ---------------------------------------------------------------------------------------------
// Bindings.

/// `ValidateValidatingAdmissionPolicyBinding` (also its update).
pub fn validate_policy_binding(b: &ar::ValidatingAdmissionPolicyBinding) -> ErrorList {
    let mut errs = validate_generic_object_meta(
        &b.metadata,
        false,
        v::name_is_dns_subdomain,
        &Path::new("metadata"),
    );
    let spec = super::or_default(&b.spec);
    let sp = Path::new("spec");
    let policy = spec.policy_name.as_deref().unwrap_or_default();
    if policy.is_empty() {
        errs.push(Error::required(&sp.child("policyName"), ""));
    } else {
        errs.extend(invalid_each(
            &sp.child("policyName"),
            policy,
            v::name_is_dns_subdomain(policy, false),
        ));
    }
    if let Some(param_ref) = &spec.param_ref {
        errs.extend(validate_param_ref(param_ref, &sp.child("paramRef")));
    }
    if let Some(mr) = &spec.match_resources {
        // Upstream's path has this spelling.
        errs.extend(validate_match_resources(mr, &sp.child("matchResouces")));
    }
    let actions = spec.validation_actions.as_deref().unwrap_or_default();
    let ap = sp.child("validationActions");
    let mut seen = BTreeSet::new();
    for (i, action) in actions.iter().enumerate() {
        if !VALIDATION_ACTIONS.contains(&action.as_str()) {
            errs.push(Error::not_supported(&ap.index(i), action, VALIDATION_ACTIONS));
        }
        if !seen.insert(action.as_str()) {
            errs.push(Error::duplicate(&ap.index(i), action.as_str()));
        }
    }
    if seen.contains("Deny") && seen.contains("Warn") {
        errs.push(Error::invalid(
            &ap,
            BadValue::json(actions),
            "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
        ));
    }
    if seen.is_empty() {
        errs.push(Error::required(&ap, "at least one validation action is required"));
    }
    errs
}

fn validate_param_ref(r: &ar::ParamRef, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = r.name.as_deref().unwrap_or_default();
    let exclusive = "name and selector are mutually exclusive";
    if !name.is_empty() {
        errs.extend(invalid_each(
            &path.child("name"),
            name,
            v::validate_path_segment_name(name, false),
        ));
        if r.selector.is_some() {
            errs.push(Error::forbidden(&path.child("name"), exclusive));
        }
    }
    if let Some(selector) = &r.selector {
        errs.extend(validate_label_selector(
            Some(selector),
            LabelSelectorValidationOptions::default(),
            &path.child("selector"),
        ));
        if !name.is_empty() {
            errs.push(Error::forbidden(&path.child("selector"), exclusive));
        }
    }
    if name.is_empty() && r.selector.is_none() {
        errs.push(Error::required(path, "one of name or selector must be specified"));
    }
    match r.parameter_not_found_action.as_deref() {
        None | Some("") => errs.push(Error::required(&path.child("parameterNotFoundAction"), "")),
        Some("Deny" | "Allow") => {}
        Some(other) => errs.push(Error::not_supported(
            &path.child("parameterNotFoundAction"),
            other,
            &["Deny", "Allow"],
        )),
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::tests::{Case, Op, check, stored};

    const GROUP: &str = "admissionregistration.k8s.io";

    fn vwc(webhooks: Value) -> Value {
        json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "config"},
            "webhooks": webhooks})
    }

    fn hook(extra: Value) -> Value {
        let mut h = json!({"name": "webhook.k8s.io", "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            "clientConfig": {"service": {"name": "svc", "namespace": "ns"}}});
        h.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        h
    }

    fn case(name: &'static str, kind: &'static str, op: Op, want: Vec<&str>) -> Case {
        let resource = match kind {
            "ValidatingWebhookConfiguration" => "validatingwebhookconfigurations",
            "MutatingWebhookConfiguration" => "mutatingwebhookconfigurations",
            "ValidatingAdmissionPolicy" => "validatingadmissionpolicies",
            _ => "validatingadmissionpolicybindings",
        };
        Case {
            name,
            group: GROUP,
            kind,
            resource,
            op,
            want: want.into_iter().map(String::from).collect(),
        }
    }

    fn create_vwc(name: &'static str, webhooks: Value, want: Vec<&str>) -> Case {
        case(name, "ValidatingWebhookConfiguration", Op::Create(vwc(webhooks)), want)
    }

    /// Mirrors `TestValidateValidatingWebhookConfiguration`.
    #[test]
    fn test_validating_webhook_configuration() {
        let rule = |r: Value| hook(json!({"rules": [r]}));
        check(vec![
            create_vwc("a valid configuration", json!([hook(json!({}))]), vec![]),
            create_vwc(
                "should fail on bad AdmissionReviewVersion value; duplicate names",
                json!([
                    hook(json!({"admissionReviewVersions": ["0v1"]})),
                    hook(json!({"admissionReviewVersions": ["v1", "v1"]})),
                ]),
                vec![
                    "webhooks[0].admissionReviewVersions[0]: Invalid value: \"0v1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                    "webhooks[0].admissionReviewVersions: Invalid value: [\"0v1\"]: must include at least one of v1, v1beta1",
                    "webhooks[1].admissionReviewVersions[1]: Invalid value: \"v1\": duplicate version",
                    "webhooks[1].name: Duplicate value: \"webhook.k8s.io\"",
                ],
            ),
            create_vwc(
                "webhook name, side effects, versions, client config",
                json!([{"name": "k8s.io", "clientConfig": {}}]),
                vec![
                    "webhooks[0].name: Invalid value: \"k8s.io\": should be a domain with at least three segments separated by dots",
                    "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
                    "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
                    "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
                ],
            ),
            create_vwc(
                "enums and timeout",
                json!([hook(json!({"sideEffects": "Some", "failurePolicy": "Sometimes",
                    "matchPolicy": "Fuzzy", "timeoutSeconds": 31}))]),
                vec![
                    "webhooks[0].failurePolicy: Unsupported value: \"Sometimes\": supported values: \"Fail\", \"Ignore\"",
                    "webhooks[0].matchPolicy: Unsupported value: \"Fuzzy\": supported values: \"Equivalent\", \"Exact\"",
                    "webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: \"None\", \"NoneOnDryRun\"",
                    "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
                ],
            ),
            create_vwc(
                "rules: operations, groups, versions, resources, scope",
                json!([rule(json!({"operations": ["*", "PATCH"], "apiGroups": ["*", "a"],
                    "apiVersions": ["*", ""], "resources": ["*/*", "a"], "scope": "Everywhere"}))]),
                vec![
                    "webhooks[0].rules[0].operations: Invalid value: [\"*\",\"PATCH\"]: if '*' is present, must not specify other operations",
                    "webhooks[0].rules[0].operations[1]: Unsupported value: \"PATCH\": supported values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\"",
                    "webhooks[0].rules[0].apiGroups: Invalid value: [\"*\",\"a\"]: if '*' is present, must not specify other API groups",
                    "webhooks[0].rules[0].apiVersions: Invalid value: [\"*\",\"\"]: if '*' is present, must not specify other API versions",
                    "webhooks[0].rules[0].apiVersions[1]: Required value",
                    "webhooks[0].rules[0].resources: Invalid value: [\"*/*\",\"a\"]: if '*/*' is present, must not specify other resources",
                    "webhooks[0].rules[0].scope: Unsupported value: \"Everywhere\": supported values: \"*\", \"Cluster\", \"Namespaced\"",
                ],
            ),
            create_vwc(
                "subresource wildcards",
                json!([rule(json!({"operations": ["CREATE"], "apiGroups": [""],
                    "apiVersions": ["v1"], "resources": ["a/*", "a/x", "*/b", "c/b", "*", "d"]}))]),
                vec![
                    "webhooks[0].rules[0].resources[1]: Invalid value: \"a/x\": if 'a/*' is present, must not specify a/x",
                    "webhooks[0].rules[0].resources[3]: Invalid value: \"c/b\": if '*/b' is present, must not specify c/b",
                    "webhooks[0].rules[0].resources: Invalid value: [\"a/*\",\"a/x\",\"*/b\",\"c/b\",\"*\",\"d\"]: if '*' is present, must not specify other resources without subresources",
                ],
            ),
            create_vwc(
                "URLs",
                json!([
                    hook(json!({"clientConfig": {"url": "http://example.com/hook?x=1#f"}})),
                    hook(json!({"name": "b.k8s.io", "clientConfig": {"url": "https://u:p@/x"}})),
                    hook(json!({"name": "c.k8s.io", "clientConfig": {"url": "https://a b/"}})),
                ]),
                vec![
                    "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
                    "webhooks[0].clientConfig.url: Invalid value: \"f\": fragments are not permitted in the URL",
                    "webhooks[0].clientConfig.url: Invalid value: \"x=1\": query parameters are not permitted in the URL",
                    "webhooks[1].clientConfig.url: Invalid value: \"\": host must be specified; desired format: https://host[/path]",
                    "webhooks[1].clientConfig.url: Invalid value: \"u:p\": user information is not permitted in the URL",
                    "webhooks[2].clientConfig.url: Required value: url must be a valid URL: parse \"https://a b/\": invalid character \" \" in host name; desired format: https://host[/path]",
                ],
            ),
            create_vwc(
                "service references",
                json!([
                    hook(json!({"clientConfig": {"service": {"name": "", "namespace": "",
                        "port": 0, "path": "foo//Bar/"}}})),
                    hook(json!({"name": "b.k8s.io", "clientConfig": {"service": {"name": "s",
                        "namespace": "n", "path": "//"}}})),
                ]),
                vec![
                    "webhooks[0].clientConfig.service.name: Required value",
                    "webhooks[0].clientConfig.service.namespace: Required value",
                    "webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
                    "webhooks[0].clientConfig.service.path: Invalid value: \"foo//Bar/\": must start with a '/'",
                    "webhooks[0].clientConfig.service.path: Invalid value: \"foo//Bar/\": segment[1] may not be empty",
                    "webhooks[0].clientConfig.service.path: Invalid value: \"foo//Bar/\": segment[2]: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                    "webhooks[1].clientConfig.service.path: Invalid value: \"//\": segment[0] may not be empty",
                ],
            ),
            create_vwc(
                "match conditions and selectors",
                json!([hook(json!({"matchConditions": [
                    {"name": "a", "expression": " "}, {"name": "a", "expression": "true"},
                    {"name": "", "expression": "true"}],
                    "objectSelector": {"matchLabels": {"a": "-b"}}}))]),
                vec![
                    "webhooks[0].objectSelector.matchLabels: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                    "webhooks[0].matchConditions[0].expression: Required value",
                    "webhooks[0].matchConditions[1].name: Duplicate value: \"a\"",
                    "webhooks[0].matchConditions[2].name: Required value",
                ],
            ),
        ]);
    }

    /// `ValidateValidatingWebhookConfigurationUpdate`: rules the stored object already broke
    /// are not held against an update; new breaks are.
    #[test]
    fn test_webhook_configuration_update() {
        let old = stored(
            vwc(json!([
                hook(json!({"sideEffects": "Unknown", "admissionReviewVersions": ["v0"]})),
                hook(json!({}))
            ])),
            "3",
        );
        let mut new = old.clone();
        new["webhooks"][0]["timeoutSeconds"] = json!(0);
        check(vec![case(
            "relaxed update",
            "ValidatingWebhookConfiguration",
            Op::Update(new, old.clone()),
            vec![
                "webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds",
            ],
        )]);
        let strict_old = stored(vwc(json!([hook(json!({}))])), "3");
        let mut new = strict_old.clone();
        new["webhooks"][0]["sideEffects"] = json!("Unknown");
        check(vec![case(
            "side effects stay restricted",
            "ValidatingWebhookConfiguration",
            Op::Update(new, strict_old),
            vec![
                "webhooks[0].sideEffects: Unsupported value: \"Unknown\": supported values: \"None\", \"NoneOnDryRun\"",
            ],
        )]);
    }

    /// Mutating webhooks have a reinvocation policy; their finalizers need only be qualified
    /// names (apimachinery's metadata rules).
    #[test]
    fn test_mutating_webhook_configuration() {
        let mut obj = vwc(json!([hook(json!({"reinvocationPolicy": "Always"}))]));
        obj["kind"] = json!("MutatingWebhookConfiguration");
        obj["metadata"]["finalizers"] = json!(["custom"]);
        check(vec![case(
            "reinvocation policy",
            "MutatingWebhookConfiguration",
            Op::Create(obj),
            vec![
                "webhooks[0].reinvocationPolicy: Unsupported value: \"Always\": supported values: \"IfNeeded\", \"Never\"",
            ],
        )]);
    }

    fn policy(spec: Value) -> Value {
        json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "policy"}, "spec": spec})
    }

    fn match_constraints() -> Value {
        json!({"resourceRules": [{"operations": ["CREATE"], "apiGroups": ["apps"],
            "apiVersions": ["v1"], "resources": ["deployments"]}]})
    }

    /// Mirrors `TestValidateValidatingAdmissionPolicy` (without CEL compile errors).
    #[test]
    fn test_validating_admission_policy() {
        let create = |name, spec, want| {
            case(name, "ValidatingAdmissionPolicy", Op::Create(policy(spec)), want)
        };
        check(vec![
            create(
                "a valid policy",
                json!({"matchConstraints": match_constraints(),
                    "validations": [{"expression": "object.spec.replicas < 5"}]}),
                vec![],
            ),
            create(
                "nothing to check, nothing matched",
                json!({"failurePolicy": "Sometimes"}),
                vec![
                    "spec.failurePolicy: Unsupported value: \"Sometimes\": supported values: \"Fail\", \"Ignore\"",
                    "spec.matchConstraints: Required value",
                    "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
                    "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
                ],
            ),
            create(
                "match constraints without rules, bad param kind and variables",
                json!({"matchConstraints": {"matchPolicy": "Fuzzy"},
                    "paramKind": {"apiVersion": "a/b/c", "kind": "Bad_Kind"},
                    "variables": [{"name": "1x", "expression": ""}, {"name": "", "expression": "1"}],
                    "validations": [{"expression": "true", "message": "a\nb", "reason": "Gone",
                        "messageExpression": " "}]}),
                vec![
                    "spec.paramKind.apiVersion: Invalid value: \"a/b/c\": unexpected GroupVersion string: a/b/c",
                    "spec.paramKind.kind: Invalid value: \"Bad_Kind\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                    "spec.matchConstraints.matchPolicy: Unsupported value: \"Fuzzy\": supported values: \"Equivalent\", \"Exact\"",
                    "spec.matchConstraints.resourceRules: Required value",
                    "spec.variables[0].name: Invalid value: \"1x\": name is not a valid CEL identifier",
                    "spec.variables[0].expression: Required value: expression is not specified",
                    "spec.variables[1].name: Required value: name is not specified",
                    "spec.validations[0].messageExpression: Invalid value: \" \": must be non-empty if specified",
                    "spec.validations[0].message: Invalid value: \"a\\nb\": message must not contain line breaks",
                    "spec.validations[0].reason: Unsupported value: \"Gone\": supported values: \"Forbidden\", \"Invalid\", \"RequestEntityTooLarge\"",
                ],
            ),
            create(
                "audit annotations",
                json!({"matchConstraints": match_constraints(), "auditAnnotations": [
                    {"key": "a", "valueExpression": "'x'"}, {"key": "a", "valueExpression": ""},
                    {"key": "b/c", "valueExpression": "'y'"}]}),
                vec![
                    "spec.auditAnnotations[1].valueExpression: Required value: valueExpression is not specified",
                    "spec.auditAnnotations[1].key: Duplicate value: \"a\"",
                    "spec.auditAnnotations[2].key: Invalid value: \"policy/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ],
            ),
        ]);
    }

    /// Mirrors `TestValidateValidatingAdmissionPolicyBinding`.
    #[test]
    fn test_validating_admission_policy_binding() {
        let binding = |spec: Value| {
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "b"},
                "spec": spec})
        };
        let create = |name, spec, want| {
            case(name, "ValidatingAdmissionPolicyBinding", Op::Create(binding(spec)), want)
        };
        check(vec![
            create(
                "a valid binding",
                json!({"policyName": "policy", "validationActions": ["Deny"],
                    "paramRef": {"name": "p", "parameterNotFoundAction": "Allow"}}),
                vec![],
            ),
            create(
                "empty binding",
                json!({}),
                vec![
                    "spec.policyName: Required value",
                    "spec.validationActions: Required value: at least one validation action is required",
                ],
            ),
            create(
                "param ref, match resources and actions",
                json!({"policyName": "Policy", "validationActions": ["Deny", "Warn", "Deny", "Log"],
                    "paramRef": {"name": "p", "selector": {}, "parameterNotFoundAction": "Ignore"},
                    "matchResources": {"matchPolicy": "Exact", "resourceRules": [
                        {"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                         "resources": ["pods"], "resourceNames": ["a", "a", "b/c"]}]}}),
                vec![
                    "spec.policyName: Invalid value: \"Policy\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                    "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
                    "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
                    "spec.paramRef.parameterNotFoundAction: Unsupported value: \"Ignore\": supported values: \"Deny\", \"Allow\"",
                    "spec.matchResouces.resourceRules[0].resourceNames[1]: Duplicate value: \"a\"",
                    "spec.matchResouces.resourceRules[0].resourceNames[2]: Invalid value: \"b/c\": may not contain '/'",
                    "spec.validationActions[2]: Duplicate value: \"Deny\"",
                    "spec.validationActions[3]: Unsupported value: \"Log\": supported values: \"Audit\", \"Deny\", \"Warn\"",
                    "spec.validationActions: Invalid value: [\"Deny\",\"Warn\",\"Deny\",\"Log\"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
                ],
            ),
        ]);
    }

    /// `ValidateValidatingAdmissionPolicyStatusUpdate`.
    #[test]
    fn test_policy_status() {
        let old = stored(
            policy(json!({"matchConstraints": match_constraints(),
                "validations": [{"expression": "true"}]})),
            "4",
        );
        let mut new = old.clone();
        new["status"] = json!({"typeChecking": {"expressionWarnings": [
            {"fieldRef": " ", "warning": ""}, {"fieldRef": "spec.validations[0", "warning": "w"}]},
            "conditions": [{"type": "Ready", "status": "Maybe", "reason": "1bad",
                "lastTransitionTime": "2024-01-01T00:00:00Z", "message": ""}]});
        check(vec![case(
            "status",
            "ValidatingAdmissionPolicy",
            Op::Status(new, old),
            vec![
                "status.typeChecking.expressionWarnings[0].warning: Required value",
                "status.typeChecking.expressionWarnings[0].fieldRef: Required value",
                "status.typeChecking.expressionWarnings[1].fieldRef: Invalid value: \"spec.validations[0\": invalid JSONPath: …",
                "status.conditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
                "status.conditions[0].reason: Invalid value: \"1bad\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
            ],
        )]);
    }
}
