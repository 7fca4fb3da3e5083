"""M-of-N confirmation and deletion after misses, on constructed detection patterns."""

import itertools

import numpy as np
import pytest

from shieldwall.tracking import ConstantVelocity, KalmanTracker, Measurements

POINT = (40_000.0, np.pi / 3, 0.05)  # range_m, bearing_rad, elevation_rad of a stationary object


def _pattern(hits, period_s=2.0):
    hits = np.asarray(hits, dtype=bool)
    n = int(hits.sum())
    return Measurements(scan_t_s=np.arange(hits.size) * period_s,
                        first=np.concatenate([[0], np.cumsum(hits)]).astype(np.int64),
                        range_m=np.full(n, POINT[0]), bearing_rad=np.full(n, POINT[1]),
                        elevation_rad=np.full(n, POINT[2]), truth=np.zeros(n, np.int64),
                        noise_sigma=(30.0, 0.002, 0.002))


def _reference(hits, m, n, misses_to_delete):
    """(born scan, firm scan or None, end scan or None) of each track, by the rule as stated: a
    detection no live track takes starts a tentative track; a tentative track is firm at the scan
    its M-th detection within its first N scans arrives, and is dropped at the first scan after
    which M can no longer be reached; a firm track is dropped at its `misses_to_delete`-th miss in a
    row."""
    tracks, live = [], None
    for k, hit in enumerate(hits):
        taken = False
        if live is not None:
            age = k - live["born"]
            taken = bool(hit)
            if live["firm"] is None:
                live["count"] += int(hit and age < n)
                if live["count"] >= m:
                    live["firm"] = k
                elif live["count"] + max(n - 1 - age, 0) < m:
                    live["end"] = k
            else:
                live["misses"] = 0 if hit else live["misses"] + 1
                if live["misses"] >= misses_to_delete:
                    live["end"] = k
            if live["end"] is not None:
                tracks.append(live)
                live = None
        if hit and not taken:
            live = {"born": k, "count": 1, "firm": k if m <= 1 else None, "end": None, "misses": 0}
    if live is not None:
        tracks.append(live)
    return [(t["born"], t["firm"], t["end"]) for t in tracks]


def _observed(history, period_s=2.0):
    def scan(t):
        return None if np.isinf(t) else int(round(t / period_s))

    return [(scan(b), scan(f), scan(e)) for b, f, e in zip(history.born_t_s, history.firm_t_s, history.end_t_s)]


@pytest.mark.parametrize("m, n, misses", [(1, 1, 1), (2, 2, 2), (2, 3, 3), (3, 5, 2), (3, 4, 4)])
def test_every_pattern_of_eight_scans_follows_the_rule(m, n, misses):
    tracker = KalmanTracker(ConstantVelocity(1.0), confirm=(m, n), delete_after_misses=misses)
    for hits in itertools.product([0, 1], repeat=8):
        history = tracker.track(_pattern(hits))
        assert _observed(history) == _reference(hits, m, n, misses), f"pattern {hits}"


def test_two_of_three_by_hand():
    tracker = KalmanTracker(ConstantVelocity(1.0), confirm=(2, 3), delete_after_misses=2)
    # Detected on scans 0 and 2: firm at scan 2 (t = 4 s).
    history = tracker.track(_pattern([1, 0, 1, 1, 1]))
    assert history.firm_t_s.tolist() == [4.0]
    # Scans 0 then 3: the first track cannot reach 2 of 3 after missing scans 1 and 2; a new one
    # starts on scan 3 and is firm on scan 4; it is dropped on its second miss in a row, scan 6.
    history = tracker.track(_pattern([1, 0, 0, 1, 1, 0, 0, 1]))
    assert history.born_t_s.tolist() == [0.0, 6.0, 14.0]
    assert history.firm_t_s.tolist() == [np.inf, 8.0, np.inf]
    assert history.end_t_s.tolist() == [4.0, 12.0, np.inf]


@pytest.mark.parametrize("m, n", [(1, 1), (2, 3), (3, 5), (2, 2)])
def test_sampled_firm_look_is_the_trackers(m, n):
    # firm_look (the `tracked` fidelity's shortcut) against the tracker itself: the looks its draws
    # stand for are written out as a detection pattern and tracked.
    from shieldwall.tracking import firm_look

    rng = np.random.default_rng(m * 10 + n)
    n_sequences, attempts = 60, 6
    pd = rng.uniform(0.3, 1.0, n_sequences)
    gap_u, window_u = rng.random((n_sequences, attempts)), rng.random((n_sequences, attempts, n - 1))
    looks = firm_look(gap_u, window_u, pd, (m, n))
    tracker = KalmanTracker(ConstantVelocity(1.0), confirm=(m, n), delete_after_misses=3)
    for c in range(n_sequences):
        pattern = []
        for a in range(attempts):
            gap = 0 if pd[c] >= 1 else int(np.floor(np.log1p(-gap_u[c, a]) / np.log1p(-pd[c])))
            pattern += [0] * gap + [1]
            count, confirmed = 1, m <= 1
            for age in range(1, n):
                if confirmed or count + (n - age) < m:  # decided at the previous look
                    break
                hit = window_u[c, a, age - 1] < pd[c]
                pattern.append(int(hit))
                count += hit
                confirmed = count >= m
            if confirmed:
                break
        history = tracker.track(_pattern(pattern + [1, 1]))
        firm = np.min(history.firm_t_s) / 2.0
        expected = firm if confirmed else np.inf
        assert looks[c] == expected, f"sequence {c}: firm_look {looks[c]}, tracker {expected}"
