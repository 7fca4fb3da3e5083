"""Coalition analysis benchmark: exact Shapley value of every partner, 1,000 replications per coalition.

The question (goal: under 3 minutes on 2 cores, default engine settings: 10 raid realisations,
radar fidelity) is `shieldwall value april-2024 --runs 1000 --workers 2`: 6 partners, 64
coalitions. `--scenario seven-partners` asks it of april-2024 with a seventh, notional partner (a
second anonymous Gulf partner that shares one early-warning radar with the coordinator): 128
coalitions. Coalitions that differ only in sensors no decider hears are simulated once
(`analysis.evaluate.as_simulated`); the output says how many were simulated.

The baseline, measured in the same run: one replication of the grand coalition, the compile of
one raid realisation, and the derivation of one coalition's World from it.

    python benchmarks/coalition.py                              # -> results/coalition-april-2024.json
    python benchmarks/coalition.py --scenario seven-partners    # -> results/coalition-seven-partners.json
    python benchmarks/coalition.py --runs 20                    # a quick look (not the question)
    python benchmarks/coalition.py --whole [--baseline COMMIT]  # -> results/coalition-whole-april-2024.json

`--whole`: the question as whole `shieldwall value ... --no-cache` processes, as a user runs them,
in the trees of HEAD and of the baseline commit (default: the last tree that simulated every
coalition), alternating (`_whole.py`): wall time and peak memory of each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from _whole import best_of, measure, short, worktrees
from shieldwall.analysis import Settings, partner_value
from shieldwall.analysis.variants import coalition_variant
from shieldwall.engine import compile_world, load_kernels, simulate
from shieldwall.montecarlo.run import realisation_seed, replication_seed
from shieldwall.scenario import Agreement, Partner, Sensor, dump_scenario, load_scenario

REPO_ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 180.0
GOAL_RUNS = 1000
BASELINE = "699a1a2"  # the last tree that simulated every coalition


def seven_partners():
    base = load_scenario("april-2024")
    partners = [*base.partners, Partner(id="GPB", name="Gulf partner B", anonymous=True, alias="Partner-B")]
    sensors = [*base.sensors, Sensor(id="gpb-radar", owner="GPB", type="surveillance-radar", platform="ground",
                                     position=(30.5, 39.5), altitude_m=30, release_to=["USA"],
                                     source="notional site; benchmark partner")]
    agreements = [*base.agreements, Agreement(id="gpb-tracks-to-usa", kind="track-sharing", grantor="GPB",
                                              parties=["GPB", "USA"])]
    return base.model_copy(update={"partners": partners, "sensors": sensors, "agreements": agreements,
                                   "name": "april-2024-seven-partners"})


def whole(args, scenario) -> None:
    commits = {"baseline": short(args.baseline), "candidate": short("HEAD")}
    figures = {"question": f"value {args.scenario} --runs {args.runs} --workers {args.workers} "
                           f"--realisations {args.realisations} --fidelity {args.fidelity} --no-cache",
               "commits": commits, "rounds": args.rounds, "goal_s": GOAL_S, "cpus": os.cpu_count(),
               "python": platform.python_version(), "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with worktrees(commits) as (trees, scratch):
        path = scratch / f"{args.scenario}.yaml"
        path.write_text(dump_scenario(scenario))
        best = best_of(args.rounds, trees, lambda name, src: measure(
            src, ["value", str(path), "--runs", str(args.runs), "--workers", str(args.workers), "--realisations",
                  str(args.realisations), "--fidelity", args.fidelity, "--no-cache", "--json"]))
    figures.update(best)
    figures["speed_ratio"] = round(best["baseline"]["wall_s"] / best["candidate"]["wall_s"], 3)
    figures["ratio_to_goal"] = round(best["candidate"]["wall_s"] / GOAL_S, 2) if args.runs == GOAL_RUNS else None
    out = args.out or REPO_ROOT / "benchmarks" / "results" / f"coalition-whole-{args.scenario}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("april-2024", "seven-partners"), default="april-2024")
    parser.add_argument("--runs", type=int, default=GOAL_RUNS, help="replications per coalition")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--realisations", type=int, default=Settings.realisations)
    parser.add_argument("--fidelity", default="radar")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--whole", action="store_true", help="whole processes, against --baseline")
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    scenario = seven_partners() if args.scenario == "seven-partners" else load_scenario(args.scenario)
    if args.whole:
        whole(args, scenario)
        return
    n = len(scenario.partners)

    load_kernels()
    started = time.perf_counter()
    world = compile_world(scenario, np.random.default_rng(realisation_seed(0, 0)))
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(3):
        simulate(world, np.random.default_rng(replication_seed(0, i)), args.fidelity)
    replication_s = (time.perf_counter() - started) / 3
    variant = coalition_variant(scenario, [p.id for p in scenario.partners[:3]])
    started = time.perf_counter()
    world.for_scenario(variant.scenario)
    variant_world_s = time.perf_counter() - started

    settings = Settings(runs=args.runs, seed=0, fidelity=args.fidelity, realisations=args.realisations)
    started = time.perf_counter()
    report = partner_value(scenario, settings, workers=args.workers, method="exact", cache=False)
    elapsed = time.perf_counter() - started
    simulated = report["simulated_coalitions"] * args.runs
    result = {
        "benchmark": f"exact Shapley, {n} partners, {scenario.name}",
        "question": f"value {scenario.name} --runs {args.runs} --workers {args.workers}",
        "partners": n, "coalitions": 1 << n, "simulated_coalitions": report["simulated_coalitions"],
        "runs_per_coalition": args.runs, "workers": args.workers, "fidelity": args.fidelity,
        "realisations": settings.realisations,
        "elapsed_s": round(elapsed, 2),
        "core_seconds_per_simulated_replication": round(elapsed * args.workers / simulated, 4),
        "baseline_grand_coalition_replication_s": round(replication_s, 4),
        "baseline_compile_world_s": round(compile_s, 3),
        "baseline_variant_world_s": round(variant_world_s, 3),
        "goal_s": GOAL_S if args.runs == GOAL_RUNS else None,
        "ratio_to_goal": round(elapsed / GOAL_S, 2) if args.runs == GOAL_RUNS else None,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "shapley_value_protected_usd_M": {k: round(v["shapley"]["mean"] / 1e6, 1) for k, v in
                                          report["measures"]["value_protected_usd"]["partners"].items()},
    }
    out = args.out or REPO_ROOT / "benchmarks" / "results" / f"coalition-{args.scenario}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
