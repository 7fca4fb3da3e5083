"""Geodesy on WGS84, radar line of sight and airspaces.

Coordinates are ``lat, lon, alt`` in degrees and metres; geometries of airspaces use shapely's
x = longitude, y = latitude.
"""

from shieldwall.geo._airspace import AirspaceMap, load_boundaries
from shieldwall.geo._geodesy import (
    WGS84_GEOD,
    ecef_to_geodetic,
    elevation_deg,
    geodesic_forward,
    geodesic_inverse,
    geodetic_to_ecef,
    slant_range_m,
)
from shieldwall.geo._horizon import (
    EARTH_MEAN_RADIUS_M,
    STANDARD_K_FACTOR,
    is_visible,
    radar_horizon_m,
)

__all__ = [
    "EARTH_MEAN_RADIUS_M",
    "STANDARD_K_FACTOR",
    "WGS84_GEOD",
    "AirspaceMap",
    "ecef_to_geodetic",
    "elevation_deg",
    "geodesic_forward",
    "geodesic_inverse",
    "geodetic_to_ecef",
    "is_visible",
    "load_boundaries",
    "radar_horizon_m",
    "slant_range_m",
]
