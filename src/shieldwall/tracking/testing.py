"""The contract every Tracker must meet, as checks a researcher can run on their own tracker.

    from shieldwall.tracking.testing import check_tracker
    check_tracker(MyTracker(...))          # raises AssertionError naming the failed check

or parametrise pytest over `CHECKS`: each is `check(tracker)`. Objects are flown with the motion
model the tracker declares (`tracker.motion`), so a ballistic tracker is tested on ballistic
flight and a constant-velocity one on straight flight; a tracker with several modes
(`tracker.motions`, `tracker.mode_sojourn_s`) is tested on objects switching between them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from scipy.stats import chi2

from shieldwall.tracking.base import FALSE_ALARM, Measurements, Tracker, TrackHistory
from shieldwall.tracking.measurements import Radar
from shieldwall.tracking.metrics import nees
from shieldwall.tracking.motion import MotionModel


def fly(motion: MotionModel, n_objects: int, scan_t_s: np.ndarray, rng: np.random.Generator,
        range_m: tuple[float, float] = (20_000.0, 120_000.0), altitude_m: tuple[float, float] = (500.0, 10_000.0),
        speed_mps: tuple[float, float] = (40.0, 300.0), climb_mps: tuple[float, float] = (0.0, 0.0),
        modes: tuple[MotionModel, ...] = (), mode_sojourn_s: float = np.inf,
        turn_rate_radps: tuple[float, float] = (-0.05, 0.05)) -> np.ndarray:
    """(N, K, d) true states at the scan times, flown with `motion` and its process noise; d is 6,
    or 7 with a coordinated-turn model (the turn rate, drawn uniform in `turn_rate_radps`).

    With `modes`, each object instead switches between them as a Markov chain (a mode lasts
    `mode_sojourn_s` on average, then gives way to one of the others, equally likely; the first mode
    is uniform), flying each step with the process noise and gravity of its current mode: the
    process an IMM tracker assumes.
    Draw order: horizontal range, bearing, altitude, speed, heading, climb (N each, uniform), the
    turn rate (N, with a 7-element state only), then the process noise of each step, (K - 1, N, d)
    standard normals mapped through the Cholesky factor of Q(dt); with modes, then the first mode
    (N) and the switches ((K - 1, N, 2) uniforms). States are (east_m, north_m, up_m, east_mps,
    north_mps, up_mps[, turn_radps]); a mode without a turn rate leaves it as it is.
    """
    scan_t_s = np.asarray(scan_t_s, dtype=float)
    ground = rng.uniform(*range_m, n_objects)
    bearing = rng.uniform(0, 2 * np.pi, n_objects)
    altitude = rng.uniform(*altitude_m, n_objects)
    speed = rng.uniform(*speed_mps, n_objects)
    heading = rng.uniform(0, 2 * np.pi, n_objects)
    climb = rng.uniform(*climb_mps, n_objects)
    models = tuple(modes) or (motion,)
    size = max(model.state_size for model in models)
    columns = [ground * np.sin(bearing), ground * np.cos(bearing), altitude,
               speed * np.sin(heading), speed * np.cos(heading), climb]
    if size > 6:
        columns.append(rng.uniform(*turn_rate_radps, n_objects))
    noise = rng.standard_normal((max(len(scan_t_s) - 1, 0), n_objects, size))
    state = np.column_stack(columns)
    states = np.empty((n_objects, len(scan_t_s), size))
    if len(scan_t_s):
        states[:, 0] = state
    mode = rng.integers(0, len(models), n_objects) if modes else np.zeros(n_objects, np.int64)
    switch_u = rng.random((max(len(scan_t_s) - 1, 0), n_objects, 2)) if modes else None
    for k in range(1, len(scan_t_s)):
        dt = scan_t_s[k] - scan_t_s[k - 1]
        if modes and len(models) > 1:
            moves = switch_u[k - 1, :, 0] >= np.exp(-dt / mode_sojourn_s)
            other = (mode + 1 + np.floor(switch_u[k - 1, :, 1] * (len(models) - 1)).astype(np.int64)) % len(models)
            mode = np.where(moves, other, mode)
        for j, model in enumerate(models):
            rows = mode == j
            q = model.process_noise(dt)
            d = q.shape[0]
            # Elements without noise (a noiseless model, or turn rate) get none; Cholesky on the rest.
            noisy = np.diag(q) > 0
            root = np.zeros((d, d))
            root[np.ix_(noisy, noisy)] = np.linalg.cholesky(q[np.ix_(noisy, noisy)])
            state[rows] = model.propagate(state[rows], dt)
            state[np.ix_(rows, np.arange(d))] += noise[k - 1, rows, :d] @ root.T
        states[:, k] = state
    return states


def test_radar(detection_probability: float = 1.0, range_sigma_m: float = 30.0, bearing_sigma_deg: float = 0.1,
               false_alarms_per_scan: float = 0.0, scan_period_s: float = 2.0) -> Radar:
    """A radar seeing every class to 400 km."""
    return Radar(scan_period_s=scan_period_s, detection_probability=(detection_probability,) * 3,
                 max_range_m=(400_000.0,) * 3, range_sigma_m=range_sigma_m, bearing_sigma_deg=bearing_sigma_deg,
                 elevation_sigma_deg=bearing_sigma_deg, false_alarms_per_scan=false_alarms_per_scan)


test_radar.__test__ = False  # a helper, not a pytest test


def scenario(tracker: Tracker, n_objects: int, n_scans: int, seed: int, radar: Radar | None = None,
             switching: bool = True, **flight) -> tuple[np.ndarray, Measurements]:
    """(true states (N, K, d), measurements) of objects flown with the tracker's motion model (its
    modes, switching as it assumes, for a tracker with several, unless `switching` is False: then
    its nominal `motion` only)."""
    radar = radar or test_radar()
    rng = np.random.default_rng(seed)
    scan_t_s = np.arange(n_scans) * radar.scan_period_s
    if tracker.motion.gravity_mps2 > 0:
        # Far enough out that no object passes near the zenith, where bearing is singular.
        flight = {"range_m": (200_000.0, 300_000.0), "altitude_m": (60_000.0, 120_000.0),
                  "speed_mps": (1_000.0, 2_000.0), "climb_mps": (-200.0, 600.0), **flight}
    if switching and len(getattr(tracker, "motions", ())) > 1:
        flight = {"modes": tracker.motions, "mode_sojourn_s": tracker.mode_sojourn_s, **flight}
    states = fly(tracker.motion, n_objects, scan_t_s, rng, **flight)
    return states, radar.measure(scan_t_s, states[..., :3], np.zeros(n_objects, np.int64), rng)


def empty_measurements(n_scans: int) -> Measurements:
    nothing = np.empty(0)
    return Measurements(scan_t_s=np.arange(n_scans) * 2.0, first=np.zeros(n_scans + 1, np.int64),
                        range_m=nothing, bearing_rad=nothing, elevation_rad=nothing,
                        truth=np.empty(0, np.int64), noise_sigma=(30.0, 0.002, 0.002))


def _assert_valid(history: TrackHistory, measurements: Measurements, label: str) -> None:
    assert isinstance(history, TrackHistory), f"{label}: track must return a TrackHistory"
    rows = history.scan.shape[0]
    for name in ("track", "firm", "updated"):
        assert getattr(history, name).shape == (rows,), f"{label}: {name} has the wrong shape"
    assert history.mean.shape == (rows, 6) and history.covariance.shape == (rows, 6, 6), f"{label}: state shapes"
    assert np.all(np.isfinite(history.mean)), f"{label}: non-finite state"
    assert np.allclose(history.covariance, history.covariance.transpose(0, 2, 1), rtol=1e-9, atol=1e-6), (
        f"{label}: covariance not symmetric")
    if rows:
        assert np.linalg.eigvalsh(history.covariance).min() > 0, f"{label}: covariance not positive definite"
    n = history.n_tracks
    assert history.born_t_s.shape == history.firm_t_s.shape == history.end_t_s.shape == history.truth.shape == (n,)
    assert np.all(history.firm_t_s >= history.born_t_s), f"{label}: firm before born"
    assert np.all(history.end_t_s >= history.born_t_s), f"{label}: ended before born"
    if rows:
        t = measurements.scan_t_s[history.scan]
        firm = history.firm
        assert np.all(t[firm] >= history.firm_t_s[history.track[firm]]), f"{label}: firm row before its firm time"
        assert np.all(t[~firm] < history.firm_t_s[history.track[~firm]]), f"{label}: tentative row after firm time"
        # One row per live track per scan.
        pairs = history.scan * (n + 1) + history.track
        assert np.unique(pairs).size == rows, f"{label}: a track appears twice in one scan"
    assert np.all(np.isin(history.truth, np.append(np.unique(measurements.truth), FALSE_ALARM))), (
        f"{label}: a track labelled with an object never detected")


def check_no_scans(tracker: Tracker) -> None:
    """No scans, and scans without detections: no tracks."""
    for n_scans in (0, 5):
        measurements = empty_measurements(n_scans)
        history = tracker.track(measurements, np.random.default_rng(0))
        _assert_valid(history, measurements, f"{n_scans} empty scans")
        assert history.n_tracks == 0 and history.scan.size == 0, f"{n_scans} empty scans: tracks appeared"


def check_deterministic(tracker: Tracker) -> None:
    """The same measurements (and seed): the same history, bit for bit."""
    _, measurements = scenario(tracker, 15, 12, seed=5, radar=test_radar(0.8, false_alarms_per_scan=20))
    first = tracker.track(measurements, np.random.default_rng(1))
    second = tracker.track(measurements, np.random.default_rng(1))
    _assert_valid(first, measurements, "deterministic")
    for name in first.__dataclass_fields__:
        assert np.array_equal(getattr(first, name), getattr(second, name)), f"{name} differs between two runs"


def check_does_not_mutate(tracker: Tracker) -> None:
    _, measurements = scenario(tracker, 5, 8, seed=6, radar=test_radar(0.9, false_alarms_per_scan=5))
    before = {name: np.array(getattr(measurements, name), copy=True) for name in measurements.__dataclass_fields__}
    tracker.track(measurements, np.random.default_rng(0))
    for name, value in before.items():
        assert np.array_equal(np.asarray(getattr(measurements, name)), value), f"track mutated {name}"


def check_one_track_per_object(tracker: Tracker) -> None:
    """Well-separated objects, every one detected on every scan, no false alarms: exactly one track
    each, labelled with its object, alive to the end, and firm no later than the scan at which
    every confirmation rule in use (M-of-N with M <= N <= 5) has had its chance."""
    n_objects, n_scans = 12, 15
    # Nominal motion: a manoeuvre can carry a detection out of any gate, which is not what this
    # check is about.
    _, measurements = scenario(tracker, n_objects, n_scans, seed=7, switching=False)
    history = tracker.track(measurements, np.random.default_rng(0))
    _assert_valid(history, measurements, "separated objects")
    assert history.n_tracks == n_objects, f"{history.n_tracks} tracks for {n_objects} objects"
    assert sorted(history.truth.tolist()) == list(range(n_objects)), f"labels {sorted(history.truth.tolist())}"
    assert np.all(np.isinf(history.end_t_s)), "a track of an object seen on every scan was dropped"
    assert np.all(history.born_t_s == measurements.scan_t_s[0]), "tracks not started on the first scan"
    assert np.all(history.firm_t_s <= measurements.scan_t_s[4]), f"firm times {history.firm_t_s}"


def check_lost_object_dropped(tracker: Tracker) -> None:
    """An object that stops being detected: its track ends after its last detection, and no
    track starts after it."""
    radar = test_radar()
    states, _ = scenario(tracker, 1, 30, seed=8, radar=radar, switching=False)
    states[:, 10:] = np.nan
    rng = np.random.default_rng(9)
    scan_t_s = np.arange(30) * radar.scan_period_s
    measurements = radar.measure(scan_t_s, states[..., :3], np.zeros(1, np.int64), rng)
    history = tracker.track(measurements, np.random.default_rng(0))
    _assert_valid(history, measurements, "lost object")
    assert history.n_tracks == 1, f"{history.n_tracks} tracks for one object"
    assert scan_t_s[9] < history.end_t_s[0] < np.inf, f"track ended at {history.end_t_s[0]}"


def check_consistent(tracker: Tracker) -> None:
    """Normalised estimation error squared of one object's firm track, averaged over 60 Monte Carlo
    runs and scans 10..29, inside the two-sided 99.9 % chi-square interval of a consistent filter
    (6 degrees of freedom; Bar-Shalom, Li and Kirubarajan 2001, chapter 5). The interval treats
    the 20 scans as one sample (their errors are correlated), which makes it wider, never narrower,
    than the exact one."""
    runs = 60
    values = []
    for run in range(runs):
        states, measurements = scenario(tracker, 1, 30, seed=1000 + run)
        history = tracker.track(measurements, np.random.default_rng(run))
        rows = (history.scan >= 10) & history.firm & (history.truth[history.track] == 0)
        assert np.unique(history.scan[rows]).size == 20, f"run {run}: no single firm track on scans 10..29"
        error = history.mean[rows] - states[0, history.scan[rows], :6]
        values.append(nees(error, history.covariance[rows]).mean())
    low, high = chi2.ppf([0.0005, 0.9995], 6 * runs) / runs
    average = float(np.mean(values))
    assert low <= average <= high, f"average NEES {average:.2f} outside [{low:.2f}, {high:.2f}]"


CHECKS: list[Callable[[Tracker], None]] = [
    check_no_scans,
    check_deterministic,
    check_does_not_mutate,
    check_one_track_per_object,
    check_lost_object_dropped,
    check_consistent,
]


def check_tracker(tracker: Tracker) -> None:
    """Run every check in `CHECKS`."""
    for check in CHECKS:
        check(tracker)


def brute_force_gnn(cost: np.ndarray, missed_cost: float) -> tuple[np.ndarray, float]:
    """The least-cost one-to-one assignment of a small dense (tracks, detections) cost matrix by
    enumeration (inf: forbidden pair); a track left without a detection costs `missed_cost`."""
    n_tracks, n_detections = cost.shape
    best, best_cost = np.full(n_tracks, -1), n_tracks * missed_cost
    options = [-1, *range(n_detections)]
    for choice in itertools.product(options, repeat=n_tracks):
        used = [c for c in choice if c >= 0]
        if len(used) != len(set(used)):
            continue
        total = sum(missed_cost if c < 0 else cost[t, c] for t, c in enumerate(choice))
        if total < best_cost - 1e-12:
            best, best_cost = np.array(choice), total
    return best, float(best_cost)


def turning_flight(n_scans: int = 60, period_s: float = 2.0, turn_g: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """(scan times (K,), true states (1, K, 6)) of one object flying straight east at 250 m/s from
    60 km north of the radar at 3 km altitude for 40 s, turning left at `turn_g` for 30 s (a
    coordinated turn: rate = n g / speed), then straight again; the turn is flown exactly on the
    circle, step by step."""
    state = np.array([0.0, 60_000.0, 3_000.0, 250.0, 0.0, 0.0])
    states = [state.copy()]
    rate = turn_g * 9.80665 / 250.0
    for k in range(1, n_scans):
        if 40.0 <= k * period_s < 70.0:
            angle = rate * period_s
            c, s = np.cos(angle), np.sin(angle)
            ve, vn = state[3], state[4]
            state[0] += (ve * s - vn * (1 - c)) / rate
            state[1] += (vn * s + ve * (1 - c)) / rate
            state[3], state[4] = ve * c - vn * s, ve * s + vn * c
        else:
            state[:3] += period_s * state[3:]
        states.append(state.copy())
    return np.arange(n_scans) * period_s, np.array(states)[None]



def turning_flight_scans(trackers: dict[str, Tracker], runs: int = 30, seed: int = 300):
    """Each tracker's history on `runs` seeded flights of `turning_flight`, seen by a radar with
    Pd 1, 20 m and 0.05 deg noise: yields (tracker name, scan index, phase, true position (1, 3)
    at the scan, history) for every scan after the first 20 s (the tracks settled), the phase
    being "turn" from 4 s into the turn to its end, else "straight"."""
    radar = test_radar(1.0, range_sigma_m=20.0, bearing_sigma_deg=0.05)
    for run in range(runs):
        rng = np.random.default_rng(seed + run)
        scan_t_s, states = turning_flight()
        measurements = radar.measure(scan_t_s, states[..., :3], np.zeros(1, np.int64), rng)
        for name, tracker in trackers.items():
            history = tracker.track(measurements)
            for k, t in enumerate(scan_t_s):
                phase = "turn" if 44.0 <= t < 74.0 else "straight" if t >= 20.0 else None
                if phase is not None:
                    yield name, k, phase, states[:, k, :3], history