"""Reference values for src/fit/ (calibration: `scaleplan fit usl` and
`scaleplan fit demand`).

Run:  python3 tests/reference/fit_reference.py
Needs scipy (1.17) and mpmath (1.3): `pip install scipy mpmath`. Takes
about a second. The printed values are pasted into the tests named under
each section; every section asserts its own cross-checks, so a run that
prints has passed them.

Sections:

usl      The Universal Scalability Law X(N) = lam N / (1 + s (N-1) + k N (N-1))
         fitted to the SPEC SDM91 data (the R `usl` package's `specsdm91`,
         whose documentation gives s = 0.02773, k = 1.044e-4, lam = 89.995)
         by least squares on the throughput:
         1. scipy.optimize.least_squares (MINPACK Levenberg-Marquardt);
         2. the minimum refined at 40 digits with mpmath: Newton's method
            (mpmath.findroot) on the normal equations J^T r = 0, with the
            exact Hessian of RSS, started from scipy's answer;
         checked: the two agree to 1e-5 relative (MINPACK stops on its own
         tolerances and the problem is ill-conditioned), the Hessian of RSS is
         positive definite there (a minimum, not a saddle), and RSS is lower
         there than at 200 random points within 1 % of it.
         Standard errors sqrt(s^2 [(J^T J)^-1]_jj), s^2 = RSS/(n-3); the
         peak N* = sqrt((1-s)/k) and X(N*).
         Used by: tests/fit_usl.rs (sdm91_matches_the_independent_fit),
         src/fit/usl.rs (sdm91_matches_the_r_usl_package_digits).

line     scipy.stats.linregress on eight points, the slope's 95 % interval
         b +- t_{0.975, n-2} SE(b) with scipy.stats.t.ppf, and the same
         figures from the textbook sums at 40 digits (mpmath); agree to 1e-12.
         Used by: src/fit/regression.rs (line_matches_scipy_linregress).

t        scipy.stats.t.ppf(0.975, nu), checked against mpmath's inverse of
         the regularized incomplete beta function to 1e-12.
         Used by: src/fit/regression.rs (t_quantiles_match_scipy).

latency  Mean, p50 and p99 of the response time of an M/M/c tier whose wait
         is stretched by the Allen-Cunneen factor k = (1 + cs^2)/2 (Poisson
         arrivals, service of mean S), at utilization U (offered load
         a = U c): P(Wq > t) = C e^(-theta t), theta = (c - a) / (S k),
         C = Erlang C(c, a); the response T = Wq + Exp(S) has
         P(T > t) = (1-C) e^(-t/S) + C (theta e^(-t/S) - (1/S) e^(-theta t)) / (theta - 1/S).
         Erlang C from its defining sum at 40 digits; quantiles by
         mpmath.findroot (Anderson) on the survival, confirmed by a sign
         change; the mean is C/theta + S.
         Used by: src/fit/demand.rs (latency_fit_inverts_the_reference_figures).
"""

import random

import mpmath as mp
import numpy as np
from scipy import optimize, stats

mp.mp.dps = 40

# ---------------------------------------------------------------- usl
N = [1, 18, 36, 72, 108, 144, 216]
X = ["64.9", "995.9", "1652.4", "1853.2", "1828.9", "1775.0", "1702.2"]


def usl_scipy():
    n, x = np.array(N, float), np.array([float(v) for v in X])

    def residuals(p):
        s, k, lam = p
        return lam * n / (1 + s * (n - 1) + k * n * (n - 1)) - x

    fit = optimize.least_squares(
        residuals, [0.01, 1e-4, 60.0], method="lm", x_scale=[0.01, 1e-4, 10.0],
        xtol=1e-15, ftol=1e-15, gtol=1e-15,
    )
    return fit.x


def usl_mp_parts(p):
    s, k, lam = p
    n = [mp.mpf(v) for v in N]
    x = [mp.mpf(v) for v in X]
    rows, res = [], []
    for ni, xi in zip(n, x):
        d = 1 + s * (ni - 1) + k * ni * (ni - 1)
        res.append(lam * ni / d - xi)
        common = -lam * ni * (ni - 1) / d**2
        rows.append([common, common * ni, ni / d])
    return mp.matrix(rows), mp.matrix(res)


def rss(p):
    _, r = usl_mp_parts(p)
    return sum(v**2 for v in r)


def gradient(*p):
    j, r = usl_mp_parts(p)
    g = j.T * r
    return [g[i] for i in range(3)]


