"""Update an existing notebook from text: cells whose source did not change keep their
outputs, execution counts, ids, attachments and UI metadata."""

from __future__ import annotations

import difflib
from typing import Any

from nbgen.convert.ipynb import Notebook
from nbgen.convert.percent import VOLATILE_CELL_METADATA


def _key(cell: dict[str, Any]) -> tuple[str, str]:
    # Line endings aside: a cell whose CRLF lines came back as LF through a CRLF-styled .py is
    # the same cell, and keeps its own source, outputs and all.
    return cell["cell_type"], cell["source"].replace("\r\n", "\n")


def merge_into(old: Notebook, new: Notebook, *, filtered: bool = False) -> Notebook:
    """``new``'s cells and metadata, with ``old``'s outputs wherever a cell is unchanged.

    ``filtered``: ``new`` was read by jupytext, whose text carries only the notebook metadata
    its filter keeps (``kernelspec``, ``jupytext``...); the rest (``accelerator``, ``colab``,
    ``language_info``, ``widgets``) is kept from ``old``, as jupytext's own pairing does."""
    old_cells, new_cells = old.get("cells", []), new["cells"]
    matcher = difflib.SequenceMatcher(
        a=[_key(c) for c in old_cells], b=[_key(c) for c in new_cells], autojunk=False
    )
    matched: dict[int, dict[str, Any]] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            matched[block.b + offset] = old_cells[block.a + offset]
    with_ids = old.get("nbformat_minor", 5) >= 5
    used: set[str] = set()
    cells = []
    for index, cell in enumerate(new_cells):
        prior = matched.get(index)
        merged = _keep_prior(prior, cell) if prior is not None else dict(cell)
        if not with_ids:
            merged.pop("id", None)
        elif merged.get("id") in used or "id" not in merged:
            merged["id"] = _fresh_id(cell.get("id", "cell"), used)
        if with_ids:
            used.add(merged["id"])
        cells.append(merged)
    metadata = _metadata(old.get("metadata", {}), new["metadata"], filtered=filtered)
    return {
        **old,
        "cells": cells,
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": old.get("nbformat_minor", 5),
    }


def _keep_prior(prior: dict[str, Any], cell: dict[str, Any]) -> dict[str, Any]:
    merged = dict(prior)
    volatile = {k: v for k, v in prior.get("metadata", {}).items() if k in VOLATILE_CELL_METADATA}
    merged["metadata"] = {**volatile, **cell["metadata"]}
    if "attachments" in cell:
        merged["attachments"] = cell["attachments"]
    return merged


def _fresh_id(base: str, used: set[str]) -> str:
    candidate, n = base, 1
    while candidate in used:
        candidate, n = f"{base[:56]}-{n}", n + 1
    return candidate


def _metadata(old: dict[str, Any], new: dict[str, Any], *, filtered: bool) -> dict[str, Any]:
    if not filtered:
        return new if new else old
    from jupytext.metadata_filter import _DEFAULT_NOTEBOOK_METADATA, restore_filtered_metadata

    info = new.get("jupytext")
    user_filter = info.get("notebook_metadata_filter") if isinstance(info, dict) else None
    if user_filter == "-all":  # the text carries no metadata at all
        return old
    restored: dict[str, Any] = restore_filtered_metadata(
        new, old, user_filter, _DEFAULT_NOTEBOOK_METADATA
    )
    return restored
