"""The analysis commands: JSON alone on stdout, exit code 2 on bad input, files for the report."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from shieldwall.analysis.cli import app

from .conftest import one_drone_data, twins_data

runner = CliRunner()


def twins_file(tmp_path):
    path = tmp_path / "twins.yaml"
    path.write_text(yaml.safe_dump(twins_data()))
    return str(path)


def test_value_json_and_out_folder(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    result = runner.invoke(app, ["value", twins_file(tmp_path), "--runs", "8", "--fidelity", "ideal",
                                 "--json", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format"] == "shieldwall.value/1"
    assert set(document["measures"]["value_protected_usd"]["partners"]) == {"AAA", "BBB", "Partner-C"}
    assert json.loads((folder / "value.json").read_text()) == document


def test_value_prints_a_table(tmp_path):
    result = runner.invoke(app, ["value", twins_file(tmp_path), "--runs", "4", "--fidelity", "ideal"])
    assert result.exit_code == 0, result.output
    assert "Shapley" in result.stdout and "cost-exchange" in result.stdout


def test_compare_json(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    result = runner.invoke(app, ["compare", twins_file(tmp_path), "--without", "BBB", "--mode", "independent",
                                 "--each", "--runs", "6", "--fidelity", "ideal", "--json", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format"] == "shieldwall.compare/1" and len(document["variants"]) == 3
    assert (folder / "compare.json").is_file()


def test_bad_input_exits_2(tmp_path):
    path = twins_file(tmp_path)
    cases = [
        ["compare", path, "--without", "ZZZ", "--runs", "4"],
        ["compare", path, "--authority-delay", "AAA", "--runs", "4"],
        ["compare", path, "--authority-delay", "AAA=soon", "--runs", "4"],
        ["compare", path, "--mode", "chaos", "--runs", "4"],
        ["compare", path, "--runs", "4"],
        ["compare", "no-such-scenario", "--without", "AAA"],
        ["value", path, "--hold", "ZZZ", "--runs", "4"],
        ["value", path, "--runs", "4", "--out", str(tmp_path / "missing")],
        ["campaign", str(tmp_path / "missing.yaml")],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "error" in result.stderr and "Traceback" not in result.output
        assert result.stdout == ""


def test_campaign_json(tmp_path):
    (tmp_path / "drone.yaml").write_text(yaml.safe_dump(one_drone_data()))
    (tmp_path / "c.yaml").write_text("name: c\nraids:\n  - {scenario: drone.yaml}\n  - {scenario: drone.yaml, after_s: 1d}\n")
    result = runner.invoke(app, ["campaign", str(tmp_path / "c.yaml"), "--runs", "3", "--fidelity", "ideal", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format"] == "shieldwall.campaign/1" and len(document["raids"]) == 2


def test_tracked_fidelity_in_value_compare_and_campaign(tmp_path):
    path = twins_file(tmp_path)
    (tmp_path / "drone.yaml").write_text(yaml.safe_dump(one_drone_data()))
    (tmp_path / "c.yaml").write_text("name: c\nraids:\n  - {scenario: drone.yaml}\n")
    for args in (["value", path, "--runs", "4"],
                 ["compare", path, "--without", "BBB", "--runs", "4"],
                 ["campaign", str(tmp_path / "c.yaml"), "--runs", "3"]):
        result = runner.invoke(app, [*args, "--fidelity", "tracked", "--json"])
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.stdout)["fidelity"] == "tracked", args
        wrong = runner.invoke(app, [*args, "--fidelity", "tracks"])
        assert wrong.exit_code == 2 and "tracked" in wrong.stderr, (args, wrong.output)
