"""Strict JSON for every document shieldwall writes: NaN and infinities become null.

Python's `json` writes NaN as `NaN`, which is not JSON (RFC 8259) and which strict parsers (`jq`,
JavaScript's `JSON.parse`) reject. Figures that cannot be computed (an interval from a single
raid realisation, a ratio over a zero denominator) are NaN inside shieldwall and null in files.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath

ESTIMATE_KEYS = ("mean", "low", "high")


def plain(data):
    """`data` with NumPy scalars and arrays as Python numbers and lists, paths as strings, and
    non-finite floats as None (so that `json.dumps(..., allow_nan=False)` accepts it)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [plain(v) for v in data]
    if isinstance(data, (str, bool)) or data is None:
        return data
    if isinstance(data, int):
        return data
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, PurePath):
        return str(data)
    if hasattr(data, "tolist"):  # NumPy scalars and arrays
        return plain(data.tolist())
    if hasattr(data, "__float__"):
        return plain(float(data))
    return str(data)


def dumps(data, indent: int | None = 2) -> str:
    """One strict JSON document."""
    return json.dumps(plain(data), indent=indent, allow_nan=False)


def _estimates_as_nan(obj: dict) -> dict:
    if all(k in obj for k in ESTIMATE_KEYS):
        return {k: (float("nan") if k in ESTIMATE_KEYS and v is None else v) for k, v in obj.items()}
    return obj


def loads(text: str):
    """Read a document written by `dumps`; null in an estimate ({mean, low, high}) reads as NaN,
    so code that tests bounds with `math.isfinite` keeps working."""
    return json.loads(text, object_hook=_estimates_as_nan)
