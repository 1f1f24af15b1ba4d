"""A read-only notebook is never replaced through a rename (which Unix allows in a writable
folder): every writer that replaces a notebook says it is read-only and leaves it as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nbgen.convert import formats
from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def read_only(path: Path) -> tuple[bytes, int]:
    path.chmod(0o444)
    return path.read_bytes(), path.stat().st_ino


def assert_untouched(path: Path, before: tuple[bytes, int], stderr: str) -> None:
    assert f"{path.name}: is read-only; nbgen does not replace" in stderr and "chmod u+w" in stderr
    assert "Traceback" not in stderr
    assert (path.read_bytes(), path.stat().st_ino) == before  # same file, not a renamed copy
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_sync_does_not_replace_a_read_only_notebook(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    nb = tmp_path / "a.ipynb"
    nb.write_text(dumps_notebook(notebook(("code", "x = 1"))))
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    py = tmp_path / "a.py"
    py.write_text(py.read_text().replace("x = 1", "x = 2"))
    before = read_only(nb)
    result = run_nbgen("sync", cwd=tmp_path)
    assert result.returncode == 1
    assert_untouched(nb, before, result.stderr)


def test_convert_to_ipynb_does_not_replace_a_read_only_notebook(tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    nb.write_text(dumps_notebook(notebook(("code", "x = 1"))))
    py = tmp_path / "a.py"
    py.write_text(formats.to_text(notebook(("code", "x = 2"))))
    os.utime(nb, ns=(0, py.stat().st_mtime_ns - 10**9))
    before = read_only(nb)
    for extra in ([], ["--force"]):  # not even --force replaces a read-only file
        result = run_nbgen("convert", "a.py", "--to", "ipynb", *extra, cwd=tmp_path)
        assert result.returncode == 1
        assert_untouched(nb, before, result.stderr)


def test_new_into_does_not_replace_a_read_only_notebook(tmp_path: Path) -> None:
    nb = tmp_path / "train.ipynb"
    nb.write_text(dumps_notebook(notebook(("code", "my_training = 1"))))
    before = read_only(nb)
    result = run_nbgen("new", "--into", str(nb), cwd=tmp_path)
    assert result.returncode == 1
    assert_untouched(nb, before, result.stderr)


@pytest.mark.slow
def test_run_output_that_is_read_only_is_refused_before_any_cell_runs(tmp_path: Path) -> None:
    source = tmp_path / "nb.ipynb"
    source.write_text(dumps_notebook(notebook(("code", "open('ran', 'w').close()"))))
    out = tmp_path / "out.ipynb"
    assert run_nbgen("run", str(source), "-o", str(out), "--no-colab", cwd=tmp_path).returncode == 0
    (tmp_path / "ran").unlink()
    before = read_only(out)  # nbgen run's own output, but read-only now
    result = run_nbgen("run", str(source), "-o", str(out), "--no-colab", cwd=tmp_path)
    assert result.returncode == 1
    assert_untouched(out, before, result.stderr)
    assert not (tmp_path / "ran").exists()
