//! Watch cache tests over the embedded backend, named after upstream's cacher_test.go,
//! cacher_whitebox_test.go and watch_cache_test.go cases they mirror.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};

use super::super::{
    Bytes, Embedded, EmbeddedOptions, KeyValue, ListOptions, ListResult, Storage, StorageError,
    StorageFuture, Watch, WatchEvent,
};
use super::{CacheEvent, CacheWatch, Cacher, CacherOptions, Indexer, MatchValue, WatchOptions};

const WAIT: Duration = Duration::from_secs(10);

/// A backend wrapper that counts lists and lets a test fail lists, hold watches back and break
/// the watches it has handed out.
struct Probe {
    inner: Embedded,
    lists: AtomicUsize,
    fail_lists: AtomicBool,
    gate: watch::Sender<bool>,
    breaker: broadcast::Sender<()>,
    /// When set, watch events carry their own copies of the values, as etcd's do.
    copy_values: Arc<AtomicBool>,
}

impl Probe {
    fn lists(&self) -> usize {
        self.lists.load(Ordering::SeqCst)
    }

    fn break_watches(&self) {
        let _ = self.breaker.send(());
    }
}

impl Storage for Probe {
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> StorageFuture<'a, u64> {
        self.inner.create(key, value)
    }
    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<KeyValue>> {
        self.inner.get(key)
    }
    fn list<'a>(&'a self, key: &'a str, options: ListOptions) -> StorageFuture<'a, ListResult> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        if self.fail_lists.load(Ordering::SeqCst) {
            return Box::pin(async { Err(StorageError::Unavailable("injected".to_string())) });
        }
        self.inner.list(key, options)
    }
    fn update<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
    ) -> StorageFuture<'a, u64> {
        self.inner.update(key, expected, value)
    }
    fn delete<'a>(&'a self, key: &'a str, expected: Option<u64>) -> StorageFuture<'a, KeyValue> {
        self.inner.delete(key, expected)
    }
    fn watch<'a>(&'a self, key: &'a str, from: u64, recursive: bool) -> StorageFuture<'a, Watch> {
        Box::pin(async move {
            let mut gate = self.gate.subscribe();
            let _ = gate.wait_for(|open| *open).await;
            let mut inner = self.inner.watch(key, from, recursive).await?;
            let mut broken = self.breaker.subscribe();
            let copy_values = Arc::clone(&self.copy_values);
            let (tx, rx) = mpsc::channel(1024);
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = broken.recv() => {
                            let e = StorageError::Unavailable("broken by test".to_string());
                            let _ = tx.send(WatchEvent::Error(e)).await;
                            return;
                        }
                        ev = inner.recv() => match ev {
                            Some(mut ev) => {
                                if copy_values.load(Ordering::SeqCst) {
                                    copy_event_values(&mut ev);
                                }
                                if tx.send(ev).await.is_err() {
                                    return;
                                }
                            }
                            None => return,
                        },
                    }
                }
            });
            Ok(Watch::new(rx))
        })
    }
    fn current_revision(&self) -> StorageFuture<'_, u64> {
        self.inner.current_revision()
    }
    fn compacted_revision(&self) -> StorageFuture<'_, u64> {
        self.inner.compacted_revision()
    }
    fn compact(&self, revision: u64) -> StorageFuture<'_, ()> {
        self.inner.compact(revision)
    }
    fn count<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, u64> {
        self.inner.count(prefix)
    }
}

/// Replaces an event's values with copies of their bytes.
fn copy_event_values(ev: &mut WatchEvent) {
    if let WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) = ev {
        e.value = Bytes::copy_from_slice(&e.value);
        e.prev_value = e.prev_value.as_deref().map(Bytes::copy_from_slice);
    }
}

struct Env {
    probe: Arc<Probe>,
    cacher: Cacher,
    _dir: tempfile::TempDir,
}

fn quick() -> CacherOptions {
    CacherOptions {
        bookmark_interval: Duration::from_millis(50),
        ready_timeout: WAIT,
        freshness_timeout: WAIT,
        relist_backoff: Duration::from_millis(10),
        ..CacherOptions::default()
    }
}

/// An embedded backend with progress bookmarks (so idle prefixes catch up), behind a probe,
/// behind a cacher of `/pods`.
async fn env_with(options: CacherOptions, progress: Option<Duration>) -> Env {
    env_with_indexers(options, progress, Vec::new()).await
}

/// [`env_with`] with a cacher keeping the given indexes.
async fn env_with_indexers(
    options: CacherOptions,
    progress: Option<Duration>,
    indexers: Vec<Indexer>,
) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let inner = Embedded::open_with(
        dir.path(),
        EmbeddedOptions { progress_interval: progress, ..EmbeddedOptions::default() },
    )
    .unwrap();
    let probe = Arc::new(Probe {
        inner,
        lists: AtomicUsize::new(0),
        fail_lists: AtomicBool::new(false),
        gate: watch::channel(true).0,
        breaker: broadcast::channel(4).0,
        copy_values: Arc::new(AtomicBool::new(false)),
    });
    let storage: Arc<dyn Storage> = probe.clone();
    let cacher = Cacher::with_indexers(storage, "/pods", options, indexers).unwrap();
    cacher.wait_ready().await.unwrap();
    Env { probe, cacher, _dir: dir }
}

