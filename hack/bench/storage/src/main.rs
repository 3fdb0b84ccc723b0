//! Storage benchmark: runs the same scenarios against every storage backend and prints one table
//! (create throughput, get latency, large lists, watch fan-out, and long-running churn with
//! compaction).
//!
//! Usage: `bench-storage [--churn UPDATES] [--secs SECONDS] [--only SCENARIO]...`. Every scenario gets a fresh store
//! in a temporary directory, so figures do not leak between scenarios.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use apiserver::storage::etcd3::Etcd3;
use apiserver::storage::etcd3::local::EtcdServer;
use apiserver::storage::{Embedded, ListOptions, Storage, StorageError, WatchEvent};

/// Keys the churn scenario spreads its updates over.
const CHURN_KEYS: u64 = 1_000;
/// Objects in the large-list scenario.
const LIST_OBJECTS: u64 = 10_000;
/// Concurrent watchers in the watch scenario.
const WATCHERS: usize = 1_000;
/// Writes observed by every watcher.
const WATCH_WRITES: u64 = 200;
/// Size of a typical stored object (a small pod is a few KiB; a ConfigMap often less).
const OBJECT_BYTES: usize = 1_024;
/// How often the churn scenario compacts, as the apiserver's compaction loop does (upstream
/// runs it every 5 minutes; the bench shortens the period to see several cycles).
const COMPACT_EVERY: Duration = Duration::from_secs(3);
/// Single-writer updates timed by each churn probe (before and after the churn).
const PROBE_WRITES: u64 = 1_000;
/// Full lists of the churn keys timed by each churn probe; enough that the p50 is repeatable.
const PROBE_LISTS: usize = 200;
/// Writers used for bulk loading and for churn.
const BULK_WRITERS: usize = 64;

/// Command-line settings.
struct Config {
    churn: u64,
    secs: u64,
    /// Scenarios to run; empty runs them all.
    only: Vec<String>,
}

fn parse_args() -> Result<Config> {
    let mut config = Config { churn: 1_000_000, secs: 3, only: Vec::new() };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64> {
            let v = args.next().with_context(|| format!("{name} needs a value"))?;
            v.parse().with_context(|| format!("{name}: {v:?} is not a number"))
        };
        match arg.as_str() {
            "--churn" => config.churn = number("--churn")?,
            "--secs" => config.secs = number("--secs")?.max(1),
            "--only" => {
                let v = args.next().context("--only needs a scenario name")?;
                config.only.push(v);
            }
            "-h" | "--help" => {
                println!(
                    "usage: bench-storage [--churn UPDATES] [--secs SECONDS] [--only SCENARIO]..."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(config)
}

/// A backend the scenarios can run against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Embedded,
    /// The etcd3 backend against a real etcd started on loopback for the run (etcd fsyncs its WAL
    /// before acknowledging, as the embedded store fsyncs each batch).
    Etcd3,
}

impl Backend {
    fn all() -> [Backend; 2] {
        [Backend::Embedded, Backend::Etcd3]
    }

    fn column(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded (redb)",
            Backend::Etcd3 => "etcd3",
        }
    }

    /// A fresh, empty store, or `None` with the reason when the backend cannot run here.
    async fn open(self) -> Result<Result<Opened, String>> {
        match self {
            Backend::Embedded => {
                let tmp = tempfile::tempdir().context("creating a temporary directory")?;
                let embedded = Arc::new(Embedded::open(tmp.path()).context("opening the store")?);
                let store: Arc<dyn Storage> = embedded.clone();
                Ok(Ok(Opened { store, dir: Some(tmp), embedded: Some(embedded), etcd: None }))
            }
            Backend::Etcd3 => {
                let server = match EtcdServer::start(&["--quota-backend-bytes=8589934592"]).await {
                    Ok(server) => server,
                    Err(why) => return Ok(Err(format!("n/a ({why})"))),
                };
                let store = Etcd3::connect(server.config("/registry"))
                    .await
                    .context("connecting to the local etcd")?;
                let store: Arc<dyn Storage> = Arc::new(store);
                Ok(Ok(Opened { store, dir: None, embedded: None, etcd: Some(server) }))
            }
        }
    }
}

/// An open store plus what is needed to measure and close it.
struct Opened {
    store: Arc<dyn Storage>,
    /// The data directory, when the backend keeps its data locally.
    dir: Option<tempfile::TempDir>,
    embedded: Option<Arc<Embedded>>,
    /// The etcd process behind an etcd3 store; stopped when dropped.
    etcd: Option<EtcdServer>,
}

impl Opened {
    fn data_dir(&self) -> Option<PathBuf> {
        match (&self.dir, &self.etcd) {
            (Some(d), _) => Some(d.path().to_path_buf()),
            (None, Some(etcd)) => Some(etcd.dir().join("data")),
            (None, None) => None,
        }
    }

    async fn close(self) {
        if let Some(e) = &self.embedded {
            e.close().await;
        }
    }
}

/// One printed row: a metric and its value per backend.
type Rows = Vec<(String, String)>;

/// The value a write stores: unique (an update with unchanged bytes would not be a write) and
/// padded to a typical object size.
fn object(tag: &str, n: u64, size: usize) -> Vec<u8> {
    let mut v =
        format!("{{\"kind\":\"ConfigMap\",\"tag\":\"{tag}\",\"n\":{n},\"data\":\"").into_bytes();
    let pad = size.saturating_sub(v.len() + 2);
    v.extend(std::iter::repeat_n(b'x', pad));
    v.extend_from_slice(b"\"}");
    v
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(idx).copied().unwrap_or(Duration::ZERO)
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2} GiB", b / 1024.0 / 1024.0 / 1024.0)
    }
}

