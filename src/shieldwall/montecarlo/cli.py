"""Command-line pieces of the Monte Carlo runner: choosing an executor, shards, and `merge`."""

from __future__ import annotations

from pathlib import Path

import typer

from shieldwall._console import emit_json, err, fail

app = typer.Typer()

BACKENDS = ("local", "ray")


def shard_or_fail(text: str | None) -> tuple[int, int] | None:
    from shieldwall.montecarlo.run import parse_shard

    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as error:
        fail(str(error))


def executor_or_fail(backend: str, workers: int, address: str | None):
    """The executor the options ask for, or a one-line error (exit code 2): an unknown backend, ray
    not installed, or no Ray cluster at `address`."""
    from shieldwall._optional import MissingDependencyError
    from shieldwall.montecarlo.base import ExecutorError
    from shieldwall.montecarlo.local import local_executor

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "local":
        if address is not None:
            fail("--address joins a Ray cluster: use it with --backend ray")
        return local_executor(workers)
    from shieldwall.montecarlo.distributed import RayExecutor

    from rich.markup import escape

    try:
        return RayExecutor(address=address, workers=workers).connect()
    except (MissingDependencyError, ExecutorError) as error:
        fail(escape(str(error)))  # the install hint's [ray] is text, not markup


@app.command()
def merge(
    out_dir: Path = typer.Argument(..., help="results folder to write"),
    shards: list[Path] = typer.Argument(..., help="the folders of shards 1 to N of one run (run --shard k/N)"),
    force: bool = typer.Option(False, "--force", help="replace the results in an existing folder"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON document"),
) -> None:
    """Join the shards of one run into one results folder, the same as the run made at once."""
    from shieldwall.cli import print_summary
    from shieldwall.montecarlo.run import MergeError
    from shieldwall.montecarlo.run import merge as merge_shards
    from shieldwall.results import ResultsExistError

    try:
        results = merge_shards(out_dir, shards, force=force)
    except (MergeError, ResultsExistError) as error:
        fail(str(error))
    if as_json:
        emit_json({"results": str(results.folder), "manifest": results.manifest, "summary": results.summary})
        return
    print_summary(results.summary, results.manifest["scenario"], results.manifest)
    err.print(f"results written to [bold]{results.folder}[/]", highlight=False)
