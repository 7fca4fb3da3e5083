"""Rules bounded in time and space: a fire unit's availability window, the end of an agreement,
the airspace ceiling, and a fire unit that may not engage on another partner's track.

All on the one-drone fixture: a drone flies west along 31 N at 50 m/s and 1,000 m towards a base
at 35.0 E, seen from 1,840 s on by the base's radar (100 km); the battery there can first launch
at about 2,560 s (60 km out) and last at about 3,800 s. Each test also runs the unrestricted case,
to show that the restriction is what changes the outcome.
"""

from __future__ import annotations

import numpy as np
import pytest

import shieldwall
from shieldwall.battle.rules import REASON_TEXT, Reason
from shieldwall.engine import compile_world
from tests.engine.helpers import scenario_from

RUNS = 200
BOX = (30.9, 31.1, 35.3, 35.45)  # lat and lon bounds; the drone is over it from about 2,960 s to 3,250 s


def _run(data, runs=RUNS, seed=1):
    return shieldwall.run(scenario_from(data), runs=runs, seed=seed, fidelity="ideal")


def _second_partner(data: dict, **partner) -> dict:
    """The battery handed to a second partner BBB, with rounds enough to keep shooting."""
    data["partners"].append({"id": "BBB", "name": "Second partner", **partner})
    data["fire_units"][0].update(owner="BBB", magazine=8)
    return data


def _box_airspace(owner: str | None = None) -> dict:
    lat0, lat1, lon0, lon1 = BOX
    return {"id": "box", **({"owner": owner} if owner else {"open_to": []}),
            "polygon": [[lat0, lon0], [lat1, lon0], [lat1, lon1], [lat0, lon1]]}


def _in_box(shots) -> np.ndarray:
    lat, lon = shots["lat_deg"].to_numpy(), shots["lon_deg"].to_numpy()
    return (lat > BOX[0]) & (lat < BOX[1]) & (lon > BOX[2]) & (lon < BOX[3])


def _reasons(results) -> set[str]:
    return set(results.tables["refusals"]["reason"].to_pylist())


# --------------------------------------------------------------------------- availability

@pytest.mark.parametrize("available_from_s,available_until_s", [(3000.0, 3300.0), (0.0, 2800.0), (3300.0, None)])
def test_a_fire_unit_launches_only_inside_its_availability_window(one_drone, available_from_s, available_until_s):
    one_drone["fire_units"][0]["magazine"] = 8
    free = _run(one_drone).tables["shots"]["launch_t_s"].to_numpy()
    until = np.inf if available_until_s is None else available_until_s
    assert np.any((free < available_from_s) | (free > until))  # the window does restrict this unit
    one_drone["fire_units"][0].update(available_from_s=available_from_s, available_until_s=available_until_s)
    results = _run(one_drone)
    launches = results.tables["shots"]["launch_t_s"].to_numpy()
    assert launches.size > 0
    assert launches.min() >= available_from_s and launches.max() <= until
    assert _reasons(results) == {REASON_TEXT[Reason.UNIT_UNAVAILABLE]}
    refused_t_s = results.tables["refusals"]["t_s"].to_numpy()
    assert np.all((refused_t_s < available_from_s) | (refused_t_s > until))


# --------------------------------------------------------------------------- agreement expiry

def test_engagement_authority_ends_when_its_agreement_does(one_drone):
    data = _second_partner(one_drone, requires_authority=True)
    letters = {"id": "letters", "kind": "engagement-authority", "parties": ["AAA", "BBB"]}
    data["agreements"] = [letters]
    assert _run(data).tables["shots"]["launch_t_s"].to_numpy().max() > 2700.0
    letters["in_force_until_s"] = 2700.0
    results = _run(data)
    launches = results.tables["shots"]["launch_t_s"].to_numpy()
    assert launches.size > 0 and launches.max() <= 2700.0
    assert _reasons(results) == {REASON_TEXT[Reason.NO_AUTHORITY]}
    assert results.tables["refusals"]["t_s"].to_numpy().min() > 2700.0


def test_airspace_engagement_ends_when_its_grant_does(one_drone):
    # A 40 km battery first reaches the drone over the box, owned by CCC, who grants BBB
    # engagement there until 3,100 s.
    data = _second_partner(one_drone)
    data["catalog"]["interceptors"]["test-missile"]["max_range_m"]["value"] = 40_000
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 0.3
    data["partners"].append({"id": "CCC", "name": "Airspace owner"})
    data["airspaces"] = [_box_airspace("CCC")]
    grant = {"id": "grant", "kind": "airspace-engagement", "parties": ["CCC", "BBB"], "grantor": "CCC"}
    data["agreements"] = [grant]
    shots = _run(data).tables["shots"]
    intercept = shots["intercept_t_s"].to_numpy()
    assert np.any(_in_box(shots) & (intercept > 3100.0))
    grant["in_force_until_s"] = 3100.0
    results = _run(data)
    shots = results.tables["shots"]
    intercept, in_box = shots["intercept_t_s"].to_numpy(), _in_box(shots)
    assert np.any(in_box & (intercept <= 3100.0))  # granted, before the end
    assert not np.any(in_box & (intercept > 3100.0))
    assert np.any(~in_box & (intercept > 3100.0))  # west of the box, international again
    assert set(shots["airspace"].to_numpy(zero_copy_only=False)[in_box]) == {"box"}
    assert REASON_TEXT[Reason.AIRSPACE_DENIED] in _reasons(results)


