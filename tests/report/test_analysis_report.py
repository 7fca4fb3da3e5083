"""The report of sweep, size and uncertainty outputs, and why leakers got through: every number in
the HTML is checked against the JSON (or the tables) it came from, to the digits shown."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import numpy as np
import pyarrow.compute as pc
import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.cli import app
from shieldwall.report import open_view, write_report

from .conftest import ALIAS, FIXTURE, coalition_scenario

runner = CliRunner()
KP = "catalog.interceptors.test-missile.kill_probability.drone"
FAST = ["--runs", "4", "--realisations", "2", "--fidelity", "ideal"]


def one_drone(tmp_path, magazine: int = 1) -> str:
    """The one-drone fixture with one round and a declared range on the kill probability (for
    --uncertainty), so that some raids leak."""
    data = yaml.safe_load(FIXTURE.read_text())
    data["fire_units"][0]["magazine"] = magazine
    data["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"] = {
        "value": 0.5, "notional": "test fixture; range: test span", "range": [0.2, 0.8]}
    path = tmp_path / "one-drone.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def analysis_folder(tmp_path_factory):
    """A folder with a grid sweep over one parameter, size --out and run --uncertainty, no run."""
    tmp = tmp_path_factory.mktemp("analysis")
    scenario = one_drone(tmp)
    folder = tmp / "analysis"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIELDWALL_CACHE", str(tmp / "cache"))
        invoke("sweep", scenario, "--set", f"{KP}=0.3:0.9:4", *FAST, "--out", str(folder))
        printed = invoke("size", scenario, "--target", "P(leakers <= 0) >= 0.9", "--stock", "battery", "--runs", "8",
                         "--realisations", "2", "--fidelity", "ideal", "--out", str(folder)).stdout
        invoke("run", scenario, "--uncertainty", "4", *FAST, "--out", str(folder))
    (folder / "size-stdout.txt").write_text(printed)
    return folder


class Tables(HTMLParser):
    """The tables of an HTML page, by caption: a list of rows of cell texts (header first)."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._rows is not None:
            self.tables[self._caption] = self._rows
            self._rows = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def table(html: str, caption_start: str) -> list[list[str]]:
    found = [rows for caption, rows in Tables(html).tables.items() if caption.startswith(caption_start)]
    assert len(found) == 1, f"one table captioned {caption_start!r}"
    return found[0]


NUMBER = r"[+-]?\d[\d,]*(?:\.\d+)?|\?"


def numbers(cell: str) -> list[float]:
    """The numbers of a cell ('0.25 [0.00, 39.28]', '0.2 .. 0.8'), with the decimals each was shown to."""
    return [(float("nan") if n == "?" else float(n.replace(",", ""))) for n in re.findall(NUMBER, cell)]


def decimals(cell: str) -> int:
    first = re.findall(NUMBER, cell)[0]
    return len(first.split(".")[1]) if "." in first else 0


def assert_estimate(cell: str, estimate: dict, scale: float = 1.0) -> None:
    """`cell` shows `estimate` (mean, and low and high if shown), each to the decimals shown."""
    shown = numbers(cell)
    tolerance = 0.5 * 10 ** -decimals(cell) + 1e-12
    expected = [estimate["mean"], estimate["low"], estimate["high"]][:len(shown)]
    for value, truth in zip(shown, expected):
        if np.isfinite(value):
            assert abs(value - truth / scale) <= tolerance, (cell, estimate)


