//! Tests mirroring client-go's `util/workqueue` tests, plus concurrency and
//! edge-case checks of our own. Delay tests run on tokio's paused clock.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::*;

const MS: Duration = Duration::from_millis(1);

/// Fails the test instead of hanging it.
async fn within<F: Future>(f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(30), f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out"),
    }
}

/// Lets background tasks run without letting paused time auto-advance.
async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

#[derive(Clone, Copy, Debug)]
enum Shutdown {
    Immediate,
    Drain,
}

impl Shutdown {
    async fn apply<T: Clone + Eq + std::hash::Hash + Send + Sync + 'static>(self, q: &Queue<T>) {
        match self {
            Shutdown::Immediate => q.shut_down(),
            Shutdown::Drain => q.shut_down_with_drain().await,
        }
    }
}

const SHUTDOWNS: [Shutdown; 2] = [Shutdown::Immediate, Shutdown::Drain];

// ---------------------------------------------------------------- queue.go

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_basic() {
    const AFTER: &str = "added after shutdown!";
    for how in SHUTDOWNS {
        let q: Queue<String> = Queue::new();
        let producers: Vec<JoinHandle<()>> = (0..50)
            .map(|i| {
                let q = q.clone();
                tokio::spawn(async move {
                    for _ in 0..50 {
                        q.add(i.to_string());
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let consumers: Vec<JoinHandle<usize>> = (0..10)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut handled = 0;
                    while let Some(item) = q.get().await {
                        assert_ne!(item, AFTER, "got an item added after shutdown");
                        for _ in 0..3 {
                            tokio::task::yield_now().await;
                        }
                        q.done(&item);
                        handled += 1;
                    }
                    handled
                })
            })
            .collect();
        for p in producers {
            within(p).await.unwrap();
        }
        within(how.apply(&q)).await;
        q.add(AFTER.to_string());
        let mut handled = 0;
        for c in consumers {
            handled += within(c).await.unwrap();
        }
        assert_eq!(q.len(), 0, "{how:?}");
        // Each of the 50 keys was processed at least once.
        assert!(handled >= 50, "{how:?}: handled {handled}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_add_while_processing() {
    for how in SHUTDOWNS {
        let q: Queue<u32> = Queue::new();
        let producers: Vec<JoinHandle<()>> = (0..50)
            .map(|i| {
                let q = q.clone();
                tokio::spawn(async move { q.add(i) })
            })
            .collect();
        let total = Arc::new(AtomicUsize::new(0));
        let consumers: Vec<JoinHandle<()>> = (0..10)
            .map(|_| {
                let q = q.clone();
                let total = Arc::clone(&total);
                tokio::spawn(async move {
                    // Every worker re-adds each item it sees up to once more,
                    // exercising the dirty-while-processing path.
                    let mut counters: HashMap<u32, u32> = HashMap::new();
                    while let Some(item) = q.get().await {
                        total.fetch_add(1, Ordering::SeqCst);
                        let seen = counters.entry(item).or_insert(0);
                        *seen += 1;
                        if *seen < 2 {
                            q.add(item);
                        }
                        q.done(&item);
                    }
                })
            })
            .collect();
        for p in producers {
            within(p).await.unwrap();
        }
        within(how.apply(&q)).await;
        for c in consumers {
            within(c).await.unwrap();
        }
        assert_eq!(q.len(), 0, "{how:?}");
        assert!(total.load(Ordering::SeqCst) >= 50, "{how:?}");
    }
}

#[tokio::test]
async fn test_len() {
    let q = Queue::new();
    let check = |add: &'static str, expect: usize| {
        q.add(add);
        assert_eq!(q.len(), expect, "after adding {add}");
    };
    check("foo", 1);
    check("bar", 2);
    // A waiting item is not queued twice.
    check("foo", 2);
    check("bar", 2);
    check("baz", 3);
    assert!(!q.is_empty());
}

#[tokio::test]
async fn test_reinsert() {
    let q = Queue::new();
    q.add("foo");
    let i = q.get().await.unwrap();
    assert_eq!(i, "foo");
    // Re-added while processing: not visible until done.
    q.add(i);
    assert_eq!(q.len(), 0);
    q.done(&i);
    assert_eq!(q.len(), 1);
    let i = q.get().await.unwrap();
    assert_eq!(i, "foo");
    q.done(&i);
    assert_eq!(q.len(), 0);
    assert!(q.is_empty());
}

#[tokio::test]
async fn test_collapse() {
    let q = Queue::new();
    q.add("bar");
    q.add("bar");
    assert_eq!(q.get().await, Some("bar"));
    q.done(&"bar");
    assert_eq!(q.len(), 0);
}

#[tokio::test]
async fn test_collapse_while_processing() {
    let q = Queue::new();
    q.add("foo");
    assert_eq!(q.get().await, Some("foo"));
    q.add("foo");
    q.add("foo");
    let worker = {
        let q = q.clone();
        tokio::spawn(async move {
            let i = q.get().await;
            if let Some(i) = &i {
                q.done(i);
            }
            i
        })
    };
    settle().await;
    assert!(!worker.is_finished(), "worker must block until the first is done");
    q.done(&"foo");
    assert_eq!(within(worker).await.unwrap(), Some("foo"));
    assert_eq!(q.len(), 0);
    assert_eq!(q.processing_len(), 0);
}

/// Calls `get` until it reports shutdown; the queue must hold no ready items.
async fn get_until_shut_down<T: Clone + Eq + std::hash::Hash + Send + Sync + 'static>(
    q: &Queue<T>,
) {
    while within(q.get()).await.is_some() {}
}

#[tokio::test]
async fn test_queue_drainage_using_shut_down_with_drain() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    let first = q.get().await.unwrap();
    let second = q.get().await.unwrap();
    let drain = {
        let q = q.clone();
        tokio::spawn(async move { q.shut_down_with_drain().await })
    };
    get_until_shut_down(&q).await;
    settle().await;
    assert!(!drain.is_finished(), "drain must wait for work in progress");
    q.done(&first);
    settle().await;
    assert!(!drain.is_finished(), "one item is still being processed");
    q.done(&second);
    within(drain).await.unwrap();
}

