"""Compiling a scenario into a World: everything deterministic about one raid realisation.

A raid realisation fixes each threat's launch time, launch point and target (drawn once from its
own seed). Compiling it computes, with vectorised NumPy, the threat trajectories, each sensor's
coverage intervals, and each (fire unit, threat) engagement window with the coalition rules
already applied. Replications then reuse the World and only draw what is random in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from shieldwall import geo, kinematics
from shieldwall.battle.manager import Plan, build_plan, unit_doctrine
from shieldwall.battle.rules import CoalitionRules, Reason, in_force_throughout
from shieldwall.scenario.load import Problem, ScenarioError
from shieldwall.scenario.model import THREAT_CLASSES, Scenario
from shieldwall.tracking import accuracy

SAMPLE_PERIOD_S = {"ballistic": 2.0, "cruise": 10.0, "drone": 20.0}
"""Trajectory sampling by class: fine enough that an intercept time is off by at most one period,
which is under 1 % of the flight time of every class."""

FIRE_CONTROL_HEIGHT_M = {"ground": 10.0, "ship": 25.0, "fighter-patrol": 7_500.0}
"""Height of a fire unit's fire-control radar where its interceptor type gives none (notional):
a trailer-mounted array on a prepared site (terrain is not modelled); the deckhouse arrays of a
destroyer, some 20-25 m above the waterline; a fighter's radar at a patrol altitude of 7,500 m."""

@dataclass(frozen=True)
class Threats:
    """The threats of one raid realisation, N of them, in launch-time order within each wave."""

    type_id: list[str]
    threat_class: np.ndarray  # (N,) index into THREAT_CLASSES
    wave: np.ndarray  # (N,) wave index
    launch_t_s: np.ndarray  # (N,)
    launch_lat_deg: np.ndarray
    launch_lon_deg: np.ndarray
    target_asset: np.ndarray  # (N,) asset index
    aim_lat_deg: np.ndarray
    aim_lon_deg: np.ndarray
    impact_t_s: np.ndarray  # (N,) absolute time of impact if nothing stops it
    t_s: np.ndarray  # (N, S) absolute time of each trajectory sample
    lat_deg: np.ndarray  # (N, S)
    lon_deg: np.ndarray
    alt_m: np.ndarray
    n_samples: np.ndarray  # (N,)
    apogee_m: np.ndarray  # (N,)
    reliability: np.ndarray  # (N,)
    cep_m: np.ndarray
    lethality: np.ndarray
    unit_cost_usd: np.ndarray
    sample_period_s: np.ndarray  # (N,)

    @property
    def count(self) -> int:
        return int(self.launch_t_s.shape[0])


@dataclass(frozen=True)
class Coverage:
    """Intervals during which sensor `sensor[k]` could see threat `threat[k]` (within range and
    above the 4/3-Earth radar horizon); `rank[k]` orders a pair's intervals in time."""

    sensor: np.ndarray
    threat: np.ndarray
    start_t_s: np.ndarray
    end_t_s: np.ndarray
    rank: np.ndarray


@dataclass(frozen=True)
class Windows:
    """Engagement opportunities of every (fire unit, threat) pair, in flat arrays.

    Window w holds the trajectory samples `start[w]:end[w]` of the per-sample arrays: each sample
    whose intercept lies in the unit's interceptor envelope and is seen by the unit's own
    fire-control radar or by a sensor whose tracks an engage-on-remote agreement may let it use,
    sorted by launch time. Windows are sorted by threat, then unit. `reason` says whether the
    coalition rules allow each opportunity (battle.rules.Reason.ALLOWED) or why they refuse it.
    """

    unit: np.ndarray  # (W,)
    threat: np.ndarray  # (W,)
    kill_probability: np.ndarray  # (W,)
    start: np.ndarray  # (W,)
    end: np.ndarray  # (W,)
    launch_t_s: np.ndarray  # (S,) per sample
    intercept_t_s: np.ndarray
    sample: np.ndarray  # index into the threat's trajectory samples
    airspace: np.ndarray  # index into World.airspace_labels, -1 international
    reason: np.ndarray
    own_sight: np.ndarray  # (S,) the unit's own fire-control radar sees the intercept point

    @property
    def count(self) -> int:
        return int(self.unit.shape[0])


