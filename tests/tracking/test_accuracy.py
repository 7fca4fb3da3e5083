"""Closed-form track accuracy and handover: against scipy's Riccati solver, Monte Carlo, and the
engine's shots on remote tracks."""

import numpy as np
import pytest
from scipy.linalg import solve_discrete_are
from scipy.stats import norm

from shieldwall import geo
from shieldwall.battle import Reason
from shieldwall.engine import compile_world, simulate
from shieldwall.scenario import load_scenario
from shieldwall.scenario.model import Agreement
from shieldwall.sensors import RadarSensing, TrackedSensing
from shieldwall.tracking import accuracy


@pytest.mark.parametrize("sigma_m, period_s, accel_mps2",
                         [(50.0, 10.0, 1.0), (20.0, 2.0, 5.0), (500.0, 5.0, 0.5), (3000.0, 10.0, 2.0), (1.0, 1.0, 30.0)])
def test_predicted_variance_is_the_riccati_solution(sigma_m, period_s, accel_mps2):
    # The constant-velocity filter with piecewise-constant white acceleration (Bar-Shalom et al.
    # 2001): its steady-state predicted covariance solves the discrete algebraic Riccati equation.
    f = np.array([[1.0, period_s], [0.0, 1.0]])
    g = np.array([[period_s**2 / 2.0], [period_s]])
    predicted = solve_discrete_are(f.T, np.array([[1.0], [0.0]]), g @ g.T * accel_mps2**2, np.array([[sigma_m**2]]))
    assert accuracy.predicted_variance_m2(sigma_m, period_s, accel_mps2) == pytest.approx(predicted[0, 0], rel=1e-8)
    assert accuracy.alpha_gain(sigma_m, period_s, accel_mps2) == pytest.approx(
        predicted[0, 0] / (predicted[0, 0] + sigma_m**2), rel=1e-8)


def test_an_exact_sensor_has_no_error():
    assert accuracy.predicted_variance_m2(0.0, 10.0, 1.0) == 0.0
    assert accuracy.alpha_gain(0.0, 10.0, 1.0) == 1.0


def _random_errors(rng, scale_m: float, n: int = 400_000):
    """An anisotropic 3-D covariance of about `scale_m` and n errors drawn from it."""
    a = rng.normal(size=(3, 3))
    covariance = a @ a.T * scale_m**2
    return covariance, rng.multivariate_normal(np.zeros(3), covariance, size=n)


def test_handover_fraction_is_the_expected_gaussian_acquisition():
    # E[exp(-|e|^2 / (2 R^2))] for e ~ N(0, C), by Monte Carlo on anisotropic covariances.
    rng = np.random.default_rng(0)
    n = 400_000
    for scale_m, basket_m in [(100.0, 150.0), (30.0, 1000.0), (2000.0, 300.0)]:
        covariance, error = _random_errors(rng, scale_m, n)
        kept = np.exp(-np.sum(error**2, axis=1) / (2.0 * basket_m**2))
        closed = accuracy.handover_fraction(np.linalg.inv(covariance)[None], np.array([basket_m]))[0]
        assert abs(kept.mean() - closed) < 5.0 * kept.std() / np.sqrt(n)


def test_more_information_never_lowers_the_handover():
    rng = np.random.default_rng(1)
    for _ in range(200):
        a, b = rng.normal(size=(2, 3, 3))
        first = a @ a.T * 1e-4
        second = first + b @ b.T * 1e-4
        basket = np.array([rng.uniform(10.0, 1000.0)])
        assert accuracy.handover_fraction(second[None], basket) >= accuracy.handover_fraction(first[None], basket) - 1e-12
    assert accuracy.handover_fraction(np.zeros((1, 3, 3)), np.array([100.0]))[0] == 0.0


