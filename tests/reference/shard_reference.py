"""Reference values for src/sharding.rs, at 30 significant digits (mpmath 1.3).

Run: python3 tests/reference/shard_reference.py

Each block recomputes one quantity independently of the Rust code:

1. m_S, the expected maximum of S iid standard normals:
   m_S = integral of x * S * phi(x) * Phi(x)^(S-1) dx (mp.quad, split at
   the integrand's peak region). Known closed forms: m_2 = 1/sqrt(pi),
   m_3 = 3/(2 sqrt(pi)).
2. x_p, the quantile of that maximum: Phi^{-1}(p^(1/S)) (mp.erfinv).
3. Expected maximum of S iid Poisson(mu) counts: sum over x >= 0 of
   1 - F(x)^S, F summed from exact pmf terms, until the term is < 1e-30.
4. Ring-share skew S * E[max of S iid Gamma(V, rate S V)]:
   S * integral of (1 - P(V, S V x)^S) dx with mp.gammainc (regularized).
   For V = 1 this equals the harmonic number H_S.
5. The skew model of src/sharding.rs evaluated from its definition
   (module docs of `skew`): the hottest key p_1 on shard A, the rest as
   lambda = r^2 / sum' p_i^2 equal keys of weight c = r / lambda;
   discrete (Poisson or negative-binomial counts, integral of the step
   function 1 - F_A(floor(y - p_1/c)) * F_O(floor(y))^(S-1)) when
   lambda / S < 200, else normal (hash) or moment-matched Gamma (ring)
   integrated with mp.quad. Zipf sums use H(K, s) = zeta(s) - zeta(s, K+1).
"""
import mpmath as mp

mp.mp.dps = 30


def harmonic(K, s):
    if s == 0:
        return mp.mpf(K)
    if s == 1:
        return mp.harmonic(K)
    return mp.zeta(s) - mp.zeta(s, K + 1)


def m_s(S):
    f = lambda x: x * S * mp.npdf(x) * mp.ncdf(x) ** (S - 1)
    peak = mp.sqrt(2 * mp.log(S)) if S > 1 else 0
    return mp.quad(f, [-mp.inf, -10, peak - 3, peak - 1, peak, peak + 1, peak + 3, 12, mp.inf])


def normal_max_quantile(S, p):
    return mp.sqrt(2) * mp.erfinv(2 * mp.power(p, mp.mpf(1) / S) - 1)


def count_cdf(pmf, upto):
    out, acc = [], mp.mpf(0)
    for x in range(upto + 1):
        acc += pmf(x)
        out.append(acc)
    return out


def poisson_pmf(mu):
    return lambda x: mp.exp(x * mp.log(mu) - mu - mp.loggamma(x + 1))


def negbin_pmf(shape, p):
    return lambda x: mp.exp(mp.loggamma(x + shape) - mp.loggamma(shape) - mp.loggamma(x + 1)
                            + shape * mp.log(p) + x * mp.log(1 - p))


def poisson_max(S, mu):
    upto = int(mu + 40 * mp.sqrt(mu) + 60)
    F = count_cdf(poisson_pmf(mu), upto)
    return mp.fsum(1 - f ** S for f in F)


def ring_skew(S, V):
    cdf = lambda x: mp.gammainc(V, 0, S * V * x, regularized=True)
    f = lambda x: 1 - cdf(x) ** S
    mean = mp.mpf(1) / S
    sd = mean / mp.sqrt(V)
    hi = mean + sd * 60 + mean * 60 / V
    pts = [0] + [mean + k * sd for k in range(-4, 40) if mean + k * sd > 0] + [hi]
    pts = sorted(set(pts))
    return S * mp.quad(f, pts)


