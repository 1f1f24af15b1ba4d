"""Import notebooks as modules: ``import model`` finds ``model.ipynb`` on ``sys.path``.

What runs on import is *module mode*: definitions (``def``, ``class``, ALL_CAPS constants,
``__all__``) plus, transitively, every import and assignment whose names they read. Everything
else (training loops, prints, ``drive.mount``) belongs to the notebook and is skipped; the
converter puts it under ``if __name__ == "__main__":`` instead. Magics and shell lines are
inert comments. Standard library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import contextlib
import functools
import gc
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
import symtable
import sys
from collections.abc import Iterator, Sequence
from types import CodeType, ModuleType
from typing import Any, NamedTuple

from nbgen.runtime.magics import (
    PYTHON_CELL_MAGICS,
    cell_magic_name,
    comment_magic_line,
    magic_reads,
)


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


# ---- which statements run on import -------------------------------------------------------
_CONSTANT_RE = re.compile(r"_*[A-Z][A-Z0-9_]*|__\w+__")
# Global state that later statements depend on when they run at import time.
_SEED_CALLS = frozenset(
    {"seed", "manual_seed", "manual_seed_all", "set_seed", "seed_everything", "set_random_seed"}
)
_PATH_CALLS = frozenset(
    {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir", "os.chdir"}
)
_ENVIRON_CALLS = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv"})
# Calls that show or write something: kept on import, they are worth a warning.
_SIDE_EFFECT_NAMES = frozenset(
    {"print", "open", "input", "display", "exec", "system", "savefig", "show", "write",
     "writelines", "to_csv", "to_parquet", "to_json", "to_pickle", "save", "mkdir", "makedirs",
     "remove", "unlink", "rmtree", "rename", "touch", "write_text", "write_bytes", "urlopen",
     "urlretrieve", "download", "run", "call", "check_call", "check_output", "Popen", "imshow",
     "plot", "info", "warning", "debug", "error", "log", "dump"}
)  # fmt: skip
# Calls that only build a value cheaply: no warning when a kept statement makes one.
_CHEAP_CALLS = frozenset(
    {"dict", "list", "set", "tuple", "frozenset", "int", "float", "str", "bool", "bytes",
     "complex", "range", "len", "min", "max", "sum", "sorted", "reversed", "enumerate", "zip",
     "isinstance", "getattr", "hasattr", "type", "object", "property", "staticmethod",
     "classmethod", "super", "TypeVar", "NewType", "namedtuple", "NamedTuple", "cast", "field",
     "dataclass", "partial", "wraps", "lru_cache", "cache", "compile", "join", "dirname",
     "basename", "abspath", "expanduser", "get", "getenv", "Path", "getLogger", "defaultdict",
     "OrderedDict", "Counter", "deque", "device", "array", "asarray", "tensor", "auto", "dtype",
     "Enum", "IntEnum", "abstractmethod"}
)  # fmt: skip


class Unit(NamedTuple):
    """Top-level statements sharing lines (``a = 1; b = 2``): kept or skipped together."""

    cell: int
    first: int  # 1-based line numbers within the cell, decorators included
    last: int
    nodes: tuple[ast.stmt, ...]


class Note(NamedTuple):
    """Something the module does on import that a user should know (``nbgen convert``)."""

    cell: int  # index in the sources given to :func:`analyse`
    line: int
    message: str


class _Facts(NamedTuple):
    binds: frozenset[str]  # names (re)bound from scratch
    reads: frozenset[str]
    mutates: frozenset[str]  # names changed in place: x[k] = v, x.a = v, x += v, x.update(...)
    definition: bool  # def/class/literal constant: kept on its own account
    bindable: bool  # only imports/assignments: kept when a kept unit reads what it binds
    star: bool
    effects: frozenset[str]  # global state it sets: path, environ, warnings, seed
    needs: frozenset[str]  # global state it depends on when it runs at import time


class Plan(NamedTuple):
    cells: list[list[tuple[Unit, bool]]]  # for each cell, its units and whether each is kept
    notes: list[Note]


def plan_cells(
    sources: Sequence[str | None], magic_reads: Sequence[frozenset[str]] | None = None
) -> list[list[tuple[Unit, bool]]]:
    """For each cell's Python text (None: not Python), its units and whether each is kept."""
    return analyse(sources, magic_reads).cells


def analyse(
    sources: Sequence[str | None], magic_reads: Sequence[frozenset[str]] | None = None
) -> Plan:
    """Decide what runs on import. ``magic_reads``: per cell, names its magic lines read."""
    units = [_units(i, text) for i, text in enumerate(sources)]
    flat = [u for cell_units in units for u in cell_units]
    split = [text.split("\n") if text is not None else [] for text in sources]
    imported = {n for u in flat for node in u.nodes for n in _import_names(node)}
    facts = [_facts(u, split[u.cell], imported) for u in flat]
    kept = _Keeper(flat, facts, magic_reads or ()).run()
    order = {u: i for i, u in enumerate(flat)}
    cells = [[(u, order[u] in kept) for u in cell_units] for cell_units in units]
    notes = [note for i in sorted(kept) for note in _notes(flat[i], facts[i])]
    return Plan(cells, notes)


