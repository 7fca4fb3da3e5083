"""Replications: sensing, common picture, battle management, engagements, outcome (`simulate` for
one; `simulate_many` for several of one raid realisation, taken through these stages together).

A discrete-event loop in the style of SimPy's kernel: events at equal times are ordered by kind
priority, then by insertion, so a replication is bit-reproducible for a given seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from shieldwall._compiled import inline_kernel, kernel

from shieldwall import geo
from shieldwall.battle.diagnostics import leaker_verdicts, missed_with_capacity
from shieldwall.battle.manager import (
    AWAY,
    REFUSALS,
    BattleState,
    aircraft_back,
    channel_release_t_s,
    decide,
    engagement_assessed,
    doctrine_values,
    new_state,
    outside_assigner,
    release_channel,
    scratch_space,
    stop_waiting,
)
from shieldwall.engine.world import World
from shieldwall.montecarlo.seeds import streams
from shieldwall.sensors import SENSING, arrival_times, first_source, launch_warning, release_tracks
from shieldwall.wta import Assigner, GreedyAssigner

FATES = ("failed", "intercepted", "leaked")
FAILED, INTERCEPTED, LEAKED = range(3)
SHOT_RESULTS = ("miss", "kill", "target-gone")
MISS, KILL, TARGET_GONE = range(3)

INF = np.inf


@dataclass
class Outcome:
    """Everything one replication produced. Per-threat arrays have one entry per threat."""

    fate: np.ndarray
    fate_t_s: np.ndarray
    fate_lat_deg: np.ndarray
    fate_lon_deg: np.ndarray
    fate_alt_m: np.ndarray
    fate_airspace: np.ndarray  # index into World.airspace_labels of the intercept point, -1 otherwise
    killer_unit: np.ndarray
    shots_at: np.ndarray
    asset_hit: np.ndarray
    track_t_s: np.ndarray
    warned_t_s: np.ndarray | None  # None: simulated without detail
    value_lost_usd: float
    shots: dict[str, np.ndarray]
    refusals: dict[str, np.ndarray]
    magazine_left: np.ndarray
    missed_with_capacity: np.ndarray | None = None  # leaked while a unit allowed to engage could have fired
    decisions: dict[str, np.ndarray] | None = None  # per leaker and unit with an allowed shot at it: the unit's last verdict
    first_detect_t_s: np.ndarray | None = None  # first detection by any sensor, before confirmation and release
    first_track_partner: np.ndarray | None = None  # owner of the sensor whose track put the threat in the picture, -1: none
    track_error_m: np.ndarray | None = None  # the deciding picture's predicted error at the first engagement (NaN: none)


_KERNELS_LOADED = False


def load_kernels() -> None:
    """Load the compiled replication kernels now (compiling them on the first use after an
    install, about 30 s), e.g. before forking workers, which then inherit them."""
    global _KERNELS_LOADED
    if not _KERNELS_LOADED:
        from shieldwall.engine.world import compile_world
        from shieldwall.scenario import load_scenario

        simulate(compile_world(load_scenario("tutorial"), np.random.default_rng(0)), np.random.default_rng(0))
        _KERNELS_LOADED = True


def simulate(world: World, rng: np.random.Generator | np.random.SeedSequence, fidelity: str = "radar",
             assigner: Assigner | None = None, coordination: str | None = None,
             magazine: list[int] | None = None, detail: bool = True) -> Outcome:
    """Run one replication of `world`; all randomness comes from `rng`'s seed sequence (or from
    `rng`, a seed sequence: what the Monte Carlo runner passes, sparing a Generator it would not
    draw from).

    `magazine` overrides the fire units' starting magazines (e.g. carried over from an earlier
    raid of a campaign); the outcome's `magazine_left` gives what remains. Without `detail`, what
    only the result tables report is left out (None): the launch warning, each threat's first
    detection, first track's partner and track error, each shot's handover and track error, and
    the leakers' last verdicts. Fates, shots, impacts and the missed-with-capacity diagnostic are
    the same either way: callers that only count engagements (analysis measures, campaigns) skip
    a few tenths of a millisecond a replication.
    """
    [outcome] = simulate_many(world, [rng], fidelity, assigner, coordination, magazine, detail)
    return outcome


STAGED = 25
"""Replications that `simulate_many` takes through each stage together: bounds what they hold
between stages (about 0.35 MB each for april-2024)."""


def simulate_many(world: World, rngs: Sequence[np.random.Generator | np.random.SeedSequence],
                  fidelity: str = "radar", assigner: Assigner | None = None, coordination: str | None = None,
                  magazine: list[int] | None = None, detail: bool = True,
                  tick: Callable[[int], None] | None = None) -> Iterator[Outcome]:
    """`simulate` of each of `rngs` in turn (the same outcomes, each from its own seed sequence
    alone), yielded group by group; `tick`, if given, is called with the number of replications
    each group finished.

    The replications go through each stage together, `STAGED` at a time: the draws and the
    picture, then the engine's loop, then the outcome. Interleaved, each stage found the
    processor's caches full of the others' code and data, and a replication's few hundred small
    NumPy calls each cost several times what they do in a row.
    """
    scenario = world.scenario
    coordination = coordination or scenario.coordination
    assigner = assigner or GreedyAssigner()
    sensing = SENSING[fidelity]()
    plan = world.plan(coordination)
    doctrine = doctrine_values(scenario.doctrine)
    outside = type(assigner) is not GreedyAssigner  # the greedy runs compiled, inside the loop
    for first in range(0, len(rngs), STAGED):
        drawn = [_draw(world, plan, rng, sensing, coordination, magazine, detail) for rng in rngs[first:first + STAGED]]
        with outside_assigner(assigner) if outside else nullcontext():
            loops = [_fly(world, plan, doctrine, d, outside) for d in drawn]
        yield from [_outcome(world, plan, sensing, coordination, d, loop, detail) for d, loop in zip(drawn, loops)]
        if tick:
            tick(len(drawn))


class _Drawn(NamedTuple):
    """A replication before the engine's loop: its draws, its picture and its battle state."""

    detect_t: np.ndarray
    handover: np.ndarray
    warned_t: np.ndarray | None  # None: without detail, as the two after it
    first_detect_t: np.ndarray | None
    first_track_partner: np.ndarray | None
    cell_track: np.ndarray
    track_t: np.ndarray
    fail_t: np.ndarray
    kill_u: np.ndarray
    scatter: np.ndarray
    start: np.ndarray
    state: BattleState


