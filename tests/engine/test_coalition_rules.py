"""Coalition rules: authority in force, airspace permission, overflight, track release, anonymity."""

from __future__ import annotations

import numpy as np

import shieldwall
from shieldwall.scenario import dump_scenario
from tests.engine.helpers import scenario_from

RUNS = 200
# The fixture's drone flies west along 31 N; the battery at 35.0 E first reaches it around
# t = 2,581 s (launch) and last around 3,799 s.
AUTHORITY_FROM_S = 3000.0
DENIED_BOX = [[30.9, 35.3], [31.1, 35.3], [31.1, 35.45], [30.9, 35.45]]  # lat, lon corners


def _with_second_partner(data: dict, **partner) -> dict:
    data["partners"].append({"id": "BBB", "name": "Second partner", **partner})
    data["fire_units"][0]["owner"] = "BBB"
    data["fire_units"][0]["magazine"] = 6
    return data


def _run(data, runs=RUNS, seed=1):
    return shieldwall.run(scenario_from(data), runs=runs, seed=seed, fidelity="ideal")


def test_no_engagement_before_the_authority_is_in_force(one_drone):
    data = _with_second_partner(one_drone, requires_authority=True)
    data["agreements"] = [{"id": "letters", "kind": "engagement-authority", "parties": ["AAA", "BBB"],
                           "in_force_from_s": AUTHORITY_FROM_S}]
    results = _run(data)
    launches = results.tables["shots"]["launch_t_s"].to_numpy()
    assert launches.size > 0 and launches.min() >= AUTHORITY_FROM_S
    refusals = results.tables["refusals"]
    reasons = set(refusals["reason"].to_pylist())
    assert reasons == {"no engagement authority in force"}
    assert refusals["t_s"].to_numpy().max() < AUTHORITY_FROM_S
    # Without any letter, BBB never engages and every surviving threat leaks.
    data["agreements"] = []
    results = _run(data)
    assert results.tables["shots"].num_rows == 0
    assert results.tables["replications"]["leaked"].to_numpy().sum() == RUNS


def test_no_intercept_inside_an_airspace_that_is_not_granted(one_drone):
    data = _with_second_partner(one_drone)
    data["partners"].append({"id": "CCC", "name": "Airspace owner"})
    data["airspaces"] = [{"id": "ccc-air", "owner": "CCC", "polygon": DENIED_BOX}]
    results = _run(data)
    shots = results.tables["shots"]
    assert shots.num_rows > 0
    assert set(shots["airspace"].to_pylist()) == {"international"}
    lon = shots["lon_deg"].to_numpy()
    assert not np.any((lon > 35.3) & (lon < 35.45))
    assert "intercept point in an airspace where engagement is not permitted" in set(
        results.tables["refusals"]["reason"].to_pylist())
    # Once the owner grants engagement there, intercepts inside it are allowed.
    data["agreements"] = [{"id": "grant", "kind": "airspace-engagement", "parties": ["CCC", "BBB"], "grantor": "CCC"}]
    results = _run(data)
    assert "ccc-air" in set(results.tables["shots"]["airspace"].to_pylist())
    assert results.tables["refusals"].num_rows == 0


def test_partner_engaging_only_over_its_own_airspace(one_drone):
    data = _with_second_partner(one_drone, engages_only_over_own_airspace=True)
    data["airspaces"] = [{"id": "bbb-air", "owner": "BBB", "polygon": DENIED_BOX}]
    results = _run(data)
    shots = results.tables["shots"]
    assert shots.num_rows > 0
    assert set(shots["airspace"].to_pylist()) == {"bbb-air"}
    lon = shots["lon_deg"].to_numpy()
    assert np.all((lon > 35.3) & (lon < 35.45))


def test_fighter_patrol_needs_overflight_of_its_station(one_drone):
    data = _with_second_partner(one_drone)
    data["partners"].append({"id": "CCC", "name": "Airspace owner"})
    data["airspaces"] = [{"id": "ccc-air", "owner": "CCC", "polygon": [[30.5, 35.6], [31.5, 35.6], [31.5, 35.9], [30.5, 35.9]]}]
    unit = data["fire_units"][0]
    unit.update(platform="fighter-patrol", position=[31.2, 35.75])
    data["agreements"] = [{"id": "grant", "kind": "airspace-engagement", "parties": ["CCC", "BBB"], "grantor": "CCC"}]
    results = _run(data)
    assert results.tables["shots"].num_rows == 0
    assert set(results.tables["refusals"]["reason"].to_pylist()) == {
        "patrol station in an airspace without overflight permission"}
    data["agreements"].append({"id": "over", "kind": "overflight", "parties": ["CCC", "BBB"], "grantor": "CCC",
                               "in_force_from_s": 2800})
    results = _run(data)
    assert results.tables["shots"]["launch_t_s"].to_numpy().min() >= 2800


def test_tracks_reach_the_coordinator_only_through_track_sharing(one_drone):
    data = _with_second_partner(one_drone)
    data["sensors"][0]["owner"] = "BBB"
    data["sensors"][0]["release_to"] = ["AAA"]
    results = _run(data)
    assert results.tables["shots"].num_rows == 0  # the coordinator's picture is empty
    assert np.all(np.isinf(results.tables["threats"]["track_t_s"].to_numpy()))
    data["agreements"] = [{"id": "share", "kind": "track-sharing", "parties": ["BBB", "AAA"], "grantor": "BBB",
                           "in_force_from_s": 2900}]
    results = _run(data)
    assert results.tables["shots"]["launch_t_s"].to_numpy().min() >= 2900
    # A sensor its owner does not release stays dark to the coordinator even with an agreement.
    data["sensors"][0]["release_to"] = []
    assert _run(data).tables["shots"].num_rows == 0


def test_anonymous_partner_appears_only_under_its_alias(one_drone):
    data = _with_second_partner(one_drone, anonymous=True, alias="Partner-X")
    data["partners"][1]["name"] = "Secretland"
    data["partners"][1]["id"] = "SEC"
    data["fire_units"][0]["owner"] = "SEC"
    data["fire_units"][0]["id"] = "SEC-battery"
    scenario = scenario_from(data)
    results = shieldwall.run(scenario, runs=20, seed=2, fidelity="ideal")
    text = dump_scenario(scenario)
    assert "Secretland" not in text and "SEC" not in text and "Partner-X" in text
    partners = set(results.tables["shots"]["partner"].to_pylist())
    assert partners == {"Partner-X"}
    assert not any("SEC" in u for u in results.tables["shots"]["unit"].to_pylist())
    assert results.tables["threats"]["by_partner"].chunk(0).dictionary.to_pylist() == ["AAA", "Partner-X"]
