"""The `tracked` fidelity confirms by each sensor type's M-of-N from the catalog."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from shieldwall.engine import compile_world, simulate
from shieldwall.scenario import parse_scenario
from shieldwall.sensors import SENSING, RadarSensing, TrackedSensing
from tests.scenario.test_bounds import FIXTURE
from tests.tracking.test_tracked_fidelity import _sensor_rngs, _world


def test_a_catalog_without_the_rule_confirms_two_of_three():
    # The defaults are the rule the fidelity applied before the catalog could set one: 2-of-3.
    world = _world()
    for seed in range(3):
        from_catalog = TrackedSensing().detect_and_confirm(world, _sensor_rngs(world, seed))
        two_of_three = TrackedSensing(confirm=(2, 3)).detect_and_confirm(world, _sensor_rngs(world, seed))
        assert np.isfinite(from_catalog[1]).sum() > 1_000
        assert np.array_equal(from_catalog[0], two_of_three[0]) and np.array_equal(from_catalog[1], two_of_three[1])


def test_a_catalog_without_the_rule_gives_the_two_of_three_outcomes(monkeypatch):
    world = _world()
    from_catalog = [simulate(world, np.random.default_rng(seed), "tracked") for seed in range(3)]
    monkeypatch.setitem(SENSING, "tracked", lambda: TrackedSensing(confirm=(2, 3)))
    for seed, outcome in enumerate(from_catalog):
        explicit = simulate(world, np.random.default_rng(seed), "tracked")
        for field in dataclasses.fields(outcome):
            a, b = getattr(outcome, field.name), getattr(explicit, field.name)
            if isinstance(a, dict):
                assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a), field.name
            else:
                assert np.array_equal(a, b, equal_nan=True), field.name


def _one_drone_two_radars(pd: float):
    """The one-drone fixture with a second radar beside the first, of a type confirming 3-of-4;
    both scan every 10 s with Pd `pd`, and the drone (50 m/s) stays in their 100 km cover for
    some 2,000 s."""
    data = yaml.safe_load(FIXTURE.read_text())
    radar_type = data["catalog"]["sensors"]["test-radar"]
    radar_type["detection_probability"]["value"] = pd
    data["catalog"]["sensors"]["strict-radar"] = {**radar_type, "name": "Strict radar",
                                                 "confirm_detections": {"value": 3, "notional": "test fixture"},
                                                 "confirm_looks": {"value": 4, "notional": "test fixture"}}
    data["sensors"].append({**data["sensors"][0], "id": "strict", "type": "strict-radar"})
    return compile_world(parse_scenario(yaml.safe_dump(data)), np.random.default_rng(0))


def test_three_of_four_from_the_catalog_is_firm_a_scan_later_than_two_of_three():
    # Pd = 1: every look detects, so 2-of-3 is firm at the second look (10 s after the first
    # detection) and 3-of-4 at the third (20 s), each radar from its own first detection.
    world = _one_drone_two_radars(1.0)
    for seed in range(5):
        first_t, firm_t = TrackedSensing().detect_and_confirm(world, _sensor_rngs(world, seed))
        assert np.all(np.isfinite(first_t))
        assert firm_t[0, 0] - first_t[0, 0] == pytest.approx(10.0, abs=1e-9)
        assert firm_t[1, 0] - first_t[1, 0] == pytest.approx(20.0, abs=1e-9)


def _containing_interval_end(world, t):
    """(sensors, threats) end of the coverage interval holding each finite time of `t`."""
    cov = world.coverage
    end = np.full(t.shape, np.nan)
    for k in range(cov.sensor.size):
        s, j = cov.sensor[k], cov.threat[k]
        if cov.start_t_s[k] <= t[s, j] <= cov.end_t_s[k]:
            end[s, j] = cov.end_t_s[k]
    return end


def test_delays_to_the_firm_track_follow_each_types_rule():
    # Pd = 1/2 on every sensor, the fire-control types confirming 3-of-4 and the others 2-of-3.
    # Counting looks after the first detection (look 0), the first tentative track decides:
    # 2-of-3 is firm at look 1 with probability p = 1/2, at look 2 with (1 - p) p = 1/4, and never
    # at look 3 (two misses drop the track at look 2; the next one starts at look 3 at the
    # earliest and is firm at look 4 at the earliest). 3-of-4 is firm at look 2 with p^2 = 1/4,
    # at look 3 with 2 p (1 - p) p = 1/4 (one of looks 1 and 2 detects, and look 3), and never
    # at look 4 (a track dropped at look 2 or 3 is followed by one firm at look 5 or later).
    strict = {"green-pine", "an-tpy-2", "elm-2084"}
    world = _world(pd=0.5, cued=False, confirm={k: (3, 4) for k in strict})
    types = [s.type for s in world.scenario.sensors]
    period = np.array([world.scenario.catalog.sensors[t].scan_period_s.value for t in types])
    delays = {True: [], False: []}
    for seed in range(4):
        first_t, firm_t = TrackedSensing().detect_and_confirm(world, _sensor_rngs(world, seed))
        end = _containing_interval_end(world, first_t)
        # Pairs whose interval lasts beyond look 6, so that every delay counted fits inside it.
        sensor, threat = np.nonzero(np.isfinite(first_t) & (first_t + 6 * period[:, None] <= end))
        looks = np.round((firm_t[sensor, threat] - first_t[sensor, threat]) / period[sensor])
        of_strict = np.array([types[s] in strict for s in sensor])
        for is_strict in (True, False):
            delays[is_strict].append(looks[of_strict == is_strict])
    for is_strict, expected in ((False, {1: 0.5, 2: 0.25, 3: 0.0}), (True, {2: 0.25, 3: 0.25, 4: 0.0})):
        looks = np.concatenate(delays[is_strict])
        assert looks.size > 400
        assert np.all(looks >= min(expected))
        for delay, share in expected.items():
            sd = np.sqrt(max(share * (1 - share), 1e-12) / looks.size)
            assert abs(np.mean(looks == delay) - share) < 5 * sd + 1e-12, (is_strict, delay, np.mean(looks == delay))


def test_the_radar_fidelity_ignores_the_tracking_parameters():
    plain = _world()
    catalog = plain.scenario.catalog
    tuned = {}
    for type_id, kind in catalog.sensors.items():
        number = kind.detection_probability  # any Sourced value, to copy with a new number
        tuned[type_id] = kind.model_copy(update={
            "confirm_detections": number.model_copy(update={"value": 4}),
            "confirm_looks": number.model_copy(update={"value": 7}),
            "false_alarms_per_scan": number.model_copy(update={"value": 30}),
            "elevation_sigma_deg": number.model_copy(update={"value": 2}),
            "range_law": "swerling-1"})
    scenario = plain.scenario.model_copy(update={"catalog": catalog.model_copy(update={"sensors": tuned})})
    world = compile_world(scenario, np.random.default_rng(3))
    for seed in range(3):
        assert np.array_equal(RadarSensing().detect(world, _sensor_rngs(world, seed)),
                              RadarSensing().detect(plain, _sensor_rngs(plain, seed)))
    # Whereas the `tracked` fidelity confirms 4-of-7, on other draws (a window of 7 looks draws 7
    # uniforms per attempt): later on average.
    later = TrackedSensing().detect(world, _sensor_rngs(world, 0))
    default = TrackedSensing().detect(plain, _sensor_rngs(plain, 0))
    both = np.isfinite(later) & np.isfinite(default)
    assert both.sum() > 1_000 and later[both].mean() > default[both].mean()
