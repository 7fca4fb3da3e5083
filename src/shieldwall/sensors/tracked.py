"""`tracked` fidelity: a threat enters the picture when a sensor holds a firm track on it.

Each sensor looks at each threat in its cover once per scan period, at the same looks as the
`radar` fidelity (a uniform phase per coverage interval, drawn from the same numbers), and each
look detects it with the sensor's probability of detection. A track is firm by the M-of-N rule of
`tracking.KalmanTracker` (tracking.confirmation.firm_look) with each sensor type's M and N
(`confirm_detections` of `confirm_looks` in the catalog, 2-of-3 by default): with M = N = 1 the
firm-track time is the `radar` fidelity's detection time, draw for draw. False tracks are not
modelled here; track accuracy and association errors only for shots on other partners' tracks
(`handover_fraction`); the trackers in `tracking` measure the rest offline (docs/design/tracking.md).

Cueing: a threat that its partner's picture already holds when it enters a radar's cover is
searched for in the cued sector. The cue is a ballistic threat's space-based launch warning, where
the warning sensor's reports are released to the radar's partner, or a track in the picture of the
radar's partner: another sensor's firm track released to that partner
(with the agreement's span and the picture's latency), or the radar's own from an earlier pass. A
radar type with `cued_confirm_detections` = k then holds a firm track at its k-th detection of the
threat, however many looks it misses in between (the cue, not the M-of-N window, keeps the track
open), which is never later than the M-of-N rule with M = k on the same detections; with k = 1 the
firm track is the `radar` fidelity's detection. Only tracks confirmed without a cue cue others, so
that cues do not cascade within one pass.
"""

from __future__ import annotations

import copy

import numpy as np

from shieldwall import geo
from shieldwall.sensors.base import MAX_INTERVALS, Sensing, arrival_times, release_tracks
from shieldwall.sensors.radar import launch_reports
from shieldwall.tracking import accuracy
from shieldwall.tracking.confirmation import firm_look

MAX_ATTEMPTS = 8
"""Tentative tracks tried per coverage interval. A sensor with Pd 0.8 fails 2-of-3 with probability
0.04 per attempt: eight failures in a row happen with probability 7e-12."""


