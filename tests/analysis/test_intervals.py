"""Intervals of `compare` and `value`: across raid realisations, paired, with permutation error."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from shieldwall.analysis import Settings, compare, evaluate, partner_value
from shieldwall.analysis._stats import clusters
from shieldwall.analysis.variants import MagazineChange, Overlay, apply_overlay, base_variant
from shieldwall.montecarlo.run import realisation_of
from shieldwall.results import count_interval, difference_interval

from .conftest import scenario_of, twins_data

SETTINGS = Settings(runs=30, seed=5, fidelity="ideal", realisations=3)


@pytest.fixture(scope="module")
def twins():
    return scenario_of(twins_data())


def test_clusters_are_the_realisations_replications_fly():
    groups = clusters(23, 4)
    assert groups.tolist() == [realisation_of(i, 23, 4) for i in range(23)]
    assert np.bincount(groups).tolist() == [6, 6, 6, 5]


def test_compare_differences_are_paired_and_clustered(twins, tmp_path):
    fewer = apply_overlay(twins, Overlay(name="fewer", magazines=[MagazineChange(unit="battery-b", magazine=0)]))
    report = compare(twins, [fewer], SETTINGS, cache=tmp_path)
    base, variant = evaluate(twins, [base_variant(twins), fewer], SETTINGS, cache=tmp_path)
    groups = clusters(SETTINGS.runs, SETTINGS.realisations)
    expected = difference_interval(variant["leaked"] - base["leaked"], groups, unit=1.0)
    assert report["variants"][0]["difference"]["leaked"] == pytest.approx(vars(expected))
    assert report["base"]["measures"]["leaked"] == pytest.approx(vars(count_interval(base["leaked"], groups)))
    assert report["realisations"] == 3 and "3 raid realisations" in report["intervals"]
    assert report["variants"][0]["identical_to_base"] is False


def test_sampled_shapley_interval_includes_the_permutation_error(twins):
    report = partner_value(twins, SETTINGS, method="sampled", permutations=6, permutation_seed=1, cache=False)
    rows = report["measures"]["leakers_prevented"]["partners"]
    widened = 0
    for row in rows.values():
        e = row["shapley"]
        assert e["se_total"] == pytest.approx(np.hypot(e["se_replications"], e["se_permutation"]))
        if e["se_permutation"] > 0:
            df = min(SETTINGS.realisations - 1, 6 - 1)
            assert e["high"] - e["mean"] == pytest.approx(stats.t.ppf(0.975, df) * e["se_total"])
            assert e["high"] - e["mean"] > stats.t.ppf(0.975, SETTINGS.realisations - 1) * e["se_replications"] - 1e-12
            widened += 1
    assert widened >= 1


def test_value_json_is_strict_with_a_single_realisation(twins):
    report = partner_value(twins, Settings(runs=4, seed=1, fidelity="ideal", realisations=1), cache=False)
    from shieldwall._json import dumps

    document = json.loads(dumps(report), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    grand = document["measures"]["leakers_prevented"]["grand_coalition"]
    assert grand["low"] is None and grand["high"] is None and grand["mean"] is not None
