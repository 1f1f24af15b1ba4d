"""Import notebooks as modules: ``import model`` finds ``model.ipynb`` on ``sys.path``.

What runs on import is *module mode* (:mod:`nbgen.runtime.modules.keeper`): definitions, literal
constants, and what they need; everything else (training loops, prints, ``drive.mount``)
belongs to the notebook and is skipped; the converter puts it under
``if __name__ == "__main__":`` instead. Magics and shell lines are inert comments. Standard
library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import linecache
import marshal
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from nbgen.runtime.modules.keeper import plan_cells
from nbgen.runtime.modules.magics import PYTHON_CELL_MAGICS, cell_magic_name, magic_reads
from nbgen.runtime.modules.names import (
    NotebookImportError,
    forget_listings,
    nbname_text,
    notebook_for,
)
from nbgen.runtime.modules.syntax import gc_paused, python_text
from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.folders import make_folder
from nbgen.runtime.ownership.proofs import inside_owned
from nbgen.runtime.ownership.text import OwnershipError

# ---- the import hook ------------------------------------------------------------------------
_CACHE_VERSION = b"nbgen-importer-3"


def notebook_code_cells(nb: dict[str, Any]) -> list[tuple[int, str]]:
    """(cell number counted from 1 over all cells, source) for each code cell; an nbformat 3
    notebook's cells are in its worksheets, its code in ``input``."""
    cells = nb.get("cells")
    if not isinstance(cells, list) and isinstance(nb.get("worksheets"), list):
        sheets = [w.get("cells") for w in nb["worksheets"] if isinstance(w, dict)]
        cells = [c for sheet in sheets if isinstance(sheet, list) for c in sheet]
    out = []
    for index, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            if isinstance(source, list):
                source = "".join(str(line) for line in source)
            out.append((index, source if isinstance(source, str) else ""))
    return out


def compile_notebook(path: str, data: bytes) -> list[CodeType]:
    """Compile what runs on import, one code object per cell, named ``path [cell N]``; a cell
    that is not valid Python (nor IPython) fails the import, naming notebook, cell and line."""
    cells = _register_sources(path, data)
    code: list[CodeType] = []
    with gc_paused():
        texts = [python_text(source) for _, source in cells]
        for (number, source), text in zip(cells, texts, strict=True):
            if text is None:
                _refuse_broken_cell(path, number, source)
        reads = [magic_reads(source) for _, source in cells]
        for (number, _source), plan in zip(cells, plan_cells(texts, reads), strict=True):
            body = [node for unit, kept in plan if kept for node in unit.nodes]
            if body:
                module = ast.Module(body=body, type_ignores=[])
                code.append(compile(module, _cell_filename(path, number), "exec"))
    return code


def _refuse_broken_cell(path: str, number: int, source: str) -> None:
    """A cell module mode cannot read is skipped when it is another language (``%%bash``) or
    IPython's own syntax (``x?``); anything else is a syntax error the notebook has too."""
    magic = cell_magic_name(source)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        ast.parse(TransformerManager().transform_cell(source))  # type: ignore[no-untyped-call]
        return
    except ImportError:  # no IPython: Python's own parser says where the error is
        pass
    except SyntaxError as exc:
        raise NotebookImportError(
            nbname_text("syntax", path=path, cell=number, line=exc.lineno, message=exc.msg)
        ) from None
    except Exception:  # IPython could not transform it: Python's parser names the line
        pass
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise NotebookImportError(
            nbname_text("syntax", path=path, cell=number, line=exc.lineno, message=exc.msg)
        ) from None


def _cell_filename(path: str, number: int) -> str:
    return f"{path} [cell {number}]"


