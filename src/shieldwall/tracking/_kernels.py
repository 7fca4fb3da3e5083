"""Compiled inner loops of the Kalman trackers, each vectorised over tracks (or gated pairs).

State: (east_m, north_m, up_m, east_mps, north_mps, up_mps) in the sensor's frame. Measurement:
(range_m, bearing_rad clockwise from north, elevation_rad above the local horizontal).

Extended Kalman filter equations (Bar-Shalom, Li and Kirubarajan 2001, chapter 10):
    predict: x = F x + a,  P = F P F' + Q
    update:  S = H P H' + R,  K = P H' S^-1,  x = x + K nu,  P = P - K S K'
with H the Jacobian of the measurement function at the predicted state and nu the innovation,
its bearing wrapped to (-pi, pi].
"""

from __future__ import annotations

import numpy as np

from shieldwall._compiled import kernel

TWO_PI = 2.0 * np.pi


@kernel
def predict(mean, covariance, dt_s, noise_m2ps3, gravity_mps2):
    """Predict every track i over dt_s[i] in place (constant velocity plus gravity along -up)."""
    for i in range(mean.shape[0]):
        dt = dt_s[i]
        if dt == 0.0:
            continue
        for axis in range(3):
            mean[i, axis] += dt * mean[i, axis + 3]
        mean[i, 2] -= 0.5 * gravity_mps2 * dt * dt
        mean[i, 5] -= gravity_mps2 * dt
        # P <- F P F' with F = [[I, dt I], [0, I]]: rows then columns of position += dt * velocity.
        p = covariance[i]
        for axis in range(3):
            for col in range(6):
                p[axis, col] += dt * p[axis + 3, col]
        for axis in range(3):
            for row in range(6):
                p[row, axis] += dt * p[row, axis + 3]
        adt = abs(dt)
        q_pp = noise_m2ps3 * adt * adt * adt / 3.0
        q_pv = noise_m2ps3 * adt * adt / 2.0
        q_vv = noise_m2ps3 * adt
        for axis in range(3):
            p[axis, axis] += q_pp
            p[axis, axis + 3] += q_pv
            p[axis + 3, axis] += q_pv
            p[axis + 3, axis + 3] += q_vv


@kernel
def predict_measurements(mean, covariance, noise_variance):
    """Predicted measurement, Jacobian, innovation covariance S and its inverse for every track.

    noise_variance: (3,) variances of range (m^2), bearing and elevation (rad^2)."""
    n = mean.shape[0]
    predicted = np.empty((n, 3))
    jacobian = np.zeros((n, 3, 6))
    innovation_cov = np.empty((n, 3, 3))
    inverse = np.empty((n, 3, 3))
    for i in range(n):
        e, nn, u = mean[i, 0], mean[i, 1], mean[i, 2]
        rho2 = e * e + nn * nn
        rho = np.sqrt(rho2)
        r2 = rho2 + u * u
        r = np.sqrt(r2)
        predicted[i, 0] = r
        predicted[i, 1] = np.arctan2(e, nn) % TWO_PI
        predicted[i, 2] = np.arctan2(u, rho)
        h = jacobian[i]
        h[0, 0], h[0, 1], h[0, 2] = e / r, nn / r, u / r
        h[1, 0], h[1, 1] = nn / rho2, -e / rho2
        h[2, 0], h[2, 1], h[2, 2] = -e * u / (r2 * rho), -nn * u / (r2 * rho), rho / r2
        # S = H P H' + R; H has zeros in the velocity columns.
        p = covariance[i]
        hp = np.zeros((3, 6))
        for a in range(3):
            for c in range(6):
                acc = 0.0
                for b in range(3):
                    acc += h[a, b] * p[b, c]
                hp[a, c] = acc
        s = innovation_cov[i]
        for a in range(3):
            for c in range(3):
                acc = 0.0
                for b in range(3):
                    acc += hp[a, b] * h[c, b]
                s[a, c] = acc
            s[a, a] += noise_variance[a]
        for a in range(3):
            for c in range(a + 1, 3):
                sym = 0.5 * (s[a, c] + s[c, a])
                s[a, c] = sym
                s[c, a] = sym
        inverse[i] = _inverse3(s)
    return predicted, jacobian, innovation_cov, inverse


@kernel
def _inverse3(s):
    """Inverse of a 3x3 matrix by cofactors (S is symmetric positive definite here)."""
    out = np.empty((3, 3))
    out[0, 0] = s[1, 1] * s[2, 2] - s[1, 2] * s[2, 1]
    out[0, 1] = s[0, 2] * s[2, 1] - s[0, 1] * s[2, 2]
    out[0, 2] = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
    out[1, 0] = s[1, 2] * s[2, 0] - s[1, 0] * s[2, 2]
    out[1, 1] = s[0, 0] * s[2, 2] - s[0, 2] * s[2, 0]
    out[1, 2] = s[0, 2] * s[1, 0] - s[0, 0] * s[1, 2]
    out[2, 0] = s[1, 0] * s[2, 1] - s[1, 1] * s[2, 0]
    out[2, 1] = s[0, 1] * s[2, 0] - s[0, 0] * s[2, 1]
    out[2, 2] = s[0, 0] * s[1, 1] - s[0, 1] * s[1, 0]
    det = s[0, 0] * out[0, 0] + s[0, 1] * out[1, 0] + s[0, 2] * out[2, 0]
    return out / det


