"""A run folder's manifest: what nbgen saved there (file, step, size, sha256, last metrics),
written last, so a checkpoint counts only once it is whole. Rotation deletes only files the
manifest lists; a killed save's temporary files are cleared by their names.

Every write and delete goes through the ownership door: the run folder carries nbgen's stamp
(kind ``checkpoints``), the manifest is replaced only when it is nbgen's (``"nbgen":
"checkpoint-manifest"``), and a name that is not ``step-NNNNNNNN.pt`` is never deleted.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbgen.runtime.ownership.files import append_file, stream_file
from nbgen.runtime.ownership.folders import delete_inside, make_folder
from nbgen.runtime.ownership.proofs import (
    exists_or_link,
    inside_owned,
    is_read_only,
    owns,
    stamp_of,
    stamp_proof,
)
from nbgen.runtime.ownership.text import OwnershipError, os_error_text
from nbgen.runtime.training.places import DRIVE_GONE, CheckpointPlaces
from nbgen.runtime.training.text import CheckpointError, _ckpt_say

MANIFEST = "manifest.json"
METRICS = "metrics.jsonl"
FOLDER_KIND = "checkpoints"
_CKPT_FILE_RE = re.compile(r"step-\d{8,}\.pt")
# the door's temporary names (".NAME.XXXX.tmp.SUFFIX") for what a save writes
_CKPT_TEMP_RE = re.compile(r"\.(?:step-\d{8,}\.pt|manifest\.json)\.\w+\.tmp\.(?:pt|json)")


def checkpoint_file(done: int) -> str:
    """The file of the checkpoint taken after ``done`` steps (resume starts at step ``done``)."""
    return f"step-{done:08d}.pt"


def read_manifest(folder: Path) -> dict[str, Any]:
    """``{"entries": [...], "retired": [...]}`` of ``folder``, oldest entry first; empty when
    there is none (or it is not nbgen's). An OSError other than "no such file" (Drive gone)
    goes to the caller."""
    try:
        data = (folder / MANIFEST).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {"entries": [], "retired": []}
    value = stamp_of(data)
    if value.get("nbgen") != "checkpoint-manifest":
        return {"entries": [], "retired": []}
    entries = [e for e in value.get("entries", []) if _ckpt_valid_entry(e)]
    retired = [f for f in value.get("retired", []) if isinstance(f, str)]
    return {"entries": entries, "retired": [f for f in retired if _CKPT_FILE_RE.fullmatch(f)]}


def _ckpt_valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("file"), str)
        and _CKPT_FILE_RE.fullmatch(entry["file"]) is not None  # never a path that climbs out
        and all(isinstance(entry.get(k), int) for k in ("step", "size", "seq"))
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("saved"), int | float)
    )


def checkpoint_proof(folder: Path, file: str, name: str) -> Callable[[bytes], bool]:
    """The proof for replacing ``folder/file``: the folder is nbgen's run folder, and the file is
    listed in its manifest, or is a checkpoint nbgen saved for run ``name`` (a save killed
    between its rename and the manifest leaves one unlisted). A ``step-N.pt`` of the user's is
    neither, and is never written over."""

    def proof(data: bytes) -> bool:
        if not owns(folder, stamp_proof(FOLDER_KIND)):
            return False
        listed = read_manifest(folder)
        if file in {e["file"] for e in listed["entries"]} | set(listed["retired"]):
            return True
        try:  # torch.save's zip: the pickle of the payload's keys and plain values is small
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                pickled = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
                head = archive.read(pickled)
        except (zipfile.BadZipFile, StopIteration, OSError, ValueError, KeyError):
            return False
        return all(word.encode() in head for word in ("nbgen", "checkpoint", name))

    return proof


def _ckpt_is_manifest(data: bytes) -> bool:
    return stamp_of(data).get("nbgen") == "checkpoint-manifest"


def write_manifest(
    folder: Path, name: str, entries: list[dict[str, Any]], retired: list[str], lang: str = "en",
    *, fsync: bool = True,
) -> None:  # fmt: skip
    """Replace ``folder``'s manifest (only nbgen's own), flushed to the device (``fsync``)."""
    body = {"nbgen": "checkpoint-manifest", "name": name, "entries": entries, "retired": retired}
    data = (json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    with stream_file(folder / MANIFEST, proof=_ckpt_is_manifest, size=len(data), lang=lang,
                     fsync=fsync) as f:  # fmt: skip
        f.write(data)


def add_entry(
    folder: Path, name: str, entry: dict[str, Any], keep: int, lang: str = "en",
    retire: tuple[str, ...] = (), *, fsync: bool = True,
) -> list[str]:  # fmt: skip
    """Record ``entry`` (its file is in place) and keep the newest ``keep``; then delete the
    files that dropped out, those an earlier rotation could not, and ``retire`` (files this
    process copied there whose manifest could not be written). The manifest lists what it
    retires, so a rotation a kill interrupted is finished by the next one. Returns the files
    deleted."""
    manifest = read_manifest(folder)
    entries = [e for e in manifest["entries"] if e["file"] != entry["file"]] + [entry]
    kept, dropped = entries[-keep:], entries[:-keep]
    listed = {e["file"] for e in kept}
    old = [*manifest["retired"], *(e["file"] for e in dropped), *retire]
    # gone already, or made read-only by the user (chmod a-w: theirs to keep): not retired
    retired = [f for f in dict.fromkeys(old) if f not in listed and _CKPT_FILE_RE.fullmatch(f)
               and (folder / f).exists() and not is_read_only(folder / f)]  # fmt: skip
    write_manifest(folder, name, kept, retired, lang, fsync=fsync)
    return [f for f in retired if delete_inside(folder, folder / f, kind=FOLDER_KIND)]


def clean_leftovers(folder: Path) -> list[str]:
    """Delete the temporary files a killed save left in ``folder`` (nbgen's stamped run folder):
    only names of the door's temporary files for checkpoints and the manifest."""
    gone = []
    for path in sorted(folder.iterdir()):
        if _CKPT_TEMP_RE.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            delete_inside(folder, path, kind=FOLDER_KIND)
            gone.append(path.name)
    return gone


def append_metrics(folder: Path, rows: list[dict[str, Any]], lang: str = "en") -> None:
    """Add the metrics of the steps since the last save to ``metrics.jsonl``, one JSON a line."""
    if rows:
        data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
        # flushed, not fsynced: the manifest, fsynced after it, is what a resume relies on
        append_file(folder / METRICS, data, proof=inside_owned(folder, FOLDER_KIND), lang=lang,
                    fsync=False)  # fmt: skip


def new_entry(
    done: int, size: int, sha256: str, seq: int, metrics: dict[str, Any], epoch: int
) -> dict[str, Any]:
    """The manifest's record of one checkpoint."""
    return {"file": checkpoint_file(done), "step": done, "size": size, "sha256": sha256,
            "seq": seq, "saved": round(time.time(), 3), "metrics": metrics, "epoch": epoch}  # fmt: skip


def candidates(places: CheckpointPlaces) -> list[tuple[Path, dict[str, Any]]]:
    """The checkpoints to try at a resume, newest save first; of one save, the copy on this
    runtime's disk (faster to read) before the one on Drive. OSError when Drive is gone."""
    found = []
    for folder, here in ((places.local, 1), (places.folder, 0)):
        if folder is not None:
            for entry in read_manifest(folder)["entries"]:
                found.append((entry["seq"], here, folder / entry["file"], entry))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(path, entry) for _, _, path, entry in found]


