"""Kaggle as a target: ``kernel-metadata.json`` beside the notebook, so that the kaggle client
pushes the folder and Kaggle runs it on the GPU asked for, the Internet on, and the data sets,
competitions, notebooks and models attached (the notebook then finds them under /kaggle/input,
in place). One builder serves ``nbgen new --platform kaggle`` and ``nbgen kaggle run``."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from nbgen.errors import UsageError
from nbgen.generate.spec import NotebookSpec

METADATA_FILE = "kernel-metadata.json"

# --gpu → the machine_shape Kaggle runs the notebook on, and how to say it. The names are the
# kaggle client's own (docs/kernels.md, "Accelerators available"): NvidiaTeslaT4Highmem is
# "GPU T4 x2". Without machine_shape, enable_gpu alone gets whatever Kaggle's default is.
KAGGLE_GPUS: dict[str, tuple[str, str]] = {
    "t4": ("NvidiaTeslaT4", "GPU T4"),
    "t4x2": ("NvidiaTeslaT4Highmem", "GPU T4 x2"),
    "l4": ("NvidiaL4", "GPU L4"),
    "a100": ("NvidiaTeslaA100", "GPU A100"),
    "h100": ("NvidiaH100", "GPU H100"),
    "none": ("", "no GPU"),
}
# Retired by Kaggle (kaggle-cli 2.2 warns; Kaggle's current torch has no sm_60 kernels).
RETIRED_GPUS = {"p100": "NvidiaTeslaP100"}


def machine_shape(gpu: str, flag: str = "--gpu") -> str:
    """The machine_shape for ``gpu`` ("" for none); a UsageError naming the choices otherwise."""
    return KAGGLE_GPUS[gpu_key(gpu, flag)][0]


def gpu_key(gpu: str, flag: str = "--gpu") -> str:
    """``gpu`` as a KAGGLE_GPUS key (``T4 ×2`` is ``t4x2``); a UsageError naming the choices."""
    key = gpu.strip().lower().replace(" ", "").replace("×", "x")
    if key in KAGGLE_GPUS:
        return key
    choices = ", ".join(KAGGLE_GPUS)
    if key in RETIRED_GPUS:
        raise UsageError(f"{flag} {gpu}: Kaggle has retired the P100 ({RETIRED_GPUS[key]}), and "
                         f"its current torch cannot use it; choose one of {choices} (t4 is the "
                         "free default, t4x2 two of them)")  # fmt: skip
    raise UsageError(f"{flag} {gpu!r}: not a Kaggle accelerator; choose one of {choices}")


class KernelSources(NamedTuple):
    """What the notebook gets attached (mounted under /kaggle/input)."""

    datasets: tuple[str, ...] = ()
    competitions: tuple[str, ...] = ()
    kernels: tuple[str, ...] = ()
    models: tuple[str, ...] = ()

    def summary(self) -> str:
        """``1 competition attached``, ``2 data sets, 1 model attached``, or ``""``."""
        parts = [
            f"{len(items)} {word if len(items) == 1 else plural}"
            for items, word, plural in (
                (self.datasets, "data set", "data sets"),
                (self.competitions, "competition", "competitions"),
                (self.kernels, "notebook's output", "notebooks' outputs"),
                (self.models, "model", "models"),
            )
            if items
        ]
        return f"{', '.join(parts)} attached" if parts else ""


def kernel_sources(values: Iterable[str]) -> KernelSources:
    """Everything ``--data`` names: what ``nbgen kaggle download`` takes (data sets and
    competitions in every pasted form), and kaggle.com/code/... notebooks and
    kaggle.com/models/... models (or their kagglehub handles)."""
    from nbgen.runtime.kaggle.refs import kaggle_refs
    from nbgen.runtime.kaggle.text import KaggleError

    found: dict[str, list[str]] = {"dataset": [], "competition": [], "kernel": [], "model": []}
    for value in values:
        other = _kernel_or_model(value)
        try:
            refs = [other] if other else [(r.kind, r.name) for r in kaggle_refs(value)]
        except KaggleError as exc:
            raise UsageError(f"--data: {exc}") from None
        for kind, name in refs:
            if name not in found[kind]:
                found[kind].append(name)
    return KernelSources(*(tuple(found[k]) for k in ("dataset", "competition", "kernel", "model")))


_HUB_RE = re.compile(
    r"kagglehub\.(model_download|notebook_output_download)\(\s*['\"]([^'\"]+)['\"]"
)
_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _kernel_or_model(value: str) -> tuple[str, str] | None:
    """("kernel", "owner/slug") or ("model", "owner/model/framework/variation/N") when
    ``value`` names one (an address or a kagglehub call), else None."""
    text = value.strip()
    hub = _HUB_RE.search(text)
    if hub:
        parts = hub.group(2).split("/")
        kind = "model" if hub.group(1) == "model_download" else "kernel"
    elif "kaggle.com/" in text:
        url = urlsplit(text if "://" in text else "https://" + text)
        head, *parts = [p for p in url.path.split("/") if p] or [""]
        if head not in ("code", "models"):
            return None
        kind = "kernel" if head == "code" else "model"
    else:
        return None
    if kind == "kernel" and len(parts) >= 2:
        parts = parts[:2]
    elif kind == "model" and len(parts) == 6 and parts[4] == "versions":
        parts = [*parts[:4], parts[5]]
    wanted = 2 if kind == "kernel" else 5
    if len(parts) != wanted or not all(_PART_RE.fullmatch(p) for p in parts):
        shape = "OWNER/SLUG" if kind == "kernel" else "OWNER/MODEL/FRAMEWORK/VARIATION/VERSION"
        raise UsageError(f"--data {value!r}: a Kaggle {kind} is named {shape}")
    return kind, "/".join(parts)


@dataclass(frozen=True)
class KernelTarget:
    """Everything kernel-metadata.json says."""

    id: str  # OWNER/SLUG
    title: str
    code_file: str
    gpu: str = "t4"  # a KAGGLE_GPUS key
    internet: bool = True
    private: bool = True
    sources: KernelSources = field(default_factory=KernelSources)


def kernel_metadata(target: KernelTarget) -> dict[str, Any]:
    """What the kaggle client's push reads (the fields of its own template, and machine_shape)."""
    slug = target.id.split("/")[-1]
    if len(slug) < 5:
        raise UsageError(
            f"--kaggle-id {target.id!r}: Kaggle wants a slug of five characters or more"
        )
    shape = machine_shape(target.gpu)  # a KernelTarget's gpu may come from a user's spec
    metadata: dict[str, Any] = {
        "id": target.id,
        "title": target.title,
        "code_file": target.code_file,
        "language": "python",
        "kernel_type": "notebook",
        "is_private": target.private,
        "enable_gpu": bool(shape),
        "enable_tpu": False,
        "enable_internet": target.internet,
        "dataset_sources": list(target.sources.datasets),
        "competition_sources": list(target.sources.competitions),
        "kernel_sources": list(target.sources.kernels),
        "model_sources": list(target.sources.models),
    }
    if shape:
        metadata["machine_shape"] = shape
    return metadata


