//! HorizontalPodAutoscaler between `autoscaling/v1` and `autoscaling/v2` (upstream's
//! `pkg/apis/autoscaling/v1/conversion.go`, `v2/conversion.go` and the round-trip annotation
//! helpers). `autoscaling/v2` has the fields of upstream's internal type, so it stands for it.
//!
//! v1 holds only a CPU utilization target; everything else v2 says travels in annotations so
//! that a v1 client that reads an object and writes it back loses nothing: the other metrics,
//! the current metrics, the conditions and the behavior. The behavior annotation holds the
//! internal type as Go marshals it without json tags (`{"ScaleUp":{"StabilizationWindowSeconds":
//! ...}}`), which is what upstream servers read and write.

use serde_json::{Map, Value, json};

use super::gojson::{
    Decoded, array, canonical_quantity, canonical_selector, copy, copy_nonzero, field, int32,
    object, present, quantity, selector, string, time,
};

/// Other metrics a v1 object stands for (`autoscaling.MetricSpecsAnnotation`).
pub const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// Current metrics of a v1 object (`autoscaling.MetricStatusesAnnotation`).
pub const METRIC_STATUSES_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// Conditions of a v1 object (`autoscaling.HorizontalPodAutoscalerConditionsAnnotation`).
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
/// The scaling behavior of a v1 object (`autoscaling.BehaviorSpecsAnnotation`).
pub const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";
/// Scale-down tolerance kept by `autoscaling/v2beta2` (`autoscaling.ToleranceScaleDownAnnotation`).
pub const TOLERANCE_SCALE_DOWN_ANNOTATION: &str =
    "autoscaling.alpha.kubernetes.io/scale-down-tolerance";
/// Scale-up tolerance kept by `autoscaling/v2beta2` (`autoscaling.ToleranceScaleUpAnnotation`).
pub const TOLERANCE_SCALE_UP_ANNOTATION: &str =
    "autoscaling.alpha.kubernetes.io/scale-up-tolerance";

/// Every annotation a conversion writes; none of them is ever stored.
const ROUND_TRIP_ANNOTATIONS: [&str; 6] = [
    METRIC_SPECS_ANNOTATION,
    BEHAVIOR_ANNOTATION,
    TOLERANCE_SCALE_DOWN_ANNOTATION,
    TOLERANCE_SCALE_UP_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
];

/// The CPU utilization v1 objects without a target get (`autoscaling.DefaultCPUUtilization`).
const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// Removes the round-trip annotations (`DropRoundTripHorizontalPodAutoscalerAnnotations`); an
/// annotation map left empty goes too.
pub fn drop_round_trip_annotations(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) else {
        return;
    };
    if !ROUND_TRIP_ANNOTATIONS.iter().any(|k| annotations.contains_key(*k)) {
        return;
    }
    for k in ROUND_TRIP_ANNOTATIONS {
        annotations.remove(k);
    }
    if annotations.is_empty() {
        meta.remove("annotations");
    }
}

/// An `autoscaling/v2` object (dropping round-trip annotations, as every conversion from and to
/// v2 does).
pub fn v2_to_v2(mut hpa: Value) -> Value {
    drop_round_trip_annotations(&mut hpa);
    if let Some(m) = hpa.as_object_mut() {
        m.insert("apiVersion".into(), json!("autoscaling/v2"));
    }
    hpa
}

/// Whether a v2 metric is a CPU utilization target (the one v1 has a field for).
fn cpu_utilization(metric: &Value) -> Option<&Value> {
    if metric.get("type").and_then(Value::as_str) != Some("Resource") {
        return None;
    }
    let resource = present(metric, "resource")?;
    if resource.get("name").and_then(Value::as_str) != Some("cpu") {
        return None;
    }
    resource.get("target").and_then(|t| present(t, "averageUtilization"))
}

fn list<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn text(obj: &Value, key: &str) -> Value {
    Value::String(obj.get(key).and_then(Value::as_str).unwrap_or_default().to_string())
}

