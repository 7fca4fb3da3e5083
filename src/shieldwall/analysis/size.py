"""Sizing: the smallest stock, or the largest raid, that meets a risk target.

A target is a statement about the per-replication measures of `analysis.evaluate`:
`P(leakers <= 2) >= 0.95` (a share of replications) or `E(value_lost_usd) <= 1e9` (a mean).
The search varies one whole number, a fire unit's magazine (every unit of an interceptor type
when a type is named) or the threats of a wave or class, and bisects on it, assuming the target
holds from the answer on (more rounds) or up to it (fewer threats).

Every point is flown under common random numbers (the same replication seeds, `evaluate`), so
replication i sees the same threats, detections and kill draws at every stock: a threat that the
i-th draw kills with n rounds is killed with n + 1 too, and the estimated risk falls with the stock
replication by replication, not only on average. The decision at each point is on the estimate;
the report gives the interval of the estimate at the answer and at its neighbour (the last point
that fails), so that a reader sees how close the call was.

A campaign is sized on its production instead (`size_resupply`): the smallest resupply of one
interceptor type, in whole interceptors per 30 days, for which the campaign's absorb answer meets a
target on CAMPAIGN_MEASURES, e.g. `P(raids_until_dry >= 10) >= 0.9` or `E(raids_absorbed) >= 5`.
The same search (`search`) runs over a function from the value to the per-replication measures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shieldwall.analysis import _stats
from shieldwall.analysis.campaign import Campaign, Resupply, absorb_measures, campaign_scenario
from shieldwall.analysis.evaluate import MEASURES, Settings, evaluate
from shieldwall.analysis.parameters import ParameterError, with_values
from shieldwall.analysis.variants import Variant, base_variant
from shieldwall.scenario import Scenario
from shieldwall.scenario.model import MAX_MAGAZINE, THREAT_CLASSES

ALIASES = {"leakers": "leaked", "leaker": "leaked", "value_lost": "value_lost_usd", "interceptors": "shots",
           "cost": "defence_cost_usd", "defence_cost": "defence_cost_usd"}
_OPS: dict[str, Callable] = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater,
                             "==": np.equal}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PROBABILITY = re.compile(rf"^\s*P\s*\(\s*(\w+)\s*(<=|<|>=|>|==)\s*({_NUMBER})\s*\)\s*(>=|>)\s*({_NUMBER})\s*$")
_MEAN = re.compile(rf"^\s*(?:E|mean)\s*[\(\[]\s*(\w+)\s*[\)\]]\s*(<=|<|>=|>)\s*({_NUMBER})\s*$")
MAX_WAVE_COUNT = 100_000
CAMPAIGN_MEASURES = ("raids_absorbed", "raids_until_dry", *(f"raids_until_dry_layer_{n}" for n in range(1, 10)))
"""Per-replication measures of a campaign's absorb answer that a target may name
(`analysis.campaign.absorb_measures`): raids absorbed before the leak share passes the threshold,
raids until the layer of the resupplied interceptor runs dry, or until layer N does."""
DAYS_PER_RATE = 30  # a resupply rate is sized in whole interceptors per 30 days


class TargetError(ValueError):
    """A target that cannot be read."""


@dataclass(frozen=True)
class Target:
    """`P(measure op threshold) level_op level` or `E(measure) level_op level`."""

    text: str
    measure: str
    kind: str  # "probability" | "mean"
    op: str | None
    threshold: float | None
    level_op: str
    level: float

    @classmethod
    def parse(cls, text: str, measures: tuple[str, ...] = MEASURES) -> "Target":
        """Read a target about one of `measures` (a scenario's, or CAMPAIGN_MEASURES)."""
        match = _PROBABILITY.match(text)
        if match:
            measure, op, threshold, level_op, level = match.groups()
            kind = "probability"
            if not 0 <= float(level) <= 1:
                raise TargetError(f"{text!r}: a probability lies in [0, 1], got {level}")
        else:
            match = _MEAN.match(text)
            if not match:
                example = "'E(value_lost_usd) <= 1e9'" if measures is MEASURES else "'E(raids_absorbed) >= 5'"
                raise TargetError(f"cannot read {text!r}: expected e.g. 'P(leakers <= 2) >= 0.95' or {example}")
            (measure, level_op, level), op, threshold, kind = match.groups(), None, None, "mean"
        measure = ALIASES.get(measure, measure) if measures is MEASURES else measure
        if measure not in measures:
            known = ", ".join(("leakers", *MEASURES) if measures is MEASURES else
                              ("raids_absorbed", "raids_until_dry", "raids_until_dry_layer_N"))
            raise TargetError(f"{text!r}: unknown measure {measure!r} (measures: {known})")
        return cls(text.strip(), measure, kind, op, None if threshold is None else float(threshold),
                   level_op, float(level))

    def estimate(self, values: np.ndarray, groups: np.ndarray) -> dict:
        """The probability (or mean) the target is about, with its 95 % interval."""
        if self.kind == "probability":
            return _stats.proportion(_OPS[self.op](values, self.threshold), groups)
        return _stats.count(values, groups) if self.measure != "value_lost_usd" else _stats.amount(values, groups)

    def met(self, estimate: dict) -> bool:
        return bool(_OPS[self.level_op](estimate["mean"], self.level))


@dataclass(frozen=True)
class Knob:
    """The whole number the search varies: a stock (`kind` "stock": more helps) or a raid size
    (`kind` "raid": more hurts), and how a value of it makes a scenario."""

    kind: str
    label: str
    path: str
    base: int
    upper: int

    def scenario(self, scenario: Scenario, n: int) -> Scenario:
        if self.kind == "stock":
            units = self.path.split(",")
            return with_values(scenario, {f"fire_units.{u}.magazine": n for u in units}, "sized")
        return with_values(scenario, {self.path: n}, "sized")


def stock_knob(scenario: Scenario, unit_or_type: str) -> Knob:
    """The magazine of fire unit `unit_or_type`, or of every unit firing that interceptor type."""
    units = [u for u in scenario.fire_units if unit_or_type in (u.id, u.interceptor)]
    if not units:
        known = ", ".join(u.id for u in scenario.fire_units)
        raise ParameterError(f"no fire unit or interceptor type {unit_or_type!r} (units: {known})")
    return Knob("stock", f"magazine of {unit_or_type}" + (f" (each of {len(units)} units)" if len(units) > 1 else ""),
                ",".join(u.id for u in units), units[0].magazine, MAX_MAGAZINE)


def raid_knob(scenario: Scenario, wave_or_class: str) -> Knob:
    """The threats of wave `wave_or_class`, or of every wave of that threat class."""
    if wave_or_class in THREAT_CLASSES:
        path = f"raid.class.{wave_or_class}.count"
        classes = [scenario.catalog.threats[w.threat].threat_class for w in scenario.raid.waves]
        count = sum(w.count for w, c in zip(scenario.raid.waves, classes) if c == wave_or_class)
        if not count and wave_or_class not in classes:
            raise ParameterError(f"no wave of {wave_or_class} threats in the raid")
        return Knob("raid", f"{wave_or_class} threats", path, count, MAX_WAVE_COUNT)
    for wave in scenario.raid.waves:
        if wave.id == wave_or_class:
            return Knob("raid", f"threats of wave {wave.id}", f"raid.waves.{wave.id}.count", wave.count, MAX_WAVE_COUNT)
    known = ", ".join([w.id for w in scenario.raid.waves] + list(THREAT_CLASSES))
    raise ParameterError(f"no wave or threat class {wave_or_class!r} (waves and classes: {known})")


@dataclass(frozen=True)
class Search:
    """What `search` found: `answer` (None when no value in the range meets the target), its
    `neighbour` (the last value that fails: the answer - 1 for a stock, + 1 for a raid), the range's
    upper end and every value evaluated, {value: {"value", "estimate", "met"}}."""

    answer: int | None
    neighbour: int | None
    high: int
    seen: dict[int, dict]


def search(measure: Callable[[int], np.ndarray], target: Target, groups: np.ndarray, *, rising: bool,
           start: int, upper: int, low: int = 0, high: int | None = None) -> Search:
    """The smallest whole number in [low, high] at which the target is met (`rising`: more helps,
    as a stock or a resupply rate), or the largest at which it is (not `rising`: more hurts, as a
    raid). `measure(n)` returns the per-replication values the target is about, flown under common
    random numbers at every n. `high` defaults to a bracket found by doubling from `start` up to
    `upper`; then bisection, which assumes the target holds from the answer on (or up to it)."""
    seen: dict[int, dict] = {}

    def point(n: int) -> dict:
        if n not in seen:
            estimate = target.estimate(measure(n), groups)
            seen[n] = {"value": n, "estimate": estimate, "met": target.met(estimate)}
        return seen[n]

    good = (lambda n: point(n)["met"]) if rising else (lambda n: not point(n)["met"])
    # `good` is monotone non-decreasing in n: find the first n in [low, high] where it holds.
    if high is None:
        high = max(low + 1, start, 1)
        while not good(high) and high < upper:
            low, high = high, min(2 * high, upper)
    if good(low):
        first: int | None = low
    elif not good(high):
        first = None
    else:
        lo, hi = low, high  # good(lo) False, good(hi) True
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if good(mid):
                hi = mid
            else:
                lo = mid
        first = hi
    if rising:  # the first value that meets the target; its neighbour the last that fails
        answer = first
        neighbour = None if first is None or first == 0 else first - 1
    elif first is None:  # every raid size up to `high` meets the target
        answer, neighbour = high, None
    else:  # the last raid size that meets the target; its neighbour the first that fails
        answer = first - 1 if first > low else None
        neighbour = first
    if answer is not None and neighbour is not None:
        point(neighbour)
    return Search(answer, neighbour, high, seen)


def _report(name: str, knob: dict, target: Target, found: Search, settings: Settings) -> dict:
    answer, neighbour, seen = found.answer, found.neighbour, found.seen
    base = knob["scenario_value"]
    return {
        "scenario": name, "knob": knob, "target": target.text, "measure": target.measure,
        "answer": answer, "scale": (answer / base if answer is not None and base else None),
        "at_answer": seen.get(answer) if answer is not None else None,
        "at_neighbour": seen.get(neighbour) if answer is not None and neighbour is not None else None,
        "evaluated": [seen[n] for n in sorted(seen)],
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations,
        "note": ("bisection assumes the target holds from the answer on; the evaluated points show whether it did. "
                 "Each point is decided on its estimate; the intervals show how close the call was."),
    }


def size(scenario: Scenario, knob: Knob, target: Target, settings: Settings, *, low: int = 0,
         high: int | None = None, workers: int = 1, cache: Path | None | bool = True,
         progress: Callable[[int, int], None] | None = None) -> dict:
    """The smallest stock (knob kind "stock") or largest raid (kind "raid") in [low, high] that meets
    `target`, by bisection; `high` defaults to a bracket found by doubling from the scenario's own
    value up to the schema's bound. Returns a JSON-ready report (`answer` None when no value in the
    range meets the target)."""

    def measure(n: int) -> np.ndarray:
        variant_scenario = knob.scenario(scenario, n)
        if knob.kind == "stock":  # the raid is unchanged: flown as a variant of the scenario
            base, variants = scenario, [Variant(f"{knob.label} = {n}", variant_scenario, scenario.coordination)]
        else:
            base, variants = variant_scenario, [base_variant(variant_scenario)]
        return evaluate(base, variants, settings, workers, cache, progress)[0][target.measure]

    found = search(measure, target, _stats.clusters(settings.runs, settings.realisations),
                   rising=knob.kind == "stock", start=knob.base, upper=knob.upper, low=low, high=high)
    report = _report(scenario.name, {"kind": knob.kind, "label": knob.label, "path": knob.path,
                                     "scenario_value": knob.base}, target, found, settings)
    report["coordination"] = scenario.coordination
    return report


def resupply_rules(campaign: Campaign, interceptor: str, per_30_days: int) -> list[Resupply]:
    """The campaign's resupply with that of `interceptor` set to `per_30_days` whole interceptors
    per 30 days, pooled for every unit of the type (a per-partner rule of that type is replaced)."""
    kept = [rule for rule in campaign.resupply if rule.interceptor != interceptor]
    return [*kept, Resupply(interceptor=interceptor, per_day=per_30_days / DAYS_PER_RATE,
                            notional=f"sized: {per_30_days} per {DAYS_PER_RATE} days")]


@dataclass(frozen=True)
class ResupplyKnob:
    """The resupply rate of one interceptor type that `size_resupply` varies, in whole interceptors
    per 30 days, and the absorb measure the target is about."""

    interceptor: str
    measure: str  # a key of `absorb_measures`
    scenario: str  # the repeated scenario
    base: int  # the campaign's own rate
    upper: int  # the rate that refills every unit of the type before every repeat

    @property
    def label(self) -> str:
        return f"resupply of {self.interceptor} per {DAYS_PER_RATE} days"


def resupply_knob(campaign: Campaign, interceptor: str, target: Target) -> ResupplyKnob:
    """The resupply of `interceptor` in `campaign`'s absorb answer, for a target on
    CAMPAIGN_MEASURES (`raids_until_dry` is the layer of `interceptor`). Raises ParameterError when
    the campaign has no absorb section, its repeated scenario has no unit of that type, or the
    target names a layer it has no unit of."""
    absorb = campaign.absorb
    if absorb is None:
        raise ParameterError(f"campaign {campaign.name!r} has no absorb section to size resupply against")
    scenario = campaign_scenario(campaign, absorb.scenario)
    units = [u for u in scenario.fire_units if u.interceptor == interceptor]
    if not units:
        types = ", ".join(dict.fromkeys(u.interceptor for u in scenario.fire_units))
        raise ParameterError(f"no fire unit of {scenario.name} fires {interceptor!r} (types: {types})")
    layers = sorted({scenario.catalog.interceptors[u.interceptor].layer for u in scenario.fire_units})
    measure = target.measure
    if measure == "raids_until_dry":
        measure = f"raids_until_dry_layer_{scenario.catalog.interceptors[interceptor].layer}"
    if measure.startswith("raids_until_dry_layer_") and int(measure.rsplit("_", 1)[1]) not in layers:
        raise ParameterError(f"{target.text!r}: no fire unit of {scenario.name} is of layer "
                             f"{measure.rsplit('_', 1)[1]} (layers: {', '.join(map(str, layers))})")
    capacity = sum(campaign.capacity.get(u.id, u.magazine) for u in units)
    upper = max(1, math.ceil(capacity * DAYS_PER_RATE * 86400.0 / absorb.every_s))
    base = round(sum(r.per_day for r in campaign.resupply if r.interceptor == interceptor) * DAYS_PER_RATE)
    return ResupplyKnob(interceptor, measure, scenario.name, base, upper)


def size_resupply(campaign: Campaign, knob: ResupplyKnob, target: Target, settings: Settings, *, low: int = 0,
                  high: int | None = None, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """The smallest resupply of `knob.interceptor`, in whole interceptors per 30 days, with which
    the campaign's absorb answer meets `target`. Doubling from the campaign's own rate, capped where
    every unit of the type is refilled to capacity before each repeated raid (more cannot help),
    then bisection.

    Every rate flies the same replication seeds and raid realisations (`absorb_measures`), so
    replication i meets the same threats, detections and kill draws at every rate. Resupply only
    adds rounds: the depot fills faster and is handed out to the emptiest unit first, so at a higher
    rate every unit starts every raid with at least as many rounds as at a lower one. A unit that
    fires min(rounds, demand) then ends every raid with at least as many, runs dry no earlier, and
    lets no more threats through; the measures rise with the rate replication by replication, not
    only on average. The battle manager may re-plan when a unit has more rounds (fire it where it
    would have left a threat to a lower layer), which can break this; the table of rates tried
    shows whether it held."""
    absorb = campaign.absorb

    def measure(per_30_days: int) -> np.ndarray:
        return absorb_measures(campaign, settings.runs, settings.seed, settings.fidelity, settings.realisations,
                               workers, resupply=resupply_rules(campaign, knob.interceptor, per_30_days),
                               progress=progress)[knob.measure]

    found = search(measure, target, _stats.clusters(settings.runs, settings.realisations), rising=True,
                   start=knob.base, upper=knob.upper, low=low, high=high)
    report = _report(campaign.name, {"kind": "resupply", "label": knob.label, "path": f"resupply.{knob.interceptor}",
                                     "scenario_value": knob.base, "upper": knob.upper}, target, found, settings)
    report["absorb"] = {"scenario": knob.scenario, "every_days": absorb.every_s / 86400.0,
                        "max_raids": absorb.max_raids, "leakage_threshold": absorb.leakage_threshold,
                        "measure": knob.measure}
    return report
