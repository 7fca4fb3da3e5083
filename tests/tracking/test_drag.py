"""The ballistic model with drag: its prediction against scipy's adaptive integration of the same
equations, its Jacobian against finite differences, no drag in the limit of a heavy body, and a
tracker that knows the drag following a re-entering object that one without it loses."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from shieldwall.tracking import Ballistic, DragBallistic, KalmanTracker, ospa
from shieldwall.tracking.motion import ATMOSPHERE_SCALE_HEIGHT_M, SEA_LEVEL_AIR_DENSITY_KGPM3, STANDARD_GRAVITY_MPS2
from shieldwall.tracking.testing import test_radar


def _equations(ballistic_coefficient_kgpm2):
    """d/dt (position, velocity) under gravity and drag, written out from the model's definition."""
    def rate(_t, x):
        speed = np.linalg.norm(x[3:])
        density = SEA_LEVEL_AIR_DENSITY_KGPM3 * np.exp(-x[2] / ATMOSPHERE_SCALE_HEIGHT_M)
        acceleration = -density * speed * x[3:] / (2 * ballistic_coefficient_kgpm2)
        acceleration[2] -= STANDARD_GRAVITY_MPS2
        return np.concatenate([x[3:], acceleration])
    return rate


def _integrated(ballistic_coefficient_kgpm2, start, t_s):
    solution = solve_ivp(_equations(ballistic_coefficient_kgpm2), (0.0, t_s[-1]), start, t_eval=t_s,
                         method="DOP853", rtol=1e-11, atol=1e-9)
    return solution.y.T


@pytest.mark.parametrize("ballistic_coefficient_kgpm2", [500.0, 2_000.0, 10_000.0])
def test_prediction_matches_adaptive_integration(ballistic_coefficient_kgpm2):
    rng = np.random.default_rng(70)
    model = DragBallistic(noise_m2ps3=1.0, ballistic_coefficient_kgpm2=ballistic_coefficient_kgpm2)
    for _ in range(5):
        start = np.array([*rng.uniform(-2e5, 2e5, 2), rng.uniform(15e3, 80e3),
                          *rng.uniform(-2_000, 2_000, 2), rng.uniform(-2_000, 300)])
        for dt_s in (0.5, 2.0, 10.0):
            expected = _integrated(ballistic_coefficient_kgpm2, start, np.array([dt_s]))[-1]
            predicted = model.propagate(start, dt_s)
            assert predicted[:3] == pytest.approx(expected[:3], abs=1e-3)
            assert predicted[3:] == pytest.approx(expected[3:], abs=1e-4)


def test_jacobian_matches_central_differences():
    rng = np.random.default_rng(71)
    model = DragBallistic(noise_m2ps3=1.0, ballistic_coefficient_kgpm2=1_500.0)
    states = np.column_stack([rng.uniform(-1e5, 1e5, (6, 2)), rng.uniform(10e3, 60e3, 6),
                              rng.uniform(-2_000, 2_000, (6, 3))])
    for dt_s in (1.0, 4.0):
        analytic = model.jacobian(states, dt_s)
        for column in range(6):
            step = 1e-2
            up, down = states.copy(), states.copy()
            up[:, column] += step
            down[:, column] -= step
            numeric = (model.propagate(up, dt_s) - model.propagate(down, dt_s)) / (2 * step)
            assert analytic[:, :, column] == pytest.approx(numeric, rel=1e-6, abs=1e-7), (dt_s, column)


def test_a_heavy_body_flies_the_parabola():
    # beta -> infinity: no drag; the parabola x + v t - g t^2 / 2 up.
    start = np.array([5e4, -2e4, 3e4, 900.0, -400.0, 700.0])
    heavy = DragBallistic(noise_m2ps3=1.0, ballistic_coefficient_kgpm2=1e15)
    t_s = 25.0
    parabola = start[:3] + t_s * start[3:] - 0.5 * STANDARD_GRAVITY_MPS2 * t_s ** 2 * np.array([0, 0, 1])
    assert heavy.propagate(start, t_s)[:3] == pytest.approx(parabola, abs=1e-6)
    assert Ballistic(1.0, ballistic_coefficient_kgpm2=1e15) == heavy


def test_drag_model_follows_a_reentry_that_gravity_alone_loses():
    # A re-entering object (beta 2,000 kg/m^2) from 70 km at 2.4 km/s down to 18 km over 34 s,
    # integrated by scipy; it decelerates by up to tens of m/s^2, which a gravity-only model, quiet or
    # noisy, cannot follow. Position error (one-object OSPA, c = 5 km, p = 2) from the sixth scan.
    beta = 2_000.0
    scan_t_s = np.arange(0.0, 36.0, 2.0)
    states = _integrated(beta, np.array([150e3, 40e3, 70e3, -1_800.0, -600.0, -1_500.0]), scan_t_s)[None]
    radar = test_radar(1.0, range_sigma_m=20.0, bearing_sigma_deg=0.05)
    trackers = {"gravity": KalmanTracker(Ballistic(1.0), initial_speed_sigma_mps=2_000.0),
                "gravity-noisy": KalmanTracker(Ballistic(100.0), initial_speed_sigma_mps=2_000.0),
                "drag": KalmanTracker(Ballistic(1.0, ballistic_coefficient_kgpm2=beta),
                                      initial_speed_sigma_mps=2_000.0)}
    errors = {name: [] for name in trackers}
    for run in range(20):
        rng = np.random.default_rng(600 + run)
        measurements = radar.measure(scan_t_s, states[..., :3], np.zeros(1, np.int64), rng)
        for name, tracker in trackers.items():
            history = tracker.track(measurements)
            errors[name] += [ospa(states[:, k, :3], history.at_scan(k)[1][:, :3], 5_000.0, 2)
                             for k in range(5, scan_t_s.size)]
    rms = {name: float(np.sqrt(np.mean(np.square(e)))) for name, e in errors.items()}
    assert rms["drag"] < 0.2 * min(rms["gravity"], rms["gravity-noisy"]), rms
