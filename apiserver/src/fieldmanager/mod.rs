//! Field ownership (upstream's `fieldmanager` over structured-merge-diff): every write records
//! in `metadata.managedFields` which manager set which fields, and server-side apply
//! (`application/apply-patch+yaml`) merges a manager's configuration into the live object,
//! removes what the manager stopped applying, and refuses to change fields other managers own
//! (409 Conflict) unless forced.
//!
//! Paths are tracked in the request's API version; the shape of the kind (struct fields,
//! atomic and associative lists, granular and atomic maps) comes from the OpenAPI documents
//! for built-in kinds and from the definition's schema for custom resources.

mod created;
pub mod fieldpath;
pub mod managed;
mod markers;
pub mod schema;
pub mod typed;
pub mod updater;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error as FieldError, ErrorList, Path as FieldPath};
use apimachinery::gofmt;
use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::GroupKind;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::StatusCause;
use serde_json::{Map, Value, json};

use self::fieldpath::{PathElement, Set, path_string};
use self::managed::{Managed, ManagerKey, Operation, VersionedSet, cap_update_managers, is_reset};
use self::schema::TypeSchema;
use self::typed::Walker;
use self::updater::{ApplyError, Conflict, ResetFields, Updater};

/// The annotation client-side apply keeps the last applied configuration in.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The longest manager name accepted.
pub const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// How many Update managers an object keeps before the oldest are folded together.
const MAX_UPDATE_MANAGERS: usize = 10;

/// The manager owning what an object held before its first apply.
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// The manager kubectl applies as by default; its conflicts on fields that still hold the
/// last client-side applied value are forgiven (upgrading from client-side apply).
const KUBECTL: &str = "kubectl";

/// The name of a write's manager: `fieldManager` when given, else the client's User-Agent up
/// to the first `/` (printable characters only, at most 128 bytes).
pub fn manager_or_user_agent(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let prefix = user_agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in prefix.chars() {
        if !is_print(c) {
            continue;
        }
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

fn is_print(c: char) -> bool {
    c == ' ' || !(c.is_control() || c.is_whitespace())
}

/// Validates the `fieldManager` option of a write; `options_kind` is `CreateOptions`,
/// `UpdateOptions` or `PatchOptions`.
pub fn validate_field_manager(field_manager: &str, options_kind: &str) -> Result<(), StatusError> {
    let path = FieldPath::new("fieldManager");
    let mut errs = ErrorList::new();
    if field_manager.len() > FIELD_MANAGER_MAX_LENGTH {
        errs.push(FieldError::too_long(&path, FIELD_MANAGER_MAX_LENGTH as i64));
    }
    for (i, c) in field_manager.char_indices() {
        if !is_print(c) {
            errs.push(FieldError::invalid(
                &path,
                field_manager,
                format!("invalid character U+{:04X} (at position {i})", u32::from(c)),
            ));
        }
    }
    if errs.is_empty() {
        return Ok(());
    }
    Err(StatusError::new_invalid(&GroupKind::new("meta.k8s.io", options_kind), "", &errs))
}

/// Top-level fields no manager owns as members (the type, and metadata itself).
const UNOWNED_TOP: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Metadata fields no manager owns: identity and what the server manages.
const UNOWNED_METADATA: [&str; 9] = [
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
];

/// Paths no manager owns: identity and server-managed metadata.
fn strip_set() -> &'static Set {
    static SET: OnceLock<Set> = OnceLock::new();
    SET.get_or_init(|| {
        let f = PathElement::field;
        let mut s = Set::new();
        for name in UNOWNED_TOP {
            s.insert(&[f(name)]);
        }
        for name in UNOWNED_METADATA {
            s.insert(&[f("metadata"), f(name)]);
        }
        s
    })
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata").and_then(|m| m.get(field)).and_then(Value::as_str).unwrap_or("")
}

/// Writes `managed` into the object's `metadata.managedFields` (removing the field when no
/// manager owns anything).
fn set_managed(obj: &mut Value, managed: &Managed) {
    let Some(root) = obj.as_object_mut() else { return };
    let meta = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else { return };
    match managed.encode() {
        Some(entries) => {
            meta.insert("managedFields".into(), entries);
        }
        None => {
            meta.remove("managedFields");
        }
    }
}

fn remove_managed(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

/// How a manager is named in conflict messages: `"name"`, plus the subresource, plus the API
/// version of Update managers.
fn print_manager(key: &ManagerKey) -> String {
    let mut s = gofmt::quote(&key.manager);
    if !key.subresource.is_empty() {
        s.push_str(&format!(" with subresource {}", gofmt::quote(&key.subresource)));
    }
    if key.operation == Operation::Update {
        s.push_str(&format!(" using {}", key.api_version));
    }
    s
}

/// The 409 an apply answers with when it conflicts (upstream's wording and causes).
pub fn conflict_error(conflicts: &[Conflict]) -> StatusError {
    let causes = conflicts
        .iter()
        .map(|c| StatusCause {
            reason: Some(apimachinery::errors::CAUSE_TYPE_FIELD_MANAGER_CONFLICT.into()),
            message: Some(format!("conflict with {}", print_manager(&c.manager))),
            field: Some(path_string(&c.path)),
        })
        .collect();
    let message = if let [only] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(&only.manager),
            path_string(&only.path)
        )
    } else {
        let mut managers: Vec<&ManagerKey> = Vec::new();
        for c in conflicts {
            if !managers.contains(&&c.manager) {
                managers.push(&c.manager);
            }
        }
        managers.sort_by_key(|m| m.identifier());
        let mut lines = Vec::new();
        for m in managers {
            lines.push(format!("conflicts with {}:", print_manager(m)));
            for c in conflicts.iter().filter(|c| &c.manager == m) {
                lines.push(format!("- {}", path_string(&c.path)));
            }
        }
        format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
    };
    StatusError::new_apply_conflict(causes, &message)
}

