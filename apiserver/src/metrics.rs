//! `/metrics`: the request, watch and storage figures kube-apiserver exports in the Prometheus
//! text format, with upstream's metric names and labels so existing dashboards and alerts work.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::endpoints::request_info::RequestInfo;

/// Upstream's buckets for `apiserver_request_duration_seconds`.
const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0,
];

/// The labels that identify what a request was about.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `LIST`, `WATCH`, `GET`, `POST`, `PUT`, `PATCH`, `APPLY`, `DELETE`, `CONNECT`.
    pub verb: String,
    /// `All` when the request was a dry run, else empty.
    pub dry_run: String,
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Resource (plural), empty for non-resource requests.
    pub resource: String,
    /// Subresource.
    pub subresource: String,
    /// `resource` (one named object), `namespace`, `cluster`, or empty.
    pub scope: String,
    /// Always `apiserver` (upstream also has `apiserver` for aggregated ones).
    pub component: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    #[prometheus(flatten)]
    request: RequestLabels,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabels {
    resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupResourceLabels {
    group: String,
    resource: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The server's metrics; cheap to update from every request.
pub struct Metrics {
    registry: Registry,
    requests: Family<CodeLabels, Counter>,
    durations: HistogramFamily<RequestLabels>,
    longrunning: Family<RequestLabels, Gauge>,
    watch_events: Family<GroupResourceLabels, Counter>,
    storage_objects: Family<ResourceLabels, Gauge>,
    resource_objects: Family<GroupResourceLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS.iter().copied())
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<CodeLabels, Counter>::default();
        registry.register(
            "apiserver_request",
            "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
            requests.clone(),
        );
        let durations: HistogramFamily<RequestLabels> =
            Family::new_with_constructor(duration_histogram);
        registry.register(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
            durations.clone(),
        );
        let longrunning = Family::<RequestLabels, Gauge>::default();
        registry.register(
            "apiserver_longrunning_requests",
            "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.",
            longrunning.clone(),
        );
        let watch_events = Family::<GroupResourceLabels, Counter>::default();
        registry.register(
            "apiserver_watch_events",
            "Number of events sent in watch clients",
            watch_events.clone(),
        );
        let storage_objects = Family::<ResourceLabels, Gauge>::default();
        registry.register(
            "apiserver_storage_objects",
            "Number of stored objects at the time of last check split by kind.",
            storage_objects.clone(),
        );
        let resource_objects = Family::<GroupResourceLabels, Gauge>::default();
        registry.register(
            "apiserver_resource_objects",
            "Number of stored objects at the time of last check split by group and resource.",
            resource_objects.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            longrunning,
            watch_events,
            storage_objects,
            resource_objects,
        }
    }

    /// Counts a finished request and records how long it took.
    pub fn observe(&self, labels: &RequestLabels, code: u16, elapsed: Duration) {
        let with_code = CodeLabels { request: labels.clone(), code: code.to_string() };
        self.requests.get_or_create(&with_code).inc();
        self.durations.get_or_create(labels).observe(elapsed.as_secs_f64());
    }

    /// Marks a long-running request (a watch) as started; it counts until the guard drops.
    pub fn long_running(self: &Arc<Self>, labels: RequestLabels) -> LongRunningGuard {
        self.longrunning.get_or_create(&labels).inc();
        LongRunningGuard { metrics: Arc::clone(self), labels }
    }

    /// The counter of events sent to watch clients of a resource (a handle a watch keeps).
    pub fn watch_events(&self, group: &str, resource: &str) -> Counter {
        let labels =
            GroupResourceLabels { group: group.to_string(), resource: resource.to_string() };
        self.watch_events.get_or_create_owned(&labels)
    }

    /// Records how many objects of a resource are stored.
    pub fn set_object_count(&self, group: &str, resource: &str, count: u64) {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        let name =
            if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") };
        self.storage_objects.get_or_create(&ResourceLabels { resource: name }).set(count);
        let labels =
            GroupResourceLabels { group: group.to_string(), resource: resource.to_string() };
        self.resource_objects.get_or_create(&labels).set(count);
    }

    /// The metrics in the text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Keeps a long-running request counted in `apiserver_longrunning_requests` while it lives.
pub struct LongRunningGuard {
    metrics: Arc<Metrics>,
    labels: RequestLabels,
}

impl std::fmt::Debug for LongRunningGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongRunningGuard").field("labels", &self.labels).finish()
    }
}

