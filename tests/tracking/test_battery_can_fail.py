"""The contract battery rejects trackers that break it: each check fails on a tracker built to
break what it checks."""

import numpy as np
import pytest

from shieldwall.tracking import ConstantVelocity, KalmanTracker, Measurements
from shieldwall.tracking.testing import check_consistent, check_deterministic, check_one_track_per_object


class Overconfident(KalmanTracker):
    """Believes the radar ten times more accurate than it is."""

    def track(self, measurements, rng=None):
        sigma = tuple(s / 10 for s in measurements.noise_sigma)
        return super().track(Measurements(**{**measurements.__dict__, "noise_sigma": sigma}), rng)


class Jittery(KalmanTracker):
    """Draws from its generator, so that two runs on the same input differ unless seeded alike."""

    def track(self, measurements, rng=None):
        history = super().track(measurements, rng)
        noise = np.random.default_rng().normal(0.0, 1.0, history.mean.shape)  # unseeded on purpose
        return type(history)(**{**history.__dict__, "mean": history.mean + noise})


class Stiff(KalmanTracker):
    """A gate so narrow that most detections start new tracks."""

    def __init__(self, motion):
        super().__init__(motion, gate_probability=1e-6)


def test_consistency_check_fails_an_overconfident_filter():
    with pytest.raises(AssertionError, match="NEES"):
        check_consistent(Overconfident(ConstantVelocity(1.0)))


def test_determinism_check_fails_an_unseeded_tracker():
    with pytest.raises(AssertionError, match="differs"):
        check_deterministic(Jittery(ConstantVelocity(1.0)))


def test_one_track_check_fails_a_tracker_that_breaks_tracks():
    with pytest.raises(AssertionError):
        check_one_track_per_object(Stiff(ConstantVelocity(1.0)))
