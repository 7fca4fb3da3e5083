"""Interval helpers shared by the analyses (plain dicts, JSON-ready)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from shieldwall.results.summary import CONFIDENCE, mean_interval, ratio_interval

COST_CAUTION = (
    "The cost-exchange ratio compares the price of interceptors with the price of the threats; "
    "what decides whether a shot was worth it is the value it defended (lives, bases, cities), "
    "which is far larger than the price of a drone or a missile. Read it beside the value lost."
)


def interval(values: np.ndarray, floor: float | None = None) -> dict:
    """Mean and 95 % t interval, clipped at `floor` for quantities that cannot go below it.
    Constant values (e.g. a paired difference of identical runs) give an interval of zero width."""
    values = np.asarray(values, dtype=float)
    if values.size >= 2 and np.all(values == values[0]):
        v = float(values[0])
        return {"mean": v, "low": v, "high": v}
    return _plain(asdict(mean_interval(values, floor)))


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> dict:
    return _plain(asdict(ratio_interval(numerator, denominator)))


def _plain(estimate: dict) -> dict:
    return {k: float(v) for k, v in estimate.items()}


def cost_block(defence_cost_usd: np.ndarray, attack_cost_usd: np.ndarray, value_lost_usd: np.ndarray) -> dict:
    return {
        "defence_cost_usd": interval(defence_cost_usd, floor=0.0),
        "attack_cost_usd": interval(attack_cost_usd, floor=0.0),
        "cost_exchange_ratio": ratio(defence_cost_usd, attack_cost_usd),
        "value_lost_usd": interval(value_lost_usd, floor=0.0),
    }


__all__ = ["CONFIDENCE", "COST_CAUTION", "cost_block", "interval", "ratio"]
