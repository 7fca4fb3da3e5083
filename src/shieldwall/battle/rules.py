"""Coalition rules: who may engage, when, and where; whose tracks reach whom.

Rules are compiled once per scenario into interval sets, so the World can tag every engagement
opportunity with either ALLOWED or the reason it is refused.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import shapely

from shieldwall import geo
from shieldwall.scenario.model import Scenario

Intervals = list[tuple[float, float]]
ALWAYS: Intervals = [(-np.inf, np.inf)]


class Reason(IntEnum):
    ALLOWED = 0
    NO_AUTHORITY = 1
    AIRSPACE_DENIED = 2
    OUTSIDE_OWN_AIRSPACE = 3
    UNIT_UNAVAILABLE = 4
    NO_OVERFLIGHT = 5
    NO_REMOTE_ENGAGEMENT = 6
    TRACK_TOO_COARSE = 7


REASON_TEXT = {
    Reason.ALLOWED: "allowed",
    Reason.NO_AUTHORITY: "no engagement authority in force",
    Reason.AIRSPACE_DENIED: "intercept point in an airspace where engagement is not permitted",
    Reason.OUTSIDE_OWN_AIRSPACE: "partner engages only over its own airspace",
    Reason.UNIT_UNAVAILABLE: "fire unit not available at that time",
    Reason.NO_OVERFLIGHT: "patrol station in an airspace without overflight permission",
    Reason.NO_REMOTE_ENGAGEMENT: "intercept point beyond the unit's fire-control radar horizon, no engage-on-remote "
                                 "agreement in force",
    Reason.TRACK_TOO_COARSE: "intercept point beyond the unit's fire-control radar horizon, and the remote tracks "
                             "it may engage on would not fit its interceptor's acquisition basket there",
}


def _in_any(times: np.ndarray, intervals: Intervals) -> np.ndarray:
    inside = np.zeros(np.shape(times), dtype=bool)
    for start, end in intervals:
        inside |= (times >= start) & (times <= end)
    return inside


def in_force_throughout(start_t_s: np.ndarray, end_t_s: np.ndarray, intervals: Intervals) -> np.ndarray:
    """True where one of `intervals` holds the whole span [start_t_s, end_t_s]."""
    inside = np.zeros(np.shape(start_t_s), dtype=bool)
    for start, end in intervals:
        inside |= (start_t_s >= start) & (end_t_s <= end)
    return inside


class CoalitionRules:
    """Engagement authority, airspace permissions, overflight and track release of a scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.partner_ids = [p.id for p in scenario.partners]
        self.partner_index = {p: i for i, p in enumerate(self.partner_ids)}
        self.airspace_labels = [a.id for a in scenario.airspaces]
        self.airspace_owner = [a.owner for a in scenario.airspaces]
        boundaries = geo.load_boundaries() if any(a.country for a in scenario.airspaces) else {}
        shapes = [
            boundaries[a.country] if a.country else shapely.Polygon([(lon, lat) for lat, lon in a.polygon])
            for a in scenario.airspaces
        ]
        self._map = geo.AirspaceMap(list(zip(self.airspace_labels, shapes)))
        self.ceiling_m = scenario.airspace_ceiling_m

    # ---------------------------------------------------------------- interval sets

    def _agreements(self, kind: str):
        return [a for a in self.scenario.agreements if a.kind == kind]

    @staticmethod
    def _span(agreement) -> tuple[float, float]:
        until = agreement.in_force_until_s if agreement.in_force_until_s is not None else np.inf
        return (agreement.in_force_from_s, until)

    def authority(self, partner: str) -> Intervals:
        """When `partner` may engage at all."""
        p = self.scenario.partners[self.partner_index[partner]]
        if not p.requires_authority:
            return ALWAYS
        return [self._span(a) for a in self._agreements("engagement-authority") if partner in a.parties]

    def granted(self, kind: str, grantor: str | None, grantee: str) -> Intervals:
        """When `grantor` grants `grantee` an agreement of `kind` (always, for one's own)."""
        if grantor == grantee:
            return ALWAYS
        return [
            self._span(a) for a in self._agreements(kind) if a.grantor == grantor and grantee in a.grantees
        ]

    def airspace_permission(self, partner: str, airspace: int) -> Intervals:
        """When `partner` may intercept inside airspace index `airspace` (-1: international)."""
        p = self.scenario.partners[self.partner_index[partner]]
        if airspace < 0:
            return [] if p.engages_only_over_own_airspace else ALWAYS
        owner = self.airspace_owner[airspace]
        if p.engages_only_over_own_airspace and owner != partner:
            return []
        open_to = self.scenario.airspaces[airspace].open_to
        if open_to == "all" or partner in open_to:
            return ALWAYS
        if owner is None:
            return []
        return self.granted("airspace-engagement", owner, partner)

    def remote_tracks(self, unit_index: int) -> list[tuple[int, Intervals]]:
        """(sensor index, when): the sensors on whose tracks a fire unit may engage where its own
        fire-control radar cannot see the intercept point, and when it may.

        Another partner's sensor (not space-based) whose `release_to` includes the unit's partner,
        while that partner grants it engage-on-remote; none if the unit may not engage on remote
        tracks at all. A partner's own radars do not count: each unit is guided by its own.
        """
        unit = self.scenario.fire_units[unit_index]
        if not unit.engage_on_remote:
            return []
        found = []
        for s, sensor in enumerate(self.scenario.sensors):
            if sensor.platform == "space" or sensor.owner == unit.owner:
                continue
            if sensor.release_to != "all" and unit.owner not in sensor.release_to:
                continue
            spans = self.granted("engage-on-remote", sensor.owner, unit.owner)
            if spans:
                found.append((s, spans))
        return found

    def unit_availability(self, unit_index: int) -> Intervals:
        """When a fire unit is on station (or in service) at all."""
        unit = self.scenario.fire_units[unit_index]
        until = unit.available_until_s if unit.available_until_s is not None else np.inf
        return [(unit.available_from_s, until)]

    def overflight(self, unit_index: int) -> Intervals:
        """When a patrol may fly its station: always over its own, open or international airspace;
        over another partner's only while that partner grants it overflight."""
        unit = self.scenario.fire_units[unit_index]
        if unit.platform != "fighter-patrol":
            return ALWAYS
        station = int(self.locate(np.array([unit.position[0]]), np.array([unit.position[1]]), np.zeros(1))[0])
        if station < 0:
            return ALWAYS
        airspace = self.scenario.airspaces[station]
        open_to = airspace.open_to
        if airspace.owner == unit.owner or open_to == "all" or unit.owner in open_to:
            return ALWAYS
        return self.granted("overflight", airspace.owner, unit.owner) if airspace.owner else []

    # ---------------------------------------------------------------- vectorised checks

    def locate(self, lat_deg: np.ndarray, lon_deg: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """Airspace index of each point, -1 where international or above the airspace ceiling."""
        index = self._map.locate(lat_deg, lon_deg) if self.airspace_labels else np.full(np.shape(lat_deg), -1)
        return np.where(np.asarray(alt_m) > self.ceiling_m, -1, index)

    def refusal(self, unit_index: int, launch_t_s: np.ndarray, intercept_t_s: np.ndarray,
                airspace: np.ndarray, guided: np.ndarray | None = None) -> np.ndarray:
        """Reason code for each candidate engagement by `unit_index` (Reason.ALLOWED if none).

        `guided`: False where neither the unit's own fire-control radar nor a remote track it may
        engage on (`remote_tracks`, in force from launch to intercept) covers the intercept point.
        """
        unit = self.scenario.fire_units[unit_index]
        reason = np.full(launch_t_s.shape, int(Reason.ALLOWED), dtype=np.int8)
        # Checked in reverse order of precedence so that the most basic refusal is reported.
        if guided is not None:
            reason[~guided] = Reason.NO_REMOTE_ENGAGEMENT
        own_only = self.scenario.partners[self.partner_index[unit.owner]].engages_only_over_own_airspace
        denied = Reason.OUTSIDE_OWN_AIRSPACE if own_only else Reason.AIRSPACE_DENIED
        # The airspaces present (-1: international), counted rather than sorted: there are few.
        for a in np.flatnonzero(np.bincount(airspace + 1, minlength=len(self.airspace_labels) + 1)) - 1:
            permission = self.airspace_permission(unit.owner, int(a))
            if permission == ALWAYS:
                continue
            here = np.flatnonzero(airspace == a)
            reason[here[~_in_any(intercept_t_s[here], permission)]] = denied
        reason[~_in_any(launch_t_s, self.authority(unit.owner))] = Reason.NO_AUTHORITY
        reason[~_in_any(launch_t_s, self.overflight(unit_index))] = Reason.NO_OVERFLIGHT
        reason[~_in_any(launch_t_s, self.unit_availability(unit_index))] = Reason.UNIT_UNAVAILABLE
        return reason

    def track_release(self, sensor, partner: str) -> Intervals:
        """When `sensor`'s tracks reach `partner`: always its owner's; another partner's where the
        sensor's `release_to` allows, while a track-sharing agreement from the owner is in force."""
        if partner != sensor.owner and sensor.release_to != "all" and partner not in sensor.release_to:
            return []
        return self.granted("track-sharing", sensor.owner, partner)

    def unheard_sensors(self, coordination: str) -> list[int]:
        """Indices of the sensors that cannot change any engagement.

        A partner decides on shots if it owns a fire unit, or coordinates the others' under
        coordinated battle management. A sensor is heard if its tracks reach a deciding partner,
        a fire unit may engage on them (`remote_tracks`), or they reach the owner of a heard sensor
        (whose detections they may cue). The tracks of the others reach only partners that neither
        decide nor pass anything on, so leaving those sensors out of a simulation changes no shot,
        fate or impact: every sensor draws from its own random stream.
        """
        sensors = self.scenario.sensors
        live = {u.owner for u in self.scenario.fire_units}
        if coordination == "coordinated":
            live |= {p.id for p in self.scenario.partners if p.coordinator}
        heard = {s for u in range(len(self.scenario.fire_units)) for s, _ in self.remote_tracks(u)}
        reach = [{p for p in self.partner_ids if self.track_release(sensor, p)} for sensor in sensors]
        while True:
            live |= {sensors[s].owner for s in heard}
            more = {s for s, partners in enumerate(reach) if partners & live} - heard
            if not more:
                return [s for s in range(len(sensors)) if s not in heard]
            heard |= more

    def release_spans_s(self) -> tuple[np.ndarray, np.ndarray]:
        """(sensors, partners, spans): when a sensor's tracks reach a partner, as spans
        [from, until] (padded with empty spans, from = inf).

        A partner has its own sensors' tracks always; another partner's only where the sensor's
        `release_to` allows, while a track-sharing agreement from the owner is in force.
        """
        sensors = self.scenario.sensors
        spans = [[self.track_release(sensor, partner) for partner in self.partner_ids] for sensor in sensors]
        most = max((len(x) for row in spans for x in row), default=0)
        start = np.full((len(sensors), len(self.partner_ids), max(most, 1)), np.inf)
        end = np.full(start.shape, -np.inf)
        for s, row in enumerate(spans):
            for p, intervals in enumerate(row):
                for k, (a, b) in enumerate(intervals):
                    start[s, p, k], end[s, p, k] = a, b
        return start, end
