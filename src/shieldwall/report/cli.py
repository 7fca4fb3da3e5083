"""Commands `report`, `serve` and `export`, mounted at the top level of the `shieldwall` command.

Conventions as in `shieldwall.cli`: messages to stderr, `--json` leaves stdout holding one JSON
document, bad input (not a results folder, unknown --view-as partner, run out of range) and a
dependency that cannot be imported exit with code 2 and a one-line message. Files derived inside
the results folder (report.html, figures/, exports) are regenerated on each call; a file elsewhere
(--out) is replaced only with --force.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from shieldwall._console import emit_json, err, fail

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
VIEW_AS_HELP = "render only what this partner may see (its id, or alias if anonymous)"


def _known_errors():
    from shieldwall._optional import MissingDependencyError
    from shieldwall.replay import ReplayError
    from shieldwall.report import (
        OutputExistsError,
        ResultsFolderError,
        UnknownViewerError,
    )

    return (ResultsFolderError, UnknownViewerError, OutputExistsError, ReplayError, MissingDependencyError)


@app.command()
def report(
    folder: Path = typer.Argument(..., help="results folder written by `shieldwall run`, or a folder of "
                                            "`sweep`, `size --out` or `run --uncertainty` outputs"),
    view_as: Optional[str] = typer.Option(None, "--view-as", help=VIEW_AS_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="HTML file to write (default: <folder>/report.html)"),
    force: bool = typer.Option(False, "--force", help="replace an existing --out file outside the results folder"),
    as_json: bool = typer.Option(False, "--json", help="print the files written as one JSON document"),
) -> None:
    """Write a self-contained HTML after-action report (and its figures as SVG and PNG); opens nothing.

    Also renders sweep, size --out and run --uncertainty outputs, in a results folder or alone."""
    from shieldwall.report import write_report

    try:
        files = write_report(folder, view_as=view_as, out=out, force=force)
    except _known_errors() as error:
        fail(str(error))
    if as_json:
        emit_json({"report": str(files.html), "figures": [str(p) for p in files.figures]})
        return
    err.print(f"report written to [bold]{files.html}[/]", highlight=False)


@app.command()
def serve(
    folder: Path = typer.Argument(..., help="results folder written by `shieldwall run`"),
    run: Optional[int] = typer.Option(None, "--run", min=0, help="replication to replay (default: the median by leakers)"),
    view_as: Optional[str] = typer.Option(None, "--view-as", help=VIEW_AS_HELP),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="port on 127.0.0.1 (0: any free port)"),
    browser: bool = typer.Option(False, "--browser/--no-browser", help="open the viewer in a web browser"),
) -> None:
    """Serve a 3-D replay of one replication on 127.0.0.1 (CesiumJS shipped with shieldwall, no network)."""
    from shieldwall.replay import ReplayServer, build_replay

    try:
        replay = build_replay(folder, run=run, view_as=view_as)
    except _known_errors() as error:
        fail(str(error))
    try:
        server = ReplayServer(replay, port=port)
    except _known_errors() as error:  # the server builds the CZML
        fail(str(error))
    except OSError as error:
        fail(f"cannot listen on 127.0.0.1:{port}: {error}")
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    err.print(f"replaying run {replay.run} of {folder}; press Ctrl-C to stop", highlight=False)
    if browser:
        import webbrowser

        webbrowser.open(server.url)
    # A shell starts a background job with SIGINT ignored, and Python then keeps it ignored: Ctrl-C
    # (SIGINT) must stop the server however it was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        err.print("stopped", highlight=False)


@app.command()
def export(
    folder: Path = typer.Argument(..., help="results folder written by `shieldwall run`"),
    czml: bool = typer.Option(False, "--czml", help="one replication as CZML (Cesium)"),
    geojson: bool = typer.Option(False, "--geojson", help="routes, intercept points and impacts as GeoJSON"),
    run: Optional[int] = typer.Option(None, "--run", min=0, help="replication to export (default: the median by leakers)"),
    view_as: Optional[str] = typer.Option(None, "--view-as", help=VIEW_AS_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="folder to write into (default: the results folder)"),
    force: bool = typer.Option(False, "--force", help="replace existing files in an --out folder"),
    as_json: bool = typer.Option(False, "--json", help="print the files written as one JSON document"),
) -> None:
    """Export one replication for other tools: CZML for Cesium, GeoJSON for GIS."""
    from shieldwall.interop import write_geojson
    from shieldwall.replay import build_replay, write_czml

    if not (czml or geojson):
        fail("choose at least one format: --czml, --geojson")
    try:
        replay = build_replay(folder, run=run, view_as=view_as)
        written = []
        if czml:
            written.append(write_czml(replay, out, force=force))
        if geojson:
            written.append(write_geojson(replay, out, force=force))
    except _known_errors() as error:
        fail(str(error))
    if as_json:
        emit_json({"run": replay.run, "files": [str(p) for p in written]})
        return
    for path in written:
        err.print(f"written [bold]{path}[/]", highlight=False)
