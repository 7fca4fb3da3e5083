"""Radar measurement generation: geometry, detection, noise, false alarms, catalog, validation."""

import numpy as np
import pytest
from scipy.stats import binom, chi2, poisson

from shieldwall.scenario import load_scenario
from shieldwall.tracking import FALSE_ALARM, Radar, radar_from_catalog


def _radar(**overrides):
    settings = dict(scan_period_s=2.0, detection_probability=(1.0, 1.0, 1.0), max_range_m=(100_000.0,) * 3)
    return Radar(**{**settings, **overrides})


def test_noiseless_geometry_by_hand():
    # (east, north, up) = (1000, 1000, 0): range 1414.21 m, bearing 45 deg, elevation 0.
    # (0, -1000, 1000): range 1414.21 m, bearing 180 deg, elevation 45 deg.
    points = np.array([[[1000.0, 1000.0, 0.0]], [[0.0, -1000.0, 1000.0]]])
    m = _radar().measure([0.0], points, np.array([0, 2]), np.random.default_rng(0))
    assert m.truth.tolist() == [0, 1]
    assert np.allclose(m.range_m, [1414.2135623731, 1414.2135623731])
    assert np.allclose(np.degrees(m.bearing_rad), [45.0, 180.0])
    assert np.allclose(np.degrees(m.elevation_rad), [0.0, 45.0])


def test_detections_follow_the_probability_of_detection():
    n_scans, pd = 4000, 0.8
    m = _radar(detection_probability=(pd,) * 3).measure(
        np.arange(n_scans) * 2.0, np.tile([[50_000.0, 0.0, 1_000.0]], (1, n_scans, 1)), np.array([1]),
        np.random.default_rng(1))
    low, high = binom.ppf([0.0005, 0.9995], n_scans, pd)
    assert low <= m.range_m.size <= high


def test_out_of_range_and_absent_objects_are_not_detected():
    points = np.array([[[0.0, 120_000.0, 0.0]], [[np.nan, np.nan, np.nan]], [[0.0, 1_000.0, 0.0]]])
    radar = _radar(max_range_m=(150_000.0, 100_000.0, -1.0))
    m = radar.measure([0.0], points, np.array([0, 1, 2]), np.random.default_rng(2))
    # Drone at 120 km (range 150 km): seen. Absent object: not. Ballistic class not seen at all.
    assert m.truth.tolist() == [0]


def test_noise_has_the_declared_spread():
    n_scans = 3000
    radar = _radar(range_sigma_m=50.0, bearing_sigma_deg=0.2, elevation_sigma_deg=0.3)
    point = np.array([30_000.0, 40_000.0, 5_000.0])
    m = radar.measure(np.arange(n_scans) * 2.0, np.tile(point, (1, n_scans, 1)), np.array([0]), np.random.default_rng(3))
    true = np.array([np.linalg.norm(point), np.arctan2(30_000.0, 40_000.0), np.arctan2(5_000.0, 50_000.0)])
    residual = np.column_stack([m.range_m, m.bearing_rad, m.elevation_rad]) - true
    low, high = chi2.ppf([0.0005, 0.9995], n_scans) / n_scans
    for column, sigma in zip(residual.T, radar.noise_sigma):
        assert low <= np.mean(column ** 2) / sigma ** 2 <= high
        assert abs(column.mean()) < 4 * sigma / np.sqrt(n_scans)


def test_false_alarms_at_the_declared_density():
    n_scans, mean = 2000, 3.0
    radar = _radar(false_alarms_per_scan=mean, max_elevation_deg=30.0)
    m = radar.measure(np.arange(n_scans) * 2.0, np.empty((0, n_scans, 3)), np.empty(0, np.int64), np.random.default_rng(4))
    low, high = poisson.ppf([0.0005, 0.9995], n_scans * mean)
    assert low <= m.range_m.size <= high
    assert np.all(m.truth == FALSE_ALARM)
    assert np.all((m.range_m >= 0) & (m.range_m <= 100_000.0))
    assert np.all((m.elevation_rad >= 0) & (m.elevation_rad <= np.radians(30.0)))
    # Density: mean count over range x bearing x elevation = 3 / (1e5 * 2 pi * pi / 6) per m rad^2.
    assert radar.clutter_density == pytest.approx(3.0 / (1e5 * 2 * np.pi * np.pi / 6))
    assert m.clutter_density == radar.clutter_density


