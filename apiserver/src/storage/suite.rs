//! Backend-independent conformance cases for [`Storage`], mirroring upstream's
//! pkg/storage/testing/store_tests.go and watcher_tests.go. Each case takes a fresh, empty store;
//! a backend's tests run every case against its own factory.

use std::sync::Arc;
use std::time::Duration;

use super::{Bytes, KeyValue, ListOptions, ListResult, Storage, StorageError, Watch, WatchEvent};

/// The store under test.
pub type Store = Arc<dyn Storage>;

const WAIT: Duration = Duration::from_secs(10);

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// The next event, failing the test when none comes in time.
pub async fn next_event(w: &mut Watch) -> WatchEvent {
    match tokio::time::timeout(WAIT, w.recv()).await {
        Ok(Some(ev)) => ev,
        Ok(None) => panic!("watch ended unexpectedly"),
        Err(_) => panic!("no watch event within {WAIT:?}"),
    }
}

async fn expect_quiet(w: &mut Watch) {
    if let Ok(ev) = tokio::time::timeout(Duration::from_millis(150), w.recv()).await {
        panic!("unexpected watch event {ev:?}");
    }
}

/// Which event is expected: kind, key, value, revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// [`WatchEvent::Added`].
    Added,
    /// [`WatchEvent::Modified`].
    Modified,
    /// [`WatchEvent::Deleted`].
    Deleted,
}

fn check_event(
    ev: &WatchEvent,
    kind: Kind,
    key: &str,
    value: &str,
    revision: u64,
    prev: Option<&str>,
) {
    let (got_kind, e) = match ev {
        WatchEvent::Added(e) => (Kind::Added, e),
        WatchEvent::Modified(e) => (Kind::Modified, e),
        WatchEvent::Deleted(e) => (Kind::Deleted, e),
        other => panic!("expected {kind:?} {key}, got {other:?}"),
    };
    assert_eq!(got_kind, kind, "{ev:?}");
    assert_eq!(&*e.key, key, "{ev:?}");
    assert_eq!(e.value, b(value), "{ev:?}");
    assert_eq!(e.revision, revision, "{ev:?}");
    assert_eq!(e.prev_value, prev.map(|p| Bytes::from(b(p))), "{ev:?}");
}

async fn expect_events(w: &mut Watch, expected: &[(Kind, &str, &str, u64, Option<&str>)]) {
    for (kind, key, value, rev, prev) in expected {
        let ev = next_event(w).await;
        check_event(&ev, *kind, key, value, *rev, *prev);
    }
}

/// Mirrors RunTestCreate.
pub async fn test_create(s: Store) {
    let r1 = s.create("/pods/ns/a", b("A")).await.unwrap();
    assert!(r1 > 0);
    assert_eq!(s.current_revision().await.unwrap(), r1);
    let got = s.get("/pods/ns/a").await.unwrap();
    assert_eq!(
        got,
        Some(KeyValue {
            key: "/pods/ns/a".to_string(),
            value: b("A").into(),
            create_revision: r1,
            mod_revision: r1,
        })
    );
    let r2 = s.create("/pods/ns/b", b("B")).await.unwrap();
    assert!(r2 > r1);
    assert_eq!(s.current_revision().await.unwrap(), r2);
}

/// Mirrors RunTestCreateWithKeyExist.
pub async fn test_create_with_key_exist(s: Store) {
    let r1 = s.create("/pods/ns/a", b("A")).await.unwrap();
    let err = s.create("/pods/ns/a", b("other")).await.unwrap_err();
    assert_eq!(err, StorageError::KeyExists { key: "/pods/ns/a".to_string() });
    assert_eq!(
        err.to_string(),
        "StorageError: key exists, Code: 2, Key: /pods/ns/a, ResourceVersion: 0, AdditionalErrorMsg: <nil>"
    );
    // The failed create neither wrote nor consumed a revision.
    assert_eq!(s.current_revision().await.unwrap(), r1);
    assert_eq!(s.get("/pods/ns/a").await.unwrap().unwrap().value, b("A"));
    // After a delete the key can be created again, as a new incarnation.
    s.delete("/pods/ns/a", None).await.unwrap();
    let r3 = s.create("/pods/ns/a", b("again")).await.unwrap();
    let kv = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!((kv.create_revision, kv.mod_revision), (r3, r3));
}

/// Mirrors RunTestGet.
pub async fn test_get(s: Store) {
    assert_eq!(s.get("/pods/ns/missing").await.unwrap(), None);
    let r1 = s.create("/pods/ns/a", b("v1")).await.unwrap();
    let r2 = s.update("/pods/ns/a", None, b("v2")).await.unwrap();
    assert!(r2 > r1);
    let kv = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!((kv.value, kv.create_revision, kv.mod_revision), (Bytes::from(b("v2")), r1, r2));
    // Prefixes are not keys.
    assert_eq!(s.get("/pods/ns").await.unwrap(), None);
    assert_eq!(s.get("/pods/ns/").await.unwrap(), None);
}

