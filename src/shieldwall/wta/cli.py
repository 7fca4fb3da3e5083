"""`shieldwall wta`: solve instance files and generate seeded instances."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import numpy as np
import typer

from shieldwall._console import fail

app = typer.Typer(name="wta", help="Weapon-target assignment: solve and generate static instances.",
                  no_args_is_help=True, add_completion=False)


class Method(str, Enum):
    greedy = "greedy"
    search = "search"
    exact = "exact"


class Family(str, Enum):
    A = "A"
    B = "B"
    C = "C"


@app.command()
def solve(
    file: Path = typer.Argument(..., help="Instance file (.txt or .txt.gz)."),
    method: Method = typer.Option(Method.search, help="Solver."),
    time_limit: float = typer.Option(10.0, "--time-limit", help="Wall-clock budget in seconds (search, exact)."),
    seed: int = typer.Option(0, help="Seed of the solver's random generator."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document instead of a table."),
) -> None:
    """Solve an instance and print objective, bound, gap and time."""
    from shieldwall.wta import (
        ExactAssigner,
        GreedyAssigner,
        InstanceFormatError,
        SearchAssigner,
        read_instance,
    )

    if time_limit <= 0:
        fail(f"--time-limit must be positive, got {time_limit}")
    if not file.is_file():
        fail(f"no such instance file: {file}")
    try:
        problem = read_instance(file)
    except InstanceFormatError as error:
        fail(str(error))
    assigner = {
        Method.greedy: lambda: GreedyAssigner(),
        Method.search: lambda: SearchAssigner(time_limit_s=time_limit),
        Method.exact: lambda: ExactAssigner(time_limit_s=time_limit),
    }[method]()
    answer = assigner.assign(problem, np.random.default_rng(seed))
    proven = bool(np.isfinite(answer.lower_bound))
    summary = {
        "file": str(file),
        "method": method.value,
        "seed": seed,
        "weapons": problem.n_weapons,
        "targets": problem.n_targets,
        "objective": answer.objective,
        "lower_bound": answer.lower_bound if proven else None,
        "gap": answer.gap if proven else None,
        "time_s": answer.time_s,
        "stats": answer.stats,
    }
    if as_json:
        pairs = np.argwhere(answer.shots > 0)
        summary["assignment"] = [
            {"weapon": int(i), "target": int(j), "units": int(answer.shots[i, j])} for i, j in pairs
        ]
        from shieldwall._json import dumps

        sys.stdout.write(dumps(summary, indent=None) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{file.name}: {problem.n_weapons} weapon types x {problem.n_targets} targets")
    for column in ("method", "objective", "lower bound", "gap", "time (s)"):
        table.add_column(column, justify="right")
    table.add_row(
        method.value,
        f"{answer.objective:.6f}",
        f"{answer.lower_bound:.6f}" if proven else "-",
        f"{100 * answer.gap:.4f} %" if proven else "-",
        f"{answer.time_s:.3f}",
    )
    Console().print(table)


@app.command()
def generate(
    family: Family = typer.Option(..., help="A: square, p 0.6-0.9; B: Andersen et al.; C: sparse air defence."),
    weapons: int = typer.Option(..., help="Number of weapon types W."),
    targets: int = typer.Option(..., help="Number of targets T (family A needs T = W)."),
    units: int = typer.Option(1, help="Units per weapon type (family B only)."),
    seed: int = typer.Option(..., help="Seed of numpy.random.default_rng."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    force: bool = typer.Option(False, help="Overwrite an existing --out file."),
) -> None:
    """Write a seeded instance in the Andersen format (extended form when unit counts differ)."""
    from shieldwall.wta.instances import (
        family_a,
        family_b,
        family_c,
        format_instance,
        write_instance,
    )

    if weapons < 1 or targets < 1:
        fail(f"--weapons and --targets must be >= 1, got {weapons} and {targets}")
    if units < 1:
        fail(f"--units must be >= 1, got {units}")
    if family is Family.A and targets != weapons:
        fail(f"family A is square: --targets must equal --weapons ({weapons}), got {targets}")
    if family is not Family.B and units != 1:
        fail(f"--units applies to family B only (family {family.value} fixes its unit counts)")
    if out is not None and out.exists() and not force:
        fail(f"{out} exists; pass --force to overwrite it")
    rng = np.random.default_rng(seed)
    problem = {
        Family.A: lambda: family_a(weapons, rng),
        Family.B: lambda: family_b(weapons, units, rng, n_targets=targets),
        Family.C: lambda: family_c(weapons, targets, rng),
    }[family]()
    if out is None:
        sys.stdout.write(format_instance(problem))
        return
    try:
        write_instance(problem, out)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")
