"""Which kernel languages convert to which text files (all of them comment with ``#``)."""

from __future__ import annotations

EXTENSIONS: dict[str, str] = {"python": ".py", "r": ".R", "julia": ".jl", "bash": ".sh"}
TEXT_SUFFIXES = tuple(EXTENSIONS.values())  # in the order worth checking first

# Every extension a paired text file can have: jupytext's NOTEBOOK_EXTENSIONS without .ipynb
# (1.19's list, here so `nbgen sync` need not import jupytext; a test checks that the installed
# jupytext knows no other, and that the pre-commit hooks' `files:` pattern matches each).
PAIR_SUFFIXES = frozenset({
    ".md", ".markdown", ".Rmd", ".py", ".coco", ".R", ".r", ".jl", ".cpp", ".ss", ".clj", ".scm",
    ".sh", ".ps1", ".q", ".m", ".wolfram", ".pro", ".js", ".ts", ".scala", ".rs", ".robot",
    ".resource", ".cs", ".fsx", ".fs", ".sos", ".java", ".groovy", ".sage", ".ml", ".hs", ".tcl",
    ".mac", ".gp", ".do", ".sas", ".jenner", ".xsh", ".lgt", ".logtalk", ".lua", ".go", ".qmd",
    ".myst", ".mystnb", ".mnb",
})  # fmt: skip
