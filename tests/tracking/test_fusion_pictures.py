"""Two partners' pictures: frames, track-to-track association and fusion by covariance
intersection."""

import numpy as np
import pymap3d
import pytest

from shieldwall.tracking import ConstantVelocity, KalmanTracker, change_frame, fuse_pictures, nees, ospa
from shieldwall.tracking.testing import fly, test_radar

SITE_A = (32.0, 35.0, 100.0)
SITE_B = (32.5, 35.6, 800.0)


def test_change_frame_matches_pymap3d():
    rng = np.random.default_rng(0)
    state = np.column_stack([rng.uniform(-200e3, 200e3, (20, 2)), rng.uniform(0, 20e3, 20),
                             rng.uniform(-300, 300, (20, 3))])
    moved, _ = change_frame(state, np.tile(np.eye(6), (20, 1, 1)), SITE_A, SITE_B)
    lat, lon, alt = pymap3d.enu2geodetic(*state[:, :3].T, *SITE_A)
    expected = np.column_stack(pymap3d.geodetic2enu(lat, lon, alt, *SITE_B))
    assert np.allclose(moved[:, :3], expected, atol=1e-3)
    # Velocities: ENU of one frame to ECEF axes, then to the other's ENU axes.
    u, v, w = pymap3d.enu2uvw(*state[:, 3:].T, SITE_A[0], SITE_A[1])
    expected_velocity = np.column_stack(pymap3d.uvw2enu(u, v, w, SITE_B[0], SITE_B[1]))
    assert np.allclose(moved[:, 3:], expected_velocity, atol=1e-9)


def test_change_frame_keeps_statistical_distances():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 6))
    cov = a @ a.T + np.eye(6)
    error = rng.standard_normal(6)
    state = np.array([1e4, 2e4, 3e3, 100.0, -50.0, 0.0])
    m1, c1 = change_frame(state, cov, SITE_A, SITE_B)
    m2, c2 = change_frame(state + error, cov, SITE_A, SITE_B)
    assert nees(m2 - m1, c1)[0] == pytest.approx(nees(error, cov)[0], rel=1e-9)
    assert np.trace(c1[0]) == pytest.approx(np.trace(cov), rel=1e-12)
    back, back_cov = change_frame(m1, c1, SITE_B, SITE_A)
    assert np.allclose(back[0], state, atol=1e-6) and np.allclose(back_cov[0], cov, atol=1e-9)


def test_fusing_two_radars_beats_either():
    # Ten objects seen by two radars some 80 km apart: each radar's errors are long across its line
    # of sight, in different directions, so the fused picture is closer to the truth than either.
    rng = np.random.default_rng(2)
    n_objects, n_scans = 10, 40
    scan_t_s = np.arange(n_scans) * 2.0
    truth_a = fly(ConstantVelocity(1.0), n_objects, scan_t_s, rng, range_m=(30_000.0, 120_000.0))
    truth_b, _ = change_frame(truth_a.reshape(-1, 6), np.zeros((n_objects * n_scans, 6, 6)), SITE_A, SITE_B)
    truth_b = truth_b.reshape(n_objects, n_scans, 6)
    radar = test_radar(0.95, range_sigma_m=20.0, bearing_sigma_deg=0.3)
    tracker = KalmanTracker(ConstantVelocity(1.0))
    history_a = tracker.track(radar.measure(scan_t_s, truth_a[..., :3], np.zeros(n_objects, np.int64), rng))
    history_b = tracker.track(radar.measure(scan_t_s, truth_b[..., :3], np.zeros(n_objects, np.int64), rng))
    scores = {"a": [], "b": [], "fused": []}
    fused_nees = []
    for k in range(20, n_scans):
        _, mean_a, cov_a = history_a.at_scan(k)
        _, mean_b, cov_b = history_b.at_scan(k)
        mean_b, cov_b = change_frame(mean_b, cov_b, SITE_B, SITE_A)
        means, covs, source_a, source_b = fuse_pictures(mean_a, cov_a, mean_b, cov_b)
        assert means.shape[0] == n_objects and np.all((source_a >= 0) & (source_b >= 0))
        truth = truth_a[:, k, :3]
        scores["a"].append(ospa(truth, mean_a[:, :3], 5_000.0, 2))
        scores["b"].append(ospa(truth, mean_b[:, :3], 5_000.0, 2))
        scores["fused"].append(ospa(truth, means[:, :3], 5_000.0, 2))
        nearest = np.argmin(np.linalg.norm(means[:, None, :3] - truth[None], axis=2), axis=1)
        fused_nees.append(nees(means[:, :3] - truth[nearest], covs[:, :3, :3]))
    rms = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in scores.items()}
    assert rms["fused"] < 0.8 * min(rms["a"], rms["b"]), rms
    # Covariance intersection is conservative: the fused position errors are no larger than the
    # fused covariance says (mean NEES, 3 degrees of freedom, at most its expected 3).
    assert np.mean(np.concatenate(fused_nees)) <= 3.0


def test_unpaired_tracks_are_kept():
    mean_a = np.array([[0.0, 0, 0, 0, 0, 0], [1e5, 0, 0, 0, 0, 0]])
    mean_b = np.array([[10.0, 0, 0, 0, 0, 0], [-1e5, 0, 0, 0, 0, 0]])
    cov = np.tile(np.eye(6) * 100.0, (2, 1, 1))
    means, covs, source_a, source_b = fuse_pictures(mean_a, cov, mean_b, cov)
    assert source_a.tolist() == [0, 1, -1] and source_b.tolist() == [0, -1, 1]
    assert means[0, 0] == pytest.approx(5.0)  # equal covariances: CI at w = 1/2, the midpoint
