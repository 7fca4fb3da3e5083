"""Monotonicity sweep: removing one partner, sensor or fire unit, or the coordination, must never help the defence.

    python benchmarks/monotonicity.py                       # every scenario -> results/monotonicity.json
    python benchmarks/monotonicity.py --scenarios october-2024 --runs 100 --workers 2

For april-2024, october-2024 and every raid scenario of the bundled campaigns (each flown on its
own, from full magazines), each single partner (as `shieldwall compare S --without P`: the
partner withdraws its units, sensors, grants and airspace; without the coordinator the others
fight independently, as the command does by default), each single sensor and each single fire
unit is removed in turn, and the variant is flown against its base under common random numbers
(`analysis.evaluate`: the same replication seeds and raid realisations, each variant's World
derived from the base's with `World.for_scenario`).

Statistics. For each removal and measure (leakers, value lost) the paired difference d_i =
x_i(variant) - x_i(base) is taken per replication. Replications that share a raid realisation are
correlated, so d is averaged per realisation and the R realisation means are treated as the
independent observations: the estimate is their mean, the 95 % interval a Student t interval
with R - 1 degrees of freedom, and the p-value that of the one-sided t test of "the removal gives
fewer leakers" (resp. less value lost), H1: E[d] < 0. The family is every (scenario, removal,
measure) test of the sweep; it is controlled at 5 % family-wise error with Holm's step-down
procedure (Holm 1979, Scand. J. Statist. 6), which holds under any dependence between the tests.
A removal is a wrong-sign finding when its test is rejected in that family.

Timing. Work is linear in runs: about 80 s of CPU in fixed costs (compiling each raid realisation
and deriving each of the ~200 variants' World from it) plus about 1.4 s of CPU per run over the
whole sweep (measured at 10, 50, 100 and 500 runs). The default, 500 runs in 10 realisations,
took 750 s of CPU: about 6.5 minutes on 2 idle cores. The output file records the wall-clock and
CPU time of the run that wrote it, and the load average (the wall-clock time on a shared machine
is longer).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import stats

from shieldwall.analysis import Overlay, Settings, Variant, apply_overlay, base_variant, evaluate, shapley
from shieldwall.analysis.campaign import BUNDLED_CAMPAIGNS, bundled_campaign_path, load_campaign
from shieldwall.analysis.variants import coalition_variant, load_overlay
from shieldwall.engine import load_kernels
from shieldwall.montecarlo.run import realisation_of
from shieldwall.scenario import BUNDLED_SCENARIOS, Scenario, load_scenario
from shieldwall.scenario.load import redact

REPO_ROOT = Path(__file__).resolve().parents[1]
FORMAT = "shieldwall.monotonicity/1"
CONFIDENCE = 0.95
FAMILY_ALPHA = 0.05
MEASURES = ("leaked", "value_lost_usd")
DEFAULT_RUNS = 500
DEFAULT_REALISATIONS = 10

CLUSTERING = ("paired differences (variant - base) averaged per raid realisation; Student t over the "
              "R realisation means, R - 1 degrees of freedom")
FAMILY = ("Holm-Bonferroni step-down over every (scenario, removal, measure) one-sided test of the sweep, "
          f"family-wise error {FAMILY_ALPHA:g}")


# --------------------------------------------------------------------------- scenarios


def campaign_raid_scenarios() -> dict[str, Scenario]:
    """Every raid scenario of the bundled campaigns that is not a bundled scenario itself, by name,
    with the raid's overlay applied (resolved as `shieldwall campaign` resolves them)."""
    found: dict[str, Scenario] = {}
    for name in BUNDLED_CAMPAIGNS:
        campaign = load_campaign(name)
        folder = bundled_campaign_path(name).parent
        entries = [(raid.scenario, raid.overlay) for raid in campaign.raids]
        if campaign.absorb is not None:
            entries.append((campaign.absorb.scenario, None))
        for source, overlay in entries:
            path = folder / source
            if not path.is_file():
                continue  # a bundled scenario, swept under its own name
            scenario = load_scenario(path)
            if overlay:
                scenario = apply_overlay(scenario, load_overlay(folder / overlay), str(folder / overlay)).scenario
            found.setdefault(scenario.name, scenario)
    return found


