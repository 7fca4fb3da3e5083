"""How accurately a picture holds a threat, in closed form, and what that does to a handover.

A radar's firm track of a threat in steady flight is, per axis of its measurement frame (range,
cross-range in azimuth, cross-range in elevation), a constant-velocity Kalman filter in steady
state: the alpha-beta filter. With measurement noise sigma_m on the axis (range_sigma_m, or the
range times the bearing or elevation noise in radians), an update every T s and a
piecewise-constant white acceleration of standard deviation sigma_a, its tracking index is
lambda = sigma_a T^2 / sigma_m and its gains are (Kalata, "The tracking index: a generalized
parameter for alpha-beta and alpha-beta-gamma target trackers", IEEE Trans. Aerospace and
Electronic Systems 20(2), 1984; Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to
Tracking and Navigation*, 2001, section 6.5.3)

    alpha = -(lambda^2 + 8 lambda - (lambda + 4) sqrt(lambda^2 + 8 lambda)) / 8.

Since alpha is the position gain P- / (P- + sigma_m^2), the predicted position variance, the
track's error just before its next update (the largest in the update cycle), is
sigma_m^2 alpha / (1 - alpha). The per-axis filters decouple exactly because the model's process
noise is isotropic and the measurement noise is diagonal in that frame; the frame turning as the
threat moves is neglected.

Pictures fuse tracks in information form (the inverse covariances add): the tracks' errors are
taken as independent, which overstates a fused track's accuracy where partners' tracks share the
threat's manoeuvres (`fusion.covariance_intersection` is the conservative alternative, for
pairs of tracks whose correlation is unknown).

A handover gives an interceptor the picture's predicted intercept point. With a position error
e ~ N(0, C) and an acquisition basket of scale R (the interceptor acquires and kills with the
nominal kill probability times exp(-|e|^2 / (2 R^2)), a Gaussian acquisition function: the
Carleton damage function's form, Driels, *Weaponeering*, 2nd ed., 2013, ch. 5), the expected
fraction of the kill probability kept is

    E[exp(-|e|^2 / (2 R^2))] = det(I + C / R^2)^(-1/2) = sqrt(det(M) / det(M + I / R^2)),

with M = C^-1 the picture's information. It is 1 for an exact track, falls as the error grows
past the basket, is 0 with no track (M = 0), and never falls when a sensor's information is added.

A handover can also go to the wrong object: nearest-neighbour association picks another object
at offset d from the threat when the predicted point x + e lies nearer to it in the track's
Mahalanobis distance, that is when d' M e > d' M d / 2. As d' M e ~ N(0, d' M d), this happens with
probability Phi(-sqrt(d' M d) / 2), where Phi is the standard normal distribution function.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from shieldwall import geo

MANOEUVRE_SIGMA_MPS2 = {"drone": 1.0, "cruise": 3.0, "ballistic": 10.0}
"""Standard deviation of the acceleration a constant-velocity track does not model, by threat
class (notional): a drone's gentle turns and gusts, a cruise missile's terrain following and
waypoint turns, a ballistic missile's unmodelled drag and gravity (about 1 g) against a
constant-velocity model."""

EXACT_VARIANCE_M2 = 1e-6
"""The error variance given to an axis measured without noise (1 mm): finite, so that pictures
still fuse by adding information, and too small to change a handover by more than 1e-10."""


def alpha_gain(measurement_sigma_m: np.ndarray, period_s: np.ndarray, accel_sigma_mps2: np.ndarray) -> np.ndarray:
    """Steady-state position gain of the alpha-beta filter (Kalata 1984); 1 for an exact sensor."""
    sigma = np.asarray(measurement_sigma_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.asarray(accel_sigma_mps2, dtype=float) * np.asarray(period_s, dtype=float) ** 2 / sigma
        root = np.sqrt(index**2 + 8.0 * index)
        alpha = -(index**2 + 8.0 * index - (index + 4.0) * root) / 8.0
    return np.where(sigma > 0.0, alpha, 1.0)


def predicted_variance_m2(measurement_sigma_m: np.ndarray, period_s: np.ndarray,
                          accel_sigma_mps2: np.ndarray) -> np.ndarray:
    """Steady-state position variance of a firm track just before its next update, per axis."""
    sigma = np.asarray(measurement_sigma_m, dtype=float)
    alpha = alpha_gain(sigma, period_s, accel_sigma_mps2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sigma > 0.0, sigma**2 * alpha / (1.0 - alpha), 0.0)


def track_information(sensor_lat_deg, sensor_lon_deg, sensor_alt_m, target_lat_deg, target_lon_deg, target_alt_m,
                      range_sigma_m, bearing_sigma_rad, elevation_sigma_rad, period_s,
                      accel_sigma_mps2) -> np.ndarray:
    """(K, 3, 3) information (inverse covariance, ECEF axes, 1/m^2) of each sensor's steady-state
    track of a target, from arrays of K (sensor, target) pairs. An axis measured without noise
    gets the information of a 1 mm error (EXACT_VARIANCE_M2), not an infinite one."""
    sensor = np.stack(geo.geodetic_to_ecef(sensor_lat_deg, sensor_lon_deg, sensor_alt_m), axis=-1)
    target = np.stack(geo.geodetic_to_ecef(target_lat_deg, target_lon_deg, target_alt_m), axis=-1)
    sight = target - sensor
    range_m = np.linalg.norm(sight, axis=-1)
    radial = sight / range_m[:, None]
    lat, lon = np.radians(sensor_lat_deg), np.radians(sensor_lon_deg)
    up = np.stack(np.broadcast_arrays(np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)
    across = np.cross(up, radial)  # horizontal, perpendicular to the line of sight: the azimuth axis
    across /= np.linalg.norm(across, axis=-1)[:, None]
    above = np.cross(radial, across)  # the elevation axis
    horizontal_m = range_m * np.sqrt(np.maximum(1.0 - np.einsum("ki,ki->k", radial, up) ** 2, 0.0))
    sigmas = (range_sigma_m, horizontal_m * bearing_sigma_rad, range_m * elevation_sigma_rad)
    information = np.zeros((range_m.size, 3, 3))
    for axis, sigma in zip((radial, across, above), sigmas):
        variance = predicted_variance_m2(np.broadcast_to(sigma, range_m.shape), period_s, accel_sigma_mps2)
        information += np.einsum("ki,kj->kij", axis, axis) / np.maximum(variance, EXACT_VARIANCE_M2)[:, None, None]
    return information


def handover_fraction(information: np.ndarray, basket_m: np.ndarray) -> np.ndarray:
    """(K,) fraction of the kill probability a handover on a track of `information` ((K, 3, 3),
    1/m^2) keeps with an acquisition basket of scale `basket_m`: sqrt(det M / det(M + I / R^2)),
    0 where there is no track (M singular)."""
    information = np.asarray(information, dtype=float)
    eye = np.eye(3) / np.asarray(basket_m, dtype=float).reshape(-1, 1, 1) ** 2
    ratio = np.linalg.det(information) / np.linalg.det(information + eye)
    return np.sqrt(np.clip(ratio, 0.0, 1.0))


def wrong_association_probability(information: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
    """(K,) probability that nearest-neighbour association of a predicted point, with a track of
    `information` ((K, 3, 3), 1/m^2), picks the object at `offset_m` ((K, 3), from the threat)
    instead of the threat: Phi(-sqrt(d' M d) / 2); 0 where there is no other object (offset inf)."""
    offset_m = np.asarray(offset_m, dtype=float)
    present = np.isfinite(offset_m).all(axis=1)
    d = np.where(present[:, None], offset_m, 0.0)
    distance = np.sqrt(np.maximum(np.einsum("ki,kij,kj->k", d, information, d), 0.0))
    return np.where(present, ndtr(-distance / 2.0), 0.0)


def position_error_m(information: np.ndarray) -> np.ndarray:
    """(K,) root-mean-square predicted position error sqrt(trace(M^-1)) of a track of
    `information` ((K, 3, 3), 1/m^2); inf where there is no track (M = 0). Every other M here is
    a sum of sensors' full-rank informations (track_information), so it can be inverted."""
    information = np.asarray(information, dtype=float)
    error_m = np.full(information.shape[0], np.inf)
    held = information.any(axis=(1, 2))
    error_m[held] = np.sqrt(np.trace(np.linalg.inv(information[held]), axis1=1, axis2=2))
    return error_m
