//! Printers for rbac (bindings), certificates, coordination (leases), scheduling (priority
//! classes), node (runtime classes) and policy (disruption budgets).

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::duration::human_duration;
use super::util::{
    AGE, Col, NAME, Printer, age, arr, cells, col, get, int, int_or_string, name, opt_bool,
    opt_int, or_none, s, wide,
};

const RBAC: &str = "rbac.authorization.k8s.io";
const CERTS: &str = "certificates.k8s.io";
const COORDINATION: &str = "coordination.k8s.io";

pub(super) const PRINTERS: &[Printer] = &[
    Printer { group: RBAC, resource: "rolebindings", columns: ROLE_BINDING, print: print_binding },
    Printer {
        group: RBAC,
        resource: "clusterrolebindings",
        columns: CLUSTER_ROLE_BINDING,
        print: print_binding,
    },
    Printer {
        group: CERTS,
        resource: "certificatesigningrequests",
        columns: CSR,
        print: print_csr,
    },
    Printer {
        group: CERTS,
        resource: "clustertrustbundles",
        columns: CLUSTER_TRUST_BUNDLE,
        print: print_cluster_trust_bundle,
    },
    Printer {
        group: CERTS,
        resource: "podcertificaterequests",
        columns: POD_CERTIFICATE_REQUEST,
        print: print_pod_certificate_request,
    },
    Printer { group: COORDINATION, resource: "leases", columns: LEASE, print: print_lease },
    Printer {
        group: COORDINATION,
        resource: "leasecandidates",
        columns: LEASE_CANDIDATE,
        print: print_lease_candidate,
    },
    Printer {
        group: "scheduling.k8s.io",
        resource: "priorityclasses",
        columns: PRIORITY_CLASS,
        print: print_priority_class,
    },
    Printer {
        group: "node.k8s.io",
        resource: "runtimeclasses",
        columns: RUNTIME_CLASS,
        print: print_runtime_class,
    },
    Printer { group: "policy", resource: "poddisruptionbudgets", columns: PDB, print: print_pdb },
];

const ROLE_BINDING: &[Col] = &[
    NAME,
    col("Role", "string", d::ROLEBINDING_ROLE_REF),
    AGE,
    wide("Users", "string", d::Doc::Text("Users in the roleBinding")),
    wide("Groups", "string", d::Doc::Text("Groups in the roleBinding")),
    wide("ServiceAccounts", "string", d::Doc::Text("ServiceAccounts in the roleBinding")),
];

const CLUSTER_ROLE_BINDING: &[Col] = &[
    NAME,
    col("Role", "string", d::CLUSTERROLEBINDING_ROLE_REF),
    AGE,
    wide("Users", "string", d::Doc::Text("Users in the clusterRoleBinding")),
    wide("Groups", "string", d::Doc::Text("Groups in the clusterRoleBinding")),
    wide("ServiceAccounts", "string", d::Doc::Text("ServiceAccounts in the clusterRoleBinding")),
];

fn print_binding(v: &Value, now: Timestamp) -> TableRow {
    let role_ref = format!("{}/{}", s(v, &["roleRef", "kind"]), s(v, &["roleRef", "name"]));
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for subject in arr(v, &["subjects"]) {
        let subject_name = s(subject, &["name"]);
        match s(subject, &["kind"]) {
            "ServiceAccount" => sas.push(format!("{}/{subject_name}", s(subject, &["namespace"]))),
            "User" => users.push(subject_name.to_string()),
            "Group" => groups.push(subject_name.to_string()),
            _ => {}
        }
    }
    cells(vec![
        name(v).into(),
        role_ref.into(),
        age(v, now),
        users.join(", ").into(),
        groups.join(", ").into(),
        sas.join(", ").into(),
    ])
}

const CSR: &[Col] = &[
    NAME,
    AGE,
    col("SignerName", "string", d::CSR_SIGNER_NAME),
    col("Requestor", "string", d::CSR_REQUEST),
    col("RequestedDuration", "string", d::CSR_EXPIRATION_SECONDS),
    col("Condition", "string", d::CSR_CONDITIONS),
];