def test_overflight_ends_when_its_grant_does(one_drone):
    data = _second_partner(one_drone)
    data["partners"].append({"id": "CCC", "name": "Airspace owner"})
    data["airspaces"] = [{"id": "ccc-air", "owner": "CCC",
                          "polygon": [[30.5, 35.6], [31.5, 35.6], [31.5, 35.9], [30.5, 35.9]]}]
    data["fire_units"][0].update(platform="fighter-patrol", position=[31.2, 35.75])
    overflight = {"id": "over", "kind": "overflight", "parties": ["CCC", "BBB"], "grantor": "CCC"}
    grant = {"id": "grant", "kind": "airspace-engagement", "parties": ["CCC", "BBB"], "grantor": "CCC"}
    data["agreements"] = [grant, overflight]
    assert _run(data).tables["shots"]["launch_t_s"].to_numpy().max() > 1950.0
    overflight["in_force_until_s"] = 1950.0
    results = _run(data)
    launches = results.tables["shots"]["launch_t_s"].to_numpy()
    assert launches.size > 0 and launches.max() <= 1950.0
    assert _reasons(results) == {REASON_TEXT[Reason.NO_OVERFLIGHT]}


def test_tracks_detected_after_a_track_sharing_agreement_ended_are_not_released(one_drone):
    # BBB's radar sees the drone from 1,840 s; it shared its tracks with the coordinator only
    # until 1,000 s, so the coordinator never holds the drone and its battery never fires.
    data = _second_partner(one_drone)
    data["fire_units"][0]["owner"] = "AAA"
    data["sensors"][0].update(owner="BBB", release_to=["AAA"])
    share = {"id": "share", "kind": "track-sharing", "parties": ["BBB", "AAA"], "grantor": "BBB"}
    data["agreements"] = [share]
    assert _run(data).tables["shots"].num_rows > 0
    share["in_force_until_s"] = 1000.0
    results = _run(data)
    assert np.all(np.isinf(results.tables["threats"]["track_t_s"].to_numpy()))
    assert results.tables["shots"].num_rows == 0


# --------------------------------------------------------------------------- airspace ceiling

@pytest.mark.parametrize("ceiling_m,above", [(900.0, True), (1100.0, False), (None, False)])
def test_intercepts_above_the_airspace_ceiling_are_outside_every_national_airspace(one_drone, ceiling_m, above):
    # The box belongs to nobody and is open to no one; the drone cruises over it at 1,000 m.
    # Above the ceiling the intercept point is international, so the box does not forbid it.
    data = one_drone
    data["catalog"]["interceptors"]["test-missile"]["max_range_m"]["value"] = 40_000
    data["fire_units"][0]["magazine"] = 8
    data["airspaces"] = [_box_airspace()]
    if ceiling_m is not None:
        data["airspace_ceiling_m"] = ceiling_m
    results = _run(data)
    shots = results.tables["shots"]
    in_box = _in_box(shots)
    assert shots.num_rows > 0
    assert set(shots["airspace"].to_pylist()) == {"international"}
    if above:
        assert in_box.any()
        assert results.tables["refusals"].num_rows == 0
    else:
        assert not in_box.any()
        assert _reasons(results) == {REASON_TEXT[Reason.AIRSPACE_DENIED]}


# --------------------------------------------------------------------------- engage-on-remote

@pytest.mark.parametrize("own_radar", [True, False])
def test_a_unit_that_may_not_engage_on_remote_tracks_waits_for_its_own(one_drone, own_radar):
    # The coordinator's radar sees the drone from 1,840 s. BBB's battery may fire only on BBB's
    # own picture: its short-range radar (45 km) sees the drone at about 2,920 s, some 360 s after
    # the battery's first opportunity.
    data = _second_partner(one_drone)
    radars = data["catalog"]["sensors"]
    radars["short-radar"] = dict(radars["test-radar"], range_m={"drone": {"value": 45_000, "notional": "test"}})
    if own_radar:
        data["sensors"].append({"id": "bbb-radar", "owner": "BBB", "type": "short-radar", "platform": "ground",
                                "position": [31.0, 35.0], "altitude_m": 20})
    reaction_s = data["fire_units"][0]["reaction_time_s"]
    remote = _run(data).tables["shots"]["launch_t_s"].to_numpy()
    data["fire_units"][0]["engage_on_remote"] = False
    results = _run(data)
    launches = results.tables["shots"]["launch_t_s"].to_numpy()
    if not own_radar:
        assert remote.size > 0 and launches.size == 0
        return
    world = compile_world(scenario_from(data), np.random.default_rng(0))
    own_track_s = world.coverage.start_t_s[world.coverage.sensor == 1].min()
    assert remote.min() < own_track_s  # on the coordinator's track it fires earlier
    assert launches.size > 0 and launches.min() >= own_track_s + reaction_s
