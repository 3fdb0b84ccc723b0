//! The generic registry store (upstream's `genericregistry.Store`): every verb of one resource
//! over [`Storage`], with metadata bookkeeping, preconditions, finalizers, graceful deletion and
//! watch filtering done once for all kinds. Kind-specific behaviour comes from the [`Strategy`].

use std::sync::Arc;

use apimachinery::errors::field::{Error as FieldError, ErrorList, Path};
use apimachinery::errors::{StatusError, StatusReason};
use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::{GroupKind, GroupResource};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::object::{ObjectMetaExt, check_preconditions, now_rfc3339};
use super::selectors::{ListParams, Predicate, WatchParams};
use crate::storage::cacher::{CacheEvent, Cacher, MatchValue, WatchOptions};
use crate::storage::{KeyValue, ListOptions, ListResult, Storage, StorageError, WatchEvent};
use crate::strategy::Strategy;

/// How long a write keeps retrying after losing compare-and-swap races it did not ask for.
/// Upstream's GuaranteedUpdate retries until the request's context ends; this is that bound.
const RETRY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The attempts of a compare-and-swap write: the first at once, the next after letting the
/// other writers run, until [`RETRY_TIMEOUT`].
struct Attempts {
    deadline: Option<tokio::time::Instant>,
}

impl Attempts {
    fn new() -> Self {
        Attempts { deadline: None }
    }

    async fn next(&mut self) -> bool {
        match self.deadline {
            None => {
                self.deadline = Some(tokio::time::Instant::now() + RETRY_TIMEOUT);
                true
            }
            Some(deadline) => {
                tokio::task::yield_now().await;
                tokio::time::Instant::now() < deadline
            }
        }
    }
}

/// Options every write takes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `dryRun=All`: do everything but persist.
    pub dry_run: bool,
    /// The object was decoded from a request body by a decoder that applied its kind's
    /// defaults (see [`crate::api::strategy::defaults_on_decode`]), so a create does not apply
    /// them again.
    pub defaulted: bool,
    /// The resource the request addressed when its objects live in this store under another
    /// one (events.k8s.io Events in the core store): validation follows the API the request
    /// used, as upstream's strategies read the request's group version.
    pub validate_as: Option<ResourceInfo>,
}

/// A hook a write runs on the prepared object (defaults applied, server-owned fields set)
/// before it is validated: it gets the current object (`None` on create) and the new one.
/// Field ownership (`metadata.managedFields`) is kept this way.
pub type Track<'a> = &'a (dyn Fn(Option<&Value>, &mut Value) + Send + Sync);

/// Options of a delete (`metav1.DeleteOptions`).
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `gracePeriodSeconds`.
    pub grace_period_seconds: Option<i64>,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_resource_version: Option<String>,
    /// `propagationPolicy` (`Orphan`, `Background`, `Foreground`).
    pub propagation_policy: Option<String>,
}

/// What a delete did.
#[derive(Debug, Clone)]
pub enum DeleteOutcome {
    /// The object is gone; this was its last state.
    Deleted(Value),
    /// The object is marked for deletion (finalizers or a grace period remain); this is its
    /// new state.
    Pending(Value),
}

/// One event a store watch delivers, already filtered by the watch's predicate.
#[derive(Debug, Clone)]
pub enum StoreEvent {
    /// `ADDED`, `MODIFIED` or `DELETED` with the object.
    Object {
        /// The event type as it goes on the wire.
        kind: &'static str,
        /// The object (resourceVersion set to the event's revision).
        object: Value,
        /// Where the encoded event may be shared with the other watchers of the same storage
        /// event (`None` for events synthesized for this watcher alone).
        memo: Option<crate::storage::Memo>,
    },
    /// An event already encoded (by another watcher) under the watch's
    /// [`WatchParams::memo_key`], to be sent as is.
    Encoded(bytes::Bytes),
    /// `BOOKMARK` at a revision; `initial_events_end` marks the end of `sendInitialEvents`.
    Bookmark {
        /// The revision reached.
        revision: u64,
        /// Whether this bookmark ends the initial events.
        initial_events_end: bool,
    },
    /// `ERROR`; the watch ends after it.
    Error(Box<StatusError>),
}

/// Maps a storage failure to the API error upstream returns for it.
pub fn storage_error(err: StorageError, gr: &GroupResource, name: &str) -> StatusError {
    match err {
        StorageError::KeyNotFound { .. } => StatusError::new_not_found(gr, name),
        StorageError::KeyExists { .. } => StatusError::new_already_exists(gr, name),
        StorageError::Conflict { .. } => StatusError::new_conflict(gr, name, CONFLICT_MESSAGE),
        StorageError::ResourceExpired { message, continue_token } => {
            let mut e = StatusError::new_resource_expired(&message);
            if let Some(token) = continue_token {
                let mut status = e.into_status();
                status.metadata.continue_ = Some(token);
                e = StatusError::from_status(status);
            }
            e
        }
        StorageError::TooLargeResourceVersion { requested, current } => {
            let message = format!("Too large resource version: {requested}, current: {current}");
            let mut status = StatusError::new_timeout_error(&message, 1).into_status();
            if let Some(details) = status.details.as_mut() {
                details.causes =
                    Some(vec![k8s_openapi::apimachinery::pkg::apis::meta::v1::StatusCause {
                        reason: Some(
                            apimachinery::errors::CAUSE_TYPE_RESOURCE_VERSION_TOO_LARGE.into(),
                        ),
                        message: Some(message.clone()),
                        field: None,
                    }]);
            }
            StatusError::from_status(status)
        }
        StorageError::InvalidContinue(m) => StatusError::new_bad_request(&m),
        StorageError::InvalidKey(m) => StatusError::new_bad_request(&m),
        StorageError::Internal(m) => StatusError::new_internal_error(m),
        StorageError::Unavailable(m) => StatusError::new_service_unavailable(&m),
    }
}

