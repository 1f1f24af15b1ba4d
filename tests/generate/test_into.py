"""`nbgen new --into`: nbgen's cells at the top of the user's notebook, refreshed in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.errors import UsageError
from nbgen.generate.into import owned_section, refresh_setup
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def user_notebook(path: Path) -> dict[str, Any]:
    nb = notebook(("markdown", "# Train"), ("code", "model = 1"), ("code", "print(model)"))
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    nb["cells"][2]["execution_count"] = 3
    path.write_text(dumps_notebook(nb))
    return nb


def cells(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
    return data


def parameters(path: Path) -> str:
    cell = next(c for c in cells(path) if "parameters" in c["metadata"].get("tags", []))
    return "".join(cell["source"])


def test_user_cells_keep_their_order_outputs_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    before = user_notebook(path)
    result = refresh_setup(path, spec_file=None, flags={})
    assert result.changed and not result.had_setup and result.user_cells == 3
    after = cells(path)
    mine = [c for c in after if owned_section(c) is None]
    assert [c["id"] for c in mine] == [c["id"] for c in before["cells"]]
    assert mine[2]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    assert owned_section(after[0]) == "intro" and after[-3:] == mine  # setup first, then mine


def test_form_values_are_kept_unless_a_flag_sets_them(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags={"project": "cats", "pip": ["einops"]})
    raw = path.read_text().replace("BENCH_STEPS = 20", "BENCH_STEPS = 7")  # edited in the form
    path.write_text(raw.replace("LANG = 'en'", "LANG = 'zh'"))
    assert refresh_setup(path, spec_file=None, flags={"bench_batch_size": 64}).changed
    text = parameters(path)
    assert "BENCH_STEPS = 7" in text and "BENCH_BATCH_SIZE = 64" in text
    assert "LANG = 'zh'" in text and "PIP_PACKAGES = ['einops']" in text
    assert "/content/drive/MyDrive/cats" in text
    assert "环境检查" in path.read_text()  # the wording follows the form's LANG
    again = path.read_bytes()
    assert not refresh_setup(path, spec_file=None, flags={}).changed
    assert path.read_bytes() == again


def test_setup_cells_moved_by_the_user_are_refreshed_where_they_begin(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags={})
    nb = json.loads(path.read_text())
    first_user = next(i for i, c in enumerate(nb["cells"]) if owned_section(c) is None)
    nb["cells"].insert(0, nb["cells"].pop(first_user))  # the user's heading now comes first
    path.write_text(json.dumps(nb))
    refresh_setup(path, spec_file=None, flags={"lang": "zh"})
    order = [owned_section(c) for c in cells(path)]
    assert order[0] is None and order[1] == "intro" and order[-2:] == [None, None]


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


@pytest.mark.parametrize(
    ("name", "needle"),
    [("missing.ipynb", "no such notebook"), ("train.py", "give a notebook (.ipynb)"),
     ("broken.ipynb", "not valid JSON")],
)  # fmt: skip
def test_refusals_write_nothing(tmp_path: Path, name: str, needle: str) -> None:
    (tmp_path / "broken.ipynb").write_text("{")
    (tmp_path / "train.py").write_text("x = 1\n")
    result = run_nbgen("new", "--into", name, cwd=tmp_path)
    assert result.returncode == 1 and needle in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ipynb", "train.py"]


def test_a_broken_form_value_names_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    user_notebook(path)
    refresh_setup(path, spec_file=None, flags={})
    path.write_text(path.read_text().replace("LANG = 'en'", "LANG = 'fr'"))
    with pytest.raises(UsageError, match=r"train\.ipynb: the parameters cell: 'lang'"):
        refresh_setup(path, spec_file=None, flags={})
