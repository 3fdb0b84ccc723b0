//! Conversions of HorizontalPodAutoscalers and Events between their served versions, after
//! upstream's `pkg/apis/autoscaling/v1/conversion_test.go`, the autoscaling round-trip tests and
//! `pkg/apis/events/v1/conversion_test.go`.

use apimachinery::runtime::ResourceTable;
use apimachinery::schema::GroupVersionResource;
use serde_json::{Value, json};

use super::*;

fn info(group: &str, version: &str, resource: &str) -> ResourceInfo {
    ResourceTable::builtin()
        .by_gvr(&GroupVersionResource::new(group, version, resource))
        .cloned()
        .unwrap_or_else(|| panic!("{group}/{version}/{resource} is served"))
}

fn hpa_v2(spec: Value, status: Value) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h", "namespace": "ns"}, "spec": spec, "status": status})
}

fn to_v1(obj: &Value) -> Value {
    convert(obj.clone(), "autoscaling", "v1", "HorizontalPodAutoscaler")
}

fn to_v2(obj: &Value) -> Value {
    convert(obj.clone(), "autoscaling", "v2", "HorizontalPodAutoscaler")
}

fn annotation(obj: &Value, key: &str) -> Option<String> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .map(String::from)
}

const SCALE_TARGET: &str = r#"{"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}"#;

fn target() -> Value {
    serde_json::from_str(SCALE_TARGET).unwrap()
}

/// A v2 object using every metric source, a behavior, current metrics and conditions, whose
/// CPU utilization target is the last metric (where the v1 round trip puts it back).
fn rich_v2() -> Value {
    hpa_v2(
        json!({
            "scaleTargetRef": target(),
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "Pods", "pods": {"metric": {"name": "packets-per-second",
                    "selector": {"matchLabels": {"z": "1", "a": "2"}}},
                    "target": {"type": "AverageValue", "averageValue": "1k"}}},
                {"type": "Object", "object": {"describedObject": {"kind": "Ingress",
                    "name": "main", "apiVersion": "networking.k8s.io/v1"},
                    "target": {"type": "Value", "value": "10k"},
                    "metric": {"name": "requests-per-second"}}},
                {"type": "External", "external": {"metric": {"name": "queue_messages"},
                    "target": {"type": "AverageValue", "averageValue": "30"}}},
                {"type": "ContainerResource", "containerResource": {"name": "cpu",
                    "container": "app", "target": {"type": "Utilization", "averageUtilization": 60}}},
                {"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 50}}},
            ],
            "behavior": {
                "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                    "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                 {"type": "Percent", "value": 100, "periodSeconds": 15}],
                    "tolerance": "50m"},
                "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
            },
        }),
        json!({
            "observedGeneration": 3,
            "lastScaleTime": "2024-05-01T10:00:00Z",
            "currentReplicas": 3,
            "desiredReplicas": 4,
            "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu",
                    "current": {"averageValue": "200m", "averageUtilization": 45}}},
                {"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
                    "current": {"averageValue": "900"}}},
                {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
                    "current": {"value": "5"}, "describedObject": {"kind": "Ingress",
                    "name": "main", "apiVersion": "networking.k8s.io/v1"}}},
            ],
            "conditions": [
                {"type": "AbleToScale", "status": "True",
                    "lastTransitionTime": "2024-05-01T10:00:00Z", "reason": "ReadyForNewScale",
                    "message": "recommended size matches current size"},
                {"type": "ScalingActive", "status": "False"},
            ],
        }),
    )
}

#[test]
fn hpa_cpu_utilization_is_the_v1_target() {
    let v2 = hpa_v2(
        json!({"scaleTargetRef": target(), "minReplicas": 1, "maxReplicas": 5, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70}}}]}),
        json!({"desiredReplicas": 0}),
    );
    let v1 = to_v1(&v2);
    assert_eq!(
        v1,
        json!({"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1",
            "metadata": {"name": "h", "namespace": "ns"},
            "spec": {"scaleTargetRef": target(), "minReplicas": 1, "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 70},
            "status": {"currentReplicas": 0, "desiredReplicas": 0}})
    );
    assert_eq!(to_v2(&v1), v2);
}

