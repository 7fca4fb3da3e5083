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
from shieldwall.tracking.association import gnn
from shieldwall.tracking.base import FALSE_ALARM, Measurements, Tracker, TrackHistory
from shieldwall.tracking.motion import MotionModel


@dataclass
class _Tracks:
    """Live tracks, one row each."""

    ident: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    last_t_s: np.ndarray
    hits: np.ndarray  # detections that fed the track within its first N scans
    age: np.ndarray  # scans since the one that started it (0 at birth)
    misses: np.ndarray  # scans in a row without a detection
    firm: np.ndarray
    # Per motion mode, for trackers with several (ImmTracker); (T, 0, ...) otherwise.
    mode_mean: np.ndarray  # (T, r, 6)
    mode_covariance: np.ndarray  # (T, r, 6, 6)
    mode_probability: np.ndarray  # (T, r)

    @classmethod
    def empty(cls, n_modes: int = 0) -> "_Tracks":
        return cls(np.empty(0, np.int64), np.empty((0, 6)), np.empty((0, 6, 6)), np.empty(0),
                   np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool),
                   np.empty((0, n_modes, 6)), np.empty((0, n_modes, 6, 6)), np.empty((0, n_modes)))

    def take(self, rows: np.ndarray) -> "_Tracks":
        return _Tracks(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    def extend(self, other: "_Tracks") -> "_Tracks":
        return _Tracks(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in self.__dataclass_fields__))


class KalmanTracker(Tracker):
    """EKF multi-target tracker of one radar's measurements, in the radar's frame.

    motion: the motion model (motion.ConstantVelocity or motion.Ballistic).
    confirm: (M, N), firm after M detections within the first N scans of a track.
    delete_after_misses: a firm track is dropped after this many scans in a row without a detection.
    gate_probability: probability that the true detection falls in the gate, which sets the gate
    on the squared Mahalanobis distance at the chi-square quantile with 3 degrees of freedom; a track
    left without a detection costs the gate's distance in the assignment.
    initial_speed_sigma_mps: standard deviation of each velocity component of a new track (its
    mean is 0: one detection says nothing of the speed).
    """

    name = "kalman"

    def __init__(self, motion: MotionModel, confirm: tuple[int, int] = (2, 3), delete_after_misses: int = 3,
                 gate_probability: float = 0.999, initial_speed_sigma_mps: float = 300.0):
        self.motion = motion
        self.confirm = confirm
        self.delete_after_misses = delete_after_misses
        self.gate_probability = gate_probability
        self.initial_speed_sigma_mps = initial_speed_sigma_mps

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
        q, g = float(self.motion.noise_m2ps3), float(self.motion.gravity_mps2)

        live = _Tracks.empty(self._n_modes())
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
                self._predict(live, t - live.last_t_s, q, g)
                live.last_t_s[:] = t
                predicted, jacobian, s, s_inv = _kernels.predict_measurements(live.mean, live.covariance,
                                                                             noise_variance)
                for stage in (live.firm, ~live.firm):
                    rows_stage = np.flatnonzero(stage)
                    cand = np.flatnonzero(free)
                    if rows_stage.size == 0 or cand.size == 0:
                        continue
                    zc = np.ascontiguousarray(z[cand])
                    pt, pm, d2 = _kernels.gate(predicted[rows_stage], s[rows_stage], s_inv[rows_stage], zc,
                                               np.argsort(zc[:, 0], kind="stable"), gate_d2)
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
                mean, covariance = _kernels.initiate(np.ascontiguousarray(z[new]), noise_variance, speed_variance)
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
            rows["mean"].append(live.mean.copy())
            rows["covariance"].append(live.covariance.copy())
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

    # Hooks for trackers with several motion modes (imm.ImmTracker); one mode here.

    def _n_modes(self) -> int:
        return 0

    def _predict(self, live: _Tracks, dt_s: np.ndarray, noise_m2ps3: float, gravity_mps2: float) -> None:
        _kernels.predict(live.mean, live.covariance, dt_s, noise_m2ps3, gravity_mps2)

    def _update(self, live: _Tracks, predicted, jacobian, s, s_inv, z, track_rows, det_rows, noise_variance) -> None:
        _kernels.update(live.mean, live.covariance, predicted, jacobian, s, s_inv, z, track_rows, det_rows)


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
