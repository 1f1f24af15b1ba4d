"""Kaggle archives, extracted safely (zips inside them too), and what arrived, listed."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.files import new_file
from nbgen.runtime.ownership.folders import delete_inside
from nbgen.runtime.ownership.proofs import OWNED_STAMP
from nbgen.runtime.ownership.text import os_error_text

# Extraction stops before writing more than this, or more than this many times the archive:
# real data sets are large but compress a few times at most; a zip bomb does not.
EXTRACT_LIMIT = {"bytes": 200 * 2**30, "ratio": 200}
KAGGLE_NESTING = 3  # zips inside zips inside zips: deeper ones stay zips


class KaggleBudget:
    """What the extraction of one download may still write: :data:`EXTRACT_LIMIT` bytes in
    all (inner zips count again), at most ``ratio`` times what was downloaded."""

    def __init__(self, packed: int) -> None:
        self.packed = max(packed, 1)
        self.written = 0


def safe_extract(
    archive: Path, target: Path, lang: str = "en", budget: KaggleBudget | None = None
) -> list[Path]:
    """Extract ``archive`` into ``target``, refusing (before writing anything) a member that is
    absolute, climbs out with ``..``, is a link or comes twice, and an archive that would unpack
    to more than :data:`EXTRACT_LIMIT` allows; no member gets more bytes than its header says."""
    text = kaggle_text(lang)
    if budget is None:
        budget = KaggleBudget(archive.stat().st_size)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise KaggleError(text["bad_zip"].format(archive=archive.name)) from None
    with zf:
        plan = _kaggle_plan(zf, archive, target, text)
        _kaggle_check_size(archive, plan, text, budget)
        return _kaggle_write(zf, plan, archive, text, lang)


def _kaggle_plan(
    zf: zipfile.ZipFile, archive: Path, target: Path, text: dict[str, str]
) -> list[tuple[zipfile.ZipInfo, Path]]:
    root = target.resolve()
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    seen: set[Path] = set()
    for info in zf.infolist():
        name = info.filename
        dest = (root / name).resolve()
        bad = (
            stat.S_ISLNK(info.external_attr >> 16)
            or name.startswith(("/", "\\"))
            or re.match(r"[A-Za-z]:", name) is not None
            or ".." in re.split(r"[\\/]", name)
            or (dest != root and root not in dest.parents)
        )
        if bad:
            raise KaggleError(
                text["unsafe"].format(archive=archive.name, member=name, target=target)
            )
        if dest.name == OWNED_STAMP:  # nbgen's proof of ownership is never taken from data
            continue
        if dest in seen and not info.is_dir():
            raise KaggleError(text["twice"].format(archive=archive.name, member=name))
        seen.add(dest)
        plan.append((info, dest))
    return plan


def _kaggle_write(
    zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo, Path]], archive: Path,
    text: dict[str, str], lang: str,
) -> list[Path]:  # fmt: skip
    written = []
    for info, dest in plan:
        try:
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            with zf.open(info) as src, new_file(dest) as out:
                _kaggle_copy(src, out, info.file_size)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise KaggleError(
                text["lying"].format(archive=archive.name, member=info.filename)
            ) from None
        except (NotImplementedError, RuntimeError):  # a method zipfile lacks; encrypted
            raise KaggleError(text["bad_zip"].format(archive=archive.name)) from None
        except OSError as exc:
            raise KaggleError(os_error_text(exc, dest, lang)) from None
        written.append(dest)
    return written


def extract_inner_zips(
    folder: Path, scratch: Path, budget: KaggleBudget, lang: str = "en"
) -> list[Path]:
    """Extract each ``*.zip`` under ``folder`` (Kaggle competitions ship ``train.zip``) beside
    itself, as ``unzip`` would, or into a folder named after it when a member is already there;
    then delete it: it lies in nbgen's ``scratch`` folder, so a download needs no twice the
    disk. Zips that come out of those are extracted too, :data:`KAGGLE_NESTING` levels deep.
    Returns the zips extracted."""
    text = kaggle_text(lang)
    done: list[Path] = []
    kept: set[Path] = set()  # not zips nbgen can open (damaged, encrypted): the data's own files
    for _ in range(KAGGLE_NESTING):
        found = (p for p in folder.rglob("*") if p.suffix.lower() == ".zip" and p.is_file())
        inner = sorted(p for p in found if p not in kept)
        if not inner:
            break
        for archive in inner:
            if not _kaggle_openable(archive):
                kept.add(archive)
                continue
            place = archive.parent
            if _kaggle_clashes(archive, place):
                place = archive.with_suffix("")
                if place.exists() or place.is_symlink():
                    member = _kaggle_clashes(archive, archive.parent)
                    message = text["inner_clash"]
                    raise KaggleError(
                        message.format(archive=archive.name, member=member, folder=place)
                    )
            safe_extract(archive, place, lang, budget)
            delete_inside(scratch, archive, kind="scratch")
            done.append(archive)
    return done


def _kaggle_openable(archive: Path) -> bool:
    try:
        with zipfile.ZipFile(archive) as zf:
            return not any(info.flag_bits & 0x1 for info in zf.infolist())  # 0x1: encrypted
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _kaggle_clashes(archive: Path, place: Path) -> str:
    """The first member of ``archive`` that is already in ``place`` ("" for none)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                dest = place / info.filename
                if not info.is_dir() and (dest.exists() or dest.is_symlink()):
                    return info.filename
    except (zipfile.BadZipFile, OSError):
        return ""  # safe_extract says what is wrong with it
    return ""


