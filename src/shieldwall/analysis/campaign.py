"""Campaigns: a sequence of raids with magazines carried from one raid to the next.

Replication i of a campaign flies raid k (k = 0, 1, ...) with replication seed
`replication_seed(seed + k, i)` on raid realisation `realisation_seed(seed + k, r)`, so the first
raid is exactly replication i of `shieldwall run --seed SEED`. (The repeated raids of `absorb` all
fly the raid realisation of the first of them, `realisation_seed(seed + 10000, r)`, each with its own
replication seed.) Fire units are matched by id across
raids: a unit seen before starts a raid with what it had left, plus resupply over the time between
the raids, capped at its capacity (stated in the campaign file, else its magazine when first
seen); a unit seen for the first time starts with its scenario magazine.

Resupply, per interceptor type (optionally per partner): `per_day` interceptors accumulate in a
depot; before each raid, the whole interceptors in the depot are handed out one at a time to the
unit of that type with the largest shortfall against capacity (ties: the unit seen first) until
the depot has less than one or every such unit is full; what cannot be placed stays in the depot.

`absorb` asks how many raids of one size the coalition can take in a row, from full magazines and
with the same resupply, before the share of launched threats that leak passes a threshold. The
coalition there is the repeated scenario's: its fire units, each starting at its scenario magazine
and holding at most its capacity (stated in the campaign file, else that magazine).

It also asks when each layer runs dry. A layer (the catalog's `layer`: 1 uppermost, then lower
tiers) runs dry at the end of a repeated raid when every fire unit of the repeated scenario whose
interceptor type is of that layer has no round left; a stock (a partner's units of one interceptor
type) runs dry when all its units are empty. Its raids until dry, in replication i, is the number
n (1, 2, ...) of the first raid at whose end it is dry: it fought n raids, the last of them with
its last rounds. A layer still holding rounds after all `max_raids` is censored: its count is
recorded as `max_raids` and flagged, shown as "12+", and a mean over replications with any
censored count is a lower bound. A layer that resupply refills after running dry still counts
from its first time dry: from then on it fights on what arrives between raids.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
)

from shieldwall.analysis import _stats
from shieldwall.analysis._stats import CONFIDENCE, COST_CAUTION
from shieldwall.analysis.variants import Duration, apply_overlay, load_overlay
from shieldwall.engine import simulate
from shieldwall.engine.simulate import LEAKED
from shieldwall.montecarlo import Job, Task, execute, plan, replication_seed
from shieldwall.scenario import (
    BUNDLED_SCENARIOS,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
)
from shieldwall.scenario.load import _problems_from, _read_yaml

FORMAT = "shieldwall.campaign/1"
BUNDLED_CAMPAIGNS = ("april-then-october",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RaidEntry(_Strict):
    scenario: str = Field(description="bundled scenario name, or a file relative to the campaign file")
    label: str | None = None
    after_s: Duration = Field(0.0, description="time from the start of the previous raid (e.g. 171d, 12h)")
    overlay: str | None = Field(None, description="overlay file applied to this raid's scenario")


class Resupply(_Strict):
    interceptor: str
    per_day: Annotated[float, Field(ge=0)]
    partner: str | None = Field(None, description="only this partner's units (default: every unit of the type)")
    source: str | None = None
    notional: str | None = None


class Absorb(_Strict):
    scenario: str
    every_s: Duration = Field(86400.0, description="time between the repeated raids")
    max_raids: Annotated[int, Field(ge=1, le=200)] = 10
    leakage_threshold: Annotated[float, Field(ge=0, le=1)] = Field(
        0.1, description="share of launched threats that leak")


class Campaign(_Strict):
    name: str
    description: str = ""
    raids: list[RaidEntry] = Field(min_length=1)
    resupply: list[Resupply] = []
    capacity: dict[str, Annotated[int, Field(ge=0)]] = Field(
        {}, description="fire unit id -> most interceptors it can hold")
    absorb: Absorb | None = None
    sources: list[str] = []
    _folder: Path = PrivateAttr(Path("."))


def bundled_campaign_path(name: str) -> Path:
    return Path(str(resources.files("shieldwall") / "data" / "campaigns" / f"{name}.yaml"))


def load_campaign(source: str | Path) -> Campaign:
    """A campaign file (or bundled name). Raises ScenarioError naming the file and the path inside."""
    text_source = str(source)
    path = bundled_campaign_path(text_source) if text_source in BUNDLED_CAMPAIGNS and not Path(
        text_source).exists() else Path(text_source)
    if not path.is_file():
        raise ScenarioError(text_source, [Problem("", f"no such file, and not a bundled campaign "
                                                      f"({', '.join(BUNDLED_CAMPAIGNS)})")])
    data, node = _read_yaml(path.read_text(encoding="utf-8"), text_source)
    if not isinstance(data, dict):
        raise ScenarioError(text_source, [Problem("", "expected a mapping at the top level")])
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(text_source, _problems_from(error, node)) from None
    campaign._folder = path.parent
    return campaign


def _resolve_scenario(campaign: Campaign, name: str, path: str) -> Scenario:
    candidate = campaign._folder / name
    if candidate.is_file():
        return load_scenario(candidate)
    if name in BUNDLED_SCENARIOS:
        return load_scenario(name)
    raise ScenarioError(path, [Problem("", f"{name!r} is neither a file next to the campaign "
                                           f"nor a bundled scenario ({', '.join(BUNDLED_SCENARIOS)})")])


def campaign_scenario(campaign: Campaign, name: str) -> Scenario:
    """The scenario a campaign names (a file next to it, else a bundled name), as its raids and its
    absorb section resolve it."""
    return _resolve_scenario(campaign, name, "absorb.scenario")


def is_campaign(source: str) -> bool:
    """Whether `source` names a campaign (a bundled campaign, or a file whose top level has
    `raids:`) rather than a scenario (`raid:`), so that one argument can take either."""
    path = Path(source)
    if not path.is_file():
        return source in BUNDLED_CAMPAIGNS
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "raids" in data


def _raid_scenarios(campaign: Campaign) -> list[Scenario]:
    out = []
    for k, raid in enumerate(campaign.raids):
        scenario = _resolve_scenario(campaign, raid.scenario, f"raids.{k}.scenario")
        if raid.overlay:
            overlay_path = campaign._folder / raid.overlay
            scenario = apply_overlay(scenario, load_overlay(overlay_path), str(overlay_path)).scenario
        out.append(scenario)
    return out


# --------------------------------------------------------------------------- the magazine ledger


@dataclass(frozen=True)
class Ledger:
    """Every fire unit seen in the campaign, in order of first appearance, with its stock key."""

    units: list[str]
    capacity: np.ndarray  # (U,)
    first_magazine: np.ndarray  # (U,)
    stock: list[tuple[str, str]]  # per unit: (partner label, interceptor type)
    owner: list[str]  # partner id per unit
    interceptor: list[str]
    layer: dict[str, int]

    @classmethod
    def of(cls, scenarios: list[Scenario], capacity: dict[str, int]) -> "Ledger":
        units, first, stock, owner, interceptor, layer = [], [], [], [], [], {}
        for scenario in scenarios:
            label = {p.id: p.label for p in scenario.partners}
            for u in scenario.fire_units:
                if u.id not in units:
                    units.append(u.id)
                    first.append(u.magazine)
                    stock.append((label[u.owner], u.interceptor))
                    owner.append(u.owner)
                    interceptor.append(u.interceptor)
                    layer[u.interceptor] = scenario.catalog.interceptors[u.interceptor].layer
        cap = np.array([capacity.get(u, m) for u, m in zip(units, first)], dtype=np.int64)
        return cls(units, cap, np.array(first, dtype=np.int64), stock, owner, interceptor, layer)

    @property
    def stocks(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys(self.stock))

    def by_stock(self, levels: np.ndarray) -> np.ndarray:
        """Sum unit levels (..., U) into stock levels (..., S)."""
        keys = self.stocks
        index = np.array([keys.index(s) for s in self.stock])
        out = np.zeros((*levels.shape[:-1], len(keys)))
        for u, s in enumerate(index):
            out[..., s] += levels[..., u]
        return out


def resupply(levels: np.ndarray, depot: np.ndarray, ledger: Ledger, rules: list[Resupply],
             elapsed_s: float, seen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(levels, depot) after `elapsed_s` of resupply (see the module docstring for the rule); only
    units already `seen` in the campaign receive interceptors."""
    levels = levels.copy()
    depot = depot.copy()
    for k, rule in enumerate(rules):
        depot[k] += rule.per_day * elapsed_s / 86400.0
        eligible = [u for u in range(len(ledger.units)) if ledger.interceptor[u] == rule.interceptor
                    and (rule.partner is None or ledger.owner[u] == rule.partner)
                    and (seen is None or seen[u])]
        while depot[k] >= 1.0 - 1e-9 and eligible:
            shortfall = [ledger.capacity[u] - levels[u] for u in eligible]
            best = int(np.argmax(shortfall))
            if shortfall[best] <= 0:
                break
            levels[eligible[best]] += 1
            depot[k] -= 1.0
    return levels, depot


