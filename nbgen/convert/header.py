"""jupytext's YAML header on a percent file: ``# ---``, optional front matter (a first raw
cell ``---``...``---``, as in R Markdown), the ``jupyter:`` section with the notebook metadata,
``# ---``. nbgen writes one JSON value per key (JSON is YAML), so it reads its own headers with
``json`` alone; a header in block YAML (hand-written, or jupytext's) is read with PyYAML.

A header below other text, or one that is not valid YAML, is refused, naming the line.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from nbgen.convert.percent import (
    KEY_RE,
    MARKER_RE,
    VOLATILE_CELL_METADATA,
    WRAP_KEY,
    Cell,
    json_text,
)
from nbgen.errors import NotebookError

_DASHES_RE = re.compile(r"---\s*$")
_JUPYTER_KEY_RE = re.compile(r"jupyter\s*:\s*$")
_ENCODING_RE = re.compile(r"[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)")


class Header(NamedTuple):
    metadata: dict[str, Any]
    own: dict[str, Any]  # nbgen's own key (``nbgen: {"format": "module"}``)
    end: int  # index of the first line after the header (and its blank separator line)
    front_matter: str | None  # the raw first cell that the header carried, if any
    yaml: bool = False  # the jupyter: section is block YAML (jupytext's), not nbgen's JSON lines


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
    """The header: front matter, then the ``jupyter:`` section, one JSON value per key.

    There is always a ``jupyter:`` section (``nbgen: {"format": "percent"}`` when the notebook
    has no metadata): it is the proof that a converter wrote the file
    (:mod:`nbgen.convert.provenance`), which a bare ``# %%`` first line is not.
    """
    items = dict(metadata)
    preamble = _preamble_lines(items)
    if any(k.startswith("nbgen") for k in items):
        items = {WRAP_KEY: items}  # a user key that looks like nbgen's own stays the user's
    if extra or not items:
        items["nbgen"] = extra or {"format": "percent"}
    lines = [f"# {line}" if line else "#" for line in (front_matter or "").split("\n")[1:-1]]
    lines.append("# jupyter:")
    lines += [f"#   {_yaml_key(k)}: {json_text(v)}" for k, v in sorted(items.items())]
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
    return key if KEY_RE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


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
    yaml = False
    if section:
        parsed = _parse_json_header(section)
        if parsed is None:
            parsed, yaml = _parse_yaml_header(section, path, start + 2 + (jupyter_at or 0)), True
        metadata = parsed
    own = metadata.pop("nbgen", None)
    wrapped = metadata.pop(WRAP_KEY, None)
    if isinstance(wrapped, dict):
        metadata.update(wrapped)
    after = end + 1
    if after < len(lines) and lines[after] == "":
        after += 1
    front_matter = "\n".join(["---", *front, "---"]) if front else None
    own_dict = own if isinstance(own, dict) else {}
    return Header(_with_info(metadata, info), own_dict, after, front_matter, yaml)


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
