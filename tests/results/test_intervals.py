"""Interval estimates against independent derivations, and their coverage on clustered samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from shieldwall.results.intervals import (
    ClusterSums,
    Estimate,
    Moments,
    amount_interval,
    count_interval,
    covariance,
    difference_interval,
    gamma_interval,
    mean_interval,
    moments,
    proportion_interval,
    ratio_interval,
    t_interval,
    wilson,
    wilson_interval,
)

Z = stats.norm.ppf(0.975)


def clustered(n: int, realisations: int) -> np.ndarray:
    """Each replication's raid realisation, in contiguous blocks as `shieldwall.run` assigns them."""
    return np.arange(n) * realisations // n


# --------------------------------------------------------------------------- the variance of a mean


def test_without_clusters_the_interval_is_students_t_interval():
    values = np.random.default_rng(3).exponential(2.0, 40)
    expected = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
    estimate = mean_interval(values)
    assert (estimate.low, estimate.high) == pytest.approx(expected, rel=1e-12)


def test_with_equal_clusters_it_is_the_t_interval_of_the_cluster_means():
    rng = np.random.default_rng(4)
    groups = clustered(60, 10)
    values = rng.normal(rng.normal(0, 1, 10)[groups], 1.0)
    means = np.array([values[groups == r].mean() for r in range(10)])
    expected = stats.t.interval(0.95, 9, loc=means.mean(), scale=stats.sem(means))
    estimate = mean_interval(values, groups)
    assert (estimate.low, estimate.high) == pytest.approx(expected, rel=1e-12)
    m = moments(values, groups)
    assert (m.df, m.clusters, m.n) == (9, 10, 60)


def test_cluster_labels_need_not_be_contiguous_or_numbered_from_zero():
    values = np.arange(12.0)
    groups = np.array([7, 3, 7, 3, 9, 9, 7, 3, 9, 7, 3, 9])
    renamed = np.unique(groups, return_inverse=True)[1]
    assert moments(values, groups) == moments(values, renamed)


def test_one_realisation_gives_no_interval():
    for estimate in (mean_interval(np.array([1.0, 2.0, 4.0]), np.zeros(3)),
                     count_interval(np.array([1.0, 2.0, 4.0]), np.zeros(3)),
                     proportion_interval(np.array([True, False, True]), np.zeros(3)),
                     count_interval(np.array([3.0]))):
        assert np.isfinite(estimate.mean) and np.isnan(estimate.low) and np.isnan(estimate.high)


def by_hand(values: np.ndarray, groups: np.ndarray) -> ClusterSums:
    """Per-cluster statistics written out a cluster at a time, clusters in sorted label order."""
    labels = sorted(set(groups.tolist()))
    return ClusterSums(np.array([np.sum(groups == g) for g in labels]),
                       np.array([sum(values[groups == g].tolist()) for g in labels]),
                       min(values.tolist()), max(values.tolist()))


