"""Covariance intersection: no larger than either input, consistent under any correlation."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from shieldwall.tracking import covariance_intersection


def _random_spd(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.1 * np.eye(d)


@pytest.mark.parametrize("criterion", ["trace", "determinant"])
def test_fused_covariance_is_no_larger_than_either_input(criterion):
    rng = np.random.default_rng(2)
    n, d = 200, 6
    cov_a = np.stack([_random_spd(rng, d) for _ in range(n)])
    cov_b = np.stack([_random_spd(rng, d) for _ in range(n)])
    mean, cov, w = covariance_intersection(rng.standard_normal((n, d)), cov_a, rng.standard_normal((n, d)), cov_b,
                                           criterion=criterion)
    size = {"trace": lambda p: np.trace(p, axis1=-2, axis2=-1), "determinant": lambda p: np.linalg.det(p)}[criterion]
    assert np.all(size(cov) <= size(cov_a) * (1 + 1e-9))
    assert np.all(size(cov) <= size(cov_b) * (1 + 1e-9))
    assert np.all((w >= 0) & (w <= 1))


@pytest.mark.parametrize("criterion", ["trace", "determinant"])
def test_weight_is_the_one_dimensional_minimum(criterion):
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = _random_spd(rng, 4), _random_spd(rng, 4)

        def size(w):
            p = np.linalg.inv(w * np.linalg.inv(a) + (1 - w) * np.linalg.inv(b))
            return np.trace(p) if criterion == "trace" else np.linalg.slogdet(p)[1]

        best = minimize_scalar(size, bounds=(0, 1), method="bounded", options={"xatol": 1e-10})
        _, _, w = covariance_intersection(np.zeros(4), a, np.zeros(4), b, criterion=criterion)
        assert size(w) <= best.fun + 1e-9


def test_covariance_intersection_is_consistent_whatever_the_correlation():
    # Errors (e_a, e_b) with joint covariance [[A, C], [C', B]] for random valid C: the fused error
    # P (w A^-1 e_a + (1 - w) B^-1 e_b) has covariance G J G' with G = P [w A^-1, (1 - w) B^-1];
    # CI promises P - G J G' positive semi-definite (Julier and Uhlmann 1997).
    rng = np.random.default_rng(4)
    for _ in range(200):
        joint = _random_spd(rng, 6)
        a, b = joint[:3, :3], joint[3:, 3:]
        _, p, w = covariance_intersection(np.zeros(3), a, np.zeros(3), b)
        g = p @ np.hstack([w * np.linalg.inv(a), (1 - w) * np.linalg.inv(b)])
        assert np.linalg.eigvalsh(p - g @ joint @ g.T).min() >= -1e-9 * np.trace(p)


def test_identical_inputs_fuse_to_themselves():
    # With the same estimate twice, CI cannot invent information (unlike a naive independent fusion,
    # which would halve the covariance).
    rng = np.random.default_rng(5)
    a, x = _random_spd(rng, 6), rng.standard_normal(6)
    mean, cov, _ = covariance_intersection(x, a, x, a)
    assert np.allclose(cov, a) and np.allclose(mean, x)


def test_independent_scalar_case_by_hand():
    # Variances 1 and 4 along one axis: trace(P(w)) = 1 / (w + (1 - w) / 4) is smallest at w = 1,
    # so CI keeps the better estimate (1.0 at mean 0), as the closed form says.
    mean, cov, w = covariance_intersection(np.array([0.0]), np.array([[1.0]]), np.array([3.0]), np.array([[4.0]]))
    assert w == pytest.approx(1.0) and cov[0, 0] == pytest.approx(1.0) and mean[0] == pytest.approx(0.0)
