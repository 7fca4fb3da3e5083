"""Summary statistics of a Monte Carlo run, each with a 95 % confidence interval.

Replications that share a raid realisation are correlated, so every interval is taken across
realisations (`results.intervals`: cluster-robust variance of the mean, R - 1 degrees of freedom).
Counts per raid get an exact-Poisson-shaped interval on their effective number of events,
proportions Wilson's interval on their effective sample size, amounts (USD) the same gamma interval
as counts, the cost-exchange ratio Fieller's interval. docs/design/statistics.md explains each.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pyarrow as pa

from shieldwall.engine.simulate import FATES
from shieldwall.results.intervals import (
    CONFIDENCE,
    Estimate,
    amount_interval,
    count_interval,
    mean_interval,
    proportion_interval,
    ratio_interval,
    wilson_interval,
)
from shieldwall.scenario.model import THREAT_CLASSES


def interval_note(realisations: int) -> str:
    """What the intervals of a run with this many raid realisations are (for captions and JSON)."""
    if realisations < 2:
        return ("one raid realisation: no interval (intervals are taken across raid realisations, "
                "which needs two or more)")
    return (f"{CONFIDENCE:.0%} intervals across {realisations} raid realisations "
            f"(cluster-robust, {realisations - 1} degrees of freedom)")


UNBOUNDED_NOTE = "?: an amount never seen in any replication has no upper bound the data can give"


def interval_caption(realisations: int) -> str:
    """How to read the intervals of a table, for its caption."""
    if realisations < 2:
        return "mean (one raid realisation: no interval)"
    return f"mean [95 % CI across {realisations} raid realisations]"


def fixed_or_count(values: np.ndarray, clusters: np.ndarray) -> Estimate:
    """A count the scenario fixes (threats launched): exact when it is the same in every
    replication, else a count interval."""
    values = np.asarray(values, float)
    if values.size and np.all(values == values[0]):
        return Estimate(float(values[0]), float(values[0]), float(values[0]))
    return count_interval(values, clusters)


def _per_run(table: pa.Table, key: str, run_position: np.ndarray, n: int,
             keep: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """{label: count per replication} of the rows of `table` by the (dictionary) column `key`,
    null keys and rows outside `keep` left out; replications without a row count 0."""
    column = table[key].combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    index = column.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    position = run_position[table["run"].to_numpy()]
    valid = index >= 0 if keep is None else (index >= 0) & keep
    labels = column.dictionary.to_pylist()
    counts = np.bincount(index[valid] * n + position[valid], minlength=len(labels) * n).reshape(len(labels), n)
    return dict(sorted((str(labels[k]), counts[k].astype(float)) for k in range(len(labels)) if counts[k].any()))


def _equals(column, value: str) -> np.ndarray:
    column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    index = column.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    matches = [k for k, label in enumerate(column.dictionary.to_pylist()) if label == value]
    return np.isin(index, matches)


def summarise(tables: dict[str, pa.Table]) -> dict:
    """The headline figures of a run, as plain data (non-finite numbers are NaN: write them with
    `shieldwall._json`, which makes them null)."""
    replications = tables["replications"]
    runs = replications["run"].to_numpy()
    clusters = replications["realisation"].to_numpy()
    n = runs.size
    run_position = np.zeros(int(runs.max()) + 1 if n else 0, dtype=np.int64)
    run_position[runs] = np.arange(n)
    realisations = int(np.unique(clusters).size)
    col = {name: replications[name].to_numpy() for name in replications.column_names}

    def count(values) -> dict:
        return asdict(count_interval(values, clusters))

    def amount(values) -> dict:
        return asdict(amount_interval(values, clusters))

    by_class = {
        klass: {
            "launched": asdict(fixed_or_count(col[f"launched_{klass}"], clusters)),
            **{fate: count(col[f"{fate}_{klass}"]) for fate in FATES},
        }
        for klass in THREAT_CLASSES
        if col[f"launched_{klass}"].sum() > 0
    }
    by_class["all"] = {"launched": asdict(fixed_or_count(col["launched"], clusters)),
                       **{fate: count(col[fate]) for fate in FATES}}
    threats, shots = tables["threats"], tables["shots"]
    hits = _per_run(threats, "asset_hit", run_position, n)
    by_type = _per_run(shots, "interceptor", run_position, n)
    by_partner = _per_run(shots, "partner", run_position, n)
    refusals = _per_run(tables["refusals"], "reason", run_position, n)
    kills = _per_run(threats, "by_partner", run_position, n, _equals(threats["fate"], "intercepted"))
    return {
        "runs": int(n),
        "realisations": realisations,
        "confidence": CONFIDENCE,
        "intervals": interval_note(realisations),
        "threats": by_class,
        "p_zero_leakers": asdict(proportion_interval(col["leaked"] == 0, clusters)),
        "hits_per_asset": {k: count(v) for k, v in hits.items()},
        "interceptors_by_type": {k: count(v) for k, v in by_type.items()},
        "interceptors_by_partner": {k: count(v) for k, v in by_partner.items()},
        "intercepts_by_partner": {k: count(v) for k, v in kills.items()},
        "refusals_by_reason": {k: count(v) for k, v in refusals.items()},
        "wasted_shots": count(col["wasted_shots"]),
        "missed_with_capacity": count(col["missed_with_capacity"]),
        "defence_cost_usd": amount(col["defence_cost_usd"]),
        "attack_cost_usd": amount(col["attack_cost_usd"]),
        "cost_exchange_ratio": asdict(ratio_interval(col["defence_cost_usd"], col["attack_cost_usd"], clusters)),
        "value_lost_usd": amount(col["value_lost_usd"]),
    }


__all__ = [
    "CONFIDENCE", "UNBOUNDED_NOTE", "Estimate", "amount_interval", "count_interval", "fixed_or_count", "interval_caption",
    "interval_note", "mean_interval", "proportion_interval", "ratio_interval", "summarise", "wilson_interval",
]
