"""`nbgen sync`: content hashes, not timestamps; conflicts write nothing; config decides pairs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from nbgen.commands.sync import sync
from nbgen.convert.config import find_config
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.sync import STATE_FILE
from nbgen.errors import UsageError
from tests.convert.helpers import notebook


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the project root
    monkeypatch.chdir(tmp_path)
    nb = notebook(("markdown", "# T"), ("code", "x = 1"))
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "out\n"}]
    (tmp_path / "a.ipynb").write_text(dumps_notebook(nb))
    return tmp_path


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def edit_notebook(path: Path, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = source
    nbformat.write(nb, path)


def test_first_sync_creates_the_text_and_the_record(project: Path) -> None:
    assert sync([]) == 0
    assert "x = 1" in (project / "a.py").read_text()
    assert (project / STATE_FILE).read_text().endswith("  a.ipynb\n")


def test_second_run_writes_nothing(project: Path) -> None:
    sync([])
    before = snapshot(project)
    assert sync([]) == 0
    assert snapshot(project) == before


def test_text_edit_updates_notebook_keeping_outputs(project: Path) -> None:
    sync([])
    py = project / "a.py"
    py.write_text(py.read_text().replace("# T", "# Title"))
    assert sync([]) == 0
    nb = nbformat.read(project / "a.ipynb", as_version=4)
    assert nb.cells[0].source == "# Title"
    assert nb.cells[1].outputs[0].text == "out\n"


def test_notebook_edit_updates_text_even_if_text_is_newer(project: Path) -> None:
    sync([])
    edit_notebook(project / "a.ipynb", "x = 2")
    py = project / "a.py"
    os.utime(py, ns=(0, (project / "a.ipynb").stat().st_mtime_ns + 10**10))  # timestamps lie
    assert sync([]) == 0
    assert "x = 2" in py.read_text()


def test_both_changed_is_a_conflict_that_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sync([])
    edit_notebook(project / "a.ipynb", "x = 2")
    py = project / "a.py"
    py.write_text(py.read_text().replace("x = 1", "x = 3"))
    before = snapshot(project)
    assert sync([]) == 1
    err = capsys.readouterr().err
    assert "a.ipynb and" in err and "a.py: both changed" in err and "--prefer" in err
    assert snapshot(project) == before
    assert sync([], prefer="py") == 0
    assert nbformat.read(project / "a.ipynb", as_version=4).cells[1].source == "x = 3"


def test_record_survives_a_clone_with_fresh_timestamps(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sync([])
    clone = tmp_path_factory.mktemp("clone")
    (clone / ".git").mkdir()
    for name in ("a.ipynb", "a.py", STATE_FILE):
        (clone / name).write_bytes((project / name).read_bytes())  # new mtimes, same content
    py = clone / "a.py"
    py.write_text(py.read_text().replace("x = 1", "x = 5"))
    os.utime(clone / "a.ipynb", ns=(0, py.stat().st_mtime_ns + 10**10))
    os.chdir(clone)
    assert sync([]) == 0
    assert nbformat.read(clone / "a.ipynb", as_version=4).cells[1].source == "x = 5"


def test_check_mode(project: Path) -> None:
    assert sync([], check=True) == 1  # the .py is missing
    assert not (project / "a.py").exists()
    sync([])
    assert sync([], check=True) == 0
    edit_notebook(project / "a.ipynb", "x = 9")
    before = snapshot(project)
    assert sync([], check=True) == 1
    assert snapshot(project) == before


def test_fail_on_change_lists_files_then_passes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync([project / "a.ipynb"], fail_on_change=True) == 1
    out = capsys.readouterr().out
    assert f"wrote {project / 'a.py'}" in out
    assert sync([project / "a.ipynb"], fail_on_change=True) == 0


def test_config_mirror_module_format_and_excludes(project: Path) -> None:
    (project / "notebooks" / "sub").mkdir(parents=True)
    (project / "notebooks" / "sub" / "m.ipynb").write_text(
        dumps_notebook(notebook(("code", "def f():\n    return 1\nprint(f())")))
    )
    (project / "notebooks" / "skip.ipynb").write_text(dumps_notebook(notebook(("code", "1"))))
    (project / "pyproject.toml").write_text(
        '[tool.nbgen]\nformat = "py:module"\ninclude = ["notebooks/**/*.ipynb"]\n'
        'exclude = ["notebooks/skip.ipynb"]\nmirror = { "notebooks" = "src/pkg" }\n'
    )
    assert sync([]) == 0
    text = (project / "src" / "pkg" / "sub" / "m.py").read_text()
    assert 'if __name__ == "__main__":' in text
    assert not (project / "notebooks" / "skip.py").exists() and not (project / "a.py").exists()
    # a staged .py in the mirror finds its notebook
    (project / "src" / "pkg" / "sub" / "m.py").write_text(text.replace("return 1", "return 2"))
    assert sync([project / "src" / "pkg" / "sub" / "m.py"]) == 0
    assert (
        "return 2"
        in nbformat.read(project / "notebooks" / "sub" / "m.ipynb", as_version=4).cells[0].source
    )


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[tool.nbgen]\nformat = "py:nonsense"\n', "format = 'py:nonsense' is not a format"),
        ('[tool.nbgen]\nincludes = ["x"]\n', "unknown key 'includes'"),
        ('[tool.nbgen]\nmirror = ["a"]\n', "mirror must map folders"),
        ("[tool.nbgen]\ninclude = 3\n", "include must be a list of globs"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    with pytest.raises(UsageError, match=needle.replace("[", r"\[")) as info:
        find_config(tmp_path)
    assert "pyproject.toml [tool.nbgen]" in str(info.value)


def test_plain_modules_are_not_pairs(project: Path) -> None:
    (project / "helpers.py").write_text("def f():\n    return 1\n")
    sync([])
    assert not (project / "helpers.ipynb").exists()


def test_virtual_environments_and_packages_are_not_the_project(project: Path) -> None:
    venv = project / "env"
    (venv / "lib" / "site-packages" / "pkg").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    shipped = venv / "lib" / "site-packages" / "pkg" / "demo.ipynb"
    shipped.write_text(dumps_notebook(notebook(("code", "1"))))
    sync([])
    assert (project / "a.py").exists() and not shipped.with_suffix(".py").exists()


@pytest.mark.parametrize(("key", "pattern"), [("include", "!"), ("exclude", "\\\\"),
                                              ("include", "a\\\\")])  # fmt: skip
def test_a_bad_pattern_is_one_line_naming_the_key(tmp_path: Path, key: str, pattern: str) -> None:
    from tests.conftest import run_nbgen

    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[tool.nbgen]\n{key} = ["{pattern}"]\n')
    (tmp_path / "a.ipynb").write_text(dumps_notebook(notebook(("code", "1"))))
    result = run_nbgen("sync", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        f"[tool.nbgen]: {key} = " in result.stderr
        and "is not a .gitignore pattern" in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a.py").exists()


def test_each_file_is_synced_by_its_own_config(project: Path) -> None:
    sub = project / "notes"
    sub.mkdir()
    (sub / "nbgen.toml").write_text('format = "md"\n')
    (sub / "b.ipynb").write_text(dumps_notebook(notebook(("code", "b = 1"))))
    assert sync([project / "a.ipynb", sub / "b.ipynb"]) == 0
    assert (project / "a.py").exists() and not (project / "a.md").exists()
    assert (sub / "b.md").exists() and not (sub / "b.py").exists()
    assert (project / STATE_FILE).read_text().endswith("  a.ipynb\n")
    assert (sub / STATE_FILE).read_text().endswith("  b.ipynb\n")
    assert sync([sub / "b.ipynb", project / "a.ipynb"], check=True) == 0
    assert sync([]) == 0  # the whole project: notes/ still by its own config
    assert not (sub / "b.py").exists()
    assert "notes/b.ipynb" not in (project / STATE_FILE).read_text()


def test_the_hooks_see_every_format_a_pair_can_use() -> None:
    import re

    import yaml
    from jupytext.formats import NOTEBOOK_EXTENSIONS

    from nbgen.convert.languages import PAIR_SUFFIXES
    from tests.conftest import REPO

    assert set(NOTEBOOK_EXTENSIONS) - {".ipynb"} <= PAIR_SUFFIXES  # older jupytexts know fewer
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    for hook in (h for h in hooks if h["id"] in ("nbgen-sync", "nbgen-check")):
        for suffix in NOTEBOOK_EXTENSIONS:
            assert re.search(hook["files"], f"notes/a{suffix}"), (hook["id"], suffix)
        assert not re.search(hook["files"], "notes/a.txt")
