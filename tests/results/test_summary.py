"""Interval estimates against independent derivations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from shieldwall.results import mean_interval, ratio_interval, wilson_interval


def test_mean_interval_is_students_t_interval():
    values = np.random.default_rng(3).exponential(2.0, 40)
    expected = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
    estimate = mean_interval(values)
    assert (estimate.low, estimate.high) == pytest.approx(expected, rel=1e-12)
    assert mean_interval(np.array([0, 0, 0, 1.0]), floor=0.0).low == 0.0


@pytest.mark.parametrize("successes, n", [(81, 263), (0, 50), (50, 50), (3, 10)])
def test_wilson_bounds_solve_the_score_equation(successes, n):
    # The Wilson interval is the set of p with |p_hat - p| <= z sqrt(p (1 - p) / n).
    z = stats.norm.ppf(0.975)
    p_hat = successes / n

    def score(p):
        return (p_hat - p) ** 2 - z * z * p * (1 - p) / n

    estimate = wilson_interval(successes, n)
    low = 0.0 if successes == 0 else optimize.brentq(score, 1e-12, min(p_hat, 1 - 1e-9))
    high = 1.0 if successes == n else optimize.brentq(score, max(p_hat, 1e-9), 1 - 1e-12)
    assert (estimate.low, estimate.high) == pytest.approx((low, high), abs=1e-9)


def test_ratio_interval_covers_the_true_ratio_at_the_stated_rate():
    rng = np.random.default_rng(8)
    covered = 0
    for _ in range(400):
        x = rng.normal(10.0, 2.0, 60)
        y = rng.normal(5.0, 1.0, 60)
        estimate = ratio_interval(x, y)
        covered += estimate.low <= 2.0 <= estimate.high
    assert 0.92 <= covered / 400 <= 0.98
