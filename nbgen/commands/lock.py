"""`nbgen lock`: pin a notebook's recorded environment for a machine of your own."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("record", type=Path, metavar="RECORD",
        help="WORK_FOLDER/.nbgen/environment.json, or the work folder")  # fmt: skip
    add("-o", "--output", type=Path, metavar="FILE", help="write here (default: print it)")
    add("--constraints", action="store_true",
        help="pin every recorded package (a pip -c file), not only what the notebook used")  # fmt: skip
    add("--force", action="store_true", help="replace an output file nbgen lock did not write")


def run(args: argparse.Namespace) -> int:
    kind = "constraints" if args.constraints else "requirements"
    return lock(args.record, output=args.output, kind=kind, force=args.force)


def lock(
    record: Path, *, output: Path | None, kind: str = "requirements", force: bool = False
) -> int:
    """Print or write the pinned file; say how many packages it pins and from when."""
    from nbgen.fsutil import atomic_write_text
    from nbgen.generate.lock import lock as make_lock
    from nbgen.generate.lock import written_by_lock

    result = make_lock(record, "constraints" if kind == "constraints" else "requirements")
    if output is None:
        sys.stdout.write(result.text)
        return 0
    atomic_write_text(output, result.text, proof=written_by_lock, force=force,
                      remedy="choose another -o, or add --force to replace it")  # fmt: skip
    print(f"wrote {output}: {result.pinned} packages pinned as recorded on {result.recorded} "
          f"({result.where})")  # fmt: skip
    return 0