def _register_sources(path: str, data: bytes) -> list[tuple[int, str]]:
    """Give tracebacks the cells' source lines (linecache); return the code cells."""
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotebookImportError(nbname_text("not_json", path=path, message=exc)) from None
    version = nb.get("nbformat") if isinstance(nb, dict) else None
    if not isinstance(nb, dict) or version not in (3, 4):
        raise NotebookImportError(nbname_text("old_format", path=path, version=version))
    cells = notebook_code_cells(nb)
    for number, source in cells:
        filename = _cell_filename(path, number)
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[filename] = (len(source), None, lines, filename)
    return cells


_IMPORTER_CODE: dict[str, bytes] = {}


def importer_code_hash() -> bytes:
    """A hash of the code that decides what runs on import (this module and module mode's
    analysis), so a new nbgen never runs what an old one compiled; read from the sources, which
    linecache holds whether the runtime was imported or inlined into a notebook."""
    if "hash" not in _IMPORTER_CODE:
        digest = hashlib.sha256(_CACHE_VERSION)
        for function in (compile_notebook, plan_cells, python_text, magic_reads):
            code = function.__code__
            lines = linecache.getlines(code.co_filename)
            digest.update("".join(lines).encode() if lines else marshal.dumps(code))
        _IMPORTER_CODE["hash"] = digest.digest()
    return _IMPORTER_CODE["hash"]


def importer_cache_dir() -> str:
    """nbgen's own cache folder: never the notebook's folder (read-only, or on Drive)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nbgen", "importer")


def _cached_code(path: str) -> list[CodeType]:
    with open(path, "rb") as f:
        data = f.read()
    key = hashlib.sha256(importer_code_hash() + sys.version.encode() + path.encode() + data)
    cache = os.path.join(importer_cache_dir(), f"{key.hexdigest()[:32]}.nbgen.pyc")
    try:
        with open(cache, "rb") as f:
            loaded = marshal.load(f)
        if isinstance(loaded, list) and all(isinstance(c, CodeType) for c in loaded):
            _register_sources(path, data)  # traceback source lines for cached code too
            return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass  # missing, damaged or of another shape: compiled again below
    code = compile_notebook(path, data)
    if not sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE=1 means no cache files at all
        try:
            folder = _importer_cache_folder()
            write_file(Path(cache), marshal.dumps(code), proof=inside_owned(folder, "importer"))
        except (OSError, OwnershipError):  # no writable cache folder only costs the cache
            pass
    return code


def _importer_cache_folder() -> Path:
    """The cache folder, made and stamped as nbgen's (one an older nbgen filled with cache
    files only is adopted); anything else there is left alone."""
    folder = Path(importer_cache_dir())
    try:
        return make_folder(folder, "importer")
    except OwnershipError:
        names = [p.name for p in folder.iterdir()]
        if not all(n.endswith((".nbgen.pyc", ".tmp")) for n in names):
            raise
        return make_folder(folder, "importer", force=True)


class NotebookLoader(importlib.abc.Loader):
    """Runs a notebook's import-time code in the module's namespace."""

    def __init__(self, path: str) -> None:
        self.path = path

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = self.path
        for code in _cached_code(self.path):
            exec(code, module.__dict__)


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``name.ipynb`` (or ``na me.ipynb``, ``na-me.ipynb``) in each folder of
    ``sys.path`` (or a package's ``__path__``)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        name = fullname.rpartition(".")[2]
        for folder in path if path is not None else sys.path:
            candidate = notebook_for(folder or ".", name)
            if candidate is not None:
                candidate = os.path.abspath(candidate)
                return importlib.util.spec_from_file_location(
                    fullname, candidate, loader=NotebookLoader(candidate)
                )
        return None

    def invalidate_caches(self) -> None:
        forget_listings()


def install() -> NotebookFinder:
    """Let ``import name`` load ``name.ipynb``; a ``name.py`` still wins. Safe to call again."""
    for finder in sys.meta_path:
        # by name: a re-run of the inlined cell defines a new class of the same name
        if type(finder).__name__ == "NotebookFinder":
            return finder  # type: ignore[return-value]
    finder = NotebookFinder()
    sys.meta_path.append(finder)
    return finder
