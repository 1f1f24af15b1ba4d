"""papermill-style parameters: ``-p NAME=VALUE`` becomes a cell after the ``parameters`` cell."""

from __future__ import annotations

import hashlib
from typing import Any

from nbgen.errors import UsageError

INJECTED_TAG = "injected-parameters"


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` → {NAME: value}, typed as papermill's ``-p NAME VALUE`` types them
    (``True``/``False``/``None``, an int, a float, else the text as it is), and a VALUE that
    starts with ``[`` or ``{`` read as YAML (so JSON too), as papermill's ``-y`` does."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(
                f"-p {pair!r}: expected NAME=VALUE with NAME a Python name, e.g. -p STEPS=2"
            )
        out[name] = _typed(raw, pair)
    return out


def _typed(raw: str, pair: str) -> Any:
    """papermill's ``_resolve_type``, plus YAML for lists and mappings."""
    if raw in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[raw]
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    if raw.lstrip().startswith(("[", "{")):
        import yaml  # a jupytext dependency

        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise UsageError(f"-p {pair!r}: not valid YAML or JSON ({exc})") from None
    return raw


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
