"""What each partner is worth: Shapley value and leave-one-out value, with confidence intervals.

The characteristic function, per replication i (common random numbers across coalitions):

    v_i(S) = loss_i(H) - loss_i(H + S)

where loss is the value lost (USD), or as a second measure the number of leakers, H the partners
held in every coalition (none by default) and loss_i(empty) the raid against nobody. With H empty,
v(S) is the expected value protected (or leakers prevented) by the coalition S. What a partner
outside S withdraws is decided in `variants.restrict`. Shapley and leave-one-out values are
computed per replication (both are linear in v) and reported with a t interval across raid
realisations (every coalition flies the same realisations with the same seeds). Sampled Shapley
adds the permutation-sampling variance to the replications' (docs/design/statistics.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from shieldwall.analysis import shapley
from shieldwall.analysis import _stats
from shieldwall.analysis._stats import CONFIDENCE, COST_CAUTION, cost_block
from shieldwall.analysis.evaluate import Settings, evaluate
from shieldwall.analysis.variants import coalition_variant
from shieldwall.scenario import Scenario

FORMAT = "shieldwall.value/1"
MEASURES = {"value_protected_usd": "value_lost_usd", "leakers_prevented": "leaked"}
UNITS = {"value_protected_usd": None, "leakers_prevented": 1.0}
"""The size of one event of each measure: leakers are counts, value (USD) has no unit."""
EXACT_DEFAULT_LIMIT = 10


def partner_value(
    scenario: Scenario,
    settings: Settings = Settings(),
    workers: int = 1,
    hold: Sequence[str] = (),
    method: str = "auto",
    permutations: int = 200,
    permutation_seed: int = 0,
    successor: str | None = None,
    coordination: str | None = None,
    cache: Path | None | bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Shapley and leave-one-out value of every partner (but those in `hold`), as a JSON-ready dict.

    `method`: `exact` (all 2^n coalitions), `sampled` (`permutations` random orders, seeded by
    `permutation_seed`) or `auto` (exact up to 10 players). `successor` takes over the coordinator
    role in coalitions without the coordinator (default: they fight independently).
    """
    started = time.perf_counter()
    ids = [p.id for p in scenario.partners]
    label = {p.id: p.label for p in scenario.partners}
    alias = {p.alias: p.id for p in scenario.partners if p.anonymous}
    hold = [alias.get(h, h) for h in hold]
    unknown = [h for h in hold if h not in ids]
    if unknown:
        raise ValueError(f"unknown partner(s) to hold: {', '.join(unknown)} (known: {', '.join(label.values())})")
    players = [p for p in ids if p not in hold]
    n = len(players)
    if n == 0:
        raise ValueError("every partner is held: no one's value to compute")
    if method == "auto":
        method = "exact" if n <= EXACT_DEFAULT_LIMIT else "sampled"
    if method not in ("exact", "sampled"):
        raise ValueError("method must be 'exact', 'sampled' or 'auto'")
    grand = (1 << n) - 1
    if method == "exact":
        if n > shapley.EXACT_LIMIT:
            raise ValueError(f"exact Shapley over {n} partners needs {2 ** n} coalitions; use the sampled method")
        masks = shapley.all_coalitions(n)
        orders = None
    else:
        orders = shapley.sample_permutations(n, permutations, np.random.default_rng(permutation_seed))
        masks = sorted(shapley.coalitions_of(orders) | {grand} | {grand & ~(1 << k) for k in range(n)}
                       | {1 << k for k in range(n)})

    def coalition(mask: int) -> list[str]:
        chosen = set(hold) | {players[k] for k in shapley.members(mask, n)}
        return [p for p in ids if p in chosen]

    variants = [coalition_variant(scenario, coalition(m), successor, coordination) for m in masks]
    nobody = coalition_variant(scenario, [], successor, coordination)
    measured = evaluate(scenario, [nobody, *variants], settings, workers, cache, progress)
    empty, by_mask = measured[0], dict(zip(masks, measured[1:]))

    groups = _stats.clusters(settings.runs, settings.realisations)
    measures = {}
    for name, column in MEASURES.items():
        unit = UNITS[name]
        interval = partial(_stats.difference, groups=groups, unit=unit)
        held = empty[column] - by_mask[0][column]  # what the held partners achieve on their own
        game = {m: by_mask[0][column] - by_mask[m][column] for m in masks}
        if method == "exact":
            phi = shapley.exact_shapley(game, n)
            se_perm = np.zeros(n)
        else:
            phi, se_perm = shapley.sampled_shapley(game, orders)
        loo = shapley.leave_one_out(game, n)
        partners = {}
        for k, p in enumerate(players):
            if method == "sampled":
                value = _stats.with_permutation_error(phi[k], groups, float(se_perm[k]), orders.shape[0], unit)
            else:
                value = interval(phi[k])
            partners[label[p]] = {"shapley": value, "leave_one_out": interval(loo[k]), "alone": interval(game[1 << k])}
        measures[name] = {
            "grand_coalition": interval(game[grand]),
            "held_partners": interval(held),
            "shapley_sum": interval(phi.sum(axis=0)),
            "partners": partners,
        }
    coalitions = [{
        "members": [label[p] for p in coalition(m)],
        **{name: _stats.difference(by_mask[0][column] - by_mask[m][column], groups, UNITS[name])
           for name, column in MEASURES.items()},
        "coordination": variants[i].coordination,
    } for i, m in enumerate(masks)]
    top = by_mask[grand]
    return {
        "format": FORMAT,
        "scenario": scenario.name,
        "runs": settings.runs, "seed": settings.seed, "fidelity": settings.fidelity,
        "realisations": settings.realisations, "confidence": CONFIDENCE,
        "intervals": _stats.interval_note(settings.realisations),
        "coordination": variants[masks.index(grand)].coordination,
        "method": method,
        "permutations": int(orders.shape[0]) if orders is not None else None,
        "players": [label[p] for p in players],
        "held": [label[p] for p in hold],
        "coordinator_outside": "independent" if successor is None else f"successor {label.get(successor, successor)}",
        "undefended": {"value_lost_usd": _stats.amount(empty["value_lost_usd"], groups),
                       "leaked": _stats.count(empty["leaked"], groups)},
        "measures": measures,
        "coalitions": coalitions,
        "cost": {**cost_block(top["defence_cost_usd"], top["attack_cost_usd"], top["value_lost_usd"], groups),
                 "caution": COST_CAUTION},
        "simulated_coalitions": len({m.simulation for m in measured}),
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
