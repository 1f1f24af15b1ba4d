"""A loopback stand-in of the Kaggle API for the real kaggle client.

The client, with ``KAGGLE_API_ENVIRONMENT=LOCALHOST``, sends ``POST http://localhost/api/v1/
{service}/{Method}`` (JSON bodies) through ``HTTP_PROXY``, which points here. Downloads answer
302 to a signed ``.zip`` URL, served with Content-Length, as kaggle.com does.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

USERNAME, KEY, TOKEN = "nbgen-user", "0123456789abcdef0123456789abcdef", "KGAT_standin_token_42"


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass
class KaggleStandin:
    """What the stand-in serves, and what it saw."""

    datasets: dict[str, bytes] = field(default_factory=dict)  # "owner/slug" -> zip bytes
    competitions: dict[str, bytes] = field(default_factory=dict)
    rules_accepted: set[str] = field(default_factory=set)
    drop_downloads: bool = False  # send half the body, then hang up
    trickle: float = 0.0  # seconds between the four parts of a download (a slow network)
    requests: list[str] = field(default_factory=list)
    pushed: list[dict[str, object]] = field(default_factory=list)  # SaveKernel bodies
    port: int = 0

    @property
    def env(self) -> dict[str, str]:
        """Environment that points the real client here."""
        proxy = f"http://127.0.0.1:{self.port}"
        return {"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "HTTP_PROXY": proxy, "http_proxy": proxy,
                "NO_PROXY": "", "no_proxy": ""}  # fmt: skip

    def authorized(self, header: str | None) -> bool:
        if not header:
            return False
        kind, _, value = header.partition(" ")
        if kind == "Basic":
            return base64.b64decode(value).decode() == f"{USERNAME}:{KEY}"
        return kind == "Bearer" and value == TOKEN


def _signed(kind: str, key: str, file_name: object) -> str:
    if file_name:
        return f"/signed/{kind}/{key}/files/{file_name}?sig=abc"
    return f"/signed/{kind}/{key}.zip?sig=abc"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _json(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        method = path.rsplit("/", 1)[-1]
        state.requests.append(method)
        if method == "IntrospectToken":
            if body.get("token") == TOKEN:
                return self._json(200, {"active": True, "username": USERNAME})
            return self._json(404, {"code": 404, "message": "token not found"})
        if not state.authorized(self.headers.get("Authorization")):
            return self._json(401, {"code": 401, "message": "Unauthenticated"})
        if method == "SaveKernel":  # kaggle kernels push
            state.pushed.append(body)
            slug = str(body.get("slug"))
            return self._json(200, {"ref": f"/code/{slug}", "versionNumber": 1,
                                    "url": f"https://www.kaggle.com/code/{slug}"})  # fmt: skip
        if method == "GetDatasetMetadata":
            key = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            if key not in state.datasets:
                return self._json(404, {"code": 404, "message": "Not found"})
            return self._json(200, {"info": {"licenses": [{"name": "CC0-1.0"}]}})
        if method == "DownloadDataset":
            key = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            if key not in state.datasets:
                return self._json(404, {"code": 404, "message": "Not found"})
            return self._redirect(_signed("datasets", key, body.get("fileName")))
        if method in ("DownloadDataFiles", "DownloadDataFile"):
            name = str(body.get("competitionName"))
            if name not in state.competitions:
                return self._json(404, {"code": 404, "message": "Not found"})
            if name not in state.rules_accepted:
                return self._json(403, {"code": 403, "message": "You must accept the rules"})
            return self._redirect(_signed("competitions", name, body.get("fileName")))
        return self._json(404, {"code": 404, "message": f"no method {method}"})

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", f"http://localhost{location}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        state.requests.append(f"GET {path}")
        _, _, kind, *rest = path.split("/")
        key, _, member = "/".join(rest).partition("/files/")
        data = (state.datasets if kind == "datasets" else state.competitions).get(
            key.removesuffix(".zip")
        )
        if data is not None and member:  # one file, served as it is
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                data = zf.read(member) if member in zf.namelist() else None
        if data is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if state.drop_downloads:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if state.trickle:
            part = len(data) // 4 + 1
            for start in range(0, len(data), part):
                self.wfile.write(data[start : start + part])
                self.wfile.flush()
                time.sleep(state.trickle)
            return
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: KaggleStandin) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def kaggle_standin(state: KaggleStandin) -> Iterator[KaggleStandin]:
    """Serve ``state`` on a loopback port until the block ends."""
    server = _Server(state)
    state.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
