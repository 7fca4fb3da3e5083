"""Turning replication outcomes into columnar tables (Arrow), with labels safe to show.

Every label that names a partner goes through `Labels`, which shows an anonymous partner only
under its alias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from shieldwall.battle.manager import VERDICT_TEXT, Verdict
from shieldwall.battle.rules import REASON_TEXT, Reason
from shieldwall.engine.simulate import FATES, SHOT_RESULTS, Outcome
from shieldwall.engine.world import World
from shieldwall.scenario.load import redact
from shieldwall.scenario.model import THREAT_CLASSES, Scenario

TABLES = ("replications", "threats", "shots", "refusals", "decisions")


@dataclass(frozen=True)
class Labels:
    """Display labels of a scenario's partners, units, assets, airspaces (aliases applied)."""

    partner: list[str]
    unit: list[str]
    unit_partner: list[str]
    unit_interceptor: list[str]
    asset: list[str]
    airspace: list[str]
    reason: list[str]
    verdict: list[str]
    threat_type: list[str]  # in order of first appearance among the threats (wave order)

    @classmethod
    def of(cls, scenario: Scenario) -> "Labels":
        def safe(values):
            return [redact(v, scenario) for v in values]

        label = {p.id: p.label for p in scenario.partners}
        units = scenario.fire_units
        return cls(
            partner=[p.label for p in scenario.partners],
            unit=safe([u.id for u in units]),
            unit_partner=[label[u.owner] for u in units],
            unit_interceptor=[u.interceptor for u in units],
            asset=safe([a.id for a in scenario.assets]),
            airspace=safe([a.id for a in scenario.airspaces]),
            reason=[REASON_TEXT[r] for r in Reason],
            verdict=[VERDICT_TEXT[v] for v in Verdict],
            threat_type=list(dict.fromkeys(w.threat for w in scenario.raid.waves if w.count > 0)),
        )


def _categorical(index: np.ndarray, labels: list[str], none: str | None = None) -> pa.Array:
    """A dictionary-encoded string column; index -1 becomes `none` (null if None)."""
    dictionary = list(labels) + ([none] if none is not None else [])
    index = np.asarray(index, dtype=np.int32)
    if none is not None:
        index = np.where(index < 0, len(labels), index)
        return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(dictionary, pa.string()))
    mask = index < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(np.where(mask, 0, index), pa.int32(), mask=mask), pa.array(dictionary or [""], pa.string())
    )


class _Constants(NamedTuple):
    """What every replication of a raid realisation shares in its tables, computed once."""

    unit_cost_usd: np.ndarray  # (fire units,)
    of_class: np.ndarray  # (classes, threats) whether each threat is of each class
    launched: np.ndarray  # (classes,) threats of each class
    attack_cost_usd: float
    threat_type: np.ndarray  # (threats,) index into Labels.threat_type

    @classmethod
    def of(cls, world: World) -> "_Constants":
        scenario, threats = world.scenario, world.threats
        types = Labels.of(scenario).threat_type
        return cls(
            unit_cost_usd=world.unit_cost_usd(),
            of_class=threats.threat_class == np.arange(len(THREAT_CLASSES))[:, None],
            launched=np.bincount(threats.threat_class, minlength=len(THREAT_CLASSES)),
            attack_cost_usd=threats.unit_cost_usd.sum(),
            threat_type=np.array([types.index(t) for t in threats.type_id], dtype=np.int64))


