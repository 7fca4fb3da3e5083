"""A small coalition with an anonymous partner and one-way track sharing, run once per session."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

import shieldwall
from shieldwall.scenario import parse_scenario

FIXTURE = Path(__file__).parents[1] / "fixtures" / "one-drone.yaml"
SECRET_ID, SECRET_NAME, ALIAS = "BBB", "Secret Kingdom", "Partner-X"


def coalition_scenario() -> dict:
    """AAA coordinates; CCC shares tracks with AAA only; the anonymous BBB shares with AAA only and
    its radar is released to AAA only; AAA shares with CCC. All three have a battery in range."""
    data = copy.deepcopy(yaml.safe_load(FIXTURE.read_text()))
    data["name"] = "coalition-test"
    data["description"] = f"test coalition with {SECRET_NAME} ({SECRET_ID}) anonymous"
    data["partners"] = [
        {"id": "AAA", "name": "Alphaland", "coordinator": True},
        {"id": SECRET_ID, "name": SECRET_NAME, "anonymous": True, "alias": ALIAS},
        {"id": "CCC", "name": "Charlieland"},
    ]
    data["agreements"] = [
        {"id": "b-to-a", "kind": "track-sharing", "grantor": SECRET_ID, "parties": [SECRET_ID, "AAA"]},
        {"id": "c-to-a", "kind": "track-sharing", "grantor": "CCC", "parties": ["CCC", "AAA"]},
        {"id": "a-to-c", "kind": "track-sharing", "grantor": "AAA", "parties": ["AAA", "CCC"]},
    ]
    data["airspaces"] = [{"id": "charlie-air", "owner": "CCC", "polygon": [[30.0, 35.5], [30.0, 36.5], [32.0, 36.5], [32.0, 35.5]],
                          "open_to": "all"}]
    data["sensors"][0]["id"] = "alpha-radar"
    data["sensors"].append({"id": "x-radar", "owner": SECRET_ID, "type": "test-radar", "platform": "ground",
                            "position": [31.2, 35.6], "altitude_m": 20, "release_to": ["AAA"]})
    data["sensors"].append({"id": "charlie-radar", "owner": "CCC", "type": "test-radar", "platform": "ground",
                            "position": [30.8, 35.4], "altitude_m": 20})
    base = data["fire_units"][0]
    data["fire_units"] = [
        {**base, "id": "alpha-battery", "magazine": 4},
        {**base, "id": "x-battery", "owner": SECRET_ID, "position": [31.05, 35.3], "magazine": 4},
        {**base, "id": "charlie-battery", "owner": "CCC", "position": [30.95, 35.3], "magazine": 4},
    ]
    wave = data["raid"]["waves"][0]
    data["raid"]["waves"] = [{**wave, "count": 8, "launch_area": {"center": [31.0, 36.0], "radius_m": 20000},
                              "launch_window_s": [0, 600]}]
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 0.5
    return data


@pytest.fixture(scope="session")
def scenario_data() -> dict:
    return coalition_scenario()


@pytest.fixture(scope="session")
def results_folder(tmp_path_factory, scenario_data) -> Path:
    scenario = parse_scenario(yaml.safe_dump(scenario_data), "coalition-test.yaml")
    folder = tmp_path_factory.mktemp("results") / "coalition"
    shieldwall.run(scenario, runs=12, seed=5, realisations=2).write(folder)
    (folder / "value.json").write_text(json.dumps({
        "measure": "value protected per raid (USD)", "method": "Shapley",
        "partners": [{"partner": "AAA", "value": {"mean": 3.0e6, "low": 2.0e6, "high": 4.0e6}},
                     {"partner": ALIAS, "value": {"mean": 1.0e6, "low": 0.5e6, "high": 1.5e6}},
                     {"partner": "CCC", "value": {"mean": 2.0e6, "low": 1.0e6, "high": 3.0e6}}]}))
    (folder / "compare.json").write_text(json.dumps({
        "baseline": "as planned",
        "variants": [
            {"name": "as planned", "estimates": {"leaked": {"mean": 1.0, "low": 0.5, "high": 1.5}}},
            {"name": "without CCC", "partners": ["CCC"], "estimates": {"leaked": {"mean": 2.0, "low": 1.5, "high": 2.5}}},
            {"name": f"without {ALIAS}", "partners": [ALIAS], "estimates": {"leaked": {"mean": 1.4, "low": 1.0, "high": 1.8}}}]}))
    return folder
