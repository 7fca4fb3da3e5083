"""The `tracked` fidelity against the `radar` fidelity's detection times."""

import numpy as np
import pytest

from shieldwall.engine import compile_world, simulate
from shieldwall.montecarlo.seeds import streams
from shieldwall.scenario import load_scenario
from shieldwall.scenario.model import THREAT_CLASSES
from shieldwall.sensors import RadarSensing, TrackedSensing, arrival_times, launch_warning, release_tracks
from shieldwall.sensors import tracked as tracked_module


def _world(name="april-2024", pd=None, seed=3, cued=True, warning_pd=None, confirm=None):
    """The bundled scenario with every sensor's Pd set to `pd`, without cueing unless `cued`, with
    the launch warning sensors' Pd set to `warning_pd`, and with every sensor type's M-of-N set to
    `confirm` = {type id: (M, N)}."""
    scenario = load_scenario(name)
    sensors = {}
    for k, v in scenario.catalog.sensors.items():
        update = {} if cued else {"cued_confirm_detections": None}
        if confirm and k in confirm:
            update["confirm_detections"] = v.confirm_detections.model_copy(update={"value": confirm[k][0]})
            update["confirm_looks"] = v.confirm_looks.model_copy(update={"value": confirm[k][1]})
        value = warning_pd if v.kind == "space-launch-warning" and warning_pd is not None else pd
        if value is not None:
            update["detection_probability"] = v.detection_probability.model_copy(update={"value": value})
        sensors[k] = v.model_copy(update=update)
    catalog = scenario.catalog.model_copy(update={"sensors": sensors})
    scenario = scenario.model_copy(update={"catalog": catalog})
    return compile_world(scenario, np.random.default_rng(seed))


def _sensor_rngs(world, seed):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return streams(rng, [f"sensor:{s.id}" for s in world.scenario.sensors])


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
    world = _world(pd=1.0, cued=False)
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


def test_tracked_runs_in_the_engine_and_matches_radar_with_one_of_one():
    # The catalog's rule reaches the engine: 1-of-1 on every sensor type is the radar fidelity.
    world = _world("april-2024")
    radar = simulate(world, np.random.default_rng(11), "radar")
    one_of_one = _world("april-2024", confirm={k: (1, 1) for k in world.scenario.catalog.sensors})
    same = simulate(one_of_one, np.random.default_rng(11), "tracked")
    assert np.array_equal(radar.track_t_s, same.track_t_s)
    assert np.array_equal(radar.fate, same.fate)
    assert np.array_equal(radar.warned_t_s, same.warned_t_s)
    later = simulate(world, np.random.default_rng(11), "tracked")
    seen = np.isfinite(radar.track_t_s)
    assert np.all(later.track_t_s[seen] >= radar.track_t_s[seen])
    assert np.any(later.track_t_s[seen] > radar.track_t_s[seen])


def _cued_pairs(world, warned_t, radar):
    """(sensor, threat) pairs whose radar detection lies in a coverage interval that began at or
    after the threat's launch warning, on a sensor type that can be cued."""
    cov = world.coverage
    kinds = [world.scenario.catalog.sensors[s.type] for s in world.scenario.sensors]
    can = np.array([k.cued_confirm_detections is not None for k in kinds])
    cued = np.zeros(radar.shape, dtype=bool)
    for k in range(cov.sensor.size):
        s, j = cov.sensor[k], cov.threat[k]
        t = radar[s, j]
        if can[s] and warned_t[j] <= cov.start_t_s[k] <= t <= cov.end_t_s[k]:
            cued[s, j] = True
    return cued


def test_kth_detection_look_is_negative_binomial():
    # Looks up to the k-th detection with Pd per look: k / Pd on average (negative binomial), so
    # the k-th detection's look index (0 = first look) averages k / Pd - 1.
    rng = np.random.default_rng(5)
    for pd, k in [(0.9, 1), (0.5, 2), (0.3, 3)]:
        n = 200_000
        look = tracked_module.kth_detection_look(rng.random((n, 8)), np.full(n, pd), np.full(n, k))
        sd = np.sqrt(k * (1 - pd)) / pd / np.sqrt(n)
        assert abs(look.mean() - (k / pd - 1)) < 5 * sd
    assert np.array_equal(tracked_module.kth_detection_look(rng.random((3, 8)), np.ones(3), np.array([1, 2, 4])),
                          [0, 1, 3])


