"""Maximum-marginal-return greedy assignment.

Each step fires the unit with the largest marginal return: the drop in expected surviving value,
s_j * p_ij where s_j is target j's current surviving value, minus the weighted cost of the shot.
It stops when no remaining unit has a positive return (den Broeder, Ellison and Emerling 1959,
"On optimum target assignments", Operations Research 7(3); the rule analysed by Ahuja, Kumar, Jha
and Orlin 2007, "Exact and heuristic algorithms for the weapon-target assignment problem",
Operations Research 55(6)).
"""

from __future__ import annotations

import time

import numpy as np

from shieldwall.wta._arrays import weighted_cost
from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem

# Up to this many pairs, plain Python lists beat NumPy: the battle manager's epoch problems
# (a few weapons by a few dozen targets) are dominated by per-call overhead, not arithmetic.
_LIST_KERNEL_MAX_PAIRS = 600


class GreedyAssigner(Assigner):
    """Maximum-marginal-return greedy; respects capacity, target limits and costs.

    Ties go to the lowest target index, then the lowest weapon index, so the result is
    deterministic; `rng` is accepted for the common interface and not used.
    """

    name = "greedy"

    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        start_s = time.perf_counter()
        if problem.kill_probability.size <= _LIST_KERNEL_MAX_PAIRS:
            shots, objective = _greedy_lists(problem)
        else:
            shots, objective = greedy_shots(problem)
        return Assignment(shots=shots, objective=objective, time_s=time.perf_counter() - start_s)


def _greedy_lists(problem: AssignmentProblem) -> tuple[np.ndarray, float]:
    """Greedy on Python lists; keeps the best weapon of every target column up to date."""
    n_weapons, n_targets = problem.kill_probability.shape
    pk = problem.kill_probability.tolist()
    capacity = problem.capacity.tolist()
    surviving = problem.values.tolist()
    if problem.cost is None:
        shot_cost = None
    else:
        shot_cost = (problem.cost_weight * problem.cost).tolist()
    if problem.target_limit is None:
        remaining_on_target = [sum(capacity)] * n_targets
    else:
        remaining_on_target = problem.target_limit.tolist()
    shots = np.zeros((n_weapons, n_targets), dtype=np.int64)
    weapons = range(n_weapons)
    best_gain = [0.0] * n_targets
    best_weapon = [-1] * n_targets

    def refresh(j: int) -> None:
        gain_best, weapon_best = 0.0, -1
        if remaining_on_target[j] > 0:
            s = surviving[j]
            for i in weapons:
                if capacity[i] > 0 and pk[i][j] > 0.0:
                    gain = s * pk[i][j] if shot_cost is None else s * pk[i][j] - shot_cost[i][j]
                    if gain > gain_best:
                        gain_best, weapon_best = gain, i
        best_gain[j] = gain_best
        best_weapon[j] = weapon_best

    for j in range(n_targets):
        refresh(j)
    spent_cost = 0.0
    while True:
        gain_max, j = 0.0, -1
        for k in range(n_targets):
            if best_gain[k] > gain_max:
                gain_max, j = best_gain[k], k
        if j < 0:
            break
        i = best_weapon[j]
        shots[i, j] += 1
        surviving[j] *= 1.0 - pk[i][j]
        if shot_cost is not None:
            spent_cost += shot_cost[i][j]
        capacity[i] -= 1
        remaining_on_target[j] -= 1
        refresh(j)
        if capacity[i] == 0:
            for k in range(n_targets):
                if best_weapon[k] == i:
                    refresh(k)
    return shots, sum(surviving) + spent_cost


def greedy_shots(problem: AssignmentProblem) -> tuple[np.ndarray, float]:
    """Greedy on NumPy arrays for larger problems; same rule and tie-breaking as the list kernel."""
    pk = problem.kill_probability
    shot_cost = weighted_cost(problem)
    capacity = problem.capacity.copy()
    surviving = problem.values.copy()
    remaining_on_target = (
        np.full(problem.n_targets, capacity.sum()) if problem.target_limit is None
        else problem.target_limit.copy()
    )
    usable = (pk > 0) & (capacity[:, None] > 0) & (remaining_on_target[None, :] > 0)
    gain = np.where(usable, surviving[None, :] * pk - shot_cost, -np.inf)
    shots = np.zeros(pk.shape, dtype=np.int64)
    if gain.size == 0:
        return shots, float(surviving.sum())
    column_weapon = gain.argmax(axis=0)
    column_gain = gain[column_weapon, np.arange(gain.shape[1])]
    while True:
        j = int(column_gain.argmax())
        if not column_gain[j] > 0:
            break
        i = int(column_weapon[j])
        shots[i, j] += 1
        surviving[j] *= 1.0 - pk[i, j]
        capacity[i] -= 1
        remaining_on_target[j] -= 1
        if capacity[i] == 0:
            gain[i, :] = -np.inf
        if remaining_on_target[j] == 0:
            gain[:, j] = -np.inf
        else:
            column = gain[:, j]
            column[column > -np.inf] = (surviving[j] * pk[:, j] - shot_cost[:, j])[column > -np.inf]
        stale = np.flatnonzero(column_weapon == i) if capacity[i] == 0 else np.empty(0, dtype=int)
        for k in np.union1d(stale, [j]):
            column_weapon[k] = gain[:, k].argmax()
            column_gain[k] = gain[column_weapon[k], k]
    return shots, float(surviving.sum() + np.sum(shot_cost * shots))
