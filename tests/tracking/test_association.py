"""Global nearest neighbour against enumeration of every one-to-one assignment."""

import numpy as np
import pytest

from shieldwall.tracking import gnn
from shieldwall.tracking.association import assignment_cost
from shieldwall.tracking.testing import brute_force_gnn


def _pairs(cost):
    tracks, detections = np.nonzero(np.isfinite(cost))
    return tracks, detections, cost[tracks, detections]


@pytest.mark.parametrize("seed", range(300))
def test_gnn_matches_brute_force_on_small_cases(seed):
    rng = np.random.default_rng(seed)
    n_tracks, n_detections = int(rng.integers(0, 5)), int(rng.integers(0, 6))
    cost = rng.uniform(0.0, 5.0, (n_tracks, n_detections))
    cost[rng.random(cost.shape) < 0.3] = np.inf  # outside the gate
    missed = float(rng.uniform(1.0, 4.0))
    assigned = gnn(n_tracks, n_detections, *_pairs(cost), missed)
    _, best = brute_force_gnn(cost, missed)
    used = assigned[assigned >= 0]
    assert used.size == np.unique(used).size, "a detection assigned twice"
    assert np.all(np.isfinite([cost[t, d] for t, d in enumerate(assigned) if d >= 0])), "a pair outside the gate"
    assert assignment_cost(assigned, cost, missed) == pytest.approx(best, abs=1e-12)


def test_gnn_is_global_where_nearest_neighbour_is_not():
    # Track 0's nearest detection is 0 (1.0 < 1.5), but taking it leaves track 1 only its miss (4.0):
    # total 5.0. The global optimum gives track 0 detection 1 and track 1 detection 0: 1.5 + 1.2.
    cost = np.array([[1.0, 1.5], [1.2, np.inf]])
    assigned = gnn(2, 2, *_pairs(cost), 4.0)
    assert assigned.tolist() == [1, 0]


def test_pairs_dearer_than_a_miss_are_never_taken():
    cost = np.array([[3.0, np.inf], [np.inf, 0.5]])
    assert gnn(2, 2, *_pairs(cost), 2.0).tolist() == [-1, 1]


def test_many_separate_clusters_in_one_call():
    # 500 tracks each gated only with its own detection, plus one contested cluster of three.
    n = 500
    tracks = np.arange(n)
    detections = (tracks * 7) % n  # a permutation
    cost = np.full(n, 0.5)
    tracks = np.concatenate([tracks, [0, 1, 2]])
    detections = np.concatenate([detections, [detections[1], detections[2], detections[0]]])
    cost = np.concatenate([cost, [0.1, 0.1, 0.1]])
    assigned = gnn(n, n, tracks, detections, cost, 3.0)
    expected = (np.arange(n) * 7) % n
    expected[:3] = [expected[1], expected[2], expected[0]]
    assert np.array_equal(assigned, expected)
