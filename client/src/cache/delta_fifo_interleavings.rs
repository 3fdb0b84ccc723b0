//! Every interleaving of a reflector-like producer, a resync and an informer-like consumer on a
//! DeltaFIFO whose known objects are the consumer's store: whatever the order, once the queue
//! is drained the consumer's store equals what the producer last said (re-lists that drop an
//! object the consumer already has produce a deletion, resyncs never resurrect one), and a
//! consumer only waits on an empty queue and is woken when it fills.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::cache::*;
use crate::interleavings::{Outcome, Pending, System, explore};

#[derive(Debug, Clone, PartialEq)]
struct Obj {
    name: String,
    val: u32,
}

fn obj(name: &str, val: u32) -> Arc<Obj> {
    Arc::new(Obj { name: name.into(), val })
}

#[derive(Debug, Clone)]
enum Op {
    Add(&'static str, u32),
    Update(&'static str, u32),
    Delete(&'static str),
    Replace(Vec<(&'static str, u32)>),
    Resync,
    Pop,
}

/// The consumer's store, which is also the queue's known objects.
#[derive(Default)]
struct Known(Mutex<BTreeMap<String, Arc<Obj>>>);

impl KeyListerGetter<Obj> for Known {
    fn list_keys(&self) -> Vec<String> {
        self.0.lock().unwrap().keys().cloned().collect()
    }
    fn get_by_key(&self, key: &str) -> Result<Option<Arc<Obj>>, CacheError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
}

impl Known {
    /// What an informer does with popped deltas.
    fn apply(&self, deltas: &Deltas<Obj>) {
        let mut m = self.0.lock().unwrap();
        for d in deltas.iter() {
            match (&d.delta_type, &d.object) {
                (DeltaType::Deleted, DeltaObject::Tombstone(t)) => {
                    m.remove(&t.key);
                }
                (DeltaType::Deleted, DeltaObject::Object(o)) => {
                    m.remove(&o.name);
                }
                (_, DeltaObject::Object(o)) => {
                    m.insert(o.name.clone(), o.clone());
                }
                (t, DeltaObject::Tombstone(_)) => panic!("a {t} delta with a tombstone"),
            }
        }
    }

    fn snapshot(&self) -> BTreeMap<String, u32> {
        self.0.lock().unwrap().iter().map(|(k, v)| (k.clone(), v.val)).collect()
    }
}

type PopResult = Result<Deltas<Obj>, CacheError>;

struct FifoSystem {
    fifo: Arc<DeltaFIFO<Obj>>,
    known: Arc<Known>,
    scripts: Vec<Vec<Op>>,
    /// What the producer last said exists.
    truth: BTreeMap<String, u32>,
    waiting: Vec<Option<Pending<PopResult>>>,
}

impl FifoSystem {
    fn new(scripts: &[Vec<Op>], emit_replaced: bool) -> Self {
        let known = Arc::new(Known::default());
        let opts = DeltaFifoOptions::new(|o: &Obj| Ok(o.name.clone()))
            .known_objects(known.clone())
            .emit_delta_type_replaced(emit_replaced);
        FifoSystem {
            fifo: Arc::new(DeltaFIFO::with_options(opts)),
            known,
            scripts: scripts.to_vec(),
            truth: BTreeMap::new(),
            waiting: (0..scripts.len()).map(|_| None).collect(),
        }
    }

    fn start_pop(&self) -> Result<PopResult, Pending<PopResult>> {
        let (fifo, known) = (self.fifo.clone(), self.known.clone());
        Pending::start(async move {
            fifo.pop(|deltas, _| {
                known.apply(deltas);
                Ok(())
            })
            .await
        })
    }

    fn pop(&mut self, actor: usize) -> Outcome {
        let got = match self.waiting[actor].take() {
            Some(mut p) => match p.poll() {
                Some(v) => Ok(v),
                None => Err(p),
            },
            None => self.start_pop(),
        };
        match got {
            Ok(result) => {
                let deltas = result.expect("pop");
                assert!(!deltas.is_empty(), "popped no deltas");
                Outcome::Done
            }
            Err(p) => {
                assert!(
                    self.fifo.is_empty(),
                    "the consumer waits on a queue of {:?}",
                    self.fifo.list_keys()
                );
                self.waiting[actor] = Some(p);
                Outcome::Blocked
            }
        }
    }
}

impl System for FifoSystem {
    fn script_lengths(&self) -> Vec<usize> {
        self.scripts.iter().map(Vec::len).collect()
    }

    fn step(&mut self, actor: usize, step: usize) -> Outcome {
        let op = self.scripts[actor][step].clone();
        match op {
            Op::Add(k, v) => {
                self.fifo.add(obj(k, v)).unwrap();
                self.truth.insert(k.into(), v);
            }
            Op::Update(k, v) => {
                self.fifo.update(obj(k, v)).unwrap();
                self.truth.insert(k.into(), v);
            }
            Op::Delete(k) => {
                let last = self.truth.remove(k).unwrap_or(0);
                self.fifo.delete(obj(k, last)).unwrap();
            }
            Op::Replace(list) => {
                self.fifo.replace(list.iter().map(|(k, v)| obj(k, *v)).collect(), "").unwrap();
                self.truth = list.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            }
            Op::Resync => self.fifo.resync().unwrap(),
            Op::Pop => return self.pop(actor),
        }
        Outcome::Done
    }

    fn woken(&self, actor: usize) -> bool {
        self.waiting[actor].as_ref().is_some_and(Pending::woken)
    }
}

fn check_all(scripts: &[Vec<Op>], emit_replaced: bool) -> usize {
    explore(&|| FifoSystem::new(scripts, emit_replaced), &mut |s, schedule, stuck| {
        if !stuck.is_empty() {
            assert!(
                s.fifo.is_empty(),
                "schedule {schedule:?}: consumer stuck with {:?} queued",
                s.fifo.list_keys()
            );
        }
        while !s.fifo.is_empty() {
            let popped = s.start_pop();
            assert!(popped.is_ok_and(|r| r.is_ok()), "schedule {schedule:?}: drain");
        }
        assert_eq!(s.known.snapshot(), s.truth, "schedule {schedule:?}: consumer store");
        if scripts.iter().flatten().any(|o| matches!(o, Op::Replace(_))) {
            assert!(s.fifo.has_synced(), "schedule {schedule:?}: not synced after draining");
        }
    })
}

#[test]
fn every_interleaving_of_relists_watch_events_and_pops() {
    use Op::*;
    for emit_replaced in [false, true] {
        let n = check_all(
            &[
                vec![
                    Replace(vec![("a", 1), ("b", 1)]),
                    Update("a", 2),
                    Delete("b"),
                    Replace(vec![("a", 3), ("c", 1)]),
                    Add("d", 1),
                ],
                vec![Pop, Pop, Pop],
            ],
            emit_replaced,
        );
        assert!(n > 20, "only {n} schedules");
    }
}

#[test]
fn every_interleaving_of_a_relist_that_misses_a_delete() {
    use Op::*;
    let n = check_all(
        &[
            vec![Add("a", 1), Add("b", 1), Update("b", 2), Replace(vec![("a", 1)]), Update("a", 2)],
            vec![Pop, Pop, Pop],
            vec![Resync, Resync],
        ],
        false,
    );
    assert!(n > 100, "only {n} schedules");
}

#[test]
fn every_interleaving_of_two_consumers_and_deletes() {
    use Op::*;
    let n = check_all(
        &[
            vec![Add("a", 1), Delete("a"), Add("a", 2), Add("b", 1), Delete("b")],
            vec![Pop, Pop],
            vec![Pop, Resync],
        ],
        false,
    );
    assert!(n > 100, "only {n} schedules");
}
