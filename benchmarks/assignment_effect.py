"""How much a better weapon-target assignment changes a scenario's outcome.

    python benchmarks/assignment_effect.py [--scenario april-2024] [--runs 40]

Runs the scenario with each assigner (greedy, search, exact) on the same seed: common random
numbers, so each replication faces the same raid, detections and kill draws, and the per-replication
differences from greedy (the baseline) are paired; their intervals are taken across raid
realisations (docs/design/statistics.md). Writes benchmarks/results/assignment-<scenario>.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import shieldwall
from shieldwall._json import dumps
from shieldwall.results import difference_interval

MEASURES = ("leaked", "shots", "defence_cost_usd", "value_lost_usd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="april-2024")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    per_run, elapsed, realisation = {}, {}, None
    for name in ("greedy", "search", "exact"):
        start = time.perf_counter()
        results = shieldwall.run(args.scenario, runs=args.runs, seed=11, workers=args.workers, assigner=name)
        elapsed[name] = time.perf_counter() - start
        table = results.tables["replications"]
        per_run[name] = {m: table[m].to_numpy().astype(float) for m in MEASURES}
        realisation = table["realisation"].to_numpy()
        print(f"{name}: {elapsed[name]:.1f} s")
    figures = {"scenario": args.scenario, "runs": args.runs, "seed": 11, "elapsed_s": elapsed, "assigners": {}}
    def paired(name: str, m: str) -> dict:
        if name == "greedy":  # the baseline itself: zero by construction
            return {"mean": 0.0, "low": 0.0, "high": 0.0}
        unit = None if m.endswith("_usd") else 1.0
        return vars(difference_interval(per_run[name][m] - per_run["greedy"][m], realisation, unit))

    for name, values in per_run.items():
        figures["assigners"][name] = {
            m: {"mean": float(values[m].mean()), "paired_difference_from_greedy": paired(name, m)}
            for m in MEASURES
        }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"assignment-{args.scenario}.json"
    path.write_text(dumps(figures) + "\n")
    print(json.dumps(figures["assigners"], indent=1, default=float))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
