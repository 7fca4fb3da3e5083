"""Whole command-line processes, as a user runs them, in the trees of two commits.

`worktrees` checks the commits out as temporary git worktrees (and loads their compiled kernels
outside any clock); `measure` runs `shieldwall ARGS...` from one tree and gives its wall time from
process start to exit, the peak memory of its process tree (driver and workers, proportional set
size sampled every 50 ms from /proc) and the size of its results folder. Used by engine.py and
coalition.py, which alternate the trees so that machine load hits both.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = "from shieldwall.cli import main; main()"


def short(ref: str) -> str:
    return subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def _environment(src: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(src), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/")}


@contextmanager
def worktrees(commits: dict[str, str]) -> Iterator[tuple[dict[str, Path], Path]]:
    """({name: the tree's src folder}, a scratch folder), the trees removed afterwards."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the worktrees are removed
    with tempfile.TemporaryDirectory() as scratch:
        trees = {}
        try:
            for name, commit in commits.items():
                subprocess.run(["git", "worktree", "add", "--detach", str(Path(scratch) / name), commit], cwd=ROOT,
                               check=True, capture_output=True)
                trees[name] = Path(scratch) / name / "src"
            for src in trees.values():  # compile or load the kernels outside the clock
                subprocess.run([sys.executable, "-c", "from shieldwall.engine import load_kernels; load_kernels()"],
                               env=_environment(src), check=True)
            yield trees, Path(scratch)
        finally:
            for name in commits:
                subprocess.run(["git", "worktree", "remove", "--force", str(Path(scratch) / name)], cwd=ROOT,
                               capture_output=True)


def best_of(rounds: int, trees: dict[str, Path], run: Callable[[str, Path], dict], label: str = "") -> dict[str, dict]:
    """For each tree, the fastest (least `wall_s`) of `rounds` results of `run(name, src)`; the
    trees alternate within every round, so that machine load hits both. Each result is printed
    as it comes, after `label`."""
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for name, src in trees.items():
            result = run(name, src)
            print(f"{label}{name}: {result}", flush=True)
            if name not in best or result["wall_s"] < best[name]["wall_s"]:
                best[name] = result
    return best


def measure(src: Path, arguments: list[str], folder: Path | None = None) -> dict:
    """Run `shieldwall ARGUMENTS` from the tree `src`; `folder`: its results folder (emptied
    before, measured and removed after)."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe, which a long run could fill
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", CLI, *arguments], env=_environment(src),
                                   stdout=subprocess.DEVNULL, stderr=errors, text=True, start_new_session=True)
        peak = 0
        try:
            while process.poll() is None:
                peak = max(peak, tree_memory_bytes(process.pid))
                time.sleep(0.05)
        except BaseException:
            os.killpg(process.pid, 9)  # the process and its workers
            raise
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{src}: shieldwall {' '.join(arguments)} failed: {errors.read()[-2000:]}")
    figures = {"wall_s": round(elapsed, 2), "peak_memory_mb": round(peak / 2**20, 1)}
    if folder is not None:
        figures["disk_mb"] = round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def tree_memory_bytes(root: int) -> int:
    """Proportional set size (shared pages split between the processes that share them, so that
    forked workers are not counted twice) of process `root` and all its descendants (Linux /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += sum(int(line.split()[1]) * 1024 for line in handle if line.startswith("Pss:"))
        except (OSError, ValueError):
            continue
    return total