#[test]
fn hpa_v1_without_target_gets_the_default_cpu_metric() {
    let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"}, "spec": {"scaleTargetRef": target(), "maxReplicas": 3}});
    let v2 = to_v2(&v1);
    assert_eq!(
        v2["spec"],
        json!({"scaleTargetRef": target(), "maxReplicas": 3, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]})
    );
    assert_eq!(v2["status"], json!({"desiredReplicas": 0}));
    assert_eq!(to_v1(&v2)["spec"]["targetCPUUtilizationPercentage"], 80);
}

#[test]
fn hpa_v2_only_data_travels_in_v1_annotations() {
    let v1 = to_v1(&rich_v2());
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
    assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 45);
    assert_eq!(v1["status"]["currentReplicas"], 3);
    assert!(v1["spec"].get("metrics").is_none() && v1["spec"].get("behavior").is_none());
    // The annotations hold what upstream's server writes, byte for byte.
    assert_eq!(
        annotation(&v1, METRIC_SPECS_ANNOTATION).unwrap(),
        concat!(
            r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},"#,
            r#"{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k","#,
            r#""selector":{"matchLabels":{"a":"2","z":"1"}}}},"#,
            r#"{"type":"Object","object":{"target":{"kind":"Ingress","name":"main","#,
            r#""apiVersion":"networking.k8s.io/v1"},"metricName":"requests-per-second","#,
            r#""targetValue":"10k"}},"#,
            r#"{"type":"External","external":{"metricName":"queue_messages","#,
            r#""targetAverageValue":"30"}},"#,
            r#"{"type":"ContainerResource","containerResource":{"name":"cpu","#,
            r#""targetAverageUtilization":60,"container":"app"}}]"#,
        )
    );
    assert_eq!(
        annotation(&v1, BEHAVIOR_ANNOTATION).unwrap(),
        concat!(
            r#"{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":"#,
            r#"[{"Type":"Pods","Value":4,"PeriodSeconds":15},"#,
            r#"{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":"50m"},"#,
            r#""ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":"Max","Policies":"#,
            r#"[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}"#,
        )
    );
    assert_eq!(
        annotation(&v1, CONDITIONS_ANNOTATION).unwrap(),
        concat!(
            r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-05-01T10:00:00Z","#,
            r#""reason":"ReadyForNewScale","message":"recommended size matches current size"},"#,
            r#"{"type":"ScalingActive","status":"False","lastTransitionTime":null}]"#,
        )
    );
    assert_eq!(
        annotation(&v1, METRIC_STATUSES_ANNOTATION).unwrap(),
        concat!(
            r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":45,"#,
            r#""currentAverageValue":"200m"}},"#,
            r#"{"type":"Pods","pods":{"metricName":"packets-per-second","currentAverageValue":"900"}},"#,
            r#"{"type":"Object","object":{"target":{"kind":"Ingress","name":"main","#,
            r#""apiVersion":"networking.k8s.io/v1"},"metricName":"requests-per-second","#,
            r#""currentValue":"5"}}]"#,
        )
    );
}

#[test]
fn hpa_v2_v1_v2_round_trip_loses_nothing() {
    let mut original = rich_v2();
    original["metadata"]["annotations"] = json!({"team": "web"});
    let v1 = to_v1(&original);
    assert_eq!(annotation(&v1, "team").as_deref(), Some("web"));
    let back = to_v2(&v1);
    assert_eq!(back, original);
    assert_eq!(back["metadata"]["annotations"], json!({"team": "web"}));
    // And again through v1: the same v1 object.
    assert_eq!(to_v1(&back), v1);
}

