//! The default storage backend: an embedded redb database with etcd's MVCC model.
//!
//! Layout: `revisions` maps each revision to the record written at it (key, create revision,
//! value or tombstone); `key_revisions` maps `(key, revision)` to a put/tombstone flag, the
//! per-key history used for reads at older revisions; `meta` holds the current and compacted
//! revisions. The current state is also kept in memory (rebuilt on open) so reads at the current
//! revision never touch the disk; its values are the shared buffers every read and event hands
//! out. redb's own page cache is therefore kept small ([`EmbeddedOptions::cache_size`]): it only
//! serves the writer's B-tree updates and reads of history, and the OS page cache sits below it.
//!
//! Writes go through one writer thread that drains a bounded queue, applies everything queued in
//! one durable transaction (group commit), updates the in-memory state, publishes events to
//! watchers, and only then acknowledges each write.
//!
//! Compaction deletes superseded revisions; redb reuses the freed pages but never returns them
//! to the file system, so when the file is left mostly free afterwards the writer shrinks it
//! (`Database::compact`) while holding exclusive access, which pauses writes and new reads.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redb::{
    CompactionError, Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable,
    TableDefinition,
};
use tokio::sync::{mpsc, oneshot};

use super::{
    Bytes, KeyValue, ListOptions, ListResult, Storage, StorageError, StorageFuture, Watch,
    WatchEvent, decode_continue, encode_continue, recursive_prefix, validate_key,
};

const REVISIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("revisions");
const KEY_REVISIONS: TableDefinition<(&str, u64), u8> = TableDefinition::new("key_revisions");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

const META_REVISION: &str = "revision";
const META_COMPACTED: &str = "compacted";
const FLAG_PUT: u8 = 0;
const FLAG_TOMBSTONE: u8 = 1;
const DB_FILE: &str = "storage.redb";
/// redb reuses freed pages but never returns them to the file system on its own, so after a
/// compaction the file is shrunk once it is this many times the pages still in use...
const SHRINK_FACTOR: u64 = 2;
/// ...and larger than this, so small stores are never paused for a few spare megabytes.
const SHRINK_MIN_BYTES: u64 = 8 << 20;

const LIST_EXPIRED: &str = "The resourceVersion for the provided list is too old.";
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// Tuning knobs of [`Embedded`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedOptions {
    /// Events buffered per watcher before it counts as too slow and is terminated.
    pub watch_buffer: usize,
    /// Writes that may wait for the writer before callers are made to wait.
    pub write_queue: usize,
    /// The most writes committed in one transaction.
    pub max_batch: usize,
    /// When set, an idle watcher gets a [`WatchEvent::Bookmark`] at the current revision this
    /// often (etcd's progress notification); `None` sends none.
    pub progress_interval: Option<Duration>,
    /// Bytes of redb's page cache (written pages stay there too). Current values are served from
    /// memory already, so this only needs to hold the pages a commit touches.
    pub cache_size: usize,
}

/// The default [`EmbeddedOptions::cache_size`]: redb's own default (1 GiB) would keep a second
/// copy of every stored value in memory.
pub const DEFAULT_CACHE_SIZE: usize = 1 << 20;

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            watch_buffer: 1024,
            write_queue: 1024,
            max_batch: 512,
            progress_interval: None,
            cache_size: DEFAULT_CACHE_SIZE,
        }
    }
}

/// The embedded redb backend; see the module docs.
pub struct Embedded {
    shared: Arc<Shared>,
    requests: Mutex<Option<mpsc::Sender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    /// Exclusive access is taken only to shrink the file; everything else shares it.
    db: RwLock<Database>,
    path: PathBuf,
    state: Mutex<State>,
    watch_buffer: usize,
    progress_interval: Option<Duration>,
    /// Wakes every watcher to send a bookmark (see `Storage::request_progress`).
    progress_requested: tokio::sync::Notify,
}

#[derive(Clone)]
struct Live {
    value: Bytes,
    create_revision: u64,
    mod_revision: u64,
}

struct State {
    /// A key written since start shares its allocation with its watch events, which the watch
    /// cache keeps as its own key.
    current: BTreeMap<Arc<str>, Live>,
    revision: u64,
    compacted: u64,
    watchers: Vec<WatcherSlot>,
}

struct WatcherSlot {
    filter: KeyFilter,
    tx: mpsc::Sender<WatchEvent>,
    overflowed: Arc<AtomicBool>,
}

#[derive(Clone)]
enum KeyFilter {
    Exact(String),
    Prefix(String),
}

impl KeyFilter {
    fn new(key: &str, recursive: bool) -> Self {
        if recursive {
            KeyFilter::Prefix(recursive_prefix(key))
        } else {
            KeyFilter::Exact(key.to_string())
        }
    }

    fn matches(&self, key: &str) -> bool {
        match self {
            KeyFilter::Exact(k) => k == key,
            KeyFilter::Prefix(p) => key.starts_with(p.as_str()),
        }
    }

    /// Where a scan over matching keys starts.
    fn start(&self) -> &str {
        match self {
            KeyFilter::Exact(k) | KeyFilter::Prefix(k) => k,
        }
    }
}

/// A queued operation; values arrive as the caller's buffers and are sealed by the writer.
enum Op<V = Vec<u8>> {
    Create { key: String, value: V },
    Update { key: String, expected: Option<u64>, value: V },
    Delete { key: String, expected: Option<u64> },
    Compact { revision: u64 },
}

