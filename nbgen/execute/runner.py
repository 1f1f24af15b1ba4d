"""`nbgen run` as a library call: read, inject parameters, set up the platform's stand-ins,
execute in a real kernel, write the (possibly partial) result. Returns what happened."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError, UsageError
from nbgen.execute.kernel import CellFailure, Places, Platform


@dataclass
class RunResult:
    output: Path
    failure: CellFailure | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RunOptions:
    platform: Platform = "colab"
    output: Path | None = None
    parameters: list[str] = field(default_factory=list)
    timeout: int | None = None
    cwd: Path | None = None
    drive: Path | None = None  # the folder that plays MyDrive
    kaggle_input: Path | None = None  # the folder that plays /kaggle/input
    html: Path | None = None  # also write the executed notebook as a self-contained page
    force: bool = False  # replace an -o notebook or --html page nbgen run did not write


def run_notebook(notebook: Path, options: RunOptions, report: Callable[[str], None]) -> RunResult:
    """Execute ``notebook`` as ``options`` say; the executed notebook is always written."""
    from nbgen.convert.ipynb import read_notebook
    from nbgen.execute.kernel import default_output, execute, kernel_env
    from nbgen.execute.params import inject_parameters, parse_parameters

    _check_kernel_installed()
    from jupyter_client.kernelspec import NoSuchKernel

    if options.timeout is not None and options.timeout < 1:
        raise UsageError(f"--timeout {options.timeout}: give a number of seconds, at least 1")
    nb, notes = read_notebook(_checked_notebook(notebook))
    _check_kernelspec(nb, notebook)
    out = options.output or default_output(notebook)
    from nbgen.convert.report import is_nbgen_page
    from nbgen.fsutil import check_replace

    # before any cell runs (--force too: it cannot replace a folder or a read-only file)
    remedy = "choose another -o, or add --force to replace it"
    check_replace(out, proof=is_run_output, force=options.force, remedy=remedy)
    if options.html is not None:
        remedy = "move it away, or add --force to replace it"
        check_replace(options.html, proof=is_nbgen_page, force=options.force, remedy=remedy)
    where = inject_parameters(nb, parse_parameters(options.parameters))
    if where:
        notes.append(f"parameters injected {where}")
    for note in notes:  # what was read and injected, said before the first cell runs
        report(note)
    notes = []
    base = (options.cwd or notebook.parent).absolute()
    if not base.is_dir():
        raise UsageError(f"--cwd {base}: no such folder")
    places = _places(base / ".nbgen-run", options)
    workdir = base
    if options.platform == "kaggle" and options.cwd is None:
        workdir = places.kaggle / "working"  # a Kaggle notebook starts in /kaggle/working
    try:
        failure = execute(
            nb, workdir, kernel_env(options.platform, places), options.timeout, report,
            scratch=places.home.parent,
        )  # fmt: skip
    except KeyboardInterrupt:
        write_run_output(nb, out, notebook, force=options.force)
        raise
    except NoSuchKernel as exc:
        raise NbgenError(
            f"{notebook}: no Jupyter kernel named {exc}; install it or fix the notebook's "
            "kernelspec"
        ) from None
    write_run_output(nb, out, notebook, force=options.force)
    if options.html is not None:
        write_page(nb, options.html, notebook, force=options.force)
        notes.append(f"wrote {options.html}")
    return RunResult(out, failure, notes)


def write_page(nb: dict[str, object], path: Path, source: Path, *, force: bool = False) -> None:
    """The executed notebook as one HTML file, images embedded (nbconvert)."""
    from nbgen.convert.report import is_nbgen_page, render_report, stamped
    from nbgen.fsutil import atomic_write_text

    body, _files = render_report(nb, "html", path)  # html embeds every image: no files
    atomic_write_text(path, stamped(body, source), proof=is_nbgen_page, force=force)


def run_digest(nb: dict[str, Any]) -> str:
    """A hash of what a run produced: each cell's type, source and outputs."""
    import hashlib
    import json

    cells = nb.get("cells") if isinstance(nb.get("cells"), list) else []
    parts = [
        [c.get("cell_type"), c.get("source"), c.get("outputs")]
        for c in cells  # type: ignore[union-attr]
        if isinstance(c, dict)
    ]
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def is_run_output(data: bytes) -> bool:
    """The ownership proof for ``-o``: a notebook ``nbgen run`` wrote, unchanged since (its
    stamp holds the hash of its cells and outputs; an edit in Jupyter makes it the user's)."""
    import json

    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    own = meta.get("nbgen") if isinstance(meta, dict) else None
    stamp = own.get("run") if isinstance(own, dict) else None
    return isinstance(stamp, dict) and stamp.get("sha256") == run_digest(nb)


