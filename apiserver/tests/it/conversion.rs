//! Built-in kinds served at more than one version from one storage: HorizontalPodAutoscalers
//! through `autoscaling/v1` and `autoscaling/v2`, Events through core `v1` and
//! `events.k8s.io/v1`. Every read, list, watch, write and patch is in the request's version,
//! converted as upstream converts through its internal types.

use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use super::{Reply, Server, assert_status};

const HPA_V1: &str = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const HPA_V2: &str = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const CORE_EVENTS: &str = "/api/v1/namespaces/default/events";
const EVENTS_V1: &str = "/apis/events.k8s.io/v1/namespaces/default/events";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
const METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";
const CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// An open watch stream decoding one JSON event per line.
struct Stream {
    body: http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>,
    buf: Vec<u8>,
}

impl Stream {
    async fn open(s: &Server, path: &str) -> Stream {
        let req = Request::builder().method("GET").uri(path).body(Full::new(Bytes::new())).unwrap();
        let resp =
            apiserver::endpoints::handle(s.api(), req, apiserver::authn::UserInfo::anonymous())
                .await;
        assert_eq!(resp.status(), 200, "{path}");
        Stream { body: resp.into_body(), buf: Vec::new() }
    }

    async fn next(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return serde_json::from_slice(&line).unwrap();
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .expect("no event in time");
            match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                _ => panic!("watch ended"),
            }
        }
    }
}

async fn get_as(s: &Server, path: &str, accept: &str) -> Reply {
    s.call("GET", path, &[("accept", accept)], b"").await
}

fn hpa_v2(name: &str) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 50}}},
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}},
        },
    })
}

fn annotations(v: &Value) -> serde_json::Map<String, Value> {
    v.pointer("/metadata/annotations").and_then(Value::as_object).cloned().unwrap_or_default()
}

