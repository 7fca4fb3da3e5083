"""Property: any mutation of a valid scenario gives either a clear ScenarioError or a run whose
tables keep the engine's invariants, checked on every replication:

- every threat launched has exactly one fate, and the counts add up, in total and per class;
- no fire unit fires more interceptors than its magazine, nor holds more engagements at once
  than its fire channels (each held from decision until its interceptor's guidance frees it);
  no threat draws more shots than the doctrine allows;
- no intercept after the threat's impact (or before its launch, or before the interceptor's own
  launch); a threat is intercepted exactly when one of its shots killed it, at that shot's time;
- the defence cost is the shots' catalog cost, the attack cost the threats' catalog cost;
- every refusal names a rule, one that can apply to that fire unit, once per unit and threat.

Mutations are drawn mostly among meaningful edits (magazines, channels, reaction times,
availability windows, agreements and their times, partner restrictions, airspaces and the
ceiling, sensors, raid size and timing, doctrine, coordination, catalog figures and guidance), one
to four at a time, with some structural damage (a field deleted, replaced by junk, scaled or
added) to exercise validation.
"""

from __future__ import annotations

import copy
import typing
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import shieldwall
from shieldwall.battle.rules import REASON_TEXT, Reason
from shieldwall.engine import compile_world
from shieldwall.montecarlo import realisation_seed
from shieldwall.scenario import ScenarioError, bundled_path, parse_scenario
from shieldwall.scenario.load import bundled_catalog
from shieldwall.scenario.model import AgreementKind

TUTORIAL = yaml.safe_load(bundled_path("tutorial").read_text())
ONE_DRONE = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "one-drone.yaml").read_text())
CATALOG = bundled_catalog()
INTERCEPTORS = sorted(CATALOG.interceptors)
THREATS = sorted(CATALOG.threats)
RADARS = sorted(k for k, v in CATALOG.sensors.items() if v.kind != "space-launch-warning")
AGREEMENT_KINDS = list(typing.get_args(AgreementKind))
FATES = ("failed", "intercepted", "leaked")
CLASSES = ("drone", "cruise", "ballistic")
TOLERANCE_S = 1e-6

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
TIMES = st.floats(-2000.0, 12000.0, allow_nan=False)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PATHS = {id(base): [p for p in _paths(base) if p] for base in (TUTORIAL, ONE_DRONE)}


# --------------------------------------------------------------------------- mutations

@st.composite
def _unit_edit(draw, data):
    units = data["fire_units"]
    if not units:
        return
    unit = draw(st.sampled_from(units))
    field = draw(st.sampled_from([
        "magazine", "fire_channels", "reaction_time_s", "engage_on_remote", "availability", "position",
        "interceptor", "platform", "duplicate", "remove",
    ]))
    if field == "magazine":
        unit["magazine"] = draw(st.integers(0, 40))
    elif field == "fire_channels":
        unit["fire_channels"] = draw(st.integers(1, 5))
    elif field == "reaction_time_s":
        unit["reaction_time_s"] = draw(st.floats(0.0, 400.0))
    elif field == "engage_on_remote":
        unit["engage_on_remote"] = draw(st.booleans())
    elif field == "availability":
        unit["available_from_s"] = draw(TIMES)
        unit["available_until_s"] = draw(st.none() | TIMES)
    elif field == "position":
        lat, lon = unit["position"]
        unit["position"] = [lat + draw(st.floats(-1.0, 1.0)), lon + draw(st.floats(-1.5, 1.5))]
    elif field == "interceptor":
        unit["interceptor"] = draw(st.sampled_from(INTERCEPTORS))
    elif field == "platform":
        unit["platform"] = draw(st.sampled_from(["ground", "ship", "fighter-patrol"]))
    elif field == "duplicate":
        units.append(dict(unit, id=f"{unit['id']}-copy{len(units)}", magazine=draw(st.integers(0, 12))))
    else:
        units.remove(unit)


