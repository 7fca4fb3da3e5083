"""The exact solver against the published record of Andersen, Pavlikov and Toffolo (2022) on all 18
public instances, every assignment re-evaluated from the instance file with no shieldwall code.

The six instances up to 100x200 are bundled and always run; the twelve larger ones are marked slow
(`pytest -m slow tests/wta`: 21 minutes of CPU time, nearly all in the exact solver) and skip,
saying why, without the shared data set.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.wta.public import (
    BUNDLED,
    BUNDLED_DIR,
    NAMES,
    RECORD_FILE,
    REPO_ROOT,
    instance_params,
    instance_path,
    published_record,
    raw_objective,
    raw_violations,
    read_raw,
    shared_dir,
)

RECORD = published_record()

# How closely a published figure pins the exact objective, relative. Their solvers evaluate
# survival through a piecewise-linear approximation of its logarithm (step delta from 1e-3 down to
# 1e-5), so their figures are not exact objectives: their best upper bounds sit up to 7.5e-6 below
# the exact objective of our optimum (50x100x3; 2.4e-6 on 100x200x2, which they prove). The
# tolerance is ten times the exact solver's own (1e-6) and far below what an unproven answer misses
# by: the search's incumbents miss by 0.3-8 % on most instances with several units per type.
PUBLISHED_PRECISION = 1e-5
# The exact solver's relative gap tolerance (ExactAssigner's default).
PROVEN_GAP = 1e-6


def test_record_reports_every_instance():
    """The log read as the tests read it: nine configurations per instance, eight left open."""
    assert set(NAMES) <= set(RECORD)
    assert all(RECORD[name].configurations == 9 for name in NAMES)
    # Best bound and best assignment come from different configurations and approximations: on
    # 50x100x2 the best lower bound (123.838406) is 4e-7 above the best upper bound (123.838359).
    assert all(RECORD[name].lower_bound <= RECORD[name].upper_bound * (1 + PUBLISHED_PRECISION)
               for name in NAMES)
    open_instances = sorted(name for name in NAMES if RECORD[name].optimum is None)
    assert open_instances == sorted(["100x200x3", "150x300x3", "200x400x2", "200x400x3", "250x500x2",
                                     "250x500x3", "300x600x2", "300x600x3"])
    # The value their best configuration (branch-and-adjust, delta 1e-5) proves for 50x100x3; the
    # configuration that logged 20.589861 did not prove it (gap 0.20 %).
    assert RECORD["50x100x3"].optimum == 20.590016


def test_bundled_files_are_the_shared_files():
    data = shared_dir()
    if not (data / RECORD_FILE).exists():
        pytest.skip(f"the shared data set is not at {data} (set SHIELDWALL_SHARED): nothing to compare with")
    for name in [f"wta_{name}.txt.gz" for name in BUNDLED] + [RECORD_FILE]:
        assert (BUNDLED_DIR / name).read_bytes() == (data / name).read_bytes(), name
    assert len(BUNDLED) == 6


@pytest.mark.parametrize("name", instance_params())
def test_exact_against_the_published_record(name, public_problem, exact_answer):
    """Proven optimal; the published optimum where the record has one; never worse than the best
    published assignment nor a weaker bound than the best published bound; the shots re-evaluated
    from the file."""
    path = instance_path(name)
    answer = exact_answer(name, public_problem(name))
    raw = read_raw(path)
    assert raw.units == int(name.split("x")[2])
    assert raw_violations(raw, answer.shots) == []
    objective = raw_objective(raw, answer.shots)
    assert objective == pytest.approx(answer.objective, rel=1e-10), "the solver mis-evaluates its shots"
    assert answer.gap <= PROVEN_GAP, f"not proven optimal: gap {answer.gap:.2e} after {answer.time_s:.0f} s"

    record = RECORD[name]
    if record.optimum is not None:
        assert objective == pytest.approx(record.optimum, rel=PUBLISHED_PRECISION), (
            f"objective {objective:.6f}, published optimum {record.optimum:.6f}")
    assert objective <= record.upper_bound * (1 + PUBLISHED_PRECISION), (
        f"objective {objective:.6f} worse than the published assignment {record.upper_bound:.6f}")
    assert answer.lower_bound >= record.lower_bound * (1 - PUBLISHED_PRECISION), (
        f"proven bound {answer.lower_bound:.6f} weaker than the published {record.lower_bound:.6f}")
    # Neither record contradicts the other: no assignment below their proven bound, no proven bound
    # above their assignment.
    assert objective >= record.lower_bound * (1 - PUBLISHED_PRECISION)
    assert answer.lower_bound <= record.upper_bound * (1 + PUBLISHED_PRECISION)


def test_independent_evaluation_against_hand_counts():
    """The plain evaluation on shots counted by hand from the first lines of 50x100x1."""
    raw = read_raw(BUNDLED_DIR / "wta_50x100x1.txt.gz")
    shots = np.zeros((50, 100), dtype=int)
    assert raw_objective(raw, shots) == 5521  # the sum of lines 2-101
    shots[0, 0] = 1
    shots[49, 99] = 1
    # Line 2: target 0 is worth 13; line 102: weapon 0 kills it with 0.409311426086. Line 101:
    # target 99 is worth 27; line 5101: weapon 49 kills it with 0.792880953021.
    expected = 5521 - 13 * 0.409311426086 - 27 * 0.792880953021
    assert raw_objective(raw, shots) == pytest.approx(expected, rel=1e-12)
    shots[0, 1] = 1
    assert raw_violations(raw, shots) == ["weapon type 0 fires 2 units of 1"]


def test_benchmark_smoke_run(wta_data_dir, tmp_path):
    out = tmp_path / "wta-smoke.json"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "wta.py"), "--smoke", "--exact-time-limit", "5",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text())["rows"]
    assert {row["instance"] for row in rows} >= {"50x100x1", "A-20x20-seed1", "C-10x20-seed1"}
