"""The battle manager: threat evaluation, feasible pairs, assignment and doctrine at one epoch.

At a decision epoch it looks at the threats due for evaluation, finds for each the fire units of
its cell that can launch now (engagement window open after the unit's reaction time, rules
allowing, a free fire channel, interceptors left), applies doctrine, and hands the rest to the
weapon-target assigner. Threats that cannot be engaged now are given the time to look again.

This is the replication's hot path, so it is compiled (numba) and works on flat arrays: a `Plan`
(what a raid realisation and a coordination mode fix: engagement windows digested per fire unit
and cell) and a `BattleState` (what changes during one replication). The compiled code reads the
same way the rules are stated; docs/design/performance.md has the measurements behind it.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numba import objmode

from shieldwall._compiled import counted_kernel, inline_kernel, kernel, uncounted_kernel
from shieldwall.battle.rules import Reason
from shieldwall.wta import Assigner, AssignmentProblem
from shieldwall.wta.greedy import greedy_kernel

TIME_TOLERANCE_S = 1e-6
"""Retry times are computed as launch - reaction; adding the reaction back must find that launch."""

INF = np.inf

_ALLOWED = int(Reason.ALLOWED)  # a plain int, which compiled code takes as a constant

CHEAPER_SHOT_PK_MARGIN = 0.05
"""A later shot counts as 'as likely to kill' when its Pk is at most this much lower."""

DEPTH_PK_MARGIN = 0.05
"""A shot is passed up for another unit's only when that unit's chain kill probability is higher
by more than this: near-ties go to the assignment's net gain, which also weighs cost."""


@inline_kernel
def _first_at_or_after(sorted_values, lo, hi, value):
    """The first index in [lo, hi) whose value is at least `value` (hi if none): lo plus
    np.searchsorted(sorted_values[lo:hi], value), without the slice, which would make numba count
    references to every array of the plan and state (see _compiled.inline_kernel)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_values[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@inline_kernel
def _first_after(sorted_values, lo, hi, value):
    """The first index in [lo, hi) whose value exceeds `value` (hi if none): lo plus
    np.searchsorted(sorted_values[lo:hi], value, side="right")."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_values[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


class Plan(NamedTuple):
    """What one raid realisation and coordination mode fix for the battle manager.

    Per window w (one fire unit against one threat, see engine.world.Windows): the unit's
    parameters, and times digested from the window's allowed and refused opportunities. Per cell c
    and threat j, the cell's windows on j are `cell_windows[cell_start[c, j]:cell_start[c, j + 1]]`.
    """

    unit: np.ndarray  # (W,)
    threat: np.ndarray
    kill_probability: np.ndarray
    salvo_kill_probability: np.ndarray  # (W,) of a salvo of the unit's doctrine salvo size
    reaction_s: np.ndarray
    cost_usd: np.ndarray
    worth_a_shot: np.ndarray  # (W,) one shot's expected value saved exceeds its weighted cost
    remote_ok: np.ndarray  # may engage on a track its own partner does not hold
    opens_s: np.ndarray  # first allowed launch less the reaction time (inf: none allowed)
    last_decision_s: np.ndarray  # last allowed launch less the reaction time (-inf: none allowed)
    slack_s: np.ndarray  # a launch this soon after the earliest possible one cannot be improved on
    homing_s: np.ndarray  # (W,) a shot frees its channel this long before intercept (inf: at launch)
    shoot_look_shoot: np.ndarray  # (W,) the unit's doctrine
    salvo_size: np.ndarray
    adaptive: np.ndarray
    reserve_rounds: np.ndarray  # (U,)
    channels: np.ndarray  # (U,) fire channels of each unit (a fighter patrol's: its aircraft on station)
    aircraft_load: np.ndarray  # (U,) a fighter patrol's missiles per aircraft (0: not a patrol with aircraft)
    rearm_s: np.ndarray  # (U,) a patrol aircraft's turnaround from leaving with empty rails to back on station
    demand_start: np.ndarray  # (U + 1,) unit u's windows: demand_close_s[demand_start[u]:demand_start[u + 1]]
    demand_close_s: np.ndarray  # last allowed launch of each of the unit's windows, sorted
    last_refused_launch_s: np.ndarray  # last refused opportunity (-inf: none)
    start: np.ndarray  # window's samples: start:end of the per-sample arrays
    end: np.ndarray
    allowed_start: np.ndarray  # window's allowed samples: allowed_start:allowed_end of allowed_*
    allowed_end: np.ndarray
    launch_t_s: np.ndarray  # (S,) per sample
    allowed_run_end_t_s: np.ndarray  # for an allowed sample: the last launch of its run of allowed samples
    sample: np.ndarray  # index into the threat's trajectory samples
    reason: np.ndarray
    airspace: np.ndarray
    allowed_launch_t_s: np.ndarray  # (A,) per allowed sample, sorted within each window
    allowed_intercept_t_s: np.ndarray
    allowed_position: np.ndarray  # index into the per-sample arrays
    cell_start: np.ndarray  # (C, N + 1)
    cell_windows: np.ndarray
    cell_windows_by_last: np.ndarray  # the same segments, each sorted by last decision, latest first
    first_look_s: np.ndarray  # (C, N) earliest opportunity, allowed or refused, of any of the cell's units
    value_usd: np.ndarray  # (N,) value at risk per threat
    max_options: int  # most windows one threat has in one cell


class DoctrineValues(NamedTuple):
    """The scenario-wide doctrine; what may differ per interceptor type is in the Plan."""

    kill_assessment_s: float
    cost_weight: float
    prefer_cheaper_shot: bool
    max_shots_per_threat: int
    keep_depth: bool
    engage_before_look: bool


def doctrine_values(doctrine) -> DoctrineValues:
    return DoctrineValues(float(doctrine.kill_assessment_s), float(doctrine.cost_weight),
                          bool(doctrine.prefer_cheaper_shot), int(doctrine.max_shots_per_threat),
                          bool(doctrine.keep_depth), bool(doctrine.engage_before_look))


class UnitDoctrine(NamedTuple):
    """Doctrine per fire unit (U,): the scenario's, with its interceptor type's overrides."""

    shoot_look_shoot: np.ndarray
    salvo_size: np.ndarray
    reserve_rounds: np.ndarray
    adaptive: np.ndarray  # firing point chosen by channel load (else: first opportunity)


def unit_doctrine(doctrine, interceptors: list[str]) -> UnitDoctrine:
    """Each unit's doctrine, from the scenario's and the overrides for its interceptor type."""
    def pick(name, interceptor):
        override = doctrine.interceptors.get(interceptor)
        value = getattr(override, name, None) if override is not None else None
        return getattr(doctrine, name) if value is None else value

    return UnitDoctrine(
        shoot_look_shoot=np.array([pick("shoot_look_shoot", i) for i in interceptors], dtype=bool),
        salvo_size=np.array([pick("salvo_size", i) for i in interceptors], dtype=np.int64),
        reserve_rounds=np.array([doctrine.interceptors[i].reserve_rounds if i in doctrine.interceptors else 0
                                 for i in interceptors], dtype=np.int64),
        adaptive=np.array([pick("firing_point", i) == "adaptive" for i in interceptors], dtype=bool),
    )