/// `CrossVersionObjectReference` (the same in both versions).
fn object_ref(r: Option<&Value>) -> Value {
    let r = r.cloned().unwrap_or_default();
    let mut out = Map::new();
    out.insert("kind".into(), text(&r, "kind"));
    out.insert("name".into(), text(&r, "name"));
    copy_nonzero(&mut out, "apiVersion", &r, "apiVersion");
    Value::Object(out)
}

fn quantity_of(obj: &Value, key: &str) -> Option<Value> {
    present(obj, key).map(canonical_quantity)
}

fn quantity_or_zero(obj: &Value, key: &str) -> Value {
    quantity_of(obj, key).unwrap_or_else(|| json!("0"))
}

fn put(out: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        out.insert(key.to_string(), v);
    }
}

/// The metric name and selector of a v2 `MetricIdentifier`.
fn identifier(src: &Value) -> (Value, Option<Value>) {
    let metric = src.get("metric").cloned().unwrap_or_default();
    (text(&metric, "name"), present(&metric, "selector").map(canonical_selector))
}

/// A v2 `MetricSpec` as v1 writes it in its annotation.
fn metric_spec_to_v1(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), text(m, "type"));
    if let Some(o) = present(m, "object") {
        let target = o.get("target").cloned().unwrap_or_default();
        let (name, sel) = identifier(o);
        let mut v = Map::new();
        v.insert("target".into(), object_ref(o.get("describedObject")));
        v.insert("metricName".into(), name);
        v.insert("targetValue".into(), quantity_or_zero(&target, "value"));
        put(&mut v, "selector", sel);
        put(&mut v, "averageValue", quantity_of(&target, "averageValue"));
        out.insert("object".into(), Value::Object(v));
    }
    if let Some(p) = present(m, "pods") {
        let target = p.get("target").cloned().unwrap_or_default();
        let (name, sel) = identifier(p);
        let mut v = Map::new();
        v.insert("metricName".into(), name);
        v.insert("targetAverageValue".into(), quantity_or_zero(&target, "averageValue"));
        put(&mut v, "selector", sel);
        out.insert("pods".into(), Value::Object(v));
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(r) = present(m, key) {
            let target = r.get("target").cloned().unwrap_or_default();
            let mut v = Map::new();
            v.insert("name".into(), text(r, "name"));
            copy(&mut v, "targetAverageUtilization", &target, "averageUtilization");
            put(&mut v, "targetAverageValue", quantity_of(&target, "averageValue"));
            if container {
                v.insert("container".into(), text(r, "container"));
            }
            out.insert(key.into(), Value::Object(v));
        }
    }
    if let Some(e) = present(m, "external") {
        let target = e.get("target").cloned().unwrap_or_default();
        let (name, sel) = identifier(e);
        let mut v = Map::new();
        v.insert("metricName".into(), name);
        put(&mut v, "metricSelector", sel);
        put(&mut v, "targetValue", quantity_of(&target, "value"));
        put(&mut v, "targetAverageValue", quantity_of(&target, "averageValue"));
        out.insert("external".into(), Value::Object(v));
    }
    Value::Object(out)
}

