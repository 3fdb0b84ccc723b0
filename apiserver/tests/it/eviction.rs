//! `pods/eviction` against PodDisruptionBudgets, after upstream's eviction REST tests
//! (`TestEviction`, `TestEvictionIgnorePDB`, `TestEvictionDryRun`, `TestEvictionPDBStatus`).

use super::*;

const PODS: &str = "/api/v1/namespaces/default/pods";
const PDBS: &str = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";

/// A running pod labelled `app=web`, ready or not, bound to a node (so deletion is graceful
/// unless asked otherwise).
async fn running_pod(s: &Server, name: &str, ready: bool) {
    let pod = json!({"metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}]}});
    let r = s.post(PODS, &pod).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    set_pod_status(s, name, "Running", ready).await;
}

async fn set_pod_status(s: &Server, name: &str, phase: &str, ready: bool) {
    let status = json!({"status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": if ready { "True" } else { "False" }}]}});
    let r =
        s.patch(&format!("{PODS}/{name}/status"), "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
}

/// A budget over `app=web` whose status says what the disruption controller computed.
async fn budget(s: &Server, name: &str, allowed: i64, current: i64, desired: i64) {
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"minAvailable": desired, "selector": {"matchLabels": {"app": "web"}}}});
    let r = s.post(PDBS, &pdb).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let generation = r.body["metadata"]["generation"].as_i64().unwrap();
    let status = json!({"status": {"observedGeneration": generation, "disruptionsAllowed": allowed,
        "currentHealthy": current, "desiredHealthy": desired, "expectedPods": current}});
    let r =
        s.patch(&format!("{PDBS}/{name}/status"), "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
}

fn eviction(name: &str) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": name, "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 0}})
}

async fn evict(s: &Server, name: &str) -> Reply {
    s.post(&format!("{PODS}/{name}/eviction"), &eviction(name)).await
}

#[tokio::test]
async fn test_eviction_without_budget_deletes_the_pod() {
    let s = Server::new().await;
    running_pod(&s, "p", true).await;
    let r = evict(&s, "p").await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["kind"], "Status");
    assert_eq!(r.body["status"], "Success");
    assert_eq!(s.get(&format!("{PODS}/p")).await.code, 404);
}

#[tokio::test]
async fn test_eviction_decrements_the_budget_and_then_refuses() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    running_pod(&s, "b", true).await;
    budget(&s, "web", 1, 2, 1).await;

    let r = evict(&s, "a").await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(s.get(&format!("{PODS}/a")).await.code, 404);
    let pdb = s.get(&format!("{PDBS}/web")).await.body;
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    assert!(pdb["status"]["disruptedPods"]["a"].is_string(), "{pdb}");
    let cond = &pdb["status"]["conditions"][0];
    assert_eq!(cond["type"], "DisruptionAllowed");
    assert_eq!(cond["status"], "False");
    assert_eq!(cond["reason"], "InsufficientPods");

    let r = evict(&s, "b").await;
    assert_status(
        &r,
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
    );
    let causes = &r.body["details"]["causes"];
    assert_eq!(causes[0]["reason"], "DisruptionBudget");
    assert_eq!(
        causes[0]["message"],
        "The disruption budget web needs 1 healthy pods and has 2 currently"
    );
    assert_eq!(s.get(&format!("{PODS}/b")).await.code, 200, "the refused pod stays");
}

#[tokio::test]
async fn test_eviction_ignore_pdb_for_terminal_pending_and_unready_pods() {
    let s = Server::new().await;
    budget(&s, "web", 0, 3, 2).await;
    running_pod(&s, "done", true).await;
    set_pod_status(&s, "done", "Succeeded", false).await;
    running_pod(&s, "waiting", false).await;
    set_pod_status(&s, "waiting", "Pending", false).await;
    // Unready, and the budget has enough healthy pods: evicting it costs nothing.
    running_pod(&s, "sick", false).await;
    for name in ["done", "waiting", "sick"] {
        let r = evict(&s, name).await;
        assert_eq!(r.code, 201, "{name}: {:?}", r.body);
        assert_eq!(s.get(&format!("{PODS}/{name}")).await.code, 404, "{name}");
    }
    let pdb = s.get(&format!("{PDBS}/web")).await.body;
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0, "the budget was not charged");
}

