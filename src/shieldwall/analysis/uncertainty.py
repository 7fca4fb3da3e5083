"""Parameter uncertainty: the answer as a distribution over plausible parameter values, beside the
Monte Carlo noise.

A catalog or scenario value may declare a `range` (`Sourced.range`, with the value's provenance).
`uncertainty` draws N parameter sets over the declared ranges of the values the scenario uses
(a Latin hypercube, uniform in each range), flies each set under common random numbers
(`sweep.fly`) and separates two spreads of each measure's per-raid mean:

- Monte Carlo spread: the standard error of one set's mean over its replications (cluster-robust,
  by raid realisation), averaged over the sets as a variance;
- parameter spread: the standard deviation of the set means with that Monte Carlo variance taken
  out, sqrt(max(0, var_between - mean(var_within))), the usual one-way random-effects split
  (e.g. Montgomery, Design and Analysis of Experiments, ch. 13). Under common random numbers the
  sets share their dice, so the Monte Carlo errors of the set means are positively correlated and
  the between-set variance holds less of them than independent runs would: the correction is
  then conservative (it can take out a little too much).

The spread of the answer over the sets (its 5th and 95th percentiles) is reported beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from shieldwall.analysis import _stats
from shieldwall.analysis.evaluate import Settings
from shieldwall.analysis.parameters import Parameter, Setting
from shieldwall.analysis.sweep import design, fly
from shieldwall.results.intervals import moments
from shieldwall.scenario import Scenario

FORMAT = "shieldwall.uncertainty/1"
MEASURES = (("leaked", "leakers per raid"), ("p_no_leaker", "P(no leaker)"), ("value_lost_usd", "value lost (USD)"),
            ("shots", "interceptors fired"))


def _used_types(scenario: Scenario) -> dict[str, set[str]]:
    return {"interceptors": {u.interceptor for u in scenario.fire_units},
            "threats": {w.threat for w in scenario.raid.waves},
            "sensors": {s.type for s in scenario.sensors}}


def declared_ranges(scenario: Scenario) -> list[Setting]:
    """Every value with a declared range that the scenario uses (catalog types of its units,
    sensors and waves; its own values), as settings over [low, high]."""
    used = _used_types(scenario)
    found: list[Setting] = []

    def walk(node, path: list[str]) -> None:
        if isinstance(node, dict):
            if "value" in node and node.get("range") is not None:
                low, high = node["range"]
                found.append(Setting(Parameter(".".join(path), float(node["value"]), False), float(low),
                                     float(high), None))
                return
            for key, child in node.items():
                if path == ["catalog"] and key in used:
                    for type_id, entry in child.items():
                        if type_id in used[key]:
                            walk(entry, [*path, key, type_id])
                elif path != ["catalog"]:
                    walk(child, [*path, key])
        elif isinstance(node, list):
            for child in node:
                if isinstance(child, dict) and "id" in child:
                    walk(child, [*path, str(child["id"])])

    walk(scenario.model_dump(mode="json", by_alias=True), [])
    return found


def uncertainty(scenario: Scenario, sets: int, settings: Settings, *, workers: int = 1,
                cache: Path | None | bool = True, progress: Callable[[int, int], None] | None = None) -> dict:
    """The answer over `sets` parameter sets drawn from the declared ranges (JSON-ready report)."""
    ranges = declared_ranges(scenario)
    if not ranges:
        raise ValueError("no value that the scenario uses declares a range (give one as {value, range: [low, high], "
                         "source | notional})")
    if sets < 2:
        raise ValueError("--uncertainty needs at least 2 parameter sets")
    started = time.perf_counter()
    values = design(ranges, "lhs", sets, settings.seed)
    measured, bases = fly(scenario, values, settings, workers=workers, cache=cache, progress=progress)
    clusters = _stats.clusters(settings.runs, settings.realisations)
    summary = {}
    for name, label in MEASURES:
        per_set = [(m["leaked"] == 0).astype(float) if name == "p_no_leaker" else m[name] for m in measured]
        stats = [moments(v, clusters) for v in per_set]
        means = np.array([s.mean for s in stats])
        within = np.array([s.variance for s in stats])
        between = float(means.var(ddof=1))
        mc_variance = float(np.nanmean(within)) if np.isfinite(within).any() else float("nan")
        summary[name] = {
            "label": label,
            "mean_over_sets": float(means.mean()),
            "p05_over_sets": float(np.percentile(means, 5)), "p95_over_sets": float(np.percentile(means, 95)),
            "sd_over_sets": float(np.sqrt(between)),
            "parameter_sd": float(np.sqrt(max(0.0, between - mc_variance))) if np.isfinite(mc_variance) else None,
            "monte_carlo_sd": float(np.sqrt(mc_variance)) if np.isfinite(mc_variance) else None,
            "per_set": means.tolist(),
        }
    return {
        "format": FORMAT, "scenario": scenario.name, "sets": sets, "design": "Latin hypercube, uniform in each range",
        "parameters": [{"path": r.path, "value": r.parameter.base, "low": r.low, "high": r.high} for r in ranges],
        "set_values": values, "measures": summary,
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations, "coordination": scenario.coordination, "bases": bases,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "note": ("parameter spread: sd of the set means with the Monte Carlo variance taken out; Monte Carlo spread: "
                 "standard error of one set's mean over its replications"),
    }
