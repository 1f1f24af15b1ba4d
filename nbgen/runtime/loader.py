"""Load nbgen's runtime into one namespace object in a notebook: ``nbgen.mount_drive(...)``.

A generated notebook's "nbgen runtime" cell holds the source of each runtime module and calls
:func:`load_runtime` on them, so the notebook's own globals gain one name, ``nbgen``, and a
user's ``sync``, ``model`` or ``F`` is never shadowed. Tracebacks show the runtime's lines.
"""

from __future__ import annotations

import linecache
import sys
import types
from collections.abc import Sequence

RUNTIME_MODULE = "nbgen_runtime"


def load_runtime(sources: Sequence[tuple[str, str]]) -> types.ModuleType:
    """Run each (name, source) in one fresh module, in order; return the module.

    A module that needs a package the machine lacks (the benchmark without torch) is left out
    and named in the module's ``missing`` dict: the other cells still work.
    """
    module = types.ModuleType(RUNTIME_MODULE, "nbgen's runtime, loaded by the notebook")
    sys.modules[RUNTIME_MODULE] = module  # dataclasses look their module up there
    missing: dict[str, str] = {}
    module.__dict__["missing"] = missing
    for name, source in sources:
        filename = f"<nbgen runtime: {name}.py>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except ImportError as exc:
            missing[name] = str(exc)
    return module