const CONFLICT_MESSAGE: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// The store of one resource.
pub struct Store {
    info: ResourceInfo,
    prefix: String,
    storage: Arc<dyn Storage>,
    cacher: Option<Arc<Cacher>>,
    strategy: Arc<dyn Strategy>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Characters upstream's name generator draws from (no vowels, no look-alikes).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn generate_name(base: &str) -> String {
    let base = if base.len() > 58 { &base[..58] } else { base };
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let suffix: String = bytes[..5]
        .iter()
        .map(|b| NAME_ALPHABET[*b as usize % NAME_ALPHABET.len()] as char)
        .collect();
    format!("{base}{suffix}")
}

impl Store {
    /// A store for `info` keeping objects below `prefix`.
    pub fn new(
        info: ResourceInfo,
        prefix: String,
        storage: Arc<dyn Storage>,
        cacher: Option<Arc<Cacher>>,
        strategy: Arc<dyn Strategy>,
    ) -> Self {
        Store { info, prefix, storage, cacher, strategy }
    }

    /// The resource served (at its storage version).
    pub fn info(&self) -> &ResourceInfo {
        &self.info
    }

    /// The group and resource, as errors name them.
    pub fn group_resource(&self) -> GroupResource {
        self.info.group_resource()
    }

    /// The storage key prefix of the resource.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The backend the store reads and writes (the watch cache when there is one).
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    fn key(&self, namespace: &str, name: &str) -> String {
        if self.info.namespaced {
            format!("{}/{}/{}", self.prefix, namespace, name)
        } else {
            format!("{}/{}", self.prefix, name)
        }
    }

