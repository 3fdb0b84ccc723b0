//! [`Reflector`]: keeps a [`ReflectorStore`] in step with the server's copy of one resource by
//! listing it (or streaming the list), then watching from the list's resourceVersion, resuming
//! after a watch ends and relisting when the resourceVersion has expired (client-go's
//! `tools/cache/reflector.go`).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cache::backoff::{Backoff, BackoffManager};
use crate::cache::{
    CacheError, DeltaObject, Indexer, Indexers, ListOptions, ListWatchError, ListerWatcher,
    MetaAccess, MetaRef, ReflectorStore, WatchEvent, WatchStream, object_key,
};

/// Reads an object's identifying metadata; captured from [`MetaAccess`] at construction so
/// the reflector itself needs no marker type parameter.
pub type MetaFn<T> = for<'a> fn(&'a T) -> Result<MetaRef<'a>, CacheError>;

/// Rewrites the options of every list and watch call (upstream's `TweakListOptionsFunc`),
/// typically to set label or field selectors.
pub type TweakListOptions = Arc<dyn Fn(&mut ListOptions) + Send + Sync>;

/// Decides at each resync tick whether the store should be resynced.
pub type ShouldResync = Arc<dyn Fn() -> bool + Send + Sync>;

/// Told about every error that ends a list-and-watch cycle, before the reflector backs off
/// and starts over.
pub type WatchErrorHandler = Arc<dyn Fn(&str, &ReflectorError) + Send + Sync>;

/// The page size of paginated lists (client-go's pager default).
pub const DEFAULT_PAGE_SIZE: i64 = 500;

/// The default minimum watch timeout; each watch asks for a random timeout in
/// `[min, 2 * min)` to spread re-watches out.
pub const DEFAULT_MIN_WATCH_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The `resourceVersionMatch` of streaming lists.
const NOT_OLDER_THAN: &str = "NotOlderThan";