def _draw(world: World, plan, rng, sensing, coordination: str, magazine, detail: bool) -> _Drawn:
    scenario = world.scenario
    threats = world.threats
    n = threats.count
    keys = world.derived("stream keys", lambda: (*(f"sensor:{s.id}" for s in scenario.sensors), "threats"))
    *sensor_rngs, draws = streams(rng, keys)
    first_detect_t, detect_t = sensing.detect_and_confirm(world, sensor_rngs)
    handover = sensing.handover_fraction(world, detect_t)
    warned_t = launch_warning(world, sensor_rngs) if detail else None
    latency = scenario.doctrine.track_latency_s
    arrival_t = arrival_times(detect_t, *world.release_spans_s)
    picture = release_tracks(arrival_t, latency)
    # Each partner's own picture: its own sensors' tracks, always released to it.
    own_picture = np.full((len(scenario.partners), n), np.inf)
    for partner, sensors in world.derived("sensors by partner", lambda: _sensors_by_partner(world)):
        own_picture[partner] = detect_t[sensors].min(axis=0)
    own_picture += latency

    fail_u = draws.random(n)
    fail_fraction = draws.random(n)
    # The k-th shot at a threat uses draw k; the doctrine bounds the shots at one threat.
    kill_u = draws.random((n, scenario.doctrine.max_shots_per_threat))
    scatter = draws.standard_normal((n, 2))
    flight = world.derived("flight times", lambda: threats.impact_t_s - threats.launch_t_s)
    fail_t = np.where(fail_u >= threats.reliability, threats.launch_t_s + fail_fraction * flight, np.inf)

    units = scenario.fire_units
    start = (world.derived("magazines", lambda: np.array([u.magazine for u in units], dtype=np.int64)).copy()
             if magazine is None else np.array([int(m) for m in magazine], dtype=np.int64))
    if start.size != len(units):
        raise ValueError(f"magazine has {start.size} entries for {len(units)} fire units")
    cells = world.cells(coordination)
    cell_track = picture[[p for p, _ in cells]].reshape(len(cells), n)
    # The picture reported per threat: the coordinator's, or the earliest of the cells'.
    track_t = cell_track.min(axis=0) if cells else np.full(n, np.inf)
    # The battle state's scratch space is shared by the realisation's replications, each using it
    # only inside the engine's loop (`_fly`).
    state = new_state(plan, start, plan.channels, own_picture[world.unit_partners()].reshape(len(units), n),
                      world.derived(f"battle scratch space: {coordination}", lambda: scratch_space(plan)))
    # What the outcome reports of the picture, taken now rather than holding the arrival of every
    # sensor's tracks at every partner (most of what a replication holds between stages).
    first_track = _first_track_partner(world, arrival_t, cells, cell_track) if detail else None
    first_detect = (first_detect_t.min(axis=0) if scenario.sensors else np.full(n, np.inf)) if detail else None
    return _Drawn(detect_t, handover, warned_t, first_detect, first_track, cell_track, track_t, fail_t, kill_u, scatter,
                  start, state)


