//! Subresources and resources served without storage of their own: `scale`, `pods/binding`
//! (and `bindings`), namespace `finalize` and deletion, and the review APIs
//! answered from the request (access reviews under AlwaysAllow, token and self reviews).

use std::sync::Arc;

use apimachinery::errors::{StatusError, field};
use apimachinery::patch::{
    PatchSchema, apply_json_patch, apply_merge_patch, strategic_merge_patch,
};
use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::GroupResource;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::resource::{BodyFormat, Output, decode_raw, encode, negotiate_output, with_type};
use super::{ApiServer, Body, Ctx};
use crate::registry::{DeleteOptions, DeleteOutcome, ObjectMetaExt, Store, WriteOptions};

fn success(code: u16) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code})
}

fn scale_selector(info: &ResourceInfo, obj: &Value) -> String {
    if info.resource == "replicationcontrollers" {
        let map = crate::registry::string_map(obj.pointer("/spec/selector"));
        return apimachinery::labels::format_labels(&map);
    }
    let selector = obj.pointer("/spec/selector").cloned().and_then(|s| {
        serde_json::from_value::<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>(s)
            .ok()
    });
    apimachinery::labels::label_selector_as_selector(selector.as_ref())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// The `spec.replicas` a custom resource's scale shows when its replicas field is missing, so
/// that an update which does not set it can be told apart (upstream's sentinel).
const UNSET_REPLICAS: i64 = i32::MIN as i64;

/// The `autoscaling/v1` Scale of an object, and whether its spec replicas were found: built-in
/// kinds keep replicas in `spec.replicas` and `status.replicas`, custom resources where their
/// definition's scale subresource says.
fn to_scale(
    info: &ResourceInfo,
    obj: &Value,
    custom: Option<&crate::apiextensions::definition::Scale>,
) -> Result<(Value, bool), StatusError> {
    let mut metadata = serde_json::Map::new();
    for f in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(v) = obj.meta().and_then(|m| m.get(f)) {
            metadata.insert(f.into(), v.clone());
        }
    }
    let (replicas, found, status_replicas, selector) = match custom {
        None => (
            obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1),
            true,
            obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            scale_selector(info, obj),
        ),
        Some(paths) => {
            use crate::apiextensions::definition::path_fields;
            use apimachinery::unstructured::{nested_i64, nested_string};
            let empty = serde_json::Map::new();
            let m = obj.as_object().unwrap_or(&empty);
            let internal = |e: apimachinery::unstructured::AccessorError| {
                StatusError::new_internal_error(e.to_string())
            };
            let spec = nested_i64(m, &path_fields(&paths.spec_replicas_path)).map_err(internal)?;
            let status = nested_i64(m, &path_fields(&paths.status_replicas_path))
                .map_err(internal)?
                .unwrap_or(0);
            let selector = match &paths.label_selector_path {
                Some(p) => nested_string(m, &path_fields(p)).map_err(internal)?.unwrap_or_default(),
                None => String::new(),
            };
            (spec.unwrap_or(0), spec.is_some(), status, selector)
        }
    };
    // Scale's fields are int32; spec.replicas and the selector are omitted when empty.
    let mut spec = serde_json::Map::new();
    if replicas as i32 != 0 {
        spec.insert("replicas".into(), json!(replicas as i32));
    }
    let mut status = serde_json::Map::new();
    status.insert("replicas".into(), json!(status_replicas as i32));
    if !selector.is_empty() {
        status.insert("selector".into(), json!(selector));
    }
    let scale = json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": spec,
        "status": status,
    });
    Ok((scale, found))
}

