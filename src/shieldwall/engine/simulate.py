"""One replication: sensing, common picture, battle management, engagements, outcome.

A discrete-event loop in the style of SimPy's kernel: events at equal times are ordered by kind
priority, then by insertion, so a replication is bit-reproducible for a given seed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
import zlib
from dataclasses import dataclass

import numpy as np

from shieldwall import geo
from shieldwall.battle.manager import BattleManager
from shieldwall.engine.world import World
from shieldwall.sensors import SENSING, launch_warning, release_tracks
from shieldwall.wta import Assigner, GreedyAssigner

FATES = ("failed", "intercepted", "leaked")
FAILED, INTERCEPTED, LEAKED = range(3)
SHOT_RESULTS = ("miss", "kill", "target-gone")
MISS, KILL, TARGET_GONE = range(3)
MAX_SHOTS_PER_THREAT = 16
"""Kill draws are pre-drawn per threat (common random numbers); a threat's k-th shot uses draw k."""

INF = float("inf")

# Event kinds, in processing order at equal times.
_FAIL, _INTERCEPT, _ASSESS, _TRACK, _EVALUATE = range(5)


@dataclass
class Outcome:
    """Everything one replication produced. Per-threat arrays have one entry per threat."""

    fate: np.ndarray
    fate_t_s: np.ndarray
    fate_lat_deg: np.ndarray
    fate_lon_deg: np.ndarray
    fate_alt_m: np.ndarray
    killer_unit: np.ndarray
    shots_at: np.ndarray
    asset_hit: np.ndarray
    track_t_s: np.ndarray
    warned_t_s: np.ndarray
    value_lost_usd: float
    shots: dict[str, np.ndarray]
    refusals: dict[str, np.ndarray]
    magazine_left: np.ndarray


def stream(rng: np.random.Generator, key: str) -> np.random.Generator:
    """A Generator for `key` derived from `rng`'s seed, the same whatever other keys exist."""
    seed = rng.bit_generator.seed_seq
    return np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, zlib.crc32(key.encode())))
    )


def simulate(world: World, rng: np.random.Generator, fidelity: str = "radar",
             assigner: Assigner | None = None, coordination: str | None = None,
             magazine: list[int] | None = None) -> Outcome:
    """Run one replication of `world`; all randomness comes from `rng`'s seed sequence.

    `magazine` overrides the fire units' starting magazines (e.g. carried over from an earlier
    raid of a campaign); the outcome's `magazine_left` gives what remains.
    """
    return _Replication(world, rng, fidelity, assigner or GreedyAssigner(),
                        coordination or world.scenario.coordination, magazine).run()


