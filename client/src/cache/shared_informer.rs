//! [`SharedIndexInformer`]: one [`Reflector`] feeding a [`DeltaFIFO`] whose deltas keep an
//! [`Indexer`] current and fan out to any number of event handlers, each behind its own
//! growable queue so that a slow handler delays only itself (client-go's
//! `tools/cache/shared_informer.go` and `controller.go`).

use std::collections::VecDeque;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cache::listers::Lister;
use crate::cache::reflector::{MetaFn, Reflector, ReflectorOptions};
use crate::cache::{
    BoxError, CacheError, DeltaFIFO, DeltaFifoOptions, DeltaObject, DeltaType, Deltas, Indexer,
    Indexers, KeyFunc, KeyListerGetter, ListerWatcher, MetaAccess, NAMESPACE_INDEX, ProcessError,
    ReflectorStore, TransformFunc, meta_namespace_index_func, meta_namespace_key_func,
};

/// How often [`wait_for_cache_sync`] checks its conditions.
pub const SYNCED_POLL_PERIOD: Duration = Duration::from_millis(100);

/// The shortest per-handler resync period; shorter requests are raised to it.
pub const MINIMUM_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// Receives an informer's notifications. Every method defaults to doing nothing.
///
/// Each handler runs in its own task, one notification at a time, in order; notifications
/// wait in the handler's own unbounded queue, so a slow handler delays only itself. Handlers
/// are called on the async runtime and should return quickly (the usual handler computes a key
/// and adds it to a workqueue): one that blocks holds a runtime worker thread while it does.
pub trait ResourceEventHandler<T>: Send + Sync {
    /// An object appeared: from the initial list (`is_in_initial_list`), a later relist or
    /// a watch event, or (for a handler added late) because it was already cached.
    fn on_add(&self, obj: Arc<T>, is_in_initial_list: bool) {
        let _ = (obj, is_in_initial_list);
    }

    /// An object changed, or a periodic resync re-delivered it (then `old` and `new` have the
    /// same resourceVersion).
    fn on_update(&self, old: Arc<T>, new: Arc<T>) {
        let _ = (old, new);
    }

    /// An object was deleted: its last state, or a tombstone when the deletion was noticed
    /// only by a relist ([`DeltaObject::Tombstone`], whose state may be stale or missing).
    fn on_delete(&self, obj: DeltaObject<T>) {
        let _ = obj;
    }
}

impl<T, H: ResourceEventHandler<T> + ?Sized> ResourceEventHandler<T> for Arc<H> {
    fn on_add(&self, obj: Arc<T>, is_in_initial_list: bool) {
        (**self).on_add(obj, is_in_initial_list);
    }
    fn on_update(&self, old: Arc<T>, new: Arc<T>) {
        (**self).on_update(old, new);
    }
    fn on_delete(&self, obj: DeltaObject<T>) {
        (**self).on_delete(obj);
    }
}

type AddFn<T> = Box<dyn Fn(Arc<T>, bool) + Send + Sync>;
type UpdateFn<T> = Box<dyn Fn(Arc<T>, Arc<T>) + Send + Sync>;
type DeleteFn<T> = Box<dyn Fn(DeltaObject<T>) + Send + Sync>;

/// A handler made of optional closures (upstream's `ResourceEventHandlerFuncs`).
pub struct ResourceEventHandlerFuncs<T> {
    add: Option<AddFn<T>>,
    update: Option<UpdateFn<T>>,
    delete: Option<DeleteFn<T>>,
}

impl<T> Default for ResourceEventHandlerFuncs<T> {
    fn default() -> Self {
        Self { add: None, update: None, delete: None }
    }
}

impl<T> fmt::Debug for ResourceEventHandlerFuncs<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceEventHandlerFuncs")
            .field("add", &self.add.is_some())
            .field("update", &self.update.is_some())
            .field("delete", &self.delete.is_some())
            .finish()
    }
}

