"""`nbgen run`'s outputs under the ownership rule, checked before any cell runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


@pytest.mark.parametrize("option", ["-o", "--html"])
def test_a_folder_where_the_output_goes_is_refused_before_a_cell_runs_even_with_force(
    tmp_path: Path, option: str
) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "open('ran', 'w').close()"))))
    folder = tmp_path / ("out.ipynb" if option == "-o" else "page.html")
    folder.mkdir()
    (folder / "mine.txt").write_text("mine")
    result = run_nbgen("run", str(path), option, str(folder), "--force", "--no-colab", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{folder}: is a folder" in result.stderr and "--force" not in result.stderr
    assert "[1/1]" not in result.stderr and not (tmp_path / "ran").exists()  # nothing ran
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]


def test_the_progress_counts_the_cells_that_run(tmp_path: Path) -> None:
    # an empty code cell ("your code starts here") is skipped by nbclient: not one to wait for
    path = tmp_path / "a.ipynb"
    cells = [("code", "x = 1"), ("markdown", "# Your code starts here"), ("code", "print(x)"),
             ("code", "   \n")]  # fmt: skip
    path.write_text(dumps_notebook(notebook(*cells)))

    def progress(stderr: str) -> list[str]:
        return re.findall(r"(\[\d+/\d+\]) cell \d+ \(", stderr)  # the kernel shares stderr

    result = run_nbgen("run", str(path), "--no-colab", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert progress(result.stderr) == ["[1/2]", "[2/2]"], result.stderr
    given = run_nbgen("run", str(path), "-p", "y=2", "--no-colab", "--force", cwd=tmp_path)
    assert given.returncode == 0, given.stderr
    assert progress(given.stderr) == ["[1/3]", "[2/3]", "[3/3]"], given.stderr
    said = given.stderr.index("parameters injected")
    assert said < given.stderr.index("[1/3]")  # said before the first cell runs
