//! The REST verbs of resources (upstream's `handlers` package): get, list, watch, create,
//! update, patch, delete and deletecollection, plus the subresources served in-process
//! (`status`, `scale`, `binding`, `eviction`, namespace `finalize`) and the review APIs.

use std::sync::{Arc, LazyLock};

use apimachinery::codec::Format;
use apimachinery::codec::media::{CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF, CONTENT_TYPE_YAML};
use apimachinery::codec::media::{
    ResourceEndpointRestrictions, ResponseTarget, SerializerInfo, negotiate_input_serializer,
    negotiate_output_media_type,
};
use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error as FieldError, ErrorList, Path as FieldPath};
use apimachinery::patch::{apply_json_patch, apply_merge_patch, strategic_merge_patch};
use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::GroupKind;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use super::response::{bytes, status_json, status_response};
use super::{ApiServer, Body, Ctx};
use crate::fieldmanager::FieldManager;
use crate::registry::{
    DeleteOptions, DeleteOutcome, ListParams, ObjectMetaExt, Store, WriteOptions,
};

/// A request body's wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// Kubernetes protobuf.
    Protobuf,
}

/// A patch that cannot be applied: 422 as upstream's generic server response builds it.
fn unprocessable(message: &str) -> StatusError {
    StatusError::new_generic_server_response(422, "", &Default::default(), "", message, 0, false)
}

/// How the response should be written.
#[derive(Debug, Clone)]
pub(super) struct Output {
    pub(super) target: ResponseTarget,
    pub(super) yaml: bool,
    pub(super) protobuf: bool,
    pub(super) pretty: bool,
    pub(super) include_object: String,
    /// A custom resource's own table columns.
    pub(super) columns: Option<Vec<crate::registry::PrinterColumn>>,
}

/// The response formats of built-in resources (custom resources have all but protobuf).
fn output_serializers(builtin: bool) -> &'static [SerializerInfo] {
    static ALL: LazyLock<Vec<SerializerInfo>> = LazyLock::new(|| {
        let mut s = vec![
            SerializerInfo::new(CONTENT_TYPE_JSON, true),
            SerializerInfo::new(CONTENT_TYPE_YAML, false),
        ];
        if crate::protobuf::ENCODE_SUPPORTED {
            s.push(SerializerInfo::new(CONTENT_TYPE_PROTOBUF, true));
        }
        s
    });
    static CUSTOM: LazyLock<Vec<SerializerInfo>> = LazyLock::new(|| {
        ALL.iter().filter(|s| s.media_type != CONTENT_TYPE_PROTOBUF).cloned().collect()
    });
    if builtin { &ALL } else { &CUSTOM }
}

/// Negotiates the response format of a resource request.
pub(super) fn negotiate_output(ctx: &Ctx, builtin: bool) -> Result<Output, StatusError> {
    let restrictions = ResourceEndpointRestrictions {
        table_convertor: true,
        standard_serializers: Vec::new(),
        meta_version: "v1".into(),
    };
    let serializers = output_serializers(builtin);
    let pretty =
        apimachinery::codec::media::is_pretty_print(&ctx.raw_query, ctx.header("user-agent"));
    let o = negotiate_output_media_type(ctx.header("accept"), serializers, &restrictions, pretty)
        .map_err(|e| e.to_status_error())?;
    Ok(Output {
        target: o.target(),
        yaml: o.accepted.media_type == CONTENT_TYPE_YAML,
        protobuf: o.accepted.media_type == CONTENT_TYPE_PROTOBUF
            && matches!(o.target(), ResponseTarget::Object),
        pretty: o.pretty,
        include_object: ctx.param("includeObject").unwrap_or("").to_string(),
        columns: None,
    })
}

/// Encodes a value in the negotiated format.
pub(super) fn encode(out: &Output, code: StatusCode, value: &Value) -> Response<Body> {
    if out.protobuf
        && let Ok(pb) = crate::protobuf::encode(value)
    {
        return bytes(code, CONTENT_TYPE_PROTOBUF, pb, None);
    }
    if out.yaml {
        let text = apimachinery::codec::encode_yaml(value).unwrap_or_default();
        return bytes(code, CONTENT_TYPE_YAML, text, None);
    }
    let body = if out.pretty {
        let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
        v.push(b'\n');
        v
    } else {
        serde_json::to_vec(value).unwrap_or_default()
    };
    bytes(code, CONTENT_TYPE_JSON, body, None)
}

/// Sets the apiVersion and kind an object is served with.
pub(super) fn with_type(mut obj: Value, info: &ResourceInfo) -> Value {
    if let Some(m) = obj.as_object_mut() {
        let mut out = Map::new();
        out.insert("kind".into(), json!(info.kind));
        out.insert("apiVersion".into(), json!(info.api_version()));
        for (k, v) in std::mem::take(m) {
            if k != "kind" && k != "apiVersion" {
                out.insert(k, v);
            }
        }
        *m = out;
    }
    obj
}

/// A stored object as served at `info`: converted to the request's version, with its type.
pub(super) fn served(obj: Value, info: &ResourceInfo) -> Value {
    with_type(crate::conversion::to_served(obj, info), info)
}

fn partial_metadata(obj: &Value, version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// Renders stored objects as a `Table` (rows carry metadata or the object per `includeObject`).
pub(super) fn table(
    columns: Option<&[crate::registry::PrinterColumn]>,
    info: &ResourceInfo,
    objects: &[Value],
    include_object: &str,
    version: &str,
    list_meta: Value,
    headers: bool,
) -> Value {
    let printer = TablePrinter::new(columns, info, include_object, version);
    let rows = objects.iter().map(|o| printer.row(o.clone())).collect();
    printer.table(rows, list_meta, headers)
}

/// Renders objects one at a time as the rows of a `Table`, then the table of the rows.
struct TablePrinter<'a> {
    columns: Option<&'a [crate::registry::PrinterColumn]>,
    info: &'a ResourceInfo,
    include_object: &'a str,
    version: &'a str,
    now: jiff::Timestamp,
}

impl<'a> TablePrinter<'a> {
    fn new(
        columns: Option<&'a [crate::registry::PrinterColumn]>,
        info: &'a ResourceInfo,
        include_object: &'a str,
        version: &'a str,
    ) -> Self {
        TablePrinter { columns, info, include_object, version, now: jiff::Timestamp::now() }
    }

    fn print(&self, objects: &[Value]) -> apimachinery::codec::meta::Table {
        match self.columns {
            Some(columns) => crate::apiextensions::table(columns, objects, self.now),
            None => {
                let (group, resource) = crate::conversion::printer_resource(self.info);
                crate::printers::to_table(group, resource, objects, self.now)
            }
        }
    }

    /// The row of one object.
    fn row(&self, obj: Value) -> apimachinery::codec::meta::TableRow {
        let mut row = match self.columns {
            Some(_) => self.print(std::slice::from_ref(&obj)).rows.pop().unwrap_or_default(),
            None => {
                let (group, resource) = crate::conversion::printer_resource(self.info);
                crate::printers::row(group, resource, &obj, self.now)
            }
        };
        row.object = match self.include_object {
            "None" => Value::Null,
            "Object" => served(obj, self.info),
            _ => partial_metadata(&obj, self.version),
        };
        row
    }