@kernel
def _wrap(angle_rad):
    """Angle difference wrapped to (-pi, pi]."""
    wrapped = (angle_rad + np.pi) % TWO_PI - np.pi
    return np.pi if wrapped == -np.pi else wrapped


@kernel
def _distance2(predicted, inverse, i, z, j):
    d0 = z[j, 0] - predicted[i, 0]
    d1 = _wrap(z[j, 1] - predicted[i, 1])
    d2 = z[j, 2] - predicted[i, 2]
    s = inverse[i]
    return (d0 * (s[0, 0] * d0 + s[0, 1] * d1 + s[0, 2] * d2)
            + d1 * (s[1, 0] * d0 + s[1, 1] * d1 + s[1, 2] * d2)
            + d2 * (s[2, 0] * d0 + s[2, 1] * d1 + s[2, 2] * d2))


@kernel
def gate(predicted, innovation_cov, inverse, measured, range_order, gate_distance2):
    """Every (track, measurement) pair whose squared Mahalanobis distance is within the gate.

    Measurements are visited in range order (`range_order` sorts measured[:, 0]); a pair can only
    pass if its range innovation alone does, |dr| <= sqrt(gate * S_rr) (the Mahalanobis distance
    is at least the marginal one), so each track looks at a band of ranges only.
    Returns (track, measurement, distance2) arrays."""
    n_tracks = predicted.shape[0]
    sorted_range = measured[range_order, 0]
    capacity = 4 * n_tracks + 16
    tracks = np.empty(capacity, np.int64)
    meas = np.empty(capacity, np.int64)
    dist2 = np.empty(capacity)
    count = 0
    for i in range(n_tracks):
        half = np.sqrt(gate_distance2 * innovation_cov[i, 0, 0])
        lo = np.searchsorted(sorted_range, predicted[i, 0] - half, side="left")
        hi = np.searchsorted(sorted_range, predicted[i, 0] + half, side="right")
        for k in range(lo, hi):
            j = range_order[k]
            d2 = _distance2(predicted, inverse, i, measured, j)
            if d2 <= gate_distance2:
                if count == capacity:
                    capacity *= 2
                    tracks = _grow_int(tracks, capacity)
                    meas = _grow_int(meas, capacity)
                    dist2 = _grow_float(dist2, capacity)
                tracks[count] = i
                meas[count] = j
                dist2[count] = d2
                count += 1
    return tracks[:count], meas[:count], dist2[:count]


@kernel
def _grow_int(array, capacity):
    out = np.empty(capacity, np.int64)
    out[: array.shape[0]] = array
    return out


@kernel
def _grow_float(array, capacity):
    out = np.empty(capacity)
    out[: array.shape[0]] = array
    return out


@kernel
def update(mean, covariance, predicted, jacobian, innovation_cov, inverse, measured, tracks, meas):
    """Kalman update of track tracks[k] with measurement meas[k], in place."""
    for k in range(tracks.shape[0]):
        i, j = tracks[k], meas[k]
        nu = np.empty(3)
        nu[0] = measured[j, 0] - predicted[i, 0]
        nu[1] = _wrap(measured[j, 1] - predicted[i, 1])
        nu[2] = measured[j, 2] - predicted[i, 2]
        p = covariance[i]
        h = jacobian[i]
        # P H' (6x3), then K = P H' S^-1
        pht = np.zeros((6, 3))
        for a in range(6):
            for c in range(3):
                acc = 0.0
                for b in range(3):
                    acc += p[a, b] * h[c, b]
                pht[a, c] = acc
        gain = pht @ inverse[i]
        for a in range(6):
            mean[i, a] += gain[a, 0] * nu[0] + gain[a, 1] * nu[1] + gain[a, 2] * nu[2]
        # P - K S K' = P - K (P H')'; symmetrised against rounding.
        p -= gain @ pht.T
        for a in range(6):
            for c in range(a + 1, 6):
                sym = 0.5 * (p[a, c] + p[c, a])
                p[a, c] = sym
                p[c, a] = sym


@kernel
def initiate(measured, noise_variance, speed_variance_m2ps2):
    """Single-measurement initiation: position from the inverted measurement, its covariance
    J R J' (J the Jacobian of the inverse map at the measurement), velocity 0 with variance
    `speed_variance_m2ps2` per axis."""
    n = measured.shape[0]
    mean = np.zeros((n, 6))
    covariance = np.zeros((n, 6, 6))
    for k in range(n):
        r, b, el = measured[k, 0], measured[k, 1], measured[k, 2]
        ce, se, cb, sb = np.cos(el), np.sin(el), np.cos(b), np.sin(b)
        mean[k, 0] = r * ce * sb
        mean[k, 1] = r * ce * cb
        mean[k, 2] = r * se
        jac = np.empty((3, 3))
        jac[0, 0], jac[0, 1], jac[0, 2] = ce * sb, r * ce * cb, -r * se * sb
        jac[1, 0], jac[1, 1], jac[1, 2] = ce * cb, -r * ce * sb, -r * se * cb
        jac[2, 0], jac[2, 1], jac[2, 2] = se, 0.0, r * ce
        for a in range(3):
            for c in range(3):
                acc = 0.0
                for m in range(3):
                    acc += jac[a, m] * noise_variance[m] * jac[c, m]
                covariance[k, a, c] = acc
        for a in range(3, 6):
            covariance[k, a, a] = speed_variance_m2ps2
    return mean, covariance
