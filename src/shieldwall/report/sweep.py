"""Figures of a sweep and of sizing (matplotlib, drawn from the report dict of `analysis.sweep`
or `analysis.size`): saturation curve with its interval band, tornado chart of one-at-a-time
effects, Sobol indices, risk against stock."""

from __future__ import annotations

from pathlib import Path

from shieldwall._optional import require

MEASURE_LABELS = {"leaked": "leakers per raid", "value_lost_usd": "value lost per raid (USD M)",
                  "p_no_leaker": "P(no leaker)", "intercepted": "threats intercepted", "shots": "interceptors fired",
                  "defence_cost_usd": "defence cost per raid (USD M)"}
_SCALE = {"value_lost_usd": 1e6, "defence_cost_usd": 1e6}


def _pyplot():
    matplotlib = require("matplotlib", "sweep figures")
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _caption(report: dict) -> str:
    return (f"{report['runs']} runs per point, seed {report['seed']} (common random numbers), "
            f"{report['fidelity']} fidelity; band: 95 % interval across {report['realisations']} raid realisations")


def saturation(report: dict, path: Path, measures: tuple[str, ...] = ("leaked", "p_no_leaker")) -> Path:
    """Each measure against the one swept parameter, with its 95 % interval band."""
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
        ax.set_xlabel(parameter["path"])
        ax.set_ylabel(MEASURE_LABELS.get(name, name))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(f"{report['scenario']}: saturation", fontsize=11)
    fig.text(0.5, 0.005, _caption(report), ha="center", fontsize=7, color="dimgrey")
    fig.subplots_adjust(bottom=0.18)
    return _save(fig, path)


def tornado(report: dict, path: Path, measure: str = "leaked") -> Path:
    """One-at-a-time effects: each parameter at its low and high end, the others at the
    scenario's values; bars are the paired mean difference against the scenario, whiskers its
    95 % interval."""
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
    return _save(fig, path)


def sobol(report: dict, path: Path, measure: str = "leaked") -> Path:
    """First-order and total Sobol indices with SALib's bootstrap intervals."""
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
    return _save(fig, path)


def figures(report: dict, folder: Path) -> list[Path]:
    """The figures a sweep's design supports, written into `folder`."""
    made = []
    if report["design"] == "grid" and len(report["parameters"]) == 1:
        made.append(saturation(report, folder / "saturation.png"))
    if "tornado" in report:
        made.append(tornado(report, folder / "tornado.png"))
    if report.get("sobol", {}).get("leaked"):
        made.append(sobol(report, folder / "sobol.png"))
    return made


def risk_against_stock(report: dict, path: Path) -> Path:
    """`size`: the estimate at every value tried, with its interval, the target level and the answer."""
    plt = _pyplot()
    points = report["evaluated"]
    x = [p["value"] for p in points]
    mean = [p["estimate"]["mean"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(x, mean, yerr=[[m - p["estimate"]["low"] for m, p in zip(mean, points)],
                               [p["estimate"]["high"] - m for m, p in zip(mean, points)]],
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
    ax.set_xlabel(report["knob"]["label"])
    ax.set_ylabel(report["target"].split(")")[0] + ")" if report["target"].startswith("P") else report["measure"])
    ax.set_title(f"{report['scenario']}: {report['target']}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)
