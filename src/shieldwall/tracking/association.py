"""Global nearest neighbour association: the one-to-one pairing of tracks and detections of least
total distance, a track left without a detection costing `missed_cost`.

Cast as a rectangular assignment (Blackman and Popoli, *Design and Analysis of Modern Tracking
Systems*, Artech House 1999, on GNN): tracks as rows; one column per detection (its
distance where gated, forbidden otherwise) and one private "missed" column per track. Solved by
`scipy.optimize.linear_sum_assignment` (Crouse, "On implementing 2D rectangular assignment
algorithms", IEEE Trans. AES 52(4), 2016) on each cluster of tracks and detections linked by
gates, so that a raid of well-separated objects costs a sort, not one large problem.

Joint probabilistic data association (`jpda`; Fortmann, Bar-Shalom and Scheffe, "Sonar tracking
of multiple targets using joint probabilistic data association", IEEE J. Oceanic Engineering 8(3),
1983): instead of one pairing, the probability that each gated detection is each track's, summed
over every feasible joint event (each detection to one track at most, each track one detection at
most) of the tracks' cluster, enumerated exactly.
"""

from __future__ import annotations

import numpy as np
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
    pair_label = _cluster_of_pairs(n_tracks, n_detections, pair_track, pair_detection)
    per_label = np.bincount(pair_label)
    single = per_label[pair_label] == 1  # one track, one detection, one gated pair: take it
    assigned[pair_track[single]] = pair_detection[single]
    # Imported here, not with the module: scipy.optimize takes over half a second to load, which
    # every command would pay.
    from scipy.optimize import linear_sum_assignment

    for rows in _clusters(pair_label, ~single):
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


def jpda(n_tracks: int, n_detections: int, pair_track: np.ndarray, pair_detection: np.ndarray,
         pair_log_weight: np.ndarray, log_missed: float, max_joint_events: int) -> tuple[np.ndarray, np.ndarray]:
    """(probability of each gated pair (P,), probability that each track has none of its detections
    (n_tracks,)): marginals over the feasible joint events of each cluster.

    A joint event's weight is the product of its pairs' weights, exp(pair_log_weight) (for JPDA,
    Pd N(nu; 0, S) / clutter density), and of exp(log_missed) (1 - Pd Pg) per track it leaves
    without a detection; probabilities are weights normalised over the cluster's feasible events.
    A cluster whose bound on the number of events, the product over its tracks of (1 + gated
    detections), exceeds `max_joint_events` takes its single most probable joint event (GNN on the
    negative log weights) with probability 1."""
    pair_probability = np.zeros(pair_track.size)
    missed_probability = np.ones(n_tracks)
    if pair_track.size == 0:
        return pair_probability, missed_probability
    pair_label = _cluster_of_pairs(n_tracks, n_detections, pair_track, pair_detection)
    # A cluster of one track has one event per gated detection, and the miss: its marginals are
    # those weights normalised (the PDA's), for all such clusters at once.
    cluster_track = np.unique(np.column_stack([pair_label, pair_track]), axis=0)
    tracks_in_cluster = np.bincount(cluster_track[:, 0])
    pairs_of_track = np.bincount(pair_track, minlength=n_tracks)
    alone = (tracks_in_cluster[pair_label] == 1) & (pairs_of_track[pair_track] + 1 <= max_joint_events)
    track_alone = pair_track[alone]
    peak = np.full(n_tracks, log_missed)
    np.maximum.at(peak, track_alone, pair_log_weight[alone])
    weight = np.exp(pair_log_weight[alone] - peak[track_alone])
    total = np.exp(log_missed - peak) + np.bincount(track_alone, weight, minlength=n_tracks)
    pair_probability[alone] = weight / total[track_alone]
    missed_probability[track_alone] = (np.exp(log_missed - peak) / total)[track_alone]
    for rows in _clusters(pair_label, ~alone):
        tracks, track_row = np.unique(pair_track[rows], return_inverse=True)
        counts = np.bincount(track_row, minlength=tracks.size)
        if np.sum(np.log1p(counts)) > np.log(max_joint_events):
            chosen = gnn(tracks.size, n_detections, track_row, pair_detection[rows], -pair_log_weight[rows],
                         -log_missed)
            taken = chosen[track_row] == pair_detection[rows]
            pair_probability[rows[taken]] = 1.0
            missed_probability[tracks[chosen >= 0]] = 0.0
            continue
        # Option 0 of each track is the miss, option k its k-th gated pair.
        by_track = np.argsort(track_row, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)])
        choice = np.indices(tuple(counts + 1)).reshape(tracks.size, -1).T  # (events, tracks)
        option_pair = starts[None, :-1] + choice - 1  # into by_track; meaningless where choice is 0
        detected = choice > 0
        pair_of = rows[by_track[np.where(detected, option_pair, 0)]]
        detection = np.where(detected, pair_detection[pair_of], -1)
        ordered = np.sort(detection, axis=1)
        feasible = ~np.any((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0), axis=1)
        log_weight = np.where(detected, pair_log_weight[pair_of], log_missed).sum(axis=1)[feasible]
        probability = np.exp(log_weight - log_weight.max())
        probability /= probability.sum()
        choice, pair_of, detected = choice[feasible], pair_of[feasible], detected[feasible]
        missed_probability[tracks] = ((~detected) * probability[:, None]).sum(axis=0)
        np.add.at(pair_probability, pair_of[detected], np.broadcast_to(probability[:, None], detected.shape)[detected])
    return pair_probability, missed_probability


def _cluster_of_pairs(n_tracks: int, n_detections: int, pair_track: np.ndarray,
                      pair_detection: np.ndarray) -> np.ndarray:
    """(P,) cluster label of each gated pair: the connected components of the bipartite gate graph
    (tracks 0..T-1, detections T..)."""
    nodes = n_tracks + n_detections
    graph = coo_matrix((np.ones(pair_track.size), (pair_track, n_tracks + pair_detection)), shape=(nodes, nodes))
    _, label = connected_components(graph, directed=False)
    return label[pair_track]


def _clusters(pair_label: np.ndarray, selected: np.ndarray):
    """The selected pairs' indices, one array per cluster."""
    order = np.argsort(pair_label, kind="stable")
    order = order[selected[order]]
    if order.size == 0:
        return
    _, starts = np.unique(pair_label[order], return_index=True)
    yield from np.split(order, starts[1:])


def assignment_cost(assigned: np.ndarray, cost: np.ndarray, missed_cost: float) -> float:
    """Total cost of an assignment on a dense (tracks, detections) cost matrix (inf: forbidden)."""
    total = 0.0
    for track, detection in enumerate(assigned):
        total += missed_cost if detection < 0 else cost[track, detection]
    return float(total)
