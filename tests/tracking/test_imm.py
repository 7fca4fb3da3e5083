"""The IMM tracker: reduces to the Kalman tracker where it should, and earns its keep on a turn."""

import numpy as np
import pytest

from shieldwall.tracking import ConstantVelocity, ImmTracker, KalmanTracker, ospa
from shieldwall.tracking.testing import scenario, test_radar, turning_flight_scans


def _same_history(a, b):
    assert np.array_equal(a.track, b.track) and np.array_equal(a.firm, b.firm)
    assert np.array_equal(a.firm_t_s, b.firm_t_s) and np.array_equal(a.end_t_s, b.end_t_s)
    assert np.allclose(a.mean, b.mean, rtol=1e-9, atol=1e-6)
    assert np.allclose(a.covariance, b.covariance, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("modes", [1, 3])
def test_identical_modes_reduce_to_the_kalman_tracker(modes):
    # Mixing copies of one model changes nothing: the IMM is then the Kalman tracker.
    kalman = KalmanTracker(ConstantVelocity(2.0))
    imm = ImmTracker((ConstantVelocity(2.0),) * modes, mode_sojourn_s=10.0)
    _, measurements = scenario(kalman, 8, 20, seed=21, radar=test_radar(0.9, false_alarms_per_scan=5))
    a, b = kalman.track(measurements), imm.track(measurements)
    _same_history(a, b)
    assert np.allclose(b.mode_probability, 1.0 / modes)


def test_switch_matrix_by_hand():
    # A mode lasting 30 s on average: over 3 s a track stays with probability exp(-0.1) = 0.904837
    # and moves to each of the two others with (1 - 0.904837) / 2 = 0.047581.
    imm = ImmTracker((ConstantVelocity(1.0),) * 3, mode_sojourn_s=30.0)
    matrix = imm.switch_matrix(np.array([3.0]))[0]
    assert np.allclose(np.diag(matrix), 0.904837, atol=1e-6)
    assert np.allclose(matrix[~np.eye(3, dtype=bool)], 0.047581, atol=1e-6)


def test_imm_beats_each_of_its_models_where_the_other_fails():
    # Position error (one-object OSPA, c = 5 km, p = 2) over 30 runs of a 4 g turn between straight
    # legs. A quiet constant-velocity filter lags in the turn; a noisy one is loose on the straight;
    # the IMM of the two follows the quiet one on the straight and the noisy one in the turn.
    quiet, noisy = ConstantVelocity(0.5), ConstantVelocity(400.0)
    trackers = {"quiet": KalmanTracker(quiet), "noisy": KalmanTracker(noisy),
                "imm": ImmTracker((quiet, noisy), mode_sojourn_s=30.0)}
    errors = {name: {"straight": [], "turn": []} for name in trackers}
    noisy_mode = {"straight": [], "turn": []}
    for name, k, phase, truth, history in turning_flight_scans(trackers):
        errors[name][phase].append(ospa(truth, history.at_scan(k)[1][:, :3], 5_000.0, 2))
        if name == "imm":
            rows = (history.scan == k) & history.firm
            noisy_mode[phase].append(history.mode_probability[rows, 1].mean())
    rms = {name: {phase: float(np.sqrt(np.mean(np.square(v)))) for phase, v in e.items()} for name, e in errors.items()}
    assert rms["imm"]["straight"] < rms["noisy"]["straight"], rms
    assert rms["imm"]["turn"] < rms["quiet"]["turn"], rms
    assert np.mean(noisy_mode["turn"]) > 2 * np.mean(noisy_mode["straight"]), noisy_mode
