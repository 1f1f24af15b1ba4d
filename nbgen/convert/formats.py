"""Notebook ⇄ text, by format: nbgen's own ``percent`` (any ``#``-comment language) and
``module`` (Python), and every other text format jupytext knows (``md``, ``myst``,
``py:light``, ``R:percent``, ``Rmd``, ``auto:percent``...), through jupytext itself.

For nbgen's formats ``to_text`` and ``from_text`` are exact inverses on cell type, source and
the cell metadata worth keeping (everything but
:data:`~nbgen.convert.percent.VOLATILE_CELL_METADATA`); for jupytext's, jupytext decides
(docs/benchmarks.md measures how far from exact each one is).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from nbgen.convert import header, percent
from nbgen.convert.ipynb import Notebook, language_of
from nbgen.convert.languages import EXTENSIONS
from nbgen.errors import NotebookError
from nbgen.fsutil import TextStyle, decode_text, read_bytes

Mode = str  # "percent" or "module" (nbgen's own), or a jupytext format such as "md"
MODES: tuple[Mode, ...] = ("percent", "module")


def is_jupytext(mode: Mode) -> bool:
    """True for a format that jupytext writes (anything but nbgen's percent and module)."""
    return mode not in MODES


def check_format(fmt: str) -> str:
    """``fmt`` if jupytext knows it (``md``, ``py:light``, ``auto:percent``...), else an
    error naming it."""
    from jupytext.formats import JupytextFormatError, long_form_one_format

    try:
        long = long_form_one_format(fmt)
    except (JupytextFormatError, ValueError) as exc:
        raise NotebookError(
            f"{fmt!r} is not a format nbgen or jupytext writes ({exc}); e.g. py, md, myst, "
            "py:light, R:percent, Rmd, auto:percent, html, markdown"
        ) from None
    if long.get("extension") in (".ipynb", None):
        raise NotebookError(f"{fmt!r} is not a text format; e.g. md, myst, py:light")
    return fmt


def _jupytext_suffix(nb: Notebook, fmt: str) -> str:
    from jupytext.formats import auto_ext_from_metadata, long_form_one_format

    ext = str(long_form_one_format(fmt)["extension"])
    if ext == ".auto":
        ext = auto_ext_from_metadata(nb.get("metadata", {})) or ".py"
    return ext


def text_suffix(nb: Notebook, path: Path, mode: Mode) -> str:
    """The text file's extension, or a NotebookError saying why this notebook has none."""
    if is_jupytext(mode):
        try:
            return _jupytext_suffix(nb, mode)
        except Exception as exc:  # metadata jupytext cannot read (a kernelspec that is text)
            raise NotebookError(f"{path}: jupytext cannot read its metadata ({exc})") from None
    lang = language_of(nb)
    if lang not in EXTENSIONS:
        raise NotebookError(
            f"{path}: a {lang!r} notebook; nbgen's percent format is for Python, R, Julia and "
            "bash: use --to auto:percent (jupytext) for other languages"
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
    if is_jupytext(mode):
        return _jupytext_writes(nb, mode), []
    notes: list[str] = []
    cells = nb["cells"]
    python = language_of(nb) == "python"
    front = header.front_matter_of(cells)
    if front is not None:
        cells = cells[1:]
    # module files say so; an empty notebook says its format so the file is not empty
    extra = {"format": mode} if mode == "module" or not cells else None
    lines = header.header_lines(nb.get("metadata", {}), extra, front)
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


def _jupytext_writes(nb: Notebook, fmt: str) -> str:
    import jupytext
    import nbformat

    try:
        text: str = jupytext.writes(nbformat.from_dict(nb), fmt=fmt)
    except Exception as exc:  # jupytext raises many types for a notebook it cannot write
        raise NotebookError(
            f"jupytext cannot write this notebook as {fmt!r} ({type(exc).__name__}: {exc}); "
            "check its metadata in Jupyter, or use --to py"
        ) from None
    return text if text.endswith("\n") else text + "\n"


def _jupytext_reads(text: str, fmt: str, path: Path) -> Notebook:
    import json

    import jupytext
    import nbformat

    try:
        node = jupytext.reads(text, fmt=fmt)
    except Exception as exc:  # jupytext raises many types for a text it cannot read
        raise NotebookError(f"{path}: jupytext cannot read it as {fmt!r} ({exc})") from None
    nb: Notebook = json.loads(nbformat.writes(node))
    for index, cell in enumerate(nb["cells"]):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        if "id" in cell:  # nbformat's are random: the same text must give the same bytes
            cell["id"] = cell_id(index, cell["source"])
    return nb


class Parsed(NamedTuple):
    notebook: Notebook
    by_jupytext: bool  # jupytext read it: the text holds only the metadata its filter keeps


def from_text(text: str, path: Path) -> Notebook:
    """Parse a text file (``\\n`` line ends) into a new notebook (nbformat 4.5): nbgen's
    percent or module format, or any format jupytext reads (by the file's extension, or the
    format its jupytext header names)."""
    return parse_text(text, path).notebook


def parse_text(text: str, path: Path) -> Parsed:
    """:func:`from_text`, saying whether jupytext read it.

    A percent file that jupytext wrote (its header is jupytext's block YAML with
    ``text_representation``, not nbgen's one JSON value per key) goes to jupytext too: it
    writes ``# %% language="bash"`` and ``# ?print``, which mean something else to nbgen."""
    if path.suffix not in EXTENSIONS.values():
        return Parsed(_jupytext_reads(text, path.suffix.lstrip("."), path), True)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    found = header.parse_header(lines, path)
    written_as = _jupytext_format_name(found.metadata)
    if written_as is not None and found.yaml:  # jupytext's own header: jupytext's to read
        return Parsed(_jupytext_reads(text, f"{path.suffix.lstrip('.')}:{written_as}", path), True)
    return Parsed(_from_percent(lines, found, path), False)


def _from_percent(lines: list[str], found: header.Header, path: Path) -> Notebook:
    metadata, nbgen_meta = found.metadata, found.own
    is_module = nbgen_meta.get("format") == "module"
    body_lines = lines[found.end :]
    if not nbgen_meta and not any(percent.MARKER_RE.match(line) for line in body_lines):
        raise NotebookError(
            f"{path}: no '# %%' cell markers; nbgen reads the percent format "
            "(start each cell with '# %%', markdown with '# %% [markdown]')"
        )
    python = path.suffix == ".py"
    cells = []
    if found.front_matter is not None:
        cells.append(_new_cell("raw", found.front_matter, {}, 0))
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


def _jupytext_format_name(metadata: dict[str, Any]) -> str | None:
    info = metadata.get("jupytext")
    representation = info.get("text_representation") if isinstance(info, dict) else None
    name = representation.get("format_name") if isinstance(representation, dict) else None
    return name if isinstance(name, str) else None


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
