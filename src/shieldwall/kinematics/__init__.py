"""Threat trajectories: ballistic arcs and waypoint routes, sampled in time.

Every generator returns a :class:`Trajectories` batch in ``lat, lon, alt`` (degrees, metres).
"""

from shieldwall.kinematics._ballistic import (
    MU_EARTH_M3PS2,
    MinimumEnergyArc,
    ballistic_trajectories,
    minimum_energy_arc,
)
from shieldwall.kinematics._routes import route_trajectories
from shieldwall.kinematics._trajectories import Trajectories

__all__ = [
    "MU_EARTH_M3PS2",
    "MinimumEnergyArc",
    "Trajectories",
    "ballistic_trajectories",
    "minimum_energy_arc",
    "route_trajectories",
]
