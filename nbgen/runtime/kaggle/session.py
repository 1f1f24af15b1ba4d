"""The kaggle client in one child process for a whole command: push, status, outputs, quota and
the live log, asked for one at a time over a pipe (one JSON line each way).

The client (2.x) reads its configuration and authenticates when it is imported, so it runs in a
child that gets the credentials in its own environment only, with an empty private config
folder (it must not pick up other credentials); the parent never holds them in ``os.environ``.
One child serves every request of a command, so following a run for hours costs one import and
one sign-in, not one per status request. The child ignores Ctrl-C: the parent decides, and
stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from nbgen.runtime.kaggle.creds import KaggleCredentials
from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder

# The child's protocol goes over a copy of its stdout; its fd 1 then points at stderr, so what
# the client prints (kernels_push prints warnings) never mixes with the replies.
_SESSION_CHILD = """
import json, os, signal, sys, threading
signal.signal(signal.SIGINT, signal.SIG_IGN)
proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
asks = os.fdopen(os.dup(0), "r", encoding="utf-8")  # exit() closes sys.stdin, never this
os.dup2(2, 1)
lock = threading.Lock()

def send(obj):
    with lock:
        proto.write(json.dumps(obj) + "\\n")
        proto.flush()

def failure(exc):
    if isinstance(exc, SystemExit):  # the client exits only when it cannot sign in
        return {"ok": False, "http": 401, "error": "SystemExit", "message": "You must authenticate"}
    status = getattr(getattr(exc, "response", None), "status_code", None)
    body = getattr(getattr(exc, "response", None), "text", "") or ""
    return {"ok": False, "http": status, "error": type(exc).__name__,
            "message": str(exc), "body": body[:2000]}

try:
    import kaggle
    from kaggle import api
except BaseException as exc:  # kaggle 2.0.2 signs in on import (and exits when it cannot)
    send(failure(exc))
    sys.exit(1)

def label(version):
    return "v%d" % version

def request(cls, owner, slug, version):
    r = cls()
    r.user_name, r.kernel_slug = owner, slug
    if version:
        r.version_label = label(version)
    return r

def op_hello(args):
    stream = hasattr(api, "kernels_logs_stream") and hasattr(api, "_kernel_version_label")
    user = api.get_config_value("username") or ""
    return {"client": getattr(kaggle, "__version__", "?"), "stream": stream, "user": user}

def op_push(args):
    r = api.kernels_push(args["folder"])
    invalid = {k: list(getattr(r, k, None) or []) for k in ("invalid_dataset_sources",
               "invalid_competition_sources", "invalid_kernel_sources", "invalid_model_sources")}
    return {"version": r.version_number, "url": r.url, "ref": r.ref, "refused": r.error or "",
            "invalid": invalid}

def op_status(args):
    from kagglesdk.kernels.types.kernels_api_service import ApiGetKernelSessionStatusRequest as R
    with api.build_kaggle_client() as k:
        r = k.kernels.kernels_api_client.get_kernel_session_status(
            request(R, args["owner"], args["slug"], args["version"]))
    status = getattr(r.status, "name", str(r.status))
    return {"status": status, "failure": r.failure_message or ""}

def op_outputs(args):
    from kagglesdk.kernels.types.kernels_api_service import ApiListKernelSessionOutputRequest as R
    files, log, token = [], "", None
    with api.build_kaggle_client() as k:
        while True:
            req = request(R, args["owner"], args["slug"], args["version"])
            req.page_size = 200
            if token:
                req.page_token = token
            r = k.kernels.kernels_api_client.list_kernel_session_output(req)
            files += [{"name": f.file_name, "url": f.url} for f in r.files or [] if f]
            log = log or r.log or ""
            token = r.next_page_token
            if not token:
                return {"files": files, "log": log}

def op_quota(args):
    try:
        from kagglesdk.kernels.types.kernels_api_service import (
            ApiGetAcceleratorQuotaStatisticsRequest as R)
    except ImportError:
        return {"quota": None}
    with api.build_kaggle_client() as k:
        r = k.kernels.kernels_api_client.get_accelerator_quota_statistics(R())
    q = r.gpu_quota
    if q is None:
        return {"quota": None}
    refresh = r.quota_refresh_time.isoformat() if r.quota_refresh_time else ""
    return {"quota": {"used": q.time_used.total_seconds(),
                      "total": q.total_time_allowed.total_seconds(), "refresh": refresh}}

def stream(kernel):
    try:
        for event in api.kernels_logs_stream(kernel):
            send({"event": "log", "data": str(event.get("data", ""))})
        send({"event": "log_end"})
    except BaseException as exc:
        send({"event": "log_error", **failure(exc)})

