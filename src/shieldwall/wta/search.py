"""Large neighbourhood search with an exact assignment repair.

The neighbourhood (after Ahuja, Kumar, Jha and Orlin 2007, "Exact and heuristic algorithms for the
weapon-target assignment problem", Operations Research 55(6), section 5, where it is searched as a
very large-scale neighbourhood): release a set of units that sit on pairwise distinct targets,
together with every unit not firing. With the other units fixed, target j keeps surviving value
s_j, and sending one released unit of type i there lowers the objective by s_j * p_ij - w * c_ij
exactly. If each target takes at most one released unit, the best re-placement is therefore a
linear assignment problem (released units x (targets + "hold fire" columns)), solved exactly with
`scipy.optimize.linear_sum_assignment`. The current solution lies in the neighbourhood, so every
round is an improvement or a tie. Single-unit moves and swaps between two targets are special cases.
"""

from __future__ import annotations

import time

import numpy as np

from shieldwall.wta._arrays import weighted_cost
from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem
from shieldwall.wta.greedy import greedy_shots


class SearchAssigner(Assigner):
    """Greedy or layered-assignment construction, then large neighbourhood search.

    time_limit_s: wall-clock budget for the whole call.
    stall_rounds: stop after this many consecutive rounds without improvement.
    max_rounds: stop after this many rounds in all.
    The result is a deterministic function of the problem and the rng seed whenever the round
    limits, not the time limit, end the search.
    """

    name = "search"

    def __init__(self, time_limit_s: float = 1.0, stall_rounds: int = 60, max_rounds: int = 100_000):
        self.time_limit_s = time_limit_s
        self.stall_rounds = stall_rounds
        self.max_rounds = max_rounds

    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        start_s = time.perf_counter()
        rng = np.random.default_rng(0) if rng is None else rng
        deadline_s = start_s + self.time_limit_s
        state = _UnitState(problem)
        while True:
            idle = np.flatnonzero(state.unit_target < 0)
            state.repair(released=idle)
            if np.count_nonzero(state.unit_target < 0) in (0, idle.size):
                break
        layered_objective = state.objective()
        greedy, greedy_objective = greedy_shots(problem)
        if greedy_objective < layered_objective:
            state = _UnitState(problem, greedy)
        rounds, stall = 0, 0
        while rounds < self.max_rounds and stall < self.stall_rounds and time.perf_counter() < deadline_s:
            before = state.objective()
            if rounds % 2:
                saved = state.save()
                state.ruin_and_recreate(rng)
                state.repair(released=state.pick_released(rng))
                if state.objective() > before:
                    state.restore(saved)
            else:
                state.repair(released=state.pick_released(rng))
            rounds += 1
            stall = 0 if state.objective() < before - 1e-12 * max(1.0, abs(before)) else stall + 1
        shots = state.shots()
        return Assignment(
            shots=shots,
            objective=problem.objective(shots),
            time_s=time.perf_counter() - start_s,
            stats={"rounds": rounds, "construction": "greedy" if greedy_objective < layered_objective
                   else "layered assignment"},
        )


