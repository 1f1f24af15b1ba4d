"""A one-line progress bar on a terminal; nothing when output is piped or --quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress_bar(label: str, quiet: bool) -> Callable[[int, int], None] | None:
    """A callback(done, total) that redraws the bar on stderr, or None when not shown."""
    if quiet or not sys.stderr.isatty():
        return None

    def draw(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{' ' * (width - filled)}] {done}/{total}{end}")
        sys.stderr.flush()

    return draw
