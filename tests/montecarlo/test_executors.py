"""Every executor against the shared contract battery (shieldwall.montecarlo.testing)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from shieldwall.montecarlo import LocalPoolExecutor, SerialExecutor, plan
from shieldwall.montecarlo.base import Job, Task
from shieldwall.montecarlo.local import pool_context
from shieldwall.montecarlo.testing import CHECKS

EXECUTORS = {
    "serial": SerialExecutor,
    "local-pool": lambda: LocalPoolExecutor(2),
}


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("executor", EXECUTORS, ids=str)
def test_contract(executor, check):
    check(EXECUTORS[executor])


def test_plan_covers_each_replication_once_within_its_realisation():
    # 10 runs in 3 realisations: i * 3 // 10 gives blocks 0-3, 4-6, 7-9.
    tasks = plan(10, 3, pieces=2)
    assert [(t.realisation, t.start, t.stop) for t in tasks] == [(0, 0, 2), (0, 2, 4), (1, 4, 6), (1, 6, 7),
                                                                   (2, 7, 9), (2, 9, 10)]
    assert [(t.start, t.stop) for t in plan(10, 3, max_size=2, skip=[tasks[0], tasks[3]])] == [
        (2, 4), (4, 6), (7, 9), (9, 10)]
    assert [(t.start, t.stop) for t in plan(10, 3, only=range(3, 8))] == [(3, 4), (4, 7), (7, 8)]


def test_fork_only_when_no_other_thread_runs():
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no fork on this platform")
    alone = pool_context().get_start_method()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        busy = pool_context().get_start_method()
    finally:
        stop.set()
        thread.join()
    assert busy != "fork"
    if __import__("sys").platform.startswith("linux"):
        assert alone == "fork"
    else:  # macOS: system frameworks are not fork-safe
        assert alone != "fork"


class _WhereJob(Job):
    """Each task reports the process that performed it. Replications take a little time, longer
    in later realisations, so that two workers rarely finish at the same moment (a task then
    goes to either)."""

    def perform(self, task: Task, tick) -> int:
        time.sleep(0.03 * task.size * (1 + 0.37 * task.realisation))
        tick(task.size)
        return os.getpid()


def test_pool_workers_keep_their_raid_realisation():
    # 6 realisations of 6 tasks each on 2 workers. Handed out first come first served, both
    # workers took turns at every realisation (up to 12 realisation compiles in all). Kept by
    # realisation, each is performed by one worker, but for the last, which the worker that runs
    # out of realisations joins: 7, and 10 allows for workers finishing at the same moment on a
    # loaded machine.
    tasks = plan(72, 6, max_size=2)
    assert len(tasks) == 36
    performed = {(pid, task.realisation) for task, pid in LocalPoolExecutor(2).map(_WhereJob(), tasks)}
    assert len({pid for pid, _ in performed}) == 2
    assert len(performed) <= 10, sorted(performed)