#[tokio::test]
async fn test_eviction_unhealthy_pod_eviction_policy() {
    let s = Server::new().await;
    // Not enough healthy pods: an unready pod is protected under the default policy...
    budget(&s, "web", 0, 1, 2).await;
    running_pod(&s, "sick", false).await;
    let r = evict(&s, "sick").await;
    assert_eq!(r.code, 429, "{:?}", r.body);
    // ...and evictable once the budget says AlwaysAllow.
    let r = s
        .patch(
            &format!("{PDBS}/web"),
            "application/merge-patch+json",
            &json!({"spec": {"unhealthyPodEvictionPolicy": "AlwaysAllow"}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let r = evict(&s, "sick").await;
    assert_eq!(r.code, 201, "{:?}", r.body);
}

#[tokio::test]
async fn test_eviction_pdb_status_still_being_processed() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    budget(&s, "web", 1, 2, 1).await;
    // A spec change the controller has not observed yet.
    let r = s
        .patch(
            &format!("{PDBS}/web"),
            "application/merge-patch+json",
            &json!({"spec": {"minAvailable": 0}}),
        )
        .await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let r = evict(&s, "a").await;
    assert_status(
        &r,
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
    );
    assert_eq!(r.body["details"]["retryAfterSeconds"], 10);
    assert_eq!(
        r.body["details"]["causes"][0]["message"],
        "The disruption budget web is still being processed by the server."
    );
}

#[tokio::test]
async fn test_eviction_more_than_one_budget() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    budget(&s, "one", 1, 2, 1).await;
    budget(&s, "two", 1, 2, 1).await;
    let r = evict(&s, "a").await;
    assert_eq!(r.code, 500, "{:?}", r.body);
    assert_eq!(r.body["status"], "Failure");
    assert_eq!(
        r.body["message"],
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    );
    assert_eq!(s.get(&format!("{PODS}/a")).await.code, 200);
}

#[tokio::test]
async fn test_eviction_dry_run_changes_nothing() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    budget(&s, "web", 1, 2, 1).await;
    let r = s.post(&format!("{PODS}/a/eviction?dryRun=All"), &eviction("a")).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(s.get(&format!("{PODS}/a")).await.code, 200);
    let pod = s.get(&format!("{PODS}/a")).await.body;
    let conditions = pod["status"]["conditions"].as_array().unwrap();
    assert!(conditions.iter().all(|c| c["type"] != "DisruptionTarget"), "{pod}");
    let pdb = s.get(&format!("{PDBS}/web")).await.body;
    assert_eq!(pdb["status"]["disruptionsAllowed"], 1);
}

#[tokio::test]
async fn test_eviction_graceful_pod_gets_disruption_target() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    let mut body = eviction("a");
    body["deleteOptions"] = json!({});
    let r = s.post(&format!("{PODS}/a/eviction"), &body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    // Bound pods wait out their grace period, marked as the target of a disruption.
    let pod = s.get(&format!("{PODS}/a")).await.body;
    assert!(pod["metadata"]["deletionTimestamp"].is_string(), "{pod}");
    let target = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "DisruptionTarget")
        .cloned()
        .unwrap();
    assert_eq!(target["status"], "True");
    assert_eq!(target["reason"], "EvictionByEvictionAPI");
    assert_eq!(target["message"], "Eviction API: evicting");
    // Evicting a terminating pod again is a plain success.
    let r = s.post(&format!("{PODS}/a/eviction"), &body).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
}

#[tokio::test]
async fn test_eviction_bad_input() {
    let s = Server::new().await;
    running_pod(&s, "a", true).await;
    let r = s.post(&format!("{PODS}/a/eviction"), &eviction("other")).await;
    assert_status(&r, 400, "BadRequest", "name in URL does not match name in Eviction object");
    let r = s
        .call("POST", &format!("{PODS}/a/eviction"), &[("content-type", "application/json")], b"{")
        .await;
    assert_eq!(r.code, 400, "{:?}", r.body);
    let r = evict(&s, "missing").await;
    assert_status(&r, 404, "NotFound", "pods \"missing\" not found");
    assert_eq!(s.get(&format!("{PODS}/a")).await.code, 200);
}
