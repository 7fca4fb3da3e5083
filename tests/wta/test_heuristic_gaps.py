"""How far the heuristics stay from the proven optimum, family by family, with the gap stated.

Each limit below is the worst excess measured (objective / proven optimum - 1) with a margin, so
that an ordinary change to a heuristic passes and a broken one does not. Both heuristics are
deterministic here: the greedy always, the search because a round limit (60 rounds without
improvement), not its clock, ends it; the clock is only a guard. The optimum of every instance is
proven in the same session by the exact solver (relative gap <= 1e-6), which
`test_public_instances.py` checks against the published record. Measured on the public instances
of Andersen, Pavlikov and Toffolo (2022) and on the seeded generators of `shieldwall.wta`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from shieldwall.wta import AssignmentProblem, GreedyAssigner, SearchAssigner, family_a, family_c
from shieldwall.wta.testing import shortfalls
from tests.wta.public import BUNDLED, instance_params, units_of

# Ends the search on its clock only if something is badly wrong: the bundled instances need at most
# 4 s, 300x600x3 about 140 s.
SEARCH_GUARD_S = 1200.0
SEARCH_SEEDS = range(5)  # public instances bundled with the tests; one seed (0) on the larger ones
PROVEN_GAP = 1e-6


@dataclass(frozen=True)
class StatedGap:
    """The most a heuristic may exceed the optimum, relative: on any one run, and on average over
    the runs of one test. `measured` says what the limit rests on."""

    any_run: float
    mean: float
    measured: str


# Greedy on the public instances, by units per weapon type. The greedy never revisits a shot. With
# one unit per type (T = 2W, so half the targets go unengaged) it stays within 4 % of the optimum;
# with two or three units per type every target can be engaged, each shot changes the return of
# every later one on its target, and the greedy stays 14-29 % above the optimum.
GREEDY_PUBLIC = {
    1: StatedGap(0.05, 0.05, "1.35-3.89 % on the six sizes 50x100 to 300x600"),
    2: StatedGap(0.32, 0.32, "17.4-28.5 % (28.5 % on 50x100x2)"),
    3: StatedGap(0.26, 0.26, "13.9-22.6 % (22.6 % on 50x100x3 and 300x600x3)"),
}
# Search on the public instances. With one unit per type it reached the optimum on every instance
# and seed tried. With two or three units per type it stalls at local optima that neither of its
# moves leaves, and which one depends on the seed: worst of 20 seeds on the bundled instances
# 0.91 % (mu = 2) and 5.57 % (mu = 3, 50x100x3); means over seeds 0-4 up to 0.59 % and 1.51 %
# (2.91 % over seeds 5-9). Without ruin and recreate the mean on 50x100x3 is 4.7 %.
SEARCH_PUBLIC = {
    1: StatedGap(PROVEN_GAP, PROVEN_GAP, "the optimum on every run (20 seeds bundled, 3 on the rest)"),
    2: StatedGap(0.015, 0.01, "worst run 0.98 % (200x400x2, seed 2); means over seeds 0-4 <= 0.59 %"),
    3: StatedGap(0.07, 0.035, "worst run 5.57 % (50x100x3, seed 8); five-seed means 0.63-2.91 %"),
}


def _epoch_like(n_weapons: int, n_targets: int, seed: int) -> AssignmentProblem:
    """Family C with what the battle manager adds: a cost per unit fired, U(0, 20) in the unit of the
    target values (1-100), and one or two engagements allowed per target."""
    rng = np.random.default_rng(seed)
    base = family_c(n_weapons, n_targets, rng)
    return AssignmentProblem(base.values, base.kill_probability, base.capacity,
                             cost=rng.uniform(0.0, 20.0, base.kill_probability.shape),
                             target_limit=rng.integers(1, 3, n_targets))


@dataclass(frozen=True)
class Family:
    instances: dict[str, Callable[[], AssignmentProblem]]
    greedy: StatedGap
    search: StatedGap


FAMILIES = {
    # Square, one unit per type, p in [0.6, 0.9]: every target can be covered once and the greedy's
    # error is only in who covers whom.
    "A": Family(
        instances={f"A {w}x{w} seed {s}": (lambda w=w, s=s: family_a(w, np.random.default_rng(s)))
                   for w, seeds in ((20, range(1, 6)), (50, range(1, 4))) for s in seeds},
        greedy=StatedGap(0.10, 0.07, "3.28-7.45 % over these 8 instances, mean 5.20 %"),
        search=StatedGap(PROVEN_GAP, PROVEN_GAP, "the optimum on all 24 runs (8 instances, 3 seeds)"),
    ),
    # Sparse air defence: 1-4 units per type, half the pairs out of reach. Few weapons can reach a
    # given target, so a poor early commitment by the greedy is often unrecoverable.
    "C": Family(
        instances={f"C {w}x{t} seed {s}": (lambda w=w, t=t, s=s: family_c(w, t, np.random.default_rng(s)))
                   for w, t, seeds in ((20, 40, range(1, 6)), (50, 100, range(1, 3)))
                   for s in seeds},
        greedy=StatedGap(0.30, 0.17, "6.13-23.28 % over these 7 instances, mean 13.01 %"),
        search=StatedGap(0.045, 0.01, "worst run 3.06 % (20x40 seed 1, search seed 0); "
                                       "mean 0.51 % over these 21 runs"),
    ),
    # The battle manager's problems: family C with costs and target limits. Costs stop the greedy
    # from the marginal shots where it errs most, so it stays closer than on C.
    "C with costs and limits": Family(
        instances={f"C+costs {w}x{t} seed {s}": (lambda w=w, t=t, s=s: _epoch_like(w, t, s))
                   for w, t in ((10, 20), (20, 40)) for s in range(1, 6)},
        greedy=StatedGap(0.20, 0.08, "0-10.42 % over these 10 instances, mean 5.40 %; "
                                      "up to 15.9 % over seeds 1-10 of 10x20, 20x40 and 50x100"),
        search=StatedGap(0.01, 0.003, "worst run 0.24 %, mean 0.03 % over these 30 runs; "
                                      "worst 0.68 % over seeds 1-10 of 10x20, 20x40 and 50x100"),
    ),
}


def _search(problem: AssignmentProblem, seed: int):
    search = SearchAssigner(time_limit_s=SEARCH_GUARD_S, stall_rounds=60)
    answer = search.assign(problem, np.random.default_rng(seed))
    assert answer.time_s < SEARCH_GUARD_S, "the search stopped on its clock, not its round limit"
    return answer


def _optimum(exact_answer, key: str, problem: AssignmentProblem) -> float:
    answer = exact_answer(key, problem)
    assert answer.gap <= PROVEN_GAP, f"{key}: the reference optimum is not proven (gap {answer.gap:.2e})"
    return answer.objective


def _assert_within(label: str, excess: list[float], gap: StatedGap) -> None:
    shown = ", ".join(f"{100 * x:.3f} %" for x in excess)
    assert max(excess) <= gap.any_run, (
        f"{label}: excess {shown}; stated at most {100 * gap.any_run:g} % ({gap.measured})")
    assert np.mean(excess) <= gap.mean, (
        f"{label}: mean excess {100 * np.mean(excess):.3f} % ({shown}); stated at most {100 * gap.mean:g} % "
        f"({gap.measured})")


@pytest.mark.parametrize("name", instance_params())
def test_greedy_gap_on_public_instance(name, public_problem, exact_answer):
    problem = public_problem(name)
    optimum = _optimum(exact_answer, name, problem)
    excess = GreedyAssigner().assign(problem).objective / optimum - 1
    _assert_within(f"greedy on {name}", [excess], GREEDY_PUBLIC[units_of(name)])


@pytest.mark.parametrize("name", instance_params())
def test_search_gap_on_public_instance(name, public_problem, exact_answer):
    problem = public_problem(name)
    optimum = _optimum(exact_answer, name, problem)
    greedy = GreedyAssigner().assign(problem).objective
    excess = []
    for seed in SEARCH_SEEDS if name in BUNDLED else [0]:
        answer = _search(problem, seed)
        assert answer.objective <= greedy * (1 + 1e-12), f"seed {seed}: search worse than its greedy start"
        excess.append(answer.objective / optimum - 1)
    _assert_within(f"search on {name}", excess, SEARCH_PUBLIC[units_of(name)])


@pytest.mark.parametrize("family", FAMILIES)
def test_greedy_gap_on_generated_family(family, exact_answer):
    excess = []
    for key, build in FAMILIES[family].instances.items():
        problem = build()
        excess.append(GreedyAssigner().assign(problem).objective / _optimum(exact_answer, key, problem) - 1)
    _assert_within(f"greedy on family {family}", excess, FAMILIES[family].greedy)


@pytest.mark.parametrize("family", FAMILIES)
def test_search_gap_on_generated_family(family, exact_answer):
    excess = []
    for key, build in FAMILIES[family].instances.items():
        problem = build()
        optimum = _optimum(exact_answer, key, problem)
        excess += [_search(problem, seed).objective / optimum - 1 for seed in range(3)]
    _assert_within(f"search on family {family}", excess, FAMILIES[family].search)


def test_greedy_gap_on_small_problems():
    """The 30 brute-force problems of the contract battery (costs on about half, target limits on
    about half): the greedy is optimal on 29 and misses 19.1 % of the best improvement on the
    other, problem 2, where it spends the only good shot at target 2 on target 1, which a weaker
    weapon could have taken."""
    missed = shortfalls(GreedyAssigner())
    n_missed = np.count_nonzero(missed > 1e-9)
    assert n_missed <= 2, f"greedy misses the optimum on {n_missed} of 30 problems"
    assert missed.max() <= 0.25, f"greedy misses {100 * missed.max():.1f} % of the best improvement"