impl<T> ResourceEventHandlerFuncs<T> {
    /// A handler that ignores everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` on adds.
    pub fn with_add(mut self, f: impl Fn(Arc<T>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Calls `f` on updates.
    pub fn with_update(mut self, f: impl Fn(Arc<T>, Arc<T>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Calls `f` on deletes.
    pub fn with_delete(mut self, f: impl Fn(DeltaObject<T>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<T> ResourceEventHandler<T> for ResourceEventHandlerFuncs<T> {
    fn on_add(&self, obj: Arc<T>, is_in_initial_list: bool) {
        if let Some(f) = &self.add {
            f(obj, is_in_initial_list);
        }
    }
    fn on_update(&self, old: Arc<T>, new: Arc<T>) {
        if let Some(f) = &self.update {
            f(old, new);
        }
    }
    fn on_delete(&self, obj: DeltaObject<T>) {
        if let Some(f) = &self.delete {
            f(obj);
        }
    }
}

/// Passes on only the notifications about objects `filter` accepts; an update that moves an
/// object into or out of the filter becomes an add or a delete (upstream's
/// `FilteringResourceEventHandler`). Tombstones without a last state are always passed on.
pub struct FilteringResourceEventHandler<T, H> {
    filter: Box<dyn Fn(&T) -> bool + Send + Sync>,
    handler: H,
}

impl<T, H> fmt::Debug for FilteringResourceEventHandler<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilteringResourceEventHandler").finish_non_exhaustive()
    }
}

impl<T, H: ResourceEventHandler<T>> FilteringResourceEventHandler<T, H> {
    /// Wraps `handler` behind `filter`.
    pub fn new(filter: impl Fn(&T) -> bool + Send + Sync + 'static, handler: H) -> Self {
        Self { filter: Box::new(filter), handler }
    }
}

impl<T, H: ResourceEventHandler<T>> ResourceEventHandler<T>
    for FilteringResourceEventHandler<T, H>
{
    fn on_add(&self, obj: Arc<T>, is_in_initial_list: bool) {
        if (self.filter)(&obj) {
            self.handler.on_add(obj, is_in_initial_list);
        }
    }
    fn on_update(&self, old: Arc<T>, new: Arc<T>) {
        match ((self.filter)(&old), (self.filter)(&new)) {
            (true, true) => self.handler.on_update(old, new),
            (false, true) => self.handler.on_add(new, false),
            (true, false) => self.handler.on_delete(DeltaObject::Object(old)),
            (false, false) => {}
        }
    }
    fn on_delete(&self, obj: DeltaObject<T>) {
        if obj.object().is_none_or(|o| (self.filter)(o)) {
            self.handler.on_delete(obj);
        }
    }
}

/// Errors of [`SharedIndexInformer`] configuration calls; messages follow client-go's.
#[derive(Debug, thiserror::Error)]
pub enum InformerError {
    /// The call is allowed only before [`SharedIndexInformer::run`].
    #[error("informer has already started")]
    AlreadyStarted,
    /// The informer has stopped: no handler can be added.
    #[error("handler was not added to shared informer because it has stopped already")]
    HandlerAfterStop,
    /// The informer has stopped: no indexer can be added.
    #[error("indexer was not added because it has stopped already")]
    IndexerAfterStop,
    /// The indexer refused the new index functions.
    #[error(transparent)]
    Cache(#[from] CacheError),
}

enum Notification<T> {
    Add(Arc<T>, bool),
    Update(Arc<T>, Arc<T>),
    Delete(DeltaObject<T>),
}

impl<T> Clone for Notification<T> {
    fn clone(&self) -> Self {
        match self {
            Notification::Add(o, i) => Notification::Add(Arc::clone(o), *i),
            Notification::Update(o, n) => Notification::Update(Arc::clone(o), Arc::clone(n)),
            Notification::Delete(o) => Notification::Delete(o.clone()),
        }
    }
}

/// Counts the initial-list notifications a handler still has to process (upstream's
/// `synctrack.SingleFileTracker`): the handler is synced once the informer is and the count
/// is back at zero. Latches.
#[derive(Debug, Default)]
struct SyncTracker {
    pending: AtomicI64,
    upstream_synced: AtomicBool,
    synced: AtomicBool,
}

impl SyncTracker {
    fn start(&self) {
        self.pending.fetch_add(1, Ordering::SeqCst);
    }

    fn finished(&self) {
        let left = self.pending.fetch_sub(1, Ordering::SeqCst) - 1;
        if left <= 0 && self.upstream_synced.load(Ordering::SeqCst) {
            self.synced.store(true, Ordering::SeqCst);
        }
    }

    fn upstream_has_synced(&self) {
        self.upstream_synced.store(true, Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) <= 0 {
            self.synced.store(true, Ordering::SeqCst);
        }
    }

    fn has_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }
}

/// The part of a listener its registration shares.
#[derive(Debug)]
struct ListenerShared {
    id: u64,
    tracker: SyncTracker,
    finished: watch::Sender<bool>,
}

/// The handle [`SharedIndexInformer::add_event_handler`] returns: tells whether the handler has
/// seen the initial list, and names it for [`SharedIndexInformer::remove_event_handler`].
#[derive(Debug, Clone)]
pub struct HandlerRegistration {
    shared: Arc<ListenerShared>,
}

impl HandlerRegistration {
    /// True once the informer has synced and this handler has processed every notification of
    /// the initial list (or, for a handler added late, of the objects cached when it was added).
    pub fn has_synced(&self) -> bool {
        self.shared.tracker.has_synced()
    }

    /// Resolves once the handler's queue has shut down (after it was removed or the informer
    /// stopped) and no notification is being processed.
    pub async fn wait_shutdown(&self) {
        let mut rx = self.shared.finished.subscribe();
        // The sender lives in `self`, so the channel cannot close while waiting.
        let _ = rx.wait_for(|done| *done).await;
    }
}

struct ListenerQueue<T> {
    items: VecDeque<Notification<T>>,
    closed: bool,
}

#[derive(Debug, Clone, Copy)]
struct ResyncSchedule {
    period: Duration,
    next: Instant,
}

/// One handler with its own notification buffer (upstream's `processorListener`); the buffer
/// grows as needed, so adding never waits for the handler.
struct Listener<T> {
    shared: Arc<ListenerShared>,
    handler: Box<dyn ResourceEventHandler<T>>,
    queue: Mutex<ListenerQueue<T>>,
    ready: Notify,
    requested_resync: Duration,
    resync: Mutex<ResyncSchedule>,
    /// Set by the last resync check: whether resync updates go to this handler.
    syncing: AtomicBool,
}

/// Marks the listener finished however its task ends.
struct FinishedGuard(Arc<ListenerShared>);

impl Drop for FinishedGuard {
    fn drop(&mut self) {
        self.0.finished.send_replace(true);
    }
}

impl<T: Send + Sync + 'static> Listener<T> {
    fn lock(&self) -> MutexGuard<'_, ListenerQueue<T>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn schedule(&self) -> MutexGuard<'_, ResyncSchedule> {
        self.resync.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, notification: Notification<T>) {
        let mut q = self.lock();
        if q.closed {
            return;
        }
        if matches!(notification, Notification::Add(_, true)) {
            self.shared.tracker.start();
        }
        q.items.push_back(notification);
        drop(q);
        self.ready.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    async fn next(&self) -> Option<Notification<T>> {
        loop {
            {
                let mut q = self.lock();
                if q.closed {
                    // Like upstream, pending notifications are dropped on shutdown.
                    return None;
                }
                if let Some(n) = q.items.pop_front() {
                    return Some(n);
                }
            }
            // `notify_one` stores a permit when nobody waits, so no wake-up is lost.
            self.ready.notified().await;
        }
    }

    async fn run(self: Arc<Self>) {
        let _finished = FinishedGuard(Arc::clone(&self.shared));
        while let Some(notification) = self.next().await {
            let initial = matches!(notification, Notification::Add(_, true));
            let handler = &self.handler;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match notification {
                Notification::Add(obj, initial) => handler.on_add(obj, initial),
                Notification::Update(old, new) => handler.on_update(old, new),
                Notification::Delete(obj) => handler.on_delete(obj),
            }));
            if outcome.is_err() {
                tracing::error!(handler = self.shared.id, "event handler panicked");
            }
            if initial {
                self.shared.tracker.finished();
            }
            // No `yield_now` here: a yielding task is parked on its worker's deferred list,
            // where it would sit behind a neighbouring handler that blocks that worker. The
            // loop gives the worker back as soon as the queue is drained.
        }
    }

    fn should_resync(&self, now: Instant) -> bool {
        let s = self.schedule();
        !s.period.is_zero() && now >= s.next
    }

    fn determine_next_resync(&self, now: Instant) {
        let mut s = self.schedule();
        s.next = now + s.period;
    }
}

/// The handler's resync period given the informer's check period (upstream's
/// `determineResyncPeriod`).
fn determine_resync_period(desired: Duration, check: Duration) -> Duration {
    if desired.is_zero() {
        return desired;
    }
    if check.is_zero() {
        tracing::warn!(
            ?desired,
            "the specified resyncPeriod is invalid because this shared informer doesn't support resyncing"
        );
        return Duration::ZERO;
    }
    if desired < check {
        tracing::warn!(
            ?desired,
            resync_check_period = ?check,
            "the specified resyncPeriod is being increased to the minimum resyncCheckPeriod"
        );
        return check;
    }
    desired
}

struct Entry<T> {
    listener: Arc<Listener<T>>,
    /// Whether the listener may learn that the informer synced: set once its initial
    /// notifications are queued.
    armed: bool,
}

struct ProcessorState<T> {
    listeners: Vec<Entry<T>>,
    started: bool,
    upstream_synced: bool,
    handle: Option<Handle>,
    tasks: Vec<JoinHandle<()>>,
}

/// Fans notifications out to the listeners (upstream's `sharedProcessor`).
struct Processor<T> {
    state: Mutex<ProcessorState<T>>,
}

impl<T: Send + Sync + 'static> Processor<T> {
    fn new() -> Self {
        Self {
            state: Mutex::new(ProcessorState {
                listeners: Vec::new(),
                started: false,
                upstream_synced: false,
                handle: None,
                tasks: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ProcessorState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn(state: &mut ProcessorState<T>, listener: &Arc<Listener<T>>) {
        if let Some(handle) = &state.handle {
            state.tasks.retain(|t| !t.is_finished());
            state.tasks.push(handle.spawn(Arc::clone(listener).run()));
        }
    }

    fn add(&self, listener: Arc<Listener<T>>) {
        let mut state = self.lock();
        if state.started {
            Self::spawn(&mut state, &listener);
        }
        state.listeners.push(Entry { listener, armed: false });
    }

    fn arm(&self, id: u64) {
        let mut state = self.lock();
        let upstream_synced = state.upstream_synced;
        if let Some(entry) = state.listeners.iter_mut().find(|e| e.listener.shared.id == id) {
            entry.armed = true;
            if upstream_synced {
                entry.listener.shared.tracker.upstream_has_synced();
            }
        }
    }

    fn start(&self, handle: Handle) {
        let mut state = self.lock();
        state.handle = Some(handle);
        state.started = true;
        let listeners: Vec<Arc<Listener<T>>> =
            state.listeners.iter().map(|e| Arc::clone(&e.listener)).collect();
        for listener in &listeners {
            Self::spawn(&mut state, listener);
        }
        for entry in &mut state.listeners {
            entry.armed = true;
        }
    }

    fn mark_upstream_synced(&self) {
        let mut state = self.lock();
        state.upstream_synced = true;
        for entry in state.listeners.iter().filter(|e| e.armed) {
            entry.listener.shared.tracker.upstream_has_synced();
        }
    }

    fn distribute(&self, notification: &Notification<T>, sync: bool) {
        let state = self.lock();
        for entry in &state.listeners {
            if !sync || entry.listener.syncing.load(Ordering::SeqCst) {
                entry.listener.add(notification.clone());
            }
        }
    }

    fn remove(&self, id: u64) {
        let mut state = self.lock();
        if let Some(pos) = state.listeners.iter().position(|e| e.listener.shared.id == id) {
            let entry = state.listeners.remove(pos);
            entry.listener.close();
            if !state.started {
                entry.listener.shared.finished.send_replace(true);
            }
        }
    }

    /// Closes every listener; returns their tasks to wait for.
    fn stop(&self) -> Vec<JoinHandle<()>> {
        let mut state = self.lock();
        let started = state.started;
        for entry in state.listeners.drain(..) {
            entry.listener.close();
            // A running listener's task reports its own end.
            if !started {
                entry.listener.shared.finished.send_replace(true);
            }
        }
        state.started = false;
        std::mem::take(&mut state.tasks)
    }

    /// Marks which listeners are due a resync; true if any is.
    fn should_resync(&self) -> bool {
        let state = self.lock();
        let now = Instant::now();
        let mut any = false;
        for entry in &state.listeners {
            let due = entry.listener.should_resync(now);
            entry.listener.syncing.store(due, Ordering::SeqCst);
            if due {
                any = true;
                entry.listener.determine_next_resync(now);
            }
        }
        any
    }

    fn resync_check_period_changed(&self, check: Duration) {
        let state = self.lock();
        for entry in &state.listeners {
            let period = determine_resync_period(entry.listener.requested_resync, check);
            entry.listener.schedule().period = period;
        }
    }
}

/// Construction options for a [`SharedIndexInformer`].
pub struct SharedIndexInformerOptions<T> {
    /// The default resync period of handlers, and the informer's initial resync check
    /// period; zero disables resyncs.
    pub resync_period: Duration,
    /// Index functions of the cache.
    pub indexers: Indexers<T>,
    /// Options of the reflector (its resync period and check are set by the informer).
    pub reflector: ReflectorOptions,
}

impl<T> Default for SharedIndexInformerOptions<T> {
    fn default() -> Self {
        Self {
            resync_period: Duration::ZERO,
            indexers: Indexers::new(),
            reflector: ReflectorOptions::default(),
        }
    }
}

impl<T> fmt::Debug for SharedIndexInformerOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedIndexInformerOptions")
            .field("resync_period", &self.resync_period)
            .field("indexers", &self.indexers)
            .field("reflector", &self.reflector)
            .finish()
    }
}

struct InformerState<T> {
    started: bool,
    stopped: bool,
    resync_check_period: Duration,
    transform: Option<TransformFunc<T>>,
    reflector_options: ReflectorOptions,
    reflector: Option<Arc<Reflector<T>>>,
}

/// Caches one resource and tells any number of handlers about its changes. See the module
/// docs.
pub struct SharedIndexInformer<T> {
    indexer: Arc<Indexer<T>>,
    lw: Arc<dyn ListerWatcher<T>>,
    meta: MetaFn<T>,
    key_func: KeyFunc<T>,
    processor: Arc<Processor<T>>,
    state: Mutex<InformerState<T>>,
    /// Held while deltas are applied, so a late handler's snapshot of the cache and the
    /// notifications that follow it line up.
    block_deltas: Mutex<()>,
    synced: watch::Sender<bool>,
    default_handler_resync: Duration,
    next_listener_id: AtomicU64,
}

impl<T> fmt::Debug for SharedIndexInformer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedIndexInformer")
            .field("indexer", &self.indexer)
            .field("synced", &*self.synced.borrow())
            .finish_non_exhaustive()
    }
}

fn process_error(err: CacheError) -> ProcessError {
    ProcessError::Failed(Box::new(err))
}

impl<T: Send + Sync + 'static> SharedIndexInformer<T> {
    /// An informer over `lw` with the namespace index and the given default resync period.
    pub fn new<V: 'static>(lw: Arc<dyn ListerWatcher<T>>, resync_period: Duration) -> Self
    where
        T: MetaAccess<V>,
    {
        let indexers = Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<T, V>);
        Self::with_options(
            lw,
            SharedIndexInformerOptions { resync_period, indexers, ..Default::default() },
        )
    }

