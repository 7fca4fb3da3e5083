"""`ideal` fidelity: a threat is detected the moment it enters any sensor's coverage."""

from __future__ import annotations

import numpy as np

from shieldwall.sensors.base import Sensing


class IdealSensing(Sensing):
    fidelity = "ideal"

    def detect(self, world, rngs):
        cov = world.coverage
        detect_t = np.full((len(world.scenario.sensors), world.threats.count), np.inf)
        np.minimum.at(detect_t, (cov.sensor, cov.threat), cov.start_t_s)
        return detect_t
