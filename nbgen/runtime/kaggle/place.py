"""Where Kaggle data lands, and who owns it. Each data set, version and competition has a folder
of its own (``datasets/OWNER/SLUG/latest``, ``datasets/OWNER/SLUG/versions/N``,
``competitions/NAME``, as kagglehub lays out its cache), so ``alice/mnist``, ``bob/mnist`` and
the competition ``mnist`` never share one. A download is swapped in as one folder whose stamp
names what it holds and marks it complete; the stamp is checked against the reference before
the folder counts as "already downloaded". A folder of the user's in the way is refused before
anything downloads; a single file joins the folder, replacing only files nbgen put there. What
the kaggle client is still downloading stays in a stable ``.NAME.nbgen-partial`` folder, so a
download cut midway resumes where it stopped on the next run."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from nbgen.runtime.kaggle.refs import KaggleRef
from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.folders import (
    delete_owned,
    folder_stamp,
    make_folder,
    move_into_place,
    stamp_folder,
)
from nbgen.runtime.ownership.proofs import OWNED_STAMP, stamp_proof
from nbgen.runtime.platforms.env import detect_platform, platform_path

KAGGLE_KIND = "kaggle"
KAGGLE_PROOF = stamp_proof(KAGGLE_KIND)
KAGGLE_PARTIAL = "kaggle-partial"


def kaggle_target(dest: Path, ref: KaggleRef) -> Path:
    """The folder of ``ref`` under ``dest``: one per kind, owner, slug and version."""
    if ref.kind == "competition":
        return dest / "competitions" / ref.name.lower()
    owner, slug = ref.name.lower().split("/")
    leaf = Path("versions", str(ref.version)) if ref.version else Path("latest")
    return dest / "datasets" / owner / slug / leaf


def kaggle_fields(ref: KaggleRef) -> dict[str, Any]:
    """What a stamp says about the data in its folder: ``{"dataset": "owner/slug", "version":
    3}`` or ``{"competition": "name", "version": None}``."""
    return {ref.kind: ref.name.lower(), "version": ref.version}


def kaggle_done(target: Path, ref: KaggleRef, *, force: bool, lang: str) -> dict[str, Any]:
    """What an earlier download of ``ref`` put in ``target`` (its stamp); ``{}`` for nothing
    there. A folder or file of the user's in the way is refused now, before anything downloads.
    The folder's path is derived from the reference, so a stamp naming other data was copied
    there (with the folder, by the user): it proves nothing, and the folder is the user's."""
    if not (target.exists() or target.is_symlink()):
        return {}
    stamp, fields = folder_stamp(target), kaggle_fields(ref)
    if stamp.get("nbgen") == KAGGLE_KIND:
        if all(stamp.get(k) == v for k, v in fields.items()):
            return stamp
        if not force:
            other = stamp.get("dataset") or stamp.get("competition") or "?"
            version = stamp.get("version")
            other = f"{other} version {version}" if version else str(other)
            name = f"{ref.name} version {ref.version}" if ref.version else ref.name
            raise KaggleError(
                kaggle_text(lang)["copied"].format(path=target, other=other, name=name)
            )
        return {}
    if not force:  # raises: in the way
        make_folder(target, KAGGLE_KIND, remedy=kaggle_text(lang)["in_way"], lang=lang)
    return {}


def kaggle_place(
    extracted: Path, target: Path, ref: KaggleRef, done: dict[str, Any], *, force: bool,
    lang: str,
) -> None:  # fmt: skip
    """Put what arrived in place. A whole data set is swapped in as one folder, replacing only
    an earlier download of nbgen's holding nothing of the user's (or with ``force``); one file
    joins the folder, replacing only files nbgen put there. The stamp, which marks the download
    complete, is written last."""
    text, fields = kaggle_text(lang), kaggle_fields(ref)
    ways: dict[str, Any] = {"remedy": text["in_way"], "lang": lang}
    if not ref.file:
        if done and not done.get("all") and not force:
            _kaggle_refuse_yours(target, set(done.get("files", [])), text)
        stamp_folder(extracted, KAGGLE_KIND, **fields, all=True, files=[])
        move_into_place(extracted, target, proof=KAGGLE_PROOF, force=force, **ways)
        return
    if not done:
        make_folder(target, KAGGLE_KIND, force=force, **ways, **fields, files=[])
    placed = set(done.get("files", []))
    prefix = PurePosixPath(ref.file).parent
    for item in sorted(p for p in extracted.rglob("*") if p.is_file() or p.is_symlink()):
        rel = (prefix / item.relative_to(extracted).as_posix()).as_posix()
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        mine = rel in placed or force  # a file the user put there is theirs, even this one
        move_into_place(item, dest, proof=None, force=mine, **ways)
        placed.add(rel)
    stamp_folder(target, KAGGLE_KIND, **fields, all=bool(done.get("all")),
                 files=sorted({*placed, ref.file}))  # fmt: skip


def _kaggle_refuse_yours(target: Path, placed: set[str], text: dict[str, str]) -> None:
    """Before a whole download replaces a folder of single files: is anything in it the user's?"""
    for item in sorted(target.rglob("*")):
        rel = item.relative_to(target).as_posix()
        if (item.is_file() or item.is_symlink()) and rel != OWNED_STAMP and rel not in placed:
            raise KaggleError(text["in_yours"].format(path=target, file=rel))


def kaggle_partial(
    target: Path, ref: KaggleRef, *, force: bool, lang: str, fetch: int | None = None
) -> Path:
    """The stable folder the kaggle client downloads ``ref`` into, kept when a run is cut so the
    next one resumes (the client asks for the rest with a Range request). One of another
    reference, or of another version ``fetch`` (the version asked for, when "latest" was pinned
    to the current one), or any with ``force``, is nbgen's and is deleted; a user's folder of
    that name is refused."""
    partial = target.parent / f".{target.name}.nbgen-partial"
    fields = {
        **kaggle_fields(ref),
        "file": ref.file,
        "fetch": fetch if fetch != ref.version else None,
    }
    stamp = folder_stamp(partial)
    if stamp.get("nbgen") == KAGGLE_PARTIAL:
        if not force and all(stamp.get(k) == v for k, v in fields.items()):
            return partial
        delete_owned(partial, proof=stamp_proof(KAGGLE_PARTIAL))
    return make_folder(partial, KAGGLE_PARTIAL, lang=lang, **fields)  # a user's: move it away


def kaggle_drop_partial(partial: Path) -> None:
    """Delete the partial folder once its download is in place (or proved unusable)."""
    delete_owned(partial, proof=stamp_proof(KAGGLE_PARTIAL))


def kaggle_attached(found: KaggleRef) -> Path | None:
    """On a Kaggle notebook, an input attached with "Add Input" is mounted read-only."""
    if detect_platform() != "kaggle":
        return None
    slug = found.name.split("/")[-1]
    root = Path(platform_path("/kaggle/input"))
    if found.kind == "dataset":
        candidates = (root / "datasets" / found.name, root / slug)
    else:
        candidates = (root / "competitions" / slug, root / slug)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None
