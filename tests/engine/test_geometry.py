"""Engagement geometry per fire unit, against closed forms.

- Line of sight: a unit engages only where its own fire-control radar, h metres up, sees the
  intercept point over a smooth 4/3-Earth: ground distance <= sqrt(2 k R) (sqrt(h) + sqrt(H)) for
  a target H metres up (k = 4/3, R = 6,371 km; Skolnik, *Introduction to Radar Systems*, ch. 8).
  Ground distances here come from pyproj's WGS84 geodesic, not from shieldwall.
- Reach by threat class: `max_range_m_by_class` bounds the slant range to the intercept point
  for its class; a class absent keeps `max_range_m`.
- Engage-on-remote: a partner's sensor track lifts the line-of-sight rule where that partner
  grants the unit's partner engage-on-remote, from launch to intercept.

All on the one-drone fixture (a drone flying west along 31 N towards a base at 35.0 E).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

import shieldwall
from shieldwall import geo
from shieldwall.battle.rules import REASON_TEXT, Reason
from shieldwall.engine import compile_world
from shieldwall.engine.world import FIRE_CONTROL_HEIGHT_M, fire_control_height_m
from shieldwall.montecarlo.seeds import realisation_rng
from shieldwall.scenario import ScenarioError, load_scenario
from shieldwall.scenario.model import THREAT_CLASSES
from tests.engine.helpers import scenario_from

K_FACTOR = 4.0 / 3.0
EARTH_RADIUS_M = 6_371_000.0
GEOD = pyproj.Geod(ellps="WGS84")
SITE = (31.0, 35.0)
BAND = 0.005  # samples within 0.5 % of a boundary are left out of set comparisons


def horizon_m(radar_height_m: float, target_height_m: float) -> float:
    return np.sqrt(2.0 * K_FACTOR * EARTH_RADIUS_M) * (np.sqrt(radar_height_m) + np.sqrt(target_height_m))


def _notional(value: float) -> dict:
    return {"value": value, "notional": "test fixture"}


def _wide_envelope(data: dict, **fields) -> dict:
    """The fixture's interceptor with range, altitude and speed that never bind in these tests."""
    missile = data["catalog"]["interceptors"]["test-missile"]
    missile.update({"max_range_m": _notional(300_000), "average_speed_mps": _notional(3_000), **fields})
    return data


def _world(data: dict):
    return compile_world(scenario_from(data), np.random.default_rng(0))


def _samples(world, unit: int = 0) -> dict[str, np.ndarray]:
    """The unit's engagement samples: intercept point, ground distance from the site, reason."""
    w = world.windows
    index = np.concatenate([np.arange(w.start[k], w.end[k]) for k in np.flatnonzero(w.unit == unit)] or [[]]).astype(int)
    threat = np.repeat(w.threat[w.unit == unit], (w.end - w.start)[w.unit == unit])
    sample = w.sample[index]
    lat, lon = world.threats.lat_deg[threat, sample], world.threats.lon_deg[threat, sample]
    _, _, ground = GEOD.inv(np.full(lat.size, SITE[1]), np.full(lat.size, SITE[0]), lon, lat)
    return {"threat": threat, "sample": sample, "alt_m": world.threats.alt_m[threat, sample], "ground_m": ground,
            "lat": lat, "lon": lon, "reason": w.reason[index], "launch": w.launch_t_s[index]}


def _trajectory(world, threat: int = 0) -> dict[str, np.ndarray]:
    """Every trajectory sample of a threat, with its ground distance from the site."""
    n = world.threats.n_samples[threat]
    lat, lon = world.threats.lat_deg[threat, :n], world.threats.lon_deg[threat, :n]
    _, _, ground = GEOD.inv(np.full(n, SITE[1]), np.full(n, SITE[0]), lon, lat)
    return {"sample": np.arange(n), "alt_m": world.threats.alt_m[threat, :n], "ground_m": ground}


# --------------------------------------------------------------------------- line of sight

@pytest.mark.parametrize("radar_height_m,target_height_m", [(10.0, 100.0), (25.0, 1_000.0), (0.0, 50.0)])
def test_a_unit_engages_only_inside_its_radar_horizon(one_drone, radar_height_m, target_height_m):
    one_drone["catalog"]["threats"]["test-drone"]["cruise_altitude_m"] = _notional(target_height_m)
    _wide_envelope(one_drone, fire_control_height_m=_notional(radar_height_m))
    world = _world(one_drone)
    engaged = _samples(world)
    flight = _trajectory(world)
    limit = horizon_m(radar_height_m, flight["alt_m"])
    # Every sample the envelope admits, and only those the radar sees: compared away from the
    # horizon, the minimum range (1 km) and the launch point (no interceptor arrives in time).
    inside = flight["ground_m"] < limit * (1 - BAND)
    clear = (inside | (flight["ground_m"] > limit * (1 + BAND))) & (flight["ground_m"] > 1_500)
    clear &= flight["ground_m"] < 150_000
    expected = set(flight["sample"][clear & inside])
    assert set(engaged["sample"]) & set(flight["sample"][clear]) == expected
    assert expected  # the horizon falls inside the drone's route
    # At cruise altitude: nothing beyond the closed-form horizon, and a sample within one sample
    # spacing (1 km at 50 m/s and 20 s) inside it.
    cruise_horizon = horizon_m(radar_height_m, target_height_m)
    assert engaged["ground_m"].max() <= cruise_horizon * (1 + BAND)
    assert engaged["ground_m"].max() >= cruise_horizon - 1_000 * (1 + BAND)