def write_run_output(nb: dict[str, Any], out: Path, source: Path, *, force: bool) -> None:
    """The executed notebook, stamped as nbgen run's output."""
    import json

    from nbgen.convert.ipynb import dumps_notebook
    from nbgen.fsutil import atomic_write_text

    written = json.loads(dumps_notebook(nb))  # the digest is of the notebook as stored
    meta = written.setdefault("metadata", {})
    own = meta.get("nbgen") if isinstance(meta.get("nbgen"), dict) else {}
    meta["nbgen"] = {**own, "run": {"source": source.name, "sha256": run_digest(written)}}
    remedy = "choose another -o, or add --force to replace it"
    text = dumps_notebook(written)
    atomic_write_text(out, text, proof=is_run_output, force=force, remedy=remedy)


def _check_kernel_installed() -> None:
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as exc:
        raise NbgenError(
            f"nbgen run needs a Jupyter kernel ({exc}); pip install 'nbgen[run]'"
        ) from None


def _check_kernelspec(nb: dict[str, Any], notebook: Path) -> None:
    """The kernel to start is ``metadata.kernelspec.name``: anything else there is one line."""
    meta = nb.get("metadata")
    spec = meta.get("kernelspec") if isinstance(meta, dict) else None
    if spec is None:
        return
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not (name is None or isinstance(name, str)):
        shown = repr(spec)[:60]
        raise NbgenError(
            f"{notebook}: metadata.kernelspec is {shown}, not a mapping with a text 'name' "
            "(such as python3); pick the kernel again in Jupyter (Kernel > Change kernel) or "
            "delete the kernelspec key"
        )


def _checked_notebook(notebook: Path) -> Path:
    if notebook.is_dir():
        raise UsageError(f"{notebook}: is a folder; give a notebook, e.g. nbgen run setup.ipynb")
    if notebook.is_symlink() and not notebook.exists():
        raise UsageError(f"{notebook}: a symbolic link that leads nowhere (or to itself)")
    if not notebook.is_file():
        raise UsageError(f"{notebook}: no such notebook")
    return notebook


RUN_FOLDERS = {"content", "MyDrive", "kaggle", "home", "jupyter", "ipython"}  # in .nbgen-run


def _places(scratch: Path, options: RunOptions) -> Places:
    """Local stand-ins for the platform's folders, made if missing, in a folder nbgen owns."""
    from nbgen.runtime.ownership.folders import delete_inside

    _own_scratch(scratch)
    places = Places(scratch / "content", (options.drive or scratch / "MyDrive").absolute(),
                    scratch / "kaggle", scratch / "home")  # fmt: skip
    for folder in (places.kaggle / "working", places.kaggle / "temp", places.home):
        folder.mkdir(parents=True, exist_ok=True)
    inputs = places.kaggle / "input"
    if inputs.is_symlink():  # the link an earlier run made to its --kaggle-input
        delete_inside(scratch, inputs, kind="run")
    if options.kaggle_input is not None:
        source = options.kaggle_input.absolute()
        if not source.is_dir():
            raise UsageError(f"--kaggle-input {source}: no such folder")
        if inputs.exists():
            raise UsageError(
                f"{inputs}: a folder is in the way of --kaggle-input; move what you put there "
                f"into {source}, then remove it"
            )
        os.symlink(source, inputs, target_is_directory=True)
    else:
        inputs.mkdir(parents=True, exist_ok=True)
    return places


def _own_scratch(scratch: Path) -> None:
    """``.nbgen-run`` is nbgen's: stamped when made (one an older nbgen made, holding only
    the platform folders, is adopted); anything else by that name is the user's."""
    from nbgen.runtime.ownership.folders import folder_stamp, make_folder
    from nbgen.runtime.ownership.proofs import OWNED_STAMP
    from nbgen.runtime.ownership.text import OwnershipError

    remedy = "it is not nbgen run's sandbox: move it away, or run with another --cwd"
    try:
        if scratch.is_dir() and not scratch.is_symlink():
            names = {p.name for p in scratch.iterdir()} - {OWNED_STAMP}
            adopt = not folder_stamp(scratch) and names <= RUN_FOLDERS
            make_folder(scratch, "run", force=adopt, remedy=remedy)
        else:
            make_folder(scratch, "run", remedy=remedy)
    except OwnershipError as exc:
        raise UsageError(str(exc)) from None
