"""Same seed, same results, bit for bit, whatever the number of workers."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import shieldwall
from shieldwall.engine import compile_world, simulate
from shieldwall.scenario import load_scenario
from tests.engine.helpers import scenario_from

TABLES = ("replications", "threats", "shots", "refusals")
montecarlo = importlib.import_module("shieldwall.montecarlo")


def test_results_are_identical_across_worker_counts(one_drone):
    one_drone["raid"]["waves"][0]["count"] = 5
    one_drone["raid"]["waves"][0]["launch_window_s"] = [0, 600]
    one_drone["raid"]["waves"][0]["launch_area"]["radius_m"] = 20000
    scenario = scenario_from(one_drone)
    one = shieldwall.run(scenario, runs=60, seed=5, workers=1, realisations=3)
    two = shieldwall.run(scenario, runs=60, seed=5, workers=2, realisations=3)
    for name in TABLES:
        assert one.tables[name].equals(two.tables[name]), name
    other_seed = shieldwall.run(scenario, runs=60, seed=6, workers=1, realisations=3)
    assert not one.tables["threats"].equals(other_seed.tables["threats"])


@pytest.mark.parametrize("runs,realisations,workers", [(40, 1, 2), (36, 3, 4)])
def test_one_realisation_split_across_workers_gives_the_same_tables(runs, realisations, workers):
    # Each worker that takes part of a realisation's block compiles that realisation itself, and
    # each replication draws from its own index's seed: splitting a block changes nothing.
    from shieldwall.montecarlo.runner import pieces_for

    blocks = [t.indices for t in montecarlo.plan(runs, realisations, pieces=pieces_for(workers, realisations))]
    of_realisation = [{montecarlo.realisation_of(i, runs, realisations) for i in block} for block in blocks]
    assert all(len(r) == 1 for r in of_realisation) and len(blocks) > realisations  # blocks are split
    scenario = load_scenario("tutorial")
    one = shieldwall.run(scenario, runs=runs, seed=8, workers=1, realisations=realisations)
    split = shieldwall.run(scenario, runs=runs, seed=8, workers=workers, realisations=realisations)
    assert one.tables["shots"].num_rows > 0 and one.tables["refusals"].num_rows > 0
    for name in TABLES:
        assert one.tables[name].equals(split.tables[name]), name


def test_simulate_is_a_pure_function_of_the_seed(one_drone):
    scenario = scenario_from(one_drone)
    world = compile_world(scenario, np.random.default_rng(1))
    a = simulate(world, np.random.default_rng(np.random.SeedSequence(9)))
    b = simulate(world, np.random.default_rng(np.random.SeedSequence(9)))
    assert np.array_equal(a.fate, b.fate) and np.array_equal(a.shots["launch_t_s"], b.shots["launch_t_s"])


@pytest.mark.parametrize("name,fidelity", [("april-2024", "radar"), ("october-2024", "radar"), ("april-2024", "tracked")])
def test_a_replication_without_detail_decides_and_counts_the_same(name, fidelity):
    from shieldwall.analysis.evaluate import measure
    from shieldwall.montecarlo import replication_rng

    world = compile_world(load_scenario(name), np.random.default_rng(2))
    for i in range(3):
        full = simulate(world, replication_rng(0, i), fidelity)
        bare = simulate(world, replication_rng(0, i), fidelity, detail=False)
        for field in ("fate", "fate_t_s", "killer_unit", "shots_at", "asset_hit", "magazine_left",
                      "missed_with_capacity"):
            assert np.array_equal(getattr(full, field), getattr(bare, field)), field
        assert full.value_lost_usd == bare.value_lost_usd
        assert all(np.array_equal(full.shots[k], bare.shots[k]) for k in bare.shots)
        assert all(np.array_equal(a, b) for a, b in zip(measure(world, full), measure(world, bare)))
        assert bare.warned_t_s is None and bare.decisions is None and bare.track_error_m is None
        assert set(full.shots) - set(bare.shots) == {"handover_fraction", "track_error_m"}


@pytest.mark.parametrize("fidelity,coordination,magazine,detail", [
    ("radar", None, None, True), ("tracked", "independent", None, True), ("radar", None, "half", False)])
def test_replications_taken_through_the_stages_together_equal_one_by_one(fidelity, coordination, magazine, detail):
    # 30 replications: a group of STAGED (25) and one of 5, against each simulated alone, every
    # outcome array compared. They share the battle state's scratch space (refusal rows among
    # it), which each must have left before the next.
    from shieldwall.engine import STAGED, simulate_many
    from shieldwall.montecarlo import replication_seed

    scenario = load_scenario("april-2024")
    world = compile_world(scenario, np.random.default_rng(3))
    if magazine == "half":
        magazine = [u.magazine // 2 for u in scenario.fire_units]
    seeds = [replication_seed(9, i) for i in range(STAGED + 5)]
    together = list(simulate_many(world, seeds, fidelity, None, coordination, magazine, detail))
    refusals = 0
    for seed, staged in zip(seeds, together):
        alone = simulate(world, seed, fidelity, None, coordination, magazine, detail)
        for name, value in vars(alone).items():
            other = getattr(staged, name)
            if isinstance(value, dict):
                assert value.keys() == other.keys() and all(np.array_equal(value[k], other[k], equal_nan=True)
                                                            for k in value), name
            elif isinstance(value, np.ndarray):
                assert np.array_equal(value, other, equal_nan=True), name
            else:
                assert value == other, name
        refusals += alone.refusals["t_s"].size
    assert refusals > 0 and len({o.refusals["t_s"].size for o in together}) > 1
