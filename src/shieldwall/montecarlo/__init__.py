"""Monte Carlo over seeded replications: one runner (tasks of variant x raid realisation x range of
replications) on an executor (this process, a local process pool, or a Ray cluster)."""

from shieldwall.montecarlo.base import Executor, ExecutorError, Job, Task
from shieldwall.montecarlo.local import LocalPoolExecutor, SerialExecutor, local_executor
from shieldwall.montecarlo.run import (
    ASSIGNERS,
    FIDELITIES,
    MergeError,
    Results,
    ResumeError,
    RunJob,
    assigner_named,
    merge,
    parse_shard,
    run,
)
from shieldwall.montecarlo.runner import execute, plan
from shieldwall.montecarlo.seeds import (
    block,
    realisation_of,
    realisation_rng,
    realisation_seed,
    replication_rng,
    replication_seed,
    streams,
)

__all__ = [
    "ASSIGNERS", "FIDELITIES", "Executor", "ExecutorError", "Job", "LocalPoolExecutor", "MergeError", "Results",
    "ResumeError", "RunJob", "SerialExecutor", "Task", "assigner_named", "block", "execute", "local_executor",
    "merge", "parse_shard", "plan", "realisation_of", "realisation_rng", "realisation_seed", "replication_rng",
    "replication_seed", "run", "streams",
]
