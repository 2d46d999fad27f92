"""High-precision reference values for src/latency.rs (end-to-end latency).

Run:  python3 tests/reference/latency_reference.py
Needs mpmath (1.3). Takes about a minute. The printed values are pasted
into the test `mpmath_reference_multi_tier_path` in src/latency.rs.

The path (two classes, four tiers, one tier visited twice, a double pole):

  class A, P = 0.6, fixed 1.5 ms, visits (C, theta per s, S s):
      web   (0.35, 250, 0.004)    theta = mu = 250: wait and service share a pole
      app   (0.60,  90, 0.012)
      db    (0.80,  40, 0.006)
      db    (0.80,  40, 0.006)    the same tier again: double poles at 40 and 1/0.006
  class B, P = 0.4, fixed 3 ms, visits:
      web   (0.35, 250, 0.0025)
      cache (0.10, 2000, 0.0003)

A visit's Laplace-Stieltjes transform is ((1-C) + C theta/(theta+s)) mu/(mu+s)
with mu = 1/S; a class's is the product over its visits. Each class's
survival G(u) = P(sum of visits > u) is the inverse Laplace transform of
(1 - phi(s))/s, computed with mpmath.invertlaplace at 40 significant digits
by Talbot's method and, independently, by de Hoog's method; the two must
agree to 1e-20 relative plus 1e-30 absolute (asserted; the absolute part
only matters where a class's survival is below 1e-10, far past its
quantiles). The path survival is
P(T > t) = sum_i P_i G_i(t - fixed_i) (G_i = 1 for t < fixed_i). Quantiles
solve P(T > t) = 1 - q by bisection and then the Illinois method
(bracketing regula falsi) to a bracket of relative width 1e-22, started on
a bracket that is checked to change sign, and the root is confirmed by
a sign change of P(T > t) - (1 - q) across t (1 -/+ 1e-20); the mean is exact:
sum_i P_i (fixed_i + sum_v (C/theta + S)).

Self-check of the inversion first: one M/M/c visit (C = 0.5, theta = 30,
S = 0.05) inverted the same way must match the closed form
P(T > t) = (1-C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t})/(theta - mu)
to 1e-25 (asserted).

Values are printed with 17 significant digits.
"""
import mpmath as mp

mp.mp.dps = 40

CLASSES = [
    ("0.6", "0.0015", [("0.35", "250", "0.004"), ("0.60", "90", "0.012"),
                       ("0.80", "40", "0.006"), ("0.80", "40", "0.006")]),
    ("0.4", "0.003", [("0.35", "250", "0.0025"), ("0.10", "2000", "0.0003")]),
]
TIMES_S = ["0.01", "0.03", "0.06", "0.1", "0.2"]
QUANTILES = ["0.5", "0.9", "0.99", "0.999"]


def visit_lst(c, theta, service_s):
    mu = 1 / service_s
    return lambda s: ((1 - c) + c * theta / (theta + s)) * mu / (mu + s)


def class_survival(visits):
    lsts = [visit_lst(*(mp.mpf(x) for x in v)) for v in visits]

    def transform(s):
        phi = mp.mpf(1)
        for f in lsts:
            phi *= f(s)
        return (1 - phi) / s

    def survival(u, method="talbot"):
        if u <= 0:
            return mp.mpf(1)
        return mp.invertlaplace(transform, u, method=method)

    return survival


def checked_survival(survival, u):
    talbot = survival(u, "talbot")
    hoog = survival(u, "dehoog")
    assert abs(talbot - hoog) <= mp.mpf("1e-20") * abs(talbot) + mp.mpf("1e-30"), (u, talbot, hoog)
    return talbot


def self_check():
    c, theta, service_s = mp.mpf("0.5"), mp.mpf(30), mp.mpf("0.05")
    mu = 1 / service_s
    g = class_survival([("0.5", "30", "0.05")])
    for t in ["0.01", "0.1", "0.5"]:
        t = mp.mpf(t)
        closed = (1 - c) * mp.exp(-mu * t) + c * (theta * mp.exp(-mu * t) - mu * mp.exp(-theta * t)) / (theta - mu)
        assert abs(checked_survival(g, t) - closed) <= mp.mpf("1e-25") * closed


def illinois(f, lo, hi):
    """Root of a decreasing f on [lo, hi]: bisection to a bracket of
    relative width 1e-6, then the Illinois variant of regula falsi until
    the bracket is 1e-22 wide (relative) or |f| < 1e-32."""
    f_lo, f_hi = f(lo), f(hi)
    assert f_lo > 0 > f_hi
    while hi - lo > mp.mpf("1e-6") * hi:
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if f_mid > 0:
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    side = 0
    for _ in range(200):
        if hi - lo <= mp.mpf("1e-22") * hi:
            break
        t = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        f_t = f(t)
        if abs(f_t) < mp.mpf("1e-32"):
            return t
        if f_t > 0:
            lo, f_lo = t, f_t
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = t, f_t
            if side == 1:
                f_lo /= 2
            side = 1
    return (lo + hi) / 2


def main():
    self_check()
    parts = [(mp.mpf(p), mp.mpf(f), class_survival(v)) for p, f, v in CLASSES]

    def path_survival(t):
        return sum(p * checked_survival(g, t - f) for p, f, g in parts)

    mean = sum(
        mp.mpf(p) * (mp.mpf(f) + sum(mp.mpf(c) / mp.mpf(th) + mp.mpf(s) for c, th, s in v))
        for p, f, v in CLASSES
    )
    print(f"mean_s = {mp.nstr(mean, 17)}")
    for t in TIMES_S:
        print(f"survival({t}) = {mp.nstr(path_survival(mp.mpf(t)), 17)}")
    for q in QUANTILES:
        tail = 1 - mp.mpf(q)
        lo, hi = mp.mpf("0.002"), mp.mpf("0.5")
        assert path_survival(lo) > tail > path_survival(hi)
        root = illinois(lambda t: path_survival(t) - tail, lo, hi)
        eps = mp.mpf("1e-20")
        assert path_survival(root * (1 - eps)) > tail > path_survival(root * (1 + eps)), q
        print(f"quantile({q}) = {mp.nstr(root, 17)}")


if __name__ == "__main__":
    main()
