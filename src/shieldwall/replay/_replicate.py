"""Re-simulating one stored replication exactly, from the results folder alone.

Trajectories are not stored; they are cheap to recompute. Replication i of a run with root seed
`seed` flew raid realisation r (the `realisation` column) compiled from SeedSequence(seed, (0, r))
and drew from SeedSequence(seed, (1, i)) (see `shieldwall.montecarlo`). Replaying it against the
resolved `scenario.yaml` reproduces it bit for bit; the shots are checked against the stored ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from shieldwall.engine import compile_world, simulate
from shieldwall.engine.simulate import FATES, Outcome
from shieldwall.engine.world import World
from shieldwall.montecarlo import realisation_seed, replication_seed
from shieldwall.report.view import View, open_view


class ReplayError(ValueError):
    """The replication cannot be replayed (unknown run, or it does not reproduce)."""


@dataclass(frozen=True)
class Replay:
    """One replication of a results folder, re-simulated, as `view.viewer` may see it."""

    view: View
    run: int
    world: World
    outcome: Outcome


def _assigner(name: str):
    from shieldwall.wta import ExactAssigner, GreedyAssigner, SearchAssigner

    known = {cls.name: cls for cls in (GreedyAssigner, SearchAssigner, ExactAssigner)}
    if name not in known:
        raise ReplayError(f"the results were made with assigner {name!r}, which this replay does not know")
    return known[name]()


def build_replay(folder: str | Path, run: int | None = None, view_as: str | None = None) -> Replay:
    """Re-simulate replication `run` (default: the median by leakers) of a results folder."""
    view = open_view(folder, view_as)
    replications = view.tables["replications"]
    runs = replications["run"].to_numpy()
    if run is None:
        run = view.median_run()
    elif run not in runs:
        raise ReplayError(f"--run {run}: the results hold runs {int(runs.min())} to {int(runs.max())}")
    manifest = view.manifest
    seed = int(manifest["seed"])
    realisation = int(replications["realisation"].to_numpy()[np.flatnonzero(runs == run)[0]])
    world = compile_world(view.scenario, np.random.default_rng(realisation_seed(seed, realisation)))
    outcome = simulate(world, np.random.default_rng(replication_seed(seed, run)), manifest["fidelity"],
                       _assigner(manifest.get("assigner", "greedy")), coordination=manifest["coordination"])
    _check(view, run, outcome)
    return Replay(view, int(run), world, outcome)


def _check(view: View, run: int, outcome: Outcome) -> None:
    shots = view.tables["shots"].filter(pc.equal(view.tables["shots"]["run"], run))
    threats = view.tables["threats"].filter(pc.equal(view.tables["threats"]["run"], run))
    stored_shots = np.sort(shots["launch_t_s"].to_numpy())
    stored_fates = np.asarray(pc.cast(threats["fate"], "string").to_pylist(), dtype=object)
    fates = np.array([FATES[f] for f in outcome.fate], dtype=object)
    same = (stored_shots.size == outcome.shots["launch_t_s"].size
            and np.allclose(stored_shots, np.sort(outcome.shots["launch_t_s"]))
            and stored_fates.size == fates.size and bool(np.all(stored_fates == fates)))
    if not same:
        raise ReplayError(
            f"run {run} does not reproduce its stored results (written by shieldwall "
            f"{view.manifest.get('shieldwall', '?')}); the replay would not show what was analysed")


def write_export(replay: Replay, extension: str, text: str, out: str | Path | None = None,
                 force: bool = False) -> Path:
    """Write an export of `replay` as `replay-run-N[-view-P].<extension>` into `out` (default: the
    results folder, where it is regenerated freely; elsewhere an existing file needs `force`)."""
    from shieldwall.report._html import OutputExistsError, _inside

    folder = Path(out) if out is not None else replay.view.folder
    path = folder / f"replay-run-{replay.run}{replay.view.suffix}.{extension}"
    if path.exists() and not force and not _inside(path, replay.view.folder):
        raise OutputExistsError(f"{path} already exists; use --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
