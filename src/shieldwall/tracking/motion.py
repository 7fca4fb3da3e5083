"""Motion models of the trackers: a state (east_m, north_m, up_m, east_mps, north_mps, up_mps) in a
sensor's local east-north-up frame, propagated by a linear transition, a known acceleration and
white process noise.

Constant velocity: each axis is driven by continuous-time white noise acceleration of power
spectral density `noise_m2ps3` (m^2/s^3); over an interval dt the discretised process noise of
(position, velocity) on one axis is q [[dt^3/3, dt^2/2], [dt^2/2, dt]] (Bar-Shalom, Li and
Kirubarajan, *Estimation with Applications to Tracking and Navigation*, Wiley 2001, chapter 6: the
continuous white noise acceleration model). Stone Soup's `ConstantVelocity` uses the same
discretisation, which is what lets it serve as an oracle.

Ballistic: the same, plus gravity along -up, so that a coasting missile follows a parabola
(flat-Earth approximation: over a 100 km track the local vertical turns by under 1 degree; the
neglected Coriolis acceleration, at most 2 Omega v = 0.44 m/s^2 at 3 km/s with Omega = 7.29e-5
rad/s, and any drag are left to the process noise). g = 9.80665 m/s^2 is the standard acceleration
of gravity adopted by the 3rd General Conference on Weights and Measures (1901).

Coordinated turn: the state gains a seventh element, the turn rate omega (rad/s, counter-clockwise
from east towards north), and the horizontal velocity turns at that rate at constant speed; the
vertical axis is constant velocity. Over dt, with s = sin(omega dt), c = cos(omega dt):
    east += (s ve - (1 - c) vn) / omega,  north += ((1 - c) ve + s vn) / omega,
    ve, vn = c ve - s vn, s ve + c vn,  up += dt vu,  omega unchanged
(Bar-Shalom, Li and Kirubarajan 2001, chapter 11, the coordinated turn with unknown turn rate;
Li and Jilkov, "Survey of maneuvering target tracking, part I: dynamic models", IEEE Trans. AES
39(4), 2003, section V.A). The EKF predicts with this function's analytic Jacobian. Process noise:
the constant-velocity model's white acceleration on each axis plus a random walk of the turn rate,
q_omega dt, the discretisation of Stone Soup's `ConstantTurn` (its oracle in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldwall.tracking import _kernels

STANDARD_GRAVITY_MPS2 = 9.80665
STATE_SIZE = 6
"""Kinematic state: (east_m, north_m, up_m, east_mps, north_mps, up_mps). A model may carry more
elements after these (the coordinated turn's turn rate); track histories report these six."""


@dataclass(frozen=True)
class MotionModel:
    """White-noise-acceleration kinematics with a constant known acceleration along -up.

    noise_m2ps3: power spectral density of the white acceleration on each axis (m^2/s^3).
    gravity_mps2: downward acceleration added to the motion (0 for constant velocity).
    """

    noise_m2ps3: float
    gravity_mps2: float = 0.0
    name: str = "constant-velocity"
    state_size = STATE_SIZE
    extra_prior_variance = ()
    """Variances of a new track's elements beyond the kinematic six (none here)."""

    def __post_init__(self) -> None:
        if not (np.isfinite(self.noise_m2ps3) and self.noise_m2ps3 >= 0):
            raise ValueError(f"noise_m2ps3 must be finite and >= 0, got {self.noise_m2ps3}")
        if not (np.isfinite(self.gravity_mps2) and self.gravity_mps2 >= 0):
            raise ValueError(f"gravity_mps2 must be finite and >= 0, got {self.gravity_mps2}")

    def transition(self, dt_s: float) -> np.ndarray:
        """(6, 6) state transition over dt_s."""
        matrix = np.eye(STATE_SIZE)
        matrix[0:3, 3:6] = dt_s * np.eye(3)
        return matrix

    def process_noise(self, dt_s: float) -> np.ndarray:
        """(6, 6) discretised process noise over dt_s (Bar-Shalom et al., chapter 6)."""
        dt = abs(dt_s)
        block = self.noise_m2ps3 * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
        matrix = np.zeros((STATE_SIZE, STATE_SIZE))
        for axis in range(3):
            index = np.array([axis, axis + 3])
            matrix[np.ix_(index, index)] = block
        return matrix

    def acceleration_effect(self, dt_s: float) -> np.ndarray:
        """(6,) the known acceleration's effect over dt_s: -g dt^2/2 on up, -g dt on up speed."""
        effect = np.zeros(STATE_SIZE)
        effect[2] = -0.5 * self.gravity_mps2 * dt_s ** 2
        effect[5] = -self.gravity_mps2 * dt_s
        return effect

    def propagate(self, state: np.ndarray, dt_s: float) -> np.ndarray:
        """Mean propagation of a (6,) or (T, 6) state over dt_s (no noise). Elements beyond the
        sixth (another model's turn rate, in an IMM) are carried unchanged."""
        out = np.array(state, dtype=float, copy=True)
        out[..., :STATE_SIZE] = state[..., :STATE_SIZE] @ self.transition(dt_s).T + self.acceleration_effect(dt_s)
        return out

    def predict(self, mean: np.ndarray, covariance: np.ndarray, dt_s: np.ndarray) -> None:
        """EKF prediction in place of (T, d) means and (T, d, d) covariances over dt_s (T,), d >= 6.
        Elements beyond the sixth keep their values and variances (this model does not move them);
        their covariances with the kinematics move with the transition."""
        if mean.shape[1] == STATE_SIZE:
            _kernels.predict(mean, covariance, dt_s, float(self.noise_m2ps3), float(self.gravity_mps2))
            return
        kinematic_mean = np.ascontiguousarray(mean[:, :STATE_SIZE])
        kinematic_covariance = np.ascontiguousarray(covariance[:, :STATE_SIZE, :STATE_SIZE])
        _kernels.predict(kinematic_mean, kinematic_covariance, dt_s, float(self.noise_m2ps3), float(self.gravity_mps2))
        cross = covariance[:, :STATE_SIZE, STATE_SIZE:].copy()
        cross[:, 0:3] += np.asarray(dt_s, dtype=float)[:, None, None] * cross[:, 3:6]
        mean[:, :STATE_SIZE] = kinematic_mean
        covariance[:, :STATE_SIZE, :STATE_SIZE] = kinematic_covariance
        covariance[:, :STATE_SIZE, STATE_SIZE:] = cross
        covariance[:, STATE_SIZE:, :STATE_SIZE] = cross.transpose(0, 2, 1)


def ConstantVelocity(noise_m2ps3: float) -> MotionModel:  # noqa: N802 (a model name, like Stone Soup's)
    """Nearly constant velocity: drones and cruise missiles between turns."""
    return MotionModel(noise_m2ps3=noise_m2ps3, gravity_mps2=0.0, name="constant-velocity")


def Ballistic(noise_m2ps3: float, gravity_mps2: float = STANDARD_GRAVITY_MPS2) -> MotionModel:  # noqa: N802
    """Unpowered flight under gravity: ballistic missiles after burnout."""
    return MotionModel(noise_m2ps3=noise_m2ps3, gravity_mps2=gravity_mps2, name="ballistic")


TURN_STATE_SIZE = 7
SMALL_TURN_RAD = 1e-2
"""Below this turn over one step (omega dt, rad) the turn's coefficients come from their Taylor
series, whose next terms are then below 1e-10 relative: the closed forms divide differences that
cancel to nothing as omega goes to 0."""


def _turn_coefficients(turn_rate_radps: np.ndarray, dt_s: np.ndarray) -> tuple[np.ndarray, ...]:
    """sin(x)/omega, (1 - cos x)/omega and their derivatives in omega, with x = omega dt."""
    omega = np.asarray(turn_rate_radps, dtype=float)
    dt = np.broadcast_to(np.asarray(dt_s, dtype=float), omega.shape)
    x = omega * dt
    small = np.abs(x) < SMALL_TURN_RAD
    safe = np.where(small, 1.0, omega)
    s, c = np.sin(x), np.cos(x)
    x2 = x * x
    a = np.where(small, dt * (1 - x2 / 6 + x2 * x2 / 120), s / safe)
    b = np.where(small, dt * x * (0.5 - x2 / 24 + x2 * x2 / 720), (1 - c) / safe)
    da = np.where(small, dt * dt * x * (-1 / 3 + x2 / 30), (dt * c * safe - s) / safe ** 2)
    db = np.where(small, dt * dt * (0.5 - x2 / 8 + x2 * x2 / 144), (dt * s * safe - (1 - c)) / safe ** 2)
    return s, c, a, b, da, db


@dataclass(frozen=True)
class CoordinatedTurn:
    """Horizontal turn at an unknown, nearly constant rate; the turn rate is the state's seventh
    element (rad/s, counter-clockwise seen from above). Drones and cruise missiles manoeuvring.

    noise_m2ps3: power spectral density of the white acceleration on each axis (m^2/s^3).
    turn_noise_rad2ps3: power spectral density of the turn rate's random walk (rad^2/s^3): its
    variance grows by this much per second.
    initial_turn_rate_sigma_radps: standard deviation of a new track's turn rate (mean 0).
    """

    noise_m2ps3: float
    turn_noise_rad2ps3: float
    initial_turn_rate_sigma_radps: float = 0.05
    gravity_mps2 = 0.0
    name = "coordinated-turn"
    state_size = TURN_STATE_SIZE

    def __post_init__(self) -> None:
        for field in ("noise_m2ps3", "turn_noise_rad2ps3"):
            value = getattr(self, field)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{field} must be finite and >= 0, got {value}")
        if not (np.isfinite(self.initial_turn_rate_sigma_radps) and self.initial_turn_rate_sigma_radps > 0):
            raise ValueError("initial_turn_rate_sigma_radps must be finite and > 0")

    @property
    def extra_prior_variance(self) -> tuple[float]:
        return (self.initial_turn_rate_sigma_radps ** 2,)

    def propagate(self, state: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
        """Mean propagation of a (7,) or (T, 7) state over dt_s (no noise): the arc of a circle."""
        state = np.asarray(state, dtype=float)
        s, c, a, b, _, _ = _turn_coefficients(state[..., 6], dt_s)
        ve, vn = state[..., 3], state[..., 4]
        out = state.copy()
        out[..., 0] += a * ve - b * vn
        out[..., 1] += b * ve + a * vn
        out[..., 2] += dt_s * state[..., 5]
        out[..., 3] = c * ve - s * vn
        out[..., 4] = s * ve + c * vn
        return out

    def jacobian(self, state: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
        """(T, 7, 7) Jacobian of `propagate` at (T, 7) states."""
        state = np.atleast_2d(np.asarray(state, dtype=float))
        dt = np.broadcast_to(np.asarray(dt_s, dtype=float), state.shape[:1])
        s, c, a, b, da, db = _turn_coefficients(state[:, 6], dt)
        ve, vn = state[:, 3], state[:, 4]
        out = np.broadcast_to(np.eye(TURN_STATE_SIZE), (state.shape[0], 7, 7)).copy()
        out[:, 0, 3], out[:, 0, 4], out[:, 0, 6] = a, -b, da * ve - db * vn
        out[:, 1, 3], out[:, 1, 4], out[:, 1, 6] = b, a, db * ve + da * vn
        out[:, 2, 5] = dt
        out[:, 3, 3], out[:, 3, 4], out[:, 3, 6] = c, -s, -dt * (s * ve + c * vn)
        out[:, 4, 3], out[:, 4, 4], out[:, 4, 6] = s, c, dt * (c * ve - s * vn)
        return out

    def process_noise(self, dt_s: float | np.ndarray) -> np.ndarray:
        """(7, 7), or (T, 7, 7) for T intervals: white acceleration on each axis as in MotionModel,
        and q_omega dt on the turn rate."""
        dt = np.abs(np.asarray(dt_s, dtype=float))
        matrix = np.zeros(dt.shape + (TURN_STATE_SIZE, TURN_STATE_SIZE))
        for axis in range(3):
            matrix[..., axis, axis] = self.noise_m2ps3 * dt ** 3 / 3
            matrix[..., axis, axis + 3] = matrix[..., axis + 3, axis] = self.noise_m2ps3 * dt ** 2 / 2
            matrix[..., axis + 3, axis + 3] = self.noise_m2ps3 * dt
        matrix[..., 6, 6] = self.turn_noise_rad2ps3 * dt
        return matrix

    def predict(self, mean: np.ndarray, covariance: np.ndarray, dt_s: np.ndarray) -> None:
        """EKF prediction in place: x = f(x), P = F P F' + Q with F the analytic Jacobian."""
        dt = np.asarray(dt_s, dtype=float)
        jacobian = self.jacobian(mean, dt)
        mean[:] = self.propagate(mean, dt)
        predicted = jacobian @ covariance @ jacobian.transpose(0, 2, 1) + self.process_noise(dt)
        covariance[:] = 0.5 * (predicted + predicted.transpose(0, 2, 1))