/// A v2 `MetricStatus` as v1 writes it in its annotation.
fn metric_status_to_v1(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), text(m, "type"));
    if let Some(o) = present(m, "object") {
        let current = o.get("current").cloned().unwrap_or_default();
        let (name, sel) = identifier(o);
        let mut v = Map::new();
        v.insert("target".into(), object_ref(o.get("describedObject")));
        v.insert("metricName".into(), name);
        v.insert("currentValue".into(), quantity_or_zero(&current, "value"));
        put(&mut v, "selector", sel);
        put(&mut v, "averageValue", quantity_of(&current, "averageValue"));
        out.insert("object".into(), Value::Object(v));
    }
    if let Some(p) = present(m, "pods") {
        let current = p.get("current").cloned().unwrap_or_default();
        let (name, sel) = identifier(p);
        let mut v = Map::new();
        v.insert("metricName".into(), name);
        v.insert("currentAverageValue".into(), quantity_or_zero(&current, "averageValue"));
        put(&mut v, "selector", sel);
        out.insert("pods".into(), Value::Object(v));
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(r) = present(m, key) {
            let current = r.get("current").cloned().unwrap_or_default();
            let mut v = Map::new();
            v.insert("name".into(), text(r, "name"));
            copy(&mut v, "currentAverageUtilization", &current, "averageUtilization");
            v.insert("currentAverageValue".into(), quantity_or_zero(&current, "averageValue"));
            if container {
                v.insert("container".into(), text(r, "container"));
            }
            out.insert(key.into(), Value::Object(v));
        }
    }
    if let Some(e) = present(m, "external") {
        let current = e.get("current").cloned().unwrap_or_default();
        let (name, sel) = identifier(e);
        let mut v = Map::new();
        v.insert("metricName".into(), name);
        put(&mut v, "metricSelector", sel);
        v.insert("currentValue".into(), quantity_or_zero(&current, "value"));
        put(&mut v, "currentAverageValue", quantity_of(&current, "averageValue"));
        out.insert("external".into(), Value::Object(v));
    }
    Value::Object(out)
}

/// A v2 condition as v1 writes it in its annotation (a zero `metav1.Time` marshals as `null`).
fn condition_to_v1(c: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), text(c, "type"));
    out.insert("status".into(), text(c, "status"));
    out.insert(
        "lastTransitionTime".into(),
        present(c, "lastTransitionTime").cloned().unwrap_or(Value::Null),
    );
    copy_nonzero(&mut out, "reason", c, "reason");
    copy_nonzero(&mut out, "message", c, "message");
    Value::Object(out)
}

/// The v2 behavior as Go marshals the internal type: field names, and `null` for what is unset.
fn behavior_to_go(b: &Value) -> Value {
    let rules = |r: Option<&Value>| -> Value {
        let Some(r) = r.filter(|r| r.is_object()) else { return Value::Null };
        let policies = match r.get("policies").and_then(Value::as_array) {
            Some(list) => Value::Array(
                list.iter()
                    .map(|p| {
                        json!({
                            "Type": text(p, "type"),
                            "Value": p.get("value").cloned().unwrap_or(json!(0)),
                            "PeriodSeconds": p.get("periodSeconds").cloned().unwrap_or(json!(0)),
                        })
                    })
                    .collect(),
            ),
            None => Value::Null,
        };
        json!({
            "StabilizationWindowSeconds":
                present(r, "stabilizationWindowSeconds").cloned().unwrap_or(Value::Null),
            "SelectPolicy": present(r, "selectPolicy").cloned().unwrap_or(Value::Null),
            "Policies": policies,
            "Tolerance": quantity_of(r, "tolerance").unwrap_or(Value::Null),
        })
    };
    json!({"ScaleUp": rules(b.get("scaleUp")), "ScaleDown": rules(b.get("scaleDown"))})
}

/// Reads the behavior annotation back into a v2 behavior: `None` when it does not decode or
/// says nothing (upstream then leaves the behavior unset).
fn behavior_from_go(raw: &str) -> Option<Value> {
    let doc: Value = serde_json::from_str(raw).ok()?;
    let decode = || -> Decoded<Option<Value>> {
        let Some(b) = object(Some(&doc))? else { return Ok(None) };
        let rules = |r: Option<&Value>| -> Decoded<Option<Value>> {
            let Some(r) = object(r)? else { return Ok(None) };
            let mut out = Map::new();
            put(
                &mut out,
                "stabilizationWindowSeconds",
                int32(field(r, "StabilizationWindowSeconds"))?.map(Value::from),
            );
            put(&mut out, "selectPolicy", string(field(r, "SelectPolicy"))?.map(Value::String));
            if let Some(list) = array(field(r, "Policies"))? {
                let mut policies = Vec::new();
                for p in list {
                    let p = object(Some(p))?.cloned().unwrap_or_default();
                    policies.push(json!({
                        "type": string(field(&p, "Type"))?.unwrap_or_default(),
                        "value": int32(field(&p, "Value"))?.unwrap_or(0),
                        "periodSeconds": int32(field(&p, "PeriodSeconds"))?.unwrap_or(0),
                    }));
                }
                if !policies.is_empty() {
                    out.insert("policies".into(), Value::Array(policies));
                }
            }
            put(&mut out, "tolerance", quantity(field(r, "Tolerance"))?);
            Ok(Some(Value::Object(out)))
        };
        let up = rules(field(b, "ScaleUp"))?;
        let down = rules(field(b, "ScaleDown"))?;
        if up.is_none() && down.is_none() {
            return Ok(None);
        }
        let mut out = Map::new();
        put(&mut out, "scaleUp", up);
        put(&mut out, "scaleDown", down);
        Ok(Some(Value::Object(out)))
    };
    decode().ok().flatten()
}