def build_plan(windows, cells: list[tuple[int, list[int]]], n_threats: int, reaction_s: np.ndarray,
               cost_usd: np.ndarray, remote_ok: np.ndarray, sample_period_s: np.ndarray,
               value_usd: np.ndarray, channels: np.ndarray, homing_s: np.ndarray, doctrine: UnitDoctrine,
               cost_weight: float, aircraft_load: np.ndarray | None = None, rearm_s: np.ndarray | None = None) -> Plan:
    """Digest the engagement windows (engine.world.Windows) for the battle manager, vectorised."""
    unit, threat = windows.unit, windows.threat
    n_windows = unit.size
    window_of = np.repeat(np.arange(n_windows), windows.end - windows.start)
    allowed = windows.reason == _ALLOWED
    allowed_position = np.flatnonzero(allowed)
    allowed_start = np.searchsorted(allowed_position, windows.start)
    allowed_end = np.searchsorted(allowed_position, windows.end)
    any_allowed = allowed_end > allowed_start
    launch = windows.launch_t_s
    reaction = reaction_s[unit]
    first_allowed = np.full(n_windows, INF)
    first_allowed[any_allowed] = launch[allowed_position[allowed_start[any_allowed]]]
    last_allowed = np.full(n_windows, -INF)
    last_allowed[any_allowed] = launch[allowed_position[allowed_end[any_allowed] - 1]]
    last_refused = np.full(n_windows, -INF)
    np.maximum.at(last_refused, window_of[~allowed], launch[~allowed])
    # Launch times are spaced wider than the trajectory samples for an approaching threat
    # (intercept time minus a fly-out that shrinks as it closes): the slack is the longest gap
    # between launches of consecutive samples, and at least one sample period.
    slack = sample_period_s[threat].astype(float)
    consecutive = (window_of[1:] == window_of[:-1]) & (np.diff(windows.sample) == 1)
    np.maximum.at(slack, window_of[:-1][consecutive], np.diff(launch)[consecutive])
    # Runs of samples of one window with the same verdict: a refusal check that finds an allowed
    # opportunity need not look again until the earliest launch passes the end of its run.
    run_start = np.ones(launch.size, dtype=bool)
    run_start[1:] = (allowed[1:] != allowed[:-1]) | (window_of[1:] != window_of[:-1])
    run_last = np.append(np.flatnonzero(run_start)[1:], launch.size) - 1
    run_end_t_s = launch[run_last[np.cumsum(run_start) - 1]]
    # When each unit's windows close, sorted per unit: the load a held channel can cost.
    units = reaction_s.size
    by_unit = np.flatnonzero(any_allowed)[np.argsort(unit[any_allowed], kind="stable")]
    demand_start = np.searchsorted(unit[by_unit], np.arange(units + 1))
    demand_close = np.concatenate([np.sort(last_allowed[by_unit[demand_start[u]:demand_start[u + 1]]])
                                   for u in range(units)] or [np.zeros(0)])

    cell_of_unit = np.full(reaction_s.size, -1, dtype=np.int64)
    for c, (_, members) in enumerate(cells):
        cell_of_unit[members] = c
    cell_start = np.zeros((len(cells), n_threats + 1), dtype=np.int64)
    first_look = np.full((len(cells), n_threats), INF)
    last_decision = last_allowed - reaction
    pieces, by_last, offset, max_options = [], [], 0, 0
    for c in range(len(cells)):
        mine = np.flatnonzero(cell_of_unit[unit] == c)
        cell_start[c] = offset + np.searchsorted(threat[mine], np.arange(n_threats + 1))
        np.minimum.at(first_look[c], threat[mine], launch[windows.start[mine]] - reaction[mine])
        max_options = max(max_options, int(np.diff(cell_start[c]).max(initial=0)))
        pieces.append(mine)
        by_last.append(mine[np.lexsort((-last_decision[mine], threat[mine]))])
        offset += mine.size
    value_usd = np.asarray(value_usd, dtype=float)
    no_windows = np.zeros(0, np.int64)
    return Plan(
        unit=unit, threat=threat, kill_probability=windows.kill_probability,
        salvo_kill_probability=1.0 - (1.0 - windows.kill_probability) ** doctrine.salvo_size[unit], reaction_s=reaction,
        cost_usd=cost_usd[unit], remote_ok=remote_ok[unit], opens_s=first_allowed - reaction,
        worth_a_shot=value_usd[threat] * windows.kill_probability - cost_weight * cost_usd[unit] > 0,
        last_decision_s=last_decision, slack_s=slack, homing_s=np.asarray(homing_s, dtype=float)[unit],
        shoot_look_shoot=doctrine.shoot_look_shoot[unit], salvo_size=doctrine.salvo_size[unit],
        adaptive=doctrine.adaptive[unit], reserve_rounds=doctrine.reserve_rounds,
        channels=np.asarray(channels, dtype=np.int64),
        aircraft_load=np.zeros(units, np.int64) if aircraft_load is None else np.asarray(aircraft_load, dtype=np.int64),
        rearm_s=np.zeros(units) if rearm_s is None else np.asarray(rearm_s, dtype=float),
        demand_start=demand_start, demand_close_s=demand_close, last_refused_launch_s=last_refused,
        start=windows.start, end=windows.end, allowed_start=allowed_start, allowed_end=allowed_end,
        launch_t_s=launch, allowed_run_end_t_s=run_end_t_s, sample=windows.sample, reason=windows.reason,
        airspace=windows.airspace, allowed_launch_t_s=launch[allowed_position],
        allowed_intercept_t_s=windows.intercept_t_s[allowed_position], allowed_position=allowed_position,
        cell_start=cell_start, cell_windows=np.concatenate(pieces) if pieces else no_windows,
        cell_windows_by_last=np.concatenate(by_last) if by_last else no_windows,
        first_look_s=first_look, value_usd=value_usd, max_options=max(max_options, 1),
    )


class Verdict(IntEnum):
    """A fire unit's last word on a threat it had an allowed opportunity on: why it fired, or why
    not. Kept per (unit, threat) and updated at each decision that looks at the pair."""

    NOT_LOOKED_AT = 0
    FIRED = 1
    HELD_FOR_LATER_LAYER = 2
    HELD_FOR_SHORTER_FLY_OUT = 3
    HELD_IN_RESERVE = 4
    NO_CHANNEL = 5
    NO_ROUNDS = 6
    NOT_WORTH_A_SHOT = 7
    OUTBID = 8
    REFUSED = 9


VERDICT_TEXT = {
    Verdict.NOT_LOOKED_AT: "not looked at (not in the unit's picture, or engaged by others, while it could fire)",
    Verdict.FIRED: "fired",
    Verdict.HELD_FOR_LATER_LAYER: "held for a later layer (a deeper chain of looks, or a cheaper shot as likely to kill)",
    Verdict.HELD_FOR_SHORTER_FLY_OUT: "held for a shorter fly-out (its fire channels are needed)",
    Verdict.HELD_IN_RESERVE: "held in reserve",
    Verdict.NO_CHANNEL: "no free fire channel",
    Verdict.NO_ROUNDS: "no rounds left",
    Verdict.NOT_WORTH_A_SHOT: "not worth a shot (cost above value saved)",
    Verdict.OUTBID: "outbid (its channel or the threat went to a better engagement)",
    Verdict.REFUSED: "refused by the coalition rules",
}

# Plain ints, which compiled code takes as constants.
_FIRED, _HELD_FOR_LATER_LAYER, _HELD_FOR_SHORTER_FLY_OUT = int(Verdict.FIRED), int(Verdict.HELD_FOR_LATER_LAYER), \
    int(Verdict.HELD_FOR_SHORTER_FLY_OUT)
_HELD_IN_RESERVE, _NO_CHANNEL, _NO_ROUNDS = int(Verdict.HELD_IN_RESERVE), int(Verdict.NO_CHANNEL), int(Verdict.NO_ROUNDS)
_NOT_WORTH_A_SHOT, _OUTBID, _REFUSED = int(Verdict.NOT_WORTH_A_SHOT), int(Verdict.OUTBID), int(Verdict.REFUSED)

# Counters kept in BattleState.counters.
DEPLETED_UNITS, REFUSALS, AWAY = range(3)


