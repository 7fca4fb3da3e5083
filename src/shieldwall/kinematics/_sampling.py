"""Common time grid of the trajectory generators."""

from __future__ import annotations

import numpy as np

# A sample closer than this share of a period to impact is dropped, so the impact sample is never
# a near-duplicate of a grid sample that floating-point rounding put just before it.
_DUPLICATE_SHARE = 1e-9


def sample_times(duration_s: np.ndarray, sample_period_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Padded (N, S) sample times 0, dt, 2 dt, ... with the last valid one exactly ``duration_s``.

    Returns ``(t_s, n_samples)``; padded samples repeat ``duration_s``.
    """
    if not sample_period_s > 0.0:
        raise ValueError("sample_period_s must be positive")
    duration_s = np.asarray(duration_s, dtype=float)
    n_samples = np.ceil(duration_s / sample_period_s - _DUPLICATE_SHARE).astype(np.int64) + 1
    n_samples = np.maximum(n_samples, 1)
    width = int(n_samples.max(initial=1))
    index = np.arange(width)
    t_s = np.where(
        index < n_samples[:, None] - 1, index * sample_period_s, duration_s[:, None]
    )
    return t_s, n_samples
