//! Printer for HorizontalPodAutoscalers, served as autoscaling/v2 or autoscaling/v1 (whose CPU
//! target is read as the Resource metric upstream converts it to).

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::docs as d;
use super::util::{
    AGE, Col, NAME, Printer, age, arr, cells, col, get, int, name, opt_int, quantity, quantity_ptr,
    s,
};

pub(super) const PRINTERS: &[Printer] = &[Printer {
    group: "autoscaling",
    resource: "horizontalpodautoscalers",
    columns: HPA,
    print: print_hpa,
}];

const HPA: &[Col] = &[
    NAME,
    col("Reference", "string", d::HPA_SCALE_TARGET_REF),
    col("Targets", "string", d::HPA_METRICS),
    col("MinPods", "string", d::HPA_MIN_REPLICAS),
    col("MaxPods", "string", d::HPA_MAX_REPLICAS),
    col("Replicas", "string", d::HPA_CURRENT_REPLICAS),
    AGE,
];

/// The v2 metric specs and statuses of an HPA in either served version.
fn metrics(v: &Value) -> (Vec<Value>, Vec<Value>) {
    let v1 = s(v, &["apiVersion"]) == "autoscaling/v1"
        || get(v, &["spec", "targetCPUUtilizationPercentage"]).is_some();
    if !v1 {
        return (
            arr(v, &["spec", "metrics"]).to_vec(),
            arr(v, &["status", "currentMetrics"]).to_vec(),
        );
    }
    let specs = opt_int(v, &["spec", "targetCPUUtilizationPercentage"])
        .map(|target| {
            vec![json!({"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": target}}})]
        })
        .unwrap_or_default();
    let statuses = opt_int(v, &["status", "currentCPUUtilizationPercentage"])
        .map(|current| {
            vec![json!({"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": current}}})]
        })
        .unwrap_or_default();
    (specs, statuses)
}

/// `formatHPAMetrics`: up to two targets as `current/target`.
fn format_metrics(specs: &[Value], statuses: &[Value]) -> String {
    if specs.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 2;
    let mut list = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        // The status at the same index, if it carries the same source.
        let status = |source: &str| statuses.get(i).and_then(|st| get(st, &[source]));
        let entry = match s(spec, &["type"]) {
            "External" | "Object" => {
                let source = if s(spec, &["type"]) == "External" { "external" } else { "object" };
                let target = get(spec, &[source, "target"]);
                let target_field = |f: &str| target.and_then(|t| get(t, &[f]));
                if let Some(avg) = target_field("averageValue") {
                    let current = status(source)
                        .and_then(|st| get(st, &["current", "averageValue"]))
                        .map_or_else(|| "<unknown>".to_string(), |q| quantity(Some(q)));
                    format!("{current}/{} (avg)", quantity(Some(avg)))
                } else {
                    let current = status(source).map_or_else(
                        || "<unknown>".to_string(),
                        |st| quantity_ptr(get(st, &["current", "value"])),
                    );
                    format!("{current}/{}", quantity_ptr(target_field("value")))
                }
            }
            "Pods" => {
                let current = status("pods").map_or_else(
                    || "<unknown>".to_string(),
                    |st| quantity_ptr(get(st, &["current", "averageValue"])),
                );
                format!(
                    "{current}/{}",
                    quantity_ptr(get(spec, &["pods", "target", "averageValue"]))
                )
            }
            "Resource" | "ContainerResource" => {
                let source =
                    if s(spec, &["type"]) == "Resource" { "resource" } else { "containerResource" };
                let resource = s(spec, &[source, "name"]);
                if let Some(avg) = get(spec, &[source, "target", "averageValue"]) {
                    let current = status(source).map_or_else(
                        || "<unknown>".to_string(),
                        |st| quantity_ptr(get(st, &["current", "averageValue"])),
                    );
                    format!("{resource}: {current}/{}", quantity(Some(avg)))
                } else {
                    let current = status(source)
                        .and_then(|st| opt_int(st, &["current", "averageUtilization"]))
                        .map_or_else(|| "<unknown>".to_string(), |u| format!("{u}%"));
                    let target = opt_int(spec, &[source, "target", "averageUtilization"])
                        .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                    format!("{resource}: {current}/{target}")
                }
            }
            _ => "<unknown type>".to_string(),
        };
        list.push(entry);
    }
    let count = list.len();
    if count > MAX {
        list.truncate(MAX);
        return format!("{} + {} more...", list.join(", "), count - MAX);
    }
    list.join(", ")
}

fn print_hpa(v: &Value, now: Timestamp) -> TableRow {
    let reference = format!(
        "{}/{}",
        s(v, &["spec", "scaleTargetRef", "kind"]),
        s(v, &["spec", "scaleTargetRef", "name"])
    );
    let (specs, statuses) = metrics(v);
    let min_pods = opt_int(v, &["spec", "minReplicas"])
        .map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    cells(vec![
        name(v).into(),
        reference.into(),
        format_metrics(&specs, &statuses).into(),
        min_pods.into(),
        int(v, &["spec", "maxReplicas"]).into(),
        int(v, &["status", "currentReplicas"]).into(),
        age(v, now),
    ])
}