fn p50_p99(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!("{} / {}", fmt_dur(percentile(&samples, 0.50)), fmt_dur(percentile(&samples, 0.99)))
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Creates `count` keys below `prefix` from `writers` concurrent tasks.
async fn load(store: &Arc<dyn Storage>, prefix: &str, count: u64, writers: usize) -> Result<()> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let store = Arc::clone(store);
        let next = Arc::clone(&next);
        let prefix = prefix.to_string();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return Ok::<(), StorageError>(());
                }
                store.create(&format!("{prefix}/o{n:07}"), object("load", n, OBJECT_BYTES)).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// Creates for `secs` seconds from `writers` tasks; returns creates per second.
async fn create_throughput(store: &Arc<dyn Storage>, writers: usize, secs: u64) -> Result<Rows> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let store = Arc::clone(store);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                store
                    .create(&format!("/bench/create/o{n:08}"), object("c", n, OBJECT_BYTES))
                    .await?;
                lat.push(t.elapsed());
            }
            Ok::<_, StorageError>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rate = lat.len() as f64 / elapsed;
    Ok(vec![
        (format!("create throughput, {writers} writer(s)"), format!("{rate:.0} /s")),
        (format!("create latency p50/p99, {writers} writer(s)"), p50_p99(lat)),
    ])
}

async fn get_latency(store: &Arc<dyn Storage>) -> Result<Rows> {
    let keys = 1_000u64;
    load(store, "/bench/get", keys, BULK_WRITERS).await?;
    let mut lat = Vec::with_capacity(100_000);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let key = format!("/bench/get/o{:07}", x % keys);
        let t = Instant::now();
        let got = store.get(&key).await?;
        lat.push(t.elapsed());
        if got.is_none() {
            bail!("{key} missing");
        }
    }
    Ok(vec![("get latency p50/p99 (1k keys)".to_string(), p50_p99(lat))])
}

async fn list_latency(store: &Arc<dyn Storage>) -> Result<Rows> {
    load(store, "/bench/list", LIST_OBJECTS, BULK_WRITERS).await?;
    let mut lat = Vec::new();
    let mut bytes = 0u64;
    let mut old_lat = Vec::new();
    let revision = store.current_revision().await?;
    for i in 0..20 {
        let t = Instant::now();
        let r = store.list("/bench/list", ListOptions::recursive()).await?;
        lat.push(t.elapsed());
        if r.items.len() as u64 != LIST_OBJECTS {
            bail!("list returned {} items", r.items.len());
        }
        if i == 0 {
            bytes = r.items.iter().map(|kv| (kv.key.len() + kv.value.len()) as u64).sum();
        }
        // The same list at an exact older revision: what a paginated or RV=N list costs.
        store.update("/bench/list/o0000000", None, object("bump", i, OBJECT_BYTES)).await?;
        let t = Instant::now();
        let options = ListOptions { revision: Some(revision), ..ListOptions::recursive() };
        store.list("/bench/list", options).await?;
        old_lat.push(t.elapsed());
    }
    Ok(vec![
        ("list 10k objects p50/p99 (current rev)".to_string(), p50_p99(lat)),
        ("list 10k objects p50/p99 (older rev)".to_string(), p50_p99(old_lat)),
        ("list 10k objects payload".to_string(), fmt_bytes(bytes)),
    ])
}

