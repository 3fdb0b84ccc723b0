//! Validation of the API Priority and Fairness kinds, flowcontrol.apiserver.k8s.io/v1 flow
//! schemas and priority levels (pkg/apis/flowcontrol/validation), including the rule that the
//! mandatory objects (`exempt`, `catch-all`) keep their fixed specs.
//!
//! Where upstream reports a whole struct as the bad value, it prints its internal Go type, whose
//! fields carry no JSON tags: `{"Type":"Foo"}`, not `{"type":"Foo"}`. Those values are built
//! here in that form.

use std::collections::BTreeSet;

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::validation as v;
use k8s_openapi::api::flowcontrol::v1 as fc;
use serde_json::{Value, json};

use super::meta::{invalid_each, validate_object_meta};
use crate::api::defaults::other::{default_flow_schema, default_priority_level_configuration};

/// `sets.List` order of the verbs a rule may name.
const SUPPORTED_VERBS: &[&str] =
    &["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"];
const SUBJECT_KINDS: &[&str] = &["Group", "ServiceAccount", "User"];
const DISTINGUISHER_METHODS: &[&str] = &["ByNamespace", "ByUser"];
const ENABLEMENTS: &[&str] = &["Exempt", "Limited"];
const LIMIT_RESPONSES: &[&str] = &["Queue", "Reject"];
const MAX_MATCHING_PRECEDENCE: i32 = 10_000;
const MAX_QUEUES: i32 = 10_000_000;
/// `shufflesharding.MaxHashBits`.
const MAX_HASH_BITS: i32 = 60;
const NS_ERR_INTRO: &str = "each member of this list must be '*' or a DNS-1123 label; ";
/// The v1beta3 round-trip annotation, which no stored object may carry.
const PRESERVE_ZERO_SHARES: &str = "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares";

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or_default()
}

fn has_wildcard(items: &[String]) -> bool {
    items.iter().any(|i| i == "*")
}

// ---------------------------------------------------------------------------------------------
// Go renderings of internal structs (bad values).

fn go_strings(items: &Option<Vec<String>>) -> Value {
    items.as_ref().map_or(Value::Null, |i| json!(i))
}

fn go_subject(subject: &fc::Subject) -> Value {
    json!({
        "Kind": subject.kind,
        "User": subject.user.as_ref().map(|u| json!({"Name": u.name})),
        "Group": subject.group.as_ref().map(|g| json!({"Name": g.name})),
        "ServiceAccount": subject.service_account.as_ref()
            .map(|sa| json!({"Namespace": sa.namespace, "Name": sa.name})),
    })
}

fn go_flow_schema_spec(spec: &fc::FlowSchemaSpec) -> Value {
    let rules = spec.rules.as_ref().map(|rules| {
        rules
            .iter()
            .map(|r| {
                json!({
                    "Subjects": r.subjects.iter().map(go_subject).collect::<Vec<_>>(),
                    "ResourceRules": r.resource_rules.as_ref().map(|rr| rr.iter().map(|r| json!({
                        "Verbs": r.verbs,
                        "APIGroups": r.api_groups,
                        "Resources": r.resources,
                        "ClusterScope": r.cluster_scope.unwrap_or_default(),
                        "Namespaces": go_strings(&r.namespaces),
                    })).collect::<Vec<_>>()),
                    "NonResourceRules": r.non_resource_rules.as_ref().map(|nr| nr.iter().map(|r| json!({
                        "Verbs": r.verbs,
                        "NonResourceURLs": r.non_resource_urls,
                    })).collect::<Vec<_>>()),
                })
            })
            .collect::<Vec<_>>()
    });
    json!({
        "PriorityLevelConfiguration": {"Name": spec.priority_level_configuration.name},
        "MatchingPrecedence": spec.matching_precedence.unwrap_or_default(),
        "DistinguisherMethod": spec.distinguisher_method.as_ref().map(|d| json!({"Type": d.type_})),
        "Rules": rules,
    })
}

fn go_priority_level_spec(spec: &fc::PriorityLevelConfigurationSpec) -> Value {
    let limited = spec.limited.as_ref().map(|l| {
        let response = super::or_default(&l.limit_response);
        json!({
            "NominalConcurrencyShares": l.nominal_concurrency_shares.unwrap_or_default(),
            "LimitResponse": {
                "Type": response.type_,
                "Queuing": response.queuing.as_ref().map(|q| json!({
                    "Queues": q.queues.unwrap_or_default(),
                    "HandSize": q.hand_size.unwrap_or_default(),
                    "QueueLengthLimit": q.queue_length_limit.unwrap_or_default(),
                })),
            },
            "LendablePercent": l.lendable_percent,
            "BorrowingLimitPercent": l.borrowing_limit_percent,
        })
    });
    json!({
        "Type": spec.type_,
        "Limited": limited,
        "Exempt": spec.exempt.as_ref().map(|e| json!({
            "NominalConcurrencyShares": e.nominal_concurrency_shares,
            "LendablePercent": e.lendable_percent,
        })),
    })
}

// ---------------------------------------------------------------------------------------------
// The mandatory objects.

/// A spec as Go's semantic equality sees it: defaulted, without the members a Go struct cannot
/// tell from absent.
fn comparable<T: serde::Serialize>(spec: &T) -> Value {
    crate::bootstrap::flowcontrol::without_unset(&serde_json::to_value(spec).unwrap_or_default())
}

