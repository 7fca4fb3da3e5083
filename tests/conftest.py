from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def one_drone() -> dict:
    """The one-drone fixture as a plain dict, for tests to modify."""
    return copy.deepcopy(yaml.safe_load((FIXTURES / "one-drone.yaml").read_text()))
