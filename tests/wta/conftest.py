"""Locate the public data set, and solve each instance exactly once per session for the tests that
compare against the optimum."""

import numpy as np
import pytest

from shieldwall.wta import Assignment, AssignmentProblem, ExactAssigner, read_instance
from tests.wta.public import BUNDLED, instance_path, shared_dir


@pytest.fixture(scope="session")
def wta_data_dir():
    data = shared_dir()
    if not (data / "andersen2022-results.csv").exists():
        pytest.skip(f"public WTA instances not found under {data} (set SHIELDWALL_SHARED)")
    return data


@pytest.fixture(scope="session")
def public_problem():
    """public_problem(name) -> AssignmentProblem read from the bundled or shared file (skips if neither)."""
    cache: dict[str, AssignmentProblem] = {}

    def load(name: str) -> AssignmentProblem:
        if name not in cache:
            cache[name] = read_instance(instance_path(name))
        return cache[name]

    return load


@pytest.fixture(scope="session")
def exact_answer():
    """exact_answer(key, problem) -> the exact solver's answer, computed once per key and session.

    The time limit is a guard, not a figure under test: the bundled instances are proven in under
    10 s on two idle cores, the slowest (300x600x2) in about 4 minutes.
    """
    cache: dict[str, Assignment] = {}

    def solve(key: str, problem: AssignmentProblem) -> Assignment:
        if key not in cache:
            time_limit_s = 300.0 if key in BUNDLED or problem.kill_probability.size <= 5_000 else 3600.0
            cache[key] = ExactAssigner(time_limit_s=time_limit_s).assign(problem, np.random.default_rng(0))
        return cache[key]

    return solve
