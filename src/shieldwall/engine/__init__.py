"""Compiling a raid realisation into a World, and simulating one replication of it."""

from shieldwall.engine.simulate import FATES, SHOT_RESULTS, Outcome, load_kernels, simulate
from shieldwall.engine.world import (
    Coverage,
    Threats,
    Windows,
    World,
    compile_world,
    draw_raid,
)

__all__ = [
    "FATES", "SHOT_RESULTS", "Coverage", "Outcome", "Threats", "Windows", "World",
    "compile_world", "draw_raid", "load_kernels", "simulate",
]