class _Flown(NamedTuple):
    """What the engine's loop leaves of a replication (`_replicate`'s results, the rows copied)."""

    fate: np.ndarray
    fate_t: np.ndarray
    killer: np.ndarray
    fate_sample: np.ndarray
    fate_airspace: np.ndarray
    shots_at: np.ndarray
    positions: tuple  # where each threat's fate was sealed: latitude, longitude, altitude
    shots: tuple  # the shot rows, as in Outcome.shots
    refusals: tuple  # the refusal rows, as in Outcome.refusals
    shot_position: np.ndarray  # each shot's index into the windows' per-sample arrays


def _fly(world: World, plan, doctrine, drawn: _Drawn, outside: bool) -> _Flown:
    threats = world.threats
    state = drawn.state
    # Each shot spends an interceptor, so the magazines bound the shot rows.
    shots = Shots.empty(int(np.maximum(drawn.start, 0).sum()))
    fate, fate_t, killer, fate_sample, fate_airspace, shots_at, n_shots = _replicate(
        plan, doctrine, state, shots, drawn.fail_t, world.derived("impact times", lambda: threats.impact_t_s.astype(float)),
        threats.t_s, threats.n_samples, drawn.cell_track, drawn.kill_u, drawn.handover, outside)
    # The rows are taken now, while the scratch space holds this replication's refusals. Arrays
    # one by one: numba types a tuple argument at each call, at some 0.5 µs an array.
    positions, shot_rows, refusal_rows = _rows(
        threats.lat_deg, threats.lon_deg, threats.alt_m, fate_sample, shots.unit, shots.threat, shots.launch_t_s,
        shots.intercept_t_s, shots.sample, shots.airspace, shots.result, n_shots, state.refusal_t_s,
        state.refusal_unit, state.refusal_threat, state.refusal_reason, state.refusal_airspace,
        state.counters[REFUSALS])
    return _Flown(fate, fate_t, killer, fate_sample, fate_airspace, shots_at, positions, shot_rows, refusal_rows,
                  shots.position[:n_shots].copy())


