"""The contract every Assigner must meet, as checks a researcher can run on their own solver.

    from shieldwall.wta.testing import check_assigner
    check_assigner(MyAssigner())            # raises AssertionError naming the failed check

or parametrise pytest over `CHECKS`: each is `check(assigner)`. Every solver is held to
feasibility, determinism and the approximation guarantee of the greedy on small random instances;
`check_assigner(..., exact=True)` also demands the brute-force optimum and a closed gap. To state how
close a heuristic comes, measure `shortfalls(assigner)` and assert the figure you measured.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem


def brute_force(problem: AssignmentProblem) -> tuple[np.ndarray, float]:
    """Optimal shots by enumerating every feasible assignment (tiny problems only)."""
    n_weapons, n_targets = problem.kill_probability.shape
    per_weapon = []
    for i in range(n_weapons):
        targets = np.flatnonzero(problem.kill_probability[i] > 0)
        rows = []
        for n_units in range(int(problem.capacity[i]) + 1):
            for chosen in itertools.combinations_with_replacement(targets, n_units):
                row = np.zeros(n_targets, dtype=np.int64)
                np.add.at(row, list(chosen), 1)
                rows.append(row)
        per_weapon.append(rows)
    best_shots, best_objective = np.zeros((n_weapons, n_targets), dtype=np.int64), np.inf
    for rows in itertools.product(*per_weapon):
        shots = np.array(rows, dtype=np.int64).reshape(n_weapons, n_targets)
        if problem.target_limit is not None and np.any(shots.sum(axis=0) > problem.target_limit):
            continue
        objective = problem.objective(shots)
        if objective < best_objective:
            best_shots, best_objective = shots, objective
    return best_shots, float(best_objective)


def random_small_problem(rng: np.random.Generator) -> AssignmentProblem:
    """A problem small enough for `brute_force`, with costs, limits and infeasible pairs drawn at random.

    Draw order: W = integers(1, 4), T = integers(1, 4), capacity = integers(0, 3, W),
    values = uniform(1, 100, T), p = uniform(0.05, 0.95, (W, T)) zeroed where random((W, T)) < 0.2;
    then a coin random() < 0.5 for costs uniform(0, 30, (W, T)); then a coin random() < 0.5 for
    target limits integers(0, 3, T).
    """
    n_weapons, n_targets = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    capacity = rng.integers(0, 3, n_weapons)
    values = rng.uniform(1, 100, n_targets)
    pk = rng.uniform(0.05, 0.95, (n_weapons, n_targets))
    pk[rng.random((n_weapons, n_targets)) < 0.2] = 0.0
    cost = rng.uniform(0, 30, (n_weapons, n_targets)) if rng.random() < 0.5 else None
    limit = rng.integers(0, 3, n_targets) if rng.random() < 0.5 else None
    return AssignmentProblem(values=values, kill_probability=pk, capacity=capacity, cost=cost, target_limit=limit)


def degenerate_problems() -> dict[str, AssignmentProblem]:
    """Edge cases every assigner must survive, each with its known optimum in `DEGENERATE_OPTIMA`."""
    pk = np.array([[0.5, 0.8], [0.7, 0.0]])
    return {
        "no targets": AssignmentProblem(np.zeros(0), np.zeros((2, 0)), np.array([1, 2])),
        "no weapons": AssignmentProblem(np.array([10.0, 5.0]), np.zeros((0, 2)), np.zeros(0, dtype=int)),
        "zero capacity": AssignmentProblem(np.array([10.0, 5.0]), pk, np.array([0, 0])),
        "all pairs infeasible": AssignmentProblem(np.array([10.0, 5.0]), np.zeros((2, 2)), np.array([3, 3])),
        "every shot unprofitable": AssignmentProblem(
            np.array([10.0, 5.0]), pk, np.array([2, 2]), cost=np.full((2, 2), 10.0)),
        "zero target limit": AssignmentProblem(
            np.array([10.0, 5.0]), pk, np.array([2, 2]), target_limit=np.array([0, 0])),
        "one shot per target": AssignmentProblem(
            np.array([10.0, 5.0]), pk, np.array([2, 2]), target_limit=np.array([1, 1])),
    }


# Optima derived by hand: with one shot per target, weapon 0 (0.8) on target 1 and weapon 1 (0.7)
# on target 0 leave 10 * 0.3 + 5 * 0.2 = 4.
DEGENERATE_OPTIMA = {
    "no targets": 0.0,
    "no weapons": 15.0,
    "zero capacity": 15.0,
    "all pairs infeasible": 15.0,
    "every shot unprofitable": 15.0,
    "zero target limit": 15.0,
    "one shot per target": 4.0,
}


def _assert_valid(problem: AssignmentProblem, answer: Assignment, label: str) -> None:
    assert isinstance(answer, Assignment), f"{label}: assign must return an Assignment"
    assert answer.shots.shape == problem.kill_probability.shape, f"{label}: shots shape {answer.shots.shape}"
    assert np.issubdtype(answer.shots.dtype, np.integer), f"{label}: shots must be integers"
    assert problem.is_feasible(answer.shots), f"{label}: infeasible assignment {answer.shots.tolist()}"
    true_objective = problem.objective(answer.shots)
    assert np.isclose(answer.objective, true_objective, rtol=1e-9, atol=1e-9), (
        f"{label}: reported objective {answer.objective} but the shots give {true_objective}")
    assert answer.lower_bound <= answer.objective * (1 + 1e-9) + 1e-9, f"{label}: bound above objective"


def check_degenerate_cases(assigner: Assigner, exact: bool = False) -> None:
    """Feasible answers on the edge cases; the known optimum where it is unambiguous for any sane rule,
    and on "one shot per target" at least the greedy's guarantee (`GREEDY_GUARANTEE_SHORTFALL`)."""
    for label, problem in degenerate_problems().items():
        answer = assigner.assign(problem, np.random.default_rng(0))
        _assert_valid(problem, answer, label)
        optimum = DEGENERATE_OPTIMA[label]
        if label == "one shot per target" and not exact:
            allowed = optimum + GREEDY_GUARANTEE_SHORTFALL[True] * (_idle_objective(problem) - optimum)
            assert answer.objective <= allowed + 1e-9, f"{label}: objective {answer.objective} > {allowed}"
        else:
            assert np.isclose(answer.objective, optimum), f"{label}: objective {answer.objective}"