class BattleState(NamedTuple):
    """What changes during one replication, as the battle manager sees it.

    The evaluation cache holds, per cell and threat, the shots that could leave at the time of
    evaluation (window, index among its allowed launches, shots, kill probability of the salvo),
    when the threat's next window opens, and until when that stays true.
    """

    magazine: np.ndarray  # (U,) interceptors left
    ran_out_at: np.ndarray  # (U,) the count of depleted units when this one ran out (0: not yet, or at the start)
    free: np.ndarray  # (U,) free fire channels
    shots_at: np.ndarray  # (N,) interceptors fired at each threat so far
    own_track_t_s: np.ndarray  # (U, N) when the unit's own partner holds the threat
    engaged: np.ndarray  # (C, N) engagements under way (decided, result not yet known)
    in_flight_miss: np.ndarray  # (C, N) probability that every engagement under way misses (1: none)
    look_at_s: np.ndarray  # (C, N) when the first result of the engagements under way is known (inf: none)
    refused: np.ndarray  # (U, N) a refusal is on record
    refusal_clear_until_s: np.ndarray  # (W,) no refusal to record while the earliest launch is before this
    waiting_gain: np.ndarray  # (C, U, N) net gain of a shot waiting for that unit's channel (nan: none)
    waiting_threats: np.ndarray  # (C, U, N) the threats waiting for the unit: the first waiting_count
    waiting_count: np.ndarray  # (C, U)
    cached: np.ndarray  # (C, N)
    cache_valid_until_s: np.ndarray
    cache_depleted: np.ndarray  # depleted units at evaluation: a unit of the threat's running out since invalidates it
    cache_retry_s: np.ndarray
    cache_count: np.ndarray
    cache_window: np.ndarray  # (C, N, max_options)
    cache_position: np.ndarray
    cache_shots: np.ndarray
    cache_pk: np.ndarray
    counters: np.ndarray  # DEPLETED_UNITS, REFUSALS
    refusal_t_s: np.ndarray  # one row per refused (unit, threat), at most one per window
    refusal_unit: np.ndarray
    refusal_threat: np.ndarray
    refusal_reason: np.ndarray
    refusal_airspace: np.ndarray
    verdict: np.ndarray  # (U, N) each unit's last Verdict on each threat
    aircraft_rounds: np.ndarray  # (U, K) missiles on each patrol aircraft (K: most channels of a unit)
    aircraft_busy: np.ndarray  # (U, K) guiding a shot
    away_unit: np.ndarray  # one row per patrol aircraft that left the station to re-arm
    away_from_s: np.ndarray
    away_until_s: np.ndarray
    # Scratch space for one decision, allocated once per realisation (`scratch_space`): the
    # candidate shots and the shots waiting for a busy channel (up to every option of every threat
    # of a cell), the engagements chosen, the retries, and one threat's evaluation. (Compiled code
    # that allocates or slices in a loop makes numba count references to every array of the plan
    # and state at each call: see _compiled.inline_kernel.)
    cand_threat: np.ndarray
    cand_window: np.ndarray
    cand_position: np.ndarray
    cand_shots: np.ndarray
    cand_pk: np.ndarray
    cand_aircraft: np.ndarray  # the patrol aircraft an engagement took (-1: not a patrol)
    busy_threat: np.ndarray
    busy_window: np.ndarray
    busy_gain: np.ndarray
    picked: np.ndarray  # candidates the assignment picked
    chosen: np.ndarray  # candidates committed, in order of net gain
    chosen_gain: np.ndarray
    retry_threat: np.ndarray
    retry_t_s: np.ndarray
    now_window: np.ndarray
    now_position: np.ndarray
    later_window: np.ndarray
    later_position: np.ndarray
    usable: np.ndarray
    chain_pk: np.ndarray  # per shot ready now
    depth_s: np.ndarray  # per later shot


def scratch_space(plan: Plan) -> dict[str, np.ndarray]:
    """The battle state's rows and scratch space for `plan` (`BattleState` fields): each is
    written before it is read (up to a count, or within one decision), so they are left unfilled
    and one set serves every replication of a realisation in turn, rather than about 600 KB (for
    april-2024) allocated and zeroed for each."""
    cells, n = plan.first_look_s.shape
    units = plan.channels.size
    m = plan.max_options
    rows = plan.unit.size

    def ints(*shape):
        return np.empty(shape, dtype=np.int64)

    return dict(
        waiting_threats=ints(cells, units, n), cache_valid_until_s=np.empty((cells, n)), cache_depleted=ints(cells, n),
        cache_retry_s=np.empty((cells, n)), cache_window=ints(cells, n, m), cache_position=ints(cells, n, m),
        cache_shots=ints(cells, n, m), cache_pk=np.empty((cells, n, m)),
        refusal_t_s=np.empty(rows), refusal_unit=ints(rows), refusal_threat=ints(rows), refusal_reason=ints(rows),
        refusal_airspace=ints(rows),
        cand_threat=ints(n * m), cand_window=ints(n * m), cand_position=ints(n * m), cand_shots=ints(n * m),
        cand_pk=np.empty(n * m), cand_aircraft=ints(n * m), busy_threat=ints(n * m), busy_window=ints(n * m),
        busy_gain=np.empty(n * m), picked=np.empty(n * m, dtype=bool), chosen=ints(n * m),
        chosen_gain=np.empty(n * m), retry_threat=ints(n), retry_t_s=np.empty(n),
        now_window=ints(m), now_position=ints(m), later_window=ints(m), later_position=ints(m), usable=ints(m),
        chain_pk=np.empty(m), depth_s=np.empty(m),
    )


def new_state(plan: Plan, magazine: np.ndarray, free: np.ndarray, own_track_t_s: np.ndarray,
              scratch: dict[str, np.ndarray] | None = None) -> BattleState:
    """The battle state at the start of a replication; `scratch`: `scratch_space(plan)`, shared
    with the replications before (default: allocated anew)."""
    cells, n = plan.first_look_s.shape
    units = magazine.size
    aircraft_rounds, free, never, departures = _patrols(plan.aircraft_load, plan.channels, magazine, free)
    return BattleState(
        magazine=magazine.astype(np.int64), ran_out_at=np.zeros(magazine.size, dtype=np.int64),
        free=free, shots_at=np.zeros(n, dtype=np.int64), own_track_t_s=own_track_t_s,
        engaged=np.zeros((cells, n), dtype=np.int64), in_flight_miss=np.ones((cells, n)),
        look_at_s=np.full((cells, n), INF), refused=np.zeros((units, n), dtype=bool),
        refusal_clear_until_s=np.full(plan.unit.size, -INF),
        waiting_gain=np.full((cells, units, n), np.nan), waiting_count=np.zeros((cells, units), dtype=np.int64),
        cached=np.zeros((cells, n), dtype=bool), cache_count=np.zeros((cells, n), dtype=np.int64),
        counters=np.array([np.count_nonzero(magazine <= 0), 0, never.size], dtype=np.int64),
        verdict=np.zeros((units, n), dtype=np.int8),
        aircraft_rounds=aircraft_rounds, aircraft_busy=np.zeros(aircraft_rounds.shape, dtype=bool),
        away_unit=np.concatenate([never, np.empty(departures - never.size, dtype=np.int64)]),
        away_from_s=np.concatenate([np.full(never.size, -INF), np.empty(departures - never.size)]),
        away_until_s=np.concatenate([np.full(never.size, INF), np.empty(departures - never.size)]),
        **(scratch if scratch is not None else scratch_space(plan)),
    )


