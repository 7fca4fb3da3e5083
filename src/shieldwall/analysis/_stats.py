"""Interval helpers shared by the analyses (plain dicts, JSON-ready; NaN where no interval exists).

Replication i of every variant flies raid realisation `realisation_of(i, runs, realisations)`, so
intervals are taken across realisations (`results.intervals`); `clusters(settings)` gives each
replication's realisation. Paired differences and Shapley values use the same clusters: both
members of a pair share their realisation and their seeds.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from shieldwall.montecarlo.run import realisation_of
from shieldwall.results.intervals import (
    CONFIDENCE,
    Estimate,
    amount_interval,
    count_interval,
    difference_interval,
    moments,
    proportion_interval,
    ratio_interval,
    t_interval,
)
from shieldwall.results.summary import fixed_or_count, interval_note

COST_CAUTION = (
    "The cost-exchange ratio compares the price of interceptors with the price of the threats; "
    "what decides whether a shot was worth it is the value it defended (lives, bases, cities), "
    "which is far larger than the price of a drone or a missile. Read it beside the value lost."
)

ZERO = {"mean": 0.0, "low": 0.0, "high": 0.0}


def clusters(runs: int, realisations: int) -> np.ndarray:
    """The raid realisation of each replication (as `shieldwall.run` assigns them)."""
    return np.array([realisation_of(i, runs, realisations) for i in range(runs)], dtype=np.int64)


def plain(estimate: Estimate) -> dict:
    return {k: float(v) for k, v in asdict(estimate).items()}


def count(values: np.ndarray, groups: np.ndarray, unit: float = 1.0) -> dict:
    """Mean of a non-negative count per replication (`unit`: the size of one event, e.g. 1 / launched
    for a share of threats)."""
    return plain(count_interval(values, groups, unit))


def fixed(values: np.ndarray, groups: np.ndarray) -> dict:
    """A count the scenario fixes (threats launched)."""
    return plain(fixed_or_count(values, groups))


def amount(values: np.ndarray, groups: np.ndarray) -> dict:
    """Mean of a non-negative amount (USD) per replication."""
    return plain(amount_interval(values, groups))


def proportion(indicator: np.ndarray, groups: np.ndarray) -> dict:
    return plain(proportion_interval(indicator, groups))


def difference(values: np.ndarray, groups: np.ndarray, unit: float | None) -> dict:
    """Mean of a paired difference or a value (Shapley, leave-one-out); `unit` 1 for counts."""
    return plain(difference_interval(values, groups, unit))


def ratio(numerator: np.ndarray, denominator: np.ndarray, groups: np.ndarray) -> dict:
    return plain(ratio_interval(numerator, denominator, groups))


def with_permutation_error(values: np.ndarray, groups: np.ndarray, se_permutation: float, permutations: int,
                           unit: float | None) -> dict:
    """A sampled Shapley value: replication (cluster-robust) and permutation-sampling variances
    added, with the smaller of their degrees of freedom (R - 1, permutations - 1)."""
    m = moments(values, groups)
    if se_permutation > 0 and np.isfinite(m.variance):
        e = plain(t_interval(m, se_permutation**2, permutations - 1))
    else:
        e = difference(values, groups, unit)
    se_replications = float(np.sqrt(m.variance)) if np.isfinite(m.variance) else float("nan")
    return {**e, "se_replications": se_replications, "se_permutation": float(se_permutation),
            "se_total": float(np.hypot(se_replications, se_permutation))}


def cost_block(defence_cost_usd: np.ndarray, attack_cost_usd: np.ndarray, value_lost_usd: np.ndarray,
               groups: np.ndarray) -> dict:
    return {
        "defence_cost_usd": amount(defence_cost_usd, groups),
        "attack_cost_usd": amount(attack_cost_usd, groups),
        "cost_exchange_ratio": ratio(defence_cost_usd, attack_cost_usd, groups),
        "value_lost_usd": amount(value_lost_usd, groups),
    }


__all__ = [
    "CONFIDENCE", "COST_CAUTION", "ZERO", "amount", "clusters", "cost_block", "count", "difference", "fixed",
    "interval_note", "plain", "proportion", "ratio", "with_permutation_error",
]