# --------------------------------------------------------------------------- the job


class CampaignJob(Job):
    """Tasks (realisation r, replications): fly the whole sequence of raids for each replication."""

    def __init__(self, ledger: Ledger, sequence: list[tuple[int, Scenario, float]], rules: list[Resupply],
                 seed: int, fidelity: str):
        super().__init__()
        self.ledger, self.sequence, self.rules, self.seed, self.fidelity = ledger, sequence, rules, seed, fidelity
        self.worlds_kept = 4 * len(sequence)
        # A scenario flown at several raids (absorb repeats one) flies the raid realisation of its
        # first raid each time, as campaigns always have: realisation_seed(seed + first[s], r).
        self.first = {}
        for k, (s, _, _) in enumerate(sequence):
            self.first.setdefault(s, k)

    def perform(self, task: Task, tick) -> dict[str, np.ndarray]:
        ledger, sequence, rules, seed = self.ledger, self.sequence, self.rules, self.seed
        K, U = len(sequence), len(ledger.units)
        out = {name: np.zeros((task.size, K)) for name in ("launched", "leaked", "value_lost_usd",
                                                            "defence_cost_usd", "attack_cost_usd", "shots")}
        out["start_levels"] = np.zeros((task.size, K, U))
        out["end_levels"] = np.zeros((task.size, K, U))
        position = {u: n for n, u in enumerate(ledger.units)}
        for row, i in enumerate(task.indices):
            levels = ledger.first_magazine.copy()
            seen = np.zeros(U, dtype=bool)
            depot = np.zeros(len(rules))
            for k, (s, scenario, gap) in enumerate(sequence):
                if k > 0:
                    levels, depot = resupply(levels, depot, ledger, rules, gap, seen)
                world = self.world(s, scenario, seed + self.first[s], task.realisation)
                slots = [position[u.id] for u in scenario.fire_units]
                start = [int(levels[p]) if seen[p] else u.magazine for p, u in zip(slots, scenario.fire_units)]
                for p, m in zip(slots, start):
                    levels[p] = m
                    seen[p] = True
                out["start_levels"][row, k] = levels
                outcome = simulate(world, replication_seed(seed + k, i), self.fidelity, magazine=start, detail=False)
                for p, m in zip(slots, outcome.magazine_left):
                    levels[p] = int(m)
                out["end_levels"][row, k] = levels
                shot_unit = outcome.shots["unit"]
                out["launched"][row, k] = world.threats.count
                out["leaked"][row, k] = np.count_nonzero(outcome.fate == LEAKED)
                out["value_lost_usd"][row, k] = outcome.value_lost_usd
                out["defence_cost_usd"][row, k] = world.unit_cost_usd()[shot_unit].sum() if shot_unit.size else 0.0
                out["attack_cost_usd"][row, k] = world.threats.unit_cost_usd.sum()
                out["shots"][row, k] = shot_unit.size
            tick(1)
        return out