@kernel
def _patrols(aircraft_load, channels, magazine, free):
    """Patrol aircraft at the start: (U, K) the missiles on each (K: most channels of a unit), each
    unit's free channels, the units of aircraft never on station (no load left for them), and the
    rows to keep for departures (those, then one per missile in a patrol's stock: an aircraft
    leaves after firing its last). Aircraft k of a patrol takes what its unit's stock holds after
    k full loads; other units keep `free`."""
    units = magazine.size
    most = 1
    for u in range(units):
        most = max(most, channels[u])
    rounds = np.zeros((units, most), dtype=np.int64)
    free_now = free.astype(np.int64)
    never = np.empty(units * most, dtype=np.int64)
    n_never = departures = 0
    for u in range(units):
        load = aircraft_load[u]
        if load <= 0:
            continue
        stock = max(magazine[u], 0)
        departures += stock
        loaded = 0
        for k in range(channels[u]):
            rounds[u, k] = min(max(stock - k * load, 0), load)
            if rounds[u, k] > 0:
                loaded += 1
            else:
                never[n_never] = u
                n_never += 1
        free_now[u] = loaded
    return rounds, free_now, never[:n_never].copy(), n_never + departures


@uncounted_kernel
def decide(t_s, c, due, n_due, plan, doctrine, state, outside):
    """Engagements to start at `t_s` in cell c for the threats `due[c, :n_due]` (sorted), once
    their evaluations are brought up to date (`evaluate`), and when to look at the rest again.

    Returns (engagements, retries): the first `engagements` entries of `state.chosen` are the
    engagements started, marked engaged in `state`, as indices into the candidate arrays
    `state.cand_window`, `cand_position` (among the window's allowed launches) and `cand_shots`;
    the first `retries` entries of `state.retry_threat` and `retry_t_s` are the evaluations to
    schedule. Both stay valid until the next decision. Threats outbid for a busy fire channel
    wait for it in `state.waiting_gain`. `outside` hands multi-threat epochs to the Python
    assigner set by `outside_assigner` instead of the compiled greedy.
    """
    for i in range(n_due):
        evaluate(t_s, c, due[c, i], plan, doctrine, state)
    # Every array the decision and its helpers read, bound once (see evaluate).
    cand_threat, cand_window, cand_position = state.cand_threat, state.cand_window, state.cand_position
    cand_shots, cand_pk, cand_aircraft = state.cand_shots, state.cand_pk, state.cand_aircraft
    busy_threat, busy_window, busy_gain = state.busy_threat, state.busy_window, state.busy_gain
    retry_threat, retry_t_s, picked, chosen, chosen_gain = state.retry_threat, state.retry_t_s, state.picked, \
        state.chosen, state.chosen_gain
    shots_at, cached, cache_count, cache_window, cache_shots, cache_pk, cache_position, cache_retry_s = state.shots_at, \
        state.cached, state.cache_count, state.cache_window, state.cache_shots, state.cache_pk, state.cache_position, \
        state.cache_retry_s
    in_flight_miss, engaged, look_at_s = state.in_flight_miss, state.engaged, state.look_at_s
    free, magazine, verdict, ran_out_at, counters = state.free, state.magazine, state.verdict, state.ran_out_at, \
        state.counters
    waiting_gain, waiting_threats, waiting_count = state.waiting_gain, state.waiting_threats, state.waiting_count
    patrols = (plan.aircraft_load, plan.channels, state.aircraft_rounds, state.aircraft_busy)
    unit, kill_probability, value_usd, cost_usd = plan.unit, plan.kill_probability, plan.value_usd, plan.cost_usd
    allowed_start, allowed_intercept_t_s = plan.allowed_start, plan.allowed_intercept_t_s
    cell_start, cell_windows, worth_a_shot, last_decision_s = plan.cell_start, plan.cell_windows, plan.worth_a_shot, \
        plan.last_decision_s
    n_cand = n_busy = n_retry = 0
    weight, max_shots, look_s = doctrine.cost_weight, doctrine.max_shots_per_threat, doctrine.kill_assessment_s
    for i in range(n_due):
        j = due[c, i]
        if shots_at[j] >= max_shots:
            continue
        # With engagements under way, a shot is worth what it adds: its kill probability where
        # they all miss.
        miss = in_flight_miss[c, j]
        for e in range(cache_count[c, j]):
            w = cache_window[c, j, e]
            u = unit[w]
            shots = cache_shots[c, j, e]
            pk = cache_pk[c, j, e] * miss
            if free[u] > 0:
                ready = _rounds_ready(u, magazine, patrols)
                if ready < shots:
                    shots = ready
                    pk = (1.0 - (1.0 - kill_probability[w]) ** shots) * miss
                cand_threat[n_cand] = j
                cand_window[n_cand] = w
                cand_position[n_cand] = cache_position[c, j, e]
                cand_shots[n_cand] = shots
                cand_pk[n_cand] = pk
                n_cand += 1
            else:
                verdict[u, j] = _NO_CHANNEL
                busy_threat[n_busy] = j
                busy_window[n_busy] = w
                busy_gain[n_busy] = _net_gain(value_usd[j], pk, shots, cost_usd[w], weight)
                n_busy += 1
        if cache_retry_s[c, j] < INF:
            retry_threat[n_retry] = j
            retry_t_s[n_retry] = max(cache_retry_s[c, j], t_s)
            n_retry += 1
    # Most epochs have no candidates, and most others candidates on one threat only, whose
    # optimum needs neither the assignment's allocations nor a call to separately compiled code.
    if n_cand == 0:
        n_chosen = 0
    elif cand_threat[0] == cand_threat[n_cand - 1]:  # candidates are sorted by threat
        n_chosen = _assign_one_threat(n_cand, cand_threat, cand_window, cand_shots, cand_pk, cost_usd, value_usd,
                                      weight, chosen)
    else:
        n_chosen = _assign_epoch(n_cand, cand_threat, cand_window, cand_shots, cand_pk, unit, cost_usd, value_usd, free,
                                 magazine, weight, outside, chosen)
    # The assignment counts engagements against min(channels, rounds), but a salvo takes several
    # rounds: engagements are committed in order of net gain (a stable sort: equals keep the
    # assignment's order), each with the rounds still left; one left with none is looked at
    # again at once (other units may take it).
    for i in range(n_chosen):
        e = chosen[i]
        gain = _net_gain(value_usd[cand_threat[e]], cand_pk[e], cand_shots[e], cost_usd[cand_window[e]], weight)
        k = i
        while k > 0 and chosen_gain[k - 1] < gain:
            chosen[k], chosen_gain[k] = chosen[k - 1], chosen_gain[k - 1]
            k -= 1
        chosen[k], chosen_gain[k] = e, gain
    for e in range(n_cand):
        picked[e] = False  # by the assignment; committed or not, its verdict is set
    for i in range(n_chosen):
        picked[chosen[i]] = True
    kept = 0
    for i in range(n_chosen):
        e = chosen[i]
        j, w = cand_threat[e], cand_window[e]
        u = unit[w]
        shots = min(cand_shots[e], _rounds_ready(u, magazine, patrols), max_shots - shots_at[j])
        cached[c, j] = False
        if shots <= 0 or free[u] <= 0:
            verdict[u, j] = _NO_CHANNEL if free[u] <= 0 else _NO_ROUNDS
            retry_threat[n_retry] = j
            retry_t_s[n_retry] = t_s
            n_retry += 1
            continue
        cand_shots[e] = shots
        cand_aircraft[e] = _commit(u, j, shots, magazine, free, shots_at, ran_out_at, counters, patrols)
        verdict[u, j] = _FIRED
        intercept_t_s = allowed_intercept_t_s[allowed_start[w] + cand_position[e]]
        _engagement_started(c, j, (1.0 - kill_probability[w]) ** shots, intercept_t_s + look_s, engaged, in_flight_miss,
                            look_at_s)
        chosen[kept] = e
        kept += 1
    n_chosen = kept
    # Outbid for a channel or an interceptor: look again when one frees. A shot not worth its
    # cost now is looked at again only when the threat's next window opens. (An engaged threat
    # waits for the result instead.)
    for e in range(n_busy):
        if engaged[c, busy_threat[e]] == 0:
            _wait(c, busy_threat[e], unit[busy_window[e]], busy_gain[e], waiting_gain, waiting_threats, waiting_count)
    for e in range(n_cand):
        w = cand_window[e]
        j, u = cand_threat[e], unit[w]
        gain = _net_gain(value_usd[j], cand_pk[e], cand_shots[e], cost_usd[w], weight)
        if not picked[e]:
            verdict[u, j] = _OUTBID if gain > 0 else _NOT_WORTH_A_SHOT
        if gain > 0 and engaged[c, j] == 0:
            _wait(c, j, u, gain, waiting_gain, waiting_threats, waiting_count)
    # A threat engaged now is looked at again only when another unit's chance on it would pass
    # before the result is known (at once: that unit may fire now or later).
    kept = 0
    for e in range(n_retry):
        if not _engaged_now(retry_threat[e], chosen, n_chosen, cand_threat):
            retry_threat[kept], retry_t_s[kept] = retry_threat[e], retry_t_s[e]
            kept += 1
    if doctrine.engage_before_look:
        for i in range(n_chosen):
            e = chosen[i]
            j = cand_threat[e]
            if _chance_before_look(c, j, unit[cand_window[e]], t_s, cell_start, cell_windows, unit, worth_a_shot,
                                   last_decision_s, magazine, look_at_s):
                retry_threat[kept], retry_t_s[kept] = j, t_s
                kept += 1
    return n_chosen, kept


