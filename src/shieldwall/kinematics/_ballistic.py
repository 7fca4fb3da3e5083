"""Ballistic missiles: a boost phase, then a minimum-energy Kepler arc to the impact point.

Model and its limits:

- The free flight is a two-body Kepler arc over a spherical, non-rotating Earth of radius
  ``EARTH_MEAN_RADIUS_M`` with gravitational parameter ``MU_EARTH_M3PS2``; the atmosphere (drag
  on ascent and re-entry) and the Earth's rotation are ignored. The arc goes from the burnout
  point to the impact point on the surface, with the flight-path angle that needs the least
  burnout speed (a "minimum-energy trajectory").
- The boost phase lasts ``boost_time_s`` and follows a prescribed curve from rest on the surface to
  the burnout point: altitude h(t) = h_bo tau^2 and downrange distance x(t) = x_bo tau^3, with
  tau = t / boost_time_s. The missile rises vertically at launch and pitches over smoothly; x_bo
  is chosen so the curve arrives at the arc's burnout flight-path angle. By default the burnout
  altitude is chosen so that the curve's burnout speed, 2 h_bo / (boost_time_s sin gamma), also
  equals the arc's burnout speed: the trajectory is then continuous in position and velocity.
- The ground track is the WGS84 geodesic from launch to impact; a point at range angle theta on the
  sphere is placed at the fraction theta / theta_total of the geodesic's length, so the impact
  lands exactly on the target. Altitude is the radius minus ``EARTH_MEAN_RADIUS_M``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from shieldwall.geo import EARTH_MEAN_RADIUS_M, geodesic_forward, geodesic_inverse
from shieldwall.kinematics._sampling import sample_times
from shieldwall.kinematics._trajectories import Trajectories

MU_EARTH_M3PS2 = 3.986004418e14
"""Earth's gravitational parameter GM (IERS Conventions 2010, table 1.1; WGS84 value)."""

_KEPLER_TOLERANCE_RAD = 1e-12
_KEPLER_MAX_ITERATIONS = 50
_BOOST_MAX_ITERATIONS = 100
_BOOST_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class MinimumEnergyArc:
    """The least-speed Kepler arc between a burnout point and an impact point (arrays, SI units).

    The arc runs from true anomaly ``burnout_true_anomaly_rad`` (ascending, before apogee) through
    apogee at true anomaly pi to ``burnout_true_anomaly_rad + range_angle_rad`` at impact.
    """

    range_angle_rad: np.ndarray
    flight_path_angle_rad: np.ndarray
    """Angle of the burnout velocity above the local horizontal."""
    burnout_speed_mps: np.ndarray
    semi_major_axis_m: np.ndarray
    eccentricity: np.ndarray
    burnout_true_anomaly_rad: np.ndarray
    burnout_mean_anomaly_rad: np.ndarray
    time_of_flight_s: np.ndarray
    """Time from burnout to impact."""
    apogee_radius_m: np.ndarray

    @property
    def mean_motion_radps(self) -> np.ndarray:
        return np.sqrt(MU_EARTH_M3PS2 / self.semi_major_axis_m**3)