/// Why a list-and-watch cycle failed; messages follow client-go's.
#[derive(Debug, thiserror::Error)]
pub enum ReflectorError {
    /// The list call failed.
    #[error("failed to list {type_description}: {source}")]
    List {
        /// What was listed.
        type_description: String,
        /// The list error.
        #[source]
        source: ListWatchError,
    },
    /// Opening a watch failed with an error that is not worth retrying in place.
    #[error("{0}")]
    Watch(#[source] ListWatchError),
    /// The streaming list failed (the reflector falls back to a plain list).
    #[error("{0}")]
    WatchList(#[source] ListWatchError),
    /// Replacing the store's content with the list failed.
    #[error("unable to sync list result: {0}")]
    SyncList(#[source] CacheError),
    /// Replacing the store's content with the streamed list failed.
    #[error("unable to sync watch-list result: {0}")]
    SyncWatchList(#[source] CacheError),
    /// A watch closed within a second without delivering anything.
    #[error(
        "very short watch: {0}: Unexpected watch close - watch lasted less than a second and no items received"
    )]
    VeryShortWatch(String),
    /// A periodic resync of the store failed.
    #[error("resync failed: {0}")]
    Resync(#[source] CacheError),
}

/// How one watch stream ended, when it did not end normally.
#[derive(Debug)]
enum WatchEnd {
    /// The stop token fired.
    Stopped,
    /// The stream failed or carried an ERROR event.
    Error(ListWatchError),
    /// See [`ReflectorError::VeryShortWatch`].
    VeryShort,
}

/// Construction options for a [`Reflector`].
#[derive(Clone)]
pub struct ReflectorOptions {
    /// Names the reflector in logs; defaults to the type description.
    pub name: String,
    /// Describes the listed type in logs and errors; defaults to the Rust type name.
    pub type_description: String,
    /// How often the store's `resync` is considered; zero disables resyncs.
    pub resync_period: Duration,
    /// Asked at every resync tick; `None` always resyncs.
    pub should_resync: Option<ShouldResync>,
    /// The minimum watch timeout (default 5 minutes; zero means the default); each watch asks
    /// for a random `timeoutSeconds` in `[min, 2 * min)`. Unlike client-go, which never goes
    /// below 5 minutes, shorter values are honoured (tests use them).
    pub min_watch_timeout: Duration,
    /// Backoff between failed list-and-watch cycles and retried watches.
    pub backoff: Backoff,
    /// Forces this page size on lists (client-go's `WatchListPageSize`); 0 picks one:
    /// [`DEFAULT_PAGE_SIZE`] for lists at `""` or `"0"`, none for lists at an exact version
    /// (so the server's watch cache can answer) unless the server paginated before.
    pub page_size: i64,
    /// Fetch the initial state with a streaming list (`sendInitialEvents=true`, client-go's
    /// `WatchListClient` feature), falling back to a plain list when the server refuses.
    pub use_watch_list: bool,
    /// Applied to the options of every list and watch call.
    pub tweak_list_options: Option<TweakListOptions>,
    /// Told about errors ending a cycle; the default logs them.
    pub watch_error_handler: Option<WatchErrorHandler>,
}

impl Default for ReflectorOptions {
    fn default() -> Self {
        Self {
            name: String::new(),
            type_description: String::new(),
            resync_period: Duration::ZERO,
            should_resync: None,
            min_watch_timeout: DEFAULT_MIN_WATCH_TIMEOUT,
            backoff: Backoff::default(),
            page_size: 0,
            use_watch_list: false,
            tweak_list_options: None,
            watch_error_handler: None,
        }
    }
}

impl fmt::Debug for ReflectorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReflectorOptions")
            .field("name", &self.name)
            .field("type_description", &self.type_description)
            .field("resync_period", &self.resync_period)
            .field("min_watch_timeout", &self.min_watch_timeout)
            .field("backoff", &self.backoff)
            .field("page_size", &self.page_size)
            .field("use_watch_list", &self.use_watch_list)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct VersionState {
    /// The resourceVersion of the last list or event applied to the store.
    last_sync: String,
    /// The last list or watch at `last_sync` failed as expired or too large: the next list
    /// must be a consistent read (`""`).
    unavailable: bool,
    /// The first list at "0" came back paginated: the server has no watch cache, so keep
    /// paginating relists.
    paginated_result: bool,
}

/// Lists and watches one resource into a store. See the module docs.
pub struct Reflector<T> {
    name: String,
    type_description: String,
    lw: Arc<dyn ListerWatcher<T>>,
    store: Arc<dyn ReflectorStore<T>>,
    meta: MetaFn<T>,
    options: ReflectorOptions,
    backoff: BackoffManager,
    versions: Mutex<VersionState>,
}

impl<T> fmt::Debug for Reflector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reflector")
            .field("name", &self.name)
            .field("type_description", &self.type_description)
            .field("last_sync_resource_version", &self.last_sync_resource_version())
            .finish_non_exhaustive()
    }
}

fn status_reason(status: &Status) -> &str {
    status.reason.as_deref().unwrap_or_default()
}

/// 410: the resourceVersion (or continue token) is older than the server keeps.
pub fn is_expired_error(err: &ListWatchError) -> bool {
    match err {
        ListWatchError::Status(s) => {
            matches!(status_reason(s), "Expired" | "Gone") || s.code == Some(410)
        }
        ListWatchError::Transport(_) => false,
    }
}

/// The requested resourceVersion is newer than the server has seen.
pub fn is_too_large_resource_version_error(err: &ListWatchError) -> bool {
    const TOO_LARGE: &str = "Too large resource version";
    let ListWatchError::Status(s) = err else {
        return false;
    };
    let causes = s.details.as_ref().and_then(|d| d.causes.as_deref()).unwrap_or_default();
    if causes.iter().any(|c| c.reason.as_deref() == Some("ResourceVersionTooLarge")) {
        return true;
    }
    // Older servers said so only in a Timeout error's text.
    if status_reason(s) != "Timeout" {
        return false;
    }
    causes.iter().any(|c| c.message.as_deref() == Some(TOO_LARGE))
        || s.message.as_deref().is_some_and(|m| m.contains(TOO_LARGE))
}

/// 429: the server asks clients to slow down.
pub fn is_too_many_requests_error(err: &ListWatchError) -> bool {
    match err {
        ListWatchError::Status(s) => status_reason(s) == "TooManyRequests" || s.code == Some(429),
        ListWatchError::Transport(_) => false,
    }
}

/// Errors a watch is retried after (with backoff) instead of relisting: the server refused
/// the connection (it is probably restarting) or asked to slow down.
fn is_watch_error_retriable(err: &ListWatchError) -> bool {
    match err {
        ListWatchError::Transport(msg) => msg.to_ascii_lowercase().contains("connection refused"),
        ListWatchError::Status(_) => is_too_many_requests_error(err),
    }
}

fn random_watch_timeout(min: Duration) -> i64 {
    let min = min.as_secs_f64();
    (min + fastrand::f64() * min) as i64
}

impl<T> Reflector<T> {
    fn versions(&self) -> MutexGuard<'_, VersionState> {
        self.versions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resourceVersion of the last list or event applied to the store (empty before the
    /// first list).
    pub fn last_sync_resource_version(&self) -> String {
        self.versions().last_sync.clone()
    }
}

impl<T: Send + Sync + 'static> Reflector<T> {
    /// A reflector feeding `store` from `lw`.
    pub fn new<V>(
        lw: Arc<dyn ListerWatcher<T>>,
        store: Arc<dyn ReflectorStore<T>>,
        options: ReflectorOptions,
    ) -> Self
    where
        T: MetaAccess<V>,
    {
        Self::with_meta_fn(lw, store, <T as MetaAccess<V>>::meta, options)
    }

