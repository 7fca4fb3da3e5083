"""The Ray executor: the same tasks on a Ray cluster (joined with `address`) or on a Ray instance
started here. Ray is an optional dependency (`pip install 'shieldwall[ray]'`), imported only when
this executor connects.

The job goes into Ray's object store once; each task is a remote call with the job's reference and
a few integers, and returns what the local pool's would (a results folder must be on storage that
every node sees). Before the first task, each node loads the compiled kernels once (compiling them
into numba's on-disk cache if that node has none), so tasks never wait on a compile one by one.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence

from shieldwall.montecarlo.base import Executor, ExecutorError, Job, Progress, Task

CONNECT_TIMEOUT_S = 5.0


def _ray():
    from shieldwall._optional import require

    return require("ray", "the Ray backend (--backend ray)")


def _perform(job: Job, task: Task) -> object:
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
    """Tasks as Ray remote calls, one CPU each. `address`: a running cluster (`host:port`, `auto`,
    `ray://host:port`); None starts a Ray instance on this machine with `workers` CPUs, shut down
    on `close`."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 2):
        self.address, self.workers = address, workers
        self._started = False

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

        warm = ray.remote(num_cpus=1)(_warm)
        ray.get([warm.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)).remote()
                 for node in ray.nodes() if node.get("Alive") and node.get("Resources", {}).get("CPU", 0) >= 1])

    def map(self, job: Job, tasks: Sequence[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        if not tasks:
            return
        ray = self.connect() and _ray()
        self._warm_nodes(ray)
        remote = ray.remote(num_cpus=1, max_retries=2)(_perform)
        job_ref = ray.put(job)
        pending = {remote.remote(job_ref, task): task for task in tasks}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                task = pending.pop(done[0])
                result = ray.get(done[0])
                if progress:
                    progress(task.size)
                yield task, result
        finally:
            for ref in pending:
                ray.cancel(ref)

    def close(self) -> None:
        if self._started:
            _ray().shutdown()
            self._started = False