    /// An informer over `lw` built from `options`.
    pub fn with_options<V: 'static>(
        lw: Arc<dyn ListerWatcher<T>>,
        options: SharedIndexInformerOptions<T>,
    ) -> Self
    where
        T: MetaAccess<V>,
    {
        let key_func: KeyFunc<T> = Arc::new(meta_namespace_key_func::<T, V>);
        let indexer = Arc::new(Indexer::new(meta_namespace_key_func::<T, V>, options.indexers));
        Self {
            indexer,
            lw,
            meta: <T as MetaAccess<V>>::meta,
            key_func,
            processor: Arc::new(Processor::new()),
            state: Mutex::new(InformerState {
                started: false,
                stopped: false,
                resync_check_period: options.resync_period,
                transform: None,
                reflector_options: options.reflector,
                reflector: None,
            }),
            block_deltas: Mutex::new(()),
            synced: watch::Sender::new(false),
            default_handler_resync: options.resync_period,
            next_listener_id: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, InformerState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cache.
    pub fn get_indexer(&self) -> Arc<Indexer<T>> {
        Arc::clone(&self.indexer)
    }

    /// The cache (the same [`Indexer`] as [`SharedIndexInformer::get_indexer`]).
    pub fn get_store(&self) -> Arc<Indexer<T>> {
        self.get_indexer()
    }

    /// A lister over the cache.
    pub fn lister(&self) -> Lister<T> {
        Lister::new(self.get_indexer())
    }

    /// Registers more index functions; refused once the informer has stopped.
    pub fn add_indexers(&self, indexers: Indexers<T>) -> Result<(), InformerError> {
        let state = self.lock();
        if state.stopped {
            return Err(InformerError::IndexerAfterStop);
        }
        self.indexer.add_indexers(indexers)?;
        Ok(())
    }

    /// Rewrites every object before it is cached or handed to handlers (typically to drop
    /// fields such as `managedFields`); only before [`SharedIndexInformer::run`].
    pub fn set_transform(
        &self,
        transform: impl Fn(Arc<T>) -> Result<Arc<T>, BoxError> + Send + Sync + 'static,
    ) -> Result<(), InformerError> {
        let mut state = self.lock();
        if state.started {
            return Err(InformerError::AlreadyStarted);
        }
        state.transform = Some(Arc::new(transform));
        Ok(())
    }

    /// Replaces the reflector's options (its resync settings excepted); only before
    /// [`SharedIndexInformer::run`].
    pub fn set_reflector_options(&self, options: ReflectorOptions) -> Result<(), InformerError> {
        let mut state = self.lock();
        if state.started {
            return Err(InformerError::AlreadyStarted);
        }
        state.reflector_options = options;
        Ok(())
    }

    /// Whether [`SharedIndexInformer::run`] was called.
    pub fn has_started(&self) -> bool {
        self.lock().started
    }

    /// Whether the informer ran and stopped.
    pub fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    /// True once the initial list has been applied to the cache (and handed to the handlers'
    /// queues).
    pub fn has_synced(&self) -> bool {
        *self.synced.borrow()
    }

    /// Waits until [`SharedIndexInformer::has_synced`]; false if `stop` fires first.
    pub async fn wait_for_sync(&self, stop: &CancellationToken) -> bool {
        let mut rx = self.synced.subscribe();
        tokio::select! {
            res = rx.wait_for(|synced| *synced) => res.is_ok(),
            _ = stop.cancelled() => self.has_synced(),
        }
    }

    /// The resourceVersion the reflector last synced to; empty before the informer runs.
    pub fn last_sync_resource_version(&self) -> String {
        self.lock().reflector.as_ref().map(|r| r.last_sync_resource_version()).unwrap_or_default()
    }

    /// Adds a handler with the informer's default resync period. See
    /// [`SharedIndexInformer::add_event_handler_with_resync_period`].
    pub fn add_event_handler(
        &self,
        handler: impl ResourceEventHandler<T> + 'static,
    ) -> Result<HandlerRegistration, InformerError> {
        self.add_event_handler_with_resync_period(handler, self.default_handler_resync)
    }

    /// Adds a handler that also gets every cached object re-delivered as an update every
    /// `resync_period` (zero: never; at least [`MINIMUM_RESYNC_PERIOD`]). Before the informer
    /// runs, a period shorter than the informer's check period shortens that period; after, it
    /// is raised to it. A handler added to a running informer first gets an add for every
    /// object already cached. Refused once the informer has stopped.
    pub fn add_event_handler_with_resync_period(
        &self,
        handler: impl ResourceEventHandler<T> + 'static,
        resync_period: Duration,
    ) -> Result<HandlerRegistration, InformerError> {
        let mut state = self.lock();
        if state.stopped {
            return Err(InformerError::HandlerAfterStop);
        }
        let mut resync = resync_period;
        if !resync.is_zero() {
            if resync < MINIMUM_RESYNC_PERIOD {
                tracing::warn!(
                    resync_period = ?resync,
                    "resync period is too small. Changing it to the minimum allowed value"
                );
                resync = MINIMUM_RESYNC_PERIOD;
            }
            if resync < state.resync_check_period {
                if state.started {
                    tracing::warn!(
                        resync_period = ?resync,
                        resync_check_period = ?state.resync_check_period,
                        "resync period is smaller than resync check period and the informer has already started. Changing it to the resync check period"
                    );
                    resync = state.resync_check_period;
                } else {
                    state.resync_check_period = resync;
                    self.processor.resync_check_period_changed(resync);
                }
            }
        }
        let period = determine_resync_period(resync, state.resync_check_period);
        let shared = Arc::new(ListenerShared {
            id: self.next_listener_id.fetch_add(1, Ordering::Relaxed),
            tracker: SyncTracker::default(),
            finished: watch::Sender::new(false),
        });
        let listener = Arc::new(Listener {
            shared: Arc::clone(&shared),
            handler: Box::new(handler),
            queue: Mutex::new(ListenerQueue { items: VecDeque::new(), closed: false }),
            ready: Notify::new(),
            requested_resync: resync,
            resync: Mutex::new(ResyncSchedule { period, next: Instant::now() + period }),
            syncing: AtomicBool::new(false),
        });
        let registration = HandlerRegistration { shared: Arc::clone(&shared) };
        if !state.started {
            self.processor.add(listener);
            return Ok(registration);
        }
        let _block = self.block_deltas.lock().unwrap_or_else(|e| e.into_inner());
        self.processor.add(Arc::clone(&listener));
        for obj in self.indexer.list() {
            listener.add(Notification::Add(obj, true));
        }
        self.processor.arm(shared.id);
        Ok(registration)
    }

    /// Removes a handler: it gets no further notifications and its queue shuts down
    /// (see [`HandlerRegistration::wait_shutdown`]). Unknown registrations are ignored.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) {
        let _state = self.lock();
        let _block = self.block_deltas.lock().unwrap_or_else(|e| e.into_inner());
        self.processor.remove(registration.shared.id);
    }

    fn rv_of(&self, obj: &T) -> String {
        (self.meta)(obj).map(|m| m.resource_version.to_string()).unwrap_or_default()
    }

    /// Applies one object's deltas to the cache and notifies the handlers (upstream's
    /// `processDeltas`). Runs under the queue's lock.
    fn handle_deltas(
        &self,
        deltas: &Deltas<T>,
        is_in_initial_list: bool,
    ) -> Result<(), ProcessError> {
        let _block = self.block_deltas.lock().unwrap_or_else(|e| e.into_inner());
        for delta in deltas.iter() {
            match delta.delta_type {
                DeltaType::Sync | DeltaType::Replaced | DeltaType::Added | DeltaType::Updated => {
                    let DeltaObject::Object(obj) = &delta.object else {
                        tracing::error!(delta_type = %delta.delta_type, "delta carries a tombstone; ignoring");
                        continue;
                    };
                    match self.indexer.get(obj).map_err(process_error)? {
                        Some(old) => {
                            self.indexer.update(Arc::clone(obj)).map_err(process_error)?;
                            // An unchanged version means a resync or an unchanged relisted
                            // object: only handlers due a resync want it.
                            let is_sync = self.rv_of(&old) == self.rv_of(obj);
                            self.processor
                                .distribute(&Notification::Update(old, Arc::clone(obj)), is_sync);
                        }
                        None => {
                            self.indexer.add(Arc::clone(obj)).map_err(process_error)?;
                            self.processor.distribute(
                                &Notification::Add(Arc::clone(obj), is_in_initial_list),
                                false,
                            );
                        }
                    }
                }
                DeltaType::Deleted => {
                    self.indexer.delete(delta.object.clone()).map_err(process_error)?;
                    self.processor.distribute(&Notification::Delete(delta.object.clone()), false);
                }
            }
        }
        Ok(())
    }

    /// Runs the informer until `stop` fires: lists and watches, keeps the cache, notifies the
    /// handlers. A second call returns at once. After it returns the informer is stopped:
    /// handlers can no longer be added.
    pub async fn run(&self, stop: CancellationToken) {
        let (fifo, reflector) = {
            let mut state = self.lock();
            if state.started {
                tracing::warn!(
                    "the sharedIndexInformer has started, run more than once is not allowed"
                );
                return;
            }
            let known: Arc<dyn KeyListerGetter<T>> = self.indexer.clone();
            let key_func = Arc::clone(&self.key_func);
            let mut opts = DeltaFifoOptions::new(move |obj: &T| key_func(obj))
                .known_objects(known)
                .emit_delta_type_replaced(true);
            if let Some(transform) = state.transform.clone() {
                opts = opts.transformer(move |obj| transform(obj));
            }
            let fifo = Arc::new(DeltaFIFO::with_options(opts));
            let mut reflector_options = state.reflector_options.clone();
            reflector_options.resync_period = state.resync_check_period;
            let processor = Arc::clone(&self.processor);
            reflector_options.should_resync = Some(Arc::new(move || processor.should_resync()));
            let store: Arc<dyn ReflectorStore<T>> = fifo.clone();
            let reflector = Arc::new(Reflector::with_meta_fn(
                Arc::clone(&self.lw),
                store,
                self.meta,
                reflector_options,
            ));
            state.reflector = Some(Arc::clone(&reflector));
            state.started = true;
            (fifo, reflector)
        };
        self.processor.start(Handle::current());

        // The queue syncs inside a pop whose callback runs before the pop returns, and both
        // futures below are polled by this one task: by the time `watch_synced` sees the
        // queue synced, the last initial delta is in the cache and in the handlers' queues.
        let watch_synced = async {
            fifo.wait_for_sync().await;
            self.synced.send_replace(true);
            self.processor.mark_upstream_synced();
            std::future::pending::<()>().await;
        };
        let process = async {
            loop {
                let popped = tokio::select! {
                    _ = stop.cancelled() => break,
                    res = fifo.pop(|deltas, initial| self.handle_deltas(deltas, initial)) => res,
                };
                match popped {
                    Ok(_) => {}
                    Err(CacheError::FifoClosed) => break,
                    Err(err) => tracing::error!(%err, "processing deltas"),
                }
            }
        };
        let consume = async {
            tokio::select! {
                _ = process => {}
                _ = watch_synced => {}
            }
        };
        tokio::join!(reflector.run(stop.clone()), consume);
        fifo.close();
        self.lock().stopped = true;
        let tasks = self.processor.stop();
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// Waits until every condition holds, checking every [`SYNCED_POLL_PERIOD`]; false if `stop`
/// fires first (upstream's `WaitForCacheSync`).
pub async fn wait_for_cache_sync(
    stop: &CancellationToken,
    cache_syncs: &[&(dyn Fn() -> bool + Send + Sync)],
) -> bool {
    loop {
        if cache_syncs.iter().all(|synced| synced()) {
            return true;
        }
        tokio::select! {
            _ = stop.cancelled() => return false,
            _ = tokio::time::sleep(SYNCED_POLL_PERIOD) => {}
        }
    }
}

/// [`wait_for_cache_sync`] with log lines naming the waiting controller.
pub async fn wait_for_named_cache_sync(
    controller: &str,
    stop: &CancellationToken,
    cache_syncs: &[&(dyn Fn() -> bool + Send + Sync)],
) -> bool {
    tracing::info!(controller, "Waiting for caches to sync");
    if !wait_for_cache_sync(stop, cache_syncs).await {
        tracing::error!(controller, "Unable to sync caches");
        return false;
    }
    tracing::info!(controller, "Caches are synced");
    true
}

#[cfg(test)]
#[path = "informer_tests.rs"]
pub(crate) mod tests;
