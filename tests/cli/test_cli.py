"""The command line: exit codes, JSON on stdout, never a traceback, never an overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from shieldwall.cli import app

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "one-drone.yaml")
runner = CliRunner()


def test_validate_accepts_a_good_file_and_reports_counts():
    result = runner.invoke(app, ["validate", FIXTURE, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fire_units"] == 1


def test_validate_names_the_file_the_path_and_the_line(tmp_path):
    data = yaml.safe_load(Path(FIXTURE).read_text())
    data["fire_units"][0]["magazine"] = -1
    data["fire_units"][0]["magzine"] = 3
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr
    assert "fire_units.0.magazine" in result.stderr and "greater than or equal to 0" in result.stderr
    assert "fire_units.0.magzine" in result.stderr and "unknown field" in result.stderr
    assert "line " in result.stderr
    assert "Traceback" not in result.output


def test_validate_reports_unknown_references_and_broken_yaml(tmp_path):
    data = yaml.safe_load(Path(FIXTURE).read_text())
    data["fire_units"][0]["interceptor"] = "no-such-missile"
    bad = tmp_path / "ref.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["validate", str(bad), "--json"])
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["path"] == "fire_units.0.interceptor" and "no-such-missile" in problems[0]["message"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 2 and "not valid YAML" in result.stderr
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_run_json_prints_one_document_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "res"
    result = runner.invoke(app, ["run", FIXTURE, "--runs", "20", "--seed", "3", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["summary"]["runs"] == 20 and document["manifest"]["seed"] == 3
    for name in ("results.duckdb", "scenario.yaml", "manifest.json", "summary.json"):
        assert (out / name).is_file(), name
    # Each table is a folder of parts, one per task: here one per raid realisation (10 of 2 runs).
    parts = [f"run-{2 * k:09d}-{2 * k + 2:09d}.parquet" for k in range(10)]
    for name in ("threats", "shots", "refusals", "replications"):
        assert sorted(p.name for p in (out / f"{name}.parquet").iterdir()) == parts
    before = (out / "summary.json").read_bytes()
    result = runner.invoke(app, ["run", FIXTURE, "--runs", "5", "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (out / "summary.json").read_bytes() == before
    result = runner.invoke(app, ["run", FIXTURE, "--runs", "5", "--out", str(out), "--force"])
    assert result.exit_code == 0
    assert json.loads((out / "summary.json").read_text())["runs"] == 5


def test_run_results_database_answers_queries(tmp_path):
    import duckdb

    out = tmp_path / "res"
    assert runner.invoke(app, ["run", FIXTURE, "--runs", "10", "--out", str(out)]).exit_code == 0
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    runs = con.execute("select count(distinct run) from threats").fetchall()[0][0]
    events = {row[0] for row in con.execute("select distinct event from timeline").fetchall()}
    con.close()
    assert runs == 10 and {"launch", "track", "shot"} <= events


def test_bad_options_exit_with_code_two():
    assert runner.invoke(app, ["run", FIXTURE, "--runs", "0"]).exit_code == 2
    assert runner.invoke(app, ["run", FIXTURE, "--fidelity", "psychic"]).exit_code == 2
    assert runner.invoke(app, ["run", "no-such-scenario"]).exit_code == 2


def test_schema_is_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["title"] == "shieldwall scenario" and "fire_units" in document["properties"]


def test_a_raid_the_kinematics_cannot_fly_is_a_clear_error(tmp_path):
    data = yaml.safe_load(Path(FIXTURE).read_text())
    data["catalog"]["threats"]["test-missile-bm"] = {
        "name": "Test ballistic", "class": "ballistic", "boost_time_s": {"value": 90, "notional": "test"},
        "reliability": {"value": 1, "notional": "test"}, "cep_m": {"value": 100, "notional": "test"},
        "lethality": {"value": 0.1, "notional": "test"}, "unit_cost_usd": {"value": 1e6, "notional": "test"}}
    data["raid"]["waves"].append({"id": "bm", "threat": "test-missile-bm", "count": 1,
                                  "launch_area": {"center": [31.01, 35.01]}, "launch_window_s": [0, 0],
                                  "targets": {"base": 1}})
    bad = tmp_path / "close.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", str(bad), "--runs", "2", "--workers", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "raid.waves.1" in result.stderr and "boost" in result.stderr
    assert not (tmp_path / "o").exists()
