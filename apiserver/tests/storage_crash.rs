//! Crash safety of the embedded storage backend: a child process writes from many tasks and
//! reports every acknowledged write; the parent kills it with SIGKILL at a random moment, reopens
//! the store and checks that every acknowledged write survived, that revisions are gap-free and
//! consistent, and that nothing half-written is visible.
//!
//! The child is this same test binary, re-executed with [`CHILD_DIR_ENV`] set, so the test needs
//! no helper program. Set [`SEED_ENV`] to replay a failing run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use apiserver::storage::{Embedded, ListOptions, Storage, StorageError, WatchEvent};

/// Set in the child: the store directory to write into.
const CHILD_DIR_ENV: &str = "STORAGE_CRASH_CHILD_DIR";
/// Set in the child: the round number, which makes every value of the run unique.
const CHILD_ROUND_ENV: &str = "STORAGE_CRASH_CHILD_ROUND";
/// Set in the child: its random seed.
const CHILD_SEED_ENV: &str = "STORAGE_CRASH_CHILD_SEED";
/// Overrides the parent's random seed (printed on every run).
const SEED_ENV: &str = "STORAGE_CRASH_SEED";

/// The name of the test function, used to re-execute only it in the child.
const TEST_NAME: &str = "embedded_store_survives_crash";
const PREFIX: &str = "/crash";
const KEYS: u64 = 300;
const TASKS: u64 = 32;
const ROUNDS: u64 = 20;
/// Rounds stop starting once this much time has gone by, keeping the test bounded.
const TIME_BUDGET: Duration = Duration::from_secs(45);
/// The most acknowledgements awaited before a kill.
const MAX_ACKS_BEFORE_KILL: u64 = 1500;
/// A child that reports nothing for this long is considered stuck.
const ACK_TIMEOUT: Duration = Duration::from_secs(20);
/// A child left alone (its parent gone) stops after this long.
const CHILD_LIFETIME: Duration = Duration::from_secs(120);

/// xorshift64*: small, deterministic and good enough to pick keys, sizes and kill points.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// FNV-1a, the hash the child reports for each acknowledged value.
fn fnv(data: &[u8]) -> u64 {
    data.iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn key_name(n: u64) -> String {
    format!("{PREFIX}/k{n:04}")
}

/// Who wrote a value: unique per attempted write across the whole test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Writer {
    round: u64,
    task: u64,
    seq: u64,
}

/// The body of a value: a header naming the key and the writer, then filler derived from the
/// header, so a torn or mixed-up value fails [`parse_value`].
fn make_value(key: &str, w: Writer, len: u64) -> Vec<u8> {
    let header = format!("{key}|r{}|t{}|s{}|l{len}|", w.round, w.task, w.seq);
    let mut rng = Rng::new(fnv(header.as_bytes()));
    let mut out = header.into_bytes();
    out.extend((0..len).map(|_| b'a' + (rng.below(26) as u8)));
    out
}

/// Checks that `value` is exactly what [`make_value`] produced for `key`, and returns its writer.
fn parse_value(key: &str, value: &[u8]) -> Result<Writer, String> {
    let text = std::str::from_utf8(value).map_err(|_| format!("{key}: value is not UTF-8"))?;
    let mut parts = text.splitn(6, '|');
    let bad = || format!("{key}: malformed value {:?}", truncate(text));
    let stored_key = parts.next().ok_or_else(bad)?;
    if stored_key != key {
        return Err(format!("{key}: value belongs to {stored_key}"));
    }
    let mut field = |tag: char| -> Result<u64, String> {
        parts.next().and_then(|p| p.strip_prefix(tag)).and_then(|n| n.parse().ok()).ok_or_else(bad)
    };
    let w = Writer { round: field('r')?, task: field('t')?, seq: field('s')? };
    let len = field('l')?;
    if make_value(key, w, len) != value {
        return Err(format!("{key}: value does not match its header: {:?}", truncate(text)));
    }
    Ok(w)
}

fn truncate(s: &str) -> &str {
    s.get(..s.len().min(80)).unwrap_or(s)
}

/// One write the child reported as acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    key: String,
    revision: u64,
    /// FNV of the value written; `None` for a deletion.
    hash: Option<u64>,
}

impl Ack {
    fn parse(line: &str) -> Option<Ack> {
        let mut it = line.strip_prefix("ACK ")?.split(' ');
        let kind = it.next()?;
        let key = it.next()?.to_string();
        let revision = it.next()?.parse().ok()?;
        let hash = match kind {
            "put" => Some(u64::from_str_radix(it.next()?, 16).ok()?),
            "del" => None,
            _ => return None,
        };
        Some(Ack { key, revision, hash })
    }

    fn line(&self) -> String {
        match self.hash {
            Some(h) => format!("ACK put {} {} {h:016x}\n", self.key, self.revision),
            None => format!("ACK del {} {}\n", self.key, self.revision),
        }
    }
}

