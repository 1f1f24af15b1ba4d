"""The environment record in the work folder: written after a run that worked, compared on the
next (a fake previous record for the drift lines), and never written over what is not nbgen's."""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path
from typing import Any

import pytest

from nbgen.runtime.environment.drift import drift_lines, environment_changes
from nbgen.runtime.environment.record import record_environment
from nbgen.runtime.environment.text import environment_text
from nbgen.runtime.ownership.folders import make_folder

WORK = "/content/drive/MyDrive/proj"


@pytest.fixture
def colab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Colab's /content under tmp_path, and the work folder there."""
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261201-060000_RC00")
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    folder = tmp_path / "content" / "drive" / "MyDrive" / "proj"
    folder.mkdir(parents=True)
    return folder


def previous_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "nbgen": "environment", "version": 1, "recorded": "2026-11-02T09:30:00+00:00",
        "platform": "colab", "colab_release": "release-colab_20261101-060000_RC00",
        "python": "3.10.12", "cuda": "", "gpus": [],
        "packages": {"torch": "2.9.0", "numpy": "1.26.4", "gone-pkg": "1.0"},
        "imported": ["numpy", "torch"], "installed": ["gone-pkg"], "requested": ["gone-pkg"],
    }  # fmt: skip
    return {**record, **changes}


def test_the_first_run_records_and_the_next_says_nothing_changed(
    colab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = record_environment(WORK, installed={"Some_Pkg": "1.0"}, requested=["some-pkg"])
    assert record is not None
    saved = json.loads((colab / ".nbgen" / "environment.json").read_text())
    assert saved == record and saved["nbgen"] == "environment"
    assert saved["python"] == platform.python_version()
    assert saved["colab_release"] == "release-colab_20261201-060000_RC00"
    assert saved["packages"]["pytest"] == importlib.metadata.version("pytest")
    assert "pytest" in saved["imported"] and saved["installed"] == ["some-pkg"]
    assert json.loads((colab / ".nbgen" / ".nbgen-owned").read_text())["nbgen"] == "state"
    assert "Environment recorded in" in capsys.readouterr().out
    record_environment(colab, lang="zh")  # the path the Drive cell returned
    assert "运行环境与上次成功运行时（" in capsys.readouterr().out


def test_what_changed_since_the_last_run_that_worked(
    colab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(colab / ".nbgen", "state")  # as the first run made it
    path = colab / ".nbgen" / "environment.json"
    path.write_text(json.dumps(previous_record()))
    torch_now = importlib.metadata.version("torch")
    numpy_now = importlib.metadata.version("numpy")
    record_environment(WORK)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Changed since the last run that worked (2026-11-02):"
    assert ("  Colab runtime release-colab_20261101-060000_RC00 → "
            "release-colab_20261201-060000_RC00 since 2026-11-02") in out  # fmt: skip
    assert f"  Python 3.10.12 → {platform.python_version()} since 2026-11-02" in out
    assert f"  torch 2.9.0 → {torch_now} since 2026-11-02" in out
    assert f"  numpy 1.26.4 → {numpy_now} since 2026-11-02" in out
    assert "  gone-pkg 1.0 → - since 2026-11-02" in out
    assert out[-1].startswith("If your code broke since: Runtime > Change runtime version, and "
                              "pick the one from 2026-11-02 or before")  # fmt: skip
    assert json.loads(path.read_text())["recorded"] != "2026-11-02T09:30:00+00:00"  # replaced


def test_kaggle_and_local_remedies() -> None:
    old, new = previous_record(), previous_record(python="3.12.1")
    text = environment_text("en")
    assert "Pin to original environment" in drift_lines(old, new, "kaggle", text)[-1]
    assert "nbgen lock" in drift_lines(old, new, "local", text)[-1]


def test_a_package_named_like_a_label_is_a_package() -> None:
    old = previous_record(packages={"python": "1.0", "torch": "2.9.0"}, imported=["python"])
    new = previous_record(packages={"python": "2.0", "torch": "2.9.0"})
    assert environment_changes(old, new) == [("python", "1.0", "2.0")]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param(b"{not json", "not JSON", id="not-json"),
        pytest.param(b'{"torch": "2.9.0"}', "not an environment record", id="users-json"),
        pytest.param(b"\xff\xfe", "not JSON", id="binary"),
        pytest.param(b'["nbgen", "environment"]', "not an environment record", id="a-list"),
    ],
)
def test_a_record_that_is_not_nbgens_is_left_alone(
    colab: Path, capsys: pytest.CaptureFixture[str], content: bytes, why: str
) -> None:
    make_folder(colab / ".nbgen", "state")  # as the first run made it
    path = colab / ".nbgen" / "environment.json"
    path.write_bytes(content)
    assert record_environment(WORK) is None
    out = capsys.readouterr().out
    assert f"No environment record: {path} is not nbgen's ({why}); it is left as it is." in out
    assert path.read_bytes() == content


def test_a_record_folder_that_is_a_file_or_the_users(
    colab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (colab / ".nbgen").write_text("mine\n")
    assert record_environment(WORK) is None
    assert f"{colab / '.nbgen'} is a file, not a folder" in capsys.readouterr().out
    assert (colab / ".nbgen").read_text() == "mine\n"
    (colab / ".nbgen").unlink()
    (colab / ".nbgen").mkdir()
    (colab / ".nbgen" / "notes.txt").write_text("mine\n")
    assert record_environment(WORK) is None
    assert "a folder of yours is in the way" in capsys.readouterr().out
    assert [p.name for p in (colab / ".nbgen").iterdir()] == ["notes.txt"]


def test_no_work_folder_no_record(colab: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert record_environment(WORK + "-missing") is None
    assert "does not exist (run the Drive cell first)" in capsys.readouterr().out
    assert not (colab.parent / "proj-missing").exists()


def test_a_record_an_editor_saved_with_a_bom_still_counts(
    colab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(colab / ".nbgen", "state")  # as the first run made it
    path = colab / ".nbgen" / "environment.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(previous_record()).encode())
    assert record_environment(WORK) is not None
    assert "Changed since the last run that worked" in capsys.readouterr().out


def test_a_read_only_record_is_not_replaced(
    colab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_folder(colab / ".nbgen", "state")
    path = colab / ".nbgen" / "environment.json"
    path.write_text(json.dumps(previous_record()))
    path.chmod(0o444)
    before = path.read_bytes()
    assert record_environment(WORK) is None
    assert "is read-only; nbgen does not replace a read-only file" in capsys.readouterr().out
    assert path.read_bytes() == before
