"""The after-action report: one self-contained HTML file (inline CSS and SVG, no script, no
network), with its figures also written as SVG and PNG files beside it. The same page, with the
same sections for sweep, size and uncertainty outputs, serves as the analysis report of a folder
that holds only those."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

from shieldwall.report import _figures
from shieldwall.report._map import map_figure
from shieldwall.report.sweep import (
    RISK_FIGURE,
    TextTable,
    size_answer,
    size_table,
    sweep_tables,
    uncertainty_tables,
)
from shieldwall.report.view import (
    WITHHELD,
    AnalysisFolder,
    ResultsFolderError,
    View,
    is_results_folder,
    open_analysis,
    open_view,
)
from shieldwall.scenario.model import THREAT_CLASSES


class OutputExistsError(FileExistsError):
    """An output would replace a file outside the results folder; pass force to replace it."""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    figures: list[Path]


def _est(e: dict, digits: int = 1, scale: float = 1.0, unit: str = "") -> str:
    mean = e["mean"] / scale
    if not math.isfinite(e.get("low", math.nan)) or not math.isfinite(e.get("high", math.nan)):
        return f"{mean:,.{digits}f}{unit}"
    # Every measure reported is non-negative: an interval is not shown reaching below zero.
    low, high = max(e["low"], 0.0) / scale, e["high"] / scale
    if abs(high - low) < 0.5 * 10 ** -digits:
        return f"{mean:,.{digits}f}{unit}"
    return f"{mean:,.{digits}f}{unit} [{low:,.{digits}f}–{high:,.{digits}f}]"


def _pct(e: dict) -> str:
    return f"{100 * e['mean']:.0f} % [{100 * e['low']:.0f}–{100 * e['high']:.0f} %]"


def brief(view: View) -> list[str]:
    """The report's opening paragraphs, written from the numbers (plain text)."""
    s = view.summary
    threats = s["threats"]
    total = threats["all"]
    classes = [c for c in THREAT_CLASSES if c in threats]
    launched = ", ".join(f"{_est(threats[c]['launched'], 0)} {_figures.CLASS_PLURAL[c]}" for c in classes)
    runs = s["runs"]
    paragraphs = [
        f"Launched: each of the {runs} simulated raids launched {_est(total['launched'], 0)} threats "
        f"({launched}). Figures are means per raid with 95 % confidence intervals in brackets."
    ]
    kills = s["intercepts_by_partner"]
    by_partner = "; ".join(f"{'withheld partners' if p == WITHHELD else p} {_est(kills[p])}"
                           for p in view.partner_labels if p in kills)
    paragraphs.append(
        f"Defeated: {_est(total['intercepted'])} threats were intercepted per raid"
        + (f" (by {by_partner})" if by_partner else "")
        + f", and {_est(total['failed'])} failed in flight."
    )
    first = s.get("first_tracks_by_partner") or {}
    if first:
        sources = "; ".join(f"{'withheld partners' if p == WITHHELD else p} {_est(first[p])}"
                            for p in view.partner_labels if p in first)
        text = f"Picture: the first track of each threat in the common picture came from the sensors of {sources} " \
            "(threats per raid)."
        if s.get("detection_to_picture_s"):
            text += f" From a threat's first detection to its entry into the picture took {_est(s['detection_to_picture_s'])} s " \
                "on average (confirmation, release and latency)."
        errors = s.get("track_error_at_engagement_m") or {}
        if errors:
            text += " At each threat's first engagement the picture predicted its position to " + ", ".join(
                f"{_est(errors[c], 0)} m for {_figures.CLASS_PLURAL[c]}" for c in errors) + " (root mean square)."
        paragraphs.append(text)
    leaks = ", ".join(f"{_est(threats[c]['leaked'])} {_figures.CLASS_PLURAL[c]}" for c in classes
                      if threats[c]["leaked"]["mean"] > 0)
    names = {a.id: a.name for a in view.scenario.assets}
    hits = sorted(s["hits_per_asset"].items(), key=lambda kv: -kv[1]["mean"])
    where = "; ".join(f"{names.get(k, k)} {_est(v, 2)}" for k, v in hits)
    text = f"Leaked: {_est(total['leaked'])} threats per raid got through" + (f" ({leaks})" if leaks else "") + ". "
    text += f"Hits per raid: {where}. " if where else "No defended asset was hit. "
    text += f"Raids with no leaker at all: {_pct(s['p_zero_leakers'])}."
    paragraphs.append(text)
    shots = sum(v["mean"] for v in s["interceptors_by_partner"].values())
    paragraphs.append(
        f"Cost: the defence fired {shots:,.1f} interceptors per raid costing {_est(s['defence_cost_usd'], 1, 1e6, ' M USD')} "
        f"against an attack costing {_est(s['attack_cost_usd'], 1, 1e6, ' M USD')}: "
        f"{_est(s['cost_exchange_ratio'], 2)} USD of defence per USD of attack. "
        f"{_est(s['wasted_shots'])} interceptors per raid were still in flight at threats already gone. "
        f"Notional value lost to leakers: {_est(s['value_lost_usd'], 1, 1e6, ' M USD')}."
    )
    paragraphs.append(
        f"Battle management: {_est(s['missed_with_capacity'])} leakers per raid passed while a fire unit allowed "
        "to engage them had a free fire channel and a round it never fired (zero when the defence used its "
        "capacity; see docs/design/battle.md)."
    )
    return paragraphs