def check_feasible_on_random(assigner: Assigner, exact: bool = False) -> None:
    """Feasible, consistent answers on random small problems, never worse than firing nothing."""
    rng = np.random.default_rng(20220101)
    for k in range(25):
        problem = random_small_problem(rng)
        answer = assigner.assign(problem, np.random.default_rng(k))
        _assert_valid(problem, answer, f"random problem {k}")
        idle = problem.objective(np.zeros(problem.kill_probability.shape, dtype=np.int64))
        assert answer.objective <= idle + 1e-9, f"random problem {k}: worse than holding fire"


def check_deterministic(assigner: Assigner, exact: bool = False) -> None:
    """Same problem, same seed: same shots."""
    rng = np.random.default_rng(7)
    values = rng.integers(1, 101, 12).astype(float)
    problem = AssignmentProblem(values, rng.uniform(0, 1, (6, 12)), np.full(6, 2))
    first = assigner.assign(problem, np.random.default_rng(42))
    second = assigner.assign(problem, np.random.default_rng(42))
    assert np.array_equal(first.shots, second.shots), "same seed gave different shots"


def check_does_not_mutate(assigner: Assigner, exact: bool = False) -> None:
    rng = np.random.default_rng(3)
    problem = AssignmentProblem(rng.uniform(1, 10, 4), rng.uniform(0, 1, (3, 4)), np.array([1, 2, 1]),
                                cost=rng.uniform(0, 1, (3, 4)), target_limit=np.array([1, 1, 2, 1]))
    before = [a.copy() for a in (problem.values, problem.kill_probability, problem.capacity,
                                 problem.cost, problem.target_limit)]
    assigner.assign(problem, np.random.default_rng(0))
    after = (problem.values, problem.kill_probability, problem.capacity, problem.cost, problem.target_limit)
    assert all(np.array_equal(a, b) for a, b in zip(before, after)), "assign mutated the problem"


