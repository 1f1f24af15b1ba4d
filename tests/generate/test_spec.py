from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbgen.errors import UsageError
from nbgen.generate.spec import build_spec, resolve_spec


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        pytest.param({"project": "../etc"}, "--project", id="project-dotdot"),
        pytest.param({"project": "a/b"}, "--project", id="project-slash"),
        pytest.param({"workdir": "/content/../x"}, "--workdir", id="workdir-dotdot"),
        pytest.param({"workdir": "/content/a\nimport os"}, "control character", id="newline"),
        pytest.param({"pip": ["--index-url=http://evil"]}, "pip option", id="pip-option"),
        pytest.param({"pip": ["torch; rm -rf /"]}, "not a package spec", id="pip-junk"),
        pytest.param({"pip": "torch"}, "list of strings", id="pip-not-list"),
        pytest.param({"lang": "fr"}, "not one of en, zh", id="lang"),
        pytest.param({"gpu": "V100"}, "not one of T4, L4, A100, none", id="gpu"),
        pytest.param({"kaggle_dataset": ["no-slash"]}, "names a competition", id="slug"),
        pytest.param({"kaggle_data": ["not a ref!"]}, "does not name Kaggle data", id="ref"),
        pytest.param({"bench_steps": 0}, "whole number", id="steps"),
        pytest.param({"drive": "yes"}, "true or false", id="bool"),
        pytest.param({"colour": "red"}, "unknown key 'colour'", id="unknown"),
    ],
)
def test_bad_values_name_the_option(values: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError, match=needle.replace("(", r"\(")):
        build_spec(values)


def test_defaults_give_the_drive_project_folder() -> None:
    spec = build_spec({"project": "cats"})
    assert spec.work_folder == "/content/drive/MyDrive/cats"
    assert build_spec({"project": "cats", "drive": False}).work_folder == "/content/cats"
    assert build_spec({"workdir": "/content/x y"}).work_folder == "/content/x y"


def test_flags_override_the_spec_file(tmp_path: Path) -> None:
    spec_file = tmp_path / "s.toml"
    spec_file.write_text('lang = "zh"\nproject = "a"\npip = ["timm"]\noutput = "out.ipynb"\n')
    spec = resolve_spec(spec_file, {"workdir": "/content/w", "pip": ["einops"]})
    assert spec.lang == "zh"
    assert spec.workdir == "/content/w" and spec.work_folder == "/content/w"
    assert spec.pip == ("einops",)
    assert spec.output == str(tmp_path / "out.ipynb")


def test_spec_file_errors_name_the_file_and_key(tmp_path: Path) -> None:
    spec_file = tmp_path / "s.toml"
    spec_file.write_text('gpu = "V100"\n')
    with pytest.raises(UsageError, match=r"s\.toml: 'gpu'"):
        resolve_spec(spec_file, {})
    spec_file.write_text("gpu = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        resolve_spec(spec_file, {})
    with pytest.raises(UsageError, match="no such file"):
        resolve_spec(tmp_path / "missing.toml", {})


def test_a_pasted_file_and_version_reach_the_form_field() -> None:
    from nbgen.runtime.kaggle.refs import KaggleRef, kaggle_refs

    pasted = ["kagglehub.dataset_download('a/b', path='train.csv')", "a/b/versions/3",
              "kaggle competitions download -c titanic -f test.csv"]  # fmt: skip
    spec = build_spec({"kaggle_data": pasted})
    assert kaggle_refs(spec.kaggle_field) == [
        KaggleRef("dataset", "a/b", "train.csv"),
        KaggleRef("dataset", "a/b", version=3),
        KaggleRef("competition", "titanic", "test.csv"),
    ]
