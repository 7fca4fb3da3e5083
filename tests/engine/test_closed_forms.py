"""Monte Carlo estimates against closed forms, each checked against its 95 % interval."""

from __future__ import annotations

import numpy as np
import pytest

import shieldwall
from shieldwall import geo
from shieldwall.engine import compile_world
from shieldwall.results import mean_interval, wilson_interval
from tests.engine.helpers import scenario_from

PK = 0.6
RUNS = 3000


def _leak_rate(results):
    leaked = results.tables["replications"]["leaked"].to_numpy()
    return wilson_interval(int(leaked.sum()), leaked.size)


@pytest.mark.parametrize("shots", [1, 2, 3])
def test_one_threat_facing_k_shots_leaks_with_probability_one_minus_p_to_the_k(one_drone, shots):
    one_drone["fire_units"][0]["magazine"] = shots
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=11, fidelity="ideal")
    estimate = _leak_rate(results)
    exact = (1 - PK) ** shots
    assert estimate.low <= exact <= estimate.high, (estimate, exact)
    # Every shot was taken: the threat leaks only after the magazine is spent.
    per_run_shots = results.tables["shots"].group_by("run").aggregate([("threat", "count")])
    leaked_runs = results.tables["replications"]["leaked"].to_numpy() == 1
    assert np.all(results.tables["replications"]["shots"].to_numpy()[leaked_runs] == shots)
    assert per_run_shots.num_rows <= RUNS


def test_k_independent_units_with_one_round_each(one_drone):
    unit = one_drone["fire_units"][0]
    one_drone["fire_units"] = [dict(unit, id=f"battery-{k}", magazine=1) for k in range(3)]
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=12, fidelity="ideal")
    estimate = _leak_rate(results)
    assert estimate.low <= (1 - PK) ** 3 <= estimate.high


def test_shoot_look_shoot_expenditure_matches_closed_form(one_drone):
    # Shoot-look-shoot with n rounds: shot i+1 is fired only if the first i all missed, so
    # E[shots] = sum_{i=0}^{n-1} (1-p)^i = (1 - (1-p)^n) / p.
    n = 4
    one_drone["fire_units"][0]["magazine"] = n
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=13, fidelity="ideal")
    estimate = mean_interval(results.tables["replications"]["shots"].to_numpy())
    exact = (1 - (1 - PK) ** n) / PK
    assert estimate.low <= exact <= estimate.high, (estimate, exact)


def test_salvo_when_no_look_is_wanted(one_drone):
    one_drone["doctrine"]["shoot_look_shoot"] = False
    one_drone["doctrine"]["salvo_size"] = 2
    one_drone["fire_units"][0]["magazine"] = 2
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=14, fidelity="ideal")
    shots = results.tables["replications"]["shots"].to_numpy()
    assert np.all(shots == 2)  # both rounds leave together, whatever the first one does
    estimate = _leak_rate(results)
    assert estimate.low <= (1 - PK) ** 2 <= estimate.high


def test_unreliable_threats_fail_at_the_catalog_rate(one_drone):
    one_drone["catalog"]["threats"]["test-drone"]["reliability"] = {"value": 0.7, "notional": "test"}
    one_drone["fire_units"] = []
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=15, fidelity="ideal")
    failed = results.tables["replications"]["failed"].to_numpy()
    estimate = wilson_interval(int(failed.sum()), failed.size)
    assert estimate.low <= 0.3 <= estimate.high


def test_impact_scatter_hits_with_the_rayleigh_probability(one_drone):
    # Circular normal impact scatter: P(miss <= r) = 1 - 0.5 ** ((r / CEP) ** 2).
    threat = one_drone["catalog"]["threats"]["test-drone"]
    threat["cep_m"] = {"value": 400.0, "notional": "test"}
    one_drone["assets"][0]["radius_m"] = 300.0
    one_drone["fire_units"] = []
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=16, fidelity="ideal")
    hits = results.tables["threats"]["asset_hit"].is_valid().to_numpy(zero_copy_only=False)
    estimate = wilson_interval(int(hits.sum()), hits.size)
    exact = 1 - 0.5 ** ((300.0 / 400.0) ** 2)
    assert estimate.low <= exact <= estimate.high, (estimate, exact)


def test_radar_coverage_begins_at_the_four_thirds_earth_horizon(one_drone):
    # Sensor mast 20 m, drone at 1,000 m: d = sqrt(2 k R h_s) + sqrt(2 k R h_t) with k = 4/3
    # (about 4.12 km per sqrt(m): 4.12 * (sqrt(20) + sqrt(1000)) = 148.7 km).
    one_drone["catalog"]["sensors"]["test-radar"]["range_m"]["drone"] = {"value": 900_000, "notional": "test"}
    scenario = scenario_from(one_drone)
    world = compile_world(scenario, np.random.default_rng(0))
    horizon_m = np.sqrt(2 * 4 / 3 * 6_371_000 * 20) + np.sqrt(2 * 4 / 3 * 6_371_000 * 1000)
    assert horizon_m == pytest.approx(4120 * (np.sqrt(20) + np.sqrt(1000)), rel=2e-3)
    start = world.coverage.start_t_s[0]
    threats = world.threats
    s = int(np.searchsorted(threats.t_s[0], start))
    ground_m, _ = geo.geodesic_inverse(31.0, 35.0, threats.lat_deg[0, s], threats.lon_deg[0, s])
    ground_before_m, _ = geo.geodesic_inverse(31.0, 35.0, threats.lat_deg[0, s - 1], threats.lon_deg[0, s - 1])
    assert ground_m <= horizon_m < ground_before_m
    assert ground_before_m - ground_m == pytest.approx(50 * 20, rel=0.01)  # one sample at 50 m/s


def test_holding_for_a_cheaper_later_shot(one_drone):
    # An expensive unit meets the drone first; a cheap one later, with a third unit still able to
    # look after it. Holding for the cheaper shot means the expensive unit never fires; engaging
    # forward (the default) means it always fires first.
    catalog = one_drone["catalog"]["interceptors"]
    catalog["test-missile-dear"] = dict(catalog["test-missile"], unit_cost_usd={"value": 1e6, "notional": "test"})
    unit = one_drone["fire_units"][0]
    one_drone["fire_units"] = [
        dict(unit, id="forward-dear", interceptor="test-missile-dear", position=[31.0, 36.2], magazine=1),
        dict(unit, id="middle-cheap", position=[31.0, 35.5], magazine=1),
        dict(unit, id="terminal-cheap", position=[31.0, 35.0], magazine=1),
    ]
    one_drone["sensors"][0]["position"] = [31.0, 36.0]
    for hold in (True, False):
        one_drone["doctrine"]["prefer_cheaper_shot"] = hold
        shots = shieldwall.run(scenario_from(one_drone), runs=50, seed=17, fidelity="ideal").tables["shots"]
        first = {}
        for run, t, unit_id in zip(shots["run"].to_pylist(), shots["launch_t_s"].to_pylist(),
                                   shots["unit"].to_pylist()):
            if run not in first or t < first[run][0]:
                first[run] = (t, unit_id)
        assert len(first) == 50
        opening = {unit_id for _, unit_id in first.values()}
        # Holding: the cheap middle unit opens every engagement (the dear unit may still fire later,
        # once the cheap ones have spent their rounds and no depth is left behind them).
        assert opening == ({"middle-cheap"} if hold else {"forward-dear"})
