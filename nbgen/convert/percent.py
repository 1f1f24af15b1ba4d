"""The percent format (``# %%`` cells), read by jupytext, VS Code and PyCharm, made exact.

Why jupytext's round trip is not exact, and what nbgen does instead:

* jupytext separates cells with blank lines and guesses on the way back how many blank
  lines belonged to the cell, so trailing blank lines (and the last line's trailing white
  space) of a cell can change. nbgen writes each cell's lines verbatim followed by exactly one
  blank separator line, and removes exactly that one line when reading.
* jupytext comments magics (``%time`` → ``# %time``) and un-comments any comment that looks like
  a commented magic, including ``#!/bin/bash`` inside a markdown code fence, which it turns
  into ``!/bin/bash``. nbgen escapes with a bijection: a line that is, or looks like, a
  (commented) magic gets one more ``# `` and loses exactly one on the way back.
* In markdown and raw cells, each line gets ``# `` (an empty line ``#``); only a line that
  would then read as a cell marker is escaped once more.

This module is the cell codec (cell bodies, ``# %%`` marker lines, whole files of cells);
the notebook metadata goes into jupytext's YAML header, one JSON value per key
(:mod:`nbgen.convert.header`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from nbgen.runtime.modules.magics import comment_magic_line, uncomment_magic_line

Cell = dict[str, Any]

MARKER_RE = re.compile(r"[ \t]*#[ \t]*%%(?:[ \t](.*))?\r?$")
_MD_ESCAPE_RE = re.compile(r"[ \t]*(?:#[ \t]*)*%%(?:\s|$)")
KEY_RE = re.compile(r"[A-Za-z_][\w.\-]*")
_CELL_KINDS = {"markdown": "markdown", "md": "markdown", "raw": "raw"}
# Cell metadata that is UI state, not content: kept in the .ipynb, left out of the text.
VOLATILE_CELL_METADATA = frozenset(
    {"autoscroll", "collapsed", "scrolled", "trusted", "execution", "ExecuteTime", "outputId"}
)
_DECODER = json.JSONDecoder()


# ---- cell bodies -------------------------------------------------------------------------------
def comment_text_line(line: str) -> str:
    """A markdown/raw line as a comment; escaped once more if it would read as a marker."""
    if _MD_ESCAPE_RE.match(line):
        line = "# " + line
    return "# " + line if line else "#"


def uncomment_text_line(line: str) -> str:
    """Inverse of :func:`comment_text_line` (lenient with hand-written comments)."""
    if line == "#":
        text = ""
    elif line.startswith("# "):
        text = line[2:]
    elif line.startswith("#"):
        text = line[1:]
    else:
        return line
    if text.startswith("# ") and _MD_ESCAPE_RE.match(text[2:]):
        return text[2:]
    return text


def encode_code_lines(source: str, python: bool) -> list[str]:
    """A code cell's lines in the text file (magics commented for Python)."""
    lines = source.split("\n") if source else []
    if python:
        return [comment_magic_line(line) for line in lines]
    return [_escape_marker(line) for line in lines]


def decode_code_lines(lines: list[str], python: bool) -> str:
    """Inverse of :func:`encode_code_lines`."""
    if python:
        return "\n".join(uncomment_magic_line(line) for line in lines)
    return "\n".join(_unescape_marker(line) for line in lines)


def _escape_marker(line: str) -> str:
    # For non-Python code: only marker look-alikes ("# %%", "# # %%", ...) need a "# ".
    stripped = line.lstrip(" \t")
    if stripped.startswith("#") and _MD_ESCAPE_RE.match(stripped):
        return line[: len(line) - len(stripped)] + "# " + stripped
    return line


def _unescape_marker(line: str) -> str:
    stripped = line.lstrip(" \t")
    if stripped.startswith("# #") and _MD_ESCAPE_RE.match(stripped[2:]):
        return line[: len(line) - len(stripped)] + stripped[2:]
    return line


# ---- markers -----------------------------------------------------------------------------------
# Keys that belong to nbgen on a marker line: the module-mode flag ``nbgen="inert"`` and a
# markdown/raw cell's attachments. A user's cell metadata that uses a key starting with
# ``nbgen`` (or a key that is not a plain name) is written whole as ``nbgen_metadata={...}``,
# so nothing a user stores can be mistaken for nbgen's own keys.
OWN_KEYS = ("nbgen", "nbgen_attachments")
WRAP_KEY = "nbgen_metadata"


