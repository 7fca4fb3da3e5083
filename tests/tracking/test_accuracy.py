"""Closed-form track accuracy and handover: against scipy's Riccati solver, Monte Carlo, and the
engine's shots on remote tracks."""

import numpy as np
import pytest
from scipy.linalg import solve_discrete_are

from shieldwall.engine import compile_world
from shieldwall.scenario import load_scenario
from shieldwall.scenario.model import Agreement
from shieldwall.sensors import RadarSensing, TrackedSensing
from shieldwall.tracking import accuracy


@pytest.mark.parametrize("sigma_m, period_s, accel_mps2",
                         [(50.0, 10.0, 1.0), (20.0, 2.0, 5.0), (500.0, 5.0, 0.5), (3000.0, 10.0, 2.0), (1.0, 1.0, 30.0)])
def test_predicted_variance_is_the_riccati_solution(sigma_m, period_s, accel_mps2):
    # The constant-velocity filter with piecewise-constant white acceleration (Bar-Shalom et al.
    # 2001): its steady-state predicted covariance solves the discrete algebraic Riccati equation.
    f = np.array([[1.0, period_s], [0.0, 1.0]])
    g = np.array([[period_s**2 / 2.0], [period_s]])
    predicted = solve_discrete_are(f.T, np.array([[1.0], [0.0]]), g @ g.T * accel_mps2**2, np.array([[sigma_m**2]]))
    assert accuracy.predicted_variance_m2(sigma_m, period_s, accel_mps2) == pytest.approx(predicted[0, 0], rel=1e-8)
    assert accuracy.alpha_gain(sigma_m, period_s, accel_mps2) == pytest.approx(
        predicted[0, 0] / (predicted[0, 0] + sigma_m**2), rel=1e-8)


def test_an_exact_sensor_has_no_error():
    assert accuracy.predicted_variance_m2(0.0, 10.0, 1.0) == 0.0
    assert accuracy.alpha_gain(0.0, 10.0, 1.0) == 1.0


def test_handover_fraction_is_the_expected_gaussian_acquisition():
    # E[exp(-|e|^2 / (2 R^2))] for e ~ N(0, C), by Monte Carlo on anisotropic covariances.
    rng = np.random.default_rng(0)
    n = 400_000
    for scale_m, basket_m in [(100.0, 150.0), (30.0, 1000.0), (2000.0, 300.0)]:
        a = rng.normal(size=(3, 3))
        covariance = a @ a.T * scale_m**2
        error = rng.multivariate_normal(np.zeros(3), covariance, size=n)
        kept = np.exp(-np.sum(error**2, axis=1) / (2.0 * basket_m**2))
        closed = accuracy.handover_fraction(np.linalg.inv(covariance)[None], np.array([basket_m]))[0]
        assert abs(kept.mean() - closed) < 5.0 * kept.std() / np.sqrt(n)


def test_more_information_never_lowers_the_handover():
    rng = np.random.default_rng(1)
    for _ in range(200):
        a, b = rng.normal(size=(2, 3, 3))
        first = a @ a.T * 1e-4
        second = first + b @ b.T * 1e-4
        basket = np.array([rng.uniform(10.0, 1000.0)])
        assert accuracy.handover_fraction(second[None], basket) >= accuracy.handover_fraction(first[None], basket) - 1e-12
    assert accuracy.handover_fraction(np.zeros((1, 3, 3)), np.array([100.0]))[0] == 0.0


def test_one_sensors_information_lies_on_its_measurement_axes():
    # Straight overhead is not used (bearing is singular there): a target 100 km north at 10 km.
    information = accuracy.track_information(
        np.array([32.0]), np.array([35.0]), np.array([10.0]), np.array([32.9]), np.array([35.0]),
        np.array([10_000.0]), np.array([50.0]), np.radians([0.1]), np.radians([0.2]), np.array([10.0]),
        np.array([1.0]))[0]
    eigenvalues = np.sort(np.linalg.eigvalsh(information))
    range_m = 100_000.0  # about: the per-axis variances scale with the range, checked within 2 %
    expected = np.sort(1.0 / accuracy.predicted_variance_m2(
        np.array([50.0, range_m * np.radians(0.1), range_m * np.radians(0.2)]), 10.0, 1.0))
    assert np.allclose(eigenvalues, expected, rtol=0.02)


