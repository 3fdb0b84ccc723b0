//! Tests of the shared informer, mirroring client-go's shared_informer_test.go, against the
//! in-memory [`FakeListerWatcher`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::cache::fake::{FakeListerWatcher, expired_error, shared};
use crate::cache::{Backoff, DeletedFinalStateUnknown, ListWatchError};
use apimachinery::labels::Selector;

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

fn key(p: &Pod) -> String {
    meta_namespace_key_func(p).unwrap_or_default()
}

/// Records every notification as a line of text (the compact-object tests record theirs too).
#[derive(Default)]
pub(crate) struct Recorder {
    events: Mutex<Vec<String>>,
}

impl Recorder {
    pub(crate) fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.events().iter().filter(|e| e.starts_with(prefix)).count()
    }
    pub(crate) fn push(&self, e: String) {
        self.events.lock().unwrap().push(e);
    }
}

impl ResourceEventHandler<Pod> for Recorder {
    fn on_add(&self, obj: Arc<Pod>, is_in_initial_list: bool) {
        let initial = if is_in_initial_list { " initial" } else { "" };
        self.push(format!("add {}{initial}", key(&obj)));
    }
    fn on_update(&self, old: Arc<Pod>, new: Arc<Pod>) {
        let kind = if old.metadata.resource_version == new.metadata.resource_version {
            "resync"
        } else {
            "update"
        };
        self.push(format!("{kind} {}", key(&new)));
    }
    fn on_delete(&self, obj: DeltaObject<Pod>) {
        match obj {
            DeltaObject::Object(o) => self.push(format!("delete {}", key(&o))),
            DeltaObject::Tombstone(t) => {
                self.push(format!("tombstone {} {}", t.key, t.obj.is_some()));
            }
        }
    }
}

fn fast_reflector() -> ReflectorOptions {
    ReflectorOptions {
        backoff: Backoff {
            initial: Duration::from_millis(10),
            cap: Duration::from_millis(100),
            jitter: 0.0,
            ..Backoff::default()
        },
        ..Default::default()
    }
}

fn informer(fake: &Arc<FakeListerWatcher<Pod>>, resync: Duration) -> Arc<SharedIndexInformer<Pod>> {
    let indexers = Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<Pod, _>);
    Arc::new(SharedIndexInformer::with_options(
        shared(fake),
        SharedIndexInformerOptions { resync_period: resync, indexers, reflector: fast_reflector() },
    ))
}

// The helpers below are shared with the other informer tests (compact objects).
pub(crate) fn spawn<T: Send + Sync + 'static>(
    i: &Arc<SharedIndexInformer<T>>,
) -> (CancellationToken, JoinHandle<()>) {
    let stop = CancellationToken::new();
    let i = Arc::clone(i);
    let s = stop.clone();
    (stop, tokio::spawn(async move { i.run(s).await }))
}

pub(crate) async fn stop_and_join(stop: CancellationToken, task: JoinHandle<()>) {
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("informer did not stop")
        .expect("informer panicked");
}

/// Polls `cond` until it holds; panics after a deadline.
pub(crate) async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub(crate) async fn synced<T: Send + Sync + 'static>(i: &SharedIndexInformer<T>) {
    let stop = CancellationToken::new();
    let ok = tokio::time::timeout(Duration::from_secs(30), i.wait_for_sync(&stop)).await;
    assert_eq!(ok.ok(), Some(true), "informer did not sync");
}

#[tokio::test(start_paused = true)]
async fn shared_informer_handlers_get_adds_updates_and_deletes() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let inf = informer(&fake, Duration::ZERO);
    let rec = Arc::new(Recorder::default());
    let reg = inf.add_event_handler(Arc::clone(&rec)).unwrap();
    assert!(!inf.has_synced() && !reg.has_synced());
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    eventually("handler synced", || reg.has_synced()).await;
    let mut initial = rec.events();
    initial.sort();
    assert_eq!(initial, ["add ns/a initial", "add ns/b initial"]);
    assert_eq!(inf.last_sync_resource_version(), "3");

    fake.add(pod("c"));
    let mut a = fake.get("ns/a").unwrap();
    a.metadata.labels = Some([("app".to_string(), "web".to_string())].into());
    fake.update(a);
    fake.delete("ns/b");
    eventually("events", || rec.events().len() == 5).await;
    assert_eq!(rec.events()[2..], ["add ns/c", "update ns/a", "delete ns/b"]);
    let mut keys = inf.get_indexer().list_keys();
    keys.sort();
    assert_eq!(keys, ["ns/a", "ns/c"]);
    // The lister reads the same cache.
    let web = inf.lister().namespaced("ns").list(&Selector::parse("app=web").unwrap());
    assert_eq!(web.len(), 1);
    assert_eq!(inf.last_sync_resource_version(), "6");
    stop_and_join(stop, task).await;
    assert!(inf.is_stopped());
}

