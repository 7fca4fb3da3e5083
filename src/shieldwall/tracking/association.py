"""Global nearest neighbour association: the one-to-one pairing of tracks and detections of least
total distance, a track left without a detection costing `missed_cost`.

Cast as a rectangular assignment (Blackman and Popoli, *Design and Analysis of Modern Tracking
Systems*, Artech House 1999, on GNN): tracks as rows; one column per detection (its
distance where gated, forbidden otherwise) and one private "missed" column per track. Solved by
`scipy.optimize.linear_sum_assignment` (Crouse, "On implementing 2D rectangular assignment
algorithms", IEEE Trans. AES 52(4), 2016) on each cluster of tracks and detections linked by
gates, so that a raid of well-separated objects costs a sort, not one large problem.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

FORBIDDEN = 1e18
"""Cost of a pair outside the gate: finite (the solver needs a feasible matrix), and so large
that the missed column, always open, beats it."""


def gnn(n_tracks: int, n_detections: int, pair_track: np.ndarray, pair_detection: np.ndarray,
        pair_cost: np.ndarray, missed_cost: float) -> np.ndarray:
    """(n_tracks,) detection assigned to each track, -1 for none.

    pair_track, pair_detection, pair_cost: the gated pairs and their costs; pairs not listed are
    forbidden, and a pair costing more than `missed_cost` is never chosen (leaving both free is
    cheaper)."""
    assigned = np.full(n_tracks, -1, dtype=np.int64)
    keep = pair_cost < missed_cost
    pair_track, pair_detection, pair_cost = pair_track[keep], pair_detection[keep], pair_cost[keep]
    if pair_track.size == 0:
        return assigned
    # Clusters: connected components of the bipartite gate graph (tracks 0..T-1, detections T..).
    nodes = n_tracks + n_detections
    graph = coo_matrix((np.ones(pair_track.size), (pair_track, n_tracks + pair_detection)), shape=(nodes, nodes))
    _, label = connected_components(graph, directed=False)
    pair_label = label[pair_track]
    per_label = np.bincount(pair_label, minlength=label.max() + 1)
    single = per_label[pair_label] == 1  # one track, one detection, one gated pair: take it
    assigned[pair_track[single]] = pair_detection[single]
    order = np.argsort(pair_label, kind="stable")
    order = order[~single[order]]
    if order.size == 0:
        return assigned
    labels, starts = np.unique(pair_label[order], return_index=True)
    ends = np.append(starts[1:], order.size)
    for start, end in zip(starts, ends):
        rows = order[start:end]
        tracks, track_row = np.unique(pair_track[rows], return_inverse=True)
        detections, detection_col = np.unique(pair_detection[rows], return_inverse=True)
        n_t, n_d = tracks.size, detections.size
        cost = np.full((n_t, n_d + n_t), FORBIDDEN)
        cost[track_row, detection_col] = pair_cost[rows]
        cost[np.arange(n_t), n_d + np.arange(n_t)] = missed_cost
        row, col = linear_sum_assignment(cost)
        real = col < n_d
        assigned[tracks[row[real]]] = detections[col[real]]
    return assigned


def assignment_cost(assigned: np.ndarray, cost: np.ndarray, missed_cost: float) -> float:
    """Total cost of an assignment on a dense (tracks, detections) cost matrix (inf: forbidden)."""
    total = 0.0
    for track, detection in enumerate(assigned):
        total += missed_cost if detection < 0 else cost[track, detection]
    return float(total)
