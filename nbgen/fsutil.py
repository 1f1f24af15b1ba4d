"""Files as a user's files: line-ending and BOM styles kept, errors explained, and writes that
go through the one ownership rule (:mod:`nbgen.runtime.ownership`).

A reader sees the old file or the new one, never half of either. A file saved with a UTF-8 BOM
or with Windows line endings (a ``core.autocrlf=true`` clone) is read as plain ``\\n`` text and
written back in its own style, so a line-ending change is never mistaken for an edit.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from nbgen.errors import NbgenError

if TYPE_CHECKING:
    from nbgen.runtime.ownership.proofs import Proof

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


def atomic_write_text(
    path: Path, text: str, style: TextStyle = LF, *, proof: Proof | None, force: bool = False,
    remedy: str = "",
) -> bool:  # fmt: skip
    """Write ``text`` (``\\n`` line ends) to ``path`` in ``style``, atomically, under the
    ownership rule (:func:`atomic_write_bytes`)."""
    return atomic_write_bytes(
        path, encode_text(text, style, path), proof=proof, force=force, remedy=remedy
    )


def atomic_write_bytes(
    path: Path, data: bytes, *, proof: Proof | None, force: bool = False, remedy: str = ""
) -> bool:
    """Create ``path``, or replace it if it carries nbgen's ``proof`` or ``force`` says so;
    atomically, keeping the old file's permission bits (see :mod:`nbgen.runtime.ownership`,
    the one module that decides). Returns False when the file already held ``data``."""
    from nbgen.runtime.ownership.files import write_file
    from nbgen.runtime.ownership.text import OwnershipError

    try:
        return write_file(path, data, proof=proof, force=force, remedy=remedy)
    except OwnershipError as exc:
        raise NbgenError(str(exc)) from None


def check_replace(
    path: Path, *, proof: Proof | None, force: bool = False, remedy: str = ""
) -> None:
    """Raise NbgenError now unless a later write to ``path`` would be allowed (nothing there,
    nbgen's own file, or ``force``): a long job checks before it starts."""
    from nbgen.runtime.ownership.proofs import check_replace
    from nbgen.runtime.ownership.text import OwnershipError

    try:
        check_replace(path, proof, force=force, remedy=remedy)
    except OwnershipError as exc:
        raise NbgenError(str(exc)) from None


@contextlib.contextmanager
def atomic_output(
    path: Path, *, proof: Proof | None, force: bool = False, remedy: str = ""
) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` when the block ends
    without an error (under the ownership rule), and is removed otherwise."""
    from nbgen.runtime.ownership.files import owned_output
    from nbgen.runtime.ownership.text import OwnershipError

    try:
        with owned_output(path, proof=proof, force=force, remedy=remedy) as tmp:
            yield tmp
    except OwnershipError as exc:
        raise NbgenError(str(exc)) from None


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


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """One line for the user: the path, what went wrong and what to do."""
    from nbgen.runtime.ownership.text import os_error_text

    return os_error_text(exc, path)
