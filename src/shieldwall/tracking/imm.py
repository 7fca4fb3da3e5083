"""Interacting multiple model tracker: several motion models run side by side on each track, mixed
at each scan by a Markov chain of mode switches and weighted by how well each explains the
detections (Blom and Bar-Shalom, "The interacting multiple model algorithm for systems with
Markovian switching coefficients", IEEE Trans. Automatic Control 33(8), 1988; Bar-Shalom, Li and
Kirubarajan 2001, chapter 11).

Per track and scan, with mode probabilities mu, mode switch matrix Pi over the interval:
    c_j = sum_i Pi_ij mu_i;  mixing weights w_ij = Pi_ij mu_i / c_j
    x0_j = sum_i w_ij x_i;   P0_j = sum_i w_ij (P_i + (x_i - x0_j)(x_i - x0_j)')
then each mode predicts (x0_j, P0_j) with its own motion model. Association uses the combination
sum_j c_j (x_j, P_j + spread); a detection updates every mode with its EKF, and the mode
probabilities become mu_j proportional to c_j N(nu_j; 0, S_j); a track without a detection keeps
mu_j = c_j (a miss is as likely under every mode). The reported estimate is the mixture's mean
and covariance.

Modes switch as a continuous-time Markov chain: a mode lasts on average `mode_sojourn_s`, so over
an interval dt a track stays in its mode with probability exp(-dt / sojourn) and otherwise moves to
one of the others, equally likely.
"""

from __future__ import annotations

import numpy as np

from shieldwall.tracking.kalman import KalmanTracker, _Tracks, ekf_update, innovation, predict_measurements
from shieldwall.tracking.motion import MotionModel

LOG_2PI = np.log(2.0 * np.pi)


def _combine(probability: np.ndarray, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the Gaussian mixture with weights (T, r), means (T, r, d), covariances
    (T, r, d, d)."""
    combined = np.einsum("tj,tjd->td", probability, mean)
    spread = mean - combined[:, None, :]
    cov = np.einsum("tj,tjab->tab", probability, covariance) + np.einsum("tj,tja,tjb->tab", probability, spread, spread)
    return combined, 0.5 * (cov + cov.transpose(0, 2, 1))


class ImmTracker(KalmanTracker):
    """IMM-EKF multi-target tracker: `motions` run as modes; association, confirmation and deletion
    as in KalmanTracker (the other arguments are its; association by GNN only). `motion`, the
    first mode, is the nominal one the contract battery flies its objects with. Modes may differ in
    state size (constant velocity and coordinated turn): every mode carries the largest state, and
    a mode without the extra elements (the turn rate) leaves them as they are
    (MotionModel.predict)."""

    name = "imm"

    def __init__(self, motions: tuple[MotionModel, ...], mode_sojourn_s: float = 30.0, **kalman):
        super().__init__(motions[0] if motions else None, **kalman)
        self.motions = tuple(motions)
        self.mode_sojourn_s = mode_sojourn_s

    def _check(self) -> None:
        super()._check()
        if len(self.motions) < 1:
            raise ValueError("an IMM tracker needs at least one motion model")
        if not (np.isfinite(self.mode_sojourn_s) and self.mode_sojourn_s > 0):
            raise ValueError("mode_sojourn_s must be finite and > 0")
        if self.association != "gnn":
            raise ValueError("the IMM tracker associates by GNN only")

    def _n_modes(self) -> int:
        return len(self.motions)

    def _state_layout(self) -> tuple[int, tuple[float, ...]]:
        largest = max(self.motions, key=lambda motion: motion.state_size)
        return largest.state_size, tuple(largest.extra_prior_variance)

    def switch_matrix(self, dt_s: np.ndarray) -> np.ndarray:
        """(T, r, r) probability of moving from mode i to mode j over each interval dt_s."""
        r = len(self.motions)
        stay = np.exp(-np.abs(np.asarray(dt_s, dtype=float)) / self.mode_sojourn_s)
        if r == 1:
            return np.ones((stay.size, 1, 1))
        move = (1.0 - stay) / (r - 1)
        matrix = np.repeat(move[:, None, None], r, axis=1).repeat(r, axis=2)
        diagonal = np.arange(r)
        matrix[:, diagonal, diagonal] = stay[:, None]
        return matrix

    def _predict(self, live: _Tracks, dt_s) -> None:
        mu = live.mode_probability
        switch = self.switch_matrix(dt_s)
        prior = np.einsum("ti,tij->tj", mu, switch)
        weight = mu[:, :, None] * switch / np.maximum(prior[:, None, :], 1e-300)
        x = live.mode_mean
        mixed = np.einsum("tij,tid->tjd", weight, x)
        spread = x[:, :, None, :] - mixed[:, None, :, :]
        mixed_cov = (np.einsum("tij,tiab->tjab", weight, live.mode_covariance)
                     + np.einsum("tij,tija,tijb->tjab", weight, spread, spread))
        for j, motion in enumerate(self.motions):
            mean_j = np.ascontiguousarray(mixed[:, j])
            cov_j = np.ascontiguousarray(mixed_cov[:, j])
            motion.predict(mean_j, cov_j, dt_s)
            mixed[:, j], mixed_cov[:, j] = mean_j, cov_j
        live.mode_mean, live.mode_covariance, live.mode_probability = mixed, mixed_cov, prior
        live.mean[:], live.covariance[:] = _combine(prior, mixed, mixed_cov)

    def _update(self, live: _Tracks, predicted, jacobian, s, s_inv, z, track_rows, det_rows, noise_variance) -> None:
        if track_rows.size == 0:
            return
        n = track_rows.size
        log_likelihood = np.empty((n, len(self.motions)))
        order = np.arange(n)
        for j in range(len(self.motions)):
            mean_j = np.ascontiguousarray(live.mode_mean[track_rows, j])
            cov_j = np.ascontiguousarray(live.mode_covariance[track_rows, j])
            pred_j, jac_j, s_j, s_inv_j = predict_measurements(mean_j, cov_j, noise_variance)
            nu = innovation(z[det_rows], pred_j)
            log_likelihood[:, j] = -0.5 * (np.einsum("ta,tab,tb->t", nu, s_inv_j, nu)
                                           + np.linalg.slogdet(s_j)[1] + 3 * LOG_2PI)
            ekf_update(mean_j, cov_j, pred_j, jac_j, s_j, s_inv_j, np.ascontiguousarray(z[det_rows]), order, order)
            live.mode_mean[track_rows, j], live.mode_covariance[track_rows, j] = mean_j, cov_j
        # mu_j proportional to c_j * likelihood_j, in logs against under- and overflow.
        log_post = np.log(np.maximum(live.mode_probability[track_rows], 1e-300)) + log_likelihood
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        live.mode_probability[track_rows] = post
        live.mean[track_rows], live.covariance[track_rows] = _combine(
            post, live.mode_mean[track_rows], live.mode_covariance[track_rows])