async fn env() -> Env {
    env_with(quick(), Some(Duration::from_millis(20))).await
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

async fn next(w: &mut CacheWatch) -> CacheEvent {
    match tokio::time::timeout(WAIT, w.recv()).await {
        Ok(Some(ev)) => ev,
        Ok(None) => panic!("watch ended unexpectedly"),
        Err(_) => panic!("no event within {WAIT:?}"),
    }
}

/// The next event that is not a progress bookmark.
async fn next_change(w: &mut CacheWatch) -> CacheEvent {
    loop {
        let ev = next(w).await;
        if let CacheEvent::Event(e) = &ev
            && matches!(**e, WatchEvent::Bookmark { .. })
        {
            continue;
        }
        return ev;
    }
}

/// A compact description of an event: kind, key, value, revision.
fn describe(ev: &CacheEvent) -> (String, String, String, u64) {
    let (kind, e) = match ev {
        CacheEvent::Event(e) => match &**e {
            WatchEvent::Added(x) => ("ADDED", x),
            WatchEvent::Modified(x) => ("MODIFIED", x),
            WatchEvent::Deleted(x) => ("DELETED", x),
            WatchEvent::Bookmark { revision } => {
                return ("BOOKMARK".into(), String::new(), String::new(), *revision);
            }
            WatchEvent::Error(err) => return ("ERROR".into(), err.to_string(), String::new(), 0),
        },
        CacheEvent::InitialEventsEnd { revision } => {
            return ("INITIAL_END".into(), String::new(), String::new(), *revision);
        }
    };
    (
        kind.to_string(),
        e.key.to_string(),
        String::from_utf8_lossy(&e.value).into_owned(),
        e.revision,
    )
}

fn check_events(got: &[CacheEvent], want: &[(&str, &str, &str, u64)]) {
    let got: Vec<_> = got.iter().map(describe).collect();
    let want: Vec<_> = want
        .iter()
        .map(|(k, key, v, r)| (k.to_string(), key.to_string(), v.to_string(), *r))
        .collect();
    assert_eq!(got, want);
}

async fn wait_revision(c: &Cacher, revision: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while c.revision() < revision {
        assert!(tokio::time::Instant::now() < deadline, "cache stuck at {}", c.revision());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn keys(r: &ListResult) -> Vec<(String, u64)> {
    r.items.iter().map(|kv| (kv.key.clone(), kv.mod_revision)).collect()
}

fn opts(revision: Option<u64>, limit: u64) -> ListOptions {
    ListOptions { revision, limit, recursive: true, continue_key: None }
}

/// Mirrors TestWaitUntilFreshAndListFromCache: a consistent list right after writes sees them and
/// is served from the cache, even when another prefix moved storage's revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_wait_until_fresh_and_list_from_cache() {
    let e = env().await;
    let c = &e.cacher;
    let ra = c.create("/pods/ns/a", b("a")).await.unwrap();
    let rb = c.create("/pods/ns/b", b("b")).await.unwrap();
    let rb2 = c.update("/pods/ns/b", Some(rb), b("b2")).await.unwrap();
    let other = c.create("/other/x", b("x")).await.unwrap();
    let before = e.probe.lists();
    let got = c.list("/pods/ns", ListOptions::recursive()).await.unwrap();
    assert_eq!(e.probe.lists(), before, "consistent list must come from the cache");
    assert_eq!(keys(&got), vec![("/pods/ns/a".into(), ra), ("/pods/ns/b".into(), rb2)]);
    assert_eq!(got.items[1].value, b("b2"));
    assert!(got.revision >= other, "{} < {other}", got.revision);
    let deleted = c.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    let got = c.list("/pods", ListOptions::recursive()).await.unwrap();
    assert_eq!(keys(&got), vec![("/pods/ns/b".into(), rb2)]);
    assert!(got.revision >= deleted);
    // Non-recursive: the one key.
    let one = ListOptions::default();
    let got = c.list("/pods/ns/b", one.clone()).await.unwrap();
    assert_eq!(keys(&got), vec![("/pods/ns/b".into(), rb2)]);
    assert!(c.list("/pods/ns/a", one).await.unwrap().items.is_empty());
    // Outside the prefix: storage answers.
    let got = c.list("/other", ListOptions::recursive()).await.unwrap();
    assert_eq!(keys(&got), vec![("/other/x".into(), other)]);
}

/// Mirrors TestConsistentReadFallback: without progress bookmarks an idle prefix cannot prove it
/// is fresh, so the list falls back to storage after the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_consistent_read_fallback() {
    let options = CacherOptions { freshness_timeout: Duration::from_millis(100), ..quick() };
    let e = env_with(options, None).await;
    let c = &e.cacher;
    let ra = c.create("/pods/ns/a", b("a")).await.unwrap();
    wait_revision(c, ra).await;
    let other = c.create("/other/x", b("x")).await.unwrap();
    let before = e.probe.lists();
    let got = c.list("/pods", ListOptions::recursive()).await.unwrap();
    assert_eq!(e.probe.lists(), before + 1, "expected a storage fallback");
    assert_eq!(keys(&got), vec![("/pods/ns/a".into(), ra)]);
    assert_eq!(got.revision, other);
}

/// Mirrors TestGetListNonRecursiveCacheWithConsistentListFromCache's resourceVersion "0" cases:
/// "any" lists serve the cached state, paged by limit with a continue token storage accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_list_resource_version_zero() {
    let e = env().await;
    let c = &e.cacher;
    let mut revs = Vec::new();
    for name in ["a", "b", "c", "d", "e"] {
        revs.push(c.create(&format!("/pods/ns/{name}"), b(name)).await.unwrap());
    }
    let last = *revs.last().unwrap();
    wait_revision(c, last).await;
    let before = e.probe.lists();
    let all = c.list("/pods", opts(Some(0), 0)).await.unwrap();
    assert_eq!(all.items.len(), 5);
    assert_eq!(all.revision, last);
    assert_eq!(e.probe.lists(), before);
    let exact = c.list("/pods/ns/c", ListOptions { revision: Some(0), ..ListOptions::default() });
    assert_eq!(keys(&exact.await.unwrap()), vec![("/pods/ns/c".into(), revs[2])]);
    // Paging: first page from the cache, the rest from storage at the same revision.
    let page = c.list("/pods", opts(Some(0), 2)).await.unwrap();
    assert_eq!(e.probe.lists(), before);
    assert_eq!(keys(&page), vec![("/pods/ns/a".into(), revs[0]), ("/pods/ns/b".into(), revs[1])]);
    assert_eq!(page.remaining, Some(3));
    let token = page.continue_key.clone().unwrap();
    c.update("/pods/ns/d", None, b("d2")).await.unwrap();
    let rest = ListOptions { continue_key: Some(token), ..opts(None, 10) };
    let rest = c.list("/pods", rest).await.unwrap();
    assert_eq!(e.probe.lists(), before + 1);
    assert_eq!(rest.revision, last);
    assert_eq!(
        rest.items.iter().map(|kv| kv.value.clone()).collect::<Vec<_>>(),
        [b("c"), b("d"), b("e")]
    );
    assert_eq!(rest.continue_key, None);
}

/// Mirrors TestMatchExactResourceVersionFallback: an exact older revision is read from storage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_match_exact_resource_version_fallback() {
    let e = env().await;
    let c = &e.cacher;
    let r1 = c.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = c.update("/pods/ns/a", None, b("a2")).await.unwrap();
    wait_revision(c, r2).await;
    let before = e.probe.lists();
    let old = c.list("/pods", opts(Some(r1), 0)).await.unwrap();
    assert_eq!(e.probe.lists(), before + 1);
    assert_eq!(old.revision, r1);
    assert_eq!(old.items[0].value, b("a1"));
    // The cache's own revision is served from memory.
    let now = c.list("/pods", opts(Some(c.revision()), 0)).await.unwrap();
    assert_eq!(e.probe.lists(), before + 1);
    assert_eq!(now.items[0].value, b("a2"));
    // A limit on a non-"any" read goes to storage.
    c.list("/pods", opts(None, 1)).await.unwrap();
    assert_eq!(e.probe.lists(), before + 2);
}

