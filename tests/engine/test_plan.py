"""The battle manager's digest of the engagement windows, recomputed window by window."""

from __future__ import annotations

import numpy as np
import pytest

from shieldwall.battle.rules import Reason
from shieldwall.engine import compile_world
from shieldwall.scenario import load_scenario


@pytest.fixture(scope="module")
def world():
    return compile_world(load_scenario("tutorial"), np.random.default_rng(3))


@pytest.mark.parametrize("coordination", ["coordinated", "independent"])
def test_plan_digests_each_window_as_its_definition_says(world, coordination):
    windows = world.windows
    plan = world.plan(coordination)
    units = world.scenario.fire_units
    assert windows.count > 0
    for w in range(windows.count):
        launch = windows.launch_t_s[windows.start[w]:windows.end[w]]
        sample = windows.sample[windows.start[w]:windows.end[w]]
        allowed = windows.reason[windows.start[w]:windows.end[w]] == Reason.ALLOWED
        reaction = units[windows.unit[w]].reaction_time_s
        assert np.all(np.diff(launch) >= 0)
        assert plan.opens_s[w] == (launch[allowed][0] - reaction if allowed.any() else np.inf)
        assert plan.last_decision_s[w] == (launch[allowed][-1] - reaction if allowed.any() else -np.inf)
        assert plan.last_refused_launch_s[w] == (launch[~allowed].max() if (~allowed).any() else -np.inf)
        gaps = [launch[i + 1] - launch[i] for i in range(launch.size - 1) if sample[i + 1] == sample[i] + 1]
        assert plan.slack_s[w] == max([world.threats.sample_period_s[windows.threat[w]], *gaps])
        a0, a1 = plan.allowed_start[w], plan.allowed_end[w]
        assert plan.allowed_launch_t_s[a0:a1].tolist() == launch[allowed].tolist()
        run_end = plan.allowed_run_end_t_s[windows.start[w]:windows.end[w]]
        for i in np.flatnonzero(allowed):
            last = i
            while last + 1 < allowed.size and allowed[last + 1]:
                last += 1
            assert run_end[i] == launch[last]


@pytest.mark.parametrize("coordination", ["coordinated", "independent"])
def test_each_cell_holds_the_windows_of_its_own_units(world, coordination):
    plan = world.plan(coordination)
    windows = world.windows
    cells = world.cells(coordination)
    seen = []
    for c, (_, members) in enumerate(cells):
        for j in range(world.threats.count):
            mine = plan.cell_windows[plan.cell_start[c, j]:plan.cell_start[c, j + 1]]
            expected = [w for w in range(windows.count) if windows.threat[w] == j and windows.unit[w] in members]
            assert mine.tolist() == expected
            seen += expected
            first = min((windows.launch_t_s[windows.start[w]] - world.scenario.fire_units[windows.unit[w]].reaction_time_s
                         for w in expected), default=np.inf)
            assert plan.first_look_s[c, j] == first
    assert sorted(seen) == list(range(windows.count))


def test_interceptions_are_filed_under_the_airspace_of_their_intercept_point(world):
    from shieldwall.engine import simulate

    for i in range(5):
        outcome = simulate(world, np.random.default_rng(i))
        hit = outcome.fate == 1  # intercepted
        located = world.rules.locate(outcome.fate_lat_deg[hit], outcome.fate_lon_deg[hit], outcome.fate_alt_m[hit])
        assert hit.any()
        np.testing.assert_array_equal(outcome.fate_airspace[hit], located)
        assert np.all(outcome.fate_airspace[~hit] == -1)
