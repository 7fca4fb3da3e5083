"""Per-target fire patterns: column generation, Lagrangian bound and reduced-cost enumeration (internal).

A pattern k of target j is a vector of shots x_k (x_ik units of type i on j). Its cost is
c_k = V_j prod_i (1 - p_ij)^x_ik + w sum_i c_ij x_ik. The WTA is the set-partitioning problem

    minimise sum_k c_k z_k  s.t.  sum_{k of j} z_k = 1 (every target, the empty pattern included),
                                  sum_k x_ik z_k <= capacity_i,  z binary.

Its LP relaxation is the Lagrangian dual of the capacity rows (Geoffrion 1974): for multipliers
lambda >= 0,

    L(lambda) = sum_j min_k (c_k + lambda . x_k) - lambda . capacity

is a lower bound on the optimum, and the LP optimum is max L. This is much tighter than the
continuous relaxation of the convex log-form, because each target's nonconvex integer hull is
convexified exactly (the approach of the branch-and-price algorithm of Lu and Chen 2021, "A new
exact algorithm for the weapon-target assignment problem", Omega 98).

Pricing, min_k (c_k + lambda . x_k) for one target, is a small nonlinear knapsack solved exactly by
depth-first search over the weapon types in increasing order of price per kill strength
r_i = (lambda_i + w c_ij) / a_ij. Extending a partial pattern with surviving value s by types from
position m onwards costs at least min_y>=0 s exp(-y) + F_m(y), where F_m is the convex piecewise-
linear cheapest cost of kill strength y when types m, m+1, ... may be bought fractionally up to
their unit limits (the continuous relaxation). It is found by walking F_m's segments. The bound
can only grow with m, so the scan over later types stops at the first one that fails.

Exactness by enumeration (the "route enumeration" argument of Baldacci, Christofides and Mingozzi
2008): with L = L(lambda), pi_j = min_k (c_k + lambda . x_k) and rc_k = c_k + lambda . x_k - pi_j >= 0,
any assignment of cost below U satisfies sum over its patterns of rc_k < U - L, so every pattern it
uses has rc_k < U - L. Enumerating those patterns and solving the set-partitioning MILP over them
either finds something better than U or proves U optimal.
"""

from __future__ import annotations

import math
import time

from typing import TYPE_CHECKING

import numpy as np

from shieldwall.wta.base import AssignmentProblem

if TYPE_CHECKING:
    from scipy.sparse import csc_matrix


class PatternTarget:
    """One target's weapon types that can fire on it, in a fixed order, with their arrays."""

    __slots__ = ("limit", "shot_cost", "strength", "survive", "target", "upper", "value", "weapons")

    def __init__(self, target: int, value: float, weapons: np.ndarray, strength: np.ndarray,
                 shot_cost: np.ndarray, upper: np.ndarray, limit: int):
        self.target = target
        self.value = value
        self.weapons = weapons
        self.strength = strength
        self.survive = np.exp(-strength)
        self.shot_cost = shot_cost
        self.upper = upper
        self.limit = limit


def best_patterns(item: PatternTarget, price: np.ndarray, threshold: float,
                  enumerate_all: bool, max_patterns: int) -> tuple[float, list[tuple[float, list[int]]]]:
    """Patterns of one target with cost + price . x <= threshold.

    price: (n,) multiplier of each of the target's weapon types (lambda_i + w c_ij, any sign).
    enumerate_all=False: a descent; the threshold tightens to the best value found, so the last
    pattern returned is a minimiser (when one is at or below the initial threshold).
    enumerate_all=True: every pattern at or below the threshold, up to max_patterns (then the list
    is cut short and the returned flag value is -inf).
    Returns (best value found, [(value, [type positions, repeated by multiplicity])]); the empty
    pattern is never included (its value is V_j, known to the caller).
    """
    strength = item.strength
    n = strength.size
    if n == 0 or item.limit <= 0:
        return math.inf, []
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(strength > 0, price / strength, np.inf)
    order = np.argsort(ratio, kind="stable")
    ratio_list = np.maximum(ratio[order], 0.0).tolist()
    negative = np.minimum(price[order], 0.0) * item.upper[order]
    neg_suffix = (np.cumsum(negative[::-1])[::-1]).tolist() + [0.0]
    price_list = price[order].tolist()
    survive_list = item.survive[order].tolist()
    upper_list = item.upper[order].tolist()
    # Segments of the convex piecewise-linear cost of kill strength from the types in order:
    # type l supplies up to upper_l * a_l of strength at r_l per unit.
    length_list = (item.upper[order] * strength[order]).tolist()
    limit = item.limit
    found: list[tuple[float, list[int]]] = []
    best = [threshold]
    chosen: list[int] = []
    exp, log = math.exp, math.log
    overflow = [False]

    def completion_bound(m: int, s: float) -> float:
        """min over y >= 0 of s exp(-y) + F_m(y), F_m the cost of strength y from types m, m+1, ..."""
        extra, y = 0.0, 0.0
        for l in range(m, n):
            r = ratio_list[l]
            if r == math.inf:
                break
            left = s * exp(-y)
            if r >= left:
                return extra + left
            end = y + length_list[l]
            if r >= s * exp(-end):
                opt = log(s / r)
                return extra + r * (opt - y) + r
            extra += r * length_list[l]
            y = end
        return extra + s * exp(-y)

    def descend(start: int, used: int, s: float, c: float, depth: int) -> None:
        for m in range(start, n):
            if c + completion_bound(m, s) + neg_suffix[m] > best[0]:
                break
            if m == start and used >= upper_list[m]:
                continue
            s2 = s * survive_list[m]
            c2 = c + price_list[m]
            chosen.append(m)
            value = s2 + c2
            if value <= best[0]:
                found.append((value, chosen.copy()))
                if not enumerate_all:
                    best[0] = value
                elif len(found) >= max_patterns:
                    overflow[0] = True
                    chosen.pop()
                    return
            if depth + 1 < limit:
                descend(m, used + 1 if m == start else 1, s2, c2, depth + 1)
                if overflow[0]:
                    chosen.pop()
                    return
            chosen.pop()

    descend(0, 0, item.value, 0.0, 0)
    positions = order.tolist()
    patterns = [(value, [positions[m] for m in ms]) for value, ms in found]
    if overflow[0]:
        return -math.inf, patterns
    best_value = min((value for value, _ in patterns), default=math.inf)
    return best_value, patterns


