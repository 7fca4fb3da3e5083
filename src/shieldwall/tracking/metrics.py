"""Scores of a tracker against the truth: OSPA, NEES and NIS."""

from __future__ import annotations

import numpy as np


def ospa(truth_m: np.ndarray, estimate_m: np.ndarray, cutoff_m: float, order: float = 1.0) -> float:
    """Optimal sub-pattern assignment distance between two finite sets of points (rows).

    With m <= n points (swap the sets otherwise) and d_c = min(c, distance):
        OSPA = ((1 / n) (min over assignments sum d_c^p + c^p (n - m))) ** (1 / p)
    (Schuhmacher, Vo and Vo, "A consistent metric for performance evaluation of multi-object
    filters", IEEE Trans. Signal Processing 56(8), 2008). 0 for two empty sets.
    """
    x, y = np.atleast_2d(truth_m), np.atleast_2d(estimate_m)
    n_x = x.shape[0] if np.size(truth_m) else 0
    n_y = y.shape[0] if np.size(estimate_m) else 0
    if n_x == 0 and n_y == 0:
        return 0.0
    if n_x == 0 or n_y == 0:
        return float(cutoff_m)
    if n_x > n_y:
        x, y, n_x, n_y = y, x, n_y, n_x
    distance = np.minimum(np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2), cutoff_m) ** order
    from scipy.optimize import linear_sum_assignment  # here: scipy.optimize is slow to load

    rows, cols = linear_sum_assignment(distance)
    total = distance[rows, cols].sum() + cutoff_m ** order * (n_y - n_x)
    return float((total / n_y) ** (1.0 / order))


def nees(error: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """Normalised estimation error squared e' P^-1 e of each (n, d) error with its (n, d, d)
    covariance; chi-square with d degrees of freedom for a consistent filter (Bar-Shalom, Li and
    Kirubarajan 2001, chapter 5, on filter consistency)."""
    error = np.atleast_2d(error)
    covariance = np.asarray(covariance).reshape(-1, error.shape[1], error.shape[1])
    return np.einsum("ni,ni->n", error, np.linalg.solve(covariance, error[..., None])[..., 0])
