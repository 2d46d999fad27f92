"""High-precision reference values for src/queueing/mmc.rs (the M/M/c queue).

Run:  python3 tests/reference/mmc_reference.py > tests/reference/mmc_reference.csv
      python3 tests/reference/mmc_reference.py --erlang-b-overload
Needs mpmath (1.3). Takes about 15 s. Read by tests/mmc_reference.rs.

Cases: c in {1, 2, 10, 100, 1000, 100000} servers, utilization rho in
{0.5, 0.9, 0.99, 0.999}, mean service time S in {1 s, 0.01 s}; the arrival
rate is lambda = rho*c/S, rounded once to the nearest double. Every value
below is computed from the *exact binary values* of the doubles lambda and S
that the CSV prints (17 significant digits round-trip them), so the Rust test
measures the engine's error alone, not the rounding of its inputs.

How each column is produced (mpmath, 60 significant digits):

- Erlang B, two independent ways that must agree to 1e-45 relative:
  1. the exact finite sum. With r_j = c! / ((c-j)! a^j) (the term
     a^(c-j)/(c-j)! divided by a^c/c!), 1/B = sum_{j=0..c} r_j, each r_j
     formed by exact-ratio products r_j = r_{j-1} (c-j+1)/a;
  2. the closed form B = a^c e^(-a) / Gamma(c+1, a) with mpmath's upper
     incomplete gamma function (sum_{k<=c} a^k/k! = e^a Gamma(c+1,a)/c!).
- Erlang C from its definition (not from B):
  C = [a^c/c! / (1-rho)] / [sum_{k<c} a^k/k! + a^c/c! / (1-rho)],
  i.e. C = q / (R + q) with q = 1/(1-rho) and R = sum_{j=1..c} r_j; checked
  against c B / (c - a (1-B)) to 1e-45.
- Wq = C / (c mu - lambda), W = Wq + S, with mu = 1/S.
- Response-time quantiles t_q solve P(T > t) = 1 - q, where
  P(T > t) = (1-C) e^(-mu t) + C (theta e^(-mu t) - mu e^(-theta t)) / (theta - mu),
  theta = c mu - lambda, and, when theta = mu exactly, the limit
  P(T > t) = (1-C) e^(-mu t) + C (1 + mu t) e^(-mu t).
  Solved with mpmath.findroot (Anderson's bracketing method) started from the
  bracket [S ln(1/p), S ln(2/p) + max(0, ln(2C/p)/theta)], p = 1 - q, then
  confirmed by a sign change of P(T > t) - p across t (1 -/+ 1e-40) and by
  re-solving at 100 digits (agreement to 1e-40). Near theta = mu (the S =
  0.01 rows with c - a = 1 +- 1 ulp) the general form cancels about 17
  digits, which the 60-digit working precision absorbs; the 100-digit
  re-solve checks that.
- erlang_b (last column): method 1 above.

With --erlang-b-overload it prints instead Erlang B for loss systems driven
past capacity (c < a, where no M/M/c queue is stable but the blocking
probability is well defined), by the closed form 2. above at 60 digits, as
the Rust constants of tests/mmc_reference.rs::ERLANG_B_OVERLOAD. These sit
just above the engine's recursion start a - 12 sqrt(a), where a start from
the fluid value a/(a-n) has not yet decayed.

Values are printed with 17 significant digits. Values below the double range
(C and Wq for c = 100000, rho = 0.5, about 1e-8392) are printed as they are;
a double reads them as 0.
"""
import sys
from decimal import Decimal

import mpmath as mp

SERVERS = [1, 2, 10, 100, 1000, 100000]
UTILIZATIONS = ["0.5", "0.9", "0.99", "0.999"]
SERVICE_TIMES_S = ["1", "0.01"]
QUANTILES = ["0.5", "0.99", "0.999"]
DIGITS = 60


def erlang_terms(c, a):
    """R = sum_{j=1..c} c!/((c-j)! a^j), by exact-ratio products."""
    total, r = mp.mpf(0), mp.mpf(1)
    for j in range(1, c + 1):
        r = r * (c - j + 1) / a
        total += r
    return total


