"""``WORK_FOLDER/.nbgen/environment.json``: what this session runs on (Python, CUDA, GPU, Colab's
runtime version, every package's version, which of them the notebook imported and installed),
and what changed since the last run that worked.

The record sits in the work folder (on Drive on Colab), so it outlasts the runtime. It is
written once the setup got this far (after the pip step): that is "a run that worked". The
file is nbgen's when it is JSON with ``"nbgen": "environment"``; anything else in its place is
the user's, left alone, and said so in one line; a problem with the record never stops the
notebook.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform as _record_platform
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nbgen.runtime.environment.drift import drift_lines
from nbgen.runtime.environment.packages import canonical, installed_versions
from nbgen.runtime.environment.text import environment_text
from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.folders import make_folder
from nbgen.runtime.ownership.proofs import stamp_of
from nbgen.runtime.ownership.text import OwnershipError
from nbgen.runtime.platforms.drive import local_work_folder
from nbgen.runtime.platforms.env import detect_platform

RECORD_FOLDER = ".nbgen"  # in the work folder: nbgen's state that outlasts the runtime
RECORD_FILE = "environment.json"
RECORD_KIND = "environment"


def record_environment(
    work_folder: str | os.PathLike[str], lang: str = "en", *,
    installed: Mapping[str, str] | None = None, requested: Iterable[str] = (),
) -> dict[str, Any] | None:  # fmt: skip
    """Say what changed since the last run that worked, then record this one, in the work
    folder: a path as the Drive cell returned it (``WORK_PATH``), or the WORK_FOLDER text, which
    is mapped to this platform. Returns the record, or None when it could not be kept (the line
    says why)."""
    text = environment_text(lang)
    where = detect_platform()
    if isinstance(work_folder, str):
        folder = local_work_folder(work_folder, where)
    else:
        folder = Path(work_folder)
    if not folder.is_dir():
        print(text["not_folder" if folder.exists() else "no_folder"].format(path=folder))
        return None
    path = folder / RECORD_FOLDER / RECORD_FILE
    if (folder / RECORD_FOLDER).exists() and not (folder / RECORD_FOLDER).is_dir():
        print(text["not_folder"].format(path=folder / RECORD_FOLDER))
        return None
    previous, why = read_record(path)
    if why:
        print(text["not_ours"].format(path=path, why=text[why]))
        return None
    current = environment_snapshot(installed=installed, requested=requested)
    for line in drift_lines(previous, current, where, text) if previous else []:
        print(line)
    data = (json.dumps(current, indent=1, sort_keys=True) + "\n").encode("utf-8")
    try:
        make_folder(folder / RECORD_FOLDER, "state", lang=lang)
        write_file(path, data, proof=record_proof, lang=lang)
    except OwnershipError as exc:
        print(text["refused"].format(detail=exc))
        return None
    if previous is None:
        print(text["first"].format(path=path))
    return current


def record_proof(data: bytes) -> bool:
    """nbgen wrote it: JSON with ``"nbgen": "environment"`` (the BOM an editor adds is fine)."""
    return stamp_of(data.removeprefix(b"\xef\xbb\xbf")).get("nbgen") == RECORD_KIND


def read_record(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The record at ``path`` (None when there is none), and "" or why it is not nbgen's."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError:
        return None, "not_record"
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "not_json"
    if not isinstance(value, dict) or value.get("nbgen") != RECORD_KIND:
        return None, "not_record"
    return value, ""


def environment_snapshot(
    installed: Mapping[str, str] | None = None, requested: Iterable[str] = ()
) -> dict[str, Any]:
    """What this session runs on, as the record keeps it."""
    packages = installed_versions()
    torch = sys.modules.get("torch")  # the environment check imported it; never import here
    record: dict[str, Any] = {
        "nbgen": RECORD_KIND,
        "version": 1,
        "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": detect_platform(),
        "colab_release": os.environ.get("COLAB_RELEASE_TAG", ""),
        "python": _record_platform.python_version(),
        "cuda": str(getattr(getattr(torch, "version", None), "cuda", "") or ""),
        "gpus": _record_gpus(torch),
        "packages": packages,
        "imported": imported_distributions(packages),
        "installed": sorted(canonical(name) for name in (installed or {})),
        "requested": [_record_safe(r) for r in requested if not str(r).startswith("-")],
    }
    return record


def _record_safe(requirement: str) -> str:
    """A requirement as the record keeps it: a URL's credentials (``pkg @ https://user:token@
    host/...``) masked, since the record lives on Drive."""
    return re.sub(r"://[^/@\s]*@", "://***@", str(requirement))


def imported_distributions(packages: Mapping[str, str]) -> list[str]:
    """The installed distributions whose modules this process imported (the standard
    library and nbgen's own runtime are not distributions)."""
    loaded = {name.partition(".")[0] for name in list(sys.modules)}
    found: set[str] = set()
    for module, dists in importlib.metadata.packages_distributions().items():
        if module in loaded:
            found.update(canonical(dist) for dist in dists if canonical(dist) in packages)
    return sorted(found)


def _record_gpus(torch: Any) -> list[str]:
    try:
        if torch is None or not torch.cuda.is_available():
            return []
        return [str(torch.cuda.get_device_name(i)) for i in range(torch.cuda.device_count())]
    except Exception:  # a broken driver is the environment check's to report, not the record's
        return []
