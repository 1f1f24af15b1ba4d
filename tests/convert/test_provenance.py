"""A text file is replaced by a conversion only when its header says a converter wrote it:
front matter, a Jekyll page or a VS Code ``# %%`` script merely look like one."""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest

from nbgen.convert import formats
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.provenance import writer_of
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def jupytext_text(fmt: str) -> str:
    nb = nbformat.from_dict(notebook(("markdown", "# T"), ("code", "x = 1")))
    return str(jupytext.writes(nb, fmt=fmt))


NBGEN = "nbgen-percent"
HAND_WRITTEN = {
    "jekyll": "---\nlayout: post\ntitle: Hi\n---\n\nText\n",
    "hand-written-Rmd": '---\ntitle: "R"\noutput: html_document\n---\n\n```{r}\n1\n```\n',
    "quarto": "---\ntitle: Q\njupyter: python3\n---\n\n```{python}\n1\n```\n",
    "vscode": "# %%\nprint(1)\n\n# %% [markdown]\n# notes\n",
    "banner": "# ---\n# a comment banner\n# ---\nx = 1\n",
    "unclosed": "---\njupyter:\n",
}


@pytest.mark.parametrize(
    ("source", "writer"),
    [(f, "jupytext") for f in ("md", "myst", "Rmd", "py:light", "py:percent", "R:percent")]
    + [(NBGEN, "nbgen")]
    + [(name, None) for name in HAND_WRITTEN],
)
def test_who_wrote_a_text_file(source: str, writer: str | None) -> None:
    if source == NBGEN:
        text = formats.to_text(notebook(("code", "x")))
    else:
        text = HAND_WRITTEN.get(source) or jupytext_text(source)
    assert writer_of(text.encode()) == writer
    # a BOM and Windows line endings change nothing
    assert writer_of(("\ufeff" + text.replace("\n", "\r\n")).encode()) == writer


def test_an_empty_notebooks_percent_file_still_carries_nbgens_header(tmp_path: Path) -> None:
    nb = notebook(("code", "x = 1"))
    nb["metadata"] = {}
    text = formats.to_text(nb)
    assert writer_of(text.encode()) == "nbgen"
    back = formats.from_text(text, tmp_path / "a.py")
    assert back["metadata"] == {"kernelspec": formats.DEFAULT_KERNELSPEC}
    assert [c["source"] for c in back["cells"]] == ["x = 1"]


def older_than(path: Path, other: Path) -> None:
    os.utime(path, ns=(0, other.stat().st_mtime_ns - 10**9))


@pytest.mark.parametrize(
    ("to", "name", "mine"),
    [
        ("md", "post.md", "---\nlayout: post\ntitle: My post\n---\n\nMy words.\n"),
        ("Rmd", "post.Rmd", '---\ntitle: "Mine"\noutput: html_document\n---\n\n```{r}\n1\n```\n'),
        ("myst", "post.md", "---\ntitle: a Jupyter Book page\n---\n\n# Mine\n"),
        ("py", "post.py", "# %%\nprint('my VS Code script')\n\n# %%\nx = 2\n"),
        ("py:percent", "post.py", "# %%\nprint('my VS Code script')\n"),
    ],
)
def test_front_matter_or_a_cell_marker_is_not_proof_and_the_file_is_never_overwritten(
    tmp_path: Path, to: str, name: str, mine: str
) -> None:
    (tmp_path / "post.ipynb").write_text(dumps_notebook(notebook(("code", "x = 1"))))
    target = tmp_path / name
    target.write_text(mine)
    older_than(target, tmp_path / "post.ipynb")
    result = run_nbgen("convert", "post.ipynb", "--to", to, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert f"{name}: a file of yours is in the way" in result.stderr and "--force" in result.stderr
    assert target.read_text() == mine
    forced = run_nbgen("convert", "post.ipynb", "--to", to, "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "x = 1" in target.read_text()


@pytest.mark.parametrize(("to", "name"), [("md", "a.md"), ("myst", "a.md"), ("Rmd", "a.Rmd"),
                                          ("py:light", "a.py"), ("py", "a.py")])  # fmt: skip
def test_a_converters_own_file_is_refreshed(tmp_path: Path, to: str, name: str) -> None:
    nb = tmp_path / "a.ipynb"
    nb.write_text(dumps_notebook(notebook(("code", "x = 1"))))
    assert run_nbgen("convert", "a.ipynb", "--to", to, cwd=tmp_path).returncode == 0
    nb.write_text(dumps_notebook(notebook(("code", "x = 2"))))
    older_than(tmp_path / name, nb)
    result = run_nbgen("convert", "a.ipynb", "--to", to, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "x = 2" in (tmp_path / name).read_text()


def test_a_file_jupytext_wrote_by_hand_command_is_refreshed(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text(dumps_notebook(notebook(("code", "x = 3"))))
    (tmp_path / "a.md").write_text(jupytext_text("md"))
    older_than(tmp_path / "a.md", tmp_path / "a.ipynb")
    result = run_nbgen("convert", "a.ipynb", "--to", "md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "x = 3" in (tmp_path / "a.md").read_text()
