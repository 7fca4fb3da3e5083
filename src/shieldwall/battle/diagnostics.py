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
    if away is None:
        away = (np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
    return _missed(leaked, ready_t_s, start_magazine, shot_unit, shot_threat, shot_launch_t_s, shot_intercept_t_s,
                   *away, plan.threat, plan.unit, plan.allowed_start, plan.allowed_end, plan.worth_a_shot,
                   plan.allowed_launch_t_s, plan.reaction_s, plan.homing_s, plan.channels)


@kernel
def _missed(leaked, ready_t_s, start_magazine, shot_unit, shot_threat, shot_launch_t_s, shot_intercept_t_s, away_unit,
            away_from_s, away_until_s, threat, unit, allowed_start, allowed_end, worth_a_shot, allowed_launch_t_s,
            reaction_s, homing_s, channels):
    """`missed_with_capacity`, compiled whole: a replication's few hundred shot rows would
    otherwise take a dozen NumPy calls, each several times dearer after the engine's loop than
    alone. A leaked threat counts once one of its windows has a decision time, with the threat
    ready, at which fewer engagements than channels hold its unit (those started at or before it
    and not ended by then)."""
    units = start_magazine.size
    reaction_of_unit, homing_of_unit = np.zeros(units), np.zeros(units)
    for w in range(threat.size):
        reaction_of_unit[unit[w]] = reaction_s[w]
        homing_of_unit[unit[w]] = homing_s[w]
    # Engagements: the salvo's rounds are consecutive shot rows with one unit, threat and launch;
    # each engagement holds a channel from decision to release. Patrol aircraft away follow.
    n_shots = shot_unit.size
    e_unit = np.empty(n_shots + away_unit.size, dtype=np.int64)
    e_start_s, e_end_s = np.empty(e_unit.size), np.empty(e_unit.size)
    fired = np.zeros(units, dtype=np.int64)
    n = 0
    for r in range(n_shots):
        u = shot_unit[r]
        fired[u] += 1
        if (r == 0 or u != shot_unit[r - 1] or shot_threat[r] != shot_threat[r - 1]
                or shot_launch_t_s[r] != shot_launch_t_s[r - 1]):
            e_unit[n] = u
            e_start_s[n] = shot_launch_t_s[r] - reaction_of_unit[u]
            e_end_s[n] = max(shot_launch_t_s[r], shot_intercept_t_s[r] - homing_of_unit[u])
            n += 1
    for k in range(away_unit.size):
        e_unit[n], e_start_s[n], e_end_s[n] = away_unit[k], away_from_s[k], away_until_s[k]
        n += 1
    missed = np.zeros(leaked.size, dtype=np.bool_)
    for w in range(threat.size):
        j, u = threat[w], unit[w]
        if missed[j] or not leaked[j] or not worth_a_shot[w] or start_magazine[u] - fired[u] <= 0:
            continue
        for a in range(allowed_start[w], allowed_end[w]):
            decide_t_s = allowed_launch_t_s[a] - reaction_s[w]
            if decide_t_s < ready_t_s[u, j]:
                continue
            busy = 0
            for e in range(n):
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
