from __future__ import annotations

import errno
import os
import re
import sys
from pathlib import Path

import pytest

from nbgen.runtime.platforms.drive import (
    DriveError,
    enter_work_folder,
    local_work_folder,
    mount_drive,
)


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


@pytest.mark.parametrize(
    ("failure", "needle"),
    [
        ("space", "the path has a space"),
        ("symlink", "it is a symbolic link"),
        ("files", "Restart session does not remove them"),
        ("notdir", "it is a file"),
        ("noparent", "the folder above it does not exist"),
        ("timeout", "very many files"),
        ("domain", "Workspace administrator"),
        ("refused", "allow every permission"),
        ("failed", "Drive could not be mounted (mount failed)"),
        ("enterprise", "Colab Enterprise cannot mount Google Drive"),
        ("unsupported", "This runtime cannot mount Google Drive"),
    ],
)
def test_each_mount_failure_says_what_to_do(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str, needle: str
) -> None:
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(tmp_path / "mydrive"))
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE_FAIL", failure)
    with pytest.raises(DriveError, match=re.escape(needle)) as info:
        mount_drive(lang="en")
    assert "\n" not in str(info.value)
    assert info.value._render_traceback_() == [f"\x1b[31mDriveError: {info.value}\x1b[0m"]
    with pytest.raises(DriveError, match="云端硬盘"):
        mount_drive(lang="zh")


def test_a_stale_mount_is_mounted_again(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(tmp_path / "mydrive"))
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    assert mount_drive(lang="en")
    link = str(tmp_path / "content" / "drive" / "MyDrive")
    real_listdir = os.listdir

    def dead_fuse(path: str) -> list[str]:  # what a dead Drive mount answers
        if str(path) == link:
            raise OSError(errno.ENOTCONN, "Transport endpoint is not connected", path)
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", dead_fuse)
    capsys.readouterr()
    assert mount_drive(lang="en")
    out = capsys.readouterr().out
    assert "stopped answering; mounting it again" in out
    assert "Mounted at /content/drive" in out  # force_remount=True went through


def test_a_new_work_folder_on_colab_is_announced_with_its_neighbours(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    drive = tmp_path / "content" / "drive" / "MyDrive"
    (drive / "my_project").mkdir(parents=True)
    enter_work_folder("/content/drive/MyDrive/my_projcet", lang="en", drive_mounted=True)
    out = capsys.readouterr().out
    assert "did not exist and was created" in out and "my_project/" in out


def test_a_mount_timeout_is_tried_once_more_with_a_longer_wait(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(tmp_path / "mydrive"))
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE_FAIL", "slow")  # needs more than the default wait
    assert mount_drive(lang="en") is True
    out = capsys.readouterr().out
    assert (
        "trying once more, waiting up to 10 minutes" in out and "Mounted at /content/drive" in out
    )


def test_files_already_in_the_mountpoint_are_named_as_on_colab(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(tmp_path / "mydrive"))
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    (tmp_path / "content" / "drive").mkdir(parents=True)
    (tmp_path / "content" / "drive" / "model.pt").write_bytes(b"weights")  # saved before mounting
    with pytest.raises(DriveError, match="Disconnect and delete runtime") as info:
        mount_drive(lang="en")
    assert "Restart session does not remove them" in str(info.value)
    assert (tmp_path / "content" / "drive" / "model.pt").read_bytes() == b"weights"


def test_the_standins_errors_are_colabs_own_classes(colab_stubs: Path) -> None:
    from google.colab import _message, errors, userdata

    assert issubclass(_message.MessageError, errors.Error)
    assert str(userdata.TimeoutException("KAGGLE_API_TOKEN")) == (
        "Requesting secret KAGGLE_API_TOKEN timed out. Secrets can only be fetched when running "
        "from the Colab UI."
    )


def test_a_local_work_folder_on_colab_is_made_without_a_warning(
    colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    (tmp_path / "content").mkdir()
    folder = enter_work_folder("/content/proj", lang="en", drive_mounted=False)
    assert folder == tmp_path / "content" / "proj" and folder.is_dir()
    assert "did not exist" not in capsys.readouterr().out  # every session starts without it
