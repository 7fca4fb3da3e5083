"""The battle manager: threat evaluation, feasible pairs, assignment and doctrine at one epoch.

At a decision epoch it looks at the threats due for evaluation, finds for each the fire units of
its cell that can launch now (engagement window open after the unit's reaction time, rules
allowing, a free fire channel, interceptors left), applies doctrine, and hands the rest to the
weapon-target assigner. Threats that cannot be engaged now are given the time to look again.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from shieldwall.wta import Assigner, AssignmentProblem

TIME_TOLERANCE_S = 1e-6
"""Retry times are computed as launch - reaction; adding the reaction back must find that launch."""

CHEAPER_SHOT_PK_MARGIN = 0.05
"""A later shot counts as 'as likely to kill' when its Pk is at most this much lower."""


@dataclass(frozen=True)
class Engagement:
    unit: int
    threat: int
    window: object  # engine.world.Window
    position: int  # index into the window's arrays: the chosen launch / intercept sample
    shots: int


@dataclass
class Decision:
    engagements: list[Engagement]
    retry_at_s: dict[int, float]  # threat -> when to evaluate it again (absent: never by itself)
    waiting_for_channel: list[int]  # threats that a busy fire channel kept from an engagement


class BattleManager:
    """Doctrine and assignment for one cell (a group of fire units under one picture).

    `state` must offer: magazine[u], free_channels(u), reaction_s[u], unit_cost_usd[u],
    ready_t_s(u, j) (the earliest time unit u may act on threat j, from the tracks it may use),
    and refuse(t, u, j, reason, airspace) to record a refusal.
    """

    def __init__(self, doctrine, assigner: Assigner, value_at_risk_usd: np.ndarray,
                 slack_s: np.ndarray):
        self.doctrine = doctrine
        self.assigner = assigner
        self.value_at_risk_usd = value_at_risk_usd
        self.slack_s = slack_s

    def decide(self, t_s: float, threats, windows_by_threat, state) -> Decision:
        doctrine = self.doctrine
        look_s = doctrine.kill_assessment_s
        candidates: list[tuple[int, int, object, int, int, float]] = []  # (j, u, window, pos, shots, pk)
        retry: dict[int, float] = {}
        waiting: list[int] = []
        for j in threats:
            windows = [w for w in windows_by_threat[j] if state.magazine[w.unit] > 0]
            if not windows:
                continue
            last_chance = max(w.latest_allowed_launch_t_s - state.reaction_s[w.unit] for w in windows)
            now, later, busy = [], [], False
            next_t = np.inf
            for w in windows:
                u = w.unit
                ready = state.ready_t_s(u, j)
                earliest = max(t_s, ready) + state.reaction_s[u]
                k = bisect_left(w.allowed_launch_t_s, earliest - TIME_TOLERANCE_S)
                state.check_refusal(t_s, w, earliest, k)
                if k == len(w.allowed_launch_t_s):
                    continue
                launch = w.allowed_launch_t_s[k]
                if ready <= t_s and launch - earliest <= self.slack_s[j]:
                    if state.free_channels(u) > 0:
                        now.append((w, k))
                    else:
                        busy = True
                else:
                    later.append((w, k))
                    next_t = min(next_t, max(launch - state.reaction_s[u], ready))
            if doctrine.prefer_cheaper_shot and now and later:
                now, deferred_to = self._hold_for_cheaper(now, later, last_chance, look_s, state)
                next_t = min(next_t, deferred_to)
            for w, k in now:
                pos = int(w.allowed_positions[k])
                look_fits = w.intercept_t_s[pos] + look_s <= last_chance
                shots = 1 if (doctrine.shoot_look_shoot and look_fits) else doctrine.salvo_size
                shots = min(shots, int(state.magazine[w.unit]))
                pk = 1.0 - (1.0 - w.kill_probability) ** shots
                candidates.append((j, w.unit, w, pos, shots, pk))
            if busy:
                waiting.append(j)
            if np.isfinite(next_t):
                retry[j] = max(next_t, t_s)
        engagements = self._assign(candidates, state)
        engaged = {e.threat for e in engagements}
        for j in {c[0] for c in candidates} - engaged:
            waiting.append(j)  # outbid or not worth a shot now: look again when a channel frees
        return Decision(engagements, {j: r for j, r in retry.items() if j not in engaged}, waiting)

    @staticmethod
    def _hold_for_cheaper(now, later, last_chance, look_s, state):
        """Drop shots that a cheaper, as-likely later shot can replace while still leaving a look."""
        kept, deferred_to = [], np.inf
        for w, k in now:
            cost = state.unit_cost_usd[w.unit]
            alternative = np.inf
            for w2, k2 in later:
                if state.unit_cost_usd[w2.unit] >= cost or w2.kill_probability < w.kill_probability - CHEAPER_SHOT_PK_MARGIN:
                    continue
                intercept = w2.intercept_t_s[int(w2.allowed_positions[k2])]
                if intercept + look_s <= last_chance:
                    alternative = min(alternative, w2.allowed_launch_t_s[k2] - state.reaction_s[w2.unit])
            if np.isfinite(alternative):
                deferred_to = min(deferred_to, alternative)
            else:
                kept.append((w, k))
        return kept, deferred_to

    def _assign(self, candidates, state) -> list[Engagement]:
        if not candidates:
            return []
        targets = sorted({c[0] for c in candidates})
        units = sorted({c[1] for c in candidates})
        t_index = {j: i for i, j in enumerate(targets)}
        u_index = {u: i for i, u in enumerate(units)}
        pk = np.zeros((len(units), len(targets)))
        cost = np.zeros_like(pk)
        chosen = {}
        for j, u, w, pos, shots, p in candidates:
            row, col = u_index[u], t_index[j]
            pk[row, col] = p
            cost[row, col] = shots * state.unit_cost_usd[u]
            chosen[(row, col)] = (w, pos, shots)
        capacity = np.array([min(state.free_channels(u), int(state.magazine[u])) for u in units])
        problem = AssignmentProblem(
            values=self.value_at_risk_usd[targets], kill_probability=pk, capacity=capacity,
            cost=cost, cost_weight=self.doctrine.cost_weight, target_limit=np.ones(len(targets), dtype=np.int64),
        )
        shots = self.assigner.assign(problem).shots
        out = []
        for row, col in zip(*np.nonzero(shots)):
            w, pos, n = chosen[(int(row), int(col))]
            out.append(Engagement(units[row], targets[col], w, pos, n))
        return out