class _UnitState:
    """One row per unit: its weapon type and its target (-1 while holding fire)."""

    def __init__(self, problem: AssignmentProblem, shots: np.ndarray | None = None):
        self.problem = problem
        self.pk = problem.kill_probability
        self.shot_cost = weighted_cost(problem)
        self.unit_weapon = np.repeat(np.arange(problem.n_weapons), problem.capacity)
        self.unit_target = np.full(self.unit_weapon.shape, -1)
        if shots is not None:
            for i in range(problem.n_weapons):
                targets = np.repeat(np.arange(problem.n_targets), shots[i])
                rows = np.flatnonzero(self.unit_weapon == i)[: targets.size]
                self.unit_target[rows] = targets
        self.limit = problem.target_limit
        self.surviving = np.empty(problem.n_targets)
        self._refresh(np.arange(problem.n_targets))

    def shots(self) -> np.ndarray:
        shots = np.zeros(self.pk.shape, dtype=np.int64)
        firing = self.unit_target >= 0
        np.add.at(shots, (self.unit_weapon[firing], self.unit_target[firing]), 1)
        return shots

    def objective(self) -> float:
        firing = self.unit_target >= 0
        spent = self.shot_cost[self.unit_weapon[firing], self.unit_target[firing]].sum()
        return float(self.surviving.sum() + spent)

    def _refresh(self, targets: np.ndarray) -> None:
        if targets.size == 0:
            return
        shots = self.shots()[:, targets]
        survive = np.where(shots > 0, (1.0 - self.pk[:, targets]) ** shots, 1.0).prod(axis=0)
        self.surviving[targets] = self.problem.values[targets] * survive

    def pick_released(self, rng: np.random.Generator) -> np.ndarray:
        """Units to release: one random unit on each of a random share of the fired targets."""
        firing = np.flatnonzero(self.unit_target >= 0)
        idle = np.flatnonzero(self.unit_target < 0)
        if firing.size == 0:
            return idle
        order = rng.permutation(firing)
        fired_targets, first = np.unique(self.unit_target[order], return_index=True)
        share = rng.uniform(0.05, 1.0)
        keep = rng.random(fired_targets.size) < share
        return np.concatenate([order[first[keep]], idle])

    def save(self) -> tuple[np.ndarray, np.ndarray]:
        return self.unit_target.copy(), self.surviving.copy()

    def restore(self, saved: tuple[np.ndarray, np.ndarray]) -> None:
        self.unit_target, self.surviving = saved[0].copy(), saved[1].copy()

    def ruin_and_recreate(self, rng: np.random.Generator) -> None:
        """Free every unit on a random share of targets and re-place them (and idle units) greedily.

        This reaches what the assignment repair cannot: several units leaving or joining one target.
        The greedy runs on the residual problem, whose target values are the surviving values left
        by the fixed units.
        """
        n_targets = self.problem.n_targets
        if n_targets == 0:
            return
        ruined = rng.random(n_targets) < rng.uniform(0.02, 0.3)
        firing = self.unit_target >= 0
        released = np.flatnonzero(~firing | (firing & ruined[np.maximum(self.unit_target, 0)]))
        if released.size == 0:
            return
        touched = np.unique(self.unit_target[released][self.unit_target[released] >= 0])
        self.unit_target[released] = -1
        self._refresh(touched)
        weapons = self.unit_weapon[released]
        limit = None
        if self.limit is not None:
            held = np.bincount(self.unit_target[self.unit_target >= 0], minlength=n_targets)
            limit = self.limit - held
        residual = AssignmentProblem(
            values=self.surviving.copy(), kill_probability=self.pk,
            capacity=np.bincount(weapons, minlength=self.problem.n_weapons),
            cost=self.shot_cost, cost_weight=1.0, target_limit=limit,
        )
        shots, _ = greedy_shots(residual)
        for i in np.flatnonzero(shots.sum(axis=1)):
            targets = np.repeat(np.arange(n_targets), shots[i])
            self.unit_target[released[weapons == i][: targets.size]] = targets
        self._refresh(np.union1d(touched, np.flatnonzero(shots.sum(axis=0))))

    def repair(self, released: np.ndarray) -> None:
        """Re-place `released` units (on distinct targets) optimally, the others fixed."""
        # Imported here, not with the module: scipy.optimize takes over half a second to load,
        # which every command would pay.
        from scipy.optimize import linear_sum_assignment

        if released.size == 0 or self.problem.n_targets == 0:
            return
        old_targets = self.unit_target[released]
        self.unit_target[released] = -1
        touched = old_targets[old_targets >= 0]
        self._refresh(touched)
        weapons = self.unit_weapon[released]
        gain = self.surviving[None, :] * self.pk[weapons] - self.shot_cost[weapons]
        allowed = self.pk[weapons] > 0
        if self.limit is not None:
            held = np.bincount(self.unit_target[self.unit_target >= 0], minlength=self.problem.n_targets)
            allowed &= (held < self.limit)[None, :]
        allowed &= gain > 0
        cost = np.where(allowed, -gain, np.inf)
        hold_fire = np.zeros((released.size, released.size))
        rows, cols = linear_sum_assignment(np.hstack([cost, hold_fire]))
        new_targets = np.where(cols < self.problem.n_targets, cols, -1)
        self.unit_target[released[rows]] = new_targets
        self._refresh(np.union1d(touched, new_targets[new_targets >= 0]))
