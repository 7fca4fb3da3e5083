"""The report's map: airspaces, planned routes, defended assets, fire units, sensors, intercept
points (by partner) and leakers, in Web Mercator (EPSG:3857) through pyproj."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer

from shieldwall.geo import load_boundaries
from shieldwall.report._figures import (
    CLASS_COLOURS,
    CLASS_PLURAL,
    LEAK_COLOUR,
    WITHHELD_COLOUR,
    Figure,
    _finish,
    _pyplot,
    _strings,
    partner_colours,
)
from shieldwall.report.view import WITHHELD, View

_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
_GEOD = Geod(ellps="WGS84")
MAX_LEAK_POINTS = 3000


def _xy(lon, lat):
    return _TO_MERCATOR.transform(np.asarray(lon, float), np.asarray(lat, float))


def _great_circle(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of a path through (lat, lon) points along geodesics."""
    lons, lats = [points[0][1]], [points[0][0]]
    for (lat0, lon0), (lat1, lon1) in zip(points[:-1], points[1:]):
        middle = _GEOD.npts(lon0, lat0, lon1, lat1, 24)
        lons += [p[0] for p in middle] + [lon1]
        lats += [p[1] for p in middle] + [lat1]
    return np.array(lons), np.array(lats)


def _airspace_shapes(view: View):
    """The airspaces to draw, with their shapes. An anonymous partner's airspace is never drawn:
    its outline would name the country (docs/design/anonymity.md)."""
    boundaries = load_boundaries()
    anonymous = {p.id for p in view.scenario.partners if p.anonymous}
    for airspace in view.scenario.airspaces:
        if airspace.owner in anonymous:
            continue
        shape = boundaries.get(airspace.country) if airspace.country else \
            shapely.Polygon([(lon, lat) for lat, lon in airspace.polygon])
        if shape is not None:
            yield airspace, shape


def _rings(shape):
    for polygon in getattr(shape, "geoms", [shape]):
        yield np.asarray(polygon.exterior.coords)