    /// The table of `rows`, with its column definitions when `headers` is set.
    fn table(
        &self,
        rows: Vec<apimachinery::codec::meta::TableRow>,
        list_meta: Value,
        headers: bool,
    ) -> Value {
        serde_json::to_value(self.table_out(&rows, &list_meta, headers))
            .unwrap_or_else(|_| json!({}))
    }

    /// [`TablePrinter::table`] ready to serialize, without copying the rows.
    fn table_out<'r>(
        &self,
        rows: &'r [apimachinery::codec::meta::TableRow],
        list_meta: &'r Value,
        headers: bool,
    ) -> TableOut<'r> {
        let column_definitions =
            if headers { self.print(&[]).column_definitions } else { Vec::new() };
        TableOut {
            kind: "Table",
            api_version: format!("meta.k8s.io/{}", self.version),
            metadata: list_meta,
            column_definitions,
            rows,
        }
    }
}

/// A `Table` as it is written.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TableOut<'r> {
    kind: &'static str,
    api_version: String,
    metadata: &'r Value,
    column_definitions: Vec<apimachinery::codec::meta::TableColumnDefinition>,
    rows: &'r [apimachinery::codec::meta::TableRow],
}

/// Encodes one object as the client asked (object, table or metadata).
fn respond_object(
    out: &Output,
    info: &ResourceInfo,
    code: StatusCode,
    obj: Value,
) -> Response<Body> {
    let value = match &out.target {
        ResponseTarget::Object => served(obj, info),
        ResponseTarget::Table { version } => table(
            out.columns.as_deref(),
            info,
            &[obj],
            &out.include_object,
            version,
            json!({}),
            true,
        ),
        ResponseTarget::PartialObjectMetadata { version } => partial_metadata(&obj, version),
        ResponseTarget::PartialObjectMetadataList { .. } => {
            return status_response(&StatusError::new_bad_request(
                "PartialObjectMetadataList is only served for lists",
            ));
        }
    };
    encode(out, code, &value)
}

/// Encodes a list that is not read from a store (its `items` already served objects) as the
/// client asked: the list, a table, or the items' metadata.
fn respond_items(out: &Output, info: &ResourceInfo, list: Value) -> Response<Body> {
    let items = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    let value = match &out.target {
        ResponseTarget::Object => list,
        ResponseTarget::Table { version } => table(
            out.columns.as_deref(),
            info,
            &items,
            &out.include_object,
            version,
            json!({}),
            true,
        ),
        ResponseTarget::PartialObjectMetadata { version }
        | ResponseTarget::PartialObjectMetadataList { version } => json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": format!("meta.k8s.io/{version}"),
            "metadata": {},
            "items": items.iter().map(|i| partial_metadata(i, version)).collect::<Vec<_>>(),
        }),
    };
    encode(out, StatusCode::OK, &value)
}

/// [`respond_object`] for an object just written: its JSON is sent as the store encoded it
/// when that is what the client asked for (plain JSON of the object at its stored version).
fn respond_written(
    out: &Output,
    info: &ResourceInfo,
    code: StatusCode,
    written: crate::registry::Written,
) -> Response<Body> {
    if let Some(json) = written.json
        && matches!(out.target, ResponseTarget::Object)
        && !out.protobuf
        && !out.yaml
        && !out.pretty
        && crate::conversion::served_as_stored(info)
        && json.starts_with(served_type_prefix(info).as_bytes())
    {
        return bytes(code, CONTENT_TYPE_JSON, json, None);
    }
    respond_object(out, info, code, written.obj)
}

/// How the JSON of an object served at `info` starts (see [`with_type`]).
fn served_type_prefix(info: &ResourceInfo) -> String {
    let kind = serde_json::to_string(&info.kind).unwrap_or_default();
    let api_version = serde_json::to_string(&info.api_version()).unwrap_or_default();
    format!("{{\"kind\":{kind},\"apiVersion\":{api_version},")
}

fn list_meta<T>(page: &crate::registry::ListPage<T>) -> Value {
    let mut m = Map::new();
    m.insert("resourceVersion".into(), json!(page.revision.to_string()));
    if let Some(c) = &page.continue_token {
        m.insert("continue".into(), json!(c));
    }
    if let Some(r) = page.remaining {
        m.insert("remainingItemCount".into(), json!(r));
    }
    Value::Object(m)
}

/// Serves a resource request.
pub(super) async fn serve(server: &Arc<ApiServer>, ctx: &Ctx, body: Bytes) -> Response<Body> {
    let mut r = match serve_inner(server, ctx, body).await {
        Ok(r) => r,
        Err(e) => status_response(&e),
    };
    let ri = &ctx.info;
    // Every request to a deprecated custom resource version is warned about, first.
    if let Some(w) = server
        .registry
        .custom_resource(&ri.api_group, &ri.api_version, &ri.resource)
        .and_then(|c| c.deprecation_warning())
    {
        let later: Vec<HeaderValue> = r.headers_mut().remove(header::WARNING).into_iter().collect();
        add_warning(&mut r, &w);
        for v in later {
            r.headers_mut().append(header::WARNING, v);
        }
    }
    r
}

/// Adds `Warning` headers for each text.
fn with_warnings(mut r: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        add_warning(&mut r, w);
    }
    r
}

/// `fieldValidation` of a custom resource's create or update body, and upstream's warnings
/// about the object's new finalizers: Strict fails, Warn (the default) warns.
fn custom_body_warnings(
    custom: &crate::registry::CustomResource,
    ctx: &Ctx,
    body: &[u8],
    obj: &Value,
) -> Result<Vec<String>, StatusError> {
    let directive = ctx.param("fieldValidation").unwrap_or("");
    let duplicates = match body_format(ctx)? {
        _ if directive == "Ignore" => Vec::new(),
        BodyFormat::Protobuf => Vec::new(),
        f => {
            let format = if f == BodyFormat::Yaml { Format::Yaml } else { Format::Json };
            match apimachinery::codec::decode_unstructured_strict(body, format) {
                Ok((_, Some(e))) if directive == "Strict" => e.errors,
                Ok((_, Some(e))) => e.warnings(),
                _ => Vec::new(),
            }
        }
    };
    custom.definition.check_fields(
        &custom.info.version,
        obj,
        duplicates,
        directive,
        crate::apiextensions::WriteKind::Body,
    )
}

fn not_found() -> StatusError {
    let mut status = StatusError::new_not_found(&Default::default(), "").into_status();
    status.message = Some("the server could not find the requested resource".into());
    status.details = Some(Default::default());
    StatusError::from_status(status)
}

