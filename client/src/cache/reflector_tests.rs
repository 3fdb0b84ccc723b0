//! Tests of the reflector, mirroring client-go's reflector_test.go and
//! reflector_watchlist_test.go, against the in-memory [`FakeListerWatcher`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cache::fake::{
    FakeListerWatcher, expired_error, shared, status_error, too_large_resource_version_error,
    too_many_requests_error,
};
use crate::cache::*;

fn pod(name: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            namespace: Some("ns".into()),
            name: Some(name.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn pod_rv(name: &str, rv: &str) -> Pod {
    let mut p = pod(name);
    p.metadata.resource_version = Some(rv.into());
    p
}

/// A store that records what the reflector did to it.
#[derive(Default)]
struct RecordingStore {
    ops: Mutex<Vec<String>>,
    items: Mutex<std::collections::BTreeMap<String, Arc<Pod>>>,
}

impl RecordingStore {
    fn ops(&self) -> Vec<String> {
        self.ops.lock().unwrap().clone()
    }
    fn keys(&self) -> Vec<String> {
        self.items.lock().unwrap().keys().cloned().collect()
    }
    fn record(&self, op: String) {
        self.ops.lock().unwrap().push(op);
    }
}

fn key(p: &Pod) -> String {
    meta_namespace_key_func(p).unwrap()
}

impl ReflectorStore<Pod> for RecordingStore {
    fn add(&self, obj: Arc<Pod>) -> Result<(), CacheError> {
        self.record(format!("add {}", key(&obj)));
        self.items.lock().unwrap().insert(key(&obj), obj);
        Ok(())
    }
    fn update(&self, obj: Arc<Pod>) -> Result<(), CacheError> {
        self.record(format!("update {}", key(&obj)));
        self.items.lock().unwrap().insert(key(&obj), obj);
        Ok(())
    }
    fn delete(&self, obj: DeltaObject<Pod>) -> Result<(), CacheError> {
        let k = deletion_handling_meta_namespace_key_func(&obj)?;
        self.record(format!("delete {k}"));
        self.items.lock().unwrap().remove(&k);
        Ok(())
    }
    fn replace(&self, list: Vec<Arc<Pod>>, resource_version: &str) -> Result<(), CacheError> {
        self.record(format!("replace {} @{resource_version}", list.len()));
        let mut items = self.items.lock().unwrap();
        items.clear();
        for obj in list {
            items.insert(key(&obj), obj);
        }
        Ok(())
    }
    fn resync(&self) -> Result<(), CacheError> {
        self.record("resync".into());
        Ok(())
    }
}

fn fast_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(10),
        cap: Duration::from_millis(100),
        jitter: 0.0,
        ..Backoff::default()
    }
}

fn options() -> ReflectorOptions {
    ReflectorOptions { backoff: fast_backoff(), ..Default::default() }
}

fn reflector(
    fake: &Arc<FakeListerWatcher<Pod>>,
    store: &Arc<RecordingStore>,
    opts: ReflectorOptions,
) -> Arc<Reflector<Pod>> {
    let store: Arc<dyn ReflectorStore<Pod>> = store.clone();
    Arc::new(Reflector::new(shared(fake), store, opts))
}

fn spawn(r: &Arc<Reflector<Pod>>) -> (CancellationToken, JoinHandle<()>) {
    let stop = CancellationToken::new();
    let r = Arc::clone(r);
    let s = stop.clone();
    (stop, tokio::spawn(async move { r.run(s).await }))
}

async fn stop_and_join(stop: CancellationToken, task: JoinHandle<()>) {
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("reflector did not stop")
        .expect("reflector panicked");
}

/// Polls `cond` until it holds; panics after a deadline.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_watch_calls(fake: &FakeListerWatcher<Pod>, n: usize) {
    tokio::time::timeout(Duration::from_secs(30), fake.wait_for_watch_calls(n))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {n} watch calls"));
}