@dataclass(frozen=True)
class World:
    scenario: Scenario
    threats: Threats
    coverage: Coverage
    windows: Windows
    rules: CoalitionRules
    airspace_labels: list[str]
    value_at_risk_usd: np.ndarray  # (N,) expected value lost if the threat is not stopped
    release_spans_s: tuple  # (from, until), each (sensors, partners, spans): when a sensor's tracks reach a partner
    launch_warning_sensors: np.ndarray  # indices of space-based launch warning sensors
    geometry: "_GeometryCache"
    remote_handover: "RemoteHandover"  # shots a unit could make on other partners' tracks
    _plans: dict = field(default_factory=dict, compare=False, repr=False)
    _derived: dict = field(default_factory=dict, compare=False, repr=False)

    def cells(self, coordination: str) -> list[tuple[int, list[int]]]:
        """Battle-management cells: (partner whose picture it uses, fire units it commands).

        `coordinated`: one cell on the coordinator's picture commanding every unit.
        `independent`: one cell per partner with fire units, on that partner's own picture.
        """
        return self.derived(f"cells {coordination}", lambda: _cells(self.scenario, coordination))

    def plan(self, coordination: str) -> Plan:
        """The battle manager's arrays for this realisation under `coordination` (built once)."""
        if coordination not in self._plans:
            units = self.scenario.fire_units
            catalog = self.scenario.catalog
            self._plans[coordination] = build_plan(
                self.windows, self.cells(coordination), self.threats.count,
                reaction_s=np.array([u.reaction_time_s for u in units], dtype=float),
                cost_usd=self.unit_cost_usd(),
                remote_ok=self.unit_engages_on_remote(),
                sample_period_s=self.threats.sample_period_s, value_usd=self.value_at_risk_usd,
                channels=np.array([u.fire_channels for u in units], dtype=np.int64),
                homing_s=np.array([_homing_s(catalog.interceptors[u.interceptor].guidance) for u in units]),
                doctrine=unit_doctrine(self.scenario.doctrine, [u.interceptor for u in units]),
                cost_weight=self.scenario.doctrine.cost_weight,
                aircraft_load=np.array([int(u.patrol.missiles_per_aircraft.value) if u.patrol else 0 for u in units],
                                       dtype=np.int64),
                rearm_s=np.array([u.patrol.rearm_turnaround_s.value if u.patrol else 0.0 for u in units]),
            )
        return self._plans[coordination]

    def derived(self, key: str, build):
        """`build()`, computed once for this realisation and kept under `key`: what a model
        derives from the realisation alone and would otherwise recompute every replication (the
        radar fidelity's per-interval scan constants, say)."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def sensor_partners(self) -> np.ndarray:
        """(sensors,) each sensor's partner: its index in scenario.partners."""
        return self.derived("sensor-partners", lambda: _partner_index(self.scenario, self.scenario.sensors))

    def unit_partners(self) -> np.ndarray:
        """(fire units,) each fire unit's partner: its index in scenario.partners."""
        return self.derived("unit-partners", lambda: _partner_index(self.scenario, self.scenario.fire_units))

    def unit_engages_on_remote(self) -> np.ndarray:
        """(fire units,) whether each fire unit may engage on tracks its own partner does not hold."""
        return self.derived("unit-engages-on-remote", lambda: np.array(
            [u.engage_on_remote for u in self.scenario.fire_units], dtype=bool))

    def unit_cost_usd(self) -> np.ndarray:
        """(fire units,) what one interceptor of each fire unit costs (USD)."""
        catalog = self.scenario.catalog
        return self.derived("unit-costs", lambda: np.array(
            [catalog.interceptors[u.interceptor].unit_cost_usd.value for u in self.scenario.fire_units], dtype=float))

    def sensor_sites(self) -> "SensorSites":
        """Each sensor's site and measurement noise (read once)."""
        return self.derived("sensor sites", lambda: SensorSites.of(self.scenario))

    def track_information(self, sensor: np.ndarray, threat: np.ndarray, sample: np.ndarray) -> np.ndarray:
        """(K, 3, 3) information (1/m^2, ECEF axes) of sensor[k]'s steady-state track of threat[k]
        at its trajectory sample sample[k] (tracking.accuracy)."""
        return _track_information(self.sensor_sites(), self.threats, sensor, threat, sample)

    def covering(self, threat: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """(K, sensors) True where a sensor's coverage holds threat[k] at t_s[k]."""
        by_rank = self.derived("coverage by rank", lambda: coverage_by_rank(
            self.coverage, len(self.scenario.sensors), self.threats.count))
        return _covers(by_rank, np.arange(len(self.scenario.sensors)), threat, t_s).T

    def for_scenario(self, variant: Scenario) -> "World":
        """This raid realisation under a variant of the scenario (other partners, agreements,
        sensors or fire units; the same raid and assets). Geometry already computed for a sensor or
        fire unit that the variant leaves unchanged is reused; rules are applied afresh."""
        if variant.raid != self.scenario.raid or variant.assets != self.scenario.assets:
            raise ValueError("a variant must keep the raid and the defended assets of its base scenario")
        return _assemble(variant, self.threats, self.geometry)


def _cells(scenario: Scenario, coordination: str) -> list[tuple[int, list[int]]]:
    partners = [p.id for p in scenario.partners]
    owner = [partners.index(u.owner) for u in scenario.fire_units]
    if coordination == "coordinated":
        coordinator = next(i for i, p in enumerate(scenario.partners) if p.coordinator)
        return [(coordinator, list(range(len(owner))))]
    return [(p, [u for u, o in enumerate(owner) if o == p]) for p in range(len(partners)) if p in owner]


def _partner_index(scenario: Scenario, owned) -> np.ndarray:
    partners = [p.id for p in scenario.partners]
    return np.array([partners.index(thing.owner) for thing in owned], dtype=np.int64)


def _homing_s(guidance) -> float:
    """How long before intercept a shot frees its unit's fire channel (inf: at launch)."""
    return {"command": 0.0, "semi-active": 0.0, "active": guidance.homing_s.value if guidance.homing_s else 0.0, "fire-and-forget": np.inf}[guidance.kind]


def draw_raid(scenario: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Launch times, launch points and targets of every threat, drawn in a fixed order.

    Per wave, in order: launch times (uniform over the window, sorted), launch points (uniform
    over the disk: radius * sqrt(u), azimuth uniform), then the order of targets (a random
    permutation of a largest-remainder split of the wave by target weights).
    """
    asset_index = {a.id: i for i, a in enumerate(scenario.assets)}
    parts: dict[str, list] = {k: [] for k in ("wave", "launch_t_s", "lat", "lon", "target")}
    for w, wave in enumerate(scenario.raid.waves):
        n = wave.count
        start, end = wave.launch_window_s
        times = np.sort(rng.uniform(start, end, n))
        radius = wave.launch_area.radius_m * np.sqrt(rng.uniform(0.0, 1.0, n))
        azimuth = rng.uniform(0.0, 360.0, n)
        center_lat, center_lon = wave.launch_area.center
        lat, lon = geo.geodesic_forward(np.full(n, center_lat), np.full(n, center_lon), azimuth, radius)
        targets = _split_targets(wave.targets, n, asset_index)
        parts["wave"].append(np.full(n, w))
        parts["launch_t_s"].append(times)
        parts["lat"].append(np.atleast_1d(lat))
        parts["lon"].append(np.atleast_1d(lon))
        parts["target"].append(rng.permutation(targets))
    return {k: np.concatenate(v) if v else np.empty(0) for k, v in parts.items()}


def _split_targets(weights: dict[str, float], n: int, asset_index: dict[str, int]) -> np.ndarray:
    ids = list(weights)
    share = np.array([weights[i] for i in ids], dtype=float)
    exact = n * share / share.sum()
    counts = np.floor(exact).astype(int)
    remainder_order = np.argsort(-(exact - counts), kind="stable")
    counts[remainder_order[: n - counts.sum()]] += 1
    return np.repeat([asset_index[i] for i in ids], counts).astype(np.int64)


def compile_world(scenario: Scenario, rng: np.random.Generator) -> World:
    """Compile one raid realisation of `scenario`, drawing the raid from `rng`."""
    raid = draw_raid(scenario, rng)
    threats = _fly(scenario, raid)
    return _assemble(scenario, threats, _GeometryCache(threats))


def _assemble(scenario: Scenario, threats: Threats, geometry: "_GeometryCache") -> World:
    rules = CoalitionRules(scenario)
    per_sensor = [geometry.coverage(s, sensor, scenario.catalog) for s, sensor in enumerate(scenario.sensors)]
    coverage = _merge_coverage(per_sensor)
    by_rank = coverage_by_rank(coverage, len(scenario.sensors), threats.count)
    windows = _windows(scenario, threats, geometry, rules, by_rank)
    handover = _remote_handover(scenario, threats, windows, rules, by_rank)
    windows = _refuse_coarse_handovers(windows, handover, scenario.doctrine.remote_fit_fraction)
    warning = np.array([i for i, s in enumerate(scenario.sensors) if s.platform == "space"], dtype=np.int64)
    return World(scenario, threats, coverage, windows, rules, rules.airspace_labels,
                 _value_at_risk(scenario, threats), rules.release_spans_s(), warning, geometry, handover)


def _fly(scenario: Scenario, raid: dict[str, np.ndarray]) -> Threats:
    catalog = scenario.catalog
    waves = scenario.raid.waves
    n = raid["wave"].shape[0]
    type_ids = [waves[w].threat for w in raid["wave"]]
    types = [catalog.threats[t] for t in type_ids]
    klass = np.array([THREAT_CLASSES.index(t.threat_class) for t in types], dtype=np.int64)
    aim = np.array([scenario.assets[a].position for a in raid["target"]], dtype=float).reshape(n, 2)

    pieces = []  # (indices, Trajectories)
    for c, name in enumerate(THREAT_CLASSES):
        idx = np.flatnonzero(klass == c)
        if idx.size == 0:
            continue
        period = SAMPLE_PERIOD_S[name]
        if name == "ballistic":
            traj = _ballistic(scenario, raid, aim, types, idx, period)
        else:
            routes = []
            for i in idx:
                waypoints = [(raid["lat"][i], raid["lon"][i]), *waves[raid["wave"][i]].route, tuple(aim[i])]
                routes.append(np.array(waypoints, dtype=float))
            traj = kinematics.route_trajectories(
                routes,
                speed_mps=np.array([types[i].speed_mps.value for i in idx]),
                cruise_alt_m=np.array([types[i].cruise_altitude_m.value for i in idx]),
                sample_period_s=period,
            )
        pieces.append((idx, traj))

    width = max((p[1].t_s.shape[1] for p in pieces), default=1)
    t_s = np.zeros((n, width))
    lat = np.zeros((n, width))
    lon = np.zeros((n, width))
    alt = np.zeros((n, width))
    n_samples = np.zeros(n, dtype=np.int64)
    apogee = np.zeros(n)
    flight = np.zeros(n)
    for idx, traj in pieces:
        s = traj.t_s.shape[1]
        for target, source in ((t_s, traj.t_s), (lat, traj.lat_deg), (lon, traj.lon_deg), (alt, traj.alt_m)):
            target[idx, :s] = source
            target[idx, s:] = source[:, -1:]  # padding repeats the impact sample
        n_samples[idx] = traj.n_samples
        apogee[idx] = traj.apogee_m
        flight[idx] = traj.flight_time_s
    launch = raid["launch_t_s"]
    return Threats(
        type_id=type_ids,
        threat_class=klass,
        wave=raid["wave"].astype(np.int64),
        launch_t_s=launch,
        launch_lat_deg=raid["lat"],
        launch_lon_deg=raid["lon"],
        target_asset=raid["target"].astype(np.int64),
        aim_lat_deg=aim[:, 0],
        aim_lon_deg=aim[:, 1],
        impact_t_s=launch + flight,
        t_s=t_s + launch[:, None],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        n_samples=n_samples,
        apogee_m=apogee,
        reliability=np.array([
            (waves[w].reliability or t.reliability).value for w, t in zip(raid["wave"], types)
        ]),
        cep_m=np.array([t.cep_m.value for t in types]),
        lethality=np.array([t.lethality.value for t in types]),
        unit_cost_usd=np.array([t.unit_cost_usd.value for t in types]),
        sample_period_s=np.array([SAMPLE_PERIOD_S[THREAT_CLASSES[c]] for c in klass]),
    )


def _ballistic(scenario, raid, aim, types, idx, period):
    def fly(rows):
        return kinematics.ballistic_trajectories(
            raid["lat"][rows], raid["lon"][rows], aim[rows, 0], aim[rows, 1],
            boost_time_s=np.array([types[i].boost_time_s.value for i in rows]), sample_period_s=period,
        )

    try:
        return fly(idx)
    except ValueError:
        problems = []
        for w in np.unique(raid["wave"][idx]):
            try:
                fly(idx[raid["wave"][idx] == w])
            except ValueError as error:
                problems.append(Problem(f"raid.waves.{w}", f"{error} (the launch area is too close to a target)"))
        raise ScenarioError(scenario.name, problems) from None


_BLOCK = 32  # trajectory samples bounded together (_GeometryCache._bound_blocks)


class _GeometryCache:
    """Coverage of each sensor and envelope samples of each fire unit against one realisation's
    threats, computed on first use and keyed by the sensor's or unit's full definition.

    Works on the valid trajectory samples only, flattened in row-major (threat, sample) order:
    the padding after a short trajectory is never tested.
    """

    def __init__(self, threats: Threats):
        self.threats = threats
        valid = np.arange(threats.t_s.shape[1])[None, :] < threats.n_samples[:, None]
        self.rows, self.cols = np.nonzero(valid)
        self.t_s = threats.t_s[self.rows, self.cols]
        self.lat_deg = threats.lat_deg[self.rows, self.cols]
        self.lon_deg = threats.lon_deg[self.rows, self.cols]
        self.alt_m = threats.alt_m[self.rows, self.cols]
        self.threat_class = threats.threat_class[self.rows]
        self.ecef = geo.geodetic_to_ecef(self.lat_deg, self.lon_deg, self.alt_m)
        self.first_flat = np.concatenate([[0], np.cumsum(threats.n_samples)[:-1]]).astype(np.int64)
        self._bound_blocks(threats)
        self._coverage: dict = {}
        self._engagements: dict = {}
        self._airspace: dict = {}

    def airspace(self, scenario: Scenario, rules: CoalitionRules) -> np.ndarray:
        """The airspace (CoalitionRules.locate) of every valid trajectory sample, indexed by
        `first_flat[threat] + sample`; located once per realisation and set of airspace
        boundaries, whatever the fire units and partners."""
        key = (tuple((a.id, a.country, str(a.polygon)) for a in scenario.airspaces), scenario.airspace_ceiling_m)
        if key not in self._airspace:
            self._airspace[key] = rules.locate(self.lat_deg, self.lon_deg, self.alt_m).astype(np.int64)
        return self._airspace[key]

    def _bound_blocks(self, threats: Threats) -> None:
        """Cut each threat's valid samples into blocks of up to _BLOCK consecutive ones and bound
        each block by a sphere (centre and radius, ECEF): a site farther than its reach from a
        block's sphere is out of reach of every sample in it (triangle inequality), so the range
        tests of sensors and fire units measure only the samples of blocks within reach. The
        flat samples are in (threat, sample) order, so the blocks tile them in order."""
        per_threat = -(-threats.n_samples // _BLOCK)
        threat = np.repeat(np.arange(threats.count), per_threat)
        within = np.arange(threat.size) - np.repeat(np.cumsum(per_threat) - per_threat, per_threat)
        self.block_start = self.first_flat[threat] + within * _BLOCK
        self.block_size = np.minimum(self.block_start + _BLOCK, self.first_flat[threat] + threats.n_samples[threat]) \
            - self.block_start
        self.block_class = threats.threat_class[threat]
        xyz = np.stack(self.ecef)
        self.block_centre = np.add.reduceat(xyz, self.block_start, axis=1) / self.block_size
        offset = xyz - np.repeat(self.block_centre, self.block_size, axis=1)
        self.block_radius_m = np.maximum.reduceat(np.sqrt((offset ** 2).sum(axis=0)), self.block_start)

    def _within(self, site: tuple[float, float, float], reach_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(samples, their slant ranges in m from `site` (ECEF)): the flat indices, ascending, of
        every sample of the blocks whose sphere comes within `reach_m` of the site (by threat
        class; a metre's margin for rounding), and their distances. Samples of other blocks are
        all farther than their reach."""
        x, y, z = self.ecef
        sx, sy, sz = site
        centre_m = np.sqrt((self.block_centre[0] - sx) ** 2 + (self.block_centre[1] - sy) ** 2
                           + (self.block_centre[2] - sz) ** 2)
        near = np.flatnonzero(centre_m - self.block_radius_m <= reach_m[self.block_class] + 1.0)
        size = self.block_size[near]
        samples = np.repeat(self.block_start[near] - (np.cumsum(size) - size), size) + np.arange(size.sum())
        return samples, np.sqrt((x[samples] - sx) ** 2 + (y[samples] - sy) ** 2 + (z[samples] - sz) ** 2)

    @staticmethod
    def _site(lat_deg: float, lon_deg: float, alt_m: float) -> tuple[float, float, float]:
        return tuple(float(v) for v in geo.geodetic_to_ecef(lat_deg, lon_deg, alt_m))

    def coverage(self, index: int, sensor, catalog) -> dict[str, np.ndarray]:
        """Coverage intervals of one sensor: within range of the threat's class and above the
        4/3-Earth radar horizon. Space sensors have none (launch warning is drawn per replication)."""
        kind = catalog.sensors[sensor.type]
        key = (sensor.model_dump_json(exclude={"id", "owner", "release_to", "source"}), kind.model_dump_json())
        if key not in self._coverage:
            self._coverage[key] = self._compute_coverage(sensor, kind)
        return {**self._coverage[key], "sensor": np.full(self._coverage[key]["threat"].size, index)}

    def _compute_coverage(self, sensor, kind) -> dict[str, np.ndarray]:
        empty = {k: np.empty(0) for k in ("threat", "start", "end", "rank")}
        if sensor.platform == "space":
            return empty
        max_range = np.array([kind.range_m[c].value if c in kind.range_m else -1.0 for c in THREAT_CLASSES])
        latitude, longitude, altitude = sensor.position[0], sensor.position[1], sensor.altitude_m
        candidates, slant = self._within(self._site(latitude, longitude, altitude), max_range)
        seen = candidates[slant <= max_range[self.threat_class[candidates]]]
        if seen.size:
            seen = seen[geo.is_visible(latitude, longitude, altitude,
                                       self.lat_deg[seen], self.lon_deg[seen], self.alt_m[seen])]
        if seen.size == 0:
            return empty
        # Runs of consecutive samples of one threat; `seen` is ascending in (threat, sample) order.
        threat = self.rows[seen]
        first = np.flatnonzero(np.concatenate([[True], (np.diff(seen) != 1) | (np.diff(threat) != 0)]))
        last = np.append(first[1:], seen.size) - 1
        starts = threat[first]
        return {"threat": starts, "start": self.t_s[seen[first]], "end": self.t_s[seen[last]],
                "rank": np.arange(first.size) - np.searchsorted(starts, starts, side="left")}

    def engagements(self, unit, catalog) -> dict[str, np.ndarray]:
        """Every trajectory sample inside the unit's interceptor envelope, with its launch time
        and whether the unit's own fire-control radar sees the intercept point (`in_sight`)."""
        kind = catalog.interceptors[unit.interceptor]
        height_m = fire_control_height_m(unit, kind)
        key = (unit.position, height_m, kind.model_dump_json())
        if key not in self._engagements:
            self._engagements[key] = self._compute_engagements(unit, kind, height_m)
        return self._engagements[key]

    def _compute_engagements(self, unit, kind, height_m: float) -> dict[str, np.ndarray]:
        """Envelope: slant range from the unit's site (at ground level) within the interceptor's
        range against the threat's class, intercept altitude within its band, Pk > 0 for the class.
        Line of sight: the intercept point above the 4/3-Earth horizon of a radar `height_m` above
        the site."""
        pk = np.array([kind.kill_probability[c].value if c in kind.kill_probability else 0.0 for c in THREAT_CLASSES])
        # Reach by class; -1 m (nothing is that close) for a class it cannot kill.
        reach = np.array([kind.max_range_m_by_class.get(c, kind.max_range_m).value for c in THREAT_CLASSES])
        reach = np.where(pk > 0, reach, -1.0)
        candidates, slant = self._within(self._site(unit.position[0], unit.position[1], 0.0), reach)
        alt = self.alt_m[candidates]
        envelope = np.flatnonzero(
            (slant >= kind.min_range_m.value) & (slant <= reach[self.threat_class[candidates]])
            & (alt >= kind.min_altitude_m.value) & (alt <= kind.max_altitude_m.value)
        )
        inside, slant, alt = candidates[envelope], slant[envelope], alt[envelope]
        rows, cols, intercept = self.rows[inside], self.cols[inside], self.t_s[inside]
        launch = intercept - slant / kind.average_speed_mps.value
        # A threat cannot be engaged before it exists: launch times before its launch are dropped.
        keep = launch >= self.threats.launch_t_s[rows]
        inside, rows, cols, intercept, launch = inside[keep], rows[keep], cols[keep], intercept[keep], launch[keep]
        slant, alt = slant[keep], alt[keep]
        # Line of sight, decided first from the slant range where it settles it: over a convex Earth
        # the chord to the point below the target is no longer than the slant range to the target,
        # so the arc bound of geo.is_visible on the slant range bounds the ground distance too.
        # geo.is_visible decides the rest (the same answer, without a geodesic per sample).
        rho_m = geo.WGS84_GEOD.b ** 2 / geo.WGS84_GEOD.a
        arc_bound_m = 2.0 * rho_m * np.arcsin(np.minimum(slant / (2.0 * rho_m), 1.0))
        in_sight = (alt >= 0) & (arc_bound_m <= geo.radar_horizon_m(height_m, alt))
        open_ = np.flatnonzero(~in_sight)
        in_sight[open_] = geo.is_visible(unit.position[0], unit.position[1], height_m,
                                         self.lat_deg[inside[open_]], self.lon_deg[inside[open_]], alt[open_])
        # By threat, then launch time. The samples come by threat and along each trajectory, where
        # the launch time nearly always rises: sorted only where it does not (the same order, as
        # the sort is stable).
        if np.any(np.diff(launch)[rows[1:] == rows[:-1]] < 0):
            order = np.lexsort((launch, rows))
            rows, cols, intercept, launch, in_sight = rows[order], cols[order], intercept[order], launch[order], \
                in_sight[order]
        return {"threat": rows, "sample": cols, "intercept": intercept, "launch": launch, "in_sight": in_sight,
                "pk": pk}


def _merge_coverage(parts: list[dict[str, np.ndarray]]) -> Coverage:
    def cat(key, dtype):
        return np.concatenate([p[key] for p in parts]).astype(dtype) if parts else np.empty(0, dtype)

    return Coverage(sensor=cat("sensor", np.int64), threat=cat("threat", np.int64), start_t_s=cat("start", float),
                    end_t_s=cat("end", float), rank=cat("rank", np.int64))


def fire_control_height_m(unit, kind) -> float:
    """Height above ground or sea of the radar that guides a unit's interceptors: its type's
    `fire_control_height_m`, or the platform's default (FIRE_CONTROL_HEIGHT_M)."""
    if kind.fire_control_height_m is not None:
        return float(kind.fire_control_height_m.value)
    return FIRE_CONTROL_HEIGHT_M[unit.platform]


def _windows(scenario: Scenario, threats: Threats, geometry: _GeometryCache, rules: CoalitionRules,
             by_rank: tuple[np.ndarray, np.ndarray]) -> Windows:
    """Every fire unit's envelope samples with the coalition rules applied, cut into windows.

    A sample its own fire-control radar cannot see is kept only where the coverage of a sensor
    whose tracks the unit may engage on (CoalitionRules.remote_tracks) holds the threat at the
    intercept time; it is allowed while that sensor's engage-on-remote grant is in force from
    launch to intercept, and refused (NO_REMOTE_ENGAGEMENT) otherwise.
    """
    located = geometry.airspace(scenario, rules)
    columns = {"unit": np.int64, "threat": np.int64, "sample": np.int64, "launch": float, "intercept": float,
               "airspace": np.int64, "reason": np.int64, "pk": float, "own_sight": bool}
    parts = []
    for u, unit in enumerate(scenario.fire_units):
        samples = geometry.engagements(unit, scenario.catalog)
        rows, cols, launch, intercept = samples["threat"], samples["sample"], samples["launch"], samples["intercept"]
        guided = tracked = samples["in_sight"]
        for s, spans in rules.remote_tracks(u):
            covered = ~guided & _covers(by_rank, s, rows, intercept)
            tracked = tracked | covered
            guided = guided | (covered & in_force_throughout(launch, intercept, spans))
        if not tracked.all():
            keep = np.flatnonzero(tracked)
            rows, cols, launch, intercept, guided = rows[keep], cols[keep], launch[keep], intercept[keep], guided[keep]
            own_sight = samples["in_sight"][keep]
        else:
            own_sight = samples["in_sight"]
        airspace = located[geometry.first_flat[rows] + cols]
        parts.append({
            "unit": np.full(rows.size, u), "threat": rows, "sample": cols,
            "launch": launch, "intercept": intercept, "airspace": airspace,
            "reason": rules.refusal(u, launch, intercept, airspace, guided),
            "pk": samples["pk"][threats.threat_class[rows]], "own_sight": own_sight,
        })
    flat = {k: np.concatenate([p[k] for p in parts]).astype(dtype, copy=False) if parts else np.empty(0, dtype)
            for k, dtype in columns.items()}
    # Each unit's samples come sorted by (threat, launch time); a stable sort by (threat, unit)
    # keeps that order inside each window.
    order = np.lexsort((flat["unit"], flat["threat"]))
    flat = {k: v[order] for k, v in flat.items()}
    unit, threat = flat["unit"], flat["threat"]
    new = np.ones(unit.size, dtype=bool)
    new[1:] = (unit[1:] != unit[:-1]) | (threat[1:] != threat[:-1])
    start = np.flatnonzero(new)
    end = np.append(start[1:], unit.size)
    return Windows(
        unit=unit[start], threat=threat[start], kill_probability=flat["pk"][start], start=start, end=end,
        launch_t_s=flat["launch"], intercept_t_s=flat["intercept"], sample=flat["sample"],
        airspace=flat["airspace"], reason=flat["reason"], own_sight=flat["own_sight"],
    )


@dataclass(frozen=True)
class RemoteHandover:
    """Shots on remote tracks: K (window sample, sensor) pairs where the sample's intercept point
    is beyond the unit's own fire-control radar and within the cover of a sensor whose tracks the
    unit may engage on, under an engage-on-remote grant in force from launch to intercept."""

    sample: np.ndarray  # (K,) index into the per-sample arrays of World.windows
    sensor: np.ndarray  # (K,)
    threat: np.ndarray  # (K,)
    intercept_t_s: np.ndarray  # (K,)
    information: np.ndarray  # (K, 3, 3) the sensor's track information at the intercept point, 1/m^2
    basket_m: np.ndarray  # (K,) acquisition basket of the unit's interceptor (inf: handover not modelled)
    neighbour_offset_m: np.ndarray  # (K, 3) ECEF offset of the nearest other threat in flight then (inf: none)
    samples: np.ndarray  # the distinct samples of `sample`, sorted
    slot: np.ndarray  # (K,) each pair's index in `samples`

    def fraction(self, holds: np.ndarray) -> np.ndarray:
        """(len(samples),) the share of its kill probability a shot at each of `samples` keeps
        when the pairs where `holds` is True hand it over, fused in information form: the
        Gaussian acquisition factor times the chance the handover goes to the right object
        (tracking.accuracy); 0 where no pair holds, 1 where the interceptor has no basket."""
        information = np.zeros((self.samples.size, 3, 3))
        np.add.at(information, self.slot[holds], self.information[holds])
        basket_m, offset_m = np.empty(self.samples.size), np.empty((self.samples.size, 3))
        basket_m[self.slot], offset_m[self.slot] = self.basket_m, self.neighbour_offset_m
        fraction = np.ones(self.samples.size)
        modelled = np.isfinite(basket_m)
        fraction[modelled] = accuracy.handover_fraction(information[modelled], basket_m[modelled]) * (
            1.0 - accuracy.wrong_association_probability(information[modelled], offset_m[modelled]))
        return fraction


def _remote_handover(scenario: Scenario, threats: Threats, windows: Windows, rules: CoalitionRules,
                     by_rank: tuple[np.ndarray, np.ndarray]) -> RemoteHandover:
    catalog = scenario.catalog
    per_sample = np.repeat(np.arange(windows.count), windows.end - windows.start)
    unit, threat = windows.unit[per_sample], windows.threat[per_sample]
    samples, sensors, baskets = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0)]
    for u, fire_unit in enumerate(scenario.fire_units):
        remote = np.flatnonzero((unit == u) & ~windows.own_sight)
        basket = catalog.interceptors[fire_unit.interceptor].acquisition_basket_m
        for s, spans in rules.remote_tracks(u) if remote.size else ():
            intercept = windows.intercept_t_s[remote]
            covered = remote[_covers(by_rank, s, threat[remote], intercept)
                             & in_force_throughout(windows.launch_t_s[remote], intercept, spans)]
            samples.append(covered)
            sensors.append(np.full(covered.size, s))
            baskets.append(np.full(covered.size, basket.value if basket else np.inf))
    sample, sensor = np.concatenate(samples), np.concatenate(sensors)
    j, k = threat[sample], windows.sample[sample]
    samples, slot = np.unique(sample, return_inverse=True)
    return RemoteHandover(sample=sample, sensor=sensor, threat=j, intercept_t_s=windows.intercept_t_s[sample],
                          information=_track_information(SensorSites.of(scenario), threats, sensor, j, k),
                          basket_m=np.concatenate(baskets),
                          neighbour_offset_m=_nearest_other(threats, j, k, windows.intercept_t_s[sample]),
                          samples=samples, slot=slot)


