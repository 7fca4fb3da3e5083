"""The results folder: Parquet tables, a DuckDB database over them, the resolved scenario,
the summary and a manifest. An existing folder is never overwritten unless asked."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from shieldwall import _json
from shieldwall.results.tables import TABLES

DATABASE = "results.duckdb"
FILES = (*(f"{t}.parquet" for t in TABLES), DATABASE, "scenario.yaml", "summary.json", "manifest.json")


class ResultsExistError(FileExistsError):
    """The output folder already holds results; pass force to replace them."""


def write_folder(folder: str | Path, tables: dict[str, pa.Table], scenario_yaml: str, summary: dict,
                 manifest: dict, force: bool = False) -> Path:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ResultsExistError(f"{folder} exists and is not a folder")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise ResultsExistError(f"{folder} already exists and is not empty; use --force to replace its results")
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        pq.write_table(tables[name], folder / f"{name}.parquet")
    database = folder / DATABASE
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    for name in TABLES:
        con.register(f"_{name}", tables[name])
        con.execute(f"create table {name} as select * from _{name}")
    con.execute(
        "create view timeline as "
        "select run, launch_t_s as t_s, 'launch' as event, threat, null as unit from threats "
        "union all select run, track_t_s, 'track', threat, null from threats where isfinite(track_t_s) "
        "union all select run, launch_t_s, 'shot', threat, unit::varchar from shots "
        "union all select run, fate_t_s, fate::varchar, threat, by_unit::varchar from threats"
    )
    con.close()
    (folder / "scenario.yaml").write_text(scenario_yaml, encoding="utf-8")
    (folder / "summary.json").write_text(_json.dumps(summary), encoding="utf-8")
    (folder / "manifest.json").write_text(_json.dumps(manifest), encoding="utf-8")
    return folder


def read_folder(folder: str | Path) -> tuple[dict[str, pa.Table], dict, dict]:
    """(tables, summary, manifest) of a results folder (bounds written as null read as NaN)."""
    folder = Path(folder)
    tables = {name: pq.read_table(folder / f"{name}.parquet") for name in TABLES}
    summary = _json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    manifest = _json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return tables, summary, manifest
