"""`nbgen new --into`: the setup cells at the top of the notebook the user trains in.

Colab gives every notebook its own runtime, so setup has to run in the training notebook
itself. nbgen owns the cells whose metadata says ``nbgen: {"setup": ...}`` and refreshes only
those: a user cell is never touched, reordered or dropped. Values the user set in the form
(the parameters cell) are kept unless a flag says otherwise; a refresh with nothing new writes
nothing, so running it twice gives the same bytes.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.convert.ipynb import Notebook, dumps_notebook, parse_notebook
from nbgen.errors import NbgenError, UsageError
from nbgen.fsutil import atomic_write_bytes, encode_text, read_bytes, style_of
from nbgen.generate.spec import NotebookSpec, load_spec_file, overlay, validate_values

# Each form field and the spec key it comes from (WORK_FOLDER stands for project/workdir).
PARAMETER_KEYS = {
    "LANG": "lang", "WORK_FOLDER": "workdir", "USE_DRIVE": "drive",
    "CUDA_VISIBLE_DEVICES": "cuda_visible_devices", "PIP_PACKAGES": "pip", "KAGGLE_DATA": "kaggle_data",
    "KAGGLE_DEST": "kaggle_dest", "BENCH_DATA": "bench_data", "BENCH_MODE": "bench_mode",
    "BENCH_STEPS": "bench_steps", "BENCH_BATCH_SIZE": "bench_batch_size",
    "BENCH_STEM": "bench_stem", "BENCH_EPOCHS": "bench_epochs",
}  # fmt: skip


class Refresh(NamedTuple):
    changed: bool
    had_setup: bool
    setup_cells: int
    user_cells: int
    notes: list[str]


def owned_section(cell: dict[str, Any]) -> str | None:
    """The setup section a cell belongs to, or None for a user's cell."""
    mark = cell.get("metadata", {}).get("nbgen")
    return (
        mark.get("setup") if isinstance(mark, dict) and isinstance(mark.get("setup"), str) else None
    )


def refresh_setup(
    path: Path, *, spec_file: Path | None, flags: dict[str, Any], check: bool = False
) -> Refresh:
    """Put fresh setup cells into ``path`` (unless ``check``); say what changed."""
    if path.suffix != ".ipynb":
        raise UsageError(f"--into {path}: give a notebook (.ipynb), e.g. --into train.ipynb")
    if not path.exists():
        raise UsageError(
            f"--into {path}: no such notebook; create it in Colab or Jupyter first, or write a "
            f"new setup notebook with: nbgen new -o {path}"
        )
    data = read_bytes(path)
    nb, _ = parse_notebook(data, path)
    old_setup = [c for c in nb["cells"] if owned_section(c) is not None]
    spec = _spec_for(nb, path, spec_file, flags, old_setup)
    fresh = _setup_cells(spec)
    merged = _merge(nb, fresh)
    new_data = encode_text(dumps_notebook(merged), style_of(data), path)
    changed = new_data != data
    if changed and not check:
        atomic_write_bytes(path, new_data)
    notes = [] if check or not changed else _follow_pair(path)
    user = len(nb["cells"]) - len(old_setup)
    return Refresh(changed, bool(old_setup), len(fresh), user, notes)


def _spec_for(
    nb: Notebook, path: Path, spec_file: Path | None, flags: dict[str, Any], old: list[Any]
) -> NotebookSpec:
    """Spec file, then the values in the notebook's form, then the flags."""
    values: dict[str, Any] = {}
    if spec_file is not None:
        values.update(validate_values(load_spec_file(spec_file), source=str(spec_file)))
    values.pop("output", None)
    if old:
        sections = {owned_section(c) for c in old}
        values.update(import_notebooks="importer" in sections, bench="bench" in sections)
        params = next((c for c in old if "parameters" in c["metadata"].get("tags", [])), None)
        if params is not None:
            form = _form_values(params["source"])
            values.update(validate_values(form, source=f"{path}: the parameters cell"))
    return NotebookSpec(**overlay(values, validate_values(flags, source="command line")))


def _form_values(source: str) -> dict[str, Any]:
    """The ``NAME = literal`` lines of a parameters cell, as spec values."""
    out: dict[str, Any] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return out
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            key = PARAMETER_KEYS.get(target.id) if isinstance(target, ast.Name) else None
            if key is None:
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if key == "kaggle_data" and isinstance(value, str):
                value = [part.strip() for part in _split_refs(value) if part.strip()]
            elif key == "pip" and isinstance(value, tuple):
                value = list(value)
            out[key] = value
    return out


def _split_refs(value: str) -> list[str]:
    from nbgen.runtime.kaggle_refs import kaggle_refs
    from nbgen.runtime.kaggle_text import KaggleError

    try:
        return [ref.name for ref in kaggle_refs(value)]
    except KaggleError as exc:
        raise NbgenError(f"the parameters cell: KAGGLE_DATA: {exc}") from None


def _setup_cells(spec: NotebookSpec) -> list[dict[str, Any]]:
    import nbformat

    from nbgen.generate.notebook import build_notebook

    node = build_notebook(spec, standalone=False)
    cells: list[dict[str, Any]] = json.loads(nbformat.writes(node))["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return cells


def _merge(nb: Notebook, fresh: list[dict[str, Any]]) -> Notebook:
    """``fresh`` where the old setup cells began (or at the top); the user's cells as they
    were. A setup cell whose text did not change keeps its outputs."""
    cells = nb["cells"]
    first = next((i for i, c in enumerate(cells) if owned_section(c) is not None), 0)
    old = {(owned_section(c), c["source"]): c for c in cells if owned_section(c) is not None}
    user = [c for c in cells if owned_section(c) is None]
    used = {c.get("id") for c in user}
    setup = []
    for cell in fresh:
        prior = old.get((owned_section(cell), cell["source"]))
        if prior is not None and cell["cell_type"] == "code":
            cell = {**cell, "outputs": prior.get("outputs", []),
                    "execution_count": prior.get("execution_count")}  # fmt: skip
        if cell.get("id") in used:
            cell = {**cell, "id": f"nbgen-{cell['id']}"[:64]}
        setup.append(cell)
    before = [c for c in cells[:first] if owned_section(c) is None]
    after = [c for c in user if c not in before]
    merged: Notebook = {**nb, "cells": [*before, *setup, *after]}
    if nb.get("nbformat_minor", 5) < 5:
        for cell in setup:
            cell.pop("id", None)
    meta = dict(nb.get("metadata", {}))
    if "accelerator" not in meta and "colab" not in meta:  # preselect a GPU, once
        meta["accelerator"] = "GPU"
        meta["colab"] = {"gpuType": "T4", "provenance": []}
    merged["metadata"] = meta
    return merged


def _follow_pair(notebook: Path) -> list[str]:
    """If the notebook has a paired .py (nbgen sync), bring it along."""
    from nbgen.convert.config import find_config
    from nbgen.convert.sync import Pair, SyncState, sync_pair

    config = find_config(notebook)
    if not config.pairs_notebook(notebook):
        return []
    pair = Pair(notebook, config.text_for(notebook))
    if not pair.text.exists():
        return []
    state = SyncState(config.root)
    outcome = sync_pair(pair, config, state)
    state.save()
    if outcome.status in ("updated", "in step"):
        return [f"wrote {p}" for p in outcome.written]
    return [f"{pair.text}: {outcome.status}: {outcome.message}"]
