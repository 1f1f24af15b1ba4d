from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
STANDINS = REPO / "nbgen" / "standins"
CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"


def run_nbgen(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real `nbgen` entry point in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "nbgen", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def execute_notebook(
    nb: Any, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> Any:
    """Execute ``nb`` in a real ipykernel (nbclient) with ``cwd`` as the working folder."""
    import nbclient

    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        client = nbclient.NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def error_outputs(nb: Any) -> list[str]:
    """Every error output and stderr stream in an executed notebook."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and "Error" in out.text:
                found.append(out.text)
    return found


def stdout_of(nb: Any) -> str:
    return "".join(
        out.text
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stdout"
    )


@pytest.fixture
def colab_stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Put the google.colab stand-in on sys.path (Drive and Secrets cannot run here)."""
    monkeypatch.syspath_prepend(str(STANDINS))
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        monkeypatch.delitem(sys.modules, name)
    yield STANDINS
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        sys.modules.pop(name, None)


@pytest.fixture(scope="session")
def newest_kaggle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The newest kaggle client from PyPI, installed into a folder of this test session (never
    into the environment): tests put it first on the child process's path."""
    target = tmp_path_factory.mktemp("kaggle-newest")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-input", "--target", str(target), "kaggle"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if install.returncode != 0:
        lines = [line for line in install.stderr.splitlines() if line.strip()]
        pytest.skip(f"the newest kaggle client could not be installed from PyPI (offline, or "
                    f"PyPI unreachable): {lines[-1] if lines else install.returncode}")  # fmt: skip
    return target


@pytest.fixture(params=["2.0.2", "newest"])
def kaggle_client(request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment for a process whose kaggle client is the pinned 2.0.2 (Colab's) or the
    newest from PyPI (first on PYTHONPATH)."""
    if request.param == "2.0.2":
        return {}
    target = request.getfixturevalue("newest_kaggle")
    path = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


@pytest.fixture(autouse=True)
def _caches_of_this_test_run(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nbgen's caches (sync signatures, compiled notebooks) go under this run's temporary
    folder, never the machine's ~/.cache; subprocesses inherit it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