class _Keeper:
    """The fixed point of "kept": definitions, then what they read (the binding that reaches
    them, and the in-place changes made to it), the global set-up their imports and calls
    depend on, and imports nobody reads."""

    def __init__(
        self, flat: list[Unit], facts: list[_Facts], magic_reads: Sequence[frozenset[str]]
    ) -> None:
        self.facts = facts
        self.binders: dict[str, list[int]] = {}
        self.mutators: dict[str, list[int]] = {}
        for i, f in enumerate(facts):
            for name in f.binds:
                self.binders.setdefault(name, []).append(i)
            for name in f.mutates:
                self.mutators.setdefault(name, []).append(i)
        self.bindable = {
            name: [i for i in found if facts[i].bindable] for name, found in self.binders.items()
        }
        read_anywhere = {n for f in facts for n in f.reads}
        read_anywhere.update(n for names in magic_reads for n in names)
        self.kept: set[int] = set()
        self.todo: list[int] = []
        for i, f in enumerate(facts):
            # An import nothing reads stays (a re-export, or imported for its effect on other
            # modules); imports that notebook-only code alone uses go under the guard.
            unread_import = all(isinstance(n, ast.Import | ast.ImportFrom) for n in flat[i].nodes)
            if f.definition or (unread_import and not f.binds & read_anywhere):
                self.keep(i)

    def keep(self, i: int) -> None:
        if i not in self.kept:
            self.kept.add(i)
            self.todo.append(i)

    def run(self) -> set[int]:
        while True:
            while self.todo:
                reader = self.todo.pop()
                for name in self.facts[reader].reads:
                    self._keep_reaching(reader, name)
            before = len(self.kept)
            self._keep_setup()
            self._keep_star_imports()
            if len(self.kept) == before and not self.todo:
                return self.kept

    def _keep_reaching(self, reader: int, name: str) -> None:
        """Keep the binding of ``name`` that ``reader`` sees (the last one before it; for a
        function reading a name bound only later, the first one after), and every in-place
        change made to that value before the name is bound again."""
        binders = self.bindable.get(name)
        if not binders:
            return
        at = bisect.bisect_left(binders, reader)
        if at:
            binding = binders[at - 1]
        elif binders[0] != reader:
            binding = binders[0]
        elif len(binders) > 1:
            binding = binders[1]
        else:
            return
        self.keep(binding)
        every = self.binders[name]
        later = bisect.bisect_right(every, binding)
        stop = every[later] if later < len(every) else len(self.facts)
        mutators = self.mutators.get(name, ())
        for i in mutators[bisect.bisect_right(mutators, binding) :]:
            if i >= stop:
                break
            self.keep(i)

    def _keep_setup(self) -> None:
        last_need: dict[str, int] = {}
        for i in self.kept:
            for effect in self.facts[i].needs:
                last_need[effect] = max(last_need.get(effect, -1), i)
        for i, f in enumerate(self.facts):
            if f.effects and any(last_need.get(e, -1) > i for e in f.effects):
                self.keep(i)

    def _keep_star_imports(self) -> None:
        reads = {n for i in self.kept for n in self.facts[i].reads}
        if any(n not in self.binders and not hasattr(builtins, n) for n in reads):
            for i, f in enumerate(self.facts):  # a star import may provide them
                if f.star:
                    self.keep(i)


def _units(cell: int, text: str | None) -> list[Unit]:
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


def _facts(unit: Unit, lines: list[str], imported: set[str]) -> _Facts:
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
    return _Facts(
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
    return set(_import_names(node))


def _import_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [a.asname or a.name for a in node.names if a.name != "*"]
    return []


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.expr) -> str:
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
        name = _dotted(node.value.func)
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
        name = _dotted(base) if isinstance(base, ast.Attribute) else ""
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


def _import_time_calls(node: ast.AST, where: str = "body") -> Iterator[tuple[ast.Call, str]]:
    """Calls a statement makes when the module is imported, each with where it sits ("body",
    "default" or "decorator"): not inside function bodies, but in decorators, default values
    and class bodies."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d)]:
            yield from _import_time_calls(default, "default")
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                yield from _import_time_calls(decorator, "decorator")
        return
    if isinstance(node, ast.ClassDef):
        for decorator in node.decorator_list:
            yield from _import_time_calls(decorator, "decorator")
        for child in [*node.bases, *node.keywords, *node.body]:
            yield from _import_time_calls(child, where)
        return
    if isinstance(node, ast.Call):
        yield node, where
    for child in ast.iter_child_nodes(node):
        yield from _import_time_calls(child, where)


def _notes(unit: Unit, facts: _Facts) -> Iterator[Note]:
    """Why importing this kept unit may do more than define things."""
    if facts.effects:
        return  # set-up that a kept import or value needs: kept on purpose
    for node in unit.nodes:
        for call, where in _import_time_calls(node):
            name = _dotted(call.func) or "(...)"
            last = name.rpartition(".")[2]
            if last in _SIDE_EFFECT_NAMES:
                yield Note(unit.cell, call.lineno,
                           f"{name}(...) runs on import and shows or writes something; move it "
                           "into a function or a notebook-only cell")  # fmt: skip
            elif last in _CHEAP_CALLS or where == "decorator":
                continue
            elif where == "default":
                yield Note(unit.cell, call.lineno,
                           f"{name}(...) in a default value runs on import; use None as the "
                           "default and call it inside the function")  # fmt: skip
            elif not facts.definition:
                yield Note(unit.cell, call.lineno,
                           f"{name}(...) runs on import, because a definition the module keeps "
                           "depends on it; compute it inside a function if it is slow")  # fmt: skip


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
