"""The `tracked` fidelity against the `radar` fidelity's detection times."""

import numpy as np
import pytest

from shieldwall.engine import compile_world, simulate
from shieldwall.engine.simulate import stream
from shieldwall.scenario import load_scenario
from shieldwall.sensors import RadarSensing, TrackedSensing
from shieldwall.sensors import tracked as tracked_module


def _world(name="april-2024", pd=None, seed=3):
    scenario = load_scenario(name)
    if pd is not None:
        sensors = {k: v.model_copy(update={"detection_probability": v.detection_probability.model_copy(
            update={"value": pd})}) for k, v in scenario.catalog.sensors.items()}
        catalog = scenario.catalog.model_copy(update={"sensors": sensors})
        scenario = scenario.model_copy(update={"catalog": catalog})
    return compile_world(scenario, np.random.default_rng(seed))


def _sensor_rngs(world, seed):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return [stream(rng, f"sensor:{s.id}") for s in world.scenario.sensors]


@pytest.mark.parametrize("pd", [None, 1.0])
def test_one_of_one_reproduces_radar_detection_times(pd):
    # M = N = 1: the first detection is the firm track, drawn from the radar fidelity's numbers.
    world = _world(pd=pd)
    for seed in range(5):
        radar = RadarSensing().detect(world, _sensor_rngs(world, seed))
        tracked = TrackedSensing(confirm=(1, 1)).detect(world, _sensor_rngs(world, seed))
        assert np.isfinite(radar).sum() > 100
        assert np.array_equal(radar, tracked)


@pytest.mark.parametrize("confirm", [(2, 3), (3, 5), (2, 2)])
def test_certain_detection_is_firm_m_minus_one_scans_later(confirm):
    # Pd = 1, no noise and no false alarms: every look detects, so the M-th detection comes M - 1
    # scan periods after the radar fidelity's first, if the coverage interval lasts that long.
    world = _world(pd=1.0)
    m_needed = confirm[0]
    cov = world.coverage
    period = np.array([world.scenario.catalog.sensors[s.type].scan_period_s.value for s in world.scenario.sensors])
    radar = RadarSensing().detect(world, _sensor_rngs(world, 7))
    tracked = TrackedSensing(confirm=confirm).detect(world, _sensor_rngs(world, 7))
    sensor, threat = np.nonzero(np.isfinite(radar))
    t = radar[sensor, threat]
    expected = t + (m_needed - 1) * period[sensor]
    # The coverage interval holding each radar detection, to see whether it lasts M - 1 more scans.
    end = np.full(t.shape, np.nan)
    for k in range(cov.sensor.size):
        here = (sensor == cov.sensor[k]) & (threat == cov.threat[k]) & (cov.start_t_s[k] <= t) & (t <= cov.end_t_s[k])
        end[here] = cov.end_t_s[k]
    long_enough = expected <= end
    assert long_enough.sum() > 100
    assert np.allclose(tracked[sensor[long_enough], threat[long_enough]], expected[long_enough], rtol=0, atol=1e-9)
    # Where the interval ends first, the firm track comes from a later interval or never.
    assert np.all(tracked[sensor[~long_enough], threat[~long_enough]] > expected[~long_enough])
    assert np.all(np.isinf(tracked[~np.isfinite(radar)]))


def test_tracked_runs_in_the_engine_and_matches_radar_with_one_of_one(monkeypatch):
    world = _world("april-2024")
    radar = simulate(world, np.random.default_rng(11), "radar")
    monkeypatch.setattr(tracked_module, "DEFAULT_CONFIRM", (1, 1))
    same = simulate(world, np.random.default_rng(11), "tracked")
    assert np.array_equal(radar.track_t_s, same.track_t_s)
    assert np.array_equal(radar.fate, same.fate)
    assert np.array_equal(radar.warned_t_s, same.warned_t_s)
    monkeypatch.setattr(tracked_module, "DEFAULT_CONFIRM", (2, 3))
    later = simulate(world, np.random.default_rng(11), "tracked")
    seen = np.isfinite(radar.track_t_s)
    assert np.all(later.track_t_s[seen] >= radar.track_t_s[seen])
    assert np.any(later.track_t_s[seen] > radar.track_t_s[seen])