async fn serve_inner(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    body: Bytes,
) -> Result<Response<Body>, StatusError> {
    let ri = &ctx.info;
    let Some(info) = server.registry.resource(&ri.api_group, &ri.api_version, &ri.resource) else {
        return Err(not_found());
    };
    let Some(store) = server.registry.store_at(&ri.api_group, &ri.api_version, &ri.resource) else {
        return Err(not_found());
    };
    // Only a proxy has a path after its subresource.
    if ri.parts.len() > 3 && ri.subresource != "proxy" {
        return Err(not_found());
    }
    let namespace = if info.namespaced { ri.namespace.clone() } else { String::new() };
    let sub = ri.subresource.as_str();
    if !sub.is_empty() && info.subresource(sub).is_none() {
        return Err(not_found());
    }
    let verb = ri.verb.as_str();
    let gr = info.group_resource();
    let verb_allowed = if sub.is_empty() {
        info.has_verb(verb)
    } else {
        info.subresource(sub).is_some_and(|s| s.verbs.iter().any(|v| v == verb))
    };
    if !verb_allowed {
        let action = match verb {
            "get" | "list" => "list",
            v => v,
        };
        return Err(StatusError::new_method_not_supported(&gr, action));
    }
    if sub == "proxy"
        && info.group.is_empty()
        && matches!(info.resource.as_str(), "nodes" | "pods" | "services")
    {
        // Before content negotiation: the answer is the target's, in whatever it speaks. The
        // path after `.../<name>/proxy` goes on as sent (a trailing slash included).
        let marker = format!("/{}/proxy", ri.name);
        let rest = ri.path.split_once(&marker).map_or("", |(_, rest)| rest);
        return super::proxy::serve(
            server,
            ctx,
            &store,
            &info.resource,
            &namespace,
            &ri.name,
            rest,
            body,
        )
        .await;
    }
    let mut out = negotiate_output(
        ctx,
        crate::kinds::lookup(&info.group, &info.version, &info.kind).is_some(),
    )?;
    out.columns = server.registry.custom_columns(&info.group, &info.version, &info.resource);
    let dry_run = ctx.query.iter().any(|(k, v)| k == "dryRun" && v == "All");
    // A resource kept in another one's store (events.k8s.io Events) is validated as the API
    // the request addressed.
    let validate_as =
        crate::conversion::storage_resource(&info.group, &info.resource).map(|_| info.clone());
    let write = WriteOptions { dry_run, validate_as, ..Default::default() };
    if let Some(v) = ctx.param("dryRun")
        && v != "All"
        && !v.is_empty()
    {
        return Err(StatusError::new_bad_request(&format!(
            "Invalid dry run value: {v}. Only All is supported"
        )));
    }
    match (sub, verb) {
        ("scale", _) => {
            return super::subresources::scale(
                server, ctx, &store, &info, &namespace, body, &write,
            )
            .await;
        }
        ("binding", "create") => {
            return super::subresources::binding(ctx, &store, &namespace, &ri.name, body, &write)
                .await;
        }
        ("token", "create") if info.group.is_empty() && info.resource == "serviceaccounts" => {
            let out = Output { protobuf: false, ..out };
            let req =
                if body.is_empty() { Value::Null } else { decode_raw(&body, body_format(ctx)?)? };
            let token =
                crate::serviceaccount::create_token(server, &namespace, &ri.name, req).await?;
            return Ok(encode(&out, StatusCode::CREATED, &token));
        }
        ("exec" | "attach" | "portforward", "get" | "create")
            if info.group.is_empty() && info.resource == "pods" =>
        {
            return super::streaming::serve(server, ctx, &store, &namespace, &ri.name, sub).await;
        }
        ("log", "get") if info.group.is_empty() && info.resource == "pods" => {
            return super::logs::serve(server, ctx, &store, &namespace, &ri.name).await;
        }
        ("eviction", "create") => {
            return super::eviction::eviction(
                server, ctx, &store, &namespace, &ri.name, body, &write,
            )
            .await;
        }
        _ => {}
    }
    if info.group.is_empty() && info.resource == "componentstatuses" {
        let name = (verb == "get").then_some(ri.name.as_str());
        let value = super::componentstatus::read(server, name).await?;
        let response = match name {
            Some(_) => respond_object(&out, &info, StatusCode::OK, value),
            None => respond_items(&out, &info, value),
        };
        return Ok(with_warnings(response, &[super::componentstatus::DEPRECATED.to_string()]));
    }
    if let Some(r) = super::subresources::virtual_create(server, ctx, &info, body.clone()).await {
        return Ok(r);
    }
    if info.group.is_empty() && info.resource == "bindings" && verb == "create" {
        // The legacy `bindings` resource stores nothing: it binds the pod its body names.
        let Some(pods) = server.registry.store_at("", "v1", "pods") else {
            return Err(not_found());
        };
        return super::subresources::binding(ctx, &pods, &namespace, "", body, &write).await;
    }
    match verb {
        "get" => {
            let obj = store.get(&namespace, &ri.name).await?;
            Ok(respond_object(&out, &info, StatusCode::OK, obj))
        }
        "list" => list(ctx, &out, &store, &info, &namespace).await,
        "watch" => super::watch::serve(server, ctx, &out, &store, &info, &namespace).await,
        "create" => create(server, ctx, &out, &store, &info, &namespace, &body, &write).await,
        "update" => update(server, ctx, &out, &store, &info, &namespace, sub, &body, &write).await,
        "patch" => patch(server, ctx, &out, &store, &info, &namespace, sub, body, &write).await,
        "delete" => {
            let options = delete_options(ctx, &body, dry_run)?;
            if info.group.is_empty() && info.resource == "namespaces" {
                server.namespaces.deleting(&ri.name);
                return super::subresources::delete_namespace(
                    &out, &store, &info, &ri.name, &options,
                )
                .await;
            }
            match store.delete(&namespace, &ri.name, &options).await? {
                DeleteOutcome::Deleted(obj) => {
                    if returns_deleted_object(&info) {
                        Ok(respond_object(&out, &info, StatusCode::OK, obj))
                    } else {
                        Ok(encode(&out, StatusCode::OK, &delete_status(store.info(), &obj)))
                    }
                }
                DeleteOutcome::Pending(obj) => Ok(respond_object(&out, &info, StatusCode::OK, obj)),
            }
        }
        "deletecollection" => {
            let options = delete_options(ctx, &body, dry_run)?;
            let params = ListParams::from_query(&ctx.query)?;
            let predicate = crate::conversion::predicate(&info, &params)?;
            let ns = (!namespace.is_empty()).then_some(namespace.as_str());
            let page = store
                .list(
                    ns,
                    &ListParams { limit: 0, continue_token: String::new(), ..params },
                    &predicate,
                )
                .await?;
            let mut items = Vec::new();
            for obj in page.items {
                if info.group.is_empty() && info.resource == "namespaces" {
                    server.namespaces.deleting(obj.name());
                }
                match store.delete(obj.namespace(), obj.name(), &options).await {
                    Ok(DeleteOutcome::Deleted(o) | DeleteOutcome::Pending(o)) => {
                        items.push(crate::conversion::to_served(o, &info))
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            let list = json!({
                "kind": format!("{}List", info.kind),
                "apiVersion": info.api_version(),
                "metadata": {},
                "items": items,
            });
            Ok(encode(&out, StatusCode::OK, &list))
        }
        _ => Err(StatusError::new_method_not_supported(&gr, verb)),
    }
}

/// Upstream's stores that answer a delete with the deleted object rather than a `Status`.
fn returns_deleted_object(info: &ResourceInfo) -> bool {
    matches!(
        (info.group.as_str(), info.resource.as_str()),
        ("", "pods")
            | ("", "services")
            | ("", "namespaces")
            | ("", "nodes")
            | ("", "persistentvolumes")
            | ("", "persistentvolumeclaims")
    )
}

/// The `Status` a delete answers with.
pub(super) fn delete_status(info: &ResourceInfo, obj: &Value) -> Value {
    let mut details = Map::new();
    details.insert("name".into(), json!(obj.name()));
    if !info.group.is_empty() {
        details.insert("group".into(), json!(info.group));
    }
    details.insert("kind".into(), json!(info.resource));
    details.insert("uid".into(), json!(obj.uid()));
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    })
}

async fn list(
    ctx: &Ctx,
    out: &Output,
    store: &Store,
    info: &ResourceInfo,
    namespace: &str,
) -> Result<Response<Body>, StatusError> {
    let params = ListParams::from_query(&ctx.query)?;
    let predicate = crate::conversion::predicate(info, &params)?;
    let ns = (!namespace.is_empty()).then_some(namespace);
    let form = match &out.target {
        ResponseTarget::Object => Some(StoredForm::Item),
        ResponseTarget::PartialObjectMetadataList { version }
        | ResponseTarget::PartialObjectMetadata { version } => Some(StoredForm::Metadata(version)),
        ResponseTarget::Table { .. } => None,
    };
    if let Some(form) = form
        && !out.protobuf
        && !out.yaml
        && !out.pretty
        && crate::kinds::lookup(&info.group, &info.version, &info.kind).is_some()
        && crate::conversion::served_as_stored(info)
    {
        let page = store.list_stored(ns, &params, &predicate).await?;
        let body = stored_list_json(store, info, page, form)?;
        return Ok(bytes(StatusCode::OK, CONTENT_TYPE_JSON, body, None));
    }
    // Each object is reduced to what the response needs as it is read, so a list is never held
    // whole as decoded objects.
    let builtin = crate::kinds::lookup(&info.group, &info.version, &info.kind).is_some();
    let value = match &out.target {
        ResponseTarget::Table { version } => {
            let printer =
                TablePrinter::new(out.columns.as_deref(), info, &out.include_object, version);
            let page = store.list_with(ns, &params, &predicate, |o| Ok(printer.row(o))).await?;
            let meta = list_meta(&page);
            if !out.protobuf && !out.yaml && !out.pretty {
                let t = printer.table_out(&page.items, &meta, true);
                let body = serde_json::to_vec(&t).map_err(StatusError::new_internal_error)?;
                return Ok(bytes(StatusCode::OK, CONTENT_TYPE_JSON, body, None));
            }
            printer.table(page.items, meta, true)
        }
        ResponseTarget::PartialObjectMetadataList { version }
        | ResponseTarget::PartialObjectMetadata { version } => {
            let page = store
                .list_with(ns, &params, &predicate, |o| Ok(partial_metadata(&o, version)))
                .await?;
            let meta = list_meta(&page);
            json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": format!("meta.k8s.io/{version}"),
                "metadata": meta,
                "items": page.items,
            })
        }
        ResponseTarget::Object => {
            let kind = format!("{}List", info.kind);
            if out.protobuf
                && builtin
                && let Some(body) =
                    list_protobuf(store, info, &kind, ns, &params, &predicate).await?
            {
                return Ok(bytes(StatusCode::OK, CONTENT_TYPE_PROTOBUF, body, None));
            }
            let page = store
                .list_with(ns, &params, &predicate, |o| Ok(list_item(o, info, builtin)))
                .await?;
            let meta = list_meta(&page);
            json!({
                "kind": kind,
                "apiVersion": info.api_version(),
                "metadata": meta,
                "items": page.items,
            })
        }
    };
    Ok(encode(out, StatusCode::OK, &value))
}

