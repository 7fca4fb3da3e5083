"""Running many variants of one scenario under common random numbers, with a results cache.

Replication i of every variant uses `replication_seed(seed, i)` and raid realisation
`realisation_of(i, runs, realisations)` exactly as `shieldwall.run` does, so a variant's figures
equal those of a plain run of its scenario, and two variants share the random numbers of every
threat, sensor and shot they have in common. A difference between two variants is then computed
per replication, and its interval is a paired t interval.

Work is split into tasks of (raid realisation, variant) for the Monte Carlo runner
(`shieldwall.montecarlo`): each raid realisation is compiled once per worker process and each
variant's World is derived from it once (`World.for_scenario`), then flown for every replication of
that realisation. Per-replication measures of each variant are cached
on disk, keyed by the variant's scenario, its coordination mode, the seed, runs, realisations,
fidelity and a fingerprint of the engine's source code, so that asking the same question twice, or
asking about a coalition already computed for another question, costs nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from shieldwall.analysis.variants import Variant
from shieldwall.battle.rules import CoalitionRules
from shieldwall.engine import simulate_many
from shieldwall.engine.simulate import FAILED, INTERCEPTED, LEAKED, TARGET_GONE
from shieldwall.montecarlo import Executor, Job, Task, execute, plan, replication_seed
from shieldwall.scenario import Scenario
from shieldwall.sensors import SENSING

MEASURES = (
    "value_lost_usd", "launched", "leaked", "intercepted", "failed", "shots", "defence_cost_usd",
    "attack_cost_usd", "wasted_shots", "multi_partner_threats", "unengaged_leakers", "missed_with_capacity",
)
"""Per-replication measures of a variant.

