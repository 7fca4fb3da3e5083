"""The `wta` command group through typer's CliRunner."""

import json

import numpy as np
from typer.testing import CliRunner

from shieldwall.wta import family_b, read_instance, write_instance
from shieldwall.wta.cli import app

runner = CliRunner()


def _instance(tmp_path):
    path = tmp_path / "small.txt"
    write_instance(family_b(4, 2, np.random.default_rng(3)), path)
    return path


def test_solve_json_is_one_document_with_the_assignment(tmp_path):
    path = _instance(tmp_path)
    result = runner.invoke(app, ["solve", str(path), "--method", "exact", "--time-limit", "20", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["gap"] <= 1e-6
    problem = read_instance(path)
    shots = np.zeros(problem.kill_probability.shape, dtype=int)
    for row in document["assignment"]:
        shots[row["weapon"], row["target"]] = row["units"]
    assert problem.is_feasible(shots)
    assert np.isclose(problem.objective(shots), document["objective"])


def test_solve_table(tmp_path):
    result = runner.invoke(app, ["solve", str(_instance(tmp_path)), "--method", "greedy"])
    assert result.exit_code == 0
    assert "objective" in result.stdout and "greedy" in result.stdout


def test_generate_to_stdout_is_deterministic():
    args = ["generate", "--family", "C", "--weapons", "3", "--targets", "5", "--seed", "4"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert first.stdout.splitlines()[0] == "3 5"


def test_generate_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "a.txt"
    args = ["generate", "--family", "A", "--weapons", "3", "--targets", "3", "--seed", "1", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert read_instance(out).n_weapons == 3


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("3 3 1\n1\n")
    cases = [
        ["solve", str(bad)],
        ["solve", str(tmp_path / "missing.txt")],
        ["solve", str(_instance(tmp_path)), "--time-limit", "-1"],
        ["generate", "--family", "A", "--weapons", "3", "--targets", "4", "--seed", "1"],
        ["generate", "--family", "C", "--weapons", "0", "--targets", "4", "--seed", "1"],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
