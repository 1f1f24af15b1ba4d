"""Kaggle data in a notebook: download to local disk, extract safely, once, with progress.

The kaggle client (2.x) reads its configuration and authenticates when it is imported, so it
runs as a child process (``python -c``) that gets the credentials in its own environment
only; the parent shows the bytes arriving. Archives are extracted here: Colab's kaggle 2.0.2
has no ``--unzip`` for competitions, and a member that would land outside the target is
refused. On a Kaggle notebook, data attached with "Add Input" is used in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nbgen.runtime.env import detect_platform, local_data_dir, platform_path
from nbgen.runtime.kaggle_creds import KaggleCredentials, find_kaggle_credentials
from nbgen.runtime.kaggle_extract import (
    KAGGLE_COMPLETE,
    kaggle_size,
    print_kaggle_tree,
    safe_extract,
)
from nbgen.runtime.kaggle_refs import KaggleRef, kaggle_refs, parse_kaggle_ref
from nbgen.runtime.kaggle_text import KaggleError, kaggle_text

# Run by the child process: the kaggle CLI prints only an HTTP error's message, so the child
# calls the same API functions and reports the status code on a line of its own.
_KAGGLE_CHILD = """
import sys
kind, name, file_name, path = sys.argv[1:5]
try:
    from kaggle import api
    download = api.dataset_download_cli if kind == "dataset" else api.competition_download_cli
    download(name, file_name=file_name or None, path=path, quiet=True)
except Exception as exc:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    print(f"nbgen-kaggle-status: {status}")
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


def kaggle_dest(dest: str | os.PathLike[str] = "") -> Path:
    """Where downloads go: ``dest`` (relative to the work folder), or the platform's local
    disk when empty (``/content/data`` on Colab)."""
    return Path(platform_path(str(dest))) if str(dest) else Path(local_data_dir())