    /// A reflector reading object metadata with `meta`.
    pub fn with_meta_fn(
        lw: Arc<dyn ListerWatcher<T>>,
        store: Arc<dyn ReflectorStore<T>>,
        meta: MetaFn<T>,
        options: ReflectorOptions,
    ) -> Self {
        let type_description = if options.type_description.is_empty() {
            std::any::type_name::<T>().to_string()
        } else {
            options.type_description.clone()
        };
        let name =
            if options.name.is_empty() { type_description.clone() } else { options.name.clone() };
        let mut options = options;
        if options.min_watch_timeout.is_zero() {
            options.min_watch_timeout = DEFAULT_MIN_WATCH_TIMEOUT;
        }
        Self {
            name,
            type_description,
            lw,
            store,
            meta,
            backoff: BackoffManager::new(options.backoff),
            options,
            versions: Mutex::new(VersionState::default()),
        }
    }

    /// The reflector's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description of the reflected type.
    pub fn type_description(&self) -> &str {
        &self.type_description
    }

    fn set_last_sync_resource_version(&self, rv: &str) {
        self.versions().last_sync = rv.to_string();
    }

    fn set_unavailable(&self, unavailable: bool) {
        self.versions().unavailable = unavailable;
    }

    /// The version a (re)list asks for: `"0"` at first (any cached state will do), then the
    /// last synced version, or `""` (a consistent read) once that version proved unavailable.
    fn relist_resource_version(&self) -> String {
        let v = self.versions();
        if v.unavailable {
            String::new()
        } else if v.last_sync.is_empty() {
            "0".to_string()
        } else {
            v.last_sync.clone()
        }
    }

    /// The version a streaming list starts from.
    fn rewatch_resource_version(&self) -> String {
        let v = self.versions();
        if v.unavailable { String::new() } else { v.last_sync.clone() }
    }

    fn tweak(&self, mut opts: ListOptions) -> ListOptions {
        if let Some(tweak) = &self.options.tweak_list_options {
            tweak(&mut opts);
        }
        opts
    }

    async fn wait_backoff(&self, stop: &CancellationToken) -> bool {
        let delay = self.backoff.next_delay();
        tokio::select! {
            _ = stop.cancelled() => false,
            _ = tokio::time::sleep(delay) => true,
        }
    }

