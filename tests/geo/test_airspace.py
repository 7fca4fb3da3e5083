import json
from importlib import resources

import numpy as np
import pytest
from shapely.geometry import Point, box
from shapely.prepared import prep

from shieldwall.geo import AirspaceMap, load_boundaries

COUNTRIES = {
    "ARE", "BHR", "CYN", "CYP", "EGY", "IRN", "IRQ", "ISR", "JOR",
    "KWT", "LBN", "OMN", "PSE", "QAT", "SAU", "SYR", "TUR", "YEM",
}
DATA_FILE = resources.files("shieldwall").joinpath("data", "boundaries", "middle-east.geojson")


@pytest.fixture(scope="module")
def middle_east():
    return AirspaceMap(list(load_boundaries().items()))


def test_bundled_boundaries_are_complete_valid_and_disjoint():
    boundaries = load_boundaries()
    assert set(boundaries) == COUNTRIES
    assert all(geometry.is_valid and not geometry.is_empty for geometry in boundaries.values())
    geometries = list(boundaries.values())
    for i, first in enumerate(geometries):
        for second in geometries[i + 1:]:
            assert first.intersection(second).area < 1e-9


def test_bundled_file_is_small_and_records_its_source():
    text = DATA_FILE.read_text(encoding="utf-8")
    assert len(text.encode()) < 300_000
    properties = json.loads(text)["properties"]
    assert "Natural Earth" in properties["source"]
    assert "world-atlas@2" in properties["distribution"]
    assert "public domain" in properties["licence"].lower()


@pytest.mark.parametrize(
    "place, lat_deg, lon_deg, expected",
    [
        ("Tel Aviv", 32.08, 34.78, "ISR"),
        ("Amman", 31.95, 35.93, "JOR"),
        ("Baghdad", 33.31, 44.37, "IRQ"),
        ("Tehran", 35.69, 51.39, "IRN"),
        ("Riyadh", 24.71, 46.68, "SAU"),
        ("Gaza", 31.50, 34.47, "PSE"),
        ("Beirut", 33.87, 35.55, "LBN"),
        ("Damascus", 33.51, 36.29, "SYR"),
        ("Nicosia, south", 35.15, 33.30, "CYP"),
        ("Sanaa", 15.37, 44.19, "YEM"),
    ],
)
def test_capitals_lie_in_their_country(middle_east, place, lat_deg, lon_deg, expected):
    assert middle_east.labels[middle_east.locate(lat_deg, lon_deg)] == expected


def test_points_at_sea_are_international(middle_east):
    # Eastern Mediterranean, Red Sea, Arabian Sea.
    np.testing.assert_array_equal(middle_east.locate([33.5, 20.0, 15.0], [33.0, 38.5, 60.0]), -1)


def test_vectorised_lookup_equals_a_point_by_point_loop(middle_east):
    rng = np.random.default_rng(11)
    lat_deg = rng.uniform(12.0, 42.0, 100_000)
    lon_deg = rng.uniform(25.0, 63.0, 100_000)
    owners = middle_east.locate(lat_deg, lon_deg)
    prepared = [prep(geometry) for geometry in middle_east.geometries]
    expected = np.full(len(lat_deg), -1)
    for k, (lat, lon) in enumerate(zip(lat_deg, lon_deg)):
        point = Point(lon, lat)
        for index, geometry in enumerate(prepared):
            if geometry.contains(point):
                expected[k] = index
                break
    np.testing.assert_array_equal(owners, expected)
    assert 0.3 < np.mean(owners >= 0) < 0.7


def test_first_airspace_wins_where_they_overlap():
    airspaces = AirspaceMap([("west", box(0.0, 0.0, 2.0, 1.0)), ("east", box(1.0, 0.0, 3.0, 1.0))])
    # x = lon, y = lat.
    np.testing.assert_array_equal(airspaces.locate(0.5, [0.5, 1.5, 2.5, 3.5]), [0, 0, 1, -1])


def test_lookup_keeps_the_broadcast_shape(middle_east):
    owners = middle_east.locate(np.full((2, 1), 32.08), np.array([34.78, 33.0, 35.93]))
    assert owners.shape == (2, 3)
    assert [middle_east.labels[i] if i >= 0 else None for i in owners[0]] == ["ISR", None, "JOR"]
