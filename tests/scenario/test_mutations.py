"""Property: any mutation of a valid scenario gives either a valid run or a clear ScenarioError."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shieldwall
from shieldwall.scenario import ScenarioError, bundled_path, parse_scenario

BASE = yaml.safe_load(bundled_path("tutorial").read_text())

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.integers(-5, 5), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PATHS = [p for p in _paths(BASE) if p]


def _mutate(data, path, action, junk):
    data = copy.deepcopy(data)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = junk
    elif action == "scale" and isinstance(parent[last], (int, float)) and not isinstance(parent[last], bool):
        parent[last] = parent[last] * -3 if junk is None else parent[last] * 1000
    elif action == "extra" and isinstance(parent[last], dict):
        parent[last]["unexpected_field"] = junk
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), action=st.sampled_from(["delete", "replace", "scale", "extra"]), junk=JUNK)
def test_mutated_scenarios_run_or_fail_clearly(path, action, junk):
    data = _mutate(BASE, path, action, junk)
    try:
        text = yaml.safe_dump(data)
    except yaml.YAMLError:
        return
    try:
        scenario = parse_scenario(text, "mutant.yaml")
    except ScenarioError as error:
        assert error.problems and "mutant.yaml" in str(error)
        return
    try:
        results = shieldwall.run(scenario, runs=2, seed=0, realisations=1)
    except ScenarioError as error:
        assert error.problems
        return
    assert results.tables["replications"].num_rows == 2
