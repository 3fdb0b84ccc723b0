//! The API Priority and Fairness configuration a cluster starts with
//! (flowcontrol.apiserver.k8s.io/v1), as kube-apiserver 1.35's configuration producer writes it:
//! the mandatory priority levels and flow schemas (`exempt`, `catch-all`) and the suggested ones,
//! each annotated `apf.kubernetes.io/autoupdate-spec: "true"`.
//!
//! A missing object is created. One that exists is kept in line with the defaults by upstream's
//! rules: a mandatory object's spec always (except the exempt level's concurrency shares and
//! lendable percent, which are the operator's to tune), a suggested object's only while its
//! annotation says `true` (or, without a readable annotation, while it is at generation 1, so
//! nobody has edited it). This runs once at start, where upstream repeats it every minute, and
//! objects that have dropped out of the defaults are not removed.
//!
//! Upstream's configuration consumer records on every flow schema whether the priority level it
//! names exists (condition `Dangling`, the `MissingPL` column). Without that controller here, the
//! flow schemas maintained by this module get the condition when they are ensured.

use apimachinery::errors::StatusError;
use apimachinery::gofmt::quote;
use serde_json::{Map, Value, json};

use crate::registry::{
    ObjectMetaExt, Registry, Store, WriteOptions, now_rfc3339, parse_bool_query,
};

const GROUP: &str = "flowcontrol.apiserver.k8s.io";
const API_VERSION: &str = "flowcontrol.apiserver.k8s.io/v1";
const AUTO_UPDATE: &str = "apf.kubernetes.io/autoupdate-spec";
const PRIORITY_LEVELS: &str = "prioritylevelconfigurations";
const FLOW_SCHEMAS: &str = "flowschemas";

/// How an existing object is kept in line with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upkeep {
    /// APF cannot work without it: its spec is always restored.
    Mandatory,
    /// The operator may edit or delete it; its spec is restored only while it asks for that.
    Suggested,
}

/// How a priority level treats its requests.
enum Limit {
    /// Never queued nor rejected.
    Exempt,
    /// Held to a share of the server's concurrency; `queuing: None` rejects what does not fit.
    Limited { shares: i32, lendable_percent: i32, queuing: Option<Queuing> },
}

struct Queuing {
    queues: i32,
    hand_size: i32,
    queue_length_limit: i32,
}

struct PriorityLevel {
    name: &'static str,
    upkeep: Upkeep,
    limit: Limit,
}

const fn queued(shares: i32, lendable_percent: i32, queues: i32, hand_size: i32) -> Limit {
    Limit::Limited {
        shares,
        lendable_percent,
        queuing: Some(Queuing { queues, hand_size, queue_length_limit: 50 }),
    }
}

const DEFAULT_PRIORITY_LEVELS: &[PriorityLevel] = &[
    PriorityLevel { name: "exempt", upkeep: Upkeep::Mandatory, limit: Limit::Exempt },
    PriorityLevel {
        name: "catch-all",
        upkeep: Upkeep::Mandatory,
        limit: Limit::Limited { shares: 5, lendable_percent: 0, queuing: None },
    },
    PriorityLevel { name: "system", upkeep: Upkeep::Suggested, limit: queued(30, 33, 64, 6) },
    PriorityLevel { name: "node-high", upkeep: Upkeep::Suggested, limit: queued(40, 25, 64, 6) },
    PriorityLevel {
        name: "leader-election",
        upkeep: Upkeep::Suggested,
        limit: queued(10, 0, 16, 4),
    },
    PriorityLevel {
        name: "workload-high",
        upkeep: Upkeep::Suggested,
        limit: queued(40, 50, 128, 6),
    },
    PriorityLevel {
        name: "workload-low",
        upkeep: Upkeep::Suggested,
        limit: queued(100, 90, 128, 6),
    },
    PriorityLevel {
        name: "global-default",
        upkeep: Upkeep::Suggested,
        limit: queued(20, 50, 128, 6),
    },
];

