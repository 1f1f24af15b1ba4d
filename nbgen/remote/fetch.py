"""One version's outputs, fetched into a folder nbgen makes and stamps: only the files that
``--outputs`` names (gitignore-style patterns), never a name that is absolute, climbs out with
``..`` or goes through a link, all downloaded into a scratch folder before any is moved in. A
re-fetch replaces only files nbgen fetched there (the stamp lists them); a file or folder of
the user's in the way is refused before anything is downloaded."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from nbgen.errors import NbgenError
from nbgen.runtime.kaggle.kernels import KernelFile, KernelOutputs, KernelRef

OUTPUT_KIND = "kaggle-output"  # the stamp of a folder of fetched outputs
_REMEDY = "choose another -o, or add --force to replace it"


class FetchResult(NamedTuple):
    folder: Path
    fetched: list[str]  # the names written, as Kaggle lists them
    listed: int  # how many files the version has
    log: str  # the log's file name in ``folder``, "" when there was none


def default_folder(ref: KernelRef) -> Path:
    """``kaggle-output/<slug>/v<version>`` (``latest`` when no version is known)."""
    return Path("kaggle-output") / ref.slug / (f"v{ref.version}" if ref.version else "latest")


def check_folder(folder: Path, *, force: bool) -> None:
    """Refuse now (before a push or a download) a folder nbgen may not fill: a file, a link,
    or a folder of the user's (unless ``force``)."""
    from nbgen.runtime.ownership.folders import folder_stamp

    if folder.is_symlink():
        raise NbgenError(f"-o {folder}: is a symbolic link; give a folder (nbgen does not write "
                         "through links)")  # fmt: skip
    if folder.exists() and not folder.is_dir():
        raise NbgenError(f"-o {folder}: is a file, not a folder; give a folder for the outputs")
    if folder.is_dir() and folder_stamp(folder).get("nbgen") != OUTPUT_KIND and not force:
        raise NbgenError(f"-o {folder}: a folder of yours (nbgen did not make it); {_REMEDY}")


def select(files: list[KernelFile], patterns: list[str]) -> list[KernelFile]:
    """The files ``patterns`` match (as lines of a .gitignore; all files when there are none)."""
    if not patterns:
        return list(files)
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return [f for f in files if spec.match_file(f.name)]


def unsafe_name(name: str) -> bool:
    """True for a name that could land outside the folder: absolute, a drive, ``..``, a
    backslash (a Windows separator), an empty part or a control character."""
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or re.match(r"[A-Za-z]:", name) is not None
        or any(part in ("", ".", "..") for part in name.split("/"))
        or any(ord(c) < 32 for c in name)
    )


def fetch(
    outputs: KernelOutputs, ref: KernelRef, folder: Path, patterns: list[str], *,
    force: bool = False, report: Callable[[str], None] = print,
) -> FetchResult:  # fmt: skip
    """Put the files of ``outputs`` that ``patterns`` match into ``folder``, and the log."""
    from nbgen.runtime.ownership.folders import (
        delete_inside,
        make_folder,
        remove_scratch,
        scratch_folder,
        stamp_folder,
    )
    from nbgen.runtime.ownership.text import OwnershipError

    wanted = select(outputs.files, patterns)
    bad = [f.name for f in wanted if unsafe_name(f.name)]
    if bad:
        more = f" ({len(bad) - 1} more such names)" if len(bad) > 1 else ""
        raise NbgenError(f"{ref}: the output {bad[0]!r} would land outside {folder} (an absolute "
                         f"name, '..' or a drive); refused, nothing fetched{more}")  # fmt: skip
    check_folder(folder, force=force)
    names = [f.name for f in wanted]
    _check_names(ref, names)
    log_name = f"{ref.slug}.log" if outputs.log and f"{ref.slug}.log" not in names else ""
    stamp = stamp_of_folder(folder)
    done = _unchanged(folder, stamp)
    # the newest version's folder ("latest"): what an earlier version brought and this one
    # does not is that version's, and goes (unless edited since: then it is the user's)
    stale = sorted(done - {*names, log_name}) if ref.version is None else []
    for name in [*names, log_name] if log_name else names:
        try:
            _check_place(folder, name, mine=name in done or force)
        except OSError as exc:  # a name too long for this file system, a part unreadable
            from nbgen.fsutil import describe_os_error

            raise NbgenError(f"{describe_os_error(exc, folder / name)}; nothing fetched") from None
    try:
        scratch = scratch_folder(folder.parent, folder.name)
        try:
            parts = [
                _download(item, scratch / f"{n}.part", report) for n, item in enumerate(wanted)
            ]
            make_folder(folder, OUTPUT_KIND, force=force, remedy=_REMEDY, kernel=ref.id,
                        version=ref.version, files=[])  # fmt: skip
            for part, name in zip(parts, names, strict=True):
                _move_in(part, folder / name, mine=name in done or force)
            if log_name:
                _write_log(folder / log_name, outputs.log, mine=log_name in done or force)
            for name in stale:
                delete_inside(folder, folder / name, kind=OUTPUT_KIND)
        finally:
            remove_scratch(scratch)
        fetched = set(names) | ({log_name} if log_name else set())
        everything = sorted((done - set(stale)) | fetched)
        hashes = {**stamp.get("sha256", {}), **{n: _sha256(folder / n) for n in fetched}}
        stamp_folder(folder, OUTPUT_KIND, kernel=ref.id, version=ref.version, files=everything,
                     sha256={n: hashes[n] for n in everything if n in hashes})  # fmt: skip
    except OwnershipError as exc:
        raise NbgenError(str(exc)) from None
    return FetchResult(folder, names, len(outputs.files), log_name)


