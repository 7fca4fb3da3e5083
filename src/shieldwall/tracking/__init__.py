"""The common picture: radar measurements, trackers, association, fusion and their scores."""

from shieldwall.tracking.association import gnn, jpda
from shieldwall.tracking.base import FALSE_ALARM, Measurements, Tracker, TrackHistory
from shieldwall.tracking.confirmation import firm_look
from shieldwall.tracking.frames import change_frame, enu_rotation
from shieldwall.tracking.fusion import covariance_intersection, fuse_pictures
from shieldwall.tracking.imm import ImmTracker
from shieldwall.tracking.kalman import KalmanTracker
from shieldwall.tracking.measurements import Radar, radar_from_catalog
from shieldwall.tracking.metrics import nees, ospa
from shieldwall.tracking.motion import (STANDARD_GRAVITY_MPS2, Ballistic, ConstantVelocity, CoordinatedTurn,
                                       DragBallistic, MotionModel)

__all__ = [
    "FALSE_ALARM",
    "STANDARD_GRAVITY_MPS2",
    "Ballistic",
    "ConstantVelocity",
    "CoordinatedTurn",
    "DragBallistic",
    "ImmTracker",
    "KalmanTracker",
    "Measurements",
    "MotionModel",
    "Radar",
    "TrackHistory",
    "Tracker",
    "change_frame",
    "covariance_intersection",
    "enu_rotation",
    "firm_look",
    "fuse_pictures",
    "gnn",
    "jpda",
    "nees",
    "ospa",
    "radar_from_catalog",
]
