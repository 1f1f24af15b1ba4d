"""Import notebooks as modules: ``import model`` finds ``model.ipynb`` on ``sys.path``.

What runs on import is *module mode* (:mod:`nbgen.runtime.keeper`): definitions, literal
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
import keyword
import linecache
import marshal
import os
import re
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

from nbgen.runtime.keeper import plan_cells
from nbgen.runtime.magics import magic_reads
from nbgen.runtime.syntax import gc_paused, python_text

# ---- the import hook ------------------------------------------------------------------------
_CACHE_VERSION = b"nbgen-importer-2"


def notebook_code_cells(nb: dict[str, Any]) -> list[tuple[int, str]]:
    """(cell number counted from 1 over all cells, source) for each code cell."""
    out = []
    for index, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append((index, source if isinstance(source, str) else "".join(source)))
    return out


def compile_notebook(path: str, data: bytes) -> list[CodeType]:
    """Compile what runs on import, one code object per cell, named ``path [cell N]``."""
    cells = _register_sources(path, data)
    code: list[CodeType] = []
    with gc_paused():
        texts = [python_text(source) for _, source in cells]
        reads = [magic_reads(source) for _, source in cells]
        for (number, _source), plan in zip(cells, plan_cells(texts, reads), strict=True):
            body = [node for unit, kept in plan if kept for node in unit.nodes]
            if body:
                module = ast.Module(body=body, type_ignores=[])
                code.append(compile(module, _cell_filename(path, number), "exec"))
    return code


def _cell_filename(path: str, number: int) -> str:
    return f"{path} [cell {number}]"


def _register_sources(path: str, data: bytes) -> list[tuple[int, str]]:
    """Give tracebacks the cells' source lines (linecache); return the code cells."""
    cells = notebook_code_cells(json.loads(data.decode("utf-8-sig")))
    for number, source in cells:
        filename = _cell_filename(path, number)
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[filename] = (len(source), None, lines, filename)
    return cells


def importer_cache_dir() -> str:
    """nbgen's own cache folder: never the notebook's folder (read-only, or on Drive)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nbgen", "importer")


def _cached_code(path: str) -> list[CodeType]:
    with open(path, "rb") as f:
        data = f.read()
    key = hashlib.sha256(_CACHE_VERSION + sys.version.encode() + path.encode() + data)
    cache = os.path.join(importer_cache_dir(), f"{key.hexdigest()[:32]}.nbgen.pyc")
    try:
        with open(cache, "rb") as f:
            loaded: list[CodeType] = marshal.load(f)
        _register_sources(path, data)  # traceback source lines for cached code too
        return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = compile_notebook(path, data)
    if not sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE=1 means no cache files at all
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                marshal.dump(code, f)
            os.replace(tmp, cache)
        except OSError:  # no writable cache folder only costs the cache
            pass
    return code


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


def module_name(notebook_file: str) -> str | None:
    """The name ``import`` uses for a notebook file, or None if it cannot be imported:
    ``Errors and Debugging.ipynb`` → ``Errors_and_Debugging``, as other importers do."""
    if not notebook_file.endswith(".ipynb"):
        return None
    name = re.sub(r"[ \-]", "_", notebook_file[: -len(".ipynb")])
    return name if name.isidentifier() and not keyword.iskeyword(name) else None


def importable_notebooks(folder: str = ".") -> list[str]:
    """The module names of the notebooks in ``folder`` that ``import`` can load."""
    try:
        files = os.listdir(folder)
    except OSError:
        return []
    return sorted({n for f in files if (n := module_name(f)) is not None})


_IMPORTER_TEXT = {
    "en": {
        "ready": "These notebooks can now be imported: {names}",
        "none": "No notebook here can be imported yet (put .ipynb files in the work folder).",
    },
    "zh": {
        "ready": "现在可以导入以下笔记本：{names}",
        "none": "当前目录中还没有可导入的笔记本（请把 .ipynb 文件放到工作目录中）。",
    },
}


def print_importable(folder: str = ".", lang: str = "en") -> list[str]:
    """Say which notebooks in ``folder`` ``import`` can load now, by their import names."""
    text = _IMPORTER_TEXT.get(lang, _IMPORTER_TEXT["en"])
    names = importable_notebooks(folder)
    print(
        text["ready"].format(names=", ".join(f"import {n}" for n in names))
        if names
        else text["none"]
    )
    return names


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``name.ipynb`` (or ``na me.ipynb``, ``na-me.ipynb``) in each folder of
    ``sys.path`` (or a package's ``__path__``)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        name = fullname.rpartition(".")[2]
        for folder in path if path is not None else sys.path:
            candidate = _notebook_in(folder or ".", name)
            if candidate is not None:
                candidate = os.path.abspath(candidate)
                return importlib.util.spec_from_file_location(
                    fullname, candidate, loader=NotebookLoader(candidate)
                )
        return None


def _notebook_in(folder: str, name: str) -> str | None:
    exact = os.path.join(folder, name + ".ipynb")
    if os.path.isfile(exact):
        return exact
    if "_" not in name:
        return None
    try:
        files = sorted(os.listdir(folder))
    except OSError:
        return None
    for file in files:
        if module_name(file) == name and os.path.isfile(os.path.join(folder, file)):
            return os.path.join(folder, file)
    return None


def install() -> NotebookFinder:
    """Let ``import name`` load ``name.ipynb``; a ``name.py`` still wins. Safe to call again."""
    for finder in sys.meta_path:
        # by name: a re-run of the inlined cell defines a new class of the same name
        if type(finder).__name__ == "NotebookFinder":
            return finder  # type: ignore[return-value]
    finder = NotebookFinder()
    sys.meta_path.append(finder)
    return finder
