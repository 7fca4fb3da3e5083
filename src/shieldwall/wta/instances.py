"""Static WTA instance files and seeded instance generators.

File formats (plain text, or gzip when the name ends in `.gz`; whitespace-separated):

* Andersen, Pavlikov and Toffolo (2022), public repository tuliotoffolo/wta, folder data/:
  line 1 `W T mu` (mu identical units per weapon type); then T lines, the value V_j;
  then W*T lines `i j p_ij` with 0-based indices i, j.
* Extended form, for per-type unit counts: line 1 `W T`; line 2, W unit counts; then the same
  T value lines and W*T probability lines.

Pairs missing from the probability lines are infeasible (p = 0).
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np

from shieldwall.wta.base import AssignmentProblem


class InstanceFormatError(ValueError):
    """An instance file does not follow the format; names the file, the line and what was expected."""

    def __init__(self, path: str | Path, line: int, expected: str, found: str = ""):
        self.path, self.line, self.expected = str(path), line, expected
        detail = f", found {found!r}" if found else ""
        super().__init__(f"{path}, line {line}: expected {expected}{detail}")


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def read_instance(path: str | Path) -> AssignmentProblem:
    """Read an instance in either format; raises InstanceFormatError on a malformed file."""
    path = Path(path)
    try:
        with _open_text(path) as handle:
            lines = [(n, line.split()) for n, line in enumerate(handle, start=1)]
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise InstanceFormatError(path, 0, "a readable text or gzip file", str(error)) from error
    lines = [(n, fields) for n, fields in lines if fields]
    cursor = iter(lines)

    def next_line(expected: str) -> tuple[int, list[str]]:
        try:
            return next(cursor)
        except StopIteration:
            last = lines[-1][0] if lines else 0
            raise InstanceFormatError(path, last + 1, expected, "end of file") from None

    def numbers(n: int, fields: list[str], kinds: tuple, expected: str) -> list:
        if len(fields) != len(kinds):
            raise InstanceFormatError(path, n, expected, " ".join(fields))
        try:
            return [kind(field) for kind, field in zip(kinds, fields)]
        except ValueError:
            raise InstanceFormatError(path, n, expected, " ".join(fields)) from None

    n, header = next_line("a header `W T mu` or `W T`")
    if len(header) == 3:
        n_weapons, n_targets, units = numbers(n, header, (int, int, int), "a header `W T mu`")
        capacity = np.full(n_weapons, units, dtype=np.int64)
    else:
        n_weapons, n_targets = numbers(n, header, (int, int), "a header `W T mu` or `W T`")
        n, fields = next_line(f"{n_weapons} unit counts")
        capacity = np.array(numbers(n, fields, (int,) * n_weapons, f"{n_weapons} integer unit counts"))
    if n_weapons < 0 or n_targets < 0 or np.any(capacity < 0):
        raise InstanceFormatError(path, n, "non-negative sizes and unit counts", " ".join(header))
    values = np.empty(n_targets)
    for j in range(n_targets):
        n, fields = next_line(f"the value of target {j}")
        (values[j],) = numbers(n, fields, (float,), f"one number, the value of target {j}")
    pk = np.zeros((n_weapons, n_targets))
    for n, fields in cursor:
        i, j, p = numbers(n, fields, (int, int, float), "`i j p_ij`")
        if not (0 <= i < n_weapons and 0 <= j < n_targets):
            raise InstanceFormatError(
                path, n, f"0-based indices 0 <= i < {n_weapons}, 0 <= j < {n_targets}", " ".join(fields)
            )
        if not 0.0 <= p <= 1.0:
            raise InstanceFormatError(path, n, "a probability in [0, 1]", fields[2])
        pk[i, j] = p
    return AssignmentProblem(values=values, kill_probability=pk, capacity=capacity)


def format_instance(problem: AssignmentProblem) -> str:
    """Instance text: the Andersen form when all unit counts are equal, the extended form otherwise.

    Costs and target limits are not part of either format and are not written.
    """
    capacity = problem.capacity
    if capacity.size > 0 and np.all(capacity == capacity[0]):
        lines = [f"{problem.n_weapons} {problem.n_targets} {capacity[0]}"]
    else:
        lines = [f"{problem.n_weapons} {problem.n_targets}", " ".join(str(c) for c in capacity)]
    lines += [_number(v) for v in problem.values]
    for i in range(problem.n_weapons):
        for j in range(problem.n_targets):
            lines.append(f"{i} {j} {float(problem.kill_probability[i, j])!r}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_instance(problem: AssignmentProblem, path: str | Path) -> None:
    """Write `format_instance(problem)` to `path` (gzip when the name ends in `.gz`)."""
    path = Path(path)
    text = format_instance(problem)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def family_a(n_weapons: int, rng: np.random.Generator) -> AssignmentProblem:
    """Square instance, W = T, one unit per type (the classic random WTA benchmark shape).

    Draw order: values = rng.integers(25, 101, size=T) (V integer 25..100), then
    kill_probability = rng.uniform(0.6, 0.9, size=(W, T)), row-major.
    """
    values = rng.integers(25, 101, size=n_weapons).astype(float)
    pk = rng.uniform(0.6, 0.9, size=(n_weapons, n_weapons))
    return AssignmentProblem(values=values, kill_probability=pk, capacity=np.ones(n_weapons, dtype=np.int64))


def family_b(n_weapons: int, units: int, rng: np.random.Generator, n_targets: int | None = None) -> AssignmentProblem:
    """Andersen, Pavlikov and Toffolo (2022) distribution: T = 2W (default), mu units per type.

    Draw order: values = rng.integers(1, 101, size=T) (V integer 1..100), then
    kill_probability = rng.uniform(0.0, 1.0, size=(W, T)), row-major.
    """
    n_targets = 2 * n_weapons if n_targets is None else n_targets
    values = rng.integers(1, 101, size=n_targets).astype(float)
    pk = rng.uniform(0.0, 1.0, size=(n_weapons, n_targets))
    return AssignmentProblem(values=values, kill_probability=pk, capacity=np.full(n_weapons, units, dtype=np.int64))


def family_c(n_weapons: int, n_targets: int, rng: np.random.Generator) -> AssignmentProblem:
    """Sparse heterogeneous instance shaped like layered air defence.

    Draw order: capacity = rng.integers(1, 5, size=W) (1..4 units per type); then
    values = rng.integers(1, 101, size=T) (V integer 1..100); then
    feasible = rng.random((W, T)) < 0.5 (half the pairs infeasible); then
    p = rng.uniform(0.3, 0.95, size=(W, T)), kept where feasible and 0 elsewhere.
    """
    capacity = rng.integers(1, 5, size=n_weapons)
    values = rng.integers(1, 101, size=n_targets).astype(float)
    feasible = rng.random((n_weapons, n_targets)) < 0.5
    pk = np.where(feasible, rng.uniform(0.3, 0.95, size=(n_weapons, n_targets)), 0.0)
    return AssignmentProblem(values=values, kill_probability=pk, capacity=capacity)