#[tokio::test]
async fn test_no_queue_drainage_using_shut_down() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    q.get().await.unwrap();
    q.get().await.unwrap();
    // Returns at once even though two items are still being processed.
    q.shut_down();
    assert!(q.shutting_down());
    assert_eq!(q.get().await, None);
}

#[tokio::test]
async fn test_force_queue_shutdown_using_shut_down() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    q.get().await.unwrap();
    q.get().await.unwrap();
    let drain = {
        let q = q.clone();
        tokio::spawn(async move { q.shut_down_with_drain().await })
    };
    get_until_shut_down(&q).await;
    settle().await;
    assert!(!drain.is_finished());
    // A second signal forces the shutdown without waiting for the workers.
    q.shut_down();
    within(drain).await.unwrap();
}

#[tokio::test]
async fn test_queue_drainage_using_shut_down_with_drain_with_dirty_item() {
    let q = Queue::new();
    q.add("foo");
    let gotten = q.get().await.unwrap();
    q.add("foo");
    let drain = {
        let q = q.clone();
        tokio::spawn(async move { q.shut_down_with_drain().await })
    };
    get_until_shut_down(&q).await;
    q.done(&gotten);
    // The dirty copy went back into the queue and is still handed out.
    let again = q.get().await;
    assert_eq!(again, Some("foo"));
    settle().await;
    assert!(!drain.is_finished());
    q.done(&"foo");
    assert_eq!(q.get().await, None);
    within(drain).await.unwrap();
}

#[tokio::test]
async fn shut_down_hands_out_queued_items_then_none() {
    let q = Queue::new();
    q.add(1);
    q.add(2);
    q.shut_down();
    q.add(3);
    assert_eq!(q.len(), 2);
    assert_eq!(q.get().await, Some(1));
    assert_eq!(q.get().await, Some(2));
    assert_eq!(q.get().await, None);
    q.done(&1);
    q.done(&2);
    // Shutting down twice is harmless.
    q.shut_down();
    q.shut_down_with_drain().await;
    assert_eq!(q.get().await, None);
}

#[tokio::test]
async fn shut_down_wakes_blocked_workers() {
    let q: Queue<u8> = Queue::new();
    let workers: Vec<JoinHandle<Option<u8>>> = (0..5)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    settle().await;
    assert!(workers.iter().all(|w| !w.is_finished()));
    q.shut_down();
    for w in workers {
        assert_eq!(within(w).await.unwrap(), None);
    }
}

#[tokio::test]
async fn cancelled_get_takes_nothing() {
    let q = Queue::new();
    {
        let pending = q.get();
        // Dropped before being polled to completion.
        let _ = tokio::time::timeout(Duration::ZERO, pending).await;
    }
    q.add("x");
    assert_eq!(q.len(), 1);
    assert_eq!(q.get().await, Some("x"));
}