def minimum_energy_arc(
    burnout_radius_m: ArrayLike, impact_radius_m: ArrayLike, range_angle_rad: ArrayLike
) -> MinimumEnergyArc:
    """Minimum-energy ballistic arc from radius r1 to radius r2 across a central angle psi.

    A conic through the burnout point with speed v and flight-path angle gamma reaches radius r2
    after the central angle psi when (polar equation of the conic, as in R. R. Bate, D. D. Mueller
    and J. E. White, *Fundamentals of Astrodynamics*, Dover 1971, ch. 6 "Ballistic missile
    trajectories"; P. Zarchan, *Tactical and Strategic Missile Guidance*, AIAA, chapter on
    strategic considerations, gives the same required-velocity formula)::

        v^2 = mu (1 - cos psi) / (r1 cos gamma [(r1 / r2) cos gamma - cos(gamma + psi)])

    Setting d(v^2)/d(gamma) = 0 gives the minimum-energy flight-path angle
    tan(2 gamma) = sin psi / (r1 / r2 - cos psi), which for r1 = r2 reduces to Bate, Mueller
    and White's gamma = (pi - psi) / 4. The orbit then follows from vis-viva
    (a = 1 / (2 / r1 - v^2 / mu)), the angular momentum h = r1 v cos gamma (p = h^2 / mu,
    e = sqrt(1 - p / a)), the true anomaly at burnout from e cos nu = p / r1 - 1 and
    e sin nu = h v sin gamma / mu, and the time of flight from Kepler's equation through the
    eccentric anomaly (Bate, Mueller and White, ch. 4 and ch. 6, time of free flight).
    """
    r1 = np.asarray(burnout_radius_m, dtype=float)
    r2 = np.asarray(impact_radius_m, dtype=float)
    psi = np.asarray(range_angle_rad, dtype=float)
    gamma = 0.5 * np.arctan2(np.sin(psi), r1 / r2 - np.cos(psi))
    speed = np.sqrt(
        MU_EARTH_M3PS2
        * (1.0 - np.cos(psi))
        / (r1 * np.cos(gamma) * (r1 / r2 * np.cos(gamma) - np.cos(gamma + psi)))
    )
    semi_major_axis = 1.0 / (2.0 / r1 - speed**2 / MU_EARTH_M3PS2)
    angular_momentum = r1 * speed * np.cos(gamma)
    semi_latus_rectum = angular_momentum**2 / MU_EARTH_M3PS2
    eccentricity = np.sqrt(np.maximum(1.0 - semi_latus_rectum / semi_major_axis, 0.0))
    nu_burnout = np.arctan2(
        angular_momentum * speed * np.sin(gamma) / MU_EARTH_M3PS2, semi_latus_rectum / r1 - 1.0
    )
    mean_burnout = _mean_anomaly(nu_burnout, eccentricity)
    mean_impact = _mean_anomaly(nu_burnout + psi, eccentricity)
    mean_motion = np.sqrt(MU_EARTH_M3PS2 / semi_major_axis**3)
    return MinimumEnergyArc(
        range_angle_rad=psi,
        flight_path_angle_rad=gamma,
        burnout_speed_mps=speed,
        semi_major_axis_m=semi_major_axis,
        eccentricity=eccentricity,
        burnout_true_anomaly_rad=nu_burnout,
        burnout_mean_anomaly_rad=mean_burnout,
        time_of_flight_s=(mean_impact - mean_burnout) / mean_motion,
        apogee_radius_m=semi_major_axis * (1.0 + eccentricity),
    )


def _mean_anomaly(true_anomaly_rad: np.ndarray, eccentricity: np.ndarray) -> np.ndarray:
    """Mean anomaly in [0, 2 pi) of an elliptic orbit (Bate, Mueller and White, ch. 4)."""
    eccentric = np.mod(
        np.arctan2(
            np.sqrt(1.0 - eccentricity**2) * np.sin(true_anomaly_rad),
            eccentricity + np.cos(true_anomaly_rad),
        ),
        2.0 * np.pi,
    )
    return eccentric - eccentricity * np.sin(eccentric)


def _solve_kepler(mean_anomaly_rad: np.ndarray, eccentricity: np.ndarray) -> np.ndarray:
    """Eccentric anomaly E with E - e sin E = M, by Newton's method from E = pi.

    Starting at pi converges for every M in [0, 2 pi] and e < 1 (C. D. Charles and J. B. Tatum,
    "The convergence of Newton-Raphson iteration with Kepler's equation", Celestial Mechanics and
    Dynamical Astronomy 69, 1998).
    """
    eccentric = np.full_like(mean_anomaly_rad, np.pi)
    for _ in range(_KEPLER_MAX_ITERATIONS):
        step = (eccentric - eccentricity * np.sin(eccentric) - mean_anomaly_rad) / (
            1.0 - eccentricity * np.cos(eccentric)
        )
        eccentric -= step
        if np.all(np.abs(step) < _KEPLER_TOLERANCE_RAD):
            break
    return eccentric


