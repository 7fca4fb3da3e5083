"""Figures and tables of a sweep, of sizing and of parameter uncertainty, drawn from the report
dict of `analysis.sweep`, `analysis.size` or `analysis.uncertainty`: saturation curve with its
interval band, tornado chart of one-at-a-time effects, Sobol indices, risk against stock.

Each figure is drawn once (`*_figure`) and saved as a PNG for the command that made the numbers,
or embedded as SVG in the HTML report; each table is built once (`TextTable`) and printed by the
command or written into the report, so the terminal and the report show the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from shieldwall._optional import require

MEASURE_LABELS = {"leaked": "leakers per raid", "value_lost_usd": "value lost per raid (USD M)",
                  "p_no_leaker": "P(no leaker)", "intercepted": "threats intercepted", "shots": "interceptors fired",
                  "defence_cost_usd": "defence cost per raid (USD M)"}
_SCALE = {"value_lost_usd": 1e6, "defence_cost_usd": 1e6}
POINTS_SHOWN = 40
"""Rows of a sweep's points table shown in the terminal and the report; the rest are in sweep.parquet."""


@dataclass(frozen=True)
class TextTable:
    """A table as text: what the command prints and the report writes, cell for cell.

    `strong` holds the indices of rows to emphasise (the answer of `size`); `note` is a line to
    show under the table (rows left out, what an interval means)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""
    strong: tuple[int, ...] = field(default=())


def _pyplot():
    matplotlib = require("matplotlib", "sweep figures")
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path, svg: bool = False) -> Path:
    """Write `fig` as a PNG at `path` (and as SVG beside it, text kept as text, if `svg`)."""
    plt = _pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    if svg:
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"shieldwall-{path.stem}"}):
            fig.savefig(path.with_suffix(".svg"), format="svg", metadata={"Date": None})
    plt.close(fig)
    return path


def _caption(report: dict) -> str:
    return (f"{report['runs']} runs per point, seed {report['seed']} (common random numbers), "
            f"{report['fidelity']} fidelity; band: 95 % interval across {report['realisations']} raid realisations")


def _est(d: dict, digits: int, scale: float = 1.0, signed: bool = False) -> str:
    from shieldwall.results import Estimate

    return Estimate.of(d).format(digits, scale, signed=signed)


# ----------------------------------------------------------------------------------------- figures


def saturation_figure(report: dict, measures: tuple[str, ...] = ("leaked", "p_no_leaker")):
    """Each measure against the one swept parameter, with its 95 % interval band (a matplotlib
    figure, laid out)."""
    plt = _pyplot()
    parameter = report["parameters"][0]
    points = sorted(report["results"], key=lambda p: p["values"][parameter["path"]])
    x = [p["values"][parameter["path"]] for p in points]
    fig, axes = plt.subplots(1, len(measures), figsize=(5.2 * len(measures), 4.0), squeeze=False)
    for ax, name in zip(axes[0], measures):
        scale = _SCALE.get(name, 1.0)
        mean = [p["measures"][name]["mean"] / scale for p in points]
        low = [p["measures"][name]["low"] / scale for p in points]
        high = [p["measures"][name]["high"] / scale for p in points]
        ax.fill_between(x, low, high, alpha=0.25, color="tab:red", linewidth=0, label="95 % interval")
        ax.plot(x, mean, marker="o", color="tab:red", label="mean")
        ax.axvline(parameter["scenario_value"], color="grey", linestyle=":", label="scenario")
        if parameter.get("integer"):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(parameter["path"])
        ax.set_ylabel(MEASURE_LABELS.get(name, name))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(f"{report['scenario']}: saturation", fontsize=11)
    fig.text(0.5, 0.005, _caption(report), ha="center", fontsize=7, color="dimgrey")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def saturation(report: dict, path: Path, measures: tuple[str, ...] = ("leaked", "p_no_leaker")) -> Path:
    """`saturation_figure` written as a PNG at `path`."""
    return _save(saturation_figure(report, measures), path)


def tornado_figure(report: dict, measure: str = "leaked"):
    """One-at-a-time effects: each parameter at its low and high end, the others at the
    scenario's values; bars are the paired mean difference against the scenario, whiskers its
    95 % interval (a matplotlib figure, laid out)."""
    plt = _pyplot()
    rows = list(reversed(report["tornado"]))
    scale = _SCALE.get(measure, 1.0)
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(rows) + 1.6))
    for k, row in enumerate(rows):
        ends = (("at_low", "tab:blue"), ("at_high", "tab:orange"))
        # The longer bar first, so that a shorter one on the same side stays visible over it.
        for end, colour in sorted(ends, key=lambda ec: -abs(row[measure][ec[0]]["mean"])):
            e = row[measure][end]
            ax.barh(k, e["mean"] / scale, color=colour, alpha=0.8,
                    label=("parameter at its low end" if end == "at_low" else "at its high end") if k == len(rows) - 1 else None)
            ax.plot([e["low"] / scale, e["high"] / scale], [k, k], color="black", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['path']}  [{r['low']:g} .. {r['high']:g}]" for r in rows], fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"change in {MEASURE_LABELS.get(measure, measure)} against the scenario")
    ax.set_title(f"{report['scenario']}: one-at-a-time effects", fontsize=11)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def tornado(report: dict, path: Path, measure: str = "leaked") -> Path:
    """`tornado_figure` written as a PNG at `path`."""
    return _save(tornado_figure(report, measure), path)


def sobol_figure(report: dict, measure: str = "leaked"):
    """First-order and total Sobol indices with SALib's bootstrap intervals (a matplotlib figure,
    laid out)."""
    plt = _pyplot()
    indices = report["sobol"][measure]
    names = sorted(indices, key=lambda n: -indices[n]["ST"])
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(names) + 1.6))
    y = range(len(names))
    ax.barh([k + 0.2 for k in y], [indices[n]["S1"] for n in names], height=0.4,
            xerr=[indices[n]["S1_conf"] for n in names], label="first order S1", color="tab:blue")
    ax.barh([k - 0.2 for k in y], [indices[n]["ST"] for n in names], height=0.4,
            xerr=[indices[n]["ST_conf"] for n in names], label="total ST", color="tab:orange")
    ax.set_yticks(list(y))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"Sobol index of mean {MEASURE_LABELS.get(measure, measure)}")
    ax.set_title(f"{report['scenario']}: Sobol indices ({report['points']} points, SALib)", fontsize=11)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def sobol(report: dict, path: Path, measure: str = "leaked") -> Path:
    """`sobol_figure` written as a PNG at `path`."""
    return _save(sobol_figure(report, measure), path)


def sweep_figures(report: dict) -> list[tuple[str, object]]:
    """(name, matplotlib figure) for each figure a sweep's design supports: a saturation curve for
    a grid over one parameter, a tornado chart for `oat`, Sobol indices for `saltelli`."""
    made = []
    if report["design"] == "grid" and len(report["parameters"]) == 1:
        made.append(("saturation", saturation_figure(report)))
    if "tornado" in report:
        made.append(("tornado", tornado_figure(report)))
    if report.get("sobol", {}).get("leaked"):
        made.append(("sobol", sobol_figure(report)))
    return made


def figures(report: dict, folder: Path) -> list[Path]:
    """The figures a sweep's design supports, written into `folder` as PNG."""
    return [_save(fig, folder / f"{name}.png") for name, fig in sweep_figures(report)]


