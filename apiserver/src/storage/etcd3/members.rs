//! The members a store talks to: one gRPC channel per configured endpoint, taken in turn, and
//! passed over for a while after a transport failure, the way gRPC's round-robin balancer (which
//! upstream's etcd client uses) skips connections in transient failure. A request that failed on
//! a dead member is therefore retried on a live one instead of going back to the dead one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use etcd_client::{KvClient, MaintenanceClient, WatchClient};

/// How long a member is passed over after its first failure in a row; doubled for each further
/// one, up to [`DOWN_MAX`].
const DOWN_BASE: Duration = Duration::from_millis(500);

/// The longest a failing member is passed over before it is tried again.
const DOWN_MAX: Duration = Duration::from_secs(30);

/// One etcd endpoint and its clients.
pub(super) struct Member {
    /// The endpoint URL, for messages.
    pub(super) endpoint: String,
    pub(super) kv: KvClient,
    pub(super) watch: WatchClient,
    pub(super) maintenance: MaintenanceClient,
    health: Mutex<Health>,
}

#[derive(Debug, Default)]
struct Health {
    /// Transport failures since the last success.
    failures: u32,
    /// Until when the member is passed over.
    down_until: Option<Instant>,
}

impl Member {
    pub(super) fn new(endpoint: String, client: &etcd_client::Client, max_message: usize) -> Self {
        // Lists of big collections exceed gRPC's 4 MiB default; upstream lifts the limit the
        // same way.
        let kv = client
            .kv_client()
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message);
        let watch = client.watch_client().max_decoding_message_size(max_message);
        let maintenance = client.maintenance_client();
        Member { endpoint, kv, watch, maintenance, health: Mutex::new(Health::default()) }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // The guarded data stays consistent whatever panicked while holding it.
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a failure that shows the member (or the way to it) is not working.
    pub(super) fn failed(&self) {
        self.failed_at(Instant::now());
    }

    fn failed_at(&self, now: Instant) {
        let mut health = self.health();
        health.failures = health.failures.saturating_add(1);
        let doublings = health.failures.saturating_sub(1).min(16);
        let pause = DOWN_BASE.saturating_mul(1 << doublings).min(DOWN_MAX);
        health.down_until = Some(now + pause);
    }

    /// Records an answer from the member.
    pub(super) fn succeeded(&self) {
        let mut health = self.health();
        if health.failures != 0 || health.down_until.is_some() {
            *health = Health::default();
        }
    }

    /// Until when the member is passed over, if it is now.
    fn down_until(&self, now: Instant) -> Option<Instant> {
        self.health().down_until.filter(|until| *until > now)
    }
}

/// Every member of the store, taken in turn.
pub(super) struct Members {
    list: Vec<Arc<Member>>,
    next: AtomicUsize,
    /// The place of the member picked last, so that tests can fail the one in use.
    #[cfg(test)]
    last: AtomicUsize,
    /// How many picks have recorded their member in `last`.
    #[cfg(test)]
    picked: AtomicUsize,
}

impl Members {
    /// The members in the order the endpoints were configured; `list` must not be empty.
    pub(super) fn new(list: Vec<Arc<Member>>) -> Self {
        assert!(!list.is_empty(), "an etcd store needs at least one member");
        Members {
            list,
            next: AtomicUsize::new(0),
            #[cfg(test)]
            last: AtomicUsize::new(0),
            #[cfg(test)]
            picked: AtomicUsize::new(0),
        }
    }

    /// How many picks were made so far.
    #[cfg(test)]
    pub(super) fn picks(&self) -> usize {
        self.picked.load(Ordering::SeqCst)
    }

    /// The place in [`Members::all`] of the member picked last.
    #[cfg(test)]
    pub(super) fn last_picked(&self) -> usize {
        self.last.load(Ordering::SeqCst)
    }

    /// Every member, in configuration order.
    pub(super) fn all(&self) -> &[Arc<Member>] {
        &self.list
    }