/// Mirrors TestEvents: a watch from a revision inside the window replays exactly the events
/// after it, then continues live; outside keys and the start revision itself are not replayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_events() {
    let e = env().await;
    let c = &e.cacher;
    let r1 = c.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = c.create("/pods/ns/b", b("b1")).await.unwrap();
    let r3 = c.update("/pods/ns/a", None, b("a2")).await.unwrap();
    c.create("/other/x", b("x")).await.unwrap();
    let r4 = c.delete("/pods/ns/b", None).await.unwrap().mod_revision;
    wait_revision(c, r4).await;
    let options =
        WatchOptions { from_revision: Some(r1), recursive: true, ..WatchOptions::default() };
    let mut w = c.watch_with("/pods", options).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(next_change(&mut w).await);
    }
    let r5 = c.create("/pods/ns/c", b("c1")).await.unwrap();
    got.push(next_change(&mut w).await);
    check_events(
        &got,
        &[
            ("ADDED", "/pods/ns/b", "b1", r2),
            ("MODIFIED", "/pods/ns/a", "a2", r3),
            ("DELETED", "/pods/ns/b", "b1", r4),
            ("ADDED", "/pods/ns/c", "c1", r5),
        ],
    );
    // A single-key watch sees only its key.
    let options = WatchOptions { from_revision: Some(r1), ..WatchOptions::default() };
    let mut one = c.watch_with("/pods/ns/a", options).await.unwrap();
    let got = vec![next_change(&mut one).await];
    check_events(&got, &[("MODIFIED", "/pods/ns/a", "a2", r3)]);
    // The previous value comes through from storage.
    match &got[0] {
        CacheEvent::Event(ev) => match &**ev {
            WatchEvent::Modified(x) => assert_eq!(x.prev_value.as_deref(), Some(&b"a1"[..])),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// Mirrors TestEvents' "too old resource version" cases: once the window dropped events, a watch
/// must start at or after the revision just before the oldest one kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_events_too_old_resource_version() {
    let e =
        env_with(CacherOptions { history_capacity: 3, history_max_capacity: 3, ..quick() }, None)
            .await;
    let c = &e.cacher;
    let start = c.create("/pods/ns/first", b("x")).await.unwrap();
    let mut revs = Vec::new();
    for i in 0..6 {
        revs.push(c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap());
    }
    wait_revision(c, revs[5]).await;
    assert_eq!(c.shared.lock().window(), revs[3..].to_vec());
    let watch_from = |from: u64| {
        c.watch_with(
            "/pods",
            WatchOptions { from_revision: Some(from), recursive: true, ..WatchOptions::default() },
        )
    };
    for too_old in [start, revs[0], revs[1]] {
        match watch_from(too_old).await {
            Err(StorageError::ResourceExpired { message, continue_token: None }) => {
                assert_eq!(message, format!("too old resource version: {too_old} ({})", revs[2]));
            }
            other => panic!("from {too_old}: {other:?}"),
        }
    }
    let mut w = watch_from(revs[2]).await.unwrap();
    for want in &revs[3..] {
        assert_eq!(describe(&next_change(&mut w).await).3, *want);
    }
    // Through the Storage trait the error is the same.
    let err = c.watch("/pods", revs[0], true).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
}

/// Mirrors the storage suite's TestWatchFromZero through the cache: the current state as Added
/// events, then live changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_watch_from_zero() {
    let e = env().await;
    let c = &e.cacher;
    let ra = c.create("/pods/ns/a", b("a1")).await.unwrap();
    let rb = c.create("/pods/ns/b", b("b1")).await.unwrap();
    let ra2 = c.update("/pods/ns/a", None, b("a2")).await.unwrap();
    wait_revision(c, ra2).await;
    let mut w = c.watch("/pods/ns", 0, true).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(w.recv().await.unwrap());
    }
    let rc = c.create("/pods/ns/c", b("c1")).await.unwrap();
    got.push(tokio::time::timeout(WAIT, w.recv()).await.unwrap().unwrap());
    let got: Vec<_> = got
        .into_iter()
        .map(|ev| match ev {
            WatchEvent::Added(x) => ("ADDED", x.key.to_string(), x.revision, x.create_revision),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("ADDED", "/pods/ns/a".to_string(), ra2, ra),
            ("ADDED", "/pods/ns/b".to_string(), rb, rb),
            ("ADDED", "/pods/ns/c".to_string(), rc, rc),
        ]
    );
}

/// Mirrors TestCacherNoLeakWithMultipleWatchers at scale: 2,000 watchers all receive the same
/// sequence, each event shared rather than copied, and dropped watchers are released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cacher_no_leak_with_multiple_watchers() {
    let e = env_with(quick(), None).await;
    let c = &e.cacher;
    let mut watchers = Vec::new();
    for i in 0..2000 {
        let key = if i % 2 == 0 { "/pods" } else { "/pods/ns" };
        let options =
            WatchOptions { from_revision: None, recursive: true, ..WatchOptions::default() };
        watchers.push(c.watch_with(key, options).await.unwrap());
    }
    assert_eq!(c.watcher_count(), 2000);
    let mut revs = Vec::new();
    for i in 0..20 {
        let key = format!("/pods/ns/p{}", i % 5);
        let r = match c.create(&key, b(&i.to_string())).await {
            Ok(r) => r,
            Err(StorageError::KeyExists { .. }) => {
                c.update(&key, None, b(&i.to_string())).await.unwrap()
            }
            Err(err) => panic!("{err}"),
        };
        revs.push(r);
    }
    let mut first: Vec<Arc<WatchEvent>> = Vec::new();
    for (i, w) in watchers.iter_mut().enumerate() {
        for (j, want) in revs.iter().enumerate() {
            let ev = match next_change(w).await {
                CacheEvent::Event(ev) => ev,
                other => panic!("{other:?}"),
            };
            assert_eq!(ev.revision(), Some(*want), "watcher {i}");
            if i == 0 {
                first.push(ev);
            } else {
                assert!(Arc::ptr_eq(&ev, &first[j]), "watcher {i} got a copy of event {j}");
            }
        }
    }
    drop(watchers);
    let r = c.create("/pods/ns/last", b("x")).await.unwrap();
    wait_revision(c, r).await;
    assert_eq!(c.watcher_count(), 0);
}

/// Mirrors TestDispatchEventWillNotBeBlockedByTimedOutWatcher: a watcher that stops reading is
/// ended with an error once its buffer fills, while the others keep receiving everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_dispatch_event_will_not_be_blocked_by_timed_out_watcher() {
    let e = env_with(CacherOptions { watcher_buffer: 4, ..quick() }, None).await;
    let c = &e.cacher;
    let start = WatchOptions { from_revision: None, recursive: true, ..WatchOptions::default() };
    let mut slow = c.watch_with("/pods", start.clone()).await.unwrap();
    let mut fast = c.watch_with("/pods", start).await.unwrap();
    let mut revs = Vec::new();
    for i in 0..12 {
        let r = c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap();
        // Lockstep keeps the reading watcher's buffer from filling.
        assert_eq!(describe(&next_change(&mut fast).await).3, r);
        revs.push(r);
    }
    let mut got = Vec::new();
    let err = loop {
        match describe(&next(&mut slow).await) {
            (kind, msg, _, _) if kind == "ERROR" => break msg,
            (_, _, _, r) => got.push(r),
        }
    };
    assert_eq!(got, revs[..4].to_vec());
    assert_eq!(err, "storage unavailable: watch of /pods terminated: the consumer fell behind");
    assert!(tokio::time::timeout(WAIT, slow.recv()).await.unwrap().is_none());
    let r = c.create("/pods/ns/after", b("x")).await.unwrap();
    assert_eq!(describe(&next_change(&mut fast).await).3, r);
}

