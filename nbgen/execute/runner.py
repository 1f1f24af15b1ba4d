"""`nbgen run` as a library call: read, inject parameters, set up the platform's stand-ins,
execute in a real kernel, write the (possibly partial) result. Returns what happened."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


def run_notebook(notebook: Path, options: RunOptions, report: Callable[[str], None]) -> RunResult:
    """Execute ``notebook`` as ``options`` say; the executed notebook is always written."""
    from nbgen.convert.ipynb import dumps_notebook, read_notebook
    from nbgen.execute.kernel import default_output, execute, kernel_env
    from nbgen.execute.params import inject_parameters, parse_parameters
    from nbgen.fsutil import atomic_write_text

    _check_kernel_installed()
    from jupyter_client.kernelspec import NoSuchKernel

    if options.timeout is not None and options.timeout < 1:
        raise UsageError(f"--timeout {options.timeout}: give a number of seconds, at least 1")
    if options.html is not None:
        from nbgen.convert.report import refuse_foreign_page

        refuse_foreign_page(options.html)  # before any cell runs
    nb, notes = read_notebook(_checked_notebook(notebook))
    where = inject_parameters(nb, parse_parameters(options.parameters))
    if where:
        notes.append(f"parameters injected {where}")
    base = (options.cwd or notebook.parent).absolute()
    if not base.is_dir():
        raise UsageError(f"--cwd {base}: no such folder")
    places = _places(base / ".nbgen-run", options)
    workdir = base
    if options.platform == "kaggle" and options.cwd is None:
        workdir = places.kaggle / "working"  # a Kaggle notebook starts in /kaggle/working
    out = options.output or default_output(notebook)
    try:
        failure = execute(
            nb, workdir, kernel_env(options.platform, places), options.timeout, report
        )
    except KeyboardInterrupt:
        atomic_write_text(out, dumps_notebook(nb))
        raise
    except NoSuchKernel as exc:
        raise NbgenError(
            f"{notebook}: no Jupyter kernel named {exc}; install it or fix the notebook's "
            "kernelspec"
        ) from None
    atomic_write_text(out, dumps_notebook(nb))
    if options.html is not None:
        write_page(nb, options.html, notebook)
        notes.append(f"wrote {options.html}")
    return RunResult(out, failure, notes)


def write_page(nb: dict[str, object], path: Path, source: Path) -> None:
    """The executed notebook as one HTML file, images embedded (nbconvert)."""
    from nbgen.convert.report import render_report, stamped
    from nbgen.fsutil import atomic_write_text

    body, _files = render_report(nb, "html", path)  # html embeds every image: no files
    atomic_write_text(path, stamped(body, source))


def _check_kernel_installed() -> None:
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as exc:
        raise NbgenError(
            f"nbgen run needs a Jupyter kernel ({exc}); pip install 'nbgen[run]'"
        ) from None


def _checked_notebook(notebook: Path) -> Path:
    if notebook.is_dir():
        raise UsageError(f"{notebook}: is a folder; give a notebook, e.g. nbgen run setup.ipynb")
    if notebook.is_symlink() and not notebook.exists():
        raise UsageError(f"{notebook}: a symbolic link that leads nowhere (or to itself)")
    if not notebook.is_file():
        raise UsageError(f"{notebook}: no such notebook")
    return notebook


def _places(scratch: Path, options: RunOptions) -> Places:
    """Local stand-ins for the platform's folders, made if missing."""
    places = Places(scratch / "content", (options.drive or scratch / "MyDrive").absolute(),
                    scratch / "kaggle")  # fmt: skip
    (places.kaggle / "working").mkdir(parents=True, exist_ok=True)
    inputs = places.kaggle / "input"
    if options.kaggle_input is not None:
        source = options.kaggle_input.absolute()
        if not source.is_dir():
            raise UsageError(f"--kaggle-input {source}: no such folder")
        if inputs.is_symlink() or inputs.exists():
            if not inputs.is_symlink():
                raise UsageError(f"{inputs}: a folder is in the way; remove it")
            inputs.unlink()
        os.symlink(source, inputs, target_is_directory=True)
    else:
        inputs.mkdir(parents=True, exist_ok=True)
    return places