/// Mirrors RunTestUnconditionalDelete.
pub async fn test_unconditional_delete(s: Store) {
    let r1 = s.create("/pods/ns/a", b("A")).await.unwrap();
    let kv = s.delete("/pods/ns/a", None).await.unwrap();
    assert_eq!(kv.key, "/pods/ns/a");
    assert_eq!(kv.value, b("A"));
    assert_eq!(kv.create_revision, r1);
    assert!(kv.mod_revision > r1);
    assert_eq!(s.current_revision().await.unwrap(), kv.mod_revision);
    assert_eq!(s.get("/pods/ns/a").await.unwrap(), None);
    let err = s.delete("/pods/ns/a", None).await.unwrap_err();
    assert_eq!(err, StorageError::KeyNotFound { key: "/pods/ns/a".to_string() });
    assert_eq!(
        err.to_string(),
        "StorageError: key not found, Code: 1, Key: /pods/ns/a, ResourceVersion: 0, AdditionalErrorMsg: <nil>"
    );
}

/// Mirrors RunTestConditionalDelete.
pub async fn test_conditional_delete(s: Store) {
    let r1 = s.create("/pods/ns/a", b("A")).await.unwrap();
    let r2 = s.update("/pods/ns/a", None, b("B")).await.unwrap();
    for stale in [r1, r1 + 100, 0] {
        let err = s.delete("/pods/ns/a", Some(stale)).await.unwrap_err();
        assert_eq!(err, StorageError::Conflict { key: "/pods/ns/a".to_string(), revision: r2 });
    }
    assert_eq!(
        StorageError::Conflict { key: "/k".to_string(), revision: 7 }.to_string(),
        "StorageError: resource version conflicts, Code: 3, Key: /k, ResourceVersion: 7, AdditionalErrorMsg: <nil>"
    );
    assert!(s.get("/pods/ns/a").await.unwrap().is_some());
    let kv = s.delete("/pods/ns/a", Some(r2)).await.unwrap();
    assert_eq!(kv.value, b("B"));
    assert_eq!(s.get("/pods/ns/a").await.unwrap(), None);
    let err = s.delete("/pods/ns/a", Some(r2)).await.unwrap_err();
    assert!(matches!(err, StorageError::KeyNotFound { .. }), "{err:?}");
}

/// Mirrors RunTestGuaranteedUpdate: compare-and-swap on the modification revision.
pub async fn test_guaranteed_update(s: Store) {
    let err = s.update("/pods/ns/a", None, b("x")).await.unwrap_err();
    assert_eq!(err, StorageError::KeyNotFound { key: "/pods/ns/a".to_string() });
    let r1 = s.create("/pods/ns/a", b("v1")).await.unwrap();
    let r2 = s.update("/pods/ns/a", Some(r1), b("v2")).await.unwrap();
    assert!(r2 > r1);
    // A writer still holding r1 loses.
    let err = s.update("/pods/ns/a", Some(r1), b("v3")).await.unwrap_err();
    assert_eq!(err, StorageError::Conflict { key: "/pods/ns/a".to_string(), revision: r2 });
    assert_eq!(s.get("/pods/ns/a").await.unwrap().unwrap().value, b("v2"));
    // Unconditional updates always land.
    let r3 = s.update("/pods/ns/a", None, b("v3")).await.unwrap();
    assert!(r3 > r2);
    // Unchanged bytes: no write, the existing revision comes back.
    let same = s.update("/pods/ns/a", Some(r3), b("v3")).await.unwrap();
    assert_eq!(same, r3);
    assert_eq!(s.current_revision().await.unwrap(), r3);
    let kv = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!((kv.create_revision, kv.mod_revision), (r1, r3));
}

/// Mirrors RunTestGuaranteedUpdateWithConflict: racing compare-and-swaps, exactly one wins each round.
pub async fn test_guaranteed_update_with_conflict(s: Store) {
    let mut rev = s.create("/pods/ns/counter", b("0")).await.unwrap();
    for round in 1..=5 {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..4 {
            let s = Arc::clone(&s);
            tasks.spawn(async move {
                s.update("/pods/ns/counter", Some(rev), format!("{round}-{i}").into_bytes()).await
            });
        }
        let mut wins = Vec::new();
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Ok(r) => wins.push(r),
                Err(StorageError::Conflict { revision, .. }) => assert!(revision > rev),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(wins.len(), 1, "round {round}: {wins:?}");
        rev = wins[0];
    }
}

async fn list(s: &Store, key: &str, opts: ListOptions) -> Result<ListResult, StorageError> {
    s.list(key, opts).await
}

fn keys_values(r: &ListResult) -> Vec<(String, String)> {
    r.items
        .iter()
        .map(|kv| (kv.key.clone(), String::from_utf8_lossy(&kv.value).into_owned()))
        .collect()
}

fn check_list(r: &ListResult, expect: &[(&str, &str)], remaining: Option<u64>) {
    let want: Vec<(String, String)> =
        expect.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(keys_values(r), want);
    assert_eq!(r.remaining, remaining);
    assert_eq!(r.continue_key.is_some(), remaining.is_some());
}

fn at(revision: u64) -> ListOptions {
    ListOptions { revision: Some(revision), ..ListOptions::recursive() }
}

fn limit(n: u64) -> ListOptions {
    ListOptions { limit: n, ..ListOptions::recursive() }
}

fn cont(token: &Option<String>) -> ListOptions {
    ListOptions { continue_key: token.clone(), ..ListOptions::recursive() }
}

