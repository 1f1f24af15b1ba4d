"""Kaggle notebooks ("kernels") through the kaggle client: push a folder, ask for one version's
status and outputs, the weekly GPU quota, and the live log where the client can stream it.

Every request names the version it is about (``versionLabel`` ``v<N>``, as the API wants it),
so a run that is followed is the run that was pushed: the client's own ``kernels output`` and
``kernels status`` (2.0.2) ask for the newest version, which may be an earlier run's.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from nbgen.runtime.kaggle.session import KaggleSession, SessionError
from nbgen.runtime.kaggle.text import KaggleError

KERNEL_DONE = ("COMPLETE", "ERROR", "CANCEL_ACKNOWLEDGED")  # a version that will not change
KERNEL_CANCELLED = ("CANCEL_REQUESTED", "CANCEL_ACKNOWLEDGED")

_KERNELS_TEXT = {
    "en": {
        "refused": "Kaggle refused the push of {kernel}: {reason}",
        "not_found": "No such notebook on Kaggle: {kernel} (HTTP 404). Check the OWNER/SLUG "
        "(kaggle.com/code/OWNER/SLUG) and the version.",
        "forbidden": "Kaggle refused access to {kernel} (HTTP 403): it is another account's "
        "private notebook, or these credentials may not read it.",
        "no_version": "Kaggle did not say which version the push of {kernel} made; "
        "nothing can be followed.",
        "old_client": "This kaggle client cannot ask for one version of a notebook: "
        "pip install -U kaggle",
    },
    "zh": {
        "refused": "Kaggle 拒绝推送 {kernel}：{reason}",
        "not_found": "Kaggle 上没有这个笔记本：{kernel}（HTTP 404）。请核对 `OWNER/SLUG`"
        "（`kaggle.com/code/OWNER/SLUG`）和版本号。",
        "forbidden": "Kaggle 拒绝访问 {kernel}（HTTP 403）：这是其他账号的私有笔记本，"
        "或这些凭据无权读取它。",
        "no_version": "Kaggle 没有返回 {kernel} 这次推送生成的版本号；无法跟踪。",
        "old_client": "这个 kaggle 客户端无法指定笔记本的版本：`pip install -U kaggle`",
    },
}


class KernelRefused(KaggleError):
    """Kaggle refused a push; ``reason`` is the API's own words."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class KernelRef(NamedTuple):
    owner: str
    slug: str
    version: int | None = None  # None: the newest

    @property
    def id(self) -> str:
        return f"{self.owner}/{self.slug}"

    def __str__(self) -> str:
        return self.id + (f" v{self.version}" if self.version else "")


class KernelPush(NamedTuple):
    ref: KernelRef  # with the version the push created
    url: str
    invalid: dict[str, list[str]]  # sources Kaggle could not attach, by kind


class KernelState(NamedTuple):
    status: str  # QUEUED RUNNING COMPLETE ERROR CANCEL_REQUESTED CANCEL_ACKNOWLEDGED NEW_SCRIPT
    failure: str  # Kaggle's failureMessage, "" when none


class KernelFile(NamedTuple):
    name: str  # as Kaggle lists it (not yet checked: it comes from the notebook's own files)
    url: str  # signed: fetched without credentials


class KernelOutputs(NamedTuple):
    files: list[KernelFile]
    log: str  # the run's log as text


class KernelClient(NamedTuple):
    version: str  # the kaggle client's
    streams: bool  # whether it streams a version's log (kernels_logs_stream with versions)
    user: str  # the account the credentials sign in as


class KaggleKernels:
    """Kernel requests over one :class:`KaggleSession` (which must be open)."""

    def __init__(self, session: KaggleSession) -> None:
        self.session = session
        self.text = _KERNELS_TEXT.get(session.lang, _KERNELS_TEXT["en"])

    def client(self) -> KernelClient:
        reply = self.session.call("hello")
        return KernelClient(str(reply["client"]), bool(reply["stream"]), str(reply["user"]))

    def push(self, folder: str, kernel: str) -> KernelPush:
        """Push ``folder`` (``kernel`` is its id, for messages); the version it created."""
        try:
            reply = self.session.call("push", folder=folder)
        except SessionError as exc:
            if exc.http == 401 or (exc.http is None and exc.error != "ValueError"):
                raise  # credentials, network, no client: said as for every request
            raise self._refused(kernel, exc.reason) from None
        if reply["refused"]:
            raise self._refused(kernel, str(reply["refused"]).strip().splitlines()[-1])
        if not reply["version"]:
            raise KaggleError(self.text["no_version"].format(kernel=kernel))
        owner, slug = kernel.split("/")
        return KernelPush(KernelRef(owner, slug, int(reply["version"])), str(reply["url"]),
                          {k: v for k, v in reply["invalid"].items() if v})  # fmt: skip

    def _refused(self, kernel: str, reason: str) -> KernelRefused:
        return KernelRefused(self.text["refused"].format(kernel=kernel, reason=reason), reason)

    def status(self, ref: KernelRef) -> KernelState:
        reply = self._ask("status", ref)
        return KernelState(str(reply["status"]), str(reply["failure"]))

    def outputs(self, ref: KernelRef) -> KernelOutputs:
        reply = self._ask("outputs", ref)
        files = [KernelFile(str(f["name"]), str(f["url"])) for f in reply["files"]]
        return KernelOutputs(files, kernel_log_text(str(reply["log"])))

    def quota(self) -> dict[str, Any] | None:
        """The weekly GPU quota (seconds used and allowed, when it refreshes), if Kaggle says."""
        try:
            quota: dict[str, Any] | None = self.session.call("quota")["quota"]
        except KaggleError:
            return None
        return quota

    def stream_log(self, ref: KernelRef) -> None:
        """Start streaming ``ref``'s log; the lines come from :meth:`new_log`."""
        self._ask("logs", ref)

    def new_log(self) -> tuple[list[str], bool]:
        """Log lines that arrived since the last call, and whether the stream has ended."""
        lines: list[str] = []
        ended = False
        for event in self.session.log_events():
            if event["event"] == "log":
                lines.extend(str(event.get("data", "")).splitlines())
            else:
                ended = True
        return lines, ended

    def _ask(self, op: str, ref: KernelRef) -> dict[str, Any]:
        try:
            return self.session.call(op, owner=ref.owner, slug=ref.slug, version=ref.version)
        except SessionError as exc:
            if exc.http == 404:
                raise KaggleError(self.text["not_found"].format(kernel=ref)) from None
            if exc.http == 403:
                raise KaggleError(self.text["forbidden"].format(kernel=ref)) from None
            if exc.error in ("AttributeError", "TypeError") and "version_label" in exc.reason:
                raise KaggleError(self.text["old_client"]) from None  # a kagglesdk before versions
            raise


def kernel_log_text(blob: str) -> str:
    """A run's log as text: Kaggle keeps it as a JSON array of ``{stream_name, time, data}``."""
    try:
        events = json.loads(blob) if blob.strip() else []
    except ValueError:
        return blob
    if not isinstance(events, list):
        return blob
    parts = [str(e.get("data", "")) for e in events if isinstance(e, dict)]
    return re.sub(r"\r(?!\n)", "\n", "".join(parts))
