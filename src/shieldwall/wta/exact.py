"""Exact assignment by column generation over per-target fire patterns, with HiGHS as LP/MILP solver.

The model is the set-partitioning form of `shieldwall.wta._patterns`: one column per (target,
pattern of shots), capacity rows over weapon types. Its LP relaxation equals the Lagrangian dual of
the capacity rows, which convexifies every target's integer hull and is far tighter than the
continuous relaxation of the convex log-form (Lu and Chen 2021, Omega 98, use it for
branch-and-price). Steps:

1. incumbent from SearchAssigner; its patterns and the empty patterns seed the master;
2. column generation: solve the restricted master LP (`scipy.optimize.linprog`, HiGHS), take the
   capacity duals lambda, price every target exactly by depth-first search; L(lambda) =
   sum_j min_k (c_k + lambda . x_k) - lambda . capacity is a proven bound at every round;
3. price-and-branch: the set-partitioning MILP over the generated columns (`scipy.optimize.milp`)
   usually finds the optimum and tightens the incumbent U;
4. proof: enumerate every pattern with reduced cost below U - L at the best lambda (an optimal
   assignment better than U can use no other) and solve the MILP over exactly those columns;
   its dual bound, capped at U, is a proven bound on the optimum.
"""

from __future__ import annotations

import math
import time

import numpy as np

from shieldwall.wta._arrays import (
    KILL_STRENGTH_CAP,
    kill_strength,
    shot_upper_bound,
    weighted_cost,
)
from shieldwall.wta._patterns import PatternModel
from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem
from shieldwall.wta.search import SearchAssigner


class ExactAssigner(Assigner):
    """Column generation, price-and-branch and reduced-cost enumeration; incumbent and proven bound.

    time_limit_s: wall-clock budget; on expiry the best solution and bound so far are returned.
    gap_tolerance: stop when (incumbent - bound) / incumbent <= gap_tolerance.
    search_time_s: budget of the SearchAssigner that seeds the incumbent.
    max_columns: most pattern columns the proof step may enumerate before it gives up.
    The bound is proven up to floating-point rounding in the pricing and HiGHS's MILP tolerances.
    """

    name = "exact"

    def __init__(
        self,
        time_limit_s: float = 600.0,
        gap_tolerance: float = 1e-6,
        search_time_s: float = 1.0,
        max_columns: int = 400_000,
    ):
        self.time_limit_s = time_limit_s
        self.gap_tolerance = gap_tolerance
        self.search_time_s = search_time_s
        self.max_columns = max_columns

    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        start_s = time.perf_counter()
        deadline_s = start_s + self.time_limit_s
        search_time_s = min(self.search_time_s, 0.2 * self.time_limit_s)
        seed = SearchAssigner(time_limit_s=search_time_s).assign(problem, rng)
        solver = _ColumnGeneration(problem, seed.shots, seed.objective)
        solver.solve(start_s, deadline_s, self.gap_tolerance, self.max_columns)
        shots = solver.best_shots
        objective = problem.objective(shots)
        return Assignment(
            shots=shots,
            objective=objective,
            lower_bound=min(solver.lower_bound, objective),
            time_s=time.perf_counter() - start_s,
            stats=solver.stats,
        )


