"""Scenario and catalog schema: pydantic models, strict (`extra="forbid"`) and frozen.

Times are seconds from the scenario start (`start_time`); positions are `[lat_deg, lon_deg]`;
every physical quantity carries its unit in its name. Catalog parameters are `Sourced` values so
that each number names where it came from.

Every number has finite bounds (NaN and infinity are refused everywhere): physical limits wide
enough for any real system, and tight enough that the engine's float64 sums and int64 arrays
cannot overflow. Each bound says why it is where it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

ThreatClass = Literal["drone", "cruise", "ballistic"]
THREAT_CLASSES: tuple[ThreatClass, ...] = ("drone", "cruise", "ballistic")

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]
LatLon = Annotated[
    tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]],
    Field(description="[lat_deg, lon_deg] on WGS84"),
]

# ----------------------------------------------------------------------------- bounds

# Distances and altitudes. 50,000 km lies beyond a geostationary satellite (35,786 km up, some
# 41,700 km slant range to the Earth's limb): no sensor, interceptor or platform reaches further.
MAX_DISTANCE_M = 5.0e7
# Drones and cruise missiles are air-breathing: they fly below the Karman line.
MAX_CRUISE_ALTITUDE_M = 100_000.0
# Speeds. Nothing in the model flies slower than 10 m/s (the slowest one-way attack drones cruise
# near 40 m/s; slower still, flight times and the trajectory samples that record them grow without
# bound) or faster than 10 km/s (above orbital velocity, 7.9 km/s).
MIN_SPEED_MPS = 10.0
MAX_SPEED_MPS = 10_000.0
# Times from t = 0 s. An agreement or deployment that starts a year before the start, or ends a
# year after, is in force throughout any raid; a year also keeps float64 times exact to well
# under a microsecond.
MAX_ABS_TIME_S = 366 * 86_400.0
# A raid lasts hours; a week bounds any single raid (a campaign strings raids together).
MAX_DURATION_S = 7 * 86_400.0
# Delays within a raid (reaction, latency, kill assessment, warning, scan period): a delay of
# more than a day is no longer part of the same raid.
MAX_DELAY_S = 86_400.0
# Money. The dearest interceptors cost tens of millions of USD; 10 billion per unit bounds any
# munition. The largest assets are worth hundreds of billions; 10 trillion bounds any single asset
# (world output is ~1e14). Sums over every shot and asset of every replication stay far inside
# float64's range and precise to the dollar.
MAX_UNIT_COST_USD = 1.0e10
MAX_ASSET_VALUE_USD = 1.0e13
# Interceptors in one fire unit's magazine. Ships carry about 100 cells and batteries tens of
# rounds; 10,000 bounds any one unit, and the engine sizes its per-replication shot arrays by
# the sum of the magazines, so this also bounds their memory (the int64 counts cannot overflow).
MAX_MAGAZINE = 10_000
# Simultaneous engagements of one fire unit: real units guide a handful; a unit with more than
# 1,000 is several units.
MAX_FIRE_CHANNELS = 1_000
# A wave's target weights are normalised by their sum; 1e6 keeps the sum finite for any wave.
MAX_TARGET_WEIGHT = 1.0e6

NonNegative = Annotated[float, Field(ge=0)]
Delay = Annotated[float, Field(ge=0, le=MAX_DELAY_S)]
TimeS = Annotated[float, Field(ge=-MAX_ABS_TIME_S, le=MAX_ABS_TIME_S)]


class Strict(BaseModel):
    # allow_inf_nan=False: a 1e999 in YAML reads as infinity, and no field means "unbounded".
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Note(Strict):
    """Where a number comes from: a public source (and date) or a notional reason. Standing alone
    it notes a number of the scenario file that stays where the engine reads it
    (`Scenario.provenance`); `Sourced` carries its number with it."""

    source: str | None = Field(None, description="public source, e.g. 'Haaretz 2011; Reuters'")
    date: str | None = Field(None, description="date or year of the source")
    notional: str | None = Field(None, description="why a notional value was chosen")

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


class Sourced(Note):
    """A parameter value with its provenance: a public source (and date) or a notional reason.

    A bare number is accepted where a Sourced value is expected; it is recorded as given in the
    scenario file, so that a user's own numbers are traced to the user.
    """

    value: float
    range: tuple[float, float] | None = Field(
        None, description="plausible [low, high] of an uncertain value, around `value`; `run --uncertainty N` draws "
        "from it (uniformly). Its provenance is the value's: say in the note why the range is plausible")

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data):
        if isinstance(data, str):  # YAML reads 1e11 (no decimal point) as a string
            try:
                float(data)
            except ValueError:
                return data
        elif not isinstance(data, (int, float)) or isinstance(data, bool):
            return data
        return {"value": data, "source": "given in scenario file"}

    @model_validator(mode="after")
    def _range_holds_the_value(self):
        if self.range is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"range [{self.range[0]:g}, {self.range[1]:g}] must hold the value {self.value:g}")
        return self


def sourced(low: float, high: float, unit: str = "", *, low_open: bool = False):
    """A Sourced value whose `value` lies in [low, high] (or (low, high] with `low_open`)."""
    bracket = "(" if low_open else "["
    expected = f"{bracket}{low:g}, {high:g}]" + (f" {unit}" if unit else "")

    def check(parameter: Sourced) -> Sourced:
        for value in (parameter.value, *(parameter.range or ())):
            if not ((value > low if low_open else value >= low) and value <= high):
                raise ValueError(f"value must lie in {expected} (got {value:g})")
        return parameter

    # Editors see the bounds beside the reference to Sourced in the JSON Schema.
    bounds = {"exclusiveMinimum" if low_open else "minimum": low, "maximum": high}
    return Annotated[Sourced, AfterValidator(check), Field(json_schema_extra={"x-value": bounds})]


Probability = sourced(0, 1)
Distance = sourced(0, MAX_DISTANCE_M, "m")
Speed = sourced(MIN_SPEED_MPS, MAX_SPEED_MPS, "m/s")
UnitCost = sourced(0, MAX_UNIT_COST_USD, "USD")
SourcedDelay = sourced(0, MAX_DELAY_S, "s")


# --------------------------------------------------------------------------- catalog types


class Guidance(Note):
    """How an interceptor is guided, which decides how long it holds its unit's fire channel.

    `command` and `semi-active` need the unit's radar (uplink or illuminator) until intercept;
    `active` needs it until its own seeker takes over, `homing_s` before intercept (midcourse
    uplink, then terminal homing); `fire-and-forget` frees the channel at launch.
    """

    kind: Literal["command", "semi-active", "active", "fire-and-forget"]
    homing_s: SourcedDelay | None = Field(
        None, description="active seekers: seconds before intercept from which the seeker homes alone")

    @model_validator(mode="after")
    def _homing_for_active_only(self):  # after Note's check that the kind has a source or reason
        if (self.homing_s is not None) != (self.kind == "active"):
            raise ValueError("homing_s is required for active guidance, and applies to it only")
        return self


COMMAND_GUIDANCE = Guidance(kind="command", notional="default: the launching unit guides the interceptor to intercept")


class InterceptorType(Strict):
    name: str
    layer: Annotated[int, Field(ge=1, le=9)] = Field(
        description="1 = uppermost (exo-atmospheric); larger numbers are lower tiers"
    )
    min_range_m: Distance
    max_range_m: Distance
    min_altitude_m: Distance
    max_altitude_m: Distance
    average_speed_mps: Speed = Field(description="mean fly-out speed to the intercept point")
    kill_probability: dict[ThreatClass, Probability] = Field(
        description="single-shot kill probability by threat class; a class absent cannot be engaged"
    )
    unit_cost_usd: UnitCost
    guidance: Guidance = Field(COMMAND_GUIDANCE, description="how long a shot holds the unit's fire channel")
    max_range_m_by_class: dict[ThreatClass, Distance] = Field(
        {}, description="max_range_m against one threat class (a radar that sees small drones only close in, a "
        "reach that differs by target); a class absent uses max_range_m"
    )
    acquisition_basket_m: sourced(0, MAX_DISTANCE_M, "m", low_open=True) | None = Field(
        None, description="scale R of the predicted intercept point error tolerated by a shot handed over on other "
        "partners' tracks (engage-on-remote, `tracked` fidelity): its kill probability is multiplied by "
        "exp(-|e|^2 / (2 R^2)) for an error e. Absent: handover error is not modelled for this type"
    )
    # A fire-control radar stands on a trailer, a mast or a deckhouse, or flies with a patrolling
    # aircraft; 30 km is above the ceiling of any patrol aircraft (the highest fly near 20 km).
    fire_control_height_m: sourced(0, 30_000, "m") | None = Field(
        None, description="height above ground or sea of the radar that guides this interceptor (a fighter patrol: "
        "its patrol altitude); the intercept point must lie above that radar's 4/3-Earth horizon unless an "
        "engage-on-remote agreement covers it. Absent: the platform's default (engine.world.FIRE_CONTROL_HEIGHT_M)"
    )

    @model_validator(mode="after")
    def _check(self):
        if self.min_range_m.value > self.max_range_m.value:
            raise ValueError("min_range_m exceeds max_range_m")
        if self.min_altitude_m.value > self.max_altitude_m.value:
            raise ValueError("min_altitude_m exceeds max_altitude_m")
        for threat_class, reach in self.max_range_m_by_class.items():
            if self.min_range_m.value > reach.value:
                raise ValueError(f"min_range_m exceeds max_range_m_by_class.{threat_class}")
        return self


class ThreatType(Strict):
    name: str
    threat_class: ThreatClass = Field(alias="class")
    speed_mps: Speed | None = Field(None, description="cruise speed (drones and cruise missiles)")
    cruise_altitude_m: sourced(0, MAX_CRUISE_ALTITUDE_M, "m") | None = Field(
        None, description="drones and cruise missiles"
    )
    # Boost phases last about a minute (short range) to five minutes (intercontinental); a boost
    # of 0 s has no trajectory, and one over 1,000 s is no ballistic missile.
    boost_time_s: sourced(0, 1_000, "s", low_open=True) | None = Field(None, description="ballistic missiles")
    reliability: Probability = Field(description="share that reach the target area without failing")
    # The hit probability divides by the CEP, so 0 is refused; 1 cm is a perfect hit already and
    # 1,000 km misses any asset (early Scuds had a CEP near 1 km).
    cep_m: sourced(0.01, 1_000_000, "m") = Field(description="circular error probable of the impact point")
    lethality: Probability = Field(description="share of an asset's value destroyed by one hit")
    unit_cost_usd: UnitCost

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        if self.threat_class == "ballistic":
            if self.boost_time_s is None:
                raise ValueError("a ballistic threat type needs boost_time_s")
        elif self.speed_mps is None or self.cruise_altitude_m is None:
            raise ValueError(f"a {self.threat_class} threat type needs speed_mps and cruise_altitude_m")
        return self


# Tracking parameters of a radar type. The defaults: 2-of-3 confirmation, no false alarms,
# constant Pd in cover, the elevation noise of the bearing (see docs/design/tracking.md).
# M-of-N windows longer than 10 looks make a firm track wait longer than any search radar's
# confirmation logic does; the `tracked` fidelity draws N uniforms per attempt and look sequence.
MAX_CONFIRM_LOOKS = 10
# False alarms reported per scan: a radar whose threshold passes more than 1,000 a scan has no
# usable threshold, and a measurement set holds one row per false alarm per scan.
MAX_FALSE_ALARMS_PER_SCAN = 1_000.0
DEFAULT_CONFIRM_DETECTIONS = Sourced(
    value=2, notional="2-of-3, a common M-of-N confirmation (Blackman and Popoli, Design and Analysis of Modern "
    "Tracking Systems, 1999, discuss the family) and the rule of Stone Soup's MultiMeasurementInitiator with "
    "min_points=2; no radar of the catalog publishes its own")
DEFAULT_CONFIRM_LOOKS = Sourced(value=3, notional="2-of-3, as confirm_detections")
DEFAULT_FALSE_ALARMS_PER_SCAN = Sourced(
    value=0, notional="no false alarm reaches the tracker (a threshold that passes none, assumed); the `tracked` "
    "fidelity models no false tracks")
DEFAULT_FALSE_ALARM_PROBABILITY = Sourced(
    value=1e-6, source="Skolnik, Introduction to Radar Systems, 3rd ed., ch. 2: the customary design value per "
    "resolution cell", date="2001")
DEFAULT_MAX_ELEVATION_DEG = Sourced(value=90, notional="false alarms fall anywhere up to the zenith")


class SensorType(Strict):
    name: str
    kind: Literal["surveillance-radar", "fire-control-radar", "airborne-early-warning", "space-launch-warning"]
    range_m: dict[ThreatClass, Distance] = Field(
        description="instrumented detection range by threat class; a class absent is not seen"
    )
    # A period of 0 would be a scan without end; a day between scans is no search at all.
    scan_period_s: sourced(0, MAX_DELAY_S, "s", low_open=True)
    detection_probability: Probability = Field(description="probability of detection per scan in cover")
    range_sigma_m: Distance | None = None
    bearing_sigma_deg: sourced(0, 180, "deg") | None = None
    warning_delay_s: SourcedDelay | None = Field(
        None, description="space-launch-warning only: delay from launch to the warning"
    )
    launch_point_sigma_m: Distance | None = Field(
        None, description="space-launch-warning only: error of a report's launch point, per horizontal axis "
        "(absent: exact)"
    )
    launch_azimuth_sigma_deg: sourced(0, 90, "deg") | None = Field(
        None, description="space-launch-warning only: error of a report's launch azimuth (absent: exact)"
    )
    cued_sector_half_width_deg: sourced(0, 90, "deg", low_open=True) | None = Field(
        None, description="`tracked` fidelity: half-width in azimuth of the sector a radar searches on a launch "
        "report; a report whose predicted track misses the threat by more at the radar does not cue it (absent: "
        "every report cues)"
    )
    cued_confirm_detections: sourced(1, 8, "detections") | None = Field(
        None, description="`tracked` fidelity: detections that make a firm track on a ballistic threat whose launch "
        "warning came before the threat entered cover (a cued search); absent: the radar is not cued"
    )

    # Tracking parameters (`tracked` fidelity and `tracking.radar_from_catalog`).
    confirm_detections: sourced(1, MAX_CONFIRM_LOOKS, "detections") = Field(
        DEFAULT_CONFIRM_DETECTIONS, description="M of the M-of-N rule: detections within the first confirm_looks "
        "looks of a tentative track that make it firm")
    confirm_looks: sourced(1, MAX_CONFIRM_LOOKS, "looks") = Field(
        DEFAULT_CONFIRM_LOOKS, description="N of the M-of-N rule: looks, the first detection's included, within which "
        "confirm_detections must arrive (at least confirm_detections)")
    false_alarms_per_scan: sourced(0, MAX_FALSE_ALARMS_PER_SCAN, "false alarms") = Field(
        DEFAULT_FALSE_ALARMS_PER_SCAN, description="mean number of false alarms per scan (Poisson) over range 0 to "
        "the longest range_m, every bearing and elevation 0 to max_elevation_deg")
    max_elevation_deg: sourced(0, 90, "deg", low_open=True) = Field(
        DEFAULT_MAX_ELEVATION_DEG, description="top of the elevation band false alarms fall in")
    range_law: Literal["constant", "swerling-1"] = Field(
        "constant", description="constant: Pd the same anywhere in cover (as the `radar` fidelity has it); "
        "swerling-1: signal-to-noise ratio falling as range^-4, Pd = Pfa^(1/(1+SNR)), equal to "
        "detection_probability at the edge of cover")
    false_alarm_probability: sourced(0, 1, low_open=True) = Field(
        DEFAULT_FALSE_ALARM_PROBABILITY, description="probability of false alarm per resolution cell behind the "
        "swerling-1 range law")
    elevation_sigma_deg: sourced(0, 90, "deg") | None = Field(
        None, description="elevation noise; absent: bearing_sigma_deg (a pencil beam about as wide in elevation as "
        "in azimuth, notional)")

    @field_validator("cued_confirm_detections", "confirm_detections", "confirm_looks")
    @classmethod
    def _whole_detections(cls, parameter):
        return parameter if parameter is None else _whole(parameter)

    @model_validator(mode="after")
    def _tracking(self):
        if self.confirm_detections.value > self.confirm_looks.value:
            raise ValueError(f"confirm_detections ({self.confirm_detections.value:g}) exceeds confirm_looks "
                             f"({self.confirm_looks.value:g}): M-of-N needs M <= N")
        if self.elevation_sigma_deg is None and self.bearing_sigma_deg and self.bearing_sigma_deg.value > 90:
            raise ValueError("elevation_sigma_deg defaults to bearing_sigma_deg, which exceeds its 90 deg: give "
                             "elevation_sigma_deg")
        pd, pfa = self.detection_probability.value, self.false_alarm_probability.value
        if self.range_law == "swerling-1" and 0 < pd < 1 and pd <= pfa:
            # Pd = Pfa^(1/(1+SNR)) reaches Pfa only at SNR 0: below it no signal-to-noise ratio gives Pd.
            raise ValueError(f"swerling-1 needs detection_probability ({pd:g}) above false_alarm_probability "
                             f"({pfa:g}), or 0 or 1")
        return self


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


# Numbers of a scenario file that decide outcomes and carry provenance like the catalog's, by list
# and field: `fire_units.<id>.magazine`, `assets.<id>.value_usd` ...
PROVENANCE_FIELDS = {"fire_units": ("magazine", "fire_channels", "reaction_time_s"), "assets": ("value_usd",)}


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


AgreementKind = Literal[
    "engagement-authority", "airspace-engagement", "overflight", "track-sharing", "engage-on-remote"
]


class Agreement(Strict):
    """A legal or political arrangement between partners, in force over a time interval.

    engagement-authority: every party may engage while it is in force.
    airspace-engagement: `grantor` lets the other parties intercept inside its airspace.
    overflight: `grantor` lets the other parties' aircraft patrol over its territory.
    track-sharing: `grantor` releases its sensors' tracks to the other parties.
    engage-on-remote: the other parties' fire units may engage on `grantor`'s sensor tracks where
    their own fire-control radar cannot see the intercept point (in force from launch to intercept).
    """

    id: Identifier
    kind: AgreementKind
    parties: list[Identifier] = Field(min_length=1)
    grantor: Identifier | None = None
    in_force_from_s: TimeS = 0.0
    in_force_until_s: TimeS | None = None
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
    value_usd: Annotated[float, Field(gt=0, le=MAX_ASSET_VALUE_USD)] = Field(description="notional value at stake")
    # An asset is a site or a city; 100 km is wider than any metropolitan area.
    radius_m: Annotated[float, Field(gt=0, le=100_000)] = Field(description="an impact this close is a hit")
    source: str | None = None


class Sensor(Strict):
    id: Identifier
    owner: Identifier
    type: Identifier
    platform: Literal["ground", "ship", "aircraft", "space"]
    position: LatLon | None = Field(None, description="not used for space sensors")
    altitude_m: Annotated[float, Field(ge=0, le=MAX_DISTANCE_M)] = Field(
        0.0, description="antenna height (or flight altitude)"
    )
    release_to: list[Identifier] | Literal["all"] = Field(
        "all", description="partners the owner is willing to release this sensor's tracks to"
    )
    source: str | None = None

    @model_validator(mode="after")
    def _position(self):
        if self.platform != "space" and self.position is None:
            raise ValueError(f"a {self.platform} sensor needs a position")
        return self


def _whole(parameter: Sourced) -> Sourced:
    if parameter.value != int(parameter.value):
        raise ValueError(f"must be a whole number (got {parameter.value:g})")
    return parameter


class Patrol(Strict):
    """The aircraft of a combat air patrol: each carries its own missiles; one that has fired its
    last leaves the station and is back, re-armed, after the turnaround (while the unit's stock,
    its `magazine`, lasts). The unit's `fire_channels` are its aircraft on station."""

    missiles_per_aircraft: Annotated[sourced(1, 64, "missiles"), AfterValidator(_whole)]
    rearm_turnaround_s: SourcedDelay = Field(
        description="from leaving the station with empty rails to being back on it with a full load")