def risk_figure(report: dict):
    """`size`: the estimate at every value tried, with its interval, the target level and the
    answer (a matplotlib figure, laid out)."""
    plt = _pyplot()
    points = report["evaluated"]
    x = [p["value"] for p in points]
    mean = [p["estimate"]["mean"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(x, mean, yerr=[[max(m - p["estimate"]["low"], 0.0) for m, p in zip(mean, points)],
                               [max(p["estimate"]["high"] - m, 0.0) for m, p in zip(mean, points)]],
                fmt="o", color="tab:blue", capsize=3, label="estimate, 95 % interval")
    for p in points:
        if p["met"]:
            ax.plot(p["value"], p["estimate"]["mean"], "o", color="tab:green", zorder=5)
    level = float(report["target"].replace(" ", "").rsplit("=", 1)[-1].lstrip("<>")) if "=" in report["target"] else None
    if level is not None:
        ax.axhline(level, color="grey", linestyle="--", label=f"target {report['target']}")
    if report["answer"] is not None:
        ax.axvline(report["answer"], color="tab:green", linestyle=":", label=f"answer {report['answer']}")
    ax.axvline(report["knob"]["scenario_value"], color="black", linewidth=0.6, linestyle=":", label="scenario")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # stocks and raid sizes are whole numbers
    ax.set_xlabel(report["knob"]["label"])
    ax.set_ylabel(report["target"].split(")")[0] + ")" if report["target"].startswith("P") else report["measure"])
    ax.set_title(f"{report['scenario']}: {report['target']}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


RISK_FIGURE = "risk-against-stock"
"""File stem of `size`'s figure in its --out folder and in the report."""


def risk_against_stock(report: dict, path: Path, svg: bool = False) -> Path:
    """`risk_figure` written as a PNG at `path` (and as SVG beside it if `svg`)."""
    return _save(risk_figure(report), path, svg=svg)


# ------------------------------------------------------------------------------------------ tables


def sweep_tables(report: dict) -> list[TextTable]:
    """A sweep as tables: its points (the first `POINTS_SHOWN`), the one-at-a-time effects of an
    `oat` design, the Sobol indices of a `saltelli` design."""
    from shieldwall.results import interval_caption

    paths = tuple(p["path"] for p in report["parameters"])
    results = report["results"]
    rows = []
    for p in results[:POINTS_SHOWN]:
        m = p["measures"]
        rows.append((*(f"{p['values'][path]:g}" for path in paths), _est(m["leaked"], 2),
                     _est(m["p_no_leaker"], 3), _est(m["value_lost_usd"], 1, 1e6), _est(m["shots"], 1)))
    more = len(results) - POINTS_SHOWN
    tables = [TextTable(
        f"{report['scenario']}: {report['design']} sweep, {report['points']} points",
        (*paths, "leakers", "P(no leaker)", "value lost (USD M)", "interceptors"), rows,
        note=(f"{report['runs']} runs per point, seed {report['seed']} (common random numbers), "
              f"{report['fidelity']} fidelity; {interval_caption(report.get('realisations', 1))}"
              + (f"; {more} more points in sweep.parquet" if more > 0 else "")))]
    if "tornado" in report:
        tables.append(TextTable(
            "one at a time: change in leakers against the scenario (paired)",
            ("parameter", "low .. high", "at low", "at high"),
            [(row["path"], f"{row['low']:g} .. {row['high']:g}", _est(row["leaked"]["at_low"], 2, signed=True),
              _est(row["leaked"]["at_high"], 2, signed=True)) for row in report["tornado"]]))
    if report.get("sobol", {}).get("leaked"):
        tables.append(TextTable(
            "Sobol indices of mean leakers (SALib, bootstrap 95 % half-widths)", ("parameter", "S1", "ST"),
            [(path, f"{s['S1']:.2f} ± {s['S1_conf']:.2f}", f"{s['ST']:.2f} ± {s['ST_conf']:.2f}")
             for path, s in sorted(report["sobol"]["leaked"].items(), key=lambda kv: -kv[1]["ST"])]))
    return tables


def _size_word(report: dict) -> str:
    return "probability" if report["target"].lstrip().startswith("P") else "mean"


def size_table(report: dict) -> TextTable:
    """`size`: the estimate at every value tried and whether it meets the target; the answer's row
    is `strong`."""
    from shieldwall.results import interval_caption

    evaluated = report["evaluated"]
    return TextTable(
        f"{report['scenario']}: {report['knob']['label']} for {report['target']}",
        ("value", _size_word(report), "meets the target"),
        [(str(e["value"]), _est(e["estimate"], 3), "yes" if e["met"] else "no") for e in evaluated],
        note=(f"{report['runs']} runs per value, seed {report['seed']} (common random numbers), "
              f"{report['fidelity']} fidelity; {interval_caption(report.get('realisations', 1))}"),
        strong=tuple(k for k, e in enumerate(evaluated) if e["value"] == report["answer"]))


def size_answer(report: dict) -> str:
    """`size`'s answer in one line: the value, the scenario's, and the estimate with its interval
    at the answer and at its neighbour (the last value that missed, or the first that met)."""
    if report["answer"] is None:
        return f"no value searched meets {report['target']}"
    word = _size_word(report)
    has = "campaign" if report["knob"].get("kind") == "resupply" else "scenario"
    line = f"answer: {report['knob']['label']} = {report['answer']} (the {has} has {report['knob']['scenario_value']})"
    if report["at_answer"]:
        line += f"; {word} there {_est(report['at_answer']['estimate'], 3)}"
    if report["at_neighbour"]:
        line += f", at {report['at_neighbour']['value']} {_est(report['at_neighbour']['estimate'], 3)}"
    return line


def uncertainty_tables(report: dict) -> list[TextTable]:
    """`run --uncertainty`: each measure over the parameter sets, parameter spread beside Monte
    Carlo spread; and the parameters drawn, with the scenario's value and the declared range."""
    rows = []
    for m in report["measures"].values():
        scale, digits = (1e6, 1) if "USD" in m["label"] else (1.0, 3 if m["label"].startswith("P(") else 2)

        def f(x, scale=scale, digits=digits):
            return "?" if x is None or not math.isfinite(x) else f"{x / scale:,.{digits}f}"

        rows.append((m["label"].replace("(USD)", "(USD M)"), f(m["mean_over_sets"]),
                     f"{f(m['p05_over_sets'])} .. {f(m['p95_over_sets'])}", f(m["parameter_sd"]),
                     f(m["monte_carlo_sd"])))
    return [
        TextTable(f"{report['scenario']}: the answer over {report['sets']} parameter sets",
                  ("measure", "mean over sets", "5 % .. 95 % of sets", "parameter spread (sd)", "Monte Carlo (sd)"),
                  rows, note=(f"{report['runs']} runs per set, seed {report['seed']} (common random numbers), "
                              f"{report['fidelity']} fidelity; {report['note']}")),
        TextTable("parameters drawn (uniform in each declared range)", ("parameter", "scenario's value", "range"),
                  [(p["path"], f"{p['value']:g}", f"{p['low']:g} .. {p['high']:g}") for p in report["parameters"]]),
    ]
