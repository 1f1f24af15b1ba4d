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

Notebook metadata goes into jupytext's YAML header, one JSON value per key (JSON is YAML), so
the file stays readable by jupytext and is parsed here with ``json`` alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from nbgen.errors import NotebookError
from nbgen.runtime.magics import comment_magic_line, uncomment_magic_line

Cell = dict[str, Any]

MARKER_RE = re.compile(r"[ \t]*#[ \t]*%%(?:[ \t](.*))?\r?$")
_MD_ESCAPE_RE = re.compile(r"[ \t]*(?:#[ \t]*)*%%(?:\s|$)")
_KEY_RE = re.compile(r"[A-Za-z_][\w.\-]*")
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
_WRAP_KEY = "nbgen_metadata"


def marker_line(cell_type: str, metadata: dict[str, Any], own: dict[str, Any] | None = None) -> str:
    """``# %%``, ``# %% [markdown]``, then ``key=<json>`` pairs as jupytext writes them.

    Keys are sorted (as nbformat writes them), so a notebook saved with another key order
    gives the same text.
    """
    parts = ["# %%"]
    if cell_type != "code":
        parts.append(f"[{cell_type}]")
    shown = {k: v for k, v in metadata.items() if k not in VOLATILE_CELL_METADATA}
    if any(not _KEY_RE.fullmatch(k) or k.startswith("nbgen") for k in shown):
        parts.append(f"{_WRAP_KEY}={_json(shown)}")
    else:
        parts += [f"{k}={_json(v)}" for k, v in sorted(shown.items())]
    parts += [f"{k}={_json(v)}" for k, v in (own or {}).items()]
    return " ".join(parts)


def _json(value: Any) -> str:
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
    wrapped = metadata.get(_WRAP_KEY)
    if isinstance(wrapped, dict):
        del metadata[_WRAP_KEY]
        metadata.update(wrapped)
    return cell_type, metadata, own


def _parse_pairs(text: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    pos = 0
    while pos < len(text):
        key = _KEY_RE.match(text, pos)
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


# ---- header ----------------------------------------------------------------------------------
# jupytext's YAML header: ``# ---``, optional front matter (a first raw cell ``---``...``---``,
# as in R Markdown), the ``jupyter:`` section with the notebook metadata, ``# ---``. nbgen writes
# one JSON value per key (JSON is YAML), so it reads its own headers with ``json`` alone.
_DASHES_RE = re.compile(r"---\s*$")
_JUPYTER_KEY_RE = re.compile(r"jupyter\s*:\s*$")
_ENCODING_RE = re.compile(r"[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)")


class Header(NamedTuple):
    metadata: dict[str, Any]
    own: dict[str, Any]  # nbgen's own key (``nbgen: {"format": "module"}``)
    end: int  # index of the first line after the header (and its blank separator line)
    front_matter: str | None  # the raw first cell that the header carried, if any


def front_matter_of(cells: list[Cell]) -> str | None:
    """The first cell's source if it can live in the header as front matter, exactly."""
    if not cells:
        return None
    cell = cells[0]
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in VOLATILE_CELL_METADATA}
    if cell["cell_type"] != "raw" or meta or "attachments" in cell:
        return None
    lines = cell["source"].split("\n")
    if len(lines) < 2 or lines[0] != "---" or lines[-1] != "---":
        return None
    inner = lines[1:-1]
    if any(_DASHES_RE.match(line) or _JUPYTER_KEY_RE.match(line) or "\r" in line for line in inner):
        return None
    if inner and (not inner[0].strip() or inner[0][0] in " \t"):
        return None  # would not read back as front matter
    source: str = cell["source"]
    return source


def header_lines(
    metadata: dict[str, Any], extra: dict[str, Any] | None = None, front_matter: str | None = None
) -> list[str]:
    """The header: front matter, then the ``jupyter:`` section, one JSON value per key."""
    items = dict(metadata)
    preamble = _preamble_lines(items)
    if any(k.startswith("nbgen") for k in items):
        items = {_WRAP_KEY: items}  # a user key that looks like nbgen's own stays the user's
    if extra:
        items["nbgen"] = extra
    lines = [f"# {line}" if line else "#" for line in (front_matter or "").split("\n")[1:-1]]
    if items:
        lines.append("# jupyter:")
        lines += [f"#   {_yaml_key(k)}: {_json(v)}" for k, v in sorted(items.items())]
    if not lines:
        return preamble
    return [*preamble, "# ---", *lines, "# ---", ""]


def _preamble_lines(items: dict[str, Any]) -> list[str]:
    # jupytext keeps a shebang and an encoding line as metadata; they go back above the header
    info = items.get("jupytext")
    if not isinstance(info, dict):
        return []
    lines = []
    executable, encoding = info.get("executable"), info.get("encoding")
    if isinstance(executable, str) and "\n" not in executable:
        lines.append("#!" + executable)
    if isinstance(encoding, str) and "\n" not in encoding and _ENCODING_RE.match(encoding):
        lines.append(encoding)
    if lines:
        rest = {k: v for k, v in info.items() if k not in ("executable", "encoding")}
        if rest:
            items["jupytext"] = rest
        else:
            del items["jupytext"]
    return lines


