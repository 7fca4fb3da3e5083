"""Replaying run N flies exactly run N again: same raid, same seed, same assigner settings."""

from __future__ import annotations

import json

import pyarrow.compute as pc
import pytest

import shieldwall
from shieldwall.replay import ReplayError, resimulate
from shieldwall.results import read_table


@pytest.mark.parametrize("assigner", ["search", "exact"])
def test_resimulated_threats_and_shots_are_the_stored_ones(tmp_path, assigner):
    # search and exact stop on work done, with the engine's own settings (assigner_named): a replay
    # that used other settings (a time limit, another stall count) could assign differently.
    folder = tmp_path / "res"
    shieldwall.run("tutorial", runs=9, seed=11, realisations=3, assigner=assigner, out=folder)
    for run in (0, 4, 8):
        again = resimulate(folder, run)
        for name in ("threats", "shots", "refusals"):
            stored = read_table(folder, name)
            stored = stored.filter(pc.equal(stored["run"], run))
            assert stored.num_rows == again[name].num_rows, name
            assert stored.to_pylist() == again[name].to_pylist(), (name, run)
    with pytest.raises(ReplayError, match="runs 0 to 8"):
        resimulate(folder, 9)


def test_the_comparison_fails_when_the_settings_are_not_the_run_s(tmp_path):
    # The same check against a manifest that names another seed: other draws, other threats.
    folder = tmp_path / "res"
    shieldwall.run("tutorial", runs=6, seed=11, realisations=2, out=folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "seed": 12}))
    stored = read_table(folder, "threats")
    stored = stored.filter(pc.equal(stored["run"], 1))
    assert stored.to_pylist() != resimulate(folder, 1)["threats"].to_pylist()
