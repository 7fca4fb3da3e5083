"""Scenario and catalog schema: pydantic models, strict (`extra="forbid"`) and frozen.

Times are seconds from the scenario start (`start_time`); positions are `[lat_deg, lon_deg]`;
every physical quantity carries its unit in its name. Catalog parameters are `Sourced` values so
that each number names where it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ThreatClass = Literal["drone", "cruise", "ballistic"]
THREAT_CLASSES: tuple[ThreatClass, ...] = ("drone", "cruise", "ballistic")

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]
LatLon = Annotated[
    tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]],
    Field(description="[lat_deg, lon_deg] on WGS84"),
]
NonNegative = Annotated[float, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    """A parameter value with its provenance: a public source (and date) or a notional reason.

    A bare number is accepted where a Sourced value is expected; it is recorded as given in the
    scenario file, so that a user's own numbers are traced to the user.
    """

    value: float
    source: str | None = Field(None, description="public source, e.g. 'Haaretz 2011; Reuters'")
    date: str | None = Field(None, description="date or year of the source")
    notional: str | None = Field(None, description="why a notional value was chosen")

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data):
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data, "source": "given in scenario file"}
        return data

    @model_validator(mode="after")
    def _has_provenance(self):
        if not self.source and not self.notional:
            raise ValueError("needs a 'source' or a 'notional' reason")
        return self

    @property
    def provenance(self) -> str:
        if self.notional:
            return f"notional: {self.notional}"
        return f"{self.source} ({self.date})" if self.date else str(self.source)


# --------------------------------------------------------------------------- catalog types


class InterceptorType(Strict):
    name: str
    layer: Annotated[int, Field(ge=1, le=9)] = Field(
        description="1 = uppermost (exo-atmospheric); larger numbers are lower tiers"
    )
    min_range_m: Sourced
    max_range_m: Sourced
    min_altitude_m: Sourced
    max_altitude_m: Sourced
    average_speed_mps: Sourced = Field(description="mean fly-out speed to the intercept point")
    kill_probability: dict[ThreatClass, Sourced] = Field(
        description="single-shot kill probability by threat class; a class absent cannot be engaged"
    )
    unit_cost_usd: Sourced

    @model_validator(mode="after")
    def _check(self):
        if self.min_range_m.value > self.max_range_m.value:
            raise ValueError("min_range_m exceeds max_range_m")
        if self.min_altitude_m.value > self.max_altitude_m.value:
            raise ValueError("min_altitude_m exceeds max_altitude_m")
        if self.average_speed_mps.value <= 0:
            raise ValueError("average_speed_mps must be positive")
        for cls, pk in self.kill_probability.items():
            if not 0 <= pk.value <= 1:
                raise ValueError(f"kill_probability.{cls} must lie in [0, 1]")
        return self


class ThreatType(Strict):
    name: str
    threat_class: ThreatClass = Field(alias="class")
    speed_mps: Sourced | None = Field(None, description="cruise speed (drones and cruise missiles)")
    cruise_altitude_m: Sourced | None = Field(None, description="drones and cruise missiles")
    boost_time_s: Sourced | None = Field(None, description="ballistic missiles")
    reliability: Sourced = Field(description="share that reach the target area without failing")
    cep_m: Sourced = Field(description="circular error probable of the impact point")
    lethality: Sourced = Field(description="share of an asset's value destroyed by one hit")
    unit_cost_usd: Sourced

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        if self.threat_class == "ballistic":
            if self.boost_time_s is None:
                raise ValueError("a ballistic threat type needs boost_time_s")
        elif self.speed_mps is None or self.cruise_altitude_m is None:
            raise ValueError(f"a {self.threat_class} threat type needs speed_mps and cruise_altitude_m")
        for name in ("reliability", "lethality"):
            if not 0 <= getattr(self, name).value <= 1:
                raise ValueError(f"{name} must lie in [0, 1]")
        return self


class SensorType(Strict):
    name: str
    kind: Literal["surveillance-radar", "fire-control-radar", "airborne-early-warning", "space-launch-warning"]
    range_m: dict[ThreatClass, Sourced] = Field(
        description="instrumented detection range by threat class; a class absent is not seen"
    )
    scan_period_s: Sourced
    detection_probability: Sourced = Field(description="probability of detection per scan in cover")
    range_sigma_m: Sourced | None = None
    bearing_sigma_deg: Sourced | None = None
    warning_delay_s: Sourced | None = Field(
        None, description="space-launch-warning only: delay from launch to the warning"
    )


class Catalog(Strict):
    """Interceptor, threat and sensor types, keyed by id."""

    interceptors: dict[Identifier, InterceptorType] = {}
    threats: dict[Identifier, ThreatType] = {}
    sensors: dict[Identifier, SensorType] = {}

    def merged(self, other: "Catalog") -> "Catalog":
        """This catalog with `other`'s entries added (and replacing entries of the same id)."""
        return Catalog(
            interceptors={**self.interceptors, **other.interceptors},
            threats={**self.threats, **other.threats},
            sensors={**self.sensors, **other.sensors},
        )