def _outcome(world: World, plan, sensing, coordination: str, drawn: _Drawn, flown: _Flown, detail: bool) -> Outcome:
    scenario = world.scenario
    threats = world.threats
    n = threats.count
    units = scenario.fire_units
    state, cells = drawn.state, world.cells(coordination)
    fate = flown.fate
    lat, lon, alt = flown.positions
    asset_hit = np.full(n, -1, dtype=np.int64)
    leaked = np.flatnonzero(fate == LEAKED)
    value_lost = 0.0
    if leaked.size:
        # Circular normal scatter: each axis has sigma = CEP / sqrt(2 ln 2) (= CEP / 1.1774).
        sigma = threats.cep_m[leaked] / np.sqrt(2.0 * np.log(2.0))
        north, east = (drawn.scatter[leaked] * sigma[:, None]).T
        azimuth = np.degrees(np.arctan2(east, north))
        miss_m = np.hypot(north, east)  # the impact lies that far from the aim point, along the geodesic
        lat[leaked], lon[leaked] = geo.geodesic_forward(
            threats.aim_lat_deg[leaked], threats.aim_lon_deg[leaked], azimuth, miss_m)
        alt[leaked] = 0.0
        radius_m, value_usd = world.derived("asset radius and value", lambda: (
            np.array([a.radius_m for a in scenario.assets]), np.array([a.value_usd for a in scenario.assets])))
        radius = radius_m[threats.target_asset[leaked]]
        hit = miss_m <= radius
        asset_hit[leaked[hit]] = threats.target_asset[leaked[hit]]
        # An asset hit several times loses 1 - prod(1 - lethality) of its value.
        surviving = np.ones(len(scenario.assets))
        np.multiply.at(surviving, asset_hit[leaked[hit]], 1.0 - threats.lethality[leaked[hit]])
        value_lost = float(np.sum(value_usd * (1.0 - surviving)))
    outcome = Outcome(
        fate=fate, fate_t_s=flown.fate_t, fate_lat_deg=lat, fate_lon_deg=lon, fate_alt_m=alt,
        fate_airspace=flown.fate_airspace, killer_unit=flown.killer, shots_at=flown.shots_at, asset_hit=asset_hit,
        track_t_s=drawn.track_t, warned_t_s=drawn.warned_t, value_lost_usd=value_lost,
        magazine_left=state.magazine.copy(),
        shots=dict(zip(("unit", "threat", "launch_t_s", "intercept_t_s", "lat_deg", "lon_deg", "alt_m", "airspace",
                        "result"), flown.shots)),
        refusals=dict(zip(("t_s", "unit", "threat", "reason", "airspace"), flown.refusals)),
    )
    # From when each unit could decide on each threat: its cell's picture, and its own partner's
    # where it may not engage on remote tracks.
    unit_track = np.full((len(units), n), np.inf)
    for c, (_, members) in enumerate(cells):
        unit_track[members] = drawn.cell_track[c]
    remote = world.unit_engages_on_remote()
    unit_track[~remote] = np.maximum(unit_track[~remote], state.own_track_t_s[~remote])
    outcome.missed_with_capacity = missed_with_capacity(
        plan, fate == LEAKED, unit_track, drawn.start, outcome.shots["unit"], outcome.shots["threat"],
        outcome.shots["launch_t_s"], outcome.shots["intercept_t_s"],
        away=(state.away_unit[:state.counters[AWAY]], state.away_from_s[:state.counters[AWAY]],
              state.away_until_s[:state.counters[AWAY]]))
    if not detail:
        return outcome
    position = flown.shot_position
    handover = drawn.handover
    outcome.shots["handover_fraction"] = handover[position] if handover.size else np.ones(position.size)
    # Each unit's cell's partner: the picture it decides on.
    deciding = world.derived(f"deciding partners: {coordination}", lambda: _deciding_partners(len(units), cells))
    shot_threat = outcome.shots["threat"]
    error_m = sensing.track_error_m(world, drawn.detect_t, deciding[outcome.shots["unit"]], shot_threat, position)
    outcome.shots["track_error_m"] = error_m
    outcome.track_error_m = _first_shot_error_m(n, shot_threat, outcome.shots["launch_t_s"], error_m)
    outcome.first_detect_t_s = drawn.first_detect_t
    outcome.first_track_partner = drawn.first_track_partner
    outcome.decisions = leaker_verdicts(plan, state, fate == LEAKED)
    return outcome


