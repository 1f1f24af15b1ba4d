"""`nbgen convert` as a user runs it: batches, up-to-date files, bad files, merges."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from nbgen.commands.convert import convert
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.languages import TEXT_SUFFIXES
from tests.conftest import CORPUS, run_nbgen
from tests.convert.helpers import notebook


def write_nb(path: Path, *cells: tuple[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_notebook(notebook(*cells)), encoding="utf-8")
    return path


def test_folder_batch_mirrors_skips_hidden_and_reports(tmp_path: Path) -> None:
    src = tmp_path / "nbs"
    write_nb(src / "a.ipynb", ("code", "a = 1"))
    write_nb(src / "sub" / "b.ipynb", ("markdown", "# B"))
    write_nb(src / ".ipynb_checkpoints" / "a-checkpoint.ipynb", ("code", "old"))
    write_nb(src / ".hidden" / "c.ipynb", ("code", "c"))
    (src / "broken.ipynb").write_text("{not json")
    out = tmp_path / "out"
    result = run_nbgen("convert", str(src), "--to", "py", "-o", str(out), "-j", "2")
    assert result.returncode == 1
    assert "broken.ipynb: not valid JSON (line 1, column 2" in result.stderr
    assert result.stdout.strip() == "2 converted, 0 unchanged, 1 failed"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["a.py", "sub", "sub/b.py"]
    assert "Traceback" not in result.stderr


def test_up_to_date_output_is_not_rewritten(tmp_path: Path, capsys: object) -> None:
    nb = write_nb(tmp_path / "a.ipynb", ("code", "x = 1"))
    assert convert([tmp_path], to="py", quiet=True) == 0
    py = tmp_path / "a.py"
    os.utime(py, ns=(py.stat().st_atime_ns, nb.stat().st_mtime_ns + 10**9))
    before = py.stat().st_mtime_ns
    assert convert([tmp_path], to="py", quiet=True) == 0
    assert py.stat().st_mtime_ns == before
    # the source changes but converts to the same text: still not rewritten
    os.utime(nb, ns=(nb.stat().st_atime_ns, before + 10**9))
    assert convert([tmp_path], to="py", quiet=True) == 0
    assert py.stat().st_mtime_ns == before


def test_newer_target_is_never_overwritten_without_force(tmp_path: Path) -> None:
    write_nb(tmp_path / "a.ipynb", ("code", "x = 1"))
    py = tmp_path / "a.py"
    py.write_text("# %%\nx = 2  # my edit\n")
    result = run_nbgen("convert", str(tmp_path / "a.ipynb"), "--to", "py")
    assert result.returncode == 0 and "0 converted, 1 unchanged" in result.stdout
    assert "my edit" in py.read_text()
    result = run_nbgen("convert", str(tmp_path / "a.ipynb"), "--to", "py", "--force")
    assert "1 converted" in result.stdout and "my edit" not in py.read_text()


def test_to_ipynb_keeps_outputs_of_unchanged_cells(tmp_path: Path) -> None:
    nb = notebook(("code", "print(1)"), ("code", "print(2)"), ("markdown", "end"))
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    nb["cells"][0]["execution_count"] = 1
    nb["cells"][0]["metadata"] = {"scrolled": True}
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "2\n"}]
    path = tmp_path / "a.ipynb"
    path.write_text(dumps_notebook(nb))
    assert convert([path], to="py", quiet=True) == 0
    py = tmp_path / "a.py"
    py.write_text(py.read_text().replace("print(2)", "print(3)"))
    os.utime(py, ns=(0, path.stat().st_mtime_ns + 10**9))
    assert convert([py], to="ipynb", quiet=True) == 0
    new = nbformat.read(path, as_version=4)
    nbformat.validate(new)
    assert new.cells[0].outputs[0].text == "1\n" and new.cells[0].execution_count == 1
    assert new.cells[0].metadata == {"scrolled": True} and new.cells[0].id == "c0"
    assert new.cells[1].source == "print(3)" and new.cells[1].outputs == []
    assert [c.id for c in new.cells] == ["c0", new.cells[1].id, "c2"]


@pytest.mark.parametrize("text", ["---\ntitle: My post\n---\n\n# Hello\n", "# %%\nx = 1\n"])
def test_a_hand_written_text_never_replaces_the_notebook_beside_it(
    tmp_path: Path, text: str
) -> None:
    """YAML front matter or a '# %%' line is not proof that the text came from the notebook,
    even when the text is newer: the user's notebook stays, until --force names it."""
    nb = write_nb(tmp_path / "post.ipynb", ("code", "precious = 42"))
    source = tmp_path / ("post.md" if text.startswith("---") else "post.py")
    source.write_text(text)
    os.utime(source, ns=(0, nb.stat().st_mtime_ns + 10**9))
    before = nb.read_bytes()
    result = run_nbgen("convert", str(source), "--to", "ipynb")
    assert result.returncode == 1 and "a notebook of yours is in the way" in result.stderr
    assert str(nb) in result.stderr and "--force" in result.stderr
    assert nb.read_bytes() == before
    result = run_nbgen("convert", str(source), "--to", "ipynb", "--force")
    assert result.returncode == 0 and "precious" not in nb.read_text()


