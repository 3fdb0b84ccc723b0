//! Tests of leader election against an in-memory lock, on tokio's paused clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apimachinery::errors::StatusError;
use apimachinery::schema::GroupResource;
use tokio::time::Instant;

use super::*;
use crate::cache::BoxFuture;
use crate::rest::Error;

/// The stored lock object all fake locks of one test share.
#[derive(Default)]
struct Store {
    record: Option<LeaderElectionRecord>,
    version: u64,
    /// When set, every read and write fails (an unreachable server).
    broken: bool,
    updates: usize,
}

struct FakeLock {
    identity: String,
    store: Arc<Mutex<Store>>,
    /// The version this lock last read or wrote.
    seen: Mutex<Option<u64>>,
    events: Mutex<Vec<String>>,
}

fn leases() -> GroupResource {
    GroupResource::new("coordination.k8s.io", "leases")
}

fn unavailable() -> LockError {
    LockError::from(Error::Api(StatusError::new_service_unavailable("down")))
}

impl FakeLock {
    fn new(identity: &str, store: &Arc<Mutex<Store>>) -> Arc<Self> {
        Arc::new(FakeLock {
            identity: identity.into(),
            store: store.clone(),
            seen: Mutex::new(None),
            events: Mutex::new(Vec::new()),
        })
    }
}

impl ResourceLock for FakeLock {
    fn get(&self) -> BoxFuture<'_, Result<LeaderElectionRecord, LockError>> {
        Box::pin(async move {
            let s = self.store.lock().unwrap();
            if s.broken {
                return Err(unavailable());
            }
            match &s.record {
                Some(r) => {
                    *self.seen.lock().unwrap() = Some(s.version);
                    Ok(r.clone())
                }
                None => {
                    Err(LockError::from(Error::Api(StatusError::new_not_found(&leases(), "lock"))))
                }
            }
        })
    }

    fn create(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>> {
        Box::pin(async move {
            let mut s = self.store.lock().unwrap();
            if s.broken {
                return Err(unavailable());
            }
            if s.record.is_some() {
                return Err(LockError::from(Error::Api(StatusError::new_already_exists(
                    &leases(),
                    "lock",
                ))));
            }
            s.record = Some(record);
            s.version += 1;
            *self.seen.lock().unwrap() = Some(s.version);
            Ok(())
        })
    }

    fn update(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>> {
        Box::pin(async move {
            let mut s = self.store.lock().unwrap();
            if s.broken {
                return Err(unavailable());
            }
            let seen = *self.seen.lock().unwrap();
            let Some(seen) = seen else {
                return Err(LockError::NotInitialized);
            };
            if seen != s.version {
                return Err(LockError::from(Error::Api(StatusError::new_conflict(
                    &leases(),
                    "lock",
                    "the object has been modified; please apply your changes to the latest version and try again",
                ))));
            }
            s.record = Some(record);
            s.version += 1;
            s.updates += 1;
            *self.seen.lock().unwrap() = Some(s.version);
            Ok(())
        })
    }

    fn record_event(&self, message: &str) {
        self.events.lock().unwrap().push(message.to_string());
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn describe(&self) -> String {
        "ns/lock".into()
    }
}

/// What the callbacks of one elector saw.
#[derive(Default)]
struct Seen {
    started: AtomicUsize,
    stopped: AtomicUsize,
    leaders: Mutex<Vec<String>>,
    leading: Mutex<Option<CancellationToken>>,
}

fn config(lock: Arc<dyn ResourceLock>, seen: &Arc<Seen>) -> LeaderElectionConfig {
    let (a, b, c) = (seen.clone(), seen.clone(), seen.clone());
    let callbacks = LeaderCallbacks::new(
        move |token| {
            a.started.fetch_add(1, Ordering::SeqCst);
            *a.leading.lock().unwrap() = Some(token);
        },
        move || {
            b.stopped.fetch_add(1, Ordering::SeqCst);
        },
    )
    .with_on_new_leader(move |id| c.leaders.lock().unwrap().push(id.to_string()));
    let mut config = LeaderElectionConfig::new(lock, callbacks);
    config.name = "test".into();
    config
}

/// Polls `f` on the (paused) tokio clock until it holds; panics after `limit`.
async fn eventually(limit: Duration, what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn start(elector: &Arc<LeaderElector>) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let (e, s) = (elector.clone(), stop.clone());
    (stop, tokio::spawn(async move { e.run(s).await }))
}

#[test]
fn config_validation_matches_client_go() {
    let store = Arc::new(Mutex::new(Store::default()));
    let seen = Arc::new(Seen::default());
    let secs = Duration::from_secs;
    type Edit = fn(&mut LeaderElectionConfig);
    let cases: Vec<(&str, Edit, Option<&str>)> = vec![
        ("defaults are valid", |_| {}, None),
        (
            "lease not after renew",
            |c| c.lease_duration = c.renew_deadline,
            Some("leaseDuration must be greater than renewDeadline"),
        ),
        (
            "renew not after jittered retry",
            |c| c.retry_period = Duration::from_millis(8400),
            Some("renewDeadline must be greater than retryPeriod*JitterFactor"),
        ),
        (
            "zero retry",
            |c| c.retry_period = Duration::ZERO,
            Some("retryPeriod must be greater than zero"),
        ),
        (
            "no started callback",
            |c| c.callbacks.on_started_leading = None,
            Some("OnStartedLeading callback must not be nil"),
        ),
        (
            "no stopped callback",
            |c| c.callbacks.on_stopped_leading = None,
            Some("OnStoppedLeading callback must not be nil"),
        ),
    ];
    for (name, edit, want) in cases {
        let mut c = config(FakeLock::new("me", &store), &seen);
        edit(&mut c);
        let got = LeaderElector::new(c).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), want, "{name}");
    }
    let mut c = config(FakeLock::new("", &store), &seen);
    c.lease_duration = secs(15);
    assert_eq!(LeaderElector::new(c).err(), Some(ConfigError::EmptyIdentity));
}