/// A stored object as an item of its list: typed lists carry no type on their items.
fn list_item(obj: Value, info: &ResourceInfo, builtin: bool) -> Value {
    if !builtin {
        return with_type(obj, info);
    }
    let mut obj = crate::conversion::to_served(obj, info);
    if let Some(m) = obj.as_object_mut() {
        m.shift_remove("kind");
        m.shift_remove("apiVersion");
    }
    obj
}

/// A list of built-in objects in protobuf, each item encoded as it is read; `None` when an
/// item has no protobuf form (the list is then answered in JSON, as [`encode`] does).
async fn list_protobuf(
    store: &Store,
    info: &ResourceInfo,
    kind: &str,
    ns: Option<&str>,
    params: &ListParams,
    predicate: &crate::registry::Predicate,
) -> Result<Option<Vec<u8>>, StatusError> {
    use apimachinery::codec::protobuf::ListEncoder;
    let Ok(mut encoder) = ListEncoder::new(&info.api_version(), kind) else { return Ok(None) };
    let mut failed = false;
    let page = store
        .list_with(ns, params, predicate, |o| {
            if !failed && encoder.push(&list_item(o, info, true)).is_err() {
                failed = true;
            }
            Ok(())
        })
        .await?;
    if failed {
        return Ok(None);
    }
    let head = json!({
        "kind": kind,
        "apiVersion": info.api_version(),
        "metadata": list_meta(&page),
    });
    Ok(encoder.finish(&head).ok())
}

/// What a list written from stored bytes holds per object.
#[derive(Clone, Copy)]
enum StoredForm<'a> {
    /// The object without its type (a typed list's item).
    Item,
    /// Its `PartialObjectMetadata` in meta.k8s.io version `.0`.
    Metadata(&'a str),
}

/// The JSON of a list of built-in objects served as stored, written from the stored bytes: each
/// item is taken from its stored JSON with its resourceVersion set, as the decoded list would
/// print it. Items whose bytes are not one clean object with object metadata are decoded.
fn stored_list_json(
    store: &Store,
    info: &ResourceInfo,
    page: crate::registry::ListPage<crate::storage::KeyValue>,
    form: StoredForm,
) -> Result<Vec<u8>, StatusError> {
    let size: usize = page.items.iter().map(|kv| kv.value.len() + 32).sum();
    let mut body = Vec::with_capacity(size + 256);
    let head = match form {
        StoredForm::Item => json!({
            "kind": format!("{}List", info.kind),
            "apiVersion": info.api_version(),
            "metadata": list_meta(&page),
        }),
        StoredForm::Metadata(version) => json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": format!("meta.k8s.io/{version}"),
            "metadata": list_meta(&page),
        }),
    };
    let head = serde_json::to_vec(&head).map_err(StatusError::new_internal_error)?;
    body.extend_from_slice(&head[..head.len() - 1]);
    body.extend_from_slice(b",\"items\":[");
    for (i, kv) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        if !write_stored(&mut body, &kv.value, kv.mod_revision, form) {
            let obj = store.decode_stored(kv)?;
            let item = match form {
                StoredForm::Item => list_item(obj, info, true),
                StoredForm::Metadata(version) => partial_metadata(&obj, version),
            };
            serde_json::to_writer(&mut body, &item).map_err(StatusError::new_internal_error)?;
        }
    }
    body.extend_from_slice(b"]}");
    Ok(body)
}

