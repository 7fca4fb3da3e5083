import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from shieldwall.geo import EARTH_MEAN_RADIUS_M, geodesic_forward, geodesic_inverse
from shieldwall.kinematics import (
    MU_EARTH_M3PS2,
    ballistic_trajectories,
    minimum_energy_arc,
)

R_M = EARTH_MEAN_RADIUS_M
MU = MU_EARTH_M3PS2
LAUNCH = (32.0, 51.0)


def integrate_free_flight(burnout_radius_m, flight_path_angle_rad, speed_mps):
    """Two-body equations of motion in the orbit plane from the burnout state to the surface."""

    def two_body(_, state):
        x, y, vx, vy = state
        r3 = np.hypot(x, y) ** 3
        return [vx, vy, -MU * x / r3, -MU * y / r3]

    def hits_surface(_, state):
        return np.hypot(state[0], state[1]) - R_M

    hits_surface.terminal = True
    hits_surface.direction = -1
    state0 = [
        burnout_radius_m, 0.0,
        speed_mps * np.sin(flight_path_angle_rad), speed_mps * np.cos(flight_path_angle_rad),
    ]
    solution = solve_ivp(
        two_body, (0.0, 1e4), state0, events=hits_surface, rtol=1e-11, atol=1e-6, dense_output=True
    )
    x, y = solution.y_events[0][0][:2]
    t_s = np.linspace(0.0, solution.t_events[0][0], 2001)
    apogee_radius_m = np.max(np.hypot(*solution.sol(t_s)[:2]))
    return solution.t_events[0][0], np.arctan2(y, x), apogee_radius_m


def target_at(ground_range_m):
    return geodesic_forward(*LAUNCH, 265.0, ground_range_m)


@pytest.mark.parametrize("ground_range_m", [1_000_000.0, 1_800_000.0])
def test_closed_form_arc_agrees_with_numerical_integration(ground_range_m):
    burnout_radius_m = R_M + 100_000.0
    range_angle_rad = ground_range_m / R_M
    arc = minimum_energy_arc(burnout_radius_m, R_M, range_angle_rad)
    time_s, angle_rad, apogee_radius_m = integrate_free_flight(
        burnout_radius_m, arc.flight_path_angle_rad, arc.burnout_speed_mps
    )
    assert arc.time_of_flight_s == pytest.approx(time_s, rel=5e-3)
    assert arc.range_angle_rad == pytest.approx(angle_rad, rel=5e-3)
    assert arc.apogee_radius_m - R_M == pytest.approx(apogee_radius_m - R_M, rel=5e-3)
    # The closed form is exact, so the agreement is in fact far tighter than the stated 0.5 %.
    assert arc.time_of_flight_s == pytest.approx(time_s, rel=1e-6)


@pytest.mark.parametrize("ground_range_m", [1_000_000.0, 1_800_000.0])
def test_neighbouring_flight_path_angles_need_more_speed(ground_range_m):
    burnout_radius_m = R_M + 100_000.0
    range_angle_rad = ground_range_m / R_M
    arc = minimum_energy_arc(burnout_radius_m, R_M, range_angle_rad)

    def speed_reaching_range(gamma_rad):
        # Shooting method: the speed whose integrated arc lands at the wanted range angle.
        return brentq(
            lambda speed: integrate_free_flight(burnout_radius_m, gamma_rad, speed)[1]
            - range_angle_rad,
            0.5 * arc.burnout_speed_mps, 1.5 * arc.burnout_speed_mps, xtol=1e-6,
        )

    optimum_speed = speed_reaching_range(arc.flight_path_angle_rad)
    assert optimum_speed == pytest.approx(arc.burnout_speed_mps, rel=1e-6)
    for delta_rad in (-np.radians(3.0), np.radians(3.0)):
        assert speed_reaching_range(arc.flight_path_angle_rad + delta_rad) > optimum_speed + 1.0


def test_symmetric_arc_matches_bate_mueller_white():
    # Burnout and re-entry at one radius: gamma = (pi - psi) / 4 and
    # Q = v^2 r / mu = 2 sin(psi / 2) / (1 + sin(psi / 2)) (Bate, Mueller and White, ch. 6).
    psi = np.array([0.1, 0.5, 1.0, 2.0])
    radius_m = R_M + 80_000.0
    arc = minimum_energy_arc(radius_m, radius_m, psi)
    np.testing.assert_allclose(arc.flight_path_angle_rad, (np.pi - psi) / 4.0, rtol=1e-12)
    q = arc.burnout_speed_mps**2 * radius_m / MU
    np.testing.assert_allclose(q, 2.0 * np.sin(psi / 2) / (1.0 + np.sin(psi / 2)), rtol=1e-12)


@pytest.fixture(scope="module")
def mrbm():
    lat_deg, lon_deg = target_at(1_800_000.0)
    return ballistic_trajectories(
        *LAUNCH, lat_deg, lon_deg, boost_time_s=100.0, sample_period_s=0.5
    ), (lat_deg, lon_deg)