    fn list_key(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.info.namespaced && !ns.is_empty() => {
                format!("{}/{}", self.prefix, ns)
            }
            _ => self.prefix.clone(),
        }
    }

    /// The indexed fields of the watch cache the predicate pins to one value.
    fn index_matches(&self, predicate: &Predicate) -> Vec<MatchValue> {
        let Some(cacher) = &self.cacher else { return Vec::new() };
        cacher
            .index_names()
            .filter_map(|index| {
                let value = predicate.exact_field(index)?;
                Some(MatchValue { index: index.to_string(), value })
            })
            .collect()
    }

    /// Lists storage, through the watch cache's indexes when `matches` names any (then the page
    /// may hold more than `limit` candidates; the caller filters and cuts).
    async fn list_storage(
        &self,
        key: &str,
        options: ListOptions,
        matches: &[MatchValue],
    ) -> Result<ListResult, StorageError> {
        match &self.cacher {
            Some(cacher) if !matches.is_empty() => cacher.list_with(key, options, matches).await,
            _ => self.storage.list(key, options).await,
        }
    }

    fn err(&self, e: StorageError, name: &str) -> StatusError {
        storage_error(e, &self.group_resource(), name)
    }

    /// Decodes stored bytes and sets the revision as `resourceVersion`.
    fn decode(&self, value: &[u8], revision: u64) -> Result<Value, StatusError> {
        let mut obj: Value = serde_json::from_slice(value).map_err(|e| {
            StatusError::new_internal_error(format!("unable to decode stored object: {e}"))
        })?;
        self.strategy.after_read(&self.info, &mut obj);
        obj.set_meta_str("resourceVersion", &revision.to_string());
        Ok(obj)
    }

    fn decode_kv(&self, kv: &KeyValue) -> Result<Value, StatusError> {
        self.decode(&kv.value, kv.mod_revision)
    }

    /// A stored object (as [`Store::list_stored`] gives them) decoded as reads serve it.
    pub fn decode_stored(&self, kv: &KeyValue) -> Result<Value, StatusError> {
        self.decode_kv(kv)
    }

    fn encode(&self, obj: &Value) -> Result<Vec<u8>, StatusError> {
        Ok(self.encode_json(obj)?.bytes)
    }

    /// The stored form of `obj`, noting where its metadata closes when the stored form is the
    /// object's own JSON.
    fn encode_json(&self, obj: &Value) -> Result<StoredJson, StatusError> {
        let rewritten = self.strategy.storage_form(&self.info, obj);
        let mut stored = stored_json(rewritten.as_ref().unwrap_or(obj))?;
        if rewritten.is_some() {
            stored.metadata_end = None;
        }
        Ok(stored)
    }

    fn invalid(&self, name: &str, errs: &ErrorList) -> StatusError {
        StatusError::new_invalid(&GroupKind::new(&self.info.group, &self.info.kind), name, errs)
    }

    /// Reads one object.
    pub async fn get(&self, namespace: &str, name: &str) -> Result<Value, StatusError> {
        let key = self.key(namespace, name);
        match self.storage.get(&key).await.map_err(|e| self.err(e, name))? {
            Some(kv) => self.decode_kv(&kv),
            None => Err(StatusError::new_not_found(&self.group_resource(), name)),
        }
    }

    /// The stored bytes of one object as the watch cache holds them, without asking storage;
    /// `None` when the resource has no cache or the cache does not hold the object.
    pub async fn get_cached_bytes(&self, namespace: &str, name: &str) -> Option<bytes::Bytes> {
        let cacher = self.cacher.as_ref()?;
        let (kv, _) = cacher.get_cached(&self.key(namespace, name)).await.ok()?;
        Some(kv?.value)
    }

    /// Lists objects (in `namespace`, or everywhere), filtered by the predicate, paged by
    /// `limit`/`continue`. Returns the items, the list's resourceVersion, the next continue token
    /// and the remaining item count when known.
    pub async fn list(
        &self,
        namespace: Option<&str>,
        params: &ListParams,
        predicate: &Predicate,
    ) -> Result<ListPage, StatusError> {
        self.list_with(namespace, params, predicate, Ok).await
    }

    /// [`Store::list`] with each matching object passed through `map` as soon as it is read, so
    /// that the whole list of objects is never held at once.
    pub async fn list_with<T>(
        &self,
        namespace: Option<&str>,
        params: &ListParams,
        predicate: &Predicate,
        mut map: impl FnMut(Value) -> Result<T, StatusError>,
    ) -> Result<ListPage<T>, StatusError> {
        self.list_items(namespace, params, predicate, |kv| {
            let obj = self.decode_kv(kv)?;
            predicate.matches(&obj).then(|| map(obj)).transpose()
        })
        .await
    }

    /// [`Store::list`] giving the matching objects as they are stored, undecoded (unless the
    /// predicate needs to read them).
    pub async fn list_stored(
        &self,
        namespace: Option<&str>,
        params: &ListParams,
        predicate: &Predicate,
    ) -> Result<ListPage<KeyValue>, StatusError> {
        let everything = predicate.is_everything();
        self.list_items(namespace, params, predicate, |kv| {
            Ok((everything || predicate.matches(&self.decode_kv(kv)?)).then(|| kv.clone()))
        })
        .await
    }

    /// The paging of [`Store::list`]; `keep` gives the item for a stored object the predicate
    /// matches, `None` for one it does not.
    async fn list_items<T>(
        &self,
        namespace: Option<&str>,
        params: &ListParams,
        predicate: &Predicate,
        mut keep: impl FnMut(&KeyValue) -> Result<Option<T>, StatusError>,
    ) -> Result<ListPage<T>, StatusError> {
        let key = self.list_key(namespace);
        let revision = list_revision(params)?;
        if !params.continue_token.is_empty() && !params.resource_version.is_empty() {
            return Err(StatusError::new_bad_request(
                "specifying resource version is not allowed when using continue",
            ));
        }
        let mut options = ListOptions {
            revision,
            limit: params.limit,
            continue_key: (!params.continue_token.is_empty())
                .then(|| params.continue_token.clone()),
            recursive: true,
        };
        // A field selector pinning the name reads that one key.
        if let Some(name) = predicate.exact_name()
            && (namespace.is_some_and(|n| !n.is_empty()) || !self.info.namespaced)
        {
            let key = self.key(namespace.unwrap_or(""), &name);
            options.recursive = false;
            options.continue_key = None;
            let res = self.storage.list(&key, options).await.map_err(|e| self.err(e, ""))?;
            let mut items = Vec::new();
            for kv in &res.items {
                items.extend(keep(kv)?);
            }
            return Ok(ListPage {
                items,
                revision: res.revision,
                continue_token: None,
                remaining: None,
            });
        }
        let matches = self.index_matches(predicate);
        let mut items = Vec::new();
        loop {
            let res = self
                .list_storage(&key, options.clone(), &matches)
                .await
                .map_err(|e| self.err(e, ""))?;
            let page_len = res.items.len();
            for (i, kv) in res.items.iter().enumerate() {
                if let Some(item) = keep(kv)? {
                    items.push(item);
                    if params.limit > 0 && items.len() as u64 >= params.limit {
                        let more = i + 1 < page_len || res.continue_key.is_some();
                        if !more {
                            return Ok(ListPage {
                                items,
                                revision: res.revision,
                                continue_token: None,
                                remaining: None,
                            });
                        }
                        let next = format!("{}\u{0}", kv.key);
                        let rev = i64::try_from(res.revision).unwrap_or(i64::MAX);
                        let prefix = format!("{}/", key.trim_end_matches('/'));
                        let token = crate::storage::encode_continue(&next, &prefix, rev)
                            .map_err(|e| self.err(e, ""))?;
                        // Only an unfiltered list knows how many items follow.
                        let remaining = if predicate.is_everything() {
                            res.remaining.map(|r| r + (page_len - i - 1) as u64)
                        } else {
                            None
                        };
                        return Ok(ListPage {
                            items,
                            revision: res.revision,
                            continue_token: Some(token),
                            remaining,
                        });
                    }
                }
            }
            match res.continue_key {
                Some(token) if params.limit > 0 => {
                    options.continue_key = Some(token);
                    options.revision = None;
                }
                _ => {
                    return Ok(ListPage {
                        items,
                        revision: res.revision,
                        continue_token: None,
                        remaining: None,
                    });
                }
            }
        }
    }

    /// Creates an object (upstream's `Store.Create`: BeforeCreate, then storage).
    pub async fn create(
        &self,
        namespace: &str,
        obj: Value,
        options: &WriteOptions,
    ) -> Result<Value, StatusError> {
        self.create_tracked(namespace, obj, options, None).await
    }

    /// [`Store::create`] running `track` on the prepared object before validation.
    pub async fn create_tracked(
        &self,
        namespace: &str,
        obj: Value,
        options: &WriteOptions,
        track: Option<Track<'_>>,
    ) -> Result<Value, StatusError> {
        Ok(self.create_written(namespace, obj, options, track).await?.obj)
    }

    /// [`Store::create_tracked`], also giving the created object's JSON when the stored form
    /// is that JSON (then serving it needs no second encoding).
    pub async fn create_written(
        &self,
        namespace: &str,
        mut obj: Value,
        options: &WriteOptions,
        track: Option<Track<'_>>,
    ) -> Result<Written, StatusError> {
        if !obj.resource_version().is_empty() {
            return Err(StatusError::new_internal_error(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        {
            let meta = obj.meta_mut();
            if self.info.namespaced {
                meta.insert("namespace".into(), Value::String(namespace.to_string()));
            } else {
                meta.remove("namespace");
            }
            meta.remove("deletionTimestamp");
            meta.remove("deletionGracePeriodSeconds");
            meta.remove("selfLink");
            meta.insert("uid".into(), Value::String(uuid::Uuid::new_v4().to_string()));
            meta.insert("creationTimestamp".into(), Value::String(now_rfc3339()));
        }
        let generate = obj.name().is_empty() && !obj.meta_str("generateName").is_empty();
        if options.defaulted {
            self.strategy.prepare_defaulted_for_create(&self.info, &mut obj);
        } else {
            self.strategy.prepare_for_create(&self.info, &mut obj);
        }
        if let Some(track) = track {
            track(None, &mut obj);
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            if generate {
                let name = generate_name(obj.meta_str("generateName"));
                obj.set_meta_str("name", &name);
            }
            let name = obj.name().to_string();
            let mut errs = ErrorList::new();
            if name.is_empty() {
                errs.push(FieldError::required(
                    &Path::new("metadata").child("name"),
                    "name or generateName is required",
                ));
            }
            let validate_as = options.validate_as.as_ref().unwrap_or(&self.info);
            errs.extend(self.strategy.validate_create(validate_as, &obj));
            if !errs.is_empty() {
                return Err(self.invalid(&name, &errs));
            }
            let key = self.key(namespace, &name);
            drop_empty_metadata(&mut obj);
            let stored = self.encode_json(&obj)?;
            if options.dry_run {
                return match self.storage.get(&key).await.map_err(|e| self.err(e, &name))? {
                    Some(_) => Err(StatusError::new_already_exists(&self.group_resource(), &name)),
                    None => Ok(Written { obj, json: None }),
                };
            }
            let StoredJson { bytes, metadata_end } = stored;
            let kept = metadata_end.map(|end| (bytes.clone(), end));
            match self.storage.create(&key, bytes).await {
                Ok(rev) => {
                    let rv = rev.to_string();
                    obj.set_meta_str("resourceVersion", &rv);
                    let json = kept.map(|(bytes, end)| with_resource_version(&bytes, end, &rv));
                    return Ok(Written { obj, json });
                }
                Err(StorageError::KeyExists { .. }) if generate && attempts < 8 => continue,
                Err(StorageError::KeyExists { .. }) if generate => {
                    return Err(StatusError::new_generate_name_conflict(
                        &self.group_resource(),
                        &name,
                        1,
                    ));
                }
                Err(e) => return Err(self.err(e, &name)),
            }
        }
    }

    /// Updates an object (upstream's `Store.Update` over GuaranteedUpdate). `update` builds the
    /// new object from the current one; it runs again when a write race is lost. `subresource`
    /// is `status` for status updates. When the object does not exist and `create_on_update`
    /// is set, the result of `update(None)` is created. Returns the object and whether it was
    /// created.
    pub async fn update(
        &self,
        namespace: &str,
        name: &str,
        subresource: Option<&str>,
        update: &(dyn Fn(Option<&Value>) -> Result<Value, StatusError> + Send + Sync),
        create_on_update: bool,
        options: &WriteOptions,
    ) -> Result<(Value, bool), StatusError> {
        self.update_tracked(namespace, name, subresource, update, create_on_update, options, None)
            .await
    }

    /// [`Store::update`] running `track` on the prepared object before validation (also when
    /// the update creates the object).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_tracked(
        &self,
        namespace: &str,
        name: &str,
        subresource: Option<&str>,
        update: &(dyn Fn(Option<&Value>) -> Result<Value, StatusError> + Send + Sync),
        create_on_update: bool,
        options: &WriteOptions,
        track: Option<Track<'_>>,
    ) -> Result<(Value, bool), StatusError> {
        let key = self.key(namespace, name);
        let mut attempts = Attempts::new();
        while attempts.next().await {
            let current = self.storage.get(&key).await.map_err(|e| self.err(e, name))?;
            let Some(current) = current else {
                if !create_on_update || subresource.is_some() {
                    return Err(StatusError::new_not_found(&self.group_resource(), name));
                }
                let mut obj = update(None)?;
                obj.set_meta_str("resourceVersion", "");
                return self
                    .create_tracked(namespace, obj, options, track)
                    .await
                    .map(|o| (o, true));
            };
            let old = self.decode_kv(&current)?;
            let mut new = update(Some(&old))?;
            // A resourceVersion in the new object is a precondition.
            let wanted_rv = new.resource_version().to_string();
            if !wanted_rv.is_empty() && wanted_rv != old.resource_version() {
                return Err(StatusError::new_conflict(
                    &self.group_resource(),
                    name,
                    CONFLICT_MESSAGE,
                ));
            }
            if wanted_rv.is_empty() {
                // An unconditional update writes over whatever is current.
                new.set_meta_str("resourceVersion", old.resource_version());
            }
            let uid = new.uid().to_string();
            let uid = Some(uid.as_str()).filter(|u| !u.is_empty());
            check_preconditions(&self.group_resource(), name, uid, None, &old)?;
            let validate_as = options.validate_as.as_ref().unwrap_or(&self.info);
            self.before_update(namespace, subresource, &mut new, &old, track, validate_as)?;
            drop_empty_metadata(&mut new);
            if same_but_rv(&new, &old) {
                return Ok((old, false));
            }
            if options.dry_run {
                return Ok((new, false));
            }
            let bytes = self.encode(&new)?;
            match self.storage.update(&key, Some(current.mod_revision), bytes).await {
                Ok(rev) => {
                    new.set_meta_str("resourceVersion", &rev.to_string());
                    if new.is_being_deleted() && new.finalizers().is_empty() && grace_zero(&new) {
                        // The last finalizer is gone: the object goes away now.
                        match self.storage.delete(&key, Some(rev)).await {
                            Ok(kv) => {
                                new.set_meta_str("resourceVersion", &kv.mod_revision.to_string());
                            }
                            Err(
                                StorageError::Conflict { .. } | StorageError::KeyNotFound { .. },
                            ) => {}
                            Err(e) => return Err(self.err(e, name)),
                        }
                    }
                    return Ok((new, false));
                }
                // Someone wrote in between: build the update again from what is current. A
                // resourceVersion the caller asked for is checked against it above, so a stale
                // one ends in 409 there; one taken from the current object (patches) does not.
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(self.err(e, name)),
            }
        }
        Err(StatusError::new_conflict(&self.group_resource(), name, CONFLICT_MESSAGE))
    }

    /// Rewrites a cluster-scoped object with `update` under compare-and-swap, bypassing the
    /// strategy (for server-owned transitions such as a namespace starting to terminate).
    pub async fn update_unchecked(
        &self,
        name: &str,
        update: &(dyn Fn(Option<&Value>) -> Result<Value, StatusError> + Send + Sync),
        options: &WriteOptions,
    ) -> Result<(Value, bool), StatusError> {
        self.update_unchecked_in("", name, update, options).await
    }

    /// [`Store::update_unchecked`] for an object in `namespace` (for server-owned transitions
    /// such as binding a pod to a node).
    pub async fn update_unchecked_in(
        &self,
        namespace: &str,
        name: &str,
        update: &(dyn Fn(Option<&Value>) -> Result<Value, StatusError> + Send + Sync),
        options: &WriteOptions,
    ) -> Result<(Value, bool), StatusError> {
        let key = self.key(namespace, name);
        let mut attempts = Attempts::new();
        while attempts.next().await {
            let Some(current) = self.storage.get(&key).await.map_err(|e| self.err(e, name))? else {
                return Err(StatusError::new_not_found(&self.group_resource(), name));
            };
            let old = self.decode_kv(&current)?;
            let mut new = update(Some(&old))?;
            if options.dry_run || same_but_rv(&new, &old) {
                return Ok((new, false));
            }
            let bytes = self.encode(&new)?;
            match self.storage.update(&key, Some(current.mod_revision), bytes).await {
                Ok(rev) => {
                    new.set_meta_str("resourceVersion", &rev.to_string());
                    return Ok((new, false));
                }
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(self.err(e, name)),
            }
        }
        Err(StatusError::new_conflict(&self.group_resource(), name, CONFLICT_MESSAGE))
    }

    /// Upstream's `BeforeUpdate`: keep what clients may not change, split spec and status,
    /// bump the generation, validate.
    fn before_update(
        &self,
        namespace: &str,
        subresource: Option<&str>,
        new: &mut Value,
        old: &Value,
        track: Option<Track<'_>>,
        validate_as: &ResourceInfo,
    ) -> Result<(), StatusError> {
        // Subresources that write one part of the object: `status` (and a request's
        // `approval`, which owns its conditions) the status; a pod's `ephemeralcontainers` and
        // `resize` its spec, which the strategy narrows to what each may change.
        let part = match subresource {
            Some("status" | "approval") => Some("status"),
            Some("ephemeralcontainers" | "resize") => Some("spec"),
            _ => None,
        };
        let partial = part.is_some();
        if let Some(sub) = subresource.filter(|_| partial) {
            // What of the write is kept besides its part is the subresource strategy's call,
            // as each upstream status strategy decides it (some keep metadata changes, some
            // reset them); the generic fields below are kept whatever it did.
            self.strategy.prepare_for_status_update(&self.info, sub, new, old);
        } else if self.info.subresource("status").is_some()
            && let Some(o) = new.as_object_mut()
        {
            // The main resource never writes status when a status subresource exists.
            match old.get("status") {
                Some(s) => {
                    o.insert("status".into(), s.clone());
                }
                None => {
                    o.remove("status");
                }
            }
        }
        {
            // What no write changes, through any subresource: the generation too (only the
            // spec writes below move it, never a status write).
            let old_meta = old.meta().cloned().unwrap_or_default();
            let meta = new.meta_mut();
            for field in
                ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"]
            {
                match old_meta.get(field) {
                    Some(v) => {
                        meta.insert(field.into(), v.clone());
                    }
                    None => {
                        meta.remove(field);
                    }
                }
            }
            if self.info.namespaced {
                meta.insert("namespace".into(), Value::String(namespace.to_string()));
            }
            match old_meta.get("generation") {
                Some(g) => {
                    meta.insert("generation".into(), g.clone());
                }
                None => {
                    meta.remove("generation");
                }
            }
            meta.remove("selfLink");
        }
        if !partial {
            self.strategy.prepare_for_update(&self.info, new, old);
        }
        // A write of the spec (through the main resource, or a pod's part writes) moves the
        // generation when it changes the spec (a strategy may move it for more).
        if part != Some("status")
            && spec_changed(new, old)
            && old.meta().and_then(|m| m.get("generation")).is_some()
        {
            let g = old.meta().and_then(|m| m.get("generation")).and_then(Value::as_i64);
            new.meta_mut().insert("generation".into(), json!(g.unwrap_or(0) + 1));
        }
        if let Some(track) = track {
            track(Some(old), new);
        }
        let errs = if let Some(sub) = subresource.filter(|_| partial) {
            self.strategy.validate_status_update(validate_as, sub, new, old)
        } else {
            self.strategy.validate_update(validate_as, new, old)
        };
        if !errs.is_empty() {
            return Err(self.invalid(new.name(), &errs));
        }
        Ok(())
    }

    /// Deletes an object (upstream's `Store.Delete`): preconditions, then either marks it
    /// (finalizers, graceful deletion) or removes it.
    pub async fn delete(
        &self,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<DeleteOutcome, StatusError> {
        let key = self.key(namespace, name);
        let mut attempts = Attempts::new();
        while attempts.next().await {
            let Some(current) = self.storage.get(&key).await.map_err(|e| self.err(e, name))? else {
                return Err(StatusError::new_not_found(&self.group_resource(), name));
            };
            let mut obj = self.decode_kv(&current)?;
            check_preconditions(
                &self.group_resource(),
                name,
                options.precondition_uid.as_deref(),
                options.precondition_resource_version.as_deref(),
                &obj,
            )?;
            let mut finalizers = obj.finalizers();
            match options.propagation_policy.as_deref() {
                Some("Orphan") if !finalizers.iter().any(|f| f == "orphan") => {
                    finalizers.push("orphan".into())
                }
                Some("Foreground") if !finalizers.iter().any(|f| f == "foregroundDeletion") => {
                    finalizers.push("foregroundDeletion".into())
                }
                _ => {}
            }
            let grace = self.strategy.grace_period(&self.info, &obj, options.grace_period_seconds);
            if !finalizers.is_empty() || grace > 0 {
                if obj.is_being_deleted() && obj.finalizers() == finalizers {
                    // Already marked: nothing more to do until the finalizers are removed.
                    return Ok(DeleteOutcome::Pending(obj));
                }
                let mut marked = obj.clone();
                {
                    let meta = marked.meta_mut();
                    meta.insert("finalizers".into(), json!(finalizers));
                    if !meta.contains_key("deletionTimestamp") {
                        let at = jiff::Timestamp::now()
                            .checked_add(jiff::SignedDuration::from_secs(grace))
                            .unwrap_or_else(|_| jiff::Timestamp::now());
                        let at = jiff::Timestamp::from_second(at.as_second())
                            .map(|t| t.to_string())
                            .unwrap_or_else(|_| now_rfc3339());
                        meta.insert("deletionTimestamp".into(), Value::String(at));
                    }
                    meta.insert("deletionGracePeriodSeconds".into(), json!(grace));
                    if meta.get("finalizers").and_then(Value::as_array).is_some_and(Vec::is_empty) {
                        meta.remove("finalizers");
                    }
                }
                if options.dry_run {
                    return Ok(DeleteOutcome::Pending(marked));
                }
                let bytes = self.encode(&marked)?;
                match self.storage.update(&key, Some(current.mod_revision), bytes).await {
                    Ok(rev) => {
                        marked.set_meta_str("resourceVersion", &rev.to_string());
                        return Ok(DeleteOutcome::Pending(marked));
                    }
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(e) => return Err(self.err(e, name)),
                }
            }
            if options.dry_run {
                return Ok(DeleteOutcome::Deleted(obj));
            }
            match self.storage.delete(&key, Some(current.mod_revision)).await {
                Ok(kv) => {
                    obj.set_meta_str("resourceVersion", &kv.mod_revision.to_string());
                    return Ok(DeleteOutcome::Deleted(obj));
                }
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(self.err(e, name)),
            }
        }
        Err(StatusError::new_conflict(&self.group_resource(), name, CONFLICT_MESSAGE))
    }

    /// Watches the resource (in `namespace`, or one object when `name` is set). Events are
    /// filtered by the predicate, turning objects that start or stop matching into `ADDED` and
    /// `DELETED` as upstream does.
    pub async fn watch(
        &self,
        namespace: Option<&str>,
        name: Option<&str>,
        params: &WatchParams,
        predicate: Predicate,
    ) -> Result<mpsc::Receiver<StoreEvent>, StatusError> {
        let rv = &params.list.resource_version;
        let from: Option<u64> = if rv.is_empty() {
            None
        } else {
            Some(rv.parse().map_err(|_| {
                StatusError::new_bad_request(&format!("invalid resource version: {rv}"))
            })?)
        };
        let (key, recursive) = match name {
            Some(n) => (self.key(namespace.unwrap_or(""), n), false),
            None => (self.list_key(namespace), true),
        };
        // Small: the watch cache holds the backlog as shared events; decoded copies per watcher
        // would multiply memory by the number of watchers.
        let (tx, rx) = mpsc::channel(8);
        let gr = self.group_resource();
        let memo_key = params.memo_key.clone();
        let (strategy, info) = (self.strategy.clone(), self.info.clone());
        let decode = move |value: &[u8], rev: u64| -> Option<Value> {
            let mut obj: Value = serde_json::from_slice(value).ok()?;
            strategy.after_read(&info, &mut obj);
            obj.set_meta_str("resourceVersion", &rev.to_string());
            Some(obj)
        };
        if let Some(cacher) = &self.cacher {
            let options = WatchOptions {
                from_revision: from,
                recursive,
                bookmarks: params.bookmarks,
                // An unset or "0" resourceVersion starts with the current state (upstream's
                // "get state and start at most recent").
                send_initial_events: params.send_initial_events
                    || from.is_none()
                    || from == Some(0),
                matches: self.index_matches(&predicate),
            };
            let want_end_marker = params.send_initial_events;
            let mut watch = match cacher.watch_with(&key, options).await {
                Ok(w) => w,
                Err(e) => {
                    let _ = tx.try_send(StoreEvent::Error(Box::new(storage_error(e, &gr, ""))));
                    return Ok(rx);
                }
            };
            tokio::spawn(async move {
                while let Some(ev) = watch.recv().await {
                    let out = match ev {
                        CacheEvent::InitialEventsEnd { revision } => {
                            if !want_end_marker {
                                continue;
                            }
                            vec![StoreEvent::Bookmark { revision, initial_events_end: true }]
                        }
                        CacheEvent::Event(ev) => {
                            translate(&ev, &predicate, &decode, &gr, memo_key.as_deref())
                        }
                    };
                    for e in out {
                        let end = matches!(e, StoreEvent::Error(_));
                        if tx.send(e).await.is_err() || end {
                            return;
                        }
                    }
                }
            });
            return Ok(rx);
        }
        let mut watch = match self.storage.watch(&key, from.unwrap_or(0), recursive).await {
            Ok(w) => w,
            Err(e) => {
                let _ = tx.try_send(StoreEvent::Error(Box::new(storage_error(e, &gr, ""))));
                return Ok(rx);
            }
        };
        tokio::spawn(async move {
            while let Some(ev) = watch.recv().await {
                for e in translate(&ev, &predicate, &decode, &gr, memo_key.as_deref()) {
                    let end = matches!(e, StoreEvent::Error(_));
                    if tx.send(e).await.is_err() || end {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}

/// An object as written, with its JSON when the store had it at hand.
#[derive(Debug)]
pub struct Written {
    /// The object, with its new resourceVersion.
    pub obj: Value,
    /// `obj` as JSON, member for member.
    pub json: Option<Vec<u8>>,
}

/// An object's stored form.
struct StoredJson {
    bytes: Vec<u8>,
    /// Offset of the `}` closing `metadata` when the bytes are the object's own JSON (without
    /// its resourceVersion), so that adding the resourceVersion there gives the object's JSON.
    metadata_end: Option<usize>,
}

/// Metadata members the stored form leaves out.
fn unstored_meta(key: &str, value: &Value) -> bool {
    matches!(key, "resourceVersion" | "selfLink") || empty_meta_collection(key, value)
}

/// An empty (or null) metadata collection, which objects are stored without.
fn empty_meta_collection(key: &str, value: &Value) -> bool {
    matches!(key, "labels" | "annotations" | "finalizers" | "ownerReferences" | "managedFields")
        && match value {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Null => true,
            _ => false,
        }
}

/// The JSON an object is stored as: the object without its resourceVersion and selfLink and
/// without empty metadata collections, written member by member (no copy of the object).
fn stored_json(obj: &Value) -> Result<StoredJson, StatusError> {
    let internal = |e: serde_json::Error| StatusError::new_internal_error(e);
    let Value::Object(root) = obj else {
        let bytes = serde_json::to_vec(obj).map_err(internal)?;
        return Ok(StoredJson { bytes, metadata_end: None });
    };
    let mut out = Vec::with_capacity(4096);
    let mut metadata_end = None;
    out.push(b'{');
    for (i, (key, value)) in root.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, key).map_err(internal)?;
        out.push(b':');
        match value {
            Value::Object(meta) if key == "metadata" => {
                out.push(b'{');
                let mut first = true;
                for (k, v) in meta.iter().filter(|(k, v)| !unstored_meta(k, v)) {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    serde_json::to_writer(&mut out, k).map_err(internal)?;
                    out.push(b':');
                    serde_json::to_writer(&mut out, v).map_err(internal)?;
                }
                metadata_end = Some(out.len());
                out.push(b'}');
            }
            _ => serde_json::to_writer(&mut out, value).map_err(internal)?,
        }
    }
    out.push(b'}');
    Ok(StoredJson { bytes: out, metadata_end })
}

/// The stored JSON `bytes` with `"resourceVersion":"<rv>"` as the last member of the metadata
/// closing at `end`.
fn with_resource_version(bytes: &[u8], end: usize, rv: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + rv.len() + 24);
    out.extend_from_slice(&bytes[..end]);
    if bytes[..end].last() != Some(&b'{') {
        out.push(b',');
    }
    out.extend_from_slice(b"\"resourceVersion\":\"");
    out.extend_from_slice(rv.as_bytes());
    out.push(b'"');
    out.extend_from_slice(&bytes[end..]);
    out
}

/// One page of a list.
#[derive(Debug, Clone, Default)]
pub struct ListPage<T = Value> {
    /// The matching objects.
    pub items: Vec<T>,
    /// The revision the list was read at.
    pub revision: u64,
    /// The token for the next page.
    pub continue_token: Option<String>,
    /// Items after this page, when known.
    pub remaining: Option<u64>,
}

fn translate(
    ev: &WatchEvent,
    predicate: &Predicate,
    decode: &impl Fn(&[u8], u64) -> Option<Value>,
    gr: &GroupResource,
    memo_key: Option<&str>,
) -> Vec<StoreEvent> {
    // Another watcher already encoded this event the way this one wants it.
    if let (Some(key), true) = (memo_key, predicate.is_everything())
        && let WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) = ev
        && let Some(line) = e.memo.get(key)
    {
        return vec![StoreEvent::Encoded(line)];
    }
    let natural = |kind: &'static str, object: Value, e: &crate::storage::Event| {
        StoreEvent::Object { kind, object, memo: Some(e.memo.clone()) }
    };
    match ev {
        WatchEvent::Added(e) => match decode(&e.value, e.revision) {
            Some(obj) if predicate.matches(&obj) => vec![natural("ADDED", obj, e)],
            _ => vec![],
        },
        WatchEvent::Modified(e) => {
            let Some(new) = decode(&e.value, e.revision) else { return vec![] };
            if predicate.is_everything() {
                return vec![natural("MODIFIED", new, e)];
            }
            let old = e
                .prev_value
                .as_deref()
                .and_then(|p| decode(p, e.revision))
                .filter(|o| predicate.matches(o));
            // The synthetic ADDED and DELETED of an object entering or leaving the selection
            // differ per watcher, so they are not shared. Leaving shows the object as it was
            // when it last matched, at the event's revision (as upstream's cache watcher does).
            match (old, predicate.matches(&new)) {
                (Some(_), true) => vec![natural("MODIFIED", new, e)],
                (None, true) => {
                    vec![StoreEvent::Object { kind: "ADDED", object: new, memo: None }]
                }
                (Some(old), false) => {
                    vec![StoreEvent::Object { kind: "DELETED", object: old, memo: None }]
                }
                (None, false) => vec![],
            }
        }
        WatchEvent::Deleted(e) => match decode(&e.value, e.revision) {
            Some(obj) if predicate.matches(&obj) => vec![natural("DELETED", obj, e)],
            _ => vec![],
        },
        WatchEvent::Bookmark { revision } => {
            vec![StoreEvent::Bookmark { revision: *revision, initial_events_end: false }]
        }
        WatchEvent::Error(err) => vec![StoreEvent::Error(Box::new(watch_error(err.clone(), gr)))],
    }
}

fn watch_error(err: StorageError, gr: &GroupResource) -> StatusError {
    match err {
        StorageError::ResourceExpired { message, .. } => {
            // Watches report compaction as 410 Gone with reason Expired, as upstream's watch
            // cache does.
            let mut status = StatusError::new_gone(&message).into_status();
            status.reason = Some(StatusReason::Expired.as_str().to_string());
            StatusError::from_status(status)
        }
        e => storage_error(e, gr, ""),
    }
}

/// The resourceVersion a list reads at (`None` = current).
fn list_revision(params: &ListParams) -> Result<Option<u64>, StatusError> {
    if params.resource_version.is_empty() {
        if !params.resource_version_match.is_empty() {
            return Err(StatusError::new_bad_request(
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        }
        return Ok(None);
    }
    let rv: u64 = params.resource_version.parse().map_err(|_| {
        StatusError::new_bad_request(&format!(
            "invalid resource version: {}",
            params.resource_version
        ))
    })?;
    match params.resource_version_match.as_str() {
        "Exact" if rv == 0 => Err(StatusError::new_bad_request(
            "resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"",
        )),
        "Exact" => Ok(Some(rv)),
        // "0" is served from the cache; a non-zero not-older-than read is the current state.
        "" | "NotOlderThan" => Ok(if rv == 0 { Some(0) } else { None }),
        other => {
            Err(StatusError::new_bad_request(&format!("unsupported resourceVersionMatch: {other}")))
        }
    }
}

/// Go drops empty metadata maps and lists (`omitempty`); so does the stored form.
fn drop_empty_metadata(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, v| !empty_meta_collection(k, v));
    }
}

/// Whether a write of `new` over `old` changes nothing: the objects are equal but for their
/// resourceVersion and the times of their managedFields entries (a write that only bumps those
/// times is not written, as upstream ignores them). Compares in place, without copies.
fn same_but_rv(new: &Value, old: &Value) -> bool {
    let (Value::Object(n), Value::Object(o)) = (new, old) else { return new == old };
    maps_equal_except(n, o, "", |key, a, b| match (key, a, b) {
        ("metadata", Value::Object(a), Value::Object(b)) => {
            maps_equal_except(a, b, "resourceVersion", |key, a, b| match (key, a, b) {
                ("managedFields", Value::Array(a), Value::Array(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|pair| same_but_time(pair.0, pair.1))
                }
                _ => a == b,
            })
        }
        _ => a == b,
    })
}

/// Whether two managedFields entries are equal but for their times.
fn same_but_time(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => maps_equal_except(a, b, "time", |_, a, b| a == b),
        _ => a == b,
    }
}

/// Whether two maps hold the same members, leaving out `skip` and comparing the rest with
/// `eq`.
fn maps_equal_except(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    skip: &str,
    eq: impl Fn(&str, &Value, &Value) -> bool,
) -> bool {
    let len = |m: &Map<String, Value>| m.len() - usize::from(m.contains_key(skip));
    len(a) == len(b)
        && a.iter()
            .filter(|(k, _)| k.as_str() != skip)
            .all(|(k, v)| b.get(k).is_some_and(|w| eq(k, v, w)))
}

fn grace_zero(v: &Value) -> bool {
    v.meta().and_then(|m| m.get("deletionGracePeriodSeconds")).and_then(Value::as_i64).unwrap_or(0)
        == 0
}

/// Whether anything but metadata and status changed (what bumps `metadata.generation`).
fn spec_changed(new: &Value, old: &Value) -> bool {
    let strip = |v: &Value| -> Map<String, Value> {
        let mut m = v.as_object().cloned().unwrap_or_default();
        m.remove("metadata");
        m.remove("status");
        m
    };
    strip(new) != strip(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_json_leaves_out_server_fields_and_empty_collections() {
        let obj = json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {
                "name": "a\"b",
                "resourceVersion": "7",
                "selfLink": "/x",
                "labels": {},
                "annotations": {"k": "v"},
                "finalizers": null,
                "uid": "u"
            },
            "data": {"x": "\u{1}é"}
        });
        let stored = stored_json(&obj).unwrap();
        let expected = json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": "a\"b", "annotations": {"k": "v"}, "uid": "u"},
            "data": {"x": "\u{1}é"}
        });
        assert_eq!(serde_json::from_slice::<Value>(&stored.bytes).unwrap(), expected);
        assert_eq!(stored.bytes, serde_json::to_vec(&expected).unwrap());
        let end = stored.metadata_end.unwrap();
        assert_eq!(stored.bytes[end], b'}');
        // With the resourceVersion put back, the bytes are the object's JSON.
        let mut served = expected.clone();
        served.set_meta_str("resourceVersion", "42");
        assert_eq!(
            with_resource_version(&stored.bytes, end, "42"),
            serde_json::to_vec(&served).unwrap()
        );
    }

    #[test]
    fn resource_version_goes_into_empty_metadata() {
        let obj = json!({"metadata": {"resourceVersion": "1"}, "spec": {}});
        let stored = stored_json(&obj).unwrap();
        assert_eq!(stored.bytes, br#"{"metadata":{},"spec":{}}"#);
        let json = with_resource_version(&stored.bytes, stored.metadata_end.unwrap(), "9");
        assert_eq!(json, br#"{"metadata":{"resourceVersion":"9"},"spec":{}}"#);
        // Not an object, or without metadata: no place to put it.
        assert_eq!(stored_json(&json!({"a": 1})).unwrap().metadata_end, None);
        assert_eq!(stored_json(&json!([1])).unwrap().bytes, b"[1]");
    }

    #[test]
    fn same_but_rv_ignores_only_versions_and_times() {
        let old = json!({
            "metadata": {
                "name": "a",
                "resourceVersion": "1",
                "managedFields": [{"manager": "m", "time": "2026-01-01T00:00:00Z"}]
            },
            "spec": {"x": 1}
        });
        let mut new = old.clone();
        new["metadata"]["resourceVersion"] = json!("2");
        new["metadata"]["managedFields"][0]["time"] = json!("2026-02-02T00:00:00Z");
        assert!(same_but_rv(&new, &old));
        new["metadata"].as_object_mut().unwrap().remove("resourceVersion");
        assert!(same_but_rv(&new, &old));
        let mut changed = new.clone();
        changed["spec"]["x"] = json!(2);
        assert!(!same_but_rv(&changed, &old));
        let mut changed = new.clone();
        changed["metadata"]["managedFields"][0]["manager"] = json!("n");
        assert!(!same_but_rv(&changed, &old));
        let mut changed = new.clone();
        changed["metadata"]["managedFields"][0].as_object_mut().unwrap().remove("time");
        assert!(same_but_rv(&changed, &old));
        changed["metadata"]["managedFields"][0]["operation"] = json!("Update");
        assert!(!same_but_rv(&changed, &old));
        let mut changed = new.clone();
        changed["metadata"]["labels"] = json!({"a": "b"});
        assert!(!same_but_rv(&changed, &old));
        assert!(!same_but_rv(&json!({"metadata": {}, "extra": 1}), &json!({"metadata": {}})));
        assert!(same_but_rv(&json!(1), &json!(1)));
    }
}