class PatternModel:
    """Columns of the set-partitioning master and the machinery around them."""

    def __init__(self, problem: AssignmentProblem, strength: np.ndarray, shot_cost: np.ndarray,
                 upper: np.ndarray, useful: np.ndarray):
        self.problem = problem
        n_weapons, n_targets = problem.n_weapons, problem.n_targets
        limits = (problem.target_limit if problem.target_limit is not None
                  else np.full(n_targets, np.iinfo(np.int64).max))
        self.items: list[PatternTarget] = []
        for j in range(n_targets):
            weapons = np.flatnonzero(useful[:, j])
            limit = int(min(limits[j], upper[weapons, j].sum())) if weapons.size else 0
            self.items.append(PatternTarget(j, float(problem.values[j]), weapons, strength[weapons, j],
                                            shot_cost[weapons, j], upper[weapons, j].astype(np.int64), limit))
        self.capacity = problem.capacity.astype(float)
        # Column store: target, cost, and (weapon, count) lists; column j is target j's empty pattern.
        self.col_target: list[int] = list(range(n_targets))
        self.col_cost: list[float] = [float(v) for v in problem.values]
        self.col_weapons: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n_targets
        self.col_counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n_targets
        self.seen: set[tuple] = {(j,) for j in range(n_targets)}
        self.n_weapons = n_weapons

    # -- columns ------------------------------------------------------------------------------
    def pattern_cost(self, item: PatternTarget, positions: list[int]) -> float:
        idx = np.asarray(positions, dtype=np.int64)
        return float(item.value * np.exp(-item.strength[idx].sum()) + item.shot_cost[idx].sum())

    def add_column(self, j: int, positions: list[int]) -> bool:
        item = self.items[j]
        key = (j, *sorted(positions))
        if key in self.seen:
            return False
        self.seen.add(key)
        local, counts = np.unique(np.asarray(positions, dtype=np.int64), return_counts=True)
        self.col_target.append(j)
        self.col_cost.append(self.pattern_cost(item, positions))
        self.col_weapons.append(item.weapons[local])
        self.col_counts.append(counts)
        return True

    def add_singles(self) -> None:
        """One column per useful pair: a single unit of type i on target j."""
        for j, item in enumerate(self.items):
            for position in range(item.weapons.size):
                self.add_column(j, [position])

    def add_shots(self, shots: np.ndarray) -> None:
        """Add the pattern of every target in an assignment (W, T)."""
        for j, item in enumerate(self.items):
            if item.weapons.size == 0:
                continue
            counts = shots[item.weapons, j]
            if counts.sum():
                self.add_column(j, np.repeat(np.arange(item.weapons.size), counts).tolist())

    def matrices(self) -> tuple[np.ndarray, csc_matrix, csc_matrix]:
        from scipy.sparse import csc_matrix

        n_cols = len(self.col_target)
        lengths = np.array([w.size for w in self.col_weapons])
        rows = np.concatenate(self.col_weapons) if n_cols else np.zeros(0, dtype=np.int64)
        data = np.concatenate(self.col_counts).astype(float) if n_cols else np.zeros(0)
        cols = np.repeat(np.arange(n_cols), lengths)
        usage = csc_matrix((data, (rows, cols)), shape=(self.n_weapons, n_cols))
        partition = csc_matrix((np.ones(n_cols), (np.array(self.col_target), np.arange(n_cols))),
                               shape=(len(self.items), n_cols))
        return np.array(self.col_cost), usage, partition

    def shots_of(self, z: np.ndarray) -> np.ndarray:
        shots = np.zeros(self.problem.kill_probability.shape, dtype=np.int64)
        for k in np.flatnonzero(z > 0.5):
            shots[self.col_weapons[k], self.col_target[k]] += self.col_counts[k]
        return shots

    # -- master LP and pricing ----------------------------------------------------------------
    def solve_master(self, time_limit_s: float, box: tuple[np.ndarray, np.ndarray] | None = None,
                     capacity_scale: float = 1.0):
        """Restricted master LP; returns (value, capacity duals lambda, artificial use) or None.

        box = (low, high) keeps the duals in low <= lambda <= high (du Merle, Villeneuve, Desrosiers
        and Hansen 1999): a column that buys capacity at price high_i and one that sells it at low_i.
        The value is then not a bound, but the duals are what pricing needs; the artificial use is
        zero when the box does not bind, and then the LP is the master's own.
        """
        # scipy's solvers are imported here, not with the module: scipy.optimize takes over half a
        # second to load, which every command would pay.
        from scipy.optimize import linprog
        from scipy.sparse import csc_matrix, hstack

        cost, usage, partition = self.matrices()
        n_weapons = self.n_weapons
        if box is not None:
            low, high = box
            eye = csc_matrix(np.eye(n_weapons))
            cost = np.concatenate([cost, high, -low])
            usage = hstack([usage, -eye, eye]).tocsc()
            partition = hstack([partition, csc_matrix((len(self.items), 2 * n_weapons))]).tocsc()
        result = linprog(cost, A_ub=usage, b_ub=self.capacity * capacity_scale, A_eq=partition, b_eq=np.ones(len(self.items)),
                         bounds=(0, None), method="highs", options={"time_limit": max(0.5, time_limit_s)})
        if result.status != 0:
            return None
        multipliers = np.maximum(-result.ineqlin.marginals, 0.0)
        artificial = float(result.x[len(self.col_target):].sum()) if box is not None else 0.0
        return float(result.fun), multipliers, artificial

    def column_values(self, multipliers: np.ndarray) -> np.ndarray:
        """c_k + lambda . x_k for every column."""
        cost, usage, _ = self.matrices()
        return cost + usage.T @ multipliers

    def price(self, multipliers: np.ndarray, per_target: int = 4) -> tuple[float, np.ndarray, int]:
        """Exact pricing: L(lambda), the per-target minima pi_j, and how many columns were added."""
        values = self.column_values(multipliers)
        known = np.full(len(self.items), np.inf)
        np.minimum.at(known, np.array(self.col_target), values)
        minima = known.copy()
        added = 0
        for j, item in enumerate(self.items):
            if item.weapons.size == 0:
                continue
            price = multipliers[item.weapons] + item.shot_cost
            best, patterns = best_patterns(item, price, known[j], enumerate_all=False, max_patterns=0)
            minima[j] = min(known[j], best)
            for value, positions in reversed(patterns[-per_target:]):
                if value < known[j] - 1e-9 * max(1.0, abs(known[j])):
                    added += self.add_column(j, positions)
        bound = float(minima.sum() - multipliers @ self.capacity)
        return bound, minima, added

    def enumerate(self, multipliers: np.ndarray, minima: np.ndarray, room: float,
                  max_columns: int, deadline_s: float) -> bool:
        """Add every pattern with reduced cost <= room; False if the budget or the time ran out."""
        total = len(self.col_target)
        for j, item in enumerate(self.items):
            if item.weapons.size == 0:
                continue
            if time.perf_counter() > deadline_s:
                return False
            price = multipliers[item.weapons] + item.shot_cost
            threshold = minima[j] + room
            best, patterns = best_patterns(item, price, threshold, enumerate_all=True,
                                           max_patterns=max_columns - total + 1)
            if best == -math.inf:
                return False
            for _, positions in patterns:
                total += self.add_column(j, positions)
            if total > max_columns:
                return False
        return True

    def reduced_costs(self, multipliers: np.ndarray, minima: np.ndarray) -> np.ndarray:
        return self.column_values(multipliers) - minima[np.array(self.col_target)]

    def solve_integer(self, keep: np.ndarray, time_limit_s: float, rel_gap: float):
        """Set-partitioning MILP over the columns `keep`; returns (shots or None, dual bound, status)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        cost, usage, partition = self.matrices()
        cost, usage, partition = cost[keep], usage[:, keep], partition[:, keep]
        n = keep.size
        result = milp(
            cost, integrality=np.ones(n), bounds=Bounds(np.zeros(n), np.ones(n)),
            constraints=[LinearConstraint(partition, lb=1.0, ub=1.0),
                         LinearConstraint(usage, lb=-np.inf, ub=self.capacity)],
            options={"time_limit": max(0.5, time_limit_s), "mip_rel_gap": rel_gap},
        )
        bound = getattr(result, "mip_dual_bound", None)
        bound = float(bound) if bound is not None and np.isfinite(bound) else -math.inf
        if result.x is None:
            return None, bound, result.status
        z = np.zeros(len(self.col_target))
        z[keep] = np.round(result.x)
        return self.shots_of(z), bound, result.status
