"""The bundled catalog and scenarios: they load, every number has its provenance, and the raids
match the public figures they were built from (see docs/scenarios.md)."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import BaseModel

from shieldwall import geo
from shieldwall.scenario import (
    BUNDLED_SCENARIOS,
    Catalog,
    Scenario,
    Sourced,
    bundled_catalog,
    dump_scenario,
    load_scenario,
)

# Real states of the Gulf: an anonymous partner must not be named after, or coded as, one of them.
GULF_STATE_CODES = {"SAU", "ARE", "QAT", "BHR", "KWT", "OMN"}
GULF_STATE_WORDS = ("saudi", "arabia", "emirat", "qatar", "bahrain", "kuwait", "oman", "riyadh", "doha", "abu dhabi")


@pytest.fixture(scope="module", params=BUNDLED_SCENARIOS)
def scenario(request) -> Scenario:
    return load_scenario(request.param)


@pytest.fixture(scope="module")
def april() -> Scenario:
    return load_scenario("april-2024")


@pytest.fixture(scope="module")
def october() -> Scenario:
    return load_scenario("october-2024")


def counts_by_class(scenario: Scenario) -> Counter:
    counts: Counter = Counter()
    for wave in scenario.raid.waves:
        counts[scenario.catalog.threats[wave.threat].threat_class] += wave.count
    return counts


def leaves(node, path: str = ""):
    """Every (path, leaf) inside a model, dict or list, depth first; a Sourced value is a leaf."""
    if isinstance(node, BaseModel) and not isinstance(node, Sourced):
        for name in type(node).model_fields:
            yield from leaves(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from leaves(value, f"{path}.{index}")
    else:
        yield path, node


def sourced_values(node):
    """Every (path, Sourced) inside a model."""
    return ((path, leaf) for path, leaf in leaves(node) if isinstance(leaf, Sourced))


def bare_numbers(node):
    """Every (path, number) inside a catalog model that is not wrapped in a Sourced value."""
    return ((path, leaf) for path, leaf in leaves(node)
            if isinstance(leaf, (int, float)) and not isinstance(leaf, bool))


# --------------------------------------------------------------------------- loading


def test_every_bundled_scenario_loads(scenario):
    assert isinstance(scenario, Scenario)
    assert scenario.name in BUNDLED_SCENARIOS
    assert counts_by_class(scenario)


def test_catalog_has_the_required_types():
    catalog = bundled_catalog()
    for interceptor in ("tamir", "stunner", "arrow-2", "arrow-3", "thaad", "pac-3-mse", "sm-3", "sm-6", "aim-9x-cap"):
        assert interceptor in catalog.interceptors
    for threat in ("shahed-136", "paveh", "ghadr", "kheibar-shekan"):
        assert threat in catalog.threats
    kinds = {sensor.kind for sensor in catalog.sensors.values()}
    assert kinds == {"surveillance-radar", "fire-control-radar", "airborne-early-warning", "space-launch-warning"}


# --------------------------------------------------------------------------- provenance


def test_every_catalog_value_has_a_source_or_a_notional_reason():
    catalog = bundled_catalog()
    values = list(sourced_values(catalog))
    assert len(values) > 100
    for path, value in values:
        assert value.notional or value.source, path
        # A bare number would be recorded as "given in scenario file": not good enough for the catalog.
        assert value.source != "given in scenario file", f"{path}: bare number in the catalog"
        if value.source and not value.notional:
            assert value.date, f"{path}: a public source needs its date"
        if value.notional:
            assert len(value.notional.split()) >= 2, f"{path}: say why the value is notional"


def test_every_catalog_number_is_sourced():
    """Only the layer index may be a plain number in a catalog type."""
    catalog = bundled_catalog()
    for path, _ in bare_numbers(catalog):
        assert path.endswith(".layer"), f"{path} is a number without provenance"


def test_kill_probabilities_are_notional():
    """No public source gives a single-shot kill probability; none may pretend otherwise."""
    for name, interceptor in bundled_catalog().interceptors.items():
        for cls, pk in interceptor.kill_probability.items():
            assert pk.notional, f"{name}.kill_probability.{cls}"


def test_scenario_catalogs_keep_provenance(scenario):
    for path, value in sourced_values(Catalog.model_validate(scenario.catalog.model_dump(by_alias=True))):
        assert value.source != "given in scenario file", path


def test_every_scenario_names_its_sources(scenario):
    assert scenario.sources


# --------------------------------------------------------------------------- raids against the public figures


def test_april_raid_matches_public_ranges(april):
    counts = counts_by_class(april)
    assert 170 <= counts["drone"] <= 185
    assert 30 <= counts["cruise"] <= 36
    assert 110 <= counts["ballistic"] <= 130


def test_april_drones_launch_first_and_ballistic_last(april):
    first = {}
    for wave in april.raid.waves:
        cls = april.catalog.threats[wave.threat].threat_class
        first[cls] = min(first.get(cls, float("inf")), wave.launch_window_s[0])
    assert first["drone"] < first["cruise"] < first["ballistic"]


def test_april_about_half_the_ballistic_missiles_fail(april):
    launched = reliable = 0.0
    for wave in april.raid.waves:
        threat = april.catalog.threats[wave.threat]
        if threat.threat_class == "ballistic":
            launched += wave.count
            reliable += wave.count * threat.reliability.value
    assert 0.35 <= 1 - reliable / launched <= 0.65


def test_october_raid_matches_public_ranges(october):
    counts = counts_by_class(october)
    assert 180 <= counts["ballistic"] <= 200
    assert counts["drone"] == 0
    assert counts["cruise"] == 0


def test_october_has_no_thaad(october):
    assert all(unit.interceptor != "thaad" for unit in october.fire_units)


def test_first_combat_use_of_sm3_in_april(april):
    ships = [u for u in april.fire_units if u.interceptor == "sm-3"]
    assert len(ships) == 2 and all(u.owner == "USA" and u.platform == "ship" for u in ships)


# --------------------------------------------------------------------------- coalition structure


@pytest.mark.parametrize("name", ["april-2024", "october-2024"])
def test_uk_requires_authority_and_has_an_agreement(name):
    scenario = load_scenario(name)
    uk = next(p for p in scenario.partners if p.id == "GBR")
    assert uk.requires_authority
    assert any(a.kind == "engagement-authority" and "GBR" in a.parties for a in scenario.agreements)


def test_uk_authority_comes_after_the_first_launches_in_april(april):
    first_launch = min(w.launch_window_s[0] for w in april.raid.waves)
    starts = [a.in_force_from_s for a in april.agreements if a.kind == "engagement-authority" and "GBR" in a.parties]
    assert min(starts) > first_launch


@pytest.mark.parametrize("name", ["april-2024", "october-2024"])
def test_jordan_engages_only_over_its_own_airspace(name):
    jordan = next(p for p in load_scenario(name).partners if p.id == "JOR")
    assert jordan.engages_only_over_own_airspace


@pytest.mark.parametrize("name", ["april-2024", "october-2024"])
def test_coordinator_is_the_united_states(name):
    assert [p.id for p in load_scenario(name).partners if p.coordinator] == ["USA"]


def test_anonymous_partners_never_appear_by_name(scenario):
    text = dump_scenario(scenario)
    for partner in scenario.partners:
        if not partner.anonymous:
            continue
        assert partner.name not in text
        assert partner.id not in text
        assert partner.alias in text
        assert partner.id not in GULF_STATE_CODES
        for word in GULF_STATE_WORDS:
            assert word not in partner.name.lower()
            assert word not in partner.alias.lower()


@pytest.mark.parametrize("name", ["april-2024", "october-2024"])
def test_gulf_partner_shares_tracks_but_not_its_airspace(name):
    scenario = load_scenario(name)
    anonymous = [p.id for p in scenario.partners if p.anonymous]
    assert anonymous
    for pid in anonymous:
        kinds = {a.kind for a in scenario.agreements if a.grantor == pid}
        assert "track-sharing" in kinds
        assert "airspace-engagement" not in kinds
        assert any(a.owner == pid for a in scenario.airspaces)
        for sensor in scenario.sensors:
            if sensor.owner == pid:
                assert sensor.release_to == ["USA"]


def test_nobody_intercepts_over_the_launching_state(scenario):
    for airspace in scenario.airspaces:
        if airspace.country == "IRN":
            assert airspace.owner is None and airspace.open_to == []


def test_fighter_stations_are_permitted(scenario):
    """Each patrol station lies in its own airspace, an open one, one whose owner granted
    overflight, or international airspace."""
    boundaries = geo.load_boundaries()
    from shapely import Polygon

    shapes = [
        boundaries[a.country] if a.country else Polygon([(lon, lat) for lat, lon in a.polygon])
        for a in scenario.airspaces
    ]
    airspace_map = geo.AirspaceMap(list(zip([a.id for a in scenario.airspaces], shapes)))
    for unit in scenario.fire_units:
        if unit.platform != "fighter-patrol":
            continue
        index = int(airspace_map.locate(unit.position[0], unit.position[1]))
        if index < 0:
            continue
        airspace = scenario.airspaces[index]
        open_to = airspace.open_to
        granted = any(
            a.kind == "overflight" and a.grantor == airspace.owner and unit.owner in a.parties
            for a in scenario.agreements
        )
        assert airspace.owner == unit.owner or open_to == "all" or unit.owner in open_to or granted, unit.id


def test_fighter_magazines_follow_the_reported_load(april):
    """An F-15E carries 8 air-to-air missiles (CNN 2024); crews re-armed and flew back out: each
    aircraft on station has a second load at the base."""
    for unit in april.fire_units:
        if "f-15e" in unit.id:
            assert unit.patrol.missiles_per_aircraft.value == 8
            assert unit.magazine == 2 * 8 * unit.fire_channels
        elif unit.platform == "fighter-patrol":  # no stock beyond the loads on station
            assert unit.magazine == unit.patrol.missiles_per_aircraft.value * unit.fire_channels


# --------------------------------------------------------------------------- values against costs


@pytest.mark.parametrize("name", ["april-2024", "october-2024"])
def test_asset_values_make_the_cost_trade_meaningful(name):
    """A ballistic hit on any aimed-at asset risks more than an Arrow interceptor costs; a drone
    hit risks less than an SM-3 costs."""
    scenario = load_scenario(name)
    catalog = scenario.catalog
    assets = {a.id: a for a in scenario.assets}
    arrow = catalog.interceptors["arrow-3"].unit_cost_usd.value
    sm3 = catalog.interceptors["sm-3"].unit_cost_usd.value
    for wave in scenario.raid.waves:
        threat = catalog.threats[wave.threat]
        for target in wave.targets:
            asset = assets[target]
            p_hit = 1 - 0.5 ** ((asset.radius_m / threat.cep_m.value) ** 2)
            at_risk = asset.value_usd * threat.lethality.value * p_hit
            if threat.threat_class == "ballistic":
                assert at_risk > arrow, (wave.id, target)
            elif threat.threat_class == "drone":
                assert at_risk < sm3, (wave.id, target)


# --------------------------------------------------------------------------- tutorial


def test_tutorial_is_small():
    tutorial = load_scenario("tutorial")
    counts = counts_by_class(tutorial)
    assert counts["drone"] == 12 and counts["ballistic"] == 4
    assert 2 <= len(tutorial.partners) <= 3
    assert 2 <= len(tutorial.fire_units) <= 4
    assert len(tutorial.sensors) == 2
    assert any(a.open_to == [] and a.owner is None for a in tutorial.airspaces)
