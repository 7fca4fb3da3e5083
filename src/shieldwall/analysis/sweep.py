"""Sweeps: one scenario flown at many settings of its parameters, under common random numbers.

Designs over the `--set` ranges (`analysis.parameters`):

- `grid`: every combination of each range's points;
- `lhs`, `sobol`: Latin hypercube or scrambled Sobol points (scipy.stats.qmc) over the box;
- `oat`: one at a time, the scenario's own values and each range's ends with the others at the
  scenario's values, for a tornado chart;
- `saltelli`: SALib's Sobol sequence design (`SALib.sample.sobol`), `N (D + 2)` points, from
  which SALib's estimator (`SALib.analyze.sobol`, first-order and total indices with bootstrap
  intervals) apportions the variance of the mean leakers between the parameters.

Every point uses the same replication seeds and raid realisations (`analysis.evaluate`), so a
difference between points is the parameters', not the dice's. Points that keep the raid, the
defended assets and the threat types are flown as variants of one base, reusing its compiled
raid realisations and every sensor's and unit's geometry they leave unchanged; a point that
changes the raid gets a base of its own, with the same seeds.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from shieldwall.analysis import _stats
from shieldwall.analysis.evaluate import Settings, evaluate
from shieldwall.analysis.parameters import Setting, with_values
from shieldwall.analysis.variants import Variant
from shieldwall.scenario import Scenario

DESIGNS = ("grid", "lhs", "sobol", "oat", "saltelli")
FORMAT = "shieldwall.sweep/1"
# Measures of each point in the table: (name, kind of interval).
COLUMNS = (("leaked", "count"), ("p_no_leaker", "proportion"), ("value_lost_usd", "amount"),
           ("intercepted", "count"), ("shots", "count"), ("defence_cost_usd", "amount"))


def design(ranges: Sequence[Setting], kind: str, points: int, seed: int) -> list[dict[str, float]]:
    """The parameter values of every point (path -> value), in order."""
    if kind not in DESIGNS:
        raise ValueError(f"design must be one of {', '.join(DESIGNS)}, got {kind!r}")
    paths = [r.path for r in ranges]
    if kind == "grid":
        return [dict(zip(paths, values)) for values in itertools.product(*(r.grid(points) for r in ranges))]
    if kind == "oat":
        base = {r.path: r.parameter.base for r in ranges}
        out = [dict(base)]
        for r in ranges:
            for end in (r.low, r.high):
                out.append({**base, r.path: end})
        return out
    if kind == "saltelli":
        from SALib.sample import sobol as saltelli

        unit = saltelli.sample(_problem(ranges), points, calc_second_order=False, seed=seed)
    else:
        from scipy.stats import qmc

        engine = (qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)) if kind == "lhs"
                  else qmc.Sobol(d=len(ranges), scramble=True, rng=np.random.default_rng(seed)))
        unit = engine.random(points)
    return [{r.path: r.at(u) for r, u in zip(ranges, row)} for row in unit]


def _problem(ranges: Sequence[Setting]) -> dict:
    """SALib's problem on the unit cube (values are mapped to each range by `Setting.at`)."""
    return {"num_vars": len(ranges), "names": [r.path for r in ranges], "bounds": [[0.0, 1.0]] * len(ranges)}


def _group_key(scenario: Scenario) -> str:
    """What a variant must share with its base (evaluate's rule, and the threat types that its
    compiled raid realisations were built from)."""
    return scenario.raid.model_dump_json() + scenario.model_dump_json(include={"assets"}) + \
        scenario.catalog.model_dump_json(include={"threats"})


def fly(scenario: Scenario, values: Sequence[dict[str, float]], settings: Settings, *, workers: int = 1,
        cache: Path | None | bool = True, progress: Callable[[int, int], None] | None = None) -> tuple[list, int]:
    """Per-replication measures (`evaluate`) of `scenario` with each point's values set, and the
    number of bases flown. Points that share a raid, assets and threat types share a base."""
    scenarios = [with_values(scenario, v) for v in values]
    groups: dict[str, list[int]] = {}
    for k, s in enumerate(scenarios):
        groups.setdefault(_group_key(s), []).append(k)
    measured: list = [None] * len(values)
    total = len(values) * settings.runs
    done_before = 0

    def tick(done: int, _total: int) -> None:
        if progress:
            progress(done_before + done, total)

    for members in groups.values():
        base = scenarios[members[0]]
        variants = [Variant(f"point {k}", scenarios[k], scenario.coordination) for k in members]
        for k, m in zip(members, evaluate(base, variants, settings, workers, cache, tick)):
            measured[k] = m
        done_before += len(members) * settings.runs
    return measured, len(groups)


