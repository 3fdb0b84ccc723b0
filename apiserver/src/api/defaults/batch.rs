//! Defaults of the `batch/v1` kinds (pkg/apis/batch/v1/defaults.go): jobs and cron jobs.

use k8s_openapi::api::batch::v1 as batch;

use super::core::default_pod_template_spec;

/// Job defaults: one completion and one pod at a time, six retries (unbounded when retries
/// are counted per index), labels from the template, non-indexed, not suspended, pods replaced
/// once terminating or failed (failed only under a pod failure policy),
/// no manual selector.
pub fn default_job(job: &mut batch::Job) {
    let spec = job.spec.get_or_insert_with(Default::default);
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    if spec.backoff_limit.is_none() {
        let limit = if spec.backoff_limit_per_index.is_some() { i32::MAX } else { 6 };
        spec.backoff_limit = Some(limit);
    }
    let template_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone());
    if let Some(labels) = template_labels
        && job.metadata.labels.as_ref().is_none_or(|l| l.is_empty())
    {
        job.metadata.labels = Some(labels);
    }
    spec.completion_mode.get_or_insert_with(|| "NonIndexed".to_string());
    spec.suspend.get_or_insert(false);
    default_pod_failure_policy(spec);
    if spec.pod_replacement_policy.is_none() {
        let policy =
            if spec.pod_failure_policy.is_some() { "Failed" } else { "TerminatingOrFailed" };
        spec.pod_replacement_policy = Some(policy.to_string());
    }
    spec.manual_selector.get_or_insert(false);
    default_pod_template_spec(&mut spec.template);
}

/// Cron job defaults: concurrent runs allowed, not suspended, three successful and one failed
/// job kept; the job template's pod template gets the pod spec defaults.
pub fn default_cron_job(cj: &mut batch::CronJob) {
    let spec = cj.spec.get_or_insert_with(Default::default);
    if spec.concurrency_policy.as_deref().unwrap_or_default().is_empty() {
        spec.concurrency_policy = Some("Allow".to_string());
    }
    spec.suspend.get_or_insert(false);
    spec.successful_jobs_history_limit.get_or_insert(3);
    spec.failed_jobs_history_limit.get_or_insert(1);
    if let Some(job_spec) = &mut spec.job_template.spec {
        default_pod_failure_policy(job_spec);
        default_pod_template_spec(&mut job_spec.template);
    }
}

/// Pod failure policy condition patterns match `True` conditions unless told otherwise.
fn default_pod_failure_policy(spec: &mut batch::JobSpec) {
    let rules = spec.pod_failure_policy.iter_mut().flat_map(|p| p.rules.iter_mut());
    for pattern in rules.flat_map(|r| r.on_pod_conditions.iter_mut().flatten()) {
        if pattern.status.as_deref().unwrap_or_default().is_empty() {
            pattern.status = Some("True".to_string());
        }
    }
}
