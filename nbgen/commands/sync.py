"""`nbgen sync`: keep notebook ⇄ .py pairs in step (also the pre-commit hooks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbgen.errors import UsageError
from nbgen.fsutil import refuse_broken_links

if TYPE_CHECKING:
    from nbgen.convert.sync import Prefer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("paths", nargs="*", type=Path, metavar="PATH",
        help="notebooks, .py files or folders (default: the project folder)")  # fmt: skip
    add("--prefer", choices=("ipynb", "py"), help="on a conflict, keep this side")
    add("--check", action="store_true", help="change nothing; exit 1 if a pair is out of step")
    add("--fail-on-change", action="store_true",
        help="exit 1 after writing files, listing them to stage (the pre-commit hook)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    return sync(args.paths, prefer=args.prefer, check=args.check,
                fail_on_change=args.fail_on_change)  # fmt: skip


def sync(
    paths: list[Path], *, prefer: Prefer | None = None, check: bool = False,
    fail_on_change: bool = False,
) -> int:  # fmt: skip
    """Sync every pair under ``paths``; 1 on a conflict, a failure, or (see flags) a change."""
    from nbgen.convert.config import find_config
    from nbgen.convert.sync import SyncState, find_pairs, sync_pair

    if check and prefer:
        raise UsageError("--check changes nothing, so --prefer has no effect with it; drop one")
    refuse_broken_links(paths)
    missing = [str(p) for p in paths if not p.exists() and p.suffix not in (".py", ".ipynb")]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    config = find_config(paths[0] if paths else Path.cwd())
    config.check_collisions()
    state = SyncState(config.root)
    errors: list[str] = []
    outcomes = [
        sync_pair(pair, config, state, prefer, check=check)
        for pair in find_pairs(paths or [config.root], config, errors)
    ]
    written = [path for o in outcomes for path in o.written]
    if not check:
        state.prune(config)
        if state.save():
            written.append(state.path)
    bad = [
        o for o in outcomes if o.status in ("conflict", "failed", "out of step", "notebook gone")
    ]
    for error in errors:
        print(f"nbgen sync: failed: {error}", file=sys.stderr)
    for outcome in bad:
        print(f"nbgen sync: {outcome.status}: {outcome.message}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    statuses = ("in step", "updated", "conflict", "notebook gone", "failed")
    counts = {s: sum(o.status == s for o in outcomes) for s in statuses}
    counts["failed"] += len(errors)
    if check:
        counts = {"in step": counts["in step"], "out of step": len(bad) + len(errors)}
    print(
        f"{len(outcomes)} pairs: "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "in step")
    )
    if written and fail_on_change:
        print("stage the files above (git add) and commit again", file=sys.stderr)
        return 1
    return 1 if bad or errors else 0