def test_launch_warning_cue_makes_the_first_detection_firm():
    # Pd = 1 everywhere: uncued, a 2-of-3 track is firm one scan period after the first detection;
    # a fire-control radar cued by a warning that came before the threat entered its cover holds
    # a firm track at the first detection itself.
    cued_world = _world(pd=1.0)
    plain_world = _world(pd=1.0, cued=False)
    rngs = _sensor_rngs(cued_world, 7)
    radar = RadarSensing().detect(cued_world, rngs)
    warned_t = launch_warning(cued_world, rngs)
    cued = _cued_pairs(cued_world, warned_t, radar)
    warning_only = TrackedSensing(confirm=(2, 3), cue_on_tracks=False)
    with_cue = warning_only.detect(cued_world, _sensor_rngs(cued_world, 7))
    without = warning_only.detect(plain_world, _sensor_rngs(plain_world, 7))
    assert cued.sum() >= 20
    assert np.array_equal(with_cue[cued], radar[cued])
    period = np.array([cued_world.scenario.catalog.sensors[s.type].scan_period_s.value
                       for s in cued_world.scenario.sensors])
    sensor, threat = np.nonzero(cued)
    assert np.allclose(without[cued], radar[cued] + period[sensor], rtol=0, atol=1e-9)
    # Pairs not cued keep the uncued firm track (a cue found in a later interval can only help).
    assert np.all(with_cue <= without)
    other = ~cued & np.isfinite(without)
    assert np.mean(with_cue[other] == without[other]) > 0.99
    # Only ballistic threats are warned.
    ballistic = cued_world.threats.threat_class == THREAT_CLASSES.index("ballistic")
    assert np.all(ballistic[threat])


def test_no_cue_without_warning_or_tracks():
    # Without launch warnings (the warning satellites never see a launch) and without cueing on
    # tracks, the cue-capable catalog gives exactly the firm tracks of a catalog without cueing.
    quiet = _world(warning_pd=0.0)
    plain = _world(cued=False, warning_pd=0.0)
    for seed in range(3):
        assert np.all(np.isinf(launch_warning(quiet, _sensor_rngs(quiet, seed))))
        a = TrackedSensing(cue_on_tracks=False).detect(quiet, _sensor_rngs(quiet, seed))
        b = TrackedSensing().detect(plain, _sensor_rngs(plain, seed))
        assert np.array_equal(a, b)


def test_a_track_in_the_partners_picture_cues_its_radar():
    # Pd = 1, no launch warning, 2-of-3: a cue-capable radar whose coverage interval begins when its
    # partner's picture (the firm tracks of every sensor released to the partner, confirmed without
    # a cue, plus the latency) already holds the threat is firm at its first detection; every
    # other interval keeps its uncued firm track, one scan period after the first detection.
    world = _world(pd=1.0, warning_pd=0.0)
    scenario = world.scenario
    cov = world.coverage
    uncued = TrackedSensing(confirm=(2, 3), cue_on_tracks=False).detect(world, _sensor_rngs(world, 5))
    cued = TrackedSensing(confirm=(2, 3)).detect(world, _sensor_rngs(world, 5))
    radar = RadarSensing().detect(world, _sensor_rngs(world, 5))
    picture = release_tracks(arrival_times(uncued, *world.release_spans_s), scenario.doctrine.track_latency_s)
    partners = [p.id for p in scenario.partners]
    kinds = [scenario.catalog.sensors[s.type] for s in scenario.sensors]
    expected = uncued.copy()
    for k in range(cov.sensor.size):
        s, j = cov.sensor[k], cov.threat[k]
        inside = cov.start_t_s[k] <= radar[s, j] <= cov.end_t_s[k]
        if kinds[s].cued_confirm_detections and inside and picture[partners.index(scenario.sensors[s].owner), j] \
                <= cov.start_t_s[k]:
            expected[s, j] = radar[s, j]
    changed = expected != uncued
    assert changed.sum() > 50
    assert np.array_equal(cued, expected)
    period = np.array([k.scan_period_s.value for k in kinds])
    sensor, _ = np.nonzero(changed)
    assert np.allclose(uncued[changed] - cued[changed], period[sensor], rtol=0, atol=1e-9)


def test_tracks_cue_only_the_radars_of_partners_they_are_released_to():
    # The Gulf partner's radar releases its tracks to the United States alone: removing it can move
    # the US radar's firm tracks (cued earlier by it) and never an Israeli radar's. Its bundled
    # site sees none of the raid, so it is moved here over the missiles' corridor across Iraq; the
    # airborne and other surveillance radars, which see most threats first, are left out so that
    # its tracks are not the second to reach the US picture.
    world = _world(pd=1.0, warning_pd=0.0)
    fire_control = [s for s in world.scenario.sensors if world.scenario.catalog.sensors[s.type].cued_confirm_detections]
    gulf = [s.model_copy(update={"position": (32.5, 42.5)}) for s in world.scenario.sensors if s.id == "gpa-radar"]
    scenario = world.scenario.model_copy(update={"sensors": [*fire_control, *gulf]})
    full = compile_world(scenario, np.random.default_rng(3))
    kept = fire_control
    without = compile_world(scenario.model_copy(update={"sensors": kept}), np.random.default_rng(3))
    rng = np.random.default_rng(np.random.SeedSequence(2))
    a = TrackedSensing(confirm=(2, 3)).detect(full, streams(rng, [f"sensor:{s.id}" for s in scenario.sensors]))
    b = TrackedSensing(confirm=(2, 3)).detect(without, streams(rng, [f"sensor:{s.id}" for s in kept]))
    a = a[[i for i, s in enumerate(scenario.sensors) if s.id != "gpa-radar"]]
    owner = np.array([s.owner for s in kept])
    assert np.array_equal(a[owner == "ISR"], b[owner == "ISR"])
    assert np.all(a <= b)
    assert np.any(a[owner == "USA"] < b[owner == "USA"])


