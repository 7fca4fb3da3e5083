"""Monte Carlo: many seeded replications, on a local process pool, bit-identical for any worker count.

Seeds: replication i draws from SeedSequence(seed, spawn_key=(1, i)) and raid realisation r from
SeedSequence(seed, spawn_key=(0, r)): a replication's streams depend on the seed and its own index
only, never on how replications are split between workers. Replications are split into
`realisations` contiguous blocks, each flown against its own raid realisation (launch times,
points and targets), compiled once per worker that needs it.
"""

from __future__ import annotations

import math

import multiprocessing
import os
import platform
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from shieldwall.engine import compile_world, load_kernels, simulate
from shieldwall.results import (
    concatenate,
    outcome_columns,
    summarise,
    to_arrow,
    write_folder,
)
from shieldwall.scenario import Scenario, dump_scenario, load_scenario
from shieldwall.wta import Assigner, ExactAssigner, GreedyAssigner, SearchAssigner

FIDELITIES = ("ideal", "radar", "tracked")


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


ASSIGNERS = ("greedy", "search", "exact")
DEFAULT_REALISATIONS = 10


def realisation_seed(seed: int, r: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(0, r))


def replication_seed(seed: int, i: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(1, i))


def realisation_of(i: int, runs: int, realisations: int) -> int:
    return i * realisations // runs


@dataclass
class Results:
    """The tables of a run (one row per replication, threat, shot and refusal) and its manifest."""

    scenario: Scenario
    tables: dict[str, pa.Table]
    manifest: dict
    _summary: dict | None = field(default=None, repr=False)

    @property
    def summary(self) -> dict:
        if self._summary is None:
            self._summary = summarise(self.tables)
        return self._summary

    def write(self, folder: str | Path, force: bool = False) -> Path:
        return write_folder(folder, self.tables, dump_scenario(self.scenario), self.summary, self.manifest, force)


_WORLDS: dict[tuple, object] = {}  # per process: compiled raid realisations of the current run


def _world(token: str, scenario: Scenario, seed: int, r: int):
    key = (token, seed, r)
    if key not in _WORLDS:
        if len(_WORLDS) > 8:
            _WORLDS.clear()
        _WORLDS[key] = compile_world(scenario, np.random.default_rng(realisation_seed(seed, r)))
    return _WORLDS[key]


_PROGRESS = None  # in a worker process: the queue that reports finished replications


def _set_progress_queue(queue) -> None:
    global _PROGRESS
    _PROGRESS = queue


def _run_chunk(token, scenario, seed, runs, realisations, indices, fidelity, assigner, coordination):
    chunks = []
    for i in indices:
        r = realisation_of(i, runs, realisations)
        world = _world(token, scenario, seed, r)
        outcome = simulate(world, np.random.default_rng(replication_seed(seed, i)), fidelity, assigner, coordination)
        chunks.append(outcome_columns(world, outcome, i, r))
        if _PROGRESS is not None:
            _PROGRESS.put(1)
    return indices[0], concatenate(chunks)


def _chunks(runs: int, realisations: int, workers: int) -> list[list[int]]:
    """Tasks for the pool: each realisation's block of replications, so that each realisation is
    compiled by one worker only; blocks are split only as far as needed to keep every worker busy."""
    blocks = [[i for i in range(runs) if realisation_of(i, runs, realisations) == r] for r in range(realisations)]
    pieces = max(1, -(-workers // realisations))
    out = []
    for block in blocks:
        size = max(1, -(-len(block) // pieces))
        out += [block[k:k + size] for k in range(0, len(block), size)]
    return out


def pool_context():
    """fork where the platform has it: workers start in milliseconds and a user's script needs no
    `if __name__ == "__main__"` guard; the workers touch no thread pool of the parent."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def worker_pool(workers: int, initializer=None, initargs=()) -> ProcessPoolExecutor:
    """A pool of `workers` processes for replications. The compiled kernels are loaded first, so
    that forked workers inherit them rather than each loading (or compiling) them again."""
    load_kernels()
    return ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=initializer,
                               initargs=initargs)


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
) -> Results:
    """Run `runs` replications of `scenario` (a Scenario, a bundled name or a file path).

    `progress`, if given, is called with the number of replications just finished.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if fidelity not in FIDELITIES:
        raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}")
    realisations = min(runs, realisations or DEFAULT_REALISATIONS)
    assigner = assigner_named(assigner) if isinstance(assigner, str) else assigner or GreedyAssigner()
    coordination = coordination or scenario.coordination
    started = time.perf_counter()
    token = uuid.uuid4().hex
    args = (token, scenario, seed, runs, realisations)
    parts = {}
    chunks = _chunks(runs, realisations, workers)
    if workers == 1:
        for indices in chunks:
            first, columns = _run_chunk(*args, indices, fidelity, assigner, coordination)
            parts[first] = columns
            if progress:
                progress(len(indices))
    else:
        queue = pool_context().Queue()
        with worker_pool(workers, _set_progress_queue, (queue,)) as pool:
            pending = {pool.submit(_run_chunk, *args, indices, fidelity, assigner, coordination) for indices in chunks}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    first, columns = future.result()
                    parts[first] = columns
                finished = 0
                while not queue.empty():
                    queue.get()
                    finished += 1
                if progress and finished:
                    progress(finished)
        if progress:  # reports that arrived after the last task finished
            finished = 0
            while not queue.empty():
                queue.get()
                finished += 1
            if finished:
                progress(finished)
    columns = concatenate([parts[k] for k in sorted(parts)])
    from shieldwall import __version__

    manifest = {
        "shieldwall": __version__,
        "scenario": scenario.name,
        "runs": runs,
        "seed": seed,
        "fidelity": fidelity,
        "realisations": realisations,
        "coordination": coordination,
        "assigner": assigner.name,
        "workers": workers,
        "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "elapsed_s": round(time.perf_counter() - started, 3),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
    }
    return Results(scenario, to_arrow(columns, scenario), manifest)
