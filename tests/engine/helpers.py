from __future__ import annotations

import yaml

from shieldwall.scenario import parse_scenario


def scenario_from(data: dict):
    return parse_scenario(yaml.safe_dump(data), "<test>")
