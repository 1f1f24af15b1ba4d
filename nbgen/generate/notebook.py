"""Percent text → a validated Colab notebook, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgen.convert.formats import DEFAULT_KERNELSPEC, cell_id
from nbgen.errors import NbgenError
from nbgen.fsutil import atomic_write_text
from nbgen.generate.render import render_percent
from nbgen.generate.spec import NotebookSpec

# Cell metadata the templates set on purpose; anything else jupytext adds is dropped.
_CELL_KEYS = ("tags", "cellView", "nbgen")


def build_notebook(spec: NotebookSpec, *, standalone: bool = True) -> Any:
    """Render ``spec`` into an nbformat notebook node with Colab metadata and stable cell ids.

    Every cell nbgen owns says so in its metadata (``nbgen: {"setup": SECTION}``); a
    standalone notebook ends with a "your code starts here" cell that the user owns.
    """
    import jupytext
    import nbformat

    nb = jupytext.reads(render_percent(spec, standalone=standalone), fmt="py:percent")
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(notebook_metadata(spec))
    for index, cell in enumerate(nb.cells):
        cell.metadata = nbformat.from_dict(
            {k: cell.metadata[k] for k in _CELL_KEYS if k in cell.metadata}
        )
        cell.id = cell_id(index, cell.source)  # stable: regenerating gives the same bytes
    nbformat.validate(nb)
    return nb


def notebook_metadata(spec: NotebookSpec) -> dict[str, Any]:
    """Colab metadata: GPU runtime preselected, python3 kernel."""
    colab: dict[str, Any] = {"provenance": [], "toc_visible": True}
    meta: dict[str, Any] = {}
    if spec.gpu != "none":
        meta["accelerator"] = "GPU"
        colab["gpuType"] = spec.gpu
    meta["colab"] = colab
    meta["kernelspec"] = dict(DEFAULT_KERNELSPEC)
    meta["language_info"] = {"name": "python"}
    return meta


def write_notebook(spec: NotebookSpec, output: Path, *, force: bool = False) -> Path:
    """Build the notebook and write it to ``output`` atomically; an existing file (or a link)
    is replaced only with ``force``."""
    import nbformat

    if output.suffix != ".ipynb":
        raise NbgenError(f"--output {output}: a notebook file must end in .ipynb")
    if output.is_symlink() and not output.is_file():  # dangling, a loop, or to a folder
        raise NbgenError(
            f"--output {output}: is a symbolic link that does not lead to a file; nbgen does "
            "not follow it: choose another name, or remove the link"
        )
    if output.is_dir():
        raise NbgenError(
            f"--output {output}: is a folder; give a file name such as {output / 'colab_setup.ipynb'}"
        )
    if output.exists() and not force:
        raise NbgenError(
            f"--output {output}: already exists; nbgen does not overwrite it: choose another "
            "name, or add --force to replace it"
        )
    # replaced only when --force names it: a notebook is the user's once it exists
    atomic_write_text(output, nbformat.writes(build_notebook(spec)) + "\n", proof=None, force=force)
    return output
