"""The battle manager's plan against engagement opportunities derived by hand.

Two drones fly constant-speed geodesic routes to one base (the trajectory model of
kinematics/_routes.py: 50 m/s, 20 s samples, climb to 1,000 m over the first 10 km, descent over
the last 5 km). Each trajectory sample is placed here with pyproj and pymap3d; a fire unit can
intercept it when its slant range lies in the interceptor's band, with launch time = sample
time - slant range / fly-out speed. The coalition rules are simple enough to apply by hand:
partner AAA may launch only from AUTHORITY_FROM_S on, and nobody may intercept inside BOX. Every
field of the plan is then checked against these expectations, window by window and cell by cell.
"""

from __future__ import annotations

import numpy as np
import pymap3d
import pyproj
import pytest

import shieldwall
from shieldwall.engine import compile_world
from tests.engine.helpers import scenario_from

GEOD = pyproj.Geod(ellps="WGS84")
SPEED_MPS, CRUISE_M, CLIMB_M, DESCENT_M, PERIOD_S = 50.0, 1000.0, 10_000.0, 5_000.0, 20.0
BASE = (31.0, 35.0)
DRONES = [((31.0, 37.0), 0.0), ((32.5, 35.0), 100.0)]  # launch point and time; the eastern one is threat 0
UNITS = {  # id: owner, position, min and max range (m), fly-out speed (m/s), reaction (s)
    "alpha": ("AAA", (31.0, 35.0), 1_000.0, 60_000.0, 1_000.0, 5.0),
    "bravo": ("BBB", (31.0, 35.6), 2_000.0, 30_000.0, 800.0, 10.0),
}
AUTHORITY_FROM_S = 2_700.0
BOX = (30.9, 31.1, 35.3, 35.45)  # lat and lon bounds of an airspace open to no one


def _scenario_data(one_drone: dict) -> dict:
    data = one_drone
    data["partners"][0]["requires_authority"] = True
    data["partners"].append({"id": "BBB", "name": "Second partner"})
    data["agreements"] = [{"id": "letters", "kind": "engagement-authority", "parties": ["AAA"],
                           "in_force_from_s": AUTHORITY_FROM_S}]
    lat0, lat1, lon0, lon1 = BOX
    data["airspaces"] = [{"id": "box", "open_to": [], "polygon": [[lat0, lon0], [lat1, lon0], [lat1, lon1], [lat0, lon1]]}]
    wave = data["raid"]["waves"][0]
    data["raid"]["waves"] = [
        dict(wave, id=f"w{i}", launch_area={"center": list(point)}, launch_window_s=[t, t])
        for i, (point, t) in enumerate(DRONES)
    ]
    catalog = data["catalog"]["interceptors"]
    data["fire_units"] = []
    for unit_id, (owner, position, low, high, speed, reaction) in UNITS.items():
        catalog[f"missile-{unit_id}"] = dict(
            catalog["test-missile"], min_range_m={"value": low, "notional": "test"},
            max_range_m={"value": high, "notional": "test"}, average_speed_mps={"value": speed, "notional": "test"})
        data["fire_units"].append({"id": unit_id, "owner": owner, "interceptor": f"missile-{unit_id}",
                                   "platform": "ground", "position": list(position), "magazine": 4,
                                   "fire_channels": 1, "reaction_time_s": reaction})
    return data


def _samples(launch_point, launch_t_s):
    """Sample times, positions and altitudes of a drone flying from `launch_point` to BASE."""
    (lat0, lon0), (lat1, lon1) = launch_point, BASE
    azimuth, _, length_m = GEOD.inv(lon0, lat0, lon1, lat1)
    flight_s = length_m / SPEED_MPS
    n = int(np.ceil(flight_s / PERIOD_S - 1e-9)) + 1
    t_s = np.arange(n) * PERIOD_S
    t_s[-1] = flight_s
    flown_m = np.minimum(SPEED_MPS * t_s, length_m)
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, azimuth), flown_m)
    share = np.minimum.reduce([np.ones(n), flown_m / CLIMB_M, (length_m - flown_m) / DESCENT_M])
    return launch_t_s + t_s, np.asarray(lat), np.asarray(lon), CRUISE_M * np.clip(share, 0.0, 1.0)


