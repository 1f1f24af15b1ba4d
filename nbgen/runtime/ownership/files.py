"""Atomic file writes under the ownership rule: create, or replace what nbgen proves it wrote."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nbgen.runtime.ownership.proofs import Proof, check_replace
from nbgen.runtime.ownership.text import _own_os_error, _own_refuse


def write_file(
    path: Path, data: bytes, *, proof: Proof | None = None, force: bool = False,
    remedy: str = "", lang: str = "en", mode: int | None = None,
) -> bool:  # fmt: skip
    """Create ``path``, or replace it if nbgen wrote it (``proof``) or ``force``; atomic.

    A link to a file is written through (the file it points to is replaced, the link stays),
    as editors do. The old file's permission bits are kept (``mode`` sets them for a new file).
    Returns False, writing nothing, when the file already holds ``data``.
    """
    if path.is_symlink() and path.exists():
        path = Path(os.path.realpath(path))
    check_replace(path, proof, force=force, remedy=remedy, lang=lang)
    with contextlib.suppress(OSError):
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    with _own_atomic(path, mode, lang) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return True


@contextlib.contextmanager
def owned_output(
    path: Path, *, proof: Proof | None = None, force: bool = False, remedy: str = "",
    lang: str = "en", mode: int | None = None,
) -> Iterator[Path]:  # fmt: skip
    """A temporary path beside ``path`` for a writer that wants a file name (matplotlib, a
    child process); it replaces ``path`` when the block ends without an error, under the same
    rule as :func:`write_file`, and is removed otherwise."""
    if path.is_symlink() and path.exists():
        path = Path(os.path.realpath(path))
    check_replace(path, proof, force=force, remedy=remedy, lang=lang)
    with _own_atomic(path, mode, lang) as tmp:
        yield tmp


@contextlib.contextmanager
def _own_atomic(path: Path, mode: int | None, lang: str) -> Iterator[Path]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be: not "already exists"
        raise _own_os_error(OSError(errno.ENOTDIR, "not a folder"), path, lang) from None
    except OSError as exc:
        raise _own_os_error(exc, path, lang) from None
    try:
        # the real suffix last: a writer may take the format from it (matplotlib does)
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name[:64]}.", suffix=f".tmp{path.suffix[:16]}", dir=path.parent
        )
    except OSError as exc:
        raise _own_os_error(exc, path, lang) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, mode if mode is not None else 0o666 & ~_own_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _own_os_error(exc, path, lang) from None
        raise


@contextlib.contextmanager
def stream_file(
    path: Path, *, proof: Proof | None = None, force: bool = False, remedy: str = "",
    lang: str = "en", mode: int | None = None, size: int | None = None, fsync: bool = True,
) -> Iterator[IO[bytes]]:  # fmt: skip
    """An open file beside ``path`` for a writer of large data in pieces (``torch.save``, a
    copy): under the same rule as :func:`write_file`, it replaces ``path`` only when the block
    ends without an error, after the data is flushed to the device (``fsync``, also of the
    folder, so a crash after the rename keeps the new name) and, with ``size``, after the file
    on disk is checked to hold exactly that many bytes."""
    if path.is_symlink() and path.exists():
        path = Path(os.path.realpath(path))
    check_replace(path, proof, force=force, remedy=remedy, lang=lang)
    with _own_atomic(path, mode, lang) as tmp, open(tmp, "wb") as f:
        yield f
        f.flush()
        if fsync:
            os.fsync(f.fileno())
        written = os.fstat(f.fileno()).st_size
        if size is not None and written != size:
            raise OSError(errno.EIO, f"wrote {written} bytes of {size}", str(tmp))
    if fsync:
        _own_fsync_folder(path.parent)


def append_file(
    path: Path, data: bytes, *, proof: Proof | None = None, remedy: str = "", lang: str = "en",
    fsync: bool = True,
) -> None:  # fmt: skip
    """Add ``data`` at the end of ``path`` (a log nbgen keeps: ``proof``), creating it if
    missing; flushed to the device. A kill may leave a partial last line: readers skip it."""
    if path.is_symlink():
        raise _own_refuse(path, "link", remedy, lang)
    check_replace(path, proof, remedy=remedy, lang=lang)
    try:
        with open(path, "ab") as f:
            f.write(data)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
    except OSError as exc:
        raise _own_os_error(exc, path, lang) from None


def _own_fsync_folder(folder: Path) -> None:
    # a rename is durable once the folder is flushed; some file systems cannot, and say so
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def new_file(path: Path) -> IO[bytes]:
    """Open a file that must not exist yet, for writing (an archive member in nbgen's own
    scratch folder): creating never replaces anything, so it needs no proof."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "xb")


def _own_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
