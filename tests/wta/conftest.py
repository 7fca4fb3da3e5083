"""Locate the shared public data set; tests that need it skip when it is absent."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wta_data_dir() -> Path:
    shared = Path(os.environ.get("SHIELDWALL_SHARED", REPO_ROOT.parent / "shared"))
    data = shared / "data" / "wta"
    if not (data / "andersen2022-results.csv").exists():
        pytest.skip(f"public WTA instances not found under {data} (set SHIELDWALL_SHARED)")
    return data
