"""Reference values for src/cache.rs: Che (LRU) and FIFO/RANDOM hit ratios
under Zipf popularity, with every one of the K terms summed, no bucketing.

Run: python3 tests/reference/cache_reference.py   (needs mpmath; ~2 min)

For each case p_i = i^-s / H(K, s), i = 1..K, at 30 significant digits.
LRU (Che):    solve  sum_i (1 - exp(-p_i T)) = C,  hit = sum_i p_i (1 - exp(-p_i T))
FIFO/RANDOM:  solve  sum_i p_i T / (1 + p_i T) = C, hit = sum_i p_i^2 T / (1 + p_i T)
T is first bracketed by float bisection on ln T, then polished with
mpmath.findroot (Newton with the exact derivative) at 30 digits.
Printed: policy, K, s, C, T (requests), hit ratio, each rounded to the
nearest double and shown in its shortest round-trip form (as pasted in
the Rust test).
"""
import math

import mpmath as mp

mp.mp.dps = 30

CASES = [
    ("lru", 10**4, 0.8, 100),
    ("lru", 10**4, 1.0, 1000),
    ("lru", 10**5, 0.5, 10000),
    ("lru", 10**5, 1.0, 1000),
    ("lru", 10**5, 1.2, 100),
    ("fifo", 10**4, 1.0, 1000),
    ("fifo", 10**5, 0.8, 1000),
]


def occupancy(policy, x):
    return -mp.expm1(-x) if policy == "lru" else x / (1 + x)


def slope(policy, x):
    """d occupancy / dx."""
    return mp.exp(-x) if policy == "lru" else 1 / (1 + x) ** 2


def float_guess(policy, p, c):
    """Float bisection on ln T: enough to start Newton next to the root."""
    pf = [float(q) for q in p]
    if policy == "lru":
        occ = lambda x: -math.expm1(-x)
    else:
        occ = lambda x: x / (1 + x)
    lo, hi = math.log(c), math.log(c) + 60.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        t = math.exp(mid)
        if sum(occ(q * t) for q in pf) < c:
            lo = mid
        else:
            hi = mid
    return math.exp(0.5 * (lo + hi))


def solve(policy, k, s, c):
    weights = [mp.mpf(i) ** (-s) for i in range(1, k + 1)]
    norm = mp.fsum(weights)
    p = [w / norm for w in weights]
    f = lambda t: mp.fsum(occupancy(policy, q * t) for q in p) - c
    df = lambda t: mp.fsum(q * slope(policy, q * t) for q in p)
    t = mp.findroot(f, mp.mpf(float_guess(policy, p, c)), solver="newton", df=df)
    hit = mp.fsum(q * occupancy(policy, q * t) for q in p)
    return t, hit


for policy, k, s, c in CASES:
    t, hit = solve(policy, k, s, c)
    print(policy, k, s, c, repr(float(t)), repr(float(hit)))