/// Mirrors RunTestList: current and exact revisions, prefixes, and paging.
pub async fn test_list(s: Store) {
    s.create("/pods/ns1/a", b("a1")).await.unwrap();
    s.create("/pods/ns1/b", b("b1")).await.unwrap();
    let r_old = s.create("/pods/ns2/c", b("c1")).await.unwrap();
    s.create("/podsx/d", b("d1")).await.unwrap();
    s.update("/pods/ns1/a", None, b("a2")).await.unwrap();
    s.delete("/pods/ns1/b", None).await.unwrap();
    let r_now = s.create("/pods/ns1/e", b("e1")).await.unwrap();

    // Current state; "/pods" does not reach "/podsx".
    let r = list(&s, "/pods", ListOptions::recursive()).await.unwrap();
    check_list(&r, &[("/pods/ns1/a", "a2"), ("/pods/ns1/e", "e1"), ("/pods/ns2/c", "c1")], None);
    assert_eq!(r.revision, r_now);
    let r = list(&s, "/pods/ns1/", ListOptions::recursive()).await.unwrap();
    check_list(&r, &[("/pods/ns1/a", "a2"), ("/pods/ns1/e", "e1")], None);
    let r = list(&s, "/nothing", ListOptions::recursive()).await.unwrap();
    check_list(&r, &[], None);
    assert_eq!(r.revision, r_now);
    // Revision 0 means the current one.
    let r = list(&s, "/pods", at(0)).await.unwrap();
    assert_eq!(r.revision, r_now);
    // Non-recursive: the exact key only.
    let r = list(&s, "/pods/ns1/a", ListOptions::default()).await.unwrap();
    check_list(&r, &[("/pods/ns1/a", "a2")], None);
    let r = list(&s, "/pods/ns1", ListOptions::default()).await.unwrap();
    check_list(&r, &[], None);

    // An exact older revision sees the state of then, with the revisions of then.
    let r = list(&s, "/pods", at(r_old)).await.unwrap();
    check_list(&r, &[("/pods/ns1/a", "a1"), ("/pods/ns1/b", "b1"), ("/pods/ns2/c", "c1")], None);
    assert_eq!(r.revision, r_old);
    assert_eq!(r.items[0].mod_revision, r.items[0].create_revision);
    let r =
        list(&s, "/pods/ns1/b", ListOptions { revision: Some(r_old), ..ListOptions::default() })
            .await
            .unwrap();
    check_list(&r, &[("/pods/ns1/b", "b1")], None);

    // A revision in the future.
    let err = list(&s, "/pods", at(r_now + 10)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Too large resource version: {}, current: {r_now}", r_now + 10)
    );

    // Paging at the current revision.
    let p1 = list(&s, "/pods", limit(1)).await.unwrap();
    check_list(&p1, &[("/pods/ns1/a", "a2")], Some(2));
    let p2 = list(&s, "/pods", ListOptions { limit: 1, ..cont(&p1.continue_key) }).await.unwrap();
    check_list(&p2, &[("/pods/ns1/e", "e1")], Some(1));
    let p3 = list(&s, "/pods", ListOptions { limit: 1, ..cont(&p2.continue_key) }).await.unwrap();
    check_list(&p3, &[("/pods/ns2/c", "c1")], None);
    assert_eq!((p1.revision, p2.revision, p3.revision), (r_now, r_now, r_now));
    // A limit that covers everything leaves no token.
    check_list(
        &list(&s, "/pods", limit(3)).await.unwrap(),
        &[("/pods/ns1/a", "a2"), ("/pods/ns1/e", "e1"), ("/pods/ns2/c", "c1")],
        None,
    );

    // Paging at an older revision.
    let p1 = list(&s, "/pods", ListOptions { limit: 2, ..at(r_old) }).await.unwrap();
    check_list(&p1, &[("/pods/ns1/a", "a1"), ("/pods/ns1/b", "b1")], Some(1));
    let p2 = list(&s, "/pods", cont(&p1.continue_key)).await.unwrap();
    check_list(&p2, &[("/pods/ns2/c", "c1")], None);
    assert_eq!(p2.revision, r_old);

    // Bad tokens.
    let err = list(&s, "/pods", cont(&Some("%%%".to_string()))).await.unwrap_err();
    assert!(matches!(err, StorageError::InvalidContinue(_)), "{err:?}");
}

/// Mirrors RunTestListContinuation: later pages are read at the first page's revision.
pub async fn test_list_continuation(s: Store) {
    for k in ["a", "b", "c"] {
        s.create(&format!("/pods/ns/{k}"), b(&format!("{k}1"))).await.unwrap();
    }
    let p1 = list(&s, "/pods", limit(1)).await.unwrap();
    check_list(&p1, &[("/pods/ns/a", "a1")], Some(2));
    // Changes after the first page do not show up in later ones.
    s.update("/pods/ns/b", None, b("b2")).await.unwrap();
    s.delete("/pods/ns/c", None).await.unwrap();
    s.create("/pods/ns/d", b("d1")).await.unwrap();
    let p2 = list(&s, "/pods", cont(&p1.continue_key)).await.unwrap();
    check_list(&p2, &[("/pods/ns/b", "b1"), ("/pods/ns/c", "c1")], None);
    assert_eq!(p2.revision, p1.revision);
    // A token only works for the prefix it was made for.
    let other = list(&s, "/pods/ns", cont(&p1.continue_key)).await.unwrap();
    assert!(other.items.iter().all(|kv| kv.key.starts_with("/pods/ns/")));
}

