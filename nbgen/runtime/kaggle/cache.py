"""Kaggle archives kept on Drive, so that the next runtime copies them instead of downloading.

``WORK_FOLDER/.nbgen-cache`` (stamped ``cache``) holds, under ``kaggle/``, one folder per data
set version (``datasets/OWNER/SLUG/N``), competition (``competitions/NAME/latest``: Kaggle gives
competition data no version) and single file (the same name, ``-file-`` and a digest of the
file's path). Each holds the archives as the kaggle client saved them and a ``manifest.json``
(name, size and sha256 of each, version, date stored, date last used). An entry is built in a
scratch folder, its manifest written last, and moved into place whole: a cut run leaves no half
entry. A restore copies the archives to local disk, checking size and sha256 as it reads; a
mismatch drops the entry (its listed files only) and the data is downloaded again. The cap
removes the least recently used entries first, and only the files their manifests list. A
file, a link or a folder of the user's where the cache would go is refused before anything is
downloaded.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.runtime.kaggle.extract import kaggle_size
from nbgen.runtime.kaggle.refs import KaggleRef
from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.files import new_file, write_file
from nbgen.runtime.ownership.folders import (
    delete_inside,
    make_folder,
    move_into_place,
    prune_empty,
    remove_scratch,
    scratch_folder,
)
from nbgen.runtime.ownership.proofs import OWNED_STAMP, owns, stamp_of, stamp_proof
from nbgen.runtime.ownership.text import OwnershipError, os_error_text

KAGGLE_CACHE_FOLDER = ".nbgen-cache"
KAGGLE_CACHE_KIND = "cache"  # the stamp of the cache folder
KAGGLE_MANIFEST = "manifest.json"
KAGGLE_MANIFEST_KIND = "kaggle-cache"
_CACHE_CHUNK = 8 << 20


class KaggleCache(NamedTuple):
    """Where the cache is, and the most it may hold (bytes; None: no cap)."""

    root: Path
    cap: int | None = None


def kaggle_cache(
    work_folder: str | Path, on: bool = True, *, drive_mounted: bool = True,
    max_gb: str | float | None = "", lang: str = "en",
) -> KaggleCache | None:  # fmt: skip
    """The cache in ``work_folder``, when ``on`` and the work folder outlasts the runtime (on
    Drive); None otherwise. A cap that is no size stops the cell, whether or not the cache is on."""
    cap = kaggle_cache_cap(max_gb, lang)
    if not on or not drive_mounted:
        return None
    return KaggleCache(Path(work_folder).absolute() / KAGGLE_CACHE_FOLDER, cap)


def kaggle_cache_cap(value: str | float | None, lang: str = "en") -> int | None:
    """``KAGGLE_CACHE_MAX_GB`` in bytes (GB of 2**30 bytes); None for empty; KaggleError for
    0, a negative size or anything that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        size = float(value)
    except (TypeError, ValueError):
        raise KaggleError(kaggle_text(lang)["bad_cap"].format(value=value)) from None
    if not math.isfinite(size) or size <= 0:
        raise KaggleError(kaggle_text(lang)["bad_cap"].format(value=value))
    return max(int(size * 2**30), 1)


def kaggle_cache_entry(cache: KaggleCache, ref: KaggleRef, version: int | None) -> Path:
    """The folder that holds ``ref`` at ``version`` in the cache."""
    base = cache.root / "kaggle"
    if ref.kind == "competition":
        folder = base / "competitions" / ref.name.lower() / "latest"
    else:
        owner, slug = ref.name.lower().split("/")
        folder = base / "datasets" / owner / slug / str(version)
    if ref.file:
        digest = hashlib.sha256(ref.file.encode("utf-8")).hexdigest()[:12]
        folder = folder.with_name(f"{folder.name}-file-{digest}")
    return folder


