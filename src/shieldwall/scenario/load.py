"""Loading scenarios and the catalog: safe YAML, schema validation, cross-reference checks.

Every problem is reported with the file, the path inside it (`fire_units.3.magazine`), the line
where YAML gives one, and what was expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shieldwall.scenario.model import Airspace, Catalog, Scenario

BUNDLED_SCENARIOS = ("april-2024", "october-2024", "tutorial")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}" if self.path else "(top level)"
        at_line = f" (line {self.line})" if self.line else ""
        return f"{where}{at_line}: {self.message}"


class ScenarioError(ValueError):
    """A scenario or catalog that cannot be used; carries every problem found."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{file}: {len(problems)} problem(s)\n{lines}")

    def __reduce__(self):  # so that an error raised in a worker process reaches the caller intact
        return (ScenarioError, (self.file, self.problems))


def bundled_path(name: str) -> Path:
    return Path(str(resources.files("shieldwall") / "data" / "scenarios" / f"{name}.yaml"))


# libyaml's parser, where PyYAML was built with it, reads a scenario and the catalog about four times
# faster than the pure-Python one (april-2024 and the catalog: 0.10 s against 0.37 s, at every start).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(file, [Problem("", f"not valid YAML: {err.problem}", line)]) from None
    except yaml.YAMLError as err:
        raise ScenarioError(file, [Problem("", f"not valid YAML: {err}")]) from None
    return data, node


