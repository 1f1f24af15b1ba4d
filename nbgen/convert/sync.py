"""Keep notebook ⇄ .py pairs in step without trusting timestamps, and never lose an edit.

A pair is in step when the .py is exactly what the notebook converts to, line endings and a
BOM aside. What was last synced is recorded as a hash of that text in ``.nbgen-sync`` (one
``HASH  path`` line per notebook, committed with the project, so it survives a clone, a
checkout or a Drive sync, which all rewrite timestamps). When a pair is out of step, the side
whose text still matches the record is the one that did not change; the other side wins. If
neither matches, both changed: that is a conflict, nothing is written, and ``--prefer`` says
which side to keep. A notebook that was synced once and is now gone is reported, never
re-created from its .py behind the user's back. Every write stays inside the project and
keeps the file's own line-ending style.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, NamedTuple

from nbgen.convert import formats
from nbgen.convert.config import PairConfig
from nbgen.convert.ipynb import Notebook, check_schema, dumps_notebook, parse_notebook
from nbgen.convert.merge import merge_into
from nbgen.convert.walk import project_files
from nbgen.errors import NbgenError
from nbgen.fsutil import (
    LF,
    TextStyle,
    atomic_write_bytes,
    atomic_write_text,
    decode_text,
    encode_text,
    read_bytes,
    style_of,
)

STATE_FILE = ".nbgen-sync"
Prefer = Literal["ipynb", "py"]
Status = Literal["in step", "updated", "conflict", "out of step", "notebook gone", "failed"]


class Pair(NamedTuple):
    notebook: Path
    text: Path


class Outcome(NamedTuple):
    pair: Pair
    status: Status
    written: tuple[Path, ...] = ()
    message: str = ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---- the record of the last sync ---------------------------------------------------------------
class SyncState:
    """``.nbgen-sync`` at the config root: notebook path (relative, posix) → text hash."""

    def __init__(self, root: Path) -> None:
        self.path = root / STATE_FILE
        self.root = root
        self.entries: dict[str, str] = {}
        self.style = LF
        if self.path.is_file():
            text, self.style = decode_text(read_bytes(self.path), self.path)
            for line in text.split("\n"):
                value, sep, key = line.partition("  ")
                if sep and key:
                    self.entries[key] = value
        self.original = dict(self.entries)

    def key(self, notebook: Path) -> str:
        return notebook.absolute().relative_to(self.root.absolute()).as_posix()

    def get(self, notebook: Path) -> str | None:
        return self.entries.get(self.key(notebook))

    def set(self, notebook: Path, value: str) -> None:
        self.entries[self.key(notebook)] = value

    def prune(self, config: PairConfig) -> None:
        """Forget entries that name nothing any more: paths outside the project, notebooks
        no longer paired, and pairs whose two files are both gone."""
        for key in list(self.entries):
            rel = Path(key)
            if rel.is_absolute() or ".." in rel.parts or "\n" in key:
                del self.entries[key]
                continue
            notebook = self.root / rel
            if not config.pairs_notebook(notebook) or not (
                notebook.exists() or config.text_for(notebook).exists()
            ):
                del self.entries[key]

    def save(self) -> bool:
        """Write the record if it changed; True if written."""
        if self.entries == self.original:
            return False
        lines = [f"{value}  {key}" for key, value in sorted(self.entries.items())]
        atomic_write_text(self.path, "\n".join(lines) + "\n", self.style)
        self.original = dict(self.entries)
        return True


# ---- finding pairs -------------------------------------------------------------------------------
def find_pairs(paths: Iterable[Path], config: PairConfig, errors: list[str]) -> list[Pair]:
    """The pairs that ``paths`` (files or folders) name, each once, in a stable order.
    Folders that cannot be read are added to ``errors``."""
    seen: dict[Path, Pair] = {}
    for path in paths:
        for pair in _pairs_under(path, config, errors):
            seen.setdefault(pair.notebook.absolute(), pair)
    return sorted(seen.values())


def _pairs_under(path: Path, config: PairConfig, errors: list[str]) -> Iterator[Pair]:
    if path.is_dir():
        for file in project_files(path, errors):
            yield from _pair_of(file, config)
    else:
        yield from _pair_of(path, config)


def _pair_of(path: Path, config: PairConfig) -> Iterator[Pair]:
    if path.suffix == ".ipynb":
        if config.pairs_notebook(path):
            yield Pair(path, config.text_for(path))
    elif path.suffix == config.suffix:
        notebook = config.notebook_for(path)
        paired = config.pairs_notebook(notebook) and config.text_for(notebook) == path
        if paired and (notebook.exists() or _is_notebook_text(path)):
            yield Pair(notebook, path)


def _is_notebook_text(path: Path) -> bool:
    # a text file becomes a notebook only if it says it is one (a jupytext/nbgen header)
    try:
        with path.open("rb") as f:
            head = f.read(4096).removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    except OSError:
        return False
    return head.startswith(b"# ---\n# jupyter:") or (
        head.startswith((b"# ---\n", b"---\n")) and b"jupytext:" in head
    )


# ---- one pair ------------------------------------------------------------------------------------
class _Side(NamedTuple):
    """One file of a pair as read from disk."""

    data: bytes
    style: TextStyle


def sync_pair(
    pair: Pair, config: PairConfig, state: SyncState, prefer: Prefer | None = None, *,
    check: bool = False,
) -> Outcome:  # fmt: skip
    """Bring one pair in step (or, with ``check``, only say whether it is)."""
    try:
        for path in pair:
            config.check_inside(path)
        return _sync(pair, config.mode, state, prefer, check=check)
    except NbgenError as exc:
        return Outcome(pair, "failed", message=str(exc))


def _read(path: Path) -> _Side:
    data = read_bytes(path)
    return _Side(data, style_of(data))


def _sync(
    pair: Pair, mode: formats.Mode, state: SyncState, prefer: Prefer | None, *, check: bool
) -> Outcome:
    nb_exists, text_exists = pair.notebook.exists(), pair.text.exists()
    if not text_exists:
        nb, _ = parse_notebook(read_bytes(pair.notebook), pair.notebook)
        text = formats.to_text(nb, mode)
        if check:
            return Outcome(pair, "out of step", message=f"{pair.text} is missing")
        return _write_text(pair, text, LF, state)
    text, text_style = formats.read_text_file(pair.text)
    if not nb_exists:
        if state.get(pair.notebook) is not None:
            return Outcome(
                pair, "notebook gone",
                message=f"{pair.notebook} is gone but {pair.text} is still there: delete "
                f"{pair.text}, or restore the notebook with: nbgen convert {pair.text} --to ipynb",
            )  # fmt: skip
        if check:
            formats.from_text(text, pair.text)  # a broken file says so, even in a check
            return Outcome(pair, "out of step", message=f"{pair.notebook} is missing")
        return _write_notebook(pair, None, (text, text_style), mode, state)
    notebook = _read(pair.notebook)
    nb, _ = parse_notebook(notebook.data, pair.notebook)
    expected = formats.to_text(nb, mode)
    if text == expected:
        if not check:
            state.set(pair.notebook, digest(text))
        return Outcome(pair, "in step")
    record = state.get(pair.notebook)
    notebook_changed = record == digest(text) or prefer == "ipynb"
    text_changed = record == digest(expected) or prefer == "py"
    if check:
        return Outcome(pair, "out of step", message=f"{pair.notebook} and {pair.text} differ")
    if notebook_changed and not (text_changed and prefer == "py"):
        return _write_text(pair, expected, text_style, state)
    if text_changed:
        return _write_notebook(pair, (nb, notebook), (text, text_style), mode, state)
    why = "no record of an earlier sync" if record is None else "both changed since the last sync"
    return Outcome(
        pair, "conflict",
        message=f"{pair.notebook} and {pair.text}: {why}; nothing written. Keep one side with "
        "--prefer ipynb or --prefer py (the other side is overwritten).",
    )  # fmt: skip


def _write_text(pair: Pair, text: str, style: TextStyle, state: SyncState) -> Outcome:
    atomic_write_text(pair.text, text, style)
    state.set(pair.notebook, digest(text))
    return Outcome(pair, "updated", (pair.text,))


def _write_notebook(
    pair: Pair,
    old: tuple[Notebook, _Side] | None,
    text: tuple[str, TextStyle],
    mode: formats.Mode,
    state: SyncState,
) -> Outcome:
    """The notebook from the text; ``old`` is the notebook there now, parsed and as read."""
    nb = formats.from_text(text[0], pair.text)
    if old is not None:
        nb = merge_into(old[0], nb)
    check_schema(nb, pair.text)
    style = old[1].style if old is not None else LF
    data = encode_text(dumps_notebook(nb), style, pair.notebook)
    written = []
    if old is None or old[1].data != data:
        atomic_write_bytes(pair.notebook, data)
        written.append(pair.notebook)
    # The text as the notebook now on disk converts to: one run reaches the fixed point even
    # when the .py was laid out by hand or its metadata keys were in another order.
    canonical = formats.to_text(parse_notebook(data, pair.notebook)[0], mode)
    if canonical != text[0]:
        atomic_write_text(pair.text, canonical, text[1])
        written.append(pair.text)
    state.set(pair.notebook, digest(canonical))
    return Outcome(pair, "updated", tuple(written))
