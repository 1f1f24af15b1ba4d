"""Where a run's checkpoints live, and what Google Drive needs to keep them.

On Colab the run folder is ``WORK_FOLDER/checkpoints/<name>`` on Drive, and every checkpoint is
written first to the runtime's own disk (``/content/nbgen-checkpoints/<name>``), which survives
"Restart session" but not a recycled runtime; on Kaggle it is ``/kaggle/working/checkpoints``
(kept by "Save & Run All"); elsewhere ``checkpoints/<name>`` in the work folder.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import NamedTuple

from nbgen.runtime.platforms.drive import DRIVE_MOUNTPOINT
from nbgen.runtime.platforms.env import detect_platform, platform_path
from nbgen.runtime.training.text import CheckpointError, _ckpt_say

LOCAL_CHECKPOINTS = "/content/nbgen-checkpoints"  # Colab: the runtime's own disk
KAGGLE_CHECKPOINTS = "/kaggle/working/checkpoints"  # the output "Save & Run All" keeps
_CKPT_NAME_RE = re.compile(r"\w[\w.-]{0,99}")
# The errors that mean Drive itself is gone, not one file: mount it again before the next try.
DRIVE_GONE = frozenset({errno.ENOTCONN, errno.ENOENT, errno.EIO, errno.ECONNABORTED})


class CheckpointPlaces(NamedTuple):
    """The run folder, the local folder written first (when the run folder is on Drive), and
    where the notebook runs."""

    folder: Path
    local: Path | None
    on_drive: bool
    where: str


def check_run_name(name: object, lang: str = "en") -> str:
    """``name`` if it is one folder name (no ``/``, no ``..``), else a CheckpointError."""
    if not isinstance(name, str) or not _CKPT_NAME_RE.fullmatch(name) or ".." in name:
        raise CheckpointError(_ckpt_say(lang, "bad_name", name=name))
    return name


def checkpoint_places(
    name: str, root: str | os.PathLike[str] | None = None, lang: str = "en"
) -> CheckpointPlaces:
    """Where the checkpoints of run ``name`` go on this platform (``root`` overrides the folder
    that holds the runs)."""
    where = detect_platform()
    if root is not None:
        base = Path(root)
    elif where == "kaggle":
        base = Path(platform_path(KAGGLE_CHECKPOINTS))
    else:
        try:  # the work folder, where the Drive cell moved
            base = Path.cwd() / "checkpoints"
        except OSError as exc:  # the working folder was on a Drive that went away
            detail = os.strerror(exc.errno or errno.ENOENT)
            raise CheckpointError(
                _ckpt_say(lang, "drive_unreadable", folder="checkpoints", detail=detail)
            ) from None
    folder = base / name
    on_drive = where == "colab" and is_on_drive(folder)
    local = Path(platform_path(LOCAL_CHECKPOINTS)) / name if on_drive else None
    return CheckpointPlaces(folder, local, on_drive, where)


def is_on_drive(path: Path) -> bool:
    """True for a path under the Drive mount (``/content/drive``), also through a link."""
    mount = platform_path(DRIVE_MOUNTPOINT)
    roots = {mount, os.path.realpath(mount), os.path.realpath(os.path.join(mount, "MyDrive"))}
    for candidate in {os.path.abspath(path), os.path.realpath(path)}:
        for root in roots:
            if candidate == root or candidate.startswith(root.rstrip(os.sep) + os.sep):
                return True
    return False


def drive_mounted() -> bool:
    """Drive's ``MyDrive`` answers at the mount point."""
    try:
        return os.path.isdir(os.path.join(platform_path(DRIVE_MOUNTPOINT), "MyDrive"))
    except OSError:
        return False


def remount_drive() -> str | None:
    """Mount Drive again (``force_remount=True``), as Colab's own advice says for a mount that
    stopped answering. Returns why it failed, or None."""
    try:
        from google.colab import drive

        drive.mount(DRIVE_MOUNTPOINT, force_remount=True)
    except Exception as exc:  # ValueError, MessageError, ImportError: all mean "still gone"
        return _ckpt_first_line(exc)
    return None


def flush_drive(*, mount_again: bool) -> str | None:
    """``drive.flush_and_unmount()``: Drive uploads everything it still holds, so a recycled
    runtime loses nothing; then, with ``mount_again``, mount it again and come back to the
    working folder. Returns why it failed, or None (also where Colab has no such call)."""
    try:
        from google.colab import drive
    except ImportError:
        return None
    flush = getattr(drive, "flush_and_unmount", None)
    if flush is None or not drive_mounted():
        return None
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    try:
        flush()
        if mount_again:
            drive.mount(DRIVE_MOUNTPOINT)
            if cwd is not None:
                os.chdir(cwd)
    except Exception as exc:  # ValueError("flush_and_unmount failed"), a failed mount
        return _ckpt_first_line(exc)
    return None


def _ckpt_first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
