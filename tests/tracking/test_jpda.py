"""JPDA: its marginal association probabilities against enumeration of every joint event of all
tracks at once (no clusters), its fallback against the most probable event, and the JPDA tracker's
OSPA against Stone Soup's JPDA on the same measurement sets."""

import itertools

import numpy as np
import pytest

from shieldwall.tracking import ConstantVelocity, CoordinatedTurn, KalmanTracker, jpda, ospa
from shieldwall.tracking.testing import scenario, test_radar


def _random_case(rng):
    """Tracks, detections, gated pairs (about half of all) and their log weights."""
    n_tracks, n_detections = int(rng.integers(1, 5)), int(rng.integers(0, 5))
    gated = rng.random((n_tracks, n_detections)) < 0.5
    pair_track, pair_detection = np.nonzero(gated)
    pair_log_weight = rng.normal(0.0, 2.0, pair_track.size)
    return n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, float(rng.normal(-1.0, 1.0))


def _joint_events(n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, log_missed):
    """Every feasible joint event of all tracks, as (detection per track, -1 for none; weight)."""
    log_weight = np.full((n_tracks, n_detections), -np.inf)
    log_weight[pair_track, pair_detection] = pair_log_weight
    events = []
    for choice in itertools.product(range(-1, n_detections), repeat=n_tracks):
        used = [d for d in choice if d >= 0]
        if len(used) != len(set(used)) or any(np.isinf(log_weight[t, d]) for t, d in enumerate(choice) if d >= 0):
            continue
        total = sum(log_missed if d < 0 else log_weight[t, d] for t, d in enumerate(choice))
        events.append((choice, np.exp(total)))
    return events


def test_marginals_match_enumeration_of_all_joint_events():
    rng = np.random.default_rng(50)
    for _ in range(200):
        n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, log_missed = _random_case(rng)
        pair_probability, missed_probability = jpda(n_tracks, n_detections, pair_track, pair_detection,
                                                    pair_log_weight, log_missed, max_joint_events=10_000)
        events = _joint_events(n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, log_missed)
        total = sum(weight for _, weight in events)
        for k, (t, d) in enumerate(zip(pair_track, pair_detection)):
            expected = sum(weight for choice, weight in events if choice[t] == d) / total
            assert pair_probability[k] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        for t in range(n_tracks):
            expected = sum(weight for choice, weight in events if choice[t] < 0) / total
            assert missed_probability[t] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_beyond_the_cap_the_most_probable_joint_event_is_taken():
    rng = np.random.default_rng(51)
    for _ in range(100):
        n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, log_missed = _random_case(rng)
        pair_probability, missed_probability = jpda(n_tracks, n_detections, pair_track, pair_detection,
                                                    pair_log_weight, log_missed, max_joint_events=1)
        events = _joint_events(n_tracks, n_detections, pair_track, pair_detection, pair_log_weight, log_missed)
        best = max(events, key=lambda event: event[1])[0]
        # Every cluster is over the cap of one event, so the whole picture is the best event.
        for k, (t, d) in enumerate(zip(pair_track, pair_detection)):
            assert pair_probability[k] == (1.0 if best[t] == d else 0.0)
        assert np.array_equal(missed_probability, [1.0 if d < 0 else 0.0 for d in best])


CASES = {
    # name: (motion, objects, scans, Pd, false alarms per scan, seed)
    "missed-detections-and-clutter": (ConstantVelocity(1.0), 6, 20, 0.9, 5.0, 12),
    "dense-clutter": (ConstantVelocity(1.0), 8, 20, 0.85, 15.0, 13),
    "turning-in-clutter": (CoordinatedTurn(1.0, 1e-5), 6, 20, 0.9, 10.0, 14),
}


@pytest.mark.parametrize("case", CASES)
def test_ospa_within_five_percent_of_stone_soup_jpda(case):
    # Stone Soup's JPDA enumerates the joint events of all its tracks at once, so the cases are
    # small. Both are told the radar's Pd and clutter density.
    pytest.importorskip("stonesoup")
    from shieldwall.tracking import _stonesoup
    from tests.tracking.test_stonesoup import _stone_soup_ospa

    motion, n_objects, n_scans, pd, clutter, seed = CASES[case]
    tracker = KalmanTracker(motion, association="jpda", detection_probability=pd)
    states, measurements = scenario(tracker, n_objects, n_scans, seed=seed,
                                    radar=test_radar(pd, false_alarms_per_scan=clutter))
    history = tracker.track(measurements)
    oracle = _stonesoup.track(measurements, motion, association="jpda", detection_probability=pd)
    for order in (1, 2):
        ours = np.mean([ospa(states[:, k, :3], history.at_scan(k)[1][:, :3], 5000.0, order) for k in range(n_scans)])
        theirs = np.mean([_stone_soup_ospa(states[:, k, :3], oracle[k][1][:, :3], 5000.0, order)
                          for k in range(n_scans)])
        assert ours <= 1.05 * theirs, f"OSPA(p={order}) {ours:.1f} m against Stone Soup's {theirs:.1f} m"