def test_cueing_in_the_engine_uses_the_reported_warning():
    # The warning the sensing reads ahead is the one the replication reports; cueing brings the
    # coordinator's picture of warned ballistic threats earlier and leaves the rest alone.
    cued_world, plain_world = _world(), _world(cued=False)
    with_cue = simulate(cued_world, np.random.default_rng(11), "tracked")
    without = simulate(plain_world, np.random.default_rng(11), "tracked")
    radar = simulate(cued_world, np.random.default_rng(11), "radar")
    assert np.array_equal(with_cue.warned_t_s, radar.warned_t_s)
    assert np.array_equal(with_cue.warned_t_s, without.warned_t_s)
    warned = np.isfinite(with_cue.warned_t_s)
    assert warned.sum() > 10
    assert np.all(with_cue.track_t_s <= without.track_t_s)
    assert np.any(with_cue.track_t_s[warned] < without.track_t_s[warned])
    assert np.array_equal(with_cue.track_t_s[~warned], without.track_t_s[~warned])


def test_a_launch_warning_cues_only_the_radars_of_partners_it_is_released_to():
    # The warning satellites' reports released to the United States alone (cueing by tracks off, so
    # that the warning is the only cue): Israel's radars are then not cued at all, as with no
    # warning, and the US radar still is.
    world = _world(pd=1.0)
    scenario = world.scenario
    warning = [s.id for s in scenario.sensors if s.platform == "space"]
    sensors = [s.model_copy(update={"release_to": ["USA"]}) if s.id in warning else s for s in scenario.sensors]
    kept = compile_world(scenario.model_copy(update={"sensors": sensors}), np.random.default_rng(3))
    silent = _world(pd=1.0, warning_pd=0.0)
    sensing = TrackedSensing(confirm=(2, 3), cue_on_tracks=False)
    released, everyone, none = (sensing.detect(w, _sensor_rngs(w, 7)) for w in (kept, world, silent))
    owner = np.array([s.owner for s in scenario.sensors])
    assert np.array_equal(released[owner == "ISR"], none[owner == "ISR"])
    assert np.any(everyone[owner == "ISR"] < none[owner == "ISR"])
    assert np.array_equal(released[owner == "USA"], everyone[owner == "USA"])


def _reported_world(point_m, azimuth_deg, half_width_deg):
    """april-2024 with Pd 1 everywhere, every ballistic launch reported (warning Pd 1), reports
    whose launch point is off by `point_m` per axis and azimuth by `azimuth_deg`, and cued radars
    searching `half_width_deg` either side of a report's predicted track."""
    world = _world(pd=1.0, warning_pd=1.0)
    sensors = {}
    for key, kind in world.scenario.catalog.sensors.items():
        update = {}
        if kind.kind == "space-launch-warning":
            update["launch_point_sigma_m"] = kind.detection_probability.model_copy(update={"value": point_m})
            update["launch_azimuth_sigma_deg"] = kind.detection_probability.model_copy(update={"value": azimuth_deg})
        elif kind.cued_confirm_detections:
            update["cued_sector_half_width_deg"] = kind.detection_probability.model_copy(update={"value": half_width_deg})
        sensors[key] = kind.model_copy(update=update)
    scenario = world.scenario.model_copy(update={"catalog": world.scenario.catalog.model_copy(update={"sensors": sensors})})
    return compile_world(scenario, np.random.default_rng(3))


