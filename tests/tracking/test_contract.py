"""Every tracker against the shared contract battery (shieldwall.tracking.testing)."""

import pytest

from shieldwall.tracking import Ballistic, ConstantVelocity, CoordinatedTurn, ImmTracker, KalmanTracker
from shieldwall.tracking.testing import CHECKS

TRACKERS = {
    "kalman-constant-velocity": KalmanTracker(ConstantVelocity(noise_m2ps3=1.0)),
    "kalman-constant-velocity-3-of-5": KalmanTracker(ConstantVelocity(noise_m2ps3=5.0), confirm=(3, 5),
                                                     delete_after_misses=5),
    "kalman-ballistic": KalmanTracker(Ballistic(noise_m2ps3=1.0), initial_speed_sigma_mps=2_000.0),
    "imm-constant-velocity": ImmTracker((ConstantVelocity(1.0), ConstantVelocity(50.0))),
    "imm-ballistic": ImmTracker((Ballistic(1.0), Ballistic(50.0)), initial_speed_sigma_mps=2_000.0),
    "kalman-ballistic-drag": KalmanTracker(Ballistic(1.0, ballistic_coefficient_kgpm2=3_000.0),
                                           initial_speed_sigma_mps=2_000.0),
    "kalman-coordinated-turn": KalmanTracker(CoordinatedTurn(noise_m2ps3=1.0, turn_noise_rad2ps3=1e-5)),
    "imm-constant-velocity-coordinated-turn": ImmTracker((ConstantVelocity(1.0), CoordinatedTurn(1.0, 1e-4))),
    "kalman-constant-velocity-jpda": KalmanTracker(ConstantVelocity(noise_m2ps3=1.0), association="jpda"),
    "kalman-coordinated-turn-jpda": KalmanTracker(CoordinatedTurn(1.0, 1e-5), association="jpda"),
}


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("tracker", TRACKERS, ids=str)
def test_contract(tracker, check):
    check(TRACKERS[tracker])