#[tokio::test(start_paused = true)]
async fn reflector_list_and_watch() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;

    assert_eq!(store.ops(), ["replace 2 @3"]);
    assert_eq!(r.last_sync_resource_version(), "3");
    let list = &fake.list_calls()[0];
    assert_eq!((list.resource_version.as_str(), list.limit), ("0", DEFAULT_PAGE_SIZE));
    let watch = &fake.watch_calls()[0];
    assert_eq!(watch.resource_version, "3");
    assert!(watch.allow_watch_bookmarks);
    let timeout = watch.timeout_seconds.unwrap();
    assert!((300..600).contains(&timeout), "timeoutSeconds {timeout}");

    fake.add(pod("c"));
    let mut b = fake.get("ns/b").unwrap();
    b.metadata.labels = Some([("x".to_string(), "y".to_string())].into());
    fake.update(b);
    fake.delete("ns/a");
    eventually("events applied", || store.ops().len() == 4).await;
    assert_eq!(store.ops()[1..], ["add ns/c", "update ns/b", "delete ns/a"]);
    assert_eq!(store.keys(), ["ns/b", "ns/c"]);
    assert_eq!(r.last_sync_resource_version(), "6");
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_resumes_watch_from_last_resource_version_after_stream_end() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    fake.add(pod("b"));
    eventually("event applied", || r.last_sync_resource_version() == "3").await;
    // The server ends the watch (as at its timeout): the reflector watches again from the
    // last version it saw, without listing.
    fake.close_watches();
    wait_watch_calls(&fake, 2).await;
    assert_eq!(fake.watch_calls()[1].resource_version, "3");
    fake.add(pod("c"));
    eventually("event on the new watch", || store.keys().len() == 3).await;
    assert_eq!(fake.list_calls().len(), 1);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_relists_on_410_during_watch() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;

    // A deletion the watch never reports, then the history is compacted and the watch
    // expires: the relist at the last version fails as expired too, so the reflector falls
    // back to a consistent list ("").
    fake.delete_silently("ns/a");
    fake.compact();
    let expired = match expired_error("too old resource version: 3 (4)") {
        ListWatchError::Status(s) => *s,
        ListWatchError::Transport(_) => unreachable!(),
    };
    fake.send_error(expired);
    wait_watch_calls(&fake, 2).await;
    let rvs: Vec<String> = fake.list_calls().into_iter().map(|o| o.resource_version).collect();
    assert_eq!(rvs, ["0", "3", ""]);
    assert_eq!(store.keys(), ["ns/b"]);
    assert_eq!(r.last_sync_resource_version(), "4");
    assert_eq!(fake.watch_calls()[1].resource_version, "4");
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_bookmark_updates_last_resource_version_without_touching_the_store() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    assert_eq!(r.last_sync_resource_version(), "2");
    // A write to an object this watch does not see (another namespace's, say) moves the
    // version on; the bookmark carries it.
    fake.delete_silently("ns/a");
    fake.send_bookmark();
    eventually("bookmark seen", || r.last_sync_resource_version() == "3").await;
    assert_eq!(store.ops(), ["replace 1 @2"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_watch_list_page_size() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    for name in ["a", "b", "c", "d", "e"] {
        fake.add(pod(name));
    }
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, ReflectorOptions { page_size: 2, ..options() });
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    let calls: Vec<(String, String, i64)> = fake
        .list_calls()
        .into_iter()
        .map(|o| (o.resource_version, o.continue_token, o.limit))
        .collect();
    assert_eq!(
        calls,
        [
            ("0".to_string(), String::new(), 2),
            (String::new(), "6/ns/b".to_string(), 2),
            (String::new(), "6/ns/d".to_string(), 2),
        ]
    );
    assert_eq!(store.ops(), ["replace 5 @6"]);
    assert_eq!(fake.watch_calls()[0].resource_version, "6");
    stop_and_join(stop, task).await;
}

/// Scripted list answers for the upstream list-fallback cases: `(rv, continue, limit)` to the
/// items and list version to return, or to an error.
type Script = Vec<(
    (&'static str, &'static str, i64),
    Result<(usize, &'static str, &'static str), ListWatchError>,
)>;