def _deciding_partners(units: int, cells) -> np.ndarray:
    deciding = np.empty(units, dtype=np.int64)
    for partner, members in cells:
        deciding[members] = partner
    return deciding


@kernel
def _first_shot_error_m(n_threats, shot_threat, shot_launch_t_s, error_m):
    """(threats,) the track error of each threat's first shot by launch time (the earliest row
    among equal launches), NaN where none was fired."""
    first = np.full(n_threats, -1)
    for r in range(shot_threat.size):
        j = shot_threat[r]
        if first[j] < 0 or shot_launch_t_s[r] < shot_launch_t_s[first[j]]:
            first[j] = r
    out = np.full(n_threats, np.nan)
    for j in range(n_threats):
        if first[j] >= 0:
            out[j] = error_m[first[j]]
    return out


def _sensors_by_partner(world: World) -> list[tuple[int, np.ndarray]]:
    """(partner, indices of its sensors) for each partner with sensors."""
    owner = world.sensor_partners()
    return [(int(p), np.flatnonzero(owner == p)) for p in np.unique(owner)]


def _first_track_partner(world: World, arrival_t: np.ndarray, cells, cell_track: np.ndarray) -> np.ndarray:
    """(threats,) the partner whose sensor's track first put each threat into the picture the
    outcome reports (the coordinator's, or the earliest of the cells'); -1 where none did."""
    owner = world.derived("sensor partners or none", lambda: np.append(world.sensor_partners(), -1))
    sensor = np.full(world.threats.count, -1)
    if cells:
        reporting = cell_track.argmin(axis=0)
        for c, (partner, _) in enumerate(cells):
            mine = reporting == c
            sensor[mine] = first_source(arrival_t, partner)[mine]
    return owner[sensor]


class Shots(NamedTuple):
    """The shot rows of one replication (arrays sized by the magazines; the first n_shots used)."""

    unit: np.ndarray
    threat: np.ndarray
    launch_t_s: np.ndarray
    intercept_t_s: np.ndarray
    sample: np.ndarray
    airspace: np.ndarray
    result: np.ndarray
    position: np.ndarray  # index into the windows' per-sample arrays

    @classmethod
    def empty(cls, rows: int) -> "Shots":
        """Rows to fill (unfilled: the loop writes each row it uses before reading it)."""
        return cls(np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int64), np.empty(rows), np.empty(rows),
                   np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int8),
                   np.empty(rows, dtype=np.int64))


# Event kinds, in processing order at equal times.
_FAIL, _INTERCEPT, _RELEASE, _RETURN, _ASSESS, _TRACK, _EVALUATE = range(7)


