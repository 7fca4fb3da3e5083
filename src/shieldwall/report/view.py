"""A results folder as one viewer may see it: anonymity and releasability applied once, here.

Every output (HTML report, figures, CZML replay, GeoJSON) is rendered from a `View`, never from
the raw folder, so the rule below holds for all of them (see docs/design/report.md).

* No viewer (the analyst's view): everything, with anonymous partners under their alias only. The
  results folder already holds aliases only (tables and `scenario.yaml` are redacted when written).
* Viewer P: partner Q is *visible* to P when Q is P or Q releases its tracks to P, that is, a
  track-sharing agreement with grantor Q and P among its parties is in force at some time of the
  scenario. P sees a visible partner's fire units, engagements (shots, intercept points, shooter,
  interceptor type), refusals and airspace names. A sensor is shown when its owner is P, or its
  owner is visible and its `release_to` includes P. Everything of a partner that is not visible is
  withheld: its name, units, sensors, airspace names and engagement points do not appear; its shots,
  intercepts and cost appear only summed with the other withheld partners' as "withheld partners".
  The raid itself (launches, threat routes, fates and impact points) is the coalition's common
  picture of the attack and is shown to every viewer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shieldwall import _json as strict_json
from shieldwall.results import read_folder, summarise
from shieldwall.results.store import FILES
from shieldwall.scenario import Scenario, load_scenario

WITHHELD = "withheld partners"
"""The label under which withheld partners' engagements are summed."""
WITHHELD_AIRSPACE = "withheld airspace"
ANALYSIS_FILES = ("sweep.json", "size.json", "uncertainty.json")
"""Outputs of `sweep`, `size --out` and `run --uncertainty`: the report renders them in a results
folder, or alone in a folder of their own (an analysis report)."""
OPTIONAL_FILES = ("value.json", "compare.json", *ANALYSIS_FILES)


class ResultsFolderError(ValueError):
    """The folder is not a readable shieldwall results folder."""


class UnknownViewerError(ValueError):
    """--view-as names no partner of the scenario."""


