"""The replay viewer's web server: stdlib http.server in a thread, bound to 127.0.0.1 only.

It serves exactly: the viewer page and its static files (CesiumJS shipped with shieldwall),
the replay's CZML and metadata (built in memory), and files of the results folder under
`/results/`. In a partner's view (--view-as) only that view's report and figures are served from
the results folder, since its tables hold what the partner may not see. Paths are resolved and
must stay inside their root: no `..`, no absolute paths, no symbolic link out.

Binding to 127.0.0.1 keeps other machines out, but not other web pages in the user's browser: a
page whose host name is re-pointed at 127.0.0.1 (DNS rebinding) would send its requests here with
its own name in the Host header. So every request must name this server, `127.0.0.1:<port>` or
`localhost:<port>`, in exactly one Host header and an origin-form target (`/path`); any other is
answered 421 Misdirected Request and served nothing.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from shieldwall.replay._czml import build_czml, replay_metadata
from shieldwall.replay._replicate import Replay

HOST = "127.0.0.1"
LOCAL_NAMES = ("127.0.0.1", "localhost")
STATIC = Path(str(resources.files("shieldwall") / "replay" / "static"))
TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".czml": "application/json",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
         ".wasm": "application/wasm", ".parquet": "application/octet-stream"}


def host_allowed(values: list[str], port: int) -> bool:
    """Whether the Host header values of a request name this server: exactly one value, a local
    name (case-insensitive) and this port (80 when absent, as HTTP says)."""
    if len(values) != 1:
        return False
    name, colon, given = values[0].strip().lower().rpartition(":")
    if not colon or "]" in given:  # no port, or a bare IPv6 literal
        name, given = values[0].strip().lower(), "80"
    return name in LOCAL_NAMES and given.isdigit() and int(given) == port


def safe_path(root: Path, relative: str) -> Path | None:
    """`root/relative` if it names a file inside `root` (after resolving links), else None."""
    if "\x00" in relative or "\\" in relative:
        return None
    parts = PurePosixPath(relative).parts
    if not parts or parts[0] == "/" or any(part in ("..", ".") or ":" in part for part in parts):
        return None
    base = root.resolve()
    candidate = (base / Path(*parts)).resolve()
    try:
        candidate.relative_to(base)
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


class ReplayServer:
    """Serves one replay on http://127.0.0.1:<port>/ (port 0: any free port)."""

    def __init__(self, replay: Replay, port: int = 0):
        self.replay = replay
        view = replay.view
        self.data = {
            "replay.czml": build_czml(replay).encode("utf-8"),
            "replay.json": json.dumps(replay_metadata(replay)).encode("utf-8"),
        }
        self.results_root = view.folder
        self.results_allowed = None if view.viewer is None else (
            f"report{view.suffix}.html", f"figures{view.suffix}/")
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "shieldwall-replay"
            sys_version = ""

            def do_GET(self):  # noqa: N802 - http.server's naming
                server._handle(self, head=False)

            def do_HEAD(self):  # noqa: N802
                server._handle(self, head=True)

            def log_message(self, format, *args):  # quiet: the terminal shows the URL only
                pass

        self.httpd = ThreadingHTTPServer((HOST, port), Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def _resolve(self, path: str) -> tuple[bytes | None, Path | None, str]:
        if path in ("/", "/index.html"):
            return None, STATIC / "viewer.html", TYPES[".html"]
        if path.startswith("/data/") and path[len("/data/"):] in self.data:
            return self.data[path[len("/data/"):]], None, "application/json"
        if path.startswith("/static/"):
            file = safe_path(STATIC, path[len("/static/"):])
            return None, file, ""
        if path.startswith("/results/"):
            relative = path[len("/results/"):]
            if self.results_allowed is not None and not any(
                    relative == a or (a.endswith("/") and relative.startswith(a)) for a in self.results_allowed):
                return None, None, ""
            return None, safe_path(self.results_root, relative), ""
        return None, None, ""

    def _handle(self, request: BaseHTTPRequestHandler, head: bool) -> None:
        if not request.path.startswith("/") or not host_allowed(request.headers.get_all("Host") or [], self.port):
            request.send_error(HTTPStatus.MISDIRECTED_REQUEST, "this server answers to 127.0.0.1 and localhost only")
            return
        try:
            path = unquote(urlsplit(request.path).path)
        except ValueError:
            path = ""
        body, file, kind = self._resolve(path)
        if body is None and file is None:
            request.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        if body is None:
            body = file.read_bytes()
            kind = kind or TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        request.send_response(HTTPStatus.OK)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store" if file is None else "max-age=3600")
        request.send_header("X-Content-Type-Options", "nosniff")
        request.end_headers()
        if not head:
            try:
                request.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "ReplayServer":
        """Serve from a background thread (for tests and notebooks); `close()` stops it."""
        self._thread = threading.Thread(target=self.serve_forever, name="shieldwall-replay", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
