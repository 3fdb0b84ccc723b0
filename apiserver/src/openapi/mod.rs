//! The server's OpenAPI documents, as kube-apiserver publishes them: `/openapi/v2` (Swagger 2.0,
//! JSON or gnostic protobuf) and `/openapi/v3` (an index of group/version documents, each
//! addressed with a content hash). Built from the resource table and the k8s-openapi schemas
//! once, on first use; custom resources can be added and removed at runtime.
//!
//! What clients read: kubectl's `explain` walks the v3 document of the resource's group/version
//! (`x-kubernetes-group-version-kind` on operations and schemas); client-side `apply` and `diff`
//! take patch strategies and merge keys from the v3 schemas and decide between strategic and
//! JSON merge patch by the PATCH operation's request media types; the field-validation check
//! looks for a `fieldValidation` query parameter on the kind's PATCH operation (v3 first, then
//! the protobuf v2 document, which also backs client-side schema validation of `List`s and of
//! kinds without a PATCH operation).

mod params;
mod paths;
mod proto;
mod render;
mod schemas;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use apimachinery::runtime::{ResourceInfo, ResourceTable, SubresourceInfo};
use serde_json::{Value, json};

use self::paths::PathItem;
use self::schemas::{Definitions, REF_PREFIX, closure, meta_name};

/// Media type of the protobuf v2 document that clients ask for (`Accept`).
pub const V2_PROTOBUF_ACCEPT: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
/// Content type the server answers the protobuf v2 document with.
pub const V2_PROTOBUF_CONTENT_TYPE: &str =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// One served version of a custom resource, as a CustomResourceDefinition declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomResourceVersion {
    /// `spec.group`.
    pub group: String,
    /// `spec.versions[].name`.
    pub version: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// `spec.names.listKind`.
    pub list_kind: String,
    /// `spec.names.plural`.
    pub plural: String,
    /// `spec.scope == Namespaced`.
    pub namespaced: bool,
    /// `spec.versions[].schema.openAPIV3Schema`, if any.
    pub schema: Option<Value>,
    /// Whether the status subresource is enabled.
    pub status: bool,
    /// Whether the scale subresource is enabled.
    pub scale: bool,
}

impl CustomResourceVersion {
    /// Upstream's definition name: the group reversed, then version and kind
    /// (`stable.example.com`, `v1`, `CronTab` -> `com.example.stable.v1.CronTab`).
    pub fn definition_name(&self) -> String {
        let mut parts: Vec<&str> = self.group.split('.').collect();
        parts.reverse();
        format!("{}.{}.{}", parts.join("."), self.version, self.kind)
    }

    fn resource_info(&self) -> ResourceInfo {
        let mut subresources = Vec::new();
        if self.scale {
            subresources.push(SubresourceInfo {
                name: "scale".into(),
                group: "autoscaling".into(),
                version: "v1".into(),
                kind: "Scale".into(),
                verbs: vec!["get".into(), "patch".into(), "update".into()],
            });
        }
        if self.status {
            subresources.push(SubresourceInfo {
                name: "status".into(),
                group: self.group.clone(),
                version: self.version.clone(),
                kind: self.kind.clone(),
                verbs: vec!["get".into(), "patch".into(), "update".into()],
            });
        }
        let verbs =
            ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
        ResourceInfo {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
            resource: self.plural.clone(),
            singular_name: self.kind.to_lowercase(),
            namespaced: self.namespaced,
            short_names: Vec::new(),
            categories: Vec::new(),
            verbs: verbs.iter().map(|v| (*v).to_string()).collect(),
            subresources,
        }
    }

    /// The definitions the version adds: the kind and its list.
    fn definitions(&self) -> Vec<(String, Value)> {
        let name = self.definition_name();
        let gvk =
            |kind: &str| json!([{"group": self.group, "kind": kind, "version": self.version}]);
        let mut schema = self.schema.clone().unwrap_or_else(|| json!({"type": "object"}));
        if let Some(obj) = schema.as_object_mut() {
            let props = obj.entry("properties").or_insert_with(|| json!({}));
            if let Some(props) = props.as_object_mut() {
                props.insert(
                    "metadata".into(),
                    json!({"$ref": format!("{REF_PREFIX}{}", meta_name("ObjectMeta"))}),
                );
            }
            obj.insert("x-kubernetes-group-version-kind".into(), gvk(&self.kind));
        }
        let list = json!({
            "description": format!("{} is a list of {}", self.list_kind, self.kind),
            "properties": {
                "apiVersion": {"type": "string"},
                "items": {"items": {"$ref": format!("{REF_PREFIX}{name}")}, "type": "array"},
                "kind": {"type": "string"},
                "metadata": {"$ref": format!("{REF_PREFIX}{}", meta_name("ListMeta"))}
            },
            "required": ["items"],
            "type": "object",
            "x-kubernetes-group-version-kind": gvk(&self.list_kind)
        });
        vec![(format!("{name}List"), list), (name, schema)]
    }
}

