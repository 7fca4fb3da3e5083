"""A partner's early-warning radar must not make a channel-limited defence leak more.

The scenario is built to show a known way for more information to hurt: an upper-tier battery
with few fire channels and a slow fly-out faces a long salvo of ballistic missiles. On its own
radar it sees each missile late, on the descending leg, and fires short fly-outs that free its
channels quickly. A partner's early-warning radar, forward and shared, gives it tracks from the
top of the climb: a manager that fires each threat at its earliest opportunity then takes the
long-range shots, each holding a channel for the whole fly-out (about 150 s instead of 60 s in
this scenario), engages half as many missiles, and more of them leak with the extra sensor than
without it. A competent manager can always ignore tracks it has no use for, so adding the sensor
(or the partner) must never give significantly more leakers.

The comparison is paired under common random numbers (`analysis.evaluate`), and clustered by raid
realisation: replications that share a realisation are correlated, so the paired differences are
averaged per realisation and the interval is a Student t interval over realisations (R - 1
degrees of freedom), as in `benchmarks/monotonicity.py`.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shieldwall.analysis import Settings, Variant, base_variant, coalition_variant, evaluate
from shieldwall.montecarlo.run import realisation_of
from tests.engine.helpers import scenario_from

RUNS = 48
REALISATIONS = 8


def notional(value: float) -> dict:
    return {"value": value, "notional": "test scenario"}


def early_warning_trap(lower_tier: bool) -> dict:
    """Defender AAA (an upper-tier battery with 2 fire channels and its own 400 km radar, optionally
    over a lower-tier battery) against 40 ballistic missiles launched over 10 minutes from about
    950 km; partner BBB brings only a 1,000 km early-warning radar 290 km forward, shared with AAA."""
    units = [{"id": "upper", "owner": "AAA", "interceptor": "upper", "platform": "ground",
              "position": [31.0, 35.0], "magazine": 40, "fire_channels": 2, "reaction_time_s": 30}]
    if lower_tier:
        units.append({"id": "lower", "owner": "AAA", "interceptor": "lower", "platform": "ground",
                      "position": [31.0, 35.0], "magazine": 40, "fire_channels": 4, "reaction_time_s": 20})
    return {
        "name": "early-warning-trap",
        "description": "a channel-limited upper tier given earlier tracks by a partner's radar",
        "start_time": "2030-01-01T00:00:00Z",
        "duration_s": 3000,
        "partners": [{"id": "AAA", "name": "Defender", "coordinator": True},
                     {"id": "BBB", "name": "Early-warning partner"}],
        "agreements": [{"id": "bbb-tracks-to-aaa", "kind": "track-sharing", "grantor": "BBB",
                        "parties": ["BBB", "AAA"]}],
        "assets": [{"id": "base", "name": "Base", "owner": "AAA", "position": [31.0, 35.0],
                    "value_usd": 1.0e9, "radius_m": 3000}],
        "sensors": [
            {"id": "own-radar", "owner": "AAA", "type": "own-radar", "platform": "ground",
             "position": [31.0, 35.0], "altitude_m": 20},
            {"id": "early-warning", "owner": "BBB", "type": "early-warning-radar", "platform": "ground",
             "position": [31.0, 38.0], "altitude_m": 20},
        ],
        "fire_units": units,
        "raid": {"waves": [{"id": "salvo", "threat": "mrbm", "count": 40,
                            "launch_area": {"center": [31.0, 45.0], "radius_m": 50000},
                            "launch_window_s": [0, 600], "targets": {"base": 1}}]},
        "doctrine": {"shoot_look_shoot": True, "salvo_size": 2, "kill_assessment_s": 10, "cost_weight": 0.0,
                     "prefer_cheaper_shot": False, "track_latency_s": 5},
        "catalog": {
            "interceptors": {
                "upper": {"name": "Upper tier", "layer": 1, "min_range_m": notional(50_000),
                          "max_range_m": notional(1_000_000), "min_altitude_m": notional(100_000),
                          "max_altitude_m": notional(400_000), "average_speed_mps": notional(2500),
                          "kill_probability": {"ballistic": notional(0.7)}, "unit_cost_usd": notional(3e6)},
                "lower": {"name": "Lower tier", "layer": 2, "min_range_m": notional(10_000),
                          "max_range_m": notional(100_000), "min_altitude_m": notional(10_000),
                          "max_altitude_m": notional(60_000), "average_speed_mps": notional(2000),
                          "kill_probability": {"ballistic": notional(0.8)}, "unit_cost_usd": notional(3e6)},
            },
            "threats": {"mrbm": {"name": "Test ballistic missile", "class": "ballistic", "boost_time_s": notional(60),
                                 "reliability": notional(1.0), "cep_m": notional(100), "lethality": notional(0.1),
                                 "unit_cost_usd": notional(1e6)}},
            "sensors": {
                "own-radar": {"name": "Battery radar", "kind": "fire-control-radar",
                              "range_m": {"ballistic": notional(400_000)}, "scan_period_s": notional(5),
                              "detection_probability": notional(0.9)},
                "early-warning-radar": {"name": "Early-warning radar", "kind": "surveillance-radar",
                                        "range_m": {"ballistic": notional(1_000_000)}, "scan_period_s": notional(5),
                                        "detection_probability": notional(0.9)},
            },
        },
    }


def clustered_interval(d: np.ndarray, runs: int, realisations: int) -> tuple[float, float, float]:
    """Mean and 95 % t interval of paired differences, averaged per raid realisation first."""
    labels = np.array([realisation_of(i, runs, realisations) for i in range(runs)])
    means = np.array([d[labels == r].mean() for r in range(realisations)])
    half = stats.t.ppf(0.975, realisations - 1) * means.std(ddof=1) / np.sqrt(realisations)
    return float(means.mean()), float(means.mean() - half), float(means.mean() + half)


@pytest.mark.parametrize("lower_tier", [False, True], ids=["upper-tier-alone", "over-a-lower-tier"])
def test_early_warning_never_makes_a_channel_limited_defence_leak_more(lower_tier):
    scenario = scenario_from(early_warning_trap(lower_tier))
    without_sensor = Variant(
        "without early-warning",
        scenario.model_copy(update={"sensors": [s for s in scenario.sensors if s.id != "early-warning"]}),
        scenario.coordination)
    without_partner = coalition_variant(scenario, ["AAA"])
    settings = Settings(runs=RUNS, seed=0, realisations=REALISATIONS)
    base, no_sensor, no_partner = evaluate(scenario, [base_variant(scenario), without_sensor, without_partner],
                                           settings, cache=False)

    # The scenario is channel-limited: the defence leaks whatever it does.
    assert base["leaked"].mean() > 5 and no_sensor["leaked"].mean() > 5
    for name, removed in (("early-warning radar", no_sensor), ("early-warning partner", no_partner)):
        mean, low, high = clustered_interval(removed["leaked"] - base["leaked"], RUNS, REALISATIONS)
        assert high >= 0, (f"removing the {name} gives significantly fewer leakers: {mean:+.2f} "
                           f"[{low:+.2f}, {high:+.2f}] per raid (base {base['leaked'].mean():.2f})")