impl Op {
    /// Copies the value into an allocation of exactly its size, made on the writer thread. That
    /// copy is what the store, the watch caches and every watcher then share for as long as the
    /// revision lives, so it should sit among the writer's other long-lived data rather than in
    /// the middle of the temporaries of the request that produced it, where it would keep the
    /// allocator's pages of those temporaries resident. (It also drops a serializer's spare
    /// capacity.)
    fn seal(self) -> Op<Bytes> {
        match self {
            Op::Create { key, value } => Op::Create { key, value: Bytes::copy_from_slice(&value) },
            Op::Update { key, expected, value } => {
                Op::Update { key, expected, value: Bytes::copy_from_slice(&value) }
            }
            Op::Delete { key, expected } => Op::Delete { key, expected },
            Op::Compact { revision } => Op::Compact { revision },
        }
    }
}

enum Reply {
    Revision(u64),
    Deleted(KeyValue),
    Done,
}

type ReplyTx = oneshot::Sender<Result<Reply, StorageError>>;

struct Request {
    op: Op,
    reply: ReplyTx,
}

/// One committed change, as the writer publishes it.
struct Change {
    key: String,
    revision: u64,
    create_revision: u64,
    /// `None` for a deletion.
    value: Option<Bytes>,
    prev: Option<Bytes>,
}

/// A stored revision record.
struct Record {
    key: String,
    create_revision: u64,
    value: Option<Bytes>,
}

fn internal(e: impl Into<redb::Error>) -> StorageError {
    StorageError::Internal(e.into().to_string())
}

impl Shared {
    /// Shared access to the database; see [`shrink_if_sparse`] for the exclusive one.
    fn db(&self) -> RwLockReadGuard<'_, Database> {
        // The lock guards no invariant of its own, so a poisoned one is still usable.
        self.db.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind, still consistent at each step.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn encode_record(key: &str, create_revision: u64, value: Option<&[u8]>) -> Vec<u8> {
    let value_len = value.map_or(0, <[u8]>::len);
    let mut out = Vec::with_capacity(1 + 8 + 4 + key.len() + value_len);
    out.push(if value.is_some() { FLAG_PUT } else { FLAG_TOMBSTONE });
    out.extend_from_slice(&create_revision.to_le_bytes());
    // Keys longer than u32::MAX are impossible here: they arrive through HTTP paths.
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    if let Some(v) = value {
        out.extend_from_slice(v);
    }
    out
}

fn decode_record(revision: u64, data: &[u8]) -> Result<Record, StorageError> {
    let corrupt = || StorageError::Internal(format!("corrupt record at revision {revision}"));
    let flag = *data.first().ok_or_else(corrupt)?;
    let create: [u8; 8] = data.get(1..9).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
    let key_len: [u8; 4] = data.get(9..13).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
    let key_end = 13usize.checked_add(u32::from_le_bytes(key_len) as usize).ok_or_else(corrupt)?;
    let key = data.get(13..key_end).ok_or_else(corrupt)?;
    let key = String::from_utf8(key.to_vec()).map_err(|_| corrupt())?;
    let rest = data.get(key_end..).ok_or_else(corrupt)?;
    let value = match flag {
        FLAG_PUT => Some(Bytes::copy_from_slice(rest)),
        FLAG_TOMBSTONE => None,
        _ => return Err(corrupt()),
    };
    Ok(Record { key, create_revision: u64::from_le_bytes(create), value })
}

impl Embedded {
    /// Opens (or creates) the store in `dir` with default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::open_with(dir, EmbeddedOptions::default())
    }

    /// Opens (or creates) the store in `dir`; everything acknowledged before is there.
    pub fn open_with(
        dir: impl AsRef<Path>,
        options: EmbeddedOptions,
    ) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::Internal(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let db = Database::builder()
            .set_cache_size(options.cache_size)
            .create(&path)
            .map_err(internal)?;
        let mut txn = db.begin_write().map_err(internal)?;
        txn.set_durability(Durability::Immediate).map_err(internal)?;
        {
            txn.open_table(REVISIONS).map_err(internal)?;
            txn.open_table(KEY_REVISIONS).map_err(internal)?;
            txn.open_table(META).map_err(internal)?;
        }
        txn.commit().map_err(internal)?;
        let state = load_state(&db)?;
        let shared = Arc::new(Shared {
            db: RwLock::new(db),
            path,
            state: Mutex::new(state),
            watch_buffer: options.watch_buffer.max(1),
            progress_interval: options.progress_interval.filter(|d| !d.is_zero()),
            progress_requested: tokio::sync::Notify::new(),
        });
        let (tx, rx) = mpsc::channel(options.write_queue.max(1));
        let writer_shared = Arc::clone(&shared);
        let max_batch = options.max_batch.max(1);
        let writer = std::thread::Builder::new()
            .name("storage-writer".to_string())
            .spawn(move || writer_loop(writer_shared, rx, max_batch))
            .map_err(|e| StorageError::Internal(format!("starting writer: {e}")))?;
        Ok(Embedded { shared, requests: Mutex::new(Some(tx)), writer: Mutex::new(Some(writer)) })
    }