def all_scenarios() -> dict[str, Scenario]:
    named = {name: load_scenario(name) for name in ("april-2024", "october-2024")}
    named.update(campaign_raid_scenarios())
    return named


def removals(scenario: Scenario) -> list[tuple[str, str, str, Variant]]:
    """(kind, removed label, owner label, variant) for every single partner, sensor and fire unit,
    and for the coordination itself: a coordinated coalition flown with each partner deciding
    alone (`shieldwall compare S --mode independent`) must not do significantly better."""
    label = {p.id: p.label for p in scenario.partners}
    out = []
    if scenario.coordination == "coordinated":
        out.append(("coordination", "coordinated", "coalition", Variant("independent", scenario, "independent")))
    for partner in scenario.partners:
        overlay = Overlay(name=f"without {partner.id}", remove_partners=[partner.id])
        out.append(("partner", partner.label, partner.label, apply_overlay(scenario, overlay, "monotonicity sweep")))
    for sensor in scenario.sensors:
        # Overlays have no sensor removal; nothing refers to a sensor by id, so dropping it is enough.
        kept = [s for s in scenario.sensors if s.id != sensor.id]
        variant = scenario.model_copy(update={"sensors": kept, "name": f"{scenario.name}-without-{sensor.id}"})
        out.append(("sensor", sensor.id, label[sensor.owner],
                    Variant(f"without sensor {sensor.id}", variant, scenario.coordination)))
    for unit in scenario.fire_units:
        overlay = Overlay(name=f"without unit {unit.id}", remove_fire_units=[unit.id])
        out.append(("fire unit", unit.id, label[unit.owner], apply_overlay(scenario, overlay, "monotonicity sweep")))
    return out


# --------------------------------------------------------------------------- statistics


def clustered(d: np.ndarray, runs: int, realisations: int) -> dict:
    """Mean, two-sided 95 % interval and one-sided p-value (H1: mean < 0) of paired differences
    `d` (one per replication), clustered by raid realisation."""
    labels = np.array([realisation_of(i, runs, realisations) for i in range(runs)])
    means = np.array([d[labels == r].mean() for r in range(realisations)])
    mean = float(means.mean())
    if np.all(means == means[0]):  # the same in every realisation (e.g. a sensor that never sees a threat)
        return {"mean": mean, "low": mean, "high": mean, "p_fewer": 0.0 if mean < 0 else 1.0}
    se = float(means.std(ddof=1) / np.sqrt(realisations))
    df = realisations - 1
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    return {"mean": mean, "low": mean - half, "high": mean + half, "p_fewer": float(stats.t.cdf(mean / se, df))}


def holm(p_values: list[float], alpha: float = FAMILY_ALPHA) -> list[bool]:
    """Rejections of Holm's step-down procedure at family-wise error `alpha`."""
    order = sorted(range(len(p_values)), key=lambda k: p_values[k])
    rejected = [False] * len(p_values)
    m = len(p_values)
    for rank, k in enumerate(order):
        if p_values[k] > alpha / (m - rank):
            break
        rejected[k] = True
    return rejected


# --------------------------------------------------------------------------- sweep


