"""Folders under the ownership rule: stamped when nbgen makes them, swapped in whole, and deleted
only with a proof; hidden scratch folders for work that is moved into place when complete."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.proofs import (
    OWNED_STAMP,
    Proof,
    exists_or_link,
    is_read_only,
    owns,
    stamp_of,
    stamp_proof,
)
from nbgen.runtime.ownership.text import _own_os_error, _own_refuse


def stamp_folder(folder: Path, kind: str, **fields: Any) -> None:
    """Mark ``folder`` (which nbgen made) as nbgen's, for ``kind``; ``fields`` go along."""
    data = (json.dumps({"nbgen": kind, **fields}, sort_keys=True) + "\n").encode("utf-8")
    write_file(folder / OWNED_STAMP, data, proof=stamp_proof(kind))


def folder_stamp(folder: Path) -> dict[str, Any]:
    """The fields of ``folder``'s stamp, or ``{}`` when nbgen did not make it."""
    if folder.is_symlink():
        return {}
    try:
        return stamp_of((folder / OWNED_STAMP).read_bytes())
    except OSError:
        return {}


def make_folder(
    folder: Path, kind: str, *, force: bool = False, remedy: str = "", lang: str = "en",
    **fields: Any,
) -> Path:  # fmt: skip
    """A folder nbgen owns for ``kind``: made and stamped if missing, kept if already nbgen's
    for that kind; a file or a folder of the user's in the way is refused (unless ``force``
    names an empty one, or a folder, which is then adopted)."""
    if exists_or_link(folder):
        if folder.is_symlink() or not folder.is_dir():
            raise _own_refuse(folder, "link" if folder.is_symlink() else "not_folder", remedy, lang)
        if not owns(folder, stamp_proof(kind)):
            if not force:
                raise _own_refuse(folder, "folder_in_way", remedy, lang)
            stamp_folder(folder, kind, **fields)
        return folder
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise _own_os_error(exc, folder, lang) from None
    stamp_folder(folder, kind, **fields)
    return folder


def first_existing(folder: Path) -> Path:
    """The nearest of ``folder`` and the folders above it that exists: where a run that is
    about to make folders starts, the ``stop`` for :func:`prune_empty` if the run fails."""
    while not exists_or_link(folder) and folder.parent != folder:
        folder = folder.parent
    return folder


def scratch_folder(parent: Path, name: str, lang: str = "en") -> Path:
    """A hidden working folder ``parent/.NAME.nbgen-XXXX`` (stamped ``scratch``), for work that
    is moved into place only when whole. :func:`clean_scratch` removes one a kill left."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".{name[:64]}.nbgen-", dir=parent))
    except OSError as exc:
        raise _own_os_error(exc, parent, lang) from None
    stamp_folder(folder, "scratch", name=name)
    return folder


def clean_scratch(parent: Path, name: str) -> list[Path]:
    """Remove the scratch folders for ``name`` that an interrupted run left in ``parent``:
    only those carrying nbgen's scratch stamp. Returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for folder in sorted(parent.glob(f".{glob_escape(name[:64])}.nbgen-*")):
            if folder_stamp(folder).get("nbgen") == "scratch":
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def remove_scratch(folder: Path) -> None:
    """Delete a scratch folder nbgen made (its stamp is checked first)."""
    if folder_stamp(folder).get("nbgen") == "scratch":
        shutil.rmtree(folder, ignore_errors=True)


def move_into_place(
    source: Path, target: Path, *, proof: Proof | None, force: bool = False, remedy: str = "",
    lang: str = "en",
) -> None:  # fmt: skip
    """Move ``source`` (a file or folder in nbgen's scratch space) to ``target``, replacing what
    is there only if nbgen owns it (``proof``: for a folder, over its stamp) or ``force``.

    A folder is swapped in with two renames, so a reader sees the old folder or the new one;
    the old one is deleted afterwards.
    """
    if target.is_symlink():
        raise _own_refuse(target, "link", remedy, lang)
    if not target.exists():
        _own_rename(source, target, lang)
        return
    if target.is_dir() != source.is_dir():
        reason = "folder_in_way" if target.is_dir() else "file_in_way"
        if not force:
            raise _own_refuse(target, reason, remedy, lang)
    if not target.is_dir() and is_read_only(target):
        raise _own_refuse(target, "read_only", "", lang)
    if not force and not owns(target, proof):
        raise _own_refuse(
            target, "folder_in_way" if target.is_dir() else "file_in_way", remedy, lang
        )
    if not target.is_dir() and not source.is_dir():
        _own_rename(source, target, lang)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name[:64]}.nbgen-", dir=target.parent))
    stamp_folder(old, "scratch", name=target.name)
    _own_rename(target, old / target.name, lang)
    try:
        _own_rename(source, target, lang)
    except BaseException:
        _own_rename(old / target.name, target, lang)
        raise
    finally:
        remove_scratch(old)


def _own_rename(source: Path, target: Path, lang: str) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise _own_os_error(exc, target, lang) from None


def delete_owned(
    path: Path, *, proof: Proof | None, force: bool = False, remedy: str = "", lang: str = "en"
) -> bool:
    """Delete a file or folder nbgen owns (``proof``), or one ``force`` names; a link is
    removed, never followed. Returns False when nothing was there."""
    if not exists_or_link(path):
        return False
    if not force and not owns(path, proof):
        in_way = "folder_in_way" if path.is_dir() and not path.is_symlink() else "file_in_way"
        raise _own_refuse(path, in_way, remedy, lang)
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError as exc:
        raise _own_os_error(exc, path, lang) from None
    return True


def prune_empty(folder: Path, stop: Path) -> None:
    """Remove ``folder``, then each folder above it up to ``stop`` (kept), while they are empty:
    an empty folder holds nothing to lose (``os.rmdir`` refuses any other, and a link). Used
    after an eviction, and after a failed download (up to what existed before it)."""
    while folder != stop and stop in folder.parents:
        try:
            os.rmdir(folder)
        except FileNotFoundError:  # never made (a run that stopped early): on to its parent
            pass
        except OSError:  # not empty, a link, a file, or Drive gone: it and those above stay
            return
        folder = folder.parent


def delete_inside(folder: Path, path: Path, *, kind: str) -> bool:
    """Delete ``path`` (a file, a link, or a folder) inside a folder nbgen owns for ``kind``:
    what lies in nbgen's own folder is nbgen's. Returns False when nothing was there."""
    real = os.path.realpath(path.parent)
    inside = real == os.path.realpath(folder) or real.startswith(
        os.path.realpath(folder).rstrip(os.sep) + os.sep
    )
    if not inside or not owns(folder, stamp_proof(kind)):
        raise _own_refuse(path, "file_in_way", "", "en")
    return delete_owned(path, proof=None, force=True)