#[tokio::test]
async fn done_of_unknown_item_is_harmless() {
    let q = Queue::new();
    q.done(&"never-added");
    q.add("a");
    assert_eq!(q.len(), 1);
}

/// Many producers and workers on one queue: no item is ever processed by two
/// workers at once, and every add is followed by a processing that started
/// after it (no re-add is lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_share_an_item_and_lose_no_add() {
    const ITEMS: usize = 20;
    const PRODUCERS: usize = 8;
    const WORKERS: usize = 8;
    const ADDS_PER_PRODUCER: usize = 500;

    let q: Queue<usize> = Queue::new();
    let in_flight: Arc<Vec<AtomicBool>> =
        Arc::new((0..ITEMS).map(|_| AtomicBool::new(false)).collect());
    // Generation bumped before every add; a worker records the generation it
    // saw when it picked the item up.
    let added: Arc<Vec<AtomicU64>> = Arc::new((0..ITEMS).map(|_| AtomicU64::new(0)).collect());
    let seen: Arc<Vec<AtomicU64>> = Arc::new((0..ITEMS).map(|_| AtomicU64::new(0)).collect());

    let producers: Vec<JoinHandle<()>> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            let added = Arc::clone(&added);
            tokio::spawn(async move {
                let mut x = p as u64 * 7919 + 1;
                for _ in 0..ADDS_PER_PRODUCER {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let item = (x >> 33) as usize % ITEMS;
                    added[item].fetch_add(1, Ordering::SeqCst);
                    q.add(item);
                    if x.is_multiple_of(3) {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    let workers: Vec<JoinHandle<()>> = (0..WORKERS)
        .map(|_| {
            let q = q.clone();
            let in_flight = Arc::clone(&in_flight);
            let added = Arc::clone(&added);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                while let Some(item) = q.get().await {
                    assert!(
                        !in_flight[item].swap(true, Ordering::SeqCst),
                        "item {item} handed to two workers"
                    );
                    let generation = added[item].load(Ordering::SeqCst);
                    seen[item].fetch_max(generation, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    in_flight[item].store(false, Ordering::SeqCst);
                    q.done(&item);
                }
            })
        })
        .collect();
    for p in producers {
        within(p).await.unwrap();
    }
    within(q.shut_down_with_drain()).await;
    for w in workers {
        within(w).await.unwrap();
    }
    for item in 0..ITEMS {
        assert_eq!(
            seen[item].load(Ordering::SeqCst),
            added[item].load(Ordering::SeqCst),
            "last add of item {item} was never processed"
        );
    }
    assert_eq!(q.len(), 0);
    assert_eq!(q.processing_len(), 0);
}

// ------------------------------------------------------- delaying_queue.go

/// Yields until the queue holds `depth` ready items.
async fn wait_for_added<T: Clone + Eq + std::hash::Hash + Send + Sync + 'static>(
    q: &DelayingQueue<T>,
    depth: usize,
) {
    for _ in 0..1000 {
        if q.len() == depth {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("expected {depth} ready items, have {}", q.len());
}

#[tokio::test(start_paused = true)]
async fn test_simple_queue() {
    let q = DelayingQueue::new();
    q.add_after("foo", 50 * MS);
    settle().await;
    assert_eq!(q.len(), 0, "should not have added");
    assert_eq!(q.waiting_len(), 1);

    tokio::time::advance(60 * MS).await;
    wait_for_added(&q, 1).await;
    let item = q.get().await.unwrap();
    q.done(&item);

    // Well past any heartbeat: nothing else appears.
    tokio::time::advance(Duration::from_secs(10)).await;
    settle().await;
    assert_eq!(q.len(), 0, "should not have added");
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test(start_paused = true)]
async fn test_deduping() {
    let q = DelayingQueue::new();
    q.add_after("foo", 50 * MS);
    q.add_after("foo", 70 * MS);
    settle().await;
    assert_eq!(q.len(), 0);
    assert_eq!(q.waiting_len(), 1);

    // Past the first ready time: the item arrives once.
    tokio::time::advance(60 * MS).await;
    wait_for_added(&q, 1).await;
    let item = q.get().await.unwrap();
    q.done(&item);

    // Past the second (collapsed) ready time: nothing more.
    tokio::time::advance(20 * MS).await;
    settle().await;
    assert_eq!(q.len(), 0);

    // This time the later request is the earlier ready time and wins.
    q.add_after("foo", 50 * MS);
    q.add_after("foo", 30 * MS);
    settle().await;
    assert_eq!(q.len(), 0);

    tokio::time::advance(40 * MS).await;
    wait_for_added(&q, 1).await;
    let item = q.get().await.unwrap();
    q.done(&item);

    tokio::time::advance(20 * MS).await;
    settle().await;
    assert_eq!(q.len(), 0);
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test(start_paused = true)]
async fn test_add_two_fire_early() {
    let q = DelayingQueue::new();
    q.add_after("foo", Duration::from_secs(1));
    q.add_after("bar", 50 * MS);
    settle().await;
    assert_eq!(q.len(), 0);

    tokio::time::advance(60 * MS).await;
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("bar"));

    q.add_after("baz", Duration::from_secs(2));
    tokio::time::advance(Duration::from_secs(1)).await;
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("foo"));

    tokio::time::advance(Duration::from_secs(2)).await;
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("baz"));
}