def _line_of(node: yaml.Node | None, path: tuple) -> int | None:
    """The 1-based line of the YAML node at `path`, or of its deepest existing ancestor."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == str(key)]
            if not match:
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _problems_from(err: ValidationError, node: yaml.Node | None) -> list[Problem]:
    problems = []
    for item in err.errors(include_url=False):
        loc = tuple(k for k in item["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        path = ".".join(str(k) for k in loc)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif ("input" in item and item["type"] not in ("missing",) and not isinstance(item["input"], (dict, list))
              and "(got " not in message):
            message = f"{message} (got {item['input']!r})"
        problems.append(Problem(path, message, _line_of(node, loc)))
    return problems


def _validate(model, data, file: str, node):
    if not isinstance(data, dict):
        raise ScenarioError(file, [Problem("", f"expected a mapping at the top level, got {type(data).__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(file, _problems_from(err, node)) from None


@lru_cache(maxsize=1)
def bundled_catalog() -> Catalog:
    """The parameter catalog shipped with shieldwall (every value with its provenance)."""
    path = resources.files("shieldwall") / "data" / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    data, node = _read_yaml(text, "catalog.yaml")
    return _validate(Catalog, data, "catalog.yaml", node)


def load_scenario(source: str | Path) -> Scenario:
    """Load a scenario by bundled name (`april-2024`) or file path, with the full catalog merged in.

    Raises ScenarioError (never another exception) for anything wrong with the input.
    """
    source_text = str(source)
    if source_text in BUNDLED_SCENARIOS and not Path(source_text).exists():
        path = bundled_path(source_text)
    else:
        path = Path(source_text)
    file = str(source) if path.is_file() else source_text
    if not path.is_file():
        names = ", ".join(BUNDLED_SCENARIOS)
        raise ScenarioError(file, [Problem("", f"no such file, and not a bundled scenario ({names})")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(file, [Problem("", f"cannot read: {err}")]) from None
    return parse_scenario(text, file)


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    data, node = _read_yaml(text, file)
    scenario = _validate(Scenario, data, file, node)
    full = scenario.model_copy(update={"catalog": bundled_catalog().merged(scenario.catalog)})
    problems = cross_reference_problems(full)
    if problems:
        for problem in problems:
            object.__setattr__(problem, "line", _line_of(node, tuple(_path_keys(problem.path))))
        raise ScenarioError(file, problems)
    return full


def _path_keys(path: str) -> list:
    return [int(k) if k.isdigit() else k for k in path.split(".") if k]


def cross_reference_problems(scenario: Scenario) -> list[Problem]:
    """References between parts of a (schema-valid) scenario that do not resolve."""
    problems: list[Problem] = []
    catalog = scenario.catalog

    def unique(items, section):
        seen = set()
        for index, item in enumerate(items):
            if item.id in seen:
                problems.append(Problem(f"{section}.{index}.id", f"duplicate id {item.id!r}"))
            seen.add(item.id)
        return seen

    partners = unique(scenario.partners, "partners")
    assets = unique(scenario.assets, "assets")
    unique(scenario.sensors, "sensors")
    unique(scenario.fire_units, "fire_units")
    unique(scenario.agreements, "agreements")
    unique(scenario.airspaces, "airspaces")
    unique(scenario.raid.waves, "raid.waves")

    coordinators = [p.id for p in scenario.partners if p.coordinator]
    if len(coordinators) != 1:
        problems.append(Problem("partners", f"expected exactly one coordinator, found {len(coordinators)}"))
    labels = [p.label for p in scenario.partners]
    if len(set(labels)) != len(labels):
        problems.append(Problem("partners", "partner labels (id, or alias when anonymous) must be unique"))

    def need_partner(value, path):
        if value not in partners:
            problems.append(Problem(path, f"unknown partner {value!r} (known: {', '.join(sorted(partners))})"))

    for i, agreement in enumerate(scenario.agreements):
        for j, party in enumerate(agreement.parties):
            need_partner(party, f"agreements.{i}.parties.{j}")
    for i, airspace in enumerate(scenario.airspaces):
        if airspace.owner is not None:
            need_partner(airspace.owner, f"airspaces.{i}.owner")
        if isinstance(airspace.open_to, list):
            for j, party in enumerate(airspace.open_to):
                need_partner(party, f"airspaces.{i}.open_to.{j}")
        if airspace.country is not None:
            from shieldwall.geo import load_boundaries

            if airspace.country not in load_boundaries():
                known = ", ".join(sorted(load_boundaries()))
                problems.append(Problem(f"airspaces.{i}.country", f"no bundled boundary for {airspace.country!r} (known: {known})"))
    for i, asset in enumerate(scenario.assets):
        need_partner(asset.owner, f"assets.{i}.owner")
    for i, sensor in enumerate(scenario.sensors):
        need_partner(sensor.owner, f"sensors.{i}.owner")
        if sensor.type not in catalog.sensors:
            problems.append(Problem(f"sensors.{i}.type", f"unknown sensor type {sensor.type!r}"))
        elif (catalog.sensors[sensor.type].kind == "space-launch-warning") != (sensor.platform == "space"):
            problems.append(Problem(f"sensors.{i}.platform", "space-launch-warning types go on 'space' platforms only"))
        if isinstance(sensor.release_to, list):
            for j, party in enumerate(sensor.release_to):
                need_partner(party, f"sensors.{i}.release_to.{j}")
    for i, unit in enumerate(scenario.fire_units):
        need_partner(unit.owner, f"fire_units.{i}.owner")
        if unit.interceptor not in catalog.interceptors:
            problems.append(Problem(f"fire_units.{i}.interceptor", f"unknown interceptor type {unit.interceptor!r}"))
    for i, wave in enumerate(scenario.raid.waves):
        if wave.threat not in catalog.threats:
            problems.append(Problem(f"raid.waves.{i}.threat", f"unknown threat type {wave.threat!r}"))
        elif catalog.threats[wave.threat].threat_class == "ballistic" and wave.route:
            problems.append(Problem(f"raid.waves.{i}.route", "ballistic waves fly no waypoint route"))
        for target in wave.targets:
            if target not in assets:
                problems.append(Problem(f"raid.waves.{i}.targets.{target}", f"unknown defended asset {target!r}"))
        if wave.launch_window_s[1] > scenario.duration_s:
            problems.append(Problem(f"raid.waves.{i}.launch_window_s", "launch window ends after duration_s"))
    for interceptor in scenario.doctrine.interceptors:
        if interceptor not in catalog.interceptors:
            problems.append(Problem(f"doctrine.interceptors.{interceptor}", f"unknown interceptor type {interceptor!r} "
                                    f"(known: {', '.join(sorted(catalog.interceptors))})"))
    return problems


PLACEHOLDER_GRID_DEG = 10.0
"""Size of the grid cells whose union stands in for an anonymous partner's airspace in outputs."""


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML for a results folder: anonymous partners under their alias everywhere,
    and the airspaces they own reduced to coarse placeholders (see docs/design/anonymity.md).

    The file records the analysis; it does not reproduce it when run again wherever an anonymous
    partner owns an airspace, since the placeholder is not the shape the analysis used.
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    header = ""
    anonymous = {p.id for p in scenario.partners if p.anonymous}
    for airspace, entry in zip(scenario.airspaces, data.get("airspaces", [])):
        if airspace.owner in anonymous:
            entry.pop("country", None)
            entry["polygon"] = placeholder_polygon(airspace)
            header = (f"# Airspaces of anonymous partners are {PLACEHOLDER_GRID_DEG:g}-degree placeholders, not the\n"
                      "# shapes the analysis used: running this file again need not reproduce its results.\n")
    return header + yaml.safe_dump(redact(data, scenario), sort_keys=False, allow_unicode=True)