/// Mirrors TestCacherSendBookmarkEvents: watchers that asked get periodic bookmarks at the
/// cache revision, never going back; others get none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cacher_send_bookmark_events() {
    let e = env().await;
    let c = &e.cacher;
    let options = |bookmarks| WatchOptions {
        from_revision: None,
        recursive: true,
        bookmarks,
        ..WatchOptions::default()
    };
    let mut with = c.watch_with("/pods", options(true)).await.unwrap();
    let mut without = c.watch_with("/pods", options(false)).await.unwrap();
    let mut last = 0;
    let mut bookmarks = Vec::new();
    for i in 0..3 {
        let r = c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap();
        loop {
            match describe(&next(&mut with).await) {
                (kind, _, _, rev) if kind == "BOOKMARK" => {
                    assert!(rev >= last, "bookmark went back: {rev} < {last}");
                    last = rev;
                    if rev >= r {
                        bookmarks.push(rev);
                        break;
                    }
                }
                (_, _, _, rev) => {
                    assert!(rev >= last);
                    last = rev;
                }
            }
        }
        // The plain watcher sees the change and no bookmark before it.
        assert_eq!(
            describe(&next(&mut without).await),
            ("ADDED".into(), format!("/pods/ns/p{i}"), "x".into(), r)
        );
    }
    assert!(bookmarks.windows(2).all(|w| w[0] < w[1]), "{bookmarks:?}");
}

/// Mirrors TestInitialEventsEndBookmark: sendInitialEvents streams the state as Added events and
/// ends it with one marker at the cache revision, then continues live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_initial_events_end_bookmark() {
    let e = env().await;
    let c = &e.cacher;
    let rb = c.create("/pods/ns/b", b("b")).await.unwrap();
    let ra = c.create("/pods/ns/a", b("a")).await.unwrap();
    let options = WatchOptions {
        from_revision: None,
        recursive: true,
        bookmarks: true,
        send_initial_events: true,
        matches: Vec::new(),
    };
    let mut w = c.watch_with("/pods", options).await.unwrap();
    let got = vec![next(&mut w).await, next(&mut w).await, next(&mut w).await];
    let end = c.revision();
    assert!(end >= ra);
    check_events(
        &got,
        &[
            ("ADDED", "/pods/ns/a", "a", ra),
            ("ADDED", "/pods/ns/b", "b", rb),
            ("INITIAL_END", "", "", end),
        ],
    );
    let rc = c.create("/pods/ns/c", b("c")).await.unwrap();
    check_events(&[next_change(&mut w).await], &[("ADDED", "/pods/ns/c", "c", rc)]);
    // With a start revision the cache first waits to reach it; the marker is a bookmark in the
    // Storage spelling.
    let options = WatchOptions {
        from_revision: Some(rc),
        recursive: false,
        bookmarks: false,
        send_initial_events: true,
        matches: Vec::new(),
    };
    let mut w = c.watch_with("/pods/ns/c", options).await.unwrap();
    let got = vec![next(&mut w).await, next(&mut w).await];
    check_events(&got, &[("ADDED", "/pods/ns/c", "c", rc), ("INITIAL_END", "", "", c.revision())]);
    assert_eq!(
        got[1].clone().into_watch_event(),
        WatchEvent::Bookmark { revision: describe(&got[1]).3 }
    );
}

/// Mirrors TestCacherDontMissEventsOnReinitialization's recovery path: when the reflector's watch
/// breaks and storage compacted past the cache, it relists, ends old watchers and serves the new
/// state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reflector_relists_after_compaction() {
    let e = env().await;
    let c = &e.cacher;
    let r1 = c.create("/pods/ns/a", b("a1")).await.unwrap();
    wait_revision(c, r1).await;
    let options =
        WatchOptions { from_revision: Some(r1), recursive: true, ..WatchOptions::default() };
    let mut old = c.watch_with("/pods", options).await.unwrap();
    let lists = e.probe.lists();
    // Hold the reflector's next watch back, break the current one, then move past the cache.
    e.probe.gate.send_replace(false);
    e.probe.break_watches();
    let r2 = c.update("/pods/ns/a", None, b("a2")).await.unwrap();
    let r3 = c.create("/pods/ns/b", b("b1")).await.unwrap();
    c.compact(r3).await.unwrap();
    e.probe.gate.send_replace(true);
    // The old watcher ends without an error (it may have seen r2 first).
    loop {
        match tokio::time::timeout(WAIT, old.recv()).await.expect("old watcher not ended") {
            None => break,
            Some(ev) => assert_eq!(describe(&ev).3, r2, "{ev:?}"),
        }
    }
    wait_revision(c, r3).await;
    assert!(e.probe.lists() > lists, "expected a relist");
    let got = c.list("/pods", opts(Some(0), 0)).await.unwrap();
    assert_eq!(keys(&got), vec![("/pods/ns/a".into(), r2), ("/pods/ns/b".into(), r3)]);
    // The window restarts at the relist: older starts are expired, newer ones work.
    let err = c.watch("/pods", r1, true).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
    let mut w = c.watch("/pods", r3, true).await.unwrap();
    let r4 = c.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    loop {
        match tokio::time::timeout(WAIT, w.recv()).await.unwrap().unwrap() {
            WatchEvent::Deleted(x) => {
                assert_eq!((&*x.key, x.revision), ("/pods/ns/a", r4));
                break;
            }
            WatchEvent::Bookmark { .. } => {}
            other => panic!("{other:?}"),
        }
    }
}

/// A broken storage watch that can resume from the cache revision keeps watchers alive and the
/// window intact (upstream's reflector re-watches from its last resourceVersion).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reflector_resumes_broken_watch() {
    let e = env().await;
    let c = &e.cacher;
    let r1 = c.create("/pods/ns/a", b("a1")).await.unwrap();
    wait_revision(c, r1).await;
    let options =
        WatchOptions { from_revision: Some(r1), recursive: true, ..WatchOptions::default() };
    let mut w = c.watch_with("/pods", options).await.unwrap();
    let lists = e.probe.lists();
    e.probe.break_watches();
    let r2 = c.update("/pods/ns/a", None, b("a2")).await.unwrap();
    check_events(&[next_change(&mut w).await], &[("MODIFIED", "/pods/ns/a", "a2", r2)]);
    assert_eq!(e.probe.lists(), lists, "resuming must not relist");
}