def sweep(scenario: Scenario, ranges: Sequence[Setting], kind: str, points: int, settings: Settings, *,
          workers: int = 1, cache: Path | None | bool = True,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Fly every point of the design; return the report (JSON-ready, with `rows`: one per point and
    measure) and, for the designs that give them, one-at-a-time effects and Sobol indices."""
    started = time.perf_counter()
    values = design(ranges, kind, points, settings.seed)
    measured, bases = fly(scenario, values, settings, workers=workers, cache=cache, progress=progress)
    clusters = _stats.clusters(settings.runs, settings.realisations)
    rows, points_out = [], []
    for k, (point, m) in enumerate(zip(values, measured)):
        estimates = {}
        for name, interval in COLUMNS:
            if name == "p_no_leaker":
                estimates[name] = _stats.proportion(m["leaked"] == 0, clusters)
            else:
                estimates[name] = getattr(_stats, interval)(m[name], clusters)
        points_out.append({"point": k, "values": point, "measures": estimates})
        for name, e in estimates.items():
            rows.append({"point": k, **point, "measure": name, **e})
    report = {
        "format": FORMAT, "scenario": scenario.name, "design": kind, "points": len(values),
        "parameters": [{"path": r.path, "scenario_value": r.parameter.base, "low": r.low, "high": r.high,
                        "integer": r.parameter.integer} for r in ranges],
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations, "coordination": scenario.coordination,
        "bases": bases, "results": points_out, "rows": rows,
    }
    if kind == "oat":
        report["tornado"] = _tornado(ranges, values, measured, clusters)
    if kind == "saltelli":
        report["sobol"] = _sobol(ranges, measured, settings.seed)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    return report


def _tornado(ranges: Sequence[Setting], values: list[dict], measured: list, clusters: np.ndarray) -> list[dict]:
    """Effect on mean leakers and value lost of each parameter at its low and high end, the others
    at the scenario's values: paired differences against the scenario's own point."""
    base = measured[0]
    out = []
    for j, r in enumerate(ranges):
        low, high = measured[1 + 2 * j], measured[2 + 2 * j]
        entry = {"path": r.path, "low": r.low, "high": r.high, "scenario_value": r.parameter.base}
        for name, unit in (("leaked", 1.0), ("value_lost_usd", None)):
            entry[name] = {"at_low": _stats.difference(low[name] - base[name], clusters, unit),
                           "at_high": _stats.difference(high[name] - base[name], clusters, unit)}
        entry["swing_leaked"] = abs(entry["leaked"]["at_high"]["mean"] - entry["leaked"]["at_low"]["mean"])
        out.append(entry)
    return sorted(out, key=lambda e: -e["swing_leaked"])


def _sobol(ranges: Sequence[Setting], measured: list, seed: int) -> dict:
    """First-order and total Sobol indices of the mean leakers (and value lost), by SALib."""
    from SALib.analyze import sobol

    problem = _problem(ranges)
    out = {"estimator": "SALib.analyze.sobol (Saltelli 2002, Jansen 1999), bootstrap 95 % intervals",
           "output": "mean per point over its replications"}
    for name in ("leaked", "value_lost_usd"):
        y = np.array([m[name].mean() for m in measured])
        if np.all(y == y[0]):
            out[name] = None  # no variance to apportion
            continue
        result = sobol.analyze(problem, y, calc_second_order=False, seed=seed, print_to_console=False)
        out[name] = {r.path: {"S1": float(result["S1"][j]), "S1_conf": float(result["S1_conf"][j]),
                              "ST": float(result["ST"][j]), "ST_conf": float(result["ST_conf"][j])}
                     for j, r in enumerate(ranges)}
    return out


def table(report: dict):
    """The tidy table: one row per point and measure (the parameters' values as columns)."""
    import pandas as pd

    return pd.DataFrame(report["rows"])
