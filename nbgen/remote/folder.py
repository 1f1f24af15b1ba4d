"""The folder ``nbgen kaggle run`` pushes: the user's notebook as it is (with ``--setup``, the
setup cells first, as ``--into`` would put them), outputs cleared, and kernel-metadata.json from
the same builder as ``nbgen new --platform kaggle``. It is a private scratch folder that is gone
after the push; the user's notebook is only read."""

from __future__ import annotations

import copy
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbgen.convert.ipynb import Notebook
from nbgen.errors import NbgenError, UsageError
from nbgen.generate.kernel import METADATA_FILE, KernelTarget, metadata_text, slugify

_KERNEL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*/[a-z0-9][a-z0-9-]{4,}")
_SECRET_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_ENV_RE = re.compile(r"(TOKEN|API_KEY|KAGGLE_KEY|SECRET|PASSWORD)$", re.IGNORECASE)
# tokens by their documented prefixes, and a kaggle.json pasted into a cell
_TOKEN_FORM_RE = re.compile(
    r"\b(?:hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{40,}|sk-[\w-]{40,})"
    r"|\\*[\"']key\\*[\"']\s*:\s*\\*[\"'][0-9a-f]{32}\\*[\"']"
)


@dataclass
class PushedNotebook:
    """The copy that goes to Kaggle, and how its cells map to the user's."""

    notebook: Notebook
    setup_cells: int = 0  # how many setup cells --setup put in
    user_ids: list[str] = field(default_factory=list)  # the user's cell ids, in order


def read_user_notebook(path: Path) -> Notebook:
    """The notebook to run; a clear error for a missing file, a folder or a non-notebook."""
    from nbgen.convert.ipynb import read_notebook

    if not path.exists():
        raise UsageError(f"{path}: no such notebook")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; give the notebook to run, e.g. train.ipynb")
    if path.suffix != ".ipynb":
        raise UsageError(f"{path}: not a notebook (.ipynb); for a paired .py, run its notebook, "
                         f"or make one: nbgen convert {path} --to ipynb")  # fmt: skip
    return read_notebook(path)[0]


def check_kernel_id(value: str, flag: str = "--id") -> str:
    if not _KERNEL_ID_RE.fullmatch(value):
        raise UsageError(f"{flag} {value!r}: not OWNER/SLUG with a slug of 5 or more lower-case "
                         "letters, digits or dashes, e.g. --id me/train-resnet")  # fmt: skip
    return value


def default_slug(notebook: Path) -> str:
    """The slug Kaggle gets from the notebook's name; refused when too short to be one."""
    slug = slugify(notebook.stem)
    if len(slug) < 5:
        raise UsageError(f"{notebook}: its name gives the Kaggle slug {slug!r}, and Kaggle wants "
                         "5 or more letters, digits or dashes: pass --id OWNER/SLUG, "
                         "e.g. --id me/train-resnet")  # fmt: skip
    return slug


def pushed_copy(nb: Notebook, path: Path, *, setup: bool, data: list[str]) -> PushedNotebook:
    """``nb`` as it goes to Kaggle: with ``setup``, the setup cells (for Kaggle, no benchmark,
    no sibling imports) first; outputs and execution counts cleared."""
    user_ids = [str(c.get("id", "")) for c in nb["cells"]]
    pushed = copy.deepcopy(nb)
    setup_cells = 0
    if setup:
        from nbgen.generate.into import owned_section, setup_into

        had = any(owned_section(c) is not None for c in nb["cells"])
        flags: dict[str, Any] = {"platform": "kaggle", "kaggle_data": _setup_data(data)}
        if not had:  # a training run on Kaggle has no use for ResNet-101 or sibling notebooks
            flags.update(bench=False, import_notebooks=False)
        pushed = setup_into(pushed, path, spec_file=None, flags=flags)
        setup_cells = sum(owned_section(c) is not None for c in pushed["cells"])
    for cell in pushed["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return PushedNotebook(pushed, setup_cells, user_ids)


def _setup_data(data: list[str]) -> list[str]:
    """The data sets and competitions of ``--data``, for the setup cells' KAGGLE_DATA (which
    finds them attached under /kaggle/input)."""
    from nbgen.generate.kernel import kernel_sources

    sources = kernel_sources(data)
    return [*sources.datasets, *sources.competitions]


def check_secrets(pushed: Notebook, names: list[str], path: Path) -> None:
    """Each ``--secret`` must be read through kaggle_secrets by the notebook that runs."""
    code = "\n".join(c["source"] for c in pushed["cells"] if c.get("cell_type") == "code")
    for name in names:
        if not _SECRET_RE.fullmatch(name):
            raise UsageError(f"--secret {name!r}: a Kaggle Secret's name is letters, digits and "
                             "underscores, e.g. --secret WANDB_API_KEY")  # fmt: skip
        reads = "kaggle_secrets" in code and re.search(rf"['\"]{re.escape(name)}['\"]", code)
        if not reads:
            raise UsageError(
                f"--secret {name}: {path} does not read it through kaggle_secrets, so attaching it "
                "would change nothing; read it in a cell: from kaggle_secrets import "
                f'UserSecretsClient; UserSecretsClient().get_secret("{name}")'
            )


def secret_values(environ: Mapping[str, str], names: list[str]) -> dict[str, str]:
    """The values set here that must not go to Kaggle: ``names`` and every variable whose name
    says it holds a secret (HF_TOKEN, WANDB_API_KEY, GITHUB_TOKEN, KAGGLE_KEY ...)."""
    return {n: v for n, v in environ.items() if v and (n in names or _SECRET_ENV_RE.search(n))}


def check_no_values(pushed: Notebook, values: Mapping[str, str], path: Path) -> None:
    """No secret's value (credentials, secrets set here) may go to Kaggle, nor a string that is
    a token by its form (``hf_...``, ``ghp_...``, a kaggle.json key), in a cell or the
    notebook's metadata."""
    parts = [*enumerate(pushed["cells"], 1), (0, pushed.get("metadata", {}))]
    for number, part in parts:
        text = json.dumps(part, ensure_ascii=False)
        where = f"cell {number}" if number else "its metadata"
        for name, value in values.items():
            if len(value) >= 6 and (value in part.get("source", "") or value in text):
                raise NbgenError(
                    f"{path}: {where} holds the value of {name}; nbgen does not push a "
                    "secret: remove it from the notebook and read it from Kaggle Secrets instead"
                )
        if token := _TOKEN_FORM_RE.search(text):
            raise NbgenError(
                f"{path}: {where} holds what looks like a token ({token.group()[:6]}...); nbgen "
                "does not push a secret: remove it and read it from Kaggle Secrets instead"
            )


@contextmanager
def push_folder(pushed: Notebook, target: KernelTarget) -> Iterator[Path]:
    """The pushed folder, in a private scratch folder that is deleted afterwards."""
    from nbgen.convert.ipynb import dumps_notebook
    from nbgen.runtime.ownership.files import write_file
    from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder

    folder = scratch_folder(Path(tempfile.gettempdir()), "kaggle-push")
    try:
        write_file(folder / target.code_file, dumps_notebook(pushed).encode("utf-8"))
        write_file(folder / METADATA_FILE, metadata_text(target).encode("utf-8"))
        yield folder
    finally:
        remove_scratch(folder)