def outcome_columns(world: World, outcomes: Sequence[Outcome], runs: Sequence[int],
                    realisation: int) -> dict[str, dict[str, np.ndarray]]:
    """Plain NumPy columns, per table, of replications `runs` (their `outcomes`, in order) of one
    raid realisation (cheap to pickle and concatenate). What every replication of the
    realisation shares (the raid's columns of the threats table) is laid out once for all of
    them, and each column built in one piece: per replication, these columns cost as much as
    some of the simulation's own steps."""
    threats = world.threats
    n, count = threats.count, len(outcomes)
    constants = world.derived("table constants", lambda: _Constants.of(world))
    run = np.asarray(runs, dtype=np.int64)
    shot_units = [outcome.shots["unit"] for outcome in outcomes]
    shot_costs = [constants.unit_cost_usd[unit] for unit in shot_units]
    gone = SHOT_RESULTS.index("target-gone")
    replication = {
        "run": run, "realisation": np.full(count, realisation, dtype=np.int64),
        "launched": np.full(count, n, dtype=np.int64),
        "shots": np.array([unit.size for unit in shot_units], dtype=np.int64),
        "defence_cost_usd": np.array([cost.sum() for cost in shot_costs], dtype=float),
        "attack_cost_usd": np.full(count, constants.attack_cost_usd, dtype=float),
        "value_lost_usd": np.array([outcome.value_lost_usd for outcome in outcomes], dtype=float),
        "refusals": np.array([outcome.refusals["unit"].size for outcome in outcomes], dtype=np.int64),
        "wasted_shots": np.array([np.count_nonzero(outcome.shots["result"] == gone) for outcome in outcomes],
                                 dtype=np.int64),
        "missed_with_capacity": np.array([np.count_nonzero(outcome.missed_with_capacity) for outcome in outcomes],
                                         dtype=np.int64),
    }
    classes = len(THREAT_CLASSES)
    fate = np.stack([outcome.fate for outcome in outcomes]).astype(np.int64)
    pairs = len(FATES) * classes  # (fate, class) pairs counted per replication
    by_fate_class = np.bincount((np.arange(count)[:, None] * pairs + fate * classes + threats.threat_class).ravel(),
                                minlength=count * pairs).reshape(count, len(FATES), classes)
    for f, fate_name in enumerate(FATES):
        replication[fate_name] = by_fate_class[:, f].sum(axis=1)
        for c, klass in enumerate(THREAT_CLASSES):
            replication[f"{fate_name}_{klass}"] = by_fate_class[:, f, c]
    finite = [np.isfinite(outcome.track_error_m) for outcome in outcomes]
    for c, klass in enumerate(THREAT_CLASSES):
        replication[f"launched_{klass}"] = np.full(count, constants.launched[c], dtype=np.int64)
        # Over the threats of the class engaged on a picture that held them (NaN: none, or a
        # fidelity without track errors).
        held = [constants.of_class[c] & engaged for engaged in finite]
        replication[f"track_error_m_{klass}"] = np.array(
            [outcome.track_error_m[mask].mean() if mask.any() else np.nan for outcome, mask in zip(outcomes, held)],
            dtype=float)

    def joined(get) -> np.ndarray:
        return np.concatenate([get(outcome) for outcome in outcomes])

    def shared(values: np.ndarray) -> np.ndarray:
        return np.tile(values, count)

    def by_row(table_rows: list[int]) -> np.ndarray:
        return np.repeat(run, table_rows)

    shots = {"run": by_row([unit.size for unit in shot_units])}
    shots.update({name: joined(lambda outcome: outcome.shots[name]) for name in outcomes[0].shots})
    shots["cost_usd"] = np.concatenate(shot_costs)
    return {
        "replications": replication,
        "threats": {
            "run": np.repeat(run, n), "realisation": np.full(count * n, realisation, dtype=np.int64),
            "threat": shared(np.arange(n)), "threat_type": shared(constants.threat_type),
            "threat_class": shared(threats.threat_class), "wave": shared(threats.wave),
            "launch_t_s": shared(threats.launch_t_s), "launch_lat_deg": shared(threats.launch_lat_deg),
            "launch_lon_deg": shared(threats.launch_lon_deg), "target": shared(threats.target_asset),
            "track_t_s": joined(lambda o: o.track_t_s), "warned_t_s": joined(lambda o: o.warned_t_s),
            "first_detect_t_s": joined(lambda o: o.first_detect_t_s),
            "first_track_partner": joined(lambda o: o.first_track_partner),
            "track_error_m": joined(lambda o: o.track_error_m),
            "fate": joined(lambda o: o.fate), "fate_t_s": joined(lambda o: o.fate_t_s),
            "fate_lat_deg": joined(lambda o: o.fate_lat_deg), "fate_lon_deg": joined(lambda o: o.fate_lon_deg),
            "fate_alt_m": joined(lambda o: o.fate_alt_m), "by_unit": joined(lambda o: o.killer_unit),
            "fate_airspace": joined(lambda o: o.fate_airspace), "shots_at": joined(lambda o: o.shots_at),
            "asset_hit": joined(lambda o: o.asset_hit), "unit_cost_usd": shared(threats.unit_cost_usd),
            "missed_with_capacity": joined(lambda o: o.missed_with_capacity),
        },
        "shots": shots,
        "refusals": {"run": by_row([o.refusals["unit"].size for o in outcomes]),
                     **{name: joined(lambda o: o.refusals[name]) for name in outcomes[0].refusals}},
        "decisions": {"run": by_row([o.decisions["unit"].size for o in outcomes]),
                      **{name: joined(lambda o: o.decisions[name]) for name in outcomes[0].decisions}},
    }