@st.composite
def _partner_edit(draw, data):
    partners = data["partners"]
    partner = draw(st.sampled_from(partners))
    field = draw(st.sampled_from(["requires_authority", "engages_only_over_own_airspace", "anonymous", "coordinator"]))
    if field == "anonymous":
        partner.update(anonymous=True, alias=f"Partner-{draw(st.integers(0, 9))}")
    elif field == "coordinator":
        for other in partners:
            other["coordinator"] = other is partner
    else:
        partner[field] = draw(st.booleans())


@st.composite
def _agreement_edit(draw, data):
    agreements = data.setdefault("agreements", [])
    ids = [p["id"] for p in data["partners"]]
    action = draw(st.sampled_from(["times", "remove", "add"] if agreements else ["add"]))
    if action == "add":
        parties = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
        start = draw(TIMES)
        agreement = {"id": f"added-{len(agreements)}", "kind": draw(st.sampled_from(AGREEMENT_KINDS)),
                     "parties": parties, "grantor": draw(st.sampled_from(parties)), "in_force_from_s": start}
        if draw(st.booleans()):
            agreement["in_force_until_s"] = start + draw(st.floats(0.0, 8000.0))
        agreements.append(agreement)
        return
    agreement = draw(st.sampled_from(agreements))
    if action == "remove":
        agreements.remove(agreement)
    else:
        agreement["in_force_from_s"] = start = draw(TIMES)
        agreement["in_force_until_s"] = draw(st.none() | st.floats(0.0, 8000.0).map(lambda d: start + d))


@st.composite
def _airspace_edit(draw, data):
    ids = [p["id"] for p in data["partners"]]
    field = draw(st.sampled_from(["ceiling", "open_to", "owner", "remove"]))
    if field == "ceiling" or not data.get("airspaces"):
        data["airspace_ceiling_m"] = draw(st.floats(0.0, 150_000.0))
        return
    airspace = draw(st.sampled_from(data["airspaces"]))
    if field == "open_to":
        airspace["open_to"] = draw(st.just("all") | st.lists(st.sampled_from(ids), unique=True))
    elif field == "owner":
        airspace["owner"] = draw(st.sampled_from(ids))
    else:
        data["airspaces"].remove(airspace)


@st.composite
def _sensor_edit(draw, data):
    sensors = data["sensors"]
    if not sensors:
        return
    sensor = draw(st.sampled_from(sensors))
    field = draw(st.sampled_from(["type", "position", "altitude_m", "release_to", "owner", "remove"]))
    ids = [p["id"] for p in data["partners"]]
    if field == "type":
        sensor["type"] = draw(st.sampled_from(RADARS))
    elif field == "position":
        lat, lon = sensor["position"]
        sensor["position"] = [lat + draw(st.floats(-1.0, 1.0)), lon + draw(st.floats(-1.5, 1.5))]
    elif field == "altitude_m":
        sensor["altitude_m"] = draw(st.floats(0.0, 12000.0))
    elif field == "release_to":
        sensor["release_to"] = draw(st.just("all") | st.lists(st.sampled_from(ids), unique=True))
    elif field == "owner":
        sensor["owner"] = draw(st.sampled_from(ids))
    else:
        sensors.remove(sensor)


@st.composite
def _raid_edit(draw, data):
    waves = data["raid"]["waves"]
    wave = draw(st.sampled_from(waves))
    field = draw(st.sampled_from(["count", "window", "radius", "reliability", "threat"]))
    if field == "count":
        wave["count"] = draw(st.integers(0, 24))
    elif field == "window":
        start = draw(st.floats(0.0, 8000.0))
        wave["launch_window_s"] = [start, start + draw(st.floats(0.0, 1500.0))]
    elif field == "radius":
        wave["launch_area"]["radius_m"] = draw(st.floats(0.0, 100_000.0))
    elif field == "reliability":
        wave["reliability"] = {"value": draw(st.floats(0.0, 1.0)), "notional": "mutation"}
    else:
        wave["threat"] = draw(st.sampled_from(THREATS))
        if CATALOG.threats[wave["threat"]].threat_class == "ballistic":
            wave.pop("route", None)


