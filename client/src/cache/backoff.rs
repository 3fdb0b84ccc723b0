//! Exponential backoff with jitter and a periodic reset: how a reflector spaces out its
//! relists and re-watches while the server is failing (apimachinery's `wait.Backoff` driven
//! through `DelayWithReset`).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Backoff parameters. The defaults are the reflector's: 800ms doubling up to a 30s cap, with
/// jitter 1.0 (each delay is stretched by a random factor in `[1, 2)`), reset every 2 minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// Each step multiplies the delay by this; 0 or less keeps the delay constant and
    /// disables the reset.
    pub factor: f64,
    /// Each delay `d` handed out is `d + random * jitter * d`; 0 disables jitter.
    pub jitter: f64,
    /// Growth stops here; zero means no cap.
    pub cap: Duration,
    /// How many times the delay may grow; `None` derives `ceil(cap / initial)`, as the
    /// reflector does.
    pub steps: Option<u32>,
    /// The sequence starts over once this much time has passed since it last started; zero
    /// makes every delay the initial one.
    pub reset_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(800),
            factor: 2.0,
            jitter: 1.0,
            cap: Duration::from_secs(30),
            steps: None,
            reset_after: Duration::from_secs(120),
        }
    }
}

impl Backoff {
    /// The number of growth steps these parameters allow.
    fn step_budget(&self) -> u32 {
        match self.steps {
            Some(steps) => steps,
            None if self.initial.is_zero() || self.cap.is_zero() => 0,
            None => {
                let ratio = self.cap.as_secs_f64() / self.initial.as_secs_f64();
                // Bounded: a ratio beyond u32 is clamped by the saturating cast.
                ratio.ceil() as u32
            }
        }
    }
}

/// Stretches `d` by a random factor in `[1, 1 + jitter)`.
pub fn jitter(d: Duration, jitter: f64) -> Duration {
    let factor = if jitter <= 0.0 { 1.0 } else { jitter };
    d.mul_f64(1.0 + fastrand::f64() * factor)
}

#[derive(Debug)]
struct Sequence {
    duration: Duration,
    steps: u32,
    started: Instant,
}

/// Hands out successive delays of a [`Backoff`] (upstream's backoff manager). Shared by
/// reference: every caller advances the same sequence.
#[derive(Debug)]
pub struct BackoffManager {
    config: Backoff,
    state: Mutex<Sequence>,
}

impl BackoffManager {
    /// A manager at the start of `config`'s sequence.
    pub fn new(config: Backoff) -> Self {
        let state = Sequence {
            duration: config.initial,
            steps: config.step_budget(),
            started: Instant::now(),
        };
        Self { config, state: Mutex::new(state) }
    }

    /// The parameters.
    pub fn config(&self) -> &Backoff {
        &self.config
    }

    /// The next delay to wait.
    pub fn next_delay(&self) -> Duration {
        let cfg = &self.config;
        let mut seq = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let constant = cfg.factor <= 0.0 || cfg.reset_after.is_zero();
        if !constant && seq.started.elapsed() > cfg.reset_after {
            *seq = Sequence {
                duration: cfg.initial,
                steps: cfg.step_budget(),
                started: Instant::now(),
            };
        }
        if constant || seq.steps == 0 {
            let d = if constant { cfg.initial } else { seq.duration };
            return if cfg.jitter > 0.0 { jitter(d, cfg.jitter) } else { d };
        }
        seq.steps -= 1;
        let current = seq.duration;
        let mut next = current.mul_f64(cfg.factor);
        if !cfg.cap.is_zero() && next > cfg.cap {
            next = cfg.cap;
            seq.steps = 0;
        }
        seq.duration = next;
        if cfg.jitter > 0.0 { jitter(current, cfg.jitter) } else { current }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> Backoff {
        Backoff { jitter: 0.0, ..Backoff::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn delays_double_up_to_the_cap() {
        let m = BackoffManager::new(no_jitter());
        let got: Vec<u128> = (0..9).map(|_| m.next_delay().as_millis()).collect();
        assert_eq!(got, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000]);
    }

    #[tokio::test(start_paused = true)]
    async fn sequence_restarts_after_reset_interval() {
        let m = BackoffManager::new(no_jitter());
        for _ in 0..4 {
            m.next_delay();
        }
        assert_eq!(m.next_delay(), Duration::from_millis(12800));
        tokio::time::advance(Duration::from_secs(121)).await;
        assert_eq!(m.next_delay(), Duration::from_millis(800));
        assert_eq!(m.next_delay(), Duration::from_millis(1600));
    }

    #[tokio::test(start_paused = true)]
    async fn jitter_stays_within_one_to_two_times() {
        let m = BackoffManager::new(Backoff::default());
        for expected in [800u64, 1600, 3200] {
            let d = m.next_delay();
            assert!(d >= Duration::from_millis(expected), "{d:?}");
            assert!(d < Duration::from_millis(2 * expected), "{d:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn zero_reset_keeps_the_initial_delay() {
        let m = BackoffManager::new(Backoff { reset_after: Duration::ZERO, ..no_jitter() });
        assert_eq!(m.next_delay(), Duration::from_millis(800));
        assert_eq!(m.next_delay(), Duration::from_millis(800));
    }
}
