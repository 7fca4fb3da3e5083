"""The battle manager's commitments: rounds per engagement, shots per threat, track release."""

from __future__ import annotations

import copy

import numpy as np

import shieldwall
from shieldwall.battle.manager import decide, doctrine_values, evaluate, new_state
from shieldwall.engine.simulate import simulate
from shieldwall.montecarlo.seeds import streams
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
    doctrine = doctrine_values(scenario.doctrine)
    for j in range(3):
        evaluate(t_s, 0, j, plan, doctrine, state)
    engagements, retries = decide(t_s, 0, np.arange(3)[None, :], 3, plan, doctrine, state, False)
    chosen, retry_threat = state.chosen[:engagements], state.retry_threat[:retries]
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
    assert per_threat.max() == results.scenario.doctrine.max_shots_per_threat == 16


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
        draws = streams(rng, ["threats"])[0]
        draws.random(1), draws.random(1)  # failure time and place
        kill_u = draws.random((1, scenario.doctrine.max_shots_per_threat))[0]
        results = outcome.shots["result"]
        expected = np.where(kill_u[:results.size] < pk, 1, 0)
        # A shot fired after an earlier one of its salvo killed still has its own draw.
        assert np.array_equal(np.where(results == 1, 1, 0)[results != 2], expected[results != 2]), seed


def _engagements(results):
    """One row per engagement: (launch, intercept) of its first shot, in launch order."""
    shots = results.tables["shots"].to_pandas()
    return shots.groupby(["run", "threat", "launch_t_s"], as_index=False)["intercept_t_s"].first().sort_values(
        ["run", "launch_t_s"])