class FireUnit(Strict):
    id: Identifier
    owner: Identifier
    interceptor: Identifier
    platform: Literal["ground", "ship", "fighter-patrol"]
    position: LatLon = Field(description="site, ship station or combat air patrol station")
    magazine: Annotated[int, Field(ge=0, le=MAX_MAGAZINE)]
    fire_channels: Annotated[int, Field(ge=1, le=MAX_FIRE_CHANNELS)] = Field(description="simultaneous engagements")
    reaction_time_s: Delay = Field(description="from decision to interceptor launch")
    engage_on_remote: bool = Field(
        True, description="may engage on tracks from other partners (beyond its own fire-control radar's horizon "
        "only under an engage-on-remote agreement)"
    )
    available_from_s: TimeS = 0.0
    available_until_s: TimeS | None = None
    patrol: Patrol | None = Field(
        None, description="fighter patrols: missiles per aircraft and re-arm turnaround (without it, one shared "
        "magazine on a fixed station)")
    source: str | None = None

    @model_validator(mode="after")
    def _patrol_is_for_aircraft(self):
        if self.patrol is not None and self.platform != "fighter-patrol":
            raise ValueError("'patrol' is for platform fighter-patrol only")
        return self


class LaunchArea(Strict):
    center: LatLon
    # A launch area lies within one state; 2,000 km spans the largest launch regions (Iran is
    # about 2,000 km across) and keeps the disk well short of wrapping around the globe.
    radius_m: Annotated[float, Field(ge=0, le=2_000_000)] = 0.0