def _check_names(ref: KernelRef, names: list[str]) -> None:
    """Names that cannot all be files in one folder, or that are nbgen's own stamp."""
    from nbgen.runtime.ownership.proofs import OWNED_STAMP

    if OWNED_STAMP in names:
        raise NbgenError(f"{ref}: an output is named {OWNED_STAMP}, nbgen's own stamp; leave it "
                         f"out with --outputs '!/{OWNED_STAMP}'; nothing fetched")  # fmt: skip
    folders = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    clash = sorted(folders & set(names))
    if clash:
        raise NbgenError(f"{ref}: the output {clash[0]!r} is a file and a folder of other outputs; "
                         "nothing fetched: pick one with --outputs")  # fmt: skip


def _check_place(folder: Path, name: str, *, mine: bool) -> None:
    """``folder/name`` may be written: no link (or file) on the way, nothing of the user's."""
    from nbgen.fsutil import is_inside

    longest = _name_max(folder)
    if any(len(os.fsencode(part)) > longest for part in name.split("/")):
        raise OSError(errno.ENAMETOOLONG, "File name too long")
    path = folder
    for part in PurePosixPath(name).parts[:-1]:
        path = path / part
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            what = "a symbolic link" if path.is_symlink() else "a file"
            raise NbgenError(f"{path}: {what} where the output {name!r} needs a folder; "
                             "nbgen does not write through it: move it away")  # fmt: skip
    dest = folder / name
    if folder.exists() and not is_inside(folder, dest.parent):
        raise NbgenError(f"{dest}: lies outside {folder}; refused")
    if dest.is_symlink() or dest.is_dir():
        raise NbgenError(f"{dest}: a {'link' if dest.is_symlink() else 'folder'} of yours is "
                         f"where the output {name!r} goes; move it away")  # fmt: skip
    if dest.exists() and not mine:
        raise NbgenError(
            f"{dest}: a file of yours (nbgen did not fetch it, or you edited it since); {_REMEDY}"
        )


def _name_max(folder: Path) -> int:
    """The longest file name the disk under ``folder`` takes (255 bytes where it cannot say)."""
    place = folder
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        return os.pathconf(place, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _move_in(part: Path, dest: Path, *, mine: bool) -> None:
    from nbgen.runtime.ownership.folders import move_into_place

    dest.parent.mkdir(parents=True, exist_ok=True)
    move_into_place(part, dest, proof=None, force=mine, remedy=_REMEDY)


def _download(item: KernelFile, part: Path, report: Callable[[str], None]) -> Path:
    """One signed URL into ``part`` (a new file in nbgen's scratch folder)."""
    from nbgen.runtime.ownership.files import new_file

    report(f"fetching {item.name} ...")
    try:
        with _open(item.url) as response, new_file(part) as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise NbgenError(f"{item.name}: Kaggle answered HTTP {exc.code} for the file (its signed "
                         "address may have expired); fetch again: nothing was moved in") from None  # fmt: skip
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NbgenError(f"{item.name}: the download failed ({reason}); check the connection "
                         "and fetch again: nothing was moved in") from None  # fmt: skip
    return part


def read_small(item: KernelFile, limit: int = 64 * 2**20) -> bytes:
    """A small output (the executed notebook) read into memory; b"" when it cannot be."""
    try:
        with _open(item.url) as response:
            data: bytes = response.read(limit + 1)
    except (urllib.error.URLError, OSError):
        return b""
    return data if len(data) <= limit else b""


def _open(url: str) -> Any:
    """GET ``url`` through the proxies the environment names now (urlopen's shared opener
    keeps the ones it saw first)."""
    if not url.startswith(("https://", "http://")):  # never file:// or ftp:// from a listing
        raise urllib.error.URLError(f"not a web address: {url[:60]!r}")
    return urllib.request.build_opener().open(url, timeout=120)


def _write_log(path: Path, log: str, *, mine: bool) -> None:
    from nbgen.fsutil import atomic_write_text

    atomic_write_text(path, log, proof=None, force=mine)


def _unchanged(folder: Path, stamp: dict[str, Any]) -> set[str]:
    """The files the stamp lists that are still as nbgen fetched them (their sha256): a fetched
    file the user edited since is theirs, and is neither replaced nor deleted."""
    from nbgen.runtime.ownership.proofs import exists_or_link

    listed = {n for n in stamp.get("files", []) if isinstance(n, str)}
    hashes = stamp.get("sha256")
    if not isinstance(hashes, dict):
        return listed
    kept = set()
    for name in listed:
        path = folder / name
        if not exists_or_link(path):
            kept.add(name)  # gone: nothing of the user's to lose
        elif hashes.get(name) and path.is_file() and _sha256(path) == hashes[name]:
            kept.add(name)
    return kept


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def stamp_of_folder(folder: Path) -> dict[str, Any]:
    """The fetched-outputs stamp of ``folder`` (``{}`` when nbgen did not make it)."""
    from nbgen.runtime.ownership.folders import folder_stamp

    with contextlib.suppress(OSError):
        stamp = folder_stamp(folder)
        if stamp.get("nbgen") == OUTPUT_KIND:
            return stamp
    return {}


def relative(path: Path) -> str:
    """``path`` as the user gave it, or relative to the current folder when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.absolute().relative_to(Path.cwd()))
    return os.fspath(path)
