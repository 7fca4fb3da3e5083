"""Comparing variants of a scenario with its base: paired differences under common random numbers.

For each measure m and replication i, d_i = m_i(variant) - m_i(base); the difference reported is
mean(d) with a t interval over replications (a paired comparison). Because both runs of a
replication share their random numbers, the interval is far narrower than one from two
independent runs, and two identical variants give exactly zero.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from shieldwall.analysis._stats import CONFIDENCE, COST_CAUTION, interval, ratio
from shieldwall.analysis.evaluate import MEASURES, Measured, Settings, evaluate
from shieldwall.analysis.variants import Variant, base_variant
from shieldwall.scenario import Scenario

FORMAT = "shieldwall.compare/1"



def _block(m: Measured, scenario: Scenario) -> dict:
    out = {name: interval(m[name]) for name in MEASURES}
    out["cost_exchange_ratio"] = ratio(m["defence_cost_usd"], m["attack_cost_usd"])
    labels = [p.label for p in scenario.partners]
    out["shots_by_partner"] = {labels[k]: interval(m.shots_by_partner[:, k]) for k in range(len(labels))
                               if m.shots_by_partner[:, k].any()}
    return out


def _difference(a: Measured, b: Measured, scenario: Scenario) -> dict:
    out = {name: interval(a[name] - b[name]) for name in MEASURES}
    labels = [p.label for p in scenario.partners]
    diff = a.shots_by_partner - b.shots_by_partner
    out["shots_by_partner"] = {labels[k]: interval(diff[:, k]) for k in range(len(labels))
                               if a.shots_by_partner[:, k].any() or b.shots_by_partner[:, k].any()}
    return out


def compare(scenario: Scenario, variants: Sequence[Variant], settings: Settings = Settings(), workers: int = 1,
            base: Variant | None = None, cache: Path | None | bool = True,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Each variant against `base` (default: the scenario as it is), as a JSON-ready dict."""
    started = time.perf_counter()
    base = base or base_variant(scenario)
    measured = evaluate(scenario, [base, *variants], settings, workers, cache, progress)
    reference = measured[0]
    rows = []
    for variant, m in zip(variants, measured[1:]):
        rows.append({
            "name": variant.name,
            "changes": list(variant.changes),
            "coordination": variant.coordination,
            "identical_to_base": variant.key == base.key,
            "measures": _block(m, variant.scenario),
            "difference": _difference(m, reference, scenario),
        })
    return {
        "format": FORMAT,
        "scenario": scenario.name,
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations, "confidence": CONFIDENCE,
        "paired": "per-replication differences (variant - base) under common random numbers; t interval",
        "base": {"name": base.name, "coordination": base.coordination, "measures": _block(reference, scenario)},
        "variants": rows,
        "caution": COST_CAUTION,
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
