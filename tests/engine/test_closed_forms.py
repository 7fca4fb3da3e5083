"""Monte Carlo estimates against closed forms, at fixed seeds.

Each estimate is tested against its closed form with an exact binomial test or a chi-square test
of the whole distribution (scipy.stats), rejecting at ALPHA: at a fixed seed the verdict is
deterministic, and a model off by a few percent fails at these sample sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import shieldwall
from shieldwall import geo
from shieldwall.engine import compile_world
from tests.engine.helpers import scenario_from

PK = 0.6
RUNS = 3000
ALPHA = 1e-3


def assert_binomial(successes: int, trials: int, p: float) -> None:
    """`successes` out of `trials` is consistent with probability `p` (two-sided exact test)."""
    pvalue = stats.binomtest(int(successes), int(trials), p).pvalue
    assert pvalue > ALPHA, f"{successes}/{trials} = {successes / trials:.4f} against {p:.4f} (p-value {pvalue:.2g})"


def assert_distribution(observed: np.ndarray, probabilities: np.ndarray) -> None:
    """Counts per category against their probabilities (chi-square; categories with an expected
    count under 5 are pooled with their neighbour)."""
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(probabilities, dtype=float) * observed.sum()
    assert np.isclose(np.sum(probabilities), 1.0)
    obs, exp = [], []
    carry_o = carry_e = 0.0
    for o, e in zip(observed, expected):
        carry_o, carry_e = carry_o + o, carry_e + e
        if carry_e >= 5:
            obs.append(carry_o)
            exp.append(carry_e)
            carry_o = carry_e = 0.0
    if carry_e > 0:
        obs[-1] += carry_o
        exp[-1] += carry_e
    pvalue = stats.chisquare(obs, exp).pvalue
    assert pvalue > ALPHA, f"observed {np.round(obs)} against expected {np.round(exp, 1)} (p-value {pvalue:.2g})"


def _leaked(results) -> np.ndarray:
    return results.tables["replications"]["leaked"].to_numpy()


@pytest.mark.parametrize("shots,pk", [
    (1, PK), (2, PK), (3, PK),
    (20, 0.1),  # beyond the default limit of shots at one threat: raised by the doctrine
])
def test_one_threat_facing_k_shots_leaks_with_probability_one_minus_p_to_the_k(one_drone, shots, pk):
    one_drone["fire_units"][0]["magazine"] = shots
    one_drone["doctrine"]["max_shots_per_threat"] = max(shots, 16)
    one_drone["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = pk
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=11, fidelity="ideal")
    leaked = _leaked(results)
    # Every shot was taken: the threat leaks only after the magazine is spent.
    assert np.all(results.tables["replications"]["shots"].to_numpy()[leaked == 1] == shots)
    assert_binomial(leaked.sum(), leaked.size, (1 - pk) ** shots)


def test_k_independent_units_with_one_round_each(one_drone):
    unit = one_drone["fire_units"][0]
    one_drone["fire_units"] = [dict(unit, id=f"battery-{k}", magazine=1) for k in range(3)]
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=12, fidelity="ideal")
    leaked = _leaked(results)
    assert_binomial(leaked.sum(), leaked.size, (1 - PK) ** 3)
    assert set(results.tables["shots"]["unit"].to_pylist()) == {"battery-0", "battery-1", "battery-2"}


def test_shoot_look_shoot_expenditure_follows_the_truncated_geometric_law(one_drone):
    # Shoot-look-shoot with n rounds: shot i+1 is fired only if the first i all missed, so
    # P(i shots) = (1-p)^(i-1) p for i < n and P(n shots) = (1-p)^(n-1); its mean is
    # (1 - (1-p)^n) / p.
    n = 4
    one_drone["fire_units"][0]["magazine"] = n
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=13, fidelity="ideal")
    shots = results.tables["replications"]["shots"].to_numpy()
    law = np.array([(1 - PK) ** (i - 1) * PK for i in range(1, n)] + [(1 - PK) ** (n - 1)])
    assert_distribution(np.bincount(shots, minlength=n + 1)[1:], law)
    assert shots.min() >= 1 and shots.max() <= n


def test_salvo_when_no_look_is_wanted(one_drone):
    one_drone["doctrine"]["shoot_look_shoot"] = False
    one_drone["doctrine"]["salvo_size"] = 2
    one_drone["fire_units"][0]["magazine"] = 2
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=14, fidelity="ideal")
    shots = results.tables["shots"]
    assert np.all(results.tables["replications"]["shots"].to_numpy() == 2)
    # Both rounds leave together, whatever the first one does.
    launches = shots.group_by("run").aggregate([("launch_t_s", "min"), ("launch_t_s", "max")])
    assert np.array_equal(launches["launch_t_s_min"].to_numpy(), launches["launch_t_s_max"].to_numpy())
    leaked = _leaked(results)
    assert_binomial(leaked.sum(), leaked.size, (1 - PK) ** 2)


def test_unreliable_threats_fail_at_the_catalog_rate(one_drone):
    one_drone["catalog"]["threats"]["test-drone"]["reliability"] = {"value": 0.7, "notional": "test"}
    one_drone["fire_units"] = []
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=15, fidelity="ideal")
    failed = results.tables["replications"]["failed"].to_numpy()
    assert_binomial(failed.sum(), failed.size, 0.3)


def test_impact_scatter_hits_with_the_rayleigh_probability(one_drone):
    # Circular normal impact scatter: P(miss <= r) = 1 - 0.5 ** ((r / CEP) ** 2).
    threat = one_drone["catalog"]["threats"]["test-drone"]
    threat["cep_m"] = {"value": 400.0, "notional": "test"}
    one_drone["assets"][0]["radius_m"] = 300.0
    one_drone["fire_units"] = []
    results = shieldwall.run(scenario_from(one_drone), runs=RUNS, seed=16, fidelity="ideal")
    hits = results.tables["threats"]["asset_hit"].is_valid().to_numpy(zero_copy_only=False)
    assert_binomial(hits.sum(), hits.size, 1 - 0.5 ** ((300.0 / 400.0) ** 2))


def test_radar_coverage_begins_at_the_four_thirds_earth_horizon(one_drone):
    # Sensor mast 20 m, drone at 1,000 m: d = sqrt(2 k R h_s) + sqrt(2 k R h_t) with k = 4/3.
    one_drone["catalog"]["sensors"]["test-radar"]["range_m"]["drone"] = {"value": 900_000, "notional": "test"}
    world = compile_world(scenario_from(one_drone), np.random.default_rng(0))
    horizon_m = np.sqrt(2 * 4 / 3 * 6_371_000 * 20) + np.sqrt(2 * 4 / 3 * 6_371_000 * 1000)
    start = world.coverage.start_t_s[0]
    threats = world.threats
    s = int(np.searchsorted(threats.t_s[0], start))
    ground_m, _ = geo.geodesic_inverse(31.0, 35.0, threats.lat_deg[0, s], threats.lon_deg[0, s])
    ground_before_m, _ = geo.geodesic_inverse(31.0, 35.0, threats.lat_deg[0, s - 1], threats.lon_deg[0, s - 1])
    assert ground_m <= horizon_m < ground_before_m


def _radar_first_detections(one_drone, pd: float, runs: int, seed: int, fidelity: str = "radar"):
    """(scans missed before the first detection, scan phase of the first scan) of identical drones
    seen by one radar scanning every 10 s with probability of detection `pd`."""
    one_drone["catalog"]["sensors"]["test-radar"]["detection_probability"] = {"value": pd, "notional": "test"}
    one_drone["raid"]["waves"][0]["count"] = 25  # same launch point and time: same coverage
    one_drone["fire_units"] = []
    scenario = scenario_from(one_drone)
    period_s = scenario.catalog.sensors["test-radar"].scan_period_s.value
    coverage = compile_world(scenario, np.random.default_rng(0)).coverage
    assert np.unique(coverage.start_t_s).size == 1 and coverage.start_t_s.size == 25
    covered_s = coverage.end_t_s[0] - coverage.start_t_s[0]
    assert covered_s > 150 * period_s  # long enough that truncation of the law is negligible
    results = shieldwall.run(scenario, runs=runs, seed=seed, fidelity=fidelity)
    track_t_s = results.tables["threats"]["track_t_s"].to_numpy()  # no picture latency in the fixture
    assert np.all(np.isfinite(track_t_s))
    scans = (track_t_s - coverage.start_t_s[0]) / period_s
    missed = np.floor(scans).astype(int)
    return missed, scans - missed


@pytest.mark.parametrize("pd", [0.3, 0.75])
def test_radar_first_detection_is_geometric_in_scans(one_drone, pd):
    # Each scan of a threat in cover detects it with probability pd, independently, the first
    # scan at a uniform phase of the scan period: the number of scans missed before the first
    # detection K has P(K = k) = (1 - pd)^k pd, and the phase is uniform on [0, 1).
    missed, phase = _radar_first_detections(one_drone, pd, runs=200, seed=21)
    k_max = missed.max()
    law = np.array([(1 - pd) ** k * pd for k in range(k_max)] + [(1 - pd) ** k_max])  # last: K >= k_max
    assert_distribution(np.bincount(missed, minlength=k_max + 1), law)
    assert missed.min() >= 0
    assert stats.kstest(phase, "uniform").pvalue > ALPHA


def test_radar_with_certain_detection_sees_a_threat_on_its_first_scan(one_drone):
    missed, phase = _radar_first_detections(one_drone, 1.0, runs=80, seed=22)
    assert np.all(missed == 0)
    assert stats.kstest(phase, "uniform").pvalue > ALPHA


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
