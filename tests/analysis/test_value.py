"""Partner value on tiny scenarios: the Shapley axioms hold on simulated games, under CRN."""

from __future__ import annotations

import numpy as np
import pytest

from shieldwall.analysis import Settings, compare, evaluate, partner_value
from shieldwall.analysis.variants import (
    Overlay,
    apply_overlay,
    base_variant,
    coalition_variant,
)

from .conftest import scenario_of, twins_data

SETTINGS = Settings(runs=30, seed=5, fidelity="ideal", realisations=3)


@pytest.fixture(scope="module")
def twins():
    return scenario_of(twins_data())


@pytest.fixture(scope="module")
def report(twins, tmp_path_factory):
    return partner_value(twins, SETTINGS, cache=tmp_path_factory.mktemp("cache"))


def test_efficiency(report):
    for m in report["measures"].values():
        total = sum(p["shapley"]["mean"] for p in m["partners"].values())
        assert total == pytest.approx(m["grand_coalition"]["mean"], rel=1e-9, abs=1e-6)
        assert m["shapley_sum"]["mean"] == pytest.approx(m["grand_coalition"]["mean"], rel=1e-9, abs=1e-6)


def test_symmetry_and_null_player(report):
    partners = report["measures"]["leakers_prevented"]["partners"]
    assert partners["AAA"]["shapley"]["mean"] == pytest.approx(partners["BBB"]["shapley"]["mean"])
    assert partners["AAA"]["shapley"]["mean"] > 0
    null = partners["Partner-C"]["shapley"]
    # zero in every replication: its interval is the bound on leakers it could have prevented unseen
    assert null["mean"] == 0.0 and null["low"] == -null["high"] and null["high"] > 0.0
    assert partners["Partner-C"]["leave_one_out"]["mean"] == 0.0


def test_a_null_players_coalitions_are_simulated_once(report):
    # Partner C's radar is released to no one and C has no fire unit: each coalition with C flies
    # as the one without it, and the coalition of nobody as the empty one: {}, {A}, {B}, {A, B}.
    assert report["simulated_coalitions"] == 4


def test_anonymous_partner_appears_only_under_its_alias(report):
    import json

    text = json.dumps(report)
    assert "Partner-C" in text and "CCC" not in text and "Bystander" not in text


def test_sampled_method_agrees_with_exact(twins, report):
    sampled = partner_value(twins, SETTINGS, method="sampled", permutations=40, cache=False)
    for name, m in sampled["measures"].items():
        for partner, row in m["partners"].items():
            exact = report["measures"][name]["partners"][partner]["shapley"]["mean"]
            assert abs(row["shapley"]["mean"] - exact) <= 4 * row["shapley"]["se_permutation"] + 1e-9


def test_holding_a_partner(twins):
    held = partner_value(twins, SETTINGS, hold=["AAA"], cache=False)
    assert held["players"] == ["BBB", "Partner-C"] and held["held"] == ["AAA"]
    m = held["measures"]["leakers_prevented"]
    assert sum(p["shapley"]["mean"] for p in m["partners"].values()) == pytest.approx(m["grand_coalition"]["mean"])


def test_identical_variants_differ_by_exactly_zero(twins):
    same = apply_overlay(twins, Overlay(name="same"))
    report = compare(twins, [same], SETTINGS, cache=False)
    for d in report["variants"][0]["difference"].values():
        if "mean" in d:
            assert d == {"mean": 0.0, "low": 0.0, "high": 0.0}


def test_paired_runs_equal_a_fresh_run_and_the_cache(twins, tmp_path):
    a = evaluate(twins, [base_variant(twins)], SETTINGS, cache=tmp_path)[0]
    b = evaluate(twins, [base_variant(twins)], SETTINGS, cache=tmp_path)[0]
    c = evaluate(twins, [base_variant(twins)], SETTINGS, workers=2, cache=False)[0]
    for name in a.values:
        assert np.array_equal(a[name], b[name]) and np.array_equal(a[name], c[name])


def test_a_coalition_variant_matches_the_plain_monte_carlo_run(twins):
    import shieldwall

    settings = Settings(runs=6, seed=2, fidelity="ideal", realisations=2)
    variant = coalition_variant(twins, ["BBB"])
    ours = evaluate(twins, [variant], settings, cache=False)[0]
    plain = shieldwall.run(variant.scenario, runs=6, seed=2, fidelity="ideal", realisations=2,
                           coordination=variant.coordination)
    assert np.array_equal(ours["leaked"], plain.tables["replications"]["leaked"].to_numpy())
    assert np.allclose(ours["value_lost_usd"], plain.tables["replications"]["value_lost_usd"].to_numpy())
