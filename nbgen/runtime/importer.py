"""Import notebooks as modules: ``import model`` finds ``model.ipynb`` on ``sys.path``.

What runs on import is *module mode*: definitions (``def``, ``class``, ALL_CAPS constants,
``__all__``) plus, transitively, every import and assignment whose names they read. Everything
else (training loops, prints, ``drive.mount``) belongs to the notebook and is skipped; the
converter puts it under ``if __name__ == "__main__":`` instead. Magics and shell lines are
inert comments. Standard library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import linecache
import marshal
import os
import re
import symtable
import sys
import tokenize
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any, NamedTuple

from nbgen.runtime.magics import PYTHON_CELL_MAGICS, cell_magic_name, comment_magic_line


def python_text(source: str) -> str | None:
    """The cell as plain Python, or None if it is not Python (``%%bash``, a syntax error)."""
    magic = cell_magic_name(source)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return None
    text = "\n".join(comment_magic_line(line) for line in source.split("\n"))
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return text


# ---- which statements run on import -------------------------------------------------------
_CONSTANT_RE = re.compile(r"_*[A-Z][A-Z0-9_]*|__\w+__")


class Unit(NamedTuple):
    """Top-level statements sharing lines (``a = 1; b = 2``): kept or skipped together."""

    cell: int
    first: int  # 1-based line numbers within the cell, decorators included
    last: int
    nodes: tuple[ast.stmt, ...]


class _Facts(NamedTuple):
    defines: frozenset[str]
    reads: frozenset[str]
    definition: bool  # def/class/constant: kept on its own account
    bindable: bool  # only imports/assignments: kept when a kept unit reads what it binds
    star: bool


def plan_cells(sources: Sequence[str | None]) -> list[list[tuple[Unit, bool]]]:
    """For each cell's Python text (None: not Python), its units and whether each is kept."""
    units = [_units(i, text) for i, text in enumerate(sources)]
    flat = [u for cell_units in units for u in cell_units]
    facts = {u: _facts(u, sources[u.cell] or "") for u in flat}
    kept = {u for u in flat if facts[u].definition}
    definers: dict[str, list[Unit]] = {}
    for u in flat:
        for name in facts[u].defines:
            definers.setdefault(name, []).append(u)
    todo = [name for u in kept for name in facts[u].reads]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for u in definers.get(name, ()):
            if u not in kept and facts[u].bindable:
                kept.add(u)
                todo.extend(facts[u].reads)
    unresolved = {n for n in seen if n not in definers and not hasattr(builtins, n)}
    if unresolved:  # a star import may provide them
        kept.update(u for u in flat if facts[u].star)
    # An import nothing reads stays at top level (a re-export, or imported for its effect on
    # other modules); only imports that notebook-only code alone uses go under the guard.
    read_anywhere = {name for u in flat for name in facts[u].reads}
    for u in flat:
        if all(isinstance(n, ast.Import | ast.ImportFrom) for n in u.nodes) and not (
            facts[u].defines & read_anywhere
        ):
            kept.add(u)
    return [[(u, u in kept) for u in cell_units] for cell_units in units]


