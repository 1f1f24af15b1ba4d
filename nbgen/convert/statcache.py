"""Sync at the speed of a stat: what each pair's two files looked like on disk when nbgen last
found them in step, so the next run reads a file only when its (size, mtime_ns, inode,
ctime_ns) changed, as git's index does.

The hash in ``.nbgen-sync`` still decides what changed: a signature that differs (a clone, a
checkout, a ``touch``, Drive syncing the file down) only means "read it and compare", never "it
was edited". The signatures are facts about this machine's files, so, like git's index, they
are kept on this machine (``~/.cache/nbgen/sync/``, one file per project), never in the
committed ``.nbgen-sync``: there they would change on every clone and make every commit dirty.

An entry is trusted only if the files were older than the moment it was recorded by more than
a file system's timestamp granularity (git's "racy clean" rule: an edit within the same tick
would leave the signature as it was); it is trusted only for the same format, the same record
hash and the same nbgen code.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from pathlib import Path
from typing import Any

_GRANULARITY_NS = 2_000_000_000  # FAT and some network file systems keep 2 s
_KIND = "sync-cache"
Signature = list[int]  # size, mtime_ns, inode, ctime_ns


def signature(path: Path) -> Signature | None:
    """The file's signature, or None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def cache_dir() -> Path:
    """nbgen's own cache folder for sync signatures (never in the project)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "nbgen", "sync")


def _code_version() -> list[Any]:
    """nbgen's version and the signatures of the converter's own source files: a changed
    converter may write another text for the same notebook, so its entries are not trusted."""
    from nbgen import __version__

    here = Path(__file__).resolve().parent
    files = [
        *sorted(here.glob("*.py")),
        *sorted((here.parent / "runtime" / "modules").glob("*.py")),
    ]
    return [__version__, [signature(f) for f in files]]


class StatCache:
    """The signatures of one project's pairs (keyed like ``.nbgen-sync``)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root.absolute())
        # named by checksums of the root (hashlib's OpenSSL costs more to import than the rest
        # of a run); the root written inside decides, so a clash only costs speed
        raw = self.root.encode("utf-8", "surrogatepass")
        self.path = cache_dir() / f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.json"
        self.version = _code_version()
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return
        if (
            isinstance(data, dict) and data.get("root") == self.root
            and data.get("version") == self.version and isinstance(data.get("entries"), dict)
        ):  # fmt: skip
            self.entries = data["entries"]

    def in_step(self, key: str, notebook: Path, text: Path, record: str | None, mode: str) -> bool:
        """True when both files are as they were when the pair was last found in step under
        ``record`` (the hash ``.nbgen-sync`` holds now) and ``mode``."""
        entry = self.entries.get(key)
        if not isinstance(entry, list) or len(entry) != 5 or record is None:
            return False
        nb_sig, text_sig, hashed, fmt, recorded_at = entry
        if hashed != record or fmt != mode or not isinstance(recorded_at, int):
            return False
        if not isinstance(nb_sig, list) or not isinstance(text_sig, list) or len(nb_sig) < 2:
            return False
        if max(nb_sig[1], text_sig[1] if len(text_sig) > 1 else 0) >= recorded_at - _GRANULARITY_NS:
            return False  # racy: an edit in the same timestamp tick would not show
        return signature(notebook) == nb_sig and signature(text) == text_sig

    def remember(self, key: str, notebook: Path, text: Path, record: str, mode: str) -> None:
        """The pair is in step under ``record``, as its files are now."""
        recorded_at = time.time_ns()
        nb_sig, text_sig = signature(notebook), signature(text)
        if nb_sig is None or text_sig is None:
            self.forget(key)
            return
        entry = [nb_sig, text_sig, record, mode, recorded_at]
        old = self.entries.get(key)
        if old != entry and not (
            isinstance(old, list) and old[:4] == entry[:4] and self._trusted(old)
        ):
            self.entries[key] = entry
            self.changed = True

    def forget(self, key: str) -> None:
        if self.entries.pop(key, None) is not None:
            self.changed = True

    def _trusted(self, entry: list[Any]) -> bool:
        newest, recorded_at = int(max(entry[0][1], entry[1][1])), int(entry[4])
        return newest < recorded_at - _GRANULARITY_NS

    def save(self, keep: set[str]) -> None:
        """Write the cache if it changed, keeping only the pairs in ``keep``; a cache that cannot
        be written only costs the next run its speed."""
        stale = set(self.entries) - keep
        if not self.changed and not stale:
            return
        for key in stale:
            del self.entries[key]
        data = {"root": self.root, "version": self.version, "entries": self.entries}
        from nbgen.errors import NbgenError
        from nbgen.fsutil import atomic_write_bytes
        from nbgen.runtime.ownership.folders import make_folder
        from nbgen.runtime.ownership.proofs import inside_owned

        try:
            folder = make_folder(self.path.parent, _KIND)
            text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
            atomic_write_bytes(self.path, text, proof=inside_owned(folder, _KIND))
        except (OSError, RuntimeError, NbgenError):  # a cache: a failure only costs speed
            return
        self.changed = False