fn fixed_flow_schema_spec(name: &str) -> Option<fc::FlowSchemaSpec> {
    let spec = crate::bootstrap::flowcontrol::mandatory_spec("FlowSchema", name)?;
    let mut fs = fc::FlowSchema { spec: serde_json::from_value(spec).ok(), ..Default::default() };
    default_flow_schema(&mut fs);
    fs.spec
}

fn fixed_priority_level_spec(name: &str) -> Option<fc::PriorityLevelConfigurationSpec> {
    let spec = crate::bootstrap::flowcontrol::mandatory_spec("PriorityLevelConfiguration", name)?;
    let mut pl = fc::PriorityLevelConfiguration {
        spec: serde_json::from_value(spec).ok(),
        ..Default::default()
    };
    default_priority_level_configuration(&mut pl);
    pl.spec
}

// ---------------------------------------------------------------------------------------------
// Flow schemas.

/// `ValidateFlowSchema` (also its update: upstream validates the new object alone).
pub fn validate_flow_schema(fs: &fc::FlowSchema) -> ErrorList {
    let mut errs =
        validate_object_meta(&fs.metadata, false, v::name_is_dns_subdomain, &Path::new("metadata"));
    let name = s(&fs.metadata.name);
    let spec = super::or_default(&fs.spec);
    let spec_path = Path::new("spec");
    errs.extend(validate_flow_schema_spec(name, &spec, &spec_path));
    if let Some(fixed) = fixed_flow_schema_spec(name)
        && comparable(&*spec) != comparable(&fixed)
    {
        errs.push(Error::invalid(
            &spec_path,
            BadValue::Json(go_flow_schema_spec(&spec)),
            format!("spec of '{name}' must equal the fixed value"),
        ));
    }
    let status = super::or_default(&fs.status);
    errs.extend(validate_conditions(
        status.conditions.iter().flatten().map(|c| s(&c.type_)),
        &Path::new("status"),
    ));
    errs
}

fn validate_flow_schema_spec(name: &str, spec: &fc::FlowSchemaSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let precedence = spec.matching_precedence.unwrap_or_default();
    let pp = path.child("matchingPrecedence");
    if precedence <= 0 {
        errs.push(Error::invalid(&pp, precedence, "must be a positive value"));
    }
    if precedence > MAX_MATCHING_PRECEDENCE {
        errs.push(Error::invalid(
            &pp,
            precedence,
            format!("must not be greater than {MAX_MATCHING_PRECEDENCE}"),
        ));
    }
    if precedence == 1 && name != "exempt" {
        errs.push(Error::invalid(
            &pp,
            precedence,
            "only the schema named 'exempt' may have matchingPrecedence 1",
        ));
    }
    if let Some(method) = &spec.distinguisher_method
        && !DISTINGUISHER_METHODS.contains(&method.type_.as_str())
    {
        errs.push(Error::not_supported(
            &path.child("distinguisherMethod").child("type"),
            BadValue::Json(json!({"Type": method.type_})),
            DISTINGUISHER_METHODS,
        ));
    }
    let level = &spec.priority_level_configuration.name;
    let lp = path.child("priorityLevelConfiguration").child("name");
    if level.is_empty() {
        errs.push(Error::required(&lp, "must reference a priority level"));
    } else {
        errs.extend(invalid_each(&lp, level, v::name_is_dns_subdomain(level, false)));
    }
    for (i, rule) in spec.rules.iter().flatten().enumerate() {
        errs.extend(validate_rule(rule, &path.child("rules").index(i)));
    }
    errs
}

fn validate_rule(rule: &fc::PolicyRulesWithSubjects, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if rule.subjects.is_empty() {
        errs.push(Error::required(
            &path.child("subjects"),
            "subjects must contain at least one value",
        ));
    }
    for (i, subject) in rule.subjects.iter().enumerate() {
        errs.extend(validate_subject(subject, &path.child("subjects").index(i)));
    }
    let resource_rules = rule.resource_rules.as_deref().unwrap_or_default();
    let non_resource_rules = rule.non_resource_rules.as_deref().unwrap_or_default();
    if resource_rules.is_empty() && non_resource_rules.is_empty() {
        errs.push(Error::required(
            path,
            "at least one of resourceRules and nonResourceRules has to be non-empty",
        ));
    }
    for (i, r) in resource_rules.iter().enumerate() {
        errs.extend(validate_resource_rule(r, &path.child("resourceRules").index(i)));
    }
    for (i, r) in non_resource_rules.iter().enumerate() {
        errs.extend(validate_non_resource_rule(r, &path.child("nonResourceRules").index(i)));
    }
    errs
}

