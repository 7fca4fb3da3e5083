"""The missed-with-capacity diagnostic against a brute force written from its definition."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from shieldwall.battle.diagnostics import missed_with_capacity


def _brute_force(plan, reaction_by_unit_s, homing_by_unit_s, leaked, ready_t_s, start_magazine, engagements,
                 away) -> np.ndarray:
    """A leaked threat counts when a window of it that is worth a shot, of a unit that never fired
    all its rounds, has an allowed launch whose decision time (launch less reaction), with the
    threat ready for the unit, finds fewer of the unit's engagements under way (decided at or
    before that time, not yet released) than it has channels."""
    fired = np.zeros(start_magazine.size, dtype=int)
    held = []  # (unit, from, until)
    for unit, launch_t_s, intercept_t_s, rounds in engagements:
        fired[unit] += rounds
        held.append((unit, launch_t_s - reaction_by_unit_s[unit],
                     max(launch_t_s, intercept_t_s - homing_by_unit_s[unit])))
    held += list(zip(*away))
    missed = np.zeros(leaked.size, dtype=bool)
    for w in range(plan.threat.size):
        u, j = plan.unit[w], plan.threat[w]
        if not leaked[j] or not plan.worth_a_shot[w] or fired[u] >= start_magazine[u]:
            continue
        for a in range(plan.allowed_start[w], plan.allowed_end[w]):
            decide_t_s = plan.allowed_launch_t_s[a] - plan.reaction_s[w]
            if decide_t_s < ready_t_s[u, j]:
                continue
            busy = sum(1 for unit, start, end in held if unit == u and start <= decide_t_s < end)
            if busy < plan.channels[u]:
                missed[j] = True
    return missed


def test_missed_with_capacity_equals_a_brute_force_on_random_cases():
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(200):
        units, threats, windows = 3, 6, 12
        unit = rng.integers(0, units, windows)
        threat = rng.integers(0, threats, windows)
        launches = rng.integers(0, 5, windows)
        allowed_end = np.cumsum(launches)
        allowed_start = allowed_end - launches
        reaction_by_unit = rng.uniform(0, 20, units)
        homing_by_unit = rng.choice([0.0, 15.0, np.inf], units)
        plan = SimpleNamespace(
            unit=unit, threat=threat, allowed_start=allowed_start, allowed_end=allowed_end,
            allowed_launch_t_s=np.round(rng.uniform(0, 300, int(allowed_end[-1])), 0),
            worth_a_shot=rng.random(windows) < 0.8, reaction_s=reaction_by_unit[unit],
            homing_s=homing_by_unit[unit], channels=rng.integers(1, 3, units))
        # Engagements of whole salvos, their rounds as consecutive shot rows.
        engagements = []
        for _ in range(rng.integers(0, 8)):
            launch = float(np.round(rng.uniform(0, 300), 0))
            engagements.append((int(rng.integers(0, units)), launch, launch + float(rng.uniform(5, 60)),
                                int(rng.integers(1, 3))))
        shot_unit = np.array([u for u, _, _, k in engagements for _ in range(k)], dtype=np.int64)
        shot_threat = np.array([e for e, (_, _, _, k) in enumerate(engagements) for _ in range(k)], dtype=np.int64)
        shot_launch = np.array([t for _, t, _, k in engagements for _ in range(k)], dtype=float)
        shot_intercept = np.array([t for _, _, t, k in engagements for _ in range(k)], dtype=float)
        away_from = rng.uniform(0, 300, rng.integers(0, 3))
        away = (rng.integers(0, units, away_from.size), away_from, away_from + rng.uniform(10, 100, away_from.size))
        leaked = rng.random(threats) < 0.5
        ready_t_s = rng.uniform(0, 200, (units, threats))
        magazine = rng.integers(1, 6, units)
        expected = _brute_force(plan, reaction_by_unit, homing_by_unit, leaked, ready_t_s, magazine, engagements,
                                away)
        got = missed_with_capacity(plan, leaked, ready_t_s, magazine, shot_unit, shot_threat, shot_launch,
                                   shot_intercept, away=away)
        assert np.array_equal(got, expected)
        found += int(expected.sum())
    assert found > 50  # the cases do exercise the diagnostic
