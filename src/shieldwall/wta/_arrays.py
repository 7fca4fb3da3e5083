"""Array helpers shared by the assignment solvers (internal)."""

from __future__ import annotations

import numpy as np

from shieldwall.wta.base import AssignmentProblem

# A shot with p = 1 has log-survival -inf; solvers that work in log form cap the kill strength
# -log(1 - p) here. exp(-50) ~ 2e-22, so the capped problem differs from the true one by at most
# sum(V) * exp(-50), which the exact solver subtracts from its bound to keep the bound proven.
KILL_STRENGTH_CAP = 50.0


def weighted_cost(problem: AssignmentProblem) -> np.ndarray:
    """cost_weight * cost as a (W, T) array (zeros when the problem has no cost)."""
    if problem.cost is None:
        return np.zeros(problem.kill_probability.shape)
    return problem.cost_weight * problem.cost


def shot_upper_bound(problem: AssignmentProblem) -> np.ndarray:
    """Largest useful x_ij: min(capacity_i, target_limit_j), and 0 on infeasible pairs."""
    upper = np.broadcast_to(problem.capacity[:, None], problem.kill_probability.shape).copy()
    if problem.target_limit is not None:
        upper = np.minimum(upper, problem.target_limit[None, :])
    upper[problem.kill_probability <= 0] = 0
    return upper


def kill_strength(problem: AssignmentProblem) -> np.ndarray:
    """a_ij = -log(1 - p_ij), capped at KILL_STRENGTH_CAP; survival of target j is exp(-sum a_ij x_ij)."""
    with np.errstate(divide="ignore"):
        strength = -np.log1p(-problem.kill_probability)
    return np.minimum(strength, KILL_STRENGTH_CAP)


def surviving_value(problem: AssignmentProblem, shots: np.ndarray) -> np.ndarray:
    """(T,) expected surviving value V_j * prod_i (1 - p_ij)^x_ij of each target."""
    survive = np.where(shots > 0, (1.0 - problem.kill_probability) ** shots, 1.0)
    return problem.values * survive.prod(axis=0)


def empty_shots(problem: AssignmentProblem) -> np.ndarray:
    return np.zeros(problem.kill_probability.shape, dtype=np.int64)