fn validate_subject(subject: &fc::Subject, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let forbid = |errs: &mut ErrorList, present: bool, field: &str, kind: &str| {
        if present {
            errs.push(Error::forbidden(
                &path.child(field),
                format!("{field} is forbidden when subject kind is not '{kind}'"),
            ));
        }
    };
    let required = |field: &str, kind: &str| {
        Error::required(
            &path.child(field),
            format!("{field} is required when subject kind is '{kind}'"),
        )
    };
    match subject.kind.as_str() {
        "ServiceAccount" => {
            match &subject.service_account {
                None => errs.push(required("serviceAccount", "ServiceAccount")),
                Some(sa) => {
                    let sp = path.child("serviceAccount");
                    if sa.name.is_empty() {
                        errs.push(Error::required(&sp.child("name"), ""));
                    } else if sa.name != "*" {
                        errs.extend(invalid_each(
                            &sp.child("name"),
                            &sa.name,
                            v::validate_service_account_name(&sa.name, false),
                        ));
                    }
                    if sa.namespace.is_empty() {
                        errs.push(Error::required(
                            &sp.child("namespace"),
                            "must specify namespace for service account",
                        ));
                    } else {
                        errs.extend(invalid_each(
                            &sp.child("namespace"),
                            &sa.namespace,
                            v::validate_namespace_name(&sa.namespace, false),
                        ));
                    }
                }
            }
            forbid(&mut errs, subject.user.is_some(), "user", "User");
            forbid(&mut errs, subject.group.is_some(), "group", "Group");
        }
        "User" => {
            match &subject.user {
                None => errs.push(required("user", "User")),
                Some(u) if u.name.is_empty() => {
                    errs.push(Error::required(&path.child("user").child("name"), ""))
                }
                Some(_) => {}
            }
            forbid(
                &mut errs,
                subject.service_account.is_some(),
                "serviceAccount",
                "ServiceAccount",
            );
            forbid(&mut errs, subject.group.is_some(), "group", "Group");
        }
        "Group" => {
            match &subject.group {
                None => errs.push(required("group", "Group")),
                Some(g) if g.name.is_empty() => {
                    errs.push(Error::required(&path.child("group").child("name"), ""))
                }
                Some(_) => {}
            }
            forbid(
                &mut errs,
                subject.service_account.is_some(),
                "serviceAccount",
                "ServiceAccount",
            );
            forbid(&mut errs, subject.user.is_some(), "user", "User");
        }
        other => errs.push(Error::not_supported(&path.child("kind"), other, SUBJECT_KINDS)),
    }
    errs
}

fn validate_verbs(verbs: &[String], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if verbs.is_empty() {
        errs.push(Error::required(path, "verbs must contain at least one value"));
    } else if has_wildcard(verbs) {
        if verbs.len() > 1 {
            errs.push(Error::invalid(
                path,
                BadValue::json(verbs),
                "if '*' is present, must not specify other verbs",
            ));
        }
    } else if !verbs.iter().all(|v| SUPPORTED_VERBS.contains(&v.as_str())) {
        errs.push(Error::not_supported(path, BadValue::json(verbs), SUPPORTED_VERBS));
    }
    errs
}

fn validate_resource_rule(rule: &fc::ResourcePolicyRule, path: &Path) -> ErrorList {
    let mut errs = validate_verbs(&rule.verbs, &path.child("verbs"));
    let list = |errs: &mut ErrorList, items: &[String], field: &str, what: &str| {
        let fp = path.child(field);
        if items.is_empty() {
            errs.push(Error::required(
                &fp,
                format!("resource rules must supply at least one {what}"),
            ));
        } else if items.len() > 1 && has_wildcard(items) {
            errs.push(Error::invalid(
                &fp,
                BadValue::json(items),
                format!("if '*' is present, must not specify other {what}s"),
            ));
        }
    };
    list(&mut errs, &rule.api_groups, "apiGroups", "api group");
    list(&mut errs, &rule.resources, "resources", "resource");
    let namespaces = rule.namespaces.as_deref().unwrap_or_default();
    let np = path.child("namespaces");
    if namespaces.is_empty() && !rule.cluster_scope.unwrap_or_default() {
        errs.push(Error::required(
            &np,
            "resource rules that are not cluster scoped must supply at least one namespace",
        ));
    } else if has_wildcard(namespaces) {
        if namespaces.len() > 1 {
            errs.push(Error::invalid(
                &np,
                BadValue::json(namespaces),
                "if '*' is present, must not specify other namespaces",
            ));
        }
    } else {
        for (i, ns) in namespaces.iter().enumerate() {
            for msg in v::validate_namespace_name(ns, false) {
                errs.push(Error::invalid(&np.index(i), ns, format!("{NS_ERR_INTRO}{msg}")));
            }
        }
    }
    errs
}

fn validate_non_resource_rule(rule: &fc::NonResourcePolicyRule, path: &Path) -> ErrorList {
    let mut errs = validate_verbs(&rule.verbs, &path.child("verbs"));
    let urls = &rule.non_resource_urls;
    let up = path.child("nonResourceURLs");
    if urls.is_empty() {
        errs.push(Error::required(&up, "nonResourceURLs must contain at least one value"));
    } else if has_wildcard(urls) {
        if urls.len() > 1 {
            errs.push(Error::invalid(
                &up,
                BadValue::json(urls),
                "if '*' is present, must not specify other non-resource URLs",
            ));
        }
    } else {
        for (i, url) in urls.iter().enumerate() {
            if let Some(msg) = non_resource_url_problem(url) {
                errs.push(Error::invalid(&up.index(i), url, msg));
            }
        }
    }
    errs
}

/// `ValidateNonResourceURLPath`: absolute, no white space or `//`, a `*` only as a final
/// `/*`.
fn non_resource_url_problem(url: &str) -> Option<&'static str> {
    if url.is_empty() {
        return Some("must not be empty");
    }
    if url == "/" {
        return None;
    }
    if !url.starts_with('/') {
        return Some("must start with slash");
    }
    if url.contains(' ') {
        return Some("must not contain white-space");
    }
    if url.contains("//") {
        return Some("must not contain double slash");
    }
    let stars = url.matches('*').count();
    if stars > 1 || (stars == 1 && !url.ends_with("/*")) {
        return Some("wildcard can only do suffix matching");
    }
    None
}

