//! Tests mirroring client-go's delta_fifo_test.go.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::*;

#[derive(Debug, Clone, PartialEq)]
struct FifoObj {
    name: String,
    val: i64,
}

fn obj(name: &str, val: i64) -> Arc<FifoObj> {
    Arc::new(FifoObj { name: name.into(), val })
}

fn fifo_key(o: &FifoObj) -> Result<String, CacheError> {
    Ok(o.name.clone())
}

/// Upstream's `literalListerGetter`: a fixed set of known objects.
struct Literal(Vec<Arc<FifoObj>>);

impl KeyListerGetter<FifoObj> for Literal {
    fn list_keys(&self) -> Vec<String> {
        self.0.iter().map(|o| o.name.clone()).collect()
    }
    fn get_by_key(&self, key: &str) -> Result<Option<Arc<FifoObj>>, CacheError> {
        Ok(self.0.iter().find(|o| o.name == key).cloned())
    }
}

fn fifo(known: Option<Vec<Arc<FifoObj>>>, emit_replaced: bool) -> DeltaFIFO<FifoObj> {
    let mut opts = DeltaFifoOptions::new(fifo_key).emit_delta_type_replaced(emit_replaced);
    if let Some(known) = known {
        opts = opts.known_objects(Arc::new(Literal(known)));
    }
    DeltaFIFO::with_options(opts)
}

fn plain() -> DeltaFIFO<FifoObj> {
    fifo(None, false)
}

fn d(t: DeltaType, o: Arc<FifoObj>) -> Delta<FifoObj> {
    Delta::new(t, o)
}

fn tomb(key: &str, o: Option<Arc<FifoObj>>) -> Delta<FifoObj> {
    Delta::new(DeltaType::Deleted, DeletedFinalStateUnknown { key: key.into(), obj: o })
}

async fn pop(f: &DeltaFIFO<FifoObj>) -> Deltas<FifoObj> {
    tokio::time::timeout(Duration::from_secs(5), f.pop(|_, _| Ok(())))
        .await
        .expect("pop timed out")
        .expect("pop failed")
}

async fn pop_val(f: &DeltaFIFO<FifoObj>) -> i64 {
    let deltas = pop(f).await;
    deltas.newest().and_then(|d| d.object.object()).expect("object").val
}

