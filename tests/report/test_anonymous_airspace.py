"""An anonymous partner's airspace is never drawn or exported with its true shape, and no output
names the partner: every file a run, its report and its exports write is searched, binary files
decoded (Parquet through pyarrow, DuckDB through queries), for the partner's name, its id and the
coordinates of its boundary at several precisions."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.cli import app
from shieldwall.geo import load_boundaries
from shieldwall.report import open_view
from shieldwall.report._map import _airspace_shapes
from shieldwall.scenario import bundled_path, dump_scenario, parse_scenario

runner = CliRunner()

NAME, ID, ALIAS = "Veridia", "VRD", "Partner-V"
# The tutorial's neutral state, Ochre, becomes an anonymous partner's airspace, crossed by the
# drones and closed to the coalition's fighters (so refusals name it). The corners have digits
# of their own, and lie north and south of every route and position, so that a match is a leak.
BOUNDARY = [[33.91735, 20.61842], [33.88264, 23.47159], [35.13482, 23.52917], [35.16273, 20.57396]]


def scenario_data() -> dict:
    data = copy.deepcopy(yaml.safe_load(bundled_path("tutorial").read_text()))
    data["name"] = "anonymous-airspace"
    data["description"] = f"The drones cross {NAME} ({ID}), whose radar tracks reach the coalition command."
    data["partners"].append({"id": ID, "name": NAME, "anonymous": True, "alias": ALIAS})
    data["agreements"].append({"id": "vrd-tracks-to-blu", "kind": "track-sharing", "grantor": ID,
                               "parties": [ID, "BLU"], "note": f"{NAME} shares its tracks, not its airspace."})
    ochre = next(a for a in data["airspaces"] if a["id"] == "ochre")
    ochre.update(id=NAME.lower(), owner=ID, polygon=BOUNDARY, open_to=[])
    data["sensors"].append({"id": "vrd-radar", "owner": ID, "type": "green-pine", "platform": "ground",
                            "position": [34.71, 22.05], "altitude_m": 40, "release_to": ["BLU"],
                            "source": f"notional site in {NAME}"})
    return data


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """A results folder with every output written into it: run, report (the analyst's and a
    partner's view), CZML and GeoJSON of the median run and of run 0."""
    root = tmp_path_factory.mktemp("anonymous")
    source = root / "scenario.yaml"
    source.write_text(yaml.safe_dump(scenario_data(), sort_keys=False))
    folder = root / "results"
    commands = [
        ["run", str(source), "--runs", "20", "--seed", "3", "--realisations", "2", "--out", str(folder)],
        ["report", str(folder)],
        ["report", str(folder), "--view-as", "BLU"],
        ["report", str(folder), "--view-as", ALIAS],
        ["export", str(folder), "--czml", "--geojson"],
        ["export", str(folder), "--czml", "--geojson", "--run", "0", "--view-as", "AZR"],
    ]
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    return folder


def _coordinate_patterns() -> list[re.Pattern]:
    """Each corner coordinate as a number written at 2 to 6 decimals (and as Python writes it),
    not part of a longer number."""
    texts = set()
    for value in {v for corner in BOUNDARY for v in corner}:
        texts.add(repr(value))
        for digits in range(2, 7):
            texts.add(f"{value:.{digits}f}")
            texts.add(f"{value:.{digits}f}".rstrip("0").rstrip("."))
    return [re.compile(rf"(?<![\d.]){re.escape(t)}(?!\d)") for t in sorted(texts)]


NAME_PATTERN = re.compile(NAME, re.IGNORECASE)
ID_PATTERN = re.compile(rf"(?<![A-Za-z0-9]){ID}(?![A-Za-z0-9])", re.IGNORECASE)
COORDINATES = _coordinate_patterns()
CORNER_VALUES = np.array(sorted({v for corner in BOUNDARY for v in corner}))


def _leaks_in_text(text: str) -> list[str]:
    found = [p.pattern for p in (NAME_PATTERN, ID_PATTERN) if p.search(text)]
    return found + [p.pattern for p in COORDINATES if p.search(text)]


def _leaks_in_numbers(values: np.ndarray) -> bool:
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    return bool(values.size and np.any(np.isclose(values[:, None], CORNER_VALUES[None, :], rtol=0, atol=1e-7)))


def _leaks_in_table(table: pa.Table) -> list[str]:
    """Column names, schema metadata, every string (dictionaries decoded) and every number."""
    found = _leaks_in_text(" ".join(table.column_names))
    if table.schema.metadata:
        found += _leaks_in_text(" ".join(f"{k!r}{v!r}" for k, v in table.schema.metadata.items()))
    for name in table.column_names:
        column = table[name]
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            found += [f"{name}: {leak}" for leak in _leaks_in_text("\n".join(str(v) for v in column.to_pylist()))]
        elif pa.types.is_floating(kind) or pa.types.is_integer(kind):
            if _leaks_in_numbers(column.to_numpy(zero_copy_only=False)):
                found.append(f"{name}: a corner coordinate")
    return found


def _leaks_in_duckdb(path: Path) -> list[str]:
    found = []
    with duckdb.connect(str(path), read_only=True) as db:
        relations = db.execute("select table_name, table_type from information_schema.tables").fetchall()
        assert {"threats", "shots", "refusals", "replications", "timeline"} <= {name for name, _ in relations}
        for name, _ in relations:
            found += [f"{name}.{leak}" for leak in _leaks_in_table(db.sql(f'select * from "{name}"').to_arrow_table())]
        definitions = db.execute("select sql from duckdb_views() where not internal").fetchall()
        found += _leaks_in_text(" ".join(str(row[0]) for row in definitions))
    return found


def _leaks_in_file(path: Path) -> list[str]:
    data = path.read_bytes()
    # Raw bytes, whatever the format (the long name cannot appear by chance in compressed data).
    found = ["raw: name"] if NAME_PATTERN.search(data.decode("latin-1")) else []
    if path.suffix == ".parquet":
        found += _leaks_in_table(pq.read_table(path))
        found += _leaks_in_text(str(pq.read_metadata(path).metadata))
    elif path.suffix == ".duckdb":
        found += _leaks_in_duckdb(path)
    elif path.suffix == ".png":
        pass  # pixels; its SVG twin, searched as text, is the same figure
    else:
        found += _leaks_in_text(data.decode("utf-8"))
    return found


def leaks_in_folder(folder: Path) -> dict[str, list[str]]:
    """What each file below `folder` (its path included) gives away, by path; empty when nothing."""
    leaks = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = str(path.relative_to(folder))
        found = _leaks_in_text(relative) + _leaks_in_file(path)
        if found:
            leaks[relative] = found
    return leaks


def test_the_scenario_puts_the_partner_where_the_search_can_find_it():
    text = yaml.safe_dump(scenario_data())
    assert NAME_PATTERN.search(text) and ID_PATTERN.search(text)
    assert all(repr(float(value)) in text for value in CORNER_VALUES)


def test_every_output_is_written(outputs):
    names = {p.name for p in outputs.rglob("*")}
    assert {"threats.parquet", "shots.parquet", "refusals.parquet", "replications.parquet", "results.duckdb",
            "scenario.yaml", "summary.json", "manifest.json", "report.html", "report-view-BLU.html",
            f"report-view-{ALIAS}.html", "map.svg", "map.png"} <= names
    assert sum(n.endswith(".czml") for n in names) == 2 and sum(n.endswith(".geojson") for n in names) == 2
    # The rule the airspace carries is in the results, under a name made from the alias.
    refusals = pq.read_table(outputs / "refusals.parquet")
    assert f"{ALIAS}-airspace" in set(refusals["airspace"].to_pylist())


def test_no_output_holds_the_name_the_id_or_the_boundary(outputs):
    assert sum(p.is_file() for p in outputs.rglob("*")) >= 20
    assert leaks_in_folder(outputs) == {}


def test_results_scenario_holds_a_coarse_placeholder_that_is_not_drawn(outputs):
    text = (outputs / "scenario.yaml").read_text()
    assert text.startswith("# Airspaces of anonymous partners are 10-degree placeholders")
    stored = yaml.safe_load(text)
    airspace = next(a for a in stored["airspaces"] if a["owner"] == ALIAS)
    assert airspace["id"] == f"{ALIAS}-airspace" and "country" not in airspace
    assert airspace["polygon"] == [[30.0, 20.0], [30.0, 30.0], [40.0, 30.0], [40.0, 20.0]]
    view = open_view(outputs)
    drawn = {a.id for a, _ in _airspace_shapes(view)}
    assert drawn == {"azuria"}
    assert "anonymous partners' airspaces are not drawn" in html.unescape((outputs / "report.html").read_text())
    # The CZML and GeoJSON draw no airspace at all: no polygon in either.
    for path in outputs.glob("replay-run-*.czml"):
        assert not any("polygon" in packet for packet in json.loads(path.read_text()))
    for path in outputs.glob("replay-run-*.geojson"):
        kinds = {f["geometry"]["type"] for f in json.loads(path.read_text())["features"]}
        assert kinds <= {"Point", "LineString"}


def test_a_replay_draws_the_stored_engagements(outputs):
    geojson = json.loads(next(outputs.glob("replay-run-0-view-AZR.geojson")).read_text())
    routes = [f for f in geojson["features"] if f["properties"]["kind"] == "route"]
    threats = pq.read_table(outputs / "threats.parquet").to_pylist()
    stored = {r["threat"]: r for r in threats if r["run"] == 0}
    assert len(routes) == len(stored)
    for route in routes:
        row = stored[route["properties"]["threat"]]
        assert route["properties"]["fate"] == row["fate"]
        assert route["properties"]["fate_t_s"] == round(row["fate_t_s"], 1)


def test_a_country_airspace_of_an_anonymous_partner_leaves_no_outline():
    data = scenario_data()
    veridia = next(a for a in data["airspaces"] if a["owner"] == ID)
    del veridia["polygon"]
    veridia["country"] = "CYP"
    text = dump_scenario(parse_scenario(yaml.safe_dump(data), "country.yaml"))
    stored = next(a for a in yaml.safe_load(text)["airspaces"] if a["owner"] == ALIAS)
    assert "country" not in stored and "CYP" not in text
    assert stored["polygon"] == [[30.0, 30.0], [30.0, 40.0], [40.0, 40.0], [40.0, 30.0]]
    shape = load_boundaries()["CYP"]
    corners = np.vstack([np.asarray(part.exterior.coords) for part in getattr(shape, "geoms", [shape])])
    for lon, lat in corners[::3]:
        assert f"{lat:.4f}" not in text and f"{lon:.4f}" not in text