class TrackedSensing(Sensing):
    """First firm-track times (sensors, threats). `confirm` = (M, N) of the M-of-N rule for every
    sensor; None: each sensor type's rule from the catalog. `cue_on_tracks`: the partners'
    pictures cue their radars as the launch warning does (False: the launch warning only)."""

    fidelity = "tracked"

    def __init__(self, confirm: tuple[int, int] | None = None, cue_on_tracks: bool = True):
        self.confirm = confirm
        self.cue_on_tracks = cue_on_tracks

    def detect(self, world, rngs):
        return self.detect_and_confirm(world, rngs)[1]

    def detect_and_confirm(self, world, rngs):
        """(first detection, first firm track) per (sensor, threat); the first detections are the
        `radar` fidelity's, draw for draw."""
        scenario = world.scenario
        cov = world.coverage
        n_threats = world.threats.count
        pairs = (len(scenario.sensors), n_threats)
        if not scenario.sensors:
            return np.full(pairs, np.inf), np.full(pairs, np.inf)
        kinds = [scenario.catalog.sensors[sensor.type] for sensor in scenario.sensors]
        rules = [self.confirm or (int(kind.confirm_detections.value), int(kind.confirm_looks.value))
                 for kind in kinds]
        longest_window = max(n_window for _, n_window in rules)
        # The radar fidelity's draws, in the same shape, so that both fidelities look at the same
        # times and the first attempt's first detection is the radar fidelity's. This fidelity's
        # own draws come from a child stream (spawning leaves the parent's stream where it was, so
        # launch warning draws the same numbers at every fidelity), in a shape fixed by the sensor's
        # rule; NaN pads shorter windows to the longest. Only the coverage intervals' rows are kept.
        rank = np.minimum(cov.rank, MAX_INTERVALS - 1)
        phase_u, gap_u = np.empty(cov.sensor.size), np.empty((cov.sensor.size, MAX_ATTEMPTS))
        more = np.full((cov.sensor.size, MAX_ATTEMPTS, longest_window), np.nan)  # (C, attempts, longest N)
        for s, (rng, (_, n_window)) in enumerate(zip(rngs, rules)):
            rows = np.flatnonzero(cov.sensor == s)
            threat, interval = cov.threat[rows], rank[rows]
            scans = rng.random((n_threats, MAX_INTERVALS, 2))[threat, interval]
            more[rows, :, :n_window] = rng.spawn(1)[0].random((n_threats, MAX_INTERVALS, MAX_ATTEMPTS, n_window))[
                threat, interval]
            phase_u[rows] = scans[:, 0]
            gap_u[rows] = more[rows, :, 0]
            gap_u[rows, 0] = scans[:, 1]
        period = np.array([kind.scan_period_s.value for kind in kinds])[cov.sensor]
        pd = np.array([kind.detection_probability.value for kind in kinds])[cov.sensor]
        rule_of = np.array(rules, dtype=np.int64)[cov.sensor]  # (C, 2): M, N
        look = np.full(cov.sensor.size, np.inf)
        for m_needed, n_window in set(rules):
            here = (rule_of[:, 0] == m_needed) & (rule_of[:, 1] == n_window)
            look[here] = firm_look(gap_u[here], more[here, :, 1:n_window], pd[here], (m_needed, n_window))
        cued_k = np.array([kind.cued_confirm_detections.value if kind.cued_confirm_detections else 0
                           for kind in kinds], dtype=np.int64)[cov.sensor]
        t = cov.start_t_s + period * (phase_u + look)
        if cued_k.any():
            cue_t = np.full(cov.sensor.size, np.inf)  # when a cue for the interval's threat reached the radar
            if self.cue_on_tracks:
                uncued = _earliest(t, cov, pd, pairs)
                picture = release_tracks(arrival_times(uncued, *world.release_spans_s), scenario.doctrine.track_latency_s)
                cue_t = picture[world.sensor_partners()[cov.sensor], cov.threat]
            if world.launch_warning_sensors.size:
                # The warning this replication reports: `simulate` draws it from these streams right
                # after sensing, so copies of them give its numbers without moving the streams. A
                # report cues the radars of the partners it is released to, when it reaches them.
                peek = list(rngs)
                for s in world.launch_warning_sensors:
                    peek[s] = copy.deepcopy(rngs[s])
                reports, across = launch_reports(world, peek)
                arrival_t_s = arrival_times(reports, *world.release_spans_s)[:, world.sensor_partners()[cov.sensor],
                                                                         cov.threat]  # (sensors, C)
                half_width = np.array([np.radians(kind.cued_sector_half_width_deg.value)
                                       if kind.cued_sector_half_width_deg else np.inf for kind in kinds])[cov.sensor]
                if np.isfinite(half_width).any():
                    # A report whose predicted track passes the threat wider than the radar's cued
                    # sector, where the threat enters its cover, does not cue it.
                    from_launch_m, from_radar_m = world.derived("cue geometry", lambda: _cue_geometry(world))
                    error_m = np.abs(across[:, cov.threat, 0] + across[:, cov.threat, 1] * from_launch_m)
                    sector = np.isfinite(half_width)
                    fits = error_m <= from_radar_m * np.tan(np.where(sector, half_width, 0.0))
                    arrival_t_s = np.where(fits | ~sector, arrival_t_s, np.inf)
                cue_t = np.minimum(cue_t, arrival_t_s.min(axis=0))
            cued = (cued_k > 0) & (cue_t <= cov.start_t_s)
            t = np.where(cued, cov.start_t_s + period * (phase_u + kth_detection_look(gap_u, pd, cued_k)), t)
        first = cov.start_t_s + period * (phase_u + kth_detection_look(gap_u, pd, np.ones_like(cov.sensor)))
        return _earliest(first, cov, pd, pairs), _earliest(t, cov, pd, pairs)

    def handover_fraction(self, world, picture_t_s):
        """A shot whose intercept point the unit's own fire-control radar sees keeps its kill
        probability (the catalog's is the weapon system's, its own radar included). A shot on other
        partners' tracks is handed over on the sensors under the engage-on-remote agreement that
        hold a firm track on the threat at the intercept time (confirmed, plus the picture's
        latency; a track confirmed in an earlier pass through the sensor's cover is taken up again
        on re-entry), fused in information form: the kill probability times
        sqrt(det M / det(M + I / R^2)) (tracking.accuracy), 0 when none holds it (the track was
        lost, or not yet confirmed, during the fly-out), and times the probability that the
        handover is not given to the nearest other threat in flight instead (a shot sent at the
        wrong object is lost to its target; what it does to the other object is not modelled)."""
        fraction = np.ones(world.windows.intercept_t_s.size)
        handover = world.remote_handover
        holds = picture_t_s[handover.sensor, handover.threat] + world.scenario.doctrine.track_latency_s \
            <= handover.intercept_t_s
        fraction[handover.samples] = handover.fraction(holds)
        return fraction

    def track_error_m(self, world, picture_t_s, partner, threat, position):
        """Fused in information form from the tracks of the sensors (not space-based) whose
        firm track reached the partner's picture by the intercept time (release and latency)
        and whose cover holds the threat then (tracking.accuracy's steady state); inf where no
        such track (a picture that has lost the threat)."""
        intercept_t_s = world.windows.intercept_t_s[position]
        arrival_t_s = arrival_times(picture_t_s, *world.release_spans_s)[:, partner, threat].T  # (K, sensors)
        held = (arrival_t_s + world.scenario.doctrine.track_latency_s <= intercept_t_s[:, None]) \
            & world.covering(threat, intercept_t_s)
        held[:, world.launch_warning_sensors] = False  # reports of a launch, not tracks
        shot, sensor = np.nonzero(held)
        information = np.zeros((threat.size, 3, 3))
        np.add.at(information, shot, world.track_information(sensor, threat[shot], world.windows.sample[position[shot]]))
        return accuracy.position_error_m(information)


