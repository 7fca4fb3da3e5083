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

    def process_noise(self, dt_s: float | np.ndarray) -> np.ndarray:
        """(6, 6) discretised process noise over dt_s, or (T, 6, 6) for T intervals (Bar-Shalom et
        al., chapter 6)."""
        dt = np.abs(np.asarray(dt_s, dtype=float))
        block = self.noise_m2ps3 * np.stack([np.stack([dt ** 3 / 3, dt ** 2 / 2], axis=-1),
                                             np.stack([dt ** 2 / 2, dt], axis=-1)], axis=-2)
        # (position, velocity) blocks of the three axes: [[a I, b I], [b I, c I]].
        return np.kron(block, np.eye(3))

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


def Ballistic(noise_m2ps3: float, gravity_mps2: float = STANDARD_GRAVITY_MPS2,  # noqa: N802
              ballistic_coefficient_kgpm2: float | None = None) -> "MotionModel | DragBallistic":
    """Unpowered flight under gravity: ballistic missiles after burnout; with a ballistic
    coefficient (kg/m^2), also air drag (DragBallistic)."""
    if ballistic_coefficient_kgpm2 is not None:
        return DragBallistic(noise_m2ps3=noise_m2ps3, ballistic_coefficient_kgpm2=ballistic_coefficient_kgpm2,
                             gravity_mps2=gravity_mps2)
    return MotionModel(noise_m2ps3=noise_m2ps3, gravity_mps2=gravity_mps2, name="ballistic")


SEA_LEVEL_AIR_DENSITY_KGPM3 = 1.225
"""U.S. Standard Atmosphere, 1976 (NOAA, NASA and USAF), density at sea level."""
ATMOSPHERE_SCALE_HEIGHT_M = 8_500.0
"""Scale height of the Earth's atmosphere, NASA's Earth Fact Sheet (NSSDC). Against the 1976
standard atmosphere the exponential law is 9 % high at 10 km and twice as dense at 30 km: drag
above some 25 km is overstated, where it is small beside gravity for a ballistic coefficient of
thousands of kg/m^2."""
DRAG_STEP_S = 0.25
"""Longest step of the fourth-order Runge-Kutta integration of the drag model; its error against
an adaptive integrator at a 1e-10 tolerance is checked in a test."""