def robust_by_definition(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """R / (R - 1) sum_r (sum_{i in r} (x_i - mean x)) (sum_{i in r} (y_i - mean y)) / n^2."""
    labels = sorted(set(groups.tolist()))
    r, n = len(labels), x.size
    total = sum(np.sum(x[groups == g] - x.mean()) * np.sum(y[groups == g] - y.mean()) for g in labels)
    return r / (r - 1) * total / n**2


@pytest.mark.parametrize("seed", range(5))
def test_moments_from_cluster_sums_match_the_definition(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, rng.integers(2, 12))  # uneven clusters, some of one replication
    groups = rng.permutation(np.repeat(rng.choice(1000, sizes.size, replace=False), sizes))
    x = rng.gamma(2.0, 3.0, groups.size) + rng.normal(0, 2, 1000)[groups]
    y = rng.poisson(3.0, groups.size).astype(float)
    sx, sy = by_hand(x, groups), by_hand(y, groups)
    for values, sums in ((x, sx), (y, sy)):
        m = moments(sums)
        assert m.mean == pytest.approx(values.mean(), rel=1e-12)
        assert m.variance == pytest.approx(robust_by_definition(values, values, groups), rel=1e-9)
        assert (m.df, m.n, m.clusters) == (sizes.size - 1, groups.size, sizes.size)
        assert vars(m) == pytest.approx(vars(moments(values, groups)), rel=1e-12)
    assert covariance(sx, sy) == pytest.approx(robust_by_definition(x, y, groups), rel=1e-9)
    assert covariance(x, y, groups) == pytest.approx(robust_by_definition(x, y, groups), rel=1e-9)


def test_moments_from_cluster_sums_of_a_constant_and_of_one_cluster():
    groups = np.repeat([4, 1, 9], [3, 7, 2])
    constant = moments(by_hand(np.full(12, 2.5), groups))
    assert constant == Moments(2.5, 0.0, 2, 12, 3)  # exact: no rounding of the sums enters
    assert constant == moments(np.full(12, 2.5), groups)
    values = np.arange(12.0)
    alone = moments(by_hand(values, np.zeros(12)))
    assert alone.mean == pytest.approx(5.5) and np.isnan(alone.variance) and (alone.df, alone.clusters) == (0, 1)
    assert np.isnan(moments(ClusterSums(np.array([5]), np.array([12.0]), 1.0, 4.0)).variance)
    assert np.isnan(covariance(by_hand(values, np.zeros(12)), by_hand(values**2, np.zeros(12))))
    assert moments(ClusterSums(np.zeros(0, int), np.zeros(0), np.nan, np.nan)).n == 0


def test_a_cluster_without_replications_is_left_out():
    groups = np.repeat([0, 1, 2], 4)
    values = np.arange(12.0)
    sums = by_hand(values, groups)
    padded = ClusterSums(np.insert(sums.count, 1, 0), np.insert(sums.total, 1, 0.0), sums.lowest, sums.highest)
    assert moments(padded) == moments(sums)


def test_every_interval_takes_cluster_sums_for_values():
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(6), rng.integers(2, 9, 6))
    counts = rng.poisson(2.0, groups.size).astype(float)
    cost = rng.gamma(3.0, 1e5, groups.size)
    indicator = counts == 0
    assert count_interval(by_hand(counts, groups)) == count_interval(counts, groups)
    assert amount_interval(by_hand(cost, groups)) == amount_interval(cost, groups)
    assert mean_interval(by_hand(cost - 3e5, groups)) == mean_interval(cost - 3e5, groups)
    difference, spent = counts - 2, counts + 1
    assert difference_interval(by_hand(difference, groups), unit=1) == difference_interval(difference, groups, unit=1)
    assert proportion_interval(by_hand(indicator.astype(float), groups)) == proportion_interval(indicator, groups)
    assert ratio_interval(by_hand(cost, groups), by_hand(spent, groups)) == ratio_interval(cost, spent, groups)
    with pytest.raises(ValueError):
        moments(by_hand(counts, groups), groups)


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize("events, n", [(0, 50), (1, 50), (7, 200), (130, 40)])
def test_count_interval_is_garwoods_exact_poisson_interval_for_poisson_moments(events, n):
    # Independent replications of a Poisson count (variance of the mean = mean / n) and many degrees
    # of freedom: the interval must be the exact one, P(X >= T; n low) = P(X <= T; n high) = 2.5 %.
    mean = events / n
    estimate = gamma_interval(Moments(mean, mean / n, 10**9, n, n), unit=1.0)
    low = 0.0 if events == 0 else optimize.brentq(lambda lam: stats.poisson.sf(events - 1, lam) - 0.025, 1e-9, 10 * events + 10)
    high = optimize.brentq(lambda lam: stats.poisson.cdf(events, lam) - 0.025, 1e-9, 10 * events + 20)
    assert (estimate.low, estimate.high) == pytest.approx((low / n, high / n), rel=1e-6, abs=1e-12)


def test_a_count_never_seen_has_a_positive_upper_bound():
    groups = clustered(200, 10)
    estimate = count_interval(np.zeros(200), groups)
    inflation = (stats.t.ppf(0.975, 9) / Z) ** 2
    assert estimate.mean == 0.0 and estimate.low == 0.0
    assert estimate.high == pytest.approx(-np.log(0.025) * inflation / 200, rel=1e-9)


