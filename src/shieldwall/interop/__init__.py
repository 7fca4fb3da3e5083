"""Exchange with other tools: GeoJSON for GIS."""

from shieldwall.interop.geojson import build_geojson, write_geojson

__all__ = ["build_geojson", "write_geojson"]
