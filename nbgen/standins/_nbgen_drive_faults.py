"""What a FUSE mount of Google Drive does to the files under it, for the tests: it fails or
slows down when the test says so. Installed by the ``google.colab.drive`` stand-in's ``mount``
when ``$NBGEN_STANDIN_DRIVE_FAULTS`` names a control file, removed by ``flush_and_unmount``;
nbgen's own code never reads that variable or this module.

The control file holds one word, read at every call, so a test can change it while a notebook
runs:

- ``enotconn``: the Drive process died. Every call on a path under the mount fails with
  ``OSError(ENOTCONN, "Transport endpoint is not connected")``, as the real mount does, until
  ``drive.mount(..., force_remount=True)`` (which empties the control file, as a new mount
  would be healthy);
- ``enospc``: Drive is full; writes fail with ``ENOSPC`` (opening and reading still work);
- ``slow:BYTES_PER_SECOND``: writes are throttled (Drive uploads at about 20 MB/s);
- anything else, or an empty file: a healthy mount.

The wrapped calls are the ones a Python program reaches Drive through (``open`` in every
spelling, ``os.open``, ``mkdir``, ``rename``/``replace``, ``stat``, ``listdir``/``scandir``,
``unlink``), raising real ``OSError`` objects with real errno values: the code under test cannot
tell them from the kernel's. A path counts as Drive's by its name (under the mount point or
under the folder it shows, which is where a working folder on Drive resolves to), so the check
costs no system call; a third link into that folder would go unnoticed.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import time
from typing import Any

_ORIGINAL: dict[str, Any] = {}
_STATE: dict[str, Any] = {"control": None, "roots": ()}
_ALL = ("stat", "listdir", "scandir", "unlink", "remove", "rmdir")
_WRITES = ("mkdir", "replace", "rename")


def install(control: str, roots: list[str]) -> None:
    """Wrap the calls for paths under ``roots`` (the mount and the folder it shows)."""
    _STATE["control"] = control
    names = {os.path.abspath(r) for r in roots} | {os.path.realpath(r) for r in roots}
    _STATE["roots"] = tuple(name.rstrip(os.sep) for name in names)
    if _ORIGINAL:
        return
    _ORIGINAL["open"] = builtins.open
    _ORIGINAL["os.open"] = os.open
    for name in (*_ALL, *_WRITES):
        _ORIGINAL[name] = getattr(os, name)
        setattr(os, name, _wrapped(name))
    builtins.open = io.open = _open
    os.open = _os_open


def uninstall() -> None:
    """Put every call back."""
    if not _ORIGINAL:
        return
    builtins.open = io.open = _ORIGINAL.pop("open")
    os.open = _ORIGINAL.pop("os.open")
    for name in list(_ORIGINAL):
        setattr(os, name, _ORIGINAL.pop(name))


def clear_dead_mount() -> None:
    """A new mount answers again: forget ``enotconn`` (a full Drive stays full)."""
    if _STATE["control"] and _mode() == "enotconn":
        with _ORIGINAL.get("open", builtins.open)(_STATE["control"], "w") as f:
            f.write("")


def _mode() -> str:
    try:  # read again only when the file changed (a stat costs less than a read)
        info = _ORIGINAL.get("stat", os.stat)(_STATE["control"])
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        if _STATE.get("stamp") != stamp:
            with _ORIGINAL.get("open", builtins.open)(_STATE["control"], encoding="utf-8") as f:
                _STATE["mode"], _STATE["stamp"] = str(f.read().strip()), stamp
        return str(_STATE["mode"])
    except (OSError, TypeError):
        return ""


def _under(path: Any) -> bool:
    # by name, without a system call: the mount's path and the folder it shows are both roots
    if isinstance(path, int) or not _STATE["roots"]:
        return False
    try:
        name = os.path.abspath(os.fsdecode(os.fspath(path)))
    except (TypeError, ValueError):
        return False
    return any(name == root or name.startswith(root + os.sep) for root in _STATE["roots"])


def _fail(number: int, path: Any) -> OSError:
    return OSError(
        number, os.strerror(number), os.fspath(path) if not isinstance(path, int) else path
    )


def _wrapped(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        if args and _under(args[0]):
            mode = _mode()
            if mode == "enotconn":
                raise _fail(errno.ENOTCONN, args[0])
            if mode == "enospc" and name == "mkdir" and not os.path.lexists(args[0]):
                raise _fail(errno.ENOSPC, args[0])  # a folder already there is EEXIST, as ever
        return _ORIGINAL[name](*args, **kwargs)

    return call


def _os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
    if _under(path) and _mode() == "enotconn":
        raise _fail(errno.ENOTCONN, path)
    return _ORIGINAL["os.open"](path, flags, *args, **kwargs)  # type: ignore[no-any-return]


def _open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    if not _under(file):
        return _ORIGINAL["open"](file, mode, *args, **kwargs)
    if _mode() == "enotconn":
        raise _fail(errno.ENOTCONN, file)
    f = _ORIGINAL["open"](file, mode, *args, **kwargs)
    return _Writes(f, file) if any(c in mode for c in "wax+") else f


class _Writes:
    """A file under the mount opened for writing: each write asks the control file first."""

    def __init__(self, f: Any, path: Any) -> None:
        self._f, self._path = f, path

    def write(self, data: Any) -> int:
        mode = _mode()
        if mode in ("enotconn", "enospc"):
            raise _fail(errno.ENOTCONN if mode == "enotconn" else errno.ENOSPC, self._path)
        if mode.startswith("slow:"):
            rate = max(float(mode[5:] or 1), 1.0)
            size = max(4096, int(rate / 100))  # pieces of ~10 ms: a kill lands mid-copy
            view, written = memoryview(data).cast("B"), 0
            for start in range(0, len(view), size):
                piece = view[start : start + size]
                time.sleep(len(piece) / rate)
                written += self._f.write(piece)
            return written
        return self._f.write(data)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> _Writes:
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._f.__exit__(*exc)

    def __iter__(self) -> Any:
        return iter(self._f)
