"""Reference values for src/uncertain.rs (ranges as 90 % intervals).

Run: python3 tests/reference/uncertain_reference.py  (scipy 1.x)
Each line prints a value the unit tests quote.
"""
import math
from scipy import stats

z95 = stats.norm.ppf(0.95)
print("z95", repr(z95))
# log-normal with 5th/95th percentiles 50 and 200
s = math.log(200 / 50) / (2 * z95)
d = stats.lognorm(s=s, scale=math.sqrt(50 * 200))
print("lognormal 50..200 ppf(.05,.5,.9,.95)", [repr(x) for x in d.ppf([0.05, 0.5, 0.9, 0.95])])
# logit-normal with 5th/95th percentiles 0.8 and 0.99
lo, hi = math.log(0.8 / 0.2), math.log(0.99 / 0.01)
m = (lo + hi) / 2
print("logit-normal 0.8..0.99 median", repr(1 / (1 + math.exp(-m))))
# Spearman with a tie
print("spearman tie", repr(stats.spearmanr([1, 2, 2, 3], [1, 2, 3, 4]).statistic))