/// Mirrors RunTestListContinuationWithCompaction: an expired token yields 410 and a fresh token.
pub async fn test_list_continuation_with_compaction(s: Store) {
    for k in ["a", "b", "c"] {
        s.create(&format!("/pods/ns/{k}"), b(&format!("{k}1"))).await.unwrap();
    }
    let p1 = list(&s, "/pods", limit(1)).await.unwrap();
    s.update("/pods/ns/b", None, b("b2")).await.unwrap();
    let now = s.current_revision().await.unwrap();
    s.compact(now).await.unwrap();
    let err = list(&s, "/pods", cont(&p1.continue_key)).await.unwrap_err();
    let StorageError::ResourceExpired { message, continue_token } = err else {
        panic!("expected expired, got {err:?}");
    };
    assert!(
        message.starts_with(
            "The provided continue parameter is too old to display a consistent list result."
        ),
        "{message}"
    );
    // The fresh token resumes after the same key, at the latest revision.
    let p2 = list(&s, "/pods", cont(&continue_token)).await.unwrap();
    check_list(&p2, &[("/pods/ns/b", "b2"), ("/pods/ns/c", "c1")], None);
    assert_eq!(p2.revision, now);
    // Plain lists below the compacted revision are expired too.
    let err = list(&s, "/pods", at(p1.revision)).await.unwrap_err();
    assert_eq!(
        err,
        StorageError::ResourceExpired {
            message: "The resourceVersion for the provided list is too old.".to_string(),
            continue_token: None,
        }
    );
}

/// Mirrors RunTestCompact-style checks: what survives a compaction.
pub async fn test_compact(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    s.update("/pods/ns/a", None, b("a2")).await.unwrap();
    s.create("/pods/ns/b", b("b1")).await.unwrap();
    let r_del = s.delete("/pods/ns/b", None).await.unwrap().mod_revision;
    let r_c = s.create("/pods/ns/c", b("c1")).await.unwrap();
    s.update("/pods/ns/c", None, b("c2")).await.unwrap();
    s.compact(r_c).await.unwrap();
    // At the compaction point, the state of then is still readable.
    let r = list(&s, "/pods", at(r_c)).await.unwrap();
    check_list(&r, &[("/pods/ns/a", "a2"), ("/pods/ns/c", "c1")], None);
    let err = list(&s, "/pods", at(r_del)).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
    let err = list(&s, "/pods", at(r1)).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
    let r = list(&s, "/pods", ListOptions::recursive()).await.unwrap();
    check_list(&r, &[("/pods/ns/a", "a2"), ("/pods/ns/c", "c2")], None);
    // Compacting at or below an earlier point is a no-op; the future is refused.
    s.compact(r1).await.unwrap();
    s.compact(r_c).await.unwrap();
    let now = s.current_revision().await.unwrap();
    let err = s.compact(now + 1).await.unwrap_err();
    assert!(matches!(err, StorageError::TooLargeResourceVersion { .. }), "{err:?}");
    // Keys keep working after compaction, including ones whose history was trimmed.
    let kv = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!(kv.create_revision, r1);
    s.create("/pods/ns/b", b("b2")).await.unwrap();
    s.update("/pods/ns/a", Some(kv.mod_revision), b("a3")).await.unwrap();
}

/// Mirrors RunTestCount.
pub async fn test_count(s: Store) {
    assert_eq!(s.count("/pods").await.unwrap(), 0);
    for k in ["/pods/ns1/a", "/pods/ns1/b", "/pods/ns2/c", "/podsx/d", "/pods"] {
        s.create(k, b("x")).await.unwrap();
    }
    assert_eq!(s.count("/pods").await.unwrap(), 3);
    assert_eq!(s.count("/pods/").await.unwrap(), 3);
    assert_eq!(s.count("/pods/ns1").await.unwrap(), 2);
    assert_eq!(s.count("/podsx").await.unwrap(), 1);
    s.delete("/pods/ns1/a", None).await.unwrap();
    assert_eq!(s.count("/pods").await.unwrap(), 2);
}

/// Mirrors RunTestWatch: live events for a prefix and for a single key.
pub async fn test_watch(s: Store) {
    let start = s.current_revision().await.unwrap();
    let mut all = s.watch("/pods", start, true).await.unwrap();
    let mut one = s.watch("/pods/ns/a", start, false).await.unwrap();
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = s.create("/pods/ns/b", b("b1")).await.unwrap();
    let r3 = s.update("/pods/ns/a", None, b("a2")).await.unwrap();
    let _ = s.create("/podsx/z", b("z")).await.unwrap();
    let r4 = s.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    expect_events(
        &mut all,
        &[
            (Kind::Added, "/pods/ns/a", "a1", r1, None),
            (Kind::Added, "/pods/ns/b", "b1", r2, None),
            (Kind::Modified, "/pods/ns/a", "a2", r3, Some("a1")),
            (Kind::Deleted, "/pods/ns/a", "a2", r4, Some("a2")),
        ],
    )
    .await;
    expect_events(
        &mut one,
        &[
            (Kind::Added, "/pods/ns/a", "a1", r1, None),
            (Kind::Modified, "/pods/ns/a", "a2", r3, Some("a1")),
            (Kind::Deleted, "/pods/ns/a", "a2", r4, Some("a2")),
        ],
    )
    .await;
    expect_quiet(&mut all).await;
    expect_quiet(&mut one).await;
}

/// Mirrors RunTestWatchFromZero: revision 0 starts with the current state as Added events.
pub async fn test_watch_from_zero(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = s.update("/pods/ns/a", None, b("a2")).await.unwrap();
    s.create("/other/x", b("x")).await.unwrap();
    let mut w = s.watch("/pods", 0, true).await.unwrap();
    expect_events(&mut w, &[(Kind::Added, "/pods/ns/a", "a2", r2, None)]).await;
    let r3 = s.update("/pods/ns/a", None, b("a3")).await.unwrap();
    expect_events(&mut w, &[(Kind::Modified, "/pods/ns/a", "a3", r3, Some("a2"))]).await;
    expect_quiet(&mut w).await;
    assert!(r1 < r2);
}