def test_a_low_flyer_beyond_the_horizon_leaves_no_engagement_and_no_shot(one_drone):
    # A 100 m drone seen by a radar on the ground (h = 0): horizon 41.2 km; the battery's reach of
    # 60 km would otherwise cover it from 60 km in.
    one_drone["catalog"]["threats"]["test-drone"]["cruise_altitude_m"] = _notional(100)
    one_drone["catalog"]["interceptors"]["test-missile"]["fire_control_height_m"] = _notional(0)
    one_drone["fire_units"][0]["magazine"] = 8
    results = shieldwall.run(scenario_from(one_drone), runs=20, seed=1, fidelity="ideal")
    shots = results.tables["shots"]
    assert shots.num_rows > 0
    _, _, ground = GEOD.inv(np.full(shots.num_rows, SITE[1]), np.full(shots.num_rows, SITE[0]),
                            shots["lon_deg"].to_numpy(), shots["lat_deg"].to_numpy())
    assert ground.max() <= horizon_m(0.0, 100.0) * (1 + BAND)
    assert results.tables["refusals"].num_rows == 0  # a physical limit, not a refusal


def test_a_platform_sets_the_radar_height_where_the_type_gives_none(one_drone):
    one_drone["catalog"]["threats"]["test-drone"]["cruise_altitude_m"] = _notional(100)
    _wide_envelope(one_drone)
    reach = {}
    for platform in ("ground", "ship"):
        one_drone["fire_units"][0]["platform"] = platform
        reach[platform] = _samples(_world(one_drone))["ground_m"].max()
        assert reach[platform] <= horizon_m(FIRE_CONTROL_HEIGHT_M[platform], 100.0) * (1 + BAND)
        assert reach[platform] >= horizon_m(FIRE_CONTROL_HEIGHT_M[platform], 100.0) - 1_000 * (1 + BAND)
    assert reach["ship"] > reach["ground"]


def test_the_geometry_cache_keys_on_the_radar_height(one_drone):
    """A variant that only moves a unit's radar (platform or type) gets its own samples."""
    one_drone["catalog"]["threats"]["test-drone"]["cruise_altitude_m"] = _notional(100)
    _wide_envelope(one_drone)
    base = _world(one_drone)
    one_drone["fire_units"][0]["platform"] = "ship"
    as_ship = _samples(base.for_scenario(scenario_from(one_drone)))
    assert as_ship["ground_m"].max() == pytest.approx(_samples(_world(one_drone))["ground_m"].max())
    assert as_ship["ground_m"].max() > _samples(base)["ground_m"].max()
    one_drone["fire_units"][0]["platform"] = "ground"
    one_drone["catalog"]["interceptors"]["test-missile"]["fire_control_height_m"] = _notional(25)
    typed = _samples(base.for_scenario(scenario_from(one_drone)))
    assert np.array_equal(typed["sample"], as_ship["sample"])  # 25 m either way


# --------------------------------------------------------------------------- reach by class

def _with_cruise(data: dict) -> dict:
    """A cruise missile on the drone's route, launched with it, both at 1,000 m (inside the
    10 m radar's horizon, 143 km, throughout the reach tested)."""
    threats = data["catalog"]["threats"]
    threats["test-cruise"] = dict(threats["test-drone"], name="Test cruise missile", speed_mps=_notional(200))
    threats["test-cruise"]["class"] = "cruise"
    data["raid"]["waves"].append(dict(data["raid"]["waves"][0], id="w2", threat="test-cruise"))
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["cruise"] = _notional(0.6)
    return data