def concatenate(chunks: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for table in TABLES:
        names = chunks[0][table].keys()
        out[table] = {k: np.concatenate([c[table][k] for c in chunks]) for k in names}
    return out


def _null_where_nan(values: np.ndarray) -> pa.Array:
    """A float column whose NaN means "none" (not engaged; no track errors at this fidelity), with
    nulls there: nulls compare equal, so tables of the same run stay equal."""
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def to_arrow(columns: dict[str, dict[str, np.ndarray]], scenario: Scenario) -> dict[str, pa.Table]:
    """Arrow tables with categorical columns labelled for display."""
    labels = Labels.of(scenario)
    threats = dict(columns["threats"])
    threats["threat_class"] = _categorical(threats["threat_class"], list(THREAT_CLASSES))
    threats["fate"] = _categorical(threats["fate"], list(FATES))
    threats["target"] = _categorical(threats["target"], labels.asset)
    threats["asset_hit"] = _categorical(threats["asset_hit"], labels.asset)
    unit = threats.pop("by_unit")
    threats["by_unit"] = _categorical(unit, labels.unit)
    threats["by_partner"] = _categorical(_lookup(unit, labels.unit_partner, labels.partner), labels.partner)
    threats["by_interceptor"] = _categorical(_lookup(unit, labels.unit_interceptor), sorted(set(labels.unit_interceptor)))
    threats["fate_airspace"] = _categorical(threats["fate_airspace"], labels.airspace, none="international")
    threats["threat_type"] = _categorical(threats["threat_type"], labels.threat_type)
    threats["first_track_partner"] = _categorical(threats["first_track_partner"], labels.partner)
    threats["track_error_m"] = _null_where_nan(threats["track_error_m"])

    shots = dict(columns["shots"])
    unit = shots.pop("unit")
    shots["unit"] = _categorical(unit, labels.unit)
    shots["partner"] = _categorical(_lookup(unit, labels.unit_partner, labels.partner), labels.partner)
    shots["interceptor"] = _categorical(_lookup(unit, labels.unit_interceptor), sorted(set(labels.unit_interceptor)))
    shots["airspace"] = _categorical(shots["airspace"], labels.airspace, none="international")
    shots["result"] = _categorical(shots["result"], list(SHOT_RESULTS))
    shots["track_error_m"] = _null_where_nan(shots["track_error_m"])

    refusals = dict(columns["refusals"])
    unit = refusals.pop("unit")
    refusals["unit"] = _categorical(unit, labels.unit)
    refusals["partner"] = _categorical(_lookup(unit, labels.unit_partner, labels.partner), labels.partner)
    refusals["reason"] = _categorical(refusals["reason"], labels.reason)
    refusals["airspace"] = _categorical(refusals["airspace"], labels.airspace, none="international")

    decisions = dict(columns["decisions"])
    unit = decisions.pop("unit")
    decisions["unit"] = _categorical(unit, labels.unit)
    decisions["partner"] = _categorical(_lookup(unit, labels.unit_partner, labels.partner), labels.partner)
    decisions["verdict"] = _categorical(decisions["verdict"], labels.verdict)

    replications = {k: _null_where_nan(v) if k.startswith("track_error_m_") else v
                    for k, v in columns["replications"].items()}
    return {
        "replications": pa.table(replications),
        "threats": pa.table(threats),
        "shots": pa.table(shots),
        "refusals": pa.table(refusals),
        "decisions": pa.table(decisions),
    }


def _lookup(index: np.ndarray, values: list[str], domain: list[str] | None = None) -> np.ndarray:
    """Map unit indices to the index of their value in `domain` (sorted values if None); -1 stays."""
    domain = domain if domain is not None else sorted(set(values))
    position = np.array([domain.index(v) for v in values] + [-1], dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    return position[np.where(index < 0, len(values), index)]
