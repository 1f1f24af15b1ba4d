"""Kaggle as a target: ``kernel-metadata.json`` beside the notebook, so that
``kaggle kernels push -p FOLDER`` runs it on Kaggle with a GPU, the Internet on, and the data
sets and competitions attached (the notebook then finds them under /kaggle/input, in place)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from nbgen.errors import UsageError
from nbgen.generate.spec import NotebookSpec

METADATA_FILE = "kernel-metadata.json"


def kernel_slug(spec: NotebookSpec) -> str:
    """The notebook's slug on Kaggle: its title, lower case, words joined by dashes."""
    title = kernel_title(spec)
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def kernel_title(spec: NotebookSpec) -> str:
    title = re.sub(r"[_\s]+", " ", Path(spec.work_folder).name).strip() or "nbgen"
    return title if len(title) >= 5 else f"{title} setup"  # Kaggle wants five characters


def kernel_id(spec: NotebookSpec) -> tuple[str, bool]:
    """``owner/slug`` for the kernel, and whether the owner is known (from --kaggle-id or
    KAGGLE_USERNAME)."""
    if spec.kaggle_id:
        return spec.kaggle_id, True
    user = os.environ.get("KAGGLE_USERNAME", "").strip()
    return f"{user or 'YOUR_KAGGLE_USERNAME'}/{kernel_slug(spec)}", bool(user)


def kernel_metadata(spec: NotebookSpec, code_file: str) -> dict[str, Any]:
    """What ``kaggle kernels push`` reads (the fields of the kaggle client's own template)."""
    from nbgen.runtime.kaggle_refs import kaggle_refs

    refs = kaggle_refs(spec.kaggle_field)
    slug = kernel_id(spec)[0]
    if len(slug.split("/")[-1]) < 5:
        raise UsageError(f"--kaggle-id {slug!r}: Kaggle wants a slug of five characters or more")
    return {
        "id": slug,
        "title": kernel_title(spec) if not spec.kaggle_id else slug.split("/")[1].replace("-", " "),
        "code_file": code_file,
        "language": "python",
        "kernel_type": "notebook",
        "is_private": True,
        "enable_gpu": spec.gpu != "none",
        "enable_tpu": False,
        "enable_internet": True,
        "dataset_sources": [r.name for r in refs if r.kind == "dataset"],
        "competition_sources": [r.name for r in refs if r.kind == "competition"],
        "kernel_sources": [],
        "model_sources": [],
    }


def metadata_text(spec: NotebookSpec, code_file: str) -> str:
    return json.dumps(kernel_metadata(spec, code_file), indent=2) + "\n"


def write_kaggle_folder(spec: NotebookSpec, *, force: bool = False) -> tuple[Path, Path, bool]:
    """The notebook and its ``kernel-metadata.json``: in the folder ``-o`` names (the notebook
    named after its slug), or beside ``-o NAME.ipynb``. Neither replaces a file without
    ``force``. Returns both paths and whether the owner in the id is known."""
    from nbgen.fsutil import atomic_write_text
    from nbgen.generate.notebook import write_notebook

    out = Path(spec.output)
    folder, code_file = (
        (out.parent, out.name) if out.suffix == ".ipynb" else (out, f"{kernel_slug(spec)}.ipynb")
    )
    metadata = folder / METADATA_FILE
    if (metadata.exists() or metadata.is_symlink()) and not force:
        raise UsageError(
            f"{metadata}: already exists; nbgen does not overwrite it: add --force to replace it"
        )
    text = metadata_text(spec, code_file)  # before any write: a bad --kaggle-id writes nothing
    notebook = write_notebook(spec, folder / code_file, force=force)
    atomic_write_text(metadata, text)
    return notebook, metadata, kernel_id(spec)[1]