@inline_kernel
def _engaged_now(j, chosen, n_chosen, cand_threat):
    for i in range(n_chosen):
        if cand_threat[chosen[i]] == j:
            return True
    return False


@inline_kernel
def _chance_before_look(c, j, u, t_s, cell_start, windows, unit, worth_a_shot, last_decision_s, magazine, look_at_s):
    """Whether a unit other than u, with rounds and a shot worth its cost, has a window on threat
    j that closes after `t_s` but before the first result of the engagements under way."""
    look_at_t_s = look_at_s[c, j]
    for idx in range(cell_start[c, j], cell_start[c, j + 1]):
        w = windows[idx]
        if unit[w] != u and magazine[unit[w]] > 0 and worth_a_shot[w] and t_s <= last_decision_s[w] < look_at_t_s:
            return True
    return False


@inline_kernel
def _engagement_started(c, j, miss, result_t_s, engaged, in_flight_miss, look_at_s):
    """An engagement of threat j whose rounds all miss with probability `miss` is under way; its
    result is known at `result_t_s` (undone by `engagement_assessed`)."""
    engaged[c, j] += 1
    in_flight_miss[c, j] *= miss
    look_at_s[c, j] = min(look_at_s[c, j], result_t_s)


@inline_kernel
def engagement_assessed(c, j, miss, t_s, state):
    """The result of an engagement of threat j, whose rounds all missed with probability `miss`,
    is known (the threat survived it, or is dead and no longer looked at): it no longer holds the
    threat."""
    engaged, in_flight_miss, look_at_s, cached = state.engaged, state.in_flight_miss, state.look_at_s, state.cached
    engaged[c, j] -= 1
    cached[c, j] = False  # the options depend on the engagements under way
    if engaged[c, j] == 0:
        in_flight_miss[c, j] = 1.0
        look_at_s[c, j] = INF
        return
    if miss > 0.0:
        in_flight_miss[c, j] = min(1.0, in_flight_miss[c, j] / miss)
    # The others' results come later; until then no further shot (as with one engagement).
    look_at_s[c, j] = t_s


@inline_kernel
def _rounds_ready(u, magazine, patrols):
    """The most rounds one engagement of unit u can take now: its magazine, or for a fighter
    patrol the missiles of its best-loaded aircraft that is on station and not guiding a shot
    (`patrols`: `Plan.aircraft_load`, `Plan.channels`, `BattleState.aircraft_rounds`,
    `BattleState.aircraft_busy`)."""
    aircraft_load, channels, rounds, busy = patrols
    if aircraft_load[u] <= 0:
        return magazine[u]
    ready = 0
    for k in range(channels[u]):
        if not busy[u, k]:
            ready = max(ready, rounds[u, k])
    return ready


@inline_kernel
def _commit(u, j, shots, magazine, free, shots_at, ran_out_at, counters, patrols):
    """Start an engagement of threat j by unit u with `shots` interceptors: a fire channel and
    the rounds are taken until `release_channel`. Returns the patrol aircraft that fires (-1 for
    other units): the one with the fewest missiles that still holds the salvo, so that aircraft
    empty, and re-arm, one at a time rather than all together. (`patrols` as for _rounds_ready.)"""
    aircraft_load, channels, rounds, busy = patrols
    magazine[u] -= shots
    free[u] -= 1
    shots_at[j] += shots
    if magazine[u] <= 0:
        counters[DEPLETED_UNITS] += 1
        ran_out_at[u] = counters[DEPLETED_UNITS]
    if aircraft_load[u] == 0:
        return -1
    pick = -1
    for k in range(channels[u]):
        if not busy[u, k] and rounds[u, k] >= shots and (pick < 0 or rounds[u, k] < rounds[u, pick]):
            pick = k
    rounds[u, pick] -= shots
    busy[u, pick] = True
    return pick


@inline_kernel
def channel_release_t_s(launch_t_s, intercept_t_s, homing_s):
    """When a shot frees its fire channel, given its window's `Plan.homing_s`: at intercept for
    command and semi-active guidance, when the seeker takes over for an active one, at launch for
    fire-and-forget."""
    return max(launch_t_s, intercept_t_s - homing_s)


@inline_kernel
def release_channel(u, k, t_s, plan, state):
    """An engagement of unit u (by its patrol aircraft k, -1 if none) has ended: its fire channel
    is free again. A patrol aircraft with empty rails leaves the station instead, while the
    unit's stock holds a missile for it. Returns whether a channel freed, and when the aircraft
    is back (inf: not leaving, or leaving for good)."""
    free, rounds, busy, counters, channels, rearm_s, away_unit, away_from_s, away_until_s, stock = state.free, \
        state.aircraft_rounds, state.aircraft_busy, state.counters, plan.channels[u], plan.rearm_s[u], state.away_unit, \
        state.away_from_s, state.away_until_s, state.magazine[u]
    if k >= 0:
        busy[u, k] = False
    if k < 0 or rounds[u, k] > 0:
        free[u] += 1
        return True, INF
    # With nothing left at the base it stays off station for good.
    restock = stock - _loaded(rounds, u, channels) > 0
    back_t_s = t_s + rearm_s if restock else INF
    row = counters[AWAY]
    away_unit[row] = u
    away_from_s[row] = t_s
    away_until_s[row] = back_t_s
    counters[AWAY] = row + 1
    return False, back_t_s


@inline_kernel
def aircraft_back(u, k, plan, state):
    """Patrol aircraft k of unit u is back on station, loaded from the unit's stock; returns
    whether it has a missile (without one it stays away)."""
    rounds, free, load, channels, magazine = state.aircraft_rounds, state.free, plan.aircraft_load[u], plan.channels[u], \
        state.magazine[u]
    rounds[u, k] = min(load, magazine - _loaded(rounds, u, channels))
    if rounds[u, k] <= 0:
        return False
    free[u] += 1
    return True


@inline_kernel
def _loaded(aircraft_rounds, u, channels):
    """Missiles on unit u's patrol aircraft."""
    total = 0
    for k in range(channels):
        total += aircraft_rounds[u, k]
    return total


@inline_kernel
def _net_gain(value_usd, kill_probability, shots, cost_usd, weight):
    """Expected value saved by a salvo less its weighted cost: what assignment maximises."""
    return value_usd * kill_probability - weight * shots * cost_usd


@inline_kernel
def _unit_ran_out_since(first, last, depleted, windows, unit, ran_out_at):
    """Whether a fire unit with a window among `windows[first:last]` (a cell's on one threat) ran
    out after `depleted` units had."""
    for idx in range(first, last):
        if ran_out_at[unit[windows[idx]]] > depleted:
            return True
    return False


