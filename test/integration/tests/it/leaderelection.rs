//! Leader election on a real Lease: two candidates, one leads, the leader steps down with
//! release-on-cancel and the other takes over without waiting out the lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use client::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use client::rest::Api;
use k8s_openapi::api::coordination::v1::Lease;

use crate::Cluster;

fn elector(cluster: &Cluster, identity: &str, starts: &Arc<AtomicUsize>) -> Arc<LeaderElector> {
    let lock = LeaseLock::new(cluster.client.clone(), "default", "it-election", identity);
    let starts = starts.clone();
    let callbacks = LeaderCallbacks::new(
        move |_token| {
            starts.fetch_add(1, Ordering::SeqCst);
        },
        || {},
    );
    let mut config = LeaderElectionConfig::new(Arc::new(lock), callbacks);
    config.lease_duration = Duration::from_secs(2);
    config.renew_deadline = Duration::from_millis(1500);
    config.retry_period = Duration::from_millis(300);
    config.release_on_cancel = true;
    config.name = "it-election".into();
    Arc::new(LeaderElector::new(config).expect("valid config"))
}

async fn eventually(limit: Duration, what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_candidates_one_leads_and_hands_over_on_release() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let (starts_a, starts_b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let a = elector(&cluster, "candidate-a", &starts_a);
    let b = elector(&cluster, "candidate-b", &starts_b);
    let (stop_a, stop_b) = (CancellationToken::new(), CancellationToken::new());
    let task_a = tokio::spawn({
        let (a, stop) = (a.clone(), stop_a.clone());
        async move { a.run(stop).await }
    });
    eventually(Duration::from_secs(10), "a leads", || a.is_leader()).await;
    let task_b = tokio::spawn({
        let (b, stop) = (b.clone(), stop_b.clone());
        async move { b.run(stop).await }
    });
    eventually(Duration::from_secs(10), "b sees a", || b.get_leader() == "candidate-a").await;
    // Longer than the lease: a keeps renewing, so b never takes over.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(a.is_leader());
    assert!(!b.is_leader());
    assert_eq!(starts_b.load(Ordering::SeqCst), 0);

    let leases = Api::<Lease>::namespaced(cluster.client.clone(), "default");
    let held = leases.get("it-election").await?.spec.expect("spec");
    assert_eq!(held.holder_identity.as_deref(), Some("candidate-a"));
    assert_eq!(held.lease_duration_seconds, Some(2));
    assert!(held.acquire_time.is_some() && held.renew_time.is_some());

    stop_a.cancel();
    task_a.await?;
    assert!(!a.is_leader());
    let released = Instant::now();
    eventually(Duration::from_secs(10), "b takes over", || b.is_leader()).await;
    assert!(released.elapsed() < Duration::from_secs(2), "took {:?}", released.elapsed());
    assert_eq!(starts_a.load(Ordering::SeqCst), 1);
    assert_eq!(starts_b.load(Ordering::SeqCst), 1);
    let taken = leases.get("it-election").await?.spec.expect("spec");
    assert_eq!(taken.holder_identity.as_deref(), Some("candidate-b"));
    assert_eq!(taken.lease_transitions, Some(1));

    stop_b.cancel();
    task_b.await?;
    let last = leases.get("it-election").await?.spec.expect("spec");
    assert_eq!(last.holder_identity.as_deref(), Some(""));
    assert_eq!(last.lease_duration_seconds, Some(1));
    cluster.stop().await;
    Ok(())
}