/// The child: writes until killed, printing each write only after the store acknowledged it.
fn run_child(dir: &Path) {
    let round: u64 = std::env::var(CHILD_ROUND_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let seed: u64 = std::env::var(CHILD_SEED_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let store = Arc::new(Embedded::open(dir).expect("open store in child"));
        let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let store = Arc::clone(&store);
            let out = Arc::clone(&out);
            let mut rng = Rng::new(seed ^ (task + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            tasks.push(tokio::spawn(async move {
                let mut seq = 0u64;
                loop {
                    seq += 1;
                    let key = key_name(rng.below(KEYS));
                    let w = Writer { round, task, seq };
                    let value = make_value(&key, w, rng.below(3000));
                    let hash = fnv(&value);
                    let current = store.get(&key).await.expect("get in child");
                    let result = match current {
                        None => store.create(&key, value).await.map(|r| (r, Some(hash))),
                        Some(kv) if rng.below(20) == 0 => store
                            .delete(&key, Some(kv.mod_revision))
                            .await
                            .map(|d| (d.mod_revision, None)),
                        Some(kv) => store
                            .update(&key, Some(kv.mod_revision), value)
                            .await
                            .map(|r| (r, Some(hash))),
                    };
                    let (revision, hash) = match result {
                        Ok(done) => done,
                        // Another task won the race: the attempt simply did not happen.
                        Err(StorageError::KeyExists { .. })
                        | Err(StorageError::Conflict { .. })
                        | Err(StorageError::KeyNotFound { .. }) => continue,
                        Err(e) => {
                            eprintln!("child write failed: {e}");
                            std::process::exit(2);
                        }
                    };
                    let line = Ack { key, revision, hash }.line();
                    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                    if out.write_all(line.as_bytes()).and_then(|()| out.flush()).is_err() {
                        // The parent is gone: nobody is left to report to.
                        std::process::exit(0);
                    }
                }
            }));
        }
        tokio::time::sleep(CHILD_LIFETIME).await;
        std::process::exit(0);
    });
}

/// What one child run reported before it was killed.
struct RoundOutcome {
    /// The acknowledgement count the kill was aimed at.
    kill_after: u64,
    acks: Vec<Ack>,
}

/// Runs one child against `dir`, kills it after `kill_after` acknowledgements (plus a random
/// delay), and collects every acknowledgement it printed before dying.
fn run_round(dir: &Path, round: u64, rng: &mut Rng) -> RoundOutcome {
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_ROUND_ENV, round.to_string())
        .env(CHILD_SEED_ENV, rng.next().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut stderr = child.stderr.take().expect("child stderr");
    let (tx, rx) = std_mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    // Some rounds kill the child before its first acknowledgement (while it opens the store).
    let kill_after = if rng.below(5) == 0 { 0 } else { rng.below(MAX_ACKS_BEFORE_KILL) + 1 };
    let mut lines = Vec::new();
    let mut acks = 0u64;
    let mut ended_early = false;
    if kill_after == 0 {
        std::thread::sleep(Duration::from_millis(rng.below(30)));
    }
    while acks < kill_after {
        match rx.recv_timeout(ACK_TIMEOUT) {
            Ok(line) => {
                if line.starts_with("ACK ") {
                    acks += 1;
                }
                lines.push(line);
            }
            Err(std_mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("round {round}: child produced no acknowledgement for {ACK_TIMEOUT:?}");
            }
            Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                ended_early = true;
                break;
            }
        }
    }
    // Kill between acknowledgements rather than right after one.
    std::thread::sleep(Duration::from_micros(rng.below(3000)));
    // `Child::kill` sends SIGKILL on unix: no destructor, flush or close runs in the child.
    let _ = child.kill();
    let status = child.wait().expect("reap child");
    // Lines printed before the kill are still in the pipe: they were acknowledged too.
    lines.extend(rx.iter());
    let _ = reader.join();
    let stderr = stderr_reader.join().unwrap_or_default();
    if ended_early {
        panic!("round {round}: child exited on its own ({status}); stderr:\n{stderr}");
    }
    let acks = lines.iter().filter_map(|l| Ack::parse(l)).collect();
    RoundOutcome { kill_after, acks }
}

/// The state of one key while the history is replayed.
#[derive(Debug, Clone)]
struct ModelEntry {
    value: Vec<u8>,
    create_revision: u64,
    mod_revision: u64,
}

/// Reopens the store and checks it against every acknowledgement received so far.
async fn verify(
    dir: &Path,
    acks: &[Ack],
    first_new: usize,
    round: u64,
) -> Result<VerifyStats, String> {
    let store = Embedded::open(dir).map_err(|e| format!("reopen failed: {e}"))?;
    let result = verify_open(&store, acks, first_new, round).await;
    store.close().await;
    result
}