/// Writes what `form` asks of the stored object `stored` at `revision` (see
/// [`stored_list_json`]); false, with nothing written, when the bytes do not allow it.
fn write_stored(out: &mut Vec<u8>, stored: &[u8], revision: u64, form: StoredForm) -> bool {
    use apimachinery::codec::scan::members;
    let Some(top) = members(stored) else { return false };
    let Some(meta) = top.iter().find(|m| m.name == "metadata") else { return false };
    if stored.get(meta.value.start) != Some(&b'{') {
        return false;
    }
    let Some(fields) = members(&stored[meta.value.clone()]) else { return false };
    // The metadata object with the resourceVersion set: in place, or as its last member.
    let write_metadata = |out: &mut Vec<u8>| {
        let rv = format!("\"{revision}\"");
        let base = meta.value.start;
        out.push(b'{');
        for (j, f) in fields.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            if f.name == "resourceVersion" {
                out.extend_from_slice(&stored[base + f.start..base + f.value.start]);
                out.extend_from_slice(rv.as_bytes());
            } else {
                out.extend_from_slice(&stored[base + f.start..base + f.value.end]);
            }
        }
        if !fields.iter().any(|f| f.name == "resourceVersion") {
            if !fields.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"\"resourceVersion\":");
            out.extend_from_slice(rv.as_bytes());
        }
        out.push(b'}');
    };
    match form {
        StoredForm::Metadata(version) => {
            out.extend_from_slice(b"{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":");
            out.extend_from_slice(json!(format!("meta.k8s.io/{version}")).to_string().as_bytes());
            out.extend_from_slice(b",\"metadata\":");
            write_metadata(out);
            out.push(b'}');
        }
        StoredForm::Item => {
            out.push(b'{');
            let mut first = true;
            for m in top.iter().filter(|m| m.name != "kind" && m.name != "apiVersion") {
                if !first {
                    out.push(b',');
                }
                first = false;
                if m.name == "metadata" {
                    out.extend_from_slice(&stored[m.start..m.value.start]);
                    write_metadata(out);
                } else {
                    out.extend_from_slice(&stored[m.start..m.value.end]);
                }
            }
            out.push(b'}');
        }
    }
    true
}

/// The format of a request body from its `Content-Type`.
pub(super) fn body_format(ctx: &Ctx) -> Result<BodyFormat, StatusError> {
    static SUPPORTED: LazyLock<[SerializerInfo; 3]> = LazyLock::new(|| {
        [CONTENT_TYPE_JSON, CONTENT_TYPE_YAML, CONTENT_TYPE_PROTOBUF]
            .map(|t| SerializerInfo::new(t, false))
    });
    let s = negotiate_input_serializer(ctx.header("content-type"), false, &*SUPPORTED)
        .map_err(|e| e.to_status_error())?;
    Ok(match s.media_type.as_str() {
        CONTENT_TYPE_YAML => BodyFormat::Yaml,
        CONTENT_TYPE_PROTOBUF => BodyFormat::Protobuf,
        _ => BodyFormat::Json,
    })
}

/// Decodes a create or update body: format, type checks, namespace and name checks, field
/// validation (`fieldValidation`), and the typed round trip for built-in kinds. The object
/// comes back in the version it is stored at.
pub(super) fn decode_body(
    ctx: &Ctx,
    info: &ResourceInfo,
    body: &[u8],
    namespace: &str,
    url_name: Option<&str>,
) -> Result<(Value, Vec<String>), StatusError> {
    let format = body_format(ctx)?;
    let (mut obj, warnings) = match decode_typed(ctx, info, body, format) {
        Some(obj) => (obj, Vec::new()),
        None => decode_general(ctx, info, body, format)?,
    };
    if info.namespaced {
        let ns = obj.namespace();
        if !ns.is_empty() && ns != namespace {
            return Err(StatusError::new_bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    if let Some(name) = url_name
        && obj.name() != name
    {
        if obj.name().is_empty() {
            obj.set_meta_str("name", name);
        } else {
            return Err(StatusError::new_bad_request(&format!(
                "the name of the object ({}) does not match the name on the URL ({})",
                obj.name(),
                name
            )));
        }
    }
    Ok((crate::conversion::to_storage(obj, info), warnings))
}

/// The common case of [`decode_body`]: a JSON body of a built-in kind read straight into its
/// type. `None` sends the body down the general path: another format, a body the type rejects
/// or that does not name its type (the general path words the error or fills the type in), an
/// unknown `fieldValidation` value, or (unless unknown and repeated members are ignored) a body
/// with either, whose warnings or errors the general path words.
fn decode_typed(ctx: &Ctx, info: &ResourceInfo, body: &[u8], format: BodyFormat) -> Option<Value> {
    if format != BodyFormat::Json {
        return None;
    }
    let ops = crate::kinds::lookup(&info.group, &info.version, &info.kind)?;
    let ops = crate::api::strategy::body_reads(&info.group, &info.kind, ops);
    let ignore = match ctx.param("fieldValidation").unwrap_or("Warn") {
        "Ignore" => true,
        "Warn" | "Strict" | "" => false,
        _ => return None,
    };
    // The type checked the apiVersion and kind the body names against its own.
    let (typed, seen) = (ops.decode_json)(body).ok()?;
    (seen.kind && seen.api_version && (ignore || seen.clean())).then(|| with_type(typed, info))
}

/// [`decode_body`] for any body: parsed, converted to the request's version and checked, then
/// (for built-in kinds) taken through the type, with strict checks where the body may need
/// them.
fn decode_general(
    ctx: &Ctx,
    info: &ResourceInfo,
    body: &[u8],
    format: BodyFormat,
) -> Result<(Value, Vec<String>), StatusError> {
    let (raw, duplicates) = decode_raw_checked(body, format)?;
    let mut obj = crate::conversion::to_request_version(raw, info);
    check_type(&mut obj, info)?;
    field_validation(ctx, info, body, format)?;
    let mut warnings = Vec::new();
    if let Some(ops) = crate::kinds::lookup(&info.group, &info.version, &info.kind) {
        let ops = crate::api::strategy::body_reads(&info.group, &info.kind, ops);
        let typed = (ops.roundtrip)(&obj);
        let typed = typed.map_err(|e| cannot_handle(info, &format!("json: {e}")))?;
        // fieldValidation=Warn (the default) reports unknown and duplicate fields. The exact
        // check reads the body again, so it runs only when the body may have either: a field
        // the typed round trip dropped, or a key seen twice.
        let warn = matches!(ctx.param("fieldValidation").unwrap_or("Warn"), "Warn" | "");
        if warn && format != BodyFormat::Protobuf && (duplicates || dropped_fields(&obj, &typed)) {
            let f = if format == BodyFormat::Yaml { Format::Yaml } else { Format::Json };
            if let Ok(Some(e)) = (ops.strict)(body, f) {
                warnings = e.warnings();
            }
        }
        obj = with_type(typed, info);
    }
    Ok((obj, warnings))
}

/// Whether `typed` (an object after the typed round trip) lacks a member `raw` (the object
/// as sent) has: a field its type does not know, or a null the type leaves out.
fn dropped_fields(raw: &Value, typed: &Value) -> bool {
    match (raw, typed) {
        (Value::Object(r), Value::Object(t)) => {
            r.iter().any(|(k, v)| t.get(k).is_none_or(|tv| dropped_fields(v, tv)))
        }
        (Value::Array(r), Value::Array(t)) => {
            r.len() != t.len() || r.iter().zip(t).any(|(a, b)| dropped_fields(a, b))
        }
        _ => false,
    }
}

/// Parses a body into JSON.
pub(super) fn decode_raw(body: &[u8], format: BodyFormat) -> Result<Value, StatusError> {
    Ok(decode_raw_checked(body, format)?.0)
}

/// [`decode_raw`], also telling whether the body may repeat a key in some object (JSON is
/// checked while parsing; YAML always may; protobuf cannot).
fn decode_raw_checked(body: &[u8], format: BodyFormat) -> Result<(Value, bool), StatusError> {
    let parse_error = |e: apimachinery::codec::CodecError| {
        StatusError::new_bad_request(&format!("couldn't get version/kind; json parse error: {e}"))
    };
    let (value, duplicates) = match format {
        BodyFormat::Protobuf => {
            (crate::protobuf::decode(body).map_err(|e| StatusError::new_bad_request(&e))?, false)
        }
        BodyFormat::Json => {
            apimachinery::codec::checked::decode_json_checked(body).map_err(parse_error)?
        }
        BodyFormat::Yaml => {
            (apimachinery::codec::decode_value(body, Format::Yaml).map_err(parse_error)?, true)
        }
    };
    if !value.is_object() {
        return Err(StatusError::new_bad_request(
            "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
        ));
    }
    Ok((value, duplicates))
}

/// Checks the body's apiVersion and kind against the endpoint (filling them when absent).
fn check_type(obj: &mut Value, info: &ResourceInfo) -> Result<(), StatusError> {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    if !api_version.is_empty() && api_version != info.api_version() {
        let same_group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("") == info.group;
        if !same_group
            || crate::kinds::lookup(
                &info.group,
                api_version.rsplit('/').next().unwrap_or(""),
                &kind,
            )
            .is_none()
        {
            return Err(StatusError::new_bad_request(&format!(
                "the API version in the data ({}) does not match the expected API version ({})",
                api_version,
                info.api_version()
            )));
        }
    }
    if !kind.is_empty() && kind != info.kind {
        let internal = if info.group.is_empty() {
            "core".to_string()
        } else {
            info.group.split('.').next().unwrap_or("").to_string()
        };
        let data_version = if api_version.is_empty() {
            info.version.clone()
        } else {
            api_version.rsplit('/').next().unwrap_or("").to_string()
        };
        return Err(StatusError::new_bad_request(&format!(
            "converting ({}.{}) to ({}.{}): unknown conversion",
            data_version, kind, internal, info.kind
        )));
    }
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), json!(info.api_version()));
        m.insert("kind".into(), json!(info.kind));
    }
    Ok(())
}