/// One group/version document, serialized, with its content hash.
#[derive(Debug, Clone)]
struct V3Document {
    json: Vec<u8>,
    etag: String,
}

#[derive(Debug)]
struct Rendered {
    v3: BTreeMap<String, V3Document>,
    index: Value,
}

#[derive(Debug)]
struct RenderedV2 {
    json: Vec<u8>,
    etag: String,
    protobuf: Vec<u8>,
}

/// The OpenAPI documents of the server. Building is cheap; documents are generated on first
/// request and cached as bytes until the set of custom resources changes.
#[derive(Debug)]
pub struct OpenApi {
    version: String,
    table: ResourceTable,
    crds: BTreeMap<(String, String, String), CustomResourceVersion>,
    definitions: OnceLock<Definitions>,
    v3: OnceLock<Rendered>,
    v2: OnceLock<RenderedV2>,
}

/// SHA-512 in upper-case hex: kube-openapi's ETag and `hash` query value.
fn etag(data: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA512, data);
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

fn gv_of(key: &str) -> Option<(String, String)> {
    if let Some(v) = key.strip_prefix("api/") {
        return (!v.contains('/')).then(|| (String::new(), v.to_string()));
    }
    let rest = key.strip_prefix("apis/")?;
    let (g, v) = rest.split_once('/')?;
    (!v.contains('/')).then(|| (g.to_string(), v.to_string()))
}

impl OpenApi {
    /// The documents of `table`'s resources; `version` is the server's git version
    /// (`info.version` of the documents).
    pub fn new(table: &ResourceTable, version: &str) -> OpenApi {
        OpenApi {
            version: version.to_string(),
            table: table.clone(),
            crds: BTreeMap::new(),
            definitions: OnceLock::new(),
            v3: OnceLock::new(),
            v2: OnceLock::new(),
        }
    }

    /// The documents of the built-in API (v1.35's default resources).
    pub fn builtin(version: &str) -> OpenApi {
        OpenApi::new(ResourceTable::builtin(), version)
    }

    /// Publishes (or replaces) one version of a custom resource.
    pub fn add_custom_resource(&mut self, crd: CustomResourceVersion) {
        let key = (crd.group.clone(), crd.version.clone(), crd.plural.clone());
        self.crds.insert(key, crd);
        self.invalidate();
    }

    /// Withdraws one version of a custom resource; returns whether it was published.
    pub fn remove_custom_resource(&mut self, group: &str, version: &str, plural: &str) -> bool {
        let removed =
            self.crds.remove(&(group.to_string(), version.to_string(), plural.to_string()));
        self.invalidate();
        removed.is_some()
    }

    fn invalidate(&mut self) {
        self.v3 = OnceLock::new();
        self.v2 = OnceLock::new();
    }

    fn definitions(&self) -> Definitions {
        let builtin = self.definitions.get_or_init(|| {
            let gvs: Vec<(String, String)> = self
                .table
                .group_versions()
                .into_iter()
                .map(|gv| (gv.group.clone(), gv.version.clone()))
                .collect();
            Definitions::builtin(&gvs)
        });
        if self.crds.is_empty() {
            return builtin.clone();
        }
        let mut defs = builtin.clone();
        for crd in self.crds.values() {
            for (name, schema) in crd.definitions() {
                defs.schemas.insert(name, schema);
            }
            let name = crd.definition_name();
            defs.kinds
                .insert((crd.group.clone(), crd.version.clone(), crd.kind.clone()), name.clone());
            defs.kinds.insert(
                (crd.group.clone(), crd.version.clone(), crd.list_kind.clone()),
                format!("{name}List"),
            );
        }
        defs
    }

