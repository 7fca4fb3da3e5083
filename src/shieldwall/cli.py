"""The `shieldwall` command line (conventions in `shieldwall._console`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from shieldwall._console import USAGE_ERROR, emit_json, err, fail, load_engine, load_or_fail, out
from shieldwall.scenario import BUNDLED_SCENARIOS, ScenarioError, load_scenario
from shieldwall.scenario.load import redact

app = typer.Typer(
    name="shieldwall",
    help="Coalition air and missile defence analysis: raids, sensors, assignment, Monte Carlo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
def _mount() -> None:
    """Commands that live beside their packages: assignment, coalition analysis, report and replay."""
    from shieldwall.analysis.cli import app as analysis_app
    from shieldwall.montecarlo.cli import app as montecarlo_app
    from shieldwall.report.cli import app as report_app
    from shieldwall.wta.cli import app as wta_app

    app.add_typer(wta_app, name="wta", help="Weapon-target assignment: solve and generate instances.")
    app.registered_commands.extend(analysis_app.registered_commands)
    app.registered_commands.extend(montecarlo_app.registered_commands)
    app.registered_commands.extend(report_app.registered_commands)



@app.command()
def validate(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON document"),
) -> None:
    """Check a scenario file: schema, references, and the catalog it uses."""
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        if as_json:
            emit_json({"valid": False, "file": error.file,
                        "problems": [{"path": p.path, "line": p.line, "message": p.message} for p in error.problems]})
            raise typer.Exit(USAGE_ERROR)
        fail(str(error))
    counts = {
        "partners": len(loaded.partners), "agreements": len(loaded.agreements), "airspaces": len(loaded.airspaces),
        "assets": len(loaded.assets), "sensors": len(loaded.sensors), "fire_units": len(loaded.fire_units),
        "threats": sum(w.count for w in loaded.raid.waves),
    }
    if as_json:
        emit_json({"valid": True, "file": scenario, "name": loaded.name, **counts})
        return
    summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    out.print(f"[green]valid[/]: {loaded.name} ({summary})", highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from shieldwall.scenario.model import Scenario

    document = Scenario.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "shieldwall scenario"
    emit_json(document)


@app.command()
def scenarios(as_json: bool = typer.Option(False, "--json", help="print as one JSON document")) -> None:
    """List the bundled scenarios."""
    rows = []
    for name in BUNDLED_SCENARIOS:
        s = load_scenario(name)
        rows.append({"name": name, "description": s.description,
                     "threats": sum(w.count for w in s.raid.waves), "partners": len(s.partners)})
    if as_json:
        emit_json(rows)
        return
    table = Table(title="bundled scenarios")
    for column in ("name", "threats", "partners", "description"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], str(row["threats"]), str(row["partners"]), row["description"])
    out.print(table)


@app.command()
def catalog(
    as_json: bool = typer.Option(False, "--json", help="print as one JSON document"),
    scenario: Optional[str] = typer.Option(None, "--scenario", help="list instead the provenance of a scenario's "
                                           "magazines, fire channels, reaction times and asset values"),
) -> None:
    """Show the bundled parameter catalog with the provenance of every value."""
    from shieldwall.scenario import bundled_catalog

    if scenario is not None:
        _scenario_numbers(load_or_fail(scenario), as_json)
        return
    data = bundled_catalog().model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        emit_json(data)
        return
    for section, entries in data.items():
        table = Table(title=section, show_lines=False)
        for column in ("id", "parameter", "value", "provenance"):
            table.add_column(column)
        for type_id, fields in entries.items():
            for name, value in _flatten(fields):
                table.add_row(type_id, name, *value)
        out.print(table)


def _scenario_numbers(loaded, as_json: bool) -> None:
    from shieldwall.scenario.provenance import scenario_numbers

    rows = scenario_numbers(loaded)
    if as_json:
        emit_json({"scenario": loaded.name, "numbers": rows})
        return
    table = Table(title=f"{loaded.name}: numbers of the scenario file")
    for column in ("path", "value", "provenance"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["path"], f"{row['value']:g}", row["provenance"])
    out.print(table)


def _flatten(fields: dict, prefix: str = ""):
    for name, value in fields.items():
        if isinstance(value, dict) and "value" in value:
            provenance = f"notional: {value['notional']}" if value.get("notional") else \
                f"{value.get('source')}" + (f" ({value['date']})" if value.get("date") else "")
            yield prefix + name, (f"{value['value']:g}", provenance)
        elif isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        elif name != "name":
            yield prefix + name, (str(value), "")


def _default_out(name: str) -> Path:
    base = Path("results") / name
    candidate, k = base, 1
    while candidate.exists():
        k += 1
        candidate = Path(f"{base}-{k}")
    return candidate


@app.command()
def run(
    scenario: str = typer.Argument(..., help="scenario file (YAML) or bundled name, e.g. april-2024"),
    runs: int = typer.Option(1000, min=1, help="Monte Carlo replications"),
    seed: int = typer.Option(0, min=0, help="root seed: the same seed gives the same results"),
    workers: int = typer.Option(1, min=1, help="worker processes (results do not depend on it)"),
    fidelity: str = typer.Option("radar", help="ideal | radar | tracked"),
    realisations: int = typer.Option(10, min=1, help="raid realisations (launch times, points, targets)"),
    assigner: str = typer.Option("greedy", help="weapon-target assignment: greedy | search | exact"),
    coordination: Optional[str] = typer.Option(None, help="coordinated | independent (default: the scenario's)"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="results folder (default: results/<scenario>, numbered if taken)"),
    force: bool = typer.Option(False, "--force", help="replace the results in an existing --out folder"),
    resume: bool = typer.Option(False, "--resume", help="continue the interrupted run in --out (same scenario and settings)"),
    shard: Optional[str] = typer.Option(None, help="k/N: run only the k-th of N slices of the replications (join with merge)"),
    backend: str = typer.Option("local", help="local (process pool of --workers) | ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster to join (with --backend ray; default: start one here)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON document"),
    uncertainty: Optional[int] = typer.Option(
        None, "--uncertainty", min=2, help="N: draw N parameter sets from the ranges the catalog and scenario "
        "declare and report the answer over them, parameter spread beside Monte Carlo spread (--runs per set)"),
) -> None:
    """Run Monte Carlo replications of a scenario; print a summary and write a results folder."""
    if uncertainty is not None:
        _run_uncertainty(scenario, uncertainty, runs, seed, workers, fidelity, realisations, out_dir, as_json)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from shieldwall.montecarlo import ASSIGNERS, FIDELITIES, ExecutorError, ResumeError
    from shieldwall.montecarlo import run as run_replications
    from shieldwall.results import ResultsExistError

    if fidelity not in FIDELITIES:
        fail(f"--fidelity must be one of {', '.join(FIDELITIES)}, got {fidelity!r}")
    if assigner not in ASSIGNERS:
        fail(f"--assigner must be one of {', '.join(ASSIGNERS)}, got {assigner!r}")
    if coordination not in (None, "coordinated", "independent"):
        fail(f"--coordination must be 'coordinated' or 'independent', got {coordination!r}")
    from shieldwall.montecarlo.cli import executor_or_fail, shard_or_fail

    parsed_shard = shard_or_fail(shard)
    if resume and out_dir is None:
        fail("--resume needs --out, the folder of the run to continue")
    if resume and force:
        fail("--resume continues the results in --out; --force would replace them: give one of the two")
    loaded = load_or_fail(scenario)
    # A scenario named after an anonymous partner must not show it in the folder's name.
    target = out_dir if out_dir is not None else _default_out(redact(loaded.name, loaded))
    if not resume and target.exists() and (not target.is_dir() or any(target.iterdir())) and not force:
        fail(f"{target} already exists and is not empty; use --force to replace its results")
    executor = executor_or_fail(backend, workers, address)
    load_engine()
    # Refreshed from the callback rather than by rich's own thread, so that workers may fork.
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True, auto_refresh=False) as progress:
        task = progress.add_task(f"{loaded.name}", total=runs)

        shown = [0.0]

        def advance(k: int) -> None:
            progress.advance(task, k)
            if time.monotonic() - shown[0] > 0.1:
                shown[0] = time.monotonic()
                progress.refresh()

        try:
            with executor:
                results = run_replications(loaded, runs=runs, seed=seed, workers=workers, fidelity=fidelity,
                                           realisations=realisations, coordination=coordination, assigner=assigner,
                                           progress=advance, out=target, force=force, resume=resume,
                                           shard=parsed_shard, executor=executor)
        except (ScenarioError, ResultsExistError, ResumeError, ExecutorError) as error:
            progress.stop()
            fail(str(error))
    folder = results.folder
    if parsed_shard:
        if as_json:
            emit_json({"results": str(folder), "manifest": results.manifest})
        else:
            err.print(f"shard {shard} written to [bold]{folder}[/]; join the shards with shieldwall merge",
                      highlight=False)
        return
    summary = results.summary
    if as_json:
        emit_json({"results": str(folder), "manifest": results.manifest, "summary": summary})
        return
    print_summary(summary, loaded.name, results.manifest)
    err.print(f"results written to [bold]{folder}[/]", highlight=False)


def _run_uncertainty(scenario: str, sets: int, runs: int, seed: int, workers: int, fidelity: str, realisations: int,
                     out_dir: Optional[Path], as_json: bool) -> None:
    """`run --uncertainty N`: the answer over N parameter sets (analysis.uncertainty)."""
    from shieldwall.analysis.cli import _progress, _settings
    from shieldwall.analysis.uncertainty import uncertainty as run_uncertainty

    if fidelity not in ("ideal", "radar"):
        fail(f"--fidelity with --uncertainty must be ideal or radar, got {fidelity!r}")
    loaded = load_or_fail(scenario)
    settings = _settings(max(runs, 2), seed, fidelity, realisations)
    try:
        with _progress(f"{loaded.name}: parameter sets") as progress:
            report = run_uncertainty(loaded, sets, settings, workers=workers, progress=progress)
    except (ValueError, ScenarioError) as error:
        fail(f"--uncertainty: {error}")
    report = redact(report, loaded)  # parameter paths name units and sensors: aliases only
    if out_dir is not None:
        from shieldwall._json import dumps

        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "uncertainty.json").write_text(dumps(report), encoding="utf-8")
    if as_json:
        emit_json(report)
        return
    from shieldwall.analysis.cli import print_table
    from shieldwall.report.sweep import uncertainty_tables

    for table in uncertainty_tables(report):
        print_table(table)


def print_summary(summary: dict, name: str, manifest: dict) -> None:
    from shieldwall.results import UNBOUNDED_NOTE, Estimate, interval_caption

    realisations = summary.get("realisations", manifest.get("realisations", 1))
    unbounded = False

    def est(d, digits=1, scale=1.0):
        nonlocal unbounded
        text = Estimate.of(d).format(digits, scale)
        unbounded |= "?" in text
        return text

    caption = (f"{manifest['runs']} runs, seed {manifest['seed']}, {manifest['fidelity']} fidelity, "
               f"{manifest['coordination']}; {interval_caption(realisations).replace('mean', 'mean per raid', 1)}")
    table = Table(title=f"{name}: threats", caption=caption)
    for column in ("class", "launched", "failed", "intercepted", "leaked"):
        table.add_column(column, justify="right" if column != "class" else "left")
    for klass, row in summary["threats"].items():
        table.add_row(klass, *(est(row[k]) for k in ("launched", "failed", "intercepted", "leaked")))
    out.print(table)

    table = Table(title="outcome")
    table.add_column("measure")
    table.add_column("value [95 % CI]", justify="right")
    table.add_row("P(no leaker)", est(summary["p_zero_leakers"], 3))
    for asset, value in summary["hits_per_asset"].items():
        table.add_row(f"hits on {asset}", est(value, 2))
    table.add_row("value lost (USD M)", est(summary["value_lost_usd"], 1, 1e6))
    table.add_row("defence cost (USD M)", est(summary["defence_cost_usd"], 1, 1e6))
    table.add_row("attack cost (USD M)", est(summary["attack_cost_usd"], 1, 1e6))
    table.add_row("cost-exchange ratio (defence / attack)", est(summary["cost_exchange_ratio"], 2))
    table.add_row("interceptors wasted on dead threats", est(summary["wasted_shots"], 2))
    table.add_row("leaked while a unit could have fired (missed with capacity)",
                  est(summary["missed_with_capacity"], 2))
    if unbounded:
        table.caption = UNBOUNDED_NOTE
    out.print(table)

    verdicts = summary.get("leaker_verdicts") or {}
    if verdicts:
        # Most frequent first: the reason that let most leakers through heads the table.
        table = Table(title="why leakers got through: the last word of each unit that had an allowed shot")
        table.add_column("verdict")
        table.add_column("leakers per raid [95 % CI]", justify="right")
        for key, value in sorted(verdicts.items(), key=lambda kv: -kv[1]["mean"]):
            table.add_row(key, est(value, 2))
        table.caption = "a leaker counts once for each such unit" + (f"; {UNBOUNDED_NOTE}" if unbounded else "")
        out.print(table)

    table = Table(title="interceptors fired")
    table.add_column("by type")
    table.add_column("mean [95 % CI]", justify="right")
    for key, value in summary["interceptors_by_type"].items():
        table.add_row(key, est(value))
    for key, value in summary["interceptors_by_partner"].items():
        table.add_row(f"partner {key}", est(value))
    out.print(table)

    def breakdown(title: str, label: str, estimates: dict | None, heading: str = "mean [95 % CI]") -> None:
        if estimates:
            table = Table(title=title)
            table.add_column(label)
            table.add_column(heading, justify="right")
            for key, value in estimates.items():
                table.add_row(key, est(value))
            out.print(table)

    breakdown("threats first tracked, by partner", "partner", summary.get("first_tracks_by_partner"),
              "threats per raid [95 % CI]")
    breakdown("picture's predicted track error at the first engagement", "threat class",
              summary.get("track_error_at_engagement_m"), "m, root mean square [95 % CI]")
    breakdown("opportunities refused by coalition rules", "reason", summary["refusals_by_reason"])


_mount()


def main() -> None:
    app()