/// Tracks field ownership for the writes of one resource (and subresource) at one API
/// version.
#[derive(Debug, Clone)]
pub struct FieldManager {
    schema: Arc<TypeSchema>,
    group_version: String,
    kind: String,
    subresource: String,
    reset: ResetFields,
}

impl FieldManager {
    /// A field manager for writes of `info` (through `subresource`, empty for the main
    /// resource) described by `schema`.
    pub fn new(schema: Arc<TypeSchema>, info: &ResourceInfo, subresource: &str) -> FieldManager {
        let reset = match subresource {
            "" if info.subresource("status").is_some() => ResetFields::Status,
            "" => ResetFields::None,
            sub => match crate::api::status_reset_fields(&info.group, &info.kind, sub) {
                Some(paths) => ResetFields::Paths(paths),
                // Custom resources: their status strategy keeps nothing else of a write.
                None if sub == "status" => ResetFields::AllButStatus,
                None => ResetFields::None,
            },
        };
        FieldManager {
            schema,
            group_version: info.api_version(),
            kind: info.kind.clone(),
            subresource: subresource.to_string(),
            reset,
        }
    }

    /// The field manager of a request of the server: the schema is looked up in the served
    /// OpenAPI documents (built-in kinds) or the resource's definition (custom resources).
    pub fn for_resource(
        server: &crate::endpoints::ApiServer,
        info: &ResourceInfo,
        subresource: &str,
    ) -> FieldManager {
        FieldManager::new(schema_for(server, info), info, subresource)
    }

