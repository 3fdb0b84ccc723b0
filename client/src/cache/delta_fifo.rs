//! [`DeltaFIFO`]: a queue of per-object change lists (deltas), the hand-off point between a
//! reflector (producer) and an informer's processing loop (consumer).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, watch};

use crate::cache::{
    CacheError, DeletedFinalStateUnknown, DeltaObject, KeyFunc, KeyListerGetter, ReflectorStore,
};

/// Boxed error carried by process callbacks and transformers.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Rewrites an object before it is stored or queued (upstream's `TransformFunc`).
pub type TransformFunc<T> = Arc<dyn Fn(Arc<T>) -> Result<Arc<T>, BoxError> + Send + Sync>;

/// Kind of change a [`Delta`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeltaType {
    /// The object was created.
    Added,
    /// The object changed.
    Updated,
    /// The object was deleted (possibly carrying a tombstone).
    Deleted,
    /// The object was part of a re-list (only with `emit_delta_type_replaced`).
    Replaced,
    /// A periodic resync, or a re-list without `emit_delta_type_replaced`.
    Sync,
}

impl DeltaType {
    /// Upstream's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            DeltaType::Added => "Added",
            DeltaType::Updated => "Updated",
            DeltaType::Deleted => "Deleted",
            DeltaType::Replaced => "Replaced",
            DeltaType::Sync => "Sync",
        }
    }
}

impl fmt::Display for DeltaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change to one object.
#[derive(Debug, PartialEq)]
pub struct Delta<T> {
    /// What happened.
    pub delta_type: DeltaType,
    /// The object after the change (for deletions: its last state or a tombstone).
    pub object: DeltaObject<T>,
}

impl<T> Clone for Delta<T> {
    fn clone(&self) -> Self {
        Self { delta_type: self.delta_type, object: self.object.clone() }
    }
}

impl<T> Delta<T> {
    /// A delta of type `delta_type` about `object`.
    pub fn new(delta_type: DeltaType, object: impl Into<DeltaObject<T>>) -> Self {
        Self { delta_type, object: object.into() }
    }
}

/// The changes to one object that accumulated while it waited in the queue, oldest first.
/// Never empty when handed out by [`DeltaFIFO::pop`].
#[derive(Debug, PartialEq)]
pub struct Deltas<T>(Vec<Delta<T>>);

impl<T> Clone for Deltas<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Default for Deltas<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Deref for Deltas<T> {
    type Target = [Delta<T>];
    fn deref(&self) -> &[Delta<T>] {
        &self.0
    }
}

impl<T> From<Vec<Delta<T>>> for Deltas<T> {
    fn from(deltas: Vec<Delta<T>>) -> Self {
        Self(deltas)
    }
}