/// `GET|PUT|PATCH .../scale`.
pub(super) async fn scale(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    store: &Arc<Store>,
    info: &ResourceInfo,
    namespace: &str,
    body: Bytes,
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let out = Output { protobuf: false, ..negotiate_output(ctx, true)? };
    let name = ctx.info.name.clone();
    let custom = server
        .registry
        .custom_resource(&info.group, &info.version, &info.resource)
        .and_then(|c| c.definition.scale(&info.version).cloned());
    let not_found_replicas = |path: &str| {
        StatusError::new_internal_error(format!(
            "the spec replicas field {} does not exist",
            apimachinery::gofmt::quote(path)
        ))
    };
    match ctx.info.verb.as_str() {
        "get" => {
            let obj = store.get(namespace, &name).await?;
            let (scale, found) = to_scale(info, &obj, custom.as_ref())?;
            if let (false, Some(c)) = (found, &custom) {
                return Err(not_found_replicas(&c.spec_replicas_path));
            }
            Ok(encode(&out, StatusCode::OK, &scale))
        }
        "update" | "patch" => {
            let is_patch = ctx.info.verb == "patch";
            let content_type =
                ctx.header("content-type").split(';').next().unwrap_or("").to_string();
            if custom.is_some() && content_type == "application/strategic-merge-patch+json" {
                return Err(StatusError::new_unsupported_media_type(&[
                    "application/json-patch+json",
                    "application/merge-patch+json",
                    "application/apply-patch+yaml",
                ]));
            }
            let doc: Value = if is_patch {
                serde_json::from_slice(&body)
                    .map_err(|e| StatusError::new_bad_request(&e.to_string()))?
            } else {
                let format =
                    if content_type.contains("yaml") { BodyFormat::Yaml } else { BodyFormat::Json };
                decode_raw(&body, format)?
            };
            let info2 = info.clone();
            let custom2 = custom.clone();
            let update = move |current: Option<&Value>| -> Result<Value, StatusError> {
                let Some(current) = current else {
                    return Err(StatusError::new_not_found(&info2.group_resource(), ""));
                };
                let (mut scale, found) = to_scale(&info2, current, custom2.as_ref())?;
                if !found {
                    scale["spec"]["replicas"] = json!(UNSET_REPLICAS);
                }
                let new_scale = if is_patch {
                    match content_type.as_str() {
                        "application/json-patch+json" => apply_json_patch(&scale, &doc)
                            .map_err(|e| StatusError::new_bad_request(&e.to_string()))?,
                        "application/strategic-merge-patch+json" => {
                            let schema =
                                PatchSchema::of::<k8s_openapi::api::autoscaling::v1::Scale>();
                            strategic_merge_patch(&scale, &doc, &schema)
                                .map_err(|e| StatusError::new_bad_request(&e.to_string()))?
                        }
                        _ => apply_merge_patch(&scale, &doc),
                    }
                } else {
                    doc.clone()
                };
                let replicas =
                    new_scale.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0);
                let mut next = current.clone();
                match &custom2 {
                    None => next["spec"]["replicas"] = json!(replicas),
                    Some(paths) => {
                        if replicas == UNSET_REPLICAS {
                            return Err(StatusError::new_bad_request(&format!(
                                "the spec replicas field {} cannot be empty",
                                apimachinery::gofmt::quote(&paths.spec_replicas_path)
                            )));
                        }
                        let fields = crate::apiextensions::definition::path_fields(
                            &paths.spec_replicas_path,
                        );
                        if let Some(m) = next.as_object_mut() {
                            apimachinery::unstructured::set_nested_field(
                                m,
                                json!(i64::from(replicas as i32)),
                                &fields,
                            )
                            .map_err(|e| StatusError::new_internal_error(e.to_string()))?;
                        }
                    }
                }
                let rv = new_scale.resource_version().to_string();
                next.set_meta_str("resourceVersion", &rv);
                Ok(next)
            };
            let (obj, _) = store.update(namespace, &name, None, &update, false, write).await?;
            let (scale, _) = to_scale(info, &obj, custom.as_ref())
                .map_err(|e| StatusError::new_bad_request(&e.to_string()))?;
            Ok(encode(&out, StatusCode::OK, &scale))
        }
        v => Err(StatusError::new_method_not_supported(&info.group_resource(), v)),
    }
}

