"""Build ``src/shieldwall/data/boundaries/middle-east.geojson`` from Natural Earth.

Source: the Natural Earth 1:50m admin-0 country boundaries (public domain), as redistributed in
TopoJSON by the npm package ``world-atlas`` (``countries-50m.json``; feature ids are ISO 3166-1
numeric codes). Fetch the package and point this script at it::

    cd "$(mktemp -d)" && npm pack world-atlas@2 && tar xzf world-atlas-*.tgz
    python tools/build_boundaries.py package/

The script runs only when the bundled data is rebuilt, never at run time.

TopoJSON decoding follows the TopoJSON specification
(https://github.com/topojson/topojson-specification): arcs are quantised and delta-encoded, so
absolute positions are the running sum of the deltas, scaled and translated by the top-level
``transform``; a polygon ring lists arc indices, where a negative index ``~i`` means arc ``i``
traversed backwards, and consecutive arcs share their joining point.

Simplification is done per arc, before rings are assembled: a border shared by two countries is one
arc, so both neighbours receive the same simplified line and no gaps or overlaps open between them,
which simplifying each country polygon on its own would cause.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

SIMPLIFY_TOLERANCE_DEG = 0.01
COORDINATE_DECIMALS = 4

# ISO 3166-1 numeric code (as world-atlas spells it) -> (ISO alpha-3, display name).
# Northern Cyprus has no ISO code; world-atlas gives it no id, so it is matched by name and given
# Natural Earth's own ADM0_A3 code "CYN".
COUNTRIES_BY_ISO_N3 = {
    "376": ("ISR", "Israel"),
    "275": ("PSE", "Palestine"),
    "400": ("JOR", "Jordan"),
    "422": ("LBN", "Lebanon"),
    "760": ("SYR", "Syria"),
    "368": ("IRQ", "Iraq"),
    "364": ("IRN", "Iran"),
    "682": ("SAU", "Saudi Arabia"),
    "414": ("KWT", "Kuwait"),
    "048": ("BHR", "Bahrain"),
    "634": ("QAT", "Qatar"),
    "784": ("ARE", "United Arab Emirates"),
    "512": ("OMN", "Oman"),
    "887": ("YEM", "Yemen"),
    "818": ("EGY", "Egypt"),
    "792": ("TUR", "Turkey"),
    "196": ("CYP", "Cyprus"),
}
UNCODED_COUNTRIES_BY_NAME = {"N. Cyprus": ("CYN", "Northern Cyprus")}


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute lon/lat positions of every arc, shape (K, 2) each."""
    scale = np.asarray(topology["transform"]["scale"], dtype=float)
    translate = np.asarray(topology["transform"]["translate"], dtype=float)
    return [
        np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + translate
        for arc in topology["arcs"]
    ]


def simplify_arcs(arcs: list[np.ndarray], tolerance_deg: float) -> list[np.ndarray]:
    """Douglas-Peucker simplification of each arc, endpoints kept, coordinates rounded."""
    simplified = []
    for arc in arcs:
        if len(arc) > 2:
            line = shapely.LineString(arc).simplify(tolerance_deg, preserve_topology=True)
            arc = np.asarray(line.coords)
        simplified.append(np.round(arc, COORDINATE_DECIMALS))
    return simplified


