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
    n = runs.size
    run_position = np.zeros(int(runs.max()) + 1 if n else 0, dtype=np.int64)
    run_position[runs] = np.arange(n)
    threats, shots = tables["threats"], tables["shots"]
    counts = {
        "hits": _per_run(threats, "asset_hit", run_position, n),
        "by_type": _per_run(shots, "interceptor", run_position, n),
        "by_partner": _per_run(shots, "partner", run_position, n),
        "refusals": _per_run(tables["refusals"], "reason", run_position, n),
        "kills": _per_run(threats, "by_partner", run_position, n, _equals(threats["fate"], "intercepted")),
        "verdicts": _per_run(tables["decisions"], "verdict", run_position, n),
        # Folders written before the column existed have none.
        "first_tracks": _per_run(threats, "first_track_partner", run_position, n)
        if "first_track_partner" in threats.column_names else {},
    }
    to_track = None
    if "first_detect_t_s" in threats.column_names:
        track, first = threats["track_t_s"].to_numpy(), threats["first_detect_t_s"].to_numpy()
        both = np.isfinite(track) & np.isfinite(first)
        position = run_position[threats["run"].to_numpy()[both]]
        total = np.bincount(position, weights=(track - first)[both], minlength=n)
        held = np.bincount(position, minlength=n)
        to_track = np.where(held > 0, total / np.maximum(held, 1), np.nan)
    return _summary(replications, counts, to_track)


# (name, table, column, condition): the per-replication counts by label that the summary needs.
_COUNTS = (
    ("hits", "threats", "asset_hit", ""),
    ("by_type", "shots", "interceptor", ""),
    ("by_partner", "shots", "partner", ""),
    ("refusals", "refusals", "reason", ""),
    ("kills", "threats", "by_partner", " and fate = 'intercepted'"),
    ("verdicts", "decisions", "verdict", ""),
    ("first_tracks", "threats", "first_track_partner", ""),
)


def summarise_folder(folder) -> dict:
    """`summarise` of a results folder whose tables are folders of parts, without reading them into
    memory: the replications table (one row per replication) and per-replication counts that
    DuckDB aggregates over the parts. Gives the same figures as `summarise` of the whole tables."""
    import duckdb

    from shieldwall.results.store import read_table, table_glob

    replications = read_table(folder, "replications")
    runs = replications["run"].to_numpy()
    n = runs.size
    run_position = np.zeros(int(runs.max()) + 1 if n else 0, dtype=np.int64)
    run_position[runs] = np.arange(n)
    counts = {}
    con = duckdb.connect()
    try:
        con.execute("set threads to 2")
        columns: dict[str, list[str]] = {}  # per table, read once

        def glob_of(table: str) -> str:
            return table_glob(folder, table).replace("'", "''")

        def has(table: str, column: str) -> bool:
            if table not in columns:
                described = con.execute(f"describe select * from read_parquet('{glob_of(table)}')").fetchall()
                columns[table] = [d[0] for d in described]
            return column in columns[table]

        for key, table, column, condition in _COUNTS:
            glob = glob_of(table)
            if not has(table, column):
                counts[key] = {}  # a folder written before the column existed
                continue
            rows = con.execute(
                f"select {column}::varchar as label, run, count(*) as n from read_parquet('{glob}') "
                f"where {column} is not null{condition} group by all").fetchnumpy()
            found = {}
            for label in sorted(set(rows["label"].tolist()), key=str):
                mine = rows["label"] == label
                values = np.zeros(n)
                values[run_position[rows["run"][mine]]] = rows["n"][mine]
                found[str(label)] = values
            counts[key] = found
        glob = glob_of("threats")
        to_track = None
        if has("threats", "first_detect_t_s"):
            rows = con.execute(
                f"select run, avg(track_t_s - first_detect_t_s) as d from read_parquet('{glob}') "
                "where isfinite(track_t_s) and isfinite(first_detect_t_s) group by run").fetchnumpy()
            to_track = np.full(n, np.nan)
            to_track[run_position[rows["run"]]] = rows["d"]
    finally:
        con.close()
    return _summary(replications, counts, to_track)


def _summary(replications: pa.Table, counts: dict[str, dict[str, np.ndarray]],
             detect_to_track_s: np.ndarray | None = None) -> dict:
    """`detect_to_track_s`: per replication, the mean over threats in the picture of the time from
    a threat's first detection by any sensor to its entry into the picture (firm track, release
    and latency); NaN where no threat entered it."""
    clusters = replications["realisation"].to_numpy()
    n = clusters.size
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
    return {
        "runs": int(n),
        "realisations": realisations,
        "confidence": CONFIDENCE,
        "intervals": interval_note(realisations),
        "threats": by_class,
        "p_zero_leakers": asdict(proportion_interval(col["leaked"] == 0, clusters)),
        "hits_per_asset": {k: count(v) for k, v in counts["hits"].items()},
        "interceptors_by_type": {k: count(v) for k, v in counts["by_type"].items()},
        "interceptors_by_partner": {k: count(v) for k, v in counts["by_partner"].items()},
        "intercepts_by_partner": {k: count(v) for k, v in counts["kills"].items()},
        # Per partner: threats whose first track in the reported picture came from its sensors.
        "first_tracks_by_partner": {k: count(v) for k, v in counts["first_tracks"].items()},
        "refusals_by_reason": {k: count(v) for k, v in counts["refusals"].items()},
        "wasted_shots": count(col["wasted_shots"]),
        "missed_with_capacity": count(col["missed_with_capacity"]),
        # Per leaker, each unit that had an allowed shot at it: its last word (why it did not fire again).
        "leaker_verdicts": {k: count(v) for k, v in counts["verdicts"].items()},
        "defence_cost_usd": amount(col["defence_cost_usd"]),
        "attack_cost_usd": amount(col["attack_cost_usd"]),
        "cost_exchange_ratio": asdict(ratio_interval(col["defence_cost_usd"], col["attack_cost_usd"], clusters)),
        "value_lost_usd": amount(col["value_lost_usd"]),
        "detection_to_picture_s": _finite_mean(detect_to_track_s, clusters),
        # Per class: the deciding picture's predicted error at each threat's first engagement
        # (folders written before the columns existed, and fidelities without track errors: none).
        "track_error_at_engagement_m": {
            klass: found for klass in THREAT_CLASSES
            if (found := _finite_mean(col.get(f"track_error_m_{klass}"), clusters)) is not None},
    }


def _finite_mean(values: np.ndarray | None, clusters: np.ndarray) -> dict | None:
    """The mean over the replications where `values` is finite, with its interval; None where
    it is nowhere finite."""
    if values is None or not np.isfinite(values).any():
        return None
    finite = np.isfinite(values)
    return asdict(mean_interval(values[finite], clusters[finite]))


__all__ = [
    "CONFIDENCE", "UNBOUNDED_NOTE", "Estimate", "amount_interval", "count_interval", "fixed_or_count", "interval_caption",
    "interval_note", "mean_interval", "proportion_interval", "ratio_interval", "summarise", "summarise_folder",
    "wilson_interval",
]