/// Reads a JSON list annotation whose items decode with `item`: `None` when the annotation is
/// missing or does not decode.
fn decode_list(
    annotations: &Map<String, Value>,
    key: &str,
    item: impl Fn(&Map<String, Value>) -> Decoded<Value>,
) -> Option<Vec<Value>> {
    let raw = annotations.get(key)?.as_str()?;
    let doc: Value = serde_json::from_str(raw).ok()?;
    let decode = || -> Decoded<Vec<Value>> {
        let Some(items) = array(Some(&doc))? else { return Ok(Vec::new()) };
        items.iter().map(|i| item(&object(Some(i))?.cloned().unwrap_or_default())).collect()
    };
    decode().ok()
}

/// A `CrossVersionObjectReference` of an annotation.
fn decode_ref(v: Option<&Value>) -> Decoded<Value> {
    let r = object(v)?.cloned().unwrap_or_default();
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(string(field(&r, "kind"))?.unwrap_or_default()));
    out.insert("name".into(), Value::String(string(field(&r, "name"))?.unwrap_or_default()));
    if let Some(v) = string(field(&r, "apiVersion"))?.filter(|s| !s.is_empty()) {
        out.insert("apiVersion".into(), Value::String(v));
    }
    Ok(Value::Object(out))
}

fn metric_identifier(name: Option<String>, sel: Option<Value>) -> Value {
    let mut id = Map::new();
    id.insert("name".into(), Value::String(name.unwrap_or_default()));
    put(&mut id, "selector", sel);
    Value::Object(id)
}