@kernel
def _replicate(plan, doctrine, state, shots, fail_t_s, impact_t_s, sample_t_s, n_samples, cell_track_t_s, kill_u,
               handover, outside):
    """The event loop of one replication, in the style of SimPy's kernel: events at equal times
    are ordered by kind, then by insertion, so a replication is bit-reproducible for a given seed.
    A shot at window sample p kills with the window's kill probability times handover[p]
    (Sensing.handover_fraction; empty: times 1).

    After the events of an instant, each cell decides on the threats that became due; when fire
    channels freed, threats waiting for them are released and the cells decide again.
    """
    n = impact_t_s.size
    cells = cell_track_t_s.shape[0]
    units = state.magazine.size
    # The arrays the loop reads, bound once: fetched from a tuple inside the loop, an array is
    # reference-counted at each use (see _compiled.inline_kernel).
    unit, threat, kill_probability, homing_s = plan.unit, plan.threat, plan.kill_probability, plan.homing_s
    allowed_start, allowed_position, allowed_launch_t_s, allowed_intercept_t_s = plan.allowed_start, \
        plan.allowed_position, plan.allowed_launch_t_s, plan.allowed_intercept_t_s
    sample, airspace = plan.sample, plan.airspace
    chosen, cand_window, cand_position, cand_shots, cand_aircraft = state.chosen, state.cand_window, \
        state.cand_position, state.cand_shots, state.cand_aircraft
    retry_threat, retry_t_s, shots_at, engaged = state.retry_threat, state.retry_t_s, state.shots_at, state.engaged
    shot_unit, shot_threat, shot_launch_t_s, shot_intercept_t_s, shot_sample, shot_airspace, shot_result, \
        shot_position = shots
    alive = np.ones(n, dtype=np.bool_)
    fate = np.full(n, LEAKED, dtype=np.int8)
    fate_t = impact_t_s.copy()
    killer = np.full(n, -1, dtype=np.int64)
    fate_sample = n_samples - 1  # where the threat is when its fate is sealed: impact unless stopped
    fate_airspace = np.full(n, -1, dtype=np.int64)  # where intercepted: the airspace of the intercept point
    n_shots = 0
    next_eval = np.full((cells, n), INF)  # when an evaluation is pending (inf: none)
    due = np.zeros((cells, n), dtype=np.int64)
    due_count = np.zeros(cells, dtype=np.int64)
    is_due = np.zeros((cells, n), dtype=np.bool_)
    freed = np.zeros(units, dtype=np.int64)  # units whose channel freed at the current instant
    freed_count = 0
    is_freed = np.zeros(units, dtype=np.bool_)
    released_at = np.full((units, n), -1, dtype=np.int64)  # instant a waiting threat was released
    events = [(0.0, 0, 0, 0, 0, 0, 0, 0)]  # (t, kind, insertion, cell, unit, threat, shot row (_ASSESS: window), shots)
    events.pop()
    seq = 0
    for j in range(n):
        if fail_t_s[j] < INF:
            seq += 1
            heapq.heappush(events, (fail_t_s[j], _FAIL, seq, 0, 0, j, 0, 0))
    for c in range(cells):
        for j in range(n):
            # A threat is first looked at when it is in the picture, but not before any of the
            # cell's units could have an opportunity on it: until then a look finds nothing to do.
            if cell_track_t_s[c, j] < INF and plan.cell_start[c, j + 1] > plan.cell_start[c, j]:
                seq += 1
                heapq.heappush(events, (max(cell_track_t_s[c, j], plan.first_look_s[c, j]), _TRACK, seq, c, 0, j, 0, 0))
    instant = 0
    while events:
        t = events[0][0]
        instant += 1
        while events and events[0][0] == t:
            _, kind, _, c, u, j, row, count = heapq.heappop(events)
            if kind == _FAIL:
                if alive[j] and t < impact_t_s[j]:
                    alive[j] = False
                    fate[j], fate_t[j] = FAILED, t
                    # The next trajectory sample (failures fall between samples).
                    fate_sample[j] = min(np.searchsorted(sample_t_s[j, :n_samples[j]], t), n_samples[j] - 1)
            elif kind == _RELEASE or kind == _RETURN:
                # A released channel frees now; a patrol aircraft leaving to re-arm frees it on return.
                if kind == _RELEASE:
                    freed_now, back_t = release_channel(u, row, t, plan, state)
                    if back_t < INF:
                        seq += 1
                        heapq.heappush(events, (back_t, _RETURN, seq, c, u, j, row, 0))
                else:
                    freed_now = aircraft_back(u, row, plan, state)
                if freed_now and not is_freed[u]:
                    is_freed[u] = True
                    freed[freed_count] = u
                    freed_count += 1
            elif kind == _INTERCEPT:
                if alive[j] and t <= impact_t_s[j]:
                    if KILL in shot_result[row:row + count]:
                        alive[j] = False
                        fate[j], fate_t[j], killer[j] = INTERCEPTED, t, u
                        fate_sample[j], fate_airspace[j] = shot_sample[row], shot_airspace[row]
                else:
                    shot_result[row:row + count] = TARGET_GONE
            elif kind == _ASSESS:
                engagement_assessed(c, j, (1.0 - kill_probability[row]) ** count, t, state)
                _add_due(c, j, due, due_count, is_due)
            elif kind == _TRACK:
                _add_due(c, j, due, due_count, is_due)
            elif next_eval[c, j] == t:  # _EVALUATE, unless superseded by an earlier one
                next_eval[c, j] = INF
                _add_due(c, j, due, due_count, is_due)
        while True:
            for c in range(cells):
                if due_count[c] == 0:
                    continue
                live = 0
                for i in range(due_count[c]):  # sorted (_add_due)
                    j = due[c, i]
                    is_due[c, j] = False
                    if alive[j] and (engaged[c, j] == 0 or doctrine.engage_before_look):
                        due[c, live] = j
                        live += 1
                due_count[c] = 0
                if live == 0:
                    continue
                n_chosen, n_retry = decide(t, c, due, live, plan, doctrine, state, outside)
                for i in range(n_chosen):
                    e = chosen[i]
                    w = cand_window[e]
                    u, j = unit[w], threat[w]
                    a = allowed_start[w] + cand_position[e]
                    p = allowed_position[a]
                    fired = cand_shots[e]  # committed by the battle manager
                    pk = kill_probability[w] * handover[p] if handover.size else kill_probability[w]
                    first_draw = shots_at[j] - fired
                    for r in range(n_shots, n_shots + fired):
                        draw = kill_u[j, first_draw + r - n_shots]
                        shot_unit[r], shot_threat[r] = u, j
                        shot_launch_t_s[r] = allowed_launch_t_s[a]
                        shot_intercept_t_s[r] = allowed_intercept_t_s[a]
                        shot_sample[r], shot_airspace[r], shot_position[r] = sample[p], airspace[p], p
                        shot_result[r] = KILL if draw < pk else MISS
                    seq += 1
                    heapq.heappush(events, (allowed_intercept_t_s[a], _INTERCEPT, seq, c, u, j, n_shots, fired))
                    # Its result is known a kill assessment after intercept (row: the window).
                    seq += 1
                    heapq.heappush(events, (allowed_intercept_t_s[a] + doctrine.kill_assessment_s, _ASSESS, seq,
                                            c, u, j, w, fired))
                    seq += 1
                    release_t = channel_release_t_s(allowed_launch_t_s[a], allowed_intercept_t_s[a], homing_s[w])
                    heapq.heappush(events, (release_t, _RELEASE, seq, c, u, j, cand_aircraft[e], 0))
                    n_shots += fired
                for e in range(n_retry):
                    j, retry_t = retry_threat[e], retry_t_s[e]
                    if next_eval[c, j] > retry_t:  # none pending, or one later than this
                        next_eval[c, j] = retry_t
                        seq += 1
                        heapq.heappush(events, (retry_t, _EVALUATE, seq, c, 0, j, 0, 0))
            if freed_count == 0:
                break
            freed_count = _release_waiting(state, freed, freed_count, is_freed, released_at, instant,
                                           due, due_count, is_due)
    return fate, fate_t, killer, fate_sample, fate_airspace, shots_at, n_shots


