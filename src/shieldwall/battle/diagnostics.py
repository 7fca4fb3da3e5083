"""Diagnostics of the battle manager's decisions, computed after a replication from its shots."""

from __future__ import annotations

import numpy as np

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
    missed = np.zeros(leaked.size, dtype=bool)
    if not leaked.any():
        return missed
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
    windows = np.flatnonzero(leaked[plan.threat] & (plan.allowed_end > plan.allowed_start) & plan.worth_a_shot)
    for u in np.unique(plan.unit[windows]):
        if not never_fired[u]:
            continue
        starts = np.sort(e_start[e_unit == u])
        ends = np.sort(e_end[e_unit == u])
        for w in windows[plan.unit[windows] == u]:
            j = plan.threat[w]
            if missed[j]:
                continue
            decide_t_s = plan.allowed_launch_t_s[plan.allowed_start[w]:plan.allowed_end[w]] - plan.reaction_s[w]
            decide_t_s = decide_t_s[decide_t_s >= ready_t_s[u, j]]
            busy = np.searchsorted(starts, decide_t_s, side="right") - np.searchsorted(ends, decide_t_s, side="right")
            missed[j] = bool(np.any(busy < plan.channels[u]))
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
