"""Sensors that cannot change an engagement, and the simulations that leave them out."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from shieldwall.analysis.evaluate import as_simulated, measure
from shieldwall.analysis.variants import base_variant, coalition_variant
from shieldwall.battle.rules import CoalitionRules
from shieldwall.engine import compile_world, simulate
from shieldwall.montecarlo import replication_rng
from shieldwall.scenario import load_scenario
from tests.engine.helpers import scenario_from


def _chain(one_drone: dict, remote: bool = False) -> dict:
    """AAA coordinates and owns no unit; BBB owns the battery. Each partner CCC to FFF owns one
    radar: CCC's reaches BBB, DDD's reaches CCC, EEE's is released to BBB without a track-sharing
    agreement, FFF's reaches EEE. `remote`: EEE lets BBB's battery engage on its tracks."""
    data = copy.deepcopy(one_drone)
    data["partners"] += [{"id": p, "name": f"Partner {p}"} for p in ("BBB", "CCC", "DDD", "EEE", "FFF")]
    data["fire_units"][0]["owner"] = "BBB"
    data["fire_units"][0]["engage_on_remote"] = remote
    radar = data["sensors"][0]
    data["sensors"] = [{**radar, "id": f"{p.lower()}-radar", "owner": p, "release_to": to}
                       for p, to in (("AAA", "all"), ("BBB", "all"), ("CCC", ["BBB"]), ("DDD", ["CCC"]),
                                     ("EEE", ["BBB"]), ("FFF", "all"))]
    data["agreements"] = [{"id": f"{a}-to-{b}", "kind": "track-sharing", "grantor": a, "parties": [a, b]}
                          for a, b in (("CCC", "BBB"), ("DDD", "CCC"), ("FFF", "EEE"))]
    if remote:
        data["agreements"].append({"id": "eee-remote", "kind": "engage-on-remote", "grantor": "EEE",
                                   "parties": ["EEE", "BBB"]})
    return data


def _engagements(outcome) -> list[np.ndarray]:
    """Everything a replication decided: fates and when, who killed what, every shot, what was
    hit and lost, and the leakers a unit could have fired at."""
    shots = outcome.shots
    return [outcome.fate, outcome.fate_t_s, outcome.killer_unit, outcome.shots_at, outcome.asset_hit,
            np.array(outcome.value_lost_usd), shots["unit"], shots["threat"], shots["launch_t_s"],
            shots["intercept_t_s"], shots["result"], outcome.missed_with_capacity]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def _unheard(data: dict, coordination: str) -> set[str]:
    scenario = scenario_from(data)
    return {scenario.sensors[s].id for s in CoalitionRules(scenario).unheard_sensors(coordination)}


def test_a_sensor_is_heard_through_a_decider_a_remote_engagement_or_a_cue(one_drone):
    # Coordinated, AAA decides for BBB's battery: AAA's and BBB's own radars are heard, CCC's
    # reaches BBB, DDD's reaches CCC whose radar is heard (a cue). EEE's release lacks an
    # agreement, so nothing of EEE's reaches anyone, and FFF's reaches only EEE.
    assert _unheard(_chain(one_drone), "coordinated") == {"eee-radar", "fff-radar"}
    # Independent: AAA owns no unit and decides nothing, and its radar reaches no one (no agreement).
    assert _unheard(_chain(one_drone), "independent") == {"aaa-radar", "eee-radar", "fff-radar"}


def test_engaging_on_remote_tracks_makes_a_sensor_and_those_reaching_its_owner_heard(one_drone):
    assert _unheard(_chain(one_drone, remote=True), "coordinated") == set()


def test_a_scenario_without_fire_units_hears_only_its_coordinator(one_drone):
    data = _chain(one_drone)
    data["fire_units"] = []
    assert _unheard(data, "independent") == {f"{p}-radar" for p in ("aaa", "bbb", "ccc", "ddd", "eee", "fff")}
    assert _unheard(data, "coordinated") == {f"{p}-radar" for p in ("bbb", "ccc", "ddd", "eee", "fff")}


@pytest.mark.parametrize("fidelity", ["radar", "tracked"])
def test_the_chain_flies_the_same_without_its_unheard_sensors_but_not_without_a_heard_one(one_drone, fidelity):
    # Radars of 50 km scanning every 2 minutes, inside the battery's 60 km: when the drone enters
    # the coordinator's picture decides when it is first shot at. BBB shares its radar's tracks
    # with the coordinator, so that radar's detection draws show in the shots.
    data = _chain(one_drone)
    data["catalog"]["sensors"]["test-radar"]["range_m"]["drone"]["value"] = 50000
    data["catalog"]["sensors"]["test-radar"]["scan_period_s"]["value"] = 120
    data["agreements"].append({"id": "BBB-to-AAA", "kind": "track-sharing", "grantor": "BBB", "parties": ["BBB", "AAA"]})
    scenario = scenario_from(data)
    simulated = as_simulated(base_variant(scenario))
    assert [s.id for s in simulated.scenario.sensors] == ["aaa-radar", "bbb-radar", "ccc-radar", "ddd-radar"]
    poorer = simulated.scenario.model_copy(update={"sensors": [s for s in simulated.scenario.sensors
                                                               if s.id != "bbb-radar"]})
    world = compile_world(scenario, np.random.default_rng(1))
    worlds = [world, world.for_scenario(simulated.scenario), world.for_scenario(poorer)]
    differ = 0
    for i in range(30):
        whole, pruned, without_heard = (_engagements(simulate(w, replication_rng(0, i), fidelity)) for w in worlds)
        assert _same(whole, pruned), i
        differ += not _same(whole, without_heard)
    assert differ >= 3


def test_april_2024_runs_48_distinct_coalitions_of_64():
    # GPA's radar is released to the United States alone: in the 32 coalitions without it, GPA
    # adds nothing, so the 16 of those with GPA are simulated as the 16 without.
    scenario = load_scenario("april-2024")
    ids = [p.id for p in scenario.partners]
    variants = [coalition_variant(scenario, [ids[k] for k in range(6) if m >> k & 1]) for m in range(64)]
    assert len({as_simulated(v).key for v in variants}) == 48
    without_usa = [v for v in variants if "USA" not in v.name and "GPA" in v.name]
    assert all([s.id for s in as_simulated(v).scenario.sensors if s.owner == "GPA"] == [] for v in without_usa)


@pytest.mark.parametrize("name,fidelity,replications", [
    ("april-2024", "radar", 2), ("october-2024", "radar", 2), ("april-2024", "tracked", 1),
])
def test_leaving_out_unheard_sensors_changes_no_measure(name, fidelity, replications):
    # Every coalition with an unheard sensor, flown with and without it on the same seeds: every
    # engagement, measure and partner's shot count is the same, bit for bit.
    scenario = load_scenario(name)
    world = compile_world(scenario, np.random.default_rng(11))
    ids = [p.id for p in scenario.partners]
    checked = 0
    for mask in range(1 << len(ids)):
        variant = coalition_variant(scenario, [p for k, p in enumerate(ids) if mask >> k & 1])
        simulated = as_simulated(variant)
        if simulated is variant:
            continue
        whole, pruned = world.for_scenario(variant.scenario), world.for_scenario(simulated.scenario)
        for i in range(replications):
            a = simulate(whole, replication_rng(0, i), fidelity, None, variant.coordination)
            b = simulate(pruned, replication_rng(0, i), fidelity, None, simulated.coordination)
            assert _same(_engagements(a), _engagements(b)), (variant.name, i)
            assert _same(measure(whole, a), measure(pruned, b)), (variant.name, i)
        checked += 1
    assert checked >= 12