@st.composite
def _doctrine_edit(draw, data):
    doctrine = data.setdefault("doctrine", {})
    field = draw(st.sampled_from(["shoot_look_shoot", "salvo_size", "kill_assessment_s", "cost_weight",
                                  "prefer_cheaper_shot", "track_latency_s", "coordination", "firing_point",
                                  "max_shots_per_threat", "interceptors"]))
    if field in ("shoot_look_shoot", "prefer_cheaper_shot"):
        doctrine[field] = draw(st.booleans())
    elif field == "salvo_size":
        doctrine[field] = draw(st.integers(1, 4))
    elif field == "firing_point":
        doctrine[field] = draw(st.sampled_from(["adaptive", "first-opportunity"]))
    elif field == "max_shots_per_threat":
        doctrine[field] = draw(st.integers(1, 20))
    elif field == "interceptors":
        if not data["fire_units"]:
            return
        kind = draw(st.sampled_from([u["interceptor"] for u in data["fire_units"]]))
        own = doctrine.setdefault("interceptors", {}).setdefault(kind, {})
        own["reserve_rounds"] = draw(st.integers(0, 6))
        if draw(st.booleans()):
            own["shoot_look_shoot"] = draw(st.booleans())
        if draw(st.booleans()):
            own["salvo_size"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            own["firing_point"] = draw(st.sampled_from(["adaptive", "first-opportunity"]))
    elif field == "cost_weight":
        doctrine[field] = draw(st.floats(0.0, 3.0))
    elif field == "coordination":
        data["coordination"] = draw(st.sampled_from(["coordinated", "independent"]))
    else:
        doctrine[field] = draw(st.floats(0.0, 90.0))


@st.composite
def _catalog_edit(draw, data):
    """Override a catalog type the scenario uses with other figures (interceptor envelope, speed,
    Pk and cost; radar Pd and scan period; threat reliability and CEP)."""
    catalog = data.setdefault("catalog", {})

    def entry(section, type_id):
        if type_id not in catalog.setdefault(section, {}):
            catalog[section][type_id] = getattr(CATALOG, section)[type_id].model_dump(
                mode="json", by_alias=True, exclude_none=True)
        return catalog[section][type_id]

    def sourced(value):
        return {"value": value, "notional": "mutation"}

    section = draw(st.sampled_from(["interceptors", "sensors", "threats"]))
    if section == "interceptors" and data["fire_units"]:
        kind = entry(section, draw(st.sampled_from([u["interceptor"] for u in data["fire_units"]])))
        low = draw(st.floats(0.0, 20_000.0))
        kind["min_range_m"] = sourced(low)
        kind["max_range_m"] = sourced(low + draw(st.floats(0.0, 300_000.0)))
        kind["min_altitude_m"] = sourced(draw(st.sampled_from([0.0, 0.0, 30.0, 5000.0])))
        kind["max_altitude_m"] = sourced(kind["min_altitude_m"]["value"] + draw(st.floats(0.0, 200_000.0)))
        kind["average_speed_mps"] = sourced(draw(st.floats(100.0, 5000.0)))
        for klass in CLASSES:
            if draw(st.booleans()):
                kind["kill_probability"][klass] = sourced(draw(st.floats(0.0, 1.0)))
        kind["unit_cost_usd"] = sourced(draw(st.floats(0.0, 1e7)))
        guidance = draw(st.sampled_from(["command", "semi-active", "active", "fire-and-forget"]))
        kind["guidance"] = {"kind": guidance, "notional": "mutation"}
        if guidance == "active":
            kind["guidance"]["homing_s"] = sourced(draw(st.floats(0.0, 60.0)))
    elif section == "sensors" and data["sensors"]:
        kind = entry(section, draw(st.sampled_from([s["type"] for s in data["sensors"]])))
        kind["detection_probability"] = sourced(draw(st.floats(0.0, 1.0)))
        kind["scan_period_s"] = sourced(draw(st.floats(0.5, 60.0)))
    elif section == "threats":
        kind = entry(section, draw(st.sampled_from([w["threat"] for w in data["raid"]["waves"]])))
        kind["reliability"] = sourced(draw(st.floats(0.0, 1.0)))
        kind["cep_m"] = sourced(draw(st.floats(1.0, 5000.0)))


@st.composite
def _damage(draw, data, paths):
    """A structural edit that usually makes the scenario invalid."""
    path = draw(st.sampled_from(paths))
    parent = data
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        value = parent[last]
    except (KeyError, IndexError, TypeError):
        return
    action = draw(st.sampled_from(["delete", "replace", "scale", "extra"]))
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = draw(JUNK)
    elif action == "scale" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[last] = value * draw(st.sampled_from([-3, 0, 1000]))
    elif action == "extra" and isinstance(value, dict):
        value["unexpected_field"] = draw(JUNK)


EDITS = [_unit_edit, _partner_edit, _agreement_edit, _airspace_edit, _sensor_edit, _raid_edit, _doctrine_edit,
         _catalog_edit]


@st.composite
def mutated_scenarios(draw):
    base = draw(st.sampled_from([TUTORIAL, TUTORIAL, ONE_DRONE]))
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(EDITS))
        draw(edit(data))
    if draw(st.integers(0, 9)) == 0:
        draw(_damage(data, PATHS[id(base)]))
    return data