# --------------------------------------------------------------------------- scenario parts


class Partner(Strict):
    id: Identifier = Field(description="ISO 3166 alpha-3 where the partner is a nation")
    name: str
    anonymous: bool = Field(False, description="shown only under its alias in every output")
    alias: str | None = None
    coordinator: bool = False
    requires_authority: bool = Field(
        False, description="may engage only while an engagement-authority agreement is in force"
    )
    engages_only_over_own_airspace: bool = False

    @model_validator(mode="after")
    def _alias(self):
        if self.anonymous and not self.alias:
            raise ValueError("an anonymous partner needs an alias")
        return self

    @property
    def label(self) -> str:
        """The name every output shows."""
        return self.alias if self.anonymous else self.id


AgreementKind = Literal["engagement-authority", "airspace-engagement", "overflight", "track-sharing"]


class Agreement(Strict):
    """A legal or political arrangement between partners, in force over a time interval.

    engagement-authority: every party may engage while it is in force.
    airspace-engagement: `grantor` lets the other parties intercept inside its airspace.
    overflight: `grantor` lets the other parties' aircraft patrol over its territory.
    track-sharing: `grantor` releases its sensors' tracks to the other parties.
    """

    id: Identifier
    kind: AgreementKind
    parties: list[Identifier] = Field(min_length=1)
    grantor: Identifier | None = None
    in_force_from_s: float = 0.0
    in_force_until_s: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self):
        directional = self.kind != "engagement-authority"
        if directional and self.grantor is None:
            raise ValueError(f"a {self.kind} agreement needs a grantor")
        if self.grantor is not None and self.grantor not in self.parties:
            raise ValueError("the grantor must be one of the parties")
        if self.in_force_until_s is not None and self.in_force_until_s < self.in_force_from_s:
            raise ValueError("in_force_until_s is before in_force_from_s")
        return self

    @property
    def grantees(self) -> list[str]:
        return [p for p in self.parties if p != self.grantor]


class Airspace(Strict):
    """National airspace: the polygon of `country` from the bundled boundaries, or explicit `polygon`.

    Who may intercept inside it: its owner partner, partners the owner granted
    airspace-engagement, and partners listed in `open_to` (a standing permission, e.g. for the
    airspace of a state that is not a partner).
    """

    id: Identifier
    owner: Identifier | None = Field(None, description="the partner that owns it, if any")
    country: str | None = Field(None, description="ISO 3166 alpha-3 code in the bundled boundaries")
    polygon: list[LatLon] | None = Field(None, min_length=3)
    open_to: list[Identifier] | Literal["all"] = []

    @model_validator(mode="after")
    def _shape(self):
        if (self.country is None) == (self.polygon is None):
            raise ValueError("give exactly one of 'country' or 'polygon'")
        return self


class DefendedAsset(Strict):
    id: Identifier
    name: str
    owner: Identifier
    position: LatLon
    value_usd: Annotated[float, Field(gt=0)] = Field(description="notional value at stake")
    radius_m: Annotated[float, Field(gt=0)] = Field(description="an impact this close is a hit")
    source: str | None = None


