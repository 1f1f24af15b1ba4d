"""Notebook ⇄ text, by format: ``percent`` (any ``#``-comment language) and ``module`` (Python).

``to_text`` and ``from_text`` are exact inverses on cell type, source and the cell metadata
worth keeping (everything but :data:`~nbgen.convert.percent.VOLATILE_CELL_METADATA`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from nbgen.convert import percent
from nbgen.convert.ipynb import Notebook, language_of
from nbgen.convert.languages import EXTENSIONS
from nbgen.errors import NotebookError
from nbgen.fsutil import TextStyle, decode_text, read_bytes

Mode = Literal["percent", "module"]
MODES: tuple[Mode, ...] = ("percent", "module")


def text_suffix(nb: Notebook, path: Path, mode: Mode) -> str:
    """The text file's extension, or a NotebookError saying why this notebook has none."""
    lang = language_of(nb)
    if lang not in EXTENSIONS:
        raise NotebookError(
            f"{path}: a {lang!r} notebook; nbgen converts Python, R, Julia and bash notebooks "
            "(use jupytext for other languages)"
        )
    if mode == "module" and lang != "python":
        raise NotebookError(f"{path}: module mode is for Python notebooks; use --mode percent")
    return EXTENSIONS[lang]


def read_text_file(path: Path) -> tuple[str, TextStyle]:
    """A text file's content with ``\\n`` line ends (BOM and CRLF style set aside), or a
    clear error."""
    text, style = decode_text(read_bytes(path), path)
    if not text.strip():
        raise NotebookError(f"{path}: the file is empty; nothing to convert")
    return text, style


def to_text(nb: Notebook, mode: Mode = "percent") -> str:
    """The notebook as text (cells only: outputs stay in the .ipynb)."""
    return render_text(nb, mode)[0]


def render_text(nb: Notebook, mode: Mode = "percent") -> tuple[str, list[str]]:
    """The notebook as text, and (module mode) what the module runs on import that a user
    should know, as ``cell N, line L: ...`` (N counts all cells from 1)."""
    notes: list[str] = []
    cells = nb["cells"]
    python = language_of(nb) == "python"
    front = percent.front_matter_of(cells)
    if front is not None:
        cells = cells[1:]
    # module files say so; an empty notebook says its format so the file is not empty
    extra = {"format": mode} if mode == "module" or not cells else None
    lines = percent.header_lines(nb.get("metadata", {}), extra, front)
    if mode == "module":
        from nbgen.convert import module

        encoded = module.encode_module_cells(cells)
        own = lambda i: {"nbgen": module.INERT} if i in encoded.inert else {}  # noqa: E731
        lines += percent.write_cells(cells, python, encode_code=encoded.lines.__getitem__, own=own)
        shift = 1 if front is not None else 0  # the front-matter cell is cell 1
        notes = [f"cell {n.cell + 1 + shift}, line {n.line}: {n.message}" for n in encoded.notes]
    else:
        lines += percent.write_cells(cells, python)
    return "\n".join(lines) + "\n", notes


def from_text(text: str, path: Path) -> Notebook:
    """Parse a percent or module text (``\\n`` line ends) into a new notebook (nbformat 4.5)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    header = percent.parse_header(lines, path)
    metadata, nbgen_meta = header.metadata, header.own
    is_module = nbgen_meta.get("format") == "module"
    body_lines = lines[header.end :]
    if not nbgen_meta and not any(percent.MARKER_RE.match(line) for line in body_lines):
        raise NotebookError(
            f"{path}: no '# %%' cell markers; nbgen reads the percent format "
            "(start each cell with '# %%', markdown with '# %% [markdown]')"
        )
    python = path.suffix == ".py"
    cells = []
    if header.front_matter is not None:
        cells.append(_new_cell("raw", header.front_matter, {}, 0))
    for chunk in percent.split_cells(body_lines):
        kind, meta, own = chunk.kind, chunk.metadata, chunk.own
        if kind == "code" and is_module:
            from nbgen.convert.module import INERT, decode_module_cell

            source = decode_module_cell(chunk.lines, inert=own.get("nbgen") == INERT)
        elif kind == "code":
            source = percent.decode_code_lines(chunk.lines, python)
            if "nbgen" in own:  # written by an older nbgen, where this was the user's key
                meta["nbgen"] = own["nbgen"]
        else:
            source = "\n".join(percent.uncomment_text_line(line) for line in chunk.lines)
        cell = _new_cell(kind, source, meta, len(cells))
        if "nbgen_attachments" in own and kind != "code":
            cell["attachments"] = own["nbgen_attachments"]
        cells.append(cell)
    if "kernelspec" not in metadata and python:
        metadata["kernelspec"] = dict(DEFAULT_KERNELSPEC)
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


DEFAULT_KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def cell_id(index: int, source: str) -> str:
    """A stable id from position and text: converting the same file twice gives the same
    bytes."""
    import hashlib

    return hashlib.sha1(f"{index}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _new_cell(kind: str, source: str, metadata: dict[str, Any], index: int) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": cell_id(index, source),
        "metadata": metadata,
        "source": source,
    }
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell
