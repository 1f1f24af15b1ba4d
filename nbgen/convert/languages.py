"""Which kernel languages convert to which text files (all of them comment with ``#``)."""

from __future__ import annotations

EXTENSIONS: dict[str, str] = {"python": ".py", "r": ".R", "julia": ".jl", "bash": ".sh"}
TEXT_SUFFIXES = tuple(EXTENSIONS.values())  # in the order worth checking first
