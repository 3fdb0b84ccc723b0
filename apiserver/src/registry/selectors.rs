//! List and watch parameters as the REST API takes them, and the label/field predicate objects
//! are filtered with (upstream's `SelectionPredicate` and each kind's selectable fields).

use std::collections::BTreeMap;

use apimachinery::errors::StatusError;
use apimachinery::{fields, labels};
use serde_json::Value;

use super::object::ObjectMetaExt;

/// The query parameters of a list (`metav1.ListOptions`).
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// `labelSelector`.
    pub label_selector: String,
    /// `fieldSelector`.
    pub field_selector: String,
    /// `resourceVersion` (empty when unset).
    pub resource_version: String,
    /// `resourceVersionMatch` (empty when unset).
    pub resource_version_match: String,
    /// `limit` (0 when unset).
    pub limit: u64,
    /// `continue`.
    pub continue_token: String,
}

/// The extra query parameters of a watch.
#[derive(Debug, Clone, Default)]
pub struct WatchParams {
    /// The list parameters (selectors and resourceVersion).
    pub list: ListParams,
    /// `allowWatchBookmarks`.
    pub bookmarks: bool,
    /// `sendInitialEvents`.
    pub send_initial_events: bool,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// Set by a caller that encodes events the same way for every watcher (the key names the
    /// encoding): events another such watcher already encoded arrive as
    /// `StoreEvent::Encoded`.
    pub memo_key: Option<String>,
}

/// Parses a boolean query value the way Go's `strconv.ParseBool` does.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

impl ListParams {
    /// Reads the parameters from decoded query pairs.
    pub fn from_query(query: &[(String, String)]) -> Result<Self, StatusError> {
        let mut p = ListParams::default();
        for (k, v) in query {
            match k.as_str() {
                "labelSelector" => p.label_selector = v.clone(),
                "fieldSelector" => p.field_selector = v.clone(),
                "resourceVersion" => p.resource_version = v.clone(),
                "resourceVersionMatch" => p.resource_version_match = v.clone(),
                "continue" => p.continue_token = v.clone(),
                "limit" => {
                    let n: i64 = v.parse().map_err(|_| {
                        StatusError::new_bad_request(&format!(
                            "strconv.ParseInt: parsing {}: invalid syntax",
                            apimachinery::gofmt::quote(v)
                        ))
                    })?;
                    p.limit = u64::try_from(n).unwrap_or(0);
                }
                _ => {}
            }
        }
        Ok(p)
    }
}

impl WatchParams {
    /// Reads the parameters from decoded query pairs.
    pub fn from_query(query: &[(String, String)]) -> Result<Self, StatusError> {
        let mut p = WatchParams { list: ListParams::from_query(query)?, ..Default::default() };
        for (k, v) in query {
            match k.as_str() {
                "allowWatchBookmarks" => p.bookmarks = parse_bool(v).unwrap_or(false),
                "sendInitialEvents" => p.send_initial_events = parse_bool(v).unwrap_or(false),
                "timeoutSeconds" => p.timeout_seconds = v.parse().ok(),
                _ => {}
            }
        }
        Ok(p)
    }
}

/// A label and field predicate over objects of one resource.
#[derive(Debug, Clone, Default)]
pub struct Predicate {
    label: labels::Selector,
    field: fields::Selector,
    group: String,
    resource: String,
}

/// The fields a kind can be selected by beyond `metadata.name` and `metadata.namespace`
/// (each registry's `GetAttrs`/field label conversion upstream).
fn selectable_fields(group: &str, resource: &str) -> &'static [&'static str] {
    match (group, resource) {
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "events") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "secrets") => &["type"],
        ("", "namespaces") => &["status.phase"],
        ("", "nodes") => &["spec.unschedulable"],
        ("", "replicationcontrollers") => &["status.replicas"],
        ("", "services") => &["spec.clusterIP", "spec.type"],
        ("apps", "replicasets") => &["status.replicas"],
        ("batch", "jobs") => &["status.successful"],
        ("certificates.k8s.io", "certificatesigningrequests") => &["spec.signerName"],
        _ => &[],
    }
}

/// Reads a selectable field of an object as the string upstream compares.
fn field_value(obj: &Value, field: &str) -> String {
    match field {
        "metadata.name" => return obj.name().to_string(),
        "metadata.namespace" => return obj.namespace().to_string(),
        // Core events select on `source` by the component that reported them.
        "source" => {
            let component = obj.pointer("/source/component").and_then(Value::as_str);
            let reporting = obj.get("reportingComponent").and_then(Value::as_str);
            return component.or(reporting).unwrap_or("").to_string();
        }
        _ => {}
    }
    let pointer = format!("/{}", field.replace('.', "/"));
    match obj.pointer(&pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        // Unset booleans and counters read as Go's zero values.
        None if field == "spec.hostNetwork" || field == "spec.unschedulable" => "false".into(),
        None if field.ends_with("replicas") || field == "status.successful" => "0".into(),
        _ => String::new(),
    }
}

impl Predicate {
    /// Parses the selectors of a list or watch for `group`/`resource`, rejecting fields the kind
    /// cannot be selected by.
    pub fn new(
        group: &str,
        resource: &str,
        namespaced: bool,
        params: &ListParams,
    ) -> Result<Self, StatusError> {
        let label = labels::Selector::parse(&params.label_selector)
            .map_err(|e| StatusError::new_bad_request(&e.to_string()))?;
        let extra = selectable_fields(group, resource);
        let field = fields::Selector::parse_and_transform(&params.field_selector, |f, v| {
            let known = f == "metadata.name"
                || (namespaced && f == "metadata.namespace")
                || extra.contains(&f);
            if known {
                Ok((f.to_string(), v.to_string()))
            } else if extra.is_empty() {
                // Kinds without their own field conversion use the default one's message.
                Err(fields::Error::Transform(format!(
                    "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    apimachinery::gofmt::quote(f)
                )))
            } else {
                Err(fields::Error::Transform(format!("field label not supported: {f}")))
            }
        })
        .map_err(|e| StatusError::new_bad_request(&e.to_string()))?;
        Ok(Predicate { label, field, group: group.to_string(), resource: resource.to_string() })
    }

    /// A predicate that matches everything.
    pub fn everything() -> Self {
        Predicate::default()
    }

    /// Whether the predicate matches every object.
    pub fn is_everything(&self) -> bool {
        self.label.is_empty() && self.field.is_empty()
    }

    /// Whether `obj` satisfies both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        if !self.label.is_empty() && !self.label.matches(&*obj.labels()) {
            return false;
        }
        if self.field.is_empty() {
            return true;
        }
        let mut set = BTreeMap::new();
        for req in self.field.requirements() {
            set.insert(req.field.clone(), field_value(obj, &req.field));
        }
        let _ = (&self.group, &self.resource);
        self.field.matches(&set)
    }

    /// The name the field selector pins (`metadata.name=x`), which lets a list read one key.
    pub fn exact_name(&self) -> Option<String> {
        self.field.requires_exact_match("metadata.name")
    }
}
