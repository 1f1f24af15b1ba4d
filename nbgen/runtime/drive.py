"""Google Drive mount and the work folder: the notebook's home on Colab, Kaggle or locally."""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

from nbgen.runtime.env import detect_platform

_DRIVE_TEXT = {
    "en": {
        "mounted": "Google Drive is already mounted at {path}.",
        "mounting": "Mounting Google Drive at {path} (a browser prompt asks for access)...",
        "not_colab": "Not on Colab ({where}): there is no Drive to mount; the work folder is local.",
        "skipped": "Drive mount is switched off; the work folder lives on the runtime's disk and "
        "is lost when the session ends.",
        "cwd": "Working directory: {path}",
        "files": "Files here ({count}):",
        "empty": "(the folder is empty)",
        "more": "... and {count} more",
        "unmounted": "{path} is on Drive, but Drive is not mounted: set USE_DRIVE = True "
        "or choose a folder outside /content/drive.",
    },
    "zh": {
        "mounted": "Google 云端硬盘已挂载在 {path}。",
        "mounting": "正在把 Google 云端硬盘挂载到 {path}（浏览器会弹出授权窗口）……",
        "not_colab": "当前不在 Colab 上（{where}）：无需挂载云端硬盘，工作目录在本地。",
        "skipped": "已关闭云端硬盘挂载；工作目录位于运行时磁盘上，会话结束后会被清空。",
        "cwd": "当前工作目录：{path}",
        "files": "目录中的文件（{count} 个）：",
        "empty": "（目录为空）",
        "more": "……还有 {count} 个",
        "unmounted": "{path} 位于云端硬盘中，但云端硬盘未挂载：请设置 USE_DRIVE = True，"
        "或选择 /content/drive 之外的目录。",
    },
}

DRIVE_MOUNTPOINT = "/content/drive"


def content_path(path: str) -> str:
    """A Colab path (under /content) on this machine.

    ``nbgen run`` sets NBGEN_CONTENT_ROOT so that a local dry run of the Colab path writes
    into a folder of its own instead of /content; on Colab the variable is unset.
    """
    root = os.environ.get("NBGEN_CONTENT_ROOT")
    if root and (path == "/content" or path.startswith("/content/")):
        return root + path[len("/content") :]
    return path


def mount_drive(
    use_drive: bool = True, lang: str = "en", mountpoint: str = DRIVE_MOUNTPOINT
) -> bool:
    """Mount Google Drive on Colab; say why not elsewhere. Safe to run again. True if mounted."""
    text = _DRIVE_TEXT.get(lang, _DRIVE_TEXT["en"])
    mountpoint = content_path(mountpoint)
    where = detect_platform()
    if where != "colab":
        print(text["not_colab"].format(where=where))
        return False
    if not use_drive:
        print(text["skipped"])
        return False
    if os.path.isdir(os.path.join(mountpoint, "MyDrive")):
        print(text["mounted"].format(path=mountpoint))
        return True
    from google.colab import drive

    print(text["mounting"].format(path=mountpoint))
    drive.mount(mountpoint)
    return True


def local_work_folder(colab_path: str, where: str, cwd: Path | None = None) -> Path:
    """Map the Colab work folder to this platform: as is on Colab, by name elsewhere.

    Locally the folder goes beside the notebook; a re-run from inside it stays put.
    """
    if where == "colab":
        return Path(content_path(colab_path))
    name = PurePosixPath(colab_path).name or "work"
    if where == "kaggle":
        return Path("/kaggle/working") / name
    here = cwd or Path.cwd()
    return here if here.name == name else here / name


def enter_work_folder(colab_path: str, lang: str = "en", drive_mounted: bool = True) -> Path:
    """Create the work folder if missing, chdir into it, put it on sys.path, list what is there."""
    text = _DRIVE_TEXT.get(lang, _DRIVE_TEXT["en"])
    where = detect_platform()
    folder = local_work_folder(colab_path, where)
    if where == "colab" and not drive_mounted and colab_path.startswith(DRIVE_MOUNTPOINT + "/"):
        raise RuntimeError(text["unmounted"].format(path=colab_path))
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    print(text["cwd"].format(path=Path.cwd()))
    _drive_list(folder, text)
    return folder


def _drive_list(folder: Path, text: dict[str, str], limit: int = 20) -> None:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        print(text["empty"])
        return
    print(text["files"].format(count=len(names)))
    for name in names[:limit]:
        print(f"  {name}")
    if len(names) > limit:
        print(text["more"].format(count=len(names) - limit))