def ring_from_arcs(arc_indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """Join the arcs of one ring, dropping the point each arc shares with the previous one."""
    pieces = []
    for position, index in enumerate(arc_indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        pieces.append(arc if position == 0 else arc[1:])
    return np.concatenate(pieces)


def polygon_from_rings(rings: list[list[int]], arcs: list[np.ndarray]) -> Polygon | None:
    """Shell and holes of one polygon; rings that collapsed under simplification are dropped."""
    coords = [ring_from_arcs(ring, arcs) for ring in rings]
    coords = [ring for ring in coords if len(np.unique(ring, axis=0)) >= 3]
    if not coords:
        return None
    polygon = Polygon(coords[0], coords[1:])
    return polygon if polygon.area > 0 else None


def geometry_from_topology(geometry: dict, arcs: list[np.ndarray]) -> MultiPolygon:
    if geometry["type"] == "Polygon":
        polygons = [polygon_from_rings(geometry["arcs"], arcs)]
    elif geometry["type"] == "MultiPolygon":
        polygons = [polygon_from_rings(rings, arcs) for rings in geometry["arcs"]]
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']!r}")
    multipolygon = MultiPolygon([p for p in polygons if p is not None])
    if multipolygon.is_valid:
        return multipolygon
    # Simplification can make a narrow ring touch itself; keep the polygonal parts of the repair.
    repaired = shapely.get_parts(shapely.make_valid(multipolygon))
    polygons = shapely.get_parts(repaired[shapely.get_type_id(repaired) >= 3])
    return MultiPolygon(list(polygons[shapely.get_type_id(polygons) == 3]))


def round_geometry(geometry_json: dict) -> dict:
    """GeoJSON coordinates rounded to ``COORDINATE_DECIMALS`` (repairs float noise from shapely)."""

    def walk(value):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
            return [round(float(v), COORDINATE_DECIMALS) for v in value]
        return [walk(v) for v in value]

    return {"type": geometry_json["type"], "coordinates": walk(geometry_json["coordinates"])}


def build(package_dir: Path) -> dict:
    package = json.loads((package_dir / "package.json").read_text())
    topology = json.loads((package_dir / "countries-50m.json").read_text())
    arcs = simplify_arcs(decode_arcs(topology), SIMPLIFY_TOLERANCE_DEG)

    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso_n3 = geometry.get("id")
        name = geometry.get("properties", {}).get("name")
        if iso_n3 in COUNTRIES_BY_ISO_N3:
            iso_a3, display_name = COUNTRIES_BY_ISO_N3[iso_n3]
        elif iso_n3 is None and name in UNCODED_COUNTRIES_BY_NAME:
            iso_a3, display_name = UNCODED_COUNTRIES_BY_NAME[name]
        else:
            continue
        shape = geometry_from_topology(geometry, arcs)
        features.append(
            {
                "type": "Feature",
                "properties": {"iso_a3": iso_a3, "name": display_name, "iso_n3": iso_n3},
                "geometry": round_geometry(mapping(shape)),
            }
        )
    features.sort(key=lambda feature: feature["properties"]["iso_a3"])
    expected = {a3 for a3, _ in COUNTRIES_BY_ISO_N3.values()} | {
        a3 for a3, _ in UNCODED_COUNTRIES_BY_NAME.values()
    }
    missing = expected - {feature["properties"]["iso_a3"] for feature in features}
    if missing:
        raise ValueError(f"countries missing from the source: {sorted(missing)}")

    return {
        "type": "FeatureCollection",
        "properties": {
            "source": "Natural Earth 1:50m Admin 0 - Countries, version 4.1.0",
            "source_url": "https://www.naturalearthdata.com/downloads/50m-cultural-vectors/",
            "distribution": f"npm package world-atlas@{package['version']} (countries-50m.json)",
            "licence": "Public domain (Natural Earth terms of use)",
            "simplification": (
                f"shapely simplify, tolerance {SIMPLIFY_TOLERANCE_DEG} deg per shared arc, "
                f"preserve_topology=True; coordinates rounded to {COORDINATE_DECIMALS} decimals"
            ),
            "coordinate_order": "GeoJSON [lon, lat], WGS84 degrees",
        },
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="unpacked world-atlas npm package")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(__file__).resolve().parents[1]
        / "src/shieldwall/data/boundaries/middle-east.geojson",
    )
    arguments = parser.parse_args()
    collection = build(arguments.package_dir)
    arguments.output.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    print(f"wrote {len(collection['features'])} countries to {arguments.output} "
          f"({arguments.output.stat().st_size / 1000:.0f} kB)")


if __name__ == "__main__":
    main()
