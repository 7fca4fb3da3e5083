from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The project's shared data folder beside the repository (absent on a user's machine)."""
    return Path(os.environ.get("SHIELDWALL_SHARED", REPO.parent / "shared"))


@pytest.fixture
def one_drone() -> dict:
    """The one-drone fixture as a plain dict, for tests to modify."""
    return copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text()))
