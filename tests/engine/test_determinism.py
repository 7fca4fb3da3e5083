"""Same seed, same results, bit for bit, whatever the number of workers."""

from __future__ import annotations

import numpy as np

import shieldwall
from shieldwall.engine import compile_world, simulate
from tests.engine.helpers import scenario_from


def test_results_are_identical_across_worker_counts(one_drone):
    one_drone["raid"]["waves"][0]["count"] = 5
    one_drone["raid"]["waves"][0]["launch_window_s"] = [0, 600]
    one_drone["raid"]["waves"][0]["launch_area"]["radius_m"] = 20000
    scenario = scenario_from(one_drone)
    one = shieldwall.run(scenario, runs=60, seed=5, workers=1, realisations=3)
    two = shieldwall.run(scenario, runs=60, seed=5, workers=2, realisations=3)
    for name in ("replications", "threats", "shots", "refusals"):
        assert one.tables[name].equals(two.tables[name]), name
    other_seed = shieldwall.run(scenario, runs=60, seed=6, workers=1, realisations=3)
    assert not one.tables["threats"].equals(other_seed.tables["threats"])


def test_simulate_is_a_pure_function_of_the_seed(one_drone):
    scenario = scenario_from(one_drone)
    world = compile_world(scenario, np.random.default_rng(1))
    a = simulate(world, np.random.default_rng(np.random.SeedSequence(9)))
    b = simulate(world, np.random.default_rng(np.random.SeedSequence(9)))
    assert np.array_equal(a.fate, b.fate) and np.array_equal(a.shots["launch_t_s"], b.shots["launch_t_s"])