def prepare_folders(
    places: CheckpointPlaces, name: str, lang: str, *, make: bool
) -> tuple[list[dict[str, Any]], int]:
    """Make the run folders (``make``: rank 0), refusing a file, a link or a folder of the
    user's in the way; return what the run folder's manifest lists and the last save number in
    either folder. Nothing else is written."""
    folders = [f for f in (places.folder, places.local) if f is not None]
    try:
        for folder in folders:
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                key = "folder_link" if folder.is_symlink() else "folder_file"
                raise CheckpointError(_ckpt_say(lang, key, path=folder, name=name))
            if folder.is_dir() and not owns(folder, stamp_proof(FOLDER_KIND)):
                raise CheckpointError(_ckpt_say(lang, "folder_theirs", path=folder, name=name))
        manifest = places.folder / MANIFEST  # damaged or edited: not "no checkpoint yet"
        if exists_or_link(manifest) and not (
            manifest.is_file() and _ckpt_is_manifest(manifest.read_bytes())  # OSError: Drive
        ):
            raise CheckpointError(_ckpt_say(lang, "manifest_theirs", path=manifest, name=name))
        for folder in folders if make else ():
            make_folder(folder, FOLDER_KIND, lang=lang, name=name)
        listed = [read_manifest(folder)["entries"] for folder in folders]
    except (OSError, OwnershipError) as exc:
        number = exc.errno
        if places.on_drive and number in DRIVE_GONE:
            detail = os.strerror(number) if number else str(exc)
            raise CheckpointError(_ckpt_say(lang, "drive_unreadable", folder=places.folder,
                                            detail=detail)) from None  # fmt: skip
        text = os_error_text(exc, None, lang) if isinstance(exc, OSError) else str(exc)
        raise CheckpointError(text) from None
    return listed[0], max((e["seq"] for entries in listed for e in entries), default=0)
