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
    NAN,
    ClusterSums,
    Estimate,
    amount_interval,
    cluster_sums,
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


def fixed_or_count(values: np.ndarray | ClusterSums, clusters: np.ndarray | None = None) -> Estimate:
    """A count the scenario fixes (threats launched): exact when it is the same in every
    replication, else a count interval. `values`: one per replication, or their `ClusterSums`."""
    sums = cluster_sums(values, clusters)
    if sums.count.sum() and sums.lowest == sums.highest:
        return Estimate(sums.lowest, sums.lowest, sums.lowest)
    return count_interval(sums)


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


def _finite_only(column: str) -> bool:
    """Replication columns that are NaN (null) where the replication has no value: their mean is
    over the replications that have one."""
    return column.startswith("track_error_m_")


def summarise(tables: dict[str, pa.Table]) -> dict:
    """The headline figures of a run, as plain data (non-finite numbers are NaN: write them with
    `shieldwall._json`, which makes them null)."""
    replications = tables["replications"]
    runs = replications["run"].to_numpy()
    clusters = replications["realisation"].to_numpy()
    n = runs.size
    run_position = np.zeros(int(runs.max()) + 1 if n else 0, dtype=np.int64)
    run_position[runs] = np.arange(n)

    def sums(values: np.ndarray, finite_only: bool = False) -> ClusterSums:
        finite = np.isfinite(values) if finite_only else slice(None)
        return ClusterSums.of(values[finite], clusters[finite])

    quantities = {name: sums(replications[name].to_numpy(), _finite_only(name))
                  for name in replications.column_names if name not in ("run", "realisation")}
    quantities["no_leaker"] = sums(replications["leaked"].to_numpy() == 0)
    threats, shots = tables["threats"], tables["shots"]
    per_run = {
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
    counts = {key: {label: sums(values) for label, values in found.items()} for key, found in per_run.items()}
    to_track = None
    if "first_detect_t_s" in threats.column_names:
        track, first = threats["track_t_s"].to_numpy(), threats["first_detect_t_s"].to_numpy()
        both = np.isfinite(track) & np.isfinite(first)
        position = run_position[threats["run"].to_numpy()[both]]
        total = np.bincount(position, weights=(track - first)[both], minlength=n)
        held = np.bincount(position, minlength=n)
        to_track = sums(np.where(held > 0, total / np.maximum(held, 1), np.nan), finite_only=True)
    return _summary(quantities, counts, to_track)


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


_DUCKDB_MEMORY = "256MB"


def _aggregates(expression: str, prefix: str = "", finite_only: bool = False) -> str:
    """SQL aggregates of `expression` over a group: how many values, their sum, smallest and
    largest, named `<prefix>count` ... (only the finite values with `finite_only`)."""
    where = f" filter (where isfinite({expression}))" if finite_only else ""
    return ", ".join(f"{function}({expression}){where}::double as \"{prefix}{name}\"" for function, name in
                     (("count", "count"), ("sum", "total"), ("min", "lowest"), ("max", "highest")))


def _cluster_sums(rows: dict[str, np.ndarray], position: np.ndarray, realisations: int,
                  prefix: str = "") -> ClusterSums:
    """`ClusterSums` from rows of `_aggregates`, one per realisation found (`position`: its place
    among all the run's `realisations`, which have no value where not found)."""
    count, total = np.zeros(realisations, np.int64), np.zeros(realisations)
    found = np.asarray(rows[f"{prefix}count"], dtype=np.int64)
    count[position], total[position] = found, np.ma.filled(rows[f"{prefix}total"], 0.0)  # null: no value
    held = found > 0
    if not held.any():
        return ClusterSums(count, total, NAN, NAN)
    return ClusterSums(count, total, float(np.min(np.ma.filled(rows[f"{prefix}lowest"], np.nan)[held])),
                       float(np.max(np.ma.filled(rows[f"{prefix}highest"], np.nan)[held])))


def summarise_folder(folder) -> dict:
    """`summarise` of a results folder whose tables are folders of parts, without reading them into
    memory: DuckDB reduces every per-replication quantity and count over the parts to its sums per
    raid realisation (`results.intervals.ClusterSums`), so memory does not grow with the number of
    replications. Gives the same figures as `summarise` of the whole tables (to rounding)."""
    import tempfile

    import duckdb

    from shieldwall.results.store import table_glob

    def source(table: str) -> str:
        return "read_parquet('" + table_glob(folder, table).replace("'", "''") + "')"

    spill = tempfile.TemporaryDirectory(prefix="shieldwall-summary-")
    con = duckdb.connect()
    try:
        con.execute("set threads to 2")
        con.execute("set enable_progress_bar = false")  # stdout may be the run's JSON
        # Grouping by replication (counts per run) takes memory in proportion to the runs: past
        # this, DuckDB spills its hash tables to disk instead.
        con.execute(f"set memory_limit = '{_DUCKDB_MEMORY}'")
        con.execute(f"set temp_directory = '{spill.name}'")
        columns: dict[str, list[str]] = {}  # per table, read once

        def column_names(table: str) -> list[str]:
            if table not in columns:
                columns[table] = [d[0] for d in con.execute(f"describe select * from {source(table)}").fetchall()]
            return columns[table]

        expressions = {name: (f'"{name}"', _finite_only(name)) for name in column_names("replications")
                       if name not in ("run", "realisation")}
        expressions["no_leaker"] = ("(leaked = 0)::int", False)
        rows = con.execute(
            f"select realisation, count(*) as runs, "
            + ", ".join(_aggregates(e, f"{name}:", finite) for name, (e, finite) in expressions.items())
            + f" from {source('replications')} group by realisation order by realisation").fetchnumpy()
        realisations = np.asarray(rows["realisation"])
        every = np.arange(realisations.size)
        quantities = {name: _cluster_sums(rows, every, realisations.size, f"{name}:") for name in expressions}
        runs = np.asarray(rows["runs"], dtype=np.int64)

        def by_realisation(per_run: str) -> str:
            """Rows of `per_run` (one per run, or per label and run) with the run's realisation."""
            return f"({per_run}) join (select run, realisation from {source('replications')}) using (run)"

        counts = {}
        for key, table, column, condition in _COUNTS:
            if column not in column_names(table):
                counts[key] = {}  # a folder written before the column existed
                continue
            found = con.execute(
                f"select label, realisation, {_aggregates('k')} from " + by_realisation(
                    f"select {column}::varchar as label, run, count(*) as k from {source(table)} "
                    f"where {column} is not null{condition} group by all")
                + " group by all order by label, realisation").fetchnumpy()
            counts[key] = {}
            for label in sorted(set(found["label"].tolist()), key=str):
                mine = {k: v[found["label"] == label] for k, v in found.items()}
                held = _cluster_sums(mine, np.searchsorted(realisations, mine["realisation"]), realisations.size)
                # Over the replications with a row of this label; one without any counts 0.
                lowest = held.lowest if held.count.sum() == runs.sum() else 0.0
                counts[key][str(label)] = ClusterSums(runs, held.total, lowest, held.highest)
        to_track = None
        if "first_detect_t_s" in column_names("threats"):
            found = con.execute(
                f"select realisation, {_aggregates('d')} from " + by_realisation(
                    f"select run, avg(track_t_s - first_detect_t_s) as d from {source('threats')} "
                    "where isfinite(track_t_s) and isfinite(first_detect_t_s) group by run")
                + " group by realisation").fetchnumpy()
            to_track = _cluster_sums(found, np.searchsorted(realisations, found["realisation"]), realisations.size)
    finally:
        con.close()
        spill.cleanup()
    return _summary(quantities, counts, to_track)


def _summary(quantities: dict[str, ClusterSums], counts: dict[str, dict[str, ClusterSums]],
             detection_to_picture_s: ClusterSums | None = None) -> dict:
    """The figures from the `ClusterSums` by raid realisation of every column of the replications
    table (and `no_leaker`, the indicator of leaked == 0) and of each count by label.
    `detection_to_picture_s`: those of the per-replication mean over threats in the picture of the
    time from a threat's first detection by any sensor to its entry into the picture (firm track,
    release and latency), over the replications where a threat entered it."""
    launched = quantities["launched"]
    n = int(launched.count.sum())
    realisations = int(np.count_nonzero(launched.count))

    def count(sums: ClusterSums) -> dict:
        return asdict(count_interval(sums))

    def amount(sums: ClusterSums) -> dict:
        return asdict(amount_interval(sums))

    by_class = {
        klass: {
            "launched": asdict(fixed_or_count(quantities[f"launched_{klass}"])),
            **{fate: count(quantities[f"{fate}_{klass}"]) for fate in FATES},
        }
        for klass in THREAT_CLASSES
        if quantities[f"launched_{klass}"].total.sum() > 0
    }
    by_class["all"] = {"launched": asdict(fixed_or_count(launched)),
                       **{fate: count(quantities[fate]) for fate in FATES}}
    return {
        "runs": n,
        "realisations": realisations,
        "confidence": CONFIDENCE,
        "intervals": interval_note(realisations),
        "threats": by_class,
        "p_zero_leakers": asdict(proportion_interval(quantities["no_leaker"])),
        "hits_per_asset": {k: count(v) for k, v in counts["hits"].items()},
        "interceptors_by_type": {k: count(v) for k, v in counts["by_type"].items()},
        "interceptors_by_partner": {k: count(v) for k, v in counts["by_partner"].items()},
        "intercepts_by_partner": {k: count(v) for k, v in counts["kills"].items()},
        # Per partner: threats whose first track in the reported picture came from its sensors.
        "first_tracks_by_partner": {k: count(v) for k, v in counts["first_tracks"].items()},
        "refusals_by_reason": {k: count(v) for k, v in counts["refusals"].items()},
        "wasted_shots": count(quantities["wasted_shots"]),
        "missed_with_capacity": count(quantities["missed_with_capacity"]),
        # Per leaker, each unit that had an allowed shot at it: its last word (why it did not fire again).
        "leaker_verdicts": {k: count(v) for k, v in counts["verdicts"].items()},
        "defence_cost_usd": amount(quantities["defence_cost_usd"]),
        "attack_cost_usd": amount(quantities["attack_cost_usd"]),
        "cost_exchange_ratio": asdict(ratio_interval(quantities["defence_cost_usd"], quantities["attack_cost_usd"])),
        "value_lost_usd": amount(quantities["value_lost_usd"]),
        "detection_to_picture_s": _finite_mean(detection_to_picture_s),
        # Per class: the deciding picture's predicted error at each threat's first engagement
        # (folders written before the columns existed, and fidelities without track errors: none).
        "track_error_at_engagement_m": {
            klass: found for klass in THREAT_CLASSES
            if (found := _finite_mean(quantities.get(f"track_error_m_{klass}"))) is not None},
    }


def _finite_mean(sums: ClusterSums | None) -> dict | None:
    """The mean over the replications where a quantity is finite (`sums` of those alone), with
    its interval; None where it is nowhere finite."""
    if sums is None or not sums.count.any():
        return None
    return asdict(mean_interval(sums))


__all__ = [
    "CONFIDENCE", "UNBOUNDED_NOTE", "Estimate", "amount_interval", "count_interval", "fixed_or_count", "interval_caption",
    "interval_note", "mean_interval", "proportion_interval", "ratio_interval", "summarise", "summarise_folder",
    "wilson_interval",
]
