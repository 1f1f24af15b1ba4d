from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nbgen.runtime.drive import enter_work_folder, local_work_folder, mount_drive


@pytest.fixture(autouse=True)
def _restore_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path.cwd())
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)


def test_mount_on_colab_is_idempotent(
    colab_stubs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(tmp_path / "mydrive"))
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    mountpoint = "/content/drive"
    assert mount_drive(lang="en", mountpoint=mountpoint) is True
    assert "Mounted at" in capsys.readouterr().out
    assert (tmp_path / "content" / "drive" / "MyDrive").is_dir()
    assert mount_drive(lang="en", mountpoint=mountpoint) is True
    assert "already mounted" in capsys.readouterr().out


def test_no_mount_on_kaggle_or_locally(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mount_drive(lang="en") is False
    assert "Not on Colab (local)" in capsys.readouterr().out
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert mount_drive(lang="en") is False
    assert "Not on Colab (kaggle)" in capsys.readouterr().out


def test_switched_off_on_colab(colab_stubs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mount_drive(use_drive=False, lang="en") is False
    assert "switched off" in capsys.readouterr().out


def test_work_folder_mapping(tmp_path: Path) -> None:
    path = "/content/drive/MyDrive/proj"
    assert local_work_folder(path, "colab") == Path(path)
    assert local_work_folder(path, "kaggle") == Path("/kaggle/working/proj")
    assert local_work_folder(path, "local", cwd=tmp_path) == tmp_path / "proj"


def test_enter_work_folder_creates_lists_and_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = enter_work_folder("/content/drive/MyDrive/proj", lang="en")
    assert folder == tmp_path / "proj" and Path.cwd() == folder
    assert "(the folder is empty)" in capsys.readouterr().out
    (folder / "helper_mod_xyz.py").write_text("VALUE = 42\n")
    enter_work_folder("/content/drive/MyDrive/proj", lang="en")
    assert "helper_mod_xyz.py" in capsys.readouterr().out
    assert sys.path.count(str(folder)) == 1
    import helper_mod_xyz  # type: ignore[import-not-found]

    assert helper_mod_xyz.VALUE == 42
    sys.modules.pop("helper_mod_xyz")
