//! Printers for storage.k8s.io: storage classes, CSI drivers and nodes, volume attachments,
//! storage capacities and volume attributes classes.

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::util::{
    AGE, Col, NAME, Printer, age, arr, cells, col, get, name, opt_bool, opt_s, quantity, s,
};

const STORAGE: &str = "storage.k8s.io";

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        group: STORAGE,
        resource: "storageclasses",
        columns: STORAGE_CLASS,
        print: print_storage_class,
    },
    Printer {
        group: STORAGE,
        resource: "csidrivers",
        columns: CSI_DRIVER,
        print: print_csi_driver,
    },
    Printer { group: STORAGE, resource: "csinodes", columns: CSI_NODE, print: print_csi_node },
    Printer {
        group: STORAGE,
        resource: "volumeattachments",
        columns: VOLUME_ATTACHMENT,
        print: print_volume_attachment,
    },
    Printer {
        group: STORAGE,
        resource: "csistoragecapacities",
        columns: CSI_STORAGE_CAPACITY,
        print: print_csi_storage_capacity,
    },
    Printer {
        group: STORAGE,
        resource: "volumeattributesclasses",
        columns: VOLUME_ATTRIBUTES_CLASS,
        print: print_volume_attributes_class,
    },
];

const STORAGE_CLASS: &[Col] = &[
    NAME,
    col("Provisioner", "string", d::SC_PROVISIONER),
    col("ReclaimPolicy", "string", d::SC_RECLAIM_POLICY),
    col("VolumeBindingMode", "string", d::SC_BINDING_MODE),
    col("AllowVolumeExpansion", "string", d::SC_ALLOW_EXPANSION),
    AGE,
];

fn print_storage_class(v: &Value, now: Timestamp) -> TableRow {
    let annotation = |key: &str| s(v, &["metadata", "annotations", key]) == "true";
    let is_default = annotation("storageclass.kubernetes.io/is-default-class")
        || annotation("storageclass.beta.kubernetes.io/is-default-class");
    let mut class_name = name(v).to_string();
    if is_default {
        class_name.push_str(" (default)");
    }
    cells(vec![
        class_name.into(),
        s(v, &["provisioner"]).into(),
        opt_s(v, &["reclaimPolicy"]).unwrap_or("Delete").into(),
        opt_s(v, &["volumeBindingMode"]).unwrap_or("Immediate").into(),
        opt_bool(v, &["allowVolumeExpansion"]).unwrap_or(false).into(),
        age(v, now),
    ])
}

const CSI_DRIVER: &[Col] = &[
    NAME,
    col("AttachRequired", "boolean", d::CSIDRIVER_ATTACH_REQUIRED),
    col("PodInfoOnMount", "boolean", d::CSIDRIVER_POD_INFO),
    col("StorageCapacity", "boolean", d::CSIDRIVER_STORAGE_CAPACITY),
    col("TokenRequests", "string", d::CSIDRIVER_TOKEN_REQUESTS),
    col("RequiresRepublish", "boolean", d::CSIDRIVER_REQUIRES_REPUBLISH),
    col("Modes", "string", d::CSIDRIVER_MODES),
    AGE,
];

fn print_csi_driver(v: &Value, now: Timestamp) -> TableRow {
    let modes: Vec<&str> =
        arr(v, &["spec", "volumeLifecycleModes"]).iter().filter_map(Value::as_str).collect();
    let modes = if modes.is_empty() { "<none>".to_string() } else { modes.join(",") };
    let token_requests = match get(v, &["spec", "tokenRequests"]) {
        None => "<unset>".to_string(),
        Some(_) => arr(v, &["spec", "tokenRequests"])
            .iter()
            .map(|t| s(t, &["audience"]))
            .collect::<Vec<_>>()
            .join(","),
    };
    cells(vec![
        name(v).into(),
        opt_bool(v, &["spec", "attachRequired"]).unwrap_or(true).into(),
        opt_bool(v, &["spec", "podInfoOnMount"]).unwrap_or(false).into(),
        opt_bool(v, &["spec", "storageCapacity"]).unwrap_or(false).into(),
        token_requests.into(),
        opt_bool(v, &["spec", "requiresRepublish"]).unwrap_or(false).into(),
        modes.into(),
        age(v, now),
    ])
}

const CSI_NODE: &[Col] = &[
    NAME,
    col(
        "Drivers",
        "integer",
        d::Doc::Text("Drivers indicates the number of CSI drivers registered on the node"),
    ),
    AGE,
];

fn print_csi_node(v: &Value, now: Timestamp) -> TableRow {
    let drivers = arr(v, &["spec", "drivers"]).len() as i64;
    cells(vec![name(v).into(), drivers.into(), age(v, now)])
}

const VOLUME_ATTACHMENT: &[Col] = &[
    NAME,
    Col { name: "Attacher", ty: "string", format: "name", desc: d::VA_ATTACHER, priority: 0 },
    col("PV", "string", d::VA_PV),
    col("Node", "string", d::VA_NODE),
    col("Attached", "boolean", d::VA_ATTACHED),
    AGE,
];

fn print_volume_attachment(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![
        name(v).into(),
        s(v, &["spec", "attacher"]).into(),
        s(v, &["spec", "source", "persistentVolumeName"]).into(),
        s(v, &["spec", "nodeName"]).into(),
        opt_bool(v, &["status", "attached"]).unwrap_or(false).into(),
        age(v, now),
    ])
}

const CSI_STORAGE_CAPACITY: &[Col] = &[
    NAME,
    col("StorageClassName", "string", d::CSISC_CLASS),
    col("Capacity", "string", d::CSISC_CAPACITY),
];

fn print_csi_storage_capacity(v: &Value, _now: Timestamp) -> TableRow {
    let capacity = match get(v, &["capacity"]) {
        None => "<unset>".to_string(),
        Some(q) => quantity(Some(q)),
    };
    cells(vec![name(v).into(), s(v, &["storageClassName"]).into(), capacity.into()])
}

const VOLUME_ATTRIBUTES_CLASS: &[Col] =
    &[NAME, col("DriverName", "string", d::VAC_DRIVER_NAME), AGE];

fn print_volume_attributes_class(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), s(v, &["driverName"]).into(), age(v, now)])
}