/// Mirrors TestRetryAfterForUnreadyCache / TestCacherDontAcceptRequestsStopped: while the first
/// list fails, reads wait for readiness and then fail with the reason; paged "any" lists go to
/// storage instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_retry_after_for_unready_cache() {
    let dir = tempfile::tempdir().unwrap();
    let probe = Arc::new(Probe {
        inner: Embedded::open(dir.path()).unwrap(),
        lists: AtomicUsize::new(0),
        fail_lists: AtomicBool::new(true),
        gate: watch::channel(true).0,
        breaker: broadcast::channel(4).0,
        copy_values: Arc::new(AtomicBool::new(false)),
    });
    let options = CacherOptions { ready_timeout: Duration::from_millis(100), ..quick() };
    let storage: Arc<dyn Storage> = probe.clone();
    let c = Cacher::with_options(storage, "/pods", options).unwrap();
    assert!(!c.is_ready());
    let err = c.list("/pods", opts(Some(0), 0)).await.unwrap_err();
    assert_eq!(
        err,
        StorageError::Unavailable(
            "storage is (re)initializing: storage unavailable: injected".into()
        )
    );
    let err = c.watch("/pods", 0, true).await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    // Paged lists bypass the unready cache; they fail here only because storage lists fail.
    let err = c.list("/pods", opts(Some(0), 5)).await.unwrap_err();
    assert_eq!(err, StorageError::Unavailable("injected".into()));
    probe.fail_lists.store(false, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !c.is_ready() {
        assert!(tokio::time::Instant::now() < deadline, "cache never became ready");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(c.list("/pods", opts(Some(0), 0)).await.unwrap().items.is_empty());
}

/// Keys outside the prefix and invalid keys are refused or passed through, never served stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_key_outside_prefix() {
    let e = env().await;
    let c = &e.cacher;
    assert_eq!(c.prefix(), "/pods/");
    let r = c.create("/podsx/a", b("x")).await.unwrap();
    let got = c.list("/podsx", opts(Some(0), 0)).await.unwrap();
    assert_eq!(keys(&got), vec![("/podsx/a".into(), r)]);
    let err = c.watch_with("/podsx", WatchOptions::default()).await.unwrap_err();
    assert!(matches!(err, StorageError::InvalidKey(_)), "{err:?}");
    for bad in ["", "/", "/pods/../x"] {
        assert!(
            matches!(c.list(bad, ListOptions::recursive()).await, Err(StorageError::InvalidKey(_))),
            "{bad}"
        );
    }
    let (got, _) = c.get_cached("/pods/none").await.unwrap();
    assert_eq!(got, None);
}

/// The backend conformance suite, run through a cacher of `/pods` (the suite's keys), so the
/// cache is interchangeable with a backend wherever a [`Storage`] is expected.
mod conformance {
    use super::*;

    async fn fresh() -> (Arc<dyn Storage>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let options = EmbeddedOptions {
            watch_buffer: 16,
            progress_interval: Some(Duration::from_millis(20)),
            ..EmbeddedOptions::default()
        };
        let storage: Arc<dyn Storage> = Arc::new(Embedded::open_with(dir.path(), options).unwrap());
        let cacher =
            Cacher::with_options(storage, "/pods", CacherOptions { watcher_buffer: 16, ..quick() })
                .unwrap();
        cacher.wait_ready().await.unwrap();
        (Arc::new(cacher), dir)
    }

    crate::storage::suite::storage_suite!(fresh().await);
}

/// Mirrors TestWaitUntilWatchCacheFreshAndForceAllEvents: a watch with initial events first waits
/// for the cache to reach storage's revision, failing with "too large" when it cannot in time;
/// a plain unset-revision watch starts at the cache revision without waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_wait_until_watch_cache_fresh_and_force_all_events() {
    let options = CacherOptions { freshness_timeout: Duration::from_millis(100), ..quick() };
    let e = env_with(options, None).await;
    let c = &e.cacher;
    let ra = c.create("/pods/ns/a", b("a")).await.unwrap();
    wait_revision(c, ra).await;
    let other = c.create("/other/x", b("x")).await.unwrap();
    let initial = WatchOptions { recursive: true, send_initial_events: true, ..Default::default() };
    let err = c.watch_with("/pods", initial.clone()).await.unwrap_err();
    assert_eq!(err, StorageError::TooLargeResourceVersion { requested: other, current: ra });
    assert_eq!(err.to_string(), format!("Too large resource version: {other}, current: {ra}"));
    let plain = WatchOptions { recursive: true, ..Default::default() };
    let mut plain = c.watch_with("/pods", plain).await.unwrap();
    let rb = c.create("/pods/ns/b", b("b")).await.unwrap();
    check_events(&[next_change(&mut plain).await], &[("ADDED", "/pods/ns/b", "b", rb)]);
    // Once the prefix itself moves past the target, the initial-events watch succeeds.
    let mut w = c.watch_with("/pods", initial).await.unwrap();
    let got = vec![next(&mut w).await, next(&mut w).await, next(&mut w).await];
    check_events(
        &got,
        &[
            ("ADDED", "/pods/ns/a", "a", ra),
            ("ADDED", "/pods/ns/b", "b", rb),
            ("INITIAL_END", "", "", rb),
        ],
    );
}

/// Whether two values are one buffer (shared by reference count) rather than equal copies.
fn same_buffer(a: &Bytes, b: &Bytes) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}

/// The one object the cache holds at `key`.
async fn cached_value(c: &Cacher, key: &str) -> Bytes {
    let (kv, _) = c.get_cached(key).await.unwrap();
    kv.unwrap_or_else(|| panic!("{key} not cached")).value
}

/// The object event inside a cache event.
fn object_event(ev: &CacheEvent) -> &super::super::Event {
    match ev {
        CacheEvent::Event(e) => match &**e {
            WatchEvent::Added(x) | WatchEvent::Modified(x) | WatchEvent::Deleted(x) => x,
            other => panic!("expected an object event, got {other:?}"),
        },
        other => panic!("expected an object event, got {other:?}"),
    }
}

/// The cache holds the buffers storage's events carry instead of copies: its objects, lists and
/// window share them with the backend's own state. When a backend sends its own copy of a
/// previous value (as etcd's prev_kv does), the window keeps the cached buffer instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cache_shares_value_buffers() {
    let e = env().await;
    let r1 = e.probe.create("/pods/ns/a", b("a1")).await.unwrap();
    wait_revision(&e.cacher, r1).await;
    let stored = e.probe.inner.get("/pods/ns/a").await.unwrap().unwrap().value;
    let a1 = cached_value(&e.cacher, "/pods/ns/a").await;
    assert!(same_buffer(&a1, &stored));
    let listed = e.cacher.list("/pods", opts(Some(0), 0)).await.unwrap();
    assert!(same_buffer(&listed.items[0].value, &stored));

    e.probe.copy_values.store(true, Ordering::SeqCst);
    let r2 = e.probe.update("/pods/ns/a", None, b("a2")).await.unwrap();
    wait_revision(&e.cacher, r2).await;
    let a2 = cached_value(&e.cacher, "/pods/ns/a").await;
    let stored = e.probe.inner.get("/pods/ns/a").await.unwrap().unwrap().value;
    assert_eq!((&a2[..], same_buffer(&a2, &stored)), (&b"a2"[..], false));
    let r3 = e.probe.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    wait_revision(&e.cacher, r3).await;

    let options = WatchOptions { from_revision: Some(r1), ..WatchOptions::default() };
    let mut w = e.cacher.watch_with("/pods/ns/a", options).await.unwrap();
    let modified = next_change(&mut w).await;
    check_events(std::slice::from_ref(&modified), &[("MODIFIED", "/pods/ns/a", "a2", r2)]);
    let m = object_event(&modified);
    assert!(same_buffer(&m.value, &a2));
    assert!(m.prev_value.as_ref().is_some_and(|p| same_buffer(p, &a1)), "{modified:?}");
    let deleted = next_change(&mut w).await;
    check_events(std::slice::from_ref(&deleted), &[("DELETED", "/pods/ns/a", "a2", r3)]);
    let d = object_event(&deleted);
    assert!(same_buffer(&d.value, &a2));
    assert!(d.prev_value.as_ref().is_some_and(|p| same_buffer(p, &a2)), "{deleted:?}");
}