    fn updater(&self) -> Updater<'_> {
        Updater {
            walker: Walker::new(&self.schema),
            api_version: self.group_version.clone(),
            reset: self.reset,
        }
    }

    /// Records an Update by `manager` that turns `live` (`None` on create) into `new`, writing
    /// `new`'s managedFields. The managedFields a client sends are kept as the starting
    /// point (an empty list clears them); when it sends none, the live ones are. Objects that
    /// have never had managedFields are not tracked by updates.
    pub fn update(&self, live: Option<&Value>, new: &mut Value, manager: &str) {
        let live = live.unwrap_or(self.schema.zero_object());
        let live_managed = || Managed::decode(live.pointer("/metadata/managedFields"));
        let sent = new.pointer("/metadata/managedFields");
        let managed = if !self.subresource.is_empty() {
            live_managed().unwrap_or_default()
        } else if is_reset(sent) {
            Managed::default()
        } else {
            match Managed::decode(sent) {
                Ok(m) if !m.is_empty() => m,
                _ => live_managed().unwrap_or_default(),
            }
        };
        remove_managed(new);
        if managed.is_empty() && !meta_str(live, "uid").is_empty() {
            return;
        }
        if managed.is_empty()
            && self.subresource.is_empty()
            && let Some(entry) = self.created_entry(live, new, manager)
        {
            if let Some(entry) = entry
                && let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut)
            {
                meta.insert("managedFields".into(), Value::Array(vec![entry]));
            }
            return;
        }
        let mut managed = managed;
        self.record_update(live, new, &mut managed, manager);
        set_managed(new, &managed);
    }

    /// The managedFields entry of a create by `manager` (`live` is the kind's empty object)
    /// that brings no managedFields along: `Some(None)` when it sets no field a manager owns,
    /// `None` when the general bookkeeping must work it out.
    fn created_entry(&self, live: &Value, new: &Value, manager: &str) -> Option<Option<Value>> {
        if !std::ptr::eq(live, self.schema.zero_object())
            || !matches!(self.reset, ResetFields::None | ResetFields::Status)
        {
            return None;
        }
        let mut fields = self.updater().walker.created_fields(live, new)?;
        fields.strip(self.reset);
        if fields.is_empty() {
            return Some(None);
        }
        let mut entry = Map::new();
        entry.insert("manager".into(), Value::String(manager.to_string()));
        entry.insert("operation".into(), Value::String(Operation::Update.as_str().into()));
        entry.insert("apiVersion".into(), Value::String(self.group_version.clone()));
        entry.insert("time".into(), Value::String(crate::registry::now_rfc3339()));
        entry.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        entry.insert("fieldsV1".into(), fields.into_fields_v1());
        Some(Some(Value::Object(entry)))
    }

    fn record_update(&self, live: &Value, new: &Value, managed: &mut Managed, manager: &str) {
        let key =
            ManagerKey::new(manager, Operation::Update, &self.group_version, &self.subresource);
        // The write is first recorded under a name no manager has, so that the manager's own
        // earlier fields are treated like anyone else's (it loses what it removed).
        let current = ManagerKey {
            manager: "\u{0}current-operation".into(),
            operation: Operation::Update,
            api_version: self.group_version.clone(),
            subresource: self.subresource.clone(),
        };
        let mut set = self.updater().update_fields(live, new, managed, &current);
        set.subtract(strip_set());
        if !set.is_empty() {
            let merged = match managed.fields.get(&key) {
                Some(prev) => set.union(&prev.set),
                None => set,
            };
            managed.fields.insert(
                key.clone(),
                VersionedSet {
                    set: merged,
                    api_version: self.group_version.clone(),
                    applied: false,
                },
            );
            managed.times.insert(key, crate::registry::now_rfc3339());
        }
        cap_update_managers(managed, MAX_UPDATE_MANAGERS);
    }

    /// Applies `config` for `manager` over `live` (`None` when the object does not exist yet):
    /// the new object with its managedFields, or the error to answer with (400 for a
    /// configuration of another kind, 409 for conflicts).
    pub fn apply(
        &self,
        live: Option<&Value>,
        config: &Value,
        manager: &str,
        force: bool,
    ) -> Result<Value, StatusError> {
        let api_version = config.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
        if api_version != self.group_version || kind != self.kind {
            let (group, version) = match api_version.rsplit_once('/') {
                Some((g, v)) => (g, v),
                None => ("", api_version),
            };
            return Err(StatusError::new_bad_request(&format!(
                "invalid object type: {group}/{version}, Kind={kind}"
            )));
        }
        if config.pointer("/metadata/managedFields").is_some_and(|m| !m.is_null()) {
            return Err(StatusError::new_bad_request("metadata.managedFields must be nil"));
        }
        let empty = json!({});
        let live = live.unwrap_or(&empty);
        let managed = Managed::decode(live.pointer("/metadata/managedFields")).map_err(|e| {
            StatusError::new_internal_error(format!("failed to decode managed fields: {e}"))
        })?;
        let result = match self.apply_managed(live, config, &managed, manager, force) {
            Err(ApplyError::Conflicts(conflicts)) if manager == KUBECTL => {
                let allowed = self.allowed_by_last_applied(live);
                let remaining: Vec<Conflict> = conflicts
                    .iter()
                    .filter(|c| !allowed.as_ref().is_some_and(|a| a.has(&c.path)))
                    .cloned()
                    .collect();
                if allowed.is_none() {
                    Err(ApplyError::Conflicts(conflicts))
                } else if remaining.is_empty() {
                    self.apply_managed(live, config, &managed, manager, true)
                } else {
                    Err(ApplyError::Conflicts(remaining))
                }
            }
            other => other,
        };
        let mut obj = match result {
            Ok(obj) => obj,
            Err(ApplyError::Conflicts(conflicts)) => return Err(conflict_error(&conflicts)),
            Err(ApplyError::Type(e)) => {
                let ns = meta_str(config, "namespace");
                let name = meta_str(config, "name");
                let group = self.group_version.rsplit_once('/').map_or("", |(g, _)| g);
                let version = self.group_version.rsplit('/').next().unwrap_or("");
                return Err(StatusError::new_internal_error(format!(
                    "failed to create typed patch object ({ns}/{name}; {group}/{version}, Kind={}): {e}",
                    self.kind
                )));
            }
        };
        if manager == KUBECTL && has_last_applied(&obj) {
            set_last_applied(&mut obj, &last_applied_of(config));
        }
        Ok(obj)
    }

    fn apply_managed(
        &self,
        live: &Value,
        config: &Value,
        managed: &Managed,
        manager: &str,
        force: bool,
    ) -> Result<Value, ApplyError> {
        let mut managed = managed.clone();
        if managed.is_empty() {
            // What the object already holds belongs to a stand-in manager, so that applying
            // does not silently take over fields set before managedFields were tracked.
            let mut before = live.clone();
            remove_managed(&mut before);
            let zero = self.schema.zero_object();
            self.record_update(zero, &before, &mut managed, BEFORE_FIRST_APPLY);
        }
        let key =
            ManagerKey::new(manager, Operation::Apply, &self.group_version, &self.subresource);
        let (new, mut managed) = self.updater().apply(live, config, &managed, &key, force)?;
        if let Some(vs) = managed.fields.get_mut(&key) {
            vs.set = vs.set.difference(strip_set());
            if vs.set.is_empty() {
                managed.fields.remove(&key);
                managed.times.remove(&key);
            }
        }
        let mut obj = match new {
            Some(obj) => {
                if managed.fields.contains_key(&key) {
                    managed.times.insert(key, crate::registry::now_rfc3339());
                }
                obj
            }
            None => live.clone(),
        };
        set_managed(&mut obj, &managed);
        Ok(obj)
    }

    /// The fields of the last client-side applied configuration that still hold its values
    /// (conflicts on them are forgiven for the `kubectl` manager).
    fn allowed_by_last_applied(&self, live: &Value) -> Option<Set> {
        let text = live
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(LAST_APPLIED_ANNOTATION))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())?;
        let last: Value = serde_json::from_str(text).ok()?;
        if last.get("apiVersion").and_then(Value::as_str) != Some(self.group_version.as_str()) {
            return None;
        }
        let walker = Walker::new(&self.schema);
        let set = walker.field_set(&last, true).ok()?;
        let cmp = walker.compare(&last, live);
        Some(set.difference(&cmp.modified).difference(&cmp.added).difference(&cmp.removed))
    }
}

