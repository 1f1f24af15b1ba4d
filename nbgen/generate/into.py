"""`nbgen new --into`: the setup cells in the notebook the user trains in.

Colab gives every notebook its own runtime, so setup has to run in the training notebook
itself. nbgen owns the cells it marked and can prove it wrote (``generate/into_cells.py``)
and refreshes each where it stands; a user cell is never touched, reordered or dropped.
Values the user set in the form, and lines of their own in the parameters cell, are kept
unless a flag says otherwise (``generate/into_form.py``); a refresh with nothing new writes
nothing, so running it twice gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.convert.clean import renderable
from nbgen.convert.ipynb import Notebook, dumps_notebook, language_of, parse_notebook
from nbgen.errors import UsageError
from nbgen.fsutil import atomic_write_bytes, decode_text, encode_text, read_bytes, style_of
from nbgen.generate.into_cells import PARAMETERS, Plan, find_originals, owned_section, plan_cells
from nbgen.generate.into_form import PARAMETER_KEYS, form_values
from nbgen.generate.spec import NotebookSpec, load_spec_file, overlay, validate_values

__all__ = ["PARAMETER_KEYS", "Refresh", "owned_section", "refresh_setup", "setup_into"]


class Refresh(NamedTuple):
    changed: bool
    had_setup: bool
    setup_cells: int
    user_cells: int
    notes: list[str]


def refresh_setup(
    path: Path, *, spec_file: Path | None, flags: dict[str, Any], check: bool = False,
    force: bool = False,
) -> Refresh:  # fmt: skip
    """Put fresh setup cells into ``path`` (unless ``check``); say what changed. Setup cells
    the user edited are replaced only with ``force``."""
    _check_path(path)
    data = read_bytes(path)
    nb = _user_notebook(data, path)
    spec, originals, fresh, plan = _planned(nb, path, spec_file, flags)
    if plan.edited and not force:
        raise UsageError(
            f"--into {path}: you edited nbgen's {', '.join(plan.edited)}; nothing written. "
            "Move your change into a cell of your own (nbgen never touches those), or add "
            "--force to replace it with nbgen's"
        )
    notes = [f"{path}: {note}" for note in plan.notes]
    notes += [f"{path}: {name}: your edits replaced (--force)" for name in plan.edited]
    named = "gpu" in flags or (spec_file is not None and "gpu" in load_spec_file(spec_file))
    meta = _metadata(nb.get("metadata", {}), spec.gpu, named=named, first=not originals)
    merged: Notebook = {**nb, "cells": plan.cells, "metadata": meta}
    new_data = encode_text(dumps_notebook(renderable(merged)), style_of(data), path)
    changed = new_data != data
    if changed and not check:
        from nbgen.generate.into_pair import follow_pair, refuse_unsynced_pair

        refuse_unsynced_pair(path, nb)  # before writing: the .py's edits would be lost
        # the user's notebook, with every cell of theirs as it was: replaced only while it
        # holds the bytes read above (an edit saved meanwhile is never overwritten)
        atomic_write_bytes(path, new_data, proof=data.__eq__)
        notes += follow_pair(path)
    user = sum(1 for c in plan.cells if owned_section(c) is None)
    return Refresh(changed, bool(originals), len(fresh), user, notes)


def setup_into(
    nb: Notebook, path: Path, *, spec_file: Path | None, flags: dict[str, Any]
) -> Notebook:
    """What ``--into`` makes of ``nb`` (read from ``path``), in memory: nothing is written.
    For a copy nbgen makes itself (``nbgen kaggle run --setup``), so setup cells the user
    edited are refreshed there; the user's own file is never changed."""
    _spec, _originals, _fresh, plan = _planned(nb, path, spec_file, flags)
    return {**nb, "cells": plan.cells}


def _planned(
    nb: Notebook, path: Path, spec_file: Path | None, flags: dict[str, Any]
) -> tuple[NotebookSpec, dict[tuple[str, str], int], list[dict[str, Any]], Plan]:
    """The spec, nbgen's original cells, the fresh setup cells and where each cell goes."""
    cells = nb["cells"]
    originals = find_originals(cells)
    spec = _spec_for(cells, path, spec_file, flags, originals)
    fresh = _setup_cells(spec)
    return (
        spec,
        originals,
        fresh,
        plan_cells(cells, fresh, with_ids=nb.get("nbformat_minor", 0) >= 5),
    )