/// Applies `fieldValidation`: Strict rejects unknown and duplicate fields, Warn (the default)
/// reports them in `Warning` headers, Ignore drops them silently.
fn field_validation(
    ctx: &Ctx,
    info: &ResourceInfo,
    body: &[u8],
    format: BodyFormat,
) -> Result<(), StatusError> {
    let mode = ctx.param("fieldValidation").unwrap_or("Warn");
    match mode {
        "Ignore" | "Warn" | "Strict" | "" => {}
        other => {
            return Err(StatusError::new_bad_request(&format!(
                "fieldValidation parameter unsupported value: {other}"
            )));
        }
    }
    let format = match format {
        BodyFormat::Protobuf => return Ok(()),
        BodyFormat::Yaml => Format::Yaml,
        BodyFormat::Json => Format::Json,
    };
    if mode != "Strict" {
        return Ok(());
    }
    let Some(ops) = crate::kinds::lookup(&info.group, &info.version, &info.kind) else {
        return Ok(());
    };
    match (ops.strict)(body, format) {
        Ok(Some(e)) => Err(cannot_handle(info, &e.to_string())),
        _ => Ok(()),
    }
}

/// Upstream's error for a body its type cannot take (a decoding or strict decoding error):
/// `ConfigMap in version "v1" cannot be handled as a ConfigMap: <why>`.
fn cannot_handle(info: &ResourceInfo, why: &str) -> StatusError {
    StatusError::new_bad_request(&format!(
        "{} in version {} cannot be handled as a {}: {why}",
        info.kind,
        apimachinery::gofmt::quote(&info.version),
        info.kind
    ))
}

/// Reads `DeleteOptions` from the body and the query.
fn delete_options(ctx: &Ctx, body: &[u8], dry_run: bool) -> Result<DeleteOptions, StatusError> {
    let mut o = DeleteOptions { dry_run, ..Default::default() };
    if !body.is_empty() {
        let v = decode_raw(body, body_format(ctx)?)?;
        o.grace_period_seconds = v.get("gracePeriodSeconds").and_then(Value::as_i64);
        o.propagation_policy =
            v.get("propagationPolicy").and_then(Value::as_str).map(str::to_string);
        if v.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
            o.propagation_policy = Some("Orphan".into());
        }
        o.precondition_uid =
            v.pointer("/preconditions/uid").and_then(Value::as_str).map(str::to_string);
        o.precondition_resource_version =
            v.pointer("/preconditions/resourceVersion").and_then(Value::as_str).map(str::to_string);
        if let Some(dr) = v.get("dryRun").and_then(Value::as_array)
            && dr.iter().any(|d| d == "All")
        {
            o.dry_run = true;
        }
    }
    if let Some(g) = ctx.param("gracePeriodSeconds") {
        o.grace_period_seconds = g.parse().ok();
    }
    if let Some(p) = ctx.param("propagationPolicy") {
        o.propagation_policy = Some(p.to_string());
    }
    if let Some(p) = &o.propagation_policy
        && !matches!(p.as_str(), "Orphan" | "Background" | "Foreground")
    {
        return Err(StatusError::new_bad_request(&format!(
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
        )));
    }
    Ok(o)
}

/// The manager of a write: `fieldManager` (validated as upstream validates the write's
/// options, `options_kind`), else derived from the User-Agent.
fn field_manager(ctx: &Ctx, options_kind: &str) -> Result<String, StatusError> {
    let given = ctx.param("fieldManager");
    crate::fieldmanager::validate_field_manager(given.unwrap_or(""), options_kind)?;
    Ok(crate::fieldmanager::manager_or_user_agent(given, ctx.header("user-agent")))
}

