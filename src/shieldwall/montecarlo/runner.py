"""The one Monte Carlo loop: plan tasks, hand them to an executor, collect what they return.

`run`, `compare` and `value` (analysis.evaluate), campaigns and the replay all go through here, so
seeding (`seeds`), task planning and the choice of executor are written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from shieldwall.montecarlo.base import Executor, Job, Progress, Task
from shieldwall.montecarlo.local import local_executor
from shieldwall.montecarlo.seeds import block


def plan(runs: int, realisations: int, *, variants: Sequence[int] = (0,), pieces: int = 1,
         max_size: int | None = None, only: range | None = None, skip: Iterable[Task] = ()) -> list[Task]:
    """Tasks covering replications 0 .. runs-1 (or those in `only`) of each variant, realisation by
    realisation, leaving out the replications of tasks in `skip` (already done).

    Each realisation's block is split into about `pieces` tasks (to keep workers busy when there
    are fewer realisations than workers) and into tasks of at most `max_size` replications (to
    bound a worker's memory and the work lost to an interruption). The plan decides scheduling
    only: a replication's result does not depend on the task it falls in.
    """
    done: dict[int, list[tuple[int, int]]] = {}
    for task in skip:
        done.setdefault(task.variant, []).append((task.start, task.stop))
    tasks = []
    for r in range(realisations):
        whole = block(r, runs, realisations)
        if only is not None:
            whole = range(max(whole.start, only.start), min(whole.stop, only.stop))
        for v in variants:
            for start, stop in _gaps(whole, sorted(done.get(v, []))):
                n = stop - start
                size = max(1, -(-n // max(1, pieces)))
                if max_size:
                    size = min(size, max_size)
                tasks += [Task(v, r, k, min(k + size, stop)) for k in range(start, stop, size)]
    return tasks


def _gaps(whole: range, covered: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The sub-ranges of `whole` outside the (sorted, disjoint) `covered` ranges."""
    at = whole.start
    for start, stop in covered:
        if stop <= at or start >= whole.stop:
            continue
        if start > at:
            yield at, start
        at = max(at, stop)
    if at < whole.stop:
        yield at, whole.stop


def pieces_for(workers: int, realisations: int) -> int:
    """Tasks per realisation block so that every worker has work: ceil(workers / realisations)."""
    return max(1, -(-workers // realisations))


def execute(job: Job, tasks: Sequence[Task], executor: Executor | int = 1,
            progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
    """Perform `tasks` of `job` on `executor` (or on the default executor for that many workers);
    yield (task, result) as tasks finish."""
    if isinstance(executor, int):
        with local_executor(executor) as owned:
            yield from owned.map(job, tasks, progress)
    else:
        yield from executor.map(job, tasks, progress)
