//! Renders the neutral definitions and operations as OpenAPI v2 (Swagger) and OpenAPI v3
//! documents shaped as kube-openapi's builders shape them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::paths::{In, Operation, Param, PathItem, Payload};
use super::schemas::REF_PREFIX;

/// The document title upstream uses.
const TITLE: &str = "Kubernetes";
const V3_PREFIX: &str = "#/components/schemas/";

fn bearer_token() -> Value {
    json!({
        "description": "Bearer Token authentication",
        "in": "header",
        "name": "authorization",
        "type": "apiKey"
    })
}

/// Sorts every object's keys, as Go's encoder writes maps, so bytes (and hashes) are stable.
pub(super) fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut child) in entries {
                sort_keys(&mut child);
                map.insert(k, child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

fn gvk_value(gvk: &(String, String, String)) -> Value {
    json!({"group": gvk.0, "kind": gvk.2, "version": gvk.1})
}

fn location(p: &Param) -> &'static str {
    match p.location {
        In::Path => "path",
        In::Query => "query",
    }
}

fn v2_param(p: &Param) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), p.description.clone().into());
    out.insert("in".into(), location(p).into());
    out.insert("name".into(), p.name.clone().into());
    if p.location == In::Path {
        out.insert("required".into(), true.into());
    }
    out.insert("type".into(), p.ty.clone().into());
    out.insert("uniqueItems".into(), true.into());
    Value::Object(out)
}

fn v3_param(p: &Param) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), p.description.clone().into());
    out.insert("in".into(), location(p).into());
    out.insert("name".into(), p.name.clone().into());
    if p.location == In::Path {
        out.insert("required".into(), true.into());
    }
    out.insert("schema".into(), json!({"type": p.ty, "uniqueItems": true}));
    Value::Object(out)
}

fn payload_schema(p: &Payload, prefix: &str) -> Value {
    match p {
        Payload::Definition(name) => json!({"$ref": format!("{prefix}{name}")}),
        Payload::Text => json!({"type": "string"}),
    }
}

fn v2_operation(op: &Operation) -> Value {
    let mut out = Map::new();
    let consumes: Vec<&str> = op.body.as_ref().map(|b| b.1.clone()).unwrap_or_else(|| vec!["*/*"]);
    out.insert("consumes".into(), json!(consumes));
    out.insert("description".into(), op.description.clone().into());
    out.insert("operationId".into(), op.id.clone().into());
    let mut params: Vec<Value> = Vec::new();
    if let Some((payload, _, required)) = &op.body {
        let mut body = Map::new();
        body.insert("in".into(), "body".into());
        body.insert("name".into(), "body".into());
        if *required {
            body.insert("required".into(), true.into());
        }
        body.insert("schema".into(), payload_schema(payload, REF_PREFIX));
        params.push(Value::Object(body));
    }
    params.extend(op.params.iter().map(v2_param));
    if !params.is_empty() {
        out.insert("parameters".into(), Value::Array(params));
    }
    out.insert("produces".into(), json!(op.produces));
    let mut responses = Map::new();
    for (code, description) in &op.responses {
        let mut r = Map::new();
        r.insert("description".into(), (*description).into());
        if *code != "401"
            && let Some(p) = &op.payload
        {
            r.insert("schema".into(), payload_schema(p, REF_PREFIX));
        }
        responses.insert((*code).into(), Value::Object(r));
    }
    out.insert("responses".into(), Value::Object(responses));
    out.insert("schemes".into(), json!(["https"]));
    out.insert("tags".into(), json!([op.tag]));
    if !op.action.is_empty() {
        out.insert("x-kubernetes-action".into(), op.action.into());
    }
    if let Some(gvk) = &op.gvk {
        out.insert("x-kubernetes-group-version-kind".into(), gvk_value(gvk));
    }
    Value::Object(out)
}

fn v3_operation(op: &Operation) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), op.description.clone().into());
    out.insert("operationId".into(), op.id.clone().into());
    if !op.params.is_empty() {
        out.insert("parameters".into(), op.params.iter().map(v3_param).collect());
    }
    if let Some((payload, types, required)) = &op.body {
        let mut content = Map::new();
        for t in types {
            content.insert((*t).into(), json!({"schema": payload_schema(payload, V3_PREFIX)}));
        }
        let mut body = Map::new();
        body.insert("content".into(), Value::Object(content));
        if *required {
            body.insert("required".into(), true.into());
        }
        out.insert("requestBody".into(), Value::Object(body));
    }
    let mut responses = Map::new();
    for (code, description) in &op.responses {
        let mut r = Map::new();
        if *code != "401"
            && let Some(p) = &op.payload
        {
            let mut content = Map::new();
            for t in &op.produces {
                content.insert((*t).into(), json!({"schema": payload_schema(p, V3_PREFIX)}));
            }
            r.insert("content".into(), Value::Object(content));
        }
        r.insert("description".into(), (*description).into());
        responses.insert((*code).into(), Value::Object(r));
    }
    out.insert("responses".into(), Value::Object(responses));
    out.insert("tags".into(), json!([op.tag]));
    if !op.action.is_empty() {
        out.insert("x-kubernetes-action".into(), op.action.into());
    }
    if let Some(gvk) = &op.gvk {
        out.insert("x-kubernetes-group-version-kind".into(), gvk_value(gvk));
    }
    Value::Object(out)
}

