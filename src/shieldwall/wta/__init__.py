"""Weapon-target assignment: the problem, the solvers, and the benchmark instance files."""

from shieldwall.wta.base import Assigner, Assignment, AssignmentProblem
from shieldwall.wta.exact import ExactAssigner
from shieldwall.wta.greedy import GreedyAssigner
from shieldwall.wta.instances import (
    InstanceFormatError,
    family_a,
    family_b,
    family_c,
    format_instance,
    read_instance,
    write_instance,
)
from shieldwall.wta.search import SearchAssigner

__all__ = [
    "Assigner",
    "Assignment",
    "AssignmentProblem",
    "ExactAssigner",
    "GreedyAssigner",
    "InstanceFormatError",
    "SearchAssigner",
    "family_a",
    "family_b",
    "family_c",
    "format_instance",
    "read_instance",
    "write_instance",
]
