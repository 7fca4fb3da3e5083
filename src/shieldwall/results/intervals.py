"""Confidence intervals for Monte Carlo estimates whose replications come in clusters.

Replications of a run are split among a few raid realisations (launch times, points and targets
drawn once per realisation, `montecarlo.run`): replications that share a realisation are
correlated, so the unit of independent information is the realisation, not the replication. Every
interval here is therefore built from the cluster-robust variance of a mean,

    V = R / (R - 1) * sum_r (sum_{i in r} (y_i - mean))^2 / n^2,

(Liang and Zeger 1986; the CR1 small-sample factor of Cameron and Miller 2015, "A practitioner's
guide to cluster-robust inference", J. Human Resources 50(2)) with R - 1 degrees of freedom. With
equal clusters it equals s^2 / R, s the standard deviation of the R realisation means, and the
mean +/- t(R - 1) sqrt(V) interval is Student's t interval on the realisation means. Without
clusters (each replication its own) it is the ordinary t interval.

The variance needs of the values only their sum and count per cluster (sum_{i in r} (y_i - mean)
= S_r - n_r mean), and an exact interval their smallest and largest value: every function below
that takes one value per replication takes these `ClusterSums` in their place, and reduces values
to them before any arithmetic, so a results folder too large to read whole gives the same figures.

What is reported depends on what is measured (docs/design/statistics.md gives the reasons):

- `mean_interval`: any mean, signed or not: t interval.
- `difference_interval`: paired differences and Shapley values: the t interval; when every
  replication gives the same value, a count's is widened by the Poisson bound on events never seen.
- `count_interval`: the mean of a non-negative count (leakers per raid): Garwood's exact Poisson
  interval (Garwood 1936, Biometrika 28) on the effective number of events mean^2 / V, scaled back
  by V / mean (the gamma interval of Fay and Feuer 1997, Stat. Med. 16), V inflated by
  (t(R - 1) / z)^2 for its degrees of freedom (Korn and Graubard 1998, Survey Methodology 24(2)).
  When V = 0, a count never seen gets Garwood's bound for zero events, one that never varied that
  bound on either side.
- `amount_interval`: the mean of a non-negative amount (USD): the same gamma interval; an amount
  that is zero in every replication has no upper bound the data can give (NaN).
- `proportion_interval`: a probability (share of replications with no leaker): Wilson's score
  interval (Wilson 1927, JASA 22) on the effective sample size p (1 - p) / V with t(R - 1) for z,
  the Korn-Graubard construction with Wilson's interval in place of Clopper-Pearson's.
- `ratio_interval`: a ratio of two means (cost-exchange): Fieller's interval (Fieller 1954, JRSS B
  16) with cluster-robust (co)variances and t(R - 1); when the denominator is the same in every
  replication, the numerator's interval divided by it.

No interval is clipped: each lies where its quantity can lie by construction. Each is NaN where the
data cannot give one (a single raid realisation: no variance between realisations to estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

CONFIDENCE = 0.95
NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its two-sided interval at `CONFIDENCE` (NaN bounds: no interval)."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, d: dict) -> "Estimate":
        """From a `{mean, low, high}` dict (None, as read from JSON, is NaN)."""
        return cls(*(NAN if d.get(k) is None else float(d[k]) for k in ("mean", "low", "high")))

    def format(self, digits: int = 1, scale: float = 1.0, signed: bool = False) -> str:
        """`mean [low, high]`, divided by `scale`; more digits where `digits` would print a
        non-zero-width interval as zero-width; `?` for a bound the data cannot give; the mean
        alone when there is no interval or it is exact."""
        sign = "+" if signed else ""

        def text(value: float, places: int) -> str:
            return f"{value / scale:{sign},.{places}f}" if np.isfinite(value) else "?"

        if not np.isfinite(self.mean):
            return "n/a"
        finite = np.isfinite(self.low), np.isfinite(self.high)
        if not any(finite) or self.low == self.high:
            return text(self.mean, digits)
        places = digits
        while all(finite) and places < digits + 4 and text(self.low, places) == text(self.high, places):
            places += 1
        return f"{text(self.mean, places)} [{text(self.low, places)}, {text(self.high, places)}]"


@dataclass(frozen=True)
class Moments:
    """Mean of per-replication values, the cluster-robust variance of that mean and its degrees of
    freedom (clusters - 1)."""

    mean: float
    variance: float
    df: int
    n: int
    clusters: int

    @property
    def critical(self) -> float:
        """t(df) quantile for a two-sided interval at CONFIDENCE (NaN below one degree of freedom)."""
        return _t(self.df) if self.df >= 1 else NAN


# The quantiles from scipy.special, which scipy.stats's own t and normal quantiles call: importing
# scipy.stats took 0.8 s of every run's summary, scipy.special about 0.3 s.
@lru_cache(maxsize=256)
def _t(df: float) -> float:
    from scipy import special

    return float(special.stdtrit(df, 0.5 + CONFIDENCE / 2))


@lru_cache(maxsize=1)
def _z() -> float:
    from scipy import special

    return float(special.ndtri(0.5 + CONFIDENCE / 2))


@dataclass(frozen=True)
class ClusterSums:
    """What every interval here needs of one quantity's per-replication values: per cluster, the
    number of replications (`count`) and the sum of their values (`total`), and the smallest and
    largest value over all of them (equal: a quantity that never varies, whose interval is exact).
    Its size grows with the number of clusters, not of replications, so a results folder of any
    size reduces to it (`results.summary.summarise_folder` has DuckDB do it over the parts).

    Quantities whose (co)variance is taken together (`covariance`, `ratio_interval`) must list the
    same clusters in the same order. A cluster with no replication (count 0) is left out."""

    count: np.ndarray
    total: np.ndarray
    lowest: float
    highest: float

    @classmethod
    def of(cls, values, clusters=None) -> "ClusterSums":
        """From one value per replication and its cluster label (None: each replication its own
        cluster); clusters in the order of their sorted labels."""
        y = np.asarray(values, dtype=float).ravel()
        n = y.size
        if n == 0:
            return cls(np.zeros(0, np.int64), np.zeros(0), NAN, NAN)
        if clusters is None:
            labels = np.arange(n)
        else:
            labels = np.asarray(clusters)
            if labels.shape != (n,):
                raise ValueError(f"clusters must give one label per value ({n}), got shape {labels.shape}")
            labels = np.unique(labels, return_inverse=True)[1]
        return cls(np.bincount(labels), np.bincount(labels, weights=y), float(y.min()), float(y.max()))


def cluster_sums(values, clusters=None) -> ClusterSums:
    """`values` as `ClusterSums`: reduced from one value per replication, clustered by `clusters`,
    or as given when they already are (then `clusters` must be None)."""
    if isinstance(values, ClusterSums):
        if clusters is not None:
            raise ValueError("ClusterSums are already clustered: give no clusters with them")
        return values
    return ClusterSums.of(values, clusters)


def _deviations(sums: ClusterSums, mean: float) -> np.ndarray:
    """Per cluster present, the sum of (value - mean) over its replications."""
    present = sums.count > 0
    return sums.total[present] - sums.count[present] * mean


def moments(values: np.ndarray | ClusterSums, clusters=None) -> Moments:
    """Mean and cluster-robust variance of the mean of `values` (one per replication, or their
    `ClusterSums`), clustered by `clusters` (one label per replication: its raid realisation;
    None: independent replications)."""
    sums = cluster_sums(values, clusters)
    n = int(sums.count.sum())
    if n == 0:
        return Moments(NAN, NAN, 0, 0, 0)
    r = int(np.count_nonzero(sums.count))
    if sums.lowest == sums.highest:
        return Moments(sums.lowest, 0.0 if r >= 2 else NAN, r - 1, n, r)
    mean = float(sums.total.sum()) / n
    if r < 2:
        return Moments(mean, NAN, 0, n, r)
    variance = r / (r - 1) * float(np.sum(_deviations(sums, mean) ** 2)) / n**2
    return Moments(mean, variance, r - 1, n, r)


def covariance(x: np.ndarray | ClusterSums, y: np.ndarray | ClusterSums, clusters=None) -> float:
    """Cluster-robust covariance of the means of x and y (same replications, same clusters)."""
    x, y = cluster_sums(x, clusters), cluster_sums(y, clusters)
    if not np.array_equal(x.count, y.count):
        raise ValueError("x and y must have the same replications in the same clusters")
    n = int(x.count.sum())
    r = int(np.count_nonzero(x.count))
    if r < 2:
        return NAN
    sx = _deviations(x, float(x.total.sum()) / n)
    sy = _deviations(y, float(y.total.sum()) / n)
    return r / (r - 1) * float(np.sum(sx * sy)) / n**2


# --------------------------------------------------------------------------- intervals from moments


def t_interval(m: Moments, extra_variance: float = 0.0, extra_df: float = np.inf) -> Estimate:
    """mean +/- t sqrt(V + extra): the t interval, with a second independent variance component
    (e.g. permutation sampling) of `extra_df` degrees of freedom when one is given. The degrees of
    freedom are then the smaller of the two: the lower bound of Welch-Satterthwaite's, so that
    adding a variance component never narrows the interval."""
    if m.n == 0:
        return Estimate(NAN, NAN, NAN)
    if not np.isfinite(m.variance):
        return Estimate(m.mean, NAN, NAN)
    variance = m.variance + extra_variance
    if variance == 0:
        return Estimate(m.mean, m.mean, m.mean)
    df = min(m.df, extra_df) if extra_variance > 0 else m.df
    half = _t(float(df)) * np.sqrt(variance)
    return Estimate(m.mean, m.mean - half, m.mean + half)


def gamma_interval(m: Moments, unit: float | None) -> Estimate:
    """Interval for the mean of a non-negative quantity: Garwood's exact Poisson interval on the
    effective number of events T = mean / theta, with theta = V (t/z)^2 / mean the contribution of
    one effective event to the mean (Fay and Feuer 1997), then scaled back by theta.

    `unit` is the size of one event (1 for counts; None when unknown, e.g. an amount in USD). When
    the data show no variation (V = 0), a count of such events never seen has Garwood's bound for
    zero events, -ln(alpha / 2) unit / n (inflated likewise), and a count that is c in every
    replication gets c +/- that bound (a change of one event, never seen); where the bound exceeds c
    (very few replications) the variance is taken as a Poisson count's, mean unit / n.
    """
    if m.n == 0:
        return Estimate(NAN, NAN, NAN)
    if m.mean < 0:
        raise ValueError("gamma_interval is for non-negative quantities")
    if m.df < 1:
        return Estimate(m.mean, NAN, NAN)
    alpha = 1 - CONFIDENCE
    inflation = (m.critical / _z()) ** 2
    if m.variance > 0 and m.mean > 0:
        theta = m.variance * inflation / m.mean
    elif unit is None:
        if m.mean > 0:  # an amount, the same in every replication: nothing suggests it varies
            return Estimate(m.mean, m.mean, m.mean)
        return Estimate(0.0, 0.0, NAN)  # an amount never seen: how often is bounded, not how large
    else:
        theta = unit * inflation / m.n
        unseen = theta * float(special.gammaincinv(1.0, 1 - alpha / 2))  # Garwood, zero events
        if 0 < unseen < m.mean:
            return Estimate(m.mean, m.mean - unseen, m.mean + unseen)
    events = m.mean / theta
    # Garwood: chi2(alpha/2; 2T) / 2 and chi2(1 - alpha/2; 2T + 2) / 2, i.e. gamma quantiles.
    low = theta * float(special.gammaincinv(events, alpha / 2)) if events > 0 else 0.0
    high = theta * float(special.gammaincinv(events + 1, 1 - alpha / 2))
    return Estimate(m.mean, low, high)


def wilson(p: float, n_effective: float, critical: float) -> tuple[float, float]:
    """Wilson's score interval for a proportion p observed in n_effective trials, critical value
    `critical` (z for independent trials): the p' with |p - p'| <= critical sqrt(p' (1 - p') / n)."""
    c2 = critical * critical
    centre = (p + c2 / (2 * n_effective)) / (1 + c2 / n_effective)
    half = critical * np.sqrt(p * (1 - p) / n_effective + c2 / (4 * n_effective**2)) / (1 + c2 / n_effective)
    return float(centre - half), float(centre + half)


# --------------------------------------------------------------------------- per kind of measure


def mean_interval(values, clusters=None) -> Estimate:
    """Mean with its (cluster-robust) t interval: for means that may take either sign."""
    return t_interval(moments(values, clusters))


def count_interval(values, clusters=None, unit: float = 1.0) -> Estimate:
    """Mean of a non-negative count per replication, with the effective-count Garwood interval."""
    return gamma_interval(moments(values, clusters), unit)


def amount_interval(values, clusters=None) -> Estimate:
    """Mean of a non-negative amount per replication (USD), with the effective-count gamma interval."""
    return gamma_interval(moments(values, clusters), None)


def difference_interval(values, clusters=None, unit: float | None = None) -> Estimate:
    """Mean of a signed quantity (a paired difference, a Shapley value) with its t interval. When it
    is the same in every replication (typically zero: the change never mattered in any replication)
    and it is made of counts (`unit`, the size of one event), the interval is that value +/- the
    exact Poisson bound on the mean number of events never seen (Garwood, 0 events); an amount with
    no unit gets no interval then (NaN bounds): how often it differs is bounded by its counts, how
    much it differs is not."""
    m = moments(values, clusters)
    if m.variance == 0:
        if unit is None:
            return Estimate(m.mean, NAN, NAN)
        bound = gamma_interval(Moments(0.0, 0.0, m.df, m.n, m.clusters), unit).high
        return Estimate(m.mean, m.mean - bound, m.mean + bound)
    return t_interval(m)


def proportion_interval(indicator, clusters=None) -> Estimate:
    """Share of replications where `indicator` holds, with Wilson's interval on the effective
    sample size p (1 - p) / V (the sample size itself when V = 0, i.e. p = 0 or 1 or no variation
    between realisations) and t(clusters - 1) for z."""
    if not isinstance(indicator, ClusterSums):
        indicator = np.asarray(indicator, dtype=bool).astype(float)
    m = moments(indicator, clusters)
    if m.n == 0:
        return Estimate(NAN, NAN, NAN)
    if m.df < 1:
        return Estimate(m.mean, NAN, NAN)
    p = m.mean
    n_effective = p * (1 - p) / m.variance if m.variance > 0 and 0 < p < 1 else float(m.n)
    low, high = wilson(p, n_effective, m.critical)
    return Estimate(p, low, high)


def wilson_interval(successes: int, n: int) -> Estimate:
    """Wilson's interval for `successes` in `n` independent trials (scipy's `binomtest` gives the same)."""
    if n == 0:
        return Estimate(NAN, NAN, NAN)
    low, high = wilson(successes / n, float(n), _z())
    return Estimate(successes / n, low, high)


def ratio_interval(numerator, denominator, clusters=None) -> Estimate:
    """mean(x) / mean(y) with Fieller's interval: the rho with (mean x - rho mean y)^2 <=
    t^2 (Vxx - 2 rho Vxy + rho^2 Vyy), V the cluster-robust (co)variances of the means. When y is the
    same in every replication (the raid's cost, in practice) the interval is x's divided by y, with
    x's amount interval when x is non-negative. NaN bounds when the Fieller set is unbounded (y not
    clearly away from zero)."""
    x, y = cluster_sums(numerator, clusters), cluster_sums(denominator, clusters)
    mx, my = moments(x), moments(y)
    if mx.n == 0 or my.mean == 0 or not np.isfinite(my.mean):
        return Estimate(NAN, NAN, NAN)
    rho = mx.mean / my.mean
    if my.variance == 0:
        e = gamma_interval(mx, None) if x.lowest >= 0 else t_interval(mx)
        return Estimate(rho, e.low / my.mean, e.high / my.mean) if my.mean > 0 else \
            Estimate(rho, e.high / my.mean, e.low / my.mean)
    if not np.isfinite(mx.variance) or not np.isfinite(my.variance):
        return Estimate(rho, NAN, NAN)
    t2 = mx.critical**2
    vxy = covariance(x, y)
    a = my.mean**2 - t2 * my.variance
    b = -2 * (mx.mean * my.mean - t2 * vxy)
    c = mx.mean**2 - t2 * mx.variance
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return Estimate(rho, NAN, NAN)
    root = np.sqrt(disc)
    return Estimate(rho, float((-b - root) / (2 * a)), float((-b + root) / (2 * a)))


__all__ = [
    "CONFIDENCE", "ClusterSums", "Estimate", "Moments", "amount_interval", "cluster_sums", "count_interval",
    "covariance", "difference_interval", "gamma_interval", "mean_interval", "moments", "proportion_interval",
    "ratio_interval", "t_interval", "wilson", "wilson_interval",
]