def _units(cell: int, text: str | None) -> list[Unit]:
    if text is None:
        return []
    out: list[Unit] = []
    for node in ast.parse(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno or node.lineno
        if out and first <= out[-1].last:
            prev = out[-1]
            out[-1] = Unit(cell, prev.first, max(prev.last, last), (*prev.nodes, node))
        else:
            out.append(Unit(cell, first, last, (node,)))
    return out


def _facts(unit: Unit, text: str) -> _Facts:
    lines = text.split("\n")[unit.first - 1 : unit.last]
    # Blank lines in front keep symtable's line numbers meaningless but harmless.
    table = symtable.symtable("\n".join(lines) + "\n", "<cell>", "exec")
    defines = {
        s.get_name()
        for s in table.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    reads = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    reads |= _global_reads(table)
    nodes = unit.nodes
    return _Facts(
        defines=frozenset(defines),
        reads=frozenset(reads),
        definition=all(_is_definition(n) for n in nodes),
        bindable=all(_is_bindable(n) for n in nodes),
        star=any(isinstance(n, ast.ImportFrom) and n.names[0].name == "*" for n in nodes),
    )


def _global_reads(table: symtable.SymbolTable) -> set[str]:
    found: set[str] = set()
    for child in table.get_children():
        found |= {s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced()}
        found |= _global_reads(child)
    return found


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Pass):
        return True
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return True
    if isinstance(node, ast.Expr):  # a bare string: a docstring
        return isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return all(isinstance(t, ast.Name) and _CONSTANT_RE.fullmatch(t.id) for t in targets)
    if isinstance(node, ast.If | ast.Try):
        return _is_pure(node)
    return False


def _is_pure(node: ast.stmt) -> bool:
    """An ``if``/``try`` of definitions, imports and call-free assignments (version checks,
    optional imports): safe to run on import."""
    if isinstance(node, ast.If):
        if _calls(node.test):
            return False
        body = node.body + node.orelse
    elif isinstance(node, ast.Try):
        body = node.body + node.orelse + node.finalbody
        body += [s for h in node.handlers for s in h.body]
    elif isinstance(node, ast.Import | ast.ImportFrom | ast.Raise):
        return True
    elif isinstance(node, ast.Assign | ast.AnnAssign):
        return not _calls(node)
    else:
        return _is_definition(node)
    return all(_is_pure(s) for s in body)


def _calls(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call | ast.Await | ast.Yield) for n in ast.walk(node))


def _is_bindable(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign | ast.AugAssign):
        return True
    return _is_definition(node)


# ---- the import hook ------------------------------------------------------------------------
_CACHE_VERSION = b"nbgen-importer-1"


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
    texts = [python_text(source) for _, source in cells]
    code: list[CodeType] = []
    for (number, _source), plan in zip(cells, plan_cells(texts), strict=True):
        body = [node for unit, kept in plan if kept for node in unit.nodes]
        if body:
            module = ast.Module(body=body, type_ignores=[])
            code.append(compile(module, _cell_filename(path, number), "exec"))
    return code


def _cell_filename(path: str, number: int) -> str:
    return f"{path} [cell {number}]"


def _register_sources(path: str, data: bytes) -> list[tuple[int, str]]:
    """Give tracebacks the cells' source lines (linecache); return the code cells."""
    cells = notebook_code_cells(json.loads(data.decode("utf-8")))
    for number, source in cells:
        filename = _cell_filename(path, number)
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[filename] = (len(source), None, lines, filename)
    return cells


def _cached_code(path: str) -> list[CodeType]:
    with open(path, "rb") as f:
        data = f.read()
    key = hashlib.sha256(_CACHE_VERSION + sys.version.encode() + data).hexdigest()
    folder = os.path.join(os.path.dirname(path), "__pycache__")
    cache = os.path.join(folder, f"{os.path.basename(path)}.{key[:16]}.nbgen.pyc")
    try:
        with open(cache, "rb") as f:
            loaded: list[CodeType] = marshal.load(f)
        _register_sources(path, data)  # traceback source lines for cached code too
        return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = compile_notebook(path, data)
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            marshal.dump(code, f)
        os.replace(tmp, cache)
    except OSError:  # a read-only folder only costs the cache
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


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``name.ipynb`` in each folder of ``sys.path`` (or a package's ``__path__``)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        name = fullname.rpartition(".")[2]
        for folder in path if path is not None else sys.path:
            candidate = os.path.join(folder or ".", name + ".ipynb")
            if os.path.isfile(candidate):
                candidate = os.path.abspath(candidate)
                return importlib.util.spec_from_file_location(
                    fullname, candidate, loader=NotebookLoader(candidate)
                )
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


def string_continuation_rows(text: str) -> set[int]:
    """1-based rows that lie inside a multi-line string token (not its first row)."""
    rows: set[int] = set()
    depth_start: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = tokenize.tok_name.get(tok.type, "")
            if kind == "FSTRING_START":
                depth_start.append(tok.start[0])
            elif kind == "FSTRING_END" and depth_start:
                start = depth_start.pop()
                if not depth_start:
                    rows.update(range(start + 1, tok.end[0] + 1))
            elif tok.type == tokenize.STRING and not depth_start:
                rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return rows
