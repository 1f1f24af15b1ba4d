"""`nbgen convert`: notebooks to importable modules and back, in batches."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbgen.errors import UsageError
from nbgen.fsutil import refuse_broken_links

if TYPE_CHECKING:
    from nbgen.convert.batch import Target
    from nbgen.convert.formats import Mode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (recursive)")
    add("--to", required=True, metavar="FORMAT",
        help="py (nbgen's percent or module format), ipynb, html or markdown (a rendered page, "
        "through nbconvert), or any jupytext format: md, myst, py:light, R:percent, Rmd, "
        "auto:percent...")  # fmt: skip
    add(
        "--mode",
        default="percent",
        choices=("percent", "module"),
        help="percent: jupytext's format (default); module: importable without side effects",
    )
    add("-o", "--output-dir", type=Path, metavar="DIR", help="write into DIR, mirroring folders")
    add("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes")
    add("--force", action="store_true", help="convert even if the target is newer than the source")
    add("-q", "--quiet", action="store_true", help="no progress bar and no summary")


def run(args: argparse.Namespace) -> int:
    return convert(
        args.paths, to=args.to, mode=args.mode, output_dir=args.output_dir, jobs=args.jobs,
        force=args.force, quiet=args.quiet,
    )  # fmt: skip


def convert(
    paths: list[Path], *, to: str, mode: Mode = "percent", output_dir: Path | None = None,
    jobs: int = 1, force: bool = False, quiet: bool = False,
) -> int:  # fmt: skip
    """Convert every file under ``paths``; 1 if any failed (the rest are still converted)."""
    from nbgen.commands.progress import progress_bar
    from nbgen.convert.batch import Job, run_batch
    from nbgen.convert.walk import discover

    if jobs < 1:
        raise UsageError(f"-j {jobs}: give at least 1 worker")
    target, mode = parse_target(to, mode)
    check_paths(paths)
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise UsageError(
            f"-o {output_dir}: is a file; -o names the folder to write into, e.g. -o converted/"
        )
    errors: list[str] = []
    found = list(discover(paths, target, errors))
    work = [Job(path, output_dir, rel, target, mode, force) for path, _root, rel in found]
    results = run_batch(work, jobs, progress_bar("converting", quiet))
    counts = {"converted": 0, "unchanged": 0, "failed": len(errors)}
    for error in errors:
        print(f"nbgen convert: {error}", file=sys.stderr)
    for result in results:
        counts[result.status] += 1
        if result.status == "failed":
            print(f"nbgen convert: {result.message}", file=sys.stderr)
        elif result.message and not quiet:
            print(result.message, file=sys.stderr)
    if not quiet:
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
    if not work and not errors and not quiet:
        print(
            f"nothing to convert: no {'notebooks' if target != 'ipynb' else 'notebook text files'} found"
        )
    return 1 if counts["failed"] else 0


def parse_target(to: str, mode: Mode) -> tuple[Target, Mode]:
    """--to and --mode as (what to write, in which format)."""
    from nbgen.convert.batch import REPORT_SUFFIXES
    from nbgen.convert.formats import check_format
    from nbgen.errors import NotebookError

    if to in ("py", "ipynb"):
        return to, mode  # type: ignore[return-value]
    if to in ("py:percent", "py:module"):
        return "py", to.split(":")[1]
    if to in REPORT_SUFFIXES:
        return "report", to
    try:
        return "py", check_format(to)
    except NotebookError as exc:
        raise UsageError(f"--to {exc}") from None


def check_paths(paths: list[Path]) -> None:
    """Every path given exists; a broken or looping symbolic link says so."""
    refuse_broken_links(paths)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