fn scripted(fake: &FakeListerWatcher<Pod>, script: Script) -> Arc<Mutex<Vec<String>>> {
    let pods: Vec<Pod> = (0..8).map(|i| pod_rv(&format!("pod-{i}"), &i.to_string())).collect();
    let rvs = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&rvs);
    let script = Mutex::new(script);
    fake.set_list_hook(move |o| {
        seen.lock().unwrap().push(o.resource_version.clone());
        let mut script = script.lock().unwrap();
        let pos = script.iter().position(|((rv, c, l), _)| {
            *rv == o.resource_version && *c == o.continue_token && *l == o.limit
        });
        let Some(pos) = pos else {
            return Some(Err(status_error(500, "InternalError", &format!("unexpected {o:?}"))));
        };
        Some(match script.remove(pos).1 {
            Ok((n, rv, cont)) => Ok(ObjectList {
                items: pods[..n].to_vec(),
                resource_version: rv.to_string(),
                continue_token: cont.to_string(),
                remaining_item_count: None,
            }),
            Err(e) => Err(e),
        })
    });
    rvs
}

/// Runs one list-and-watch cycle that ends as soon as the watch opens.
async fn list_and_watch_once(
    fake: &FakeListerWatcher<Pod>,
    r: &Reflector<Pod>,
) -> Result<(), ReflectorError> {
    let stop = CancellationToken::new();
    let on_watch = stop.clone();
    fake.set_watch_hook(move |_| {
        on_watch.cancel();
        None
    });
    tokio::time::timeout(Duration::from_secs(10), r.list_and_watch(&stop))
        .await
        .expect("list_and_watch hung")
}

#[tokio::test(start_paused = true)]
async fn reflector_expired_exact_resource_version() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let calls = scripted(
        &fake,
        vec![
            (("0", "", 500), Ok((4, "10", ""))),
            (
                ("10", "", 0),
                Err(expired_error("The resourceVersion for the provided watch is too old.")),
            ),
            // The retry keeps the relist's page size.
            (("", "", 0), Ok((8, "11", ""))),
        ],
    );
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 4);
    // The relist asks for the last synced version (no paging, so a watch cache could serve
    // it); that has expired, so it lists again at "".
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 8);
    assert_eq!(*calls.lock().unwrap(), ["0", "10", ""]);
    assert_eq!(r.last_sync_resource_version(), "11");
}

#[tokio::test(start_paused = true)]
async fn reflector_full_list_if_expired() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let calls = scripted(
        &fake,
        vec![
            (("0", "", 4), Ok((4, "10", ""))),
            (("10", "", 4), Ok((4, "11", "C1"))),
            (
                ("", "C1", 4),
                Err(expired_error("The resourceVersion for the provided watch is too old.")),
            ),
            (("10", "", 0), Ok((8, "11", ""))),
        ],
    );
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, ReflectorOptions { page_size: 4, ..options() });
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 4);
    // The second page of the relist expires: the pager lists everything at once at the
    // version it first asked for.
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 8);
    assert_eq!(*calls.lock().unwrap(), ["0", "10", "", "10"]);
}

#[tokio::test(start_paused = true)]
async fn reflector_full_list_if_too_large() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let calls = scripted(
        &fake,
        vec![
            (("0", "", 500), Ok((4, "20", ""))),
            (("20", "", 0), Err(too_large_resource_version_error(20))),
            (("", "", 0), Ok((8, "21", ""))),
        ],
    );
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    list_and_watch_once(&fake, &r).await.unwrap();
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 8);
    assert_eq!(*calls.lock().unwrap(), ["0", "20", ""]);
}

#[tokio::test(start_paused = true)]
async fn reflector_paginating_non_consistent_reads_if_watch_cache_disabled() {
    // The first list at "0" came back in pages: the server has no watch cache, so relists
    // keep paging even at an exact version.
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let calls = scripted(
        &fake,
        vec![
            (("0", "", 500), Ok((2, "10", "C1"))),
            (("", "C1", 500), Ok((4, "10", ""))),
            (("10", "", 500), Ok((4, "11", ""))),
        ],
    );
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(store.keys().len(), 4);
    list_and_watch_once(&fake, &r).await.unwrap();
    assert_eq!(*calls.lock().unwrap(), ["0", "", "10"]);
}

