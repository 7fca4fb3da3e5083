"""How much a better weapon-target assignment changes a scenario's outcome.

    python benchmarks/assignment_effect.py [--scenario april-2024] [--runs 40]

Runs the scenario with each assigner (greedy, search, exact) on the same seed: common random
numbers, so each replication faces the same raid, detections and kill draws, and the per-replication
differences from greedy (the baseline) are paired. Writes benchmarks/results/assignment-<scenario>.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import shieldwall
from shieldwall.results import mean_interval

MEASURES = ("leaked", "shots", "defence_cost_usd", "value_lost_usd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="april-2024")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    per_run, elapsed = {}, {}
    for name in ("greedy", "search", "exact"):
        start = time.perf_counter()
        results = shieldwall.run(args.scenario, runs=args.runs, seed=11, workers=args.workers, assigner=name)
        elapsed[name] = time.perf_counter() - start
        table = results.tables["replications"]
        per_run[name] = {m: table[m].to_numpy().astype(float) for m in MEASURES}
        print(f"{name}: {elapsed[name]:.1f} s")
    figures = {"scenario": args.scenario, "runs": args.runs, "seed": 11, "elapsed_s": elapsed, "assigners": {}}
    for name, values in per_run.items():
        figures["assigners"][name] = {
            m: {"mean": float(values[m].mean()),
                "paired_difference_from_greedy": vars(mean_interval(values[m] - per_run["greedy"][m]))}
            for m in MEASURES
        }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"assignment-{args.scenario}.json"
    path.write_text(json.dumps(figures, indent=2, default=float) + "\n")
    print(json.dumps(figures["assigners"], indent=1, default=float))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