def test_analysis_report_shows_the_sweep_numbers_and_its_saturation_curve(analysis_folder):
    result = runner.invoke(app, ["report", str(analysis_folder), "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    html = (analysis_folder / "report.html").read_text()
    assert written["report"] == str(analysis_folder / "report.html")
    # Self-contained: no script, link, image or remote address.
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for section in ("sweep", "size", "uncertainty", "saturation"):
        assert f'id="{section}"' in html
    assert html.count("<svg") == 2  # the saturation curve and the risk against stock
    for name in ("saturation", "risk-against-stock"):
        assert (analysis_folder / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f'data-figure="{name}"' in html

    sweep = json.loads((analysis_folder / "sweep.json").read_text())
    rows = table(html, f"{sweep['scenario']}: grid sweep")
    assert rows[0] == [KP, "leakers", "P(no leaker)", "value lost (USD M)", "interceptors"]
    assert len(rows) - 1 == len(sweep["results"]) == 4
    for row, point in zip(rows[1:], sweep["results"]):
        assert float(row[0]) == pytest.approx(point["values"][KP])
        m = point["measures"]
        assert_estimate(row[1], m["leaked"])
        assert_estimate(row[2], m["p_no_leaker"])
        assert_estimate(row[3], m["value_lost_usd"], 1e6)
        assert_estimate(row[4], m["shots"])
    # The band is drawn from the same intervals: one point of the band per point swept, and above.
    svg = (analysis_folder / "figures" / "saturation.svg").read_text()
    assert "95 % interval" in svg and "scenario" in svg


def test_analysis_report_shows_the_size_answer_and_every_value_tried(analysis_folder):
    write_report(analysis_folder)
    html = (analysis_folder / "report.html").read_text()
    size = json.loads((analysis_folder / "size.json").read_text())
    assert size["answer"] is not None
    answer = re.search(r'<p class="answer"><b>(.*?)</b>', html).group(1)
    assert f"{size['knob']['label']} = {size['answer']} (the scenario has {size['knob']['scenario_value']})" in answer
    there = answer.split("there ", 1)[1]
    at_answer, at_neighbour = there.split(f", at {size['at_neighbour']['value']} ")
    assert_estimate(at_answer, size["at_answer"]["estimate"])
    assert_estimate(at_neighbour, size["at_neighbour"]["estimate"])
    rows = table(html, f"{size['scenario']}: {size['knob']['label']}")
    assert [r[0] for r in rows[1:]] == [str(e["value"]) for e in size["evaluated"]]
    for row, e in zip(rows[1:], size["evaluated"]):
        assert_estimate(row[1], e["estimate"])
        assert row[2] == ("yes" if e["met"] else "no")
    assert '<tr class="strong"><td>' + str(size["answer"]) in html


def test_size_out_writes_the_answer_it_prints_and_its_figure(analysis_folder):
    size = json.loads((analysis_folder / "size.json").read_text())
    printed = (analysis_folder / "size-stdout.txt").read_text()
    answer = re.search(r"answer: .* = (\d+) \(the scenario has", printed)
    assert answer and int(answer.group(1)) == size["answer"]
    assert size["figures"] == ["risk-against-stock.png", "risk-against-stock.svg"]
    assert (analysis_folder / "risk-against-stock.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (analysis_folder / "risk-against-stock.svg").read_text()


def test_size_out_replaces_its_own_outputs_and_refuses_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIELDWALL_CACHE", str(tmp_path / "cache"))
    scenario = one_drone(tmp_path)
    folder = tmp_path / "nested" / "size"
    args = ["size", scenario, "--target", "E(leaked) <= 0.5", "--stock", "battery", "--runs", "4",
            "--realisations", "2", "--fidelity", "ideal", "--out", str(folder), "--json"]
    first = json.loads(invoke(*args).stdout)
    (folder / "size.json").write_text("{}")
    assert json.loads(invoke(*args).stdout)["answer"] == first["answer"]
    assert json.loads((folder / "size.json").read_text())["answer"] == first["answer"]
    (tmp_path / "a-file").write_text("")
    args[args.index(str(folder))] = str(tmp_path / "a-file")
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--out" in result.output and len(result.output.strip().splitlines()) == 1


def test_analysis_report_shows_parameter_spread_beside_monte_carlo_spread(analysis_folder):
    write_report(analysis_folder)
    html = (analysis_folder / "report.html").read_text()
    data = json.loads((analysis_folder / "uncertainty.json").read_text())
    rows = table(html, f"{data['scenario']}: the answer over {data['sets']} parameter sets")
    assert rows[0] == ["measure", "mean over sets", "5 % .. 95 % of sets", "parameter spread (sd)", "Monte Carlo (sd)"]
    assert len(rows) - 1 == len(data["measures"])
    for row, m in zip(rows[1:], data["measures"].values()):
        scale = 1e6 if "USD" in m["label"] else 1.0
        shown = [row[1], *row[2].split(" .. "), row[3], row[4]]
        for cell, key in zip(shown, ("mean_over_sets", "p05_over_sets", "p95_over_sets", "parameter_sd",
                                     "monte_carlo_sd")):
            assert abs(numbers(cell)[0] - m[key] / scale) <= 0.5 * 10 ** -decimals(cell) + 1e-12, (cell, key)
    drawn = table(html, "parameters drawn")
    assert [r[0] for r in drawn[1:]] == [p["path"] for p in data["parameters"]] == [KP]
    assert numbers(drawn[1][1]) == [0.5] and numbers(drawn[1][2]) == [0.2, 0.8]


def test_tornado_sobol_and_a_long_points_table(tmp_path, monkeypatch):
    pytest.importorskip("SALib")
    monkeypatch.setenv("SHIELDWALL_CACHE", str(tmp_path / "cache"))
    scenario = one_drone(tmp_path, magazine=2)
    two = ["--set", "fire_units.battery.magazine=1:3", "--set", f"{KP}=0.3:0.9"]
    invoke("sweep", scenario, *two, "--design", "oat", *FAST, "--out", str(tmp_path / "oat"))
    invoke("sweep", scenario, *two, "--design", "saltelli", "--points", "16", *FAST, "--out", str(tmp_path / "sobol"))

    write_report(tmp_path / "oat")
    html = (tmp_path / "oat" / "report.html").read_text()
    oat = json.loads((tmp_path / "oat" / "sweep.json").read_text())
    assert 'data-figure="tornado"' in html
    rows = table(html, "one at a time")
    assert [r[0] for r in rows[1:]] == [row["path"] for row in oat["tornado"]]
    for row, effect in zip(rows[1:], oat["tornado"]):
        assert numbers(row[1]) == [effect["low"], effect["high"]]
        assert_estimate(row[2], effect["leaked"]["at_low"])
        assert_estimate(row[3], effect["leaked"]["at_high"])

    write_report(tmp_path / "sobol")
    html = (tmp_path / "sobol" / "report.html").read_text()
    sobol = json.loads((tmp_path / "sobol" / "sweep.json").read_text())
    assert 'data-figure="sobol"' in html
    indices = sobol["sobol"]["leaked"]
    for row in table(html, "Sobol indices")[1:]:
        s = indices[row[0]]
        for cell, key in ((row[1], "S1"), (row[2], "ST")):
            value, half_width = numbers(cell.replace("±", " "))
            assert abs(value - s[key]) <= 0.005 + 1e-12 and abs(half_width - s[f"{key}_conf"]) <= 0.005 + 1e-12
    points = table(html, f"{sobol['scenario']}: saltelli sweep")
    assert len(sobol["results"]) == 64 and len(points) - 1 == 40
    assert "24 more points in sweep.parquet" in html


def test_a_folder_with_no_results_is_one_line_and_exit_code_2(tmp_path, analysis_folder):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("nothing here")
    result = runner.invoke(app, ["report", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "not a shieldwall results folder" in result.output
    assert not (tmp_path / "empty" / "report.html").exists()
    # An analysis folder has no scenario to judge a partner's view by.
    result = runner.invoke(app, ["report", str(analysis_folder), "--view-as", "AAA"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1 and "--view-as" in result.output


# ------------------------------------------------------------- a results folder with analysis outputs


@pytest.fixture(scope="module")
def results_with_sweeps(tmp_path_factory, results_folder):
    """The coalition's results with two sweeps beside them: one over a unit every viewer may see
    (alpha-battery, AAA's), one over the anonymous partner's (x-battery)."""
    tmp = tmp_path_factory.mktemp("with-sweeps")
    scenario = tmp / "coalition.yaml"
    scenario.write_text(yaml.safe_dump(coalition_scenario()))
    folder = tmp / "coalition"
    shutil.copytree(results_folder, folder, ignore=shutil.ignore_patterns("report*", "figures*"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIELDWALL_CACHE", str(tmp / "cache"))
        for unit in ("alpha-battery", "x-battery"):
            invoke("sweep", str(scenario), "--set", f"fire_units.{unit}.magazine=2:6:2", *FAST, "--no-plots",
                   "--out", str(tmp / unit))
    return folder, tmp


def test_results_report_has_the_sweep_section_and_a_partner_view_leaves_out_what_it_may_not_see(results_with_sweeps):
    folder, tmp = results_with_sweeps
    shutil.copy(tmp / "alpha-battery" / "sweep.json", folder / "sweep.json")
    # CCC sees AAA's units: the sweep over alpha-battery is in its view as it is in the analyst's.
    assert open_view(folder, "CCC").extras["sweep.json"] == open_view(folder).extras["sweep.json"]
    shutil.copy(tmp / "x-battery" / "sweep.json", folder / "sweep.json")
    assert "x-battery" in open_view(folder).extras["sweep.json"]["parameters"][0]["path"]
    html = write_report(folder).html.read_text()
    assert 'id="sweep"' in html and 'data-figure="saturation"' in html and html.count("<svg") == 8
    assert "fire_units.x-battery.magazine" in html
    # The sweep over the anonymous partner's battery is left out of CCC's view, and said to be.
    view = write_report(folder, view_as="CCC").html.read_text()
    assert 'id="sweep"' in view and 'data-figure="saturation"' not in view and "x-battery" not in view
    assert "sweep.json names a partner, fire unit or sensor that this viewer may not see" in view


def verdict_rows(html: str) -> dict[str, str]:
    return {row[0]: row[1] for row in table(html, "Leakers per raid, by the verdict")[1:]}


def test_verdicts_in_the_report_are_the_summary_s_and_a_partner_sees_withheld_units_summed(results_folder):
    view = open_view(results_folder)
    verdicts = view.summary["leaker_verdicts"]
    assert verdicts, "the coalition fixture leaks, with units that could have fired"
    html = write_report(results_folder).html.read_text()
    assert 'id="verdicts"' in html
    shown = verdict_rows(html)
    assert set(shown) == set(verdicts)
    for name, cell in shown.items():
        assert_estimate(cell, verdicts[name])
    means = [numbers(cell)[0] for cell in shown.values()]
    assert means == sorted(means, reverse=True)

    # CCC may not see Partner-X: its units' rows are one "withheld partners" row, counted from the
    # decisions table here; the visible units' rows keep their verdicts.
    decisions = view.tables["decisions"]
    runs = view.tables["replications"].num_rows
    partner = np.asarray(pc.cast(decisions["partner"], "string").to_pylist(), dtype=object)
    verdict = np.asarray(pc.cast(decisions["verdict"], "string").to_pylist(), dtype=object)
    html = write_report(results_folder, view_as="CCC").html.read_text()
    shown = verdict_rows(html)
    hidden = partner == ALIAS
    if hidden.any():
        assert list(shown)[-1] == "withheld partners"
        assert abs(numbers(shown["withheld partners"])[0] - hidden.sum() / runs) <= 0.005 + 1e-12
    for name, cell in shown.items():
        if name != "withheld partners":
            assert abs(numbers(cell)[0] - np.count_nonzero(~hidden & (verdict == name)) / runs) <= 0.005 + 1e-12
    assert sum(numbers(c)[0] for c in shown.values()) == pytest.approx(len(partner) / runs, abs=0.005 * len(shown))


def test_run_prints_the_verdicts_of_its_summary(tmp_path, scenario_data):
    path = tmp_path / "coalition.yaml"
    path.write_text(yaml.safe_dump(scenario_data))
    result = invoke("run", str(path), "--runs", "6", "--realisations", "2", "--out", str(tmp_path / "out"))
    verdicts = json.loads((tmp_path / "out" / "summary.json").read_text())["leaker_verdicts"]
    assert verdicts
    text = result.stdout
    assert "why leakers got through" in text
    lines = text[text.index("why leakers got through"):].splitlines()
    for name, estimate in verdicts.items():
        # Long verdicts may wrap in the table: match on the first words.
        line = next(line for line in lines if line.startswith(f"│ {name[:20]}"))
        assert_estimate(line.rsplit("│", 2)[-2], estimate)


def test_report_help_says_it_renders_analysis_folders():
    result = runner.invoke(app, ["report", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "sweep, size --out and run --uncertainty" in text
