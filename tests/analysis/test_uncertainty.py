"""`run --uncertainty N`: parameter sets drawn from declared ranges, parameter spread beside Monte
Carlo spread."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.analysis.evaluate import Settings
from shieldwall.analysis.uncertainty import declared_ranges, uncertainty
from shieldwall.cli import app
from shieldwall.scenario import ScenarioError

from .conftest import one_drone_data, scenario_of

KP = "catalog.interceptors.test-missile.kill_probability.drone"


def with_range(low: float, high: float, magazine: int = 1) -> dict:
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"] = {
        "value": 0.5, "notional": "test fixture; range: test span", "range": [low, high]}
    data["fire_units"][0]["magazine"] = magazine
    return data


def test_declared_ranges_are_those_of_values_in_use():
    scenario = scenario_of(with_range(0.2, 0.8))
    assert [(r.path, r.low, r.high) for r in declared_ranges(scenario)] == [(KP, 0.2, 0.8)]
    # The bundled catalog declares ranges only for types this fixture does not use.
    assert all(r.path.startswith("catalog.interceptors.test-missile") for r in declared_ranges(scenario))


@pytest.mark.parametrize("kill_probability", [
    {"value": 0.5, "notional": "x", "range": [0.6, 0.9]},  # does not hold the value
    {"value": 0.5, "notional": "x", "range": [0.2, 1.2]},  # beyond a probability's bounds
])
def test_bad_ranges_are_refused(kill_probability):
    data = one_drone_data()
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"] = kill_probability
    with pytest.raises(ScenarioError):
        scenario_of(data)


def test_one_shot_spread_is_the_spread_of_the_kill_probability():
    """One round at one drone: a set's P(no leaker) is its kill probability, so the sets' answers
    follow the drawn kill probabilities and the parameter spread is their standard deviation."""
    scenario = scenario_of(with_range(0.2, 0.8))
    report = uncertainty(scenario, 6, Settings(runs=400, seed=4, fidelity="ideal", realisations=4), cache=False)
    drawn = np.array([v[KP] for v in report["set_values"]])
    assert np.all((drawn >= 0.2) & (drawn <= 0.8))
    # Latin hypercube: one draw in each sixth of the range.
    assert sorted(((drawn - 0.2) / 0.6 * 6).astype(int).tolist()) == list(range(6))
    p = report["measures"]["p_no_leaker"]
    per_set = np.array(p["per_set"])
    mc_sd = p["monte_carlo_sd"]
    assert 0 < mc_sd < 0.05  # about sqrt(p (1 - p) / 400) <= 0.025
    assert np.all(np.abs(per_set - drawn) < 4 * mc_sd)
    assert p["parameter_sd"] == pytest.approx(drawn.std(ddof=1), abs=0.03)
    assert p["parameter_sd"] > 5 * mc_sd


def test_no_rounds_no_parameter_spread():
    """Without a round the kill probability cannot matter: every set gives the same answer."""
    report = uncertainty(scenario_of(with_range(0.2, 0.8, magazine=0)), 4,
                         Settings(runs=10, seed=0, fidelity="ideal", realisations=2), cache=False)
    leaked = report["measures"]["leaked"]
    assert leaked["per_set"] == [1.0] * 4 and leaked["parameter_sd"] == 0.0 and leaked["sd_over_sets"] == 0.0


def test_run_uncertainty_command(tmp_path):
    path = tmp_path / "ranged.yaml"
    path.write_text(yaml.safe_dump(with_range(0.2, 0.8)))
    result = CliRunner().invoke(app, ["run", str(path), "--uncertainty", "3", "--runs", "20", "--fidelity", "ideal",
                                      "--realisations", "2", "--json", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {"parameter_sd", "monte_carlo_sd"} <= set(document["measures"]["leaked"])
    assert json.loads((tmp_path / "out" / "uncertainty.json").read_text())["sets"] == 3
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(one_drone_data()))
    result = CliRunner().invoke(app, ["run", str(plain), "--uncertainty", "3", "--runs", "4"])
    assert result.exit_code == 2 and "--uncertainty" in result.output
    assert len(result.output.strip().splitlines()) == 1
