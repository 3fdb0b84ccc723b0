//! `POST pods/<name>/eviction`: deletes a pod only when its PodDisruptionBudget allows it
//! (upstream's `EvictionREST`): terminal, pending and terminating pods go at once; otherwise the
//! one budget selecting the pod must have a disruption to spare, which the eviction takes by
//! decrementing `disruptionsAllowed` and recording the pod in `disruptedPods` before the delete.

use std::sync::Arc;
use std::time::Duration;

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupResource;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::resource::{Output, body_format, decode_raw, encode, negotiate_output};
use super::{ApiServer, Body, Ctx};
use crate::registry::{
    DeleteOptions, ListParams, ObjectMetaExt, Predicate, Store, WriteOptions, now_rfc3339,
};

/// Past this many evictions not yet confirmed by the disruption controller, a budget refuses
/// more (upstream's `MaxDisruptedPodSize`).
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;

/// The cause type upstream puts on refusals for a budget (`policyv1.DisruptionBudgetCause`).
pub const DISRUPTION_BUDGET_CAUSE: &str = "DisruptionBudget";

/// Attempts for a budget or pod write that loses a race (upstream's `EvictionsRetry`: 20 steps
/// of about 500 ms).
const RETRY_STEPS: usize = 20;
const RETRY_DELAY: Duration = Duration::from_millis(500);

const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
}

fn pdb_resource() -> GroupResource {
    GroupResource { group: "policy".into(), resource: "poddisruptionbudget".into() }
}

fn phase(pod: &Value) -> &str {
    pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or("")
}

/// Pods whose eviction cannot hurt availability: already terminal, not yet running, or going.
fn can_ignore_pdb(pod: &Value) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed" | "Pending") || pod.is_being_deleted()
}

/// Whether a delete must be pinned to the resourceVersion read, so a pod that turns ready in
/// between is not deleted behind a budget's back.
fn should_enforce_resource_version(pod: &Value) -> bool {
    !(matches!(phase(pod), "Succeeded" | "Failed") || pod.is_being_deleted())
}

