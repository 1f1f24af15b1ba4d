from __future__ import annotations

import importlib
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.runtime import importer
from tests.convert.helpers import notebook
from tests.convert.test_module import EXAMPLE


@pytest.fixture
def nb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    tmp_path = tmp_path / "nbs"
    tmp_path.mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    importer.install()
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_import_runs_definitions_only(nb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (nb_dir / "areas_nb.ipynb").write_text(dumps_notebook(EXAMPLE))
    import areas_nb  # type: ignore[import-not-found]

    assert capsys.readouterr().out == ""
    assert areas_nb.area(1) == 2 * 3.141592653589793
    assert areas_nb.Box().a == areas_nb.area(1)
    assert areas_nb.__file__ == str(nb_dir / "areas_nb.ipynb")
    assert not hasattr(areas_nb, "drive")


def test_traceback_names_notebook_and_cell(nb_dir: Path) -> None:
    nb = notebook(("markdown", "x"), ("code", "def boom():\n    raise ValueError('bad value')"))
    (nb_dir / "boomer.ipynb").write_text(dumps_notebook(nb))
    import boomer  # type: ignore[import-not-found]

    with pytest.raises(ValueError) as info:
        boomer.boom()
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{nb_dir / "boomer.ipynb"} [cell 2]", line 2, in boom' in text
    assert "raise ValueError('bad value')" in text


def test_compiled_code_is_cached_apart_and_invalidated(nb_dir: Path) -> None:
    path = nb_dir / "cached.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "VALUE = 1"))))
    import cached  # type: ignore[import-not-found]

    assert cached.VALUE == 1
    cache = Path(importer.importer_cache_dir())
    assert cache == nb_dir.parent / "cache" / "nbgen" / "importer"
    assert len(list(cache.glob("*.nbgen.pyc"))) == 1
    assert sorted(p.name for p in nb_dir.iterdir()) == ["cached.ipynb"]  # nothing beside it
    del sys.modules["cached"]
    import cached as again

    assert again.VALUE == 1
    path.write_text(dumps_notebook(notebook(("code", "VALUE = 2"))))
    importlib.reload(again)
    assert again.VALUE == 2  # reload picks up the edited notebook
    assert len(list(cache.glob("*.nbgen.pyc"))) == 2


def test_no_cache_file_when_bytecode_is_off(nb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    (nb_dir / "quiet_nb.ipynb").write_text(dumps_notebook(notebook(("code", "VALUE = 3"))))
    import quiet_nb  # type: ignore[import-not-found]

    assert quiet_nb.VALUE == 3
    assert not (nb_dir.parent / "cache").exists()
    assert sorted(p.name for p in nb_dir.iterdir()) == ["quiet_nb.ipynb"]


def test_names_with_spaces_and_dashes_import_with_underscores(nb_dir: Path) -> None:
    (nb_dir / "Errors and Debugging.ipynb").write_text(
        dumps_notebook(notebook(("code", "def f():\n    return 'spaces'")))
    )
    (nb_dir / "data-prep.ipynb").write_text(dumps_notebook(notebook(("code", "N = 7"))))
    (nb_dir / "Copy of 2 model.ipynb").write_text(dumps_notebook(notebook(("code", "N = 1"))))
    import data_prep  # type: ignore[import-not-found]
    import Errors_and_Debugging  # type: ignore[import-not-found]

    assert Errors_and_Debugging.f() == "spaces" and data_prep.N == 7
    assert importer.importable_notebooks(str(nb_dir)) == [
        "Copy_of_2_model", "Errors_and_Debugging", "data_prep",
    ]  # fmt: skip
    assert importer.module_name("2 model.ipynb") is None
    assert importer.module_name("class.ipynb") is None


def test_a_py_module_wins(nb_dir: Path) -> None:
    (nb_dir / "twin.ipynb").write_text(dumps_notebook(notebook(("code", "WHO = 'ipynb'"))))
    (nb_dir / "twin.py").write_text("WHO = 'py'\n")
    import twin  # type: ignore[import-not-found]

    assert twin.WHO == "py"


def test_install_is_idempotent() -> None:
    saved = list(sys.meta_path)
    try:
        first = importer.install()
        assert importer.install() is first
        assert sum(type(f).__name__ == "NotebookFinder" for f in sys.meta_path) == 1
    finally:
        sys.meta_path[:] = saved


def test_runs_with_the_standard_library_only(tmp_path: Path) -> None:
    """The code a generated notebook inlines, alone in a bare Python (-I -S: no site-packages)."""
    from nbgen.generate.render import runtime_cell

    (tmp_path / "inlined.py").write_text(runtime_cell(["importer"]))
    (tmp_path / "lonely.ipynb").write_text(dumps_notebook(EXAMPLE))
    code = "exec(open('inlined.py').read()); import sys; sys.path.insert(0, '.'); nbgen.install()\n"
    code += "sys.dont_write_bytecode = True\n"
    code += "import lonely; print(lonely.area(2))"
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], cwd=tmp_path,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(2 * 3.141592653589793 * 4)


def test_hook_and_module_mode_keep_the_same_names(nb_dir: Path) -> None:
    from nbgen.convert import formats

    (nb_dir / "same_a.ipynb").write_text(dumps_notebook(EXAMPLE))
    (nb_dir / "same_b.py").write_text(formats.to_text(EXAMPLE, "module"))
    import same_a  # type: ignore[import-not-found]
    import same_b  # type: ignore[import-not-found]

    names_a = {n for n in vars(same_a) if not n.startswith("__")}
    names_b = {n for n in vars(same_b) if not n.startswith("__")}
    assert names_a == names_b == {"math", "SCALE", "state", "area", "Box"}