impl<T> IntoIterator for Deltas<T> {
    type Item = Delta<T>;
    type IntoIter = std::vec::IntoIter<Delta<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T> Deltas<T> {
    /// The first change.
    pub fn oldest(&self) -> Option<&Delta<T>> {
        self.0.first()
    }

    /// The latest change.
    pub fn newest(&self) -> Option<&Delta<T>> {
        self.0.last()
    }

    /// The changes as a vector.
    pub fn into_vec(self) -> Vec<Delta<T>> {
        self.0
    }
}

/// How a [`DeltaFIFO::pop`] callback can fail.
#[derive(Debug)]
pub enum ProcessError {
    /// Put the popped deltas back (unless newer ones arrived meanwhile), then report the
    /// inner error, or succeed when there is none (upstream's `ErrRequeue`).
    Requeue(Option<BoxError>),
    /// Processing failed; the deltas are dropped.
    Failed(BoxError),
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Requeue(None) => {
                f.write_str("the popped item should be requeued without returning an error")
            }
            ProcessError::Requeue(Some(err)) | ProcessError::Failed(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ProcessError {}

/// Construction options for [`DeltaFIFO`].
pub struct DeltaFifoOptions<T> {
    key_func: KeyFunc<T>,
    known_objects: Option<Arc<dyn KeyListerGetter<T>>>,
    emit_delta_type_replaced: bool,
    transformer: Option<TransformFunc<T>>,
}

impl<T> DeltaFifoOptions<T> {
    /// Options keying objects with `key_func` (usually
    /// [`crate::cache::meta_namespace_key_func`]), no known objects, Sync deltas on replace.
    pub fn new(
        key_func: impl Fn(&T) -> Result<String, CacheError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            key_func: Arc::new(key_func),
            known_objects: None,
            emit_delta_type_replaced: false,
            transformer: None,
        }
    }

    /// The objects the consumer already holds (usually its [`crate::cache::Indexer`]); used to
    /// detect deletions missed across a re-list and to resync.
    pub fn known_objects(mut self, known: Arc<dyn KeyListerGetter<T>>) -> Self {
        self.known_objects = Some(known);
        self
    }

    /// Rewrite objects (typically to strip fields and save memory) before they are queued.
    /// Tombstones and resync deltas are never transformed: their objects already were.
    pub fn transformer(
        mut self,
        transformer: impl Fn(Arc<T>) -> Result<Arc<T>, BoxError> + Send + Sync + 'static,
    ) -> Self {
        self.transformer = Some(Arc::new(transformer));
        self
    }

    /// Emit [`DeltaType::Replaced`] instead of [`DeltaType::Sync`] for re-listed objects.
    pub fn emit_delta_type_replaced(mut self, emit: bool) -> Self {
        self.emit_delta_type_replaced = emit;
        self
    }
}

struct State<T> {
    items: HashMap<String, Vec<Delta<T>>>,
    queue: VecDeque<String>,
    // Set by the first Add/Update/Delete/Replace.
    populated: bool,
    // Items of the first Replace not yet popped.
    initial_population_count: usize,
    closed: bool,
}

/// A producer/consumer queue of [`Deltas`], one entry per object key, in first-change order.
///
/// Each key is queued at most once; later changes append to its deltas. A popped key is out
/// of the queue while its callback runs, so no object is ever processed twice concurrently.
pub struct DeltaFIFO<T> {
    state: Mutex<State<T>>,
    notify: Notify,
    synced: watch::Sender<bool>,
    key_func: KeyFunc<T>,
    known_objects: Option<Arc<dyn KeyListerGetter<T>>>,
    emit_delta_type_replaced: bool,
    transformer: Option<TransformFunc<T>>,
}

impl<T> fmt::Debug for DeltaFIFO<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("DeltaFIFO")
            .field("queue", &state.queue)
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}

/// Keeps the newer of two consecutive deletions, preferring a real object over a tombstone.
fn dedup_deltas<T>(deltas: &mut Vec<Delta<T>>) {
    let n = deltas.len();
    if n < 2 {
        return;
    }
    let (older, newer) = (&deltas[n - 2], &deltas[n - 1]);
    if older.delta_type != DeltaType::Deleted || newer.delta_type != DeltaType::Deleted {
        return;
    }
    if older.object.tombstone().is_some() {
        deltas.swap(n - 2, n - 1);
    }
    deltas.pop();
}

impl<T> DeltaFIFO<T> {
    /// A queue keyed by `key_func`, consulting `known_objects` (if any).
    pub fn new(
        key_func: impl Fn(&T) -> Result<String, CacheError> + Send + Sync + 'static,
        known_objects: Option<Arc<dyn KeyListerGetter<T>>>,
    ) -> Self {
        let mut opts = DeltaFifoOptions::new(key_func);
        opts.known_objects = known_objects;
        Self::with_options(opts)
    }

    /// A queue built from `opts`.
    pub fn with_options(opts: DeltaFifoOptions<T>) -> Self {
        Self {
            state: Mutex::new(State {
                items: HashMap::new(),
                queue: VecDeque::new(),
                populated: false,
                initial_population_count: 0,
                closed: false,
            }),
            notify: Notify::new(),
            synced: watch::Sender::new(false),
            key_func: opts.key_func,
            known_objects: opts.known_objects,
            emit_delta_type_replaced: opts.emit_delta_type_replaced,
            transformer: opts.transformer,
        }
    }