def _key_table(view: View) -> str:
    s = view.summary
    total = s["threats"]["all"]
    rows = [
        ("threats launched", _est(total["launched"], 0)),
        ("intercepted", _est(total["intercepted"])),
        ("failed in flight", _est(total["failed"])),
        ("leaked", _est(total["leaked"])),
        ("P(no leaker)", _est(s["p_zero_leakers"], 3)),
        ("defence cost (USD M)", _est(s["defence_cost_usd"], 1, 1e6)),
        ("attack cost (USD M)", _est(s["attack_cost_usd"], 1, 1e6)),
        ("cost-exchange ratio", _est(s["cost_exchange_ratio"], 2)),
        ("value lost (USD M)", _est(s["value_lost_usd"], 1, 1e6)),
    ]
    for reason, e in s["refusals_by_reason"].items():
        rows.append((f"refused: {reason}", _est(e)))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="key"><caption>Per raid: mean [95 % CI]</caption>{body}</table>'


CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
.meta{color:#555;font-size:13px}.banner{background:#FFF4D6;border-left:4px solid #E69F00;padding:8px 12px;margin:12px 0}
.brief p{margin:6px 0}.brief b{font-weight:600}
table.key{border-collapse:collapse;font-size:13px;margin:8px 0}table.key th{text-align:left;font-weight:500;padding:2px 14px 2px 0;color:#333}
table.key td{font-variant-numeric:tabular-nums;padding:2px 0}table.key caption{text-align:left;color:#555;font-size:12px}
figure{margin:10px 0 18px}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:13px}
footer{margin-top:30px;color:#666;font-size:12px;border-top:1px solid #ddd;padding-top:8px}
h3{font-size:16px;margin:18px 0 4px}p.note{color:#555;font-size:12px;margin:2px 0 14px}
table.data{border-collapse:collapse;font-size:13px;margin:10px 0 2px}table.data caption{text-align:left;font-weight:600;padding-bottom:4px;white-space:nowrap}
table.data th{text-align:right;font-weight:500;color:#333;border-bottom:1px solid #ccc;padding:3px 10px}
table.data td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 10px;border-bottom:1px solid #eee;white-space:nowrap}
div.wide{overflow-x:auto}
table.data th:first-child,table.data td:first-child{text-align:left}table.data tr.strong td{font-weight:700}
"""


def _head(title: str) -> list[str]:
    """The page's opening: document head with the inline style sheet, and the title."""
    return [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]


def _figure(fig: _figures.Figure) -> str:
    return (f'<figure class="chart" data-figure="{fig.name}">{fig.svg}'
            f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>")


def _table(table: TextTable) -> str:
    """A `TextTable` as HTML: the cells the command prints, escaped."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        ('<tr class="strong">' if k in table.strong else "<tr>")
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for k, row in enumerate(table.rows))
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return (f'<div class="wide"><table class="data"><caption>{html.escape(table.title)}</caption><thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table></div>{note}")


def _verdicts(view: View) -> str:
    """Why leakers got through: per raid, the verdicts of the units that had an allowed shot at a
    leaker, most frequent first; a partner view sums the units it may not see as one row."""
    verdicts = view.summary.get("leaker_verdicts")
    parts = ['<section id="verdicts"><h2>Why leakers got through</h2>']
    if verdicts is None:
        parts.append("<p>This results folder keeps no verdicts (it was written before they were recorded).</p>")
        return "".join(parts) + "</section>"
    parts.append(
        "<p>For every threat that leaked, each fire unit that had an allowed shot at it, and that unit's last "
        "word on it: whether it fired, or why not (docs/design/battle.md). A leaker counts once for each such "
        "unit. Mean number per raid, with 95 % confidence intervals in brackets.</p>")
    if view.viewer and WITHHELD in verdicts:
        parts.append("<p>Units of partners that release no tracks to this viewer are counted together under "
                     "&ldquo;withheld partners&rdquo;, without their reasons.</p>")
    rows = sorted(verdicts.items(), key=lambda kv: (kv[0] == WITHHELD, -kv[1]["mean"]))
    if rows:
        table = TextTable("Leakers per raid, by the verdict of each unit that could have engaged them",
                          ("verdict", "per raid [95 % CI]"), [(k, _est(v, 2)) for k, v in rows])
        parts.append(_table(table))
    else:
        parts.append("<p>No leaker was within an allowed shot of any fire unit.</p>")
    return "".join(parts) + "</section>"


def _withheld(name: str) -> str:
    return (f"<p>{html.escape(name)} names a partner, fire unit or sensor that this viewer may not see: "
            "left out of this view.</p>")


def _sweep_body(data: dict, figures: dict[str, _figures.Figure]) -> list[str]:
    paths = ", ".join(p["path"] for p in data["parameters"])
    parts = [f"<h2>Sweep of {html.escape(data['scenario'])}: {html.escape(data['design'])} design, "
             f"{data['points']} points</h2>",
             f"<p>Parameters: {html.escape(paths)}. Every point flies the same {data['runs']} replications (common "
             "random numbers), so differences between points are not noise of their own.</p>"]
    drawn = [name for name in ("saturation", "tornado", "sobol") if name in figures]
    for name in drawn:
        parts.append(f'<h3 id="{name}">{html.escape(figures[name].title)}</h3>{_figure(figures[name])}')
    if not drawn:
        parts.append("<p>No figure for this design: a saturation curve needs a grid over one parameter, a tornado "
                     "chart the oat design, Sobol indices the saltelli design.</p>")
    return parts + [_table(t) for t in sweep_tables(data)]


def _size_body(data: dict, figures: dict[str, _figures.Figure]) -> list[str]:
    parts = [f"<h2>Sizing of {html.escape(data['scenario'])}: {html.escape(data['knob']['label'])} for "
             f"{html.escape(data['target'])}</h2>",
             f'<p class="answer"><b>{html.escape(size_answer(data))}</b>.</p>']
    if data.get("note"):
        parts.append(f'<p class="note">{html.escape(data["note"])}</p>')
    if RISK_FIGURE in figures:
        parts.append(_figure(figures[RISK_FIGURE]))
    return parts + [_table(size_table(data))]


def _uncertainty_body(data: dict, figures: dict[str, _figures.Figure]) -> list[str]:
    parts = [f"<h2>Parameter uncertainty of {html.escape(data['scenario'])}: {data['sets']} parameter sets</h2>",
             f"<p>The answer over {data['sets']} parameter sets drawn from the ranges the catalog and scenario "
             f"declare ({html.escape(str(data.get('design', '')))}), {data['runs']} replications each: how far the "
             "answer moves with what is not known about the parameters (parameter spread) beside how far it moves "
             "with the replications' chance (Monte Carlo spread).</p>"]
    return parts + [_table(t) for t in uncertainty_tables(data)]


# (file, section id, heading when withheld, body)
_ANALYSIS_SECTIONS = (("sweep.json", "sweep", "Sweep", _sweep_body), ("size.json", "size", "Sizing", _size_body),
                      ("uncertainty.json", "uncertainty", "Parameter uncertainty", _uncertainty_body))


def _analysis_sections(extras: dict[str, dict], figures: list[_figures.Figure]) -> list[str]:
    """Sections for the analysis outputs among `extras`: a sweep (its figures, points, tornado and
    Sobol tables), sizing (the answer, its figure and every value tried) and parameter uncertainty
    (parameter spread beside Monte Carlo spread, the parameters drawn)."""
    by_name = {f.name: f for f in figures}
    parts = []
    for name, anchor, heading, body in _ANALYSIS_SECTIONS:
        data = extras.get(name)
        if not data:
            continue
        inner = [f"<h2>{heading}</h2>", _withheld(name)] if data.get("withheld") else body(data, by_name)
        parts.append(f'<section id="{anchor}">' + "".join(inner) + "</section>")
    return parts


def render(view: View, figures: list[_figures.Figure], analysis: list[_figures.Figure] = ()) -> str:
    """The after-action report's HTML: `figures` each in a section of its own, then the analysis
    outputs of the folder with their `analysis` figures."""
    s = view.scenario
    m = view.manifest
    parts = [
        *_head(f"After-action report: {s.name}"),
        f'<p class="meta">{m["runs"]} replications, seed {m["seed"]}, {html.escape(str(m["fidelity"]))} fidelity, '
        f'{html.escape(str(m["coordination"]))} defence, assignment {html.escape(str(m.get("assigner", "")))}; '
        f'start {html.escape(s.start_time.isoformat())}; shieldwall {html.escape(str(m.get("shieldwall", "")))}. '
        "Notional parameters from open sources.</p>",
    ]
    if view.viewer:
        parts.append(
            f'<p class="banner" id="releasability">View of <b>{html.escape(view.viewer)}</b>: what this partner may see. '
            f"Engagements, fire units and sensors of {len(view.withheld_partners)} partner(s) that release no tracks "
            f"to {html.escape(view.viewer)} are withheld; their shots, intercepts and costs are summed as "
            "&ldquo;withheld partners&rdquo;.</p>")
    elif s.description:
        parts.append(f'<p class="meta">{html.escape(s.description)}</p>')
    parts.append('<section class="brief" id="brief"><h2>Brief</h2>')
    parts += [f"<p>{html.escape(p)}</p>" for p in brief(view)]
    parts.append(_key_table(view) + "</section>")
    parts.append(_verdicts(view))
    for fig in figures:
        parts.append(f'<section id="{fig.name}"><h2>{html.escape(fig.title)}</h2>{_figure(fig)}</section>')
    parts += _analysis_sections(view.extras, list(analysis))
    parts.append(f"<footer>Generated by shieldwall from the results folder "
                 f"{html.escape(view.folder.name)}. Every estimate is a mean over replications with a 95 % "
                 "confidence interval (Student t for means, Wilson for probabilities, delta method for the "
                 "cost-exchange ratio).</footer></body></html>")
    return "\n".join(parts)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def render_analysis(analysis: AnalysisFolder, figures: list[_figures.Figure]) -> str:
    """The analysis report's HTML: a folder of sweep, size and uncertainty outputs, no run."""
    names = sorted({d["scenario"] for d in analysis.extras.values() if "scenario" in d})
    parts = [*_head(f"Analysis report: {', '.join(names)}")]
    held = ", ".join(name for name in analysis.extras)
    parts.append(f'<p class="meta">Rendered from {html.escape(held)}. Notional parameters from open sources.</p>')
    parts += _analysis_sections(analysis.extras, figures)
    parts.append(f"<footer>Generated by shieldwall from the folder {html.escape(analysis.folder.name)}. Each "
                 "estimate is a mean over replications with its 95 % confidence interval, across raid "
                 "realisations (Student t for means, Wilson for probabilities).</footer></body></html>")
    return "\n".join(parts)


def _targets(folder: Path, suffix: str, out: str | Path | None, force: bool) -> tuple[Path, Path]:
    """The HTML file and the figure folder of a report: in `folder` by default (regenerated), or at
    `out`, which is not replaced outside `folder` unless `force`."""
    target = Path(out) if out is not None else folder / f"report{suffix}.html"
    figure_dir = target.parent / f"figures{suffix}"
    for path in (target, figure_dir):
        if path.exists() and not force and not _inside(path, folder):
            raise OutputExistsError(f"{path} already exists; use --force to replace it")
    return target, figure_dir


def write_report(folder: str | Path, view_as: str | None = None, out: str | Path | None = None,
                 force: bool = False) -> ReportFiles:
    """Write the HTML report of a results folder (and its figures as SVG and PNG).

    Default: `report.html` and `figures/` in the results folder (`report-view-P.html` and
    `figures-view-P/` for `view_as=P`), regenerated on each call. An `out` path outside the
    results folder is never replaced unless `force`. A folder with no run but with outputs of
    `sweep`, `size --out` or `run --uncertainty` gets an analysis report of those (the analyst's
    view only: with no scenario, no partner's releasability can be judged).
    """
    if Path(folder).is_dir() and not is_results_folder(folder):
        analysis = open_analysis(folder)
        if view_as is not None:
            raise ResultsFolderError(f"--view-as {view_as}: {analysis.folder} holds analysis outputs only, with no "
                                     "scenario to judge what a partner may see; render it without --view-as")
        target, figure_dir = _targets(analysis.folder, "", out, force)
        figures = _figures.analysis_figures(analysis.extras, figure_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_analysis(analysis, figures), encoding="utf-8")
        return ReportFiles(target, [figure_dir / f"{f.name}.{ext}" for f in figures for ext in ("svg", "png")])
    view = open_view(folder, view_as)
    target, figure_dir = _targets(view.folder, view.suffix, out, force)
    figures = [
        _figures.leakage(view, figure_dir),
        _figures.interceptors(view, figure_dir),
        _figures.cost(view, figure_dir),
        _figures.timeline(view, figure_dir),
        map_figure(view, view.median_run(), figure_dir),
    ]
    figures += [f for f in (_figures.value_chart(view, figure_dir), _figures.variants_chart(view, figure_dir)) if f]
    analysis = _figures.analysis_figures(view.extras, figure_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(view, figures, analysis), encoding="utf-8")
    paths = [figure_dir / f"{f.name}.{ext}" for f in (*figures, *analysis) for ext in ("svg", "png")]
    return ReportFiles(target, paths)
