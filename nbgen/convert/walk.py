"""Walk a project's folders the way a user means it: their files, not their tools' files;
and the files a conversion batch takes from the paths it is given."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from nbgen.convert.languages import TEXT_SUFFIXES
from nbgen.fsutil import describe_os_error

# Never the user's notebooks: caches, installed packages, virtual environments.
_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "dist-packages"})


def project_files(root: Path, errors: list[str]) -> Iterator[Path]:
    """Every file under ``root``, skipping hidden folders (.git, .ipynb_checkpoints, .venv),
    package folders and any folder that is a virtual environment (holds pyvenv.cfg).

    A folder that cannot be read is not skipped in silence: its error goes into ``errors``.
    """

    def failed(exc: OSError) -> None:
        errors.append(describe_os_error(exc))

    for folder, dirs, files in os.walk(root, onerror=failed):
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in _SKIPPED
            and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg"))
        )  # fmt: skip
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder, name)


# Text files a folder search takes as notebooks for --to ipynb: nbgen's own, and any file whose
# header says jupytext wrote it (a README.md without one is left alone).
_JUPYTEXT_SUFFIXES = (".md", ".myst", ".Rmd", ".qmd", ".R", ".jl", ".sh", ".py")


def discover(
    paths: Iterable[Path], to: str, errors: list[str]
) -> Iterator[tuple[Path, Path, Path]]:
    """(file, root, relative path) for each input; folders are searched recursively, skipping
    hidden folders and .ipynb_checkpoints. Folders that cannot be read go into ``errors``."""
    for path in paths:
        if path.is_dir():
            for found in sorted(_walk(path, to, errors)):
                yield found, path, found.relative_to(path)
        else:
            yield path, path.parent, Path(path.name)


def _walk(root: Path, to: str, errors: list[str]) -> Iterator[Path]:
    for path in project_files(root, errors):
        if (to in ("py", "report") and path.suffix == ".ipynb") or (
            to == "ipynb" and path.suffix in (*TEXT_SUFFIXES, *_JUPYTEXT_SUFFIXES)
            and _has_markers(path)
        ):  # fmt: skip
            yield path


def _has_markers(path: Path) -> bool:
    # A folder holds ordinary modules too; only files with cell markers are notebooks.
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return b"# %%" in head or b"\n#   nbgen: " in head or b"jupytext:" in head[:4096]


def relative_key(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as a posix path (as ``Path.relative_to`` gives it, with
    plain string operations and remembered: this runs for every pair on every sync)."""
    return _relative_key(os.fspath(path), os.fspath(root), os.getcwd())


@functools.lru_cache(maxsize=8192)
def _relative_key(path: str, root: str, cwd: str) -> str:
    absolute, base = os.path.join(cwd, path), os.path.join(cwd, root)
    if os.sep + "." in absolute or os.sep + "." in base or os.sep * 2 in absolute + base:
        return Path(absolute).relative_to(Path(base)).as_posix()  # pathlib's rules in general
    base = base.rstrip(os.sep) + os.sep
    if not absolute.startswith(base):
        raise ValueError(f"{path} is not inside {root}")
    return absolute[len(base) :].replace(os.sep, "/")
