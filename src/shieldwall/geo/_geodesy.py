"""Geodesics, ECEF conversion, slant range and elevation on the WGS84 ellipsoid.

Every function takes degrees and metres, broadcasts its arguments like a NumPy ufunc and returns
NumPy scalars for scalar input, arrays otherwise. The computation is delegated to pyproj (Karney's
geodesic algorithms and PROJ's geocentric conversion) and pymap3d; nothing here re-derives
ellipsoid formulas.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pymap3d
import pyproj
from numpy.typing import ArrayLike

WGS84_GEOD = pyproj.Geod(ellps="WGS84")
"""Geodesic solver on WGS84 (C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87, 2013)."""

_WGS84_ELLIPSOID = pymap3d.Ellipsoid.from_name("wgs84")


@cache
def _geodetic_to_ecef_transformer() -> pyproj.Transformer:
    # EPSG:4979 is WGS84 geographic 3D (lat, lon, ellipsoidal height); EPSG:4978 is WGS84 ECEF.
    # PROJ's conversion runs 1.4x (forward) to 2.4x (inverse) faster than pymap3d's on 1e6 points,
    # with inverse heights within 0.4 mm of pymap3d's iterative solution.
    return pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978")


@cache
def _ecef_to_geodetic_transformer() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979")


def _flat_float_arrays(*values: ArrayLike) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast the arguments together; return the common shape and contiguous 1-D copies."""
    broadcast = np.broadcast_arrays(*(np.asarray(value, dtype=float) for value in values))
    shape = broadcast[0].shape
    return shape, [np.ascontiguousarray(array).ravel() for array in broadcast]


def _shaped(shape: tuple[int, ...], *arrays: np.ndarray) -> tuple:
    # ``[()]`` turns a 0-d array into a NumPy scalar and leaves other arrays untouched.
    return tuple(np.asarray(array, dtype=float).reshape(shape)[()] for array in arrays)


def geodesic_inverse(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Length and initial azimuth of the WGS84 geodesic from point 1 to point 2.

    Returns ``(distance_m, azimuth_deg)``; the azimuth is clockwise from north at point 1, in
    (-180, 180].
    """
    shape, (lat1, lon1, lat2, lon2) = _flat_float_arrays(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    azimuth, _, distance = WGS84_GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    return _shaped(shape, distance, azimuth)


def geodesic_forward(
    lat_deg: ArrayLike, lon_deg: ArrayLike, azimuth_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """End point ``(lat_deg, lon_deg)`` of the WGS84 geodesic of given start, azimuth and length."""
    shape, (lat, lon, azimuth, distance) = _flat_float_arrays(
        lat_deg, lon_deg, azimuth_deg, distance_m
    )
    lon_end, lat_end, _ = WGS84_GEOD.fwd(lon, lat, azimuth, distance, return_back_azimuth=False)
    return _shaped(shape, lat_end, lon_end)


def geodetic_to_ecef(
    lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 geodetic latitude, longitude and ellipsoidal height to ECEF ``(x_m, y_m, z_m)``."""
    shape, (lat, lon, alt) = _flat_float_arrays(lat_deg, lon_deg, alt_m)
    return _shaped(shape, *_geodetic_to_ecef_transformer().transform(lat, lon, alt))


def ecef_to_geodetic(
    x_m: ArrayLike, y_m: ArrayLike, z_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF coordinates to WGS84 ``(lat_deg, lon_deg, alt_m)`` (ellipsoidal height)."""
    shape, (x, y, z) = _flat_float_arrays(x_m, y_m, z_m)
    return _shaped(shape, *_ecef_to_geodetic_transformer().transform(x, y, z))


def slant_range_m(
    lat1_deg: ArrayLike,
    lon1_deg: ArrayLike,
    alt1_m: ArrayLike,
    lat2_deg: ArrayLike,
    lon2_deg: ArrayLike,
    alt2_m: ArrayLike,
) -> np.ndarray:
    """Straight-line (chord) distance between two geodetic points, through ECEF."""
    x1, y1, z1 = geodetic_to_ecef(lat1_deg, lon1_deg, alt1_m)
    x2, y2, z2 = geodetic_to_ecef(lat2_deg, lon2_deg, alt2_m)
    return np.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2 + (z2 - z1) ** 2)


def elevation_deg(
    observer_lat_deg: ArrayLike,
    observer_lon_deg: ArrayLike,
    observer_alt_m: ArrayLike,
    target_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_alt_m: ArrayLike,
) -> np.ndarray:
    """Elevation of the target above the observer's local horizontal plane (ellipsoid normal).

    Geometric line of sight, without refraction (pymap3d.geodetic2aer).
    """
    shape, arrays = _flat_float_arrays(
        observer_lat_deg, observer_lon_deg, observer_alt_m,
        target_lat_deg, target_lon_deg, target_alt_m,
    )
    lat0, lon0, alt0, lat, lon, alt = arrays
    _, elevation, _ = pymap3d.geodetic2aer(lat, lon, alt, lat0, lon0, alt0, _WGS84_ELLIPSOID)
    return _shaped(shape, elevation)[0]
