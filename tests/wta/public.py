"""The 18 public instances of Andersen, Pavlikov and Toffolo (2022), their published record, and an
evaluation of assignments that shares no code with the solvers.

The six smallest instances and the results log are bundled in `tests/wta/data` (see its README);
the twelve larger instances come from the shared data set (`$SHIELDWALL_SHARED/data/wta`, by
default `../shared/data/wta` beside the repository) when it is present.
"""

from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_DIR = Path(__file__).resolve().parent / "data"
RECORD_FILE = "andersen2022-results.csv"

SIZES = [(50, 100), (100, 200), (150, 300), (200, 400), (250, 500), (300, 600)]
NAMES = [f"{weapons}x{targets}x{units}" for weapons, targets in SIZES for units in (1, 2, 3)]
BUNDLED = [name for name in NAMES if (BUNDLED_DIR / f"wta_{name}.txt.gz").exists()]


def shared_dir() -> Path:
    shared = Path(os.environ.get("SHIELDWALL_SHARED", REPO_ROOT.parent / "shared"))
    return shared / "data" / "wta"


def units_of(name: str) -> int:
    return int(name.split("x")[2])


def instance_params() -> list:
    """The 18 names for `pytest.mark.parametrize`: bundled ones plain, the others marked slow."""
    return [name if name in BUNDLED else pytest.param(name, marks=pytest.mark.slow) for name in NAMES]


def instance_path(name: str) -> Path:
    """The file of instance `name`: the bundled copy, else the shared one; skips, saying why, if neither."""
    bundled = BUNDLED_DIR / f"wta_{name}.txt.gz"
    if bundled.exists():
        return bundled
    shared = shared_dir() / f"wta_{name}.txt.gz"
    if not shared.exists():
        pytest.skip(f"wta_{name}.txt.gz is not bundled with the tests (only {', '.join(BUNDLED)} are) "
                    f"and the shared data set is not at {shared.parent} (set SHIELDWALL_SHARED)")
    return shared


@dataclass(frozen=True)
class Record:
    """What the results log says about one instance, over its nine solver configurations.

    lower_bound: the best (largest) published lower bound.
    upper_bound: the best (smallest) published upper bound, the objective of their best assignment.
    optimum: the smallest upper bound among the configurations that report the instance solved
        ("opt": CPLEX closed its relative gap to 1e-4), or None where none did.
    configurations: how many configurations report the instance.
    """

    lower_bound: float
    upper_bound: float
    optimum: float | None
    configurations: int


def published_record(path: Path = BUNDLED_DIR / RECORD_FILE) -> dict[str, Record]:
    """Every instance of the log (`Approach:` blocks of rows `,W,T,mu,delta,LB,UB,Gap,Time(s)`)."""
    rows: dict[str, list[tuple[float, float, bool]]] = {}
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) != 9 or not fields[1].isdigit():
            continue
        name = f"{fields[1]}x{fields[2]}x{fields[3]}"
        rows.setdefault(name, []).append((float(fields[5]), float(fields[6]), fields[7] == "opt"))
    record = {}
    for name, found in rows.items():
        solved = [upper for _, upper, opt in found if opt]
        record[name] = Record(lower_bound=max(lower for lower, _, _ in found),
                              upper_bound=min(upper for _, upper, _ in found),
                              optimum=min(solved) if solved else None, configurations=len(found))
    return record


@dataclass(frozen=True)
class RawInstance:
    """An instance file as plain Python numbers: values[j], kill[i][j], units of every type."""

    values: list[int]
    kill: list[list[float]]
    units: int


def read_raw(path: Path) -> RawInstance:
    """Read a public instance file with nothing from shieldwall (as the authors' validator reads it)."""
    with gzip.open(path, "rt") if path.suffix == ".gz" else open(path) as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
    n_weapons, n_targets, units = (int(word) for word in lines[0].split())
    values = [int(line) for line in lines[1:n_targets + 1]]
    kill = [[0.0] * n_targets for _ in range(n_weapons)]
    for line in lines[n_targets + 1:]:
        i, j, p = line.split()
        kill[int(i)][int(j)] = float(p)
    assert len(lines) == 1 + n_targets + n_weapons * n_targets, f"{path}: {len(lines)} lines"
    return RawInstance(values=values, kill=kill, units=units)


def raw_violations(raw: RawInstance, shots) -> list[str]:
    """Why `shots` (W x T, any nested sequence) is not a feasible assignment of `raw`; empty if it is."""
    rows = [[int(x) for x in row] for row in shots]
    problems = []
    if len(rows) != len(raw.kill) or any(len(row) != len(raw.values) for row in rows):
        return [f"shape is not {len(raw.kill)} x {len(raw.values)}"]
    for i, row in enumerate(rows):
        if any(x < 0 for x in row):
            problems.append(f"weapon type {i} has a negative number of shots")
        if sum(row) > raw.units:
            problems.append(f"weapon type {i} fires {sum(row)} units of {raw.units}")
        if any(x > 0 and raw.kill[i][j] <= 0 for j, x in enumerate(row)):
            problems.append(f"weapon type {i} fires at a target it cannot reach")
    return problems


def raw_objective(raw: RawInstance, shots) -> float:
    """sum_j V_j prod_i (1 - p_ij)^x_ij in plain floating point, target by target."""
    rows = [[int(x) for x in row] for row in shots]
    surviving = []
    for j, value in enumerate(raw.values):
        survive = 1.0
        for i, row in enumerate(rows):
            if row[j]:
                survive *= (1.0 - raw.kill[i][j]) ** row[j]
        surviving.append(value * survive)
    return math.fsum(surviving)
