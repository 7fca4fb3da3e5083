"""Provenance of scenario numbers: every bundled magazine, fire-channel count, reaction time and
asset value says where it comes from; users' bare numbers stay valid and are traced to their file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.analysis.parameters import with_values
from shieldwall.cli import app
from shieldwall.scenario import ScenarioError, load_scenario, parse_scenario
from shieldwall.scenario.provenance import GIVEN, scenario_numbers

FIXTURES = Path(__file__).parents[1] / "fixtures"
DATA = Path(str(resources.files("shieldwall") / "data"))
BUNDLED_FILES = sorted(DATA.glob("scenarios/*.yaml")) + [
    p for p in sorted(DATA.glob("campaigns/*.yaml")) if "fire_units" in yaml.safe_load(p.read_text())]


def one_drone() -> dict:
    return yaml.safe_load((FIXTURES / "one-drone.yaml").read_text())


def parse(data: dict):
    return parse_scenario(yaml.safe_dump(data), "<test>")


def test_the_bundled_files_are_all_checked():
    names = {p.stem for p in BUNDLED_FILES}
    assert {"april-2024", "october-2024", "tutorial", "june-2025-salvo-30", "june-2025-drones-100"} <= names


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.stem)
def test_every_bundled_number_that_reaches_the_engine_has_provenance(path):
    scenario = load_scenario(path)
    rows = scenario_numbers(scenario)
    # The engine reads these four numbers of every fire unit and asset: all of them are listed.
    assert len(rows) == 3 * len(scenario.fire_units) + len(scenario.assets)
    bare = [row["path"] for row in rows if not row["explicit"]]
    assert not bare, f"{path.name}: numbers without a source or a notional note: {bare}"
    for row in rows:
        note = scenario.provenance[row["path"]]
        assert (note.source or "").strip() or (note.notional or "").strip()


def test_a_bare_number_is_recorded_as_given_in_the_file():
    rows = {row["path"]: row for row in scenario_numbers(parse(one_drone()))}
    assert rows["fire_units.battery.magazine"] == {"path": "fire_units.battery.magazine", "value": 3,
                                                   "provenance": GIVEN, "explicit": False}
    assert rows["assets.base.value_usd"]["provenance"] == GIVEN


def test_a_number_written_with_its_source_in_place():
    data = one_drone()
    data["fire_units"][0]["magazine"] = {"value": 5, "source": "a public page", "date": "2024"}
    data["assets"][0]["value_usd"] = {"value": 2.0e9, "notional": "order of magnitude"}
    scenario = parse(data)
    assert scenario.fire_units[0].magazine == 5 and isinstance(scenario.fire_units[0].magazine, int)
    assert scenario.assets[0].value_usd == 2.0e9
    rows = {row["path"]: row for row in scenario_numbers(scenario)}
    assert rows["fire_units.battery.magazine"]["provenance"] == "a public page (2024)"
    assert rows["assets.base.value_usd"]["provenance"] == "notional: order of magnitude"
    # The schema's bounds still apply to the number.
    data["fire_units"][0]["magazine"] = {"value": -1, "source": "x"}
    with pytest.raises(ScenarioError):
        parse(data)


@pytest.mark.parametrize("provenance", [
    {"fire_units.nowhere.magazine": {"notional": "x"}},
    {"fire_units.battery.position": {"notional": "x"}},
    {"fire_units.battery.magazine": {"date": "2024"}},  # neither source nor notional
])
def test_bad_provenance_is_refused(provenance):
    data = one_drone()
    data["provenance"] = provenance
    with pytest.raises(ScenarioError):
        parse(data)


def test_a_value_set_by_a_sweep_loses_its_old_note():
    october = load_scenario("october-2024")
    changed = with_values(october, {"fire_units.isr-arrow-3-central.magazine": 10})
    assert "fire_units.isr-arrow-3-central.magazine" in changed.provenance["fire_units.isr-arrow-3-central.magazine"].notional
    assert changed.provenance["fire_units.isr-arrow-3-south.magazine"] == october.provenance[
        "fire_units.isr-arrow-3-south.magazine"]


def test_catalog_lists_a_scenarios_numbers():
    result = CliRunner().invoke(app, ["catalog", "--scenario", "october-2024", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {row["path"]: row for row in document["numbers"]}
    october = load_scenario("october-2024")
    assert rows["fire_units.usa-ddg-1-sm-3.magazine"]["value"] == october.fire_units[8].magazine
    assert all(row["explicit"] for row in document["numbers"])
    result = CliRunner().invoke(app, ["catalog", "--scenario", "no-such-scenario"])
    assert result.exit_code == 2


def test_a_magazine_set_by_an_overlay_loses_its_old_note():
    from shieldwall.analysis.variants import apply_overlay, overlay_from_flags

    october = load_scenario("october-2024")
    overlay = overlay_from_flags(october, "deeper", [], [], [], [], [], ["arrow-3=10"], None, None)
    variant = apply_overlay(october, overlay, "command line").scenario
    for unit in ("isr-arrow-3-central", "isr-arrow-3-south"):
        assert variant.provenance[f"fire_units.{unit}.magazine"].notional == "set by overlay 'deeper'"
    assert variant.provenance["fire_units.isr-arrow-2-central.magazine"] == october.provenance[
        "fire_units.isr-arrow-2-central.magazine"]