def marker_line(cell_type: str, metadata: dict[str, Any], own: dict[str, Any] | None = None) -> str:
    """``# %%``, ``# %% [markdown]``, then ``key=<json>`` pairs as jupytext writes them.

    Keys are sorted (as nbformat writes them), so a notebook saved with another key order
    gives the same text.
    """
    parts = ["# %%"]
    if cell_type != "code":
        parts.append(f"[{cell_type}]")
    shown = {k: v for k, v in metadata.items() if k not in VOLATILE_CELL_METADATA}
    if any(not KEY_RE.fullmatch(k) or k.startswith("nbgen") for k in shown):
        parts.append(f"{WRAP_KEY}={json_text(shown)}")
    else:
        parts += [f"{k}={json_text(v)}" for k, v in sorted(shown.items())]
    parts += [f"{k}={json_text(v)}" for k, v in (own or {}).items()]
    return " ".join(parts)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def parse_marker(rest: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The cell type, user metadata and nbgen's own keys after ``# %%``; unparsable text
    becomes the title, as in jupytext."""
    text = (rest or "").strip()
    cell_type = "code"
    match = re.match(r"\[(\w+)\]\s*", text)
    if match and match.group(1) in _CELL_KINDS:
        cell_type = _CELL_KINDS[match.group(1)]
        text = text[match.end() :]
    if not text:
        return cell_type, {}, {}
    metadata = _parse_pairs(text)
    if metadata is None:
        return cell_type, {"title": text}, {}
    own = {key: metadata.pop(key) for key in OWN_KEYS if key in metadata}
    wrapped = metadata.get(WRAP_KEY)
    if isinstance(wrapped, dict):
        del metadata[WRAP_KEY]
        metadata.update(wrapped)
    return cell_type, metadata, own


def _parse_pairs(text: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    pos = 0
    while pos < len(text):
        key = KEY_RE.match(text, pos)
        if key is None or not text.startswith("=", key.end()):
            return None
        try:
            value, pos = _DECODER.raw_decode(text, key.end() + 1)
        except (json.JSONDecodeError, RecursionError):
            bare = re.match(r"[^\s]+", text[key.end() + 1 :])  # jupytext allows key=word
            if bare is None:
                return None
            value, pos = bare.group(), key.end() + 1 + bare.end()
        out[key.group()] = value
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    return out


# ---- whole files -------------------------------------------------------------------------------
class Chunk(NamedTuple):
    """One cell as found in a text file."""

    kind: str
    metadata: dict[str, Any]
    own: dict[str, Any]  # nbgen's own marker keys (module flag, attachments)
    lines: list[str]


def write_cells(
    cells: list[Cell],
    python: bool,
    encode_code: Callable[[int], list[str]] | None = None,
    own: Callable[[int], dict[str, Any]] | None = None,
) -> list[str]:
    """The lines of all cells: marker, body, one blank separator (none after the last).

    ``encode_code(index)`` gives a code cell's lines when another format (module mode) owns
    them, and ``own(index)`` that format's marker keys.
    """
    out: list[str] = []
    for index, cell in enumerate(cells):
        kind = cell["cell_type"]
        keys = dict(own(index)) if own else {}
        if "attachments" in cell:
            keys["nbgen_attachments"] = cell["attachments"]
        out.append(marker_line(kind, cell.get("metadata", {}), keys))
        source = cell["source"]
        if kind == "code":
            out += encode_code(index) if encode_code else encode_code_lines(source, python)
        else:
            out += [comment_text_line(line) for line in source.split("\n")] if source else []
        if index < len(cells) - 1:
            out.append("")
    return out


def split_cells(lines: list[str]) -> list[Chunk]:
    """One chunk per marker; text before the first marker, if any, is a code cell of its own
    (hand-written files)."""
    chunks: list[Chunk] = []
    current: list[str] = []
    kind: str = "code"
    meta: dict[str, Any] = {}
    own: dict[str, Any] = {}
    started = False
    for line in lines:
        match = MARKER_RE.match(line)
        if match:
            if started or any(s.strip() for s in current):
                chunks.append(Chunk(kind, meta, own, _drop_separator(current)))
            kind, meta, own = parse_marker(match.group(1))
            current, started = [], True
        else:
            current.append(line)
    if started or any(s.strip() for s in current):
        chunks.append(Chunk(kind, meta, own, current))
    return chunks


def _drop_separator(lines: list[str]) -> list[str]:
    return lines[:-1] if lines and lines[-1] == "" else lines
