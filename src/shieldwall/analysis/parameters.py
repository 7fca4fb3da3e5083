"""Scenario and catalog values addressed by path, set and re-validated through the schema.

A path names a value the way the scenario file nests it, with list entries picked by their `id`:
`fire_units.isr-arrow-3-central.magazine`, `raid.waves.w1.count`, `assets.nevatim.value_usd`,
`doctrine.kill_assessment_s`. `catalog.<section>.<type>...` reaches the merged catalog
(`catalog.interceptors.stunner.kill_probability.drone`); a catalog value is a `Sourced` value, and
the number set replaces its `value` with a notional note naming the path. `raid.class.<class>.count`
is the number of threats of one class over every wave that carries it, shared out between those
waves in proportion to their counts.

A value ending in `x` is a multiple of the scenario's own value (`0.5x`). Every scenario built
here is validated again by the pydantic models and the cross-reference checks that loading uses,
so the bounds on a value are the schema's and an out-of-bounds value is a ScenarioError naming the
path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shieldwall.scenario import Scenario, ScenarioError
from shieldwall.scenario.load import Problem, cross_reference_problems
from shieldwall.scenario.model import THREAT_CLASSES

class ParameterError(ValueError):
    """A path that names no value, or a value that cannot be read."""


@dataclass(frozen=True)
class Parameter:
    """One value of a scenario: its path, its value in the scenario, and whether it is a whole number."""

    path: str
    base: float
    integer: bool

    def resolve(self, text: str) -> float:
        """A number written on the command line: plain, or a multiple of the base value (`2.5x`)."""
        text = text.strip()
        try:
            if text.endswith("x"):
                value = float(text[:-1]) * self.base
            else:
                value = float(text)
        except ValueError:
            raise ParameterError(f"{text!r} is not a number (or a multiple such as 0.5x)") from None
        if not math.isfinite(value):
            raise ParameterError(f"{text!r} is not finite")
        return float(round(value)) if self.integer else value


def _dump(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json", by_alias=True)


def _step(node, key: str, walked: str):
    if isinstance(node, list):
        for entry in node:
            if isinstance(entry, dict) and entry.get("id") == key:
                return entry
        ids = ", ".join(str(e.get("id")) for e in node if isinstance(e, dict))
        raise ParameterError(f"no entry {key!r} in {walked} (there are: {ids})")
    if isinstance(node, dict) and key in node:
        return node[key]
    known = ", ".join(sorted(node)) if isinstance(node, dict) else ""
    raise ParameterError(f"{walked or 'the scenario'} has no {key!r}" + (f" (it has: {known})" if known else ""))


def _class_waves(scenario: Scenario, threat_class: str) -> list[int]:
    return [w for w, wave in enumerate(scenario.raid.waves)
            if scenario.catalog.threats[wave.threat].threat_class == threat_class]


def parameter(scenario: Scenario, path: str) -> Parameter:
    """The value at `path` in `scenario`. Raises ParameterError when the path names no number."""
    keys = path.split(".")
    if len(keys) == 4 and keys[:2] == ["raid", "class"] and keys[3] == "count":
        if keys[2] not in THREAT_CLASSES:
            raise ParameterError(f"no threat class {keys[2]!r} (classes: {', '.join(THREAT_CLASSES)})")
        waves = _class_waves(scenario, keys[2])
        if not waves:
            raise ParameterError(f"no wave of {keys[2]} threats in the raid")
        return Parameter(path, float(sum(scenario.raid.waves[w].count for w in waves)), True)
    node, walked = _dump(scenario), ""
    for key in keys:
        node = _step(node, key, walked)
        walked = f"{walked}.{key}" if walked else key
    if isinstance(node, dict) and "value" in node:
        return Parameter(path, float(node["value"]), False)
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ParameterError(f"{path} is not a number")
    return Parameter(path, float(node), isinstance(node, int))


def _share(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights` by largest remainder (equal shares if all are 0)."""
    weights = np.asarray(weights, dtype=float)
    if weights.sum() == 0:
        weights = np.ones_like(weights)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]:
        counts[k] += 1
    return counts.tolist()


