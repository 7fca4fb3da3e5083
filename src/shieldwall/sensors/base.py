"""The sensing interface: when does each sensor first detect each threat in one replication."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from shieldwall._compiled import kernel

if TYPE_CHECKING:
    from shieldwall.engine.world import World

MAX_INTERVALS = 4
"""Coverage intervals of one (sensor, threat) pair that get their own random draws; later ones
(a threat weaving in and out of cover more often) reuse the last draw."""


class Sensing(ABC):
    """A fidelity of sensing. `detect` returns (sensors, threats) first-detection times, inf where
    a sensor never detects a threat. `rngs` holds one Generator per sensor, so that a sensor's
    draws do not depend on which other sensors exist (common random numbers across variants)."""

    fidelity: str

    @abstractmethod
    def detect(self, world: "World", rngs: list[np.random.Generator]) -> np.ndarray: ...

    def detect_and_confirm(self, world: "World", rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
        """(first detection, entry into the picture), each (sensors, threats), from the same draws
        as `detect`, whose result is the second. Without confirmation they are the same array."""
        detect_t = self.detect(world, rngs)
        return detect_t, detect_t

    def handover_fraction(self, world: "World", picture_t_s: np.ndarray) -> np.ndarray:
        """(S,) per sample of `world.windows`: the fraction of its kill probability a shot there
        keeps for the error of the track it is handed over on, given when each sensor's track
        entered the picture ((sensors, threats), the second array of `detect_and_confirm`). Empty:
        a fidelity without track errors, where every shot keeps its kill probability."""
        return np.ones(0)

    def track_error_m(self, world: "World", picture_t_s: np.ndarray, partner: np.ndarray, threat: np.ndarray,
                      position: np.ndarray) -> np.ndarray:
        """(K,) the predicted position error (m, root mean square) at the intercept point of
        window sample position[k] of `partner[k]`'s picture of threat[k], fused from every track
        it holds then; NaN at a fidelity without track errors."""
        return np.full(np.shape(threat), np.nan)


@kernel
def arrival_times(detect_t_s, release_from_s, release_until_s):
    """(sensors, partners, threats): when each sensor's detection ((sensors, threats)) reaches each
    partner, before latency; inf: never.

    A sensor's detection reaches a partner while one of the spans [release_from_s, release_until_s]
    ((sensors, partners, spans)) of the sensor's release to it is in force: at the detection, or
    when the span starts if later, provided the span has not ended by then (the earliest such).
    Compiled: a few NumPy calls per span cost several times more after the engine's loop than
    alone.
    """
    sensors, threats = detect_t_s.shape
    partners, spans = release_from_s.shape[1], release_from_s.shape[2]
    earliest = np.full((sensors, partners, threats), np.inf)
    for s in range(sensors):
        for p in range(partners):
            for k in range(spans):
                from_s, until_s = release_from_s[s, p, k], release_until_s[s, p, k]
                for j in range(threats):
                    arrival = max(detect_t_s[s, j], from_s)
                    if arrival <= until_s and arrival < earliest[s, p, j]:
                        earliest[s, p, j] = arrival
    return earliest


def release_tracks(arrival_t_s: np.ndarray, latency_s: float) -> np.ndarray:
    """(partners, threats): when each partner's picture first holds each threat, from the
    sensors' `arrival_times`, plus the picture latency. A track received stays in the picture
    (tracks are not dropped when an agreement ends)."""
    return arrival_t_s.min(axis=0, initial=np.inf) + latency_s


def first_source(arrival_t_s: np.ndarray, partner: int) -> np.ndarray:
    """(threats,) the sensor whose track reached `partner`'s picture first (`arrival_times`; the
    lowest index among equals), -1 where none did."""
    if arrival_t_s.shape[0] == 0:
        return np.full(arrival_t_s.shape[2], -1)
    arrival = arrival_t_s[:, partner]
    return np.where(np.isfinite(arrival.min(axis=0)), arrival.argmin(axis=0), -1)