def test_count_intervals_are_never_negative_clipped_or_zero_width():
    rng = np.random.default_rng(5)
    groups = clustered(30, 10)
    for _ in range(300):
        values = rng.poisson(rng.choice([0.02, 0.3, 3.0]), 30).astype(float)
        estimate = count_interval(values, groups)
        assert 0.0 <= estimate.low <= estimate.mean < estimate.high
        if estimate.mean > 0:
            assert estimate.low > 0.0


def test_a_constant_count_is_not_exact_but_a_constant_amount_is():
    groups = clustered(20, 10)
    count = count_interval(np.full(20, 3.0), groups)
    unseen = count_interval(np.zeros(20), groups).high  # a change of one event, never seen
    assert (count.low, count.high) == pytest.approx((3.0 - unseen, 3.0 + unseen))
    assert amount_interval(np.full(20, 5e6), groups) == Estimate(5e6, 5e6, 5e6)
    never = amount_interval(np.zeros(20), groups)
    assert never.mean == never.low == 0.0 and np.isnan(never.high)


# --------------------------------------------------------------------------- proportions


@pytest.mark.parametrize("successes, n", [(81, 263), (0, 50), (50, 50), (3, 10)])
def test_wilson_interval_is_scipys(successes, n):
    expected = stats.binomtest(successes, n).proportion_ci(0.95, method="wilson")
    estimate = wilson_interval(successes, n)
    assert (estimate.low, estimate.high) == pytest.approx((expected.low, expected.high), abs=1e-12)


@pytest.mark.parametrize("p, n, critical", [(0.3, 17.5, 2.2), (0.0, 40.0, 2.0), (1.0, 12.0, 2.5)])
def test_wilson_bounds_solve_the_score_equation(p, n, critical):
    # The Wilson interval is the set of p' with |p - p'| <= c sqrt(p' (1 - p') / n).
    def score(q):
        return (p - q) ** 2 - critical**2 * q * (1 - q) / n

    low, high = wilson(p, n, critical)
    expected_low = 0.0 if p == 0 else optimize.brentq(score, 1e-12, min(p, 1 - 1e-9))
    expected_high = 1.0 if p == 1 else optimize.brentq(score, max(p, 1e-9), 1 - 1e-12)
    assert (low, high) == pytest.approx((expected_low, expected_high), abs=1e-9)


def test_proportion_interval_uses_the_effective_sample_size_and_t():
    rng = np.random.default_rng(6)
    groups = clustered(100, 10)
    indicator = rng.random(100) < rng.uniform(0.2, 0.6, 10)[groups]
    m = moments(indicator.astype(float), groups)
    n_effective = m.mean * (1 - m.mean) / m.variance
    expected = wilson(m.mean, n_effective, stats.t.ppf(0.975, 9))
    estimate = proportion_interval(indicator, groups)
    assert (estimate.low, estimate.high) == pytest.approx(expected, rel=1e-12)
    # never seen, always seen: not zero-width, and inside [0, 1] without clipping
    none, every = proportion_interval(np.zeros(100, bool), groups), proportion_interval(np.ones(100, bool), groups)
    assert none.low == 0.0 < none.high < 1.0 and 0.0 < every.low < every.high == 1.0


# --------------------------------------------------------------------------- differences and ratios


def test_a_difference_never_seen_is_bounded_by_the_poisson_bound_on_its_events():
    groups = clustered(50, 10)
    estimate = difference_interval(np.zeros(50), groups, unit=1.0)
    bound = count_interval(np.zeros(50), groups).high
    assert (estimate.low, estimate.mean, estimate.high) == pytest.approx((-bound, 0.0, bound))
    amount = difference_interval(np.zeros(50), groups, unit=None)
    assert amount.mean == 0.0 and np.isnan(amount.low) and np.isnan(amount.high)
    values = np.random.default_rng(7).normal(1.0, 1.0, 50)
    assert difference_interval(values, groups, unit=1.0) == mean_interval(values, groups)


