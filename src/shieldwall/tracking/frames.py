"""Moving track states between radars' local east-north-up frames.

Each radar tracks in its own frame (origin at the antenna, axes east, north, up of the WGS84
ellipsoid there). Two partners' tracks meet in a common frame through Earth-centred, Earth-fixed
coordinates: p_ecef = o + R' p_enu with R the ENU rotation of the origin's geodetic latitude phi
and longitude lambda,
    R = [[-sin lambda,            cos lambda,           0      ],
         [-sin phi cos lambda, -sin phi sin lambda,  cos phi],
         [ cos phi cos lambda,  cos phi sin lambda,  sin phi]]
(the standard rotation; e.g. Farrell, *Aided Navigation*, McGraw-Hill 2008, chapter 2). Velocities rotate, and
covariances transform as R_ba P R_ba' with R_ba = R_b R_a' on each 3 x 3 block.
"""

from __future__ import annotations

import numpy as np


def enu_rotation(lat_deg: float, lon_deg: float) -> np.ndarray:
    """(3, 3) rotation from ECEF axes to the local east-north-up axes at (lat_deg, lon_deg)."""
    phi, lam = np.radians(lat_deg), np.radians(lon_deg)
    sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    return np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])


def change_frame(mean: np.ndarray, covariance: np.ndarray, origin_from: tuple[float, float, float],
                 origin_to: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 6) states and (n, 6, 6) covariances from the ENU frame at `origin_from` (lat_deg, lon_deg,
    alt_m) to the one at `origin_to`."""
    from shieldwall import geo  # pyproj behind it: loaded when first needed

    mean = np.atleast_2d(np.asarray(mean, dtype=float))
    covariance = np.asarray(covariance, dtype=float).reshape(-1, 6, 6)
    r_from, r_to = enu_rotation(*origin_from[:2]), enu_rotation(*origin_to[:2])
    o_from = np.array(geo.geodetic_to_ecef(*origin_from), dtype=float)
    o_to = np.array(geo.geodetic_to_ecef(*origin_to), dtype=float)
    rotation = r_to @ r_from.T
    out = np.empty_like(mean)
    out[:, :3] = mean[:, :3] @ rotation.T + r_to @ (o_from - o_to)
    out[:, 3:] = mean[:, 3:] @ rotation.T
    block = np.zeros((6, 6))
    block[:3, :3] = block[3:, 3:] = rotation
    return out, block @ covariance @ block.T
