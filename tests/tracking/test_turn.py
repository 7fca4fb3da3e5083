"""The coordinated-turn model: its prediction is the arc of a circle, its Jacobian the derivative of
that prediction, its process noise Stone Soup's; on a turning target it beats constant velocity in
the turn, alone and in an IMM with constant velocity; and its tracker's OSPA is Stone Soup's."""

import datetime

import numpy as np
import pytest

from shieldwall.tracking import ConstantVelocity, CoordinatedTurn, ImmTracker, KalmanTracker, ospa
from shieldwall.tracking.testing import scenario, test_radar, turning_flight_scans
from tests.tracking.test_stonesoup import CASES


@pytest.mark.parametrize("turn_rate_radps", [0.157, -0.05, 1e-3, -1e-7, 0.0])
def test_prediction_is_the_arc_of_a_circle(turn_rate_radps):
    # An object on a circle of radius speed / |omega| about a centre, at angle phase(t) = phase0 +
    # omega t seen from the centre, east = centre_e + R cos(phase), north = centre_n + R sin(phase),
    # its velocity R omega (-sin, cos); up at constant climb. With omega = 0: a straight line.
    speed_mps, climb_mps, heading_rad = 230.0, -4.0, 0.7  # heading counter-clockwise from east
    start = np.array([12_000.0, -3_000.0, 2_500.0])
    velocity = speed_mps * np.array([np.cos(heading_rad), np.sin(heading_rad)])
    state = np.array([*start, *velocity, climb_mps, turn_rate_radps])
    model = CoordinatedTurn(noise_m2ps3=1.0, turn_noise_rad2ps3=1e-4)
    for dt_s in (0.5, 2.0, 10.0, 40.0):
        predicted = model.propagate(state, dt_s)
        if turn_rate_radps == 0.0:
            expected_position = start + dt_s * np.array([*velocity, climb_mps])
            expected_velocity = velocity
        else:
            radius_m = speed_mps / abs(turn_rate_radps)
            # The centre lies to the left of the velocity for a left (counter-clockwise) turn.
            left = np.array([-np.sin(heading_rad), np.cos(heading_rad)]) * np.sign(turn_rate_radps)
            centre = start[:2] + radius_m * left
            phase0 = np.arctan2(start[1] - centre[1], start[0] - centre[0])
            phase = phase0 + turn_rate_radps * dt_s
            expected_position = np.array([centre[0] + radius_m * np.cos(phase), centre[1] + radius_m * np.sin(phase),
                                          start[2] + climb_mps * dt_s])
            expected_velocity = radius_m * turn_rate_radps * np.array([-np.sin(phase), np.cos(phase)])
        assert predicted[:3] == pytest.approx(expected_position, abs=1e-6 * max(1.0, speed_mps * dt_s))
        assert predicted[3:5] == pytest.approx(expected_velocity, abs=1e-9 * speed_mps)
        assert predicted[5] == climb_mps and predicted[6] == turn_rate_radps


def test_jacobian_matches_central_differences():
    rng = np.random.default_rng(40)
    model = CoordinatedTurn(noise_m2ps3=1.0, turn_noise_rad2ps3=1e-4)
    # Positions near the origin: the differences of far positions would lose digits to rounding.
    states = np.column_stack([rng.uniform(-1e3, 1e3, (12, 3)), rng.uniform(-300, 300, (12, 3)),
                              # turn rates on both sides of the Taylor-series switch, and 0
                              [0.2, -0.2, 0.05, -0.01, 4e-3, -2e-3, 1e-4, -1e-6, 0.0, 0.3, 1e-2, -0.15]])
    for dt_s in (0.5, 2.0, 6.0):
        analytic = model.jacobian(states, dt_s)
        for column in range(7):
            step = 1e-6 if column == 6 else 1e-3
            up, down = states.copy(), states.copy()
            up[:, column] += step
            down[:, column] -= step
            numeric = (model.propagate(up, dt_s) - model.propagate(down, dt_s)) / (2 * step)
            assert analytic[:, :, column] == pytest.approx(numeric, rel=1e-6, abs=1e-6), (dt_s, column)


