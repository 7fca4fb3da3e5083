"""The battle manager: threat evaluation, feasible pairs, assignment and doctrine at one epoch.

At a decision epoch it looks at the threats due for evaluation, finds for each the fire units of
its cell that can launch now (engagement window open after the unit's reaction time, rules
allowing, a free fire channel, interceptors left), applies doctrine, and hands the rest to the
weapon-target assigner. Threats that cannot be engaged now are given the time to look again.

This is the replication hot path: state is held in plain Python lists and each (unit, threat)
window is pre-digested into an `Option`, because per-element NumPy indexing costs more than the
arithmetic here.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from shieldwall.wta import Assigner, AssignmentProblem

TIME_TOLERANCE_S = 1e-6
"""Retry times are computed as launch - reaction; adding the reaction back must find that launch."""

INF = float("inf")

CHEAPER_SHOT_PK_MARGIN = 0.05
"""A later shot counts as 'as likely to kill' when its Pk is at most this much lower."""


@dataclass(slots=True)
class Option:
    """One fire unit's engagement window on one threat, as the battle manager uses it."""

    window: object  # engine.world.Window
    unit: int
    reaction_s: float
    cost_usd: float
    kill_probability: float
    launches_s: list[float]  # allowed launch times, sorted
    last_decision_s: float  # the latest time a decision can still use this window
    remote_ok: bool
    slack_s: float  # a launch this soon after the earliest possible one cannot be improved on
    last_refused_launch_s: float  # the last refused opportunity's launch time (-inf: none)
    intercepts_s: list[float]  # intercept times aligned with launches_s
    opens_s: float  # the first allowed launch time less the reaction time (inf: none allowed)
    refusals_end_s: float  # the last refused launch time less the reaction time (-inf: none)


def _launch_slack_s(window, sample_period_s: float) -> float:
    """The longest gap between launch times of consecutive trajectory samples in the window.

    Launch times are spaced wider than the samples for an approaching threat (intercept time minus
    a fly-out that shrinks as it closes); waiting for a launch less than one gap away gains nothing.
    """
    adjacent = np.diff(window.sample) == 1
    gaps = np.diff(window.launch_t_s)[adjacent]
    return float(max(sample_period_s, gaps.max())) if gaps.size else sample_period_s


def options_for(windows_by_threat, units: set[int], reaction_s, cost_usd, remote_ok,
                sample_period_s) -> list[list[Option]]:
    """Per threat, the Options of the fire units in `units` (windows with no allowed launch are
    kept: they are where refusals are recorded)."""
    return [
        [Option(w, w.unit, reaction_s[w.unit], cost_usd[w.unit], w.kill_probability, w.allowed_launch_t_s,
                w.latest_allowed_launch_t_s - reaction_s[w.unit], remote_ok[w.unit],
                _launch_slack_s(w, sample_period_s[j]),
                float(w.launch_t_s[~w.allowed].max()) if w.any_refused else -INF,
                w.intercept_t_s[w.allowed_positions].tolist(),
                w.allowed_launch_t_s[0] - reaction_s[w.unit] if w.allowed_launch_t_s else INF,
                (float(w.launch_t_s[~w.allowed].max()) if w.any_refused else -INF) - reaction_s[w.unit])
         for w in windows if w.unit in units]
        for j, windows in enumerate(windows_by_threat)
    ]


@dataclass(frozen=True)
class Engagement:
    unit: int
    threat: int
    window: object  # engine.world.Window
    position: int  # index into the window's arrays: the chosen launch / intercept sample
    shots: int


@dataclass(slots=True)
class Evaluation:
    ready: list[tuple]  # (threat, option, launch index, shots, kill probability) that can leave now
    retry_s: float  # when the threat's next window opens (inf: none)
    valid_until_s: float
    depleted_units: int  # fire units out of interceptors when this was evaluated


@dataclass
class Decision:
    engagements: list[Engagement]
    retry_at_s: dict[int, float]  # threat -> when to evaluate it again (absent: never by itself)
    waiting: list[tuple[int, int, float]]  # (threat, unit, net gain): waits for a channel of that unit


