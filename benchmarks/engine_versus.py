"""Replications per second of this tree against another commit's, measured in one run.

    python benchmarks/engine_versus.py --baseline 606541d [--scenarios april-2024 october-2024] [--runs 200]

The baseline commit is checked out into a temporary git worktree; each tree runs the same
replications (one worker, kernels loaded and the raid realisation compiled before the clock
starts) in its own process, alternating baseline and candidate `--rounds` times so that a change
in machine load hits both. Reports the best rate of each and their ratio (candidate over
baseline: above 1 is faster), and writes benchmarks/results/engine-versus-<baseline>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the tree under test (PYTHONPATH points at its src/): prints replications per second.
MEASURE = """
import sys, time
import numpy as np
from shieldwall.engine import compile_world, load_kernels
from shieldwall.engine.simulate import simulate
from shieldwall.scenario import load_scenario
scenario, runs = sys.argv[1], int(sys.argv[2])
load_kernels()
world = compile_world(load_scenario(scenario), np.random.default_rng(np.random.SeedSequence(1, spawn_key=(0, 0))))
simulate(world, np.random.default_rng(0))  # the plan is built on the first replication
start = time.perf_counter()
for i in range(runs):
    simulate(world, np.random.default_rng(np.random.SeedSequence(1, spawn_key=(1, i))))
print(runs / (time.perf_counter() - start))
"""


def rate(src: Path, scenario: str, runs: int) -> float:
    output = subprocess.run([sys.executable, "-c", MEASURE, scenario, str(runs)], check=True, capture_output=True,
                            text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, help="commit to compare against")
    parser.add_argument("--scenarios", nargs="+", default=["april-2024", "october-2024"])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    figures = {"baseline": commit, "runs": args.runs, "rounds": args.rounds, "scenarios": {},
               "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), commit], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for scenario in args.scenarios:
                best = {"baseline": 0.0, "candidate": 0.0}
                for _ in range(args.rounds):
                    best["baseline"] = max(best["baseline"], rate(worktree / "src", scenario, args.runs))
                    best["candidate"] = max(best["candidate"], rate(ROOT / "src", scenario, args.runs))
                ratio = best["candidate"] / best["baseline"]
                figures["scenarios"][scenario] = {
                    "baseline_per_s": round(best["baseline"], 1), "candidate_per_s": round(best["candidate"], 1),
                    "ratio": round(ratio, 3)}
                print(f"{scenario}: baseline {best['baseline']:.1f}/s, this tree {best['candidate']:.1f}/s, "
                      f"ratio {ratio:.2f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"engine-versus-{commit}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