class Wave(Strict):
    id: Identifier
    threat: Identifier = Field(description="threat type id in the catalog")
    count: Annotated[int, Field(ge=0, le=100_000)]
    launch_area: LaunchArea
    launch_window_s: tuple[TimeS, TimeS]
    route: list[LatLon] = Field([], description="waypoints between launch and target (not ballistic)")
    targets: dict[Identifier, Annotated[float, Field(gt=0, le=MAX_TARGET_WEIGHT)]] = Field(
        min_length=1, description="defended asset id -> share of the wave aimed at it"
    )
    reliability: Probability | None = Field(
        None, description="share of this wave that does not fail (default: the threat type's)"
    )

    @field_validator("launch_window_s")
    @classmethod
    def _window(cls, value):
        if value[1] < value[0]:
            raise ValueError("launch window ends before it starts")
        return value


class Raid(Strict):
    waves: list[Wave] = Field(min_length=1)
    source: str | None = None


class InterceptorDoctrine(Strict):
    """Doctrine for the fire units of one interceptor type, where it differs from the scenario's."""

    shoot_look_shoot: bool | None = Field(None, description="one shot, then look, where a second look fits")
    salvo_size: Annotated[int, Field(ge=1, le=4)] | None = Field(None, description="shots when no look fits")
    reserve_rounds: Annotated[int, Field(ge=0, le=MAX_MAGAZINE)] = Field(
        0, description="rounds each unit keeps for threats that no other unit can still engage after it"
    )
    firing_point: Literal["adaptive", "first-opportunity"] | None = Field(
        None, description="adaptive: a unit whose channels are needed fires at the shortest fly-out that keeps a "
        "look; first-opportunity: always at the first launch it can make",
    )