/// Figures reported per round.
struct VerifyStats {
    revision: u64,
    live: usize,
}

/// Every acknowledgement is matched against the replayed history; those from the latest round
/// (from `first_new` on) are also read back at their revision, which earlier rounds did for theirs.
async fn verify_open(
    store: &Embedded,
    acks: &[Ack],
    first_new: usize,
    round: u64,
) -> Result<VerifyStats, String> {
    let current = store.current_revision().await.map_err(|e| e.to_string())?;
    let compacted = store.compacted_revision().await.map_err(|e| e.to_string())?;
    if compacted != 0 {
        return Err(format!("compacted revision is {compacted}, but nothing compacted"));
    }
    if let Some(max) = acks.iter().map(|a| a.revision).max()
        && max > current
    {
        return Err(format!("acknowledged revision {max} is above the current revision {current}"));
    }

    // Rebuild the whole history: revision 1 from a list at it, the rest from a watch replay.
    // Revisions must run 1, 2, ..., current with no gap and each change must fit the key's
    // previous state.
    let mut history: BTreeMap<u64, (String, Option<u64>)> = BTreeMap::new();
    let mut model: BTreeMap<String, ModelEntry> = BTreeMap::new();
    let mut writers: HashSet<Writer> = HashSet::new();
    let mut record = |key: &str, value: &[u8], revision: u64| -> Result<(), String> {
        let w = parse_value(key, value).map_err(|e| format!("revision {revision}: {e}"))?;
        if w.round > round {
            return Err(format!("revision {revision}: written by future round {}", w.round));
        }
        if !writers.insert(w) {
            return Err(format!("revision {revision}: write {w:?} applied twice"));
        }
        Ok(())
    };
    if current >= 1 {
        let first = store
            .list(PREFIX, ListOptions { revision: Some(1), ..ListOptions::recursive() })
            .await
            .map_err(|e| format!("list at revision 1: {e}"))?;
        let [kv] = first.items.as_slice() else {
            return Err(format!("revision 1 holds {} keys, want 1", first.items.len()));
        };
        if kv.mod_revision != 1 || kv.create_revision != 1 {
            return Err(format!("revision 1: {kv:?}"));
        }
        record(&kv.key, &kv.value, 1)?;
        history.insert(1, (kv.key.clone(), Some(fnv(&kv.value))));
        model.insert(
            kv.key.clone(),
            ModelEntry { value: kv.value.to_vec(), create_revision: 1, mod_revision: 1 },
        );
    }
    if current >= 2 {
        let mut watch = store.watch(PREFIX, 1, true).await.map_err(|e| format!("watch: {e}"))?;
        let mut expected = 2;
        while expected <= current {
            let event = tokio::time::timeout(Duration::from_secs(10), watch.recv())
                .await
                .map_err(|_| format!("history replay stalled before revision {expected}"))?
                .ok_or_else(|| format!("history replay ended before revision {expected}"))?;
            let (e, kind) = match event {
                WatchEvent::Added(e) => (e, "added"),
                WatchEvent::Modified(e) => (e, "modified"),
                WatchEvent::Deleted(e) => (e, "deleted"),
                WatchEvent::Bookmark { .. } => continue,
                WatchEvent::Error(err) => return Err(format!("history replay failed: {err}")),
            };
            if e.revision != expected {
                return Err(format!("revision gap: expected {expected}, got {}", e.revision));
            }
            let prev = model.get(&*e.key);
            let wrong = |why: &str| format!("revision {expected} ({kind} {}): {why}", e.key);
            match (kind, prev) {
                ("added", None) => {
                    if e.create_revision != expected || e.prev_value.is_some() {
                        return Err(wrong("bad create revision or previous value"));
                    }
                }
                ("added", Some(_)) => return Err(wrong("created while live")),
                (_, None) => return Err(wrong("changed while absent")),
                (_, Some(p)) => {
                    if e.create_revision != p.create_revision {
                        return Err(wrong("create revision changed"));
                    }
                    if e.prev_value.as_deref() != Some(p.value.as_slice()) {
                        return Err(wrong("previous value differs from the history"));
                    }
                }
            }
            if kind == "deleted" {
                model.remove(&*e.key);
                history.insert(expected, (e.key.to_string(), None));
            } else {
                record(&e.key, &e.value, expected)?;
                history.insert(expected, (e.key.to_string(), Some(fnv(&e.value))));
                model.insert(
                    e.key.to_string(),
                    ModelEntry {
                        value: e.value.to_vec(),
                        create_revision: e.create_revision,
                        mod_revision: expected,
                    },
                );
            }
            expected += 1;
        }
    }

    // The current state must be exactly what the history adds up to.
    let now = store.list(PREFIX, ListOptions::recursive()).await.map_err(|e| e.to_string())?;
    if now.revision != current {
        return Err(format!("list served at {}, current is {current}", now.revision));
    }
    if now.items.len() != model.len() {
        return Err(format!("{} live keys, history gives {}", now.items.len(), model.len()));
    }
    for (kv, (key, m)) in now.items.iter().zip(&model) {
        if &kv.key != key
            || kv.value != m.value
            || kv.create_revision != m.create_revision
            || kv.mod_revision != m.mod_revision
        {
            return Err(format!("live key {} differs from the history's {key}", kv.key));
        }
        let got = store.get(key).await.map_err(|e| e.to_string())?;
        if got.as_ref() != Some(kv) {
            return Err(format!("get {key} differs from list"));
        }
    }
    let count = store.count(PREFIX).await.map_err(|e| e.to_string())?;
    if count != model.len() as u64 {
        return Err(format!("count {count}, want {}", model.len()));
    }

    // Every acknowledged write is the one stored at its revision, and a read of its key at that
    // revision (from history unless it is the latest) returns it.
    let mut seen_revisions: HashMap<u64, &Ack> = HashMap::new();
    for (i, ack) in acks.iter().enumerate() {
        if let Some(other) = seen_revisions.insert(ack.revision, ack) {
            return Err(format!(
                "revision {} acknowledged twice: {other:?} and {ack:?}",
                ack.revision
            ));
        }
        match history.get(&ack.revision) {
            Some((key, hash)) if key == &ack.key && hash == &ack.hash => {}
            found => return Err(format!("acknowledged {ack:?} lost; revision holds {found:?}")),
        }
        if i < first_new {
            continue;
        }
        let at = store
            .list(&ack.key, ListOptions { revision: Some(ack.revision), ..ListOptions::default() })
            .await
            .map_err(|e| format!("read {ack:?}: {e}"))?;
        match (ack.hash, at.items.as_slice()) {
            (None, []) => {}
            (Some(h), [kv]) if kv.mod_revision == ack.revision && fnv(&kv.value) == h => {}
            (_, items) => {
                return Err(format!("read at revision of {ack:?} returned {} items", items.len()));
            }
        }
    }
    Ok(VerifyStats { revision: current, live: model.len() })
}

