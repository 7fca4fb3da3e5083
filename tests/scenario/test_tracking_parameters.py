"""A sensor type's tracking parameters (M-of-N, false alarms, range law, elevation noise): bad
values are refused through the usual error path (file, path, line; exit code 2 from `validate`
and `run`), good ones load, and `radar_from_catalog` reads them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from shieldwall.scenario import load_scenario
from shieldwall.tracking import Radar, radar_from_catalog
from tests.scenario.test_bounds import FIXTURE, _refused, _write

TYPE = "catalog.sensors.test-radar"

BAD_VALUES = [
    # (field, raw YAML text, what the message says)
    *[(field, raw, expected) for field in ("confirm_detections", "confirm_looks") for raw, expected in [
        ("0", "must lie in [1, 10]"), ("-1", "must lie in [1, 10]"), ("11", "must lie in [1, 10]"),
        ("2.5", "whole number"), (".nan", "finite number"), (".inf", "finite number"), ("1e999", "finite number"),
    ]],
    ("false_alarms_per_scan", "-0.1", "must lie in [0, 1000]"),
    ("false_alarms_per_scan", "1001", "must lie in [0, 1000]"),
    ("false_alarms_per_scan", ".nan", "finite number"),
    ("false_alarms_per_scan", ".inf", "finite number"),
    ("false_alarms_per_scan", "-.inf", "finite number"),
    ("elevation_sigma_deg", "-0.1", "must lie in [0, 90] deg"),
    ("elevation_sigma_deg", "90.5", "must lie in [0, 90] deg"),
    ("elevation_sigma_deg", ".nan", "finite number"),
    ("elevation_sigma_deg", ".inf", "finite number"),
    ("max_elevation_deg", "0", "must lie in (0, 90] deg"),
    ("max_elevation_deg", "91", "must lie in (0, 90] deg"),
    ("max_elevation_deg", ".nan", "finite number"),
    ("false_alarm_probability", "0", "must lie in (0, 1]"),
    ("false_alarm_probability", "1.5", "must lie in (0, 1]"),
    ("false_alarm_probability", "-1e-6", "must lie in (0, 1]"),
    ("false_alarm_probability", ".nan", "finite number"),
    ("false_alarm_probability", "-.inf", "finite number"),
    ("launch_point_sigma_m", "-1", "must lie in [0, 5e+07] m"),
    ("launch_point_sigma_m", ".nan", "finite number"),
    ("launch_azimuth_sigma_deg", "-0.5", "must lie in [0, 90] deg"),
    ("launch_azimuth_sigma_deg", "91", "must lie in [0, 90] deg"),
    ("launch_azimuth_sigma_deg", ".inf", "finite number"),
    ("cued_sector_half_width_deg", "0", "must lie in (0, 90] deg"),
    ("cued_sector_half_width_deg", "90.5", "must lie in (0, 90] deg"),
    ("cued_sector_half_width_deg", ".nan", "finite number"),
    ("range_law", "swerling-2", "'constant' or 'swerling-1'"),
    ("range_law", ".nan", "'constant' or 'swerling-1'"),
    ("range_law", "4", "'constant' or 'swerling-1'"),
]


@pytest.mark.parametrize("field, raw, expected", BAD_VALUES)
def test_a_bad_tracking_parameter_is_refused_with_file_path_and_line(tmp_path, field, raw, expected):
    path = f"{TYPE}.{field}"
    file = _write(tmp_path, path, raw)
    if raw.lstrip("-") in (".nan", ".inf", "1e999"):
        # The loader reads these as floats (1e999 as text that pydantic reads as infinity), so the
        # case reaches the bound and is not refused as a string.
        read = yaml.safe_load(file.read_text())["catalog"]["sensors"]["test-radar"][field]
        assert not math.isfinite(float(read))
    _refused(tmp_path, file, path, expected)


def _with(tmp_path: Path, **fields) -> Path:
    """The one-drone fixture with the test radar's fields set (several at once, for the checks
    between fields)."""
    data = yaml.safe_load(FIXTURE.read_text())
    data["catalog"]["sensors"]["test-radar"].update(fields)
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    return file


@pytest.mark.parametrize("fields, expected", [
    ({"confirm_detections": 4}, "confirm_detections (4) exceeds confirm_looks (3)"),  # N left at its default
    ({"confirm_looks": 1}, "confirm_detections (2) exceeds confirm_looks (1)"),  # M left at its default
    ({"confirm_detections": 5, "confirm_looks": 4}, "confirm_detections (5) exceeds confirm_looks (4)"),
    # Absent, the elevation noise is the bearing's, which may exceed the elevation's 90 deg.
    ({"bearing_sigma_deg": 120}, "give elevation_sigma_deg"),
    # Under the Swerling-1 law Pd = Pfa^(1/(1+SNR)) lies above Pfa for every SNR > 0.
    ({"range_law": "swerling-1", "detection_probability": 0.01, "false_alarm_probability": 0.01},
     "above false_alarm_probability"),
])
def test_tracking_parameters_that_contradict_each_other_are_refused(tmp_path, fields, expected):
    _refused(tmp_path, _with(tmp_path, **fields), TYPE, expected)


def test_good_tracking_parameters_load_and_reach_the_radar_model(tmp_path):
    file = _with(tmp_path, confirm_detections=3, confirm_looks=4, false_alarms_per_scan=2.5,
                 elevation_sigma_deg={"value": 0.4, "notional": "test fixture"}, max_elevation_deg=60,
                 range_law="swerling-1", false_alarm_probability=1e-4, detection_probability=0.8,
                 bearing_sigma_deg=0.2)
    kind = load_scenario(file).catalog.sensors["test-radar"]
    assert (kind.confirm_detections.value, kind.confirm_looks.value) == (3, 4)
    radar = radar_from_catalog(kind)
    assert radar.false_alarms_per_scan == 2.5
    assert radar.elevation_sigma_deg == 0.4 and radar.bearing_sigma_deg == 0.2
    assert radar.max_elevation_deg == 60.0
    assert radar.range_law == "swerling-1" and radar.false_alarm_probability == 1e-4
    # The Swerling-1 law: 1 + SNR = ln Pfa / ln Pd at the edge of cover (100 km), SNR growing as
    # range^-4; at half the range SNR is 16 times the edge's.
    edge_snr = math.log(1e-4) / math.log(0.8) - 1
    half_range_pd = math.exp(math.log(1e-4) / (1 + 16 * edge_snr))
    assert radar.detection_probability_at(50_000.0, 0) == pytest.approx(half_range_pd, rel=1e-12)
    # The clutter density: 2.5 false alarms per scan over 100 km x 2 pi rad x 60 deg.
    assert radar.clutter_density == pytest.approx(2.5 / (100_000 * 2 * math.pi * math.pi / 3), rel=1e-12)


def test_absent_tracking_parameters_keep_the_former_radar_model(tmp_path):
    # A type that sets none: 2-of-3, no false alarms, constant Pd, the bearing's elevation noise,
    # Pfa 1e-6 (Skolnik's design value), false alarms up to the zenith.
    kind = load_scenario(_with(tmp_path, bearing_sigma_deg=0.3)).catalog.sensors["test-radar"]
    assert (kind.confirm_detections.value, kind.confirm_looks.value) == (2, 3)
    radar = radar_from_catalog(kind)
    assert radar.elevation_sigma_deg == 0.3 and radar.false_alarms_per_scan == 0.0
    assert radar.range_law == "constant" and radar.false_alarm_probability == 1e-6 and radar.max_elevation_deg == 90.0


def test_the_radar_model_refuses_a_swerling_pd_it_cannot_reach():
    # Built without a catalog, the radar model applies the same check as the schema.
    kept = dict(scan_period_s=1.0, max_range_m=(1e5, 1e5, 1e5), range_law="swerling-1", false_alarm_probability=1e-3)
    with pytest.raises(ValueError, match="must exceed false_alarm_probability"):
        Radar(detection_probability=(0.9, 1e-3, 0.9), **kept)
    # Pd 0 (never seen) and 1 (always) need no signal-to-noise ratio.
    assert Radar(detection_probability=(0.0, 1.0, 0.5), **kept).detection_probability_at(1e5, 2) == pytest.approx(0.5)
