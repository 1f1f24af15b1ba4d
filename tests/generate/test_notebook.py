from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nbgen.generate.notebook import build_notebook, write_notebook
from nbgen.generate.spec import Lang, NotebookSpec
from tests.conftest import error_outputs, execute_notebook, stdout_of


def test_written_notebook_validates_with_colab_metadata(tmp_path: Path) -> None:
    out = write_notebook(NotebookSpec(pip=("einops",)), tmp_path / "x.ipynb")
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat_minor == 5
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.colab.provenance == []
    assert all(c.id for c in nb.cells)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "# @param" in params[0].source
    assert [p.name for p in tmp_path.iterdir()] == ["x.ipynb"]  # no temp file left behind
    json.loads(out.read_text())


def test_same_spec_gives_identical_bytes(tmp_path: Path) -> None:
    a = write_notebook(NotebookSpec(), tmp_path / "a.ipynb").read_bytes()
    b = write_notebook(NotebookSpec(), tmp_path / "b.ipynb").read_bytes()
    assert a == b


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_notebook_runs_locally_in_a_real_kernel(tmp_path: Path, lang: Lang) -> None:
    nb = build_notebook(NotebookSpec(lang=lang, project="proj", bench=False))
    sibling = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("def triple(x):\n    return 3 * x\nprint('trained!')")]
    )
    (tmp_path / "proj").mkdir()
    nbformat.write(sibling, tmp_path / "proj" / "helper.ipynb")
    nb.cells.append(
        nbformat.v4.new_code_cell("import helper\nprint('helper says', helper.triple(14))")
    )
    execute_notebook(nb, tmp_path)
    assert error_outputs(nb) == []
    out = stdout_of(nb)
    import torch

    assert f"torch.cuda.is_available()  {torch.cuda.is_available()}" in out
    assert (tmp_path / "proj").is_dir()
    assert str(tmp_path / "proj") in out
    marker = "Not on Colab (local)" if lang == "en" else "当前不在 Colab 上（local）"
    assert marker in out
    assert "helper says 42" in out and "trained!" not in out
    ready = "These notebooks can now be imported: " if lang == "en" else "现在可以导入以下笔记本："
    assert f"{ready}import helper" in out


@pytest.mark.parametrize("target", ["loop.ipynb", "/nonexistent/elsewhere.ipynb", "folder"])
@pytest.mark.parametrize("force", [False, True])
def test_a_link_that_does_not_lead_to_a_file_is_named_and_left_as_it_is(
    tmp_path: Path, target: str, force: bool
) -> None:
    from nbgen.errors import NbgenError

    (tmp_path / "real.ipynb").write_text("mine\n")
    (tmp_path / "folder").mkdir()
    link = tmp_path / "loop.ipynb"
    link.symlink_to(target)
    with pytest.raises(
        NbgenError,
        match=r"loop\.ipynb: is a symbolic link that does not lead to a file; .*remove the link",
    ):
        write_notebook(NotebookSpec(), link, force=force)
    assert link.is_symlink() and str(link.readlink()) == target
    assert (tmp_path / "real.ipynb").read_text() == "mine\n"
    assert list((tmp_path / "folder").iterdir()) == []