    /// Stops accepting writes, waits for queued ones to commit and ends every watch. The database
    /// file is released when this handle is dropped (close waits up to 5 s for outstanding reads
    /// and watch replays to finish first).
    pub async fn close(&self) {
        drop(lock(&self.requests).take());
        let handle = lock(&self.writer).take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        // Background readers (watch replays) hold the database too; wait, bounded, until only
        // this handle does, so dropping it releases the file and a reopen right away succeeds.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while Arc::strong_count(&self.shared) > 1 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    async fn submit(&self, op: Op) -> Result<Reply, StorageError> {
        let sender = lock(&self.requests)
            .clone()
            .ok_or_else(|| StorageError::Unavailable("storage is closed".to_string()))?;
        let (reply, rx) = oneshot::channel();
        sender
            .send(Request { op, reply })
            .await
            .map_err(|_| StorageError::Unavailable("storage writer stopped".to_string()))?;
        rx.await.map_err(|_| StorageError::Unavailable("storage writer stopped".to_string()))?
    }

    fn list_now(&self, key: &str, options: ListOptions) -> Result<ListPlan, StorageError> {
        let (filter, prefix) = if options.recursive {
            let p = recursive_prefix(key);
            (KeyFilter::Prefix(p.clone()), p)
        } else {
            (KeyFilter::Exact(key.to_string()), key.to_string())
        };
        let (start, requested, from_token) = match &options.continue_key {
            Some(token) if options.recursive => {
                let (start, rv) = decode_continue(token, &prefix)?;
                // A negative revision asks to continue at the latest one.
                (start, u64::try_from(rv).ok().filter(|r| *r > 0), true)
            }
            _ => (filter.start().to_string(), options.revision.filter(|r| *r > 0), false),
        };
        let state = lock(&self.shared.state);
        let at = requested.unwrap_or(state.revision);
        if at > state.revision {
            return Err(StorageError::TooLargeResourceVersion {
                requested: at,
                current: state.revision,
            });
        }
        if at < state.compacted {
            return Err(if from_token {
                match encode_continue(&start, &prefix, -1) {
                    Ok(token) => StorageError::ResourceExpired {
                        message: INCONSISTENT_CONTINUE.to_string(),
                        continue_token: Some(token),
                    },
                    Err(_) => StorageError::ResourceExpired {
                        message: CONTINUE_EXPIRED.to_string(),
                        continue_token: None,
                    },
                }
            } else {
                StorageError::ResourceExpired {
                    message: LIST_EXPIRED.to_string(),
                    continue_token: None,
                }
            });
        }
        let page = Page { filter, prefix, start, revision: at, limit: options.limit };
        if at == state.revision {
            let mut matching = state
                .current
                .range::<str, _>((Bound::Included(page.start.as_str()), Bound::Unbounded))
                .take_while(|(k, _)| page.filter.matches(k))
                .map(|(k, l)| KeyValue {
                    key: k.to_string(),
                    value: l.value.clone(),
                    create_revision: l.create_revision,
                    mod_revision: l.mod_revision,
                });
            let mut items = Vec::new();
            let mut remaining = 0u64;
            for kv in matching.by_ref() {
                if page.limit > 0 && items.len() as u64 >= page.limit {
                    remaining = 1;
                    break;
                }
                items.push(kv);
            }
            remaining += matching.count() as u64;
            return Ok(ListPlan::Done(page.finish(items, remaining)?));
        }
        // Opened under the lock: a compaction raises `compacted` under the same lock before it
        // deletes anything, so this snapshot still holds every revision `at` needs.
        let txn = self.shared.db().begin_read().map_err(internal)?;
        Ok(ListPlan::History(txn, page))
    }
}

enum ListPlan {
    Done(ListResult),
    History(ReadTransaction, Page),
}

struct Page {
    filter: KeyFilter,
    prefix: String,
    start: String,
    revision: u64,
    limit: u64,
}

impl Page {
    fn finish(&self, items: Vec<KeyValue>, remaining: u64) -> Result<ListResult, StorageError> {
        let mut result =
            ListResult { items, revision: self.revision, continue_key: None, remaining: None };
        if remaining > 0
            && let Some(last) = result.items.last()
        {
            let next = format!("{}\u{0}", last.key);
            result.continue_key = Some(encode_continue(&next, &self.prefix, self.revision as i64)?);
            result.remaining = Some(remaining);
        }
        Ok(result)
    }

    /// Reads the page at an older revision from a snapshot.
    fn read_history(&self, txn: &ReadTransaction) -> Result<ListResult, StorageError> {
        let key_revs = txn.open_table(KEY_REVISIONS).map_err(internal)?;
        let revs = txn.open_table(REVISIONS).map_err(internal)?;
        // Per key: the newest revision at or below the target, and whether it is a put.
        let mut visible: Vec<(String, u64)> = Vec::new();
        let mut current: Option<(String, Option<(u64, u8)>)> = None;
        let range = key_revs.range((self.start.as_str(), 0u64)..).map_err(internal)?;
        let flush = |entry: Option<(String, Option<(u64, u8)>)>, out: &mut Vec<(String, u64)>| {
            if let Some((key, Some((rev, FLAG_PUT)))) = entry {
                out.push((key, rev));
            }
        };
        for entry in range {
            let (k, flag) = entry.map_err(internal)?;
            let (key, rev) = k.value();
            if !self.filter.matches(key) {
                break;
            }
            let flag = flag.value();
            match &mut current {
                Some((cur, latest)) if cur == key => {
                    if rev <= self.revision {
                        *latest = Some((rev, flag));
                    }
                }
                _ => {
                    flush(current.take(), &mut visible);
                    let latest = (rev <= self.revision).then_some((rev, flag));
                    current = Some((key.to_string(), latest));
                }
            }
        }
        flush(current.take(), &mut visible);
        let take =
            if self.limit > 0 { visible.len().min(self.limit as usize) } else { visible.len() };
        let remaining = (visible.len() - take) as u64;
        let mut items = Vec::with_capacity(take);
        for (key, rev) in visible.into_iter().take(take) {
            let data = revs
                .get(rev)
                .map_err(internal)?
                .ok_or_else(|| StorageError::Internal(format!("missing revision {rev}")))?;
            let record = decode_record(rev, data.value())?;
            items.push(KeyValue {
                key,
                value: record.value.unwrap_or_default(),
                create_revision: record.create_revision,
                mod_revision: rev,
            });
        }
        self.finish(items, remaining)
    }
}

