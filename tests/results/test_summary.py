"""The summary of a run: intervals across raid realisations, never clipped, strict JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import shieldwall
from shieldwall import _json
from shieldwall.results import count_interval, proportion_interval, read_folder, summarise
from tests.engine.helpers import scenario_from


def strict_loads(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def estimates(summary, path: str = ""):
    """(path, estimate) of every {mean, low, high} in a summary."""
    if isinstance(summary, dict):
        if {"mean", "low", "high"} <= summary.keys():
            yield path, summary
        else:
            for key, value in summary.items():
                yield from estimates(value, f"{path}/{key}")


@pytest.fixture(scope="module")
def drone_results():
    import copy

    from tests.conftest import FIXTURES

    data = copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text()))
    data["fire_units"][0]["magazine"] = 2
    return shieldwall.run(scenario_from(data), runs=50, seed=3, fidelity="ideal", realisations=10)


def test_intervals_are_taken_across_realisations(drone_results):
    summary = drone_results.summary
    table = drone_results.tables["replications"]
    groups = table["realisation"].to_numpy()
    assert summary["realisations"] == 10 and "10 raid realisations" in summary["intervals"]
    leaked = table["leaked"].to_numpy()
    assert summary["threats"]["all"]["leaked"] == pytest.approx(vars(count_interval(leaked, groups)))
    assert summary["p_zero_leakers"] == pytest.approx(vars(proportion_interval(leaked == 0, groups)))


def test_only_what_the_scenario_fixes_has_a_zero_width_interval(drone_results):
    summary = drone_results.summary
    failed = summary["threats"]["drone"]["failed"]  # reliability 1: no drone ever fails
    assert failed["mean"] == 0.0 and failed["low"] == 0.0 and failed["high"] > 0.0
    exact = {path for path, e in estimates(summary) if e["low"] == e["high"]}
    # The `ideal` fidelity with no latency puts a threat in the picture at its first detection:
    # the time between them is 0 in every replication, as the scenario fixes it.
    assert summary["detection_to_picture_s"]["mean"] == 0.0
    assert exact == {"/threats/drone/launched", "/threats/all/launched", "/attack_cost_usd", "/detection_to_picture_s"}
    for path, e in estimates(summary):
        assert e["low"] <= e["mean"] <= e["high"], path
        assert e["low"] >= 0.0, path


def test_count_intervals_are_not_clipped_at_zero():
    # A rare count: the old t interval dipped below zero and was clipped; this one starts above it.
    groups = np.arange(50) // 5
    values = np.zeros(50)
    values[[3, 31]] = 1
    e = count_interval(values, groups)
    assert 0.0 < e.low < e.mean < e.high


def test_one_replication_gives_strict_json_with_null_bounds(tmp_path):
    results = shieldwall.run("tutorial", runs=1, seed=0, fidelity="ideal")
    summary = results.summary
    leaked = summary["threats"]["all"]["leaked"]
    assert math.isfinite(leaked["mean"]) and math.isnan(leaked["low"]) and math.isnan(leaked["high"])
    with pytest.raises(ValueError):
        json.dumps(summary, allow_nan=False)  # NaN inside, as Python floats ...
    text = _json.dumps(summary)  # ... null outside
    document = strict_loads(text)
    assert document["threats"]["all"]["leaked"]["low"] is None
    folder = results.write(tmp_path / "one")
    strict_loads((folder / "summary.json").read_text())
    strict_loads((folder / "manifest.json").read_text())
    _, read_back, _ = read_folder(folder)
    assert math.isnan(read_back["threats"]["all"]["leaked"]["low"])  # null reads back as NaN


def test_run_json_is_strict_for_a_single_replication(tmp_path):
    from shieldwall.cli import app

    result = CliRunner().invoke(app, ["run", "tutorial", "--runs", "1", "--fidelity", "ideal", "--json",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    document = strict_loads(result.stdout)
    assert document["summary"]["p_zero_leakers"]["low"] is None
    assert document["summary"]["realisations"] == 1


def test_the_table_caption_says_how_many_realisations(tmp_path):
    from shieldwall.cli import app

    result = CliRunner().invoke(app, ["run", "tutorial", "--runs", "8", "--realisations", "4", "--fidelity",
                                      "ideal", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "95 % CI across 4 raid realisations" in " ".join(result.stdout.split())


def test_strict_json_helpers():
    data = {"a": float("nan"), "b": [np.float64("inf"), np.int64(3), np.bool_(True)], "c": {"x": -math.inf}}
    text = _json.dumps(data)
    assert strict_loads(text) == {"a": None, "b": [None, 3, True], "c": {"x": None}}
    back = _json.loads(_json.dumps({"e": {"mean": 1.0, "low": None, "high": 2.0}, "other": None}))
    assert math.isnan(back["e"]["low"]) and back["other"] is None


@pytest.mark.parametrize("fidelity, confirm_s", [("radar", 0.0), ("tracked", 10.0)])
def test_time_from_first_detection_to_the_picture(tmp_path, fidelity, confirm_s):
    # One radar with Pd 1 and a 10 s scan: the `tracked` fidelity's 2-of-3 track is firm on the
    # second look, one scan after the first detection; the picture adds the 7 s latency.
    import copy

    from shieldwall.results import summarise_folder
    from tests.conftest import FIXTURES

    data = copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text()))
    data["doctrine"]["track_latency_s"] = 7
    results = shieldwall.run(scenario_from(data), runs=6, seed=1, fidelity=fidelity, realisations=3)
    threats = results.tables["threats"]
    first, track = threats["first_detect_t_s"].to_numpy(), threats["track_t_s"].to_numpy()
    assert np.all(np.isfinite(first)) and np.all(first > 0)
    assert np.allclose(track - first, 7.0 + confirm_s, rtol=0, atol=1e-9)
    assert results.summary["detection_to_picture_s"]["mean"] == pytest.approx(7.0 + confirm_s)
    folder = results.write(tmp_path / fidelity)
    assert summarise_folder(folder)["detection_to_picture_s"]["mean"] == pytest.approx(7.0 + confirm_s)


def same_figures(a, b, path: str = "") -> None:
    """Every number of two summaries equal to a relative 1e-9 (NaN where the other is NaN)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            same_figures(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=0), path
    else:
        assert a == b, path


@pytest.mark.parametrize("scenario, runs", [("tutorial", 60), ("april-2024", 6)])
def test_the_summary_of_a_folder_is_that_of_its_tables_read_whole(tmp_path, scenario, runs):
    from shieldwall.results import TABLES, read_table, summarise_folder

    folder = shieldwall.run(scenario, runs=runs, seed=2, realisations=3, out=tmp_path / "r").folder
    tables = {name: read_table(folder, name) for name in TABLES}
    from_folder = summarise_folder(folder)
    same_figures(from_folder, summarise(tables))
    # Per-replication counts by label, zero where a replication has no row of the label.
    replications = tables["replications"].to_pandas().set_index("run")
    shots = tables["shots"].to_pandas()
    for interceptor, fired in shots.groupby("interceptor", observed=True).run.value_counts().groupby(level=0):
        per_run = fired.droplevel(0).reindex(replications.index, fill_value=0).to_numpy(float)
        expected = count_interval(per_run, replications["realisation"].to_numpy())
        assert from_folder["interceptors_by_type"][interceptor] == pytest.approx(vars(expected), rel=1e-9)
    launched = from_folder["threats"]["all"]["launched"]  # fixed by the scenario: exact
    assert launched["low"] == launched["mean"] == launched["high"] == replications["launched"].iloc[0]
