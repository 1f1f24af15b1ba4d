"""Files as a user's files: atomic writes, line-ending and BOM styles kept, errors explained.

A reader sees the old file or the new one, never half of either. A file saved with a UTF-8 BOM
or with Windows line endings (a ``core.autocrlf=true`` clone) is read as plain ``\\n`` text and
written back in its own style, so a line-ending change is never mistaken for an edit.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from nbgen.errors import NbgenError

BOM = "\ufeff"


class TextStyle(NamedTuple):
    """How a text file was encoded on disk, beyond UTF-8."""

    bom: bool = False
    crlf: bool = False


LF = TextStyle()


def decode_text(data: bytes, path: Path) -> tuple[str, TextStyle]:
    """UTF-8 bytes → text with ``\\n`` line ends, and the style to write it back in.

    A file is CRLF-styled when every ``\\n`` in it follows a ``\\r``; then each ``\\r\\n``
    reads as ``\\n``. This is the exact inverse of :func:`encode_text`, so a ``\\r`` that
    belongs to the content (a cell with CRLF lines) survives a round trip either way.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NbgenError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8"
        ) from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    newlines = text.count("\n")
    crlf = newlines > 0 and text.count("\r\n") == newlines
    if crlf:
        text = text.replace("\r\n", "\n")
    return text, TextStyle(bom, crlf)


def encode_text(text: str, style: TextStyle = LF, path: Path | None = None) -> bytes:
    """Text with ``\\n`` line ends → bytes in ``style`` (inverse of :func:`decode_text`)."""
    if style.crlf:
        text = text.replace("\n", "\r\n")
    if style.bom:
        text = BOM + text
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (\ud800) came from a JSON escape
        where = f"{path}: " if path is not None else ""
        raise NbgenError(
            f"{where}the text holds {exc.object[exc.start : exc.end]!r} (offset {exc.start}), "
            "half of a UTF-16 surrogate pair, which UTF-8 cannot store; remove it"
        ) from None


def style_of(data: bytes) -> TextStyle:
    """The style of text bytes, without decoding them."""
    bom = data.startswith(BOM.encode("utf-8"))
    newlines = data.count(b"\n")
    return TextStyle(bom, newlines > 0 and data.count(b"\r\n") == newlines)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an NbgenError that names the file and what to do."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NbgenError(describe_os_error(exc, path)) from None


def atomic_write_text(path: Path, text: str, style: TextStyle = LF) -> None:
    """Write ``text`` (``\\n`` line ends) to ``path`` in ``style``, atomically."""
    atomic_write_bytes(path, encode_text(text, style, path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, keeping the old file's permission bits.

    A symbolic link is written through (the file it points to is replaced, the link stays),
    as editors do. OS errors become an NbgenError naming the path.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` (keeping the old file's
    permission bits) when the block ends without an error, and is removed otherwise."""
    import tempfile  # not at the top: a run with nothing to write never needs it

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the real suffix last: a writer may take the format from it (matplotlib does)
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name[:64]}.", suffix=f".tmp{path.suffix}", dir=path.parent
        )
    except OSError as exc:
        raise NbgenError(describe_os_error(exc, path)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise NbgenError(describe_os_error(exc, path)) from None
        raise


def refuse_broken_links(paths: list[Path]) -> None:
    """A path given on the command line that is a link to nowhere (or to itself) says so."""
    for path in paths:
        if path.is_symlink() and not path.exists():
            raise NbgenError(
                f"{path}: a symbolic link that leads nowhere (or to itself); fix or remove it"
            )


def is_inside(root: Path, path: Path) -> bool:
    """True if ``path``, with every symbolic link followed, lies inside ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_HINTS = {
    errno.EACCES: "permission denied: check the permissions of the file and its folder, "
    "or choose another place",
    errno.EPERM: "operation not permitted: check its owner and permissions",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file: give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the name is too long for this file system: choose a shorter one",
    errno.ELOOP: "a symbolic link that points to itself (a loop): fix or remove the link",
    errno.EROFS: "the file system is read-only: choose another place",
    errno.ENOSPC: "no space left on the device: free some space",
    errno.EEXIST: "already exists",
    errno.EXDEV: "cannot move across file systems",
}


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """One line for the user: the path, what went wrong and what to do."""
    where = path if path is not None else (exc.filename or "")
    hint = _HINTS.get(exc.errno or -1) or (exc.strerror or str(exc))
    return f"{where}: {hint}" if where else hint
