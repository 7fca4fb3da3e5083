"""Compiling a raid realisation into a World, and simulating replications of it."""

from shieldwall.engine.simulate import FATES, SHOT_RESULTS, STAGED, Outcome, load_kernels, simulate, simulate_many
from shieldwall.engine.world import (
    Coverage,
    Threats,
    Windows,
    World,
    compile_world,
    draw_raid,
)

__all__ = [
    "FATES", "SHOT_RESULTS", "STAGED", "Coverage", "Outcome", "Threats", "Windows", "World",
    "compile_world", "draw_raid", "load_kernels", "simulate", "simulate_many",
]
