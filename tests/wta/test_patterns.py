"""The per-target pattern search of the exact solver against a brute-force enumeration."""

import itertools

import numpy as np
import pytest

from shieldwall.wta._patterns import PatternTarget, best_patterns


def random_target(rng: np.random.Generator) -> PatternTarget:
    n = int(rng.integers(1, 6))
    strength = -np.log1p(-rng.uniform(0.05, 0.95, n))
    upper = rng.integers(1, 4, n)
    limit = int(rng.integers(1, upper.sum() + 1))
    return PatternTarget(0, float(rng.uniform(1, 100)), np.arange(n), strength, np.zeros(n), upper, limit)


def all_patterns(item: PatternTarget, price: np.ndarray) -> dict[tuple, float]:
    """Value V exp(-a.x) + price.x of every nonempty pattern within the unit and target limits."""
    values = {}
    for counts in itertools.product(*[range(int(u) + 1) for u in item.upper]):
        counts = np.array(counts)
        if 0 < counts.sum() <= item.limit:
            values[tuple(counts)] = item.value * np.exp(-item.strength @ counts) + price @ counts
    return values


def as_counts(item: PatternTarget, positions: list[int]) -> tuple:
    return tuple(np.bincount(positions, minlength=item.strength.size))


@pytest.mark.parametrize("seed", range(40))
def test_pattern_search_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    item = random_target(rng)
    price = rng.uniform(-2.0, 30.0, item.strength.size) * (rng.random(item.strength.size) < 0.8)
    truth = all_patterns(item, price)
    optimum = min(truth.values())
    # Descent: the minimiser (threshold above every pattern).
    best, _ = best_patterns(item, price, np.inf, enumerate_all=False, max_patterns=0)
    assert best == pytest.approx(optimum, rel=1e-12, abs=1e-12)
    # Enumeration: exactly the patterns at or below a threshold.
    threshold = optimum + rng.uniform(0.0, 20.0)
    _, found = best_patterns(item, price, threshold, enumerate_all=True, max_patterns=10**6)
    found_counts = [as_counts(item, positions) for _, positions in found]
    assert len(found_counts) == len(set(found_counts))
    expected = {counts for counts, value in truth.items() if value <= threshold - 1e-9}
    assert expected <= set(found_counts)
    assert all(truth[counts] <= threshold + 1e-9 for counts in found_counts)
