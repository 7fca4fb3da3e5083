"""Anonymity and releasability: every output, for every viewer, holds nothing withheld from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldwall.interop import write_geojson
from shieldwall.replay import ReplayServer, build_replay, write_czml
from shieldwall.report import WITHHELD, open_view, releasable_partners, write_report
from shieldwall.scenario import load_scenario

from .conftest import ALIAS, SECRET_ID, SECRET_NAME

VIEWERS = [None, "AAA", ALIAS, "CCC"]


def test_the_rule_follows_track_sharing_agreements(results_folder):
    scenario = load_scenario(results_folder / "scenario.yaml")
    assert releasable_partners(scenario, "AAA") == {"AAA", ALIAS, "CCC"}
    assert releasable_partners(scenario, "CCC") == {"CCC", "AAA"}
    assert releasable_partners(scenario, ALIAS) == {ALIAS}


def test_views_hide_what_is_not_released(results_folder):
    full = open_view(results_folder)
    assert full.withheld_partners == () and full.withheld_terms() == []
    view = open_view(results_folder, "CCC")
    assert view.withheld_partners == (ALIAS,)
    assert set(view.withheld_terms()) == {ALIAS, "x-battery", "x-radar"}
    # AAA's own radar is released to all; the anonymous partner's radar to AAA only.
    names = {view.scenario.sensors[i].id for i in view.visible_sensors}
    assert names == {"alpha-radar", "charlie-radar"}
    assert set(open_view(results_folder, "AAA").withheld_terms()) == set()
    # Withheld shots are summed, not lost: the totals match the full view.
    by_partner = view.summary["interceptors_by_partner"]
    assert set(by_partner) == {"AAA", "CCC", WITHHELD}
    total = sum(v["mean"] for v in by_partner.values())
    assert total == pytest.approx(sum(v["mean"] for v in full.summary["interceptors_by_partner"].values()))
    assert view.summary["defence_cost_usd"]["mean"] == pytest.approx(full.summary["defence_cost_usd"]["mean"])


def _outputs(folder: Path, viewer: str | None, out: Path) -> dict[str, bytes]:
    """Every output for `viewer`: report, figures, CZML, GeoJSON, and what the server sends."""
    files = write_report(folder, view_as=viewer, out=out / "report.html")
    replay = build_replay(folder, view_as=viewer)
    paths = [files.html, *files.figures, write_czml(replay, out), write_geojson(replay, out)]
    contents = {str(p.relative_to(out)): p.read_bytes() for p in paths}
    server = ReplayServer(replay, port=0)
    contents.update({f"served:{k}": v for k, v in server.data.items()})
    server.close()
    return contents


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_output_holds_a_withheld_name(results_folder, tmp_path, viewer):
    contents = _outputs(results_folder, viewer, tmp_path)
    forbidden = [SECRET_ID, SECRET_NAME, *open_view(results_folder, viewer).withheld_terms()]
    for name, data in contents.items():
        for term in forbidden:
            assert term not in name
            # A PNG's compressed bytes say nothing (its SVG twin, searched here, is the same figure).
            if not name.endswith(".png"):
                assert term.encode() not in data, f"{term!r} in {name} (view of {viewer})"
    html = contents["report.html"].decode()
    if viewer is None:
        assert ALIAS in html  # anonymous partners appear, under their alias
    if viewer == "CCC":
        assert WITHHELD in html and "Partner value" in html
        assert "1 variant(s) naming withheld partners" in html


def test_file_names_carry_the_viewer(results_folder):
    files = write_report(results_folder, view_as="CCC")
    assert files.html.name == "report-view-CCC.html"
    assert all(p.parent.name == "figures-view-CCC" for p in files.figures)
