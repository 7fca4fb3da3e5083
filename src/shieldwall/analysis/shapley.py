"""Shapley values and leave-one-out values of a cooperative game, exact or by sampled permutations.

A game over n players is given by its characteristic function as a mapping from coalition
bitmask (bit k set: player k is in) to v(S). Values may be arrays (e.g. one entry per Monte Carlo
replication): the Shapley value is linear in v, so the Shapley value of the array is the array of
per-replication Shapley values, and its mean and interval follow.

Exact: phi_k = sum over S not containing k of |S|! (n - |S| - 1)! / n! * (v(S + k) - v(S))
(Shapley 1953, "A value for n-person games"). Sampled: the mean marginal contribution of k over
m uniformly random orders of the players, with standard error s / sqrt(m) (Castro, Gomez and
Tejada 2009, "Polynomial calculation of the Shapley value based on sampling").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import factorial

import numpy as np

Game = Mapping[int, np.ndarray | float]

EXACT_LIMIT = 12
"""Exact Shapley needs all 2^n coalitions: 4,096 at n = 12. Beyond it, sample permutations."""


def members(mask: int, n: int) -> list[int]:
    return [k for k in range(n) if mask >> k & 1]


def all_coalitions(n: int) -> list[int]:
    return list(range(1 << n))


def _stack(game: Game, masks) -> np.ndarray:
    return np.array([np.asarray(game[m], dtype=float) for m in masks])


def exact_shapley(game: Game, n: int) -> np.ndarray:
    """Shapley value of each player: array of shape (n, *value_shape)."""
    if n > EXACT_LIMIT + 8:
        raise ValueError(f"exact Shapley over {n} players needs 2^{n} coalitions; sample permutations")
    masks = np.arange(1 << n)
    size = np.array([bin(m).count("1") for m in masks])
    values = _stack(game, masks)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) if s < n else 0.0 for s in range(n + 1)])
    out = []
    for k in range(n):
        bit = 1 << k
        without = masks[(masks & bit) == 0]
        w = weight[size[without]]
        out.append(np.tensordot(w, values[without | bit] - values[without], axes=(0, 0)))
    return np.array(out)


def sample_permutations(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """m uniformly random orders of n players, shape (m, n)."""
    if m < 2:
        raise ValueError("sampled Shapley needs at least 2 permutations (for a standard error)")
    return np.array([rng.permutation(n) for _ in range(m)], dtype=np.int64).reshape(m, n)


def coalitions_of(permutations: np.ndarray) -> set[int]:
    """Every coalition (bitmask) that the prefixes of these orders visit, the empty one included."""
    needed = {0}
    for order in permutations:
        mask = 0
        for k in order:
            mask |= 1 << int(k)
            needed.add(mask)
    return needed


def sampled_shapley(game: Game, permutations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(estimate, standard error) of each player's Shapley value from the given orders.

    The estimate has shape (n, *value_shape): per player, the mean over orders of its marginal
    contribution. The standard error, shape (n,), is that of the permutation sampling alone, taken
    on the mean of the values over their trailing axes (e.g. over replications).
    """
    m, n = permutations.shape
    first = np.asarray(game[0], dtype=float)
    total = np.zeros((n, *first.shape))
    means = np.zeros((m, n))
    for p, order in enumerate(permutations):
        mask, previous = 0, first
        for k in order:
            mask |= 1 << int(k)
            current = np.asarray(game[mask], dtype=float)
            contribution = current - previous
            total[k] += contribution
            means[p, k] = float(np.mean(contribution))
            previous = current
    se = means.std(axis=0, ddof=1) / np.sqrt(m)
    return total / m, se


def leave_one_out(game: Game, n: int) -> np.ndarray:
    """v(N) - v(N without k) for each player k, shape (n, *value_shape)."""
    grand = (1 << n) - 1
    return np.array([np.asarray(game[grand], float) - np.asarray(game[grand & ~(1 << k)], float) for k in range(n)])


def game_from(function: Callable[[frozenset[int]], float], n: int) -> dict[int, float]:
    """Tabulate a characteristic function given on sets of player indices."""
    return {m: function(frozenset(members(m, n))) for m in all_coalitions(n)}