#[test]
fn hpa_cpu_target_goes_after_the_annotated_metrics() {
    let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h", "annotations": {
            METRIC_SPECS_ANNOTATION: r#"[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":70}}]"#,
            "keep": "me"}},
        "spec": {"scaleTargetRef": target(), "maxReplicas": 3,
            "targetCPUUtilizationPercentage": 40}});
    let v2 = to_v2(&v1);
    assert_eq!(
        v2["spec"]["metrics"],
        json!([
            {"type": "Resource", "resource": {"name": "memory",
                "target": {"type": "Utilization", "averageUtilization": 70}}},
            {"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 40}}},
        ])
    );
    assert_eq!(v2["metadata"]["annotations"], json!({"keep": "me"}));
    // A v2 object with the CPU target first comes back with it last.
    let mut first = v2.clone();
    first["spec"]["metrics"] = json!([v2["spec"]["metrics"][1], v2["spec"]["metrics"][0]]);
    assert_eq!(to_v2(&to_v1(&first))["spec"]["metrics"], v2["spec"]["metrics"]);
}

#[test]
fn hpa_v1_annotations_decode_like_go() {
    fn check(name: &str, annotations: Value, want_spec: Value, want_status: Value) {
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h", "annotations": annotations},
            "spec": {"scaleTargetRef": target(), "maxReplicas": 2,
                "targetCPUUtilizationPercentage": 30},
            "status": {"currentReplicas": 1, "desiredReplicas": 1,
                "currentCPUUtilizationPercentage": 20}});
        let v2 = to_v2(&v1);
        let spec_metrics_and_behavior = json!({"metrics": v2["spec"]["metrics"],
            "behavior": v2["spec"].get("behavior").cloned().unwrap_or(Value::Null)});
        assert_eq!(spec_metrics_and_behavior, want_spec, "{name}: spec");
        let status = json!({"currentMetrics": v2["status"]["currentMetrics"],
            "conditions": v2["status"].get("conditions").cloned().unwrap_or(Value::Null)});
        assert_eq!(status, want_status, "{name}: status");
        assert!(v2["metadata"].get("annotations").is_none(), "{name}: annotations dropped");
    }
    let cpu30 = json!([{"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 30}}}]);
    let cpu20 = json!([{"type": "Resource", "resource": {"name": "cpu",
        "current": {"averageUtilization": 20}}}]);
    check(
        "malformed annotations are ignored",
        json!({METRIC_SPECS_ANNOTATION: "not json", BEHAVIOR_ANNOTATION: "[1]",
            METRIC_STATUSES_ANNOTATION: r#"[{"type":5}]"#, CONDITIONS_ANNOTATION: "{}"}),
        json!({"metrics": cpu30, "behavior": null}),
        json!({"currentMetrics": cpu20, "conditions": null}),
    );
    check(
        "a value of the wrong type rejects the whole annotation",
        json!({BEHAVIOR_ANNOTATION: r#"{"ScaleUp":{"StabilizationWindowSeconds":"10"}}"#,
            METRIC_SPECS_ANNOTATION: r#"[{"type":"Pods","pods":{"metricName":"a","targetAverageValue":"1x"}}]"#,
            CONDITIONS_ANNOTATION: r#"[{"type":"A","status":"True","lastTransitionTime":"yesterday"}]"#}),
        json!({"metrics": cpu30, "behavior": null}),
        json!({"currentMetrics": cpu20, "conditions": null}),
    );
    check(
        "an empty behavior is no behavior",
        json!({BEHAVIOR_ANNOTATION: r#"{"ScaleUp":null}"#}),
        json!({"metrics": cpu30, "behavior": null}),
        json!({"currentMetrics": cpu20, "conditions": null}),
    );
    check(
        "keys match case-insensitively, the last one wins, numbers are quantities",
        json!({
            BEHAVIOR_ANNOTATION: r#"{"scaleup":{"selectpolicy":"Min","SelectPolicy":"Disabled","tolerance":0.5}}"#,
            METRIC_STATUSES_ANNOTATION: r#"[{"TYPE":"External","external":{"metricname":"q","currentValue":1500}}]"#,
        }),
        json!({"metrics": cpu30,
            "behavior": {"scaleUp": {"selectPolicy": "Disabled", "tolerance": "500m"}}}),
        json!({"currentMetrics": [{"type": "External", "external": {"metric": {"name": "q"},
            "current": {"value": "1500"}}}], "conditions": null}),
    );
    check(
        "current metrics in the annotation replace the v1 field",
        json!({METRIC_STATUSES_ANNOTATION: "[]",
            CONDITIONS_ANNOTATION: r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":null,"reason":""}]"#}),
        json!({"metrics": cpu30, "behavior": null}),
        json!({"currentMetrics": null,
            "conditions": [{"type": "AbleToScale", "status": "True"}]}),
    );
}

#[test]
fn hpa_v2_drops_round_trip_annotations() {
    let mut v2 = rich_v2();
    v2["metadata"]["annotations"] = json!({METRIC_SPECS_ANNOTATION: "[]",
        TOLERANCE_SCALE_UP_ANNOTATION: "1", TOLERANCE_SCALE_DOWN_ANNOTATION: "1"});
    let out = to_v2(&v2);
    assert!(out["metadata"].get("annotations").is_none());
    assert_eq!(out["spec"], v2["spec"]);
    let mut v2 = rich_v2();
    v2["metadata"]["annotations"] = json!({CONDITIONS_ANNOTATION: "[]", "other": "x"});
    assert_eq!(to_v2(&v2)["metadata"]["annotations"], json!({"other": "x"}));
}

fn core_event() -> Value {
    json!({
        "kind": "Event", "apiVersion": "v1",
        "metadata": {"name": "e1.abc", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p", "uid": "u-1",
            "apiVersion": "v1", "resourceVersion": "7", "fieldPath": "spec.containers{app}"},
        "reason": "Started",
        "message": "Started container app",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-05-01T10:00:00Z",
        "lastTimestamp": "2024-05-01T10:05:00Z",
        "count": 3,
        "type": "Normal",
        "eventTime": "2024-05-01T10:00:00.000001Z",
        "series": {"count": 2, "lastObservedTime": "2024-05-01T10:05:00.000001Z"},
        "action": "Starting",
        "related": {"kind": "Node", "name": "node-1"},
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
    })
}

#[test]
fn event_fields_are_renamed_between_core_and_events_v1() {
    let ev = convert(core_event(), "events.k8s.io", "v1", "Event");
    assert_eq!(
        ev,
        json!({
            "kind": "Event", "apiVersion": "events.k8s.io/v1",
            "metadata": {"name": "e1.abc", "namespace": "ns"},
            "eventTime": "2024-05-01T10:00:00.000001Z",
            "series": {"count": 2, "lastObservedTime": "2024-05-01T10:05:00.000001Z"},
            "reportingController": "kubelet",
            "reportingInstance": "node-1",
            "action": "Starting",
            "reason": "Started",
            "regarding": core_event()["involvedObject"],
            "related": {"kind": "Node", "name": "node-1"},
            "note": "Started container app",
            "type": "Normal",
            "deprecatedSource": {"component": "kubelet", "host": "node-1"},
            "deprecatedFirstTimestamp": "2024-05-01T10:00:00Z",
            "deprecatedLastTimestamp": "2024-05-01T10:05:00Z",
            "deprecatedCount": 3,
        })
    );
    assert_eq!(convert(ev, "", "v1", "Event"), core_event());
}

#[test]
fn event_zero_values_are_left_out() {
    let core = json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e"},
        "involvedObject": {"kind": "Pod", "name": "p"}, "count": 0,
        "reportingComponent": "", "reportingInstance": ""});
    assert_eq!(
        convert(core, "events.k8s.io", "v1", "Event"),
        json!({"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": {"name": "e"},
            "regarding": {"kind": "Pod", "name": "p"}})
    );
    // events.k8s.io without a regarding object still makes a core Event with one.
    let ev = json!({"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": {"name": "e"},
        "eventTime": "2024-05-01T10:00:00.000000Z", "reportingController": "c",
        "reportingInstance": "i", "action": "A", "reason": "R", "type": "Warning"});
    assert_eq!(
        convert(ev.clone(), "", "v1", "Event"),
        json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e"},
            "involvedObject": {}, "reason": "R", "type": "Warning",
            "eventTime": "2024-05-01T10:00:00.000000Z", "action": "A",
            "reportingComponent": "c", "reportingInstance": "i"})
    );
    let back = convert(convert(ev.clone(), "", "v1", "Event"), "events.k8s.io", "v1", "Event");
    let mut want = ev;
    want["regarding"] = json!({});
    assert_eq!(back, want);
}

#[test]
fn event_field_selectors_of_events_v1() {
    fn check(selector: &str, want: Result<&str, &str>) {
        let got = event_field_selector_to_core(selector).map_err(|e| e.to_string());
        assert_eq!(got, want.map(String::from).map_err(String::from), "{selector}");
    }
    check("", Ok(""));
    check("regarding.name=p", Ok("involvedObject.name=p"));
    check(
        "type=Warning,reportingController=kubelet,regarding.kind=Pod",
        Ok("involvedObject.kind=Pod,reportingComponent=kubelet,type=Warning"),
    );
    check("metadata.name!=a\\,b", Ok("metadata.name!=a\\,b"));
    check("involvedObject.name=p", Err("field label not supported: involvedObject.name"));
    check("source=kubelet", Err("field label not supported: source"));
    check(
        "regarding.name",
        Err("invalid selector: 'regarding.name'; can't understand 'regarding.name'"),
    );
}

#[test]
fn requests_and_responses_convert_through_the_storage_version() {
    let hpa_v1 = info("autoscaling", "v1", "horizontalpodautoscalers");
    let hpa_v2 = info("autoscaling", "v2", "horizontalpodautoscalers");
    let core = info("", "v1", "events");
    let events = info("events.k8s.io", "v1", "events");
    assert!(differs_from_storage(&hpa_v1) && differs_from_storage(&events));
    assert!(!differs_from_storage(&hpa_v2) && !differs_from_storage(&core));
    assert!(!differs_from_storage(&info("apps", "v1", "deployments")));

    // A v1 body gets v1's defaults (minReplicas) before it becomes v2.
    let body = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"}, "spec": {"scaleTargetRef": target(), "maxReplicas": 3,
        "targetCPUUtilizationPercentage": 55}});
    let stored = to_storage(body, &hpa_v1);
    assert_eq!(stored["apiVersion"], "autoscaling/v2");
    assert_eq!(stored["spec"]["minReplicas"], 1);
    assert_eq!(stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 55);
    assert_eq!(to_served(stored.clone(), &hpa_v1)["spec"]["targetCPUUtilizationPercentage"], 55);
    assert_eq!(to_served(stored.clone(), &hpa_v2), stored);

    let stored_event = to_storage(convert(core_event(), "events.k8s.io", "v1", "Event"), &events);
    assert_eq!(stored_event, core_event());
    assert_eq!(to_served(core_event(), &core), core_event());
    assert_eq!(to_served(core_event(), &events)["note"], "Started container app");

    // Objects kept in another version are read in the store's version.
    let mut old = to_v1(&rich_v2());
    normalize_stored(&hpa_v2, &mut old);
    assert_eq!(old, rich_v2());

    // Bodies of another version of the same group are converted; other groups are not.
    let v1_body = to_v1(&rich_v2());
    assert_eq!(to_request_version(v1_body, &hpa_v2), rich_v2());
    assert_eq!(to_request_version(core_event(), &events), core_event());

    // Other kinds pass untouched.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    assert_eq!(convert(cm.clone(), "", "v1", "ConfigMap"), cm);
    assert_eq!(printer_resource(&events), ("", "events"));
    assert_eq!(printer_resource(&hpa_v1), ("autoscaling", "horizontalpodautoscalers"));
}

#[test]
fn managed_fields_are_tracked_in_the_request_version() {
    let hpa_v1 = info("autoscaling", "v1", "horizontalpodautoscalers");
    let mut new = rich_v2();
    let mut seen = None;
    track_served(&hpa_v1, None, &mut new, |live, obj| {
        assert!(live.is_none());
        seen = Some(obj["apiVersion"].clone());
        obj["metadata"]["managedFields"] =
            json!([{"manager": "m", "apiVersion": "autoscaling/v1"}]);
        obj["spec"]["maxReplicas"] = json!(99);
    });
    assert_eq!(seen, Some(json!("autoscaling/v1")));
    assert_eq!(new["metadata"]["managedFields"][0]["manager"], "m");
    assert_eq!(new["spec"]["maxReplicas"], 10, "only managedFields come back");
    assert_eq!(new["apiVersion"], "autoscaling/v2");
}
