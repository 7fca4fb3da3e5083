"""The EKF against closed forms: the steady-state covariance from the discrete algebraic Riccati
equation, the discretised process noise from its integral, and NIS over Monte Carlo."""

import numpy as np
import pytest
from scipy.integrate import quad_vec
from scipy.linalg import expm, solve_discrete_are
from scipy.stats import chi2

from shieldwall.tracking import ConstantVelocity, KalmanTracker, Measurements
from shieldwall.tracking.testing import scenario

PERIOD_S = 2.0
NOISE_SIGMA = (50.0, np.radians(0.1), np.radians(0.2))


def measure_exact(position_m):
    """(range_m, bearing_rad clockwise from north, elevation_rad) of an (..., 3) east-north-up point."""
    east, north, up = np.moveaxis(np.asarray(position_m, dtype=float), -1, 0)
    return np.stack([np.sqrt(east ** 2 + north ** 2 + up ** 2), np.arctan2(east, north) % (2 * np.pi),
                     np.arctan2(up, np.hypot(east, north))], axis=-1)


def jacobian_by_differences(state, step_m=1e-3):
    """(3, 6) Jacobian of the measurement function, by central differences (velocity columns 0)."""
    out = np.zeros((3, 6))
    for axis in range(3):
        plus, minus = state[:3].copy(), state[:3].copy()
        plus[axis] += step_m
        minus[axis] -= step_m
        diff = measure_exact(plus) - measure_exact(minus)
        diff[1] = (diff[1] + np.pi) % (2 * np.pi) - np.pi
        out[:, axis] = diff / (2 * step_m)
    return out


def test_process_noise_is_the_integral_of_white_acceleration():
    # Q(dt) = integral over [0, dt] of e^{A s} L q L' e^{A' s} ds, A the continuous CV dynamics.
    q, dt = 3.5, 2.7
    a = np.zeros((6, 6))
    a[0:3, 3:6] = np.eye(3)
    lq = np.zeros((6, 6))
    lq[3:6, 3:6] = q * np.eye(3)
    integral, _ = quad_vec(lambda s: expm(a * s) @ lq @ expm(a * s).T, 0.0, dt)
    assert np.allclose(ConstantVelocity(q).process_noise(dt), integral, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("noise_m2ps3", [0.5, 20.0])
def test_steady_state_covariance_solves_the_riccati_equation(noise_m2ps3):
    # A stationary object measured without error while the filter assumes NOISE_SIGMA: the mean
    # stays on the object, so the Jacobian is the same every scan and the covariance follows the
    # Riccati recursion of a linear filter to its fixed point.
    position = np.array([20_000.0, 50_000.0, 3_000.0])
    n_scans = 300
    z = np.tile(measure_exact(position), (n_scans, 1))
    measurements = Measurements(scan_t_s=np.arange(n_scans) * PERIOD_S, first=np.arange(n_scans + 1),
                                range_m=z[:, 0], bearing_rad=z[:, 1], elevation_rad=z[:, 2],
                                truth=np.zeros(n_scans, np.int64), noise_sigma=NOISE_SIGMA)
    motion = ConstantVelocity(noise_m2ps3)
    history = KalmanTracker(motion).track(measurements)
    assert history.n_tracks == 1
    posterior = history.covariance[-1]

    h = jacobian_by_differences(np.concatenate([position, np.zeros(3)]))
    f, q, r = motion.transition(PERIOD_S), motion.process_noise(PERIOD_S), np.diag(np.square(NOISE_SIGMA))
    # scipy solves X = A'XA - A'XB (R + B'XB)^-1 B'XA + Q; with A = F', B = H' this is the prior
    # covariance of the filter in steady state.
    prior = solve_discrete_are(f.T, h.T, q, r)
    gain = prior @ h.T @ np.linalg.inv(h @ prior @ h.T + r)
    expected = prior - gain @ h @ prior
    assert np.allclose(posterior, expected, rtol=1e-6, atol=1e-9 * np.abs(expected).max())
    assert np.allclose(history.mean[-1, :3], position, atol=1e-6)


def test_normalised_innovations_are_chi_square():
    # NIS = nu' S^-1 nu of a consistent filter is chi-square with 3 degrees of freedom (Bar-Shalom,
    # Li and Kirubarajan 2001, chapter 5). Predictions are recomputed here from the motion
    # model's matrices and a Jacobian by differences, not from the tracker's kernels. The gate is
    # opened so wide that it never truncates the distribution being tested.
    tracker = KalmanTracker(ConstantVelocity(2.0), gate_probability=1 - 1e-12)
    motion = tracker.motion
    runs, first_scan, n_scans = 80, 5, 30
    averages = []
    for run in range(runs):
        states, measurements = scenario(tracker, 1, n_scans, seed=500 + run)
        r = np.diag(np.square(measurements.noise_sigma))
        history = tracker.track(measurements)
        assert history.n_tracks == 1, f"run {run}: {history.n_tracks} tracks"
        values = []
        for k in range(first_scan, n_scans):
            dt = measurements.scan_t_s[k] - measurements.scan_t_s[k - 1]
            f = motion.transition(dt)
            mean = f @ history.mean[k - 1]
            cov = f @ history.covariance[k - 1] @ f.T + motion.process_noise(dt)
            h = jacobian_by_differences(mean)
            nu = measurements.scan(k)[0] - measure_exact(mean[:3])
            nu[1] = (nu[1] + np.pi) % (2 * np.pi) - np.pi
            values.append(nu @ np.linalg.solve(h @ cov @ h.T + r, nu))
        averages.append(np.mean(values))
    # Scans of one run are treated as one sample: a wider interval than the exact one.
    low, high = chi2.ppf([0.0005, 0.9995], 3 * runs) / runs
    assert low <= np.mean(averages) <= high, f"average NIS {np.mean(averages):.3f} outside [{low:.3f}, {high:.3f}]"


def test_nis_detects_a_filter_that_assumes_too_little_noise():
    # The same statistic fails a filter told the radar is 5 times more accurate than it is.
    tracker = KalmanTracker(ConstantVelocity(2.0))
    runs = 20
    averages = []
    for run in range(runs):
        states, measurements = scenario(tracker, 1, 20, seed=900 + run)
        optimistic = Measurements(**{**measurements.__dict__,
                                     "noise_sigma": tuple(s / 5 for s in measurements.noise_sigma)})
        history = tracker.track(optimistic)
        error = history.mean[-10:] - states[0, -10:]
        averages.append(np.mean([e @ np.linalg.solve(p, e) for e, p in zip(error, history.covariance[-10:])]))
    assert np.mean(averages) > chi2.ppf(0.9995, 6 * runs) / runs
