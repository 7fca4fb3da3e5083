"""The 95 % intervals that `run` and `compare` print cover closed-form truths 95 % of the time.

Two drones, launched at random times, one at each of two bases (largest-remainder split of the
targets, in random order). Each base has a battery that fires one salvo of two rounds at the
drone coming for it (the kill assessment outlasts the flight, so there is no second look): kill
probability 0.6 at Alpha, 0.3 at Bravo. A drone leaks with probability (1 - p)^2, independently,
so per raid

    E[leakers] = 0.4^2 + 0.7^2 = 0.65,   P(no leaker) = (1 - 0.4^2)(1 - 0.7^2) = 0.4284,

and emptying Bravo's magazine adds, with the same random numbers, E[d] = 1 - 0.7^2 = 0.51 leakers.
Each seed is one independent `run` and one `compare`; the share of seeds whose interval holds the
truth is their coverage. With N seeds it has a standard error of about sqrt(0.95 * 0.05 / N).
The raid realisation does not change these answers (both bases are attacked once in every
realisation); tests/results/test_intervals.py checks coverage where it does.
"""

from __future__ import annotations

import copy

import pytest
import yaml

import shieldwall
from shieldwall.analysis import Settings, compare
from shieldwall.analysis.variants import MagazineChange, Overlay, apply_overlay
from tests.conftest import FIXTURES
from tests.engine.helpers import scenario_from

PK_ALPHA, PK_BRAVO = 0.6, 0.3
LEAKED = (1 - PK_ALPHA) ** 2 + (1 - PK_BRAVO) ** 2
P_NO_LEAKER = (1 - (1 - PK_ALPHA) ** 2) * (1 - (1 - PK_BRAVO) ** 2)
WITHOUT_BRAVO = 1 - (1 - PK_BRAVO) ** 2


@pytest.fixture(scope="module")
def two_bases():
    data = yaml.safe_load((FIXTURES / "one-drone.yaml").read_text())
    data["assets"] = [
        {"id": "alpha", "name": "Alpha", "owner": "AAA", "position": [31.0, 35.0], "value_usd": 1e9, "radius_m": 500},
        {"id": "bravo", "name": "Bravo", "owner": "AAA", "position": [33.0, 35.0], "value_usd": 1e9, "radius_m": 500},
    ]
    radar = data["sensors"][0]
    data["sensors"] = [dict(radar, id="radar-alpha"), dict(radar, id="radar-bravo", position=[33.0, 35.0])]
    battery = data["fire_units"][0]
    data["fire_units"] = [
        dict(battery, id="battery-alpha", magazine=4, fire_channels=2),
        dict(battery, id="battery-bravo", position=[33.0, 35.0], interceptor="test-missile-b", magazine=4,
             fire_channels=2),
    ]
    interceptors = data["catalog"]["interceptors"]
    interceptors["test-missile"]["kill_probability"]["drone"]["value"] = PK_ALPHA
    interceptors["test-missile-b"] = copy.deepcopy(interceptors["test-missile"])
    interceptors["test-missile-b"]["kill_probability"]["drone"]["value"] = PK_BRAVO
    data["raid"]["waves"][0].update(count=2, launch_window_s=[0, 600], targets={"alpha": 1, "bravo": 1})
    data["doctrine"].update(shoot_look_shoot=False, salvo_size=2, kill_assessment_s=20_000)
    scenario = scenario_from(data)
    variant = apply_overlay(scenario, Overlay(name="no rounds at Bravo",
                                              magazines=[MagazineChange(unit="battery-bravo", magazine=0)]))
    return scenario, variant


def covers(estimate: dict, truth: float) -> bool:
    return estimate["low"] <= truth <= estimate["high"]


def coverage(two_bases, seeds: range, runs: int, realisations: int = 10) -> dict[str, float]:
    scenario, variant = two_bases
    hits = {"leaked": 0, "p_no_leaker": 0, "compare_leaked": 0}
    for seed in seeds:
        summary = shieldwall.run(scenario, runs=runs, seed=seed, fidelity="ideal", realisations=realisations).summary
        hits["leaked"] += covers(summary["threats"]["all"]["leaked"], LEAKED)
        hits["p_no_leaker"] += covers(summary["p_zero_leakers"], P_NO_LEAKER)
        report = compare(scenario, [variant], Settings(runs=runs, seed=seed, fidelity="ideal",
                                                       realisations=realisations), cache=False)
        hits["compare_leaked"] += covers(report["variants"][0]["difference"]["leaked"], WITHOUT_BRAVO)
    return {name: count / len(seeds) for name, count in hits.items()}


def test_the_scenario_is_what_the_closed_forms_assume(two_bases):
    scenario, _ = two_bases
    results = shieldwall.run(scenario, runs=400, seed=1, fidelity="ideal", realisations=10)
    threats = results.tables["threats"].to_pandas()
    assert (threats["shots_at"] == 2).all()  # one salvo of two rounds at every drone, no more
    assert set(threats.groupby("run")["target"].agg(lambda t: tuple(sorted(t)))) == {("alpha", "bravo")}
    shots = results.tables["shots"].to_pandas()
    by_target = shots.merge(threats[["run", "threat", "target"]], on=["run", "threat"])
    assert (by_target["unit"].str.removeprefix("battery-") == by_target["target"].astype(str)).all()


@pytest.mark.slow
def test_run_and_compare_intervals_cover_the_closed_forms_over_1000_seeds(two_bases):
    # Standard error of a coverage of 95 % over 1,000 seeds: 0.7 %; 93-97 % is about 3 of them.
    # Measured: leakers 96.0 %, P(no leaker) 95.6 %, paired difference 95.0 %.
    rates = coverage(two_bases, range(1000, 2000), runs=100)
    for name, rate in rates.items():
        assert 0.93 <= rate <= 0.97, rates


def test_run_and_compare_intervals_cover_the_closed_forms_over_200_seeds(two_bases):
    # The quick version: over 200 seeds the standard error is 1.5 %, so a correct interval can
    # land outside 93-97 % by chance; the band is 95 % +/- 3 standard errors. It still fails
    # intervals half or twice as wide as they should be (coverage about 70 % or 99.9 %).
    # Measured: leakers 96.5 %, P(no leaker) 96.0 %, paired difference 92.5 %.
    rates = coverage(two_bases, range(200), runs=40)
    for name, rate in rates.items():
        assert 0.905 <= rate <= 0.995, rates
