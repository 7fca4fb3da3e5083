"""Sensing at each fidelity, and the release of tracks to partners."""

from shieldwall.sensors.base import Sensing, arrival_times, first_source, release_tracks
from shieldwall.sensors.ideal import IdealSensing
from shieldwall.sensors.radar import RadarSensing, launch_warning
from shieldwall.sensors.tracked import TrackedSensing

SENSING = {"ideal": IdealSensing, "radar": RadarSensing, "tracked": TrackedSensing}

__all__ = ["SENSING", "IdealSensing", "RadarSensing", "Sensing", "TrackedSensing", "arrival_times", "first_source",
           "launch_warning", "release_tracks"]