/// A v1 `MetricSpec` of the metrics annotation as v2 has it.
fn metric_spec_from_v1(m: &Map<String, Value>) -> Decoded<Value> {
    let mut out = Map::new();
    out.insert("type".into(), Value::String(string(field(m, "type"))?.unwrap_or_default()));
    if let Some(o) = object(field(m, "object"))? {
        let average = quantity(field(o, "averageValue"))?;
        let mut target = Map::new();
        let kind = if average.is_none() { "Value" } else { "AverageValue" };
        target.insert("type".into(), json!(kind));
        let value = quantity(field(o, "targetValue"))?.unwrap_or_else(|| json!("0"));
        target.insert("value".into(), value);
        put(&mut target, "averageValue", average);
        let mut v = Map::new();
        v.insert("describedObject".into(), decode_ref(field(o, "target"))?);
        v.insert("target".into(), Value::Object(target));
        let id =
            metric_identifier(string(field(o, "metricName"))?, selector(field(o, "selector"))?);
        v.insert("metric".into(), id);
        out.insert("object".into(), Value::Object(v));
    }
    if let Some(p) = object(field(m, "pods"))? {
        let average = quantity(field(p, "targetAverageValue"))?.unwrap_or_else(|| json!("0"));
        let id =
            metric_identifier(string(field(p, "metricName"))?, selector(field(p, "selector"))?);
        out.insert(
            "pods".into(),
            json!({"metric": id, "target": {"type": "AverageValue", "averageValue": average}}),
        );
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(r) = object(field(m, key))? {
            let utilization = int32(field(r, "targetAverageUtilization"))?;
            let mut target = Map::new();
            let kind = if utilization.is_none() { "AverageValue" } else { "Utilization" };
            target.insert("type".into(), json!(kind));
            put(&mut target, "averageValue", quantity(field(r, "targetAverageValue"))?);
            put(&mut target, "averageUtilization", utilization.map(Value::from));
            let mut v = Map::new();
            v.insert("name".into(), Value::String(string(field(r, "name"))?.unwrap_or_default()));
            v.insert("target".into(), Value::Object(target));
            if container {
                let c = string(field(r, "container"))?.unwrap_or_default();
                v.insert("container".into(), Value::String(c));
            }
            out.insert(key.into(), Value::Object(v));
        }
    }
    if let Some(e) = object(field(m, "external"))? {
        let value = quantity(field(e, "targetValue"))?;
        let mut target = Map::new();
        target.insert("type".into(), json!(if value.is_none() { "AverageValue" } else { "Value" }));
        put(&mut target, "value", value);
        put(&mut target, "averageValue", quantity(field(e, "targetAverageValue"))?);
        let id = metric_identifier(
            string(field(e, "metricName"))?,
            selector(field(e, "metricSelector"))?,
        );
        out.insert("external".into(), json!({"metric": id, "target": Value::Object(target)}));
    }
    Ok(Value::Object(out))
}

/// A v1 `MetricStatus` of the current-metrics annotation as v2 has it.
fn metric_status_from_v1(m: &Map<String, Value>) -> Decoded<Value> {
    let mut out = Map::new();
    out.insert("type".into(), Value::String(string(field(m, "type"))?.unwrap_or_default()));
    if let Some(o) = object(field(m, "object"))? {
        let mut current = Map::new();
        let value = quantity(field(o, "currentValue"))?.unwrap_or_else(|| json!("0"));
        current.insert("value".into(), value);
        put(&mut current, "averageValue", quantity(field(o, "averageValue"))?);
        let id =
            metric_identifier(string(field(o, "metricName"))?, selector(field(o, "selector"))?);
        let mut v = Map::new();
        v.insert("metric".into(), id);
        v.insert("current".into(), Value::Object(current));
        v.insert("describedObject".into(), decode_ref(field(o, "target"))?);
        out.insert("object".into(), Value::Object(v));
    }
    if let Some(p) = object(field(m, "pods"))? {
        let average = quantity(field(p, "currentAverageValue"))?.unwrap_or_else(|| json!("0"));
        let id =
            metric_identifier(string(field(p, "metricName"))?, selector(field(p, "selector"))?);
        out.insert("pods".into(), json!({"metric": id, "current": {"averageValue": average}}));
    }
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(r) = object(field(m, key))? {
            let mut current = Map::new();
            let average = quantity(field(r, "currentAverageValue"))?.unwrap_or_else(|| json!("0"));
            current.insert("averageValue".into(), average);
            let utilization = int32(field(r, "currentAverageUtilization"))?;
            put(&mut current, "averageUtilization", utilization.map(Value::from));
            let mut v = Map::new();
            v.insert("name".into(), Value::String(string(field(r, "name"))?.unwrap_or_default()));
            v.insert("current".into(), Value::Object(current));
            if container {
                let c = string(field(r, "container"))?.unwrap_or_default();
                v.insert("container".into(), Value::String(c));
            }
            out.insert(key.into(), Value::Object(v));
        }
    }
    if let Some(e) = object(field(m, "external"))? {
        let mut current = Map::new();
        let value = quantity(field(e, "currentValue"))?.unwrap_or_else(|| json!("0"));
        current.insert("value".into(), value);
        put(&mut current, "averageValue", quantity(field(e, "currentAverageValue"))?);
        let id = metric_identifier(
            string(field(e, "metricName"))?,
            selector(field(e, "metricSelector"))?,
        );
        out.insert("external".into(), json!({"metric": id, "current": Value::Object(current)}));
    }
    Ok(Value::Object(out))
}