class Doctrine(Strict):
    shoot_look_shoot: bool = Field(True, description="one shot, then look, where a second look fits")
    salvo_size: Annotated[int, Field(ge=1, le=4)] = Field(2, description="shots when no look fits")
    firing_point: Literal["adaptive", "first-opportunity"] = Field(
        "adaptive", description="adaptive: a unit whose channels are needed fires at the shortest fly-out that keeps "
        "a look; first-opportunity: always at the first launch it can make",
    )
    # Kill draws are drawn in advance per threat (common random numbers), this many each; 64 is
    # far beyond any doctrine (a threat surviving 64 interceptors is no longer worth shooting at).
    max_shots_per_threat: Annotated[int, Field(ge=1, le=64)] = Field(
        16, description="interceptors fired at one threat at most, over the whole raid"
    )
    interceptors: dict[Identifier, InterceptorDoctrine] = Field(
        {}, description="per interceptor type id: doctrine that differs from the scenario's"
    )
    kill_assessment_s: Delay = Field(10.0, description="from intercept to knowing its result")
    # Interceptor dollars weighed against value dollars: at 1,000 a 1 M USD interceptor already
    # weighs as much as a 1 G USD asset; more is "never fire", which salvo rules express better.
    cost_weight: Annotated[float, Field(ge=0, le=1_000)] = Field(
        1.0, description="weight of interceptor cost (USD) against value at risk (USD) in assignment"
    )
    prefer_cheaper_shot: bool = Field(
        False,
        description="hold a shot when a cheaper one, as likely to kill, comes later and another unit still has a "
        "look after it (off by default: engaging forward keeps the terminal layer from saturating)",
    )
    keep_depth: bool = Field(
        True,
        description="pass up a shot whose layered chain (its kill probability and the best look left after it) is "
        "clearly worse than another unit's, idle now, that can still engage: a last-ditch shot must not take a "
        "threat from a layer that would leave a second look",
    )
    engage_before_look: bool = Field(
        True,
        description="a unit whose window on a threat already engaged closes before that engagement's result is "
        "known fires too, where its shot is worth its cost against the chance that the first misses (otherwise "
        "one engagement per threat at a time, and that unit's chance is lost)",
    )
    track_latency_s: Delay = Field(5.0, description="from detection to the picture")
    # Notional: a shot on another partner's track is made where it keeps at least half its kill
    # probability (the acquisition factor of tracking.accuracy with every track under the
    # agreement held); no public doctrine gives the figure.
    remote_fit_fraction: Annotated[float, Field(ge=0, le=1)] = Field(
        0.5, description="least share of its kill probability a shot on other partners' tracks (engage-on-remote) "
        "must keep for the predicted intercept point error against its interceptor's acquisition basket; shots "
        "below it are refused (0: fire whatever the track)"
    )


