//! Printers for the core ("") group: pods, services, nodes, events, volumes and the rest of
//! `/api/v1`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use apimachinery::codec::{TableRow, TableRowCondition};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::util::{
    AGE, CONTAINERS, Col, IMAGES, NAME, Printer, age, arr, cells, col, format_labels, get, int,
    layout_containers, map_len, name, opt_s, or_none, quantity, s, since, string_map, time, wide,
};

pub(super) const PRINTERS: &[Printer] = &[
    Printer { group: "", resource: "pods", columns: POD, print: print_pod },
    Printer {
        group: "",
        resource: "podtemplates",
        columns: POD_TEMPLATE,
        print: print_pod_template,
    },
    Printer {
        group: "",
        resource: "replicationcontrollers",
        columns: RC,
        print: print_replication_controller,
    },
    Printer { group: "", resource: "services", columns: SERVICE, print: print_service },
    Printer { group: "", resource: "endpoints", columns: ENDPOINTS, print: print_endpoints },
    Printer { group: "", resource: "nodes", columns: NODE, print: print_node },
    Printer { group: "", resource: "events", columns: EVENT, print: print_event },
    Printer { group: "events.k8s.io", resource: "events", columns: EVENT, print: print_events_v1 },
    Printer { group: "", resource: "namespaces", columns: NAMESPACE, print: print_namespace },
    Printer { group: "", resource: "secrets", columns: SECRET, print: print_secret },
    Printer { group: "", resource: "serviceaccounts", columns: NAME_AGE, print: print_name_age },
    Printer { group: "", resource: "configmaps", columns: CONFIGMAP, print: print_configmap },
    Printer { group: "", resource: "persistentvolumes", columns: PV, print: print_pv },
    Printer { group: "", resource: "persistentvolumeclaims", columns: PVC, print: print_pvc },
    Printer {
        group: "",
        resource: "resourcequotas",
        columns: RESOURCE_QUOTA,
        print: print_resource_quota,
    },
    Printer {
        group: "",
        resource: "componentstatuses",
        columns: COMPONENT_STATUS,
        print: print_component_status,
    },
];

/// Name and Age only (service accounts, and several kinds in other groups).
pub(super) const NAME_AGE: &[Col] = &[NAME, AGE];

/// Prints the Name and Age columns.
pub(super) fn print_name_age(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), age(v, now)])
}

const POD: &[Col] = &[
    NAME,
    col(
        "Ready",
        "string",
        d::Doc::Text("The aggregate readiness state of this pod for accepting traffic."),
    ),
    col("Status", "string", d::Doc::Text("The aggregate status of the containers in this pod.")),
    col(
        "Restarts",
        "string",
        d::Doc::Text(
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        ),
    ),
    AGE,
    wide("IP", "string", d::POD_IP),
    wide("Node", "string", d::POD_NODE_NAME),
    wide("Nominated Node", "string", d::POD_NOMINATED_NODE),
    wide("Readiness Gates", "string", d::POD_READINESS_GATES),
];

/// The latest of two restart dates; `None` is Go's zero time, before everything.
fn later(current: Option<Timestamp>, candidate: Option<Timestamp>) -> Option<Timestamp> {
    match (current, candidate) {
        (Some(c), Some(n)) if c < n => Some(n),
        (None, Some(n)) => Some(n),
        (c, _) => c,
    }
}

fn terminated_finished_at(status: &Value) -> Option<Timestamp> {
    get(status, &["lastState", "terminated"])?;
    time(status, &["lastState", "terminated", "finishedAt"])
}