#[tokio::test]
async fn test_hpa_created_as_v2_reads_as_v1_and_v2() {
    let s = Server::new().await;
    let r = s.post(HPA_V2, &hpa_v2("web")).await;
    assert_eq!(r.code, 201, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "autoscaling/v2");
    let metrics = hpa_v2("web")["spec"]["metrics"].clone();
    assert_eq!(r.body["spec"]["metrics"], metrics);
    assert_eq!(r.body["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 60);
    assert!(annotations(&r.body).is_empty(), "{}", r.body);

    // v1: the CPU target, the rest in annotations.
    let v1 = s.get(&format!("{HPA_V1}/web")).await;
    assert_eq!(v1.code, 200, "{}", v1.body);
    assert_eq!(v1.body["apiVersion"], "autoscaling/v1");
    assert_eq!(v1.body["kind"], "HorizontalPodAutoscaler");
    assert_eq!(v1.body["spec"]["targetCPUUtilizationPercentage"], 50);
    assert_eq!(v1.body["spec"]["minReplicas"], 2);
    assert!(v1.body["spec"].get("metrics").is_none() && v1.body["spec"].get("behavior").is_none());
    assert_eq!(v1.body["status"], json!({"currentReplicas": 0, "desiredReplicas": 0}));
    let a = annotations(&v1.body);
    assert_eq!(
        a[METRICS],
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]"#
    );
    let behavior: Value = serde_json::from_str(a[BEHAVIOR].as_str().unwrap()).unwrap();
    assert_eq!(behavior["ScaleDown"]["StabilizationWindowSeconds"], 60);
    assert_eq!(behavior["ScaleUp"]["SelectPolicy"], "Max");
    assert_eq!(v1.body["metadata"]["resourceVersion"], r.body["metadata"]["resourceVersion"]);

    // v2 reads back what was written.
    let v2 = s.get(&format!("{HPA_V2}/web")).await;
    assert_eq!(v2.body["apiVersion"], "autoscaling/v2");
    assert_eq!(v2.body["spec"], r.body["spec"]);
    assert!(annotations(&v2.body).is_empty());

    // Lists in each version.
    let l1 = s.get(HPA_V1).await;
    assert_eq!(l1.body["kind"], "HorizontalPodAutoscalerList");
    assert_eq!(l1.body["apiVersion"], "autoscaling/v1");
    assert_eq!(l1.body["items"][0]["spec"]["targetCPUUtilizationPercentage"], 50);
    assert!(l1.body["items"][0]["metadata"]["annotations"][METRICS].is_string());
    let l2 = s.get(HPA_V2).await;
    assert_eq!(l2.body["apiVersion"], "autoscaling/v2");
    assert_eq!(l2.body["items"][0]["spec"]["metrics"], metrics);

    // Tables print every metric whichever version asks (upstream prints the internal object);
    // the row's object is in the request's version.
    let t = get_as(&s, &format!("{HPA_V1}?includeObject=Object"), TABLE).await;
    assert_eq!(t.body["kind"], "Table", "{}", t.body);
    assert_eq!(t.body["rows"][0]["cells"][2], "memory: <unknown>/100Mi, cpu: <unknown>/50%");
    assert_eq!(t.body["rows"][0]["object"]["apiVersion"], "autoscaling/v1");
    assert_eq!(t.body["rows"][0]["object"]["spec"]["targetCPUUtilizationPercentage"], 50);
    let t = get_as(&s, &format!("{HPA_V1}/web"), TABLE).await;
    assert_eq!(t.body["rows"][0]["cells"][2], "memory: <unknown>/100Mi, cpu: <unknown>/50%");
    assert_eq!(t.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");

    // Metadata-only reads carry the stored object's metadata, as upstream's do.
    let pom = get_as(
        &s,
        &format!("{HPA_V1}/web"),
        "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
    )
    .await;
    assert_eq!(pom.body["kind"], "PartialObjectMetadata");
    assert_eq!(pom.body["metadata"]["name"], "web");
    assert!(annotations(&pom.body).is_empty(), "{}", pom.body);
}

#[tokio::test]
async fn test_hpa_writes_through_v1_keep_v2_only_fields() {
    let s = Server::new().await;
    assert_eq!(s.post(HPA_V2, &hpa_v2("web")).await.code, 201);
    let stored = s.get(&format!("{HPA_V2}/web")).await.body;

    // A v1 client reads, changes the bounds and writes back: the other metric and the
    // behavior survive through the annotations.
    let mut v1 = s.get(&format!("{HPA_V1}/web")).await.body;
    v1["spec"]["maxReplicas"] = json!(7);
    let r = s.put(&format!("{HPA_V1}/web"), &v1).await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "autoscaling/v1");
    assert_eq!(r.body["spec"]["maxReplicas"], 7);
    assert!(annotations(&r.body).contains_key(METRICS));
    let v2 = s.get(&format!("{HPA_V2}/web")).await.body;
    assert_eq!(v2["spec"]["maxReplicas"], 7);
    assert_eq!(v2["spec"]["metrics"], stored["spec"]["metrics"]);
    assert_eq!(v2["spec"]["behavior"], stored["spec"]["behavior"]);
    assert!(annotations(&v2).is_empty(), "round-trip annotations are never stored: {v2}");
    assert_eq!(v2["metadata"]["generation"], 2);
    // Field ownership is recorded in the writer's version.
    let managers: Vec<(String, String)> = v2["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["apiVersion"].as_str().unwrap().into(), m["operation"].as_str().unwrap().into())
        })
        .collect();
    assert!(managers.contains(&("autoscaling/v1".into(), "Update".into())), "{managers:?}");

    // A merge patch applies to the v1 object: its annotations carry the memory metric.
    let r = s
        .patch(
            &format!("{HPA_V1}/web"),
            "application/merge-patch+json",
            &json!({"spec": {"targetCPUUtilizationPercentage": 65}}),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(r.body["spec"]["targetCPUUtilizationPercentage"], 65);
    let v2 = s.get(&format!("{HPA_V2}/web")).await.body;
    assert_eq!(
        v2["spec"]["metrics"],
        json!([
            {"type": "Resource", "resource": {"name": "memory",
                "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
            {"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 65}}},
        ])
    );

    // Strategic merge and JSON patches too.
    let r = s
        .patch(
            &format!("{HPA_V1}/web"),
            "application/strategic-merge-patch+json",
            &json!({"spec": {"minReplicas": 3}}),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    let r = s
        .patch(
            &format!("{HPA_V1}/web"),
            "application/json-patch+json",
            &json!([{"op": "replace", "path": "/spec/targetCPUUtilizationPercentage", "value": 70}]),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    let v2 = s.get(&format!("{HPA_V2}/web")).await.body;
    assert_eq!(v2["spec"]["minReplicas"], 3);
    assert_eq!(v2["spec"]["metrics"][1]["resource"]["target"]["averageUtilization"], 70);
    assert_eq!(v2["spec"]["metrics"][0]["resource"]["name"], "memory");

    // Server-side apply through v1: the applied configuration is v1, the result is v1.
    let apply = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 8}});
    let r = s
        .call(
            "PATCH",
            &format!("{HPA_V1}/web?fieldManager=ops&force=true"),
            &[("content-type", "application/apply-patch+yaml")],
            apply.to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "autoscaling/v1");
    assert_eq!(r.body["spec"]["maxReplicas"], 8);
    let v2 = s.get(&format!("{HPA_V2}/web")).await.body;
    assert_eq!(v2["spec"]["maxReplicas"], 8);
    assert_eq!(v2["spec"]["metrics"][0]["resource"]["name"], "memory");
    let ops = v2["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["manager"] == "ops")
        .cloned()
        .unwrap();
    assert_eq!(
        (ops["operation"].as_str(), ops["apiVersion"].as_str()),
        (Some("Apply"), Some("autoscaling/v1"))
    );

    // A v1 write without the annotations says there is no other metric (as upstream).
    let mut bare = s.get(&format!("{HPA_V1}/web")).await.body;
    bare["metadata"].as_object_mut().unwrap().remove("annotations");
    assert_eq!(s.put(&format!("{HPA_V1}/web"), &bare).await.code, 200);
    let v2 = s.get(&format!("{HPA_V2}/web")).await.body;
    assert_eq!(v2["spec"]["metrics"].as_array().unwrap().len(), 1);
    assert!(v2["spec"].get("behavior").is_none());
}

#[tokio::test]
async fn test_hpa_created_as_v1() {
    let s = Server::new().await;
    let body = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "old"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 4}});
    let r = s.post(HPA_V1, &body).await;
    assert_eq!(r.code, 201, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "autoscaling/v1");
    // v1's default minimum, and the CPU target v1 used to leave to the controller.
    assert_eq!(r.body["spec"]["minReplicas"], 1);
    assert_eq!(r.body["spec"]["targetCPUUtilizationPercentage"], 80);
    assert!(annotations(&r.body).is_empty(), "{}", r.body);
    let v2 = s.get(&format!("{HPA_V2}/old")).await.body;
    assert_eq!(
        v2["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 80}}}])
    );

    // Status written through v1 with the conditions annotation lands in v2's status.
    let mut st = r.body.clone();
    st["status"] = json!({"currentReplicas": 2, "desiredReplicas": 3,
        "currentCPUUtilizationPercentage": 40});
    st["metadata"]["annotations"] = json!({CONDITIONS:
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-05-01T10:00:00Z","reason":"SucceededRescale"}]"#});
    let r = s.put(&format!("{HPA_V1}/old/status"), &st).await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(r.body["status"]["currentCPUUtilizationPercentage"], 40);
    let v2 = s.get(&format!("{HPA_V2}/old")).await.body;
    assert_eq!(v2["status"]["currentReplicas"], 2);
    assert_eq!(v2["status"]["desiredReplicas"], 3);
    assert_eq!(
        v2["status"]["currentMetrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}])
    );
    assert_eq!(v2["status"]["conditions"][0]["reason"], "SucceededRescale");
    assert!(annotations(&v2).is_empty(), "{v2}");
    let v1 = s.get(&format!("{HPA_V1}/old")).await.body;
    assert!(annotations(&v1)[CONDITIONS].as_str().unwrap().contains("SucceededRescale"));

    // Validation speaks of the same fields whichever version is written.
    let mut bad = body.clone();
    bad["metadata"]["name"] = json!("bad");
    bad["spec"]["minReplicas"] = json!(0);
    let r1 = s.post(HPA_V1, &bad).await;
    let mut bad2 = hpa_v2("bad");
    bad2["spec"]["minReplicas"] = json!(0);
    let r2 = s.post(HPA_V2, &bad2).await;
    assert_status(
        &r1,
        422,
        "Invalid",
        "HorizontalPodAutoscaler.autoscaling \"bad\" is invalid: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
    );
    assert_eq!(r1.body["message"], r2.body["message"]);

    // A body of the other version of the group is converted, not relabelled.
    let r = s
        .post(
            HPA_V2,
            &json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "cross"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 4,
            "targetCPUUtilizationPercentage": 33}}),
        )
        .await;
    assert_eq!(r.code, 201, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "autoscaling/v2");
    assert_eq!(r.body["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 33);
    assert!(r.body["spec"].get("targetCPUUtilizationPercentage").is_none());
}

#[tokio::test]
async fn test_hpa_watch_in_each_version() {
    let s = Server::new().await;
    let mut w1 = Stream::open(&s, &format!("{HPA_V1}?watch=true")).await;
    let mut w1b = Stream::open(&s, &format!("{HPA_V1}?watch=true")).await;
    let mut w2 = Stream::open(&s, &format!("{HPA_V2}?watch=true")).await;
    assert_eq!(s.post(HPA_V2, &hpa_v2("web")).await.code, 201);
    let (e1, e1b, e2) = (w1.next().await, w1b.next().await, w2.next().await);
    assert_eq!(e1["type"], "ADDED");
    assert_eq!(e1["object"]["apiVersion"], "autoscaling/v1");
    assert_eq!(e1["object"]["spec"]["targetCPUUtilizationPercentage"], 50);
    assert!(e1["object"]["metadata"]["annotations"][METRICS].is_string());
    assert_eq!(e1b, e1, "watchers of one version get the same event");
    assert_eq!(e2["type"], "ADDED");
    assert_eq!(e2["object"]["apiVersion"], "autoscaling/v2");
    assert_eq!(e2["object"]["spec"]["metrics"], hpa_v2("web")["spec"]["metrics"]);
    assert!(e2["object"]["metadata"].get("annotations").is_none());

    let r = s
        .patch(
            &format!("{HPA_V2}/web"),
            "application/merge-patch+json",
            &json!({"spec": {"maxReplicas": 12}}),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    let (e1, e2) = (w1.next().await, w2.next().await);
    assert_eq!((e1["type"].as_str(), e2["type"].as_str()), (Some("MODIFIED"), Some("MODIFIED")));
    assert_eq!(e1["object"]["apiVersion"], "autoscaling/v1");
    assert_eq!(e1["object"]["spec"]["maxReplicas"], 12);
    assert_eq!(e2["object"]["apiVersion"], "autoscaling/v2");
    assert_eq!(
        e1["object"]["metadata"]["resourceVersion"],
        e2["object"]["metadata"]["resourceVersion"]
    );
}

fn core_event(name: &str, object: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": object, "uid": "u-1",
            "apiVersion": "v1"},
        "reason": "Pulled",
        "message": "Container image pulled",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-05-01T10:00:00Z",
        "lastTimestamp": "2024-05-01T10:01:00Z",
        "count": 2,
        "type": "Normal",
    })
}

fn events_event(name: &str, object: &str) -> Value {
    json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": name},
        "eventTime": "2024-05-01T10:00:00.000000Z",
        "reportingController": "example.com/scaler",
        "reportingInstance": "scaler-1",
        "action": "Scaling",
        "reason": "Scaled",
        "regarding": {"kind": "Deployment", "namespace": "default", "name": object,
            "apiVersion": "apps/v1"},
        "note": "Scaled up to 3",
        "type": "Normal",
    })
}