/// `POST pods/<name>/binding` (and `bindings`): assigns a pod to a node.
pub(super) async fn binding(
    ctx: &Ctx,
    store: &Arc<Store>,
    namespace: &str,
    name: &str,
    body: Bytes,
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let out = Output { protobuf: false, ..negotiate_output(ctx, true)? };
    let format = match ctx.header("content-type") {
        ct if ct.contains("protobuf") => BodyFormat::Protobuf,
        ct if ct.contains("yaml") => BodyFormat::Yaml,
        _ => BodyFormat::Json,
    };
    let b = decode_raw(&body, format)?;
    // `pods/<name>/binding` names the pod in the URL; the legacy `bindings` in the body.
    let pod_name = if name.is_empty() { b.name().to_string() } else { name.to_string() };
    if b.name() != pod_name {
        return Err(StatusError::new_bad_request(
            "name in URL does not match name in Binding object",
        ));
    }
    let node = b.pointer("/target/name").and_then(Value::as_str).unwrap_or("").to_string();
    let target_kind = b.pointer("/target/kind").and_then(Value::as_str).unwrap_or("");
    let target = field::Path::new("target");
    let mut errs = field::ErrorList::new();
    if !target_kind.is_empty() && target_kind != "Node" {
        errs.push(field::Error::not_supported(
            &target.child("kind"),
            target_kind,
            &["Node", "<empty>"],
        ));
    }
    if node.is_empty() {
        errs.push(field::Error::required(&target.child("name"), ""));
    }
    if let Some(aggregate) = errs.to_aggregate() {
        // Upstream's binding returns its field errors unwrapped: they reach the client as a
        // plain error's 500.
        return Err(StatusError::from_plain_error(aggregate));
    }
    let uid = b.uid().to_string();
    let resource_version = b.resource_version().to_string();
    let annotations = b.pointer("/metadata/annotations").cloned();
    let gr = store.group_resource();
    let binding_gr = GroupResource::new("", "pods/binding");
    let pn = pod_name.clone();
    let update = move |current: Option<&Value>| -> Result<Value, StatusError> {
        let Some(current) = current else { return Err(StatusError::new_not_found(&gr, &pn)) };
        crate::registry::check_preconditions(
            &gr,
            &pn,
            Some(uid.as_str()).filter(|u| !u.is_empty()),
            Some(resource_version.as_str()).filter(|v| !v.is_empty()),
            current,
        )?;
        if current.is_being_deleted() {
            return Err(StatusError::new_conflict(
                &binding_gr,
                &pn,
                format!("pod {pn} is being deleted, cannot be assigned to a host"),
            ));
        }
        let existing = current.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
        if !existing.is_empty() {
            return Err(StatusError::new_conflict(
                &binding_gr,
                &pn,
                format!(
                    "pod {} is already assigned to node {}",
                    pn,
                    apimachinery::gofmt::quote(existing)
                ),
            ));
        }
        // Upstream's assignment: the node, the binding's annotations, and PodScheduled=True.
        let mut next = current.clone();
        next["spec"]["nodeName"] = json!(node);
        if let Some(annotations) = annotations.as_ref().and_then(Value::as_object) {
            let meta = next.meta_mut();
            let target = meta.entry("annotations").or_insert_with(|| json!({}));
            if let Some(target) = target.as_object_mut() {
                for (k, v) in annotations {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
        let now = crate::registry::now_rfc3339();
        let scheduled = json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now});
        let conditions = next["status"]["conditions"].as_array().cloned().unwrap_or_default();
        let mut conditions: Vec<Value> =
            conditions.into_iter().filter(|c| c["type"] != "PodScheduled").collect();
        conditions.push(scheduled);
        next["status"]["conditions"] = Value::Array(conditions);
        Ok(next)
    };
    store.update_unchecked_in(namespace, &pod_name, &update, write).await?;
    Ok(encode(&out, StatusCode::CREATED, &success(201)))
}

/// After a `finalize`, a terminating namespace without finalizers is removed.
pub(super) async fn maybe_finish_namespace(
    store: &Arc<Store>,
    obj: Value,
    write: &WriteOptions,
) -> Result<Value, StatusError> {
    let spec_finalizers_empty =
        obj.pointer("/spec/finalizers").and_then(Value::as_array).is_none_or(Vec::is_empty);
    if obj.is_being_deleted() && spec_finalizers_empty && obj.finalizers().is_empty() {
        let options = DeleteOptions { dry_run: write.dry_run, ..Default::default() };
        if let Ok(DeleteOutcome::Deleted(o)) = store.delete("", obj.name(), &options).await {
            return Ok(o);
        }
    }
    Ok(obj)
}

/// Deleting a namespace marks it Terminating while `spec.finalizers` remain (the namespace
/// controller empties it and then finalizes); without finalizers it goes at once.
pub(super) async fn delete_namespace(
    out: &Output,
    store: &Arc<Store>,
    info: &ResourceInfo,
    name: &str,
    options: &DeleteOptions,
) -> Result<Response<Body>, StatusError> {
    let current = store.get("", name).await?;
    let has_spec_finalizers = current
        .pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if !has_spec_finalizers && current.finalizers().is_empty() {
        return match store.delete("", name, options).await? {
            DeleteOutcome::Deleted(o) | DeleteOutcome::Pending(o) => {
                Ok(encode(out, StatusCode::OK, &with_type(o, info)))
            }
        };
    }
    crate::registry::check_preconditions(
        &info.group_resource(),
        name,
        options.precondition_uid.as_deref(),
        options.precondition_resource_version.as_deref(),
        &current,
    )?;
    let update = |cur: Option<&Value>| -> Result<Value, StatusError> {
        let mut next = cur.cloned().unwrap_or_default();
        if !next.is_being_deleted() {
            next.set_meta_str("deletionTimestamp", &crate::registry::now_rfc3339());
            next.meta_mut().insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        next["status"]["phase"] = json!("Terminating");
        Ok(next)
    };
    let write = WriteOptions { dry_run: options.dry_run, ..Default::default() };
    let (obj, _) = store.update_unchecked(name, &update, &write).await?;
    Ok(encode(out, StatusCode::OK, &with_type(obj, info)))
}

/// Serves the resources that are computed from the request rather than stored (the review
/// APIs). `None` when `info` is not one of them.
pub(super) async fn virtual_create(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    info: &ResourceInfo,
    body: Bytes,
) -> Option<Response<Body>> {
    let kind = match (info.group.as_str(), info.resource.as_str()) {
        ("authorization.k8s.io", r) => r,
        ("authentication.k8s.io", r @ ("tokenreviews" | "selfsubjectreviews")) => r,
        _ => return None,
    };
    // Token reviews may need the stores (service account tokens), so they are checked first.
    let review =
        if kind == "tokenreviews" { Some(token_review(server, ctx, &body).await) } else { None };
    let result = (|| -> Result<Response<Body>, StatusError> {
        let out = Output { protobuf: false, ..negotiate_output(ctx, true)? };
        let format = match ctx.header("content-type") {
            ct if ct.contains("protobuf") => BodyFormat::Protobuf,
            ct if ct.contains("yaml") => BodyFormat::Yaml,
            _ => BodyFormat::Json,
        };
        let mut obj = if body.is_empty() { json!({}) } else { decode_raw(&body, format)? };
        let user = &ctx.user;
        match kind {
            "selfsubjectaccessreviews" | "subjectaccessreviews" | "localsubjectaccessreviews" => {
                // Authorization is AlwaysAllow.
                obj["status"] = json!({"allowed": true});
                if kind == "selfsubjectaccessreviews" {
                    obj["spec"]["user"] = Value::Null;
                }
            }
            "selfsubjectrulesreviews" => {
                obj["status"] = json!({
                    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                    "incomplete": false,
                });
            }
            "selfsubjectreviews" => {
                obj["status"] = json!({"userInfo": user.to_json()});
            }
            "tokenreviews" => {
                obj["status"] = review.clone().unwrap_or_default();
            }
            _ => {
                return Err(StatusError::new_method_not_supported(
                    &info.group_resource(),
                    "create",
                ));
            }
        }
        if let Some(m) = obj.get_mut("spec").and_then(Value::as_object_mut) {
            m.retain(|_, v| !v.is_null());
        }
        obj.meta_mut().insert("creationTimestamp".into(), Value::Null);
        Ok(encode(&out, StatusCode::CREATED, &with_type(obj, info)))
    })();
    Some(result.unwrap_or_else(|e| super::status_response(&e)))
}

/// The status of a TokenReview: the token's user and the audiences it is valid for, checked
/// against the static tokens and then as a service account token.
async fn token_review(server: &ApiServer, ctx: &Ctx, body: &[u8]) -> Value {
    let format = match ctx.header("content-type") {
        ct if ct.contains("protobuf") => BodyFormat::Protobuf,
        ct if ct.contains("yaml") => BodyFormat::Yaml,
        _ => BodyFormat::Json,
    };
    let obj =
        if body.is_empty() { json!({}) } else { decode_raw(body, format).unwrap_or_default() };
    let token = obj.pointer("/spec/token").and_then(Value::as_str).unwrap_or("");
    let api_audiences: Vec<String> =
        server.service_accounts.as_deref().map(|i| i.audiences().to_vec()).unwrap_or_default();
    let requested: Vec<String> = obj
        .pointer("/spec/audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let accepted = if requested.is_empty() { api_audiences } else { requested.clone() };
    if let Some(u) = server.authn.authenticate_token(token) {
        return json!({"authenticated": true, "user": u.to_json(), "audiences": accepted});
    }
    match crate::serviceaccount::authenticate(server, token, &accepted).await {
        Some(Ok(a)) => {
            json!({"authenticated": true, "user": a.user.to_json(), "audiences": a.audiences})
        }
        Some(Err(reason)) => {
            json!({"user": {}, "error": format!("[invalid bearer token, {reason}]")})
        }
        None => json!({"user": {}, "error": "invalid bearer token"}),
    }
}
