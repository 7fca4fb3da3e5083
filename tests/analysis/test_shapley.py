"""Shapley code on analytic games whose values are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from shieldwall.analysis import shapley


def glove_game():
    # Players 0, 1 hold left gloves, 2 a right glove: v = number of pairs. Shapley: (1/6, 1/6, 2/3).
    def v(s):
        return float(min(len(s & {0, 1}), len(s & {2})))

    return shapley.game_from(v, 3), np.array([1 / 6, 1 / 6, 2 / 3])


def weighted_voting():
    # Weights (4, 2, 1, 1, 0), quota 5: the big player is pivotal whenever it is not first (18 of
    # 24 orders of the four voters); each small one only right after it alone (2 of 24); the
    # zero-weight voter never. Shapley-Shubik index (3/4, 1/12, 1/12, 1/12, 0).
    weights = [4, 2, 1, 1, 0]

    def v(s):
        return float(sum(weights[k] for k in s) >= 5)

    return shapley.game_from(v, 5), np.array([3 / 4, 1 / 12, 1 / 12, 1 / 12, 0.0])


@pytest.mark.parametrize("make", [glove_game, weighted_voting])
def test_exact_matches_the_closed_form(make):
    game, expected = make()
    n = expected.size
    assert np.allclose(shapley.exact_shapley(game, n), expected)


def test_efficiency_symmetry_and_null_player_on_a_random_game():
    rng = np.random.default_rng(3)
    n = 6
    values = rng.normal(size=1 << n)
    values[0] = 0.0
    # Make players 1 and 2 symmetric and player 5 a null player.
    game = {}
    for m in range(1 << n):
        swapped = (m & ~0b110) | ((m >> 1 & 1) << 2) | ((m >> 2 & 1) << 1)
        base = min(m, swapped) & ~(1 << 5)
        game[m] = values[base]
    phi = shapley.exact_shapley(game, n)
    assert phi.sum() == pytest.approx(game[(1 << n) - 1] - game[0])
    assert phi[1] == pytest.approx(phi[2])
    assert phi[5] == pytest.approx(0.0, abs=1e-12)


def test_values_per_replication_are_linear():
    game, expected = glove_game()
    doubled = {m: np.array([v, 2 * v]) for m, v in game.items()}
    phi = shapley.exact_shapley(doubled, 3)
    assert np.allclose(phi[:, 0], expected) and np.allclose(phi[:, 1], 2 * expected)


def test_sampled_agrees_with_exact_within_its_standard_error():
    game, expected = weighted_voting()
    orders = shapley.sample_permutations(5, 400, np.random.default_rng(11))
    estimate, se = shapley.sampled_shapley(game, orders)
    assert np.all(se[:4] > 0)
    assert np.all(np.abs(estimate - expected) <= 4 * se + 1e-12)
    # Every order's marginal contributions add up to v(N): efficiency holds exactly.
    assert estimate.sum() == pytest.approx(1.0)


def test_leave_one_out():
    game, _ = glove_game()
    assert np.allclose(shapley.leave_one_out(game, 3), [0.0, 0.0, 1.0])