/// A previous value is pointed at the cached buffer only when it holds the same bytes.
#[test]
fn test_share_previous_only_equal_bytes() {
    let cached = Bytes::from_static(b"v1");
    let mut other = Some(Bytes::copy_from_slice(b"v0"));
    super::state::share_previous(&mut other, &cached);
    assert_eq!(other.as_deref(), Some(&b"v0"[..]));
    let mut equal = Some(Bytes::copy_from_slice(b"v1"));
    super::state::share_previous(&mut equal, &cached);
    assert!(equal.as_ref().is_some_and(|p| same_buffer(p, &cached)));
    let mut none = None;
    super::state::share_previous(&mut none, &cached);
    assert_eq!(none, None);
}

/// The test index: `spec.nodeName` of a JSON value, unknown when the bytes are not JSON.
fn node_index() -> Indexer {
    Indexer::new("spec.nodeName", |bytes| {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        Some(v.pointer("/spec/nodeName").and_then(|n| n.as_str()).unwrap_or("").to_string())
    })
}

/// A cacher of `/pods` indexed by node, as upstream's tests set up `withNodeNameAndNamespaceIndex`.
async fn indexed_env() -> Env {
    env_with_indexers(quick(), Some(Duration::from_millis(20)), vec![node_index()]).await
}

/// A pod-shaped value: `tag` tells its versions apart in event descriptions.
fn pod(tag: &str, node: &str) -> String {
    format!(r#"{{"tag":"{tag}","spec":{{"nodeName":"{node}"}}}}"#)
}

/// The selector requirement `spec.nodeName=<node>`.
fn on(node: &str) -> Vec<MatchValue> {
    vec![MatchValue { index: "spec.nodeName".into(), value: node.into() }]
}

fn key_list(r: &ListResult) -> Vec<&str> {
    r.items.iter().map(|kv| kv.key.as_str()).collect()
}

/// How many keys the node index holds under `node`.
fn indexed(c: &Cacher, node: &str) -> usize {
    c.shared.lock().index_at(0).count(node)
}

/// Objects with the same index value hold one allocation of it, the index's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_objects_share_index_values() {
    let e = indexed_env().await;
    let mut last = 0;
    for name in ["a", "b"] {
        last = e.probe.create(&format!("/pods/ns/{name}"), b(&pod(name, "n1"))).await.unwrap();
    }
    wait_revision(&e.cacher, last).await;
    let state = e.cacher.shared.lock();
    let value = |key: &str| state.values_at(key).and_then(|v| v[0].clone()).unwrap();
    let (a, b) = (value("/pods/ns/a"), value("/pods/ns/b"));
    assert_eq!((&*a, &*b), ("n1", "n1"));
    assert!(Arc::ptr_eq(&a, &b), "each object holds its own copy of the value");
}

/// Mirrors TestListIndexer: a list whose selector pins `spec.nodeName` takes the index's
/// candidates (objects whose value cannot be computed included) from the cached state, for
/// "any" and consistent reads, scoped by the key; other reads do not use it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_list_indexer() {
    let e = indexed_env().await;
    let c = &e.cacher;
    assert_eq!(c.index_names().collect::<Vec<_>>(), ["spec.nodeName"]);
    c.create("/pods/ns1/a", b(&pod("a", "node-a"))).await.unwrap();
    c.create("/pods/ns1/b", b(&pod("b", "node-b"))).await.unwrap();
    c.create("/pods/ns2/c", b(&pod("c", "node-a"))).await.unwrap();
    c.create("/pods/ns2/d", b(&pod("d", ""))).await.unwrap();
    let last = c.create("/pods/ns2/x", b("not json")).await.unwrap();
    wait_revision(c, last).await;
    let lists = e.probe.lists();
    let list = |key: &'static str, options: ListOptions, matches: Vec<MatchValue>| async move {
        c.list_with(key, options, &matches).await.unwrap()
    };
    let r = list("/pods", opts(None, 0), on("node-a")).await;
    assert_eq!(key_list(&r), ["/pods/ns1/a", "/pods/ns2/c", "/pods/ns2/x"]);
    assert_eq!(r.revision, last);
    let r = list("/pods", opts(Some(0), 0), on("node-b")).await;
    assert_eq!(key_list(&r), ["/pods/ns1/b", "/pods/ns2/x"]);
    let r = list("/pods/ns2", opts(None, 0), on("node-a")).await;
    assert_eq!(key_list(&r), ["/pods/ns2/c", "/pods/ns2/x"]);
    let r = list("/pods/ns1", opts(None, 0), on("node-a")).await;
    assert_eq!(key_list(&r), ["/pods/ns1/a"]);
    // The empty value is a value (unscheduled pods); a value nobody has leaves the unknown.
    let r = list("/pods", opts(None, 0), on("")).await;
    assert_eq!(key_list(&r), ["/pods/ns2/d", "/pods/ns2/x"]);
    let r = list("/pods", opts(None, 0), on("node-z")).await;
    assert_eq!(key_list(&r), ["/pods/ns2/x"]);
    // A single key through the index: only when it is a candidate.
    let one = ListOptions { recursive: false, ..opts(None, 0) };
    assert_eq!(key_list(&list("/pods/ns1/a", one.clone(), on("node-a")).await), ["/pods/ns1/a"]);
    assert!(list("/pods/ns1/a", one, on("node-b")).await.items.is_empty());
    // The candidates come unpaged: the caller applies its limit to what its predicate selects.
    let r = list("/pods", opts(Some(0), 1), on("node-a")).await;
    assert_eq!(key_list(&r).len(), 3);
    assert_eq!((r.continue_key, r.remaining), (None, None));
    assert_eq!(e.probe.lists(), lists, "indexed lists are served from the cache");
    // Without a match an index answers, the whole prefix.
    let phase = vec![MatchValue { index: "status.phase".into(), value: "Running".into() }];
    assert_eq!(list("/pods", opts(None, 0), phase).await.items.len(), 5);
    assert_eq!(list("/pods", opts(None, 0), Vec::new()).await.items.len(), 5);
    // Exact revisions and paged consistent reads do not use the index, as upstream.
    assert_eq!(list("/pods", opts(Some(last), 0), on("node-a")).await.items.len(), 5);
    let paged = list("/pods", opts(None, 2), on("node-a")).await;
    assert_eq!(key_list(&paged), ["/pods/ns1/a", "/pods/ns1/b"]);
    let token = paged.continue_key.expect("a continue token");
    let rest = ListOptions { continue_key: Some(token), ..opts(None, 2) };
    assert_eq!(key_list(&list("/pods", rest, on("node-a")).await), ["/pods/ns2/c", "/pods/ns2/d"]);
}

