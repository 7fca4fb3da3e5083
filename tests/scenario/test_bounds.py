"""Every number of a scenario or catalog has finite bounds the engine can hold: NaN, infinity and
out-of-range values are refused through the usual error path (file, path, line, what was
expected; exit code 2), by `validate` and by `run`, before any simulation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.cli import app
from shieldwall.scenario import Scenario

FIXTURE = Path(__file__).parents[1] / "fixtures" / "one-drone.yaml"
runner = CliRunner()


def _write(tmp_path: Path, path: str, raw: str) -> Path:
    """The one-drone fixture with the value at `path` (dotted) replaced by the YAML text `raw`,
    written verbatim so that YAML itself reads it (`1e999`, `.nan`, `2**70` spelled out)."""
    data = yaml.safe_load(FIXTURE.read_text())
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    parent = data
    for key in keys[:-1]:
        parent = parent[key]
    marker = "__VALUE__"
    parent[keys[-1]] = marker
    text = yaml.safe_dump(data, sort_keys=False).replace(f"'{marker}'", raw).replace(marker, raw)
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    return file


def _refused(tmp_path: Path, file: Path, path: str, expected: str) -> None:
    """`validate` and `run` both exit 2 with the file, path, line and `expected`, and no traceback."""
    out = tmp_path / "out"
    for args in (["validate", str(file)], ["run", str(file), "--runs", "1", "--out", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args[0], result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert str(file) in result.stderr
        # A bare number given for a Sourced value is reported at its `.value`.
        line = next((l for l in result.stderr.splitlines()
                     if l.strip().startswith((path + " ", path + ".value "))), None)
        assert line is not None, f"{path} not named in:\n{result.stderr}"
        assert re.search(r"\(line \d+\)", line), line
        assert expected in line, line
    assert not out.exists()


def test_a_magazine_of_two_to_the_seventy_is_refused(tmp_path):
    # Once an OverflowError in the engine (numpy int64).
    file = _write(tmp_path, "fire_units.0.magazine", str(2**70))
    _refused(tmp_path, file, "fire_units.0.magazine", "less than or equal to 10000")


def test_a_launch_radius_of_1e999_is_refused(tmp_path):
    # YAML reads 1e999 as text, pydantic then as infinity: once an OverflowError inside pyproj.
    file = _write(tmp_path, "raid.waves.0.launch_area.radius_m", "1e999")
    _refused(tmp_path, file, "raid.waves.0.launch_area.radius_m", "finite number")


NON_FINITE = [".nan", ".inf", "-.inf", "1e999", "-1e999", "nan"]
FIELDS = [
    "duration_s",
    "assets.0.position.0",
    "assets.0.value_usd",
    "assets.0.radius_m",
    "sensors.0.altitude_m",
    "fire_units.0.reaction_time_s",
    "fire_units.0.available_from_s",
    "raid.waves.0.launch_window_s.1",
    "raid.waves.0.launch_area.center.1",
    "doctrine.kill_assessment_s",
    "doctrine.cost_weight",
    "doctrine.track_latency_s",
    "doctrine.remote_fit_fraction",
    "catalog.interceptors.test-missile.max_range_m.value",
    "catalog.interceptors.test-missile.kill_probability.drone.value",
    "catalog.threats.test-drone.speed_mps.value",
    "catalog.sensors.test-radar.scan_period_s.value",
]


@pytest.mark.parametrize("path, raw", [
    # The text 'nan' stays a string where a string is allowed; Sourced values read it as a number.
    (path, raw) for path in FIELDS for raw in NON_FINITE if raw != "nan" or path.endswith(".value")
])
def test_nan_and_infinity_are_refused(tmp_path, path, raw):
    _refused(tmp_path, _write(tmp_path, path, raw), path, "finite number")


@pytest.mark.parametrize("path, raw, expected", [
    # A bare number where a Sourced value is expected (1e11 is text to YAML) meets the same bound.
    ("catalog.threats.test-drone.unit_cost_usd", "1e999", "finite number"),
    ("catalog.threats.test-drone.unit_cost_usd", "1e11", "must lie in [0, 1e+10] USD"),
    ("catalog.interceptors.test-missile.average_speed_mps", "0.001", "must lie in [10, 10000] m/s"),
    ("catalog.threats.test-drone.cep_m", "0", "must lie in [0.01, 1e+06] m"),
    ("catalog.threats.test-drone.reliability", "1.5", "must lie in [0, 1]"),
    ("catalog.sensors.test-radar.scan_period_s", "0", "must lie in (0, 86400] s"),
    ("catalog.sensors.test-radar.range_m.drone", "1.0e+300", "must lie in [0, 5e+07] m"),
    ("fire_units.0.fire_channels", str(2**63), "less than or equal to 1000"),
    ("fire_units.0.available_until_s", "1.0e+300", "less than or equal to 31622400"),
    ("raid.waves.0.count", str(-2**64), "greater than or equal to 0"),
    ("raid.waves.0.targets.base", "1.0e+308", "less than or equal to 1000000"),
    ("raid.waves.0.launch_area.radius_m", "1.0e+300", "less than or equal to 2000000"),
    ("duration_s", "1.0e+300", "less than or equal to 604800"),
    ("doctrine.remote_fit_fraction", "1.5", "less than or equal to 1"),
    ("doctrine.remote_fit_fraction", "-0.1", "greater than or equal to 0"),
    ("assets.0.value_usd", "1.0e+300", "less than or equal to 10000000000000"),
])
def test_finite_values_beyond_the_bounds_are_refused(tmp_path, path, raw, expected):
    _refused(tmp_path, _write(tmp_path, path, raw), path, expected)


def test_values_at_the_bounds_run(tmp_path):
    data = yaml.safe_load(FIXTURE.read_text())
    unit = data["fire_units"][0]
    unit.update(magazine=10_000, fire_channels=1_000)
    data["raid"]["waves"][0]["launch_area"]["radius_m"] = 2_000_000
    data["raid"]["waves"][0]["launch_area"]["center"] = [31.0, 36.0]  # the disk reaches far
    data["catalog"]["threats"]["test-drone"]["unit_cost_usd"] = 1e10
    file = tmp_path / "edge.yaml"
    file.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", str(file), "--runs", "2", "--realisations", "1", "--fidelity", "ideal",
                                 "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output


def _unbounded(schema: dict) -> list[str]:
    """Paths in the JSON Schema to numbers without both a lower and an upper bound."""
    defs = schema.get("$defs", {})
    found = []

    def walk(node, where):
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")
            return
        if not isinstance(node, dict):
            return
        if node.get("$ref") == "#/$defs/Sourced":
            bounds = node.get("x-value", {})
            if not ({"minimum", "exclusiveMinimum"} & set(bounds) and "maximum" in bounds):
                found.append(where)
        if node.get("type") in ("number", "integer"):
            if not ({"minimum", "exclusiveMinimum"} & set(node) and {"maximum", "exclusiveMaximum"} & set(node)):
                found.append(where)
        for key, value in node.items():
            if key != "$defs":
                walk(value, f"{where}.{key}")

    for name, definition in defs.items():
        if name != "Sourced":  # its value is bounded where it is used (x-value beside the $ref)
            walk(definition, name)
    walk({k: v for k, v in schema.items() if k != "$defs"}, "Scenario")
    return found


def test_every_number_in_the_schema_has_both_bounds():
    assert _unbounded(Scenario.model_json_schema(by_alias=True)) == []
