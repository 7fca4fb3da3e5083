"""The after-action report: one self-contained HTML file (inline CSS and SVG, no script, no
network), with its figures also written as SVG and PNG files beside it."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

from shieldwall.report import _figures
from shieldwall.report._map import map_figure
from shieldwall.report.view import WITHHELD, View, open_view
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
"""


def render(view: View, figures: list[_figures.Figure]) -> str:
    s = view.scenario
    m = view.manifest
    title = f"After-action report: {s.name}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
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
    for fig in figures:
        parts.append(f'<section id="{fig.name}"><h2>{html.escape(fig.title)}</h2><figure class="chart" '
                     f'data-figure="{fig.name}">{fig.svg}<figcaption>{html.escape(fig.caption)}</figcaption>'
                     "</figure></section>")
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


def write_report(folder: str | Path, view_as: str | None = None, out: str | Path | None = None,
                 force: bool = False) -> ReportFiles:
    """Write the HTML report of a results folder (and its figures as SVG and PNG).

    Default: `report.html` and `figures/` in the results folder (`report-view-P.html` and
    `figures-view-P/` for `view_as=P`), regenerated on each call. An `out` path outside the
    results folder is never replaced unless `force`.
    """
    view = open_view(folder, view_as)
    target = Path(out) if out is not None else view.folder / f"report{view.suffix}.html"
    figure_dir = target.parent / f"figures{view.suffix}"
    for path in (target, figure_dir):
        if path.exists() and not force and not _inside(path, view.folder):
            raise OutputExistsError(f"{path} already exists; use --force to replace it")
    figures = [
        _figures.leakage(view, figure_dir),
        _figures.interceptors(view, figure_dir),
        _figures.cost(view, figure_dir),
        _figures.timeline(view, figure_dir),
        map_figure(view, view.median_run(), figure_dir),
    ]
    figures += [f for f in (_figures.value_chart(view, figure_dir), _figures.variants_chart(view, figure_dir)) if f]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(view, figures), encoding="utf-8")
    paths = [figure_dir / f"{f.name}.{ext}" for f in figures for ext in ("svg", "png")]
    return ReportFiles(target, paths)