fn load_state(db: &Database) -> Result<State, StorageError> {
    let txn = db.begin_read().map_err(internal)?;
    let meta = txn.open_table(META).map_err(internal)?;
    let revision = meta.get(META_REVISION).map_err(internal)?.map_or(0, |g| g.value());
    let compacted = meta.get(META_COMPACTED).map_err(internal)?.map_or(0, |g| g.value());
    let key_revs = txn.open_table(KEY_REVISIONS).map_err(internal)?;
    let revs = txn.open_table(REVISIONS).map_err(internal)?;
    let mut latest: BTreeMap<String, (u64, u8)> = BTreeMap::new();
    for entry in key_revs.iter().map_err(internal)? {
        let (k, flag) = entry.map_err(internal)?;
        let (key, rev) = k.value();
        latest.insert(key.to_string(), (rev, flag.value()));
    }
    let mut current = BTreeMap::new();
    for (key, (rev, flag)) in latest {
        if flag != FLAG_PUT {
            continue;
        }
        let data = revs
            .get(rev)
            .map_err(internal)?
            .ok_or_else(|| StorageError::Internal(format!("missing revision {rev}")))?;
        let record = decode_record(rev, data.value())?;
        current.insert(
            Arc::from(key),
            Live {
                value: record.value.unwrap_or_default(),
                create_revision: record.create_revision,
                mod_revision: rev,
            },
        );
    }
    Ok(State { current, revision, compacted, watchers: Vec::new() })
}

fn writer_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<Request>, max_batch: usize) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let mut pending = Vec::new();
        for req in batch {
            if let Op::Compact { revision } = req.op {
                // Compaction must see every write queued before it.
                commit_writes(&shared, std::mem::take(&mut pending));
                let result = compact(&shared, revision).map(|()| Reply::Done);
                let _ = req.reply.send(result);
            } else {
                pending.push(req);
            }
        }
        commit_writes(&shared, pending);
    }
    // Closing the watchers' inputs ends their streams.
    lock(&shared.state).watchers.clear();
}