/// The index follows every change: a move takes the key from the old value to the new one, a
/// delete removes it, and a relist rebuilds the index from the new list without stale keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_index_follows_updates_deletes_and_relists() {
    let e = indexed_env().await;
    let c = &e.cacher;
    c.create("/pods/ns/a", b(&pod("a1", "node-a"))).await.unwrap();
    c.create("/pods/ns/b", b(&pod("b1", "node-b"))).await.unwrap();
    let r = c.update("/pods/ns/a", None, b(&pod("a2", "node-b"))).await.unwrap();
    wait_revision(c, r).await;
    let on_node = |node: &'static str| async move {
        let r = c.list_with("/pods", opts(None, 0), &on(node)).await.unwrap();
        key_list(&r).into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    assert!(on_node("node-a").await.is_empty(), "a moved away from node-a");
    assert_eq!(on_node("node-b").await, ["/pods/ns/a", "/pods/ns/b"]);
    assert_eq!((indexed(c, "node-a"), indexed(c, "node-b")), (0, 2));
    assert_eq!(c.shared.lock().index_at(0).value_count(), 1, "emptied values are dropped");
    // A change that keeps the value keeps the key where it is.
    let r = c.update("/pods/ns/b", None, b(&pod("b2", "node-b"))).await.unwrap();
    wait_revision(c, r).await;
    assert_eq!(indexed(c, "node-b"), 2);
    let r = c.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    wait_revision(c, r).await;
    assert_eq!(on_node("node-b").await, ["/pods/ns/b"]);
    assert_eq!(indexed(c, "node-b"), 1);
    // An undecodable value is kept apart and leaves with its object.
    let r = c.update("/pods/ns/b", None, b("garbage")).await.unwrap();
    wait_revision(c, r).await;
    assert_eq!(indexed(c, "node-b"), 0);
    assert_eq!(on_node("node-q").await, ["/pods/ns/b"]);
    let r = c.update("/pods/ns/b", None, b(&pod("b3", "node-b"))).await.unwrap();
    wait_revision(c, r).await;
    assert!(on_node("node-q").await.is_empty());

    // Relist: changes made while the reflector is cut off reach the cache through a new list.
    let lists = e.probe.lists();
    e.probe.gate.send_replace(false);
    e.probe.break_watches();
    c.update("/pods/ns/b", None, b(&pod("b4", "node-a"))).await.unwrap();
    c.create("/pods/ns/c", b(&pod("c1", "node-c"))).await.unwrap();
    let r = c.create("/pods/ns/d", b(&pod("d1", "node-a"))).await.unwrap();
    c.compact(r).await.unwrap();
    e.probe.gate.send_replace(true);
    wait_revision(c, r).await;
    assert!(e.probe.lists() > lists, "expected a relist");
    assert_eq!(on_node("node-a").await, ["/pods/ns/b", "/pods/ns/d"]);
    assert!(on_node("node-b").await.is_empty());
    assert_eq!(on_node("node-c").await, ["/pods/ns/c"]);
    assert_eq!((indexed(c, "node-a"), indexed(c, "node-b"), indexed(c, "node-c")), (2, 0, 1));
}

fn watch_on(node: &str) -> WatchOptions {
    WatchOptions { recursive: true, matches: on(node), ..WatchOptions::default() }
}

/// Collects `n` changes of a watch, within one deadline (bookmarks do not extend it).
async fn changes(w: &mut CacheWatch, n: usize) -> Vec<CacheEvent> {
    let mut got = Vec::new();
    let collect = async {
        for _ in 0..n {
            got.push(next_change(w).await);
        }
    };
    if tokio::time::timeout(WAIT, collect).await.is_err() {
        let seen: Vec<_> = got.iter().map(describe).collect();
        panic!("{n} changes expected within {WAIT:?}, got {seen:?}");
    }
    got
}

/// Mirrors NamespaceScopedWatch/ClusterScopedWatch with the node index (upstream's
/// `indexedTrigger`): a watcher pinned to a node is offered only events of objects that are or
/// were on it, so it sees an object arrive and leave but not other nodes' traffic; watchers
/// without a value see everything; objects whose value is unknown go to every watcher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_triggered_watch_dispatch() {
    let e = indexed_env().await;
    let c = &e.cacher;
    let mut wa = c.watch_with("/pods", watch_on("node-a")).await.unwrap();
    let mut wb = c.watch_with("/pods", watch_on("node-b")).await.unwrap();
    let mut wa_ns2 = c.watch_with("/pods/ns2", watch_on("node-a")).await.unwrap();
    let plain = WatchOptions { recursive: true, ..WatchOptions::default() };
    let mut all = c.watch_with("/pods", plain).await.unwrap();
    {
        let state = c.shared.lock();
        assert_eq!(state.triggered_watchers(0, "node-a"), 2);
        assert_eq!(state.triggered_watchers(0, "node-b"), 1);
    }
    let r1 = c.create("/pods/ns/p", b(&pod("p1", "node-b"))).await.unwrap();
    let r2 = c.update("/pods/ns/p", None, b(&pod("p2", "node-a"))).await.unwrap();
    let r3 = c.create("/pods/ns/q", b(&pod("q1", "node-b"))).await.unwrap();
    let r4 = c.update("/pods/ns/p", None, b(&pod("p3", "node-b"))).await.unwrap();
    let r5 = c.create("/pods/ns2/s", b(&pod("s1", "node-a"))).await.unwrap();
    let r6 = c.delete("/pods/ns2/s", None).await.unwrap().mod_revision;
    let r7 = c.create("/pods/ns/x", b("not json")).await.unwrap();
    let (p1, p2, p3, q1, s1) = (
        pod("p1", "node-b"),
        pod("p2", "node-a"),
        pod("p3", "node-b"),
        pod("q1", "node-b"),
        pod("s1", "node-a"),
    );
    let got = changes(&mut wa, 5).await;
    check_events(
        &got,
        &[
            ("MODIFIED", "/pods/ns/p", p2.as_str(), r2),
            ("MODIFIED", "/pods/ns/p", p3.as_str(), r4),
            ("ADDED", "/pods/ns2/s", s1.as_str(), r5),
            ("DELETED", "/pods/ns2/s", s1.as_str(), r6),
            ("ADDED", "/pods/ns/x", "not json", r7),
        ],
    );
    // The arrival carries what the object was before, so the layer above can tell it is new
    // to the watcher's selection.
    assert_eq!(object_event(&got[0]).prev_value.as_deref(), Some(p1.as_bytes()));
    check_events(
        &changes(&mut wb, 5).await,
        &[
            ("ADDED", "/pods/ns/p", p1.as_str(), r1),
            ("MODIFIED", "/pods/ns/p", p2.as_str(), r2),
            ("ADDED", "/pods/ns/q", q1.as_str(), r3),
            ("MODIFIED", "/pods/ns/p", p3.as_str(), r4),
            ("ADDED", "/pods/ns/x", "not json", r7),
        ],
    );
    check_events(
        &changes(&mut wa_ns2, 2).await,
        &[("ADDED", "/pods/ns2/s", s1.as_str(), r5), ("DELETED", "/pods/ns2/s", s1.as_str(), r6)],
    );
    let revisions: Vec<u64> = changes(&mut all, 7).await.iter().map(|e| describe(e).3).collect();
    assert_eq!(revisions, [r1, r2, r3, r4, r5, r6, r7]);
    // A dropped watcher leaves its value once an event for it comes by.
    drop(wa);
    drop(wa_ns2);
    let r8 = c.create("/pods/ns/t", b(&pod("t1", "node-a"))).await.unwrap();
    wait_revision(c, r8).await;
    assert_eq!(c.shared.lock().triggered_watchers(0, "node-a"), 0);
    assert_eq!(c.watcher_count(), 2);
}

