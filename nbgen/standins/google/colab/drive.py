"""Stand-in for google.colab.drive: "mounts" the folder named by NBGEN_STANDIN_DRIVE."""

from __future__ import annotations

import os
from pathlib import Path

# $NBGEN_STANDIN_DRIVE_FAIL makes mount fail as the real one does, with its own message.
_FAILURES = {
    "space": "Mountpoint must not contain a space.",
    "symlink": "Mountpoint must not be a symlink",
    "files": "Mountpoint must not already contain files",
    "notdir": "Mountpoint must either be a directory or not exist",
    "timeout": "mount failed: timeout during initial read of root folder; for more info: "
    "https://research.google.com/colaboratory/faq.html#drive-timeout",
    "failed": "mount failed",
    "domain": "mount failed: Google Drive is disabled for this Workspace domain",
}


def mount(
    mountpoint: str, force_remount: bool = False, timeout_ms: int = 120000, readonly: bool = False
) -> None:
    """Link ``mountpoint/MyDrive`` to the local folder $NBGEN_STANDIN_DRIVE."""
    failure = os.environ.get("NBGEN_STANDIN_DRIVE_FAIL", "")
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
    my_drive = Path(_local(mountpoint)) / "MyDrive"
    if my_drive.exists() and not force_remount:
        print(
            f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
            f'call drive.mount("{mountpoint}", force_remount=True).'
        )
        return
    Path(source).mkdir(parents=True, exist_ok=True)
    my_drive.parent.mkdir(parents=True, exist_ok=True)
    if my_drive.is_symlink():
        my_drive.unlink()
    my_drive.symlink_to(Path(source).resolve(), target_is_directory=True)
    print(f"Mounted at {mountpoint}")


def _local(path: str) -> str:
    # `nbgen run` keeps Colab's /content inside a folder of its own: never the real /content
    root = os.environ.get("NBGEN_CONTENT_ROOT")
    if not root:
        raise ValueError(
            "google.colab stand-in: set NBGEN_CONTENT_ROOT to the local folder that plays /content"
        )
    if path == "/content" or path.startswith("/content/"):
        return root + path[len("/content") :]
    return path


def flush_and_unmount(timeout_ms: int = 24 * 60 * 60 * 1000) -> None:
    """Nothing is cached locally, so there is nothing to flush."""
