"""`nbgen sync`: keep notebook ⇄ .py pairs in step (also the pre-commit hooks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbgen.errors import UsageError

if TYPE_CHECKING:
    from nbgen.convert.sync import Prefer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="notebooks, .py files or folders (default: the project folder)",
    )
    add("--prefer", choices=("ipynb", "py"), help="on a conflict, keep this side")
    add("--check", action="store_true", help="change nothing; exit 1 if a pair is out of step")
    add(
        "--fail-on-change",
        action="store_true",
        help="exit 1 after writing files, listing them to stage (the pre-commit hook)",
    )


def run(args: argparse.Namespace) -> int:
    return sync(paths=args.paths, prefer=args.prefer, check=args.check,
                fail_on_change=args.fail_on_change)  # fmt: skip


def sync(paths: list[Path], prefer: Prefer | None, check: bool, fail_on_change: bool) -> int:
    """Sync every pair under ``paths``; 1 on a conflict, a failure, or (see flags) a change."""
    from nbgen.convert.config import find_config
    from nbgen.convert.sync import SyncState, find_pairs, sync_pair

    if check and prefer:
        raise UsageError("--check changes nothing, so --prefer has no effect with it; drop one")
    missing = [str(p) for p in paths if not p.exists() and p.suffix not in (".py", ".ipynb")]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    config = find_config(paths[0] if paths else Path.cwd())
    state = SyncState(config.root)
    outcomes = [
        sync_pair(pair, config.mode, state, prefer, check)
        for pair in find_pairs(paths or [config.root], config)
    ]
    written = [path for o in outcomes for path in o.written]
    if not check and state.save():
        written.append(state.path)
    bad = [o for o in outcomes if o.status in ("conflict", "failed", "out of step")]
    for outcome in bad:
        print(f"nbgen sync: {outcome.status}: {outcome.message}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    counts = {
        s: sum(o.status == s for o in outcomes)
        for s in ("in step", "updated", "conflict", "failed")
    }
    if check:
        counts = {"in step": counts["in step"], "out of step": len(bad)}
    print(
        f"{len(outcomes)} pairs: "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "in step")
    )
    if written and fail_on_change:
        print("stage the files above (git add) and commit again", file=sys.stderr)
        return 1
    return 1 if bad else 0