/// Who a flow schema's rules apply to.
enum Subject {
    Group(&'static str),
    User(&'static str),
    /// A service account in `kube-system` (`*`: all of them).
    KubeSystemServiceAccount(&'static str),
}

/// A rule over API resources; every default rule covers all namespaces.
struct ResourceRule {
    verbs: &'static [&'static str],
    api_groups: &'static [&'static str],
    resources: &'static [&'static str],
    cluster_scope: bool,
}

struct NonResourceRule {
    verbs: &'static [&'static str],
    urls: &'static [&'static str],
}

struct FlowSchema {
    name: &'static str,
    upkeep: Upkeep,
    priority_level: &'static str,
    matching_precedence: i32,
    /// `None`: all matching requests are one flow.
    distinguisher: Option<&'static str>,
    subjects: &'static [Subject],
    resource_rules: &'static [ResourceRule],
    non_resource_rules: &'static [NonResourceRule],
}

const ALL: &[&str] = &["*"];
const ANY_RESOURCE: &[ResourceRule] =
    &[ResourceRule { verbs: ALL, api_groups: ALL, resources: ALL, cluster_scope: true }];
const ANY_URL: &[NonResourceRule] = &[NonResourceRule { verbs: ALL, urls: ALL }];
const EVERYONE: &[Subject] =
    &[Subject::Group("system:unauthenticated"), Subject::Group("system:authenticated")];
const NODES: &[Subject] = &[Subject::Group("system:nodes")];
const CONTROLLER_MANAGER: &str = "system:kube-controller-manager";
const SCHEDULER: &str = "system:kube-scheduler";

