"""Notebook ⇄ text, by format: ``percent`` (any ``#``-comment language) and ``module`` (Python).

``to_text`` and ``from_text`` are exact inverses on cell type, source and the cell metadata
worth keeping (everything but :data:`~nbgen.convert.percent.VOLATILE_CELL_METADATA`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from nbgen.convert import percent
from nbgen.convert.ipynb import Notebook, language_of
from nbgen.convert.languages import EXTENSIONS
from nbgen.errors import NotebookError

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


def read_text_file(path: Path) -> str:
    """A text file's content as UTF-8, exactly (no newline translation), or a clear error."""
    data = path.read_bytes()
    if not data.strip():
        raise NotebookError(f"{path}: the file is empty; nothing to convert")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8"
        ) from None


def to_text(nb: Notebook, mode: Mode = "percent") -> str:
    """The notebook as text (cells only: outputs stay in the .ipynb)."""
    cells = nb["cells"]
    python = language_of(nb) == "python"
    # module files say so; an empty notebook says its format so the file is not empty
    extra = {"format": mode} if mode == "module" or not cells else None
    lines = percent.header_lines(nb.get("metadata", {}), extra)
    if mode == "module":
        from nbgen.convert import module

        encoded, inert = module.encode_module_cells(cells)
        cells = [
            {**c, "metadata": {**c.get("metadata", {}), "nbgen": module.INERT}} if i in inert else c
            for i, c in enumerate(cells)
        ]
        lines += percent.write_cells(cells, python, encode_code=encoded.__getitem__)
    else:
        lines += percent.write_cells(cells, python)
    return "\n".join(lines) + "\n"


def from_text(text: str, path: Path) -> Notebook:
    """Parse a percent or module text file into a new notebook (nbformat 4.5)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    metadata, start = percent.parse_header(lines)
    nbgen_meta = metadata.pop("nbgen", {})
    is_module = isinstance(nbgen_meta, dict) and nbgen_meta.get("format") == "module"
    body_lines = lines[start:]
    if not nbgen_meta and not any(percent.MARKER_RE.match(line) for line in body_lines):
        raise NotebookError(
            f"{path}: no '# %%' cell markers; nbgen reads the percent format "
            "(start each cell with '# %%', markdown with '# %% [markdown]')"
        )
    python = path.suffix == ".py"
    decode_code: Callable[[dict[str, Any], list[str]], str]
    if is_module:
        from nbgen.convert.module import decode_module_cell as decode_code
    else:
        decode_code = lambda meta, body: percent.decode_code_lines(body, python)  # noqa: E731
    cells = []
    for index, (kind, meta, body) in enumerate(percent.split_cells(body_lines)):
        if kind == "code":
            source = decode_code(meta, body)
        else:
            source = "\n".join(percent.uncomment_text_line(line) for line in body)
        cells.append(_new_cell(kind, source, meta, index))
    if "kernelspec" not in metadata and python:
        metadata["kernelspec"] = {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _new_cell(kind: str, source: str, metadata: dict[str, Any], index: int) -> dict[str, Any]:
    # Ids derive from position and text: converting the same file twice gives the same bytes.
    import hashlib

    cell_id = hashlib.sha1(f"{index}\0{source}".encode()).hexdigest()[:16]
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": cell_id,
        "metadata": metadata,
        "source": source,
    }
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell
