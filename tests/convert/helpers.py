from __future__ import annotations

from typing import Any

from nbgen.convert.percent import VOLATILE_CELL_METADATA


def cell_view(nb: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """What a round trip must keep: type, source, the metadata worth keeping (and, under the
    key ``<attachments>``, a cell's attachments)."""
    view = []
    for c in nb["cells"]:
        meta = {k: v for k, v in c.get("metadata", {}).items() if k not in VOLATILE_CELL_METADATA}
        if "attachments" in c:
            meta["<attachments>"] = c["attachments"]
        source = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        view.append((c["cell_type"], source, meta))
    return view


def notebook(*cells: tuple[str, str], language: str = "python") -> dict[str, Any]:
    """A minimal nbformat 4.5 notebook from (cell_type, source) pairs."""
    out = []
    for i, (kind, source) in enumerate(cells):
        cell: dict[str, Any] = {"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    meta = {"kernelspec": {"display_name": language, "language": language, "name": language}}
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
