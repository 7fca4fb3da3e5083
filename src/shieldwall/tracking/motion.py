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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STANDARD_GRAVITY_MPS2 = 9.80665
STATE_SIZE = 6


@dataclass(frozen=True)
class MotionModel:
    """White-noise-acceleration kinematics with a constant known acceleration along -up.

    noise_m2ps3: power spectral density of the white acceleration on each axis (m^2/s^3).
    gravity_mps2: downward acceleration added to the motion (0 for constant velocity).
    """

    noise_m2ps3: float
    gravity_mps2: float = 0.0
    name: str = "constant-velocity"

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
        """Mean propagation of a (6,) or (T, 6) state over dt_s (no noise)."""
        return state @ self.transition(dt_s).T + self.acceleration_effect(dt_s)


def ConstantVelocity(noise_m2ps3: float) -> MotionModel:  # noqa: N802 (a model name, like Stone Soup's)
    """Nearly constant velocity: drones and cruise missiles between turns."""
    return MotionModel(noise_m2ps3=noise_m2ps3, gravity_mps2=0.0, name="constant-velocity")


def Ballistic(noise_m2ps3: float, gravity_mps2: float = STANDARD_GRAVITY_MPS2) -> MotionModel:  # noqa: N802
    """Unpowered flight under gravity: ballistic missiles after burnout."""
    return MotionModel(noise_m2ps3=noise_m2ps3, gravity_mps2=gravity_mps2, name="ballistic")
