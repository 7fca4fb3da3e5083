import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.geo import (
    ecef_to_geodetic,
    elevation_deg,
    geodesic_forward,
    geodesic_inverse,
    geodetic_to_ecef,
    slant_range_m,
)

WGS84_A_M = 6_378_137.0
WGS84_B_M = 6_356_752.314245

latitudes = st.floats(-89.0, 89.0)
longitudes = st.floats(-180.0, 180.0)
altitudes = st.floats(-500.0, 1_000_000.0)


def test_quarter_meridian_of_wgs84():
    # Equator to pole along a meridian: the WGS84 quarter meridian, 10,001,965.729 m.
    distance_m, azimuth_deg = geodesic_inverse(0.0, 20.0, 90.0, 20.0)
    assert distance_m == pytest.approx(10_001_965.729, abs=1e-3)
    assert azimuth_deg == pytest.approx(0.0, abs=1e-9)


def test_geodesic_inverse_matches_geographiclib_documentation_example():
    # GeographicLib Python documentation: Geodesic.WGS84.Inverse(40.6, -73.8, 51.6, -0.5)
    # ("JFK to LHR"), s12 = 5551759.400 m.
    distance_m, _ = geodesic_inverse(40.6, -73.8, 51.6, -0.5)
    assert distance_m == pytest.approx(5_551_759.400, abs=1e-3)


@settings(max_examples=50, deadline=None)
@given(latitudes, longitudes, st.floats(-180.0, 180.0), st.floats(0.0, 5_000_000.0))
def test_geodesic_forward_inverts_inverse(lat_deg, lon_deg, azimuth_deg, distance_m):
    lat2_deg, lon2_deg = geodesic_forward(lat_deg, lon_deg, azimuth_deg, distance_m)
    back_distance_m, _ = geodesic_inverse(lat_deg, lon_deg, lat2_deg, lon2_deg)
    assert back_distance_m == pytest.approx(distance_m, abs=1e-6)


def test_functions_broadcast_and_return_scalars_for_scalars():
    distance_m, azimuth_deg = geodesic_inverse(
        32.0, 35.0, np.array([[33.0], [34.0]]), [35.0, 36.0, 37.0]
    )
    assert distance_m.shape == azimuth_deg.shape == (2, 3)
    lat_deg, lon_deg = geodesic_forward(32.0, 35.0, 0.0, 1000.0)
    assert np.ndim(lat_deg) == 0 and np.ndim(lon_deg) == 0
    x_m, _, _ = geodetic_to_ecef(np.zeros((4, 5)), 0.0, 0.0)
    assert x_m.shape == (4, 5)


def test_ecef_of_reference_points():
    x_m, y_m, z_m = geodetic_to_ecef([0.0, 0.0, 90.0], [0.0, 90.0, 0.0], [0.0, 100.0, 0.0])
    np.testing.assert_allclose(x_m, [WGS84_A_M, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(y_m, [0.0, WGS84_A_M + 100.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(z_m, [0.0, 0.0, WGS84_B_M], atol=1e-6)


def test_ecef_agrees_with_pymap3d_and_round_trips():
    rng = np.random.default_rng(7)
    lat_deg = rng.uniform(-89.0, 89.0, 1000)
    lon_deg = rng.uniform(-180.0, 180.0, 1000)
    alt_m = rng.uniform(-100.0, 1e6, 1000)
    x_m, y_m, z_m = geodetic_to_ecef(lat_deg, lon_deg, alt_m)
    reference = pymap3d.geodetic2ecef(lat_deg, lon_deg, alt_m)
    np.testing.assert_allclose(np.stack([x_m, y_m, z_m]), np.stack(reference), rtol=0, atol=1e-6)
    lat2_deg, lon2_deg, alt2_m = ecef_to_geodetic(x_m, y_m, z_m)
    np.testing.assert_allclose(lat2_deg, lat_deg, atol=1e-9)
    np.testing.assert_allclose(lon2_deg, lon_deg, atol=1e-9)
    np.testing.assert_allclose(alt2_m, alt_m, atol=1e-3)


def test_slant_range_is_altitude_difference_on_a_vertical():
    assert slant_range_m(31.0, 35.0, 10.0, 31.0, 35.0, 5010.0) == pytest.approx(5000.0, abs=1e-6)


def test_slant_range_equals_chord_on_the_equator():
    # Two sea-level points on the equator 1 degree apart: chord of the circle of radius a.
    expected_m = 2.0 * WGS84_A_M * np.sin(np.radians(0.5))
    assert slant_range_m(0.0, 10.0, 0.0, 0.0, 11.0, 0.0) == pytest.approx(expected_m, abs=1e-6)


def test_elevation_matches_line_of_sight_against_ellipsoid_normal():
    rng = np.random.default_rng(3)
    observer = (rng.uniform(20, 40, 200), rng.uniform(30, 60, 200), rng.uniform(0, 3000, 200))
    target = (rng.uniform(20, 40, 200), rng.uniform(30, 60, 200), rng.uniform(0, 5e5, 200))
    los = np.stack(geodetic_to_ecef(*target)) - np.stack(geodetic_to_ecef(*observer))
    lat_rad, lon_rad = np.radians(observer[0]), np.radians(observer[1])
    up = np.stack(
        [np.cos(lat_rad) * np.cos(lon_rad), np.cos(lat_rad) * np.sin(lon_rad), np.sin(lat_rad)]
    )
    expected_deg = np.degrees(np.arcsin(np.sum(los * up, axis=0) / np.linalg.norm(los, axis=0)))
    np.testing.assert_allclose(elevation_deg(*observer, *target), expected_deg, atol=1e-7)


def test_elevation_of_a_point_overhead_is_ninety_degrees():
    assert elevation_deg(32.0, 35.0, 0.0, 32.0, 35.0, 1e5) == pytest.approx(90.0, abs=1e-6)
