"""The contract every Monte Carlo executor must meet, as checks a plug-in can run on its own.

    from shieldwall.montecarlo.testing import check_executor
    check_executor(lambda: MyExecutor(...))   # raises AssertionError naming the failed check

or parametrise pytest over `CHECKS`: each is `check(make)`, `make` returning a fresh executor. The
expected values are computed here without any executor: a replication's first uniform draw comes
from its own seed sequence (`seeds.replication_rng`), and a run's tables from the serial executor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shieldwall.montecarlo.base import Executor, Job, Task
from shieldwall.montecarlo.runner import plan
from shieldwall.montecarlo.seeds import replication_rng

SEED = 20240413


class DrawJob(Job):
    """Each replication draws one uniform number from its own stream; a task returns its draws."""

    def __init__(self, seed: int, fail_at: int | None = None):
        super().__init__()
        self.seed, self.fail_at = seed, fail_at

    def perform(self, task: Task, tick) -> np.ndarray:
        out = []
        for i in task.indices:
            if i == self.fail_at:
                raise ValueError(f"replication {i} fails on purpose")
            out.append(replication_rng(self.seed, i).random())
            tick(1)
        return np.array(out)


def _expected(runs: int) -> np.ndarray:
    return np.array([np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(1, i))).random()
                     for i in range(runs)])


def check_every_task_once(make: Callable[[], Executor]) -> None:
    runs = 37
    tasks = plan(runs, 3, pieces=4)
    seen: list[Task] = []
    draws = np.full(runs, np.nan)
    with make() as executor:
        for task, result in executor.map(DrawJob(SEED), tasks):
            seen.append(task)
            draws[task.start:task.stop] = result
    assert sorted(seen) == sorted(tasks), "every task must come back exactly once"
    assert np.array_equal(draws, _expected(runs)), "a replication's draws must come from its own seed"


def check_no_tasks(make: Callable[[], Executor]) -> None:
    with make() as executor:
        assert list(executor.map(DrawJob(SEED), [])) == [], "no tasks, no results"


def check_progress_counts_replications(make: Callable[[], Executor]) -> None:
    runs = 20
    reported = []
    with make() as executor:
        list(executor.map(DrawJob(SEED), plan(runs, 2, pieces=2), reported.append))
    assert sum(reported) == runs, f"progress reported {sum(reported)} replications of {runs}"


def check_task_errors_reach_the_caller(make: Callable[[], Executor]) -> None:
    with make() as executor:
        try:
            list(executor.map(DrawJob(SEED, fail_at=5), plan(10, 2)))
        except ValueError as error:
            assert "fails on purpose" in str(error)
        else:
            raise AssertionError("a task's exception must reach the caller")


def check_run_tables_match_serial(make: Callable[[], Executor]) -> None:
    from shieldwall.montecarlo.local import SerialExecutor
    from shieldwall.montecarlo.run import run

    serial = run("tutorial", runs=12, seed=3, realisations=2, executor=SerialExecutor())
    with make() as executor:
        other = run("tutorial", runs=12, seed=3, realisations=2, executor=executor)
    for name, table in serial.tables.items():
        assert table.equals(other.tables[name]), f"table {name} differs from the serial executor's"


CHECKS = (check_every_task_once, check_no_tasks, check_progress_counts_replications,
          check_task_errors_reach_the_caller, check_run_tables_match_serial)


def check_executor(make: Callable[[], Executor]) -> None:
    """Run every check of the contract on executors made by `make`."""
    for check in CHECKS:
        check(make)
