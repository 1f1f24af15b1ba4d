"""`nbgen clean`: notebooks that GitHub renders, and (``--outputs``) without outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nbgen.errors import NbgenError, UsageError
from nbgen.fsutil import describe_os_error, refuse_broken_links


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("paths", nargs="+", type=Path, metavar="PATH", help="notebooks or folders (recursive)")
    add("--outputs", action="store_true",
        help="also strip outputs and execution counts (as nbstripout), keeping Colab's GPU and "
        "form settings")  # fmt: skip
    add("--check", action="store_true", help="change nothing; exit 1 if a notebook needs cleaning")


def run(args: argparse.Namespace) -> int:
    return clean(args.paths, outputs=args.outputs, check=args.check)


def clean(paths: list[Path], *, outputs: bool = False, check: bool = False) -> int:
    """Clean every notebook under ``paths``; 1 if one failed, or (``check``) needs cleaning.
    A bad file gets one line and the rest go on."""
    from nbgen.convert.clean import Cleaned, clean_file
    from nbgen.convert.walk import project_files

    refuse_broken_links(paths)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    errors: list[str] = []
    files = [f for p in paths for f in (project_files(p, errors) if p.is_dir() else [p])
             if f.suffix == ".ipynb" or not p.is_dir()]  # fmt: skip
    done: list[Cleaned] = []
    for path in files:
        try:
            done.append(clean_file(path, outputs=outputs, check=check))
        except NbgenError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(describe_os_error(exc, path))
    for error in errors:
        print(f"nbgen clean: {error}", file=sys.stderr)
    for result in done:
        if result.changes:
            verb = "cleaned" if result.written else "needs cleaning"
            print(f"{verb} {result.path}: {', '.join(result.changes)}")
    changed = sum(bool(r.changes) for r in done)
    word = "need cleaning" if check else "cleaned"
    print(f"{changed} {word}, {len(done) - changed} already clean, {len(errors)} failed")
    return 1 if errors or (check and changed) else 0