def with_values(scenario: Scenario, values: Mapping[str, float], note: str = "set by a sweep") -> Scenario:
    """`scenario` with each path set to its value, validated again. Raises ParameterError for a
    path that names no number and ScenarioError for a value the schema refuses."""
    data = _dump(scenario)
    for path, value in values.items():
        integer = parameter(scenario, path).integer
        number = int(round(value)) if integer else float(value)
        keys = path.split(".")
        if keys[:2] == ["raid", "class"]:
            waves = _class_waves(scenario, keys[2])
            counts = _share(number, [scenario.raid.waves[w].count for w in waves])
            for w, count in zip(waves, counts):
                data["raid"]["waves"][w]["count"] = count
            continue
        node, walked = data, ""
        for key in keys[:-1]:
            node = _step(node, key, walked)
            walked = f"{walked}.{key}" if walked else key
        last = keys[-1]
        if isinstance(node.get(last), dict) and "value" in node[last]:
            node[last] = {"value": number, "notional": f"{note} ({path})"}
        else:
            node[last] = number
        if path in data.get("provenance", {}):  # a scenario number's note no longer describes it
            data["provenance"][path] = {"notional": f"{note} ({path})"}
    return _validated(data, ", ".join(values))


def _validated(data: dict, label: str) -> Scenario:
    from pydantic import ValidationError

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors(include_url=False)]
        raise ScenarioError(label, problems) from None
    problems = cross_reference_problems(scenario)
    if problems:
        raise ScenarioError(label, problems)
    return scenario


@dataclass(frozen=True)
class Setting:
    """A parsed `--set PATH=RANGE`: the parameter, its low and high, and its grid (or None)."""

    parameter: Parameter
    low: float
    high: float
    points: int | None
    listed: tuple[float, ...] = ()

    @property
    def path(self) -> str:
        return self.parameter.path

    def grid(self, default_points: int) -> list[float]:
        if self.listed:
            return list(self.listed)
        n = self.points or default_points
        values = np.linspace(self.low, self.high, n) if n > 1 else np.array([self.low])
        if self.parameter.integer:
            return list(dict.fromkeys(float(round(v)) for v in values))
        return [float(v) for v in values]

    def at(self, u: float) -> float:
        """The value at `u` in [0, 1] of the range (rounded for whole numbers)."""
        value = self.low + u * (self.high - self.low)
        return float(round(value)) if self.parameter.integer else float(value)


_RANGE = re.compile(r"^\s*([^:,]+)\s*:\s*([^:,]+)\s*(?::\s*(\d+)\s*)?$")


def parse_setting(scenario: Scenario, text: str) -> Setting:
    """`PATH=LOW:HIGH[:N]`, `PATH=V1,V2,...` or `PATH=V`; each value plain or a multiple (`0.5x`).
    Both ends are checked against the schema. Raises ParameterError or ScenarioError."""
    if "=" not in text:
        raise ParameterError("expected PATH=RANGE, e.g. fire_units.battery.magazine=4:40:5")
    path, spec = (part.strip() for part in text.split("=", 1))
    found = parameter(scenario, path)
    match = _RANGE.match(spec)
    if match:
        low, high = found.resolve(match.group(1)), found.resolve(match.group(2))
        points = int(match.group(3)) if match.group(3) else None
        if high < low:
            raise ParameterError(f"range {spec!r} ends below its start")
        if points is not None and points < 1:
            raise ParameterError("a range needs at least one point")
        listed: tuple[float, ...] = ()
    else:
        listed = tuple(found.resolve(v) for v in spec.split(",") if v.strip())
        if not listed:
            raise ParameterError(f"no values in {spec!r}")
        low, high, points = min(listed), max(listed), len(listed)
    for value in {low, high}:
        with_values(scenario, {path: value})
    return Setting(found, low, high, points, listed)
