"""`radar` fidelity: detection on scans, with a probability of detection per scan."""

from __future__ import annotations

import numpy as np

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
        scenario = world.scenario
        cov = world.coverage
        n_threats = world.threats.count
        detect_t = np.full((len(scenario.sensors), n_threats), np.inf)
        if not scenario.sensors:
            return detect_t
        # Every sensor draws the same shape whatever its coverage, so streams stay aligned.
        draws = np.stack([rng.random((n_threats, MAX_INTERVALS, 2)) for rng in rngs])
        kinds = [scenario.catalog.sensors[sensor.type] for sensor in scenario.sensors]
        period = np.array([kind.scan_period_s.value for kind in kinds])[cov.sensor]
        pd = np.array([kind.detection_probability.value for kind in kinds])[cov.sensor]
        rank = np.minimum(cov.rank, MAX_INTERVALS - 1)
        phase_u, scan_u = draws[cov.sensor, cov.threat, rank, 0], draws[cov.sensor, cov.threat, rank, 1]
        certain = pd >= 1.0
        # A detection probability so small that the scans missed overflow to inf: never in time.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            missed = np.where(certain, 0.0, np.floor(np.log1p(-scan_u) / np.log1p(-np.where(certain, 0.5, pd))))
        t = cov.start_t_s + period * (phase_u + missed)
        hit = (t <= cov.end_t_s) & (pd > 0.0)
        np.minimum.at(detect_t, (cov.sensor[hit], cov.threat[hit]), t[hit])
        return detect_t


def launch_warning(world, rngs) -> np.ndarray:
    """(threats,) when space-based launch warning reports each ballistic launch (inf: never).

    Each warning sensor reports a launch after its `warning_delay_s` with its probability of
    detection; the earliest report counts.
    """
    scenario = world.scenario
    threats = world.threats
    warned = np.full(threats.count, np.inf)
    ballistic = threats.threat_class == THREAT_CLASSES.index("ballistic")
    for s in world.launch_warning_sensors:
        kind = scenario.catalog.sensors[scenario.sensors[s].type]
        u = rngs[s].random((threats.count, MAX_INTERVALS, 2))[:, 0, 0]
        seen = ballistic & (u < kind.detection_probability.value)
        delay = kind.warning_delay_s.value if kind.warning_delay_s else 0.0
        warned = np.where(seen, np.minimum(warned, threats.launch_t_s + delay), warned)
    return warned