def _check_path(path: Path) -> None:
    if path.suffix != ".ipynb":
        raise UsageError(f"--into {path}: give a notebook (.ipynb), e.g. --into train.ipynb")
    if path.is_symlink() and not path.exists():
        raise UsageError(
            f"--into {path}: a symbolic link that leads nowhere (or to itself); point it at "
            "your notebook, or give the notebook itself"
        )
    if path.is_dir():
        raise UsageError(f"--into {path}: is a folder; give a notebook, e.g. --into train.ipynb")
    if not path.exists():
        raise UsageError(
            f"--into {path}: no such notebook; create it in Colab or Jupyter first, or write a "
            f"new setup notebook with: nbgen new -o {path}"
        )


def _user_notebook(data: bytes, path: Path) -> Notebook:
    """The notebook, if the setup cells can go into it: nbformat 4, a Python kernel."""
    try:
        major = json.loads(decode_text(data, path)[0]).get("nbformat")
    except (ValueError, AttributeError, RecursionError):
        major = None  # parse_notebook below says what is wrong
    if major == 3:
        raise UsageError(
            f"--into {path}: an nbformat 3 notebook (Jupyter before 2015); open it in Jupyter "
            f"and save it, or run: jupyter nbconvert --to notebook --inplace {path}; then run "
            "this again"
        )
    nb, _ = parse_notebook(data, path)
    language = language_of(nb)
    if language != "python":
        raise UsageError(
            f"--into {path}: a {language} notebook; the setup cells are Python: put them into "
            "a Python notebook (or write one with: nbgen new -o setup.ipynb)"
        )
    return nb


def _spec_for(
    cells: list[dict[str, Any]], path: Path, spec_file: Path | None, flags: dict[str, Any],
    originals: dict[tuple[str, str], int],
) -> NotebookSpec:  # fmt: skip
    """Spec file, then the values in the notebook's form, then the flags. The first time, the
    benchmark stays out (a "Run all" of a training notebook must not train ResNet-101 first)."""
    values: dict[str, Any] = {"bench": False}
    if spec_file is not None:
        values.update(validate_values(load_spec_file(spec_file), source=str(spec_file)))
    values.pop("output", None)
    if originals:
        sections = {section for section, _ in originals}
        values.update(import_notebooks="importer" in sections, bench="bench" in sections)
        values.update(checkpoints="checkpoints" in sections)
        if PARAMETERS in originals:
            index = originals[PARAMETERS]
            where = f"{path}: the parameters cell (cell {index + 1})"
            values.update(form_values(cells[index]["source"], where))
    return NotebookSpec(**overlay(values, validate_values(flags, source="command line")))


def _setup_cells(spec: NotebookSpec) -> list[dict[str, Any]]:
    import nbformat

    from nbgen.generate.notebook import build_notebook

    node = build_notebook(spec, standalone=False)
    cells: list[dict[str, Any]] = json.loads(nbformat.writes(node))["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return cells


def _metadata(meta: dict[str, Any], gpu: str, *, named: bool, first: bool) -> dict[str, Any]:
    """The notebook's metadata, with the GPU that ``--gpu`` (or the spec file) ``named``; the
    first time, the default GPU unless the notebook already picks one. Nothing else changes."""
    colab = meta.get("colab") if isinstance(meta.get("colab"), dict) else None
    picked = meta.get("accelerator") is not None or (colab is not None and "gpuType" in colab)
    if not named and not (first and not picked):
        return meta
    out = dict(meta)
    colab = dict(colab or {})
    if gpu == "none":
        if out.get("accelerator") == "GPU":
            del out["accelerator"]
        colab.pop("gpuType", None)
    else:
        out["accelerator"] = "GPU"
        colab["gpuType"] = gpu
        colab.setdefault("provenance", [])
    if colab or "colab" in meta:
        out["colab"] = colab
    return out
