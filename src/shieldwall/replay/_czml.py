"""One replication as CZML (written with czml3), for the replay viewer and for any Cesium app.

Packet ids say what each entity is: `threat/<n>`, `impact/<n>`, `unit/<id>`, `sensor/<id>`,
`shot/<k>`, `intercept/<k>`, `asset/<id>`. Every packet but the document carries `properties`
{layer, partner, threatClass} that the viewer's layer toggles use. Releasability is the View's:
withheld partners' units, sensors, shots and intercept points are not written at all.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from shieldwall._optional import require
from shieldwall.engine.simulate import FATES, SHOT_RESULTS
from shieldwall.replay._replicate import Replay, write_export
from shieldwall.report._figures import (
    CLASS_COLOURS,
    LEAK_COLOUR,
    WITHHELD_COLOUR,
    partner_colours,
)
from shieldwall.report.view import WITHHELD
from shieldwall.scenario.model import THREAT_CLASSES

MAX_SAMPLES_PER_THREAT = 160
"""Trajectory samples kept per threat in the CZML (evenly thinned; Cesium interpolates linearly)."""
PLAYBACK_S = 150.0
"""The default clock multiplier plays the whole raid in about this many seconds."""
FIGHTER_ALTITUDE_M = 8000.0
SHOT_FLASH_S = 90.0


def _rgba(hex_colour: str, alpha: int = 255) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha]


def _thin(n: int) -> np.ndarray:
    if n <= MAX_SAMPLES_PER_THREAT:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_SAMPLES_PER_THREAT).round().astype(int))


class _Packets:
    """czml3 packets, built lazily so that `czml3` is imported only when a replay is made."""

    def __init__(self, epoch: datetime):
        czml3 = require("czml3", "the replay")
        from czml3 import enums, properties, types

        self.czml3, self.p, self.types, self.enums = czml3, properties, types, enums
        self.epoch = epoch
        self.items = []

    def at(self, t_s: float) -> datetime:
        return self.epoch + timedelta(seconds=float(t_s))

    def interval(self, start_s: float, end_s: float):
        return self.types.TimeInterval(start=self.at(start_s), end=self.at(end_s))

    def colour(self, rgba):
        return self.p.Color(rgba=list(rgba))

    def solid(self, rgba, polyline: bool = False):
        material = self.p.SolidColorMaterial(color=self.colour(rgba))
        return self.p.PolylineMaterial(solidColor=material) if polyline else self.p.Material(solidColor=material)

    def add(self, **fields):
        self.items.append(self.czml3.Packet(**fields))


def replay_metadata(replay: Replay) -> dict:
    """What the viewer needs besides the CZML: layers, colours, extent, counts."""
    view = replay.view
    colours = partner_colours(view)
    s = view.scenario
    lats = [a.position[0] for a in s.assets] + [w.launch_area.center[0] for w in s.raid.waves]
    lons = [a.position[1] for a in s.assets] + [w.launch_area.center[1] for w in s.raid.waves]
    classes = sorted({THREAT_CLASSES[c] for c in replay.world.threats.threat_class}, key=THREAT_CLASSES.index)
    report = view.folder / f"report{view.suffix}.html"
    offset = s.start_time.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return {
        "utc_offset_min": minutes,
        "utc_label": f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        "scenario": s.name, "run": replay.run, "viewer": view.viewer,
        "partners": [{"label": p, "colour": colours.get(p, WITHHELD_COLOUR)} for p in view.partner_labels],
        "classes": [{"label": c, "colour": CLASS_COLOURS[c]} for c in classes],
        "extent_deg": {"west": min(lons) - 1.5, "east": max(lons) + 1.5, "south": min(lats) - 1.5, "north": max(lats) + 1.5},
        "report": f"results/{report.name}" if report.is_file() else None,
    }


def build_czml(replay: Replay) -> str:
    """The CZML document (a JSON string) of a replay."""
    view, world, outcome = replay.view, replay.world, replay.outcome
    scenario = view.scenario
    threats = world.threats
    colours = partner_colours(view)
    label_of = {p.id: p.label for p in scenario.partners}
    epoch = scenario.start_time if scenario.start_time.tzinfo else scenario.start_time.replace(tzinfo=timezone.utc)
    b = _Packets(epoch)
    p = b.p

    start_s = float(np.min(threats.launch_t_s)) - 120.0 if threats.count else 0.0
    end_s = float(np.max(outcome.fate_t_s)) + 600.0 if threats.count else scenario.duration_s
    multiplier = max(1.0, round((end_s - start_s) / PLAYBACK_S / 10.0) * 10.0)
    b.add(id="document", name=f"{scenario.name}: run {replay.run}" + (f" (view of {view.viewer})" if view.viewer else ""),
          version="1.0",
          clock=p.Clock(interval=b.interval(start_s, end_s), currentTime=b.at(start_s), multiplier=multiplier,
                        range=b.enums.ClockRanges.LOOP_STOP, step=b.enums.ClockSteps.SYSTEM_CLOCK_MULTIPLIER))

    unit_label = {}
    for u in view.visible_units:
        unit = scenario.fire_units[u]
        partner = label_of[unit.owner]
        unit_label[u] = partner
        alt = FIGHTER_ALTITUDE_M if unit.platform == "fighter-patrol" else 0.0
        kind = scenario.catalog.interceptors[unit.interceptor]
        b.add(id=f"unit/{unit.id}", name=f"{unit.id} ({partner}, {kind.name})",
              description=html.escape(f"{partner} fire unit, {unit.platform}, {kind.name}; magazine {unit.magazine}"),
              properties={"layer": "unit", "partner": partner, "threatClass": ""},
              position=p.Position(cartographicDegrees=[unit.position[1], unit.position[0], alt]),
              point=p.Point(pixelSize=9, color=b.colour(_rgba(colours[partner])),
                            outlineColor=b.colour([0, 0, 0, 255]), outlineWidth=1))

    for s in view.visible_sensors:
        sensor = scenario.sensors[s]
        if sensor.position is None:
            continue
        partner = label_of[sensor.owner]
        kind = scenario.catalog.sensors[sensor.type]
        reach = max((r.value for r in kind.range_m.values()), default=0.0)
        b.add(id=f"sensor/{sensor.id}", name=f"{sensor.id} ({partner}, {kind.name})",
              description=html.escape(f"{partner} {kind.kind}, {sensor.platform}; instrumented range up to "
                                      f"{reach / 1000:.0f} km (the radar horizon limits low fliers)"),
              properties={"layer": "sensor", "partner": partner, "threatClass": ""},
              position=p.Position(cartographicDegrees=[sensor.position[1], sensor.position[0], sensor.altitude_m]),
              point=p.Point(pixelSize=6, color=b.colour([255, 255, 255, 255]),
                            outlineColor=b.colour(_rgba(colours[partner])), outlineWidth=2),
              ellipse=p.Ellipse(semiMajorAxis=reach, semiMinorAxis=reach, fill=True, outline=False,
                                material=b.solid(_rgba(colours[partner], 14))))

    for asset in scenario.assets:
        b.add(id=f"asset/{asset.id}", name=asset.name,
              description=html.escape(f"defended asset, notional value {asset.value_usd / 1e6:,.0f} M USD"),
              properties={"layer": "asset", "partner": "", "threatClass": ""},
              position=p.Position(cartographicDegrees=[asset.position[1], asset.position[0], 0.0]),
              point=p.Point(pixelSize=8, color=b.colour([20, 20, 20, 255]),
                            outlineColor=b.colour([255, 255, 255, 255]), outlineWidth=1),
              label=p.Label(text=asset.name, font="12px sans-serif", fillColor=b.colour([255, 255, 255, 255]),
                            pixelOffset=b.types.Cartesian2Value(values=[10, -8]),
                            horizontalOrigin=b.enums.HorizontalOrigins.LEFT))

    for j in range(threats.count):
        klass = THREAT_CLASSES[threats.threat_class[j]]
        fate = FATES[outcome.fate[j]]
        end = float(outcome.fate_t_s[j])
        n = int(threats.n_samples[j])
        keep = _thin(n)
        t = threats.t_s[j, keep]
        inside = t < end
        t = t[inside]
        coords = np.column_stack([t - start_s, threats.lon_deg[j, keep][inside], threats.lat_deg[j, keep][inside],
                                  threats.alt_m[j, keep][inside]])
        final = [end - start_s, outcome.fate_lon_deg[j], outcome.fate_lat_deg[j], outcome.fate_alt_m[j]]
        if not np.all(np.isfinite(final)):
            final = [end - start_s, threats.lon_deg[j, n - 1], threats.lat_deg[j, n - 1], threats.alt_m[j, n - 1]]
        coords = np.vstack([coords, final]) if coords.size else np.array([[0.0, *coords_start(threats, j)], final])
        coords = np.column_stack([coords[:, 0].round(1), coords[:, 1:3].round(5), coords[:, 3].round(0)])
        coords = coords[np.r_[np.diff(coords[:, 0]) > 0, True]]  # strictly increasing times, fate kept
        killer = int(outcome.killer_unit[j])
        by = unit_label.get(killer, WITHHELD) if killer >= 0 else ""
        target = scenario.assets[threats.target_asset[j]].name
        what = {"intercepted": f"intercepted by {by}" if by else "intercepted", "leaked": "leaked",
                "failed": "failed in flight"}[fate]
        b.add(id=f"threat/{j}", name=f"{threats.type_id[j]} #{j}",
              description=html.escape(f"{klass}, wave {scenario.raid.waves[threats.wave[j]].id}, aimed at {target}; "
                                      f"{what} at T+{end / 60:.0f} min"),
              properties={"layer": "threat", "partner": by, "threatClass": klass, "fate": fate},
              availability=b.interval(float(threats.launch_t_s[j]), end),
              position=p.Position(epoch=b.at(start_s), cartographicDegrees=[float(v) for v in coords.ravel()]),
              point=p.Point(pixelSize=6, color=b.colour(_rgba(CLASS_COLOURS[klass])),
                            outlineColor=b.colour([0, 0, 0, 200]), outlineWidth=1),
              path=p.Path(show=True, width=1.5, leadTime=0, trailTime=float(end_s - start_s), resolution=60,
                          material=b.solid(_rgba(CLASS_COLOURS[klass], 150), polyline=True)))
        if fate == "leaked":
            b.add(id=f"impact/{j}", name=f"impact of {threats.type_id[j]} #{j}",
                  description=html.escape(f"{klass} aimed at {target}; impact at T+{end / 60:.0f} min"),
                  properties={"layer": "impact", "partner": "", "threatClass": klass},
                  availability=b.interval(end, end_s),
                  position=p.Position(cartographicDegrees=[float(v) for v in final[1:3]] + [0.0]),
                  point=p.Point(pixelSize=11, color=b.colour(_rgba(LEAK_COLOUR)),
                                outlineColor=b.colour([255, 255, 255, 255]), outlineWidth=1))

    shots = outcome.shots
    for k in range(shots["unit"].size):
        u = int(shots["unit"][k])
        if u not in unit_label:
            continue
        partner = unit_label[u]
        unit = scenario.fire_units[u]
        launch, intercept = float(shots["launch_t_s"][k]), float(shots["intercept_t_s"][k])
        point = [float(shots["lon_deg"][k]), float(shots["lat_deg"][k]), float(shots["alt_m"][k])]
        alt = FIGHTER_ALTITUDE_M if unit.platform == "fighter-patrol" else 0.0
        result = SHOT_RESULTS[int(shots["result"][k])]
        j = int(shots["threat"][k])
        b.add(id=f"shot/{k}", name=f"{unit.id} at threat #{j}",
              properties={"layer": "shot", "partner": partner, "threatClass": THREAT_CLASSES[threats.threat_class[j]]},
              availability=b.interval(launch, max(intercept, launch + 1.0)),
              polyline=p.Polyline(positions=p.PositionList(cartographicDegrees=[unit.position[1], unit.position[0], alt, *point]),
                                  width=1.5, arcType=b.enums.ArcTypes.NONE, material=b.solid(_rgba(colours[partner], 200), polyline=True)))
        b.add(id=f"intercept/{k}", name=f"{result}: {unit.id} at threat #{j}",
              description=html.escape(f"{partner} {scenario.catalog.interceptors[unit.interceptor].name}: {result} "
                                      f"at {point[2] / 1000:.1f} km altitude, T+{intercept / 60:.0f} min"),
              properties={"layer": "intercept", "partner": partner, "threatClass": THREAT_CLASSES[threats.threat_class[j]]},
              availability=b.interval(intercept, intercept + SHOT_FLASH_S),
              position=p.Position(cartographicDegrees=point),
              point=p.Point(pixelSize=12 if result == "kill" else 7,
                            color=b.colour(_rgba(colours[partner]) if result == "kill" else [255, 255, 255, 220]),
                            outlineColor=b.colour(_rgba(colours[partner])), outlineWidth=2))
    document = b.czml3.Document(packets=b.items)
    return document.dumps()


def coords_start(threats, j) -> list[float]:
    return [float(threats.launch_lon_deg[j]), float(threats.launch_lat_deg[j]), 0.0]


def write_czml(replay: Replay, out: str | Path | None = None, force: bool = False) -> Path:
    """Write the CZML of a replay into `out` (default: the results folder)."""
    return write_export(replay, "czml", build_czml(replay), out, force)
