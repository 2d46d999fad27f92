"""High-precision reference values for src/availability.rs (k-of-n tiers).

Run:  python3 tests/reference/availability_reference.py
Needs mpmath (1.3). Takes about a second. The printed rows are pasted into
the REFERENCE table of the unit tests at the bottom of src/availability.rs.

For a tier of n independent servers, each up with probability a, that is up
while at least k servers are up:
    A = sum_{j=k..n} C(n,j) a^j (1-a)^(n-j),
    U = 1 - A = P(D >= m),  D ~ Binomial(n, q),  q = 1 - a,  m = n - k + 1.

How each value is produced (mpmath, 60 significant digits):
- a is taken as the *exact binary value* of the double the Rust test passes
  (mpf(float) is exact), and q = 1 - a is formed at 60 digits, so the test
  measures the Rust code's error alone.
- The tail of D on the far side of the mean from m is never formed: if
  m > n q, U is summed directly from j = m upward; otherwise
  L = P(D <= m-1) is summed from j = m-1 downward and U = 1 - L, A = L.
  The first term is C(n, j) q^j a^(n-j) with C(n, j) an exact Python integer
  (math.comb); each next term by the exact ratio
  t(j+1) = t(j) (n-j)/(j+1) q/a   (or its inverse going down).
  Beyond the mean the terms decrease with ratio r < 1 that shrinks further
  along, so the sum stops once a term is below 1e-70 of the sum, and the
  remainder is bounded by t r/(1-r), asserted below 1e-60 relative.
  For n <= 1000 every term is summed instead (no truncation).
- A (respectively U) is 1 minus the summed tail, at 60 digits.
Values are printed with 20 significant digits.
"""
import math
import mpmath as mp

mp.mp.dps = 60

CASES = [
    (3, 4, 0.999),
    (95, 100, 0.99),
    (999401, 1000000, 0.9995),
    (999301, 1000000, 0.9995),
    (999501, 1000000, 0.9995),
    (1, 2, 0.999),
    (1000, 1000, 0.9999),
    (10, 20, 0.3),
    (2, 5, 0.99),
    (900000, 1000000, 0.9),
    (850000, 1000000, 0.9),
    (2, 3, 0.5),
]


def term(n, j, q, a):
    return mp.mpf(math.comb(n, j)) * q**j * a**(n - j)


def exact_upper(n, m, q, a):
    """P(D >= m), every term."""
    return mp.fsum(term(n, j, q, a) for j in range(m, n + 1))


def tail(n, start, q, a, step):
    """Sum from j = start moving by step (+1 up, -1 down) until negligible."""
    t = term(n, start, q, a)
    s, j = t, start
    while 0 <= j + step <= n:
        if step > 0:
            r = mp.mpf(n - j) / (j + 1) * q / a
        else:
            r = mp.mpf(j) / (n - j + 1) * a / q
        t *= r
        s += t
        j += step
        if t < s * mp.mpf("1e-70") and r < 1:
            assert t * r / (1 - r) < s * mp.mpf("1e-60")
            break
    return s


def reference(k, n, a_float):
    a = mp.mpf(a_float)
    q = 1 - a
    m = n - k + 1
    if n <= 1000:
        u = exact_upper(n, m, q, a)
        return 1 - u, u
    if m > n * q:
        u = tail(n, m, q, a, +1)
        return 1 - u, u
    lower = tail(n, m - 1, q, a, -1)
    return lower, 1 - lower


def main():
    for k, n, a in CASES:
        avail, unavail = reference(k, n, a)
        print(f"({k}, {n}, {a!r}, {mp.nstr(avail, 20)}, {mp.nstr(unavail, 20)}),")


if __name__ == "__main__":
    main()
