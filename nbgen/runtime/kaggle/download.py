"""Kaggle data in a notebook: download to local disk, extract safely, once, with progress.

The kaggle client runs in a child process (``client``) with the credentials nbgen chose; the
archives are extracted here, zips inside them too: Colab's kaggle 2.0.2 has no ``--unzip`` for
competitions, and a member that would land outside the target is refused. A version pin and a
single file are passed on to the client. On a Kaggle notebook, data attached with "Add Input"
is used in place, without credentials; where kagglehub can serve data without downloading it
(Colab's own Kaggle cache), it does (``hub``). With a cache on Drive (``cache``), the next
runtime copies the archives from there: no request at all for a pinned version, one to learn
the current version otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nbgen.runtime.kaggle.cache import (
    KaggleCache,
    kaggle_cache_check,
    kaggle_cache_entry,
    kaggle_cache_evict,
    kaggle_cache_restore,
    kaggle_cache_store,
    kaggle_cache_used,
)
from nbgen.runtime.kaggle.client import kaggle_bytes, kaggle_current_version, kaggle_run
from nbgen.runtime.kaggle.creds import KaggleCredentials, find_kaggle_credentials
from nbgen.runtime.kaggle.extract import (
    KaggleBudget,
    extract_inner_zips,
    print_kaggle_tree,
    safe_extract,
)
from nbgen.runtime.kaggle.hub import kaggle_hub, kaggle_hub_where
from nbgen.runtime.kaggle.place import (
    kaggle_attached,
    kaggle_done,
    kaggle_drop_partial,
    kaggle_partial,
    kaggle_place,
    kaggle_target,
)
from nbgen.runtime.kaggle.refs import KaggleRef, kaggle_file_name, kaggle_refs, parse_kaggle_ref
from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.folders import (
    clean_scratch,
    first_existing,
    move_into_place,
    prune_empty,
    remove_scratch,
    scratch_folder,
)
from nbgen.runtime.ownership.proofs import OWNED_STAMP
from nbgen.runtime.ownership.text import OwnershipError
from nbgen.runtime.platforms.env import local_data_dir, platform_path


def kaggle_dest(dest: str | os.PathLike[str] = "") -> Path:
    """Where downloads go: ``dest`` (relative to the work folder), or the platform's local
    disk when empty (``/content/data`` on Colab)."""
    return Path(platform_path(str(dest))) if str(dest) else Path(local_data_dir())


def kaggle_download(
    ref: str | KaggleRef = "", dest: str | os.PathLike[str] = "", *, force: bool = False,
    file: str = "", work_folder: str | os.PathLike[str] = ".", lang: str = "en",
    dataset: str = "", competition: str = "", cache: KaggleCache | None = None,
) -> Path:  # fmt: skip
    """Fetch a data set or competition (or one ``file`` of it) into its own folder under
    ``dest``, extracted; kept on disk: the folder is returned, and a re-run finds it there.

    ``ref`` is anything a user pastes (see :func:`parse_kaggle_ref`), version and file kept;
    ``dataset=`` and ``competition=`` name one kind explicitly. ``cache`` (see
    :func:`kaggle_cache`) keeps the archives for the next runtime.
    """
    text = kaggle_text(lang)
    found = _kaggle_ref(ref, dataset, competition, file, lang)
    target = kaggle_target(kaggle_dest(dest), found)
    label = kaggle_label(found, text)
    attached = kaggle_attached(found)
    if attached is not None and not force:
        print(text["attached"].format(name=label, path=attached))
        return attached
    plain = Path(os.path.abspath(target))  # `..` resolved, as the folders will be made
    before = first_existing(plain)  # a failed run takes back the empty folders it made
    if before.is_symlink() and not before.exists():  # a dangling link on the way
        raise KaggleError(text["dest_dangling"].format(path=before, points=os.readlink(before)))
    try:
        clean_scratch(target.parent, target.name)  # what a killed run left
        done = kaggle_done(target, found, force=force, lang=lang)
        present = done.get("all") or (found.file and found.file in done.get("files", []))
        if present and not force:
            print(text["present"].format(name=label, path=target))
            return target
        served = _kaggle_obtain(found, target, done, cache, work_folder=work_folder, force=force,
                                lang=lang)  # fmt: skip
        if served is not None:
            return served
    except BaseException as exc:  # a refusal, a Kaggle error, Ctrl-C: no empty folders stay
        prune_empty(plain, before)
        if isinstance(exc, OwnershipError):
            raise KaggleError(str(exc)) from None
        raise
    print_kaggle_tree(target, label, lang)
    return target


def _kaggle_obtain(
    found: KaggleRef, target: Path, done: dict[str, Any], cache: KaggleCache | None, *,
    work_folder: str | os.PathLike[str], force: bool, lang: str,
) -> Path | None:  # fmt: skip
    """Served in place by kagglehub (its folder returned), or from the cache when it holds the
    data, else from Kaggle (and kept in the cache)."""
    text = kaggle_text(lang)
    label = kaggle_label(found, text)
    creds: KaggleCredentials | None = None
    where = "" if force else kaggle_hub_where(found)
    if where:
        if where == "colab":  # Colab's cache takes credentials; Kaggle's data proxy needs none
            creds = _kaggle_creds(found, work_folder, text, lang, quiet=True)
        served = kaggle_hub(found, where, creds, label, lang)
        if served is not None:
            return served
    version, entry, manifest = found.version, None, {}
    if cache is not None:
        if found.kind == "dataset" and not version:  # one question: which version is current
            creds = _kaggle_creds(found, work_folder, text, lang)
            assert creds is not None
            version = kaggle_current_version(found.name, creds, text, label) or None
            key = "cache_version" if version else "cache_no_version"
            print(text[key].format(name=found.name, version=version))
        if version or found.kind == "competition":
            entry = kaggle_cache_entry(cache, found, version)
            manifest = kaggle_cache_check(cache, entry, found, version, lang)
            fresh = manifest and not force
            if fresh and _kaggle_restore(found, target, done, cache, entry, manifest, lang=lang):
                return None
    creds = creds or _kaggle_creds(found, work_folder, text, lang)
    assert creds is not None  # not quiet: found, or an error raised
    print(text["downloading"].format(name=label, path=target))
    keep = (cache, entry, manifest) if cache is not None and entry is not None else None
    _kaggle_fetch(found, target, done, creds, version=version, keep=keep, force=force, lang=lang)
    return None


def _kaggle_creds(
    found: KaggleRef, work_folder: str | os.PathLike[str], text: dict[str, str], lang: str, *,
    quiet: bool = False,
) -> KaggleCredentials | None:  # fmt: skip
    """The credentials, named in a line; ``quiet``: None instead of an error or an upload."""
    try:
        creds = find_kaggle_credentials(work_folder, lang, allow_upload=not quiet, name=found.name)
    except KaggleError:
        if quiet:
            return None
        raise
    print(text["using"].format(source=creds.source))
    return creds


def _kaggle_restore(
    found: KaggleRef, target: Path, done: dict[str, Any], cache: KaggleCache, entry: Path,
    manifest: dict[str, Any], *, lang: str,
) -> bool:  # fmt: skip
    """Copy the cached archives to local disk and extract them there; False (the entry
    dropped, with a line) when one no longer matches its manifest."""
    text = kaggle_text(lang)
    label = kaggle_label(found, text)
    print(text["cache_restoring"].format(name=label, path=entry))
    work = scratch_folder(target.parent, target.name, lang)
    try:
        restored = work / "restored"
        restored.mkdir()
        damaged = kaggle_cache_restore(entry, manifest, restored, lang)
        if damaged:
            print(text["cache_damaged"].format(name=label, path=entry, file=damaged))
            kaggle_cache_evict(cache, entry, manifest)
            return False
        extracted = _kaggle_unpack(restored, work, lang)
        kaggle_place(extracted, target, found, done, force=False, lang=lang)
    finally:
        remove_scratch(work)
    kaggle_cache_used(entry, manifest)
    return True


def _kaggle_fetch(
    found: KaggleRef, target: Path, done: dict[str, Any], creds: KaggleCredentials, *,
    version: int | None, keep: tuple[KaggleCache, Path, dict[str, Any]] | None, force: bool,
    lang: str,
) -> None:  # fmt: skip
    """Download into the stable partial folder (kept in the cache when there is one), extract in
    a scratch folder, swap into place."""
    text = kaggle_text(lang)
    partial = kaggle_partial(target, found, force=force, lang=lang, fetch=version)
    name = found.name + (f"/{version}" if version else "")
    label = kaggle_label(found, text)
    try:
        kaggle_run([found.kind, name, found.file, str(partial)], creds, text, label, found.name)
    except KaggleError:
        if not kaggle_bytes(partial):  # nothing arrived to resume from
            kaggle_drop_partial(partial)
        raise
    if keep is not None:
        arrived = sorted(p for p in partial.iterdir() if p.is_file() and p.name != OWNED_STAMP)
        kaggle_cache_store(*keep[:2], found, version, arrived, keep[2], label=label, lang=lang)
    work = scratch_folder(target.parent, target.name, lang)
    try:
        try:
            extracted = _kaggle_unpack(partial, work, lang)
        except KaggleError:
            kaggle_drop_partial(partial)  # unusable: the next run downloads afresh
            if keep is not None:
                _kaggle_forget(keep[0], keep[1], found, version)
            raise
        kaggle_place(extracted, target, found, done, force=force, lang=lang)
        kaggle_drop_partial(partial)
    finally:
        remove_scratch(work)


def _kaggle_unpack(source: Path, work: Path, lang: str) -> Path:
    """Extract the archives in ``source`` (other files are moved) into ``work/extracted``,
    inner zips too, under one budget."""
    extracted = work / "extracted"
    extracted.mkdir()
    arrived = sorted(p for p in source.iterdir() if p.name != OWNED_STAMP)
    budget = KaggleBudget(sum(p.stat().st_size for p in arrived if p.is_file()))
    for item in arrived:
        if item.suffix.lower() == ".zip":
            safe_extract(item, extracted, lang, budget)
        else:
            move_into_place(item, extracted / item.name, proof=None)
    extract_inner_zips(extracted, work, budget, lang)
    return extracted


def _kaggle_forget(cache: KaggleCache, entry: Path, found: KaggleRef, version: int | None) -> None:
    """Drop the entry just kept for a download that proved unusable."""
    try:
        manifest = kaggle_cache_check(cache, entry, found, version)
        if manifest:
            kaggle_cache_evict(cache, entry, manifest)
    except (KaggleError, OwnershipError):
        pass


def kaggle_data(value: str | list[str], lang: str = "en") -> list[KaggleRef]:
    """The references in the KAGGLE_DATA form field (saying so when there are none)."""
    refs = kaggle_refs(value, lang)
    if not refs:
        print(kaggle_text(lang)["nothing"])
    return refs


def _kaggle_ref(
    ref: str | KaggleRef, dataset: str, competition: str, file: str, lang: str
) -> KaggleRef:
    text = kaggle_text(lang)
    if isinstance(ref, KaggleRef):
        parsed = ref
    elif dataset or competition:
        kind = "dataset" if dataset else "competition"
        parsed = parse_kaggle_ref(dataset or competition, lang)
        if parsed.kind != kind:
            key = "bad_slug" if kind == "dataset" else "bad_name"
            raise KaggleError(text[key].format(value=dataset or competition))
    else:
        parsed = parse_kaggle_ref(ref, lang)
    wanted = file or parsed.file
    if wanted:
        clean = kaggle_file_name(wanted)
        if not clean:
            raise KaggleError(text["bad_file"].format(value=parsed.name, file=wanted))
        parsed = parsed._replace(file=clean)
    return parsed


def kaggle_label(found: KaggleRef, text: dict[str, str]) -> str:
    """How messages name ``found``: ``owner/slug``, with its version and file."""
    label = found.name
    if found.version:
        label = text["version"].format(name=label, version=found.version)
    return label + (f" ({found.file})" if found.file else "")