# --------------------------------------------------------------------------- invariants

def _indices(column) -> np.ndarray:
    """Dictionary indices of a categorical column (-1 where null)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return np.asarray(array.indices.fill_null(-1), dtype=np.int64)


def _labels(column) -> list:
    return column.to_pylist()


def _channel_free_t_s(scenario, unit, launch_t_s: float, intercept_t_s: float) -> float:
    """When a shot stops needing its unit's fire channel, by its interceptor's guidance: at
    intercept for command and semi-active guidance, `homing_s` before intercept for an active
    seeker, at launch for fire-and-forget."""
    guidance = scenario.catalog.interceptors[unit.interceptor].guidance
    if guidance.kind == "fire-and-forget":
        return launch_t_s
    if guidance.kind == "active":
        return max(launch_t_s, intercept_t_s - guidance.homing_s.value)
    return intercept_t_s


def check_invariants(scenario, results, seed: int) -> None:
    """Assert every invariant of the module docstring on one run of `scenario` (one realisation)."""
    tables = results.tables
    reps, threats, shots, refusals = (tables[k] for k in ("replications", "threats", "shots", "refusals"))
    runs = reps.num_rows
    world = compile_world(scenario, np.random.default_rng(realisation_seed(seed, 0)))
    n = world.threats.count
    units = scenario.fire_units
    launched_per_class = Counter(scenario.catalog.threats[w.threat].threat_class for w in scenario.raid.waves
                                 for _ in range(w.count))

    # Fates add up to launched.
    assert threats.num_rows == runs * n
    assert np.all(reps["launched"].to_numpy() == n) and n == sum(w.count for w in scenario.raid.waves)
    fate = np.array(_labels(threats["fate"])).reshape(runs, n)
    assert set(fate.ravel()) <= set(FATES)
    for f in FATES:
        assert np.array_equal(reps[f].to_numpy(), (fate == f).sum(axis=1)), f
    assert np.array_equal(sum(reps[f].to_numpy() for f in FATES), reps["launched"].to_numpy())
    for klass in CLASSES:
        assert np.all(reps[f"launched_{klass}"].to_numpy() == launched_per_class[klass]), klass
        assert np.array_equal(sum(reps[f"{f}_{klass}"].to_numpy() for f in FATES),
                              reps[f"launched_{klass}"].to_numpy()), klass

    # Shots: per run and unit, within the magazine; per threat, as counted in the threats table.
    shot_run = shots["run"].to_numpy()
    shot_unit = _indices(shots["unit"])
    shot_threat = shots["threat"].to_numpy()
    magazine = np.array([u.magazine for u in units], dtype=np.int64)
    assert np.all(shot_unit >= 0)
    per_unit = np.zeros((runs, len(units)), dtype=np.int64)
    np.add.at(per_unit, (shot_run, shot_unit), 1)
    assert np.all(per_unit <= magazine[None, :]), (per_unit.max(axis=0), magazine)
    per_threat = np.zeros((runs, n), dtype=np.int64)
    np.add.at(per_threat, (shot_run, shot_threat), 1)
    assert np.array_equal(per_threat.ravel(), threats["shots_at"].to_numpy())
    assert np.all(per_threat <= scenario.doctrine.max_shots_per_threat)
    assert np.array_equal(per_unit.sum(axis=1), reps["shots"].to_numpy())

    # Fire channels: an engagement (one unit, threat and launch time) holds a channel from its
    # decision (at the latest, launch - reaction) until the interceptor no longer needs the unit.
    launch = shots["launch_t_s"].to_numpy()
    intercept = shots["intercept_t_s"].to_numpy()
    engagements = sorted({(r, u, j, t, i) for r, u, j, t, i in zip(shot_run, shot_unit, shot_threat, launch, intercept)})
    for r in range(runs):
        for u, unit in enumerate(units):
            mine = [(t - unit.reaction_time_s, _channel_free_t_s(scenario, unit, t, i))
                    for rr, uu, _, t, i in engagements if rr == r and uu == u]
            edges = sorted([(start, 1) for start, _ in mine] + [(end - TOLERANCE_S, -1) for _, end in mine])
            busy = np.cumsum([d for _, d in edges]) if edges else np.zeros(1)
            assert busy.max() <= unit.fire_channels, (unit.id, r)

    # No intercept after impact, none before launch; kills and fates agree.
    impact = world.threats.impact_t_s
    threat_launch = world.threats.launch_t_s
    assert np.allclose(threats["launch_t_s"].to_numpy(), np.tile(threat_launch, runs))
    fate_t = threats["fate_t_s"].to_numpy().reshape(runs, n)
    assert np.all(launch <= intercept + TOLERANCE_S)
    assert np.all(launch >= threat_launch[shot_threat] - TOLERANCE_S)
    assert np.all(intercept <= impact[shot_threat] + TOLERANCE_S), "a shot intercepts after its threat's impact"
    intercepted = fate == "intercepted"
    assert np.all(fate_t[intercepted] <= np.broadcast_to(impact, fate.shape)[intercepted] + TOLERANCE_S), \
        "an intercept is scored after the threat's impact"
    leaked = fate == "leaked"
    assert np.allclose(fate_t[leaked], np.broadcast_to(impact, fate.shape)[leaked])
    result = np.array(_labels(shots["result"]), dtype=object)
    assert set(result) <= {"miss", "kill", "target-gone"}
    killer = _indices(threats["by_unit"]).reshape(runs, n)
    assert np.array_equal(killer >= 0, intercepted)
    for r, j in zip(*np.nonzero(intercepted)):
        kills = (shot_run == r) & (shot_threat == j) & (result == "kill")
        assert kills.any(), (r, j)
        first = intercept[kills].min()
        assert fate_t[r, j] == pytest.approx(first, abs=TOLERANCE_S)
        assert killer[r, j] in set(shot_unit[kills & (intercept == first)])
    killed = (result == "kill")
    assert np.all(intercepted[shot_run[killed], shot_threat[killed]]), "a kill on a threat not intercepted"
    # A shot arriving after the threat's fate is sealed finds it gone.
    late = intercept > fate_t[shot_run, shot_threat] + TOLERANCE_S
    assert np.all(result[late] == "target-gone")
    assert np.array_equal(reps["wasted_shots"].to_numpy(), np.bincount(shot_run[result == "target-gone"], minlength=runs))

    # Costs match shots (catalog unit cost of each unit's interceptor) and threats.
    unit_cost = np.array([scenario.catalog.interceptors[u.interceptor].unit_cost_usd.value for u in units])
    assert np.allclose(shots["cost_usd"].to_numpy(), unit_cost[shot_unit] if shot_unit.size else [])
    defence = np.bincount(shot_run, weights=unit_cost[shot_unit] if shot_unit.size else None, minlength=runs)
    assert np.allclose(reps["defence_cost_usd"].to_numpy(), defence)
    threat_cost = sum(scenario.catalog.threats[w.threat].unit_cost_usd.value * w.count for w in scenario.raid.waves)
    assert np.allclose(reps["attack_cost_usd"].to_numpy(), threat_cost)

    # Every refusal names a rule, one that can apply to its unit, once per (run, unit, threat).
    reason = _labels(refusals["reason"])
    refused_unit = _indices(refusals["unit"])
    refusal_run = refusals["run"].to_numpy()
    assert np.array_equal(reps["refusals"].to_numpy(), np.bincount(refusal_run, minlength=runs))
    rules = {REASON_TEXT[r] for r in Reason if r != Reason.ALLOWED}
    partners = {p.id: p for p in scenario.partners}
    for text, u in zip(reason, refused_unit):
        assert text in rules, text
        assert u >= 0
        unit = units[u]
        owner = partners[unit.owner]
        if text == REASON_TEXT[Reason.NO_AUTHORITY]:
            assert owner.requires_authority
        elif text == REASON_TEXT[Reason.OUTSIDE_OWN_AIRSPACE]:
            assert owner.engages_only_over_own_airspace
        elif text == REASON_TEXT[Reason.AIRSPACE_DENIED]:
            assert scenario.airspaces and not owner.engages_only_over_own_airspace
        elif text == REASON_TEXT[Reason.NO_OVERFLIGHT]:
            assert unit.platform == "fighter-patrol"
        elif text == REASON_TEXT[Reason.UNIT_UNAVAILABLE]:
            assert unit.available_from_s > 0 or unit.available_until_s is not None
    keys = list(zip(refusal_run, refused_unit, refusals["threat"].to_numpy()))
    assert len(keys) == len(set(keys)), "a (unit, threat) refused twice in one replication"


# --------------------------------------------------------------------------- the properties

def _run_or_reject(data, seed: int, fidelity: str) -> None:
    text = yaml.safe_dump(data)
    try:
        scenario = parse_scenario(text, "mutant.yaml")
    except ScenarioError as error:
        assert error.problems and "mutant.yaml" in str(error)
        event("rejected")
        return
    try:
        results = shieldwall.run(scenario, runs=2, seed=seed, realisations=1, fidelity=fidelity)
    except ScenarioError as error:
        assert error.problems
        event("rejected when compiled")
        return
    assert results.tables["replications"].num_rows == 2
    check_invariants(scenario, results, seed)
    tables = results.tables
    event("ran")
    event("ran, with shots" if tables["shots"].num_rows else "ran, no shot")
    if tables["refusals"].num_rows:
        event("ran, with refusals")


ARGUMENTS = dict(data=mutated_scenarios(), seed=st.integers(0, 2**16), fidelity=st.sampled_from(["radar", "ideal"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(**ARGUMENTS)
def test_mutated_scenarios_fail_clearly_or_keep_every_invariant(data, seed, fidelity):
    _run_or_reject(data, seed, fidelity)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(**ARGUMENTS)
def test_mutated_scenarios_keep_every_invariant_at_length(data, seed, fidelity):
    _run_or_reject(data, seed, fidelity)


def test_the_invariants_hold_on_the_bundled_tutorial():
    scenario = parse_scenario(bundled_path("tutorial").read_text(), "tutorial.yaml")
    for fidelity in ("radar", "ideal"):
        check_invariants(scenario, shieldwall.run(scenario, runs=4, seed=3, realisations=1, fidelity=fidelity), 3)