@dataclass(frozen=True)
class SensorSites:
    """Per sensor (scenario.sensors order): where it stands and how it measures, read once from
    the scenario and its catalog. A sensor without a position (space-based) has NaN there."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    range_sigma_m: np.ndarray
    bearing_sigma_rad: np.ndarray
    elevation_sigma_rad: np.ndarray  # the bearing's where the type gives none
    period_s: np.ndarray

    @classmethod
    def of(cls, scenario: Scenario) -> "SensorSites":
        kinds = [scenario.catalog.sensors[s.type] for s in scenario.sensors]

        def per_sensor(value) -> np.ndarray:
            return np.array([float(value(thing)) for thing in kinds], dtype=float)

        def radians(sigma) -> float:
            return np.radians(sigma.value) if sigma else 0.0

        sensors = scenario.sensors
        return cls(lat_deg=np.array([s.position[0] if s.position else np.nan for s in sensors], dtype=float),
                   lon_deg=np.array([s.position[1] if s.position else np.nan for s in sensors], dtype=float),
                   alt_m=np.array([s.altitude_m for s in sensors], dtype=float),
                   range_sigma_m=per_sensor(lambda kind: kind.range_sigma_m.value if kind.range_sigma_m else 0.0),
                   bearing_sigma_rad=per_sensor(lambda kind: radians(kind.bearing_sigma_deg)),
                   elevation_sigma_rad=per_sensor(
                       lambda kind: radians(kind.elevation_sigma_deg or kind.bearing_sigma_deg)),
                   period_s=per_sensor(lambda kind: kind.scan_period_s.value))


def _track_information(sites: SensorSites, threats: Threats, sensor: np.ndarray, threat: np.ndarray,
                       sample: np.ndarray) -> np.ndarray:
    """(K, 3, 3) information of sensor[k]'s steady-state track of threat[k] at its trajectory
    sample sample[k] (tracking.accuracy.track_information, with the sensor type's noise and scan
    period and the threat class's unmodelled acceleration)."""
    return accuracy.track_information(
        sites.lat_deg[sensor], sites.lon_deg[sensor], sites.alt_m[sensor],
        threats.lat_deg[threat, sample], threats.lon_deg[threat, sample], threats.alt_m[threat, sample],
        sites.range_sigma_m[sensor], sites.bearing_sigma_rad[sensor], sites.elevation_sigma_rad[sensor],
        sites.period_s[sensor],
        np.array([accuracy.MANOEUVRE_SIGMA_MPS2[c] for c in THREAT_CLASSES])[threats.threat_class[threat]])


def _refuse_coarse_handovers(windows: Windows, handover: RemoteHandover, least_fraction: float) -> Windows:
    """Refuse (TRACK_TOO_COARSE) the allowed shots on remote tracks whose handover would keep
    less than `least_fraction` of their kill probability even with every track under the
    agreement held at the intercept: a commander fires on another partner's track only where its
    predicted intercept point fits the interceptor's acquisition basket. Known when planning, from
    the sensors' accuracy and the geometry; whether the tracks are held is a replication's draw."""
    coarse = handover.samples[handover.fraction(np.ones(handover.sample.size, dtype=bool)) < least_fraction]
    coarse = coarse[windows.reason[coarse] == Reason.ALLOWED]
    if coarse.size == 0:
        return windows
    reason = windows.reason.copy()
    reason[coarse] = Reason.TRACK_TOO_COARSE
    return replace(windows, reason=reason)


def _nearest_other(threats: Threats, threat: np.ndarray, sample: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """(K, 3) ECEF offset from threat[k] at its trajectory sample sample[k] to the nearest other
    threat in flight at t_s[k] (positions interpolated linearly in latitude, longitude and
    altitude between samples); inf where no other threat is in flight."""
    here = np.stack(geo.geodetic_to_ecef(threats.lat_deg[threat, sample], threats.lon_deg[threat, sample],
                                         threats.alt_m[threat, sample]), axis=-1)
    best = np.full((threat.size, 3), np.inf)
    best_m = np.full(threat.size, np.inf)
    for other in range(threats.count if threat.size else 0):
        n = threats.n_samples[other]
        times = threats.t_s[other, :n]
        flying = (t_s >= times[0]) & (t_s <= times[-1]) & (threat != other)
        if not flying.any():
            continue
        at = t_s[flying]
        there = np.stack(geo.geodetic_to_ecef(np.interp(at, times, threats.lat_deg[other, :n]),
                                              np.interp(at, times, threats.lon_deg[other, :n]),
                                              np.interp(at, times, threats.alt_m[other, :n])), axis=-1)
        offset = there - here[flying]
        distance = np.linalg.norm(offset, axis=1)
        nearer = distance < best_m[flying]
        rows = np.flatnonzero(flying)[nearer]
        best_m[rows], best[rows] = distance[nearer], offset[nearer]
    return best


def coverage_by_rank(coverage: Coverage, n_sensors: int, n_threats: int) -> tuple[np.ndarray, np.ndarray]:
    """(sensors, ranks, threats) start and end of each coverage interval (a pair has at most one
    of each rank; inf and -inf where it has none)."""
    shape = (n_sensors, int(coverage.rank.max(initial=-1)) + 1, n_threats)
    start, end = np.full(shape, np.inf), np.full(shape, -np.inf)
    start[coverage.sensor, coverage.rank, coverage.threat] = coverage.start_t_s
    end[coverage.sensor, coverage.rank, coverage.threat] = coverage.end_t_s
    return start, end


def _covers(by_rank: tuple[np.ndarray, np.ndarray], sensor, threat: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """(sensors given, K) True where the coverage of `sensor` (an index, or an array of them)
    holds threat[k] at t_s[k]; `by_rank` is `coverage_by_rank`'s."""
    start, end = by_rank[0][sensor][..., threat], by_rank[1][sensor][..., threat]  # ([sensors,] ranks, K)
    return ((t_s >= start) & (t_s <= end)).any(axis=-2)


def _value_at_risk(scenario: Scenario, threats: Threats) -> np.ndarray:
    """Expected value a threat destroys if it is not stopped and does not fail.

    The impact point scatters about the aim point with circular error probable `cep_m`; for a
    circular normal scatter, P(miss distance <= r) = 1 - 0.5 ** ((r / CEP) ** 2) (the definition
    of CEP with a Rayleigh-distributed miss distance; e.g. Driels, *Weaponeering*, 2nd ed., ch. 6).
    """
    radius = np.array([a.radius_m for a in scenario.assets])[threats.target_asset]
    value = np.array([a.value_usd for a in scenario.assets])[threats.target_asset]
    p_hit = 1.0 - 0.5 ** ((radius / threats.cep_m) ** 2)
    return value * threats.lethality * p_hit
