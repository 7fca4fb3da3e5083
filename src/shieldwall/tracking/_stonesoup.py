"""The same tracker built from Stone Soup's components, as an oracle for tests and benchmarks.

Stone Soup (Dstl's open tracking framework, https://github.com/dstl/Stone-Soup) is imported here
only, lazily: it is a test dependency, not a runtime one. It is given shieldwall's measurement
sets (never its own simulators, which draw from NumPy's global generator) and the same models:
constant velocity with the same noise density, or the coordinated turn as Stone Soup's
`ConstantTurn` (east-north, with the turn rate) beside a constant velocity on up; the same polar
measurement model and noise, the same Mahalanobis gate as GNN's missed-detection distance,
single-measurement initiation with the same velocity (and turn rate) prior, confirmation after M
detections (MultiMeasurementInitiator, a tentative track dropped after N - M + 1 scans in a row
without a detection: exactly M-of-N for 2-of-3) and deletion after the same number of misses.
With JPDA, firm tracks take their detections through Stone Soup's `JPDA` (every joint event
enumerated) or `JPDAwithEHM` (the same marginals by efficient hypothesis management, Maskell,
Briers and Wright 2004) with a `PDAHypothesiser` of the same Pd, gate and clutter density, in its
`MultiTargetMixtureTracker`; tentative tracks keep GNN, as shieldwall's do.

Frames: Stone Soup's state is (x, vx, y, vy, z, vz) with bearing atan2(y, x) counter-clockwise
from x; shieldwall's is (east, north, up, v_east, v_north, v_up) with bearing clockwise from
north. With x = east and y = north, Stone Soup's bearing is pi/2 minus shieldwall's.
"""

from __future__ import annotations

import datetime

import numpy as np
from scipy.stats import chi2

from shieldwall.tracking.base import Measurements
from shieldwall.tracking.motion import CoordinatedTurn, MotionModel

EPOCH = datetime.datetime(2024, 4, 14)
TO_STONE_SOUP = np.array([0, 3, 1, 4, 2, 5])
"""Stone Soup's state element i is shieldwall's element TO_STONE_SOUP[i]."""
TURN_TO_STONE_SOUP = np.array([0, 3, 1, 4, 6, 2, 5])
"""The same with the turn: Stone Soup's (x, vx, y, vy, omega, z, vz)."""


def track(measurements: Measurements, motion: MotionModel | CoordinatedTurn, confirm: tuple[int, int] = (2, 3),
          delete_after_misses: int = 3, gate_probability: float = 0.999, initial_speed_sigma_mps: float = 300.0,
          association: str = "gnn", detection_probability: float = 0.9,
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per scan, the (ids, (n, 6) means in shieldwall's state order) of Stone Soup's firm tracks.
    motion: shieldwall's ConstantVelocity or CoordinatedTurn, rebuilt from Stone Soup's models.
    association: "gnn", "jpda" (Stone Soup's JPDA) or "jpda-ehm" (its JPDAwithEHM)."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.probability import JPDA, JPDAwithEHM
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.models.transition.base import CombinedGaussianTransitionModel
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.models.transition.nonlinear import ConstantTurn
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import CovarianceMatrix, StateVector
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    sigma = np.maximum(np.asarray(measurements.noise_sigma, dtype=float) ** 2, 1e-12)
    speed_var = initial_speed_sigma_mps ** 2
    q = float(motion.noise_m2ps3)
    if motion.state_size == 7:
        order = TURN_TO_STONE_SOUP
        mapping = (0, 2, 5)
        transition = CombinedGaussianTransitionModel([ConstantTurn(np.array([q, q]), motion.turn_noise_rad2ps3),
                                                      ConstantVelocity(q)])
        prior_variance = [0, speed_var, 0, speed_var, *motion.extra_prior_variance, 0, speed_var]
    else:
        order = TO_STONE_SOUP
        mapping = (0, 2, 4)
        transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)
        prior_variance = [0, speed_var] * 3
    measurement_model = CartesianToElevationBearingRange(
        ndim_state=order.size, mapping=mapping, noise_covar=np.diag([sigma[2], sigma[1], sigma[0]]))
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model)
    missed = float(np.sqrt(chi2.ppf(gate_probability, 3)))
    associator = GNNWith2DAssignment(DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=missed))
    prior = GaussianState(StateVector(np.zeros(order.size)), CovarianceMatrix(np.diag(prior_variance)))
    m_needed, n_window = confirm
    initiator = MultiMeasurementInitiator(
        prior, deleter=UpdateTimeStepsDeleter(n_window - m_needed + 1), data_associator=associator,
        updater=updater, measurement_model=measurement_model, min_points=m_needed)

    scans = []
    for k in range(measurements.n_scans):
        when = EPOCH + datetime.timedelta(seconds=float(measurements.scan_t_s[k]))
        detections = {
            Detection(StateVector([Elevation(el), Bearing(np.pi / 2 - b), r]), timestamp=when,
                      measurement_model=measurement_model)
            for r, b, el in measurements.scan(k)
        }
        scans.append((when, detections))
    deleter = UpdateTimeStepsDeleter(delete_after_misses)
    if association == "gnn":
        tracker = MultiTargetTracker(initiator=initiator, deleter=deleter, detector=scans,
                                     data_associator=associator, updater=updater)
    else:
        hypothesiser = PDAHypothesiser(predictor, updater, clutter_spatial_density=measurements.clutter_density,
                                       prob_detect=detection_probability, prob_gate=gate_probability)
        joint = {"jpda": JPDA, "jpda-ehm": JPDAwithEHM}[association](hypothesiser)
        tracker = MultiTargetMixtureTracker(initiator=initiator, deleter=deleter, detector=scans,
                                            data_associator=joint, updater=updater)
    out = []
    for _, tracks in tracker:
        tracks = sorted(tracks, key=lambda t: t.id)
        means = np.array([np.asarray(t.state_vector, dtype=float).ravel() for t in tracks]).reshape(-1, order.size)
        shieldwall_order = np.empty_like(means)
        shieldwall_order[:, order] = means
        out.append((np.array([t.id for t in tracks]), shieldwall_order[:, :6]))
    return out
