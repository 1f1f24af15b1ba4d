"""What the ownership rule says when it refuses, and one line for every OS error, in English and
Chinese."""

from __future__ import annotations

import errno
from pathlib import Path

from nbgen.runtime.platforms.env import NotebookStepError

_OWN_TEXT = {
    "en": {
        "folder_in_way": "a folder of yours is in the way (nbgen did not make it)",
        "file_in_way": "a file of yours is in the way (nbgen did not write it)",
        "not_folder": "is a file, not a folder",
        "folder_not_file": "is a folder, where nbgen writes a file; nbgen never replaces a folder "
        "with a file, not even when forced: give a file name, or move the folder away",
        "link": "is a symbolic link of yours; nbgen does not replace links",
        "read_only": "is read-only; nbgen does not replace a read-only file: make it writable "
        "(chmod u+w) if you mean it to be replaced",
        "default_remedy": "nbgen replaces only what it wrote: move it away, or choose another place",
        "permission": "permission denied: check the permissions of the file and its folder, "
        "or choose another place",
        "eperm": "operation not permitted: check its owner and permissions",
        "enoent": "no such file or folder",
        "eisdir": "is a folder, not a file: give a file name",
        "enotdir": "a part of the path is a file, not a folder",
        "toolong": "the name is too long for this file system: choose a shorter one",
        "loop": "a symbolic link that points to itself (a loop): fix or remove the link",
        "rofs": "the file system is read-only: choose another place",
        "nospace": "no space left on the device: free some space",
        "exists": "already exists",
        "xdev": "cannot move across file systems",
        "notconn": "the mount stopped answering (Transport endpoint is not connected): "
        "mount it again",
    },
    "zh": {
        "folder_in_way": "此处已有一个你自己的文件夹（不是 nbgen 创建的）",
        "file_in_way": "此处已有一个你自己的文件（不是 nbgen 写入的）",
        "not_folder": "是一个文件，不是文件夹",
        "folder_not_file": "是一个文件夹，而 nbgen 要在此处写入文件；nbgen 从不用文件替换文件夹，强制也不会："
        "请给出文件名，或把该文件夹移走",
        "link": "是你的符号链接；nbgen 不会替换链接",
        "read_only": "是只读文件；nbgen 不会替换只读文件：如确实要替换，请先设为可写（chmod u+w）",
        "default_remedy": "nbgen 只替换它自己写入的内容：请把它移走，或换一个位置",
        "permission": "没有权限：请检查该文件及其所在文件夹的权限，或换一个位置",
        "eperm": "不允许此操作：请检查它的所有者和权限",
        "enoent": "没有这个文件或文件夹",
        "eisdir": "是一个文件夹而不是文件：请给出文件名",
        "enotdir": "路径中有一段是文件而不是文件夹",
        "toolong": "名称太长，此文件系统无法保存：请换一个短一些的名称",
        "loop": "符号链接指向自身（循环）：请修正或删除该链接",
        "rofs": "文件系统是只读的：请换一个位置",
        "nospace": "设备空间不足：请释放一些空间",
        "exists": "已经存在",
        "xdev": "无法跨文件系统移动",
        "notconn": "挂载已失去响应（Transport endpoint is not connected）：请重新挂载",
    },
}
_ERRNO_KEYS = {
    errno.EACCES: "permission", errno.EPERM: "eperm", errno.ENOENT: "enoent",
    errno.EISDIR: "eisdir", errno.ENOTDIR: "enotdir", errno.ENAMETOOLONG: "toolong",
    errno.ELOOP: "loop", errno.EROFS: "rofs", errno.ENOSPC: "nospace", errno.EEXIST: "exists",
    errno.EXDEV: "xdev", errno.ENOTCONN: "notconn",
}  # fmt: skip


class OwnershipError(NotebookStepError):
    """nbgen refused to replace or delete something it cannot prove it wrote, or the file
    system refused a write; the message names the path and the choices."""

    def __init__(
        self, message: str, path: Path | str | None = None, errno: int | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.errno = errno  # the OS error's, when the file system refused


def os_error_text(exc: OSError, path: Path | str | None = None, lang: str = "en") -> str:
    """One line for an OS error: the path, what went wrong and what to do."""
    text = _OWN_TEXT.get(lang, _OWN_TEXT["en"])
    where = path if path is not None else (exc.filename or "")
    key = _ERRNO_KEYS.get(exc.errno or -1)
    hint = text[key] if key else (exc.strerror or str(exc))
    return f"{where}: {hint}" if where else hint


def _own_refuse(path: Path, reason: str, remedy: str, lang: str) -> OwnershipError:
    text = _OWN_TEXT.get(lang, _OWN_TEXT["en"])
    if reason in ("read_only", "folder_not_file") and not remedy:  # its text says what to do
        return OwnershipError(f"{path}: {text[reason]}", path)
    return OwnershipError(f"{path}: {text[reason]}; {remedy or text['default_remedy']}", path)


def _own_os_error(exc: OSError, path: Path, lang: str) -> OwnershipError:
    return OwnershipError(os_error_text(exc, path, lang), path, exc.errno)
