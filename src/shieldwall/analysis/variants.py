"""Variants of a scenario: a base scenario plus overlays, and coalitions of its partners.

An overlay changes who takes part and under what rules (remove a partner, deny or grant an
airspace, delay or withdraw an agreement, change a magazine, add a battery or a sensor, switch the
coordination mode); it never changes the raid or the defended assets, so every variant flies the
same raid realisations as its base and reuses their compiled geometry (`World.for_scenario`).

Overlay files are YAML, validated like scenarios (`extra="forbid"`, errors name the file and the
path inside it). Command-line flags build the same `Overlay` objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
)

from shieldwall.scenario import Problem, Scenario, ScenarioError
from shieldwall.scenario.load import (
    _line_of,
    _problems_from,
    _read_yaml,
    cross_reference_problems,
    redact,
)
from shieldwall.scenario.model import PROVENANCE_FIELDS, Agreement, FireUnit, Note, Sensor

Coordination = Literal["coordinated", "independent"]

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|sec|min|m|h|d)?\s*$")
_UNIT_S = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration_s(text: str | float | int) -> float:
    """Seconds in a duration such as `2h`, `30min`, `90s`, `1.5d` or a bare number of seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 30min, 2h, 1.5d)")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


Duration = Annotated[float, BeforeValidator(parse_duration_s)]
"""Seconds, written as a number or as a duration such as `2h` in overlay and campaign files."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AirspaceChange(_Strict):
    """Deny or grant engagement inside an airspace.

    `airspace` is an airspace id, or a partner id meaning every airspace that partner owns.
    `partners` are those denied (or granted); `all` means every partner but the owner.
    `overflight` also denies (or grants) patrol overflight of the owner's territory.
    """

    airspace: str
    partners: list[str] | Literal["all"] = "all"
    overflight: bool = False


class AgreementDelay(_Strict):
    """Move an agreement's entry into force later (or earlier, with a negative delay).

    `agreement` is an agreement id, or a partner id meaning every engagement-authority agreement
    that partner is party to.
    """

    agreement: str
    delay_s: Duration


class MagazineChange(_Strict):
    """Set the starting magazine of a fire unit (by id) or of every unit of an interceptor type."""

    unit: str
    magazine: Annotated[int, Field(ge=0)]


class Overlay(_Strict):
    """Changes applied, in the order of the fields below, to a base scenario."""

    name: str
    description: str = ""
    remove_partners: list[str] = []
    remove_fire_units: list[str] = []
    deny_airspace: list[AirspaceChange] = []
    grant_airspace: list[AirspaceChange] = []
    withdraw_agreements: list[str] = []
    delay_agreements: list[AgreementDelay] = []
    magazines: list[MagazineChange] = []
    add_agreements: list[Agreement] = []
    add_sensors: list[Sensor] = []
    add_fire_units: list[FireUnit] = []
    coordination: Coordination | None = None
    successor: str | None = Field(
        None, description="partner that takes over the coordinator role if the coordinator is removed"
    )
    _node: object = PrivateAttr(None)  # the YAML node it was read from, for line numbers

    def changes(self) -> list[str]:
        """One line per change, for display (partner ids as given: pass through `redact`)."""
        lines = [f"without {p}" for p in self.remove_partners]
        lines += [f"without unit {u}" for u in self.remove_fire_units]
        for verb, items in (("deny", self.deny_airspace), ("grant", self.grant_airspace)):
            for c in items:
                who = "all" if c.partners == "all" else ",".join(c.partners)
                lines.append(f"{verb} airspace {c.airspace} to {who}" + (" (and overflight)" if c.overflight else ""))
        lines += [f"withdraw {a}" for a in self.withdraw_agreements]
        lines += [f"delay {d.agreement} by {_format_duration(d.delay_s)}" for d in self.delay_agreements]
        lines += [f"magazine {m.unit}={m.magazine}" for m in self.magazines]
        lines += [f"add agreement {a.id}" for a in self.add_agreements]
        lines += [f"add sensor {s.id}" for s in self.add_sensors]
        lines += [f"add fire unit {u.id}" for u in self.add_fire_units]
        if self.coordination:
            lines.append(f"{self.coordination} battle management")
        return lines


def _format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True)
class Variant:
    """A scenario to run and the battle-management mode to run it in."""

    name: str
    scenario: Scenario
    coordination: str
    changes: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """What decides this variant's results (for caching and for spotting identical variants)."""
        return self.coordination + "\n" + self.scenario.model_dump_json()


# --------------------------------------------------------------------------- loading overlays


