"""Keep notebook ⇄ .py pairs in step without trusting timestamps.

A pair is in step when the .py is exactly what the notebook converts to. What was last synced
is recorded as a hash of that text in ``.nbgen-sync`` (one ``HASH  path`` line per notebook,
committed with the project, so it survives a clone, a checkout or a Drive sync, which all
rewrite timestamps). When a pair is out of step, the side whose text still matches the record
is the one that did not change; the other side wins. If neither matches, both changed: that is
a conflict, nothing is written, and ``--prefer`` says which side to keep.
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
from nbgen.fsutil import atomic_write_text

STATE_FILE = ".nbgen-sync"
Prefer = Literal["ipynb", "py"]
Status = Literal["in step", "updated", "conflict", "out of step", "failed"]


class Pair(NamedTuple):
    notebook: Path
    text: Path


class Outcome(NamedTuple):
    pair: Pair
    status: Status
    written: tuple[Path, ...] = ()
    message: str = ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# ---- the record of the last sync ---------------------------------------------------------------
class SyncState:
    """``.nbgen-sync`` at the config root: notebook path (relative, posix) → text hash."""

    def __init__(self, root: Path) -> None:
        self.path = root / STATE_FILE
        self.root = root
        self.entries: dict[str, str] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                value, sep, key = line.partition("  ")
                if sep and key:
                    self.entries[key] = value
        self.original = dict(self.entries)

    def key(self, notebook: Path) -> str:
        try:
            return notebook.absolute().relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return notebook.absolute().as_posix()

    def get(self, notebook: Path) -> str | None:
        return self.entries.get(self.key(notebook))

    def set(self, notebook: Path, value: str) -> None:
        self.entries[self.key(notebook)] = value

    def save(self) -> bool:
        """Write the record if it changed; True if written."""
        if self.entries == self.original:
            return False
        lines = [f"{value}  {key}" for key, value in sorted(self.entries.items())]
        atomic_write_text(self.path, "\n".join(lines) + "\n")
        self.original = dict(self.entries)
        return True


# ---- finding pairs -------------------------------------------------------------------------------
def find_pairs(paths: Iterable[Path], config: PairConfig) -> list[Pair]:
    """The pairs that ``paths`` (files or folders) name, each once, in a stable order."""
    seen: dict[Path, Pair] = {}
    for path in paths:
        for pair in _pairs_under(path, config):
            seen.setdefault(pair.notebook.absolute(), pair)
    return sorted(seen.values())


def _pairs_under(path: Path, config: PairConfig) -> Iterator[Pair]:
    if path.is_dir():
        for file in project_files(path):
            yield from _pair_of(file, config)
    else:
        yield from _pair_of(path, config)


def _pair_of(path: Path, config: PairConfig) -> Iterator[Pair]:
    if path.suffix == ".ipynb":
        if config.pairs_notebook(path):
            yield Pair(path, config.text_for(path))
    elif path.suffix == ".py":
        notebook = config.notebook_for(path)
        paired = config.pairs_notebook(notebook) and config.text_for(notebook) == path
        if paired and (notebook.exists() or _is_notebook_text(path)):
            yield Pair(notebook, path)


def _is_notebook_text(path: Path) -> bool:
    # a .py becomes a notebook only if it says it is one (a jupytext/nbgen header)
    try:
        with path.open("rb") as f:
            return f.read(32).startswith(b"# ---\n# jupyter:")
    except OSError:
        return False


# ---- one pair ------------------------------------------------------------------------------------
def sync_pair(
    pair: Pair, mode: formats.Mode, state: SyncState, prefer: Prefer | None, check: bool
) -> Outcome:
    """Bring one pair in step (or, with ``check``, only say whether it is)."""
    try:
        return _sync(pair, mode, state, prefer, check)
    except NbgenError as exc:
        return Outcome(pair, "failed", message=str(exc))
    except OSError as exc:
        return Outcome(pair, "failed", message=f"{exc.filename}: {exc.strerror}")


def _sync(
    pair: Pair, mode: formats.Mode, state: SyncState, prefer: Prefer | None, check: bool
) -> Outcome:
    nb_exists, text_exists = pair.notebook.exists(), pair.text.exists()
    if not text_exists:
        if check:
            return Outcome(pair, "out of step", message=f"{pair.text} is missing")
        nb, _ = parse_notebook(pair.notebook.read_bytes(), pair.notebook)
        return _write_text(pair, formats.to_text(nb, mode), state)
    text = formats.read_text_file(pair.text)
    if not nb_exists:
        if check:
            return Outcome(pair, "out of step", message=f"{pair.notebook} is missing")
        return _write_notebook(pair, None, text, mode, state)
    nb_bytes = pair.notebook.read_bytes()
    nb, _ = parse_notebook(nb_bytes, pair.notebook)
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
        return _write_text(pair, expected, state)
    if text_changed:
        return _write_notebook(pair, (nb, nb_bytes), text, mode, state)
    why = "no record of an earlier sync" if record is None else "both changed since the last sync"
    return Outcome(
        pair, "conflict",
        message=f"{pair.notebook} and {pair.text}: {why}; nothing written. Keep one side with "
        "--prefer ipynb or --prefer py (the other side is overwritten).",
    )  # fmt: skip


def _write_text(pair: Pair, text: str, state: SyncState) -> Outcome:
    atomic_write_text(pair.text, text)
    state.set(pair.notebook, digest(text))
    return Outcome(pair, "updated", (pair.text,))


def _write_notebook(pair: Pair, old: tuple[Notebook, bytes] | None, text: str, mode: formats.Mode,
                    state: SyncState) -> Outcome:  # fmt: skip
    """The notebook from the text; ``old`` is the notebook there now, parsed and as bytes."""
    nb = formats.from_text(text, pair.text)
    if old is not None:
        nb = merge_into(old[0], nb)
    check_schema(nb, pair.text)
    written = []
    new_text = dumps_notebook(nb)
    if old is None or old[1] != new_text.encode("utf-8"):
        atomic_write_text(pair.notebook, new_text)
        written.append(pair.notebook)
    canonical = formats.to_text(nb, mode)
    if canonical != text:  # hand-edited layout: the .py is rewritten in the canonical form
        atomic_write_text(pair.text, canonical)
        written.append(pair.text)
    state.set(pair.notebook, digest(canonical))
    return Outcome(pair, "updated", tuple(written))
