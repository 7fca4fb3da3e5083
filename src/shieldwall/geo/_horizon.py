"""Radar line of sight over a smooth Earth with standard atmospheric refraction."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from shieldwall.geo._geodesy import WGS84_GEOD, geodesic_inverse, slant_range_m

EARTH_MEAN_RADIUS_M = 6_371_000.0
"""Mean Earth radius, the IUGG mean radius R1 = 6,371,008.8 m (H. Moritz, "Geodetic Reference
System 1980", Bulletin Géodésique 54, 1980) rounded to the kilometre, as radar texts use it."""

STANDARD_K_FACTOR = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard refracting atmosphere (Skolnik, 2001, ch. 8)."""


def radar_horizon_m(
    sensor_alt_m: ArrayLike, target_alt_m: ArrayLike, k_factor: ArrayLike = STANDARD_K_FACTOR
) -> np.ndarray:
    """Greatest ground distance at which a sensor can see a target over a smooth Earth.

    d = sqrt(2 k R h_s) + sqrt(2 k R h_t), with R = ``EARTH_MEAN_RADIUS_M`` and the altitudes
    above the surface; the sum of the two tangent distances to an Earth of effective radius k R,
    with h << R (M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill 2001,
    ch. 8, "Propagation of Radar Waves", standard atmospheric refraction). For k = 4/3 this is
    the rule of thumb d_km = 4.12 (sqrt(h_s) + sqrt(h_t)) with heights in metres. Negative altitudes count as zero.
    """
    effective_diameter_m = 2.0 * np.asarray(k_factor, dtype=float) * EARTH_MEAN_RADIUS_M
    sensor_alt_m = np.maximum(np.asarray(sensor_alt_m, dtype=float), 0.0)
    target_alt_m = np.maximum(np.asarray(target_alt_m, dtype=float), 0.0)
    return np.sqrt(effective_diameter_m * sensor_alt_m) + np.sqrt(
        effective_diameter_m * target_alt_m
    )


def is_visible(
    sensor_lat_deg: ArrayLike,
    sensor_lon_deg: ArrayLike,
    sensor_alt_m: ArrayLike,
    target_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_alt_m: ArrayLike,
    k_factor: ArrayLike = STANDARD_K_FACTOR,
) -> np.ndarray:
    """True where the target is within the sensor's radar horizon.

    Compares the WGS84 geodesic ground distance between the two points with
    :func:`radar_horizon_m`; terrain masking and sensor range are not considered here.

    The geodesic is solved only where bounds leave the answer open. Its length s between two
    surface points with chord c satisfies c <= s <= 2 rho asin(c / (2 rho)) with rho = b^2 / a,
    the smallest radius of curvature of any central section of the ellipsoid: the geodesic is no
    longer than the arc of the central section through both points, and an arc whose radius of
    curvature is at least rho is no longer than the circular arc of radius rho on the same chord
    (A. Schur's comparison theorem; e.g. M. do Carmo, *Differential Geometry of Curves and
    Surfaces*, 1976, section 5-7). The result is the same as solving every geodesic.
    """
    chord = slant_range_m(sensor_lat_deg, sensor_lon_deg, 0.0, target_lat_deg, target_lon_deg, 0.0)
    horizon = radar_horizon_m(sensor_alt_m, target_alt_m, k_factor)
    chord, horizon = np.broadcast_arrays(chord, horizon)
    rho = WGS84_GEOD.b ** 2 / WGS84_GEOD.a
    visible = 2.0 * rho * np.arcsin(np.minimum(chord / (2.0 * rho), 1.0)) <= horizon
    open_ = ~visible & (chord <= horizon)
    if open_.any():
        points = [np.broadcast_to(np.asarray(v, dtype=float), open_.shape)[open_]
                  for v in (sensor_lat_deg, sensor_lon_deg, target_lat_deg, target_lon_deg)]
        ground_distance_m, _ = geodesic_inverse(*points)
        visible[open_] = np.asarray(ground_distance_m) <= horizon[open_]
    return visible[()]