def usl_section():
    start = usl_scipy()
    p = mp.findroot(gradient, [mp.mpf(v) for v in start], tol=mp.mpf(10) ** -60)
    p = [p[i] for i in range(3)]
    for i in range(3):
        assert abs(p[i] / mp.mpf(start[i]) - 1) < mp.mpf("1e-5"), (i, p[i], start[i])
    hessian = mp.matrix(3, 3)
    # Hessian by central differences of the analytic gradient (scaled steps).
    h = [mp.mpf(v) * mp.mpf("1e-12") for v in p]
    for i in range(3):
        up = list(p); up[i] += h[i]
        down = list(p); down[i] -= h[i]
        g_up, g_down = gradient(*up), gradient(*down)
        for j in range(3):
            hessian[j, i] = (g_up[j] - g_down[j]) / (2 * h[i])
    eig = mp.eigsy((hessian + hessian.T) / 2)[0]
    assert all(e > 0 for e in eig), eig
    best = rss(p)
    rng = random.Random(16)
    for _ in range(200):
        q = [v * (1 + mp.mpf(rng.uniform(-0.01, 0.01))) for v in p]
        assert rss(q) > best
    j, _ = usl_mp_parts(p)
    s2 = best / (len(N) - 3)
    cov = (j.T * j) ** -1 * s2
    s, k, lam = p
    n_star = mp.sqrt((1 - s) / k)
    x_star = lam * n_star / (1 + s * (n_star - 1) + k * n_star * (n_star - 1))
    print("usl (SPEC SDM91):")
    for name, v in [("sigma", s), ("kappa", k), ("lambda", lam)]:
        print(f"  {name:8s} = {mp.nstr(v, 17)}")
    for name, i in [("sigma_se", 0), ("kappa_se", 1), ("lambda_se", 2)]:
        print(f"  {name:8s} = {mp.nstr(mp.sqrt(cov[i, i]), 17)}")
    print(f"  rss      = {mp.nstr(best, 17)}")
    print(f"  n_star   = {mp.nstr(n_star, 17)}")
    print(f"  x_star   = {mp.nstr(x_star, 17)}")


# ---------------------------------------------------------------- line
LX = ["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0"]
LY = ["0.31", "0.42", "0.49", "0.63", "0.69", "0.83", "0.88", "1.01"]


def line_section():
    x, y = np.array([float(v) for v in LX]), np.array([float(v) for v in LY])
    r = stats.linregress(x, y)
    t = stats.t.ppf(0.975, len(x) - 2)
    # The same from the sums, at 40 digits.
    mx, my = [mp.mpf(v) for v in LX], [mp.mpf(v) for v in LY]
    n = len(mx)
    xbar, ybar = sum(mx) / n, sum(my) / n
    sxx = sum((a - xbar) ** 2 for a in mx)
    sxy = sum((a - xbar) * (b - ybar) for a, b in zip(mx, my))
    b = sxy / sxx
    a = ybar - b * xbar
    ssr = sum((yy - a - b * xx) ** 2 for xx, yy in zip(mx, my))
    sst = sum((yy - ybar) ** 2 for yy in my)
    se = mp.sqrt(ssr / (n - 2) / sxx)
    for got, want in [(r.slope, b), (r.intercept, a), (r.stderr, se), (r.rvalue**2, 1 - ssr / sst)]:
        assert abs(got / want - 1) < 1e-12, (got, want)
    print("line (scipy.stats.linregress):")
    print(f"  slope     = {float(r.slope)!r}")
    print(f"  intercept = {float(r.intercept)!r}")
    print(f"  slope_se  = {float(r.stderr)!r}")
    print(f"  r_squared = {float(r.rvalue**2)!r}")
    print(f"  low, high = {float(r.slope - t * r.stderr)!r}, {float(r.slope + t * r.stderr)!r}")


# ---------------------------------------------------------------- t
def t_section():
    print("t (scipy.stats.t.ppf(0.975, nu)):")
    for nu in [1, 5, 28, 1000]:
        q = stats.t.ppf(0.975, nu)
        # P(|T| > q) = I_{nu/(nu+q^2)}(nu/2, 1/2) = 0.05.
        tail = mp.betainc(mp.mpf(nu) / 2, mp.mpf(1) / 2, 0, nu / (nu + mp.mpf(q) ** 2), regularized=True)
        assert abs(tail - mp.mpf("0.05")) < mp.mpf("1e-12"), (nu, tail)
        print(f"  nu = {nu:4d}: {float(q)!r}")


# ---------------------------------------------------------------- latency
def erlang_c(c, a):
    terms = sum(a**j / mp.factorial(j) for j in range(c))
    top = a**c / mp.factorial(c) / (1 - a / c)
    return top / (terms + top)


def response(c, u, s, cs):
    c, u, s, cs = int(c), mp.mpf(u), mp.mpf(s), mp.mpf(cs)
    a = u * c
    k = (1 + cs**2) / 2
    big_c = erlang_c(c, a)
    theta, mu = (c - a) / (s * k), 1 / s

    def survival(t):
        return (1 - big_c) * mp.e ** (-mu * t) + big_c * (theta * mp.e ** (-mu * t) - mu * mp.e ** (-theta * t)) / (theta - mu)

    def quantile(q):
        tail = 1 - mp.mpf(q)
        lo, hi = s * mp.log(1 / tail), s * mp.log(2 / tail) + max(0, mp.log(2 * big_c / tail) / theta)
        t = mp.findroot(lambda v: survival(v) - tail, (lo, hi), solver="anderson")
        assert survival(t * (1 - mp.mpf("1e-30"))) > tail > survival(t * (1 + mp.mpf("1e-30")))
        return t

    return big_c / theta + s, quantile("0.5"), quantile("0.99")


def latency_section():
    print("latency (c = 4, S = 0.012 s, cs = 0.6): U, mean, p50, p99 in seconds")
    for u in ["0.5", "0.85"]:
        mean, p50, p99 = response(4, u, "0.012", "0.6")
        print(f"  {u}: {mp.nstr(mean, 17)}, {mp.nstr(p50, 17)}, {mp.nstr(p99, 17)}")


if __name__ == "__main__":
    usl_section()
    line_section()
    t_section()
    latency_section()
