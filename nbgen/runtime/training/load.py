"""Reading a checkpoint back, checked against its manifest entry: the size first, then the
sha256, computed beside ``torch.load`` (over a memory map, in a thread: hashlib lets go of the
interpreter lock), so checking costs little more than loading.

``torch.load`` runs with ``weights_only=True`` (tensors, numbers, lists, dicts: nothing that
runs code). Only a checkpoint whose sha256 matches the manifest nbgen wrote may be read with
``weights_only=False``, for what ``ckpt.extra`` or a scheduler keeps beyond those types.
"""

from __future__ import annotations

import hashlib
import mmap
import pickle
import threading
from pathlib import Path
from typing import Any

from nbgen.runtime.training.text import _ckpt_say


class BadCheckpoint(Exception):
    """A checkpoint that cannot be used (missing, truncated, damaged): the next one is tried."""


def load_checkpoint(path: Path, entry: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """The checkpoint at ``path`` if it matches ``entry`` (size, sha256), in CPU memory.

    Raises BadCheckpoint saying why; an OSError that is not "no such file" (Drive gone) goes to
    the caller, since the file may well be fine.
    """
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        raise BadCheckpoint(_ckpt_say(lang, "why_missing")) from None
    if size != entry["size"]:
        raise BadCheckpoint(_ckpt_say(lang, "why_size", size=size, expected=entry["size"]))
    digest: list[str] = []
    hasher = threading.Thread(target=_ckpt_hash_into, args=(path, digest), daemon=True)
    hasher.start()
    payload: Any = None
    failure: Exception | None = None
    try:
        payload = _ckpt_torch_load(path, weights_only=True)
    except pickle.UnpicklingError:
        pass  # objects beyond weights_only's types: read below, once the sha256 matched
    except Exception as exc:  # a damaged zip or pickle: torch raises RuntimeError and friends
        failure = exc
    hasher.join()
    if digest and digest[0].startswith("!"):  # it could not be read at all
        raise BadCheckpoint(_ckpt_say(lang, "why_unreadable", detail=digest[0][1:]))
    if not digest or digest[0] != entry["sha256"]:
        raise BadCheckpoint(_ckpt_say(lang, "why_sha"))
    if failure is None and payload is None:
        try:
            payload = _ckpt_torch_load(path, weights_only=False)
        except Exception as exc:
            failure = exc
    if failure is not None or not isinstance(payload, dict) or payload.get("nbgen") != "checkpoint":
        detail = str(failure).strip().splitlines()[0][:200] if failure else "not nbgen's"
        raise BadCheckpoint(_ckpt_say(lang, "why_unreadable", detail=detail or "-"))
    return payload


def _ckpt_torch_load(path: Path, *, weights_only: bool) -> Any:
    import torch

    try:  # a memory map reads only what is used, and the copy into the model is the only copy
        return torch.load(path, map_location="cpu", weights_only=weights_only, mmap=True)
    except pickle.UnpicklingError:
        raise
    except Exception:  # a file system without mmap: read it the ordinary way
        return torch.load(path, map_location="cpu", weights_only=weights_only)


def _ckpt_hash_into(path: Path, out: list[str]) -> None:
    try:
        with open(path, "rb") as f:
            try:
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    out.append(hashlib.sha256(view).hexdigest())
                    return
            except (ValueError, OSError):  # an empty file, or no mmap on this file system
                pass
            digest = hashlib.sha256()
            while chunk := f.read(1 << 22):
                digest.update(chunk)
            out.append(digest.hexdigest())
    except OSError as exc:
        out.append(f"!{exc.strerror or exc}")
