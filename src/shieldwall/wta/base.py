"""The weapon-target assignment interface shared by every solver.

One problem form covers the static WTA of the literature and the battle manager's epoch problem:

    minimise   sum_j V_j * prod_i (1 - p_ij) ** x_ij  +  cost_weight * sum_ij c_ij * x_ij
    subject to sum_j x_ij <= capacity_i            (units of weapon type i, or free fire channels)
               sum_i x_ij <= target_limit_j        (engagements allowed on target j this epoch)
               x_ij integer >= 0, and x_ij = 0 where p_ij = 0 (infeasible pair)

With c = 0 and no target limits this is the static WTA of Andersen, Pavlikov and Toffolo (2022).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AssignmentProblem:
    """Arrays for one assignment; W weapon types (rows) and T targets (columns).

    values: (T,) value V_j at stake on each target.
    kill_probability: (W, T) p_ij in [0, 1]; 0 marks an infeasible pair.
    capacity: (W,) integer units available of each weapon type.
    cost: (W, T) cost of one unit of i spent on j, in the same unit as values (default 0).
    cost_weight: multiplier on cost in the objective.
    target_limit: (T,) integer cap on units assigned to each target (default unlimited).
    """

    values: np.ndarray
    kill_probability: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray | None = None
    cost_weight: float = 1.0
    target_limit: np.ndarray | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        pk = np.asarray(self.kill_probability, dtype=float)
        capacity = np.asarray(self.capacity, dtype=np.int64)
        if pk.ndim != 2 or pk.shape != (capacity.shape[0], values.shape[0]):
            raise ValueError(
                f"kill_probability must have shape (weapons, targets) = "
                f"({capacity.shape[0]}, {values.shape[0]}), got {pk.shape}"
            )
        if np.any((pk < 0) | (pk > 1)):
            raise ValueError("kill probabilities must lie in [0, 1]")
        if np.any(capacity < 0):
            raise ValueError("capacities must be >= 0")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "kill_probability", pk)
        object.__setattr__(self, "capacity", capacity)
        if self.cost is not None:
            cost = np.asarray(self.cost, dtype=float)
            if cost.shape != pk.shape:
                raise ValueError(f"cost must have shape {pk.shape}, got {cost.shape}")
            object.__setattr__(self, "cost", cost)
        if self.target_limit is not None:
            limit = np.asarray(self.target_limit, dtype=np.int64)
            if limit.shape != values.shape:
                raise ValueError(f"target_limit must have shape {values.shape}, got {limit.shape}")
            object.__setattr__(self, "target_limit", limit)

    @property
    def n_weapons(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_targets(self) -> int:
        return int(self.values.shape[0])

    def objective(self, shots: np.ndarray) -> float:
        """Expected surviving value plus weighted cost of an assignment `shots` (W, T)."""
        shots = np.asarray(shots)
        with np.errstate(divide="ignore"):
            log_survive = np.log1p(-self.kill_probability)
        log_survive = np.where(shots > 0, log_survive * shots, 0.0)
        surviving = float(np.sum(self.values * np.exp(log_survive.sum(axis=0))))
        if self.cost is None:
            return surviving
        return surviving + self.cost_weight * float(np.sum(self.cost * shots))

    def is_feasible(self, shots: np.ndarray) -> bool:
        shots = np.asarray(shots)
        if shots.shape != self.kill_probability.shape or np.any(shots < 0):
            return False
        if np.any(shots.sum(axis=1) > self.capacity):
            return False
        if np.any((shots > 0) & (self.kill_probability <= 0)):
            return False
        if self.target_limit is not None and np.any(shots.sum(axis=0) > self.target_limit):
            return False
        return True


@dataclass(frozen=True)
class Assignment:
    """A solver's answer: integer shots (W, T), its objective, and what is proven about it.

    lower_bound is a proven lower bound on the optimum (-inf when the solver proves nothing);
    gap is (objective - lower_bound) / max(|objective|, tiny), 0 when optimal is proven.
    """

    shots: np.ndarray
    objective: float
    lower_bound: float = float("-inf")
    time_s: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        if not np.isfinite(self.lower_bound):
            return float("inf")
        return max(0.0, self.objective - self.lower_bound) / max(abs(self.objective), 1e-12)


class Assigner(ABC):
    """A weapon-target assignment algorithm.

    Constructors store configuration only; `assign` does the work and must return a feasible
    assignment for every valid problem (including no targets, no units, all pairs infeasible).
    A solver that draws random numbers takes a `numpy.random.Generator` so that it is
    reproducible under a seed.
    """

    name: str = "assigner"

    @abstractmethod
    def assign(self, problem: AssignmentProblem, rng: np.random.Generator | None = None) -> Assignment:
        """Solve `problem`; never mutate it."""