    /// Runs list-and-watch cycles, backing off between them, until `stop` fires.
    pub async fn run(&self, stop: CancellationToken) {
        tracing::debug!(
            reflector = %self.name,
            resync_period = ?self.options.resync_period,
            "Starting reflector"
        );
        while !stop.is_cancelled() {
            if let Err(err) = self.list_and_watch(&stop).await {
                self.report(&err);
            }
            if !self.wait_backoff(&stop).await {
                break;
            }
        }
        tracing::debug!(reflector = %self.name, "Stopping reflector");
    }

    fn report(&self, err: &ReflectorError) {
        match &self.options.watch_error_handler {
            Some(handler) => handler(&self.name, err),
            None => match err {
                ReflectorError::Watch(e) if is_expired_error(e) => {
                    tracing::debug!(reflector = %self.name, err = %e, "Watch closed");
                }
                _ => tracing::error!(
                    reflector = %self.name,
                    r#type = %self.type_description,
                    %err,
                    "Failed to watch"
                ),
            },
        }
    }

    /// One cycle: the initial state (streamed or listed) into the store, then watches until
    /// one ends in a way that calls for a relist (returning `Ok`) or `stop` fires. Errors
    /// are those that ended the cycle before a watch could even start.
    pub async fn list_and_watch(&self, stop: &CancellationToken) -> Result<(), ReflectorError> {
        tracing::debug!(reflector = %self.name, "Listing and watching");
        let mut stream = None;
        let mut fallback_to_list = !self.options.use_watch_list;
        if self.options.use_watch_list {
            match self.watch_list(stop).await {
                Ok(None) => return Ok(()),
                Ok(Some(w)) => stream = Some(w),
                Err(err) => {
                    tracing::debug!(
                        reflector = %self.name,
                        %err,
                        "Data couldn't be fetched in watchlist mode. Falling back to regular list."
                    );
                    fallback_to_list = true;
                }
            }
        }
        if fallback_to_list {
            self.list(stop).await?;
        }
        if stop.is_cancelled() {
            return Ok(());
        }
        tracing::debug!(reflector = %self.name, "Caches populated");
        tokio::select! {
            res = self.watch(stream, stop) => res,
            err = self.resync_loop() => {
                tracing::warn!(reflector = %self.name, %err, "watch ended with error");
                Ok(())
            }
        }
    }

    /// Resyncs the store every resync period (when `should_resync` agrees); completes only
    /// when a resync fails.
    async fn resync_loop(&self) -> ReflectorError {
        let period = self.options.resync_period;
        if period.is_zero() {
            return std::future::pending().await;
        }
        loop {
            tokio::time::sleep(period).await;
            if self.options.should_resync.as_ref().is_none_or(|f| f()) {
                tracing::trace!(reflector = %self.name, "Forcing resync");
                if let Err(err) = self.store.resync() {
                    return ReflectorError::Resync(err);
                }
            }
        }
    }

    /// Lists in pages (client-go's pager) with `opts`: the items and the list's
    /// resourceVersion, and whether the result came in more than one page. A continuation
    /// that expires mid-way falls back to one unpaginated list at the requested version.
    async fn list_pages(
        &self,
        mut opts: ListOptions,
        page_size: i64,
    ) -> Result<(Vec<T>, String, bool), ListWatchError> {
        if opts.limit == 0 {
            opts.limit = page_size;
        }
        let requested_rv = opts.resource_version.clone();
        let requested_rvm = opts.resource_version_match.clone();
        let mut items: Vec<T> = Vec::new();
        let mut list_rv: Option<String> = None;
        let mut paginated = false;
        loop {
            let page = match self.lw.list(self.tweak(opts.clone())).await {
                Ok(page) => page,
                Err(err) if is_expired_error(&err) && !opts.continue_token.is_empty() => {
                    opts.limit = 0;
                    opts.continue_token.clear();
                    opts.resource_version = requested_rv;
                    opts.resource_version_match = requested_rvm;
                    let full = self.lw.list(self.tweak(opts)).await?;
                    return Ok((full.items, full.resource_version, paginated));
                }
                Err(err) => return Err(err),
            };
            if page.continue_token.is_empty() && list_rv.is_none() {
                return Ok((page.items, page.resource_version, paginated));
            }
            let rv = list_rv.get_or_insert(page.resource_version);
            items.extend(page.items);
            if page.continue_token.is_empty() {
                let rv = std::mem::take(rv);
                return Ok((items, rv, paginated));
            }
            opts.continue_token = page.continue_token;
            // A continued list must not name a version: the token carries it.
            opts.resource_version.clear();
            opts.resource_version_match.clear();
            paginated = true;
        }
    }