#[tokio::test(start_paused = true)]
async fn add_while_active_gets_initial_adds() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let inf = informer(&fake, Duration::ZERO);
    let (stop, task) = spawn(&inf);
    synced(&inf).await;

    let late = Arc::new(Recorder::default());
    let reg = inf.add_event_handler(Arc::clone(&late)).unwrap();
    eventually("late handler synced", || reg.has_synced()).await;
    let mut seen = late.events();
    seen.sort();
    assert_eq!(seen, ["add ns/a initial", "add ns/b initial"]);
    fake.add(pod("c"));
    eventually("live event", || late.events().len() == 3).await;
    assert_eq!(late.events()[2], "add ns/c");
    stop_and_join(stop, task).await;
}

#[test]
fn sync_tracker_counts_initial_notifications() {
    // Synced only once the informer is and every initial notification was processed.
    let tracker = SyncTracker::default();
    tracker.start();
    tracker.start();
    tracker.upstream_has_synced();
    assert!(!tracker.has_synced());
    tracker.finished();
    assert!(!tracker.has_synced());
    tracker.finished();
    assert!(tracker.has_synced());
    // Nothing pending: synced as soon as the informer is.
    let empty = SyncTracker::default();
    assert!(!empty.has_synced());
    empty.upstream_has_synced();
    assert!(empty.has_synced());
    // Processed before the informer synced: waits for it.
    let early = SyncTracker::default();
    early.start();
    early.finished();
    assert!(!early.has_synced());
    early.upstream_has_synced();
    assert!(early.has_synced());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handler_does_not_block_a_fast_one() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::ZERO);
    // The slow handler is stuck in its first notification until released.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let slow_seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&slow_seen);
    inf.add_event_handler(ResourceEventHandlerFuncs::new().with_add(move |_, _| {
        if s.fetch_add(1, Ordering::SeqCst) == 0 {
            let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(30));
        }
    }))
    .unwrap();
    let fast = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&fast)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    for i in 0..200 {
        fake.add(pod(&format!("p{i}")));
    }
    eventually("fast handler saw everything", || fast.count("add") == 200).await;
    assert_eq!(slow_seen.load(Ordering::SeqCst), 1, "the slow handler is still on its first");
    release.send(()).unwrap();
    eventually("slow handler caught up", || slow_seen.load(Ordering::SeqCst) == 200).await;
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn listener_resync_periods() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    let inf = informer(&fake, Duration::from_secs(1));
    let every_second = Arc::new(Recorder::default());
    let every_two = Arc::new(Recorder::default());
    let never = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&every_second)).unwrap();
    inf.add_event_handler_with_resync_period(Arc::clone(&every_two), Duration::from_secs(2))
        .unwrap();
    inf.add_event_handler_with_resync_period(Arc::clone(&never), Duration::ZERO).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    eventually("four resyncs", || every_second.count("resync") >= 4).await;
    eventually("two resyncs", || every_two.count("resync") >= 2).await;
    let (one, two) = (every_second.count("resync"), every_two.count("resync"));
    assert!((2 * two).abs_diff(one) <= 2, "1s handler {one} resyncs, 2s handler {two}");
    assert_eq!(never.count("resync"), 0);
    assert_eq!(never.events(), ["add ns/a initial"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn resync_check_period() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::from_secs(12 * 3600));
    let period = |inf: &SharedIndexInformer<Pod>| inf.lock().resync_check_period;
    let listener_periods = |inf: &SharedIndexInformer<Pod>| -> Vec<Duration> {
        inf.processor.lock().listeners.iter().map(|e| e.listener.schedule().period).collect()
    };
    inf.add_event_handler(Recorder::default()).unwrap();
    assert_eq!(period(&inf), Duration::from_secs(12 * 3600));
    // A shorter handler period shortens the check period before start...
    inf.add_event_handler_with_resync_period(Recorder::default(), Duration::from_secs(60)).unwrap();
    assert_eq!(period(&inf), Duration::from_secs(60));
    inf.add_event_handler_with_resync_period(Recorder::default(), Duration::from_secs(10)).unwrap();
    assert_eq!(period(&inf), Duration::from_secs(10));
    // ...and a period below the minimum is raised to it.
    inf.add_event_handler_with_resync_period(Recorder::default(), Duration::from_millis(10))
        .unwrap();
    assert_eq!(period(&inf), MINIMUM_RESYNC_PERIOD);
    assert_eq!(
        listener_periods(&inf),
        [
            Duration::from_secs(12 * 3600),
            Duration::from_secs(60),
            Duration::from_secs(10),
            MINIMUM_RESYNC_PERIOD
        ]
    );
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    // After start the check period is fixed; shorter handler periods are raised to it.
    let inf2 = informer(&fake, Duration::from_secs(10));
    let (stop2, task2) = spawn(&inf2);
    synced(&inf2).await;
    inf2.add_event_handler_with_resync_period(Recorder::default(), Duration::from_secs(2)).unwrap();
    assert_eq!(period(&inf2), Duration::from_secs(10));
    assert_eq!(listener_periods(&inf2), [Duration::from_secs(10)]);
    stop_and_join(stop, task).await;
    stop_and_join(stop2, task2).await;
}

