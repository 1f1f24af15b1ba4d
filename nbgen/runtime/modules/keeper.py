"""Module mode's decision: which statements run on import, and what to tell the user about
them. The same code serves ``nbgen convert --mode module`` and the import hook. Standard
library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import ast
import bisect
import builtins
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from nbgen.runtime.modules.syntax import (
    Facts,
    Unit,
    dotted_name,
    import_names,
    split_units,
    unit_facts,
)

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


class Note(NamedTuple):
    """Something the module does on import that a user should know (``nbgen convert``)."""

    cell: int  # index in the sources given to :func:`analyse`
    line: int
    message: str


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
    units = [split_units(i, text) for i, text in enumerate(sources)]
    flat = [u for cell_units in units for u in cell_units]
    split = [text.split("\n") if text is not None else [] for text in sources]
    imported = {n for u in flat for node in u.nodes for n in import_names(node)}
    facts = [unit_facts(u, split[u.cell], imported) for u in flat]
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
        self, flat: list[Unit], facts: list[Facts], magic_reads: Sequence[frozenset[str]]
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


def _notes(unit: Unit, facts: Facts) -> Iterator[Note]:
    """Why importing this kept unit may do more than define things."""
    if facts.effects:
        return  # set-up that a kept import or value needs: kept on purpose
    for node in unit.nodes:
        for call, where in _import_time_calls(node):
            name = dotted_name(call.func) or "(...)"
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
