"""No lost edit: line endings, BOMs, headers, attachments, mirrors, orphans, files in the way."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nbgen.commands.convert import convert
from nbgen.commands.sync import sync
from nbgen.convert import formats
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.sync import STATE_FILE
from nbgen.errors import UsageError
from tests.conftest import run_nbgen
from tests.convert.helpers import cell_view, notebook

IMAGE = {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}


def colab_notebook() -> dict[str, Any]:
    """A notebook as Colab saves it: metadata keys in Colab's order, outputs, an attachment."""
    nb = notebook(("markdown", "# Plot\n![p](attachment:p.png)"), ("code", "x = 1\nprint(x)"))
    nb["cells"][0]["attachments"] = {"p.png": IMAGE}
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    nb["cells"][1]["execution_count"] = 1
    nb["metadata"] = {
        "colab": {"provenance": [], "gpuType": "T4"},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
    }
    return nb


def write_colab(path: Path, nb: dict[str, Any]) -> None:
    # Colab's own writer: keys in insertion order, indent 2 (not nbformat's sorted indent 1)
    path.write_text(json.dumps(nb, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    write_colab(tmp_path / "a.ipynb", colab_notebook())
    return tmp_path


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


# ---- line endings and BOMs ------------------------------------------------------------------
def test_a_windows_clone_is_in_step_and_nothing_is_written(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write_colab(repo / "a.ipynb", colab_notebook())
    assert run_nbgen("sync", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pair")
    clone = tmp_path / "clone"
    git(tmp_path, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone))
    assert b"\r\n" in (clone / "a.py").read_bytes()  # the clone really is CRLF
    before = snapshot(clone)
    result = run_nbgen("sync", cwd=clone)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 pair: 1 in step"
    assert snapshot(clone) == before
    assert run_nbgen("sync", "--check", cwd=clone).returncode == 0


def test_an_edit_in_a_crlf_bom_file_reaches_the_notebook_and_keeps_the_style(
    project: Path,
) -> None:
    assert sync([]) == 0
    py = project / "a.py"
    text = py.read_text(encoding="utf-8").replace("x = 1", "x = 2")
    py.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert sync([]) == 0
    nb = nbformat.read(project / "a.ipynb", as_version=4)
    assert nb.cells[1].source == "x = 2\nprint(x)"  # no stray \r
    assert nb.cells[0].attachments == {"p.png": IMAGE}
    assert nb.metadata.accelerator == "GPU" and nb.metadata.colab.gpuType == "T4"
    data = py.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n")
    before = snapshot(project)
    assert sync([]) == 0 and sync([], check=True) == 0
    assert snapshot(project) == before


def test_a_bom_notebook_is_read_not_called_damaged(project: Path) -> None:
    nb = project / "a.ipynb"
    nb.write_bytes(b"\xef\xbb\xbf" + nb.read_bytes().replace(b"\n", b"\r\n"))
    assert sync([]) == 0
    assert "x = 1" in (project / "a.py").read_text()
    edited = (project / "a.py").read_text().replace("x = 1", "x = 5")
    (project / "a.py").write_text(edited)
    assert sync([]) == 0
    data = nb.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n")
    assert "x = 5" in nbformat.reads(data.decode("utf-8-sig"), as_version=4).cells[1].source


def test_to_ipynb_of_a_crlf_py_has_no_stray_carriage_returns(tmp_path: Path) -> None:
    py = tmp_path / "a.py"
    py.write_bytes(
        formats.to_text(notebook(("code", "a = 1\nb = 2"))).replace("\n", "\r\n").encode()
    )
    assert convert([py], to="ipynb", quiet=True) == 0
    nb = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    assert nb.cells[0].source == "a = 1\nb = 2"


def test_cells_with_their_own_crlf_still_round_trip_exactly(tmp_path: Path) -> None:
    nb = notebook(("code", "a = 1\r\nb = 2"), ("markdown", "x\r\ny"))
    text = formats.to_text(nb)
    assert cell_view(formats.from_text(text, tmp_path / "a.py")) == cell_view(nb)


# ---- what the user wrote in the header ----------------------------------------------------------
def test_a_banner_above_the_header_is_refused_with_its_line(project: Path) -> None:
    sync([])
    py = project / "a.py"
    py.write_text("# Copyright 2026 me\n" + py.read_text())
    before = snapshot(project)
    assert sync([]) == 1
    assert snapshot(project) == before
    result = run_nbgen("sync", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a.py, line 2: the '# ---' header must be the first line" in result.stderr


def test_front_matter_in_the_header_is_kept(project: Path) -> None:
    sync([])
    py = project / "a.py"
    text = py.read_text().replace("# ---\n# jupyter:", "# ---\n# title: My notebook\n# jupyter:", 1)
    py.write_text(text)
    assert sync([]) == 0
    nb = nbformat.read(project / "a.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "raw" and nb.cells[0].source == "---\ntitle: My notebook\n---"
    assert nb.metadata.accelerator == "GPU"
    assert py.read_text() == text  # the user's layout, byte for byte
    assert sync([], check=True) == 0


def test_an_invalid_header_stops_naming_the_line(project: Path) -> None:
    sync([])
    py = project / "a.py"
    lines = py.read_text().split("\n")
    lines[2] = "#   accelerator: [GPU"  # JSON and YAML both choke
    py.write_text("\n".join(lines))
    before = snapshot(project)
    assert sync([]) == 1
    assert snapshot(project) == before
    result = run_nbgen("convert", "a.py", "--to", "ipynb", "--force", cwd=project)
    assert result.returncode == 1
    assert "a.py, line 4: the header's 'jupyter:' section is not valid YAML" in result.stderr


# ---- attachments ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["percent", "module"])
def test_attachments_survive_a_fresh_round_trip(tmp_path: Path, mode: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write_colab(src / "a.ipynb", colab_notebook())
    args = ["--mode", mode] if mode == "module" else []
    assert run_nbgen("convert", str(src / "a.ipynb"), "--to", "py", *args).returncode == 0
    out = tmp_path / "out"
    result = run_nbgen("convert", str(src / "a.py"), "--to", "ipynb", "-o", str(out))
    assert result.returncode == 0, result.stderr
    back = nbformat.read(out / "a.ipynb", as_version=4)
    assert back.cells[0].attachments == {"p.png": IMAGE}


def test_editing_a_cell_with_an_attachment_keeps_it(project: Path) -> None:
    sync([])
    py = project / "a.py"
    py.write_text(py.read_text().replace("# # Plot", "# # A better plot"))
    assert sync([]) == 0
    nb = nbformat.read(project / "a.ipynb", as_version=4)
    assert nb.cells[0].source.startswith("# A better plot")
    assert nb.cells[0].attachments == {"p.png": IMAGE}


# ---- one run settles it -----------------------------------------------------------------------
def test_colab_key_order_settles_in_one_run(project: Path) -> None:
    sync([])
    py = project / "a.py"
    py.write_text(py.read_text().replace("x = 1", "x = 3"))
    write_colab(project / "a.ipynb", json.loads((project / "a.ipynb").read_text()))
    assert sync([]) == 0  # the .py edit goes into the notebook
    before = snapshot(project)
    assert sync([], fail_on_change=True) == 0
    assert sync([], check=True) == 0
    assert snapshot(project) == before


# ---- escaping nbgen's own markers -------------------------------------------------------------
@pytest.mark.parametrize("mode", ["percent", "module"])
def test_nbgens_own_names_in_user_metadata_and_code_round_trip(mode: str) -> None:
    guard = 'if __name__ == "__main__":  # nbgen: notebook only'
    nb = notebook(("code", f"{guard}\n    pass"), ("code", "y = 1"), ("markdown", "m"))
    nb["cells"][1]["metadata"] = {"nbgen": "inert", "nbgen_metadata": {"a": 1}}
    nb["cells"][2]["metadata"] = {"nbgen_attachments": 1}
    nb["metadata"]["nbgen"] = {"format": "module"}
    text = formats.to_text(nb, mode)
    back = formats.from_text(text, Path("a.py"))
    assert cell_view(back) == cell_view(nb)
    assert back["metadata"] == nb["metadata"]


# ---- files in the way --------------------------------------------------------------------------
def test_convert_never_overwrites_a_hand_written_py(tmp_path: Path) -> None:
    helper = tmp_path / "helper.py"
    helper.write_text("def help_me():\n    return 42\n")
    nb = tmp_path / "helper.ipynb"
    nb.write_text(dumps_notebook(notebook(("code", "x = 1"))))
    os.utime(helper, ns=(0, nb.stat().st_mtime_ns - 10**9))  # the notebook is newer
    result = run_nbgen("convert", str(tmp_path), "--to", "py")
    assert result.returncode == 1
    assert (
        "helper.py: a file of yours is in the way (nbgen and jupytext did not write it"
        in result.stderr
    )
    assert "--force" in result.stderr
    assert helper.read_text() == "def help_me():\n    return 42\n"
    # a .py that nbgen wrote is refreshed as before
    (tmp_path / "b.ipynb").write_text(dumps_notebook(notebook(("code", "b = 1"))))
    assert run_nbgen("convert", str(tmp_path / "b.ipynb"), "--to", "py").returncode == 0
    (tmp_path / "b.ipynb").write_text(dumps_notebook(notebook(("code", "b = 2"))))
    os.utime(tmp_path / "b.py", ns=(0, 0))
    assert run_nbgen("convert", str(tmp_path / "b.ipynb"), "--to", "py").returncode == 0
    assert "b = 2" in (tmp_path / "b.py").read_text()
    assert run_nbgen("convert", str(nb), "--to", "py", "--force").returncode == 0
    assert "x = 1" in helper.read_text()


def test_new_never_replaces_an_existing_notebook_or_link(tmp_path: Path) -> None:
    mine = tmp_path / "train.ipynb"
    mine.write_text(dumps_notebook(notebook(("code", "my_work = 1"))))
    link = tmp_path / "link.ipynb"
    link.symlink_to(mine)
    for target in (mine, link):
        result = run_nbgen("new", "-o", str(target))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"--output {target}: already exists" in result.stderr and "--force" in result.stderr
    assert "my_work" in mine.read_text() and link.is_symlink()
    assert run_nbgen("new", "-o", str(link), "--force").returncode == 0
    assert link.is_symlink() and "my_work" not in mine.read_text()  # written through the link


# ---- mirrors, orphans, the record -----------------------------------------------------------------
def test_mirror_collisions_are_refused_before_anything_is_written(project: Path) -> None:
    for folder in ("notebooks", "other"):
        (project / folder).mkdir()
        (project / folder / "a.ipynb").write_text(dumps_notebook(notebook(("code", folder))))
    (project / "pyproject.toml").write_text(
        '[tool.nbgen]\nmirror = { "notebooks" = "src", "other" = "src" }\n'
    )
    before = snapshot(project)
    with pytest.raises(UsageError) as info:
        sync([])
    message = str(info.value)
    assert "notebooks/a.ipynb" in message and "other/a.ipynb" in message and "src/a.py" in message
    assert snapshot(project) == before


@pytest.mark.parametrize("target", ["../../elsewhere", "ABSOLUTE", "src/../../x"])
def test_mirror_outside_the_project_is_refused(
    project: Path, target: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    target = str(outside / "x") if target == "ABSOLUTE" else target
    (project / "pyproject.toml").write_text(f'[tool.nbgen]\nmirror = {{ "." = "{target}" }}\n')
    result = run_nbgen("sync", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f'mirror "." = "{target}"' in result.stderr and "outside the project" in result.stderr
    assert list(outside.iterdir()) == [] and not (project.parent / "elsewhere").exists()


def test_a_link_out_of_the_project_is_not_written_through(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "sitecustomize.py"
    (project / "a.py").symlink_to(outside)
    assert sync([]) == 1
    assert not outside.exists()


def test_a_deleted_notebook_is_reported_not_resurrected(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sync([])
    (project / "a.ipynb").unlink()
    capsys.readouterr()
    assert sync([]) == 1
    err = capsys.readouterr().err
    assert "notebook gone" in err and "delete" in err and "nbgen convert" in err
    assert not (project / "a.ipynb").exists()
    assert sync([], check=True) == 1
    (project / "a.py").unlink()
    assert sync([]) == 0  # both gone: the record forgets it
    assert "a.ipynb" not in (project / STATE_FILE).read_text()


def test_a_renamed_notebook_gets_its_pair_and_the_old_py_is_reported(project: Path) -> None:
    sync([])
    (project / "a.ipynb").rename(project / "b.ipynb")
    assert sync([]) == 1
    assert (project / "b.py").exists() and not (project / "a.ipynb").exists()


def test_stale_and_outside_entries_are_pruned(project: Path) -> None:
    sync([])
    state = project / STATE_FILE
    state.write_text(state.read_text() + "0" * 32 + "  ../x.ipynb\n" + "1" * 32 + "  /etc/y.ipynb\n"
                     + "2" * 32 + "  gone.ipynb\n")  # fmt: skip
    assert sync([]) == 0
    assert state.read_text().count("\n") == 1 and state.read_text().endswith("  a.ipynb\n")