/// Mirrors RunTestWatchFromNonZero: history after the given revision is replayed, then live events.
pub async fn test_watch_from_non_zero(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = s.update("/pods/ns/a", None, b("a2")).await.unwrap();
    let r3 = s.create("/pods/ns/b", b("b1")).await.unwrap();
    let r4 = s.delete("/pods/ns/a", None).await.unwrap().mod_revision;
    let r5 = s.create("/pods/ns/a", b("a3")).await.unwrap();
    // Events strictly after r1.
    let mut w = s.watch("/pods", r1, true).await.unwrap();
    let mut one = s.watch("/pods/ns/b", r1, false).await.unwrap();
    let r6 = s.update("/pods/ns/b", None, b("b2")).await.unwrap();
    expect_events(
        &mut w,
        &[
            (Kind::Modified, "/pods/ns/a", "a2", r2, Some("a1")),
            (Kind::Added, "/pods/ns/b", "b1", r3, None),
            (Kind::Deleted, "/pods/ns/a", "a2", r4, Some("a2")),
            (Kind::Added, "/pods/ns/a", "a3", r5, None),
            (Kind::Modified, "/pods/ns/b", "b2", r6, Some("b1")),
        ],
    )
    .await;
    expect_events(
        &mut one,
        &[
            (Kind::Added, "/pods/ns/b", "b1", r3, None),
            (Kind::Modified, "/pods/ns/b", "b2", r6, Some("b1")),
        ],
    )
    .await;
    expect_quiet(&mut w).await;
    // At the current revision: nothing old.
    let mut w = s.watch("/pods", r6, true).await.unwrap();
    expect_quiet(&mut w).await;
    // Ahead of the current revision: only events after the requested one.
    let mut ahead = s.watch("/pods", r6 + 1, true).await.unwrap();
    s.update("/pods/ns/b", None, b("b3")).await.unwrap();
    let r8 = s.update("/pods/ns/b", None, b("b4")).await.unwrap();
    expect_events(&mut ahead, &[(Kind::Modified, "/pods/ns/b", "b4", r8, Some("b3"))]).await;
}

/// Mirrors RunTestDeleteTriggerWatch.
pub async fn test_delete_trigger_watch(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    let mut w = s.watch("/pods/ns/a", r1, false).await.unwrap();
    let kv = s.delete("/pods/ns/a", Some(r1)).await.unwrap();
    expect_events(&mut w, &[(Kind::Deleted, "/pods/ns/a", "a1", kv.mod_revision, Some("a1"))])
        .await;
}

/// Mirrors RunTestWatchFromCompacted (etcd's "required revision has been compacted").
pub async fn test_watch_from_compacted(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a1")).await.unwrap();
    let r2 = s.update("/pods/ns/a", None, b("a2")).await.unwrap();
    let r3 = s.update("/pods/ns/a", None, b("a3")).await.unwrap();
    s.compact(r2).await.unwrap();
    let err = s.watch("/pods", r1, true).await.unwrap_err();
    assert_eq!(
        err,
        StorageError::ResourceExpired {
            message: format!("too old resource version: {r1} ({r2})"),
            continue_token: None,
        }
    );
    // Watching from the compaction point still works.
    let mut w = s.watch("/pods", r2, true).await.unwrap();
    expect_events(&mut w, &[(Kind::Modified, "/pods/ns/a", "a3", r3, Some("a2"))]).await;
}

/// A watcher that stops reading is cut off with an error instead of holding up writers. The
/// backend must be built with a per-watcher buffer well below `writes`.
pub async fn test_watch_slow_consumer_terminated(s: Store, writes: usize) {
    let start = s.current_revision().await.unwrap();
    let mut slow = s.watch("/pods", start, true).await.unwrap();
    let mut fine = s.watch("/pods", start, true).await.unwrap();
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while n < writes {
            match next_event(&mut fine).await {
                WatchEvent::Added(_) => n += 1,
                other => panic!("healthy watcher got {other:?}"),
            }
        }
        n
    });
    for i in 0..writes {
        tokio::time::timeout(WAIT, s.create(&format!("/pods/ns/p{i:04}"), b("x")))
            .await
            .expect("writes must not block on a slow watcher")
            .unwrap();
    }
    assert_eq!(reader.await.unwrap(), writes);
    let mut delivered = 0;
    loop {
        match tokio::time::timeout(WAIT, slow.recv()).await.expect("slow watcher must end") {
            Some(WatchEvent::Added(e)) => {
                delivered += 1;
                assert_eq!(&*e.key, format!("/pods/ns/p{:04}", delivered - 1));
            }
            Some(WatchEvent::Error(_)) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(delivered < writes, "{delivered}");
    assert!(tokio::time::timeout(WAIT, slow.recv()).await.unwrap().is_none());
}

/// Dropping a watch releases it; writes carry on.
pub async fn test_watch_dropped(s: Store) {
    let w = s.watch("/pods", 0, true).await.unwrap();
    drop(w);
    for i in 0..10 {
        s.create(&format!("/pods/ns/{i}"), b("x")).await.unwrap();
    }
    assert_eq!(s.count("/pods").await.unwrap(), 10);
}

/// Many concurrent writers: every acknowledged write is visible, revisions are distinct, and a
/// watcher sees them in increasing order.
pub async fn test_concurrent_writes(s: Store) {
    let start = s.current_revision().await.unwrap();
    let mut w = s.watch("/pods", start, true).await.unwrap();
    // Read while writing: the watcher's buffer may be far smaller than the 320 events.
    let watcher = tokio::spawn(async move {
        let mut revs = Vec::new();
        for _ in 0..320 {
            revs.push(next_event(&mut w).await.revision().unwrap());
        }
        revs
    });
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..8 {
        let s = Arc::clone(&s);
        tasks.spawn(async move {
            let mut revs = Vec::new();
            for i in 0..20 {
                let key = format!("/pods/t{t}/k{i}");
                let r = s.create(&key, b("v1")).await.unwrap();
                let r2 = s.update(&key, Some(r), b("v2")).await.unwrap();
                assert!(r2 > r);
                revs.push(r);
                revs.push(r2);
            }
            revs
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r.unwrap());
    }
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n, "revisions must be distinct");
    assert_eq!(s.current_revision().await.unwrap(), *all.last().unwrap());
    let r = list(&s, "/pods", ListOptions::recursive()).await.unwrap();
    assert_eq!(r.items.len(), 160);
    assert!(r.items.iter().all(|kv| kv.value == b("v2")));
    let seen = watcher.await.unwrap();
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "{seen:?}");
    assert_eq!(seen, all);
}

