//! The operations of every served resource as upstream's API installer names and describes them
//! (operation ids, `x-kubernetes-action`, `x-kubernetes-group-version-kind`, parameters, bodies,
//! responses), in a neutral form rendered later as OpenAPI v2 or v3.

use apimachinery::runtime::{ResourceInfo, ResourceTable, SubresourceInfo};

use super::params::PARAMETERS;
use super::schemas::{Definitions, meta_name};

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum In {
    Path,
    Query,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Param {
    pub name: String,
    pub location: In,
    pub ty: String,
    pub description: String,
}

/// What a response or body carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Payload {
    /// A definition, by name.
    Definition(String),
    /// A plain string (logs, streams).
    Text,
}

/// One HTTP operation.
#[derive(Debug, Clone)]
pub(super) struct Operation {
    pub method: &'static str,
    pub id: String,
    pub description: String,
    pub tag: String,
    pub action: &'static str,
    pub gvk: Option<(String, String, String)>,
    pub params: Vec<Param>,
    /// Request body, its media types, and whether it is required.
    pub body: Option<(Payload, Vec<&'static str>, bool)>,
    /// `(code, description)`; 401 carries no payload.
    pub responses: Vec<(&'static str, &'static str)>,
    pub payload: Option<Payload>,
    pub produces: Vec<&'static str>,
}

/// A path and its operations, with the parameters every operation shares hoisted.
#[derive(Debug, Clone)]
pub(super) struct PathItem {
    pub path: String,
    pub params: Vec<Param>,
    pub ops: Vec<Operation>,
}

const PRODUCES: &[&str] =
    &["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const PRODUCES_STREAM: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];
const PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];
const LIST_PARAMS: &[&str] = &[
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
];
const WRITE_PARAMS: &[&str] = &["dryRun", "fieldManager", "fieldValidation"];
const UNSAFE_DELETE: &str = "ignoreStoreReadErrorWithClusterBreakingPotential";

/// The `Kind` part of operation ids for a group: `apps` -> `Apps`, `""` -> `Core`,
/// `rbac.authorization.k8s.io` -> `RbacAuthorization`.
pub(super) fn group_camel(group: &str) -> String {
    if group.is_empty() {
        return "Core".into();
    }
    let trimmed = group.strip_suffix(".k8s.io").unwrap_or(group);
    trimmed.split('.').map(upper_first).collect()
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The tag of a group/version's operations (`apps_v1`, `core_v1`, `rbacAuthorization_v1`).
pub(super) fn tag(group: &str, version: &str) -> String {
    format!("{}_{version}", lower_first(&group_camel(group)))
}

/// `a` or `an` before a kind, as upstream's descriptions pick it.
fn article(kind: &str) -> &'static str {
    match kind.chars().next() {
        Some('A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

/// The document key of a group/version (`api/v1`, `apis/apps/v1`).
pub(super) fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// Builds parameters by name from the table.
struct ParamSource {
    unsafe_delete: String,
}

impl ParamSource {
    fn query(&self, name: &str) -> Param {
        if name == UNSAFE_DELETE {
            return Param {
                name: name.into(),
                location: In::Query,
                ty: "boolean".into(),
                description: self.unsafe_delete.clone(),
            };
        }
        let (ty, description) = PARAMETERS
            .iter()
            .find(|(n, loc, _, _)| *n == name && *loc == "query")
            .map(|(_, _, t, d)| ((*t).to_string(), d.text().to_string()))
            .unwrap_or_else(|| ("string".into(), String::new()));
        Param { name: name.into(), location: In::Query, ty, description }
    }

    fn queries(&self, names: &[&str]) -> Vec<Param> {
        names.iter().map(|n| self.query(n)).collect()
    }
}

fn path_param(name: &str, description: String) -> Param {
    Param { name: name.into(), location: In::Path, ty: "string".into(), description }
}

fn namespace_param() -> Param {
    path_param("namespace", "object name and auth scope, such as for teams and projects".into())
}

/// The operations of one resource at its group/version.
struct ResourceOps<'a> {
    r: &'a ResourceInfo,
    defs: &'a Definitions,
    params: &'a ParamSource,
    prefix: String,
    tag: String,
    id_gv: String,
    /// Custom resources take no strategic merge patch.
    custom: bool,
}

impl ResourceOps<'_> {
    fn gvk(&self) -> Option<(String, String, String)> {
        Some((self.r.group.clone(), self.r.version.clone(), self.r.kind.clone()))
    }

    fn definition(&self, group: &str, version: &str, kind: &str) -> Option<Payload> {
        self.defs.kind(group, version, kind).map(|d| Payload::Definition(d.to_string()))
    }

    fn own(&self) -> Option<Payload> {
        self.definition(&self.r.group, &self.r.version, &self.r.kind)
    }

    fn scope(&self) -> &'static str {
        if self.r.namespaced { "Namespaced" } else { "" }
    }

    fn base_params(&self, item: bool) -> Vec<Param> {
        let mut out = vec![self.params.query("pretty")];
        if self.r.namespaced {
            out.push(namespace_param());
        }
        if item {
            out.push(path_param("name", format!("name of the {}", self.r.kind)));
        }
        out
    }

    fn op(
        &self,
        method: &'static str,
        id: String,
        description: String,
        action: &'static str,
    ) -> Operation {
        Operation {
            method,
            id,
            description,
            tag: self.tag.clone(),
            action,
            gvk: self.gvk(),
            params: Vec::new(),
            body: None,
            responses: vec![("200", "OK"), ("401", "Unauthorized")],
            payload: None,
            produces: PRODUCES.to_vec(),
        }
    }

    fn collection_path(&self, watch: bool) -> String {
        let w = if watch { "/watch" } else { "" };
        if self.r.namespaced {
            format!("{}{w}/namespaces/{{namespace}}/{}", self.prefix, self.r.resource)
        } else {
            format!("{}{w}/{}", self.prefix, self.r.resource)
        }
    }

    fn all(&self) -> Vec<(String, Operation)> {
        let r = self.r;
        let kind = &r.kind;
        let scope = self.scope();
        let gv = &self.id_gv;
        let collection = self.collection_path(false);
        let item = format!("{collection}/{{name}}");
        let mut out = Vec::new();
        if r.has_verb("list") {
            let mut op = self.op(
                "get",
                format!("list{gv}{scope}{kind}"),
                format!("list or watch objects of kind {kind}"),
                "list",
            );
            op.params = self.base_params(false);
            op.params.extend(self.params.queries(LIST_PARAMS));
            op.payload = self.definition(&r.group, &r.version, &format!("{kind}List"));
            op.produces = PRODUCES_STREAM.to_vec();
            out.push((collection.clone(), op));
            if r.namespaced {
                let mut op = self.op(
                    "get",
                    format!("list{gv}{kind}ForAllNamespaces"),
                    format!("list or watch objects of kind {kind}"),
                    "list",
                );
                op.params = vec![self.params.query("pretty")];
                op.params.extend(self.params.queries(LIST_PARAMS));
                op.payload = self.definition(&r.group, &r.version, &format!("{kind}List"));
                op.produces = PRODUCES_STREAM.to_vec();
                out.push((format!("{}/{}", self.prefix, r.resource), op));
            }
        }
        if r.has_verb("create") {
            let mut op = self.op(
                "post",
                format!("create{gv}{scope}{kind}"),
                format!("create {} {kind}", article(kind)),
                "post",
            );
            op.params = self.base_params(false);
            op.params.extend(self.params.queries(WRITE_PARAMS));
            op.body = self.own().map(|p| (p, vec!["*/*"], true));
            op.payload = self.own();
            op.responses = vec![
                ("200", "OK"),
                ("201", "Created"),
                ("202", "Accepted"),
                ("401", "Unauthorized"),
            ];
            out.push((collection.clone(), op));
        }
        if r.has_verb("deletecollection") {
            let mut op = self.op(
                "delete",
                format!("delete{gv}Collection{scope}{kind}"),
                format!("delete collection of {kind}"),
                "deletecollection",
            );
            op.params = self.base_params(false);
            op.params.extend(self.params.queries(&[
                "continue",
                "dryRun",
                "fieldSelector",
                "gracePeriodSeconds",
                UNSAFE_DELETE,
                "labelSelector",
                "limit",
                "orphanDependents",
                "propagationPolicy",
                "resourceVersion",
                "resourceVersionMatch",
                "sendInitialEvents",
                "timeoutSeconds",
            ]));
            op.body = Some((Payload::Definition(meta_name("DeleteOptions")), vec!["*/*"], false));
            op.payload = Some(Payload::Definition(meta_name("Status")));
            out.push((collection.clone(), op));
        }
        if r.has_verb("get") {
            let mut op = self.op(
                "get",
                format!("read{gv}{scope}{kind}"),
                format!("read the specified {kind}"),
                "get",
            );
            op.params = self.base_params(true);
            op.payload = self.own();
            out.push((item.clone(), op));
        }
        if r.has_verb("update") {
            out.push((
                item.clone(),
                self.update(
                    &format!("replace{gv}{scope}{kind}"),
                    format!("replace the specified {kind}"),
                    self.own(),
                    self.gvk(),
                ),
            ));
        }
        if r.has_verb("patch") {
            out.push((
                item.clone(),
                self.patch(
                    &format!("patch{gv}{scope}{kind}"),
                    format!("partially update the specified {kind}"),
                    self.own(),
                    self.gvk(),
                ),
            ));
        }
        if r.has_verb("delete") {
            let mut op = self.op(
                "delete",
                format!("delete{gv}{scope}{kind}"),
                format!("delete {} {kind}", article(kind)),
                "delete",
            );
            op.params = self.base_params(true);
            op.params.extend(self.params.queries(&[
                "dryRun",
                "gracePeriodSeconds",
                UNSAFE_DELETE,
                "orphanDependents",
                "propagationPolicy",
            ]));
            op.body = Some((Payload::Definition(meta_name("DeleteOptions")), vec!["*/*"], false));
            op.payload = Some(Payload::Definition(meta_name("Status")));
            op.responses = vec![("200", "OK"), ("202", "Accepted"), ("401", "Unauthorized")];
            out.push((item.clone(), op));
        }
        if r.has_verb("watch") {
            let watch_collection = self.collection_path(true);
            let event = Some(Payload::Definition(meta_name("WatchEvent")));
            let deprecated_list =
                "deprecated: use the 'watch' parameter with a list operation instead.";
            let mut op = self.op("get", format!("watch{gv}{scope}{kind}"), format!("watch changes to an object of kind {kind}. {}", "deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter."), "watch");
            op.params = self.base_params(true);
            op.params.extend(self.params.queries(LIST_PARAMS));
            op.payload = event.clone();
            op.produces = PRODUCES_STREAM.to_vec();
            out.push((format!("{watch_collection}/{{name}}"), op));
            let mut op = self.op(
                "get",
                format!("watch{gv}{scope}{kind}List"),
                format!("watch individual changes to a list of {kind}. {deprecated_list}"),
                "watchlist",
            );
            op.params = self.base_params(false);
            op.params.extend(self.params.queries(LIST_PARAMS));
            op.payload = event.clone();
            op.produces = PRODUCES_STREAM.to_vec();
            out.push((watch_collection, op));
            if r.namespaced {
                let mut op = self.op(
                    "get",
                    format!("watch{gv}{kind}ListForAllNamespaces"),
                    format!("watch individual changes to a list of {kind}. {deprecated_list}"),
                    "watchlist",
                );
                op.params = vec![self.params.query("pretty")];
                op.params.extend(self.params.queries(LIST_PARAMS));
                op.payload = event;
                op.produces = PRODUCES_STREAM.to_vec();
                out.push((format!("{}/watch/{}", self.prefix, r.resource), op));
            }
        }
        for sub in &r.subresources {
            out.extend(self.subresource(sub, &item));
        }
        out
    }

    fn update(
        &self,
        id: &str,
        description: String,
        payload: Option<Payload>,
        gvk: Option<(String, String, String)>,
    ) -> Operation {
        let mut op = self.op("put", id.to_string(), description, "put");
        op.gvk = gvk;
        op.params = self.base_params(true);
        op.params.extend(self.params.queries(WRITE_PARAMS));
        op.body = payload.clone().map(|p| (p, vec!["*/*"], true));
        op.payload = payload;
        op.responses = vec![("200", "OK"), ("201", "Created"), ("401", "Unauthorized")];
        op
    }

    fn patch(
        &self,
        id: &str,
        description: String,
        payload: Option<Payload>,
        gvk: Option<(String, String, String)>,
    ) -> Operation {
        let mut op = self.op("patch", id.to_string(), description, "patch");
        op.gvk = gvk;
        op.params = self.base_params(true);
        op.params.extend(self.params.queries(&[
            "dryRun",
            "fieldManager",
            "fieldValidation",
            "force",
        ]));
        let types: Vec<&'static str> = if self.custom {
            PATCH_TYPES
                .iter()
                .copied()
                .filter(|t| *t != "application/strategic-merge-patch+json")
                .collect()
        } else {
            PATCH_TYPES.to_vec()
        };
        op.body = Some((Payload::Definition(meta_name("Patch")), types, true));
        op.payload = payload;
        op.responses = vec![("200", "OK"), ("201", "Created"), ("401", "Unauthorized")];
        op
    }