@inline_kernel
def _add_due(c, j, due, due_count, is_due):
    """Threat j is due for a decision in cell c: `due[c, :due_count[c]]` stays sorted, the
    order in which the decision takes them."""
    if not is_due[c, j]:
        is_due[c, j] = True
        k = due_count[c]
        while k > 0 and due[c, k - 1] > j:
            due[c, k] = due[c, k - 1]
            k -= 1
        due[c, k] = j
        due_count[c] += 1


@inline_kernel
def _best_waiting(c, u, waiting_threats, waiting_count, waiting_gain, released_at, instant):
    """The threat waiting for unit u in cell c (BattleState.waiting_*) with the best net gain (the
    highest index among equals), not yet released at this instant; -1 if none."""
    best, best_gain = -1, -INF
    for e in range(waiting_count[c, u]):
        j = waiting_threats[c, u, e]
        gain = waiting_gain[c, u, j]
        if released_at[u, j] != instant and (gain > best_gain or (gain == best_gain and j > best)):
            best, best_gain = j, gain
    return best


@inline_kernel
def _release_waiting(state, freed, freed_count, is_freed, released_at, instant, due, due_count, is_due):
    """Make due again the threats waiting for a fire channel that has freed; returns how many
    units to look at again after the cells' next decisions.

    For each free channel, the waiting threats with the best net gain are released, one more than
    there are free channels, so that the epoch's assignment still has a choice; the rest keep
    waiting. Each (unit, threat) is released once per instant, which ends the loop. A threat's
    gain can change between epochs only by a salvo becoming a single shot (or back), so releasing
    by gain order finds the greedy's choice without re-evaluating every waiter.
    """
    free, waiting_threats, waiting_gain, waiting_count = state.free, state.waiting_threats, state.waiting_gain, \
        state.waiting_count
    # The units still to look at again are kept at the front of `freed`, in place (each written at
    # or before the slot just read): a copy would allocate in the event loop.
    still = 0
    for i in range(freed_count):
        u = freed[i]
        is_freed[u] = False
        if free[u] <= 0:
            continue
        any_released = False
        for c in range(waiting_count.shape[0]):
            for _ in range(free[u] + 1):
                j = _best_waiting(c, u, waiting_threats, waiting_count, waiting_gain, released_at, instant)
                if j < 0:
                    break
                stop_waiting(c, j, u, waiting_threats, waiting_gain, waiting_count)
                released_at[u, j] = instant
                _add_due(c, j, due, due_count, is_due)
                any_released = True
        if any_released:
            is_freed[u] = True
            freed[still] = u
            still += 1
    return still