/// Mirrors RunTestKeySchema (minus the resource-prefix checks, which belong to the layer above).
pub async fn test_key_schema(s: Store) {
    // Backends start at different revisions (etcd at 1): compare with where this one began.
    let start = s.current_revision().await.unwrap();
    let bad = [
        ("", "empty key: \"\""),
        ("/", "empty key: \"/\""),
        (".", "invalid key: \".\""),
        ("..", "invalid key: \"..\""),
        ("../pods", "invalid key: \"../pods\""),
        ("./pods", "invalid key: \"./pods\""),
        ("/pods/..", "invalid key: \"/pods/..\""),
        ("/pods/.", "invalid key: \"/pods/.\""),
        ("/pods/../secrets/x", "invalid key: \"/pods/../secrets/x\""),
        ("/pods/./x", "invalid key: \"/pods/./x\""),
    ];
    for (key, msg) in bad {
        let want = StorageError::InvalidKey(msg.to_string());
        assert_eq!(s.create(key, b("x")).await.unwrap_err(), want, "create {key:?}");
        assert_eq!(s.get(key).await.unwrap_err(), want, "get {key:?}");
        assert_eq!(s.list(key, ListOptions::recursive()).await.unwrap_err(), want, "list {key:?}");
        assert_eq!(s.update(key, None, b("x")).await.unwrap_err(), want, "update {key:?}");
        assert_eq!(s.delete(key, None).await.unwrap_err(), want, "delete {key:?}");
        assert_eq!(s.count(key).await.unwrap_err(), want, "count {key:?}");
        assert_eq!(s.watch(key, 0, true).await.unwrap_err(), want, "watch {key:?}");
        assert_eq!(want.to_string(), msg);
    }
    assert_eq!(s.current_revision().await.unwrap(), start, "rejected keys wrote nothing");
    // Dots inside names are fine.
    for key in [
        "/pods/",
        "/pods/name",
        "/pods/namespace",
        "/pods/namespace/name",
        "/pods/a..b",
        "/pods/.x",
    ] {
        s.create(key, b("x")).await.unwrap();
    }
    let r = s.list("/pods", ListOptions::recursive()).await.unwrap();
    assert_eq!(r.items.len(), 6);
    let r = s.list("/pods/namespace", ListOptions::recursive()).await.unwrap();
    assert_eq!(keys_values(&r), vec![("/pods/namespace/name".to_string(), "x".to_string())]);
}

/// Expected `(key, value)` pairs of a list.
type Expected<'a> = &'a [(&'a str, &'a str)];

/// Mirrors RunTestGetListRecursivePrefix.
pub async fn test_get_list_recursive_prefix(s: Store) {
    s.create("/pods/test-ns/foo", b("foo")).await.unwrap();
    s.create("/pods/test-ns/foobar", b("foobar")).await.unwrap();
    let last = s.create("/pods/test-ns2/baz", b("baz")).await.unwrap();
    let cases: [(&str, bool, Expected); 8] = [
        ("/pods/", false, &[]),
        (
            "/pods/",
            true,
            &[
                ("/pods/test-ns/foo", "foo"),
                ("/pods/test-ns/foobar", "foobar"),
                ("/pods/test-ns2/baz", "baz"),
            ],
        ),
        ("/pods/test-ns/", false, &[]),
        (
            "/pods/test-ns/",
            true,
            &[("/pods/test-ns/foo", "foo"), ("/pods/test-ns/foobar", "foobar")],
        ),
        ("/pods/test-ns/foo", false, &[("/pods/test-ns/foo", "foo")]),
        ("/pods/test-ns/foo", true, &[]),
        ("/pods/test-ns/foobar", false, &[("/pods/test-ns/foobar", "foobar")]),
        ("/pods/test-ns/foobar", true, &[]),
    ];
    // Each case at the current revision and at the exact revision of the last write.
    s.create("/pods/test-ns3/later", b("later")).await.unwrap();
    for (key, recursive, expect) in cases {
        let opts = ListOptions { recursive, revision: Some(last), ..ListOptions::default() };
        let r = s.list(key, opts).await.unwrap();
        check_list(&r, expect, None);
        assert_eq!(r.revision, last);
        if !key.starts_with("/pods/test-ns3") {
            let r = s.list(key, ListOptions { recursive, ..ListOptions::default() }).await.unwrap();
            let mut want: Vec<(&str, &str)> = expect.to_vec();
            if key == "/pods/" && recursive {
                want.push(("/pods/test-ns3/later", "later"));
            }
            check_list(&r, &want, None);
        }
    }
}