async fn check_pops(f: &DeltaFIFO<FifoObj>, expected: Vec<Vec<Delta<FifoObj>>>) {
    for (i, want) in expected.into_iter().enumerate() {
        assert_eq!(pop(f).await, Deltas::from(want), "pop #{i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delta_fifo_basic() {
    let f = Arc::new(plain());
    const AMOUNT: i64 = 500;
    let producers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|prefix| {
            let f = Arc::clone(&f);
            tokio::spawn(async move {
                for i in 0..AMOUNT {
                    f.add(obj(&format!("{prefix}{i}"), i + 1)).unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let (mut last_a, mut last_b) = (0, 0);
    for _ in 0..AMOUNT * 2 {
        let deltas = pop(&f).await;
        let o = deltas.newest().and_then(|d| d.object.object()).unwrap().clone();
        let last = if o.name.starts_with('a') { &mut last_a } else { &mut last_b };
        assert!(o.val > *last, "{} out of order, last was {}", o.val, last);
        *last = o.val;
    }
    for p in producers {
        p.await.unwrap();
    }
    assert_eq!((last_a, last_b), (AMOUNT, AMOUNT));
}

#[tokio::test]
async fn test_delta_fifo_requeue_on_pop() {
    let f = plain();
    f.add(obj("foo", 10)).unwrap();
    let got = f
        .pop(|deltas, _| {
            assert_eq!(deltas[0].object.object().unwrap().name, "foo");
            Err(ProcessError::Requeue(None))
        })
        .await;
    assert!(got.is_ok());
    assert!(f.get_by_key("foo").is_some(), "object should have been requeued");

    let err =
        f.pop(|_, _| Err(ProcessError::Requeue(Some("test error".into())))).await.unwrap_err();
    assert_eq!(err.to_string(), "test error");
    assert!(f.get_by_key("foo").is_some(), "object should have been requeued");

    f.pop(|_, _| Ok(())).await.unwrap();
    assert!(f.get_by_key("foo").is_none(), "object should have been removed");

    // A plain failure drops the deltas.
    f.add(obj("bar", 1)).unwrap();
    let err = f.pop(|_, _| Err(ProcessError::Failed("boom".into()))).await.unwrap_err();
    assert_eq!(err.to_string(), "boom");
    assert!(f.is_empty());
}

#[test]
fn test_process_error_messages() {
    assert_eq!(
        ProcessError::Requeue(None).to_string(),
        "the popped item should be requeued without returning an error"
    );
    assert_eq!(ProcessError::Requeue(Some("x".into())).to_string(), "x");
    assert_eq!(ProcessError::Failed("y".into()).to_string(), "y");
}

#[tokio::test]
async fn test_delta_fifo_replace_with_delete_delta_in() {
    let old = obj("foo", 1);
    let new = obj("foo", 2);
    let f = fifo(Some(vec![old.clone()]), false);
    f.delete(old.clone()).unwrap();
    f.replace(vec![new.clone()], "").unwrap();
    check_pops(&f, vec![vec![d(DeltaType::Deleted, old), d(DeltaType::Sync, new)]]).await;
}

type Ops = fn(&DeltaFIFO<FifoObj>);

#[tokio::test]
async fn test_delta_fifo_replace_makes_deletions_for_objects_only_in_queue() {
    use DeltaType::*;
    let o = || obj("foo", 2);
    let o2 = || obj("foo", 3);
    let table: Vec<(&str, bool, Ops, Vec<Delta<FifoObj>>)> = vec![
        (
            "Added object should be deleted on Replace",
            false,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.replace(vec![], "0").unwrap();
            },
            vec![d(Added, o()), tomb("foo", Some(o()))],
        ),
        (
            "Replaced object should have only a single Delete",
            true,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.replace(vec![obj("foo", 2)], "0").unwrap();
                f.replace(vec![], "0").unwrap();
            },
            vec![d(Added, o()), d(Replaced, o()), tomb("foo", Some(o()))],
        ),
        (
            "Deleted object should have only a single Delete",
            false,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.delete(obj("foo", 2)).unwrap();
                f.replace(vec![], "0").unwrap();
            },
            vec![d(Added, o()), d(Deleted, o())],
        ),
        (
            "Synced objects should have a single delete",
            false,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.replace(vec![obj("foo", 2)], "0").unwrap();
                f.replace(vec![obj("foo", 2)], "0").unwrap();
                f.replace(vec![], "0").unwrap();
            },
            vec![d(Added, o()), d(Sync, o()), d(Sync, o()), tomb("foo", Some(o()))],
        ),
        (
            "Added objects should have a single delete on multiple Replaces",
            false,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.replace(vec![], "0").unwrap();
                f.replace(vec![], "1").unwrap();
            },
            vec![d(Added, o()), tomb("foo", Some(o()))],
        ),
        (
            "Added and deleted and added object should be deleted",
            false,
            |f| {
                f.add(obj("foo", 2)).unwrap();
                f.delete(obj("foo", 2)).unwrap();
                f.add(obj("foo", 3)).unwrap();
                f.replace(vec![], "0").unwrap();
            },
            vec![d(Added, o()), d(Deleted, o()), d(Added, o2()), tomb("foo", Some(o2()))],
        ),
    ];
    for (name, emit, ops, expected) in table {
        for known in [Some(vec![]), None] {
            let with_known = known.is_some();
            let f = fifo(known, emit);
            ops(&f);
            assert_eq!(
                pop(&f).await,
                Deltas::from(expected.clone()),
                "{name} (known objects: {with_known})"
            );
            assert!(f.is_empty(), "{name}: extra deltas {:?}", f.list_keys());
        }
    }
}

#[tokio::test]
async fn test_delta_fifo_add_update() {
    let f = plain();
    f.add(obj("foo", 10)).unwrap();
    f.update(obj("foo", 12)).unwrap();
    f.delete(obj("foo", 15)).unwrap();
    assert_eq!(f.list(), vec![DeltaObject::Object(obj("foo", 15))]);
    assert_eq!(f.list_keys(), vec!["foo"]);
    let deltas = f.get_by_key("foo").unwrap();
    assert_eq!(
        deltas.iter().map(|d| d.delta_type).collect::<Vec<_>>(),
        vec![DeltaType::Added, DeltaType::Updated, DeltaType::Deleted]
    );

    assert_eq!(pop_val(&f).await, 15);
    let second = tokio::time::timeout(Duration::from_millis(50), f.pop(|_, _| Ok(()))).await;
    assert!(second.is_err(), "got a second value: {second:?}");
    assert!(f.get_by_key("foo").is_none(), "item did not get removed");
    f.close();
}

#[tokio::test]
async fn test_delta_fifo_enqueueing_no_lister() {
    let f = plain();
    f.add(obj("foo", 10)).unwrap();
    f.update(obj("bar", 15)).unwrap();
    f.add(obj("qux", 17)).unwrap();
    f.delete(obj("qux", 18)).unwrap();
    // Without a lister, deleting an object the queue does not hold is a no-op.
    f.delete(obj("baz", 20)).unwrap();
    for expect in [10, 15, 18] {
        assert_eq!(pop_val(&f).await, expect);
    }
    assert!(f.is_empty(), "{:?}", f.list_keys());
}

#[tokio::test]
async fn test_delta_fifo_enqueueing_with_lister() {
    let f = fifo(Some(vec![obj("foo", 5), obj("bar", 6), obj("baz", 7)]), false);
    f.add(obj("foo", 10)).unwrap();
    f.update(obj("bar", 15)).unwrap();
    // The lister knows baz, so its deletion is queued.
    f.delete(obj("baz", 20)).unwrap();
    for expect in [10, 15, 20] {
        assert_eq!(pop_val(&f).await, expect);
    }
    assert!(f.is_empty());
}

#[tokio::test]
async fn test_delta_fifo_delete_unknown_with_lister_is_dropped() {
    let f = fifo(Some(vec![obj("foo", 5)]), false);
    f.delete(obj("nope", 1)).unwrap();
    assert!(f.is_empty());
    // ...but it still counts as populating the queue.
    assert!(f.has_synced());
}

#[tokio::test]
async fn test_delta_fifo_add_replace() {
    let f = plain();
    f.add(obj("foo", 10)).unwrap();
    f.replace(vec![obj("foo", 15)], "0").unwrap();
    assert_eq!(pop_val(&f).await, 15);
    let second = tokio::time::timeout(Duration::from_millis(50), f.pop(|_, _| Ok(()))).await;
    assert!(second.is_err(), "got a second value: {second:?}");
    assert!(f.get_by_key("foo").is_none(), "item did not get removed");
    f.close();
}

#[test]
fn test_delta_fifo_resync_non_existing() {
    let f = fifo(Some(vec![obj("foo", 5)]), false);
    f.delete(obj("foo", 10)).unwrap();
    f.resync().unwrap();
    let deltas = f.get_by_key("foo").unwrap();
    assert_eq!(deltas.len(), 1, "{deltas:?}");
    assert_eq!(deltas[0].delta_type, DeltaType::Deleted);
}

#[test]
fn test_delta_fifo_resync() {
    let f = fifo(Some(vec![obj("foo", 5)]), false);
    f.resync().unwrap();
    let deltas = f.get_by_key("foo").unwrap();
    assert_eq!(deltas.len(), 1, "{deltas:?}");
    assert_eq!(deltas[0].delta_type, DeltaType::Sync);
    // A second resync adds nothing while the Sync is still queued.
    f.resync().unwrap();
    assert_eq!(f.get_by_key("foo").unwrap().len(), 1);
    // Without known objects there is nothing to resync.
    let f = plain();
    f.resync().unwrap();
    assert!(f.is_empty());
}

#[test]
fn test_delta_fifo_delete_existing_non_propagated() {
    let f = fifo(Some(vec![]), false);
    f.add(obj("foo", 5)).unwrap();
    f.delete(obj("foo", 6)).unwrap();
    let deltas = f.get_by_key("foo").unwrap();
    assert_eq!(deltas.len(), 2, "{deltas:?}");
    assert_eq!(deltas.newest().unwrap().delta_type, DeltaType::Deleted);
}

#[tokio::test]
async fn test_delta_fifo_replace_makes_deletions() {
    use DeltaType::*;
    let known = || Some(vec![obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    type Case = (&'static str, Option<Vec<Arc<FifoObj>>>, Ops, Vec<Vec<Delta<FifoObj>>>);
    let cases: Vec<Case> = vec![
        (
            "deleted and missing",
            known(),
            |f| {
                f.delete(obj("baz", 10)).unwrap();
                f.replace(vec![obj("foo", 5)], "0").unwrap();
            },
            vec![
                vec![d(Deleted, obj("baz", 10))],
                vec![d(Sync, obj("foo", 5))],
                vec![tomb("bar", Some(obj("bar", 6)))],
            ],
        ),
        (
            "added then missing",
            known(),
            |f| {
                f.add(obj("baz", 10)).unwrap();
                f.replace(vec![obj("foo", 5)], "0").unwrap();
            },
            vec![
                vec![d(Added, obj("baz", 10)), tomb("baz", Some(obj("baz", 10)))],
                vec![d(Sync, obj("foo", 5))],
                vec![tomb("bar", Some(obj("bar", 6)))],
            ],
        ),
        (
            "deleted, re-added, then missing",
            known(),
            |f| {
                f.delete(obj("bar", 6)).unwrap();
                f.add(obj("bar", 100)).unwrap();
                f.replace(vec![obj("foo", 5)], "0").unwrap();
            },
            vec![
                vec![
                    d(Deleted, obj("bar", 6)),
                    d(Added, obj("bar", 100)),
                    tomb("bar", Some(obj("bar", 100))),
                ],
                vec![d(Sync, obj("foo", 5))],
                vec![tomb("baz", Some(obj("baz", 7)))],
            ],
        ),
        (
            "two replaces",
            known(),
            |f| {
                f.replace(vec![obj("bar", 100), obj("foo", 5)], "0").unwrap();
                f.replace(vec![obj("foo", 5)], "0").unwrap();
            },
            vec![
                vec![d(Sync, obj("bar", 100)), tomb("bar", Some(obj("bar", 100)))],
                vec![d(Sync, obj("foo", 5)), d(Sync, obj("foo", 5))],
                vec![tomb("baz", Some(obj("baz", 7)))],
            ],
        ),
        (
            "no known objects",
            None,
            |f| {
                f.add(obj("baz", 10)).unwrap();
                f.replace(vec![obj("foo", 5)], "0").unwrap();
            },
            vec![
                vec![d(Added, obj("baz", 10)), tomb("baz", Some(obj("baz", 10)))],
                vec![d(Sync, obj("foo", 5))],
            ],
        ),
    ];
    for (name, known, ops, expected) in cases {
        let f = fifo(known, false);
        ops(&f);
        for (i, want) in expected.into_iter().enumerate() {
            assert_eq!(pop(&f).await, Deltas::from(want), "{name}: pop #{i}");
        }
        assert!(f.is_empty(), "{name}: {:?}", f.list_keys());
    }
}

#[tokio::test]
async fn test_delta_fifo_replace_makes_deletions_replaced() {
    use DeltaType::*;
    let f = fifo(Some(vec![obj("foo", 5), obj("bar", 6), obj("baz", 7)]), true);
    f.delete(obj("baz", 10)).unwrap();
    f.replace(vec![obj("foo", 6)], "0").unwrap();
    check_pops(
        &f,
        vec![
            vec![d(Deleted, obj("baz", 10))],
            vec![d(Replaced, obj("foo", 6))],
            vec![tomb("bar", Some(obj("bar", 6)))],
        ],
    )
    .await;
}

#[tokio::test]
async fn test_delta_fifo_replace_delta_type() {
    let f = fifo(Some(vec![obj("foo", 5)]), true);
    f.replace(vec![obj("foo", 5)], "0").unwrap();
    check_pops(&f, vec![vec![d(DeltaType::Replaced, obj("foo", 5))]]).await;
}

#[tokio::test]
async fn test_delta_fifo_update_resync_race() {
    let f = fifo(Some(vec![obj("foo", 5)]), false);
    f.update(obj("foo", 6)).unwrap();
    f.resync().unwrap();
    check_pops(&f, vec![vec![d(DeltaType::Updated, obj("foo", 6))]]).await;
}

#[tokio::test]
async fn test_delta_fifo_has_synced_correct_on_deletion() {
    let f = fifo(Some(vec![obj("foo", 5), obj("bar", 6), obj("baz", 7)]), false);
    f.replace(vec![obj("foo", 5)], "0").unwrap();
    let expected = vec![
        vec![d(DeltaType::Sync, obj("foo", 5))],
        vec![tomb("bar", Some(obj("bar", 6)))],
        vec![tomb("baz", Some(obj("baz", 7)))],
    ];
    for want in expected {
        assert!(!f.has_synced(), "expected HasSynced to be false");
        let mut initial = false;
        let got = f
            .pop(|_, is_initial| {
                initial = is_initial;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(got, Deltas::from(want));
        assert!(initial, "expected initial list item");
    }
    assert!(f.has_synced(), "expected HasSynced to be true");
    // Later items are not part of the initial list.
    f.add(obj("new", 1)).unwrap();
    let mut initial = true;
    f.pop(|_, is_initial| {
        initial = is_initial;
        Ok(())
    })
    .await
    .unwrap();
    assert!(!initial);
}

#[tokio::test]
async fn test_delta_fifo_detect_line_jumpers() {
    let f = plain();
    f.add(obj("foo", 10)).unwrap();
    f.add(obj("bar", 1)).unwrap();
    f.add(obj("foo", 11)).unwrap();
    f.add(obj("foo", 13)).unwrap();
    f.add(obj("zab", 30)).unwrap();
    assert_eq!(pop_val(&f).await, 13);
    // foo must not jump back in line.
    f.add(obj("foo", 14)).unwrap();
    for expect in [1, 30, 14] {
        assert_eq!(pop_val(&f).await, expect);
    }
}

#[test]
fn test_delta_fifo_key_of() {
    let f = plain();
    let named = |n: &str| obj(n, 0);
    let cases: Vec<(DeltaObject<FifoObj>, &str)> = vec![
        (named("A").into(), "A"),
        (DeletedFinalStateUnknown { key: "B".into(), obj: None }.into(), "B"),
        (DeletedFinalStateUnknown { key: "B2".into(), obj: Some(named("other")) }.into(), "B2"),
    ];
    for (o, key) in cases {
        assert_eq!(f.key_of(&o).unwrap(), key);
    }
    let deltas: Vec<(Deltas<FifoObj>, &str)> = vec![
        (vec![d(DeltaType::Added, named("C"))].into(), "C"),
        (vec![tomb("D", None)].into(), "D"),
        (vec![d(DeltaType::Added, named("E")), d(DeltaType::Updated, named("F"))].into(), "F"),
    ];
    for (ds, key) in deltas {
        assert_eq!(f.key_of_deltas(&ds).unwrap(), key);
    }
    let err = f.key_of_deltas(&Deltas::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "couldn't create key for object: 0 length Deltas object; can't get key"
    );
}

enum Action {
    Add(Arc<FifoObj>),
    Replace(Vec<Arc<FifoObj>>),
    Pop,
}

#[tokio::test]
async fn test_delta_fifo_has_synced() {
    use Action::*;
    let cases: Vec<(Vec<Action>, bool)> = vec![
        (vec![], false),
        (vec![Add(obj("a", 1))], true),
        (vec![Replace(vec![])], true),
        (vec![Replace(vec![obj("a", 1), obj("b", 2)])], false),
        (vec![Replace(vec![obj("a", 1), obj("b", 2)]), Pop], false),
        (vec![Replace(vec![obj("a", 1), obj("b", 2)]), Pop, Pop], true),
        (vec![Replace(vec![obj("a", 1), obj("a", 2)]), Pop], true),
    ];
    for (i, (actions, expect)) in cases.into_iter().enumerate() {
        let f = plain();
        for action in actions {
            match action {
                Add(o) => f.add(o).unwrap(),
                Replace(list) => f.replace(list, "0").unwrap(),
                Pop => {
                    pop(&f).await;
                }
            }
        }
        assert_eq!(f.has_synced(), expect, "case {i}");
    }
}

#[tokio::test]
async fn test_delta_fifo_wait_for_sync() {
    let f = Arc::new(plain());
    f.replace(vec![obj("a", 1)], "0").unwrap();
    let waiter = {
        let f = Arc::clone(&f);
        tokio::spawn(async move { f.wait_for_sync().await })
    };
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished());
    pop(&f).await;
    tokio::time::timeout(Duration::from_secs(5), waiter).await.unwrap().unwrap();
    // Already synced: returns at once.
    f.wait_for_sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delta_fifo_pop_should_unblock_when_closed() {
    let f = Arc::new(fifo(Some(vec![obj("foo", 5)]), false));
    const JOBS: usize = 10;
    let poppers: Vec<_> = (0..JOBS)
        .map(|_| {
            let f = Arc::clone(&f);
            tokio::spawn(async move { f.pop(|_, _| Ok(())).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    f.close();
    assert!(f.is_closed());
    for p in poppers {
        let got = tokio::time::timeout(Duration::from_millis(500), p)
            .await
            .expect("timed out waiting for pop to return after close")
            .unwrap();
        assert_eq!(got.unwrap_err().to_string(), "DeltaFIFO: manipulating with closed queue");
    }
}

#[tokio::test]
async fn test_delta_fifo_closed_queue_drains_first() {
    let f = plain();
    f.add(obj("a", 1)).unwrap();
    f.close();
    assert_eq!(pop_val(&f).await, 1);
    assert!(matches!(f.pop(|_, _| Ok(())).await, Err(CacheError::FifoClosed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delta_fifo_pop_waits_for_add() {
    let f = Arc::new(plain());
    let popper = {
        let f = Arc::clone(&f);
        tokio::spawn(async move { pop_val(&f).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    f.add(obj("late", 7)).unwrap();
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), popper).await.unwrap().unwrap(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delta_fifo_no_concurrent_processing_of_a_key() {
    // Many consumers, one hot key: processing of that key never overlaps.
    let f = Arc::new(plain());
    let busy = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let (f, busy) = (Arc::clone(&f), Arc::clone(&busy));
            tokio::spawn(async move {
                let mut n = 0;
                while f
                    .pop(|_, _| {
                        assert!(!busy.swap(true, std::sync::atomic::Ordering::SeqCst));
                        std::thread::sleep(Duration::from_micros(50));
                        busy.store(false, std::sync::atomic::Ordering::SeqCst);
                        Ok(())
                    })
                    .await
                    .is_ok()
                {
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..200 {
        f.update(obj("hot", i)).unwrap();
        if i % 20 == 0 {
            tokio::task::yield_now().await;
        }
    }
    while !f.is_empty() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    f.close();
    let mut total = 0;
    for c in consumers {
        total += c.await.unwrap();
    }
    assert!((1..=200).contains(&total), "{total}");
}

#[test]
fn test_dedup_deltas() {
    use DeltaType::*;
    type Case = (Vec<Delta<FifoObj>>, Vec<Delta<FifoObj>>);
    let cases: Vec<Case> = vec![
        // Two real deletions: the older one stays.
        (vec![d(Deleted, obj("a", 1)), d(Deleted, obj("a", 2))], vec![d(Deleted, obj("a", 1))]),
        // A tombstone followed by a real deletion: the real one wins.
        (vec![tomb("a", None), d(Deleted, obj("a", 2))], vec![d(Deleted, obj("a", 2))]),
        // A real deletion followed by a tombstone: the real one stays.
        (vec![d(Deleted, obj("a", 1)), tomb("a", None)], vec![d(Deleted, obj("a", 1))]),
        // Two tombstones: the newer one.
        (vec![tomb("a", Some(obj("a", 1))), tomb("a", None)], vec![tomb("a", None)]),
        // Only consecutive deletions collapse.
        (
            vec![d(Added, obj("a", 1)), d(Updated, obj("a", 2)), d(Updated, obj("a", 2))],
            vec![d(Added, obj("a", 1)), d(Updated, obj("a", 2)), d(Updated, obj("a", 2))],
        ),
    ];
    for (i, (input, expect)) in cases.into_iter().enumerate() {
        let f = fifo(Some(vec![obj("a", 0)]), false);
        for delta in input {
            match delta.delta_type {
                Added => f.add(delta.object.object().unwrap().clone()).unwrap(),
                Updated => f.update(delta.object.object().unwrap().clone()).unwrap(),
                _ => f.delete(delta.object).unwrap(),
            }
        }
        assert_eq!(f.get_by_key("a").unwrap(), Deltas::from(expect), "case {i}");
    }
}

#[test]
fn test_delta_type_names() {
    use DeltaType::*;
    let names: Vec<String> =
        [Added, Updated, Deleted, Replaced, Sync].iter().map(|t| t.to_string()).collect();
    assert_eq!(names, ["Added", "Updated", "Deleted", "Replaced", "Sync"]);
}

#[tokio::test]
async fn test_delta_fifo_as_reflector_store_with_indexer() {
    // The informer wiring: reflector -> DeltaFIFO -> indexer, with the indexer as known objects.
    let indexer = Arc::new(Indexer::new(fifo_key, Indexers::new()));
    let f = DeltaFIFO::new(fifo_key, Some(indexer.clone() as Arc<dyn KeyListerGetter<FifoObj>>));
    let rs: &dyn ReflectorStore<FifoObj> = &f;
    rs.replace(vec![obj("a", 1), obj("b", 2)], "10").unwrap();
    for _ in 0..2 {
        f.pop(|deltas, _| {
            for delta in deltas.iter() {
                match &delta.object {
                    DeltaObject::Object(o) if delta.delta_type != DeltaType::Deleted => {
                        indexer.update(o.clone()).map_err(|e| ProcessError::Failed(e.into()))?
                    }
                    other => {
                        indexer.delete(other.clone()).map_err(|e| ProcessError::Failed(e.into()))?
                    }
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    }
    assert!(f.has_synced());
    assert_eq!(indexer.len(), 2);
    // A re-list without "a" produces a tombstone carrying the indexer's copy.
    rs.replace(vec![obj("b", 3)], "11").unwrap();
    check_pops(&f, vec![vec![d(DeltaType::Sync, obj("b", 3))], vec![tomb("a", Some(obj("a", 1)))]])
        .await;
    rs.resync().unwrap();
    let mut keys = f.list_keys();
    keys.sort();
    assert_eq!(keys, vec!["a", "b"]);
}

#[tokio::test]
async fn test_delta_fifo_transformer() {
    // `val` counts transformations: every queued object must have been transformed once.
    let f =
        DeltaFIFO::with_options(DeltaFifoOptions::new(fifo_key).transformer(|o: Arc<FifoObj>| {
            if o.val % 100 != 0 {
                return Err(
                    format!("object has been transformed wrong number of times: {o:?}").into()
                );
            }
            Ok(Arc::new(FifoObj { name: o.name.clone(), val: o.val + 1 }))
        }));
    f.add(obj("foo", 1000)).unwrap();
    f.add(obj("bar", 1100)).unwrap();
    f.update(obj("foo", 1200)).unwrap();
    f.delete(obj("foo", 1500)).unwrap();
    f.replace(vec![], "").unwrap();
    f.add(obj("bar", 1600)).unwrap();
    f.replace(vec![], "").unwrap();
    assert_eq!(f.list_keys(), vec!["foo", "bar"]);

    let foo = pop(&f).await;
    assert_eq!(foo.newest().unwrap().object, DeltaObject::Object(obj("foo", 1501)));
    let bar = pop(&f).await;
    assert_eq!(bar.newest().unwrap().clone(), tomb("bar", Some(obj("bar", 1601))));

    // Transformer failures surface unwrapped from add and wrapped from replace.
    let err = f.add(obj("x", 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "object has been transformed wrong number of times: FifoObj { name: \"x\", val: 1 }"
    );
    let err = f.replace(vec![obj("y", 2)], "").unwrap_err();
    assert!(err.to_string().starts_with("couldn't enqueue object: object has been"), "{err}");
}

#[test]
fn test_delta_fifo_transformer_skips_resync() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let f = DeltaFIFO::with_options(
        DeltaFifoOptions::new(fifo_key)
            .known_objects(Arc::new(Literal(vec![obj("foo", 5)])))
            .transformer(move |o| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(o)
            }),
    );
    f.resync().unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    // Re-listed objects are transformed even though they are recorded as Sync.
    f.replace(vec![obj("bar", 1)], "1").unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(f.get_by_key("bar").unwrap()[0].delta_type, DeltaType::Sync);
}

#[test]
fn test_delta_fifo_futures_are_send() {
    fn assert_send<X: Send>(_: &X) {}
    fn assert_send_sync<X: Send + Sync>() {}
    let f = plain();
    let fut = f.pop(|_, _| Ok(()));
    assert_send(&fut);
    assert_send(&f.wait_for_sync());
    assert_send_sync::<DeltaFIFO<FifoObj>>();
    assert_send_sync::<Indexer<FifoObj>>();
}