    /// Lists everything and replaces the store's content with it.
    async fn list(&self, stop: &CancellationToken) -> Result<(), ReflectorError> {
        let rv = self.relist_resource_version();
        let page_size = if self.options.page_size != 0 {
            self.options.page_size
        } else if self.versions().paginated_result {
            DEFAULT_PAGE_SIZE
        } else if !rv.is_empty() && rv != "0" {
            // An exact-version list without a limit can be answered by the watch cache.
            0
        } else {
            DEFAULT_PAGE_SIZE
        };
        let listed = async {
            let opts = ListOptions { resource_version: rv.clone(), ..Default::default() };
            match self.list_pages(opts, page_size).await {
                Err(err) if is_expired_error(&err) || is_too_large_resource_version_error(&err) => {
                    self.set_unavailable(true);
                    let opts = ListOptions {
                        resource_version: self.relist_resource_version(),
                        ..Default::default()
                    };
                    self.list_pages(opts, page_size).await
                }
                res => res,
            }
        };
        let (items, list_rv, paginated) = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            res = listed => res.map_err(|source| ReflectorError::List {
                type_description: self.type_description.clone(),
                source,
            })?,
        };
        {
            let mut v = self.versions();
            if rv == "0" && paginated {
                v.paginated_result = true;
            }
            v.unavailable = false;
        }
        let items = items.into_iter().map(Arc::new).collect();
        self.store.replace(items, &list_rv).map_err(ReflectorError::SyncList)?;
        self.set_last_sync_resource_version(&list_rv);
        Ok(())
    }

    /// Handles an error of the streaming list: true when it is worth another attempt (after a
    /// backoff, or from a consistent read when the version proved unavailable).
    async fn watch_list_retriable(&self, err: &ListWatchError, stop: &CancellationToken) -> bool {
        if is_watch_error_retriable(err) {
            tracing::debug!(reflector = %self.name, %err, "watch-list failed - backing off");
            return self.wait_backoff(stop).await;
        }
        if is_expired_error(err) || is_too_large_resource_version_error(err) {
            self.set_unavailable(true);
            return true;
        }
        false
    }

