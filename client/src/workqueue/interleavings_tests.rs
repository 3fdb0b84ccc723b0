//! Every interleaving of a few workers and producers on the basic queue, checked step by step
//! against client-go's queue semantics (`Type`: queue, dirty and processing sets): the same
//! items handed out in the same order, never one item to two workers, re-adds while processing
//! kept, and no worker left waiting while an item or the shutdown is there for it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use super::Queue;
use crate::interleavings::{Outcome, Pending, System, explore};

#[derive(Debug, Clone, Copy)]
enum Op {
    Get,
    Done,
    /// Adds the item this worker holds (a re-add while processing).
    AddHeld,
    Add(u8),
    ShutDown,
}

/// client-go's queue, as a plain state machine.
#[derive(Default)]
struct Model {
    queue: VecDeque<u8>,
    dirty: HashSet<u8>,
    processing: HashSet<u8>,
    shutting_down: bool,
}

impl Model {
    fn add(&mut self, x: u8) {
        if self.shutting_down || !self.dirty.insert(x) {
            return;
        }
        if !self.processing.contains(&x) {
            self.queue.push_back(x);
        }
    }

    /// `None` when a worker would wait; `Some(None)` when it is told to stop.
    fn get(&mut self) -> Option<Option<u8>> {
        match self.queue.pop_front() {
            Some(x) => {
                self.dirty.remove(&x);
                self.processing.insert(x);
                Some(Some(x))
            }
            None if self.shutting_down => Some(None),
            None => None,
        }
    }

    fn done(&mut self, x: u8) {
        self.processing.remove(&x);
        if self.dirty.contains(&x) {
            self.queue.push_back(x);
        }
    }
}

struct QueueSystem {
    q: Arc<Queue<u8>>,
    model: Model,
    scripts: Vec<Vec<Op>>,
    held: Vec<Option<u8>>,
    waiting: Vec<Option<Pending<Option<u8>>>>,
}

impl QueueSystem {
    fn new(scripts: &[Vec<Op>]) -> Self {
        let n = scripts.len();
        QueueSystem {
            q: Arc::new(Queue::new()),
            model: Model::default(),
            scripts: scripts.to_vec(),
            held: vec![None; n],
            waiting: (0..n).map(|_| None).collect(),
        }
    }

    fn get(&mut self, actor: usize) -> Outcome {
        let got = match self.waiting[actor].take() {
            Some(mut p) => match p.poll() {
                Some(v) => Ok(v),
                None => Err(p),
            },
            None => {
                let q = self.q.clone();
                Pending::start(async move { q.get().await })
            }
        };
        match got {
            Ok(item) => {
                assert_eq!(Some(item), self.model.get(), "worker {actor} got the wrong item");
                self.held[actor] = item;
                Outcome::Done
            }
            Err(p) => {
                assert!(
                    self.model.queue.is_empty() && !self.model.shutting_down,
                    "worker {actor} waits although the queue has {:?} (shutting down: {})",
                    self.model.queue,
                    self.model.shutting_down
                );
                self.waiting[actor] = Some(p);
                Outcome::Blocked
            }
        }
    }
}

impl System for QueueSystem {
    fn script_lengths(&self) -> Vec<usize> {
        self.scripts.iter().map(Vec::len).collect()
    }

    fn step(&mut self, actor: usize, step: usize) -> Outcome {
        let outcome = match self.scripts[actor][step] {
            Op::Get => self.get(actor),
            Op::Done => {
                if let Some(x) = self.held[actor].take() {
                    self.q.done(&x);
                    self.model.done(x);
                }
                Outcome::Done
            }
            Op::AddHeld => {
                if let Some(x) = self.held[actor] {
                    self.q.add(x);
                    self.model.add(x);
                }
                Outcome::Done
            }
            Op::Add(x) => {
                self.q.add(x);
                self.model.add(x);
                Outcome::Done
            }
            Op::ShutDown => {
                self.q.shut_down();
                self.model.shutting_down = true;
                Outcome::Done
            }
        };
        assert_eq!(self.q.len(), self.model.queue.len(), "queue length");
        let held: Vec<u8> = self.held.iter().flatten().copied().collect();
        let distinct: HashSet<u8> = held.iter().copied().collect();
        assert_eq!(held.len(), distinct.len(), "one item held by two workers: {held:?}");
        outcome
    }

    fn woken(&self, actor: usize) -> bool {
        self.waiting[actor].as_ref().is_some_and(Pending::woken)
    }
}

/// Runs every schedule of `scripts`; at the end no worker may be stuck while work or the
/// shutdown is there, and draining the queue gives exactly the model's items.
fn check_all(scripts: &[Vec<Op>]) -> usize {
    explore(&|| QueueSystem::new(scripts), &mut |mut s, schedule, stuck| {
        if !stuck.is_empty() {
            assert!(
                s.model.queue.is_empty() && !s.model.shutting_down,
                "schedule {schedule:?}: workers {stuck:?} never woke up for {:?} (shutting down: {})",
                s.model.queue,
                s.model.shutting_down
            );
        }
        for w in 0..s.held.len() {
            if let Some(x) = s.held[w].take() {
                s.q.done(&x);
                s.model.done(x);
            }
        }
        while let Some(Some(x)) = s.model.get() {
            let got = Pending::start({
                let q = s.q.clone();
                async move { q.get().await }
            });
            assert_eq!(got.ok(), Some(Some(x)), "schedule {schedule:?}: drain");
            s.q.done(&x);
            s.model.done(x);
        }
        assert!(s.model.dirty.is_empty(), "schedule {schedule:?}: an add was lost");
        assert!(s.q.is_empty(), "schedule {schedule:?}: items left behind");
    })
}

#[test]
fn every_interleaving_of_re_adds_while_processing() {
    use Op::*;
    let n = check_all(&[vec![Get, AddHeld, Done], vec![Get, Done], vec![Add(1), Add(2), Add(1)]]);
    assert!(n > 100, "only {n} schedules");
}

#[test]
fn every_interleaving_of_a_re_add_that_must_wake_a_waiting_worker() {
    use Op::*;
    let n = check_all(&[vec![Get, AddHeld, Done], vec![Get, Done], vec![Add(1)]]);
    assert!(n > 5, "only {n} schedules");
}

#[test]
fn every_interleaving_of_blocked_workers_and_adds() {
    use Op::*;
    let n = check_all(&[vec![Get, Done, Get, Done], vec![Get, Done], vec![Add(1), Add(2), Add(3)]]);
    assert!(n > 100, "only {n} schedules");
}

#[test]
fn every_interleaving_with_shutdown() {
    use Op::*;
    let n = check_all(&[
        vec![Get, Done, Get, Done],
        vec![Get, AddHeld, Done],
        vec![Add(1), Add(1), ShutDown, Add(2)],
    ]);
    assert!(n > 100, "only {n} schedules");
}
