"""`nbgen run`: dry-run a notebook locally, with stand-ins for Colab, before spending GPU time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nbgen.errors import NbgenError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("notebook", type=Path, metavar="NOTEBOOK")
    add(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="executed notebook (default: NAME.run.ipynb)",
    )
    add(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter after the cell tagged 'parameters' (repeatable)",
    )
    add(
        "--timeout",
        type=int,
        default=None,
        metavar="S",
        help="seconds a cell may run (default: no limit)",
    )
    add(
        "--cwd",
        type=Path,
        default=None,
        metavar="DIR",
        help="working folder (default: the notebook's)",
    )
    add(
        "--drive",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder that plays Google Drive's MyDrive (default: DIR/.nbgen-run/MyDrive)",
    )
    add(
        "--no-colab",
        action="store_true",
        help="no google.colab stand-ins: run as a plain local kernel",
    )


def run(args: argparse.Namespace) -> int:
    return run_notebook(
        notebook=args.notebook, output=args.output, parameters=args.parameter, timeout=args.timeout,
        cwd=args.cwd, drive=args.drive, colab=not args.no_colab,
    )  # fmt: skip


def run_notebook(
    notebook: Path, output: Path | None, parameters: list[str], timeout: int | None,
    cwd: Path | None, drive: Path | None, colab: bool,
) -> int:  # fmt: skip
    """Execute; write the (possibly partial) result; 1 if a cell failed."""
    from nbgen.convert.ipynb import dumps_notebook, read_notebook
    from nbgen.execute.kernel import default_output, execute, kernel_env
    from nbgen.execute.params import inject_parameters, parse_parameters
    from nbgen.fsutil import atomic_write_text

    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as exc:
        raise NbgenError(
            f"nbgen run needs a Jupyter kernel ({exc}); pip install 'nbgen[run]'"
        ) from None
    if timeout is not None and timeout < 1:
        raise UsageError(f"--timeout {timeout}: give a number of seconds, at least 1")
    if notebook.is_dir():
        raise UsageError(f"{notebook}: is a folder; give a notebook, e.g. nbgen run setup.ipynb")
    if notebook.is_symlink() and not notebook.exists():
        raise UsageError(f"{notebook}: a symbolic link that leads nowhere (or to itself)")
    if not notebook.is_file():
        raise UsageError(f"{notebook}: no such notebook")
    workdir = (cwd or notebook.parent).absolute()
    if not workdir.is_dir():
        raise UsageError(f"--cwd {workdir}: no such folder")
    nb, notes = read_notebook(notebook)
    for note in notes:
        print(note, file=sys.stderr)
    where = inject_parameters(nb, parse_parameters(parameters))
    if where:
        print(f"parameters injected {where}", file=sys.stderr)
    scratch = workdir / ".nbgen-run"
    env = kernel_env(scratch / "content", (drive or scratch / "MyDrive").absolute(), standins=colab)
    out = output or default_output(notebook)
    try:
        failure = execute(nb, workdir, env, timeout, lambda line: print(line, file=sys.stderr))
    except KeyboardInterrupt:
        atomic_write_text(out, dumps_notebook(nb))
        raise
    except Exception as exc:  # a kernel that cannot start: no such kernel, ipykernel missing
        if type(exc).__name__ == "NoSuchKernel":
            raise NbgenError(
                f"{notebook}: no Jupyter kernel named {exc}; install it or fix the notebook's kernelspec"
            ) from None
        raise
    atomic_write_text(out, dumps_notebook(nb))
    if failure is None:
        print(f"ran {notebook}: every cell succeeded; wrote {out}")
        return 0
    lines = failure.source.splitlines()
    excerpt = "\n".join(f"    {line}" for line in lines[:6]) + (
        "\n    ..." if len(lines) > 6 else ""
    )
    print(
        f"nbgen run: cell {failure.number} of {notebook} failed:\n{excerpt}\n"
        f"{failure.ename}: {failure.evalue}\nthe notebook up to that cell is in {out}",
        file=sys.stderr,
    )
    return 1
