"""Solvers against the published record of Andersen, Pavlikov and Toffolo (2022) on the public files."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shieldwall.wta import ExactAssigner, GreedyAssigner, SearchAssigner, read_instance

REPO_ROOT = Path(__file__).resolve().parents[2]

# Instances the published log proves optimal (Gap "opt"), small enough for the test suite; the
# optimum is the best published upper bound (their lower and upper bounds agree to ~1e-8).
PROVEN_OPTIMA = {"50x100x1": 1734.302257}


@pytest.mark.parametrize("name", PROVEN_OPTIMA)
def test_exact_proves_the_published_optimum(wta_data_dir, name):
    problem = read_instance(wta_data_dir / f"wta_{name}.txt.gz")
    answer = ExactAssigner(time_limit_s=90.0).assign(problem, np.random.default_rng(0))
    assert problem.is_feasible(answer.shots)
    assert answer.gap <= 1e-6
    assert answer.objective == pytest.approx(PROVEN_OPTIMA[name], rel=1e-7)


# The published log proves these optimal too; its objective values sit up to ~1e-5 relative below
# the exact objective of any assignment (the log-linearised model of the paper), so the check is
# that we close our own gap and agree with theirs to that precision.
PUBLISHED_OPTIMA_MU = {"50x100x2": 123.838359, "50x100x3": 20.589861}


@pytest.mark.parametrize("name", PUBLISHED_OPTIMA_MU)
def test_exact_closes_the_gap_with_several_units_per_type(wta_data_dir, name):
    problem = read_instance(wta_data_dir / f"wta_{name}.txt.gz")
    answer = ExactAssigner(time_limit_s=60.0).assign(problem, np.random.default_rng(0))
    assert problem.is_feasible(answer.shots)
    assert answer.gap <= 1e-6
    assert answer.objective == pytest.approx(PUBLISHED_OPTIMA_MU[name], rel=2e-5)


def test_heuristics_against_the_published_optimum(wta_data_dir):
    problem = read_instance(wta_data_dir / "wta_50x100x2.txt.gz")
    optimum = 123.838359
    greedy = GreedyAssigner().assign(problem)
    search = SearchAssigner(time_limit_s=1.0).assign(problem, np.random.default_rng(0))
    assert greedy.objective >= optimum * (1 - 1e-9) and search.objective >= optimum * (1 - 1e-9)
    assert search.objective <= greedy.objective
    assert search.objective <= 1.01 * optimum


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
