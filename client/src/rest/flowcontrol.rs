//! Client-side throttling (client-go's `flowcontrol.NewTokenBucketRateLimiter`): a token
//! bucket that starts full, refills at `qps` tokens per second up to `burst`, and hands out
//! reservations in arrival order, so waiting callers are served first come, first served.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket rate limiter.
#[derive(Debug)]
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Tokens available at `last`; negative when reservations are outstanding.
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket allowing `qps` requests per second with bursts of `burst` (at least 1).
    pub fn new(qps: f32, burst: u32) -> Self {
        TokenBucket {
            qps: f64::from(qps).max(f64::MIN_POSITIVE),
            burst: f64::from(burst.max(1)),
            state: Mutex::new(State { tokens: f64::from(burst.max(1)), last: Instant::now() }),
        }
    }

    /// The configured rate.
    pub fn qps(&self) -> f64 {
        self.qps
    }

    /// Takes a token now if one is available, without waiting.
    pub fn try_accept(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.refill(&mut s);
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Reserves a token and returns how long to wait until it is ours.
    fn reserve(&self) -> Duration {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.refill(&mut s);
        s.tokens -= 1.0;
        if s.tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-s.tokens / self.qps) }
    }

    fn refill(&self, s: &mut State) {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.qps).min(self.burst);
        s.last = now;
    }

    /// Waits for a token; returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        let start = Instant::now();
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        start.elapsed()
    }
}