fn is_pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// The request's delete options: those in the Eviction body, with the query's dry run merged
/// in as upstream's `propagateDryRun`.
fn delete_options(eviction: &Value, write: &WriteOptions) -> Result<DeleteOptions, StatusError> {
    let mut o = DeleteOptions::default();
    let d = eviction.get("deleteOptions").filter(|d| d.is_object());
    let body_dry_run: Vec<String> = d
        .and_then(|d| d.get("dryRun"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let query_dry_run: Vec<String> = if write.dry_run { vec!["All".into()] } else { vec![] };
    if !body_dry_run.is_empty() && !query_dry_run.is_empty() && body_dry_run != query_dry_run {
        return Err(StatusError::new_internal_error(format!(
            "Non-matching dry-run options in request and content: [{}] and [{}]",
            query_dry_run.join(" "),
            body_dry_run.join(" ")
        )));
    }
    o.dry_run = write.dry_run || body_dry_run.iter().any(|d| d == "All");
    if let Some(d) = d {
        o.grace_period_seconds = d.get("gracePeriodSeconds").and_then(Value::as_i64);
        o.propagation_policy =
            d.get("propagationPolicy").and_then(Value::as_str).map(str::to_string);
        o.precondition_uid =
            d.pointer("/preconditions/uid").and_then(Value::as_str).map(str::to_string);
        o.precondition_resource_version =
            d.pointer("/preconditions/resourceVersion").and_then(Value::as_str).map(str::to_string);
    }
    Ok(o)
}

/// `POST pods/<name>/eviction`.
pub(super) async fn eviction(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    pods: &Arc<Store>,
    namespace: &str,
    name: &str,
    body: Bytes,
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let out = Output { protobuf: false, ..negotiate_output(ctx, true)? };
    let eviction = decode_raw(&body, body_format(ctx)?)?;
    if eviction.name() != name {
        return Err(StatusError::new_bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let options = delete_options(&eviction, write)?;
    let rv_unset = options.precondition_resource_version.is_none();

    // Pods the budget does not protect are deleted directly; a conflict on the pinned
    // resourceVersion means the pod changed under us, so read it again.
    let mut pod = Value::Null;
    for attempt in 0..RETRY_STEPS {
        pod = pods.get(namespace, name).await?;
        if !can_ignore_pdb(&pod) {
            break;
        }
        let mut o = options.clone();
        if should_enforce_resource_version(&pod) && rv_unset {
            o.precondition_resource_version = Some(pod.resource_version().to_string());
        }
        match add_condition_and_delete(pods, namespace, name, o).await {
            Ok(()) => return Ok(encode(&out, StatusCode::CREATED, &success())),
            Err(e) if e.code() == 409 && rv_unset && attempt + 1 < RETRY_STEPS => {
                tokio::time::sleep(jittered(RETRY_DELAY)).await;
            }
            Err(e) => return Err(e),
        }
    }

    let budgets = matching_budgets(server, namespace, &pod).await?;
    if budgets.len() > 1 {
        let status = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            "code": 500,
        });
        return Ok(encode(&out, StatusCode::INTERNAL_SERVER_ERROR, &status));
    }
    let mut pin_resource_version = false;
    let mut budget_name = String::new();
    if let Some(pdb) = budgets.into_iter().next() {
        budget_name = pdb.name().to_string();
        let unhealthy_always_allowed =
            pdb.pointer("/spec/unhealthyPodEvictionPolicy").and_then(Value::as_str)
                == Some("AlwaysAllow");
        let current = int(&pdb, "/status/currentHealthy");
        let desired = int(&pdb, "/status/desiredHealthy");
        // An unready pod does not count as healthy: taking it costs the budget nothing.
        if !is_pod_ready(&pod) && (unhealthy_always_allowed || (current >= desired && desired > 0))
        {
            pin_resource_version = true;
        } else {
            check_and_decrement(server, namespace, name, &budget_name, options.dry_run).await?;
        }
    }

    let mut o = options.clone();
    if pin_resource_version {
        o.precondition_resource_version = Some(pod.resource_version().to_string());
    }
    match add_condition_and_delete(pods, namespace, name, o).await {
        Ok(()) => Ok(encode(&out, StatusCode::CREATED, &success())),
        Err(e) if e.code() == 409 && pin_resource_version && rv_unset => {
            Err(still_processing(&budget_name))
        }
        Err(e) => Err(e),
    }
}

/// `d` plus up to 10% (upstream's jitter of 0.1), from the per-process random hash seed.
fn jittered(d: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let r = std::collections::hash_map::RandomState::new().build_hasher().finish();
    d.mul_f64(1.0 + (r % 1000) as f64 / 10_000.0)
}

fn still_processing(budget: &str) -> StatusError {
    StatusError::new_too_many_requests(VIOLATION, 10).with_cause(
        DISRUPTION_BUDGET_CAUSE,
        &format!("The disruption budget {budget} is still being processed by the server."),
        "",
    )
}

/// The budgets in the pod's namespace whose (non-empty, valid) selector matches the pod.
async fn matching_budgets(
    server: &Arc<ApiServer>,
    namespace: &str,
    pod: &Value,
) -> Result<Vec<Value>, StatusError> {
    let Some(store) = server.registry.store("policy", "poddisruptionbudgets") else {
        return Ok(Vec::new());
    };
    let page =
        store.list(Some(namespace), &ListParams::default(), &Predicate::everything()).await?;
    let labels = pod.labels();
    Ok(page
        .items
        .into_iter()
        .filter(|pdb| {
            let selector = pdb.pointer("/spec/selector").cloned().and_then(|s| {
                serde_json::from_value::<
                    k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
                >(s)
                .ok()
            });
            match apimachinery::labels::label_selector_as_selector(selector.as_ref()) {
                // A nil or empty selector matches nothing here, not everything.
                Ok(s) => !s.is_empty() && !s.matches_nothing() && s.matches(&labels),
                Err(_) => false,
            }
        })
        .collect())
}

/// Takes one disruption from the budget (upstream's `checkAndDecrement`), retrying when the
/// budget changed under us; refusals are 429s with a `DisruptionBudget` cause.
async fn check_and_decrement(
    server: &Arc<ApiServer>,
    namespace: &str,
    pod_name: &str,
    budget: &str,
    dry_run: bool,
) -> Result<(), StatusError> {
    let Some(store) = server.registry.store("policy", "poddisruptionbudgets") else {
        return Ok(());
    };
    let pod = pod_name.to_string();
    let decrement = move |current: Option<&Value>| -> Result<Value, StatusError> {
        let Some(pdb) = current else {
            return Err(StatusError::new_not_found(&pdb_resource(), ""));
        };
        let mut pdb = pdb.clone();
        let name = pdb.name().to_string();
        if int(&pdb, "/status/observedGeneration") < int(&pdb, "/metadata/generation") {
            return Err(still_processing(&name));
        }
        let allowed = int(&pdb, "/status/disruptionsAllowed");
        if allowed < 0 {
            return Err(StatusError::new_forbidden(
                &pdb_resource(),
                &name,
                "pdb disruptions allowed is negative",
            ));
        }
        let disrupted = pdb.pointer("/status/disruptedPods").and_then(Value::as_object);
        if disrupted.is_some_and(|d| d.len() > MAX_DISRUPTED_POD_SIZE) {
            return Err(StatusError::new_forbidden(
                &pdb_resource(),
                &name,
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            ));
        }
        if allowed == 0 {
            return Err(StatusError::new_too_many_requests(VIOLATION, 0).with_cause(
                DISRUPTION_BUDGET_CAUSE,
                &format!(
                    "The disruption budget {name} needs {} healthy pods and has {} currently",
                    int(&pdb, "/status/desiredHealthy"),
                    int(&pdb, "/status/currentHealthy"),
                ),
                "",
            ));
        }
        let now = now_rfc3339();
        let status = pdb
            .as_object_mut()
            .map(|o| o.entry("status").or_insert_with(|| json!({})))
            .filter(|s| s.is_object());
        let Some(status) = status else {
            return Err(StatusError::new_internal_error("PodDisruptionBudget without a status"));
        };
        status["disruptionsAllowed"] = json!(allowed - 1);
        if allowed - 1 == 0 {
            set_disruption_allowed_false(status, &now);
        }
        if !status["disruptedPods"].is_object() {
            status["disruptedPods"] = json!({});
        }
        status["disruptedPods"][&pod] = json!(now);
        Ok(pdb)
    };
    if dry_run {
        // Check only: the budget itself is not written in a dry run.
        let current = store.get(namespace, budget).await?;
        return decrement(Some(&current)).map(|_| ());
    }
    let write = WriteOptions::default();
    let mut last = None;
    for _ in 0..RETRY_STEPS {
        match store.update(namespace, budget, Some("status"), &decrement, false, &write).await {
            Ok(_) => return Ok(()),
            Err(e) if e.code() == 409 && e.reason().as_str() == "Conflict" => {
                last = Some(e);
                tokio::time::sleep(jittered(RETRY_DELAY)).await;
            }
            Err(e) => return Err(e),
        }
    }
    tracing::debug!(?last, budget, "eviction gave up on a contended PodDisruptionBudget");
    Err(StatusError::new_timeout_error(
        &format!("couldn't update PodDisruptionBudget \"{budget}\" due to conflicts"),
        10,
    ))
}

/// `UpdateDisruptionAllowedCondition` once no disruption is left: `DisruptionAllowed` False
/// with reason `InsufficientPods`, its transition time moved only when its status changes.
fn set_disruption_allowed_false(status: &mut Value, now: &str) {
    let observed = status.get("observedGeneration").cloned().unwrap_or(json!(0));
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(conditions) = status["conditions"].as_array_mut() else { return };
    if let Some(c) = conditions.iter_mut().find(|c| c["type"] == "DisruptionAllowed") {
        if c["status"] != "False" {
            c["lastTransitionTime"] = json!(now);
        }
        c["status"] = json!("False");
        c["reason"] = json!("InsufficientPods");
        c["observedGeneration"] = observed;
    } else {
        conditions.push(json!({
            "type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
            "message": "", "observedGeneration": observed, "lastTransitionTime": now,
        }));
    }
}

/// Marks the pod with the `DisruptionTarget` condition (unless dry run), then deletes it; a
/// resourceVersion precondition moves to the version the condition write produced.
async fn add_condition_and_delete(
    pods: &Arc<Store>,
    namespace: &str,
    name: &str,
    mut options: DeleteOptions,
) -> Result<(), StatusError> {
    if !options.dry_run {
        let pinned = options.precondition_resource_version.clone();
        let gr = pods.group_resource();
        let n = name.to_string();
        let add = move |current: Option<&Value>| -> Result<Value, StatusError> {
            let Some(current) = current else { return Err(StatusError::new_not_found(&gr, &n)) };
            if let Some(rv) = &pinned
                && current.resource_version() != rv
            {
                return Err(StatusError::new_conflict(
                    &gr,
                    &n,
                    "the object has been modified; please apply your changes to the latest version and try again",
                ));
            }
            let mut pod = current.clone();
            set_disruption_target(&mut pod);
            Ok(pod)
        };
        let (updated, _) = pods
            .update(namespace, name, Some("status"), &add, false, &WriteOptions::default())
            .await?;
        if options.precondition_resource_version.is_some() {
            options.precondition_resource_version = Some(updated.resource_version().to_string());
        }
    }
    pods.delete(namespace, name, &options).await.map(|_| ())
}

/// `podutil.UpdatePodCondition` with `DisruptionTarget=True` (reason `EvictionByEvictionAPI`).
fn set_disruption_target(pod: &mut Value) {
    let now = now_rfc3339();
    let Some(obj) = pod.as_object_mut() else { return };
    let status = obj.entry("status").or_insert_with(|| json!({}));
    if !status.is_object() {
        *status = json!({});
    }
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(conditions) = status["conditions"].as_array_mut() else { return };
    let wanted = json!({
        "type": "DisruptionTarget", "status": "True", "lastProbeTime": null,
        "lastTransitionTime": now, "reason": "EvictionByEvictionAPI",
        "message": "Eviction API: evicting",
    });
    match conditions.iter_mut().find(|c| c["type"] == "DisruptionTarget") {
        Some(c) => {
            let keep_time = c["status"] == "True";
            let old_time = c["lastTransitionTime"].clone();
            *c = wanted;
            if keep_time {
                c["lastTransitionTime"] = old_time;
            }
        }
        None => conditions.push(wanted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_that_skip_the_budget() {
        let cases = [
            (json!({"status": {"phase": "Succeeded"}}), true, false),
            (json!({"status": {"phase": "Failed"}}), true, false),
            (json!({"status": {"phase": "Pending"}}), true, true),
            (json!({"status": {"phase": "Running"}}), false, true),
            (json!({"status": {}}), false, true),
            (
                json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}, "status": {"phase": "Running"}}),
                true,
                false,
            ),
        ];
        for (pod, ignore, enforce) in cases {
            assert_eq!(can_ignore_pdb(&pod), ignore, "{pod}");
            assert_eq!(should_enforce_resource_version(&pod), enforce, "{pod}");
        }
    }

    #[test]
    fn dry_run_options_must_agree() {
        let ev = json!({"deleteOptions": {"dryRun": ["All"], "gracePeriodSeconds": 5}});
        let o =
            delete_options(&ev, &WriteOptions { dry_run: false, ..Default::default() }).unwrap();
        assert!(o.dry_run);
        assert_eq!(o.grace_period_seconds, Some(5));
        let o = delete_options(&json!({}), &WriteOptions { dry_run: true, ..Default::default() })
            .unwrap();
        assert!(o.dry_run);
        let ev = json!({"deleteOptions": {"dryRun": ["Other"]}});
        let err =
            delete_options(&ev, &WriteOptions { dry_run: true, ..Default::default() }).unwrap_err();
        assert_eq!(
            err.message(),
            "Internal error occurred: Non-matching dry-run options in request and content: [All] and [Other]"
        );
    }

    #[test]
    fn disruption_allowed_condition_flips_once() {
        let mut status = json!({"observedGeneration": 3, "conditions": [
            {"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
             "lastTransitionTime": "2026-01-01T00:00:00Z"}]});
        set_disruption_allowed_false(&mut status, "2026-02-02T00:00:00Z");
        let c = &status["conditions"][0];
        assert_eq!(c["status"], "False");
        assert_eq!(c["reason"], "InsufficientPods");
        assert_eq!(c["observedGeneration"], 3);
        assert_eq!(c["lastTransitionTime"], "2026-02-02T00:00:00Z");
        set_disruption_allowed_false(&mut status, "2026-03-03T00:00:00Z");
        assert_eq!(status["conditions"][0]["lastTransitionTime"], "2026-02-02T00:00:00Z");
    }
}
