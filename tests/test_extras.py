"""Each optional extra, missing: every command and option that needs it says which extra to
install, in one line, exit 1, no traceback. "Missing" is a package on the path that fails to
import, ahead of the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def blocked(folder: Path, *modules: str) -> dict[str, str]:
    """An environment in which ``modules`` cannot be imported."""
    for module in modules:
        package = folder / module
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(f'raise ImportError("No module named {module!r}")\n')
    return {
        "PYTHONPATH": os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    }


@pytest.mark.parametrize(
    ("modules", "argv", "needle"),
    [
        (["torch"], ["bench", "--device", "cpu"], "nbgen bench needs torch"),
        (["torchvision"], ["bench", "--device", "cpu"], "nbgen bench needs torchvision"),
        (["tqdm"], ["bench", "--device", "cpu"], "nbgen bench needs tqdm"),
        (["matplotlib"], ["bench", "--device", "cpu", "-q", "--plot", "x.png"],
         "nbgen bench --plot needs matplotlib"),
        (["kaggle"], ["kaggle", "download", "--dataset", "a/b"], "nbgen kaggle needs the kaggle client"),
        (["kaggle"], ["kaggle", "run", "nb.ipynb", "--id", "me/a-notebook"], "nbgen kaggle needs the kaggle client"),
        (["kaggle"], ["kaggle", "status", "me/a-notebook"], "nbgen kaggle needs the kaggle client"),
        (["nbclient"], ["run", "nb.ipynb"], "nbgen run needs a Jupyter kernel"),
        (["ipykernel"], ["run", "nb.ipynb"], "nbgen run needs a Jupyter kernel"),
    ],
)  # fmt: skip
def test_a_missing_extra_names_itself(
    tmp_path: Path, modules: list[str], argv: list[str], needle: str
) -> None:
    (tmp_path / "nb.ipynb").write_text(dumps_notebook(notebook(("code", "1"))))
    env = blocked(tmp_path / "blocked", *modules)
    result = run_nbgen(*argv, cwd=tmp_path, env={**env, "KAGGLE_API_TOKEN": "t"})
    assert result.returncode == 1, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    extra = {"bench": "bench", "kaggle": "kaggle", "run": "run"}[argv[0]]
    assert f"pip install 'nbgen[{extra}]'" in result.stderr
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "nb.run.ipynb").exists()