def _expected_windows():
    """{(unit index, threat index): dict of the window's samples, launches, intercepts, verdicts}."""
    windows = {}
    for j, (point, t0) in enumerate(DRONES):
        t_s, lat, lon, alt = _samples(point, t0)
        x, y, z = pymap3d.geodetic2ecef(lat, lon, alt)
        for u, (owner, (ulat, ulon), low, high, speed, _) in enumerate(UNITS.values()):
            ux, uy, uz = pymap3d.geodetic2ecef(ulat, ulon, 0.0)
            slant = np.sqrt((x - ux) ** 2 + (y - uy) ** 2 + (z - uz) ** 2)
            # No sample sits so close to a range limit that rounding could move it across.
            assert np.min(np.abs(slant - low)) > 1.0 and np.min(np.abs(slant - high)) > 1.0
            inside = np.flatnonzero((slant >= low) & (slant <= high))
            if inside.size == 0:
                continue
            launch = t_s[inside] - slant[inside] / speed
            in_box = ((lat[inside] > BOX[0]) & (lat[inside] < BOX[1]) & (lon[inside] > BOX[2]) & (lon[inside] < BOX[3]))
            authorised = launch >= AUTHORITY_FROM_S if owner == "AAA" else np.ones(inside.size, dtype=bool)
            windows[u, j] = {"sample": inside, "launch": launch, "intercept": t_s[inside],
                             "allowed": authorised & ~in_box}
    return windows


EXPECTED = _expected_windows()


@pytest.fixture(scope="module")
def world():
    import copy

    import yaml

    from tests.conftest import FIXTURES

    data = _scenario_data(copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text())))
    return compile_world(scenario_from(data), np.random.default_rng(0))


def test_the_hand_built_geometry_exercises_every_case():
    # bravo's window on threat 0 is cut by its minimum range overhead, then by the box; alpha's
    # by the authority, then by the box; bravo never reaches threat 1.
    assert set(EXPECTED) == {(0, 0), (1, 0), (0, 1)}
    bravo = EXPECTED[1, 0]
    assert np.any(np.diff(bravo["sample"]) > 1)
    for window in EXPECTED.values():
        assert window["allowed"].any() and not window["allowed"].all()
    assert np.count_nonzero(np.diff(EXPECTED[0, 0]["allowed"].astype(int))) == 3  # refused, allowed, refused, allowed


def _window_of(plan, u, j):
    match = np.flatnonzero((plan.unit == u) & (plan.threat == j))
    assert match.size == 1, (u, j)
    return int(match[0])


@pytest.mark.parametrize("coordination", ["coordinated", "independent"])
def test_plan_holds_each_windows_opportunities_as_derived_by_hand(world, coordination):
    plan = world.plan(coordination)
    reaction = [spec[5] for spec in UNITS.values()]
    assert plan.unit.size == len(EXPECTED)
    for (u, j), expected in EXPECTED.items():
        w = _window_of(plan, u, j)
        allowed = expected["allowed"]
        launch, intercept = expected["launch"], expected["intercept"]
        # The window's samples, in launch order, and their verdicts.
        np.testing.assert_array_equal(plan.sample[plan.start[w]:plan.end[w]], expected["sample"])
        np.testing.assert_allclose(plan.launch_t_s[plan.start[w]:plan.end[w]], launch, atol=1e-5)
        np.testing.assert_array_equal(plan.reason[plan.start[w]:plan.end[w]] == 0, allowed)
        # The allowed opportunities, and the times digested from them.
        a0, a1 = plan.allowed_start[w], plan.allowed_end[w]
        np.testing.assert_allclose(plan.allowed_launch_t_s[a0:a1], launch[allowed], atol=1e-5)
        np.testing.assert_allclose(plan.allowed_intercept_t_s[a0:a1], intercept[allowed], atol=1e-5)
        assert plan.opens_s[w] == pytest.approx(launch[allowed][0] - reaction[u], abs=1e-5)
        assert plan.last_decision_s[w] == pytest.approx(launch[allowed][-1] - reaction[u], abs=1e-5)
        assert plan.last_refused_launch_s[w] == pytest.approx(launch[~allowed].max(), abs=1e-5)
        assert plan.reaction_s[w] == reaction[u]
        # Slack: the longest launch gap between consecutive trajectory samples (the gap across
        # bravo's overhead blind zone does not count), and at least one sample period.
        consecutive = np.diff(expected["sample"]) == 1
        assert plan.slack_s[w] == pytest.approx(max(PERIOD_S, *np.diff(launch)[consecutive]), abs=1e-5)
        # Each allowed opportunity knows the last launch of its run of allowed opportunities.
        run_end = plan.allowed_run_end_t_s[plan.start[w]:plan.end[w]]
        for i in np.flatnonzero(allowed):
            last = i
            while last + 1 < allowed.size and allowed[last + 1]:
                last += 1
            assert run_end[i] == pytest.approx(launch[last], abs=1e-5)


