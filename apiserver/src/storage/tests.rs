//! Runs the shared conformance suite against the embedded backend, plus its durability cases.

use std::sync::Arc;

use super::suite::{Store, next_event};
use super::{Bytes, Embedded, EmbeddedOptions, ListOptions, Storage, StorageError, WatchEvent};

fn small_buffers() -> EmbeddedOptions {
    EmbeddedOptions { watch_buffer: 16, ..EmbeddedOptions::default() }
}

fn fresh() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Embedded::open_with(dir.path(), small_buffers()).unwrap();
    (Arc::new(store), dir)
}

super::suite::storage_suite!(fresh());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reopen_keeps_acknowledged_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (r_a, r_b2, r_del, r_compact, r_last);
    {
        let s = Embedded::open(dir.path()).unwrap();
        r_a = s.create("/pods/ns/a", b"a1".to_vec()).await.unwrap();
        s.create("/pods/ns/b", b"b1".to_vec()).await.unwrap();
        r_b2 = s.update("/pods/ns/b", None, b"b2".to_vec()).await.unwrap();
        s.create("/pods/ns/c", b"c1".to_vec()).await.unwrap();
        r_del = s.delete("/pods/ns/c", None).await.unwrap().mod_revision;
        r_compact = r_del;
        s.compact(r_compact).await.unwrap();
        r_last = s.update("/pods/ns/a", Some(r_a), b"a2".to_vec()).await.unwrap();
        s.close().await;
        let err = s.create("/pods/ns/z", b"z".to_vec()).await.unwrap_err();
        assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    }
    let s: Store = Arc::new(Embedded::open(dir.path()).unwrap());
    assert_eq!(s.current_revision().await.unwrap(), r_last);
    let a = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!((a.value.as_ref(), a.create_revision, a.mod_revision), (&b"a2"[..], r_a, r_last));
    let b = s.get("/pods/ns/b").await.unwrap().unwrap();
    assert_eq!((b.value.as_ref(), b.mod_revision), (&b"b2"[..], r_b2));
    assert_eq!(s.get("/pods/ns/c").await.unwrap(), None);
    // History and the compaction point survive too.
    let old = s
        .list("/pods", ListOptions { revision: Some(r_compact), ..ListOptions::recursive() })
        .await
        .unwrap();
    let keys: Vec<_> = old.items.iter().map(|kv| (kv.key.as_str(), kv.value.as_ref())).collect();
    assert_eq!(keys, vec![("/pods/ns/a", &b"a1"[..]), ("/pods/ns/b", &b"b2"[..])]);
    let err = s.watch("/pods", r_compact - 1, true).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
    let mut w = s.watch("/pods", r_compact, true).await.unwrap();
    match next_event(&mut w).await {
        WatchEvent::Modified(e) => {
            assert_eq!((e.revision, e.prev_value.as_deref()), (r_last, Some(&b"a1"[..])))
        }
        other => panic!("{other:?}"),
    }
    // New writes continue the revision sequence.
    let r = s.create("/pods/ns/d", b"d".to_vec()).await.unwrap();
    assert_eq!(r, r_last + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reopen_after_many_concurrent_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut acked = Vec::new();
    {
        let s = Arc::new(Embedded::open(dir.path()).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..64 {
            let s = Arc::clone(&s);
            tasks.spawn(async move {
                let key = format!("/pods/ns/k{i:02}");
                let r = s.create(&key, key.clone().into_bytes()).await.unwrap();
                (key, r)
            });
        }
        while let Some(r) = tasks.join_next().await {
            acked.push(r.unwrap());
        }
        s.close().await;
    }
    let s = Embedded::open(dir.path()).unwrap();
    for (key, rev) in acked {
        let kv = s.get(&key).await.unwrap().unwrap();
        assert_eq!((kv.value, kv.mod_revision), (Bytes::from(key), rev));
    }
    assert_eq!(s.current_revision().await.unwrap(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_close_ends_watches() {
    let dir = tempfile::tempdir().unwrap();
    let s = Embedded::open(dir.path()).unwrap();
    let mut w = s.watch("/pods", 0, true).await.unwrap();
    s.close().await;
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), w.recv()).await.unwrap();
    assert_eq!(end, None);
    let err = s.watch("/pods", 0, true).await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

#[test]
fn test_open_locked_directory_fails() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Embedded::open(dir.path()).unwrap();
    let second = Embedded::open(dir.path());
    assert!(matches!(second, Err(StorageError::Internal(_))));
}

fn check_key(key: &str, expect: Result<(), &str>) {
    let got = super::validate_key(key);
    assert_eq!(got, expect.map_err(|m| StorageError::InvalidKey(m.to_string())), "{key:?}");
}

// Mirrors the key cases of upstream's PrepareKey (TestPrepareKey / RunTestKeySchema).
#[test]
fn test_prepare_key() {
    check_key("/pods/ns/name", Ok(()));
    check_key("pods", Ok(()));
    check_key("/pods/", Ok(()));
    check_key("/pods/a..b", Ok(()));
    check_key("/pods/...", Ok(()));
    check_key("/pods/.hidden", Ok(()));
    check_key("", Err(r#"empty key: """#));
    check_key("/", Err(r#"empty key: "/""#));
    check_key(".", Err(r#"invalid key: ".""#));
    check_key("..", Err(r#"invalid key: "..""#));
    check_key("../x", Err(r#"invalid key: "../x""#));
    check_key("x/..", Err(r#"invalid key: "x/..""#));
    check_key("/a/../b", Err(r#"invalid key: "/a/../b""#));
    check_key("./x", Err(r#"invalid key: "./x""#));
    check_key("x/.", Err(r#"invalid key: "x/.""#));
    check_key("/a/./b", Err(r#"invalid key: "/a/./b""#));
    check_key("/a/\"q\"/./b", Err(r#"invalid key: "/a/\"q\"/./b""#));
    check_key("/a\n/./\u{0}", Err(r#"invalid key: "/a\n/./\x00""#));
}

// Mirrors RunOptionalTestProgressNotify: idle watchers learn the current revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_progress_notify() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmbeddedOptions {
        progress_interval: Some(std::time::Duration::from_millis(30)),
        ..EmbeddedOptions::default()
    };
    let s = Embedded::open_with(dir.path(), options).unwrap();
    let r1 = s.create("/pods/ns/a", b"a".to_vec()).await.unwrap();
    let mut w = s.watch("/pods", r1, true).await.unwrap();
    // Writes elsewhere still advance the revision a bookmark reports.
    let r2 = s.create("/other/x", b"x".to_vec()).await.unwrap();
    loop {
        match next_event(&mut w).await {
            WatchEvent::Bookmark { revision } if revision == r2 => break,
            WatchEvent::Bookmark { revision } => assert!(revision >= r1 && revision < r2),
            other => panic!("{other:?}"),
        }
    }
    let r3 = s.create("/pods/ns/b", b"b".to_vec()).await.unwrap();
    loop {
        match next_event(&mut w).await {
            WatchEvent::Added(e) => {
                assert_eq!(e.revision, r3);
                break;
            }
            WatchEvent::Bookmark { revision } => assert_eq!(revision, r2),
            other => panic!("{other:?}"),
        }
    }
    // A watch ahead of the store reports no progress below its start.
    let mut ahead = s.watch("/pods", r3 + 5, true).await.unwrap();
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(200), ahead.recv()).await;
    assert!(quiet.is_err(), "{quiet:?}");
}

// History, compaction point and revisions survive a reopen exactly as the model says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_reopen_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    let model = {
        let s = Arc::new(Embedded::open_with(dir.path(), small_buffers()).unwrap());
        let store: Store = s.clone();
        let model = super::suite::run_random_ops(&store, 7, 200).await;
        super::suite::check_model(&store, &model).await;
        s.close().await;
        model
    };
    let s: Store = Arc::new(Embedded::open_with(dir.path(), small_buffers()).unwrap());
    super::suite::check_model(&s, &model).await;
}

/// Whether two values are one buffer (shared by reference count) rather than equal copies.
fn same_buffer(a: &Bytes, b: &Bytes) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}

fn event_of(ev: &WatchEvent) -> &super::Event {
    match ev {
        WatchEvent::Added(e) | WatchEvent::Modified(e) | WatchEvent::Deleted(e) => e,
        other => panic!("expected an object event, got {other:?}"),
    }
}

/// Reads, lists and live events hand out the one buffer each revision is kept in; the previous
/// value of an event is the previous revision's buffer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_values_are_shared_not_copied() {
    let (s, _dir) = fresh();
    let mut w = s.watch("/pods", 0, true).await.unwrap();
    s.create("/pods/ns/a", b"a1".to_vec()).await.unwrap();
    let first = s.get("/pods/ns/a").await.unwrap().unwrap().value;
    let again = s.get("/pods/ns/a").await.unwrap().unwrap().value;
    let listed = s.list("/pods", ListOptions::recursive()).await.unwrap().items.remove(0).value;
    assert!(same_buffer(&first, &again) && same_buffer(&first, &listed));
    assert!(same_buffer(&event_of(&next_event(&mut w).await).value, &first));
    // A different value is a different buffer, and its event points back at the first one.
    s.update("/pods/ns/a", None, b"a2".to_vec()).await.unwrap();
    let second = s.get("/pods/ns/a").await.unwrap().unwrap().value;
    assert_eq!((&first[..], &second[..]), (&b"a1"[..], &b"a2"[..]));
    assert!(!same_buffer(&first, &second));
    let ev = next_event(&mut w).await;
    let e = event_of(&ev);
    assert!(same_buffer(&e.value, &second), "{ev:?}");
    assert!(e.prev_value.as_ref().is_some_and(|p| same_buffer(p, &first)), "{ev:?}");
    // A deletion carries the last buffer as both its value and its previous value.
    s.delete("/pods/ns/a", None).await.unwrap();
    let ev = next_event(&mut w).await;
    let e = event_of(&ev);
    assert!(matches!(ev, WatchEvent::Deleted(_)), "{ev:?}");
    assert!(same_buffer(&e.value, &second), "{ev:?}");
    assert!(e.prev_value.as_ref().is_some_and(|p| same_buffer(p, &second)), "{ev:?}");
}

/// A watch replaying history from disk hands out the in-memory buffer for writes that are still
/// current, so a cache catching up after falling behind holds no second copy of them; older
/// revisions come from disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_replay_shares_current_values() {
    let (s, _dir) = fresh();
    let r_0 = s.create("/other/x", b"x".to_vec()).await.unwrap();
    let r_a = s.create("/pods/ns/a", b"a1".to_vec()).await.unwrap();
    s.create("/pods/ns/b", b"b1".to_vec()).await.unwrap();
    s.update("/pods/ns/a", None, b"a2".to_vec()).await.unwrap();
    let a = s.get("/pods/ns/a").await.unwrap().unwrap().value;
    let b = s.get("/pods/ns/b").await.unwrap().unwrap().value;
    let mut w = s.watch("/pods", r_a, true).await.unwrap();
    let ev = next_event(&mut w).await;
    let e = event_of(&ev);
    assert_eq!((&e.key[..], &e.value[..]), ("/pods/ns/b", &b"b1"[..]));
    assert!(same_buffer(&e.value, &b), "{ev:?}");
    let ev = next_event(&mut w).await;
    let e = event_of(&ev);
    assert_eq!((&e.key[..], &e.value[..]), ("/pods/ns/a", &b"a2"[..]));
    assert!(same_buffer(&e.value, &a), "{ev:?}");
    // The superseded first revision only exists on disk: its bytes are read back.
    assert_eq!(e.prev_value.as_deref(), Some(&b"a1"[..]));
    let mut w = s.watch("/pods", r_0, true).await.unwrap();
    let ev = next_event(&mut w).await;
    let e = event_of(&ev);
    assert_eq!((&e.key[..], &e.value[..]), ("/pods/ns/a", &b"a1"[..]));
    assert!(!same_buffer(&e.value, &a), "{ev:?}");
}

/// A page cache far smaller than the data still serves every read and history replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_small_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmbeddedOptions { cache_size: 64 << 10, ..EmbeddedOptions::default() };
    let s = Embedded::open_with(dir.path(), options).unwrap();
    let value = |i: u32| format!("{i:04}").repeat(1024).into_bytes();
    let first = s.current_revision().await.unwrap();
    for i in 0..64 {
        s.create(&format!("/pods/ns/p{i:02}"), value(i)).await.unwrap();
    }
    let list = s
        .list("/pods", ListOptions { revision: Some(first + 32), ..ListOptions::recursive() })
        .await
        .unwrap();
    assert_eq!(list.items.len(), 32);
    assert!(list.items.iter().enumerate().all(|(i, kv)| kv.value == value(i as u32)));
    let mut w = s.watch("/pods", first, true).await.unwrap();
    for i in 0..64 {
        let ev = next_event(&mut w).await;
        assert_eq!(event_of(&ev).value, value(i), "event {i}");
    }
    s.close().await;
    drop(s);
    // No page cache at all works too.
    let options = EmbeddedOptions { cache_size: 0, ..EmbeddedOptions::default() };
    let s = Embedded::open_with(dir.path(), options).unwrap();
    assert_eq!(s.count("/pods").await.unwrap(), 64);
    assert_eq!(s.get("/pods/ns/p07").await.unwrap().unwrap().value, value(7));
}