def _report_fits(world, seed):
    """Per coverage interval, brute force: does the report of its threat (one warning sensor here)
    pass within the radar's cued sector where the threat enters its cover? The report's errors are
    the warning sensor's two normals after the sensing fidelity's uniforms and its detection
    uniforms (`simulate` draws the warning after sensing); the distances are WGS84 geodesics from
    pyproj."""
    from pyproj import Geod

    scenario, cov, threats = world.scenario, world.coverage, world.threats
    (w,) = world.launch_warning_sensors
    kind = scenario.catalog.sensors[scenario.sensors[w].type]
    rng = _sensor_rngs(world, seed)[w]
    rng.random((2, threats.count, 4, 2))
    z = rng.standard_normal((threats.count, 2))
    geod = Geod(ellps="WGS84")
    fits = np.ones(cov.sensor.size, dtype=bool)
    for k in range(cov.sensor.size):
        radar = scenario.catalog.sensors[scenario.sensors[cov.sensor[k]].type]
        if not radar.cued_sector_half_width_deg:
            continue
        j = cov.threat[k]
        times = threats.t_s[j, :threats.n_samples[j]]
        lat, lon = (np.interp(cov.start_t_s[k], times, a[j, :times.size]) for a in (threats.lat_deg, threats.lon_deg))
        d = geod.inv(threats.launch_lon_deg[j], threats.launch_lat_deg[j], lon, lat)[2]
        site = scenario.sensors[cov.sensor[k]].position
        r = geod.inv(site[1], site[0], lon, lat)[2]
        error = kind.launch_point_sigma_m.value * z[j, 0] + d * np.tan(np.radians(kind.launch_azimuth_sigma_deg.value) * z[j, 1])
        fits[k] = abs(error) <= r * np.tan(np.radians(radar.cued_sector_half_width_deg.value))
    return fits


def test_a_launch_report_cues_only_where_its_predicted_track_falls_in_the_cued_sector():
    # Pd 1, 2-of-3, cues by warning only: an interval of a cue-capable radar is firm at its first
    # detection where the report came before it and its predicted track passes within the sector
    # (brute force above), and one scan period later otherwise, as without any warning.
    world = _reported_world(5_000.0, 3.0, 2.0)
    no_warning = _world(pd=1.0, warning_pd=0.0)
    cov = world.coverage
    seed = 7
    sensing = TrackedSensing(confirm=(2, 3), cue_on_tracks=False)
    firm = sensing.detect(world, _sensor_rngs(world, seed))
    uncued = sensing.detect(no_warning, _sensor_rngs(no_warning, seed))
    radar = RadarSensing().detect(world, _sensor_rngs(world, seed))
    warned_t = launch_warning(world, _sensor_rngs(world, seed))
    fits = _report_fits(world, seed)
    kinds = [world.scenario.catalog.sensors[s.type] for s in world.scenario.sensors]
    expected = uncued.copy()
    missed = 0
    for k in range(cov.sensor.size):
        s, j = cov.sensor[k], cov.threat[k]
        if kinds[s].cued_confirm_detections and warned_t[j] <= cov.start_t_s[k] <= radar[s, j] <= cov.end_t_s[k]:
            if fits[k]:
                expected[s, j] = radar[s, j]
            else:
                missed += 1
    assert missed >= 5 and np.count_nonzero(expected != uncued) >= 20
    assert np.array_equal(firm, expected)


def test_exact_reports_cue_as_before_and_the_cue_rate_follows_the_azimuth_error():
    # Exact reports always fall in the sector: the firm tracks are the catalog's without sectors.
    exact = _reported_world(0.0, 0.0, 0.5)
    plain = _world(pd=1.0, warning_pd=1.0)
    for seed in range(2):
        assert np.array_equal(TrackedSensing().detect(exact, _sensor_rngs(exact, seed)),
                              TrackedSensing().detect(plain, _sensor_rngs(plain, seed)))
    # With the launch point exact, a report fits where |tan(sigma z)| d <= r tan(h): with
    # probability 2 Phi(atan(r tan(h) / d) / sigma) - 1 per interval (z standard normal). Over
    # seeds, the share of the cue-capable ballistic intervals that fit, against that probability.
    from scipy.stats import norm

    world = _reported_world(0.0, 4.0, 1.5)
    scenario, cov, threats = world.scenario, world.coverage, world.threats
    capable = np.array([bool(scenario.catalog.sensors[s.type].cued_sector_half_width_deg)
                        for s in scenario.sensors])[cov.sensor]
    capable &= threats.threat_class[cov.threat] == THREAT_CLASSES.index("ballistic")
    from_launch_m, from_radar_m = tracked_module._cue_geometry(world)
    p = 2.0 * norm.cdf(np.arctan(from_radar_m * np.tan(np.radians(1.5)) / from_launch_m) / np.radians(4.0)) - 1.0
    seeds = 6
    fits = sum(np.count_nonzero(_report_fits(world, seed)[capable]) for seed in range(seeds))
    expected = seeds * p[capable].sum()
    # Intervals of one threat share its report's draw: bound the spread of their count as if they
    # were perfectly correlated (the sum of their standard deviations), independent across threats.
    spread = np.bincount(cov.threat[capable], weights=np.sqrt(p * (1 - p))[capable])
    assert 0.05 < p[capable].mean() < 0.95
    assert abs(fits - expected) < 5.0 * np.sqrt(seeds * np.sum(spread**2))
