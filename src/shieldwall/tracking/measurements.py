"""Measurement generation: what one radar reports on each scan, in its own frame.

Per scan, each object in cover is detected with a probability set by its class and range, and
reported with Gaussian range, bearing and elevation errors; false alarms, a Poisson number with
the declared mean per scan, fall uniformly in range, bearing and elevation. Every draw comes from
the Generator passed in, in a fixed order and shape, so that a measurement set is reproducible
and does not depend on which objects exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from shieldwall.scenario.model import DEFAULT_FALSE_ALARM_PROBABILITY, THREAT_CLASSES
from shieldwall.tracking.base import FALSE_ALARM, Measurements


@dataclass(frozen=True)
class Radar:
    """A radar's reporting model, in its own east-north-up frame.

    scan_period_s: revisit time. detection_probability: (3,) probability of detection per scan by
    class (drone, cruise, ballistic) at the edge of cover, max_range_m (3,) (a class with range <= 0
    is never seen). noise: range_sigma_m, bearing_sigma_deg, elevation_sigma_deg.
    false_alarms_per_scan: mean number of false alarms per scan over the measurement space
    (range 0..max range, bearing 0..360 deg, elevation 0..max_elevation_deg).
    range_law: "constant" (Pd the same anywhere in cover, as the `radar` fidelity has it) or
    "swerling-1": signal-to-noise ratio falling as range^-4 (the radar range equation, Skolnik,
    *Introduction to Radar Systems*, 3rd ed., 2001, chapter 2) and Pd = Pfa ** (1 / (1 + SNR)),
    the single-pulse detection probability of a Swerling-1 target (Swerling, "Probability of
    detection for fluctuating targets", IRE Trans. Information Theory 6(2), 1960), the SNR
    calibrated so that Pd equals `detection_probability` at the edge of cover.
    """

    scan_period_s: float
    detection_probability: tuple[float, float, float]
    max_range_m: tuple[float, float, float]
    range_sigma_m: float = 0.0
    bearing_sigma_deg: float = 0.0
    elevation_sigma_deg: float = 0.0
    false_alarms_per_scan: float = 0.0
    max_elevation_deg: float = 90.0
    range_law: Literal["constant", "swerling-1"] = "constant"
    # Per resolution cell, behind the Swerling-1 range law; the catalog's default, with its source.
    false_alarm_probability: float = DEFAULT_FALSE_ALARM_PROBABILITY.value

    def __post_init__(self) -> None:
        def finite(name, value, low=0.0, high=np.inf, low_open=False):
            value = np.asarray(value, dtype=float)
            bad = ~np.isfinite(value) | (value > high) | ((value <= low) if low_open else (value < low))
            if np.any(bad):
                bracket = "(" if low_open else "["
                raise ValueError(f"{name} must lie in {bracket}{low:g}, {high:g}], got {value.tolist()}")

        finite("scan_period_s", self.scan_period_s, low_open=True)
        finite("detection_probability", self.detection_probability, 0.0, 1.0)
        finite("max_range_m", self.max_range_m, -np.inf)
        finite("range_sigma_m", self.range_sigma_m)
        finite("bearing_sigma_deg", self.bearing_sigma_deg, 0.0, 180.0)
        finite("elevation_sigma_deg", self.elevation_sigma_deg, 0.0, 90.0)
        finite("false_alarms_per_scan", self.false_alarms_per_scan)
        finite("max_elevation_deg", self.max_elevation_deg, 0.0, 90.0, low_open=True)
        finite("false_alarm_probability", self.false_alarm_probability, 0.0, 1.0, low_open=True)
        if len(self.detection_probability) != len(THREAT_CLASSES) or len(self.max_range_m) != len(THREAT_CLASSES):
            raise ValueError(f"detection_probability and max_range_m need one value per class {THREAT_CLASSES}")
        if self.range_law not in ("constant", "swerling-1"):
            raise ValueError(f"range_law must be 'constant' or 'swerling-1', got {self.range_law!r}")
        edge_pd = np.asarray(self.detection_probability, dtype=float)
        weak = (edge_pd > 0) & (edge_pd < 1) & (edge_pd <= self.false_alarm_probability)
        if self.range_law == "swerling-1" and np.any(weak):
            # Pd = Pfa^(1/(1+SNR)) reaches Pfa only at SNR 0: below it no signal-to-noise ratio gives Pd.
            raise ValueError(f"detection_probability must exceed false_alarm_probability "
                             f"{self.false_alarm_probability:g} (or be 0 or 1) under swerling-1, "
                             f"got {edge_pd.tolist()}")

    @property
    def noise_sigma(self) -> tuple[float, float, float]:
        """(range_m, bearing_rad, elevation_rad) standard deviations."""
        return (float(self.range_sigma_m), float(np.radians(self.bearing_sigma_deg)),
                float(np.radians(self.elevation_sigma_deg)))

    @property
    def measurement_volume(self) -> float:
        """Size of the measurement space false alarms fall in (m rad^2)."""
        return float(max(max(self.max_range_m), 0.0) * 2 * np.pi * np.radians(self.max_elevation_deg))

    @property
    def clutter_density(self) -> float:
        volume = self.measurement_volume
        return self.false_alarms_per_scan / volume if volume > 0 else 0.0

    def detection_probability_at(self, range_m: np.ndarray, threat_class: np.ndarray) -> np.ndarray:
        """Probability of detection per scan of objects of `threat_class` at `range_m`; 0 beyond
        the class's range."""
        range_m = np.asarray(range_m, dtype=float)
        edge_pd = np.asarray(self.detection_probability, dtype=float)[threat_class]
        max_range = np.asarray(self.max_range_m, dtype=float)[threat_class]
        inside = (range_m <= max_range) & (max_range > 0)
        if self.range_law == "constant":
            return np.where(inside, edge_pd, 0.0)
        log_pfa = np.log(self.false_alarm_probability)
        with np.errstate(divide="ignore", invalid="ignore"):
            # SNR at the edge from Pd = Pfa ** (1 / (1 + SNR)): 1 + SNR = ln Pfa / ln Pd.
            edge_snr_plus_1 = np.where(edge_pd < 1, log_pfa / np.log(edge_pd), np.inf)
            snr = (edge_snr_plus_1 - 1) * (max_range / np.maximum(range_m, 1e-9)) ** 4
            pd = np.where(edge_pd >= 1, 1.0, np.where(edge_pd <= 0, 0.0, np.exp(log_pfa / (1 + snr))))
        return np.where(inside, pd, 0.0)

    def scan_times(self, start_t_s: float, end_t_s: float, rng: np.random.Generator) -> np.ndarray:
        """Scan times in [start_t_s, end_t_s]: a phase uniform in [0, scan period), then every period."""
        first = start_t_s + rng.random() * self.scan_period_s
        return np.arange(first, end_t_s + 1e-9, self.scan_period_s)

    def measure(self, scan_t_s: np.ndarray, position_m: np.ndarray, threat_class: np.ndarray,
                rng: np.random.Generator) -> Measurements:
        """Detections of N objects over K scans.

        position_m: (N, K, 3) east, north, up of each object at each scan in this radar's frame,
        NaN where it does not exist or is hidden (below the horizon: the caller decides cover).
        threat_class: (N,) index into THREAT_CLASSES.
        Draw order: detection uniforms (K, N), noise standard normals (K, N, 3), false-alarm counts
        Poisson (K,), then their uniforms (total, 3), whatever the objects' positions.
        """
        scan_t_s = np.asarray(scan_t_s, dtype=float)
        position_m = np.asarray(position_m, dtype=float).reshape(-1, len(scan_t_s), 3)
        threat_class = np.asarray(threat_class, dtype=np.int64)
        n_objects, n_scans = position_m.shape[0], position_m.shape[1]
        detect_u = rng.random((n_scans, n_objects))
        noise = rng.standard_normal((n_scans, n_objects, 3))
        clutter_count = rng.poisson(self.false_alarms_per_scan, n_scans)
        clutter_u = rng.random((int(clutter_count.sum()), 3))

        position = position_m.transpose(1, 0, 2)  # (K, N, 3)
        east, north, up = position[..., 0], position[..., 1], position[..., 2]
        horizontal = np.hypot(east, north)
        true_range = np.sqrt(horizontal ** 2 + up ** 2)
        exists = np.isfinite(true_range)
        pd = self.detection_probability_at(np.where(exists, true_range, np.inf), threat_class[None, :])
        seen = exists & (detect_u < pd)
        sigma = np.asarray(self.noise_sigma)
        # A reported range cannot be negative; noise that large only matters at zero range.
        range_m = np.abs(true_range + sigma[0] * noise[..., 0])
        bearing = (np.arctan2(east, north) + sigma[1] * noise[..., 1]) % (2 * np.pi)
        elevation = np.clip(np.arctan2(up, horizontal) + sigma[2] * noise[..., 2], -np.pi / 2, np.pi / 2)

        max_range = max(max(self.max_range_m), 0.0)
        clutter = np.column_stack([clutter_u[:, 0] * max_range, clutter_u[:, 1] * 2 * np.pi,
                                   clutter_u[:, 2] * np.radians(self.max_elevation_deg)])
        clutter_scan = np.repeat(np.arange(n_scans), clutter_count)

        scan_of, object_of = np.nonzero(seen)  # row-major: scan order, then object order
        rows_scan = np.concatenate([scan_of, clutter_scan])
        order = np.argsort(rows_scan, kind="stable")
        columns = [np.concatenate([v[seen], c]) for v, c in
                   ((range_m, clutter[:, 0]), (bearing, clutter[:, 1]), (elevation, clutter[:, 2]))]
        truth = np.concatenate([object_of, np.full(clutter_scan.size, FALSE_ALARM)]).astype(np.int64)
        first = np.concatenate([[0], np.cumsum(np.bincount(rows_scan, minlength=n_scans))]).astype(np.int64)
        return Measurements(scan_t_s=scan_t_s, first=first, range_m=columns[0][order],
                            bearing_rad=columns[1][order], elevation_rad=columns[2][order],
                            truth=truth[order], noise_sigma=self.noise_sigma,
                            clutter_density=self.clutter_density)


def radar_from_catalog(kind) -> Radar:
    """A Radar from a catalog SensorType: its scan period, detection probability, range by class,
    range, bearing and elevation noise (elevation: the bearing's where the type gives none),
    false alarms per scan and their elevation band, range law and probability of false alarm."""
    ranges = tuple(float(kind.range_m[c].value) if c in kind.range_m else -1.0 for c in THREAT_CLASSES)
    bearing_deg = float(kind.bearing_sigma_deg.value) if kind.bearing_sigma_deg else 0.0
    return Radar(
        scan_period_s=float(kind.scan_period_s.value),
        detection_probability=(float(kind.detection_probability.value),) * len(THREAT_CLASSES),
        max_range_m=ranges,
        range_sigma_m=float(kind.range_sigma_m.value) if kind.range_sigma_m else 0.0,
        bearing_sigma_deg=bearing_deg,
        elevation_sigma_deg=float(kind.elevation_sigma_deg.value) if kind.elevation_sigma_deg else bearing_deg,
        false_alarms_per_scan=float(kind.false_alarms_per_scan.value),
        max_elevation_deg=float(kind.max_elevation_deg.value),
        range_law=kind.range_law,
        false_alarm_probability=float(kind.false_alarm_probability.value),
    )
