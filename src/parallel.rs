//! A parallel map over a slice on scoped threads: the ceilings (one search
//! per stage) and the sweep (one plan per user count) are independent
//! pieces of work of uneven size.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

/// `f` applied to every item, results in item order, on up to
/// `available_parallelism` threads that take the next item as each
/// finishes (items of uneven cost balance themselves).
///
/// `on_done(n)` is called after each item with the count done so far
/// (from any thread, not necessarily in increasing order). An error stops
/// the items not yet started; the one returned is that of the first
/// failing item in slice order, whatever the thread timing: items are
/// taken in order, so every item before a failing one was started and
/// runs to its end.
///
/// Edges: an empty slice gives an empty vector without starting a thread;
/// one thread (or one item) runs on the caller's thread.
pub fn try_map<T, R, E, F>(items: &[T], f: F, on_done: &(dyn Fn(usize) + Sync)) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync,
{
    let threads = thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let r = f(item);
                on_done(i + 1);
                r
            })
            .collect();
    }
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    let chunks: Vec<Vec<(usize, R)>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        match f(item) {
                            Ok(r) => out.push((i, r)),
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                if let Ok(mut slot) = first_error.lock() {
                                    keep_earliest(&mut slot, i, e);
                                }
                                break;
                            }
                        }
                        on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
                    }
                    out
                })
            })
            .collect();
        // A worker that panicked re-raises its panic here.
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some((_, e)) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    for (i, r) in chunks.into_iter().flatten() {
        slots[i] = Some(r);
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Keeps the error of the lowest item index seen so far.
fn keep_earliest<E>(slot: &mut Option<(usize, E)>, index: usize, error: E) {
    if slot.as_ref().is_none_or(|(first, _)| index < *first) {
        *slot = Some((index, error));
    }
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
}