def cpu_s() -> float:
    """CPU time of this process and its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def sweep(name: str, scenario: Scenario, settings: Settings, workers: int, cache: bool, console: Console,
          shapley_too: bool) -> dict:
    started, started_cpu = time.perf_counter(), cpu_s()
    cases = removals(scenario)
    variants = [base_variant(scenario), *(variant for *_, variant in cases)]

    def progress(done: int, total: int) -> None:
        if total and done == total:
            console.print(f"  {name}: {total} replications simulated", highlight=False)

    measured = evaluate(scenario, variants, settings, workers, cache, progress)
    base = measured[0]
    rows = []
    for (kind, removed, owner, variant), m in zip(cases, measured[1:]):
        row = {"scenario": name, "kind": kind, "removed": removed, "owner": owner,
               "coordination": variant.coordination, "runs": settings.runs,
               "realisations": settings.realisations, "seed": settings.seed}
        for measure in MEASURES:
            row[measure] = clustered(m[measure] - base[measure], settings.runs, settings.realisations)
        rows.append(redact(row, scenario))
    if shapley_too:
        rows += [redact(row, scenario) for row in shapley_signs(name, scenario, settings, workers, cache)]
    elapsed = time.perf_counter() - started
    return {
        "scenario": name, "variants": len(cases), "elapsed_s": round(elapsed, 1),
        "cpu_s": round(cpu_s() - started_cpu, 1),
        "base": {measure: float(base[measure].mean()) for measure in MEASURES},
        "rows": rows,
    }


def shapley_signs(name: str, scenario: Scenario, settings: Settings, workers: int, cache: bool) -> list[dict]:
    """Exact Shapley value of each partner (as `shieldwall value S`: every coalition flown under
    common random numbers, a coalition without the coordinator fighting independently), in leakers
    prevented and value protected, per replication; a row per partner, tested like a removal: the
    wrong sign is a Shapley value significantly below zero."""
    ids = [p.id for p in scenario.partners]
    label = {p.id: p.label for p in scenario.partners}
    n = len(ids)
    masks = shapley.all_coalitions(n)
    variants = [coalition_variant(scenario, [ids[k] for k in shapley.members(m, n)]) for m in masks]
    by_mask = dict(zip(masks, evaluate(scenario, variants, settings, workers, cache)))
    rows = [{"scenario": name, "kind": "Shapley", "removed": label[p], "owner": label[p],
             "coordination": scenario.coordination, "runs": settings.runs,
             "realisations": settings.realisations, "seed": settings.seed} for p in ids]
    for measure in MEASURES:
        # Shapley of "what the coalition prevents": the empty coalition's measure less the coalition's.
        game = {m: by_mask[0][measure] - by_mask[m][measure] for m in masks}
        phi = shapley.exact_shapley(game, n)
        for k, row in enumerate(rows):
            row[measure] = clustered(phi[k], settings.runs, settings.realisations)
    return rows


def mark_family(results: list[dict]) -> tuple[int, list[dict]]:
    """Holm over every test of the sweep; marks each row. Returns (tests, wrong-sign rows)."""
    tests = [(row, measure) for result in results for row in result["rows"] for measure in MEASURES]
    p_values = [row[measure]["p_fewer"] for row, measure in tests]
    for (row, measure), rejected in zip(tests, holm(p_values)):
        row[measure]["significant_fewer"] = rejected
        row[measure]["interval_below_zero"] = row[measure]["high"] < 0
    wrong = [row for result in results for row in result["rows"] if any(row[m]["significant_fewer"] for m in MEASURES)]
    return len(tests), wrong


def render(results: list[dict], console: Console) -> None:
    def fmt(e: dict, scale: float = 1.0) -> str:
        return f"{e['mean'] / scale:+.2f} [{e['low'] / scale:+.2f}, {e['high'] / scale:+.2f}]"

    def p(e: dict) -> str:
        text = f"{e['p_fewer']:.3g}"
        return f"[bold red]{text} *[/]" if e.get("significant_fewer") else text

    for result in results:
        base = result["base"]
        table = Table(title=f"{result['scenario']}: removing one part (variant - base)",
                      caption=f"base: {base['leaked']:.2f} leakers, {base['value_lost_usd'] / 1e6:,.1f} M USD lost "
                              f"per raid; * significantly fewer after Holm-Bonferroni; Shapley rows: the partner's "
                              f"value in leakers prevented and value protected (wrong sign: below zero)")
        for column in ("kind", "removed", "owner"):
            table.add_column(column)
        table.add_column("Δ leakers [95 %]", justify="right")
        table.add_column("p fewer", justify="right")
        table.add_column("Δ value lost, M USD [95 %]", justify="right")
        table.add_column("p less", justify="right")
        for row in result["rows"]:
            table.add_row(row["kind"], row["removed"], row["owner"], fmt(row["leaked"]), p(row["leaked"]),
                          fmt(row["value_lost_usd"], 1e6), p(row["value_lost_usd"]))
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help="replications per variant (rounded up to a multiple of --realisations)")
    parser.add_argument("--realisations", type=int, default=DEFAULT_REALISATIONS, help="raid realisations (clusters)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fidelity", default="radar", choices=("ideal", "radar"))
    parser.add_argument("--scenarios", nargs="+", default=None,
                        help="scenario names (default: april-2024, october-2024 and every campaign raid)")
    parser.add_argument("--cache", action="store_true", help="reuse and fill the analysis cache (default: off, "
                        "so that the timing is the sweep's)")
    parser.add_argument("--no-shapley", action="store_true", help="skip the exact Shapley values (2^partners "
                        "coalitions per scenario)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "monotonicity.json")
    args = parser.parse_args()
    console = Console(width=160) if not sys.stdout.isatty() else Console()

    available = all_scenarios()
    chosen = args.scenarios or list(available)
    for name in chosen:
        if name not in available:
            if name in BUNDLED_SCENARIOS:
                available[name] = load_scenario(name)
            else:
                parser.error(f"unknown scenario {name!r} (known: {', '.join(available)})")
    if args.realisations < 2:
        parser.error("--realisations must be at least 2: the realisations are the independent observations")
    realisations = args.realisations
    runs = -(-max(args.runs, 2) // realisations) * realisations
    settings = Settings(runs=runs, seed=args.seed, fidelity=args.fidelity, realisations=realisations)

    load_kernels()
    started, started_cpu = time.perf_counter(), cpu_s()
    results = [sweep(name, available[name], settings, args.workers, args.cache, console, not args.no_shapley)
               for name in chosen]
    elapsed, used_cpu_s = time.perf_counter() - started, cpu_s() - started_cpu
    tests, wrong = mark_family(results)
    removals_total = sum(r["variants"] for r in results)
    shapley_total = sum(row["kind"] == "Shapley" for r in results for row in r["rows"])
    wrong_shapley = sum(row["kind"] == "Shapley" for row in wrong)
    below = sum(any(row[m]["interval_below_zero"] for m in MEASURES) for r in results for row in r["rows"])
    verdict = (f"{len(wrong) - wrong_shapley} of {removals_total} removals (partners, sensors, fire units and "
               f"the coordination) give significantly fewer leakers or less value lost; {wrong_shapley} of "
               f"{shapley_total} partners' Shapley values are significantly below zero (one-sided paired tests "
               f"clustered by raid realisation, Holm-Bonferroni over all {tests} at family-wise {FAMILY_ALPHA:g}; "
               f"{runs} runs in {realisations} realisations, seed {args.seed})")
    document = {
        "format": FORMAT,
        "scenarios": chosen, "runs": runs, "realisations": realisations, "seed": args.seed,
        "fidelity": args.fidelity, "workers": args.workers, "confidence": CONFIDENCE,
        "clustering": CLUSTERING, "family_wise_error": FAMILY,
        "partner_removal": ("as `shieldwall compare S --without P`; without the coordinator the others fight "
                            "independently"),
        "coordination_removal": "as `shieldwall compare S --mode independent`: each partner decides alone",
        "shapley": ("exact, as `shieldwall value S`: leakers prevented and value protected against no defence, "
                    "per replication; wrong sign: significantly below zero"),
        "elapsed_s": round(elapsed, 1), "cpu_s": round(used_cpu_s, 1),
        "removals": removals_total, "shapley_values": shapley_total, "tests": tests, "verdict": verdict,
        "wrong_sign_removals": len(wrong) - wrong_shapley, "wrong_sign_shapley": wrong_shapley,
        "wrong_sign": [{k: row[k] for k in ("scenario", "kind", "removed", "owner", *MEASURES)}
                       for row in wrong],
        "intervals_below_zero_unadjusted": below,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "results": results,
    }
    render(results, console)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    for row in wrong:
        leaked, lost = row["leaked"], row["value_lost_usd"]
        what = f"Shapley value of {row['removed']}" if row["kind"] == "Shapley" else \
            f"without {row['kind']} {row['removed']}"
        console.print(f"  wrong sign: {row['scenario']} {what}: "
                      f"{leaked['mean']:+.2f} leakers [{leaked['low']:+.2f}, {leaked['high']:+.2f}] "
                      f"(p {leaked['p_fewer']:.2g}), {lost['mean'] / 1e6:+.1f} M USD lost "
                      f"[{lost['low'] / 1e6:+.1f}, {lost['high'] / 1e6:+.1f}] (p {lost['p_fewer']:.2g})",
                      highlight=False)
    console.print(f"{verdict}; {below} removals with a 95 % interval entirely below zero before the family-wise "
                  f"correction; {elapsed:.0f} s ({used_cpu_s:.0f} s of CPU)", highlight=False)
    console.print(f"written to {args.out}", highlight=False)


if __name__ == "__main__":
    main()