@dataclass(frozen=True)
class DragBallistic:
    """Unpowered flight under gravity and air drag, in a flat-Earth frame (as Ballistic):
        d(position)/dt = v,  d(v)/dt = -g up - rho(up) |v| v / (2 beta),
    with beta = m / (C_D A) the ballistic coefficient (kg/m^2) and rho(h) = rho_0 exp(-h / H) an
    exponential atmosphere (rho_0 and H: module constants, sourced there). Zarchan, *Tactical and
    Strategic Missile Guidance*, AIAA, ch. on re-entry, and Li and Jilkov, "Survey of maneuvering
    target tracking, part II: motion models of ballistic and space targets", IEEE Trans. AES 46(1),
    2010, write the re-entry vehicle's drag the same way. The mean is integrated by fourth-order
    Runge-Kutta in steps of at most DRAG_STEP_S; the EKF's transition matrix is the exact
    derivative of that integration (the stages' tangents carried along). Process noise: white
    acceleration of density `noise_m2ps3` per axis, discretised as for constant velocity. States
    have the six kinematic elements only.
    """

    noise_m2ps3: float
    ballistic_coefficient_kgpm2: float
    gravity_mps2: float = STANDARD_GRAVITY_MPS2
    sea_level_density_kgpm3: float = SEA_LEVEL_AIR_DENSITY_KGPM3
    scale_height_m: float = ATMOSPHERE_SCALE_HEIGHT_M
    name = "ballistic-drag"
    state_size = STATE_SIZE
    extra_prior_variance = ()

    def __post_init__(self) -> None:
        for field in ("noise_m2ps3", "gravity_mps2", "sea_level_density_kgpm3"):
            value = getattr(self, field)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{field} must be finite and >= 0, got {value}")
        for field in ("ballistic_coefficient_kgpm2", "scale_height_m"):
            value = getattr(self, field)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{field} must be finite and > 0, got {value}")

    def acceleration(self, state: np.ndarray) -> np.ndarray:
        """(..., 3) acceleration at (..., 6) states: gravity and drag."""
        velocity = state[..., 3:6]
        speed = np.linalg.norm(velocity, axis=-1, keepdims=True)
        density = self.sea_level_density_kgpm3 * np.exp(-state[..., 2:3] / self.scale_height_m)
        out = -density * speed * velocity / (2.0 * self.ballistic_coefficient_kgpm2)
        out[..., 2] -= self.gravity_mps2
        return out

    def _rate_and_derivative(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T, 6) time derivative of (T, 6) states and its (T, 6, 6) Jacobian."""
        velocity = state[:, 3:6]
        speed = np.linalg.norm(velocity, axis=1)
        density = self.sea_level_density_kgpm3 * np.exp(-state[:, 2] / self.scale_height_m)
        drag = density / (2.0 * self.ballistic_coefficient_kgpm2)  # acceleration = -drag |v| v
        rate = np.concatenate([velocity, self.acceleration(state)], axis=1)
        derivative = np.zeros((state.shape[0], 6, 6))
        derivative[:, 0:3, 3:6] = np.eye(3)
        # d(|v| v)/dv = |v| I + v v' / |v| (0 at rest); d(rho)/d(up) = -rho / H.
        unit = velocity / np.where(speed > 0, speed, 1.0)[:, None]
        derivative[:, 3:6, 3:6] = -drag[:, None, None] * (
            speed[:, None, None] * np.eye(3) + speed[:, None, None] * unit[:, :, None] * unit[:, None, :])
        derivative[:, 3:6, 2] = (drag * speed / self.scale_height_m)[:, None] * velocity
        return rate, derivative

    def _integrate(self, state: np.ndarray, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RK4 of (T, 6) states over dt_s (T,): (states, (T, 6, 6) derivative of the map)."""
        x = np.array(state, dtype=float)
        dt = np.broadcast_to(np.asarray(dt_s, dtype=float), x.shape[:1])
        steps = np.maximum(np.ceil(np.abs(dt) / DRAG_STEP_S), 1).astype(np.int64)
        tangent = np.broadcast_to(np.eye(STATE_SIZE), (x.shape[0], 6, 6)).copy()
        for step in range(int(steps.max(initial=0))):
            h = np.where(step < steps, dt / steps, 0.0)
            hh = h[:, None]
            k1, d1 = self._rate_and_derivative(x)
            k2, d2 = self._rate_and_derivative(x + 0.5 * hh * k1)
            k3, d3 = self._rate_and_derivative(x + 0.5 * hh * k2)
            k4, d4 = self._rate_and_derivative(x + hh * k3)
            # Each stage's derivative with respect to the step's start, then the step's.
            h3 = h[:, None, None]
            j1 = d1
            j2 = d2 @ (np.eye(6) + 0.5 * h3 * j1)
            j3 = d3 @ (np.eye(6) + 0.5 * h3 * j2)
            j4 = d4 @ (np.eye(6) + h3 * j3)
            x = x + hh / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            tangent = (np.eye(6) + h3 / 6.0 * (j1 + 2 * j2 + 2 * j3 + j4)) @ tangent
        return x, tangent

    def propagate(self, state: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
        """Mean propagation of a (6,) or (T, 6) state over dt_s (no noise)."""
        state = np.asarray(state, dtype=float)
        return self._integrate(np.atleast_2d(state), dt_s)[0].reshape(state.shape)

    def jacobian(self, state: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
        """(T, 6, 6) Jacobian of `propagate` at (T, 6) states."""
        return self._integrate(np.atleast_2d(np.asarray(state, dtype=float)), dt_s)[1]

    def process_noise(self, dt_s: float | np.ndarray) -> np.ndarray:
        """(6, 6), or (T, 6, 6), as constant velocity's (drag and gravity are deterministic)."""
        return ConstantVelocity(self.noise_m2ps3).process_noise(dt_s)

    def predict(self, mean: np.ndarray, covariance: np.ndarray, dt_s: np.ndarray) -> None:
        """EKF prediction in place of (T, 6) means and covariances: x = f(x), P = F P F' + Q."""
        dt = np.asarray(dt_s, dtype=float)
        propagated, jacobian = self._integrate(mean, dt)
        predicted = jacobian @ covariance @ jacobian.transpose(0, 2, 1) + self.process_noise(dt)
        mean[:] = propagated
        covariance[:] = 0.5 * (predicted + predicted.transpose(0, 2, 1))


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
        matrix[..., :STATE_SIZE, :STATE_SIZE] = ConstantVelocity(self.noise_m2ps3).process_noise(dt)
        matrix[..., 6, 6] = self.turn_noise_rad2ps3 * dt
        return matrix

    def predict(self, mean: np.ndarray, covariance: np.ndarray, dt_s: np.ndarray) -> None:
        """EKF prediction in place: x = f(x), P = F P F' + Q with F the analytic Jacobian."""
        dt = np.asarray(dt_s, dtype=float)
        jacobian = self.jacobian(mean, dt)
        mean[:] = self.propagate(mean, dt)
        predicted = jacobian @ covariance @ jacobian.transpose(0, 2, 1) + self.process_noise(dt)
        covariance[:] = 0.5 * (predicted + predicted.transpose(0, 2, 1))