fn commit_writes(shared: &Shared, requests: Vec<Request>) {
    if requests.is_empty() {
        return;
    }
    let mut outcomes: Vec<(ReplyTx, Result<Reply, StorageError>)> =
        Vec::with_capacity(requests.len());
    let mut changes: Vec<Change> = Vec::new();
    // Sealed before the state is locked: the copies need no lock.
    let requests: Vec<(Op<Bytes>, ReplyTx)> =
        requests.into_iter().map(|r| (r.op.seal(), r.reply)).collect();
    let base = {
        let state = lock(&shared.state);
        // Writes earlier in the batch are visible to later ones before they are committed.
        let mut overlay: HashMap<String, Option<Live>> = HashMap::new();
        let mut next = state.revision;
        for (op, reply) in requests {
            let key = match &op {
                Op::Create { key, .. } | Op::Update { key, .. } | Op::Delete { key, .. } => {
                    key.clone()
                }
                Op::Compact { .. } => continue,
            };
            let existing = match overlay.get(&key) {
                Some(v) => v.clone(),
                None => state.current.get(key.as_str()).cloned(),
            };
            let outcome = match op {
                Op::Create { value, .. } => match existing {
                    Some(_) => Err(StorageError::KeyExists { key }),
                    None => {
                        next += 1;
                        overlay.insert(
                            key.clone(),
                            Some(Live {
                                value: value.clone(),
                                create_revision: next,
                                mod_revision: next,
                            }),
                        );
                        changes.push(Change {
                            key,
                            revision: next,
                            create_revision: next,
                            value: Some(value),
                            prev: None,
                        });
                        Ok(Reply::Revision(next))
                    }
                },
                Op::Update { expected, value, .. } => match existing {
                    None => Err(StorageError::KeyNotFound { key }),
                    Some(live) if expected.is_some_and(|e| e != live.mod_revision) => {
                        Err(StorageError::Conflict { key, revision: live.mod_revision })
                    }
                    Some(live) if live.value == value => Ok(Reply::Revision(live.mod_revision)),
                    Some(live) => {
                        next += 1;
                        overlay.insert(
                            key.clone(),
                            Some(Live {
                                value: value.clone(),
                                create_revision: live.create_revision,
                                mod_revision: next,
                            }),
                        );
                        changes.push(Change {
                            key,
                            revision: next,
                            create_revision: live.create_revision,
                            value: Some(value),
                            prev: Some(live.value),
                        });
                        Ok(Reply::Revision(next))
                    }
                },
                Op::Delete { expected, .. } => match existing {
                    None => Err(StorageError::KeyNotFound { key }),
                    Some(live) if expected.is_some_and(|e| e != live.mod_revision) => {
                        Err(StorageError::Conflict { key, revision: live.mod_revision })
                    }
                    Some(live) => {
                        next += 1;
                        overlay.insert(key.clone(), None);
                        changes.push(Change {
                            key: key.clone(),
                            revision: next,
                            create_revision: live.create_revision,
                            value: None,
                            prev: Some(live.value.clone()),
                        });
                        Ok(Reply::Deleted(KeyValue {
                            key,
                            value: live.value,
                            create_revision: live.create_revision,
                            mod_revision: next,
                        }))
                    }
                },
                Op::Compact { .. } => continue,
            };
            outcomes.push((reply, outcome));
        }
        state.revision
    };
    if !changes.is_empty() {
        if let Err(e) = persist(&shared.db(), &changes) {
            tracing::error!(error = %e, "storage commit failed");
            for (reply, _) in outcomes {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
        let mut state = lock(&shared.state);
        debug_assert_eq!(state.revision, base);
        for change in &changes {
            apply(&mut state, change);
        }
    }
    for (reply, outcome) in outcomes {
        let _ = reply.send(outcome);
    }
}

fn persist(db: &Database, changes: &[Change]) -> Result<(), StorageError> {
    let mut txn = db.begin_write().map_err(internal)?;
    txn.set_durability(Durability::Immediate).map_err(internal)?;
    {
        let mut revs = txn.open_table(REVISIONS).map_err(internal)?;
        let mut key_revs = txn.open_table(KEY_REVISIONS).map_err(internal)?;
        let mut meta = txn.open_table(META).map_err(internal)?;
        let mut last = 0;
        for c in changes {
            let record = encode_record(&c.key, c.create_revision, c.value.as_deref());
            revs.insert(c.revision, record.as_slice()).map_err(internal)?;
            let flag = if c.value.is_some() { FLAG_PUT } else { FLAG_TOMBSTONE };
            key_revs.insert((c.key.as_str(), c.revision), flag).map_err(internal)?;
            last = c.revision;
        }
        meta.insert(META_REVISION, last).map_err(internal)?;
    }
    txn.commit().map_err(internal)
}

/// Applies a committed change to the in-memory state and hands it to the watchers.
fn apply(state: &mut State, change: &Change) {
    let key = match &change.value {
        Some(v) => {
            let live = Live {
                value: v.clone(),
                create_revision: change.create_revision,
                mod_revision: change.revision,
            };
            // An overwrite keeps the key's existing allocation.
            let kept = state.current.get_key_value(change.key.as_str()).map(|(k, _)| k.clone());
            match kept {
                Some(key) => {
                    state.current.insert(Arc::clone(&key), live);
                    key
                }
                None => {
                    let key: Arc<str> = change.key.as_str().into();
                    state.current.insert(Arc::clone(&key), live);
                    key
                }
            }
        }
        None => match state.current.remove_entry(change.key.as_str()) {
            Some((key, _)) => key,
            None => change.key.as_str().into(),
        },
    };
    state.revision = change.revision;
    let event = event_for(change, key);
    state.watchers.retain(|w| {
        if !w.filter.matches(&change.key) {
            return true;
        }
        match w.tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Never block the writer on one reader: drop the watcher and tell it why.
                w.overflowed.store(true, Ordering::SeqCst);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    });
}

/// The watch event of `change`, whose key is `key`.
fn event_for(change: &Change, key: Arc<str>) -> WatchEvent {
    let event = super::Event {
        key,
        value: change.value.clone().or_else(|| change.prev.clone()).unwrap_or_default(),
        prev_value: change.prev.clone(),
        create_revision: change.create_revision,
        revision: change.revision,
        memo: Default::default(),
    };
    if change.value.is_none() {
        WatchEvent::Deleted(event)
    } else if change.prev.is_none() {
        WatchEvent::Added(event)
    } else {
        WatchEvent::Modified(event)
    }
}

fn compact(shared: &Shared, revision: u64) -> Result<(), StorageError> {
    {
        let mut state = lock(&shared.state);
        if revision > state.revision {
            return Err(StorageError::TooLargeResourceVersion {
                requested: revision,
                current: state.revision,
            });
        }
        if revision <= state.compacted {
            return Ok(());
        }
        // Raised before anything is deleted, so readers that check it and then open a snapshot
        // never need what this compaction removes.
        state.compacted = revision;
    }
    let mut txn = shared.db().begin_write().map_err(internal)?;
    txn.set_durability(Durability::Immediate).map_err(internal)?;
    {
        let mut revs = txn.open_table(REVISIONS).map_err(internal)?;
        let mut key_revs = txn.open_table(KEY_REVISIONS).map_err(internal)?;
        let mut meta = txn.open_table(META).map_err(internal)?;
        let mut doomed: Vec<(String, u64)> = Vec::new();
        {
            // Per key, among revisions at or below the compaction point, only the newest put
            // survives; older ones and a newest tombstone go.
            let mut held: Option<(String, u64, u8)> = None;
            for entry in key_revs.iter().map_err(internal)? {
                let (k, flag) = entry.map_err(internal)?;
                let (key, rev) = k.value();
                if rev > revision {
                    continue;
                }
                if let Some((hk, hrev, _)) = &held
                    && hk == key
                {
                    doomed.push((hk.clone(), *hrev));
                } else if let Some((hk, hrev, FLAG_TOMBSTONE)) = held.take() {
                    doomed.push((hk, hrev));
                }
                held = Some((key.to_string(), rev, flag.value()));
            }
            if let Some((hk, hrev, FLAG_TOMBSTONE)) = held {
                doomed.push((hk, hrev));
            }
        }
        for (key, rev) in &doomed {
            key_revs.remove((key.as_str(), *rev)).map_err(internal)?;
            revs.remove(*rev).map_err(internal)?;
        }
        meta.insert(META_COMPACTED, revision).map_err(internal)?;
    }
    txn.commit().map_err(internal)?;
    // The history is already gone; a file that stays large only costs disk, so a failed shrink
    // is logged rather than reported to the caller.
    if let Err(e) = shrink_if_sparse(shared) {
        tracing::warn!(error = %e, "shrinking the storage file failed");
    }
    Ok(())
}

/// Returns the file's free pages to the file system when they dominate it.
///
/// Runs on the writer thread, so no write is in flight; new reads wait on the lock for the
/// duration. Reads that already hold a snapshot make redb refuse, and the shrink is retried after
/// the next compaction instead of waiting for them.
fn shrink_if_sparse(shared: &Shared) -> Result<(), StorageError> {
    let file_len = std::fs::metadata(&shared.path).map_or(0, |m| m.len());
    if file_len < SHRINK_MIN_BYTES {
        return Ok(());
    }
    let in_use = {
        let txn = shared.db().begin_write().map_err(internal)?;
        let stats = txn.stats().map_err(internal)?;
        txn.abort().map_err(internal)?;
        stats.allocated_pages().saturating_mul(stats.page_size() as u64)
    };
    if file_len < in_use.saturating_mul(SHRINK_FACTOR) {
        return Ok(());
    }
    let started = Instant::now();
    let mut db = shared.db.write().unwrap_or_else(|e| e.into_inner());
    match db.compact() {
        Ok(_) => {
            let after = std::fs::metadata(&shared.path).map_or(0, |m| m.len());
            tracing::info!(
                before = file_len,
                after,
                pause_ms = started.elapsed().as_millis() as u64,
                "shrank the storage file"
            );
            Ok(())
        }
        Err(CompactionError::TransactionInProgress) => {
            tracing::debug!("storage file shrink deferred: a read snapshot is open");
            Ok(())
        }
        Err(e) => Err(internal(e)),
    }
}

/// What a new watcher must deliver before live events.
enum Backlog {
    Snapshot(Vec<WatchEvent>),
    History(ReadTransaction, u64),
    Nothing,
}

/// Replays `(from, upto]` from a snapshot into the watcher's output.
///
/// A replayed write that is still its key's current value carries the in-memory buffer rather
/// than the copy read from disk: a cache resuming its watch after falling behind would otherwise
/// keep a second copy of every object it catches up on.
fn replay(
    shared: &Shared,
    txn: ReadTransaction,
    filter: &KeyFilter,
    from: u64,
    upto: u64,
    out: &mpsc::Sender<WatchEvent>,
) -> Result<(), StorageError> {
    let revs = txn.open_table(REVISIONS).map_err(internal)?;
    let key_revs = txn.open_table(KEY_REVISIONS).map_err(internal)?;
    for entry in revs.range((from + 1)..=upto).map_err(internal)? {
        let (rev, data) = entry.map_err(internal)?;
        let rev = rev.value();
        let record = decode_record(rev, data.value())?;
        if !filter.matches(&record.key) {
            continue;
        }
        let prev = match key_revs
            .range((record.key.as_str(), 0u64)..(record.key.as_str(), rev))
            .map_err(internal)?
            .next_back()
        {
            Some(e) => {
                let (k, flag) = e.map_err(internal)?;
                let prev_rev = k.value().1;
                if flag.value() == FLAG_PUT {
                    let data = revs.get(prev_rev).map_err(internal)?.ok_or_else(|| {
                        StorageError::Internal(format!("missing revision {prev_rev}"))
                    })?;
                    decode_record(prev_rev, data.value())?.value
                } else {
                    None
                }
            }
            None => None,
        };
        let prev =
            if record.create_revision == rev && record.value.is_some() { None } else { prev };
        let (key, value) = {
            let state = lock(&shared.state);
            let live = state.current.get_key_value(record.key.as_str());
            let key = live.map_or_else(|| record.key.as_str().into(), |(k, _)| Arc::clone(k));
            let value = record.value.map(|v| {
                live.filter(|(_, live)| live.mod_revision == rev)
                    .map_or(v, |(_, live)| live.value.clone())
            });
            (key, value)
        };
        let event = event_for(
            &Change {
                key: record.key,
                revision: rev,
                create_revision: record.create_revision,
                value,
                prev,
            },
            key,
        );
        if out.blocking_send(event).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

async fn run_watch(
    shared: Arc<Shared>,
    filter: KeyFilter,
    from: u64,
    backlog: Backlog,
    mut input: mpsc::Receiver<WatchEvent>,
    overflowed: Arc<AtomicBool>,
    out: mpsc::Sender<WatchEvent>,
) {
    match backlog {
        Backlog::Snapshot(events) => {
            for ev in events {
                if out.send(ev).await.is_err() {
                    return;
                }
            }
        }
        Backlog::History(txn, upto) => {
            let out2 = out.clone();
            let f = filter.clone();
            let replay_shared = Arc::clone(&shared);
            let result = tokio::task::spawn_blocking(move || {
                replay(&replay_shared, txn, &f, from, upto, &out2)
            })
            .await;
            let err = match result {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(e) => Some(StorageError::Internal(format!("watch replay failed: {e}"))),
            };
            if let Some(e) = err {
                let _ = out.send(WatchEvent::Error(e)).await;
                return;
            }
        }
        Backlog::Nothing => {}
    }
    let mut ticker = shared
        .progress_interval
        .map(|d| tokio::time::interval_at(tokio::time::Instant::now() + d, d));
    loop {
        tokio::select! {
            _ = out.closed() => return,
            _ = next_tick_or_request(&mut ticker, &shared.progress_requested) => {
                // Every event up to `revision` was queued before the revision was published, so an
                // empty queue means this watcher has been sent all of them.
                let revision = lock(&shared.state).revision;
                if input.is_empty()
                    && revision >= from
                    && out.send(WatchEvent::Bookmark { revision }).await.is_err()
                {
                    return;
                }
            }
            ev = input.recv() => match ev {
                Some(ev) => {
                    if ev.revision().is_some_and(|r| r <= from) {
                        continue;
                    }
                    if out.send(ev).await.is_err() {
                        return;
                    }
                }
                None => {
                    if overflowed.load(Ordering::SeqCst) {
                        let message = format!(
                            "watch of {} terminated: the consumer fell behind",
                            filter.start()
                        );
                        let _ = out.send(WatchEvent::Error(StorageError::Unavailable(message))).await;
                    }
                    return;
                }
            }
        }
    }
}

async fn next_tick_or_request(
    ticker: &mut Option<tokio::time::Interval>,
    requested: &tokio::sync::Notify,
) {
    tokio::select! {
        _ = next_tick(ticker) => {}
        _ = requested.notified() => {}
    }
}

async fn next_tick(ticker: &mut Option<tokio::time::Interval>) {
    match ticker {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

impl Storage for Embedded {
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(key)?;
            match self.submit(Op::Create { key: key.to_string(), value }).await? {
                Reply::Revision(r) => Ok(r),
                _ => Err(StorageError::Internal("unexpected reply".to_string())),
            }
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<KeyValue>> {
        Box::pin(async move {
            validate_key(key)?;
            let state = lock(&self.shared.state);
            Ok(state.current.get(key).map(|l| KeyValue {
                key: key.to_string(),
                value: l.value.clone(),
                create_revision: l.create_revision,
                mod_revision: l.mod_revision,
            }))
        })
    }

    fn list<'a>(&'a self, key: &'a str, options: ListOptions) -> StorageFuture<'a, ListResult> {
        Box::pin(async move {
            validate_key(key)?;
            match self.list_now(key, options)? {
                ListPlan::Done(r) => Ok(r),
                ListPlan::History(txn, page) => {
                    tokio::task::spawn_blocking(move || page.read_history(&txn))
                        .await
                        .map_err(|e| StorageError::Internal(format!("list failed: {e}")))?
                }
            }
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
        value: Vec<u8>,
    ) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(key)?;
            match self
                .submit(Op::Update { key: key.to_string(), expected: expected_mod_revision, value })
                .await?
            {
                Reply::Revision(r) => Ok(r),
                _ => Err(StorageError::Internal("unexpected reply".to_string())),
            }
        })
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
    ) -> StorageFuture<'a, KeyValue> {
        Box::pin(async move {
            validate_key(key)?;
            match self
                .submit(Op::Delete { key: key.to_string(), expected: expected_mod_revision })
                .await?
            {
                Reply::Deleted(kv) => Ok(kv),
                _ => Err(StorageError::Internal("unexpected reply".to_string())),
            }
        })
    }

    fn watch<'a>(
        &'a self,
        key: &'a str,
        from_revision: u64,
        recursive: bool,
    ) -> StorageFuture<'a, Watch> {
        Box::pin(async move {
            validate_key(key)?;
            if lock(&self.requests).is_none() {
                return Err(StorageError::Unavailable("storage is closed".to_string()));
            }
            let filter = KeyFilter::new(key, recursive);
            let buffer = self.shared.watch_buffer;
            let (in_tx, in_rx) = mpsc::channel(buffer);
            let (out_tx, out_rx) = mpsc::channel(buffer);
            let overflowed = Arc::new(AtomicBool::new(false));
            let backlog = {
                let mut state = lock(&self.shared.state);
                if from_revision > 0 && from_revision < state.compacted {
                    return Err(StorageError::ResourceExpired {
                        message: format!(
                            "too old resource version: {from_revision} ({})",
                            state.compacted
                        ),
                        continue_token: None,
                    });
                }
                let backlog = if from_revision == 0 {
                    let events = state
                        .current
                        .range::<str, _>((Bound::Included(filter.start()), Bound::Unbounded))
                        .take_while(|(k, _)| filter.matches(k))
                        .map(|(k, l)| {
                            WatchEvent::Added(super::Event::added(KeyValue {
                                key: k.to_string(),
                                value: l.value.clone(),
                                create_revision: l.create_revision,
                                mod_revision: l.mod_revision,
                            }))
                        })
                        .collect();
                    Backlog::Snapshot(events)
                } else if from_revision < state.revision {
                    let txn = self.shared.db().begin_read().map_err(internal)?;
                    Backlog::History(txn, state.revision)
                } else {
                    Backlog::Nothing
                };
                state.watchers.push(WatcherSlot {
                    filter: filter.clone(),
                    tx: in_tx,
                    overflowed: Arc::clone(&overflowed),
                });
                backlog
            };
            tokio::spawn(run_watch(
                Arc::clone(&self.shared),
                filter,
                from_revision,
                backlog,
                in_rx,
                overflowed,
                out_tx,
            ));
            Ok(Watch::new(out_rx))
        })
    }

    fn current_revision(&self) -> StorageFuture<'_, u64> {
        Box::pin(async move { Ok(lock(&self.shared.state).revision) })
    }

    fn compacted_revision(&self) -> StorageFuture<'_, u64> {
        Box::pin(async move { Ok(lock(&self.shared.state).compacted) })
    }

    fn compact(&self, revision: u64) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.submit(Op::Compact { revision }).await?;
            Ok(())
        })
    }

    fn request_progress(&self) -> StorageFuture<'_, ()> {
        self.shared.progress_requested.notify_waiters();
        Box::pin(async { Ok(()) })
    }

    fn count<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(prefix)?;
            let prefix = recursive_prefix(prefix);
            let state = lock(&self.shared.state);
            Ok(state
                .current
                .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix.as_str()))
                .count() as u64)
        })
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn test_record_round_trip() {
        let cases: [(&str, u64, Option<&[u8]>); 4] = [
            ("/pods/ns/a", 1, Some(b"{\"a\":1}")),
            ("/pods/ns/a", u64::MAX, Some(b"")),
            ("/pods/ns/\u{e9}", 7, None),
            ("", 0, None),
        ];
        for (key, create, value) in cases {
            let rec = decode_record(3, &encode_record(key, create, value)).unwrap();
            assert_eq!(rec.key, key);
            assert_eq!(rec.create_revision, create);
            assert_eq!(rec.value.as_deref(), value);
        }
    }

    #[test]
    fn test_corrupt_record_is_an_error() {
        let good = encode_record("/k", 1, Some(b"v"));
        let mut bad_flag = good.clone();
        bad_flag[0] = 9;
        let mut long_key = good.clone();
        long_key[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut bad_utf8 = good.clone();
        bad_utf8[13] = 0xff;
        for data in [&[][..], &good[..5], &good[..12], &bad_flag, &long_key, &bad_utf8] {
            match decode_record(42, data) {
                Err(StorageError::Internal(m)) => assert_eq!(m, "corrupt record at revision 42"),
                other => panic!("{data:?}: {:?}", other.map(|r| r.key)),
            }
        }
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    /// The events of one key carry the allocation the in-memory state keys it by, from its
    /// creation to its deletion.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn test_events_of_a_key_share_its_allocation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Embedded::open(dir.path()).unwrap();
        let from = store.current_revision().await.unwrap();
        let mut w = store.watch("/s", from, true).await.unwrap();
        store.create("/s/a", b"1".to_vec()).await.unwrap();
        store.update("/s/a", None, b"2".to_vec()).await.unwrap();
        store.delete("/s/a", None).await.unwrap();
        let mut keys = Vec::new();
        for _ in 0..3 {
            match super::super::suite::next_event(&mut w).await {
                WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) => {
                    keys.push(e.key)
                }
                other => panic!("expected an object event, got {other:?}"),
            }
        }
        assert!(keys.iter().all(|k| &**k == "/s/a"));
        assert!(Arc::ptr_eq(&keys[0], &keys[1]) && Arc::ptr_eq(&keys[1], &keys[2]));
        store.close().await;
    }
}

