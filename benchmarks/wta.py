"""Weapon-target assignment benchmark: every solver on the public instances and generated families.

For each instance: objective and time of greedy, of the search at two budgets, and of the exact
solver (objective, proven bound, gap); the published record of Andersen, Pavlikov and Toffolo (2022)
(best lower and upper bound over their nine configurations) where one exists. Ratios are against the
best bound known in this run (the larger of ours and the published one).

    python benchmarks/wta.py                     # full run -> benchmarks/results/wta.json
    python benchmarks/wta.py --smoke             # small subset -> benchmarks/results/wta-smoke.json
    python benchmarks/wta.py --only 300x600x2 --exact-time-limit 600
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from shieldwall.wta import (
    ExactAssigner,
    GreedyAssigner,
    SearchAssigner,
    family_a,
    family_c,
    read_instance,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
PUBLIC_SIZES = [(50, 100), (100, 200), (150, 300), (200, 400), (250, 500), (300, 600)]


def shared_data_dir() -> Path:
    return Path(os.environ.get("SHIELDWALL_SHARED", REPO_ROOT.parent / "shared")) / "data" / "wta"


def published_record(path: Path) -> dict[str, dict]:
    """Best lower and upper bound per instance over all configurations in the results log."""
    record: dict[str, dict] = {}
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) < 9 or not fields[1].isdigit():
            continue
        name = f"{fields[1]}x{fields[2]}x{fields[3]}"
        best = record.setdefault(name, {"lower_bound": 0.0, "upper_bound": float("inf"), "proven": False})
        best["lower_bound"] = max(best["lower_bound"], float(fields[5]))
        best["upper_bound"] = min(best["upper_bound"], float(fields[6]))
        best["proven"] |= fields[7] == "opt"
    return record


def instances(smoke: bool, only: str | None):
    """(name, problem, published record or None) in benchmark order."""
    data = shared_data_dir()
    record = published_record(data / "andersen2022-results.csv") if data.exists() else {}
    sizes = PUBLIC_SIZES[:1] if smoke else PUBLIC_SIZES
    units = [1, 2] if smoke else [1, 2, 3]
    for weapons, targets in sizes:
        for mu in units:
            name = f"{weapons}x{targets}x{mu}"
            path = data / f"wta_{name}.txt.gz"
            if path.exists() and (only is None or only in name):
                yield name, read_instance(path), record.get(name)
    for weapons in ([20] if smoke else [50, 100, 200]):
        name = f"A-{weapons}x{weapons}-seed1"
        if only is None or only in name:
            yield name, family_a(weapons, np.random.default_rng(1)), None
    for weapons, targets in ([(10, 20)] if smoke else [(20, 40), (50, 100), (100, 200)]):
        name = f"C-{weapons}x{targets}-seed1"
        if only is None or only in name:
            yield name, family_c(weapons, targets, np.random.default_rng(1)), None


def run(problem, exact_time_limit_s: float) -> dict:
    solvers = {
        "greedy": GreedyAssigner(),
        "search_100ms": SearchAssigner(time_limit_s=0.1),
        "search_1s": SearchAssigner(time_limit_s=1.0),
        "exact": ExactAssigner(time_limit_s=exact_time_limit_s),
    }
    figures = {}
    for label, solver in solvers.items():
        start_s = time.perf_counter()
        answer = solver.assign(problem, np.random.default_rng(0))
        figures[label] = {
            "objective": answer.objective,
            "lower_bound": answer.lower_bound if np.isfinite(answer.lower_bound) else None,
            "gap": answer.gap if np.isfinite(answer.lower_bound) else None,
            "time_s": time.perf_counter() - start_s,
            "stats": answer.stats,
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small subset, short limits")
    parser.add_argument("--only", help="run instances whose name contains this text")
    parser.add_argument("--exact-time-limit", type=float, default=None, help="seconds per exact solve")
    parser.add_argument("--out", type=Path, default=None, help="JSON file for the figures")
    args = parser.parse_args()
    exact_time_limit_s = args.exact_time_limit or (10.0 if args.smoke else 600.0)
    out = args.out or RESULTS_DIR / ("wta-smoke.json" if args.smoke else "wta.json")

    rows = []
    header = (f"{'instance':<18} {'best LB':>12} {'pub UB':>12} {'greedy':>8} {'srch.1s':>8} {'srch1s':>8} "
              f"{'exact':>8} {'ex.gap':>9} {'ex.time':>8} {'pub.gap':>9}")
    print(header)
    for name, problem, record in instances(args.smoke, args.only):
        figures = run(problem, exact_time_limit_s)
        bounds = [figures["exact"]["lower_bound"] or 0.0]
        if record is not None:
            bounds.append(record["lower_bound"])
        best_bound = max(bounds)

        def excess(label: str) -> float:
            return figures[label]["objective"] / best_bound - 1.0 if best_bound > 0 else float("nan")

        row = {"instance": name, "weapons": problem.n_weapons, "targets": problem.n_targets,
               "units": int(problem.capacity.sum()), "published": record, "best_lower_bound": best_bound,
               "solvers": figures, "excess_over_best_bound": {label: excess(label) for label in figures}}
        rows.append(row)
        published_gap = ("-" if record is None else
                         f"{100 * (record['upper_bound'] - record['lower_bound']) / record['upper_bound']:.4f}%")
        print(f"{name:<18} {best_bound:>12.4f} "
              f"{(record['upper_bound'] if record else float('nan')):>12.4f} "
              f"{100 * excess('greedy'):>7.2f}% {100 * excess('search_100ms'):>7.3f}% "
              f"{100 * excess('search_1s'):>7.3f}% {100 * excess('exact'):>7.4f}% "
              f"{100 * figures['exact']['gap']:>8.5f}% {figures['exact']['time_s']:>8.1f} {published_gap:>9}",
              flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "exact_time_limit_s": exact_time_limit_s,
        "note": "excess_over_best_bound = objective / best lower bound - 1 (published or ours)",
        "rows": rows,
    }, indent=1))
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
