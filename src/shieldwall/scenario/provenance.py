"""The provenance of a scenario's own numbers: magazines, fire channels, reaction times and asset
values (`model.PROVENANCE_FIELDS`), each with the note its file gives or, for a bare number, the
record that the file gave it without one."""

from __future__ import annotations

from shieldwall.scenario.model import PROVENANCE_FIELDS, Scenario

GIVEN = "given in scenario file"


def scenario_numbers(scenario: Scenario) -> list[dict]:
    """One entry per number that reaches the engine: its path, value, provenance text and whether
    the file says where it comes from (`explicit`)."""
    rows = []
    for section, names in PROVENANCE_FIELDS.items():
        for item in getattr(scenario, section):
            for name in names:
                path = f"{section}.{item.id}.{name}"
                note = scenario.provenance.get(path)
                rows.append({"path": path, "value": getattr(item, name),
                             "provenance": note.provenance if note else GIVEN, "explicit": note is not None})
    return rows