    /// The next member that is not passed over; when every one is, the one whose pause ends
    /// first (a request must go somewhere, and that member is the likeliest to be back).
    pub(super) fn pick(&self) -> Arc<Member> {
        self.pick_at(Instant::now())
    }

    fn pick_at(&self, now: Instant) -> Arc<Member> {
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut up = None;
        let mut soonest: Option<(Instant, usize)> = None;
        for i in 0..n {
            let at = (start + i) % n;
            match self.list[at].down_until(now) {
                None => {
                    up = Some(at);
                    break;
                }
                Some(until) => {
                    if soonest.is_none_or(|(s, _)| until < s) {
                        soonest = Some((until, at));
                    }
                }
            }
        }
        let at = up.or(soonest.map(|(_, at)| at)).unwrap_or(start % n);
        #[cfg(test)]
        {
            self.last.store(at, Ordering::SeqCst);
            self.picked.fetch_add(1, Ordering::SeqCst);
        }
        self.list[at].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn members(n: usize) -> Members {
        let mut list = Vec::new();
        for i in 0..n {
            // The channel dials lazily: nothing listens there and nothing is dialled here.
            let endpoint = format!("http://127.0.0.1:{}", 1 + i);
            let client = etcd_client::Client::connect([endpoint.as_str()], None)
                .await
                .expect("a lazy client");
            list.push(Arc::new(Member::new(endpoint, &client, 1 << 20)));
        }
        Members::new(list)
    }

    fn picks(m: &Members, now: Instant, n: usize) -> Vec<String> {
        (0..n).map(|_| m.pick_at(now).endpoint.clone()).collect()
    }

    const ONE: &str = "http://127.0.0.1:1";
    const TWO: &str = "http://127.0.0.1:2";
    const THREE: &str = "http://127.0.0.1:3";

    #[tokio::test]
    async fn test_pick_round_robin_skips_failed() {
        let m = members(3).await;
        let now = Instant::now();
        assert_eq!(picks(&m, now, 4), [ONE, TWO, THREE, ONE]);
        m.all()[1].failed_at(now);
        let got = picks(&m, now, 6);
        assert!(!got.iter().any(|e| e == TWO), "{got:?}");
        m.all()[1].succeeded();
        assert!(picks(&m, now, 3).iter().any(|e| e == TWO));
    }

    #[tokio::test]
    async fn test_pick_all_failed_takes_soonest_back() {
        let m = members(3).await;
        let t = Instant::now();
        // Member 1 failed twice in a row, so its pause is twice as long as the others'.
        m.all()[0].failed_at(t);
        m.all()[0].failed_at(t);
        m.all()[1].failed_at(t + Duration::from_millis(2));
        m.all()[2].failed_at(t + Duration::from_millis(1));
        // Member 3 failed before member 2 with the same pause: its pause ends first.
        let now = t + Duration::from_millis(3);
        assert_eq!(picks(&m, now, 3), [THREE, THREE, THREE]);
    }

    #[tokio::test]
    async fn test_failed_member_comes_back_after_pause() {
        let m = members(2).await;
        let t = Instant::now();
        m.all()[0].failed_at(t);
        assert!(picks(&m, t, 4).iter().all(|e| e == TWO));
        let back = t + DOWN_BASE + Duration::from_millis(1);
        assert!(picks(&m, back, 4).iter().any(|e| e == ONE));
        // Failing again without an answer in between doubles the pause.
        m.all()[0].failed_at(back);
        let early = back + DOWN_BASE + DOWN_BASE / 2;
        assert!(picks(&m, early, 4).iter().all(|e| e == TWO));
        let late = back + DOWN_BASE * 2 + Duration::from_millis(1);
        assert!(picks(&m, late, 4).iter().any(|e| e == ONE));
        // An answer ends the pause at once.
        m.all()[0].failed_at(late);
        m.all()[0].succeeded();
        assert!(picks(&m, late, 4).iter().any(|e| e == ONE));
    }
}
