"""Commands `value`, `compare` and `campaign` (mounted at the top level of `shieldwall`).

Tables go to stdout; progress bars and messages to stderr, so that `--json` leaves stdout holding
exactly one JSON document. Bad input exits with code 2 and a message naming what was wrong.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from shieldwall._console import emit_json, err, fail, load_engine, load_or_fail, out
from shieldwall._json import dumps

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Coalition analysis: partner value, variants, campaigns.")


def _settings(runs: int, seed: int, fidelity: str, realisations: int):
    from shieldwall.analysis.evaluate import Settings

    try:
        return Settings(runs=runs, seed=seed, fidelity=fidelity, realisations=realisations)
    except ValueError as error:
        fail(str(error))


def _out_folder(folder: Optional[Path]) -> Optional[Path]:
    if folder is not None and not folder.is_dir():
        fail(f"--out {folder}: not an existing results folder")
    return folder


@contextmanager
def _progress(description: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    load_engine()
    # Refreshed from the callback, not by rich's own thread: with no thread running, the worker
    # pool may fork (montecarlo.local.pool_context).
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True, auto_refresh=False) as bar:
        task = bar.add_task(description, total=None)
        last = [0.0]

        def update(done, total):
            bar.update(task, completed=done, total=total)
            if time.monotonic() - last[0] > 0.1 or done == total:
                last[0] = time.monotonic()
                bar.refresh()

        yield update


def _deliver(report: dict, path: Optional[Path], as_json: bool, print_tables) -> None:
    """Save the report for the after-action report (when a results folder was given), then
    print it as JSON or as tables."""
    if path is not None:
        path.write_text(dumps(report), encoding="utf-8")
    if as_json:
        emit_json(report)
    else:
        print_tables(report)


def print_table(table) -> None:
    """Print a `report.sweep.TextTable` (the cells the HTML report shows too) as a rich table: the
    first column left, the others right, the `strong` rows bold, the note as its caption."""
    rich = Table(title=table.title, caption=table.note or None)
    for k, column in enumerate(table.columns):
        rich.add_column(column, justify="left" if k == 0 else "right", overflow="fold")
    for k, row in enumerate(table.rows):
        rich.add_row(*row, style="bold" if k in table.strong else None)
    out.print(rich)


def _est(d: dict, digits: int = 1, scale: float = 1.0) -> str:
    from shieldwall.results import Estimate

    return Estimate.of(d).format(digits, scale)


def _signed(d: dict, digits: int = 1, scale: float = 1.0) -> str:
    from shieldwall.results import Estimate

    return Estimate.of(d).format(digits, scale, signed=True)


def _caption(r: dict) -> str:
    from shieldwall.results import interval_caption

    return interval_caption(r.get("realisations", 1))


RUNS = typer.Option(1000, min=2, help="Monte Carlo replications per variant or coalition")
SEED = typer.Option(0, min=0, help="root seed (common random numbers across variants)")
WORKERS = typer.Option(1, min=1, help="worker processes (results do not depend on it)")
FIDELITY = typer.Option("radar", help="ideal | radar | tracked")
REALISATIONS = typer.Option(10, min=1, help="raid realisations")
NO_CACHE = typer.Option(False, "--no-cache", help="do not read or write the results cache")
JSON = typer.Option(False, "--json", help="print the figures as one JSON document")


@app.command()
def value(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name"),
    runs: int = RUNS, seed: int = SEED, workers: int = WORKERS, fidelity: str = FIDELITY,
    realisations: int = REALISATIONS,
    hold: list[str] = typer.Option([], "--hold", help="partner in every coalition (repeatable)"),
    hold_defended: bool = typer.Option(False, "--hold-defended", help="hold the owners of the defended assets"),
    method: str = typer.Option("auto", help="exact | sampled | auto (exact up to 10 partners)"),
    permutations: int = typer.Option(200, min=2, help="orders sampled by the sampled method"),
    successor: Optional[str] = typer.Option(None, help="partner that coordinates when the coordinator is out "
                                                      "(default: the others fight independently)"),
    mode: Optional[str] = typer.Option(None, "--mode", help="coordinated | independent (default: the scenario's)"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="existing results folder to write value.json into"),
    no_cache: bool = NO_CACHE, as_json: bool = JSON,
) -> None:
    """Shapley value and leave-one-out value of each partner, with 95 % intervals."""
    from shieldwall.analysis.value import partner_value

    loaded = load_or_fail(scenario)
    settings = _settings(runs, seed, fidelity, realisations)
    folder = _out_folder(out_dir)
    if mode not in (None, "coordinated", "independent"):
        fail(f"--mode must be 'coordinated' or 'independent', got {mode!r}")
    held = list(hold)
    if hold_defended:
        held += [a.owner for a in loaded.assets if a.owner not in held]
    try:
        with _progress(f"{loaded.name}: coalitions") as progress:
            report = partner_value(loaded, settings, workers, held, method, permutations, seed, successor, mode,
                                   cache=not no_cache, progress=progress)
    except ValueError as error:
        fail(str(error))
    _deliver(report, folder / "value.json" if folder else None, as_json, _print_value)


def _print_value(r: dict) -> None:
    caption = (f"{r['runs']} runs per coalition, seed {r['seed']}, {r['fidelity']} fidelity, {r['method']} Shapley"
               + (f" ({r['permutations']} orders; its interval includes their sampling error)"
                  if r["permutations"] else "")
               + (f"; held in every coalition: {', '.join(r['held'])}" if r["held"] else "")
               + f"; {_caption(r)}")
    for name, title, digits, scale in (("value_protected_usd", "value protected (USD M)", 1, 1e6),
                                       ("leakers_prevented", "leakers prevented", 2, 1.0)):
        m = r["measures"][name]
        table = Table(title=f"{r['scenario']}: partner value, {title}", caption=caption)
        for column in ("partner", "Shapley", "leave-one-out", "alone"):
            table.add_column(column, justify="left" if column == "partner" else "right")
        for partner, row in m["partners"].items():
            shap = _signed(row["shapley"], digits, scale)
            if "se_permutation" in row["shapley"]:
                shap += f" (orders se {row['shapley']['se_permutation'] / scale:,.{digits}f})"
            table.add_row(partner, shap, _signed(row["leave_one_out"], digits, scale),
                          _signed(row["alone"], digits, scale))
        table.add_row("all together", _signed(m["grand_coalition"], digits, scale), "", "", style="bold")
        out.print(table)
    cost = r["cost"]
    table = Table(title="cost, whole coalition (per raid)")
    table.add_column("measure")
    table.add_column("mean [95 % CI]", justify="right")
    table.add_row("value lost (USD M)", _est(cost["value_lost_usd"], 1, 1e6))
    table.add_row("defence cost (USD M)", _est(cost["defence_cost_usd"], 1, 1e6))
    table.add_row("attack cost (USD M)", _est(cost["attack_cost_usd"], 1, 1e6))
    table.add_row("cost-exchange ratio", _est(cost["cost_exchange_ratio"], 2))
    out.print(table)
    out.print(f"[dim]{cost['caution']}[/]", highlight=False)
    out.print(f"[dim]A partner outside a coalition withdraws its units, sensors, tracks and airspace "
              f"permissions, and its airspace is closed; coalitions without the coordinator: "
              f"{r['coordinator_outside']}.[/]", highlight=False)


@app.command()
def compare(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name"),
    without: list[str] = typer.Option([], "--without", help="remove a partner (repeatable)"),
    deny_airspace: list[str] = typer.Option([], "--deny-airspace", help="AIRSPACE_OR_OWNER[=P1,P2]: deny intercepts there"),
    grant_airspace: list[str] = typer.Option([], "--grant-airspace", help="AIRSPACE_OR_OWNER[=P1,P2]: allow intercepts there"),
    authority_delay: list[str] = typer.Option([], "--authority-delay", help="PARTNER_OR_AGREEMENT=DURATION, e.g. GBR=2h"),
    withdraw: list[str] = typer.Option([], "--withdraw", help="withdraw an agreement by id (repeatable)"),
    magazine: list[str] = typer.Option([], "--magazine", help="UNIT_OR_TYPE=N: starting magazine"),
    mode: Optional[str] = typer.Option(None, "--mode", help="coordinated | independent"),
    successor: Optional[str] = typer.Option(None, help="partner that coordinates if the coordinator is removed"),
    overlay: list[Path] = typer.Option([], "--overlay", help="overlay file (YAML), one variant each (repeatable)"),
    each: bool = typer.Option(False, "--each", help="also run each flag's change as a variant of its own"),
    runs: int = RUNS, seed: int = SEED, workers: int = WORKERS, fidelity: str = FIDELITY,
    realisations: int = REALISATIONS,
    out_dir: Optional[Path] = typer.Option(None, "--out", help="existing results folder to write compare.json into"),
    no_cache: bool = NO_CACHE, as_json: bool = JSON,
) -> None:
    """Compare variants of a scenario with it: paired differences under common random numbers."""
    from shieldwall.analysis.compare import compare as run_compare
    from shieldwall.analysis.variants import (
        apply_overlay,
        load_overlay,
        overlay_from_flags,
    )
    from shieldwall.scenario import ScenarioError

    loaded = load_or_fail(scenario)
    settings = _settings(runs, seed, fidelity, realisations)
    folder = _out_folder(out_dir)
    flags = {"without": without, "deny_airspace": deny_airspace, "grant_airspace": grant_airspace,
             "authority_delay": authority_delay, "withdraw": withdraw, "magazine": magazine}
    empty = {k: [] for k in flags}
    overlays = []
    try:
        if any(flags.values()) or mode:
            overlays.append(overlay_from_flags(loaded, "variant", **flags, mode=mode, successor=successor))
            if each:
                singles = [(k, v) for k, values in flags.items() for v in values]
                if len(singles) + bool(mode) > 1:
                    for k, v in singles:
                        overlays.append(overlay_from_flags(loaded, f"{k.replace('_', '-')} {v}",
                                                           **{**empty, k: [v]}, mode=None, successor=successor))
                    if mode:
                        overlays.append(overlay_from_flags(loaded, f"mode {mode}", **empty, mode=mode,
                                                           successor=None))
        variants = [apply_overlay(loaded, o, "command line") for o in overlays]
        for path in overlay:
            variants.append(apply_overlay(loaded, load_overlay(path), str(path)))
    except ScenarioError as error:
        fail(str(error))
    except ValueError as error:
        fail(str(error))
    if not variants:
        fail("nothing to compare: give a change (--without, --deny-airspace, --mode ...) or --overlay FILE")
    for v in variants:
        if v.name == "variant":
            object.__setattr__(v, "name", "; ".join(v.changes) or "variant")
    with _progress(f"{loaded.name}: variants") as progress:
        report = run_compare(loaded, variants, settings, workers, cache=not no_cache, progress=progress)
    _deliver(report, folder / "compare.json" if folder else None, as_json, _print_compare)


_COMPARE_ROWS = (
    ("leaked", "leakers", 2, 1.0), ("value_lost_usd", "value lost (USD M)", 1, 1e6),
    ("intercepted", "intercepted", 2, 1.0), ("shots", "interceptors fired", 1, 1.0),
    ("wasted_shots", "interceptors wasted on dead threats", 2, 1.0),
    ("multi_partner_threats", "threats engaged by two or more partners", 2, 1.0),
    ("unengaged_leakers", "threats no one engaged", 2, 1.0),
    ("missed_with_capacity", "leaked while a unit could have fired", 2, 1.0),
    ("defence_cost_usd", "defence cost (USD M)", 1, 1e6), ("attack_cost_usd", "attack cost (USD M)", 1, 1e6),
)


def _print_compare(r: dict) -> None:
    caption = (f"{r['runs']} paired runs, seed {r['seed']}, {r['fidelity']} fidelity; "
               f"difference = variant - base, per replication; {_caption(r)}")
    for v in r["variants"]:
        table = Table(title=f"{r['scenario']}: {v['name']} ({v['coordination']}) vs base ({r['base']['coordination']})",
                      caption=caption)
        for column in ("measure", "base", "variant", "difference"):
            table.add_column(column, justify="left" if column == "measure" else "right")
        for key, label, digits, scale in _COMPARE_ROWS:
            table.add_row(label, _est(r["base"]["measures"][key], digits, scale),
                          _est(v["measures"][key], digits, scale), _signed(v["difference"][key], digits, scale))
        table.add_row("cost-exchange ratio", _est(r["base"]["measures"]["cost_exchange_ratio"], 2),
                      _est(v["measures"]["cost_exchange_ratio"], 2), "")
        for partner, d in v["difference"]["shots_by_partner"].items():
            table.add_row(f"interceptors fired by {partner}",
                          _est(r["base"]["measures"]["shots_by_partner"].get(partner, {"mean": 0, "low": 0, "high": 0})),
                          _est(v["measures"]["shots_by_partner"].get(partner, {"mean": 0, "low": 0, "high": 0})),
                          _signed(d))
        if any("?" in cell for column in table.columns for cell in column.cells):
            from shieldwall.results import UNBOUNDED_NOTE

            table.caption = f"{caption}\n{UNBOUNDED_NOTE}"
        out.print(table)
    out.print(f"[dim]{r['caution']}[/]", highlight=False)


ABSORB = typer.Option(None, "--absorb", help="campaigns: scenario to repeat for the 'raids absorbed' question")
EVERY = typer.Option(None, "--every", help="campaigns: time between repeated raids, e.g. 1d")
MAX_RAIDS = typer.Option(None, "--max-raids", min=1, help="campaigns: most repeated raids")
THRESHOLD = typer.Option(None, "--threshold", min=0, max=1, help="campaigns: share of threats leaking that ends it")


@app.command()
def campaign(
    file: str = typer.Argument(..., help="campaign file (YAML) or bundled name, e.g. april-then-october"),
    runs: int = typer.Option(100, min=2, help="Monte Carlo replications of the whole campaign"),
    seed: int = SEED, workers: int = WORKERS, fidelity: str = FIDELITY, realisations: int = REALISATIONS,
    absorb: Optional[str] = ABSORB, every: Optional[str] = EVERY, max_raids: Optional[int] = MAX_RAIDS,
    threshold: Optional[float] = THRESHOLD, as_json: bool = JSON,
) -> None:
    """Fly a sequence of raids with magazines carried over; depletion and raids absorbed."""
    from shieldwall.analysis.campaign import load_campaign, run_campaign
    from shieldwall.scenario import ScenarioError

    from shieldwall.sensors import SENSING

    if fidelity not in SENSING:
        fail(f"--fidelity must be one of {', '.join(SENSING)}, got {fidelity!r}")
    try:
        loaded = _with_absorb(load_campaign(file), absorb, every, max_raids, threshold)
        with _progress(f"{loaded.name}: campaigns") as progress:
            report = run_campaign(loaded, runs, seed, fidelity, realisations, workers, loaded.absorb, progress)
    except ScenarioError as error:
        fail(str(error))
    except ValueError as error:
        fail(str(error))
    _deliver(report, None, as_json, _print_campaign)


def _with_absorb(loaded, absorb: Optional[str], every: Optional[str], max_raids: Optional[int],
                 threshold: Optional[float]):
    """The campaign with its absorb section changed by the command's options (a one-line error
    and exit code 2 for options that do not make one)."""
    from pydantic import ValidationError

    from shieldwall.analysis.campaign import Absorb

    if not (absorb or every or max_raids or threshold is not None):
        return loaded
    base = loaded.absorb.model_dump() if loaded.absorb else {}
    for key, value in (("scenario", absorb), ("every_s", every), ("max_raids", max_raids),
                       ("leakage_threshold", threshold)):
        if value is not None:
            base[key] = value
    if "scenario" not in base:
        fail("--every/--max-raids/--threshold need --absorb SCENARIO (or an absorb section in the file)")
    try:
        return loaded.model_copy(update={"absorb": Absorb.model_validate(base)})
    except ValidationError as error:
        fail(f"absorb options: {error.errors(include_url=False)[0]['msg']}")


def _print_campaign(r: dict) -> None:
    table = Table(title=f"{r['campaign']}: raids", caption=f"{r['runs']} runs, seed {r['seed']}; {_caption(r)}")
    for column in ("raid", "day", "launched", "leaked", "value lost (USD M)", "interceptors", "cost-exchange"):
        table.add_column(column, justify="left" if column == "raid" else "right")
    for row in r["raids"]:
        table.add_row(row["label"], f"{row['t_days']:.1f}", _est(row["launched"], 0), _est(row["leaked"]),
                      _est(row["value_lost_usd"], 1, 1e6), _est(row["shots"]), _est(row["cost_exchange_ratio"], 2))
    out.print(table)
    labels = [row["label"] for row in r["raids"]]
    table = Table(title="magazines left after each raid (mean), and when each layer runs dry")
    table.add_column("partner / interceptor (layer)")
    table.add_column("capacity", justify="right")
    for k in range(len(labels)):
        table.add_column(str(k + 1), justify="right")
    table.add_column("dry at (median)")
    table.add_column("P(ever dry)", justify="right")
    for m in r["magazines"]:
        table.add_row(f"{m['partner']} {m['interceptor']} ({m['layer']})", f"{m['capacity']:.0f}",
                      *(f"{e['mean']:.0f}" for e in m["end"]), m["median_dry_label"] or "never",
                      f"{m['p_ever_dry']['mean']:.2f}")
    out.print(table)
    if "absorb" in r:
        a = r["absorb"]
        table = Table(title=f"raids absorbed: {a['scenario']} every {a['every_days']:g} d, "
                            f"threshold {a['leakage_threshold']:.0%} of threats leaking")
        table.add_column("repeat")
        table.add_column("share leaking [95 % CI]", justify="right")
        for k, share in enumerate(a["leak_share"]):
            table.add_row(str(k + 1), _est(share, 3))
        out.print(table)
        passes = a["mean_passes_threshold_at_raid"]
        out.print(f"raids absorbed before leakage passes the threshold: {_est(a['raids_absorbed'], 2)} "
                  f"(median {a['raids_absorbed_median']:g}); mean leakage passes it at repeat "
                  f"{passes if passes else 'none within ' + str(a['max_raids'])}", highlight=False)
        _print_until_dry(a)
    out.print(f"[dim]{r['caution']}[/]", highlight=False)


def _print_until_dry(a: dict) -> None:
    """Raids until each layer, then each stock, runs dry (every unit of it empty after a raid)."""
    K = a["max_raids"]
    table = Table(title="raids until dry: the repeat after which every unit of the layer (or stock) is empty",
                  caption=f"{K}+: still holding rounds after all {K} repeats (censored); a mean with any censored "
                          f"replication counts them as {K} and is a lower bound (>=)")
    for column in ("layer / stock", "capacity", "raids until dry [95 % CI]", "median", f"never dry in {K}"):
        table.add_column(column, justify="left" if column == "layer / stock" else "right")

    def cells(row: dict) -> tuple[str, str, str]:
        mean = ("\u2265 " if row["mean_is_lower_bound"] else "") + _est(row["raids_until_dry"], 1)
        median = f"{row['raids_until_dry_median']:g}" + ("+" if row["median_censored"] else "")
        return mean, median, f"{row['p_never_dry']['mean']:.2f}"

    for layer in a["layers"]:
        table.add_row(f"layer {layer['layer']}: {', '.join(layer['interceptors'])}", f"{layer['capacity']:.0f}",
                      *cells(layer), style="bold")
    for m in a["magazines"]:
        table.add_row(f"  {m['partner']} {m['interceptor']} ({m['layer']})", f"{m['capacity']:.0f}", *cells(m))
    out.print(table)


def _problem_line(error) -> str:
    """A ScenarioError (or any error) as one line: its first problem, with the path it names."""
    problems = getattr(error, "problems", None)
    if problems:
        first = problems[0]
        return f"{first.path}: {first.message}" if first.path else first.message
    return str(error)


@app.command()
def size(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name; or a campaign (with --resupply)"),
    target: str = typer.Option(..., "--target", help="risk target, e.g. 'P(leakers <= 2) >= 0.95' or "
                                                    "'E(value_lost_usd) <= 1e9'; for a campaign 'E(raids_absorbed) "
                                                    ">= 5' or 'P(raids_until_dry >= 10) >= 0.9'"),
    stock: Optional[str] = typer.Option(None, "--stock", help="FIRE_UNIT_OR_INTERCEPTOR_TYPE: the smallest magazine"),
    resupply: Optional[str] = typer.Option(None, "--resupply", help="INTERCEPTOR: the smallest resupply per 30 days "
                                                                   "(a campaign's absorb answer)"),
    raid: Optional[str] = typer.Option(None, "--raid", help="WAVE_OR_CLASS: the largest number of its threats"),
    low: int = typer.Option(0, min=0, help="smallest value searched"),
    high: Optional[int] = typer.Option(None, min=1, help="largest value searched (default: doubled from the "
                                                         "scenario's value until the answer is bracketed)"),
    runs: int = typer.Option(200, min=2, help="Monte Carlo replications per value tried"),
    seed: int = SEED, workers: int = WORKERS, fidelity: str = FIDELITY, realisations: int = REALISATIONS,
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the risk against the values tried (PNG)"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="folder for size.json and the risk against the values "
                                                               "tried (PNG and SVG), for `shieldwall report`"),
    absorb: Optional[str] = ABSORB, every: Optional[str] = EVERY, max_raids: Optional[int] = MAX_RAIDS,
    threshold: Optional[float] = THRESHOLD, no_cache: bool = NO_CACHE, as_json: bool = JSON,
) -> None:
    """The smallest stock (or largest raid) that meets a risk target, with the interval at the answer;
    for a campaign, the smallest resupply rate (the absorb options change its absorb section as in
    `campaign`)."""
    from shieldwall.analysis.campaign import is_campaign
    from shieldwall.analysis.parameters import ParameterError
    from shieldwall.analysis.size import Target, TargetError, raid_knob, stock_knob
    from shieldwall.analysis.size import size as run_size
    from shieldwall.scenario import ScenarioError
    from shieldwall.scenario.load import redact

    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir}: not a folder")
    absorb_options = (absorb, every, max_raids, threshold)
    if is_campaign(scenario) or resupply is not None:
        return _size_campaign(scenario, target, resupply, stock or raid, low, high, runs, seed, workers, fidelity,
                              realisations, plot, out_dir, as_json, absorb_options)
    if any(option is not None for option in absorb_options):
        fail("--absorb/--every/--max-raids/--threshold apply to a campaign, not to a scenario")
    try:
        parsed = Target.parse(target)
    except TargetError as error:
        fail(f"--target: {error}")
    if (stock is None) == (raid is None):
        fail("give exactly one of --stock FIRE_UNIT_OR_TYPE or --raid WAVE_OR_CLASS")
    loaded = load_or_fail(scenario)
    settings = _settings(runs, seed, fidelity, realisations)
    try:
        knob = stock_knob(loaded, stock) if stock is not None else raid_knob(loaded, raid)
    except ParameterError as error:
        fail(f"--{'stock' if stock is not None else 'raid'}: {error}")
    if high is not None and high <= low:
        fail(f"--high {high}: must exceed --low {low}")
    try:
        with _progress(f"{loaded.name}: sizing") as progress:
            report = run_size(loaded, knob, parsed, settings, low=low, high=high, workers=workers,
                              cache=not no_cache, progress=progress)
    except (ScenarioError, ParameterError) as error:
        fail(f"--{'stock' if stock is not None else 'raid'}: {_problem_line(error)}")
    _deliver_size(redact(report, loaded), plot, out_dir, as_json)


def _size_campaign(source: str, target: str, interceptor: Optional[str], scenario_knob: Optional[str], low: int,
                   high: Optional[int], runs: int, seed: int, workers: int, fidelity: str, realisations: int,
                   plot: Optional[Path], out_dir: Optional[Path], as_json: bool, absorb_options: tuple) -> None:
    """`size CAMPAIGN --resupply INTERCEPTOR`: the smallest resupply per 30 days meeting a target on
    the campaign's absorb answer (`absorb_options`: --absorb, --every, --max-raids, --threshold)."""
    from shieldwall.analysis.campaign import is_campaign, load_campaign
    from shieldwall.analysis.parameters import ParameterError
    from shieldwall.analysis.size import CAMPAIGN_MEASURES, Target, TargetError, resupply_knob, size_resupply
    from shieldwall.scenario import ScenarioError
    from shieldwall.sensors import SENSING

    if not is_campaign(source):
        fail(f"--resupply: {source} is not a campaign (a scenario is sized with --stock or --raid)")
    if interceptor is None or scenario_knob is not None:
        fail(f"{source} is a campaign: give --resupply INTERCEPTOR (--stock and --raid size a scenario)")
    try:
        parsed = Target.parse(target, CAMPAIGN_MEASURES)
    except TargetError as error:
        fail(f"--target: {error}")
    if fidelity not in SENSING:
        fail(f"--fidelity must be one of {', '.join(SENSING)}, got {fidelity!r}")
    if high is not None and high <= low:
        fail(f"--high {high}: must exceed --low {low}")
    settings = _settings(runs, seed, fidelity, realisations)
    try:
        loaded = _with_absorb(load_campaign(source), *absorb_options)
        knob = resupply_knob(loaded, interceptor, parsed)
    except (ScenarioError, ParameterError) as error:
        fail(f"--resupply: {_problem_line(error)}")
    with _progress(f"{loaded.name}: sizing resupply") as progress:
        report = size_resupply(loaded, knob, parsed, settings, low=low, high=high, workers=workers,
                               progress=progress)
    _deliver_size(report, plot, out_dir, as_json)


