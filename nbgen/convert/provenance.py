"""Who wrote a text file: nbgen, jupytext, or the user. The answer is the proof a converter
needs before it replaces a text file (:mod:`nbgen.runtime.ownership`), and tells nbgen's percent
reader which files are jupytext's to read.

The proof is the header, never its mere shape. A YAML front matter (``---`` ... ``---``) starts
every R Markdown file and every Jekyll page; a ``# %%`` first line starts many hand-written VS
Code scripts: neither says a converter wrote the file. What does is a key that only jupytext and
nbgen put there:

* ``jupyter:`` holding keys (jupytext's notebook-metadata section, in ``md``, ``Rmd``,
  ``py:light``, ``py:percent``... headers; Quarto's ``jupyter: python3`` is a plain value and
  does not count), or a top-level ``jupytext:`` holding keys (the ``myst`` header);
* nbgen writes its ``jupyter:`` section one JSON value per key, and always writes one (a
  notebook with no metadata gets ``nbgen: {"format": "percent"}``), so every percent file
  nbgen writes carries its proof. jupytext writes block YAML with ``text_representation``.
"""

from __future__ import annotations

import json
import re
from typing import Literal

Writer = Literal["nbgen", "jupytext"]

_OPEN_RE = re.compile(r"(?:(\S{1,3}) )?---[ \t]*$")
_SECTION_RE = re.compile(r"(jupyter|jupytext)[ \t]*:[ \t]*(\{.*)?$")
_JSON_LINE_RE = re.compile(r'  ("(?:[^"\\]|\\.)*"|[A-Za-z_][\w.\-]*): (.+)$')


def header_of(text: str) -> list[str] | None:
    """The lines inside a converter-style header (``---`` or ``# ---`` first, after an optional
    shebang and encoding line), uncommented; None when the text has no closed header."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    start = 0
    if lines and lines[0].startswith("#!"):
        start = 1
    if start < len(lines) and "coding" in lines[start] and lines[start][:1] == "#" and start < 2:
        start += 1
    if start >= len(lines):
        return None
    opening = _OPEN_RE.match(lines[start])
    if opening is None:
        return None
    prefix = opening.group(1) or ""
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line.rstrip() == lines[start].rstrip():
            return body
        if prefix and not line.startswith(prefix):
            return None  # a comment block that stopped being one: not a header
        inner = line[len(prefix) :]
        body.append(inner[1:] if prefix and inner.startswith(" ") else inner)
    return None


def writer_of(data: bytes) -> Writer | None:
    """``nbgen`` or ``jupytext`` when the file's header carries that converter's keys; None for
    a file a person wrote (or one whose header was stripped)."""
    body = header_of(data.decode("utf-8", "replace"))
    if body is None:
        return None
    for index, line in enumerate(body):
        match = _SECTION_RE.match(line)
        if match is None:
            continue
        if match.group(2) is not None:  # jupyter: {...} as one flow mapping
            return "jupytext" if _is_mapping(match.group(2)) else None
        section = _indented(body, index + 1)
        if not section:
            continue  # `jupyter: python3` (Quarto) or an empty key: not a converter's
        if match.group(1) == "jupyter" and all(_is_json_line(s) for s in section):
            return "nbgen"
        return "jupytext"
    return None


def written_by_a_converter(data: bytes) -> bool:
    """The ownership proof for a text file that a conversion may replace."""
    return writer_of(data) is not None


def _indented(body: list[str], start: int) -> list[str]:
    out = []
    for line in body[start:]:
        if line and line[0] not in " \t":
            break
        if line.strip():
            out.append(line)
    return out


def _is_json_line(line: str) -> bool:
    match = _JSON_LINE_RE.match(line)
    if match is None:
        return False
    try:
        json.loads(match.group(2))
    except (ValueError, RecursionError):
        return False
    return True


def _is_mapping(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return text.startswith("{") and text.rstrip().endswith("}")