def map_figure(view: View, run: int, out_dir: Path | None) -> Figure:
    plt = _pyplot()
    scenario = view.scenario
    colours = partner_colours(view)
    units = [scenario.fire_units[i] for i in view.visible_units]
    sensors = [scenario.sensors[i] for i in view.visible_sensors if scenario.sensors[i].position is not None]

    lats, lons = [], []
    for asset in scenario.assets:
        lats.append(asset.position[0]); lons.append(asset.position[1])
    for thing in (*units, *sensors):
        lats.append(thing.position[0]); lons.append(thing.position[1])
    for wave in scenario.raid.waves:
        for lat, lon in (wave.launch_area.center, *wave.route):
            lats.append(lat); lons.append(lon)
    pad = 1.0
    west, east = min(lons) - pad, max(lons) + pad
    south, north = max(min(lats) - pad, -80), min(max(lats) + pad, 80)

    fig, ax = plt.subplots(figsize=(8.0, 6.2))
    ax.set_facecolor("#DCEAF4")
    for shape in load_boundaries().values():
        for ring in _rings(shape):
            x, y = _xy(ring[:, 0], ring[:, 1])
            ax.fill(x, y, color="#F4F1EA", ec="#B9B3A5", lw=0.5, zorder=1)
    owner_label = {p.id: p.label for p in scenario.partners}
    for airspace, shape in _airspace_shapes(view):
        owner = owner_label.get(airspace.owner) if airspace.owner else None
        colour = colours.get(owner, WITHHELD_COLOUR) if owner in view.visible_partners else "#8F8F8F"
        for ring in _rings(shape):
            x, y = _xy(ring[:, 0], ring[:, 1])
            ax.plot(x, y, color=colour, lw=1.0 if owner in view.visible_partners else 0.6,
                    ls="-" if owner in view.visible_partners else ":", zorder=2)

    seen_classes = set()
    for wave in scenario.raid.waves:
        klass = scenario.catalog.threats[wave.threat].threat_class
        for target in wave.targets:
            asset = next(a for a in scenario.assets if a.id == target)
            lon, lat = _great_circle([wave.launch_area.center, *wave.route, asset.position])
            x, y = _xy(lon, lat)
            ax.plot(x, y, color=CLASS_COLOURS[klass], lw=0.6 + 0.3 * np.log10(1 + wave.count), alpha=0.7, zorder=3,
                    label=f"planned routes: {CLASS_PLURAL[klass]}" if klass not in seen_classes else None)
            seen_classes.add(klass)

    threats = view.tables["threats"]
    fate = _strings(threats["fate"])
    run_mask = threats["run"].to_numpy() == run
    lat = threats["fate_lat_deg"].to_numpy()
    lon = threats["fate_lon_deg"].to_numpy()
    by = _strings(threats["by_partner"])
    leaked = np.flatnonzero((fate == "leaked") & np.isfinite(lat))
    if leaked.size > MAX_LEAK_POINTS:
        leaked = leaked[np.linspace(0, leaked.size - 1, MAX_LEAK_POINTS).astype(int)]
    if leaked.size:
        x, y = _xy(lon[leaked], lat[leaked])
        ax.scatter(x, y, s=5, marker="x", color=LEAK_COLOUR, alpha=0.35, lw=0.6, zorder=5,
                   label=f"leaker impacts (all {view.tables['replications'].num_rows} raids)")
    for partner in view.partner_labels:
        hits = np.flatnonzero(run_mask & (fate == "intercepted") & (by == partner) & np.isfinite(lat))
        if hits.size:
            x, y = _xy(lon[hits], lat[hits])
            label = f"intercepts by {partner}" if partner != WITHHELD else "intercepts by withheld partners"
            ax.scatter(x, y, s=9, color=colours.get(partner, WITHHELD_COLOUR), ec="white", lw=0.3, zorder=6,
                       label=label)
    own_leaks = np.flatnonzero(run_mask & (fate == "leaked") & np.isfinite(lat))
    if own_leaks.size:
        x, y = _xy(lon[own_leaks], lat[own_leaks])
        ax.scatter(x, y, s=28, marker="X", color=LEAK_COLOUR, ec="white", lw=0.4, zorder=7,
                   label=f"leakers of raid {run}")

    for unit in units:
        owner = owner_label[unit.owner]
        x, y = _xy(unit.position[1], unit.position[0])
        ax.scatter(x, y, s=26, marker="^", color=colours[owner], ec="black", lw=0.4, zorder=8)
    for sensor in sensors:
        owner = owner_label[sensor.owner]
        x, y = _xy(sensor.position[1], sensor.position[0])
        ax.scatter(x, y, s=16, marker="o", facecolor="none", ec=colours[owner], lw=1.0, zorder=8)
    placed: list[tuple[float, float]] = []
    for asset in sorted(scenario.assets, key=lambda a: -a.position[0]):
        x, y = _xy(asset.position[1], asset.position[0])
        ax.scatter(x, y, s=30, marker="s", color="black", zorder=9)
        # Labels of assets closer than ~0.5 degree are stacked downwards, so that they do not overlap.
        crowded = sum(abs(asset.position[0] - a) < 0.5 and abs(asset.position[1] - b) < 1.5 for a, b in placed)
        placed.append(tuple(asset.position))
        ax.annotate(asset.name, (x, y), xytext=(6, 2 - 9 * crowded), textcoords="offset points", fontsize=7,
                    ha="left", zorder=9,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
    ax.scatter([], [], s=26, marker="^", color="white", ec="black", lw=0.4, label="fire units (partner colour)")
    ax.scatter([], [], s=16, marker="o", facecolor="none", ec="black", label="sensors (partner colour)")
    ax.scatter([], [], s=30, marker="s", color="black", label="defended assets")

    x0, y0 = _xy(west, south)
    x1, y1 = _xy(east, north)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    lon_ticks = np.arange(np.ceil(west), np.floor(east) + 1, max(1, round((east - west) / 8)))
    lat_ticks = np.arange(np.ceil(south), np.floor(north) + 1, max(1, round((north - south) / 6)))
    ax.set_xticks(_xy(lon_ticks, np.zeros_like(lon_ticks))[0], [f"{v:g}°E" if v >= 0 else f"{-v:g}°W" for v in lon_ticks])
    ax.set_yticks(_xy(np.zeros_like(lat_ticks), lat_ticks)[1], [f"{v:g}°N" if v >= 0 else f"{-v:g}°S" for v in lat_ticks])
    ax.tick_params(labelsize=7)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.set_title(f"Routes, intercepts and leakers (intercepts of raid {run}, the median raid by leakers)")
    svg = _finish(fig, "map", out_dir)
    anonymous = {p.id for p in scenario.partners if p.anonymous}
    hidden = "; anonymous partners' airspaces are not drawn" if any(a.owner in anonymous for a in scenario.airspaces) else ""
    return Figure("map", "Map", f"Planned threat routes, airspaces (solid: a partner shown in this report{hidden}), "
                  f"intercept points of raid {run} coloured by partner, leaker impacts of every raid. "
                  f"Web Mercator projection; boundaries: Natural Earth (public domain).", svg)
