"""`radar` fidelity: detection on scans, with a probability of detection per scan."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from shieldwall._compiled import kernel
from shieldwall.scenario.model import THREAT_CLASSES
from shieldwall.sensors.base import MAX_INTERVALS, Sensing


class RadarSensing(Sensing):
    """Each sensor scans its coverage every `scan_period_s`; each scan of a threat in cover detects
    it with probability Pd, independently. Within a coverage interval the first scan falls at a
    uniform phase in [0, scan period), and the number of missed scans before the first detection is
    geometric: floor(ln u / ln(1 - Pd)) for u uniform in (0, 1] (inverse-CDF sampling). A threat is
    detected in the first interval whose detection time falls before the interval ends."""

    fidelity = "radar"

    def detect(self, world, rngs):
        n_threats = world.threats.count
        detect_t = np.full((len(world.scenario.sensors), n_threats), np.inf)
        if not world.scenario.sensors:
            return detect_t
        scans = world.derived("radar scans", lambda: _Scans.of(world))
        cov = world.coverage
        # Every sensor draws the same shape whatever its coverage, so streams stay aligned.
        draws = np.empty((len(rngs), n_threats, MAX_INTERVALS, 2))
        for s, rng in enumerate(rngs):
            rng.random(out=draws[s])
        draws = draws.reshape(-1)
        # ln(1 - u) of each interval's scan draw by NumPy, as the scans' own logarithms.
        log_scan_u = np.log1p(-draws[scans.scan_draw])
        return _first_detections(draws, log_scan_u, scans.phase_draw, scans.certain, scans.can_detect, scans.log_miss,
                                 scans.period_s, cov.start_t_s, cov.end_t_s, scans.pair, detect_t)


@kernel
def _first_detections(draws, log_scan_u, phase_draw, certain, can_detect, log_miss, period_s, start_t_s, end_t_s, pair,
                      detect_t):
    """`detect_t` ((sensors, threats), inf) with each pair's earliest detection over its coverage
    intervals: the first scan at phase u (the interval's phase draw) and floor(ln(1 - v) / ln(1 - Pd))
    scans missed (`log_scan_u`: ln(1 - v) of its scan draw v), where that falls before the interval
    ends.
    Compiled: a dozen NumPy calls on a few thousand intervals cost several times more after the
    engine's loop than alone."""
    flat = detect_t.reshape(-1)
    for i in range(pair.size):
        if not can_detect[i]:
            continue
        missed = 0.0 if certain[i] else np.floor(log_scan_u[i] / log_miss[i])
        t = start_t_s[i] + period_s[i] * (draws[phase_draw[i]] + missed)
        # The earliest per pair: a minimum, so the order of the intervals is moot.
        if t <= end_t_s[i] and t < flat[pair[i]]:
            flat[pair[i]] = t
    return detect_t


class _Scans(NamedTuple):
    """What the radar fidelity's draws are combined with, per coverage interval of a realisation."""

    period_s: np.ndarray  # the sensor's scan period
    certain: np.ndarray  # detection probability 1: detected on the first scan
    can_detect: np.ndarray  # detection probability above 0
    log_miss: np.ndarray  # ln(1 - Pd) (of 0.5 where Pd is 1, unused there)
    phase_draw: np.ndarray  # index of the interval's phase draw in the flattened draws
    scan_draw: np.ndarray  # and of its scan draw, the next one
    pair: np.ndarray  # index of (sensor, threat) in a flattened (sensors, threats) array

    @classmethod
    def of(cls, world) -> "_Scans":
        scenario, cov, n_threats = world.scenario, world.coverage, world.threats.count
        kinds = [scenario.catalog.sensors[sensor.type] for sensor in scenario.sensors]
        pd = np.array([kind.detection_probability.value for kind in kinds])[cov.sensor]
        certain = pd >= 1.0
        with np.errstate(divide="ignore"):
            log_miss = np.log1p(-np.where(certain, 0.5, pd))
        rank = np.minimum(cov.rank, MAX_INTERVALS - 1)
        pair = cov.sensor * n_threats + cov.threat
        return cls(period_s=np.array([kind.scan_period_s.value for kind in kinds])[cov.sensor], certain=certain,
                   can_detect=pd > 0.0, log_miss=log_miss, phase_draw=(pair * MAX_INTERVALS + rank) * 2,
                   scan_draw=(pair * MAX_INTERVALS + rank) * 2 + 1, pair=pair)


def launch_reports(world, rngs, errors: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """When each space-based launch warning sensor reports each ballistic launch, (sensors,
    threats) (inf: never, and in the rows of other sensors), and each report's error across the
    threat's track at ground distance d from its launch point, as (sensors, threats, 2)
    coefficients (a in metres, b a slope): the error is a + b d in metres.

    A warning sensor reports a launch after its `warning_delay_s` with its probability of
    detection. The report's launch point is off by `launch_point_sigma_m` per horizontal axis and
    its azimuth by `launch_azimuth_sigma_deg` (Gaussian; absent: exact), so its predicted ground
    track passes a + d tan(azimuth error) from the threat's (a the launch point's error across
    the track; small angles: the azimuth error is at most a few degrees). Draws: the detection
    uniforms, then two standard normals per threat, from the sensor's stream whatever the sigmas.
    Without `errors` the normals are not drawn (nor the errors computed: zeros), which leaves the
    reports as they are, for a caller that draws nothing after them from these streams.
    """
    scenario = world.scenario
    threats = world.threats
    reports = np.full((len(scenario.sensors), threats.count), np.inf)
    across = np.zeros((len(scenario.sensors), threats.count, 2))
    ballistic = threats.threat_class == THREAT_CLASSES.index("ballistic")
    for s in world.launch_warning_sensors:
        kind = scenario.catalog.sensors[scenario.sensors[s].type]
        u = rngs[s].random((threats.count, MAX_INTERVALS, 2))[:, 0, 0]
        delay = kind.warning_delay_s.value if kind.warning_delay_s else 0.0
        reports[s] = np.where(ballistic & (u < kind.detection_probability.value), threats.launch_t_s + delay, np.inf)
        if not errors:
            continue
        z = rngs[s].standard_normal((threats.count, 2))
        point_m = kind.launch_point_sigma_m.value if kind.launch_point_sigma_m else 0.0
        azimuth_rad = np.radians(kind.launch_azimuth_sigma_deg.value) if kind.launch_azimuth_sigma_deg else 0.0
        across[s] = np.stack([point_m * z[:, 0], np.tan(azimuth_rad * z[:, 1])], axis=-1)
    return reports, across


def launch_warning(world, rngs) -> np.ndarray:
    """(threats,) when space-based launch warning first reports each ballistic launch (inf: never):
    the earliest of the warning sensors' reports (`launch_reports`). The last draws of a
    replication from these streams: the reports' errors are left undrawn."""
    return launch_reports(world, rngs, errors=False)[0].min(axis=0, initial=np.inf)