/// POST: creates an object, recording its creator's fields.
#[allow(clippy::too_many_arguments)]
async fn create(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    out: &Output,
    store: &Arc<Store>,
    info: &ResourceInfo,
    namespace: &str,
    body: &[u8],
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let manager = field_manager(ctx, "CreateOptions")?;
    let (mut obj, mut warnings) = decode_body(ctx, info, body, namespace, None)?;
    if let Some(c) = server.registry.custom_resource(&info.group, &info.version, &info.resource) {
        warnings = custom_body_warnings(&c, ctx, body, &obj)?;
        warnings.extend(crate::apiextensions::finalizer_warnings(&obj, None));
    }
    server.namespaces.check_create(server, info, namespace, obj.name()).await?;
    if info.group.is_empty() && info.resource == "services" {
        server.services.allocate(store, &mut obj).await?;
    }
    if is_csr(info) {
        set_requestor(&mut obj, &ctx.user);
    }
    let fm = FieldManager::for_resource(server, info, "");
    let track = move |live: Option<&Value>, new: &mut Value| {
        crate::conversion::track_served(info, live, new, |l, n| fm.update(l, n, &manager))
    };
    // The body's decoding applied the defaults of the kinds it defaults.
    let defaulted = crate::api::strategy::defaults_on_decode(&info.group, &info.kind)
        && crate::kinds::lookup(&info.group, &info.version, &info.kind).is_some();
    let write = &WriteOptions { defaulted, ..write.clone() };
    let created = store.create_written(namespace, obj, write, Some(&track)).await?;
    Ok(with_warnings(respond_written(out, info, StatusCode::CREATED, created), &warnings))
}

fn is_csr(info: &ResourceInfo) -> bool {
    (info.group.as_str(), info.resource.as_str())
        == ("certificates.k8s.io", "certificatesigningrequests")
}

/// A CertificateSigningRequest names who asked for it: whatever the body says is replaced by
/// the requesting user's name, UID, groups and extra attributes.
fn set_requestor(obj: &mut Value, user: &crate::authn::UserInfo) {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else { return };
    for field in ["username", "uid", "groups", "extra"] {
        spec.remove(field);
    }
    if !user.name.is_empty() {
        spec.insert("username".into(), json!(user.name));
    }
    if !user.uid.is_empty() {
        spec.insert("uid".into(), json!(user.uid));
    }
    if !user.groups.is_empty() {
        spec.insert("groups".into(), json!(user.groups));
    }
    if !user.extra.is_empty() {
        spec.insert("extra".into(), json!(user.extra));
    }
}

/// PUT: replaces an object (or its status, or a namespace's finalizers), recording the
/// fields the write changed.
#[allow(clippy::too_many_arguments)]
async fn update(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    out: &Output,
    store: &Arc<Store>,
    info: &ResourceInfo,
    namespace: &str,
    sub: &str,
    body: &[u8],
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let ri = &ctx.info;
    let manager = field_manager(ctx, "UpdateOptions")?;
    let (obj, builtin_warnings) = decode_body(ctx, info, body, namespace, Some(&ri.name))?;
    let custom = server.registry.custom_resource(&info.group, &info.version, &info.resource);
    let mut warnings = match &custom {
        Some(c) => custom_body_warnings(c, ctx, body, &obj)?,
        None => builtin_warnings,
    };
    let finalizer_warnings = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, warn_finalizers) = (finalizer_warnings.clone(), custom.is_some() && sub.is_empty());
    let finalize = sub == "finalize";
    let update = move |current: Option<&Value>| -> Result<Value, StatusError> {
        if warn_finalizers {
            *seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                crate::apiextensions::finalizer_warnings(&obj, current);
        }
        if finalize {
            // Finalize writes spec.finalizers and nothing else.
            let mut next = current.cloned().unwrap_or_default();
            next["spec"]["finalizers"] =
                obj.pointer("/spec/finalizers").cloned().unwrap_or(json!([]));
            let rv = obj.resource_version().to_string();
            next.set_meta_str("resourceVersion", &rv);
            return Ok(next);
        }
        Ok(obj.clone())
    };
    if finalize {
        let (obj, _) = store.update_unchecked(&ri.name, &update, write).await?;
        let obj = super::subresources::maybe_finish_namespace(store, obj, write).await?;
        return Ok(respond_object(out, info, StatusCode::OK, obj));
    }
    let create_on_update = server.registry.allow_create_on_update(info);
    let subresource = if sub.is_empty() { None } else { Some(sub) };
    let fm = FieldManager::for_resource(server, info, sub);
    let track = move |live: Option<&Value>, new: &mut Value| {
        crate::conversion::track_served(info, live, new, |l, n| fm.update(l, n, &manager))
    };
    let (obj, created) = store
        .update_tracked(
            namespace,
            &ri.name,
            subresource,
            &update,
            create_on_update,
            write,
            Some(&track),
        )
        .await?;
    let code = if created { StatusCode::CREATED } else { StatusCode::OK };
    warnings.extend(
        finalizer_warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain(..),
    );
    Ok(with_warnings(respond_object(out, info, code, obj), &warnings))
}