def kaggle_download(
    ref: str | KaggleRef = "",
    dest: str | os.PathLike[str] = "",
    force: bool = False,
    file: str = "",
    work_folder: str | os.PathLike[str] = ".",
    lang: str = "en",
    *,
    dataset: str = "",
    competition: str = "",
) -> Path:
    """Fetch a data set or competition into ``dest/<name>``, extracted; cached on disk.

    ``ref`` is anything a user pastes (see :func:`parse_kaggle_ref`); ``dataset=`` and
    ``competition=`` name one kind explicitly.
    """
    text = kaggle_text(lang)
    found = _kaggle_ref(ref, dataset, competition, lang)
    target = kaggle_dest(dest) / found.name.split("/")[-1]
    label = found.name + (f" ({file})" if file else "")
    attached = _kaggle_attached(found)
    if attached is not None and not force:
        print(text["attached"].format(name=label, path=attached))
        return attached
    done = _kaggle_done(target)
    if not force and (done.get("all") or (file and file in done.get("files", []))):
        print(text["present"].format(name=label, path=target))
        return target
    creds = find_kaggle_credentials(work_folder, lang)
    print(text["using"].format(source=creds.source))
    print(text["downloading"].format(name=found.name, path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.nbgen-", dir=target.parent))
    try:
        downloads = work / "download"
        _kaggle_run([found.kind, found.name, file, str(downloads)], creds, text, label)
        extracted = work / "extracted"
        extracted.mkdir()
        for item in sorted(downloads.iterdir()):
            if item.suffix == ".zip":
                safe_extract(item, extracted, lang)
            else:
                shutil.move(str(item), extracted / item.name)
        done = _kaggle_place(extracted, target, done, file)
        # written last: only a complete download is ever marked as one
        _kaggle_write_done(target, {found.kind: found.name, **done})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_kaggle_tree(target, found.name, lang)
    return target


def kaggle_data(value: str | list[str], lang: str = "en") -> list[KaggleRef]:
    """The references in the KAGGLE_DATA form field (saying so when there are none)."""
    refs = kaggle_refs(value, lang)
    if not refs:
        print(kaggle_text(lang)["nothing"])
    return refs


def _kaggle_ref(ref: str | KaggleRef, dataset: str, competition: str, lang: str) -> KaggleRef:
    if isinstance(ref, KaggleRef):
        return ref
    if dataset or competition:
        kind = "dataset" if dataset else "competition"
        parsed = parse_kaggle_ref(dataset or competition, lang)
        if parsed.kind != kind:
            key = "bad_slug" if kind == "dataset" else "bad_name"
            raise KaggleError(kaggle_text(lang)[key].format(value=dataset or competition))
        return parsed
    return parse_kaggle_ref(ref, lang)


def _kaggle_attached(found: KaggleRef) -> Path | None:
    """On a Kaggle notebook, an input attached with "Add Input" is mounted read-only."""
    if detect_platform() != "kaggle":
        return None
    slug = found.name.split("/")[-1]
    root = Path(platform_path("/kaggle/input"))
    for candidate in (root / slug, root / "competitions" / slug, root / "datasets" / found.name):
        if candidate.is_dir():
            return candidate
    return None


def _kaggle_place(extracted: Path, target: Path, done: dict[str, Any], file: str) -> dict[str, Any]:
    if file:  # one file joins what is already there
        target.mkdir(parents=True, exist_ok=True)
        for item in extracted.iterdir():
            if (target / item.name).is_dir():
                shutil.rmtree(target / item.name)
            os.replace(item, target / item.name)
        return {"all": bool(done.get("all")), "files": sorted({*done.get("files", []), file})}
    if target.exists():  # the whole data set replaces any earlier one
        shutil.rmtree(target)
    os.replace(extracted, target)
    return {"all": True, "files": []}


def _kaggle_done(target: Path) -> dict[str, Any]:
    try:
        data = json.loads((target / KAGGLE_COMPLETE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _kaggle_write_done(target: Path, data: dict[str, Any]) -> None:
    tmp = target / (KAGGLE_COMPLETE + ".tmp")
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, target / KAGGLE_COMPLETE)


def _kaggle_run(
    args: list[str], creds: KaggleCredentials, text: dict[str, str], label: str
) -> None:
    secret_names = ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY")
    env = {k: v for k, v in os.environ.items() if k not in secret_names}
    env.update(creds.env)
    # An empty private config folder: the client must not pick up other credentials.
    config = tempfile.mkdtemp(prefix="nbgen-kaggle-")
    env["KAGGLE_CONFIG_DIR"] = config
    with tempfile.TemporaryFile("w+") as log:
        try:
            proc = subprocess.Popen([sys.executable, "-c", _KAGGLE_CHILD, *args], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            try:
                _kaggle_watch(proc, Path(args[3]), text, label)
            except BaseException:  # ^C or a stopped cell: no half download lives on
                proc.kill()
                proc.wait()
                raise
        finally:
            shutil.rmtree(config, ignore_errors=True)
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        kind, name = args[0], args[1]
        raise KaggleError(_kaggle_explain(_kaggle_redact(output, creds), creds, kind, name, text))


def _kaggle_watch(
    proc: subprocess.Popen[bytes], folder: Path, text: dict[str, str], label: str
) -> None:
    """Wait for the child, showing every second how much has arrived and how fast."""
    start, last_size, shown = time.monotonic(), 0, False
    while True:
        try:
            proc.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            size = _kaggle_bytes(folder)
            if size and size != last_size:
                speed = size / max(time.monotonic() - start, 1e-6)
                line = text["progress"].format(
                    name=label, size=kaggle_size(size), speed=kaggle_size(speed)
                )
                print(f"\r{line}   ", end="", flush=True)
                shown, last_size = True, size
    if shown:
        print()


def _kaggle_bytes(folder: Path) -> int:
    """Bytes under ``folder`` now (files come and go while the client works)."""
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            total += path.stat().st_size if path.is_file() else 0
    return total


def _kaggle_redact(output: str, creds: KaggleCredentials) -> str:
    for value in creds.env.values():
        if len(value) >= 4:
            output = output.replace(value, "***")
    return output


def _kaggle_explain(
    output: str, creds: KaggleCredentials, kind: str, name: str, text: dict[str, str]
) -> str:
    if re.search(r"No module named '?(kaggle|six|kagglesdk)\b", output):
        return text["no_client"]
    match = re.search(r"nbgen-kaggle-status: (\d+)", output)
    status = int(match.group(1)) if match else None
    if status == 401 or "You must authenticate" in output:
        return text["rejected"].format(source=creds.source)
    if status == 403:
        return text["rules" if kind == "competition" else "forbidden"].format(name=name)
    if status == 404:
        return text["not_found"].format(kind=text[kind], name=name)
    network = ("ConnectionError", "Max retries exceeded", "Failed to establish", "Connection refused",
               "NameResolutionError", "ChunkedEncodingError", "IncompleteRead", "Connection broken",
               "RemoteDisconnected", "Temporary failure in name resolution")  # fmt: skip
    if any(marker in output for marker in network):
        return text["internet_off" if detect_platform() == "kaggle" else "network"]
    lines = [
        line for line in output.strip().splitlines() if line.strip() and "nbgen-kaggle" not in line
    ]
    return text["failed"].format(detail=lines[-1] if lines else "no output")