#[tokio::test(start_paused = true)]
async fn test_copy_shifting() {
    let q = DelayingQueue::new();
    q.add_after("foo", Duration::from_secs(1));
    q.add_after("bar", 500 * MS);
    q.add_after("baz", 250 * MS);
    settle().await;
    assert_eq!(q.len(), 0);

    tokio::time::advance(Duration::from_secs(2)).await;
    wait_for_added(&q, 3).await;
    assert_eq!(q.get().await, Some("baz"));
    assert_eq!(q.get().await, Some("bar"));
    assert_eq!(q.get().await, Some("foo"));
}

#[tokio::test(start_paused = true)]
async fn add_after_zero_adds_immediately() {
    let q = DelayingQueue::new();
    q.add_after("now", Duration::ZERO);
    assert_eq!(q.len(), 1);
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test(start_paused = true)]
async fn add_after_dedupes_with_ready_item_via_queue() {
    let q = DelayingQueue::new();
    q.add("x");
    q.add_after("x", 10 * MS);
    tokio::time::advance(20 * MS).await;
    settle().await;
    // The delayed copy collapsed into the one already waiting.
    assert_eq!(q.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn delaying_queue_shutdown_discards_waiting_items() {
    let q = DelayingQueue::new();
    q.add_after("later", 10 * MS);
    q.shut_down();
    q.add_after("ignored", Duration::ZERO);
    tokio::time::advance(Duration::from_secs(1)).await;
    settle().await;
    assert_eq!(q.len(), 0);
    assert!(q.shutting_down());
    assert_eq!(q.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn delaying_queue_huge_delay_does_not_overflow() {
    let q = DelayingQueue::new();
    q.add_after("never", Duration::MAX);
    settle().await;
    assert_eq!(q.waiting_len(), 1);
    tokio::time::advance(Duration::from_secs(3600)).await;
    settle().await;
    assert_eq!(q.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn delaying_queue_many_items_fire_in_ready_order() {
    let q = DelayingQueue::new();
    // Inserted in scrambled order; ties keep insertion order.
    let delays = [(5u32, 30u32), (1, 10), (4, 30), (2, 20), (3, 25), (0, 5)];
    for (item, ms) in delays {
        q.add_after(item, ms * MS);
    }
    tokio::time::advance(100 * MS).await;
    wait_for_added(&q, 6).await;
    let mut order = Vec::new();
    for _ in 0..6 {
        order.push(q.get().await.unwrap());
    }
    assert_eq!(order, vec![0, 1, 2, 3, 5, 4]);
}

// ----------------------------------------------- default_rate_limiters.go

fn check_when<T>(limiter: &dyn RateLimiter<T>, item: T, expect: Duration) {
    assert_eq!(limiter.when(&item), expect);
}

fn check_requeues<T>(limiter: &dyn RateLimiter<T>, item: T, expect: u32) {
    assert_eq!(limiter.num_requeues(&item), expect);
}

#[test]
fn test_item_exponential_failure_rate_limiter() {
    let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
    for expect in [1, 2, 4, 8, 16] {
        check_when(&limiter, "one", expect * MS);
    }
    check_requeues(&limiter, "one", 5);
    check_when(&limiter, "two", MS);
    check_when(&limiter, "two", 2 * MS);
    check_requeues(&limiter, "two", 2);
    limiter.forget(&"one");
    check_requeues(&limiter, "one", 0);
    check_when(&limiter, "one", MS);
    // The cap.
    for _ in 0..8 {
        limiter.when(&"three");
    }
    check_when(&limiter, "three", 256 * MS);
    check_when(&limiter, "three", 512 * MS);
    check_when(&limiter, "three", Duration::from_secs(1));
    check_when(&limiter, "three", Duration::from_secs(1));
}

#[test]
fn test_item_exponential_failure_rate_limiter_over_flow() {
    let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1000));
    for _ in 0..5 {
        limiter.when(&"one");
    }
    check_when(&limiter, "one", 32 * MS);
    for _ in 0..1000 {
        limiter.when(&"overflow1");
    }
    check_when(&limiter, "overflow1", Duration::from_secs(1000));

    let limiter = ItemExponentialFailureRateLimiter::new(
        Duration::from_secs(60),
        Duration::from_secs(1000 * 3600),
    );
    for _ in 0..2 {
        limiter.when(&"two");
    }
    check_when(&limiter, "two", Duration::from_secs(4 * 60));
    for _ in 0..1000 {
        limiter.when(&"overflow2");
    }
    check_when(&limiter, "overflow2", Duration::from_secs(1000 * 3600));

    // Extreme parameters saturate at the cap instead of panicking.
    let limiter = ItemExponentialFailureRateLimiter::new(Duration::MAX, Duration::MAX);
    check_when(&limiter, 1, Duration::MAX);
    check_when(&limiter, 1, Duration::MAX);
    let limiter =
        ItemExponentialFailureRateLimiter::new(Duration::from_secs(1), Duration::from_secs(3600));
    for _ in 0..200 {
        limiter.when(&1);
    }
    check_when(&limiter, 1, Duration::from_secs(3600));
    check_requeues(&limiter, 1, 201);
    let limiter = ItemExponentialFailureRateLimiter::new(Duration::from_nanos(1), Duration::MAX);
    for _ in 0..63 {
        limiter.when(&1);
    }
    check_when(&limiter, 1, Duration::from_nanos(1 << 63));
    check_when(&limiter, 1, Duration::MAX);
}

#[test]
fn test_item_fast_slow_rate_limiter() {
    let fast = 5 * MS;
    let slow = Duration::from_secs(10);
    let limiter = ItemFastSlowRateLimiter::new(fast, slow, 3);
    for expect in [fast, fast, fast, slow, slow] {
        check_when(&limiter, "one", expect);
    }
    check_requeues(&limiter, "one", 5);
    check_when(&limiter, "two", fast);
    check_when(&limiter, "two", fast);
    check_requeues(&limiter, "two", 2);
    limiter.forget(&"one");
    check_requeues(&limiter, "one", 0);
    check_when(&limiter, "one", fast);

    let never_fast = ItemFastSlowRateLimiter::new(fast, slow, 0);
    check_when(&never_fast, "x", slow);
}

#[test]
fn test_max_of_rate_limiter() {
    let limiter: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(vec![
        Box::new(ItemFastSlowRateLimiter::new(5 * MS, Duration::from_secs(3), 3)),
        Box::new(ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1))),
    ]);
    let slow = Duration::from_secs(3);
    for expect in [5 * MS, 5 * MS, 5 * MS, slow, slow] {
        check_when(&limiter, "one", expect);
    }
    check_requeues(&limiter, "one", 5);
    check_when(&limiter, "two", 5 * MS);
    check_when(&limiter, "two", 5 * MS);
    check_requeues(&limiter, "two", 2);
    limiter.forget(&"one");
    check_requeues(&limiter, "one", 0);
    check_when(&limiter, "one", 5 * MS);

    let empty: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(Vec::new());
    check_when(&empty, "x", Duration::ZERO);
    check_requeues(&empty, "x", 0);
}

/// Returns `base` for the first `threshold` calls overall, then `max`.
struct StepRateLimiter {
    count: AtomicU64,
    threshold: u64,
    base: Duration,
    max: Duration,
}

impl<T> RateLimiter<T> for StepRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        if self.count.fetch_add(1, Ordering::SeqCst) < self.threshold {
            self.base
        } else {
            self.max
        }
    }
    fn forget(&self, _item: &T) {}
    fn num_requeues(&self, _item: &T) -> u32 {
        0
    }
}