fn has_last_applied(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED_ANNOTATION))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// The last-applied annotation value of a configuration: its JSON without the annotation
/// itself, as client-side apply writes it.
fn last_applied_of(config: &Value) -> String {
    let mut c = config.clone();
    if let Some(ann) = c.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        ann.remove(LAST_APPLIED_ANNOTATION);
    }
    let mut s = gofmt::marshal_json(&c, None);
    s.push('\n');
    s
}

fn set_last_applied(obj: &mut Value, value: &str) {
    if let Some(ann) = obj.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        ann.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(value.to_string()));
    }
}

/// One group/version OpenAPI document, parsed: its definitions and which defines each kind.
struct Doc {
    etag: String,
    schemas: Arc<Map<String, Value>>,
    kinds: HashMap<(String, String, String), String>,
    /// The schemas of the definitions asked for so far: each remembers what it has worked out
    /// about its positions, so it is kept rather than built per request.
    types: Mutex<HashMap<String, Arc<TypeSchema>>>,
}

impl Doc {
    fn type_schema(&self, def: &str) -> Arc<TypeSchema> {
        let mut types = self.types.lock().unwrap_or_else(PoisonError::into_inner);
        types
            .entry(def.to_string())
            .or_insert_with(|| Arc::new(TypeSchema::definition(self.schemas.clone(), def)))
            .clone()
    }
}