class Scenario(Strict):
    name: str
    description: str = ""
    start_time: datetime = Field(description="wall-clock time of t = 0 s (display only)")
    duration_s: Annotated[float, Field(gt=0, le=MAX_DURATION_S)] = Field(description="time simulated from t = 0 s")
    partners: list[Partner] = Field(min_length=1)
    agreements: list[Agreement] = []
    airspaces: list[Airspace] = []
    airspace_ceiling_m: Annotated[float, Field(ge=0, le=MAX_DISTANCE_M)] = Field(
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
    provenance: dict[str, Note] = Field(
        {}, description="where each number in PROVENANCE_FIELDS comes from, by path (fire_units.<id>.magazine, "
        "assets.<id>.value_usd): a public source or a notional reason. Such a number may also be written in place as "
        "{value, source | notional}, like a catalog value; one with neither is recorded as given in the scenario file"
    )

    @model_validator(mode="before")
    @classmethod
    def _lift_sourced_numbers(cls, data):
        """`magazine: {value: 8, source: ...}` in place: the number stays where the engine reads it
        and its note joins `provenance` under the number's path."""
        if not isinstance(data, dict):
            return data
        notes, out = dict(data.get("provenance") or {}), dict(data)
        for section, names in PROVENANCE_FIELDS.items():
            items = data.get(section)
            if not isinstance(items, list):
                continue
            out[section] = []
            for item in items:
                if isinstance(item, dict):
                    for name in names:
                        given = item.get(name)
                        if isinstance(given, dict) and "value" in given:
                            notes[f"{section}.{item.get('id')}.{name}"] = {k: v for k, v in given.items() if k != "value"}
                            item = {**item, name: given["value"]}
                out[section].append(item)
        if notes:
            out["provenance"] = notes
        return out

    @model_validator(mode="after")
    def _provenance_names_numbers(self):
        known = {f"{section}.{item.id}.{name}" for section, names in PROVENANCE_FIELDS.items()
                 for item in getattr(self, section) for name in names}
        unknown = sorted(set(self.provenance) - known)
        if unknown:
            raise ValueError(f"provenance for no number of the scenario: {', '.join(unknown)} (paths are "
                             "fire_units.<id>.magazine, .fire_channels, .reaction_time_s and assets.<id>.value_usd)")
        return self
