//! Definitions of the built-in API as upstream's OpenAPI documents name and decorate them, built
//! from k8s-openapi's JSON Schemas: `x-kubernetes-group-version-kind` on kinds, the patch
//! strategies and merge keys of the strategic merge patch table, and upstream's shapes for
//! `IntOrString` and `Quantity`. Lists are synthesised (k8s-openapi has no list types).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use apimachinery::patch::{LookupPatchMeta, PatchSchema};
use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// Where `$ref`s point in the neutral form the builder keeps; rendering rewrites the prefix to
/// `#/definitions/` (v2) or `#/components/schemas/` (v3).
pub(super) const REF_PREFIX: &str = "#/definitions/";

/// The definition name of a meta/v1 type.
pub(super) fn meta_name(kind: &str) -> String {
    format!("io.k8s.apimachinery.pkg.apis.meta.v1.{kind}")
}

/// A kind served by the API and the definition that describes it.
#[derive(Debug, Clone)]
pub(super) struct KindDef {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub definition: String,
}

/// Adds `T`'s schema (and everything it references) to `generator`, returning the name.
fn add<T: JsonSchema>(generator: &mut SchemaGenerator) -> String {
    generator.subschema_for::<T>();
    T::schema_name().into_owned()
}

fn kind_def<T: Resource + JsonSchema>(generator: &mut SchemaGenerator) -> KindDef {
    KindDef { group: T::GROUP, version: T::VERSION, kind: T::KIND, definition: add::<T>(generator) }
}

macro_rules! kinds {
    ($generator:expr, $($ty:ty),* $(,)?) => {
        vec![$(kind_def::<$ty>($generator)),*]
    };
}

/// Every kind with a definition: the served resources and the kinds their subresources carry.
fn builtin_kinds(generator: &mut SchemaGenerator) -> Vec<KindDef> {
    crate::kinds::for_each_builtin_kind!(kinds!(generator,))
}

/// The definitions of the built-in API, in neutral form, and the kinds among them.
#[derive(Debug, Clone, Default)]
pub(super) struct Definitions {
    /// Definition name -> schema (refs in [`REF_PREFIX`] form).
    pub schemas: BTreeMap<String, Value>,
    /// Every kind, keyed by `(group, version, kind)`, naming its definition.
    pub kinds: BTreeMap<(String, String, String), String>,
}

impl Definitions {
    /// The definition describing a kind.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<&str> {
        self.kinds
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
            .map(String::as_str)
    }

    /// Builds the built-in definitions. `group_versions` are the served group/versions; the
    /// kinds registered in every one of them (`DeleteOptions`, `WatchEvent`) list them all.
    pub fn builtin(group_versions: &[(String, String)]) -> Definitions {
        let mut generator = SchemaGenerator::default();
        let kinds = builtin_kinds(&mut generator);
        let delete_options = add::<meta::DeleteOptions>(&mut generator);
        let watch_event = add::<
            meta::WatchEvent<k8s_openapi::apimachinery::pkg::runtime::RawExtension>,
        >(&mut generator);
        let status = add::<meta::Status>(&mut generator);
        for name in [
            add::<meta::Patch>(&mut generator),
            add::<meta::APIResourceList>(&mut generator),
            add::<meta::APIGroup>(&mut generator),
            add::<meta::APIGroupList>(&mut generator),
            add::<meta::APIVersions>(&mut generator),
            add::<meta::ListMeta>(&mut generator),
            add::<k8s_openapi::apimachinery::pkg::version::Info>(&mut generator),
        ] {
            let _ = name;
        }

        let mut defs = Definitions::default();
        for (name, schema) in generator.definitions() {
            defs.schemas.insert(name.clone(), normalize(schema));
        }
        let mut gvks: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
        for k in &kinds {
            let gvk = (k.group.to_string(), k.version.to_string(), k.kind.to_string());
            gvks.entry(k.definition.clone()).or_default().push(gvk.clone());
            defs.kinds.insert(gvk, k.definition.clone());
            let list = format!("{}List", k.definition);
            defs.schemas.entry(list.clone()).or_insert_with(|| list_schema(&k.definition, k.kind));
            let list_gvk = (k.group.to_string(), k.version.to_string(), format!("{}List", k.kind));
            gvks.entry(list.clone()).or_default().push(list_gvk.clone());
            defs.kinds.insert(list_gvk, list);
        }
        for (group, version) in group_versions {
            for (def, kind) in [(&delete_options, "DeleteOptions"), (&watch_event, "WatchEvent")] {
                let gvk = (group.clone(), version.clone(), kind.to_string());
                gvks.entry(def.clone()).or_default().push(gvk.clone());
                defs.kinds.entry(gvk).or_insert_with(|| def.clone());
            }
        }
        let status_gvk = (String::new(), "v1".to_string(), "Status".to_string());
        gvks.entry(status.clone()).or_default().push(status_gvk.clone());
        defs.kinds.insert(status_gvk, status);

        for (name, schema) in defs.schemas.iter_mut() {
            decorate(name, schema);
            if let Some(list) = gvks.get_mut(name) {
                list.sort();
                list.dedup();
                let value: Vec<Value> = list
                    .iter()
                    .map(|(g, v, k)| json!({"group": g, "kind": k, "version": v}))
                    .collect();
                if let Some(obj) = schema.as_object_mut() {
                    obj.insert("x-kubernetes-group-version-kind".into(), Value::Array(value));
                }
            }
        }
        defs
    }
}