/// Write-to-delivery latency: each value carries the time it was handed to the store.
async fn watch_latency(store: &Arc<dyn Storage>) -> Result<Rows> {
    store.create("/bench/watch/o", object("w", 0, OBJECT_BYTES)).await?;
    let base = Instant::now();
    let mut watchers = Vec::new();
    for _ in 0..WATCHERS {
        let mut w = store.watch("/bench/watch", 0, true).await?;
        watchers.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(WATCH_WRITES as usize);
            while (lat.len() as u64) < WATCH_WRITES {
                let ev = match w.recv().await {
                    Some(ev) => ev,
                    None => bail!("watch ended early"),
                };
                let e = match ev {
                    WatchEvent::Modified(e) => e,
                    WatchEvent::Added(_) | WatchEvent::Bookmark { .. } => continue,
                    WatchEvent::Deleted(_) => bail!("unexpected delete"),
                    WatchEvent::Error(err) => bail!("watch failed: {err}"),
                };
                let now = base.elapsed();
                let sent = std::str::from_utf8(&e.value)
                    .ok()
                    .and_then(|s| s.split("\"tag\":\"t").nth(1))
                    .and_then(|s| s.split('"').next())
                    .and_then(|s| s.parse::<u64>().ok())
                    .context("value without a send time")?;
                lat.push(now.saturating_sub(Duration::from_nanos(sent)));
            }
            Ok(lat)
        }));
    }
    for i in 0..WATCH_WRITES {
        let sent = base.elapsed().as_nanos() as u64;
        store.update("/bench/watch/o", None, object(&format!("t{sent}"), i, OBJECT_BYTES)).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut lat = Vec::new();
    for w in watchers {
        lat.extend(
            tokio::time::timeout(Duration::from_secs(60), w)
                .await
                .context("watchers stalled")???,
        );
    }
    Ok(vec![(format!("watch delivery p50/p99 ({WATCHERS} watchers)"), p50_p99(lat))])
}

/// Single-writer update latency and full-list latency over the churn keys.
async fn probe(store: &Arc<dyn Storage>, tag: &str) -> Result<(Duration, Duration)> {
    let mut writes = Vec::new();
    // A few untimed lists first, so allocator and cache warm-up do not land in the start figures.
    for _ in 0..10 {
        store.list("/bench/churn", ListOptions::recursive()).await?;
    }
    for i in 0..PROBE_WRITES {
        let key = format!("/bench/churn/o{:07}", (i * 7) % CHURN_KEYS);
        let t = Instant::now();
        store.update(&key, None, object(tag, i, OBJECT_BYTES)).await?;
        writes.push(t.elapsed());
    }
    let mut lists = Vec::new();
    for _ in 0..PROBE_LISTS {
        let t = Instant::now();
        store.list("/bench/churn", ListOptions::recursive()).await?;
        lists.push(t.elapsed());
    }
    writes.sort();
    lists.sort();
    Ok((percentile(&writes, 0.5), percentile(&lists, 0.5)))
}