/// Mirrors RunTestListPaging: pages keep to the first page's revision.
pub async fn test_list_paging(s: Store) {
    for i in 0..4 {
        s.create(&format!("/pods/paging/test-{i}"), b("x")).await.unwrap();
    }
    let mut names = Vec::new();
    let mut opts = limit(1);
    let mut calls = 0;
    loop {
        calls += 1;
        let r = s.list("/pods/", opts.clone()).await.unwrap();
        names.extend(r.items.iter().map(|kv| kv.key.clone()));
        let Some(token) = r.continue_key else { break };
        if calls == 2 {
            s.create("/pods/paging/test-5", b("x")).await.unwrap();
        }
        opts.continue_key = Some(token);
    }
    assert_eq!(calls, 4);
    assert_eq!(
        names,
        [
            "/pods/paging/test-0",
            "/pods/paging/test-1",
            "/pods/paging/test-2",
            "/pods/paging/test-3"
        ]
    );
}

/// Mirrors RunTestCompactRevision.
pub async fn test_compact_revision(s: Store) {
    s.create("/pods/ns/a", b("a")).await.unwrap();
    let r = s.list("/pods/", ListOptions::recursive()).await.unwrap();
    let current = r.revision;
    assert!(s.compacted_revision().await.unwrap() < current);
    s.list("/pods/", at(current)).await.unwrap();
    // Bump the revision, then compact just past the list's revision.
    s.create("/pods/ns/b", b("b")).await.unwrap();
    s.compact(current + 1).await.unwrap();
    let err = s.list("/pods/", at(current)).await.unwrap_err();
    assert!(
        err.to_string().contains("The resourceVersion for the provided list is too old"),
        "{err}"
    );
    assert_eq!(s.compacted_revision().await.unwrap(), current + 1);
}

/// Mirrors RunTestWatchDeleteEventObjectHaveLatestRV: a deletion is reported at its own revision.
pub async fn test_watch_delete_event_object_have_latest_rv(s: Store) {
    let r1 = s.create("/pods/ns/a", b("a")).await.unwrap();
    let mut w = s.watch("/pods/ns/a", r1, false).await.unwrap();
    let deleted = s.delete("/pods/ns/a", None).await.unwrap();
    assert!(deleted.mod_revision > r1);
    match next_event(&mut w).await {
        WatchEvent::Deleted(e) => {
            assert_eq!(e.revision, deleted.mod_revision);
            assert_eq!(e.create_revision, r1);
        }
        other => panic!("{other:?}"),
    }
}

/// Key to `(value, create_revision, mod_revision)`.
type ModelState = std::collections::BTreeMap<String, (Vec<u8>, u64, u64)>;

/// A reference model of the store: every revision's full state and event.
pub struct Model {
    /// `(revision, state after it)`, in revision order; the state maps key to
    /// `(value, create_revision, mod_revision)`.
    snapshots: Vec<(u64, ModelState)>,
    /// Every change: `(revision, event)`.
    events: Vec<WatchEvent>,
    /// The highest compaction point requested.
    compacted: u64,
}

/// A small deterministic generator, so failures replay exactly.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Applies `ops` random creates, updates (fresh or stale expectations), deletes and compactions
/// on a few keys, checking each outcome against the model, and returns the model.
pub async fn run_random_ops(s: &Store, seed: u64, ops: usize) -> Model {
    let mut rng = Lcg(seed);
    let mut state = ModelState::new();
    // Revisions are numbered from wherever the store stands now, so the model holds for any
    // starting revision and for an earlier round's compaction.
    let compacted = s.compacted_revision().await.unwrap();
    let mut model = Model { snapshots: Vec::new(), events: Vec::new(), compacted };
    let mut rev = s.current_revision().await.unwrap();
    model.snapshots.push((rev, state.clone()));
    for i in 0..ops {
        let key = format!("/pods/m/k{}", rng.next(8));
        let value = format!("v{i}").into_bytes();
        let live = state.get(&key).cloned();
        let event = match (rng.next(10), live) {
            (0, _) if rev > model.compacted => {
                let point = model.compacted + 1 + rng.next(rev - model.compacted);
                s.compact(point).await.unwrap();
                model.compacted = point;
                None
            }
            (1..=3, None) | (0, None) => {
                let r = s.create(&key, value.clone()).await.unwrap();
                assert_eq!(r, rev + 1);
                state.insert(key.clone(), (value.clone(), r, r));
                Some(WatchEvent::Added(super::Event {
                    key: key.into(),
                    value: value.into(),
                    prev_value: None,
                    create_revision: r,
                    revision: r,
                    memo: Default::default(),
                }))
            }
            (1..=3, Some((_, _, m))) => {
                let err = s.create(&key, value).await.unwrap_err();
                assert_eq!(err, StorageError::KeyExists { key: key.clone() });
                assert!(m <= rev);
                None
            }
            (_, None) => {
                assert!(matches!(
                    s.update(&key, None, value).await.unwrap_err(),
                    StorageError::KeyNotFound { .. }
                ));
                None
            }
            (4..=7, Some((old, c, m))) => {
                let stale = rng.next(4) == 0 && m > 1;
                let expected = if stale { m - 1 } else { m };
                match s.update(&key, Some(expected), value.clone()).await {
                    Ok(r) => {
                        assert!(!stale);
                        assert_eq!(r, rev + 1);
                        state.insert(key.clone(), (value.clone(), c, r));
                        Some(WatchEvent::Modified(super::Event {
                            key: key.into(),
                            value: value.into(),
                            prev_value: Some(old.into()),
                            create_revision: c,
                            revision: r,
                            memo: Default::default(),
                        }))
                    }
                    Err(e) => {
                        assert!(stale, "{e:?}");
                        assert_eq!(e, StorageError::Conflict { key, revision: m });
                        None
                    }
                }
            }
            (_, Some((old, c, _))) => {
                let kv = s.delete(&key, None).await.unwrap();
                assert_eq!(
                    (kv.value.clone(), kv.create_revision, kv.mod_revision),
                    (Bytes::from(old.clone()), c, rev + 1)
                );
                state.remove(&key);
                Some(WatchEvent::Deleted(super::Event {
                    key: key.into(),
                    value: old.clone().into(),
                    prev_value: Some(old.into()),
                    create_revision: c,
                    revision: kv.mod_revision,
                    memo: Default::default(),
                }))
            }
        };
        if let Some(ev) = event {
            rev += 1;
            model.events.push(ev);
            model.snapshots.push((rev, state.clone()));
        }
    }
    assert_eq!(s.current_revision().await.unwrap(), rev);
    model
}

