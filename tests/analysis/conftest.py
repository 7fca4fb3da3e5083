from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from shieldwall.scenario import parse_scenario

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIELDWALL_CACHE", str(tmp_path / "cache"))


def one_drone_data() -> dict:
    return copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text()))


def twins_data() -> dict:
    """Two identical partners, each with one identical battery at the same site, and a third
    partner with a sensor that nobody else can use and no fire unit (a null player)."""
    data = one_drone_data()
    data["partners"] = [
        {"id": "AAA", "name": "Twin A", "coordinator": True},
        {"id": "BBB", "name": "Twin B"},
        {"id": "CCC", "name": "Bystander", "anonymous": True, "alias": "Partner-C"},
    ]
    data["raid"]["waves"][0]["count"] = 3
    data["raid"]["waves"][0]["launch_window_s"] = [0, 200]
    data["sensors"] = [
        {"id": "radar", "owner": "CCC", "type": "test-radar", "platform": "ground",
         "position": [31.0, 35.0], "altitude_m": 20, "release_to": []},
        {"id": "radar-a", "owner": "AAA", "type": "test-radar", "platform": "ground",
         "position": [31.0, 35.0], "altitude_m": 20},
        {"id": "radar-b", "owner": "BBB", "type": "test-radar", "platform": "ground",
         "position": [31.0, 35.0], "altitude_m": 20},
    ]
    battery = data["fire_units"][0]
    data["fire_units"] = [{**battery, "id": "battery-a", "owner": "AAA", "magazine": 1},
                          {**battery, "id": "battery-b", "owner": "BBB", "magazine": 1}]
    data["agreements"] = [
        {"id": "a-to-b", "kind": "track-sharing", "grantor": "AAA", "parties": ["AAA", "BBB"]},
        {"id": "b-to-a", "kind": "track-sharing", "grantor": "BBB", "parties": ["BBB", "AAA"]},
    ]
    return data


def scenario_of(data: dict):
    return parse_scenario(yaml.safe_dump(data), "<test>")
