"""Scenario files: schema, catalog and loading."""

from shieldwall.scenario.load import (
    BUNDLED_SCENARIOS,
    Problem,
    ScenarioError,
    bundled_catalog,
    bundled_path,
    dump_scenario,
    load_scenario,
    parse_scenario,
)
from shieldwall.scenario.model import (
    THREAT_CLASSES,
    Agreement,
    Airspace,
    Catalog,
    DefendedAsset,
    Doctrine,
    FireUnit,
    InterceptorType,
    LaunchArea,
    Partner,
    Raid,
    Scenario,
    Sensor,
    SensorType,
    Sourced,
    ThreatType,
    Wave,
)

__all__ = [
    "BUNDLED_SCENARIOS", "THREAT_CLASSES", "Agreement", "Airspace", "Catalog", "DefendedAsset",
    "Doctrine", "FireUnit", "InterceptorType", "LaunchArea", "Partner", "Problem", "Raid",
    "Scenario", "ScenarioError", "Sensor", "SensorType", "Sourced", "ThreatType", "Wave",
    "bundled_catalog", "bundled_path", "dump_scenario", "load_scenario", "parse_scenario",
]
