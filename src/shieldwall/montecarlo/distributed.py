"""The Ray executor: the same tasks on a Ray cluster (joined with `address`) or on a Ray instance
started here. Ray is an optional dependency (`pip install 'shieldwall[ray]'`), imported only when
this executor connects.

The job goes into Ray's object store once. Tasks run on Ray actors, one per CPU of the cluster, each
a process that keeps the raid realisation it has compiled (`Job.world`): like the local pool's
workers, an actor has one task in flight and is handed the next task of its realisation while that
has tasks left (`RealisationQueue`), so that a realisation is compiled about once per run rather
than once per task. A task is a call with the job's reference and a few integers, and returns what
the local pool's would (a results folder must be on storage that every node sees). Before the first
task, each node loads the compiled kernels once (compiling them into numba's on-disk cache if that
node has none), so tasks never wait on a compile one by one.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence

from shieldwall.montecarlo.base import Executor, ExecutorError, Job, Progress, RealisationQueue, Task

CONNECT_TIMEOUT_S = 5.0


def _ray():
    from shieldwall._optional import require

    return require("ray", "the Ray backend (--backend ray)")


class _Worker:
    """A Ray actor performing tasks; its process keeps the job's compiled raid realisation between
    them."""

    def perform(self, job: Job, task: Task) -> object:
        return job.perform(task, lambda n: None)


def _warm() -> str:
    from shieldwall.engine import load_kernels

    load_kernels()
    return socket.gethostname()


def _reachable(address: str) -> None:
    """Fail fast, in one line, when nothing listens at a host:port address (Ray's own connect
    retries for a minute or more)."""
    if address in ("auto", "local") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=CONNECT_TIMEOUT_S):
            return
    except (OSError, ValueError):
        raise ExecutorError(f"--address {address}: no Ray cluster answers there "
                            f"(start one with `ray start --head`, or leave out --address)") from None


class RayExecutor(Executor):
    """Tasks on Ray actors, one CPU each. `address`: a running cluster (`host:port`, `auto`,
    `ray://host:port`); None starts a Ray instance on this machine with `workers` CPUs, shut down
    on `close`."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 2):
        self.address, self.workers = address, workers
        self._started = False
        self._actors: list = []  # started by the first job that needs them, kept for the next ones

    def connect(self) -> "RayExecutor":
        ray = _ray()
        if self.address is not None:
            _reachable(self.address)
        if ray.is_initialized():
            return self
        if self.address is not None:
            try:
                ray.init(address=self.address, log_to_driver=False, logging_level="ERROR")
            except (ConnectionError, RuntimeError, TimeoutError) as error:
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise ExecutorError(f"--address {self.address}: cannot join a Ray cluster there ({first})") from None
        else:
            ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                     object_store_memory=200 * 2**20)
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", self.workers)))
        return self

    def _warm_nodes(self, ray) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        # No CPU asked for: the actors of an earlier job may hold them all.
        warm = ray.remote(num_cpus=0)(_warm)
        ray.get([warm.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)).remote()
                 for node in ray.nodes() if node.get("Alive") and node.get("Resources", {}).get("CPU", 0) >= 1])

    def map(self, job: Job, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        if not tasks:
            return
        ray = self.connect() and _ray()
        width = min(self.workers, len(tasks))
        if len(self._actors) < width:
            self._warm_nodes(ray)
            # An actor lost with its node is restarted and its task retried.
            worker = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=2)(_Worker)
            self._actors += [worker.remote() for _ in range(width - len(self._actors))]
        job_ref = ray.put(job)
        left = RealisationQueue(tasks)
        running: dict = {}  # call -> (task, actor)

        def submit(actor, realisation: int | None) -> None:
            task = left.take(realisation, {t.realisation for t, _ in running.values()})
            if task is not None:
                running[actor.perform.remote(job_ref, task)] = (task, actor)

        try:
            for actor in self._actors[:width]:
                submit(actor, None)
            while running:
                done, _ = ray.wait(list(running), num_returns=1)
                task, actor = running.pop(done[0])
                result = ray.get(done[0])
                submit(actor, task.realisation)
                if progress:
                    progress(task.size)
                yield task, result
        finally:
            if running:  # a task failed, or the caller stopped early: stop the tasks still running
                self._stop_actors()

    def _stop_actors(self) -> None:
        for actor in self._actors:
            _ray().kill(actor)
        self._actors = []

    def close(self) -> None:
        if self._actors and _ray().is_initialized():
            self._stop_actors()
        self._actors = []
        if self._started:
            _ray().shutdown()
            self._started = False
