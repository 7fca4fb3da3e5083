"""Replay: exact re-simulation, CZML and GeoJSON exports, and a server that serves nothing else."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldwall.replay import ReplayError, ReplayServer, build_czml, build_replay
from shieldwall.report import open_view
from shieldwall.report.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def replay(results_folder):
    return build_replay(results_folder)


def test_replay_is_the_median_run_and_reproduces_its_shots(results_folder, replay):
    view = open_view(results_folder)
    leaked = view.tables["replications"]["leaked"].to_numpy()
    assert leaked[replay.run] == np.sort(leaked)[(leaked.size - 1) // 2]
    shots = view.tables["shots"]
    stored = np.sort(shots.filter(shots["run"].to_numpy() == replay.run)["intercept_t_s"].to_numpy())
    assert np.array_equal(stored, np.sort(replay.outcome.shots["intercept_t_s"]))
    with pytest.raises(ReplayError, match="runs 0 to 11"):
        build_replay(results_folder, run=99)


def test_czml_has_threats_units_sensors_shots_and_one_clock(replay):
    packets = json.loads(build_czml(replay))
    assert packets[0]["id"] == "document" and "clock" in packets[0]
    ids = [p["id"] for p in packets[1:]]
    assert len(ids) == len(set(ids))
    threats = [p for p in packets if p["id"].startswith("threat/")]
    assert len(threats) == replay.world.threats.count
    times = threats[0]["position"]["cartographicDegrees"][0::4]
    assert all(b > a for a, b in zip(times, times[1:]))
    assert sum(p["id"].startswith("shot/") for p in packets) == replay.outcome.shots["unit"].size
    assert {"unit/alpha-battery", "unit/x-battery", "sensor/x-radar", "asset/base"} <= set(ids)
    assert all({"layer", "partner", "threatClass"} <= set(p["properties"]) for p in packets[1:])


def test_export_cli_writes_czml_and_geojson(results_folder, tmp_path):
    result = runner.invoke(app, ["export", str(results_folder), "--czml", "--geojson", "--run", "2", "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert [f.rsplit("/", 1)[1] for f in files] == ["replay-run-2.czml", "replay-run-2.geojson"]
    collection = json.loads(open(files[1]).read())
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert {"route", "intercept", "asset", "fire-unit", "sensor"} <= kinds
    route = next(f for f in collection["features"] if f["properties"]["kind"] == "route")
    assert route["geometry"]["type"] == "LineString" and len(route["geometry"]["coordinates"][0]) == 3
    out = tmp_path / "exports"
    assert runner.invoke(app, ["export", str(results_folder), "--geojson", "--out", str(out)]).exit_code == 0
    again = runner.invoke(app, ["export", str(results_folder), "--geojson", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert runner.invoke(app, ["export", str(results_folder)]).exit_code == 2


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def test_server_serves_the_viewer_the_replay_and_the_folder_only(results_folder, replay, tmp_path):
    secret = results_folder.parent / "secret.txt"
    secret.write_text("outside")
    (results_folder / "link-out").unlink(missing_ok=True)
    (results_folder / "link-out").symlink_to(secret)
    with ReplayServer(replay, port=0) as server:
        assert server.httpd.server_address[0] == "127.0.0.1"
        port = server.port
        assert _get(port, "/")[0] == 200
        assert _get(port, "/static/viewer.js")[0] == 200
        assert _get(port, "/static/cesium/Cesium.js")[0] == 200
        status, body = _get(port, "/data/replay.czml")
        assert status == 200 and json.loads(body)[0]["id"] == "document"
        assert _get(port, "/results/summary.json")[0] == 200
        for path in ("/results/../secret.txt", "/results/%2e%2e/secret.txt", "/results/..%2fsecret.txt",
                     "/static/../../report/view.py", "/static/%2e%2e/_server.py", "/results//etc/passwd",
                     "/etc/passwd", "/results/link-out", "/static/cesium/../../../../../../etc/passwd",
                     "/results/", "/results/%00", "/results/C:\\windows", "/data/../manifest.json"):
            status, body = _get(port, path)
            assert status == 404, path
            assert b"outside" not in body
    (results_folder / "link-out").unlink()
    # In a partner's view the folder's tables (which hold what it may not see) are not served.
    with ReplayServer(build_replay(results_folder, view_as="CCC"), port=0) as server:
        assert _get(server.port, "/results/shots.parquet")[0] == 404
        assert _get(server.port, "/results/summary.json")[0] == 404


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(results_folder):
    process = subprocess.Popen(
        [sys.executable, "-c", "from shieldwall.report.cli import app; app()", "serve", str(results_folder),
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert _get(port, "/")[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 0  # generous: a loaded machine slows interpreter exit, not the test's point
        assert "stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
