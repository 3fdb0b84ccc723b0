//! Printers for resource.k8s.io (dynamic resource allocation): device classes, resource
//! claims and their templates, resource slices and device taint rules.

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::core::{NAME_AGE, print_name_age};
use super::docs as d;
use super::util::{AGE, Col, NAME, Printer, age, arr, cells, col, get, name, s, since, time};

const RESOURCE: &str = "resource.k8s.io";

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        group: RESOURCE,
        resource: "deviceclasses",
        columns: NAME_AGE,
        print: print_name_age,
    },
    Printer {
        group: RESOURCE,
        resource: "resourceclaims",
        columns: RESOURCE_CLAIM,
        print: print_resource_claim,
    },
    Printer {
        group: RESOURCE,
        resource: "resourceclaimtemplates",
        columns: NAME_AGE,
        print: print_name_age,
    },
    Printer {
        group: RESOURCE,
        resource: "resourceslices",
        columns: RESOURCE_SLICE,
        print: print_resource_slice,
    },
    Printer {
        group: RESOURCE,
        resource: "devicetaintrules",
        columns: DEVICE_TAINT_RULE,
        print: print_device_taint_rule,
    },
];

const RESOURCE_CLAIM: &[Col] = &[
    NAME,
    col(
        "State",
        "string",
        d::Doc::Text("A summary of the current state (allocated, pending, reserved, etc.)."),
    ),
    AGE,
];

/// `resourceClaimState`: `deleted`, `pending`, `allocated`, `reserved`, comma-joined.
fn claim_state(v: &Value) -> String {
    let deleted = get(v, &["metadata", "deletionTimestamp"]).is_some();
    let mut states = Vec::new();
    if deleted {
        states.push("deleted");
    }
    if get(v, &["status", "allocation"]).is_none() {
        if !deleted {
            states.push("pending");
        }
    } else {
        states.push("allocated");
        if !arr(v, &["status", "reservedFor"]).is_empty() {
            states.push("reserved");
        }
    }
    states.join(",")
}

fn print_resource_claim(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), claim_state(v).into(), age(v, now)])
}

const RESOURCE_SLICE: &[Col] = &[
    NAME,
    col("Node", "string", d::RSLICE_NODE),
    col("Driver", "string", d::RSLICE_DRIVER),
    col("Pool", "string", d::RSLICE_POOL),
    AGE,
];

fn print_resource_slice(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![
        name(v).into(),
        s(v, &["spec", "nodeName"]).into(),
        s(v, &["spec", "driver"]).into(),
        s(v, &["spec", "pool", "name"]).into(),
        age(v, now),
    ])
}

const DEVICE_TAINT_RULE: &[Col] = &[
    NAME,
    col("Key", "string", d::TAINT_KEY),
    col("Value", "string", d::TAINT_VALUE),
    col("Effect", "string", d::TAINT_EFFECT),
    col("TimeAdded", "string", d::TAINT_TIME_ADDED),
    AGE,
];

fn print_device_taint_rule(v: &Value, now: Timestamp) -> TableRow {
    let time_added = match get(v, &["spec", "taint", "timeAdded"]) {
        Some(_) => since(time(v, &["spec", "taint", "timeAdded"]), now),
        None => String::new(),
    };
    cells(vec![
        name(v).into(),
        s(v, &["spec", "taint", "key"]).into(),
        s(v, &["spec", "taint", "value"]).into(),
        s(v, &["spec", "taint", "effect"]).into(),
        time_added.into(),
        age(v, now),
    ])
}