def ballistic_trajectories(
    launch_lat_deg: ArrayLike,
    launch_lon_deg: ArrayLike,
    impact_lat_deg: ArrayLike,
    impact_lon_deg: ArrayLike,
    *,
    boost_time_s: ArrayLike,
    sample_period_s: float,
    burnout_alt_m: ArrayLike | None = None,
) -> Trajectories:
    """Boost plus minimum-energy trajectories of N ballistic missiles (see the module notes).

    Launch and impact points and ``boost_time_s`` broadcast to shape (N,). ``burnout_alt_m``
    defaults to the altitude that makes boost and free flight join with continuous velocity.
    Samples are ``sample_period_s`` apart from launch, with a final sample exactly at impact.
    Raises ValueError where the target is too close for the boost phase (closer than its ground
    range, or so close that boost and arc cannot be fitted together).
    """
    launch_lat, launch_lon, impact_lat, impact_lon, boost_time = (
        np.atleast_1d(array).astype(float)
        for array in np.broadcast_arrays(
            launch_lat_deg, launch_lon_deg, impact_lat_deg, impact_lon_deg, boost_time_s
        )
    )
    if np.any(boost_time <= 0.0):
        raise ValueError("boost_time_s must be positive")
    ground_range_m, azimuth_deg = geodesic_inverse(launch_lat, launch_lon, impact_lat, impact_lon)
    total_angle_rad = ground_range_m / EARTH_MEAN_RADIUS_M
    burnout_alt, boost_range_m, arc = _boost_and_arc(total_angle_rad, boost_time, burnout_alt_m)

    flight_time_s = boost_time + arc.time_of_flight_s
    t_s, n_samples = sample_times(flight_time_s, sample_period_s)

    # Boost phase (tau <= 1) and free flight, evaluated on the whole grid and selected per sample.
    tau = np.minimum(t_s / boost_time[:, None], 1.0)
    boost_alt_m = burnout_alt[:, None] * tau**2
    boost_angle_rad = (boost_range_m / EARTH_MEAN_RADIUS_M)[:, None] * tau**3

    free_time_s = np.maximum(t_s - boost_time[:, None], 0.0)
    e = arc.eccentricity[:, None]
    eccentric = _solve_kepler(
        arc.burnout_mean_anomaly_rad[:, None] + arc.mean_motion_radps[:, None] * free_time_s, e
    )
    true_anomaly = 2.0 * np.arctan2(
        np.sqrt(1.0 + e) * np.sin(eccentric / 2.0), np.sqrt(1.0 - e) * np.cos(eccentric / 2.0)
    )
    free_radius_m = arc.semi_major_axis_m[:, None] * (1.0 - e * np.cos(eccentric))
    free_alt_m = free_radius_m - EARTH_MEAN_RADIUS_M
    free_angle_rad = (boost_range_m / EARTH_MEAN_RADIUS_M)[:, None] + (
        true_anomaly - arc.burnout_true_anomaly_rad[:, None]
    )

    in_boost = t_s < boost_time[:, None]
    at_impact = t_s >= flight_time_s[:, None]
    alt_m = np.where(in_boost, boost_alt_m, np.where(at_impact, 0.0, free_alt_m))
    angle_rad = np.where(in_boost, boost_angle_rad, free_angle_rad)
    fraction = np.where(at_impact, 1.0, angle_rad / total_angle_rad[:, None])
    lat_deg, lon_deg = geodesic_forward(
        launch_lat[:, None], launch_lon[:, None], azimuth_deg[:, None],
        fraction * ground_range_m[:, None],
    )
    return Trajectories(
        t_s=t_s,
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        alt_m=alt_m,
        n_samples=n_samples,
        flight_time_s=flight_time_s,
        apogee_m=arc.apogee_radius_m - EARTH_MEAN_RADIUS_M,
    )


def _boost_and_arc(
    total_angle_rad: np.ndarray, boost_time_s: np.ndarray, burnout_alt_m: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, MinimumEnergyArc]:
    """Burnout altitude, boost ground range and free-flight arc that fit together.

    The arc's flight-path angle and speed depend on the burnout point, which depends on them
    through the boost curve; a fixed-point iteration settles all three (it contracts quickly
    because the boost covers a small share of the range).
    """
    fixed_altitude = burnout_alt_m is not None
    burnout_alt = (
        np.broadcast_to(np.asarray(burnout_alt_m, dtype=float), total_angle_rad.shape).copy()
        if fixed_altitude
        # Any start will do; a burnout at 5 % of the range is near the answer for MRBMs.
        else 0.05 * total_angle_rad * EARTH_MEAN_RADIUS_M
    )
    boost_range_m = np.zeros_like(total_angle_rad)
    for _ in range(_BOOST_MAX_ITERATIONS):
        free_angle_rad = total_angle_rad - boost_range_m / EARTH_MEAN_RADIUS_M
        if np.any(free_angle_rad <= 0.0):
            raise ValueError("target is within the ground range of the boost phase")
        arc = minimum_energy_arc(
            EARTH_MEAN_RADIUS_M + burnout_alt, EARTH_MEAN_RADIUS_M, free_angle_rad
        )
        gamma = arc.flight_path_angle_rad
        previous = np.stack([burnout_alt, boost_range_m])
        if not fixed_altitude:
            burnout_alt = 0.5 * arc.burnout_speed_mps * boost_time_s * np.sin(gamma)
        # x = x_bo tau^3 and h = h_bo tau^2 meet the burnout angle when dh/dx = tan(gamma).
        boost_range_m = 2.0 * burnout_alt / (3.0 * np.tan(gamma))
        if np.all(np.abs(np.stack([burnout_alt, boost_range_m]) - previous) < _BOOST_TOLERANCE_M):
            break
    else:
        # Happens only when the boost covers most of a very short range.
        raise ValueError("boost phase does not fit the range: shorten boost_time_s")
    arc = minimum_energy_arc(
        EARTH_MEAN_RADIUS_M + burnout_alt,
        EARTH_MEAN_RADIUS_M,
        total_angle_rad - boost_range_m / EARTH_MEAN_RADIUS_M,
    )
    return burnout_alt, boost_range_m, arc