    fn subresource(&self, sub: &SubresourceInfo, item: &str) -> Vec<(String, Operation)> {
        let r = self.r;
        let kind = &r.kind;
        let scope = self.scope();
        let gv = &self.id_gv;
        let camel = upper_first(&sub.name);
        let path = format!("{item}/{}", sub.name);
        let sub_gvk = Some((sub.group.clone(), sub.version.clone(), sub.kind.clone()));
        let payload = self.definition(&sub.group, &sub.version, &sub.kind);
        let has = |v: &str| sub.verbs.iter().any(|x| x == v);
        let mut out = Vec::new();
        let connect_methods: &[&'static str] = match sub.name.as_str() {
            "exec" | "attach" | "portforward" => &["get", "post"],
            "proxy" => &["delete", "get", "head", "options", "patch", "post", "put"],
            _ => &[],
        };
        if !connect_methods.is_empty() {
            let query: &[&str] = match sub.name.as_str() {
                "exec" => &["command", "container", "stderr", "stdin", "stdout", "tty"],
                "attach" => &["container", "stderr", "stdin", "stdout", "tty"],
                "portforward" => &["ports"],
                _ => &["path"],
            };
            let variants: Vec<(String, &str)> = if sub.name == "proxy" {
                vec![(path.clone(), ""), (format!("{path}/{{path}}"), "WithPath")]
            } else {
                vec![(path.clone(), "")]
            };
            for (p, suffix) in variants {
                for method in connect_methods {
                    let m = upper_first(method);
                    let mut op = self.op(
                        method,
                        format!("connect{gv}{m}{scope}{kind}{camel}{suffix}"),
                        format!(
                            "connect {} requests to {} of {kind}",
                            method.to_uppercase(),
                            sub.name
                        ),
                        "connect",
                    );
                    op.gvk = sub_gvk.clone();
                    op.params = self.base_params(true);
                    op.params.retain(|x| x.name != "pretty");
                    op.params.extend(self.params.queries(query));
                    if !suffix.is_empty() {
                        op.params.push(path_param("path", "path to the resource".into()));
                    }
                    op.payload = Some(Payload::Text);
                    op.produces = vec!["*/*"];
                    out.push((p.clone(), op));
                }
            }
            return out;
        }
        if sub.name == "log" {
            let mut op = self.op(
                "get",
                format!("read{gv}{scope}{kind}Log"),
                format!("read log of the specified {kind}"),
                "get",
            );
            op.params = self.base_params(true);
            op.params.extend(self.params.queries(&[
                "container",
                "follow",
                "insecureSkipTLSVerifyBackend",
                "limitBytes",
                "previous",
                "sinceSeconds",
                "tailLines",
                "timestamps",
            ]));
            op.payload = Some(Payload::Text);
            op.produces = vec![
                "text/plain",
                "application/json",
                "application/yaml",
                "application/vnd.kubernetes.protobuf",
            ];
            out.push((path, op));
            return out;
        }
        if has("get") {
            let mut op = self.op(
                "get",
                format!("read{gv}{scope}{kind}{camel}"),
                format!("read {} of the specified {kind}", sub.name),
                "get",
            );
            op.gvk = sub_gvk.clone();
            op.params = self.base_params(true);
            op.payload = payload.clone();
            out.push((path.clone(), op));
        }
        if has("update") {
            out.push((
                path.clone(),
                self.update(
                    &format!("replace{gv}{scope}{kind}{camel}"),
                    format!("replace {} of the specified {kind}", sub.name),
                    payload.clone(),
                    sub_gvk.clone(),
                ),
            ));
        }
        if has("patch") {
            out.push((
                path.clone(),
                self.patch(
                    &format!("patch{gv}{scope}{kind}{camel}"),
                    format!("partially update {} of the specified {kind}", sub.name),
                    payload.clone(),
                    sub_gvk.clone(),
                ),
            ));
        }
        if has("create") {
            let mut op = self.op(
                "post",
                format!("create{gv}{scope}{kind}{camel}"),
                format!("create {} of {} {kind}", sub.name, article(kind)),
                "post",
            );
            op.gvk = sub_gvk;
            op.params = self.base_params(true);
            op.params.extend(self.params.queries(WRITE_PARAMS));
            op.body = payload.clone().map(|p| (p, vec!["*/*"], false));
            op.payload = payload;
            op.responses = vec![
                ("200", "OK"),
                ("201", "Created"),
                ("202", "Accepted"),
                ("401", "Unauthorized"),
            ];
            out.push((path, op));
        }
        out
    }
}

