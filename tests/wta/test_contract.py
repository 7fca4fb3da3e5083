"""Every solver against the shared contract battery (shieldwall.wta.testing)."""

import pytest

from shieldwall.wta import ExactAssigner, GreedyAssigner, SearchAssigner
from shieldwall.wta.testing import CHECKS

SOLVERS = {
    "greedy": (GreedyAssigner(), False),
    "search": (SearchAssigner(time_limit_s=5.0, stall_rounds=20), False),
    "exact": (ExactAssigner(time_limit_s=30.0, search_time_s=0.05), True),
}


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("solver", SOLVERS, ids=str)
def test_contract(solver, check):
    assigner, exact = SOLVERS[solver]
    check(assigner, exact=exact)


def test_search_finds_brute_force_optimum_on_most_small_problems():
    import numpy as np

    from shieldwall.wta.testing import brute_force, random_small_problem

    rng = np.random.default_rng(11)
    hits = 0
    for k in range(30):
        problem = random_small_problem(rng)
        answer = SearchAssigner(stall_rounds=20).assign(problem, np.random.default_rng(k))
        hits += np.isclose(answer.objective, brute_force(problem)[1], rtol=1e-9, atol=1e-9)
    assert hits >= 27
