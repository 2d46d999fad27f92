//! Per-thread memos of pure functions: the stages of one plan, the steps
//! of a search and the probes of a ceiling ask the same questions again.
//! Remembering the answer of a pure function changes no answer; a memo
//! starts afresh when full, so it never grows past its capacity.

use std::cell::RefCell;
use std::convert::Infallible;
use std::thread::LocalKey;

/// Answers already computed on this thread, by exact key, oldest first.
pub type Memo<K, V> = RefCell<Vec<(K, V)>>;

/// `compute()` for `key`, remembered in `memo` (at most `capacity`
/// answers); an error is returned and not remembered. Looks newest first:
/// a search asks again for what it just tried.
pub fn try_remembered<K: PartialEq + Clone, V: Clone, E>(
    memo: &'static LocalKey<Memo<K, V>>,
    capacity: usize,
    key: &K,
    compute: impl FnOnce() -> Result<V, E>,
) -> Result<V, E> {
    let known = memo.with(|m| m.borrow().iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
    if let Some(value) = known {
        return Ok(value);
    }
    let value = compute()?;
    memo.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= capacity {
            m.clear();
        }
        m.push((key.clone(), value.clone()));
    });
    Ok(value)
}

/// [`try_remembered`] for a computation that cannot fail.
pub fn remembered<K: PartialEq + Clone, V: Clone>(
    memo: &'static LocalKey<Memo<K, V>>,
    capacity: usize,
    key: &K,
    compute: impl FnOnce() -> V,
) -> V {
    match try_remembered(memo, capacity, key, || Ok::<_, Infallible>(compute())) {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SQUARES: Memo<u64, u64> = const { RefCell::new(Vec::new()) };
    }

    /// A remembered answer is not computed again; a full memo starts
    /// afresh, and the answers stay right.
    #[test]
    fn answers_are_computed_once_until_the_memo_is_full() {
        let calls = std::cell::Cell::new(0);
        let square = |n: u64| {
            remembered(&SQUARES, 3, &n, || {
                calls.set(calls.get() + 1);
                n * n
            })
        };
        assert_eq!((square(2), square(3), square(2)), (4, 9, 4));
        assert_eq!(calls.get(), 2);
        assert_eq!((square(4), square(5), square(2)), (16, 25, 4));
        // 5 found the memo full (2, 3, 4) and started it afresh: 2 again.
        assert_eq!(calls.get(), 5);
        assert_eq!(SQUARES.with(|m| m.borrow().len()), 2);
    }

    #[test]
    fn an_error_is_not_remembered() {
        thread_local! {
            static HALVES: Memo<u64, u64> = const { RefCell::new(Vec::new()) };
        }
        let half = |n: u64| try_remembered(&HALVES, 8, &n, || if n.is_multiple_of(2) { Ok(n / 2) } else { Err(n) });
        assert_eq!(half(3), Err(3));
        assert_eq!(half(4), Ok(2));
        assert_eq!(HALVES.with(|m| m.borrow().len()), 1);
    }
}
