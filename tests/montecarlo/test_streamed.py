"""Streamed results: parts written as tasks finish, summaries over the parts, resume, shards."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import shieldwall
from shieldwall.cli import app
from shieldwall.montecarlo import merge
from shieldwall.results import TABLES, complete_ranges, read_table, summarise

runner = CliRunner()


def tables_of(folder: Path) -> dict:
    return {name: read_table(folder, name) for name in TABLES}


def assert_same_tables(a: dict, b: dict) -> None:
    for name in TABLES:
        assert a[name].num_rows == b[name].num_rows, name
        assert a[name].equals(b[name]), name


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reference():
    """The tutorial run held in memory, as `shieldwall.run` gives it without a folder."""
    return shieldwall.run("tutorial", runs=40, seed=5, realisations=4)


def test_streamed_tables_and_summary_equal_the_run_in_memory(tmp_path, reference):
    streamed = shieldwall.run("tutorial", runs=40, seed=5, realisations=4, workers=2, out=tmp_path / "res")
    assert complete_ranges(tmp_path / "res") == [(0, 10), (10, 20), (20, 30), (30, 40)]
    assert_same_tables(tables_of(tmp_path / "res"), reference.tables)
    # The summary comes from DuckDB over the parts; the same figures as from the tables in memory.
    written = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert written == json.loads(json.dumps(summarise(reference.tables)))
    assert streamed.summary == summarise(reference.tables)


def test_database_holds_views_over_the_parts_not_a_copy(tmp_path, reference):
    import duckdb

    folder = tmp_path / "res"
    shieldwall.run("tutorial", runs=40, seed=5, realisations=4, out=folder)
    with duckdb.connect(str(folder / "results.duckdb"), read_only=True) as db:
        kinds = dict(db.execute("select table_name, table_type from information_schema.tables").fetchall())
        assert {kinds[name] for name in TABLES} == {"VIEW"}
        sql = dict(db.execute("select view_name, sql from duckdb_views() where not internal").fetchall())
        assert all("read_parquet" in sql[name] for name in TABLES)
        threats = db.execute("select count(*), count(distinct run) from threats").fetchone()
    assert threats == (reference.tables["threats"].num_rows, 40)


def test_parts_carry_statistics_of_the_run_columns_that_let_readers_skip_them(tmp_path):
    import pyarrow.parquet as pq

    folder = tmp_path / "res"
    shieldwall.run("tutorial", runs=40, seed=5, realisations=4, out=folder)
    part = folder / "threats.parquet" / "run-000000010-000000020.parquet"
    row_group = pq.ParquetFile(part).metadata.row_group(0)
    columns = {row_group.column(k).path_in_schema: row_group.column(k) for k in range(row_group.num_columns)}
    run, realisation = columns["run"].statistics, columns["realisation"].statistics
    assert (run.min, run.max, realisation.min, realisation.max) == (10, 19, 1, 1)
    assert columns["fate_t_s"].statistics is None
    import duckdb

    with duckdb.connect(str(folder / "results.duckdb"), read_only=True) as db:
        assert db.execute("select count(distinct run) from threats where run between 12 and 25").fetchone() == (14,)


def test_a_truncated_part_is_detected_and_redone(tmp_path, reference):
    folder = tmp_path / "res"
    shieldwall.run("tutorial", runs=40, seed=5, realisations=4, out=folder)
    part = folder / "threats.parquet" / "run-000000010-000000020.parquet"
    whole = part.read_bytes()
    part.write_bytes(whole[: len(whole) // 2])
    (folder / "shots.parquet" / ".run-000000020-000000030.parquet.999.tmp").write_bytes(b"half a write")
    assert complete_ranges(folder) == [(0, 10), (20, 30), (30, 40)]
    shieldwall.run("tutorial", runs=40, seed=5, realisations=4, out=folder, resume=True)
    assert part.read_bytes() == whole
    assert not list(folder.rglob("*.tmp"))
    assert_same_tables(tables_of(folder), reference.tables)


RUN = ["run", "april-2024", "--runs", "60", "--realisations", "6", "--seed", "9", "--workers", "2"]


def _replications_done(folder: Path) -> int:
    directory = folder / "replications.parquet"
    return len(list(directory.glob("run-*.parquet"))) if directory.is_dir() else 0


def _start(folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from shieldwall.cli import main; main()", *RUN, "--out", str(folder), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_when(process: subprocess.Popen, ready, timeout_s: float = 240.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        assert process.poll() is None, "the run ended before the point it was to be killed at"
        assert time.monotonic() < deadline, "the run never reached the point it was to be killed at"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its workers, at once
    process.wait()


def test_killed_three_times_then_resumed_gives_the_uninterrupted_tables(tmp_path):
    folder = tmp_path / "res"
    # 1: as soon as the folder holds its manifest, before any part; 2: after two parts of six;
    # 3: after four, each time the driver and its workers killed together with SIGKILL.
    _kill_when(_start(folder), lambda: (folder / "manifest.json").exists())
    assert _replications_done(folder) < 6
    _kill_when(_start(folder, "--resume"), lambda: _replications_done(folder) >= 2)
    _kill_when(_start(folder, "--resume"), lambda: _replications_done(folder) >= 4)
    assert _replications_done(folder) < 6 and not (folder / "summary.json").exists()
    assert _start(folder, "--resume").wait(timeout=300) == 0
    uninterrupted = shieldwall.run("april-2024", runs=60, realisations=6, seed=9)
    assert_same_tables(tables_of(folder), uninterrupted.tables)
    assert json.loads((folder / "summary.json").read_text()) == json.loads(json.dumps(uninterrupted.summary))
    assert json.loads((folder / "manifest.json").read_text())["resumed"] is True


def test_resume_of_another_run_is_a_one_line_error_and_changes_nothing(tmp_path):
    folder = tmp_path / "res"
    assert runner.invoke(app, ["run", "tutorial", "--runs", "8", "--seed", "1", "--out", str(folder)]).exit_code == 0
    before = fingerprint(folder)
    for other in (["run", "tutorial", "--runs", "8", "--seed", "2"],
                  ["run", "april-2024", "--runs", "8", "--seed", "1"],
                  ["run", "tutorial", "--runs", "9", "--seed", "1"]):
        result = runner.invoke(app, [*other, "--out", str(folder), "--resume"])
        assert result.exit_code == 2, result.output
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1 and "--resume" in message, message
        assert fingerprint(folder) == before
    result = runner.invoke(app, ["run", "tutorial", "--runs", "8", "--out", str(tmp_path / "none"), "--resume"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_shards_merge_into_the_run_made_at_once(tmp_path, reference):
    for k in (1, 2, 3):
        result = runner.invoke(app, ["run", "tutorial", "--runs", "40", "--seed", "5", "--realisations", "4",
                                     "--shard", f"{k}/3", "--out", str(tmp_path / f"shard-{k}")])
        assert result.exit_code == 0, result.output
    # 40 runs in thirds: 0-12, 13-25, 26-39; realisation blocks of 10 split at the shard bounds.
    assert complete_ranges(tmp_path / "shard-2") == [(13, 20), (20, 26)]
    result = runner.invoke(app, ["merge", str(tmp_path / "all"), *(str(tmp_path / f"shard-{k}") for k in (3, 1, 2))])
    assert result.exit_code == 0, result.output
    assert_same_tables(tables_of(tmp_path / "all"), reference.tables)
    assert json.loads((tmp_path / "all" / "summary.json").read_text()) == json.loads(json.dumps(reference.summary))


def test_bad_shards_are_one_line_errors(tmp_path):
    for bad in ("3/2", "0/2", "2", "a/b"):
        result = runner.invoke(app, ["run", "tutorial", "--runs", "8", "--shard", bad, "--out", str(tmp_path / "s")])
        assert result.exit_code == 2, (bad, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "--shard" in result.stderr
        assert not (tmp_path / "s").exists()
    shieldwall.run("tutorial", runs=8, seed=1, shard=(1, 2), out=tmp_path / "one")
    result = runner.invoke(app, ["merge", str(tmp_path / "m"), str(tmp_path / "one")])
    assert result.exit_code == 2 and "shards 1 to 2" in result.stderr
    with pytest.raises(Exception, match="no shard"):
        merge(tmp_path / "m2", [tmp_path / "nothing"])


def test_the_manifest_records_when_the_run_started(tmp_path):
    import time
    from datetime import datetime, timezone

    import shieldwall

    before = datetime.now(timezone.utc).replace(microsecond=0)
    # Each replication reported takes a second more, so the run ends 4 s after it starts.
    results = shieldwall.run("tutorial", runs=4, realisations=2, out=tmp_path / "run", progress=lambda k: time.sleep(k))
    after = datetime.now(timezone.utc)
    started = datetime.fromisoformat(results.manifest["started_utc"])
    assert before <= started and (after - started).total_seconds() >= 4


def test_columns_built_for_many_replications_at_once_equal_those_built_one_by_one():
    # The columns a task builds for its replications at once (what the raid realisation shares
    # laid out once) equal those of each replication built alone and joined, across the boundary
    # between two raid realisations.
    from shieldwall.montecarlo.run import RunJob, join_tables
    from shieldwall.scenario import load_scenario
    from shieldwall.wta import GreedyAssigner

    scenario = load_scenario("tutorial")
    job = RunJob(scenario, 3, 40, 2, "radar", GreedyAssigner(), scenario.coordination)
    together = job.tables(range(15, 26))
    alone = join_tables([job.tables([i]) for i in range(15, 26)])
    assert together["replications"].column("realisation").to_pylist() == [0] * 5 + [1] * 6
    for name in TABLES:
        assert together[name].equals(alone[name]), name