    /// Path items per group/version key (`api/v1`, `apis/apps/v1`), built-in and custom.
    fn paths(&self, defs: &Definitions) -> BTreeMap<String, Vec<PathItem>> {
        let mut out = BTreeMap::new();
        for gv in self.table.group_versions() {
            let items = paths::group_version_paths(&self.table, defs, &gv.group, &gv.version, &[]);
            out.insert(paths::gv_key(&gv.group, &gv.version), items);
        }
        let mut custom: BTreeMap<(String, String), Vec<ResourceInfo>> = BTreeMap::new();
        for crd in self.crds.values() {
            custom
                .entry((crd.group.clone(), crd.version.clone()))
                .or_default()
                .push(crd.resource_info());
        }
        for ((group, version), resources) in custom {
            let items = paths::group_version_paths(&self.table, defs, &group, &version, &resources);
            out.insert(paths::gv_key(&group, &version), items);
        }
        out
    }

    fn rendered_v3(&self) -> &Rendered {
        self.v3.get_or_init(|| {
            let defs = self.definitions();
            let mut v3 = BTreeMap::new();
            let mut index = serde_json::Map::new();
            for (key, items) in self.paths(&defs) {
                let roots = referenced(&items);
                let reachable = closure(&defs.schemas, roots);
                let doc = render::v3_document(&self.version, &items, &reachable);
                let json = serde_json::to_vec(&doc).unwrap_or_default();
                let tag = etag(&json);
                index.insert(
                    key.clone(),
                    json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={tag}")}),
                );
                v3.insert(key, V3Document { json, etag: tag });
            }
            Rendered { v3, index: json!({"paths": index}) }
        })
    }

    fn rendered_v2(&self) -> &RenderedV2 {
        self.v2.get_or_init(|| {
            let defs = self.definitions();
            let mut items: Vec<PathItem> = self.paths(&defs).into_values().flatten().collect();
            items.sort_by(|a, b| a.path.cmp(&b.path));
            let reachable = closure(&defs.schemas, referenced(&items));
            let doc = render::v2_document(&self.version, &items, &reachable);
            let json = serde_json::to_vec(&doc).unwrap_or_default();
            let protobuf = proto::encode(&doc);
            RenderedV2 { etag: etag(&json), json, protobuf }
        })
    }

    /// The Swagger 2.0 document as JSON (`GET /openapi/v2`, `Accept: application/json`).
    pub fn v2_json(&self) -> &[u8] {
        &self.rendered_v2().json
    }

    /// The Swagger 2.0 document as gnostic protobuf (what client-go's `OpenAPISchema()` asks
    /// for with [`V2_PROTOBUF_ACCEPT`]).
    pub fn v2_protobuf(&self) -> &[u8] {
        &self.rendered_v2().protobuf
    }

    /// The v2 ETag (unquoted): the SHA-512 of the JSON form, shared by both encodings.
    pub fn v2_etag(&self) -> &str {
        &self.rendered_v2().etag
    }

    /// The `/openapi/v3` index: `{"paths": {"apis/apps/v1": {"serverRelativeURL":
    /// "/openapi/v3/apis/apps/v1?hash=<SHA-512>"}, ...}}`.
    pub fn v3_index(&self) -> &Value {
        &self.rendered_v3().index
    }

    /// The index serialized as upstream writes it.
    pub fn v3_index_json(&self) -> Vec<u8> {
        serde_json::to_vec(self.v3_index()).unwrap_or_default()
    }

    /// One group/version document (`path` is the key after `/openapi/v3/`, e.g.
    /// `apis/apps/v1`): its JSON bytes and ETag (unquoted; also the `hash` the index links
    /// with). `None` for a group/version that is not served (upstream answers 404).
    pub fn v3_group_version(&self, path: &str) -> Option<(&[u8], &str)> {
        let path = path.trim_start_matches('/').trim_end_matches('/');
        gv_of(path)?;
        self.rendered_v3().v3.get(path).map(|d| (d.json.as_slice(), d.etag.as_str()))
    }
}