@pytest.mark.parametrize("coordination,cells", [
    ("coordinated", [[0, 1]]),
    ("independent", [[0], [1]]),
])
def test_each_cell_holds_the_windows_of_its_own_units(world, coordination, cells):
    plan = world.plan(coordination)
    reaction = [spec[5] for spec in UNITS.values()]
    assert plan.cell_start.shape == (len(cells), len(DRONES) + 1)
    for c, members in enumerate(cells):
        for j in range(len(DRONES)):
            mine = plan.cell_windows[plan.cell_start[c, j]:plan.cell_start[c, j + 1]]
            units = [u for u in members if (u, j) in EXPECTED]
            assert [int(plan.unit[w]) for w in mine] == units
            assert all(plan.threat[w] == j for w in mine)
            # First look: the earliest opportunity of any of the cell's units, allowed or not.
            first = min((EXPECTED[u, j]["launch"][0] - reaction[u] for u in units), default=np.inf)
            assert plan.first_look_s[c, j] == pytest.approx(first, abs=1e-5)


def test_interceptions_are_filed_under_the_airspace_of_their_intercept_point(one_drone):
    # alpha alone, free to engage, with its first opportunities over AAA's own box: the first
    # shots intercept inside it, later ones (after misses) west of it.
    lat0, lat1, lon0, lon1 = box = (30.9, 31.1, 35.58, 35.66)
    data = _scenario_data(one_drone)
    data["partners"][0]["requires_authority"] = False
    data["airspaces"] = [{"id": "own-box", "owner": "AAA", "polygon": [[lat0, lon0], [lat1, lon0], [lat1, lon1], [lat0, lon1]]}]
    data["fire_units"] = data["fire_units"][:1]
    data["catalog"]["interceptors"]["missile-alpha"]["kill_probability"]["drone"]["value"] = 0.3
    results = shieldwall.run(scenario_from(data), runs=60, seed=4, fidelity="ideal")

    def inside(table, prefix):
        lat, lon = table[f"{prefix}lat_deg"].to_numpy(), table[f"{prefix}lon_deg"].to_numpy()
        return (lat > lat0) & (lat < lat1) & (lon > lon0) & (lon < lon1)

    shots = results.tables["shots"]
    in_box = inside(shots, "")
    assert in_box.any() and not in_box.all()
    np.testing.assert_array_equal(shots["airspace"].to_pylist(), np.where(in_box, "own-box", "international"))
    threats = results.tables["threats"]
    intercepted = np.array(threats["fate"].to_pylist()) == "intercepted"
    in_box = inside(threats, "fate_")[intercepted]
    assert in_box.any() and not in_box.all()
    filed = np.array(threats["fate_airspace"].to_pylist(), dtype=object)[intercepted]
    np.testing.assert_array_equal(filed, np.where(in_box, "own-box", "international"))