def erlang_b_gamma(c, a):
    return a**c * mp.exp(-a) / mp.gammainc(c + 1, a)


def survival(t, lam, s, c, p_wait):
    mu = 1 / s
    theta = c * mu - lam
    if theta == mu:
        waited = (1 + mu * t) * mp.exp(-mu * t)
    else:
        waited = (theta * mp.exp(-mu * t) - mu * mp.exp(-theta * t)) / (theta - mu)
    return (1 - p_wait) * mp.exp(-mu * t) + p_wait * waited


def response_quantile(q, lam, s, c, p_wait):
    p = 1 - mp.mpf(q)
    theta = c / s - lam
    low = s * mp.log(1 / p)
    high = s * mp.log(2 / p) + max(mp.mpf(0), mp.log(2 * p_wait / p) / theta)
    f = lambda t: survival(t, lam, s, c, p_wait) - p
    t = mp.findroot(f, (low, high), solver="anderson")
    step = t * mp.mpf("1e-40")
    assert f(t - step) > 0 > f(t + step), ("no sign change", c, lam, s, q)
    return t


def reference_row(c, rho, s_text):
    s_double = float(s_text)
    lam_double = float(Decimal(rho) * c / Decimal(s_text))
    lam, s = mp.mpf(lam_double), mp.mpf(s_double)
    a = lam * s
    big_r = erlang_terms(c, a)
    b = 1 / (1 + big_r)
    b_gamma = erlang_b_gamma(c, a)
    assert abs(b_gamma / b - 1) < mp.mpf("1e-45"), ("erlang B", c, rho)
    q = 1 / (1 - a / c)
    p_wait = q / (big_r + q)
    assert abs(c * b / (c - a * (1 - b)) / p_wait - 1) < mp.mpf("1e-45"), ("erlang C", c, rho)
    wq = p_wait / (c / s - lam)
    quantiles = [response_quantile(x, lam, s, c, p_wait) for x in QUANTILES]
    with mp.workdps(100):
        for x, t in zip(QUANTILES, quantiles):
            t_fine = response_quantile(x, mp.mpf(lam_double), mp.mpf(s_double), c, p_wait_at(c, lam_double, s_double))
            assert abs(t_fine / t - 1) < mp.mpf("1e-40"), ("quantile precision", c, rho, x)
    values = [p_wait, wq, wq + s] + quantiles + [b]
    return [str(c), rho, "%.17g" % lam_double, "%.17g" % s_double] + [mp.nstr(v, 17, strip_zeros=False) for v in values]


def p_wait_at(c, lam_double, s_double):
    """Erlang C at the current working precision (for the 100-digit re-solve)."""
    a = mp.mpf(lam_double) * mp.mpf(s_double)
    q = 1 / (1 - a / c)
    return q / (erlang_terms(c, a) + q)


# (servers, offered load in Erlangs): c < a, a loss system in overload.
ERLANG_B_OVERLOAD = [(8801, 10000), (8900, 10000), (9000, 10000), (9500, 10000),
                     (988001, 1000000), (31, 200), (40, 200), (60, 200)]


def print_erlang_b_overload():
    for c, a in ERLANG_B_OVERLOAD:
        b = erlang_b_gamma(c, mp.mpf(a))
        r = 1 / (1 + erlang_terms(c, mp.mpf(a)))
        assert abs(r / b - 1) < mp.mpf("1e-45"), ("erlang B overload", c, a)
        print("    (%d, %d.0, %s)," % (c, a, mp.nstr(b, 17, strip_zeros=False)))


def main():
    mp.mp.dps = DIGITS
    if sys.argv[1:] == ["--erlang-b-overload"]:
        print_erlang_b_overload()
        return
    out = sys.stdout
    out.write("# generated by tests/reference/mmc_reference.py (mpmath, 60 digits); do not edit\n")
    out.write("servers,utilization,arrival_rate_per_s,service_time_s,erlang_c,wq_s,w_s,p50_s,p99_s,p999_s,erlang_b\n")
    for s_text in SERVICE_TIMES_S:
        for c in SERVERS:
            for rho in UTILIZATIONS:
                out.write(",".join(reference_row(c, rho, s_text)) + "\n")


if __name__ == "__main__":
    main()