class Sensor(Strict):
    id: Identifier
    owner: Identifier
    type: Identifier
    platform: Literal["ground", "ship", "aircraft", "space"]
    position: LatLon | None = Field(None, description="not used for space sensors")
    altitude_m: NonNegative = Field(0.0, description="antenna height (or flight altitude)")
    release_to: list[Identifier] | Literal["all"] = Field(
        "all", description="partners the owner is willing to release this sensor's tracks to"
    )
    source: str | None = None

    @model_validator(mode="after")
    def _position(self):
        if self.platform != "space" and self.position is None:
            raise ValueError(f"a {self.platform} sensor needs a position")
        return self


class FireUnit(Strict):
    id: Identifier
    owner: Identifier
    interceptor: Identifier
    platform: Literal["ground", "ship", "fighter-patrol"]
    position: LatLon = Field(description="site, ship station or combat air patrol station")
    magazine: Annotated[int, Field(ge=0)]
    fire_channels: Annotated[int, Field(ge=1)] = Field(description="simultaneous engagements")
    reaction_time_s: NonNegative = Field(description="from decision to interceptor launch")
    engage_on_remote: bool = Field(True, description="may engage on tracks from other partners")
    available_from_s: float = 0.0
    available_until_s: float | None = None
    source: str | None = None


class LaunchArea(Strict):
    center: LatLon
    radius_m: NonNegative = 0.0


class Wave(Strict):
    id: Identifier
    threat: Identifier = Field(description="threat type id in the catalog")
    count: Annotated[int, Field(ge=0, le=100_000)]
    launch_area: LaunchArea
    launch_window_s: tuple[float, float]
    route: list[LatLon] = Field([], description="waypoints between launch and target (not ballistic)")
    targets: dict[Identifier, Annotated[float, Field(gt=0)]] = Field(
        min_length=1, description="defended asset id -> share of the wave aimed at it"
    )
    reliability: Sourced | None = Field(
        None, description="share of this wave that does not fail (default: the threat type's)"
    )

    @field_validator("launch_window_s")
    @classmethod
    def _window(cls, value):
        if value[1] < value[0]:
            raise ValueError("launch window ends before it starts")
        return value

    @field_validator("reliability")
    @classmethod
    def _reliability(cls, value):
        if value is not None and not 0 <= value.value <= 1:
            raise ValueError("reliability must lie in [0, 1]")
        return value


class Raid(Strict):
    waves: list[Wave] = Field(min_length=1)
    source: str | None = None


class Doctrine(Strict):
    shoot_look_shoot: bool = Field(True, description="one shot, then look, where a second look fits")
    salvo_size: Annotated[int, Field(ge=1, le=4)] = Field(2, description="shots when no look fits")
    kill_assessment_s: NonNegative = Field(10.0, description="from intercept to knowing its result")
    cost_weight: NonNegative = Field(
        1.0, description="weight of interceptor cost (USD) against value at risk (USD) in assignment"
    )
    prefer_cheaper_shot: bool = Field(
        False,
        description="hold a shot when a cheaper one, as likely to kill, comes later and another unit still has a "
        "look after it (off by default: engaging forward keeps the terminal layer from saturating)",
    )
    track_latency_s: NonNegative = Field(5.0, description="from detection to the picture")


class Scenario(Strict):
    name: str
    description: str = ""
    start_time: datetime = Field(description="wall-clock time of t = 0 s (display only)")
    duration_s: Annotated[float, Field(gt=0)] = Field(description="time simulated from t = 0 s")
    partners: list[Partner] = Field(min_length=1)
    agreements: list[Agreement] = []
    airspaces: list[Airspace] = []
    airspace_ceiling_m: NonNegative = Field(
        100_000.0, description="intercepts above this altitude are outside every national airspace"
    )
    assets: list[DefendedAsset] = Field(min_length=1)
    sensors: list[Sensor] = []
    fire_units: list[FireUnit] = []
    raid: Raid
    doctrine: Doctrine = Doctrine()
    coordination: Literal["coordinated", "independent"] = "coordinated"
    catalog: Catalog = Field(Catalog(), description="types added to (or replacing) the bundled catalog")
    sources: list[str] = Field([], description="where the scenario's figures come from")