const DEFAULT_FLOW_SCHEMAS: &[FlowSchema] = &[
    FlowSchema {
        name: "exempt",
        upkeep: Upkeep::Mandatory,
        priority_level: "exempt",
        matching_precedence: 1,
        distinguisher: None,
        subjects: &[Subject::Group("system:masters")],
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "catch-all",
        upkeep: Upkeep::Mandatory,
        priority_level: "catch-all",
        matching_precedence: 10000,
        distinguisher: Some("ByUser"),
        subjects: EVERYONE,
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "probes",
        upkeep: Upkeep::Suggested,
        priority_level: "exempt",
        matching_precedence: 2,
        distinguisher: None,
        subjects: EVERYONE,
        resource_rules: &[],
        non_resource_rules: &[NonResourceRule {
            verbs: &["get"],
            urls: &["/healthz", "/readyz", "/livez"],
        }],
    },
    FlowSchema {
        name: "system-leader-election",
        upkeep: Upkeep::Suggested,
        priority_level: "leader-election",
        matching_precedence: 100,
        distinguisher: Some("ByUser"),
        subjects: &[
            Subject::User(CONTROLLER_MANAGER),
            Subject::User(SCHEDULER),
            Subject::KubeSystemServiceAccount("*"),
        ],
        resource_rules: &[ResourceRule {
            verbs: &["get", "create", "update"],
            api_groups: &["coordination.k8s.io"],
            resources: &["leases"],
            cluster_scope: false,
        }],
        non_resource_rules: &[],
    },
    FlowSchema {
        name: "system-node-high",
        upkeep: Upkeep::Suggested,
        priority_level: "node-high",
        matching_precedence: 400,
        distinguisher: Some("ByUser"),
        subjects: NODES,
        resource_rules: &[
            ResourceRule {
                verbs: ALL,
                api_groups: &[""],
                resources: &["nodes", "nodes/status"],
                cluster_scope: true,
            },
            ResourceRule {
                verbs: ALL,
                api_groups: &["coordination.k8s.io"],
                resources: &["leases"],
                cluster_scope: false,
            },
        ],
        non_resource_rules: &[],
    },
    FlowSchema {
        name: "system-nodes",
        upkeep: Upkeep::Suggested,
        priority_level: "system",
        matching_precedence: 500,
        distinguisher: Some("ByUser"),
        subjects: NODES,
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "kube-controller-manager",
        upkeep: Upkeep::Suggested,
        priority_level: "workload-high",
        matching_precedence: 800,
        distinguisher: Some("ByNamespace"),
        subjects: &[Subject::User(CONTROLLER_MANAGER)],
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "kube-scheduler",
        upkeep: Upkeep::Suggested,
        priority_level: "workload-high",
        matching_precedence: 800,
        distinguisher: Some("ByNamespace"),
        subjects: &[Subject::User(SCHEDULER)],
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "kube-system-service-accounts",
        upkeep: Upkeep::Suggested,
        priority_level: "workload-high",
        matching_precedence: 900,
        distinguisher: Some("ByNamespace"),
        subjects: &[Subject::KubeSystemServiceAccount("*")],
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "service-accounts",
        upkeep: Upkeep::Suggested,
        priority_level: "workload-low",
        matching_precedence: 9000,
        distinguisher: Some("ByUser"),
        subjects: &[Subject::Group("system:serviceaccounts")],
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
    FlowSchema {
        name: "global-default",
        upkeep: Upkeep::Suggested,
        priority_level: "global-default",
        matching_precedence: 9900,
        distinguisher: Some("ByUser"),
        subjects: EVERYONE,
        resource_rules: ANY_RESOURCE,
        non_resource_rules: ANY_URL,
    },
];

impl PriorityLevel {
    fn object(&self) -> Value {
        let spec = match &self.limit {
            Limit::Exempt => json!({
                "type": "Exempt",
                "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0},
            }),
            Limit::Limited { shares, lendable_percent, queuing } => {
                let limit_response = match queuing {
                    Some(q) => json!({
                        "type": "Queue",
                        "queuing": {
                            "queues": q.queues,
                            "handSize": q.hand_size,
                            "queueLengthLimit": q.queue_length_limit,
                        },
                    }),
                    None => json!({"type": "Reject"}),
                };
                json!({
                    "type": "Limited",
                    "limited": {
                        "nominalConcurrencyShares": shares,
                        "lendablePercent": lendable_percent,
                        "limitResponse": limit_response,
                    },
                })
            }
        };
        config_object("PriorityLevelConfiguration", self.name, spec)
    }
}

impl FlowSchema {
    fn object(&self) -> Value {
        let subjects: Vec<Value> = self
            .subjects
            .iter()
            .map(|s| match s {
                Subject::Group(name) => json!({"kind": "Group", "group": {"name": name}}),
                Subject::User(name) => json!({"kind": "User", "user": {"name": name}}),
                Subject::KubeSystemServiceAccount(name) => json!({
                    "kind": "ServiceAccount",
                    "serviceAccount": {"name": name, "namespace": "kube-system"},
                }),
            })
            .collect();
        let mut rule = Map::new();
        rule.insert("subjects".into(), subjects.into());
        // Upstream's JSON leaves out empty rule lists and a false `clusterScope`.
        if !self.resource_rules.is_empty() {
            let rules: Vec<Value> = self
                .resource_rules
                .iter()
                .map(|r| {
                    let mut rule = json!({
                        "verbs": r.verbs,
                        "apiGroups": r.api_groups,
                        "resources": r.resources,
                        "namespaces": ALL,
                    });
                    if r.cluster_scope {
                        rule["clusterScope"] = true.into();
                    }
                    rule
                })
                .collect();
            rule.insert("resourceRules".into(), rules.into());
        }
        if !self.non_resource_rules.is_empty() {
            let rules: Vec<Value> = self
                .non_resource_rules
                .iter()
                .map(|r| json!({"verbs": r.verbs, "nonResourceURLs": r.urls}))
                .collect();
            rule.insert("nonResourceRules".into(), rules.into());
        }
        let mut spec = json!({
            "priorityLevelConfiguration": {"name": self.priority_level},
            "matchingPrecedence": self.matching_precedence,
            "rules": [rule],
        });
        if let Some(method) = self.distinguisher {
            spec["distinguisherMethod"] = json!({"type": method});
        }
        config_object("FlowSchema", self.name, spec)
    }
}

fn config_object(kind: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {"name": name, "annotations": {AUTO_UPDATE: "true"}},
        "spec": spec,
        "status": {},
    })
}