    /// The streaming list: a watch with `sendInitialEvents=true` whose synthetic events fill a
    /// temporary store until the bookmark marking their end; then the store is replaced and the
    /// still-open stream is returned for watching. `Ok(None)` means `stop` fired.
    async fn watch_list(
        &self,
        stop: &CancellationToken,
    ) -> Result<Option<Box<dyn WatchStream<T>>>, ReflectorError> {
        loop {
            if stop.is_cancelled() {
                return Ok(None);
            }
            let meta = self.meta;
            let temporary: Indexer<T> =
                Indexer::new(move |obj: &T| key_with_meta(meta, obj), Indexers::new());
            let opts = self.tweak(ListOptions {
                resource_version: self.rewatch_resource_version(),
                resource_version_match: NOT_OLDER_THAN.to_string(),
                allow_watch_bookmarks: true,
                send_initial_events: Some(true),
                timeout_seconds: Some(random_watch_timeout(self.options.min_watch_timeout)),
                ..Default::default()
            });
            let opened = tokio::select! {
                _ = stop.cancelled() => return Ok(None),
                res = self.lw.watch(opts) => res,
            };
            let mut stream = match opened {
                Ok(stream) => stream,
                Err(err) => {
                    if stop.is_cancelled() {
                        return Ok(None);
                    }
                    if self.watch_list_retriable(&err, stop).await {
                        continue;
                    }
                    return Err(ReflectorError::WatchList(err));
                }
            };
            let mut resource_version = String::new();
            let mut record = |rv: &str, past_added: bool| {
                if past_added {
                    resource_version = rv.to_string();
                }
            };
            let res = self.handle_watch(stream.as_mut(), &temporary, &mut record, true, stop).await;
            match res {
                Ok(true) => {
                    self.set_unavailable(false);
                    self.store
                        .replace(temporary.list(), &resource_version)
                        .map_err(ReflectorError::SyncWatchList)?;
                    self.set_last_sync_resource_version(&resource_version);
                    return Ok(Some(stream));
                }
                // The stream ended before the initial events did: start over.
                Ok(false) => continue,
                Err(WatchEnd::Stopped) => return Ok(None),
                Err(WatchEnd::Error(err)) => {
                    if self.watch_list_retriable(&err, stop).await {
                        continue;
                    }
                    return Err(ReflectorError::WatchList(err));
                }
                Err(WatchEnd::VeryShort) => {
                    return Err(ReflectorError::VeryShortWatch(self.name.clone()));
                }
            }
        }
    }

    /// Watches from the last synced version, re-watching whenever a stream ends normally, until
    /// a stream ends in a way that needs a relist (`Ok`), opening a watch fails for good
    /// (`Err`), or `stop` fires (`Ok`). `stream`, when given, is already open.
    async fn watch(
        &self,
        mut stream: Option<Box<dyn WatchStream<T>>>,
        stop: &CancellationToken,
    ) -> Result<(), ReflectorError> {
        loop {
            if stop.is_cancelled() {
                return Ok(());
            }
            // A stream handed over by the streaming list is past its synthetic events.
            let mut propagate_from_start = true;
            let mut w = match stream.take() {
                Some(w) => w,
                None => {
                    let opts = self.tweak(ListOptions {
                        resource_version: self.last_sync_resource_version(),
                        timeout_seconds: Some(random_watch_timeout(self.options.min_watch_timeout)),
                        allow_watch_bookmarks: true,
                        ..Default::default()
                    });
                    // From "" or "0" the server first sends synthetic ADDED events in no
                    // particular version order: their versions mean nothing until a later
                    // event arrives.
                    if opts.resource_version.is_empty() || opts.resource_version == "0" {
                        propagate_from_start = false;
                    }
                    let opened = tokio::select! {
                        _ = stop.cancelled() => return Ok(()),
                        res = self.lw.watch(opts) => res,
                    };
                    match opened {
                        Ok(w) => w,
                        Err(err) if is_watch_error_retriable(&err) => {
                            tracing::debug!(reflector = %self.name, %err, "Watch failed - backing off");
                            if !self.wait_backoff(stop).await {
                                return Ok(());
                            }
                            continue;
                        }
                        Err(err) => return Err(ReflectorError::Watch(err)),
                    }
                }
            };
            let mut record = |rv: &str, past_added: bool| {
                if propagate_from_start || past_added {
                    self.set_last_sync_resource_version(rv);
                }
            };
            let res = self.handle_watch(w.as_mut(), &*self.store, &mut record, false, stop).await;
            drop(w);
            match res {
                Ok(_) => continue,
                Err(WatchEnd::Stopped) => return Ok(()),
                Err(WatchEnd::Error(err)) if is_expired_error(&err) => {
                    // The relist asks for the last seen version first: a list at a version
                    // returns data at least that fresh, so it may still succeed.
                    tracing::debug!(reflector = %self.name, %err, "Watch closed");
                    return Ok(());
                }
                Err(WatchEnd::Error(err)) if is_too_many_requests_error(&err) => {
                    tracing::debug!(reflector = %self.name, "Watch returned 429 - backing off");
                    if !self.wait_backoff(stop).await {
                        return Ok(());
                    }
                    continue;
                }
                Err(WatchEnd::Error(err)) => {
                    tracing::warn!(reflector = %self.name, %err, "watch ended with error");
                    return Ok(());
                }
                Err(WatchEnd::VeryShort) => {
                    let err = ReflectorError::VeryShortWatch(self.name.clone());
                    tracing::warn!(reflector = %self.name, %err, "watch ended with error");
                    return Ok(());
                }
            }
        }
    }