def _kaggle_check_size(
    archive: Path, plan: list[tuple[zipfile.ZipInfo, Path]], text: dict[str, str],
    budget: KaggleBudget,
) -> None:  # fmt: skip
    total = sum(info.file_size for info, _ in plan)
    packed = max(archive.stat().st_size, 1)
    limit, max_ratio = EXTRACT_LIMIT["bytes"], EXTRACT_LIMIT["ratio"]
    overall = budget.written + total
    too_big = overall > limit or (
        total > 2**20 and max(total / packed, overall / budget.packed) > max_ratio
    )
    if too_big:
        raise KaggleError(
            text["too_big"].format(
                archive=archive.name,
                size=kaggle_size(overall),
                ratio=overall / budget.packed,
                limit=kaggle_size(limit),
                max_ratio=max_ratio,
            )
        )
    budget.written = overall


def _kaggle_copy(src: IO[bytes], out: IO[bytes], declared: int) -> None:
    """Copy a member, never more than the size its header declares (a lying header is how a
    zip bomb passes a size check)."""
    left = declared
    while chunk := src.read(min(1 << 20, left + 1)):
        left -= len(chunk)
        if left < 0:
            raise zipfile.BadZipFile("a member is larger than its header says")
        out.write(chunk)


def kaggle_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def print_kaggle_tree(
    target: Path, name: str, lang: str = "en", limit: int = 15
) -> list[tuple[str, int]]:
    """Print what arrived (files and sizes, a short tree) and return it."""
    text = kaggle_text(lang)
    files = sorted(p for p in target.rglob("*") if p.is_file() and p.name != OWNED_STAMP)
    rows = [(p.relative_to(target).as_posix(), p.stat().st_size) for p in files]
    total = sum(size for _, size in rows)
    counted = text["one_file"] if len(rows) == 1 else text["files"].format(count=len(rows))
    print(text["arrived"].format(name=name, files=counted, size=kaggle_size(total), path=target))
    width = max((len(path) for path, _ in rows[:limit]), default=0)
    for path, size in rows[:limit]:
        print(f"  {path:<{width}}  {kaggle_size(size):>10}")
    if len(rows) > limit:
        print(text["more"].format(count=len(rows) - limit))
    return rows