@inline_kernel
def _wait(c, j, u, gain, waiting_gain, waiting_threats, waiting_count):
    """Threat j, not engaged, waits in cell c for a channel or an interceptor of unit u, where a
    shot would gain `gain` (BattleState.waiting_*)."""
    if np.isnan(waiting_gain[c, u, j]):
        waiting_threats[c, u, waiting_count[c, u]] = j
        waiting_count[c, u] += 1
    waiting_gain[c, u, j] = gain


@inline_kernel
def stop_waiting(c, j, u, waiting_threats, waiting_gain, waiting_count):
    """Threat j no longer waits for unit u in cell c (BattleState.waiting_*)."""
    waiting_gain[c, u, j] = np.nan
    last = waiting_count[c, u] - 1
    for e in range(last + 1):
        if waiting_threats[c, u, e] == j:
            waiting_threats[c, u, e] = waiting_threats[c, u, last]
            break
    waiting_count[c, u] = last


@inline_kernel
def evaluate(t_s, c, j, plan, doctrine, state):
    """Bring threat j's engagement options in cell c up to date for a decision at `t_s`: the
    shots that can leave now (whatever the state of the units' fire channels), and when its next
    window opens, cached in `state`. A threat with the doctrine's most shots fired at it is not
    looked at.

    A cached evaluation holds until the earliest of: a ready shot's launch time passing, a later
    window opening, or a fire unit with a window on the threat running out of interceptors.
    """
    # Every array the evaluation and its helpers read, bound once; the helpers take the arrays
    # they read. (Compiled into `decide`, which counts no references: see uncounted_kernel.)
    look_s, keep_later, keep_depth = doctrine.kill_assessment_s, doctrine.prefer_cheaper_shot, doctrine.keep_depth
    max_shots = doctrine.max_shots_per_threat
    first, last = plan.cell_start[c, j], plan.cell_start[c, j + 1]
    windows, by_last, unit, threat = plan.cell_windows, plan.cell_windows_by_last, plan.unit, plan.threat
    reaction_s, slack_s, opens_s, remote_ok = plan.reaction_s, plan.slack_s, plan.opens_s, plan.remote_ok
    last_decision_s, last_refused_s, worth_a_shot, cost_usd = plan.last_decision_s, plan.last_refused_launch_s, \
        plan.worth_a_shot, plan.cost_usd
    reserve_rounds, adaptive, homing_s, channels = plan.reserve_rounds, plan.adaptive, plan.homing_s, plan.channels
    kill_probability, salvo_kill_probability, salvo_size, shoot_look_shoot = plan.kill_probability, \
        plan.salvo_kill_probability, plan.salvo_size, plan.shoot_look_shoot
    allowed_start, allowed_end, allowed_launch_t_s, allowed_intercept_t_s = plan.allowed_start, plan.allowed_end, \
        plan.allowed_launch_t_s, plan.allowed_intercept_t_s
    demand_start, demand_close_s = plan.demand_start, plan.demand_close_s
    samples = (plan.start, plan.end, plan.launch_t_s, plan.reason, plan.airspace, plan.allowed_run_end_t_s)
    refusal_rows = (state.refusal_t_s, state.refusal_unit, state.refusal_threat, state.refusal_reason,
                    state.refusal_airspace)
    refused, clear_until_s, counters = state.refused, state.refusal_clear_until_s, state.counters
    magazine, free, own_track_t_s, verdict = state.magazine, state.free, state.own_track_t_s, state.verdict
    shots_at, ran_out_at = state.shots_at, state.ran_out_at
    look_at_s = state.look_at_s[c, j]  # inf unless engaged
    now_window, now_position, later_window, later_position, usable = state.now_window, state.now_position, \
        state.later_window, state.later_position, state.usable
    chain_pk, depth_s = state.chain_pk, state.depth_s
    cache_window, cache_position, cache_shots, cache_pk = state.cache_window, state.cache_position, state.cache_shots, \
        state.cache_pk
    cached, cache_count, cache_retry_s, cache_valid_until_s, cache_depleted = state.cached, state.cache_count, \
        state.cache_retry_s, state.cache_valid_until_s, state.cache_depleted
    if shots_at[j] >= max_shots:
        return
    if cached[c, j] and cache_valid_until_s[c, j] >= t_s:
        if cache_depleted[c, j] == counters[DEPLETED_UNITS]:
            return
        if not _unit_ran_out_since(first, last, cache_depleted[c, j], windows, unit, ran_out_at):
            cache_depleted[c, j] = counters[DEPLETED_UNITS]
            return
    n_now = n_later = n_usable = 0
    last_chance = -INF
    next_t = valid_until = INF
    closed_before = t_s - TIME_TOLERANCE_S
    # The last decision any unit with rounds, whose shot would be worth its cost, can take on j:
    # a look is kept while a shot's intercept plus the kill assessment comes before it. (A unit
    # that would not fire is no look: counting it, a shot would wait for a look never taken.)
    for idx in range(first, last):  # latest first: the first such unit's is the last decision
        w = by_last[idx]
        if magazine[unit[w]] > 0 and worth_a_shot[w]:
            last_chance = last_decision_s[w]
            break
    for idx in range(first, last):
        w = windows[idx]
        u = unit[w]
        reaction = reaction_s[w]
        if last_decision_s[w] < closed_before and last_refused_s[w] < t_s + reaction:
            continue  # closed, with no refusal left to record: it can no longer fire, nor look after a shot
        if magazine[u] <= 0:
            verdict[u, j] = _NO_ROUNDS
            continue
        if worth_a_shot[w]:
            usable[n_usable] = w  # a follow-up look, where this unit would fire
            n_usable += 1
        if magazine[u] <= reserve_rounds[u] and _another_has_later_look(w, first, last, windows, unit, magazine,
                                                                         reserve_rounds, last_decision_s, worth_a_shot):
            verdict[u, j] = _HELD_IN_RESERVE  # for threats no other unit can take
            continue
        if look_at_s < INF and (last_decision_s[w] >= look_at_s
                                or magazine[u] <= _windows_to_come(u, t_s, demand_start, demand_close_s)):
            continue  # engaged: this unit can wait for the result, or its rounds are owed to threats to come
        slack, opens = slack_s[w], opens_s[w]
        if opens - t_s > slack and last_refused_s[w] - reaction < t_s and remote_ok[w] and not keep_later:
            # Not open yet, nothing refused before it: its first launch is its next chance.
            next_t = min(next_t, opens)
            valid_until = min(valid_until, opens - slack)
            later_window[n_later] = w
            later_position[n_later] = 0
            n_later += 1
            continue
        ready = t_s if remote_ok[w] else max(t_s, own_track_t_s[u, j])
        earliest = ready + reaction
        a0, a1 = allowed_start[w], allowed_end[w]
        k = -1  # the first allowed launch at or after `earliest`, once known
        if adaptive[w] and homing_s[w] < INF:
            first_chance = earliest
            earliest, k = _firing_point(earliest, last_chance - look_s, allowed_launch_t_s, allowed_intercept_t_s, a0, a1,
                                        demand_close_s, demand_start[u], demand_start[u + 1], channels[u], homing_s[w],
                                        last_decision_s[w] + reaction)
            if earliest > first_chance:
                verdict[u, j] = _HELD_FOR_SHORTER_FLY_OUT
            ready = max(ready, earliest - reaction)
        if last_refused_s[w] >= earliest:
            if not refused[u, j] and earliest > clear_until_s[w]:
                _check_refusal(w, u, j, earliest, samples, refusal_rows, refused, clear_until_s, verdict, counters)
        elif last_decision_s[w] < closed_before:
            continue  # this window has closed
        if k < 0:
            k = _first_at_or_after(allowed_launch_t_s, a0, a1, earliest - TIME_TOLERANCE_S) - a0
        if k == a1 - a0:
            continue
        launch = allowed_launch_t_s[a0 + k]
        if ready <= t_s and launch - earliest <= slack:
            now_window[n_now] = w
            now_position[n_now] = k
            n_now += 1
            valid_until = min(valid_until, launch - reaction)
        else:
            later_window[n_later] = w
            later_position[n_later] = k
            n_later += 1
            opens = max(launch - reaction, ready)
            next_t = min(next_t, opens)
            valid_until = min(valid_until, opens - slack)
    if keep_later and n_now and n_later:
        n_now, deferred_to = _hold_for_cheaper(n_now, n_later, n_usable, look_s, now_window, now_position, later_window,
                                               later_position, usable, depth_s, unit, threat, verdict, last_decision_s,
                                               cost_usd, kill_probability, reaction_s, allowed_start, allowed_launch_t_s,
                                               allowed_intercept_t_s)
        next_t = min(next_t, deferred_to)
    if keep_depth and n_now and n_now + n_later >= 2:
        # The chain of layers after each shot ready now. Most leave no chain that could beat them
        # by the margin (drones, with looks to spare): the rest of the depth test is then skipped.
        lowest = INF
        for e in range(n_now):
            chain_pk[e] = _chain_pk(now_window[e], now_position[e], look_s, last_chance, usable, n_usable,
                                    allowed_intercept_t_s, allowed_start, shoot_look_shoot, kill_probability,
                                    salvo_kill_probability, last_decision_s)
            lowest = min(lowest, chain_pk[e])
        if lowest < 1.0 - DEPTH_PK_MARGIN:
            n_now = _keep_depth(n_now, n_later, n_usable, look_s, last_chance, now_window, now_position, later_window,
                                later_position, usable, allowed_intercept_t_s, allowed_start, shoot_look_shoot,
                                kill_probability, salvo_kill_probability, last_decision_s, chain_pk, unit, threat,
                                verdict, free, magazine, reserve_rounds, worth_a_shot)
    for e in range(n_now):
        w, k = now_window[e], now_position[e]
        look_fits = allowed_intercept_t_s[allowed_start[w] + k] + look_s <= last_chance
        single = shoot_look_shoot[w] and look_fits
        cache_window[c, j, e] = w
        cache_position[c, j, e] = k
        cache_shots[c, j, e] = 1 if single else salvo_size[w]
        cache_pk[c, j, e] = kill_probability[w] if single else salvo_kill_probability[w]
    cache_count[c, j] = n_now
    cache_retry_s[c, j] = next_t
    cache_valid_until_s[c, j] = valid_until
    cache_depleted[c, j] = counters[DEPLETED_UNITS]
    cached[c, j] = True


