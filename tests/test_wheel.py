"""The wheel carries the templates: build it, install it in a fresh venv, run `nbgen new`."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_installed_wheel_generates_a_notebook(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("nbgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "nbgen/_templates/colab_setup.py.j2" in names
    assert "nbgen/_templates/locale/zh.toml" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [py, "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [env_dir / "bin" / "nbgen", "new", "-o", "x.ipynb"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    nbformat.validate(nbformat.read(work / "x.ipynb", as_version=4))
