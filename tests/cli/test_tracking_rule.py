"""`shieldwall run --fidelity tracked` confirms by the M-of-N the scenario's catalog gives."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from shieldwall.cli import app
from tests.conftest import FIXTURES


@pytest.mark.parametrize("rule, confirm_s", [(None, 10.0), ((3, 4), 20.0), ((1, 1), 0.0)])
def test_the_catalog_rule_sets_the_time_to_the_picture(tmp_path, rule, confirm_s):
    # One radar with Pd 1 and a 10 s scan: an M-of-N track is firm M - 1 scans after the first
    # detection (2-of-3 where the type sets no rule), and the picture adds the 7 s latency.
    data = yaml.safe_load((FIXTURES / "one-drone.yaml").read_text())
    data["doctrine"]["track_latency_s"] = 7
    if rule:
        radar_type = data["catalog"]["sensors"]["test-radar"]
        radar_type["confirm_detections"] = {"value": rule[0], "notional": "test fixture"}
        radar_type["confirm_looks"] = {"value": rule[1], "notional": "test fixture"}
    file = tmp_path / "rule.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(app, ["run", str(file), "--fidelity", "tracked", "--runs", "6", "--realisations", "3",
                                      "--seed", "2", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["detection_to_picture_s"]["mean"] == pytest.approx(7.0 + confirm_s)
