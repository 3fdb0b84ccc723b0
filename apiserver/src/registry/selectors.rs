//! List and watch parameters as the REST API takes them, and the label/field predicate objects
//! are filtered with (upstream's `SelectionPredicate` and each kind's selectable fields).

use std::collections::BTreeMap;

use apimachinery::errors::StatusError;
use apimachinery::{fields, labels};
use serde_json::Value;

use super::object::ObjectMetaExt;
use crate::storage::cacher::Indexer;

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

/// The indexes the watch cache keeps for a resource, each named after the selectable field whose
/// exact match it answers. Pods are indexed by `spec.nodeName`, as upstream's pod registry
/// declares (`NodeNameIndexFunc` for lists, `NodeNameTriggerFunc` for watches): every kubelet
/// lists and watches its node's pods.
pub fn indexers(group: &str, resource: &str) -> Vec<Indexer> {
    match (group, resource) {
        ("", "pods") => vec![Indexer::new("spec.nodeName", pod_node_name)],
        _ => Vec::new(),
    }
}

/// A pod's `spec.nodeName` from its stored JSON, scanning only for that path: the value
/// [`field_value`] gives for the decoded object ("" when unset or null), or `None` when the
/// scan cannot tell (the cache then counts the pod under every node).
fn pod_node_name(bytes: &[u8]) -> Option<String> {
    apimachinery::codec::scan::string_at(bytes, &["spec", "nodeName"])
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
        self.exact_field("metadata.name")
    }

    /// The value the field selector pins `field` to with an exact `=`/`==` requirement
    /// (upstream's `RequiresExactMatch`); `!=` never pins.
    pub fn exact_field(&self, field: &str) -> Option<String> {
        self.field.requires_exact_match(field)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pods_predicate(field_selector: &str) -> Predicate {
        let params = ListParams { field_selector: field_selector.into(), ..Default::default() };
        Predicate::new("", "pods", true, &params).unwrap()
    }

    /// The pod index must agree with the field the predicate reads, or an indexed list or
    /// watch would hide pods the selector matches.
    #[test]
    fn pod_node_name_index_agrees_with_the_selectable_field() {
        let index = indexers("", "pods");
        assert_eq!(index.len(), 1);
        assert_eq!(index[0].name(), "spec.nodeName");
        let cases = [
            json!({"metadata": {"name": "a"}, "spec": {"nodeName": "node-1", "containers": []}}),
            json!({"spec": {"containers": [{"name": "c"}], "nodeName": "n\u{e9}"}}),
            json!({"metadata": {"name": "pending"}, "spec": {"containers": []}}),
            json!({"spec": {"nodeName": null}}),
            json!({"metadata": {"name": "no-spec"}}),
            json!({"spec": null}),
        ];
        for obj in cases {
            let bytes = serde_json::to_vec(&obj).unwrap();
            let want = field_value(&obj, "spec.nodeName");
            assert_eq!(pod_node_name(&bytes), Some(want.clone()), "{obj}");
            let selector = format!("spec.nodeName={want}");
            assert!(pods_predicate(&selector).matches(&obj), "{obj} under {selector}");
        }
    }

    #[test]
    fn pod_node_name_of_undecodable_bytes_is_unknown() {
        let escaped = br#"{"spec": {"nodeName": "n\u00e9\/x"}}"#;
        assert_eq!(pod_node_name(escaped), Some("n\u{e9}/x".to_string()));
        let bad: [&[u8]; 6] = [
            b"not json",
            b"[1,2]",
            br#"{"spec": 5}"#,
            br#"{"spec": {"nodeName": 7}}"#,
            b"",
            br#"{"spec": {"nodeName": "a"}"#,
        ];
        for bad in bad {
            assert_eq!(pod_node_name(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn only_resources_with_an_index_declare_one() {
        assert!(indexers("", "configmaps").is_empty());
        assert!(indexers("example.com", "pods").is_empty());
    }

    #[test]
    fn exact_field_only_for_equality() {
        assert_eq!(
            pods_predicate("spec.nodeName=n1").exact_field("spec.nodeName"),
            Some("n1".into())
        );
        assert_eq!(
            pods_predicate("spec.nodeName==n1").exact_field("spec.nodeName"),
            Some("n1".into())
        );
        assert_eq!(
            pods_predicate("status.phase=Running,spec.nodeName=n1").exact_field("spec.nodeName"),
            Some("n1".into())
        );
        assert_eq!(
            pods_predicate("spec.nodeName=").exact_field("spec.nodeName"),
            Some(String::new())
        );
        assert_eq!(pods_predicate("spec.nodeName!=n1").exact_field("spec.nodeName"), None);
        assert_eq!(pods_predicate("status.phase=Running").exact_field("spec.nodeName"), None);
        assert_eq!(pods_predicate("").exact_field("spec.nodeName"), None);
    }
}
