//! Printers for the API server's own configuration kinds: admission webhooks and policies,
//! flow control, APIServices, storage versions and storage version migrations.

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::util::{
    AGE, Col, NAME, Printer, age, arr, capped_list, cells, col, get, int, name, opt_s, s,
    string_map,
};

const ADMISSION: &str = "admissionregistration.k8s.io";
const FLOWCONTROL: &str = "flowcontrol.apiserver.k8s.io";

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        group: ADMISSION,
        resource: "mutatingwebhookconfigurations",
        columns: WEBHOOK,
        print: print_webhook_configuration,
    },
    Printer {
        group: ADMISSION,
        resource: "validatingwebhookconfigurations",
        columns: WEBHOOK,
        print: print_webhook_configuration,
    },
    Printer {
        group: ADMISSION,
        resource: "validatingadmissionpolicies",
        columns: VALIDATING_POLICY,
        print: print_validating_policy,
    },
    Printer {
        group: ADMISSION,
        resource: "validatingadmissionpolicybindings",
        columns: POLICY_BINDING,
        print: print_policy_binding,
    },
    Printer {
        group: ADMISSION,
        resource: "mutatingadmissionpolicies",
        columns: MUTATING_POLICY,
        print: print_mutating_policy,
    },
    Printer {
        group: ADMISSION,
        resource: "mutatingadmissionpolicybindings",
        columns: POLICY_BINDING,
        print: print_policy_binding,
    },
    Printer {
        group: FLOWCONTROL,
        resource: "flowschemas",
        columns: FLOW_SCHEMA,
        print: print_flow_schema,
    },
    Printer {
        group: FLOWCONTROL,
        resource: "prioritylevelconfigurations",
        columns: PRIORITY_LEVEL,
        print: print_priority_level,
    },
    Printer {
        group: "apiregistration.k8s.io",
        resource: "apiservices",
        columns: API_SERVICE,
        print: print_api_service,
    },
    Printer {
        group: "internal.apiserver.k8s.io",
        resource: "storageversions",
        columns: STORAGE_VERSION,
        print: print_storage_version,
    },
    Printer {
        group: "storagemigration.k8s.io",
        resource: "storageversionmigrations",
        columns: STORAGE_VERSION_MIGRATION,
        print: print_storage_version_migration,
    },
];

const WEBHOOK: &[Col] = &[
    NAME,
    col(
        "Webhooks",
        "integer",
        d::Doc::Text("Webhooks indicates the number of webhooks registered in this configuration"),
    ),
    AGE,
];

fn print_webhook_configuration(v: &Value, now: Timestamp) -> TableRow {
    cells(vec![name(v).into(), (arr(v, &["webhooks"]).len() as i64).into(), age(v, now)])
}

const PARAM_KIND: Col = col(
    "ParamKind",
    "string",
    d::Doc::Text("ParamKind specifies the kind of resources used to parameterize this policy"),
);

const VALIDATING_POLICY: &[Col] = &[
    NAME,
    col(
        "Validations",
        "integer",
        d::Doc::Text(
            "Validations indicates the number of validation rules defined in this configuration",
        ),
    ),
    PARAM_KIND,
    AGE,
];

const MUTATING_POLICY: &[Col] = &[
    NAME,
    col(
        "Mutations",
        "integer",
        d::Doc::Text(
            "Mutation indicates the number of mutations rules defined in this configuration",
        ),
    ),
    PARAM_KIND,
    AGE,
];

fn policy_row(v: &Value, rules: &str, now: Timestamp) -> TableRow {
    let param_kind = match get(v, &["spec", "paramKind"]) {
        Some(p) => format!("{}/{}", s(p, &["apiVersion"]), s(p, &["kind"])),
        None => "<unset>".to_string(),
    };
    cells(vec![
        name(v).into(),
        (arr(v, &["spec", rules]).len() as i64).into(),
        param_kind.into(),
        age(v, now),
    ])
}

fn print_validating_policy(v: &Value, now: Timestamp) -> TableRow {
    policy_row(v, "validations", now)
}

fn print_mutating_policy(v: &Value, now: Timestamp) -> TableRow {
    policy_row(v, "mutations", now)
}

const POLICY_BINDING: &[Col] = &[
    NAME,
    col(
        "PolicyName",
        "string",
        d::Doc::Text(
            "PolicyName indicates the policy definition which the policy binding binded to",
        ),
    ),
    col(
        "ParamRef",
        "string",
        d::Doc::Text("ParamRef indicates the param resource which sets the configration param"),
    ),
    AGE,
];

/// The Go (gogo-protobuf) `String()` of a `LabelSelector`, which upstream prints verbatim.
fn label_selector_go_string(sel: &Value) -> String {
    let labels = string_map(sel, &["matchLabels"])
        .iter()
        .map(|(k, v)| format!("{k}: {v},"))
        .collect::<String>();
    let exprs = arr(sel, &["matchExpressions"])
        .iter()
        .map(|e| {
            let values: Vec<&str> = arr(e, &["values"]).iter().filter_map(Value::as_str).collect();
            format!(
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
                s(e, &["key"]),
                s(e, &["operator"]),
                values.join(" ")
            )
        })
        .collect::<String>();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )
}