def test_reach_by_threat_class_bounds_the_slant_range(one_drone):
    _with_cruise(one_drone)
    _wide_envelope(one_drone, max_range_m=_notional(120_000), max_range_m_by_class={"drone": _notional(40_000)})
    world = _world(one_drone)
    engaged = _samples(world)
    slant = geo.slant_range_m(SITE[0], SITE[1], 0.0, engaged["lat"], engaged["lon"], engaged["alt_m"])
    classes = np.array(["drone", "cruise", "ballistic"])[world.threats.threat_class[engaged["threat"]]]
    # Each class out to its own reach, within one sample spacing (1 km for the drone at 50 m/s and
    # 20 s, 2 km for the cruise missile at 200 m/s and 10 s).
    for name, reach, spacing in (("drone", 40_000, 1_000), ("cruise", 120_000, 2_000)):
        assert slant[classes == name].max() <= reach
        assert slant[classes == name].max() >= reach - spacing * (1 + BAND)


def test_a_reach_by_class_below_the_minimum_range_is_refused(one_drone):
    one_drone["catalog"]["interceptors"]["test-missile"]["max_range_m_by_class"] = {"drone": _notional(500)}
    with pytest.raises(ScenarioError, match="max_range_m_by_class.drone"):
        scenario_from(one_drone)


# --------------------------------------------------------------------------- engage-on-remote

REMOTE_SITE = (31.0, 35.8)


def _remote(data: dict, **agreement) -> dict:
    """The battery and the fixture's radar handed to partner BBB, the battery's fire-control radar
    10 m up; the coordinator AAA has a radar forward at 35.8 E (20 m up, 100 km reach). The drone
    flies at 100 m: BBB's fire-control radar sees it from 54.3 km, AAA's radar from some 136 km
    out to 16 km."""
    data["catalog"]["threats"]["test-drone"]["cruise_altitude_m"] = _notional(100)
    _wide_envelope(data, max_range_m=_notional(120_000), fire_control_height_m=_notional(10))
    data["partners"].append({"id": "BBB", "name": "Second partner"})
    data["fire_units"][0].update(owner="BBB", magazine=8)
    data["sensors"][0]["owner"] = "BBB"
    data["sensors"].append({"id": "forward", "owner": "AAA", "type": "test-radar", "platform": "ground",
                            "position": list(REMOTE_SITE), "altitude_m": 20})
    if agreement:
        data["agreements"] = [{"id": "remote", "kind": "engage-on-remote", "grantor": "AAA",
                               "parties": ["AAA", "BBB"], **agreement}]
    return data


def _remote_cover_m() -> tuple[float, float]:
    """Ground distances from the battery between which AAA's forward radar holds the drone."""
    along = min(100_000.0, horizon_m(20.0, 100.0))
    _, _, apart = GEOD.inv(SITE[1], SITE[0], REMOTE_SITE[1], REMOTE_SITE[0])
    return apart - along, apart + along


def test_without_an_agreement_a_unit_engages_only_on_its_own_radar(one_drone):
    engaged = _samples(_world(_remote(one_drone)))
    assert engaged["ground_m"].max() <= horizon_m(10.0, 100.0) * (1 + BAND)
    assert set(engaged["reason"]) == {Reason.ALLOWED}


def test_an_engage_on_remote_agreement_lifts_the_line_of_sight_rule(one_drone):
    engaged = _samples(_world(_remote(one_drone, in_force_from_s=0)))
    near, far = _remote_cover_m()
    assert near < horizon_m(10.0, 100.0) < far
    # Out to the interceptor's reach (120 km), inside the forward radar's cover (136 km).
    assert engaged["ground_m"].max() >= 120_000 - 1_000 * (1 + BAND)
    assert set(engaged["reason"]) == {Reason.ALLOWED}


@pytest.mark.parametrize("change", ["no-remote-flag", "not-released", "own-sensor"])
def test_engage_on_remote_needs_the_unit_flag_and_another_partners_released_track(one_drone, change):
    data = _remote(one_drone, in_force_from_s=0)
    if change == "no-remote-flag":
        data["fire_units"][0]["engage_on_remote"] = False
    elif change == "not-released":
        data["sensors"][-1]["release_to"] = ["AAA"]
    else:  # the forward radar is BBB's own: a unit is guided by its own radar only
        data["sensors"][-1]["owner"] = "BBB"
    engaged = _samples(_world(data))
    assert engaged["ground_m"].max() <= horizon_m(10.0, 100.0) * (1 + BAND)


def test_before_the_agreement_the_remote_opportunities_are_refused(one_drone):
    data = _remote(one_drone, in_force_from_s=2_200)
    engaged = _samples(_world(data))
    beyond = engaged["ground_m"] > horizon_m(10.0, 100.0) * (1 + BAND)
    refused = engaged["reason"] == Reason.NO_REMOTE_ENGAGEMENT
    assert np.any(beyond)
    # Beyond its own horizon a launch before the agreement is refused, one after it allowed;
    # inside its own horizon nothing is refused.
    assert np.array_equal(refused[beyond], engaged["launch"][beyond] < 2_200)
    assert not refused[~beyond].any()
    results = shieldwall.run(scenario_from(data), runs=20, seed=1, fidelity="ideal")
    reasons = set(results.tables["refusals"]["reason"].to_pylist())
    assert reasons == {REASON_TEXT[Reason.NO_REMOTE_ENGAGEMENT]}
    assert results.tables["shots"]["launch_t_s"].to_numpy().min() >= 2_200


