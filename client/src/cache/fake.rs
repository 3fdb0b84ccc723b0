//! [`FakeListerWatcher`]: an in-memory [`ListerWatcher`] for tests of reflectors, informers and
//! controllers. It keeps a versioned object set with an event history, answers lists (with
//! paging) and watches (from a version, with bookmarks and streaming lists) the way an API
//! server does, and lets a test inject errors, close watches, compact history and see every
//! call it received.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ObjectMeta, Status, StatusCause, StatusDetails,
};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::cache::{
    BoxFuture, CacheError, ListOptions, ListWatchError, ListerWatcher, MetaAccess, ObjectList,
    ViaJson, ViaMetadata, WatchEvent, WatchStream, meta_namespace_key_func,
};

/// Objects a [`FakeListerWatcher`] can hold: readable metadata and a settable
/// resourceVersion. `Via` plays the same role as in [`MetaAccess`].
pub trait FakeObject<Via = ViaMetadata>: MetaAccess<Via> + Clone + Send + Sync + 'static {
    /// Sets `metadata.resourceVersion`.
    fn set_resource_version(&mut self, rv: &str);
}

impl<K> FakeObject<ViaMetadata> for K
where
    K: k8s_openapi::Metadata<Ty = ObjectMeta> + Clone + Send + Sync + 'static,
{
    fn set_resource_version(&mut self, rv: &str) {
        self.metadata_mut().resource_version = Some(rv.to_string());
    }
}

impl FakeObject<ViaJson> for serde_json::Value {
    fn set_resource_version(&mut self, rv: &str) {
        if let Some(obj) = self.as_object_mut() {
            let meta = obj.entry("metadata").or_insert_with(|| serde_json::json!({}));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert("resourceVersion".to_string(), rv.into());
            }
        }
    }
}

/// A `Status` error as the API server sends it.
pub fn status_error(code: i32, reason: &str, message: &str) -> ListWatchError {
    ListWatchError::Status(Box::new(status(code, reason, message)))
}

fn status(code: i32, reason: &str, message: &str) -> Status {
    Status {
        code: Some(code),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        status: Some("Failure".to_string()),
        ..Default::default()
    }
}

/// 410 `Expired`, as for a compacted resourceVersion.
pub fn expired_error(message: &str) -> ListWatchError {
    status_error(410, "Expired", message)
}

/// 429 `TooManyRequests`.
pub fn too_many_requests_error() -> ListWatchError {
    status_error(429, "TooManyRequests", "the server has received too many requests")
}

/// 504 `Timeout` with a `ResourceVersionTooLarge` cause, as for a version from the future.
pub fn too_large_resource_version_error(rv: u64) -> ListWatchError {
    let mut s = status(504, "Timeout", "Too large resource version");
    s.details = Some(StatusDetails {
        causes: Some(vec![StatusCause {
            reason: Some("ResourceVersionTooLarge".to_string()),
            message: Some(format!("Too large resource version: {rv}")),
            ..Default::default()
        }]),
        ..Default::default()
    });
    ListWatchError::Status(Box::new(s))
}

/// Answers a list call instead of the object set when it returns `Some`.
pub type ListHook<T> =
    Box<dyn FnMut(&ListOptions) -> Option<Result<ObjectList<T>, ListWatchError>> + Send>;

/// Fails a watch call when it returns `Some`.
pub type WatchHook = Box<dyn FnMut(&ListOptions) -> Option<ListWatchError> + Send>;

type EventResult<T> = Result<WatchEvent<T>, ListWatchError>;

struct Watcher<T> {
    tx: mpsc::UnboundedSender<EventResult<T>>,
    bookmarks: bool,
}

struct State<T> {
    objects: BTreeMap<String, T>,
    rv: u64,
    history: Vec<(u64, WatchEvent<T>)>,
    compacted: u64,
    watchers: Vec<Watcher<T>>,
    list_calls: Vec<ListOptions>,
    list_call_times: Vec<Instant>,
    watch_calls: Vec<ListOptions>,
    list_errors: VecDeque<ListWatchError>,
    watch_errors: VecDeque<ListWatchError>,
    watch_list_supported: bool,
    honor_limit: bool,
    list_hook: Option<ListHook<T>>,
    watch_hook: Option<WatchHook>,
}

impl<T: Clone> State<T> {
    fn broadcast(&mut self, event: &WatchEvent<T>, bookmark: bool) {
        self.watchers.retain(|w| {
            if bookmark && !w.bookmarks {
                return !w.tx.is_closed();
            }
            w.tx.send(Ok(event.clone())).is_ok()
        });
    }
}

