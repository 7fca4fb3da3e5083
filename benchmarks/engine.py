"""Replications per second of a bundled scenario, against baselines measured in the same run.

    python benchmarks/engine.py [--scenario april-2024] [--runs 200] [--fidelity radar]
    python benchmarks/engine.py --whole 1000 20000 [--baseline COMMIT] [--rounds 1]

`--whole`: whole processes at the default settings, as a user runs them: `shieldwall run SCENARIO
--runs N --workers 2 --out FOLDER` for each N, in the candidate commit's tree (default HEAD) and
the baseline commit's (default: the commit before the one Monte Carlo runner), each a temporary git
worktree, alternating so that machine load hits both. Each gives wall time from process start to
exit, replications per second, peak memory of the process tree (driver and workers, proportional
set size sampled every 50 ms from /proc) and the size of the results folder. Figures go to
benchmarks/results/engine-whole-<scenario>.json.

Reports: the time to load the compiled kernels (not counted in the rates); compile time of one
raid realisation; replications per second with one worker (the
baseline) and with two (the ratio is the parallel speed-up); a machine-speed reference (a fixed
pure-Python event-loop workload, so figures from different machines can be compared); the ratio
of the measured rate to the project's goal (1,000 replications per second on 2 cores) and to the
minimum accepted (50). Figures go to benchmarks/results/engine-<scenario>-<fidelity>.json.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import shieldwall
from _whole import best_of, measure, short, worktrees
from shieldwall.engine import compile_world, load_kernels
from shieldwall.scenario import load_scenario

GOAL_PER_S = 1000.0
MINIMUM_PER_S = 50.0


def reference_workload_s() -> float:
    """A fixed pure-Python heap workload (the engine's kind of work), best of three."""
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        heap: list = []
        for i in range(200_000):
            heapq.heappush(heap, ((i * 7919) % 10007, i))
        while heap:
            heapq.heappop(heap)
        best = min(best, time.perf_counter() - start)
    return best


BASELINE = "7561595"  # the tree before the one Monte Carlo runner and streamed results


def whole(args) -> None:
    commits = {"baseline": short(args.baseline), "candidate": short(args.candidate)}
    figures = {"scenario": args.scenario, "workers": 2, **commits, "rounds": args.rounds, "runs": {},
               "cpus": os.cpu_count(), "python": platform.python_version(),
               "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with worktrees(commits) as (trees, scratch):
        for runs in args.whole:
            def one(name: str, src: Path) -> dict:
                folder = scratch / f"out-{name}"
                result = measure(src, ["run", args.scenario, "--runs", str(runs), "--workers", "2",
                                       "--out", str(folder)], folder)
                return {**result, "replications_per_s": round(runs / result["wall_s"], 1)}

            best = best_of(args.rounds, trees, one, label=f"{runs} runs, ")
            best["speed_ratio"] = round(best["candidate"]["replications_per_s"]
                                        / best["baseline"]["replications_per_s"], 3)
            best["memory_ratio"] = round(best["candidate"]["peak_memory_mb"] / best["baseline"]["peak_memory_mb"], 3)
            figures["runs"][str(runs)] = best
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"engine-whole-{args.scenario}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="april-2024")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--fidelity", default="radar")
    parser.add_argument("--realisations", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--whole", type=int, nargs="+", help="whole `shieldwall run` processes of these runs")
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare whole processes against")
    parser.add_argument("--candidate", default="HEAD", help="commit whose whole processes are measured")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if args.whole:
        whole(args)
        return

    scenario = load_scenario(args.scenario)
    start = time.perf_counter()
    load_kernels()  # compiled on the first use after an install, then loaded from the cache
    kernels_s = time.perf_counter() - start
    start = time.perf_counter()
    compile_world(scenario, np.random.default_rng(0))
    compile_s = time.perf_counter() - start

    rates = {}
    for workers in (1, 2):
        start = time.perf_counter()
        shieldwall.run(scenario, runs=args.runs, seed=1, workers=workers, fidelity=args.fidelity,
                       realisations=args.realisations)
        elapsed = time.perf_counter() - start
        rates[workers] = args.runs / elapsed
        print(f"{workers} worker(s): {args.runs} replications in {elapsed:.1f} s = {rates[workers]:.1f} per s")
    reference_s = reference_workload_s()
    figures = {
        "scenario": args.scenario,
        "fidelity": args.fidelity,
        "runs": args.runs,
        "realisations": args.realisations,
        "kernels_load_s": round(kernels_s, 3),
        "compile_s": round(compile_s, 3),
        "replications_per_s_1_worker": round(rates[1], 2),
        "replications_per_s_2_workers": round(rates[2], 2),
        "parallel_speedup": round(rates[2] / rates[1], 2),
        "ratio_to_goal_1000_per_s": round(rates[2] / GOAL_PER_S, 4),
        "ratio_to_minimum_50_per_s": round(rates[2] / MINIMUM_PER_S, 3),
        "reference_workload_s": round(reference_s, 4),
        "replications_per_reference_workload": round(rates[2] * reference_s, 3),
        "shieldwall": shieldwall.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"engine-{args.scenario}-{args.fidelity}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