fn print_pod(pod: &Value, now: Timestamp) -> TableRow {
    let mut restarts = 0i64;
    let mut restartable_init_restarts = 0i64;
    let containers = arr(pod, &["spec", "containers"]);
    let init_specs = arr(pod, &["spec", "initContainers"]);
    let mut total = containers.len();
    let mut ready = 0usize;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_init_restart: Option<Timestamp> = None;

    let phase = s(pod, &["status", "phase"]);
    let mut reason = phase.to_string();
    if let Some(r) = opt_s(pod, &["status", "reason"]).filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    for condition in arr(pod, &["status", "conditions"]) {
        if s(condition, &["type"]) == "PodScheduled"
            && s(condition, &["reason"]) == "SchedulingGated"
        {
            reason = "SchedulingGated".to_string();
        }
    }

    let mut row = TableRow::default();
    match phase {
        "Succeeded" => {
            row.conditions =
                vec![completed_condition("Succeeded", "The pod has completed successfully.")]
        }
        "Failed" => row.conditions = vec![completed_condition("Failed", "The pod failed.")],
        _ => {}
    }

    let mut restartable: HashMap<&str, bool> = HashMap::new();
    for c in init_specs {
        let always = s(c, &["restartPolicy"]) == "Always";
        restartable.insert(s(c, &["name"]), always);
        if always {
            total += 1;
        }
    }
    let is_restartable = |name: &str| restartable.get(name).copied().unwrap_or(false);

    let mut initializing = false;
    for (i, status) in arr(pod, &["status", "initContainerStatuses"]).iter().enumerate() {
        let count = int(status, &["restartCount"]);
        restarts += count;
        let finished = terminated_finished_at(status);
        last_restart = later(last_restart, finished);
        let cname = s(status, &["name"]);
        if is_restartable(cname) {
            restartable_init_restarts += count;
            last_restartable_init_restart = later(last_restartable_init_restart, finished);
        }
        let terminated = get(status, &["state", "terminated"]);
        let waiting_reason = s(status, &["state", "waiting", "reason"]);
        let started = status.get("started").and_then(Value::as_bool).unwrap_or(false);
        if terminated.is_some_and(|t| int(t, &["exitCode"]) == 0) {
            continue;
        }
        if is_restartable(cname) && started {
            if status.get("ready").and_then(Value::as_bool).unwrap_or(false) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            let r = s(t, &["reason"]);
            reason = if !r.is_empty() {
                format!("Init:{r}")
            } else if int(t, &["signal"]) != 0 {
                format!("Init:Signal:{}", int(t, &["signal"]))
            } else {
                format!("Init:ExitCode:{}", int(t, &["exitCode"]))
            };
        } else if get(status, &["state", "waiting"]).is_some()
            && !waiting_reason.is_empty()
            && waiting_reason != "PodInitializing"
        {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = arr(pod, &["status", "conditions"])
        .iter()
        .find(|c| s(c, &["type"]) == "Initialized")
        .is_some_and(|c| s(c, &["status"]) == "True");
    if !initializing || initialized {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        let mut error_reason = String::new();
        for status in arr(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts += int(status, &["restartCount"]);
            last_restart = later(last_restart, terminated_finished_at(status));
            let waiting = get(status, &["state", "waiting"]);
            let terminated = get(status, &["state", "terminated"]);
            if let Some(w) = waiting.filter(|w| !s(w, &["reason"]).is_empty()) {
                reason = s(w, &["reason"]).to_string();
            } else if let Some(t) = terminated {
                let r = s(t, &["reason"]);
                reason = if !r.is_empty() {
                    r.to_string()
                } else if int(t, &["signal"]) != 0 {
                    format!("Signal:{}", int(t, &["signal"]))
                } else {
                    format!("ExitCode:{}", int(t, &["exitCode"]))
                };
                if int(t, &["exitCode"]) != 0 {
                    error_reason = reason.clone();
                }
            } else if status.get("ready").and_then(Value::as_bool).unwrap_or(false)
                && get(status, &["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" {
            let pod_ready = arr(pod, &["status", "conditions"])
                .iter()
                .any(|c| s(c, &["type"]) == "Ready" && s(c, &["status"]) == "True");
            if has_running && pod_ready {
                reason = "Running".to_string();
            } else if !error_reason.is_empty() {
                reason = error_reason;
            } else if has_running {
                reason = "NotReady".to_string();
            }
        }
    }

    let deleting = get(pod, &["metadata", "deletionTimestamp"]).is_some();
    if deleting && s(pod, &["status", "reason"]) == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_string();
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(t), now)),
        _ => restarts.to_string(),
    };

    let pod_ip = arr(pod, &["status", "podIPs"]).first().map_or("", |ip| s(ip, &["ip"]));
    let gates = arr(pod, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = arr(pod, &["status", "conditions"]);
        let true_conditions = gates
            .iter()
            .filter(|g| {
                let wanted = s(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| s(c, &["type"]) == wanted)
                    .is_some_and(|c| s(c, &["status"]) == "True")
            })
            .count();
        format!("{true_conditions}/{}", gates.len())
    };
    row.cells = vec![
        name(pod).into(),
        format!("{ready}/{total}").into(),
        reason.into(),
        restarts_cell.into(),
        age(pod, now),
        or_none(pod_ip).into(),
        or_none(s(pod, &["spec", "nodeName"])).into(),
        or_none(s(pod, &["status", "nominatedNodeName"])).into(),
        readiness_gates.into(),
    ];
    row
}

fn completed_condition(reason: &str, message: &str) -> TableRowCondition {
    TableRowCondition {
        type_: "Completed".into(),
        status: "True".into(),
        reason: reason.into(),
        message: message.into(),
    }
}

const POD_TEMPLATE: &[Col] = &[
    NAME,
    col("Containers", "string", d::Doc::Text("Names of each container in the template.")),
    col("Images", "string", d::Doc::Text("Images referenced by each container in the template.")),
    col("Pod Labels", "string", d::Doc::Text("The labels for the pod template.")),
];

fn print_pod_template(v: &Value, _now: Timestamp) -> TableRow {
    let (names, images) = layout_containers(arr(v, &["template", "spec", "containers"]));
    cells(vec![
        name(v).into(),
        names.into(),
        images.into(),
        format_labels(v, &["template", "metadata", "labels"]).into(),
    ])
}

const RC: &[Col] = &[
    NAME,
    col("Desired", "integer", d::RC_SPEC_REPLICAS),
    col("Current", "integer", d::RC_STATUS_REPLICAS),
    col("Ready", "integer", d::RC_STATUS_READY),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::RC_SPEC_SELECTOR),
];

fn print_replication_controller(v: &Value, now: Timestamp) -> TableRow {
    let (names, images) = layout_containers(arr(v, &["spec", "template", "spec", "containers"]));
    cells(vec![
        name(v).into(),
        int(v, &["spec", "replicas"]).into(),
        int(v, &["status", "replicas"]).into(),
        int(v, &["status", "readyReplicas"]).into(),
        age(v, now),
        names.into(),
        images.into(),
        format_labels(v, &["spec", "selector"]).into(),
    ])
}

const SERVICE: &[Col] = &[
    NAME,
    col("Type", "string", d::SVC_TYPE),
    col("Cluster-IP", "string", d::SVC_CLUSTER_IP),
    col("External-IP", "string", d::SVC_EXTERNAL_IPS),
    col("Port(s)", "string", d::SVC_PORTS),
    AGE,
    wide("Selector", "string", d::SVC_SELECTOR),
];

/// `loadBalancerStatusStringer` in wide form: the sorted, de-duplicated IPs or hostnames.
pub(super) fn load_balancer_ingress(ingress: &[Value]) -> String {
    let set: BTreeSet<&str> = ingress
        .iter()
        .filter_map(|i| {
            let ip = s(i, &["ip"]);
            let host = s(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

fn service_external_ip(v: &Value) -> String {
    let external: Vec<&str> =
        arr(v, &["spec", "externalIPs"]).iter().filter_map(Value::as_str).collect();
    match s(v, &["spec", "type"]) {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_ingress(arr(v, &["status", "loadBalancer", "ingress"]));
            if !external.is_empty() {
                let mut results: Vec<&str> = Vec::new();
                if !lb.is_empty() {
                    results.extend(lb.split(','));
                }
                results.extend(external);
                return results.join(",");
            }
            if lb.is_empty() { "<pending>".to_string() } else { lb }
        }
        "ExternalName" => s(v, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    }
}

fn print_service(v: &Value, now: Timestamp) -> TableRow {
    let cluster_ip = arr(v, &["spec", "clusterIPs"]).first().and_then(Value::as_str);
    let ports: Vec<String> = arr(v, &["spec", "ports"])
        .iter()
        .map(|p| {
            let port = int(p, &["port"]);
            let protocol = s(p, &["protocol"]);
            match int(p, &["nodePort"]) {
                n if n > 0 => format!("{port}:{n}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    cells(vec![
        name(v).into(),
        s(v, &["spec", "type"]).into(),
        cluster_ip.unwrap_or("<none>").into(),
        service_external_ip(v).into(),
        or_none(&ports.join(",")).into(),
        age(v, now),
        format_labels(v, &["spec", "selector"]).into(),
    ])
}

const ENDPOINTS: &[Col] = &[NAME, col("Endpoints", "string", d::ENDPOINTS_SUBSETS), AGE];

/// Go's `net.JoinHostPort`.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

fn format_endpoints(v: &Value) -> String {
    let subsets = arr(v, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addresses = arr(ss, &["addresses"]);
        let ports = arr(ss, &["ports"]);
        if ports.is_empty() {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(s(a, &["ip"]).to_string());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(s(a, &["ip"]), int(port, &["port"])));
            }
        }
    }
    let ret = list.join(",");
    if more { format!("{ret} + {} more...", count - MAX) } else { ret }
}

fn print_endpoints(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), format_endpoints(v).into(), age(v, now)])
}

const NODE: &[Col] = &[
    NAME,
    col("Status", "string", d::Doc::Text("The status of the node")),
    col("Roles", "string", d::Doc::Text("The roles of the node")),
    AGE,
    col("Version", "string", d::NODE_KUBELET_VERSION),
    wide("Internal-IP", "string", d::NODE_ADDRESSES),
    wide("External-IP", "string", d::NODE_ADDRESSES),
    wide("OS-Image", "string", d::NODE_OS_IMAGE),
    wide("Kernel-Version", "string", d::NODE_KERNEL_VERSION),
    wide("Container-Runtime", "string", d::NODE_CONTAINER_RUNTIME),
];

fn node_address(v: &Value, kind: &str) -> String {
    arr(v, &["status", "addresses"])
        .iter()
        .find(|a| s(a, &["type"]) == kind)
        .map_or_else(|| "<none>".to_string(), |a| s(a, &["address"]).to_string())
}

fn node_roles(v: &Value) -> String {
    let mut roles = BTreeSet::new();
    for (k, val) in string_map(v, &["metadata", "labels"]) {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == "kubernetes.io/role" && !val.is_empty() {
            roles.insert(val);
        }
    }
    let joined = roles.into_iter().collect::<Vec<_>>().join(",");
    or_none(&joined)
}

fn print_node(v: &Value, now: Timestamp) -> TableRow {
    // The last Ready condition wins, as in upstream's map keyed by type.
    let ready = arr(v, &["status", "conditions"]).iter().rev().find(|c| s(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if s(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if get(v, &["spec", "unschedulable"]).and_then(Value::as_bool).unwrap_or(false) {
        status.push("SchedulingDisabled");
    }
    let info = |field: &str| {
        let value = s(v, &["status", "nodeInfo", field]);
        if value.is_empty() { "<unknown>".to_string() } else { value.to_string() }
    };
    cells(vec![
        name(v).into(),
        status.join(",").into(),
        node_roles(v).into(),
        age(v, now),
        s(v, &["status", "nodeInfo", "kubeletVersion"]).into(),
        node_address(v, "InternalIP").into(),
        node_address(v, "ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ])
}

const EVENT: &[Col] = &[
    col("Last Seen", "string", d::EVENT_LAST_TIMESTAMP),
    col("Type", "string", d::EVENT_TYPE),
    col("Reason", "string", d::EVENT_REASON),
    col("Object", "string", d::EVENT_INVOLVED_OBJECT),
    wide("Subobject", "string", d::OBJECT_REFERENCE_FIELD_PATH),
    wide("Source", "string", d::EVENT_SOURCE),
    col("Message", "string", d::EVENT_MESSAGE),
    wide("First Seen", "string", d::EVENT_FIRST_TIMESTAMP),
    wide("Count", "string", d::EVENT_COUNT),
    Col { name: "Name", ty: "string", format: "name", desc: d::META_NAME, priority: 1 },
];

/// The fields of an event the printer reads, whichever API version served it.
struct EventView<'a> {
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    event_time: Option<Timestamp>,
    count: i64,
    series: Option<(i64, Option<Timestamp>)>,
    kind: &'a str,
    object_name: &'a str,
    field_path: &'a str,
    type_: &'a str,
    reason: &'a str,
    message: &'a str,
    component: &'a str,
    host: &'a str,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
}

fn print_event(v: &Value, now: Timestamp) -> TableRow {
    let view = EventView {
        first: time(v, &["firstTimestamp"]),
        last: time(v, &["lastTimestamp"]),
        event_time: time(v, &["eventTime"]),
        count: int(v, &["count"]),
        series: get(v, &["series"])
            .map(|se| (int(se, &["count"]), time(se, &["lastObservedTime"]))),
        kind: s(v, &["involvedObject", "kind"]),
        object_name: s(v, &["involvedObject", "name"]),
        field_path: s(v, &["involvedObject", "fieldPath"]),
        type_: s(v, &["type"]),
        reason: s(v, &["reason"]),
        message: s(v, &["message"]),
        component: s(v, &["source", "component"]),
        host: s(v, &["source", "host"]),
        reporting_controller: s(v, &["reportingComponent"]),
        reporting_instance: s(v, &["reportingInstance"]),
    };
    event_row(v, &view, now)
}

/// events.k8s.io/v1 events: the same storage and printer, with the fields renamed.
fn print_events_v1(v: &Value, now: Timestamp) -> TableRow {
    let view = EventView {
        first: time(v, &["deprecatedFirstTimestamp"]),
        last: time(v, &["deprecatedLastTimestamp"]),
        event_time: time(v, &["eventTime"]),
        count: int(v, &["deprecatedCount"]),
        series: get(v, &["series"])
            .map(|se| (int(se, &["count"]), time(se, &["lastObservedTime"]))),
        kind: s(v, &["regarding", "kind"]),
        object_name: s(v, &["regarding", "name"]),
        field_path: s(v, &["regarding", "fieldPath"]),
        type_: s(v, &["type"]),
        reason: s(v, &["reason"]),
        message: s(v, &["note"]),
        component: s(v, &["deprecatedSource", "component"]),
        host: s(v, &["deprecatedSource", "host"]),
        reporting_controller: s(v, &["reportingController"]),
        reporting_instance: s(v, &["reportingInstance"]),
    };
    event_row(v, &view, now)
}

fn event_row(v: &Value, e: &EventView<'_>, now: Timestamp) -> TableRow {
    let first = if e.first.is_some() { since(e.first, now) } else { since(e.event_time, now) };
    let mut last = if e.last.is_some() { since(e.last, now) } else { first.clone() };
    let mut count = e.count;
    if let Some((series_count, observed)) = e.series {
        last = since(observed, now);
        count = series_count;
    } else if count == 0 {
        count = 1;
    }
    let kind = e.kind.to_lowercase();
    let target = if e.object_name.is_empty() { kind } else { format!("{kind}/{}", e.object_name) };
    let component = if e.component.is_empty() { e.reporting_controller } else { e.component };
    let instance = if e.host.is_empty() { e.reporting_instance } else { e.host };
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    cells(vec![
        last.into(),
        e.type_.into(),
        e.reason.into(),
        target.into(),
        e.field_path.into(),
        source.into(),
        e.message.trim().into(),
        first.into(),
        count.into(),
        name(v).into(),
    ])
}

const NAMESPACE: &[Col] =
    &[NAME, col("Status", "string", d::Doc::Text("The status of the namespace")), AGE];

fn print_namespace(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), s(v, &["status", "phase"]).into(), age(v, now)])
}

const SECRET: &[Col] =
    &[NAME, col("Type", "string", d::SECRET_TYPE), col("Data", "string", d::SECRET_DATA), AGE];

fn print_secret(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), s(v, &["type"]).into(), map_len(v, &["data"]).into(), age(v, now)])
}

const CONFIGMAP: &[Col] = &[NAME, col("Data", "string", d::CONFIGMAP_DATA), AGE];

fn print_configmap(v: &Value, now: Timestamp) -> TableRow {
    let count = map_len(v, &["data"]) + map_len(v, &["binaryData"]);
    cells(vec![name(v).into(), count.into(), age(v, now)])
}

/// `helper.GetAccessModesAsString`.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|x| x.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| has(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

const PV: &[Col] = &[
    NAME,
    col("Capacity", "string", d::PV_CAPACITY),
    col("Access Modes", "string", d::PV_ACCESS_MODES),
    col("Reclaim Policy", "string", d::PV_RECLAIM_POLICY),
    col("Status", "string", d::PV_STATUS_PHASE),
    col("Claim", "string", d::PV_CLAIM_REF),
    col("StorageClass", "string", d::Doc::Text("StorageClass of the pv")),
    col("VolumeAttributesClass", "string", d::Doc::Text("VolumeAttributesClass of the pv")),
    col("Reason", "string", d::PV_STATUS_REASON),
    AGE,
    wide("VolumeMode", "string", d::PV_VOLUME_MODE),
];

fn print_pv(v: &Value, now: Timestamp) -> TableRow {
    let claim = match get(v, &["spec", "claimRef"]) {
        Some(c) => format!("{}/{}", s(c, &["namespace"]), s(c, &["name"])),
        None => String::new(),
    };
    let phase = if get(v, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else {
        s(v, &["status", "phase"])
    };
    let class = opt_s(v, &["metadata", "annotations", BETA_STORAGE_CLASS])
        .unwrap_or_else(|| s(v, &["spec", "storageClassName"]));
    cells(vec![
        name(v).into(),
        quantity(get(v, &["spec", "capacity", "storage"])).into(),
        access_modes(arr(v, &["spec", "accessModes"])).into(),
        s(v, &["spec", "persistentVolumeReclaimPolicy"]).into(),
        phase.into(),
        claim.into(),
        class.into(),
        opt_s(v, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>").into(),
        s(v, &["status", "reason"]).into(),
        age(v, now),
        opt_s(v, &["spec", "volumeMode"]).unwrap_or("<unset>").into(),
    ])
}

const PVC: &[Col] = &[
    NAME,
    col("Status", "string", d::PVC_STATUS_PHASE),
    col("Volume", "string", d::PVC_VOLUME_NAME),
    col("Capacity", "string", d::PVC_STATUS_CAPACITY),
    col("Access Modes", "string", d::PVC_STATUS_ACCESS_MODES),
    col("StorageClass", "string", d::Doc::Text("StorageClass of the pvc")),
    col("VolumeAttributesClass", "string", d::Doc::Text("VolumeAttributesClass of the pvc")),
    AGE,
    wide("VolumeMode", "string", d::PVC_VOLUME_MODE),
];

fn print_pvc(v: &Value, now: Timestamp) -> TableRow {
    let phase = if get(v, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else {
        s(v, &["status", "phase"])
    };
    let volume = s(v, &["spec", "volumeName"]);
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(get(v, &["status", "capacity", "storage"])),
            access_modes(arr(v, &["status", "accessModes"])),
        )
    };
    let class = opt_s(v, &["metadata", "annotations", BETA_STORAGE_CLASS])
        .or_else(|| opt_s(v, &["spec", "storageClassName"]))
        .unwrap_or("");
    cells(vec![
        name(v).into(),
        phase.into(),
        volume.into(),
        capacity.into(),
        modes.into(),
        class.into(),
        opt_s(v, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>").into(),
        age(v, now),
        opt_s(v, &["spec", "volumeMode"]).unwrap_or("<unset>").into(),
    ])
}

const RESOURCE_QUOTA: &[Col] = &[
    NAME,
    col(
        "Request",
        "string",
        d::Doc::Text(
            "Request represents a minimum amount of cpu/memory that a container may consume.",
        ),
    ),
    col(
        "Limit",
        "string",
        d::Doc::Text(
            "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
        ),
    ),
    AGE,
];

fn print_resource_quota(v: &Value, now: Timestamp) -> TableRow {
    let hard: BTreeMap<&str, &Value> = get(v, &["status", "hard"])
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    for (resource, hard_qty) in hard {
        let used = quantity(get(v, &["status", "used", resource]));
        let entry = format!("{resource}: {used}/{}", quantity(Some(hard_qty)));
        let mut pieces = resource.split('.');
        let is_limit = pieces.next() == Some("limits") && pieces.next().is_some();
        if is_limit { limits.push(entry) } else { requests.push(entry) }
    }
    cells(vec![name(v).into(), requests.join(", ").into(), limits.join(", ").into(), age(v, now)])
}

const COMPONENT_STATUS: &[Col] = &[
    NAME,
    col("Status", "string", d::Doc::Text("Status of the component conditions")),
    col("Message", "string", d::Doc::Text("Message of the component conditions")),
    col("Error", "string", d::Doc::Text("Error of the component conditions")),
];

fn print_component_status(v: &Value, _now: Timestamp) -> TableRow {
    let healthy = arr(v, &["conditions"]).iter().find(|c| s(c, &["type"]) == "Healthy");
    let (status, message, error) = match healthy {
        Some(c) => (
            if s(c, &["status"]) == "True" { "Healthy" } else { "Unhealthy" },
            s(c, &["message"]),
            s(c, &["error"]),
        ),
        None => ("Unknown", "", ""),
    };
    cells(vec![name(v).into(), status.into(), message.into(), error.into()])
}
