"""The tracking interface: measurement sets in, track histories out, one verb (`track`).

A measurement set is what one radar reports, scan after scan, in its own frame: range (m),
bearing (rad, clockwise from north) and elevation (rad) of each detection, with the noise the
radar declares. A track history is what a tracker made of it: after each scan, the state and
covariance of every live track, whether it is firm, and which true object (if any) fed it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from shieldwall.tracking.motion import MotionModel

FALSE_ALARM = -1
"""`truth` label of a false alarm (and of a track fed by false alarms only)."""


@dataclass(frozen=True)
class Measurements:
    """K scans of one radar; scan k holds rows first[k]:first[k + 1] of the per-detection arrays.

    scan_t_s: (K,) time of each scan. first: (K + 1,) offsets into the detections.
    range_m, bearing_rad, elevation_rad: (M,) each detection in the radar's frame; bearing in
    [0, 2 pi) clockwise from north, elevation above the local horizontal.
    truth: (M,) index of the true object detected, FALSE_ALARM for clutter (for scoring only; a
    tracker must not read it except to label its tracks).
    noise_sigma: (range_m, bearing_rad, elevation_rad) standard deviations the radar declares.
    clutter_density: false alarms per scan per unit of measurement space (1 / (m rad^2)).
    """

    scan_t_s: np.ndarray
    first: np.ndarray
    range_m: np.ndarray
    bearing_rad: np.ndarray
    elevation_rad: np.ndarray
    truth: np.ndarray
    noise_sigma: tuple[float, float, float]
    clutter_density: float = 0.0

    def __post_init__(self) -> None:
        first = np.asarray(self.first, dtype=np.int64)
        if first.shape != (len(self.scan_t_s) + 1,) or first[0] != 0 or np.any(np.diff(first) < 0):
            raise ValueError("first must hold K + 1 non-decreasing offsets starting at 0")
        lengths = {len(self.range_m), len(self.bearing_rad), len(self.elevation_rad), len(self.truth)}
        if len(lengths) != 1:
            raise ValueError("range_m, bearing_rad, elevation_rad and truth must have one entry per detection")
        if first[-1] != len(self.range_m):
            raise ValueError("first[-1] must equal the number of detections")
        values = np.concatenate([np.asarray(self.range_m, float), np.asarray(self.bearing_rad, float),
                                 np.asarray(self.elevation_rad, float), np.asarray(self.scan_t_s, float)])
        if not np.all(np.isfinite(values)):
            raise ValueError("detections and scan times must be finite")
        if np.any(np.diff(self.scan_t_s) < 0):
            raise ValueError("scans must be in time order")
        sigma = np.asarray(self.noise_sigma, dtype=float)
        if sigma.shape != (3,) or not np.all(np.isfinite(sigma)) or np.any(sigma < 0):
            raise ValueError(f"noise_sigma must be three finite values >= 0, got {self.noise_sigma}")

    @property
    def n_scans(self) -> int:
        return int(len(self.scan_t_s))

    def scan(self, k: int) -> np.ndarray:
        """(m, 3) detections of scan k as (range_m, bearing_rad, elevation_rad) rows."""
        rows = slice(int(self.first[k]), int(self.first[k + 1]))
        return np.column_stack([self.range_m[rows], self.bearing_rad[rows], self.elevation_rad[rows]])

    def scan_truth(self, k: int) -> np.ndarray:
        return self.truth[int(self.first[k]):int(self.first[k + 1])]


@dataclass(frozen=True)
class TrackHistory:
    """Every live track after every scan, in flat arrays (E rows), and per-track facts.

    Rows: scan (E,), track (E,) id, mean (E, 6) state (east_m, north_m, up_m, east_mps,
    north_mps, up_mps), covariance (E, 6, 6), firm (E,) whether the track is confirmed after that
    scan, updated (E,) whether a detection fed it at that scan.
    Per track id: born_t_s, firm_t_s (inf: never firm), end_t_s (inf: alive at the last scan),
    truth (the true object that fed most of its detections, FALSE_ALARM if false alarms did).
    mode_probability: (E, r) probability of each motion mode, for trackers with several (else None).
    """

    scan_t_s: np.ndarray
    scan: np.ndarray
    track: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    firm: np.ndarray
    updated: np.ndarray
    born_t_s: np.ndarray
    firm_t_s: np.ndarray
    end_t_s: np.ndarray
    truth: np.ndarray
    mode_probability: np.ndarray | None = None

    @property
    def n_tracks(self) -> int:
        return int(self.born_t_s.shape[0])

    def at_scan(self, k: int, firm_only: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(track ids, means, covariances) after scan k; firm tracks only unless told."""
        rows = self.scan == k
        if firm_only:
            rows &= self.firm
        return self.track[rows], self.mean[rows], self.covariance[rows]

    def firm_t_s_by_truth(self, n_objects: int) -> np.ndarray:
        """(n_objects,) when each true object first held a firm track (inf: never)."""
        out = np.full(n_objects, np.inf)
        labelled = (self.truth >= 0) & (self.truth < n_objects)
        np.minimum.at(out, self.truth[labelled], self.firm_t_s[labelled])
        return out


class Tracker(ABC):
    """A multi-target tracker of one radar's measurements.

    Constructors store configuration only; `track` does the work, is deterministic (a tracker
    that draws random numbers takes a Generator), never mutates its input, and accepts any valid
    measurement set: no scans, scans without detections, false alarms only. `motion` is the motion
    model the tracker assumes (the contract battery flies its targets with it).
    """

    name: str = "tracker"
    motion: MotionModel

    @abstractmethod
    def track(self, measurements: Measurements, rng: np.random.Generator | None = None) -> TrackHistory:
        """Track every scan of `measurements` in order and return the history."""
