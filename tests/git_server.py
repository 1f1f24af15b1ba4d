"""A real git server on loopback: ``git http-backend`` (CGI, smart HTTP) behind a small HTTP
server that asks for basic auth on the private repositories, as GitHub does.

Repositories are bare repos under ``root``; ``access`` says who may read each: ``public``
(anyone), ``private`` (the token), ``forbidden`` (the token authenticates, and gets 403). Every
request's path and headers are kept, so a test can check where the token went.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.loopback import LoopbackServer, serving

TOKEN = "ghp_nbgenLoopbackToken0123456789abcdef"


@dataclass
class GitServer:
    root: Path
    token: str = TOKEN
    access: dict[str, str] = field(default_factory=dict)  # repo name -> public/private/forbidden
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.git"

    def authorized(self, header: str) -> bool:
        kind, _, value = header.partition(" ")
        if kind != "Basic":
            return False
        try:
            _, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return password == self.token


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git as a test's own tool (not nbgen's): a fixed identity, no user config."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                            check=False, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def make_repo(server: GitServer, name: str, files: dict[str, str], access: str = "public") -> Path:
    """A bare repository ``name.git`` with one commit of ``files`` on ``main``; returns a
    working clone the test can commit and push from (origin = the bare repository's path)."""
    bare = server.root / f"{name}.git"
    git("init", "--bare", "--initial-branch=main", str(bare))
    work = server.root.parent / f"{name}-upstream"
    git("clone", str(bare), str(work))
    git("checkout", "-b", "main", cwd=work)
    commit(work, files, "first")
    server.access[name] = access
    return work


def commit(work: Path, files: dict[str, str], message: str) -> None:
    """Commit ``files`` in ``work`` and push them to its origin."""
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git("add", "-A", cwd=work)
    git("commit", "-m", message, cwd=work)
    git("push", "origin", "HEAD", cwd=work)


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer[GitServer]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        state = self.server.state
        path, _, query = self.path.partition("?")
        state.requests.append((self.path, dict(self.headers.items())))
        repo = path.strip("/").split("/")[0].removesuffix(".git")
        rule = state.access.get(repo, "public")
        auth = self.headers.get("Authorization", "")
        if rule != "public" and not state.authorized(auth):
            return self._plain(401, b"Unauthorized", {"WWW-Authenticate": 'Basic realm="git"'})
        if rule == "forbidden":
            return self._plain(403, b"Forbidden", {})
        self._cgi(path, query)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _cgi(self, path: str, query: str) -> None:
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", ""), "GIT_PROJECT_ROOT": str(self.server.state.root),
            "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
            "REQUEST_METHOD": self.command, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
            "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        }  # fmt: skip
        result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                capture_output=True, check=False, timeout=60)  # fmt: skip
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = result.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers[key] = value.strip()
        self._plain(status, payload, headers)

    def _plain(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def git_server(root: Path, token: str = TOKEN) -> Iterator[GitServer]:
    """Serve the bare repositories under ``root`` on a loopback port until the block ends."""
    root.mkdir(parents=True, exist_ok=True)
    state = GitServer(root, token)
    with serving(_Handler, state) as state.port:
        yield state
