"""Every other format through the library made for it: jupytext's text formats and nbconvert's
rendered pages, in nbgen's batches, with nbgen's safety rules."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import jupytext
import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()


def plotted(path: Path) -> Path:
    """A notebook with a chart and a table in its outputs."""
    nb = notebook(("markdown", "# Report"), ("code", "x = 1\nshow()"))
    nb["cells"][1]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG, "text/plain": "<Figure>"}},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/html": "<table><tr><td>img/s</td><td>42</td></tr></table>", "text/plain": "t"}},
    ]  # fmt: skip
    nb["cells"][1]["execution_count"] = 1
    path.write_text(dumps_notebook(nb))
    return path


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("md", ".md"), ("myst", ".md"), ("py:light", ".py"), ("py:hydrogen", ".py"), ("Rmd", ".Rmd"),
     ("R:percent", ".R"), ("auto:percent", ".py")],
)  # fmt: skip
def test_jupytext_formats_in_a_batch(tmp_path: Path, fmt: str, suffix: str) -> None:
    src = tmp_path / "nbs"
    src.mkdir()
    for name in ("a", "b"):
        (src / f"{name}.ipynb").write_text(
            dumps_notebook(notebook(("markdown", f"# {name}"), ("code", f"{name} = 1")))
        )
    (src / "broken.ipynb").write_text("{")
    out = tmp_path / "out"
    result = run_nbgen("convert", str(src), "--to", fmt, "-o", str(out), "-j", "2")
    assert result.returncode == 1 and "broken.ipynb: not valid JSON" in result.stderr
    assert result.stdout.strip() == "2 converted, 0 unchanged, 1 failed"
    for name in ("a", "b"):
        text = (out / f"{name}{suffix}").read_text()
        back = jupytext.reads(text, fmt=fmt if not fmt.startswith("auto") else "py:percent")
        assert [c.source for c in back.cells] == [f"# {name}", f"{name} = 1"]
    again = run_nbgen("convert", str(src / "a.ipynb"), "--to", fmt, "-o", str(out))
    assert "0 converted, 1 unchanged" in again.stdout  # up to date: nothing rewritten


def test_back_to_notebooks_from_jupytext_text(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text(
        dumps_notebook(notebook(("markdown", "# A"), ("code", "a = 1")))
    )
    assert run_nbgen("convert", "a.ipynb", "--to", "myst", cwd=tmp_path).returncode == 0
    (tmp_path / "README.md").write_text("# Not a notebook\n")
    out = tmp_path / "out"
    result = run_nbgen("convert", ".", "--to", "ipynb", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.ipynb"]  # the plain README is no notebook
    cells = json.loads((out / "a.ipynb").read_text())["cells"]
    assert ["".join(c["source"]) for c in cells] == ["# A", "a = 1"]


def test_html_page_embeds_the_chart_and_the_table(tmp_path: Path) -> None:
    plotted(tmp_path / "r.ipynb")
    result = run_nbgen("convert", "r.ipynb", "--to", "html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert f"data:image/png;base64,{PNG}" in page and "<td>img/s</td>" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb"]  # one file


def test_markdown_report_writes_its_images_beside_it(tmp_path: Path) -> None:
    plotted(tmp_path / "r.ipynb")
    result = run_nbgen("convert", "r.ipynb", "--to", "markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "r.md").read_text()
    images = list((tmp_path / "r_files").iterdir())
    assert len(images) == 1 and f"r_files/{images[0].name}" in text
    assert images[0].read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("to", ["md", "markdown"])
def test_a_hand_written_markdown_file_is_never_overwritten(tmp_path: Path, to: str) -> None:
    plotted(tmp_path / "README.ipynb")
    (tmp_path / "README.md").write_text("# My project\n")
    os.utime(tmp_path / "README.md", ns=(0, 0))  # older than the notebook
    result = run_nbgen("convert", "README.ipynb", "--to", to, cwd=tmp_path)
    assert result.returncode == 1 and "README.md: already exists" in result.stderr
    assert "--force" in result.stderr and (tmp_path / "README.md").read_text() == "# My project\n"


def test_an_unknown_format_is_named(tmp_path: Path) -> None:
    plotted(tmp_path / "r.ipynb")
    result = run_nbgen("convert", "r.ipynb", "--to", "docx", cwd=tmp_path)
    assert result.returncode == 1 and "--to 'docx' is not a format" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_pairs_with_markdown(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.nbgen]\nformat = "md"\n')
    (tmp_path / "a.ipynb").write_text(
        dumps_notebook(notebook(("markdown", "# A"), ("code", "a = 1")))
    )
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    md = tmp_path / "a.md"
    md.write_text(md.read_text().replace("a = 1", "a = 2"))
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    assert '"a = 2"' in (tmp_path / "a.ipynb").read_text()
    assert run_nbgen("sync", "--check", cwd=tmp_path).returncode == 0
