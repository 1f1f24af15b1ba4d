"""Google Drive mount and the work folder: the notebook's home on Colab, Kaggle or locally."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path, PurePosixPath

from nbgen.runtime.platforms.env import NotebookStepError, detect_platform, platform_path

_DRIVE_TEXT = {
    "en": {
        "mounted": "Google Drive is already mounted at {path}.",
        "mounting": "Mounting Google Drive at {path} (a browser prompt asks for access)...",
        "stale": "The Drive mount at {path} stopped answering; mounting it again.",
        "not_colab": "Not on Colab ({where}): there is no Drive to mount; the work folder is local.",
        "skipped": "Drive mount is switched off; the work folder lives on the runtime's disk and "
        "is lost when the session ends.",
        "cwd": "Working directory: {path}",
        "files": "Files here ({count}):",
        "empty": "(the folder is empty)",
        "more": "... and {count} more",
        "created": "Warning: {path} did not exist and was created. If you meant an existing folder, "
        "check WORK_FOLDER for a typo; beside it: {siblings}",
        "nothing_beside": "(nothing)",
        "unmounted": "{path} is on Drive, but Drive is not mounted: set USE_DRIVE = True "
        "or choose a folder outside /content/drive.",
        "not_a_folder": "WORK_FOLDER {path} is a file, not a folder: choose another WORK_FOLDER.",
        "space": "Drive cannot be mounted at {path}: the path has a space. Keep the default "
        "/content/drive.",
        "symlink": "Drive cannot be mounted at {path}: it is a symbolic link. Remove it "
        "(!rm {path}), then run this cell again.",
        "has_files": "Drive cannot be mounted at {path}: the folder already holds files, on the "
        "runtime's own disk (something wrote there before Drive was mounted). Restart session "
        "does not remove them: move them away (!mv {path} /content/drive_old), or Runtime > "
        "Disconnect and delete runtime; then run the notebook again.",
        "no_parent": "Drive cannot be mounted at {path}: the folder above it does not exist. Keep "
        "the default /content/drive.",
        "not_dir": "Drive cannot be mounted at {path}: it is a file. Remove it (!rm {path}), then "
        "run this cell again.",
        "slow": "Drive took too long to answer; trying once more, waiting up to {minutes} minutes...",
        "timeout": "Drive took too long to list the top of My Drive (it holds very many files). "
        "Move loose files at the top of My Drive into folders, then run this cell again.",
        "domain": "Your Google Workspace administrator has switched Drive off for Colab: ask them, "
        "use a personal Google account, or set USE_DRIVE = False.",
        "enterprise": "Colab Enterprise cannot mount Google Drive: set USE_DRIVE = False and keep "
        "the work folder on the runtime's disk (or copy files in from Cloud Storage).",
        "unsupported": "This runtime cannot mount Google Drive (it is not one of Colab's own, e.g. "
        "a local runtime): set USE_DRIVE = False, or connect to a Colab-hosted runtime.",
        "refused": "Drive access was not granted (the sign-in window was closed or a box was left "
        "unticked): run this cell again and allow every permission it asks for.",
        "failed": "Drive could not be mounted ({detail}): Runtime > Restart session, then run the "
        "notebook again.",
    },
    "zh": {
        "mounted": "Google 云端硬盘已挂载在 {path}。",
        "mounting": "正在把 Google 云端硬盘挂载到 {path}（浏览器会弹出授权窗口）……",
        "stale": "{path} 处的云端硬盘挂载已失去响应，正在重新挂载。",
        "not_colab": "当前不在 Colab 上（{where}）：无需挂载云端硬盘，工作目录在本地。",
        "skipped": "已关闭云端硬盘挂载；工作目录位于运行时磁盘上，会话结束后会被清空。",
        "cwd": "当前工作目录：{path}",
        "files": "目录中的文件（{count} 个）：",
        "empty": "（目录为空）",
        "more": "……还有 {count} 个",
        "created": "注意：{path} 原本不存在，已新建。如果你要用的是已有目录，请检查 WORK_FOLDER "
        "是否拼写有误；同级目录中有：{siblings}",
        "nothing_beside": "（无）",
        "unmounted": "{path} 位于云端硬盘中，但云端硬盘未挂载：请设置 USE_DRIVE = True，"
        "或选择 /content/drive 之外的目录。",
        "not_a_folder": "WORK_FOLDER {path} 是一个文件而不是目录：请换一个 WORK_FOLDER。",
        "space": "无法把云端硬盘挂载到 {path}：路径中有空格。请使用默认的 /content/drive。",
        "symlink": "无法把云端硬盘挂载到 {path}：它是一个符号链接。请先删除它（!rm {path}），"
        "再重新运行此单元格。",
        "has_files": "无法把云端硬盘挂载到 {path}：该目录中已有文件，位于运行时自己的磁盘上（在挂载"
        "云端硬盘之前有程序往里写了文件）。重启会话不会删除它们：请把它们移走"
        "（!mv {path} /content/drive_old），或选择“代码执行程序 > 断开连接并删除运行时”，"
        "然后重新运行本笔记本。",
        "no_parent": "无法把云端硬盘挂载到 {path}：它的上级目录不存在。请使用默认的 /content/drive。",
        "not_dir": "无法把云端硬盘挂载到 {path}：它是一个文件。请先删除它（!rm {path}），"
        "再重新运行此单元格。",
        "slow": "云端硬盘响应太慢；正在重试一次，最多等待 {minutes} 分钟……",
        "timeout": "列出“我的云端硬盘”顶层目录超时（文件太多）。请把顶层的零散文件移入文件夹，"
        "然后重新运行此单元格。",
        "domain": "你的 Google Workspace 管理员已禁止在 Colab 中使用云端硬盘：请联系管理员、改用"
        "个人 Google 账号，或设置 USE_DRIVE = False。",
        "enterprise": "Colab Enterprise 无法挂载 Google 云端硬盘：请设置 USE_DRIVE = False，把工作"
        "目录放在运行时磁盘上（或从云存储复制文件）。",
        "unsupported": "此运行时无法挂载 Google 云端硬盘（它不是 Colab 自己的运行时，例如本地运行时）："
        "请设置 USE_DRIVE = False，或连接到 Colab 托管的运行时。",
        "refused": "未获得云端硬盘的访问授权（登录窗口被关闭或有权限未勾选）：请重新运行此单元格，"
        "并允许它请求的全部权限。",
        "failed": "无法挂载云端硬盘（{detail}）：请选择“代码执行程序 > 重启会话”，然后重新运行本笔记本。",
    },
}
# The messages of google.colab.drive.mount (colabtools drive.py: ValueError and
# NotImplementedError; MessageError from the sign-in popup), and what to say for each.
_MOUNT_ERRORS = (
    ("must not contain a space", "space"),
    ("must not be a symlink", "symlink"),
    ("must not already contain files", "has_files"),
    ("must either be a directory or not exist", "not_dir"),
    ("must be in a directory that exists", "no_parent"),
    ("timeout during initial read", "timeout"),
    ("credential propagation was unsuccessful", "refused"),
    ("domain policy has disabled Drive File Stream", "domain"),
    ("not supported in Colab Enterprise", "enterprise"),
    ("unsupported in this environment", "unsupported"),
)
_DRIVE_TIMEOUT_MS = 120_000  # drive.mount's own default
_DRIVE_RETRY_MS = 600_000  # a My Drive with very many files at the top needs longer

DRIVE_MOUNTPOINT = "/content/drive"


class DriveError(NotebookStepError):
    """Drive or the work folder could not be set up; the message says what to do."""


def mount_drive(
    use_drive: bool = True, lang: str = "en", mountpoint: str = DRIVE_MOUNTPOINT
) -> bool:
    """Mount Google Drive on Colab; say why not elsewhere. Safe to run again. True if mounted."""
    text = _DRIVE_TEXT.get(lang, _DRIVE_TEXT["en"])
    local = platform_path(mountpoint)
    where = detect_platform()
    if where != "colab":
        print(text["not_colab"].format(where=where))
        return False
    if not use_drive:
        print(text["skipped"])
        return False
    force = False
    if os.path.isdir(os.path.join(local, "MyDrive")):
        try:
            os.listdir(os.path.join(local, "MyDrive"))
            print(text["mounted"].format(path=mountpoint))
            return True
        except OSError:  # "Transport endpoint is not connected": a stale mount
            print(text["stale"].format(path=mountpoint))
            force = True
    from google.colab import drive

    print(text["mounting"].format(path=mountpoint))
    try:
        try:
            drive.mount(mountpoint, force_remount=force, timeout_ms=_DRIVE_TIMEOUT_MS)
        except ValueError as exc:
            if "timeout during initial read" not in str(exc):
                raise
            print(text["slow"].format(minutes=_DRIVE_RETRY_MS // 60_000))
            drive.mount(mountpoint, force_remount=True, timeout_ms=_DRIVE_RETRY_MS)
    except Exception as exc:  # ValueError, NotImplementedError, MessageError (sign-in popup)
        raise DriveError(_drive_explain(exc, mountpoint, text)) from None
    return True


def _drive_explain(exc: Exception, mountpoint: str, text: dict[str, str]) -> str:
    message = str(exc)
    for needle, key in _MOUNT_ERRORS:
        if needle in message:
            return text[key].format(path=mountpoint)
    return text["failed"].format(detail=message.splitlines()[0] if message else type(exc).__name__)


def local_work_folder(colab_path: str, where: str, cwd: Path | None = None) -> Path:
    """Map the Colab work folder to this platform: as is on Colab, by name elsewhere.

    Locally the folder goes beside the notebook; a re-run from inside it stays put.
    """
    if where == "colab":
        return Path(platform_path(colab_path))
    name = PurePosixPath(colab_path).name or "work"
    if where == "kaggle":
        return Path(platform_path("/kaggle/working")) / name
    here = cwd or Path.cwd()
    return here if here.name == name else here / name


def enter_work_folder(colab_path: str, lang: str = "en", drive_mounted: bool = True) -> Path:
    """Create the work folder if missing (saying so), chdir into it, put it on sys.path, list
    what is there."""
    text = _DRIVE_TEXT.get(lang, _DRIVE_TEXT["en"])
    where = detect_platform()
    folder = local_work_folder(colab_path, where)
    if where == "colab" and not drive_mounted and colab_path.startswith(DRIVE_MOUNTPOINT + "/"):
        raise DriveError(text["unmounted"].format(path=colab_path))
    if folder.exists() and not folder.is_dir():
        raise DriveError(text["not_a_folder"].format(path=colab_path))
    if not folder.exists():
        folder.mkdir(parents=True)
        if where == "colab" and colab_path.startswith(DRIVE_MOUNTPOINT + "/"):
            # on Drive a typo makes a new folder; on the runtime's disk, new is every session
            _drive_say_created(folder, text)
    os.chdir(folder)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    print(text["cwd"].format(path=Path.cwd()))
    _drive_list(folder, text)
    return folder


def _drive_say_created(folder: Path, text: dict[str, str]) -> None:
    beside = sorted(p.name + "/" for p in folder.parent.iterdir() if p.is_dir() and p != folder)
    shown = ", ".join(beside[:12]) + (" ..." if len(beside) > 12 else "")
    print(text["created"].format(path=folder, siblings=shown or text["nothing_beside"]))


def _drive_list(folder: Path, text: dict[str, str], limit: int = 20) -> None:
    try:
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    except OSError as exc:
        if exc.errno != errno.ENOTCONN:
            raise
        names = []
    if not names:
        print(text["empty"])
        return
    print(text["files"].format(count=len(names)))
    for name in names[:limit]:
        print(f"  {name}")
    if len(names) > limit:
        print(text["more"].format(count=len(names) - limit))
