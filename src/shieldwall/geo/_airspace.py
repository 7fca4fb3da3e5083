"""Country boundaries bundled with the package, and point-in-airspace lookup."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

_BOUNDARIES_FILE = "middle-east.geojson"


@cache
def _boundaries() -> dict[str, BaseGeometry]:
    path = resources.files("shieldwall").joinpath("data", "boundaries", _BOUNDARIES_FILE)
    text = path.read_text(encoding="utf-8")
    return {
        feature["properties"]["iso_a3"]: shapely.geometry.shape(feature["geometry"])
        for feature in json.loads(text)["features"]
    }


def load_boundaries() -> dict[str, BaseGeometry]:
    """Simplified admin-0 country polygons of the Middle East, keyed by ISO 3166-1 alpha-3.

    Coordinates are x = longitude, y = latitude, WGS84 degrees. Source: Natural Earth 1:50m
    (public domain), see ``shieldwall/data/boundaries/README.md``. Northern Cyprus, which has no
    ISO code, is keyed ``"CYN"`` as in Natural Earth. Land territory only, without territorial
    waters. The file is parsed once; each call returns a new dict of the same immutable geometries.
    """
    return dict(_boundaries())


class AirspaceMap:
    """Which of a sequence of airspaces contains each point.

    Built from ``(label, geometry)`` pairs with geometries in x = longitude, y = latitude degrees.
    Where airspaces overlap, the first in the sequence wins. A point on a boundary line belongs to
    no airspace (shapely's ``contains`` semantics).
    """

    def __init__(self, airspaces: Sequence[tuple[str, BaseGeometry]]) -> None:
        self.labels: tuple[str, ...] = tuple(label for label, _ in airspaces)
        self.geometries: tuple[BaseGeometry, ...] = tuple(geometry for _, geometry in airspaces)
        for geometry in self.geometries:
            shapely.prepare(geometry)
        # (M, 4) rows of min_lon, min_lat, max_lon, max_lat
        self._bounds = shapely.bounds(np.asarray(self.geometries, dtype=object)).reshape(-1, 4)

    def locate(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> np.ndarray:
        """Index into ``labels`` of the airspace containing each point, -1 where none does.

        Arguments broadcast; the result has their common shape. Only points inside an airspace's
        bounding box and not yet claimed by an earlier airspace are tested against its polygon.
        """
        lat, lon = np.broadcast_arrays(
            np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float)
        )
        lat_flat, lon_flat = lat.ravel(), lon.ravel()
        owner = np.full(lat_flat.shape, -1, dtype=np.int64)
        for index, (geometry, (min_lon, min_lat, max_lon, max_lat)) in enumerate(
            zip(self.geometries, self._bounds)
        ):
            candidates = np.flatnonzero(
                (owner == -1)
                & (lon_flat >= min_lon) & (lon_flat <= max_lon)
                & (lat_flat >= min_lat) & (lat_flat <= max_lat)
            )
            inside = shapely.contains_xy(geometry, lon_flat[candidates], lat_flat[candidates])
            owner[candidates[inside]] = index
        return owner.reshape(lat.shape)
