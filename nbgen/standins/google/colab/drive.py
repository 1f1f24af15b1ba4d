"""Stand-in for google.colab.drive: "mounts" the folder named by NBGEN_STANDIN_DRIVE.

The checks and messages are colabtools' own (google/colab/drive.py): the mountpoint must not be
a link, hold files, be a file or lie in a missing folder; Workspace domains, Colab Enterprise
and runtimes Colab does not host fail as they do there.

With $NBGEN_STANDIN_DRIVE_FAULTS naming a control file, the mount also behaves like a FUSE
mount that can die, fill up or crawl (see ``_nbgen_drive_faults``, installed here only).
"""

from __future__ import annotations

import os
from pathlib import Path

_TIMEOUT = (
    "mount failed: timeout during initial read of root folder; for more info: "
    "https://research.google.com/colaboratory/faq.html#drive-timeout"
)
# $NBGEN_STANDIN_DRIVE_FAIL makes mount fail as the real one does, with its own message.
_FAILURES = {
    "space": "Mountpoint must not contain a space.",
    "symlink": "Mountpoint must not be a symlink",
    "files": "Mountpoint must not already contain files",
    "notdir": "Mountpoint must either be a directory or not exist",
    "noparent": "Mountpoint must be in a directory that exists",
    "timeout": _TIMEOUT,
    "failed": "mount failed",
    "domain": "The domain policy has disabled Drive File Stream: "
    "https://support.google.com/a/answer/7496409",
}
_NOT_HERE = {
    "enterprise": "google.colab.drive.mount is not supported in Colab Enterprise.",
    "unsupported": "Mounting drive is unsupported in this environment. Use PyDrive2 instead. See "
    "examples at https://colab.research.google.com/notebooks/io.ipynb#scrollTo=7taylj9wpsA2.",
}


def mount(
    mountpoint: str, force_remount: bool = False, timeout_ms: int = 120000, readonly: bool = False
) -> None:
    """Link ``mountpoint/MyDrive`` to the local folder $NBGEN_STANDIN_DRIVE.

    $NBGEN_STANDIN_DRIVE_FAIL=slow plays a My Drive whose top takes longer than the default
    ``timeout_ms`` to list: the mount succeeds only with a longer one.
    """
    failure = os.environ.get("NBGEN_STANDIN_DRIVE_FAIL", "")
    if failure in _NOT_HERE:
        raise NotImplementedError(_NOT_HERE[failure])
    if " " in mountpoint:
        raise ValueError(_FAILURES["space"])
    if failure == "refused":
        from google.colab._message import MessageError

        raise MessageError("Error: credential propagation was unsuccessful")
    if failure in _FAILURES:
        raise ValueError(_FAILURES[failure])
    source = os.environ.get("NBGEN_STANDIN_DRIVE")
    if not source:
        raise ValueError(
            "google.colab stand-in: set NBGEN_STANDIN_DRIVE to the local folder that plays MyDrive"
        )
    local = Path(_local(mountpoint))
    my_drive = local / "MyDrive"
    if _mounted(my_drive) and not force_remount:
        print(
            f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
            f'call drive.mount("{mountpoint}", force_remount=True).'
        )
        return
    faults = os.environ.get("NBGEN_STANDIN_DRIVE_FAULTS")
    if faults:
        import _nbgen_drive_faults  # type: ignore[import-not-found]  # beside google/

        _nbgen_drive_faults.install(faults, [source, str(local)])
        _nbgen_drive_faults.clear_dead_mount()  # a fresh mount answers
    if my_drive.is_symlink():  # what an earlier mount made: unmounted first, as colabtools does
        my_drive.unlink()
    _check_mountpoint(local)
    if failure == "slow" and timeout_ms <= 120000:
        raise ValueError(_TIMEOUT)
    Path(source).mkdir(parents=True, exist_ok=True)
    local.mkdir(exist_ok=True)
    my_drive.symlink_to(Path(source).resolve(), target_is_directory=True)
    print(f"Mounted at {mountpoint}")


def _mounted(my_drive: Path) -> bool:
    try:
        return my_drive.exists()
    except OSError:  # a dead mount (ENOTCONN) is still listed in /proc/mounts, as on Colab
        return True


def _check_mountpoint(local: Path) -> None:
    if local.is_symlink():
        raise ValueError(_FAILURES["symlink"])
    if local.is_dir() and any(local.iterdir()):
        raise ValueError(_FAILURES["files"])
    if not local.is_dir() and local.exists():
        raise ValueError(_FAILURES["notdir"])
    if not local.parent.exists():
        raise ValueError(_FAILURES["noparent"])


def _local(path: str) -> str:
    # `nbgen run` keeps Colab's /content inside a folder of its own: never the real /content
    root = os.environ.get("NBGEN_CONTENT_ROOT")
    if not root:
        raise ValueError(
            "google.colab stand-in: set NBGEN_CONTENT_ROOT to the local folder that plays /content"
        )
    Path(root).mkdir(parents=True, exist_ok=True)  # Colab's /content is always there
    if path == "/content" or path.startswith("/content/"):
        return root + path[len("/content") :]
    return path


def flush_and_unmount(timeout_ms: int = 24 * 60 * 60 * 1000) -> None:
    """As Colab's: unmount (nothing is cached here, so nothing waits to upload); when nothing
    is mounted, say so and return."""
    my_drive = Path(_local("/content/drive")) / "MyDrive"
    if not os.path.lexists(my_drive):
        print("Drive not mounted, so nothing to flush and unmount.")
        return
    if os.environ.get("NBGEN_STANDIN_DRIVE_FAULTS"):
        import _nbgen_drive_faults

        _nbgen_drive_faults.uninstall()
    my_drive.unlink()