/// The discovery operation of a group/version (`GET /apis/apps/v1/`).
fn resources_op(group: &str, version: &str) -> (String, Operation) {
    let path = format!("/{}/", gv_key(group, version));
    let op = Operation {
        method: "get",
        id: format!("get{}{}APIResources", group_camel(group), upper_first(version)),
        description: "get available resources".into(),
        tag: tag(group, version),
        action: "",
        gvk: None,
        params: Vec::new(),
        body: None,
        responses: vec![("200", "OK"), ("401", "Unauthorized")],
        payload: Some(Payload::Definition(meta_name("APIResourceList"))),
        produces: PRODUCES.to_vec(),
    };
    (path, op)
}

/// Groups operations into path items, hoisting the parameters all of a path's operations share
/// (upstream lists those once, on the path) and sorting parameters by name.
fn into_items(ops: Vec<(String, Operation)>) -> Vec<PathItem> {
    let mut items: Vec<PathItem> = Vec::new();
    for (path, op) in ops {
        match items.iter_mut().find(|i| i.path == path) {
            Some(item) => item.ops.push(op),
            None => items.push(PathItem { path, params: Vec::new(), ops: vec![op] }),
        }
    }
    for item in &mut items {
        let shared: Vec<Param> = item
            .ops
            .first()
            .map(|first| {
                first
                    .params
                    .iter()
                    .filter(|p| item.ops.iter().all(|o| o.params.contains(p)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for op in &mut item.ops {
            op.params.retain(|p| !shared.contains(p));
            op.params.sort_by(|a, b| a.name.cmp(&b.name));
        }
        item.params = shared;
        item.params
            .sort_by(|a, b| a.name.cmp(&b.name).then((a.location as u8).cmp(&(b.location as u8))));
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    items
}

/// The path items of one group/version: its discovery operation and the operations of every
/// table resource there plus `custom` (custom resources).
pub(super) fn group_version_paths(
    table: &ResourceTable,
    defs: &Definitions,
    group: &str,
    version: &str,
    custom: &[ResourceInfo],
) -> Vec<PathItem> {
    let unsafe_delete = defs
        .schemas
        .get(&meta_name("DeleteOptions"))
        .and_then(|d| d.pointer(&format!("/properties/{UNSAFE_DELETE}/description")))
        .and_then(|d| d.as_str())
        .unwrap_or_default()
        .to_string();
    let params = ParamSource { unsafe_delete };
    let prefix = format!("/{}", gv_key(group, version));
    let gv = apimachinery::schema::GroupVersion::new(group, version);
    let mut ops = vec![resources_op(group, version)];
    let builtin = table.resources_in(&gv).map(|r| (r, false));
    for (r, is_custom) in builtin.chain(custom.iter().map(|r| (r, true))) {
        let ro = ResourceOps {
            custom: is_custom,
            r,
            defs,
            params: &params,
            prefix: prefix.clone(),
            tag: tag(group, version),
            id_gv: format!("{}{}", group_camel(group), upper_first(version)),
        };
        ops.extend(ro.all());
    }
    into_items(ops)
}
