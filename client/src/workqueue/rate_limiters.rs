//! Rate limiters deciding how long a failed item waits before it is retried.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Decides how long an item waits before it is retried.
pub trait RateLimiter<T>: Send + Sync {
    /// Records a retry of `item` and returns how long it should wait.
    fn when(&self, item: &T) -> Duration;
    /// Stops tracking `item` (call it once the item succeeded or was given
    /// up on); does not undo delays already handed out.
    fn forget(&self, item: &T);
    /// How many times `item` has been retried since it was last forgotten.
    fn num_requeues(&self, item: &T) -> u32;
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item)
    }
    fn num_requeues(&self, item: &T) -> u32 {
        (**self).num_requeues(item)
    }
}

fn lock<S>(m: &Mutex<S>) -> MutexGuard<'_, S> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Per-item failure counts shared by the item-based limiters.
struct Failures<T>(Mutex<HashMap<T, u32>>);

impl<T: Clone + Eq + Hash> Failures<T> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    /// Increments the count and returns its previous value.
    fn bump(&self, item: &T) -> u32 {
        let mut map = lock(&self.0);
        let count = map.entry(item.clone()).or_insert(0);
        let before = *count;
        *count = count.saturating_add(1);
        before
    }

    fn get(&self, item: &T) -> u32 {
        lock(&self.0).get(item).copied().unwrap_or(0)
    }

    fn forget(&self, item: &T) {
        lock(&self.0).remove(item);
    }
}

/// Waits `base * 2^failures` for an item, capped at `max`.
pub struct ItemExponentialFailureRateLimiter<T> {
    failures: Failures<T>,
    base_delay: Duration,
    max_delay: Duration,
}

impl<T: Clone + Eq + Hash> ItemExponentialFailureRateLimiter<T> {
    /// A limiter starting at `base_delay` and never exceeding `max_delay`.
    pub fn new(base_delay: Duration, max_delay: Duration) -> Self {
        Self { failures: Failures::new(), base_delay, max_delay }
    }
}

/// Exponential backoff from 1ms to 1000s per item (client-go's
/// `DefaultItemBasedRateLimiter`).
pub fn default_item_based_rate_limiter<T: Clone + Eq + Hash>()
-> ItemExponentialFailureRateLimiter<T> {
    ItemExponentialFailureRateLimiter::new(Duration::from_millis(1), Duration::from_secs(1000))
}

impl<T: Clone + Eq + Hash + Send + Sync> RateLimiter<T> for ItemExponentialFailureRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let exp = self.failures.bump(item);
        // Work in u128 nanoseconds: any product that does not fit, or does
        // not fit back into a Duration, is beyond the cap anyway.
        let backoff = 1u128
            .checked_shl(exp)
            .and_then(|factor| self.base_delay.as_nanos().checked_mul(factor))
            .and_then(|nanos| u64::try_from(nanos).ok())
            .map(Duration::from_nanos);
        match backoff {
            Some(d) if d <= self.max_delay => d,
            _ => self.max_delay,
        }
    }

    fn forget(&self, item: &T) {
        self.failures.forget(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.failures.get(item)
    }
}

/// Waits `fast_delay` for the first `max_fast_attempts` retries of an item and
/// `slow_delay` after that.
pub struct ItemFastSlowRateLimiter<T> {
    failures: Failures<T>,
    fast_delay: Duration,
    slow_delay: Duration,
    max_fast_attempts: u32,
}

impl<T: Clone + Eq + Hash> ItemFastSlowRateLimiter<T> {
    /// A limiter with the given delays and number of fast attempts.
    pub fn new(fast_delay: Duration, slow_delay: Duration, max_fast_attempts: u32) -> Self {
        Self { failures: Failures::new(), fast_delay, slow_delay, max_fast_attempts }
    }
}

