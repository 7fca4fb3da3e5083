"""M-of-N confirmation on a track's sequence of looks, sampled without stepping look by look.

The rule is KalmanTracker's: a detection that no track takes starts a tentative track; the track is
firm at the look where its M-th detection within its first N looks (the first one included)
arrives, and is dropped at the first look after which M can no longer be reached; the next
detection then starts a new tentative track. With a constant probability of detection per look
Pd, the looks missed before each track starts are geometric, floor(ln u / ln(1 - Pd)) for u
uniform (inverse-CDF sampling, as the `radar` fidelity draws its first detection), and each of the
N - 1 looks of a confirmation window detects when its uniform is below Pd.
"""

from __future__ import annotations

import numpy as np


def firm_look(gap_u: np.ndarray, window_u: np.ndarray, detection_probability: np.ndarray,
              confirm: tuple[int, int]) -> np.ndarray:
    """(C,) look index (0 = the first look) at which each sequence first holds a firm track; inf
    where none of its A attempts confirms.

    gap_u: (C, A) uniforms in [0, 1) setting the looks missed before attempt a's first detection.
    window_u: (C, A, N - 1) uniforms of the looks after it (a detection where u < Pd).
    detection_probability: (C,) Pd per look.
    """
    m_needed, n_window = confirm
    if not 1 <= m_needed <= n_window:
        raise ValueError(f"confirm must be (M, N) with 1 <= M <= N, got {confirm}")
    pd = np.asarray(detection_probability, dtype=float)
    n_sequences, n_attempts = gap_u.shape
    certain = pd >= 1.0
    never = pd <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_miss = np.log1p(-np.where(certain | never, 0.5, pd))
    firm = np.full(n_sequences, np.inf)
    next_look = np.zeros(n_sequences)
    open_ = ~never
    for a in range(n_attempts):
        gap = np.where(certain, 0.0, np.floor(np.log1p(-gap_u[:, a]) / log_miss))
        start = next_look + gap
        count = np.ones(n_sequences, dtype=np.int64)
        decided_at = np.where(m_needed <= 1, 0, -1)
        confirmed = np.full(n_sequences, m_needed <= 1)
        for age in range(1, n_window):
            undecided = decided_at < 0
            count += undecided & (window_u[:, a, age - 1] < pd)
            now_firm = undecided & (count >= m_needed)
            hopeless = undecided & ~now_firm & (count + (n_window - 1 - age) < m_needed)
            confirmed |= now_firm
            decided_at = np.where(now_firm | hopeless, age, decided_at)
        take = open_ & confirmed
        firm = np.where(take, start + decided_at, firm)
        open_ &= ~confirmed
        next_look = start + decided_at + 1
        if not open_.any():
            break
    return firm
