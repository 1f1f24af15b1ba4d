"""Tiny real wheels, written by the tests, for real pip runs with ``--no-index --find-links``;
and a fresh virtual environment (no system site-packages) to install them into."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path


def make_wheel(
    folder: Path, name: str, version: str, requires: tuple[str, ...] = (),
    modules: dict[str, str] | None = None,
) -> Path:  # fmt: skip
    """Write ``name-version-py3-none-any.whl`` into ``folder``: its modules (default: a package
    ``name`` whose ``__version__`` is ``version``) and ``Requires-Dist`` lines."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    files = modules or {f"{dist}/__init__.py": f"__version__ = {version!r}\n"}
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {req}\n" for req in requires)
    contents = {
        **files,
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: nbgen-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/top_level.txt": "".join(
            sorted({p.split("/")[0].removesuffix(".py") + "\n" for p in files})
        ),
    }
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    wheel = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def make_venv(folder: Path) -> Path:
    """A fresh virtual environment with pip and nothing else; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300,
                   capture_output=True)  # fmt: skip
    return folder / "bin" / "python"