impl<T: Clone + Eq + Hash + Send + Sync> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let attempts = self.failures.bump(item).saturating_add(1);
        if attempts <= self.max_fast_attempts { self.fast_delay } else { self.slow_delay }
    }

    fn forget(&self, item: &T) {
        self.failures.forget(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.failures.get(item)
    }
}

/// Combines limiters: waits as long as the strictest one says, reports the
/// highest requeue count, and forgets in all of them.
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> MaxOfRateLimiter<T> {
    /// Combines `limiters`; with none, every delay is zero.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        // Every limiter must see the retry, so no short-circuiting.
        self.limiters.iter().map(|l| l.when(item)).fold(Duration::ZERO, Duration::max)
    }

    fn forget(&self, item: &T) {
        for l in &self.limiters {
            l.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.limiters.iter().map(|l| l.num_requeues(item)).max().unwrap_or(0)
    }
}

/// Caps another limiter's delays at `max_delay`.
pub struct WithMaxWaitRateLimiter<T> {
    limiter: Box<dyn RateLimiter<T>>,
    max_delay: Duration,
}

impl<T> WithMaxWaitRateLimiter<T> {
    /// Wraps `limiter` so no delay exceeds `max_delay`.
    pub fn new(limiter: Box<dyn RateLimiter<T>>, max_delay: Duration) -> Self {
        Self { limiter, max_delay }
    }
}

impl<T> RateLimiter<T> for WithMaxWaitRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiter.when(item).min(self.max_delay)
    }

    fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.limiter.num_requeues(item)
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
    /// Remaining budget when `qps` is zero (no refill at all).
    burst: u32,
}

/// An overall token bucket shared by all items: `burst` retries go through
/// at once, then `qps` per second. Each call reserves a token, so successive
/// calls while the bucket is empty return growing delays.
pub struct BucketRateLimiter {
    qps: f64,
    burst: u32,
    bucket: Mutex<Bucket>,
}

impl BucketRateLimiter {
    /// A full bucket of `burst` tokens refilled at `qps` tokens per second.
    /// An infinite `qps` never delays; a `qps` of zero or less (or NaN) allows
    /// `burst` retries and then delays forever (`Duration::MAX`).
    pub fn new(qps: f64, burst: u32) -> Self {
        Self {
            qps,
            burst,
            bucket: Mutex::new(Bucket { tokens: f64::from(burst), last: Instant::now(), burst }),
        }
    }

    /// Reserves one token and returns how long to wait until it is valid.
    fn reserve(&self) -> Duration {
        if self.qps == f64::INFINITY {
            return Duration::ZERO;
        }
        let mut b = lock(&self.bucket);
        if self.qps.is_nan() || self.qps <= 0.0 {
            return if b.burst > 0 {
                b.burst -= 1;
                Duration::ZERO
            } else {
                Duration::MAX
            };
        }
        if self.burst == 0 {
            // A reservation larger than the bucket can never be granted.
            return Duration::MAX;
        }
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(b.last);
        let refill = elapsed.as_secs_f64() * self.qps;
        let tokens = (b.tokens + refill).min(f64::from(self.burst)) - 1.0;
        b.tokens = tokens;
        b.last = now;
        if tokens >= 0.0 {
            return Duration::ZERO;
        }
        // Truncate to whole nanoseconds, as Go's duration conversion does.
        let nanos = -tokens / self.qps * 1e9;
        if nanos >= u64::MAX as f64 { Duration::MAX } else { Duration::from_nanos(nanos as u64) }
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        self.reserve()
    }

    fn forget(&self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> u32 {
        0
    }
}

/// The limiter client-go's controllers use: per-item exponential backoff from
/// 5ms to 1000s, combined with an overall bucket of 10 qps and burst 100.
pub fn default_controller_rate_limiter<T>() -> MaxOfRateLimiter<T>
where
    T: Clone + Eq + Hash + Send + Sync + 'static,
{
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(BucketRateLimiter::new(10.0, 100)),
    ])
}
