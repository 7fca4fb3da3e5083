import numpy as np
import pytest

from shieldwall.kinematics import (
    Trajectories,
    ballistic_trajectories,
    route_trajectories,
)

ROUTE = np.array([[15.5, 44.0], [22.0, 38.5], [28.0, 34.8]])


@pytest.fixture(scope="module")
def mixed():
    drones = route_trajectories([ROUTE, ROUTE[:2]], [50.0, 60.0], 1000.0, sample_period_s=30.0)
    missiles = ballistic_trajectories(
        33.0, 48.0, 31.5, 34.9, boost_time_s=90.0, sample_period_s=2.0
    )
    return Trajectories.concatenate([missiles, drones]), missiles, drones


def test_concatenate_pads_by_repeating_impact(mixed):
    both, missiles, drones = mixed
    assert both.t_s.shape == (3, drones.t_s.shape[1])
    np.testing.assert_array_equal(both.n_samples, [*missiles.n_samples, *drones.n_samples])
    count = missiles.n_samples[0]
    np.testing.assert_array_equal(both.alt_m[0, count - 1:], 0.0)
    np.testing.assert_array_equal(both.t_s[0, count - 1:], missiles.flight_time_s[0])
    np.testing.assert_array_equal(both.lat_deg[1:], drones.lat_deg)


def test_interpolate_returns_samples_at_sample_times(mixed):
    both, _, _ = mixed
    columns = np.minimum([5, 40, 100], both.n_samples - 1)
    rows = np.arange(3)
    lat_deg, lon_deg, alt_m = both.interpolate(both.t_s[rows, columns])
    np.testing.assert_allclose(lat_deg, both.lat_deg[rows, columns], atol=1e-12)
    np.testing.assert_allclose(lon_deg, both.lon_deg[rows, columns], atol=1e-12)
    np.testing.assert_allclose(alt_m, both.alt_m[rows, columns], atol=1e-9)


def test_interpolate_is_linear_between_samples_and_clamps_outside(mixed):
    both, _, _ = mixed
    midway_s = 0.5 * (both.t_s[:, 10] + both.t_s[:, 11])
    _, _, alt_m = both.interpolate(midway_s)
    np.testing.assert_allclose(alt_m, 0.5 * (both.alt_m[:, 10] + both.alt_m[:, 11]))
    before = both.interpolate(np.full(3, -5.0))
    after = both.interpolate(both.flight_time_s + 100.0)
    np.testing.assert_array_equal(before[0], both.lat_deg[:, 0])
    last = both.n_samples - 1
    np.testing.assert_allclose(after[0], both.lat_deg[np.arange(3), last])


def test_position_at_agrees_with_interpolate(mixed):
    both, _, _ = mixed
    t_s = np.array([0.0, 33.3, 400.0, 1e6])
    lat_deg, lon_deg, alt_m = both.position_at(2, t_s)
    for k, time_s in enumerate(t_s):
        expected = both.interpolate(np.full(3, time_s))
        assert (lat_deg[k], lon_deg[k], alt_m[k]) == pytest.approx(
            (expected[0][2], expected[1][2], expected[2][2])
        )


def test_interpolation_crosses_the_antimeridian_the_short_way():
    trajectories = route_trajectories(
        [np.array([[10.0, 179.5], [10.0, -179.5]])], 100.0, 0.0, sample_period_s=60.0
    )
    mid_s = trajectories.flight_time_s / 2
    _, lon_deg, _ = trajectories.interpolate(mid_s)
    assert abs(abs(lon_deg[0]) - 180.0) < 0.01
    _, lon_at_deg, _ = trajectories.position_at(0, mid_s[0])
    assert abs(abs(lon_at_deg) - 180.0) < 0.01
