"""Reference values for src/zipf.rs (generalized harmonic numbers).

Run: python3 tests/reference/zipf_reference.py   (needs mpmath)
H(K, s) = zeta(s) - zeta(s, K+1) (Hurwitz), and harmonic(K) at s = 1,
evaluated at 30 significant digits.
"""
import mpmath as mp

mp.mp.dps = 30
for K, s in [(10**12, 1.0), (10**12, 0.8), (10**9, 1.2), (10**6, 1.0)]:
    v = mp.harmonic(K) if s == 1.0 else mp.zeta(s) - mp.zeta(s, K + 1)
    print(K, s, mp.nstr(v, 17))