def kaggle_cache_check(
    cache: KaggleCache, entry: Path, ref: KaggleRef, version: int | None, lang: str = "en"
) -> dict[str, Any]:
    """The manifest of ``entry`` (``{}`` when there is none yet). What is in the way is refused
    now, before any download: a file or link on the path, a folder without nbgen's stamp or
    manifest, a manifest nbgen did not write or one that names other data (copied from another
    entry: it proves nothing about the files here)."""
    text = kaggle_text(lang)
    places = [cache.root]
    for part in entry.relative_to(cache.root).parts:
        places.append(places[-1] / part)
    for place in places:
        if place.is_symlink() or (place.exists() and not place.is_dir()):
            why = text["cache_link" if place.is_symlink() else "cache_file"]
            raise KaggleError(text["cache_in_way"].format(path=place, why=why))
    if cache.root.exists() and not owns(cache.root, stamp_proof(KAGGLE_CACHE_KIND)):
        raise KaggleError(text["cache_in_way"].format(path=cache.root, why=text["cache_yours"]))
    if not entry.is_dir():
        return {}
    manifest = entry / KAGGLE_MANIFEST
    if not manifest.exists() and not manifest.is_symlink():
        prune_empty(entry, cache.root)  # an empty folder is nothing
        if entry.exists():
            raise KaggleError(text["cache_in_way"].format(path=entry, why=text["cache_yours"]))
        return {}
    found = _cache_read(manifest)
    if not found:
        raise KaggleError(text["cache_in_way"].format(path=manifest, why=text["cache_manifest"]))
    same = found.get(ref.kind) == ref.name.lower() and found.get("version") == version
    if not same or found.get("file") != ref.file:  # copied from another entry: proves nothing
        raise KaggleError(text["cache_in_way"].format(path=manifest, why=text["cache_other"]))
    return found


def _cache_read(manifest: Path) -> dict[str, Any]:
    """A manifest nbgen wrote, or ``{}``: JSON of its kind whose archives are plain names."""
    try:
        data = stamp_of(manifest.read_bytes()) if not manifest.is_symlink() else {}
    except OSError:
        return {}
    archives = data.get("archives")
    if data.get("nbgen") != KAGGLE_MANIFEST_KIND or not isinstance(archives, list):
        return {}
    names = [item.get("name") if isinstance(item, dict) else None for item in archives]
    for name, item in zip(names, archives, strict=True):
        plain = isinstance(name, str) and name == Path(name).name and not name.startswith(".")
        if not plain or name in (KAGGLE_MANIFEST, OWNED_STAMP) or not _cache_sized(item):
            return {}
    return data if len(set(names)) == len(names) else {}


def _cache_sized(item: dict[str, Any]) -> bool:
    size, digest = item.get("size"), item.get("sha256")
    return isinstance(size, int) and size >= 0 and isinstance(digest, str) and len(digest) == 64


def kaggle_cache_restore(entry: Path, manifest: dict[str, Any], into: Path, lang: str) -> str:
    """Copy the archives of ``entry`` into ``into`` (local disk), checking each one's size and
    sha256 as it is read. Returns "" when all match, else the name of the first that does not
    (what was copied of it stays in ``into``, a scratch folder)."""
    for item in manifest["archives"]:
        try:
            size, digest = _cache_copy(entry / item["name"], into / item["name"], lang)
        except FileNotFoundError:
            return str(item["name"])
        if size != item["size"] or digest != item["sha256"]:
            return str(item["name"])
    return ""


def _cache_copy(source: Path, target: Path, lang: str) -> tuple[int, str]:
    """Copy ``source`` to the new file ``target``; its size and sha256, from the bytes read."""
    digest, size = hashlib.sha256(), 0
    buffer = bytearray(_CACHE_CHUNK)
    view = memoryview(buffer)
    try:
        with open(source, "rb", buffering=0) as src, new_file(target) as out:
            while count := src.readinto(buffer):
                chunk = view[:count]
                digest.update(chunk)
                out.write(chunk)
                size += count
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KaggleError(os_error_text(exc, source, lang)) from None
    return size, digest.hexdigest()


