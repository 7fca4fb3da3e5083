"""The runner's vocabulary: a `Job` (what every task of a run shares), its `Task`s (a variant, a raid
realisation and a range of replications), and the `Executor` that performs them somewhere.

A job is built once by the driver and shipped once to each worker (process, Ray actor or the driver
itself); a task is a few integers. Each replication draws only from its own seed (`seeds`), so the
results of a task do not depend on which executor ran it, in which process, or in which order.
"""

from __future__ import annotations

import gc
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from shieldwall.montecarlo.seeds import realisation_rng

Progress = Callable[[int], None]
"""Called with the number of replications just finished."""


@dataclass(frozen=True, order=True)
class Task:
    """Replications `start` to `stop - 1` of variant `variant`, all flying raid realisation `realisation`."""

    variant: int
    realisation: int
    start: int
    stop: int

    @property
    def indices(self) -> range:
        return range(self.start, self.stop)

    @property
    def size(self) -> int:
        return self.stop - self.start


_WORLDS: OrderedDict = OrderedDict()  # per process: compiled raid realisations, most recent last


class Job(ABC):
    """What the tasks of one run share. Subclasses store their configuration (picklable: it travels
    to every worker once) and implement `perform`."""

    worlds_kept = 8  # compiled realisations a worker keeps (each costs a compile to rebuild)

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex

    @abstractmethod
    def perform(self, task: Task, tick: Progress) -> object:
        """Simulate the replications of `task` (calling `tick(1)` after each) and return what the
        driver collects; called in a worker."""

    def world(self, key: object, scenario, seed: int, r: int):
        """The World of raid realisation `r` of `scenario` under root seed `seed`, compiled once per
        worker process and kept while the job's tasks need it. `key` names the scenario within the job."""
        from shieldwall.engine import compile_world

        cache_key = (self.token, key, seed, r)
        world = _WORLDS.get(cache_key)
        if world is None:
            # Make room first, so that the realisation dropped is freed before the next is built:
            # both at once would add one realisation (about 90 MB for april-2024) to the peak.
            while len(_WORLDS) >= self.worlds_kept:
                _WORLDS.popitem(last=False)
            world = compile_world(scenario, realisation_rng(seed, r))
            _WORLDS[cache_key] = world
            settle_heap()
        else:
            _WORLDS.move_to_end(cache_key)
        return world


def settle_heap() -> None:
    """Once per process, before its first replications (or before forking workers, which then
    share the objects' pages instead of copying them): move the objects alive now (modules,
    compiled kernels, the first World) out of the cyclic garbage collector's reach. Its full
    collections, which a replication's allocations trigger, would otherwise walk all of them each
    time: about a tenth of a replication's time. Later Worlds are left to the collector, so that
    one evicted from the cache is freed whatever it references."""
    global _HEAP_SETTLED
    if not _HEAP_SETTLED:
        gc.collect()
        gc.freeze()
        _HEAP_SETTLED = True


_HEAP_SETTLED = False


class ExecutorError(RuntimeError):
    """An executor cannot run (no cluster at the address given, a backend not installed ...)."""


class Executor(ABC):
    """Performs the tasks of a job and yields `(task, result)` pairs as tasks finish, in any order.

    Implementations must perform every task exactly once, let a task's exception reach the caller,
    and report progress through `progress` (replications finished). `tests/montecarlo` runs the
    contract battery of `shieldwall.montecarlo.testing` over every executor.
    """

    name = "executor"
    workers = 1

    @abstractmethod
    def map(self, job: Job, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        ...

    def close(self) -> None:
        """Release what the executor holds (processes, a cluster connection)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RealisationQueue:
    """The tasks not yet handed out, in plan order, grouped by raid realisation: the order in which
    executors whose workers keep state between tasks (the local pool's processes, Ray's actors)
    hand them out, one task in flight per worker.

    A worker keeps the realisation it has compiled (`Job.world`) while that realisation has tasks
    left, and otherwise moves to one no worker is on: handed out first come first served, two
    workers took turns at every realisation, and each compiled all of them (0.4 to 0.5 s each for
    april-2024, about 7 % of a run's time at the default ten realisations). Only once every
    realisation left is being worked on does a worker join the one with the most tasks left.
    """

    def __init__(self, tasks: Sequence[Task]):
        self.left: dict[int, deque[Task]] = {}
        for task in tasks:
            self.left.setdefault(task.realisation, deque()).append(task)

    def take(self, realisation: int | None, busy: set[int]) -> Task | None:
        """The next task for a worker that was on `realisation` (None: on none), while the
        realisations in `busy` are being worked on; None when no task is left."""
        if not self.left:
            return None
        if realisation not in self.left:
            idle = [r for r in self.left if r not in busy]
            realisation = idle[0] if idle else max(self.left, key=lambda r: len(self.left[r]))
        queue = self.left[realisation]
        task = queue.popleft()
        if not queue:
            del self.left[realisation]
        return task