@dataclass
class View:
    """The contents of a results folder that `viewer` may see (None: the analyst's full view)."""

    folder: Path
    scenario: Scenario
    tables: dict[str, pa.Table]
    summary: dict
    manifest: dict
    viewer: str | None
    visible_partners: tuple[str, ...]
    withheld_partners: tuple[str, ...]
    visible_units: tuple[int, ...]
    visible_sensors: tuple[int, ...]
    extras: dict[str, dict] = field(default_factory=dict)

    @property
    def suffix(self) -> str:
        """File-name suffix of this view's outputs ('' for the analyst's view)."""
        return f"-view-{self.viewer}" if self.viewer else ""

    @property
    def partner_labels(self) -> list[str]:
        """Labels shown in charts, in scenario order, with the withheld bucket last if needed."""
        labels = [p.label for p in self.scenario.partners if p.label in self.visible_partners]
        return labels + ([WITHHELD] if self.withheld_partners else [])

    def median_run(self) -> int:
        """The replication with the median number of leakers (the lower median; ties by run)."""
        reps = self.tables["replications"]
        runs, leaked = reps["run"].to_numpy(), reps["leaked"].to_numpy()
        order = np.lexsort((runs, leaked))
        return int(runs[order[(order.size - 1) // 2]])

    def withheld_terms(self) -> list[str]:
        """Every name this view must not contain: labels, names, unit, sensor and airspace ids of
        withheld partners, and ids of sensors not released to the viewer."""
        s = self.scenario
        terms = set()
        for p in s.partners:
            if p.label in self.withheld_partners:
                terms |= {p.id, p.name, p.label}
        terms |= {u.id for i, u in enumerate(s.fire_units) if i not in self.visible_units}
        terms |= {x.id for i, x in enumerate(s.sensors) if i not in self.visible_sensors}
        terms |= {a.id for a in s.airspaces if a.owner in self.withheld_partners}
        return sorted(terms)


@dataclass
class AnalysisFolder:
    """A folder of analysis outputs alone (`ANALYSIS_FILES`, no runs, no scenario): what the
    analysis report renders. With no scenario there is no partner to judge releasability by, so
    it has only the analyst's view."""

    folder: Path
    extras: dict[str, dict]


def is_results_folder(folder: str | Path) -> bool:
    """Whether `folder` holds a run's results (its manifest), as opposed to analysis outputs only."""
    return (Path(folder) / "manifest.json").is_file()


def open_analysis(folder: str | Path) -> AnalysisFolder:
    """Read the analysis outputs of a folder that holds no run (ResultsFolderError if it holds
    none of `ANALYSIS_FILES` either)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder} is not a folder")
    extras = _read_optional(folder, ANALYSIS_FILES)
    if not extras:
        raise ResultsFolderError(f"{folder} is not a shieldwall results folder (missing {', '.join(_missing(folder))}) "
                                 f"and holds no {', '.join(ANALYSIS_FILES)}")
    return AnalysisFolder(folder, extras)


def _missing(folder: Path) -> list[str]:
    """The files of a results folder that `folder` lacks (the DuckDB database is optional)."""
    return [name for name in FILES if name != "results.duckdb" and not (folder / name).exists()]


def _read_optional(folder: Path, names) -> dict[str, dict]:
    """The JSON documents among `names` that `folder` holds."""
    extras = {}
    for name in names:
        path = folder / name
        if path.is_file():
            try:
                # Bounds the data cannot give are null in the file; the figures want NaN.
                extras[name] = strict_json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ResultsFolderError(f"{path}: not valid JSON: {error}") from None
    return extras


def releasable_partners(scenario: Scenario, viewer: str) -> set[str]:
    """Partners whose engagements and tracks `viewer` may see (itself included)."""
    end = scenario.duration_s
    visible = {viewer}
    for agreement in scenario.agreements:
        if agreement.kind != "track-sharing" or viewer not in agreement.grantees:
            continue
        until = agreement.in_force_until_s if agreement.in_force_until_s is not None else np.inf
        if agreement.in_force_from_s <= end and until >= 0:
            visible.add(agreement.grantor)
    return visible


def open_view(folder: str | Path, view_as: str | None = None) -> View:
    """Read a results folder and apply the releasability rule for `view_as` (a partner label)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder} is not a folder")
    missing = _missing(folder)
    if missing:
        raise ResultsFolderError(f"{folder} is not a shieldwall results folder (missing {', '.join(missing)})")
    try:
        tables, summary, manifest = read_folder(folder)
        scenario = load_scenario(folder / "scenario.yaml")
    except (OSError, ValueError, pa.ArrowException) as error:
        raise ResultsFolderError(f"{folder}: cannot read its results: {error}") from None
    extras = _read_optional(folder, OPTIONAL_FILES)

    labels = [p.label for p in scenario.partners]
    if view_as is None:
        return View(folder, scenario, tables, summary, manifest, None, tuple(labels), (),
                    tuple(range(len(scenario.fire_units))), tuple(range(len(scenario.sensors))), extras)
    if view_as not in labels:
        raise UnknownViewerError(f"--view-as {view_as!r} is not a partner of this scenario "
                                 f"(partners: {', '.join(labels)})")
    visible = releasable_partners(scenario, view_as)
    withheld = tuple(p for p in labels if p not in visible)
    units = tuple(i for i, u in enumerate(scenario.fire_units) if u.owner in visible)
    sensors = tuple(
        i for i, s in enumerate(scenario.sensors)
        if s.owner == view_as or (s.owner in visible and (s.release_to == "all" or view_as in s.release_to))
    )
    withheld_airspaces = [a.id for a in scenario.airspaces if a.owner in withheld]
    view_tables = _redact_tables(tables, set(withheld), withheld_airspaces)
    view_summary = summarise(view_tables)
    view = View(folder, scenario, view_tables, view_summary, manifest, view_as,
                tuple(p for p in labels if p in visible), withheld, units, sensors)
    terms = view.withheld_terms()
    view.extras = {name: _redact_extra(name, data, set(withheld), terms) for name, data in extras.items()}
    return view


def _replace(column: pa.ChunkedArray, values: list[str], label: str) -> pa.ChunkedArray:
    """`column` (dictionary or string) with every value in `values` replaced by `label`."""
    text = pc.cast(column, pa.string())
    if not values:
        return text.dictionary_encode()
    hit = pc.is_in(text, value_set=pa.array(values, pa.string()))
    return pc.if_else(pc.fill_null(hit, False), pa.scalar(label), text).dictionary_encode()


def _set(table: pa.Table, name: str, column) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, column)


def _redact_tables(tables: dict[str, pa.Table], withheld: set[str], airspaces: list[str]) -> dict[str, pa.Table]:
    out = dict(tables)
    shots = tables["shots"]
    hidden = pc.fill_null(pc.is_in(pc.cast(shots["partner"], pa.string()), value_set=pa.array(sorted(withheld), pa.string())), False)
    nothing = pa.scalar(None, pa.string())
    shots = _set(shots, "unit", pc.if_else(hidden, nothing, pc.cast(shots["unit"], pa.string())).dictionary_encode())
    shots = _set(shots, "interceptor", _fill(shots["interceptor"], hidden, WITHHELD))
    shots = _set(shots, "partner", _replace(shots["partner"], sorted(withheld), WITHHELD))
    for name in ("lat_deg", "lon_deg", "alt_m"):
        shots = _set(shots, name, pc.if_else(hidden, pa.scalar(np.nan), shots[name]))
    shots = _set(shots, "airspace", pc.if_else(hidden, nothing, pc.cast(shots["airspace"], pa.string())).dictionary_encode())
    shots = _set(shots, "airspace", _replace(shots["airspace"], airspaces, WITHHELD_AIRSPACE))
    out["shots"] = shots

    threats = tables["threats"]
    hidden = pc.fill_null(pc.is_in(pc.cast(threats["by_partner"], pa.string()), value_set=pa.array(sorted(withheld), pa.string())), False)
    threats = _set(threats, "by_unit", pc.if_else(hidden, nothing, pc.cast(threats["by_unit"], pa.string())).dictionary_encode())
    threats = _set(threats, "by_interceptor", _fill(threats["by_interceptor"], hidden, WITHHELD))
    threats = _set(threats, "by_partner", _replace(threats["by_partner"], sorted(withheld), WITHHELD))
    threats = _set(threats, "fate_airspace", _replace(threats["fate_airspace"], airspaces, WITHHELD_AIRSPACE))
    if "first_track_partner" in threats.column_names:  # folders written before it have none
        threats = _set(threats, "first_track_partner",
                       _replace(threats["first_track_partner"], sorted(withheld), WITHHELD))
    out["threats"] = threats

    refusals = tables["refusals"]
    keep = pc.invert(pc.fill_null(pc.is_in(pc.cast(refusals["partner"], pa.string()), value_set=pa.array(sorted(withheld), pa.string())), False))
    refusals = refusals.filter(keep)
    refusals = _set(refusals, "airspace", _replace(refusals["airspace"], airspaces, WITHHELD_AIRSPACE))
    out["refusals"] = refusals

    # Why a leaker got through, unit by unit: a withheld partner's units and their reasons (a
    # refusal among them) are withheld; their rows stay, summed as one "withheld partners" verdict.
    decisions = tables["decisions"]
    hidden = pc.fill_null(pc.is_in(pc.cast(decisions["partner"], pa.string()), value_set=pa.array(sorted(withheld), pa.string())), False)
    decisions = _set(decisions, "unit", pc.if_else(hidden, nothing, pc.cast(decisions["unit"], pa.string())).dictionary_encode())
    decisions = _set(decisions, "verdict", _fill(decisions["verdict"], hidden, WITHHELD))
    decisions = _set(decisions, "partner", _replace(decisions["partner"], sorted(withheld), WITHHELD))
    out["decisions"] = decisions
    return out


def _fill(column, mask, label: str):
    return pc.if_else(mask, pa.scalar(label), pc.cast(column, pa.string())).dictionary_encode()


def _redact_extra(name: str, data: dict, withheld: set[str], terms: list[str]) -> dict:
    """value.json: withheld partners' values summed into one entry (mean only);
    compare.json: variants that name a withheld partner are left out, and counted;
    sweep.json, size.json, uncertainty.json: left out whole (`{"withheld": true}`) if they name
    anything of `terms` (a withheld partner, its units or sensors, an unreleased sensor), since
    their parameters and figures cannot be split by partner."""
    if not isinstance(data, dict):
        return data
    if name in ANALYSIS_FILES:
        text = json.dumps(data)
        return {"withheld": True} if any(term in text for term in terms) else data
    if not withheld:
        return data
    if name == "value.json":
        rows = [r for r in data.get("partners", []) if r.get("partner") not in withheld]
        hidden = [r for r in data.get("partners", []) if r.get("partner") in withheld]
        if hidden:
            total = float(sum(r["value"]["mean"] for r in hidden))
            rows.append({"partner": WITHHELD, "value": {"mean": total, "low": float("nan"), "high": float("nan")}})
        return {**data, "partners": rows}
    if name == "compare.json":
        def names_withheld(variant) -> bool:
            text = json.dumps(variant)
            return any(w in text for w in withheld)

        variants = data.get("variants", [])
        kept = [v for v in variants if not names_withheld(v)]
        return {**data, "variants": kept, "withheld_variants": len(variants) - len(kept)}
    return data
