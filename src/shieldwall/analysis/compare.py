"""Comparing variants of a scenario with its base: paired differences under common random numbers.

For each measure m and replication i, d_i = m_i(variant) - m_i(base); the difference reported is
mean(d) with a t interval across raid realisations (a paired comparison: both members of a pair
fly the same realisation with the same seeds, `_stats.clusters`). Because both runs of a
replication share their random numbers, the interval is far narrower than one from two
independent runs, and a variant identical to its base differs by exactly zero.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from shieldwall.analysis import _stats
from shieldwall.analysis._stats import CONFIDENCE, COST_CAUTION
from shieldwall.analysis.evaluate import MEASURES, Measured, Settings, evaluate
from shieldwall.analysis.variants import Variant, base_variant
from shieldwall.scenario import Scenario

FORMAT = "shieldwall.compare/1"

AMOUNTS = ("value_lost_usd", "defence_cost_usd", "attack_cost_usd")
"""Measures in USD; every other measure is a count of threats or shots."""


def _block(m: Measured, scenario: Scenario, groups: np.ndarray) -> dict:
    out = {}
    for name in MEASURES:
        if name in AMOUNTS:
            out[name] = _stats.amount(m[name], groups)
        elif name == "launched":
            out[name] = _stats.fixed(m[name], groups)
        else:
            out[name] = _stats.count(m[name], groups)
    out["cost_exchange_ratio"] = _stats.ratio(m["defence_cost_usd"], m["attack_cost_usd"], groups)
    labels = [p.label for p in scenario.partners]
    out["shots_by_partner"] = {labels[k]: _stats.count(m.shots_by_partner[:, k], groups) for k in range(len(labels))
                               if m.shots_by_partner[:, k].any()}
    return out


def _difference(a: Measured, b: Measured, scenario: Scenario, groups: np.ndarray, identical: bool) -> dict:
    def diff(values: np.ndarray, unit: float | None) -> dict:
        return dict(_stats.ZERO) if identical else _stats.difference(values, groups, unit)

    out = {name: diff(a[name] - b[name], None if name in AMOUNTS else 1.0) for name in MEASURES}
    labels = [p.label for p in scenario.partners]
    delta = a.shots_by_partner - b.shots_by_partner
    out["shots_by_partner"] = {labels[k]: diff(delta[:, k], 1.0) for k in range(len(labels))
                               if a.shots_by_partner[:, k].any() or b.shots_by_partner[:, k].any()}
    return out


def same_as_base(variant: Variant, base: Variant) -> bool:
    """Whether a variant is its base under another name: then it differs by exactly zero."""
    if variant.coordination != base.coordination:
        return False
    return variant.scenario.model_copy(update={"name": base.scenario.name}) == base.scenario


def compare(scenario: Scenario, variants: Sequence[Variant], settings: Settings = Settings(), workers: int = 1,
            base: Variant | None = None, cache: Path | None | bool = True,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Each variant against `base` (default: the scenario as it is), as a JSON-ready dict."""
    started = time.perf_counter()
    base = base or base_variant(scenario)
    measured = evaluate(scenario, [base, *variants], settings, workers, cache, progress)
    reference = measured[0]
    groups = _stats.clusters(settings.runs, settings.realisations)
    rows = []
    for variant, m in zip(variants, measured[1:]):
        identical = same_as_base(variant, base)
        rows.append({
            "name": variant.name,
            "changes": list(variant.changes),
            "coordination": variant.coordination,
            "identical_to_base": identical,
            "measures": _block(m, variant.scenario, groups),
            "difference": _difference(m, reference, scenario, groups, identical),
        })
    return {
        "format": FORMAT,
        "scenario": scenario.name,
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations, "confidence": CONFIDENCE,
        "intervals": _stats.interval_note(settings.realisations),
        "paired": ("per-replication differences (variant - base) under common random numbers; "
                   "t interval across raid realisations"),
        "base": {"name": base.name, "coordination": base.coordination,
                 "measures": _block(reference, scenario, groups)},
        "variants": rows,
        "caution": COST_CAUTION,
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