def _remote_world(noise=None, pd=None):
    """april-2024 with the United States granting Israel engage-on-remote on its sensors' tracks
    (David's Sling then has shots beyond its own radar's horizon), every sensor type's noise set
    to `noise` (range m, bearing deg) and Pd to `pd` where given."""
    scenario = load_scenario("april-2024")
    sensors = {}
    for key, kind in scenario.catalog.sensors.items():
        update = {}
        if noise is not None and kind.range_sigma_m is not None:
            update["range_sigma_m"] = kind.range_sigma_m.model_copy(update={"value": noise[0]})
            update["bearing_sigma_deg"] = kind.bearing_sigma_deg.model_copy(update={"value": noise[1]})
        if pd is not None:
            update["detection_probability"] = kind.detection_probability.model_copy(update={"value": pd})
        sensors[key] = kind.model_copy(update=update)
    remote = Agreement(id="usa-remote-to-isr", kind="engage-on-remote", grantor="USA", parties=["USA", "ISR"])
    scenario = scenario.model_copy(update={"agreements": [*scenario.agreements, remote],
                                           "catalog": scenario.catalog.model_copy(update={"sensors": sensors})})
    return compile_world(scenario, np.random.default_rng(3))


def test_remote_shots_hand_over_on_the_sensors_that_hold_the_track():
    world = _remote_world()
    handover = world.remote_handover()
    sensing = TrackedSensing()
    remote = np.unique(handover.sample)
    assert remote.size > 50
    own = np.setdiff1d(np.arange(world.windows.intercept_t_s.size), remote)
    n_sensors = len(world.scenario.sensors)
    # No track anywhere: every remote shot misses; shots on the unit's own radar keep their Pk.
    nothing = sensing.handover_fraction(world, np.full((n_sensors, world.threats.count), np.inf))
    assert np.all(nothing[remote] == 0.0) and np.all(nothing[own] == 1.0)
    # Every track held from the start: a sample covered by one sensor keeps
    # 1 / sqrt(prod(1 + v_i / R^2)) over its per-axis predicted variances v_i.
    held = sensing.handover_fraction(world, np.full((n_sensors, world.threats.count), -np.inf))
    assert np.all((held[remote] > 0.0) & (held[remote] < 1.0)) and np.all(held[own] == 1.0)
    single = np.unique(handover.sample, return_counts=True)[1] == 1
    k = np.flatnonzero(np.isin(handover.sample, remote[single]))[0]
    eigen = np.linalg.eigvalsh(handover.information[k])
    assert held[handover.sample[k]] == pytest.approx(
        1.0 / np.sqrt(np.prod(1.0 + 1.0 / eigen / handover.basket_m[k] ** 2)), rel=1e-9)
    # A track confirmed only after the intercept does not count.
    late = np.full((n_sensors, world.threats.count), -np.inf)
    late[handover.sensor[k], handover.threat[k]] = handover.intercept_t_s[k]
    assert sensing.handover_fraction(world, late)[handover.sample[k]] == 0.0


def test_exact_sensors_make_remote_shots_those_of_the_radar_fidelity():
    # Without measurement noise and with 1-of-1 confirmation a remote shot keeps its kill
    # probability (to 1e-10): the tracked replication is the radar one, shot for shot.
    world = _remote_world(noise=(0.0, 0.0), pd=1.0)
    exact = TrackedSensing(confirm=(1, 1))
    picture = exact.detect(world, [np.random.default_rng(s) for s in range(len(world.scenario.sensors))])
    fraction = exact.handover_fraction(world, picture)
    remote = np.unique(world.remote_handover().sample)
    held = fraction[remote] > 0.0
    assert held.sum() > 50 and np.all(fraction[remote][held] > 1.0 - 1e-9)
    assert np.array_equal(RadarSensing().detect(world, [np.random.default_rng(s) for s in range(len(world.scenario.sensors))]),
                          picture)
