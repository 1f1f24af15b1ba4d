"""Every readable notebook round-trips exactly and settles in one sync; broken ones fail
cleanly. The shared corpus (../shared, real notebooks from other projects) adds breadth where
present; the notebooks in tests/data/golden always run, so a clone alone tests this too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbgen.convert import formats
from nbgen.convert.ipynb import language_of, read_notebook
from nbgen.errors import NotebookError
from tests.conftest import CORPUS
from tests.convert.helpers import cell_view

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
SHARED = sorted(CORPUS.glob("*.ipynb")) if CORPUS.is_dir() else []
FILES = sorted(GOLDEN.glob("*.ipynb")) + SHARED
needs_shared = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside")


def _readable(path: Path) -> dict[str, Any] | None:
    try:
        return read_notebook(path)[0]
    except NotebookError:
        return None


@needs_shared
def test_corpus_is_mostly_readable() -> None:
    readable = [p for p in FILES if _readable(p) is not None]
    assert len(FILES) >= 200 and len(readable) >= 200


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:70])
def test_round_trip_is_exact(path: Path) -> None:
    nb = _readable(path)
    if nb is None:
        pytest.skip("not a readable notebook (covered by the error test)")
    modes = ["percent", "module"] if language_of(nb) == "python" else ["percent"]
    for mode in modes:
        try:
            suffix = formats.text_suffix(nb, path, mode)
        except NotebookError as exc:
            assert "nbgen's percent format is for Python, R, Julia and bash" in str(exc)
            return
        text = formats.to_text(nb, mode)
        back = formats.from_text(text, path.with_suffix(suffix))
        assert cell_view(back) == cell_view(nb), mode


@needs_shared
def test_fenced_shebang_in_markdown_survives() -> None:
    path = CORPUS / "nbsphinx__doc__configuring-kernels.ipynb"
    nb, _ = read_notebook(path)
    text = formats.to_text(nb)
    back = formats.from_text(text, path.with_suffix(".py"))
    sources = [c["source"] for c in back["cells"]]
    assert any("```bash\n#!/bin/bash\n" in s for s in sources)


@needs_shared
@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("nbformat__tests__invalid.ipynb", "cell 1 has no text source"),
        ("nbformat__tests__test2.ipynb", "nbformat 2 is not supported"),
        ("nbformat__tests__test4plus.ipynb", "cell_type 'future cell'"),
        ("nbformat__tests__test3_no_worksheets.ipynb", "broken nbformat 3 notebook"),
    ],
)
def test_broken_corpus_files_give_one_line_errors(name: str, needle: str) -> None:
    path = CORPUS / name
    with pytest.raises(NotebookError) as info:
        read_notebook(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message


@needs_shared
def test_nbformat3_is_upgraded_and_said() -> None:
    nb, notes = read_notebook(CORPUS / "nbformat__tests__test3.ipynb")
    assert nb["nbformat"] == 4 and nb["cells"]
    assert "upgraded to nbformat 4" in notes[0]


@pytest.mark.parametrize(
    "path", sorted(GOLDEN.glob("*.ipynb")) + SHARED[::5], ids=lambda p: p.name[:70]
)
def test_writer_matches_nbformat_on_real_notebooks(path: Path) -> None:
    import nbformat

    from nbgen.convert.ipynb import dumps_notebook

    nb = _readable(path)
    if nb is None or nb.get("nbformat_minor", 0) > 5:
        pytest.skip("not a readable nbformat 4 notebook")
    assert dumps_notebook(nb) == nbformat.writes(nbformat.from_dict(nb)) + "\n"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:70])
def test_one_sync_settles_on_real_notebooks(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notebook as its author's tool saved it, its .py edited: after one sync, a second
    sync and a check write nothing."""
    import contextlib
    import io
    import json

    from nbgen.commands.sync import sync

    nb = _readable(path)
    if nb is None or language_of(nb) != "python":
        pytest.skip("not a readable Python notebook")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "nb.ipynb"
    target.write_bytes(path.read_bytes())
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
    with quiet[0], quiet[1]:
        assert sync([]) in (0, 1)
        py = tmp_path / "nb.py"
        if not py.exists():
            return  # refused with a reason (e.g. invalid metadata): covered elsewhere
        py.write_text(py.read_text(encoding="utf-8") + "\n# %%\nadded = 1\n", encoding="utf-8")
        # the author's tool saves the notebook in its own key order meanwhile
        raw = json.loads(target.read_text(encoding="utf-8"))
        target.write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
        first = sync([])
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        assert sync([]) == first
        assert sync([], check=True) == first
        after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before