def load_overlay(path: str | Path) -> Overlay:
    """An overlay file (YAML). Raises ScenarioError naming the file and the path inside it."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(file, [Problem("", f"cannot read: {error}")]) from None
    data, node = _read_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError(file, [Problem("", "expected a mapping at the top level")])
    data.setdefault("name", Path(path).stem)
    try:
        overlay = Overlay.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(file, _problems_from(error, node)) from None
    overlay._node = node
    return overlay


# --------------------------------------------------------------------------- applying overlays


def apply_overlay(base: Scenario, overlay: Overlay, file: str | None = None) -> Variant:
    """The variant that `overlay` makes of `base`. Raises ScenarioError for a reference that does not
    resolve (unknown partner, airspace, agreement or unit) or a result that is not a valid scenario."""
    file = file or f"overlay {overlay.name!r}"
    node = getattr(overlay, "_node", None)
    problems: list[Problem] = []
    partners = {p.id for p in base.partners}

    def problem(path: str, message: str) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        problems.append(Problem(path, message, _line_of(node, tuple(keys)) if node is not None else None))

    for i, p in enumerate(overlay.remove_partners):
        if p not in partners:
            problem(f"remove_partners.{i}", f"unknown partner {p!r} (known: {_known(base)})")
    if overlay.successor is not None and overlay.successor not in partners:
        problem("successor", f"unknown partner {overlay.successor!r} (known: {_known(base)})")
    if problems:
        raise ScenarioError(file, problems)

    scenario, coordination = base, overlay.coordination or base.coordination
    if overlay.remove_partners:
        members = [p.id for p in base.partners if p.id not in set(overlay.remove_partners)]
        scenario, coordination = restrict(base, members, overlay.successor, overlay.coordination)

    units = [u for u in scenario.fire_units]
    unit_ids = {u.id for u in base.fire_units}
    for i, u in enumerate(overlay.remove_fire_units):
        if u not in unit_ids:
            problem(f"remove_fire_units.{i}", f"unknown fire unit {u!r}")
    units = [u for u in units if u.id not in set(overlay.remove_fire_units)]
    agreements = list(scenario.agreements)
    airspaces = list(scenario.airspaces)

    for section, items, grant in (("deny_airspace", overlay.deny_airspace, False),
                                  ("grant_airspace", overlay.grant_airspace, True)):
        for i, change in enumerate(items):
            targets = [k for k, a in enumerate(airspaces) if a.id == change.airspace or a.owner == change.airspace]
            if not targets:
                problem(f"{section}.{i}.airspace",
                        f"no airspace {change.airspace!r} and no partner owning one "
                        f"(airspaces: {', '.join(a.id for a in airspaces)})")
                continue
            if change.partners != "all":
                for j, p in enumerate(change.partners):
                    if p not in partners:
                        problem(f"{section}.{i}.partners.{j}", f"unknown partner {p!r} (known: {_known(base)})")
            for k in targets:
                airspaces[k], agreements = _change_airspace(scenario, airspaces[k], agreements, change, grant)

    agreement_ids = {a.id for a in base.agreements}
    for i, a in enumerate(overlay.withdraw_agreements):
        if a not in agreement_ids:
            problem(f"withdraw_agreements.{i}", f"unknown agreement {a!r}")
    agreements = [a for a in agreements if a.id not in set(overlay.withdraw_agreements)]

    def delayed(a, reference: str) -> bool:
        return a.id == reference or (a.kind == "engagement-authority" and reference in a.parties)

    for i, delay in enumerate(overlay.delay_agreements):
        chosen = [k for k, a in enumerate(agreements) if delayed(a, delay.agreement)]
        # An agreement that lapsed with a removed partner or was withdrawn has nothing left to delay.
        if not chosen and not any(delayed(a, delay.agreement) for a in base.agreements):
            problem(f"delay_agreements.{i}.agreement",
                    f"{delay.agreement!r} is neither an agreement id nor a partner with an engagement-authority "
                    f"agreement (agreements: {', '.join(a.id for a in agreements)})")
        for k in chosen:
            a = agreements[k]
            until = a.in_force_until_s
            agreements[k] = a.model_copy(update={
                "in_force_from_s": a.in_force_from_s + delay.delay_s,
                "in_force_until_s": None if until is None else max(until, a.in_force_from_s + delay.delay_s),
            })

    interceptors = {u.interceptor for u in base.fire_units}
    reset: set[str] = set()  # numbers the overlay sets: their notes no longer describe them
    for i, change in enumerate(overlay.magazines):
        hit = [k for k, u in enumerate(units) if change.unit in (u.id, u.interceptor)]
        if not hit and change.unit not in unit_ids and change.unit not in interceptors:
            problem(f"magazines.{i}.unit", f"no fire unit or interceptor type {change.unit!r} in the scenario")
        for k in hit:
            units[k] = units[k].model_copy(update={"magazine": change.magazine})
            reset.add(f"fire_units.{units[k].id}.magazine")

    agreements += list(overlay.add_agreements)
    sensors = list(scenario.sensors) + list(overlay.add_sensors)
    units += list(overlay.add_fire_units)
    if problems:
        raise ScenarioError(file, problems)

    # The provenance of numbers that leave with a removed unit leaves with them.
    kept = {f"fire_units.{u.id}.{name}" for u in units for name in PROVENANCE_FIELDS["fire_units"]}
    kept |= {f"assets.{a.id}.{name}" for a in scenario.assets for name in PROVENANCE_FIELDS["assets"]}
    variant = scenario.model_copy(update={
        "fire_units": units, "agreements": agreements, "airspaces": airspaces, "sensors": sensors,
        "coordination": coordination, "name": f"{base.name}+{overlay.name}",
        "provenance": {path: (Note(notional=f"set by overlay {overlay.name!r}") if path in reset else note)
                       for path, note in scenario.provenance.items() if path in kept},
    })
    # Re-validate: added parts must resolve like a scenario file's.
    try:
        variant = Scenario.model_validate(variant.model_dump(by_alias=True))
    except ValidationError as error:
        raise ScenarioError(file, _problems_from(error, node)) from None
    found = cross_reference_problems(variant)
    if found:
        raise ScenarioError(file, found)
    return Variant(redact(overlay.name, base), variant, coordination,
                   tuple(redact(line, base) for line in overlay.changes()))


def _known(scenario: Scenario) -> str:
    return ", ".join(p.label for p in scenario.partners)


def _change_airspace(scenario: Scenario, airspace, agreements: list[Agreement], change: AirspaceChange, grant: bool):
    everyone = [p.id for p in scenario.partners]
    who = [p for p in everyone if p != airspace.owner] if change.partners == "all" else list(change.partners)
    open_to = airspace.open_to
    if grant:
        if open_to != "all":
            open_to = "all" if change.partners == "all" else sorted(set(open_to) | set(who))
        kinds = ["overflight"] if change.overflight and airspace.owner else []
        for kind in kinds:
            agreements = agreements + [Agreement(id=f"{airspace.id}-{kind}-granted", kind=kind,
                                                 grantor=airspace.owner, parties=[airspace.owner, *who])]
        return airspace.model_copy(update={"open_to": open_to}), agreements
    open_to = [p for p in (everyone if open_to == "all" else open_to) if p not in who]
    kinds = {"airspace-engagement"} | ({"overflight"} if change.overflight else set())
    kept = []
    for a in agreements:
        if a.kind in kinds and a.grantor is not None and a.grantor == airspace.owner:
            parties = [p for p in a.parties if p == a.grantor or p not in who]
            if len(parties) < 2:
                continue
            a = a.model_copy(update={"parties": parties})
        kept.append(a)
    return airspace.model_copy(update={"open_to": open_to}), kept


# --------------------------------------------------------------------------- coalitions


def restrict(scenario: Scenario, members, successor: str | None = None,
             coordination: str | None = None) -> tuple[Scenario, str]:
    """The scenario with only `members` taking part, and the coordination mode to run it in.

    A partner outside the coalition stays in the partner list (so that labels and per-partner
    tables line up across coalitions) but withdraws everything it brings:

    - its fire units and its sensors;
    - its track sharing, airspace-engagement and overflight grants (agreements it grants are
      dropped; it is removed from the parties of the others);
    - its airspace stays where it is and becomes closed: nobody may intercept over it (`open_to`
      emptied, no grants), as over a neutral state;
    - an engagement-authority agreement lapses when fewer than two of its parties remain (a UK
      authority resting on an exchange of letters with Israel lapses if Israel is not in).

    If the coordinator is outside the coalition, nobody fuses the picture: the members fight
    `independent`ly, each on its own picture and the tracks shared between members, unless
    `successor` (a member) takes over the coordinator role. `coordination` overrides the mode.
    """
    members = set(members)
    ids = [p.id for p in scenario.partners]
    unknown = members - set(ids)
    if unknown:
        raise ValueError(f"unknown partners: {', '.join(sorted(unknown))}")
    out = set(ids) - members
    agreements = []
    for a in scenario.agreements:
        if a.grantor is not None and a.grantor in out:
            continue
        parties = [p for p in a.parties if p in members]
        if a.kind == "engagement-authority":
            if len(parties) < min(2, len(a.parties)):
                continue
        elif len(parties) < 2:
            continue
        agreements.append(a.model_copy(update={"parties": parties}) if parties != a.parties else a)
    airspaces = []
    for a in scenario.airspaces:
        if a.owner in out:
            a = a.model_copy(update={"open_to": []})
        elif a.open_to != "all":
            a = a.model_copy(update={"open_to": [p for p in a.open_to if p in members]})
        airspaces.append(a)
    sensors = []
    for s in scenario.sensors:
        if s.owner in out:
            continue
        if s.release_to != "all":
            s = s.model_copy(update={"release_to": [p for p in s.release_to if p in members]})
        sensors.append(s)
    coordinator = next(p.id for p in scenario.partners if p.coordinator)
    partners = list(scenario.partners)
    mode = coordination or scenario.coordination
    if coordinator in out:
        if successor is not None and successor in members:
            partners = [p.model_copy(update={"coordinator": p.id == successor}) for p in partners]
        else:
            mode = "independent"
    restricted = scenario.model_copy(update={
        "partners": partners, "agreements": agreements, "airspaces": airspaces, "sensors": sensors,
        "fire_units": [u for u in scenario.fire_units if u.owner in members],
        "coordination": mode,
    })
    return restricted, mode


def coalition_variant(scenario: Scenario, members, successor: str | None = None,
                      coordination: str | None = None) -> Variant:
    """The variant in which only `members` take part (see `restrict`)."""
    label = {p.id: p.label for p in scenario.partners}
    restricted, mode = restrict(scenario, members, successor, coordination)
    names = [label[p.id] for p in scenario.partners if p.id in set(members)]
    return Variant("{" + ", ".join(names) + "}", restricted, mode)


def base_variant(scenario: Scenario, coordination: str | None = None) -> Variant:
    return Variant("base", scenario, coordination or scenario.coordination)


def overlay_from_flags(scenario: Scenario, name: str, without: list[str], deny_airspace: list[str],
                       grant_airspace: list[str], authority_delay: list[str], withdraw: list[str],
                       magazine: list[str], mode: str | None, successor: str | None) -> Overlay:
    """An Overlay from command-line flags. `deny_airspace`/`grant_airspace` entries are
    `AIRSPACE_OR_OWNER` or `AIRSPACE_OR_OWNER=P1,P2`; `authority_delay` entries are
    `PARTNER_OR_AGREEMENT=DURATION`; `magazine` entries are `UNIT_OR_TYPE=N`.
    Raises ValueError with a message naming the flag."""

    alias = {p.alias: p.id for p in scenario.partners if p.anonymous}

    def unalias(partner: str) -> str:  # users may name an anonymous partner by its alias
        return alias.get(partner, partner)

    def pair(flag: str, text: str) -> tuple[str, str]:
        if "=" not in text:
            raise ValueError(f"{flag} expects KEY=VALUE, got {text!r}")
        key, value = text.split("=", 1)
        return key.strip(), value.strip()

    def airspace(flag: str, text: str) -> AirspaceChange:
        if "=" in text:
            key, value = pair(flag, text)
            return AirspaceChange(airspace=unalias(key), partners=[unalias(p) for p in value.split(",") if p])
        return AirspaceChange(airspace=unalias(text.strip()))

    delays = []
    for text in authority_delay:
        key, value = pair("--authority-delay", text)
        try:
            delays.append(AgreementDelay(agreement=unalias(key), delay_s=value))
        except ValidationError:
            raise ValueError(f"--authority-delay: not a duration: {value!r} (use e.g. 90s, 30min, 2h)") from None
    magazines = []
    for text in magazine:
        key, value = pair("--magazine", text)
        if not value.isdigit():
            raise ValueError(f"--magazine expects UNIT_OR_TYPE=N with N a whole number, got {text!r}")
        magazines.append(MagazineChange(unit=key, magazine=int(value)))
    if mode not in (None, "coordinated", "independent"):
        raise ValueError(f"--mode must be 'coordinated' or 'independent', got {mode!r}")
    return Overlay(
        name=name,
        remove_partners=[unalias(p) for p in without],
        deny_airspace=[airspace("--deny-airspace", t) for t in deny_airspace],
        grant_airspace=[airspace("--grant-airspace", t) for t in grant_airspace],
        delay_agreements=delays, withdraw_agreements=list(withdraw), magazines=magazines,
        coordination=mode, successor=unalias(successor) if successor else None,
    )
