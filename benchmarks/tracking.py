"""Tracking: shieldwall's trackers against Stone Soup's, on the same measurement sets.

    python benchmarks/tracking.py [--setup cv-gnn] [--targets 10 100 1000] [--scans 60] [--oracle-scans 30 5 0]

Set-ups (`--setup`): `cv-gnn`, the EKF with constant velocity and GNN (the default); `ct-gnn`, the
coordinated turn with GNN, on objects turning at rates drawn in +-0.05 rad/s; `cv-jpda`, constant
velocity with JPDA for firm tracks (Stone Soup: JPDAwithEHM, the same marginals); `imm-cv-ct`, the
IMM of constant velocity and coordinated turn, on objects switching between the two (modes of 30 s
on average). Stone Soup has no IMM of these models here, so `imm-cv-ct` reports, as its baseline,
the OSPA of the constant-velocity and coordinated-turn trackers on the same measurement sets.

For each raid size: objects flown at nearly constant velocity 20-380 km from one radar scanning at
1 Hz (Pd 0.9, 10 false alarms per scan, 30 m and 0.1 deg noise), measured by shieldwall from a
seeded Generator. shieldwall tracks all `--scans`; Stone Soup (the baseline, the same models:
shieldwall.tracking._stonesoup) tracks the first `--oracle-scans` of the same set, 0 to skip it,
and shieldwall is timed again on that same prefix so that both times cover the same work. Stone
Soup's GNN scores every track against every detection (some 100 us a pair), so its scans grow
with the square of the raid: the default (under a minute) runs it on 10 scans of the 100-object
raid and skips the 1,000-object raid; `--oracle-scans 60 10 2` (about 5 minutes more) measures it
on two scans, enough for its 2-of-3 rule to confirm tracks on the second.

Reports time per scan, the ratio Stone Soup / shieldwall (the speed-up), OSPA (c = 5 km, p = 1
and 2, averaged over scans) and its ratio shieldwall / Stone Soup, and the real-time factor (time
per scan over the 1 s scan period; below 1 is faster than real time). Numba's compile time is
spent on a warm-up run first. Figures go to benchmarks/results/tracking.json (`cv-gnn`) or
tracking-<setup>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import shieldwall
from shieldwall.tracking import (ConstantVelocity, CoordinatedTurn, ImmTracker, KalmanTracker, Measurements, Tracker,
                                 ospa)
from shieldwall.tracking.testing import fly, test_radar

PERIOD_S = 1.0
NOISE_M2PS3 = 1.0
TURN_NOISE_RAD2PS3 = 1e-5
DETECTION_PROBABILITY = 0.9
CUTOFF_M = 5_000.0
GOAL_SPEEDUP = 100.0
STRAIGHT = ConstantVelocity(NOISE_M2PS3)
TURN = CoordinatedTurn(NOISE_M2PS3, TURN_NOISE_RAD2PS3)
SETUPS = {
    # name: (tracker, how the objects fly (fly's keyword arguments), Stone Soup's arguments or None)
    "cv-gnn": (KalmanTracker(STRAIGHT), {"motion": STRAIGHT}, {"motion": STRAIGHT}),
    "ct-gnn": (KalmanTracker(TURN), {"motion": TURN}, {"motion": TURN}),
    "cv-jpda": (KalmanTracker(STRAIGHT, association="jpda", detection_probability=DETECTION_PROBABILITY),
                {"motion": STRAIGHT},
                {"motion": STRAIGHT, "association": "jpda-ehm", "detection_probability": DETECTION_PROBABILITY}),
    "imm-cv-ct": (ImmTracker((STRAIGHT, TURN), mode_sojourn_s=30.0),
                  {"motion": STRAIGHT, "modes": (STRAIGHT, TURN), "mode_sojourn_s": 30.0}, None),
}
BASELINES = {"cv-gnn": KalmanTracker(STRAIGHT), "ct-gnn": KalmanTracker(TURN)}
"""Trackers whose OSPA is reported beside a set-up without a Stone Soup equivalent."""


def prefix(measurements: Measurements, n_scans: int) -> Measurements:
    """The first n_scans scans of a measurement set."""
    end = int(measurements.first[n_scans])
    return Measurements(scan_t_s=measurements.scan_t_s[:n_scans], first=measurements.first[:n_scans + 1],
                        range_m=measurements.range_m[:end], bearing_rad=measurements.bearing_rad[:end],
                        elevation_rad=measurements.elevation_rad[:end], truth=measurements.truth[:end],
                        noise_sigma=measurements.noise_sigma, clutter_density=measurements.clutter_density)


def mean_ospa(states: np.ndarray, per_scan_means: list[np.ndarray], order: int) -> float:
    return float(np.mean([ospa(states[:, k, :3], est[:, :3], CUTOFF_M, order) for k, est in enumerate(per_scan_means)]))


def shieldwall_run(tracker: Tracker, measurements: Measurements, repeats: int) -> tuple[float, list[np.ndarray]]:
    """(best time per scan over `repeats` runs, firm track means per scan)."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        history = tracker.track(measurements)
        best = min(best, (time.perf_counter() - start) / measurements.n_scans)
    return best, [history.at_scan(k)[1] for k in range(measurements.n_scans)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=sorted(SETUPS), default="cv-gnn")
    parser.add_argument("--targets", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--oracle-scans", type=int, nargs="+", default=[60, 10, 0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    if len(args.oracle_scans) != len(args.targets):
        parser.error("--oracle-scans needs one count per --targets entry")
    tracker, flight, oracle_arguments = SETUPS[args.setup]
    flight = dict(flight)
    motion = flight.pop("motion")

    radar = test_radar(0.9, range_sigma_m=30.0, bearing_sigma_deg=0.1, false_alarms_per_scan=10.0,
                       scan_period_s=PERIOD_S)
    start = time.perf_counter()
    warm_states = fly(motion, 5, np.arange(5.0), np.random.default_rng(0), **flight)
    shieldwall_run(tracker, radar.measure(np.arange(5.0), warm_states[..., :3], np.zeros(5, np.int64),
                                          np.random.default_rng(0)), 1)
    warm_up_s = time.perf_counter() - start

    rows = []
    for n_targets, oracle_scans in zip(args.targets, args.oracle_scans):
        rng = np.random.default_rng([args.seed, n_targets])
        scan_t_s = np.arange(args.scans) * PERIOD_S
        states = fly(motion, n_targets, scan_t_s, rng, range_m=(20_000.0, 380_000.0), **flight)
        measurements = radar.measure(scan_t_s, states[..., :3], np.zeros(n_targets, np.int64), rng)
        per_scan_s, means = shieldwall_run(tracker, measurements, repeats=3)
        row = {
            "setup": args.setup,
            "targets": n_targets,
            "scans": args.scans,
            "detections_per_scan": round(measurements.range_m.size / args.scans, 1),
            "shieldwall_s_per_scan": round(per_scan_s, 6),
            "shieldwall_real_time_factor": round(per_scan_s / PERIOD_S, 5),
            "shieldwall_ospa_p1_m": round(mean_ospa(states, means, 1), 2),
            "shieldwall_ospa_p2_m": round(mean_ospa(states, means, 2), 2),
        }
        if oracle_arguments is None:
            for name, baseline in BASELINES.items():
                _, baseline_means = shieldwall_run(baseline, measurements, repeats=1)
                row[f"{name}_ospa_p1_m"] = round(mean_ospa(states, baseline_means, 1), 2)
                row[f"{name}_ospa_p2_m"] = round(mean_ospa(states, baseline_means, 2), 2)
        elif oracle_scans > 0:
            from shieldwall.tracking import _stonesoup

            part = prefix(measurements, oracle_scans)
            sw_s, sw_means = shieldwall_run(tracker, part, repeats=3)
            start = time.perf_counter()
            oracle = _stonesoup.track(part, confirm=(2, 3), delete_after_misses=3, **oracle_arguments)
            ss_s = (time.perf_counter() - start) / oracle_scans
            ss_means = [m for _, m in oracle]
            sw_ospa = [mean_ospa(states, sw_means, p) for p in (1, 2)]
            ss_ospa = [mean_ospa(states, ss_means, p) for p in (1, 2)]
            row.update({
                "oracle_scans": oracle_scans,
                "shieldwall_s_per_scan_on_oracle_scans": round(sw_s, 6),
                "stonesoup_s_per_scan": round(ss_s, 4),
                "speedup_over_stonesoup": round(ss_s / sw_s, 1),
                "ratio_to_goal_100x": round(ss_s / sw_s / GOAL_SPEEDUP, 2),
                "shieldwall_ospa_p1_m_on_oracle_scans": round(sw_ospa[0], 2),
                "stonesoup_ospa_p1_m": round(ss_ospa[0], 2),
                "ospa_p1_ratio": round(sw_ospa[0] / ss_ospa[0], 5),
                "shieldwall_ospa_p2_m_on_oracle_scans": round(sw_ospa[1], 2),
                "stonesoup_ospa_p2_m": round(ss_ospa[1], 2),
                "ospa_p2_ratio": round(sw_ospa[1] / ss_ospa[1], 5),
            })
        rows.append(row)
        print(json.dumps(row))

    figures = {
        "benchmark": "tracking",
        "radar": {"scan_period_s": PERIOD_S, "detection_probability": 0.9, "false_alarms_per_scan": 10.0,
                  "range_sigma_m": 30.0, "bearing_sigma_deg": 0.1, "elevation_sigma_deg": 0.1},
        "setup": args.setup,
        "tracker": {"motion": [m.name for m in getattr(tracker, "motions", (tracker.motion,))],
                    "noise_m2ps3": NOISE_M2PS3, "turn_noise_rad2ps3": TURN_NOISE_RAD2PS3,
                    "association": tracker.association, "detection_probability": tracker.detection_probability,
                    "confirm": list(tracker.confirm), "delete_after_misses": tracker.delete_after_misses,
                    "gate_probability": tracker.gate_probability},
        "ospa_cutoff_m": CUTOFF_M,
        "seed": args.seed,
        "warm_up_s": round(warm_up_s, 2),
        "raids": rows,
        "shieldwall": shieldwall.__version__,
        "stonesoup": _stonesoup_version(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ("tracking.json" if args.setup == "cv-gnn" else f"tracking-{args.setup}.json")
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {path}")


def _stonesoup_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("stonesoup")
    except Exception:  # not installed: the oracle columns are absent
        return None


if __name__ == "__main__":
    main()