/// The status checks both kinds share: each condition has a type, and no type twice.
fn validate_conditions<'a>(types: impl Iterator<Item = &'a str>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = BTreeSet::new();
    for (i, t) in types.enumerate() {
        let cp = path.child("conditions").index(i);
        if !seen.insert(t) {
            errs.push(Error::duplicate(&cp.child("type"), t));
        }
        if t.is_empty() {
            errs.push(Error::required(&cp.child("type"), "must not be empty"));
        }
    }
    errs
}

/// `ValidateFlowSchemaStatusUpdate`.
pub fn validate_flow_schema_status(fs: &fc::FlowSchema) -> ErrorList {
    let status = super::or_default(&fs.status);
    validate_conditions(
        status.conditions.iter().flatten().map(|c| s(&c.type_)),
        &Path::new("status"),
    )
}

// ---------------------------------------------------------------------------------------------
// Priority levels.

/// `ValidatePriorityLevelConfiguration` (also its update: upstream validates the new object
/// alone).
pub fn validate_priority_level(pl: &fc::PriorityLevelConfiguration) -> ErrorList {
    let meta_path = Path::new("metadata");
    let mut errs = validate_object_meta(&pl.metadata, false, v::name_is_dns_subdomain, &meta_path);
    if pl.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(PRESERVE_ZERO_SHARES)) {
        errs.push(Error::forbidden(
            &meta_path.child("annotations"),
            format!("annotation '{PRESERVE_ZERO_SHARES}' is forbidden"),
        ));
    }
    let name = s(&pl.metadata.name);
    let spec = super::or_default(&pl.spec);
    let spec_path = Path::new("spec");
    errs.extend(validate_priority_level_spec(name, &spec, &spec_path));
    if let Some(fixed) = fixed_priority_level_spec(name) {
        // The exempt level's `exempt` settings are the operator's to tune.
        let mut have = (*spec).clone();
        if name == "exempt" {
            have.exempt = fixed.exempt.clone();
        }
        if comparable(&have) != comparable(&fixed) {
            let detail = if name == "exempt" {
                format!(
                    "spec of '{name}' except the 'spec.exempt' field must equal the fixed value"
                )
            } else {
                format!("spec of '{name}' must equal the fixed value")
            };
            errs.push(Error::invalid(
                &spec_path,
                BadValue::Json(go_priority_level_spec(&spec)),
                detail,
            ));
        }
    }
    let status = super::or_default(&pl.status);
    errs.extend(validate_conditions(
        status.conditions.iter().flatten().map(|c| s(&c.type_)),
        &Path::new("status"),
    ));
    errs
}

fn validate_priority_level_spec(
    name: &str,
    spec: &fc::PriorityLevelConfigurationSpec,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let exempt_type = spec.type_ == "Exempt";
    if (name == "exempt") != exempt_type {
        errs.push(Error::invalid(
            &path.child("type"),
            spec.type_.as_str(),
            "type must be 'Exempt' if and only if name is 'exempt'",
        ));
    }
    match spec.type_.as_str() {
        "Exempt" => {
            if spec.limited.is_some() {
                errs.push(Error::forbidden(
                    &path.child("limited"),
                    "must be nil if the type is not Limited",
                ));
            }
            if let Some(exempt) = &spec.exempt {
                let ep = path.child("exempt");
                if let Some(n) = exempt.nominal_concurrency_shares
                    && n < 0
                {
                    errs.push(Error::invalid(
                        &ep.child("nominalConcurrencyShares"),
                        n,
                        "must be a non-negative integer",
                    ));
                }
                errs.extend(validate_lendable_percent(exempt.lendable_percent, &ep));
            }
        }
        "Limited" => {
            if spec.exempt.is_some() {
                errs.push(Error::forbidden(
                    &path.child("exempt"),
                    "must be nil if the type is Limited",
                ));
            }
            match &spec.limited {
                None => errs.push(Error::required(
                    &path.child("limited"),
                    "must not be empty when type is Limited",
                )),
                Some(limited) => errs.extend(validate_limited(limited, &path.child("limited"))),
            }
        }
        other => errs.push(Error::not_supported(&path.child("type"), other, ENABLEMENTS)),
    }
    errs
}

fn validate_lendable_percent(lendable: Option<i32>, path: &Path) -> ErrorList {
    match lendable {
        Some(p) if !(0..=100).contains(&p) => ErrorList(vec![Error::invalid(
            &path.child("lendablePercent"),
            p,
            "must be between 0 and 100, inclusive",
        )]),
        _ => ErrorList::new(),
    }
}

fn validate_limited(l: &fc::LimitedPriorityLevelConfiguration, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let shares = l.nominal_concurrency_shares.unwrap_or_default();
    if shares < 0 {
        errs.push(Error::invalid(
            &path.child("nominalConcurrencyShares"),
            shares,
            "must be a non-negative integer",
        ));
    }
    errs.extend(validate_limit_response(
        &super::or_default(&l.limit_response),
        &path.child("limitResponse"),
    ));
    errs.extend(validate_lendable_percent(l.lendable_percent, path));
    if let Some(b) = l.borrowing_limit_percent
        && b < 0
    {
        errs.push(Error::invalid(
            &path.child("borrowingLimitPercent"),
            b,
            "if specified, must be a non-negative integer",
        ));
    }
    errs
}