def test_process_noise_is_stone_soups_constant_turn_beside_constant_velocity():
    pytest.importorskip("stonesoup")
    from stonesoup.models.transition.linear import ConstantVelocity as StoneSoupConstantVelocity
    from stonesoup.models.transition.nonlinear import ConstantTurn

    from shieldwall.tracking._stonesoup import TURN_TO_STONE_SOUP

    model = CoordinatedTurn(noise_m2ps3=3.0, turn_noise_rad2ps3=2e-3)
    interval = datetime.timedelta(seconds=2.5)
    theirs = np.zeros((7, 7))
    theirs[:5, :5] = ConstantTurn(np.array([3.0, 3.0]), 2e-3).covar(time_interval=interval)
    theirs[5:, 5:] = StoneSoupConstantVelocity(3.0).covar(time_interval=interval)
    ours = model.process_noise(2.5)[np.ix_(TURN_TO_STONE_SOUP, TURN_TO_STONE_SOUP)]
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_turn_models_beat_constant_velocity_in_the_turn():
    # Position error (one-object OSPA, c = 5 km, p = 2) over 30 runs of a 4 g turn (0.157 rad/s for
    # 30 s) between straight legs, the flight of test_imm. The turn rate jumps from 0 to 0.157 rad/s
    # and back, so the turn model's rate needs a fast random walk (0.077 rad/s per 2 s scan).
    quiet, noisy = ConstantVelocity(0.5), ConstantVelocity(400.0)
    turn = CoordinatedTurn(noise_m2ps3=0.5, turn_noise_rad2ps3=3e-3)
    trackers = {"quiet": KalmanTracker(quiet), "noisy": KalmanTracker(noisy), "turn": KalmanTracker(turn),
                "imm-quiet-noisy": ImmTracker((quiet, noisy), mode_sojourn_s=30.0),
                "imm-quiet-turn": ImmTracker((quiet, turn), mode_sojourn_s=30.0)}
    errors = {name: {"straight": [], "turn": []} for name in trackers}
    for name, k, phase, truth, history in turning_flight_scans(trackers):
        errors[name][phase].append(ospa(truth, history.at_scan(k)[1][:, :3], 5_000.0, 2))
    rms = {name: {phase: float(np.sqrt(np.mean(np.square(v)))) for phase, v in e.items()} for name, e in errors.items()}
    assert rms["turn"]["turn"] < min(rms["quiet"]["turn"], rms["noisy"]["turn"]), rms
    assert rms["imm-quiet-turn"]["turn"] < min(rms["noisy"]["turn"], rms["imm-quiet-noisy"]["turn"],
                                               rms["turn"]["turn"]), rms
    assert rms["imm-quiet-turn"]["straight"] < min(rms["noisy"]["straight"], rms["turn"]["straight"]), rms


@pytest.mark.parametrize("case", CASES)
def test_ospa_within_five_percent_of_stone_soup_constant_turn(case):
    # Objects turning at rates drawn in +-0.05 rad/s, with the model's noise (contract battery's
    # flight); Stone Soup's EKF on ConstantTurn (east-north) beside ConstantVelocity (up).
    pytest.importorskip("stonesoup")
    from shieldwall.tracking import _stonesoup
    from tests.tracking.test_stonesoup import _stone_soup_ospa

    n_objects, n_scans, pd, clutter, seed = CASES[case]
    motion = CoordinatedTurn(noise_m2ps3=1.0, turn_noise_rad2ps3=1e-5)
    tracker = KalmanTracker(motion)
    states, measurements = scenario(tracker, n_objects, n_scans, seed=seed,
                                    radar=test_radar(pd, false_alarms_per_scan=clutter))
    history = tracker.track(measurements)
    oracle = _stonesoup.track(measurements, motion)
    for order in (1, 2):
        ours = np.mean([ospa(states[:, k, :3], history.at_scan(k)[1][:, :3], 5000.0, order) for k in range(n_scans)])
        theirs = np.mean([_stone_soup_ospa(states[:, k, :3], oracle[k][1][:, :3], 5000.0, order)
                          for k in range(n_scans)])
        assert ours <= 1.05 * theirs, f"OSPA(p={order}) {ours:.1f} m against Stone Soup's {theirs:.1f} m"
        if case == "every-detection":
            # Same models, no ambiguity: equal but for Stone Soup's Jacobians (of the measurement and
            # of ConstantTurn), taken by finite differences.
            assert ours == pytest.approx(theirs, rel=1e-3)