class BattleManager:
    """Doctrine and assignment for one cell (a group of fire units under one picture).

    `state` must offer the lists `magazine[u]` and `free[u]` (free fire channels),
    `depleted_units` (how many units are out of interceptors), `evaluations` (a dict for the
    per-threat cache), `refused` (the (unit, threat) pairs whose refusal is recorded),
    `own_track_t_s(u, j)` (when unit u's own partner holds threat j, for units that may not engage
    on remote tracks) and `check_refusal(t, window, earliest_s)` to record refused opportunities.
    """

    def __init__(self, doctrine, assigner: Assigner, value_at_risk_usd: np.ndarray):
        self.doctrine = doctrine
        self.assigner = assigner
        self.value_at_risk_usd = value_at_risk_usd
        self.value_list = value_at_risk_usd.tolist()

    def decide(self, t_s: float, threats: list[int], options: list[list[Option]], state) -> Decision:
        """Engagements to start at `t_s` for the given threats, and when to look at the rest again.

        `state.evaluations` caches each threat's evaluation (see `_evaluate`) for as long as it
        stays valid, so re-deciding on threats that wait for a fire channel costs little.
        """
        free, magazine = state.free, state.magazine
        candidates: list[tuple[int, Option, int, int, float]] = []  # (threat, option, index, shots, pk)
        retry: dict[int, float] = {}
        waiting: list[tuple[int, int, float]] = []
        weight = self.doctrine.cost_weight
        value = self.value_list
        cache = state.evaluations
        depleted = state.depleted_units
        for j in threats:
            cached = cache.get(j)
            if cached is None or cached.valid_until_s < t_s or cached.depleted_units != depleted:
                cached = cache[j] = self._evaluate(t_s, j, options[j], state)
            for candidate in cached.ready:
                unit = candidate[1].unit
                if free[unit] > 0:
                    shots = min(candidate[3], magazine[unit])
                    if shots != candidate[3]:
                        pk = 1.0 - (1.0 - candidate[1].kill_probability) ** shots
                        candidate = (j, candidate[1], candidate[2], shots, pk)
                    candidates.append(candidate)
                else:
                    waiting.append((j, unit, value[j] * candidate[4] - weight * candidate[3] * candidate[1].cost_usd))
            if cached.retry_s < INF:
                retry[j] = max(cached.retry_s, t_s)
        engagements = self._assign(candidates, free, magazine)
        engaged = {e.threat for e in engagements}
        for j, o, _, shots, pk in candidates:
            # Outbid for a channel or an interceptor: look again when one frees. A shot not worth
            # its cost now is looked at again only when the threat's next window opens.
            gain = value[j] * pk - weight * shots * o.cost_usd
            if j not in engaged and gain > 0:
                waiting.append((j, o.unit, gain))
        for j in engaged:
            cache.pop(j, None)
        return Decision(engagements, {j: r for j, r in retry.items() if j not in engaged}, waiting)

    def _evaluate(self, t_s: float, j: int, options: list[Option], state) -> "Evaluation":
        """Threat j's engagement options at `t_s`: shots that can leave now (whatever the state of
        the units' fire channels), and when its next window opens.

        The result holds until the earliest of: a ready shot's launch time passing, a later
        window opening, or a fire unit running out of interceptors.
        """
        doctrine = self.doctrine
        look_s = doctrine.kill_assessment_s
        magazine = state.magazine
        refused = state.refused
        usable = []
        last_chance = -INF
        now, later = [], []
        next_t = valid_until = INF
        closed_before = t_s - TIME_TOLERANCE_S
        keep_later = doctrine.prefer_cheaper_shot
        for o in options:
            if magazine[o.unit] <= 0:
                continue
            if keep_later:
                usable.append(o)  # the cheaper-shot rule looks for depth among them
            if o.last_decision_s > last_chance:
                last_chance = o.last_decision_s
            if o.opens_s - t_s > o.slack_s and o.refusals_end_s < t_s and o.remote_ok and not keep_later:
                # Not open yet, nothing refused before it: its first launch is its next chance.
                if o.opens_s < next_t:
                    next_t = o.opens_s
                if o.opens_s - o.slack_s < valid_until:
                    valid_until = o.opens_s - o.slack_s
                continue
            ready = t_s if o.remote_ok else max(t_s, state.own_track_t_s(o.unit, j))
            earliest = ready + o.reaction_s
            if o.last_refused_launch_s >= earliest:
                if (o.unit, j) not in refused:
                    state.check_refusal(t_s, o.window, earliest)
            elif o.last_decision_s < closed_before:
                continue  # this window has closed
            k = bisect_left(o.launches_s, earliest - TIME_TOLERANCE_S)
            if k == len(o.launches_s):
                continue
            launch = o.launches_s[k]
            if ready <= t_s and launch - earliest <= o.slack_s:
                now.append((o, k))
                if launch - o.reaction_s < valid_until:
                    valid_until = launch - o.reaction_s
            else:
                later.append((o, k))
                opens = max(launch - o.reaction_s, ready)
                if opens < next_t:
                    next_t = opens
                if opens - o.slack_s < valid_until:
                    valid_until = opens - o.slack_s
        if doctrine.prefer_cheaper_shot and now and later:
            now, deferred_to = _hold_for_cheaper(now, later, usable, look_s)
            next_t = min(next_t, deferred_to)
        ready_shots = []
        for o, k in now:
            look_fits = o.intercepts_s[k] + look_s <= last_chance
            shots = 1 if (doctrine.shoot_look_shoot and look_fits) else doctrine.salvo_size
            ready_shots.append((j, o, k, shots, 1.0 - (1.0 - o.kill_probability) ** shots))
        return Evaluation(ready_shots, next_t, valid_until, state.depleted_units)

    def _assign(self, candidates, free, magazine) -> list[Engagement]:
        if not candidates:
            return []
        if len(candidates) == 1 or all(c[0] == candidates[0][0] for c in candidates):
            return self._assign_one_target(candidates)
        targets = sorted({c[0] for c in candidates})
        units = sorted({c[1].unit for c in candidates})
        t_index = {j: i for i, j in enumerate(targets)}
        u_index = {u: i for i, u in enumerate(units)}
        pk = np.zeros((len(units), len(targets)))
        cost = np.zeros_like(pk)
        chosen = {}
        for j, o, position, shots, p in candidates:
            row, col = u_index[o.unit], t_index[j]
            pk[row, col] = p
            cost[row, col] = shots * o.cost_usd
            chosen[(row, col)] = (o.window, int(o.window.allowed_positions[position]), shots)
        capacity = np.array([min(free[u], magazine[u]) for u in units])
        problem = AssignmentProblem(
            values=self.value_at_risk_usd[targets], kill_probability=pk, capacity=capacity,
            cost=cost, cost_weight=self.doctrine.cost_weight, target_limit=np.ones(len(targets), dtype=np.int64),
        )
        shots = self.assigner.assign(problem).shots
        out = []
        for row, col in zip(*np.nonzero(shots)):
            window, position, n = chosen[(int(row), int(col))]
            out.append(Engagement(units[row], targets[col], window, position, n))
        return out

    def _assign_one_target(self, candidates) -> list[Engagement]:
        """With one target allowed one engagement, the optimum of every assignment problem is the
        single option of largest value saved net of weighted cost, if that is positive; solved
        directly because most epochs are of this kind."""
        value = self.value_list[candidates[0][0]]
        weight = self.doctrine.cost_weight
        best, best_gain = None, 0.0
        for candidate in candidates:  # first of equals wins, as in the greedy's tie rule
            j, o, position, shots, pk = candidate
            gain = value * pk - weight * shots * o.cost_usd
            if gain > best_gain:
                best, best_gain = candidate, gain
        if best is None:
            return []
        j, o, k, shots, _ = best
        return [Engagement(o.unit, j, o.window, int(o.window.allowed_positions[k]), shots)]


def _hold_for_cheaper(now, later, usable, look_s):
    """Drop shots that a cheaper, as-likely later shot can replace while the defence keeps depth:
    after that cheaper shot another fire unit must still have a look. (Waiting for the last layer
    alone would stake everything on its capacity, and saturating the last layer is how raids win.)"""
    kept, deferred_to = [], np.inf
    for o, k in now:
        alternative = np.inf
        for o2, k2 in later:
            if o2.cost_usd >= o.cost_usd or o2.kill_probability < o.kill_probability - CHEAPER_SHOT_PK_MARGIN:
                continue
            intercept = o2.intercepts_s[k2]
            depth = max((o3.last_decision_s for o3 in usable if o3.unit != o2.unit), default=-np.inf)
            if intercept + look_s <= depth:
                alternative = min(alternative, o2.launches_s[k2] - o2.reaction_s)
        if alternative < np.inf:
            deferred_to = min(deferred_to, alternative)
        else:
            kept.append((o, k))
    return kept, deferred_to