@pytest.fixture(scope="module")
def april_realisation():
    return compile_world(load_scenario("april-2024"), realisation_rng(0, 3))


def _brute_slant_m(threats, site_lat_deg, site_lon_deg, site_alt_m):
    """Slant range from a site to every trajectory sample (padding included)."""
    x, y, z = geo.geodetic_to_ecef(threats.lat_deg, threats.lon_deg, threats.alt_m)
    sx, sy, sz = geo.geodetic_to_ecef(site_lat_deg, site_lon_deg, site_alt_m)
    return np.sqrt((x - sx) ** 2 + (y - sy) ** 2 + (z - sz) ** 2)


def test_coverage_equals_a_brute_force_over_every_sample(april_realisation):
    # The range test runs only on samples whose block of trajectory comes within reach, and the
    # intervals are read off the samples seen; here every sample of every threat is tested and
    # the runs of samples seen are taken threat by threat.
    world = april_realisation
    scenario, threats, coverage = world.scenario, world.threats, world.coverage
    valid = np.arange(threats.t_s.shape[1])[None, :] < threats.n_samples[:, None]
    checked = 0
    for s, sensor in enumerate(scenario.sensors):
        kind = scenario.catalog.sensors[sensor.type]
        if sensor.platform == "space":
            continue
        max_range = np.array([kind.range_m[c].value if c in kind.range_m else -1.0
                              for c in THREAT_CLASSES])
        seen = valid & (_brute_slant_m(threats, *sensor.position, sensor.altitude_m)
                        <= max_range[threats.threat_class][:, None])
        seen[seen] = geo.is_visible(*sensor.position, sensor.altitude_m, threats.lat_deg[seen],
                                    threats.lon_deg[seen], threats.alt_m[seen])
        expected = []
        for j in range(threats.count):
            edges = np.diff(np.concatenate([[0], seen[j].astype(int), [0]]))
            for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
                expected.append((j, threats.t_s[j, first], threats.t_s[j, stop - 1]))
        mine = coverage.sensor == s
        assert list(zip(coverage.threat[mine].tolist(), coverage.start_t_s[mine].tolist(),
                        coverage.end_t_s[mine].tolist())) == expected, sensor.id
        checked += len(expected)
    assert checked > 1000


def test_every_window_sample_is_in_the_envelope_and_none_is_missed(april_realisation):
    # Each fire unit's window samples, against the envelope tested on every sample: slant range
    # within reach for the class, altitude in the band, launch after the threat's own launch, and
    # seen by the unit's own radar or under an engage-on-remote grant. Samples outside the
    # envelope never appear; every sample in it that the unit's radar sees appears.
    world = april_realisation
    scenario, threats, windows = world.scenario, world.threats, world.windows
    valid = np.arange(threats.t_s.shape[1])[None, :] < threats.n_samples[:, None]
    for u, unit in enumerate(scenario.fire_units):
        kind = scenario.catalog.interceptors[unit.interceptor]
        pk = np.array([kind.kill_probability[c].value if c in kind.kill_probability else 0.0
                       for c in THREAT_CLASSES])
        reach = np.array([kind.max_range_m_by_class.get(c, kind.max_range_m).value
                          for c in THREAT_CLASSES])
        reach = np.where(pk > 0, reach, -1.0)
        slant = _brute_slant_m(threats, unit.position[0], unit.position[1], 0.0)
        launch = threats.t_s - slant / kind.average_speed_mps.value
        envelope = (valid & (slant >= kind.min_range_m.value) & (slant <= reach[threats.threat_class][:, None])
                    & (threats.alt_m >= kind.min_altitude_m.value) & (threats.alt_m <= kind.max_altitude_m.value)
                    & (launch >= threats.launch_t_s[:, None]))
        rows = []
        for w in np.flatnonzero(windows.unit == u):
            for p in range(windows.start[w], windows.end[w]):
                rows.append((int(windows.threat[w]), int(windows.sample[p]), bool(windows.own_sight[p])))
        assert all(envelope[j, k] for j, k, _ in rows), unit.id
        own = {(j, k) for j, k, sight in rows if sight}
        # Every envelope sample the unit's own radar sees is a window sample with own sight.
        j, k = np.nonzero(envelope)
        sight = geo.is_visible(unit.position[0], unit.position[1], fire_control_height_m(unit, kind),
                               threats.lat_deg[j, k], threats.lon_deg[j, k], threats.alt_m[j, k])
        assert own == set(zip(j[sight].tolist(), k[sight].tolist())), unit.id
