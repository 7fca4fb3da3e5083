"""What every command-line module shares: the two consoles, the usage-error exit, JSON output.

Tables go to stdout; progress and messages go to stderr, so that `--json` leaves stdout holding
exactly one JSON document. Bad input exits with code 2 and a message naming what was wrong.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

# Piped output gets 120 columns rather than rich's 80, so that tables with intervals stay on one line.
out = Console() if sys.stdout.isatty() else Console(width=120)
err = Console(stderr=True)

USAGE_ERROR = 2


def fail(message: str) -> None:
    """Print `message` as an error on stderr and exit with the usage-error code."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(USAGE_ERROR)


def emit_json(data) -> None:
    """Write `data` to stdout as one strict JSON document (NumPy scalars as numbers, paths as
    strings, NaN and infinities as null)."""
    from shieldwall._json import dumps

    sys.stdout.write(dumps(data) + "\n")


def load_or_fail(source: str):
    """The scenario at `source` (bundled name or file), or a clear error and exit code 2."""
    from shieldwall.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(source)
    except ScenarioError as error:
        fail(str(error))


def load_engine() -> None:
    """Load the compiled engine, saying why the first run after an install pauses."""
    from shieldwall.engine import load_kernels

    with err.status("loading the compiled engine (the first run after an install compiles it, about 30 s)"):
        load_kernels()
