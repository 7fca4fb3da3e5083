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
from shieldwall._compiled import kernel

from shieldwall.wta._arrays import weighted_cost
from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem


class GreedyAssigner(Assigner):
    """Maximum-marginal-return greedy; respects capacity, target limits and costs.

    Ties go to the lowest target index, then the lowest weapon index, so the result is
    deterministic; `rng` is accepted for the common interface and not used.
    """

    name = "greedy"

    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        start_s = time.perf_counter()
        shots, objective = greedy_shots(problem)
        return Assignment(shots=shots, objective=objective, time_s=time.perf_counter() - start_s)


def greedy_shots(problem: AssignmentProblem) -> tuple[np.ndarray, float]:
    """The greedy's shots (W, T) and objective for `problem`."""
    capacity = problem.capacity
    limit = (np.full(problem.n_targets, capacity.sum(), dtype=np.int64) if problem.target_limit is None
             else problem.target_limit)
    shot_cost = weighted_cost(problem)
    shots = greedy_kernel(problem.values, problem.kill_probability, capacity, shot_cost, limit)
    return shots, problem.objective(shots)


@kernel
def greedy_kernel(values, kill_probability, capacity, shot_cost, target_limit):
    """Compiled greedy: (W, T) shots. Keeps the best weapon of every target column up to date, so
    a step costs O(T) plus a column refresh, O(W), for each column whose best weapon ran out.
    The battle manager calls it directly on its epoch problems."""
    n_weapons, n_targets = kill_probability.shape
    capacity = capacity.copy()
    remaining = target_limit.copy()
    surviving = values.copy()
    shots = np.zeros((n_weapons, n_targets), dtype=np.int64)
    best_gain = np.zeros(n_targets)
    best_weapon = np.full(n_targets, -1, dtype=np.int64)
    for j in range(n_targets):
        _refresh(j, surviving, kill_probability, capacity, shot_cost, remaining, best_gain, best_weapon)
    while True:
        gain_max, j = 0.0, -1
        for k in range(n_targets):
            if best_gain[k] > gain_max:
                gain_max, j = best_gain[k], k
        if j < 0:
            return shots
        i = best_weapon[j]
        shots[i, j] += 1
        surviving[j] *= 1.0 - kill_probability[i, j]
        capacity[i] -= 1
        remaining[j] -= 1
        _refresh(j, surviving, kill_probability, capacity, shot_cost, remaining, best_gain, best_weapon)
        if capacity[i] == 0:
            for k in range(n_targets):
                if best_weapon[k] == i:
                    _refresh(k, surviving, kill_probability, capacity, shot_cost, remaining, best_gain, best_weapon)


@kernel
def _refresh(j, surviving, kill_probability, capacity, shot_cost, remaining, best_gain, best_weapon):
    gain_best, weapon_best = 0.0, -1
    if remaining[j] > 0:
        for i in range(kill_probability.shape[0]):
            if capacity[i] > 0 and kill_probability[i, j] > 0.0:
                gain = surviving[j] * kill_probability[i, j] - shot_cost[i, j]
                if gain > gain_best:
                    gain_best, weapon_best = gain, i
    best_gain[j] = gain_best
    best_weapon[j] = weapon_best