    // Every critical section leaves the state consistent before anything that could
    // panic (user callbacks run last), so a poisoned lock is taken over.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_synced(&self, state: &State<T>) {
        if state.populated && state.initial_population_count == 0 && !*self.synced.borrow() {
            self.synced.send_replace(true);
        }
    }

    /// The key of `obj`; a tombstone yields its stored key.
    pub fn key_of(&self, obj: &DeltaObject<T>) -> Result<String, CacheError> {
        obj.key_with(&*self.key_func)
    }

    /// The key of the object the newest of `deltas` is about.
    pub fn key_of_deltas(&self, deltas: &Deltas<T>) -> Result<String, CacheError> {
        match deltas.newest() {
            Some(delta) => self.key_of(&delta.object),
            None => Err(CacheError::Key(Box::new(CacheError::ZeroLengthDeltas))),
        }
    }

    fn queue_action(
        &self,
        state: &mut State<T>,
        delta_type: DeltaType,
        obj: DeltaObject<T>,
    ) -> Result<(), CacheError> {
        self.queue_action_internal(state, delta_type, delta_type, obj)
    }

    /// `internal` differs from `delta_type` only for re-listed objects, which are transformed
    /// even when recorded as Sync.
    fn queue_action_internal(
        &self,
        state: &mut State<T>,
        delta_type: DeltaType,
        internal: DeltaType,
        obj: DeltaObject<T>,
    ) -> Result<(), CacheError> {
        let id = self.key_of(&obj).map_err(|e| CacheError::Key(Box::new(e)))?;
        let obj = match (obj, &self.transformer) {
            (DeltaObject::Object(o), Some(transform)) if internal != DeltaType::Sync => {
                DeltaObject::Object(transform(o).map_err(CacheError::TransformFailed)?)
            }
            (obj, _) => obj,
        };
        let delta = Delta { delta_type, object: obj };
        match state.items.get_mut(&id) {
            Some(deltas) => {
                deltas.push(delta);
                dedup_deltas(deltas);
            }
            None => {
                state.items.insert(id.clone(), vec![delta]);
                state.queue.push_back(id);
            }
        }
        self.notify.notify_waiters();
        Ok(())
    }

    fn mark_populated(&self, state: &mut State<T>) {
        state.populated = true;
        self.check_synced(state);
    }

    /// Queues an [`DeltaType::Added`] delta.
    pub fn add(&self, obj: Arc<T>) -> Result<(), CacheError> {
        let mut state = self.lock();
        self.mark_populated(&mut state);
        self.queue_action(&mut state, DeltaType::Added, obj.into())
    }

    /// Queues an [`DeltaType::Updated`] delta.
    pub fn update(&self, obj: Arc<T>) -> Result<(), CacheError> {
        let mut state = self.lock();
        self.mark_populated(&mut state);
        self.queue_action(&mut state, DeltaType::Updated, obj.into())
    }

    /// Queues a [`DeltaType::Deleted`] delta, unless the object is unknown both to the queue
    /// and to the known objects (then there is nothing to tell the consumer).
    pub fn delete(&self, obj: impl Into<DeltaObject<T>>) -> Result<(), CacheError> {
        let obj = obj.into();
        let id = self.key_of(&obj).map_err(|e| CacheError::Key(Box::new(e)))?;
        let mut state = self.lock();
        self.mark_populated(&mut state);
        let queued = state.items.contains_key(&id);
        match &self.known_objects {
            None if !queued => return Ok(()),
            Some(known) if !queued && matches!(known.get_by_key(&id), Ok(None)) => return Ok(()),
            _ => {}
        }
        self.queue_action(&mut state, DeltaType::Deleted, obj)
    }