def _cue_geometry(world) -> tuple[np.ndarray, np.ndarray]:
    """(C,) per coverage interval: the ground distance (m) of the threat, where it enters the
    sensor's cover, from its launch point and from the sensor (WGS84 geodesics)."""
    cov, threats = world.coverage, world.threats
    # An interval starts at one of its threat's trajectory samples.
    sample = np.argmax(threats.t_s[cov.threat] >= cov.start_t_s[:, None], axis=1)
    lat, lon = threats.lat_deg[cov.threat, sample], threats.lon_deg[cov.threat, sample]
    sites = world.sensor_sites()
    from_launch_m = geo.geodesic_inverse(threats.launch_lat_deg[cov.threat], threats.launch_lon_deg[cov.threat], lat,
                                         lon)[0]
    return from_launch_m, geo.geodesic_inverse(sites.lat_deg[cov.sensor], sites.lon_deg[cov.sensor], lat, lon)[0]


def _earliest(t_s: np.ndarray, cov, detection_probability: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(sensors, threats): the earliest of the coverage intervals' times `t_s` that fall inside their
    interval (inf where none does)."""
    earliest = np.full(shape, np.inf)
    inside = np.isfinite(t_s) & (t_s <= cov.end_t_s) & (detection_probability > 0.0)
    np.minimum.at(earliest, (cov.sensor[inside], cov.threat[inside]), t_s[inside])
    return earliest


def kth_detection_look(gap_u: np.ndarray, detection_probability: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(C,) look index of each sequence's k-th detection (k >= 1; 0 where k is 0): the looks missed
    before each detection are geometric, drawn from gap_u's columns in turn, as `firm_look` draws
    the gaps before its attempts, so the first detection is the same look."""
    pd = np.asarray(detection_probability, dtype=float)
    certain = pd >= 1.0
    never = pd <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_miss = np.log1p(-np.where(certain | never, 0.5, pd))
        gaps = np.where(certain[:, None], 0.0, np.floor(np.log1p(-gap_u) / log_miss[:, None]))
    taken = np.arange(gap_u.shape[1])[None, :] < k[:, None]
    look = np.sum(np.where(taken, gaps, 0.0), axis=1) + np.maximum(k - 1, 0)
    return np.where(never, np.inf, look)
