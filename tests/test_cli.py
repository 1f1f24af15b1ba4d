from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nbgen import __version__
from nbgen.cli import main
from tests.conftest import run_nbgen


def test_version_and_help() -> None:
    result = run_nbgen("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"nbgen {__version__}"
    result = run_nbgen("--help")
    assert result.returncode == 0 and "new" in result.stdout


def test_help_does_not_import_heavy_packages() -> None:
    result = run_nbgen("--help", env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = result.stderr
    for heavy in ("jinja2", "jupytext", "torch", "nbconvert", "nbformat"):
        assert f" {heavy}\n" not in imported and f" {heavy}." not in imported


def test_new_writes_a_notebook(tmp_path: Path) -> None:
    result = run_nbgen("new", "-o", "nb.ipynb", "--project", "cats", "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote nb.ipynb" in result.stdout
    nb = nbformat.read(tmp_path / "nb.ipynb", as_version=4)
    nbformat.validate(nb)
    assert "/content/drive/MyDrive/cats" in nb.cells[2].source


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["new", "--lang", "fr"], "--lang: 'fr' is not one of en, zh"),
        (["new", "--project", "a/../b"], "--project"),
        (["new", "-o", "x.txt"], "--output x.txt: a notebook file must end in .ipynb"),
        (["new", "--spec", "nope.toml"], "--spec nope.toml: no such file"),
        (["new", "--bench-steps", "many"], "--bench-steps: invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_errors_exit_1_without_traceback(tmp_path: Path, argv: list[str], needle: str) -> None:
    result = run_nbgen(*argv, cwd=tmp_path)
    assert result.returncode == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_main_returns_1_with_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 1
    assert "COMMAND" in capsys.readouterr().out
