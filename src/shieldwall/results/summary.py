"""Summary statistics of a Monte Carlo run, each with a 95 % confidence interval.

Means use Student's t interval, mean +/- t(0.975, n-1) s / sqrt(n); probabilities use the Wilson
score interval (Wilson 1927, JASA 22(158)); the cost-exchange ratio, a ratio of two means, uses
the delta method (e.g. Casella & Berger, Statistical Inference, 2nd ed., sec. 5.5.4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from shieldwall.engine.simulate import FATES
from shieldwall.scenario.model import THREAT_CLASSES

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float

    def format(self, digits: int = 1, scale: float = 1.0) -> str:
        if not np.isfinite(self.low) or self.low == self.high:
            return f"{self.mean / scale:,.{digits}f}"
        return f"{self.mean / scale:,.{digits}f} [{self.low / scale:,.{digits}f}, {self.high / scale:,.{digits}f}]"


def mean_interval(values: np.ndarray, floor: float | None = None) -> Estimate:
    """Mean with its t interval; `floor` clips the interval of a quantity that cannot go below it
    (counts and costs: the t interval is symmetric and can dip under zero when it is rare)."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    mean = float(values.mean())
    if n < 2:
        return Estimate(mean, float("nan"), float("nan"))
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    low = mean - half if floor is None else max(floor, mean - half)
    return Estimate(mean, low, mean + half)


def wilson_interval(successes: int, n: int) -> Estimate:
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


def ratio_interval(numerator: np.ndarray, denominator: np.ndarray) -> Estimate:
    """Ratio of means mean(x) / mean(y) with a delta-method interval."""
    x, y = np.asarray(numerator, float), np.asarray(denominator, float)
    n = x.size
    if n == 0 or y.mean() == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    ratio = float(x.mean() / y.mean())
    if n < 2:
        return Estimate(ratio, float("nan"), float("nan"))
    covariance = np.cov(x, y, ddof=1)
    variance = (covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio**2 * covariance[1, 1]) / (n * y.mean() ** 2)
    half = stats.norm.ppf(0.5 + CONFIDENCE / 2) * np.sqrt(max(variance, 0.0))
    return Estimate(ratio, ratio - half, ratio + half)


def _per_run(con, sql: str, runs: np.ndarray) -> dict[str, np.ndarray]:
    """{key: values per run} from a query returning (key, run, value); missing runs count 0."""
    position = {int(r): i for i, r in enumerate(runs)}
    out: dict[str, np.ndarray] = {}
    for key, run, value in con.execute(sql).fetchall():
        out.setdefault(str(key), np.zeros(runs.size))[position[int(run)]] = value
    return dict(sorted(out.items()))


def summarise(tables: dict[str, pa.Table]) -> dict:
    """The headline figures of a run, as plain data (JSON-ready)."""
    replications = tables["replications"]
    runs = replications["run"].to_numpy()
    n = runs.size
    col = {name: replications[name].to_numpy() for name in replications.column_names}
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    by_class = {
        klass: {
            "launched": asdict(mean_interval(col[f"launched_{klass}"], 0.0)),
            **{fate: asdict(mean_interval(col[f"{fate}_{klass}"], 0.0)) for fate in FATES},
        }
        for klass in THREAT_CLASSES
        if col[f"launched_{klass}"].sum() > 0
    }
    by_class["all"] = {"launched": asdict(mean_interval(col["launched"], 0.0)),
                       **{fate: asdict(mean_interval(col[fate], 0.0)) for fate in FATES}}
    hits = _per_run(con, "select asset_hit, run, count(*) from threats where asset_hit is not null group by all", runs)
    by_type = _per_run(con, "select interceptor, run, count(*) from shots group by all", runs)
    by_partner = _per_run(con, "select partner, run, count(*) from shots group by all", runs)
    refusals = _per_run(con, "select reason, run, count(*) from refusals group by all", runs)
    kills = _per_run(con, "select by_partner, run, count(*) from threats where fate = 'intercepted' group by all", runs)
    con.close()
    return {
        "runs": int(n),
        "confidence": CONFIDENCE,
        "threats": by_class,
        "p_zero_leakers": asdict(wilson_interval(int(np.count_nonzero(col["leaked"] == 0)), n)),
        "hits_per_asset": {k: asdict(mean_interval(v, 0.0)) for k, v in hits.items()},
        "interceptors_by_type": {k: asdict(mean_interval(v, 0.0)) for k, v in by_type.items()},
        "interceptors_by_partner": {k: asdict(mean_interval(v, 0.0)) for k, v in by_partner.items()},
        "intercepts_by_partner": {k: asdict(mean_interval(v, 0.0)) for k, v in kills.items()},
        "refusals_by_reason": {k: asdict(mean_interval(v, 0.0)) for k, v in refusals.items()},
        "wasted_shots": asdict(mean_interval(col["wasted_shots"], 0.0)),
        "defence_cost_usd": asdict(mean_interval(col["defence_cost_usd"], 0.0)),
        "attack_cost_usd": asdict(mean_interval(col["attack_cost_usd"], 0.0)),
        "cost_exchange_ratio": asdict(ratio_interval(col["defence_cost_usd"], col["attack_cost_usd"])),
        "value_lost_usd": asdict(mean_interval(col["value_lost_usd"], 0.0)),
    }
