"""The example measurements of the README's `scaleplan fit demand` section:
data/examples/production.csv, synthetic windows made from known demands.

Run:  python3 tests/reference/fit_example.py > data/examples/production.csv
Needs mpmath (1.3) and tests/reference/fit_reference.py beside it. Takes
about ten seconds. Seeded: the file is the same on every run.

Each tier has a true demand D (core-seconds per request), service cv cs and
background utilization U0. A window's true utilization U follows a daily
curve (one window per hour); its throughput is X = (U - U0) c / D (the
Utilization Law); its mean, p50 and p99 are those of an M/M/c with c cores at
utilization U, service time D and the wait scaled by Allen-Cunneen
(1 + cs^2)/2 (fit_reference.response). A monitor's noise is then added: 0.5 %
absolute on the utilization, 2 % (log-normal) on each latency. The web tier
has one incident window at 97 % utilization; the cache tier has only eight
windows.
"""

import math
import random

from fit_reference import response

TIERS = [
    # tier, cores, D (s), cs, U0, windows
    ("web", 16, 0.018, 1.3, 0.05, 24),
    ("db-read", 8, 0.0008, 0.6, 0.03, 24),
    ("db-write", 8, 0.0025, 0.9, 0.03, 24),
    ("cache", 2, 0.00012, 1.0, 0.02, 8),
]


def daily(hour):
    """Utilization over the day: 20 % at night, 85 % at the evening peak."""
    return 0.2 + 0.65 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 7) / 24)) ** 1.5


def main():
    rng = random.Random(16)
    print("# Synthetic production windows for the README (made by tests/reference/fit_example.py):")
    print("# web D = 18 ms cv 1.3, db-read D = 0.8 ms cv 0.6, db-write D = 2.5 ms cv 0.9, cache D = 120 us cv 1.0.")
    print("tier,cores,throughput_per_s,utilization,mean_response_s,p50_response_s,p99_response_s")
    for tier, cores, d, cs, u0, windows in TIERS:
        for hour in range(windows):
            u = daily(hour * 24 / windows)
            if tier == "web" and hour == 19:
                u = 0.97
            x = (u - u0) * cores / d
            mean, p50, p99 = (float(v) * math.exp(0.02 * rng.gauss(0, 1)) for v in response(cores, u, d, cs))
            measured = min(1.0, max(0.0, u + 0.005 * rng.gauss(0, 1)))
            print(f"{tier},{cores},{x:.2f},{measured:.4f},{mean:.6g},{p50:.6g},{p99:.6g}")


if __name__ == "__main__":
    main()
