"""Read and write .ipynb JSON quickly, with one-line errors that name the file.

Notebooks are plain dicts here (no NotebookNode): parsing is the converter's hot path. The
writer produces exactly what ``nbformat.writes`` does (a test checks, byte for byte).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbgen.errors import NotebookError
from nbgen.fsutil import decode_text, read_bytes

Notebook = dict[str, Any]
_CELL_TYPES = frozenset({"code", "markdown", "raw"})


def read_notebook(path: Path) -> tuple[Notebook, list[str]]:
    """Parse ``path``; return the notebook (nbformat 4, sources as str) and notes for the user."""
    return parse_notebook(read_bytes(path), path)


def parse_notebook(data: bytes, path: Path) -> tuple[Notebook, list[str]]:
    """Parse notebook bytes (with or without a UTF-8 BOM); ``path`` is only for messages."""
    if not data.strip():
        raise NotebookError(f"{path}: the file is empty; delete it or save the notebook again")
    text, _style = decode_text(data, path)
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "the file is damaged: restore it from a backup or re-download it"
        ) from None
    except RecursionError:
        raise NotebookError(
            f"{path}: JSON nested too deeply to be a notebook; the file is damaged or not a "
            "notebook: restore it from a backup"
        ) from None
    if not isinstance(nb, dict) or "nbformat" not in nb:
        raise NotebookError(f"{path}: JSON, but not a notebook (no 'nbformat' key)")
    if _SURROGATE_ESCAPE_RE.search(text):
        where = _first_surrogate(nb, "")
        if where is not None:
            raise NotebookError(
                f"{path}: {where} holds half of a UTF-16 surrogate pair (a broken character, "
                "written as \\ud8xx-\\udfxx) that no UTF-8 file can hold; delete it in Jupyter "
                "or a text editor"
            )
    notes: list[str] = []
    major = nb.get("nbformat")
    if major == 3:
        nb = _upgrade_v3(nb, path)
        notes.append(f"{path}: nbformat 3 notebook, upgraded to nbformat 4 for conversion")
    elif major != 4:
        raise NotebookError(f"{path}: nbformat {major!r} is not supported (only 3 and 4)")
    _check_v4(nb, path)
    return nb, notes


_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")


def _first_surrogate(value: Any, where: str) -> str | None:
    """Where in the notebook the first lone surrogate is (``cell 3``, ``metadata``)."""
    if isinstance(value, str):
        return where if any("\ud800" <= c <= "\udfff" for c in value) else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if where == "" and key == "cells" and isinstance(item, list):
            for index, cell in enumerate(item, start=1):
                found = _first_surrogate(cell, f"cell {index}")
                if found is not None:
                    return found
            continue
        found = _first_surrogate(item, where or str(key))
        if found is not None:
            return found
    return None


def _upgrade_v3(nb: Notebook, path: Path) -> Notebook:
    import nbformat

    try:
        node = nbformat.reads(json.dumps(nb), as_version=4)
    except Exception as exc:  # nbformat raises many types for broken v3 files
        raise NotebookError(f"{path}: broken nbformat 3 notebook ({exc})") from None
    upgraded: Notebook = json.loads(nbformat.writes(node))
    return upgraded


def _check_v4(nb: Notebook, path: Path) -> None:
    """The structural checks the converter relies on; sources joined into str."""
    minor = nb.get("nbformat_minor", 0)
    if isinstance(minor, bool) or not isinstance(minor, int) or minor < 0:
        raise NotebookError(
            f"{path}: not a valid notebook: 'nbformat_minor' is {minor!r}, not a whole number; "
            "set it to a number such as 4 (no quotes), or re-save the notebook in Jupyter"
        )
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{path}: not a valid notebook: 'cells' must be a list")
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotebookError(f"{path}: not a valid notebook: 'metadata' must be an object")
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_TYPES:
            kind = cell.get("cell_type") if isinstance(cell, dict) else type(cell).__name__
            raise NotebookError(
                f"{path}: cell {index} has cell_type {kind!r}; expected code, markdown or raw"
            )
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            cell["source"] = "".join(source)
        elif not isinstance(source, str):
            raise NotebookError(f"{path}: cell {index} has no text source")
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError(f"{path}: cell {index}: 'metadata' must be an object")
        if cell["cell_type"] == "code" and not isinstance(cell.get("outputs", []), list):
            raise NotebookError(f"{path}: cell {index}: 'outputs' must be a list")


def check_schema(
    nb: Notebook, path: Path,
    remedy: str = "fix the metadata in the text file's header or cell markers",
) -> None:  # fmt: skip
    """Refuse to write a notebook that Jupyter would reject (nbformat's own JSON schema)."""
    minor = min(max(int(nb.get("nbformat_minor", 5)), 0), 5)
    message = _schema_validator(minor)(nb)
    if message:
        raise NotebookError(
            f"{path}: the result would not be a valid notebook ({message}); {remedy}"
        )


@functools.cache
def _schema_validator(minor: int) -> Callable[[Notebook], str | None]:
    """A compiled validator for nbformat 4.<minor>, once per process.

    fastjsonschema straight from nbformat's schema file costs a third of importing
    nbformat.validator, which matters when each worker of a batch compiles it.
    """
    import importlib.util
    import os

    spec = importlib.util.find_spec("nbformat")
    folder = os.path.join(os.path.dirname(spec.origin or ""), "v4") if spec else ""
    try:
        import fastjsonschema

        with open(os.path.join(folder, f"nbformat.v4.{minor}.schema.json"), "rb") as f:
            validate = fastjsonschema.compile(json.load(f))
    except (ImportError, OSError):  # an unusual install: nbformat's own (slower) validator
        from nbformat.validator import get_validator

        slow = get_validator(version=4, version_minor=minor)
        return lambda nb: next((e.message for e in slow.iter_errors(nb)), None)

    def check(nb: Notebook) -> str | None:
        try:
            validate(nb)
        except fastjsonschema.JsonSchemaValueException as exc:
            return str(exc.message)
        return None

    return check


def language_of(nb: Notebook) -> str:
    """The kernel language, lower case ("python" if the notebook does not say)."""
    meta = nb.get("metadata", {})
    kernelspec, info = meta.get("kernelspec"), meta.get("language_info")
    lang = (kernelspec.get("language") if isinstance(kernelspec, dict) else None) or (
        info.get("name") if isinstance(info, dict) else None
    )
    return str(lang or "python").lower()


# ---- writing ---------------------------------------------------------------------------------
def _split(text: Any) -> Any:
    return text.splitlines(True) if isinstance(text, str) else text


# As nbformat.v4.rwbase.split_lines: text/* and these few are stored as lists of lines.
_SPLIT_MIMES = frozenset({"application/javascript", "image/svg+xml"})


def _split_mime(data: dict[str, Any]) -> dict[str, Any]:
    return {
        mime: _split(value) if mime.startswith("text/") or mime in _SPLIT_MIMES else value
        for mime, value in data.items()
    }


_TRANSIENT_METADATA = ("orig_nbformat", "orig_nbformat_minor", "signature")


def _for_disk(nb: Notebook) -> Notebook:
    """nbformat's on-disk shape: multi-line strings as lists of lines, no transient keys."""
    cells = []
    for cell in nb.get("cells", []):
        cell = dict(cell)
        if "trusted" in cell.get("metadata", {}):
            cell["metadata"] = {k: v for k, v in cell["metadata"].items() if k != "trusted"}
        cell["source"] = _split(cell.get("source", ""))
        if "attachments" in cell:
            cell["attachments"] = {k: _split_mime(v) for k, v in cell["attachments"].items()}
        if cell.get("cell_type") == "code":
            outputs = []
            for out in cell.get("outputs", []):
                out = dict(out)
                if out.get("output_type") == "stream":
                    out["text"] = _split(out.get("text", ""))
                elif out.get("output_type") in ("execute_result", "display_data") and "data" in out:
                    out["data"] = _split_mime(out["data"])
                outputs.append(out)
            cell["outputs"] = outputs
        cells.append(cell)
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k not in _TRANSIENT_METADATA}
    return {**nb, "metadata": metadata, "cells": cells}


def dumps_notebook(nb: Notebook) -> str:
    """The text nbformat would write for ``nb`` (plus the final newline Jupyter adds)."""
    text = json.dumps(
        _for_disk(nb), sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")
    )
    return text + "\n"