    /// Takes in a full list: queues a [`DeltaType::Sync`] (or [`DeltaType::Replaced`]) delta
    /// for each object, and a [`DeltaType::Deleted`] tombstone for every key that is queued
    /// or known but absent from `list`.
    pub fn replace(&self, list: Vec<Arc<T>>, _resource_version: &str) -> Result<(), CacheError> {
        let mut state = self.lock();
        let action =
            if self.emit_delta_type_replaced { DeltaType::Replaced } else { DeltaType::Sync };
        let mut keys = HashSet::with_capacity(list.len());
        for obj in list {
            let key = (self.key_func)(&obj).map_err(|e| CacheError::Key(Box::new(e)))?;
            keys.insert(key);
            self.queue_action_internal(&mut state, action, DeltaType::Replaced, obj.into())
                .map_err(|e| CacheError::Enqueue(Box::new(e)))?;
        }

        let mut queued_deletions = 0;
        // Queue order rather than map order keeps the tombstones' order deterministic.
        let queued: Vec<String> = state.queue.iter().cloned().collect();
        for key in queued {
            if keys.contains(&key) {
                continue;
            }
            let last = state
                .items
                .get(&key)
                .and_then(|deltas| deltas.last())
                .and_then(|delta| delta.object.object().cloned());
            queued_deletions += 1;
            let tombstone = DeletedFinalStateUnknown { key, obj: last };
            self.queue_action(&mut state, DeltaType::Deleted, tombstone.into())?;
        }

        if let Some(known) = &self.known_objects {
            for key in known.list_keys() {
                if keys.contains(&key) || state.items.get(&key).is_some_and(|d| !d.is_empty()) {
                    continue;
                }
                let last = match known.get_by_key(&key) {
                    Ok(Some(obj)) => Some(obj),
                    Ok(None) => {
                        tracing::info!(
                            key,
                            "Key does not exist in known objects store, placing DeleteFinalStateUnknown marker without object"
                        );
                        None
                    }
                    Err(err) => {
                        tracing::error!(key, %err, "Unexpected error during lookup, placing DeleteFinalStateUnknown marker without object");
                        None
                    }
                };
                queued_deletions += 1;
                let tombstone = DeletedFinalStateUnknown { key, obj: last };
                self.queue_action(&mut state, DeltaType::Deleted, tombstone.into())?;
            }
        }

        if !state.populated {
            state.populated = true;
            state.initial_population_count = keys.len() + queued_deletions;
            self.check_synced(&state);
        }
        Ok(())
    }

    /// Queues a [`DeltaType::Sync`] delta for every known object that has nothing queued.
    pub fn resync(&self) -> Result<(), CacheError> {
        let Some(known) = &self.known_objects else {
            return Ok(());
        };
        let mut state = self.lock();
        for key in known.list_keys() {
            let obj = match known.get_by_key(&key) {
                Ok(Some(obj)) => obj,
                Ok(None) => {
                    tracing::info!(
                        key,
                        "Key does not exist in known objects store, unable to queue object for sync"
                    );
                    continue;
                }
                Err(err) => {
                    tracing::error!(key, %err, "Unexpected error during lookup, unable to queue object for sync");
                    continue;
                }
            };
            let id = (self.key_func)(&obj).map_err(|e| CacheError::Key(Box::new(e)))?;
            if state.items.get(&id).is_some_and(|d| !d.is_empty()) {
                continue;
            }
            self.queue_action(&mut state, DeltaType::Sync, obj.into())
                .map_err(|e| CacheError::QueueObject(Box::new(e)))?;
        }
        Ok(())
    }