def metadata_text(target: KernelTarget) -> str:
    return json.dumps(kernel_metadata(target), indent=2) + "\n"


def kernel_slug(spec: NotebookSpec) -> str:
    """The notebook's slug on Kaggle: its title, lower case, words joined by dashes."""
    return slugify(kernel_title(spec))


def slugify(text: str) -> str:
    """Kaggle's slug for a title: lower case, runs of anything else joined by one dash."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


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


def spec_target(spec: NotebookSpec, code_file: str) -> KernelTarget:
    """What ``nbgen new --platform kaggle`` pushes: the spec's GPU, data and id."""
    from nbgen.runtime.kaggle.refs import kaggle_refs

    refs = kaggle_refs(spec.kaggle_field)
    kernel = kernel_id(spec)[0]
    title = kernel_title(spec) if not spec.kaggle_id else kernel.split("/")[1].replace("-", " ")
    sources = KernelSources(
        datasets=tuple(dict.fromkeys(r.name for r in refs if r.kind == "dataset")),
        competitions=tuple(dict.fromkeys(r.name for r in refs if r.kind == "competition")),
    )
    return KernelTarget(kernel, title, code_file, gpu=spec.gpu.lower(), sources=sources)


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
    if metadata.is_symlink() and not metadata.is_file():
        raise UsageError(
            f"{metadata}: is a symbolic link that does not lead to a file; nbgen does not "
            "follow it: remove the link"
        )
    if metadata.exists() and not force:
        raise UsageError(
            f"{metadata}: already exists; nbgen does not overwrite it: add --force to replace it"
        )
    text = metadata_text(spec_target(spec, code_file))  # first: a bad --kaggle-id writes nothing
    notebook = write_notebook(spec, folder / code_file, force=force)
    atomic_write_text(metadata, text, proof=None, force=force)
    return notebook, metadata, kernel_id(spec)[1]