async fn patch(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    out: &Output,
    store: &Arc<Store>,
    info: &ResourceInfo,
    namespace: &str,
    sub: &str,
    body: Bytes,
    write: &WriteOptions,
) -> Result<Response<Body>, StatusError> {
    let content_type = ctx.header("content-type");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let kind = match essence.as_str() {
        "application/json-patch+json" => PatchKind::Json,
        "application/merge-patch+json" => PatchKind::Merge,
        "application/strategic-merge-patch+json" => PatchKind::Strategic,
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => PatchKind::Apply,
        _ => {
            return Err(StatusError::new_unsupported_media_type(&[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/apply-patch+yaml",
                "application/strategic-merge-patch+json",
            ]));
        }
    };
    let ops = crate::kinds::lookup(&info.group, &info.version, &info.kind);
    if kind == PatchKind::Strategic && ops.is_none() {
        return Err(StatusError::new_unsupported_media_type(&[
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
        ]));
    }
    let force = match ctx.param("force") {
        None => None,
        Some(v) => Some(crate::registry::parse_bool_query(v).ok_or_else(|| {
            StatusError::new_bad_request(&format!("invalid boolean value for force: {v:?}"))
        })?),
    };
    let given_manager = ctx.param("fieldManager").unwrap_or("");
    let mut errs = ErrorList::new();
    if kind == PatchKind::Apply {
        if given_manager.is_empty() {
            errs.push(FieldError::required(
                &FieldPath::new("fieldManager"),
                "is required for apply patch",
            ));
        }
    } else if force.is_some() {
        errs.push(FieldError::forbidden(
            &FieldPath::new("force"),
            "may not be specified for non-apply patch",
        ));
    }
    if !errs.is_empty() {
        return Err(StatusError::new_invalid(
            &GroupKind::new("meta.k8s.io", "PatchOptions"),
            "",
            &errs,
        ));
    }
    let manager = field_manager(ctx, "PatchOptions")?;
    let patch_doc: Value = match kind {
        PatchKind::Apply => apimachinery::codec::decode_value(&body, Format::Yaml)
            .map_err(|e| StatusError::new_bad_request(&format!("error decoding patch: {e}")))?,
        _ => serde_json::from_slice(&body)
            .map_err(|e| StatusError::new_bad_request(&format!("invalid JSON Patch: {e}")))?,
    };
    if kind == PatchKind::Apply && !patch_doc.is_object() {
        return Err(StatusError::new_bad_request(
            "error decoding patch: the applied configuration is not an object",
        ));
    }
    let name = ctx.info.name.clone();
    let info2 = info.clone();
    let fm = FieldManager::for_resource(server, info, sub);
    let fm2 = fm.clone();
    let manager2 = manager.clone();
    // Custom resources: fieldValidation of the patched object, and new finalizers' warnings.
    let custom = server
        .registry
        .custom_resource(&info.group, &info.version, &info.resource)
        .filter(|_| kind != PatchKind::Apply);
    let directive = ctx.param("fieldValidation").unwrap_or("").to_string();
    let warnings = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, main_resource) = (warnings.clone(), sub.is_empty());
    // A request created by apply names its requestor too.
    let requestor = (is_csr(info) && main_resource).then(|| ctx.user.clone());
    let update = move |current: Option<&Value>| -> Result<Value, StatusError> {
        // The patch applies to the object in the request's version.
        let in_version = current
            .filter(|_| crate::conversion::differs_from_storage(&info2))
            .map(|c| crate::conversion::to_served(c.clone(), &info2));
        let current = in_version.as_ref().or(current);
        let patched = match kind {
            PatchKind::Apply => fm2.apply(current, &patch_doc, &manager2, force == Some(true))?,
            _ => {
                // Only apply creates; the store answers NotFound for the others.
                let Some(current) = current else {
                    return Err(StatusError::new_not_found(&info2.group_resource(), &name));
                };
                match kind {
                    PatchKind::Json => apply_json_patch(current, &patch_doc)
                        .map_err(|e| unprocessable(&e.to_string()))?,
                    PatchKind::Merge => apply_merge_patch(current, &patch_doc),
                    _ => match ops {
                        Some(ops) => {
                            let schema = (ops.patch_schema)();
                            strategic_merge_patch(current, &patch_doc, &schema)
                                .map_err(|e| unprocessable(&e.to_string()))?
                        }
                        None => apply_merge_patch(current, &patch_doc),
                    },
                }
            }
        };
        let mut patched = patched;
        check_type(&mut patched, &info2)?;
        if let Some(c) = &custom {
            let mut w = c.definition.check_fields(
                &c.info.version,
                &patched,
                Vec::new(),
                &directive,
                crate::apiextensions::WriteKind::Patch,
            )?;
            if main_resource {
                w.extend(crate::apiextensions::finalizer_warnings(&patched, current));
            }
            *seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = w;
        }
        if let Some(ops) = ops {
            patched = (ops.roundtrip)(&patched)
                .map_err(|e| StatusError::new_bad_request(&format!("json: {e}")))?;
            patched = with_type(patched, &info2);
        }
        if let (None, Some(user)) = (current, &requestor) {
            set_requestor(&mut patched, user);
        }
        if patched.name() != name {
            return Err(StatusError::new_bad_request(&format!(
                "the name of the object ({}) does not match the name on the URL ({})",
                patched.name(),
                name
            )));
        }
        Ok(crate::conversion::to_storage(patched, &info2))
    };
    let subresource = if sub.is_empty() { None } else { Some(sub) };
    let apply = kind == PatchKind::Apply;
    if apply {
        server.namespaces.check_create(server, info, namespace, &ctx.info.name).await?;
    }
    // Apply records its own ownership; the other patches are tracked as updates.
    let track = move |live: Option<&Value>, new: &mut Value| {
        if !apply {
            crate::conversion::track_served(info, live, new, |l, n| fm.update(l, n, &manager));
        }
    };
    let (obj, created) = store
        .update_tracked(namespace, &ctx.info.name, subresource, &update, apply, write, Some(&track))
        .await?;
    let code = if created { StatusCode::CREATED } else { StatusCode::OK };
    let warnings =
        std::mem::take(&mut *warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    Ok(with_warnings(respond_object(out, info, code, obj), &warnings))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatchKind {
    Json,
    Merge,
    Strategic,
    Apply,
}

/// Adds a `Warning` header (`299 - "text"`).
#[allow(dead_code)]
pub(super) fn add_warning(r: &mut Response<Body>, text: &str) {
    let v = format!("299 - {}", apimachinery::gofmt::quote(text));
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::WARNING, v);
    }
}

/// A `Status` value for an error (used inside watch streams).
pub(super) fn error_status(e: &StatusError) -> Value {
    status_json(e)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{StoredForm, write_stored};

    fn write_stored_item(out: &mut Vec<u8>, stored: &[u8], revision: u64) -> bool {
        write_stored(out, stored, revision, StoredForm::Item)
    }

    /// What a list item is when decoded: the object with its resourceVersion set and its type
    /// removed, printed.
    fn decoded_item(stored: &[u8], revision: u64) -> Vec<u8> {
        let mut obj: Value = serde_json::from_slice(stored).unwrap();
        let m = obj.as_object_mut().unwrap();
        m.shift_remove("kind");
        m.shift_remove("apiVersion");
        m["metadata"]
            .as_object_mut()
            .unwrap()
            .insert("resourceVersion".into(), json!(revision.to_string()));
        serde_json::to_vec(&obj).unwrap()
    }

    #[test]
    fn stored_items_are_written_as_decoding_would_print_them() {
        let objects = [
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a", "labels": {"x": "y"}},
                   "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {}}),
            json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {},
                   "data": {"q": "\"quoted\"\n\u{1}é€😀", "n": "1e9"}}),
            json!({"metadata": {"name": "b", "resourceVersion": "3", "uid": "u"}, "apiVersion": "v1",
                   "binaryData": {}, "n": 1.5, "big": 18446744073709551615u64, "neg": -3}),
            json!({"apiVersion": "v1", "metadata": {"resourceVersion": "3"}, "kind": "Secret"}),
        ];
        for obj in &objects {
            let stored = serde_json::to_vec(obj).unwrap();
            let mut out = Vec::new();
            assert!(write_stored_item(&mut out, &stored, 42), "{obj}");
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(decoded_item(&stored, 42)).unwrap()
            );
            let mut out = Vec::new();
            assert!(write_stored(&mut out, &stored, 42, StoredForm::Metadata("v1")), "{obj}");
            let mut decoded: Value = serde_json::from_slice(&stored).unwrap();
            decoded["metadata"]["resourceVersion"] = json!("42");
            let want = super::partial_metadata(&decoded, "v1");
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&want).unwrap());
        }
    }

    #[test]
    fn stored_items_that_are_not_clean_objects_are_left_to_decoding() {
        for stored in [
            &br#"{"kind":"Pod"}"#[..],
            br#"{"metadata":null}"#,
            br#"{"metadata":[]}"#,
            br#"{"metadata":{"a":1,"a":2}}"#,
            br#"{"metadata":{},"metadata":{}}"#,
            b"k8s\x00\x0a\x02",
            br#"[{"metadata":{}}]"#,
        ] {
            let mut out = Vec::new();
            assert!(!write_stored_item(&mut out, stored, 1));
            assert!(out.is_empty());
        }
    }
}
