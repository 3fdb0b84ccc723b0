//! Printers for the batch group: jobs and cron jobs.

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::docs as d;
use super::duration::{human_duration, nanos_between};
use super::util::{
    AGE, CONTAINERS, Col, IMAGES, NAME, Printer, age, arr, bool_ptr, cells, col, format_selector,
    get, go_zero, int, layout_containers, name, opt_bool, opt_int, opt_s, s, since, time, wide,
};

pub(super) const PRINTERS: &[Printer] = &[
    Printer { group: "batch", resource: "jobs", columns: JOB, print: print_job },
    Printer { group: "batch", resource: "cronjobs", columns: CRON_JOB, print: print_cron_job },
];

const JOB: &[Col] = &[
    NAME,
    col("Status", "string", d::Doc::Text("Status of the job.")),
    col("Completions", "string", d::JOB_SUCCEEDED),
    col("Duration", "string", d::Doc::Text("Time required to complete the job.")),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::JOB_SELECTOR),
];

/// `hasJobCondition`: the first condition of the type decides.
fn has_condition(job: &Value, type_: &str) -> bool {
    arr(job, &["status", "conditions"])
        .iter()
        .find(|c| s(c, &["type"]) == type_)
        .is_some_and(|c| s(c, &["status"]) == "True")
}

fn print_job(v: &Value, now: Timestamp) -> TableRow {
    let succeeded = int(v, &["status", "succeeded"]);
    let completions = match opt_int(v, &["spec", "completions"]) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int(v, &["spec", "parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    // A set startTime is never Go's zero time in practice; if it were, Go would measure from it.
    let at = |field: &str| {
        get(v, &["status", field]).map(|_| time(v, &["status", field]).unwrap_or_else(go_zero))
    };
    let duration = match (at("startTime"), at("completionTime")) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(nanos_between(start, now)),
        (Some(start), Some(end)) => human_duration(nanos_between(start, end)),
    };
    let status = if has_condition(v, "Complete") {
        "Complete"
    } else if has_condition(v, "Failed") {
        "Failed"
    } else if get(v, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else if has_condition(v, "Suspended") {
        "Suspended"
    } else if has_condition(v, "FailureTarget") {
        "FailureTarget"
    } else if has_condition(v, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    };
    let (names, images) = layout_containers(arr(v, &["spec", "template", "spec", "containers"]));
    cells(vec![
        name(v).into(),
        status.into(),
        completions.into(),
        duration.into(),
        age(v, now),
        names.into(),
        images.into(),
        format_selector(v, &["spec", "selector"]).into(),
    ])
}

const CRON_JOB: &[Col] = &[
    NAME,
    col("Schedule", "string", d::CRONJOB_SCHEDULE),
    col("Timezone", "string", d::CRONJOB_TIME_ZONE),
    col("Suspend", "boolean", d::CRONJOB_SUSPEND),
    col("Active", "integer", d::CRONJOB_ACTIVE),
    col("Last Schedule", "string", d::CRONJOB_LAST_SCHEDULE),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", d::JOB_SELECTOR),
];

fn print_cron_job(v: &Value, now: Timestamp) -> TableRow {
    let last_schedule = match get(v, &["status", "lastScheduleTime"]) {
        Some(_) => since(time(v, &["status", "lastScheduleTime"]), now),
        None => "<none>".to_string(),
    };
    let (names, images) = layout_containers(arr(
        v,
        &["spec", "jobTemplate", "spec", "template", "spec", "containers"],
    ));
    cells(vec![
        name(v).into(),
        s(v, &["spec", "schedule"]).into(),
        opt_s(v, &["spec", "timeZone"]).unwrap_or("<none>").into(),
        bool_ptr(opt_bool(v, &["spec", "suspend"])).into(),
        (arr(v, &["status", "active"]).len() as i64).into(),
        last_schedule.into(),
        age(v, now),
        names.into(),
        images.into(),
        format_selector(v, &["spec", "jobTemplate", "spec", "selector"]).into(),
    ])
}