def placeholder_polygon(airspace: Airspace) -> list[list[float]]:
    """`[lat, lon]` corners of the box of whole grid cells (`PLACEHOLDER_GRID_DEG`) that covers
    `airspace`: it says which part of the world, not whose outline."""
    if airspace.polygon is not None:
        lats = [lat for lat, _ in airspace.polygon]
        lons = [lon for _, lon in airspace.polygon]
    else:
        from shieldwall.geo import load_boundaries

        west, south, east, north = load_boundaries()[airspace.country].bounds
        lats, lons = [south, north], [west, east]
    cell = PLACEHOLDER_GRID_DEG

    def outward(values, limit):
        low, high = math.floor(min(values) / cell) * cell, math.ceil(max(values) / cell) * cell
        if high == low:
            high = low + cell
        return max(low, -limit), min(high, limit)

    south, north = outward(lats, 90.0)
    west, east = outward(lons, 180.0)
    return [[south, west], [south, east], [north, east], [north, west]]


def anonymous_airspace_ids(scenario: Scenario) -> dict[str, str]:
    """New ids, made from the owner's alias, for the airspaces of anonymous partners (an airspace
    id is often the country's name)."""
    owner_alias = {p.id: p.alias for p in scenario.partners if p.anonymous}
    taken = {a.id for a in scenario.airspaces if a.owner not in owner_alias}
    renamed = {}
    for airspace in scenario.airspaces:
        if airspace.owner not in owner_alias:
            continue
        stem = re.sub(r"[^A-Za-z0-9_.\-]+", "-", f"{owner_alias[airspace.owner]}-airspace").strip("-.") or "airspace"
        candidate, k = stem, 1
        while candidate in taken:
            k += 1
            candidate = f"{stem}-{k}"
        taken.add(candidate)
        renamed[airspace.id] = candidate
    return renamed


# A word of prose as scenario ids are written (without the trailing `.` of a sentence), and the
# separator that makes one a compound identifier rather than a word of English.
_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9])?")
_COMPOUND = re.compile(r"[A-Za-z0-9][_.\-][A-Za-z0-9]")


def redact(data: Any, scenario: Scenario) -> Any:
    """`data` with every anonymous partner's id and name replaced by its alias, and the ids of the
    airspaces it owns by ids made from the alias.

    The name is replaced in any case, and with `-` or `_` between its words inside identifiers;
    the id as written, and in any case where it is one part of an identifier (`sau-radar`). A
    string with white space is prose: there, in any case, only inside the words of it that are
    compound identifiers (`magazine of sau-radar`, `fire_units.sau-radar.x=2`), so that an id
    which is also an English word stays in a sentence; an anonymous partner's airspace id is
    replaced wherever it stands as a word of prose too (`deny airspace sau-air to all`).
    Names and ids of two letters or fewer are replaced only where they are the whole string.
    """
    anonymous = [p for p in scenario.partners if p.anonymous]
    if not anonymous:
        return data
    airspaces = anonymous_airspace_ids(scenario)
    whole = dict(airspaces)
    everywhere = []  # (pattern, alias) applied to every string
    in_identifiers = []  # (pattern, alias) applied to identifiers: whole strings, or compound words of prose
    for partner in anonymous:
        for secret in (partner.id, partner.name):
            if len(secret) <= 2:
                whole.setdefault(secret, partner.alias)
        if len(partner.name) > 2:
            words = r"[\s_\-]+".join(re.escape(word) for word in partner.name.split())
            everywhere.append((re.compile(words, re.IGNORECASE), partner.alias))
        if len(partner.id) > 2:
            everywhere.append((re.compile(re.escape(partner.id)), partner.alias))
            in_identifiers.append((re.compile(rf"(?<![A-Za-z0-9]){re.escape(partner.id)}(?![A-Za-z0-9])",
                                              re.IGNORECASE), partner.alias))

    def identifier(value: str) -> str:
        for pattern, alias in in_identifiers:
            value = pattern.sub(lambda _, alias=alias: alias, value)
        return value

    def text(value: str) -> str:
        if value in whole:
            return whole[value]
        prose = any(c.isspace() for c in value)
        if prose:
            value = _WORD.sub(lambda m: airspaces.get(m.group(0), m.group(0)), value)
        for pattern, alias in everywhere:
            value = pattern.sub(lambda _, alias=alias: alias, value)
        if prose:
            return _WORD.sub(lambda m: identifier(m.group(0)) if _COMPOUND.search(m.group(0)) else m.group(0), value)
        return identifier(value)

    def walk(value):
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            return text(value)
        return value

    return walk(data)
