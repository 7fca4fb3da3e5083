"""Figures of the after-action report, drawn with matplotlib from a View.

Each figure is returned as inline SVG (text kept as text, so that what a figure says can be
searched) and written beside the report as SVG and PNG.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shieldwall._optional import require
from shieldwall.report import sweep as analysis
from shieldwall.report.view import WITHHELD, View
from shieldwall.scenario.model import THREAT_CLASSES

CLASS_COLOURS = {"drone": "#E69F00", "cruise": "#CC79A7", "ballistic": "#5E3C99"}
CLASS_PLURAL = {"drone": "drones", "cruise": "cruise missiles", "ballistic": "ballistic missiles"}
PARTNER_PALETTE = ("#0072B2", "#009E73", "#56B4E9", "#8C564B", "#882255", "#117733", "#AA4499", "#44AA99",
                   "#332288", "#999933")
WITHHELD_COLOUR = "#9A9A9A"
LEAK_COLOUR = "#C00000"


def partner_colours(view: View) -> dict[str, str]:
    """One colour per partner label, stable across every figure (and the replay)."""
    colours = {p.label: PARTNER_PALETTE[i % len(PARTNER_PALETTE)] for i, p in enumerate(view.scenario.partners)}
    colours[WITHHELD] = WITHHELD_COLOUR
    return colours


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    caption: str
    svg: str


def _pyplot():
    matplotlib = require("matplotlib", "the report")
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
        "axes.titlesize": 10, "legend.fontsize": 8, "legend.frameon": False,
    })
    return plt


def _finish(fig, name: str, out_dir: Path | None) -> str:
    """SVG text of `fig` (unique ids per figure), also written with a PNG to `out_dir`."""
    plt = _pyplot()
    with plt.rc_context({"svg.hashsalt": f"shieldwall-{name}"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        svg = buffer.getvalue()
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
            fig.savefig(out_dir / f"{name}.png", format="png", dpi=110, bbox_inches="tight",
                        metadata={"Software": None})
    plt.close(fig)
    start = svg.find("<svg")
    return svg[start:]


def _strings(column) -> np.ndarray:
    return np.asarray(pc.cast(column, pa.string()).to_numpy(zero_copy_only=False), dtype=object)


def _nice_bin_s(span_s: float, target: int = 72) -> float:
    for step in (60, 120, 300, 600, 900, 1800, 3600, 7200):
        if span_s / step <= target:
            return float(step)
    return 14400.0


def _clock_formatter(view: View):
    from matplotlib.ticker import FuncFormatter

    start = view.scenario.start_time

    def label(t_h, _pos):
        return (start + timedelta(hours=float(t_h))).strftime("%H:%M")

    return FuncFormatter(label)


# ----------------------------------------------------------------------------------------- figures


def leakage(view: View, out_dir: Path | None) -> Figure:
    plt = _pyplot()
    reps = view.tables["replications"]
    leaked = reps["leaked"].to_numpy()
    runs = leaked.size
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    values, counts = np.unique(leaked, return_counts=True)
    ax.bar(values, counts / runs, width=0.8 if values.size < 40 else 1.0, color=LEAK_COLOUR, alpha=0.85)
    mean = leaked.mean()
    ax.axvline(mean, color="black", lw=1, ls="--")
    ax.annotate(f"mean {mean:.1f}", (mean, ax.get_ylim()[1] * 0.92), xytext=(4, 0), textcoords="offset points",
                fontsize=8)
    ax.set_xlabel("threats that leaked in one raid")
    ax.set_ylabel("share of raids")
    ax.set_title(f"Leakers per raid ({runs} simulated raids)")
    svg = _finish(fig, "leakage", out_dir)
    p0 = view.summary["p_zero_leakers"]
    caption = (f"Distribution of the number of leakers per raid over {runs} replications; "
               f"no leaker in {100 * p0['mean']:.0f} % of raids [95 % CI {100 * p0['low']:.0f}–{100 * p0['high']:.0f} %].")
    return Figure("leakage", "Leakage distribution", caption, svg)


def interceptors(view: View, out_dir: Path | None) -> Figure:
    plt = _pyplot()
    shots = view.tables["shots"]
    runs = view.tables["replications"].num_rows
    partner = _strings(shots["partner"])
    kind = _strings(shots["interceptor"])
    partners = [p for p in view.partner_labels if p in set(partner)] or view.partner_labels[:1]
    kinds = sorted(set(kind) - {WITHHELD}) + ([WITHHELD] if WITHHELD in set(kind) else [])
    cmap = plt.get_cmap("tab20")
    kind_colour = {k: (WITHHELD_COLOUR if k == WITHHELD else cmap(i % 20)) for i, k in enumerate(kinds)}
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * max(len(partners), 2)))
    left = np.zeros(len(partners))
    for k in kinds:
        width = np.array([np.count_nonzero((partner == p) & (kind == k)) / runs for p in partners])
        if width.sum() == 0:
            continue
        ax.barh(partners, width, left=left, color=kind_colour[k], label=k, height=0.6)
        left += width
    by_partner = view.summary["interceptors_by_partner"]
    for i, p in enumerate(partners):
        if p in by_partner and np.isfinite(by_partner[p]["low"]):
            e = by_partner[p]
            ax.errorbar(e["mean"], i, xerr=[[e["mean"] - e["low"]], [e["high"] - e["mean"]]], color="black",
                        capsize=3, lw=1)
        if p in by_partner:
            end = max(left[i], by_partner[p]["high"] if np.isfinite(by_partner[p]["high"]) else left[i])
            ax.annotate(f"{by_partner[p]['mean']:.1f}", (end, i), xytext=(6, -3), textcoords="offset points",
                        fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("interceptors fired per raid (mean, 95 % CI on the total)")
    ax.legend(ncol=min(4, max(1, len(kinds))), loc="upper center", bbox_to_anchor=(0.5, -0.35 - 0.05 * (4 - min(4, len(partners)))))
    ax.set_title("Interceptors fired, by partner and type")
    svg = _finish(fig, "interceptors", out_dir)
    return Figure("interceptors", "Interceptors fired by partner and type", "Mean interceptors fired per raid, "
                  "stacked by interceptor type; the bar shows the 95 % confidence interval of each partner's total.",
                  svg)


def cost(view: View, out_dir: Path | None) -> Figure:
    plt = _pyplot()
    s = view.summary
    rows = [("attack (threats launched)", s["attack_cost_usd"], "#555555"),
            ("defence (interceptors fired)", s["defence_cost_usd"], "#0072B2"),
            ("value lost to leakers", s["value_lost_usd"], LEAK_COLOUR)]
    fig, ax = plt.subplots(figsize=(6.4, 2.2))
    for i, (label, e, colour) in enumerate(rows):
        ax.barh(i, e["mean"] / 1e6, color=colour, height=0.6)
        if np.isfinite(e["low"]):
            ax.errorbar(e["mean"] / 1e6, i, xerr=[[(e["mean"] - e["low"]) / 1e6], [(e["high"] - e["mean"]) / 1e6]],
                        color="black", capsize=3, lw=1)
        ax.annotate(f"{e['mean'] / 1e6:,.1f} M", (e["mean"] / 1e6, i), xytext=(8, -3), textcoords="offset points",
                    fontsize=8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("USD million per raid (mean, 95 % CI)")
    r = s["cost_exchange_ratio"]
    ax.set_title(f"Defence cost versus attack cost: {r['mean']:.2f} USD of defence per USD of attack")
    svg = _finish(fig, "cost", out_dir)
    return Figure("cost", "Defence cost versus attack cost", "Mean cost per raid of the threats launched and of "
                  "the interceptors fired, and the notional value destroyed by leakers, with 95 % intervals.", svg)


def timeline(view: View, out_dir: Path | None) -> Figure:
    plt = _pyplot()
    threats = view.tables["threats"]
    runs = view.tables["replications"].num_rows
    klass = _strings(threats["threat_class"])
    fate = _strings(threats["fate"])
    by = _strings(threats["by_partner"])
    launch = threats["launch_t_s"].to_numpy()
    fate_t = threats["fate_t_s"].to_numpy()
    finite = np.isfinite(fate_t)
    t0 = float(np.min(launch)) if launch.size else 0.0
    t1 = float(np.max(np.where(finite, fate_t, t0))) if launch.size else 1.0
    step = _nice_bin_s(max(t1 - t0, 60.0))
    edges = np.arange(math.floor(t0 / step) * step, t1 + 2 * step, step)
    centres_h = (edges[:-1] + step / 2) / 3600.0
    width_h = step / 3600.0 * 0.95
    fig, axes = plt.subplots(3, 1, figsize=(7.2, 5.0), sharex=True)
    colours = partner_colours(view)

    def stack(ax, groups):
        bottom = np.zeros(centres_h.size)
        for label, times, colour in groups:
            if times.size == 0:
                continue
            counts = np.histogram(times, edges)[0] / runs
            ax.bar(centres_h, counts, width=width_h, bottom=bottom, color=colour, label=label)
            bottom += counts
        ax.legend(loc="upper left", ncol=4)

    stack(axes[0], [(CLASS_PLURAL[c], launch[klass == c], CLASS_COLOURS[c]) for c in THREAT_CLASSES])
    axes[0].set_title("Launches")
    intercepted = fate == "intercepted"
    stack(axes[1], [(p, fate_t[intercepted & (by == p)], colours.get(p, WITHHELD_COLOUR)) for p in view.partner_labels])
    axes[1].set_title("Intercepts, by partner")
    leaked = fate == "leaked"
    stack(axes[2], [(CLASS_PLURAL[c], fate_t[leaked & (klass == c)], CLASS_COLOURS[c]) for c in THREAT_CLASSES])
    axes[2].set_title("Leakers reaching the ground")
    for ax in axes:
        ax.set_ylabel(f"per {step / 60:.0f} min")
    axes[2].xaxis.set_major_formatter(_clock_formatter(view))
    zone = view.scenario.start_time.strftime("%z")
    axes[2].set_xlabel(f"time (UTC{zone[:3]}:{zone[3:]})" if zone else "time")
    fig.tight_layout()
    svg = _finish(fig, "timeline", out_dir)
    return Figure("timeline", "Timeline", f"Mean number of launches, intercepts and leakers per raid in each "
                  f"{step / 60:.0f}-minute interval.", svg)


def value_chart(view: View, out_dir: Path | None) -> Figure | None:
    data = view.extras.get("value.json")
    if not data or not data.get("partners"):
        return None
    plt = _pyplot()
    rows = data["partners"]
    colours = partner_colours(view)
    fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.4 * len(rows)))
    for i, row in enumerate(rows):
        e = row["value"]
        ax.barh(i, e["mean"], color=colours.get(row["partner"], WITHHELD_COLOUR), height=0.6)
        low, high = e.get("low"), e.get("high")
        if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
            ax.errorbar(e["mean"], i, xerr=[[e["mean"] - low], [high - e["mean"]]], color="black", capsize=3, lw=1)
    ax.set_yticks(range(len(rows)), [r["partner"] for r in rows])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(data.get("measure", "value"))
    method = data.get("method")
    ax.set_title("Partner value" + (f" ({method})" if method else ""))
    svg = _finish(fig, "partner-value", out_dir)
    return Figure("partner-value", "Partner value", "What each partner adds to the coalition"
                  + (f", by {method}" if method else "") + ", with 95 % intervals where given.", svg)


def variants_chart(view: View, out_dir: Path | None) -> Figure | None:
    data = view.extras.get("compare.json")
    if not data or not data.get("variants"):
        return None
    plt = _pyplot()
    variants = data["variants"]
    measures = []
    for v in variants:
        for m in v.get("estimates", {}):
            if m not in measures:
                measures.append(m)
    measures = measures[:4]
    fig, axes = plt.subplots(1, len(measures), figsize=(2.6 * len(measures) + 1.6, 0.6 + 0.35 * len(variants)),
                             sharey=True, squeeze=False)
    names = [v["name"] for v in variants]
    for ax, measure in zip(axes[0], measures):
        for i, v in enumerate(variants):
            e = v.get("estimates", {}).get(measure)
            if not e:
                continue
            ax.barh(i, e["mean"], color="#0072B2" if i else "#555555", height=0.6)
            if np.isfinite(e.get("low", np.nan)) and np.isfinite(e.get("high", np.nan)):
                ax.errorbar(e["mean"], i, xerr=[[e["mean"] - e["low"]], [e["high"] - e["mean"]]], color="black",
                            capsize=3, lw=1)
        ax.set_title(measure.replace("_usd", " (USD)").replace("_", " "))
    axes[0][0].set_yticks(range(len(names)), names)
    axes[0][0].invert_yaxis()
    fig.tight_layout()
    svg = _finish(fig, "variants", out_dir)
    note = f" {data['withheld_variants']} variant(s) naming withheld partners are not shown." \
        if data.get("withheld_variants") else ""
    return Figure("variants", "Variants", "Each variant against the baseline (first row), mean per raid with "
                  "95 % intervals." + note, svg)


# ------------------------------------------------------------------------ sweep, size, uncertainty


_KNOB_NOUN = {"stock": "stock", "raid": "raid size", "resupply": "resupply"}
_SWEEP_CAPTIONS = {
    "saturation": ("Saturation curve", "Leakers per raid and P(no leaker) at each value of {path}: mean, with "
                   "its 95 % interval as a band; the dotted line is the scenario's value."),
    "tornado": ("One-at-a-time effects (tornado)", "Change in mean leakers per raid against the scenario with "
                "each parameter at the low and at the high end of its range and the others at the scenario's "
                "values, paired under common random numbers; whiskers: 95 % interval."),
    "sobol": ("Sobol indices", "Share of the variance of mean leakers per raid over the box due to each parameter "
              "alone (first order, S1) and with its interactions (total, ST); whiskers: SALib's bootstrap 95 % "
              "half-widths."),
}


def analysis_figures(extras: dict[str, dict], out_dir: Path | None) -> list[Figure]:
    """Figures of the analysis outputs among `extras` (a sweep's, as its design supports; size's
    risk against the values tried), drawn by `report.sweep` and embedded like the others.
    Uncertainty has tables only."""
    _pyplot()  # the report's style for the figures drawn below
    made = []
    data = extras.get("sweep.json")
    if data and not data.get("withheld"):
        for name, fig in analysis.sweep_figures(data):
            title, caption = _SWEEP_CAPTIONS[name]
            if name == "saturation":
                caption = caption.format(path=data["parameters"][0]["path"])
            made.append(Figure(name, title, caption, _finish(fig, name, out_dir)))
    data = extras.get("size.json")
    if data and not data.get("withheld") and data.get("evaluated"):
        word = "probability" if data["target"].lstrip().startswith("P") else "mean"
        made.append(Figure(
            analysis.RISK_FIGURE, f"Risk against {_KNOB_NOUN.get(data['knob'].get('kind'), 'the value sized')}",
            f"The {word} in the target {data['target']} at each {data['knob']['label']} tried, with its 95 % "
            "interval; green points meet the target; dashed: the target's level; dotted: the answer and the "
            "scenario's value.", _finish(analysis.risk_figure(data), analysis.RISK_FIGURE, out_dir)))
    return made
