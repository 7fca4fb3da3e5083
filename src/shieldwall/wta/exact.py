"""Exact assignment by outer approximation of the convex log-form, with HiGHS as MILP solver.

With kill strength a_ij = -log(1 - p_ij) the objective is sum_j V_j exp(-y_j) + w * sum c_ij x_ij
with y_j = sum_i a_ij x_ij: convex in x (Ahuja et al. 2007, section 3; Andersen, Pavlikov and
Toffolo 2022, section 3). We minimise sum_j s_j + w c.x over x integer and s_j >= 0 subject to
tangent cuts of the exponential at points t,

    s_j >= V_j exp(-t) (1 + t - y_j),

which underestimate V_j exp(-y_j) everywhere, so every relaxation bound is a proven lower bound.
Cuts are generated lazily (Kelley's cutting planes, then outer approximation à la Duran and
Grossmann 1986): first on the LP relaxation (cheap, gives most of the cuts and a bound), then on
the MILP, adding cuts at each MILP optimum until the approximation is exact there. Between the
two, reduced-cost fixing on the final LP (objective >= LP bound + d_ij x_ij for any point of the
relaxation) caps x_ij <= floor((incumbent - LP bound) / d_ij), which removes most pairs.
The incumbent starts from SearchAssigner and is updated by every MILP solution (anytime).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

from shieldwall.wta._arrays import KILL_STRENGTH_CAP, kill_strength, shot_upper_bound, weighted_cost
from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem
from shieldwall.wta.search import SearchAssigner


class ExactAssigner(Assigner):
    """Outer approximation with lazy tangent cuts; returns the incumbent and a proven bound.

    time_limit_s: wall-clock budget; on expiry the best solution and bound so far are returned.
    gap_tolerance: stop when (incumbent - bound) / incumbent <= gap_tolerance.
    search_time_s: budget of the SearchAssigner that seeds the incumbent.
    max_lp_rounds: cutting-plane rounds on the LP relaxation before the MILP rounds.
    The bound is proven up to HiGHS's feasibility tolerances (1e-7 by default, per cut row).
    """

    name = "exact"

    def __init__(
        self,
        time_limit_s: float = 600.0,
        gap_tolerance: float = 1e-6,
        search_time_s: float = 1.0,
        max_lp_rounds: int = 40,
    ):
        self.time_limit_s = time_limit_s
        self.gap_tolerance = gap_tolerance
        self.search_time_s = search_time_s
        self.max_lp_rounds = max_lp_rounds

    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        start_s = time.perf_counter()
        deadline_s = start_s + self.time_limit_s
        search_time_s = min(self.search_time_s, 0.2 * self.time_limit_s)
        seed = SearchAssigner(time_limit_s=search_time_s).assign(problem, rng)
        model = _OuterApproximation(problem, seed.shots, seed.objective)
        model.solve(deadline_s, self.gap_tolerance, self.max_lp_rounds)
        shots = model.best_shots
        return Assignment(
            shots=shots,
            objective=problem.objective(shots),
            lower_bound=min(model.lower_bound, problem.objective(shots)),
            time_s=time.perf_counter() - start_s,
            stats=model.stats,
        )


class _OuterApproximation:
    """The cut model over the pairs that can improve the objective."""

    def __init__(self, problem: AssignmentProblem, shots: np.ndarray, objective: float):
        self.problem = problem
        self.best_shots = shots.copy()
        self.best_objective = objective
        self.stats: dict = {"lp_rounds": 0, "milp_rounds": 0, "cuts": 0, "pairs": 0, "pairs_after_fixing": 0}
        shot_cost = weighted_cost(problem)
        upper = shot_upper_bound(problem)
        strength = kill_strength(problem)
        # A shot lowers surviving value by at most V_j p_ij, so a pair whose weighted cost is at
        # least that never helps: dropping the shot keeps the objective no worse.
        useful = (upper > 0) & (strength > 0) & (problem.values[None, :] * problem.kill_probability > shot_cost)
        weapon, target = np.nonzero(useful.T)[::-1]  # pairs ordered by target
        self.weapon, self.target = weapon, target
        self.strength = strength[weapon, target]
        self.pair_cost = shot_cost[weapon, target]
        self.pair_upper = upper[weapon, target].astype(float)
        self.stats["pairs"] = int(weapon.size)
        # Capping the kill strength can only raise survival, by at most V_j exp(-cap) per target.
        self.cap_slack = float(problem.values.sum() * np.exp(-KILL_STRENGTH_CAP))
        self.lower_bound = float("-inf") if weapon.size else objective
        self.cut_target: list[np.ndarray] = []
        self.cut_point: list[np.ndarray] = []
        self._add_cuts(np.arange(problem.n_targets), np.zeros(problem.n_targets))
        self._add_cuts_at(self.best_shots[weapon, target].astype(float))

    # -- cuts ---------------------------------------------------------------------------------
    def _kill_sum(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.target, weights=self.strength * x, minlength=self.problem.n_targets)

    def _add_cuts(self, targets: np.ndarray, points: np.ndarray) -> None:
        self.cut_target.append(targets)
        self.cut_point.append(points)
        self.stats["cuts"] += int(targets.size)

    def _add_cuts_at(self, x: np.ndarray, surviving: np.ndarray | None = None) -> int:
        """Add a tangent at y_j(x) on every target whose cut model underestimates by > 1e-9 relative."""
        kill = self._kill_sum(x)
        exact = self.problem.values * np.exp(-kill)
        if surviving is None:
            violated = np.ones(self.problem.n_targets, dtype=bool)
        else:
            violated = exact - surviving > 1e-9 * np.maximum(exact, 1e-9 * self.problem.values.max(initial=1.0))
        targets = np.flatnonzero(violated & (self.problem.values > 0))
        if targets.size:
            self._add_cuts(targets, kill[targets])
        return int(targets.size)

    def _cut_matrix(self, keep: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
        """Rows s_j + V_j e^-t sum_i a_ij x_ij >= V_j e^-t (1 + t) over the kept pairs."""
        targets = np.concatenate(self.cut_target)
        points = np.concatenate(self.cut_point)
        slope = self.problem.values[targets] * np.exp(-points)
        pair_target = self.target[keep]
        order = np.argsort(pair_target, kind="stable")
        counts = np.bincount(pair_target, minlength=self.problem.n_targets)
        starts = np.concatenate([[0], np.cumsum(counts)])
        per_row = counts[targets]
        rows = np.repeat(np.arange(targets.size), per_row)
        offsets = np.arange(rows.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        cols = order[starts[targets][rows] + offsets]
        data = slope[rows] * self.strength[keep][cols]
        n_pairs = int(keep.size)
        matrix = csr_matrix(
            (np.concatenate([data, np.ones(targets.size)]),
             (np.concatenate([rows, np.arange(targets.size)]), np.concatenate([cols, n_pairs + targets]))),
            shape=(targets.size, n_pairs + self.problem.n_targets),
        )
        return matrix, slope * (1.0 + points)

    def _resource_rows(self, keep: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
        """Capacity rows (and target-limit rows) as A x <= b over the kept pairs."""
        n_pairs, n_targets = int(keep.size), self.problem.n_targets
        columns = np.arange(n_pairs)
        blocks = [csr_matrix((np.ones(n_pairs), (self.weapon[keep], columns)),
                             shape=(self.problem.n_weapons, n_pairs + n_targets))]
        limits = [self.problem.capacity.astype(float)]
        if self.problem.target_limit is not None:
            blocks.append(csr_matrix((np.ones(n_pairs), (self.target[keep], columns)),
                                     shape=(n_targets, n_pairs + n_targets)))
            limits.append(self.problem.target_limit.astype(float))
        return vstack(blocks).tocsr(), np.concatenate(limits)

    # -- solve --------------------------------------------------------------------------------
    def _objective_vector(self, keep: np.ndarray) -> np.ndarray:
        return np.concatenate([self.pair_cost[keep], np.ones(self.problem.n_targets)])

    def _record(self, x_kept: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Score an integer point as a candidate incumbent; returns x over all pairs."""
        x = np.zeros(self.weapon.size)
        x[keep] = np.round(x_kept)
        shots = np.zeros(self.problem.kill_probability.shape, dtype=np.int64)
        shots[self.weapon, self.target] = x.astype(np.int64)
        if self.problem.is_feasible(shots):
            objective = self.problem.objective(shots)
            if objective < self.best_objective:
                self.best_objective, self.best_shots = objective, shots
        return x

    def _gap_closed(self, tolerance: float) -> bool:
        return self.best_objective - self.lower_bound <= tolerance * max(abs(self.best_objective), 1e-12)

    def solve(self, deadline_s: float, tolerance: float, max_lp_rounds: int) -> None:
        if self.weapon.size == 0:
            # No shot can lower the objective, so firing nothing is optimal.
            self.best_shots = np.zeros(self.problem.kill_probability.shape, dtype=np.int64)
            self.best_objective = self.lower_bound = self.problem.objective(self.best_shots)
            return
        all_pairs = np.arange(self.weapon.size)
        upper = self.pair_upper.copy()
        # Cutting planes on the LP relaxation.
        reduced_cost = None
        for _ in range(max_lp_rounds):
            if time.perf_counter() > deadline_s:
                break
            cuts, cut_rhs = self._cut_matrix(all_pairs)
            resources, resource_rhs = self._resource_rows(all_pairs)
            n = all_pairs.size
            result = linprog(
                self._objective_vector(all_pairs),
                A_ub=vstack([-cuts, resources]).tocsr(),
                b_ub=np.concatenate([-cut_rhs, resource_rhs]),
                bounds=np.column_stack([np.zeros(n + self.problem.n_targets),
                                        np.concatenate([upper, self.problem.values])]),
                method="highs",
                options={"time_limit": max(1.0, deadline_s - time.perf_counter())},
            )
            self.stats["lp_rounds"] += 1
            if result.status != 0:
                break
            self.lower_bound = max(self.lower_bound, result.fun - self.cap_slack)
            reduced_cost, lp_bound = result.lower.marginals[:n], float(result.fun)
            lp_x = result.x[:n]
            added = self._add_cuts_at(lp_x, result.x[n:])
            if added == 0 or self._gap_closed(tolerance):
                break
        if self._gap_closed(tolerance):
            return
        keep = all_pairs
        if reduced_cost is not None:
            room = self.best_objective - lp_bound
            slack = room + 1e-9 * max(1.0, abs(self.best_objective))
            with np.errstate(divide="ignore"):
                cap = np.floor(slack / np.maximum(reduced_cost * (1 - 1e-9), 0.0) + 1e-9)
            at_zero = lp_x < 1e-9
            upper = np.where(at_zero & (reduced_cost > 0), np.minimum(upper, cap), upper)
            keep = np.flatnonzero(upper > 0)
        self.stats["pairs_after_fixing"] = int(keep.size)
        # Outer approximation on the MILP.
        while time.perf_counter() < deadline_s and not self._gap_closed(tolerance):
            cuts, cut_rhs = self._cut_matrix(keep)
            resources, resource_rhs = self._resource_rows(keep)
            n = keep.size
            result = milp(
                self._objective_vector(keep),
                integrality=np.concatenate([np.ones(n), np.zeros(self.problem.n_targets)]),
                bounds=Bounds(np.zeros(n + self.problem.n_targets),
                              np.concatenate([upper[keep], self.problem.values])),
                constraints=[LinearConstraint(cuts, lb=cut_rhs, ub=np.inf),
                             LinearConstraint(resources, lb=-np.inf, ub=resource_rhs)],
                options={"time_limit": max(1.0, deadline_s - time.perf_counter()),
                         "mip_rel_gap": tolerance / 10},
            )
            self.stats["milp_rounds"] += 1
            bound = getattr(result, "mip_dual_bound", None)
            if bound is not None and np.isfinite(bound):
                self.lower_bound = max(self.lower_bound, float(bound) - self.cap_slack)
            if result.x is None:
                break
            x = self._record(result.x[:n], keep)
            # No violated cut means the model is exact at this optimum and the gap is closed.
            if result.status != 0 or self._add_cuts_at(x, result.x[n:]) == 0:
                break
