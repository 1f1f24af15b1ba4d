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
    images = [p for p in (tmp_path / "r_files").iterdir() if p.name != ".nbgen-owned"]
    assert len(images) == 1 and f"r_files/{images[0].name}" in text
    assert images[0].read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("to", ["md", "markdown"])
def test_a_hand_written_markdown_file_is_never_overwritten(tmp_path: Path, to: str) -> None:
    plotted(tmp_path / "README.ipynb")
    (tmp_path / "README.md").write_text("# My project\n")
    os.utime(tmp_path / "README.md", ns=(0, 0))  # older than the notebook
    result = run_nbgen("convert", "README.ipynb", "--to", to, cwd=tmp_path)
    assert result.returncode == 1 and "README.md: a file of yours is in the way" in result.stderr
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


def pasted_images(path: Path) -> Path:
    """Two markdown cells, each with a picture pasted as Colab and Jupyter name it, and an
    output whose metadata names a file outside the folder."""
    one = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\1" * 16).decode()
    two = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\2" * 16).decode()
    nb = notebook(("markdown", "one ![image.png](attachment:image.png)"),
                  ("markdown", "two ![image.png](attachment:image.png)"), ("code", "plot()"))  # fmt: skip
    nb["cells"][0]["attachments"] = {"image.png": {"image/png": one}}
    nb["cells"][1]["attachments"] = {"image.png": {"image/png": two}}
    nb["cells"][2]["outputs"] = [{"output_type": "display_data", "data": {"image/png": one},
                                  "metadata": {"filename": ".."}}]  # fmt: skip
    path.write_text(dumps_notebook(nb))
    return path


def test_two_cells_pasted_image_png_become_two_files_inside_the_pages_folder(
    tmp_path: Path,
) -> None:
    pasted_images(tmp_path / "r.ipynb")
    result = run_nbgen("convert", "r.ipynb", "--to", "markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "r_files"
    pictures = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".png"}
    assert len(pictures) == 3 and len(set(pictures.values())) == 2  # one per picture, none lost
    text = (tmp_path / "r.md").read_text()
    for name in pictures:
        assert f"(r_files/{name})" in text
    stamp = json.loads((folder / ".nbgen-owned").read_text())
    assert stamp == {"nbgen": "report", "files": sorted(pictures)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.ipynb", "r.md", "r_files"]


def test_a_folder_of_yours_named_like_the_pages_folder_is_refused(tmp_path: Path) -> None:
    pasted_images(tmp_path / "r.ipynb")
    mine = tmp_path / "r_files"
    mine.mkdir()
    (mine / "image.png").write_bytes(b"my own picture")
    result = run_nbgen("convert", "r.ipynb", "--to", "markdown", cwd=tmp_path)
    assert result.returncode == 1 and "r_files: a folder of yours is in the way" in result.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["image.png"]
    assert not (tmp_path / "r.md").exists()
    assert (
        run_nbgen("convert", "r.ipynb", "--to", "markdown", "--force", cwd=tmp_path).returncode == 0
    )
    assert (mine / "image.png").read_bytes() == b"my own picture"  # adopted, not emptied


def test_pictures_a_new_render_no_longer_has_are_removed_from_nbgens_folder(
    tmp_path: Path,
) -> None:
    nb = pasted_images(tmp_path / "r.ipynb")
    assert run_nbgen("convert", "r.ipynb", "--to", "markdown", cwd=tmp_path).returncode == 0
    data = json.loads(nb.read_text())
    data["cells"] = data["cells"][:1]
    nb.write_text(json.dumps(data))
    result = run_nbgen("convert", "r.ipynb", "--to", "markdown", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "r_files").iterdir()) == [
        ".nbgen-owned",
        "cell1-image.png",
    ]


@pytest.mark.parametrize(
    "name",
    ["../x.png", "/etc/x.png", "r_files/../../x.png", "r_files/..", "r_files\\..\\x.png",
     "r_files/sub/x.png", "other_files/x.png", "C:/x.png", "r_files/.nbgen-owned", "x.png"],
)  # fmt: skip
def test_every_resource_path_nbconvert_returns_is_checked(name: str) -> None:
    from nbgen.convert.report import _checked_name
    from nbgen.errors import NbgenError

    with pytest.raises(NbgenError, match="not a plain name inside r_files/; nothing was written"):
        _checked_name(name, "r_files", Path("r.md"))
    assert _checked_name("r_files/output_1_0.png", "r_files", Path("r.md")) == "output_1_0.png"


def colab_metadata() -> dict[str, object]:
    """What Colab saves that jupytext's text formats do not carry."""
    return {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "accelerator": "GPU",
        "colab": {"gpuType": "T4", "provenance": []},
        "language_info": {"name": "python", "version": "3.12.1"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2,
                                                                   "version_minor": 0}},
    }  # fmt: skip


@pytest.mark.parametrize("fmt", ["md", "myst", "py:light"])
def test_editing_the_text_of_a_jupytext_pair_keeps_the_notebooks_metadata(
    tmp_path: Path, fmt: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[tool.nbgen]\nformat = "{fmt}"\n')
    nb = notebook(("markdown", "# A"), ("code", "a = 1"))
    nb["metadata"] = colab_metadata()
    (tmp_path / "a.ipynb").write_text(dumps_notebook(nb))
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    text = next(p for p in tmp_path.iterdir() if p.stem == "a" and p.suffix != ".ipynb")
    text.write_text(text.read_text().replace("a = 1", "a = 2"))
    result = run_nbgen("sync", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    back = json.loads((tmp_path / "a.ipynb").read_text())
    assert "a = 2" in "".join(back["cells"][1]["source"])
    for key, value in colab_metadata().items():
        assert back["metadata"][key] == value, key
    assert run_nbgen("sync", "--check", cwd=tmp_path).returncode == 0


def test_convert_md_to_ipynb_over_a_notebook_keeps_its_metadata(tmp_path: Path) -> None:
    nb = notebook(("markdown", "# A"), ("code", "a = 1"))
    nb["metadata"] = colab_metadata()
    (tmp_path / "a.ipynb").write_text(dumps_notebook(nb))
    assert run_nbgen("convert", "a.ipynb", "--to", "md", cwd=tmp_path).returncode == 0
    md = tmp_path / "a.md"
    md.write_text(md.read_text().replace("a = 1", "a = 3"))
    result = run_nbgen("convert", "a.md", "--to", "ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    back = json.loads((tmp_path / "a.ipynb").read_text())
    assert "a = 3" in "".join(back["cells"][1]["source"])
    for key, value in colab_metadata().items():
        assert back["metadata"][key] == value, key


def test_a_percent_file_jupytext_wrote_is_read_by_jupytext(tmp_path: Path) -> None:
    import nbformat

    cells = [("code", "%%bash\nls"), ("code", "?print"), ("code", "%time x = 1\n!ls"),
             ("markdown", "# Notes")]  # fmt: skip
    nb = notebook(*cells)
    (tmp_path / "a.py").write_text(jupytext.writes(nbformat.from_dict(nb), fmt="py:percent"))
    assert '# %% language="bash"' in (tmp_path / "a.py").read_text()
    result = run_nbgen("convert", "a.py", "--to", "ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    back = json.loads((tmp_path / "a.ipynb").read_text())
    assert [(c["cell_type"], "".join(c["source"])) for c in back["cells"]] == cells
