"""The picture's predicted track error at each engagement: per shot, per threat and in the summary."""

import numpy as np
import pytest

from shieldwall.engine import compile_world, simulate
from shieldwall.montecarlo.seeds import streams
from shieldwall.results.summary import summarise
from shieldwall.results.tables import concatenate, outcome_columns, to_arrow
from shieldwall.scenario import load_scenario
from shieldwall.sensors import TrackedSensing
from shieldwall.tracking import accuracy


def test_position_error_is_the_root_of_the_covariance_trace():
    # Per-axis standard deviations 30, 40 and 120 m on rotated axes: sqrt(30^2 + 40^2 + 120^2) = 130 m.
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    covariance = rotation @ np.diag([30.0**2, 40.0**2, 120.0**2]) @ rotation.T
    information = np.stack([np.linalg.inv(covariance), np.zeros((3, 3))])
    assert accuracy.position_error_m(information) == pytest.approx([130.0, np.inf], rel=1e-12)


@pytest.fixture(scope="module")
def april():
    scenario = load_scenario("april-2024")
    return scenario, compile_world(scenario, np.random.default_rng(3))


def test_each_shots_error_fuses_the_tracks_its_picture_holds_at_the_intercept(april):
    # Brute force per shot: every sensor (not space-based) whose track reached the coordinator's
    # picture by the intercept (firm track, the earliest release span in force, latency) and one of
    # whose coverage intervals holds the threat at the intercept time adds its information.
    scenario, world = april
    outcome = simulate(world, np.random.default_rng(4), "tracked")
    _, picture = TrackedSensing().detect_and_confirm(
        world, streams(np.random.default_rng(4), [f"sensor:{s.id}" for s in scenario.sensors]))
    coordinator = next(i for i, p in enumerate(scenario.partners) if p.coordinator)
    release_from, release_until = world.release_spans_s
    coverage, threats = world.coverage, world.threats
    shots = outcome.shots
    assert shots["threat"].size > 100
    for k in range(0, shots["threat"].size, 7):
        j, t = shots["threat"][k], shots["intercept_t_s"][k]
        sample = np.flatnonzero(threats.t_s[j, :threats.n_samples[j]] == t)[0]
        information = np.zeros((3, 3))
        for s, sensor in enumerate(scenario.sensors):
            if sensor.platform == "space":
                continue
            arrival = min((max(picture[s, j], release_from[s, coordinator, r]) for r in range(release_from.shape[2])
                           if max(picture[s, j], release_from[s, coordinator, r]) <= release_until[s, coordinator, r]),
                          default=np.inf)
            mine = (coverage.sensor == s) & (coverage.threat == j)
            covers = np.any((coverage.start_t_s[mine] <= t) & (t <= coverage.end_t_s[mine]))
            if arrival + scenario.doctrine.track_latency_s <= t and covers:
                information += world.track_information(np.array([s]), np.array([j]), np.array([sample]))[0]
        expected = np.sqrt(np.trace(np.linalg.inv(information))) if information.any() else np.inf
        assert shots["track_error_m"][k] == pytest.approx(expected, rel=1e-9)


def test_the_threats_error_is_its_first_engagements_and_a_lost_sensor_never_lowers_it(april):
    scenario, world = april
    outcome = simulate(world, np.random.default_rng(5), "tracked")
    shots = outcome.shots
    for j in np.unique(shots["threat"]):
        mine = np.flatnonzero(shots["threat"] == j)
        first = mine[shots["launch_t_s"][mine] == shots["launch_t_s"][mine].min()][0]
        assert outcome.track_error_m[j] == shots["track_error_m"][first]
    assert np.all(np.isnan(outcome.track_error_m[outcome.shots_at == 0]))
    # Taking one sensor's tracks out of the picture leaves each shot's error as it was or larger.
    sensing = TrackedSensing()
    _, picture = sensing.detect_and_confirm(
        world, streams(np.random.default_rng(5), [f"sensor:{s.id}" for s in scenario.sensors]))
    coordinator = next(i for i, p in enumerate(scenario.partners) if p.coordinator)
    windows = world.windows
    per_sample = np.repeat(np.arange(windows.count), windows.end - windows.start)
    position = np.array([np.flatnonzero((windows.unit[per_sample] == u) & (windows.threat[per_sample] == j)
                                        & (windows.intercept_t_s == t))[0]
                         for u, j, t in zip(shots["unit"], shots["threat"], shots["intercept_t_s"])])
    partner = np.full(position.size, coordinator)
    every = sensing.track_error_m(world, picture, partner, shots["threat"], position)
    raised = 0
    for s in range(len(scenario.sensors)):
        without = picture.copy()
        without[s] = np.inf
        fewer = sensing.track_error_m(world, without, partner, shots["threat"], position)
        assert np.all(fewer >= every * (1.0 - 1e-12))
        raised += np.count_nonzero(fewer > every)
    assert raised > 0


def test_the_summary_gives_the_error_by_class_only_where_tracks_have_errors(april):
    scenario, world = april
    for fidelity in ("radar", "tracked"):
        chunks = [outcome_columns(world, [simulate(world, np.random.default_rng(seed), fidelity)], [seed], 0)
                  for seed in range(3)]
        summary = summarise(to_arrow(concatenate(chunks), scenario))
        errors = summary["track_error_at_engagement_m"]
        if fidelity == "radar":
            assert errors == {} and np.all(np.isnan(chunks[0]["shots"]["track_error_m"]))
            continue
        assert set(errors) == {"drone", "cruise", "ballistic"}
        for klass, c in (("drone", 0), ("cruise", 1), ("ballistic", 2)):
            per_run = []
            for chunk in chunks:
                mine = (chunk["threats"]["threat_class"] == c) & np.isfinite(chunk["threats"]["track_error_m"])
                per_run.append(chunk["threats"]["track_error_m"][mine].mean())
            assert errors[klass]["mean"] == pytest.approx(np.mean(per_run), rel=1e-12)
