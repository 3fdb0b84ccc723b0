//! Exhaustive interleaving checks for the concurrent queues: every order in which a few actors'
//! steps can run is executed from scratch, and a checker sees each final state.
//!
//! A step is one call into the queue under test; the queues do all their work for a call under
//! one lock, so steps are the units that can interleave. A step that would wait (an empty
//! queue's `get` or `pop`) leaves its future registered with a counting waker; the actor may run
//! again only after something woke it. Wake-ups are therefore part of what is checked: a
//! schedule where every actor is stuck although work is available is reported by the checker.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It finished; the actor moves to its next step.
    Done,
    /// It is waiting; the actor stays on this step until woken.
    Blocked,
}

/// A system under test: actors with scripts of steps.
pub(crate) trait System {
    /// The number of steps in each actor's script.
    fn script_lengths(&self) -> Vec<usize>;
    /// Runs `actor`'s step `step`.
    fn step(&mut self, actor: usize, step: usize) -> Outcome;
    /// Whether a blocked actor was woken since it blocked.
    fn woken(&self, actor: usize) -> bool;
}

/// Sees each final system with its schedule (actor per step) and the actors that ended blocked.
pub(crate) type Check<'a, S> = &'a mut dyn FnMut(S, &[usize], &[usize]);

/// Explores every schedule of the systems `new` builds; `check` gets the final system, the
/// schedule (actor per step) and the actors that ended blocked. Returns the number of schedules.
pub(crate) fn explore<S: System>(new: &dyn Fn() -> S, check: Check<'_, S>) -> usize {
    let lengths = new().script_lengths();
    let mut count = 0;
    dfs(new, check, &lengths, &mut Vec::new(), &mut count);
    count
}

/// Replays `schedule` on a fresh system; returns it with each actor's position and whether it
/// is blocked.
fn replay<S: System>(
    new: &dyn Fn() -> S,
    lengths: &[usize],
    schedule: &[usize],
) -> (S, Vec<usize>, Vec<bool>) {
    let mut s = new();
    let mut pos = vec![0; lengths.len()];
    let mut blocked = vec![false; lengths.len()];
    for &a in schedule {
        match s.step(a, pos[a]) {
            Outcome::Done => {
                pos[a] += 1;
                blocked[a] = false;
            }
            Outcome::Blocked => blocked[a] = true,
        }
    }
    (s, pos, blocked)
}

fn dfs<S: System>(
    new: &dyn Fn() -> S,
    check: Check<'_, S>,
    lengths: &[usize],
    schedule: &mut Vec<usize>,
    count: &mut usize,
) {
    let (s, pos, blocked) = replay(new, lengths, schedule);
    let enabled: Vec<usize> = (0..lengths.len())
        .filter(|&a| pos[a] < lengths[a] && (!blocked[a] || s.woken(a)))
        .collect();
    if enabled.is_empty() {
        let stuck: Vec<usize> = (0..lengths.len()).filter(|&a| blocked[a]).collect();
        *count += 1;
        check(s, schedule, &stuck);
        return;
    }
    drop(s);
    for a in enabled {
        schedule.push(a);
        dfs(new, check, lengths, schedule, count);
        schedule.pop();
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
pub(crate) struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future an actor is waiting on, with the waker it registered.
pub(crate) struct Pending<T> {
    future: Pin<Box<dyn Future<Output = T> + Send>>,
    waker: Arc<CountingWaker>,
    seen: usize,
}

impl<T> Pending<T> {
    /// Starts `future`: polls it once.
    pub(crate) fn start(future: impl Future<Output = T> + Send + 'static) -> Result<T, Self> {
        let mut p = Pending { future: Box::pin(future), waker: Arc::default(), seen: 0 };
        match p.poll() {
            Some(v) => Ok(v),
            None => Err(p),
        }
    }

    /// Polls again; `None` while still waiting.
    pub(crate) fn poll(&mut self) -> Option<T> {
        self.seen = self.waker.0.load(Ordering::SeqCst);
        let waker = Waker::from(self.waker.clone());
        match self.future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        }
    }

    /// Whether the waker fired since the last poll.
    pub(crate) fn woken(&self) -> bool {
        self.waker.0.load(Ordering::SeqCst) > self.seen
    }
}