/// An in-memory API server for one resource. See the module docs.
pub struct FakeListerWatcher<T> {
    state: Mutex<State<T>>,
    calls: watch::Sender<u64>,
    key: fn(&T) -> Result<String, CacheError>,
    set_rv: fn(&mut T, &str),
}

impl<T> std::fmt::Debug for FakeListerWatcher<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("FakeListerWatcher")
            .field("resource_version", &state.rv)
            .field("objects", &state.objects.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<T> FakeListerWatcher<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Clone + Send + Sync + 'static> FakeListerWatcher<T> {
    /// An empty object set at resourceVersion 1.
    pub fn new<V: 'static>() -> Self
    where
        T: FakeObject<V>,
    {
        Self {
            state: Mutex::new(State {
                objects: BTreeMap::new(),
                rv: 1,
                history: Vec::new(),
                compacted: 0,
                watchers: Vec::new(),
                list_calls: Vec::new(),
                list_call_times: Vec::new(),
                watch_calls: Vec::new(),
                list_errors: VecDeque::new(),
                watch_errors: VecDeque::new(),
                watch_list_supported: true,
                honor_limit: true,
                list_hook: None,
                watch_hook: None,
            }),
            calls: watch::Sender::new(0),
            key: meta_namespace_key_func::<T, V>,
            set_rv: <T as FakeObject<V>>::set_resource_version,
        }
    }

    fn key_of(&self, obj: &T) -> String {
        // The key function only fails for objects without metadata, which tests never store.
        (self.key)(obj).unwrap_or_default()
    }

    fn write(&self, mut obj: T, event: fn(T) -> WatchEvent<T>, remove: bool) -> T {
        let mut state = self.lock();
        state.rv += 1;
        let rv = state.rv;
        (self.set_rv)(&mut obj, &rv.to_string());
        let key = self.key_of(&obj);
        if remove {
            state.objects.remove(&key);
        } else {
            state.objects.insert(key, obj.clone());
        }
        let ev = event(obj.clone());
        state.broadcast(&ev, false);
        state.history.push((rv, ev));
        obj
    }

    /// Creates (or overwrites) an object at the next version and tells the watchers; returns
    /// it as stored.
    pub fn add(&self, obj: T) -> T {
        self.write(obj, WatchEvent::Added, false)
    }

    /// Updates an object at the next version and tells the watchers.
    pub fn update(&self, obj: T) -> T {
        self.write(obj, WatchEvent::Modified, false)
    }

    /// Deletes the object stored under `key` at the next version and tells the watchers.
    pub fn delete(&self, key: &str) -> Option<T> {
        let obj = self.lock().objects.get(key).cloned()?;
        Some(self.write(obj, WatchEvent::Deleted, true))
    }

    /// Deletes the object stored under `key` without any event or history entry, as if the
    /// deletion happened while no watch was open and its history was compacted away.
    pub fn delete_silently(&self, key: &str) -> Option<T> {
        let mut state = self.lock();
        let obj = state.objects.remove(key)?;
        state.rv += 1;
        Some(obj)
    }

    /// The object stored under `key`.
    pub fn get(&self, key: &str) -> Option<T> {
        self.lock().objects.get(key).cloned()
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> String {
        self.lock().rv.to_string()
    }

    /// Forgets the history: lists and watches at any older version get 410 Expired.
    pub fn compact(&self) {
        let mut state = self.lock();
        state.compacted = state.rv;
        state.history.clear();
    }

    /// Sends a bookmark at the current version to the watches that allowed bookmarks.
    pub fn send_bookmark(&self) {
        let mut state = self.lock();
        let ev = WatchEvent::Bookmark {
            resource_version: state.rv.to_string(),
            initial_events_end: false,
        };
        state.broadcast(&ev, true);
    }

    /// Ends every open watch with an ERROR event carrying `status`.
    pub fn send_error(&self, status: Status) {
        let mut state = self.lock();
        for w in state.watchers.drain(..) {
            let _ = w.tx.send(Ok(WatchEvent::Error(Box::new(status.clone()))));
        }
    }

    /// Ends every open watch with a stream error (a broken connection).
    pub fn break_watches(&self, err: impl Fn() -> ListWatchError) {
        let mut state = self.lock();
        for w in state.watchers.drain(..) {
            let _ = w.tx.send(Err(err()));
        }
    }

    /// Ends every open watch normally (as a server-side timeout does), after the events
    /// already sent.
    pub fn close_watches(&self) {
        self.lock().watchers.clear();
    }

    /// Makes the next list call fail with `err` (queued: several calls fail in turn).
    pub fn fail_next_list(&self, err: ListWatchError) {
        self.lock().list_errors.push_back(err);
    }

    /// Makes the next watch call fail with `err` (queued).
    pub fn fail_next_watch(&self, err: ListWatchError) {
        self.lock().watch_errors.push_back(err);
    }

    /// Whether watches with `sendInitialEvents=true` are served (default) or refused with
    /// 422 Invalid, as by servers without streaming lists.
    pub fn set_watch_list_supported(&self, supported: bool) {
        self.lock().watch_list_supported = supported;
    }

    /// Whether `limit` is honoured (default), or every list returns everything at once (as a
    /// watch cache does for `resourceVersion=0`).
    pub fn set_honor_limit(&self, honor: bool) {
        self.lock().honor_limit = honor;
    }

    /// Answers list calls with `hook` whenever it returns `Some`.
    pub fn set_list_hook(
        &self,
        hook: impl FnMut(&ListOptions) -> Option<Result<ObjectList<T>, ListWatchError>> + Send + 'static,
    ) {
        self.lock().list_hook = Some(Box::new(hook));
    }

    /// Fails watch calls with what `hook` returns, when it returns `Some`.
    pub fn set_watch_hook(
        &self,
        hook: impl FnMut(&ListOptions) -> Option<ListWatchError> + Send + 'static,
    ) {
        self.lock().watch_hook = Some(Box::new(hook));
    }

    /// The options of every list call so far.
    pub fn list_calls(&self) -> Vec<ListOptions> {
        self.lock().list_calls.clone()
    }

    /// When each list call arrived.
    pub fn list_call_times(&self) -> Vec<Instant> {
        self.lock().list_call_times.clone()
    }

    /// The options of every watch call so far.
    pub fn watch_calls(&self) -> Vec<ListOptions> {
        self.lock().watch_calls.clone()
    }

    /// The number of watches still open on the client side.
    pub fn open_watches(&self) -> usize {
        let mut state = self.lock();
        state.watchers.retain(|w| !w.tx.is_closed());
        state.watchers.len()
    }

    /// Resolves once at least `n` list calls arrived.
    pub async fn wait_for_list_calls(&self, n: usize) {
        self.wait_calls(|s| s.list_calls.len() >= n).await;
    }

    /// Resolves once at least `n` watch calls arrived.
    pub async fn wait_for_watch_calls(&self, n: usize) {
        self.wait_calls(|s| s.watch_calls.len() >= n).await;
    }

    async fn wait_calls(&self, done: impl Fn(&State<T>) -> bool) {
        let mut rx = self.calls.subscribe();
        // The sender lives in `self`, so the channel cannot close while waiting.
        let _ = rx.wait_for(|_| done(&self.lock())).await;
    }

    fn parse_rv(rv: &str) -> Result<u64, ListWatchError> {
        rv.parse().map_err(|_| {
            status_error(400, "BadRequest", &format!("invalid resource version: {rv}"))
        })
    }

    fn too_old(rv: u64, compacted: u64) -> ListWatchError {
        expired_error(&format!("too old resource version: {rv} ({compacted})"))
    }

    fn serve_list(
        &self,
        state: &mut State<T>,
        opts: &ListOptions,
    ) -> Result<ObjectList<T>, ListWatchError> {
        let (list_rv, after) = if opts.continue_token.is_empty() {
            match opts.resource_version.as_str() {
                "" | "0" => (state.rv, None),
                rv => {
                    let rv = Self::parse_rv(rv)?;
                    if rv < state.compacted {
                        return Err(Self::too_old(rv, state.compacted));
                    }
                    if rv > state.rv {
                        return Err(too_large_resource_version_error(rv));
                    }
                    (state.rv, None)
                }
            }
        } else {
            let (rv, key) = opts
                .continue_token
                .split_once('/')
                .ok_or_else(|| status_error(400, "BadRequest", "invalid continue token"))?;
            let rv = Self::parse_rv(rv)?;
            if rv < state.compacted {
                return Err(expired_error(
                    "The provided continue parameter is too old to display a consistent list result.",
                ));
            }
            (rv, Some(key.to_string()))
        };
        let remaining: Vec<(&String, &T)> = state
            .objects
            .iter()
            .filter(|(k, _)| after.as_ref().is_none_or(|a| k.as_str() > a.as_str()))
            .collect();
        let limit = if state.honor_limit && opts.limit > 0 {
            usize::try_from(opts.limit).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        let page: Vec<(&String, &T)> = remaining.iter().take(limit).copied().collect();
        let more = remaining.len() - page.len();
        let continue_token = match (more, page.last()) {
            (0, _) | (_, None) => String::new(),
            (_, Some((k, _))) => format!("{list_rv}/{k}"),
        };
        Ok(ObjectList {
            items: page.into_iter().map(|(_, o)| o.clone()).collect(),
            resource_version: list_rv.to_string(),
            continue_token,
            remaining_item_count: (more > 0).then(|| i64::try_from(more).unwrap_or(i64::MAX)),
        })
    }

    fn open_watch(
        &self,
        state: &mut State<T>,
        opts: &ListOptions,
    ) -> Result<FakeWatch<T>, ListWatchError> {
        let streaming = opts.send_initial_events == Some(true);
        if streaming && !state.watch_list_supported {
            return Err(status_error(
                422,
                "Invalid",
                "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
            ));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let deadline = opts
            .timeout_seconds
            .map(|s| Instant::now() + Duration::from_secs(u64::try_from(s).unwrap_or(0)));
        let watch = FakeWatch { rx, deadline };
        let rv = opts.resource_version.as_str();
        if streaming || rv.is_empty() || rv == "0" {
            for obj in state.objects.values() {
                let _ = tx.send(Ok(WatchEvent::Added(obj.clone())));
            }
            if streaming && opts.allow_watch_bookmarks {
                let _ = tx.send(Ok(WatchEvent::Bookmark {
                    resource_version: state.rv.to_string(),
                    initial_events_end: true,
                }));
            }
        } else {
            let from = Self::parse_rv(rv)?;
            if from < state.compacted {
                // Servers report an expired watch version as an ERROR event on the stream.
                let _ =
                    tx.send(Ok(WatchEvent::Error(match Self::too_old(from, state.compacted) {
                        ListWatchError::Status(s) => s,
                        ListWatchError::Transport(_) => Box::default(),
                    })));
                return Ok(watch);
            }
            for (_, ev) in state.history.iter().filter(|(v, _)| *v > from) {
                let _ = tx.send(Ok(ev.clone()));
            }
        }
        state.watchers.push(Watcher { tx, bookmarks: opts.allow_watch_bookmarks });
        Ok(watch)
    }

    fn record_call(&self) {
        self.calls.send_modify(|n| *n += 1);
    }
}

impl<T: Clone + Send + Sync + 'static> ListerWatcher<T> for FakeListerWatcher<T> {
    fn list(&self, opts: ListOptions) -> BoxFuture<'_, Result<ObjectList<T>, ListWatchError>> {
        let res = {
            let mut state = self.lock();
            state.list_calls.push(opts.clone());
            state.list_call_times.push(Instant::now());
            let hooked = state.list_hook.as_mut().and_then(|hook| hook(&opts));
            match hooked {
                Some(res) => res,
                None => match state.list_errors.pop_front() {
                    Some(err) => Err(err),
                    None => self.serve_list(&mut state, &opts),
                },
            }
        };
        self.record_call();
        Box::pin(async move { res })
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<T>>, ListWatchError>> {
        let res = {
            let mut state = self.lock();
            state.watch_calls.push(opts.clone());
            let hooked = state.watch_hook.as_mut().and_then(|hook| hook(&opts));
            match hooked.or_else(|| state.watch_errors.pop_front()) {
                Some(err) => Err(err),
                None => self
                    .open_watch(&mut state, &opts)
                    .map(|w| Box::new(w) as Box<dyn WatchStream<T>>),
            }
        };
        self.record_call();
        Box::pin(async move { res })
    }
}

/// The client side of a fake watch; ends at its `timeoutSeconds` like a server's.
struct FakeWatch<T> {
    rx: mpsc::UnboundedReceiver<EventResult<T>>,
    deadline: Option<Instant>,
}

impl<T: Send> WatchStream<T> for FakeWatch<T> {
    fn next(&mut self) -> BoxFuture<'_, Option<EventResult<T>>> {
        Box::pin(async move {
            match self.deadline {
                Some(deadline) => tokio::select! {
                    ev = self.rx.recv() => ev,
                    _ = tokio::time::sleep_until(deadline) => None,
                },
                None => self.rx.recv().await,
            }
        })
    }
}

/// Shares a fake as the trait object reflectors and informers take.
pub fn shared<T: Clone + Send + Sync + 'static>(
    fake: &Arc<FakeListerWatcher<T>>,
) -> Arc<dyn ListerWatcher<T>> {
    Arc::clone(fake) as Arc<dyn ListerWatcher<T>>
}
