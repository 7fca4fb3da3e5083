"""Peak memory of the summary of a large results folder (`summarise_folder`), against a process that
only imports what it needs, each in a fresh process.

    python benchmarks/summary_memory.py [--runs 1000000] [--baseline-src PATH]

The folder is made, not simulated: the parts of a small tutorial run written again and again with
their replications renumbered (each copy keeps its raid realisations, so the run has the small
run's realisations, each with as many replications as the others). `--baseline-src` measures the
summary of another source tree as well (an earlier version, to compare). Writes
benchmarks/results/summary_memory.json; timing and memory decide nothing in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import shieldwall
from shieldwall.results import TABLES, read_table
from shieldwall.results.store import part_name

SMALL_RUNS = 200
REALISATIONS = 10
RUNS_PER_PART = 50_000

# Run in a fresh process: its peak resident memory is the figure. VmHWM (Linux), not getrusage's
# ru_maxrss: that one keeps the high-water mark of the process it was forked from, this benchmark.
CHILD = """
import re, sys, time
import duckdb
from shieldwall.results import summarise_folder
started = time.perf_counter()
if sys.argv[1] == "summary":
    summarise_folder(sys.argv[2])
with open("/proc/self/status") as status:
    print(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1), time.perf_counter() - started)
"""


def renumbered(table: pa.Table, offset: int) -> pa.Table:
    return table.set_column(table.schema.get_field_index("run"), "run", pc.add(table["run"], offset))


def build_folder(folder: Path, runs: int) -> None:
    """A results folder of `runs` replications (a multiple of RUNS_PER_PART) from copies of a small run."""
    small = shieldwall.run("tutorial", runs=SMALL_RUNS, seed=0, realisations=REALISATIONS,
                           out=folder / "small").folder
    for table in TABLES:
        rows = read_table(small, table)
        part = pa.concat_tables([renumbered(rows, k * SMALL_RUNS) for k in range(RUNS_PER_PART // SMALL_RUNS)])
        directory = folder / "large" / f"{table}.parquet"
        directory.mkdir(parents=True)
        for start in range(0, runs, RUNS_PER_PART):
            pq.write_table(renumbered(part, start), directory / part_name(start, start + RUNS_PER_PART))


def measure(src: Path, what: str, folder: Path) -> tuple[float, float]:
    """(peak resident MB, seconds) of a fresh process importing from `src` and doing `what`."""
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run([sys.executable, "-c", CHILD, what, str(folder)], env=environment,
                            capture_output=True, text=True, check=True).stdout.splitlines()[-1].split()
    return int(output[0]) / 1024, float(output[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--baseline-src", type=Path, help="another source tree whose summary to measure too")
    args = parser.parse_args()
    runs = -(-args.runs // RUNS_PER_PART) * RUNS_PER_PART
    src = Path(shieldwall.__file__).parents[1]
    figures = {"runs": runs, "realisations": REALISATIONS, "cpus": os.cpu_count(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        build_folder(folder, runs)
        figures["build_s"] = time.perf_counter() - started
        figures["folder_mb"] = sum(p.stat().st_size for p in (folder / "large").rglob("*")) / 2**20
        figures["import_peak_mb"], _ = measure(src, "import", folder / "large")
        figures["summary_peak_mb"], figures["summary_s"] = measure(src, "summary", folder / "large")
        if args.baseline_src:
            figures["baseline_src"] = str(args.baseline_src)
            figures["baseline_summary_peak_mb"], figures["baseline_summary_s"] = measure(
                args.baseline_src, "summary", folder / "large")
    for key, value in figures.items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
    out = Path(__file__).parent / "results" / "summary_memory.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