def step_max(h, FA, FO, others):
    """Integral over y >= 0 of 1 - FA(floor(y - h)) * FO(floor(y))^others."""
    def fa(n):
        return 0 if n < 0 else (FA[n] if n < len(FA) else 1)

    def fo(n):
        return 0 if n < 0 else (FO[n] if n < len(FO) else 1)

    pts = sorted(set([mp.mpf(n) for n in range(len(FO) + 1)]
                     + [h + n for n in range(len(FA) + 1)]))
    total, prev = mp.mpf(h), mp.mpf(h)  # below h, F_A = 0
    for y in pts:
        if y <= h:
            continue
        # Value on [prev, y): points at or below prev have been passed.
        F = fa(int(mp.floor(prev - h + mp.mpf('1e-20')))) * fo(int(mp.floor(prev + mp.mpf('1e-20')))) ** others
        total += (1 - F) * (y - prev)
        prev = y
    return total


def model_skew(K, s, S, V=None):
    H = harmonic(K, s)
    p1 = 1 / H
    r = 1 - p1
    rest_sq = (harmonic(K, 2 * s) - 1) / H ** 2
    c = rest_sq / r
    lam = r / c
    if lam / S < 200:
        if V is None:
            mu = lam / S
            upto = int(mu + 40 * mp.sqrt(mu) + 60)
            FO = count_cdf(poisson_pmf(mu), upto)
            FA = FO
        else:
            beta = S * V + 1
            p = beta / (beta + lam)
            upto = int(lam * (V + 1) / beta * (1 + 60 / V) + 60 * mp.sqrt(lam / S) + 200)
            FA = count_cdf(negbin_pmf(V + 1, p), upto)
            FO = count_cdf(negbin_pmf(V, p), upto)
        return S * c * step_max(p1 / c, FA, FO, S - 1)
    if V is None:
        mu, sd = r / S, mp.sqrt(rest_sq / S)
        FA = lambda x: mp.ncdf(x - p1, mu, sd)
        FO = lambda x: mp.ncdf(x, mu, sd)
        centre, width = mu + p1, sd
    else:
        beta = S * V + 1

        def gamma_cdf(shape):
            m = r * shape / beta
            var = r * r * shape / beta ** 2 + c * m
            a, rate = m * m / var, m / var
            return (lambda x: mp.gammainc(a, 0, rate * x, regularized=True) if x > 0 else 0), m, mp.sqrt(var)

        fa, ma, sa = gamma_cdf(V + 1)
        FO, mo, so = gamma_cdf(V)
        FA = lambda x: fa(x - p1)
        centre, width = max(ma + p1, mo), max(sa, so)
    f = lambda x: 1 - FA(x) * FO(x) ** (S - 1)
    lo = max(mp.mpf(0), centre - 12 * width - p1)
    pts = [lo] + [centre + k * width / 2 for k in range(-24, 120) if centre + k * width / 2 > lo]
    return S * (lo + mp.quad(f, pts))


if __name__ == "__main__":
    print("# m_S")
    for S in [2, 3, 5, 10, 100, 1000, 4096, 10**6]:
        print(S, mp.nstr(m_s(S), 15))
    print("# quantile of max of S normals, p = 0.95")
    for S in [1, 64, 4096]:
        print(S, mp.nstr(normal_max_quantile(S, mp.mpf("0.95")), 15))
    print("# E[max of S Poisson(mu)]")
    for S, mu in [(8, 5), (512, mp.mpf(1000) / 512), (64, mp.mpf(15.625)), (4096, mp.mpf("0.5")), (2, 100)]:
        print(S, mp.nstr(mu, 10), mp.nstr(poisson_max(S, mu), 15))
    print("# ring share skew S*E[max Gamma(V, SV)]")
    for S, V in [(8, 1), (64, 16), (4096, 1000)]:
        print(S, V, mp.nstr(ring_skew(S, V), 15))
    print("# model skew (K, s, S, V)")
    for K, s, S, V in [(1000, 0, 512, None), (1000, mp.mpf("0.8"), 64, None), (1000, mp.mpf("0.8"), 64, 16),
                       (10**6, mp.mpf("0.5"), 64, None), (10**9, 0, 64, 16), (10**9, mp.mpf("0.9"), 4096, 1000)]:
        print(K, mp.nstr(s, 3), S, V, mp.nstr(model_skew(K, s, S, V), 15))
