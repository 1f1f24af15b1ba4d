"""`nbgen new --into`: nbgen's cells in the user's notebook, refreshed in place; the user's
cells, their order and their values are the user's."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.errors import NbgenError, UsageError
from nbgen.generate.into import owned_section, refresh_setup
from tests.conftest import CORPUS, run_nbgen
from tests.convert.helpers import notebook


def user_notebook(path: Path, *cells: tuple[str, str]) -> dict[str, Any]:
    nb = notebook(
        *(cells or (("markdown", "# Train"), ("code", "model = 1"), ("code", "print(model)")))
    )
    if not cells:
        nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
        nb["cells"][2]["execution_count"] = 3
    path.write_text(dumps_notebook(nb))
    return nb


def cells(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
    return data


def source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def parameters(path: Path) -> str:
    return source(next(c for c in cells(path) if owned_section(c) == "parameters" and
                       c["cell_type"] == "code"))  # fmt: skip


def section_cell(nb: dict[str, Any], section: str, kind: str = "code") -> int:
    return next(i for i, c in enumerate(nb["cells"])
                if owned_section(c) == section and c["cell_type"] == kind)  # fmt: skip


def edit(path: Path, change: Any) -> None:
    nb = json.loads(path.read_text())
    change(nb)
    path.write_text(json.dumps(nb, indent=1) + "\n")


def set_up(path: Path, *flags: tuple[str, Any]) -> None:
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags=dict(flags))


def test_user_cells_keep_their_order_outputs_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    before = user_notebook(path)
    result = refresh_setup(path, spec_file=None, flags={})
    assert result.changed and not result.had_setup and result.user_cells == 3
    after = cells(path)
    mine = [c for c in after if owned_section(c) is None]
    assert [c["id"] for c in mine] == [c["id"] for c in before["cells"]]
    assert mine[2]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    # the title stays on top, then the setup cells, then the rest of the user's notebook
    assert after[0] == mine[0] and owned_section(after[1]) == "intro" and after[-2:] == mine[1:]


def test_first_insertion_goes_below_an_open_in_colab_badge_and_the_title(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    badge = ('<a href="https://colab.research.google.com/github/me/x/blob/main/train.ipynb" '
             'target="_parent"><img src="https://colab.research.google.com/assets/colab-badge.svg"'
             ' alt="Open In Colab"/></a>')  # fmt: skip
    user_notebook(path, ("markdown", badge), ("markdown", "# Cats\n\nA classifier."),
                  ("markdown", "Some notes first."), ("code", "x = 1"))  # fmt: skip
    refresh_setup(path, spec_file=None, flags={})
    order = [owned_section(c) for c in cells(path)]
    assert order[:3] == [None, None, "intro"] and order[-2:] == [None, None]
    user_notebook(path, ("markdown", "[![Kaggle](https://kaggle.com/b.svg)](https://kaggle.com)"),
                  ("code", "x = 1"))  # fmt: skip
    refresh_setup(path, spec_file=None, flags={})
    assert [owned_section(c) for c in cells(path)][:2] == [None, "intro"]


def test_form_values_are_kept_unless_a_flag_sets_them(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path, ("project", "cats"), ("pip", ["einops", "numpy>=1.0,<3"]), ("bench", True))
    raw = path.read_text().replace("BENCH_STEPS = 20", "BENCH_STEPS = 7")  # edited in the form
    path.write_text(raw.replace("LANG = 'en'", "LANG = 'zh'"))
    assert refresh_setup(path, spec_file=None, flags={"bench_batch_size": 64}).changed
    text = parameters(path)
    assert "BENCH_STEPS = 7" in text and "BENCH_BATCH_SIZE = 64" in text
    assert "LANG = 'zh'" in text and "PIP_PACKAGES = 'einops, numpy>=1.0,<3'" in text
    assert "/content/drive/MyDrive/cats" in text
    assert "环境检查" in path.read_text()  # the wording follows the form's LANG
    again = path.read_bytes()
    assert not refresh_setup(path, spec_file=None, flags={}).changed
    assert path.read_bytes() == again


def test_a_list_in_an_older_notebooks_pip_field_is_read(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)
    edit(path, lambda nb: nb["cells"][section_cell(nb, "parameters")].update(
        source="".join(nb["cells"][section_cell(nb, "parameters")]["source"]).replace(
            "PIP_PACKAGES = ''", "PIP_PACKAGES = ['timm', 'einops']")))  # fmt: skip
    refresh_setup(path, spec_file=None, flags={})
    assert "PIP_PACKAGES = 'timm, einops'  # @param {type:\"string\"}" in parameters(path)


def test_lines_of_the_users_in_the_parameters_cell_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)

    def add_lines(nb: dict[str, Any]) -> None:
        cell = nb["cells"][section_cell(nb, "parameters")]
        lines = source(cell).split("\n")
        lines.insert(3, "# my own settings\nLEARNING_RATE = 3e-4\nLAYERS = dict(\n    a=1,\n)")
        cell["source"] = "\n".join(lines) + '\nEPOCHS = 5  # @param {type:"integer"}'

    edit(path, add_lines)
    refresh_setup(path, spec_file=None, flags={"lang": "zh", "bench": True})
    lines = parameters(path).split("\n")
    assert lines[0] == "# @title 参数"
    at = lines.index("LEARNING_RATE = 3e-4")
    assert lines[at - 1] == "# my own settings" and lines[at + 1 : at + 4] == [
        "LAYERS = dict(",
        "    a=1,",
        ")",
    ]
    assert lines[1].startswith("LANG = 'zh'") and lines[2].startswith("WORK_FOLDER = ")
    assert lines[-1] == 'EPOCHS = 5  # @param {type:"integer"}'
    assert any(line.startswith("BENCH_STEPS = 20") for line in lines)  # a new field, added


def test_a_user_cell_between_two_sections_stays_there(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)

    following: list[str | None] = []

    def insert(nb: dict[str, Any]) -> None:
        at = section_cell(nb, "drive") + 1
        following.append(owned_section(nb["cells"][at]))  # the section after Drive's
        nb["cells"].insert(at, {"cell_type": "code", "id": "mine", "metadata": {},
                                "execution_count": None, "outputs": [], "source": "!nvidia-smi"})  # fmt: skip

    edit(path, insert)
    refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    after = cells(path)
    at = next(i for i, c in enumerate(after) if c.get("id") == "mine")
    assert owned_section(after[at - 1]) == "drive" and following[0] not in (None, "drive")
    assert owned_section(after[at + 1]) == following[0]
    assert "挂载" in path.read_text()


@pytest.mark.parametrize("same_id", [True, False], ids=["colab-copy", "jupyter-copy"])
def test_a_copy_of_an_owned_cell_is_the_users_with_its_edits(tmp_path: Path, same_id: bool) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)

    def paste_copy(nb: dict[str, Any]) -> None:
        twin = copy.deepcopy(nb["cells"][section_cell(nb, "drive")])
        twin["source"] = source(twin) + "\nprint('again')"
        twin["id"] = twin["id"] if same_id else "pasted"
        nb["cells"].append(twin)

    edit(path, paste_copy)
    result = refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    after = cells(path)
    assert result.user_cells == 4 and any("is a copy of nbgen's cell" in n for n in result.notes)
    twin = after[-1]
    assert source(twin).endswith("print('again')") and "nbgen" not in twin["metadata"]
    original = after[section_cell({"cells": after}, "drive")]
    assert "print('again')" not in source(original) and original is not twin
    ids = [c["id"] for c in after]
    assert len(ids) == len(set(ids))
    assert not refresh_setup(path, spec_file=None, flags={}).changed  # settled in one run


def test_equal_user_cells_in_a_notebook_without_ids_all_stay(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    nb = notebook(("code", "print(1)"), ("markdown", "note"), ("code", "print(1)"))
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    path.write_text(dumps_notebook(nb))
    assert refresh_setup(path, spec_file=None, flags={}).user_cells == 3
    assert all("id" not in c for c in cells(path))
    edit(path, lambda x: x["cells"].insert(0, x["cells"].pop()))  # one print(1) moved on top
    result = refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    mine = [source(c) for c in cells(path) if owned_section(c) is None]
    assert mine == ["print(1)", "print(1)", "note"] and result.user_cells == 3


@pytest.mark.parametrize(
    ("line", "needle"),
    [("LANG = 'en", "line 2: not valid Python"),
     ("PIP_PACKAGES = ['timm'] + ['x']", "\"PIP_PACKAGES = ['timm'] + ['x']\" is not a plain value"),
     ("LANG = {[]: 1}", "line 2: 'LANG = {[]: 1}' is not a plain value"),
     ("LANG = ['en']", "line 2: LANG: expected a string"),
     ("BENCH_STEPS = 2.5", "BENCH_STEPS: expected a whole number"),
     ("LANG = 'en'; USE_DRIVE = False", "line 2: put the form field LANG on a line of its own")],
)  # fmt: skip
def test_a_bad_parameters_cell_is_refused_naming_the_line(
    tmp_path: Path, line: str, needle: str
) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path, ("bench", True))
    field = line.split(" ")[0]

    def spoil(nb: dict[str, Any]) -> None:
        cell = nb["cells"][section_cell(nb, "parameters")]
        cell["source"] = "\n".join(line if x.startswith(field + " =") else x
                                   for x in source(cell).split("\n"))  # fmt: skip

    edit(path, spoil)
    data = path.read_bytes()
    result = run_nbgen("new", "--into", str(path), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the parameters cell (cell 4)" in result.stderr and needle in result.stderr
    assert path.read_bytes() == data


def test_gpu_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags={"gpu": "A100"})
    meta = json.loads(path.read_text())["metadata"]
    assert meta["accelerator"] == "GPU" and meta["colab"]["gpuType"] == "A100"
    refresh_setup(path, spec_file=None, flags={})  # a refresh keeps what the notebook says
    assert json.loads(path.read_text())["metadata"]["colab"]["gpuType"] == "A100"
    refresh_setup(path, spec_file=None, flags={"gpu": "none"})
    meta = json.loads(path.read_text())["metadata"]
    assert "accelerator" not in meta and "gpuType" not in meta["colab"]
    fresh = tmp_path / "cpu.ipynb"
    user_notebook(fresh)
    refresh_setup(fresh, spec_file=None, flags={"gpu": "none"})
    assert "accelerator" not in json.loads(fresh.read_text())["metadata"]


def test_renamed_ids_never_collide(tmp_path: Path) -> None:
    import nbformat

    path = tmp_path / "train.ipynb"
    set_up(path)
    ours = [c["id"] for c in cells(path) if owned_section(c) is not None]
    taken = [*ours, *(f"nbgen-{i}" for i in ours)]
    nb = notebook(*[("code", f"x = {n}") for n in range(len(taken))])
    for cell, cell_id in zip(nb["cells"], taken, strict=True):
        cell["id"] = cell_id
    path.write_text(dumps_notebook(nb))
    refresh_setup(path, spec_file=None, flags={})
    after = cells(path)
    ids = [c["id"] for c in after]
    assert len(ids) == len(set(ids)) and all(len(i) <= 64 for i in ids)
    assert [c["id"] for c in after if owned_section(c) is None] == taken
    nbformat.validate(nbformat.reads(path.read_text(), as_version=4))


def test_an_edited_setup_cell_is_replaced_only_with_force(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)
    edit(path, lambda nb: nb["cells"][section_cell(nb, "pip")].update(source="print('mine')"))
    data = path.read_bytes()
    number = section_cell(json.loads(data), "pip") + 1
    with pytest.raises(
        UsageError, match=rf"you edited nbgen's cell {number} \(pip, code\); nothing written"
    ):
        refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    assert path.read_bytes() == data
    result = run_nbgen("new", "--into", str(path), "--force", cwd=tmp_path)
    assert (
        result.returncode == 0
        and f"cell {number} (pip, code): your edits replaced (--force)" in result.stdout
    )
    assert "print('mine')" not in path.read_text()


def test_a_mark_without_nbgens_record_proves_only_what_nbgen_writes_now(tmp_path: Path) -> None:
    # an older nbgen wrote {"setup": ...} with no record of the text; a user's cell can carry
    # that mark too (copied, then rewritten): only a cell equal to nbgen's own counts as nbgen's
    path = tmp_path / "train.ipynb"
    set_up(path)

    def strip_records(nb: dict[str, Any]) -> None:
        for cell in nb["cells"]:
            if owned_section(cell) is not None:
                cell["metadata"]["nbgen"] = {"setup": owned_section(cell)}

    edit(path, strip_records)
    refresh_setup(path, spec_file=None, flags={})  # unedited old cells: refreshed, recorded
    assert all("text" in c["metadata"]["nbgen"] for c in cells(path) if owned_section(c))
    mine: dict[str, Any] = {"cell_type": "code", "execution_count": None, "outputs": [], "id": "mine",
            "metadata": {"nbgen": {"setup": "bench"}}, "source": "model.fit(epochs=90)"}  # fmt: skip
    edit(path, lambda nb: nb["cells"].append(mine))
    edit(path, strip_records)
    number = len(cells(path))
    data = path.read_bytes()
    with pytest.raises(UsageError, match=rf"cell {number} \(bench, code: marked, with no record"):
        refresh_setup(path, spec_file=None, flags={})
    assert path.read_bytes() == data  # the user's cell, and the benchmark it is not, untouched
    assert "bench" not in {owned_section(c) for c in cells(path) if c.get("id") != "mine"}


def test_a_section_switched_off_goes_and_an_edited_one_needs_force(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path, ("bench", True))
    assert "bench" in {owned_section(c) for c in cells(path)}
    refresh_setup(path, spec_file=None, flags={})  # a refresh keeps the sections there are
    assert "bench" in {owned_section(c) for c in cells(path)}
    refresh_setup(path, spec_file=None, flags={"bench": False})
    assert "bench" not in {owned_section(c) for c in cells(path)}
    assert "BENCH_STEPS" not in parameters(path)


def test_the_benchmark_stays_out_unless_asked_and_the_intro_fits(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)
    assert "bench" not in {owned_section(c) for c in cells(path)}
    assert "BENCH_STEPS" not in parameters(path)
    intro = source(next(c for c in cells(path) if owned_section(c) == "intro"))
    assert "at the top of the notebook you train in" not in intro and "--into" in intro
    result = run_nbgen("new", "--into", str(path), "--bench", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bench" in {owned_section(c) for c in cells(path)}
    standalone = tmp_path / "setup.ipynb"
    assert run_nbgen("new", "-o", str(standalone), cwd=tmp_path).returncode == 0
    assert "bench" in {owned_section(c) for c in cells(standalone)}


@pytest.mark.parametrize(
    ("change", "needle"),
    [({"metadata": {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}},
      "a r notebook; the setup cells are Python"),
     ({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}, "an nbformat 3 notebook")],
)  # fmt: skip
def test_other_notebooks_are_refused(tmp_path: Path, change: dict[str, Any], needle: str) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    nb = {**json.loads(path.read_text()), **change}
    path.write_text(json.dumps(nb))
    data = path.read_bytes()
    result = run_nbgen("new", "--into", str(path), cwd=tmp_path)
    assert result.returncode == 1 and needle in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == data


def test_odd_metadata_is_the_users_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    nb = user_notebook(path)
    nb["cells"][1]["metadata"] = {"tags": None, "nbgen": {"setup": 5}}
    nb["cells"][2]["metadata"] = {"nbgen": "intro", "tags": "parameters"}
    path.write_text(dumps_notebook(nb))
    result = refresh_setup(path, spec_file=None, flags={})
    assert result.user_cells == 3
    mine = [c for c in cells(path) if owned_section(c) is None]
    assert [c["metadata"] for c in mine[1:]] == [
        nb["cells"][1]["metadata"],
        nb["cells"][2]["metadata"],
    ]
    edit(path, lambda x: x["cells"][section_cell(x, "parameters")]["metadata"].update(tags=None))
    refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    assert "LANG = 'zh'" in parameters(path)


def test_a_dangling_link_gets_its_own_message(tmp_path: Path) -> None:
    (tmp_path / "train.ipynb").symlink_to(tmp_path / "gone.ipynb")
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 1 and "a symbolic link that leads nowhere" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.ipynb"]


def test_a_link_to_the_notebook_is_written_through(tmp_path: Path) -> None:
    user_notebook(tmp_path / "real.ipynb")
    (tmp_path / "train.ipynb").symlink_to("real.ipynb")
    refresh_setup(tmp_path / "train.ipynb", spec_file=None, flags={})
    assert (tmp_path / "train.ipynb").is_symlink() and "nbgen.mount_drive" in (
        tmp_path / "real.ipynb"
    ).read_text()


def test_setup_cells_moved_by_the_user_are_refreshed_where_they_stand(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)
    edit(path, lambda nb: nb["cells"].append(nb["cells"].pop(section_cell(nb, "env", "markdown"))))
    refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    after = cells(path)
    assert owned_section(after[-1]) == "env" and "环境检查" in source(after[-1])


def test_check_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    data = path.read_bytes()
    assert refresh_setup(path, spec_file=None, flags={}, check=True).changed
    assert path.read_bytes() == data
    result = run_nbgen("new", "--into", str(path), "--check", cwd=tmp_path)
    assert result.returncode == 1 and "out of date" in result.stdout


def test_the_sync_pair_follows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 0 and "wrote" in result.stdout and "train.py" in result.stdout
    assert "nbgen.mount_drive" in (tmp_path / "train.py").read_text()
    assert run_nbgen("sync", "--check", cwd=tmp_path).returncode == 0


def test_an_unsynced_edit_of_the_pair_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    user_notebook(tmp_path / "train.ipynb")
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    text = tmp_path / "train.py"
    text.write_text(text.read_text().replace("model = 1", "model = 2"))  # edited, not synced
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "its pair train.py has changes the notebook does not have yet" in result.stderr
    assert "nbgen sync train.ipynb" in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0  # the advice works
    assert run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path).returncode == 0
    assert "model = 2" in text.read_text() and "nbgen.mount_drive" in text.read_text()


def test_a_script_of_yours_beside_the_notebook_is_not_its_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A train.py written by hand (or Colab's "Download .py") was never synced and carries no
    converter header: --into neither refuses over it nor touches it."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    user_notebook(tmp_path / "train.ipynb")
    script = tmp_path / "train.py"
    script.write_text("# my exported script\nimport torch\n")
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert script.read_text() == "# my exported script\nimport torch\n"
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 0 and "nothing written" in result.stdout


def test_a_pair_never_synced_is_refused_with_advice_that_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    user_notebook(tmp_path / "train.ipynb")
    assert run_nbgen("convert", "train.ipynb", "--to", "py", cwd=tmp_path).returncode == 0
    text = tmp_path / "train.py"
    text.write_text(text.read_text().replace("model = 1", "model = 2"))  # no sync record
    before = (tmp_path / "train.ipynb").read_bytes()
    result = run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nbgen sync train.ipynb --prefer py" in result.stderr
    assert (tmp_path / "train.ipynb").read_bytes() == before
    assert run_nbgen("sync", "train.ipynb", "--prefer", "py", cwd=tmp_path).returncode == 0
    assert run_nbgen("new", "--into", "train.ipynb", cwd=tmp_path).returncode == 0
    assert "model = 2" in text.read_text() and "nbgen.mount_drive" in text.read_text()


@pytest.mark.parametrize(
    ("name", "needle"),
    [("missing.ipynb", "no such notebook"), ("train.py", "give a notebook (.ipynb)"),
     ("broken.ipynb", "not valid JSON"), ("folder.ipynb", "is a folder")],
)  # fmt: skip
def test_refusals_write_nothing(tmp_path: Path, name: str, needle: str) -> None:
    (tmp_path / "broken.ipynb").write_text("{")
    (tmp_path / "train.py").write_text("x = 1\n")
    (tmp_path / "folder.ipynb").mkdir()
    result = run_nbgen("new", "--into", name, cwd=tmp_path)
    assert result.returncode == 1 and needle in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "broken.ipynb",
        "folder.ipynb",
        "train.py",
    ]


def test_a_read_only_notebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    path.chmod(0o444)
    with pytest.raises(NbgenError, match="read-only"):
        refresh_setup(path, spec_file=None, flags={})


def test_a_file_and_a_version_in_the_form_survive_a_refresh(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags={"kaggle_data": ["titanic"]})
    typed = "kagglehub.dataset_download('a/b/versions/3', path='x.csv')"  # pasted in the form
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            cell["source"] = source.replace("KAGGLE_DATA = 'titanic'", f"KAGGLE_DATA = {typed!r}")
    path.write_text(dumps_notebook(nb))
    refresh_setup(path, spec_file=None, flags={"bench_batch_size": 64})
    assert f"KAGGLE_DATA = {typed!r}" in parameters(path)


def test_a_broken_form_value_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)
    path.write_text(path.read_text().replace("LANG = 'en'", "LANG = 'fr'"))
    with pytest.raises(
        UsageError, match=r"train\.ipynb: the parameters cell \(cell 4\), line 2: LANG"
    ):
        refresh_setup(path, spec_file=None, flags={})


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_the_users_line_endings_in_the_parameters_cell_are_kept(
    tmp_path: Path, newline: str
) -> None:
    path = tmp_path / "train.ipynb"
    set_up(path)

    def windows(nb: dict[str, Any]) -> None:
        cell = nb["cells"][section_cell(nb, "parameters")]
        lines = source(cell).split("\n")
        lines.insert(2, "NOTE = 'a\u2028b'  # mine\x0c")  # splitlines() would split these
        cell["source"] = newline.join(lines)
        breaks.append(len(lines) - 1)

    breaks: list[int] = []
    edit(path, windows)
    refresh_setup(path, spec_file=None, flags={"lang": "zh", "pip": ["timm"]})
    text = parameters(path)
    assert re.findall(r"\r\n|\r|\n", text) == [newline] * breaks[0]  # each ending as before
    assert f"{newline}NOTE = 'a\u2028b'  # mine\x0c{newline}" in text
    assert "LANG = 'zh'" in text and "PIP_PACKAGES = 'timm'" in text


def test_a_windows_notebook_file_stays_one(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    refresh_setup(path, spec_file=None, flags={})
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")
    assert not refresh_setup(path, spec_file=None, flags={}).changed


@pytest.mark.parametrize(
    "value",
    ["/content/x'; __import__('os').system('id'); '", '/content/{{ 7*7 }} {% raw %}', "/content/# %% [markdown]"],
)  # fmt: skip
def test_hostile_form_values_stay_literals(tmp_path: Path, value: str) -> None:
    import ast

    path = tmp_path / "train.ipynb"
    set_up(path)
    owned = len([c for c in cells(path) if owned_section(c) is not None])
    edit(path, lambda nb: nb["cells"][section_cell(nb, "parameters")].update(
        source=source(nb["cells"][section_cell(nb, "parameters")]).replace(
            "'/content/drive/MyDrive/colab_project'", repr(value))))  # fmt: skip
    refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    namespace: dict[str, Any] = {}
    exec(parameters(path), namespace)
    assert namespace["WORK_FOLDER"] == value
    for cell in cells(path):
        if cell["cell_type"] == "code":
            ast.parse(source(cell))
    assert len([c for c in cells(path) if owned_section(c) is not None]) == owned


SAMPLE = sorted(CORPUS.glob("*.ipynb"))[::9] if CORPUS.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE, reason="the shared corpus is not beside")
def test_real_notebooks_keep_every_cell_of_theirs(tmp_path: Path) -> None:
    """Every 9th notebook of the shared corpus: the user's cells come out as they went in,
    a second run writes nothing, and a notebook that cannot take the cells gets one line."""
    refused = 0
    for original in SAMPLE:
        path = tmp_path / original.name
        path.write_bytes(original.read_bytes())
        before = json.loads(original.read_text(encoding="utf-8-sig"), strict=False).get("cells")
        try:
            refresh_setup(path, spec_file=None, flags={})
        except NbgenError as exc:
            assert "\n" not in str(exc)
            refused += 1
            continue
        mine = [c for c in cells(path) if owned_section(c) is None]
        assert [(c["cell_type"], source(c)) for c in mine] == [
            (c["cell_type"], source(c)) for c in before], original.name  # fmt: skip
        data = path.read_bytes()
        assert not refresh_setup(path, spec_file=None, flags={}).changed
        assert path.read_bytes() == data
    assert refused < len(SAMPLE) / 2
