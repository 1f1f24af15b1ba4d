"""A loopback stand-in of the Kaggle API for the real kaggle client.

The client, with ``KAGGLE_API_ENVIRONMENT=LOCALHOST``, sends ``POST http://localhost/api/v1/
{service}/{Method}`` (JSON bodies) through ``HTTP_PROXY``, which points here. Downloads answer
302 to a signed URL, served with Content-Length and ``Accept-Ranges: bytes``, as kaggle.com's
storage does; a ``Range: bytes=N-`` request gets ``206 Partial Content`` with the rest (the
client resumes a partial file that way). ``datasetVersionNumber`` picks a version of a data set
(404 for one that does not exist); without it, the latest is served. GetDataset answers with the
latest's ``currentVersionNumber`` (one more than the earlier versions held, unless ``current``
says otherwise), as kagglehub's own resolver reads it.

Kernels (``kaggle kernels push/status/output``): every SaveKernel makes a new version of that
notebook, which runs on a clock (:class:`KernelRun`: a status from each moment on, its log lines,
its output files); GetKernelSessionStatus and ListKernelSessionOutput answer for the version
that ``versionLabel`` names, written ``v<N>`` as the real API wants (a bare number is a 404), or,
without one, the newest version (the newest *finished* one for outputs); output files are
served at signed URLs; the log streams (server-sent events) while the version runs.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from tests.loopback import LoopbackServer, serving

USERNAME, KEY, TOKEN = "nbgen-user", "0123456789abcdef0123456789abcdef", "KGAT_standin_token_42"


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass
class KernelRun:
    """How a pushed version runs: ``plan`` gives its status from each second on, ``log`` its lines
    (second, text), ``files`` its outputs (name: bytes). The seconds count from the first status
    request for the version, not from the push: how long a loaded machine takes between the two
    is not what a test is about (``KaggleStandin.clock_from_push`` counts from the push)."""

    plan: list[tuple[float, str]] = field(default_factory=lambda: [(0.0, "COMPLETE")])
    log: list[tuple[float, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    failure: str = ""  # the failureMessage an ERROR status carries


@dataclass
class KernelVersion:
    number: int
    run: KernelRun
    started_at: float | None = None  # the first status request; see KernelRun

    def age(self) -> float:
        return 0.0 if self.started_at is None else time.monotonic() - self.started_at

    def status(self) -> str:
        age = self.age()
        current = "QUEUED"
        for start, status in self.run.plan:
            if age >= start:
                current = status
        return current

    def finished(self) -> bool:
        return self.status() in ("COMPLETE", "ERROR", "CANCEL_ACKNOWLEDGED")

    def log_blob(self) -> str:
        """The persisted log, as Kaggle keeps it: a JSON array of stream events."""
        age = self.age()
        events = [{"stream_name": "stdout", "time": t, "data": text + "\n"}
                  for t, text in self.run.log if t <= age]  # fmt: skip
        return json.dumps(events) if events else ""


@dataclass
class KaggleStandin:
    """What the stand-in serves, and what it saw."""

    datasets: dict[str, bytes] = field(default_factory=dict)  # "owner/slug" -> zip bytes
    versions: dict[str, dict[int, bytes]] = field(default_factory=dict)  # earlier versions
    current: dict[str, int] = field(default_factory=dict)  # the latest's number, if not counted
    competitions: dict[str, bytes] = field(default_factory=dict)
    rules_accepted: set[str] = field(default_factory=set)
    drop_downloads: bool = False  # send half the body, then hang up
    trickle: float = 0.0  # seconds between the four parts of a download (a slow network)
    zip_single_files: bool = False  # a single file comes as NAME.zip, as Kaggle does for big ones
    requests: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)  # the Range headers of downloads
    pushed: list[dict[str, object]] = field(default_factory=list)  # SaveKernel bodies
    port: int = 0
    kernels: dict[str, list[KernelVersion]] = field(default_factory=dict)  # "owner/slug"
    next_run: KernelRun = field(default_factory=KernelRun)  # what the next push runs
    push_error: str = ""  # SaveKernel answers 200 with this error (the API refusing a push)
    push_status: int = 0  # or SaveKernel answers with this HTTP status
    status_times: list[float] = field(default_factory=list)  # when each status request came
    quota: dict[str, object] = field(default_factory=dict)  # GetAcceleratorQuotaStatistics
    forbidden_kernels: set[str] = field(default_factory=set)  # "owner/slug": another's, private
    clock_from_push: bool = False  # a run's clock starts at the push, as Kaggle's (benchmarks)

    @property
    def env(self) -> dict[str, str]:
        """Environment that points the real client here."""
        proxy = f"http://127.0.0.1:{self.port}"
        return {"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "HTTP_PROXY": proxy, "http_proxy": proxy,
                "NO_PROXY": "", "no_proxy": ""}  # fmt: skip

    def dataset(self, key: str, version: object = None) -> bytes | None:
        """The zip of version ``version`` of data set ``key`` (the latest for None)."""
        if version and int(str(version)) != self.current_version(key):
            return self.versions.get(key, {}).get(int(str(version)))
        return self.datasets.get(key)

    def current_version(self, key: str) -> int:
        """The number of the latest version of data set ``key``."""
        return self.current.get(key) or max(self.versions.get(key, {}), default=0) + 1

    def authorized(self, header: str | None) -> bool:
        if not header:
            return False
        kind, _, value = header.partition(" ")
        if kind == "Basic":
            return base64.b64decode(value).decode() == f"{USERNAME}:{KEY}"
        return kind == "Bearer" and value == TOKEN


def _signed(kind: str, key: str, file_name: object, version: object = None) -> str:
    key = f"{key}/v/{version}" if version else key
    if file_name:
        return f"/signed/{kind}/{key}/files/{file_name}?sig=abc"
    return f"/signed/{kind}/{key}.zip?sig=abc"


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer[KaggleStandin]

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
            return self._save_kernel(body)
        if method in _KERNEL_METHODS:
            if f"{body.get('userName')}/{body.get('kernelSlug')}" in state.forbidden_kernels:
                return self._json(
                    403, {"code": 403, "message": "Permission 'kernels.get' was denied"}
                )
            return _KERNEL_METHODS[method](self, body)
        if method == "GetDatasetMetadata":
            key = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            if key not in state.datasets and key not in state.versions:
                return self._json(404, {"code": 404, "message": "Not found"})
            return self._json(200, {"info": {"licenses": [{"name": "CC0-1.0"}]}})
        if method == "GetDataset":  # kagglehub's question: which version is current
            key = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            if key not in state.datasets:
                return self._json(404, {"code": 404, "message": "Not found"})
            return self._json(200, {"ref": key, "currentVersionNumber": state.current_version(key)})
        if method == "DownloadDataset":
            key = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            version = body.get("datasetVersionNumber")
            if state.dataset(key, version) is None:
                return self._json(404, {"code": 404, "message": "Not found"})
            return self._redirect(_signed("datasets", key, self._file(body), version))
        if method in ("DownloadDataFiles", "DownloadDataFile"):
            name = str(body.get("competitionName"))
            if name not in state.competitions:
                return self._json(404, {"code": 404, "message": "Not found"})
            if name not in state.rules_accepted:
                return self._json(403, {"code": 403, "message": "You must accept the rules"})
            return self._redirect(_signed("competitions", name, self._file(body)))
        return self._json(404, {"code": 404, "message": f"no method {method}"})

    def _save_kernel(self, body: dict[str, object]) -> None:
        state = self.server.state
        if state.push_status:
            return self._json(state.push_status, {"code": state.push_status,
                                                  "message": state.push_error or "refused"})  # fmt: skip
        if state.push_error:
            return self._json(200, {"error": state.push_error})
        state.pushed.append(body)
        slug = str(body.get("slug"))
        versions = state.kernels.setdefault(slug, [])
        at = time.monotonic() if state.clock_from_push else None
        versions.append(KernelVersion(len(versions) + 1, state.next_run, started_at=at))
        return self._json(200, {"ref": f"/code/{slug}", "versionNumber": len(versions),
                                "url": f"https://www.kaggle.com/code/{slug}"})  # fmt: skip

    def _kernel_version(self, body: dict[str, object], *, finished: bool) -> KernelVersion | None:
        """The version ``versionLabel`` names (``v<N>``), else the newest (finished) one."""
        kernel = f"{body.get('userName')}/{body.get('kernelSlug')}"
        versions = self.server.state.kernels.get(kernel)
        label = str(body.get("versionLabel") or "")
        if not versions:
            return None
        if label:
            number = int(label[1:]) if re.fullmatch(r"v\d+", label) else 0
            return versions[number - 1] if 0 < number <= len(versions) else None
        done = [v for v in versions if v.finished()] if finished else versions
        return done[-1] if done else None

    def _kernel_status(self, body: dict[str, object]) -> None:
        self.server.state.status_times.append(time.monotonic())
        version = self._kernel_version(body, finished=False)
        if version is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        if version.started_at is None:
            version.started_at = time.monotonic()
        status = version.status()
        failure = version.run.failure if status == "ERROR" else ""
        return self._json(200, {"status": status, "failureMessage": failure or None})

    def _kernel_output(self, body: dict[str, object]) -> None:
        version = self._kernel_version(body, finished=True)
        if version is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        names = sorted(version.run.files) if version.finished() else []
        size = int(str(body.get("pageSize") or 20))
        start = int(str(body.get("pageToken") or 0))
        page = names[start : start + size]
        key = f"{body.get('userName')}/{body.get('kernelSlug')}/v{version.number}"
        files = [{"fileName": name, "url": f"http://localhost/signed/kernels/{key}/files/"
                  f"{quote(name, safe='')}?sig=abc"} for name in page]  # fmt: skip
        more = str(start + size) if start + size < len(names) else None
        return self._json(200, {"files": files, "log": version.log_blob() or None,
                                "nextPageToken": more})  # fmt: skip

    def _kernel_quota(self, body: dict[str, object]) -> None:
        return self._json(200, self.server.state.quota)

    def _kernel_file(self, path: str) -> None:
        """GET /signed/kernels/OWNER/SLUG/vN/files/NAME: one output file of that version."""
        _, _, _, owner, slug, label, _, name = path.split("/", 7)
        versions = self.server.state.kernels.get(f"{owner}/{slug}", [])
        number = int(label[1:])
        data = (
            versions[number - 1].run.files.get(unquote(name)) if number <= len(versions) else None
        )
        if data is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _kernel_log_stream(self, path: str, query: str) -> None:
        """GET /api/v1/kernels/logs/stream/OWNER/SLUG: server-sent events while the version runs
        (ending with END_OF_LOG), the persisted JSON log once it has finished."""
        state = self.server.state
        if not state.authorized(self.headers.get("Authorization")):
            return self._json(401, {"code": 401, "message": "Unauthenticated"})
        owner, slug = path.split("/")[-2:]
        label = dict(p.partition("=")[::2] for p in query.split("&") if p).get("versionLabel")
        version = self._kernel_version(
            {"userName": owner, "kernelSlug": slug, "versionLabel": label}, finished=False
        )
        if version is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        if version.finished():
            data = (version.log_blob() or "[]").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        self.protocol_version = "HTTP/1.1"  # chunked, as a live event stream is sent
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client went
            self._stream_events(version)
        return None

    def _stream_events(self, version: KernelVersion) -> None:
        sent = 0
        while True:
            age = version.age()
            lines = [(t, text) for t, text in version.run.log if t <= age]
            for t, text in lines[sent:]:
                event = {"stream_name": "stdout", "time": t, "data": text + "\n"}
                self._chunk(f"data: {json.dumps(event)}\n\n".encode())
            sent = len(lines)
            if version.finished():
                self._chunk(b"data: END_OF_LOG\n\n")
                self._chunk(b"")
                return
            self._chunk(b": keep-alive\n\n")  # finds a client that has gone
            time.sleep(0.2)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _file(self, body: dict[str, object]) -> object:
        name = body.get("fileName")
        return f"{name}.zip" if name and self.server.state.zip_single_files else name

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", f"http://localhost{location}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        path = url.path
        state.requests.append(f"GET {path}")
        if path.startswith("/signed/kernels/"):
            return self._kernel_file(path)
        if path.startswith("/api/v1/kernels/logs/stream/"):
            return self._kernel_log_stream(path, url.query)
        _, _, kind, *rest = path.split("/")
        key, _, member = "/".join(rest).partition("/files/")
        key, _, version = key.removesuffix(".zip").partition("/v/")
        if kind == "datasets":
            data = state.dataset(key, version or None)
        else:
            data = state.competitions.get(key)
        if data is not None and member:  # one file, as it is or zipped
            data = _member(data, member.removesuffix(".zip") if state.zip_single_files else member)
            if data is not None and state.zip_single_files:
                data = make_zip({member.removesuffix(".zip").rsplit("/", 1)[-1]: data})
        if data is None:
            return self._json(404, {"code": 404, "message": "Not found"})
        self._send(data)

    def _send(self, data: bytes) -> None:
        state = self.server.state
        wanted = self.headers.get("Range")
        start = 0
        if wanted:
            state.ranges.append(wanted)
            start = int(wanted.removeprefix("bytes=").split("-")[0])
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Accept-Ranges", "bytes")
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        data = data[start:]
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if state.drop_downloads:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if state.trickle:
            part = len(data) // 4 + 1
            for first in range(0, len(data), part):
                self.wfile.write(data[first : first + part])
                self.wfile.flush()
                time.sleep(state.trickle)
            return
        self.wfile.write(data)


_KERNEL_METHODS = {
    "GetKernelSessionStatus": _Handler._kernel_status,
    "ListKernelSessionOutput": _Handler._kernel_output,
    "GetAcceleratorQuotaStatistics": _Handler._kernel_quota,
}


def _member(archive: bytes, name: str) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return zf.read(name) if name in zf.namelist() else None


@contextmanager
def kaggle_standin(state: KaggleStandin) -> Iterator[KaggleStandin]:
    """Serve ``state`` on a loopback port until the block ends."""
    with serving(_Handler, state) as state.port:
        yield state


def env_for(api: KaggleStandin, home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without the machine's Kaggle and Colab settings, pointed at
    the stand-in, with ``home`` as HOME."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "COLAB_"))}
    return {**clean, **api.env, "HOME": str(home), **extra}


def nbgen_kaggle(
    api: KaggleStandin, cwd: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``nbgen kaggle download ARGS`` as a user runs it; no secret in what it prints, no
    traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgen", "kaggle", "download", *args], cwd=cwd, capture_output=True,
        text=True, env=env_for(api, cwd / "home", **extra), timeout=120, check=False,
    )  # fmt: skip
    for secret in (KEY, TOKEN):
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result
