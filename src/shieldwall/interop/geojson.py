"""GeoJSON export of one replication, for GIS tools (RFC 7946: WGS84 longitude, latitude, metres).

Features, each with a `kind` property: `route` (LineString of a threat's flown path, launch to fate),
`intercept` (Point where an interceptor met its threat: kill or miss), `impact` (Point where a
leaker came down), `asset`, `fire-unit` and `sensor`. Releasability is the View's: a withheld
partner's fire units, sensors and intercept points are not written.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shieldwall.engine.simulate import FATES, SHOT_RESULTS
from shieldwall.replay._replicate import Replay, write_export
from shieldwall.report.view import WITHHELD
from shieldwall.scenario.model import THREAT_CLASSES


def _round(values, digits):
    return [round(float(v), digits) for v in values]


def _point(lon, lat, alt=None):
    coords = [round(float(lon), 6), round(float(lat), 6)] + ([round(float(alt), 1)] if alt is not None else [])
    return {"type": "Point", "coordinates": coords}


def build_geojson(replay: Replay) -> dict:
    """A FeatureCollection of a replay's routes, intercept points, impacts and defences."""
    view, world, outcome = replay.view, replay.world, replay.outcome
    scenario = view.scenario
    threats = world.threats
    label_of = {p.id: p.label for p in scenario.partners}
    unit_partner = {u: label_of[scenario.fire_units[u].owner] for u in view.visible_units}
    features = []

    def add(geometry, **properties):
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})

    for j in range(threats.count):
        n = int(threats.n_samples[j])
        end = float(outcome.fate_t_s[j])
        t = threats.t_s[j, :n]
        inside = t < end
        lon = list(threats.lon_deg[j, :n][inside])
        lat = list(threats.lat_deg[j, :n][inside])
        alt = list(threats.alt_m[j, :n][inside])
        if np.isfinite(outcome.fate_lat_deg[j]):
            lon.append(outcome.fate_lon_deg[j]); lat.append(outcome.fate_lat_deg[j]); alt.append(outcome.fate_alt_m[j])
        if len(lon) < 2:
            lon.insert(0, threats.launch_lon_deg[j]); lat.insert(0, threats.launch_lat_deg[j]); alt.insert(0, 0.0)
        killer = int(outcome.killer_unit[j])
        fate = FATES[outcome.fate[j]]
        add({"type": "LineString", "coordinates": [[round(float(a), 6), round(float(b), 6), round(float(c), 1)]
                                                  for a, b, c in zip(lon, lat, alt)]},
            kind="route", threat=j, threat_type=threats.type_id[j], threat_class=THREAT_CLASSES[threats.threat_class[j]],
            wave=scenario.raid.waves[threats.wave[j]].id, target=scenario.assets[threats.target_asset[j]].id,
            launch_t_s=round(float(threats.launch_t_s[j]), 1), fate=fate, fate_t_s=round(end, 1),
            by_partner=(unit_partner.get(killer, WITHHELD) if killer >= 0 else None))
        if fate == "leaked" and np.isfinite(outcome.fate_lat_deg[j]):
            asset = int(outcome.asset_hit[j])
            add(_point(outcome.fate_lon_deg[j], outcome.fate_lat_deg[j]), kind="impact", threat=j,
                threat_class=THREAT_CLASSES[threats.threat_class[j]], t_s=round(end, 1),
                asset_hit=scenario.assets[asset].id if asset >= 0 else None)

    shots = outcome.shots
    for k in range(shots["unit"].size):
        u = int(shots["unit"][k])
        if u not in unit_partner:
            continue
        unit = scenario.fire_units[u]
        add(_point(shots["lon_deg"][k], shots["lat_deg"][k], shots["alt_m"][k]), kind="intercept",
            threat=int(shots["threat"][k]), partner=unit_partner[u], unit=unit.id, interceptor=unit.interceptor,
            result=SHOT_RESULTS[int(shots["result"][k])], launch_t_s=round(float(shots["launch_t_s"][k]), 1),
            intercept_t_s=round(float(shots["intercept_t_s"][k]), 1))
    for asset in scenario.assets:
        add(_point(asset.position[1], asset.position[0]), kind="asset", id=asset.id, name=asset.name,
            value_usd=asset.value_usd)
    for u in view.visible_units:
        unit = scenario.fire_units[u]
        add(_point(unit.position[1], unit.position[0]), kind="fire-unit", id=unit.id, partner=unit_partner[u],
            interceptor=unit.interceptor, platform=unit.platform, magazine=unit.magazine)
    for s in view.visible_sensors:
        sensor = scenario.sensors[s]
        if sensor.position is None:
            continue
        kind = scenario.catalog.sensors[sensor.type]
        add(_point(sensor.position[1], sensor.position[0], sensor.altitude_m), kind="sensor", id=sensor.id,
            partner=label_of[sensor.owner], sensor_type=sensor.type,
            range_m={c: r.value for c, r in kind.range_m.items()})
    return {
        "type": "FeatureCollection",
        "name": f"{scenario.name} run {replay.run}" + (f" (view of {view.viewer})" if view.viewer else ""),
        "properties": {"scenario": scenario.name, "run": replay.run, "start_time": scenario.start_time.isoformat(),
                       "viewer": view.viewer, "times": "t_s: seconds after start_time"},
        "features": features,
    }


def write_geojson(replay: Replay, out: str | Path | None = None, force: bool = False) -> Path:
    """Write the GeoJSON of a replay into `out` (default: the results folder)."""
    return write_export(replay, "geojson", json.dumps(build_geojson(replay), separators=(",", ":")), out, force)
