"""The results folder: Parquet tables, a DuckDB database of views over them, the resolved scenario,
the summary and a manifest. An existing folder is never overwritten unless asked.

Each table is a folder of part files, `threats.parquet/run-000000000-000000100.parquet` holding the
rows of replications 0 to 99: a task of the Monte Carlo runner writes its parts as it finishes, to
a hidden temporary name renamed when complete, so a folder is never read half-written and a killed
run can continue (`--resume`). A range of replications is complete when every table has a readable
part for it and the replications part holds one row per replication; anything else is redone.
Readers (pyarrow, pandas, DuckDB's `read_parquet('threats.parquet/*.parquet')`) take a folder of
parts as one table. Folders written before parts existed (one file per table) still read.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from shieldwall import _json
from shieldwall.results.tables import TABLES

DATABASE = "results.duckdb"
FILES = (*(f"{t}.parquet" for t in TABLES), DATABASE, "scenario.yaml", "summary.json", "manifest.json")
_PART = re.compile(r"run-(\d{9})-(\d{9})\.parquet")
_SKIPPING_COLUMNS = ("run", "realisation")  # what a query of part of a run filters on


class ResultsExistError(FileExistsError):
    """The output folder already holds results; pass force to replace them."""


def part_name(start: int, stop: int) -> str:
    return f"run-{start:09d}-{stop:09d}.parquet"


def prepare_folder(folder: str | Path, force: bool = False) -> Path:
    """An empty (or, with `force`, emptied of results) folder to write into."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ResultsExistError(f"{folder} exists and is not a folder")
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise ResultsExistError(f"{folder} already exists and is not empty; use --force to replace its results")
        for name in FILES:
            path = folder / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_part(folder: str | Path, start: int, stop: int, tables: dict[str, pa.Table]) -> None:
    """Write the rows of replications start .. stop-1, table by table, each renamed into place when
    complete; the replications part last (it marks the range complete)."""
    folder = Path(folder)
    name = part_name(start, stop)
    for table in sorted(TABLES, key=lambda t: t == "replications"):
        directory = folder / f"{table}.parquet"
        directory.mkdir(exist_ok=True)
        temporary = directory / f".{name}.{os.getpid()}.tmp"
        # Statistics (each column's minimum and maximum) only where they let a reader skip parts:
        # those of every column took about half of the write (0.2 ms a replication of april-2024).
        pq.write_table(tables[table], temporary,
                       write_statistics=[c for c in _SKIPPING_COLUMNS if c in tables[table].column_names])
        os.replace(temporary, directory / name)


def _ranges(directory: Path) -> dict[tuple[int, int], Path]:
    if not directory.is_dir():
        return {}
    out = {}
    for path in directory.iterdir():
        match = _PART.fullmatch(path.name)
        if match:
            out[(int(match.group(1)), int(match.group(2)))] = path
    return out


def _readable(path: Path, rows: int | None = None) -> bool:
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return False
    return rows is None or metadata.num_rows == rows


def complete_ranges(folder: str | Path, clean: bool = False) -> list[tuple[int, int]]:
    """The replication ranges whose parts are all present and readable, sorted. With `clean`,
    remove temporary files and every part of an incomplete range (it will be redone)."""
    folder = Path(folder)
    found = {table: _ranges(folder / f"{table}.parquet") for table in TABLES}
    every = set().union(*(set(r) for r in found.values()))
    complete = sorted(r for r in every if all(r in found[t] for t in TABLES)
                      and _readable(found["replications"][r], r[1] - r[0])
                      and all(_readable(found[t][r]) for t in TABLES if t != "replications"))
    if clean:
        for table in TABLES:
            directory = folder / f"{table}.parquet"
            for r, path in found[table].items():
                if r not in complete:
                    path.unlink()
            if directory.is_dir():
                for path in directory.glob(".*.tmp"):
                    path.unlink()
    return complete


def read_table(folder: str | Path, name: str, columns: list[str] | None = None) -> pa.Table:
    """Table `name` of a results folder, its parts in replication order, as one chunk per column."""
    path = Path(folder) / f"{name}.parquet"
    if path.is_file():
        return pq.read_table(path, columns=columns)
    parts = [p for _, p in sorted(_ranges(path).items())]
    if not parts:
        raise FileNotFoundError(f"{path} holds no parts")
    tables = [pq.read_table(p, columns=columns) for p in parts]
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks()


def table_glob(folder: str | Path, name: str) -> str:
    """What DuckDB's read_parquet needs for table `name` of a folder (absolute)."""
    path = Path(folder).resolve() / f"{name}.parquet"
    return str(path / "run-*.parquet") if path.is_dir() else str(path)


def write_database(folder: str | Path) -> Path:
    """results.duckdb: a view per table over its parts (no copy of the data), and the timeline.
    The views name the parts by absolute path: move the folder and `shieldwall merge` or a
    re-run with `--resume` writes them again."""
    import duckdb

    folder = Path(folder)
    database = folder / DATABASE
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        for name in TABLES:
            glob = table_glob(folder, name).replace("'", "''")
            con.execute(f"create view {name} as select * from read_parquet('{glob}')")
        con.execute(
            "create view timeline as "
            "select run, launch_t_s as t_s, 'launch' as event, threat, null as unit from threats "
            "union all select run, track_t_s, 'track', threat, null from threats where isfinite(track_t_s) "
            "union all select run, launch_t_s, 'shot', threat, unit::varchar from shots "
            "union all select run, fate_t_s, fate::varchar, threat, by_unit::varchar from threats"
        )
    finally:
        con.close()
    return database


def finish_folder(folder: str | Path, scenario_yaml: str, summary: dict, manifest: dict) -> Path:
    """Write what completes a folder whose parts are all written: database, scenario, summary, manifest."""
    folder = Path(folder)
    write_database(folder)
    (folder / "scenario.yaml").write_text(scenario_yaml, encoding="utf-8")
    (folder / "summary.json").write_text(_json.dumps(summary), encoding="utf-8")
    write_manifest(folder, manifest)
    return folder


def write_manifest(folder: str | Path, manifest: dict) -> None:
    folder = Path(folder)
    temporary = folder / ".manifest.json.tmp"
    temporary.write_text(_json.dumps(manifest), encoding="utf-8")
    os.replace(temporary, folder / "manifest.json")


def read_manifest(folder: str | Path) -> dict:
    return _json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))


def write_folder(folder: str | Path, tables: dict[str, pa.Table], scenario_yaml: str, summary: dict,
                 manifest: dict, force: bool = False) -> Path:
    """Write tables held in memory (all replications of a run) as a results folder."""
    folder = prepare_folder(folder, force)
    runs = tables["replications"]["run"].to_numpy()
    start, stop = (int(runs.min()), int(runs.max()) + 1) if runs.size else (0, 0)
    write_part(folder, start, stop, tables)
    return finish_folder(folder, scenario_yaml, summary, manifest)


def read_folder(folder: str | Path) -> tuple[dict[str, pa.Table], dict, dict]:
    """(tables, summary, manifest) of a results folder (bounds written as null read as NaN)."""
    folder = Path(folder)
    tables = {name: read_table(folder, name) for name in TABLES}
    summary = _json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return tables, summary, read_manifest(folder)