def _yaml_key(key: str) -> str:
    return key if _KEY_RE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def parse_header(lines: list[str], path: object = "<text>") -> Header:
    """The header at the top of ``lines`` (NotebookError, naming the line, if it is broken)."""
    start, info = _parse_preamble(lines)
    if start >= len(lines) or not _is_dashes(lines[start]):
        _refuse_buried_header(lines, path)
        return Header(_with_info({}, info), {}, start, None)
    end = next((i for i in range(start + 1, len(lines)) if _is_dashes(lines[i])), None)
    if end is None:
        if start + 1 < len(lines) and _JUPYTER_KEY_RE.match(_uncomment(lines[start + 1])):
            raise NotebookError(
                f"{path}, line {start + 1}: the '# ---' header that starts here never ends; "
                "add a '# ---' line after its last line, or delete it"
            )
        return Header({}, {}, 0, None)  # a lone '# ---' is an ordinary comment, as in jupytext
    body = [_uncomment(line) for line in lines[start + 1 : end]]
    jupyter_at = next((i for i, line in enumerate(body) if _JUPYTER_KEY_RE.match(line)), None)
    if jupyter_at is None:
        front, section = body, []
    else:
        stop = next(
            (i for i in range(jupyter_at + 1, len(body)) if body[i] and body[i][0] not in " \t"),
            len(body),
        )
        front, section = body[:jupyter_at] + body[stop:], body[jupyter_at:stop]
    metadata: dict[str, Any] = {}
    if section:
        parsed = _parse_json_header(section)
        if parsed is None:
            parsed = _parse_yaml_header(section, path, start + 2 + (jupyter_at or 0))
        metadata = parsed
    own = metadata.pop("nbgen", None)
    wrapped = metadata.pop(_WRAP_KEY, None)
    if isinstance(wrapped, dict):
        metadata.update(wrapped)
    after = end + 1
    if after < len(lines) and lines[after] == "":
        after += 1
    front_matter = "\n".join(["---", *front, "---"]) if front else None
    own_dict = own if isinstance(own, dict) else {}
    return Header(_with_info(metadata, info), own_dict, after, front_matter)


def _is_dashes(line: str) -> bool:
    return line.startswith("#") and bool(_DASHES_RE.match(_uncomment(line)))


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line[1:] if line.startswith("#") else line


def _parse_preamble(lines: list[str]) -> tuple[int, dict[str, str]]:
    info: dict[str, str] = {}
    index = 0
    if lines and lines[0].startswith("#!"):
        info["executable"] = lines[0][2:]
        index = 1
    if index < len(lines) and index < 2 and _ENCODING_RE.match(lines[index]):
        info["encoding"] = lines[index]
        index += 1
    if index < len(lines) and _is_dashes(lines[index]):
        return index, info
    return 0, {}  # no header follows: those lines are ordinary content


def _with_info(metadata: dict[str, Any], info: dict[str, str]) -> dict[str, Any]:
    if info:
        jupytext = metadata.get("jupytext")
        metadata["jupytext"] = {**(jupytext if isinstance(jupytext, dict) else {}), **info}
    return metadata


def _refuse_buried_header(lines: list[str], path: object) -> None:
    """A ``# ---`` / ``# jupyter:`` header below other text would be read as a cell's code and
    the notebook's metadata lost: refuse, naming the lines."""
    for i, line in enumerate(lines):
        if MARKER_RE.match(line):
            return
        if (
            i
            and _is_dashes(line)
            and i + 1 < len(lines)
            and _JUPYTER_KEY_RE.match(_uncomment(lines[i + 1]))
        ):
            raise NotebookError(
                f"{path}, line {i + 1}: the '# ---' header must be the first line, but line 1 "
                f"({lines[0][:40]!r}) is above it; move that text below the header (into a "
                "cell) or delete it"
            )


def _parse_json_header(section: list[str]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for line in section[1:]:
        match = re.match(r'  ("(?:[^"\\]|\\.)*"|[A-Za-z_][\w.\-]*): (.+)$', line)
        if not match:
            return None
        key = match.group(1)
        try:
            out[json.loads(key) if key.startswith('"') else key] = json.loads(match.group(2))
        except (json.JSONDecodeError, RecursionError):
            return None
    return out


def _parse_yaml_header(section: list[str], path: object, first_line: int) -> dict[str, Any]:
    import yaml  # a jupytext dependency; only hand-written or jupytext-written headers need it

    try:
        data = yaml.safe_load("\n".join(section))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        raise NotebookError(
            f"{path}, line {line}: the header's 'jupyter:' section is not valid YAML "
            f"({getattr(exc, 'problem', None) or exc}); fix it, or delete the header"
        ) from None
    jupyter = data.get("jupyter") if isinstance(data, dict) else None
    if jupyter is None:
        return {}
    if not isinstance(jupyter, dict):
        raise NotebookError(
            f"{path}, line {first_line}: the header's 'jupyter:' must hold keys "
            "(the notebook metadata); fix it, or delete the header"
        )
    return jupyter


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
