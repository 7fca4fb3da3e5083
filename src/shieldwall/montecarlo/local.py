"""Executors on this machine: in the calling process, and on a pool of worker processes."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from shieldwall.montecarlo.base import Executor, Job, Progress, RealisationQueue, Task, settle_heap


def _ignore(_: int) -> None:
    pass


class SerialExecutor(Executor):
    """Every task in the calling process, in order."""

    name = "serial"
    workers = 1

    def map(self, job: Job, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        for task in tasks:
            yield task, job.perform(task, progress or _ignore)


def pool_context() -> multiprocessing.context.BaseContext:
    """`fork` only where it is safe: on Linux, with no other Python thread running (a forked child
    gets a copy of the locks other threads may hold: logging, stdout, a progress bar's console).
    Workers then start in milliseconds, inherit the loaded kernels, and a user's script needs no
    `__main__` guard. The thread pools of native libraries (OpenBLAS, Arrow) are idle here and
    register fork handlers. Elsewhere (macOS, where system frameworks are not fork-safe; or Python
    threads already running) `forkserver` or `spawn`, whose workers load the compiled kernels from
    numba's on-disk cache, and whose scripts need the `if __name__ == "__main__":` guard."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


_JOB: Job | None = None  # in a worker process: the job its tasks belong to
_QUEUE = None  # in a worker process: where finished replications are reported
# A worker reports its finished replications at most this often (and at the end of each task): a
# put on the queue per replication cost about 2 % of a worker's time, and a progress bar needs no more.
_REPORT_EVERY_S = 0.2
_unreported = 0
_reported_at_s = 0.0


def _install(job: Job, queue) -> None:
    global _JOB, _QUEUE
    _JOB, _QUEUE = job, queue


def _tick(n: int) -> None:
    global _unreported
    _unreported += n
    if time.monotonic() - _reported_at_s >= _REPORT_EVERY_S:
        _report()


def _report() -> None:
    global _unreported, _reported_at_s
    if _unreported:
        _QUEUE.put(_unreported)
        _unreported = 0
    _reported_at_s = time.monotonic()


def _perform(task: Task) -> object:
    if _QUEUE is None:
        return _JOB.perform(task, _ignore)
    try:
        return _JOB.perform(task, _tick)
    finally:
        _report()


class LocalPoolExecutor(Executor):
    """A pool of `workers` processes on this machine, started for each job; the job travels to each
    worker once (inherited when forked)."""

    name = "local"

    def __init__(self, workers: int = 2):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers

    def map(self, job: Job, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        if not tasks:
            return
        from shieldwall.engine import load_kernels

        load_kernels()  # compiled or loaded once here, so that forked workers inherit the kernels
        settle_heap()
        context = pool_context()
        queue = context.Queue() if progress else None

        def drain() -> None:
            finished = 0
            while queue is not None and not queue.empty():
                finished += queue.get()
            if finished:
                progress(finished)

        # One task in flight per worker, so that the task submitted when one finishes goes to the
        # worker just freed, and it can be of that worker's raid realisation (`RealisationQueue`).
        width = min(self.workers, len(tasks))
        left = RealisationQueue(tasks)
        with ProcessPoolExecutor(max_workers=width, mp_context=context, initializer=_install,
                                 initargs=(job, queue)) as pool:
            running: dict = {}

            def submit(realisation: int | None) -> None:
                task = left.take(realisation, {t.realisation for t in running.values()})
                if task is not None:
                    running[pool.submit(_perform, task)] = task

            for _ in range(width):
                submit(None)
            try:
                while running:
                    done, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
                    drain()
                    for future in done:
                        task = running.pop(future)
                        submit(task.realisation)
                        yield task, future.result()
            finally:
                for future in running:
                    future.cancel()
        drain()  # reports that arrived after the last task finished


def local_executor(workers: int) -> Executor:
    """The default executor: the calling process for one worker, else a local process pool."""
    return SerialExecutor() if workers <= 1 else LocalPoolExecutor(workers)