/// `extractCSRStatus`: Denied over Approved over Pending, then `,Failed` and `,Issued`.
fn csr_status(v: &Value) -> String {
    let has = |t: &str| arr(v, &["status", "conditions"]).iter().any(|c| s(c, &["type"]) == t);
    let mut status = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !s(v, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

fn print_csr(v: &Value, now: Timestamp) -> TableRow {
    let requested = opt_int(v, &["spec", "expirationSeconds"]).map_or_else(
        || "<none>".to_string(),
        |secs| human_duration(secs.saturating_mul(1_000_000_000)),
    );
    cells(vec![
        name(v).into(),
        age(v, now),
        or_none(s(v, &["spec", "signerName"])).into(),
        s(v, &["spec", "username"]).into(),
        requested.into(),
        csr_status(v).into(),
    ])
}

const CLUSTER_TRUST_BUNDLE: &[Col] = &[NAME, col("SignerName", "string", d::CTB_SIGNER_NAME)];

fn print_cluster_trust_bundle(v: &Value, _now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), or_none(s(v, &["spec", "signerName"])).into()])
}

const POD_CERTIFICATE_REQUEST: &[Col] = &[
    NAME,
    col("PodName", "string", d::PCR_POD_NAME),
    col("ServiceAccountName", "string", d::PCR_SERVICE_ACCOUNT_NAME),
    col("NodeName", "string", d::PCR_NODE_NAME),
    col("SignerName", "string", d::PCR_SIGNER_NAME),
    col("State", "string", d::Doc::Text("Is the request Pending, Issued, Denied, or Failed?")),
];

fn print_pod_certificate_request(v: &Value, _now: Timestamp) -> TableRow {
    let mut state = "Pending";
    for condition in arr(v, &["status", "conditions"]) {
        match s(condition, &["type"]) {
            "Issued" => state = "Issued",
            "Denied" => state = "Denied",
            "Failed" => state = "Failed",
            _ => {}
        }
    }
    cells(vec![
        name(v).into(),
        s(v, &["spec", "podName"]).into(),
        s(v, &["spec", "serviceAccountName"]).into(),
        s(v, &["spec", "nodeName"]).into(),
        s(v, &["spec", "signerName"]).into(),
        state.into(),
    ])
}

const LEASE: &[Col] = &[NAME, col("Holder", "string", d::LEASE_HOLDER), AGE];

fn print_lease(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), s(v, &["spec", "holderIdentity"]).into(), age(v, now)])
}

const LEASE_CANDIDATE: &[Col] = &[
    NAME,
    col("LeaseName", "string", d::LEASE_CANDIDATE_LEASE_NAME),
    // Upstream looks these up in ObjectMeta's documentation, where they do not exist.
    col("BinaryVersion", "string", d::Doc::Text("")),
    col("EmulationVersion", "string", d::Doc::Text("")),
    AGE,
];

fn print_lease_candidate(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![
        name(v).into(),
        s(v, &["spec", "leaseName"]).into(),
        s(v, &["spec", "binaryVersion"]).into(),
        s(v, &["spec", "emulationVersion"]).into(),
        age(v, now),
    ])
}

const PRIORITY_CLASS: &[Col] = &[
    NAME,
    col("Value", "integer", d::PC_VALUE),
    col("Global-Default", "boolean", d::PC_GLOBAL_DEFAULT),
    AGE,
    col("PreemptionPolicy", "string", d::PC_PREEMPTION_POLICY),
];

fn print_priority_class(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![
        name(v).into(),
        int(v, &["value"]).into(),
        opt_bool(v, &["globalDefault"]).unwrap_or(false).into(),
        age(v, now),
        s(v, &["preemptionPolicy"]).into(),
    ])
}

const RUNTIME_CLASS: &[Col] = &[
    NAME,
    // Upstream looks this up in ObjectMeta's documentation, where it does not exist.
    col("Handler", "string", d::Doc::Text("")),
    AGE,
];

fn print_runtime_class(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), s(v, &["handler"]).into(), age(v, now)])
}

const PDB: &[Col] = &[
    NAME,
    col(
        "Min Available",
        "string",
        d::Doc::Text("The minimum number of pods that must be available."),
    ),
    col(
        "Max Unavailable",
        "string",
        d::Doc::Text("The maximum number of pods that may be unavailable."),
    ),
    col(
        "Allowed Disruptions",
        "integer",
        d::Doc::Text("Calculated number of pods that may be disrupted at this time."),
    ),
    AGE,
];

fn print_pdb(v: &Value, now: Timestamp) -> TableRow {
    let field = |f: &str| get(v, &["spec", f]).map_or_else(|| "N/A".to_string(), int_or_string);
    cells(vec![
        name(v).into(),
        field("minAvailable").into(),
        field("maxUnavailable").into(),
        int(v, &["status", "disruptionsAllowed"]).into(),
        age(v, now),
    ])
}