#[test]
fn test_with_max_wait_rate_limiter() {
    let step = StepRateLimiter {
        count: AtomicU64::new(0),
        threshold: 100,
        base: 5 * MS,
        max: Duration::from_secs(1000),
    };
    let limiter = WithMaxWaitRateLimiter::new(Box::new(step), Duration::from_secs(500));
    for i in 0..100 {
        check_when(&limiter, i, 5 * MS);
    }
    for i in 100..200 {
        check_when(&limiter, i, Duration::from_secs(500));
    }
}

#[tokio::test(start_paused = true)]
async fn bucket_rate_limiter_reserves_growing_delays() {
    let limiter = BucketRateLimiter::new(10.0, 100);
    for i in 0..100 {
        check_when(&limiter, i, Duration::ZERO);
    }
    check_when(&limiter, 100, 100 * MS);
    check_when(&limiter, 101, 200 * MS);
    check_when(&limiter, 102, 300 * MS);
    check_requeues(&limiter, 100, 0);
    limiter.forget(&100);
    // One second refills ten tokens against a debt of three.
    tokio::time::advance(Duration::from_secs(1)).await;
    for i in 0..7 {
        check_when(&limiter, i, Duration::ZERO);
    }
    check_when(&limiter, 7, 100 * MS);
    // The bucket never holds more than its burst.
    tokio::time::advance(Duration::from_secs(3600)).await;
    for i in 0..100 {
        check_when(&limiter, i, Duration::ZERO);
    }
    check_when(&limiter, 100, 100 * MS);
}