def test_fieller_bounds_solve_fiellers_equation():
    rng = np.random.default_rng(8)
    groups = clustered(80, 10)
    x = rng.gamma(4.0, rng.uniform(2, 3, 10)[groups])
    y = rng.normal(5.0, 0.5, 80) + rng.normal(0, 0.5, 10)[groups]
    estimate = ratio_interval(x, y, groups)
    mx, my = moments(x, groups), moments(y, groups)
    # cluster-robust covariance of the two means, from the cluster totals of the deviations
    sx = np.bincount(groups, x - x.mean())
    sy = np.bincount(groups, y - y.mean())
    vxy = 10 / 9 * np.sum(sx * sy) / 80**2
    t2 = stats.t.ppf(0.975, 9) ** 2
    for rho in (estimate.low, estimate.high):
        assert (mx.mean - rho * my.mean) ** 2 == pytest.approx(
            t2 * (mx.variance - 2 * rho * vxy + rho**2 * my.variance), rel=1e-9)
    assert estimate.low < estimate.mean < estimate.high


def test_a_ratio_over_a_constant_is_the_numerators_interval_scaled():
    groups = clustered(40, 10)
    x = np.random.default_rng(9).gamma(2.0, 3.0, 40)
    ratio, amount = ratio_interval(x, np.full(40, 4.0), groups), amount_interval(x, groups)
    assert (ratio.mean, ratio.low, ratio.high) == pytest.approx((amount.mean / 4, amount.low / 4, amount.high / 4))
    assert np.isnan(ratio_interval(x, np.zeros(40), groups).mean)


def test_a_second_variance_component_widens_the_interval():
    m = Moments(1.0, 0.04, 2, 30, 3)
    alone = t_interval(m)
    for extra, extra_df in ((0.001, 199), (0.04, 9), (0.5, 1)):
        both = t_interval(m, extra_variance=extra, extra_df=extra_df)
        assert both.high - 1.0 == pytest.approx(stats.t.ppf(0.975, min(2, extra_df)) * np.sqrt(0.04 + extra))
        assert both.high - both.low > alone.high - alone.low


# --------------------------------------------------------------------------- coverage under clustering


def test_intervals_cover_at_the_stated_rate_when_realisations_matter():
    # 60 replications in 10 raid realisations; each realisation sets the leak probability of its
    # two threats (uniform on [0.05, 0.55]: launch times and targets decide how well the raid meets
    # the defence), shared by its replications. Intervals across realisations cover the truth
    # about 95 % of the time; an interval that treats replications as independent does not.
    rng = np.random.default_rng(10)
    n, realisations, trials = 60, 10, 1000
    groups = clustered(n, realisations)
    truth = {
        "leaked": 2 * 0.3,
        "p_no_leaker": ((1 - 0.05) ** 3 - (1 - 0.55) ** 3) / (3 * 0.5),  # E[(1 - p)^2], p ~ U(0.05, 0.55)
        "difference": -2 * 0.3 / 2,  # the variant halves every leak probability (same draws)
        "ratio": (2 * (2 - 0.6) + 1.0) / 2.0,  # cost 2 per threat stopped + 1 fixed, over 2 per raid
    }
    covered = dict.fromkeys([*truth, "naive"], 0)
    for _ in range(trials):
        p = rng.uniform(0.05, 0.55, realisations)[groups, None]
        draw = rng.random((n, 2))
        leaked = (draw < p).sum(axis=1).astype(float)
        variant = (draw < p / 2).sum(axis=1).astype(float)
        estimates = {
            "leaked": count_interval(leaked, groups),
            "p_no_leaker": proportion_interval(leaked == 0, groups),
            "difference": difference_interval(variant - leaked, groups, unit=1.0),
            "ratio": ratio_interval(2 * (2 - leaked) + 1.0, np.full(n, 2.0), groups),
            "naive": mean_interval(leaked),
        }
        for name, e in estimates.items():
            covered[name] += e.low <= truth.get(name, truth["leaked"]) <= e.high
    rates = {name: hits / trials for name, hits in covered.items()}
    for name in truth:
        assert 0.93 <= rates[name] <= 0.97, rates
    assert rates["naive"] < 0.9, rates


@pytest.mark.parametrize("df", [1, 2, 3, 9, 29, 120, 10**6])
def test_the_critical_value_is_scipy_stats_t_quantile(df):
    assert Moments(mean=0.0, variance=1.0, df=df, n=df + 1, clusters=df + 1).critical == stats.t.ppf(0.975, df)