def _deliver_size(report: dict, plot: Optional[Path], out_dir: Optional[Path], as_json: bool) -> None:
    """`--plot FILE`: the risk against the values tried; `--out DIR`: size.json and that figure as
    PNG and SVG, like sweep's folder (created if absent, its files replaced: they are this
    command's outputs), for `shieldwall report DIR`. Then the answer, printed."""
    from shieldwall.report.sweep import RISK_FIGURE, risk_against_stock

    if plot is not None:
        risk_against_stock(report, plot)
    path = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        risk_against_stock(report, out_dir / f"{RISK_FIGURE}.png", svg=True)
        report["figures"] = [f"{RISK_FIGURE}.png", f"{RISK_FIGURE}.svg"]
        path = out_dir / "size.json"
    _deliver(report, path, as_json, _print_size)
    if out_dir is not None:
        err.print(f"size written to [bold]{out_dir}[/]", highlight=False)


def _print_size(r: dict) -> None:
    from shieldwall.report.sweep import size_answer, size_table

    print_table(size_table(r))
    out.print(size_answer(r), highlight=False)
    if r["answer"] is not None:
        out.print(f"[dim]{r['note']}[/]", highlight=False)


@app.command()
def sweep(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name"),
    set_: list[str] = typer.Option([], "--set", help="PATH=LOW:HIGH[:N] or PATH=V1,V2,...; values may be multiples "
                                                    "of the scenario's (0.5x), e.g. raid.waves.w1.count=0.5x:3x:6, "
                                                    "raid.class.ballistic.count=0.5x:3x:6, "
                                                    "catalog.interceptors.stunner.kill_probability.drone=0.5:0.95:4 "
                                                    "(repeatable)"),
    design: str = typer.Option("grid", help="grid | lhs | sobol | oat (tornado) | saltelli (Sobol indices)"),
    points: int = typer.Option(5, min=1, help="grid: points per range without :N; lhs, sobol: points; "
                                              "saltelli: base sample N (N (D + 2) points, a power of 2)"),
    runs: int = typer.Option(100, min=2, help="Monte Carlo replications per point"),
    seed: int = SEED, workers: int = WORKERS, fidelity: str = FIDELITY, realisations: int = REALISATIONS,
    out_dir: Optional[Path] = typer.Option(None, "--out", help="folder for sweep.parquet, sweep.json and the figures "
                                                               "(default: results/<scenario>-sweep)"),
    no_plots: bool = typer.Option(False, "--no-plots", help="write the table only"),
    no_cache: bool = NO_CACHE, as_json: bool = JSON,
) -> None:
    """Fly a scenario over ranges of its parameters under common random numbers: a tidy table, a
    saturation curve, a tornado chart or Sobol indices."""
    from shieldwall.analysis.parameters import ParameterError, parse_setting
    from shieldwall.analysis.sweep import DESIGNS, table
    from shieldwall.analysis.sweep import sweep as run_sweep
    from shieldwall.scenario import ScenarioError
    from shieldwall.scenario.load import redact

    if design not in DESIGNS:
        fail(f"--design must be one of {', '.join(DESIGNS)}, got {design!r}")
    if not set_:
        fail("--set: give at least one PATH=RANGE, e.g. fire_units.UNIT.magazine=4:40:5")
    loaded = load_or_fail(scenario)
    settings = _settings(runs, seed, fidelity, realisations)
    ranges = []
    for text in set_:
        try:
            ranges.append(parse_setting(loaded, text))
        except (ParameterError, ScenarioError) as error:
            fail(f"--set {text}: {_problem_line(error)}")
    paths = [r.path for r in ranges]
    if len(set(paths)) != len(paths):
        fail("--set: a path is given twice")
    if design in ("oat", "saltelli") and any(r.low == r.high for r in ranges):
        fail(f"--design {design}: every --set needs a range with two different ends")
    folder = out_dir if out_dir is not None else Path("results") / f"{redact(loaded.name, loaded)}-sweep"
    if folder.exists() and not folder.is_dir():
        fail(f"--out {folder}: not a folder")
    with _progress(f"{loaded.name}: sweep") as progress:
        report = run_sweep(loaded, ranges, design, points, settings, workers=workers, cache=not no_cache,
                           progress=progress)
    report = redact(report, loaded)  # table, figures, JSON and what is printed: aliases only
    folder.mkdir(parents=True, exist_ok=True)
    table(report).to_parquet(folder / "sweep.parquet", index=False)
    if not no_plots:
        from shieldwall.report.sweep import figures

        report["figures"] = [p.name for p in figures(report, folder)]
    _deliver({k: v for k, v in report.items() if k != "rows"}, folder / "sweep.json", as_json, _print_sweep)
    err.print(f"sweep written to [bold]{folder}[/] ({report['elapsed_s']:.0f} s)", highlight=False)


def _print_sweep(r: dict) -> None:
    from shieldwall.report.sweep import sweep_tables

    for table in sweep_tables(r):
        print_table(table)
