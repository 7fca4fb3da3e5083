"""One stored replication, ready to draw: its engagements as stored, its flights recomputed.

Trajectories are not stored; they are cheap to recompute and depend only on the raid:
replication i of a run with root seed `seed` flew raid realisation r (the `realisation` column),
compiled by the Monte Carlo runner's own job for that run (`RunJob.of_manifest`, seeds in
`shieldwall.montecarlo.seeds`). What happened to each threat, and every shot, is read from the
results tables as the view holds them, not simulated again: the scenario.yaml of a results folder
does not hold an anonymous partner's airspace (see docs/design/anonymity.md), so a new simulation
could differ from the one analysed. The recomputed raid is checked against the stored launches.
`resimulate` flies a stored replication again through the same job (same assigner and settings as
the run), for checking a folder against the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shieldwall.engine.simulate import FATES, SHOT_RESULTS
from shieldwall.engine.world import World
from shieldwall.montecarlo import RunJob
from shieldwall.report.view import View, open_view


class ReplayError(ValueError):
    """The replication cannot be replayed (unknown run, or its raid does not reproduce)."""


@dataclass(frozen=True)
class StoredOutcome:
    """One replication's outcome as the results tables hold it, indexed like the engine's:
    per-threat arrays in threat order, `shots` as arrays in firing order.

    `killer_unit` and `shots["unit"]` are fire unit indices of the scenario; a unit the view
    withholds is `withheld_unit` (one past the last unit) as a killer and -1 as a shooter (its
    shots carry no point). `fate`, `asset_hit` and `shots["result"]` index FATES, the assets and
    SHOT_RESULTS; -1 is none.
    """

    fate: np.ndarray
    fate_t_s: np.ndarray
    fate_lat_deg: np.ndarray
    fate_lon_deg: np.ndarray
    fate_alt_m: np.ndarray
    killer_unit: np.ndarray
    asset_hit: np.ndarray
    shots: dict[str, np.ndarray]
    withheld_unit: int


@dataclass(frozen=True)
class Replay:
    """One replication of a results folder, as `view.viewer` may see it."""

    view: View
    run: int
    world: World
    outcome: StoredOutcome


def build_replay(folder: str | Path, run: int | None = None, view_as: str | None = None) -> Replay:
    """Replication `run` (default: the median by leakers) of a results folder, ready to draw."""
    view = open_view(folder, view_as)
    replications = view.tables["replications"]
    runs = replications["run"].to_numpy()
    if run is None:
        run = view.median_run()
    elif run not in runs:
        raise ReplayError(f"--run {run}: the results hold runs {int(runs.min())} to {int(runs.max())}")
    world = _world(view, int(run))
    threats = _rows(view.tables["threats"], run, "threat")
    _check(view, run, world, threats)
    return Replay(view, int(run), world, _stored_outcome(view, threats, _rows(view.tables["shots"], run)))


def _job(view: View) -> RunJob:
    return RunJob.of_manifest(view.scenario, view.manifest)


def _world(view: View, run: int) -> World:
    job = _job(view)
    replications = view.tables["replications"]
    realisation = int(replications["realisation"].to_numpy()[np.flatnonzero(replications["run"].to_numpy() == run)[0]])
    return job.world("scenario", view.scenario, job.seed, realisation)


def resimulate(folder: str | Path, run: int) -> dict[str, pa.Table]:
    """Replication `run` of a results folder flown again, as the run flew it: its tables (one row
    per threat, shot and refusal of that replication)."""
    view = open_view(folder)
    runs = view.tables["replications"]["run"].to_numpy()
    if run not in runs:
        raise ReplayError(f"--run {run}: the results hold runs {int(runs.min())} to {int(runs.max())}")
    return _job(view).tables([int(run)])


def _rows(table: pa.Table, run: int, order: str | None = None) -> pa.Table:
    rows = table.filter(pc.equal(table["run"], run))
    return rows.sort_by(order) if order else rows


def _strings(column: pa.ChunkedArray) -> list[str | None]:
    return pc.cast(column, pa.string()).to_pylist()


def _index(labels: list[str | None], names: list[str], missing: int = -1) -> np.ndarray:
    position = {name: i for i, name in enumerate(names)}
    return np.array([position.get(label, missing) if label is not None else -1 for label in labels], dtype=np.int64)


def _stored_outcome(view: View, threats: pa.Table, shots: pa.Table) -> StoredOutcome:
    scenario = view.scenario
    unit_ids = [u.id for u in scenario.fire_units]
    withheld_unit = len(unit_ids)
    fate = _index(_strings(threats["fate"]), list(FATES))
    killer = _index(_strings(threats["by_unit"]), unit_ids)
    # A threat stopped by a partner this view withholds has no unit in the view's tables.
    killer[(killer < 0) & (fate == FATES.index("intercepted"))] = withheld_unit
    return StoredOutcome(
        fate=fate,
        fate_t_s=threats["fate_t_s"].to_numpy(),
        fate_lat_deg=threats["fate_lat_deg"].to_numpy(),
        fate_lon_deg=threats["fate_lon_deg"].to_numpy(),
        fate_alt_m=threats["fate_alt_m"].to_numpy(),
        killer_unit=killer,
        asset_hit=_index(_strings(threats["asset_hit"]), [a.id for a in scenario.assets]),
        shots={
            "unit": _index(_strings(shots["unit"]), unit_ids),
            "threat": shots["threat"].to_numpy().astype(np.int64),
            "launch_t_s": shots["launch_t_s"].to_numpy(),
            "intercept_t_s": shots["intercept_t_s"].to_numpy(),
            "lat_deg": shots["lat_deg"].to_numpy(),
            "lon_deg": shots["lon_deg"].to_numpy(),
            "alt_m": shots["alt_m"].to_numpy(),
            "result": _index(_strings(shots["result"]), list(SHOT_RESULTS)),
        },
        withheld_unit=withheld_unit,
    )


def _check(view: View, run: int, world: World, threats: pa.Table) -> None:
    """The recomputed raid is the stored one: same threats, launched at the same times and places."""
    raid = world.threats
    same = (threats.num_rows == raid.count
            and _strings(threats["threat_type"]) == list(raid.type_id)
            and all(np.allclose(threats[name].to_numpy(), getattr(raid, name), rtol=0.0, atol=1e-6)
                    for name in ("launch_t_s", "launch_lat_deg", "launch_lon_deg")))
    if not same:
        raise ReplayError(
            f"run {run} does not reproduce its stored raid (written by shieldwall "
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
