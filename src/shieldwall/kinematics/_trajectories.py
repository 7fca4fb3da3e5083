"""The sampled-trajectory batch that every trajectory generator returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Trajectories:
    """A batch of N threat trajectories sampled in time, as padded (N, S) arrays.

    Row i holds ``n_samples[i]`` valid samples, from launch (``t_s == 0``) to impact (the last
    valid sample); the padded samples after it repeat the impact sample, so any (N, S) array can be
    reduced without masking when repeated values do no harm.
    """

    t_s: np.ndarray
    """(N, S) time since launch of each sample."""
    lat_deg: np.ndarray
    """(N, S) WGS84 latitude."""
    lon_deg: np.ndarray
    """(N, S) WGS84 longitude."""
    alt_m: np.ndarray
    """(N, S) altitude above the surface."""
    n_samples: np.ndarray
    """(N,) number of valid samples per threat."""
    flight_time_s: np.ndarray
    """(N,) time from launch to impact."""
    apogee_m: np.ndarray
    """(N,) highest altitude reached."""

    @property
    def valid(self) -> np.ndarray:
        """(N, S) mask of the samples that are not padding."""
        return np.arange(self.t_s.shape[1]) < self.n_samples[:, None]

    @classmethod
    def concatenate(cls, parts: Sequence[Trajectories]) -> Trajectories:
        """One batch holding the threats of ``parts`` in order, padded to the longest."""
        width = max(part.t_s.shape[1] for part in parts)

        def padded(values: np.ndarray) -> np.ndarray:
            if values.shape[0] == 0:
                return np.empty((0, width))
            # Repeating the last column keeps the "padding repeats impact" invariant.
            return np.pad(values, ((0, 0), (0, width - values.shape[1])), mode="edge")

        return cls(
            **{name: np.concatenate([padded(getattr(part, name)) for part in parts])
               for name in _SAMPLED_FIELDS},
            **{name: np.concatenate([getattr(part, name) for part in parts])
               for name in _PER_THREAT_FIELDS},
        )

    def interpolate(self, t_s: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position of every threat at its own time ``t_s`` (shape (N,)), linear between samples.

        Times before launch give the launch point, times after impact the impact point.
        Longitudes are interpolated across the antimeridian the short way round.
        Returns ``(lat_deg, lon_deg, alt_m)``, each (N,).
        """
        t_s = np.broadcast_to(np.asarray(t_s, dtype=float), self.n_samples.shape)
        rows = np.arange(len(self.n_samples))
        # Index of the last sample at or before t_s, kept so that (before, before + 1) is a segment.
        before = np.sum(self.valid & (self.t_s <= t_s[:, None]), axis=1) - 1
        before = np.clip(before, 0, np.maximum(self.n_samples - 2, 0))
        after = np.minimum(before + 1, self.n_samples - 1)
        t0, t1 = self.t_s[rows, before], self.t_s[rows, after]
        span_s = t1 - t0
        fraction = np.clip(
            np.divide(t_s - t0, span_s, out=np.zeros_like(span_s), where=span_s > 0), 0.0, 1.0
        )

        def blend(values: np.ndarray) -> np.ndarray:
            return values[rows, before] + fraction * (values[rows, after] - values[rows, before])

        lon0 = self.lon_deg[rows, before]
        dlon = (self.lon_deg[rows, after] - lon0 + 180.0) % 360.0 - 180.0
        lon = (lon0 + fraction * dlon + 180.0) % 360.0 - 180.0
        return blend(self.lat_deg), lon, blend(self.alt_m)

    def position_at(self, i: int, t_s: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position of threat ``i`` at the times ``t_s`` (any shape), linear between samples.

        Same conventions as :meth:`interpolate`. Returns ``(lat_deg, lon_deg, alt_m)``.
        """
        count = int(self.n_samples[i])
        times = self.t_s[i, :count]
        lon = np.unwrap(self.lon_deg[i, :count], period=360.0)
        t_s = np.asarray(t_s, dtype=float)
        return (
            np.interp(t_s, times, self.lat_deg[i, :count]),
            (np.interp(t_s, times, lon) + 180.0) % 360.0 - 180.0,
            np.interp(t_s, times, self.alt_m[i, :count]),
        )


_SAMPLED_FIELDS = ("t_s", "lat_deg", "lon_deg", "alt_m")
_PER_THREAT_FIELDS = ("n_samples", "flight_time_s", "apogee_m")