async fn churn(opened: &Opened, updates: u64) -> Result<Rows> {
    let store = &opened.store;
    load(store, "/bench/churn", CHURN_KEYS, BULK_WRITERS).await?;
    let dir = opened.data_dir();
    let size_start = dir.as_deref().map(dir_size);
    let (write_start, list_start) = probe(store, "probe-start").await?;

    // The compactor: every period, compact at the revision seen one period earlier, keeping one
    // period of history for watchers and exact-revision reads, like the apiserver's loop.
    let stop = Arc::new(tokio::sync::Notify::new());
    let compactor = {
        let store = Arc::clone(store);
        let stop = Arc::clone(&stop);
        let dir = dir.clone();
        tokio::spawn(async move {
            let mut last = store.current_revision().await?;
            // The data-dir size right after each compaction: shows whether space is reused.
            let mut sizes = Vec::new();
            // The slowest compaction call: writes queue behind it, so it bounds the pause.
            let mut slowest = Duration::ZERO;
            loop {
                tokio::select! {
                    _ = stop.notified() => return Ok::<_, StorageError>((sizes, slowest)),
                    _ = tokio::time::sleep(COMPACT_EVERY) => {}
                }
                let now = store.current_revision().await?;
                let t = Instant::now();
                store.compact(last).await?;
                slowest = slowest.max(t.elapsed());
                sizes.push(dir.as_deref().map(dir_size));
                last = now;
            }
        })
    };
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..BULK_WRITERS {
        let store = Arc::clone(store);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= updates {
                    return Ok::<(), StorageError>(());
                }
                let key = format!("/bench/churn/o{:07}", n % CHURN_KEYS);
                store.update(&key, None, object("churn", n, OBJECT_BYTES)).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    stop.notify_one();
    let (sizes, slowest_compact) = compactor.await??;
    let compactions = sizes.len();
    // One last compaction at the end, so the end size reflects a store with one window of
    // history at most.
    let rev = store.current_revision().await?;
    store.compact(rev).await?;
    let (write_end, list_end) = probe(store, "probe-end").await?;
    let size_end = dir.as_deref().map(dir_size);
    let live: u64 = store
        .list("/bench/churn", ListOptions::recursive())
        .await?
        .items
        .iter()
        .map(|kv| (kv.key.len() + kv.value.len()) as u64)
        .sum();
    let ratio = |a: Duration, b: Duration| {
        format!(
            "{} -> {} (x{:.2})",
            fmt_dur(a),
            fmt_dur(b),
            b.as_secs_f64() / a.as_secs_f64().max(1e-9)
        )
    };
    let size = |s: Option<u64>| s.map_or_else(|| "n/a".to_string(), fmt_bytes);
    Ok(vec![
        (
            format!("churn: {updates} updates / {CHURN_KEYS} keys"),
            format!(
                "{:.1} s, {:.0} /s, {compactions} compactions",
                elapsed.as_secs_f64(),
                updates as f64 / elapsed.as_secs_f64().max(1e-9)
            ),
        ),
        (
            "churn: data dir start -> end".to_string(),
            format!("{} -> {}", size(size_start), size(size_end)),
        ),
        ("churn: data dir after each compaction".to_string(), size_series(&sizes)),
        ("churn: slowest compaction call".to_string(), fmt_dur(slowest_compact)),
        ("churn: live data (keys + values)".to_string(), fmt_bytes(live)),
        ("churn: write p50 start -> end".to_string(), ratio(write_start, write_end)),
        ("churn: list 1k p50 start -> end".to_string(), ratio(list_start, list_end)),
    ])
}

/// A short rendering of the sizes sampled after each compaction (the middle elided).
fn size_series(sizes: &[Option<u64>]) -> String {
    let show = |s: &Option<u64>| s.map_or_else(|| "n/a".to_string(), fmt_bytes);
    if sizes.is_empty() {
        return "none".to_string();
    }
    if sizes.len() <= 6 {
        return sizes.iter().map(show).collect::<Vec<_>>().join(", ");
    }
    let head: Vec<String> = sizes.iter().take(3).map(show).collect();
    let tail: Vec<String> = sizes.iter().skip(sizes.len() - 3).map(show).collect();
    format!("{}, ..., {}", head.join(", "), tail.join(", "))
}

/// Runs one scenario on a fresh store of `backend`.
async fn scenario(backend: Backend, config: &Config, name: &str) -> Result<Result<Rows, String>> {
    let opened = match backend.open().await? {
        Ok(o) => o,
        Err(why) => return Ok(Err(why)),
    };
    let store = Arc::clone(&opened.store);
    let rows = match name {
        "create-1" => create_throughput(&store, 1, config.secs).await,
        "create-64" => create_throughput(&store, 64, config.secs).await,
        "get" => get_latency(&store).await,
        "list" => list_latency(&store).await,
        "watch" => watch_latency(&store).await,
        "churn" => churn(&opened, config.churn).await,
        other => bail!("unknown scenario {other}"),
    };
    drop(store);
    opened.close().await;
    Ok(Ok(rows.with_context(|| format!("{name} on {}", backend.column()))?))
}

/// Scenario rows in print order, with a cell per backend.
type Table = Vec<(String, BTreeMap<usize, String>)>;

#[tokio::main]
async fn main() -> Result<()> {
    let config = parse_args()?;
    let backends = Backend::all();
    let scenarios = ["create-1", "create-64", "get", "list", "watch", "churn"];
    let mut table: Table = Vec::new();
    if let Some(bad) = config.only.iter().find(|o| !scenarios.contains(&o.as_str())) {
        bail!("unknown scenario {bad:?} (one of {})", scenarios.join(", "));
    }
    for name in scenarios {
        if !config.only.is_empty() && !config.only.iter().any(|o| o == name) {
            continue;
        }
        // Placeholder rows for a backend that cannot run take the metric names of one that can.
        let mut pending: Vec<(usize, String)> = Vec::new();
        let start = table.len();
        for (col, backend) in backends.iter().enumerate() {
            eprintln!("running {name} on {}", backend.column());
            match scenario(*backend, &config, name).await? {
                Ok(rows) => {
                    for (metric, value) in rows {
                        match table.iter_mut().find(|(m, _)| *m == metric) {
                            Some((_, cells)) => {
                                cells.insert(col, value);
                            }
                            None => table.push((metric, BTreeMap::from([(col, value)]))),
                        }
                    }
                }
                Err(why) => pending.push((col, why)),
            }
        }
        for (_, cells) in table.iter_mut().skip(start) {
            for (col, why) in &pending {
                cells.entry(*col).or_insert_with(|| why.clone());
            }
        }
    }
    print_table(&backends, &table);
    Ok(())
}

fn print_table(backends: &[Backend], table: &Table) {
    let metric_w = table.iter().map(|(m, _)| m.chars().count()).max().unwrap_or(6).max(6);
    let widths: Vec<usize> = backends
        .iter()
        .enumerate()
        .map(|(col, b)| {
            table
                .iter()
                .filter_map(|(_, cells)| cells.get(&col))
                .map(|c| c.chars().count())
                .chain([b.column().len()])
                .max()
                .unwrap_or(8)
        })
        .collect();
    let mut header = format!("| {:<metric_w$} |", "metric");
    let mut rule = format!("|{}|", "-".repeat(metric_w + 2));
    for (b, w) in backends.iter().zip(&widths) {
        header.push_str(&format!(" {:<w$} |", b.column()));
        rule.push_str(&format!("{}|", "-".repeat(w + 2)));
    }
    header.push_str(" embedded / etcd3 |");
    rule.push_str(&format!("{}|", "-".repeat(18)));
    println!("{header}\n{rule}");
    for (metric, cells) in table {
        let mut line = format!("| {metric:<metric_w$} |");
        for (col, w) in widths.iter().enumerate() {
            let cell = cells.get(&col).map_or("", String::as_str);
            line.push_str(&format!(" {cell:<w$} |"));
        }
        let ratio = match (
            cells.get(&0).and_then(|c| leading_quantity(c)),
            cells.get(&1).and_then(|c| leading_quantity(c)),
        ) {
            (Some(ours), Some(base)) if base > 0.0 => format!("x{:.2}", ours / base),
            _ => String::new(),
        };
        line.push_str(&format!(" {ratio:<16} |"));
        println!("{line}");
    }
    println!(
        "\nembedded / etcd3 compares each row's first figure: above 1 means the embedded store's \
         figure is larger (better for throughput, worse for latency and size)."
    );
}

/// The first number in a cell, scaled to base units (seconds, bytes) so cells with different
/// units compare: `458.0 µs / 796.7 µs` is 0.000458, `10.0 MiB` is 10485760, `2086 /s` is 2086.
fn leading_quantity(cell: &str) -> Option<f64> {
    let start = cell.find(|c: char| c.is_ascii_digit())?;
    let rest = &cell[start..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let value: f64 = rest[..end].parse().ok()?;
    let unit = rest[end..].trim_start();
    let scale = [
        ("ns", 1e-9),
        ("µs", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("KiB", 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("B", 1.0),
    ]
    .iter()
    .find(|(u, _)| unit.starts_with(u) && !unit.starts_with("s,"))
    .map_or(1.0, |(_, f)| *f);
    Some(value * scale)
}

#[cfg(test)]
mod tests {
    use super::leading_quantity;

    #[test]
    fn leading_quantity_scales_units() {
        for (cell, want) in [
            ("2086 /s", Some(2086.0)),
            ("458.0 µs / 796.7 µs", Some(458.0e-6)),
            ("2.05 ms / 5.14 ms", Some(2.05e-3)),
            ("10.0 MiB", Some(10.0 * 1024.0 * 1024.0)),
            ("1020.5 KiB", Some(1020.5 * 1024.0)),
            ("17.9 s, 11150 /s, 5 compactions", Some(17.9)),
            ("n/a (no etcd)", None),
        ] {
            let got = leading_quantity(cell);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() <= w * 1e-9, "{cell}: {g} != {w}"),
                (g, w) => assert_eq!(g, w, "{cell}"),
            }
        }
    }
}
