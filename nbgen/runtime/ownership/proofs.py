"""Proofs that nbgen wrote something: a predicate over a file's bytes, or over the stamp file
inside a folder nbgen made. Everything without one is the user's."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbgen.runtime.ownership.text import _own_refuse

OWNED_STAMP = ".nbgen-owned"  # inside a folder nbgen made: {"nbgen": KIND, ...}
Proof = Callable[[bytes], bool]  # over a file's bytes, or a folder's stamp file


def stamp_proof(kind: str) -> Proof:
    """The proof for a folder nbgen made for ``kind``: its stamp file names that kind."""

    def proof(data: bytes) -> bool:
        return stamp_of(data).get("nbgen") == kind

    return proof


def stamp_of(data: bytes) -> dict[str, Any]:
    """A stamp file's fields, or ``{}`` for anything that is not one."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) and isinstance(value.get("nbgen"), str) else {}


def owns(path: Path, proof: Proof | None) -> bool:
    """True if ``path`` carries nbgen's proof: a file whose bytes pass ``proof``, or a folder
    (not a link to one) whose stamp file passes it. Nothing there, or no proof: False."""
    if proof is None:
        return False
    try:
        if path.is_symlink() and path.is_dir():
            return False
        mark = path / OWNED_STAMP if path.is_dir() else path
        if not mark.is_file():
            return False
        with mark.open("rb") as f:
            return proof(f.read())
    except OSError:
        return False


def inside_owned(folder: Path, kind: str) -> Proof:
    """The proof for a file inside a folder nbgen owns for ``kind`` (a cache, a sandbox):
    what lies in nbgen's own folder is nbgen's."""

    def proof(_data: bytes) -> bool:
        return owns(folder, stamp_proof(kind))

    return proof


def is_read_only(path: Path) -> bool:
    """True for a file no one may write (its mode, which binds root too), or this user may not."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and (mode & 0o222 == 0 or not os.access(path, os.W_OK))


def exists_or_link(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def check_replace(
    path: Path, proof: Proof | None, *, force: bool = False, remedy: str = "", lang: str = "en"
) -> None:
    """Raise unless a file may be written at ``path``: nothing there, or a file nbgen wrote
    (``proof``), or ``force``. A folder, a broken link or a read-only file is always refused."""
    if path.is_symlink() and not path.exists():
        raise _own_refuse(path, "link", remedy, lang)
    if not path.exists():
        return
    if path.is_dir():  # the caller's remedy may offer --force, which cannot replace a folder
        raise _own_refuse(path, "folder_not_file", "", lang)
    if is_read_only(path):
        raise _own_refuse(path, "read_only", "", lang)
    if not force and not owns(path, proof):
        raise _own_refuse(path, "file_in_way", remedy, lang)
