import numpy as np
import pytest
from pyproj import Geod

from shieldwall.geo import geodesic_inverse
from shieldwall.kinematics import route_trajectories

GEOD = Geod(ellps="WGS84")
# A notional drone route: three legs, about 1,650 km.
ROUTE = np.array([[15.5, 44.0], [22.0, 38.5], [28.0, 34.8], [31.25, 34.8]])


def route_length_m(route):
    distance_m, _ = geodesic_inverse(route[:-1, 0], route[:-1, 1], route[1:, 0], route[1:, 1])
    return distance_m.sum()


def test_flight_time_is_route_length_over_speed():
    other = ROUTE[1:][::-1]
    trajectories = route_trajectories(
        [ROUTE, other], [50.0, 250.0], [1500.0, 50.0], sample_period_s=20.0
    )
    np.testing.assert_allclose(
        trajectories.flight_time_s,
        [route_length_m(ROUTE) / 50.0, route_length_m(other) / 250.0],
        rtol=1e-12,
    )
    last = trajectories.n_samples - 1
    np.testing.assert_array_equal(trajectories.t_s[[0, 1], last], trajectories.flight_time_s)
    np.testing.assert_array_equal(trajectories.lat_deg[[0, 1], last], [ROUTE[-1, 0], other[-1, 0]])


def test_single_leg_samples_match_pyproj_npts():
    start, end = (29.0, 48.0), (31.9, 35.9)
    leg_m, _ = geodesic_inverse(*start, *end)
    spacing_count = 50
    # Speed and period chosen so that the samples split the leg into 50 equal parts.
    trajectories = route_trajectories(
        [np.array([start, end])], leg_m / (spacing_count * 10.0), 100.0, sample_period_s=10.0
    )
    assert trajectories.n_samples[0] == spacing_count + 1
    interior = np.array(GEOD.npts(start[1], start[0], end[1], end[0], spacing_count - 1))
    np.testing.assert_allclose(trajectories.lon_deg[0, 1:-1], interior[:, 0], atol=1e-9)
    np.testing.assert_allclose(trajectories.lat_deg[0, 1:-1], interior[:, 1], atol=1e-9)


def test_every_sample_lies_on_its_leg_at_the_flown_distance():
    speed_mps = 47.0
    trajectories = route_trajectories([ROUTE], speed_mps, 2000.0, sample_period_s=60.0)
    count = trajectories.n_samples[0]
    lat_deg, lon_deg = trajectories.lat_deg[0, :count], trajectories.lon_deg[0, :count]
    flown_m = np.minimum(speed_mps * trajectories.t_s[0, :count], route_length_m(ROUTE))
    leg_m, _ = geodesic_inverse(ROUTE[:-1, 0], ROUTE[:-1, 1], ROUTE[1:, 0], ROUTE[1:, 1])
    leg_start_m = np.concatenate([[0.0], np.cumsum(leg_m)])
    leg = np.clip(np.searchsorted(leg_start_m, flown_m, side="right") - 1, 0, len(leg_m) - 1)
    from_start_m, _ = geodesic_inverse(ROUTE[leg, 0], ROUTE[leg, 1], lat_deg, lon_deg)
    to_end_m, _ = geodesic_inverse(lat_deg, lon_deg, ROUTE[leg + 1, 0], ROUTE[leg + 1, 1])
    np.testing.assert_allclose(from_start_m, flown_m - leg_start_m[leg], atol=1e-3)
    np.testing.assert_allclose(from_start_m + to_end_m, leg_m[leg], atol=1e-3)


def test_altitude_climbs_cruises_and_descends_linearly():
    speed_mps, period_s = 50.0, 10.0
    trajectories = route_trajectories(
        [ROUTE], speed_mps, 1000.0, sample_period_s=period_s,
        climb_distance_m=20_000.0, descent_distance_m=10_000.0,
    )
    count = trajectories.n_samples[0]
    alt_m = trajectories.alt_m[0, :count]
    flown_m = speed_mps * trajectories.t_s[0, :count]
    remaining_m = trajectories.flight_time_s[0] * speed_mps - flown_m
    # 500 m per sample: half cruise altitude after 10 km, full after 20 km.
    assert alt_m[0] == 0.0
    assert alt_m[20] == pytest.approx(500.0)
    assert alt_m[40] == pytest.approx(1000.0)
    np.testing.assert_allclose(alt_m[(flown_m >= 20_000) & (remaining_m >= 10_000)], 1000.0)
    descending = remaining_m < 10_000.0
    np.testing.assert_allclose(alt_m[descending], remaining_m[descending] / 10.0, atol=1e-6)
    assert alt_m[-1] == 0.0
    assert trajectories.apogee_m[0] == 1000.0


def test_short_route_turns_below_cruise_altitude():
    lat2 = 31.0 + 15_000.0 / 111_000.0
    trajectories = route_trajectories(
        [np.array([[31.0, 35.0], [lat2, 35.0]])], 100.0, 3000.0, sample_period_s=1.0,
        climb_distance_m=10_000.0, descent_distance_m=10_000.0,
    )
    length_m = trajectories.flight_time_s[0] * 100.0
    # The climb and descent ramps meet where s / 10 km = (L - s) / 10 km, that is at L / 2.
    assert trajectories.apogee_m[0] == pytest.approx(3000.0 * (length_m / 2) / 10_000.0, rel=1e-2)


def test_single_waypoint_route_is_an_impact_at_launch():
    trajectories = route_trajectories(
        [np.array([[30.0, 40.0]]), ROUTE], 50.0, 100.0, sample_period_s=20.0
    )
    assert trajectories.n_samples[0] == 1
    assert trajectories.flight_time_s[0] == 0.0
    np.testing.assert_array_equal(trajectories.lat_deg[0], 30.0)


def test_large_batch_has_consistent_shapes():
    rng = np.random.default_rng(5)
    routes = [
        np.column_stack([np.linspace(15, 32, 6) + rng.normal(0, 0.5, 6), np.linspace(45, 35, 6)])
        for _ in range(40)
    ]
    speeds_mps = rng.uniform(40.0, 250.0, 40)
    trajectories = route_trajectories(routes, speeds_mps, 500.0, sample_period_s=20.0)
    assert trajectories.t_s.shape == (40, trajectories.n_samples.max())
    lengths_m = np.array([route_length_m(route) for route in routes])
    np.testing.assert_allclose(trajectories.flight_time_s, lengths_m / speeds_mps, rtol=1e-12)
    assert np.all(np.isfinite(trajectories.lat_deg)) and np.all(np.isfinite(trajectories.lon_deg))