impl Drop for LongRunningGuard {
    fn drop(&mut self) {
        self.metrics.longrunning.get_or_create(&self.labels).dec();
    }
}

/// The metric labels of a request, as upstream's `CleanVerb` and scope rules give them.
pub fn request_labels(
    info: &RequestInfo,
    method: &str,
    apply: bool,
    dry_run: bool,
) -> RequestLabels {
    // Upstream reports the HTTP method, except LIST and WATCH for collections and APPLY for
    // apply patches (a deletecollection is a DELETE).
    let verb = match info.verb.as_str() {
        "list" if info.is_resource_request => "LIST".to_string(),
        "watch" if info.is_resource_request => "WATCH".to_string(),
        "patch" if apply => "APPLY".to_string(),
        _ => method.to_ascii_uppercase(),
    };
    let scope = if !info.is_resource_request {
        String::new()
    } else if !info.name.is_empty() {
        "resource".to_string()
    } else if !info.namespace.is_empty() {
        "namespace".to_string()
    } else {
        "cluster".to_string()
    };
    RequestLabels {
        verb,
        dry_run: if dry_run { "All".to_string() } else { String::new() },
        group: info.api_group.clone(),
        version: info.api_version.clone(),
        resource: info.resource.clone(),
        subresource: info.subresource.clone(),
        scope,
        component: "apiserver".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::request_info;

    fn labels(method: &str, path: &str, query: &str) -> RequestLabels {
        let q = crate::endpoints::parse_query(query);
        let info = request_info::parse(method, path, &q);
        let apply = false;
        request_labels(&info, method, apply, q.iter().any(|(k, _)| k == "dryRun"))
    }

    #[test]
    fn labels_follow_upstream_verbs_and_scopes() {
        let cases = [
            ("GET", "/api/v1/pods", "", "LIST", "cluster"),
            ("GET", "/api/v1/namespaces/a/pods", "watch=true", "WATCH", "namespace"),
            ("GET", "/api/v1/namespaces/a/pods/p", "", "GET", "resource"),
            ("POST", "/api/v1/namespaces/a/pods", "", "POST", "namespace"),
            ("DELETE", "/api/v1/namespaces/a/pods", "", "DELETE", "namespace"),
            ("GET", "/healthz", "", "GET", ""),
        ];
        for (method, path, query, verb, scope) in cases {
            let l = labels(method, path, query);
            assert_eq!((l.verb.as_str(), l.scope.as_str()), (verb, scope), "{method} {path}");
        }
        assert_eq!(labels("POST", "/api/v1/namespaces/a/pods", "dryRun=All").dry_run, "All");
    }

    #[test]
    fn encode_has_upstream_names_and_labels() {
        let m = Arc::new(Metrics::new());
        let l = labels("GET", "/apis/apps/v1/namespaces/a/deployments/d", "");
        m.observe(&l, 200, Duration::from_millis(3));
        m.set_object_count("apps", "deployments", 7);
        let guard = m.long_running(labels("GET", "/api/v1/pods", "watch=true"));
        let text = m.encode();
        assert!(text.contains("apiserver_request_total{"), "{text}");
        assert!(text.contains("code=\"200\""), "{text}");
        assert!(text.contains("resource=\"deployments\""), "{text}");
        assert!(text.contains("apiserver_request_duration_seconds_bucket{"), "{text}");
        assert!(
            text.contains("apiserver_storage_objects{resource=\"deployments.apps\"} 7"),
            "{text}"
        );
        assert!(text.contains("apiserver_longrunning_requests{verb=\"WATCH\""), "{text}");
        drop(guard);
        let text = m.encode();
        let line = text.lines().find(|l| l.starts_with("apiserver_longrunning_requests{")).unwrap();
        assert!(line.ends_with(" 0"), "{line}");
    }
}