def test_guidance_decides_how_long_a_shot_holds_its_fire_channel(one_drone):
    # One fire channel, three drones flying together: a command-guided shot holds the channel to
    # intercept, an active one until its seeker takes over, a fire-and-forget one not at all.
    one_drone["raid"]["waves"][0]["count"] = 3
    one_drone["fire_units"][0].update(magazine=3, fire_channels=1)
    missile = one_drone["catalog"]["interceptors"]["test-missile"]
    one_drone["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 1.0

    def engagements(guidance):
        missile["guidance"] = {**guidance, "notional": "test"}
        return _engagements(shieldwall.run(scenario_from(one_drone), runs=1, seed=0, fidelity="ideal"))

    command = engagements({"kind": "command"})
    assert len(command) == 3
    assert np.all(command["launch_t_s"].to_numpy()[1:] >= command["intercept_t_s"].to_numpy()[:-1] - 1e-9)
    homing_s = 20.0
    active = engagements({"kind": "active", "homing_s": {"value": homing_s, "notional": "test"}})
    assert len(active) == 3
    freed = np.maximum(active["launch_t_s"].to_numpy(), active["intercept_t_s"].to_numpy() - homing_s)
    assert np.all(active["launch_t_s"].to_numpy()[1:] >= freed[:-1] - 1e-9)
    assert np.any(active["launch_t_s"].to_numpy()[1:] < active["intercept_t_s"].to_numpy()[:-1])
    forget = engagements({"kind": "fire-and-forget"})
    assert len(forget) == 3
    # The channel is taken at the decision and freed at launch: all three leave (one trajectory
    # sample apart) before the first intercept.
    launches = forget["launch_t_s"].to_numpy()
    assert launches[-1] < forget["intercept_t_s"].to_numpy()[0]


def _forward_and_terminal(one_drone: dict) -> dict:
    """A forward battery of its own interceptor type on the drone's path, and the terminal one."""
    catalog = one_drone["catalog"]["interceptors"]
    catalog["forward-missile"] = dict(catalog["test-missile"], name="Forward missile")
    forward = dict(one_drone["fire_units"][0], id="forward", interceptor="forward-missile", position=[31.0, 36.0],
                   magazine=1)
    one_drone["fire_units"].append(forward)
    return one_drone


def test_a_unit_keeps_its_reserve_for_threats_no_one_else_can_take(one_drone):
    data = _forward_and_terminal(one_drone)
    data["doctrine"]["interceptors"] = {"forward-missile": {"reserve_rounds": 1}}
    units = shieldwall.run(scenario_from(data), runs=20, seed=5, fidelity="ideal").tables["shots"]["unit"]
    assert "forward" not in units.to_pylist()  # the terminal battery still has a look after it
    data["fire_units"] = [u for u in data["fire_units"] if u["id"] != "battery"]
    units = shieldwall.run(scenario_from(data), runs=20, seed=5, fidelity="ideal").tables["shots"]["unit"]
    assert set(units.to_pylist()) == {"forward"}  # now the last chance: the reserve is spent


def test_doctrine_per_interceptor_type_overrides_the_scenarios(one_drone):
    data = _forward_and_terminal(one_drone)
    data["fire_units"][1]["magazine"] = 3  # one salvo; the terminal battery takes the survivors
    data["doctrine"].update(shoot_look_shoot=True)
    data["doctrine"]["interceptors"] = {"forward-missile": {"shoot_look_shoot": False, "salvo_size": 3}}
    shots = shieldwall.run(scenario_from(data), runs=60, seed=6, fidelity="ideal").tables["shots"].to_pandas()
    per_engagement = shots.groupby(["run", "unit", "launch_t_s"]).size()
    assert set(per_engagement.xs("forward", level="unit")) == {3}
    assert set(per_engagement.xs("battery", level="unit")) == {1}


def test_a_doctrine_for_an_unknown_interceptor_type_is_a_clear_error(one_drone, tmp_path):
    from typer.testing import CliRunner

    from shieldwall.cli import app

    one_drone["doctrine"]["interceptors"] = {"no-such-missile": {"reserve_rounds": 2}}
    path = tmp_path / "bad.yaml"
    import yaml

    path.write_text(yaml.safe_dump(one_drone))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "doctrine.interceptors.no-such-missile" in result.output
    assert "Traceback" not in result.output


def test_missed_with_capacity_flags_leakers_a_unit_could_have_fired_at(one_drone):
    # The forward battery holds its round in reserve for the terminal battery's look; when the
    # terminal battery's one round misses, the drone leaks past a round never fired.
    data = _forward_and_terminal(one_drone)
    data["fire_units"][0]["magazine"] = 1
    data["fire_units"][1]["position"] = [31.0, 36.5]  # its window closes before the terminal one opens
    data["doctrine"]["interceptors"] = {"forward-missile": {"reserve_rounds": 1}}
    threats = shieldwall.run(scenario_from(data), runs=40, seed=8, fidelity="ideal").tables["threats"].to_pandas()
    leaked = threats["fate"] == "leaked"
    assert leaked.sum() > 0
    assert np.array_equal(threats["missed_with_capacity"].to_numpy(), leaked.to_numpy())
    # Without the reserve, the forward round is fired: a leaker then had no capacity left unused.
    data["doctrine"]["interceptors"] = {}
    threats = shieldwall.run(scenario_from(data), runs=40, seed=8, fidelity="ideal").tables["threats"].to_pandas()
    assert (threats["fate"] == "leaked").sum() > 0
    assert not threats["missed_with_capacity"].any()


def _last_ditch_and_layers(one_drone: dict) -> dict:
    """Three units on the drone's path: a slow long-range missile whose first shot intercepts after
    every other window has closed ('last-ditch'), a forward battery that fires early ('forward',
    kill probability 0.8), and a middle battery that still has a look after the forward shot
    ('middle', 0.6). Alone, the last-ditch shot (0.85) beats the forward one (0.8)."""
    catalog = one_drone["catalog"]["interceptors"]
    catalog["test-missile"]["kill_probability"]["drone"]["value"] = 0.6
    catalog["forward-missile"] = json_copy(catalog["test-missile"], name="Forward missile")
    catalog["forward-missile"]["kill_probability"]["drone"]["value"] = 0.8
    slow = json_copy(catalog["test-missile"], name="Slow missile")
    slow["kill_probability"]["drone"]["value"] = 0.85
    slow["max_range_m"]["value"] = 200_000
    slow["min_range_m"]["value"] = 25_000
    slow["average_speed_mps"]["value"] = 10
    catalog["slow-missile"] = slow
    terminal = one_drone["fire_units"][0]
    one_drone["sensors"][0]["position"] = [31.0, 36.5]  # the drone is in the picture from launch
    one_drone["fire_units"] = [
        dict(terminal, id="middle", position=[31.0, 36.0], magazine=4),
        dict(terminal, id="forward", interceptor="forward-missile", position=[31.0, 36.5], magazine=4),
        dict(terminal, id="last-ditch", interceptor="slow-missile", position=[31.0, 35.0], magazine=4),
    ]
    return one_drone


def json_copy(value: dict, **changes) -> dict:
    import copy

    return {**copy.deepcopy(value), **changes}


def test_a_shot_that_leaves_no_look_does_not_take_a_threat_from_a_deeper_chain(one_drone):
    # Last-ditch alone: 0.85, nothing after it. Forward then middle: 1 - 0.2 x 0.4 = 0.92 at the
    # least. Without keeping depth the assignment takes the single best shot, the last-ditch one,
    # and the drone leaks with probability 0.15 exactly; keeping depth, the forward battery fires
    # first, with looks, and the last-ditch missile is left for what gets through.
    data = _last_ditch_and_layers(one_drone)
    data["doctrine"]["engage_before_look"] = False  # one engagement at a time: the depth rule alone
    runs = 400

    def first_shots(keep_depth: bool):
        data["doctrine"]["keep_depth"] = keep_depth
        results = shieldwall.run(scenario_from(data), runs=runs, seed=11, fidelity="ideal")
        shots = results.tables["shots"].to_pandas().sort_values(["run", "launch_t_s"])
        leaked = (results.tables["threats"]["fate"].to_numpy(zero_copy_only=False) == "leaked").sum()
        return shots.groupby("run")["unit"].first(), leaked

    first, leaked = first_shots(False)
    assert set(first) == {"last-ditch"}
    # Binomial(400, 0.15): mean 60, standard deviation 7.1; 4 standard deviations either side.
    assert abs(leaked - 60) < 4 * 7.15
    first, leaked = first_shots(True)
    assert set(first) == {"forward"}
    # Four forward shots with looks, then the middle battery's: P(leak) < 0.2^4 x 0.4 = 6.4e-4 a run.
    assert leaked <= 2


def test_a_unit_whose_chance_passes_before_the_result_fires_on_an_engaged_threat(one_drone):
    # The last-ditch shot taken first (depth not kept): its result comes after the forward and
    # middle batteries' windows have closed. One engagement at a time, they never fire and the
    # drone leaks with probability 0.15 exactly (the test above); engaging before the look, the
    # forward battery fires too, its shot worth 0.8 x 0.15 of the drone's value, and the drone
    # leaks only where every shot misses: P(leak) <= 0.15 x 0.2 = 0.03.
    data = _last_ditch_and_layers(one_drone)
    data["doctrine"]["keep_depth"] = False
    runs = 400
    results = shieldwall.run(scenario_from(data), runs=runs, seed=11, fidelity="ideal")
    shots = results.tables["shots"].to_pandas()
    last_ditch = shots[shots["unit"] == "last-ditch"].groupby("run")["intercept_t_s"].min()
    forward = shots[shots["unit"] == "forward"].groupby("run")["launch_t_s"].min()
    # In every run both fire, the forward battery before the last-ditch result is known.
    assert set(last_ditch.index) == set(forward.index) == set(range(runs))
    assert (forward < last_ditch + results.scenario.doctrine.kill_assessment_s).all()
    leaked = (results.tables["threats"]["fate"].to_numpy(zero_copy_only=False) == "leaked").sum()
    # Binomial(400, 0.03) at most: mean 12, standard deviation 3.4; 4 standard deviations above.
    assert leaked <= 12 + 4 * 3.42
    # Against 60 leakers (standard deviation 7.1) one engagement at a time.
    assert leaked < 60 - 4 * 7.15


def _verdicts(results) -> dict[str, set[str]]:
    decisions = results.tables["decisions"].to_pandas()
    return {unit: set(rows["verdict"]) for unit, rows in decisions.groupby("unit", observed=True)}


def test_each_leaker_keeps_the_last_verdict_of_every_unit_that_could_have_fired(one_drone):
    from shieldwall.battle.manager import VERDICT_TEXT, Verdict

    # The last-ditch shot taken first (depth not kept): the forward battery, free at that
    # decision, was outbid; the middle one's window opened and closed while the shot was in
    # flight, so it never looked; the last-ditch unit's own last word is the shot it fired.
    data = _last_ditch_and_layers(one_drone)
    data["doctrine"]["keep_depth"] = False
    data["doctrine"]["engage_before_look"] = False
    results = shieldwall.run(scenario_from(data), runs=200, seed=11, fidelity="ideal")
    leakers = results.tables["threats"].to_pandas().query("fate == 'leaked'")
    decisions = results.tables["decisions"].to_pandas()
    assert len(leakers) > 0
    assert len(decisions) == 3 * len(leakers)  # one row per leaker and unit with an allowed shot
    assert _verdicts(results) == {"forward": {VERDICT_TEXT[Verdict.OUTBID]},
                                  "middle": {VERDICT_TEXT[Verdict.NOT_LOOKED_AT]},
                                  "last-ditch": {VERDICT_TEXT[Verdict.FIRED]}}
    summary = results.summary["leaker_verdicts"]
    assert summary[VERDICT_TEXT[Verdict.FIRED]]["mean"] == len(leakers) / 200


def test_a_unit_holding_its_reserve_says_so_for_the_leakers(one_drone):
    from shieldwall.battle.manager import VERDICT_TEXT, Verdict

    data = _forward_and_terminal(one_drone)
    data["fire_units"][0]["magazine"] = 1
    data["fire_units"][1]["position"] = [31.0, 36.5]
    data["doctrine"]["interceptors"] = {"forward-missile": {"reserve_rounds": 1}}
    results = shieldwall.run(scenario_from(data), runs=40, seed=8, fidelity="ideal")
    verdicts = _verdicts(results)
    assert verdicts["forward"] == {VERDICT_TEXT[Verdict.HELD_IN_RESERVE]}
    # The terminal battery fired its one round and missed; looked at again, it had none left.
    assert verdicts["battery"] == {VERDICT_TEXT[Verdict.NO_ROUNDS]}


def _patrol_against_a_stream(one_drone: dict, turnaround_s: float | None) -> dict:
    """One aircraft on patrol over the base, two missiles a load, eight drones ten minutes apart
    (each drone's window on the patrol lasts about 20 minutes: 59 km at 50 m/s)."""
    one_drone["catalog"]["interceptors"]["test-missile"]["kill_probability"]["drone"]["value"] = 1.0
    one_drone["raid"]["waves"] = [
        dict(one_drone["raid"]["waves"][0], id=f"w{k}", launch_window_s=[600.0 * k, 600.0 * k]) for k in range(8)]
    unit = one_drone["fire_units"][0]
    unit.update(platform="fighter-patrol", magazine=6, fire_channels=1)
    if turnaround_s is not None:
        unit["patrol"] = {"missiles_per_aircraft": {"value": 2, "notional": "test"},
                          "rearm_turnaround_s": {"value": turnaround_s, "notional": "test"}}
    return one_drone


def test_a_patrol_aircraft_that_has_fired_its_load_leaves_and_returns_rearmed(one_drone):
    from shieldwall.battle.manager import VERDICT_TEXT, Verdict

    def fly(turnaround_s):
        data = _patrol_against_a_stream(copy.deepcopy(one_drone), turnaround_s)
        results = shieldwall.run(scenario_from(data), runs=1, seed=0, fidelity="ideal")
        shots = results.tables["shots"].to_pandas().sort_values("launch_t_s")
        leaked = int((results.tables["threats"].to_pandas()["fate"] == "leaked").sum())
        return shots["launch_t_s"].to_numpy(), shots["intercept_t_s"].to_numpy(), leaked, results

    # Each drone's window on the patrol opens about 42 minutes after its launch and lasts 40
    # (the radar's 100 km to impact): a drone every 10 minutes. Command guidance holds the
    # aircraft to intercept; after the second missile of its load it leaves and is back a
    # turnaround later with the next two. Away 50 minutes, it misses the next three drones.
    launch, intercept, leaked, results = fly(3000.0)
    assert launch.size == 4 and leaked == 4  # every missile fired kills (Pk 1)
    assert launch[1] - launch[0] < 700.0  # the first load fired in stride
    assert launch[2] >= intercept[1] + 3000.0 - 1e-6  # nothing while away
    assert launch[3] - launch[2] < 700.0
    # Drones that went by while the aircraft was away: no free fire channel, as the unit's last word.
    assert set(results.tables["decisions"].to_pandas()["verdict"]) == {VERDICT_TEXT[Verdict.NO_CHANNEL]}
    # A quicker turnaround misses fewer drones and spends the whole stock.
    launch, intercept, quicker_leaked, _ = fly(600.0)
    assert launch.size == 6 and quicker_leaked == 2


def test_a_patrol_without_aircraft_loads_fires_from_one_shared_magazine(one_drone):
    results = shieldwall.run(scenario_from(_patrol_against_a_stream(one_drone, None)), runs=1, seed=0,
                             fidelity="ideal")
    assert results.tables["shots"].num_rows == 6  # never away: the whole stock, as fast as drones come
    assert (results.tables["threats"]["fate"].to_numpy(zero_copy_only=False) == "leaked").sum() == 2


def test_patrol_aircraft_start_with_full_loads_in_turn(one_drone):
    # Aircraft k of a patrol holds what its unit's stock has left after k full loads, at most a
    # load; one left with none is away for good from the start, and each missile in a patrol's
    # stock may later send an aircraft away: written out aircraft by aircraft.
    scenario = scenario_from(one_drone)
    plan = compile_world(scenario, np.random.default_rng(0)).plan("coordinated")
    load = np.array([2, 0, 4, 3, 1, 2])
    channels = np.array([3, 5, 2, 4, 1, 0])
    magazine = np.array([5, 7, 8, -1, 0, 3])
    patrol_plan = plan._replace(aircraft_load=load, channels=channels)
    state = new_state(patrol_plan, magazine, channels, np.zeros((load.size, 1)))
    rounds, free, never, stock = [], [], [], 0
    for u in range(load.size):
        if load[u] == 0:
            rounds.append([0] * 5)
            free.append(channels[u])
            continue
        held = [min(load[u], max(max(magazine[u], 0) - k * load[u], 0)) if k < channels[u] else 0 for k in range(5)]
        rounds.append(held)
        free.append(sum(1 for k in range(channels[u]) if held[k] > 0))
        never += [u for k in range(channels[u]) if held[k] == 0]
        stock += max(magazine[u], 0)
    assert state.aircraft_rounds.tolist() == rounds  # 5 columns: the most channels of a unit
    assert state.free.tolist() == free
    assert state.away_unit[:len(never)].tolist() == never == [3, 3, 3, 3, 4]
    assert state.away_unit.size == len(never) + stock
    assert state.counters.tolist() == [2, 0, len(never)]  # units 3 and 4 start with none
    assert state.free is not channels and channels.tolist() == [3, 5, 2, 4, 1, 0]