/// Checks every list at every revision, and watches replayed from a spread of revisions,
/// against the model.
pub async fn check_model(s: &Store, model: &Model) {
    let current = s.current_revision().await.unwrap();
    assert_eq!(s.compacted_revision().await.unwrap(), model.compacted);
    // Revision 0 is not a point in history: it asks for the current state.
    for (rev, state) in model.snapshots.iter().filter(|(r, _)| *r > 0) {
        let got = s.list("/pods/m", at(*rev)).await;
        if *rev < model.compacted {
            assert!(matches!(got, Err(StorageError::ResourceExpired { .. })), "{rev}: {got:?}");
            continue;
        }
        let got = got.unwrap();
        let want: Vec<KeyValue> = state
            .iter()
            .map(|(k, (v, c, m))| KeyValue {
                key: k.clone(),
                value: v.clone().into(),
                create_revision: *c,
                mod_revision: *m,
            })
            .collect();
        assert_eq!(got.items, want, "list at {rev}");
        // Paged in twos, the same items come back.
        let mut paged = Vec::new();
        let mut opts = ListOptions { limit: 2, ..at(*rev) };
        loop {
            let page = s.list("/pods/m", opts.clone()).await.unwrap();
            assert_eq!(page.revision, *rev);
            paged.extend(page.items);
            match page.continue_key {
                Some(t) => opts = cont(&Some(t)),
                None => break,
            }
        }
        assert_eq!(paged, want, "paged list at {rev}");
    }
    let starts: Vec<u64> = model
        .snapshots
        .iter()
        .map(|(r, _)| *r)
        .filter(|r| *r >= model.compacted && *r < current)
        .step_by(7)
        .collect();
    for from in starts {
        let want: Vec<&WatchEvent> =
            model.events.iter().filter(|e| e.revision().is_some_and(|r| r > from)).collect();
        let mut w = s.watch("/pods/m", from, true).await.unwrap();
        for expected in want {
            let got = next_event(&mut w).await;
            assert_eq!(&got, expected, "watch from {from}");
        }
        expect_quiet(&mut w).await;
    }
}

/// Random operations checked against a model, at every revision.
pub async fn test_random_history(s: Store) {
    for seed in [1, 2] {
        let model = run_random_ops(&s, seed, 150).await;
        check_model(&s, &model).await;
        // Start the next round from a clean prefix.
        let current = s.list("/pods/m", ListOptions::recursive()).await.unwrap();
        for kv in current.items {
            s.delete(&kv.key, None).await.unwrap();
        }
    }
}

/// Generates one test per case; `$factory` is an expression yielding `(Store, guard)` where the
/// guard keeps the backend's resources (a temporary directory) alive for the test.
macro_rules! storage_suite {
    ($factory:expr) => {
        $crate::storage::suite::storage_suite!(@cases $factory;
            test_create, test_create_with_key_exist, test_get, test_unconditional_delete,
            test_conditional_delete, test_guaranteed_update, test_guaranteed_update_with_conflict,
            test_list, test_list_continuation, test_list_continuation_with_compaction,
            test_compact, test_count, test_watch, test_watch_from_zero, test_watch_from_non_zero,
            test_delete_trigger_watch, test_watch_from_compacted, test_watch_dropped,
            test_concurrent_writes, test_key_schema, test_get_list_recursive_prefix,
            test_list_paging, test_compact_revision, test_watch_delete_event_object_have_latest_rv, test_random_history);
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn test_watch_slow_consumer_terminated() {
            let (store, _guard) = $factory;
            $crate::storage::suite::test_watch_slow_consumer_terminated(store, 200).await;
        }
    };
    (@cases $factory:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $factory;
                $crate::storage::suite::$name(store).await;
            }
        )*
    };
}

pub(crate) use storage_suite;