#[tokio::test]
async fn test_core_event_reads_as_events_v1() {
    let s = Server::new().await;
    let r = s.post(CORE_EVENTS, &core_event("p1.1", "p1")).await;
    assert_eq!(r.code, 201, "{}", r.body);
    let e = s.get(&format!("{EVENTS_V1}/p1.1")).await;
    assert_eq!(e.code, 200, "{}", e.body);
    assert_eq!(e.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(e.body["kind"], "Event");
    assert_eq!(e.body["regarding"], core_event("p1.1", "p1")["involvedObject"]);
    assert_eq!(e.body["note"], "Container image pulled");
    assert_eq!(e.body["deprecatedSource"], json!({"component": "kubelet", "host": "node-1"}));
    assert_eq!(e.body["deprecatedFirstTimestamp"], "2024-05-01T10:00:00Z");
    assert_eq!(e.body["deprecatedLastTimestamp"], "2024-05-01T10:01:00Z");
    assert_eq!(e.body["deprecatedCount"], 2);
    for core_only in ["involvedObject", "message", "source", "count", "firstTimestamp"] {
        assert!(e.body.get(core_only).is_none(), "{core_only}: {}", e.body);
    }
    assert_eq!(e.body["metadata"]["uid"], r.body["metadata"]["uid"]);
    assert_eq!(e.body["metadata"]["resourceVersion"], r.body["metadata"]["resourceVersion"]);

    let l = s.get(EVENTS_V1).await;
    assert_eq!(l.body["kind"], "EventList");
    assert_eq!(l.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(l.body["items"][0]["note"], "Container image pulled");
    let all = s.get("/apis/events.k8s.io/v1/events").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

    // kubectl's table of events.k8s.io events is the core events' table.
    let t = get_as(&s, EVENTS_V1, TABLE).await;
    let row = &t.body["rows"][0]["cells"];
    assert_eq!((row[2].as_str(), row[3].as_str()), (Some("Pulled"), Some("pod/p1")), "{t:?}");
    assert_eq!(row[6], "Container image pulled");

    // Writes through events.k8s.io change the core Event; there only the series (and the
    // metadata) may change (`ValidateEventUpdate`).
    let series = json!({"count": 3, "lastObservedTime": "2024-05-01T10:02:00.000000Z"});
    let r = s
        .patch(
            &format!("{EVENTS_V1}/p1.1"),
            "application/merge-patch+json",
            &json!({"metadata": {"labels": {"seen": "again"}}, "series": series}),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(r.body["series"], series);
    let c = s.get(&format!("{CORE_EVENTS}/p1.1")).await.body;
    assert_eq!((c["metadata"]["labels"]["seen"].as_str(), &c["series"]), (Some("again"), &series));
    assert_eq!(c["apiVersion"], "v1");
    let r = s
        .patch(
            &format!("{EVENTS_V1}/p1.1"),
            "application/merge-patch+json",
            &json!({"note": "pulled again", "deprecatedCount": 3}),
        )
        .await;
    assert_status(
        &r,
        422,
        "Invalid",
        "Event \"p1.1\" is invalid: [message: Invalid value: \"pulled again\": field is immutable, count: Invalid value: 3: field is immutable]",
    );

    // Errors name the core resource, as upstream's shared store does.
    let missing = s.get(&format!("{EVENTS_V1}/nope")).await;
    assert_status(&missing, 404, "NotFound", "events \"nope\" not found");
    let d = s.delete(&format!("{EVENTS_V1}/p1.1")).await;
    assert_eq!(d.code, 200, "{}", d.body);
    assert_eq!(d.body["kind"], "Status");
    assert_eq!(d.body["details"]["kind"], "events");
    assert!(d.body["details"].get("group").is_none(), "{}", d.body);
    assert_eq!(s.get(&format!("{CORE_EVENTS}/p1.1")).await.code, 404);
}

#[tokio::test]
async fn test_events_v1_event_reads_as_core() {
    let s = Server::new().await;
    let r = s.post(EVENTS_V1, &events_event("web.1", "web")).await;
    assert_eq!(r.code, 201, "{}", r.body);
    assert_eq!(r.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(r.body["reportingController"], "example.com/scaler");
    assert_eq!(r.body["regarding"]["name"], "web");
    let c = s.get(&format!("{CORE_EVENTS}/web.1")).await;
    assert_eq!(c.code, 200, "{}", c.body);
    assert_eq!(c.body["apiVersion"], "v1");
    assert_eq!(c.body["involvedObject"], events_event("web.1", "web")["regarding"]);
    assert_eq!(c.body["message"], "Scaled up to 3");
    assert_eq!(c.body["reportingComponent"], "example.com/scaler");
    assert_eq!(c.body["reportingInstance"], "scaler-1");
    assert_eq!(c.body["action"], "Scaling");
    assert!(c.body["eventTime"].is_string());
    for events_only in ["regarding", "note", "reportingController"] {
        assert!(c.body.get(events_only).is_none(), "{events_only}: {}", c.body);
    }
    // `kubectl get events`.
    let t = get_as(&s, CORE_EVENTS, TABLE).await;
    let row = &t.body["rows"][0]["cells"];
    assert_eq!(row[3], "deployment/web");
    assert_eq!(row[5], "example.com/scaler, scaler-1");
    assert_eq!(row[6], "Scaled up to 3");

    // An update through the core API is seen through events.k8s.io.
    let mut core = c.body.clone();
    core["message"] = json!("Scaled up to 4");
    let r = s.put(&format!("{CORE_EVENTS}/web.1"), &core).await;
    assert_eq!(r.code, 200, "{}", r.body);
    let e = s.get(&format!("{EVENTS_V1}/web.1")).await.body;
    assert_eq!(e["note"], "Scaled up to 4");
    assert_eq!(e["reportingController"], "example.com/scaler");

    // One storage: the same store (and watch cache) serves both groups under the core prefix.
    let api = s.api();
    let core_store = api.registry.store("", "events").unwrap();
    let events_store = api.registry.store("events.k8s.io", "events").unwrap();
    assert!(std::sync::Arc::ptr_eq(&core_store, &events_store));
    assert_eq!(core_store.prefix(), "/registry/events");
    assert_eq!(
        apiserver::registry::key_prefix("/registry", "events.k8s.io", "events"),
        "/registry/events"
    );
}

#[tokio::test]
async fn test_events_watch_and_field_selectors_across_versions() {
    let s = Server::new().await;
    let mut core_w = Stream::open(&s, &format!("{CORE_EVENTS}?watch=true")).await;
    let mut events_w = Stream::open(&s, &format!("{EVENTS_V1}?watch=true")).await;
    let mut selected =
        Stream::open(&s, &format!("{EVENTS_V1}?watch=true&fieldSelector=regarding.name%3Dweb"))
            .await;
    assert_eq!(s.post(CORE_EVENTS, &core_event("p1.1", "p1")).await.code, 201);
    assert_eq!(s.post(EVENTS_V1, &events_event("web.1", "web")).await.code, 201);

    let (a, b) = (core_w.next().await, core_w.next().await);
    assert_eq!((a["type"].as_str(), b["type"].as_str()), (Some("ADDED"), Some("ADDED")));
    assert_eq!(a["object"]["apiVersion"], "v1");
    assert_eq!(a["object"]["message"], "Container image pulled");
    assert_eq!(b["object"]["involvedObject"]["name"], "web");
    let (a, b) = (events_w.next().await, events_w.next().await);
    assert_eq!(a["object"]["apiVersion"], "events.k8s.io/v1");
    assert_eq!(a["object"]["note"], "Container image pulled");
    assert_eq!(b["object"]["regarding"]["name"], "web");
    let e = selected.next().await;
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("web.1"))
    );

    let r = s
        .patch(
            &format!("{CORE_EVENTS}/web.1"),
            "application/strategic-merge-patch+json",
            &json!({"message": "again"}),
        )
        .await;
    assert_eq!(r.code, 200, "{}", r.body);
    let e = events_w.next().await;
    assert_eq!(
        (e["type"].as_str(), e["object"]["note"].as_str()),
        (Some("MODIFIED"), Some("again"))
    );
    let e = selected.next().await;
    assert_eq!(
        (e["type"].as_str(), e["object"]["note"].as_str()),
        (Some("MODIFIED"), Some("again"))
    );
    assert_eq!(core_w.next().await["object"]["message"], "again");
    assert_eq!(s.delete(&format!("{EVENTS_V1}/web.1")).await.code, 200);
    let e = core_w.next().await;
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("DELETED"), Some("web.1"))
    );
    assert_eq!(selected.next().await["type"], "DELETED");

    // Field selectors, in each version's own field names.
    assert_eq!(s.post(EVENTS_V1, &events_event("db.1", "db")).await.code, 201);
    let names = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = s.get(&format!("{CORE_EVENTS}?fieldSelector=involvedObject.name%3Dp1")).await;
    assert_eq!(names(&r), ["p1.1"]);
    let r = s.get(&format!("{EVENTS_V1}?fieldSelector=regarding.name%3Ddb")).await;
    assert_eq!(names(&r), ["db.1"]);
    let r = s
        .get(&format!("{EVENTS_V1}?fieldSelector=regarding.kind%3DDeployment,type%3DNormal"))
        .await;
    assert_eq!(names(&r), ["db.1"]);
    let r = s
        .get(&format!("{EVENTS_V1}?fieldSelector=reportingController%3Dexample.com%2Fscaler"))
        .await;
    assert_eq!(names(&r), ["db.1"]);
    let r = s
        .get(&format!("{CORE_EVENTS}?fieldSelector=reportingComponent%3Dexample.com%2Fscaler"))
        .await;
    assert_eq!(names(&r), ["db.1"]);
    let r = s.get(&format!("{CORE_EVENTS}?fieldSelector=source%3Dkubelet")).await;
    assert_eq!(names(&r), ["p1.1"]);
    let r = s.get(&format!("{EVENTS_V1}?fieldSelector=metadata.name%3Dp1.1")).await;
    assert_eq!(names(&r), ["p1.1"]);
    let r = s.get(&format!("{EVENTS_V1}?fieldSelector=involvedObject.name%3Dp1")).await;
    assert_status(&r, 400, "BadRequest", "field label not supported: involvedObject.name");
    let r = s.get(&format!("{EVENTS_V1}?fieldSelector=source%3Dkubelet")).await;
    assert_status(&r, 400, "BadRequest", "field label not supported: source");
    let r = s.get(&format!("{CORE_EVENTS}?fieldSelector=regarding.name%3Ddb")).await;
    assert_status(&r, 400, "BadRequest", "field label not supported: regarding.name");
    let r =
        s.call("GET", &format!("{EVENTS_V1}?watch=true&fieldSelector=note%3Dx"), &[], b"").await;
    assert_status(&r, 400, "BadRequest", "field label not supported: note");

    // A core Event body is not an events.k8s.io one.
    let r = s.post(EVENTS_V1, &core_event("x.1", "x")).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "the API version in the data (v1) does not match the expected API version (events.k8s.io/v1)",
    );
}
