"""The replay server answers only requests that name it: Host 127.0.0.1:<port> or localhost:<port>.

A web page re-pointed at 127.0.0.1 by DNS rebinding sends its own host name; it must get nothing.
The requests are written byte for byte, so that the Host header is exactly what each case says.
"""

from __future__ import annotations

import socket

import pytest

from shieldwall.replay import ReplayServer, build_replay


@pytest.fixture(scope="module")
def server(results_folder):
    with ReplayServer(build_replay(results_folder), port=0) as running:
        yield running


def _raw(port: int, request: str) -> tuple[int, bytes]:
    """Send `request` (CRLF line ends added) and return the status code and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(request.replace("\n", "\r\n").encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _get(port: int, host_lines: str, path: str = "/results/summary.json", method: str = "GET") -> tuple[int, bytes]:
    return _raw(port, f"{method} {path} HTTP/1.1\n{host_lines}Connection: close\n\n")


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}"])
def test_requests_that_name_the_server_are_answered(server, host):
    status, body = _get(server.port, f"Host: {host.format(port=server.port)}\n")
    assert status == 200 and b"threats" in body
    assert _get(server.port, f"Host: {host.format(port=server.port)}\n", "/")[0] == 200
    assert _get(server.port, f"Host: {host.format(port=server.port)}\n", method="HEAD")[0] == 200


@pytest.mark.parametrize("host_lines", [
    "Host: attacker.example:{port}\n",        # a rebound name
    "Host: attacker.example\n",
    "Host: 127.0.0.1.nip.io:{port}\n",        # a name that resolves to the loopback address
    "Host: localhost.attacker.example:{port}\n",
    "Host: localhost:{port}.attacker.example\n",
    "Host: 127.0.0.1\n",                      # the right name at the wrong port (80)
    "Host: localhost:{other}\n",
    "Host: 127.0.0.2:{port}\n",
    "Host: 0.0.0.0:{port}\n",
    "Host: [::1]:{port}\n",
    "Host: \n",
    "",                                       # no Host at all
    "Host: 127.0.0.1:{port}\nHost: attacker.example\n",   # two Host headers
])
def test_requests_for_another_host_get_nothing(server, host_lines):
    lines = host_lines.format(port=server.port, other=server.port + 1)
    for path in ("/results/summary.json", "/", "/data/replay.czml", "/static/viewer.js"):
        for method in ("GET", "HEAD"):
            status, body = _get(server.port, lines, path, method)
            assert status == 421, (lines, path, method)
            assert b"threats" not in body and b"document" not in body


def test_an_absolute_target_naming_another_host_gets_nothing(server):
    target = f"http://attacker.example:{server.port}/results/summary.json"
    status, body = _get(server.port, f"Host: 127.0.0.1:{server.port}\n", target)
    assert status == 421 and b"threats" not in body


def test_http_1_0_without_host_gets_nothing(server):
    status, body = _raw(server.port, "GET /results/summary.json HTTP/1.0\n\n")
    assert status == 421 and b"threats" not in body