fn print_policy_binding(v: &Value, now: Timestamp) -> TableRow {
    let param = match get(v, &["spec", "paramRef"]) {
        None => "<unset>".to_string(),
        Some(p) => {
            let ref_name = s(p, &["name"]);
            let ns = s(p, &["namespace"]);
            if !ref_name.is_empty() {
                // A param without a namespace may be cluster-scoped or in any namespace.
                if ns.is_empty() { format!("*/{ref_name}") } else { format!("{ns}/{ref_name}") }
            } else if let Some(sel) = get(p, &["selector"]) {
                label_selector_go_string(sel)
            } else {
                "<unset>".to_string()
            }
        }
    };
    cells(vec![name(v).into(), s(v, &["spec", "policyName"]).into(), param.into(), age(v, now)])
}

const FLOW_SCHEMA: &[Col] = &[
    NAME,
    col("PriorityLevel", "string", d::FS_PRIORITY_LEVEL),
    col("MatchingPrecedence", "string", d::FS_MATCHING_PRECEDENCE),
    col("DistinguisherMethod", "string", d::FS_DISTINGUISHER),
    AGE,
    col(
        "MissingPL",
        "string",
        d::Doc::Text("references a broken or non-existent PriorityLevelConfiguration"),
    ),
];

fn print_flow_schema(v: &Value, now: Timestamp) -> TableRow {
    let distinguisher = opt_s(v, &["spec", "distinguisherMethod", "type"])
        .or_else(|| get(v, &["spec", "distinguisherMethod"]).map(|_| ""))
        .unwrap_or("<none>");
    let missing = arr(v, &["status", "conditions"])
        .iter()
        .find(|c| s(c, &["type"]) == "Dangling")
        .map_or("?", |c| s(c, &["status"]));
    cells(vec![
        name(v).into(),
        s(v, &["spec", "priorityLevelConfiguration", "name"]).into(),
        int(v, &["spec", "matchingPrecedence"]).into(),
        distinguisher.into(),
        age(v, now),
        missing.into(),
    ])
}

const PRIORITY_LEVEL: &[Col] = &[
    NAME,
    col("Type", "string", d::PL_TYPE),
    col("NominalConcurrencyShares", "string", d::PL_NCS),
    col("Queues", "string", d::PL_QUEUES),
    col("HandSize", "string", d::PL_HAND_SIZE),
    col("QueueLengthLimit", "string", d::PL_QUEUE_LENGTH),
    AGE,
];

fn print_priority_level(v: &Value, now: Timestamp) -> TableRow {
    let none = || Value::from("<none>");
    let (mut shares, mut queues, mut hand_size, mut queue_length) =
        (none(), none(), none(), none());
    if let Some(limited) = get(v, &["spec", "limited"]) {
        shares = int(limited, &["nominalConcurrencyShares"]).into();
        if let Some(q) = get(limited, &["limitResponse", "queuing"]) {
            queues = int(q, &["queues"]).into();
            hand_size = int(q, &["handSize"]).into();
            queue_length = int(q, &["queueLengthLimit"]).into();
        }
    }
    cells(vec![
        name(v).into(),
        s(v, &["spec", "type"]).into(),
        shares,
        queues,
        hand_size,
        queue_length,
        age(v, now),
    ])
}

const API_SERVICE: &[Col] = &[
    NAME,
    col(
        "Service",
        "string",
        d::Doc::Text("The reference to the service that hosts this API endpoint."),
    ),
    col("Available", "string", d::Doc::Text("Whether this service is available.")),
    AGE,
];

fn print_api_service(v: &Value, now: Timestamp) -> TableRow {
    let service = match get(v, &["spec", "service"]) {
        Some(svc) => format!("{}/{}", s(svc, &["namespace"]), s(svc, &["name"])),
        None => "Local".to_string(),
    };
    let available = arr(v, &["status", "conditions"])
        .iter()
        .find(|c| s(c, &["type"]) == "Available")
        .map_or_else(
            || "Unknown".to_string(),
            |c| {
                let status = s(c, &["status"]);
                let reason = s(c, &["reason"]);
                if status == "True" || reason.is_empty() {
                    status.to_string()
                } else {
                    format!("{status} ({reason})")
                }
            },
        );
    cells(vec![name(v).into(), service.into(), available.into(), age(v, now)])
}

const STORAGE_VERSION: &[Col] = &[
    NAME,
    col("CommonEncodingVersion", "string", d::SV_COMMON_ENCODING),
    col("StorageVersions", "string", d::SV_STORAGE_VERSIONS),
    AGE,
];

fn print_storage_version(v: &Value, now: Timestamp) -> TableRow {
    let versions = arr(v, &["status", "storageVersions"])
        .iter()
        .map(|sv| format!("{}={}", s(sv, &["apiServerID"]), s(sv, &["encodingVersion"])));
    cells(vec![
        name(v).into(),
        opt_s(v, &["status", "commonEncodingVersion"]).unwrap_or("<unset>").into(),
        capped_list(versions, 3).into(),
        age(v, now),
    ])
}

const STORAGE_VERSION_MIGRATION: &[Col] = &[
    Col { name: "Name", ty: "string", format: "", desc: d::META_NAME, priority: 0 },
    col("Resource", "string", d::Doc::Text("Fully qualified resource to migrate")),
];

fn print_storage_version_migration(v: &Value, _now: Timestamp) -> TableRow {
    let resource = format!(
        "{}.{}",
        s(v, &["spec", "resource", "resource"]),
        s(v, &["spec", "resource", "group"])
    );
    cells(vec![name(v).into(), resource.into()])
}