/// A v1 condition of the conditions annotation as v2 has it.
fn condition_from_v1(c: &Map<String, Value>) -> Decoded<Value> {
    let mut out = Map::new();
    out.insert("type".into(), Value::String(string(field(c, "type"))?.unwrap_or_default()));
    out.insert("status".into(), Value::String(string(field(c, "status"))?.unwrap_or_default()));
    put(&mut out, "lastTransitionTime", time(field(c, "lastTransitionTime"))?);
    for key in ["reason", "message"] {
        if let Some(s) = string(field(c, key))?.filter(|s| !s.is_empty()) {
            out.insert(key.into(), Value::String(s));
        }
    }
    Ok(Value::Object(out))
}

fn set_annotation(meta: &mut Map<String, Value>, key: &str, value: &Value) {
    let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    if let Some(a) = annotations.as_object_mut() {
        a.insert(key.to_string(), Value::String(apimachinery::gofmt::marshal_json_ordered(value)));
    }
}

/// `autoscaling/v2` -> `autoscaling/v1` (`Convert_autoscaling_HorizontalPodAutoscaler_To_v1_...`).
pub fn v2_to_v1(hpa: &Value) -> Value {
    let spec_in = hpa.get("spec").cloned().unwrap_or_default();
    let status_in = hpa.get("status").cloned().unwrap_or_default();
    let metrics = list(&spec_in, "metrics");
    let current = list(&status_in, "currentMetrics");

    let mut spec = Map::new();
    spec.insert("scaleTargetRef".into(), object_ref(spec_in.get("scaleTargetRef")));
    copy(&mut spec, "minReplicas", &spec_in, "minReplicas");
    spec.insert("maxReplicas".into(), spec_in.get("maxReplicas").cloned().unwrap_or(json!(0)));
    put(
        &mut spec,
        "targetCPUUtilizationPercentage",
        metrics.iter().find_map(cpu_utilization).cloned(),
    );

    let mut status = Map::new();
    copy(&mut status, "observedGeneration", &status_in, "observedGeneration");
    copy(&mut status, "lastScaleTime", &status_in, "lastScaleTime");
    for key in ["currentReplicas", "desiredReplicas"] {
        status.insert(key.into(), status_in.get(key).cloned().unwrap_or(json!(0)));
    }
    // Every CPU status with a utilization is read; the last one wins.
    let cpu_now = current
        .iter()
        .filter(|m| m.get("type").and_then(Value::as_str) == Some("Resource"))
        .filter_map(|m| present(m, "resource"))
        .filter(|r| r.get("name").and_then(Value::as_str) == Some("cpu"))
        .filter_map(|r| r.get("current").and_then(|c| present(c, "averageUtilization")))
        .next_back();
    put(&mut status, "currentCPUUtilizationPercentage", cpu_now.cloned());

    let mut with_meta = hpa.clone();
    drop_round_trip_annotations(&mut with_meta);
    let mut meta =
        with_meta.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let others: Vec<Value> =
        metrics.iter().filter(|m| cpu_utilization(m).is_none()).map(metric_spec_to_v1).collect();
    if !others.is_empty() {
        set_annotation(&mut meta, METRIC_SPECS_ANNOTATION, &Value::Array(others));
    }
    if !current.is_empty() {
        let statuses = current.iter().map(metric_status_to_v1).collect();
        set_annotation(&mut meta, METRIC_STATUSES_ANNOTATION, &Value::Array(statuses));
    }
    if let Some(b) = present(&spec_in, "behavior") {
        set_annotation(&mut meta, BEHAVIOR_ANNOTATION, &behavior_to_go(b));
    }
    let conditions = list(&status_in, "conditions");
    if !conditions.is_empty() {
        let conditions = conditions.iter().map(condition_to_v1).collect();
        set_annotation(&mut meta, CONDITIONS_ANNOTATION, &Value::Array(conditions));
    }

    let mut out = Map::new();
    out.insert("kind".into(), json!("HorizontalPodAutoscaler"));
    out.insert("apiVersion".into(), json!("autoscaling/v1"));
    out.insert("metadata".into(), Value::Object(meta));
    out.insert("spec".into(), Value::Object(spec));
    out.insert("status".into(), Value::Object(status));
    Value::Object(out)
}

