"""Notebooks that GitHub renders, and diffs without noise: ``nbgen clean``.

*Widgets.* Colab saves widget state (progress bars, sliders) as the models themselves under
``metadata.widgets["application/vnd.jupyter.widget-state+json"]``, without the ``state`` key
that the widget-state format has there; nbconvert, and so GitHub's renderer, read
``...["state"]`` and refuse the notebook ("the 'state' key is missing from 'metadata.widgets'",
colabtools 5288, 5255). The fix wraps the models as the format says: ``{"state": {...},
"version_major": 2, "version_minor": 0}``; an entry that is not a mapping is removed.

*Outputs* (``--outputs``), as nbstripout strips them: every code cell's outputs and execution
count (unless the cell has ``keep_output`` in its metadata or tags), the cell metadata that
records a run or a view's scroll state (``execution``, ``ExecuteTime``, ``collapsed``,
``scrolled``, ``heading_collapsed``, ``hidden``, Colab's ``outputId`` and the output sizes in
a cell's ``colab``), and the notebook's ``widgets`` and ``signature``. What Colab needs to open
the notebook as it was stays: ``accelerator`` and ``colab.gpuType`` (the runtime), each cell's
``cellView: "form"`` (the form views), ``kernelspec``, ``language_info``, cell ids and tags.
``colab.provenance`` (the Drive files and times a notebook was copied from: noise in every
diff, and nothing Colab needs to reopen it) becomes ``[]``, as Colab writes it for a new
notebook.

A notebook is rewritten in the JSON layout it came in (nbformat's, Colab's...), so the diff is
the fix and nothing else; a clean notebook is left alone, byte for byte.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.convert.ipynb import Notebook, check_schema, parse_notebook
from nbgen.errors import NotebookError
from nbgen.fsutil import atomic_write_bytes, decode_text, encode_text, read_bytes

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_RUN_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "heading_collapsed",
                      "hidden", "outputId")  # fmt: skip
_COLAB_OUTPUT_KEYS = ("base_uri", "height", "referenced_widgets", "output_embedded_package_id")


class Cleaned(NamedTuple):
    path: Path
    changes: list[str]  # what was fixed; empty: the file was already clean
    written: bool


def renderable(nb: Notebook) -> Notebook:
    """``nb`` with its widget state in the shape GitHub's renderer reads (a copy if it changes);
    every writer of notebooks calls this."""
    fixed = copy.deepcopy(nb)
    return fixed if _fix_widgets(fixed) else nb


def clean_notebook(nb: Notebook, *, outputs: bool = False) -> list[str]:
    """Clean ``nb`` (raw notebook JSON, nbformat 4) in place; what changed, in words."""
    changes = []
    if _fix_widgets(nb):
        changes.append("widget state GitHub can render")
    if outputs:
        changes += _strip_outputs(nb)
    return changes


def _fix_widgets(nb: Notebook) -> bool:
    meta = nb.get("metadata")
    widgets = meta.get("widgets") if isinstance(meta, dict) else None
    if not isinstance(widgets, dict) or WIDGET_STATE not in widgets:
        return False
    state = widgets[WIDGET_STATE]
    if isinstance(state, dict) and "state" in state:
        return False
    if isinstance(state, dict):
        models = {k: v for k, v in state.items() if k not in ("version_major", "version_minor")}
        widgets[WIDGET_STATE] = {"state": models, "version_major": 2, "version_minor": 0}
    else:
        del widgets[WIDGET_STATE]
        if not widgets:
            del meta["widgets"]  # type: ignore[union-attr]
    return True


def _strip_outputs(nb: Notebook) -> list[str]:
    stripped = counts = 0
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        found = cell.get("metadata")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        keep = meta.get("keep_output") is True or "keep_output" in (meta.get("tags") or [])
        if cell.get("cell_type") == "code" and not keep:
            stripped += len(cell.get("outputs") or [])
            counts += cell.get("execution_count") is not None
            cell["outputs"], cell["execution_count"] = [], None
        for key in _RUN_CELL_METADATA:
            meta.pop(key, None)
        colab = meta.get("colab")
        if isinstance(colab, dict):
            for key in _COLAB_OUTPUT_KEYS:
                colab.pop(key, None)
            if not colab:
                del meta["colab"]
    changes = [f"{stripped} outputs"] if stripped else []
    changes += [f"{counts} execution counts"] if counts else []
    top = nb.get("metadata")
    if isinstance(top, dict):
        changes += [f"metadata.{key}" for key in ("widgets", "signature") if top.pop(key, None)]
        colab = top.get("colab")
        if isinstance(colab, dict) and colab.get("provenance") not in (None, []):
            colab["provenance"] = []
            changes.append("colab.provenance")
    return changes


def clean_file(path: Path, *, outputs: bool = False, check: bool = False) -> Cleaned:
    """Clean one notebook file; with ``check``, only say what would change. The file is
    replaced only while it still holds what was read (an edit saved meanwhile is kept)."""
    data = read_bytes(path)
    parse_notebook(data, path)  # a damaged file says what is wrong, in one line
    text, style = decode_text(data, path)
    raw = json.loads(text)
    if raw.get("nbformat") != 4:
        raise NotebookError(
            f"{path}: nbformat {raw.get('nbformat')!r}; nbgen clean works on nbformat 4: open "
            "and save the notebook in Jupyter to upgrade it"
        )
    before = copy.deepcopy(raw)
    changes = clean_notebook(raw, outputs=outputs)
    if raw == before:  # the edits changed nothing (already clean)
        return Cleaned(path, [], False)
    if check:
        return Cleaned(path, changes, False)
    check_schema(raw, path, remedy="it was not valid as it was either: open and save it in Jupyter")
    new = encode_text(_in_layout_of(text, before, raw), style, path)
    atomic_write_bytes(path, new, proof=data.__eq__)
    return Cleaned(path, changes, True)


def _in_layout_of(text: str, before: Notebook, after: Notebook) -> str:
    """``after`` as JSON in the layout ``text`` (``before`` as read) was written in: indent,
    key order, escaped or plain non-ASCII, final newline; nbformat's otherwise."""
    for indent, ascii_only, sort in itertools.product(
        (1, 2, 4, None), (False, True), (True, False)
    ):
        dump = json.dumps(before, indent=indent, ensure_ascii=ascii_only, sort_keys=sort,
                          separators=(",", ": ") if indent is not None else (", ", ": "))  # fmt: skip
        if text in (dump, dump + "\n"):
            out = json.dumps(after, indent=indent, ensure_ascii=ascii_only, sort_keys=sort,
                             separators=(",", ": ") if indent is not None else (", ", ": "))  # fmt: skip
            return out + "\n" if text.endswith("\n") else out
    # nbformat's layout, every value as it was (a source kept as one string stays one)
    return (
        json.dumps(after, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": "))
        + "\n"
    )