@inline_kernel
def _windows_to_come(u, t_s, demand_start, demand_close_s):
    """How many of unit u's windows (on any threat) are still open or yet to open at `t_s`
    (`Plan.demand_*`)."""
    d0, d1 = demand_start[u], demand_start[u + 1]
    return d1 - _first_at_or_after(demand_close_s, d0, d1, t_s)


@inline_kernel
def _chain_pk(w, position, look_s, last_chance_s, usable, n_usable, allowed_intercept_t_s, allowed_start,
              shoot_look_shoot, kill_probability, salvo_kill_probability, last_decision_s):
    """Kill probability of what doctrine fires from window w at its `position`-th allowed launch
    (one shot where a look fits before the last decision, else a salvo), followed, if it fails, by
    the best salvo that a unit with rounds can still decide on after its kill assessment."""
    look_by = allowed_intercept_t_s[allowed_start[w] + position] + look_s
    single = shoot_look_shoot[w] and look_by <= last_chance_s
    shot = kill_probability[w] if single else salvo_kill_probability[w]
    follow_up = 0.0
    for i in range(n_usable):
        w2 = usable[i]
        if last_decision_s[w2] >= look_by:
            follow_up = max(follow_up, salvo_kill_probability[w2])
    return 1.0 - (1.0 - shot) * (1.0 - follow_up)


@inline_kernel
def _keep_depth(n_now, n_later, n_usable, look_s, last_chance_s, now_window, now_position, later_window, later_position,
                usable, allowed_intercept_t_s, allowed_start, shoot_look_shoot, kill_probability, salvo_kill_probability,
                last_decision_s, now_chain, unit, threat, verdict, free, magazine, reserve_rounds, worth_a_shot):
    """Drop shots that would take the threat from a clearly better chain of layers: a unit's shot
    that intercepts so late that no look is left after it (a terminal interceptor firing on a
    ballistic missile at its longest range, say) while another unit, with a free channel now,
    can fire now or later and still leave a look. The assignment would otherwise take the
    cheaper or earlier shot and hold the threat while the better layer's window passes.

    Only units with a free channel now, and a shot worth its cost, count as the better layer:
    whether a busy one frees in time is not known here, and passing up a shot for it could lose
    both. Works on the evaluation's first n_now shots ready now and n_later later ones
    (`BattleState.now_*`, `later_*` and `usable`; `now_chain`: the chains of the shots ready now,
    from _chain_pk, whose arrays follow `usable`); the caller has found at least one of them that
    a chain could beat by the margin. Keeps the shots it does not drop at the front of `now_*`;
    returns how many."""
    # The best chain of a unit free now, and the best of any other unit than that one's.
    best, best_unit, second = -1.0, -1, -1.0
    for f in range(n_now + n_later):
        w = now_window[f] if f < n_now else later_window[f - n_now]
        u = unit[w]
        if free[u] <= 0 or magazine[u] <= reserve_rounds[u] or not worth_a_shot[w]:
            continue
        chain_pk = now_chain[f] if f < n_now else _chain_pk(
            w, later_position[f - n_now], look_s, last_chance_s, usable, n_usable, allowed_intercept_t_s, allowed_start,
            shoot_look_shoot, kill_probability, salvo_kill_probability, last_decision_s)
        if u == best_unit:
            best = max(best, chain_pk)
        elif chain_pk > best:
            second, best, best_unit = max(second, best), chain_pk, u
        else:
            second = max(second, chain_pk)
    if best < 0.0:
        return n_now
    kept = 0
    for e in range(n_now):
        w = now_window[e]
        other = second if unit[w] == best_unit else best
        if other > DEPTH_PK_MARGIN and other > now_chain[e] + DEPTH_PK_MARGIN:
            verdict[unit[w], threat[w]] = _HELD_FOR_LATER_LAYER
            continue
        now_window[kept] = w
        now_position[kept] = now_position[e]
        kept += 1
    return kept


@inline_kernel
def _another_has_later_look(w, first, last, windows, unit, magazine, reserve_rounds, last_decision_s, worth_a_shot):
    """Whether a unit other than w's, with rounds above its reserve and a shot worth its cost,
    can still decide on w's threat after w's last decision (`windows[first:last]`: the cell's
    windows on the threat)."""
    for idx in range(first, last):
        w2 = windows[idx]
        u2 = unit[w2]
        if (u2 != unit[w] and magazine[u2] > reserve_rounds[u2] and last_decision_s[w2] > last_decision_s[w]
                and worth_a_shot[w2]):
            return True
    return False


