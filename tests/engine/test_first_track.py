"""Which partner's sensor put each threat into the picture first."""

import numpy as np

from shieldwall.engine import compile_world, simulate
from shieldwall.montecarlo.seeds import streams
from shieldwall.results.summary import summarise
from shieldwall.results.tables import concatenate, outcome_columns, to_arrow
from shieldwall.scenario import load_scenario
from shieldwall.sensors import RadarSensing, arrival_times, first_source


def test_first_source_by_hand():
    # Sensor 0 detects at 10 s but its span to partner 0 opens at 30 s; sensor 1 detects at 20 s
    # with a span always open; sensor 2 at 5 s under a span that closed at 4 s. Threat 1: only
    # sensor 2 sees it (too late for its span): none. Threat 2: sensors 0 and 1 tie at 30 s.
    inf = np.inf
    detect = np.array([[10.0, inf, 30.0], [20.0, inf, 30.0], [5.0, 5.0, inf]])
    release_from = np.array([[[30.0]], [[-inf]], [[-inf]]])
    release_until = np.array([[[inf]], [[inf]], [[4.0]]])
    assert first_source(arrival_times(detect, release_from, release_until), 0).tolist() == [1, -1, 0]


def test_arrival_times_equal_a_brute_force_over_spans():
    # Random detections and release spans (some empty, some never open, several per pair),
    # against the definition taken element by element: the earliest over spans of the detection
    # or the span's start if later, while the span has not ended.
    rng = np.random.default_rng(11)
    sensors, partners, spans, threats = 4, 3, 3, 7
    detect = np.where(rng.random((sensors, threats)) < 0.2, np.inf, rng.uniform(0, 100, (sensors, threats)))
    start = rng.uniform(-50, 100, (sensors, partners, spans))
    end = start + rng.uniform(-20, 80, start.shape)
    start[0, 0, :] = np.inf  # padding: no span
    start[1, 1, 0], end[1, 1, 0] = -np.inf, np.inf  # always
    expected = np.full((sensors, partners, threats), np.inf)
    for s in range(sensors):
        for p in range(partners):
            for j in range(threats):
                for k in range(spans):
                    at = max(detect[s, j], start[s, p, k])
                    if at <= end[s, p, k]:
                        expected[s, p, j] = min(expected[s, p, j], at)
    assert np.array_equal(arrival_times(detect, start, end), expected)
    assert np.array_equal(arrival_times(detect, start[:, :, :0], end[:, :, :0]), np.full(expected.shape, np.inf))


def test_the_first_track_is_the_earliest_arrival_in_the_coordinators_picture():
    # Brute force over sensors and spans on one april-2024 replication, coordinated: the partner
    # owning the sensor whose release to the coordinator comes first (its detection, or the span's
    # start if later, while the span lasts).
    scenario = load_scenario("april-2024")
    world = compile_world(scenario, np.random.default_rng(3))
    rng = np.random.default_rng(4)
    outcome = simulate(world, rng, "radar", coordination="coordinated")
    detect = RadarSensing().detect(world, streams(np.random.default_rng(4), [f"sensor:{s.id}" for s in scenario.sensors]))
    coordinator = next(i for i, p in enumerate(scenario.partners) if p.coordinator)
    release_from, release_until = world.release_spans_s
    partners = [p.id for p in scenario.partners]
    for j in range(world.threats.count):
        best, who = np.inf, -1
        for s, sensor in enumerate(scenario.sensors):
            for k in range(release_from.shape[2]):
                arrival = max(detect[s, j], release_from[s, coordinator, k])
                if arrival <= release_until[s, coordinator, k] and arrival < best:
                    best, who = arrival, partners.index(sensor.owner)
        assert outcome.first_track_partner[j] == who
    assert len(set(outcome.first_track_partner.tolist()) - {-1}) >= 2


def test_the_summary_counts_first_tracks_per_partner_under_its_label():
    scenario = load_scenario("april-2024")
    world = compile_world(scenario, np.random.default_rng(3))
    chunks = [outcome_columns(world, [simulate(world, np.random.default_rng(seed))], [seed], 0) for seed in range(3)]
    summary = summarise(to_arrow(concatenate(chunks), scenario))
    labels = {p.label for p in scenario.partners}
    first = summary["first_tracks_by_partner"]
    assert set(first) <= labels and "GPA" not in first
    counted = sum(value["mean"] for value in first.values())
    tracked = np.mean([np.count_nonzero(c["threats"]["first_track_partner"] >= 0) for c in chunks])
    assert counted == tracked