/// Definitions the operations of `items` name (bodies and responses).
fn referenced(items: &[PathItem]) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        for op in &item.ops {
            for p in op.body.iter().map(|b| &b.0).chain(op.payload.iter()) {
                if let paths::Payload::Definition(name) = p {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

/// How `/openapi/v2` and `/openapi/v3/...` answer one GET, for the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// 200 with a body, a content type, and headers to set.
    Ok {
        /// `Content-Type`.
        content_type: &'static str,
        /// The body.
        body: Vec<u8>,
        /// Extra headers (`ETag` quoted, `Vary`, `Cache-Control`, `Expires` marker).
        headers: Vec<(&'static str, String)>,
    },
    /// 304: the client's `If-None-Match` matches.
    NotModified {
        /// Headers to repeat (`ETag`).
        headers: Vec<(&'static str, String)>,
    },
    /// 301 to the document's current hash (kube-openapi redirects stale `hash` links).
    MovedPermanently {
        /// `Location`.
        location: String,
    },
    /// 404: no such group/version.
    NotFound,
    /// 406: nothing acceptable in `Accept`.
    NotAcceptable,
}

/// Whether an `Accept` header admits `application/<subtype>`.
fn accepts(accept: &str, subtype: &str) -> bool {
    let accept = if accept.trim().is_empty() { "*/*" } else { accept };
    accept.split(',').any(|clause| {
        let media = clause.split(';').next().unwrap_or("").trim();
        let (t, s) = media.split_once('/').unwrap_or((media, ""));
        (t == "*" || t == "application") && (s == "*" || s == subtype)
    })
}

/// The first of `offers` (subtype names) the `Accept` header admits, in clause order.
fn negotiate<'a>(accept: &str, offers: &[&'a str]) -> Option<&'a str> {
    let accept = if accept.trim().is_empty() { "*/*" } else { accept };
    for clause in accept.split(',') {
        for offer in offers {
            if accepts(clause, offer) {
                return Some(offer);
            }
        }
    }
    None
}

fn if_none_match(header: Option<&str>, tag: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',').any(|t| {
            let t = t.trim().trim_start_matches("W/");
            t == "*" || t.trim_matches('"') == tag
        })
    })
}

impl OpenApi {
    /// Answers `GET path?query` (`path` starting `/openapi/`) as kube-openapi's handlers do;
    /// `None` when `path` is not an OpenAPI path. Compression and `Last-Modified` are left to
    /// the HTTP layer.
    pub fn serve(
        &self,
        path: &str,
        query: &str,
        accept: &str,
        if_none: Option<&str>,
    ) -> Option<Response> {
        const V2_PB_SUBTYPES: [&str; 2] = [
            "com.github.proto-openapi.spec.v2@v1.0+protobuf",
            "com.github.proto-openapi.spec.v2.v1.0+protobuf",
        ];
        if path == "/openapi/v2" {
            let offers = ["json", V2_PB_SUBTYPES[0], V2_PB_SUBTYPES[1]];
            let Some(chosen) = negotiate(accept, &offers) else {
                return Some(Response::NotAcceptable);
            };
            let tag = self.v2_etag().to_string();
            let headers = vec![("Vary", "Accept".to_string()), ("ETag", format!("\"{tag}\""))];
            if if_none_match(if_none, &tag) {
                return Some(Response::NotModified { headers });
            }
            let (content_type, body) = if chosen == "json" {
                ("application/json", self.v2_json().to_vec())
            } else {
                (V2_PROTOBUF_CONTENT_TYPE, self.v2_protobuf().to_vec())
            };
            return Some(Response::Ok { content_type, body, headers });
        }
        if path == "/openapi/v3" || path == "/openapi/v3/" {
            // The aggregator serves the merged index without an ETag; Go sniffs its type.
            return Some(Response::Ok {
                content_type: "text/plain; charset=utf-8",
                body: self.v3_index_json(),
                headers: Vec::new(),
            });
        }
        let key = path.strip_prefix("/openapi/v3/")?;
        let Some((body, tag)) = self.v3_group_version(key) else {
            return Some(Response::NotFound);
        };
        // The v3 protobuf form is not generated: JSON is offered alone.
        if negotiate(accept, &["json"]).is_none() {
            return Some(Response::NotAcceptable);
        }
        let mut headers = vec![("Vary", "Accept".to_string()), ("ETag", format!("\"{tag}\""))];
        let hash = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "hash")
            .map(|(_, v)| v);
        if let Some(hash) = hash.filter(|h| !h.is_empty()) {
            if hash != tag {
                return Some(Response::MovedPermanently {
                    location: format!("/openapi/v3/{}?hash={tag}", key.trim_end_matches('/')),
                });
            }
            headers.push(("Cache-Control", "public, immutable".to_string()));
            headers.push(("Expires", "+1y".to_string()));
        }
        if if_none_match(if_none, tag) {
            return Some(Response::NotModified { headers });
        }
        Some(Response::Ok { content_type: "application/json", body: body.to_vec(), headers })
    }
}

#[cfg(test)]
mod tests;
