"""The kaggle client in a child process: one download, or one question (the current version of
a data set), with the credentials nbgen chose in the child's environment only.

The client (2.x) reads its configuration and authenticates when it is imported, so it runs as
``python -c``; the parent shows the bytes arriving. The kaggle CLI prints only an HTTP error's
message, so the child calls the same API functions and reports the status code on a line of its
own, which :func:`_kaggle_explain` turns into one line with the remedy.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgen.runtime.kaggle.creds import KaggleCredentials
from nbgen.runtime.kaggle.extract import kaggle_size
from nbgen.runtime.kaggle.text import KaggleError
from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder
from nbgen.runtime.ownership.proofs import OWNED_STAMP
from nbgen.runtime.platforms.env import detect_platform

# Its home (HOME, and USERPROFILE on Windows) is the empty config folder before the client
# imports: the client reads ~/.kaggle/access_token on its own, and must use the credentials nbgen
# chose (and named), not another file. "version" asks what kagglehub's own resolver asks
# (GetDataset, then currentVersionNumber): one request, no download.
_KAGGLE_CHILD = """
import os, sys
kind, name, file_name, path = sys.argv[1:5]
os.environ["HOME"] = os.environ["USERPROFILE"] = os.environ["KAGGLE_CONFIG_DIR"]
try:
    from kaggle import api
    if kind == "version":
        from kagglesdk.datasets.types.dataset_api_service import ApiGetDatasetRequest
        request = ApiGetDatasetRequest()
        request.owner_slug, request.dataset_slug = name.split("/")
        with api.build_kaggle_client() as client:
            found = client.datasets.dataset_api_client.get_dataset(request)
        print(f"nbgen-kaggle-version: {found.current_version_number or 0}")
        sys.exit(0)
    download = api.dataset_download_cli if kind == "dataset" else api.competition_download_cli
    download(name, file_name=file_name or None, path=path, quiet=True)
except Exception as exc:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    print(f"nbgen-kaggle-status: {status}")
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""
_KAGGLE_SECRET_NAMES = ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_V1_TOKEN")


def kaggle_run(
    args: list[str], creds: KaggleCredentials, text: dict[str, str], label: str, name: str
) -> str:
    """Run the child with ``args`` (kind, name, file, folder); its output, or KaggleError."""
    env = {k: v for k, v in os.environ.items() if k not in _KAGGLE_SECRET_NAMES}
    env.update(creds.env)
    # An empty private config folder (and home): the client must not pick up other credentials.
    config = scratch_folder(Path(tempfile.gettempdir()), "kaggle-config")
    env["KAGGLE_CONFIG_DIR"] = str(config)
    with tempfile.TemporaryFile("w+") as log:
        try:
            proc = subprocess.Popen([sys.executable, "-c", _KAGGLE_CHILD, *args], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            try:
                _kaggle_watch(proc, Path(args[3]) if args[3] else None, text, label)
            except BaseException:  # ^C or a stopped cell: the partial file stays, to resume
                proc.kill()
                proc.wait()
                raise
        finally:
            remove_scratch(config)
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        detail = _kaggle_redact(output, creds)
        raise KaggleError(_kaggle_explain(detail, creds, args[0], label, name, text))
    return output


def kaggle_current_version(
    name: str, creds: KaggleCredentials, text: dict[str, str], label: str
) -> int:
    """The version number Kaggle serves for data set ``name`` now (0 when it does not say)."""
    output = kaggle_run(["version", name, "", ""], creds, text, label, name)
    match = re.search(r"nbgen-kaggle-version: (\d+)", output)
    return int(match.group(1)) if match else 0


def _kaggle_watch(
    proc: subprocess.Popen[bytes], folder: Path | None, text: dict[str, str], label: str
) -> None:
    """Wait for the child, showing every second how much has arrived and how fast (counting
    from what an earlier, cut run left)."""
    start, shown = time.monotonic(), False
    last_size = earlier = kaggle_bytes(folder)
    while True:
        try:
            proc.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            size = kaggle_bytes(folder)
            if size and size != last_size:
                speed = max(size - earlier, 0) / max(time.monotonic() - start, 1e-6)
                line = text["progress"].format(
                    name=label, size=kaggle_size(size), speed=kaggle_size(speed)
                )
                print(f"\r{line}   ", end="", flush=True)
                shown, last_size = True, size
    if shown:
        print()


def kaggle_bytes(folder: Path | None) -> int:
    """Bytes the client has written under ``folder`` now (files come and go while it works)."""
    total = 0
    for path in folder.rglob("*") if folder is not None and folder.is_dir() else ():
        with contextlib.suppress(OSError):
            total += path.stat().st_size if path.is_file() and path.name != OWNED_STAMP else 0
    return total


def _kaggle_redact(output: str, creds: KaggleCredentials) -> str:
    for value in creds.env.values():
        if len(value) >= 4:
            output = output.replace(value, "***")
    return output


def _kaggle_explain(
    output: str, creds: KaggleCredentials, kind: str, label: str, name: str, text: dict[str, str]
) -> str:
    if re.search(r"No module named '?(kaggle|six|kagglesdk)\b", output):
        return text["no_client"]
    match = re.search(r"nbgen-kaggle-status: (\d+)", output)
    status = int(match.group(1)) if match else None
    if status == 401 or "You must authenticate" in output:
        return text["rejected"].format(source=creds.source)
    if status == 403:
        if kind == "competition":
            return text["rules"].format(name=name)
        return text["forbidden"].format(name=label)
    if status == 404:
        return text["not_found"].format(kind=text["dataset" if kind == "version" else kind],
                                        name=label)  # fmt: skip
    network = ("ConnectionError", "Max retries exceeded", "Failed to establish", "Connection refused",
               "NameResolutionError", "ChunkedEncodingError", "IncompleteRead", "Connection broken",
               "RemoteDisconnected", "Temporary failure in name resolution")  # fmt: skip
    if any(marker in output for marker in network):
        return text["internet_off" if detect_platform() == "kaggle" else "network"]
    lines = [
        line for line in output.strip().splitlines() if line.strip() and "nbgen-kaggle" not in line
    ]
    return text["failed"].format(detail=lines[-1] if lines else "no output")
