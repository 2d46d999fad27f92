"""Reference values for src/replication.rs (read replicas).

Run:  python3 tests/reference/replication_reference.py            # closed form
      python3 tests/reference/replication_reference.py --simulate # ~1 min
Needs mpmath (1.3); --simulate needs numpy. The printed rows are pasted into
the unit tests at the bottom of src/replication.rs.

One replica of k cores carries reads at rate lr (mean service Sr) and the
apply stream at rate lw (mean service Sa = alpha*Sw); both Poisson, both
services exponential.

Part 1, closed form (mpmath, 50 digits), the model the Rust code documents,
computed independently of it:
  lam = lr + lw, a = lr*Sr + lw*Sa, Sbar = a/lam,
  s = (lr*Sr^2 + lw*Sa^2) / (lam*Sbar^2)          ((1 + cs^2)/2),
  C = Erlang C(k, a) from its definition
      C = [a^k/k! * k/(k-a)] / [sum_{j<k} a^j/j! + a^k/k! * k/(k-a)],
  theta = (k - a) / (Sbar*s)   so that P(Wq > t) = C exp(-theta t),
  mean read = C/theta + Sr,
  p99 read: the t with P(Wq + X > t) = 0.01, X ~ Exp(mean Sr),
      P(Wq + X > t) = (1-C) e^(-mu t) + C (theta e^(-mu t) - mu e^(-theta t))/(theta - mu),
  mu = 1/Sr, solved with mpmath.findroot (Anderson) on the bracket
  [Sr ln 100, Sr ln 200 + ln(200 C)/theta] (or its limit form when theta = mu).
Inputs are exact binary doubles (all are dyadic-friendly decimals the Rust
test writes literally; mpf(float) takes the double's exact value).

Part 2 (--simulate), the real queue the model approximates: a seeded FIFO
M/G/k simulation with the two exponential classes (numpy default_rng,
seed 20240611 + case index), 2,000,000 arrivals after 100,000 warm-up.
Arrivals are served in order by the earliest-free core (exact for FIFO
M/G/k). Reported: the mean and the 99th percentile of the read sojourn
(wait + service), with a 95 % half-width from 20 batch means.
"""
import heapq
import sys

import mpmath as mp

mp.mp.dps = 50

# (k, reads per replica per s, read time s, apply rate per s, apply time s)
CASES = [
    (4, 1000.0, 0.002, 100.0, 0.005),
    (1, 300.0, 0.001, 20.0, 0.02),
    (8, 2000.0, 0.003, 200.0, 0.004),
    (2, 0.0, 0.002, 100.0, 0.005),
    (16, 500.0, 0.01, 50.0, 0.02),
]


def erlang_c(k, a):
    term = mp.mpf(1)
    head = mp.mpf(0)
    for j in range(k):
        head += term
        term = term * a / (j + 1)
    top = term * k / (k - a)
    return top / (head + top)


def model(k, lr, sr, lw, sa):
    lr, sr, lw, sa = (mp.mpf(x) for x in (lr, sr, lw, sa))
    lam = lr + lw
    a = lr * sr + lw * sa
    sbar = a / lam
    s = (lr * sr**2 + lw * sa**2) / (lam * sbar**2)
    c = erlang_c(k, a)
    theta = (k - a) / (sbar * s)
    mu = 1 / sr
    mean = c / theta + sr

    def survival(t):
        if theta == mu:
            waited = (1 + mu * t) * mp.e ** (-mu * t)
        else:
            waited = (theta * mp.e ** (-mu * t) - mu * mp.e ** (-theta * t)) / (theta - mu)
        return (1 - c) * mp.e ** (-mu * t) + c * waited

    low = sr * mp.log(100)
    high = sr * mp.log(200) + max(0, mp.log(200 * c) / theta)
    p99 = mp.findroot(lambda t: survival(t) - mp.mpf("0.01"), (low, high), solver="anderson")
    assert abs(survival(p99) - mp.mpf("0.01")) < mp.mpf("1e-40")
    return mean, p99


def simulate(k, lr, sr, lw, sa, seed, arrivals=2_000_000, warm=100_000, batches=20):
    import numpy as np

    rng = np.random.default_rng(seed)
    lam = lr + lw
    gaps = rng.exponential(1 / lam, arrivals + warm)
    is_read = rng.random(arrivals + warm) < lr / lam
    service = np.where(is_read, rng.exponential(sr, arrivals + warm), rng.exponential(sa, arrivals + warm))
    free = [0.0] * k
    t = 0.0
    reads = []
    for i in range(arrivals + warm):
        t += gaps[i]
        earliest = heapq.heappop(free)
        start = earliest if earliest > t else t
        done = start + service[i]
        heapq.heappush(free, done)
        if i >= warm and is_read[i]:
            reads.append(done - t)
    reads = np.array(reads)
    chunks = np.array_split(reads, batches)
    means = np.array([c.mean() for c in chunks])
    p99s = np.array([np.quantile(c, 0.99) for c in chunks])
    half = lambda x: 2.093 * x.std(ddof=1) / np.sqrt(batches)  # t(0.975, 19)
    return reads.mean(), half(means), np.quantile(reads, 0.99), half(p99s)


def main():
    if "--simulate" in sys.argv:
        for i, case in enumerate(CASES):
            if case[1] == 0.0:
                continue
            mean, mean_hw, p99, p99_hw = simulate(*case, seed=20240611 + i)
            print(f"{case}: mean {mean:.6e} ± {mean_hw:.1e}, p99 {p99:.6e} ± {p99_hw:.1e}")
        return
    for case in CASES:
        mean, p99 = model(*case)
        print(f"{case}: mean {mp.nstr(mean, 17)}, p99 {mp.nstr(p99, 17)}")


if __name__ == "__main__":
    main()