def test_swerling_one_range_law_by_hand():
    # Pd 0.9 at the edge with Pfa 1e-6: 1 + SNR_edge = ln(1e-6) / ln(0.9) = 131.123; at half the
    # range SNR is 16 times the edge's, 16 * 130.123 = 2081.97, so Pd = exp(ln(1e-6) / 2082.97)
    # = 0.993390.
    radar = _radar(detection_probability=(0.9,) * 3, range_law="swerling-1")
    pd = radar.detection_probability_at(np.array([100_000.0, 50_000.0, 100_001.0]), np.array([0, 0, 0]))
    assert pd == pytest.approx([0.9, 0.993390, 0.0], abs=1e-6)


def test_draws_do_not_depend_on_other_objects():
    radar = _radar(detection_probability=(0.7,) * 3, range_sigma_m=20.0, bearing_sigma_deg=0.1,
                   elevation_sigma_deg=0.1, false_alarms_per_scan=2.0)
    t = np.arange(50) * 2.0
    both = np.tile(np.array([[[10_000.0, 20_000.0, 500.0]], [[-30_000.0, 5_000.0, 900.0]]]), (1, 50, 1))
    alone = both.copy()
    alone[1] = np.nan
    a = radar.measure(t, both, np.array([0, 1]), np.random.default_rng(5))
    b = radar.measure(t, alone, np.array([0, 1]), np.random.default_rng(5))
    keep = a.truth != 1
    assert np.array_equal(a.range_m[keep], b.range_m) and np.array_equal(a.bearing_rad[keep], b.bearing_rad)


def test_catalog_noise_is_read():
    kind = load_scenario("april-2024").catalog.sensors["spy-1"]
    radar = radar_from_catalog(kind)
    assert radar.range_sigma_m == 50.0 and radar.bearing_sigma_deg == 0.1 and radar.scan_period_s == 2.0
    assert radar.detection_probability == (0.9, 0.9, 0.9)
    assert radar.max_range_m == (100_000.0, 150_000.0, 400_000.0)


@pytest.mark.parametrize("field, value", [
    ("range_sigma_m", -1.0), ("range_sigma_m", float("nan")), ("bearing_sigma_deg", 200.0),
    ("detection_probability", (1.2, 0.5, 0.5)), ("detection_probability", (float("nan"), 0.5, 0.5)),
    ("false_alarms_per_scan", -0.1), ("false_alarms_per_scan", float("inf")), ("scan_period_s", 0.0),
])
def test_bad_parameters_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        _radar(**{field: value})


@pytest.mark.parametrize("change, message", [
    ({"range_m": np.array([1.0, np.nan])}, "finite"),
    ({"truth": np.array([0])}, "one entry per detection"),
    ({"first": np.array([0, 1])}, "first"),
    ({"first": np.array([0, 1, 2])}, "offsets"),
    ({"noise_sigma": (-1.0, 0.0, 0.0)}, "noise_sigma"),
    ({"scan_t_s": np.array([2.0, 1.0]), "first": np.array([0, 1, 2])}, "time order"),
])
def test_bad_measurement_sets_are_refused(change, message):
    from shieldwall.tracking import Measurements

    good = dict(scan_t_s=np.array([0.0]), first=np.array([0, 2]), range_m=np.array([1.0, 2.0]),
                bearing_rad=np.array([0.1, 0.2]), elevation_rad=np.array([0.0, 0.1]),
                truth=np.array([0, 1]), noise_sigma=(1.0, 0.001, 0.001))
    with pytest.raises(ValueError, match=message):
        Measurements(**{**good, **change})