/// Rewrites schemars' `#/$defs/` references into the neutral prefix.
fn normalize(schema: &Value) -> Value {
    let mut v = schema.clone();
    rewrite_refs(&mut v, "#/$defs/", REF_PREFIX);
    v
}

/// Replaces the prefix of every `$ref` under `v`.
pub(super) fn rewrite_refs(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(rest) = child.as_str().and_then(|s| s.strip_prefix(from)) {
                        *child = Value::String(format!("{to}{rest}"));
                    }
                } else {
                    rewrite_refs(child, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite_refs(i, from, to)),
        _ => {}
    }
}

/// The list type of a kind (`DeploymentList`), shaped as upstream's list types are.
fn list_schema(item_definition: &str, kind: &str) -> Value {
    let docs = list_docs();
    json!({
        "description": format!("{kind}List is a list of {kind} objects."),
        "properties": {
            "apiVersion": {
                "description": docs.api_version,
                "type": "string"
            },
            "items": {
                "description": format!("Items is the list of {kind}."),
                "items": {"$ref": format!("{REF_PREFIX}{item_definition}"), "default": {}},
                "type": "array"
            },
            "kind": {
                "description": docs.kind,
                "type": "string"
            },
            "metadata": {
                "$ref": format!("{REF_PREFIX}{}", meta_name("ListMeta")),
                "default": {},
                "description": docs.list_metadata
            }
        },
        "required": ["items"],
        "type": "object"
    })
}

/// The documentation list types share for `apiVersion`, `kind` and `metadata`.
struct ListDocs {
    api_version: String,
    kind: String,
    list_metadata: String,
}

/// Read once from the published schemas: k8s-openapi has no per-kind list types, so the texts
/// come from types documenting the same fields the same way (`DeleteOptions` for the type
/// fields; the access reviews, whose `metadata` carries the list-metadata wording).
fn list_docs() -> &'static ListDocs {
    static DOCS: OnceLock<ListDocs> = OnceLock::new();
    DOCS.get_or_init(|| ListDocs {
        api_version: field_doc::<meta::DeleteOptions>("apiVersion"),
        kind: field_doc::<meta::DeleteOptions>("kind"),
        list_metadata: field_doc::<k8s_openapi::api::authorization::v1::SubjectAccessReview>(
            "metadata",
        ),
    })
}

/// The documentation of `field` in `T`'s schema, or empty.
fn field_doc<T: JsonSchema>(field: &str) -> String {
    let schema = T::json_schema(&mut SchemaGenerator::default());
    let doc =
        schema.get("properties").and_then(|p| p.get(field)).and_then(|f| f.get("description"));
    doc.and_then(Value::as_str).unwrap_or_default().to_string()
}