/// A watcher pinned to a node starts from the index: its initial state holds the node's objects
/// (and those whose value is unknown), its replay from the window only the events that concern
/// the node, and it still gets bookmarks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_triggered_watch_initial_events_replay_and_bookmarks() {
    let e = indexed_env().await;
    let c = &e.cacher;
    // A start before every object that concerns the node (not 0: that is a state watch).
    let r0 = c.create("/pods/ns/0", b(&pod("z", "node-z"))).await.unwrap();
    let ra = c.create("/pods/ns/a", b(&pod("a", "node-a"))).await.unwrap();
    c.create("/pods/ns/b", b(&pod("b1", "node-b"))).await.unwrap();
    let rx = c.create("/pods/ns/x", b("not json")).await.unwrap();
    let rb = c.update("/pods/ns/b", None, b(&pod("b2", "node-a"))).await.unwrap();
    let rc = c.create("/pods/ns/c", b(&pod("c", "node-c"))).await.unwrap();
    wait_revision(c, rc).await;
    let (a, b2) = (pod("a", "node-a"), pod("b2", "node-a"));
    let options = WatchOptions { send_initial_events: true, bookmarks: true, ..watch_on("node-a") };
    let mut w = c.watch_with("/pods", options).await.unwrap();
    check_events(
        &changes(&mut w, 4).await,
        &[
            ("ADDED", "/pods/ns/a", a.as_str(), ra),
            ("ADDED", "/pods/ns/b", b2.as_str(), rb),
            ("ADDED", "/pods/ns/x", "not json", rx),
            ("INITIAL_END", "", "", rc),
        ],
    );
    // Bookmarks reach pinned watchers too.
    loop {
        if let CacheEvent::Event(ev) = next(&mut w).await
            && let WatchEvent::Bookmark { revision } = *ev
        {
            assert!(revision >= rc);
            break;
        }
    }
    let options = WatchOptions { from_revision: Some(r0), ..watch_on("node-a") };
    let mut w = c.watch_with("/pods", options).await.unwrap();
    let d = pod("d", "node-a");
    let rd = c.create("/pods/ns/d", b(&d)).await.unwrap();
    check_events(
        &changes(&mut w, 4).await,
        &[
            ("ADDED", "/pods/ns/a", a.as_str(), ra),
            ("ADDED", "/pods/ns/x", "not json", rx),
            ("MODIFIED", "/pods/ns/b", b2.as_str(), rb),
            ("ADDED", "/pods/ns/d", d.as_str(), rd),
        ],
    );
}

#[tokio::test]
async fn test_index_names_must_be_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(Embedded::open(dir.path()).unwrap());
    let err = Cacher::with_indexers(
        storage,
        "/pods",
        CacherOptions::default(),
        vec![node_index(), node_index()],
    )
    .unwrap_err();
    assert_eq!(
        err,
        StorageError::Internal(
            "watch cache of /pods: index spec.nodeName declared twice".to_string()
        )
    );
}

/// Mirrors TestCacheIntervals' resizing cases (resizeCacheLocked): a full window of events
/// younger than the fresh duration doubles up to the upper bound; one whose events are all
/// older stays at (or halves down to) the lower bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_window_grows_while_events_are_fresh() {
    let options = |fresh: Duration| CacherOptions {
        history_capacity: 4,
        history_max_capacity: 16,
        event_fresh_duration: fresh,
        ..quick()
    };
    let e = env_with(options(Duration::from_secs(3600)), None).await;
    let c = &e.cacher;
    let mut revs = Vec::new();
    for i in 0..40 {
        revs.push(c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap());
    }
    wait_revision(c, revs[39]).await;
    assert_eq!(c.shared.lock().window_capacity(), 16);
    assert_eq!(c.shared.lock().window(), revs[24..].to_vec());

    let e = env_with(options(Duration::ZERO), None).await;
    let c = &e.cacher;
    let mut revs = Vec::new();
    for i in 0..40 {
        revs.push(c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap());
    }
    wait_revision(c, revs[39]).await;
    assert_eq!(c.shared.lock().window_capacity(), 4, "stale events never grow the window");
    assert_eq!(c.shared.lock().window(), revs[36..].to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_window_shrinks_once_its_newest_quarter_is_stale() {
    let options = CacherOptions {
        history_capacity: 4,
        history_max_capacity: 64,
        event_fresh_duration: Duration::from_millis(300),
        ..quick()
    };
    let e = env_with(options, None).await;
    let c = &e.cacher;
    let mut last = 0;
    for i in 0..64 {
        last = c.create(&format!("/pods/ns/p{i}"), b("x")).await.unwrap();
    }
    wait_revision(c, last).await;
    assert_eq!(c.shared.lock().window_capacity(), 64);
    assert_eq!(c.shared.lock().window().len(), 64);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let rev = c.create("/pods/ns/after-quiet", b("x")).await.unwrap();
    wait_revision(c, rev).await;
    assert_eq!(c.shared.lock().window_capacity(), 32);
    let window = c.shared.lock().window();
    assert_eq!(window.len(), 32);
    assert_eq!(window.last(), Some(&rev));
}

/// Watchers share one encoding of an event through its memo, whether it was live when they got
/// it or replayed from the window (taken while nobody watched: a burst of watches resumed after
/// falling behind replays such a stretch, and each encoding it for itself multiplied the cost by
/// the number of watchers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_live_and_replayed_events_share_a_memo() {
    let e = env_with(quick(), None).await;
    let c = &e.cacher;
    // (A watch from revision 0 starts from the state, not the window.)
    let first = c.create("/pods/ns/first", b("x")).await.unwrap();
    let before = c.create("/pods/ns/before", b("x")).await.unwrap();
    wait_revision(c, before).await;
    let from = WatchOptions { from_revision: Some(first), recursive: true, ..Default::default() };
    let (mut w1, mut w2) = (
        c.watch_with("/pods", from.clone()).await.unwrap(),
        c.watch_with("/pods", from).await.unwrap(),
    );
    let memo_of = |ev: CacheEvent| match ev {
        CacheEvent::Event(e) => match &*e {
            WatchEvent::Added(x) => x.memo.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let (r1, r2) = (memo_of(next_change(&mut w1).await), memo_of(next_change(&mut w2).await));
    r1.get_or_make("json", || bytes::Bytes::from_static(b"line"));
    assert_eq!(r2.get("json").as_deref(), Some(&b"line"[..]), "replayed: one slot for both");
    c.create("/pods/ns/live", b("y")).await.unwrap();
    let (l1, l2) = (memo_of(next_change(&mut w1).await), memo_of(next_change(&mut w2).await));
    l1.get_or_make("json", || bytes::Bytes::from_static(b"line"));
    assert_eq!(l2.get("json").as_deref(), Some(&b"line"[..]), "live: one slot for both");
}