def kaggle_cache_store(
    cache: KaggleCache, entry: Path, ref: KaggleRef, version: int | None, files: list[Path],
    old: dict[str, Any], *, label: str, lang: str = "en",
) -> None:  # fmt: skip
    """Keep ``files`` (the archives as downloaded) as ``entry``, replacing ``old`` (its manifest,
    when nbgen's copy is being replaced); make room under the cap first. Never fails the
    download: what stops it (Drive full, a folder in the way) is one line."""
    text = kaggle_text(lang)
    total = sum(path.stat().st_size for path in files)
    if cache.cap is not None and total > cache.cap:
        print(text["cache_too_big"].format(name=label, size=kaggle_size(total),
                                           cap=kaggle_size(cache.cap)))  # fmt: skip
        return
    try:
        make_folder(cache.root, KAGGLE_CACHE_KIND, lang=lang)
        if old:
            kaggle_cache_evict(cache, entry, old)
        if cache.cap is not None:
            _cache_make_room(cache, total, text)
        work = scratch_folder(entry.parent, entry.name, lang)
        try:
            staged = work / "entry"
            staged.mkdir()
            archives = []
            for path in files:
                size, digest = _cache_copy(path, staged / path.name, lang)
                archives.append({"name": path.name, "size": size, "sha256": digest})
            now = _cache_now()
            fields = {"nbgen": KAGGLE_MANIFEST_KIND, ref.kind: ref.name.lower(), "version": version,
                      "file": ref.file, "archives": archives, "size": total, "date": now,
                      "used": now}  # fmt: skip
            write_file(staged / KAGGLE_MANIFEST, _cache_json(fields), lang=lang)  # last
            move_into_place(staged, entry, proof=None, lang=lang)
        finally:
            remove_scratch(work)
    except (OwnershipError, KaggleError, OSError) as exc:
        print(text["cache_not_kept"].format(name=label, reason=str(exc)))
        return
    print(text["cache_kept"].format(name=label, path=entry, size=kaggle_size(total)))


def kaggle_cache_used(entry: Path, manifest: dict[str, Any]) -> None:
    """Note that ``entry`` was used now (the cap removes the least recently used first)."""
    with contextlib.suppress(OwnershipError, OSError):  # a read-only Drive: the order is a hint
        write_file(entry / KAGGLE_MANIFEST, _cache_json({**manifest, "used": _cache_now()}),
                   proof=_cache_is_manifest)  # fmt: skip


def kaggle_cache_evict(cache: KaggleCache, entry: Path, manifest: dict[str, Any]) -> None:
    """Delete the files ``manifest`` lists, then the manifest, then the folders left empty; a
    file of the user's in the entry stays (and so does its folder)."""
    for item in manifest.get("archives", []):
        path = entry / item["name"]
        if path.is_file() or path.is_symlink():  # a folder of that name is not what nbgen wrote
            delete_inside(cache.root, path, kind=KAGGLE_CACHE_KIND)
    delete_inside(cache.root, entry / KAGGLE_MANIFEST, kind=KAGGLE_CACHE_KIND)
    prune_empty(entry, cache.root)


def _cache_make_room(cache: KaggleCache, needed: int, text: dict[str, str]) -> None:
    """Remove the least recently used entries until ``needed`` more bytes fit under the cap."""
    assert cache.cap is not None
    entries = kaggle_cache_entries(cache)
    total = sum(int(manifest["size"]) for _, manifest in entries)
    for entry, manifest in sorted(entries, key=lambda pair: (str(pair[1]["used"]), str(pair[0]))):
        if total + needed <= cache.cap:
            return
        kaggle_cache_evict(cache, entry, manifest)
        total -= int(manifest["size"])
        name = manifest.get("dataset") or manifest.get("competition")
        version = f"/versions/{manifest['version']}" if manifest.get("version") else ""
        file = f" ({manifest['file']})" if manifest.get("file") else ""
        print(text["cache_evicted"].format(name=f"{name}{version}{file}",
                                           size=kaggle_size(int(manifest["size"])),
                                           date=str(manifest["used"])[:16].replace("T", " "),
                                           cap=kaggle_size(cache.cap)))  # fmt: skip


def kaggle_cache_entries(cache: KaggleCache) -> list[tuple[Path, dict[str, Any]]]:
    """Every entry nbgen made in the cache, with its manifest (anything else is left alone)."""
    found: list[tuple[Path, dict[str, Any]]] = []
    if not (cache.root / "kaggle").is_dir():
        return found
    for manifest in sorted((cache.root / "kaggle").rglob(KAGGLE_MANIFEST)):
        data = _cache_read(manifest)
        if data and isinstance(data.get("size"), int) and isinstance(data.get("used"), str):
            found.append((manifest.parent, data))
    return found


def _cache_is_manifest(data: bytes) -> bool:
    return stamp_of(data).get("nbgen") == KAGGLE_MANIFEST_KIND


def _cache_json(fields: dict[str, Any]) -> bytes:
    return (json.dumps(fields, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _cache_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
