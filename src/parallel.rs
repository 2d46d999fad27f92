//! A parallel map over a slice: the ceilings (one search per stage) and
//! the sweep (one plan per user count) are independent pieces of work of
//! uneven size, run on rayon's work-stealing pool.
//!
//! Results never depend on the number of threads (`RAYON_NUM_THREADS=1`
//! or `2` give the same bytes): each item is computed alone, results are
//! put back in item order, and the error returned is chosen by position,
//! not by which thread got there first.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item, results in item order, on rayon's global
/// pool (idle threads steal work, so items of uneven cost balance
/// themselves).
///
/// `on_done(n)` is called after each item with the count done so far
/// (from any thread, not necessarily in increasing order). An error skips
/// the items after it not yet started; the one returned is that of the
/// first failing item in slice order, whatever the thread timing: an item
/// is skipped only when an earlier one has failed, so every item before
/// the first failing one runs.
///
/// Edges: an empty slice gives an empty vector; with one thread the items
/// run in order on the caller's thread.
pub fn try_map<T, R, E, F>(items: &[T], f: F, on_done: &(dyn Fn(usize) + Sync)) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync,
{
    // The lowest index that has failed so far (`usize::MAX`: none).
    let first_failed = AtomicUsize::new(usize::MAX);
    let done = AtomicUsize::new(0);
    let outcomes: Vec<Option<Result<R, E>>> = items
        .par_iter()
        .enumerate()
        .map(|(i, item)| {
            if first_failed.load(Ordering::Relaxed) < i {
                return None;
            }
            let outcome = f(item);
            if outcome.is_err() {
                first_failed.fetch_min(i, Ordering::Relaxed);
            }
            on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
            Some(outcome)
        })
        .collect();
    first_in_order(outcomes)
}

/// The results in order, or the first error in order. A skipped item
/// (`None`) only ever follows a failed one, so it is never reached.
fn first_in_order<R, E>(outcomes: Vec<Option<Result<R, E>>>) -> Result<Vec<R>, E> {
    outcomes.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_item_order_and_counts_every_item() {
        let items: Vec<u64> = (0..1000).collect();
        let calls = AtomicUsize::new(0);
        let squares = try_map(&items, |x| Ok::<u64, ()>(x * x), &|_| {
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(squares.len(), 1000);
        assert!(squares.iter().enumerate().all(|(i, s)| *s == (i * i) as u64));
        assert_eq!(calls.load(Ordering::Relaxed), 1000);
    }

    #[test]
    fn returns_an_error_and_no_results() {
        let items: Vec<u64> = (0..100).collect();
        let result = try_map(&items, |x| if *x == 37 { Err("37") } else { Ok(*x) }, &|_| {});
        assert_eq!(result, Err("37"));
    }

    #[test]
    fn the_error_returned_is_the_first_in_item_order() {
        // Every item from 10 on fails, the late ones fast and the early
        // ones slowly: the race is lost by item 10 on any timing.
        let items: Vec<u64> = (0..64).collect();
        for _ in 0..20 {
            let result = try_map(
                &items,
                |x| {
                    if *x < 10 {
                        return Ok(*x);
                    }
                    if *x < 14 {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    Err(*x)
                },
                &|_| {},
            );
            assert_eq!(result, Err(10));
        }
    }

    #[test]
    fn empty_input_gives_empty_output() {
        let items: Vec<u64> = Vec::new();
        let result = try_map(&items, |x| Ok::<u64, ()>(*x), &|_| {});
        assert_eq!(result, Ok(Vec::new()));
    }

    #[test]
    fn one_thread_and_two_give_the_same_results_and_error() {
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let items: Vec<u64> = (0..500).collect();
            pool.install(|| {
                let ok = try_map(&items, |x| Ok::<u64, u64>(x * 3 + 1), &|_| {});
                let err = try_map(&items, |x| if x % 97 == 96 { Err(*x) } else { Ok(*x) }, &|_| {});
                (ok, err)
            })
        };
        let one = on(1);
        assert_eq!(on(2), one);
        assert_eq!(one.1, Err(96));
        assert_eq!(one.0.map(|v| v[499]), Ok(1498));
    }
}
