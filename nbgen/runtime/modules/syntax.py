"""Module mode's reading of a notebook's code: cells as Python, statements as units, and the
facts about each unit (what it binds, reads, changes in place, sets up) that decide what runs on
import. Standard library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import re
import symtable
from collections.abc import Iterator
from typing import NamedTuple

from nbgen.runtime.modules.magics import PYTHON_CELL_MAGICS, cell_magic_name, comment_magic_line


def python_text(source: str) -> str | None:
    """The cell as plain Python, or None if it is not Python (``%%bash``, a syntax error)."""
    magic = cell_magic_name(source)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return None
    text = "\n".join(comment_magic_line(line) for line in source.split("\n"))
    try:
        parse_cell(text)
    except (SyntaxError, ValueError):
        return None
    return text


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a long cell's syntax tree is hundreds of thousands
    of objects, and collections while it is built and walked make the work quadratic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.lru_cache(maxsize=32)
def parse_cell(text: str) -> ast.Module:
    """The cell's syntax tree, parsed once for every step that needs it (never mutated)."""
    return ast.parse(text)


_CONSTANT_RE = re.compile(r"_*[A-Z][A-Z0-9_]*|__\w+__")
# Global state that later statements depend on when they run at import time.
_SEED_CALLS = frozenset(
    {"seed", "manual_seed", "manual_seed_all", "set_seed", "seed_everything", "set_random_seed"}
)
_PATH_CALLS = frozenset(
    {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir", "os.chdir"}
)
_ENVIRON_CALLS = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv"})


class Unit(NamedTuple):
    """Top-level statements sharing lines (``a = 1; b = 2``): kept or skipped together."""

    cell: int
    first: int  # 1-based line numbers within the cell, decorators included
    last: int
    nodes: tuple[ast.stmt, ...]


class Facts(NamedTuple):
    binds: frozenset[str]  # names (re)bound from scratch
    reads: frozenset[str]
    mutates: frozenset[str]  # names changed in place: x[k] = v, x.a = v, x += v, x.update(...)
    definition: bool  # def/class/literal constant: kept on its own account
    bindable: bool  # only imports/assignments: kept when a kept unit reads what it binds
    star: bool
    effects: frozenset[str]  # global state it sets: path, environ, warnings, seed
    needs: frozenset[str]  # global state it depends on when it runs at import time


def split_units(cell: int, text: str | None) -> list[Unit]:
    if text is None:
        return []
    out: list[Unit] = []
    for node in parse_cell(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno or node.lineno
        if out and first <= out[-1].last:
            prev = out[-1]
            out[-1] = Unit(cell, prev.first, max(prev.last, last), (*prev.nodes, node))
        else:
            out.append(Unit(cell, first, last, (node,)))
    return out


def unit_facts(unit: Unit, lines: list[str], imported: set[str]) -> Facts:
    # symtable of the unit's own lines: blank lines in front would only shift line numbers
    table = symtable.symtable("\n".join(lines[unit.first - 1 : unit.last]) + "\n", "<cell>", "exec")
    assigned = {
        s.get_name()
        for s in table.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    reads = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    reads |= _global_reads(table)
    nodes = unit.nodes
    mutates = {n for node in nodes for n in _mutated_names(node, imported)}
    rebound = {n for node in nodes if not isinstance(node, ast.AugAssign) for n in _bound(node)}
    effects = {e for node in nodes for e in _effects(node)}
    definition = all(_is_definition(n) for n in nodes)
    runs_code = not definition and any(_calls(n) for n in nodes)
    imports = any(isinstance(n, ast.Import | ast.ImportFrom) for n in nodes)
    needs = _ALL_EFFECTS if runs_code else _IMPORT_NEEDS if imports else frozenset()
    return Facts(
        binds=frozenset((assigned - mutates) | rebound),
        reads=frozenset(reads),
        mutates=frozenset(mutates),
        definition=definition,
        bindable=all(_is_bindable(n) for n in nodes),
        star=any(isinstance(n, ast.ImportFrom) and n.names[0].name == "*" for n in nodes),
        effects=frozenset(effects),
        needs=needs,
    )


_ALL_EFFECTS = frozenset({"path", "environ", "warnings", "seed"})
_IMPORT_NEEDS = frozenset({"path", "environ", "warnings"})


def _bound(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Assign):
        return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}  # fmt: skip
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    return set(import_names(node))


def import_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [a.asname or a.name for a in node.names if a.name != "*"]
    return []


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def dotted_name(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _mutated_names(node: ast.stmt, imported: set[str]) -> set[str]:
    """Names a statement changes in place (not rebinds): item and attribute assignment,
    augmented assignment, ``del x[k]``, and a method call on a value (not on a module)."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    out = set()
    for target in targets:
        if isinstance(target, ast.Subscript | ast.Attribute) or (
            isinstance(node, ast.AugAssign) and isinstance(target, ast.Name)
        ):
            root = _root(target)
            if root is not None:
                out.add(root)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute):
            root = _root(func.value)
            if root is not None and root not in imported:
                out.add(root)
    return out


def _effects(node: ast.stmt) -> set[str]:
    """The global state a statement sets: import paths, environment variables, warning filters,
    random seeds."""
    out = set()
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        name = dotted_name(node.value.func)
        last = name.rpartition(".")[2]
        if name in _PATH_CALLS:
            out.add("path")
        elif name in _ENVIRON_CALLS:
            out.add("environ")
        elif name.startswith("warnings."):
            out.add("warnings")
        elif last in _SEED_CALLS:
            out.add("seed")
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign):
        targets = [node.target]
    for target in targets:
        base = target.value if isinstance(target, ast.Subscript) else target
        name = dotted_name(base) if isinstance(base, ast.Attribute) else ""
        if name == "os.environ":
            out.add("environ")
        elif name == "sys.path":
            out.add("path")
    return out


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
        # A constant is a name in capitals bound to a value computed without a call:
        # ``LR = 0.1``, ``CLASSES = ("cat", "dog")``; ``X = make_data()`` is data.
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return all(isinstance(t, ast.Name) and _CONSTANT_RE.fullmatch(t.id) for t in targets) and (
            node.value is None or not _calls(node.value)
        )
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
    if isinstance(node, ast.Delete):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return True  # an in-place change (x.update(...)) or set-up call, kept only when needed
    return _is_definition(node)