/// The spec upstream's validation holds a mandatory object to (`internalbootstrap`'s mandatory
/// priority levels and flow schemas): `Some` when `name` names a mandatory object of `kind`
/// (`PriorityLevelConfiguration` or `FlowSchema`).
pub(crate) fn mandatory_spec(kind: &str, name: &str) -> Option<Value> {
    let object = match kind {
        "PriorityLevelConfiguration" => DEFAULT_PRIORITY_LEVELS
            .iter()
            .find(|l| l.name == name && l.upkeep == Upkeep::Mandatory)?
            .object(),
        "FlowSchema" => DEFAULT_FLOW_SCHEMAS
            .iter()
            .find(|s| s.name == name && s.upkeep == Upkeep::Mandatory)?
            .object(),
        _ => return None,
    };
    object.get("spec").cloned()
}

/// Creates the default priority levels, then the flow schemas naming them, and keeps existing
/// ones in line as [`Upkeep`] says.
pub(super) async fn run(registry: &Registry) -> Result<(), StatusError> {
    for level in DEFAULT_PRIORITY_LEVELS {
        ensure(registry, PRIORITY_LEVELS, level.object(), level.upkeep).await?;
    }
    for schema in DEFAULT_FLOW_SCHEMAS {
        ensure(registry, FLOW_SCHEMAS, schema.object(), schema.upkeep).await?;
    }
    for schema in DEFAULT_FLOW_SCHEMAS {
        note_priority_level(registry, schema.name).await?;
    }
    Ok(())
}

