"""Walk a project's folders the way a user means it: their files, not their tools' files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