    /// Waits for the first queued key, removes it and hands its deltas to `process` (with
    /// whether they belong to the initial list), under the queue lock so that producers and
    /// resyncs observe the consumer's store update atomically. `process` must therefore be
    /// quick and must not call back into this queue.
    ///
    /// Returns the deltas, `process`'s error, or [`CacheError::FifoClosed`] once the queue is
    /// closed and empty.
    pub async fn pop<F>(&self, process: F) -> Result<Deltas<T>, CacheError>
    where
        F: FnOnce(&Deltas<T>, bool) -> Result<(), ProcessError>,
    {
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before looking at the queue, so a wake-up in between is not lost.
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                while let Some(id) = state.queue.pop_front() {
                    let is_in_initial_list = !*self.synced.borrow();
                    if state.initial_population_count > 0 {
                        state.initial_population_count -= 1;
                        self.check_synced(&state);
                    }
                    let Some(deltas) = state.items.remove(&id) else {
                        tracing::error!(
                            id,
                            "Inconceivable! Item was in queue but not in items; ignoring"
                        );
                        continue;
                    };
                    let deltas = Deltas(deltas);
                    return match process(&deltas, is_in_initial_list) {
                        Ok(()) => Ok(deltas),
                        Err(ProcessError::Requeue(err)) => {
                            // Deltas that arrived while processing supersede the popped ones.
                            state.populated = true;
                            if !state.items.contains_key(&id) {
                                state.items.insert(id.clone(), deltas.0.clone());
                                state.queue.push_back(id);
                                self.notify.notify_waiters();
                            }
                            match err {
                                None => Ok(deltas),
                                Some(err) => Err(CacheError::Process(err)),
                            }
                        }
                        Err(ProcessError::Failed(err)) => Err(CacheError::Process(err)),
                    };
                }
                if state.closed {
                    return Err(CacheError::FifoClosed);
                }
            }
            notified.await;
        }
    }

    /// Closes the queue: pending and future pops on an empty queue return
    /// [`CacheError::FifoClosed`].
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
    }

    /// Whether [`DeltaFIFO::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// True once something was added, or the first [`DeltaFIFO::replace`]'s items (and its
    /// deletions) have all been popped.
    ///
    /// Takes the queue lock, as `pop` runs its callback under it: the flag flips before the last
    /// initial item is processed, and the lock keeps callers from seeing it until that is done.
    /// Must not be called from inside a `pop` callback.
    pub fn has_synced(&self) -> bool {
        let _state = self.lock();
        *self.synced.borrow()
    }

    /// Resolves once [`DeltaFIFO::has_synced`] is true.
    pub async fn wait_for_sync(&self) {
        let mut rx = self.synced.subscribe();
        // The sender lives in `self`, so it cannot be dropped while borrowed here.
        let _ = rx.wait_for(|synced| *synced).await;
    }

    /// Queued keys, in pop order.
    pub fn list_keys(&self) -> Vec<String> {
        self.lock().queue.iter().cloned().collect()
    }

    /// The newest object of every queued key, in pop order.
    pub fn list(&self) -> Vec<DeltaObject<T>> {
        let state = self.lock();
        state
            .queue
            .iter()
            .filter_map(|k| state.items.get(k))
            .filter_map(|d| d.last())
            .map(|d| d.object.clone())
            .collect()
    }

    /// A copy of the deltas queued for `key`.
    pub fn get_by_key(&self, key: &str) -> Option<Deltas<T>> {
        self.lock().items.get(key).map(|d| Deltas(d.clone()))
    }

    /// Number of queued keys.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.lock().queue.is_empty()
    }
}

impl<T: Send + Sync> ReflectorStore<T> for DeltaFIFO<T> {
    fn add(&self, obj: Arc<T>) -> Result<(), CacheError> {
        DeltaFIFO::add(self, obj)
    }

    fn update(&self, obj: Arc<T>) -> Result<(), CacheError> {
        DeltaFIFO::update(self, obj)
    }

    fn delete(&self, obj: DeltaObject<T>) -> Result<(), CacheError> {
        DeltaFIFO::delete(self, obj)
    }

    fn replace(&self, list: Vec<Arc<T>>, resource_version: &str) -> Result<(), CacheError> {
        DeltaFIFO::replace(self, list, resource_version)
    }

    fn resync(&self) -> Result<(), CacheError> {
        DeltaFIFO::resync(self)
    }
}