async fn ensure(
    registry: &Registry,
    resource: &str,
    desired: Value,
    upkeep: Upkeep,
) -> Result<(), StatusError> {
    super::ensure(registry, resource, GROUP, "", desired.clone()).await?;
    let Some(store) = registry.store(GROUP, resource) else { return Ok(()) };
    let name = desired.name();
    let current = match store.get("", name).await {
        Ok(current) => current,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if revise(&current, &desired, upkeep).is_none() {
        return Ok(());
    }
    let update = |current: Option<&Value>| match current {
        Some(current) => Ok(revise(current, &desired, upkeep).unwrap_or_else(|| current.clone())),
        None => Err(StatusError::new_not_found(&store.group_resource(), name)),
    };
    let written = store.update("", name, None, &update, false, &WriteOptions::default()).await;
    settle(written, &store, name)
}

/// A write that lost to a concurrent delete or update is left alone, as upstream leaves it for
/// its next round; anything else stops the start.
fn settle<T>(
    written: Result<T, StatusError>,
    store: &Store,
    name: &str,
) -> Result<(), StatusError> {
    match written {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() || e.is_conflict() => {
            let resource = store.group_resource();
            tracing::warn!(%resource, name, error = %e, "default APF configuration not updated");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Upstream's producer strategy: what an existing object is rewritten to, or `None` when it
/// stays as it is.
fn revise(current: &Value, desired: &Value, upkeep: Upkeep) -> Option<Value> {
    let marked = current
        .meta()
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(AUTO_UPDATE))
        .and_then(Value::as_str)
        .and_then(parse_bool_query);
    let auto_update = match upkeep {
        Upkeep::Mandatory => true,
        Upkeep::Suggested => marked.unwrap_or_else(|| {
            current.meta().and_then(|m| m.get("generation")).and_then(Value::as_i64) == Some(1)
        }),
    };
    let respec = auto_update && !spec_equalish(desired, current);
    let reannotate = marked != Some(auto_update);
    if !respec && !reannotate {
        return None;
    }
    let mut revised = current.clone();
    if respec && let Some(obj) = revised.as_object_mut() {
        obj.insert("spec".into(), desired.get("spec").cloned().unwrap_or_default());
    }
    if reannotate {
        let annotations =
            revised.meta_mut().entry("annotations").or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        annotations[AUTO_UPDATE] = auto_update.to_string().into();
    }
    Some(revised)
}

/// Whether `current`'s spec is the default's, compared as upstream compares the typed specs.
fn spec_equalish(desired: &Value, current: &Value) -> bool {
    let mut expected = desired.get("spec").cloned().unwrap_or_default();
    let actual = current.get("spec").cloned().unwrap_or_default();
    if desired["kind"] == "PriorityLevelConfiguration" && desired.name() == "exempt" {
        // The exempt level's shares and lendable percent are left to the operator.
        let Some(exempt) = actual.get("exempt").and_then(Value::as_object) else { return false };
        if let Some(wanted) = expected.get_mut("exempt").and_then(Value::as_object_mut) {
            for field in ["nominalConcurrencyShares", "lendablePercent"] {
                match exempt.get(field) {
                    Some(v) => wanted.insert(field.into(), v.clone()),
                    None => wanted.remove(field),
                };
            }
        }
    }
    without_unset(&expected) == without_unset(&actual)
}

/// `v` without the members a Go struct cannot tell from absent: `null`, `false`, `[]`.
pub(crate) fn without_unset(v: &Value) -> Value {
    let unset = |v: &Value| {
        matches!(v, Value::Null | Value::Bool(false)) || v.as_array().is_some_and(Vec::is_empty)
    };
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !unset(v))
                .map(|(k, v)| (k.clone(), without_unset(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_unset).collect()),
        other => other.clone(),
    }
}

/// Writes the `Dangling` condition upstream's configuration consumer keeps on flow schema
/// `name`: whether the priority level it names exists.
async fn note_priority_level(registry: &Registry, name: &str) -> Result<(), StatusError> {
    let (Some(schemas), Some(levels)) =
        (registry.store(GROUP, FLOW_SCHEMAS), registry.store(GROUP, PRIORITY_LEVELS))
    else {
        return Ok(());
    };
    let schema = match schemas.get("", name).await {
        Ok(schema) => schema,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let level = schema
        .pointer("/spec/priorityLevelConfiguration/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let found = !level.is_empty()
        && match levels.get("", &level).await {
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e),
        };
    if with_dangling(&schema, &level, found).is_none() {
        return Ok(());
    }
    let update = |current: Option<&Value>| match current {
        Some(current) => {
            Ok(with_dangling(current, &level, found).unwrap_or_else(|| current.clone()))
        }
        None => Err(StatusError::new_not_found(&schemas.group_resource(), name)),
    };
    let written =
        schemas.update("", name, Some("status"), &update, false, &WriteOptions::default()).await;
    settle(written, &schemas, name)
}

/// `schema` with its `Dangling` condition saying whether `level` was `found`, or `None` when it
/// says so already (then its transition time stays).
fn with_dangling(schema: &Value, level: &str, found: bool) -> Option<Value> {
    let (status, reason, message) = if found {
        (
            "False",
            "Found",
            format!(
                "This FlowSchema references the PriorityLevelConfiguration object named {} and it exists",
                quote(level)
            ),
        )
    } else {
        (
            "True",
            "NotFound",
            format!(
                "This FlowSchema references the PriorityLevelConfiguration object named {} but there is no such object",
                quote(level)
            ),
        )
    };
    let conditions = schema.pointer("/status/conditions").and_then(Value::as_array);
    let current = conditions.and_then(|c| c.iter().find(|c| c["type"] == "Dangling"));
    if let Some(c) = current
        && c["status"] == status
        && c["reason"] == reason
        && c["message"] == message.as_str()
    {
        return None;
    }
    let condition = json!({
        "type": "Dangling",
        "status": status,
        "lastTransitionTime": now_rfc3339(),
        "reason": reason,
        "message": message,
    });
    // Other conditions stay where they are, as a merge keyed by type leaves them.
    let mut conditions: Vec<Value> = conditions.cloned().unwrap_or_default();
    match conditions.iter_mut().find(|c| c["type"] == "Dangling") {
        Some(c) => *c = condition,
        None => conditions.push(condition),
    }
    let mut revised = schema.clone();
    let obj = revised.as_object_mut()?;
    let status = obj.entry("status").or_insert_with(|| Value::Object(Map::new()));
    if !status.is_object() {
        *status = Value::Object(Map::new());
    }
    status["conditions"] = conditions.into();
    Some(revised)
}
