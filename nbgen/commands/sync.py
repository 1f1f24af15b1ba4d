"""`nbgen sync`: keep notebook ⇄ .py pairs in step (also the pre-commit hooks)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbgen.errors import UsageError
from nbgen.fsutil import refuse_broken_links

if TYPE_CHECKING:
    from nbgen.convert.config import PairConfig
    from nbgen.convert.sync import Outcome, Prefer


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
    """Sync every pair under ``paths``, each by its own config; 1 on a conflict, a failure,
    or (see flags) a change."""
    from nbgen.convert.languages import PAIR_SUFFIXES

    if check and prefer:
        raise UsageError("--check changes nothing, so --prefer has no effect with it; drop one")
    refuse_broken_links(paths)
    # a path that is gone may be one side of a pair (the hook passes a deleted file)
    gone = [p for p in paths if not p.exists()]
    missing = [str(p) for p in gone if p.suffix != ".ipynb" and p.suffix not in PAIR_SUFFIXES]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    errors: list[str] = []
    outcomes, written = _sync_all(paths, prefer, check=check, errors=errors)
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
        f"{len(outcomes)} pair{'' if len(outcomes) == 1 else 's'}: "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "in step")
    )
    if written and fail_on_change:
        print("stage the files above (git add) and commit again", file=sys.stderr)
        return 1
    return 1 if bad or errors else 0


def _sync_all(
    paths: list[Path], prefer: Prefer | None, *, check: bool, errors: list[str]
) -> tuple[list[Outcome], list[Path]]:
    """Every pair, under the config that governs it, each config with its own record."""
    from nbgen.convert.pairs import Configs, find_pairs
    from nbgen.convert.statcache import StatCache
    from nbgen.convert.sync import SyncState, sync_pair

    configs = Configs()
    scope = [os.path.abspath(p) for p in paths]
    home = configs.governing(paths[0] if paths else Path.cwd())
    groups = find_pairs(paths or [home.root], configs, errors)
    if all(config.root.absolute() != home.root.absolute() for config, _ in groups):
        groups.insert(0, (home, []))  # its record is still pruned of pairs that are gone
    for config, _ in groups:
        config.check_collisions()
    outcomes: list[Outcome] = []
    written: list[Path] = []
    for config, pairs in groups:
        state, cache = SyncState(config.root), StatCache(config.root)
        done = [sync_pair(pair, config, state, prefer, check=check, cache=cache) for pair in pairs]
        outcomes += done
        written += [path for outcome in done for path in outcome.written]
        if not check:
            root = config.root.absolute()

            def belongs(notebook: Path, root: Path = root) -> bool:
                return configs.governing(notebook).root.absolute() == root

            def looked_at(notebook: Path, config: PairConfig = config) -> bool:
                # the paths this run was given (all, with none): the hook, given one staged
                # file, neither stats nor forgets the other pairs of the project
                return _within(notebook, config, scope)

            alive = {state.key(pair.notebook) for pair in pairs}
            state.prune(config, belongs, alive=alive, looked_at=looked_at)
            if state.save():
                written.append(state.path)
            cache.save(keep=set(state.entries))
    return outcomes, written


def _within(notebook: Path, config: PairConfig, scope: list[str]) -> bool:
    """True if the run's paths (``scope``, absolute; empty: the whole project) cover the
    notebook or its text file."""
    if not scope:
        return True
    for side in (os.path.abspath(notebook), os.path.abspath(config.text_for(notebook))):
        for given in scope:
            if side == given or side.startswith(given.rstrip(os.sep) + os.sep):
                return True
    return False
