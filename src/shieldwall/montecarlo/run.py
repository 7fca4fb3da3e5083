"""`run`: many seeded replications of one scenario, bit-identical for any number of workers, tasks,
shards or machines (seeding in `seeds`, the loop in `runner`).

With `out`, each task writes its rows to the results folder as Parquet parts as soon as it finishes
(`results.store`), the summary is computed from per-replication aggregates over the parts, and the
driver never holds the tables: memory stays bounded whatever the number of runs, and a run killed
at any moment continues with `resume=True`. Without `out`, the tables come back in memory.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path

import numpy as np
import pyarrow as pa

from shieldwall.montecarlo.base import Executor, Job, Task
from shieldwall.montecarlo.runner import execute, pieces_for, plan
from shieldwall.montecarlo.seeds import (  # noqa: F401  (re-exported: the seeding contract)
    block,
    realisation_of,
    realisation_seed,
    replication_rng,
    replication_seed,
)
from shieldwall.scenario import Scenario, dump_scenario, load_scenario
from shieldwall.wta import Assigner, ExactAssigner, GreedyAssigner, SearchAssigner

FIDELITIES = ("ideal", "radar", "tracked")
ASSIGNERS = ("greedy", "search", "exact")
DEFAULT_REALISATIONS = 10
TASK_SIZE = 250
"""Most replications in one task: bounds a worker's memory (an outcome of april-2024 holds about
76 KB, and its columns as much again, until the task's parts are written) and the work an
interruption loses."""


def assigner_named(name: str) -> Assigner:
    """The battle manager's assignment algorithm by name. Inside the engine a solver stops on work
    done (rounds of search, columns enumerated), never on the clock, so that a replication's
    result does not depend on machine load. Epoch problems are small (a few units by a few
    threats): `exact` proves optimality on every epoch problem seen in the bundled scenarios."""
    if name == "greedy":
        return GreedyAssigner()
    if name == "search":
        return SearchAssigner(time_limit_s=math.inf, stall_rounds=60, max_rounds=5_000)
    if name == "exact":
        return ExactAssigner(time_limit_s=math.inf, search_time_s=math.inf, max_columns=50_000)
    raise ValueError(f"unknown assigner {name!r} (greedy, search, exact)")


class ResumeError(ValueError):
    """`resume` asked of a folder that holds another run (or none)."""


class RunJob(Job):
    """The replications of one scenario under one seed and settings; tasks return Arrow tables, or
    write them to `folder` as parts and return their replication count."""

    # A pool worker stays on its realisation while that has tasks left (base.RealisationQueue), so it
    # never returns to a realisation it has left: one World at a time. april-2024's takes about 90 MB
    # with its plan; keeping two put the peak of `run april-2024 --workers 2` at 1.05 GB (600
    # runs; 1.17 GB at 20,000) against 0.89 GB with one.
    worlds_kept = 1

    def __init__(self, scenario: Scenario, seed: int, runs: int, realisations: int, fidelity: str,
                 assigner: Assigner, coordination: str, folder: Path | None = None):
        super().__init__()
        self.scenario, self.seed, self.runs, self.realisations = scenario, seed, runs, realisations
        self.fidelity, self.assigner, self.coordination, self.folder = fidelity, assigner, coordination, folder

    @classmethod
    def of_manifest(cls, scenario: Scenario, manifest: dict) -> "RunJob":
        """The job of the run a results folder's manifest describes: same seed, raid realisations,
        fidelity, coordination and assigner (with the engine's settings for it), so that its
        replications are the run's, bit for bit."""
        return cls(scenario, int(manifest["seed"]), int(manifest["runs"]), int(manifest["realisations"]),
                   manifest.get("fidelity", "radar"), assigner_named(manifest.get("assigner", "greedy")),
                   manifest.get("coordination") or scenario.coordination)

    def replication(self, i: int):
        """(world, outcome) of replication `i`, exactly as the run flies it."""
        from shieldwall.engine import simulate

        world = self.world("scenario", self.scenario, self.seed, realisation_of(i, self.runs, self.realisations))
        return world, simulate(world, replication_seed(self.seed, i), self.fidelity, self.assigner, self.coordination)

    def tables(self, indices: Sequence[int], tick=None) -> dict[str, pa.Table]:
        from shieldwall.engine import simulate_many
        from shieldwall.results import concatenate, outcome_columns, to_arrow

        # Columns are built per raid realisation (a task's replications are all of one), whose
        # replications the engine takes through its stages together (simulate_many).
        chunks = []
        for realisation, group in groupby(indices, key=lambda i: realisation_of(i, self.runs, self.realisations)):
            world = self.world("scenario", self.scenario, self.seed, realisation)
            runs = list(group)
            outcomes = list(simulate_many(world, [replication_seed(self.seed, i) for i in runs], self.fidelity,
                                          self.assigner, self.coordination, tick=tick))
            chunks.append(outcome_columns(world, outcomes, runs, realisation))
        return to_arrow(concatenate(chunks), self.scenario)

    def perform(self, task: Task, tick) -> object:
        tables = self.tables(task.indices, tick)
        if self.folder is None:
            return tables
        from shieldwall.results import write_part

        write_part(self.folder, task.start, task.stop, tables)
        return task.size


def join_tables(parts: Sequence[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """Tables of consecutive tasks as one table each (one chunk per column, dictionaries unified in
    order of first appearance, as if the rows had been converted at once)."""
    return {name: pa.concat_tables([p[name] for p in parts]).unify_dictionaries().combine_chunks()
            for name in parts[0]}


class Results:
    """The tables of a run (one row per replication, threat, shot and refusal), its summary and its
    manifest. Results written to a folder as the run went read their tables from it when asked."""

    def __init__(self, scenario: Scenario, tables: dict[str, pa.Table] | None, manifest: dict,
                 folder: Path | None = None, summary: dict | None = None):
        self.scenario, self.manifest, self.folder = scenario, manifest, folder
        self._tables, self._summary = tables, summary

    @property
    def tables(self) -> dict[str, pa.Table]:
        if self._tables is None:
            from shieldwall.results import TABLES, read_table

            self._tables = {name: read_table(self.folder, name) for name in TABLES}
        return self._tables

    @property
    def summary(self) -> dict:
        if self._summary is None:
            from shieldwall.results import summarise

            self._summary = summarise(self.tables)
        return self._summary

    def write(self, folder: str | Path, force: bool = False) -> Path:
        from shieldwall.results import write_folder

        if self.folder is not None and Path(folder).resolve() == self.folder.resolve():
            return self.folder
        return write_folder(folder, self.tables, dump_scenario(self.scenario), self.summary, self.manifest, force)


def parse_shard(text: str) -> tuple[int, int]:
    """`k/N` -> (k, N), 1 <= k <= N."""
    k, slash, n = text.partition("/")
    try:
        k, n = int(k), int(n)
    except ValueError:
        k = n = 0
    if not slash or n < 1 or not 1 <= k <= n:
        raise ValueError(f"--shard must be k/N with 1 <= k <= N, got {text!r}")
    return k, n


def shard_range(k: int, n: int, runs: int) -> range:
    """The replications of shard k of n: a contiguous 1/n of the run."""
    return range((k - 1) * runs // n, k * runs // n)


_IDENTITY = ("scenario", "scenario_sha256", "runs", "seed", "fidelity", "realisations", "coordination", "assigner")


def _identity(scenario: Scenario, scenario_yaml: str, runs, seed, fidelity, realisations, coordination,
              assigner) -> dict:
    return {"scenario": scenario.name,
            "scenario_sha256": hashlib.sha256(scenario_yaml.encode()).hexdigest(),
            "runs": runs, "seed": seed, "fidelity": fidelity, "realisations": realisations,
            "coordination": coordination, "assigner": assigner.name}


def _describe(identity: dict) -> str:
    return f"{identity.get('scenario')!r} seed {identity.get('seed')}, {identity.get('runs')} runs"


def _check_resume(folder: Path, identity: dict) -> dict:
    from shieldwall.results import read_manifest

    try:
        stored = read_manifest(folder)
    except (OSError, ValueError):
        raise ResumeError(f"--resume: {folder} holds no run to resume (no readable manifest.json)") from None
    if any(stored.get(key) != identity[key] for key in _IDENTITY + ("shard",)):
        differ = [key for key in _IDENTITY + ("shard",) if stored.get(key) != identity[key]]
        raise ResumeError(f"--resume: {folder} holds a run of {_describe(stored)}, not {_describe(identity)} "
                          f"(differs in {', '.join(differ)}); resume with the same settings or choose another --out")
    return stored


def run(
    scenario: Scenario | str | Path,
    runs: int = 1000,
    seed: int = 0,
    workers: int = 1,
    fidelity: str = "radar",
    realisations: int | None = None,
    assigner: Assigner | str | None = None,
    coordination: str | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    out: str | Path | None = None,
    force: bool = False,
    resume: bool = False,
    shard: tuple[int, int] | None = None,
    executor: Executor | None = None,
) -> Results:
    """Run `runs` replications of `scenario` (a Scenario, a bundled name or a file path).

    `progress`, if given, is called with the number of replications just finished. `out`: stream
    the tables to this results folder (`force` replaces results there; `resume` continues the run
    the folder holds, which must have the same scenario and settings). `shard` (k, N): only the
    k-th of N contiguous slices of the replications (join the shards' folders with `merge`).
    `executor`: where tasks run (default: the local process pool of `workers`).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if fidelity not in FIDELITIES:
        raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}")
    if (resume or shard) and out is None:
        raise ValueError("resume and shard need a results folder (out)")
    realisations = min(runs, realisations or DEFAULT_REALISATIONS)
    assigner = assigner_named(assigner) if isinstance(assigner, str) else assigner or GreedyAssigner()
    coordination = coordination or scenario.coordination
    started, started_utc = time.perf_counter(), datetime.now(timezone.utc).isoformat(timespec="seconds")
    scenario_yaml = dump_scenario(scenario)  # what the folder holds (anonymous partners redacted)
    identity = _identity(scenario, scenario_yaml, runs, seed, fidelity, realisations, coordination, assigner)
    identity["shard"] = f"{shard[0]}/{shard[1]}" if shard else None
    only = shard_range(*shard, runs) if shard else None
    width = executor.workers if executor is not None else workers
    folder = Path(out) if out is not None else None
    created = folder is not None and not folder.exists()
    done: list[Task] = []
    if folder is not None:
        from shieldwall.results import complete_ranges, prepare_folder, write_manifest

        if resume:
            _check_resume(folder, identity)
            done = [Task(0, realisation_of(a, runs, realisations), a, b)
                    for a, b in complete_ranges(folder, clean=True)]
        else:
            prepare_folder(folder, force)
            (folder / "scenario.yaml").write_text(scenario_yaml, encoding="utf-8")
            write_manifest(folder, {**identity, "complete": False})
    job = RunJob(scenario, seed, runs, realisations, fidelity, assigner, coordination,
                 folder.resolve() if folder is not None else None)
    tasks = plan(runs, realisations, pieces=pieces_for(width, realisations), max_size=TASK_SIZE, only=only, skip=done)
    if progress and done:
        progress(sum(t.size for t in done))
    parts = {}
    try:
        for task, result in execute(job, tasks, executor or workers, progress):
            if folder is None:
                parts[task.start] = result
    except Exception:
        if created and not done:
            from shieldwall.results import complete_ranges

            if not complete_ranges(folder):  # a run that failed before writing anything leaves nothing
                shutil.rmtree(folder, ignore_errors=True)
        raise
    from shieldwall import __version__

    manifest = {
        "shieldwall": __version__,
        **identity,
        "workers": width,
        "backend": executor.name if executor is not None else "local",
        "started_utc": started_utc,
        "elapsed_s": round(time.perf_counter() - started, 3),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
    }
    if resume:
        manifest["resumed"] = True
    if shard is None:
        manifest.pop("shard")
    if folder is None:
        return Results(scenario, join_tables([parts[k] for k in sorted(parts)]), manifest)
    return _finish(folder, scenario, manifest, scenario_yaml)


def _finish(folder: Path, scenario: Scenario, manifest: dict, scenario_yaml: str | None = None) -> Results:
    from shieldwall.results import finish_folder, summarise_folder, write_manifest

    if manifest.get("shard"):
        # A shard alone is no run: its figures come when `merge` joins the shards.
        write_manifest(folder, {**manifest, "complete": True})
        return Results(scenario, None, manifest, folder, None)
    summary = summarise_folder(folder)
    finish_folder(folder, scenario_yaml or dump_scenario(scenario), summary, manifest)
    return Results(scenario, None, manifest, folder, summary)


class MergeError(ValueError):
    """The folders given to `merge` are not the shards of one run."""


def merge(out: str | Path, folders: Sequence[str | Path], force: bool = False) -> Results:
    """Join the folders of the shards of one run (`run(..., shard=(k, N))`) into one results folder,
    the same as the run written at once. The shards' folders are left as they were."""
    from shieldwall.results import complete_ranges, prepare_folder, read_manifest

    if not folders:
        raise MergeError("merge: no shard folders given")
    manifests = []
    for folder in folders:
        try:
            manifests.append(read_manifest(folder))
        except (OSError, ValueError):
            raise MergeError(f"merge: {folder} holds no shard (no readable manifest.json)") from None
    first = manifests[0]
    for folder, manifest in zip(folders, manifests):
        if not manifest.get("shard"):
            raise MergeError(f"merge: {folder} is not a shard (written without --shard)")
        if any(manifest.get(key) != first.get(key) for key in _IDENTITY):
            raise MergeError(f"merge: {folder} holds a run of {_describe(manifest)}, "
                             f"not {_describe(first)} like {folders[0]}")
        if not manifest.get("complete"):
            raise MergeError(f"merge: {folder} is not finished; complete it with run --resume")
    n = int(first["shard"].split("/")[1])
    shards = sorted(int(m["shard"].split("/")[0]) for m in manifests)
    if [int(m["shard"].split("/")[1]) for m in manifests] != [n] * len(manifests) or shards != list(range(1, n + 1)):
        raise MergeError(f"merge: need shards 1 to {n} of {n} once each, got {', '.join(m['shard'] for m in manifests)}")
    runs = int(first["runs"])
    ranges = {Path(f): complete_ranges(f) for f in folders}
    covered = sorted(r for rs in ranges.values() for r in rs)
    at = 0
    for start, stop in covered:
        if start != at:
            raise MergeError(f"merge: replications {at} to {start - 1} are in no shard's complete parts")
        at = stop
    if at != runs:
        raise MergeError(f"merge: replications {at} to {runs - 1} are in no shard's complete parts")
    target = prepare_folder(out, force)
    from shieldwall.results.store import part_name
    from shieldwall.results.tables import TABLES

    for folder, rs in ranges.items():
        for start, stop in rs:
            for table in TABLES:
                directory = target / f"{table}.parquet"
                directory.mkdir(exist_ok=True)
                source = folder / f"{table}.parquet" / part_name(start, stop)
                try:
                    os.link(source, directory / part_name(start, stop))
                except OSError:
                    shutil.copy2(source, directory / part_name(start, stop))
    scenario = load_scenario(Path(folders[0]) / "scenario.yaml")
    manifest = {key: value for key, value in first.items() if key not in ("shard", "complete")}
    manifest["merged_from"] = len(folders)
    manifest["elapsed_s"] = round(sum(float(m.get("elapsed_s", 0)) for m in manifests), 3)
    return _finish(target, scenario, manifest, (Path(folders[0]) / "scenario.yaml").read_text(encoding="utf-8"))