fn cpu_metric_spec(utilization: Value) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": utilization}}})
}

/// `autoscaling/v1` -> `autoscaling/v2` (`Convert_v1_HorizontalPodAutoscaler_To_autoscaling_...`).
/// Annotations that do not decode are ignored, as upstream ignores them.
pub fn v1_to_v2(hpa: &Value) -> Value {
    let spec_in = hpa.get("spec").cloned().unwrap_or_default();
    let status_in = hpa.get("status").cloned().unwrap_or_default();
    let annotations = hpa
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();

    let mut metrics: Vec<Value> = present(&spec_in, "targetCPUUtilizationPercentage")
        .map(|u| vec![cpu_metric_spec(u.clone())])
        .unwrap_or_default();
    if let Some(others) = decode_list(&annotations, METRIC_SPECS_ANNOTATION, metric_spec_from_v1) {
        // The CPU target of the v1 field comes after the others.
        metrics = others.into_iter().chain(metrics.into_iter().take(1)).collect();
    }
    if metrics.is_empty() {
        // v1 used to leave this default to the controller; conversion makes it explicit.
        metrics.push(cpu_metric_spec(json!(DEFAULT_CPU_UTILIZATION)));
    }
    let mut spec = Map::new();
    spec.insert("scaleTargetRef".into(), object_ref(spec_in.get("scaleTargetRef")));
    copy(&mut spec, "minReplicas", &spec_in, "minReplicas");
    spec.insert("maxReplicas".into(), spec_in.get("maxReplicas").cloned().unwrap_or(json!(0)));
    spec.insert("metrics".into(), Value::Array(metrics));
    let behavior =
        annotations.get(BEHAVIOR_ANNOTATION).and_then(Value::as_str).and_then(behavior_from_go);
    put(&mut spec, "behavior", behavior);

    let mut status = Map::new();
    copy(&mut status, "observedGeneration", &status_in, "observedGeneration");
    copy(&mut status, "lastScaleTime", &status_in, "lastScaleTime");
    copy_nonzero(&mut status, "currentReplicas", &status_in, "currentReplicas");
    status.insert(
        "desiredReplicas".into(),
        status_in.get("desiredReplicas").cloned().unwrap_or(json!(0)),
    );
    let mut current: Vec<Value> = present(&status_in, "currentCPUUtilizationPercentage")
        .map(|u| {
            vec![json!({"type": "Resource", "resource": {"name": "cpu",
                "current": {"averageUtilization": u}}})]
        })
        .unwrap_or_default();
    if let Some(statuses) =
        decode_list(&annotations, METRIC_STATUSES_ANNOTATION, metric_status_from_v1)
    {
        // The annotation has more than the v1 field: it replaces it.
        current = statuses;
    }
    if !current.is_empty() {
        status.insert("currentMetrics".into(), Value::Array(current));
    }
    if let Some(conditions) = decode_list(&annotations, CONDITIONS_ANNOTATION, condition_from_v1)
        .filter(|c| !c.is_empty())
    {
        status.insert("conditions".into(), Value::Array(conditions));
    }

    let mut with_meta = hpa.clone();
    drop_round_trip_annotations(&mut with_meta);
    let meta = with_meta.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut out = Map::new();
    out.insert("kind".into(), json!("HorizontalPodAutoscaler"));
    out.insert("apiVersion".into(), json!("autoscaling/v2"));
    out.insert("metadata".into(), Value::Object(meta));
    out.insert("spec".into(), Value::Object(spec));
    out.insert("status".into(), Value::Object(status));
    Value::Object(out)
}
