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

import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from nbgen.convert.config import PairConfig
from nbgen.convert.pairs import Pair as Pair  # the name callers import from here
from nbgen.convert.walk import relative_key
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

if TYPE_CHECKING:
    from nbgen.convert.formats import Mode
    from nbgen.convert.ipynb import Notebook
    from nbgen.convert.statcache import StatCache
    from nbgen.runtime.ownership.proofs import Proof

STATE_FILE = ".nbgen-sync"
Prefer = Literal["ipynb", "py"]
Status = Literal["in step", "updated", "conflict", "out of step", "notebook gone", "failed"]


class Outcome(NamedTuple):
    pair: Pair
    status: Status
    written: tuple[Path, ...] = ()
    message: str = ""


def digest(text: str) -> str:
    import hashlib  # only a pair that is read needs it (not sync's fast path)

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
        return relative_key(notebook, self.root)

    def get(self, notebook: Path) -> str | None:
        return self.entries.get(self.key(notebook))

    def set(self, notebook: Path, value: str) -> None:
        self.entries[self.key(notebook)] = value

    def prune(
        self, config: PairConfig, belongs: Callable[[Path], bool] = bool,
        alive: Collection[str] = (), looked_at: Callable[[Path], bool] = bool,
    ) -> None:  # fmt: skip
        """Forget entries that name nothing any more: paths outside the project, notebooks
        no longer paired (or, ``belongs`` says, paired by a nested config now), and pairs whose
        two files are both gone. ``alive``: keys of pairs this run found, known to be there;
        an entry this run did not look at (``looked_at``) is kept as it is."""
        for key in list(self.entries):
            rel = Path(key)
            if rel.is_absolute() or ".." in rel.parts or "\n" in key:
                del self.entries[key]
                continue
            notebook = self.root / rel
            if key in alive or not looked_at(notebook):
                continue
            if not (config.pairs_notebook(notebook) and belongs(notebook)) or not (
                notebook.exists() or config.text_for(notebook).exists()
            ):
                del self.entries[key]

    def save(self) -> bool:
        """Write the record if it changed; True if written."""
        if self.entries == self.original:
            return False
        lines = [f"{value}  {key}" for key, value in sorted(self.entries.items())]
        remedy = "it is not nbgen's record of the last sync: move it away, then run nbgen sync"
        text = "\n".join(lines) + "\n"
        atomic_write_text(self.path, text, self.style, proof=is_sync_record, remedy=remedy)
        self.original = dict(self.entries)
        return True


def is_sync_record(data: bytes) -> bool:
    """The ownership proof for ``.nbgen-sync``: every line is ``HASH  path``."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return False
    lines = [line for line in text.split("\n") if line]
    return all(_RECORD_LINE.fullmatch(line) for line in lines)


_RECORD_LINE = re.compile(r"[0-9a-f]{32}  \S.*")


# ---- one pair ------------------------------------------------------------------------------------
class _Side(NamedTuple):
    """One file of a pair as read from disk."""

    data: bytes
    style: TextStyle


def sync_pair(
    pair: Pair, config: PairConfig, state: SyncState, prefer: Prefer | None = None, *,
    check: bool = False, cache: StatCache | None = None,
) -> Outcome:  # fmt: skip
    """Bring one pair in step (or, with ``check``, only say whether it is). With ``cache``, a
    pair whose two files are as they were when it was last found in step is not read."""
    try:
        for path in pair:
            config.check_inside(path)
        key = state.key(pair.notebook)
        record = state.entries.get(key)
        if cache is not None and cache.in_step(key, *pair, record, config.mode):
            return Outcome(pair, "in step")
        outcome = _sync(pair, config.mode, state, prefer, check=check)
    except NbgenError as exc:
        return Outcome(pair, "failed", message=str(exc))
    record = state.entries.get(key)
    if cache is not None and not check and outcome.status in ("in step", "updated") and record:
        cache.remember(key, *pair, record, config.mode)
    return outcome


def _read(path: Path) -> _Side:
    data = read_bytes(path)
    return _Side(data, style_of(data))


def _sync(
    pair: Pair, mode: Mode, state: SyncState, prefer: Prefer | None, *, check: bool
) -> Outcome:
    # the converter loads only for a pair that must be read (not on sync's fast path)
    from nbgen.convert import formats
    from nbgen.convert.ipynb import parse_notebook

    nb_exists, text_exists = pair.notebook.exists(), pair.text.exists()
    if not text_exists:
        nb, _ = parse_notebook(read_bytes(pair.notebook), pair.notebook)
        text = formats.to_text(nb, mode)
        if check:
            return Outcome(pair, "out of step", message=f"{pair.text} is missing")
        return _write_text(pair, text, LF, state, proof=None)
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
        # the .py is replaced only while it holds what the record says nbgen last wrote,
        # or because --prefer ipynb names it
        proof = _text_matches(record) if prefer != "ipynb" else None
        return _write_text(pair, expected, text_style, state, proof=proof, force=proof is None)
    if text_changed:
        return _write_notebook(pair, (nb, notebook), (text, text_style), mode, state, prefer)
    why = "no record of an earlier sync" if record is None else "both changed since the last sync"
    return Outcome(
        pair, "conflict",
        message=f"{pair.notebook} and {pair.text}: {why}; nothing written. Keep one side with "
        "--prefer ipynb or --prefer py (the other side is overwritten).",
    )  # fmt: skip


def _text_matches(record: str | None) -> Proof:
    """The proof for replacing a pair's text: it still converts to the recorded hash."""

    def proof(data: bytes) -> bool:
        try:
            return record is not None and digest(decode_text(data, Path())[0]) == record
        except NbgenError:
            return False

    return proof


