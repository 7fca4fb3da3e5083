"""Overlays make the intended changes, and coalitions withdraw what a partner brings."""

from __future__ import annotations

import pytest

from shieldwall.analysis.variants import (
    Overlay,
    apply_overlay,
    coalition_variant,
    load_overlay,
    overlay_from_flags,
    parse_duration_s,
    restrict,
)
from shieldwall.scenario import ScenarioError, load_scenario


@pytest.fixture(scope="module")
def april():
    return load_scenario("april-2024")


def flags(scenario, **changes):
    args = dict(without=[], deny_airspace=[], grant_airspace=[], authority_delay=[], withdraw=[], magazine=[])
    args.update(changes)
    mode = args.pop("mode", None)
    return apply_overlay(scenario, overlay_from_flags(scenario, "v", **args, mode=mode, successor=None))


def test_durations():
    assert parse_duration_s("2h") == 7200 and parse_duration_s("30min") == 1800
    assert parse_duration_s("1.5d") == 129600 and parse_duration_s(90) == 90
    with pytest.raises(ValueError):
        parse_duration_s("soon")


def test_without_a_partner_withdraws_its_units_sensors_and_grants(april):
    v = flags(april, without=["JOR"])
    s = v.scenario
    assert [p.id for p in s.partners] == [p.id for p in april.partners]  # labels line up
    assert not [u for u in s.fire_units if u.owner == "JOR"]
    assert not [x for x in s.sensors if x.owner == "JOR"]
    assert not [a for a in s.agreements if a.grantor == "JOR"]
    assert all("JOR" not in a.parties for a in s.agreements)
    jordan = next(a for a in s.airspaces if a.id == "jordan")
    assert jordan.open_to == []
    assert s.raid == april.raid and s.assets == april.assets
    assert v.coordination == "coordinated"


def test_without_the_coordinator_the_others_fight_independently(april):
    scenario, mode = restrict(april, [p.id for p in april.partners if p.id != "USA"])
    assert mode == "independent"
    scenario, mode = restrict(april, ["ISR", "GBR"], successor="ISR")
    assert mode == "coordinated" and next(p for p in scenario.partners if p.coordinator).id == "ISR"


def test_engagement_authority_lapses_without_its_counterpart(april):
    scenario, _ = restrict(april, ["USA", "GBR"])
    assert not [a for a in scenario.agreements if a.kind == "engagement-authority"]
    scenario, _ = restrict(april, ["USA", "GBR", "ISR"])
    assert [a.id for a in scenario.agreements if a.kind == "engagement-authority"] == ["gbr-isr-exchange-of-letters"]


def test_deny_and_grant_airspace(april):
    denied = flags(april, deny_airspace=["JOR"]).scenario
    assert "jor-airspace-engagement" not in {a.id for a in denied.agreements}
    assert "jor-overflight" in {a.id for a in denied.agreements}  # patrols may still fly
    only_gbr = flags(april, deny_airspace=["jordan=GBR"]).scenario
    kept = next(a for a in only_gbr.agreements if a.id == "jor-airspace-engagement")
    assert "GBR" not in kept.parties and "USA" in kept.parties
    granted = flags(april, grant_airspace=["iran=USA"]).scenario
    assert next(a for a in granted.airspaces if a.id == "iran").open_to == ["USA"]


def test_authority_delay_magazine_and_mode(april):
    v = flags(april, authority_delay=["GBR=2h"], magazine=["arrow-3=10", "usa-ddg-1-sm-3=2"], mode="independent")
    letters = next(a for a in v.scenario.agreements if a.id == "gbr-isr-exchange-of-letters")
    assert letters.in_force_from_s == 18000 + 7200
    assert {u.magazine for u in v.scenario.fire_units if u.interceptor == "arrow-3"} == {10}
    assert next(u for u in v.scenario.fire_units if u.id == "usa-ddg-1-sm-3").magazine == 2
    assert v.coordination == "independent" and v.scenario.coordination == "independent"
    assert "delay GBR by 2h" in v.changes


def test_flags_combine_as_in_the_documented_example(april):
    # shieldwall compare april-2024 --without GBR --deny-airspace JOR --authority-delay GBR=2h
    v = flags(april, without=["GBR"], deny_airspace=["JOR"], authority_delay=["GBR=2h"])
    assert not any(u.owner == "GBR" for u in v.scenario.fire_units)
    assert not any(a.kind == "engagement-authority" and "GBR" in a.parties for a in v.scenario.agreements)
    with pytest.raises(ScenarioError, match="XYZ"):
        flags(april, authority_delay=["XYZ=2h"])


def test_anonymous_partner_keeps_its_alias(april):
    v = flags(april, without=["Partner-A"])
    assert not [x for x in v.scenario.sensors if x.owner == "GPA"]
    assert "GPA" not in v.name + " ".join(v.changes) and "Partner-A" in " ".join(v.changes)
    assert "Gulf" not in coalition_variant(april, ["GPA", "USA"]).name


def test_overlay_file_adds_a_battery(april, tmp_path):
    path = tmp_path / "thaad.yaml"
    path.write_text(
        "name: thaad\n"
        "add_fire_units:\n"
        "  - {id: usa-thaad, owner: USA, interceptor: thaad, platform: ground, position: [31.2, 35.0],\n"
        "     magazine: 48, fire_channels: 4, reaction_time_s: 20}\n"
        "delay_agreements:\n  - {agreement: gbr-isr-exchange-of-letters, delay_s: 30min}\n")
    v = apply_overlay(april, load_overlay(path), str(path))
    assert v.scenario.fire_units[-1].id == "usa-thaad"
    assert len(v.scenario.fire_units) == len(april.fire_units) + 1


def test_overlay_errors_name_the_file_and_the_path(april, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nremove_partner: [GBR]\n")
    with pytest.raises(ScenarioError) as error:
        load_overlay(path)
    assert "bad.yaml" in str(error.value) and "remove_partner" in str(error.value)
    path.write_text("name: bad\nremove_partners: [XXX]\nadd_fire_units:\n"
                    "  - {id: x, owner: USA, interceptor: nope, platform: ground, position: [31, 35],\n"
                    "     magazine: 1, fire_channels: 1, reaction_time_s: 1}\n")
    with pytest.raises(ScenarioError) as error:
        apply_overlay(april, load_overlay(path), str(path))
    assert "remove_partners.0" in str(error.value) and "line 2" in str(error.value)
    with pytest.raises(ScenarioError, match="interceptor"):
        apply_overlay(april, Overlay(name="x", add_fire_units=[
            {"id": "x", "owner": "USA", "interceptor": "nope", "platform": "ground", "position": [31, 35],
             "magazine": 1, "fire_channels": 1, "reaction_time_s": 1}]))


def test_removing_a_unit_removes_the_provenance_of_its_numbers():
    from shieldwall.analysis import Overlay, apply_overlay
    from shieldwall.scenario import load_scenario

    base = load_scenario("april-2024")
    assert "fire_units.isr-arrow-2-south.magazine" in base.provenance
    for overlay in (Overlay(name="without a unit", remove_fire_units=["isr-arrow-2-south"]),
                    Overlay(name="without a partner", remove_partners=["ISR"])):
        variant = apply_overlay(base, overlay, "test").scenario
        units = {u.id for u in variant.fire_units}
        assert "isr-arrow-2-south" not in units
        assert not [path for path in variant.provenance if path.split(".")[1] not in units | {a.id for a in variant.assets}]
        assert {u.id for u in base.fire_units if u.id in units} == units