fn validate_limit_response(r: &fc::LimitResponse, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    match r.type_.as_str() {
        "Reject" => {
            if r.queuing.is_some() {
                errs.push(Error::forbidden(
                    &path.child("queuing"),
                    "must be nil if limited.limitResponse.type is not Limited",
                ));
            }
        }
        "Queue" => match &r.queuing {
            None => errs.push(Error::required(
                &path.child("queuing"),
                "must not be empty if limited.limitResponse.type is Limited",
            )),
            Some(q) => errs.extend(validate_queuing(q, &path.child("queuing"))),
        },
        other => errs.push(Error::not_supported(&path.child("type"), other, LIMIT_RESPONSES)),
    }
    errs
}

/// `shufflesharding.RequiredEntropyBits`.
fn required_entropy_bits(deck_size: i32, hand_size: i32) -> f64 {
    (f64::from(deck_size).log2() * f64::from(hand_size)).ceil()
}

fn validate_queuing(q: &fc::QueuingConfiguration, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (queues, hand, limit) = (
        q.queues.unwrap_or_default(),
        q.hand_size.unwrap_or_default(),
        q.queue_length_limit.unwrap_or_default(),
    );
    if limit <= 0 {
        errs.push(Error::invalid(&path.child("queueLengthLimit"), limit, "must be positive"));
    }
    let qp = path.child("queues");
    if queues <= 0 {
        errs.push(Error::invalid(&qp, queues, "must be positive"));
    } else if queues > MAX_QUEUES {
        errs.push(Error::invalid(&qp, queues, format!("must not be greater than {MAX_QUEUES}")));
    }
    let hp = path.child("handSize");
    if hand <= 0 {
        errs.push(Error::invalid(&hp, hand, "must be positive"));
    } else if hand > queues {
        errs.push(Error::invalid(
            &hp,
            hand,
            format!("should not be greater than queues ({queues})"),
        ));
    } else if required_entropy_bits(queues, hand) > f64::from(MAX_HASH_BITS) {
        errs.push(Error::invalid(
            &hp,
            hand,
            format!(
                "required entropy bits of deckSize {queues} and handSize {hand} should not be greater than {MAX_HASH_BITS}"
            ),
        ));
    }
    errs
}