#[tokio::test(start_paused = true)]
async fn shared_informer_transformer() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let mut p = pod("a");
    p.metadata.managed_fields =
        Some(vec![ManagedFieldsEntry { manager: Some("kubectl".into()), ..Default::default() }]);
    fake.add(p.clone());
    let inf = informer(&fake, Duration::ZERO);
    inf.set_transform(|obj: Arc<Pod>| {
        let mut obj = Arc::unwrap_or_clone(obj);
        obj.metadata.managed_fields = None;
        Ok(Arc::new(obj))
    })
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    inf.add_event_handler(
        ResourceEventHandlerFuncs::new()
            .with_add({
                let s = Arc::clone(&s);
                move |o: Arc<Pod>, _| s.lock().unwrap().push(o.metadata.managed_fields.is_some())
            })
            .with_update(move |_, n: Arc<Pod>| {
                s.lock().unwrap().push(n.metadata.managed_fields.is_some())
            }),
    )
    .unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    fake.update(p);
    eventually("two notifications", || seen.lock().unwrap().len() == 2).await;
    assert_eq!(*seen.lock().unwrap(), [false, false]);
    assert!(inf.get_indexer().list().iter().all(|o| o.metadata.managed_fields.is_none()));
    assert!(matches!(inf.set_transform(Ok), Err(InformerError::AlreadyStarted)));
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn deleted_final_state_unknown_on_relist() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    fake.add(pod("a"));
    fake.add(pod("b"));
    let inf = informer(&fake, Duration::ZERO);
    let rec = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&rec)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    eventually("initial adds", || rec.events().len() == 2).await;
    // "a" goes away while the watch misses it, then the watch expires: the relist no longer
    // has it, so the handler gets a tombstone carrying the last known state.
    fake.delete_silently("ns/a");
    fake.compact();
    let status = match expired_error("too old resource version") {
        ListWatchError::Status(s) => *s,
        ListWatchError::Transport(_) => unreachable!(),
    };
    fake.send_error(status);
    eventually("tombstone", || rec.count("tombstone") == 1).await;
    assert!(rec.events().contains(&"tombstone ns/a true".to_string()), "{:?}", rec.events());
    // "b" was relisted unchanged: no notification for a handler without resync.
    assert_eq!(rec.count("update"), 0);
    assert_eq!(rec.count("resync"), 0);
    assert_eq!(inf.get_indexer().list_keys(), ["ns/b"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn shared_informer_remove_handler() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::ZERO);
    let kept = Arc::new(Recorder::default());
    let removed = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&kept)).unwrap();
    let reg = inf.add_event_handler(Arc::clone(&removed)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    fake.add(pod("a"));
    eventually("both saw a", || kept.events().len() == 1 && removed.events().len() == 1).await;
    inf.remove_event_handler(&reg);
    tokio::time::timeout(Duration::from_secs(10), reg.wait_shutdown())
        .await
        .expect("removed handler did not shut down");
    // Removing twice is harmless.
    inf.remove_event_handler(&reg);
    fake.add(pod("b"));
    eventually("kept saw b", || kept.events().len() == 2).await;
    assert_eq!(removed.events(), ["add ns/a"]);
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn add_on_stopped_shared_informer() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::ZERO);
    let reg = inf.add_event_handler(Recorder::default()).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    stop_and_join(stop, task).await;
    assert!(matches!(
        inf.add_event_handler(Recorder::default()),
        Err(InformerError::HandlerAfterStop)
    ));
    assert!(matches!(inf.add_indexers(Indexers::new()), Err(InformerError::IndexerAfterStop)));
    tokio::time::timeout(Duration::from_secs(10), reg.wait_shutdown())
        .await
        .expect("handler not shut down with the informer");
    // A second run returns at once.
    tokio::time::timeout(Duration::from_secs(10), inf.run(CancellationToken::new()))
        .await
        .expect("second run did not return");
}