#[tokio::test(start_paused = true)]
async fn acquires_a_missing_lock_by_creating_it_and_keeps_renewing() {
    let store = Arc::new(Mutex::new(Store::default()));
    let seen = Arc::new(Seen::default());
    let lock = FakeLock::new("me", &store);
    let elector = Arc::new(LeaderElector::new(config(lock.clone(), &seen)).unwrap());
    assert!(!elector.is_leader());
    let (stop, task) = start(&elector);
    eventually(Duration::from_secs(5), "leadership", || elector.is_leader()).await;
    assert_eq!(elector.get_leader(), "me");
    assert_eq!(seen.started.load(Ordering::SeqCst), 1);
    let first = store.lock().unwrap().record.clone().unwrap();
    assert_eq!(first.holder_identity, "me");
    assert_eq!(first.lease_duration_seconds, 15);
    assert_eq!(first.leader_transitions, 0);

    // Renewals every retry period keep the acquire time and move the renew time.
    eventually(Duration::from_secs(10), "renewals", || store.lock().unwrap().updates >= 3).await;
    let later = store.lock().unwrap().record.clone().unwrap();
    assert_eq!(later.acquire_time, first.acquire_time);
    assert_eq!(later.leader_transitions, 0);
    assert!(elector.check(Duration::ZERO).is_ok());
    assert_eq!(*seen.leaders.lock().unwrap(), vec!["me".to_string()]);

    stop.cancel();
    task.await.unwrap();
    assert_eq!(seen.stopped.load(Ordering::SeqCst), 1);
    assert!(seen.leading.lock().unwrap().as_ref().unwrap().is_cancelled());
    assert_eq!(*lock.events.lock().unwrap(), vec!["became leader", "stopped leading"]);
    // Without release_on_cancel the lease is left held.
    assert_eq!(store.lock().unwrap().record.as_ref().unwrap().holder_identity, "me");
}

