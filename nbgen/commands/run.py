"""`nbgen run`: dry-run a notebook locally, with stand-ins for Colab or Kaggle, before spending
GPU time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbgen.execute.kernel import PLATFORMS

if TYPE_CHECKING:
    from nbgen.execute.runner import RunOptions


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
    add("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
        help="set a parameter after the cell tagged 'parameters' (repeatable); typed as "
        "papermill's -p types it: True/False/None, int, float, else text; [..] or {..} is "
        "read as YAML or JSON, as with papermill's -y")  # fmt: skip
    add("--timeout", type=int, default=None, metavar="S", help="seconds a cell may run")
    add(
        "--cwd",
        type=Path,
        default=None,
        metavar="DIR",
        help="working folder (default: the notebook's)",
    )
    add("--platform", choices=PLATFORMS, default="colab",
        help="whose stand-ins the kernel gets (default: colab)")  # fmt: skip
    add("--drive", type=Path, default=None, metavar="DIR",
        help="colab: the folder that plays Drive's MyDrive (default: .nbgen-run/MyDrive)")  # fmt: skip
    add("--kaggle-input", type=Path, default=None, metavar="DIR",
        help="kaggle: the folder that plays /kaggle/input (attached data sets)")  # fmt: skip
    add("--html", type=Path, default=None, metavar="PAGE",
        help="also write the executed notebook as one self-contained HTML page")  # fmt: skip
    add("--force", action="store_true",
        help="replace an -o notebook or --html page that nbgen run did not write")  # fmt: skip
    add("--no-colab", dest="platform", action="store_const", const="local",
        help="the same as --platform local: a plain local kernel")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from nbgen.execute.runner import RunOptions

    options = RunOptions(
        platform=args.platform, output=args.output, parameters=args.parameter,
        timeout=args.timeout, cwd=args.cwd, drive=args.drive, kaggle_input=args.kaggle_input,
        html=args.html, force=args.force,
    )  # fmt: skip
    return run_notebook(args.notebook, options)


def run_notebook(notebook: Path, options: RunOptions) -> int:
    """Execute; print progress and the outcome; 1 if a cell failed."""
    from nbgen.execute.runner import run_notebook as execute

    result = execute(notebook, options, lambda line: print(line, file=sys.stderr))
    for note in result.notes:
        print(note, file=sys.stderr)
    if result.failure is None:
        print(f"ran {notebook}: every cell succeeded; wrote {result.output}")
        return 0
    failure = result.failure
    lines = failure.source.splitlines()
    excerpt = "\n".join(f"    {line}" for line in lines[:6]) + (
        "\n    ..." if len(lines) > 6 else ""
    )
    print(
        f"nbgen run: cell {failure.number} of {notebook} failed:\n{excerpt}\n"
        f"{failure.ename}: {failure.evalue}\nthe notebook up to that cell is in {result.output}",
        file=sys.stderr,
    )
    return 1