def op_logs(args):
    kernel = "%s/%s/%d" % (args["owner"], args["slug"], args["version"])
    threading.Thread(target=stream, args=(kernel,), daemon=True).start()
    return {}

ops = {"hello": op_hello, "push": op_push, "status": op_status, "outputs": op_outputs,
       "quota": op_quota, "logs": op_logs}
send({"ok": True, "ready": True})
for line in asks:
    args = json.loads(line)
    try:
        send({"ok": True, **ops[args["op"]](args)})
    except BaseException as exc:
        send(failure(exc))
"""

_SESSION_SECRETS = ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_V1_TOKEN")


class KaggleSession:
    """The child process; use it as a context manager. ``call`` sends one request and returns
    the reply; log events from :meth:`call` ``("logs", ...)`` collect in ``log_events``."""

    def __init__(self, creds: KaggleCredentials, lang: str = "en", timeout: float = 600.0) -> None:
        self.creds, self.lang, self.timeout = creds, lang, timeout
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._events: list[dict[str, Any]] = []
        self._events_lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._config: Path | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> KaggleSession:
        env = {k: v for k, v in os.environ.items() if k not in _SESSION_SECRETS}
        env.update(self.creds.env)
        self._config = scratch_folder(Path(tempfile.gettempdir()), "kaggle-config")
        env["KAGGLE_CONFIG_DIR"] = str(self._config)
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SESSION_CHILD], env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, encoding="utf-8",
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self._reply()  # the sign-in happens on import: its failure is the first reply
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if self._reader is not None:
                self._reader.join(timeout=5)  # it ends at the pipe's end
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        if self._stderr is not None:
            self._stderr.close()
        if self._config is not None:
            remove_scratch(self._config)

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        """Send ``op`` with ``args``; the reply, or a KaggleError saying what went wrong."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None, "use KaggleSession as a context"
        try:
            proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
            proc.stdin.flush()
        except OSError:
            raise self._died() from None
        return self._reply()

    def log_events(self) -> list[dict[str, Any]]:
        """The log events that arrived since the last call (and forgets them)."""
        with self._events_lock:
            events, self._events = self._events, []
        return events

    def _reply(self) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=self.timeout)
        except queue.Empty:
            raise KaggleError(kaggle_text(self.lang)["failed"].format(detail="no answer")) from None
        if reply.get("died"):
            raise self._died()
        if not reply.get("ok"):
            raise SessionError(reply, self.creds, self.lang)
        return reply

    def _read(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "event" in message:
                with self._events_lock:
                    self._events.append(message)
            else:
                self._replies.put(message)
        self._replies.put({"died": True})

    def _died(self) -> KaggleError:
        assert self._stderr is not None and self._proc is not None
        self._proc.wait()
        self._stderr.seek(0)
        lines = [line for line in self._stderr.read().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit {self._proc.returncode}"
        detail = session_redact(last, self.creds)
        if "No module named" in detail:
            return KaggleError(kaggle_text(self.lang)["no_client"])
        return KaggleError(kaggle_text(self.lang)["failed"].format(detail=detail))


class SessionError(KaggleError):
    """The child's request failed: ``http`` is the HTTP status (None when it was not an HTTP
    error), ``error`` the exception's type, ``reason`` the API's own message."""

    def __init__(self, reply: dict[str, Any], creds: KaggleCredentials, lang: str) -> None:
        self.http: int | None = reply.get("http")
        self.error = str(reply.get("error", ""))
        self.reason = session_redact(_session_reason(reply), creds)
        text = kaggle_text(lang)
        if self.http == 401 or "You must authenticate" in self.reason:
            message = text["rejected"].format(source=creds.source)
        elif self.error in ("ModuleNotFoundError", "ImportError"):
            message = text["no_client"]
        elif self.error in ("ConnectionError", "ProxyError") or "Max retries" in self.reason:
            message = text["network"]
        else:
            message = text["failed"].format(detail=self.reason)
        super().__init__(message)


def _session_reason(reply: dict[str, Any]) -> str:
    """The API's own words: the JSON body's ``message`` when there is one."""
    try:
        body = json.loads(str(reply.get("body") or ""))
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    message = str(reply.get("message", "")).strip()
    return message.splitlines()[-1] if message else str(reply.get("error", "error"))


def session_redact(text: str, creds: KaggleCredentials) -> str:
    """``text`` with every credential value replaced by ``***``."""
    for value in creds.env.values():
        if len(value) >= 4:
            text = text.replace(value, "***")
    return text
