//! Printers for the apps group: deployments, replica sets, stateful sets, daemon sets and
//! controller revisions.

use apimachinery::codec::TableRow;
use apimachinery::labels::label_selector_as_selector;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::util::{
    AGE, CONTAINERS, Col, IMAGES, NAME, Printer, age, arr, cells, col, format_labels,
    format_selector, group_kind, int, label_selector, layout_containers, name, s, wide,
};

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        group: "apps",
        resource: "deployments",
        columns: DEPLOYMENT,
        print: print_deployment,
    },
    Printer {
        group: "apps",
        resource: "replicasets",
        columns: REPLICA_SET,
        print: print_replica_set,
    },
    Printer {
        group: "apps",
        resource: "statefulsets",
        columns: STATEFUL_SET,
        print: print_stateful_set,
    },
    Printer { group: "apps", resource: "daemonsets", columns: DAEMON_SET, print: print_daemon_set },
    Printer {
        group: "apps",
        resource: "controllerrevisions",
        columns: CONTROLLER_REVISION,
        print: print_controller_revision,
    },
];

fn containers(v: &Value) -> (String, String) {
    layout_containers(arr(v, &["spec", "template", "spec", "containers"]))
}

const DEPLOYMENT: &[Col] = &[
    NAME,
    col("Ready", "string", d::Doc::Text("Number of the pod with ready state")),
    col("Up-to-date", "string", d::DEPLOY_UPDATED),
    col("Available", "string", d::DEPLOY_AVAILABLE),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::DEPLOY_SELECTOR),
];

fn print_deployment(v: &Value, now: Timestamp) -> TableRow {
    // Unlike the other workloads, an empty selector prints as "" and a bad one as "<invalid>".
    let selector =
        match label_selector_as_selector(label_selector(v, &["spec", "selector"]).as_ref()) {
            Ok(sel) => sel.to_string(),
            Err(_) => "<invalid>".to_string(),
        };
    let (names, images) = containers(v);
    cells(vec![
        name(v).into(),
        format!("{}/{}", int(v, &["status", "readyReplicas"]), int(v, &["spec", "replicas"]))
            .into(),
        int(v, &["status", "updatedReplicas"]).into(),
        int(v, &["status", "availableReplicas"]).into(),
        age(v, now),
        names.into(),
        images.into(),
        selector.into(),
    ])
}

const REPLICA_SET: &[Col] = &[
    NAME,
    col("Desired", "integer", d::RS_SPEC_REPLICAS),
    col("Current", "integer", d::RS_STATUS_REPLICAS),
    col("Ready", "integer", d::RS_STATUS_READY),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::RS_SPEC_SELECTOR),
];

fn print_replica_set(v: &Value, now: Timestamp) -> TableRow {
    let (names, images) = containers(v);
    cells(vec![
        name(v).into(),
        int(v, &["spec", "replicas"]).into(),
        int(v, &["status", "replicas"]).into(),
        int(v, &["status", "readyReplicas"]).into(),
        age(v, now),
        names.into(),
        images.into(),
        format_selector(v, &["spec", "selector"]).into(),
    ])
}

const STATEFUL_SET: &[Col] = &[
    NAME,
    col("Ready", "string", d::Doc::Text("Number of the pod with ready state")),
    AGE,
    CONTAINERS,
    IMAGES,
];

fn print_stateful_set(v: &Value, now: Timestamp) -> TableRow {
    let (names, images) = containers(v);
    cells(vec![
        name(v).into(),
        format!("{}/{}", int(v, &["status", "readyReplicas"]), int(v, &["spec", "replicas"]))
            .into(),
        age(v, now),
        names.into(),
        images.into(),
    ])
}

const DAEMON_SET: &[Col] = &[
    NAME,
    col("Desired", "integer", d::DS_DESIRED),
    col("Current", "integer", d::DS_CURRENT),
    col("Ready", "integer", d::DS_READY),
    col("Up-to-date", "integer", d::DS_UPDATED),
    col("Available", "integer", d::DS_AVAILABLE),
    col("Node Selector", "string", d::POD_NODE_SELECTOR),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::DS_SELECTOR),
];

fn print_daemon_set(v: &Value, now: Timestamp) -> TableRow {
    let (names, images) = containers(v);
    cells(vec![
        name(v).into(),
        int(v, &["status", "desiredNumberScheduled"]).into(),
        int(v, &["status", "currentNumberScheduled"]).into(),
        int(v, &["status", "numberReady"]).into(),
        int(v, &["status", "updatedNumberScheduled"]).into(),
        int(v, &["status", "numberAvailable"]).into(),
        format_labels(v, &["spec", "template", "spec", "nodeSelector"]).into(),
        age(v, now),
        names.into(),
        images.into(),
        format_selector(v, &["spec", "selector"]).into(),
    ])
}

const CONTROLLER_REVISION: &[Col] = &[
    NAME,
    col("Controller", "string", d::Doc::Text("Controller of the object")),
    col("Revision", "string", d::CONTROLLER_REVISION_REVISION),
    AGE,
];

fn print_controller_revision(v: &Value, now: Timestamp) -> TableRow {
    let controller = arr(v, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool).unwrap_or(false));
    let controller_name = match controller {
        None => "<none>".to_string(),
        Some(r) => {
            // schema.ParseGroupVersion: "v1" is the core group, "group/version" otherwise.
            let api_version = s(r, &["apiVersion"]);
            let group = match api_version.split_once('/') {
                Some((group, _)) => group,
                None => "",
            };
            let kind = s(r, &["kind"]);
            let ref_name = s(r, &["name"]);
            if group.is_empty() && kind.is_empty() {
                ref_name.to_string()
            } else {
                format!("{}/{ref_name}", group_kind(group, kind).to_lowercase())
            }
        }
    };
    cells(vec![name(v).into(), controller_name.into(), int(v, &["revision"]).into(), age(v, now)])
}