wasted_shots: interceptors that reached a threat already dead (shot result `target-gone`).
multi_partner_threats: threats shot at by fire units of two or more partners.
unengaged_leakers: threats that neither failed nor were shot at (nobody engaged them).
missed_with_capacity: leakers a unit allowed to engage could have fired at with a channel and a
round it never used (battle.diagnostics).
"""
CACHE_VERSION = 2  # the measures change with it


@dataclass(frozen=True)
class Settings:
    runs: int = 1000
    seed: int = 0
    fidelity: str = "radar"
    realisations: int = 10

    def __post_init__(self):
        if self.runs < 2:
            raise ValueError("runs must be at least 2 (intervals need two replications)")
        if self.fidelity not in SENSING:
            raise ValueError(f"fidelity must be one of {', '.join(SENSING)}")
        object.__setattr__(self, "realisations", max(1, min(self.runs, self.realisations)))


@dataclass(frozen=True)
class Measured:
    """Per-replication measures of one variant: `values[m]` has one entry per replication."""

    values: dict[str, np.ndarray]
    shots_by_partner: np.ndarray  # (runs, partners), partners in scenario order
    simulation: str  # the cache key of the simulation measured: variants with the same key share it

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]


# --------------------------------------------------------------------------- cache


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the package's source code that decides results (everything but analysis and outputs)."""
    root = Path(str(resources.files("shieldwall")))
    skip = {"analysis", "report", "replay", "interop"}
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or relative.name == "cli.py" and len(relative.parts) == 1:
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    for path in sorted((root / "data").glob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def default_cache_dir() -> Path:
    env = os.environ.get("SHIELDWALL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shieldwall" / "analysis"


def cache_key(variant: Variant, settings: Settings) -> str:
    digest = hashlib.sha256()
    for part in (str(CACHE_VERSION), engine_fingerprint(), variant.key, str(settings.runs), str(settings.seed),
                 settings.fidelity, str(settings.realisations)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def _cache_read(folder: Path | None, key: str) -> Measured | None:
    if folder is None:
        return None
    path = folder / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            values = {m: data[m] for m in MEASURES}
            return Measured(values, data["shots_by_partner"], key)
    except (OSError, KeyError, ValueError):
        return None


def _cache_write(folder: Path | None, key: str, measured: Measured) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{os.getpid()}.npz"
    np.savez(temporary, shots_by_partner=measured.shots_by_partner, **measured.values)
    os.replace(temporary, folder / f"{key}.npz")


# --------------------------------------------------------------------------- measuring one outcome


def measure(world, outcome) -> tuple[np.ndarray, np.ndarray]:
    """(measures in MEASURES order, shots per partner) of one replication."""
    n_partners = len(world.scenario.partners)
    owner, cost_usd = world.unit_partners(), world.unit_cost_usd()
    unit = outcome.shots["unit"]
    shooter = owner[unit] if unit.size else np.zeros(0, dtype=np.int64)
    threat = outcome.shots["threat"]
    n = world.threats.count
    if unit.size:
        pairs = np.unique(threat * n_partners + shooter)
        multi = int(np.count_nonzero(np.bincount(pairs // n_partners, minlength=n) >= 2))
    else:
        multi = 0
    fate = outcome.fate
    row = np.array([
        outcome.value_lost_usd, n, np.count_nonzero(fate == LEAKED), np.count_nonzero(fate == INTERCEPTED),
        np.count_nonzero(fate == FAILED), unit.size, cost_usd[unit].sum() if unit.size else 0.0,
        world.threats.unit_cost_usd.sum(), np.count_nonzero(outcome.shots["result"] == TARGET_GONE), multi,
        np.count_nonzero((fate != FAILED) & (outcome.shots_at == 0)),
        np.count_nonzero(outcome.missed_with_capacity),
    ], dtype=float)
    return row, np.bincount(shooter, minlength=n_partners).astype(float)


def as_simulated(variant: Variant) -> Variant:
    """The variant as simulated: without the sensors that cannot change its measures
    (`CoalitionRules.unheard_sensors`), such as the radar of a member without fire units that
    shares its tracks only with partners outside the coalition. Variants that differ only in such
    sensors then share one simulation and one cache entry, with the same measures."""
    unheard = set(CoalitionRules(variant.scenario).unheard_sensors(variant.coordination))
    if not unheard:
        return variant
    sensors = [s for i, s in enumerate(variant.scenario.sensors) if i not in unheard]
    return replace(variant, scenario=variant.scenario.model_copy(update={"sensors": sensors}))


# --------------------------------------------------------------------------- the job


class MeasureJob(Job):
    """Tasks (variant v, realisation r, replications): per-replication measures of variant v."""

    worlds_kept = 2

    def __init__(self, base: Scenario, variants: Sequence[Variant], settings: Settings):
        super().__init__()
        self.base, self.variants, self.settings = base, list(variants), settings

    def perform(self, task: Task, tick) -> tuple[np.ndarray, np.ndarray]:
        settings = self.settings
        variant = self.variants[task.variant]
        base = self.world("base", self.base, settings.seed, task.realisation)
        world = base if variant.scenario == base.scenario else base.for_scenario(variant.scenario)
        rows, shots = [], []
        for outcome in simulate_many(world, [replication_seed(settings.seed, i) for i in task.indices],
                                     settings.fidelity, None, variant.coordination, detail=False, tick=tick):
            row, by_partner = measure(world, outcome)
            rows.append(row)
            shots.append(by_partner)
        return np.array(rows), np.array(shots)


# --------------------------------------------------------------------------- driver


def evaluate(base: Scenario, variants: Sequence[Variant], settings: Settings, workers: int = 1,
             cache: Path | None | bool = True,
             progress: Callable[[int, int], None] | None = None,
             executor: Executor | None = None) -> list[Measured]:
    """Per-replication measures of each variant (in order), all on `base`'s raid realisations.

    Every variant must keep `base`'s raid and defended assets. `cache`: True for the default
    folder (`$SHIELDWALL_CACHE`, else `~/.cache/shieldwall/analysis`), a folder, or False/None for
    none. `progress(done, total)` is called with replications simulated so far (over all variants).
    `executor`: where tasks run (default: the local process pool of `workers`).
    """
    folder = default_cache_dir() if cache is True else (Path(cache) if cache else None)
    for variant in variants:
        if variant.scenario.raid != base.raid or variant.scenario.assets != base.assets:
            raise ValueError(f"variant {variant.name!r} changes the raid or the defended assets of its base")
    variants = [as_simulated(v) for v in variants]
    keys = [cache_key(v, settings) for v in variants]
    found: dict[str, Measured] = {}
    todo: list[int] = []
    for v, key in enumerate(keys):
        if key in found:
            continue
        hit = _cache_read(folder, key)
        if hit is not None:
            found[key] = hit
        elif v not in todo and all(keys[t] != key for t in todo):
            todo.append(v)
    total = len(todo) * settings.runs
    if progress:
        progress(0, total)
    if todo:
        job = MeasureJob(base, variants, settings)
        tasks = plan(settings.runs, settings.realisations, variants=todo)
        n_partners = len(base.partners)
        rows = {v: np.zeros((settings.runs, len(MEASURES))) for v in todo}
        shots = {v: np.zeros((settings.runs, n_partners)) for v in todo}
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        for task, (r_rows, r_shots) in execute(job, tasks, executor or workers, tick):
            rows[task.variant][task.start:task.stop] = r_rows
            shots[task.variant][task.start:task.stop] = r_shots
        for v in todo:
            measured = Measured({m: rows[v][:, k] for k, m in enumerate(MEASURES)}, shots[v], keys[v])
            found[keys[v]] = measured
            _cache_write(folder, keys[v], measured)
    return [found[key] for key in keys]