def test_wrong_association_is_the_nearest_neighbour_choice():
    # Monte Carlo of nearest-neighbour association in the track's Mahalanobis distance: the
    # predicted point x + e goes to the object at offset d when it lies nearer to it than to x.
    rng = np.random.default_rng(2)
    n = 400_000
    for scale_m, separation_m in [(100.0, 150.0), (300.0, 2000.0), (50.0, 30.0)]:
        covariance, error = _random_errors(rng, scale_m, n)
        information = np.linalg.inv(covariance)
        offset = rng.normal(size=3)
        offset *= separation_m / np.linalg.norm(offset)
        to_threat = np.einsum("ki,ij,kj->k", error, information, error)
        to_other = np.einsum("ki,ij,kj->k", offset - error, information, offset - error)
        picked = np.mean(to_other < to_threat)
        closed = accuracy.wrong_association_probability(information[None], offset[None])[0]
        assert abs(picked - closed) < 5.0 * np.sqrt(closed * (1.0 - closed) / n) + 1e-6
    assert accuracy.wrong_association_probability(np.eye(3)[None], np.full((1, 3), np.inf))[0] == 0.0


def test_the_neighbour_is_the_nearest_other_threat_in_flight():
    world = _remote_world()
    handover = world.remote_handover
    threats = world.threats
    for k in range(0, handover.sample.size, 17):
        j, t = handover.threat[k], handover.intercept_t_s[k]
        here = np.array(geo.geodetic_to_ecef(*(np.interp(t, threats.t_s[j, :threats.n_samples[j]], a[j, :threats.n_samples[j]])
                                               for a in (threats.lat_deg, threats.lon_deg, threats.alt_m))))
        nearest = np.inf
        for other in range(threats.count):
            times = threats.t_s[other, :threats.n_samples[other]]
            if other == j or not times[0] <= t <= times[-1]:
                continue
            there = np.array(geo.geodetic_to_ecef(*(np.interp(t, times, a[other, :times.size])
                                                    for a in (threats.lat_deg, threats.lon_deg, threats.alt_m))))
            nearest = min(nearest, np.linalg.norm(there - here))
        # The threat itself is taken at its intercept sample, which is the intercept time.
        assert np.linalg.norm(handover.neighbour_offset_m[k]) == pytest.approx(nearest, rel=1e-6, abs=1.0)


def test_one_sensors_information_lies_on_its_measurement_axes():
    # Straight overhead is not used (bearing is singular there): a target 100 km north at 10 km.
    information = accuracy.track_information(
        np.array([32.0]), np.array([35.0]), np.array([10.0]), np.array([32.9]), np.array([35.0]),
        np.array([10_000.0]), np.array([50.0]), np.radians([0.1]), np.radians([0.2]), np.array([10.0]),
        np.array([1.0]))[0]
    eigenvalues = np.sort(np.linalg.eigvalsh(information))
    range_m = 100_000.0  # about: the per-axis variances scale with the range, checked within 2 %
    expected = np.sort(1.0 / accuracy.predicted_variance_m2(
        np.array([50.0, range_m * np.radians(0.1), range_m * np.radians(0.2)]), 10.0, 1.0))
    assert np.allclose(eigenvalues, expected, rtol=0.02)


def _remote_world(noise=None, pd=None, least_fraction=0.5):
    """april-2024 with the United States granting Israel engage-on-remote on its sensors' tracks
    (David's Sling then has shots beyond its own radar's horizon), every sensor type's noise set
    to `noise` (range m, bearing deg) and Pd to `pd` where given, and the doctrine's least share
    kept by a remote shot to `least_fraction`."""
    scenario = load_scenario("april-2024")
    sensors = {}
    for key, kind in scenario.catalog.sensors.items():
        update = {}
        if noise is not None and kind.range_sigma_m is not None:
            update["range_sigma_m"] = kind.range_sigma_m.model_copy(update={"value": noise[0]})
            update["bearing_sigma_deg"] = kind.bearing_sigma_deg.model_copy(update={"value": noise[1]})
        if pd is not None:
            update["detection_probability"] = kind.detection_probability.model_copy(update={"value": pd})
        sensors[key] = kind.model_copy(update=update)
    remote = Agreement(id="usa-remote-to-isr", kind="engage-on-remote", grantor="USA", parties=["USA", "ISR"])
    scenario = scenario.model_copy(update={
        "agreements": [*scenario.agreements, remote], "catalog": scenario.catalog.model_copy(update={"sensors": sensors}),
        "doctrine": scenario.doctrine.model_copy(update={"remote_fit_fraction": least_fraction})})
    return compile_world(scenario, np.random.default_rng(3))


