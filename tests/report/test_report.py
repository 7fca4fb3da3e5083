"""The HTML report: self-contained, written from the numbers, with its figures beside it."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from shieldwall.report import brief, open_view
from shieldwall.report.cli import app

runner = CliRunner()


def test_report_is_one_self_contained_file_with_charts_and_map(results_folder):
    result = runner.invoke(app, ["report", str(results_folder), "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    html = (results_folder / "report.html").read_text()
    assert written["report"].endswith("report.html")
    # Nothing fetched from anywhere: no script, stylesheet link, image or remote URL.
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for section in ("brief", "leakage", "interceptors", "cost", "timeline", "map", "partner-value", "variants"):
        assert f'id="{section}"' in html
    assert html.count("<svg") == 7
    for name in ("leakage", "interceptors", "cost", "timeline", "map"):
        assert (results_folder / "figures" / f"{name}.svg").is_file()
        assert (results_folder / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_brief_states_the_numbers_with_intervals(results_folder):
    view = open_view(results_folder)
    text = " ".join(brief(view))
    total = view.summary["threats"]["all"]
    assert f"launched {total['launched']['mean']:,.0f} threats" in text
    assert f"{total['leaked']['mean']:,.1f} [" in text
    assert "USD of defence per USD of attack" in text


def test_report_regenerates_in_the_folder_but_never_replaces_a_users_file(results_folder, tmp_path):
    assert runner.invoke(app, ["report", str(results_folder)]).exit_code == 0
    assert runner.invoke(app, ["report", str(results_folder)]).exit_code == 0
    mine = tmp_path / "mine.html"
    mine.write_text("keep me")
    result = runner.invoke(app, ["report", str(results_folder), "--out", str(mine)])
    assert result.exit_code == 2 and "--force" in result.stderr and mine.read_text() == "keep me"
    assert runner.invoke(app, ["report", str(results_folder), "--out", str(mine), "--force"]).exit_code == 0
    assert "<html" in mine.read_text()


def test_bad_folder_and_bad_viewer_exit_2(results_folder, tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a folder" in result.stderr
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a shieldwall results folder" in result.stderr
    for command in (["report"], ["export", "--czml"], ["serve"]):
        result = runner.invoke(app, [command[0], str(results_folder), *command[1:], "--view-as", "ZZZ"])
        assert result.exit_code == 2 and "ZZZ" in result.stderr and "Traceback" not in result.output
