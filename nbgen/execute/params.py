"""papermill-style parameters: ``-p NAME=VALUE`` becomes a cell after the ``parameters`` cell."""

from __future__ import annotations

import ast
import hashlib
from typing import Any

from nbgen.errors import UsageError

INJECTED_TAG = "injected-parameters"


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` → {NAME: value}; VALUE is a Python literal if it reads as one, else text."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(
                f"-p {pair!r}: expected NAME=VALUE with NAME a Python name, e.g. -p STEPS=2"
            )
        try:
            out[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            out[name] = raw
    return out


def inject_parameters(nb: dict[str, Any], values: dict[str, Any]) -> str:
    """Insert the parameters cell (replacing an earlier injection); return where it went."""
    if not values:
        return ""
    cells = [c for c in nb["cells"] if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    source = "# Parameters\n" + "\n".join(f"{name} = {value!r}" for name, value in values.items())
    cell: dict[str, Any] = {
        "cell_type": "code", "execution_count": None, "outputs": [], "source": source,
        "metadata": {"tags": [INJECTED_TAG]},
    }  # fmt: skip
    if nb.get("nbformat_minor", 5) >= 5:
        cell["id"] = "injected-" + hashlib.sha1(source.encode()).hexdigest()[:12]
    index = next(
        (i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    where = (
        "after the cell tagged 'parameters'"
        if index is not None
        else "at the top (no cell is tagged 'parameters')"
    )
    cells.insert(0 if index is None else index + 1, cell)
    nb["cells"] = cells
    return where