class _Replication:
    def __init__(self, world: World, rng, fidelity, assigner, coordination, magazine):
        scenario = world.scenario
        threats = world.threats
        self.world = world
        n = threats.count
        sensor_rngs = [stream(rng, f"sensor:{s.id}") for s in scenario.sensors]
        detect_t = SENSING[fidelity]().detect(world, sensor_rngs)
        self.warned_t = launch_warning(world, sensor_rngs)
        latency = scenario.doctrine.track_latency_s
        picture = release_tracks(detect_t, world.release_from_s, latency)
        partners = [p.id for p in scenario.partners]
        own = np.array([[s.owner == p for p in partners] for s in scenario.sensors], dtype=bool).reshape(-1, len(partners))
        own_release = np.where(own, -np.inf, np.inf)
        own_picture = release_tracks(detect_t, own_release, latency)

        draws = stream(rng, "threats")
        fail_u = draws.random(n)
        fail_fraction = draws.random(n)
        self.kill_u = draws.random((n, MAX_SHOTS_PER_THREAT)).tolist()
        self.scatter = draws.standard_normal((n, 2))

        flight = threats.impact_t_s - threats.launch_t_s
        self.fail_t = np.where(fail_u >= threats.reliability, threats.launch_t_s + fail_fraction * flight, np.inf)

        units = scenario.fire_units
        owner_index = np.array([partners.index(u.owner) for u in units], dtype=np.int64)
        self.remote_ok = np.array([u.engage_on_remote for u in units], dtype=bool)
        self.own_track = own_picture[owner_index] if units else np.zeros((0, n))
        self.magazine = [u.magazine for u in units] if magazine is None else [int(m) for m in magazine]
        if len(self.magazine) != len(units):
            raise ValueError(f"magazine has {len(self.magazine)} entries for {len(units)} fire units")
        self.free = [u.fire_channels for u in units]

        cells = world.cells(coordination)
        self.cell_track = [picture[p] for p, _ in cells]
        self.coordination = coordination
        self.cell_options = world.cell_options(coordination)
        # The picture reported per threat: the coordinator's, or the earliest of the cells'.
        self.track_t = np.min([picture[p] for p, _ in cells], axis=0) if cells else np.full(n, np.inf)
        self.manager = BattleManager(scenario.doctrine, assigner, world.value_at_risk_usd)

        # Per-threat state the event loop touches is held in lists: NumPy scalar access costs
        # more than the work done with it here.
        self.alive = [True] * n
        self.fate = np.full(n, LEAKED, dtype=np.int8)
        self.fate_t = threats.impact_t_s.copy()
        self.fate_sample = threats.n_samples - 1
        self.killer = np.full(n, -1, dtype=np.int64)
        self.shots_at = [0] * n
        self.engaged = [[False] * n for _ in cells]
        self.next_eval = [[INF] * n for _ in cells]  # when an evaluation is pending (inf: none)
        # Per cell: unit -> {threat: net gain of its shot} for threats waiting for that unit's channel.
        self.waiting = [{} for _ in cells]
        self.shot_rows: list[tuple] = []
        self.refusal_rows: list[tuple] = []
        self.refused: set[tuple[int, int]] = set()
        self.cell_evaluations = [{} for _ in cells]
        self.freed: set[int] = set()  # units whose channel freed at the current instant  # the battle manager's per-threat caches
        self.depleted_units = sum(1 for m in self.magazine if m <= 0)
        self.events: list[tuple] = []
        self._seq = 0
        self.cells = cells

    # ------------------------------------------------------------------ state the manager uses

    def own_track_t_s(self, u: int, j: int) -> float:
        """When unit u's own partner's sensors hold threat j (for units that may not engage on
        remote tracks)."""
        return float(self.own_track[u, j])

    def check_refusal(self, t_s: float, window, earliest_s: float) -> None:
        """Record, once per (unit, threat), an opportunity the coalition rules refused: the first
        geometric opportunity after `earliest_s` is refused."""
        key = (window.unit, window.threat)
        first = bisect_left(window.launch_list_s, earliest_s)
        if first >= len(window.launch_list_s) or window.allowed[first]:
            return
        self.refused.add(key)
        self.refusal_rows.append((window.launch_t_s[first], window.unit, window.threat,
                                  int(window.reason[first]), int(window.airspace[first])))

    # ------------------------------------------------------------------ event loop

    def push(self, t: float, kind: int, payload) -> None:
        self._seq += 1
        heapq.heappush(self.events, (t, kind, self._seq, payload))

    def schedule_evaluation(self, c: int, j: int, t: float) -> None:
        if self.next_eval[c][j] > t:  # none pending, or one later than t
            self.next_eval[c][j] = t
            self.push(t, _EVALUATE, (c, j))

    def run(self) -> Outcome:
        world = self.world
        n = world.threats.count
        for j in range(n):
            if np.isfinite(self.fail_t[j]):
                self.push(self.fail_t[j], _FAIL, j)
        for c in range(len(self.cells)):
            # A threat is first looked at when it is in the picture, but not before any of the
            # cell's units could have an opportunity on it, allowed or refused: until then a look
            # finds nothing to do.
            first_look = self.world.first_look_s(self.coordination)[c]
            for j in np.flatnonzero(np.isfinite(self.cell_track[c])):
                if self.cell_options[c][j]:
                    self.push(max(self.cell_track[c][j], first_look[j]), _TRACK, (c, int(j)))
        while self.events:
            t = self.events[0][0]
            due: list[set[int]] = [set() for _ in self.cells]
            while self.events and self.events[0][0] == t:
                _, kind, _, payload = heapq.heappop(self.events)
                self._handle(t, kind, payload, due)
            released: set[tuple[int, int]] = set()
            while True:
                for c, threats in enumerate(due):
                    live = [j for j in sorted(threats) if self.alive[j] and not self.engaged[c][j]]
                    if live:
                        self._decide(c, t, live)
                if not self.freed:
                    break
                due = self._release_waiting(released)
        return self._outcome()

    def _release_waiting(self, released: set) -> list[set[int]]:
        """Threats to look at again because a fire channel they wait for is free.

        For each free channel, the waiting threats with the best net gain are released, one more
        than there are free channels, so that the epoch's assignment still has a choice; the rest
        keep waiting. Each (unit, threat) is released once per instant, which ends the loop. A
        threat's gain can change between epochs only by a salvo becoming a single shot (or back),
        so releasing by gain order finds the greedy's choice without re-evaluating every waiter.
        """
        due: list[set[int]] = [set() for _ in self.cells]
        still_free = set()
        for u in self.freed:
            if self.free[u] <= 0:
                continue
            for c, waiting in enumerate(self.waiting):
                waiters = waiting.get(u)
                if not waiters:
                    continue
                fresh = [(gain, j) for j, gain in waiters.items() if (u, j) not in released]
                for gain, j in sorted(fresh, reverse=True)[: self.free[u] + 1]:
                    del waiters[j]
                    released.add((u, j))
                    due[c].add(j)
                    still_free.add(u)
        self.freed = still_free  # looked at again after this round's decisions
        return due

    def _handle(self, t, kind, payload, due) -> None:
        if kind == _FAIL:
            j = payload
            if self.alive[j] and t < self.world.threats.impact_t_s[j]:
                self._end(j, FAILED, t, -1)
        elif kind == _INTERCEPT:
            c, u, j, rows, sample = payload
            self.free[u] += 1
            self.freed.add(u)
            if self.alive[j]:
                kills = [r for r in rows if self.shot_rows[r][-1] == KILL]
                if kills:
                    self._end(j, INTERCEPTED, t, u, sample)
            else:
                for r in rows:
                    self.shot_rows[r] = (*self.shot_rows[r][:-1], TARGET_GONE)
            self.push(t + self.world.scenario.doctrine.kill_assessment_s, _ASSESS, (c, j))
        elif kind == _ASSESS:
            c, j = payload
            self.engaged[c][j] = False
            due[c].add(j)
        elif kind == _TRACK:
            c, j = payload
            due[c].add(j)
        elif kind == _EVALUATE:
            c, j = payload
            if self.next_eval[c][j] == t:
                self.next_eval[c][j] = INF
                due[c].add(j)

    def _decide(self, c: int, t: float, threats: list[int]) -> None:
        self.evaluations = self.cell_evaluations[c]
        decision = self.manager.decide(t, threats, self.cell_options[c], self)
        for e in decision.engagements:
            self._fire(c, t, e)
        for j, retry_t in decision.retry_at_s.items():
            self.schedule_evaluation(c, j, retry_t)
        for j, u, gain in decision.waiting:
            if not self.engaged[c][j]:
                self.waiting[c].setdefault(u, {})[j] = gain

    def _fire(self, c: int, t: float, e) -> None:
        shots = min(e.shots, self.magazine[e.unit])  # the assigner kept within magazine and channels
        w, pos = e.window, e.position
        self.magazine[e.unit] -= shots
        if self.magazine[e.unit] <= 0:
            self.depleted_units += 1
        self.free[e.unit] -= 1
        self.engaged[c][e.threat] = True
        j = e.threat
        rows = []
        for _ in range(shots):
            u_kill = self.kill_u[j][self.shots_at[j] % MAX_SHOTS_PER_THREAT]
            self.shots_at[j] += 1
            rows.append(len(self.shot_rows))
            self.shot_rows.append((e.unit, j, float(w.launch_t_s[pos]), float(w.intercept_t_s[pos]),
                                   int(w.sample[pos]), int(w.airspace[pos]),
                                   KILL if u_kill < w.kill_probability else MISS))
        self.push(float(w.intercept_t_s[pos]), _INTERCEPT, (c, e.unit, j, rows, int(w.sample[pos])))

    def _end(self, j: int, fate: int, t: float, unit: int, sample: int | None = None) -> None:
        threats = self.world.threats
        self.alive[j] = False
        self.fate[j] = fate
        self.fate_t[j] = t
        self.killer[j] = unit
        if sample is None:  # the sample nearest in time (failures happen between samples)
            sample = int(np.searchsorted(threats.t_s[j, : threats.n_samples[j]], t))
            sample = min(sample, threats.n_samples[j] - 1)
        self.fate_sample[j] = sample

    # ------------------------------------------------------------------ outcome

    def _outcome(self) -> Outcome:
        world = self.world
        threats = world.threats
        scenario = world.scenario
        idx = np.arange(threats.count)
        lat = threats.lat_deg[idx, self.fate_sample].copy()
        lon = threats.lon_deg[idx, self.fate_sample].copy()
        alt = threats.alt_m[idx, self.fate_sample].copy()
        asset_hit = np.full(threats.count, -1, dtype=np.int64)
        leaked = np.flatnonzero(self.fate == LEAKED)
        value_lost = 0.0
        if leaked.size:
            # Circular normal scatter: each axis has sigma = CEP / sqrt(2 ln 2) (= CEP / 1.1774).
            sigma = threats.cep_m[leaked] / np.sqrt(2.0 * np.log(2.0))
            north, east = (self.scatter[leaked] * sigma[:, None]).T
            azimuth = np.degrees(np.arctan2(east, north))
            lat[leaked], lon[leaked] = geo.geodesic_forward(
                threats.aim_lat_deg[leaked], threats.aim_lon_deg[leaked], azimuth, np.hypot(north, east))
            alt[leaked] = 0.0
            radius = np.array([a.radius_m for a in scenario.assets])[threats.target_asset[leaked]]
            miss, _ = geo.geodesic_inverse(lat[leaked], lon[leaked], threats.aim_lat_deg[leaked], threats.aim_lon_deg[leaked])
            hit = np.asarray(miss) <= radius
            asset_hit[leaked[hit]] = threats.target_asset[leaked[hit]]
            # An asset hit several times loses 1 - prod(1 - lethality) of its value.
            surviving = np.ones(len(scenario.assets))
            np.multiply.at(surviving, asset_hit[leaked[hit]], 1.0 - threats.lethality[leaked[hit]])
            value_lost = float(np.sum(np.array([a.value_usd for a in scenario.assets]) * (1.0 - surviving)))
        shots = np.array(self.shot_rows, dtype=float).reshape(-1, 7)
        sample = shots[:, 4].astype(np.int64)
        threat = shots[:, 1].astype(np.int64)
        refusals = np.array(self.refusal_rows, dtype=float).reshape(-1, 5)
        return Outcome(
            fate=self.fate, fate_t_s=self.fate_t, fate_lat_deg=lat, fate_lon_deg=lon, fate_alt_m=alt,
            killer_unit=self.killer, shots_at=np.array(self.shots_at, dtype=np.int64), asset_hit=asset_hit,
            track_t_s=self.track_t, warned_t_s=self.warned_t, value_lost_usd=value_lost,
            magazine_left=np.array(self.magazine, dtype=np.int64),
            shots={
                "unit": shots[:, 0].astype(np.int64), "threat": threat,
                "launch_t_s": shots[:, 2], "intercept_t_s": shots[:, 3],
                "lat_deg": threats.lat_deg[threat, sample], "lon_deg": threats.lon_deg[threat, sample],
                "alt_m": threats.alt_m[threat, sample],
                "airspace": shots[:, 5].astype(np.int64), "result": shots[:, 6].astype(np.int8),
            },
            refusals={
                "t_s": refusals[:, 0], "unit": refusals[:, 1].astype(np.int64),
                "threat": refusals[:, 2].astype(np.int64), "reason": refusals[:, 3].astype(np.int8),
                "airspace": refusals[:, 4].astype(np.int64),
            },
        )