#[tokio::test(start_paused = true)]
async fn reflector_list_error_is_returned() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.fail_next_list(status_error(403, "Forbidden", "pods is forbidden"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let err = list_and_watch_once(&fake, &r).await.unwrap_err();
    assert!(
        err.to_string().ends_with(": pods is forbidden")
            && err.to_string().starts_with("failed to list "),
        "{err}"
    );
    assert!(store.ops().is_empty());
}

#[tokio::test(start_paused = true)]
async fn reflector_list_and_watch_init_conn_backoff() {
    // Failing lists are retried after 800ms, 1.6s, 3.2s (no jitter here).
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    for _ in 0..3 {
        fake.fail_next_list(ListWatchError::Transport("connection refused".into()));
    }
    let store = Arc::new(RecordingStore::default());
    let backoff = Backoff { jitter: 0.0, ..Backoff::default() };
    let r = reflector(&fake, &store, ReflectorOptions { backoff, ..Default::default() });
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    let times = fake.list_call_times();
    assert_eq!(times.len(), 4);
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        gaps,
        [Duration::from_millis(800), Duration::from_millis(1600), Duration::from_millis(3200)]
    );
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn backoff_on_too_many_requests() {
    // 429 on opening a watch: back off and watch again, without relisting.
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.fail_next_watch(too_many_requests_error());
    fake.fail_next_watch(too_many_requests_error());
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 3).await;
    assert_eq!(fake.list_calls().len(), 1);
    assert_eq!(fake.open_watches(), 1);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn no_relist_on_too_many_requests_during_watch() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    let tmr = match too_many_requests_error() {
        ListWatchError::Status(s) => *s,
        ListWatchError::Transport(_) => unreachable!(),
    };
    fake.send_error(tmr);
    wait_watch_calls(&fake, 2).await;
    assert_eq!(fake.list_calls().len(), 1);
    assert_eq!(fake.watch_calls()[1].resource_version, "2");
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_relists_after_a_broken_watch_connection() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    fake.add(pod("b"));
    eventually("event applied", || r.last_sync_resource_version() == "3").await;
    fake.break_watches(|| ListWatchError::Transport("connection reset by peer".into()));
    wait_watch_calls(&fake, 2).await;
    let rvs: Vec<String> = fake.list_calls().into_iter().map(|o| o.resource_version).collect();
    assert_eq!(rvs, ["0", "3"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_very_short_watch_relists() {
    // A watch that ends at once with nothing in it is not re-opened in a tight loop: the
    // reflector backs off and relists.
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, options());
    let closer = Arc::clone(&fake);
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    closer.close_watches();
    tokio::time::timeout(Duration::from_secs(30), fake.wait_for_list_calls(2))
        .await
        .expect("no relist");
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_resync() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let asked = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&asked);
    let opts = ReflectorOptions {
        resync_period: Duration::from_secs(1),
        // Every other tick says no.
        should_resync: Some(Arc::new(move || {
            let mut n = counter.lock().unwrap();
            *n += 1;
            *n % 2 == 0
        })),
        ..options()
    };
    let r = reflector(&fake, &store, opts);
    let (stop, task) = spawn(&r);
    eventually("resyncs", || store.ops().iter().filter(|o| *o == "resync").count() >= 2).await;
    assert!(*asked.lock().unwrap() >= 4);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn watch_timeout_follows_min_watch_timeout() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let store = Arc::new(RecordingStore::default());
    let opts = ReflectorOptions { min_watch_timeout: Duration::from_secs(10), ..options() };
    let r = reflector(&fake, &store, opts);
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    let timeout = fake.watch_calls()[0].timeout_seconds.unwrap();
    assert!((10..20).contains(&timeout), "timeoutSeconds {timeout}");
    // The fake ends the watch at its timeout; the reflector watches again.
    wait_watch_calls(&fake, 2).await;
    assert_eq!(fake.list_calls().len(), 1);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn reflector_tweaks_list_and_watch_options() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let store = Arc::new(RecordingStore::default());
    let opts = ReflectorOptions {
        tweak_list_options: Some(Arc::new(|o: &mut ListOptions| {
            o.label_selector = "app=web".into();
            o.field_selector = "spec.nodeName=n1".into();
        })),
        ..options()
    };
    let r = reflector(&fake, &store, opts);
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 1).await;
    for o in fake.list_calls().iter().chain(fake.watch_calls().iter()) {
        assert_eq!(
            (o.label_selector.as_str(), o.field_selector.as_str()),
            ("app=web", "spec.nodeName=n1")
        );
    }
    stop_and_join(stop, task).await;
}

