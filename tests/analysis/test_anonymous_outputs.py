"""The analysis commands name an anonymous partner by its alias only: `sweep` over its fire unit's
magazine, `size --stock` of that unit, `run --uncertainty` over a range of that unit's own value,
and `compare` of a change to it, are given the unit's real id on the command line; every file they
write (and the analysis report rendered from their folder) and everything they print, tables and
`--json`, is searched for the partner's name, its id and the corners of its airspace, with the
search of tests/report/test_anonymous_airspace.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.cli import app

from ..report.test_anonymous_airspace import ALIAS, ID, NAME, _leaks_in_text, leaks_in_folder, scenario_data

runner = CliRunner()

# A fighter patrol of the anonymous partner over its own airspace, whose id holds the partner's id
# (and so is written `Partner-V-fighter-cap` in every output), with a ranged re-arm turnaround so
# that `run --uncertainty` draws a value of the unit itself.
UNIT = f"{ID.lower()}-fighter-cap"
REDACTED_UNIT = f"{ALIAS}-fighter-cap"
FAST = ["--runs", "4", "--realisations", "2", "--fidelity", "ideal"]


def analysed_scenario() -> dict:
    data = scenario_data()
    data["fire_units"].append({
        "id": UNIT, "owner": ID, "interceptor": "aim-9x-cap", "platform": "fighter-patrol",
        "position": [34.66, 22.2], "magazine": 4, "fire_channels": 1, "reaction_time_s": 60,
        "patrol": {"missiles_per_aircraft": 2,
                   "rearm_turnaround_s": {"value": 3600, "notional": f"{NAME}'s turnaround, assumed",
                                          "range": [2400, 5400]}}})
    return data


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """An analysis folder written by sweep, size and run --uncertainty, with its report, a folder
    that compare wrote into, and what each command printed (as JSON and as tables)."""
    root = tmp_path_factory.mktemp("anonymous-analysis")
    source = root / "scenario.yaml"
    source.write_text(yaml.safe_dump(analysed_scenario(), sort_keys=False))
    folder, compared = root / "outputs" / "analysis", root / "outputs" / "compare"
    compared.mkdir(parents=True)
    commands = {
        "sweep": ["sweep", str(source), "--set", f"fire_units.{UNIT}.magazine=2:6:2", *FAST, "--out", str(folder)],
        "size": ["size", str(source), "--target", "P(leakers <= 0) >= 0.99", "--stock", UNIT, "--high", "2", *FAST,
                 "--out", str(folder), "--plot", str(folder / "sized.png")],
        "uncertainty": ["run", str(source), "--uncertainty", "2", *FAST, "--out", str(folder)],
        "compare": ["compare", str(source), "--magazine", f"{UNIT}=2", *FAST, "--out", str(compared)],
    }
    printed = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIELDWALL_CACHE", str(root / "cache"))
        for name, args in commands.items():
            printed[f"{name} --json"] = invoke(*args, "--json").output
            printed[name] = invoke(*args).output  # the tables (from the cache, where the command has one)
        printed["report"] = invoke("report", str(folder)).output
    return root / "outputs", printed


def test_the_commands_were_given_the_real_unit_and_wrote_every_output(analysed):
    outputs, printed = analysed
    folder = outputs / "analysis"
    names = {p.name for p in folder.rglob("*")}
    assert {"sweep.json", "sweep.parquet", "size.json", "uncertainty.json", "report.html", "figures", "sized.png",
            "risk-against-stock.png", "risk-against-stock.svg"} <= names
    assert any(n.endswith(".svg") and n.startswith("saturation") for n in names), names
    assert (outputs / "compare" / "compare.json").is_file()
    # The unit is there under its alias form: the search below is not vacuous.
    sweep = json.loads((folder / "sweep.json").read_text())
    assert [p["path"] for p in sweep["parameters"]] == [f"fire_units.{REDACTED_UNIT}.magazine"]
    size = json.loads((folder / "size.json").read_text())
    assert size["knob"]["path"] == REDACTED_UNIT and REDACTED_UNIT in size["knob"]["label"]
    uncertainty = json.loads((folder / "uncertainty.json").read_text())
    assert f"fire_units.{REDACTED_UNIT}.patrol.rearm_turnaround_s" in {p["path"] for p in uncertainty["parameters"]}
    assert REDACTED_UNIT in (outputs / "compare" / "compare.json").read_text()
    # As JSON: a table may fold a long column heading across lines, whatever the terminal's width.
    assert REDACTED_UNIT in printed["sweep --json"] and REDACTED_UNIT in printed["size --json"]


def test_no_output_holds_the_name_the_id_or_the_boundary(analysed):
    outputs, _ = analysed
    assert sum(p.is_file() for p in outputs.rglob("*")) >= 12
    assert leaks_in_folder(outputs) == {}


def test_nothing_printed_holds_the_name_the_id_or_the_boundary(analysed):
    _, printed = analysed
    leaks = {command: found for command, text in printed.items() if (found := _leaks_in_text(text))}
    assert leaks == {}


def test_run_names_its_default_folder_by_the_alias(tmp_path, monkeypatch):
    # A scenario named after the anonymous partner: `run` without --out writes under results/ a
    # folder named with the alias instead.
    data = scenario_data()
    data["name"] = f"{ID.lower()}-exercise"
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    invoke("run", "scenario.yaml", "--runs", "2", "--fidelity", "ideal")
    folders = [p.name for p in (tmp_path / "results").iterdir()]
    assert folders == [f"{ALIAS}-exercise"]