def _idle_objective(problem: AssignmentProblem) -> float:
    return problem.objective(np.zeros(problem.kill_probability.shape, dtype=np.int64))


def _brute_force_cases(n_problems: int, seed: int):
    """(k, problem, optimum) for the first `n_problems` random small problems drawn from `seed`."""
    rng = np.random.default_rng(seed)
    for k in range(n_problems):
        problem = random_small_problem(rng)
        yield k, problem, brute_force(problem)[1]


def shortfalls(assigner: Assigner, n_problems: int = 30, seed: int = 1959) -> np.ndarray:
    """Share of the best possible improvement that `assigner` misses on each random small problem.

    For problem k (drawn by `random_small_problem` from `default_rng(seed)`, solved with
    `default_rng(k)`): (objective - optimum) / (idle - optimum), where idle is the objective of
    holding fire and optimum comes from `brute_force`. 0 is optimal, 1 no better than holding fire;
    0 where no shot can improve on holding fire. Scale-free, unlike objective / optimum - 1, which
    explodes when the optimum leaves little value standing.
    """
    missed = []
    for k, problem, optimum in _brute_force_cases(n_problems, seed):
        objective = assigner.assign(problem, np.random.default_rng(k)).objective
        room = _idle_objective(problem) - optimum
        missed.append((objective - optimum) / room if room > 1e-9 * max(1.0, optimum) else 0.0)
    return np.array(missed)


# The greedy's guarantee without costs: it maximises the destroyed value sum_j V_j (1 - prod_i
# (1 - p_ij)^x_ij), a monotone submodular function of the set of (unit, target) pairs fired, one
# best pair at a time, subject to "each unit fires once" (a partition matroid) and, with target
# limits, "target j takes at most its limit" (a second one). It therefore destroys at least
# 1 / (1 + number of matroids) of what the optimum destroys (Fisher, Nemhauser and Wolsey 1978, "An
# analysis of approximations for maximizing submodular set functions II", Mathematical Programming
# Study 8): it misses at most 1/2 of the best improvement, 2/3 with target limits. With
# costs the objective is no longer monotone and no constant guarantee holds.
GREEDY_GUARANTEE_SHORTFALL = {False: 1 / 2, True: 2 / 3}


def check_brute_force_optimum(assigner: Assigner, exact: bool = False) -> None:
    """Exact solvers match the enumerated optimum and prove it. Every solver stays above the optimum
    (an answer below it mis-evaluates its objective) and, on problems without costs, keeps the
    greedy's guarantee (`GREEDY_GUARANTEE_SHORTFALL`): a heuristic that misses more than half the
    best improvement (two thirds with target limits) does worse than the simplest rule is proven to
    do."""
    for k, problem, optimum in _brute_force_cases(30, 1959):
        answer = assigner.assign(problem, np.random.default_rng(k))
        assert answer.objective >= optimum - 1e-7 * max(1.0, optimum), f"problem {k}: below the optimum"
        assert answer.lower_bound <= optimum + 1e-6 * max(1.0, optimum), f"problem {k}: bound above optimum"
        if problem.cost is None:
            idle = _idle_objective(problem)
            allowed = GREEDY_GUARANTEE_SHORTFALL[problem.target_limit is not None]
            assert answer.objective <= optimum + allowed * (idle - optimum) + 1e-9 * max(1.0, idle), (
                f"problem {k}: objective {answer.objective} misses more than {allowed:.2f} of the "
                f"improvement from {idle} (holding fire) to {optimum} (optimum)")
        if exact:
            assert np.isclose(answer.objective, optimum, rtol=1e-7, atol=1e-9), (
                f"problem {k}: objective {answer.objective}, brute force {optimum}")
            assert answer.gap <= 1e-6, f"problem {k}: gap {answer.gap} not closed"


CHECKS: list[Callable[..., None]] = [
    check_degenerate_cases,
    check_feasible_on_random,
    check_deterministic,
    check_does_not_mutate,
    check_brute_force_optimum,
]


def check_assigner(assigner: Assigner, exact: bool = False) -> None:
    """Run every check in `CHECKS`; exact=True also demands proven optimality on small problems."""
    for check in CHECKS:
        check(assigner, exact=exact)