@kernel
def _rows(lat_deg, lon_deg, alt_m, fate_sample, unit, threat, launch_t_s, intercept_t_s, sample, airspace, result, n_shots,
          refusal_t_s, refusal_unit, refusal_threat, refusal_reason, refusal_airspace, n_refusals):
    """Where each threat was when its fate was sealed (its trajectory sample `fate_sample`), and the
    replication's shot rows (with where their threats were at intercept) and refusal rows.

    The rows used are copied: views would keep the shot and refusal buffers alive (sized by the
    magazines and the windows, several times the rows: about 170 KB a replication of april-2024)
    for as long as the outcome is held, e.g. by a task until its tables are built. Compiled, as a
    dozen NumPy calls on a few hundred rows each cost several times more after the engine's loop
    than alone."""
    n = fate_sample.size
    lat, lon, alt = np.empty(n), np.empty(n), np.empty(n)
    for j in range(n):
        lat[j], lon[j], alt[j] = lat_deg[j, fate_sample[j]], lon_deg[j, fate_sample[j]], alt_m[j, fate_sample[j]]
    shot_lat, shot_lon, shot_alt = np.empty(n_shots), np.empty(n_shots), np.empty(n_shots)
    for r in range(n_shots):
        j, k = threat[r], sample[r]
        shot_lat[r], shot_lon[r], shot_alt[r] = lat_deg[j, k], lon_deg[j, k], alt_m[j, k]
    return ((lat, lon, alt),
            (unit[:n_shots].copy(), threat[:n_shots].copy(), launch_t_s[:n_shots].copy(),
             intercept_t_s[:n_shots].copy(), shot_lat, shot_lon, shot_alt, airspace[:n_shots].copy(),
             result[:n_shots].copy()),
            (refusal_t_s[:n_refusals].copy(), refusal_unit[:n_refusals].copy(), refusal_threat[:n_refusals].copy(),
             refusal_reason[:n_refusals].astype(np.int8), refusal_airspace[:n_refusals].copy()))