#[tokio::test(start_paused = true)]
async fn waits_out_another_holders_lease_from_its_own_observation() {
    let store = Arc::new(Mutex::new(Store::default()));
    store.lock().unwrap().record = Some(LeaderElectionRecord {
        holder_identity: "other".into(),
        lease_duration_seconds: 15,
        leader_transitions: 4,
        ..Default::default()
    });
    let seen = Arc::new(Seen::default());
    let elector = Arc::new(LeaderElector::new(config(FakeLock::new("me", &store), &seen)).unwrap());
    let began = Instant::now();
    let (stop, task) = start(&elector);
    eventually(Duration::from_secs(1), "first observation", || elector.get_leader() == "other")
        .await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!elector.is_leader(), "took a lease that had not expired");
    eventually(Duration::from_secs(30), "takeover", || elector.is_leader()).await;
    assert!(began.elapsed() >= Duration::from_secs(15), "took over after {:?}", began.elapsed());
    let record = store.lock().unwrap().record.clone().unwrap();
    assert_eq!(record.holder_identity, "me");
    assert_eq!(record.leader_transitions, 5, "a change of holder counts a transition");
    assert_eq!(*seen.leaders.lock().unwrap(), vec!["other".to_string(), "me".to_string()]);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_renewed_lease_is_never_taken() {
    let store = Arc::new(Mutex::new(Store::default()));
    let (seen_a, seen_b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let a = Arc::new(LeaderElector::new(config(FakeLock::new("a", &store), &seen_a)).unwrap());
    let b = Arc::new(LeaderElector::new(config(FakeLock::new("b", &store), &seen_b)).unwrap());
    let (stop_a, task_a) = start(&a);
    eventually(Duration::from_secs(5), "a leads", || a.is_leader()).await;
    let (stop_b, task_b) = start(&b);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(a.is_leader());
    assert!(!b.is_leader());
    assert_eq!(b.get_leader(), "a");
    assert_eq!(seen_b.started.load(Ordering::SeqCst), 0);
    stop_a.cancel();
    stop_b.cancel();
    task_a.await.unwrap();
    task_b.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn failing_renewals_give_up_leadership_after_the_renew_deadline() {
    let store = Arc::new(Mutex::new(Store::default()));
    let seen = Arc::new(Seen::default());
    let elector = Arc::new(LeaderElector::new(config(FakeLock::new("me", &store), &seen)).unwrap());
    let (_stop, task) = start(&elector);
    eventually(Duration::from_secs(5), "leadership", || elector.is_leader()).await;
    store.lock().unwrap().broken = true;
    let broke = Instant::now();
    tokio::time::timeout(Duration::from_secs(30), task).await.unwrap().unwrap();
    let took = broke.elapsed();
    assert!(took >= Duration::from_secs(10), "gave up after {took:?}");
    assert!(took <= Duration::from_secs(13), "gave up after {took:?}");
    assert_eq!(seen.stopped.load(Ordering::SeqCst), 1);
    assert!(seen.leading.lock().unwrap().as_ref().unwrap().is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn release_on_cancel_frees_the_lock_for_the_next_candidate() {
    let store = Arc::new(Mutex::new(Store::default()));
    let (seen_a, seen_b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let mut config_a = config(FakeLock::new("a", &store), &seen_a);
    config_a.release_on_cancel = true;
    let a = Arc::new(LeaderElector::new(config_a).unwrap());
    let b = Arc::new(LeaderElector::new(config(FakeLock::new("b", &store), &seen_b)).unwrap());
    let (stop_a, task_a) = start(&a);
    eventually(Duration::from_secs(5), "a leads", || a.is_leader()).await;
    let (stop_b, task_b) = start(&b);
    eventually(Duration::from_secs(5), "b observes a", || b.get_leader() == "a").await;

    stop_a.cancel();
    task_a.await.unwrap();
    let released = store.lock().unwrap().record.clone().unwrap();
    assert_eq!(released.holder_identity, "");
    assert_eq!(released.lease_duration_seconds, 1);
    assert!(!a.is_leader());
    assert_eq!(seen_a.stopped.load(Ordering::SeqCst), 1);

    // b need not wait out a's 15s lease: the released record has a one-second lease.
    let cancelled = Instant::now();
    eventually(Duration::from_secs(10), "b takes over", || b.is_leader()).await;
    assert!(cancelled.elapsed() < Duration::from_secs(6), "took {:?}", cancelled.elapsed());
    assert_eq!(store.lock().unwrap().record.as_ref().unwrap().leader_transitions, 1);
    stop_b.cancel();
    task_b.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn cancelled_before_acquiring_still_reports_stopped() {
    let store = Arc::new(Mutex::new(Store { broken: true, ..Default::default() }));
    let seen = Arc::new(Seen::default());
    let elector = Arc::new(LeaderElector::new(config(FakeLock::new("me", &store), &seen)).unwrap());
    let (stop, task) = start(&elector);
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.cancel();
    task.await.unwrap();
    assert_eq!(seen.started.load(Ordering::SeqCst), 0);
    assert_eq!(seen.stopped.load(Ordering::SeqCst), 1);
}

#[test]
fn record_round_trips_through_a_lease_spec() {
    let t = k8s_openapi::jiff::Timestamp::new(1_700_000_000, 123_456_000).unwrap();
    let record = LeaderElectionRecord {
        holder_identity: "me".into(),
        lease_duration_seconds: 15,
        acquire_time: Some(t),
        renew_time: Some(t),
        leader_transitions: 3,
        ..Default::default()
    };
    let spec = record.to_lease_spec();
    assert_eq!(spec.strategy, None);
    assert_eq!(spec.preferred_holder, None);
    assert_eq!(LeaderElectionRecord::from_lease_spec(&spec), record);
}