#[tokio::test(start_paused = true)]
async fn bucket_rate_limiter_edge_rates() {
    let unlimited = BucketRateLimiter::new(f64::INFINITY, 0);
    for i in 0..1000 {
        check_when(&unlimited, i, Duration::ZERO);
    }
    let frozen = BucketRateLimiter::new(0.0, 2);
    check_when(&frozen, 0, Duration::ZERO);
    check_when(&frozen, 0, Duration::ZERO);
    check_when(&frozen, 0, Duration::MAX);
    let no_burst = BucketRateLimiter::new(10.0, 0);
    check_when(&no_burst, 0, Duration::MAX);
    let nan = BucketRateLimiter::new(f64::NAN, 0);
    check_when(&nan, 0, Duration::MAX);
    let slow = BucketRateLimiter::new(0.5, 1);
    check_when(&slow, 0, Duration::ZERO);
    check_when(&slow, 0, Duration::from_secs(2));
    check_when(&slow, 0, Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn default_controller_rate_limiter_combines_backoff_and_bucket() {
    let limiter = default_controller_rate_limiter::<u32>();
    // Per-item backoff dominates while the bucket has tokens.
    check_when(&limiter, 0, 5 * MS);
    check_when(&limiter, 0, 10 * MS);
    check_when(&limiter, 0, 20 * MS);
    check_requeues(&limiter, 0, 3);
    for i in 1..98 {
        check_when(&limiter, i, 5 * MS);
    }
    // Bucket exhausted: its delay dominates a fresh item's backoff.
    check_when(&limiter, 1000, 100 * MS);
    check_when(&limiter, 1001, 200 * MS);
    limiter.forget(&0);
    check_requeues(&limiter, 0, 0);

    let items = default_item_based_rate_limiter::<u32>();
    check_when(&items, 0, MS);
    check_when(&items, 0, 2 * MS);
}

// -------------------------------------------------- rate_limiting_queue.go

/// Adds `item` rate-limited, checks the chosen delay, then lets it fire and
/// processes it so the next call is not collapsed into this one.
async fn check_rate_limited(
    q: &RateLimitingQueue<&'static str>,
    item: &'static str,
    expect: Duration,
) {
    q.add_rate_limited(item);
    let ready_at = q.delaying_queue().ready_at(&item);
    assert_eq!(ready_at.map(|at| at - Instant::now()), Some(expect), "{item}");
    tokio::time::advance(expect).await;
    wait_for_added(q.delaying_queue(), 1).await;
    assert_eq!(q.get().await, Some(item));
    q.done(&item);
}

#[tokio::test(start_paused = true)]
async fn test_rate_limiting_queue() {
    let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
    let q = RateLimitingQueue::new(limiter);
    check_rate_limited(&q, "one", MS).await;
    check_rate_limited(&q, "one", 2 * MS).await;
    assert_eq!(q.num_requeues(&"one"), 2);
    check_rate_limited(&q, "two", MS).await;
    check_rate_limited(&q, "two", 2 * MS).await;
    q.forget(&"one");
    assert_eq!(q.num_requeues(&"one"), 0);
    check_rate_limited(&q, "one", MS).await;
}

#[tokio::test(start_paused = true)]
async fn rate_limiting_queue_worker_loop() {
    let q = RateLimitingQueue::with_config(
        default_controller_rate_limiter(),
        QueueConfig::named("controller"),
    );
    let start = Instant::now();
    q.add("key");
    let mut attempts = 0;
    // Fail twice, then succeed; time advances only as far as the backoff.
    loop {
        let key = within(q.get()).await.unwrap();
        attempts += 1;
        if attempts < 3 {
            q.add_rate_limited(key);
        } else {
            q.forget(&key);
        }
        q.done(&key);
        if attempts == 3 {
            break;
        }
    }
    assert_eq!(q.num_requeues(&"key"), 0);
    let m = q.metrics().unwrap();
    assert_eq!(m.retries_total, 2);
    assert_eq!(m.adds_total, 3);
    assert_eq!(m.work_duration.count, 3);
    // Latency runs from the delayed add firing, so the backoff is not in it.
    assert_eq!(m.queue_latency.sum, Duration::ZERO);
    // Paused time only moved as far as the backoffs: 5ms then 10ms.
    assert_eq!(start.elapsed(), 15 * MS);
    q.shut_down_with_drain().await;
    assert!(q.shutting_down());
    assert_eq!(q.get().await, None);
}

// ------------------------------------------------------------- metrics.go

#[derive(Default)]
struct TestMetric {
    inc: Mutex<i64>,
    dec: Mutex<i64>,
    set: Mutex<f64>,
    observed: Mutex<(f64, usize)>,
    sets: AtomicUsize,
}

impl TestMetric {
    fn gauge(&self) -> f64 {
        *self.inc.lock().unwrap() as f64 - *self.dec.lock().unwrap() as f64
    }
    fn value(&self) -> f64 {
        *self.set.lock().unwrap()
    }
    fn observation(&self) -> (f64, usize) {
        *self.observed.lock().unwrap()
    }
}

impl GaugeMetric for TestMetric {
    fn inc(&self) {
        *self.inc.lock().unwrap() += 1;
    }
    fn dec(&self) {
        *self.dec.lock().unwrap() += 1;
    }
}

impl CounterMetric for TestMetric {
    fn inc(&self) {
        *self.inc.lock().unwrap() += 1;
    }
}

impl SettableGaugeMetric for TestMetric {
    fn set(&self, value: f64) {
        *self.set.lock().unwrap() = value;
        self.sets.fetch_add(1, Ordering::SeqCst);
    }
}

impl HistogramMetric for TestMetric {
    fn observe(&self, value: f64) {
        let mut o = self.observed.lock().unwrap();
        o.0 = value;
        o.1 += 1;
    }
}

#[derive(Default)]
struct TestProvider {
    depth: Arc<TestMetric>,
    adds: Arc<TestMetric>,
    latency: Arc<TestMetric>,
    duration: Arc<TestMetric>,
    unfinished: Arc<TestMetric>,
    longest: Arc<TestMetric>,
    retries: Arc<TestMetric>,
    names: Mutex<HashSet<String>>,
}

impl TestProvider {
    fn saw(&self, name: &str) {
        self.names.lock().unwrap().insert(name.to_string());
    }
}

impl MetricsProvider for TestProvider {
    fn new_depth_metric(&self, name: &str) -> Arc<dyn GaugeMetric> {
        self.saw(name);
        self.depth.clone()
    }
    fn new_adds_metric(&self, _name: &str) -> Arc<dyn CounterMetric> {
        self.adds.clone()
    }
    fn new_latency_metric(&self, _name: &str) -> Arc<dyn HistogramMetric> {
        self.latency.clone()
    }
    fn new_work_duration_metric(&self, _name: &str) -> Arc<dyn HistogramMetric> {
        self.duration.clone()
    }
    fn new_unfinished_work_seconds_metric(&self, _name: &str) -> Arc<dyn SettableGaugeMetric> {
        self.unfinished.clone()
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        _name: &str,
    ) -> Arc<dyn SettableGaugeMetric> {
        self.longest.clone()
    }
    fn new_retries_metric(&self, _name: &str) -> Arc<dyn CounterMetric> {
        self.retries.clone()
    }
}

fn named_config(name: &str, provider: &Arc<TestProvider>) -> QueueConfig {
    QueueConfig { name: name.to_string(), metrics_provider: Some(provider.clone()) }
}

#[tokio::test(start_paused = true)]
async fn test_metrics() {
    let mp = Arc::new(TestProvider::default());
    let q = Queue::with_config(named_config("test", &mp));
    assert!(mp.names.lock().unwrap().contains("test"));

    q.add("foo");
    assert_eq!(mp.adds.gauge(), 1.0);
    assert_eq!(mp.depth.gauge(), 1.0);

    tokio::time::advance(Duration::from_micros(50)).await;
    let i = q.get().await.unwrap();
    assert_eq!(i, "foo");
    assert_eq!(mp.latency.observation(), (5e-05, 1));

    // Re-added while processing; repeated adds collapse.
    for _ in 0..5 {
        q.add(i);
    }
    assert_eq!(mp.adds.gauge(), 2.0);
    assert_eq!(mp.depth.gauge(), 1.0);

    tokio::time::advance(Duration::from_micros(25)).await;
    q.done(&i);
    assert_eq!(mp.duration.observation(), (2.5e-05, 1));
    assert_eq!(mp.depth.gauge(), 1.0);

    let i = q.get().await.unwrap();
    assert_eq!(i, "foo");
    assert_eq!(mp.latency.observation(), (2.5e-05, 2));
    assert_eq!(mp.depth.gauge(), 0.0);

    // The periodic update reports work in progress.
    tokio::time::advance(Duration::from_millis(500)).await;
    settle().await;
    assert_eq!(mp.unfinished.value(), 0.5);
    assert_eq!(mp.longest.value(), 0.5);

    let snap = q.metrics().unwrap();
    assert_eq!(
        snap,
        QueueMetricsSnapshot {
            name: "test".to_string(),
            depth: 0,
            adds_total: 2,
            queue_latency: DurationSummary {
                count: 2,
                sum: Duration::from_micros(75),
                max: Duration::from_micros(50),
                last: Duration::from_micros(25),
            },
            work_duration: DurationSummary {
                count: 1,
                sum: Duration::from_micros(25),
                max: Duration::from_micros(25),
                last: Duration::from_micros(25),
            },
            unfinished_work: Duration::from_millis(500),
            longest_running_processor: Duration::from_millis(500),
            retries_total: 0,
        }
    );

    q.done(&i);
    assert_eq!(mp.duration.observation().1, 2);
    tokio::time::advance(Duration::from_millis(500)).await;
    settle().await;
    assert_eq!(mp.unfinished.value(), 0.0);
    assert_eq!(mp.longest.value(), 0.0);
    q.shut_down();
}

#[tokio::test(start_paused = true)]
async fn test_metric_shutdown() {
    let mp = Arc::new(TestProvider::default());
    let q: Queue<u8> = Queue::with_config(named_config("shutdown", &mp));
    tokio::time::advance(Duration::from_millis(500)).await;
    settle().await;
    let before = mp.unfinished.sets.load(Ordering::SeqCst);
    assert!(before >= 1, "expected a periodic update");
    q.shut_down();
    tokio::time::advance(Duration::from_secs(3600)).await;
    settle().await;
    assert_eq!(mp.unfinished.sets.load(Ordering::SeqCst), before);
}

#[tokio::test(start_paused = true)]
async fn delaying_queue_counts_retries() {
    let mp = Arc::new(TestProvider::default());
    let q = DelayingQueue::with_config(named_config("retries", &mp));
    q.add_after(1, Duration::ZERO);
    q.add_after(2, 10 * MS);
    q.add_after(2, 5 * MS);
    assert_eq!(mp.retries.gauge(), 3.0);
    assert_eq!(q.metrics().unwrap().retries_total, 3);
    q.shut_down();
    q.add_after(3, MS);
    assert_eq!(mp.retries.gauge(), 3.0);
}

#[tokio::test]
async fn unnamed_queue_has_no_metrics() {
    let q: Queue<u8> = Queue::new();
    q.add(1);
    assert_eq!(q.metrics(), None);
    let named: Queue<u8> = Queue::with_config(QueueConfig::named("plain"));
    named.add(1);
    named.add(2);
    let snap = named.metrics().unwrap();
    assert_eq!((snap.name.as_str(), snap.depth, snap.adds_total), ("plain", 2, 2));
}

#[test]
fn queue_without_runtime_still_works() {
    // Metrics with a provider but no runtime: no updater task, no panic.
    let mp = Arc::new(TestProvider::default());
    let q = Queue::with_config(named_config("no-runtime", &mp));
    q.add(7);
    assert_eq!(q.len(), 1);
    assert_eq!(mp.adds.gauge(), 1.0);
}

#[test]
fn set_provider_only_first_wins() {
    struct Quiet;
    impl MetricsProvider for Quiet {}
    assert!(set_provider(Arc::new(Quiet)));
    assert!(!set_provider(Arc::new(Quiet)));
}
