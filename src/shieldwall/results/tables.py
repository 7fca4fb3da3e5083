"""Turning replication outcomes into columnar tables (Arrow), with labels safe to show.

Every label that names a partner goes through `Labels`, which shows an anonymous partner only
under its alias.
"""

from __future__ import annotations

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


def outcome_columns(world: World, outcome: Outcome, run: int, realisation: int) -> dict[str, dict[str, np.ndarray]]:
    """Plain NumPy columns of one replication, per table (cheap to pickle and concatenate)."""
    threats = world.threats
    n = threats.count
    constants = world.derived("table constants", lambda: _Constants.of(world))
    shot_unit = outcome.shots["unit"]
    shot_cost = constants.unit_cost_usd[shot_unit] if shot_unit.size else np.zeros(0)
    replication = {
        "run": np.array([run]), "realisation": np.array([realisation]),
        "launched": np.array([n]),
        "shots": np.array([shot_unit.size]),
        "defence_cost_usd": np.array([shot_cost.sum()]),
        "attack_cost_usd": np.array([constants.attack_cost_usd]),
        "value_lost_usd": np.array([outcome.value_lost_usd]),
        "refusals": np.array([outcome.refusals["unit"].size]),
        "wasted_shots": np.array([np.count_nonzero(outcome.shots["result"] == SHOT_RESULTS.index("target-gone"))]),
        "missed_with_capacity": np.array([np.count_nonzero(outcome.missed_with_capacity)]),
    }
    classes = len(THREAT_CLASSES)
    by_fate_class = np.bincount(outcome.fate * classes + threats.threat_class,
                                minlength=len(FATES) * classes).reshape(len(FATES), classes)
    for f, fate in enumerate(FATES):
        replication[fate] = by_fate_class[f].sum(keepdims=True)
        for c, klass in enumerate(THREAT_CLASSES):
            replication[f"{fate}_{klass}"] = by_fate_class[f, c:c + 1]
    for c, klass in enumerate(THREAT_CLASSES):
        replication[f"launched_{klass}"] = constants.launched[c:c + 1]
        # Over the threats of the class engaged on a picture that held them (NaN: none, or a
        # fidelity without track errors).
        held = constants.of_class[c] & np.isfinite(outcome.track_error_m)
        replication[f"track_error_m_{klass}"] = np.array([outcome.track_error_m[held].mean() if held.any() else np.nan])
    return {
        "replications": replication,
        "threats": {
            "run": np.full(n, run), "realisation": np.full(n, realisation), "threat": np.arange(n),
            "threat_type": constants.threat_type, "threat_class": threats.threat_class,
            "wave": threats.wave, "launch_t_s": threats.launch_t_s,
            "launch_lat_deg": threats.launch_lat_deg, "launch_lon_deg": threats.launch_lon_deg,
            "target": threats.target_asset, "track_t_s": outcome.track_t_s, "warned_t_s": outcome.warned_t_s,
            "first_detect_t_s": outcome.first_detect_t_s, "first_track_partner": outcome.first_track_partner,
            "track_error_m": outcome.track_error_m,
            "fate": outcome.fate, "fate_t_s": outcome.fate_t_s, "fate_lat_deg": outcome.fate_lat_deg,
            "fate_lon_deg": outcome.fate_lon_deg, "fate_alt_m": outcome.fate_alt_m,
            "by_unit": outcome.killer_unit, "fate_airspace": outcome.fate_airspace,
            "shots_at": outcome.shots_at, "asset_hit": outcome.asset_hit, "unit_cost_usd": threats.unit_cost_usd,
            "missed_with_capacity": outcome.missed_with_capacity,
        },
        "shots": {
            "run": np.full(shot_unit.size, run), **outcome.shots, "cost_usd": shot_cost,
        },
        "refusals": {"run": np.full(outcome.refusals["unit"].size, run), **outcome.refusals},
        "decisions": {"run": np.full(outcome.decisions["unit"].size, run), **outcome.decisions},
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