def _notebook_matches(record: str | None, mode: Mode) -> Proof:
    """The proof for replacing a pair's notebook: it still converts to the recorded hash."""

    def proof(data: bytes) -> bool:
        from nbgen.convert import formats
        from nbgen.convert.ipynb import parse_notebook

        try:
            nb = parse_notebook(data, Path())[0]
            return record is not None and digest(formats.to_text(nb, mode)) == record
        except NbgenError:
            return False

    return proof


def _write_text(
    pair: Pair, text: str, style: TextStyle, state: SyncState, *, proof: Proof | None,
    force: bool = False,
) -> Outcome:  # fmt: skip
    atomic_write_text(pair.text, text, style, proof=proof, force=force)
    state.set(pair.notebook, digest(text))
    return Outcome(pair, "updated", (pair.text,))


def _write_notebook(
    pair: Pair,
    old: tuple[Notebook, _Side] | None,
    text: tuple[str, TextStyle],
    mode: Mode,
    state: SyncState,
    prefer: Prefer | None = None,
) -> Outcome:
    """The notebook from the text; ``old`` is the notebook there now, parsed and as read.
    It is replaced only while it converts to the recorded hash, or because ``--prefer py``
    names it; the text is rewritten (its canonical layout) only while it holds what was read."""
    from nbgen.convert import formats
    from nbgen.convert.clean import renderable
    from nbgen.convert.ipynb import check_schema, dumps_notebook, parse_notebook
    from nbgen.convert.merge import merge_into

    nb, filtered = formats.parse_text(text[0], pair.text)
    if old is not None:
        nb = merge_into(old[0], nb, filtered=filtered)
    nb = renderable(nb)  # widget state GitHub can render
    check_schema(nb, pair.text)
    style = old[1].style if old is not None else LF
    data = encode_text(dumps_notebook(nb), style, pair.notebook)
    written = []
    if old is None or old[1].data != data:
        proof = _notebook_matches(state.get(pair.notebook), mode)
        atomic_write_bytes(pair.notebook, data, proof=proof, force=prefer == "py")
        written.append(pair.notebook)
    # The text as the notebook now on disk converts to: one run reaches the fixed point even
    # when the .py was laid out by hand or its metadata keys were in another order.
    canonical = formats.to_text(parse_notebook(data, pair.notebook)[0], mode)
    if canonical != text[0]:
        # the same cells, laid out as nbgen writes them; only while the file holds what was read
        same = encode_text(text[0], text[1], pair.text)
        atomic_write_text(pair.text, canonical, text[1], proof=same.__eq__)
        written.append(pair.text)
    state.set(pair.notebook, digest(canonical))
    return Outcome(pair, "updated", tuple(written))
