from __future__ import annotations

import importlib
import linecache
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.runtime.modules import importer, keeper, names
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
    monkeypatch.setitem(names._NBNAME_LANG, "lang", "en")  # print_importable(lang=) sets it
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
    assert names.importable_notebooks(str(nb_dir)) == [
        "Copy_of_2_model", "Errors_and_Debugging", "data_prep",
    ]  # fmt: skip
    assert names.module_name("2 model.ipynb") is None
    assert names.module_name("class.ipynb") is None


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

    (tmp_path / "inlined.py").write_text(runtime_cell(["modules.importer"]))
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


def write(path: Path, *cells: tuple[str, str]) -> Path:
    path.write_text(dumps_notebook(notebook(*cells)))
    return path


def test_a_cell_with_a_syntax_error_fails_the_import_naming_notebook_cell_and_line(
    nb_dir: Path,
) -> None:
    path = write(nb_dir / "broken_nb.ipynb", ("code", "def ok():\n    return 1"), ("markdown", "m"),
                 ("code", "x = 1\ndef f(:\n    pass"))  # fmt: skip
    with pytest.raises(ImportError) as info:
        import broken_nb  # type: ignore[import-not-found]  # noqa: F401
    assert isinstance(info.value, names.NotebookImportError)  # one red line in a notebook
    assert str(info.value).startswith(f"{path}, cell 3, line 2: invalid syntax")


def test_other_languages_and_ipython_syntax_are_not_syntax_errors(nb_dir: Path) -> None:
    write(nb_dir / "ipy_nb.ipynb", ("code", "%%bash\nls -l"), ("code", "len?"),
          ("code", "files = !ls\nN = 2"), ("code", "def f():\n    return N"))  # fmt: skip
    import ipy_nb  # type: ignore[import-not-found]

    assert ipy_nb.f() == 2


def test_the_cache_key_holds_the_code_that_compiled_it(
    nb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(nb_dir / "keyed.ipynb", ("code", "VALUE = 1"))
    import keyed  # type: ignore[import-not-found]

    cache = Path(importer.importer_cache_dir())
    first = {p.name for p in cache.glob("*.nbgen.pyc")}
    assert keyed.VALUE == 1 and len(first) == 1
    # another nbgen: its analysis code differs, so it never reads this entry
    keeper_file = keeper.plan_cells.__code__.co_filename
    lines = linecache.getlines(keeper_file)
    monkeypatch.setitem(
        linecache.cache, keeper_file, (0, None, [*lines, "# changed\n"], keeper_file)
    )
    monkeypatch.setattr(importer, "_IMPORTER_CODE", {})
    del sys.modules["keyed"]
    import keyed as again

    assert again.VALUE == 1
    assert len({p.name for p in cache.glob("*.nbgen.pyc")} - first) == 1


@pytest.mark.parametrize("entry", [42, [1, 2], "text", {"a": 1}, b"\x00"])
def test_a_cache_entry_of_the_wrong_shape_is_compiled_again(nb_dir: Path, entry: Any) -> None:
    import marshal

    write(nb_dir / "shaped.ipynb", ("code", "VALUE = 5"))
    import shaped  # type: ignore[import-not-found]

    assert shaped.VALUE == 5
    (cached,) = Path(importer.importer_cache_dir()).glob("*.nbgen.pyc")
    cached.write_bytes(marshal.dumps(entry) if not isinstance(entry, bytes) else entry)
    del sys.modules["shaped"]
    import shaped as again

    assert again.VALUE == 5
    assert isinstance(marshal.loads(cached.read_bytes()), list)  # the entry is good again


def test_two_notebooks_with_one_import_name_import_as_neither(
    nb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(nb_dir / "my-nb.ipynb", ("code", "WHO = 'dash'"))
    write(nb_dir / "my nb.ipynb", ("code", "WHO = 'space'"))
    with pytest.raises(
        names.NotebookImportError, match=r"my nb\.ipynb, my-nb\.ipynb all import as `my_nb`"
    ):
        import my_nb  # type: ignore[import-not-found]  # noqa: F401
    assert "my_nb" not in names.importable_notebooks(str(nb_dir))
    names.print_importable(str(nb_dir))
    assert "all import as `my_nb`" in capsys.readouterr().out


def test_a_name_another_module_takes_first_is_not_offered(
    nb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(nb_dir / "json.ipynb", ("code", "MINE = 1"))
    write(nb_dir / "data.ipynb", ("code", "MINE = 1"))
    (nb_dir / "data").mkdir()  # a folder is a namespace package, found before any notebook
    write(nb_dir / "mine_nb.ipynb", ("code", "MINE = 1"))
    assert names.importable_notebooks(str(nb_dir)) == ["mine_nb"]
    names.print_importable(str(nb_dir), lang="zh")
    out = capsys.readouterr().out
    assert "json.ipynb：`import json` 导入的是 Python 自带的模块 `json`" in out
    assert f"data.ipynb：`import data` 导入的是 文件夹 {nb_dir / 'data'}" in out
    assert "import mine_nb" in out


@pytest.mark.parametrize(("file", "name"), [("cafe\u0301.ipynb", "caf\u00e9"),
                                            ("\ufb01le_nb.ipynb", "file_nb"),
                                            ("\uff4d\uff4f\uff44.ipynb", "mod")])  # fmt: skip
def test_names_are_normalised_as_python_normalises_identifiers(
    nb_dir: Path, file: str, name: str
) -> None:
    import unicodedata

    write(nb_dir / file, ("code", "WHO = 'normalised'"))
    typed = unicodedata.normalize("NFKC", file.removesuffix(".ipynb"))
    assert typed == name  # what `import <the name as typed>` looks up
    assert importlib.import_module(name).WHO == "normalised"
    assert names.importable_notebooks(str(nb_dir)) == [name]


def test_an_nbformat_3_notebook_imports_its_code(nb_dir: Path) -> None:
    import json

    old: dict[str, Any] = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "v3"}, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 1, "source": ["Title"], "metadata": {}},
        {"cell_type": "code", "language": "python", "input": ["def f():\n", "    return 3"],
         "outputs": [], "metadata": {}},
        {"cell_type": "code", "language": "python", "input": "print('notebook only')",
         "outputs": [], "metadata": {}}]}]}  # fmt: skip
    (nb_dir / "old_nb.ipynb").write_text(json.dumps(old))
    import old_nb  # type: ignore[import-not-found]

    assert old_nb.f() == 3
    old["worksheets"][0]["cells"].append({"cell_type": "code", "input": "def g(:", "outputs": []})
    (nb_dir / "old_bad.ipynb").write_text(json.dumps(old))
    with pytest.raises(names.NotebookImportError, match=r"old_bad\.ipynb, cell 4, line 1"):
        import old_bad  # type: ignore[import-not-found]  # noqa: F401


def test_a_notebook_that_is_not_json_or_too_old_is_one_line(nb_dir: Path) -> None:
    (nb_dir / "not_nb.ipynb").write_text("{")
    with pytest.raises(names.NotebookImportError, match=r"not_nb\.ipynb: not a notebook"):
        import not_nb  # type: ignore[import-not-found]  # noqa: F401
    (nb_dir / "ancient.ipynb").write_text('{"nbformat": 2, "worksheets": []}')
    with pytest.raises(names.NotebookImportError, match=r"ancient\.ipynb: nbformat 2"):
        import ancient  # type: ignore[import-not-found]  # noqa: F401
