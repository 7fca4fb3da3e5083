"""Extended Kalman filter tracker: GNN association, M-of-N confirmation, deletion after misses.

Per scan: predict every track to the scan time; associate firm tracks first, by global nearest
neighbour on the Mahalanobis distance within a chi-square gate; then tentative tracks with the
detections left; update the associated tracks; start a tentative track on every detection still
left (single-measurement initiation). A tentative track becomes firm once M of its first N scans
(counting the one that started it) fed it a detection, and is dropped as soon as it no longer
can; a firm track is dropped after `delete_after_misses` scans in a row without a detection.
M-of-N ("sliding window") confirmation: Blackman and Popoli, *Design and Analysis of Modern
Tracking Systems*, Artech House 1999, chapter on track initiation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtri

from shieldwall.tracking import _kernels
from shieldwall.tracking.association import gnn, jpda
from shieldwall.tracking.base import FALSE_ALARM, Measurements, Tracker, TrackHistory
from shieldwall.tracking.motion import STATE_SIZE, CoordinatedTurn, DragBallistic, MotionModel

ASSOCIATIONS = ("gnn", "jpda")
LOG_2PI = np.log(2.0 * np.pi)
SMALLEST_CLUTTER_DENSITY = np.finfo(float).tiny
"""A measurement set without false alarms declares density 0; JPDA divides by it. In logs, the
smallest positive float makes every joint event that leaves a gated detection unexplained some
700 nats less likely than one that does not: the limit of no clutter, without dividing by 0."""


@dataclass
class _Tracks:
    """Live tracks, one row each."""

    ident: np.ndarray
    mean: np.ndarray  # (T, d): the motion model's state, the kinematic six first
    covariance: np.ndarray
    last_t_s: np.ndarray
    hits: np.ndarray  # detections that fed the track within its first N scans
    age: np.ndarray  # scans since the one that started it (0 at birth)
    misses: np.ndarray  # scans in a row without a detection
    firm: np.ndarray
    # Per motion mode, for trackers with several (ImmTracker); (T, 0, ...) otherwise.
    mode_mean: np.ndarray  # (T, r, d)
    mode_covariance: np.ndarray  # (T, r, d, d)
    mode_probability: np.ndarray  # (T, r)

    @classmethod
    def empty(cls, n_modes: int, state_size: int) -> "_Tracks":
        d = state_size
        return cls(np.empty(0, np.int64), np.empty((0, d)), np.empty((0, d, d)), np.empty(0),
                   np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool),
                   np.empty((0, n_modes, d)), np.empty((0, n_modes, d, d)), np.empty((0, n_modes)))

    def take(self, rows: np.ndarray) -> "_Tracks":
        return _Tracks(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    def extend(self, other: "_Tracks") -> "_Tracks":
        return _Tracks(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in self.__dataclass_fields__))


class KalmanTracker(Tracker):
    """EKF multi-target tracker of one radar's measurements, in the radar's frame.

    motion: the motion model (motion.ConstantVelocity, motion.Ballistic, with or without drag, or
    motion.CoordinatedTurn).
    confirm: (M, N), firm after M detections within the first N scans of a track.
    delete_after_misses: a firm track is dropped after this many scans in a row without a detection.
    gate_probability: probability that the true detection falls in the gate, which sets the gate
    on the squared Mahalanobis distance at the chi-square quantile with 3 degrees of freedom; a track
    left without a detection costs the gate's distance in the assignment.
    initial_speed_sigma_mps: standard deviation of each velocity component of a new track (its
    mean is 0: one detection says nothing of the speed).
    association: how firm tracks take detections: "gnn" (global nearest neighbour, one detection
    or none each) or "jpda" (joint probabilistic data association: each firm track is updated with
    every gated detection, weighted by its probability over the feasible joint events of its
    cluster; association.jpda). Tentative tracks always take theirs by GNN.
    detection_probability: the Pd that JPDA weighs a miss with (JPDA only).
    max_joint_events: JPDA enumerates a cluster's joint events exactly while the product over its
    tracks of (1 + gated detections), a bound on their number, is at most this; a larger cluster
    takes its single most probable joint event instead.
    """

    name = "kalman"

    def __init__(self, motion: MotionModel | CoordinatedTurn | DragBallistic, confirm: tuple[int, int] = (2, 3),
                 delete_after_misses: int = 3, gate_probability: float = 0.999,
                 initial_speed_sigma_mps: float = 300.0, association: str = "gnn", detection_probability: float = 0.9,
                 max_joint_events: int = 10_000):
        self.motion = motion
        self.confirm = confirm
        self.delete_after_misses = delete_after_misses
        self.gate_probability = gate_probability
        self.initial_speed_sigma_mps = initial_speed_sigma_mps
        self.association = association
        self.detection_probability = detection_probability
        self.max_joint_events = max_joint_events

    def _check(self) -> None:
        m, n = self.confirm
        if not (1 <= m <= n):
            raise ValueError(f"confirm must be (M, N) with 1 <= M <= N, got {self.confirm}")
        if self.delete_after_misses < 1:
            raise ValueError("delete_after_misses must be >= 1")
        if not (0 < self.gate_probability < 1):
            raise ValueError("gate_probability must lie in (0, 1)")
        if not (np.isfinite(self.initial_speed_sigma_mps) and self.initial_speed_sigma_mps > 0):
            raise ValueError("initial_speed_sigma_mps must be finite and > 0")
        if self.association not in ASSOCIATIONS:
            raise ValueError(f"association must be one of {ASSOCIATIONS}, got {self.association!r}")
        if not (0 < self.detection_probability <= 1):
            raise ValueError("detection_probability must lie in (0, 1]")
        if self.max_joint_events < 1:
            raise ValueError("max_joint_events must be >= 1")

    def track(self, measurements: Measurements, rng: np.random.Generator | None = None) -> TrackHistory:
        self._check()
        m_needed, n_window = self.confirm
        # The chi-square quantile from scipy.special: scipy.stats takes most of a second to import.
        gate_d2 = float(chdtri(3, 1.0 - self.gate_probability))
        missed_cost = float(np.sqrt(gate_d2))
        noise_variance = np.asarray(measurements.noise_sigma, dtype=float) ** 2
        # A zero variance would make S singular for a new track; a micrometre (microradian) is below
        # any radar's resolution and leaves noiseless measurements effectively exact.
        noise_variance = np.maximum(noise_variance, np.array([1e-12, 1e-12, 1e-12]))
        speed_variance = self.initial_speed_sigma_mps ** 2
        state_size, extra_variance = self._state_layout()
        # JPDA's weight of a joint event: Pd N(nu; 0, S) / clutter density per detection explained,
        # 1 - Pd Pg per firm track left without one (Fortmann, Bar-Shalom and Scheffe 1983).
        log_missed = float(np.log1p(-self.detection_probability * self.gate_probability))
        log_detected = float(np.log(self.detection_probability)
                             - np.log(max(measurements.clutter_density, SMALLEST_CLUTTER_DENSITY)))

        live = _Tracks.empty(self._n_modes(), state_size)
        next_id = 0
        born, firm_at, ended = [], [], []
        label_track, label_truth = [], []
        rows = {k: [] for k in ("scan", "track", "mean", "covariance", "firm", "updated", "mode")}
        for k in range(measurements.n_scans):
            t = float(measurements.scan_t_s[k])
            z = measurements.scan(k)
            truth = measurements.scan_truth(k)
            free = np.ones(z.shape[0], dtype=bool)
            updated = np.zeros(live.ident.size, dtype=bool)
            if live.ident.size:
                self._predict(live, t - live.last_t_s)
                live.last_t_s[:] = t
                predicted, jacobian, s, s_inv = predict_measurements(live.mean, live.covariance, noise_variance)
                for firm_stage, stage in ((True, live.firm), (False, ~live.firm)):
                    rows_stage = np.flatnonzero(stage)
                    cand = np.flatnonzero(free)
                    if rows_stage.size == 0 or cand.size == 0:
                        continue
                    zc = np.ascontiguousarray(z[cand])
                    pt, pm, d2 = _kernels.gate(predicted[rows_stage], s[rows_stage], s_inv[rows_stage], zc,
                                               np.argsort(zc[:, 0], kind="stable"), gate_d2)
                    if self.association == "jpda" and firm_stage:
                        track_rows, det_rows, taken = self._jpda_update(
                            live, predicted, jacobian, s, s_inv, z, rows_stage, cand, pt, pm, d2,
                            log_detected, log_missed)
                        free[taken] = False
                    else:
                        chosen = gnn(rows_stage.size, cand.size, pt, pm, np.sqrt(d2), missed_cost)
                        hit = chosen >= 0
                        track_rows, det_rows = rows_stage[hit], cand[chosen[hit]]
                        self._update(live, predicted, jacobian, s, s_inv, z, track_rows, det_rows, noise_variance)
                        free[det_rows] = False
                    updated[track_rows] = True
                    label_track.append(live.ident[track_rows])
                    label_truth.append(truth[det_rows])
                live.age += 1
                live.hits += updated & (live.age < n_window)
                live.misses = np.where(updated, 0, live.misses + 1)
                newly_firm = ~live.firm & (live.hits >= m_needed)
                for ident in live.ident[newly_firm]:
                    firm_at[ident] = t
                live.firm |= newly_firm
                # Tentative: dropped once the rest of its window cannot bring M detections.
                hopeless = ~live.firm & (live.hits + np.maximum(n_window - 1 - live.age, 0) < m_needed)
                lost = live.firm & (live.misses >= self.delete_after_misses)
                gone = hopeless | lost
                for ident in live.ident[gone]:
                    ended[ident] = t
                live = live.take(~gone)
                updated = updated[~gone]
            new = np.flatnonzero(free)
            if new.size:
                mean, covariance = _initiate(np.ascontiguousarray(z[new]), noise_variance, speed_variance,
                                             state_size, extra_variance)
                ids = np.arange(next_id, next_id + new.size)
                next_id += new.size
                born += [t] * new.size
                firm_at += [np.inf] * new.size
                ended += [np.inf] * new.size
                firm = np.full(new.size, m_needed <= 1)
                for ident in ids[firm]:
                    firm_at[ident] = t
                r = self._n_modes()
                live = live.extend(_Tracks(
                    ids, mean, covariance, np.full(new.size, t), np.ones(new.size, np.int64),
                    np.zeros(new.size, np.int64), np.zeros(new.size, np.int64), firm,
                    np.repeat(mean[:, None], r, axis=1), np.repeat(covariance[:, None], r, axis=1),
                    np.full((new.size, r), 1.0 / max(r, 1))))
                updated = np.concatenate([updated, np.ones(new.size, dtype=bool)])
                label_track.append(ids)
                label_truth.append(truth[new])
            rows["scan"].append(np.full(live.ident.size, k))
            rows["track"].append(live.ident.copy())
            rows["mean"].append(live.mean[:, :STATE_SIZE].copy())
            rows["covariance"].append(live.covariance[:, :STATE_SIZE, :STATE_SIZE].copy())
            rows["firm"].append(live.firm.copy())
            rows["updated"].append(updated)
            rows["mode"].append(live.mode_probability.copy())

        def cat(key, shape, dtype):
            return np.concatenate(rows[key]).astype(dtype) if rows[key] else np.empty(shape, dtype)

        return TrackHistory(
            scan_t_s=np.asarray(measurements.scan_t_s, dtype=float).copy(),
            scan=cat("scan", (0,), np.int64), track=cat("track", (0,), np.int64),
            mean=cat("mean", (0, 6), float), covariance=cat("covariance", (0, 6, 6), float),
            firm=cat("firm", (0,), bool), updated=cat("updated", (0,), bool),
            born_t_s=np.array(born, dtype=float), firm_t_s=np.array(firm_at, dtype=float),
            end_t_s=np.array(ended, dtype=float), truth=_majority(next_id, label_track, label_truth),
            mode_probability=cat("mode", (0, self._n_modes()), float) if self._n_modes() else None,
        )

    def _jpda_update(self, live: _Tracks, predicted, jacobian, s, s_inv, z, rows_stage, cand, pair_track,
                     pair_detection, pair_distance2, log_detected: float, log_missed: float):
        """Update the firm tracks `rows_stage` by JPDA over the gated pairs; returns the rows of the
        tracks that a detection fed (one of their detections more probable than their miss), the
        most probable detection of each (its truth labels the track), and the detections taken
        from initiation: those more probable than the miss for some track (Stone Soup's
        MultiTargetMixtureTracker applies the same two rules)."""
        if pair_track.size == 0:
            empty = np.empty(0, np.int64)
            return empty, empty, empty
        log_normaliser = 0.5 * (np.linalg.slogdet(s[rows_stage[pair_track]])[1] + 3 * LOG_2PI)
        pair_log_weight = log_detected - 0.5 * pair_distance2 - log_normaliser
        pair_probability, missed_probability = jpda(rows_stage.size, cand.size, pair_track, pair_detection,
                                                    pair_log_weight, log_missed, self.max_joint_events)
        # Per track, its gated pairs side by side (padded with weight 0) for the mixture update.
        order = np.lexsort((pair_detection, pair_track))
        tracks_with_pairs, first, counts = np.unique(pair_track[order], return_index=True, return_counts=True)
        slot = np.arange(order.size) - np.repeat(first, counts)
        group = np.repeat(np.arange(tracks_with_pairs.size), counts)
        rows = rows_stage[tracks_with_pairs]
        weight = np.zeros((rows.size, counts.max()))
        weight[group, slot] = pair_probability[order]
        nu = np.zeros((rows.size, counts.max(), 3))
        nu[group, slot] = innovation(z[cand[pair_detection[order]]], predicted[rows_stage[pair_track[order]]])
        live.mean[rows], live.covariance[rows] = mixture_update(
            live.mean[rows], live.covariance[rows], jacobian[rows], s_inv[rows], nu, weight)
        beats_miss = pair_probability > missed_probability[pair_track]
        fed = np.zeros(rows_stage.size, dtype=bool)
        fed[pair_track[beats_miss]] = True
        best = np.full(rows_stage.size, -1, np.int64)
        by_track = np.lexsort((pair_probability, pair_track))
        last = np.append(pair_track[by_track][1:] != pair_track[by_track][:-1], True)
        best[pair_track[by_track][last]] = pair_detection[by_track][last]
        return rows_stage[fed], cand[best[fed]], np.unique(cand[pair_detection[beats_miss]])

    # Hooks for trackers with several motion modes (imm.ImmTracker); one mode here.

    def _n_modes(self) -> int:
        return 0

    def _state_layout(self) -> tuple[int, tuple[float, ...]]:
        """(state size, prior variances of a new track's elements beyond the kinematic six)."""
        return self.motion.state_size, tuple(self.motion.extra_prior_variance)

    def _predict(self, live: _Tracks, dt_s: np.ndarray) -> None:
        self.motion.predict(live.mean, live.covariance, dt_s)

    def _update(self, live: _Tracks, predicted, jacobian, s, s_inv, z, track_rows, det_rows, noise_variance) -> None:
        ekf_update(live.mean, live.covariance, predicted, jacobian, s, s_inv, z, track_rows, det_rows)


def predict_measurements(mean: np.ndarray, covariance: np.ndarray, noise_variance: np.ndarray):
    """Predicted measurement (T, 3), its Jacobian (T, 3, 6) in the kinematic state, S and S^-1
    (T, 3, 3): the measurement reads the position only, so elements beyond the sixth play no part."""
    if mean.shape[1] != STATE_SIZE:
        mean = np.ascontiguousarray(mean[:, :STATE_SIZE])
        covariance = np.ascontiguousarray(covariance[:, :STATE_SIZE, :STATE_SIZE])
    return _kernels.predict_measurements(mean, covariance, noise_variance)


def innovation(measured: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(..., 3) measured - predicted, the bearing wrapped to [-pi, pi)."""
    nu = measured - predicted
    nu[..., 1] = (nu[..., 1] + np.pi) % (2 * np.pi) - np.pi
    return nu


def mixture_update(mean, covariance, jacobian, s_inv, nu, weight) -> tuple[np.ndarray, np.ndarray]:
    """EKF update of n tracks (means (n, d), covariances (n, d, d)) with m candidate innovations
    each, nu (n, m, 3), of probabilities weight (n, m) (the rest, 1 - their sum, is the probability
    that none is the track's): the Gaussian mixture of the updates, reduced to its mean and
    covariance. With one innovation of weight 1 it is the EKF update; otherwise the PDA update
    (Bar-Shalom, Li and Kirubarajan 2001, chapter 6; Fortmann, Bar-Shalom and Scheffe 1983):
        x + K nu_c,  P - (sum beta) K S K' + K (sum beta_j nu_j nu_j' - nu_c nu_c') K',
    nu_c = sum beta_j nu_j, K = P H' S^-1, H the (3, 6) Jacobian in the kinematic state."""
    pht = covariance[:, :, :STATE_SIZE] @ jacobian.transpose(0, 2, 1)
    gain = pht @ s_inv
    combined = np.einsum("nm,nma->na", weight, nu)
    spread = np.einsum("nm,nma,nmb->nab", weight, nu, nu) - combined[:, :, None] * combined[:, None, :]
    updated_mean = mean + np.einsum("nda,na->nd", gain, combined)
    # K S K' = K (P H')' since K S = P H'.
    updated = (covariance - weight.sum(axis=1)[:, None, None] * (gain @ pht.transpose(0, 2, 1))
               + gain @ spread @ gain.transpose(0, 2, 1))
    return updated_mean, 0.5 * (updated + updated.transpose(0, 2, 1))


def ekf_update(mean, covariance, predicted, jacobian, s, s_inv, z, track_rows, det_rows) -> None:
    """EKF update in place of track track_rows[k] with detection det_rows[k]; the compiled kernel
    for the kinematic state, the mixture update with one innovation for a larger one."""
    if mean.shape[1] == STATE_SIZE:
        _kernels.update(mean, covariance, predicted, jacobian, s, s_inv, z, track_rows, det_rows)
        return
    nu = innovation(z[det_rows], predicted[track_rows])[:, None, :]
    mean[track_rows], covariance[track_rows] = mixture_update(
        mean[track_rows], covariance[track_rows], jacobian[track_rows], s_inv[track_rows], nu,
        np.ones((track_rows.size, 1)))


def _initiate(measured, noise_variance, speed_variance, state_size: int, extra_variance: tuple[float, ...]):
    """Single-measurement initiation (_kernels.initiate) of the kinematic six; elements beyond
    them start at 0 with the motion model's prior variances."""
    mean, covariance = _kernels.initiate(measured, noise_variance, speed_variance)
    if state_size == STATE_SIZE:
        return mean, covariance
    n = mean.shape[0]
    full_mean = np.zeros((n, state_size))
    full_mean[:, :STATE_SIZE] = mean
    full_covariance = np.zeros((n, state_size, state_size))
    full_covariance[:, :STATE_SIZE, :STATE_SIZE] = covariance
    extra = np.arange(STATE_SIZE, state_size)
    full_covariance[:, extra, extra] = extra_variance
    return full_mean, full_covariance


def _majority(n_tracks: int, label_track: list, label_truth: list) -> np.ndarray:
    """The truth label that fed each track most often (ties: the lower label; false alarms count
    as the label -1)."""
    out = np.full(n_tracks, FALSE_ALARM, dtype=np.int64)
    if not label_track:
        return out
    track = np.concatenate(label_track).astype(np.int64)
    truth = np.concatenate(label_truth).astype(np.int64)
    if track.size == 0:
        return out
    pairs, counts = np.unique(np.column_stack([track, truth]), axis=0, return_counts=True)
    # Sorted by (track, truth): the first row of the highest count per track wins.
    order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
    pairs = pairs[order]
    first = np.ones(pairs.shape[0], dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    out[pairs[first, 0]] = pairs[first, 1]
    return out
