//! The two searches every sizing question comes down to: the least whole
//! count meeting monotone constraints, and the root of a decreasing
//! function. Written once; servers, replicas and shards all use them.

/// How a least-count search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Least<V> {
    /// The least count that meets every constraint.
    Found(u64),
    /// The constraint still broken at the search's cap.
    Capped { at: u64, violation: V },
}

/// The least `n ≥ start` for which `violation(n)` is `None`.
///
/// `violation` must be monotone — once a count passes, every larger one
/// does — and `start − 1` is taken to fail (callers start at a necessary
/// lower bound). The search gallops `start, start+1, start+3, start+7, …`
/// (at most `cap`) to the first pass, then bisects between the last
/// failure and that pass: `O(log n)` evaluations, and it never loops:
/// at `cap` it returns the broken constraint instead.
///
/// ```
/// use scaleplan::search::{least_count, Least};
/// let first_square_above_50 = least_count(1, 1000, |n| Ok::<_, ()>((n * n <= 50).then_some("small")));
/// assert_eq!(first_square_above_50, Ok(Least::Found(8)));
/// ```
pub fn least_count<V, E>(
    start: u64,
    cap: u64,
    mut violation: impl FnMut(u64) -> Result<Option<V>, E>,
) -> Result<Least<V>, E> {
    let mut failing = start.saturating_sub(1);
    let mut candidate = start.min(cap);
    let mut step = 1u64;
    while let Some(broken) = violation(candidate)? {
        if candidate >= cap {
            return Ok(Least::Capped {
                at: candidate,
                violation: broken,
            });
        }
        failing = candidate;
        candidate = candidate.saturating_add(step).min(cap);
        step = step.saturating_mul(2);
    }
    let mut passing = candidate;
    while passing - failing > 1 {
        let mid = failing + (passing - failing) / 2;
        match violation(mid)? {
            None => passing = mid,
            Some(_) => failing = mid,
        }
    }
    Ok(Least::Found(passing))
}

/// Root of a decreasing function: the `x` in `[low, high]` with `f(x) = 0`,
/// where `f(low) ≥ 0`. `high` is doubled (at most 200 times) until
/// `f(high) ≤ 0`, then bisection runs to a relative width of 1e-13.
pub fn bisect_decreasing(f: impl Fn(f64) -> f64, mut low: f64, mut high: f64) -> f64 {
    for _ in 0..200 {
        if f(high) <= 0.0 {
            break;
        }
        high *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if f(mid) > 0.0 {
            low = mid;
        } else {
            high = mid;
        }
        if high - low <= 1e-13 * high {
            break;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_count_is_least_and_capped() {
        for target in [1u64, 2, 3, 17, 1000, 123_456] {
            let got = least_count(1, u64::MAX, |n| Ok::<_, ()>((n < target).then_some(n)));
            assert_eq!(got, Ok(Least::Found(target)));
        }
        let capped = least_count(5, 40, |n| Ok::<_, ()>(Some(n)));
        assert_eq!(capped, Ok(Least::Capped { at: 40, violation: 40 }));
        let errs = least_count(1, 10, |_| Err::<Option<()>, _>("boom"));
        assert_eq!(errs, Err("boom"));
    }

    #[test]
    fn bisection_finds_a_root_to_full_precision() {
        // e^{−x} = 0.01 at x = ln 100.
        let x = bisect_decreasing(|x| (-x).exp() - 0.01, 0.0, 1.0);
        assert!((x - 100f64.ln()).abs() < 1e-12);
    }
}