#[cfg(test)]
mod shrink_tests {
    use super::*;

    fn file_len(dir: &Path) -> u64 {
        std::fs::metadata(dir.join(DB_FILE)).unwrap().len()
    }

    /// After a compaction that leaves little behind, the file gives its free pages back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn test_compaction_shrinks_sparse_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Embedded::open(dir.path()).unwrap());
        for k in 0..4 {
            store.create(&format!("/s/k{k}"), vec![0; 16]).await.unwrap();
        }
        let mut tasks = Vec::new();
        for w in 0..8u8 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                for i in 0..40u8 {
                    let key = format!("/s/k{}", (w + i) % 4);
                    store.update(&key, None, vec![w ^ i; 64 << 10]).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let grown = file_len(dir.path());
        assert!(grown >= 2 * SHRINK_MIN_BYTES, "file only reached {grown} bytes");
        let rev = store.current_revision().await.unwrap();
        store.compact(rev).await.unwrap();
        let shrunk = file_len(dir.path());
        assert!(shrunk < SHRINK_MIN_BYTES, "file stayed at {shrunk} bytes (was {grown})");
        // Everything live survives the shrink.
        let list = store.list("/s", ListOptions::recursive()).await.unwrap();
        assert_eq!(list.items.len(), 4);
        assert!(list.items.iter().all(|kv| kv.value.len() == 64 << 10));
        store.close().await;
    }
}
