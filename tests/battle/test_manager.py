"""The battle manager's commitments: rounds per engagement, shots per threat, track release."""

from __future__ import annotations

import numpy as np

import shieldwall
from shieldwall.battle.manager import MAX_SHOTS_PER_THREAT, decide, doctrine_values, new_state
from shieldwall.engine.simulate import simulate, stream
from shieldwall.engine.world import compile_world
from shieldwall.montecarlo.run import assigner_named
from tests.engine.helpers import scenario_from


def _simultaneous_drones(one_drone: dict, count: int, magazine: int, salvo: int, channels: int) -> dict:
    one_drone["raid"]["waves"][0]["count"] = count
    one_drone["fire_units"][0].update(magazine=magazine, fire_channels=channels)
    one_drone["doctrine"].update(shoot_look_shoot=False, salvo_size=salvo)
    return one_drone


def test_an_epoch_never_commits_an_engagement_without_rounds(one_drone):
    # Three drones in one epoch, salvos of 2, 3 rounds: the assignment counts engagements
    # against min(channels, rounds) = 3, but only two engagements can have rounds (2 + 1).
    scenario = scenario_from(_simultaneous_drones(one_drone, count=3, magazine=3, salvo=2, channels=4))
    world = compile_world(scenario, np.random.default_rng(0))
    plan = world.plan("coordinated")
    units = len(scenario.fire_units)
    state = new_state(plan, np.array([3]), np.array([4]), np.full((units, 3), -np.inf))
    t_s = float(plan.opens_s.min())
    chosen, retry_threat, retry_t_s = decide(t_s, 0, np.arange(3), plan, doctrine_values(scenario.doctrine), state,
                                             False)
    rounds = state.cand_shots[chosen]
    assert sorted(rounds.tolist()) == [1, 2]
    assert state.magazine[0] == 0
    assert state.free[0] == 4 - 2  # a channel per engagement, none for the engagement left without rounds
    left_out = set(range(3)) - set(state.cand_threat[chosen].tolist())
    assert left_out <= set(retry_threat.tolist())  # looked at again, not marked engaged
    assert not state.engaged[0, list(left_out)].any()


def test_no_threat_draws_more_shots_than_it_has_kill_draws(one_drone):
    # A near-useless interceptor and a deep magazine: without a cap the manager would keep firing
    # at the drone through its whole window, and shots past the pre-drawn kill draws would reuse one.
    one_drone["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 0.01
    one_drone["fire_units"][0].update(magazine=200, fire_channels=4)
    one_drone["doctrine"].update(shoot_look_shoot=False, salvo_size=4)
    results = shieldwall.run(scenario_from(one_drone), runs=20, seed=3, fidelity="ideal")
    shots = results.tables["shots"].to_pandas()
    per_threat = shots.groupby(["run", "threat"]).size()
    assert per_threat.max() == MAX_SHOTS_PER_THREAT


def test_track_sharing_ends_when_its_agreement_ends(one_drone):
    # The battery's owner sees nothing itself: every track comes from a second partner's radar,
    # through an agreement. The drone is first detected at once (ideal fidelity, radar in range).
    one_drone["partners"].append({"id": "BBB", "name": "Radar partner"})
    one_drone["sensors"][0].update(owner="BBB", release_to=["AAA"])
    scenario = scenario_from(one_drone)
    detected_s = float(simulate(compile_world(scenario, np.random.default_rng(0)), np.random.default_rng(0),
                                fidelity="ideal").track_t_s.min())
    assert np.isinf(detected_s)  # no agreement: no picture
    sharing = {"id": "share", "kind": "track-sharing", "grantor": "BBB", "parties": ["BBB", "AAA"],
               "in_force_from_s": 0}

    def track_t_s(until_s):
        data = {**one_drone, "agreements": [{**sharing, "in_force_until_s": until_s}]}
        world = compile_world(scenario_from(data), np.random.default_rng(0))
        return float(simulate(world, np.random.default_rng(0), fidelity="ideal").track_t_s.min())

    shared_s = track_t_s(None)
    assert np.isfinite(shared_s)
    assert track_t_s(shared_s + 1.0) == shared_s  # still in force at detection
    assert np.isinf(track_t_s(shared_s - 1.0))  # ended before the detection: never reaches the coordinator


def test_engine_assigners_stop_on_work_done_not_on_the_clock():
    # Inside the engine an epoch's assignment must not depend on machine load.
    for name in ("search", "exact"):
        assigner = assigner_named(name)
        assert np.isinf(assigner.time_limit_s), name


def test_kill_draws_follow_the_shot_order(one_drone):
    # The k-th interceptor fired at a threat kills exactly when draw k of the threat's stream is
    # below its kill probability (common random numbers across variants).
    one_drone["fire_units"][0].update(magazine=12, fire_channels=4)
    one_drone["doctrine"].update(shoot_look_shoot=False, salvo_size=3)
    scenario = scenario_from(one_drone)
    world = compile_world(scenario, np.random.default_rng(0))
    pk = 0.6
    for seed in range(20):
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        outcome = simulate(world, rng, fidelity="ideal")
        draws = stream(rng, "threats")
        draws.random(1), draws.random(1)  # failure time and place
        kill_u = draws.random((1, MAX_SHOTS_PER_THREAT))[0]
        results = outcome.shots["result"]
        expected = np.where(kill_u[:results.size] < pk, 1, 0)
        # A shot fired after an earlier one of its salvo killed still has its own draw.
        assert np.array_equal(np.where(results == 1, 1, 0)[results != 2], expected[results != 2]), seed
