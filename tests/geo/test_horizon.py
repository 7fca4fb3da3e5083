import numpy as np
import pytest

from shieldwall.geo import geodesic_forward, geodesic_inverse, is_visible, radar_horizon_m


def rule_of_thumb_km(sensor_alt_m, target_alt_m):
    # 4/3-Earth rule of thumb for heights in metres.
    return 4.12 * (np.sqrt(sensor_alt_m) + np.sqrt(target_alt_m))


def test_horizon_of_a_30_m_radar_against_a_5_km_target():
    # sqrt(2 * 4/3 * 6371000 m) = 4121.81 m per sqrt(m): 22.58 km + 291.45 km.
    horizon_m = radar_horizon_m(30.0, 5000.0)
    assert horizon_m == pytest.approx(314_032.0, abs=5.0)
    assert horizon_m / 1000.0 == pytest.approx(rule_of_thumb_km(30.0, 5000.0), rel=1e-3)


@pytest.mark.parametrize(
    "sensor_alt_m, target_alt_m", [(10.0, 50.0), (25.0, 10_000.0), (9000.0, 100.0)]
)
def test_horizon_follows_the_rule_of_thumb(sensor_alt_m, target_alt_m):
    horizon_km = radar_horizon_m(sensor_alt_m, target_alt_m) / 1000.0
    assert horizon_km == pytest.approx(rule_of_thumb_km(sensor_alt_m, target_alt_m), rel=1e-3)


def test_geometric_horizon_with_k_equal_one():
    # Tangent distance from 100 m to a sphere of radius 6371 km: sqrt(2 R h) = 35.70 km.
    assert radar_horizon_m(100.0, 0.0, k_factor=1.0) == pytest.approx(35_696.0, abs=1.0)


def test_horizon_broadcasts_and_clips_negative_altitudes():
    horizon_m = radar_horizon_m(np.array([[-5.0], [30.0]]), np.array([0.0, 100.0, 1000.0]))
    assert horizon_m.shape == (2, 3)
    assert horizon_m[0, 0] == 0.0


def test_visibility_changes_at_the_horizon():
    sensor = (31.0, 35.0, 30.0)
    horizon_m = radar_horizon_m(30.0, 5000.0)
    lat_deg, lon_deg = geodesic_forward(31.0, 35.0, 60.0, np.array([0.99, 1.01]) * horizon_m)
    visible = is_visible(*sensor, lat_deg, lon_deg, 5000.0)
    np.testing.assert_array_equal(visible, [True, False])


def test_bounded_visibility_agrees_with_solving_every_geodesic():
    # Targets scattered within 0.05 % of the horizon distance, where the chord bounds leave the
    # answer open, and far from it, where they decide it alone.
    rng = np.random.default_rng(4)
    n = 20_000
    target_alt_m = rng.uniform(0.0, 1.0e6, n)
    horizon_m = radar_horizon_m(30.0, target_alt_m)
    scale = np.where(rng.random(n) < 0.5, rng.uniform(0.9995, 1.0005, n), rng.uniform(0.2, 2.0, n))
    lat_deg, lon_deg = geodesic_forward(np.full(n, 31.5), np.full(n, 35.0), rng.uniform(0, 360, n), horizon_m * scale)
    ground_m, _ = geodesic_inverse(31.5, 35.0, lat_deg, lon_deg)
    np.testing.assert_array_equal(is_visible(31.5, 35.0, 30.0, lat_deg, lon_deg, target_alt_m), ground_m <= horizon_m)