fn parent_seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id())
}

#[test]
fn embedded_store_survives_crash() {
    if let Some(dir) = std::env::var_os(CHILD_DIR_ENV) {
        run_child(&PathBuf::from(dir));
        return;
    }
    let seed = parent_seed();
    eprintln!("crash test seed {seed} (set {SEED_ENV}={seed} to replay)");
    let mut rng = Rng::new(seed);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("store");
    let started = Instant::now();
    let mut all_acks: Vec<Ack> = Vec::new();
    let mut rounds = 0;
    for round in 0..ROUNDS {
        if started.elapsed() > TIME_BUDGET {
            break;
        }
        let outcome = run_round(&dir, round, &mut rng);
        let new = outcome.acks.len();
        let kill_after = outcome.kill_after;
        let first_new = all_acks.len();
        all_acks.extend(outcome.acks);
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        let stats = rt
            .block_on(verify(&dir, &all_acks, first_new, round))
            .unwrap_or_else(|e| panic!("seed {seed}, round {round}: {e}"));
        // Dropping the runtime ends any task still holding the database before the next child.
        drop(rt);
        eprintln!(
            "round {round}: killed after {} of {new} acks, {} total, revision {}, {} live keys, {:?}",
            kill_after,
            all_acks.len(),
            stats.revision,
            stats.live,
            started.elapsed()
        );
        rounds += 1;
    }
    assert!(rounds >= 5, "only {rounds} rounds fit in the time budget");
    assert!(!all_acks.is_empty(), "no round acknowledged anything");
}

#[test]
fn crash_test_value_round_trip() {
    let w = Writer { round: 3, task: 7, seq: 11 };
    let v = make_value("/crash/k0001", w, 40);
    assert_eq!(parse_value("/crash/k0001", &v), Ok(w));
    assert!(parse_value("/crash/k0002", &v).is_err());
    let mut torn = v.clone();
    torn.truncate(v.len() - 1);
    assert!(parse_value("/crash/k0001", &torn).is_err());
    let mut flipped = v.clone();
    if let Some(b) = flipped.last_mut() {
        *b = if *b == b'a' { b'b' } else { b'a' };
    }
    assert!(parse_value("/crash/k0001", &flipped).is_err());
    let ack = Ack { key: "/crash/k0001".to_string(), revision: 9, hash: Some(fnv(&v)) };
    assert_eq!(Ack::parse(ack.line().trim_end()), Some(ack));
    let del = Ack { key: "/crash/k0001".to_string(), revision: 10, hash: None };
    assert_eq!(Ack::parse(del.line().trim_end()), Some(del));
}