@inline_kernel
def _firing_point(earliest_s, look_by_s, launch_t_s, intercept_t_s, a0, a1, demand_close_s, d0, d1, channels, homing_s,
                  closes_s):
    """The launch to aim for in a window (allowed launches `a0:a1` of `Plan.allowed_*`; its
    unit's window closes `demand_close_s[d0:d1]` and fire `channels`; its `homing_s`; its own
    last launch `closes_s`), no earlier than `earliest_s`: the first opportunity, unless the
    channel it would hold is needed. A shot holds its unit's fire channel until
    `channel_release_t_s`; if, before then, at least as many of the unit's other windows close as
    it has channels, a long shot now would take a channel those threats need. The shot then
    waits for the shortest fly-out that still leaves a look (its intercept plus the kill
    assessment by `look_by_s`, the last decision of any unit with rounds).

    Returns the time, and the index of the first allowed launch at or after it when that is the
    first opportunity (-1 when the shot waits: the caller looks it up)."""
    k = _first_at_or_after(launch_t_s, a0, a1, earliest_s - TIME_TOLERANCE_S) - a0
    if k == a1 - a0:
        return earliest_s, k
    launch, intercept = launch_t_s[a0 + k], intercept_t_s[a0 + k]
    release = channel_release_t_s(launch, intercept, homing_s)
    # Windows closing while the channel is held (this one's own close excluded).
    needing = _first_after(demand_close_s, d0, d1, release) - _first_after(demand_close_s, d0, d1, launch)
    if closes_s <= release:
        needing -= 1
    if needing < channels:
        return earliest_s, k
    latest = _first_after(intercept_t_s, a0, a1, look_by_s) - a0
    if latest > k + 1:
        return launch_t_s[a0 + latest - 1], -1
    return earliest_s, k


@inline_kernel
def _check_refusal(w, u, j, earliest_s, samples, refusal_rows, refused, clear_until_s, verdict, counters):
    """Record, once per (unit, threat), an opportunity the coalition rules refused: the first
    geometric opportunity after `earliest_s` is refused. (`samples`: the plan's per-sample
    arrays; `refusal_rows`, `refused`, `clear_until_s`: `BattleState.refusal_*`, `refused`,
    `refusal_clear_until_s`.)"""
    start, end, launch_t_s, reason, airspace, run_end_t_s = samples
    refusal_t_s, refusal_unit, refusal_threat, refusal_reason, refusal_airspace = refusal_rows
    s0, s1 = start[w], end[w]
    first = _first_at_or_after(launch_t_s, s0, s1, earliest_s)
    if first >= s1:
        return
    if reason[first] == _ALLOWED:  # and so are the launches up to the end of its run
        clear_until_s[w] = run_end_t_s[first]
        return
    refused[u, j] = True
    verdict[u, j] = _REFUSED
    row = counters[REFUSALS]
    refusal_t_s[row] = launch_t_s[first]
    refusal_unit[row] = u
    refusal_threat[row] = j
    refusal_reason[row] = reason[first]
    refusal_airspace[row] = airspace[first]
    counters[REFUSALS] = row + 1


@inline_kernel
def _hold_for_cheaper(n_now, n_later, n_usable, look_s, now_window, now_position, later_window, later_position, usable,
                      depth, unit, threat, verdict, last_decision_s, cost_usd, kill_probability, reaction_s,
                      allowed_start, launch_t_s, intercept_t_s):
    """Drop shots that a cheaper, as-likely later shot can replace while the defence keeps depth:
    after that cheaper shot another fire unit must still have a look. (Waiting for the last layer
    alone would stake everything on its capacity, and saturating the last layer is how raids win.)

    Works on the evaluation's first n_now shots ready now and n_later later ones
    (`BattleState.now_*`, `later_*` and `usable`; `depth`: scratch per later shot); keeps the
    shots it does not drop at the front of `now_*`; returns how many, and the earliest time a
    held shot's replacement can be decided."""
    # The look left after each later shot: the last decision time of another unit's window.
    for f in range(n_later):
        depth[f] = -INF
        for i in range(n_usable):
            w3 = usable[i]
            if unit[w3] != unit[later_window[f]]:
                depth[f] = max(depth[f], last_decision_s[w3])
    kept, deferred_to = 0, INF
    for e in range(n_now):
        w, k = now_window[e], now_position[e]
        alternative = INF
        for f in range(n_later):
            w2 = later_window[f]
            if cost_usd[w2] >= cost_usd[w] or kill_probability[w2] < kill_probability[w] - CHEAPER_SHOT_PK_MARGIN:
                continue
            a = allowed_start[w2] + later_position[f]
            if intercept_t_s[a] + look_s <= depth[f]:
                alternative = min(alternative, launch_t_s[a] - reaction_s[w2])
        if alternative < INF:
            deferred_to = min(deferred_to, alternative)
            verdict[unit[w], threat[w]] = _HELD_FOR_LATER_LAYER
        else:
            now_window[kept] = w
            now_position[kept] = k
            kept += 1
    return kept, deferred_to


@inline_kernel
def _assign_one_threat(n, cand_threat, cand_window, cand_shots, cand_pk, cost_usd, value_usd, weight, chosen):
    """The candidates (of the first n, at least one, all on one threat) to engage, written to
    `chosen`; returns how many (`_assign_epoch` for candidates on several threats)."""
    # With one target allowed one engagement, the optimum of every assignment problem is the
    # single option of largest net gain, if positive: solved directly, as most epochs are so.
    best, best_gain = -1, 0.0
    value = value_usd[cand_threat[0]]
    for e in range(n):  # first of equals wins, as in the greedy's tie rule
        gain = _net_gain(value, cand_pk[e], cand_shots[e], cost_usd[cand_window[e]], weight)
        if gain > best_gain:
            best, best_gain = e, gain
    if best < 0:
        return 0
    chosen[0] = best
    return 1


@counted_kernel
def _assign_epoch(n, cand_threat, cand_window, cand_shots, cand_pk, unit, cost_usd, value_usd, free, magazine, weight,
                  outside, chosen):
    """The candidates (of the first n, on several threats) to engage, written to `chosen`;
    returns how many: each threat at most once, each unit within its free channels and
    interceptors, by largest value saved net of weighted cost. The weapon-target assignment
    problem, solved by the compiled greedy or the `outside` assigner; compiled on its own, so
    that its allocations stay out of the battle manager's loop."""
    targets = np.unique(cand_threat[:n])
    units = np.unique(unit[cand_window[:n]])
    row_of = np.full(magazine.size, -1, dtype=np.int64)
    row_of[units] = np.arange(units.size)
    pk = np.zeros((units.size, targets.size))
    cost = np.zeros((units.size, targets.size))
    candidate = np.full((units.size, targets.size), -1, dtype=np.int64)
    for e in range(n):
        row = row_of[unit[cand_window[e]]]
        col = np.searchsorted(targets, cand_threat[e])
        pk[row, col] = cand_pk[e]
        cost[row, col] = cand_shots[e] * cost_usd[cand_window[e]]
        candidate[row, col] = e
    capacity = np.minimum(free[units], magazine[units])
    values = value_usd[targets]
    if outside:
        shots = _solve_outside(values, pk, capacity, cost, weight)
    else:
        shots = greedy_kernel(values, pk, capacity, weight * cost, np.ones(targets.size, dtype=np.int64))
    count = 0
    for row in range(units.size):
        for col in range(targets.size):
            if shots[row, col] > 0:
                chosen[count] = candidate[row, col]
                count += 1
    return count


@kernel
def _solve_outside(values, pk, capacity, cost, weight):
    with objmode(shots="int64[:, :]"):
        shots = _assign_outside(values, pk, capacity, cost, weight)
    return shots


_OUTSIDE: list[Assigner] = []
"""The assigner that `decide(..., outside=True)` calls: compiled code cannot hold a Python object,
so `outside_assigner` sets it for the duration of a replication."""


class outside_assigner:
    """Context in which multi-threat epochs go to `assigner` (any Assigner) rather than the
    compiled greedy."""

    def __init__(self, assigner: Assigner):
        self.assigner = assigner

    def __enter__(self):
        _OUTSIDE.append(self.assigner)

    def __exit__(self, *exc):
        _OUTSIDE.pop()


def _assign_outside(values, pk, capacity, cost, weight) -> np.ndarray:
    problem = AssignmentProblem(values=values, kill_probability=pk, capacity=capacity, cost=cost,
                                cost_weight=weight, target_limit=np.ones(values.size, dtype=np.int64))
    return np.ascontiguousarray(_OUTSIDE[-1].assign(problem).shots, dtype=np.int64)