def test_remote_shots_hand_over_on_the_sensors_that_hold_the_track():
    world = _remote_world()
    handover = world.remote_handover
    sensing = TrackedSensing()
    remote = np.unique(handover.sample)
    assert remote.size > 50
    own = np.setdiff1d(np.arange(world.windows.intercept_t_s.size), remote)
    n_sensors = len(world.scenario.sensors)
    # No track anywhere: every remote shot misses; shots on the unit's own radar keep their Pk.
    nothing = sensing.handover_fraction(world, np.full((n_sensors, world.threats.count), np.inf))
    assert np.all(nothing[remote] == 0.0) and np.all(nothing[own] == 1.0)
    # Every track held from the start: a sample covered by one sensor keeps
    # 1 / sqrt(prod(1 + v_i / R^2)) over its per-axis predicted variances v_i.
    held = sensing.handover_fraction(world, np.full((n_sensors, world.threats.count), -np.inf))
    assert np.all((held[remote] > 0.0) & (held[remote] < 1.0)) and np.all(held[own] == 1.0)
    single = np.unique(handover.sample, return_counts=True)[1] == 1
    k = np.flatnonzero(np.isin(handover.sample, remote[single]))[0]
    eigen = np.linalg.eigvalsh(handover.information[k])
    d = handover.neighbour_offset_m[k]
    right_object = 1.0 - norm.cdf(-np.sqrt(d @ handover.information[k] @ d) / 2.0)
    assert held[handover.sample[k]] == pytest.approx(
        right_object / np.sqrt(np.prod(1.0 + 1.0 / eigen / handover.basket_m[k] ** 2)), rel=1e-9)
    # A track confirmed only after the intercept does not count.
    late = np.full((n_sensors, world.threats.count), -np.inf)
    late[handover.sensor[k], handover.threat[k]] = handover.intercept_t_s[k]
    assert sensing.handover_fraction(world, late)[handover.sample[k]] == 0.0


def test_exact_sensors_make_remote_shots_those_of_the_radar_fidelity():
    # Without measurement noise and with 1-of-1 confirmation a remote shot keeps its kill
    # probability (to 1e-10): the tracked replication is the radar one, shot for shot.
    world = _remote_world(noise=(0.0, 0.0), pd=1.0)
    exact = TrackedSensing(confirm=(1, 1))
    picture = exact.detect(world, [np.random.default_rng(s) for s in range(len(world.scenario.sensors))])
    fraction = exact.handover_fraction(world, picture)
    remote = np.unique(world.remote_handover.sample)
    held = fraction[remote] > 0.0
    assert held.sum() > 50 and np.all(fraction[remote][held] > 1.0 - 1e-9)
    assert np.array_equal(RadarSensing().detect(world, [np.random.default_rng(s) for s in range(len(world.scenario.sensors))]),
                          picture)


def _low_drones_world(basket_m=None, remote_fit_fraction=0.5):
    """tutorial with drones flying at 150 m, Azuria's Iron Dome battery replaced by a David's Sling
    battery (drone reach 100 km, its own radar's horizon some 60 km at that height) firing at its
    first opportunity, and the coalition command granting it engage-on-remote on the airborne
    early warning tracks; `basket_m` overrides David's Sling's acquisition basket, and
    `remote_fit_fraction` the doctrine's least share kept by a remote shot."""
    scenario = load_scenario("tutorial")
    catalog = scenario.catalog
    shahed = catalog.threats["shahed-136"]
    stunner = catalog.interceptors["stunner"]
    if basket_m is not None:
        stunner = stunner.model_copy(update={"acquisition_basket_m": stunner.acquisition_basket_m.model_copy(
            update={"value": basket_m})})
    catalog = catalog.model_copy(update={
        "threats": {**catalog.threats, "shahed-136": shahed.model_copy(update={
            "cruise_altitude_m": shahed.cruise_altitude_m.model_copy(update={"value": 150.0})})},
        "interceptors": {**catalog.interceptors, "stunner": stunner}})
    remote = Agreement(id="blu-remote-to-azr", kind="engage-on-remote", grantor="BLU", parties=["BLU", "AZR"])
    scenario = scenario.model_copy(update={
        "catalog": catalog, "agreements": [*scenario.agreements, remote],
        "fire_units": [u.model_copy(update={"id": "azr-davids-sling", "interceptor": "stunner"})
                       for u in scenario.fire_units if u.interceptor == "tamir"],
        "doctrine": scenario.doctrine.model_copy(update={"firing_point": "first-opportunity",
                                                         "remote_fit_fraction": remote_fit_fraction})})
    return compile_world(scenario, np.random.default_rng(3))