class _ColumnGeneration:
    def __init__(self, problem: AssignmentProblem, shots: np.ndarray, objective: float):
        self.problem = problem
        self.best_shots = shots.copy()
        self.best_objective = objective
        self.stats: dict = {"cg_rounds": 0, "columns": 0, "lagrangian_bound": None,
                            "enumerated_columns": None, "proof_columns": None, "phase": "start"}
        shot_cost = weighted_cost(problem)
        upper = shot_upper_bound(problem)
        strength = kill_strength(problem)
        # A shot lowers surviving value by at most V_j p_ij, so a pair whose weighted cost is at
        # least that never helps: dropping the shot keeps the objective no worse.
        self.useful = (upper > 0) & (strength > 0) & (problem.values[None, :] * problem.kill_probability > shot_cost)
        # Capping the kill strength can only raise survival, by at most V_j exp(-cap) per target.
        self.cap_slack = float(problem.values.sum() * np.exp(-KILL_STRENGTH_CAP))
        self.model = PatternModel(problem, strength, shot_cost, upper, self.useful)
        if self.useful.any():
            self.model.add_shots(np.where(self.useful, shots, 0))
            self.model.add_singles()
        self.lower_bound = -math.inf

    def _offer(self, shots: np.ndarray | None) -> None:
        if shots is not None and self.problem.is_feasible(shots):
            objective = self.problem.objective(shots)
            if objective < self.best_objective:
                self.best_objective, self.best_shots = objective, shots

    def _raise_bound(self, bound: float) -> None:
        self.lower_bound = max(self.lower_bound, bound - self.cap_slack)

    def _closed(self, tolerance: float) -> bool:
        return self.best_objective - self.lower_bound <= tolerance * max(abs(self.best_objective), 1e-12)

    def solve(self, start_s: float, deadline_s: float, tolerance: float, max_columns: int) -> None:
        if not self.useful.any():
            # No shot can lower the objective, so firing nothing is optimal.
            self.best_shots = np.zeros(self.problem.kill_probability.shape, dtype=np.int64)
            self.best_objective = self.lower_bound = self.problem.objective(self.best_shots)
            return
        model = self.model
        best_multipliers, best_minima, best_bound = None, None, -math.inf
        budget_s = deadline_s - start_s
        # Column generation; stops when pricing finds nothing (the LP optimum is reached, L = LP).
        # The master's duals are degenerate (many tight capacity rows priced 0), and pricing at them
        # yields columns that never enter. The duals are kept in a box around the best multipliers
        # so far (du Merle et al. 1999), started from each unit type's marginal value in the
        # incumbent; the box widens when it binds and nothing prices out.
        cg_deadline_s = start_s + 0.5 * budget_s
        center = _unit_values(self.problem, self.best_shots)
        width = np.maximum(0.25 * center, 1e-3 * max(center.max(initial=0.0), 1e-9))
        while time.perf_counter() < cg_deadline_s:
            box = None if width is None else (np.maximum(center - width, 0.0), center + width)
            master = model.solve_master(deadline_s - time.perf_counter(), box)
            if master is None:
                break
            _, multipliers, artificial = master
            # The optimal duals form a face; the master's vertex often sits at lambda_i = 0 on
            # tight rows. Slightly less capacity makes the LP prefer the face's largest lambda;
            # the midpoint of the two is an optimal dual point away from the zero corner.
            shifted = model.solve_master(deadline_s - time.perf_counter(), box, capacity_scale=1.0 - 1e-4)
            if shifted is not None:
                multipliers = 0.5 * (multipliers + shifted[1])
            bound, minima, added = model.price(multipliers)
            self.stats["cg_rounds"] += 1
            if bound > best_bound:
                best_multipliers, best_minima, best_bound = multipliers, minima, bound
                self._raise_bound(bound)
                center = multipliers
            if self._closed(tolerance):
                break
            if added == 0:
                if width is None or artificial <= 1e-9:
                    break  # the master's own LP optimum: L = LP
                width = width * 10.0
                if width.max() > 1e3 * max(self.best_objective, 1.0):
                    width = None
        self.stats["lagrangian_bound"] = best_bound
        self.stats["columns"] = len(model.col_target)
        if best_multipliers is None or self._closed(tolerance):
            self.stats["phase"] = "column generation"
            return
        # Price-and-branch: the MILP over the generated columns, for a better incumbent.
        self.stats["phase"] = "price-and-branch"
        model.add_shots(np.where(self.useful, self.best_shots, 0))
        all_columns = np.arange(len(model.col_target))
        shots, _, _ = model.solve_integer(all_columns, min(0.15 * budget_s, deadline_s - time.perf_counter()),
                                          tolerance / 10)
        self._offer(shots)
        if self._closed(tolerance) or time.perf_counter() > deadline_s:
            return
        # Proof: an assignment of cost below L + r uses only patterns of reduced cost below r, so
        # with every such pattern present the MILP over them bounds the optimum by
        # min(L + r, its dual bound). r starts small (few patterns) and grows until it covers the
        # incumbent, so a poor incumbent does not make the first enumeration explode.
        self.stats["phase"] = "enumeration"
        scale = max(1.0, abs(self.best_objective))
        room = min(0.002 * scale, self.best_objective - best_bound)
        while time.perf_counter() < deadline_s and not self._closed(tolerance):
            target_value = self.best_objective * (1 - 0.5 * tolerance) if self.best_objective > 0 else self.best_objective
            room = min(room, target_value - best_bound) + 1e-9 * scale
            covers = best_bound + room >= target_value
            if not model.enumerate(best_multipliers, best_minima, room, max_columns, deadline_s):
                self.stats["enumerated_columns"] = len(model.col_target)
                return
            model.add_shots(np.where(self.useful, self.best_shots, 0))
            keep = np.flatnonzero(model.reduced_costs(best_multipliers, best_minima) <= room)
            self.stats["enumerated_columns"] = len(model.col_target)
            self.stats["proof_columns"] = int(keep.size)
            self.stats["phase"] = "proof"
            shots, dual_bound, _ = model.solve_integer(keep, deadline_s - time.perf_counter(), tolerance / 10)
            self._offer(shots)
            # The 1e-9 margin added to r guards the enumeration against rounding; the claim keeps
            # it out.
            self._raise_bound(min(best_bound + room - 1e-9 * scale, dual_bound))
            if covers:
                break
            room *= 4.0


def _unit_values(problem: AssignmentProblem, shots: np.ndarray) -> np.ndarray:
    """(W,) what the least useful unit of each type saves in `shots` (0 when a unit is idle)."""
    from shieldwall.wta._arrays import surviving_value

    surviving = surviving_value(problem, shots)
    pk = problem.kill_probability
    with np.errstate(divide="ignore", invalid="ignore"):
        saving = surviving[None, :] * pk / np.maximum(1.0 - pk, 1e-300) - weighted_cost(problem)
    saving = np.where(shots > 0, saving, np.inf).min(axis=1)
    idle = shots.sum(axis=1) < problem.capacity
    return np.where(idle | ~np.isfinite(saving), 0.0, np.maximum(saving, 0.0))
