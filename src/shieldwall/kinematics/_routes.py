"""Drones and cruise missiles: constant-speed flight along WGS84 geodesic legs between waypoints.

Model: the threat flies at ``speed_mps`` from the first waypoint (launch) along the geodesic legs
to the last (target). Its altitude rises linearly with distance flown from the surface to
``cruise_alt_m`` over the first ``climb_distance_m``, holds, and falls linearly to the surface over
the last ``descent_distance_m``: alt = cruise_alt min(1, s / climb, (L - s) / descent), where s is
the distance flown and L the route length. On a route shorter than climb plus descent the
threat turns from climb to descent below cruise altitude. Speed does not change in climb, turns or
descent, turns are instantaneous, and wind is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from shieldwall.geo import WGS84_GEOD, geodesic_inverse
from shieldwall.kinematics._sampling import sample_times
from shieldwall.kinematics._trajectories import Trajectories


def route_trajectories(
    routes: Sequence[ArrayLike],
    speed_mps: ArrayLike,
    cruise_alt_m: ArrayLike,
    *,
    sample_period_s: float,
    climb_distance_m: ArrayLike = 10_000.0,
    descent_distance_m: ArrayLike = 5_000.0,
) -> Trajectories:
    """Trajectories of N threats flying waypoint routes (see the module notes for the model).

    ``routes[i]`` is a (K_i, 2) array of ``lat_deg, lon_deg`` waypoints, K_i >= 1, launch first and
    target last. ``speed_mps``, ``cruise_alt_m``, ``climb_distance_m`` and ``descent_distance_m``
    broadcast to (N,). Samples are ``sample_period_s`` apart from launch, with a final sample
    exactly at the target.
    """
    waypoints = [np.asarray(route, dtype=float).reshape(-1, 2) for route in routes]
    n_threats = len(waypoints)
    speed, cruise_alt, climb_distance, descent_distance = (
        np.broadcast_to(np.asarray(value, dtype=float), (n_threats,))
        for value in (speed_mps, cruise_alt_m, climb_distance_m, descent_distance_m)
    )
    if np.any(speed <= 0.0):
        raise ValueError("speed_mps must be positive")

    # All legs of all routes in one geodesic call.
    legs_per_route = np.array([len(route) - 1 for route in waypoints], dtype=np.int64)
    if np.any(legs_per_route < 0):
        raise ValueError("every route needs at least one waypoint")
    starts = np.concatenate([route[:-1] for route in waypoints] + [np.empty((0, 2))])
    ends = np.concatenate([route[1:] for route in waypoints] + [np.empty((0, 2))])
    leg_length_m, leg_azimuth_deg = geodesic_inverse(
        starts[:, 0], starts[:, 1], ends[:, 0], ends[:, 1]
    )
    first_leg = np.concatenate([[0], np.cumsum(legs_per_route)])
    route_of_leg = np.repeat(np.arange(n_threats), legs_per_route)
    route_length_m = np.bincount(route_of_leg, weights=leg_length_m, minlength=n_threats)

    flight_time_s = route_length_m / speed
    t_s, n_samples = sample_times(flight_time_s, sample_period_s)
    # The impact sample is placed at the route's length itself: speed * (length / speed) may
    # round to a hair off it.
    distance_m = np.where(
        t_s >= flight_time_s[:, None], route_length_m[:, None], speed[:, None] * t_s
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        alt_share = np.minimum.reduce([
            np.ones_like(distance_m),
            np.where(climb_distance[:, None] > 0, distance_m / climb_distance[:, None], 1.0),
            np.where(
                descent_distance[:, None] > 0,
                (route_length_m[:, None] - distance_m) / descent_distance[:, None],
                1.0,
            ),
        ])
    alt_m = cruise_alt[:, None] * np.clip(alt_share, 0.0, 1.0)

    lat_deg = np.empty_like(t_s)
    lon_deg = np.empty_like(t_s)
    for i, route in enumerate(waypoints):
        _fill_route_positions(
            route, leg_length_m[first_leg[i]:first_leg[i + 1]],
            leg_azimuth_deg[first_leg[i]:first_leg[i + 1]],
            speed[i] * sample_period_s, int(n_samples[i]), lat_deg[i], lon_deg[i],
        )
    return Trajectories(
        t_s=t_s,
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        alt_m=alt_m,
        n_samples=n_samples,
        flight_time_s=flight_time_s,
        apogee_m=np.max(alt_m, axis=1, initial=0.0),
    )


def _fill_route_positions(
    waypoints: np.ndarray,
    leg_length_m: np.ndarray,
    leg_azimuth_deg: np.ndarray,
    spacing_m: float,
    n_samples: int,
    lat_out: np.ndarray,
    lon_out: np.ndarray,
) -> None:
    """Write one route's sample positions into the rows ``lat_out``, ``lon_out``.

    Sample k lies at distance k * spacing_m along the route, the last valid one at the final
    waypoint and the padding after it too. Each leg's samples are equally spaced along one
    geodesic, so one ``fwd_intermediate`` call per leg places them all: it walks a geodesic line
    once instead of solving a direct problem per sample (about twice as fast).
    """
    lat_out[n_samples - 1:] = waypoints[-1, 0]
    lon_out[n_samples - 1:] = waypoints[-1, 1]
    leg_start_m = np.concatenate([[0.0], np.cumsum(leg_length_m)[:-1]])
    # Samples before the impact sample, split into runs by the leg they fall on.
    first_sample = np.ceil(leg_start_m / spacing_m).astype(np.int64)
    last_sample = np.append(first_sample[1:], n_samples - 1)
    last_sample = np.minimum(last_sample, n_samples - 1)
    for leg in np.flatnonzero(last_sample > first_sample):
        k0, k1 = first_sample[leg], last_sample[leg]
        offset_m = k0 * spacing_m - leg_start_m[leg]
        lon0, lat0, back_azimuth = WGS84_GEOD.fwd(
            waypoints[leg, 1], waypoints[leg, 0], leg_azimuth_deg[leg], offset_m,
            return_back_azimuth=True,
        )
        WGS84_GEOD.fwd_intermediate(
            lon0, lat0, back_azimuth + 180.0, npts=int(k1 - k0), del_s=spacing_m,
            initial_idx=0, terminus_idx=0, return_back_azimuth=False,
            out_lons=lon_out[k0:k1], out_lats=lat_out[k0:k1],
        )
