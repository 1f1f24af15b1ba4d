"""The Checkpoints section: a CHECKPOINT_NAME form field and a cell that lists the run's
checkpoints; `nbgen new --checkpoints NAME / --no-checkpoints`, a spec file, and `--into`
reading the form back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.errors import UsageError
from nbgen.generate.into import owned_section, refresh_setup
from nbgen.generate.render import render_percent
from nbgen.generate.spec import build_spec, resolve_spec
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def test_the_section_is_on_by_default_with_its_form_field() -> None:
    text = render_percent(build_spec({}))
    assert "CHECKPOINT_NAME = 'run1'  # @param {type:\"string\"}" in text
    assert "CHECKPOINTS = nbgen.show_checkpoints(CHECKPOINT_NAME, lang=LANG)" in text
    assert "('training.checkpoints', r'''" in text and "('training.show', r'''" in text
    assert "ckpt.save(final=True)" in text  # the four lines, in the markdown
    zh = render_percent(build_spec({"lang": "zh", "checkpoint_name": "实验-1"}))
    assert "## 检查点" in zh and "CHECKPOINT_NAME = '实验-1'" in zh


def test_no_checkpoints_leaves_out_the_cell_the_field_and_the_runtime() -> None:
    text = render_percent(build_spec({"checkpoints": False}))
    assert "CHECKPOINT_NAME" not in text and "show_checkpoints" not in text
    assert "training." not in text


@pytest.mark.parametrize("name", ["a/b", "..", "../x", "", "x'y", "a\u2028b", "a" * 101, " x"])
def test_a_bad_run_name_is_refused(name: str) -> None:
    with pytest.raises(UsageError, match="--checkpoints"):
        build_spec({"checkpoint_name": name})


def test_the_flags_and_a_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "nbgen.toml"
    spec.write_text('checkpoints = false\ncheckpoint-name = "from-file"\n')
    assert resolve_spec(spec, {}).checkpoints is False
    out = tmp_path / "x.ipynb"
    result = run_nbgen("new", "--spec", str(spec), "--checkpoints", "resnet-run1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "CHECKPOINT_NAME = 'resnet-run1'" in out.read_text()  # the flag switches it on
    result = run_nbgen("new", "--checkpoints", "../up", "-o", str(tmp_path / "y.ipynb"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--checkpoints: '../up' is not a run name" in result.stderr
    assert not (tmp_path / "y.ipynb").exists()
    result = run_nbgen("new", "--checkpoints", "a", "--no-checkpoints", "-o", str(out))
    assert result.returncode == 1 and "not allowed with argument" in result.stderr


def test_into_keeps_the_form_value_and_a_section_the_user_left_out(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "model = 1"))))
    refresh_setup(path, spec_file=None, flags={})
    path.write_text(
        path.read_text().replace("CHECKPOINT_NAME = 'run1'", "CHECKPOINT_NAME = 'mine'")
    )
    assert refresh_setup(path, spec_file=None, flags={"lang": "zh"}).changed
    assert "CHECKPOINT_NAME = 'mine'" in path.read_text()
    refresh_setup(path, spec_file=None, flags={"checkpoints": False})
    sections = {owned_section(c) for c in json.loads(path.read_text())["cells"]}
    assert "checkpoints" not in sections and "CHECKPOINT_NAME" not in path.read_text()
    assert not refresh_setup(path, spec_file=None, flags={}).changed  # stays out
    refresh_setup(path, spec_file=None, flags={"checkpoints": True, "checkpoint_name": "back"})
    assert "CHECKPOINT_NAME = 'back'" in path.read_text()


def test_a_run_name_edited_badly_in_the_form_is_named(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "model = 1"))))
    refresh_setup(path, spec_file=None, flags={})
    edited = path.read_text().replace("CHECKPOINT_NAME = 'run1'", "CHECKPOINT_NAME = '../up'")
    path.write_text(edited)
    where = r"the parameters cell \(cell \d+\), line \d+: CHECKPOINT_NAME: '\.\./up' is not"
    with pytest.raises(UsageError, match=where):
        refresh_setup(path, spec_file=None, flags={})
    assert path.read_text() == edited