def _simulate_sequence(scenarios, sequence, ledger, rules, runs, seed, fidelity, realisations, workers, progress,
                       progress_offset=0, progress_total=None):
    job = CampaignJob(ledger, sequence, rules, seed, fidelity)
    size = max(1, min(16, math.ceil(runs / (max(1, workers) * 4))))
    tasks = plan(runs, realisations, max_size=size)
    parts: dict[int, dict] = {}
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(progress_offset + done, progress_total or runs)

    for task, columns in execute(job, tasks, workers, tick):
        parts[task.start] = columns
    keys = sorted(parts)
    return {name: np.concatenate([parts[k][name] for k in keys]) for name in parts[keys[0]]}


# --------------------------------------------------------------------------- driver


def run_campaign(campaign: Campaign, runs: int = 100, seed: int = 0, fidelity: str = "radar",
                 realisations: int = 10, workers: int = 1, absorb: Absorb | None = None,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Fly the campaign `runs` times; return magazine levels, depletion and leakage (JSON-ready)."""
    started = time.perf_counter()
    if runs < 2:
        raise ValueError("runs must be at least 2")
    realisations = max(1, min(runs, realisations))
    absorb = absorb or campaign.absorb
    scenarios = _raid_scenarios(campaign)
    absorb_scenario = _resolve_scenario(campaign, absorb.scenario, "absorb.scenario") if absorb else None
    ledger = Ledger.of(scenarios + ([absorb_scenario] if absorb_scenario else []), campaign.capacity)
    _check_resupply(campaign, ledger)
    sequence = [(k, s, campaign.raids[k].after_s) for k, s in enumerate(scenarios)]
    total = runs * (2 if absorb else 1)
    groups = _stats.clusters(runs, realisations)
    columns = _simulate_sequence(scenarios, sequence, ledger, list(campaign.resupply), runs, seed, fidelity,
                                 realisations, workers, progress, 0, total)
    labels = [r.label or r.scenario for r in campaign.raids]
    t_days = np.cumsum([r.after_s if k else 0.0 for k, r in enumerate(campaign.raids)]) / 86400.0
    report = {
        "format": FORMAT, "campaign": campaign.name, "runs": runs, "seed": seed, "fidelity": fidelity,
        "realisations": realisations, "confidence": CONFIDENCE,
        "intervals": _stats.interval_note(realisations),
        "raids": _raid_rows(columns, labels, t_days, groups),
        "magazines": _magazine_rows(columns, ledger, labels, groups),
        "caution": COST_CAUTION,
    }
    if absorb:
        repeat, absorb_ledger = _fly_absorb(campaign, absorb, absorb_scenario, list(campaign.resupply), runs, seed,
                                            fidelity, realisations, workers, progress, runs, total)
        report["absorb"] = _absorb_rows(repeat, absorb, absorb_scenario.name, absorb_ledger, groups)
    report["elapsed_s"] = round(time.perf_counter() - started, 3)
    return report


def _fly_absorb(campaign: Campaign, absorb: Absorb, scenario: Scenario, rules: list[Resupply], runs: int, seed: int,
                fidelity: str, realisations: int, workers: int, progress, offset: int = 0,
                total: int | None = None) -> tuple[dict, Ledger]:
    """The repeated raids of `absorb`, from the scenario's magazines, with `rules` for resupply: the
    per-replication columns and the ledger of the scenario's own units. The seeds are those of
    `run_campaign` (`seed + 10000`), so that a resupply rate sized here is the rate the campaign
    reports on."""
    ledger = Ledger.of([scenario], campaign.capacity)
    sequence = [(0, scenario, absorb.every_s) for _ in range(absorb.max_raids)]
    columns = _simulate_sequence([scenario], sequence, ledger, rules, runs, seed + 10_000, fidelity, realisations,
                                 workers, progress, offset, total)
    return columns, ledger


def absorb_measures(campaign: Campaign, runs: int, seed: int = 0, fidelity: str = "radar", realisations: int = 10,
                    workers: int = 1, absorb: Absorb | None = None, resupply: list[Resupply] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Per-replication measures of the absorb answer, for targets on it (`shieldwall size CAMPAIGN`):
    "raids_absorbed" (raids before the leak share passes the threshold) and
    "raids_until_dry_layer_<L>" for each layer L of the repeated scenario's fire units (censored
    counts recorded as `max_raids`, see the module docstring). `resupply` replaces the campaign's
    rules. Replication i flies the same seeds as in `run_campaign`, whatever the rules."""
    if runs < 2:
        raise ValueError("runs must be at least 2")
    absorb = absorb or campaign.absorb
    if absorb is None:
        raise ValueError(f"campaign {campaign.name!r} has no absorb section: give one to ask how many raids it absorbs")
    realisations = max(1, min(runs, realisations))
    scenario = _resolve_scenario(campaign, absorb.scenario, "absorb.scenario")
    rules = list(campaign.resupply) if resupply is None else resupply
    columns, ledger = _fly_absorb(campaign, absorb, scenario, rules, runs, seed, fidelity, realisations, workers,
                                  progress)
    out = {"raids_absorbed": _raids_absorbed(columns, absorb)}
    for layer, units in _layer_units(ledger).items():
        out[f"raids_until_dry_layer_{layer}"] = until_dry(columns["end_levels"][:, :, units] <= 0)[0]
    return out


def _check_resupply(campaign: Campaign, ledger: Ledger) -> None:
    problems = []
    for k, rule in enumerate(campaign.resupply):
        if rule.interceptor not in ledger.interceptor:
            problems.append(Problem(f"resupply.{k}.interceptor",
                                    f"no fire unit in the campaign uses {rule.interceptor!r}"))
    for unit in campaign.capacity:
        if unit not in ledger.units:
            problems.append(Problem(f"capacity.{unit}", f"no fire unit {unit!r} in the campaign's raids"))
    if problems:
        raise ScenarioError(f"campaign {campaign.name!r}", problems)


def _raid_rows(c: dict, labels: list[str], t_days: np.ndarray, groups: np.ndarray) -> list[dict]:
    rows = []
    for k, label in enumerate(labels):
        launched = np.maximum(c["launched"][:, k], 1)
        share = c["leaked"][:, k] / launched
        rows.append({
            "raid": k + 1, "label": label, "t_days": float(t_days[k]),
            "launched": _stats.fixed(c["launched"][:, k], groups), "leaked": _stats.count(c["leaked"][:, k], groups),
            "leak_share": _stats.count(share, groups, 1 / launched.max()),
            "value_lost_usd": _stats.amount(c["value_lost_usd"][:, k], groups),
            "shots": _stats.count(c["shots"][:, k], groups),
            "defence_cost_usd": _stats.amount(c["defence_cost_usd"][:, k], groups),
            "attack_cost_usd": _stats.amount(c["attack_cost_usd"][:, k], groups),
            "cost_exchange_ratio": _stats.ratio(c["defence_cost_usd"][:, k], c["attack_cost_usd"][:, k], groups),
        })
    return rows


def _magazine_rows(c: dict, ledger: Ledger, labels: list[str], groups: np.ndarray) -> list[dict]:
    start = ledger.by_stock(c["start_levels"])  # (runs, K, S)
    end = ledger.by_stock(c["end_levels"])
    capacity = ledger.by_stock(ledger.capacity[None, :].astype(float))[0]
    K = start.shape[1]
    rows = []
    for s, (partner, interceptor) in enumerate(ledger.stocks):
        dry = end[:, :, s] <= 0
        ever = dry.any(axis=1)
        first = np.where(ever, dry.argmax(axis=1), K)  # raid index at which it first ran dry (K: never)
        p_dry = [_stats.proportion(dry[:, k], groups) for k in range(K)]
        median = int(np.median(first))
        rows.append({
            "partner": partner, "interceptor": interceptor, "layer": ledger.layer[interceptor],
            "capacity": float(capacity[s]),
            "start": [_stats.count(start[:, k, s], groups) for k in range(K)],
            "end": [_stats.count(end[:, k, s], groups) for k in range(K)],
            "p_dry_after": p_dry,
            "p_ever_dry": _stats.proportion(ever, groups),
            "median_dry_raid": None if median >= K else median + 1,
            "median_dry_label": None if median >= K else labels[median],
        })
    return rows


def until_dry(empty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(raids until dry, censored) per replication, from `empty` (runs, K, units): whether each unit
    has no round left at the end of each raid. Raids until dry is the number (1..K) of the first raid
    at whose end every unit is empty; K, with censored True, when that never happens."""
    dry = empty.all(axis=2)
    ever = dry.any(axis=1)
    return np.where(ever, dry.argmax(axis=1) + 1, dry.shape[1]), ~ever


def _until_dry_block(empty: np.ndarray, groups: np.ndarray) -> dict:
    """Raids until dry of one layer or stock: the mean with its 95 % interval (clusters by raid
    realisation), the median, and each replication's count with its censoring flag."""
    raids, censored = until_dry(empty)
    K = empty.shape[1]
    # The median of a right-censored sample: a censored count ranks above every count of K or less.
    median = float(np.median(np.where(censored, K + 1, raids)))
    return {
        "raids_until_dry": _stats.count(raids, groups),
        "raids_until_dry_median": min(median, float(K)),
        "median_censored": median > K,
        "mean_is_lower_bound": bool(censored.any()),
        "p_never_dry": _stats.proportion(censored, groups),
        "per_replication": [int(n) for n in raids],
        "censored": [bool(c) for c in censored],
    }


def _layer_units(ledger: Ledger) -> dict[int, list[int]]:
    """Unit positions by layer, uppermost layer first."""
    layers: dict[int, list[int]] = {}
    for u, interceptor in enumerate(ledger.interceptor):
        layers.setdefault(ledger.layer[interceptor], []).append(u)
    return dict(sorted(layers.items()))


def _raids_absorbed(c: dict, absorb: Absorb) -> np.ndarray:
    share = c["leaked"] / np.maximum(c["launched"], 1)  # (runs, R)
    over = share > absorb.leakage_threshold
    return np.where(over.any(axis=1), over.argmax(axis=1), share.shape[1])


def _absorb_rows(c: dict, absorb: Absorb, name: str, ledger: Ledger, groups: np.ndarray) -> dict:
    launched = np.maximum(c["launched"], 1)
    share = c["leaked"] / launched  # (runs, R)
    absorbed = _raids_absorbed(c, absorb)
    means = share.mean(axis=0)
    first_mean = np.flatnonzero(means > absorb.leakage_threshold)
    empty = c["end_levels"] <= 0  # (runs, R, U)
    magazines = _magazine_rows(c, ledger, [f"{name} #{k + 1}" for k in range(share.shape[1])], groups)
    for row, stock in zip(magazines, ledger.stocks):
        units = [u for u, s in enumerate(ledger.stock) if s == stock]
        row.update(_until_dry_block(empty[:, :, units], groups))
    layers = []
    for layer, units in _layer_units(ledger).items():
        stocks = list(dict.fromkeys(ledger.stock[u] for u in units))
        layers.append({"layer": layer, "interceptors": sorted({ledger.interceptor[u] for u in units}),
                       "stocks": [f"{partner} {interceptor}" for partner, interceptor in stocks],
                       "capacity": float(ledger.capacity[units].sum()),
                       **_until_dry_block(empty[:, :, units], groups)})
    return {
        "scenario": name, "every_days": absorb.every_s / 86400.0, "max_raids": absorb.max_raids,
        "leakage_threshold": absorb.leakage_threshold,
        "leak_share": [_stats.count(share[:, k], groups, 1 / launched[:, k].max()) for k in range(share.shape[1])],
        "raids_absorbed": _stats.count(absorbed, groups),
        "raids_absorbed_median": float(np.median(absorbed)),
        "mean_passes_threshold_at_raid": int(first_mean[0]) + 1 if first_mean.size else None,
        "layers": layers,
        "magazines": magazines,
    }