/// The parsed definitions of a served OpenAPI v3 document (`api/v1`, `apis/apps/v1`), cached
/// until the document changes.
fn document(server: &crate::endpoints::ApiServer, key: &str) -> Option<Arc<Doc>> {
    static DOCS: OnceLock<Mutex<HashMap<String, Arc<Doc>>>> = OnceLock::new();
    let cache = DOCS.get_or_init(Default::default);
    let openapi = server.openapi.read().unwrap_or_else(PoisonError::into_inner);
    let (bytes, etag) = openapi.v3_group_version(key)?;
    if let Some(doc) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(key)
        && doc.etag == etag
    {
        return Some(doc.clone());
    }
    let parsed: Value = serde_json::from_slice(bytes).ok()?;
    let schemas = parsed.pointer("/components/schemas")?.as_object()?.clone();
    let mut kinds = HashMap::new();
    for (name, s) in &schemas {
        for gvk in
            s.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten()
        {
            let part = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            kinds.insert((part("group"), part("version"), part("kind")), name.clone());
        }
    }
    let doc = Arc::new(Doc {
        etag: etag.to_string(),
        schemas: Arc::new(schemas),
        kinds,
        types: Mutex::default(),
    });
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key.to_string(), doc.clone());
    Some(doc)
}

/// The schema of a served resource's kind.
pub fn schema_for(server: &crate::endpoints::ApiServer, info: &ResourceInfo) -> Arc<TypeSchema> {
    let key = if info.group.is_empty() {
        format!("api/{}", info.version)
    } else {
        format!("apis/{}/{}", info.group, info.version)
    };
    let builtin = crate::kinds::lookup(&info.group, &info.version, &info.kind).is_some();
    let custom = if builtin {
        None
    } else {
        server.registry.custom_resources().into_iter().find(|c| c.info.gvr() == info.gvr())
    };
    if custom.is_none()
        && let Some(doc) = document(server, &key)
        && let Some(def) =
            doc.kinds.get(&(info.group.clone(), info.version.clone(), info.kind.clone()))
    {
        return doc.type_schema(def);
    }
    let core = document(server, "api/v1").map(|d| d.schemas.clone()).unwrap_or_default();
    let schema = custom.and_then(|c| c.schema);
    Arc::new(TypeSchema::custom(core, schema.as_ref()))
}