    /// Applies a stream's events to `store` until it ends, recording each event's version
    /// through `record(rv, past_added)` (`past_added`: some event other than ADDED was seen).
    /// With `exit_on_initial_events_end`, returns as soon as the bookmark ending a streaming
    /// list's initial events arrives, leaving the stream open. `Ok(bool)` tells whether that
    /// bookmark was seen.
    async fn handle_watch(
        &self,
        stream: &mut dyn WatchStream<T>,
        store: &dyn ReflectorStore<T>,
        record: &mut (dyn FnMut(&str, bool) + Send),
        exit_on_initial_events_end: bool,
        stop: &CancellationToken,
    ) -> Result<bool, WatchEnd> {
        let start = Instant::now();
        let mut initial_events_end = false;
        let mut past_added = false;
        let mut count: u64 = 0;
        loop {
            let next = tokio::select! {
                biased;
                _ = stop.cancelled() => return Err(WatchEnd::Stopped),
                next = stream.next() => next,
            };
            let event = match next {
                None => break,
                Some(Err(err)) => return Err(WatchEnd::Error(err)),
                Some(Ok(event)) => event,
            };
            let rv = match event {
                WatchEvent::Error(status) => {
                    return Err(WatchEnd::Error(ListWatchError::Status(status)));
                }
                WatchEvent::Bookmark { resource_version, initial_events_end: end } => {
                    past_added = true;
                    initial_events_end |= end;
                    resource_version
                }
                WatchEvent::Added(obj) => {
                    let Some(rv) = self.event_version(&obj) else { continue };
                    if let Err(err) = store.add(Arc::new(obj)) {
                        tracing::error!(reflector = %self.name, %err, "Unable to add watch event object to store");
                    }
                    rv
                }
                WatchEvent::Modified(obj) => {
                    let Some(rv) = self.event_version(&obj) else { continue };
                    past_added = true;
                    if let Err(err) = store.update(Arc::new(obj)) {
                        tracing::error!(reflector = %self.name, %err, "Unable to update watch event object to store");
                    }
                    rv
                }
                WatchEvent::Deleted(obj) => {
                    let Some(rv) = self.event_version(&obj) else { continue };
                    past_added = true;
                    if let Err(err) = store.delete(DeltaObject::Object(Arc::new(obj))) {
                        tracing::error!(reflector = %self.name, %err, "Unable to delete watch event object from store");
                    }
                    rv
                }
            };
            record(&rv, past_added);
            count += 1;
            if exit_on_initial_events_end && initial_events_end {
                return Ok(true);
            }
        }
        if count == 0 && start.elapsed() < Duration::from_secs(1) {
            return Err(WatchEnd::VeryShort);
        }
        tracing::trace!(reflector = %self.name, total_items = count, "Watch close");
        Ok(initial_events_end)
    }

    fn event_version(&self, obj: &T) -> Option<String> {
        match (self.meta)(obj) {
            Ok(meta) => Some(meta.resource_version.to_string()),
            Err(err) => {
                tracing::error!(reflector = %self.name, %err, "Unable to understand watch event");
                None
            }
        }
    }
}

fn key_with_meta<T>(meta: MetaFn<T>, obj: &T) -> Result<String, CacheError> {
    let m = meta(obj)?;
    Ok(object_key(m.namespace, m.name))
}

#[cfg(test)]
#[path = "reflector_tests.rs"]
mod tests;
