"""Sweeps: paths into the scenario and catalog, designs, common random numbers, SALib's indices,
the tidy table, figures and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.analysis.cli import app
from shieldwall.analysis.evaluate import Settings
from shieldwall.analysis.parameters import ParameterError, parameter, parse_setting, with_values
from shieldwall.analysis.sweep import design, sweep
from shieldwall.scenario import ScenarioError, load_scenario

from .conftest import one_drone_data, scenario_of

runner = CliRunner()
KP = "catalog.interceptors.test-missile.kill_probability.drone"
FAST = Settings(runs=40, seed=2, fidelity="ideal", realisations=4)


def drones(count: int = 1, magazine: int = 3):
    data = one_drone_data()
    data["raid"]["waves"][0]["count"] = count
    data["raid"]["waves"][0]["launch_window_s"] = [0, 100]
    data["fire_units"][0]["magazine"] = magazine
    return scenario_of(data)


# --------------------------------------------------------------------------- paths


def test_paths_reach_scenario_and_catalog_values():
    s = drones(count=4)
    assert parameter(s, "fire_units.battery.magazine").base == 3 and parameter(s, "fire_units.battery.magazine").integer
    assert parameter(s, KP).base == 0.6 and not parameter(s, KP).integer
    assert parameter(s, "raid.class.drone.count").base == 4
    changed = with_values(s, {KP: 0.8, "fire_units.battery.magazine": 7, "raid.waves.w1.count": 9})
    assert changed.catalog.interceptors["test-missile"].kill_probability["drone"].value == 0.8
    assert changed.catalog.interceptors["test-missile"].kill_probability["drone"].notional
    assert changed.fire_units[0].magazine == 7 and changed.raid.waves[0].count == 9
    assert s.fire_units[0].magazine == 3  # the original is untouched


def test_multiples_and_class_counts_shared_by_largest_remainder():
    october = load_scenario("october-2024")
    ballistic = parse_setting(october, "raid.class.ballistic.count=0.5x:3x:6")
    base = sum(w.count for w in october.raid.waves)  # every wave of october-2024 is ballistic
    assert (ballistic.low, ballistic.high) == (round(0.5 * base), 3 * base)
    doubled = with_values(october, {"raid.class.ballistic.count": 2 * base})
    assert [w.count for w in doubled.raid.waves] == [2 * w.count for w in october.raid.waves]
    three = with_values(drones(count=4), {"raid.class.drone.count": 3})
    assert three.raid.waves[0].count == 3


@pytest.mark.parametrize("text, error", [
    ("fire_units.nowhere.magazine=1:4", ParameterError),
    ("fire_units.battery.magzine=1:4", ParameterError),
    ("raid.class.ballistic.count=1:4", ParameterError),  # no ballistic wave
    ("fire_units.battery.magazine=-1:4", ScenarioError),  # the schema: magazine >= 0
    (f"{KP}=0.5:1.5", ScenarioError),  # a probability above 1
    ("fire_units.battery.magazine=4:1", ParameterError),
    ("fire_units.battery.magazine=a:b", ParameterError),
])
def test_bad_settings(text, error):
    with pytest.raises(error):
        parse_setting(drones(), text)


# --------------------------------------------------------------------------- designs


def test_designs_cover_the_box():
    s = drones()
    ranges = [parse_setting(s, "fire_units.battery.magazine=0:8:3"), parse_setting(s, f"{KP}=0.2:0.8:4")]
    assert len(design(ranges, "grid", 5, 0)) == 12
    oat = design(ranges, "oat", 5, 0)
    assert oat[0] == {"fire_units.battery.magazine": 3.0, KP: 0.6} and len(oat) == 5
    assert oat[3] == {"fire_units.battery.magazine": 3.0, KP: 0.2}
    lhs = design([parse_setting(s, f"{KP}=0.0:1.0")], "lhs", 10, 0)
    # Latin hypercube: one point in each tenth of the range.
    assert sorted(int(p[KP] * 10) for p in lhs) == list(range(10))
    assert len(design(ranges, "saltelli", 8, 0)) == 8 * (2 + 2)


# --------------------------------------------------------------------------- results


def test_kill_probability_sweep_matches_the_closed_form():
    """One round at one drone: P(no leaker) = p at each point, within its interval."""
    s = drones(magazine=1)
    report = sweep(s, [parse_setting(s, f"{KP}=0.2,0.5,0.8")], "grid", 3,
                   Settings(runs=400, seed=1, fidelity="ideal", realisations=4), cache=False)
    for point in report["results"]:
        p, e = point["values"][KP], point["measures"]["p_no_leaker"]
        assert e["low"] <= p <= e["high"]


def test_common_random_numbers_make_more_rounds_never_worse():
    """Points share their seeds, so the mean leakers cannot rise with the magazine (each
    replication's kill draws are the same at every stock)."""
    s = drones(count=3)
    report = sweep(s, [parse_setting(s, "fire_units.battery.magazine=0:6:7")], "grid", 7, FAST, cache=False)
    leaked = [p["measures"]["leaked"]["mean"] for p in report["results"]]
    assert leaked[0] == 3 and all(b <= a for a, b in zip(leaked, leaked[1:]))
    assert leaked[-1] < leaked[0]


def test_sobol_indices_and_tornado_where_the_answer_is_known():
    """No rounds and reliable drones: every threat leaks, so leakers = the raid size exactly;
    the kill probability has no effect at all (total index 0), the raid size all of it."""
    s = drones(count=4, magazine=0)
    ranges = [parse_setting(s, "raid.waves.w1.count=1:9"), parse_setting(s, f"{KP}=0.1:0.9")]
    report = sweep(s, ranges, "saltelli", 16, Settings(runs=4, seed=0, fidelity="ideal", realisations=2), cache=False)
    indices = report["sobol"]["leaked"]
    assert indices[KP]["ST"] == pytest.approx(0.0, abs=1e-12)
    assert indices[KP]["S1"] == pytest.approx(0.0, abs=1e-12)
    # SALib's estimators are exact for the parameter without effect; for the raid size they carry
    # the sampling error of 16 base points, so only "most of the variance" is asserted.
    assert indices["raid.waves.w1.count"]["ST"] > 0.5 and indices["raid.waves.w1.count"]["S1"] > 0.5
    oat = sweep(s, ranges, "oat", 1, Settings(runs=4, seed=0, fidelity="ideal", realisations=2), cache=False)
    count, kp = oat["tornado"]  # sorted by swing: the raid size first
    assert count["path"] == "raid.waves.w1.count"
    assert count["leaked"]["at_low"]["mean"] == 1 - 4 and count["leaked"]["at_high"]["mean"] == 9 - 4
    assert kp["leaked"]["at_low"]["mean"] == 0 == kp["leaked"]["at_high"]["mean"]


# --------------------------------------------------------------------------- command line


def _file(tmp_path, count=2):
    data = one_drone_data()
    data["raid"]["waves"][0]["count"] = count
    path = tmp_path / "drones.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_cli_writes_a_tidy_table_and_the_saturation_curve(tmp_path):
    folder = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", _file(tmp_path), "--set", "raid.waves.w1.count=1x:3x:3", "--runs", "8",
                                 "--fidelity", "ideal", "--realisations", "2", "--no-cache", "--out", str(folder),
                                 "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [p["values"]["raid.waves.w1.count"] for p in document["results"]] == [2, 4, 6]
    frame = pd.read_parquet(folder / "sweep.parquet")
    assert len(frame) == 3 * frame["measure"].nunique()
    assert {"point", "raid.waves.w1.count", "measure", "mean", "low", "high"} <= set(frame.columns)
    launched = frame[frame["measure"] == "leaked"]["mean"].to_numpy()
    assert np.all(launched <= np.array([2, 4, 6]))
    assert (folder / "saturation.png").stat().st_size > 0
    assert json.loads((folder / "sweep.json").read_text())["points"] == 3


@pytest.mark.parametrize("args, named", [
    (["--set", "fire_units.nowhere.magazine=1:4"], "--set fire_units.nowhere.magazine"),
    (["--set", "fire_units.battery.magazine=1:20000"], "--set fire_units.battery.magazine"),
    (["--set", "fire_units.battery.magazine"], "--set"),
    (["--set", "fire_units.battery.magazine=1:4", "--design", "fractal"], "--design"),
])
def test_cli_bad_input_is_one_line_and_exit_code_2(tmp_path, args, named):
    result = runner.invoke(app, ["sweep", _file(tmp_path), *args, "--runs", "4", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert named in result.output
    assert len(result.output.strip().splitlines()) == 1