def test_bad_inputs_each_give_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.ipynb").write_text("")
    (tmp_path / "latin.ipynb").write_bytes(b'{"nbformat": 4, "x": "\xe9"}')
    (tmp_path / "plain.py").write_text("import os\n")
    (tmp_path / "julia.ipynb").write_text(
        dumps_notebook(notebook(("code", "x = 1"), language="julia"))
    )
    result = run_nbgen(
        "convert",
        *(str(tmp_path / n) for n in ("empty.ipynb", "latin.ipynb", "julia.ipynb")),
        "--to",
        "py",
    )
    lines = result.stderr.strip().split("\n")
    assert result.returncode == 1
    assert any("empty.ipynb: the file is empty" in line for line in lines)
    assert any("latin.ipynb: not UTF-8 (byte 0xe9" in line for line in lines)
    assert (tmp_path / "julia.jl").exists()
    result = run_nbgen("convert", str(tmp_path / "plain.py"), "--to", "ipynb")
    assert result.returncode == 1 and "plain.py: no '# %%' cell markers" in result.stderr
    assert not (tmp_path / "plain.ipynb").exists()


def test_large_image_outputs(tmp_path: Path) -> None:
    nb = notebook(("code", "show()"))
    blob = "A" * (50 * 2**20)
    nb["cells"][0]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": blob}}
    ]
    path = tmp_path / "big.ipynb"
    path.write_text(json.dumps(nb))
    assert convert([path], to="py", quiet=True) == 0
    assert (tmp_path / "big.py").stat().st_size < 1000


def test_corpus_batch_goes_on_past_broken_files(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    shutil.copytree(CORPUS, tmp_path / "c")
    result = run_nbgen("convert", str(tmp_path / "c"), "--to", "py", "-q")
    assert result.returncode == 1
    converted = [p for p in (tmp_path / "c").iterdir() if p.suffix in TEXT_SUFFIXES]
    assert len(converted) >= 180
    failures = result.stderr.strip().split("\n")
    assert all(line.startswith("nbgen convert: ") for line in failures)
    assert "Traceback" not in result.stderr
    # and back: schema-invalid metadata is refused, everything written validates
    back = run_nbgen(
        "convert", str(tmp_path / "c"), "--to", "ipynb", "-o", str(tmp_path / "b"), "-q"
    )
    refused = back.stderr.strip().split("\n")
    assert len(refused) == 3 and all("would not be a valid notebook" in r for r in refused)
    assert len(list((tmp_path / "b").glob("*.ipynb"))) == len(converted) - 3
    for path in (tmp_path / "b").glob("*.ipynb"):
        nbformat.validate(nbformat.read(path, as_version=4))