fn path_items(
    items: &[PathItem],
    op: fn(&Operation) -> Value,
    param: fn(&Param) -> Value,
) -> Value {
    let mut paths = Map::new();
    for item in items {
        let mut obj = Map::new();
        for o in &item.ops {
            obj.insert(o.method.into(), op(o));
        }
        if !item.params.is_empty() {
            obj.insert("parameters".into(), item.params.iter().map(param).collect());
        }
        paths.insert(item.path.clone(), Value::Object(obj));
    }
    Value::Object(paths)
}

/// The Swagger 2.0 document over `items` and `definitions`.
pub(super) fn v2_document(
    version: &str,
    items: &[PathItem],
    definitions: &BTreeMap<String, &Value>,
) -> Value {
    let defs: Map<String, Value> =
        definitions.iter().map(|(k, v)| (k.clone(), (*v).clone())).collect();
    let mut doc = json!({
        "definitions": defs,
        "info": {"title": TITLE, "version": version},
        "paths": path_items(items, v2_operation, v2_param),
        "security": [{"BearerToken": []}],
        "securityDefinitions": {"BearerToken": bearer_token()},
        "swagger": "2.0"
    });
    sort_keys(&mut doc);
    doc
}

/// One schema in v3 form: references under `#/components/schemas/`, and a reference that has
/// sibling keywords wrapped in `allOf` (v3.0 ignores siblings of `$ref`).
fn v3_schema(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut reference = None;
            for (k, child) in map {
                if k == "$ref" {
                    let mut r = child.clone();
                    if let Some(s) = child.as_str().and_then(|s| s.strip_prefix(REF_PREFIX)) {
                        r = Value::String(format!("{V3_PREFIX}{s}"));
                    }
                    reference = Some(r);
                } else if k == "properties" {
                    let props = child
                        .as_object()
                        .map(|p| p.iter().map(|(n, s)| (n.clone(), v3_schema(s))).collect())
                        .unwrap_or_default();
                    out.insert(k.clone(), Value::Object(props));
                } else if k == "items" || k == "additionalProperties" || k == "not" {
                    out.insert(k.clone(), v3_schema(child));
                } else if k == "allOf" || k == "oneOf" || k == "anyOf" {
                    let list = child
                        .as_array()
                        .map(|a| a.iter().map(v3_schema).collect())
                        .unwrap_or_default();
                    out.insert(k.clone(), Value::Array(list));
                } else {
                    out.insert(k.clone(), child.clone());
                }
            }
            if let Some(r) = reference {
                if out.is_empty() {
                    out.insert("$ref".into(), r);
                } else {
                    out.insert("allOf".into(), json!([{"$ref": r}]));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A definition in v3 form; `IntOrString` and `Quantity` take upstream's `oneOf` shapes.
fn v3_definition(name: &str, v: &Value) -> Value {
    let mut out = v3_schema(v);
    if let Some(obj) = out.as_object_mut() {
        match name {
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => {
                obj.remove("type");
                obj.insert("oneOf".into(), json!([{"type": "integer"}, {"type": "string"}]));
            }
            "io.k8s.apimachinery.pkg.api.resource.Quantity" => {
                obj.remove("type");
                obj.insert("oneOf".into(), json!([{"type": "string"}, {"type": "number"}]));
            }
            _ => {}
        }
    }
    out
}

/// The OpenAPI 3.0 document of one group/version.
pub(super) fn v3_document(
    version: &str,
    items: &[PathItem],
    definitions: &BTreeMap<String, &Value>,
) -> Value {
    let schemas: Map<String, Value> =
        definitions.iter().map(|(k, v)| (k.clone(), v3_definition(k, v))).collect();
    let mut doc = json!({
        "components": {
            "schemas": schemas,
            "securitySchemes": {"BearerToken": bearer_token()}
        },
        "info": {"title": TITLE, "version": version},
        "openapi": "3.0.0",
        "paths": path_items(items, v3_operation, v3_param)
    });
    sort_keys(&mut doc);
    doc
}
