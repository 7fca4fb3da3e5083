"""Track-to-track fusion by covariance intersection.

Two estimates (a, A) and (b, B) of the same state whose errors are correlated by an unknown
amount (partners' tracks share the target's manoeuvres and may share a sensor's detections) are
fused as
    P^-1 = w A^-1 + (1 - w) B^-1,    x = P (w A^-1 a + (1 - w) B^-1 b),    w in [0, 1],
which is consistent (P is no smaller than the true error covariance) whatever the correlation
(Julier and Uhlmann, "A non-divergent estimation algorithm in the presence of unknown
correlations", Proc. American Control Conference 1997). w is chosen to minimise the trace or the
determinant of P; w = 1 gives (a, A) and w = 0 gives (b, B), so the fused P is never larger by that
measure than either input.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from shieldwall.tracking.association import gnn

GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
ITERATIONS = 50
"""Golden-section steps: the bracket shrinks by 0.618 per step, to 4e-11 of [0, 1] after 50."""


def _fused(w, a_inv, b_inv, a_inv_a, b_inv_b):
    w = w[:, None, None]
    information = w * a_inv + (1.0 - w) * b_inv
    covariance = np.linalg.inv(information)
    mean = np.einsum("nij,nj->ni", covariance, w[:, :, 0] * a_inv_a + (1.0 - w[:, :, 0]) * b_inv_b)
    return mean, covariance


def _size(covariance, criterion):
    if criterion == "trace":
        return np.trace(covariance, axis1=1, axis2=2)
    return np.linalg.slogdet(covariance)[1]


def covariance_intersection(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray,
                            criterion: Literal["trace", "determinant"] = "trace"
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fuse pairs of estimates: (n, d) means and (n, d, d) covariances, or one (d,) / (d, d) pair.

    Returns (mean, covariance, weight w on the first input). The weight minimises the trace or the
    log-determinant of the fused covariance. Both are convex in w: the matrix inverse is operator
    convex on positive definite matrices and the information is affine in w, so trace P is convex;
    log det P = -log det(information) and log det is concave. A golden-section search over [0, 1],
    vectorised over the pairs, therefore finds the minimum."""
    if criterion not in ("trace", "determinant"):
        raise ValueError(f"criterion must be 'trace' or 'determinant', got {criterion!r}")
    single = np.ndim(mean_a) == 1
    mean_a, mean_b = np.atleast_2d(mean_a).astype(float), np.atleast_2d(mean_b).astype(float)
    cov_a = np.asarray(cov_a, dtype=float).reshape(-1, mean_a.shape[1], mean_a.shape[1])
    cov_b = np.asarray(cov_b, dtype=float).reshape(-1, mean_b.shape[1], mean_b.shape[1])
    a_inv, b_inv = np.linalg.inv(cov_a), np.linalg.inv(cov_b)
    a_inv_a = np.einsum("nij,nj->ni", a_inv, mean_a)
    b_inv_b = np.einsum("nij,nj->ni", b_inv, mean_b)

    def size(w):
        return _size(_fused(w, a_inv, b_inv, a_inv_a, b_inv_b)[1], criterion)

    n = mean_a.shape[0]
    low, high = np.zeros(n), np.ones(n)
    for _ in range(ITERATIONS):
        left, right = high - GOLDEN * (high - low), low + GOLDEN * (high - low)
        go_left = size(left) <= size(right)
        high = np.where(go_left, right, high)
        low = np.where(go_left, low, left)
    w = 0.5 * (low + high)
    # The minimum may sit at an end (one input dominates): compare with both ends. Where the size
    # does not depend on w (equal covariances) every w is optimal and the search says nothing:
    # take w = 1/2, the symmetric answer, whenever it is as good as the best to rounding.
    candidates = np.stack([np.full(n, 0.5), w, np.zeros(n), np.ones(n)])
    sizes = np.stack([size(c) for c in candidates])
    best = sizes.min(axis=0)
    good = sizes <= best + 1e-12 * np.maximum(np.abs(best), 1.0)
    w = candidates[np.argmax(good, axis=0), np.arange(n)]
    mean, covariance = _fused(w, a_inv, b_inv, a_inv_a, b_inv_b)
    covariance = 0.5 * (covariance + covariance.transpose(0, 2, 1))
    if single:
        return mean[0], covariance[0], w[0]
    return mean, covariance, w


def fuse_pictures(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray,
                  gate_probability: float = 0.999, criterion: Literal["trace", "determinant"] = "trace"
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Track-to-track fusion of two pictures in one frame: pair tracks by global nearest neighbour
    on the distance d^2 = (a - b)' (A + B)^-1 (a - b), gated at the chi-square quantile of
    `gate_probability` with 6 degrees of freedom (the test of Bar-Shalom, "On the track-to-track
    correlation problem", IEEE Trans. Automatic Control 26(2), 1981, without the cross-covariance,
    which is unknown here); fuse each pair by covariance intersection; keep unpaired tracks as they
    are.

    Returns (means, covariances, source_a, source_b): source_a[k] and source_b[k] are the rows of
    the inputs behind fused track k (-1 where a picture gave none).
    """
    from scipy.special import chdtri

    mean_a, mean_b = np.asarray(mean_a, dtype=float).reshape(-1, 6), np.asarray(mean_b, dtype=float).reshape(-1, 6)
    cov_a, cov_b = np.asarray(cov_a, dtype=float).reshape(-1, 6, 6), np.asarray(cov_b, dtype=float).reshape(-1, 6, 6)
    n_a, n_b = mean_a.shape[0], mean_b.shape[0]
    gate = float(chdtri(6, 1.0 - gate_probability))
    rows, cols = np.meshgrid(np.arange(n_a), np.arange(n_b), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    if rows.size:
        diff = mean_a[rows] - mean_b[cols]
        d2 = np.einsum("ni,ni->n", diff, np.linalg.solve(cov_a[rows] + cov_b[cols], diff[..., None])[..., 0])
        inside = d2 <= gate
        rows, cols, d2 = rows[inside], cols[inside], d2[inside]
    else:
        d2 = np.empty(0)
    chosen = gnn(n_a, n_b, rows, cols, np.sqrt(d2), float(np.sqrt(gate)))
    paired = np.flatnonzero(chosen >= 0)
    fused_mean, fused_cov = np.empty((0, 6)), np.empty((0, 6, 6))
    if paired.size:
        fused_mean, fused_cov, _ = covariance_intersection(mean_a[paired], cov_a[paired], mean_b[chosen[paired]],
                                                           cov_b[chosen[paired]], criterion=criterion)
    alone_a = np.flatnonzero(chosen < 0)
    alone_b = np.setdiff1d(np.arange(n_b), chosen[paired])
    means = np.concatenate([fused_mean, mean_a[alone_a], mean_b[alone_b]])
    covs = np.concatenate([fused_cov, cov_a[alone_a], cov_b[alone_b]])
    source_a = np.concatenate([paired, alone_a, np.full(alone_b.size, -1)]).astype(np.int64)
    source_b = np.concatenate([chosen[paired], np.full(alone_a.size, -1), alone_b]).astype(np.int64)
    return means, covs, source_a, source_b