def test_trajectory_ends_exactly_on_target(mrbm):
    trajectories, (lat_deg, lon_deg) = mrbm
    last = trajectories.n_samples[0] - 1
    miss_m, _ = geodesic_inverse(
        trajectories.lat_deg[0, last], trajectories.lon_deg[0, last], lat_deg, lon_deg
    )
    assert miss_m < 1e-3
    assert trajectories.alt_m[0, last] == 0.0
    assert trajectories.t_s[0, last] == trajectories.flight_time_s[0]
    assert trajectories.t_s[0, 0] == 0.0 and trajectories.alt_m[0, 0] == 0.0


def test_energy_is_conserved_along_the_free_flight(mrbm):
    trajectories, _ = mrbm
    count = trajectories.n_samples[0]
    t_s = trajectories.t_s[0, :count]
    ground_m, _ = geodesic_inverse(
        *LAUNCH, trajectories.lat_deg[0, :count], trajectories.lon_deg[0, :count]
    )
    # The model maps range angle theta to ground distance theta * R along the WGS84 geodesic.
    theta_rad = ground_m / R_M
    radius_m = R_M + trajectories.alt_m[0, :count]
    free = (t_s > 101.0) & (t_s < t_s[-1] - 1.0)
    radial_mps = np.gradient(radius_m, t_s)[free]
    transverse_mps = (radius_m * np.gradient(theta_rad, t_s))[free]
    energy = 0.5 * (radial_mps**2 + transverse_mps**2) - MU / radius_m[free]
    assert np.ptp(energy) / abs(np.mean(energy)) < 1e-4


def test_mrbm_flight_time_and_apogee_are_plausible(mrbm):
    # Public reporting: Iranian MRBMs reach Israel (about 1,500-1,800 km) in roughly 12-15 min.
    trajectories, _ = mrbm
    assert 10.0 < trajectories.flight_time_s[0] / 60.0 < 15.0
    assert 300_000.0 < trajectories.apogee_m[0] < 600_000.0
    assert trajectories.apogee_m[0] == pytest.approx(trajectories.alt_m[0].max(), rel=1e-4)


def test_sampling_grid_and_padding():
    lat_deg, lon_deg = target_at(np.array([300_000.0, 1_500_000.0]))
    trajectories = ballistic_trajectories(
        *LAUNCH, lat_deg, lon_deg, boost_time_s=np.array([60.0, 100.0]), sample_period_s=10.0
    )
    short, long = trajectories.n_samples
    assert short < long == trajectories.t_s.shape[1]
    assert short == int(np.ceil(trajectories.flight_time_s[0] / 10.0)) + 1
    np.testing.assert_allclose(np.diff(trajectories.t_s[0, : short - 1]), 10.0)
    for name in ("t_s", "lat_deg", "lon_deg", "alt_m"):
        values = getattr(trajectories, name)[0]
        np.testing.assert_array_equal(values[short - 1:], values[short - 1])
    np.testing.assert_array_equal(trajectories.valid.sum(axis=1), trajectories.n_samples)


def test_batch_equals_single_runs():
    lat_deg, lon_deg = target_at(np.array([700_000.0, 1_200_000.0, 1_900_000.0]))
    batch = ballistic_trajectories(
        *LAUNCH, lat_deg, lon_deg, boost_time_s=90.0, sample_period_s=5.0
    )
    for i in range(3):
        single = ballistic_trajectories(
            *LAUNCH, lat_deg[i], lon_deg[i], boost_time_s=90.0, sample_period_s=5.0
        )
        count = single.n_samples[0]
        np.testing.assert_allclose(batch.alt_m[i, :count], single.alt_m[0], atol=1e-6)
        np.testing.assert_allclose(batch.lat_deg[i, :count], single.lat_deg[0], atol=1e-12)


def test_given_burnout_altitude_is_used():
    lat_deg, lon_deg = target_at(1_000_000.0)
    trajectories = ballistic_trajectories(
        *LAUNCH, lat_deg, lon_deg, boost_time_s=80.0, sample_period_s=1.0, burnout_alt_m=70_000.0
    )
    assert trajectories.alt_m[0, 80] == pytest.approx(70_000.0)


def test_target_inside_the_boost_range_is_rejected():
    # A 100 km burnout at about 40 degrees lies some 70 km downrange.
    lat_deg, lon_deg = target_at(20_000.0)
    with pytest.raises(ValueError, match="boost"):
        ballistic_trajectories(
            *LAUNCH, lat_deg, lon_deg, boost_time_s=100.0, sample_period_s=1.0,
            burnout_alt_m=100_000.0,
        )


def test_boost_too_long_for_a_short_range_is_rejected():
    lat_deg, lon_deg = target_at(50_000.0)
    with pytest.raises(ValueError, match="boost"):
        ballistic_trajectories(*LAUNCH, lat_deg, lon_deg, boost_time_s=180.0, sample_period_s=1.0)