#[tokio::test(start_paused = true)]
async fn event_panics_do_not_stop_the_handler() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::ZERO);
    let seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&seen);
    inf.add_event_handler(ResourceEventHandlerFuncs::new().with_add(move |o: Arc<Pod>, _| {
        s.fetch_add(1, Ordering::SeqCst);
        if o.metadata.name.as_deref() == Some("boom") {
            panic!("handler bug");
        }
    }))
    .unwrap();
    let other = Arc::new(Recorder::default());
    inf.add_event_handler(Arc::clone(&other)).unwrap();
    let (stop, task) = spawn(&inf);
    synced(&inf).await;
    fake.add(pod("boom"));
    fake.add(pod("fine"));
    eventually("both adds handled", || seen.load(Ordering::SeqCst) == 2).await;
    eventually("other handler unaffected", || other.events().len() == 2).await;
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn has_synced_and_wait_for_cache_sync() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    let inf = informer(&fake, Duration::ZERO);
    let stop = CancellationToken::new();
    // Never synced: stopping makes the wait give up.
    stop.cancel();
    let i = Arc::clone(&inf);
    let check = move || i.has_synced();
    assert!(!wait_for_cache_sync(&stop, &[&check]).await);

    let (stop, task) = spawn(&inf);
    let waiting = CancellationToken::new();
    let ok = tokio::time::timeout(
        Duration::from_secs(30),
        wait_for_named_cache_sync("test", &waiting, &[&check]),
    )
    .await
    .expect("wait_for_cache_sync hung");
    assert!(ok && inf.has_synced());
    // An empty list syncs too.
    assert!(inf.get_indexer().is_empty());
    stop_and_join(stop, task).await;
}

#[tokio::test(start_paused = true)]
async fn informer_does_not_sync_while_lists_fail() {
    let fake = Arc::new(FakeListerWatcher::<Pod>::new());
    for _ in 0..5 {
        fake.fail_next_list(ListWatchError::Transport("connection refused".into()));
    }
    let inf = informer(&fake, Duration::ZERO);
    let (stop, task) = spawn(&inf);
    tokio::time::timeout(Duration::from_secs(30), fake.wait_for_list_calls(3))
        .await
        .expect("no list retries");
    assert!(!inf.has_synced());
    synced(&inf).await;
    assert_eq!(fake.list_calls().len(), 6);
    stop_and_join(stop, task).await;
}

#[test]
fn filtering_handler_turns_updates_into_adds_and_deletes() {
    let rec = Arc::new(Recorder::default());
    let h = FilteringResourceEventHandler::new(
        |p: &Pod| p.metadata.labels.as_ref().is_some_and(|l| l.contains_key("keep")),
        Arc::clone(&rec),
    );
    let plain = Arc::new(pod("a"));
    let mut kept = pod("a");
    kept.metadata.labels = Some([("keep".to_string(), String::new())].into());
    kept.metadata.resource_version = Some("2".into());
    let kept = Arc::new(kept);
    h.on_add(Arc::clone(&plain), false);
    h.on_add(Arc::clone(&kept), false);
    h.on_update(Arc::clone(&plain), Arc::clone(&kept));
    h.on_update(Arc::clone(&kept), Arc::clone(&plain));
    h.on_update(Arc::clone(&plain), Arc::clone(&plain));
    h.on_delete(DeltaObject::Object(Arc::clone(&plain)));
    h.on_delete(DeltaObject::Tombstone(DeletedFinalStateUnknown { key: "ns/x".into(), obj: None }));
    assert_eq!(rec.events(), ["add ns/a", "add ns/a", "delete ns/a", "tombstone ns/x false"]);
}