/// `ValidatePriorityLevelConfigurationStatusUpdate`.
pub fn validate_priority_level_status(pl: &fc::PriorityLevelConfiguration) -> ErrorList {
    let status = super::or_default(&pl.status);
    validate_conditions(
        status.conditions.iter().flatten().map(|c| s(&c.type_)),
        &Path::new("status"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::tests::{Case, Op, check, stored};

    const GROUP: &str = "flowcontrol.apiserver.k8s.io";

    fn schema(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
            "metadata": {"name": name}, "spec": spec})
    }

    fn level(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "flowcontrol.apiserver.k8s.io/v1",
            "kind": "PriorityLevelConfiguration", "metadata": {"name": name}, "spec": spec})
    }

    fn user_rule(rule: Value) -> Value {
        let mut r = json!({"subjects": [{"kind": "User", "user": {"name": "noxu"}}]});
        r.as_object_mut().unwrap().extend(rule.as_object().unwrap().clone());
        r
    }

    fn fs_case(name: &'static str, obj: Value, want: Vec<&str>) -> Case {
        Case {
            name,
            group: GROUP,
            kind: "FlowSchema",
            resource: "flowschemas",
            op: Op::Create(obj),
            want: want.into_iter().map(String::from).collect(),
        }
    }

    fn pl_case(name: &'static str, obj: Value, want: Vec<&str>) -> Case {
        Case {
            name,
            group: GROUP,
            kind: "PriorityLevelConfiguration",
            resource: "prioritylevelconfigurations",
            op: Op::Create(obj),
            want: want.into_iter().map(String::from).collect(),
        }
    }

    fn all_resources() -> Value {
        json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"]}])
    }

    /// Mirrors `TestFlowSchemaValidation`.
    #[test]
    fn test_flow_schema_validation() {
        let base = |rule: Value| {
            schema(
                "system-foo",
                json!({"matchingPrecedence": 50,
                "priorityLevelConfiguration": {"name": "system-bar"}, "rules": [rule]}),
            )
        };
        check(vec![
            fs_case(
                "normal flow-schema w/ * verbs/apiGroups/resources should work",
                base(user_rule(json!({"resourceRules": all_resources()}))),
                vec![],
            ),
            fs_case(
                "missing both resource and non-resource policy-rule should fail",
                base(user_rule(json!({}))),
                vec![
                    "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty",
                ],
            ),
            fs_case(
                "malformed Subject union in ServiceAccount case",
                base(json!({
                    "subjects": [{"kind": "ServiceAccount", "user": {"name": "fred"},
                        "group": {"name": "fred"}}],
                    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                })),
                vec![
                    "spec.rules[0].subjects[0].serviceAccount: Required value: serviceAccount is required when subject kind is 'ServiceAccount'",
                    "spec.rules[0].subjects[0].user: Forbidden: user is forbidden when subject kind is not 'User'",
                    "spec.rules[0].subjects[0].group: Forbidden: group is forbidden when subject kind is not 'Group'",
                ],
            ),
            fs_case(
                "flow-schema mixes * verbs/apiGroups/resources should fail",
                base(user_rule(json!({"resourceRules": [{"verbs": ["*", "create"],
                    "apiGroups": ["*", "tak"], "resources": ["*", "tok"], "namespaces": ["*"]}]}))),
                vec![
                    "spec.rules[0].resourceRules[0].verbs: Invalid value: [\"*\",\"create\"]: if '*' is present, must not specify other verbs",
                    "spec.rules[0].resourceRules[0].apiGroups: Invalid value: [\"*\",\"tak\"]: if '*' is present, must not specify other api groups",
                    "spec.rules[0].resourceRules[0].resources: Invalid value: [\"*\",\"tok\"]: if '*' is present, must not specify other resources",
                ],
            ),
            fs_case(
                "flow-schema w/ invalid verb should fail",
                base(user_rule(json!({"resourceRules": [{"verbs": ["feed"], "apiGroups": ["*"],
                    "resources": ["*"], "namespaces": ["*"]}]}))),
                vec![
                    "spec.rules[0].resourceRules[0].verbs: Unsupported value: [\"feed\"]: supported values: \"create\", \"delete\", \"deletecollection\", \"get\", \"list\", \"patch\", \"proxy\", \"update\", \"watch\"",
                ],
            ),
            fs_case(
                "invalid subject kind should fail",
                base(json!({"subjects": [{"kind": "FooKind"}],
                    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]})),
                vec![
                    "spec.rules[0].subjects[0].kind: Unsupported value: \"FooKind\": supported values: \"Group\", \"ServiceAccount\", \"User\"",
                ],
            ),
            fs_case(
                "flow-schema w/ service-account kind missing namespace should fail",
                base(json!({"subjects": [{"kind": "ServiceAccount",
                    "serviceAccount": {"name": "noxu"}}], "resourceRules": all_resources()})),
                vec![
                    "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account",
                ],
            ),
            fs_case(
                "Omitted ResourceRule.Namespaces should fail",
                base(user_rule(json!({"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                    "resources": ["*"]}]}))),
                vec![
                    "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace",
                ],
            ),
            fs_case(
                "ClusterScope is allowed, with no Namespaces",
                base(user_rule(json!({"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                    "resources": ["*"], "clusterScope": true}]}))),
                vec![],
            ),
            fs_case(
                "NamespaceEvery may not be combined with particulars; bad namespaces",
                base(user_rule(json!({"resourceRules": [
                    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                        "namespaces": ["foo", "*"]},
                    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                        "namespaces": ["-foo"]},
                ]}))),
                vec![
                    "spec.rules[0].resourceRules[0].namespaces: Invalid value: [\"foo\",\"*\"]: if '*' is present, must not specify other namespaces",
                    "spec.rules[0].resourceRules[1].namespaces[0]: Invalid value: \"-foo\": each member of this list must be '*' or a DNS-1123 label; a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                ],
            ),
            fs_case(
                "non-resource URLs: wildcards and paths",
                base(user_rule(json!({"nonResourceRules": [
                    {"verbs": ["*"], "nonResourceURLs": ["*", "tik"]},
                    {"verbs": ["get"], "nonResourceURLs": ["healthz", "/a b", "//x", "/he*",
                        "/apis/*", "/"]},
                ]}))),
                vec![
                    "spec.rules[0].nonResourceRules[0].nonResourceURLs: Invalid value: [\"*\",\"tik\"]: if '*' is present, must not specify other non-resource URLs",
                    "spec.rules[0].nonResourceRules[1].nonResourceURLs[0]: Invalid value: \"healthz\": must start with slash",
                    "spec.rules[0].nonResourceRules[1].nonResourceURLs[1]: Invalid value: \"/a b\": must not contain white-space",
                    "spec.rules[0].nonResourceRules[1].nonResourceURLs[2]: Invalid value: \"//x\": must not contain double slash",
                    "spec.rules[0].nonResourceRules[1].nonResourceURLs[3]: Invalid value: \"/he*\": wildcard can only do suffix matching",
                ],
            ),
            fs_case(
                "non-exempt flow-schema with matchingPrecedence==1 should fail",
                schema(
                    "fred",
                    json!({"matchingPrecedence": 1,
                    "priorityLevelConfiguration": {"name": "exempt"},
                    "rules": [{"subjects": [{"kind": "Group", "group": {"name": "gorp"}}],
                        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]}]}),
                ),
                vec![
                    "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1",
                ],
            ),
            fs_case(
                "precedence out of range, unknown distinguisher, missing level",
                schema(
                    "fred",
                    json!({"matchingPrecedence": 10001,
                    "distinguisherMethod": {"type": "ByFoo"},
                    "priorityLevelConfiguration": {"name": ""}}),
                ),
                vec![
                    "spec.matchingPrecedence: Invalid value: 10001: must not be greater than 10000",
                    "spec.distinguisherMethod.type: Unsupported value: {\"Type\":\"ByFoo\"}: supported values: \"ByNamespace\", \"ByUser\"",
                    "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
                ],
            ),
            fs_case(
                "bad exempt flow-schema should fail",
                schema(
                    "exempt",
                    json!({"matchingPrecedence": 1,
                    "priorityLevelConfiguration": {"name": "exempt"},
                    "rules": [{"subjects": [{"kind": "Group", "group": {"name": "system:masters"}}],
                        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["/"]}]}]}),
                ),
                vec![
                    "spec: Invalid value: {\"PriorityLevelConfiguration\":{\"Name\":\"exempt\"},\"MatchingPrecedence\":1,\"DistinguisherMethod\":null,\"Rules\":[{\"Subjects\":[{\"Kind\":\"Group\",\"User\":null,\"Group\":{\"Name\":\"system:masters\"},\"ServiceAccount\":null}],\"ResourceRules\":null,\"NonResourceRules\":[{\"Verbs\":[\"*\"],\"NonResourceURLs\":[\"/\"]}]}]}: spec of 'exempt' must equal the fixed value",
                ],
            ),
        ]);
    }

    /// The mandatory flow schemas as the server creates them are valid, on create and on an
    /// update that leaves them alone; changing them is not.
    #[test]
    fn test_mandatory_flow_schemas() {
        for name in ["exempt", "catch-all"] {
            let spec = crate::bootstrap::flowcontrol::mandatory_spec("FlowSchema", name).unwrap();
            check(vec![fs_case("mandatory flow schema", schema(name, spec.clone()), vec![])]);
            let old = stored(schema(name, spec.clone()), "5");
            let mut new = old.clone();
            new["spec"]["matchingPrecedence"] = json!(5);
            let want = if name == "exempt" {
                vec![
                    "spec: Invalid value: …: spec of 'exempt' must equal the fixed value"
                        .to_string(),
                ]
            } else {
                vec![
                    "spec: Invalid value: …: spec of 'catch-all' must equal the fixed value".into(),
                ]
            };
            check(vec![Case {
                name: "mandatory flow schema updated",
                group: GROUP,
                kind: "FlowSchema",
                resource: "flowschemas",
                op: Op::Update(new, old),
                want,
            }]);
        }
    }

    /// Mirrors `TestPriorityLevelConfigurationValidation`.
    #[test]
    fn test_priority_level_validation() {
        let queued = |queuing: Value| {
            json!({"type": "Limited", "limited": {"nominalConcurrencyShares": 5,
                "limitResponse": {"type": "Queue", "queuing": queuing}}})
        };
        check(vec![
            pl_case(
                "normal customized priority level should work",
                level(
                    "system-foo",
                    queued(json!({"queues": 100, "handSize": 4,
                    "queueLengthLimit": 100})),
                ),
                vec![],
            ),
            pl_case(
                "exempt type on another name; limited missing",
                level("system-foo", json!({"type": "Exempt"})),
                vec![
                    "spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and only if name is 'exempt'",
                ],
            ),
            pl_case(
                "limited requires limited",
                level("system-foo", json!({"type": "Limited"})),
                vec!["spec.limited: Required value: must not be empty when type is Limited"],
            ),
            pl_case(
                "unknown type",
                level("system-foo", json!({"type": "Sometimes"})),
                vec![
                    "spec.type: Unsupported value: \"Sometimes\": supported values: \"Exempt\", \"Limited\"",
                ],
            ),
            pl_case(
                "forbid queuing config when reject",
                level(
                    "system-foo",
                    json!({"type": "Limited", "limited": {
                    "limitResponse": {"type": "Reject", "queuing": {}}}}),
                ),
                vec![
                    "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited",
                ],
            ),
            pl_case(
                "wrong backstop spec should fail",
                level(
                    "system-foo",
                    json!({"type": "Limited", "limited": {
                    "limitResponse": {"type": "Queue"}}}),
                ),
                vec![
                    "spec.limited.limitResponse.queuing: Required value: must not be empty if limited.limitResponse.type is Limited",
                ],
            ),
            pl_case(
                "handSize greater than queues should fail",
                level(
                    "system-foo",
                    queued(json!({"queues": 7, "handSize": 8,
                    "queueLengthLimit": 100})),
                ),
                vec![
                    "spec.limited.limitResponse.queuing.handSize: Invalid value: 8: should not be greater than queues (7)",
                ],
            ),
            pl_case(
                "the entropy of the hand exceeds 60 bits",
                level(
                    "system-foo",
                    queued(json!({"queues": 10000000, "handSize": 3,
                    "queueLengthLimit": -1})),
                ),
                vec![
                    "spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: -1: must be positive",
                    "spec.limited.limitResponse.queuing.handSize: Invalid value: 3: required entropy bits of deckSize 10000000 and handSize 3 should not be greater than 60",
                ],
            ),
            pl_case(
                "too many queues",
                level("system-foo", queued(json!({"queues": 10000001, "handSize": 2}))),
                vec![
                    "spec.limited.limitResponse.queuing.queues: Invalid value: 10000001: must not be greater than 10000000",
                ],
            ),
            pl_case(
                "shares, lendable and borrowing percentages out of range",
                level(
                    "system-foo",
                    json!({"type": "Limited", "limited": {
                    "nominalConcurrencyShares": -1, "lendablePercent": 101,
                    "borrowingLimitPercent": -1, "limitResponse": {"type": "Reject"}}}),
                ),
                vec![
                    "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
                    "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
                    "spec.limited.borrowingLimitPercent: Invalid value: -1: if specified, must be a non-negative integer",
                ],
            ),
            pl_case(
                "exempt level with limited and bad exempt settings",
                level(
                    "exempt",
                    json!({"type": "Exempt", "exempt": {
                    "nominalConcurrencyShares": -1, "lendablePercent": -1}}),
                ),
                vec![
                    "spec.exempt.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
                    "spec.exempt.lendablePercent: Invalid value: -1: must be between 0 and 100, inclusive",
                ],
            ),
            pl_case(
                "exempt level may tune its exempt settings",
                level(
                    "exempt",
                    json!({"type": "Exempt", "exempt": {
                    "nominalConcurrencyShares": 10, "lendablePercent": 50}}),
                ),
                vec![],
            ),
            pl_case(
                "limited settings on the exempt level",
                level(
                    "exempt",
                    json!({"type": "Exempt", "limited": {
                    "limitResponse": {"type": "Reject"}}}),
                ),
                vec![
                    "spec.limited: Forbidden: must be nil if the type is not Limited",
                    "spec: Invalid value: {\"Type\":\"Exempt\",\"Limited\":{\"NominalConcurrencyShares\":30,\"LimitResponse\":{\"Type\":\"Reject\",\"Queuing\":null},\"LendablePercent\":0,\"BorrowingLimitPercent\":null},\"Exempt\":null}: spec of 'exempt' except the 'spec.exempt' field must equal the fixed value",
                ],
            ),
            pl_case(
                "catch-all with other shares",
                level(
                    "catch-all",
                    json!({"type": "Limited", "limited": {
                    "nominalConcurrencyShares": 50, "limitResponse": {"type": "Reject"}}}),
                ),
                vec![
                    "spec: Invalid value: {\"Type\":\"Limited\",\"Limited\":{\"NominalConcurrencyShares\":50,\"LimitResponse\":{\"Type\":\"Reject\",\"Queuing\":null},\"LendablePercent\":0,\"BorrowingLimitPercent\":null},\"Exempt\":null}: spec of 'catch-all' must equal the fixed value",
                ],
            ),
            pl_case(
                "catch-all as the server writes it",
                level(
                    "catch-all",
                    json!({"type": "Limited", "limited": {
                    "nominalConcurrencyShares": 5, "lendablePercent": 0,
                    "limitResponse": {"type": "Reject"}}}),
                ),
                vec![],
            ),
            pl_case(
                "the v1beta3 round-trip annotation is forbidden",
                {
                    let mut l = level(
                        "system-foo",
                        json!({"type": "Limited", "limited": {
                        "limitResponse": {"type": "Reject"}}}),
                    );
                    l["metadata"]["annotations"] = json!({
                        "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares": ""});
                    l
                },
                vec![
                    "metadata.annotations: Forbidden: annotation 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares' is forbidden",
                ],
            ),
        ]);
    }

    /// `ValidateFlowSchemaStatusUpdate`: condition types are present and not repeated.
    #[test]
    fn test_status_conditions() {
        let old = stored(
            schema("fred", json!({"priorityLevelConfiguration": {"name": "global-default"}})),
            "3",
        );
        let mut new = old.clone();
        new["status"] = json!({"conditions": [{"type": "Dangling"}, {"type": "Dangling"}, {}]});
        check(vec![Case {
            name: "status conditions",
            group: GROUP,
            kind: "FlowSchema",
            resource: "flowschemas",
            op: Op::Status(new, old),
            want: vec![
                "status.conditions[1].type: Duplicate value: \"Dangling\"".into(),
                "status.conditions[2].type: Required value: must not be empty".into(),
            ],
        }]);
    }

    /// `SetDefaults_FlowSchemaSpec`, `SetDefaults_LimitedPriorityLevelConfiguration`,
    /// `SetDefaults_QueuingConfiguration` and `SetDefaults_ExemptPriorityLevelConfiguration`.
    #[test]
    fn test_defaults() {
        let mut fs = schema("fred", json!({"priorityLevelConfiguration": {"name": "x"}}));
        crate::api::default_object(GROUP, "FlowSchema", &mut fs);
        assert_eq!(fs["spec"]["matchingPrecedence"], 1000);
        let mut fs = schema("fred", Value::Null);
        fs.as_object_mut().unwrap().remove("spec");
        crate::api::default_object(GROUP, "FlowSchema", &mut fs);
        assert_eq!(
            fs["spec"],
            json!({"priorityLevelConfiguration": {"name": ""}, "matchingPrecedence": 1000})
        );

        let mut pl = level(
            "fred",
            json!({"type": "Limited", "limited": {
            "limitResponse": {"type": "Queue", "queuing": {"queues": 0}}}}),
        );
        crate::api::default_object(GROUP, "PriorityLevelConfiguration", &mut pl);
        assert_eq!(
            pl["spec"]["limited"],
            json!({"lendablePercent": 0, "limitResponse": {"queuing": {"handSize": 8,
                "queueLengthLimit": 50, "queues": 64}, "type": "Queue"},
                "nominalConcurrencyShares": 30})
        );
        let mut pl = level(
            "fred",
            json!({"type": "Limited", "limited": {
            "nominalConcurrencyShares": 0, "limitResponse": {"type": "Reject"}}}),
        );
        crate::api::default_object(GROUP, "PriorityLevelConfiguration", &mut pl);
        assert_eq!(pl["spec"]["limited"]["nominalConcurrencyShares"], 0, "zero is kept");
        let mut pl = level("exempt", json!({"type": "Exempt", "exempt": {}}));
        crate::api::default_object(GROUP, "PriorityLevelConfiguration", &mut pl);
        assert_eq!(
            pl["spec"]["exempt"],
            json!({"lendablePercent": 0, "nominalConcurrencyShares": 0})
        );
    }
}