def _remote_shot_results(world, seeds):
    """Results of the `tracked` shots whose intercept point the shooting unit's own radar does not see."""
    windows = world.windows
    per_sample = np.repeat(np.arange(windows.count), windows.end - windows.start)
    results = []
    for seed in seeds:
        shots = simulate(world, np.random.default_rng(seed), "tracked").shots
        for u, j, t, result, fraction in zip(shots["unit"], shots["threat"], shots["intercept_t_s"], shots["result"],
                                             shots["handover_fraction"]):
            p = np.flatnonzero((windows.unit[per_sample] == u) & (windows.threat[per_sample] == j)
                               & (windows.intercept_t_s == t))
            if not windows.own_sight[p].any():
                results.append(result)
                assert fraction < 1.0  # the shots table keeps the fraction the shot was handed over with
            else:
                assert fraction == 1.0
    return np.array(results)


def test_remote_shots_kill_with_the_handover_fraction_of_their_kill_probability():
    # A 1 m basket on airborne tracks with errors of hundreds of metres keeps under 1e-5 of the
    # kill probability: doctrine refuses those shots, and made anyway (least share 0) every one
    # misses. With the catalog's 1 km basket the fraction is about 0.8 and remote shots kill at
    # about 0.8 x 0.85, within binomial bounds.
    seeds = range(8)
    assert _remote_shot_results(_low_drones_world(basket_m=1.0), seeds).size == 0
    tiny = _remote_shot_results(_low_drones_world(basket_m=1.0, remote_fit_fraction=0.0), seeds)
    assert tiny.size >= 20 and np.all(tiny == 0)  # engine.simulate.SHOT_RESULTS: 0 miss, 1 kill
    world = _low_drones_world()
    fraction = TrackedSensing().handover_fraction(world, np.full((2, world.threats.count), -np.inf))
    remote = np.unique(world.remote_handover.sample)
    assert np.all((fraction[remote] > 0.7) & (fraction[remote] < 0.9))
    results = _remote_shot_results(world, seeds)
    kills = np.sum(results == 1)
    expected = 0.85 * fraction[remote].mean()
    assert results.size >= 20
    assert abs(kills / results.size - expected) < 4.0 * np.sqrt(expected * (1.0 - expected) / results.size)


def test_doctrine_refuses_remote_shots_whose_track_would_not_fit_the_basket():
    # Against the same realisation compiled with the rule off (least share 0): exactly the shots
    # allowed there whose handover, with every track under the agreement held, keeps less than
    # the least share are refused for a coarse track, and every other verdict is unchanged.
    for least in (0.5, 0.8):
        world = _remote_world(least_fraction=least)
        free = _remote_world(least_fraction=0.0)
        every_track = TrackedSensing().handover_fraction(free, np.full((len(free.scenario.sensors), free.threats.count),
                                                                       -np.inf))
        coarse = (free.windows.reason == Reason.ALLOWED) & (every_track < least)
        assert coarse.sum() > 10 and np.any((free.windows.reason == Reason.ALLOWED) & ~coarse & ~free.windows.own_sight)
        assert np.all(world.windows.reason[coarse] == Reason.TRACK_TOO_COARSE)
        assert np.array_equal(world.windows.reason[~coarse], free.windows.reason[~coarse])