// Streaming lists (reflector_watchlist_test.go).

fn watch_list_options() -> ReflectorOptions {
    ReflectorOptions { use_watch_list: true, ..options() }
}

#[tokio::test(start_paused = true)]
async fn watch_list_is_synced_after_the_initial_events_end_bookmark() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, watch_list_options());
    let (stop, task) = spawn(&r);
    eventually("streamed list replaced the store", || !store.ops().is_empty()).await;
    assert_eq!(store.ops(), ["replace 2 @3"]);
    assert_eq!(r.last_sync_resource_version(), "3");
    let w = &fake.watch_calls()[0];
    assert_eq!(w.send_initial_events, Some(true));
    assert_eq!(w.resource_version_match, "NotOlderThan");
    assert_eq!(w.resource_version, "");
    assert!(w.allow_watch_bookmarks);
    // The same stream goes on carrying events: no list, no second watch.
    fake.add(pod("c"));
    eventually("event applied", || store.keys().len() == 3).await;
    assert!(fake.list_calls().is_empty());
    assert_eq!(fake.watch_calls().len(), 1);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn watch_list_falls_back_to_list_when_the_server_does_not_support_streaming() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.set_watch_list_supported(false);
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, watch_list_options());
    let (stop, task) = spawn(&r);
    wait_watch_calls(&fake, 2).await;
    let watches = fake.watch_calls();
    assert_eq!(watches[0].send_initial_events, Some(true));
    let list = &fake.list_calls()[0];
    assert_eq!((list.resource_version.as_str(), list.limit), ("0", 500));
    assert_eq!(watches[1].send_initial_events, None);
    assert_eq!(watches[1].resource_version, "2");
    assert_eq!(store.ops(), ["replace 1 @2"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn watch_list_retries_after_too_many_requests() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.fail_next_watch(too_many_requests_error());
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, watch_list_options());
    let (stop, task) = spawn(&r);
    eventually("streamed", || !store.ops().is_empty()).await;
    assert_eq!(fake.watch_calls().len(), 2);
    assert!(fake.watch_calls().iter().all(|w| w.send_initial_events == Some(true)));
    assert!(fake.list_calls().is_empty());
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn watch_list_retries_after_connection_refused() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, watch_list_options());
    fake.fail_next_watch(ListWatchError::Transport("dial tcp: connection refused".into()));
    let (stop, task) = spawn(&r);
    eventually("streamed", || !store.ops().is_empty()).await;
    assert_eq!(fake.watch_calls().len(), 2);
    assert!(fake.list_calls().is_empty());
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn watch_list_relists_from_scratch_after_the_stream_expires() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let store = Arc::new(RecordingStore::default());
    let r = reflector(&fake, &store, watch_list_options());
    let (stop, task) = spawn(&r);
    eventually("streamed", || !store.ops().is_empty()).await;
    fake.add(pod("b"));
    eventually("event", || r.last_sync_resource_version() == "3").await;
    fake.delete_silently("ns/a");
    fake.compact();
    let expired = match expired_error("too old resource version") {
        ListWatchError::Status(s) => *s,
        ListWatchError::Transport(_) => unreachable!(),
    };
    fake.send_error(expired);
    // The next streaming list starts from the last version and serves the current state, so
    // the store ends up without the silently deleted pod.
    eventually("restreamed", || {
        store.ops().iter().filter(|o| o.starts_with("replace")).count() == 2
    })
    .await;
    assert_eq!(store.keys(), ["ns/b"]);
    let w = fake.watch_calls();
    assert_eq!(w[1].send_initial_events, Some(true));
    assert!(fake.list_calls().is_empty());
    stop_and_join(stop, task).await;
}
