"""Diagnostics of the battle manager's decisions, computed after a replication from its shots."""

from __future__ import annotations

import numpy as np

from shieldwall._compiled import kernel
from shieldwall.battle.manager import Plan


def missed_with_capacity(plan: Plan, leaked: np.ndarray, ready_t_s: np.ndarray,
                         start_magazine: np.ndarray, shot_unit: np.ndarray, shot_threat: np.ndarray,
                         shot_launch_t_s: np.ndarray, shot_intercept_t_s: np.ndarray,
                         away: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(N,) bool: threats that leaked while a unit allowed to engage them could have fired.

    A leaked threat counts when some fire unit had an allowed launch at it, with the threat in
    the picture the unit acts on (`ready_t_s`, (U, N): from when the unit could decide on it), at
    a moment it would have had to decide (launch less reaction time) with a fire channel free,
    and a round that it never fired, where one shot was worth its cost (`Plan.worth_a_shot`, the
    battle manager's own test). Channels are held from decision to release (guidance;
    `channel_release_t_s`). A round spent later on another threat does not count: that is a
    trade-off of magazine depth, not idle capacity. A patrol aircraft away re-arming (`away`:
    unit, from, until per departure) holds its channel as an engagement does. A manager that uses
    its capacity leaves this at zero.
    """
    reaction_of_unit = np.zeros(start_magazine.size)
    reaction_of_unit[plan.unit] = plan.reaction_s
    homing_of_unit = np.zeros(start_magazine.size)
    homing_of_unit[plan.unit] = plan.homing_s
    # Engagements: the salvo's rounds are consecutive shot rows with one unit, threat and launch;
    # each engagement holds a channel from decision to release.
    first = np.flatnonzero(np.concatenate([[True], (np.diff(shot_unit) != 0) | (np.diff(shot_threat) != 0)
                                           | (np.diff(shot_launch_t_s) != 0)])) if shot_unit.size else shot_unit
    e_unit = shot_unit[first]
    e_start = shot_launch_t_s[first] - reaction_of_unit[e_unit]
    e_end = np.maximum(shot_launch_t_s[first], shot_intercept_t_s[first] - homing_of_unit[e_unit])
    if away is not None:
        e_unit, e_start, e_end = (np.concatenate(pair) for pair in zip((e_unit, e_start, e_end), away))
    never_fired = start_magazine - np.bincount(shot_unit, minlength=start_magazine.size) > 0
    return _missed(leaked, ready_t_s, never_fired, plan.threat, plan.unit, plan.allowed_start, plan.allowed_end,
                   plan.worth_a_shot, plan.allowed_launch_t_s, plan.reaction_s, plan.channels,
                   e_unit.astype(np.int64), e_start, e_end)


@kernel
def _missed(leaked, ready_t_s, never_fired, threat, unit, allowed_start, allowed_end, worth_a_shot,
            allowed_launch_t_s, reaction_s, channels, e_unit, e_start_s, e_end_s):
    """`missed_with_capacity` over the engagements [e_start_s, e_end_s) of units e_unit: a
    leaked threat counts once one of its windows has a decision time, with the threat ready,
    at which fewer engagements than channels hold its unit (those started at or before it and
    not ended by then)."""
    missed = np.zeros(leaked.size, dtype=np.bool_)
    for w in range(threat.size):
        j, u = threat[w], unit[w]
        if missed[j] or not leaked[j] or not worth_a_shot[w] or not never_fired[u]:
            continue
        for a in range(allowed_start[w], allowed_end[w]):
            decide_t_s = allowed_launch_t_s[a] - reaction_s[w]
            if decide_t_s < ready_t_s[u, j]:
                continue
            busy = 0
            for e in range(e_unit.size):
                if e_unit[e] == u and e_start_s[e] <= decide_t_s:
                    busy += 1
                if e_unit[e] == u and e_end_s[e] <= decide_t_s:
                    busy -= 1
            if busy < channels[u]:
                missed[j] = True
                break
    return missed


def leaker_verdicts(plan: Plan, state, leaked: np.ndarray) -> dict[str, np.ndarray]:
    """Why each leaked threat got through, unit by unit: one row per leaked threat and fire unit
    that had an allowed opportunity on it, with the unit's last verdict on it
    (`battle.manager.Verdict`)."""
    windows = np.flatnonzero(leaked[plan.threat] & (plan.allowed_end > plan.allowed_start))
    threat, unit = plan.threat[windows], plan.unit[windows]
    order = np.lexsort((unit, threat))
    threat, unit = threat[order], unit[order]
    return {"threat": threat, "unit": unit, "verdict": state.verdict[unit, threat].astype(np.int8)}
