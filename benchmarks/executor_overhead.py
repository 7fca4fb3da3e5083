"""Overhead per task of each executor: tasks that do no work (one replication drawing one number),
timed end to end after the executor has started, against the serial executor in the same run.
Ray's start-up and its first job (which starts the actors) are reported apart.

    python benchmarks/executor_overhead.py [--tasks 400]

Writes benchmarks/results/executor_overhead.json. Timing decides nothing in the tests; these
figures feed docs/scaling.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from shieldwall.montecarlo import LocalPoolExecutor, SerialExecutor, plan
from shieldwall.montecarlo.testing import DrawJob


def seconds_per_task(executor, tasks) -> float:
    list(executor.map(DrawJob(1), tasks[:8]))  # workers started and warm
    started = time.perf_counter()
    for _ in executor.map(DrawJob(2), tasks):
        pass
    return (time.perf_counter() - started) / len(tasks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=400)
    args = parser.parse_args()
    tasks = plan(args.tasks, args.tasks)  # one replication per task
    figures = {"tasks": args.tasks, "cpus": os.cpu_count(), "python": platform.python_version()}
    figures["serial_s_per_task"] = seconds_per_task(SerialExecutor(), tasks)
    figures["local_pool_2_s_per_task"] = seconds_per_task(LocalPoolExecutor(2), tasks)
    try:
        import ray  # noqa: F401
    except ImportError:
        figures["ray"] = "not installed"
    else:
        from shieldwall.montecarlo.distributed import RayExecutor

        started = time.perf_counter()
        executor = RayExecutor(workers=2).connect()
        figures["ray_start_s"] = time.perf_counter() - started
        try:
            started = time.perf_counter()
            list(executor.map(DrawJob(1), tasks[:8]))  # starts one actor per CPU, kept for later jobs
            figures["ray_first_job_s"] = time.perf_counter() - started
            figures["ray_2_s_per_task"] = seconds_per_task(executor, tasks)
        finally:
            executor.close()
    for key, value in figures.items():
        print(f"{key}: {value:.6f}" if isinstance(value, float) else f"{key}: {value}")
    out = Path(__file__).parent / "results" / "executor_overhead.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