const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Applies upstream's extensions and shapes to one definition (in place).
fn decorate(name: &str, schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else { return };
    match name {
        INT_OR_STRING => {
            // Built-in documents describe IntOrString by format, not by the CRD extension.
            obj.remove("x-kubernetes-int-or-string");
            obj.insert("type".into(), "string".into());
            obj.insert("format".into(), "int-or-string".into());
            return;
        }
        QUANTITY => {
            obj.remove("x-kubernetes-int-or-string");
            obj.insert("type".into(), "string".into());
            return;
        }
        _ => {}
    }
    // Kinds never require metadata upstream (k8s-openapi marks it required), and their
    // metadata, spec and status are value fields there, defaulted to `{}`.
    let is_kind = ["apiVersion", "kind", "metadata"]
        .iter()
        .all(|f| obj.get("properties").and_then(|p| p.get(*f)).is_some());
    if is_kind {
        if let Some(Value::Array(req)) = obj.get_mut("required") {
            req.retain(|f| f != "metadata");
            if req.is_empty() {
                obj.remove("required");
            }
        }
        for field in ["metadata", "spec", "status"] {
            if let Some(Value::Object(p)) = obj.get_mut("properties").and_then(|p| p.get_mut(field))
                && p.contains_key("$ref")
            {
                p.entry("default").or_insert_with(|| json!({}));
            }
        }
    }
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let Some(props) = obj.get("properties").and_then(Value::as_object).cloned() else { return };
    let patch = PatchSchema::from_json_schema(name, &json!({"properties": props}));
    let mut out = Map::new();
    for (field, mut prop) in props {
        if let Ok((_, meta)) = patch.lookup_map(&field)
            && let Some(p) = prop.as_object_mut()
        {
            if !meta.strategies.is_empty() {
                let s: Vec<&str> = meta.strategies.iter().map(|s| s.as_str()).collect();
                p.insert("x-kubernetes-patch-strategy".into(), s.join(",").into());
            }
            if let Some(key) = &meta.merge_key {
                p.insert("x-kubernetes-patch-merge-key".into(), key.clone().into());
            }
        }
        add_zero_defaults(&mut prop, required.contains(&field));
        out.insert(field, prop);
    }
    obj.insert("properties".into(), Value::Object(out));
}

/// Upstream's generator gives non-pointer values their zero value as `default`: required
/// strings `""`, embedded structs `{}`, and the elements of slices and maps. The Rust types do
/// not say which fields are pointers, so only the cases that are never pointers in the Go
/// types are marked.
fn add_zero_defaults(prop: &mut Value, required: bool) {
    let Some(p) = prop.as_object_mut() else { return };
    if required && !p.contains_key("default") {
        if p.get("type").and_then(Value::as_str) == Some("string") && !p.contains_key("format") {
            p.insert("default".into(), "".into());
        } else if p.contains_key("$ref") {
            p.insert("default".into(), json!({}));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(Value::Object(inner)) = p.get_mut(key) {
            if inner.contains_key("default") {
                continue;
            }
            if inner.contains_key("$ref") {
                inner.insert("default".into(), json!({}));
            } else if inner.get("type").and_then(Value::as_str) == Some("string")
                && !inner.contains_key("format")
            {
                inner.insert("default".into(), "".into());
            }
        }
    }
}

/// Every definition `roots` reach through `$ref`s, including the roots.
pub(super) fn closure(
    schemas: &BTreeMap<String, Value>,
    roots: impl IntoIterator<Item = String>,
) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(schema) = schemas.get(&name) else { continue };
        out.insert(name, schema);
        collect_refs(schema, &mut stack);
    }
    out
}

/// Pushes the definition names `v` refers to.
pub(super) fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child.as_str().and_then(|s| s.strip_prefix(REF_PREFIX)) {
                        out.push(name.to_string());
                    }
                } else {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}
